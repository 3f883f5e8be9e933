// SnapshotUpdater: how each --zone is read and the one log line an origin guessed from a file
// name gets; and a database that is deleted, truncated or damaged under it: one log line naming
// the file, the last good Snapshot kept, and recovery once the file is good again.
#include "server/snapshot_updater.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "zones/config/config_document.h"
#include "zones/store/store.h"

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

// A database with one GSLB service, and an updater serving it.
class SnapshotUpdaterDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gslbd-updater-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = dir_ + "/gslb.db";
    write_config();
    updater_ = std::make_unique<SnapshotUpdater>(db_, std::vector<ConfiguredZoneFile>{});
    auto snap = updater_->initial(0);
    ASSERT_TRUE(snap.ok()) << snap.error();
    ASSERT_EQ((*snap)->services().size(), 1u);
    served_ = *snap;
  }
  void TearDown() override {
    updater_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void write_config(const std::string& path = {}) {
    auto store = Store::open(path.empty() ? db_ : path);
    ASSERT_TRUE(store.ok()) << store.error();
    auto r = apply_document(**store, R"({"zones": [{"name": "gslb.test",
        "soa": {"mname": "ns1.gslb.test.", "rname": "h.gslb.test.", "serial": 1},
        "ns": ["ns1.gslb.test."]}],
      "services": [{"name": "app.gslb.test", "policy": "weighted",
        "members": [{"name": "a", "address": "192.0.2.1"}]}]})",
                            false);
    ASSERT_TRUE(r.ok()) << r.error();
  }

  // Polls a few times as the thread would, capturing what is logged; true when every poll
  // kept the served Snapshot.
  bool poll_keeps_serving(std::string& log, int polls = 3) {
    bool kept = true;
    ::testing::internal::CaptureStderr();
    for (int i = 0; i < polls; ++i)
      if (updater_->poll(1000 * (i + 1)) != nullptr) kept = false;
    log = ::testing::internal::GetCapturedStderr();
    return kept;
  }

  std::string dir_, db_;
  std::unique_ptr<SnapshotUpdater> updater_;
  std::shared_ptr<const Snapshot> served_;
};

TEST_F(SnapshotUpdaterDatabase, ADeletedFileIsLoggedOnceAndTheLastGoodDataKept) {
  ASSERT_EQ(unlink(db_.c_str()), 0);
  std::string log;
  EXPECT_TRUE(poll_keeps_serving(log));
  EXPECT_EQ(count(log, db_ + ": the database file is gone"), 1u) << log;
  EXPECT_EQ(count(log, "still serving the last good data"), 1u) << log;
  EXPECT_GE(updater_->stats().failures.load(), 3u);

  write_config();  // restored: served again without a restart, and said so once
  ::testing::internal::CaptureStderr();
  auto next = updater_->poll(5000);
  log = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->services().size(), 1u);
  EXPECT_EQ(count(log, "snapshot updates resumed"), 1u) << log;
}

TEST_F(SnapshotUpdaterDatabase, ATruncatedFileIsNotServedAsAnEmptyConfiguration) {
  ASSERT_EQ(truncate(db_.c_str(), 0), 0);
  std::string log;
  EXPECT_TRUE(poll_keeps_serving(log));
  EXPECT_EQ(count(log, db_ + ": the database file is empty"), 1u) << log;
}

TEST_F(SnapshotUpdaterDatabase, PagesDamagedInPlaceAreFoundAndLoggedOnce) {
  // Garbage over every page but the header, written behind SQLite's back (same inode, same
  // size, new mtime): the open connection's cache would still answer from the old pages.
  struct stat st;
  ASSERT_EQ(stat(db_.c_str(), &st), 0);
  ASSERT_GT(st.st_size, 4096);
  int fd = ::open(db_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  std::string junk(static_cast<size_t>(st.st_size) - 4096, '\x5a');
  ASSERT_EQ(pwrite(fd, junk.data(), junk.size(), 4096), static_cast<ssize_t>(junk.size()));
  ::close(fd);
  std::string log;
  EXPECT_TRUE(poll_keeps_serving(log, 5));
  EXPECT_EQ(count(log, db_ + ": "), 1u) << log;
  EXPECT_EQ(count(log, "still serving the last good data"), 1u) << log;

  // A good file moved into place (a restored backup) is picked up.
  write_config(dir_ + "/restored.db");
  ASSERT_EQ(rename((dir_ + "/restored.db").c_str(), db_.c_str()), 0);
  unlink((db_ + "-wal").c_str());
  unlink((db_ + "-shm").c_str());
  ::testing::internal::CaptureStderr();
  auto next = updater_->poll(9000);
  log = ::testing::internal::GetCapturedStderr();
  ASSERT_NE(next, nullptr) << log;
  EXPECT_EQ(next->services().size(), 1u);
  EXPECT_EQ(count(log, "snapshot updates resumed"), 1u) << log;
}

}  // namespace
}  // namespace gslb
