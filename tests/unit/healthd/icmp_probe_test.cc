// The icmp probe: echo to the loopback addresses (which always answer), and an address the
// kernel refuses to send to (the limited broadcast), which must fail cleanly. Needs a
// datagram ICMP socket (net.ipv4.ping_group_range) or CAP_NET_RAW, as healthd does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "healthd/probes/probe.h"
#include "tests/unit/healthd/probe_testing.h"

namespace gslb {
namespace {

using testing::have_ipv6_loopback;
using testing::run_probe;
using ::testing::StartsWith;
using namespace std::chrono_literals;

ProbeSpec icmp_spec(const char* address, std::chrono::milliseconds timeout = 1000ms) {
  ProbeSpec spec;
  spec.type = "icmp";
  spec.address = boost::asio::ip::make_address(address);
  spec.timeout = timeout;
  return spec;
}

TEST(IcmpProbe, LoopbackV4Answers) {
  boost::asio::io_context io;
  auto probe = find_probe("icmp")(io);
  const auto run = run_probe(io, *probe, icmp_spec("127.0.0.1"));
  EXPECT_EQ(run.calls, 1);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_GT(run.result.rtt_us, 0u);
  EXPECT_LT(run.elapsed, 500ms);
}

TEST(IcmpProbe, LoopbackV6Answers) {
  ASSERT_TRUE(have_ipv6_loopback()) << "::1 is not configured on this host";
  boost::asio::io_context io;
  auto probe = find_probe("icmp")(io);
  const auto run = run_probe(io, *probe, icmp_spec("::1"));
  EXPECT_EQ(run.calls, 1);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
}

TEST(IcmpProbe, RepeatedRunsAndConcurrentProbesEachMatchTheirOwnReply) {
  boost::asio::io_context io;
  auto a = find_probe("icmp")(io);
  auto b = find_probe("icmp")(io);
  int ok = 0, calls = 0;
  for (int round = 0; round < 3; ++round) {
    for (Probe* p : {a.get(), b.get()}) {
      p->run(icmp_spec("127.0.0.1"), [&](ProbeResult r) {
        ++calls;
        ok += r.ok ? 1 : 0;
      });
    }
    io.restart();
    io.run_for(1200ms);
  }
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(ok, 6);
}

TEST(IcmpProbe, AddressTheKernelWillNotSendToFailsCleanly) {
  // The limited broadcast without SO_BROADCAST: sendto fails with EACCES on the host itself, so
  // the test puts no packet on any wire.
  boost::asio::io_context io;
  auto probe = find_probe("icmp")(io);
  const auto run = run_probe(io, *probe, icmp_spec("255.255.255.255", 300ms));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  // EACCES here; ENETUNREACH in a network namespace without routes.
  EXPECT_THAT(run.result.detail, StartsWith("send failed: "));
  EXPECT_LT(run.elapsed, 300ms);
}

}  // namespace
}  // namespace gslb
