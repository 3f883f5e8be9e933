// SnapshotUpdater: keeps the served Snapshot in step with the database and the zone files.
// A thread polls PRAGMA data_version every 100 ms; a config change (zones, records, services,
// members, checks) rebuilds everything, a health-only change rebuilds just the service table
// (sharing the zones), and health is re-folded every second so staleness takes effect and
// slow-start ramps (zones/model/slow_start.h) move on. Any
// failure (locked, missing, corrupt, truncated or deleted database; bad row; bad zone file)
// keeps the last good Snapshot serving and logs one line, naming the file, when the failure
// starts (or changes) and one when it ends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "zones/base/result.h"
#include "zones/dns/zone_data.h"
#include "zones/geo/geo_files.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/slow_start.h"
#include "zones/model/snapshot_holder.h"
#include "zones/store/store.h"
#include "zones/store/store_rows.h"
#include "zones/zonefile/zone_file.h"

namespace gslb {

// What /readyz and /metrics report; written by the polling thread, read from any.
struct UpdaterStats {
  std::atomic<int64_t> checked_ms{0};  // last poll that read the database (or files) fine
  std::atomic<int64_t> built_ms{0};    // when the served snapshot was built
  std::atomic<int64_t> build_us{0};    // how long its build took
  std::atomic<uint64_t> builds{0}, failures{0};
  // Reload requests (SIGHUP) carried out, the new zones published or the failure logged: what
  // systemd's RELOADING=1 waits for before READY=1.
  std::atomic<uint64_t> reloads{0};
  // The MMDB files of the document's "geoip" (status() is safe from any thread); set by the
  // updater that owns them.
  const GeoFiles* geo = nullptr;
};

class SnapshotUpdater {
 public:
  // `db_path` empty: zone files only.
  SnapshotUpdater(std::string db_path, std::vector<ConfiguredZoneFile> zone_files);
  ~SnapshotUpdater();

  // Loads the zone files and, when it can, the database. Zone-file errors are fatal here (the
  // operator is watching); a database problem is logged and retried by the thread.
  Result<std::shared_ptr<const Snapshot>> initial(int64_t now_ms);

  void start(SnapshotHolder& holder);
  void stop();
  // Re-reads the zone files at the next poll (SIGHUP).
  void request_reload() { reload_files_ = true; }

  // One polling step; returns a new Snapshot to publish, or nullptr when nothing changed (or a
  // failure kept the old one). Exposed for tests.
  std::shared_ptr<const Snapshot> poll(int64_t now_ms);

  const UpdaterStats& stats() const { return stats_; }
  // The MMDB files of the document's "geoip", as last loaded (status() is safe from any thread).
  const GeoFiles& geo_files() const { return geo_files_; }

 private:
  Result<std::shared_ptr<const Snapshot>> full_rebuild(int64_t now_ms);
  Result<std::shared_ptr<const Snapshot>> health_rebuild(int64_t now_ms, bool geo_changed = false);
  Result<void> load_files();
  // Loads the geoip files `config` names when they are new or changed; true when any changed.
  bool refresh_geo(const ConfigRows& config);
  GeoSources geo_sources() const;
  void report(const std::string& error);

  std::string db_path_;
  SlowStart slow_start_;  // ramps across builds
  std::vector<ConfiguredZoneFile> zone_files_;
  std::vector<ZoneData> file_zones_;
  std::set<std::string> guessed_origin_logged_;  // paths: the guess is news once, not per reload
  // What stat(2) says of the database file. SQLite's data_version moves only with commits made
  // through SQLite, so a size or mtime that moved without it means something else wrote the
  // file (a restore with cp, a disk fault, a stray dd): the page cache may be stale or the
  // file damaged, so the connection is reopened and checked.
  struct FileStamp {
    uint64_t inode = 0, device = 0, size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  Result<void> open_store(const FileStamp& stamp);

  std::unique_ptr<Store> store_;
  bool opened_once_ = false;  // after the first open, a missing file is an error, not a new db
  FileStamp store_stamp_;     // as of the last good poll
  FileStamp damaged_stamp_;   // the file as it was when quick_check failed: no use re-checking
  std::shared_ptr<const Snapshot> current_;
  ConfigRows config_;
  bool have_config_ = false;
  int64_t data_version_ = -1;
  int64_t config_generation_ = -1;
  int64_t last_health_ms_ = 0;
  uint64_t health_fingerprint_ = 0;
  std::string last_error_;
  std::atomic<bool> reload_files_{false};
  bool polled_reload_ = false;  // the last poll() carried out a reload request
  std::string reload_done_;     // the log line of a reload, written after its publish

  UpdaterStats stats_;
  GeoFiles geo_files_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

int64_t now_unix_ms();

}  // namespace gslb
