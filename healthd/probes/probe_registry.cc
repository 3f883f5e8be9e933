// The probe registry: every built-in probe listed once, by type. One line per probe; no static
// self-registration (linkers drop unreferenced objects from static libraries).
// Read-only after static initialisation: safe from any thread.
#include <array>
#include <string_view>
#include <utility>

#include "healthd/probes/probe.h"
#include "healthd/probes/probes.h"

namespace gslb {
namespace {

constexpr std::array<std::pair<std::string_view, ProbeFactory>, 5> kProbes = {{
    {"icmp", make_icmp_probe},
    {"tcp", make_tcp_probe},
    {"http", make_http_probe},
    {"https", make_https_probe},
    {"dns", make_dns_probe},
}};

}  // namespace

ProbeFactory find_probe(std::string_view type) {
  for (const auto& [probe_type, factory] : kProbes) {
    if (probe_type == type) return factory;
  }
  return nullptr;
}

}  // namespace gslb
