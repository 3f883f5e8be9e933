// DnstapRecord: one answered query as a DNS worker hands it to the dnstap writer. Fixed size and
// self-contained (no pointer into the Snapshot, which may be gone by the time the writer reads
// it), so the worker fills it with plain copies into a preallocated ring slot.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gslb {

// The GSLB choice behind a response (server/query_engine.h Decision, copied by value).
struct DnstapDecision {
  static constexpr size_t kMaxPicks = 16;  // Answer::kMaxPicks
  static constexpr size_t kNameCap = 63;   // member names are plain names, 1 to 63 octets
  static constexpr size_t kPolicyCap = 32;

  bool present = false;     // the query named a GSLB service
  bool has_family = false;  // the service has members of the queried address family
  bool degraded = false;
  uint8_t candidates = 0;  // Decision::Candidates
  uint8_t ecs_scope = 0;
  uint8_t pick_count = 0;
  uint8_t service_len = 0;  // the service's wire name
  uint8_t policy_len = 0;
  uint32_t ttl = 0;
  uint8_t service[255];
  char policy[kPolicyCap];
  struct Pick {
    uint32_t tier = 0;  // Member::priority
    uint8_t name_len = 0;
    char name[kNameCap];
  } picks[kMaxPicks];
};

struct DnstapRecord {
  // Larger messages are logged without their bytes (a cut DNS message is no message).
  static constexpr size_t kQueryCap = 512;
  static constexpr size_t kResponseCap = 1232;

  uint64_t query_sec = 0, response_sec = 0;  // CLOCK_REALTIME
  uint32_t query_nsec = 0, response_nsec = 0;
  uint8_t family = 4;  // 4 or 6, of both addresses
  bool tcp = false;
  uint16_t client_port = 0, server_port = 0;
  uint8_t client_address[16] = {};
  uint8_t server_address[16] = {};
  uint16_t query_len = 0;     // 0 with the message left out (over the cap)
  uint16_t response_len = 0;  // likewise
  uint8_t query[kQueryCap];
  uint8_t response[kResponseCap];
  DnstapDecision decision;
};

}  // namespace gslb
