// SlowStart: a site that comes back does not get its whole share at once (issue 12, point 2).
// Resolvers cache an answer for its TTL, so a site that turns up again and is handed its full
// weight at once takes every cache's next miss together; ramping its weight over slow_start_s
// lets the caches expire in waves instead.
//
// It remembers, across snapshot builds (one per second at least: the health re-fold), when each
// member of a service with slow start last became a candidate (up after down, enabled after a
// drain or a disable, newly added) or had its weight raised, and sets the weight the policies
// read meanwhile: from kFloor of the full weight (or, for a raise, from the weight it had)
// rising linearly to the full weight at slow_start_s. Every member of such a service has its
// weight scaled by kScale, ramping or not, so small configured weights can ramp smoothly and
// the ratios between members stay those configured; the weighted draw, the rendezvous hash of
// persistence, the priority tiers and the load bands read only ratios. With persistence only the
// clients the rendezvous hash gives back to the site move, and as its weight rises they move a
// few at a time.
//
// The first build after a start ramps nothing: what happened before it is not known. Thread-
// compatible: the SnapshotUpdater's thread only.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "zones/model/snapshot.h"

namespace gslb {

class SlowStart {
 public:
  static constexpr uint32_t kScale = 1000;
  static constexpr double kFloor = 0.05;

  // Sets Member::weight (effective), weight_share and slow_start_ends_ms for the members of
  // the services of `table` whose slow_start_ms is set, as of `now_ms`. Members of other
  // services are left as they are (and forgotten, so enabling slow start later ramps nothing
  // that happened before).
  void apply(ServiceTable& table, int64_t now_ms);

 private:
  struct State {
    bool candidate = false;  // enabled and up at the last build
    uint32_t weight = 0;     // configured weight at the last build
    bool ramping = false;
    int64_t start_ms = 0;  // the ramp began
    double from = 1;       // share of the full weight at start_ms
    void begin(int64_t now_ms, double share) {
      ramping = true;
      start_ms = now_ms;
      from = share;
    }
  };
  std::unordered_map<int64_t, State> members_;  // by member id
  bool primed_ = false;
};

}  // namespace gslb
