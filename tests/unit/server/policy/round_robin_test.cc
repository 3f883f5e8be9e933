// Policy "round-robin": nginx's smooth weighted round robin, its per-worker state and fallbacks.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

using policy_testing::nth_subnet_v4;
using policy_testing::Pool;

std::string sequence(Pool& pool, const std::vector<const Member*>& candidates, int picks) {
  Rng rng(1);
  std::string s;
  for (int i = 0; i < picks; ++i) s += pool.pick_one(pick_round_robin, candidates, rng);
  return s;
}

TEST(RoundRobinPolicy, WeightsFiveOneOneGiveNginxSequenceAndRepeat) {
  Pool pool({{"a", 5}, {"b", 1}, {"c", 1}});
  EXPECT_EQ(sequence(pool, pool.all(), 21),
            "aabacaa"
            "aabacaa"
            "aabacaa");
}

TEST(RoundRobinPolicy, EqualWeightsRotate) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}});
  EXPECT_EQ(sequence(pool, pool.all(), 7), "abcabca");
}

TEST(RoundRobinPolicy, StateIsPerService) {
  // Two services in one PolicyState: each keeps its own rotation.
  Pool pool({{"a", 1}, {"b", 1}}, /*service_index=*/1);
  pool.state.member_state[0] = {0, 0};
  EXPECT_EQ(sequence(pool, pool.all(), 3), "aba");
  EXPECT_EQ(pool.state.member_state[0], (std::vector<int64_t>{0, 0}));
}

TEST(RoundRobinPolicy, WeightZeroOnlyWhenAllZero) {
  Pool pool({{"a", 0}, {"b", 2}, {"c", 0}});
  EXPECT_EQ(sequence(pool, pool.all(), 4), "bbbb");
  pool.mutable_member("b").weight = 0;
  EXPECT_EQ(sequence(pool, pool.all(), 6).size(), 6u);
  std::string s = sequence(pool, pool.all(), 6);
  EXPECT_EQ(std::set<char>(s.begin(), s.end()).size(), 3u);  // all three rotate
}

TEST(RoundRobinPolicy, SharesFollowWeightsExactlyOverAFullCycle) {
  Pool pool({{"a", 3}, {"b", 2}, {"c", 1}});
  std::string s = sequence(pool, pool.all(), 600);
  EXPECT_EQ(std::count(s.begin(), s.end(), 'a'), 300);
  EXPECT_EQ(std::count(s.begin(), s.end(), 'b'), 200);
  EXPECT_EQ(std::count(s.begin(), s.end(), 'c'), 100);
}

TEST(RoundRobinPolicy, RemovedCandidateIsSkippedAndTheRestShareEvenly) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}});
  EXPECT_EQ(sequence(pool, pool.all(), 2), "ab");
  // c carries the credit it built up while b was in; the shares still even out.
  std::string s = sequence(pool, pool.without({"b"}), 40);
  EXPECT_EQ(s.find('b'), std::string::npos);
  EXPECT_NEAR(std::count(s.begin(), s.end(), 'a'), 20, 1);
}

TEST(RoundRobinPolicy, FurtherAnswersAreDistinctAndLeaveTheRotationAlone) {
  Pool pool({{"a", 5}, {"b", 1}, {"c", 1}});
  Rng rng(1);
  std::string firsts;
  for (int i = 0; i < 21; ++i) {
    auto names = pool.pick(pick_round_robin, pool.all(), rng, 3);
    ASSERT_EQ(names.size(), 3u);
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 3u);
    firsts += names[0];
  }
  // The first slot is exactly the single-answer rotation.
  EXPECT_EQ(firsts,
            "aabacaa"
            "aabacaa"
            "aabacaa");
}

TEST(RoundRobinPolicy, SecondAnswerIsTheNextInLine) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}});
  Rng rng(1);
  EXPECT_EQ(pool.pick(pick_round_robin, pool.all(), rng, 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(pool.pick(pick_round_robin, pool.all(), rng, 2), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(pool.pick(pick_round_robin, pool.all(), rng, 2), (std::vector<std::string>{"c", "a"}));
}

TEST(RoundRobinPolicy, MissingStateFallsBackToWeightedDraw) {
  Pool pool({{"a", 3}, {"b", 1}}, /*service_index=*/4);
  pool.state.member_state.clear();  // the caller never sized it
  constexpr int kDraws = 20000;
  auto counts = pool.tally(pick_round_robin, pool.all(), kDraws, 2);
  EXPECT_NEAR(policy_testing::percent(counts, "a", kDraws), 75.0, 1.5);
}

TEST(RoundRobinPolicy, TooSmallStateRowFallsBackToWeightedDraw) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}});
  pool.state.member_state[0].resize(2);  // sized for an older snapshot with two members
  constexpr int kDraws = 9000;
  auto counts = pool.tally(pick_round_robin, pool.all(), kDraws, 2);
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(pool.state.member_state[0].size(), 2u);
}

TEST(RoundRobinPolicy, PersistenceUsesTheHashInsteadOfRotating) {
  Pool pool({{"a", 1}, {"b", 1}, {"c", 1}});
  pool.service.persistence = true;
  Rng rng(1);
  for (uint32_t i = 0; i < 100; ++i) {
    const std::string first = pool.pick_one(pick_round_robin, pool.all(), rng, nth_subnet_v4(i));
    for (int repeat = 0; repeat < 3; ++repeat) {
      EXPECT_EQ(pool.pick_one(pick_round_robin, pool.all(), rng, nth_subnet_v4(i)), first);
    }
  }
}

}  // namespace
}  // namespace gslb
