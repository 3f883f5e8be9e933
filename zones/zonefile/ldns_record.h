// The one conversion of an ldns record into a Record, shared by everything that parses records
// with ldns (zone files, database rows, the config document, test helpers), so that every source
// yields the same wire form for the same record.
#pragma once

#include <string>

#include "zones/dns/zone_data.h"

// Declared rather than included: ldns/common.h defines `bool` as a macro, which breaks standard
// headers included after it.
typedef struct ldns_struct_rr ldns_rr;

namespace gslb {

// Owner and rdata in the wire form ldns gives them, the rdata fields appended in order (an
// RFC 3597 record arrives as one field). REQUIRES: `rr` is not null.
Record record_from_ldns(const ldns_rr* rr, std::string where);

}  // namespace gslb
