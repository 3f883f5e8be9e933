#include "server/servable_check.h"

#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"

namespace gslb {

Result<void> check_servable(const ConfigRows& rows) {
  auto zones = zones_from_rows(rows);
  if (!zones) return make_error("the DNS role could not serve this: " + zones.error());
  auto services = services_from_rows(rows, HealthRows{}, 0);
  if (!services) return make_error("the DNS role could not serve this: " + services.error());
  auto snap = build_snapshot(*zones, std::move(*services));
  if (!snap) return make_error("the DNS role could not serve this: " + snap.error());
  return {};
}

}  // namespace gslb
