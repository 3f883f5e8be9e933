// The status page at / (api/ui/index.html filled in on the server): services, members and their
// health per agent, agents, recent events and the explain form, as HTML that reads without
// JavaScript; api/ui/ui.js then keeps it current from the JSON API. Its handlers are in
// api/handlers.h; this is what the router needs besides.
#pragma once

#include "api/http_message.h"

namespace gslb::api {

// `refusal` (a 401, 403 or 429 for the page) as the page's shell: the same status and headers,
// no data, and a notice; with JavaScript the shell asks for a token and fills itself in.
HttpResponse page_refused(const HttpResponse& refusal);

}  // namespace gslb::api
