// What every long-running gslbd command does to its process first: signals taken by the main
// thread alone (sigwait), and as many descriptors as the hard limit allows.
#pragma once

#include <signal.h>

namespace gslb {

// Blocks SIGINT, SIGTERM and SIGHUP (threads started afterwards inherit the mask) and ignores
// SIGPIPE; the returned set is what the main thread waits for.
sigset_t block_signals();
void raise_open_file_limit();

}  // namespace gslb
