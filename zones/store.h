// Store: the gslbd database (SQLite, one file, WAL mode). Every read and write of configuration
// and observations goes through here, so the source of truth can change without touching the
// Snapshot builder. One Store per thread (an SQLite connection is not shared); any number of
// Stores may open the same file, in this process or others.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "zones/result.h"
#include "zones/store_rows.h"

struct sqlite3;

namespace gslb {

class Store {
 public:
  // Opens (creating if needed) the database at `path`, sets WAL mode, a busy timeout and
  // foreign keys, and applies pending schema migrations (PRAGMA user_version).
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // PRAGMA data_version: changes when another connection commits (cheap; poll it).
  Result<int64_t> data_version();
  // Bumped by triggers on every change of zones, records, checks, services or members, and not
  // by observations: tells a config change from a health-only change.
  Result<int64_t> config_generation();

  // Consistent reads (each in one read transaction).
  Result<ConfigRows> load_config();
  Result<HealthRows> load_health();

  // Writes one observation per (agent, member), replacing the previous one; one transaction.
  Result<void> write_observations(const std::vector<ObservationRow>& rows);

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace gslb
