#include "api/json_body.h"

#include <strings.h>

#include <nlohmann/json.hpp>

namespace gslb::api {

Outcome<nlohmann::json> read_json_object(const HttpRequest& req) {
  std::string type = req.content_type.substr(0, req.content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (strcasecmp(type.c_str(), "application/json") != 0)
    return unsupported_media_type("the body must be application/json (got " +
                                  (req.content_type.empty() ? std::string("no Content-Type")
                                                            : "\"" + req.content_type + "\"") +
                                  ")");
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) {
    // Parse again for the position of the first error; the exception stays inside this file.
    std::string where;
    try {
      nlohmann::json again = nlohmann::json::parse(req.body);
      (void)again;
    } catch (const nlohmann::json::parse_error& e) {
      where = " (byte " + std::to_string(e.byte) + ")";
    }
    return bad_request("the body is not valid JSON" + where);
  }
  if (!j.is_object()) return invalid("the body must be a JSON object");
  return j;
}

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

HttpResponse no_content() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Outcome<bool> bool_param(const HttpRequest& req, const char* name, bool fallback) {
  auto v = req.param(name);
  if (!v) return fallback;
  if (*v == "true" || *v == "1" || v->empty()) return true;
  if (*v == "false" || *v == "0") return false;
  return bad_request(std::string("query parameter ") + name + ": expected true or false", name);
}

}  // namespace gslb::api
