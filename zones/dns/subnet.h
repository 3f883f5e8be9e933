// Subnet: an IPv4 or IPv6 network written "ADDRESS/PREFIX", and the one parser of that text,
// used by the config document, the client_subnets rows, the API's explain client and the tests.
// Plain value type, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "zones/base/result.h"

namespace gslb {

struct Subnet {
  uint8_t family = 0;        // 4 or 6
  uint8_t address[16] = {};  // network byte order; IPv4 in the first 4 bytes
  uint8_t prefix = 0;        // 0..32 or 0..128

  // inet_ntop form of the address, "/", the prefix: "2001:db8:1::/48".
  std::string text() const;
};

enum class SubnetText {
  kNetwork,  // "ADDRESS/PREFIX" with the host bits zero: a subnet an operator configures
  kClient,   // "ADDRESS[/PREFIX]", host bits kept, no prefix = the whole address: a client
};

// Errors (ErrorKind::invalid) say what is wrong with the text, for the caller to place:
//   "198.51.100.0" is not ADDRESS/PREFIX, such as "198.51.100.0/24"   (kNetwork only)
//   "198.51.100" is not an IP address
//   prefix length "33" is not 0 to 32
//   203.0.113.7/24 has host bits set (the network is 203.0.113.0/24)   (kNetwork only)
Result<Subnet> parse_subnet(std::string_view text, SubnetText form = SubnetText::kNetwork);

}  // namespace gslb
