// Store failures through dispatch() against a real database: a write while another connection
// holds the write lock answers 503 "unavailable" (retry), by the error's kind, on the routes
// that used to find it by searching SQLite's message and on those that never did.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::json_request;
using testing::kDocument;
using testing::request;

class ApiStoreErrors : public testing::ApiEnv {
 protected:
  // The test's own connection takes the write lock; the API's waits 20 ms for it, not 5 s.
  void lock_database() {
    auto api_store = ctx_->store();
    ASSERT_TRUE(api_store) << api_store.error().message;
    sqlite3_busy_timeout((*api_store)->handle(), 20);
    ASSERT_TRUE(store_->begin_write().ok());
  }
  void unlock_database() { store_->rollback(); }

  void expect_unavailable(const HttpResponse& r) {
    EXPECT_EQ(r.status, 503) << r.body;
    json j = body_of(r);
    EXPECT_EQ(j["error"], "unavailable");
    EXPECT_TRUE(j["field"].is_null());
    EXPECT_FALSE(j.contains("errors"));
  }
};

TEST_F(ApiStoreErrors, AWriteToALockedDatabaseIsUnavailable) {
  lock_database();
  expect_unavailable(
      call(json_request("PATCH", "/v1/services/app.gslb.test/members/tokyo", {{"weight", 5}})));
  unlock_database();
  HttpResponse r =
      call(json_request("PATCH", "/v1/services/app.gslb.test/members/tokyo", {{"weight", 5}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

// A write acknowledged into a deleted file would be lost with it: the API's connection follows
// the path, not the inode it once opened.
TEST_F(ApiStoreErrors, AWriteAfterTheFileIsDeletedIsRefusedNotLost) {
  const char* kTokyo = "/v1/services/app.gslb.test/members/tokyo";
  ASSERT_EQ(call(json_request("PATCH", kTokyo, {{"weight", 2}})).status, 200);
  std::filesystem::copy_file(db_path_, db_path_ + ".saved");
  store_.reset();
  ASSERT_EQ(unlink(db_path_.c_str()), 0);
  HttpResponse r = call(json_request("PATCH", kTokyo, {{"weight", 5}}));
  EXPECT_GE(r.status, 500) << r.body;
  EXPECT_NE(body_of(r).value("message", "").find(db_path_), std::string::npos) << r.body;
  // The file restored: writes land in it, and the refused one did not happen.
  std::filesystem::rename(db_path_ + ".saved", db_path_);
  r = call(request("GET", kTokyo));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["weight"], 2);
  EXPECT_EQ(call(json_request("PATCH", kTokyo, {{"weight", 7}})).status, 200);
  auto s = Store::open(db_path_, false);
  ASSERT_TRUE(s.ok()) << s.error();
  store_ = std::move(*s);
  EXPECT_EQ(member_row("tokyo")->weight, 7u);
}

TEST_F(ApiStoreErrors, ADocumentAppliedToALockedDatabaseIsUnavailableNotInvalid) {
  lock_database();
  json doc = json::parse(kDocument);
  doc["services"][0]["ttl"] = 40;
  expect_unavailable(call(json_request("PUT", "/v1/config", doc)));
  unlock_database();
  EXPECT_EQ(call(json_request("PUT", "/v1/config", doc)).status, 200);
}

TEST_F(ApiStoreErrors, AnInvalidDocumentIsStill422WithEveryField) {
  json doc = json::parse(kDocument);
  doc["services"][0]["ttl"] = 90000;
  doc["services"][0]["members"][1]["address"] = "nope";
  HttpResponse r = call(json_request("PUT", "/v1/config", doc));
  ASSERT_EQ(r.status, 422) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["field"], "services[0].ttl");
  const json want = json::parse(R"js([
    {"field": "services[0].ttl", "message": "must be 0 to 86400 (got 90000)"},
    {"field": "services[0].members[1].address", "message": "not an IP address"}])js");
  EXPECT_EQ(j["errors"], want);
}

}  // namespace
}  // namespace gslb::api
