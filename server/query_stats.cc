#include "server/query_stats.h"

namespace gslb {
namespace {

struct Registry {
  std::mutex mu;
  std::vector<std::unique_ptr<QueryStats>> blocks;  // guarded by mu
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: engines may outlive static teardown
  return *r;
}

}  // namespace

QueryStats* QueryStats::create() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.blocks.push_back(std::make_unique<QueryStats>());
  return r.blocks.back().get();
}

QueryStats::Totals QueryStats::totals() {
  Totals t;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const auto& b : r.blocks) {
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
