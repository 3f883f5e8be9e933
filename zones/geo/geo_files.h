// GeoFiles: the configured MMDB files (kind -> path, e.g. "country" -> /var/lib/GeoIP/...),
// reloaded when they change on disk. A reload that fails keeps the last good database of that
// kind, so a truncated download never takes geo steering away. NOT the hot path: the caller
// refreshes from its reload loop and builds its snapshot from get(); status() and healthy() may
// be read from any thread (a mutex inside), refresh() calls are serialised.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "zones/geo/geo_database.h"

namespace gslb {

struct GeoFileStatus {
  std::string kind;  // the document's key: "country", "asn", "city" ...
  std::string path;
  bool loaded = false;       // a good copy is held (maybe an older one than the file now on disk)
  std::string error;         // the last load problem ("" when the last load worked)
  int64_t loaded_at_ms = 0;  // wall clock of the load that is held
  std::string database_type;
  size_t records = 0;
};

class GeoFiles {
 public:
  // `now_ms`: the wall clock in ms (tests pass a fake one).
  GeoFiles();
  explicit GeoFiles(std::function<int64_t()> now_ms);

  // Sets the configured files (kind -> path) and (re)loads whatever is new or changed on disk
  // (stat: device, inode, size, mtime in ns). A file that is missing or corrupt keeps the last
  // good database of that kind (if any), logs ONE line naming the file and the problem (not
  // again until the problem changes or it recovers; recovery logs one line too), and shows in
  // status(). A kind no longer configured is dropped. Returns true when any held database
  // changed (the caller then rebuilds its snapshot).
  bool refresh(const std::map<std::string, std::string>& configured);
  std::shared_ptr<const GeoDatabase> get(const std::string& kind) const;  // null if none held
  std::vector<GeoFileStatus> status() const;  // copy, safe from another thread (mutex inside)
  bool healthy() const;                       // every configured file loaded and no error

 private:
  // What stat(2) says of a file: any difference means it was replaced or rewritten.
  struct Stamp {
    uint64_t device = 0, inode = 0;
    int64_t size = 0, mtime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  struct File {
    std::string path;
    std::shared_ptr<const GeoDatabase> db;
    Stamp loaded_stamp;  // of the file `db` came from
    int64_t loaded_at_ms = 0;
    std::string error;
    // The file that failed to load: not tried again until it changes.
    bool failed = false;
    Stamp failed_stamp;
  };

  std::function<int64_t()> now_ms_;
  std::mutex refresh_mu_;  // one refresh at a time; loads happen outside mu_
  mutable std::mutex mu_;
  std::map<std::string, File> files_;  // GUARDED_BY(mu_)
};

}  // namespace gslb
