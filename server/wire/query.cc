#include "server/wire/query.h"

#include <cstring>

namespace gslb {
namespace {

inline uint16_t rd16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

// Skips a possibly compressed name starting at `pos`, validating it: pointers must point strictly
// backwards and in bounds, labels are at most 63 octets and the name at most 255. Returns the
// offset just after the name in the packet, or 0 when malformed (loops end in the hop limit or
// the length limit).
size_t skip_name(const uint8_t* p, size_t len, size_t pos) {
  size_t end = 0, total = 0;
  int hops = 0;
  while (true) {
    if (pos >= len) return 0;
    uint8_t l = p[pos];
    if (l == 0) return end != 0 ? end : pos + 1;
    if ((l & 0xC0) == 0xC0) {
      if (pos + 2 > len) return 0;
      size_t target = (static_cast<size_t>(l & 0x3F) << 8) | p[pos + 1];
      if (target >= pos || ++hops > static_cast<int>(kMaxLabels)) return 0;
      if (end == 0) end = pos + 2;
      pos = target;
      continue;
    }
    if (l > kMaxLabelLength) return 0;  // 0x40 and 0x80: obsolete label types
    total += l + 1;
    if (total + 1 > kMaxNameLength) return 0;
    pos += l + 1;
  }
}

ParseOutcome parse_ecs(const uint8_t* d, uint16_t len, ClientSubnet& ecs) {
  // RFC 7871 s6: FAMILY(2) SOURCE PREFIX(1) SCOPE PREFIX(1) ADDRESS(ceil(source/8))
  if (len < 4) return ParseOutcome::kFormErr;
  ecs.family = rd16(d);
  ecs.source_prefix = d[2];
  ecs.scope_prefix = d[3];
  unsigned max = ecs.family == 1 ? 32 : ecs.family == 2 ? 128 : 0;
  if (max == 0 || ecs.source_prefix > max) return ParseOutcome::kFormErr;
  // s6: the scope "MUST be set to 0" in queries; one that is not came from a confused or
  // hostile client, and echoing a prefix we did not choose would mislead caches (BIND: FORMERR).
  if (ecs.scope_prefix != 0) return ParseOutcome::kFormErr;
  unsigned bytes = (ecs.source_prefix + 7u) / 8u;
  if (len - 4u != bytes) return ParseOutcome::kFormErr;
  memset(ecs.address, 0, sizeof ecs.address);
  memcpy(ecs.address, d + 4, bytes);
  // s6: address bits beyond the source prefix MUST be zero.
  if (ecs.source_prefix % 8 != 0 && bytes > 0) {
    uint8_t mask = static_cast<uint8_t>(0xFF >> (ecs.source_prefix % 8));
    if (ecs.address[bytes - 1] & mask) return ParseOutcome::kFormErr;
  }
  ecs.present = true;
  return ParseOutcome::kOk;
}

ParseOutcome parse_opt(const uint8_t* p, size_t rr, uint16_t rdlen, Query& q) {
  // rr points at TYPE; CLASS = UDP payload size, TTL = ext-rcode, version, flags.
  q.edns = true;
  uint16_t size = rd16(p + rr + 2);
  q.udp_size = size < 512 ? 512 : size;  // RFC 6891 s6.2.3: values below 512 mean 512
  q.edns_version = p[rr + 5];
  q.dnssec_ok = (p[rr + 6] & 0x80) != 0;
  const uint8_t* d = p + rr + 10;
  size_t i = 0;
  while (i < rdlen) {
    if (i + 4 > rdlen) return ParseOutcome::kFormErr;
    uint16_t code = rd16(d + i), olen = rd16(d + i + 2);
    i += 4;
    if (i + olen > rdlen) return ParseOutcome::kFormErr;
    const uint8_t* od = d + i;
    switch (code) {
      case opt_code::kNsid:
        q.nsid_requested = true;  // RFC 5001 s2.3: the request's payload is ignored
        break;
      case opt_code::kEcs:
        if (q.ecs.present || parse_ecs(od, olen, q.ecs) != ParseOutcome::kOk)
          return ParseOutcome::kFormErr;
        break;
      case opt_code::kCookie:
        // RFC 7873 s5.2.2: a client cookie alone (8) or with a server cookie (16..40).
        if (q.cookie_length != 0 || !(olen == 8 || (olen >= 16 && olen <= 40)))
          return ParseOutcome::kFormErr;
        memcpy(q.cookie, od, olen);
        q.cookie_length = static_cast<uint8_t>(olen);
        break;
      default:
        break;  // RFC 6891 s6.1.2: unknown options are ignored
    }
    i += olen;
  }
  return ParseOutcome::kOk;
}

void reset_edns(Query& q) {
  q.edns = false;
  q.edns_version = 0;
  q.udp_size = 512;
  q.dnssec_ok = false;
  q.nsid_requested = false;
  q.ecs.present = false;
  q.cookie_length = 0;
}

// The records after the question: the first `skipped` (answer and authority) are only stepped
// over, then the additional section's OPT is read.
ParseOutcome parse_records(const uint8_t* p, size_t len, size_t pos, uint32_t skipped, uint16_t ar,
                           Query& q) {
  bool seen_opt = false;
  for (uint32_t i = 0; i < skipped + ar; ++i) {
    size_t name_start = pos;
    pos = skip_name(p, len, pos);
    if (pos == 0 || pos + 10 > len) return ParseOutcome::kFormErr;
    uint16_t type = rd16(p + pos);
    uint16_t rdlen = rd16(p + pos + 8);
    if (pos + 10 + rdlen > len) return ParseOutcome::kFormErr;
    if (i >= skipped && type == rrtype::OPT) {
      // RFC 6891 s6.1.1: one OPT, owned by the root.
      if (seen_opt || p[name_start] != 0) return ParseOutcome::kFormErr;
      seen_opt = true;
      if (parse_opt(p, pos, rdlen, q) != ParseOutcome::kOk) return ParseOutcome::kFormErr;
    }
    pos += 10 + rdlen;
  }
  return ParseOutcome::kOk;
}

}  // namespace

ParseOutcome parse_query(const uint8_t* p, size_t len, Query& q) {
  q.has_question = false;
  reset_edns(q);
  q.question_end = 12;

  // RFC 1035 s4.1.1: a header is 12 octets; anything shorter cannot even carry an ID to echo.
  if (len < 12) return ParseOutcome::kDrop;
  // Never answer a response: that is how reflection loops between servers start.
  if (p[2] & 0x80) return ParseOutcome::kDrop;
  q.id = rd16(p);
  q.opcode = (p[2] >> 3) & 0x0F;
  q.rd = (p[2] & 0x01) != 0;
  q.cd = (p[3] & 0x10) != 0;
  uint16_t qd = rd16(p + 4), an = rd16(p + 6), ns = rd16(p + 8), ar = rd16(p + 10);

  if (qd != 1) return q.opcode != opcode::kQuery ? ParseOutcome::kNotImp : ParseOutcome::kFormErr;

  // The question name: no compression is possible here (nothing precedes it to point at).
  size_t pos = 12, out = 0;
  uint8_t labels = 0;
  while (true) {
    if (pos >= len) return ParseOutcome::kFormErr;
    uint8_t l = p[pos];
    if (l == 0) break;
    if (l > kMaxLabelLength) return ParseOutcome::kFormErr;  // pointer or reserved label type
    if (pos + 1 + l > len) return ParseOutcome::kFormErr;
    if (out + l + 2 > kMaxNameLength) return ParseOutcome::kFormErr;  // RFC 1035 s2.3.4
    q.label_offsets[labels++] = static_cast<uint8_t>(out);
    q.qname[out++] = l;
    for (size_t k = 0; k < l; ++k) q.qname[out++] = ascii_lower(p[pos + 1 + k]);
    pos += l + 1;
  }
  q.label_offsets[labels] = static_cast<uint8_t>(out);
  q.qname[out++] = 0;
  ++pos;
  if (pos + 4 > len) return ParseOutcome::kFormErr;
  q.qname_length = static_cast<uint8_t>(out);
  q.labels = labels;
  q.qtype = rd16(p + pos);
  q.qclass = rd16(p + pos + 2);
  pos += 4;
  q.question_end = static_cast<uint16_t>(pos);
  q.has_question = true;

  if (q.opcode != opcode::kQuery) {
    // RFC 6891 s7: the response to a request with an OPT carries one, a NOTIMP too. The other
    // sections are only stepped over; when they do not parse, the NOTIMP goes without an OPT.
    if (parse_records(p, len, pos, static_cast<uint32_t>(an) + ns, ar, q) != ParseOutcome::kOk)
      reset_edns(q);
    return ParseOutcome::kNotImp;
  }
  // A query carries no answers or authority; NSD and Knot refuse such packets too.
  if (an != 0 || ns != 0) return ParseOutcome::kFormErr;
  return parse_records(p, len, pos, 0, ar, q);
}

}  // namespace gslb
