// Zone files named through the API are confined to the zone directory (--zone-dir): a writer
// must not make the daemon read, and echo in an error, a file it has no business with.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/unit/api/api_test_env.h"

namespace gslb::api {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::json_request;

constexpr const char* kZoneText =
    "$TTL 300\n"
    "@ IN SOA ns1.f.test. hostmaster.f.test. 1 3600 600 604800 60\n"
    "@ IN NS ns1.f.test.\n"
    "ns1 IN A 192.0.2.53\n";

// The first line is what a zone-file error would quote.
constexpr const char* kSecret = "secret-line-of-another-file\n";

class ApiZoneFiles : public testing::ApiEnv {
 protected:
  void SetUp() override {
    testing::ApiEnv::SetUp();
    zone_dir_ = dir_ + "/zones";
    outside_ = dir_ + "/outside";
    std::filesystem::create_directories(zone_dir_);
    std::filesystem::create_directories(outside_);
    write(zone_dir_ + "/f.test.zone", kZoneText);
    write(outside_ + "/secret", kSecret);
    write(outside_ + "/f.test.zone", kZoneText);
    shared_.zone_dir = zone_dir_;
  }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  json with_file_zone(const std::string& file) {
    json doc = json::parse(testing::kDocument);
    doc["zones"].push_back({{"name", "f.test"}, {"file", file}});
    return doc;
  }
  // A 403 naming `field` and the zone directory, quoting nothing of the file, writing nothing.
  void expect_refused(const HttpResponse& r, const std::string& field, int64_t generation_before) {
    EXPECT_EQ(r.status, 403) << r.body;
    json j = body_of(r);
    EXPECT_EQ(j["error"], "forbidden") << r.body;
    EXPECT_EQ(j["field"], field) << r.body;
    EXPECT_NE(j.value("message", "").find(zone_dir_), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("secret-line"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("SOA"), std::string::npos) << r.body;
    EXPECT_EQ(generation(), generation_before);
    EXPECT_EQ(config().zones.size(), 1u);
  }
  std::string zone_dir_, outside_;
};

TEST_F(ApiZoneFiles, AnAbsolutePathOutsideTheZoneDirIsRefusedUnread) {
  const int64_t before = generation();
  for (const std::string& file : {outside_ + "/secret", std::string("/etc/passwd"),
                                  outside_ + "/f.test.zone", outside_ + "/missing"})
    expect_refused(call(json_request("PUT", "/v1/config", with_file_zone(file))), "zones[1].file",
                   before);
  expect_refused(
      call(json_request("PUT", "/v1/config?dry_run=true", with_file_zone(outside_ + "/secret"))),
      "zones[1].file", before);
}

TEST_F(ApiZoneFiles, ADotDotEscapeIsRefused) {
  const int64_t before = generation();
  for (const char* file : {"../outside/secret", "sub/../../outside/f.test.zone", "..", "."})
    expect_refused(call(json_request("PUT", "/v1/config", with_file_zone(file))), "zones[1].file",
                   before);
}

TEST_F(ApiZoneFiles, ASymlinkOutOfTheZoneDirIsRefused) {
  std::filesystem::create_symlink(outside_ + "/secret", zone_dir_ + "/link.zone");
  std::filesystem::create_directory_symlink(outside_, zone_dir_ + "/linkdir");
  const int64_t before = generation();
  for (const char* file : {"link.zone", "linkdir/f.test.zone"})
    expect_refused(call(json_request("PUT", "/v1/config", with_file_zone(file))), "zones[1].file",
                   before);
}

TEST_F(ApiZoneFiles, ARelativePathResolvesInTheZoneDir) {
  HttpResponse r = call(json_request("PUT", "/v1/config", with_file_zone("f.test.zone")));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(config().zones.size(), 2u);
  EXPECT_EQ(config().zones[1].file,
            std::filesystem::weakly_canonical(zone_dir_ + "/f.test.zone").string());
  // Absolute inside the directory is as good.
  r = call(json_request("PUT", "/v1/config", with_file_zone(zone_dir_ + "/./f.test.zone")));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(ApiZoneFiles, PostAndPutZoneFollowTheSameRule) {
  const int64_t before = generation();
  HttpResponse r =
      call(json_request("POST", "/v1/zones", {{"name", "f.test"}, {"file", outside_ + "/secret"}}));
  expect_refused(r, "file", before);
  r = call(json_request("POST", "/v1/zones", {{"name", "f.test"}, {"file", "../outside/secret"}}));
  expect_refused(r, "file", before);
  r = call(json_request("POST", "/v1/zones", {{"name", "f.test"}, {"file", "f.test.zone"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t after = generation();
  r = call(json_request("PUT", "/v1/zones/f.test", {{"file", outside_ + "/f.test.zone"}}));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(body_of(r)["field"], "file");
  EXPECT_EQ(generation(), after);
}

// A file the local operator applied (`gslbd apply` is not confined) stays: the API's documents
// carry it back unchanged, and edits of other objects still work.
TEST_F(ApiZoneFiles, AStoredFileOutsideTheDirMayBeKeptButNotChosen) {
  auto applied = apply_document(*store_, with_file_zone(outside_ + "/f.test.zone").dump(), false);
  ASSERT_TRUE(applied.ok()) << applied.error();
  json doc = body_of(get("/v1/config"));
  HttpResponse r = call(json_request("PUT", "/v1/config", doc));
  EXPECT_EQ(r.status, 200) << r.body;
  r = call(
      json_request("POST", "/v1/zones", {{"name", "g.test"}, {"file", outside_ + "/f.test.zone"}}));
  EXPECT_EQ(r.status, 403) << r.body;
}

}  // namespace
}  // namespace gslb::api
