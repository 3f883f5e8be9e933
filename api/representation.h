// The JSON the API answers with. Zones, checks, services and members appear in the shapes of the
// declarative document (zones/config_document.h), so what GET returns can be sent back with PUT,
// plus read-only keys (a service's "zone", a member's state and health). The health of members
// is folded with the DNS role's own rules (server/service_table_builder.h), so the API says
// exactly what the DNS answers act on.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/config_view.h"
#include "zones/model/snapshot.h"
#include "zones/store/store_rows.h"

namespace gslb::api {

using nlohmann::json;

// "app.example.test." -> "app.example.test".
std::string display(const std::string& name);

json check_json(const CheckRow& c);
json zone_json(const ZoneRow& z, const ConfigView& view);
json record_json(const RecordRow& r);
json service_settings_json(const ServiceRow& s, const ConfigView& view);  // document keys
json member_settings_json(const MemberRow& m, const ConfigView& view);    // document keys
json document_json(const ConfigView& view);
json event_json(const EventRow& e);

// Health of every member as the DNS role folds it, with the observations behind it.
struct HealthView {
  int64_t now_ms = 0;
  ServiceTable table;  // from services_from_rows
  std::map<int64_t, const Member*> by_member;
  std::map<int64_t, std::vector<ObservationRow>> observations;  // member id ->
  std::map<std::string, AgentRow> agents;
  std::map<int64_t, int64_t> last_change_ms;
};
Outcome<HealthView> load_health_view(Store& store, const ConfigView& view, int64_t now_ms);

// When a drained member's last answers have expired from resolvers' caches: the service's
// largest TTL plus a margin after the drain.
constexpr int64_t kDrainMarginMs = 5000;
int64_t drain_complete_ms(const MemberRow& m, const ServiceRow& s);

// MEMBER as answered (api/API.md): the document keys, state, health and observations.
json member_json(const MemberRow& m, const ServiceRow& s, const ConfigView& view,
                 const HealthView& health);
// SERVICE as answered: settings, "zone", and its members (full MEMBERs when `health` is given).
json service_json(const ServiceRow& s, const ConfigView& view, const HealthView* health);

}  // namespace gslb::api
