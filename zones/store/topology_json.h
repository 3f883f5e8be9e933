// A service's pools and rules (TopologyRows) as the JSON object the store keeps them in
// (services.topology), and a member's further addresses as a JSON array (members.addresses). The
// document's validation (zones/config/config_parse.cc) decides what is allowed; this only writes
// rows out and reads back what it wrote. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "zones/base/result.h"
#include "zones/store/store_rows.h"

namespace gslb {

// "{}" for a service without pools.
std::string topology_json(const TopologyRows& topology);

// "" and "{}" read as no pools. Errors say which part is malformed ("pools[1].fallback: not an
// array of strings").
Result<TopologyRows> topology_from_json(std::string_view json_text);

// A JSON array of strings (members.addresses), and back; "" reads as [].
std::string string_list_json(const std::vector<std::string>& list);
Result<std::vector<std::string>> string_list_from_json(std::string_view json_text);

}  // namespace gslb
