// HttpServer: HTTP/1.1 with keep-alive on Boost.Beast, C++20 coroutines on a few io threads,
// in clear or, given a TlsServerContext, over TLS only. It reads a request within limits
// (header and body deadlines, header size, the body limit, requests per connection, a
// connection cap), hands it to `handle` as a plain HttpRequest and writes the answer. A client
// whose header or body misses its deadline gets 408 (JSON) and the connection is closed; a
// kept connection idle past the header deadline between requests, or a stalled TLS handshake,
// is just closed. Over the cap, new connections get 503; every refusal is a JSON error.
// Thread-safety: start() and stop() from one thread; `handle` runs on the io threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "api/http_message.h"
#include "zones/base/result.h"

namespace gslb::api {

class TlsServerContext;

struct HttpLimits {
  size_t max_body = 1 << 20;
  size_t max_header = 16 * 1024;  // request line and fields; over it: 431
  size_t max_connections = 256;
  // The last one is answered with `Connection: close`: a client cannot hold one connection
  // (and its io thread's share) forever.
  unsigned max_requests_per_connection = 1000;
  // The whole header, the TLS handshake before the first, and keep-alive idle.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
};

class HttpServer {
 public:
  // `handle` runs on an io thread; `thread_start` (may be empty) runs once on each io thread
  // before it serves, and returns the per-thread state `handle` receives. `tls` (may be null:
  // plain HTTP) must outlive the server; each connection takes its current context.
  using Handle = std::function<HttpResponse(void* thread_state, const HttpRequest&)>;
  using ThreadStart = std::function<std::shared_ptr<void>()>;
  HttpServer(std::string address, HttpLimits limits, unsigned threads, ThreadStart start,
             Handle handle, const TlsServerContext* tls = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds ADDR:PORT ("127.0.0.1:8053", "[::1]:8053"), or serves on `listen_fd`, a listening
  // socket handed over by a predecessor (--handover); the error says what to fix.
  Result<void> start(int listen_fd = -1);
  void stop();
  uint16_t port() const;  // the bound port (useful with port 0)
  int listen_fd() const;  // the listening socket, for a successor; -1 when not started

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gslb::api
