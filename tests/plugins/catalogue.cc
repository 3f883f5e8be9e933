// The catalogue of the test build gslbd_plugins: the built-in policies and probe types, and one
// line each for the throwaway plug-ins beside this file. These strong definitions replace the
// weak ones of server/policy/registry.cc and healthd/probes/probe_registry.cc.
#include <span>
#include <vector>

#include "healthd/probes/probe.h"
#include "server/policy/policy.h"

namespace gslb {

extern const PolicyType kNthPolicy;
extern const ProbeType kFileProbe;

namespace {

template <class T>
std::vector<const T*> with(std::span<const T* const> builtin, std::vector<const T*> extra) {
  std::vector<const T*> all(builtin.begin(), builtin.end());
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

}  // namespace

std::span<const PolicyType* const> policy_types() {
  static const std::vector<const PolicyType*> all = with(builtin_policies(), {&kNthPolicy});
  return all;
}

std::span<const ProbeType* const> probe_types() {
  static const std::vector<const ProbeType*> all = with(builtin_probes(), {&kFileProbe});
  return all;
}

}  // namespace gslb
