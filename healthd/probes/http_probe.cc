// Probes "http" and "https": one GET, judged on the status and, when asked, the body.
//
// Contract:
//   keys: address, port (default 80 / 443), path (default "/"), host (Host header, TLS SNI and
//   the name the certificate must match; empty: the address), expect_status (empty: 200-399),
//   expect_body (substring the body must contain), verify_tls (https, default on),
//   load_header / load_json_field (where a load figure lives), timeout.
//   Request: GET path HTTP/1.1, Host (with ":port" when not the scheme's default, RFC 9110
//   s7.2), User-Agent gslbd-healthd, Accept */*, Connection close. One connection per attempt.
//   https: TLS 1.2 or newer, set up by tls/client_context.h as for gslbd's other clients; SNI =
//   host unless host is an IP literal (RFC 6066 s3 forbids literals in SNI); verification
//   against the system CA store and host (OpenSSL's hostname or IP check) unless verify_tls is
//   off.
//   ok: the status is accepted and the body (its first 64 KiB: more is never read) contains
//   expect_body. The body is read only when expect_body or load_json_field needs it; otherwise
//   the verdict comes with the header.
//   load: the numeric value of response header load_header, else of the top-level JSON number
//   load_json_field in the body (both set: the JSON field wins when present). Absent or not a
//   number: no load; the check itself still passes.
//   failure details: "status 500 (expected 200-399)", "body does not contain \"ok\"",
//   "connection refused", "connection reset", "connection closed before the response",
//   "bad response: <parser error>", "TLS handshake failed: certificate verify failed
//   (<OpenSSL verify reason>)", "timeout after N ms".
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "healthd/probes/probe_attempt.h"
#include "healthd/probes/probes.h"
#include "tls/client_context.h"

namespace gslb {
namespace {

namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kBodyCap = 64 * 1024;
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kChunk = 16 * 1024;
constexpr size_t kQuotedBodyMax = 64;  // how much of expect_body a detail quotes

// The TLS client context, one per io_context (an Asio service): loading the system CA store
// once per health role instead of once per attempt. Holds no per-connection state; the
// per-connection settings (SNI, verify mode, expected host) live on each ssl::stream.
class TlsContextService final : public boost::asio::execution_context::service {
 public:
  static boost::asio::execution_context::id id;

  explicit TlsContextService(boost::asio::io_context& io)
      : boost::asio::execution_context::service(io) {
    auto made = tls::make_client_context("");
    if (!made) throw std::runtime_error(made.error());
    context_ = std::move(*made);
  }

  ssl::context& context() { return *context_; }

 private:
  void shutdown() override {}

  std::shared_ptr<ssl::context> context_;
};

boost::asio::execution_context::id TlsContextService::id;

// "200", "200,204", "200-399": runs of consecutive codes as ranges.
std::string format_statuses(const std::vector<unsigned>& statuses) {
  if (statuses.empty()) return "200-399";
  std::vector<unsigned> s = statuses;
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i;
    while (j + 1 < s.size() && s[j + 1] == s[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(s[i]);
    if (j > i) out += '-' + std::to_string(s[j]);
    i = j + 1;
  }
  return out;
}

bool status_accepted(const ProbeSpec& spec, unsigned status) {
  if (spec.expect_status.empty()) return status >= 200 && status <= 399;
  return std::find(spec.expect_status.begin(), spec.expect_status.end(), status) !=
         spec.expect_status.end();
}

std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> json_number(const std::string& body, const std::string& field) {
  const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  const auto it = doc.find(field);
  if (it == doc.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::string quote(const std::string& s) {
  if (s.size() <= kQuotedBodyMax) return '"' + s + '"';
  return '"' + s.substr(0, kQuotedBodyMax) + "...\"";
}

bool is_end_of_stream(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
         ec == ssl::error::stream_truncated;
}

// A TLS-layer error as a detail in OpenSSL's words; other errors as the probes word them.
std::string describe_tls_error(const error_code& ec) {
  if (ec.category() == boost::asio::error::get_ssl_category() || ec == ssl::error::stream_truncated)
    return tls::describe_error(ec);
  return describe_error(ec);
}

template <bool kTls>
class HttpAttempt final : public Attempt {
  using Stream = std::conditional_t<kTls, ssl::stream<tcp::socket>, tcp::socket>;

 public:
  HttpAttempt(boost::asio::io_context& io, const ProbeSpec& spec,
              std::function<void(ProbeResult)> done, ssl::context* tls)
      : Attempt(io, spec, std::move(done)), stream_(make_stream(io, tls)) {}

  void start() {
    arm_deadline();
    const uint16_t port = port_or(spec(), kTls ? 443 : 80);
    socket().async_connect(tcp::endpoint(spec().address, port),
                           [self = this->template self<HttpAttempt>()](const error_code& ec) {
                             self->on_connect(ec);
                           });
  }

 private:
  static Stream make_stream(boost::asio::io_context& io, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(io, *tls);
    } else {
      (void)tls;
      return Stream(io);
    }
  }

  tcp::socket& socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  // The name the server is asked for (Host, SNI) and the certificate must match.
  std::string host_name() const {
    return spec().host.empty() ? spec().address.to_string() : spec().host;
  }

  void stop() override {
    error_code ignored;
    socket().close(ignored);
  }

  void on_connect(const error_code& ec) {
    if (finished()) return;
    if (ec) return fail(describe_error(ec));
    if constexpr (kTls) {
      if (auto detail = configure_tls()) return fail(*detail);
      stream_.async_handshake(ssl::stream_base::client,
                              [self = this->template self<HttpAttempt>()](const error_code& e) {
                                self->on_handshake(e);
                              });
    } else {
      send_request();
    }
  }

  // SNI and verification settings on this connection; an error detail on failure.
  std::optional<std::string> configure_tls() {
    auto ready = tls::prepare_connection(stream_.native_handle(), host_name(), spec().verify_tls);
    if (!ready) return "TLS setup failed: " + ready.error();
    return std::nullopt;
  }

  void on_handshake(const error_code& ec) {
    if (finished()) return;
    if (ec) {
      std::string detail = "TLS handshake failed: " + describe_tls_error(ec);
      if constexpr (kTls) {
        const std::string why = tls::certificate_problem(stream_.native_handle());
        if (!why.empty()) detail += " (" + why + ")";
      }
      return fail(std::move(detail));
    }
    send_request();
  }

  std::string host_header() const {
    std::string host = host_name();
    error_code not_v6;
    boost::asio::ip::make_address_v6(host, not_v6);
    if (!not_v6) host = '[' + host + ']';  // RFC 3986 s3.2.2: IPv6 literals in brackets
    const uint16_t port = port_or(spec(), kTls ? 443 : 80);
    if (port != (kTls ? 443 : 80)) host += ':' + std::to_string(port);
    return host;
  }

  void send_request() {
    request_.method(http::verb::get);
    request_.target(spec().path.empty() ? "/" : spec().path);
    request_.version(11);
    request_.set(http::field::host, host_header());
    request_.set(http::field::user_agent, "gslbd-healthd");
    request_.set(http::field::accept, "*/*");
    request_.set(http::field::connection, "close");
    http::async_write(stream_, request_,
                      [self = this->template self<HttpAttempt>()](const error_code& ec, size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(const error_code& ec) {
    if (finished()) return;
    if (ec) return fail(describe(ec));
    parser_.header_limit(kHeaderLimit);
    // We stop reading at kBodyCap ourselves. Not boost::none: Beast 1.74 compares the content
    // length against the optional, and anything exceeds an empty one.
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::async_read_header(stream_, buffer_, parser_,
                            [self = this->template self<HttpAttempt>()](
                                const error_code& e, size_t) { self->on_header(e); });
  }

  std::string describe(const error_code& ec) const {
    if (is_end_of_stream(ec)) return "connection closed before the response";
    if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
      return "bad response: " + ec.message();
    }
    if constexpr (kTls) return describe_tls_error(ec);
    return describe_error(ec);
  }

  void on_header(const error_code& ec) {
    if (finished()) return;
    if (ec) return fail(describe(ec));
    const auto& header = parser_.get();
    const unsigned status = header.result_int();
    if (!status_accepted(spec(), status)) {
      return fail("status " + std::to_string(status) + " (expected " +
                  format_statuses(spec().expect_status) + ")");
    }
    if (!spec().load_header.empty()) {
      const auto it = header.find(spec().load_header);
      if (it != header.end())
        load_ = parse_number(std::string_view(it->value().data(), it->value().size()));
    }
    if (spec().expect_body.empty() && spec().load_json_field.empty()) return succeed(load_);
    if (parser_.is_done()) return judge_body();  // no body (204, Content-Length: 0)
    read_body();
  }

  void read_body() {
    auto& body = parser_.get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    http::async_read(
        stream_, buffer_, parser_,
        [self = this->template self<HttpAttempt>()](error_code ec, size_t) { self->on_body(ec); });
  }

  void on_body(error_code ec) {
    if (finished()) return;
    if (ec == http::error::need_buffer) ec = {};
    const size_t got = chunk_.size() - parser_.get().body().size;
    body_.append(chunk_.data(), std::min(got, kBodyCap - body_.size()));
    if (ec) {
      // A body delimited by the end of the connection ends here (TLS peers often skip
      // close_notify, RFC 8446 s6.1 lets clients tolerate that when the framing is complete).
      if (!(is_end_of_stream(ec) && parser_.need_eof())) {
        return fail("bad response body: " + describe(ec));
      }
    } else if (!parser_.is_done() && body_.size() < kBodyCap) {
      return read_body();
    }
    judge_body();
  }

  void judge_body() {
    if (!spec().expect_body.empty() && body_.find(spec().expect_body) == std::string::npos) {
      return fail("body does not contain " + quote(spec().expect_body));
    }
    if (!spec().load_json_field.empty()) {
      if (auto v = json_number(body_, spec().load_json_field)) load_ = v;
    }
    succeed(load_);
  }

  Stream stream_;
  boost::beast::flat_buffer buffer_{kHeaderLimit + kChunk};
  http::request<http::empty_body> request_;
  http::response_parser<http::buffer_body> parser_;
  std::array<char, kChunk> chunk_{};
  std::string body_;
  std::optional<double> load_;
};

template <bool kTls>
class HttpProbe final : public Probe {
 public:
  // https: the io_context's TLS context is made (the CA store loaded) here, once, rather than
  // inside the first attempt's time budget.
  explicit HttpProbe(boost::asio::io_context& io) : io_(io) {
    if constexpr (kTls) {
      try {
        tls_ = &boost::asio::use_service<TlsContextService>(io_).context();
      } catch (const std::exception& e) {
        setup_error_ = std::string("TLS setup failed: ") + e.what();
      }
    }
  }

  void run(const ProbeSpec& spec, std::function<void(ProbeResult)> done) override {
    if (!setup_error_.empty()) {
      slot_.hold(fail_at_once(io_, spec, std::move(done), setup_error_));
      return;
    }
    auto attempt = std::make_shared<HttpAttempt<kTls>>(io_, spec, std::move(done), tls_);
    slot_.hold(attempt);
    attempt->start();
  }

 private:
  boost::asio::io_context& io_;
  ssl::context* tls_ = nullptr;  // https: owned by the io_context's TlsContextService
  std::string setup_error_;
  AttemptSlot slot_;
};

}  // namespace

std::unique_ptr<Probe> make_http_probe(boost::asio::io_context& io) {
  return std::make_unique<HttpProbe<false>>(io);
}

std::unique_ptr<Probe> make_https_probe(boost::asio::io_context& io) {
  return std::make_unique<HttpProbe<true>>(io);
}

namespace {

const KeySpec kHttpOptions[] = {
    {.name = "load_header",
     .type = KeyType::kString,
     .meaning = "response header holding a numeric load figure (for least-load)",
     .non_empty = true},
    {.name = "load_json_field",
     .type = KeyType::kString,
     .meaning = "top-level JSON number in the body holding the load figure (for least-load)",
     .non_empty = true},
};
const KeySpec kHttpsOptions[] = {
    {.name = "verify_tls",
     .type = KeyType::kBool,
     .meaning = "verify the certificate chain and its name (host, or the address)",
     .fallback = true},
    kHttpOptions[0],
    kHttpOptions[1],
};

void configure_http(const std::vector<KeyValue>& options, ProbeSpec& spec) {
  spec.load_header = key_string(options[0]);
  spec.load_json_field = key_string(options[1]);
}

void configure_https(const std::vector<KeyValue>& options, ProbeSpec& spec) {
  spec.verify_tls = key_bool(options[0]);
  spec.load_header = key_string(options[1]);
  spec.load_json_field = key_string(options[2]);
}

}  // namespace

extern const ProbeType kHttpProbe{
    .type = "http",
    .summary = "one HTTP GET of path; up when the status (and body, if asked) is as expected",
    .default_port = 80,
    .speaks_http = true,
    .options = kHttpOptions,
    .configure = configure_http,
    .make = make_http_probe,
};

extern const ProbeType kHttpsProbe{
    .type = "https",
    .summary = "one HTTP GET over TLS; up when TLS, the status (and body, if asked) pass",
    .default_port = 443,
    .speaks_http = true,
    .options = kHttpsOptions,
    .configure = configure_https,
    .make = make_https_probe,
};

}  // namespace gslb
