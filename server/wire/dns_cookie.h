// DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018: version 1, three
// reserved octets, a 32-bit timestamp and SipHash-2-4 over client cookie, version, reserved,
// timestamp and client address, keyed by a 128-bit secret. Nodes that share the secret (and a
// clock within five minutes) accept each other's cookies, so a resolver may use any NS of the
// delegation.
//
// A server cookie is good from its timestamp for an hour, and up to five minutes ahead for
// clock skew (RFC 9018 s4.3). A secret being rolled over is accepted as `previous` until the
// cookies it made expire.
//
// check_cookie and make_server_cookie allocate nothing and take no lock (the query path);
// CookieSecrets is immutable once made.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "zones/base/result.h"

namespace gslb {

struct CookieSecrets {
  uint8_t current[16] = {};
  uint8_t previous[16] = {};
  bool has_previous = false;
};

// A secret from the kernel's random source: each process its own (one node).
CookieSecrets random_cookie_secret();

// --cookie-secret-file: one line of 32 hex digits (the secret), optionally a second one (the
// previous secret, still accepted); "#" comments and blank lines ignored. Errors name the file
// and line.
Result<CookieSecrets> load_cookie_secrets(const std::string& path);
Result<CookieSecrets> parse_cookie_secrets(std::string_view text, const std::string& source);

enum class CookieVerdict : uint8_t {
  kClientOnly,  // 8 octets: the client has no server cookie yet
  kValid,       // a server cookie we made for this client, in its lifetime
  kBad,         // a server cookie we did not make, for another address, or expired
};

// `cookie` is the COOKIE option's data (8, or 16 to 40 octets: parse_query checked).
CookieVerdict check_cookie(const CookieSecrets& secrets, const uint8_t* cookie, size_t length,
                           const sockaddr_storage& client, uint32_t now);

// Writes the 16-octet server cookie for `client_cookie` (8 octets) stamped `now`.
void make_server_cookie(const CookieSecrets& secrets, const uint8_t* client_cookie,
                        const sockaddr_storage& client, uint32_t now, uint8_t out[16]);

}  // namespace gslb
