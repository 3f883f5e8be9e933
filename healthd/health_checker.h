// HealthChecker: the health role. Reads checks and members from a HealthBackend (the database,
// or in agent mode the REST API of remote nodes), probes every
// distinct (check, address) target once per interval on one Asio io_context (spread with jitter,
// the first round at once), turns results into verdicts with rise/fall, smooths RTT (EWMA), and
// writes observations for its agent id in batched transactions: verdict changes at once, other
// results as refreshes (every result, so each is refreshed once per interval). Re-reads the
// config when it changes. Fail-static: when every target fails at once the agent withholds its
// observations instead of marking every site down. Owns two threads (the io loop; the backend,
// so SQLite or a slow node never delays a probe); start()/stop() from one control thread, and
// stop() returns promptly even while the database is locked.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "healthd/clock.h"
#include "healthd/probes/probe.h"
#include "healthd/remote_backend.h"
#include "zones/base/result.h"

namespace gslb {

struct HealthCheckerOptions {
  std::string db_path;   // the database (in-process role), unless remote.nodes is set
  RemoteOptions remote;  // agent mode: the nodes to pull from and report to
  std::string agent_id = "local";
  std::string region;
  // Tests: looks up probe kinds instead of find_probe (nullptr: the built-in probes).
  ProbeFactory (*probe_override)(std::string_view type) = nullptr;
  // A target this agent must always reach ("tcp:ADDRESS:PORT", "icmp:ADDRESS",
  // "dns:ADDRESS[:PORT]"; IPv6 in brackets), probed every second. While it fails (3 in a row)
  // the agent's own connectivity is suspect: its observations are withheld. Empty: none.
  std::string reference;
  // The DNS server ("ADDRESS[:PORT]") that CNAME-target members' names are resolved with, at
  // each attempt; empty: /etc/hosts, then the servers of /etc/resolv.conf.
  std::string resolver;
  // Seed of the scheduling jitter (0: a random seed).
  uint64_t seed = 0;
};

class HealthChecker {
 public:
  // Time (schedules, ticks, config polls, what observations record) comes from `clock`, which
  // must outlive the checker.
  explicit HealthChecker(HealthCheckerOptions options, Clock& clock = system_clock());
  ~HealthChecker();
  Result<void> start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gslb
