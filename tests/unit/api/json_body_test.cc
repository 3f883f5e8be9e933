// Request bodies the API must refuse with a JSON error naming the field, never take silently or
// fail on: repeated keys, numbers beyond a double, member addresses that are no site.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::request;

const char* const kTokyo = "/v1/services/app.gslb.test/members/tokyo";
const char* const kMembers = "/v1/services/app.gslb.test/members";

class ApiBodies : public testing::ApiEnv {
 protected:
  HttpResponse raw(const std::string& method, const std::string& target, const std::string& body) {
    return call(request(method, target, body, "application/json"));
  }
  void expect_error(const HttpResponse& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    json j = body_of(r);
    EXPECT_EQ(j["field"], field) << r.body;
    EXPECT_NE(j.value("message", "").find(field), std::string::npos) << r.body;
  }
};

TEST_F(ApiBodies, ADuplicateKeyIs422NamingIt) {
  const int64_t before = generation();
  expect_error(raw("PATCH", kTokyo, R"({"weight": 2, "weight": 3})"), 422, "weight");
  expect_error(raw("POST", kMembers, R"({"name": "b", "address": "192.0.2.9", "name": "c"})"), 422,
               "name");
  expect_error(
      raw("PATCH", "/v1/services/app.gslb.test", R"({"persistence": {"v4": 24, "v4": 16}})"), 422,
      "persistence.v4");
  expect_error(raw("PUT", "/v1/config",
                   R"({"zones": [], "services": [{"name": "x", "members": [{"name": "a"},
                       {"name": "b", "name": "c"}]}]})"),
               422, "services[0].members[1].name");
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
  EXPECT_EQ(generation(), before);
  // The same key in sibling objects is no repetition.
  HttpResponse r = raw("PATCH", "/v1/services/app.gslb.test",
                       R"({"persistence": {"v4": 24, "v6": 56}, "ttl": 31})");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(ApiBodies, ANumberBeyondADoubleIs400NamingItsField) {
  const int64_t before = generation();
  expect_error(raw("PATCH", kTokyo, R"({"weight": 1e400})"), 400, "weight");
  expect_error(raw("PATCH", kTokyo, R"({"weight": -1e400})"), 400, "weight");
  expect_error(raw("PUT", "/v1/config", R"({"zones": [], "services": [{"ttl": 1e400}]})"), 400,
               "services[0].ttl");
  expect_error(raw("POST", "/v1/checks", R"({"name": "n", "expect_status": [200, 1e999]})"), 400,
               "expect_status[1]");
  EXPECT_EQ(member_row("tokyo")->weight, 1u);
  EXPECT_EQ(generation(), before);
}

TEST_F(ApiBodies, AMemberAddressThatIsNoSiteIs422) {
  HttpResponse r = raw("PATCH", kTokyo, R"({"address": "0.0.0.0"})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(body_of(r)["field"], "address") << r.body;
  EXPECT_EQ(body_of(r)["message"], "address: 0.0.0.0 is the unspecified address, not a site")
      << r.body;
  r = raw("POST", kMembers, R"({"name": "m", "address": "ff05::2"})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(member_row("tokyo")->address, "192.0.2.1");
  EXPECT_FALSE(member_row("m"));
}

}  // namespace
}  // namespace gslb::api
