#include "zones/zonefile/ldns_record.h"

#include <ldns/ldns.h>

namespace gslb {
namespace {

void append_wire(std::string& out, const ldns_rdf* r) {
  out.append(reinterpret_cast<const char*>(ldns_rdf_data(r)), ldns_rdf_size(r));
}

}  // namespace

Record record_from_ldns(const ldns_rr* rr, std::string where) {
  Record rec;
  append_wire(rec.owner, ldns_rr_owner(rr));
  rec.type = static_cast<uint16_t>(ldns_rr_get_type(rr));
  rec.ttl = ldns_rr_ttl(rr);
  for (size_t i = 0; i < ldns_rr_rd_count(rr); ++i) append_wire(rec.rdata, ldns_rr_rdf(rr, i));
  rec.where = std::move(where);
  return rec;
}

}  // namespace gslb
