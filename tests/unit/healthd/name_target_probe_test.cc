// The probe of a CNAME-target member: the name resolved (through a tiny DNS responder on
// 127.0.0.1, or /etc/hosts for localhost) at each attempt, then the check's own probe at the
// address; what each failure says; one deadline for both steps; the resolver option's forms.
#include "healthd/probes/name_target_probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/unit/healthd/probe_testing.h"
#include "zones/dns/dns_constants.h"

namespace gslb {
namespace {

using testing::DnsTarget;
using ::testing::HasSubstr;
using testing::HttpTarget;
using ::testing::Not;
using testing::run_probe;
using namespace std::chrono_literals;

constexpr auto kNoError = static_cast<uint8_t>(Rcode::kNoError),
               kNxDomain = static_cast<uint8_t>(Rcode::kNxDomain);
constexpr const char* kEdge = "127.0.0.9";  // where lb.cdn.test resolves to

ProbeSpec http_at_name(uint16_t port, std::string name = "lb.cdn.test.",
                       std::chrono::milliseconds timeout = 1000ms) {
  ProbeSpec spec;
  spec.type = "http";
  spec.target_name = std::move(name);
  spec.port = port;
  spec.timeout = timeout;
  return spec;
}

NameResolver resolver_at(uint16_t port) {
  NameResolver r;
  r.server = boost::asio::ip::make_address("127.0.0.1");
  r.port = port;
  return r;
}

testing::ProbeRun probe(boost::asio::io_context& io, const ProbeSpec& spec, NameResolver r) {
  auto p = make_name_target_probe(io, find_probe(spec.type)(io), r);
  return run_probe(io, *p, spec);
}

TEST(NameTargetProbe, ResolvesTheNameThenProbesItsAddressWithTheNameAsHost) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {kEdge});
  HttpTarget site(io, HttpTarget::Mode::kRespond, HttpTarget::response(200, "ok"), nullptr, kEdge);
  const auto run = probe(io, http_at_name(site.port()), resolver_at(dns.port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_GE(dns.queries(), 1);
  EXPECT_THAT(site.last_request(),
              HasSubstr("Host: lb.cdn.test:" + std::to_string(site.port()) + "\r\n"));
}

TEST(NameTargetProbe, TheCheckHostWinsOverTheName) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {kEdge});
  HttpTarget site(io, HttpTarget::Mode::kRespond, HttpTarget::response(200, "ok"), nullptr, kEdge);
  auto spec = http_at_name(site.port());
  spec.host = "app.example.test";
  ASSERT_TRUE(probe(io, spec, resolver_at(dns.port())).result.ok);
  EXPECT_THAT(site.last_request(), HasSubstr("Host: app.example.test:"));
  EXPECT_THAT(site.last_request(), Not(HasSubstr("lb.cdn.test")));
}

TEST(NameTargetProbe, EachAttemptResolvesAgain) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {kEdge});
  HttpTarget site(io, HttpTarget::Mode::kRespond, HttpTarget::response(200, "ok"), nullptr, kEdge);
  auto p = make_name_target_probe(io, find_probe("http")(io), resolver_at(dns.port()));
  ASSERT_TRUE(run_probe(io, *p, http_at_name(site.port())).result.ok);
  const int after_one = dns.queries();
  ASSERT_TRUE(run_probe(io, *p, http_at_name(site.port())).result.ok);
  EXPECT_GT(dns.queries(), after_one);
}

TEST(NameTargetProbe, ANameThatDoesNotExistFailsNamingIt) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNxDomain, {});
  const auto run = probe(io, http_at_name(80, "gone.cdn.test."), resolver_at(dns.port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, HasSubstr("gone.cdn.test. does not resolve"));
}

TEST(NameTargetProbe, ANameWithoutAddressesFails) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {});
  const auto run = probe(io, http_at_name(80), resolver_at(dns.port()));
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, HasSubstr("lb.cdn.test. does not resolve"));
}

TEST(NameTargetProbe, AFailedProbeNamesTheNameAndTheAddress) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {kEdge});
  // Nothing listens on kEdge at this port.
  const auto run = probe(io, http_at_name(testing::closed_tcp_port()), resolver_at(dns.port()));
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, HasSubstr("connection refused"));
  EXPECT_THAT(run.result.detail, HasSubstr("(lb.cdn.test. at 127.0.0.9)"));
}

TEST(NameTargetProbe, ASilentResolverEndsAtTheCheckTimeout) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {}, /*silent=*/true);
  const auto run = probe(io, http_at_name(80, "lb.cdn.test.", 300ms), resolver_at(dns.port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, HasSubstr("timeout after 300 ms"));
  EXPECT_LT(run.elapsed, 800ms);
}

TEST(NameTargetProbe, OneDeadlineCoversResolutionAndProbe) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {kEdge});
  HttpTarget site(io, HttpTarget::Mode::kHang, {}, nullptr, kEdge);
  const auto run =
      probe(io, http_at_name(site.port(), "lb.cdn.test.", 300ms), resolver_at(dns.port()));
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, HasSubstr("timeout"));
  EXPECT_LT(run.elapsed, 800ms);
}

// Without a resolver, /etc/hosts answers first: localhost is there on every system, so no
// query leaves the machine.
TEST(NameTargetProbe, WithoutAResolverTheHostsFileAnswers) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor listener(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  ProbeSpec spec;
  spec.type = "tcp";
  spec.target_name = "localhost.";
  spec.port = listener.local_endpoint().port();
  spec.timeout = 1000ms;
  const auto run = probe(io, spec, NameResolver{});
  EXPECT_TRUE(run.result.ok) << run.result.detail;
}

TEST(NameTargetProbe, DestroyedMidResolutionNeverCallsBack) {
  boost::asio::io_context io;
  DnsTarget dns(io, kNoError, {}, /*silent=*/true);
  int calls = 0;
  {
    auto p = make_name_target_probe(io, find_probe("http")(io), resolver_at(dns.port()));
    p->run(http_at_name(80, "lb.cdn.test.", 200ms), [&](ProbeResult) { ++calls; });
    io.run_for(50ms);
  }
  io.restart();
  io.run_for(400ms);
  EXPECT_EQ(calls, 0);
}

TEST(NameResolverText, AcceptsAddressesWithAndWithoutPorts) {
  auto a = parse_name_resolver("127.0.0.53");
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->server->to_string(), "127.0.0.53");
  EXPECT_EQ(a->port, 53);
  auto b = parse_name_resolver("127.0.0.1:5300");
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(b->port, 5300);
  auto c = parse_name_resolver("[::1]:5301");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->server->to_string(), "::1");
  EXPECT_EQ(c->port, 5301);
  auto d = parse_name_resolver("::1");
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->port, 53);
}

TEST(NameResolverText, RefusesNamesAndBadPorts) {
  for (const char* bad : {"", "dns.example.test", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000",
                          "127.0.0.1:53x", "[::1", "[::1]x", "[::1]:"}) {
    auto r = parse_name_resolver(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_THAT(r.error(), HasSubstr("expected ADDRESS, ADDRESS:PORT")) << bad;
    }
  }
}

}  // namespace
}  // namespace gslb
