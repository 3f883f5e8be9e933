// The policy registry: exactly the five built-in names, each to its own function.
#include <gtest/gtest.h>

#include <set>
#include <string_view>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"

namespace gslb {
namespace {

TEST(PolicyRegistry, KnowsExactlyTheFiveNames) {
  const std::vector<std::string_view> expected = {"weighted", "round-robin", "priority", "rtt",
                                                  "least-load"};
  EXPECT_EQ(policy_names(), expected);
  std::set<PolicyFn> functions;
  for (std::string_view name : policy_names()) {
    PolicyFn fn = find_policy(name);
    EXPECT_NE(fn, nullptr) << name;
    functions.insert(fn);
  }
  EXPECT_EQ(functions.size(), 5u);
}

TEST(PolicyRegistry, NamesMapToTheirOwnPolicy) {
  EXPECT_EQ(find_policy("weighted"), &pick_weighted);
  EXPECT_EQ(find_policy("round-robin"), &pick_round_robin);
  EXPECT_EQ(find_policy("priority"), &pick_priority);
  EXPECT_EQ(find_policy("rtt"), &pick_rtt);
  EXPECT_EQ(find_policy("least-load"), &pick_least_load);
}

TEST(PolicyRegistry, UnknownNameIsNull) {
  for (std::string_view name :
       {"", "Weighted", "roundrobin", "round_robin", "least_load", "geo", "rtt "}) {
    EXPECT_EQ(find_policy(name), nullptr) << '"' << name << '"';
  }
}

}  // namespace
}  // namespace gslb
