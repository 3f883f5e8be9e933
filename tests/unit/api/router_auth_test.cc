// Authentication in dispatch() (api/API.md "Authentication"): with a token file, the open routes
// need no token, every other GET a read or admin token, every other method an admin token; no or
// an unknown token is 401 with WWW-Authenticate, a read token on a write 403.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::header;
using testing::json_request;
using testing::kAdminToken;
using testing::kReadToken;
using testing::request;

const std::string kAdmin = std::string("Bearer ") + kAdminToken;
const std::string kRead = std::string("Bearer ") + kReadToken;
const char* const kTokyo = "/v1/services/app.gslb.test/members/tokyo";

class ApiAuth : public testing::ApiEnv {
 protected:
  void SetUp() override {
    ApiEnv::SetUp();
    if (HasFatalFailure()) return;
    use_tokens();
  }

  void expect_401(const HttpResponse& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    EXPECT_EQ(header(r, "WWW-Authenticate").rfind("Bearer", 0), 0u)
        << what << ": WWW-Authenticate is \"" << header(r, "WWW-Authenticate") << "\"";
    json j = body_of(r);
    EXPECT_EQ(j["error"], "unauthorized") << what;
    EXPECT_TRUE(j["field"].is_null()) << what;
  }
};

TEST_F(ApiAuth, WithoutATokenFileEverythingIsOpen) {
  shared_.tokens.reset();
  EXPECT_EQ(get("/v1/services").status, 200);
  HttpResponse r = call(json_request("PATCH", kTokyo, {{"weight", 3}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

// Any local user can reach a loopback port: without a token file, writes need the opt-in.
TEST_F(ApiAuth, WithoutATokenFileWritesNeedTheInsecureLoopbackFlag) {
  shared_.tokens.reset();
  shared_.insecure_loopback = false;
  EXPECT_EQ(get("/v1/services").status, 200);
  EXPECT_EQ(get("/readyz").status, 200);
  HttpResponse r = call(json_request("PATCH", kTokyo, {{"weight", 3}}));
  EXPECT_EQ(r.status, 401) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "unauthorized");
  const std::string message = j.value("message", "");
  EXPECT_NE(message.find("--api-token-file"), std::string::npos) << message;
  EXPECT_NE(message.find("--api-insecure-loopback"), std::string::npos) << message;
  EXPECT_EQ(call(json_request("PUT", "/v1/config", json::parse(testing::kDocument))).status, 401);
  EXPECT_EQ(call(request("DELETE", "/v1/checks/web")).status, 401);
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
}

TEST_F(ApiAuth, OpenRoutesNeedNoToken) {
  HttpResponse h = get("/healthz");
  EXPECT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(body_of(h)["status"], "ok");
  EXPECT_EQ(get("/readyz").status, 200);
  EXPECT_EQ(get("/v1/openapi.json").status, 200);
  // Even an unknown token does not get in the way there.
  EXPECT_EQ(get("/healthz", "Bearer nonsense-nonsense-nonsense").status, 200);
}

TEST_F(ApiAuth, AReadWithoutATokenIs401) {
  expect_401(get("/v1/services"), "GET /v1/services");
  expect_401(get("/v1/config"), "GET /v1/config");
  expect_401(get("/metrics"), "GET /metrics");
  expect_401(get("/v1/explain?name=app.gslb.test"), "GET /v1/explain");
}

TEST_F(ApiAuth, AWriteWithoutATokenIs401AndChangesNothing) {
  expect_401(call(json_request("PATCH", kTokyo, {{"weight", 5}})), "PATCH member");
  expect_401(call(request("DELETE", kTokyo)), "DELETE member");
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
}

TEST_F(ApiAuth, AnUnknownTokenIs401) {
  expect_401(get("/v1/services", "Bearer not-a-token-we-know-of"), "unknown token");
  expect_401(get("/v1/services", std::string("Bearer ") + kAdminToken + "x"), "longer token");
  expect_401(get("/v1/services", "Basic YWRtaW46c2VjcmV0"), "Basic");
  expect_401(get("/v1/services", kAdminToken), "no scheme");
}

TEST_F(ApiAuth, AReadTokenReads) {
  HttpResponse r = get("/v1/services/app.gslb.test", kRead);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["name"], "app.gslb.test");
  EXPECT_EQ(get("/metrics", kRead).status, 200);
  EXPECT_EQ(get("/v1/config", "bearer " + std::string(kReadToken)).status, 200);
}

TEST_F(ApiAuth, AnAdminTokenReads) {
  EXPECT_EQ(get("/v1/services", kAdmin).status, 200);
}

TEST_F(ApiAuth, AReadTokenOnAWriteIs403AndChangesNothing) {
  const int64_t before = generation();
  HttpResponse r = call(json_request("PATCH", kTokyo, {{"weight", 5}}, kRead));
  EXPECT_EQ(r.status, 403) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "forbidden");
  EXPECT_TRUE(j["field"].is_null());
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
  EXPECT_EQ(generation(), before);

  EXPECT_EQ(call(request("DELETE", kTokyo, {}, {}, kRead)).status, 403);
  EXPECT_TRUE(member_row("tokyo").has_value());
  EXPECT_EQ(call(json_request("PUT", "/v1/config?dry_run=true", json::object(), kRead)).status,
            403);
  EXPECT_EQ(call(json_request("POST", "/v1/agents/a1/observations",
                              {{"observations", json::array()}}, kRead))
                .status,
            403);
}

TEST_F(ApiAuth, AnAdminTokenWrites) {
  HttpResponse r = call(json_request("PATCH", kTokyo, {{"weight", 5}}, kAdmin));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(member_row("tokyo")->weight, 5u);
}

TEST_F(ApiAuth, TheTokenIsCheckedBeforeTheBody) {
  // A bad body from someone without a token is still a 401, not a 415 or 400.
  expect_401(call(request("PATCH", kTokyo, "not json", "text/plain")), "no token, bad body");
  EXPECT_EQ(call(request("PATCH", kTokyo, "not json", "text/plain", kRead)).status, 403);
}

}  // namespace
}  // namespace gslb::api
