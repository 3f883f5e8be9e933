// The member routes through dispatch() against a real database: reads, PATCH of weight and
// drain, POST, DELETE, and the body checks every write shares (415, 400, 422, 409). A refused
// write must leave the rows as they were.
#include <gtest/gtest.h>

#include <chrono>
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

const char* const kMembers = "/v1/services/app.gslb.test/members";
const char* const kTokyo = "/v1/services/app.gslb.test/members/tokyo";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ApiMembers : public testing::ApiEnv {
 protected:
  HttpResponse patch(const std::string& target, const json& body) {
    return call(json_request("PATCH", target, body));
  }
};

TEST_F(ApiMembers, GetServiceNamesItsMembers) {
  HttpResponse r = get("/v1/services/app.gslb.test");
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["name"], "app.gslb.test");
  EXPECT_EQ(j["zone"], "gslb.test");
  EXPECT_EQ(j["policy"], "weighted");
  EXPECT_EQ(j["ttl"], 30);
  EXPECT_EQ(j["check"], "web");
  EXPECT_EQ(names_of(j["members"]), (std::vector<std::string>{"tokyo", "paris"}));
  const json& tokyo = j["members"][0];
  EXPECT_EQ(tokyo["address"], "192.0.2.1");
  EXPECT_EQ(tokyo["weight"], 1);
  EXPECT_EQ(tokyo["region"], "ap");
  EXPECT_EQ(tokyo["state"], "up");  // never observed counts as up
  EXPECT_EQ(tokyo["health"], "up");
  EXPECT_EQ(tokyo["drained"], false);
  EXPECT_TRUE(tokyo["drained_since_ms"].is_null());
  EXPECT_EQ(j["members"][1]["weight"], 2);
}

TEST_F(ApiMembers, NamesInPathsAreMatchedWithoutCaseOrTrailingDot) {
  HttpResponse r = get("/v1/services/APP.Gslb.Test./members");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(names_of(body_of(r)["members"]), (std::vector<std::string>{"tokyo", "paris"}));
}

TEST_F(ApiMembers, AnUnknownServiceOrMemberIs404) {
  HttpResponse s = get("/v1/services/nope.gslb.test");
  EXPECT_EQ(s.status, 404);
  EXPECT_EQ(body_of(s)["error"], "not_found");
  HttpResponse m = get("/v1/services/app.gslb.test/members/berlin");
  EXPECT_EQ(m.status, 404);
  EXPECT_EQ(body_of(m)["message"], "service app.gslb.test has no member berlin");
  EXPECT_EQ(patch("/v1/services/app.gslb.test/members/berlin", {{"weight", 5}}).status, 404);
  EXPECT_EQ(call(request("DELETE", "/v1/services/nope.gslb.test/members/tokyo")).status, 404);
}

TEST_F(ApiMembers, PatchWeightChangesTheRow) {
  HttpResponse r = patch(kTokyo, {{"weight", 5}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["name"], "tokyo");
  EXPECT_EQ(j["weight"], 5);
  EXPECT_EQ(j["address"], "192.0.2.1");  // untouched keys keep their values
  EXPECT_EQ(j["region"], "ap");
  EXPECT_TRUE(j["check"].is_null());
  auto tokyo = member_row("tokyo");
  ASSERT_TRUE(tokyo);
  EXPECT_EQ(tokyo->weight, 5u);
  EXPECT_EQ(tokyo->address, "192.0.2.1");
  EXPECT_EQ(tokyo->region, "ap");
  EXPECT_EQ(member_row("paris")->weight, 2u);  // the other member is not touched
  EXPECT_EQ(get(kTokyo).status, 200);
  EXPECT_EQ(body_of(get(kTokyo))["weight"], 5);
}

TEST_F(ApiMembers, PatchWeightOutOfRangeIs422AndChangesNothing) {
  const int64_t before = generation();
  HttpResponse r = patch(kTokyo, {{"weight", 70000}});
  EXPECT_EQ(r.status, 422) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "invalid");
  EXPECT_EQ(j["field"], "weight");
  EXPECT_EQ(j["message"], "weight: must be 0 to 65535 (got 70000)");
  EXPECT_EQ(
      j["errors"],
      json::parse(R"js([{"field": "weight", "message": "must be 0 to 65535 (got 70000)"}])js"));
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
  EXPECT_EQ(generation(), before);
}

TEST_F(ApiMembers, PatchWithSeveralBadValuesNamesTheFirst) {
  HttpResponse r = patch(kTokyo, {{"weight", -1}, {"priority", 256}});
  EXPECT_EQ(r.status, 422) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["field"], "weight");
  ASSERT_EQ(j["errors"].size(), 2u) << j;
  EXPECT_EQ(j["errors"][1]["field"], "priority");
  EXPECT_EQ(member_row("tokyo")->priority, 1u);
}

TEST_F(ApiMembers, PatchRejectsUnknownKeysRenamesAndEmptyBodies) {
  HttpResponse unknown = patch(kTokyo, {{"colour", "red"}});
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(body_of(unknown)["field"], "colour");
  HttpResponse rename = patch(kTokyo, {{"name", "osaka"}});
  EXPECT_EQ(rename.status, 422);
  EXPECT_EQ(body_of(rename)["field"], "name");
  HttpResponse empty = patch(kTokyo, json::object());
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(body_of(empty)["error"], "invalid");
  ASSERT_TRUE(member_row("tokyo"));
  EXPECT_EQ(member_row("tokyo")->name, "tokyo");
}

TEST_F(ApiMembers, PatchToAnotherMembersAddressIs422OnAddress) {
  HttpResponse r = patch(kTokyo, {{"address", "192.0.2.2"}});
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "address");
  EXPECT_EQ(member_row("tokyo")->address, "192.0.2.1");
}

TEST_F(ApiMembers, PatchDrainedStartsDraining) {
  const int64_t before = now_ms();
  HttpResponse r = patch(kTokyo, {{"drained", true}});
  const int64_t after = now_ms();
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["state"], "draining");
  EXPECT_EQ(j["drained"], true);
  ASSERT_TRUE(j["drained_since_ms"].is_number_integer()) << j;
  const int64_t since = j["drained_since_ms"].get<int64_t>();
  EXPECT_GE(since, before);
  EXPECT_LE(since, after);
  // The service's largest TTL (30 s) plus the 5 s margin.
  EXPECT_EQ(j["drain_complete_ms"], since + 30 * 1000 + 5000);

  auto tokyo = member_row("tokyo");
  ASSERT_TRUE(tokyo);
  ASSERT_TRUE(tokyo->drained_at_ms.has_value());
  EXPECT_EQ(*tokyo->drained_at_ms, since);
  EXPECT_EQ(tokyo->weight, 1u);  // a drain is not a settings change
  EXPECT_FALSE(member_row("paris")->drained_at_ms.has_value());
}

TEST_F(ApiMembers, DrainingAgainKeepsTheFirstDrainTime) {
  ASSERT_EQ(patch(kTokyo, {{"drained", true}}).status, 200);
  const int64_t first = *member_row("tokyo")->drained_at_ms;
  // Move the stored time back so a second drain that overwrote it would show.
  ASSERT_TRUE(store_->set_member_drained(member_row("tokyo")->id, first - 60000).ok());
  HttpResponse r = patch(kTokyo, {{"drained", true}, {"weight", 3}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["drained_since_ms"], first - 60000);
  EXPECT_EQ(body_of(r)["state"], "drained");  // 60 s ago > 35 s: resolvers have forgotten it
  EXPECT_EQ(*member_row("tokyo")->drained_at_ms, first - 60000);
  EXPECT_EQ(member_row("tokyo")->weight, 3u);
}

TEST_F(ApiMembers, TheDrainLastsTheLargestTtlPlusFiveSeconds) {
  HttpResponse svc =
      call(json_request("PATCH", "/v1/services/app.gslb.test", {{"ttl_degraded", 120}}));
  ASSERT_EQ(svc.status, 200) << svc.body;
  ASSERT_EQ(patch(kTokyo, {{"drained", true}}).status, 200);
  // Read back through GET: the state is computed on every read, not stored.
  HttpResponse r = get("/v1/services/app.gslb.test");
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = body_of(r);
  const json& tokyo = j["members"][0];
  ASSERT_EQ(tokyo["name"], "tokyo");
  EXPECT_EQ(tokyo["state"], "draining");
  EXPECT_EQ(tokyo["drain_complete_ms"],
            tokyo["drained_since_ms"].get<int64_t>() + 120 * 1000 + 5000);
  EXPECT_EQ(j["members"][1]["state"], "up");
}

TEST_F(ApiMembers, PatchDrainedFalseUndrains) {
  ASSERT_EQ(patch(kTokyo, {{"drained", true}}).status, 200);
  HttpResponse r = patch(kTokyo, {{"drained", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["state"], "up");
  EXPECT_EQ(j["drained"], false);
  EXPECT_TRUE(j["drained_since_ms"].is_null());
  EXPECT_FALSE(member_row("tokyo")->drained_at_ms.has_value());
}

TEST_F(ApiMembers, PatchDrainedMustBeABoolean) {
  HttpResponse r = patch(kTokyo, {{"drained", "yes"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(body_of(r)["field"], "drained");
  EXPECT_FALSE(member_row("tokyo")->drained_at_ms.has_value());
}

TEST_F(ApiMembers, PatchEnabledFalseIsDisabled) {
  HttpResponse r = patch(kTokyo, {{"enabled", false}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["state"], "disabled");
  EXPECT_FALSE(member_row("tokyo")->enabled);
}

TEST_F(ApiMembers, PostCreatesAMember) {
  HttpResponse r = call(json_request(
      "POST", kMembers, {{"name", "berlin"}, {"address", "192.0.2.3"}, {"weight", 4}}));
  ASSERT_EQ(r.status, 201) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["name"], "berlin");
  EXPECT_EQ(j["weight"], 4);
  EXPECT_EQ(j["priority"], 1);  // default
  EXPECT_EQ(j["state"], "up");
  auto berlin = member_row("berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(berlin->address, "192.0.2.3");
  EXPECT_EQ(berlin->weight, 4u);
  EXPECT_EQ(berlin->service_id, member_row("tokyo")->service_id);
  EXPECT_EQ(names_of(body_of(get(kMembers))["members"]),
            (std::vector<std::string>{"tokyo", "paris", "berlin"}));
}

TEST_F(ApiMembers, PostADuplicateNameIs409) {
  const int64_t before = generation();
  HttpResponse r =
      call(json_request("POST", kMembers, {{"name", "tokyo"}, {"address", "192.0.2.9"}}));
  EXPECT_EQ(r.status, 409) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "conflict");
  EXPECT_EQ(j["field"], "name");
  EXPECT_EQ(config().members.size(), 2u);
  EXPECT_EQ(member_row("tokyo")->address, "192.0.2.1");
  EXPECT_EQ(generation(), before);
}

TEST_F(ApiMembers, PostADuplicateAddressIs422OnAddress) {
  HttpResponse r =
      call(json_request("POST", kMembers, {{"name", "berlin"}, {"address", "192.0.2.1"}}));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "address");
  EXPECT_FALSE(member_row("berlin"));
}

TEST_F(ApiMembers, PostWithAnotherMediaTypeIs415) {
  HttpResponse r = call(
      request("POST", kMembers, R"({"name": "berlin", "address": "192.0.2.3"})", "text/plain"));
  EXPECT_EQ(r.status, 415) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "unsupported_media_type");
  EXPECT_TRUE(j["field"].is_null());
  EXPECT_FALSE(member_row("berlin"));

  HttpResponse none =
      call(request("POST", kMembers, R"({"name": "berlin", "address": "192.0.2.3"})", ""));
  EXPECT_EQ(none.status, 415);
  EXPECT_FALSE(member_row("berlin"));
}

TEST_F(ApiMembers, ContentTypeParametersAndCaseAreAccepted) {
  HttpResponse r = call(request("POST", kMembers, R"({"name": "berlin", "address": "192.0.2.3"})",
                                "Application/JSON; charset=utf-8"));
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(member_row("berlin"));
}

TEST_F(ApiMembers, InvalidJsonIs400) {
  HttpResponse r = call(request("POST", kMembers, R"({"name": "berlin", )", "application/json"));
  EXPECT_EQ(r.status, 400) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["error"], "bad_request");
  EXPECT_TRUE(j["field"].is_null());
  EXPECT_FALSE(member_row("berlin"));
  EXPECT_EQ(call(request("PATCH", kTokyo, "weight=5", "application/json")).status, 400);
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
}

TEST_F(ApiMembers, ABodyThatIsNotAnObjectIs422) {
  HttpResponse r = call(request("POST", kMembers, "[1, 2]", "application/json"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["error"], "invalid");
}

TEST_F(ApiMembers, PostAnInvalidMemberListsItsFields) {
  HttpResponse r = call(json_request(
      "POST", kMembers, {{"name", "berlin"}, {"address", "nowhere"}, {"weight", 1.5}}));
  EXPECT_EQ(r.status, 422) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["field"], "address");
  const json want = json::parse(R"([
      {"field": "address", "message": "not an IP address"},
      {"field": "weight", "message": "expected an integer"}])");
  EXPECT_EQ(j["errors"], want);
  EXPECT_FALSE(member_row("berlin"));
}

TEST_F(ApiMembers, DeleteRemovesTheMember) {
  HttpResponse r = call(request("DELETE", kTokyo));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(member_row("tokyo"));
  EXPECT_TRUE(member_row("paris"));
  EXPECT_EQ(get(kTokyo).status, 404);
  EXPECT_EQ(call(request("DELETE", kTokyo)).status, 404);
}

TEST_F(ApiMembers, PutReplacesTheSettings) {
  HttpResponse r = call(json_request("PUT", kTokyo, {{"address", "192.0.2.7"}, {"weight", 9}}));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["name"], "tokyo");
  EXPECT_EQ(j["address"], "192.0.2.7");
  auto tokyo = member_row("tokyo");
  ASSERT_TRUE(tokyo);
  EXPECT_EQ(tokyo->address, "192.0.2.7");
  EXPECT_EQ(tokyo->weight, 9u);
  EXPECT_EQ(tokyo->region, "");  // replaced, not merged
}

TEST_F(ApiMembers, PuttingBackWhatGetAnswersChangesNothing) {
  ASSERT_EQ(patch(kTokyo, {{"drained", true}}).status, 200);
  const MemberRow before = *member_row("tokyo");
  json j = body_of(get(kTokyo));
  HttpResponse r = call(json_request("PUT", kTokyo, j));
  ASSERT_EQ(r.status, 200) << r.body;
  const MemberRow after = *member_row("tokyo");
  EXPECT_EQ(after.weight, before.weight);
  EXPECT_EQ(after.region, before.region);
  EXPECT_EQ(after.address, before.address);
  EXPECT_EQ(after.drained_at_ms, before.drained_at_ms);  // operational state survives a PUT
  EXPECT_EQ(body_of(r)["state"], "draining");
}

TEST_F(ApiMembers, AnUnknownKeyIsNamedInField) {
  // API.md: a 422's "field" names the wrong value; for an unknown key that is the key itself.
  HttpResponse plain = patch(kTokyo, {{"colour", "red"}});
  EXPECT_EQ(plain.status, 422);
  EXPECT_EQ(body_of(plain)["field"], "colour");
  HttpResponse spaced = patch(kTokyo, {{"my colour", "red"}});
  EXPECT_EQ(spaced.status, 422);
  EXPECT_EQ(body_of(spaced)["field"], "my colour") << spaced.body;
}

TEST_F(ApiMembers, EventsLimitIsChecked) {
  HttpResponse r = get(std::string(kTokyo) + "/events?limit=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["field"], "limit");
  HttpResponse ok = get(std::string(kTokyo) + "/events?limit=5");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body_of(ok), json({{"events", json::array()}}));
}

}  // namespace
}  // namespace gslb::api
