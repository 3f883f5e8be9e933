// DnstapWriter: the thread behind --dnstap. It drains every worker's ring of the DnstapTap,
// encodes each record as a dnstap protobuf (decision JSON in extra) and writes the frames in
// batches through a DnstapOutput. All protobuf and I/O work happens here, off the query path;
// an idle writer sleeps a millisecond between looks rather than being woken by the workers.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/dnstap/dnstap_message.h"
#include "server/dnstap/dnstap_output.h"
#include "server/dnstap/dnstap_tap.h"

namespace gslb {

class DnstapWriter {
 public:
  DnstapWriter(DnstapTap& tap, std::unique_ptr<DnstapOutput> output, DnstapIdentity identity);
  ~DnstapWriter();

  void start();
  // Stops after writing what the rings hold, then closes the output (flushing a file). Call it
  // after the DNS workers have stopped, so that nothing they logged is lost.
  void stop();

  // One pass over every ring; returns how many records it took. Public for tests.
  size_t drain_once();

 private:
  void run();

  // Frames per writev: large enough that the system calls amortise, small enough that one
  // ring's backlog does not hold the next ring up for long.
  static constexpr size_t kBatch = 128;

  DnstapTap& tap_;
  std::unique_ptr<DnstapOutput> output_;
  const DnstapIdentity identity_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  // Writer thread only: one batch of encoded frames and the extra text, reused (they keep
  // their capacity).
  std::vector<std::vector<uint8_t>> frames_;
  std::string extra_;
};

}  // namespace gslb
