// QueryStats: what the DNS role counts for /metrics — responses by rcode and qtype, and answers
// per service and member. One block per QueryEngine (one writer thread), made by the
// QueryStatsRegistry its owner (gslbd's main) hands to the engines and to the metrics text; a
// scrape sums the blocks with relaxed loads. Counting is a relaxed store into memory only this
// thread writes: no lock, no allocation, no shared cache line on the hot path.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "zones/dns/dns_constants.h"

namespace gslb {

class QueryStats {
 public:
  static constexpr size_t kRcodes = 24;  // 0..23: every Rcode gslbd sends, BADVERS (16) included
  static_assert(rcode_value(Rcode::kBadVers) < kRcodes);
  // qtype buckets: the common types by name, everything else "other".
  static constexpr uint16_t kTypes[] = {rrtype::A,     rrtype::AAAA, rrtype::NS,  rrtype::SOA,
                                        rrtype::CNAME, rrtype::MX,   rrtype::TXT, rrtype::SRV,
                                        rrtype::PTR,   rrtype::ANY,  rrtype::DS,  rrtype::CAA,
                                        rrtype::HTTPS, rrtype::SVCB, rrtype::SPF};
  static constexpr size_t kTypeBuckets = sizeof(kTypes) / sizeof(kTypes[0]) + 1;
  // Answer counters, keyed by member id (positive) or service id (negative, -id). A full table
  // counts into `overflow` rather than ever allocating.
  static constexpr size_t kSlots = 8192;

  void count_response(uint16_t rcode, uint16_t qtype) {
    bump(responses_[rcode < kRcodes ? rcode : kRcodes - 1][bucket(qtype)]);
  }
  void count_answer(int64_t key) {
    size_t i = static_cast<size_t>(static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ull >> 51) &
               (kSlots - 1);
    for (size_t probe = 0; probe < 16; ++probe, i = (i + 1) & (kSlots - 1)) {
      int64_t k = slots_[i].key.load(std::memory_order_relaxed);
      if (k == key) {
        bump(slots_[i].count);
        return;
      }
      if (k == 0) {
        slots_[i].key.store(key, std::memory_order_relaxed);
        bump(slots_[i].count);
        return;
      }
    }
    bump(overflow_);
  }

  static size_t bucket(uint16_t qtype) {
    for (size_t i = 0; i + 1 < kTypeBuckets; ++i)
      if (kTypes[i] == qtype) return i;
    return kTypeBuckets - 1;
  }

  // Sums over blocks (QueryStatsRegistry::totals).
  struct Totals {
    uint64_t responses[kRcodes][kTypeBuckets] = {};
    std::map<int64_t, uint64_t> answers;  // key as above
    uint64_t overflow = 0;
  };

 private:
  static void bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  struct Slot {
    std::atomic<int64_t> key{0};
    std::atomic<uint64_t> count{0};
  };
  alignas(64) std::atomic<uint64_t> responses_[kRcodes][kTypeBuckets] = {};
  std::atomic<uint64_t> overflow_{0};
  Slot slots_[kSlots];

  friend class QueryStatsRegistry;
};

// The QueryStats blocks of the engines that count into it. Thread-safe. Blocks live as long as
// the registry, so it must outlive every engine counting into it and every scrape.
class QueryStatsRegistry {
 public:
  // A new block for one engine.
  QueryStats* create();
  // The sum over every block.
  QueryStats::Totals totals() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<QueryStats>> blocks_;  // guarded by mu_
};

}  // namespace gslb
