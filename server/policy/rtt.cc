// Policy "rtt": the member with the lowest smoothed RTT, near-equal members sharing.
//
// Contract:
//   keys: member rtt_us / has_rtt (healthd's smoothed RTT, from the agent nearest the client
//   when agents have regions), weight (default 1); service rtt_tolerance_pct (default 10),
//   rtt_tolerance_us (default 1000), answers, persistence.
//   Band: every candidate with a measured RTT at most min + max(min * pct / 100, tolerance_us)
//   shares the pick, by draw_weighted (weights and persistence apply). So 10000 and 10500 µs
//   share with 10 % tolerance, 20000 µs does not.
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

// The lowest measured RTT above `above` (any, when empty); empty when there is none.
std::optional<uint64_t> lowest_rtt(const Member* const* candidates, size_t count,
                                   std::optional<uint64_t> above) {
  std::optional<uint64_t> lowest;
  for (size_t i = 0; i < count; ++i) {
    const Member& m = *candidates[i];
    if (!m.has_rtt || (above && m.rtt_us <= *above)) continue;
    if (!lowest || m.rtt_us < *lowest) lowest = m.rtt_us;
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
  std::optional<uint64_t> floor;
  for (auto min = lowest_rtt(candidates, count, floor); min && got < want;
       min = lowest_rtt(candidates, count, floor)) {
    // 64-bit: rtt_us < 2^32 and pct < 2^32, so min * pct cannot wrap.
    const uint64_t ceiling = *min + std::max<uint64_t>(*min * service.rtt_tolerance_pct / 100,
                                                       service.rtt_tolerance_us);
    auto in_band = [&](const Member& m) {
      return m.has_rtt && (!floor || m.rtt_us > *floor) && m.rtt_us <= ceiling;
    };
    got += draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, in_band);
    floor = ceiling;
  }
  if (got < want) {
    auto unmeasured = [](const Member& m) { return !m.has_rtt; };
    got += draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, unmeasured);
  }
  return got;
}

}  // namespace gslb
