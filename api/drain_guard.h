// drain_refusal: whether taking members out of service (a drain, enabled: false) would leave a
// service with fewer answering members than its min_healthy (at least one) in an address
// family those members serve. The API refuses such a change with 409 unless ?force=true, so an
// operator cannot drain the last healthy site by mistake. A member that is not answering now
// (down, drained, a sorry server) can always be taken out: it changes nothing for clients.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "api/config_view.h"
#include "api/representation.h"

namespace gslb::api {

// The reason, naming the service, the family and the counts; "" when nothing is left short.
std::string drain_refusal(const HealthView& health, const ConfigView& view,
                          const std::set<int64_t>& leaving);

}  // namespace gslb::api
