// Turns database rows into what the DNS role serves: ZoneData for the database's zones and the
// service table with health folded in (quorum and staleness, DESIGN "Health"). Pure functions
// of their inputs and `now_ms`; run off the hot path by the SnapshotUpdater.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zones/base/result.h"
#include "zones/dns/zone_data.h"
#include "zones/model/snapshot.h"
#include "zones/store/store_rows.h"

namespace gslb {

// The SOA record of an inline zone, from its row. The row's mname and rname may be relative to
// the zone or "@" (rows written by hand), as in a zone file; empty means the zone's name.
Result<Record> soa_record(const ZoneRow& zone, const std::string& where);

// Inline zones become ZoneData built from their SOA fields and records rows; zones with a file
// are loaded from it.
Result<std::vector<ZoneData>> zones_from_rows(const ConfigRows& config);

// One Service per services row (in row order), members with their health:
// - observations older than 3 intervals of the member's check are stale and do not count;
// - with fresh ones, the member is up when at least quorum (default: a majority) of the fresh
//   agents say up, the quorum capped at the number of fresh agents;
// - with none fresh, the member keeps its last observed state (stale); never observed: up.
// - RTT: the lowest among the fresh "up" observations, overall and per client region (the
//   agents whose region is that region's name); every service shares the client regions of
//   config.client_subnets (null when there are none), and an rtt service needs them.
// - topology: each pool becomes a view of the service (its policy and keys over its members),
//   each rule the codes it matches; `geo` gives the MMDB databases the rules read (none: rules
//   by place or ASN never match, and the default or first pool answers).
struct GeoSources {
  std::shared_ptr<const GeoDatabase> place;    // a city or country database
  std::shared_ptr<const GeoDatabase> network;  // an ASN database
};
Result<ServiceTable> services_from_rows(const ConfigRows& config, const HealthRows& health,
                                        int64_t now_ms, const GeoSources& geo = {});

}  // namespace gslb
