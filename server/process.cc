#include "server/process.h"

#include <pthread.h>
#include <sys/resource.h>

namespace gslb {

// Signals are taken synchronously by the main thread (sigwait); threads started afterwards
// inherit the mask and never see them.
sigset_t block_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return sigs;
}

// The soft descriptor limit up to the hard one (as nginx and gdnsd do): Debian's soft default of
// 1024 is less than the sockets one agent has open when 10 000 members' probes are in flight
// against slow or dead sites, and a probe that cannot open a socket counts as a failure.
void raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace gslb
