// Test helpers for the probes: run one attempt to its verdict on an io_context, and small live
// targets on 127.0.0.1 served from the same io_context (HTTP over TCP or TLS, a DNS responder
// over UDP), plus a self-signed certificate made with OpenSSL. Single-threaded, like healthd.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "healthd/probes/probe.h"

namespace gslb::testing {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using boost::asio::ip::udp;

struct ProbeRun {
  ProbeResult result;
  int calls = 0;                        // how many times `done` ran (must be 1)
  std::chrono::milliseconds elapsed{};  // run() to `done`
};

// Runs one attempt to its verdict (bounded by the timeout plus a margin), then keeps the loop
// going a little so a second `done` call would be seen.
inline ProbeRun run_probe(boost::asio::io_context& io, Probe& probe, const ProbeSpec& spec) {
  ProbeRun out;
  const auto start = std::chrono::steady_clock::now();
  probe.run(spec, [&](ProbeResult r) {
    ++out.calls;
    out.result = std::move(r);
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    io.stop();
  });
  io.restart();
  io.run_for(spec.timeout + 2s);
  io.restart();
  io.run_for(30ms);
  return out;
}

inline ProbeSpec loopback_spec(std::string type, uint16_t port,
                               std::chrono::milliseconds timeout = 1000ms) {
  ProbeSpec spec;
  spec.type = std::move(type);
  spec.address = boost::asio::ip::make_address("127.0.0.1");
  spec.port = port;
  spec.timeout = timeout;
  return spec;
}

// Whether ::1 is configured here (tests over IPv6 loopback need it).
inline bool have_ipv6_loopback() {
  boost::asio::io_context io;
  boost::system::error_code ec;
  udp::socket s(io);
  s.open(udp::v6(), ec);
  if (!ec) s.bind(udp::endpoint(boost::asio::ip::make_address("::1"), 0), ec);
  return !ec;
}

// A port on 127.0.0.1 nobody listens on (bound, then released).
inline uint16_t closed_tcp_port() {
  boost::asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// A self-signed EC P-256 certificate for CN=localhost, SAN DNS:localhost and IP:127.0.0.1,
// installed into a TLS server context. Returns the certificate in PEM form.
inline std::string install_self_signed(boost::asio::ssl::context& ctx) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX_use_certificate(ctx.native_handle(), cert);
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return pem;
}

// An HTTP/1.1 target on 127.0.0.1, plain or TLS. Reads one request head per connection, then
// acts by mode. Records the last request head and, over TLS, the SNI the client sent.
class HttpTarget {
 public:
  enum class Mode {
    kRespond,  // write `response` verbatim, then half-close
    kHang,     // read the request, never answer, keep the connection open
    kReset,    // read the request, then reset the connection (RST)
    kGreet,    // write `response` at once, without waiting for a request, then half-close
  };

  HttpTarget(boost::asio::io_context& io, Mode mode, std::string response = {},
             boost::asio::ssl::context* tls = nullptr, const char* address = "127.0.0.1")
      : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address(address), 0)),
        mode_(mode),
        response_(std::move(response)),
        tls_(tls) {
    accept();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::string& last_request() const { return last_request_; }
  const std::string& last_sni() const { return last_sni_; }
  int handshakes_failed() const { return handshakes_failed_; }

  static std::string response(int status, const std::string& body,
                              const std::string& extra_headers = {}) {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers +
           "Connection: close\r\n\r\n" + body;
  }

 private:
  using TlsStream = boost::asio::ssl::stream<tcp::socket>;

  struct Conn {
    explicit Conn(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::unique_ptr<TlsStream> tls;
    boost::asio::streambuf in;
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      auto c = std::make_shared<Conn>(std::move(s));
      if (tls_ != nullptr) {
        c->tls = std::make_unique<TlsStream>(std::move(c->socket), *tls_);
        c->tls->async_handshake(
            boost::asio::ssl::stream_base::server, [this, c](boost::system::error_code e) {
              if (e) {
                ++handshakes_failed_;
                return;
              }
              const char* sni =
                  SSL_get_servername(c->tls->native_handle(), TLSEXT_NAMETYPE_host_name);
              last_sni_ = sni != nullptr ? sni : "";
              read(c);
            });
      } else {
        read(c);
      }
      accept();
    });
  }

  template <class F>
  void with_stream(const std::shared_ptr<Conn>& c, F f) {
    if (c->tls) {
      f(*c->tls);
    } else {
      f(c->socket);
    }
  }

  tcp::socket& lowest(const std::shared_ptr<Conn>& c) {
    return c->tls ? c->tls->next_layer() : c->socket;
  }

  void read(const std::shared_ptr<Conn>& c) {
    if (mode_ == Mode::kGreet) return act(c);
    with_stream(c, [&](auto& stream) {
      boost::asio::async_read_until(
          stream, c->in, "\r\n\r\n", [this, c](boost::system::error_code ec, size_t n) {
            if (ec) return;
            last_request_.assign(boost::asio::buffers_begin(c->in.data()),
                                 boost::asio::buffers_begin(c->in.data()) + n);
            act(c);
          });
    });
  }

  void act(const std::shared_ptr<Conn>& c) {
    switch (mode_) {
      case Mode::kHang:
        hung_.push_back(c);
        return;
      case Mode::kReset: {
        boost::system::error_code ignored;
        lowest(c).set_option(boost::asio::socket_base::linger(true, 0), ignored);
        lowest(c).close(ignored);
        return;
      }
      case Mode::kRespond:
      case Mode::kGreet:
        with_stream(c, [&](auto& stream) {
          boost::asio::async_write(stream, boost::asio::buffer(response_),
                                   [this, c](boost::system::error_code, size_t) {
                                     // Half-close and keep the socket: closing it with an
                                     // unread request would send a RST instead of a FIN.
                                     boost::system::error_code ignored;
                                     lowest(c).shutdown(tcp::socket::shutdown_send, ignored);
                                     hung_.push_back(c);
                                   });
        });
        return;
    }
  }

  tcp::acceptor acceptor_;
  Mode mode_;
  std::string response_;
  boost::asio::ssl::context* tls_;
  std::string last_request_, last_sni_;
  int handshakes_failed_ = 0;
  std::vector<std::shared_ptr<Conn>> hung_;
};

// A DNS responder on 127.0.0.1 over UDP. Answers every query with `rcode` and, for each
// address in `answers`, an A record for the question name; silent: never answers.
class DnsTarget {
 public:
  DnsTarget(boost::asio::io_context& io, uint8_t rcode, std::vector<std::string> answers,
            bool silent = false, const char* address = "127.0.0.1")
      : socket_(io, udp::endpoint(boost::asio::ip::make_address(address), 0)),
        rcode_(rcode),
        answers_(std::move(answers)),
        silent_(silent) {
    receive();
  }

  uint16_t port() const { return socket_.local_endpoint().port(); }
  // The last query as received (wire form).
  const std::vector<uint8_t>& last_query() const { return last_query_; }
  int queries() const { return queries_; }

 private:
  void receive() {
    socket_.async_receive_from(boost::asio::buffer(buf_), peer_,
                               [this](boost::system::error_code ec, size_t n) {
                                 if (ec) return;
                                 on_query(n);
                                 receive();
                               });
  }

  void on_query(size_t n) {
    ++queries_;
    last_query_.assign(buf_.begin(), buf_.begin() + n);
    if (silent_ || n < 12) return;
    // The question ends after its name (labels up to the root) and QTYPE/QCLASS.
    size_t pos = 12;
    while (pos < n && buf_[pos] != 0) pos += buf_[pos] + 1;
    pos += 1 + 4;
    if (pos > n) return;
    // Its addresses answer A questions; any other type gets NOERROR with no data, as an
    // authority without AAAA records answers.
    const bool type_a = buf_[pos - 4] == 0 && buf_[pos - 3] == 1;
    const size_t answers = type_a ? answers_.size() : 0;
    std::vector<uint8_t> r(buf_.begin(), buf_.begin() + pos);
    r[2] = static_cast<uint8_t>(0x80 | 0x04 | (buf_[2] & 0x01));  // QR, AA, copy RD
    r[3] = rcode_ & 0x0f;
    r[4] = 0;
    r[5] = 1;  // QDCOUNT
    r[6] = 0;
    r[7] = static_cast<uint8_t>(answers);
    for (size_t i = 8; i < 12; ++i) r[i] = 0;  // NSCOUNT, ARCOUNT
    for (size_t i = 0; i < answers; ++i) {
      const std::string& a = answers_[i];
      const auto bytes = boost::asio::ip::make_address_v4(a).to_bytes();
      const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
      r.insert(r.end(), std::begin(rr), std::end(rr));
      r.insert(r.end(), bytes.begin(), bytes.end());
    }
    replies_.push_back(std::move(r));
    socket_.async_send_to(boost::asio::buffer(replies_.back()), peer_,
                          [](boost::system::error_code, size_t) {});
  }

  udp::socket socket_;
  uint8_t rcode_;
  std::vector<std::string> answers_;
  bool silent_;
  std::array<uint8_t, 1500> buf_{};
  udp::endpoint peer_;
  std::vector<uint8_t> last_query_;
  std::vector<std::vector<uint8_t>> replies_;  // std::vector<vector>: each keeps its heap buffer
  int queries_ = 0;
};

}  // namespace gslb::testing
