// Builds an immutable Snapshot from zones' records: validates them (one SOA at the apex, CNAME
// exclusivity, owners inside the zone), indexes names, finds zone cuts and empty non-terminals,
// and resolves glue/additional targets. Runs off the hot path; not thread-safe per instance.
#pragma once

#include <memory>
#include <vector>

#include "zones/result.h"
#include "zones/snapshot.h"
#include "zones/zone_data.h"

namespace gslb {

Result<std::shared_ptr<const Snapshot>> build_snapshot(const std::vector<ZoneData>& zones);

}  // namespace gslb
