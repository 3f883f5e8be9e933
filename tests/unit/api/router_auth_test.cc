// Authentication in dispatch() (api/API.md "Authentication"): with a token file, the open routes
// need no token, every other GET a read or admin token, every other method an admin token; no or
// an unknown token is 401 with WWW-Authenticate, a read token on a write 403.
#include <gtest/gtest.h>

#include <string>

#include "api/auth_failures.h"
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

// An agent token does what `gslbd healthd --report-to` does and nothing else.
class ApiAgentAuth : public ApiAuth {
 protected:
  static constexpr const char* kAny = "Bearer any-agent-token-0123";
  static constexpr const char* kParis = "Bearer paris-agent-token-0123";
  void SetUp() override {
    ApiAuth::SetUp();
    if (HasFatalFailure()) return;
    auto t = TokenFile::parse(std::string("admin ") + kAdminToken +
                                  "\nagent any-agent-token-0123\n"
                                  "agent:paris paris-agent-token-0123\n",
                              "tokens");
    ASSERT_TRUE(t.ok()) << t.error();
    shared_.tokens = std::move(*t);
  }
  int post_observations(const std::string& agent, const std::string& token) {
    return call(json_request("POST", "/v1/agents/" + agent + "/observations",
                             {{"observations", json::array()}}, token))
        .status;
  }
};

TEST_F(ApiAgentAuth, AnAgentTokenPostsObservationsAndReadsItsChecks) {
  EXPECT_EQ(post_observations("tokyo", kAny), 200);
  EXPECT_EQ(get("/v1/agents/tokyo/checks", kAny).status, 200);
  EXPECT_EQ(post_observations("tokyo", kAdmin), 200);  // admin may do what an agent does
}

TEST_F(ApiAgentAuth, AnAgentTokenMayNotReadOrWriteAnythingElse) {
  const int64_t before = generation();
  for (const char* path : {"/v1/services", "/v1/config", "/metrics", "/v1/agents"}) {
    HttpResponse r = get(path, kAny);
    EXPECT_EQ(r.status, 403) << path << ": " << r.body;
    EXPECT_EQ(body_of(r)["error"], "forbidden") << path;
  }
  EXPECT_EQ(call(json_request("PATCH", kTokyo, {{"weight", 5}}, kAny)).status, 403);
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
  EXPECT_EQ(generation(), before);
}

TEST_F(ApiAgentAuth, ABoundAgentTokenActsAsItsAgentOnly) {
  EXPECT_EQ(post_observations("paris", kParis), 200);
  EXPECT_EQ(get("/v1/agents/paris/checks", kParis).status, 200);
  HttpResponse r = call(json_request("POST", "/v1/agents/tokyo/observations",
                                     {{"observations", json::array()}}, kParis));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(body_of(r).value("message", "").find("agent \"paris\" only"), std::string::npos)
      << r.body;
  EXPECT_EQ(get("/v1/agents/tokyo/checks", kParis).status, 403);
}

// Guessing tokens: after AuthFailures::kFreeTries unknown tokens an address waits; its next
// tries are not even checked (even a right token: the guesser learns nothing), other
// addresses are unaffected, and both counts show in /metrics.
TEST_F(ApiAuth, UnknownTokensFromOneAddressAreSlowedOthersAreNot) {
  AuthFailures failures;
  shared_.auth_failures = &failures;
  auto from = [](HttpRequest r, const char* peer) {
    r.peer = peer;
    return r;
  };
  for (int i = 0; i < AuthFailures::kFreeTries; ++i)
    expect_401(call(from(request("GET", "/v1/services", {}, {}, "Bearer guess-guess-guess-01"),
                         "192.0.2.7")),
               "guess " + std::to_string(i));
  HttpResponse r = call(from(request("GET", "/v1/services", {}, {}, kAdmin), "192.0.2.7"));
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(body_of(r)["error"], "too_many_requests");
  const std::string wait = header(r, "Retry-After");
  EXPECT_FALSE(wait.empty());
  EXPECT_LE(std::stoi(wait), AuthFailures::kWindowMs / 1000);
  EXPECT_EQ(call(from(request("GET", "/v1/services", {}, {}, kAdmin), "192.0.2.8")).status, 200);
  EXPECT_EQ(get("/healthz").status, 200);  // open routes need no token, so are never slowed
  const std::string metrics =
      call(from(request("GET", "/metrics", {}, {}, kAdmin), "192.0.2.8")).body;
  EXPECT_NE(metrics.find("gslbd_api_auth_failures_total 5\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("gslbd_api_auth_throttled_total 1\n"), std::string::npos) << metrics;
}

TEST(AuthFailuresWindow, AnAddressMayTryAgainWhenTheMinuteIsOver) {
  AuthFailures f;
  for (int i = 0; i < AuthFailures::kFreeTries; ++i) f.failed("198.51.100.1", 1000);
  EXPECT_EQ(f.retry_after_s("198.51.100.1", 1000), AuthFailures::kWindowMs / 1000);
  EXPECT_EQ(f.retry_after_s("198.51.100.1", 1000 + AuthFailures::kWindowMs - 1500), 2);
  EXPECT_EQ(f.retry_after_s("198.51.100.1", 1000 + AuthFailures::kWindowMs), 0);
  EXPECT_EQ(f.retry_after_s("198.51.100.2", 1000), 0);
}

TEST(AuthFailuresWindow, AFloodOfAddressesIsBoundedInMemoryNotInCorrectness) {
  AuthFailures f;
  for (size_t i = 0; i < 3 * AuthFailures::kMaxAddresses; ++i) f.failed("a" + std::to_string(i), 0);
  EXPECT_EQ(f.failures(), 3 * AuthFailures::kMaxAddresses);
  for (int i = 0; i < AuthFailures::kFreeTries; ++i) f.failed("guesser", 0);
  EXPECT_GT(f.retry_after_s("guesser", 0), 0);
}

}  // namespace
}  // namespace gslb::api
