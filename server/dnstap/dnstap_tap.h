// DnstapTap: where the DNS workers leave their dnstap records (--dnstap). One ring per worker,
// all made up front, so the writer can walk them without any handshake and a worker's push is
// a few stores into memory it alone writes. Counters for /metrics: records written by the
// writer and records dropped (a full ring, or an output that refused them).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "server/dnstap/dnstap_record.h"
#include "server/dnstap/spsc_ring.h"

namespace gslb {

// One worker's side of the tap. Its counter has a single writer (the worker), so it is bumped
// with a plain load and store, not a locked read-modify-write.
struct alignas(64) DnstapProducer {
  explicit DnstapProducer(size_t capacity) : ring(capacity) {}
  SpscRing<DnstapRecord> ring;
  alignas(64) std::atomic<uint64_t> dropped{0};
  void count_drop() {
    dropped.store(dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

class DnstapTap {
 public:
  // `producers`: the workers that will attach(); `capacity`: records each ring holds.
  DnstapTap(size_t producers, size_t capacity, bool decisions) : decisions_(decisions) {
    for (size_t i = 0; i < producers; ++i)
      producers_.push_back(std::make_unique<DnstapProducer>(capacity));
  }

  // A worker's own producer, once at its start; null when every one is taken (that worker then
  // logs nothing rather than share a ring, which would break single-producer).
  DnstapProducer* attach() {
    const size_t i = attached_.fetch_add(1, std::memory_order_relaxed);
    return i < producers_.size() ? producers_[i].get() : nullptr;
  }

  bool decisions() const { return decisions_; }  // --dnstap-decisions
  size_t size() const { return producers_.size(); }
  DnstapProducer& producer(size_t i) { return *producers_[i]; }

  // Writer side.
  void count_written(uint64_t n) { written_.fetch_add(n, std::memory_order_relaxed); }
  void count_output_drops(uint64_t n) { output_dropped_.fetch_add(n, std::memory_order_relaxed); }

  uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  uint64_t dropped() const {
    uint64_t n = output_dropped_.load(std::memory_order_relaxed);
    for (const auto& p : producers_) n += p->dropped.load(std::memory_order_relaxed);
    return n;
  }

 private:
  const bool decisions_;
  std::vector<std::unique_ptr<DnstapProducer>> producers_;
  std::atomic<size_t> attached_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> output_dropped_{0};
};

}  // namespace gslb
