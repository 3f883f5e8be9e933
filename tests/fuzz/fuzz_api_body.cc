// Fuzz target: the body of every write the REST API takes (the first octet picks the route, the
// rest is the body), so each handler's JSON validation meets hostile documents.
#include <iterator>
#include <string>

#include "tests/fuzz/fuzz_api_env.h"

namespace {

constexpr const char* kWrites[][2] = {
    {"PUT", "/v1/config"},
    {"POST", "/v1/zones"},
    {"PUT", "/v1/zones/gslb.test"},
    {"POST", "/v1/zones/gslb.test/records"},
    {"POST", "/v1/checks"},
    {"PUT", "/v1/checks/web"},
    {"PATCH", "/v1/checks/web"},
    {"POST", "/v1/services"},
    {"PUT", "/v1/services/app.gslb.test"},
    {"PATCH", "/v1/services/app.gslb.test"},
    {"POST", "/v1/services/app.gslb.test/members"},
    {"PUT", "/v1/services/app.gslb.test/members/tokyo"},
    {"PATCH", "/v1/services/app.gslb.test/members/tokyo"},
    {"POST", "/v1/agents/agent-1/observations"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gslb::fuzz::ApiFuzzEnv env("fuzz_api_body");
  if (size == 0) return 0;
  const auto& route = kWrites[data[0] % std::size(kWrites)];
  env.call(route[0], route[1], std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
