// Zone files named by the configuration (a document's zones[] entry, a zones row with a file)
// are read relative to the configured name, and a file naming another zone is refused with both
// names. The loader itself is covered by zone_file_test.cc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/unit/testing/packet_builder.h"
#include "zones/config/config_document.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/store/store.h"

namespace gslb {
namespace {

using nlohmann::json;
using testing::wire_name;

const std::string kConfigured = std::string(GSLBD_TEST_DATA) + "/configured";

const char kContradiction[] =
    "/other_origin.zone:2: $ORIGIN other.test. contradicts the configured zone gslb.example.test";

ConfigRows file_zone_rows(const std::string& file) {
  ConfigRows rows;
  ZoneRow z;
  z.id = 1;
  z.name = "gslb.example.test.";
  z.file = file;
  rows.zones.push_back(z);
  return rows;
}

TEST(ZonesFromRows, AFileZoneIsReadAsTheZoneOfItsRow) {
  auto zones = zones_from_rows(file_zone_rows(kConfigured + "/zone"));
  ASSERT_TRUE(zones.ok()) << zones.error();
  ASSERT_EQ(zones->size(), 1u);
  EXPECT_EQ((*zones)[0].origin, wire_name("gslb.example.test."));
  EXPECT_EQ((*zones)[0].records[4].owner, wire_name("www.gslb.example.test."));
  auto snap = build_snapshot(*zones);
  ASSERT_TRUE(snap.ok()) << snap.error();
}

TEST(ZonesFromRows, AFileNamingAnotherZoneIsAnErrorNamingBoth) {
  auto zones = zones_from_rows(file_zone_rows(kConfigured + "/other_origin.zone"));
  ASSERT_FALSE(zones.ok());
  EXPECT_EQ(zones.error().rfind("zone gslb.example.test.: " + kConfigured + kContradiction, 0), 0u)
      << zones.error();
}

class ConfiguredZoneDocument : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gslbd-configured-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto s = Store::open(dir_ + "/gslb.db");
    ASSERT_TRUE(s.ok()) << s.error();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static std::string doc(const std::string& file) {
    return json{{"zones", {{{"name", "gslb.example.test"}, {"file", file}}}}}.dump();
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ConfiguredZoneDocument, AFileWithoutOriginServesAsTheDocumentsZone) {
  auto r = apply_document(*store_, doc(kConfigured + "/zone"), false);
  ASSERT_TRUE(r.ok()) << r.error();
  auto rows = store_->load_config();
  ASSERT_TRUE(rows.ok()) << rows.error();
  auto zones = zones_from_rows(*rows);
  ASSERT_TRUE(zones.ok()) << zones.error();
  ASSERT_EQ(zones->size(), 1u);
  EXPECT_EQ((*zones)[0].origin, wire_name("gslb.example.test."));
  EXPECT_EQ((*zones)[0].records[6].owner, wire_name("host.sub.gslb.example.test."));
}

TEST_F(ConfiguredZoneDocument, AContradictingOriginIsRefusedAndChangesNothing) {
  const int64_t generation = *store_->config_generation();
  for (bool dry_run : {true, false}) {
    auto r = apply_document(*store_, doc(kConfigured + "/other_origin.zone"), dry_run);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().rfind("zones[0].file: " + kConfigured + kContradiction, 0), 0u)
        << r.error();
  }
  EXPECT_EQ(*store_->config_generation(), generation);
  auto rows = store_->load_config();
  ASSERT_TRUE(rows.ok()) << rows.error();
  EXPECT_TRUE(rows->zones.empty());
}

}  // namespace
}  // namespace gslb
