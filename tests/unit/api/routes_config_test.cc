// GET and PUT /v1/config through dispatch(): the whole declarative document, applied as a sync,
// with ?dry_run=true listing the changes and writing nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::json_request;
using testing::kDocument;
using testing::request;

// The starting document with tokyo's weight 7 and a third member, berlin.
json changed_document() {
  json doc = json::parse(kDocument);
  doc["services"][0]["members"][0]["weight"] = 7;
  doc["services"][0]["members"].push_back({{"name", "berlin"}, {"address", "192.0.2.3"}});
  return doc;
}

std::vector<std::string> changes_of(const json& j) {
  std::vector<std::string> out;
  for (const json& c : j["changes"]) out.push_back(c.get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

class ApiConfig : public testing::ApiEnv {};

TEST_F(ApiConfig, GetAnswersTheWholeDocument) {
  HttpResponse r = get("/v1/config");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  ASSERT_EQ(j["zones"].size(), 1u);
  EXPECT_EQ(j["zones"][0]["name"], "gslb.test");
  EXPECT_EQ(j["zones"][0]["ns"], json::array({"ns1.gslb.test."}));
  ASSERT_EQ(j["checks"].size(), 1u);
  EXPECT_EQ(j["checks"][0]["name"], "web");
  EXPECT_EQ(j["checks"][0]["expect_status"], json::array({200}));
  ASSERT_EQ(j["services"].size(), 1u);
  EXPECT_EQ(testing::names_of(j["services"][0]["members"]),
            (std::vector<std::string>{"tokyo", "paris"}));
}

TEST_F(ApiConfig, PuttingBackWhatGetAnswersChangesNothing) {
  json doc = body_of(get("/v1/config"));
  const int64_t before = generation();
  HttpResponse r = call(json_request("PUT", "/v1/config", doc));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), json({{"changes", json::array()}, {"dry_run", false}}));
  EXPECT_EQ(generation(), before);
}

TEST_F(ApiConfig, ADryRunListsTheChangesAndWritesNothing) {
  const int64_t before = generation();
  HttpResponse r = call(json_request("PUT", "/v1/config?dry_run=true", changed_document()));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["dry_run"], true);
  EXPECT_EQ(changes_of(j),
            (std::vector<std::string>{"+ member app.gslb.test/berlin",
                                      "~ member app.gslb.test/tokyo: weight 1 -> 7"}));
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
  EXPECT_FALSE(member_row("berlin"));
  EXPECT_EQ(config().members.size(), 2u);
  EXPECT_EQ(generation(), before);
}

TEST_F(ApiConfig, DryRunAcceptsItsOtherSpellings) {
  for (const char* target : {"/v1/config?dry_run=1", "/v1/config?dry_run"}) {
    HttpResponse r = call(json_request("PUT", target, changed_document()));
    ASSERT_EQ(r.status, 200) << target << ": " << r.body;
    EXPECT_EQ(body_of(r)["dry_run"], true) << target;
    EXPECT_EQ(member_row("tokyo")->weight, 1u) << target;
  }
}

TEST_F(ApiConfig, WithoutDryRunTheChangesAreWritten) {
  HttpResponse r = call(json_request("PUT", "/v1/config?dry_run=false", changed_document()));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["dry_run"], false);
  EXPECT_EQ(changes_of(j).size(), 2u);
  EXPECT_EQ(member_row("tokyo")->weight, 7u);
  ASSERT_TRUE(member_row("berlin"));
  EXPECT_EQ(member_row("berlin")->address, "192.0.2.3");
}

TEST_F(ApiConfig, ABadDryRunValueIs400) {
  HttpResponse r = call(json_request("PUT", "/v1/config?dry_run=perhaps", changed_document()));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(body_of(r)["field"], "dry_run");
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
}

TEST_F(ApiConfig, AnInvalidDocumentIs422WithEveryErrorAndWritesNothing) {
  json doc = changed_document();
  doc["services"][0]["members"][1]["weight"] = 70000;
  doc["services"][0]["ttl"] = "thirty";
  const int64_t before = generation();
  HttpResponse r = call(json_request("PUT", "/v1/config", doc));
  EXPECT_EQ(r.status, 422) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "invalid");
  EXPECT_EQ(j["field"], "services[0].ttl");
  const json want = json::parse(R"js([
      {"field": "services[0].ttl", "message": "expected an integer"},
      {"field": "services[0].members[1].weight", "message": "must be 0 to 65535 (got 70000)"}])js");
  EXPECT_EQ(j["errors"], want);
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
  EXPECT_FALSE(member_row("berlin"));
  EXPECT_EQ(generation(), before);
}

TEST_F(ApiConfig, AnEmptyDocumentRemovesEverything) {
  HttpResponse dry = call(json_request("PUT", "/v1/config?dry_run=true", json::object()));
  ASSERT_EQ(dry.status, 200) << dry.body;
  std::vector<std::string> changes = changes_of(body_of(dry));
  EXPECT_NE(std::find(changes.begin(), changes.end(), "- zone gslb.test"), changes.end())
      << body_of(dry);
  EXPECT_NE(std::find(changes.begin(), changes.end(), "- check web"), changes.end());
  EXPECT_EQ(config().zones.size(), 1u);  // still there after the dry run
}

TEST_F(ApiConfig, PutBodyChecks) {
  EXPECT_EQ(call(request("PUT", "/v1/config", kDocument, "text/plain")).status, 415);
  EXPECT_EQ(call(request("PUT", "/v1/config", "{", "application/json")).status, 400);
  EXPECT_EQ(call(request("PUT", "/v1/config", "[]", "application/json")).status, 422);
  EXPECT_EQ(config().members.size(), 2u);
}

}  // namespace
}  // namespace gslb::api
