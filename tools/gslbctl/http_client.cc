#include "tools/gslbctl/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace gslbctl {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint64_t kMaxBody = 64u << 20;

std::string describe(const beast::error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again)
    return "unknown host";
  if (ec == asio::error::connection_reset) return "connection reset";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec == asio::error::host_unreachable) return "host unreachable";
  if (ec == asio::error::eof || ec == http::error::end_of_stream ||
      ec == http::error::partial_message)
    return "the connection closed before a complete answer";
  if (ec == http::error::body_limit) return "the answer is larger than 64 MiB";
  std::string text = ec.message();
  if (!text.empty()) text[0] = static_cast<char>(tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string seconds_text(std::chrono::milliseconds t) {
  const auto ms = t.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

gslb::Result<HttpResponse> http_exchange(const ServerUrl& server, const HttpRequest& request,
                                         std::chrono::milliseconds timeout) {
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) return gslb::make_error("unknown HTTP method " + request.method);
  http::request<http::string_body> req{verb, server.prefix + request.target, 11};
  req.set(http::field::host, server.host_header());
  req.set(http::field::user_agent, "gslbctl/0.1");
  req.set(http::field::accept, "application/json");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = request.body;
  }
  req.keep_alive(false);
  req.prepare_payload();

  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  asio::steady_timer deadline(io, timeout);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);

  // The steps run as a chain of completion handlers on `io`; the deadline cancels whichever
  // step is pending. Every handler runs inside io.run() below, so capturing locals is safe.
  bool finished = false, timed_out = false, connected = false;
  beast::error_code failure;
  auto finish = [&](beast::error_code ec) {
    finished = true;
    failure = ec;
    deadline.cancel();
  };
  deadline.async_wait([&](beast::error_code ec) {
    if (ec || finished) return;
    timed_out = true;
    resolver.cancel();
    beast::error_code ignored;
    socket.close(ignored);
  });
  resolver.async_resolve(
      server.host, server.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return finish(ec);
        asio::async_connect(socket, results, [&](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return finish(ec);
          connected = true;
          http::async_write(socket, req, [&](beast::error_code ec, size_t) {
            if (ec) return finish(ec);
            http::async_read(socket, buffer, parser,
                             [&](beast::error_code ec, size_t) { finish(ec); });
          });
        });
      });
  io.run();

  if (timed_out)
    return gslb::make_error((connected ? "no answer from " : "cannot reach ") + server.text +
                            " within " + seconds_text(timeout));
  if (failure)
    return gslb::make_error((connected ? "" : "cannot reach ") + server.text + ": " +
                            describe(failure));
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);

  auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.reason = std::string(res.reason());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  return out;
}

}  // namespace gslbctl
