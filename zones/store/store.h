// Store: the gslbd database (SQLite, one file, WAL mode). Every read and write of configuration
// and observations goes through here, so the source of truth can change without touching the
// Snapshot builder. One Store per thread (an SQLite connection is not shared); any number of
// Stores may open the same file, in this process or others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zones/base/result.h"
#include "zones/store/store_rows.h"

struct sqlite3;

namespace gslb {

class Store {
 public:
  // Opens (creating if needed) the database at `path`, sets WAL mode, a busy timeout and
  // foreign keys, and applies pending schema migrations (PRAGMA user_version).
  // `create` false: a missing file is an error (a running server must not silently replace a
  // database that disappeared with an empty one), and so is an empty (truncated) one.
  static Result<std::unique_ptr<Store>> open(const std::string& path, bool create = true);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // PRAGMA data_version: changes when another connection commits (cheap; poll it).
  Result<int64_t> data_version();
  // Bumped by triggers on every change of zones, records, checks, services, members or
  // client_subnets, and not by observations: tells a config change from a health-only change.
  Result<int64_t> config_generation();
  // PRAGMA quick_check: reads every page, so damage outside the tables we load is found too.
  // O(file size); for when the file was written by something other than SQLite.
  Result<void> quick_check();

  // Consistent reads (each in one read transaction).
  Result<ConfigRows> load_config();
  Result<HealthRows> load_health();

  // Writes one observation per (agent, member), replacing the previous one; one transaction.
  // Also: records an events row when an (agent, member) pair's up state changes (or is first
  // seen), keeping the newest 10000 events; creates the agent row if missing and moves its
  // last_seen_ms forward. Rows naming a member that no longer exists are skipped (a config
  // change raced the probe), not an error.
  Result<void> write_observations(const std::vector<ObservationRow>& rows);

  // --- additions below (not part of the first interface) ---

  // Health transitions, newest first; member_id 0 means all members.
  Result<std::vector<EventRow>> load_events(int64_t member_id, size_t limit);
  // The time of each member's newest health transition (member id -> at_ms).
  Result<std::vector<std::pair<int64_t, int64_t>>> last_event_times();
  // Creates or updates an agent (its region and last_seen_ms).
  Result<void> upsert_agent(const AgentRow& row);

  // Write transactions: begin_write() takes the write lock at once (BEGIN IMMEDIATE, waiting up
  // to the busy timeout), so the row writes below between it and commit() are one atomic change.
  // Outside one, each write is its own transaction. load_config/load_health inside a transaction
  // read its own uncommitted writes. rollback() is a no-op outside a transaction.
  Result<void> begin_write();
  Result<void> commit();
  void rollback();
  bool in_transaction() const;

  // Row writes, checked by the schema's constraints (an error names the file and constraint).
  // Inserts ignore row.id and return the new id; updates and deletes address row.id and fail
  // when no such row exists. Deletes cascade: a zone takes its records and services, a service
  // its members, a member its observations and events; deleting a check clears references.
  // update_member writes drained_at_ms too (copy it from the current row to preserve it).
  Result<int64_t> insert_zone(const ZoneRow& row);
  Result<void> update_zone(const ZoneRow& row);
  Result<void> delete_zone(int64_t id);
  Result<int64_t> insert_record(const RecordRow& row);
  Result<void> delete_record(int64_t id);
  Result<int64_t> insert_check(const CheckRow& row);
  Result<void> update_check(const CheckRow& row);
  Result<void> delete_check(int64_t id);
  Result<int64_t> insert_service(const ServiceRow& row);
  Result<void> update_service(const ServiceRow& row);
  Result<void> delete_service(int64_t id);
  Result<int64_t> insert_member(const MemberRow& row);
  Result<void> update_member(const MemberRow& row);
  Result<void> delete_member(int64_t id);
  Result<int64_t> insert_client_subnet(const ClientSubnetRow& row);
  Result<void> delete_client_subnet(int64_t id);
  Result<int64_t> insert_geoip_file(const GeoipFileRow& row);
  Result<void> update_geoip_file(const GeoipFileRow& row);
  Result<void> delete_geoip_file(int64_t id);
  // Drains a member since `at_ms`, or undrains it (nullopt). Operational state: a config
  // document apply keeps it. Fails when no such member exists.
  Result<void> set_member_drained(int64_t member_id, std::optional<int64_t> at_ms);

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

}  // namespace gslb
