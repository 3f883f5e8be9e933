#include "server/query_engine.h"

#include <algorithm>
#include <cstring>

#include <netinet/in.h>
#include <time.h>

#include "server/wire/dns_cookie.h"
#include "server/wire/response.h"
#include "zones/geo/geo_database.h"

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
  size_t slots = services.size();
  for (const Service& s : services) slots += s.pools.size();
  policy_state_.member_state.resize(slots);
  auto size_slot = [&](uint32_t slot, bool keeps, size_t members) {
    const size_t n = keeps ? members : 0;
    if (slot < slots && policy_state_.member_state[slot].size() != n)
      policy_state_.member_state[slot].assign(n, 0);
  };
  for (size_t i = 0; i < services.size(); ++i) {
    const Service& s = services[i];
    size_slot(static_cast<uint32_t>(i), s.keeps_member_state, s.members.size());
    // A pool view's members are its service's (Member::index is the position there).
    for (const Pool& p : s.pools)
      size_slot(p.view.index, p.view.keeps_member_state, s.members.size());
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
// the client's region subnet or MMDB network, the networks the topology rules read (the
// longest of them). 0 without ECS.
inline uint8_t ecs_scope_of(const Query& q, const Service& s, const Client& client,
                            uint8_t region_scope, uint8_t topology_scope) {
  uint8_t scope = 0;
  if (q.ecs.present) {
    if (s.persistence) scope = persistence_prefix(s, client);
    if ((s.needs_region || s.needs_location) && q.ecs.source_prefix > 0)
      scope = std::max(scope, region_scope);
    if (q.ecs.source_prefix > 0) scope = std::max(scope, topology_scope);
  }
  return scope;
}

// What the MMDB files and client regions say about the client, looked up once per query for the
// services whose rules need it.
struct ClientFacts {
  GeoFacts place, network;
  ClientRegions::Match region;
};

inline bool has(const std::vector<uint32_t>& list, uint32_t v) {
  for (uint32_t x : list)
    if (x == v) return true;
  return false;
}

// splitmix64 over the client's subnet (its persistence prefix): the same subnet always lands in
// the same share of a split, so a resolver's cache and its clients agree.
inline uint32_t subnet_bucket(const Client& c, uint8_t prefix) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ c.family;
  const unsigned bytes = (prefix + 7u) / 8u;
  for (unsigned i = 0; i < bytes && i < 16; ++i) {
    uint8_t b = c.address[i];
    if (i == bytes - 1 && prefix % 8 != 0) b &= static_cast<uint8_t>(0xFF << (8 - prefix % 8));
    h = (h ^ b) * 0x100000001B3ull;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return static_cast<uint32_t>(h % 10000);
}

struct PoolChoice {
  int16_t rule = -1;
  uint16_t pool = 0;
  bool split = false;
  uint8_t scope = 0;  // leading client bits the choice depended on
};

// The first rule whose every condition holds (none: the first pool). Each condition read
// widens the scope to the prefix of the network that answered it (RFC 7871 s7.2.1): a client
// sharing those bits gets the same pool, whatever the rest of its address.
inline PoolChoice choose_pool(const Service& s, const Client& client, const ClientFacts& facts) {
  PoolChoice c;
  for (size_t i = 0; i < s.rules.size(); ++i) {
    const TopologyRule& r = s.rules[i];
    bool match = true;
    if (!r.regions.empty()) {
      c.scope = std::max(c.scope, facts.region.scope);
      match = false;
      for (int32_t k : r.regions) match = match || (k >= 0 && k == facts.region.region);
    }
    if (match && r.needs_place()) {
      c.scope = std::max(c.scope, facts.place.prefix);
      const GeoFacts& g = facts.place;
      if (!r.countries.empty()) match = g.found && has(r.countries, g.country);
      if (match && !r.continents.empty()) match = g.found && has(r.continents, g.continent);
      if (match && !r.subdivisions.empty()) {
        bool any = false;
        for (const auto& [country, sub] : r.subdivisions)
          any = any || (g.found && g.country == country && g.subdivision == sub);
        match = any;
      }
    }
    if (match && !r.asns.empty()) {
      c.scope = std::max(c.scope, facts.network.prefix);
      match = facts.network.found && has(r.asns, facts.network.asn);
    }
    if (!match) continue;
    c.rule = static_cast<int16_t>(i);
    c.pool = r.pool;
    if (r.split_per_10k > 0) {
      const uint8_t prefix = std::min(client.prefix, persistence_prefix(s, client));
      c.scope = std::max(c.scope, prefix);
      if (subnet_bucket(client, prefix) < r.split_per_10k) {
        c.pool = r.split_pool;
        c.split = true;
      }
    }
    return c;
  }
  return c;
}

// The pool view that answers family `f` for a client sent to pool `start`: the first pool with
// a healthy member of that family along `start`'s fallbacks (depth first, each pool once).
// When none has one: the first of them with an enabled member of the family (else any member), for
// the service's own fallback (all / sorry / servfail); null when no pool of the chain has that
// family at all.
inline const Service* serving_pool(const Service& s, uint16_t start, int f, bool& healthy) {
  // The document's limit, which services_from_rows holds hand-written rows to as well.
  constexpr size_t kMaxPools = 64;
  // A frame per pool on the current path (each pool is entered once, so at most kMaxPools of
  // them): a stack of pending fallbacks could fill up with repeats and drop the ones to try next.
  struct Frame {
    uint16_t pool;
    uint16_t next;  // the next of its fallbacks to try
  };
  Frame stack[kMaxPools];
  size_t depth = 0;
  uint64_t seen = 0;
  const Service* with_family = nullptr;   // the first pool with any member of the family
  const Service* with_enabled = nullptr;  // the first with one enabled (maybe down, or sorry)
  // Enters pool p unless done already; true when it has a healthy member of the family.
  auto enter = [&](uint16_t p) {
    if (p >= s.pools.size() || p >= kMaxPools || (seen & (1ull << p))) return false;
    seen |= 1ull << p;
    const Pool& pool = s.pools[p];
    if (!pool.view.healthy[f].empty()) return true;
    if (with_family == nullptr && pool.view.has_family[f]) with_family = &pool.view;
    if (with_enabled == nullptr && (!pool.view.enabled[f].empty() || !pool.view.sorry[f].empty()))
      with_enabled = &pool.view;
    stack[depth++] = Frame{p, 0};
    return false;
  };
  if (enter(start)) {
    healthy = true;
    return &s.pools[start].view;
  }
  while (depth > 0) {
    Frame& top = stack[depth - 1];
    const Pool& pool = s.pools[top.pool];
    if (top.next >= pool.fallback.size()) {
      --depth;
      continue;
    }
    const uint16_t p = pool.fallback[top.next++];
    if (enter(p)) {
      healthy = true;
      return &s.pools[p].view;
    }
  }
  healthy = false;
  // The service's fallback (all / sorry) needs members that are at least enabled: a pool whose
  // members are all disabled or drained would answer SERVFAIL while a later one could answer.
  return with_enabled != nullptr ? with_enabled : with_family;
}

inline int16_t pool_of_view(const Service& s, const Service* view) {
  for (size_t i = 0; i < s.pools.size(); ++i)
    if (&s.pools[i].view == view) return static_cast<int16_t>(i);
  return -1;
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
  d.rule = d.pool = d.answered_pool = -1;
  d.split = false;
  if (!s.has_family[f]) {
    plan_nodata(a);
    return Rcode::kNoError;
  }
  d.ecs_scope = 0;
  const Query& q = query_;
  Client client = client_of(q, peer);
  // Topology first: the pool decides the candidates, the policy and its keys (the pool's view).
  const Service* view = &s;
  uint8_t topology_scope = 0;
  ClientFacts facts;
  if (!s.pools.empty()) {
    if (s.rules_need_place && s.geo_place)
      facts.place = s.geo_place->lookup(client.family, client.address, client.prefix);
    if (s.rules_need_network && s.geo_network)
      facts.network = s.geo_network->lookup(client.family, client.address, client.prefix);
    if (s.rules_need_region && s.regions)
      facts.region = s.regions->lookup(client.family, client.address, client.prefix);
    const PoolChoice choice = choose_pool(s, client, facts);
    topology_scope = choice.scope;
    d.rule = choice.rule;
    d.pool = static_cast<int16_t>(choice.pool);
    d.split = choice.split;
    bool healthy = false;
    view = serving_pool(s, choice.pool, f, healthy);
    if (view == nullptr) {  // no pool this client may use has an address of the family
      plan_nodata(a);
      return Rcode::kNoError;
    }
    d.answered_pool = pool_of_view(s, view);
  }
  const std::vector<const Member*>* candidates = candidates_for(*view, f, d);
  if (candidates == nullptr) return Rcode::kServFail;
  d.degraded = view->healthy[f].empty() || view->healthy[f].size() < view->enabled[f].size();

  // Only policies that answer by region pay for the lookup (a walk down a small trie).
  uint8_t region_scope = 0;
  if (view->needs_region) {
    const ClientRegions::Match match =
        s.rules_need_region ? facts.region
                            : view->regions->lookup(client.family, client.address, client.prefix);
    client.region = match.region;
    region_scope = match.scope;
  }
  if (view->needs_location) {
    if (!facts.place.found && s.geo_place && !s.rules_need_place)
      facts.place = s.geo_place->lookup(client.family, client.address, client.prefix);
    client.has_location = facts.place.found && facts.place.has_location;
    client.lat_rad = facts.place.latitude * kRadiansPerDegree;
    client.lon_rad = facts.place.longitude * kRadiansPerDegree;
    region_scope = std::max(region_scope, facts.place.prefix);
  }
  size_t want = std::clamp<size_t>(s.answers, 1, Answer::kMaxPicks);
  a.pick_count = view->policy(*view, candidates->data(), candidates->size(), client, rng_,
                              policy_state_, a.picks, want);
  if (a.pick_count == 0) return Rcode::kServFail;
  a.pick_ttl = d.degraded ? s.ttl_degraded : s.ttl;
  ecs_scope = ecs_scope_of(q, *view, client, region_scope, topology_scope);
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
