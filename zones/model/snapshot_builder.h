// Builds an immutable Snapshot from zones' records: validates them (one SOA at the apex, CNAME
// exclusivity, owners inside the zone), indexes names, finds zone cuts and empty non-terminals,
// and resolves glue/additional targets. Runs off the hot path; not thread-safe per instance.
#pragma once

#include <memory>
#include <vector>

#include "zones/base/result.h"
#include "zones/dns/zone_data.h"
#include "zones/model/snapshot.h"

namespace gslb {

// Builds the zones and attaches each GSLB service to the node of its name (created when the zone
// has no records there). A service outside every zone, below a delegation, or at a CNAME is an
// error. Service order is kept: it is the index the nodes refer to.
Result<std::shared_ptr<const Snapshot>> build_snapshot(const std::vector<ZoneData>& zones,
                                                       ServiceTable services = {});

// A Snapshot sharing `base`'s zones with a new service table: the cheap health-only update.
// REQUIRES: `services` names the same services in the same order as base.services().
std::shared_ptr<const Snapshot> with_services(const Snapshot& base, ServiceTable services);

// Fills a service's per-family candidate lists from its members. Called by the builders once
// the table is in its final place (the lists point into `members`).
void index_service(Service& s);
// Gives each pool view its per-worker state slot (Service::index past the table's end).
void number_pool_views(ServiceTable& table);

}  // namespace gslb
