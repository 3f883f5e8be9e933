#include "healthd/probes/probe_attempt.h"

#include <algorithm>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

namespace gslb {

Attempt::Attempt(boost::asio::io_context& io, const ProbeSpec& spec,
                 std::function<void(ProbeResult)> done)
    : io_(io),
      spec_(spec),
      done_(std::move(done)),
      deadline_(io),
      start_(std::chrono::steady_clock::now()) {}

void Attempt::arm_deadline() {
  deadline_.expires_at(start_ + spec_.timeout);
  deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled at the verdict
    self->fail(timeout_detail(self->spec_.timeout));
  });
}

void Attempt::succeed(std::optional<double> load) {
  ProbeResult r;
  r.ok = true;
  r.load = load;
  finish(std::move(r));
}

void Attempt::fail(std::string detail) {
  ProbeResult r;
  r.ok = false;
  r.detail = std::move(detail);
  finish(std::move(r));
}

void Attempt::finish(ProbeResult result) {
  if (finished_) return;
  finished_ = true;
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start_);
  result.rtt_us =
      static_cast<uint32_t>(std::clamp<int64_t>(elapsed.count(), 0, int64_t{UINT32_MAX}));
  deadline_.cancel();
  stop();
  boost::asio::post(io_, [self = shared_from_this(), result = std::move(result)]() mutable {
    if (!self->done_) return;  // abandoned in the meantime
    auto done = std::move(self->done_);
    self->done_ = nullptr;
    done(std::move(result));
  });
}

void Attempt::abandon() {
  done_ = nullptr;
  if (finished_) return;
  finished_ = true;
  deadline_.cancel();
  stop();
}

namespace {

class FailedAttempt final : public Attempt {
 public:
  using Attempt::Attempt;

 private:
  void stop() override {}
};

}  // namespace

std::shared_ptr<Attempt> fail_at_once(boost::asio::io_context& io, const ProbeSpec& spec,
                                      std::function<void(ProbeResult)> done, std::string detail) {
  auto attempt = std::make_shared<FailedAttempt>(io, spec, std::move(done));
  attempt->fail(std::move(detail));
  return attempt;
}

AttemptSlot::~AttemptSlot() {
  if (auto attempt = current_.lock()) attempt->abandon();
}

std::string timeout_detail(std::chrono::milliseconds timeout) {
  return "timeout after " + std::to_string(timeout.count()) + " ms";
}

std::string describe_error(const boost::system::error_code& ec) {
  namespace error = boost::asio::error;
  if (ec == error::connection_refused) return "connection refused";
  if (ec == error::connection_reset) return "connection reset";
  if (ec == error::connection_aborted) return "connection aborted";
  if (ec == error::eof) return "connection closed by peer";
  if (ec == error::broken_pipe) return "connection closed by peer (broken pipe)";
  if (ec == error::network_unreachable) return "network unreachable";
  if (ec == error::host_unreachable) return "host unreachable";
  if (ec == error::timed_out) return "connection timed out";
  if (ec == error::access_denied) return "permission denied";
  if (ec == error::address_family_not_supported) return "address family not supported";
  return ec.message();
}

}  // namespace gslb
