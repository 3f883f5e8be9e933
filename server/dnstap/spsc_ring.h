// SpscRing: a bounded single-producer/single-consumer queue of fixed-size slots, written in
// place. The producer (a DNS worker) claims a slot, fills it and publishes it; the consumer (the
// dnstap writer) peeks the oldest and releases it. Neither side blocks, locks or allocates after
// construction: a full ring makes claim() return null, and the caller drops what it had.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace gslb {

template <typename T>
class SpscRing {
 public:
  // `capacity` is rounded up to a power of two (the index is masked, never divided).
  explicit SpscRing(size_t capacity) : mask_(round_up(capacity) - 1), slots_(new T[mask_ + 1]) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // Producer: the slot to fill, or null when the ring is full. Nothing is visible to the
  // consumer until publish().
  T* claim() {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_cache_ > mask_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ > mask_) return nullptr;
    }
    return &slots_[head & mask_];
  }
  // Producer: hands the claimed slot over (release: its contents are seen whole, never torn).
  void publish() {
    head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Consumer: the oldest published slot, or null when empty.
  const T* peek() {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail == head_cache_) return nullptr;
    }
    return &slots_[tail & mask_];
  }
  // Consumer: gives the peeked slot back to the producer.
  void release() {
    tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  static size_t round_up(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }

  const uint64_t mask_;
  const std::unique_ptr<T[]> slots_;
  // Each side's index and its cached copy of the other's sit on their own cache line, so the
  // two threads only share a line when one has to look at the other's progress.
  alignas(64) std::atomic<uint64_t> head_{0};
  uint64_t tail_cache_ = 0;  // producer's view of tail_
  alignas(64) std::atomic<uint64_t> tail_{0};
  uint64_t head_cache_ = 0;  // consumer's view of head_
};

}  // namespace gslb
