// /v1/services/{service}/members: the sites of a service, and the everyday operations on them
// (weight, priority, drain, enable) as PATCH.
#include <nlohmann/json.hpp>

#include "api/drain_guard.h"
#include "api/handlers.h"
#include "api/representation.h"
#include "api/write_transaction.h"
#include "zones/config/config_desired.h"

namespace gslb::api {
namespace {

// Validates a member object in document form against the service's other members.
Outcome<MemberRow> validated_member(const std::string& text, const ConfigView& view,
                                    const ServiceRow& service, int64_t replacing_id) {
  config::ObjectContext context;
  for (const CheckRow& c : view.rows.checks) context.checks.push_back(c.name);
  for (const MemberRow* m : view.members_of(service.id))
    if (m->id != replacing_id) {
      context.members.emplace_back(m->name, m->address);
      for (const std::string& a : m->more_addresses) context.members.emplace_back(m->name, a);
    }
  for (const PoolRow& pool : service.topology.pools) context.pools.push_back(pool.name);
  auto parsed = config::parse_member_object(text, context);
  if (!parsed) return api_error(parsed.failure());
  MemberRow row = parsed->row;
  row.service_id = service.id;
  if (!parsed->check.empty()) row.check_id = view.check(parsed->check)->id;
  return row;
}

// The member named by the path, found inside the write transaction.
struct Target {
  ConfigView view;
  const ServiceRow* service = nullptr;
  const MemberRow* member = nullptr;
};
Outcome<Target> find_target(Store& st, const Params& p, bool need_member) {
  auto view = load_view(st);
  if (!view) return view.error();
  Target t;
  t.view = std::move(*view);
  auto s = t.view.need_service(p[0]);
  if (!s) return s.error();
  t.service = *s;
  if (need_member) {
    auto m = t.view.need_member(*t.service, p[1]);
    if (!m) return m.error();
    t.member = *m;
  }
  return t;
}

// The body's "name" must be absent or the path's.
Outcome<bool> name_matches(json& body, const std::string& name) {
  if (!body.contains("name")) {
    body["name"] = name;
  } else if (!body["name"].is_string() || body["name"].get<std::string>() != name) {
    return invalid("must be \"" + name + "\" (the member in the path); renaming is not supported",
                   "name");
  }
  return true;
}

}  // namespace

HttpResponse list_members(ApiContext& ctx, const HttpRequest&, const Params& p) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto s = view->need_service(p[0]);
  if (!s) return error_response(s.error());
  auto health = load_health_view(**store, *view, wall_ms());
  if (!health) return error_response(health.error());
  json members = json::array();
  for (const MemberRow* m : view->members_of((*s)->id))
    members.push_back(member_json(*m, **s, *view, *health));
  return json_response(200, {{"members", members}});
}

HttpResponse get_member(ApiContext& ctx, const HttpRequest&, const Params& p) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto s = view->need_service(p[0]);
  if (!s) return error_response(s.error());
  auto m = view->need_member(**s, p[1]);
  if (!m) return error_response(m.error());
  auto health = load_health_view(**store, *view, wall_ms());
  if (!health) return error_response(health.error());
  return json_response(200, member_json(**m, **s, *view, *health));
}

HttpResponse create_member(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto t = find_target(st, p, false);
    if (!t) return t.error();
    if (const json* name = body->contains("name") ? &(*body)["name"] : nullptr;
        name && name->is_string() && t->view.member(t->service->id, name->get<std::string>()))
      return conflict("service " + display(t->service->name) + " already has a member " +
                          name->get<std::string>(),
                      "name");
    auto row = validated_member(req.body, t->view, *t->service, 0);
    if (!row) return row.error();
    auto id = st.insert_member(*row);
    if (!id) return api_error(id.failure());
    row->id = *id;
    HealthView none;
    none.now_ms = wall_ms();
    return json_response(201, member_json(*row, *t->service, t->view, none));
  });
}

HttpResponse replace_member(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto t = find_target(st, p, true);
    if (!t) return t.error();
    if (auto ok = name_matches(*body, t->member->name); !ok) return ok.error();
    // What GET answers may be sent back: the read-only keys are not settings.
    for (const char* key :
         {"state", "health", "stale", "rtt_us", "load", "drained", "drained_since_ms",
          "drain_complete_ms", "drain_remaining_ms", "observations", "last_change_ms"})
      body->erase(key);
    auto row = validated_member(body->dump(), t->view, *t->service, t->member->id);
    if (!row) return row.error();
    row->id = t->member->id;
    row->drained_at_ms = t->member->drained_at_ms;  // operational state, not configuration
    if (auto r = st.update_member(*row); !r) return api_error(r.failure());
    HealthView none;
    none.now_ms = wall_ms();
    return json_response(200, member_json(*row, *t->service, t->view, none));
  });
}

HttpResponse patch_member(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  if (body->empty()) return error_response(invalid("nothing to change: the body is {}"));
  auto force = bool_param(req, "force", false);
  if (!force) return error_response(force.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto t = find_target(st, p, true);
    if (!t) return t.error();
    json merged = member_settings_json(*t->member, t->view);
    if (!t->member->pool.empty()) merged["pool"] = t->member->pool;
    std::optional<bool> drain;
    for (const auto& [key, value] : body->items()) {
      if (key == "drained") {
        if (!value.is_boolean()) return invalid("expected true or false", "drained");
        drain = value.get<bool>();
      } else if (key == "name") {
        if (value != merged["name"]) return invalid("renaming a member is not supported", "name");
      } else {
        merged[key] = value;  // unknown keys are reported by the validator
      }
    }
    auto row = validated_member(merged.dump(), t->view, *t->service, t->member->id);
    if (!row) return row.error();
    row->id = t->member->id;
    row->drained_at_ms = t->member->drained_at_ms;
    // Draining again keeps the first drain time: the caches emptied since then.
    if (drain)
      row->drained_at_ms =
          *drain ? t->member->drained_at_ms.value_or(wall_ms()) : std::optional<int64_t>();
    auto health = load_health_view(st, t->view, wall_ms());
    if (!health) return health.error();
    const bool was_in = t->member->enabled && !t->member->drained_at_ms;
    const bool stays_in = row->enabled && !row->drained_at_ms;
    if (was_in && !stays_in && !*force) {
      const std::string why = drain_refusal(*health, t->view, {t->member->id});
      if (!why.empty()) return conflict(why, drain ? "drained" : "enabled");
    }
    if (auto r = st.update_member(*row); !r) return api_error(r.failure());
    return json_response(200, member_json(*row, *t->service, t->view, *health));
  });
}

HttpResponse delete_member(ApiContext& ctx, const HttpRequest&, const Params& p) {
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto t = find_target(st, p, true);
    if (!t) return t.error();
    if (auto r = st.delete_member(t->member->id); !r) return api_error(r.failure());
    return no_content();
  });
}

HttpResponse list_member_events(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto limit = limit_param(req, 100);
  if (!limit) return error_response(limit.error());
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto s = view->need_service(p[0]);
  if (!s) return error_response(s.error());
  auto m = view->need_member(**s, p[1]);
  if (!m) return error_response(m.error());
  auto events = (*store)->load_events((*m)->id, *limit);
  if (!events) return error_response(api_error(events.failure()));
  json list = json::array();
  for (const EventRow& e : *events) list.push_back(event_json(e));
  return json_response(200, {{"events", list}});
}

}  // namespace gslb::api
