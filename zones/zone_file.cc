#include "zones/zone_file.h"

#include <ldns/ldns.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "zones/dname.h"

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

// The text of line `n` (1-based) of `path`, trimmed, for error messages.
std::string line_text(const std::string& path, int n) {
  std::ifstream in(path);
  std::string line;
  for (int i = 1; i <= n && std::getline(in, line); ++i) {
    if (i == n) {
      auto c = line.find(';');
      if (c != std::string::npos) line.resize(c);
      auto b = line.find_first_not_of(" \t");
      auto e = line.find_last_not_of(" \t\r");
      return b == std::string::npos ? "" : line.substr(b, e - b + 1);
    }
  }
  return "";
}

std::vector<std::string> tokens(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string t;
  while (in >> t) out.push_back(t);
  return out;
}

// Turns an ldns status into a message that names the offending token when we can find it: the
// token after the record type for single-field rdata errors, else the whole line.
std::string describe(ldns_status s, const std::string& text) {
  auto tok = tokens(text);
  std::string rdata_first;
  std::string type_token;
  for (size_t i = 0; i < tok.size(); ++i) {
    if (ldns_get_rr_type_by_name(tok[i].c_str()) != 0 && tok[i] != "IN" && tok[i] != "CH") {
      // Skip tokens that are numeric TTLs; a type mnemonic is alphabetic or TYPEnnn.
      type_token = tok[i];
      if (i + 1 < tok.size()) rdata_first = tok[i + 1];
      break;
    }
  }
  auto q = [](const std::string& t) { return "\"" + t + "\""; };
  switch (s) {
    case LDNS_STATUS_INVALID_IP4:
      return "invalid IPv4 address " + q(rdata_first);
    case LDNS_STATUS_INVALID_IP6:
      return "invalid IPv6 address " + q(rdata_first);
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
    case LDNS_STATUS_INVALID_INT:
      return "invalid number in " + type_token + " record " + q(text);
    case LDNS_STATUS_SYNTAX_RDATA_ERR:
    case LDNS_STATUS_SYNTAX_MISSING_VALUE_ERR:
      return "missing or malformed " + (type_token.empty() ? std::string("record") : type_token) +
             " data in " + q(text);
    default:
      return std::string(ldns_get_errorstr_by_id(s)) + " in " + q(text);
  }
}

}  // namespace

Result<ZoneData> load_zone_file(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> fp(fopen(path.c_str(), "r"));
  if (!fp) return make_error(path + ": cannot open zone file: " + std::string(strerror(errno)));

  ZoneData zone;
  zone.source = path;
  uint32_t default_ttl = 3600;
  ldns_rdf* origin_raw = nullptr;
  ldns_rdf* prev_raw = nullptr;
  int line = 1;
  bool origin_from_directive = false;
  auto cleanup = [&]() {
    if (origin_raw) ldns_rdf_deep_free(origin_raw);
    if (prev_raw) ldns_rdf_deep_free(prev_raw);
    origin_raw = prev_raw = nullptr;
  };

  while (!feof(fp.get())) {
    ldns_rr* rr_raw = nullptr;
    int before = line;
    ldns_status s = ldns_rr_new_frm_fp_l(&rr_raw, fp.get(), &default_ttl, &origin_raw, &prev_raw, &line);
    std::unique_ptr<ldns_rr, RrDeleter> rr(rr_raw);
    std::string where = path + ":" + std::to_string(line);
    switch (s) {
      case LDNS_STATUS_OK:
        break;
      case LDNS_STATUS_SYNTAX_EMPTY:
      case LDNS_STATUS_SYNTAX_TTL:
        continue;
      case LDNS_STATUS_SYNTAX_ORIGIN:
        origin_from_directive = true;
        continue;
      case LDNS_STATUS_SYNTAX_INCLUDE:
        cleanup();
        return make_error(where + ": $INCLUDE is not supported");
      default: {
        // ldns counts the line it stopped on; for a record spanning lines that is its last line.
        int at = line > before ? line : before;
        std::string text = line_text(path, at);
        cleanup();
        return make_error(path + ":" + std::to_string(at) + ": " + describe(s, text));
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
    if (zone.origin.empty()) {
      if (origin_from_directive && origin_raw) {
        zone.origin = rdf_wire(origin_raw);
      } else if (ldns_rr_get_type(rr.get()) == LDNS_RR_TYPE_SOA) {
        zone.origin = rdf_wire(owner);
        // Relative names after an absolute SOA owner are relative to it.
        if (!origin_raw) origin_raw = ldns_rdf_clone(owner);
      } else {
        cleanup();
        return make_error(where + ": the first record is not a SOA and there is no $ORIGIN");
      }
    }
    Record rec;
    rec.owner = rdf_wire(owner);
    rec.type = static_cast<uint16_t>(ldns_rr_get_type(rr.get()));
    rec.ttl = ldns_rr_ttl(rr.get());
    for (size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
      // ldns gives each rdata field in wire form; unknown types (RFC 3597) arrive as one field.
      ldns_rdf* f = ldns_rr_rdf(rr.get(), i);
      rec.rdata += rdf_wire(f);
    }
    rec.where = where;
    zone.records.push_back(std::move(rec));
  }
  cleanup();
  if (zone.origin.empty()) return make_error(path + ": no records (a zone needs at least a SOA)");
  return zone;
}

}  // namespace gslb
