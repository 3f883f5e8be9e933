// GET /v1/explain through dispatch(): without the DNS role's snapshot it is a 500 that says why;
// with a snapshot built from the database as the DNS role builds it, the answer and the member
// the policy picked agree.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::json_request;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The member of an explain answer named `name`, or null.
json member_named(const json& explain, const std::string& name) {
  for (const json& m : explain["members"])
    if (m["name"] == name) return m;
  return nullptr;
}

class ApiExplain : public testing::ApiEnv {};

// Found by fuzz_api_request: a 500 says "bug"; this is how the process was started.
TEST_F(ApiExplain, WithoutTheDnsRoleIs503WithAMessage) {
  ASSERT_EQ(shared_.snapshots, nullptr);
  HttpResponse r = get("/v1/explain?name=app.gslb.test&type=A");
  EXPECT_EQ(r.status, 503) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "unavailable");
  EXPECT_EQ(j["message"], "explain needs the dns role in this process (--roles dns,api)");
  EXPECT_TRUE(j["field"].is_null());
}

TEST_F(ApiExplain, BadParametersAre400BeforeTheSnapshotIsNeeded) {
  HttpResponse no_name = get("/v1/explain?type=A");
  EXPECT_EQ(no_name.status, 400);
  EXPECT_EQ(body_of(no_name)["field"], "name");
  HttpResponse bad_type = get("/v1/explain?name=app.gslb.test&type=NOPE");
  EXPECT_EQ(bad_type.status, 400);
  EXPECT_EQ(body_of(bad_type)["field"], "type");
  HttpResponse bad_client = get("/v1/explain?name=app.gslb.test&client=192.0.2.1/33");
  EXPECT_EQ(bad_client.status, 400);
  EXPECT_EQ(body_of(bad_client)["field"], "client");
  HttpResponse not_ip = get("/v1/explain?name=app.gslb.test&client=somewhere");
  EXPECT_EQ(not_ip.status, 400);
  EXPECT_EQ(body_of(not_ip)["field"], "client");
}

TEST_F(ApiExplain, NamesTheMemberThatWasPicked) {
  publish_snapshot(now_ms());
  HttpResponse r = get("/v1/explain?name=app.gslb.test&type=A&client=198.51.100.7/24");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["name"], "app.gslb.test");
  EXPECT_EQ(j["type"], "A");
  EXPECT_EQ(j["client"], "198.51.100.7/24");
  EXPECT_EQ(j["rcode"], "NOERROR");
  ASSERT_EQ(j["answers"].size(), 1u) << j;  // "answers" defaults to 1
  const json& answer = j["answers"][0];
  EXPECT_EQ(answer["name"], "app.gslb.test.");
  EXPECT_EQ(answer["type"], "A");
  EXPECT_EQ(answer["ttl"], 30);
  const std::string address = answer["data"].get<std::string>();
  EXPECT_TRUE(address == "192.0.2.1" || address == "192.0.2.2") << address;

  ASSERT_TRUE(j["service"].is_object()) << j;
  EXPECT_EQ(j["service"]["name"], "app.gslb.test");
  EXPECT_EQ(j["service"]["policy"], "weighted");
  EXPECT_EQ(j["decision"]["candidates"], "healthy");
  EXPECT_EQ(j["decision"]["degraded"], false);
  EXPECT_EQ(j["decision"]["ttl"], 30);

  ASSERT_EQ(j["members"].size(), 2u) << j;
  int picked = 0;
  for (const json& m : j["members"]) {
    EXPECT_EQ(m["eligible"], true) << m;
    if (m["picked"] == true) {
      ++picked;
      EXPECT_EQ(m["address"], address) << "the picked member is the one answered";
    }
  }
  EXPECT_EQ(picked, 1) << j;
}

TEST_F(ApiExplain, ADisabledMemberIsNeitherEligibleNorPicked) {
  HttpResponse patch =
      call(json_request("PATCH", "/v1/services/app.gslb.test/members/tokyo", {{"enabled", false}}));
  ASSERT_EQ(patch.status, 200) << patch.body;
  publish_snapshot(now_ms());
  // Several queries: a weighted pick that could land on tokyo would show within a few.
  for (int i = 0; i < 8; ++i) {
    HttpResponse r = get("/v1/explain?name=app.gslb.test&type=A");
    ASSERT_EQ(r.status, 200) << r.body;
    json j = body_of(r);
    ASSERT_EQ(j["answers"].size(), 1u) << j;
    EXPECT_EQ(j["answers"][0]["data"], "192.0.2.2");
    json tokyo = member_named(j, "tokyo"), paris = member_named(j, "paris");
    ASSERT_TRUE(tokyo.is_object()) << j;
    ASSERT_TRUE(paris.is_object()) << j;
    EXPECT_EQ(tokyo["state"], "disabled");
    EXPECT_EQ(tokyo["eligible"], false);
    EXPECT_EQ(tokyo["picked"], false);
    EXPECT_EQ(paris["eligible"], true);
    EXPECT_EQ(paris["picked"], true);
  }
}

TEST_F(ApiExplain, ANameOutsideEveryServiceHasNoDecision) {
  publish_snapshot(now_ms());
  HttpResponse r = get("/v1/explain?name=ns1.gslb.test&type=A");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["rcode"], "NOERROR");
  ASSERT_EQ(j["answers"].size(), 1u) << j;
  EXPECT_EQ(j["answers"][0]["data"], "192.0.2.53");
  EXPECT_TRUE(j["service"].is_null());
  EXPECT_EQ(j["members"], json::array());
  EXPECT_TRUE(j["client"].is_null());
}

TEST_F(ApiExplain, AnUnknownNameIsNxdomain) {
  publish_snapshot(now_ms());
  HttpResponse r = get("/v1/explain?name=nothing.gslb.test&type=AAAA");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["rcode"], "NXDOMAIN");
  EXPECT_EQ(j["type"], "AAAA");
  EXPECT_EQ(j["answers"], json::array());
  EXPECT_TRUE(j["service"].is_null());
}

}  // namespace
}  // namespace gslb::api
