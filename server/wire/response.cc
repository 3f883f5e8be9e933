#include "server/wire/response.h"

#include "server/wire/wire_writer.h"

namespace gslb {
namespace {

size_t opt_length(const Query& q, const EdnsReply& e) {
  size_t n = 11;
  if (q.nsid_requested && !e.nsid.empty()) n += 4 + e.nsid.size();
  if (q.ecs.present) n += 4 + 4 + (q.ecs.source_prefix + 7u) / 8u;
  if (e.cookie != nullptr) n += 4 + e.cookie_length;
  return n;
}

void write_header(WireWriter& w, const Query& q, bool aa, Rcode rcode) {
  w.u16(q.id);
  // RD and CD are flags of QUERY: a NOTIMP for another opcode cannot claim to have read them.
  // RFC 1035 s4.1.1 and RFC 6895 s2 leave it open; ISC's genreport ("opcode", "opcodeflg")
  // fails a server that echoes any flag but QR to an opcode other than QUERY.
  const bool query = q.opcode == opcode::kQuery;
  uint8_t b2 =
      static_cast<uint8_t>(0x80 | (q.opcode << 3) | (aa ? 0x04 : 0) | (query && q.rd ? 0x01 : 0));
  uint8_t b3 = static_cast<uint8_t>((query && q.cd ? 0x10 : 0) | (rcode_value(rcode) & 0x0F));
  w.u8(b2);
  w.u8(b3);
  w.u16(0);
  w.u16(0);
  w.u16(0);
  w.u16(0);
}

void write_opt(WireWriter& w, const Query& q, Rcode rcode, const EdnsReply& e) {
  w.u8(0);  // root owner
  w.u16(rrtype::OPT);
  w.u16(e.udp_size);
  w.u8(
      static_cast<uint8_t>(rcode_value(rcode) >> 4));  // RFC 6891 s6.1.3: upper 8 bits of the rcode
  w.u8(0);                                             // version 0
  w.u16(q.dnssec_ok ? 0x8000 : 0);                     // RFC 3225 s3: DO is copied
  size_t len_at = w.size();
  w.u16(0);
  if (q.nsid_requested && !e.nsid.empty()) {
    w.u16(opt_code::kNsid);
    w.u16(static_cast<uint16_t>(e.nsid.size()));
    w.bytes(e.nsid.data(), e.nsid.size());
  }
  if (q.ecs.present) {
    // RFC 7871 s7.2.1: echo family, source prefix and address; set the scope.
    unsigned bytes = (q.ecs.source_prefix + 7u) / 8u;
    w.u16(opt_code::kEcs);
    w.u16(static_cast<uint16_t>(4 + bytes));
    w.u16(q.ecs.family);
    w.u8(q.ecs.source_prefix);
    w.u8(e.ecs_scope);
    w.bytes(q.ecs.address, bytes);
  }
  if (e.cookie != nullptr) {
    w.u16(opt_code::kCookie);
    w.u16(e.cookie_length);
    w.bytes(e.cookie, e.cookie_length);
  }
  if (w.ok()) w.patch_u16(len_at, static_cast<uint16_t>(w.size() - len_at - 2));
}

void write_owner(WireWriter& w, const AnswerEntry& e) {
  if (e.owner == nullptr)
    w.u16(0xC00C);  // the question name, as the client wrote it
  else
    w.name(e.owner);
}

// The members a service's policy picked: every address of each picked site of the asked
// family, as A or AAAA records; or, when the first pick is a CNAME target, that CNAME alone (a
// CNAME owner holds no other data, RFC 1034 s3.6.2; targets picked after an address are left
// out). Returns the records written.
size_t write_picks(WireWriter& w, const AnswerEntry& e, const Answer& a, uint16_t rclass) {
  const bool v4 = a.service_qtype == rrtype::A;
  const int f = v4 ? 0 : 1;
  if (a.pick_count > 0 && !a.picks[0]->target.empty()) {
    write_owner(w, e);
    w.u16(rrtype::CNAME);
    w.u16(rclass);
    w.u32(a.pick_ttl);
    const size_t len_at = w.size();
    w.u16(0);
    w.name(reinterpret_cast<const uint8_t*>(a.picks[0]->target.data()));
    if (w.ok()) w.patch_u16(len_at, static_cast<uint16_t>(w.size() - len_at - 2));
    return 1;
  }
  size_t written = 0;
  auto one = [&](const uint8_t* bytes) {
    write_owner(w, e);
    w.u16(a.service_qtype);
    w.u16(rclass);
    w.u32(a.pick_ttl);
    w.u16(v4 ? 4 : 16);
    w.bytes(bytes, v4 ? 4 : 16);
    ++written;
  };
  for (size_t i = 0; i < a.pick_count; ++i) {
    const Member& m = *a.picks[i];
    if (!m.target.empty()) continue;
    if (m.addresses[0].empty() && m.addresses[1].empty()) {
      one(m.address);  // a member built by hand: its one address
      continue;
    }
    for (const Member::Address& addr : m.addresses[f]) one(addr.bytes);
  }
  return written;
}

// Writes every record of one RRset; the caller checks w.ok() and rolls back on overflow.
void write_rrset(WireWriter& w, const AnswerEntry& e, uint16_t rclass) {
  const RRset& s = *e.rrset;
  for (const std::string& rd : s.rdatas) {
    write_owner(w, e);
    w.u16(s.type);
    w.u16(rclass);
    w.u32(s.ttl);
    size_t len_at = w.size();
    w.u16(0);
    const auto* d = reinterpret_cast<const uint8_t*>(rd.data());
    switch (s.type) {
      // RFC 3597 s4: only the RFC 1035 types may have their names compressed.
      case rrtype::NS:
      case rrtype::CNAME:
      case rrtype::PTR:
        w.name(d);
        break;
      case rrtype::MX:
        w.bytes(d, 2);
        w.name(d + 2);
        break;
      case rrtype::SOA: {
        size_t i = 0;
        while (d[i] != 0) i += d[i] + 1;
        size_t j = i + 1;
        while (d[j] != 0) j += d[j] + 1;
        w.name(d);
        w.name(d + i + 1);
        w.bytes(d + j + 1, 20);
        break;
      }
      default:
        w.bytes(d, rd.size());
    }
    if (!w.ok()) return;
    w.patch_u16(len_at, static_cast<uint16_t>(w.size() - len_at - 2));
  }
}

}  // namespace

size_t render_response(const Query& q, const uint8_t* request, const Answer& a, uint16_t rclass,
                       Rcode rcode, const EdnsReply& edns, uint8_t* out, size_t capacity) {
  WireWriter w(out, capacity);
  write_header(w, q, a.authoritative, rcode);
  w.bytes(request + 12, q.question_end - 12u);
  if (!w.ok()) return 0;
  w.add_targets(12, q.qname);
  size_t reserve = q.edns ? opt_length(q, edns) : 0;
  if (reserve + w.size() > capacity) return 0;
  w.set_capacity(capacity - reserve);

  uint16_t counts[3] = {0, 0, 0};
  const WireWriter::Mark after_question = w.mark();
  bool truncated = false;
  for (Section section : {Section::kAnswer, Section::kAuthority, Section::kAdditional}) {
    for (size_t i = 0; i < a.count && !truncated; ++i) {
      const AnswerEntry& e = a.entries[i];
      if (e.section != section) continue;
      const WireWriter::Mark m = w.mark();
      size_t records = 0;
      if (e.rrset != nullptr) {
        write_rrset(w, e, rclass);
        records = e.rrset->rdatas.size();
      } else {
        records = write_picks(w, e, a, rclass);
      }
      if (w.ok()) {
        counts[static_cast<int>(section)] += static_cast<uint16_t>(records);
        continue;
      }
      w.rollback(m);
      truncated = e.required;
    }
  }
  truncated |= a.overflow;
  if (truncated) {
    w.rollback(after_question);
    counts[0] = counts[1] = counts[2] = 0;
  }
  w.set_capacity(capacity);
  if (q.edns) write_opt(w, q, rcode, edns);
  if (!w.ok()) return 0;
  w.patch_u16(4, 1);
  w.patch_u16(6, counts[0]);
  w.patch_u16(8, counts[1]);
  w.patch_u16(10, static_cast<uint16_t>(counts[2] + (q.edns ? 1 : 0)));
  if (truncated) out[2] |= 0x02;
  return w.size();
}

size_t render_error(const Query& q, const uint8_t* request, Rcode rcode, bool with_edns,
                    const EdnsReply& edns, uint8_t* out, size_t capacity) {
  WireWriter w(out, capacity);
  write_header(w, q, false, rcode);
  if (q.has_question) w.bytes(request + 12, q.question_end - 12u);
  if (with_edns) write_opt(w, q, rcode, edns);
  if (!w.ok()) return 0;
  w.patch_u16(4, q.has_question ? 1 : 0);
  w.patch_u16(10, with_edns ? 1 : 0);
  return w.size();
}

}  // namespace gslb
