// Service and Member: a GSLB name and its pool of sites, as the hot path sees them inside an
// immutable Snapshot. Health state is already folded in (up, rtt, load) when the Snapshot is
// built, so picking reads only these structs. Plain data; shared read-only between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gslb {

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
};

enum class Fallback : uint8_t { kAll, kSorry, kServfail };

struct Service;
struct Client;
class Rng;
struct PolicyState;

// A policy picks up to `want` distinct members out of `candidates` (all of one address family,
// all eligible: enabled, not sorry, healthy — or the fallback set). Returns how many it wrote
// to `out`. Must not allocate, lock or throw. See server/policy/.
using PolicyFn = size_t (*)(const Service& service, const Member* const* candidates,
                            size_t count, const Client& client, Rng& rng, PolicyState& state,
                            const Member** out, size_t want);

struct Service {
  int64_t id = 0;
  uint32_t index = 0;  // position in the Snapshot's service table
  std::string name;    // lowercase wire form
  std::string policy_name;
  PolicyFn policy = nullptr;
  uint32_t ttl = 30;
  uint32_t ttl_degraded = 30;
  uint32_t answers = 1;
  Fallback fallback = Fallback::kAll;
  bool persistence = false;
  uint8_t persist_v4 = 24, persist_v6 = 56;
  uint32_t rtt_tolerance_pct = 10, rtt_tolerance_us = 1000;
  uint32_t min_healthy = 1;
  std::vector<Member> members;
  // Precomputed per family (0: IPv4, 1: IPv6), pointing into `members`.
  std::vector<const Member*> healthy[2];  // enabled, not sorry, up
  std::vector<const Member*> enabled[2];  // enabled, not sorry (fallback "all")
  std::vector<const Member*> sorry[2];    // enabled sorry servers (fallback "sorry")
  bool has_family[2] = {false, false};    // any member at all of that family
};

}  // namespace gslb
