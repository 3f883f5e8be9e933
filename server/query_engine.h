// QueryEngine: packet in, answer out. The ladder of RFC checks (parse, opcode, EDNS version,
// class), the Snapshot lookup and the rendering. One engine per worker thread: it owns the
// scratch Query and Answer, so answer() allocates nothing, takes no lock and never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/query.h"
#include "zones/snapshot.h"

namespace gslb {

struct EngineConfig {
  std::string nsid;      // RFC 5001 NSID payload; empty: not sent
  std::string identity;  // CHAOS TXT id.server etc.; empty: REFUSED
  uint16_t max_udp_payload = 1232;  // DNS flag day 2020 default
};

enum class Transport : uint8_t { kUdp, kTcp };

class QueryEngine {
 public:
  explicit QueryEngine(const EngineConfig& config);

  // Writes the response for `request` into `out` and returns its length; 0 means drop.
  // `capacity` must be at least 512 (UDP) or 65535 (TCP).
  size_t answer(const Snapshot& snap, Transport transport, const uint8_t* request, size_t length,
                uint8_t* out, size_t capacity);

 private:
  size_t answer_chaos(const uint8_t* request, uint8_t* out, size_t capacity);

  const EngineConfig config_;
  RRset chaos_txt_;
  Query query_;
  Answer answer_;
};

}  // namespace gslb
