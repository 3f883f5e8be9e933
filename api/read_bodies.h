// The bodies of the read routes, as values: the status page (api/ui_page.cc) renders exactly the
// data the JSON routes answer with, from the same code, instead of querying on its own.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/http_message.h"

namespace gslb::api {

// GET /v1/health[?service=S] (routes_health.cc).
Outcome<nlohmann::json> health_body(ApiContext& ctx, const std::optional<std::string>& service);
// GET /v1/agents (routes_health.cc).
Outcome<nlohmann::json> agents_body(ApiContext& ctx);
// GET /v1/events[?limit=N] (routes_events.cc).
Outcome<nlohmann::json> events_body(ApiContext& ctx, size_t limit);
// GET /v1/explain?name=N[&type=T][&client=C] (routes_explain.cc).
Outcome<nlohmann::json> explain_body(ApiContext& ctx, const HttpRequest& req);

}  // namespace gslb::api
