// /v1/services: GSLB names, their policy and settings. Members are managed under
// /v1/services/{service}/members (api/routes_members.cc), except that a new service may bring
// its first members.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "api/handlers.h"
#include "api/representation.h"
#include "api/write_transaction.h"
#include "zones/config/config_desired.h"

namespace gslb::api {
namespace {

config::ObjectContext context_of(const ConfigView& view) {
  config::ObjectContext c;
  for (const ZoneRow& z : view.rows.zones) c.zones.push_back(z.name);
  for (const CheckRow& k : view.rows.checks) c.checks.push_back(k.name);
  for (const ClientSubnetRow& r : view.rows.client_subnets) c.regions.push_back(r.region);
  for (const GeoipFileRow& g : view.rows.geoip_files) c.geoip_kinds.push_back(g.kind);
  return c;
}

Outcome<config::DesiredService> validated_service(const std::string& text, const ConfigView& view) {
  auto parsed = config::parse_service_object(text, context_of(view));
  if (!parsed) return api_error(parsed.failure());
  return *parsed;
}

ServiceRow row_of(const config::DesiredService& d, const ConfigView& view) {
  ServiceRow row = d.row;
  if (const ZoneRow* z = view.zone(d.zone)) row.zone_id = z->id;
  if (!d.check.empty()) row.check_id = view.check(d.check)->id;
  return row;
}

Outcome<HttpResponse> service_response(int status, Store& st, int64_t id) {
  auto view = load_view(st);
  if (!view) return view.error();
  const ServiceRow* s = view->service_by_id(id);
  if (!s) return server_error("service vanished after the write");
  auto health = load_health_view(st, *view, wall_ms());
  if (!health) return health.error();
  return json_response(status, service_json(*s, *view, &*health));
}

// PUT and PATCH: the settings in `settings` replace the service's, its members stay.
Outcome<HttpResponse> update_settings(Store& st, const ConfigView& view, const ServiceRow& cur,
                                      json settings) {
  // Validated with them ("sorry" needs one); in a service with pools, each pool's own.
  if (settings.contains("pools") && settings["pools"].is_array()) {
    for (json& pool : settings["pools"]) {
      if (!pool.is_object()) continue;
      json members = json::array();
      for (const MemberRow* m : view.members_of(cur.id))
        if (pool.contains("name") && pool["name"] == m->pool)
          members.push_back(member_settings_json(*m, view));
      pool["members"] = std::move(members);
    }
  } else {
    json members = json::array();
    for (const MemberRow* m : view.members_of(cur.id))
      members.push_back(member_settings_json(*m, view));
    settings["members"] = std::move(members);
  }
  auto d = validated_service(settings.dump(), view);
  if (!d) return d.error();
  // Every member keeps a pool it can belong to: pools are renamed or removed with their
  // members (under /members), never out from under them.
  for (const MemberRow* m : view.members_of(cur.id)) {
    const auto& pools = d->row.topology.pools;
    const bool ok = pools.empty() ? m->pool.empty()
                                  : std::any_of(pools.begin(), pools.end(), [&](const PoolRow& p) {
                                      return p.name == m->pool;
                                    });
    if (!ok)
      return conflict(
          "member " + m->name +
              (m->pool.empty() ? " belongs to no pool" : " belongs to pool \"" + m->pool + "\"") +
              ", which these settings do not have; move or remove it first "
              "(PUT /v1/config changes pools and members at once)",
          "pools");
  }
  ServiceRow row = row_of(*d, view);
  row.id = cur.id;
  if (auto r = st.update_service(row); !r) return api_error(r.failure());
  return service_response(200, st, cur.id);
}

}  // namespace

HttpResponse list_services(ApiContext& ctx, const HttpRequest&, const Params&) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto health = load_health_view(**store, *view, wall_ms());
  if (!health) return error_response(health.error());
  json list = json::array();
  for (const ServiceRow& s : view->rows.services) list.push_back(service_json(s, *view, &*health));
  return json_response(200, {{"services", list}});
}

HttpResponse get_service(ApiContext& ctx, const HttpRequest&, const Params& p) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto s = view->need_service(p[0]);
  if (!s) return error_response(s.error());
  auto health = load_health_view(**store, *view, wall_ms());
  if (!health) return error_response(health.error());
  return json_response(200, service_json(**s, *view, &*health));
}

HttpResponse create_service(ApiContext& ctx, const HttpRequest& req, const Params&) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    if (const json* name = body->contains("name") ? &(*body)["name"] : nullptr;
        name && name->is_string() && view->service(name->get<std::string>()))
      return conflict("service " + name->get<std::string>() + " already exists", "name");
    auto d = validated_service(req.body, *view);
    if (!d) return d.error();
    auto id = st.insert_service(row_of(*d, *view));
    if (!id) return api_error(id.failure());
    for (const config::DesiredMember& m : d->members) {
      MemberRow row = m.row;
      row.service_id = *id;
      if (!m.check.empty()) row.check_id = view->check(m.check)->id;
      if (auto r = st.insert_member(row); !r) return api_error(r.failure());
    }
    if (auto servable = servable_now(st, "name"); !servable) return servable.error();
    return service_response(201, st, *id);
  });
}

HttpResponse replace_service(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  if (body->contains("members"))
    return error_response(invalid("members are managed under /v1/services/" + p[0] +
                                      "/members; PUT replaces the settings only",
                                  "members"));
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto s = view->need_service(p[0]);
    if (!s) return s.error();
    const std::string name = display((*s)->name);
    body->erase("zone");  // read-only: follows from the name
    if (!body->contains("name")) {
      (*body)["name"] = name;
    } else if (!(*body)["name"].is_string() ||
               canonical_name((*body)["name"].get<std::string>()) != (*s)->name) {
      return invalid("must be \"" + name + "\" (the service in the path)", "name");
    }
    return update_settings(st, *view, **s, *body);
  });
}

HttpResponse patch_service(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  if (body->empty()) return error_response(invalid("nothing to change: the body is {}"));
  if (body->contains("members"))
    return error_response(
        invalid("members are managed under /v1/services/" + p[0] + "/members", "members"));
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto s = view->need_service(p[0]);
    if (!s) return s.error();
    json merged = service_settings_json(**s, *view);
    // A new policy does not inherit the keys of the old one (they would not apply to it).
    if (body->contains("policy") && (*body)["policy"] != merged["policy"])
      for (const auto& [key, value] : (*s)->policy_options)
        if (!body->contains(key)) merged.erase(key);
    for (const auto& [key, value] : body->items()) {
      if (key == "name" &&
          (!value.is_string() || canonical_name(value.get<std::string>()) != (*s)->name))
        return invalid("renaming a service is not supported", "name");
      merged[key] = value;
    }
    return update_settings(st, *view, **s, merged);
  });
}

HttpResponse delete_service(ApiContext& ctx, const HttpRequest&, const Params& p) {
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto s = view->need_service(p[0]);
    if (!s) return s.error();
    if (auto r = st.delete_service((*s)->id); !r) return api_error(r.failure());
    return no_content();
  });
}

}  // namespace gslb::api
