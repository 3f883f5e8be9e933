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
  uint8_t family = 4;  // 4 or 6
  uint8_t address[16] = {};
  uint32_t weight = 1;
  uint32_t priority = 1;  // tier: lower is preferred
  uint16_t index = 0;     // position in Service::members (per-worker policy state)
  bool sorry = false;
  bool enabled = true;  // enabled and not drained
  // Health, from the observations (quorum and staleness already applied).
  bool up = true;
  bool stale = false;  // no fresh observation: `up` is the last known state
  bool has_rtt = false;
  uint32_t rtt_us = 0;  // smoothed RTT (best fresh agent)
  bool has_load = false;
  double load = 0;
  // The smoothed RTT as seen from each client region (indexed like Service::regions->names()):
  // the best fresh "up" agent of that region. Empty when the Snapshot has no regions.
  struct RegionRtt {
    bool measured = false;  // some fresh "up" agent of the region reported an RTT
    uint32_t us = 0;
  };
  std::vector<RegionRtt> region_rtt;
};

enum class Fallback : uint8_t { kAll, kSorry, kServfail };

struct Service;
struct Client;
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
  uint32_t index = 0;  // position in the Snapshot's service table
  std::string name;    // lowercase wire form
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
  std::vector<Member> members;
  // Precomputed per family (0: IPv4, 1: IPv6), pointing into `members`.
  std::vector<const Member*> healthy[2];  // enabled, not sorry, up
  std::vector<const Member*> enabled[2];  // enabled, not sorry (fallback "all")
  std::vector<const Member*> sorry[2];    // enabled sorry servers (fallback "sorry")
  bool has_family[2] = {false, false};    // any member at all of that family
  // The Snapshot's client regions (null: none configured), shared by every service, and
  // whether the policy answers by the client's region (ClientInput::kRegion), so the services
  // of other policies skip the lookup.
  std::shared_ptr<const ClientRegions> regions;
  bool needs_region = false;        // implies regions != nullptr
  bool keeps_member_state = false;  // PolicyState::member_state is sized for this service
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
