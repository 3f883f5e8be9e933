// Properties every registered policy keeps: min(want, count) distinct members, all from the
// candidates, nothing for no candidates, nothing written past `want`; with or without
// persistence, measurements, or a sized PolicyState.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

using policy_testing::MemberSpec;
using policy_testing::Pool;

TEST(EveryPolicy, ReturnsMinOfWantAndCountDistinctCandidates) {
  const std::vector<std::vector<MemberSpec>> pools = {
      {{"a"}},
      {{"a", 0}, {"b", 0}, {"c", 0}},
      {{"a", 5, 1, 1000, 1.0},
       {"b", 0, 2, 1000, 2.0},
       {"c", 1, 2},
       {"d", 3, 3, 90000},
       {"e", 1, 1, std::nullopt, 0.5}},
      {{"a", 1, 2, 10},
       {"b", 2, 2, 11, 3},
       {"c", 3, 1, 12, 3},
       {"d", 4, 1, 4000, 4},
       {"e", 0, 9, 13},
       {"f", 1, 9}},
  };
  for (std::string_view policy : policy_names()) {
    PolicyFn fn = policy_testing::pick_of(policy);
    for (const auto& specs : pools) {
      for (bool persistence : {false, true}) {
        for (bool sized_state : {true, false}) {
          Pool pool(specs);
          pool.service.persistence = persistence;
          pool.service.min_healthy = 2;
          if (!sized_state) pool.state.member_state.clear();
          const auto candidates = pool.without({"c"});
          for (size_t want = 1; want <= 7; ++want) {
            Rng rng(want);
            for (int round = 0; round < 20; ++round) {
              const Client client = policy_testing::nth_subnet_v4(static_cast<uint32_t>(round));
              auto names = pool.pick(fn, candidates, rng, want, client);
              SCOPED_TRACE(std::string(policy) + " pool of " + std::to_string(specs.size()) +
                           " want " + std::to_string(want) + (persistence ? " persistent" : ""));
              ASSERT_EQ(names.size(), std::min(want, candidates.size()));
              std::set<std::string> distinct(names.begin(), names.end());
              EXPECT_EQ(distinct.size(), names.size());
              EXPECT_EQ(distinct.count("c"), 0u);
              EXPECT_EQ(distinct.count("<null>"), 0u);
            }
          }
          Rng rng(1);
          EXPECT_TRUE(pool.pick(fn, {}, rng, 3).empty()) << policy;
        }
      }
    }
  }
}

}  // namespace
}  // namespace gslb
