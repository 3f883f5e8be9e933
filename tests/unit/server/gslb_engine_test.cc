// The GSLB path end to end without sockets: database rows -> services_from_rows (health with
// quorum and staleness) -> build_snapshot -> QueryEngine::answer, every response checked by ldns.
#include <gtest/gtest.h>

#include <set>

#include "server/query_engine.h"
#include "tests/unit/testing/ldns_response.h"
#include "tests/unit/testing/packet_builder.h"
#include "tests/unit/testing/zone_builder.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {
namespace {

using testing::LdnsResponse;
using testing::make_query;
using testing::QuerySpec;

constexpr int64_t kNow = 1'800'000'000'000;

class GslbEngine : public ::testing::Test {
 protected:
  GslbEngine() {
    service.id = 1;
    service.zone_id = 1;
    service.name = "app.example.test.";
    service.policy = "weighted";
    service.ttl = 30;
    service.ttl_degraded = 5;
    check.id = 7;
    check.name = "web";
    check.type = "http";
    check.interval_ms = 200;
    check.timeout_ms = 100;
  }

  MemberRow& add_member(std::string name, std::string address, uint32_t priority = 1) {
    MemberRow m;
    m.id = static_cast<int64_t>(members.size()) + 1;
    m.service_id = 1;
    m.name = std::move(name);
    m.address = std::move(address);
    m.priority = priority;
    members.push_back(m);
    return members.back();
  }
  void observe(int64_t member, bool up, std::string agent = "local", int64_t age_ms = 0) {
    ObservationRow o;
    o.agent_id = std::move(agent);
    o.member_id = member;
    o.up = up;
    o.checked_at_ms = kNow - age_ms;
    health.observations.push_back(o);
  }

  std::shared_ptr<const Snapshot> build() {
    ConfigRows config;
    config.services = {service};
    config.members = members;
    config.checks = {check};
    auto services = services_from_rows(config, health, kNow);
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

  LdnsResponse ask(const Snapshot& snap, QuerySpec spec = {}) {
    if (spec.qname == "www.example.test.") spec.qname = "app.example.test.";
    auto q = make_query(spec);
    out.assign(1232, 0);
    size_t n = engine.answer(snap, Transport::kUdp, q.data(), q.size(), out.data(), out.size());
    out.resize(n);
    return LdnsResponse(out);
  }

  // The answer addresses (rdata text) of one response.
  std::set<std::string> addresses(const LdnsResponse& r) {
    std::set<std::string> s;
    for (const std::string& rr : r.answer()) s.insert(rr.substr(rr.rfind(' ') + 1));
    return s;
  }

  ServiceRow service;
  CheckRow check;
  std::vector<MemberRow> members;
  HealthRows health;
  EngineConfig config;
  QueryEngine engine{config, 42};
  std::vector<uint8_t> out;
};

TEST_F(GslbEngine, AnswersFromThePoolWithAaAndTheServiceTtl) {
  add_member("a", "192.0.2.1");
  auto snap = build();
  auto r = ask(*snap);
  EXPECT_TRUE(r.aa());
  EXPECT_EQ(r.rcode(), 0);
  ASSERT_EQ(r.answer().size(), 1u);
  EXPECT_NE(r.answer()[0].find(" 30 A "), std::string::npos) << r.answer()[0];
  EXPECT_EQ(addresses(r), std::set<std::string>{"192.0.2.1"});
}

TEST_F(GslbEngine, DownMemberIsNotAnsweredAndTheTtlDrops) {
  add_member("a", "192.0.2.1");
  add_member("b", "192.0.2.2");
  observe(1, false);
  auto snap = build();
  for (int i = 0; i < 50; ++i) {
    auto r = ask(*snap);
    EXPECT_EQ(addresses(r), std::set<std::string>{"192.0.2.2"});
    ASSERT_EQ(r.answer().size(), 1u);
    EXPECT_NE(r.answer()[0].find(" 5 A "), std::string::npos) << r.answer()[0];
  }
}

TEST_F(GslbEngine, AllDownFailsOpenByDefault) {
  add_member("a", "192.0.2.1");
  observe(1, false);
  auto snap = build();
  auto r = ask(*snap);
  EXPECT_EQ(addresses(r), std::set<std::string>{"192.0.2.1"});
}

TEST_F(GslbEngine, AllDownWithSorryFallbackAnswersTheSorryServer) {
  service.fallback = "sorry";
  add_member("a", "192.0.2.1");
  add_member("sorry", "192.0.2.99").sorry = true;
  observe(1, false);
  auto snap = build();
  EXPECT_EQ(addresses(ask(*snap)), std::set<std::string>{"192.0.2.99"});
}

TEST_F(GslbEngine, SorryServerIsNotAnsweredWhileAMemberIsUp) {
  service.fallback = "sorry";
  add_member("a", "192.0.2.1");
  add_member("sorry", "192.0.2.99").sorry = true;
  auto snap = build();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(addresses(ask(*snap)), std::set<std::string>{"192.0.2.1"});
}

TEST_F(GslbEngine, AllDownWithServfailFallbackIsServfail) {
  service.fallback = "servfail";
  add_member("a", "192.0.2.1");
  observe(1, false);
  auto snap = build();
  EXPECT_EQ(ask(*snap).rcode(), 2);
}

TEST_F(GslbEngine, FamilyWithoutMembersIsNodataWithSoa) {
  add_member("a", "192.0.2.1");
  auto snap = build();
  QuerySpec q;
  q.qtype = rrtype::AAAA;
  auto r = ask(*snap, q);
  EXPECT_EQ(r.rcode(), 0);
  EXPECT_EQ(r.ancount(), 0u);
  ASSERT_EQ(r.nscount(), 1u);
  EXPECT_NE(r.authority()[0].find("SOA"), std::string::npos);
}

TEST_F(GslbEngine, AaaaComesFromIpv6Members) {
  add_member("a", "192.0.2.1");
  add_member("b", "2001:db8::1");
  auto snap = build();
  QuerySpec q;
  q.qtype = rrtype::AAAA;
  EXPECT_EQ(addresses(ask(*snap, q)), std::set<std::string>{"2001:db8::1"});
}

TEST_F(GslbEngine, AnswersTwoReturnsTwoDistinctMembers) {
  service.answers = 2;
  add_member("a", "192.0.2.1");
  add_member("b", "192.0.2.2");
  add_member("c", "192.0.2.3");
  auto snap = build();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(addresses(ask(*snap)).size(), 2u);
}

TEST_F(GslbEngine, DrainedMemberIsNotAnswered) {
  add_member("a", "192.0.2.1").drained_at_ms = kNow;
  add_member("b", "192.0.2.2");
  auto snap = build();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(addresses(ask(*snap)), std::set<std::string>{"192.0.2.2"});
}

TEST_F(GslbEngine, PriorityFailsOverToTheSecondTier) {
  service.policy = "priority";
  add_member("primary", "192.0.2.1", 1);
  add_member("secondary", "192.0.2.2", 2);
  EXPECT_EQ(addresses(ask(*build())), std::set<std::string>{"192.0.2.1"});
  observe(1, false);
  EXPECT_EQ(addresses(ask(*build())), std::set<std::string>{"192.0.2.2"});
}

TEST_F(GslbEngine, QuorumOfTwoNeedsBothAgents) {
  service.quorum = 2;
  add_member("a", "192.0.2.1");
  add_member("b", "192.0.2.2");
  observe(1, true, "tokyo");
  observe(1, false, "paris");
  auto snap = build();
  EXPECT_FALSE(snap->services()[0].members[0].up);
  service.quorum = 1;
  EXPECT_TRUE(build()->services()[0].members[0].up);
}

TEST_F(GslbEngine, DefaultQuorumIsAMajorityOfFreshAgents) {
  add_member("a", "192.0.2.1");
  observe(1, true, "tokyo");
  observe(1, false, "paris");
  observe(1, false, "virginia");
  EXPECT_FALSE(build()->services()[0].members[0].up);
}

TEST_F(GslbEngine, StaleObservationStopsCountingAndAMemberKeepsItsLastState) {
  service.check_id = 7;  // interval 200 ms: stale after 600 ms
  add_member("a", "192.0.2.1");
  add_member("b", "192.0.2.2");
  observe(1, false, "silent", 5000);  // stale, but the only one: last state (down) kept
  observe(2, false, "silent", 5000);
  observe(2, true, "fresh", 0);  // the fresh agent decides alone
  auto snap = build();
  const auto& m = snap->services()[0].members;
  EXPECT_FALSE(m[0].up);
  EXPECT_TRUE(m[0].stale);
  EXPECT_TRUE(m[1].up);
  EXPECT_FALSE(m[1].stale);
}

TEST_F(GslbEngine, NeverObservedMemberCountsAsUp) {
  add_member("a", "192.0.2.1");
  EXPECT_TRUE(build()->services()[0].members[0].up);
}

TEST_F(GslbEngine, PersistentServiceAnswersEcsScopeOfItsPrefix) {
  service.persistence = true;
  add_member("a", "192.0.2.1");
  add_member("b", "192.0.2.2");
  add_member("c", "192.0.2.3");
  auto snap = build();
  QuerySpec q;
  q.edns = true;
  q.options = testing::ecs_option(1, 24, 0, {198, 51, 100});
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto r = ask(*snap, q);
    for (auto& a : addresses(r)) seen.insert(a);
    auto opts = r.edns_options();
    ASSERT_EQ(opts.size(), 1u);
    EXPECT_EQ(static_cast<uint8_t>(opts[0].second[3]), 24);  // scope prefix
  }
  EXPECT_EQ(seen.size(), 1u);  // the same subnet always lands on the same member
}

TEST_F(GslbEngine, NonPersistentServiceAnswersEcsScopeZero) {
  add_member("a", "192.0.2.1");
  auto snap = build();
  QuerySpec q;
  q.edns = true;
  q.options = testing::ecs_option(1, 24, 0, {198, 51, 100});
  auto opts = ask(*snap, q).edns_options();
  ASSERT_EQ(opts.size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(opts[0].second[3]), 0);
}

TEST_F(GslbEngine, HealthOnlySwapSharesTheZones) {
  add_member("a", "192.0.2.1");
  auto snap = build();
  ServiceTable next = snap->services();
  next[0].members[0].up = false;
  auto swapped = with_services(*snap, std::move(next));
  EXPECT_EQ(swapped->zone_set(), snap->zone_set());
  EXPECT_TRUE(swapped->services()[0].healthy[0].empty());
  EXPECT_EQ(swapped->services()[0].enabled[0].size(), 1u);
}

TEST(ServiceSnapshot, ServiceOutsideEveryZoneIsRejected) {
  Service s;
  s.name = *name_from_text("app.other.test.");
  auto zone = testing::zone(
      "example.test.", {
                           "example.test. 300 IN SOA ns1.example.test. h.example.test. 1 2 3 4 60",
                           "example.test. 300 IN NS ns1.example.test.",
                       });
  auto snap = build_snapshot({zone}, {s});
  ASSERT_FALSE(snap.ok());
  EXPECT_NE(snap.error().find("not inside any served zone"), std::string::npos) << snap.error();
}

TEST(ServiceSnapshot, ServiceAtACnameIsRejected) {
  Service s;
  s.name = *name_from_text("app.example.test.");
  auto zone = testing::zone(
      "example.test.", {
                           "example.test. 300 IN SOA ns1.example.test. h.example.test. 1 2 3 4 60",
                           "example.test. 300 IN NS ns1.example.test.",
                           "app.example.test. 300 IN CNAME www.example.test.",
                       });
  EXPECT_FALSE(build_snapshot({zone}, {s}).ok());
}

}  // namespace
}  // namespace gslb
