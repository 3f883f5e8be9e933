#include "tls/client_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gslb::tls {

namespace ssl = boost::asio::ssl;

namespace {

// The reason of the oldest queued OpenSSL error (the cause; later ones say what failed
// because of it), and the queue emptied so it cannot leak into the next report.
std::string openssl_reason(const char* fallback) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  return reason != nullptr ? reason : fallback;
}

}  // namespace

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

Result<std::shared_ptr<ssl::context>> make_client_context(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* handle = ctx->native_handle();
  // RFC 8996 deprecates TLS 1.0 and 1.1.
  SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION);
  SSL_CTX_set_options(handle, SSL_OP_ALL | SSL_OP_NO_COMPRESSION);
  ERR_clear_error();
  if (ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(handle) != 1)
      return make_error(ErrorKind::io,
                        "cannot load the system CA store: " + openssl_reason("unknown error"));
  } else {
    // OpenSSL words a missing file as a library error; errno says it plainly.
    FILE* f = fopen(ca_file.c_str(), "r");
    if (f == nullptr)
      return make_error(ErrorKind::io, "cannot read " + ca_file + ": " + strerror(errno));
    fclose(f);
    if (SSL_CTX_load_verify_locations(handle, ca_file.c_str(), nullptr) != 1)
      return make_error(ErrorKind::invalid, "cannot load CA certificates from " + ca_file + ": " +
                                                openssl_reason("no certificate in it"));
  }
  SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

Result<void> prepare_connection(SSL* ssl, const std::string& host, bool verify) {
  const bool literal = is_ip_literal(host);
  if (!literal && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    return make_error(ErrorKind::invalid, "bad TLS server name \"" + host + "\"");
  if (!verify) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, SSL_get_verify_callback(ssl));
    return {};
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, SSL_get_verify_callback(ssl));
  const int set = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str())
                          : SSL_set1_host(ssl, host.c_str());
  if (set != 1)
    return make_error(ErrorKind::invalid, "cannot verify a certificate against \"" + host + "\"");
  return {};
}

std::string describe_error(const boost::system::error_code& ec) {
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    return reason != nullptr ? reason : "TLS error " + std::to_string(ec.value());
  }
  if (ec == ssl::error::stream_truncated) return "connection closed by peer";
  return ec.message();
}

std::string certificate_problem(SSL* ssl) {
  const long verify = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
  return verify == X509_V_OK ? std::string() : X509_verify_cert_error_string(verify);
}

}  // namespace gslb::tls
