// socket_address: "192.0.2.7" or "2001:db8::1" as the sockaddr_storage a server sees a client
// by (the tests of per-client code: rate limiting, cookies).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace gslb::testing {

inline sockaddr_storage socket_address(const char* text) {
  sockaddr_storage ss{};
  if (strchr(text, ':')) {
    auto& a = reinterpret_cast<sockaddr_in6&>(ss);
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &a.sin6_addr);
  } else {
    auto& a = reinterpret_cast<sockaddr_in&>(ss);
    a.sin_family = AF_INET;
    inet_pton(AF_INET, text, &a.sin_addr);
  }
  return ss;
}

}  // namespace gslb::testing
