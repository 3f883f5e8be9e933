// dispatch() (api/router.h): unknown paths are 404, a known path with the wrong method is 405
// with Allow, an undecodable target is 400; every answer is the JSON error shape.
#include "api/router.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::header;
using testing::request;

class ApiRouter : public testing::ApiEnv {};

TEST_F(ApiRouter, AnUnknownPathIs404WithAJsonBody) {
  HttpResponse r = get("/v2/nothing?x=1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  json j = body_of(r);
  EXPECT_EQ(j["error"], "not_found");
  EXPECT_EQ(j["message"], "no route GET /v2/nothing");
  ASSERT_TRUE(j.contains("field"));
  EXPECT_TRUE(j["field"].is_null());
  EXPECT_EQ(header(r, "Allow"), "");
}

TEST_F(ApiRouter, PathsLongerOrShorterThanARouteAre404) {
  EXPECT_EQ(get("/").status, 200);  // the status page; nothing shorter than a route is one
  EXPECT_EQ(get("/v1").status, 404);
  EXPECT_EQ(get("/ui").status, 404);
  EXPECT_EQ(get("/ui/explain/x").status, 404);
  EXPECT_EQ(get("/v1/services/app.gslb.test/members/tokyo/events/1").status, 404);
  EXPECT_EQ(get("/healthz/extra").status, 404);
}

TEST_F(ApiRouter, AnEmptyPlaceholderMatchesNothing) {
  EXPECT_EQ(get("/v1/services//members").status, 404);
  EXPECT_EQ(get("/v1//services").status, 404);
}

TEST_F(ApiRouter, RouteSegmentsAreCaseSensitive) {
  EXPECT_EQ(get("/V1/services").status, 404);
  EXPECT_EQ(get("/HEALTHZ").status, 404);
}

TEST_F(ApiRouter, ATrailingSlashReachesTheSameRoute) {
  HttpResponse r = get("/v1/services/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(testing::names_of(body_of(r)["services"]), std::vector<std::string>{"app.gslb.test"});
}

TEST_F(ApiRouter, APercentEncodedNameReachesItsResource) {
  HttpResponse r = get("/v1/services/app%2Egslb%2Etest/members/tokyo");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["name"], "tokyo");
}

TEST_F(ApiRouter, AWrongMethodIs405WithAllow) {
  HttpResponse r = call(request("POST", "/healthz"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "GET");
  json j = body_of(r);
  EXPECT_EQ(j["error"], "method_not_allowed");
  EXPECT_TRUE(j["field"].is_null());
  EXPECT_NE(j["message"].get<std::string>().find("POST"), std::string::npos) << j;
}

TEST_F(ApiRouter, AllowListsEveryMethodOfThePath) {
  struct Case {
    const char* method;
    const char* target;
    const char* allow;
  };
  const Case cases[] = {
      {"DELETE", "/v1/config", "GET, PUT"},
      {"PATCH", "/v1/zones", "GET, POST"},
      {"PATCH", "/v1/zones/gslb.test", "GET, PUT, DELETE"},
      {"DELETE", "/v1/services/app.gslb.test/members", "GET, POST"},
      {"POST", "/v1/services/app.gslb.test/members/tokyo", "GET, PUT, PATCH, DELETE"},
      {"POST", "/v1/services/app.gslb.test", "GET, PUT, PATCH, DELETE"},
      {"POST", "/v1/checks/web", "GET, PUT, PATCH, DELETE"},
      {"DELETE", "/v1/services/app.gslb.test/members/tokyo/events", "GET"},
      {"GET", "/v1/agents/a1/observations", "POST"},
      {"PUT", "/v1/explain?name=x", "GET"},
      {"HEAD", "/metrics", "GET"},
  };
  for (const Case& c : cases) {
    HttpResponse r = call(request(c.method, c.target, "{}", "application/json"));
    EXPECT_EQ(r.status, 405) << c.method << " " << c.target;
    EXPECT_EQ(header(r, "Allow"), c.allow) << c.method << " " << c.target;
    EXPECT_EQ(body_of(r)["error"], "method_not_allowed") << c.method << " " << c.target;
  }
}

TEST_F(ApiRouter, A405ChangesNothing) {
  const int64_t before = generation();
  HttpResponse r = call(request("POST", "/v1/services/app.gslb.test/members/tokyo",
                                R"({"weight": 9})", "application/json"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(generation(), before);
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
}

TEST_F(ApiRouter, AnUndecodableTargetIs400) {
  HttpResponse r = get("/v1/services/app%zz");
  EXPECT_EQ(r.status, 400);
  json j = body_of(r);
  EXPECT_EQ(j["error"], "bad_request");
  EXPECT_NE(j["message"].get<std::string>().find("/v1/services/app%zz"), std::string::npos) << j;
}

TEST_F(ApiRouter, AnEncodedNulInTheTargetIs400) {
  EXPECT_EQ(get("/v1/services/app%00.gslb.test").status, 400);
  EXPECT_EQ(get("/v1/explain?name=a%00b").status, 400);
}

TEST_F(ApiRouter, EveryRouteIsReachableWithItsOwnMethod) {
  // No route of the table is shadowed by an earlier one: its own method and path dispatch to it
  // (a 405 or a "no route" 404 would mean the table is wrong).
  for (const Route& route : routes()) {
    std::string target(route.pattern);
    for (auto [from, to] : {std::pair<std::string, std::string>{"{zone}", "gslb.test"},
                            {"{service}", "app.gslb.test"},
                            {"{member}", "tokyo"},
                            {"{check}", "web"},
                            {"{agent}", "a1"},
                            {"{id}", "999"}}) {
      if (size_t at = target.find(from); at != std::string::npos)
        target.replace(at, from.size(), to);
    }
    HttpResponse r = call(request(std::string(route.method), target, "not json", "text/plain"));
    EXPECT_NE(r.status, 405) << route.method << " " << target << ": " << r.body;
    EXPECT_EQ(r.body.find("no route"), std::string::npos) << route.method << " " << target;
  }
}

TEST_F(ApiRouter, RoutesAreCountedForMetrics) {
  get("/nowhere");
  get("/nowhere");
  get("/healthz");
  call(request("POST", "/healthz"));
  auto counts = metrics_.requests();
  EXPECT_EQ((counts[{"unmatched", "GET", 404}]), 2u);
  EXPECT_EQ((counts[{"/healthz", "GET", 200}]), 1u);
  EXPECT_EQ((counts[{"unmatched", "POST", 405}]), 1u);
}

TEST_F(ApiRouter, HealthzAndReadyzAnswer) {
  HttpResponse h = get("/healthz");
  ASSERT_EQ(h.status, 200);
  EXPECT_EQ(body_of(h), json({{"status", "ok"}}));
  HttpResponse r = get("/readyz");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["status"], "ready");
  EXPECT_EQ(j["database"], "ok");
  EXPECT_TRUE(j["snapshot_age_ms"].is_null());  // no DNS role in this process
}

TEST_F(ApiRouter, ReadyzIs503WhenTheDatabaseIsGone) {
  ApiShared shared;
  shared.db_path = dir_ + "/missing.db";
  ApiContext ctx(shared);
  HttpResponse r = dispatch(ctx, request("GET", "/readyz"));
  EXPECT_EQ(r.status, 503);
  json j = body_of(r);
  EXPECT_EQ(j["status"], "not_ready");
  EXPECT_EQ(j["error"], "not_ready");
  EXPECT_NE(j["database"], "ok");
  // The API never creates the database: that is the DNS role's or `gslbd apply`'s job.
  EXPECT_FALSE(std::filesystem::exists(shared.db_path));
}

TEST_F(ApiRouter, TheOpenApiDocumentIsServed) {
  HttpResponse r = get("/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  json j = body_of(r);
  EXPECT_EQ(j["openapi"].get<std::string>().rfind("3.0", 0), 0u) << j["openapi"];
  EXPECT_TRUE(j["paths"].contains("/v1/services/{service}/members/{member}"));
}

}  // namespace
}  // namespace gslb::api
