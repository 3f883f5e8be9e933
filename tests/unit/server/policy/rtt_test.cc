// Policy "rtt": lowest smoothed RTT, the tolerance band, unmeasured members.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

using policy_testing::percent;
using policy_testing::Pool;

TEST(RttPolicy, PicksTheLowestRttMember) {
  Pool pool({{"slow", 1, 1, 20000}, {"fast", 1, 1, 5000}, {"mid", 1, 1, 10000}});
  auto counts = pool.tally(pick_rtt, pool.all(), 1000);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts["fast"], 1000);
}

TEST(RttPolicy, MembersWithinTheBandShareByWeightAndSlowOnesAreExcluded) {
  // 10000 µs, 10 %: the band reaches 11000 µs.
  Pool pool({{"a", 3, 1, 10000}, {"b", 1, 1, 10500}, {"far", 10, 1, 20000}});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_pct", int64_t{10});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_us", int64_t{0});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_rtt, pool.all(), kDraws, 7);
  EXPECT_NEAR(percent(counts, "a", kDraws), 75.0, 1.0);
  EXPECT_NEAR(percent(counts, "b", kDraws), 25.0, 1.0);
  EXPECT_EQ(counts.count("far"), 0u);
}

TEST(RttPolicy, EqualWeightsInTheBandSplitEvenly) {
  Pool pool({{"a", 1, 1, 10000}, {"b", 1, 1, 10500}, {"far", 1, 1, 20000}});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_rtt, pool.all(), kDraws, 7);
  EXPECT_NEAR(percent(counts, "a", kDraws), 50.0, 1.0);
  EXPECT_EQ(counts.count("far"), 0u);
}

TEST(RttPolicy, BandEdgeIsInclusiveAndJustPastItIsOut) {
  Pool pool({{"a", 1, 1, 10000}, {"edge", 1, 1, 11000}, {"past", 1, 1, 11001}});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_us", int64_t{0});
  auto counts = pool.tally(pick_rtt, pool.all(), 2000);
  EXPECT_GT(counts["edge"], 0);
  EXPECT_EQ(counts.count("past"), 0u);
}

TEST(RttPolicy, AbsoluteToleranceWidensTheBandForShortRtts) {
  // 10 % of 800 µs is 80 µs, but the 1000 µs floor lets 1700 µs share.
  Pool pool({{"a", 1, 1, 800}, {"b", 1, 1, 1700}, {"c", 1, 1, 1900}});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_us", int64_t{1000});
  auto counts = pool.tally(pick_rtt, pool.all(), 4000);
  EXPECT_NEAR(percent(counts, "b", 4000), 50.0, 3.0);
  EXPECT_EQ(counts.count("c"), 0u);
}

TEST(RttPolicy, UnmeasuredMembersOnlyWhenNoneIsMeasured) {
  Pool pool({{"unknown", 100}, {"measured", 1, 1, 90000}});
  auto counts = pool.tally(pick_rtt, pool.all(), 1000);
  EXPECT_EQ(counts["measured"], 1000);
  counts = pool.tally(pick_rtt, pool.without({"measured"}), 1000);
  EXPECT_EQ(counts["unknown"], 1000);
}

TEST(RttPolicy, AllUnmeasuredShareByWeight) {
  Pool pool({{"a", 3}, {"b", 1}});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_rtt, pool.all(), kDraws, 17);
  EXPECT_NEAR(percent(counts, "a", kDraws), 75.0, 1.0);
}

TEST(RttPolicy, AnswersBeyondTheBandFillInRttOrderThenUnmeasured) {
  Pool pool({{"none", 1},
             {"far", 1, 1, 30000},
             {"b", 1, 1, 10500},
             {"mid", 1, 1, 20000},
             {"a", 1, 1, 10000}});
  Rng rng(1);
  for (int i = 0; i < 50; ++i) {
    auto names = pool.pick(pick_rtt, pool.all(), rng, 5);
    ASSERT_EQ(names.size(), 5u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.begin() + 2),
              (std::set<std::string>{"a", "b"}));
    EXPECT_EQ(names[2], "mid");
    EXPECT_EQ(names[3], "far");
    EXPECT_EQ(names[4], "none");
  }
}

TEST(RttPolicy, HugeRttsDoNotOverflowTheBand) {
  Pool pool({{"a", 1, 1, 4000000000u}, {"b", 1, 1, 4294967295u}});
  policy_testing::set_policy_option(pool.service, "rtt_tolerance_pct", int64_t{4000000000});
  auto counts = pool.tally(pick_rtt, pool.all(), 2000);
  EXPECT_EQ(counts.size(), 2u);
}

}  // namespace
}  // namespace gslb
