// The OpenAPI 3 description of the API (api/openapi.json, embedded at build time).
#pragma once

#include <string_view>

namespace gslb::api {

std::string_view openapi_document();

}  // namespace gslb::api
