#include "zones/geo/geo_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "zones/base/log.h"

namespace gslb {
namespace {

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string describe(const GeoDatabase& db) {
  return db.database_type() + ", " + std::to_string(db.record_count()) + " records, " +
         std::to_string(db.node_count()) + " nodes";
}

}  // namespace

GeoFiles::GeoFiles() : GeoFiles(wall_clock_ms) {}

GeoFiles::GeoFiles(std::function<int64_t()> now_ms) : now_ms_(std::move(now_ms)) {}

bool GeoFiles::refresh(const std::map<std::string, std::string>& configured) {
  std::lock_guard refreshing(refresh_mu_);
  std::map<std::string, File> next;
  {
    std::lock_guard lock(mu_);
    next = files_;
  }
  bool changed = false;
  for (auto it = next.begin(); it != next.end();) {
    if (configured.count(it->first) != 0) {
      ++it;
      continue;
    }
    changed |= it->second.db != nullptr;
    it = next.erase(it);
  }

  for (const auto& [kind, path] : configured) {
    File& f = next[kind];
    const bool same_path = f.path == path;
    f.path = path;
    const std::string label = "geo " + kind + ": ";
    std::string problem;
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      problem = path + ": cannot open (" + strerror(errno) + ")";
    } else {
      const Stamp stamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                        static_cast<int64_t>(st.st_size),
                        int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
      if (same_path && f.db != nullptr && stamp == f.loaded_stamp) {
        // The file that is held is back (moved away and back, or a passing stat error).
        if (!f.error.empty()) log_info(label + path + ": readable again, unchanged");
        f.error.clear();
        f.failed = false;
        continue;
      }
      if (same_path && f.failed && stamp == f.failed_stamp) continue;  // said already
      // The stamp is taken before reading: a file rewritten meanwhile differs next time and is
      // read again.
      auto db = GeoDatabase::open(path);
      if (db.ok()) {
        log_info(label + (f.error.empty() ? "loaded " : "loaded again ") + path + " (" +
                 describe(**db) + ")");
        f.db = *db;
        f.loaded_stamp = stamp;
        f.loaded_at_ms = now_ms_();
        f.error.clear();
        f.failed = false;
        changed = true;
        continue;
      }
      problem = db.error();
      f.failed = true;
      f.failed_stamp = stamp;
    }
    if (problem != f.error) {
      log_warn(label + problem +
               (f.db != nullptr ? "; keeping the copy loaded before" : "; no copy to keep"));
    }
    f.error = problem;
  }

  std::lock_guard lock(mu_);
  files_ = std::move(next);
  return changed;
}

std::shared_ptr<const GeoDatabase> GeoFiles::get(const std::string& kind) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(kind);
  return it == files_.end() ? nullptr : it->second.db;
}

std::vector<GeoFileStatus> GeoFiles::status() const {
  std::lock_guard lock(mu_);
  std::vector<GeoFileStatus> out;
  for (const auto& [kind, f] : files_) {
    GeoFileStatus s;
    s.kind = kind;
    s.path = f.path;
    s.loaded = f.db != nullptr;
    s.error = f.error;
    s.loaded_at_ms = f.loaded_at_ms;
    if (f.db != nullptr) {
      s.database_type = f.db->database_type();
      s.records = f.db->record_count();
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool GeoFiles::healthy() const {
  std::lock_guard lock(mu_);
  for (const auto& [kind, f] : files_)
    if (f.db == nullptr || !f.error.empty()) return false;
  return true;
}

}  // namespace gslb
