// Policy "least-load": load per weight, the 10 % band, unknown loads, weight 0.
#include <gtest/gtest.h>

#include <cmath>
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

MemberSpec loaded(std::string name, uint32_t weight, double load) {
  return MemberSpec{std::move(name), weight, 1, std::nullopt, load};
}

TEST(LeastLoadPolicy, PicksTheLowestLoadPerWeight) {
  // Ratios: 50, 40, 100.
  Pool pool({loaded("a", 1, 50), loaded("b", 2, 80), loaded("c", 1, 100)});
  auto counts = pool.tally(pick_least_load, pool.all(), 1000);
  EXPECT_EQ(counts["b"], 1000);
}

TEST(LeastLoadPolicy, NearEqualRatiosShareByWeight) {
  // Ratios 40 and 43 are within 10 %; 45 is not (band ends at 44).
  Pool pool({loaded("a", 3, 120), loaded("b", 1, 43), loaded("c", 1, 45)});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_least_load, pool.all(), kDraws, 9);
  EXPECT_NEAR(percent(counts, "a", kDraws), 75.0, 1.0);
  EXPECT_EQ(counts.count("c"), 0u);
}

TEST(LeastLoadPolicy, UnknownLoadOnlyWhenNoLoadIsKnown) {
  Pool pool({{"unknown", 50}, loaded("busy", 1, 1e9)});
  auto counts = pool.tally(pick_least_load, pool.all(), 1000);
  EXPECT_EQ(counts["busy"], 1000);
  pool.mutable_member("busy").load = NAN;  // a NaN report is no report
  constexpr int kDraws = 40000;
  counts = pool.tally(pick_least_load, pool.all(), kDraws, 4);
  EXPECT_NEAR(percent(counts, "unknown", kDraws), 100.0 * 50 / 51, 0.5);
}

TEST(LeastLoadPolicy, NoLoadKnownDrawsByWeightOverAll) {
  Pool pool({{"a", 3}, {"b", 1}});
  constexpr int kDraws = 40000;
  auto counts = pool.tally(pick_least_load, pool.all(), kDraws, 6);
  EXPECT_NEAR(percent(counts, "a", kDraws), 75.0, 1.0);
}

TEST(LeastLoadPolicy, WeightZeroIsSkippedUnlessAllWeightsAreZero) {
  Pool pool({loaded("idle", 0, 0), loaded("busy", 1, 90)});
  auto counts = pool.tally(pick_least_load, pool.all(), 1000);
  EXPECT_EQ(counts["busy"], 1000);
  pool.mutable_member("busy").weight = 0;  // all zero: the load alone decides
  counts = pool.tally(pick_least_load, pool.all(), 1000);
  EXPECT_EQ(counts["idle"], 1000);
}

TEST(LeastLoadPolicy, ZeroLoadBandHoldsOnlyTheIdle) {
  Pool pool({loaded("a", 1, 0), loaded("b", 1, 0), loaded("c", 1, 0.001)});
  auto counts = pool.tally(pick_least_load, pool.all(), 4000);
  EXPECT_EQ(counts.count("c"), 0u);
  EXPECT_NEAR(percent(counts, "a", 4000), 50.0, 3.0);
}

TEST(LeastLoadPolicy, NegativeLoadCountsAsZero) {
  Pool pool({loaded("neg", 1, -5), loaded("zero", 1, 0), loaded("some", 1, 1)});
  auto counts = pool.tally(pick_least_load, pool.all(), 4000);
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts.count("some"), 0u);
}

TEST(LeastLoadPolicy, InfiniteLoadIsKnownButLast) {
  Pool pool({loaded("inf", 1, INFINITY), {"unknown", 1}});
  auto counts = pool.tally(pick_least_load, pool.all(), 1000);
  EXPECT_EQ(counts["inf"], 1000);
  Rng rng(1);
  EXPECT_EQ(pool.pick(pick_least_load, pool.all(), rng, 3),
            (std::vector<std::string>{"inf", "unknown"}));
}

TEST(LeastLoadPolicy, AnswersFillByBandThenSkippedWeightZeroThenUnknown) {
  Pool pool({{"unknown", 1},
             loaded("zero-weight", 0, 0),
             loaded("high", 1, 80),
             loaded("low", 1, 10),
             loaded("low2", 1, 10.5)});
  Rng rng(1);
  for (int i = 0; i < 50; ++i) {
    auto names = pool.pick(pick_least_load, pool.all(), rng, 5);
    ASSERT_EQ(names.size(), 5u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.begin() + 2),
              (std::set<std::string>{"low", "low2"}));
    EXPECT_EQ(names[2], "high");
    EXPECT_EQ(names[3], "zero-weight");
    EXPECT_EQ(names[4], "unknown");
  }
}

}  // namespace
}  // namespace gslb
