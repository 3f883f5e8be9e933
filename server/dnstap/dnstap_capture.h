// tap_exchange: the DNS workers' half of dnstap, on the query path. Copies one query, its
// response and (with --dnstap-decisions) the GSLB decision into the worker's ring; a full ring
// drops the record and counts it. No allocation, no lock, no system call, no protobuf.
#pragma once

#include <sys/socket.h>
#include <time.h>

#include <cstddef>
#include <cstdint>

#include "server/dnstap/dnstap_tap.h"
#include "server/query_engine.h"

namespace gslb {

struct TapExchange {
  const uint8_t* query = nullptr;
  size_t query_len = 0;
  const uint8_t* response = nullptr;
  size_t response_len = 0;
  const sockaddr_storage* client = nullptr;
  const sockaddr_storage* server = nullptr;  // the listen address (a wildcard stays one)
  bool tcp = false;
  timespec received{};  // when the query was read
};

// `decision`: the engine's last_decision() for this response (copied only when `decisions`).
void tap_exchange(DnstapProducer& producer, bool decisions, const TapExchange& exchange,
                  const Decision& decision);

}  // namespace gslb
