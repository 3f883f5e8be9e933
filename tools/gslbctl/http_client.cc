#include "tools/gslbctl/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "tls/client_context.h"

namespace gslbctl {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr uint64_t kMaxBody = 64u << 20;

std::string describe(const beast::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated)
    return gslb::tls::describe_error(ec);
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
                                         std::chrono::milliseconds timeout,
                                         const std::string& ca_file) {
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

  std::shared_ptr<ssl::context> tls_context;
  if (server.tls) {
    auto made = gslb::tls::make_client_context(ca_file);
    if (!made) return gslb::make_error((ca_file.empty() ? "" : "--ca-file: ") + made.error());
    tls_context = std::move(*made);
  }

  asio::io_context io;
  tcp::resolver resolver(io);
  // One of them carries the exchange; `socket` is the TCP connection under either.
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> secure;
  if (server.tls)
    secure.emplace(io, *tls_context);
  else
    plain.emplace(io);
  tcp::socket& socket = secure ? secure->next_layer() : *plain;
  asio::steady_timer deadline(io, timeout);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);

  // The steps run as a chain of completion handlers on `io`; the deadline cancels whichever
  // step is pending. Every handler runs inside io.run() below, so capturing locals is safe.
  bool finished = false, timed_out = false, connected = false, handshaken = !server.tls;
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
  auto exchange = [&](auto& stream) {
    http::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) return finish(ec);
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) { finish(ec); });
    });
  };
  std::string setup_error;
  resolver.async_resolve(
      server.host, server.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return finish(ec);
        asio::async_connect(socket, results, [&](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return finish(ec);
          connected = true;
          if (!secure) return exchange(*plain);
          auto ready = gslb::tls::prepare_connection(secure->native_handle(), server.host, true);
          if (!ready) {
            setup_error = ready.error();
            return finish(asio::error::invalid_argument);
          }
          secure->async_handshake(ssl::stream_base::client, [&](beast::error_code ec) {
            if (ec) return finish(ec);
            handshaken = true;
            exchange(*secure);
          });
        });
      });
  io.run();

  if (timed_out)
    return gslb::make_error(gslb::ErrorKind::io, (connected ? "no answer from " : "cannot reach ") +
                                                     server.text + " within " +
                                                     seconds_text(timeout));
  if (!setup_error.empty())
    return gslb::make_error(gslb::ErrorKind::io, server.text + ": " + setup_error);
  if (failure && connected && !handshaken) {
    std::string why = server.text + ": TLS handshake failed: " + describe(failure);
    const std::string cert = gslb::tls::certificate_problem(secure->native_handle());
    if (!cert.empty()) {
      why += " (" + cert + ")";
      if (ca_file.empty()) why += "; give the server's CA with --ca-file FILE";
    }
    return gslb::make_error(gslb::ErrorKind::io, why);
  }
  // An HTTPS server closes on a request in clear without an HTTP answer.
  if (failure && connected && !server.tls && !parser.got_some())
    return gslb::make_error(gslb::ErrorKind::io, server.text + ": " + describe(failure) +
                                                     " (is it an HTTPS server? then https://)");
  if (failure)
    return gslb::make_error(gslb::ErrorKind::io, (connected ? "" : "cannot reach ") + server.text +
                                                     ": " + describe(failure));
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
