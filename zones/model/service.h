// Service and Member: a GSLB name and its pool of sites, as the hot path sees them inside an
// immutable Snapshot. Health state is already folded in (up, rtt, load) when the Snapshot is
// built, so picking reads only these structs. Plain data; shared read-only between threads.
// ClientRegions: the client subnets of each region, shared by the services of a Snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zones/base/keys.h"

namespace gslb {

// Client subnets mapped to region names (the config document's "regions"), for the policies
// that answer by the client's region (rtt). Built once per Snapshot off the hot path, then
// shared read-only: lookup() allocates nothing, takes no lock and never throws, so any number
// of threads may call it.
class ClientRegions {
 public:
  // The region of a client, and how much of its address decided it.
  struct Match {
    int32_t region = -1;  // index into names(); -1: no subnet holds the client
    // Every address sharing this many leading bits with the client matches alike: the ECS scope
    // of an answer that depends on the region (RFC 7871 s7.2.1).
    uint8_t scope = 0;
  };

  // Building (before the table is shared). The index of region `name`, added when new.
  int32_t add_region(std::string_view name);
  // REQUIRES: `region` came from add_region; family 4 (4-byte address, prefix <= 32) or 6
  // (16 bytes, prefix <= 128). Bits past `prefix` are ignored. A later subnet equal to an
  // earlier one takes it over.
  void add_subnet(int32_t region, uint8_t family, const uint8_t* address, uint8_t prefix);

  // The longest subnet holding the first `prefix` bits of `address` (an ECS source prefix, or
  // the full length for a source address); subnets longer than `prefix` do not match. Family 0
  // (unknown): no match. At most 33 or 129 steps down a trie; no allocation.
  Match lookup(uint8_t family, const uint8_t* address, uint8_t prefix) const;

  // The index of a region name; -1 when no subnet names it.
  int32_t find(std::string_view name) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  // One binary trie per family over the address bits: nodes_[0] and nodes_[1] are the IPv4 and
  // IPv6 roots. Nodes exist only on the way to a subnet, so a missing child means that no
  // subnet lies below it.
  struct Node {
    uint32_t child[2] = {0, 0};  // 0: none (a root is never a child)
    int32_t region = -1;         // a subnet of this region ends here
  };
  static int bit(const uint8_t* address, unsigned i) { return (address[i / 8] >> (7 - i % 8)) & 1; }

  std::vector<Node> nodes_ = std::vector<Node>(2);
  std::vector<std::string> names_;
};

struct Member {
  int64_t id = 0;
  std::string name;
  // The site's first address (the one probed and shown); family 0 for a CNAME target.
  uint8_t family = 4;  // 4 or 6
  uint8_t address[16] = {};
  // Every address of the site by family ([0]: IPv4 in the first 4 bytes, [1]: IPv6), answered
  // together when the member is picked. Empty for both: the member is `family`/`address` alone
  // (members built by hand in tests), or a CNAME target.
  struct Address {
    uint8_t bytes[16] = {};
  };
  std::vector<Address> addresses[2];
  // A CNAME target (wire form) answered instead of addresses, for both families: a CDN or a
  // cloud load balancer whose addresses are not ours.
  std::string target;
  // Whether the member answers family f (0: A, 1: AAAA).
  bool serves(int f) const {
    if (!target.empty()) return true;
    if (addresses[0].empty() && addresses[1].empty()) return (family == 6 ? 1 : 0) == f;
    return !addresses[f].empty();
  }
  // The weight the policies read: the configured one, or in a service with slow start that
  // weight scaled by SlowStart::kScale and by weight_share while the member ramps up.
  uint32_t weight = 1;
  float weight_share = 1;          // slow start: the share of its full weight it answers with
  int64_t slow_start_ends_ms = 0;  // slow start: when the ramp reaches the full weight; 0: none
  uint32_t priority = 1;           // tier: lower is preferred
  uint16_t index = 0;              // position in Service::members (per-worker policy state)
  int16_t pool = -1;               // index into Service::pools; -1 in a service without pools
  bool sorry = false;
  bool enabled = true;  // enabled and not drained
  // Health, from the observations (quorum and staleness already applied).
  bool up = true;
  bool stale = false;  // no fresh observation: `up` is the last known state
  bool has_rtt = false;
  uint32_t rtt_us = 0;  // smoothed RTT (best fresh agent)
  bool has_load = false;
  double load = 0;
  // Spillover: at or above capacity (the load its check reports) the member takes no share
  // while any member of its service is below its own (Service::saturated otherwise).
  bool has_capacity = false;
  double capacity = 0;
  bool over_capacity = false;
  // The smoothed RTT as seen from each client region (indexed like Service::regions->names()):
  // the best fresh "up" agent of that region. Empty when the Snapshot has no regions.
  struct RegionRtt {
    bool measured = false;  // some fresh "up" agent of the region reported an RTT
    uint32_t us = 0;
  };
  std::vector<RegionRtt> region_rtt;
  // Where the site is, for the closest policy (radians, precomputed for the distance).
  bool has_location = false;
  float lat_rad = 0, lon_rad = 0;
};

enum class Fallback : uint8_t { kAll, kSorry, kServfail };

struct Service;
struct Pool;
struct Client;
class GeoDatabase;

// A topology rule as the query path reads it (from RuleRow): the first rule whose every
// condition holds picks the pool. Codes are zones/geo/geo_code.h values; an empty list is no
// condition.
struct TopologyRule {
  std::vector<uint32_t> countries, continents;
  std::vector<std::pair<uint32_t, uint32_t>> subdivisions;  // (country, subdivision)
  std::vector<uint32_t> asns;
  std::vector<int32_t> regions;  // ClientRegions indices
  uint16_t pool = 0;
  // A share (per 10 000 client subnets) of the matching clients goes to split_pool.
  uint16_t split_pool = 0;
  uint32_t split_per_10k = 0;
  bool needs_place() const {
    return !countries.empty() || !continents.empty() || !subdivisions.empty();
  }
};
class Rng;
struct PolicyState;
struct PolicyType;

// A policy picks up to `want` distinct members out of `candidates` (all of one address family,
// all eligible: enabled, not sorry, healthy — or the fallback set). Returns how many it wrote
// to `out`. Must not allocate, lock or throw. See server/policy/.
using PolicyFn = size_t (*)(const Service& service, const Member* const* candidates, size_t count,
                            const Client& client, Rng& rng, PolicyState& state, const Member** out,
                            size_t want);

struct Service {
  int64_t id = 0;
  // Position in the Snapshot's service table; for a pool view, a slot past its end (the index
  // of its per-worker policy state, PolicyState::member_state).
  uint32_t index = 0;
  std::string name;  // lowercase wire form
  std::string policy_name;
  const PolicyType* policy_type = nullptr;  // server/policy/policy.h
  PolicyFn policy = nullptr;                // policy_type->pick, called once per answer
  // The policy's own keys (PolicyType::keys), resolved with defaults, in the order of its keys.
  std::vector<KeyValue> policy_options;
  uint32_t ttl = 30;
  uint32_t ttl_degraded = 30;
  uint32_t answers = 1;
  Fallback fallback = Fallback::kAll;
  bool persistence = false;
  uint8_t persist_v4 = 24, persist_v6 = 56;
  uint32_t min_healthy = 1;
  uint32_t slow_start_ms = 0;  // 0: off (zones/model/slow_start.h)
  std::vector<Member> members;
  // Precomputed per family (0: IPv4, 1: IPv6), pointing into `members`.
  std::vector<const Member*> healthy[2];  // enabled, not sorry, up
  std::vector<const Member*> enabled[2];  // enabled, not sorry (fallback "all")
  std::vector<const Member*> sorry[2];    // enabled sorry servers (fallback "sorry")
  bool has_family[2] = {false, false};    // any member at all of that family
  // Every healthy member of the family is over its capacity: they answer anyway (healthy
  // holds them), and explain and /metrics say so.
  bool saturated[2] = {false, false};
  // The Snapshot's client regions (null: none configured), shared by every service, and
  // whether the policy answers by the client's region (ClientInput::kRegion), so the services
  // of other policies skip the lookup.
  std::shared_ptr<const ClientRegions> regions;
  bool needs_region = false;        // implies regions != nullptr
  bool keeps_member_state = false;  // PolicyState::member_state is sized for this service
  // The client's location (PolicyType::client_input kLocation: the closest policy): the place
  // database looks it up.
  bool needs_location = false;

  // Topology (DESIGN "Topology"): the pools (each a view of this service's members with its
  // own policy) and the rules that map a client to one. Empty: one flat member list.
  std::vector<Pool> pools;
  std::vector<TopologyRule> rules;
  // The MMDB files the rules read (null: not configured or never loaded). place: a country or
  // city database (country, continent, subdivision, location); network: an ASN database.
  std::shared_ptr<const GeoDatabase> geo_place, geo_network;
  bool rules_need_place = false, rules_need_network = false, rules_need_region = false;
};

// A pool of a service with topology. `view` is the service as the pool's policy sees it: the
// pool's policy and keys, the service's other settings, and candidate lists holding only the
// pool's members (pointers into the owning Service::members, rebuilt by index_service).
struct Pool {
  std::string name;
  Service view;
  std::vector<uint16_t> fallback;  // pools tried in order when this one has nothing healthy
};

// --- ClientRegions, inline: the lookup runs on the query path ---

inline int32_t ClientRegions::find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int32_t>(i);
  return -1;
}

inline int32_t ClientRegions::add_region(std::string_view name) {
  const int32_t found = find(name);
  if (found >= 0) return found;
  names_.emplace_back(name);
  return static_cast<int32_t>(names_.size() - 1);
}

inline void ClientRegions::add_subnet(int32_t region, uint8_t family, const uint8_t* address,
                                      uint8_t prefix) {
  uint32_t n = family == 4 ? 0 : 1;
  for (unsigned depth = 0; depth < prefix; ++depth) {
    const int b = bit(address, depth);
    if (nodes_[n].child[b] == 0) {
      const auto next = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();  // may move the nodes: index, never hold a reference across it
      nodes_[n].child[b] = next;
    }
    n = nodes_[n].child[b];
  }
  nodes_[n].region = region;
}

inline ClientRegions::Match ClientRegions::lookup(uint8_t family, const uint8_t* address,
                                                  uint8_t prefix) const {
  Match m;
  if (family != 4 && family != 6) return m;
  const unsigned bits = family == 4 ? 32 : 128;
  const unsigned known = prefix < bits ? prefix : bits;  // the client's significant bits
  uint32_t n = family == 4 ? 0 : 1;
  for (unsigned depth = 0;; ++depth) {
    const Node& node = nodes_[n];
    if (node.region >= 0) m.region = node.region;
    // Nothing more specific below: the whole block of `depth` bits matches alike. Or the
    // client's known bits end here: the answer holds for all of them.
    if ((node.child[0] == 0 && node.child[1] == 0) || depth == known) {
      m.scope = static_cast<uint8_t>(depth);
      return m;
    }
    const uint32_t next = node.child[bit(address, depth)];
    if (next == 0) {  // no subnet on the client's side: its block one bit longer is uniform
      m.scope = static_cast<uint8_t>(depth + 1);
      return m;
    }
    n = next;
  }
}

}  // namespace gslb
