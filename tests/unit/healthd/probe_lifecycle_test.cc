// The lifecycle every probe type shares (healthd/probes.h): a probe destroyed mid-attempt never
// calls `done`; an io_context destroyed with an attempt pending (before the probe, as in a
// shutdown) leaves nothing dangling; and a silent target ends at the deadline with one call.
// Targets here need no servicing: a listener that never accepts (the kernel completes TCP
// handshakes, then nothing answers), a UDP socket nobody reads, a listener with a full accept
// queue (SYNs dropped), and loopback ICMP. They live on their own io_context, never run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "healthd/probes/probe.h"
#include "tests/unit/healthd/probe_testing.h"

namespace gslb {
namespace {

using testing::loopback_spec;
using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using boost::asio::ip::udp;

class ProbeLifecycle : public ::testing::TestWithParam<std::string> {
 protected:
  ProbeLifecycle()
      : listener_(targets_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        full_(targets_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        silent_udp_(targets_, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    // Backlog 0 holds one connection (Linux: full when queued > backlog); fill it with a
    // blocking connect, which the kernel completes. Later SYNs are dropped.
    full_.listen(0);
    fillers_.emplace_back(targets_);
    fillers_.back().connect(full_.local_endpoint());
  }

  // A spec whose attempt stays pending until its deadline (icmp: until the loop runs).
  ProbeSpec pending_spec(std::chrono::milliseconds timeout) const {
    const std::string& type = GetParam();
    uint16_t port = 0;
    if (type == "tcp") port = full_.local_endpoint().port();
    if (type == "http" || type == "https") port = listener_.local_endpoint().port();
    if (type == "dns") port = silent_udp_.local_endpoint().port();
    auto spec = loopback_spec(type, port, timeout);
    spec.verify_tls = false;
    return spec;
  }

  boost::asio::io_context targets_;  // never run; destroyed last
  tcp::acceptor listener_, full_;
  udp::socket silent_udp_;
  std::vector<tcp::socket> fillers_;
};

TEST_P(ProbeLifecycle, DestroyedBeforeTheLoopRunsNeverCallsDone) {
  boost::asio::io_context io;
  auto probe = find_probe(GetParam())(io);
  int calls = 0;
  probe->run(pending_spec(100ms), [&](ProbeResult) { ++calls; });
  probe.reset();
  io.run_for(300ms);
  EXPECT_EQ(calls, 0);
}

TEST_P(ProbeLifecycle, DestroyedMidAttemptNeverCallsDone) {
  boost::asio::io_context io;
  auto probe = find_probe(GetParam())(io);
  int calls = 0;
  probe->run(pending_spec(200ms), [&](ProbeResult) { ++calls; });
  io.run_for(50ms);
  const bool finished_early = calls == 1;  // icmp answers at once
  probe.reset();
  io.restart();
  io.run_for(300ms);
  EXPECT_EQ(calls, finished_early ? 1 : 0);
}

TEST_P(ProbeLifecycle, LoopDestroyedBeforeTheProbeIsClean) {
  auto io = std::make_unique<boost::asio::io_context>();
  auto probe = find_probe(GetParam())(*io);
  int calls = 0;
  probe->run(pending_spec(500ms), [&](ProbeResult) { ++calls; });
  io->run_for(50ms);
  io.reset();
  probe.reset();
  EXPECT_LE(calls, 1);
}

TEST_P(ProbeLifecycle, SilentTargetEndsAtTheDeadlineWithOneCall) {
  boost::asio::io_context io;
  auto probe = find_probe(GetParam())(io);
  const auto run = testing::run_probe(io, *probe, pending_spec(200ms));
  EXPECT_EQ(run.calls, 1);
  if (GetParam() == "icmp") return;  // loopback always answers
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "timeout after 200 ms");
  EXPECT_GE(run.elapsed, 200ms);
  EXPECT_LT(run.elapsed, 300ms);
}

INSTANTIATE_TEST_SUITE_P(EveryType, ProbeLifecycle,
                         ::testing::Values("icmp", "tcp", "http", "https", "dns"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace gslb
