// gslbctl: the operator CLI of gslbd's REST API (api/API.md). Parses the command line, reads
// the token, runs the command. Exit status: 0 done, 1 the request failed, 2 bad usage.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "api/tokens/token_file.h"
#include "tools/gslbctl/api_client.h"
#include "tools/gslbctl/cli.h"
#include "tools/gslbctl/commands.h"
#include "zones/base/version.h"

using namespace gslbctl;

namespace {

std::string env_or_empty(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

}  // namespace

int main(int argc, char** argv) {
  const Environment env{env_or_empty("GSLBCTL_SERVER"), env_or_empty("GSLBCTL_TOKEN_FILE"),
                        env_or_empty("GSLBCTL_CA_FILE")};
  auto inv = parse_command_line(argc, argv, env);
  if (!inv) {
    fprintf(stderr, "gslbctl: %s\n\n%s", inv.error().c_str(), usage().c_str());
    return kExitUsage;
  }
  if (inv->help) {
    fputs(usage().c_str(), stdout);
    return 0;
  }
  if (inv->version) {
    printf("gslbctl %s\n", gslb::kVersion);
    return 0;
  }
  std::string token;
  if (!inv->token_file.empty()) {
    auto t = gslb::api::client_token(inv->token_file);
    if (!t) {
      fprintf(stderr, "gslbctl: token file %s\n", t.error().c_str());
      return kExitRefused;
    }
    token = *t;
  }
  const ApiClient api(inv->server, token, inv->ca_file, inv->timeout);
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int status = run_command(*inv, api, Streams{stdout, stderr}, now_ms);
  if (fflush(stdout) != 0) {
    perror("gslbctl: stdout");
    return 1;
  }
  return status;
}
