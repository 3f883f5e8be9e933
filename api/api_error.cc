#include "api/api_error.h"

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

ApiError api_error(const Error& e, const std::string& prefix) {
  switch (e.kind) {
    case ErrorKind::invalid: {
      ApiError out = make(422, "invalid", {}, {});
      auto add = [&](const Error& p) {
        std::string field = p.field;
        // A problem about the object as a whole is about the object the prefix names.
        if (!field.empty())
          field = prefix + field;
        else if (!prefix.empty() && prefix.back() == '.')
          field = prefix.substr(0, prefix.size() - 1);
        out.errors.emplace_back(std::move(field), p.message);
      };
      if (e.problems.empty()) add(e);  // its own only problem
      for (const Error& p : e.problems) add(p);
      out.field = out.errors.front().first;
      for (const auto& [f, m] : out.errors)
        out.message += (out.message.empty() ? "" : "; ") + (f.empty() ? m : f + ": " + m);
      return out;
    }
    case ErrorKind::not_found:
      return not_found(e.message);
    case ErrorKind::conflict:
      return conflict(e.message, e.field.empty() ? std::string() : prefix + e.field);
    case ErrorKind::busy:
      return make(503, "unavailable", e.message, {});
    case ErrorKind::corrupt:
    case ErrorKind::io:
    case ErrorKind::internal:
      break;
  }
  return server_error(e.message);
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
