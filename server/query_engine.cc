#include "server/query_engine.h"

#include <algorithm>
#include <cstring>

#include "server/response.h"

namespace gslb {
namespace {

constexpr uint16_t kClassIn = 1, kClassCh = 3, kClassAny = 255;

bool qname_is(const Query& q, const char* wire, size_t len) {
  return q.qname_length == len && memcmp(q.qname, wire, len) == 0;
}

}  // namespace

QueryEngine::QueryEngine(const EngineConfig& config) : config_(config) {
  chaos_txt_.type = rrtype::TXT;
  chaos_txt_.ttl = 0;
  std::string rd;
  const std::string& id = config.identity;
  for (size_t i = 0; i < id.size(); i += 255) {  // TXT strings are at most 255 octets
    std::string part = id.substr(i, 255);
    rd.push_back(static_cast<char>(part.size()));
    rd += part;
  }
  chaos_txt_.rdatas.push_back(rd);
}

size_t QueryEngine::answer_chaos(const uint8_t* request, uint8_t* out, size_t capacity) {
  Query& q = query_;
  EdnsReply edns{config_.max_udp_payload, config_.nsid, 0};
  static constexpr char kIdServer[] = "\x02id\x06server";
  static constexpr char kHostnameBind[] = "\x08hostname\x04" "bind";
  static constexpr char kVersionBind[] = "\x07version\x04" "bind";
  bool known = qname_is(q, kIdServer, sizeof kIdServer) ||
               qname_is(q, kHostnameBind, sizeof kHostnameBind) ||
               qname_is(q, kVersionBind, sizeof kVersionBind);
  if (!known || config_.identity.empty() ||
      (q.qtype != rrtype::TXT && q.qtype != rrtype::ANY))
    return render_error(q, request, rcode::kRefused, q.edns, edns, out, capacity);
  answer_.clear();
  answer_.authoritative = true;
  answer_.add(Section::kAnswer, nullptr, &chaos_txt_);
  return render_response(q, request, answer_, kClassCh, rcode::kNoError, edns, out, capacity);
}

size_t QueryEngine::answer(const Snapshot& snap, Transport transport, const uint8_t* request,
                           size_t length, uint8_t* out, size_t capacity) {
  Query& q = query_;
  EdnsReply edns{config_.max_udp_payload, config_.nsid, 0};
  switch (parse_query(request, length, q)) {
    case ParseOutcome::kOk:
      break;
    case ParseOutcome::kDrop:
      return 0;
    case ParseOutcome::kFormErr:
      return render_error(q, request, rcode::kFormErr, false, edns, out, std::min<size_t>(capacity, 512));
    case ParseOutcome::kNotImp:
      return render_error(q, request, rcode::kNotImp, false, edns, out, std::min<size_t>(capacity, 512));
  }

  // The response size limit: RFC 1035 s4.2.1 512 octets without EDNS; with EDNS the smaller of
  // the client's and our payload size (RFC 6891 s6.2.5).
  size_t limit = capacity;
  if (transport == Transport::kUdp)
    limit = std::min<size_t>(capacity, q.edns ? std::min(q.udp_size, config_.max_udp_payload) : 512);

  // RFC 6891 s6.1.3: we speak EDNS version 0 only.
  if (q.edns && q.edns_version > 0)
    return render_error(q, request, rcode::kBadVers, true, edns, out, limit);

  if (q.qclass == kClassCh) return answer_chaos(request, out, limit);
  if (q.qclass != kClassIn && q.qclass != kClassAny)
    return render_error(q, request, rcode::kRefused, q.edns, edns, out, limit);

  // Meta types (RFC 6895 s3.1): OPT in a question is malformed; zone transfers are not served;
  // other meta queries are not implemented.
  if (q.qtype == rrtype::OPT)
    return render_error(q, request, rcode::kFormErr, q.edns, edns, out, limit);
  if (q.qtype == rrtype::AXFR || q.qtype == rrtype::IXFR)
    return render_error(q, request, rcode::kRefused, q.edns, edns, out, limit);
  if (q.qtype >= 128 && q.qtype < 255)
    return render_error(q, request, rcode::kNotImp, q.edns, edns, out, limit);

  snap.lookup(q.name(), q.qtype, transport == Transport::kTcp, answer_);
  return render_response(q, request, answer_, kClassIn, answer_.rcode, edns, out, limit);
}

}  // namespace gslb
