#include "api/http_server.h"

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstring>
#include <thread>
#include <vector>

#include "api/tls_context.h"
#include "server/listen_address.h"
#include "zones/base/log.h"

namespace gslb::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

thread_local void* tls_state = nullptr;

// A peer gone (closed, reset, timed out) or a TLS record that is not one: nothing more can be
// said to it.
bool peer_gone(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == beast::error::timeout || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

const char* reason_code(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 408:
      return "request_timeout";
    case 413:
      return "payload_too_large";
    case 431:
      return "headers_too_large";
    case 500:
      return "internal";
    case 503:
      return "unavailable";
    default:
      return "error";
  }
}

HttpResponse internal_error(const HttpRequest& r, const std::string& what) {
  log_error("api: " + r.method + " " + r.target.substr(0, r.target.find('?')) +
            ": the handler failed: " + what);
  HttpResponse out;
  out.status = 500;
  out.body =
      "{\"error\": \"internal\", \"message\": \"the request failed inside the server (logged)\", "
      "\"field\": null}\n";
  return out;
}

http::response<http::string_body> plain_error(int status, const std::string& message,
                                              unsigned version) {
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::server, "gslbd");
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  res.body() = std::string("{\"error\": \"") + reason_code(status) + "\", \"message\": \"" +
               escaped + "\", \"field\": null}\n";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

// A read under a deadline that leaves the connection open when it passes, so that the client
// can still be told (408). Beast's own expiry closes the socket, after which nothing can be
// written. The timer and the read complete on the connection's strand: a timer that fires
// after the read has completed finds `done` set and leaves the socket alone. True when the
// deadline passed; the read's own error (aborted, then) says whether it mattered.
template <class Stream, class Read>
awaitable<bool> read_by(Stream& stream, std::chrono::milliseconds limit, Read read) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_never();
  struct State {
    bool done = false, expired = false;
  };
  auto state = std::make_shared<State>();
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  timer.async_wait([state, &lowest](const boost::system::error_code& ec) {
    if (ec || state->done) return;
    state->expired = true;
    boost::system::error_code ignored;
    lowest.socket().cancel(ignored);
  });
  co_await read();
  state->done = true;
  timer.cancel();
  co_return state->expired;
}

}  // namespace

struct HttpServer::Impl {
  std::string address;
  HttpLimits limits;
  unsigned threads;
  ThreadStart thread_start;
  Handle handle;
  const TlsServerContext* tls = nullptr;  // null: plain HTTP
  // Before io: destroying io destroys suspended sessions, which decrement it.
  std::atomic<size_t> connections{0};
  uint16_t bound_port = 0;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> pool;

  awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      // Each connection on its own strand: its deadline timers and its reads never run at once
      // on two io threads.
      tcp::socket s = co_await acceptor->async_accept(asio::make_strand(io),
                                                      asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) continue;  // EMFILE and friends: keep accepting
      if (connections.load() >= limits.max_connections) {
        auto executor = s.get_executor();
        asio::co_spawn(executor, refuse(std::move(s)), asio::detached);
        continue;
      }
      ++connections;
      auto executor = s.get_executor();
      if (tls)
        asio::co_spawn(executor, tls_session(std::move(s), tls->current()), asio::detached);
      else
        asio::co_spawn(executor, plain_session(std::move(s)), asio::detached);
    }
  }

  awaitable<void> refuse(tcp::socket s) {
    auto res = plain_error(503, "too many connections; retry later", 11);
    boost::system::error_code ec;
    if (!tls) {
      beast::tcp_stream stream(std::move(s));
      stream.expires_after(std::chrono::seconds(1));
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      co_return;
    }
    const std::shared_ptr<ssl::context> context = tls->current();
    TlsStream stream(std::move(s), *context);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    co_await stream.async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(use_awaitable, ec));
    if (!ec) co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    if (!ec) co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  struct Release {
    std::atomic<size_t>& n;
    ~Release() { --n; }
  };

  awaitable<void> plain_session(tcp::socket s) {
    Release release{connections};
    beast::tcp_stream stream(std::move(s));
    co_await serve(stream);
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  // `context` is the pair current when the connection came: a reload meanwhile does not touch
  // it, and it lives as long as the connection.
  awaitable<void> tls_session(tcp::socket s, std::shared_ptr<ssl::context> context) {
    Release release{connections};
    TlsStream stream(std::move(s), *context);
    auto& lowest = beast::get_lowest_layer(stream);
    boost::system::error_code ec;
    // A client that stalls its handshake is dropped as one that stalls its header is.
    lowest.expires_after(limits.header_timeout);
    co_await stream.async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      co_await serve(stream);
      // close_notify (RFC 8446 s6.1), so the client can tell the end from a truncation; the
      // socket may be gone already, then this fails at once.
      lowest.expires_after(std::chrono::seconds(1));
      co_await stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
    }
    lowest.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  // Requests and answers on one connection until it ends; the caller closes it.
  template <class Stream>
  awaitable<void> serve(Stream& stream) {
    auto& lowest = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (unsigned served = 1;; ++served) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header));
      parser.body_limit(limits.max_body);
      const bool header_late = co_await read_by(stream, limits.header_timeout, [&] {
        return http::async_read_header(stream, buffer, parser,
                                       asio::redirect_error(use_awaitable, ec));
      });
      int fail = 0;
      std::string why;
      if (header_late && ec) {
        // Between two requests of a kept connection a 408 could cross a request the client
        // is just sending (RFC 9112 s9.5): that idle end is a plain close. A request begun,
        // or a connection that never sent its first, is told why.
        if (served > 1 && buffer.size() == 0) break;
        fail = 408;
        why = "the request header did not arrive within " +
              std::to_string(limits.header_timeout.count()) + " ms";
      } else if (peer_gone(ec)) {
        break;
      } else if (ec == http::error::header_limit) {
        fail = 431;
        why = "request headers over the limit of " + std::to_string(limits.max_header) + " bytes";
      } else if (ec == http::error::body_limit) {  // a Content-Length over the limit
        fail = 413;
        why = "body of " + std::string(parser.get()[http::field::content_length]) +
              " bytes is over the limit of " + std::to_string(limits.max_body);
      } else if (ec) {
        fail = 400;
        why = "malformed HTTP request: " + ec.message();
      }
      if (!fail) {
        auto length = parser.content_length();
        if (length && *length > limits.max_body) {
          fail = 413;
          why = "body of " + std::to_string(*length) + " bytes is over the limit of " +
                std::to_string(limits.max_body);
        }
      }
      if (!fail && !parser.is_done()) {
        const bool body_late = co_await read_by(stream, limits.body_timeout, [&] {
          return http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
        });
        if (body_late && ec) {
          fail = 408;
          why = "the request body did not arrive within " +
                std::to_string(limits.body_timeout.count()) + " ms";
        } else if (ec == http::error::body_limit) {
          fail = 413;
          why = "body over the limit of " + std::to_string(limits.max_body) + " bytes";
        } else if (ec) {
          break;
        }
      }
      if (fail) {
        auto res = plain_error(fail, why, 11);
        lowest.expires_after(limits.write_timeout);
        co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
        break;
      }
      auto& req = parser.get();
      HttpRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.bad_target = !parse_target(r.target, r.segments, r.query);
      if (auto peer = lowest.socket().remote_endpoint(ec); !ec) r.peer = peer.address().to_string();
      r.authorization = std::string(req[http::field::authorization]);
      r.content_type = std::string(req[http::field::content_type]);
      r.if_none_match = std::string(req[http::field::if_none_match]);
      r.body = std::move(req.body());
      HttpResponse out;
      // A handler that throws is a bug; the client still gets an answer and the operator a
      // line, where the coroutine would otherwise end and drop the connection silently.
      try {
        out = handle(tls_state, r);
      } catch (const std::exception& e) {
        out = internal_error(r, e.what());
      } catch (...) {
        out = internal_error(r, "unknown exception");
      }

      http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
      res.set(http::field::server, "gslbd");
      if (!out.content_type.empty() && out.status != 204 && out.status != 304)
        res.set(http::field::content_type, out.content_type);
      for (const auto& [k, v] : out.headers) res.set(k, v);
      if (out.status != 204 && out.status != 304) res.body() = std::move(out.body);
      res.keep_alive(req.keep_alive() && served < limits.max_requests_per_connection);
      res.prepare_payload();
      lowest.expires_after(limits.write_timeout);
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      if (ec || !res.keep_alive()) break;
    }
  }
};

HttpServer::HttpServer(std::string address, HttpLimits limits, unsigned threads, ThreadStart start,
                       Handle handle, const TlsServerContext* tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->tls = tls;
  impl_->address = std::move(address);
  impl_->limits = limits;
  impl_->threads = std::max(1u, threads);
  impl_->thread_start = std::move(start);
  impl_->handle = std::move(handle);
}

HttpServer::~HttpServer() {
  stop();
}

Result<void> HttpServer::start(int listen_fd) {
  auto where = parse_listen_address(impl_->address);
  if (!where) return make_error("--api: " + where.error());
  tcp::endpoint ep;
  memcpy(ep.data(), &where->addr, where->length);
  ep.resize(where->length);
  boost::system::error_code ec;
  auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
  if (listen_fd >= 0) {
    acceptor->assign(ep.protocol(), listen_fd, ec);
  } else {
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) return make_error("--api " + impl_->address + ": cannot listen: " + ec.message());
  impl_->bound_port = acceptor->local_endpoint().port();
  impl_->acceptor = std::move(acceptor);
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  for (unsigned i = 0; i < impl_->threads; ++i) {
    impl_->pool.emplace_back([this] {
      std::shared_ptr<void> state;
      if (impl_->thread_start) state = impl_->thread_start();
      tls_state = state.get();
      impl_->io.run();
      tls_state = nullptr;
    });
  }
  return {};
}

int HttpServer::listen_fd() const {
  return impl_->acceptor ? impl_->acceptor->native_handle() : -1;
}

void HttpServer::stop() {
  if (!impl_ || impl_->pool.empty()) return;
  asio::post(impl_->io, [this] {
    boost::system::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
  });
  impl_->io.stop();
  for (std::thread& t : impl_->pool) t.join();
  impl_->pool.clear();
}

uint16_t HttpServer::port() const {
  return impl_->bound_port;
}

}  // namespace gslb::api
