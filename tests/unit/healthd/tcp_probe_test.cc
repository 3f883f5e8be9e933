// The tcp probe against live targets on 127.0.0.1: a listener, a closed port, and a listener
// whose accept queue is full (the kernel drops further SYNs, so the connect hangs). Also the
// lifecycle every probe shares (probe_attempt.h): re-runs, and destruction mid-attempt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "healthd/probes/probe.h"
#include "tests/unit/healthd/probe_testing.h"

namespace gslb {
namespace {

using testing::closed_tcp_port;
using ::testing::HasSubstr;
using testing::loopback_spec;
using testing::run_probe;
using namespace std::chrono_literals;
using boost::asio::ip::tcp;

std::unique_ptr<Probe> make(boost::asio::io_context& io) {
  return find_probe("tcp")(io);
}

// A listener on 127.0.0.1 with backlog 0 that never accepts, its queue filled by `clients`.
struct FullListener {
  explicit FullListener(boost::asio::io_context& io)
      : acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
                 /*reuse_address=*/true) {
    acceptor.listen(0);
    for (int i = 0; i < 4; ++i) {
      clients.emplace_back(io);
      clients.back().async_connect(acceptor.local_endpoint(), [](boost::system::error_code) {});
    }
    io.restart();
    io.run_for(100ms);
  }
  tcp::acceptor acceptor;
  std::vector<tcp::socket> clients;
};

TEST(TcpProbe, ListeningPortIsOk) {
  boost::asio::io_context io;
  tcp::acceptor listener(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto probe = make(io);
  const auto run = run_probe(io, *probe, loopback_spec("tcp", listener.local_endpoint().port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_GT(run.result.rtt_us, 0u);
  EXPECT_LT(run.result.rtt_us, 1'000'000u);
}

TEST(TcpProbe, ClosedPortFailsAsRefused) {
  boost::asio::io_context io;
  auto probe = make(io);
  const auto run = run_probe(io, *probe, loopback_spec("tcp", closed_tcp_port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "connection refused");
  EXPECT_LT(run.elapsed, 500ms);
}

TEST(TcpProbe, UnansweredSynTimesOutAtTheDeadline) {
  boost::asio::io_context io;
  FullListener full(io);
  auto probe = make(io);
  const auto run =
      run_probe(io, *probe, loopback_spec("tcp", full.acceptor.local_endpoint().port(), 300ms));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "timeout after 300 ms");
  EXPECT_GE(run.elapsed, 300ms);
  EXPECT_LT(run.elapsed, 400ms);
}

TEST(TcpProbe, MissingPortFailsWithoutThrowing) {
  boost::asio::io_context io;
  auto probe = make(io);
  const auto run = run_probe(io, *probe, loopback_spec("tcp", 0));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, HasSubstr("needs a port"));
}

TEST(TcpProbe, RunsAgainAfterEachVerdict) {
  boost::asio::io_context io;
  tcp::acceptor listener(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto probe = make(io);
  for (int i = 0; i < 3; ++i) {
    const auto run = run_probe(io, *probe, loopback_spec("tcp", listener.local_endpoint().port()));
    EXPECT_EQ(run.calls, 1);
    EXPECT_TRUE(run.result.ok) << run.result.detail;
  }
  const auto refused = run_probe(io, *probe, loopback_spec("tcp", closed_tcp_port()));
  EXPECT_FALSE(refused.result.ok);
}

TEST(TcpProbe, DestroyedMidAttemptNeverCallsDone) {
  boost::asio::io_context io;
  FullListener full(io);
  auto probe = make(io);
  int calls = 0;
  probe->run(loopback_spec("tcp", full.acceptor.local_endpoint().port(), 200ms),
             [&](ProbeResult) { ++calls; });
  io.restart();
  io.run_for(50ms);
  probe.reset();
  io.restart();
  io.run_for(300ms);
  EXPECT_EQ(calls, 0);
}

TEST(TcpProbe, DoneMayDestroyTheProbe) {
  boost::asio::io_context io;
  tcp::acceptor listener(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto probe = make(io);
  int calls = 0;
  probe->run(loopback_spec("tcp", listener.local_endpoint().port()), [&](ProbeResult r) {
    ++calls;
    EXPECT_TRUE(r.ok);
    probe.reset();
  });
  io.run_for(1s);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(probe, nullptr);
}

}  // namespace
}  // namespace gslb
