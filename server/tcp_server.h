// TcpServer: DNS over TCP (RFC 7766) on Boost.Asio, one io_context thread. Two-octet framing
// across partial reads, pipelined queries answered in order, an idle timeout between queries, a
// shorter deadline for a connection's first query and for finishing a started message, and a
// connection cap that sheds the idlest connection instead of refusing new ones.
// start() and stop() from one control thread; everything else runs on the io thread.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "server/handover.h"
#include "server/listen_address.h"
#include "server/query_engine.h"
#include "zones/base/result.h"
#include "zones/model/snapshot_holder.h"

namespace gslb {

struct TcpLimits {
  std::chrono::milliseconds idle_timeout{10000};    // RFC 7766 s6.2.3: seconds, not minutes
  std::chrono::milliseconds initial_timeout{3000};  // first query, and the rest of a message
  size_t max_connections = 1024;
};

class TcpServer {
 public:
  TcpServer(const EngineConfig& config, const SnapshotHolder& snapshots,
            std::vector<ListenAddress> addresses, TcpLimits limits);
  ~TcpServer();

  // Listeners a predecessor handed over (`inherited`, nullable) are used before new ones.
  Result<void> start(InheritedSockets* inherited = nullptr);
  // Stops accepting; connections idle now are closed, the others once the queries they had sent
  // (pipelined ones included) are answered, all of them after `drain` at the latest.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(0));
  // The listening sockets and their addresses, for a successor (--handover).
  std::vector<HandedSocket> handed_sockets() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gslb
