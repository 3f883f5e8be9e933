// The API's routes: method, path pattern, handler, and who may call it. A new route is one line
// here (and its description in api/openapi.json, which a test checks against this table).
#include "api/handlers.h"

namespace gslb::api {

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"GET", "/healthz", get_healthz, Access::kOpen},
      {"GET", "/readyz", get_readyz, Access::kOpen},
      {"GET", "/metrics", get_metrics, Access::kRead},
      {"GET", "/v1/openapi.json", get_openapi, Access::kOpen},
      {"GET", "/v1/catalogue", get_catalogue, Access::kOpen},
      {"GET", "/v1/config", get_config, Access::kRead},
      {"PUT", "/v1/config", put_config, Access::kWrite},
      {"GET", "/v1/zones", list_zones, Access::kRead},
      {"POST", "/v1/zones", create_zone, Access::kWrite},
      {"GET", "/v1/zones/{zone}", get_zone, Access::kRead},
      {"PUT", "/v1/zones/{zone}", replace_zone, Access::kWrite},
      {"DELETE", "/v1/zones/{zone}", delete_zone, Access::kWrite},
      {"GET", "/v1/zones/{zone}/records", list_records, Access::kRead},
      {"POST", "/v1/zones/{zone}/records", create_record, Access::kWrite},
      {"DELETE", "/v1/zones/{zone}/records/{id}", delete_record, Access::kWrite},
      {"GET", "/v1/checks", list_checks, Access::kRead},
      {"POST", "/v1/checks", create_check, Access::kWrite},
      {"GET", "/v1/checks/{check}", get_check, Access::kRead},
      {"PUT", "/v1/checks/{check}", replace_check, Access::kWrite},
      {"PATCH", "/v1/checks/{check}", patch_check, Access::kWrite},
      {"DELETE", "/v1/checks/{check}", delete_check, Access::kWrite},
      {"GET", "/v1/services", list_services, Access::kRead},
      {"POST", "/v1/services", create_service, Access::kWrite},
      {"GET", "/v1/services/{service}", get_service, Access::kRead},
      {"PUT", "/v1/services/{service}", replace_service, Access::kWrite},
      {"PATCH", "/v1/services/{service}", patch_service, Access::kWrite},
      {"DELETE", "/v1/services/{service}", delete_service, Access::kWrite},
      {"GET", "/v1/services/{service}/members", list_members, Access::kRead},
      {"POST", "/v1/services/{service}/members", create_member, Access::kWrite},
      {"GET", "/v1/services/{service}/members/{member}", get_member, Access::kRead},
      {"PUT", "/v1/services/{service}/members/{member}", replace_member, Access::kWrite},
      {"PATCH", "/v1/services/{service}/members/{member}", patch_member, Access::kWrite},
      {"DELETE", "/v1/services/{service}/members/{member}", delete_member, Access::kWrite},
      {"GET", "/v1/services/{service}/members/{member}/events", list_member_events, Access::kRead},
      {"POST", "/v1/drain", post_drain, Access::kWrite},
      {"POST", "/v1/enable", post_enable, Access::kWrite},
      {"GET", "/v1/health", get_health, Access::kRead},
      {"GET", "/v1/agents", list_agents, Access::kRead},
      {"GET", "/v1/events", list_events, Access::kRead},
      {"GET", "/v1/agents/{agent}/checks", get_agent_checks, Access::kAgentRead},
      {"POST", "/v1/agents/{agent}/observations", post_observations, Access::kAgentWrite},
      {"GET", "/v1/explain", get_explain, Access::kRead},
      {"GET", "/", get_ui_page, Access::kPage},
      {"GET", "/ui/explain", get_ui_explain, Access::kPage},
      // Static files without data in them: the token prompt needs them before it has a token.
      {"GET", "/ui/ui.css", get_ui_asset, Access::kOpen},
      {"GET", "/ui/ui.js", get_ui_asset, Access::kOpen},
  };
  return table;
}

}  // namespace gslb::api
