// Clock: the time the health role runs by, and every wait on it. now() is monotonic (the steady
// clock's epoch), wall_ms() is Unix time (what observations record). system_clock() is real
// time; tests pass a FakeClock (tests/unit/testing/fake_clock.h) that moves only when told, so
// schedules, ticks and polls run in fake time and the tests never sleep for them. Work one
// thread hands to an io thread goes through post() too, so a fake clock knows when all that is
// due has run. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace gslb {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // One pending wait at a time on one io_context. Not thread-safe: the io thread's.
  class Timer {
   public:
    virtual ~Timer() = default;  // cancels
    // Runs `handler` on the io thread once the clock reaches `at`. A new wait replaces the
    // pending one, whose handler then never runs.
    virtual void wait_until(TimePoint at, std::function<void()> handler) = 0;
  };

  virtual ~Clock() = default;

  virtual TimePoint now() const = 0;
  virtual int64_t wall_ms() const = 0;

  virtual std::unique_ptr<Timer> make_timer(boost::asio::io_context& io) = 0;
  // Runs `fn` on `io`'s thread, as boost::asio::post does.
  virtual void post(boost::asio::io_context& io, std::function<void()> fn) = 0;
  // As cv.wait_until(lock, deadline, done) in this clock's time. REQUIRES: `lock` is held;
  // `cv` is notified whenever what `done` reads changes.
  virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          TimePoint deadline, const std::function<bool()>& done) = 0;
};

// Real time (std::chrono::steady_clock and system_clock, Asio timers). Stateless.
Clock& system_clock();

}  // namespace gslb
