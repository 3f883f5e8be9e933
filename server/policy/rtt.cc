// Policy "rtt": the member with the lowest smoothed RTT, near-equal members sharing.
//
// Contract:
//   keys: member rtt_us / has_rtt (healthd's smoothed RTT, the best fresh agent's) and
//   region_rtt (the best fresh agent's of each client region), weight (default 1); service
//   answers, persistence, and this policy's own keys rtt_tolerance_pct (default 10) and
//   rtt_tolerance_us (default 1000); client region (-1 unknown).
//   The RTT a member is ranked by: when the client's region is known (the document's "regions"
//   map its ECS subnet, or else its source address, to a region name) and agents of that region
//   measured the member, their RTT; otherwise the member's overall RTT. Without regions, or for
//   a client in no region, that is the overall RTT for every member.
//   Band: every candidate with an RTT at most min + max(min * pct / 100, tolerance_us) shares
//   the pick, by draw_weighted (weights and persistence apply). So 10000 and 10500 µs share with
//   10 % tolerance, 20000 µs does not.
//   Candidates without an RTT are picked only when no candidate has one (then all share by
//   weight), or to fill the answer once every measured candidate is in it. When want exceeds
//   the band, the next band (from the lowest RTT above it) fills the answer, and so on.
//   Nothing healthy: the caller passes the fallback set (or none); no candidates → returns 0.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "server/policy/policies.h"

namespace gslb {
namespace {

const KeySpec kKeys[] = {
    {.name = "rtt_tolerance_pct",
     .type = KeyType::kInteger,
     .meaning = "members within this percentage of the lowest RTT share the answers",
     .fallback = int64_t{10},
     .min = 0,
     .max = 1000},
    {.name = "rtt_tolerance_us",
     .type = KeyType::kInteger,
     .meaning = "members within this many microseconds of the lowest RTT share (the larger band "
                "of the two wins)",
     .fallback = int64_t{1000},
     .min = 0,
     .max = 60000000},
};
enum Key : size_t { kTolerancePct, kToleranceUs };

// A service built without its options (a test fixture) gets the defaults.
uint64_t option(const Service& service, Key key) {
  if (key < service.policy_options.size())
    return static_cast<uint64_t>(key_integer(service.policy_options[key]));
  const int64_t* fallback = std::get_if<int64_t>(&kKeys[key].fallback);
  return fallback != nullptr ? static_cast<uint64_t>(*fallback) : 0;
}

// The RTT `m` is ranked by for a client in `region` (-1: unknown): the region's when its
// agents measured it, else the overall one; empty when unmeasured.
std::optional<uint32_t> rtt_of(const Member& m, int32_t region) {
  if (region >= 0 && static_cast<size_t>(region) < m.region_rtt.size()) {
    const Member::RegionRtt& r = m.region_rtt[static_cast<size_t>(region)];
    if (r.measured) return r.us;
  }
  if (m.has_rtt) return m.rtt_us;
  return std::nullopt;
}

// The lowest RTT above `above` (any, when empty); empty when there is none.
std::optional<uint64_t> lowest_rtt(const Member* const* candidates, size_t count, int32_t region,
                                   std::optional<uint64_t> above) {
  std::optional<uint64_t> lowest;
  for (size_t i = 0; i < count; ++i) {
    const std::optional<uint32_t> rtt = rtt_of(*candidates[i], region);
    if (!rtt || (above && *rtt <= *above)) continue;
    if (!lowest || *rtt < *lowest) lowest = *rtt;
  }
  return lowest;
}

}  // namespace

size_t pick_rtt(const Service& service, const Member* const* candidates, size_t count,
                const Client& client, Rng& rng, PolicyState& /*state*/, const Member** out,
                size_t want) {
  if (count == 0 || want == 0) return 0;
  size_t got = 0;
  // Bands are disjoint RTT ranges (floor, ceiling], so successive draws stay distinct.
  const int32_t region = client.region;
  const uint64_t pct = option(service, kTolerancePct), tolerance_us = option(service, kToleranceUs);
  std::optional<uint64_t> floor;
  for (auto min = lowest_rtt(candidates, count, region, floor); min && got < want;
       min = lowest_rtt(candidates, count, region, floor)) {
    // 64-bit: rtt_us < 2^32 and pct < 2^32 (the key allows 1000), so min * pct cannot wrap.
    const uint64_t ceiling = *min + std::max<uint64_t>(*min * pct / 100, tolerance_us);
    auto in_band = [&](const Member& m) {
      const std::optional<uint32_t> rtt = rtt_of(m, region);
      return rtt && (!floor || *rtt > *floor) && *rtt <= ceiling;
    };
    got +=
        draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, in_band);
    floor = ceiling;
  }
  if (got < want) {
    auto unmeasured = [&](const Member& m) { return !rtt_of(m, region); };
    got += draw_weighted_if(service, candidates, count, client, rng, out + got, want - got,
                            unmeasured);
  }
  return got;
}

extern const PolicyType kRttPolicy{
    .name = "rtt",
    .summary = "the lowest smoothed RTT (from the client's region when known), near-equal sharing",
    .keys = kKeys,
    .client_input = ClientInput::kRegion,
    .pick = pick_rtt,
};

}  // namespace gslb
