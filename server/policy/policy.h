// The selection policies' shared vocabulary: the client a choice is made for, the random source,
// per-worker policy state, and the two ways of drawing among candidates (weighted random, or
// weighted rendezvous hashing of the client subnet when the service persists).
// Each policy lives in its own file under server/policy/: that file defines its PolicyType
// (name, keys, needs, pick), and registry.cc lists it with one line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "zones/base/keys.h"
#include "zones/model/service.h"

namespace gslb {

// The client a choice is made for: the ECS subnet when the query carried one, else the source
// address with a full-length prefix.
struct Client {
  uint8_t family = 0;  // 4, 6, or 0 when unknown
  uint8_t address[16] = {};
  uint8_t prefix = 0;  // significant bits of `address`
  // The client's region: an index into the service's ClientRegions names (zones/service.h), or
  // -1 when unknown. Looked up only for services with needs_region; -1 for the others.
  int32_t region = -1;
  // The client's location from the place MMDB (radians), for policies with kLocation input.
  bool has_location = false;
  float lat_rad = 0, lon_rad = 0;
};

inline constexpr float kRadiansPerDegree = 3.14159265358979323846f / 180;

// splitmix64: small, fast, good enough for load spreading; seeded per worker (tests seed it).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<__uint128_t>(next()) * n) >> 64);
  }

 private:
  uint64_t s_;
};

// Per-worker mutable state of the policies that keep some (PolicyType::keeps_member_state):
// one counter per member of each such service, sized for the current Snapshot when it is
// swapped in, never on the query path. Empty for the services of other policies.
struct PolicyState {
  // member_state[service index][member index]
  std::vector<std::vector<int64_t>> member_state;
};

// What the answer of a policy depends on besides health and weights, which decides the ECS
// scope of the answer (RFC 7871 s7.2.1) and what the engine looks up per query.
enum class ClientInput : uint8_t {
  // Only persistence (a service key of every policy): scope = the persistence prefix, or 0.
  kNone,
  // The client's region (the document's "regions"): the engine looks it up, the snapshot folds
  // each member's RTT per region, and the scope is the longer of the region subnet's and the
  // persistence prefix.
  kRegion,
  // The client's location (latitude and longitude from the place MMDB of the document's
  // "geoip"): the engine looks it up, and the scope is the longer of that network's prefix and
  // the persistence prefix.
  kLocation,
};

// A selection policy as its file declares it: `extern const PolicyType kNamePolicy{...}` in the
// policy's file (extern: registry.cc names it).
struct PolicyType {
  std::string_view name = {};     // as the document says it: "weighted", "least-load"
  std::string_view summary = {};  // one line for help, OpenAPI and explain
  // The service keys only this policy reads (document keys of the service, stored in the
  // services.policy_options JSON column). Resolved with defaults into Service::policy_options,
  // in this order, so the pick reads them by index.
  std::span<const KeySpec> keys = {};
  ClientInput client_input = ClientInput::kNone;
  bool keeps_member_state = false;  // PolicyState::member_state is sized for its services
  PolicyFn pick = nullptr;
};

// Draws up to `want` distinct members with probability proportional to weight. Members of
// weight 0 are drawn only when every candidate has weight 0 (then uniformly). When the service
// persists, the draw is a weighted rendezvous hash of the client's subnet (masked to the
// service's persistence prefix) instead of random, so a client keeps its member while it stays
// a candidate and only a removed member's clients move.
size_t draw_weighted(const Service& service, const Member* const* candidates, size_t count,
                     const Client& client, Rng& rng, const Member** out, size_t want);

// The persistence prefix the service applies to this client's family (the ECS scope it answers).
uint8_t persistence_prefix(const Service& service, const Client& client);

// The policies this binary knows: registry.cc's built-in list, unless the executable links a
// catalogue of its own (tests/plugins/ does, to add a throwaway policy). Read-only after static
// initialisation: safe from any thread.
std::span<const PolicyType* const> policy_types();
// The built-in policies, in registry.cc's order.
std::span<const PolicyType* const> builtin_policies();
// Looks a policy up by name; nullptr when unknown.
const PolicyType* find_policy(std::string_view name);
// Every known name, in catalogue order, for validation messages.
const std::vector<std::string_view>& policy_names();

}  // namespace gslb
