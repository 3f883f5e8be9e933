// QueryEngine: packet in, answer out. The ladder of RFC checks (parse, opcode, EDNS version,
// class), the Snapshot lookup and the rendering. One engine per worker thread: it owns the
// scratch Query and Answer, so answer() allocates nothing, takes no lock and never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/socket.h>

#include "server/policy/policy.h"
#include "server/query_stats.h"
#include "server/wire/query.h"
#include "server/wire/response.h"
#include "zones/model/snapshot.h"

namespace gslb {

class ResponseRateLimiter;
struct CookieSecrets;
class DnstapTap;

struct EngineConfig {
  std::string nsid;                 // RFC 5001 NSID payload; empty: not sent
  std::string identity;             // CHAOS TXT id.server etc.; empty: REFUSED
  uint16_t max_udp_payload = 1232;  // DNS flag day 2020 default
  // The process's DNS counters (owned by main), read by /metrics; null: none kept.
  QueryStatsRegistry* stats = nullptr;
  bool count_stats = false;  // count into a block of `stats` (the DNS workers, not explain)
  // Response rate limiting of the UDP workers (--rrl); null: off. Read by /metrics.
  ResponseRateLimiter* rrl = nullptr;
  // DNS cookies (RFC 7873, RFC 9018 server cookies); null: COOKIE options are not answered.
  const CookieSecrets* cookies = nullptr;
  // dnstap (--dnstap): where the UDP and TCP workers leave a copy of each exchange; null: off.
  // Read by /metrics.
  DnstapTap* dnstap = nullptr;
};

// Why the last GSLB answer was what it was (for /v1/explain; overwritten by every query).
struct Decision {
  const Service* service = nullptr;  // null: the last query was not for a service
  enum class Candidates : uint8_t {
    kHealthy,
    kFallbackAll,
    kFallbackSorry,
    kNone
  } candidates = Candidates::kHealthy;
  bool degraded = false;
  uint32_t ttl = 0;
  uint8_t ecs_scope = 0;
  size_t pick_count = 0;
  const Member* picks[16] = {};
  // Topology (services with pools): the rule that matched (-1: none, the first pool answers),
  // the pool it chose, whether the client fell in the rule's split share, and the pool that
  // answered (another one when the chosen pool had nothing healthy and a fallback pool did).
  int16_t rule = -1;
  int16_t pool = -1;
  bool split = false;
  int16_t answered_pool = -1;
};

enum class Transport : uint8_t { kUdp, kTcp };

class QueryEngine {
 public:
  // `seed` seeds this engine's random source (per worker; tests pass a fixed one).
  explicit QueryEngine(const EngineConfig& config, uint64_t seed = 0x9E3779B97F4A7C15ull);

  // Writes the response for `request` into `out` and returns its length; 0 means drop.
  // `capacity` must be at least 512 (UDP) or 65535 (TCP). `peer` (nullable) is the source
  // address: the client of GSLB choices when the query carries no ECS.
  size_t answer(const Snapshot& snap, Transport transport, const uint8_t* request, size_t length,
                uint8_t* out, size_t capacity, const sockaddr_storage* peer = nullptr);

  const Decision& last_decision() const { return decision_; }
  // Whether the last query carried a valid server cookie of ours (its source address is not
  // spoofed: response rate limiting lets it through).
  bool last_cookie_valid() const { return cookie_valid_; }

 private:
  size_t answer_query(const Snapshot& snap, Transport transport, const uint8_t* request,
                      size_t length, uint8_t* out, size_t capacity, const sockaddr_storage* peer);
  size_t answer_chaos(const uint8_t* request, const EdnsReply& edns, uint8_t* out, size_t capacity);
  // Runs the service's policy for the planned answer; returns the rcode to send and sets the
  // ECS scope the choice depended on.
  Rcode pick_for_service(const sockaddr_storage* peer, uint8_t& ecs_scope);
  void on_new_snapshot(const Snapshot& snap);

  const EngineConfig config_;
  RRset chaos_txt_;
  Query query_;
  Answer answer_;
  uint8_t reply_cookie_[24];  // the COOKIE option of the response being written
  bool cookie_valid_ = false;
  bool cookie_bad_ = false;
  Rng rng_;
  PolicyState policy_state_;
  uint64_t snapshot_serial_ = 0;
  Decision decision_;
  QueryStats* stats_ = nullptr;
};

}  // namespace gslb
