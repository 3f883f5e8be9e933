// gslbd: the binary. `gslbd [OPTIONS]` serves (server/serve_command.cc), `gslbd apply` applies a
// document beside the database, `gslbd healthd` runs a remote health agent,
// `gslbd check` validates without serving, `gslbd --version` names the release.
#include <cstdio>
#include <string>

#include "server/commands.h"
#include "server/options.h"
#include "zones/base/version.h"

int main(int argc, char** argv) {
  using namespace gslb;
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "apply") return run_apply(argc, argv);
  if (command == "healthd") return run_healthd(argc, argv);
  if (command == "check") return run_check(argc, argv);
  auto opts = parse_options(argc, argv);
  if (!opts) {
    fprintf(stderr, "gslbd: %s\n", opts.error().c_str());
    return 2;
  }
  if (opts->help) {
    fputs(usage().c_str(), stdout);
    return 0;
  }
  if (opts->version) {
    printf("gslbd %s\n", kVersion);
    return 0;
  }
  return run_server(*opts);
}
