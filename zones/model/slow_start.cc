#include "zones/model/slow_start.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace gslb {

namespace {

double share_at(bool ramping, double from, int64_t start_ms, uint32_t duration_ms, int64_t now_ms) {
  if (!ramping || duration_ms == 0) return 1;
  const double progress =
      std::clamp(static_cast<double>(now_ms - start_ms) / duration_ms, 0.0, 1.0);
  return from + (1 - from) * progress;
}

}  // namespace

void SlowStart::apply(ServiceTable& table, int64_t now_ms) {
  std::unordered_set<int64_t> seen;
  for (Service& s : table) {
    if (s.slow_start_ms == 0) continue;
    for (Member& m : s.members) {
      seen.insert(m.id);
      const bool candidate = m.enabled && m.up && !m.over_capacity;
      const uint32_t weight = m.weight;
      auto [it, added] = members_.try_emplace(m.id);
      State& st = it->second;
      if (added) {
        st = State{candidate, weight};
        // A site added while we run arrives like one coming back.
        if (primed_ && candidate) st.begin(now_ms, kFloor);
      } else {
        const double now_share =
            share_at(st.ramping, st.from, st.start_ms, s.slow_start_ms, now_ms);
        if (candidate && !st.candidate) {
          st.begin(now_ms, kFloor);
        } else if (candidate && weight > st.weight) {
          // From the weight it answered with to the new one (from weight 0, which is answered
          // only as a last resort, like a site coming back).
          st.begin(now_ms,
                   st.weight > 0 ? std::max(kFloor, now_share * st.weight / weight) : kFloor);
        }
        st.candidate = candidate;
        st.weight = weight;
      }
      double share = share_at(st.ramping, st.from, st.start_ms, s.slow_start_ms, now_ms);
      if (share >= 1) {
        share = 1;
        st.ramping = false;
      }
      m.weight_share = static_cast<float>(share);
      m.slow_start_ends_ms = share < 1 ? st.start_ms + s.slow_start_ms : 0;
      if (weight > 0) {
        const double scaled = std::round(static_cast<double>(weight) * kScale * share);
        m.weight = static_cast<uint32_t>(std::max(1.0, scaled));
      }
    }
  }
  std::erase_if(members_, [&seen](const auto& kv) { return !seen.count(kv.first); });
  primed_ = true;
}

}  // namespace gslb
