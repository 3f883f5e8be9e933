// The policy registry: exactly the five built-in names, each to its own function.
#include <gtest/gtest.h>

#include <set>
#include <string_view>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"
#include "tests/unit/server/policy/policy_testing.h"

namespace gslb {
namespace {

TEST(PolicyRegistry, KnowsExactlyTheSixNames) {
  const std::vector<std::string_view> expected = {"weighted", "round-robin", "priority", "rtt",
                                                  "least-load", "closest"};
  EXPECT_EQ(policy_names(), expected);
  std::set<PolicyFn> functions;
  for (std::string_view name : policy_names()) {
    PolicyFn fn = policy_testing::pick_of(name);
    EXPECT_NE(fn, nullptr) << name;
    functions.insert(fn);
  }
  EXPECT_EQ(functions.size(), 6u);
}

TEST(PolicyRegistry, NamesMapToTheirOwnPolicy) {
  EXPECT_EQ(policy_testing::pick_of("weighted"), &pick_weighted);
  EXPECT_EQ(policy_testing::pick_of("round-robin"), &pick_round_robin);
  EXPECT_EQ(policy_testing::pick_of("priority"), &pick_priority);
  EXPECT_EQ(policy_testing::pick_of("rtt"), &pick_rtt);
  EXPECT_EQ(policy_testing::pick_of("least-load"), &pick_least_load);
}

TEST(PolicyRegistry, UnknownNameIsNull) {
  for (std::string_view name :
       {"", "Weighted", "roundrobin", "round_robin", "least_load", "geo", "rtt "}) {
    EXPECT_EQ(find_policy(name), nullptr) << '"' << name << '"';
  }
}

}  // namespace
}  // namespace gslb
