#include "server/query_stats.h"

namespace gslb {

QueryStats* QueryStatsRegistry::create() {
  std::lock_guard<std::mutex> lock(mu_);
  blocks_.push_back(std::make_unique<QueryStats>());
  return blocks_.back().get();
}

QueryStats::Totals QueryStatsRegistry::totals() const {
  using Slot = QueryStats::Slot;
  constexpr size_t kRcodes = QueryStats::kRcodes, kTypeBuckets = QueryStats::kTypeBuckets;
  QueryStats::Totals t;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& b : blocks_) {
    for (size_t rc = 0; rc < kRcodes; ++rc)
      for (size_t ty = 0; ty < kTypeBuckets; ++ty)
        t.responses[rc][ty] += b->responses_[rc][ty].load(std::memory_order_relaxed);
    for (const Slot& s : b->slots_) {
      int64_t k = s.key.load(std::memory_order_relaxed);
      if (k != 0) t.answers[k] += s.count.load(std::memory_order_relaxed);
    }
    t.overflow += b->overflow_.load(std::memory_order_relaxed);
  }
  return t;
}

}  // namespace gslb
