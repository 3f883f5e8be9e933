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

#include "zones/store/key_values_json.h"
#include "zones/store/store_rows.h"

namespace gslb {
namespace {

constexpr std::array<std::string_view, 11> kRcodes = {
    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
};

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

// The probe types, other than `type`, that have an option `name`: "dns" or "http, https".
std::string types_with_option(std::string_view name, std::string_view type) {
  std::string out;
  for (const ProbeType* t : probe_types()) {
    if (t->type == type) continue;
    for (const KeySpec& k : t->options)
      if (k.name == name) out += (out.empty() ? "" : ", ") + std::string(t->type);
  }
  return out;
}

}  // namespace

std::string option_problem_text(const KeyProblem& p, std::string_view type) {
  switch (p.kind) {
    case KeyProblem::kUnknown:
      if (types_with_option(p.key, type).empty()) return "unknown option '" + p.key + "'";
      return "option '" + p.key + "' does not apply to " + std::string(type) + " checks";
    case KeyProblem::kCheck:
      return "option '" + p.key + "': " + p.message;
    case KeyProblem::kMissing:
    case KeyProblem::kType:
    case KeyProblem::kRange:
      break;
  }
  return "option '" + p.key + "' " + p.message;
}

Result<std::vector<KeyValue>> resolve_check_options(const ProbeType& type,
                                                    std::string_view options_json) {
  auto given = key_values_from_json(options_json);
  if (!given) return make_error("options_json is " + given.error());
  ResolvedKeys r = resolve_keys(*given, type.options);
  if (!r.ok()) return make_error(option_problem_text(r.problems[0], type.type));
  return std::move(r.values);
}

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
  const ProbeType* type = find_probe_type(check.type);
  if (type == nullptr) return make_error(where + "unknown type '" + check.type + "'");
  spec.probe_type = type;
  if (!address.empty() && address.back() == '.') {
    spec.target_name = address;  // no address ends with a dot: a CNAME target's name
  } else {
    boost::system::error_code ec;
    spec.address = boost::asio::ip::make_address(address, ec);
    if (ec) return make_error(where + "bad address '" + address + "'");
  }
  if (check.port > 65535)
    return make_error(where + "port " + std::to_string(check.port) + " out of range");
  spec.port = static_cast<uint16_t>(check.port);
  switch (type->port) {
    case PortUse::kNone:
      spec.port = 0;
      break;
    case PortUse::kRequired:
      if (spec.port == 0) return make_error(where + check.type + " checks need a port");
      break;
    case PortUse::kOptional:
      if (spec.port == 0) spec.port = type->default_port;
      break;
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
  if (type->speaks_http) {
    spec.path = check.path.empty() ? "/" : check.path;
    if (spec.path.front() != '/') return make_error(where + "path must start with '/'");
    if (unsafe(spec.path)) return make_error(where + "path must not contain spaces or controls");
    auto statuses = parse_statuses(check.expect_status);
    if (!statuses) return make_error(where + "bad expect_status: " + statuses.error());
    spec.expect_status = std::move(*statuses);
    spec.expect_body = check.expect_body;
  }
  auto options = resolve_check_options(*type, check.options_json);
  if (!options) return make_error(where + options.error());
  spec.options = std::move(*options);
  if (type->configure != nullptr) type->configure(spec.options, spec);
  return spec;
}

}  // namespace gslb
