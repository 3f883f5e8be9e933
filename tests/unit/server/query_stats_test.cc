// QueryStats (the DNS counters behind /metrics) and QueryEngine::last_decision (behind
// /v1/explain), driven through the engine like the DNS workers drive it.
#include <gtest/gtest.h>

#include "server/query_engine.h"
#include "server/query_stats.h"
#include "tests/unit/testing/packet_builder.h"
#include "tests/unit/testing/zone_builder.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {
namespace {

using testing::make_query;
using testing::QuerySpec;

constexpr int64_t kNow = 1'800'000'000'000;

std::shared_ptr<const Snapshot> snapshot(const std::vector<bool>& up) {
  ConfigRows config;
  ServiceRow s;
  s.id = 77;
  s.zone_id = 1;
  s.name = "app.example.test.";
  s.policy = "weighted";
  s.ttl = 30;
  s.ttl_degraded = 5;
  config.services = {s};
  CheckRow c;
  c.id = 1;
  c.name = "web";
  c.type = "tcp";
  c.port = 80;
  config.checks = {c};
  HealthRows health;
  for (size_t i = 0; i < up.size(); ++i) {
    MemberRow m;
    m.id = 1000 + static_cast<int64_t>(i);
    m.service_id = 77;
    m.name = "m" + std::to_string(i);
    m.address = "192.0.2." + std::to_string(i + 1);
    m.check_id = 1;
    config.members.push_back(m);
    ObservationRow o;
    o.agent_id = "local";
    o.member_id = m.id;
    o.up = up[i];
    o.checked_at_ms = kNow;
    health.observations.push_back(o);
  }
  auto services = services_from_rows(config, health, kNow);
  EXPECT_TRUE(services.ok()) << services.error();
  auto zone = testing::zone(
      "example.test.", {
                           "example.test. 300 IN SOA ns1.example.test. h.example.test. 1 2 3 4 60",
                           "example.test. 300 IN NS ns1.example.test.",
                           "ns1.example.test. 300 IN A 127.0.0.1",
                       });
  auto snap = build_snapshot({zone}, std::move(*services));
  EXPECT_TRUE(snap.ok()) << snap.error();
  return *snap;
}

size_t ask(QueryEngine& engine, const Snapshot& snap, const std::string& name,
           uint16_t qtype = rrtype::A) {
  QuerySpec spec;
  spec.qname = name;
  spec.qtype = qtype;
  auto q = make_query(spec);
  std::vector<uint8_t> out(1232);
  return engine.answer(snap, Transport::kUdp, q.data(), q.size(), out.data(), out.size());
}

uint64_t answers(const QueryStats::Totals& t, int64_t key) {
  auto it = t.answers.find(key);
  return it == t.answers.end() ? 0 : it->second;
}

TEST(QueryStats, CountsResponsesByRcodeAndTypeAndAnswersPerServiceAndMember) {
  auto snap = snapshot({true, true});
  QueryStatsRegistry registry;
  EngineConfig config;
  config.stats = &registry;
  config.count_stats = true;
  QueryEngine engine(config, 7);
  const size_t a = QueryStats::bucket(rrtype::A), mx = QueryStats::bucket(rrtype::MX);
  const auto before = registry.totals();
  for (int i = 0; i < 5; ++i) ASSERT_GT(ask(engine, *snap, "app.example.test."), 0u);
  ASSERT_GT(ask(engine, *snap, "nope.example.test."), 0u);             // NXDOMAIN
  ASSERT_GT(ask(engine, *snap, "ns1.example.test.", rrtype::MX), 0u);  // NODATA
  const auto after = registry.totals();
  EXPECT_EQ(after.responses[0][a] - before.responses[0][a], 5u);
  EXPECT_EQ(after.responses[3][a] - before.responses[3][a], 1u);
  EXPECT_EQ(after.responses[0][mx] - before.responses[0][mx], 1u);
  EXPECT_EQ(answers(after, -77) - answers(before, -77), 5u);
  EXPECT_EQ(
      answers(after, 1000) + answers(after, 1001) - answers(before, 1000) - answers(before, 1001),
      5u);
}

TEST(QueryStats, AnEngineWithoutCountingLeavesTheTotalsAlone) {
  auto snap = snapshot({true});
  QueryStatsRegistry registry;
  EngineConfig config;
  config.stats = &registry;  // the process keeps counters, but this engine does not count
  QueryEngine engine(config, 7);
  const auto before = registry.totals();
  for (int i = 0; i < 3; ++i) ASSERT_GT(ask(engine, *snap, "app.example.test."), 0u);
  const auto after = registry.totals();
  EXPECT_EQ(answers(after, -77), answers(before, -77));
  EXPECT_EQ(after.responses[0][QueryStats::bucket(rrtype::A)],
            before.responses[0][QueryStats::bucket(rrtype::A)]);
}

TEST(QueryStats, AFullAnswerTableCountsOverflowInsteadOfGrowing) {
  QueryStatsRegistry registry;
  QueryStats* stats = registry.create();
  const auto before = registry.totals();
  // Far more distinct keys than slots: each lands in a slot or in the overflow counter.
  const int64_t keys = static_cast<int64_t>(QueryStats::kSlots) * 2;
  for (int64_t k = 1; k <= keys; ++k) stats->count_answer(5'000'000 + k);
  const auto after = registry.totals();
  uint64_t counted = after.overflow - before.overflow;
  for (int64_t k = 1; k <= keys; ++k) counted += answers(after, 5'000'000 + k);
  EXPECT_EQ(counted, static_cast<uint64_t>(keys));
  EXPECT_GT(after.overflow - before.overflow, 0u);
}

TEST(QueryStats, TypesOutsideTheNamedBucketsAreOther) {
  EXPECT_EQ(QueryStats::bucket(rrtype::A), 0u);
  EXPECT_EQ(QueryStats::bucket(rrtype::AAAA), 1u);
  EXPECT_EQ(QueryStats::bucket(4242), QueryStats::kTypeBuckets - 1);
}

TEST(EngineDecision, HealthyPicksAreRecorded) {
  auto snap = snapshot({true, false});
  QueryEngine engine(EngineConfig{}, 7);
  ASSERT_GT(ask(engine, *snap, "app.example.test."), 0u);
  const Decision& d = engine.last_decision();
  ASSERT_NE(d.service, nullptr);
  EXPECT_EQ(d.service->id, 77);
  EXPECT_EQ(d.candidates, Decision::Candidates::kHealthy);
  EXPECT_TRUE(d.degraded);  // one of two members is down
  EXPECT_EQ(d.ttl, 5u);
  ASSERT_EQ(d.pick_count, 1u);
  EXPECT_EQ(d.picks[0]->id, 1000);
}

TEST(EngineDecision, NothingUpFallsBackToAllAndSaysSo) {
  auto snap = snapshot({false, false});
  QueryEngine engine(EngineConfig{}, 7);
  ASSERT_GT(ask(engine, *snap, "app.example.test."), 0u);
  const Decision& d = engine.last_decision();
  ASSERT_NE(d.service, nullptr);
  EXPECT_EQ(d.candidates, Decision::Candidates::kFallbackAll);
  EXPECT_EQ(d.pick_count, 1u);
}

TEST(EngineDecision, AStaticNameLeavesNoDecision) {
  auto snap = snapshot({true});
  QueryEngine engine(EngineConfig{}, 7);
  ASSERT_GT(ask(engine, *snap, "app.example.test."), 0u);
  ASSERT_GT(ask(engine, *snap, "ns1.example.test."), 0u);
  EXPECT_EQ(engine.last_decision().service, nullptr);
}

}  // namespace
}  // namespace gslb
