// The gslbd commands main() dispatches to: serving (the default), `gslbd apply`,
// `gslbd healthd` and `gslbd check`. Each returns the process exit status: 0 done, 1 failed, 2 bad
// usage.
#pragma once

#include "server/options.h"

namespace gslb {

int run_server(Options& options);
int run_apply(int argc, char** argv);
int run_healthd(int argc, char** argv);
int run_check(int argc, char** argv);

}  // namespace gslb
