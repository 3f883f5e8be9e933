// Fuzz target: the HTTP request target (path and query) as parse_target splits and decodes it,
// then as a GET through the router (every read route's parameters: explain's name, type and
// client, events' limits). A decoded segment never holds a "/" the client did not encode.
#include <string>

#include "tests/fuzz/fuzz_api_env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gslb::fuzz::ApiFuzzEnv env("fuzz_http_target");
  const std::string target(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> segments;
  std::vector<std::pair<std::string, std::string>> query;
  if (gslb::api::parse_target(target, segments, query)) {
    size_t raw_slashes = 0;
    for (char c : target.substr(0, target.find('?'))) raw_slashes += c == '/';
    if (segments.size() > raw_slashes + 1)
      gslb::fuzz::fail("fuzz_http_target", "more segments than the path has: " + target);
  }
  env.call("GET", target, "");
  return 0;
}
