// The REST API as the fuzz targets call it: a database in the scratch directory holding a small
// configuration (a zone, a check, a service with two members), the ApiShared and ApiContext the
// ApiServer builds, and dispatch() called directly, no sockets. Before each input the database
// is put back to that configuration, so an input's effect does not depend on the ones before it
// (libFuzzer's reproducer runs one input alone).
//
// What every response must be: a status the API documents (never 500: an unexpected failure),
// and a JSON body that parses when it says it is JSON.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/api_context.h"
#include "api/api_metrics.h"
#include "api/router.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "zones/config/config_document.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/model/snapshot_holder.h"
#include "zones/store/store.h"

namespace gslb::fuzz {

inline constexpr const char* kApiDocument = R"({
  "zones": [
    {"name": "gslb.test", "ttl": 300,
     "soa": {"mname": "ns1.gslb.test.", "rname": "hostmaster.gslb.test.", "serial": 1},
     "ns": ["ns1.gslb.test."],
     "records": [{"name": "ns1", "type": "A", "data": "192.0.2.53"}]}
  ],
  "checks": [
    {"name": "web", "type": "http", "port": 18080, "path": "/health", "expect_status": [200],
     "interval_ms": 1000, "timeout_ms": 500}
  ],
  "services": [
    {"name": "app.gslb.test", "policy": "weighted", "ttl": 30, "check": "web",
     "members": [{"name": "tokyo", "address": "192.0.2.1", "weight": 1, "region": "ap"},
                 {"name": "paris", "address": "192.0.2.2", "weight": 2, "region": "eu"}]}
  ]
})";

class ApiFuzzEnv {
 public:
  ApiFuzzEnv(const char* target) : target_(target) {
    const std::string dir = scratch_dir() + "/api";
    std::filesystem::create_directories(dir + "/zones");
    shared_.db_path = dir + "/gslb.db";
    shared_.zone_dir = dir + "/zones";
    auto s = Store::open(shared_.db_path);
    if (!s) fail(target_, "database: " + s.error());
    store_ = std::move(*s);
    reset();
    publish_snapshot();
    shared_.insecure_loopback = true;  // writes without tokens, as from loopback in the tests
    shared_.engine.count_stats = false;
    shared_.metrics = &metrics_;
    ctx_ = std::make_unique<api::ApiContext>(shared_);
  }

  void reset() {
    auto r = apply_document(*store_, kApiDocument, false);
    if (!r) fail(target_, "the base document: " + r.error());
  }

  // The snapshot /v1/explain answers from, built from the base configuration as the DNS role
  // builds it.
  void publish_snapshot() {
    auto rows = store_->load_config();
    auto health = store_->load_health();
    if (!rows || !health) fail(target_, "the base configuration does not load");
    auto zones = zones_from_rows(*rows);
    auto services = services_from_rows(*rows, *health, 1);
    if (!zones || !services) fail(target_, "the base configuration does not build");
    auto snap = build_snapshot(*zones, std::move(*services));
    if (!snap) fail(target_, snap.error());
    holder_ = std::make_unique<SnapshotHolder>(*snap);
    shared_.snapshots = holder_.get();
  }

  api::HttpResponse call(std::string method, std::string target, std::string body) {
    reset();
    api::HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.bad_target = !api::parse_target(req.target, req.segments, req.query);
    req.body = std::move(body);
    req.content_type = "application/json";
    req.peer = "127.0.0.1";
    api::HttpResponse r = api::dispatch(*ctx_, req);
    if (r.status < 200 || r.status > 599 || r.status == 500)
      fail(target_,
           std::to_string(r.status) + " for " + req.method + " " + req.target + ": " + r.body);
    if (r.content_type == "application/json" && !r.body.empty() &&
        nlohmann::json::parse(r.body, nullptr, false).is_discarded())
      fail(target_, "a JSON response that is not JSON: " + r.body);
    return r;
  }

 private:
  const char* target_;
  std::unique_ptr<Store> store_;
  api::ApiMetrics metrics_;
  api::ApiShared shared_;
  std::unique_ptr<SnapshotHolder> holder_;
  std::unique_ptr<api::ApiContext> ctx_;
};

}  // namespace gslb::fuzz
