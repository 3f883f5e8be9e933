// encode_dnstap: one DnstapRecord as a serialized dnstap.Dnstap protobuf, the payload of one
// Frame Streams frame. A single AUTH_RESPONSE Message carries both the query and the response
// (dnstap-ldns prints both from it), with the decision in Dnstap.extra.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/dnstap/dnstap_record.h"

namespace gslb {

struct DnstapIdentity {
  std::string identity;  // --dnstap-identity; empty: not sent
  std::string version;   // "gslbd VERSION"
};

// Replaces `out` with the encoding. `extra` empty: no extra field.
void encode_dnstap(const DnstapRecord& r, const DnstapIdentity& id, const std::string& extra,
                   std::vector<uint8_t>& out);

}  // namespace gslb
