// Every write the API accepts must leave a database the DNS role can serve. The document
// validator (zones/config_parse.cc) checks whole zones "as the DNS role will build them ... so a
// document the server cannot serve is refused here", and build_snapshot (zones/snapshot_builder.h)
// refuses a service at a CNAME or at or below a delegation. A write that the builder would refuse
// must be rejected (422, or 409 for a record clashing with a service) and change nothing;
// otherwise the DNS role keeps serving its last good snapshot and ignores every later change.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::json_request;
using testing::kDocument;

class ApiServable : public testing::ApiEnv {
 protected:
  // The snapshot the DNS role would build from the database now; empty when it cannot.
  std::string build_error() {
    auto rows = store_->load_config();
    auto health = store_->load_health();
    if (!rows.ok() || !health.ok()) return "cannot read the database";
    auto zones = zones_from_rows(*rows);
    if (!zones.ok()) return zones.error();
    auto services = services_from_rows(*rows, *health, 0);
    if (!services.ok()) return services.error();
    auto snap = build_snapshot(*zones, std::move(*services));
    return snap.ok() ? std::string() : snap.error();
  }

  // The starting document plus one record in the zone.
  void apply_with_record(const json& record) {
    json doc = json::parse(kDocument);
    doc["zones"][0]["records"].push_back(record);
    auto r = apply_document(*store_, doc.dump(), false);
    ASSERT_TRUE(r.ok()) << r.error();
  }
};

const json kMembers = json::array({{{"name", "a"}, {"address", "192.0.2.9"}}});

TEST_F(ApiServable, TheStartingDatabaseBuilds) {
  EXPECT_EQ(build_error(), "");
}

TEST_F(ApiServable, PutConfigWithAServiceAtACnameIsRefused) {
  json doc = json::parse(kDocument);
  doc["zones"][0]["records"].push_back(
      {{"name", "www"}, {"type", "CNAME"}, {"data", "app.gslb.test."}});
  doc["services"].push_back({{"name", "www.gslb.test"}, {"members", kMembers}});
  HttpResponse r = call(json_request("PUT", "/v1/config", doc));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(config().services.size(), 1u);
  EXPECT_EQ(config().records.size(), 2u);
  EXPECT_EQ(build_error(), "");
}

TEST_F(ApiServable, PutConfigWithAServiceBelowADelegationIsRefused) {
  json doc = json::parse(kDocument);
  doc["zones"][0]["records"].push_back(
      {{"name", "sub"}, {"type", "NS"}, {"data", "ns.elsewhere.test."}});
  doc["services"].push_back({{"name", "app.sub.gslb.test"}, {"members", kMembers}});
  HttpResponse r = call(json_request("PUT", "/v1/config", doc));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(config().services.size(), 1u);
  EXPECT_EQ(build_error(), "");
}

TEST_F(ApiServable, PostServiceAtACnameIsRefused) {
  apply_with_record({{"name", "alias"}, {"type", "CNAME"}, {"data", "app.gslb.test."}});
  ASSERT_EQ(build_error(), "");
  HttpResponse r = call(
      json_request("POST", "/v1/services", {{"name", "alias.gslb.test"}, {"members", kMembers}}));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(config().services.size(), 1u);
  EXPECT_EQ(build_error(), "");
}

TEST_F(ApiServable, PostServiceBelowADelegationIsRefused) {
  apply_with_record({{"name", "sub"}, {"type", "NS"}, {"data", "ns.elsewhere.test."}});
  ASSERT_EQ(build_error(), "");
  HttpResponse r = call(
      json_request("POST", "/v1/services", {{"name", "app.sub.gslb.test"}, {"members", kMembers}}));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(config().services.size(), 1u);
  EXPECT_EQ(build_error(), "");
}

TEST_F(ApiServable, PostRecordCnameAtAServiceIsRefused) {
  HttpResponse r = call(json_request("POST", "/v1/zones/gslb.test/records",
                                     {{"name", "app"}, {"type", "CNAME"}, {"data", "x.test."}}));
  EXPECT_TRUE(r.status == 422 || r.status == 409) << r.status << " " << r.body;
  EXPECT_EQ(config().records.size(), 2u);
  EXPECT_EQ(build_error(), "");
}

TEST_F(ApiServable, PostRecordDelegatingAServiceIsRefused) {
  HttpResponse r = call(json_request("POST", "/v1/zones/gslb.test/records",
                                     {{"name", "app"}, {"type", "NS"}, {"data", "ns.x.test."}}));
  EXPECT_TRUE(r.status == 422 || r.status == 409) << r.status << " " << r.body;
  EXPECT_EQ(config().records.size(), 2u);
  EXPECT_EQ(build_error(), "");
}

TEST_F(ApiServable, AnOrdinaryRecordIsAccepted) {
  HttpResponse r = call(json_request("POST", "/v1/zones/gslb.test/records",
                                     {{"name", "mail"}, {"type", "A"}, {"data", "192.0.2.25"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  json j = body_of(r);
  EXPECT_EQ(j["name"], "mail.gslb.test");
  EXPECT_EQ(j["type"], "A");
  EXPECT_EQ(j["data"], "192.0.2.25");
  EXPECT_EQ(config().records.size(), 3u);
  EXPECT_EQ(build_error(), "");
}

}  // namespace
}  // namespace gslb::api
