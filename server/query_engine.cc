#include "server/query_engine.h"

#include <algorithm>
#include <cstring>

#include <netinet/in.h>
#include <time.h>

#include "server/wire/dns_cookie.h"
#include "server/wire/response.h"

namespace gslb {
namespace {

bool qname_is(const Query& q, const char* wire, size_t len) {
  return q.qname_length == len && memcmp(q.qname, wire, len) == 0;
}

}  // namespace

QueryEngine::QueryEngine(const EngineConfig& config, uint64_t seed) : config_(config), rng_(seed) {
  if (config.count_stats && config.stats != nullptr) stats_ = config.stats->create();
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

size_t QueryEngine::answer_chaos(const uint8_t* request, const EdnsReply& edns, uint8_t* out,
                                 size_t capacity) {
  Query& q = query_;
  static constexpr char kIdServer[] = "\x02id\x06server";
  static constexpr char kHostnameBind[] =
      "\x08hostname\x04"
      "bind";
  static constexpr char kVersionBind[] =
      "\x07version\x04"
      "bind";
  bool known = qname_is(q, kIdServer, sizeof kIdServer) ||
               qname_is(q, kHostnameBind, sizeof kHostnameBind) ||
               qname_is(q, kVersionBind, sizeof kVersionBind);
  if (!known || config_.identity.empty() || (q.qtype != rrtype::TXT && q.qtype != rrtype::ANY))
    return render_error(q, request, Rcode::kRefused, q.edns, edns, out, capacity);
  answer_.clear();
  answer_.authoritative = true;
  answer_.add(Section::kAnswer, nullptr, &chaos_txt_);
  return render_response(q, request, answer_, rrclass::kCh, Rcode::kNoError, edns, out, capacity);
}

void QueryEngine::on_new_snapshot(const Snapshot& snap) {
  // Per-worker policy state, sized once per swap (never per query), and only for the services
  // whose policy keeps some.
  snapshot_serial_ = snap.serial();
  const ServiceTable& services = snap.services();
  // Health-only swaps keep service and member order, so a rotation carries over; a row whose
  // size changed starts again.
  policy_state_.member_state.resize(services.size());
  for (size_t i = 0; i < services.size(); ++i) {
    const size_t members = services[i].keeps_member_state ? services[i].members.size() : 0;
    if (policy_state_.member_state[i].size() != members)
      policy_state_.member_state[i].assign(members, 0);
  }
}

namespace {

// RFC 2308 NODATA: the name exists, it has no address of this family. The service's entry
// leaves the plan and the zone's negative SOA goes to the authority section.
inline void plan_nodata(Answer& a) {
  for (size_t i = 0; i < a.count; ++i)
    if (a.entries[i].rrset == nullptr) {
      for (size_t k = i + 1; k < a.count; ++k) a.entries[k - 1] = a.entries[k];
      --a.count;
      break;
    }
  a.service = nullptr;
  a.add(Section::kAuthority, reinterpret_cast<const uint8_t*>(a.zone->origin.data()),
        &a.zone->negative_soa);
}

// The members the policy picks from in family `f`: the healthy ones, else what the service's
// fallback names (d.candidates says which). Null: SERVFAIL.
inline const std::vector<const Member*>* candidates_for(const Service& s, int f, Decision& d) {
  d.candidates = Decision::Candidates::kHealthy;
  if (!s.healthy[f].empty()) return &s.healthy[f];
  // Nothing up: the service's fallback decides. "all" fails open like gdnsd and Route 53.
  const std::vector<const Member*>* candidates = nullptr;
  d.candidates = Decision::Candidates::kNone;
  switch (s.fallback) {
    case Fallback::kServfail:
      return nullptr;
    case Fallback::kSorry:
      candidates = !s.sorry[f].empty() ? &s.sorry[f] : &s.enabled[f];
      d.candidates = !s.sorry[f].empty() ? Decision::Candidates::kFallbackSorry
                                         : Decision::Candidates::kFallbackAll;
      break;
    case Fallback::kAll:
      candidates = !s.enabled[f].empty() ? &s.enabled[f] : &s.sorry[f];
      d.candidates = !s.enabled[f].empty() ? Decision::Candidates::kFallbackAll
                                           : Decision::Candidates::kFallbackSorry;
      break;
  }
  if (candidates == nullptr || candidates->empty()) {  // every member disabled or drained
    d.candidates = Decision::Candidates::kNone;
    return nullptr;
  }
  return candidates;
}

// The client of the choice: the ECS subnet when the query carries one, else the source address.
inline Client client_of(const Query& q, const sockaddr_storage* peer) {
  Client client;
  if (q.ecs.present && q.ecs.source_prefix > 0) {
    client.family = q.ecs.family == 1 ? 4 : 6;
    memcpy(client.address, q.ecs.address, sizeof client.address);
    client.prefix = q.ecs.source_prefix;
  } else if (peer != nullptr && peer->ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    client.family = 4;
    memcpy(client.address, &in->sin_addr, 4);
    client.prefix = 32;
  } else if (peer != nullptr && peer->ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    client.family = 6;
    memcpy(client.address, &in6->sin6_addr, 16);
    client.prefix = 128;
  }
  return client;
}

// RFC 7871 s7.2.1: the scope is the prefix the answer depended on: the persistence subnet,
// the client's region subnet, or both (the longer). 0 without ECS.
inline uint8_t ecs_scope_of(const Query& q, const Service& s, const Client& client,
                            uint8_t region_scope) {
  uint8_t scope = 0;
  if (q.ecs.present) {
    if (s.persistence) scope = persistence_prefix(s, client);
    if (s.needs_region && q.ecs.source_prefix > 0) scope = std::max(scope, region_scope);
  }
  return scope;
}

}  // namespace

Rcode QueryEngine::pick_for_service(const sockaddr_storage* peer, uint8_t& ecs_scope) {
  Answer& a = answer_;
  const Service& s = *a.service;
  const int f = a.service_qtype == rrtype::A ? 0 : 1;
  Decision& d = decision_;
  d.service = &s;  // explain names the service even when it has no such address
  d.pick_count = 0;
  d.candidates = Decision::Candidates::kNone;
  if (!s.has_family[f]) {
    plan_nodata(a);
    return Rcode::kNoError;
  }
  d.ecs_scope = 0;
  const std::vector<const Member*>* candidates = candidates_for(s, f, d);
  if (candidates == nullptr) return Rcode::kServFail;
  d.degraded = s.healthy[f].empty() || s.healthy[f].size() < s.enabled[f].size();

  const Query& q = query_;
  Client client = client_of(q, peer);
  // Only policies that answer by region pay for the lookup (a walk down a small trie).
  uint8_t region_scope = 0;
  if (s.needs_region) {
    const ClientRegions::Match match =
        s.regions->lookup(client.family, client.address, client.prefix);
    client.region = match.region;
    region_scope = match.scope;
  }
  size_t want = std::clamp<size_t>(s.answers, 1, Answer::kMaxPicks);
  a.pick_count = s.policy(s, candidates->data(), candidates->size(), client, rng_, policy_state_,
                          a.picks, want);
  if (a.pick_count == 0) return Rcode::kServFail;
  a.pick_ttl = d.degraded ? s.ttl_degraded : s.ttl;
  ecs_scope = ecs_scope_of(q, s, client, region_scope);
  d.ttl = a.pick_ttl;
  d.ecs_scope = ecs_scope;
  d.pick_count = a.pick_count;
  for (size_t i = 0; i < a.pick_count && i < 16; ++i) d.picks[i] = a.picks[i];
  if (stats_ != nullptr) {
    stats_->count_answer(-s.id);
    for (size_t i = 0; i < a.pick_count; ++i) stats_->count_answer(a.picks[i]->id);
  }
  return Rcode::kNoError;
}

size_t QueryEngine::answer(const Snapshot& snap, Transport transport, const uint8_t* request,
                           size_t length, uint8_t* out, size_t capacity,
                           const sockaddr_storage* peer) {
  decision_.service = nullptr;
  size_t n = answer_query(snap, transport, request, length, out, capacity, peer);
  if (stats_ != nullptr && n >= 12) {
    const Query& q = query_;
    uint16_t rc = out[3] & 0x0F;
    if (q.edns && q.edns_version > 0 && rc == 0) rc = rcode_value(Rcode::kBadVers);
    if (cookie_bad_) rc = rcode_value(Rcode::kBadCookie);
    stats_->count_response(rc, q.qtype);
  }
  return n;
}

size_t QueryEngine::answer_query(const Snapshot& snap, Transport transport, const uint8_t* request,
                                 size_t length, uint8_t* out, size_t capacity,
                                 const sockaddr_storage* peer) {
  Query& q = query_;
  EdnsReply edns{config_.max_udp_payload, config_.nsid, 0};
  cookie_valid_ = cookie_bad_ = false;
  switch (parse_query(request, length, q)) {
    case ParseOutcome::kOk:
      break;
    case ParseOutcome::kDrop:
      return 0;
    case ParseOutcome::kFormErr:
      return render_error(q, request, Rcode::kFormErr, false, edns, out,
                          std::min<size_t>(capacity, 512));
    case ParseOutcome::kNotImp:
      return render_error(q, request, Rcode::kNotImp, q.edns, edns, out,
                          std::min<size_t>(capacity, 512));
  }

  // The response size limit: RFC 1035 s4.2.1 512 octets without EDNS; with EDNS the smaller of
  // the client's and our payload size (RFC 6891 s6.2.5).
  size_t limit = capacity;
  if (transport == Transport::kUdp)
    limit =
        std::min<size_t>(capacity, q.edns ? std::min(q.udp_size, config_.max_udp_payload) : 512);

  // RFC 7873: every response to a client cookie carries a fresh server cookie. A server cookie
  // we did not make (or made for another address, or expired) gets BADCOOKIE over UDP, so the
  // client retries with the new one; over TCP the connection already proves the address.
  if (q.cookie_length != 0 && config_.cookies != nullptr && peer != nullptr) {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    const uint32_t now = static_cast<uint32_t>(ts.tv_sec);
    const CookieVerdict v = check_cookie(*config_.cookies, q.cookie, q.cookie_length, *peer, now);
    memcpy(reply_cookie_, q.cookie, 8);
    make_server_cookie(*config_.cookies, q.cookie, *peer, now, reply_cookie_ + 8);
    edns.cookie = reply_cookie_;
    edns.cookie_length = sizeof reply_cookie_;
    cookie_valid_ = v == CookieVerdict::kValid;
    if (v == CookieVerdict::kBad && transport == Transport::kUdp) {
      cookie_bad_ = true;
      return render_error(q, request, Rcode::kBadCookie, true, edns, out, limit);
    }
  }

  // RFC 6891 s6.1.3: we speak EDNS version 0 only.
  if (q.edns && q.edns_version > 0)
    return render_error(q, request, Rcode::kBadVers, true, edns, out, limit);

  if (q.qclass == rrclass::kCh) return answer_chaos(request, edns, out, limit);
  if (q.qclass != rrclass::kIn && q.qclass != rrclass::kAny)
    return render_error(q, request, Rcode::kRefused, q.edns, edns, out, limit);

  // Meta types (RFC 6895 s3.1): OPT in a question is malformed; zone transfers are not served;
  // other meta queries are not implemented.
  if (q.qtype == rrtype::OPT)
    return render_error(q, request, Rcode::kFormErr, q.edns, edns, out, limit);
  if (q.qtype == rrtype::AXFR || q.qtype == rrtype::IXFR)
    return render_error(q, request, Rcode::kRefused, q.edns, edns, out, limit);
  if (q.qtype >= 128 && q.qtype < 255)
    return render_error(q, request, Rcode::kNotImp, q.edns, edns, out, limit);

  snap.lookup(q.name(), q.qtype, transport == Transport::kTcp, answer_);
  Rcode rc = static_cast<Rcode>(answer_.rcode);
  if (answer_.service != nullptr) {
    if (snap.serial() != snapshot_serial_) on_new_snapshot(snap);
    rc = pick_for_service(peer, edns.ecs_scope);
    if (rc == Rcode::kServFail) return render_error(q, request, rc, q.edns, edns, out, limit);
  }
  return render_response(q, request, answer_, rrclass::kIn, rc, edns, out, limit);
}

}  // namespace gslb
