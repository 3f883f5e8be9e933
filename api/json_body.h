// Reading and answering JSON: the request body checks every write shares (415 for another media
// type, 400 for text that is not JSON, 422 for a body that is not an object) and the success
// responses.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "api/api_error.h"
#include "api/http_message.h"

namespace gslb::api {

Outcome<nlohmann::json> read_json_object(const HttpRequest& req);
HttpResponse json_response(int status, const nlohmann::json& body);
HttpResponse no_content();

// A boolean query parameter ("true"/"false"/"1"/"0"; absent: `fallback`).
Outcome<bool> bool_param(const HttpRequest& req, const char* name, bool fallback);
// ?limit=N of the lists that page: an integer 1 to 10000 (absent: `fallback`).
Outcome<size_t> limit_param(const HttpRequest& req, size_t fallback);

}  // namespace gslb::api
