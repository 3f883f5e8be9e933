// Policy "weighted": a random member, probability proportional to weight.
//
// Contract:
//   keys: member weight (default 1); service answers, persistence (see draw.cc).
//   Draws min(want, count) distinct members with draw_weighted over all candidates: weight 0
//   only once no positive weight remains (all-zero pools are drawn uniformly); with persistence,
//   the client subnet's rendezvous hash replaces the random draw.
//   Nothing healthy: the caller passes the fallback set (or none); no candidates → returns 0.
#include "server/policy/policies.h"

namespace gslb {

size_t pick_weighted(const Service& service, const Member* const* candidates, size_t count,
                     const Client& client, Rng& rng, PolicyState& /*state*/, const Member** out,
                     size_t want) {
  return draw_weighted(service, candidates, count, client, rng, out, want);
}

extern const PolicyType kWeightedPolicy{
    .name = "weighted",
    .summary = "a random member, in proportion to its weight",
    .pick = pick_weighted,
};

}  // namespace gslb
