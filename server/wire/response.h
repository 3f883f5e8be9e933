// render_response: encodes a planned Answer (from Snapshot::lookup) into a response packet.
// Truncation is an outcome: a required RRset that does not fit clears the sections and sets
// TC=1 (RFC 2181 s9); optional additional data is just left out. No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/wire/query.h"
#include "zones/dns/dns_constants.h"
#include "zones/model/snapshot.h"

namespace gslb {

// What the response's OPT record carries beyond the basics.
struct EdnsReply {
  uint16_t udp_size = 1232;  // what we advertise
  std::string_view nsid;     // sent when the client asked and this is non-empty
  uint8_t ecs_scope = 0;     // RFC 7871 scope prefix length for the echoed ECS option
  // RFC 7873 COOKIE option to send (client cookie and our server cookie); null: none.
  const uint8_t* cookie = nullptr;
  uint8_t cookie_length = 0;
};

// REQUIRES: q.has_question. `capacity` is the most the client accepts (already limited).
size_t render_response(const Query& q, const uint8_t* request, const Answer& a, uint16_t rclass,
                       Rcode rcode, const EdnsReply& edns, uint8_t* out, size_t capacity);

// A response with no records: FORMERR, NOTIMP, REFUSED... The question is echoed when it
// parsed; an OPT is added when `with_edns` (not for a malformed OPT, RFC 6891 s7).
size_t render_error(const Query& q, const uint8_t* request, Rcode rcode, bool with_edns,
                    const EdnsReply& edns, uint8_t* out, size_t capacity);

}  // namespace gslb
