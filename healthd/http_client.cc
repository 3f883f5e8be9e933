#include "healthd/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

#include "tls/client_context.h"

namespace gslb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;

Result<HttpUrl> parse_http_url(const std::string& text) {
  HttpUrl u;
  u.text = text;
  std::string scheme = "http://";
  if (text.rfind("https://", 0) == 0) {
    scheme = "https://";
    u.tls = true;
    u.port = "443";
  } else if (text.rfind(scheme, 0) != 0) {
    return make_error("\"" + text + "\": expected http://HOST:PORT or https://HOST[:PORT]");
  }
  std::string rest = text.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.base_path = rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return make_error("\"" + text + "\": missing \"]\"");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return make_error("\"" + text + "\": bad port");
      u.port = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return make_error("\"" + text + "\": no host");
  if (u.port.empty() || u.port.size() > 5 ||
      u.port.find_first_not_of("0123456789") != std::string::npos || std::stoi(u.port) == 0 ||
      std::stoi(u.port) > 65535)
    return make_error("\"" + text + "\": bad port \"" + u.port + "\"");
  return u;
}

struct HttpClient::Impl {
  asio::io_context io;
  std::shared_ptr<ssl::context> tls;  // https: shared with the other nodes' clients
  // At most one is set: the kept connection, if any.
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::string token;
  std::chrono::milliseconds timeout;

  bool connected() const { return plain.has_value() || secure.has_value(); }
  void drop() {
    secure.reset();
    plain.reset();
  }
  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Runs the io_context until the operation in flight is done; the stream's deadline bounds it.
  void run() {
    io.restart();
    io.run();
  }

  Result<void> connect(const HttpUrl& url) {
    drop();
    buffer.clear();
    if (url.tls && !tls) return make_error(ErrorKind::internal, "https without a TLS context");
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) return make_error("cannot resolve " + url.host + ": " + ec.message());
    if (url.tls)
      secure.emplace(io, *tls);
    else
      plain.emplace(io);
    lowest().expires_after(timeout);
    lowest().async_connect(
        endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      drop();
      return make_error(ec == beast::error::timeout ? std::string("connect timed out")
                                                    : ec.message());
    }
    if (!url.tls) return {};
    if (auto r = tls::prepare_connection(secure->native_handle(), url.host, true); !r) {
      drop();
      return r.failure();
    }
    lowest().expires_after(timeout);
    secure->async_handshake(ssl::stream_base::client,
                            [&](const boost::system::error_code& e) { ec = e; });
    run();
    if (ec) {
      std::string why =
          "TLS handshake failed: " +
          (ec == beast::error::timeout ? std::string("timed out") : tls::describe_error(ec));
      const std::string cert = tls::certificate_problem(secure->native_handle());
      if (!cert.empty()) why += " (" + cert + ")";
      drop();
      return make_error(why);
    }
    return {};
  }

  Result<HttpReply> exchange(const HttpUrl& url, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::string& if_none_match) {
    return secure ? exchange_on(*secure, url, method, target, body, if_none_match)
                  : exchange_on(*plain, url, method, target, body, if_none_match);
  }

  template <class Stream>
  Result<HttpReply> exchange_on(Stream& stream, const HttpUrl& url, const std::string& method,
                                const std::string& target, const std::string& body,
                                const std::string& if_none_match) {
    http::request<http::string_body> req{http::string_to_verb(method), url.base_path + target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "gslbd-agent");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!if_none_match.empty()) req.set(http::field::if_none_match, if_none_match);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    boost::system::error_code ec;
    lowest().expires_after(timeout);
    http::async_write(stream, req, [&](const boost::system::error_code& e, size_t) { ec = e; });
    run();
    if (ec) return make_error(url.tls ? tls::describe_error(ec) : ec.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    lowest().expires_after(timeout);
    http::async_read(stream, buffer, parser,
                     [&](const boost::system::error_code& e, size_t) { ec = e; });
    run();
    if (ec)
      return make_error(ec == beast::error::timeout ? std::string("no reply in time")
                        : url.tls                   ? tls::describe_error(ec)
                                                    : ec.message());
    auto& res = parser.get();
    HttpReply out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    out.etag = std::string(res[http::field::etag]);
    if (!res.keep_alive()) drop();
    return out;
  }
};

HttpClient::HttpClient(HttpUrl url, std::string bearer_token, std::chrono::milliseconds timeout,
                       std::shared_ptr<ssl::context> tls)
    : url_(std::move(url)), impl_(std::make_unique<Impl>()) {
  impl_->tls = std::move(tls);
  impl_->token = std::move(bearer_token);
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

Result<HttpReply> HttpClient::request(const std::string& method, const std::string& target,
                                      const std::string& body, const std::string& if_none_match) {
  // A kept connection the server closed meanwhile fails at once: one fresh retry.
  const bool reused = impl_->connected();
  if (!reused) {
    if (auto r = impl_->connect(url_); !r) return r.failure();
  }
  auto reply = impl_->exchange(url_, method, target, body, if_none_match);
  if (!reply && reused) {
    if (auto r = impl_->connect(url_); !r) return r.failure();
    reply = impl_->exchange(url_, method, target, body, if_none_match);
  }
  if (!reply) impl_->drop();
  return reply;
}

}  // namespace gslb
