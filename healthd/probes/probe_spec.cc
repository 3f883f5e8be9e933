#include "healthd/probes/probe_spec.h"

// Before ldns: without it ldns/common.h #defines bool, true and false.
#include <stdbool.h>  // NOLINT(modernize-deprecated-headers)

#include <ldns/ldns.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

#include "zones/store/store_rows.h"

namespace gslb {
namespace {

constexpr std::array<std::string_view, 11> kRcodes = {
    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
};

enum class Kind { kBool, kString };

// Every option key, its value kind and the check types it applies to. One line per key.
struct OptionKey {
  std::string_view name;
  Kind kind;
  std::array<std::string_view, 2> types;  // unused slots empty
};
const std::array<OptionKey, 8> kOptionKeys = {{
    {"verify_tls", Kind::kBool, {"https", ""}},
    {"load_header", Kind::kString, {"http", "https"}},
    {"load_json_field", Kind::kString, {"http", "https"}},
    {"dns_qname", Kind::kString, {"dns", ""}},
    {"dns_qtype", Kind::kString, {"dns", ""}},
    {"dns_rcode", Kind::kString, {"dns", ""}},
    {"dns_answer", Kind::kString, {"dns", ""}},
    {"dns_recurse", Kind::kBool, {"dns", ""}},
}};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::optional<unsigned> parse_status(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 100 || v > 599) return std::nullopt;
  return v;
}

// "200,204", "200-299, 304": the accepted codes, or an error message.
Result<std::vector<unsigned>> parse_statuses(std::string_view text) {
  std::vector<unsigned> out;
  if (trim(text).empty()) return out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = trim(text.substr(pos, comma - pos));
    const size_t dash = item.find('-');
    auto lo = parse_status(std::string_view(item).substr(0, dash));
    auto hi =
        dash == std::string::npos ? lo : parse_status(std::string_view(item).substr(dash + 1));
    if (!lo || !hi || *hi < *lo) {
      return make_error("'" + item + "' is not a status code (100-599) or range");
    }
    for (unsigned s = *lo; s <= *hi; ++s) out.push_back(s);
    pos = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool applies(const OptionKey& key, const std::string& type) {
  return !type.empty() && std::find(key.types.begin(), key.types.end(), type) != key.types.end();
}

bool valid_dname(const std::string& name) {
  ldns_rdf* rdf = ldns_dname_new_frm_str(name.c_str());
  if (rdf == nullptr) return false;
  ldns_rdf_deep_free(rdf);
  return true;
}

// Applies options_json to `spec`; an error message (without the check prefix) on failure.
Result<void> apply_options(const std::string& text, ProbeSpec& spec) {
  if (trim(text).empty()) return {};
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return make_error("options_json is not valid JSON");
  if (!doc.is_object()) return make_error("options_json is not a JSON object");
  for (const auto& [name, value] : doc.items()) {
    const auto key = std::find_if(kOptionKeys.begin(), kOptionKeys.end(),
                                  [&](const OptionKey& k) { return k.name == name; });
    if (key == kOptionKeys.end()) return make_error("unknown option '" + name + "'");
    if (!applies(*key, spec.type)) {
      return make_error("option '" + name + "' does not apply to " + spec.type + " checks");
    }
    if (key->kind == Kind::kBool && !value.is_boolean()) {
      return make_error("option '" + name + "' must be true or false");
    }
    if (key->kind == Kind::kString && !value.is_string()) {
      return make_error("option '" + name + "' must be a string");
    }
    if (name == "verify_tls") {
      spec.verify_tls = value.get<bool>();
    } else if (name == "dns_recurse") {
      spec.dns_recurse = value.get<bool>();
    } else {
      const std::string s = value.get<std::string>();
      if (s.empty()) return make_error("option '" + name + "' must not be empty");
      if (name == "load_header") {
        spec.load_header = s;
      } else if (name == "load_json_field") {
        spec.load_json_field = s;
      } else if (name == "dns_qname") {
        if (!valid_dname(s)) return make_error("option 'dns_qname': bad name '" + s + "'");
        spec.dns_qname = s;
      } else if (name == "dns_qtype") {
        if (!dns_type_from_name(s))
          return make_error("option 'dns_qtype': unknown type '" + s + "'");
        spec.dns_qtype = s;
      } else if (name == "dns_rcode") {
        if (!dns_rcode_from_name(s)) {
          return make_error("option 'dns_rcode': unknown rcode '" + s + "'");
        }
        spec.dns_expect_rcode = s;
      } else if (name == "dns_answer") {
        spec.dns_expect_answer = s;
      }
    }
  }
  return {};
}

}  // namespace

std::optional<uint16_t> dns_type_from_name(std::string_view name) {
  if (name.empty()) return std::nullopt;
  const std::string s(name);
  const ldns_rr_type t = ldns_get_rr_type_by_name(s.c_str());
  if (t == 0) return std::nullopt;
  return static_cast<uint16_t>(t);
}

std::optional<unsigned> dns_rcode_from_name(std::string_view name) {
  for (size_t i = 0; i < kRcodes.size(); ++i) {
    if (kRcodes[i].size() == name.size() &&
        strncasecmp(kRcodes[i].data(), name.data(), name.size()) == 0) {
      return static_cast<unsigned>(i);
    }
  }
  return std::nullopt;
}

std::string dns_rcode_name(unsigned rcode) {
  if (rcode < kRcodes.size()) return std::string(kRcodes[rcode]);
  return "RCODE" + std::to_string(rcode);
}

Result<ProbeSpec> probe_spec_from_check(const CheckRow& check, const std::string& address) {
  const std::string where = "healthd/check '" + check.name + "': ";
  ProbeSpec spec;
  spec.type = check.type;
  if (find_probe(check.type) == nullptr) {
    return make_error(where + "unknown type '" + check.type + "'");
  }
  boost::system::error_code ec;
  spec.address = boost::asio::ip::make_address(address, ec);
  if (ec) return make_error(where + "bad address '" + address + "'");
  if (check.port > 65535)
    return make_error(where + "port " + std::to_string(check.port) + " out of range");
  spec.port = static_cast<uint16_t>(check.port);
  if (check.type == "icmp") spec.port = 0;
  if (check.type == "tcp" && spec.port == 0) return make_error(where + "tcp checks need a port");
  if (spec.port == 0) {
    if (check.type == "http") spec.port = 80;
    if (check.type == "https") spec.port = 443;
    if (check.type == "dns") spec.port = 53;
  }
  if (check.timeout_ms == 0) return make_error(where + "timeout_ms must be positive");
  spec.timeout = std::chrono::milliseconds(check.timeout_ms);
  // Both end up in the request head verbatim: no room for header injection.
  const auto unsafe = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
  };
  if (unsafe(check.host)) return make_error(where + "host must not contain spaces or controls");
  spec.host = check.host;
  if (check.type == "http" || check.type == "https") {
    spec.path = check.path.empty() ? "/" : check.path;
    if (spec.path.front() != '/') return make_error(where + "path must start with '/'");
    if (unsafe(spec.path)) return make_error(where + "path must not contain spaces or controls");
    auto statuses = parse_statuses(check.expect_status);
    if (!statuses) return make_error(where + "bad expect_status: " + statuses.error());
    spec.expect_status = std::move(*statuses);
    spec.expect_body = check.expect_body;
  }
  if (auto r = apply_options(check.options_json, spec); !r) return make_error(where + r.error());
  return spec;
}

}  // namespace gslb
