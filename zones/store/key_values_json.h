// Plug-in key values (zones/base/keys.h) as the JSON objects the store keeps them in
// (services.policy_options, checks.options) and the document gives them. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "zones/base/keys.h"
#include "zones/base/result.h"

namespace gslb {

// A JSON object of scalars → KeyValues, in document order. "" reads as {}. Errors: not JSON,
// not an object, a duplicate key, or a value that is an array, object or null (named by key).
Result<KeyValues> key_values_from_json(std::string_view json_text);

// KeyValues → a compact JSON object ("{}" when empty), in their order.
std::string key_values_json(const KeyValues& values);

}  // namespace gslb
