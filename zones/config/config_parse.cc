// The config document's parser: JSON text into config::Desired (zones/config_desired.h), with
// every field validated. The public apply functions are in zones/config_document.cc, the sync
// against the database in zones/config_apply.cc.
//
// Validation is a ladder per field that never stops at the first problem: every error is
// collected with its JSON path, and the document is rejected as a whole if there is any.

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "healthd/probes/probe.h"
#include "server/policy/policy.h"
#include "zones/base/plain_name.h"
#include "zones/config/config_desired.h"
#include "zones/dns/dname.h"
#include "zones/dns/subnet.h"
#include "zones/dns/zone_data.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/zonefile/ldns_record.h"
#include "zones/zonefile/zone_file.h"

// Last: ldns/common.h defines `bool` as a macro, which breaks <optional> included after it.
#include <ldns/ldns.h>

namespace gslb {
namespace config {
namespace {

using nlohmann::json;

constexpr int64_t kMaxTtl = 2147483647;  // RFC 2181 s8
constexpr int64_t kMaxU32 = 4294967295;
constexpr std::initializer_list<const char*> kFallbacks = {"all", "sorry", "servfail"};
// The service keys of every policy; a policy adds its own (PolicyType::keys).
constexpr std::initializer_list<const char*> kServiceKeys = {
    "name",   "policy",      "ttl",   "ttl_degraded", "answers", "fallback", "persistence",
    "quorum", "min_healthy", "check", "members",      "pools",   "rules",    "slow_start_s"};

std::string at(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string at(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string json_quote(std::string_view s) {
  return json(std::string(s)).dump();
}

// "weighted, round-robin, ..." from a catalogue.
template <class Types, class Name>
std::string names_of(const Types& types, Name name) {
  std::string out;
  for (const auto* t : types) out += (out.empty() ? "" : ", ") + std::string(name(*t));
  return out;
}

// The policies, other than `except`, that declare a service key `key`.
std::string policies_with_key(std::string_view key, std::string_view except) {
  std::string out;
  for (const PolicyType* p : policy_types()) {
    if (p->name == except) continue;
    for (const KeySpec& k : p->keys)
      if (k.name == key) out += (out.empty() ? "" : ", ") + std::string(p->name);
  }
  return out;
}

// A JSON object's scalar members as plug-in key values; arrays, objects and null are reported
// at their path and left out.
template <class Checker>
KeyValues key_values_of(const json& obj, const std::string& path, Checker& c) {
  KeyValues out;
  for (const auto& [key, value] : obj.items()) {
    if (value.is_boolean())
      out.emplace_back(key, value.template get<bool>());
    else if (value.is_number_integer() &&
             !(value.is_number_unsigned() && value.template get<uint64_t>() > uint64_t{INT64_MAX}))
      out.emplace_back(key, value.template get<int64_t>());
    else if (value.is_number())
      out.emplace_back(key, value.template get<double>());
    else if (value.is_string())
      out.emplace_back(key, value.template get<std::string>());
    else
      c.fail(at(path, key), "expected a boolean, number or string");
  }
  return out;
}

// A policy that answers by the client's location (the catalogue says so, not its name) needs a
// geoip place file.
bool needs_location(const std::string& policy) {
  const PolicyType* t = find_policy(policy);
  return t != nullptr && t->client_input == ClientInput::kLocation;
}

std::string one_of(std::initializer_list<const char*> list) {
  std::string out;
  for (const char* s : list) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

bool in(std::initializer_list<const char*> list, const std::string& s) {
  for (const char* x : list)
    if (s == x) return true;
  return false;
}

// A name as both wire form (lowercase) and presentation form (lowercase, trailing dot).
struct Name {
  std::string wire;
  std::string text;
};

// `given` is relative to `origin` (wire) unless it ends in an unescaped dot; with no origin it
// is taken as absolute ("example.test" means "example.test.").
Result<Name> parse_name(std::string_view given, std::string_view origin = {}) {
  std::string text(given);
  if (origin.empty() && !text.empty() && text != "@") {
    size_t backslashes = 0;
    for (size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) ++backslashes;
    if (text.back() != '.' || backslashes % 2 == 1) text += '.';
  }
  auto wire = name_from_text(text, origin);
  if (!wire) return wire.failure();
  Name n;
  n.wire = lowercase_name(*wire);
  n.text = name_to_text(n.wire);
  return n;
}

// Canonical text of an IPv4 or IPv6 address (inet_ntop form), or nothing.
std::optional<std::string> canonical_address(const std::string& s) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1)
    return std::string(inet_ntop(AF_INET, buf, out, sizeof out));
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1)
    return std::string(inet_ntop(AF_INET6, buf, out, sizeof out));
  return std::nullopt;
}

// Why a member address (canonical form) cannot be a site clients are sent to, or null: DNS
// would hand clients an address that reaches no server, or every host on a link.
const char* not_a_site(const std::string& address) {
  unsigned char b[16];
  if (inet_pton(AF_INET6, address.c_str(), b) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, kMapped, sizeof kMapped) == 0) {
      memmove(b, b + 12, 4);  // ::ffff:a.b.c.d is the IPv4 address for these purposes
    } else {
      static const unsigned char kZero[16] = {};
      if (memcmp(b, kZero, 16) == 0) return "is the unspecified address, not a site";
      if (b[0] == 0xff) return "is a multicast address (ff00::/8), not a site";
      return nullptr;
    }
  } else if (inet_pton(AF_INET, address.c_str(), b) != 1) {
    return nullptr;
  }
  if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0)
    return "is the unspecified address, not a site";
  if ((b[0] & 0xf0) == 0xe0) return "is a multicast address (224.0.0.0/4), not a site";
  if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
    return "is the broadcast address, not a site";
  return nullptr;
}

struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct RrFree {
  void operator()(ldns_rr* r) const { ldns_rr_free(r); }
};

// Every problem of a rejected document or object, as one error: each problem keeps its field
// for the API, the message lists them for those who print it.
Error rejected(std::vector<Error> problems) {
  std::string msg;
  for (const Error& e : problems) msg += (msg.empty() ? "" : "\n") + e.field + ": " + e.message;
  Error all = make_error(ErrorKind::invalid, std::move(msg), "document");
  all.problems = std::move(problems);
  return all;
}

// Collects errors; the typed readers report a wrong type or range and return nothing.
class Checker {
 public:
  std::vector<Error> errors;

  void fail(const std::string& path, const std::string& message) {
    errors.push_back(Error{ErrorKind::invalid, "document", path, message});
  }

  bool object(const json& j, const std::string& path) {
    if (j.is_object()) return true;
    fail(path, "expected an object");
    return false;
  }
  bool array(const json& j, const std::string& path) {
    if (j.is_array()) return true;
    fail(path, "expected an array");
    return false;
  }

  void known_keys(const json& obj, const std::string& path,
                  std::initializer_list<const char*> keys) {
    for (const auto& item : obj.items())
      if (!in(keys, item.key())) fail(at(path, item.key()), "unknown key");
  }

  // The member `key` of `obj`, or null when absent.
  static const json* get(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  std::optional<int64_t> integer(const json& j, const std::string& path, int64_t lo, int64_t hi) {
    if (!j.is_number_integer()) {
      fail(path, "expected an integer");
      return std::nullopt;
    }
    if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(hi)) {
      fail(path, "must be " + std::to_string(lo) + " to " + std::to_string(hi) + " (got " +
                     j.dump() + ")");
      return std::nullopt;
    }
    int64_t v = j.get<int64_t>();
    if (v < lo || v > hi) {
      fail(path, "must be " + std::to_string(lo) + " to " + std::to_string(hi) + " (got " +
                     std::to_string(v) + ")");
      return std::nullopt;
    }
    return v;
  }

  // An optional integer member: sets `out` when present and valid.
  template <typename T>
  void integer_field(const json& obj, const std::string& path, const char* key, int64_t lo,
                     int64_t hi, T& out) {
    if (const json* j = get(obj, key)) {
      if (auto v = integer(*j, at(path, key), lo, hi)) out = static_cast<T>(*v);
    }
  }
  // The same for a nullable one (null: unset).
  template <typename T>
  void nullable_integer_field(const json& obj, const std::string& path, const char* key, int64_t lo,
                              int64_t hi, std::optional<T>& out) {
    if (const json* j = get(obj, key)) {
      if (j->is_null()) {
        out.reset();
      } else if (auto v = integer(*j, at(path, key), lo, hi)) {
        out = static_cast<T>(*v);
      }
    }
  }

  std::optional<std::string> string(const json& j, const std::string& path) {
    if (!j.is_string()) {
      fail(path, "expected a string");
      return std::nullopt;
    }
    return j.get<std::string>();
  }
  void string_field(const json& obj, const std::string& path, const char* key, std::string& out,
                    size_t max_length = 4096) {
    if (const json* j = get(obj, key)) {
      if (auto s = string(*j, at(path, key))) {
        if (s->size() > max_length)
          fail(at(path, key), "longer than " + std::to_string(max_length) + " characters");
        else
          out = *s;
      }
    }
  }
  // A required string member.
  std::optional<std::string> required_string(const json& obj, const std::string& path,
                                             const char* key) {
    const json* j = get(obj, key);
    if (!j) {
      fail(at(path, key), "required");
      return std::nullopt;
    }
    return string(*j, at(path, key));
  }

  void bool_field(const json& obj, const std::string& path, const char* key, bool& out) {
    if (const json* j = get(obj, key)) {
      if (j->is_boolean())
        out = j->get<bool>();
      else
        fail(at(path, key), "expected true or false");
    }
  }

  // An optional array member, as a pointer to it (null when absent or not an array).
  const json* array_field(const json& obj, const std::string& path, const char* key) {
    const json* j = get(obj, key);
    if (j && !array(*j, at(path, key))) return nullptr;
    return j;
  }

  // A check/member name: short and plain, since it appears in URLs and change lines.
  std::optional<std::string> label_name(const json& obj, const std::string& path) {
    auto s = required_string(obj, path, "name");
    if (!s) return std::nullopt;
    if (!is_plain_name(*s)) {
      fail(at(path, "name"), json_quote(*s) + " is not " + kPlainNameRule);
      return std::nullopt;
    }
    return s;
  }
};

// Everything the validator knows about a zone once its own fields are read.
struct ZoneInfo {
  Name name;
  bool name_ok = false;
  std::optional<ZoneData> data;  // for the final whole-zone check; unset when not checkable
};

Result<json> parse_json(std::string_view text);

class Parser {
 public:
  explicit Parser(std::string base_dir, ZoneFileRoot* zone_files = nullptr)
      : base_dir_(zone_files ? zone_files->dir : std::move(base_dir)), zone_files_(zone_files) {}

  Result<Desired> run(const json& doc) {
    if (!doc.is_object())
      return make_error(ErrorKind::invalid, "document: expected a JSON object", "document");
    c_.known_keys(doc, "", {"zones", "checks", "services", "regions", "geoip"});
    if (const json* g = Checker::get(doc, "geoip")) geoip(*g);
    if (const json* zones = c_.array_field(doc, "", "zones"))
      for (size_t i = 0; i < zones->size(); ++i) zone((*zones)[i], at("zones", i));
    if (const json* checks = c_.array_field(doc, "", "checks"))
      for (size_t i = 0; i < checks->size(); ++i) check((*checks)[i], at("checks", i));
    if (const json* services = c_.array_field(doc, "", "services"))
      for (size_t i = 0; i < services->size(); ++i) service((*services)[i], at("services", i));
    if (const json* r = Checker::get(doc, "regions")) regions(*r);
    topology_references(doc);
    if (c_.errors.empty()) whole_zones();
    if (!c_.errors.empty()) return rejected(std::move(c_.errors));
    return std::move(out_);
  }

  // Single objects (the REST API): the context's names stand in for the rest of a document.
  void seed(const ObjectContext& context) {
    single_ = true;
    for (const std::string& z : context.zones) {
      auto n = parse_name(z);
      if (!n) continue;
      ZoneInfo info;
      info.name = *n;
      info.name_ok = true;
      zones_.push_back(std::move(info));
    }
    for (const std::string& c : context.checks) check_paths_.emplace(c, "check " + json_quote(c));
  }
  template <typename T, typename F>
  Result<T> one(std::string_view json_text, F&& parse) {
    auto doc = parse_json(json_text);
    if (!doc) return doc.failure();
    T out = parse(*doc);
    if (!c_.errors.empty()) return rejected(std::move(c_.errors));
    return out;
  }
  Result<CheckRow> one_check(std::string_view text) {
    return one<CheckRow>(text, [&](const json& j) {
      check(j, "");
      return out_.checks.empty() ? CheckRow{} : out_.checks.back();
    });
  }
  Result<DesiredService> one_service(std::string_view text, const ObjectContext& context) {
    return one<DesiredService>(text, [&](const json& j) {
      service(j, "");
      // What the rules name must exist already: the regions and geoip files of the database.
      for (const std::string& kind : context.geoip_kinds) {
        GeoipFileRow row;
        row.kind = kind;
        out_.geoip_files.push_back(std::move(row));
      }
      for (const std::string& r : context.regions) {
        ClientSubnetRow row;
        row.region = r;
        out_.client_subnets.push_back(std::move(row));
      }
      topology_references(json::object({{"regions", json::object()}}));
      return out_.services.empty() ? DesiredService{} : out_.services.back();
    });
  }
  Result<DesiredMember> one_member(std::string_view text, const ObjectContext& context) {
    return one<DesiredMember>(text, [&](const json& j) {
      DesiredService s;
      std::map<std::string, std::string> names, addresses;
      for (const auto& [name, address] : context.members) {
        names.emplace(name, "member " + json_quote(name));
        addresses.emplace(address, "member " + json_quote(name));
      }
      // A member of a service with pools names its pool; "pool" is not a key otherwise.
      std::string pool;
      json rest = j;
      if (j.is_object() && !context.pools.empty()) {
        if (auto p = c_.required_string(j, "", "pool")) {
          if (std::find(context.pools.begin(), context.pools.end(), *p) == context.pools.end())
            c_.fail("pool", "unknown pool " + json_quote(*p) +
                                " (the service's pools: " + join(context.pools) + ")");
          pool = *p;
        }
        rest.erase("pool");
      }
      member(rest, "", s, pool, names, addresses);
      return s.members.empty() ? DesiredMember{} : s.members.back();
    });
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  }

 private:
  void zone(const json& j, const std::string& path) {
    if (!c_.object(j, path)) return;
    c_.known_keys(j, path, {"name", "file", "ttl", "soa", "ns", "records"});
    DesiredZone z;
    ZoneInfo info;
    if (auto s = c_.required_string(j, path, "name")) {
      auto n = parse_name(*s);
      if (!n) {
        c_.fail(at(path, "name"), n.error());
      } else if (auto [it, fresh] = zone_paths_.emplace(n->text, path); !fresh) {
        c_.fail(at(path, "name"),
                "duplicate zone " + display_name(n->text) + " (also " + it->second + ")");
      } else {
        info.name = *n;
        info.name_ok = true;
        z.row.name = n->text;
      }
    }
    const bool has_file = j.contains("file"), has_soa = j.contains("soa");
    if (has_file && has_soa) {
      c_.fail(path, "has both \"file\" and \"soa\"; a zone's records come from one of them");
    } else if (!has_file && !has_soa) {
      c_.fail(path, "needs \"file\", or \"soa\" and \"ns\"");
    } else if (has_file) {
      for (const char* key : {"ttl", "ns", "records"})
        if (j.contains(key)) c_.fail(at(path, key), "only for an inline zone (with \"soa\")");
      file_zone(j, path, z, info);
    } else {
      inline_zone(j, path, z, info);
    }
    zones_.push_back(std::move(info));
    out_.zones.push_back(std::move(z));
  }

  void file_zone(const json& j, const std::string& path, DesiredZone& z, ZoneInfo& info) {
    auto file = c_.string(j["file"], at(path, "file"));
    if (!file) return;
    if (file->empty()) return c_.fail(at(path, "file"), "empty path");
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path p(*file);
    if (p.is_relative()) p = (base_dir_.empty() ? fs::current_path(ec) : fs::path(base_dir_)) / p;
    z.row.file = p.lexically_normal().string();
    if (zone_files_ && !confined(z, at(path, "file"))) return;
    // The file is read relative to the zone's name; without a valid one (already reported) there
    // is nothing to read it as.
    if (!info.name_ok) return;
    auto data = load_zone_file(z.row.file, info.name.text);
    if (!data) return c_.fail(at(path, "file"), data.error());
    info.data = std::move(*data);
  }

  // Refused before the file is opened, so that neither its content nor whether it exists
  // reaches the writer. The canonical path is stored: a symlink inside the directory is
  // followed once, here, not re-resolved later.
  bool confined(DesiredZone& z, const std::string& field) {
    namespace fs = std::filesystem;
    auto stored = zone_files_->stored.find(z.row.name);
    if (stored != zone_files_->stored.end() && stored->second == z.row.file) return true;
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(zone_files_->dir, ec);
    fs::path real;
    if (!ec) real = fs::weakly_canonical(z.row.file, ec);
    const fs::path rel = ec ? fs::path() : real.lexically_relative(root);
    if (!rel.empty() && *rel.begin() != ".." && rel != ".") {
      z.row.file = real.string();
      return true;
    }
    std::string msg = "outside the zone directory " + zone_files_->dir +
                      " (zone files named through the API must lie there; give a path relative "
                      "to it, or start gslbd with another --zone-dir)";
    zone_files_->refused.emplace_back(field, msg);
    c_.fail(field, msg);
    return false;
  }

  void inline_zone(const json& j, const std::string& path, DesiredZone& z, ZoneInfo& info) {
    ZoneRow& row = z.row;
    c_.integer_field(j, path, "ttl", 0, kMaxTtl, row.ttl);
    bool ok = info.name_ok;
    const json& soa = j["soa"];
    const std::string soa_path = at(path, "soa");
    if (c_.object(soa, soa_path)) {
      c_.known_keys(soa, soa_path,
                    {"mname", "rname", "serial", "refresh", "retry", "expire", "minimum"});
      for (auto [key, out] : {std::pair{"mname", &row.soa_mname}, {"rname", &row.soa_rname}}) {
        auto s = c_.required_string(soa, soa_path, key);
        if (!s) {
          ok = false;
        } else if (info.name_ok) {
          auto n = parse_name(*s, info.name.wire);
          if (n) {
            *out = n->text;
          } else {
            c_.fail(at(soa_path, key), n.error());
            ok = false;
          }
        }
      }
      c_.integer_field(soa, soa_path, "serial", 0, kMaxU32, row.soa_serial);
      c_.integer_field(soa, soa_path, "refresh", 0, kMaxTtl, row.soa_refresh);
      c_.integer_field(soa, soa_path, "retry", 0, kMaxTtl, row.soa_retry);
      c_.integer_field(soa, soa_path, "expire", 0, kMaxTtl, row.soa_expire);
      c_.integer_field(soa, soa_path, "minimum", 0, kMaxTtl, row.soa_minimum);
    } else {
      ok = false;
    }

    ZoneData data;
    data.origin = info.name.wire;
    data.source = path;
    if (ok) {
      // The names were checked above; a failure here is a bug, reported rather than asserted.
      auto soa = soa_record(row, soa_path);
      if (soa) {
        data.records.push_back(std::move(*soa));
      } else {
        c_.errors.push_back(soa.failure());
        ok = false;
      }
    }
    std::map<std::string, std::string> seen;  // owner+type+rdata wire -> path, for duplicates

    const json* ns = Checker::get(j, "ns");
    if (!ns) {
      c_.fail(at(path, "ns"), "required (the zone's name servers)");
      ok = false;
    } else if (!c_.array(*ns, at(path, "ns"))) {
      ok = false;
    } else if (ns->empty()) {
      c_.fail(at(path, "ns"), "must name at least one name server");
      ok = false;
    } else {
      for (size_t k = 0; k < ns->size(); ++k) {
        const std::string p = at(at(path, "ns"), k);
        auto s = c_.string((*ns)[k], p);
        if (!s || !info.name_ok) {
          ok = false;
          continue;
        }
        auto n = parse_name(*s, info.name.wire);
        if (!n) {
          c_.fail(p, n.error());
          ok = false;
          continue;
        }
        RecordRow r;
        r.name = info.name.text;
        r.type = "NS";
        r.ttl = row.ttl;
        r.rdata = n->text;
        ok = record(r, p, p, data, seen) && ok;
        z.records.push_back(std::move(r));
      }
    }

    if (const json* records = c_.array_field(j, path, "records")) {
      for (size_t k = 0; k < records->size(); ++k) {
        auto r = static_record((*records)[k], at(at(path, "records"), k), info, row.ttl);
        if (!r) {
          ok = false;
          continue;
        }
        ok = record(*r, at(at(path, "records"), k), at(at(at(path, "records"), k), "data"), data,
                    seen) &&
             ok;
        z.records.push_back(std::move(*r));
      }
    }
    if (ok) info.data = std::move(data);
  }

  // A "records" entry as a row (name absolute, type canonical, data as given), or nothing.
  std::optional<RecordRow> static_record(const json& j, const std::string& path,
                                         const ZoneInfo& zone, uint32_t zone_ttl) {
    if (!c_.object(j, path)) return std::nullopt;
    c_.known_keys(j, path, {"name", "type", "ttl", "data"});
    RecordRow r;
    r.ttl = zone_ttl;
    bool ok = zone.name_ok;
    if (auto s = c_.required_string(j, path, "name"); s && zone.name_ok) {
      auto n = parse_name(*s, zone.name.wire);
      if (!n) {
        c_.fail(at(path, "name"), n.error());
        ok = false;
      } else if (!name_is_at_or_below(n->wire, zone.name.wire)) {
        c_.fail(at(path, "name"),
                display_name(n->text) + " is not inside zone " + display_name(zone.name.text));
        ok = false;
      } else {
        r.name = n->text;
      }
    } else {
      ok = false;
    }
    if (auto s = c_.required_string(j, path, "type")) {
      std::string upper = *s;
      for (char& ch : upper) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
      ldns_rr_type t = ldns_get_rr_type_by_name(upper.c_str());
      if (t == 0) {
        c_.fail(at(path, "type"), "unknown type " + json_quote(*s));
        ok = false;
      } else if (t == LDNS_RR_TYPE_SOA) {
        c_.fail(at(path, "type"), "the SOA comes from the zone's \"soa\"");
        ok = false;
      } else if (t == LDNS_RR_TYPE_OPT || (t >= 128 && t <= 255)) {
        // RFC 6895 s3.1: OPT and the meta/query types (TSIG, AXFR, ANY...) are not data.
        c_.fail(at(path, "type"), json_quote(*s) + " is not a type of stored data");
        ok = false;
      } else {
        char* name = ldns_rr_type2str(t);
        r.type = name ? name : upper;
        free(name);
      }
    } else {
      ok = false;
    }
    c_.integer_field(j, path, "ttl", 0, kMaxTtl, r.ttl);
    if (auto s = c_.required_string(j, path, "data")) {
      if (s->empty()) {
        c_.fail(at(path, "data"), "empty");
        ok = false;
      } else if (s->find_first_of("\n\r") != std::string::npos) {
        c_.fail(at(path, "data"), "must be one line");
        ok = false;
      } else {
        r.rdata = *s;
      }
    } else {
      ok = false;
    }
    if (!ok) return std::nullopt;
    return r;
  }

  // Parses a record row with ldns as the zone's builder will, adds it to `data`, and reports
  // duplicates. False when it does not parse.
  bool record(const RecordRow& r, const std::string& path, const std::string& data_path,
              ZoneData& data, std::map<std::string, std::string>& seen) {
    const std::string text = r.name + " " + std::to_string(r.ttl) + " IN " + r.type + " " + r.rdata;
    ldns_rdf* origin_raw =
        ldns_dname_new_frm_data(static_cast<uint16_t>(data.origin.size()), data.origin.data());
    std::unique_ptr<ldns_rdf, RdfFree> origin(origin_raw);
    ldns_rr* rr_raw = nullptr;
    ldns_status s = ldns_rr_new_frm_str(&rr_raw, text.c_str(), r.ttl, origin.get(), nullptr);
    std::unique_ptr<ldns_rr, RrFree> rr(rr_raw);
    if (s != LDNS_STATUS_OK || !rr) {
      c_.fail(data_path, std::string(ldns_get_errorstr_by_id(s)) + " in " + json_quote(r.rdata));
      return false;
    }
    if (ldns_rr_get_type(rr.get()) != ldns_get_rr_type_by_name(r.type.c_str())) {
      c_.fail(data_path, "does not parse as " + r.type + ": " + json_quote(r.rdata));
      return false;
    }
    Record rec = record_from_ldns(rr.get(), path);
    std::string key = lowercase_name(rec.owner) + std::to_string(rec.type) + "/" + rec.rdata;
    if (auto [it, fresh] = seen.emplace(key, path); !fresh) {
      c_.fail(path, "the same record as " + it->second);
      return false;
    }
    data.records.push_back(std::move(rec));
    return true;
  }

  // Once every field is valid: the zones as the DNS role will build them (SOA and NS at the
  // apex, CNAME exclusivity, ...), so a document the server cannot serve is refused here.
  void whole_zones() {
    std::vector<ZoneData> all;
    for (ZoneInfo& z : zones_)
      if (z.data) all.push_back(std::move(*z.data));
    if (all.empty()) return;
    auto built = build_snapshot(all);
    // The builder's errors come from the record ("zones[1].records[0]", the path it was given
    // here) or from a zone file.
    if (!built) {
      const Error& e = built.failure();
      const std::string located = e.origin + ": ";
      if (e.origin.rfind("zones[", 0) == 0 && e.message.rfind(located, 0) == 0)
        c_.fail(e.origin, e.message.substr(located.size()));
      else
        c_.fail("zones", e.message);
    }
  }

  void check(const json& j, const std::string& path) {
    if (!c_.object(j, path)) return;
    c_.known_keys(j, path,
                  {"name", "type", "port", "path", "host", "expect_status", "expect_body",
                   "interval_ms", "timeout_ms", "rise", "fall", "options"});
    CheckRow row;
    if (auto name = c_.label_name(j, path)) {
      if (auto [it, fresh] = check_paths_.emplace(*name, path); !fresh)
        c_.fail(at(path, "name"),
                "duplicate check " + json_quote(*name) + " (also " + it->second + ")");
      row.name = *name;
    }
    const ProbeType* probe = nullptr;
    if (auto type = c_.required_string(j, path, "type")) {
      probe = find_probe_type(*type);
      if (probe != nullptr)
        row.type = *type;
      else
        c_.fail(at(path, "type"),
                "unknown check type " + json_quote(*type) + " (" +
                    names_of(probe_types(), [](const ProbeType& t) { return t.type; }) + ")");
    }
    const size_t errors_before = c_.errors.size();
    c_.integer_field(j, path, "port", 0, 65535, row.port);
    if (probe != nullptr && probe->port == PortUse::kRequired && row.port == 0 &&
        c_.errors.size() == errors_before)
      c_.fail(at(path, "port"), "a " + row.type + " check needs a port (1 to 65535)");
    c_.string_field(j, path, "path", row.path);
    c_.string_field(j, path, "host", row.host, 255);
    c_.string_field(j, path, "expect_body", row.expect_body);
    if (const json* st = Checker::get(j, "expect_status")) {
      const std::string p = at(path, "expect_status");
      std::vector<const json*> codes;
      if (st->is_array()) {
        for (const json& code : *st) codes.push_back(&code);
      } else {
        codes.push_back(st);
      }
      for (size_t k = 0; k < codes.size(); ++k) {
        auto v = c_.integer(*codes[k], st->is_array() ? at(p, k) : p, 100, 599);
        if (v) row.expect_status += (row.expect_status.empty() ? "" : ",") + std::to_string(*v);
      }
    }
    c_.integer_field(j, path, "interval_ms", 100, 3600000, row.interval_ms);
    if (const json* t = Checker::get(j, "timeout_ms")) {
      if (auto v = c_.integer(*t, at(path, "timeout_ms"), 1, 3600000)) {
        row.timeout_ms = static_cast<uint32_t>(*v);
        if (row.timeout_ms >= row.interval_ms)
          c_.fail(at(path, "timeout_ms"),
                  "must be less than interval_ms (" + std::to_string(row.interval_ms) + ")");
      }
    } else {
      // Unset: the default 500 ms, but always inside the interval.
      row.timeout_ms = std::min<uint32_t>(500, row.interval_ms / 2);
    }
    c_.integer_field(j, path, "rise", 1, 1000, row.rise);
    c_.integer_field(j, path, "fall", 1, 1000, row.fall);
    row.options_json = "{}";
    KeyValues options;
    if (const json* o = Checker::get(j, "options")) {
      if (c_.object(*o, at(path, "options"))) {
        row.options_json = o->dump();
        options = key_values_of(*o, at(path, "options"), c_);
      }
    }
    if (probe != nullptr) check_options(*probe, options, at(path, "options"));
    out_.checks.push_back(std::move(row));
  }

  // A check's options against its probe type's keys, each problem at its own path.
  void check_options(const ProbeType& probe, const KeyValues& given, const std::string& path) {
    ResolvedKeys r = resolve_keys(given, probe.options);
    for (const KeyProblem& p : r.problems) {
      if (p.kind != KeyProblem::kUnknown) {
        c_.fail(at(path, p.key), p.message);
        continue;
      }
      std::string elsewhere;
      for (const ProbeType* t : probe_types())
        for (const KeySpec& k : t->options)
          if (k.name == p.key && t != &probe)
            elsewhere += (elsewhere.empty() ? "" : ", ") + std::string(t->type);
      const std::string allowed =
          probe.options.empty()
              ? std::string(probe.type) + " checks take no options"
              : std::string(probe.type) + " checks take " + key_names(probe.options);
      c_.fail(at(path, p.key), elsewhere.empty()
                                   ? "unknown option (" + allowed + ")"
                                   : "an option of " + elsewhere + " checks, not " +
                                         std::string(probe.type) + " (" + allowed + ")");
    }
  }

  // The check a service or member names (key "check"); null means none.
  void check_ref(const json& j, const std::string& path, std::string& out) {
    const json* ref = Checker::get(j, "check");
    if (!ref || ref->is_null()) return;
    auto s = c_.string(*ref, at(path, "check"));
    if (!s) return;
    if (!check_paths_.count(*s)) {
      c_.fail(at(path, "check"), "unknown check " + json_quote(*s));
      return;
    }
    out = *s;  // the sync resolves it to the check's id
  }

  // The policy a service or pool names ("weighted" when none) and its own keys among the
  // object's; `skip` are the object's other keys. With `keys_allowed` false (a service with
  // pools) the policy and its keys belong to each pool instead.
  const PolicyType* policy_and_keys(const json& j, const std::string& path,
                                    std::initializer_list<const char*> skip, bool keys_allowed,
                                    std::string& policy_name, KeyValues& options) {
    policy_name = "weighted";
    const PolicyType* policy = find_policy(policy_name);
    if (const json* p = Checker::get(j, "policy")) {
      if (!keys_allowed) {
        c_.fail(at(path, "policy"), "a service with pools sets the policy of each pool");
      } else if (auto v = c_.string(*p, at(path, "policy"))) {
        policy = find_policy(*v);
        if (policy != nullptr)
          policy_name = *v;
        else
          c_.fail(at(path, "policy"),
                  "unknown policy " + json_quote(*v) + " (" +
                      names_of(policy_types(), [](const PolicyType& t) { return t.name; }) + ")");
      }
    }
    // The object's keys, and those of its policy; another policy's key is named as such.
    KeyValues given;
    for (const auto& item : j.items()) {
      if (in(skip, item.key())) continue;
      const auto& own = policy != nullptr ? policy->keys : std::span<const KeySpec>();
      const bool is_own = std::any_of(own.begin(), own.end(),
                                      [&](const KeySpec& k) { return k.name == item.key(); });
      if (is_own && keys_allowed) {
        json one = json::object();
        one[item.key()] = item.value();
        for (auto& kv : key_values_of(one, path, c_)) given.push_back(std::move(kv));
        continue;
      }
      const std::string others = policies_with_key(item.key(), keys_allowed ? policy_name : "");
      if (!keys_allowed && (is_own || !others.empty()))
        c_.fail(at(path, item.key()), "a policy key: a service with pools sets it in its pools");
      else if (policy != nullptr && !others.empty())
        c_.fail(at(path, item.key()), "a key of policy " + others + ", not " + policy_name);
      else
        c_.fail(at(path, item.key()), "unknown key");
    }
    if (policy != nullptr && keys_allowed) {
      // Stored with every key of the policy, defaults included: the row says what is served.
      ResolvedKeys r = resolve_keys(given, policy->keys);
      for (const KeyProblem& p : r.problems) c_.fail(at(path, p.key), p.message);
      for (size_t k = 0; k < policy->keys.size(); ++k)
        if (r.is_set[k]) options.emplace_back(policy->keys[k].name, r.values[k]);
    }
    return policy;
  }

  void service(const json& j, const std::string& path) {
    if (!c_.object(j, path)) return;
    DesiredService s;
    ServiceRow& row = s.row;
    const json* pools = Checker::get(j, "pools");
    policy_and_keys(j, path, kServiceKeys, pools == nullptr, row.policy, row.policy_options);
    if (pools == nullptr && needs_location(row.policy))
      geo_refs_.emplace_back("location", at(path, "policy"));
    if (auto name = c_.required_string(j, path, "name")) {
      auto n = parse_name(*name);
      if (!n) {
        c_.fail(at(path, "name"), n.error());
      } else if (auto [it, fresh] = service_paths_.emplace(n->text, path); !fresh) {
        c_.fail(at(path, "name"),
                "duplicate service " + display_name(n->text) + " (also " + it->second + ")");
      } else {
        row.name = n->text;
        // The closest enclosing zone: the longest one the name is at or below.
        const ZoneInfo* best = nullptr;
        for (const ZoneInfo& z : zones_)
          if (z.name_ok && name_is_at_or_below(n->wire, z.name.wire) &&
              (!best || z.name.wire.size() > best->name.wire.size()))
            best = &z;
        if (best)
          s.zone = best->name.text;
        else
          c_.fail(at(path, "name"), display_name(n->text) + " is not inside any zone" +
                                        (single_ ? std::string() : " of this document"));
      }
    }
    c_.integer_field(j, path, "ttl", 0, 86400, row.ttl);
    c_.nullable_integer_field(j, path, "ttl_degraded", 0, 86400, row.ttl_degraded);
    c_.integer_field(j, path, "answers", 1, 16, row.answers);
    if (const json* f = Checker::get(j, "fallback")) {
      if (auto v = c_.string(*f, at(path, "fallback"))) {
        if (in(kFallbacks, *v))
          row.fallback = *v;
        else
          c_.fail(at(path, "fallback"),
                  "unknown fallback " + json_quote(*v) + " (" + one_of(kFallbacks) + ")");
      }
    }
    if (const json* p = Checker::get(j, "persistence")) {
      const std::string pp = at(path, "persistence");
      if (p->is_boolean()) {
        row.persistence = p->get<bool>();
      } else if (p->is_object()) {
        row.persistence = true;
        c_.known_keys(*p, pp, {"v4", "v6"});
        c_.integer_field(*p, pp, "v4", 0, 32, row.persist_v4);
        c_.integer_field(*p, pp, "v6", 0, 128, row.persist_v6);
      } else {
        c_.fail(pp, "expected true, false or {\"v4\": 24, \"v6\": 56}");
      }
    }
    c_.nullable_integer_field(j, path, "quorum", 1, 1000, row.quorum);
    c_.integer_field(j, path, "min_healthy", 1, 65535, row.min_healthy);
    c_.integer_field(j, path, "slow_start_s", 0, 3600, row.slow_start_s);
    check_ref(j, path, s.check);

    std::map<std::string, std::string> names, addresses;  // -> path, for duplicates
    if (pools != nullptr) {
      if (Checker::get(j, "members"))
        c_.fail(at(path, "members"), "a service with pools lists its members in its pools");
      topology(j, path, *pools, s, names, addresses);
    } else {
      if (Checker::get(j, "rules")) c_.fail(at(path, "rules"), "rules choose among \"pools\"");
      if (const json* members = c_.array_field(j, path, "members"))
        for (size_t k = 0; k < members->size(); ++k)
          member((*members)[k], at(at(path, "members"), k), s, "", names, addresses);
    }
    if (row.fallback == "sorry") {
      bool any_sorry = false;
      for (const DesiredMember& m : s.members) any_sorry = any_sorry || m.row.sorry;
      if (!any_sorry)
        c_.fail(at(path, "fallback"), "\"sorry\" needs a member with \"sorry\": true");
    }
    out_.services.push_back(std::move(s));
  }

  // "pools" and "rules" of a service (DESIGN "Topology").
  void topology(const json& j, const std::string& path, const json& pools, DesiredService& s,
                std::map<std::string, std::string>& names,
                std::map<std::string, std::string>& addresses) {
    const std::string pools_path = at(path, "pools");
    if (!c_.array(pools, pools_path)) return;
    if (pools.empty()) {
      c_.fail(pools_path, "must list at least one pool");
      return;
    }
    // The query path's fallback walk keeps one bit per pool (server/query_engine.cc).
    constexpr size_t kMaxPools = 64;
    if (pools.size() > kMaxPools) {
      c_.fail(pools_path, "at most " + std::to_string(kMaxPools) + " pools (got " +
                              std::to_string(pools.size()) + ")");
      return;
    }
    TopologyRows& t = s.row.topology;
    std::map<std::string, std::string> pool_paths;  // name -> path
    std::vector<std::string> fallback_paths;        // per pool, for errors
    for (size_t i = 0; i < pools.size(); ++i) {
      const json& p = pools[i];
      const std::string pp = at(pools_path, i);
      if (!c_.object(p, pp)) continue;
      PoolRow row;
      policy_and_keys(p, pp, {"name", "policy", "fallback", "members"}, true, row.policy,
                      row.policy_options);
      if (needs_location(row.policy)) geo_refs_.emplace_back("location", at(pp, "policy"));
      if (auto name = c_.required_string(p, pp, "name")) {
        if (!is_plain_name(*name))
          c_.fail(at(pp, "name"), "pool name " + json_quote(*name) + " is not " + kPlainNameRule);
        else if (auto [it, fresh] = pool_paths.emplace(*name, pp); !fresh)
          c_.fail(at(pp, "name"),
                  "duplicate pool " + json_quote(*name) + " (also " + it->second + ")");
        row.name = *name;
      }
      if (const json* f = c_.array_field(p, pp, "fallback")) {
        for (size_t k = 0; k < f->size(); ++k)
          if (auto v = c_.string((*f)[k], at(at(pp, "fallback"), k))) row.fallback.push_back(*v);
      }
      const json* members = c_.array_field(p, pp, "members");
      if (members == nullptr || members->empty())
        c_.fail(at(pp, "members"), "a pool needs at least one member");
      if (members != nullptr)
        for (size_t k = 0; k < members->size(); ++k)
          member((*members)[k], at(at(pp, "members"), k), s, row.name, names, addresses);
      t.pools.push_back(std::move(row));
      fallback_paths.push_back(at(pp, "fallback"));
    }
    // Fallbacks name other pools, and following them never comes back.
    for (size_t i = 0; i < t.pools.size(); ++i) {
      const PoolRow& p = t.pools[i];
      std::set<std::string> seen;
      for (size_t k = 0; k < p.fallback.size(); ++k) {
        const std::string& f = p.fallback[k];
        const std::string fp = at(fallback_paths[i], k);
        if (!pool_paths.count(f))
          c_.fail(fp, "unknown pool " + json_quote(f));
        else if (f == p.name)
          c_.fail(fp, "a pool cannot fall back to itself");
        else if (!seen.insert(f).second)
          c_.fail(fp, "pool " + json_quote(f) + " is listed twice");
      }
      if (std::string cycle = fallback_cycle(t, i); !cycle.empty())
        c_.fail(fallback_paths[i], "the fallbacks go round in a circle: " + cycle);
    }
    rules(j, path, s, pool_paths);
  }

  // "a -> b -> a" when following pool i's fallbacks comes back to it; "" when it never does.
  static std::string fallback_cycle(const TopologyRows& t, size_t start) {
    std::map<std::string, const PoolRow*> by_name;
    for (const PoolRow& p : t.pools) by_name[p.name] = &p;
    std::vector<std::string> trail{t.pools[start].name};
    std::set<std::string> done;
    std::function<bool(const PoolRow&)> walk = [&](const PoolRow& p) {
      for (const std::string& f : p.fallback) {
        if (f == p.name) continue;  // reported on its own
        if (f == t.pools[start].name) {
          trail.push_back(f);
          return true;
        }
        auto it = by_name.find(f);
        if (it == by_name.end() || !done.insert(f).second) continue;
        trail.push_back(f);
        if (walk(*it->second)) return true;
        trail.pop_back();
      }
      return false;
    };
    if (!walk(t.pools[start])) return {};
    std::string out;
    for (const std::string& n : trail) out += (out.empty() ? "" : " -> ") + n;
    return out;
  }

  // A rule condition's values: one string or an array of them, each normalized by `check`
  // (which returns "" for a bad one, after reporting it).
  std::vector<std::string> rule_values(
      const json& v, const std::string& path,
      const std::function<std::string(const std::string&, const std::string&)>& check) {
    std::vector<std::string> out;
    if (v.is_string()) {
      if (std::string n = check(v.get<std::string>(), path); !n.empty()) out.push_back(n);
    } else if (v.is_array() && !v.empty()) {
      for (size_t k = 0; k < v.size(); ++k)
        if (auto text = c_.string(v[k], at(path, k)))
          if (std::string n = check(*text, at(path, k)); !n.empty()) out.push_back(n);
    } else {
      c_.fail(path, "expected a string or a non-empty array of strings");
    }
    return out;
  }

  void rules(const json& j, const std::string& path, DesiredService& s,
             const std::map<std::string, std::string>& pools) {
    TopologyRows& t = s.row.topology;
    const json* list = c_.array_field(j, path, "rules");
    if (list == nullptr) return;  // no rules: every client gets the first pool
    const std::string rules_path = at(path, "rules");
    auto pool_ref = [&](const json& obj, const std::string& p, std::string& out) {
      if (auto v = c_.required_string(obj, p, "pool")) {
        if (!pools.count(*v))
          c_.fail(at(p, "pool"), "unknown pool " + json_quote(*v));
        else
          out = *v;
      }
    };
    auto upper = [](std::string v) {
      for (char& ch : v) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
      return v;
    };
    auto country = [&](const std::string& v, const std::string& p) -> std::string {
      if (v.size() == 2 && isalpha(static_cast<unsigned char>(v[0])) &&
          isalpha(static_cast<unsigned char>(v[1])))
        return upper(v);
      c_.fail(p, json_quote(v) + " is not an ISO 3166-1 country code (two letters: \"JP\")");
      return {};
    };
    auto continent = [&](const std::string& v, const std::string& p) -> std::string {
      const std::string u = upper(v);
      if (in({"AF", "AN", "AS", "EU", "NA", "OC", "SA"}, u)) return u;
      c_.fail(p, json_quote(v) + " is not a continent code (AF, AN, AS, EU, NA, OC, SA)");
      return {};
    };
    auto subdivision = [&](const std::string& v, const std::string& p) -> std::string {
      const size_t dash = v.find('-');
      bool ok = dash == 2 && v.size() >= 4 && v.size() <= 6 &&
                isalpha(static_cast<unsigned char>(v[0])) &&
                isalpha(static_cast<unsigned char>(v[1]));
      for (size_t k = 3; ok && k < v.size(); ++k) ok = isalnum(static_cast<unsigned char>(v[k]));
      if (ok) return upper(v);
      c_.fail(p, json_quote(v) + " is not an ISO 3166-2 subdivision (\"US-CA\", \"GB-ENG\")");
      return {};
    };
    auto region = [&](const std::string& v, const std::string& p) -> std::string {
      if (!is_plain_name(v)) {
        c_.fail(p, "region name " + json_quote(v) + " is not " + kPlainNameRule);
        return {};
      }
      region_refs_.emplace_back(v, p);
      return v;
    };
    // Rules with a bad condition lost it: they are neither checked for cover nor cover others,
    // or they would read as catch-alls and bury the real error under "can never match" ones.
    std::vector<bool> sound;
    for (size_t i = 0; i < list->size(); ++i) {
      const json& r = (*list)[i];
      const std::string rp = at(rules_path, i);
      if (!c_.object(r, rp)) continue;
      c_.known_keys(r, rp,
                    {"country", "continent", "subdivision", "asn", "region", "pool", "split"});
      RuleRow row;
      pool_ref(r, rp, row.pool);
      const size_t errors_before = c_.errors.size();  // those of the conditions follow
      if (const json* v = Checker::get(r, "country"))
        row.country = rule_values(*v, at(rp, "country"), country);
      if (const json* v = Checker::get(r, "continent"))
        row.continent = rule_values(*v, at(rp, "continent"), continent);
      if (const json* v = Checker::get(r, "subdivision"))
        row.subdivision = rule_values(*v, at(rp, "subdivision"), subdivision);
      if (const json* v = Checker::get(r, "region"))
        row.region = rule_values(*v, at(rp, "region"), region);
      if (const json* v = Checker::get(r, "asn")) {
        const std::string ap = at(rp, "asn");
        if (!v->is_array() || v->empty()) c_.fail(ap, "expected a non-empty array of AS numbers");
        if (v->is_array())
          for (size_t k = 0; k < v->size(); ++k)
            if (auto n = c_.integer((*v)[k], at(ap, k), 1, kMaxU32))
              row.asn.push_back(static_cast<uint32_t>(*n));
      }
      sound.push_back(c_.errors.size() == errors_before);
      const bool geo_place =
          !row.country.empty() || !row.continent.empty() || !row.subdivision.empty();
      if (geo_place)
        geo_refs_.emplace_back(
            "country",
            at(rp, row.country.empty() ? (row.continent.empty() ? "subdivision" : "continent")
                                       : "country"));
      if (!row.asn.empty()) geo_refs_.emplace_back("asn", at(rp, "asn"));
      if (const json* split = Checker::get(r, "split")) {
        const std::string sp = at(rp, "split");
        if (c_.object(*split, sp)) {
          c_.known_keys(*split, sp, {"pool", "percent"});
          pool_ref(*split, sp, row.split_pool);
          const json* pct = Checker::get(*split, "percent");
          if (pct == nullptr)
            c_.fail(at(sp, "percent"), "required: the share of matching clients, 0 to 100");
          else if (!pct->is_number() || pct->get<double>() <= 0 || pct->get<double>() >= 100)
            c_.fail(at(sp, "percent"),
                    "must be a number above 0 and below 100 (got " + pct->dump() + ")");
          else
            row.split_percent = pct->get<double>();
          if (!row.split_pool.empty() && row.split_pool == row.pool)
            c_.fail(at(sp, "pool"), "the split goes to the rule's own pool");
        }
      }
      // A rule that an earlier one covers never matches: it is a mistake, not a no-op.
      for (size_t e = 0; sound.back() && e < t.rules.size(); ++e)
        if (sound[e] && covers(t.rules[e], row)) {
          c_.fail(rp, "can never match: " + at(rules_path, e) + " matches every client it would" +
                          (rule_conditions(t.rules[e]) == 0 ? " (it has no condition)" : ""));
          break;
        }
      t.rules.push_back(std::move(row));
    }
  }

  static size_t rule_conditions(const RuleRow& r) {
    return !r.country.empty() + !r.continent.empty() + !r.subdivision.empty() + !r.asn.empty() +
           !r.region.empty();
  }

  // Every client `later` matches, `earlier` matches too: each condition of `earlier` is also a
  // condition of `later` with no value outside it.
  static bool covers(const RuleRow& earlier, const RuleRow& later) {
    auto within = [](const auto& outer, const auto& inner) {
      if (outer.empty()) return true;  // no condition of that kind: anything passes
      if (inner.empty()) return false;
      for (const auto& v : inner)
        if (std::find(outer.begin(), outer.end(), v) == outer.end()) return false;
      return true;
    };
    return within(earlier.country, later.country) && within(earlier.continent, later.continent) &&
           within(earlier.subdivision, later.subdivision) && within(earlier.asn, later.asn) &&
           within(earlier.region, later.region);
  }

  // "geoip": {"country": PATH, "city": PATH, "asn": PATH}
  void geoip(const json& j) {
    const std::string path = "geoip";
    if (!c_.object(j, path)) return;
    c_.known_keys(j, path, {"country", "city", "asn"});
    for (const char* kind : {"country", "city", "asn"}) {
      std::string file;
      c_.string_field(j, path, kind, file, 4096);
      if (!Checker::get(j, kind)) continue;
      if (file.empty()) {
        c_.fail(at(path, kind), "expected the path of an MMDB file");
        continue;
      }
      GeoipFileRow row;
      row.kind = kind;
      row.path = file.front() == '/' || base_dir_.empty() ? file : base_dir_ + "/" + file;
      out_.geoip_files.push_back(std::move(row));
    }
  }

  // Rules by country, continent or subdivision need a "country" or "city" file; by ASN an "asn"
  // one. Region names must be regions of the document.
  void topology_references(const json& doc) {
    std::set<std::string> kinds;
    for (const GeoipFileRow& g : out_.geoip_files) kinds.insert(g.kind);
    for (const auto& [kind, p] : geo_refs_) {
      const bool have = kind == "asn" ? kinds.count("asn") > 0
                                      : kinds.count("country") > 0 || kinds.count("city") > 0;
      if (!have)
        c_.fail(p, kind == "asn"        ? "rules by ASN need \"geoip\": {\"asn\": FILE}"
                   : kind == "location" ? "policy closest needs the clients' locations: "
                                          "\"geoip\": {\"city\": FILE} (or \"country\")"
                                        : "rules by place need \"geoip\": {\"country\": FILE} "
                                          "(or \"city\")");
    }
    std::set<std::string> regions;
    for (const ClientSubnetRow& r : out_.client_subnets) regions.insert(r.region);
    for (const auto& [name, p] : region_refs_)
      if (!regions.count(name))
        c_.fail(p, "unknown region " + json_quote(name) +
                       (Checker::get(doc, "regions") ? "" : " (the document has no \"regions\")"));
  }

  void member(const json& j, const std::string& path, DesiredService& s, const std::string& pool,
              std::map<std::string, std::string>& names,
              std::map<std::string, std::string>& addresses) {
    if (!c_.object(j, path)) return;
    c_.known_keys(j, path,
                  {"name", "address", "addresses", "target", "weight", "priority", "region",
                   "enabled", "sorry", "check", "location", "capacity"});
    DesiredMember m;
    MemberRow& row = m.row;
    row.pool = pool;
    if (const json* cap = Checker::get(j, "capacity"); cap != nullptr && !cap->is_null()) {
      if (!cap->is_number() || !(cap->get<double>() > 0) || cap->get<double>() > 1e15)
        c_.fail(at(path, "capacity"),
                "must be a number above 0 (the load figure its check reports), got " + cap->dump());
      else
        row.capacity = cap->get<double>();
    }
    if (const json* loc = Checker::get(j, "location")) {
      const std::string lp = at(path, "location");
      if (c_.object(*loc, lp)) {
        c_.known_keys(*loc, lp, {"latitude", "longitude"});
        for (auto [key, lo, hi, out] : {std::tuple{"latitude", -90.0, 90.0, &row.latitude},
                                        std::tuple{"longitude", -180.0, 180.0, &row.longitude}}) {
          const json* v = Checker::get(*loc, key);
          if (v == nullptr)
            c_.fail(at(lp, key), "required (degrees)");
          else if (!v->is_number() || v->get<double>() < lo || v->get<double>() > hi)
            c_.fail(at(lp, key), "must be a number of degrees, " + std::to_string(int(lo)) +
                                     " to " + std::to_string(int(hi)) + " (got " + v->dump() + ")");
          else
            *out = v->get<double>();
        }
      }
    }
    if (auto name = c_.label_name(j, path)) {
      if (auto [it, fresh] = names.emplace(*name, path); !fresh)
        c_.fail(at(path, "name"),
                "duplicate member " + json_quote(*name) + " (also " + it->second + ")");
      row.name = *name;
    }
    // A site: one address, several (v4 and v6 under one verdict), or a CNAME target.
    const json* one = Checker::get(j, "address");
    const json* several = Checker::get(j, "addresses");
    const json* target = Checker::get(j, "target");
    // What the API answers may be sent back: "address" is then the first of "addresses", or
    // null beside a "target".
    if (one != nullptr && several != nullptr && several->is_array() && !several->empty() &&
        *one == (*several)[0])
      one = nullptr;
    if (one != nullptr && target != nullptr && (one->is_null() || *one == "")) one = nullptr;
    if ((one != nullptr) + (several != nullptr) + (target != nullptr) != 1) {
      c_.fail(
          one == nullptr && several == nullptr && target == nullptr ? at(path, "address") : path,
          one == nullptr && several == nullptr && target == nullptr
              ? "required: \"address\", \"addresses\" or \"target\""
              : "give one of \"address\", \"addresses\" and \"target\"");
    }
    auto take_address = [&](const json& a, const std::string& p) {
      auto text = c_.string(a, p);
      if (!text) return;
      auto canon = canonical_address(*text);
      if (!canon) {
        c_.fail(p, "not an IP address");
        return;
      }
      if (const char* why = not_a_site(*canon))
        c_.fail(p, *canon + " " + why);
      else if (auto [it, fresh] = addresses.emplace(*canon, path); !fresh)
        c_.fail(p, "duplicate address " + *canon + " (also " + it->second + ")");
      if (row.address.empty())
        row.address = *canon;
      else
        row.more_addresses.push_back(*canon);
    };
    if (one != nullptr && several == nullptr && target == nullptr)
      take_address(*one, at(path, "address"));
    if (several != nullptr && one == nullptr && target == nullptr) {
      const std::string ap = at(path, "addresses");
      if (!several->is_array() || several->empty() || several->size() > 16)
        c_.fail(ap, "expected an array of 1 to 16 IP addresses");
      else
        for (size_t k = 0; k < several->size(); ++k) take_address((*several)[k], at(ap, k));
    }
    if (target != nullptr && one == nullptr && several == nullptr) {
      const std::string tp = at(path, "target");
      if (auto t = c_.string(*target, tp)) {
        auto n = parse_name(*t);
        if (!n || n->wire.size() <= 1)
          c_.fail(tp, "not a domain name" + (n ? std::string() : ": " + n.error()));
        else if (n->text == s.row.name)
          c_.fail(tp, "the service's own name: a CNAME to itself is a loop");
        else
          row.target = n->text;
      }
    }
    c_.integer_field(j, path, "weight", 0, 65535, row.weight);
    c_.integer_field(j, path, "priority", 0, 255, row.priority);
    c_.string_field(j, path, "region", row.region, 63);
    c_.bool_field(j, path, "enabled", row.enabled);
    c_.bool_field(j, path, "sorry", row.sorry);
    check_ref(j, path, m.check);
    s.members.push_back(std::move(m));
  }

  // "regions": {"NAME": ["SUBNET", ...], ...}; a subnet belongs to one region only.
  void regions(const json& j) {
    const std::string path = "regions";
    if (!c_.object(j, path)) return;
    std::map<std::string, std::pair<std::string, std::string>> seen;  // subnet -> (region, path)
    for (const auto& item : j.items()) {
      const std::string& name = item.key();
      const std::string region_path = at(path, name);
      if (!is_plain_name(name)) {
        c_.fail(region_path, "region name " + json_quote(name) + " is not " + kPlainNameRule);
        continue;
      }
      const json& subnets = item.value();
      if (!c_.array(subnets, region_path)) continue;
      if (subnets.empty()) {
        c_.fail(region_path, "must list at least one subnet");
        continue;
      }
      for (size_t k = 0; k < subnets.size(); ++k) {
        const std::string p = at(region_path, k);
        auto text = c_.string(subnets[k], p);
        if (!text) continue;
        auto parsed = parse_subnet(*text);
        if (!parsed) {
          c_.fail(p, parsed.error());
          continue;
        }
        const std::string subnet = parsed->text();  // canonical: duplicates compare equal
        auto [it, fresh] = seen.emplace(subnet, std::pair(name, p));
        if (!fresh) {
          const auto& [other, other_path] = it->second;
          c_.fail(p, other == name ? "duplicate subnet " + subnet + " (also " + other_path + ")"
                                   : subnet + " is in region " + json_quote(other) + " already (" +
                                         other_path + "); a subnet has one region");
          continue;
        }
        ClientSubnetRow row;
        row.region = name;
        row.subnet = subnet;
        out_.client_subnets.push_back(std::move(row));
      }
    }
  }

  std::string base_dir_;
  ZoneFileRoot* zone_files_ = nullptr;
  bool single_ = false;  // one object (seed), not a whole document
  Checker c_;
  Desired out_;
  std::vector<ZoneInfo> zones_;
  std::map<std::string, std::string> zone_paths_, check_paths_, service_paths_;  // name -> path
  // What the rules refer to, checked once the whole document is read: (kind or region, path).
  std::vector<std::pair<std::string, std::string>> geo_refs_, region_refs_;
};

// Parses JSON, reporting a key repeated inside one object (nlohmann would keep the last one
// silently) with its path.
Result<json> parse_json(std::string_view text) {
  struct Frame {
    bool array = false;
    size_t count = 0;
    std::string label;  // how the parent addresses this value: "services", "[2]"
    std::string key;    // objects: the key being read
    std::set<std::string> keys;
  };
  std::vector<Frame> stack;
  std::vector<Error> duplicates;
  auto path = [&]() {
    std::string p;
    for (size_t i = 1; i < stack.size(); ++i) {
      const std::string& l = stack[i].label;
      if (!l.empty() && l[0] == '[')
        p += l;
      else
        p = at(p, l);
    }
    return p;
  };
  auto open = [&](bool array) {
    Frame f;
    f.array = array;
    if (!stack.empty())
      f.label =
          stack.back().array ? "[" + std::to_string(stack.back().count++) + "]" : stack.back().key;
    stack.push_back(std::move(f));
  };
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start:
        open(false);
        break;
      case json::parse_event_t::array_start:
        open(true);
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        break;
      case json::parse_event_t::key: {
        Frame& f = stack.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          duplicates.push_back(
              Error{ErrorKind::invalid, "document", at(path(), f.key), "duplicate key"});
        break;
      }
      case json::parse_event_t::value:
        if (!stack.empty() && stack.back().array) ++stack.back().count;
        break;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), cb);
  } catch (const json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..."
    std::string what = e.what();
    size_t line = what.find("line ");
    return make_error(ErrorKind::invalid, line == std::string::npos ? what : what.substr(line),
                      "document");
  } catch (const json::exception&) {
    // out_of_range: a number beyond a double (1e400), met at the key being read.
    std::string field = path();
    if (!stack.empty())
      field = stack.back().array ? field + "[" + std::to_string(stack.back().count) + "]"
                                 : at(field, stack.back().key);
    return rejected(
        {Error{ErrorKind::invalid, "document", field.empty() ? std::string("document") : field,
               "the number is out of range"}});
  }
  if (!duplicates.empty()) return rejected(std::move(duplicates));
  return doc;
}
}  // namespace

std::string display_name(const std::string& name) {
  if (name.size() > 1 && name.back() == '.') return name.substr(0, name.size() - 1);
  return name;
}

Result<Desired> parse_document(std::string_view json_text, const std::string& base_dir,
                               const std::string& source, ZoneFileRoot* zone_files) {
  auto doc = parse_json(json_text);
  if (!doc) {
    if (source.empty()) return doc.failure();
    Error e = prefixed(source + ": ", doc.failure());
    e.origin = source;
    return e;
  }
  return Parser(base_dir, zone_files).run(*doc);
}

}  // namespace config
}  // namespace gslb

namespace gslb::config {

Result<CheckRow> parse_check_object(std::string_view json_text, const ObjectContext& context) {
  Parser p("");
  p.seed(context);
  return p.one_check(json_text);
}

Result<DesiredService> parse_service_object(std::string_view json_text,
                                            const ObjectContext& context) {
  Parser p("");
  p.seed(context);
  return p.one_service(json_text, context);
}

Result<DesiredMember> parse_member_object(std::string_view json_text,
                                          const ObjectContext& context) {
  Parser p("");
  p.seed(context);
  return p.one_member(json_text, context);
}

}  // namespace gslb::config
