// Policy "priority": the preferred tier while it has enough healthy members.
//
// Contract:
//   keys: member priority (tier; lower is preferred; default 1), weight (default 1); service
//   min_healthy (default 1; 0 counts as 1), answers, persistence.
//   Tiers are walked from the lowest priority value up; the first tier with at least
//   min_healthy candidates is chosen. If no tier has that many, the lowest tier that has any
//   candidate is chosen (a degraded preferred tier beats nothing). Inside the tier the pick is
//   draw_weighted, so weights and persistence apply. When want exceeds the tier, the answer is
//   filled from the following tiers in order, then from the tiers skipped for lack of quorum.
//   Flipping priorities is the maintenance switch; a tier of sorry servers catching total
//   failure is the caller's fallback set, picked by this same rule.
//   Nothing healthy: the caller passes the fallback set (or none); no candidates → returns 0.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "server/policy/policies.h"

namespace gslb {
namespace {

// The lowest priority value above `after` among the candidates (the first tier when `after` is
// empty); empty when there is none.
std::optional<uint32_t> next_tier(const Member* const* candidates, size_t count,
                                  std::optional<uint32_t> after) {
  std::optional<uint32_t> next;
  for (size_t i = 0; i < count; ++i) {
    const uint32_t p = candidates[i]->priority;
    if (after && p <= *after) continue;
    if (!next || p < *next) next = p;
  }
  return next;
}

size_t tier_size(const Member* const* candidates, size_t count, uint32_t tier) {
  return static_cast<size_t>(std::count_if(
      candidates, candidates + count, [tier](const Member* m) { return m->priority == tier; }));
}

}  // namespace

size_t pick_priority(const Service& service, const Member* const* candidates, size_t count,
                     const Client& client, Rng& rng, PolicyState& /*state*/, const Member** out,
                     size_t want) {
  if (count == 0 || want == 0) return 0;
  const size_t quorum = std::max<size_t>(service.min_healthy, 1);

  const std::optional<uint32_t> lowest = next_tier(candidates, count, std::nullopt);
  uint32_t chosen = *lowest;  // count > 0, so there is a tier
  for (std::optional<uint32_t> t = lowest; t; t = next_tier(candidates, count, t)) {
    if (tier_size(candidates, count, *t) >= quorum) {
      chosen = *t;
      break;
    }
  }

  auto draw_tier = [&](uint32_t tier, size_t got) {
    auto in_tier = [tier](const Member& m) { return m.priority == tier; };
    return draw_weighted_if(service, candidates, count, client, rng, out + got, want - got,
                            in_tier);
  };
  size_t got = draw_tier(chosen, 0);
  // Fill: the tiers after the chosen one, then those before it (healthy, but below quorum).
  for (auto t = next_tier(candidates, count, chosen); t && got < want;
       t = next_tier(candidates, count, t)) {
    got += draw_tier(*t, got);
  }
  for (auto t = lowest; t && *t < chosen && got < want; t = next_tier(candidates, count, t)) {
    got += draw_tier(*t, got);
  }
  return got;
}

extern const PolicyType kPriorityPolicy{
    .name = "priority",
    .summary = "the preferred tier (lowest priority) while it has min_healthy members, by weight",
    .pick = pick_priority,
};

}  // namespace gslb
