// The dns probe (c-ares driven by Asio) against a tiny UDP responder on 127.0.0.1
// (probe_testing.h DnsTarget): rcode and answer verdicts, the query we send, a silent server and
// a closed port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "healthd/probes/probe.h"
#include "tests/unit/healthd/probe_testing.h"
#include "zones/dns/dns_constants.h"

namespace gslb {
namespace {

using testing::DnsTarget;
using ::testing::HasSubstr;
using testing::loopback_spec;
using testing::run_probe;
using namespace std::chrono_literals;

constexpr auto kNoError = static_cast<uint8_t>(Rcode::kNoError),
               kServFail = static_cast<uint8_t>(Rcode::kServFail),
               kNxDomain = static_cast<uint8_t>(Rcode::kNxDomain);

testing::ProbeRun probe_dns(boost::asio::io_context& io, const ProbeSpec& spec) {
  auto probe = find_probe("dns")(io);
  return run_probe(io, *probe, spec);
}

ProbeSpec a_query(uint16_t port, std::chrono::milliseconds timeout = 1000ms) {
  auto spec = loopback_spec("dns", port, timeout);
  spec.dns_qname = "www.example.test";
  spec.dns_qtype = "A";
  return spec;
}

// A free UDP port on 127.0.0.1 (bound, then released): queries to it draw ICMP unreachable.
uint16_t closed_udp_port() {
  boost::asio::io_context io;
  boost::asio::ip::udp::socket s(
      io, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return s.local_endpoint().port();
}

TEST(DnsProbe, NoErrorWithAnAnswerIsOk) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {"192.0.2.1"});
  auto spec = a_query(target.port());
  spec.dns_expect_answer = "192.0.2.1";
  const auto run = probe_dns(io, spec);
  EXPECT_EQ(run.calls, 1);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_GT(run.result.rtt_us, 0u);
}

TEST(DnsProbe, SendsTheQuestionWithoutRecursionByDefault) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {"192.0.2.1"});
  ASSERT_TRUE(probe_dns(io, a_query(target.port())).result.ok);
  const auto& q = target.last_query();
  ASSERT_GE(q.size(), 12u + 18u + 4u);
  EXPECT_EQ(q[2] & 0x01, 0) << "RD must be clear";
  const std::vector<uint8_t> question = {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm', 'p', 'l',
                                         'e', 4,   't', 'e', 's', 't', 0,   0,   1,   0,   1};
  EXPECT_EQ(std::vector<uint8_t>(q.begin() + 12, q.begin() + 12 + question.size()), question);

  auto spec = a_query(target.port());
  spec.dns_recurse = true;
  ASSERT_TRUE(probe_dns(io, spec).result.ok);
  EXPECT_EQ(target.last_query()[2] & 0x01, 1) << "RD must be set";
}

TEST(DnsProbe, AbsoluteQnameIsTheSameQuestion) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {"192.0.2.1"});
  auto spec = a_query(target.port());
  ASSERT_TRUE(probe_dns(io, spec).result.ok);
  const auto relative = target.last_query();
  spec.dns_qname = "www.example.test.";
  ASSERT_TRUE(probe_dns(io, spec).result.ok);
  const auto absolute = target.last_query();
  ASSERT_EQ(relative.size(), absolute.size());
  EXPECT_TRUE(std::equal(relative.begin() + 12, relative.end(), absolute.begin() + 12));
}

TEST(DnsProbe, AsksOverIpv6) {
  ASSERT_TRUE(testing::have_ipv6_loopback()) << "::1 is not configured on this host";
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {"192.0.2.1"}, /*silent=*/false, "::1");
  auto spec = a_query(target.port());
  spec.address = boost::asio::ip::make_address("::1");
  spec.dns_expect_answer = "192.0.2.1";
  const auto run = probe_dns(io, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_EQ(target.queries(), 1);
}

TEST(DnsProbe, DefaultsAskRootSoa) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {});
  auto spec = loopback_spec("dns", target.port());
  ASSERT_TRUE(probe_dns(io, spec).result.ok);
  const auto& q = target.last_query();
  ASSERT_GE(q.size(), 17u);
  EXPECT_EQ(q[12], 0);  // root name
  EXPECT_EQ(q[14], 6);  // SOA
}

TEST(DnsProbe, ServFailFailsWithDetail) {
  boost::asio::io_context io;
  DnsTarget target(io, kServFail, {});
  const auto run = probe_dns(io, a_query(target.port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "rcode SERVFAIL (expected NOERROR)");
  EXPECT_LT(run.elapsed, 500ms);
}

TEST(DnsProbe, ExpectedNxDomainIsOk) {
  boost::asio::io_context io;
  DnsTarget target(io, kNxDomain, {});
  auto spec = a_query(target.port());
  spec.dns_expect_rcode = "NXDOMAIN";
  EXPECT_TRUE(probe_dns(io, spec).result.ok);
  DnsTarget healthy(io, kNoError, {"192.0.2.1"});
  spec.port = healthy.port();
  EXPECT_EQ(probe_dns(io, spec).result.detail, "rcode NOERROR (expected NXDOMAIN)");
}

TEST(DnsProbe, AnswerWithoutTheExpectedAddressFails) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {"192.0.2.1", "192.0.2.2"});
  auto spec = a_query(target.port());
  spec.dns_expect_answer = "192.0.2.2";
  EXPECT_TRUE(probe_dns(io, spec).result.ok);
  spec.dns_expect_answer = "192.0.2.3";
  const auto run = probe_dns(io, spec);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "answer does not contain \"192.0.2.3\"");
}

TEST(DnsProbe, EmptyAnswerFailsWhenAnAnswerIsExpected) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {});
  auto spec = a_query(target.port());
  EXPECT_TRUE(probe_dns(io, spec).result.ok);  // NODATA is NOERROR
  spec.dns_expect_answer = "192.0.2.1";
  EXPECT_FALSE(probe_dns(io, spec).result.ok);
}

TEST(DnsProbe, SilentServerTimesOutAtTheDeadline) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {}, /*silent=*/true);
  const auto run = probe_dns(io, a_query(target.port(), 300ms));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "timeout after 300 ms");
  EXPECT_GE(run.elapsed, 300ms);
  EXPECT_LT(run.elapsed, 400ms);
  EXPECT_EQ(target.queries(), 1) << "one try only";
}

TEST(DnsProbe, ClosedPortFailsAsRefused) {
  boost::asio::io_context io;
  const auto run = probe_dns(io, a_query(closed_udp_port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "connection refused");
}

TEST(DnsProbe, RunsAgainAndSurvivesDestructionMidQuery) {
  boost::asio::io_context io;
  DnsTarget target(io, kNoError, {"192.0.2.1"});
  DnsTarget silent(io, kNoError, {}, /*silent=*/true);
  auto probe = find_probe("dns")(io);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(run_probe(io, *probe, a_query(target.port())).result.ok);
  int calls = 0;
  probe->run(a_query(silent.port(), 200ms), [&](ProbeResult) { ++calls; });
  io.restart();
  io.run_for(50ms);
  probe.reset();
  io.restart();
  io.run_for(300ms);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace gslb
