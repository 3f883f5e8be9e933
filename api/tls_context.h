// TlsServerContext: the API's certificate and private key as an OpenSSL server context (TLS 1.2
// or newer), replaceable while the server runs (SIGHUP). A connection takes current() once,
// before its handshake, and keeps that context to its end: a reload changes what new
// connections get and never touches one in flight; a pair that does not load leaves the
// previous one serving.
// Thread-safety: current() from any io thread while reload() runs on another; the swap is
// under a mutex, each context is immutable once published.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "zones/base/result.h"

namespace boost::asio::ssl {
class context;
}

namespace gslb::api {

class TlsServerContext {
 public:
  // Loads the PEM certificate chain and key; the error names the option, the file and OpenSSL's
  // reason ("--api-tls-key k.pem: does not match the certificate in c.pem (key values
  // mismatch)").
  static Result<std::unique_ptr<TlsServerContext>> load(std::string cert_file,
                                                        std::string key_file);
  ~TlsServerContext();

  // Reads both files again. On success new connections get the new pair; on failure nothing
  // changes and the error says why, as load() does.
  Result<void> reload();

  std::shared_ptr<boost::asio::ssl::context> current() const;
  const std::string& cert_file() const { return cert_file_; }

 private:
  TlsServerContext(std::string cert_file, std::string key_file);

  const std::string cert_file_, key_file_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // guarded by mu_
};

// The context for one certificate and key: what load() and reload() publish.
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const std::string& cert_file,
                                                                       const std::string& key_file);

}  // namespace gslb::api
