// /v1/events: the newest health events of every member, named by service and member, for a
// timeline (the status page polls it). One member's events are under its own path
// (routes_members.cc).
#include <map>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/read_bodies.h"
#include "api/representation.h"
#include "api/write_transaction.h"

namespace gslb::api {

Outcome<json> events_body(ApiContext& ctx, size_t limit) {
  auto store = ctx.store();
  if (!store) return store.error();
  auto view = load_view(**store);
  if (!view) return view.error();
  auto events = (*store)->load_events(0, limit);  // member 0: every member
  if (!events) return api_error(events.failure());
  std::map<int64_t, const MemberRow*> members;
  for (const MemberRow& m : view->rows.members) members[m.id] = &m;
  json list = json::array();
  for (const EventRow& e : *events) {
    auto m = members.find(e.member_id);
    // A deleted member's events go with it, but the view and the events are two reads and a
    // delete may fall between them.
    if (m == members.end()) continue;
    const ServiceRow* s = view->service_by_id(m->second->service_id);
    json j = event_json(e);
    j["service"] = s ? display(s->name) : std::string();
    j["member"] = m->second->name;
    list.push_back(std::move(j));
  }
  return json{{"events", list}};
}

HttpResponse list_events(ApiContext& ctx, const HttpRequest& req, const Params&) {
  auto limit = limit_param(req, 100);
  if (!limit) return error_response(limit.error());
  auto body = events_body(ctx, *limit);
  if (!body) return error_response(body.error());
  return json_response(200, *body);
}

}  // namespace gslb::api
