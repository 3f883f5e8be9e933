// The route handlers, one file per resource (api/routes_*.cc); api/routes.cc maps them to paths.
#pragma once

#include "api/router.h"

namespace gslb::api {

#define GSLB_HANDLER(name) \
  HttpResponse name(ApiContext& ctx, const HttpRequest& req, const Params& p)

// routes_meta.cc
GSLB_HANDLER(get_healthz);
GSLB_HANDLER(get_readyz);
GSLB_HANDLER(get_metrics);
GSLB_HANDLER(get_openapi);
GSLB_HANDLER(get_catalogue);
GSLB_HANDLER(get_config);
GSLB_HANDLER(put_config);
// routes_zones.cc
GSLB_HANDLER(list_zones);
GSLB_HANDLER(create_zone);
GSLB_HANDLER(get_zone);
GSLB_HANDLER(replace_zone);
GSLB_HANDLER(delete_zone);
GSLB_HANDLER(list_records);
GSLB_HANDLER(create_record);
GSLB_HANDLER(delete_record);
// routes_checks.cc
GSLB_HANDLER(list_checks);
GSLB_HANDLER(create_check);
GSLB_HANDLER(get_check);
GSLB_HANDLER(replace_check);
GSLB_HANDLER(patch_check);
GSLB_HANDLER(delete_check);
// routes_services.cc
GSLB_HANDLER(list_services);
GSLB_HANDLER(create_service);
GSLB_HANDLER(get_service);
GSLB_HANDLER(replace_service);
GSLB_HANDLER(patch_service);
GSLB_HANDLER(delete_service);
// routes_members.cc
GSLB_HANDLER(list_members);
GSLB_HANDLER(create_member);
GSLB_HANDLER(get_member);
GSLB_HANDLER(replace_member);
GSLB_HANDLER(patch_member);
GSLB_HANDLER(delete_member);
GSLB_HANDLER(list_member_events);
// routes_bulk.cc
GSLB_HANDLER(post_drain);
GSLB_HANDLER(post_enable);
// routes_health.cc
GSLB_HANDLER(get_health);
GSLB_HANDLER(list_agents);
GSLB_HANDLER(get_agent_checks);
GSLB_HANDLER(post_observations);
// routes_events.cc
GSLB_HANDLER(list_events);
// routes_explain.cc
GSLB_HANDLER(get_explain);
// ui_page.cc: the status page, and the explain form's answer rendered in it
GSLB_HANDLER(get_ui_page);
GSLB_HANDLER(get_ui_explain);
// ui_assets.cc
GSLB_HANDLER(get_ui_asset);

#undef GSLB_HANDLER

}  // namespace gslb::api
