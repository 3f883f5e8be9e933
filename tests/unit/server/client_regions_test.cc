// Client regions on the DNS side: the ClientRegions table (longest-prefix match, ECS scope),
// services_from_rows folding RTT per region (freshness, agents of other regions), and the rtt
// policy answering an ECS client by its region end to end through the QueryEngine.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "server/query_engine.h"
#include "tests/unit/testing/ldns_response.h"
#include "tests/unit/testing/packet_builder.h"
#include "tests/unit/testing/zone_builder.h"
#include "zones/dns/subnet.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {
namespace {

using testing::LdnsResponse;
using testing::make_query;
using testing::QuerySpec;

constexpr int64_t kNow = 1'800'000'000'000;

// ---- ClientRegions ----

struct Address {
  uint8_t family = 0;
  uint8_t bytes[16] = {};
};
Address addr(const char* text) {
  Address a;
  if (inet_pton(AF_INET, text, a.bytes) == 1)
    a.family = 4;
  else if (inet_pton(AF_INET6, text, a.bytes) == 1)
    a.family = 6;
  else
    ADD_FAILURE() << "bad address " << text;
  return a;
}

// A table built from "region subnet/len" pairs.
ClientRegions table(std::initializer_list<std::pair<const char*, const char*>> subnets) {
  ClientRegions t;
  for (const auto& [region, subnet] : subnets) {
    auto s = parse_subnet(subnet);
    if (!s) {
      ADD_FAILURE() << s.error();
      continue;
    }
    t.add_subnet(t.add_region(region), s->family, s->address, s->prefix);
  }
  return t;
}

// "region/scope" of a lookup ("-/scope" for no region).
std::string match(const ClientRegions& t, const char* address, int prefix = -1) {
  Address a = addr(address);
  const uint8_t p = prefix >= 0 ? static_cast<uint8_t>(prefix) : (a.family == 4 ? 32 : 128);
  ClientRegions::Match m = t.lookup(a.family, a.bytes, p);
  return (m.region < 0 ? std::string("-") : t.names()[static_cast<size_t>(m.region)]) + "/" +
         std::to_string(m.scope);
}

TEST(ClientRegions, LongestIpv4PrefixWins) {
  ClientRegions t = table({{"eu", "198.51.0.0/16"},
                           {"paris", "198.51.100.0/24"},
                           {"world", "0.0.0.0/0"},
                           {"lyon", "198.51.100.128/25"}});
  EXPECT_EQ(match(t, "198.51.100.7"), "paris/25");   // paris, but lyon is one bit away
  EXPECT_EQ(match(t, "198.51.100.200"), "lyon/25");  // the longest
  EXPECT_EQ(match(t, "198.51.7.1"), "eu/18");        // eu: 198.51.0.0/18 holds nothing longer
  EXPECT_EQ(match(t, "203.0.113.9"), "world/5");     // 200.0.0.0/5 holds no other subnet
  EXPECT_EQ(match(t, "10.1.2.3"), "world/1");        // nor does 0.0.0.0/1
  EXPECT_EQ(t.names(), (std::vector<std::string>{"eu", "paris", "world", "lyon"}));
}

TEST(ClientRegions, AnUnmappedClientHasNoRegionAndTheScopeOfItsUniformBlock) {
  ClientRegions t = table({{"eu", "198.51.100.0/24"}, {"us", "203.0.113.0/24"}});
  EXPECT_EQ(match(t, "198.51.100.1"), "eu/24");
  EXPECT_EQ(match(t, "203.0.113.254"), "us/24");
  EXPECT_EQ(match(t, "10.0.0.1"), "-/1");       // 0.0.0.0/1 holds no subnet
  EXPECT_EQ(match(t, "198.51.101.1"), "-/24");  // 198.51.101.0/24: the neighbour of eu's
  EXPECT_EQ(match(t, "2001:db8::1"), "-/0");    // no IPv6 subnet at all
}

TEST(ClientRegions, LongestIpv6PrefixWins) {
  ClientRegions t = table({{"eu", "2001:db8::/32"},
                           {"paris", "2001:db8:1::/48"},
                           {"v4", "198.51.100.0/24"},
                           {"host", "2001:db8:1::53/128"}});
  EXPECT_EQ(match(t, "2001:db8:1::53"), "host/128");
  EXPECT_EQ(match(t, "2001:db8:1::54"), "paris/126");  // 0x54 leaves 0x53's path at bit 126
  EXPECT_EQ(match(t, "2001:db8:1:ffff::1"), "paris/49");
  EXPECT_EQ(match(t, "2001:db8:2::1"), "eu/47");
  EXPECT_EQ(match(t, "2001:db9::1"), "-/32");
  EXPECT_EQ(match(t, "198.51.100.1"), "v4/24");       // the families do not mix
  EXPECT_EQ(match(t, "::ffff:198.51.100.1"), "-/3");  // ::/3 holds no IPv6 subnet
}

TEST(ClientRegions, OnlyTheClientsKnownBitsAreMatched) {
  ClientRegions t =
      table({{"eu", "198.51.0.0/16"}, {"paris", "198.51.100.0/24"}, {"v6", "2001:db8:1::/48"}});
  // An ECS /16: paris is longer than what the client told us.
  EXPECT_EQ(match(t, "198.51.0.0", 16), "eu/16");
  EXPECT_EQ(match(t, "198.51.100.0", 20), "eu/20");
  EXPECT_EQ(match(t, "198.51.100.0", 24), "paris/24");
  EXPECT_EQ(match(t, "2001:db8:1::", 56), "v6/48");
  EXPECT_EQ(match(t, "2001:db8::", 32), "-/32");
  EXPECT_EQ(match(t, "2001:db8::", 0), "-/0");
  // An unknown family never matches.
  uint8_t zero[16] = {};
  EXPECT_EQ(t.lookup(0, zero, 0).region, -1);
}

TEST(ClientRegions, EmptyTableAndSameNameTwice) {
  ClientRegions empty;
  EXPECT_EQ(match(empty, "192.0.2.1"), "-/0");
  ClientRegions t = table({{"eu", "192.0.2.0/24"}, {"eu", "2001:db8::/32"}});
  EXPECT_EQ(t.names().size(), 1u);
  EXPECT_EQ(t.find("eu"), 0);
  EXPECT_EQ(t.find("us"), -1);
  EXPECT_EQ(match(t, "2001:db8::1"), "eu/32");
}

// ---- services_from_rows ----

class RegionRows : public ::testing::Test {
 protected:
  RegionRows() {
    ServiceRow s;
    s.id = 1;
    s.zone_id = 1;
    s.name = "app.example.test.";
    s.policy = "rtt";
    s.check_id = 7;
    config.services.push_back(s);
    s.id = 2;
    s.name = "www.example.test.";
    s.policy = "weighted";
    config.services.push_back(s);
    CheckRow c;
    c.id = 7;
    c.name = "web";
    c.type = "http";
    c.interval_ms = 200;  // stale after 600 ms
    c.timeout_ms = 100;
    config.checks.push_back(c);
    config.client_subnets = {{1, "eu-west", "198.51.100.0/24"},
                             {2, "us-east", "203.0.113.0/24"},
                             {3, "eu-west", "2001:db8:1::/48"}};
    health.agents = {{"eu1", "eu-west", kNow},
                     {"eu2", "eu-west", kNow},
                     {"us1", "us-east", kNow},
                     {"ap1", "ap-south", kNow},
                     {"plain", "", kNow}};
  }

  MemberRow& add_member(int64_t service, std::string name, std::string address) {
    MemberRow m;
    m.id = static_cast<int64_t>(config.members.size()) + 1;
    m.service_id = service;
    m.name = std::move(name);
    m.address = std::move(address);
    config.members.push_back(m);
    return config.members.back();
  }
  void observe(int64_t member, std::string agent, std::optional<uint32_t> rtt_us, bool up = true,
               int64_t age_ms = 0) {
    ObservationRow o;
    o.agent_id = std::move(agent);
    o.member_id = member;
    o.up = up;
    o.rtt_us = rtt_us;
    o.checked_at_ms = kNow - age_ms;
    health.observations.push_back(o);
  }
  ServiceTable build() {
    auto t = services_from_rows(config, health, kNow);
    EXPECT_TRUE(t.ok()) << t.error();
    return t.ok() ? std::move(*t) : ServiceTable{};
  }
  // A member's RTT from `region` as folded ("-" when unmeasured).
  static std::string region_rtt(const Service& s, const Member& m, const char* region) {
    const int32_t i = s.regions->find(region);
    if (i < 0) return "no such region";
    const Member::RegionRtt& r = m.region_rtt.at(static_cast<size_t>(i));
    return r.measured ? std::to_string(r.us) : "-";
  }

  ConfigRows config;
  HealthRows health;
};

TEST_F(RegionRows, ServicesShareOneTableAndOnlyRttNeedsIt) {
  add_member(1, "a", "192.0.2.1");
  add_member(2, "b", "192.0.2.2");
  ServiceTable t = build();
  ASSERT_EQ(t.size(), 2u);
  ASSERT_NE(t[0].regions, nullptr);
  EXPECT_EQ(t[0].regions, t[1].regions);
  EXPECT_TRUE(t[0].needs_region);
  EXPECT_FALSE(t[1].needs_region);
  EXPECT_EQ(t[0].regions->names(), (std::vector<std::string>{"eu-west", "us-east"}));
  EXPECT_EQ(t[0].members[0].region_rtt.size(), 2u);
  EXPECT_EQ(match(*t[0].regions, "2001:db8:1::9"), "eu-west/48");
}

TEST_F(RegionRows, WithoutSubnetsThereIsNoTableAndNoRegionRtt) {
  config.client_subnets.clear();
  add_member(1, "a", "192.0.2.1");
  observe(1, "eu1", 5000);
  ServiceTable t = build();
  EXPECT_EQ(t[0].regions, nullptr);
  EXPECT_FALSE(t[0].needs_region);
  EXPECT_TRUE(t[0].members[0].region_rtt.empty());
  EXPECT_TRUE(t[0].members[0].has_rtt);
  EXPECT_EQ(t[0].members[0].rtt_us, 5000u);
}

TEST_F(RegionRows, EachRegionGetsTheBestFreshUpRttOfItsOwnAgents) {
  add_member(1, "a", "192.0.2.1");
  observe(1, "eu1", 9000);
  observe(1, "eu2", 7000);  // the better eu agent
  observe(1, "us1", 40000);
  observe(1, "ap1", 1000);    // a region no client subnet names: overall only
  observe(1, "plain", 2000);  // an agent without a region: overall only
  observe(1, "ghost", 1500);  // no agents row at all: overall only
  ServiceTable t = build();
  const Member& m = t[0].members[0];
  EXPECT_EQ(region_rtt(t[0], m, "eu-west"), "7000");
  EXPECT_EQ(region_rtt(t[0], m, "us-east"), "40000");
  EXPECT_TRUE(m.has_rtt);
  EXPECT_EQ(m.rtt_us, 1000u);  // overall: the best of every fresh agent, as before
}

TEST_F(RegionRows, StaleDownAndUnmeasuredObservationsDoNotCount) {
  add_member(1, "a", "192.0.2.1");
  add_member(1, "b", "192.0.2.2");
  add_member(1, "c", "192.0.2.3");
  observe(1, "eu1", 3000, true, 601);  // stale (3 intervals of 200 ms)
  observe(1, "eu2", 8000, true, 600);  // fresh, just
  observe(1, "us1", 1000, false);      // down: its RTT does not count
  observe(2, "eu1", std::nullopt);     // up without an RTT
  observe(2, "us1", 4000, true, 60000);
  ServiceTable t = build();
  const Member& a = t[0].members[0];
  EXPECT_EQ(region_rtt(t[0], a, "eu-west"), "8000");
  EXPECT_EQ(region_rtt(t[0], a, "us-east"), "-");
  EXPECT_EQ(a.rtt_us, 8000u);
  const Member& b = t[0].members[1];
  EXPECT_EQ(region_rtt(t[0], b, "eu-west"), "-");
  EXPECT_EQ(region_rtt(t[0], b, "us-east"), "-");
  EXPECT_FALSE(b.has_rtt);
  const Member& c = t[0].members[2];  // never observed
  EXPECT_EQ(region_rtt(t[0], c, "eu-west"), "-");
}

TEST_F(RegionRows, WithoutACheckEveryObservationIsFresh) {
  config.services[0].check_id.reset();
  add_member(1, "a", "192.0.2.1");
  observe(1, "us1", 3000, true, 3'600'000);
  ServiceTable t = build();
  EXPECT_EQ(region_rtt(t[0], t[0].members[0], "us-east"), "3000");
}

TEST_F(RegionRows, ABadSubnetRowIsAnErrorNamingTheRow) {
  for (const char* bad : {"198.51.100.1/24", "198.51.100.0", "198.51.100.0/33", "nope/8",
                          "2001:db8::/200", "198.51.100.0/"}) {
    config.client_subnets[1].subnet = bad;
    auto t = services_from_rows(config, health, kNow);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.error().find("client_subnets row 2: \"" + std::string(bad) + "\""),
              std::string::npos)
        << t.error();
  }
}

// ---- the rtt policy by region, end to end ----

// Two regions, an agent in each; paris is fast from eu and slow from us, boston the reverse,
// and tokyo is the fastest overall (from an agent in a region no subnet names).
class RttByRegion : public RegionRows {
 protected:
  RttByRegion() {
    config.services.resize(1);
    config.services[0].policy_options = {{"rtt_tolerance_pct", int64_t{0}},
                                         {"rtt_tolerance_us", int64_t{0}}};
    add_member(1, "paris", "192.0.2.1");
    add_member(1, "boston", "192.0.2.2");
    add_member(1, "tokyo", "192.0.2.3");
    add_member(1, "paris6", "2001:db8::1");
    observe(1, "eu1", 5000);
    observe(1, "us1", 80000);
    observe(2, "eu1", 90000);
    observe(2, "us1", 6000);
    observe(3, "ap1", 3000);
    observe(3, "eu1", 150000);
    observe(3, "us1", 120000);
  }

  std::shared_ptr<const Snapshot> snapshot() {
    auto zone =
        testing::zone("example.test.",
                      {
                          "example.test. 300 IN SOA ns1.example.test. h.example.test. 1 2 3 4 60",
                          "example.test. 300 IN NS ns1.example.test.",
                      });
    auto snap = build_snapshot({zone}, build());
    EXPECT_TRUE(snap.ok()) << snap.error();
    return snap.ok() ? *snap : nullptr;
  }

  // The address answered and the ECS scope echoed ("-" without ECS in the response).
  std::pair<std::string, std::string> ask(const Snapshot& snap, std::string ecs,
                                          const sockaddr_storage* peer = nullptr) {
    QuerySpec q;
    q.qname = "app.example.test.";
    q.edns = true;
    q.options = ecs;
    auto wire = make_query(q);
    out.assign(1232, 0);
    size_t n = engine.answer(snap, Transport::kUdp, wire.data(), wire.size(), out.data(),
                             out.size(), peer);
    out.resize(n);
    LdnsResponse r(out);
    std::string address;
    for (const std::string& rr : r.answer()) address += rr.substr(rr.rfind(' ') + 1);
    std::string scope = "-";
    for (const auto& [code, data] : r.edns_options())
      if (code == 8 && data.size() >= 4) scope = std::to_string(static_cast<uint8_t>(data[3]));
    return {address, scope};
  }

  EngineConfig engine_config;
  QueryEngine engine{engine_config, 42};
  std::vector<uint8_t> out;
};

using Picked = std::pair<std::string, std::string>;

TEST_F(RttByRegion, AnEcsClientGetsTheMemberFastestFromItsRegion) {
  auto snap = snapshot();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(ask(*snap, testing::ecs_option(1, 24, 0, {198, 51, 100})),
              Picked("192.0.2.1", "24"));  // eu-west: paris
    EXPECT_EQ(ask(*snap, testing::ecs_option(1, 24, 0, {203, 0, 113})),
              Picked("192.0.2.2", "24"));  // us-east: boston
    // A client in no region: the overall fastest (tokyo), for the whole uniform block.
    EXPECT_EQ(ask(*snap, testing::ecs_option(1, 24, 0, {10, 1, 2})), Picked("192.0.2.3", "1"));
  }
}

TEST_F(RttByRegion, ARegionWithoutAMeasurementFallsBackToTheOverallRtt) {
  // eu1 stops measuring paris: from eu, paris ranks by its overall RTT (5000 -> 80000 us1),
  // boston and tokyo by eu1's (90000, 150000): paris still wins.
  health.observations.erase(health.observations.begin());
  auto snap = snapshot();
  EXPECT_EQ(ask(*snap, testing::ecs_option(1, 24, 0, {198, 51, 100})).first, "192.0.2.1");
  // Nobody in eu measures anything: overall RTTs decide, as for an unmapped client.
  health.observations.clear();
  observe(1, "us1", 80000);
  observe(2, "us1", 6000);
  observe(3, "ap1", 3000);
  auto snap2 = snapshot();
  EXPECT_EQ(ask(*snap2, testing::ecs_option(1, 24, 0, {198, 51, 100})).first, "192.0.2.3");
  // From us, boston ranks by us1's 6000, tokyo (unmeasured from us) by its overall 3000.
  EXPECT_EQ(ask(*snap2, testing::ecs_option(1, 24, 0, {203, 0, 113})).first, "192.0.2.3");
  observe(3, "us1", 7000);
  auto snap3 = snapshot();
  EXPECT_EQ(ask(*snap3, testing::ecs_option(1, 24, 0, {203, 0, 113})).first, "192.0.2.2");
}

TEST_F(RttByRegion, WithoutEcsTheSourceAddressDecides) {
  auto snap = snapshot();
  sockaddr_storage peer{};
  auto* in = reinterpret_cast<sockaddr_in*>(&peer);
  in->sin_family = AF_INET;
  inet_pton(AF_INET, "203.0.113.77", &in->sin_addr);
  EXPECT_EQ(ask(*snap, "", &peer), Picked("192.0.2.2", "-"));
  inet_pton(AF_INET, "198.51.100.77", &in->sin_addr);
  EXPECT_EQ(ask(*snap, "", &peer), Picked("192.0.2.1", "-"));
  inet_pton(AF_INET, "127.0.0.1", &in->sin_addr);
  EXPECT_EQ(ask(*snap, "", &peer), Picked("192.0.2.3", "-"));
  EXPECT_EQ(ask(*snap, ""), Picked("192.0.2.3", "-"));  // no client at all
}

TEST_F(RttByRegion, AnIpv6EcsClientIsMatchedByItsIpv6Subnet) {
  auto snap = snapshot();
  EXPECT_EQ(ask(*snap, testing::ecs_option(2, 56, 0, {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0})),
            Picked("192.0.2.1", "48"));
}

TEST_F(RttByRegion, OtherPoliciesIgnoreRegionsAndKeepScopeZero) {
  config.services[0].policy = "weighted";
  auto snap = snapshot();
  EXPECT_FALSE(snap->services()[0].needs_region);
  std::set<std::string> seen;
  for (int i = 0; i < 60; ++i) {
    auto [address, scope] = ask(*snap, testing::ecs_option(1, 24, 0, {198, 51, 100}));
    seen.insert(address);
    EXPECT_EQ(scope, "0");
  }
  EXPECT_EQ(seen.size(), 3u);
}

TEST_F(RttByRegion, PersistenceAndRegionScopeTakeTheLonger) {
  config.services[0].persistence = true;
  config.services[0].persist_v4 = 16;
  auto snap = snapshot();
  EXPECT_EQ(ask(*snap, testing::ecs_option(1, 24, 0, {198, 51, 100})), Picked("192.0.2.1", "24"));
  config.services[0].persist_v4 = 28;
  snap = snapshot();
  EXPECT_EQ(ask(*snap, testing::ecs_option(1, 32, 0, {198, 51, 100, 9})),
            Picked("192.0.2.1", "28"));
}

}  // namespace
}  // namespace gslb
