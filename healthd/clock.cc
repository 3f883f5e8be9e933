#include "healthd/clock.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gslb {
namespace {

class AsioTimer : public Clock::Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
  void wait_until(Clock::TimePoint at, std::function<void()> handler) override {
    timer_.expires_at(at);  // cancels an earlier wait (its handler sees operation_aborted)
    timer_.async_wait([handler = std::move(handler)](const boost::system::error_code& ec) {
      if (!ec) handler();
    });
  }

 private:
  boost::asio::steady_timer timer_;
};

class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  int64_t wall_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::unique_ptr<Timer> make_timer(boost::asio::io_context& io) override {
    return std::make_unique<AsioTimer>(io);
  }
  void post(boost::asio::io_context& io, std::function<void()> fn) override {
    boost::asio::post(io, std::move(fn));
  }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                  TimePoint deadline, const std::function<bool()>& done) override {
    cv.wait_until(lock, deadline, done);
  }
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;  // no state: one is as good as many
  return clock;
}

}  // namespace gslb
