// A small synchronous HTTP/1.1 client over Boost.Beast, http or https (TLS set up by
// tls/client_context.h: the certificate checked against the CAs and the URL's host): one
// request per connection (`Connection: close`), one deadline covering name resolution,
// connect, handshake, send and the whole answer. Errors are values naming the server and what
// went wrong ("cannot reach http://127.0.0.1:8053: connection refused"). Thread-compatible:
// each call has its own io_context and socket.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tools/gslbctl/server_url.h"
#include "zones/base/result.h"

namespace gslbctl {

struct HttpRequest {
  std::string method;  // GET, PUT, PATCH...
  std::string target;  // origin form, already encoded: /v1/services/app.example.test
  std::string body;    // sent with Content-Type: application/json when not empty
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string content_type;
  std::string body;
};

// Any status is a response; only transport failures (a refused certificate among them) and an
// answer over 64 MiB are errors. `ca_file`: https only, "" for the system CA store.
gslb::Result<HttpResponse> http_exchange(const ServerUrl& server, const HttpRequest& request,
                                         std::chrono::milliseconds timeout,
                                         const std::string& ca_file = {});

}  // namespace gslbctl
