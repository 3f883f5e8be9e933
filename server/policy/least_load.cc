// Policy "least-load": the member with the lowest load per unit of weight.
//
// Contract:
//   keys: member load / has_load (reported by the site through its HTTP check, header or JSON
//   field), weight (default 1); service answers, persistence.
//   Ratio = load / weight (negative loads count as 0). Band: every candidate whose ratio is at
//   most 10 % above the minimum shares the pick, by draw_weighted (weights and persistence
//   apply), so near-equal sites share instead of herding onto one.
//   Weight 0 members are skipped while any known-load candidate has a positive weight; when all
//   have weight 0, the ratio is the load itself. Unknown load (has_load false, or NaN) is worse
//   than any known load: those members are picked only when no load is known (then
//   draw_weighted over all) or to fill the answer. When want exceeds the band, the next band
//   fills it, then the skipped weight-0 members, then the unknown ones.
//   Nothing healthy: the caller passes the fallback set (or none); no candidates → returns 0.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "server/policy/policies.h"

namespace gslb {
namespace {

constexpr double kBand = 0.10;  // near-equal: within 10 % of the lowest ratio

bool known(const Member& m) {
  return m.has_load && !std::isnan(m.load);
}

// The member's load per unit of weight; empty when it does not compete in this mode.
// REQUIRES: known(m).
std::optional<double> ratio(const Member& m, bool by_weight) {
  const double load = std::max(m.load, 0.0);
  if (!by_weight) return load;
  if (m.weight == 0) return std::nullopt;
  return load / m.weight;
}

}  // namespace

size_t pick_least_load(const Service& service, const Member* const* candidates, size_t count,
                       const Client& client, Rng& rng, PolicyState& /*state*/, const Member** out,
                       size_t want) {
  if (count == 0 || want == 0) return 0;
  const bool by_weight = std::any_of(candidates, candidates + count,
                                     [](const Member* m) { return known(*m) && m->weight > 0; });

  // Lowest competing ratio above `floor` (any, when empty).
  auto lowest_ratio = [&](std::optional<double> floor) {
    std::optional<double> lowest;
    for (size_t i = 0; i < count; ++i) {
      if (!known(*candidates[i])) continue;
      const std::optional<double> r = ratio(*candidates[i], by_weight);
      if (!r || (floor && *r <= *floor)) continue;
      if (!lowest || *r < *lowest) lowest = r;
    }
    return lowest;
  };

  size_t got = 0;
  // Bands are disjoint ratio ranges (floor, ceiling], so successive draws stay distinct. An
  // infinite load makes an infinite ceiling, and nothing lies above it.
  std::optional<double> floor;
  for (auto min = lowest_ratio(floor); min && got < want; min = lowest_ratio(floor)) {
    const double ceiling = *min + *min * kBand;
    auto in_band = [&](const Member& m) {
      if (!known(m)) return false;
      const std::optional<double> r = ratio(m, by_weight);
      return r && (!floor || *r > *floor) && *r <= ceiling;
    };
    got +=
        draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, in_band);
    floor = ceiling;
  }
  if (got < want && by_weight) {
    auto skipped = [](const Member& m) { return known(m) && m.weight == 0; };
    got +=
        draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, skipped);
  }
  if (got < want) {
    auto unknown = [](const Member& m) { return !known(m); };
    got +=
        draw_weighted_if(service, candidates, count, client, rng, out + got, want - got, unknown);
  }
  return got;
}

extern const PolicyType kLeastLoadPolicy{
    .name = "least-load",
    .summary = "the lowest reported load per unit of weight, near-equal sites sharing",
    .pick = pick_least_load,
};

}  // namespace gslb
