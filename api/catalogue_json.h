// The plug-in catalogue as JSON: GET /v1/catalogue (every policy and probe type with its keys),
// and the parts of the OpenAPI document that come from it. api/openapi.json marks those places
// with "x-catalogue" instead of copying names: "policies" and "probe-types" get an enum,
// "probe-options" the option keys of every probe type, "policy-keys" the service keys of every
// policy. Pure functions over the read-only catalogue: thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace gslb::api {

nlohmann::json catalogue_json();

// Fills every x-catalogue place of an OpenAPI document in place.
void fill_catalogue(nlohmann::json& openapi);

}  // namespace gslb::api
