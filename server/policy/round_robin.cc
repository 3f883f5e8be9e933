// Policy "round-robin": smooth weighted round robin (nginx's algorithm), per worker.
//
// Contract:
//   keys: member weight (default 1); service answers, persistence.
//   Each query takes one step: every eligible candidate's current weight grows by its weight,
//   the largest wins (ties to the earlier candidate) and loses the total. Weights 5,1,1 give
//   a a b a c a a, then repeat. Weight 0 takes part only when no candidate has a positive
//   weight (then as weight 1).
//   want > 1: the further answers are the remaining candidates in the order the next steps would
//   favour them (current weight + weight, highest first; positive weights before weight 0),
//   without moving the state. Repeating the step per answer instead would hand the later
//   answers' credit back to the first slot's losers and skew its shares off the weights
//   (5,1,1 with two answers: a first 2/3 of the time instead of 5/7).
//   State: PolicyState::member_state[service.index][member.index], one per worker, sized by
//   the caller when a Snapshot is swapped in. If it is missing or too small for this service,
//   the pick falls back to draw_weighted rather than write out of bounds.
//   With persistence the rotation would defeat it: the pick is draw_weighted (rendezvous hash).
//   Nothing healthy: the caller passes the fallback set (or none); no candidates → returns 0.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "server/policy/policies.h"

namespace gslb {

size_t pick_round_robin(const Service& service, const Member* const* candidates, size_t count,
                        const Client& client, Rng& rng, PolicyState& state, const Member** out,
                        size_t want) {
  if (count == 0 || want == 0) return 0;
  if (service.persistence || service.index >= state.member_state.size()) {
    return draw_weighted(service, candidates, count, client, rng, out, want);
  }
  std::vector<int64_t>& current = state.member_state[service.index];
  int64_t total = 0;  // weights < 2^32, members < 2^16: cannot overflow
  for (size_t i = 0; i < count; ++i) {
    const Member& m = *candidates[i];
    if (m.index >= current.size()) {
      return draw_weighted(service, candidates, count, client, rng, out, want);
    }
    total += m.weight;
  }
  const bool by_weight = total > 0;
  auto weight = [by_weight](const Member& m) -> int64_t { return by_weight ? m.weight : 1; };
  if (!by_weight) total = static_cast<int64_t>(count);

  // The step.
  size_t best = count;
  for (size_t i = 0; i < count; ++i) {
    const Member& m = *candidates[i];
    if (by_weight && m.weight == 0) continue;
    current[m.index] += weight(m);
    if (best == count || current[m.index] > current[candidates[best]->index]) best = i;
  }
  out[0] = candidates[best];
  current[candidates[best]->index] -= total;
  if (want == 1) return 1;

  // Further answers: next in line, state untouched.
  const size_t n = std::min(want, count);
  TakenPositions taken(count, out);
  taken.add(best);
  for (size_t got = 1; got < n; ++got) {
    size_t next = count;
    auto ahead = [&](const Member& m, const Member& other) {
      if ((m.weight > 0) != (other.weight > 0)) return m.weight > 0;
      return current[m.index] + weight(m) > current[other.index] + weight(other);
    };
    for (size_t i = 0; i < count; ++i) {
      if (taken.contains(i, candidates[i])) continue;
      if (next == count || ahead(*candidates[i], *candidates[next])) next = i;
    }
    out[got] = candidates[next];
    taken.add(next);
  }
  return n;
}

extern const PolicyType kRoundRobinPolicy{
    .name = "round-robin",
    .summary = "smooth weighted round robin, per worker",
    .keeps_member_state = true,
    .pick = pick_round_robin,
};

}  // namespace gslb
