#include "zones/zonefile/zone_file.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "zones/dns/dname.h"
#include "zones/zonefile/ldns_record.h"

namespace gslb {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct RrDeleter {
  void operator()(ldns_rr* r) const { ldns_rr_free(r); }
};

std::string rdf_wire(const ldns_rdf* r) {
  return std::string(reinterpret_cast<const char*>(ldns_rdf_data(r)), ldns_rdf_size(r));
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// A line without its comment and surrounding blanks.
std::string strip(const std::string& line) {
  std::string l = line;
  bool quoted = false;
  for (size_t i = 0; i < l.size(); ++i) {
    if (l[i] == '"' && (i == 0 || l[i - 1] != '\\')) quoted = !quoted;
    if (l[i] == ';' && !quoted) {
      l.resize(i);
      break;
    }
  }
  auto b = l.find_first_not_of(" \t\r");
  auto e = l.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : l.substr(b, e - b + 1);
}

// ldns reports the line count after a record, blank and comment lines before it included; the
// record starts on the first line in [from, to) that holds something. 1-based.
int record_line(const std::vector<std::string>& lines, int from, int to) {
  for (int n = from; n < to && n <= static_cast<int>(lines.size()); ++n)
    if (!strip(lines[n - 1]).empty()) return n;
  return from;
}

std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string t;
  while (in >> t) out.push_back(t);
  return out;
}

bool is_ttl(const std::string& t) {
  return !t.empty() && isdigit(static_cast<unsigned char>(t[0]));
}
bool is_class(const std::string& t) {
  return t == "IN" || t == "in" || t == "CH" || t == "ch" || t == "HS" || t == "hs" ||
         t.rfind("CLASS", 0) == 0;
}

// ldns says little more than "could not parse the rdata"; find the type and rdata tokens of the
// record's first line and say what is wrong with them.
std::string describe(ldns_status s, const std::string& raw_line) {
  std::string text = strip(raw_line);
  auto tok = tokens(text);
  size_t i = 0;
  if (!raw_line.empty() && raw_line[0] != ' ' && raw_line[0] != '\t') ++i;  // owner
  while (i < tok.size() && (is_ttl(tok[i]) || is_class(tok[i]))) ++i;
  std::string type = i < tok.size() ? tok[i] : "";
  std::string rdata;
  for (size_t k = i + 1; k < tok.size(); ++k) rdata += (rdata.empty() ? "" : " ") + tok[k];
  auto q = [](const std::string& t) { return "\"" + t + "\""; };
  std::string upper = type;
  for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  if (upper == "A" || s == LDNS_STATUS_INVALID_IP4) {
    in_addr a;
    if (inet_pton(AF_INET, rdata.c_str(), &a) != 1) return "invalid IPv4 address " + q(rdata);
  }
  if (upper == "AAAA" || s == LDNS_STATUS_INVALID_IP6) {
    in6_addr a;
    if (inet_pton(AF_INET6, rdata.c_str(), &a) != 1) return "invalid IPv6 address " + q(rdata);
  }
  if (!type.empty() && ldns_get_rr_type_by_name(type.c_str()) == 0)
    return "unknown record type " + q(type) + " (RFC 3597 form: TYPE65280 \\# 4 0a000001)";
  switch (s) {
    case LDNS_STATUS_SYNTAX_TYPE_ERR:
      return "unknown record type in " + q(text);
    case LDNS_STATUS_SYNTAX_CLASS_ERR:
      return "unknown class in " + q(text);
    case LDNS_STATUS_SYNTAX_TTL_ERR:
      return "invalid TTL in " + q(text);
    case LDNS_STATUS_DOMAINNAME_OVERFLOW:
      return "domain name longer than 255 octets in " + q(text);
    case LDNS_STATUS_LABEL_OVERFLOW:
      return "label longer than 63 octets in " + q(text);
    case LDNS_STATUS_SYNTAX_RDATA_ERR:
    case LDNS_STATUS_SYNTAX_MISSING_VALUE_ERR:
    case LDNS_STATUS_INVALID_INT:
      if (!type.empty() && ldns_get_rr_type_by_name(type.c_str()) != 0)
        return "invalid " + upper + " record data " + q(rdata);
      return "cannot parse record " + q(text);
    default:
      return std::string(ldns_get_errorstr_by_id(s)) + " in " + q(text);
  }
}

// The origin a zone file implies when it has no $ORIGIN before its first record and that
// record's owner is relative ("@" or no trailing dot): the file's name, as gdnsd and the bench
// configs do it ("zones/example.test.zone" -> "example.test."). Empty when none is needed.
std::string implied_origin(const std::string& path, const std::vector<std::string>& lines) {
  for (const std::string& raw : lines) {
    std::string l = strip(raw);
    if (l.empty()) continue;
    if (l.rfind("$TTL", 0) == 0) continue;
    if (l.rfind("$ORIGIN", 0) == 0) return "";
    if (raw[0] == ' ' || raw[0] == '\t') break;  // owner omitted: relative to nothing
    // strip() keeps white space the token reader skips (\f, \v): a line of it has no owner.
    const std::vector<std::string> words = tokens(l);
    if (words.empty()) continue;
    const std::string& owner = words[0];
    if (owner.back() == '.' && owner != "@") return "";
    break;
  }
  std::string base = path.substr(path.find_last_of('/') + 1);
  for (const char* ext : {".zone", ".db", ".dns", ".txt"}) {
    size_t n = strlen(ext);
    if (base.size() > n && base.compare(base.size() - n, n, ext) == 0) {
      base.resize(base.size() - n);
      break;
    }
  }
  return base + ".";
}

// A name for messages: lowercase, without the trailing dot (the root stays ".").
std::string display(const std::string& wire) {
  std::string text = name_to_text(lowercase_name(wire));
  if (text.size() > 1) text.pop_back();
  return text;
}

// The zone as the configuration names it, in wire form.
Result<std::string> configured_origin(const std::string& path, const std::string& zone) {
  const std::string text = zone.back() == '.' ? zone : zone + ".";
  auto wire = name_from_text(text);
  if (!wire) return make_error(path + ": configured zone \"" + zone + "\": " + wire.error());
  return *wire;
}

// What an operator does about a file that names another zone than its configuration.
std::string contradiction(const std::string& where, const std::string& what,
                          const std::string& file_zone, const std::string& configured,
                          const std::string& fix) {
  return where + ": " + what + " " + name_to_text(lowercase_name(file_zone)) +
         " contradicts the configured zone " + display(configured) + " (the file holds zone " +
         display(file_zone) + ", not " + display(configured) + "): " + fix +
         " to read the file as " + display(configured) + ", or configure the zone as " +
         display(file_zone);
}

}  // namespace

Result<ZoneData> load_zone_file(const std::string& path, const std::string& zone_name) {
  std::string configured;
  if (!zone_name.empty()) {
    auto wire = configured_origin(path, zone_name);
    if (!wire) return wire.failure();
    configured = *wire;
  }
  const std::string configured_key = lowercase_name(configured);
  std::unique_ptr<FILE, FileCloser> fp(fopen(path.c_str(), "r"));
  if (!fp) return make_error(path + ": cannot open zone file: " + std::string(strerror(errno)));

  ZoneData zone;
  zone.source = path;
  uint32_t default_ttl = 3600;
  ldns_rdf* origin_raw = nullptr;
  ldns_rdf* prev_raw = nullptr;
  int line = 1;
  const std::vector<std::string> lines = read_lines(path);
  const std::string implied = configured.empty() ? implied_origin(path, lines) : "";
  if (!configured.empty()) {
    origin_raw =
        ldns_dname_new_frm_data(static_cast<uint16_t>(configured.size()), configured.data());
    zone.origin = configured;
  } else if (!implied.empty()) {
    if (ldns_str2rdf_dname(&origin_raw, implied.c_str()) != LDNS_STATUS_OK)
      return make_error(path + ": no $ORIGIN, a relative SOA owner, and the file name \"" +
                        implied + "\" is not a domain name; add $ORIGIN");
  }
  // ldns replaces the origin on $ORIGIN; a relative one is relative to the origin it replaces
  // (RFC 1035 s5.1), so that one is kept here.
  std::unique_ptr<ldns_rdf, RdfDeleter> origin_before(origin_raw ? ldns_rdf_clone(origin_raw)
                                                                 : nullptr);
  bool origin_from_directive = false;
  auto cleanup = [&]() {
    if (origin_raw) ldns_rdf_deep_free(origin_raw);
    if (prev_raw) ldns_rdf_deep_free(prev_raw);
    origin_raw = prev_raw = nullptr;
  };

  while (!feof(fp.get())) {
    ldns_rr* rr_raw = nullptr;
    int before = line;
    ldns_status s =
        ldns_rr_new_frm_fp_l(&rr_raw, fp.get(), &default_ttl, &origin_raw, &prev_raw, &line);
    std::unique_ptr<ldns_rr, RrDeleter> rr(rr_raw);
    const int at = record_line(lines, before, line);
    const std::string where = path + ":" + std::to_string(at);
    switch (s) {
      case LDNS_STATUS_OK:
        break;
      case LDNS_STATUS_SYNTAX_EMPTY:
      case LDNS_STATUS_SYNTAX_TTL:
        continue;
      case LDNS_STATUS_SYNTAX_ORIGIN: {
        origin_from_directive = true;
        // ldns reads "$ORIGIN sub" as "sub."; RFC 1035 s5.1 makes it relative to the origin
        // before it, as BIND and NSD read it.
        const auto directive =
            tokens(strip(at <= static_cast<int>(lines.size()) ? lines[at - 1] : ""));
        if (origin_before && directive.size() >= 2) {
          auto wire = name_from_text(directive[1], rdf_wire(origin_before.get()));
          if (!wire) {
            cleanup();
            return make_error(where + ": $ORIGIN " + directive[1] + ": " + wire.error());
          }
          ldns_rdf_deep_free(origin_raw);
          origin_raw = ldns_dname_new_frm_data(static_cast<uint16_t>(wire->size()), wire->data());
        }
        // Only the $ORIGIN in force at the first record says which zone the file holds; later
        // ones (BIND's "$ORIGIN sub.zone.") only shorten the names after them.
        if (!configured.empty() && zone.records.empty() && origin_raw &&
            lowercase_name(rdf_wire(origin_raw)) != configured_key) {
          std::string message = contradiction(where, "$ORIGIN", rdf_wire(origin_raw), configured,
                                              "remove the $ORIGIN line");
          cleanup();
          return make_error(message);
        }
        origin_before.reset(origin_raw ? ldns_rdf_clone(origin_raw) : nullptr);
        continue;
      }
      case LDNS_STATUS_SYNTAX_INCLUDE:
        cleanup();
        return make_error(where + ": $INCLUDE is not supported");
      default: {
        std::string text = at <= static_cast<int>(lines.size()) ? lines[at - 1] : "";
        cleanup();
        return make_error(where + ": " + describe(s, text));
      }
    }
    ldns_rdf* owner = ldns_rr_owner(rr.get());
    if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) {
      cleanup();
      return make_error(where + ": only class IN is served");
    }
    if (!ldns_dname_absolute(owner)) {
      cleanup();
      return make_error(where + ": relative owner name with no $ORIGIN; add $ORIGIN or write " +
                        "names with a trailing dot");
    }
    if (!configured.empty() && ldns_rr_get_type(rr.get()) == LDNS_RR_TYPE_SOA &&
        lowercase_name(rdf_wire(owner)) != configured_key) {
      std::string message =
          contradiction(where, "SOA owner", rdf_wire(owner), configured, "write the owner as @");
      cleanup();
      return make_error(message);
    }
    if (zone.origin.empty()) {
      if ((origin_from_directive || !implied.empty()) && origin_raw) {
        zone.origin = rdf_wire(origin_raw);
        zone.origin_from_file_name = !origin_from_directive;
      } else if (ldns_rr_get_type(rr.get()) == LDNS_RR_TYPE_SOA) {
        zone.origin = rdf_wire(owner);
        // Relative names after an absolute SOA owner are relative to it.
        if (!origin_raw) {
          origin_raw = ldns_rdf_clone(owner);
          origin_before.reset(ldns_rdf_clone(owner));
        }
      } else {
        cleanup();
        return make_error(where + ": the first record is not a SOA and there is no $ORIGIN");
      }
    }
    zone.records.push_back(record_from_ldns(rr.get(), where));
  }
  cleanup();
  if (zone.records.empty()) return make_error(path + ": no records (a zone needs at least a SOA)");
  return zone;
}

}  // namespace gslb
