// The policy registry: every built-in policy listed once. One line per policy; no static
// self-registration (linkers drop unreferenced objects from static libraries).
// Read-only after static initialisation: safe from any thread.
#include <array>
#include <span>
#include <string_view>
#include <vector>

#include "server/policy/policy.h"

namespace gslb {
namespace {

// One line per policy: the PolicyType its file defines.
#define GSLB_BUILTIN_POLICIES(X) \
  X(kWeightedPolicy)             \
  X(kRoundRobinPolicy)           \
  X(kPriorityPolicy)             \
  X(kRttPolicy)                  \
  X(kLeastLoadPolicy)            \
  X(kClosestPolicy)

#define GSLB_DECLARE(policy) extern const PolicyType policy;
#define GSLB_ADDRESS(policy) &policy,
}  // namespace
GSLB_BUILTIN_POLICIES(GSLB_DECLARE)
namespace {
const std::array kBuiltinPolicies = {GSLB_BUILTIN_POLICIES(GSLB_ADDRESS)};
#undef GSLB_DECLARE
#undef GSLB_ADDRESS

}  // namespace

std::span<const PolicyType* const> builtin_policies() {
  return kBuiltinPolicies;
}

// Weak: an executable that links a catalogue of its own (tests/plugins/catalogue.cc) replaces
// this one; every other binary serves the built-in list.
[[gnu::weak]] std::span<const PolicyType* const> policy_types() {
  return builtin_policies();
}

const PolicyType* find_policy(std::string_view name) {
  for (const PolicyType* p : policy_types())
    if (p->name == name) return p;
  return nullptr;
}

const std::vector<std::string_view>& policy_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const PolicyType* p : policy_types()) v.push_back(p->name);
    return v;
  }();
  return names;
}

}  // namespace gslb
