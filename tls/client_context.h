// The TLS client set-up of every gslbd client that speaks TLS: the https probe, the agent mode
// reporting to https nodes, gslbctl. One place decides the protocol floor (TLS 1.2), which CAs
// are trusted and how a server's certificate is checked against the name that was asked for,
// so the clients cannot drift apart.
// Thread-safety: a context made here is safe to share between connections on any thread once
// made (nothing here changes it afterwards); the per-connection calls touch only that
// connection.
#pragma once

#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "zones/base/result.h"

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

namespace gslb::tls {

// A client context: TLS 1.2 or newer, peer verification on by default, trusting the CAs of
// `ca_file` (PEM, one or more certificates) or, when it is empty, the system store. The error
// names the file and OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_context(const std::string& ca_file);

// Per connection, before the handshake: SNI with `host` unless it is an IP literal (RFC 6066
// s3 forbids literals in SNI), and, when `verify`, the certificate must name `host` (OpenSSL's
// host name check, or its IP check for a literal). `verify` false accepts any certificate.
Result<void> prepare_connection(ssl_st* ssl, const std::string& host, bool verify);

// A TLS-layer error in OpenSSL's words ("certificate verify failed", "wrong version number")
// rather than Asio's generic ones; other errors as their message.
std::string describe_error(const boost::system::error_code& ec);

// Why the server's certificate was refused in a failed handshake ("self-signed certificate in
// certificate chain", "hostname mismatch"); empty when it was not the reason.
std::string certificate_problem(ssl_st* ssl);

bool is_ip_literal(const std::string& host);

}  // namespace gslb::tls
