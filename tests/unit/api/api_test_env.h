// Test helper for the route tests: a temporary SQLite database holding a small configuration (an
// inline zone, a check, a service with two members), an ApiShared and ApiContext built the way
// api/api_server.cc builds them, and requests made from a method and target the way
// api/http_server.cc makes them. Calls dispatch() directly: no sockets.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/api_context.h"
#include "api/router.h"
#include "zones/config/config_document.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/model/snapshot_holder.h"
#include "zones/store/store.h"

namespace gslb::api::testing {

using nlohmann::json;

// The configuration every route test starts from.
inline constexpr const char* kDocument = R"({
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

inline constexpr const char* kAdminToken = "admin-token-0123456789";
inline constexpr const char* kReadToken = "read-token-0123456789";

// A request as the HTTP server hands it to dispatch().
inline HttpRequest request(std::string method, std::string target, std::string body = {},
                           std::string content_type = {}, std::string authorization = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.bad_target = !parse_target(r.target, r.segments, r.query);
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  r.authorization = std::move(authorization);
  return r;
}

// A JSON write: the body with Content-Type application/json.
inline HttpRequest json_request(std::string method, std::string target, const json& body,
                                std::string authorization = {}) {
  return request(std::move(method), std::move(target), body.dump(), "application/json",
                 std::move(authorization));
}

inline json body_of(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "status " << r.status << ", not JSON: " << r.body;
  return j.is_discarded() ? json() : j;
}

// The value of response header `name`, or "" when it is absent.
inline std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

// Names of the objects of a JSON array ("name" keys), in order.
inline std::vector<std::string> names_of(const json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const json& j : list) out.push_back(j.value("name", std::string("?")));
  return out;
}

class ApiEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gslbd-api-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    ASSERT_NE(dir, nullptr);
    dir_ = dir;
    db_path_ = dir_ + "/gslb.db";
    auto s = Store::open(db_path_);  // creates it, as `gslbd apply` or the DNS role would
    ASSERT_TRUE(s.ok()) << s.error();
    store_ = std::move(*s);
    auto applied = apply_document(*store_, kDocument, false);
    ASSERT_TRUE(applied.ok()) << applied.error();

    // As ApiServer's constructor: the engine does not count explain's queries.
    shared_.db_path = db_path_;
    shared_.insecure_loopback = true;  // the route tests write without tokens
    shared_.engine.count_stats = false;
    shared_.snapshots = nullptr;
    shared_.updater = nullptr;
    shared_.metrics = &metrics_;
    ctx_ = std::make_unique<ApiContext>(shared_);
  }

  void TearDown() override {
    ctx_.reset();
    store_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  HttpResponse call(const HttpRequest& req) { return dispatch(*ctx_, req); }
  HttpResponse get(const std::string& target, const std::string& authorization = {}) {
    return call(request("GET", target, {}, {}, authorization));
  }

  // Requires a token for everything but the open routes from now on.
  void use_tokens() {
    auto t = TokenFile::parse(std::string("admin ") + kAdminToken + "\nread " + kReadToken + "\n",
                              "tokens");
    ASSERT_TRUE(t.ok()) << t.error();
    shared_.tokens = std::move(*t);
  }

  // The rows as committed, read over the test's own connection.
  ConfigRows config() {
    auto c = store_->load_config();
    EXPECT_TRUE(c.ok()) << c.error();
    return c.ok() ? *c : ConfigRows{};
  }
  std::optional<MemberRow> member_row(const std::string& name) {
    for (const MemberRow& m : config().members)
      if (m.name == name) return m;
    return std::nullopt;
  }
  int64_t generation() {
    auto g = store_->config_generation();
    EXPECT_TRUE(g.ok()) << g.error();
    return g.ok() ? *g : -1;
  }

  // A Snapshot of the database as the DNS role builds it (server/snapshot_updater.cc), published
  // to a holder that explain reads.
  void publish_snapshot(int64_t now_ms) {
    auto rows = store_->load_config();
    ASSERT_TRUE(rows.ok()) << rows.error();
    auto health = store_->load_health();
    ASSERT_TRUE(health.ok()) << health.error();
    auto zones = zones_from_rows(*rows);
    ASSERT_TRUE(zones.ok()) << zones.error();
    auto services = services_from_rows(*rows, *health, now_ms);
    ASSERT_TRUE(services.ok()) << services.error();
    auto snap = build_snapshot(*zones, std::move(*services));
    ASSERT_TRUE(snap.ok()) << snap.error();
    if (holder_)
      holder_->publish(*snap);
    else
      holder_ = std::make_unique<SnapshotHolder>(*snap);
    shared_.snapshots = holder_.get();
  }

  std::string dir_, db_path_;
  std::unique_ptr<Store> store_;
  ApiMetrics metrics_;
  ApiShared shared_;
  std::unique_ptr<SnapshotHolder> holder_;
  std::unique_ptr<ApiContext> ctx_;
};

}  // namespace gslb::api::testing
