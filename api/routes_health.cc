// Health as operators and remote agents see it: folded member state, agents, the check list an
// agent pulls, and the observation batches it pushes.
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "api/handlers.h"
#include "api/read_bodies.h"
#include "api/representation.h"
#include "api/write_transaction.h"
#include "zones/base/plain_name.h"

namespace gslb::api {
namespace {

constexpr size_t kMaxObservations = 100000;
constexpr int64_t kFutureSlackMs = 60000;  // an agent's clock may be a little ahead

}  // namespace

Outcome<json> health_body(ApiContext& ctx, const std::optional<std::string>& only) {
  auto store = ctx.store();
  if (!store) return store.error();
  auto view = load_view(**store);
  if (!view) return view.error();
  const int64_t now = wall_ms();
  auto health = load_health_view(**store, *view, now);
  if (!health) return health.error();
  if (only && !view->service(*only)) return not_found("no service " + *only);
  json services = json::array();
  for (const ServiceRow& s : view->rows.services) {
    if (only && s.name != canonical_name(*only)) continue;
    json members = json::array();
    size_t up = 0, total = 0;
    for (const MemberRow* m : view->members_of(s.id)) {
      json mj = member_json(*m, s, *view, *health);
      if (!s.topology.pools.empty()) mj["pool"] = m->pool;
      ++total;
      if (mj["state"] == "up") ++up;
      members.push_back(std::move(mj));
    }
    json sj = {{"name", display(s.name)}, {"policy", s.policy},
               {"fallback", s.fallback},  {"members_up", up},
               {"members_total", total},  {"members", std::move(members)}};
    // A service with pools: each pool's name and policy (the members name their pool).
    if (!s.topology.pools.empty()) {
      json pools = json::array();
      for (const PoolRow& p : s.topology.pools)
        pools.push_back({{"name", p.name}, {"policy", p.policy}, {"fallback", p.fallback}});
      sj["pools"] = std::move(pools);
    }
    services.push_back(std::move(sj));
  }
  return json{{"now_ms", now}, {"services", services}};
}

HttpResponse get_health(ApiContext& ctx, const HttpRequest& req, const Params&) {
  auto body = health_body(ctx, req.param("service"));
  if (!body) return error_response(body.error());
  return json_response(200, *body);
}

Outcome<json> agents_body(ApiContext& ctx) {
  auto store = ctx.store();
  if (!store) return store.error();
  auto rows = (*store)->load_health();
  if (!rows) return api_error(rows.failure());
  const int64_t now = wall_ms();
  json list = json::array();
  for (const AgentRow& a : rows->agents)
    list.push_back({{"id", a.id},
                    {"region", a.region},
                    {"last_seen_ms", a.last_seen_ms},
                    {"age_ms", now - a.last_seen_ms}});
  return json{{"agents", list}};
}

HttpResponse list_agents(ApiContext& ctx, const HttpRequest&, const Params&) {
  auto body = agents_body(ctx);
  if (!body) return error_response(body.error());
  return json_response(200, *body);
}

HttpResponse get_agent_checks(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  if (!is_plain_name(p[0]))
    return error_response(invalid(std::string("agent ids are ") + kPlainNameRule, "agent"));
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  // The generation and the rows from one read transaction would be ideal; reading the
  // generation first means a change in between only makes the agent pull once more.
  auto generation = (*store)->config_generation();
  if (!generation) return error_response(api_error(generation.failure()));
  const std::string etag = "\"" + std::to_string(*generation) + "\"";
  if (req.if_none_match == etag) {
    HttpResponse r;
    r.status = 304;
    r.headers.emplace_back("ETag", etag);
    return r;
  }
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  json targets = json::array();
  std::set<int64_t> used;
  for (const MemberRow& m : view->rows.members) {
    const ServiceRow* s = view->service_by_id(m.service_id);
    if (s == nullptr || !m.enabled) continue;  // disabled members are not probed
    std::optional<int64_t> check = m.check_id ? m.check_id : s->check_id;
    if (!check) continue;
    used.insert(*check);
    json t = {{"member_id", m.id},
              {"service", display(s->name)},
              {"member", m.name},
              {"check", view->check_name(check)},
              {"check_id", *check}};
    // A CNAME target is probed at what its name resolves to, from the agent's own view.
    if (m.target.empty())
      t["address"] = m.address;
    else
      t["target"] = m.target;
    targets.push_back(std::move(t));
  }
  json checks = json::array();
  for (const CheckRow& c : view->rows.checks) {
    if (!used.count(c.id)) continue;
    json j = check_json(c);
    j["id"] = c.id;  // targets refer to checks by id, stable across renames
    checks.push_back(std::move(j));
  }
  HttpResponse r =
      json_response(200, {{"generation", *generation}, {"checks", checks}, {"targets", targets}});
  r.headers.emplace_back("ETag", etag);
  return r;
}

HttpResponse post_observations(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  const std::string& agent = p[0];
  if (!is_plain_name(agent))
    return error_response(invalid(std::string("agent ids are ") + kPlainNameRule, "agent"));
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  for (const auto& [key, value] : body->items())
    if (key != "region" && key != "observations")
      return error_response(invalid("unknown key", key));
  std::string region;
  if (body->contains("region")) {
    const json& r = (*body)["region"];
    if (!r.is_string() || r.get<std::string>().size() > 63)
      return error_response(invalid("expected a string of at most 63 characters", "region"));
    region = r.get<std::string>();
  }
  if (!body->contains("observations") || !(*body)["observations"].is_array())
    return error_response(invalid("expected an array", "observations"));
  const json& list = (*body)["observations"];
  if (list.size() > kMaxObservations)
    return error_response(invalid(
        "at most " + std::to_string(kMaxObservations) + " observations per batch", "observations"));
  const int64_t now = wall_ms();
  std::vector<ObservationRow> rows;
  rows.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "observations[" + std::to_string(i) + "]";
    const json& o = list[i];
    if (!o.is_object()) return error_response(invalid("expected an object", at));
    ObservationRow row;
    row.agent_id = agent;
    for (const auto& [key, value] : o.items()) {
      const std::string field = at + "." + key;
      if (key == "member_id") {
        if (!value.is_number_integer() || value.get<int64_t>() <= 0)
          return error_response(invalid("expected a member id (a positive integer)", field));
        row.member_id = value.get<int64_t>();
      } else if (key == "up") {
        if (!value.is_boolean()) return error_response(invalid("expected true or false", field));
        row.up = value.get<bool>();
      } else if (key == "rtt_us") {
        if (value.is_null()) continue;
        if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
            value.get<int64_t>() > 4294967295ll)
          return error_response(invalid("expected microseconds, 0 to 4294967295", field));
        row.rtt_us = static_cast<uint32_t>(value.get<int64_t>());
      } else if (key == "load") {
        if (value.is_null()) continue;
        if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0)
          return error_response(invalid("expected a number >= 0", field));
        row.load = value.get<double>();
      } else if (key == "checked_at_ms") {
        if (!value.is_number_integer() || value.get<int64_t>() <= 0 ||
            value.get<int64_t>() > now + kFutureSlackMs)
          return error_response(invalid("expected ms since the epoch, not in the future", field));
        row.checked_at_ms = value.get<int64_t>();
      } else if (key == "detail") {
        if (!value.is_string() || value.get<std::string>().size() > 1024)
          return error_response(invalid("expected a string of at most 1024 characters", field));
        row.detail = value.get<std::string>();
      } else {
        return error_response(invalid("unknown key", field));
      }
    }
    if (!o.contains("member_id")) return error_response(invalid("required", at + ".member_id"));
    if (!o.contains("up")) return error_response(invalid("required", at + ".up"));
    if (row.checked_at_ms == 0) row.checked_at_ms = now;
    rows.push_back(std::move(row));
  }
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    std::set<int64_t> known;
    for (const MemberRow& m : view->rows.members) known.insert(m.id);
    size_t skipped = 0;
    for (const ObservationRow& r : rows) skipped += known.count(r.member_id) ? 0 : 1;
    if (auto r = st.write_observations(rows); !r) return api_error(r.failure());
    if (body->contains("region")) {  // absent: the agent keeps the region it had
      AgentRow a;
      a.id = agent;
      a.region = region;
      a.last_seen_ms = now;
      if (auto r = st.upsert_agent(a); !r) return api_error(r.failure());
    }
    return json_response(200, {{"accepted", rows.size() - skipped}, {"skipped", skipped}});
  });
}

}  // namespace gslb::api
