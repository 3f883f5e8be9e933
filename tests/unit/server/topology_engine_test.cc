// Topology steering end to end without sockets: rows with pools and rules (and MMDB fixtures
// written by tools/mmdb/write_mmdb.pl at test time) -> services_from_rows -> build_snapshot ->
// QueryEngine::answer, every response checked by ldns. The client is the ECS subnet of the query
// unless a test says otherwise, so one engine can stand for clients all over the world.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "server/query_engine.h"
#include "tests/unit/testing/ldns_response.h"
#include "tests/unit/testing/packet_builder.h"
#include "tests/unit/testing/socket_address.h"
#include "tests/unit/testing/store_testing.h"
#include "tests/unit/testing/zone_builder.h"
#include "zones/geo/geo_database.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {
namespace {

using testing::LdnsResponse;
using testing::make_query;
using testing::QuerySpec;

constexpr int64_t kNow = 1'800'000'000'000;
using Ip4 = std::array<uint8_t, 4>;

// One network of the place fixture (a city database) and what it says.
struct Place {
  const char* name;
  Ip4 network;
  uint8_t prefix;
  const char* country;
  const char* continent;
  const char* subdivision;  // the MMDB's subdivision code, without the country
  bool located;
  double latitude, longitude;
  Ip4 client() const { return {network[0], network[1], network[2], uint8_t(network[3] + 5)}; }
};
// Adjacent networks carry different data, so the writer cannot merge them into a wider one.
const Place kTokyo{"tokyo", {198, 51, 100, 0}, 24, "JP", "AS", "13", true, 35.69, 139.69};
const Place kSeoul{"seoul", {198, 18, 0, 0}, 20, "KR", "AS", "11", true, 37.57, 126.98};
const Place kFrankfurt{"frankfurt", {203, 0, 113, 0}, 24, "DE", "EU", "HE", true, 50.11, 8.68};
const Place kNewYork{"newyork", {192, 0, 2, 0}, 25, "US", "NA", "NY", true, 40.71, -74.01};
const Place kSanFrancisco{"sf", {192, 0, 2, 128}, 25, "US", "NA", "CA", true, 37.77, -122.42};
const Place kParis{"paris", {100, 64, 0, 0}, 16, "FR", "EU", "IDF", false, 0, 0};  // no location
const Place kPlaces[] = {kTokyo, kSeoul, kFrankfurt, kNewYork, kSanFrancisco, kParis};
// A client no network of either fixture holds.
constexpr Ip4 kNowhere{10, 99, 1, 5};

// The network fixture (an ASN database): prefixes unlike the place ones, so a test can tell which
// database's network an ECS scope came from.
struct AsnNet {
  Ip4 network;
  uint8_t prefix;
  uint32_t asn;
};
const AsnNet kTokyoAsn{{198, 51, 100, 0}, 26, 64500};        // holds kTokyo.client()
const AsnNet kFrankfurtLowAsn{{203, 0, 113, 0}, 25, 64501};  // holds kFrankfurt.client()
const AsnNet kFrankfurtHighAsn{{203, 0, 113, 128}, 25, 64502};
const AsnNet kAsns[] = {kTokyoAsn, kFrankfurtLowAsn, kFrankfurtHighAsn};

std::string dotted(const Ip4& a) {
  return std::to_string(a[0]) + "." + std::to_string(a[1]) + "." + std::to_string(a[2]) + "." +
         std::to_string(a[3]);
}

// Writes `lines` as JSON lines and runs the fixture writer on them; the open database, or null
// with the test failed.
std::shared_ptr<const GeoDatabase> write_mmdb(const testing::TempDir& dir, const std::string& type,
                                              const std::vector<std::string>& lines) {
  const std::string in = dir.file(type + ".jsonl"), out = dir.file(type + ".mmdb");
  {
    std::ofstream f(in);
    for (const std::string& l : lines) f << l << "\n";
  }
  const std::string cmd = "perl '" + std::string(GSLBD_SOURCE_DIR) +
                          "/tools/mmdb/write_mmdb.pl' --type " + type + " '" + out + "' < '" + in +
                          "' > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto db = GeoDatabase::open(out);
  EXPECT_TRUE(db.ok()) << db.error();
  return db.ok() ? *db : nullptr;
}

// The two databases, written once for the whole program (perl takes a moment).
struct GeoFixtures {
  testing::TempDir dir;
  std::shared_ptr<const GeoDatabase> place, network;
  GeoFixtures() {
    std::vector<std::string> city, asn;
    for (const Place& p : kPlaces) {
      std::string l = "{\"network\":\"" + dotted(p.network) + "/" + std::to_string(p.prefix) +
                      "\",\"country\":\"" + p.country + "\",\"continent\":\"" + p.continent +
                      "\",\"subdivision\":\"" + p.subdivision + "\"";
      if (p.located)
        l += ",\"latitude\":" + std::to_string(p.latitude) +
             ",\"longitude\":" + std::to_string(p.longitude);
      city.push_back(l + "}");
    }
    for (const AsnNet& a : kAsns)
      asn.push_back("{\"network\":\"" + dotted(a.network) + "/" + std::to_string(a.prefix) +
                    "\",\"asn\":" + std::to_string(a.asn) + "}");
    place = write_mmdb(dir, "city", city);
    network = write_mmdb(dir, "asn", asn);
  }
  static const GeoFixtures& get() {
    static const GeoFixtures* f = new GeoFixtures();  // leaked on purpose: outlives every test
    return *f;
  }
};

// Great-circle distance (km) the way a reader of the fixtures would work it out, to say which
// member is nearest without copying the engine's answer.
double km_between(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = 3.14159265358979323846 / 180;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0 * std::asin(std::sqrt(std::fmin(1.0, h)));
}

// RFC 7871 s6: an IPv4 ECS option with the address cut to the source prefix (host bits zero).
std::string ecs4(const Ip4& a, uint8_t source) {
  std::string d{0, 1, static_cast<char>(source), 0};
  const unsigned bytes = (source + 7u) / 8u;
  for (unsigned i = 0; i < bytes; ++i) {
    uint8_t b = a[i];
    if (i == bytes - 1 && source % 8 != 0) b &= static_cast<uint8_t>(0xFF << (8 - source % 8));
    d.push_back(static_cast<char>(b));
  }
  return testing::edns_option(opt_code::kEcs, d);
}

class TopologyEngine : public ::testing::Test {
 protected:
  TopologyEngine() {
    service.id = 1;
    service.zone_id = 1;
    service.name = "app.example.test.";
    service.policy = "weighted";
    service.ttl = 30;
    service.ttl_degraded = 5;
  }

  PoolRow& add_pool(std::string name, std::string policy = "weighted",
                    std::vector<std::string> fallback = {}) {
    PoolRow p;
    p.name = std::move(name);
    p.policy = std::move(policy);
    p.fallback = std::move(fallback);
    service.topology.pools.push_back(p);
    return service.topology.pools.back();
  }
  RuleRow& add_rule(std::string pool) {
    RuleRow r;
    r.pool = std::move(pool);
    service.topology.rules.push_back(r);
    return service.topology.rules.back();
  }
  MemberRow& add_member(std::string name, std::string address, std::string pool,
                        int64_t service_id = 1) {
    MemberRow m;
    m.id = static_cast<int64_t>(members.size()) + 1;
    m.service_id = service_id;
    m.name = std::move(name);
    m.address = address;
    m.pool = pool;
    members.push_back(m);
    pool_of_address[address] = pool;
    return members.back();
  }
  void down(int64_t member) {
    ObservationRow o;
    o.agent_id = "local";
    o.member_id = member;
    o.up = false;
    o.checked_at_ms = kNow;
    health.observations.push_back(o);
  }
  void add_region(std::string region, std::string subnet) {
    ClientSubnetRow r;
    r.id = static_cast<int64_t>(client_subnets.size()) + 1;
    r.region = std::move(region);
    r.subnet = std::move(subnet);
    client_subnets.push_back(r);
  }

  std::shared_ptr<const Snapshot> build(bool with_geo = true) {
    ConfigRows config;
    config.services = {service};
    for (const ServiceRow& s : other_services) config.services.push_back(s);
    config.members = members;
    config.client_subnets = client_subnets;
    GeoSources geo;
    if (with_geo) geo = {GeoFixtures::get().place, GeoFixtures::get().network};
    auto services = services_from_rows(config, health, kNow, geo);
    EXPECT_TRUE(services.ok()) << services.error();
    auto zone =
        testing::zone("example.test.",
                      {
                          "example.test. 300 IN SOA ns1.example.test. h.example.test. 1 2 3 4 60",
                          "example.test. 300 IN NS ns1.example.test.",
                          "ns1.example.test. 300 IN A 127.0.0.1",
                      });
    auto snap = build_snapshot({zone}, services.ok() ? std::move(*services) : ServiceTable{});
    EXPECT_TRUE(snap.ok()) << snap.error();
    return snap.ok() ? *snap : nullptr;
  }

  LdnsResponse send(const Snapshot& snap, const QuerySpec& spec,
                    const sockaddr_storage* peer = nullptr) {
    auto q = make_query(spec);
    out.assign(1232, 0);
    size_t n =
        engine.answer(snap, Transport::kUdp, q.data(), q.size(), out.data(), out.size(), peer);
    out.resize(n);
    return LdnsResponse(out);
  }
  // A query from the client subnet `client`/`source` (ECS).
  LdnsResponse ask(const Snapshot& snap, const Ip4& client, uint8_t source = 32,
                   uint16_t qtype = rrtype::A, const std::string& qname = "app.example.test.") {
    QuerySpec q;
    q.qname = qname;
    q.qtype = qtype;
    q.edns = true;
    q.options = ecs4(client, source);
    return send(snap, q);
  }

  static std::set<std::string> addresses(const LdnsResponse& r) {
    std::set<std::string> s;
    for (const std::string& rr : r.answer()) s.insert(rr.substr(rr.rfind(' ') + 1));
    return s;
  }
  // The pool of the single pool every answer address belongs to; "" for none, "mixed" for more.
  std::string pool_of(const LdnsResponse& r) {
    std::set<std::string> pools;
    for (const std::string& a : addresses(r)) pools.insert(pool_of_address[a]);
    if (pools.empty()) return "";
    return pools.size() == 1 ? *pools.begin() : "mixed";
  }
  // The ECS scope prefix of a response; -1 when it carries no ECS option.
  static int scope_of(const LdnsResponse& r) {
    for (const auto& [code, data] : r.edns_options())
      if (code == opt_code::kEcs && data.size() >= 4) return static_cast<uint8_t>(data[3]);
    return -1;
  }
  int pool_index(const std::string& name) const {
    for (size_t i = 0; i < service.topology.pools.size(); ++i)
      if (service.topology.pools[i].name == name) return static_cast<int>(i);
    return -1;
  }

  ServiceRow service;
  std::vector<ServiceRow> other_services;
  std::vector<MemberRow> members;
  std::vector<ClientSubnetRow> client_subnets;
  HealthRows health;
  std::map<std::string, std::string> pool_of_address;
  EngineConfig config;
  QueryEngine engine{config, 42};
  std::vector<uint8_t> out;
};

// Three pools of one member each: "a" 10.1.0.1, "b" 10.2.0.1, "c" 10.3.0.1.
class TopologyRules : public TopologyEngine {
 protected:
  TopologyRules() {
    for (const char* p : {"a", "b", "c"}) {
      add_pool(p);
      add_member(std::string(p) + "1", "10." + std::to_string(pool_index(p) + 1) + ".0.1", p);
    }
  }
};

// ---- rule order ----

TEST_F(TopologyRules, TheFirstMatchingRuleWins) {
  // Both rules match a Tokyo client; whichever comes first decides.
  add_rule("b").country = {kTokyo.country};
  add_rule("c").continent = {kTokyo.continent};
  auto snap = build();
  auto r = ask(*snap, kTokyo.client());
  EXPECT_EQ(r.rcode(), 0);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(engine.last_decision().rule, 0);
  EXPECT_EQ(engine.last_decision().pool, pool_index("b"));
  EXPECT_EQ(engine.last_decision().answered_pool, pool_index("b"));
  EXPECT_FALSE(engine.last_decision().split);

  std::swap(service.topology.rules[0], service.topology.rules[1]);
  snap = build();
  EXPECT_EQ(pool_of(ask(*snap, kTokyo.client())), "c");
  EXPECT_EQ(engine.last_decision().rule, 0);
  // Seoul shares only the continent: the continent rule catches it in either order.
  EXPECT_EQ(pool_of(ask(*snap, kSeoul.client())), "c");
}

TEST_F(TopologyRules, AClientNoRuleMatchesGetsTheFirstPool) {
  add_rule("b").country = {kTokyo.country};
  add_rule("c").continent = {kFrankfurt.continent};
  auto snap = build();
  for (const Ip4& client : {kNowhere, kNewYork.client(), kSeoul.client()}) {
    EXPECT_EQ(pool_of(ask(*snap, client)), "a") << dotted(client);
    EXPECT_EQ(engine.last_decision().rule, -1);
    EXPECT_EQ(engine.last_decision().pool, 0);
  }
}

TEST_F(TopologyRules, ADefaultRuleCatchesTheRest) {
  add_rule("b").country = {kTokyo.country};
  add_rule("c");  // no condition
  auto snap = build();
  EXPECT_EQ(pool_of(ask(*snap, kTokyo.client())), "b");
  for (const Ip4& client : {kNowhere, kFrankfurt.client(), kSeoul.client()}) {
    EXPECT_EQ(pool_of(ask(*snap, client)), "c") << dotted(client);
    EXPECT_EQ(engine.last_decision().rule, 1);
  }
}

// ---- conditions ----

TEST_F(TopologyRules, RegionRulesUseTheDocumentsClientSubnets) {
  add_region("lab", "172.16.0.0/12");
  add_region("office", "192.168.10.0/24");
  add_rule("b").region = {"lab"};
  add_rule("c").region = {"office", "lab"};  // reached only by office clients
  auto snap = build();
  EXPECT_EQ(pool_of(ask(*snap, {172, 20, 1, 1})), "b");
  EXPECT_EQ(pool_of(ask(*snap, {192, 168, 10, 7})), "c");
  EXPECT_EQ(engine.last_decision().rule, 1);
  EXPECT_EQ(pool_of(ask(*snap, {192, 168, 11, 7})), "a");
  EXPECT_EQ(engine.last_decision().rule, -1);
}

TEST_F(TopologyRules, CountryContinentSubdivisionAndAsnRules) {
  add_rule("b").subdivision = {std::string(kSanFrancisco.country) + "-" +
                               kSanFrancisco.subdivision};
  add_rule("c").asn = {kTokyoAsn.asn};
  add_rule("a").country = {kNewYork.country};
  add_rule("b").continent = {kSeoul.continent};
  add_rule("c").country = {kParis.country, kFrankfurt.country};
  auto snap = build();
  struct Case {
    Ip4 client;
    const char* pool;
    int rule;
  };
  const Case cases[] = {
      {kSanFrancisco.client(), "b", 0},  // the subdivision
      {kNewYork.client(), "a", 2},       // same country, other subdivision
      {kTokyo.client(), "c", 1},         // the AS, before the continent
      {kSeoul.client(), "b", 3},         // the continent
      {kFrankfurt.client(), "c", 4},     // one of two countries
      {kParis.client(), "c", 4},        {kNowhere, "a", -1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(pool_of(ask(*snap, c.client)), c.pool) << dotted(c.client);
    EXPECT_EQ(engine.last_decision().rule, c.rule) << dotted(c.client);
  }
}

TEST_F(TopologyRules, ConditionsOfARuleAreAnded) {
  RuleRow& r = add_rule("b");
  r.country = {kFrankfurt.country};
  r.asn = {kFrankfurtLowAsn.asn};
  add_region("lab", "203.0.113.0/24");
  RuleRow& both = add_rule("c");
  both.region = {"lab"};
  both.continent = {kTokyo.continent};  // Frankfurt's subnet is in the region, but not in Asia
  auto snap = build();
  EXPECT_EQ(pool_of(ask(*snap, kFrankfurt.client())), "b");  // DE and the low /25's AS
  const Ip4 high{203, 0, 113, 200};                          // DE, but the other AS
  EXPECT_EQ(pool_of(ask(*snap, high)), "a");
  EXPECT_EQ(engine.last_decision().rule, -1);
  EXPECT_EQ(pool_of(ask(*snap, kTokyo.client())), "a");  // Asia, but not in the region
}

TEST_F(TopologyRules, GeoRulesWithoutADatabaseNeverMatch) {
  add_rule("b").country = {kTokyo.country};
  add_rule("c").asn = {kTokyoAsn.asn};
  auto snap = build(/*with_geo=*/false);
  EXPECT_EQ(pool_of(ask(*snap, kTokyo.client())), "a");
  EXPECT_EQ(engine.last_decision().rule, -1);
}

// ---- split shares ----

TEST_F(TopologyRules, ASplitSendsItsShareOfSubnetsAndEachSubnetKeepsItsPool) {
  for (double percent : {10.0, 35.0, 50.0}) {
    service.topology.rules.clear();
    RuleRow& r = add_rule("a");
    r.split_pool = "b";
    r.split_percent = percent;
    auto snap = build();
    constexpr int kSubnets = 2000;
    int split = 0;
    for (int i = 0; i < kSubnets; ++i) {
      const Ip4 client{10, static_cast<uint8_t>(100 + i / 250), static_cast<uint8_t>(i % 250), 1};
      const std::string pool = pool_of(ask(*snap, client));
      ASSERT_TRUE(pool == "a" || pool == "b") << pool;
      EXPECT_EQ(engine.last_decision().split, pool == "b");
      EXPECT_EQ(engine.last_decision().pool, pool_index(pool));
      EXPECT_EQ(engine.last_decision().rule, 0);
      split += pool == "b";
      // Another host of the same /24 (the persistence prefix), asked again: the same pool.
      const Ip4 neighbour{client[0], client[1], client[2], 200};
      EXPECT_EQ(pool_of(ask(*snap, neighbour)), pool) << dotted(client);
    }
    const double share = 100.0 * split / kSubnets;
    EXPECT_NEAR(share, percent, 4.0) << split << " of " << kSubnets;
  }
}

TEST_F(TopologyRules, ASplitAppliesOnlyToTheClientsOfItsRule) {
  RuleRow& r = add_rule("b");
  r.country = {kTokyo.country};
  r.split_pool = "c";
  r.split_percent = 50;
  auto snap = build();
  for (int i = 0; i < 200; ++i) {
    const Ip4 other{10, 50, static_cast<uint8_t>(i), 1};
    EXPECT_EQ(pool_of(ask(*snap, other)), "a");
    EXPECT_FALSE(engine.last_decision().split);
  }
  // Tokyo is one /24: one share of the split, always the same.
  const std::string tokyo = pool_of(ask(*snap, kTokyo.client()));
  EXPECT_TRUE(tokyo == "b" || tokyo == "c") << tokyo;
  for (uint8_t host : {1, 77, 254}) EXPECT_EQ(pool_of(ask(*snap, {198, 51, 100, host})), tokyo);
}

// ---- pool fallback chains ----

class TopologyFallback : public TopologyEngine {
 protected:
  // Pool `name` with `count` IPv4 members 10.N.0.k (N = its position + 1); returns the first id.
  int64_t pool(const std::string& name, std::vector<std::string> fallback = {}, int count = 1) {
    add_pool(name, "weighted", std::move(fallback));
    const int n = pool_index(name) + 1;
    int64_t first = 0;
    for (int k = 1; k <= count; ++k) {
      auto& m = add_member(name + std::to_string(k),
                           "10." + std::to_string(n) + ".0." + std::to_string(k), name);
      if (k == 1) first = m.id;
    }
    return first;
  }
};

TEST_F(TopologyFallback, ADownPoolFallsBackToItsFirstFallbackWithAHealthyMember) {
  down(pool("a", {"b", "c"}));
  down(pool("b"));
  pool("c");
  pool("d");
  auto snap = build();
  auto r = ask(*snap, kNowhere);
  EXPECT_EQ(r.rcode(), 0);
  EXPECT_EQ(pool_of(r), "c");
  const Decision& d = engine.last_decision();
  EXPECT_EQ(d.pool, pool_index("a"));
  EXPECT_EQ(d.answered_pool, pool_index("c"));
  EXPECT_EQ(d.candidates, Decision::Candidates::kHealthy);
  // The answering pool has every member up: not degraded, the normal TTL.
  EXPECT_FALSE(d.degraded);
  EXPECT_EQ(d.ttl, service.ttl);
}

TEST_F(TopologyFallback, ChainsAreFollowedDepthFirst) {
  // a -> [b, c], b -> [d]: with a and b down, d (b's fallback) comes before c.
  down(pool("a", {"b", "c"}));
  down(pool("b", {"d"}));
  pool("c");
  pool("d");
  auto snap = build();
  EXPECT_EQ(pool_of(ask(*snap, kNowhere)), "d");
  EXPECT_EQ(engine.last_decision().answered_pool, pool_index("d"));
}

TEST_F(TopologyFallback, APoolInTwoChainsIsVisitedOnce) {
  // a -> [b, c], b -> [d], c -> [d, e]: d is down, so after b's branch comes c's, whose d is
  // skipped, and e answers.
  down(pool("a", {"b", "c"}));
  down(pool("b", {"d"}));
  down(pool("c", {"d", "e"}));
  down(pool("d"));
  pool("e");
  auto snap = build();
  EXPECT_EQ(pool_of(ask(*snap, kNowhere)), "e");
  EXPECT_EQ(engine.last_decision().answered_pool, pool_index("e"));
}

TEST_F(TopologyFallback, ACycleInHandWrittenRowsEnds) {
  // The document refuses cycles; rows written by hand may still hold one.
  down(pool("a", {"b"}));
  down(pool("b", {"a"}));
  auto snap = build();
  auto r = ask(*snap, kNowhere);
  EXPECT_EQ(r.rcode(), 0);
  EXPECT_EQ(pool_of(r), "a");  // fallback "all": the chosen pool's members
}

TEST_F(TopologyFallback, EverythingDownFailsOpenToTheChosenPoolsMembers) {
  // The rule sends the client to b; every pool is down.
  for (int64_t id : {pool("a"), pool("b", {"c"}, 2), pool("c")}) down(id);
  down(members[2].id);  // b's second member
  add_rule("b");
  auto snap = build();
  std::set<std::string> seen;
  for (int i = 0; i < 40; ++i) {
    auto r = ask(*snap, kNowhere);
    EXPECT_EQ(pool_of(r), "b");
    for (const std::string& a : addresses(r)) seen.insert(a);
    EXPECT_EQ(engine.last_decision().candidates, Decision::Candidates::kFallbackAll);
    EXPECT_EQ(engine.last_decision().answered_pool, pool_index("b"));
    EXPECT_TRUE(engine.last_decision().degraded);
    EXPECT_EQ(engine.last_decision().ttl, service.ttl_degraded);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"10.2.0.1", "10.2.0.2"}));
}

TEST_F(TopologyFallback, EverythingDownWithServfailIsServfail) {
  service.fallback = "servfail";
  down(pool("a", {"b"}));
  down(pool("b"));
  auto snap = build();
  EXPECT_EQ(ask(*snap, kNowhere).rcode(), 2);
  // One healthy pool along the chain is enough.
  health.observations.pop_back();
  snap = build();
  EXPECT_EQ(pool_of(ask(*snap, kNowhere)), "b");
}

TEST_F(TopologyFallback, AFamilyOnlySomePoolsHaveComesFromTheChain) {
  pool("a", {"b"});  // IPv4 only
  add_pool("b");     // IPv6 only
  add_member("b6", "2001:db8::b", "b");
  pool("c");  // IPv4 only, no fallback
  RuleRow& r = add_rule("c");
  r.country = {kTokyo.country};
  auto snap = build();
  auto v6 = ask(*snap, kNowhere, 32, rrtype::AAAA);
  EXPECT_EQ(v6.rcode(), 0);
  EXPECT_EQ(addresses(v6), std::set<std::string>{"2001:db8::b"});
  EXPECT_EQ(engine.last_decision().pool, pool_index("a"));
  EXPECT_EQ(engine.last_decision().answered_pool, pool_index("b"));
  EXPECT_EQ(pool_of(ask(*snap, kNowhere)), "a");  // A still from a
  // c's chain has no IPv6 at all, though the service has: NODATA with the zone's SOA.
  auto none = ask(*snap, kTokyo.client(), 32, rrtype::AAAA);
  EXPECT_EQ(none.rcode(), 0);
  EXPECT_EQ(none.ancount(), 0u);
  ASSERT_EQ(none.nscount(), 1u);
  EXPECT_NE(none.authority()[0].find("SOA"), std::string::npos);
}

TEST_F(TopologyFallback, AllDownInAFamilyOnlyAFallbackHasAnswersThatFallbacksMembers) {
  pool("a", {"b"});
  add_pool("b");
  down(add_member("b6", "2001:db8::b", "b").id);
  auto snap = build();
  auto r = ask(*snap, kNowhere, 32, rrtype::AAAA);
  EXPECT_EQ(addresses(r), std::set<std::string>{"2001:db8::b"});
  EXPECT_EQ(engine.last_decision().candidates, Decision::Candidates::kFallbackAll);
}

TEST_F(TopologyFallback, ALongChainKeepsDepthFirstOrder) {
  // 64 pools (the document's limit): p0 -> [p1 .. p63], p1 -> [p2 .. p63]. With p0 and p1 down
  // the next is p1's first fallback, p2, however many entries the walk has pending.
  constexpr int kPools = 64;
  for (int i = 0; i < kPools; ++i) {
    std::vector<std::string> fallback;
    if (i < 2)
      for (int k = i + 1; k < kPools; ++k) fallback.push_back("p" + std::to_string(k));
    add_pool("p" + std::to_string(i), "weighted", fallback);
    auto& m = add_member("m" + std::to_string(i), "10.5." + std::to_string(i) + ".1",
                         "p" + std::to_string(i));
    // Everything down but p2 and p62.
    if (i != 2 && i != 62) down(m.id);
  }
  auto snap = build();
  EXPECT_EQ(pool_of(ask(*snap, kNowhere)), "p2");
  EXPECT_EQ(engine.last_decision().answered_pool, pool_index("p2"));
}

TEST_F(TopologyFallback, RowsWithMorePoolsThanTheLimitAreRefused) {
  // Past 64 pools the fallback walk cannot track them; rows written by hand must not get there.
  for (int i = 0; i <= 64; ++i) {
    add_pool("p" + std::to_string(i));
    add_member("m" + std::to_string(i), "10.6." + std::to_string(i) + ".1",
               "p" + std::to_string(i));
  }
  ConfigRows config;
  config.services = {service};
  config.members = members;
  auto services = services_from_rows(config, health, kNow);
  ASSERT_FALSE(services.ok());
  EXPECT_NE(services.error().find("pools"), std::string::npos) << services.error();
}

// ---- ECS scope ----

class TopologyScope : public TopologyRules {};

TEST_F(TopologyScope, TheScopeIsTheMatchingNetworksPrefix) {
  add_rule("b").country = {kTokyo.country};
  auto snap = build();
  auto r = ask(*snap, kTokyo.client(), 32);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), kTokyo.prefix);
  // A client of no network: the scope of the empty block that holds it, never past the source.
  r = ask(*snap, kNowhere, 32);
  EXPECT_EQ(pool_of(r), "a");
  EXPECT_LE(scope_of(r), 32);
  EXPECT_GT(scope_of(r), 0);
}

TEST_F(TopologyScope, TheScopeIsTheLongestNetworkAnEvaluatedRuleRead) {
  add_rule("c").asn = {kFrankfurtLowAsn.asn};  // read for Tokyo (a /26 there), no match
  add_rule("b").country = {kTokyo.country};    // matches (a /24)
  add_rule("a").asn = {kTokyoAsn.asn};         // never reached for Tokyo
  auto snap = build();
  auto r = ask(*snap, kTokyo.client(), 32);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), std::max(kTokyoAsn.prefix, kTokyo.prefix));

  // Only the place rule evaluated: its network alone.
  service.topology.rules = {service.topology.rules[1], service.topology.rules[2]};
  snap = build();
  r = ask(*snap, kTokyo.client(), 32);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), kTokyo.prefix);
}

TEST_F(TopologyScope, TheScopeIsCappedAtTheSourcePrefix) {
  add_rule("b").asn = {kFrankfurtLowAsn.asn};
  add_rule("c").country = {kFrankfurt.country};
  auto snap = build();
  auto r = ask(*snap, kFrankfurt.client(), 32);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), kFrankfurtLowAsn.prefix);
  // A /24 source is looked up as its first address (in the /25 of that AS): the same pool, the
  // scope no longer than what the client said.
  r = ask(*snap, kFrankfurt.client(), 24);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), 24);
  // A /20 source lies above both networks: neither matches, and the scope stays at the source.
  r = ask(*snap, kFrankfurt.client(), 20);
  EXPECT_EQ(pool_of(r), "a");
  EXPECT_EQ(scope_of(r), 20);
}

TEST_F(TopologyScope, ARegionRuleScopesToTheRegionSubnet) {
  add_region("lab", "172.16.0.0/12");
  add_rule("b").region = {"lab"};
  auto snap = build();
  auto r = ask(*snap, {172, 20, 1, 1}, 24);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), 12);
}

TEST_F(TopologyScope, WithoutEcsTheScopeIsZero) {
  add_rule("b").country = {kTokyo.country};
  auto snap = build();
  // The source address decides, and the response carries no ECS option.
  const sockaddr_storage peer = testing::socket_address(dotted(kTokyo.client()).c_str());
  QuerySpec q;
  q.qname = "app.example.test.";
  q.edns = true;
  auto r = send(*snap, q, &peer);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), -1);
  EXPECT_EQ(engine.last_decision().ecs_scope, 0);
}

TEST_F(TopologyScope, PersistenceMakesTheScopeAtLeastItsPrefix) {
  service.persistence = true;
  service.persist_v4 = 24;
  add_region("lab", "172.16.0.0/12");
  add_rule("b").region = {"lab"};
  add_rule("c").asn = {kTokyoAsn.asn};
  auto snap = build();
  auto r = ask(*snap, {172, 20, 1, 1}, 32);
  EXPECT_EQ(pool_of(r), "b");
  EXPECT_EQ(scope_of(r), std::max<int>(12, service.persist_v4));
  // A network longer than the persistence prefix wins.
  r = ask(*snap, kTokyo.client(), 32);
  EXPECT_EQ(pool_of(r), "c");
  EXPECT_EQ(scope_of(r), std::max<int>(kTokyoAsn.prefix, service.persist_v4));
}

TEST_F(TopologyEngine, AFlatServiceKeepsItsScope) {
  add_member("x", "192.0.2.1", "");
  add_member("y", "192.0.2.2", "");
  auto snap = build();
  EXPECT_EQ(scope_of(ask(*snap, kTokyo.client(), 32)), 0);
  service.persistence = true;
  snap = build();
  EXPECT_EQ(scope_of(ask(*snap, kTokyo.client(), 32)), service.persist_v4);
  EXPECT_EQ(engine.last_decision().pool, -1);
  EXPECT_EQ(engine.last_decision().rule, -1);
}

// ---- the closest policy ----

struct Site {
  const char* name;
  const char* address;
  double latitude, longitude;
};
// Sites near (not at) the fixture's cities, so the distances are not all zero.
const Site kSites[] = {
    {"tokyo", "10.7.0.1", 35.62, 139.78},
    {"frankfurt", "10.7.0.2", 50.03, 8.57},
    {"newyork", "10.7.0.3", 40.64, -73.78},
};

class TopologyClosest : public TopologyEngine {
 protected:
  // One pool "sites" with the closest policy; `tolerance_km` < 0: the default.
  void sites(int64_t tolerance_km = -1, const std::vector<Site>& extra = {}) {
    PoolRow& p = add_pool("sites", "closest");
    if (tolerance_km >= 0) p.policy_options = {{"distance_tolerance_km", tolerance_km}};
    for (const Site& s : kSites) locate(add_member(s.name, s.address, "sites"), s);
    for (const Site& s : extra) locate(add_member(s.name, s.address, "sites"), s);
  }
  static void locate(MemberRow& m, const Site& s) {
    m.latitude = s.latitude;
    m.longitude = s.longitude;
  }
  // The site nearest `p` by the test's own arithmetic, among those not in `skip`.
  static std::string nearest(const Place& p, const std::set<std::string>& skip = {}) {
    std::string best;
    double best_km = 1e9;
    for (const Site& s : kSites) {
      if (skip.count(s.name)) continue;
      const double d = km_between(p.latitude, p.longitude, s.latitude, s.longitude);
      if (d < best_km) best_km = d, best = s.address;
    }
    return best;
  }
};

TEST_F(TopologyClosest, TheNearestMemberAnswers) {
  sites();
  auto snap = build();
  for (const Place& p : {kTokyo, kFrankfurt, kNewYork, kSeoul, kSanFrancisco}) {
    for (int i = 0; i < 10; ++i) {
      auto r = ask(*snap, p.client());
      EXPECT_EQ(addresses(r), std::set<std::string>{nearest(p)}) << p.name;
    }
  }
}

TEST_F(TopologyClosest, TheScopeIsTheLocationsNetwork) {
  sites();
  auto snap = build();
  EXPECT_EQ(scope_of(ask(*snap, kNewYork.client(), 32)), kNewYork.prefix);
  EXPECT_EQ(scope_of(ask(*snap, kSeoul.client(), 24)), kSeoul.prefix);
}

TEST_F(TopologyClosest, MembersWithinTheToleranceShare) {
  const Site yokohama{"yokohama", "10.7.0.4", 35.44, 139.64};
  const double tokyo_km =
      km_between(kTokyo.latitude, kTokyo.longitude, kSites[0].latitude, kSites[0].longitude);
  const double yokohama_km =
      km_between(kTokyo.latitude, kTokyo.longitude, yokohama.latitude, yokohama.longitude);
  ASSERT_LT(tokyo_km, yokohama_km);
  const auto gap = static_cast<int64_t>(yokohama_km - tokyo_km);
  // Within the tolerance both sites answer; with a tolerance below the gap only the nearer.
  sites(gap + 10, {yokohama});
  auto snap = build();
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i)
    for (const std::string& a : addresses(ask(*snap, kTokyo.client()))) seen.insert(a);
  EXPECT_EQ(seen, (std::set<std::string>{kSites[0].address, yokohama.address}));

  service.topology.pools.clear();
  members.clear();
  sites(std::max<int64_t>(gap - 5, 0), {yokohama});
  snap = build();
  seen.clear();
  for (int i = 0; i < 100; ++i)
    for (const std::string& a : addresses(ask(*snap, kTokyo.client()))) seen.insert(a);
  EXPECT_EQ(seen, std::set<std::string>{kSites[0].address});
}

TEST_F(TopologyClosest, AClientWithoutALocationGetsEveryCandidateByWeight) {
  sites();
  members[2].weight = 0;  // weight 0: never drawn while others have weight
  auto snap = build();
  for (const Ip4& client : {kParis.client(), kNowhere}) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i)
      for (const std::string& a : addresses(ask(*snap, client))) seen.insert(a);
    EXPECT_EQ(seen, (std::set<std::string>{kSites[0].address, kSites[1].address}))
        << dotted(client);
  }
}

TEST_F(TopologyClosest, ADownNearestMemberGivesTheNextNearest) {
  sites();
  down(members[0].id);  // tokyo
  auto snap = build();
  const std::string next = nearest(kTokyo, {"tokyo"});
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(addresses(ask(*snap, kTokyo.client())), std::set<std::string>{next});
}

TEST_F(TopologyClosest, TwoAnswersAreTheTwoNearest) {
  service.answers = 2;
  sites(0);
  auto snap = build();
  const std::string first = nearest(kFrankfurt);
  std::string first_name;
  for (const Site& s : kSites)
    if (first == s.address) first_name = s.name;
  const std::set<std::string> two{first, nearest(kFrankfurt, {first_name})};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(addresses(ask(*snap, kFrankfurt.client())), two);
}

// The closest policy on a service without pools reads the same place database.
TEST_F(TopologyClosest, AFlatServiceWithTheClosestPolicyUsesTheLocation) {
  service.policy = "closest";
  for (const Site& s : kSites) locate(add_member(s.name, s.address, ""), s);
  auto snap = build();
  for (const Place& p : {kTokyo, kFrankfurt, kNewYork})
    for (int i = 0; i < 10; ++i)
      EXPECT_EQ(addresses(ask(*snap, p.client())), std::set<std::string>{nearest(p)}) << p.name;
}

// ---- per-worker state ----

TEST_F(TopologyEngine, PoolViewsHaveTheirOwnStateSlots) {
  // Service 1: a flat round-robin service of two members, first in the table. Service 2: two
  // round-robin pools of three members each.
  ServiceRow flat = service;
  flat.name = "flat.example.test.";
  flat.policy = "round-robin";
  other_services.push_back(service);
  other_services.back().id = 2;
  service = flat;  // the flat one first in the table
  add_member("f1", "10.9.0.1", "");
  add_member("f2", "10.9.0.2", "");
  ServiceRow& pooled = other_services.back();
  for (const char* p : {"a", "b"}) {
    PoolRow row;
    row.name = p;
    row.policy = "round-robin";
    pooled.topology.pools.push_back(row);
  }
  RuleRow to_b;
  to_b.pool = "b";
  to_b.country = {kTokyo.country};
  pooled.topology.rules.push_back(to_b);
  for (int k = 1; k <= 3; ++k) {
    add_member("a" + std::to_string(k), "10.1.0." + std::to_string(k), "a", 2);
    add_member("b" + std::to_string(k), "10.2.0." + std::to_string(k), "b", 2);
  }
  auto snap = build();
  const ServiceTable& table = snap->services();
  ASSERT_EQ(table.size(), 2u);
  std::set<uint32_t> slots{table[0].index, table[1].index};
  for (const Pool& p : table[1].pools) {
    EXPECT_GE(p.view.index, table.size());
    slots.insert(p.view.index);
  }
  EXPECT_EQ(slots.size(), 4u);  // every service and pool view its own

  // Interleaved queries: each rotation still steps through its own members evenly, as it would
  // alone (equal weights: every window of n answers holds each of n members once).
  std::vector<std::string> seq_a, seq_b, seq_flat;
  for (int i = 0; i < 30; ++i) {
    seq_a.push_back(*addresses(ask(*snap, kNowhere, 32, rrtype::A, "app.example.test.")).begin());
    if (i % 2 == 0)
      seq_b.push_back(
          *addresses(ask(*snap, kTokyo.client(), 32, rrtype::A, "app.example.test.")).begin());
    seq_flat.push_back(
        *addresses(ask(*snap, kNowhere, 32, rrtype::A, "flat.example.test.")).begin());
  }
  auto even = [](const std::vector<std::string>& seq, size_t n) {
    for (size_t i = 0; i + n <= seq.size(); ++i) {
      std::set<std::string> window(seq.begin() + i, seq.begin() + i + n);
      if (window.size() != n) return false;
    }
    return true;
  };
  EXPECT_TRUE(even(seq_a, 3));
  EXPECT_TRUE(even(seq_b, 3));
  EXPECT_TRUE(even(seq_flat, 2));
  for (const std::string& a : seq_a) EXPECT_EQ(pool_of_address[a], "a");
  for (const std::string& b : seq_b) EXPECT_EQ(pool_of_address[b], "b");

  // A health-only swap keeps every slot where it was.
  auto swapped = with_services(*snap, ServiceTable(snap->services()));
  for (size_t p = 0; p < table[1].pools.size(); ++p)
    EXPECT_EQ(swapped->services()[1].pools[p].view.index, table[1].pools[p].view.index);
}

}  // namespace
}  // namespace gslb
