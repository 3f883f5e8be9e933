#include "api/drain_guard.h"

namespace gslb::api {
namespace {

bool answering(const Member& m) {
  return m.enabled && !m.sorry && m.up;
}

}  // namespace

std::string drain_refusal(const HealthView& health, const ConfigView& view,
                          const std::set<int64_t>& leaving) {
  for (const Service& s : health.table) {
    for (uint8_t family : {uint8_t{4}, uint8_t{6}}) {
      size_t before = 0, after = 0, taken = 0;
      for (const Member& m : s.members) {
        if (!m.serves(family == 4 ? 0 : 1) || !answering(m)) continue;
        ++before;
        if (leaving.count(m.id))
          ++taken;
        else
          ++after;
      }
      const size_t needed = std::max<uint32_t>(s.min_healthy, 1);
      if (taken == 0 || after >= needed) continue;
      const ServiceRow* row = view.service_by_id(s.id);
      const std::string name = row ? display(row->name) : s.name;
      return "taking " + std::to_string(taken) + " answering member(s) out of " + name +
             " would leave " + std::to_string(after) + " of its IPv" + std::to_string(family) +
             " members answering (min_healthy " + std::to_string(needed) +
             "); add ?force=true to do it anyway";
    }
  }
  return {};
}

}  // namespace gslb::api
