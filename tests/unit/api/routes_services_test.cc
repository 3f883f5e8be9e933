// The service, check and zone routes through dispatch(): creation with members, PUT replacing
// settings only, PATCH merging, and the 409s for names that exist and objects still in use.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::json_request;
using testing::names_of;
using testing::request;

const char* const kApp = "/v1/services/app.gslb.test";

class ApiServices : public testing::ApiEnv {
 protected:
  const ServiceRow* service_row(const ConfigRows& c, const std::string& name) {
    for (const ServiceRow& s : c.services)
      if (s.name == name) return &s;
    return nullptr;
  }
};

TEST_F(ApiServices, PostCreatesAServiceWithItsMembers) {
  HttpResponse r = call(
      json_request("POST", "/v1/services",
                   {{"name", "www.gslb.test"},
                    {"policy", "priority"},
                    {"members", {{{"name", "a"}, {"address", "192.0.2.10"}, {"priority", 2}}}}}));
  ASSERT_EQ(r.status, 201) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["name"], "www.gslb.test");
  EXPECT_EQ(j["zone"], "gslb.test");
  EXPECT_EQ(j["policy"], "priority");
  EXPECT_EQ(names_of(j["members"]), std::vector<std::string>{"a"});
  ConfigRows c = config();
  const ServiceRow* www = service_row(c, "www.gslb.test.");
  ASSERT_NE(www, nullptr);
  EXPECT_EQ(www->policy, "priority");
  EXPECT_EQ(www->zone_id, c.zones[0].id);
  EXPECT_EQ(c.members.size(), 3u);
}

TEST_F(ApiServices, PostAnExistingNameIs409) {
  HttpResponse r = call(json_request("POST", "/v1/services", {{"name", "APP.gslb.test"}}));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(body_of(r)["field"], "name");
  EXPECT_EQ(config().services.size(), 1u);
}

TEST_F(ApiServices, PostOutsideEveryZoneIs422OnName) {
  HttpResponse r = call(json_request("POST", "/v1/services", {{"name", "app.example.test"}}));
  EXPECT_EQ(r.status, 422) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["field"], "name");
  EXPECT_EQ(j["message"], "name: app.example.test is not inside any zone");
  EXPECT_EQ(config().services.size(), 1u);
}

TEST_F(ApiServices, PostAnInvalidMemberNamesItsPath) {
  HttpResponse r = call(json_request(
      "POST", "/v1/services",
      {{"name", "www.gslb.test"},
       {"members",
        {{{"name", "a"}, {"address", "192.0.2.10"}}, {{"name", "b"}, {"address", "x"}}}}}));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "members[1].address");
  EXPECT_EQ(config().services.size(), 1u);
  EXPECT_EQ(config().members.size(), 2u);
}

TEST_F(ApiServices, PutWithMembersIsRefused) {
  HttpResponse r = call(json_request("PUT", kApp, {{"ttl", 20}, {"members", json::array()}}));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "members");
  ConfigRows c = config();
  EXPECT_EQ(service_row(c, "app.gslb.test.")->ttl, 30u);
  EXPECT_EQ(c.members.size(), 2u);
}

TEST_F(ApiServices, PutReplacesTheSettingsAndKeepsTheMembers) {
  HttpResponse r = call(json_request("PUT", kApp, {{"ttl", 20}, {"policy", "round-robin"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["ttl"], 20);
  EXPECT_EQ(j["policy"], "round-robin");
  EXPECT_TRUE(j["check"].is_null());  // not given: replaced by none
  EXPECT_EQ(names_of(j["members"]), (std::vector<std::string>{"tokyo", "paris"}));
  ConfigRows c = config();
  const ServiceRow* app = service_row(c, "app.gslb.test.");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->ttl, 20u);
  EXPECT_FALSE(app->check_id.has_value());
  EXPECT_EQ(c.members.size(), 2u);
}

TEST_F(ApiServices, PatchMergesTheGivenSettings) {
  HttpResponse r = call(json_request("PATCH", kApp, {{"ttl", 60}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["ttl"], 60);
  EXPECT_EQ(j["check"], "web");  // kept
  EXPECT_EQ(j["policy"], "weighted");
  ConfigRows c = config();
  EXPECT_EQ(service_row(c, "app.gslb.test.")->ttl, 60u);
  EXPECT_TRUE(service_row(c, "app.gslb.test.")->check_id.has_value());
}

TEST_F(ApiServices, PatchRefusals) {
  HttpResponse sorry = call(json_request("PATCH", kApp, {{"fallback", "sorry"}}));
  EXPECT_EQ(sorry.status, 422) << sorry.body;
  EXPECT_EQ(body_of(sorry)["field"], "fallback");
  HttpResponse rename = call(json_request("PATCH", kApp, {{"name", "www.gslb.test"}}));
  EXPECT_EQ(rename.status, 422);
  EXPECT_EQ(body_of(rename)["field"], "name");
  HttpResponse ttl = call(json_request("PATCH", kApp, {{"ttl", 90000}}));
  EXPECT_EQ(ttl.status, 422);
  EXPECT_EQ(body_of(ttl)["field"], "ttl");
  ConfigRows c = config();
  EXPECT_EQ(service_row(c, "app.gslb.test.")->fallback, "all");
  EXPECT_EQ(service_row(c, "app.gslb.test.")->ttl, 30u);
}

TEST_F(ApiServices, DeleteTakesTheMembers) {
  HttpResponse r = call(request("DELETE", kApp));
  EXPECT_EQ(r.status, 204) << r.body;
  ConfigRows c = config();
  EXPECT_TRUE(c.services.empty());
  EXPECT_TRUE(c.members.empty());
  EXPECT_EQ(get(kApp).status, 404);
}

TEST_F(ApiServices, ACheckInUseCannotBeDeleted) {
  HttpResponse r = call(request("DELETE", "/v1/checks/web"));
  EXPECT_EQ(r.status, 409) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "conflict");
  EXPECT_NE(j["message"].get<std::string>().find("app.gslb.test"), std::string::npos) << j;
  EXPECT_EQ(config().checks.size(), 1u);
}

TEST_F(ApiServices, AZoneWithServicesCannotBeDeleted) {
  HttpResponse r = call(request("DELETE", "/v1/zones/gslb.test"));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(config().zones.size(), 1u);
  EXPECT_EQ(config().services.size(), 1u);
}

TEST_F(ApiServices, PostAnExistingCheckIs409) {
  HttpResponse r = call(json_request("POST", "/v1/checks", {{"name", "web"}, {"type", "icmp"}}));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(body_of(r)["field"], "name");
  EXPECT_EQ(config().checks[0].type, "http");
}

TEST_F(ApiServices, PatchCheckIntervalBelowTheTimeoutPicksADefaultTimeout) {
  HttpResponse r = call(json_request("PATCH", "/v1/checks/web", {{"interval_ms", 400}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["interval_ms"], 400);
  EXPECT_EQ(j["timeout_ms"], 200);
  EXPECT_EQ(config().checks[0].timeout_ms, 200u);
  EXPECT_EQ(config().checks[0].port, 18080u);  // merged, not replaced
}

}  // namespace
}  // namespace gslb::api
