// The policy registry: every built-in policy listed once, by name. One line per policy; no
// static self-registration (linkers drop unreferenced objects from static libraries).
// Read-only after static initialisation: safe from any thread.
#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "server/policy/policies.h"
#include "server/policy/policy.h"

namespace gslb {
namespace {

constexpr std::array<std::pair<std::string_view, PolicyFn>, 5> kPolicies = {{
    {"weighted", pick_weighted},
    {"round-robin", pick_round_robin},
    {"priority", pick_priority},
    {"rtt", pick_rtt},
    {"least-load", pick_least_load},
}};

}  // namespace

PolicyFn find_policy(std::string_view name) {
  for (const auto& [policy_name, fn] : kPolicies) {
    if (policy_name == name) return fn;
  }
  return nullptr;
}

const std::vector<std::string_view>& policy_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& entry : kPolicies) v.push_back(entry.first);
    return v;
  }();
  return names;
}

}  // namespace gslb
