// ApiError: every failure the API reports, as a value: the HTTP status, a stable code, a message
// the user can act on, and the field it is about. Rendered as
// {"error": CODE, "message": TEXT, "field": PATH or null}.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "api/http_message.h"
#include "zones/base/result.h"

namespace gslb::api {

struct ApiError {
  int status = 500;
  std::string code;
  std::string message;
  std::string field;  // empty: null
  // A rejected document lists every problem: (field, message).
  std::vector<std::pair<std::string, std::string>> errors;
};

ApiError bad_request(std::string message, std::string field = {});
ApiError not_found(std::string message);
ApiError conflict(std::string message, std::string field = {});
ApiError invalid(std::string message, std::string field = {});
ApiError unsupported_media_type(std::string message);
ApiError server_error(std::string message);

// An error of the layers below by its kind alone (never its message text): invalid 422, listing
// each of its problems with its field (the first names the error's field), not_found 404,
// conflict 409, busy 503 "unavailable" (retry), corrupt, io and internal 500. `prefix` is put
// before each field ("members[0].").
ApiError api_error(const Error& e, const std::string& prefix = {});

HttpResponse error_response(const ApiError& e);

// A value or an ApiError.
template <typename T>
class Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Outcome(ApiError e) : v_(std::move(e)) {}   // NOLINT
  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace gslb::api
