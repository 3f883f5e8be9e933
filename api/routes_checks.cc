// /v1/checks: probe definitions that services and members refer to by name.
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/representation.h"
#include "api/write_transaction.h"
#include "zones/config/config_desired.h"

namespace gslb::api {
namespace {

Outcome<CheckRow> validated_check(const std::string& text, const ConfigView& view,
                                  int64_t replacing_id) {
  config::ObjectContext context;
  for (const CheckRow& c : view.rows.checks)
    if (c.id != replacing_id) context.checks.push_back(c.name);
  auto parsed = config::parse_check_object(text, context);
  if (!parsed) return api_error(parsed.failure());
  return *parsed;
}

Outcome<HttpResponse> update(Store& st, const ConfigView& view, const CheckRow& cur,
                             const json& body) {
  auto row = validated_check(body.dump(), view, cur.id);
  if (!row) return row.error();
  row->id = cur.id;
  if (auto r = st.update_check(*row); !r) return api_error(r.failure());
  return json_response(200, check_json(*row));
}

Outcome<json> name_checked(json body, const std::string& name) {
  if (!body.contains("name")) {
    body["name"] = name;
  } else if (!body["name"].is_string() || body["name"].get<std::string>() != name) {
    return invalid("must be \"" + name + "\" (the check in the path); renaming is not supported",
                   "name");
  }
  return body;
}

}  // namespace

HttpResponse list_checks(ApiContext& ctx, const HttpRequest&, const Params&) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  json list = json::array();
  for (const CheckRow& c : view->rows.checks) list.push_back(check_json(c));
  return json_response(200, {{"checks", list}});
}

HttpResponse get_check(ApiContext& ctx, const HttpRequest&, const Params& p) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  auto c = view->need_check(p[0]);
  if (!c) return error_response(c.error());
  return json_response(200, check_json(**c));
}

HttpResponse create_check(ApiContext& ctx, const HttpRequest& req, const Params&) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    if (const json* name = body->contains("name") ? &(*body)["name"] : nullptr;
        name && name->is_string() && view->check(name->get<std::string>()))
      return conflict("check " + name->get<std::string>() + " already exists", "name");
    auto row = validated_check(req.body, *view, 0);
    if (!row) return row.error();
    auto id = st.insert_check(*row);
    if (!id) return api_error(id.failure());
    row->id = *id;
    return json_response(201, check_json(*row));
  });
}

HttpResponse replace_check(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto c = view->need_check(p[0]);
    if (!c) return c.error();
    auto named = name_checked(*body, (*c)->name);
    if (!named) return named.error();
    return update(st, *view, **c, *named);
  });
}

HttpResponse patch_check(ApiContext& ctx, const HttpRequest& req, const Params& p) {
  auto body = read_json_object(req);
  if (!body) return error_response(body.error());
  if (body->empty()) return error_response(invalid("nothing to change: the body is {}"));
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto c = view->need_check(p[0]);
    if (!c) return c.error();
    json merged = check_json(**c);
    for (const auto& [key, value] : body->items()) merged[key] = value;
    // A shorter interval without a timeout: the old timeout goes when it no longer fits (the
    // validator then picks the default inside the interval).
    if (body->contains("interval_ms") && !body->contains("timeout_ms") &&
        merged["interval_ms"].is_number_integer() &&
        merged["timeout_ms"].get<int64_t>() >= merged["interval_ms"].get<int64_t>())
      merged.erase("timeout_ms");
    auto named = name_checked(merged, (*c)->name);
    if (!named) return named.error();
    return update(st, *view, **c, *named);
  });
}

HttpResponse delete_check(ApiContext& ctx, const HttpRequest&, const Params& p) {
  return in_write_transaction(ctx, [&](Store& st) -> Outcome<HttpResponse> {
    auto view = load_view(st);
    if (!view) return view.error();
    auto c = view->need_check(p[0]);
    if (!c) return c.error();
    std::string users;
    for (const ServiceRow& s : view->rows.services)
      if (s.check_id == (*c)->id) users += (users.empty() ? "" : ", ") + display(s.name);
    for (const MemberRow& m : view->rows.members)
      if (m.check_id == (*c)->id) {
        const ServiceRow* s = view->service_by_id(m.service_id);
        users +=
            (users.empty() ? "" : ", ") + (s ? display(s->name) : std::string("?")) + "/" + m.name;
      }
    if (!users.empty())
      return conflict("check " + (*c)->name + " is in use by " + users +
                      "; point them at another check first");
    if (auto r = st.delete_check((*c)->id); !r) return api_error(r.failure());
    return no_content();
  });
}

}  // namespace gslb::api
