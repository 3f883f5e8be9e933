// SnapshotUpdater over zone files only (no database): how each --zone is read, and the one log
// line an origin guessed from a file name gets.
#include "server/snapshot_updater.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/testing/packet_builder.h"

namespace gslb {
namespace {

std::string data(const std::string& file) {
  return std::string(GSLBD_TEST_DATA) + "/" + file;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(SnapshotUpdaterZoneFiles, AZoneNamedOnTheCommandLineIsReadAsThatZone) {
  SnapshotUpdater updater("", {{"gslb.example.test", data("configured/zone")}});
  auto snap = updater.initial(0);
  ASSERT_TRUE(snap.ok()) << snap.error();
  ASSERT_EQ((*snap)->zone_set()->zones.size(), 1u);
  EXPECT_EQ((*snap)->zone_set()->zones[0]->origin, testing::wire_name("gslb.example.test."));
}

TEST(SnapshotUpdaterZoneFiles, AnOriginFromTheFileNameIsLoggedOnceAcrossReloads) {
  ::testing::internal::CaptureStderr();
  {
    SnapshotUpdater updater("", {{"", data("implied.test.zone")},
                                 {"", data("example.test.zone")},
                                 {"other.test", data("implied.test.zone")}});
    // No ASSERT while stderr is captured: the capture must end below.
    auto snap = updater.initial(0);
    EXPECT_TRUE(snap.ok()) << snap.error();
    for (int i = 0; i < 2; ++i) {
      updater.request_reload();
      EXPECT_NE(updater.poll(0), nullptr);
    }
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(count(log, "taken from the file name"), 1u) << log;
  EXPECT_EQ(count(log, data("implied.test.zone") + " has no $ORIGIN and no absolute SOA owner: "
                                                   "serving it as zone implied.test., taken from "
                                                   "the file name (--zone implied.test.="),
            1u)
      << log;
  EXPECT_EQ(count(log, "example.test.zone has no"), 0u) << log;
}

}  // namespace
}  // namespace gslb
