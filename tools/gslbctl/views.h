// Text views of API answers for `-o table`. Each takes an answer body exactly as the API sent it
// (JSON text, shapes of api/API.md) and returns the text to print, or an error when the answer
// is not the expected shape. Missing or null values print as "-". Pure functions: the clock
// comes in as an argument where one is needed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "zones/base/result.h"

namespace gslbctl {

// `get zones|services|members|health|agents|checks|catalogue`.
gslb::Result<std::string> view_zones(std::string_view body);
gslb::Result<std::string> view_services(std::string_view body);
gslb::Result<std::string> view_members(std::string_view body);
gslb::Result<std::string> view_health(std::string_view body);
gslb::Result<std::string> view_agents(std::string_view body);
gslb::Result<std::string> view_checks(std::string_view body);
// `get catalogue`: every policy and check type the server knows, one row per key.
gslb::Result<std::string> view_catalogue(std::string_view body);

// `apply`: the change lines, "no changes", and a dry-run note.
gslb::Result<std::string> view_apply(std::string_view body);

// drain/enable/disable/set-weight: a sentence on MEMBER's new state (for a draining member, how
// long resolvers may still hold it, from drain_complete_ms and `now_ms`), then its row.
gslb::Result<std::string> view_member_change(std::string_view service, std::string_view body,
                                             int64_t now_ms);

// `explain`: the answer, the service and the decision, then one row per member.
gslb::Result<std::string> view_explain(std::string_view body);

// `status`: one row per member (state, health, RTT per agent, freshness), then one summary
// line per service ("app.example.test  weighted  2/3 up").
gslb::Result<std::string> view_status(std::string_view body);

}  // namespace gslbctl
