// Policy "priority": tiers, quorum (min_healthy), fail-over and back, fill across tiers.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

using policy_testing::MemberSpec;
using policy_testing::Pool;

// a1, a2 in tier 1; b1, b2 in tier 2; c1 in tier 3.
std::vector<MemberSpec> three_tiers() {
  return {{"b1", 1, 2}, {"a1", 1, 1}, {"c1", 1, 3}, {"a2", 1, 1}, {"b2", 1, 2}};
}

std::set<std::string> picked(Pool& pool, const std::vector<const Member*>& candidates,
                             int draws = 400) {
  auto counts = pool.tally(pick_priority, candidates, draws, 3);
  std::set<std::string> names;
  for (const auto& [name, n] : counts) names.insert(name);
  return names;
}

TEST(PriorityPolicy, PicksOnlyTheLowestTier) {
  Pool pool(three_tiers());
  EXPECT_EQ(picked(pool, pool.all()), (std::set<std::string>{"a1", "a2"}));
}

TEST(PriorityPolicy, FallsToNextTierWhenTierOneHasNoCandidatesAndBackWhenItReturns) {
  Pool pool(three_tiers());
  EXPECT_EQ(picked(pool, pool.without({"a1", "a2"})), (std::set<std::string>{"b1", "b2"}));
  EXPECT_EQ(picked(pool, pool.without({"a1", "a2", "b1", "b2"})), (std::set<std::string>{"c1"}));
  EXPECT_EQ(picked(pool, pool.all()), (std::set<std::string>{"a1", "a2"}));
}

TEST(PriorityPolicy, FallsToNextTierBelowQuorumAndBackWhenQuorumReturns) {
  Pool pool(three_tiers());
  pool.service.min_healthy = 2;
  EXPECT_EQ(picked(pool, pool.without({"a2"})), (std::set<std::string>{"b1", "b2"}));
  EXPECT_EQ(picked(pool, pool.all()), (std::set<std::string>{"a1", "a2"}));
}

TEST(PriorityPolicy, LowestNonEmptyTierWhenNoTierHasQuorum) {
  Pool pool(three_tiers());
  pool.service.min_healthy = 3;
  EXPECT_EQ(picked(pool, pool.without({"a1"})), (std::set<std::string>{"a2"}));
  EXPECT_EQ(picked(pool, pool.all()), (std::set<std::string>{"a1", "a2"}));
}

TEST(PriorityPolicy, MinHealthyZeroCountsAsOne) {
  Pool pool(three_tiers());
  pool.service.min_healthy = 0;
  EXPECT_EQ(picked(pool, pool.without({"a1", "a2"})), (std::set<std::string>{"b1", "b2"}));
}

TEST(PriorityPolicy, DrawsByWeightInsideTheTier) {
  Pool pool({{"a", 3, 1}, {"b", 1, 1}, {"c", 100, 2}});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_priority, pool.all(), kDraws, 5);
  EXPECT_NEAR(policy_testing::percent(counts, "a", kDraws), 75.0, 1.0);
  EXPECT_EQ(counts.count("c"), 0u);
}

TEST(PriorityPolicy, AnswersBeyondTheTierFillFromTheNextTiersInOrder) {
  Pool pool(three_tiers());
  Rng rng(1);
  for (int i = 0; i < 100; ++i) {
    auto names = pool.pick(pick_priority, pool.all(), rng, 4);
    ASSERT_EQ(names.size(), 4u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.begin() + 2),
              (std::set<std::string>{"a1", "a2"}));
    EXPECT_EQ(std::set<std::string>(names.begin() + 2, names.end()),
              (std::set<std::string>{"b1", "b2"}));
  }
  EXPECT_EQ(pool.pick(pick_priority, pool.all(), rng, 9).size(), 5u);
}

TEST(PriorityPolicy, TiersSkippedForQuorumFillLast) {
  Pool pool(three_tiers());
  pool.service.min_healthy = 2;
  Rng rng(1);
  auto names = pool.pick(pick_priority, pool.without({"a2"}), rng, 4);
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.begin() + 2),
            (std::set<std::string>{"b1", "b2"}));
  EXPECT_EQ(names[2], "c1");
  EXPECT_EQ(names[3], "a1");
}

TEST(PriorityPolicy, PersistenceKeepsClientsInsideTheTier) {
  Pool pool({{"a", 1, 1}, {"b", 1, 1}, {"c", 1, 2}});
  pool.service.persistence = true;
  Rng rng(1);
  for (uint32_t i = 0; i < 500; ++i) {
    const Client client = policy_testing::nth_subnet_v4(i);
    const std::string first = pool.pick_one(pick_priority, pool.all(), rng, client);
    EXPECT_NE(first, "c");
    // Losing the other tier-1 member never moves this client; losing its own moves it to the
    // other tier-1 member, not to tier 2.
    const std::string other = first == "a" ? "b" : "a";
    EXPECT_EQ(pool.pick_one(pick_priority, pool.without({other}), rng, client), first);
    EXPECT_EQ(pool.pick_one(pick_priority, pool.without({first}), rng, client), other);
  }
}

}  // namespace
}  // namespace gslb
