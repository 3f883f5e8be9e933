// parse_query: validates a request's header, question and EDNS OPT into a fixed Query struct.
// No allocation, no exceptions; bounds are checked against the real length in every build.
// Thread-compatible: each worker owns its Query.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zones/dns/dname.h"
#include "zones/dns/dns_constants.h"
#include "zones/model/snapshot.h"

namespace gslb {

// RFC 7871 EDNS Client Subnet as received.
struct ClientSubnet {
  bool present = false;
  uint16_t family = 0;  // 1 = IPv4, 2 = IPv6
  uint8_t source_prefix = 0;
  uint8_t scope_prefix = 0;
  uint8_t address[16] = {};
};

struct Query {
  uint16_t id = 0;
  uint8_t opcode = 0;
  bool rd = false;
  bool cd = false;

  bool has_question = false;      // the question parsed (it is echoed even in error responses)
  uint8_t qname[kMaxNameLength];  // lowercase wire form
  uint8_t qname_length = 0;
  uint8_t labels = 0;
  uint8_t label_offsets[kMaxLabels + 1];
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  uint16_t question_end = 12;  // offset just past the question in the request

  // RFC 6891 EDNS(0)
  bool edns = false;
  uint8_t edns_version = 0;
  uint16_t udp_size = 512;
  bool dnssec_ok = false;
  bool nsid_requested = false;
  ClientSubnet ecs;
  uint8_t cookie[40];
  uint8_t cookie_length = 0;  // 0 when absent; 8 client-only, 16..40 with a server cookie

  QName name() const { return QName{qname, qname_length, labels, label_offsets}; }
};

enum class ParseOutcome : uint8_t {
  kOk,
  kDrop,     // never answer: too short to carry a header, or a response (QR=1)
  kFormErr,  // malformed: answer FORMERR
  kNotImp,   // opcode other than QUERY
};

ParseOutcome parse_query(const uint8_t* packet, size_t length, Query& q);

}  // namespace gslb
