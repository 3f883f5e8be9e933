// UdpServer: the UDP side of the DNS role. Each worker thread owns one SO_REUSEPORT socket per
// listen address and loops over recvmmsg/sendmmsg batches, answering with its own QueryEngine
// from the current Snapshot. Sockets bound to a wildcard address reply from the address the
// query was sent to (IP_PKTINFO / IPV6_PKTINFO). start() and stop() from one control thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "server/handover.h"
#include "server/listen_address.h"
#include "server/query_engine.h"
#include "zones/base/result.h"
#include "zones/model/snapshot_holder.h"

namespace gslb {

class UdpServer {
 public:
  UdpServer(const EngineConfig& config, const SnapshotHolder& snapshots,
            std::vector<ListenAddress> addresses, unsigned threads);
  ~UdpServer();

  // Opens every socket first (so a bad address fails before anything runs), then starts.
  // Sockets a predecessor handed over (`inherited`, nullable) are used before new ones.
  Result<void> start(InheritedSockets* inherited = nullptr);
  void stop();
  // Every socket and its address, for a successor (--handover). Valid while running.
  std::vector<HandedSocket> handed_sockets() const;

 private:
  void run_worker(std::vector<int> fds, std::vector<bool> wildcard);

  const EngineConfig& config_;
  const SnapshotHolder& snapshots_;
  std::vector<ListenAddress> addresses_;
  unsigned threads_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
  std::vector<size_t> fd_address_;  // index into addresses_ of each of fds_
};

// Opens a socket of `type` bound to `a` with SO_REUSEPORT (and IPV6_V6ONLY for IPv6).
Result<int> open_bound_socket(const ListenAddress& a, int type);

}  // namespace gslb
