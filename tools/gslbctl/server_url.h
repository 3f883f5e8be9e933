// The --server value (http[s]://HOST[:PORT][/PREFIX]) taken apart, and the percent-encoding of
// what gslbctl puts into request targets. Plain values; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "zones/base/result.h"

namespace gslbctl {

struct ServerUrl {
  bool tls = false;    // https://
  std::string host;    // name or IP literal, IPv6 without brackets
  std::string port;    // "80" (http) or "443" (https) when the URL names none
  std::string prefix;  // path before /v1, no trailing slash: "" or "/gslb"
  std::string text;    // as given without a trailing slash, for messages

  // The Host header value: host[:port], IPv6 in brackets.
  std::string host_header() const;
};

// http:// or https://; anything else is an error that shows the expected form.
gslb::Result<ServerUrl> parse_server_url(std::string_view url);

// RFC 3986 s2.3: everything but unreserved characters (ALPHA DIGIT - . _ ~) as %XX, so the value
// stays one path segment or one query value ("192.0.2.0/24" -> "192.0.2.0%2F24").
std::string encode_component(std::string_view s);

}  // namespace gslbctl
