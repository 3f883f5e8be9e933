// ListenAddress: an IPv4 or IPv6 address and port to serve on, parsed from "127.0.0.1:5353"
// or "[::1]:5353". Plain value type.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "zones/base/result.h"

namespace gslb {

struct ListenAddress {
  sockaddr_storage addr{};
  socklen_t length = 0;
  std::string text;
  int family() const { return addr.ss_family; }
  bool is_wildcard() const;
  bool is_loopback() const;  // 127.0.0.0/8 or ::1
};

Result<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace gslb
