// POST /v1/drain and POST /v1/enable: one operation on every member of a region (optionally of
// one service), in one transaction: all of them change, or none (a refused drain, an unknown
// region). A drain that would leave a service short is refused as a single member's is
// (api/drain_guard.h), unless ?force=true.
#include <nlohmann/json.hpp>

#include "api/drain_guard.h"
#include "api/handlers.h"
#include "api/representation.h"
#include "api/write_transaction.h"

namespace gslb::api {
namespace {

struct Selection {
  std::string region;
  std::string service;  // empty: every service
};

Outcome<Selection> read_selection(const json& body) {
  Selection s;
  for (const auto& [key, value] : body.items()) {
    if (key != "region" && key != "service")
      return invalid("unknown key; expected \"region\" and optionally \"service\"", key);
    if (!value.is_string() || value.get<std::string>().empty())
      return invalid("expected a non-empty string", key);
    (key == "region" ? s.region : s.service) = value.get<std::string>();
  }
  if (s.region.empty()) return invalid("which members: give \"region\"", "region");
  return s;
}

HttpResponse bulk(ApiContext& ctx, const HttpRequest& req, bool drain) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  auto selection = read_selection(*body);
  if (!selection) return error_response(selection.error());
  auto force = bool_param(req, "force", false);
  if (!force) return error_response(force.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    const ServiceRow* only = nullptr;
    if (!selection->service.empty()) {
      auto s = view->need_service(selection->service);
      if (!s) return s.error();
      only = *s;
    }
    std::vector<MemberRow> changed;
    std::set<int64_t> leaving;
    for (const MemberRow& m : view->rows.members) {
      if (m.region != selection->region || (only && m.service_id != only->id)) continue;
      MemberRow row = m;
      if (drain) {
        if (!row.drained_at_ms) row.drained_at_ms = wall_ms();
        if (m.enabled && !m.drained_at_ms) leaving.insert(m.id);
      } else {
        row.enabled = true;
        row.drained_at_ms.reset();
      }
      changed.push_back(std::move(row));
    }
    if (changed.empty())
      return not_found("no member has region \"" + selection->region + "\"" +
                       (only ? " in " + display(only->name) : std::string()));
    auto health = load_health_view(st, *view, wall_ms());
    if (!health) return health.error();
    if (drain && !*force) {
      const std::string why = drain_refusal(*health, *view, leaving);
      if (!why.empty()) return conflict(why, "region");
    }
    json members = json::array();
    for (const MemberRow& row : changed) {
      if (auto r = st.update_member(row); !r) return api_error(r.failure());
      const ServiceRow* s = view->service_by_id(row.service_id);
      json mj = member_json(row, *s, *view, *health);
      mj["service"] = display(s->name);
      members.push_back(std::move(mj));
    }
    return json_response(200, {{"members", members}});
  });
}

}  // namespace

HttpResponse post_drain(ApiContext& ctx, const HttpRequest& req, const Params&) {
  return bulk(ctx, req, true);
}

HttpResponse post_enable(ApiContext& ctx, const HttpRequest& req, const Params&) {
  return bulk(ctx, req, false);
}

}  // namespace gslb::api
