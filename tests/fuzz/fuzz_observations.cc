// Fuzz target: an observation batch from a remote agent (POST /v1/agents/{agent}/observations),
// the one write an agent token may make; the agent id itself comes from the input's first line.
#include <string>

#include "tests/fuzz/fuzz_api_env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gslb::fuzz::ApiFuzzEnv env("fuzz_observations");
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  std::string agent = nl == std::string::npos ? "agent-1" : text.substr(0, nl);
  std::string body = nl == std::string::npos ? text : text.substr(nl + 1);
  env.call("POST", "/v1/agents/" + agent + "/observations", body);
  return 0;
}
