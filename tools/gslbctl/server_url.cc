#include "tools/gslbctl/server_url.h"

namespace gslbctl {

std::string ServerUrl::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == (tls ? "443" : "80") ? h : h + ":" + port;
}

gslb::Result<ServerUrl> parse_server_url(std::string_view url) {
  const std::string given(url);
  const bool tls = url.substr(0, 8) == "https://";
  const std::string_view scheme = tls ? "https://" : "http://";
  if (url.substr(0, scheme.size()) != scheme)
    return gslb::make_error("--server " + given +
                            ": expected http[s]://HOST[:PORT], e.g. http://127.0.0.1:8053");
  while (url.size() > scheme.size() && url.back() == '/') url.remove_suffix(1);
  ServerUrl out;
  out.tls = tls;
  out.text = std::string(url);
  std::string_view rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.prefix = std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos)
    return gslb::make_error("--server " + given +
                            ": user information in the URL is not supported (use --token-file)");
  if (out.prefix.find_first_of("?#") != std::string::npos)
    return gslb::make_error("--server " + given + ": no query or fragment, please");
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return gslb::make_error("--server " + given + ": unterminated [IPv6 address]");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':')
        return gslb::make_error("--server " + given + ": expected :PORT after the ]");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return gslb::make_error("--server " + given + ": no host");
  if (port.empty()) {
    out.port = tls ? "443" : "80";
  } else {
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535)
        return gslb::make_error("--server " + given + ": bad port \"" + std::string(port) + "\"");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535)
      return gslb::make_error("--server " + given + ": bad port \"" + std::string(port) + "\"");
    out.port = std::to_string(value);
  }
  return out;
}

std::string encode_component(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace gslbctl
