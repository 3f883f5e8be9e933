// Safe operator actions through dispatch(): a drain (or enabled: false) that would leave a
// service with nothing answering is refused with 409 and changes nothing, unless ?force=true;
// a member that is not answering can always be drained; POST /v1/drain and /v1/enable change
// every member of a region in one transaction or none; explain ?assume_down answers as the
// engine would with those members failed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::json_request;

const char* const kTokyo = "/v1/services/app.gslb.test/members/tokyo";
const char* const kParis = "/v1/services/app.gslb.test/members/paris";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ApiSafeOperations : public testing::ApiEnv {
 protected:
  HttpResponse patch(const std::string& target, const json& body) {
    return call(json_request("PATCH", target, body));
  }
  HttpResponse post(const std::string& target, const json& body) {
    return call(json_request("POST", target, body));
  }
  bool drained(const std::string& member) { return member_row(member)->drained_at_ms.has_value(); }
  void observe_down(const std::string& member) {
    ObservationRow o;
    o.agent_id = "local";
    o.member_id = member_row(member)->id;
    o.up = false;
    o.checked_at_ms = now_ms();
    ASSERT_TRUE(store_->write_observations({o}).ok());
  }
};

TEST_F(ApiSafeOperations, DrainingTheLastAnsweringMemberIsRefusedUnlessForced) {
  ASSERT_EQ(patch(kTokyo, {{"drained", true}}).status, 200);
  HttpResponse r = patch(kParis, {{"drained", true}});
  ASSERT_EQ(r.status, 409) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "conflict");
  EXPECT_EQ(j["field"], "drained");
  EXPECT_NE(j["message"].get<std::string>().find("app.gslb.test would leave 0 of its IPv4"),
            std::string::npos)
      << j;
  EXPECT_FALSE(drained("paris"));  // nothing changed
  r = call(json_request("PATCH", std::string(kParis) + "?force=true", {{"drained", true}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(drained("paris"));
}

TEST_F(ApiSafeOperations, DisablingTheLastIsRefusedTooAndTheFieldSaysWhich) {
  ASSERT_EQ(patch(kTokyo, {{"enabled", false}}).status, 200);
  HttpResponse r = patch(kParis, {{"enabled", false}});
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(body_of(r)["field"], "enabled");
  EXPECT_TRUE(member_row("paris")->enabled);
  // Other changes of the last member are not drains.
  EXPECT_EQ(patch(kParis, {{"weight", 7}}).status, 200);
}

TEST_F(ApiSafeOperations, AMemberThatIsNotAnsweringCanAlwaysBeDrained) {
  ASSERT_EQ(patch(kTokyo, {{"drained", true}}).status, 200);
  observe_down("paris");
  HttpResponse r = patch(kParis, {{"drained", true}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(ApiSafeOperations, MinHealthyRaisesTheBar) {
  ASSERT_EQ(patch("/v1/services/app.gslb.test", {{"min_healthy", 2}}).status, 200);
  HttpResponse r = patch(kTokyo, {{"drained", true}});
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_NE(body_of(r)["message"].get<std::string>().find("(min_healthy 2)"), std::string::npos);
}

TEST_F(ApiSafeOperations, DrainAndEnableByRegionAreOneTransaction) {
  HttpResponse r = post("/v1/drain", {{"region", "ap"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  ASSERT_EQ(j["members"].size(), 1u) << j;
  EXPECT_EQ(j["members"][0]["name"], "tokyo");
  EXPECT_EQ(j["members"][0]["service"], "app.gslb.test");
  EXPECT_EQ(j["members"][0]["state"], "draining");
  EXPECT_TRUE(drained("tokyo"));
  // The other region would leave nothing: refused, and nothing of it changes.
  r = post("/v1/drain", {{"region", "eu"}});
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(body_of(r)["field"], "region");
  EXPECT_FALSE(drained("paris"));
  r = call(json_request("POST", "/v1/enable", {{"region", "ap"}, {"service", "app.gslb.test"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(drained("tokyo"));
  EXPECT_EQ(call(json_request("POST", "/v1/drain?force=true", {{"region", "eu"}})).status, 200);
  EXPECT_TRUE(drained("paris"));
}

TEST_F(ApiSafeOperations, ABulkSelectionMustNameSomething) {
  HttpResponse r = post("/v1/drain", {{"region", "mars"}});
  EXPECT_EQ(r.status, 404) << r.body;
  r = post("/v1/drain", json::object());
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "region");
  r = post("/v1/enable", {{"region", "ap"}, {"tag", "x"}});
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "tag");
  r = post("/v1/drain", {{"region", "ap"}, {"service", "nope.gslb.test"}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_FALSE(drained("tokyo"));
}

TEST_F(ApiSafeOperations, ExplainAssumingAMemberDownAnswersWithTheOthers) {
  publish_snapshot(now_ms());
  for (int i = 0; i < 8; ++i) {  // a weighted pick that could land on tokyo would show
    HttpResponse r = get("/v1/explain?name=app.gslb.test&type=A&assume_down=tokyo");
    ASSERT_EQ(r.status, 200) << r.body;
    json j = body_of(r);
    ASSERT_EQ(j["answers"].size(), 1u) << j;
    EXPECT_EQ(j["answers"][0]["data"], "192.0.2.2");
    EXPECT_EQ(j["assumed_down"], json::array({"tokyo"}));
    for (const json& m : j["members"]) {
      if (m["name"] == "tokyo") {
        EXPECT_EQ(m["eligible"], false) << m;
      }
    }
  }
  // Both down: the fallback ("all") answers, as it would after a real double failure.
  json both = body_of(get("/v1/explain?name=app.gslb.test&assume_down=tokyo,paris"));
  EXPECT_EQ(both["decision"]["candidates"], "fallback_all") << both;
  // Nothing changed for real.
  json real = body_of(get("/v1/explain?name=app.gslb.test"));
  EXPECT_EQ(real["decision"]["candidates"], "healthy") << real;
  EXPECT_FALSE(real.contains("assumed_down"));
}

TEST_F(ApiSafeOperations, AssumeDownNamesMustBeMembersOfAService) {
  publish_snapshot(now_ms());
  HttpResponse r = get("/v1/explain?name=app.gslb.test&assume_down=osaka");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "assume_down");
  EXPECT_NE(body_of(r)["message"].get<std::string>().find("no member \"osaka\" in app.gslb.test"),
            std::string::npos)
      << r.body;
  r = get("/v1/explain?name=ns1.gslb.test&assume_down=tokyo");
  EXPECT_EQ(r.status, 422) << r.body;
}

}  // namespace
}  // namespace gslb::api
