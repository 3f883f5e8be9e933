// GeoFiles (zones/geo/geo_files.h): loading the configured MMDB files, reloading the ones that
// change, keeping the last good copy through a missing or corrupt file (one log line per
// problem), and recovering.
#include "zones/geo/geo_files.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/unit/zones/geo_fixtures.h"
#include "zones/geo/geo_code.h"

namespace gslb {
namespace {

using testing::TempDir;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

constexpr std::string_view kJapan = R"({"network":"192.0.2.0/24","country":"JP"})";
constexpr std::string_view kFrance = R"({"network":"192.0.2.0/24","country":"FR"})";

class GeoFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::write_mmdb(japan_, kJapan));
    ASSERT_TRUE(testing::write_mmdb(france_, kFrance));
  }
  // Replaces the configured file by a copy of `from`: in place (as cp does) or by rename.
  void install(const std::string& from, bool in_place = false) {
    namespace fs = std::filesystem;
    if (in_place) {
      fs::copy_file(from, path_, fs::copy_options::overwrite_existing);
    } else {
      fs::copy_file(from, path_ + ".new", fs::copy_options::overwrite_existing);
      fs::rename(path_ + ".new", path_);
    }
  }
  std::string country_at_192_0_2_1() const {
    auto db = files_.get("country");
    if (db == nullptr) return "(none)";
    const uint8_t a[4] = {192, 0, 2, 1};
    return geo_code_text(db->lookup(4, a, 32).country);
  }

  TempDir dir_;
  std::string japan_ = dir_.file("japan.mmdb"), france_ = dir_.file("france.mmdb");
  std::string path_ = dir_.file("country.mmdb");
  std::map<std::string, std::string> configured_ = {{"country", path_}};
  int64_t now_ = 1000;
  GeoFiles files_{[this] { return now_; }};
};

TEST_F(GeoFilesTest, LoadsThenReloadsOnlyWhenTheFileChanges) {
  install(japan_);
  EXPECT_TRUE(files_.refresh(configured_));
  EXPECT_EQ(country_at_192_0_2_1(), "JP");
  EXPECT_TRUE(files_.healthy());
  auto st = files_.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].kind, "country");
  EXPECT_EQ(st[0].path, path_);
  EXPECT_TRUE(st[0].loaded);
  EXPECT_EQ(st[0].error, "");
  EXPECT_EQ(st[0].loaded_at_ms, 1000);
  EXPECT_EQ(st[0].database_type, "GSLBD-Test-City");
  EXPECT_EQ(st[0].records, 1u);

  now_ = 2000;
  EXPECT_FALSE(files_.refresh(configured_));
  EXPECT_EQ(files_.status()[0].loaded_at_ms, 1000);

  install(france_);
  EXPECT_TRUE(files_.refresh(configured_));
  EXPECT_EQ(country_at_192_0_2_1(), "FR");
  EXPECT_EQ(files_.status()[0].loaded_at_ms, 2000);

  install(japan_, true);
  EXPECT_TRUE(files_.refresh(configured_));
  EXPECT_EQ(country_at_192_0_2_1(), "JP");
}

TEST_F(GeoFilesTest, ABrokenFileKeepsTheLastGoodCopyAndIsLoggedOnce) {
  install(japan_);
  ASSERT_TRUE(files_.refresh(configured_));
  auto held = files_.get("country");

  ::testing::internal::CaptureStderr();
  std::ofstream(path_, std::ios::trunc) << "not an mmdb";
  const bool corrupt_changed = files_.refresh(configured_);
  const bool corrupt_again = files_.refresh(configured_);
  const bool healthy_while_corrupt = files_.healthy();
  const auto corrupt_status = files_.status();
  std::remove(path_.c_str());
  const bool missing_changed = files_.refresh(configured_);
  files_.refresh(configured_);
  install(france_);
  const bool recovered_changed = files_.refresh(configured_);
  const std::string log = ::testing::internal::GetCapturedStderr();

  EXPECT_FALSE(corrupt_changed);
  EXPECT_FALSE(corrupt_again);
  EXPECT_FALSE(healthy_while_corrupt);
  ASSERT_EQ(corrupt_status.size(), 1u);
  EXPECT_TRUE(corrupt_status[0].loaded);
  EXPECT_EQ(corrupt_status[0].error, path_ +
                                         ": not an MMDB file (The MaxMind DB file contains "
                                         "invalid metadata)");
  EXPECT_FALSE(missing_changed);
  EXPECT_TRUE(recovered_changed);
  EXPECT_EQ(country_at_192_0_2_1(), "FR");
  EXPECT_TRUE(files_.healthy());
  EXPECT_EQ(files_.status()[0].error, "");
  // One line per problem, each naming the file, and one for the recovery.
  EXPECT_EQ(count(log, "\n"), 3u) << log;
  EXPECT_EQ(count(log, "geo country: " + path_ + ": not an MMDB file"), 1u) << log;
  EXPECT_EQ(count(log, "geo country: " + path_ + ": cannot open (No such file"), 1u) << log;
  EXPECT_EQ(count(log, "keeping the copy loaded before"), 2u) << log;
  EXPECT_EQ(count(log, "geo country: loaded again " + path_), 1u) << log;
  // The copy held through the trouble was the first one, untouched.
  EXPECT_NE(held, files_.get("country"));
}

TEST_F(GeoFilesTest, AFileNeverLoadedIsUnhealthyWithNothingHeld) {
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(files_.refresh(configured_));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(files_.get("country"), nullptr);
  EXPECT_FALSE(files_.healthy());
  ASSERT_EQ(files_.status().size(), 1u);
  EXPECT_FALSE(files_.status()[0].loaded);
  EXPECT_EQ(count(log, "no copy to keep"), 1u) << log;

  install(japan_);
  EXPECT_TRUE(files_.refresh(configured_));
  EXPECT_TRUE(files_.healthy());
}

TEST_F(GeoFilesTest, AKindNoLongerConfiguredIsDropped) {
  install(japan_);
  ASSERT_TRUE(files_.refresh(configured_));
  EXPECT_TRUE(files_.refresh({}));
  EXPECT_EQ(files_.get("country"), nullptr);
  EXPECT_TRUE(files_.status().empty());
  EXPECT_TRUE(files_.healthy());
}

}  // namespace
}  // namespace gslb
