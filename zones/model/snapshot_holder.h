// SnapshotHolder: where the current Snapshot is published and where readers find it.
// publish() may be called from any thread. Readers keep their own shared_ptr and call refresh()
// once per batch: it costs one relaxed atomic load while nothing changed, and takes the mutex
// only right after a publish, so the steady-state hot path takes no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "zones/model/snapshot.h"

namespace gslb {

class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const Snapshot> initial) : current_(std::move(initial)) {}

  void publish(std::shared_ptr<const Snapshot> next) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }

  std::shared_ptr<const Snapshot> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // A reader's view; one per thread.
  class Reader {
   public:
    explicit Reader(const SnapshotHolder& h) : holder_(h) { reload(); }
    // Returns the current snapshot, picking up a newly published one if there is one.
    const Snapshot& refresh() {
      if (holder_.generation() != seen_) reload();
      return *snap_;
    }

   private:
    void reload() {
      seen_ = holder_.generation();
      snap_ = holder_.get();
    }
    const SnapshotHolder& holder_;
    std::shared_ptr<const Snapshot> snap_;
    uint64_t seen_ = 0;
  };

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;  // guarded by mu_
  std::atomic<uint64_t> generation_{1};
};

}  // namespace gslb
