#include "server/listen_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace gslb {

bool ListenAddress::is_wildcard() const {
  if (addr.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(addr).sin_addr.s_addr == htonl(INADDR_ANY);
  const auto& a6 = reinterpret_cast<const sockaddr_in6&>(addr);
  return memcmp(&a6.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0;
}

bool ListenAddress::is_loopback() const {
  if (addr.ss_family == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in&>(addr).sin_addr.s_addr) >> 24) == 127;
  const auto& a6 = reinterpret_cast<const sockaddr_in6&>(addr);
  return memcmp(&a6.sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0;
}

Result<ListenAddress> parse_listen_address(const std::string& text) {
  ListenAddress out;
  out.text = text;
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_error("--listen \"" + text + "\": expected [IPv6]:PORT, e.g. [::1]:5353");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
      return make_error("--listen \"" + text + "\": expected ADDRESS:PORT, e.g. 127.0.0.1:5353");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  char* end = nullptr;
  long p = strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535)
    return make_error("--listen \"" + text + "\": invalid port \"" + port + "\"");
  auto* a4 = reinterpret_cast<sockaddr_in*>(&out.addr);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&out.addr);
  if (inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(p));
    out.length = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(p));
    out.length = sizeof(sockaddr_in6);
  } else {
    return make_error("--listen \"" + text + "\": \"" + host + "\" is not an IP address");
  }
  return out;
}

}  // namespace gslb
