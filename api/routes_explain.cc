// /v1/explain: the answer gslbd would give a client now, and why. The query is answered by a
// real QueryEngine against the snapshot the DNS role serves (so it cannot drift from what
// resolvers get), then the policy's decision is laid out next to each member's health.
#include <arpa/inet.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "api/handlers.h"
#include "api/read_bodies.h"
#include "api/representation.h"
#include "api/write_transaction.h"
#include "server/policy/policy.h"
#include "zones/dns/dname.h"
#include "zones/dns/dns_constants.h"
#include "zones/dns/subnet.h"
#include "zones/model/snapshot_builder.h"

// Last: ldns/common.h defines bool/false macros that break C++ headers included after it.
#include <ldns/ldns.h>

namespace gslb::api {
namespace {

struct ClientSubnet {
  int family = 0;  // AF_INET / AF_INET6, 0: none given
  uint8_t address[16] = {};
  int prefix = 0;
};

Outcome<ClientSubnet> parse_client(const std::string& text) {
  auto subnet = parse_subnet(text, SubnetText::kClient);
  if (!subnet) return bad_request("client: " + subnet.error(), "client");
  ClientSubnet c;
  c.family = subnet->family == 4 ? AF_INET : AF_INET6;
  memcpy(c.address, subnet->address, sizeof c.address);
  c.prefix = subnet->prefix;
  return c;
}

Outcome<uint16_t> parse_type(const std::string& text) {
  ldns_rr_type t = ldns_get_rr_type_by_name(text.c_str());
  if (t == 0) return bad_request("type: unknown record type \"" + text + "\"", "type");
  return static_cast<uint16_t>(t);
}

// A query as a stub resolver would send it, with ECS (RFC 7871) for the client subnet.
std::vector<uint8_t> build_query(const std::string& wire_name, uint16_t qtype,
                                 const ClientSubnet& client) {
  std::vector<uint8_t> q;
  q.reserve(12 + wire_name.size() + 4 + 11 + 24);
  auto put = [&q](std::initializer_list<unsigned> bytes) {
    for (unsigned b : bytes) q.push_back(static_cast<uint8_t>(b));
  };
  put({0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1});  // id, flags, qd 1, an 0, ns 0, ar 1
  for (char c : wire_name) q.push_back(static_cast<uint8_t>(c));
  const unsigned t = qtype;
  put({t >> 8u, t & 0xFFu, 0, rrclass::kIn});
  // OPT: root owner, payload 1232, no flags; ECS (RFC 7871) when a client is given.
  const unsigned bytes = client.family != 0 ? static_cast<unsigned>(client.prefix + 7) / 8 : 0;
  const unsigned rdlen = client.family != 0 ? 8 + bytes : 0;
  put({0, 0, rrtype::OPT, 0x04, 0xD0, 0, 0, 0, 0, rdlen >> 8, rdlen & 0xFFu});
  if (client.family != 0) {
    put({0, opt_code::kEcs, 0, 4 + bytes, 0, client.family == AF_INET ? 1u : 2u,
         static_cast<unsigned>(client.prefix), 0});
    for (unsigned i = 0; i < bytes; ++i) {
      unsigned b = client.address[i];
      const int bits = client.prefix - static_cast<int>(i) * 8;
      if (bits < 8) b &= 0xFFu << (8 - bits);  // RFC 7871 s6: the address beyond the prefix is 0
      q.push_back(static_cast<uint8_t>(b));
    }
  }
  return q;
}

std::string rdf_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? s : "";
  free(s);
  return out;
}

json section_json(const ldns_rr_list* list) {
  json out = json::array();
  for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    char* type = ldns_rr_type2str(ldns_rr_get_type(rr));
    std::string data;
    for (size_t k = 0; k < ldns_rr_rd_count(rr); ++k)
      data += (k ? " " : "") + rdf_text(ldns_rr_rdf(rr, k));
    out.push_back({{"name", rdf_text(ldns_rr_owner(rr))},
                   {"type", type ? type : "?"},
                   {"ttl", ldns_rr_ttl(rr)},
                   {"data", data}});
    free(type);
  }
  return out;
}

const char* candidates_name(Decision::Candidates c) {
  switch (c) {
    case Decision::Candidates::kHealthy:
      return "healthy";
    case Decision::Candidates::kFallbackAll:
      return "fallback_all";
    case Decision::Candidates::kFallbackSorry:
      return "fallback_sorry";
    case Decision::Candidates::kNone:
      return "none";
  }
  return "none";
}

// The question explain answers, from the request's parameters.
struct Question {
  std::string name;  // canonical text
  std::string wire;
  uint16_t qtype = 0;
  ClientSubnet client;
  std::string client_text;  // as given; empty: none
};

Outcome<Question> parse_question(const HttpRequest& req) {
  Question out;
  auto name = req.param("name");
  if (!name || name->empty()) return bad_request("name: required", "name");
  out.name = canonical_name(*name);
  auto wire = name_from_text(out.name);
  if (!wire) return bad_request("name: " + wire.error(), "name");
  out.wire = *wire;
  auto qtype = parse_type(req.param("type").value_or("A"));
  if (!qtype) return qtype.error();
  out.qtype = *qtype;
  out.client_text = req.param("client").value_or("");
  if (!out.client_text.empty()) {
    auto parsed = parse_client(out.client_text);
    if (!parsed) return parsed.error();
    out.client = *parsed;
  }
  return out;
}

// The source address of the query: the client's, so that a query without ECS is placed too.
sockaddr_storage peer_of(const ClientSubnet& client) {
  sockaddr_storage peer{};
  if (client.family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&peer);
    in->sin_family = AF_INET;
    memcpy(&in->sin_addr, client.address, 4);
  } else if (client.family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&peer);
    in6->sin6_family = AF_INET6;
    memcpy(&in6->sin6_addr, client.address, 16);
  }
  return peer;
}

// The engine's answer to `q` as JSON: rcode and sections, with the service and decision left
// for the caller.
Outcome<json> answer_json(QueryEngine& engine, const Snapshot& snap, const Question& q) {
  std::vector<uint8_t> query = build_query(q.wire, q.qtype, q.client);
  const sockaddr_storage peer = peer_of(q.client);
  std::vector<uint8_t> out(65535);
  size_t n = engine.answer(snap, Transport::kTcp, query.data(), query.size(), out.data(),
                           out.size(), q.client.family ? &peer : nullptr);
  ldns_pkt* pkt = nullptr;
  if (n == 0 || ldns_wire2pkt(&pkt, out.data(), n) != LDNS_STATUS_OK)
    return server_error("the engine's answer could not be parsed");
  char* rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));
  char* type = ldns_rr_type2str(static_cast<ldns_rr_type>(q.qtype));
  json result = {{"name", display(q.name)},
                 {"type", type ? type : "?"},
                 {"client", q.client_text.empty() ? json(nullptr) : json(q.client_text)},
                 {"rcode", rcode ? rcode : "?"},
                 {"answers", section_json(ldns_pkt_answer(pkt))},
                 {"authority", section_json(ldns_pkt_authority(pkt))},
                 {"service", nullptr},
                 {"decision", nullptr},
                 {"members", json::array()}};
  free(rcode);
  free(type);
  ldns_pkt_free(pkt);
  return result;
}

// What the policy does and the keys it picked with, defaults included, from its catalogue
// entry: the keys a reader needs to follow the decision.
json policy_json(const Service& s) {
  json keys = json::object();
  for (size_t k = 0; k < s.policy_type->keys.size() && k < s.policy_options.size(); ++k)
    std::visit([&](const auto& v) { keys[std::string(s.policy_type->keys[k].name)] = v; },
               s.policy_options[k]);
  return {{"name", s.policy_type->name}, {"summary", s.policy_type->summary}, {"keys", keys}};
}

// Which rule sent the client to which pool, and which pool answered, in words and as data.
json topology_json(const Service& s, const Decision& d, const ServiceRow& row) {
  auto pool_name = [&](int16_t p) -> json {
    if (p < 0 || static_cast<size_t>(p) >= s.pools.size()) return nullptr;
    return s.pools[static_cast<size_t>(p)].name;
  };
  json j = {{"rule", d.rule >= 0 ? json(d.rule) : json(nullptr)},
            {"pool", pool_name(d.pool)},
            {"split", d.split},
            {"answered_by", pool_name(d.answered_pool)}};
  std::string reason;
  if (d.rule >= 0 && static_cast<size_t>(d.rule) < row.topology.rules.size()) {
    const RuleRow& r = row.topology.rules[static_cast<size_t>(d.rule)];
    std::string what;
    auto list = [&](const char* key, const std::vector<std::string>& v) {
      if (v.empty()) return;
      std::string joined;
      for (const std::string& x : v) joined += (joined.empty() ? "" : ",") + x;
      what += (what.empty() ? "" : " and ") + std::string(key) + " " + joined;
    };
    list("country", r.country);
    list("continent", r.continent);
    list("subdivision", r.subdivision);
    list("region", r.region);
    if (!r.asn.empty()) {
      std::string joined;
      for (uint32_t a : r.asn) joined += (joined.empty() ? "AS" : ",AS") + std::to_string(a);
      what += (what.empty() ? "" : " and ") + std::string("asn ") + joined;
    }
    reason = "rule " + std::to_string(d.rule) + " (" + (what.empty() ? "default" : what) +
             ") chose pool " + r.pool;
    if (d.split) reason += ", and the client's subnet falls in its split to " + r.split_pool;
  } else {
    reason = "no rule matched: the first pool, " + s.pools[0].name;
  }
  if (d.answered_pool >= 0 && d.answered_pool != d.pool)
    reason += "; it had nothing healthy, so its fallback " +
              s.pools[static_cast<size_t>(d.answered_pool)].name + " answered";
  if (d.candidates != Decision::Candidates::kHealthy)
    reason += std::string("; nothing along its fallbacks was healthy, so the service's fallback ") +
              (s.fallback == Fallback::kServfail ? "(servfail)"
               : s.fallback == Fallback::kSorry  ? "(sorry)"
                                                 : "(all) answered");
  j["reason"] = reason;
  return j;
}

// Whether the decision's candidates held `m` (of a service whose family `f` is `saturated`).
bool eligible_in(const Member& m, Decision::Candidates candidates, bool saturated) {
  switch (candidates) {
    case Decision::Candidates::kHealthy:
      return m.enabled && !m.sorry && m.up && (!m.over_capacity || saturated);
    case Decision::Candidates::kFallbackAll:
      return m.enabled && !m.sorry;
    case Decision::Candidates::kFallbackSorry:
      return m.enabled && m.sorry;
    case Decision::Candidates::kNone:
      return false;
  }
  return false;
}

// Each member of the service's row with its health, and whether the decision could pick it
// and did, as the snapshot that answered holds it.
json members_json(const Service& s, const Decision& d, const ServiceRow& row,
                  const ConfigView& view, const HealthView& health, uint16_t qtype) {
  const int family = qtype == rrtype::AAAA ? 6 : 4;
  json members = json::array();
  for (const MemberRow* m : view.members_of(row.id)) {
    json mj = member_json(*m, row, view, health);
    const Member* served = nullptr;
    for (const Member& sm : s.members)
      if (sm.id == m->id) served = &sm;
    bool eligible = false, picked = false;
    if (served != nullptr && served->serves(family == 6 ? 1 : 0) &&
        (s.pools.empty() || served->pool == d.answered_pool)) {
      eligible = eligible_in(*served, d.candidates, s.saturated[family == 6 ? 1 : 0]);
      for (size_t i = 0; i < d.pick_count && i < 16; ++i) picked = picked || d.picks[i] == served;
    }
    mj["eligible"] = eligible;
    mj["picked"] = picked;
    if (served != nullptr && served->has_capacity) mj["over_capacity"] = served->over_capacity;
    // A returning site ramping up (zones/model/slow_start.h): the share of its weight it
    // answers with, and when it reaches the whole.
    if (served != nullptr && served->slow_start_ends_ms > 0)
      mj["slow_start"] = {{"weight_share", std::round(served->weight_share * 1000) / 1000},
                          {"until_ms", served->slow_start_ends_ms}};
    members.push_back(std::move(mj));
  }
  return members;
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// A copy of `snap` whose `service` has the named members down, as if every agent had seen
// them fail: what the engine, the same code that answers clients, would answer then.
Outcome<std::shared_ptr<const Snapshot>> assuming_down(const Snapshot& snap, const Service* service,
                                                       const std::string& names) {
  if (service == nullptr)
    return invalid("the name is not a GSLB service: there are no members to assume down",
                   "assume_down");
  ServiceTable table = snap.services();
  Service& target = table[service->index];
  for (const std::string& name : split_names(names)) {
    Member* found = nullptr;
    for (Member& m : target.members)
      if (m.name == name) found = &m;
    if (found == nullptr)
      return invalid("no member \"" + name + "\" in " + display(name_to_text(target.name)),
                     "assume_down");
    found->up = false;
    found->stale = false;
  }
  for (Service& s : table) index_service(s);  // the copies' lists still point at the original
  return with_services(snap, std::move(table));
}

}  // namespace

Outcome<json> explain_body(ApiContext& ctx, const HttpRequest& req) {
  auto q = parse_question(req);
  if (!q) return q.error();
  if (ctx.shared().snapshots == nullptr)
    // Not a failure of the server: this process was started without the role (503, as the
    // busy database is, so a client knows to ask another node rather than report a bug).
    return api_error(make_error(ErrorKind::busy,
                                "explain needs the dns role in this process (--roles dns,api)"));

  std::shared_ptr<const Snapshot> snap = ctx.shared().snapshots->get();
  QueryEngine& engine = ctx.engine();
  auto answered = answer_json(engine, *snap, *q);
  if (!answered) return answered.error();
  if (auto names = req.param("assume_down")) {
    // The same question, asked again of a snapshot in which those members failed.
    auto assumed = assuming_down(*snap, engine.last_decision().service, *names);
    if (!assumed) return assumed.error();
    snap = *assumed;
    answered = answer_json(engine, *snap, *q);
    if (!answered) return answered.error();
    (*answered)["assumed_down"] = split_names(*names);
  }
  json& result = *answered;

  const Decision& d = engine.last_decision();
  if (d.service == nullptr) return result;
  const Service& s = *d.service;
  result["decision"] = {{"candidates", candidates_name(d.candidates)},
                        {"degraded", d.degraded},
                        {"ttl", d.ttl},
                        {"ecs_scope", d.ecs_scope},
                        {"picked", d.pick_count},
                        // Spillover: every healthy member of the family is over its capacity.
                        {"saturated", s.saturated[q->qtype == rrtype::AAAA ? 1 : 0]}};

  auto store = ctx.store();
  if (!store) return store.error();
  auto view = load_view(**store);
  if (!view) return view.error();
  const ServiceRow* row = view->service_by_id(s.id);
  if (row == nullptr) return result;  // deleted since the snapshot
  auto health = load_health_view(**store, *view, wall_ms());
  if (!health) return health.error();
  result["service"] = service_settings_json(*row, *view);
  if (!s.pools.empty()) {
    result["topology"] = topology_json(s, d, *row);
    if (d.answered_pool >= 0 && static_cast<size_t>(d.answered_pool) < s.pools.size())
      result["policy"] = policy_json(s.pools[static_cast<size_t>(d.answered_pool)].view);
  } else if (s.policy_type != nullptr) {
    result["policy"] = policy_json(s);
  }
  result["members"] = members_json(s, d, *row, *view, *health, q->qtype);
  return result;
}

HttpResponse get_explain(ApiContext& ctx, const HttpRequest& req, const Params&) {
  auto body = explain_body(ctx, req);
  if (!body) return error_response(body.error());
  return json_response(200, *body);
}

}  // namespace gslb::api
