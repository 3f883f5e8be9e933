#include "zones/dns/subnet.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "zones/base/json_quoted.h"

namespace gslb {

std::string Subnet::text() const {
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, address, out, sizeof out);
  return std::string(out) + "/" + std::to_string(prefix);
}

Result<Subnet> parse_subnet(std::string_view text, SubnetText form) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos && form == SubnetText::kNetwork)
    return make_error(json_quoted(text) + " is not ADDRESS/PREFIX, such as \"198.51.100.0/24\"");
  const std::string address(text.substr(0, slash));
  Subnet s;
  if (inet_pton(AF_INET, address.c_str(), s.address) == 1)
    s.family = 4;
  else if (inet_pton(AF_INET6, address.c_str(), s.address) == 1)
    s.family = 6;
  else
    return make_error(json_quoted(address) + " is not an IP address");
  const unsigned max_length = s.family == 4 ? 32 : 128;
  if (slash == std::string_view::npos) {
    s.prefix = static_cast<uint8_t>(max_length);
    return s;
  }
  const std::string_view length = text.substr(slash + 1);
  if (length.empty() || length.size() > 3 ||
      length.find_first_not_of("0123456789") != std::string_view::npos ||
      static_cast<unsigned>(std::stoi(std::string(length))) > max_length)
    return make_error("prefix length " + json_quoted(length) + " is not 0 to " +
                      std::to_string(max_length));
  s.prefix = static_cast<uint8_t>(std::stoi(std::string(length)));
  if (form == SubnetText::kClient) return s;
  Subnet network = s;
  memset(network.address, 0, sizeof network.address);
  for (unsigned bit = 0; bit < s.prefix; ++bit)
    network.address[bit / 8] |= s.address[bit / 8] & (0x80 >> (bit % 8));
  if (memcmp(network.address, s.address, sizeof s.address) != 0)
    return make_error(std::string(text) + " has host bits set (the network is " + network.text() +
                      ")");
  return s;
}

}  // namespace gslb
