// The probe registry: every built-in probe type listed once. One line per type; no static
// self-registration (linkers drop unreferenced objects from static libraries).
// Read-only after static initialisation: safe from any thread.
#include <array>
#include <span>
#include <string_view>

#include "healthd/probes/probe.h"

namespace gslb {
namespace {

// One line per probe type: the ProbeType its file defines.
#define GSLB_BUILTIN_PROBES(X) \
  X(kIcmpProbe)                \
  X(kTcpProbe)                 \
  X(kHttpProbe)                \
  X(kHttpsProbe)               \
  X(kDnsProbe)

#define GSLB_DECLARE(probe) extern const ProbeType probe;
#define GSLB_ADDRESS(probe) &probe,
}  // namespace
GSLB_BUILTIN_PROBES(GSLB_DECLARE)
namespace {
const std::array kBuiltinProbes = {GSLB_BUILTIN_PROBES(GSLB_ADDRESS)};
#undef GSLB_DECLARE
#undef GSLB_ADDRESS

}  // namespace

std::span<const ProbeType* const> builtin_probes() {
  return kBuiltinProbes;
}

// Weak: an executable that links a catalogue of its own (tests/plugins/catalogue.cc) replaces
// this one; every other binary probes with the built-in types.
[[gnu::weak]] std::span<const ProbeType* const> probe_types() {
  return builtin_probes();
}

const ProbeType* find_probe_type(std::string_view type) {
  for (const ProbeType* p : probe_types())
    if (p->type == type) return p;
  return nullptr;
}

ProbeFactory find_probe(std::string_view type) {
  const ProbeType* p = find_probe_type(type);
  return p != nullptr ? p->make : nullptr;
}

}  // namespace gslb
