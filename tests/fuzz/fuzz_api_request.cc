// Fuzz target: any request to the REST API, "METHOD TARGET\n" then the body (the route, the
// target's path and query parsing, the handler and its body), through the router as the HTTP
// server hands it over.
#include <string>

#include "tests/fuzz/fuzz_api_env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gslb::fuzz::ApiFuzzEnv env("fuzz_api_request");
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  const std::string head = text.substr(0, nl);
  const size_t sp = head.find(' ');
  if (sp == std::string::npos) return 0;
  env.call(head.substr(0, sp), head.substr(sp + 1),
           nl == std::string::npos ? "" : text.substr(nl + 1));
  return 0;
}
