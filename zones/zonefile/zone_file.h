// Loads an RFC 1035 zone file with ldns into ZoneData. Errors name the file and line:
//   zones/x.zone:12: invalid IPv4 address "1.2.3"
// A zone named by its configuration (a document's zones[] entry, `--zone NAME=FILE`) is read
// relative to that name, as NSD, Knot and BIND read theirs: `@` and relative owners resolve
// against it, and a top-level $ORIGIN or a SOA owner naming another zone is an error. A file
// named by nothing else (`--zone FILE`) takes its origin from its first $ORIGIN, else the owner
// of its SOA record, else its file name ("zones/example.test.zone" -> "example.test.").
#pragma once

#include <string>

#include "zones/base/result.h"
#include "zones/dns/zone_data.h"

namespace gslb {

// A zone file as the operator named it. `zone` empty: the origin comes from the file.
struct ConfiguredZoneFile {
  std::string zone;  // presentation form, trailing dot optional
  std::string path;
};

Result<ZoneData> load_zone_file(const std::string& path, const std::string& zone_name = "");

}  // namespace gslb
