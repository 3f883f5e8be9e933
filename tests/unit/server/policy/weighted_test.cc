// Policy "weighted" and the draw under it: shares over many seeded draws, weight 0, distinct
// multi-answers, and the guards (overflow, long candidate lists, filters).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

using policy_testing::MemberSpec;
using policy_testing::percent;
using policy_testing::Pool;

TEST(WeightedPolicy, ThreeToOneLandsSeventyFivePercentOfPicks) {
  Pool pool({{"a", 3}, {"b", 1}});
  constexpr int kDraws = 100000;
  auto counts = pool.tally(pick_weighted, pool.all(), kDraws, 42);
  EXPECT_NEAR(percent(counts, "a", kDraws), 75.0, 1.0);
  EXPECT_NEAR(percent(counts, "b", kDraws), 25.0, 1.0);
}

TEST(WeightedPolicy, WeightZeroNeverDrawnWhileAPositiveWeightExists) {
  Pool pool({{"a", 0}, {"b", 1}, {"c", 0}, {"d", 2}});
  auto counts = pool.tally(pick_weighted, pool.all(), 20000, 3);
  EXPECT_EQ(counts.count("a"), 0u);
  EXPECT_EQ(counts.count("c"), 0u);
  EXPECT_NEAR(percent(counts, "d", 20000), 66.7, 1.5);
}

TEST(WeightedPolicy, AllZeroWeightsAreDrawnUniformly) {
  Pool pool({{"a", 0}, {"b", 0}, {"c", 0}, {"d", 0}});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_weighted, pool.all(), kDraws, 5);
  for (const char* name : {"a", "b", "c", "d"})
    EXPECT_NEAR(percent(counts, name, kDraws), 25.0, 1.0) << name;
}

TEST(WeightedPolicy, TwoAnswersAreTwoDistinctMembers) {
  Pool pool({{"a", 5}, {"b", 1}, {"c", 1}});
  Rng rng(9);
  std::set<std::string> second_picks;
  for (int i = 0; i < 2000; ++i) {
    auto names = pool.pick(pick_weighted, pool.all(), rng, 2);
    ASSERT_EQ(names.size(), 2u);
    EXPECT_NE(names[0], names[1]);
    second_picks.insert(names[1]);
  }
  EXPECT_EQ(second_picks.size(), 3u);  // every member shows up second at some point
}

TEST(WeightedPolicy, WantAboveCountReturnsEveryCandidateOnce) {
  Pool pool({{"a", 2}, {"b", 1}, {"c", 0}});
  Rng rng(1);
  auto names = pool.pick(pick_weighted, pool.all(), rng, 5);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
            (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(names.size(), 3u);
}

TEST(WeightedPolicy, WeightZeroMembersOnlyFillTheTailOfALongAnswer) {
  Pool pool({{"z", 0}, {"a", 1}, {"b", 4}});
  Rng rng(2);
  for (int i = 0; i < 1000; ++i) {
    auto names = pool.pick(pick_weighted, pool.all(), rng, 3);
    ASSERT_EQ(names.size(), 3u);
    EXPECT_EQ(names[2], "z");
  }
}

TEST(WeightedPolicy, NoCandidatesReturnsZero) {
  Pool pool({{"a", 1}});
  Rng rng(1);
  EXPECT_TRUE(pool.pick(pick_weighted, {}, rng, 3).empty());
}

TEST(WeightedPolicy, SecondAnswerFollowsWeightsOfTheRemainingMembers) {
  // After a (weight 2) is drawn first, b:c = 3:1 for the second slot.
  Pool pool({{"a", 2}, {"b", 3}, {"c", 1}});
  Rng rng(11);
  int after_a = 0, b_second = 0;
  for (int i = 0; i < 60000; ++i) {
    auto names = pool.pick(pick_weighted, pool.all(), rng, 2);
    if (names[0] != "a") continue;
    ++after_a;
    b_second += names[1] == "b";
  }
  ASSERT_GT(after_a, 15000);
  EXPECT_NEAR(100.0 * b_second / after_a, 75.0, 1.5);
}

TEST(DrawWeighted, MaximalWeightsDoNotOverflowTheSum) {
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
  Pool pool({{"a", kMax}, {"b", kMax}, {"c", kMax}, {"d", kMax}, {"e", 1}});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_weighted, pool.all(), kDraws, 8);
  for (const char* name : {"a", "b", "c", "d"})
    EXPECT_NEAR(percent(counts, name, kDraws), 25.0, 1.0) << name;
  EXPECT_EQ(counts.count("e"), 0u);
}

TEST(DrawWeighted, LongCandidateListsStayDistinct) {
  // Past the stack bitmap (1024 positions) distinctness falls back to scanning the picks.
  std::vector<MemberSpec> specs;
  for (int i = 0; i < 1500; ++i)
    specs.push_back({"m" + std::to_string(i), static_cast<uint32_t>(1 + i % 3)});
  Pool pool(specs);
  for (bool persistence : {false, true}) {
    pool.service.persistence = persistence;
    Rng rng(4);
    auto names =
        pool.pick(pick_weighted, pool.all(), rng, 1500, policy_testing::client_v4(198, 51, 100, 7));
    EXPECT_EQ(names.size(), 1500u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 1500u) << persistence;
  }
}

TEST(DrawWeighted, FilterLimitsTheDrawToAcceptedMembers) {
  Pool pool({{"a", 1, 1}, {"b", 1, 2}, {"c", 1, 2}});
  auto tier2 = [](const Member& m) { return m.priority == 2; };
  auto candidates = pool.all();
  Rng rng(3);
  const Member* out[3] = {};
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(draw_weighted_if(pool.service, candidates.data(), candidates.size(), Client{}, rng,
                               out, 3, tier2),
              2u);
    EXPECT_NE(out[0]->name, "a");
    EXPECT_NE(out[1]->name, "a");
    EXPECT_NE(out[0], out[1]);
  }
}

TEST(DrawWeighted, SameSeedGivesTheSameSequence) {
  Pool pool({{"a", 1}, {"b", 2}, {"c", 3}});
  Rng one(77), two(77);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(pool.pick(pick_weighted, pool.all(), one, 2),
              pool.pick(pick_weighted, pool.all(), two, 2));
  }
}

}  // namespace
}  // namespace gslb
