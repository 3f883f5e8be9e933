// /metrics in the Prometheus text format (0.0.4): DNS responses by rcode and qtype, answers per
// service and member, member health, probe RTT and failures per agent, snapshot age and rebuild
// time, and the API's own requests.
#pragma once

#include <string>

#include "api/api_context.h"

namespace gslb::api {

std::string metrics_text(ApiContext& ctx);

}  // namespace gslb::api
