// The route table and dispatch: matches a request to a route ("/v1/services/{service}"), checks
// the bearer token, and turns unknown paths into 404 and wrong methods into 405 with Allow.
// Every route is one line of the table in api/routes.cc.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/api_context.h"
#include "api/http_message.h"

namespace gslb::api {

using Params = std::vector<std::string>;  // the path's {placeholders}, in order
using Handler = HttpResponse (*)(ApiContext& ctx, const HttpRequest& req, const Params& params);

// Who may call a route. kAgentRead and kAgentWrite are a remote agent's own routes
// (/v1/agents/{agent}/…): an agent token may call them (as its agent only, when bound to one)
// and nothing else; kAgentRead is also open to read tokens, kAgentWrite to admin tokens. kPage
// is kRead for an HTML page: a browser cannot send a token with a navigation, so a refusal is
// the page's shell (api/ui_page.h, no data in it) with the refusal's status and headers, from
// which the page's script asks for a token, rather than a JSON error.
enum class Access { kOpen, kRead, kWrite, kAgentRead, kAgentWrite, kPage };

struct Route {
  std::string_view method;
  std::string_view pattern;
  Handler handler;
  Access access;
};

// Every route the API serves (api/routes.cc).
const std::vector<Route>& routes();

HttpResponse dispatch(ApiContext& ctx, const HttpRequest& req);

}  // namespace gslb::api
