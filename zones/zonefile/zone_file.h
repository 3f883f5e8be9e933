// Loads an RFC 1035 zone file with ldns into ZoneData. The origin is the file's $ORIGIN or, when
// it has none, the owner of its SOA record. Errors name the file and line:
//   zones/x.zone:12: invalid IPv4 address "1.2.3"
#pragma once

#include <string>

#include "zones/base/result.h"
#include "zones/dns/zone_data.h"

namespace gslb {

Result<ZoneData> load_zone_file(const std::string& path);

}  // namespace gslb
