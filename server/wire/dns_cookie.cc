#include "server/wire/dns_cookie.h"

#include <netinet/in.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/wire/siphash.h"

namespace gslb {
namespace {

constexpr uint32_t kLifetimeS = 3600;  // RFC 9018 s4.3
constexpr uint32_t kSkewS = 300;

// Client cookie | version | reserved | timestamp (the 16 octets the client returned, or we are
// about to send) | client address; returns the hash input's length.
size_t hash_input(const uint8_t* client_cookie, const uint8_t* server_head,
                  const sockaddr_storage& client, uint8_t* buf) {
  memcpy(buf, client_cookie, 8);
  memcpy(buf + 8, server_head, 8);
  if (client.ss_family == AF_INET6) {
    memcpy(buf + 16, &reinterpret_cast<const sockaddr_in6&>(client).sin6_addr, 16);
    return 32;
  }
  memcpy(buf + 16, &reinterpret_cast<const sockaddr_in&>(client).sin_addr, 4);
  return 20;
}

bool made_with(const uint8_t* key, const uint8_t* cookie, const sockaddr_storage& client) {
  uint8_t buf[32], hash[8];
  const size_t n = hash_input(cookie, cookie + 8, client, buf);
  siphash24(key, buf, n, hash);
  // Not secret-dependent timing worth hiding: a guess is checked against one address.
  return memcmp(hash, cookie + 16, 8) == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

CookieSecrets random_cookie_secret() {
  CookieSecrets s;
  size_t got = 0;
  while (got < sizeof s.current) {
    ssize_t n = getrandom(s.current + got, sizeof s.current - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
    if (n < 0 && errno != EINTR) abort();  // a kernel without getrandom: nothing safe to do
  }
  return s;
}

Result<CookieSecrets> parse_cookie_secrets(std::string_view text, const std::string& source) {
  CookieSecrets s;
  int found = 0;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    line = line.substr(0, line.find('#'));
    while (!line.empty() && isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    while (!line.empty() && isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    if (line.empty()) continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    if (found == 2)
      return make_error(ErrorKind::invalid,
                        where +
                            "more than two secrets (the current one, "
                            "then the previous one)",
                        source);
    if (line.size() != 32)
      return make_error(ErrorKind::invalid,
                        where + "a secret is 32 hex digits (128 bits), not " +
                            std::to_string(line.size()) + " characters",
                        source);
    uint8_t* out = found == 0 ? s.current : s.previous;
    for (size_t i = 0; i < 16; ++i) {
      const int hi = hex_value(line[2 * i]), lo = hex_value(line[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return make_error(ErrorKind::invalid, where + "not a hex digit in the secret", source);
      out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    ++found;
  }
  if (found == 0)
    return make_error(ErrorKind::invalid, source + ": no secret (32 hex digits on a line)", source);
  s.has_previous = found == 2;
  return s;
}

Result<CookieSecrets> load_cookie_secrets(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(ErrorKind::io, path + ": cannot read: " + std::string(strerror(errno)), path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_cookie_secrets(text.str(), path);
}

CookieVerdict check_cookie(const CookieSecrets& secrets, const uint8_t* cookie, size_t length,
                           const sockaddr_storage& client, uint32_t now) {
  if (length == 8) return CookieVerdict::kClientOnly;
  // Only RFC 9018's 16-octet version 1 cookies are ours.
  if (length != 24 || cookie[8] != 1) return CookieVerdict::kBad;
  const uint32_t stamp =
      static_cast<uint32_t>(cookie[12]) << 24 | cookie[13] << 16 | cookie[14] << 8 | cookie[15];
  // Serial arithmetic (RFC 1982): the age across the 2^32 wrap is still the small difference.
  const uint32_t age = now - stamp, ahead = stamp - now;
  if (age > kLifetimeS && ahead > kSkewS) return CookieVerdict::kBad;
  if (made_with(secrets.current, cookie, client)) return CookieVerdict::kValid;
  if (secrets.has_previous && made_with(secrets.previous, cookie, client))
    return CookieVerdict::kValid;
  return CookieVerdict::kBad;
}

void make_server_cookie(const CookieSecrets& secrets, const uint8_t* client_cookie,
                        const sockaddr_storage& client, uint32_t now, uint8_t out[16]) {
  out[0] = 1;  // version
  out[1] = out[2] = out[3] = 0;
  out[4] = static_cast<uint8_t>(now >> 24);
  out[5] = static_cast<uint8_t>(now >> 16);
  out[6] = static_cast<uint8_t>(now >> 8);
  out[7] = static_cast<uint8_t>(now);
  uint8_t buf[32];
  const size_t n = hash_input(client_cookie, out, client, buf);
  siphash24(secrets.current, buf, n, out + 8);
}

}  // namespace gslb
