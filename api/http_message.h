// HttpRequest and HttpResponse: what a route handler sees and returns, as plain values. The
// HTTP server (api/http_server.cc) is the only file that knows Boost.Beast, so handlers compile
// fast and can be called directly by tests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gslb::api {

struct HttpRequest {
  std::string method;                                      // "GET", "PATCH"...
  std::string target;                                      // as sent: path and query
  std::vector<std::string> segments;                       // the path split at "/", percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string peer;  // the client's address ("127.0.0.1", "::1")
  std::string authorization;
  std::string content_type;
  std::string if_none_match;
  std::string body;
  bool bad_target = false;  // the target could not be decoded

  // The first value of query parameter `name`.
  std::optional<std::string> param(std::string_view name) const {
    for (const auto& [k, v] : query)
      if (k == name) return v;
    return std::nullopt;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Splits "/v1/a%2Fb/c?x=1&y" into its decoded segments and query; false when it cannot.
bool parse_target(std::string_view target, std::vector<std::string>& segments,
                  std::vector<std::pair<std::string, std::string>>& query);

}  // namespace gslb::api
