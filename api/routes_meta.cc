// Liveness, readiness, metrics, the OpenAPI description, and the whole declarative document.
#include <nlohmann/json.hpp>

#include "api/catalogue_json.h"
#include "api/handlers.h"
#include "api/metrics_text.h"
#include "api/openapi_document.h"
#include "api/representation.h"
#include "api/write_transaction.h"
#include "server/servable_check.h"
#include "zones/config/config_document.h"

namespace gslb::api {
namespace {

// The DNS role re-checks the database every 100 ms; 5 s without a good check means it is stuck
// on a locked, missing or corrupt file.
constexpr int64_t kFreshMs = 5000;

}  // namespace

HttpResponse get_healthz(ApiContext&, const HttpRequest&, const Params&) {
  return json_response(200, {{"status", "ok"}});
}

HttpResponse get_readyz(ApiContext& ctx, const HttpRequest&, const Params&) {
  json out = {{"status", "ready"}, {"database", "ok"}, {"snapshot_age_ms", nullptr}};
  std::string problem;
  auto store = ctx.store();
  if (!store) {
    out["database"] = store.error().message;
    problem = "database unreachable";
  } else if (auto v = (*store)->data_version(); !v) {
    out["database"] = v.error();
    problem = "database unreachable";
  }
  std::string degraded;
  if (const UpdaterStats* u = ctx.shared().updater) {
    const int64_t age = wall_ms() - u->checked_ms.load();
    out["snapshot_age_ms"] = age;
    if (age > kFreshMs && problem.empty())
      problem = "the served snapshot was last checked " + std::to_string(age) + " ms ago";
    // A geoip file that failed to load still serves (the last good copy, or the default
    // rules): degraded, not down.
    if (u->geo != nullptr) {
      const std::vector<GeoFileStatus> geo = u->geo->status();
      if (!geo.empty()) {
        json files = json::array();
        for (const GeoFileStatus& g : geo) {
          files.push_back({{"kind", g.kind},
                           {"path", g.path},
                           {"loaded", g.loaded},
                           {"error", g.error.empty() ? json(nullptr) : json(g.error)},
                           {"loaded_at_ms", g.loaded ? json(g.loaded_at_ms) : json(nullptr)},
                           {"records", g.records}});
          if (!g.error.empty() && degraded.empty()) degraded = "geoip " + g.kind + ": " + g.error;
        }
        out["geoip"] = std::move(files);
      }
    }
  }
  if (problem.empty() && !degraded.empty()) {
    out["status"] = "degraded";
    out["message"] = degraded;
  }
  if (problem.empty()) return json_response(200, out);
  out["status"] = "not_ready";
  out["error"] = "not_ready";
  out["message"] = problem;
  out["field"] = nullptr;
  return json_response(503, out);
}

HttpResponse get_metrics(ApiContext& ctx, const HttpRequest&, const Params&) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_text(ctx);
  return r;
}

HttpResponse get_openapi(ApiContext&, const HttpRequest&, const Params&) {
  // api/openapi.json with the catalogue's names and keys filled in, once: the catalogue is
  // fixed for the life of the binary.
  static const std::string served = [] {
    nlohmann::json doc = nlohmann::json::parse(openapi_document());
    fill_catalogue(doc);
    return doc.dump(2);
  }();
  HttpResponse r;
  r.body = served;
  return r;
}

HttpResponse get_catalogue(ApiContext&, const HttpRequest&, const Params&) {
  return json_response(200, catalogue_json());
}

HttpResponse get_config(ApiContext& ctx, const HttpRequest&, const Params&) {
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto view = load_view(**store);
  if (!view) return error_response(view.error());
  return json_response(200, document_json(*view));
}

HttpResponse put_config(ApiContext& ctx, const HttpRequest& req, const Params&) {
  auto body = read_json_object(req);  // media type and JSON syntax: 415 and 400
  if (!body) return error_response(body.error());
  auto dry_run = bool_param(req, "dry_run", false);
  if (!dry_run) return error_response(dry_run.error());
  auto store = ctx.store();
  if (!store) return error_response(store.error());
  auto zone_files = zone_file_root(**store, ctx.shared().zone_dir);
  if (!zone_files) return error_response(zone_files.error());
  auto report = apply_document(**store, req.body, *dry_run, check_servable, &*zone_files);
  if (!zone_files->refused.empty()) return error_response(zone_files_refused(*zone_files));
  if (!report) return error_response(api_error(report.failure()));
  return json_response(200, {{"changes", report->changes}, {"dry_run", *dry_run}});
}

}  // namespace gslb::api
