// /v1/zones and their static records. A zone is checked as a whole (SOA, NS, glue, CNAME
// rules), so these writes go through the declarative document: the current configuration as a
// document, the edit, and the same validation and sync as `gslbd apply`.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "api/handlers.h"
#include "api/representation.h"
#include "api/write_transaction.h"

namespace gslb::api {
namespace {

// The index of zone `name` in document_json(view)'s "zones" (the view's row order).
size_t zone_index(const ConfigView& view, const ZoneRow& z) {
  return static_cast<size_t>(&z - view.rows.zones.data());
}

std::string zone_path(size_t index) {
  return "zones[" + std::to_string(index) + "].";
}

Outcome<HttpResponse> zone_response(int status, Store& st, const std::string& name) {
  auto view = load_view(st);
  if (!view) return view.error();
  auto z = view->need_zone(name);
  if (!z) return server_error("zone vanished after the write");
  return json_response(status, zone_json(**z, *view));
}

size_t services_inside(const ConfigView& view, const ZoneRow& z) {
  return static_cast<size_t>(std::count_if(view.rows.services.begin(), view.rows.services.end(),
                                           [&](const ServiceRow& s) { return s.zone_id == z.id; }));
}

}  // namespace

HttpResponse list_zones(ApiContext& ctx, const HttpRequest&, const Params&) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  json list = json::array();
  for (const ZoneRow& z : view->rows.zones) list.push_back(zone_json(z, *view));
  return json_response(200, {{"zones", list}});
}

HttpResponse get_zone(ApiContext& ctx, const HttpRequest&, const Params& p) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto z = view->need_zone(p[0]);
  if (!z) return error_response(z.error());
  return json_response(200, zone_json(**z, *view));
}

HttpResponse create_zone(ApiContext& ctx, const HttpRequest& req, const Params&) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    const json* name = body->contains("name") ? &(*body)["name"] : nullptr;
    if (name && name->is_string() && view->zone(name->get<std::string>()))
      return conflict("zone " + name->get<std::string>() + " already exists", "name");
    json doc = document_json(*view);
    doc["zones"].push_back(*body);
    auto changes =
        sync_document(st, doc, zone_path(view->rows.zones.size()), ctx.shared().zone_dir);
    if (!changes) return changes.error();
    return zone_response(201, st, name->get<std::string>());
  });
}

HttpResponse replace_zone(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto z = view->need_zone(p[0]);
    if (!z) return z.error();
    const std::string name = display((*z)->name);
    if (!body->contains("name")) {
      (*body)["name"] = name;
    } else if (!(*body)["name"].is_string() ||
               canonical_name((*body)["name"].get<std::string>()) != (*z)->name) {
      return invalid("must be \"" + name + "\" (the zone in the path)", "name");
    }
    const size_t index = zone_index(*view, **z);
    json doc = document_json(*view);
    doc["zones"][index] = *body;
    auto changes = sync_document(st, doc, zone_path(index), ctx.shared().zone_dir);
    if (!changes) return changes.error();
    return zone_response(200, st, name);
  });
}

HttpResponse delete_zone(ApiContext& ctx, const HttpRequest&, const Params& p) {
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto z = view->need_zone(p[0]);
    if (!z) return z.error();
    if (size_t n = services_inside(*view, **z))
      return conflict("zone " + display((*z)->name) + " holds " + std::to_string(n) +
                      " service(s); delete them first");
    if (auto r = st.delete_zone((*z)->id); !r) return api_error(r.failure());
    return no_content();
  });
}

HttpResponse list_records(ApiContext& ctx, const HttpRequest&, const Params& p) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto z = view->need_zone(p[0]);
  if (!z) return error_response(z.error());
  json list = json::array();
  for (const RecordRow* r : view->records_of((*z)->id)) list.push_back(record_json(*r));
  return json_response(200, {{"records", list}});
}

HttpResponse create_record(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto z = view->need_zone(p[0]);
    if (!z) return z.error();
    if (!(*z)->file.empty())
      return conflict("zone " + display((*z)->name) + " is served from " + (*z)->file +
                      "; edit that file (and reload) to change its records");
    std::set<int64_t> before;
    for (const RecordRow* r : view->records_of((*z)->id)) before.insert(r->id);
    const size_t index = zone_index(*view, **z);
    json doc = document_json(*view);
    json& records = doc["zones"][index]["records"];
    const size_t k = records.size();
    records.push_back(*body);
    auto changes = sync_document(st, doc, zone_path(index) + "records[" + std::to_string(k) + "].",
                                 ctx.shared().zone_dir);
    if (!changes) return changes.error();
    if (changes->empty())
      return conflict("zone " + display((*z)->name) + " already has this record");
    auto after = load_view(st);
    if (!after) return after.error();
    for (const RecordRow* r : after->records_of((*z)->id))
      if (!before.count(r->id)) return json_response(201, record_json(*r));
    return server_error("record vanished after the write");
  });
}

HttpResponse delete_record(ApiContext& ctx, const HttpRequest&, const Params& p) {
  char* end = nullptr;
  const long long id = strtoll(p[1].c_str(), &end, 10);
  if (*end != '\0' || id <= 0) return error_response(not_found("no record " + p[1]));
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto z = view->need_zone(p[0]);
    if (!z) return z.error();
    auto records = view->records_of((*z)->id);
    auto it = std::find_if(records.begin(), records.end(),
                           [&](const RecordRow* r) { return r->id == id; });
    if (it == records.end())
      return not_found("zone " + display((*z)->name) + " has no record " + p[1]);
    if (!(*z)->file.empty())
      return conflict("zone " + display((*z)->name) + " is served from " + (*z)->file +
                      "; edit that file (and reload) to change its records");
    // Without the record, the zone must still be whole (an apex NS may be the last one).
    ConfigView without = *view;
    without.rows.records.erase(without.rows.records.begin() + (*it - view->rows.records.data()));
    json doc = document_json(without);
    auto changes = sync_document(st, doc, zone_path(zone_index(*view, **z)), ctx.shared().zone_dir);
    if (!changes) {
      // Only a zone left invalid is this record's conflict; a locked database stays a 503.
      if (changes.error().code != "invalid") return changes.error();
      ApiError e = changes.error();
      e.status = 409;
      e.code = "conflict";
      e.message = "the zone would be invalid without this record: " + e.message;
      return e;
    }
    return no_content();
  });
}

}  // namespace gslb::api
