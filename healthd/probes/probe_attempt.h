// Attempt: one run() of a probe, the scaffolding every probe file shares. It is owned by
// shared_ptr and every pending handler holds a reference, so a handler that completes after the
// verdict (with operation_aborted, typically) still finds valid memory; the Probe only keeps a
// weak reference (AttemptSlot). It owns the deadline timer, measures the RTT from construction
// to the verdict, records the verdict once, then stops the subclass's operations and posts
// `done`. Thread-compatible: io thread only, like the probes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "healthd/probes/probe.h"

namespace gslb {

class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(boost::asio::io_context& io, const ProbeSpec& spec,
          std::function<void(ProbeResult)> done);
  virtual ~Attempt() = default;
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;

  // Starts the deadline: at spec.timeout the attempt fails with "timeout after N ms".
  // REQUIRES: owned by a shared_ptr; called once, before the first operation.
  void arm_deadline();

  // The verdict. The first call wins; later calls (late handlers) do nothing. Each stops the
  // subclass's operations (stop()) and posts `done`, so `done` never runs inside a library
  // callback or inside run().
  void succeed(std::optional<double> load = std::nullopt);
  void fail(std::string detail);
  bool finished() const { return finished_; }

  // The probe went away: `done` is never called; operations stop now.
  void abandon();

 protected:
  // Cancels or closes everything the attempt started. Called exactly once, at the verdict or on
  // abandon(); must not call `done` or throw.
  virtual void stop() = 0;

  boost::asio::io_context& io() { return io_; }
  const ProbeSpec& spec() const { return spec_; }

  template <class Derived>
  std::shared_ptr<Derived> self() {
    return std::static_pointer_cast<Derived>(shared_from_this());
  }

 private:
  void finish(ProbeResult result);

  boost::asio::io_context& io_;
  const ProbeSpec spec_;
  std::function<void(ProbeResult)> done_;
  boost::asio::steady_timer deadline_;
  const std::chrono::steady_clock::time_point start_;
  bool finished_ = false;
};

// An attempt that cannot start (bad spec, setup failure): fails with `detail` through the usual
// path (posted `done`, RTT, abandon on destruction). Hold it in the probe's AttemptSlot.
std::shared_ptr<Attempt> fail_at_once(boost::asio::io_context& io, const ProbeSpec& spec,
                                      std::function<void(ProbeResult)> done, std::string detail);

// A probe's handle on its running attempt. Destroying it (with the probe) abandons the attempt.
class AttemptSlot {
 public:
  AttemptSlot() = default;
  ~AttemptSlot();
  AttemptSlot(const AttemptSlot&) = delete;
  AttemptSlot& operator=(const AttemptSlot&) = delete;

  void hold(const std::shared_ptr<Attempt>& attempt) { current_ = attempt; }

 private:
  std::weak_ptr<Attempt> current_;
};

// A Probe whose attempts are objects of type A, made from (io, spec, done) and started at once;
// the slot cancels a running attempt when the probe is destroyed.
template <typename A>
class AttemptProbe final : public Probe {
 public:
  explicit AttemptProbe(boost::asio::io_context& io) : io_(io) {}
  void run(const ProbeSpec& spec, std::function<void(ProbeResult)> done) override {
    auto attempt = std::make_shared<A>(io_, spec, std::move(done));
    slot_.hold(attempt);
    attempt->start();
  }

 private:
  boost::asio::io_context& io_;
  AttemptSlot slot_;
};

// "timeout after N ms".
std::string timeout_detail(std::chrono::milliseconds timeout);

// A socket error as a probe detail: "connection refused", "connection reset",
// "connection closed by peer", "network unreachable", ..., else the system message.
std::string describe_error(const boost::system::error_code& ec);

// The port to probe: spec.port, or `default_port` when it is 0.
inline uint16_t port_or(const ProbeSpec& spec, uint16_t default_port) {
  return spec.port != 0 ? spec.port : default_port;
}

}  // namespace gslb
