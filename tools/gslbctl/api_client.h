// ApiClient: calls the gslbd REST API (api/API.md) and turns every failure into one message a
// user can act on. An API error answer ({"error", "message", "field"}) becomes
// "MESSAGE (field FIELD)"; one with several "errors" (a rejected document) becomes
// "rejected, nothing changed (N errors):" and one "  FIELD: MESSAGE" line each.
// Thread-compatible; holds no connection between calls.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "tools/gslbctl/server_url.h"
#include "zones/base/result.h"

namespace gslbctl {

class ApiClient {
 public:
  // An empty `token` sends no Authorization header; `ca_file` is for an https server (empty:
  // the system CA store).
  ApiClient(ServerUrl server, std::string token, std::string ca_file,
            std::chrono::milliseconds timeout);

  // `target` is an encoded origin-form path below the server URL ("/v1/health"). Returns the
  // body of a 2xx answer; anything else is an error.
  gslb::Result<std::string> call(std::string_view method, std::string_view target,
                                 std::string_view body = {}) const;

  const ServerUrl& server() const { return server_; }

 private:
  ServerUrl server_;
  std::string token_;
  std::string ca_file_;
  std::chrono::milliseconds timeout_;
};

}  // namespace gslbctl
