#include "tools/gslbctl/api_client.h"

#include <nlohmann/json.hpp>

#include "tools/gslbctl/http_client.h"

namespace gslbctl {

namespace {

using nlohmann::json;

std::string text_of(const json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

// The error answer of API.md ("Errors") as text: "MESSAGE (field FIELD)". A document rejected
// for several reasons lists them one per line instead of the joined message. A body that is not
// an error answer (a proxy's page, say) becomes "HTTP STATUS REASON from SERVER".
std::string error_text(const HttpResponse& res, const ServerUrl& server, bool have_token) {
  const json j = json::parse(res.body, nullptr, false);
  std::string out;
  const json* errors =
      j.is_object() && j.contains("errors") && j["errors"].is_array() ? &j["errors"] : nullptr;
  if (errors != nullptr && errors->size() > 1) {
    out = "rejected, nothing changed (" + std::to_string(errors->size()) + " errors):";
    for (const json& e : *errors) {
      const bool has_field = e.is_object() && e.contains("field") && !e["field"].is_null();
      const bool has_message = e.is_object() && e.contains("message");
      out += "\n  " + (has_field ? text_of(e["field"]) + ": " : std::string()) +
             (has_message ? text_of(e["message"]) : text_of(e));
    }
  } else if (j.is_object() && j.contains("message")) {
    out = text_of(j["message"]);
    if (j.contains("field") && !j["field"].is_null()) out += " (field " + text_of(j["field"]) + ")";
  } else {
    out = "HTTP " + std::to_string(res.status) + " " + res.reason + " from " + server.text;
    std::string snippet = res.body.substr(0, 200);
    while (!snippet.empty() && isspace(static_cast<unsigned char>(snippet.back())))
      snippet.pop_back();
    if (!snippet.empty()) out += ": " + snippet;
  }
  if (res.status == 401 && !have_token)
    out += "\n  (the server wants a token: --token-file FILE or GSLBCTL_TOKEN_FILE)";
  return out;
}

}  // namespace

ApiClient::ApiClient(ServerUrl server, std::string token, std::string ca_file,
                     std::chrono::milliseconds timeout)
    : server_(std::move(server)),
      token_(std::move(token)),
      ca_file_(std::move(ca_file)),
      timeout_(timeout) {}

gslb::Result<std::string> ApiClient::call(std::string_view method, std::string_view target,
                                          std::string_view body) const {
  HttpRequest req;
  req.method = std::string(method);
  req.target = std::string(target);
  req.body = std::string(body);
  if (!token_.empty()) req.headers.emplace_back("Authorization", "Bearer " + token_);
  auto res = http_exchange(server_, req, timeout_, ca_file_);
  if (!res) return res.failure();
  if (res->status < 200 || res->status > 299)
    return gslb::make_error(res->status == 404   ? gslb::ErrorKind::not_found
                            : res->status == 409 ? gslb::ErrorKind::conflict
                                                 : gslb::ErrorKind::invalid,
                            error_text(*res, server_, !token_.empty()));
  return std::move(res->body);
}

}  // namespace gslbctl
