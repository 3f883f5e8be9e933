#include "api/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gslb::api {

namespace ssl = boost::asio::ssl;

namespace {

// What OpenSSL queued about the last call, emptied so it cannot leak into the next report:
// the oldest entry's reason (the cause; later ones say what failed because of it), and whether
// any says the key is not the certificate's (loading a key checks it against the certificate).
struct OpensslFailure {
  std::string reason = "unknown OpenSSL error";
  bool key_mismatch = false;
};

OpensslFailure take_openssl_failure() {
  OpensslFailure out;
  bool first = true;
  while (const unsigned long e = ERR_get_error()) {
    if (first && ERR_reason_error_string(e) != nullptr) out.reason = ERR_reason_error_string(e);
    first = false;
    out.key_mismatch |=
        ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
  }
  return out;
}

// OpenSSL reports a missing or unreadable file as a library error; errno says it plainly.
Result<void> readable(const std::string& option, const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr)
    return make_error(ErrorKind::io, option + " " + path + ": cannot read: " + strerror(errno));
  fclose(f);
  return {};
}

// An encrypted key would make OpenSSL ask for its passphrase on the terminal: refuse instead.
int no_passphrase(char*, int, int, void*) {
  return 0;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_context(const std::string& cert_file,
                                                          const std::string& key_file) {
  if (auto r = readable("--api-tls-cert", cert_file); !r) return r.failure();
  if (auto r = readable("--api-tls-key", key_file); !r) return r.failure();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* handle = ctx->native_handle();
  // RFC 8996 deprecates TLS 1.0 and 1.1.
  SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION);
  SSL_CTX_set_options(handle, SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_default_passwd_cb(handle, no_passphrase);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(handle, cert_file.c_str()) != 1)
    return make_error(ErrorKind::invalid,
                      "--api-tls-cert " + cert_file +
                          ": not a PEM certificate: " + take_openssl_failure().reason);
  bool loaded = SSL_CTX_use_PrivateKey_file(handle, key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  if (loaded) loaded = SSL_CTX_check_private_key(handle) == 1;
  if (!loaded) {
    const OpensslFailure why = take_openssl_failure();
    if (why.key_mismatch)
      return make_error(ErrorKind::invalid, "--api-tls-key " + key_file +
                                                ": does not match the certificate in " + cert_file +
                                                " (" + why.reason + ")");
    return make_error(
        ErrorKind::invalid,
        "--api-tls-key " + key_file + ": not an unencrypted PEM private key: " + why.reason);
  }
  return ctx;
}

TlsServerContext::TlsServerContext(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

TlsServerContext::~TlsServerContext() = default;

Result<std::unique_ptr<TlsServerContext>> TlsServerContext::load(std::string cert_file,
                                                                 std::string key_file) {
  std::unique_ptr<TlsServerContext> out(
      new TlsServerContext(std::move(cert_file), std::move(key_file)));
  if (auto r = out->reload(); !r) return r.failure();
  return out;
}

Result<void> TlsServerContext::reload() {
  auto next = make_server_context(cert_file_, key_file_);
  if (!next) return next.failure();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(*next);
  return {};
}

std::shared_ptr<ssl::context> TlsServerContext::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace gslb::api
