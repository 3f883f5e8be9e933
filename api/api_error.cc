#include "api/api_error.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace gslb::api {
namespace {

ApiError make(int status, const char* code, std::string message, std::string field) {
  ApiError e;
  e.status = status;
  e.code = code;
  e.message = std::move(message);
  e.field = std::move(field);
  return e;
}

// Whether the text before ": " in a validator line is a JSON path (keys may hold spaces) and
// not one of the lines about the text as a whole: "line 3, column 5: ...", "document: ...",
// "the DNS role could not serve this: ...".
bool is_path(const std::string& prefix) {
  if (prefix == "document" || prefix.rfind("the DNS role", 0) == 0) return false;
  unsigned line = 0, column = 0;
  char tail = 0;
  if (sscanf(prefix.c_str(), "line %u, column %u%c", &line, &column, &tail) == 2) return false;
  return true;
}

}  // namespace

ApiError bad_request(std::string message, std::string field) {
  return make(400, "bad_request", std::move(message), std::move(field));
}
ApiError not_found(std::string message) {
  return make(404, "not_found", std::move(message), {});
}
ApiError conflict(std::string message, std::string field) {
  return make(409, "conflict", std::move(message), std::move(field));
}
ApiError invalid(std::string message, std::string field) {
  return make(422, "invalid", std::move(message), std::move(field));
}
ApiError unsupported_media_type(std::string message) {
  return make(415, "unsupported_media_type", std::move(message), {});
}
ApiError server_error(std::string message) {
  return make(500, "internal", std::move(message), {});
}

ApiError invalid_lines(const std::string& lines, const std::string& prefix) {
  ApiError e = make(422, "invalid", {}, {});
  size_t pos = 0;
  while (pos < lines.size()) {
    size_t end = lines.find('\n', pos);
    if (end == std::string::npos) end = lines.size();
    std::string line = lines.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    std::string field, message = line;
    // "services[0].ttl: must be ..." -> field, message. A line without a path is about the
    // object (or the JSON text) as a whole.
    size_t colon = line.find(": ");
    if (colon == 0) {
      message = line.substr(2);
    } else if (colon != std::string::npos && is_path(line.substr(0, colon))) {
      field = line.substr(0, colon);
      message = line.substr(colon + 2);
    }
    if (!field.empty())
      field = prefix + field;
    else if (!prefix.empty() && prefix.back() == '.')
      field = prefix.substr(0, prefix.size() - 1);
    e.errors.emplace_back(field, message);
  }
  if (e.errors.empty()) e.errors.emplace_back("", lines);
  e.field = e.errors.front().first;
  for (const auto& [f, m] : e.errors)
    e.message += (e.message.empty() ? "" : "; ") + (f.empty() ? m : f + ": " + m);
  return e;
}

HttpResponse error_response(const ApiError& e) {
  nlohmann::json j = {{"error", e.code}, {"message", e.message}};
  j["field"] = e.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.field);
  if (!e.errors.empty() && e.status == 422) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [f, m] : e.errors)
      list.push_back(
          {{"field", f.empty() ? nlohmann::json(nullptr) : nlohmann::json(f)}, {"message", m}});
    j["errors"] = std::move(list);
  }
  HttpResponse r;
  r.status = e.status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return r;
}

}  // namespace gslb::api
