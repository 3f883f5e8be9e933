// Rows of the gslbd database (see zones/store_schema.cc) as plain values, as the Store reads them.
// The Snapshot builder works from these and never learns where they came from (SQLite today, a
// mirror of a distributed store later).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zones/base/keys.h"

namespace gslb {

struct ZoneRow {
  int64_t id = 0;
  std::string name;  // presentation form, trailing dot, lowercase
  std::string file;  // optional zone file holding the static records
  // Inline zones (no file) carry their SOA here and their NS as records rows.
  std::string soa_mname, soa_rname;
  uint32_t soa_serial = 1, soa_refresh = 3600, soa_retry = 600, soa_expire = 604800,
           soa_minimum = 60;
  uint32_t ttl = 300;  // default TTL of the zone's records and SOA
};

struct RecordRow {
  int64_t id = 0;
  int64_t zone_id = 0;
  std::string name;  // presentation form, absolute
  std::string type;  // mnemonic (A, MX, TYPE65280...)
  uint32_t ttl = 300;
  std::string rdata;  // presentation form
};

struct CheckRow {
  int64_t id = 0;
  std::string name;
  std::string type;  // a type of the probe catalogue (healthd/probes/probe_registry.cc)
  uint32_t port = 0;
  std::string path, host;
  std::string expect_status;  // e.g. "200,204" (http)
  std::string expect_body;
  uint32_t interval_ms = 1000, timeout_ms = 500, rise = 2, fall = 3;
  std::string options_json;  // type-specific extras ({} when none)
};

// A pool of a service with topology (the document's "pools"): its own policy and keys over the
// members that name it (MemberRow::pool).
struct PoolRow {
  std::string name;
  std::string policy = "weighted";
  KeyValues policy_options;           // the policy's own keys, as ServiceRow::policy_options
  std::vector<std::string> fallback;  // pools tried in order when this one has nothing healthy
};

// A rule mapping clients to a pool (the document's "rules"), tried in order: the first whose
// every given condition holds decides; a rule with no condition matches every client.
struct RuleRow {
  std::vector<std::string> country;      // ISO 3166-1 alpha-2, uppercase: "JP"
  std::vector<std::string> continent;    // "EU", "AS", ...
  std::vector<std::string> subdivision;  // country-subdivision: "US-CA", "GB-ENG"
  std::vector<uint32_t> asn;
  std::vector<std::string> region;  // client regions (the document's "regions")
  std::string pool;
  // A share of the matching clients (by client subnet, so each keeps its pool) goes to
  // split_pool instead: a canary.
  std::string split_pool;
  double split_percent = 0;
};

struct TopologyRows {
  std::vector<PoolRow> pools;  // empty: the service has one flat member list
  std::vector<RuleRow> rules;
};

struct ServiceRow {
  int64_t id = 0;
  int64_t zone_id = 0;
  std::string name;    // presentation form, absolute, inside its zone
  std::string policy;  // a name of the policy catalogue (server/policy/registry.cc)
  uint32_t ttl = 30;
  std::optional<uint32_t> ttl_degraded;
  uint32_t answers = 1;
  std::string fallback = "all";  // all, sorry, servfail
  bool persistence = false;
  uint32_t persist_v4 = 24, persist_v6 = 56;
  std::optional<uint32_t> quorum;  // agents that must agree a member is up; unset: majority
  // The policy's own keys (its PolicyType::keys), column policy_options (a JSON object). The
  // config document stores every key of the policy, defaults included.
  KeyValues policy_options;
  uint32_t min_healthy = 1;   // priority: a tier needs this many healthy members
  uint32_t slow_start_s = 0;  // a site coming back ramps to its weight over this long; 0: off
  std::optional<int64_t> check_id;
  TopologyRows topology;  // column topology (a JSON object)
};

struct MemberRow {
  int64_t id = 0;
  int64_t service_id = 0;
  std::string name;
  // IPv4 or IPv6 text: the site's first address (the one probed); empty for a CNAME target.
  std::string address;
  std::vector<std::string> more_addresses;  // the site's further addresses, answered with it
  std::string target;  // a CNAME target (presentation form, trailing dot) instead of addresses
  uint32_t weight = 1;
  uint32_t priority = 1;
  std::string region;
  bool enabled = true;
  std::optional<int64_t> drained_at_ms;  // set: drained since then (not answered)
  bool sorry = false;                    // sorry server: answered only by fallback "sorry"
  std::optional<int64_t> check_id;       // overrides the service's check
  std::string pool;                      // the pool it belongs to; "" in a service without pools
  // Where the site is (degrees), for the closest policy; both or neither.
  std::optional<double> latitude, longitude;
  // Spillover: the load figure (its check's load_header / load_json_field) at which the
  // member stops taking share; unset: no limit.
  std::optional<double> capacity;
};

struct ObservationRow {
  std::string agent_id;
  int64_t member_id = 0;
  bool up = true;
  std::optional<uint32_t> rtt_us;
  std::optional<double> load;
  int64_t checked_at_ms = 0;
  std::string detail;
};

struct AgentRow {
  std::string id;
  std::string region;
  int64_t last_seen_ms = 0;
};

// A health transition of one member as seen by one agent, recorded by write_observations.
struct EventRow {
  int64_t id = 0;
  int64_t member_id = 0;
  std::string agent_id;
  std::string old_state;  // unknown (first observation), up, down
  std::string new_state;  // up, down
  std::string detail;
  int64_t at_ms = 0;
};

// A client subnet of a region (the document's "regions"): clients inside it are in that region,
// the longest matching subnet deciding, for policies that answer by region (rtt).
struct ClientSubnetRow {
  int64_t id = 0;
  std::string region;  // 1 to 63 of [A-Za-z0-9._-]; compared with AgentRow::region
  std::string subnet;  // "198.51.100.0/24", "2001:db8:1::/48": inet_ntop form, host bits zero
};

// An MMDB file the topology rules read (the document's "geoip"): kind "country", "city" or
// "asn".
struct GeoipFileRow {
  int64_t id = 0;
  std::string kind;
  std::string path;
};

// Everything but health: changes to these rebuild the zones.
struct ConfigRows {
  std::vector<ZoneRow> zones;
  std::vector<RecordRow> records;
  std::vector<CheckRow> checks;
  std::vector<ServiceRow> services;
  std::vector<MemberRow> members;
  std::vector<ClientSubnetRow> client_subnets;
  std::vector<GeoipFileRow> geoip_files;
};

struct HealthRows {
  std::vector<ObservationRow> observations;
  std::vector<AgentRow> agents;
};

}  // namespace gslb
