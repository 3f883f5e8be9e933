// FakeClock: a Clock (healthd/clock.h) whose time moves only in advance(). Timers fire, and
// deadlines of waits pass, in time order as advance() reaches them; after each instant it waits
// (settle) until the work that instant caused is done — every handler posted through the clock
// has run and the threads waiting on it have looked at their condition again — so a test sees
// exactly what a real clock would show at that time, without sleeping. Header-only, unit tests
// only. Thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "healthd/clock.h"

namespace gslb::testing {

class FakeClock : public Clock {
 public:
  // Starts far from the steady clock's epoch (nothing is "long ago") and at a plausible date.
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::hours(24 * 365)),
                     int64_t start_wall_ms = 1'800'000'000'000)
      : start_(start), now_(start), start_wall_ms_(start_wall_ms) {}

  TimePoint now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  int64_t wall_ms() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return start_wall_ms_ +
           std::chrono::duration_cast<std::chrono::milliseconds>(now_ - start_).count();
  }

  std::unique_ptr<Timer> make_timer(boost::asio::io_context& io) override {
    return std::make_unique<FakeTimer>(*this, io);
  }

  void post(boost::asio::io_context& io, std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    post_locked(io, std::move(fn));
  }

  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  TimePoint deadline, const std::function<bool()>& done) override {
    Waiter w;
    {
      std::lock_guard<std::mutex> l(mu_);
      waiters_.push_back(&w);
    }
    for (;;) {
      uint64_t generation = 0;
      TimePoint t;
      {
        std::lock_guard<std::mutex> l(mu_);
        generation = generation_;  // read before done(): a later change is seen by settle
        t = now_;
      }
      if (done() || t >= deadline) break;
      {
        std::lock_guard<std::mutex> l(mu_);
        w.idle = true;
        w.seen = generation;
        w.deadline = deadline;
      }
      settled_.notify_all();
      // Real time only bounds how soon a change nobody notified is noticed.
      cv.wait_for(lock, std::chrono::milliseconds(1));
      std::lock_guard<std::mutex> l(mu_);
      w.idle = false;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &w));
      ++generation_;
    }
    settled_.notify_all();
  }

  // Moves time on by `d`, stopping at each timer and wait deadline on the way. `waiting` is how
  // many threads must be found waiting on the clock with nothing to do for an instant to be
  // settled (0: do not wait for any, for a thread that may be blocked elsewhere).
  void advance(std::chrono::steady_clock::duration d, size_t waiting) {
    std::unique_lock<std::mutex> lock(mu_);
    const TimePoint target = now_ + d;
    for (;;) {
      if (!settle_locked(lock, waiting)) return;
      TimePoint next = target;
      for (const auto& [timer, pending] : timers_) next = std::min(next, pending.at);
      for (const Waiter* w : waiters_)
        if (w->idle && w->deadline > now_) next = std::min(next, w->deadline);
      now_ = std::max(now_, next);
      ++generation_;
      const bool fired = fire_due_locked();
      if (now_ >= target && !fired) break;
    }
  }

  // Waits (real time, at most `limit`) until the work already caused has been done.
  bool settle(size_t waiting, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return settle_locked(lock, waiting, limit);
  }

 private:
  struct Waiter {
    bool idle = false;  // in wait_until, its condition false as of generation `seen`
    uint64_t seen = 0;
    TimePoint deadline{};
  };
  struct PendingWait {
    TimePoint at{};
    uint64_t order = 0;
    boost::asio::io_context* io = nullptr;
    std::function<void()> handler;
  };

  class FakeTimer : public Timer {
   public:
    FakeTimer(FakeClock& clock, boost::asio::io_context& io) : clock_(clock), io_(io) {}
    ~FakeTimer() override {
      std::lock_guard<std::mutex> lock(clock_.mu_);
      clock_.timers_.erase(this);
    }
    void wait_until(TimePoint at, std::function<void()> handler) override {
      std::lock_guard<std::mutex> lock(clock_.mu_);
      clock_.timers_[this] = PendingWait{at, clock_.order_++, &io_, std::move(handler)};
      ++clock_.generation_;
    }

   private:
    FakeClock& clock_;
    boost::asio::io_context& io_;
  };

  // Counts a posted handler as pending on its io_context until it has run or been dropped.
  struct Pending {
    Pending(FakeClock& c, boost::asio::io_context& i) : clock(c), io(&i) {}
    ~Pending() {
      {
        std::lock_guard<std::mutex> lock(clock.mu_);
        if (--clock.pending_[io] == 0) clock.pending_.erase(io);
        ++clock.generation_;
      }
      clock.settled_.notify_all();
    }
    FakeClock& clock;
    boost::asio::io_context* io;
  };

  void post_locked(boost::asio::io_context& io, std::function<void()> fn) {
    ++pending_[&io];
    ++generation_;
    auto pending = std::make_shared<Pending>(*this, io);
    boost::asio::post(io, [fn = std::move(fn), pending] { fn(); });
  }

  // Posts the handlers of the timers due now, in time order; whether there were any.
  bool fire_due_locked() {
    std::vector<PendingWait> due;
    for (auto it = timers_.begin(); it != timers_.end();) {
      if (it->second.at <= now_) {
        due.push_back(std::move(it->second));
        it = timers_.erase(it);
      } else {
        ++it;
      }
    }
    std::sort(due.begin(), due.end(), [](const PendingWait& a, const PendingWait& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });
    for (PendingWait& p : due) post_locked(*p.io, std::move(p.handler));
    return !due.empty();
  }

  bool quiet_locked(size_t waiting) const {
    for (const auto& [io, count] : pending_)
      if (count > 0 && !io->stopped()) return false;
    if (waiting == 0) return true;
    size_t idle = 0;
    for (const Waiter* w : waiters_) idle += w->idle && w->seen == generation_;
    return idle == waiters_.size() && idle >= waiting;
  }

  bool settle_locked(std::unique_lock<std::mutex>& lock, size_t waiting,
                     std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const bool ok = settled_.wait_for(lock, limit, [&] { return quiet_locked(waiting); });
    EXPECT_TRUE(ok) << "FakeClock: the threads did not settle";
    return ok;
  }

  mutable std::mutex mu_;
  std::condition_variable settled_;
  const TimePoint start_;
  TimePoint now_;
  const int64_t start_wall_ms_;
  uint64_t generation_ = 0;  // moves with every change a waiter may have to look at
  uint64_t order_ = 0;
  std::map<const FakeTimer*, PendingWait> timers_;
  std::map<boost::asio::io_context*, size_t> pending_;
  std::vector<Waiter*> waiters_;
};

}  // namespace gslb::testing
