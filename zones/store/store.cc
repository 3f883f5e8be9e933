// Store: the sqlite3 C API behind zones/store.h. Every statement is prepared with its values
// bound as parameters. The schema and its migrations are in zones/store_schema.cc.
#include "zones/store/store.h"

#include <sys/stat.h>

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "zones/store/key_values_json.h"
#include "zones/store/store_sql.h"

namespace gslb {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int64_t kEventsKept = 10000;

// A transaction for one Store call, unless the caller already holds one (then the call joins
// it and the caller commits). Rolls back when left without finish().
class Scope {
 public:
  Scope(sqlite3* db, const std::string& path) : db_(db), path_(path) {}
  ~Scope() {
    if (own_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  // `write`: take the write lock now (BEGIN IMMEDIATE), so the busy timeout applies here and
  // not at a later upgrade from a read lock, which SQLite cannot wait for.
  Result<void> begin(bool write) {
    if (!sqlite3_get_autocommit(db_)) return {};
    if (auto r = sql::exec(db_, path_, write ? "BEGIN IMMEDIATE" : "BEGIN"); !r) return r;
    own_ = true;
    return {};
  }
  Result<void> finish() {
    if (!own_) return {};
    own_ = false;
    if (auto r = sql::exec(db_, path_, "COMMIT"); !r) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return r;
    }
    return {};
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  bool own_ = false;
};

// Runs a query and calls `f(stmt)` for each row.
template <typename F>
Result<void> each_row(sqlite3* db, const std::string& path, const char* query, F&& f) {
  sql::Stmt s(db, query);
  if (!s.prepared()) return sql::error(db, path);
  for (;;) {
    int rc = s.step();
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return sql::error(db, path);
    f(s);
  }
}

// Runs a prepared, bound statement that returns no rows.
Result<void> run(sqlite3* db, const std::string& path, sql::Stmt& s) {
  if (!s.prepared()) return sql::error(db, path);
  if (s.step() != SQLITE_DONE) return sql::error(db, path);
  return {};
}

Result<int64_t> run_insert(sqlite3* db, const std::string& path, sql::Stmt& s) {
  if (auto r = run(db, path, s); !r) return r.failure();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db));
}

// An update or delete addressed by id: finding no row is an error.
Result<void> run_one(sqlite3* db, const std::string& path, sql::Stmt& s, const char* what,
                     int64_t id) {
  if (auto r = run(db, path, s); !r) return r;
  if (sqlite3_changes(db) == 0)
    return make_error(ErrorKind::not_found,
                      path + ": no " + std::string(what) + " with id " + std::to_string(id), path);
  return {};
}

Result<void> delete_by_id(sqlite3* db, const std::string& path, const char* query, const char* what,
                          int64_t id) {
  sql::Stmt s(db, query);
  s.bind(1, id);
  return run_one(db, path, s, what, id);
}

const char* state_name(bool up) {
  return up ? "up" : "down";
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, bool create) {
  // SQLite takes an empty file for a new database and would give it an empty schema: a file
  // truncated under a running server must be an error, not an empty configuration to serve.
  struct stat st;
  if (!create && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
    return make_error(ErrorKind::corrupt, path + ": the database file is empty (truncated?)", path);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), nullptr);
  std::unique_ptr<Store> store(new Store(raw, path));  // closes `raw` on every path out
  if (raw == nullptr)
    return make_error(ErrorKind::internal, path + ": out of memory opening the database", path);
  if (rc != SQLITE_OK) return sql::error(raw, path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // foreign_keys is per connection and off by default: without it ON DELETE CASCADE is inert.
  // journal_mode is the first statement that reads the file, so a file that is not a database
  // fails here ("x.db: file is not a database").
  for (const char* pragma :
       {"PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"}) {
    if (auto r = sql::exec(raw, path, pragma); !r) return r.failure();
  }
  if (auto r = sql::migrate(raw, path); !r) return r.failure();
  return store;
}

Store::~Store() {
  sqlite3_close_v2(db_);
}

Result<int64_t> Store::data_version() {
  return sql::query_int(db_, path_, "PRAGMA data_version");
}

Result<int64_t> Store::config_generation() {
  return sql::query_int(db_, path_, "SELECT value FROM meta WHERE key = 'config_generation'");
}

Result<void> Store::quick_check() {
  sql::Stmt s(db_, "PRAGMA quick_check(1)");
  if (!s.prepared()) return sql::error(db_, path_);
  const int rc = s.step();
  if (rc != SQLITE_ROW) return sql::error(db_, path_);
  const std::string verdict = s.text(0);
  if (verdict == "ok") return {};
  return make_error(ErrorKind::corrupt,
                    path_ + ": database disk image is malformed (" + verdict + ")", path_);
}

Result<ConfigRows> Store::load_config() {
  ConfigRows out;
  Scope txn(db_, path_);
  if (auto r = txn.begin(false); !r) return r.failure();
  auto zones = each_row(db_, path_,
                        "SELECT id, name, file, soa_mname, soa_rname, soa_serial, soa_refresh, "
                        "soa_retry, soa_expire, soa_minimum, ttl FROM zones ORDER BY id",
                        [&](const sql::Stmt& s) {
                          ZoneRow z;
                          z.id = s.i64(0);
                          z.name = s.text(1);
                          z.file = s.text(2);
                          z.soa_mname = s.text(3);
                          z.soa_rname = s.text(4);
                          z.soa_serial = s.u32(5);
                          z.soa_refresh = s.u32(6);
                          z.soa_retry = s.u32(7);
                          z.soa_expire = s.u32(8);
                          z.soa_minimum = s.u32(9);
                          z.ttl = s.u32(10);
                          out.zones.push_back(std::move(z));
                        });
  if (!zones) return zones.failure();
  auto records =
      each_row(db_, path_, "SELECT id, zone_id, name, type, ttl, rdata FROM records ORDER BY id",
               [&](const sql::Stmt& s) {
                 RecordRow r;
                 r.id = s.i64(0);
                 r.zone_id = s.i64(1);
                 r.name = s.text(2);
                 r.type = s.text(3);
                 r.ttl = s.u32(4);
                 r.rdata = s.text(5);
                 out.records.push_back(std::move(r));
               });
  if (!records) return records.failure();
  auto checks = each_row(db_, path_,
                         "SELECT id, name, type, port, path, host, expect_status, expect_body, "
                         "interval_ms, timeout_ms, rise, fall, options FROM checks ORDER BY id",
                         [&](const sql::Stmt& s) {
                           CheckRow c;
                           c.id = s.i64(0);
                           c.name = s.text(1);
                           c.type = s.text(2);
                           c.port = s.u32(3);
                           c.path = s.text(4);
                           c.host = s.text(5);
                           c.expect_status = s.text(6);
                           c.expect_body = s.text(7);
                           c.interval_ms = s.u32(8);
                           c.timeout_ms = s.u32(9);
                           c.rise = s.u32(10);
                           c.fall = s.u32(11);
                           c.options_json = s.text(12);
                           out.checks.push_back(std::move(c));
                         });
  if (!checks) return checks.failure();
  std::string bad_options;
  auto services = each_row(
      db_, path_,
      "SELECT id, zone_id, name, policy, ttl, ttl_degraded, answers, fallback, persistence, "
      "persist_v4, persist_v6, quorum, policy_options, min_healthy, "
      "check_id FROM services ORDER BY id",
      [&](const sql::Stmt& s) {
        ServiceRow v;
        v.id = s.i64(0);
        v.zone_id = s.i64(1);
        v.name = s.text(2);
        v.policy = s.text(3);
        v.ttl = s.u32(4);
        v.ttl_degraded = s.opt_u32(5);
        v.answers = s.u32(6);
        v.fallback = s.text(7);
        v.persistence = s.boolean(8);
        v.persist_v4 = s.u32(9);
        v.persist_v6 = s.u32(10);
        v.quorum = s.opt_u32(11);
        // The schema holds it to a JSON object; scalars are all the writer stores.
        auto options = key_values_from_json(s.text(12));
        if (options)
          v.policy_options = std::move(*options);
        else
          bad_options =
              "services row " + std::to_string(v.id) + ": policy_options " + options.error();
        v.min_healthy = s.u32(13);
        v.check_id = s.opt_i64(14);
        out.services.push_back(std::move(v));
      });
  if (!services) return services.failure();
  if (!bad_options.empty())
    return make_error(ErrorKind::corrupt, path_ + ": " + bad_options, path_);
  auto members = each_row(db_, path_,
                          "SELECT id, service_id, name, address, weight, priority, region, "
                          "enabled, drained_at_ms, sorry, check_id FROM members ORDER BY id",
                          [&](const sql::Stmt& s) {
                            MemberRow m;
                            m.id = s.i64(0);
                            m.service_id = s.i64(1);
                            m.name = s.text(2);
                            m.address = s.text(3);
                            m.weight = s.u32(4);
                            m.priority = s.u32(5);
                            m.region = s.text(6);
                            m.enabled = s.boolean(7);
                            m.drained_at_ms = s.opt_i64(8);
                            m.sorry = s.boolean(9);
                            m.check_id = s.opt_i64(10);
                            out.members.push_back(std::move(m));
                          });
  if (!members) return members.failure();
  auto subnets = each_row(db_, path_, "SELECT id, region, subnet FROM client_subnets ORDER BY id",
                          [&](const sql::Stmt& s) {
                            ClientSubnetRow c;
                            c.id = s.i64(0);
                            c.region = s.text(1);
                            c.subnet = s.text(2);
                            out.client_subnets.push_back(std::move(c));
                          });
  if (!subnets) return subnets.failure();
  if (auto r = txn.finish(); !r) return r.failure();
  return out;
}

Result<HealthRows> Store::load_health() {
  HealthRows out;
  Scope txn(db_, path_);
  if (auto r = txn.begin(false); !r) return r.failure();
  auto obs = each_row(db_, path_,
                      "SELECT agent_id, member_id, up, rtt_us, load, checked_at_ms, detail "
                      "FROM observations ORDER BY member_id, agent_id",
                      [&](const sql::Stmt& s) {
                        ObservationRow o;
                        o.agent_id = s.text(0);
                        o.member_id = s.i64(1);
                        o.up = s.boolean(2);
                        o.rtt_us = s.opt_u32(3);
                        if (!s.is_null(4)) o.load = s.real(4);
                        o.checked_at_ms = s.i64(5);
                        o.detail = s.text(6);
                        out.observations.push_back(std::move(o));
                      });
  if (!obs) return obs.failure();
  auto agents = each_row(db_, path_, "SELECT id, region, last_seen_ms FROM agents ORDER BY id",
                         [&](const sql::Stmt& s) {
                           AgentRow a;
                           a.id = s.text(0);
                           a.region = s.text(1);
                           a.last_seen_ms = s.i64(2);
                           out.agents.push_back(std::move(a));
                         });
  if (!agents) return agents.failure();
  if (auto r = txn.finish(); !r) return r.failure();
  return out;
}

Result<void> Store::write_observations(const std::vector<ObservationRow>& rows) {
  Scope txn(db_, path_);
  if (auto r = txn.begin(true); !r) return r;
  // Most rows refresh what this agent said last (same state, new time and RTT): one UPDATE that
  // only matches then does it. A row it does not match (a new state, a first observation, a
  // deleted member) takes the full path: one lookup for both questions (does the member still
  // exist, what did this agent say last), the upsert, and the event. The agent's last-seen time
  // is written once per batch: a batch holds every result of the last 50 ms, 500 rows at
  // 10 000 members a second.
  sql::Stmt refresh(db_,
                    "UPDATE observations SET rtt_us = ?4, load = ?5, checked_at_ms = ?6, "
                    "detail = ?7 WHERE agent_id = ?1 AND member_id = ?2 AND up = ?3");
  sql::Stmt previous(db_,
                     "SELECT o.up FROM members m LEFT JOIN observations o "
                     "ON o.agent_id = ?1 AND o.member_id = m.id WHERE m.id = ?2");
  sql::Stmt upsert(db_,
                   "INSERT INTO observations (agent_id, member_id, up, rtt_us, load, "
                   "checked_at_ms, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                   "ON CONFLICT (agent_id, member_id) DO UPDATE SET up = excluded.up, "
                   "rtt_us = excluded.rtt_us, load = excluded.load, "
                   "checked_at_ms = excluded.checked_at_ms, detail = excluded.detail");
  sql::Stmt event(db_,
                  "INSERT INTO events (member_id, agent_id, old_state, new_state, detail, at_ms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  sql::Stmt agent(db_,
                  "INSERT INTO agents (id, last_seen_ms) VALUES (?1, ?2) ON CONFLICT (id) DO "
                  "UPDATE SET last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)");
  for (sql::Stmt* s : {&refresh, &previous, &upsert, &event, &agent})
    if (!s->prepared()) return sql::error(db_, path_);

  bool any_event = false;
  std::map<std::string, int64_t> last_seen;  // by agent id, over the rows written
  // refresh and upsert number their parameters alike.
  auto bind_row = [](sql::Stmt& st, const ObservationRow& o) -> sql::Stmt& {
    st.reset();
    st.bind(1, o.agent_id)
        .bind(2, o.member_id)
        .bind(3, o.up)
        .bind(4, o.rtt_us)
        .bind(5, o.load)
        .bind(6, o.checked_at_ms)
        .bind(7, o.detail);
    return st;
  };
  auto seen = [&](const ObservationRow& o) {
    auto [at, fresh] = last_seen.try_emplace(o.agent_id, o.checked_at_ms);
    if (!fresh) at->second = std::max(at->second, o.checked_at_ms);
  };
  for (const ObservationRow& o : rows) {
    if (auto r = run(db_, path_, bind_row(refresh, o)); !r) return r;
    if (sqlite3_changes(db_) == 1) {
      seen(o);
      continue;
    }

    previous.reset();
    previous.bind(1, o.agent_id).bind(2, o.member_id);
    int rc = previous.step();
    if (rc == SQLITE_DONE) continue;  // the member was deleted since the probe read its id
    if (rc != SQLITE_ROW) return sql::error(db_, path_);
    const bool known = !previous.is_null(0);
    const bool was_up = known && previous.boolean(0);

    if (auto r = run(db_, path_, bind_row(upsert, o)); !r) return r;

    if (!known || was_up != o.up) {
      event.reset();
      event.bind(1, o.member_id)
          .bind(2, o.agent_id)
          .bind(3, known ? state_name(was_up) : "unknown")
          .bind(4, state_name(o.up))
          .bind(5, o.detail)
          .bind(6, o.checked_at_ms);
      if (auto r = run(db_, path_, event); !r) return r;
      any_event = true;
    }
    seen(o);
  }
  for (const auto& [id, at_ms] : last_seen) {
    agent.reset();
    agent.bind(1, id).bind(2, at_ms);
    if (auto r = run(db_, path_, agent); !r) return r;
  }
  if (any_event) {
    sql::Stmt trim(db_, "DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?1");
    trim.bind(1, kEventsKept);
    if (auto r = run(db_, path_, trim); !r) return r;
  }
  return txn.finish();
}

Result<std::vector<EventRow>> Store::load_events(int64_t member_id, size_t limit) {
  std::vector<EventRow> out;
  sql::Stmt s(db_,
              "SELECT id, member_id, agent_id, old_state, new_state, detail, at_ms FROM events "
              "WHERE ?1 = 0 OR member_id = ?1 ORDER BY id DESC LIMIT ?2");
  if (!s.prepared()) return sql::error(db_, path_);
  s.bind(1, member_id).bind(2, static_cast<int64_t>(limit));
  for (;;) {
    int rc = s.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sql::error(db_, path_);
    EventRow e;
    e.id = s.i64(0);
    e.member_id = s.i64(1);
    e.agent_id = s.text(2);
    e.old_state = s.text(3);
    e.new_state = s.text(4);
    e.detail = s.text(5);
    e.at_ms = s.i64(6);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<std::pair<int64_t, int64_t>>> Store::last_event_times() {
  std::vector<std::pair<int64_t, int64_t>> out;
  auto r = each_row(db_, path_, "SELECT member_id, max(at_ms) FROM events GROUP BY member_id",
                    [&](const sql::Stmt& s) { out.emplace_back(s.i64(0), s.i64(1)); });
  if (!r) return r.failure();
  return out;
}

Result<void> Store::upsert_agent(const AgentRow& row) {
  sql::Stmt s(db_,
              "INSERT INTO agents (id, region, last_seen_ms) VALUES (?1, ?2, ?3) "
              "ON CONFLICT (id) DO UPDATE SET region = excluded.region, "
              "last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)");
  s.bind(1, row.id).bind(2, row.region).bind(3, row.last_seen_ms);
  return run(db_, path_, s);
}

Result<void> Store::begin_write() {
  return sql::exec(db_, path_, "BEGIN IMMEDIATE");
}

Result<void> Store::commit() {
  if (auto r = sql::exec(db_, path_, "COMMIT"); !r) {
    rollback();
    return r;
  }
  return {};
}

void Store::rollback() {
  if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

bool Store::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

// --- row writes ---

namespace {

// Binds a zone's columns from ?2; ?1 is the id for updates.
void bind_zone(sql::Stmt& s, const ZoneRow& z) {
  s.bind(2, z.name)
      .bind(3, z.file)
      .bind(4, z.soa_mname)
      .bind(5, z.soa_rname)
      .bind(6, z.soa_serial)
      .bind(7, z.soa_refresh)
      .bind(8, z.soa_retry)
      .bind(9, z.soa_expire)
      .bind(10, z.soa_minimum)
      .bind(11, z.ttl);
}

void bind_check(sql::Stmt& s, const CheckRow& c) {
  s.bind(2, c.name)
      .bind(3, c.type)
      .bind(4, c.port)
      .bind(5, c.path)
      .bind(6, c.host)
      .bind(7, c.expect_status)
      .bind(8, c.expect_body)
      .bind(9, c.interval_ms)
      .bind(10, c.timeout_ms)
      .bind(11, c.rise)
      .bind(12, c.fall)
      .bind(13, c.options_json.empty() ? std::string("{}") : c.options_json);
}

void bind_service(sql::Stmt& s, const ServiceRow& v) {
  s.bind(2, v.zone_id)
      .bind(3, v.name)
      .bind(4, v.policy)
      .bind(5, v.ttl)
      .bind(6, v.ttl_degraded)
      .bind(7, v.answers)
      .bind(8, v.fallback)
      .bind(9, v.persistence)
      .bind(10, v.persist_v4)
      .bind(11, v.persist_v6)
      .bind(12, v.quorum)
      .bind(13, key_values_json(v.policy_options))
      .bind(14, v.min_healthy)
      .bind(15, v.check_id);
}

void bind_member(sql::Stmt& s, const MemberRow& m) {
  s.bind(2, m.service_id)
      .bind(3, m.name)
      .bind(4, m.address)
      .bind(5, m.weight)
      .bind(6, m.priority)
      .bind(7, m.region)
      .bind(8, m.enabled)
      .bind(9, m.drained_at_ms)
      .bind(10, m.sorry)
      .bind(11, m.check_id);
}

}  // namespace

Result<int64_t> Store::insert_zone(const ZoneRow& row) {
  sql::Stmt s(db_,
              "INSERT INTO zones (name, file, soa_mname, soa_rname, soa_serial, soa_refresh, "
              "soa_retry, soa_expire, soa_minimum, ttl) "
              "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  bind_zone(s, row);
  return run_insert(db_, path_, s);
}

Result<void> Store::update_zone(const ZoneRow& row) {
  sql::Stmt s(db_,
              "UPDATE zones SET name = ?2, file = ?3, soa_mname = ?4, soa_rname = ?5, "
              "soa_serial = ?6, soa_refresh = ?7, soa_retry = ?8, soa_expire = ?9, "
              "soa_minimum = ?10, ttl = ?11 WHERE id = ?1");
  s.bind(1, row.id);
  bind_zone(s, row);
  return run_one(db_, path_, s, "zone", row.id);
}

Result<void> Store::delete_zone(int64_t id) {
  return delete_by_id(db_, path_, "DELETE FROM zones WHERE id = ?1", "zone", id);
}

Result<int64_t> Store::insert_record(const RecordRow& row) {
  sql::Stmt s(db_,
              "INSERT INTO records (zone_id, name, type, ttl, rdata) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, row.zone_id).bind(2, row.name).bind(3, row.type).bind(4, row.ttl).bind(5, row.rdata);
  return run_insert(db_, path_, s);
}

Result<void> Store::delete_record(int64_t id) {
  return delete_by_id(db_, path_, "DELETE FROM records WHERE id = ?1", "record", id);
}

Result<int64_t> Store::insert_check(const CheckRow& row) {
  sql::Stmt s(db_,
              "INSERT INTO checks (name, type, port, path, host, expect_status, expect_body, "
              "interval_ms, timeout_ms, rise, fall, options) "
              "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  bind_check(s, row);
  return run_insert(db_, path_, s);
}

Result<void> Store::update_check(const CheckRow& row) {
  sql::Stmt s(db_,
              "UPDATE checks SET name = ?2, type = ?3, port = ?4, path = ?5, host = ?6, "
              "expect_status = ?7, expect_body = ?8, interval_ms = ?9, timeout_ms = ?10, "
              "rise = ?11, fall = ?12, options = ?13 WHERE id = ?1");
  s.bind(1, row.id);
  bind_check(s, row);
  return run_one(db_, path_, s, "check", row.id);
}

Result<void> Store::delete_check(int64_t id) {
  return delete_by_id(db_, path_, "DELETE FROM checks WHERE id = ?1", "check", id);
}

Result<int64_t> Store::insert_service(const ServiceRow& row) {
  sql::Stmt s(db_,
              "INSERT INTO services (zone_id, name, policy, ttl, ttl_degraded, answers, "
              "fallback, persistence, persist_v4, persist_v6, quorum, policy_options, "
              "min_healthy, check_id) "
              "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  bind_service(s, row);
  return run_insert(db_, path_, s);
}

Result<void> Store::update_service(const ServiceRow& row) {
  sql::Stmt s(db_,
              "UPDATE services SET zone_id = ?2, name = ?3, policy = ?4, ttl = ?5, "
              "ttl_degraded = ?6, answers = ?7, fallback = ?8, persistence = ?9, "
              "persist_v4 = ?10, persist_v6 = ?11, quorum = ?12, policy_options = ?13, "
              "min_healthy = ?14, check_id = ?15 WHERE id = ?1");
  s.bind(1, row.id);
  bind_service(s, row);
  return run_one(db_, path_, s, "service", row.id);
}

Result<void> Store::delete_service(int64_t id) {
  return delete_by_id(db_, path_, "DELETE FROM services WHERE id = ?1", "service", id);
}

Result<int64_t> Store::insert_member(const MemberRow& row) {
  sql::Stmt s(db_,
              "INSERT INTO members (service_id, name, address, weight, priority, region, "
              "enabled, drained_at_ms, sorry, check_id) "
              "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  bind_member(s, row);
  return run_insert(db_, path_, s);
}

Result<void> Store::update_member(const MemberRow& row) {
  sql::Stmt s(db_,
              "UPDATE members SET service_id = ?2, name = ?3, address = ?4, weight = ?5, "
              "priority = ?6, region = ?7, enabled = ?8, drained_at_ms = ?9, sorry = ?10, "
              "check_id = ?11 WHERE id = ?1");
  s.bind(1, row.id);
  bind_member(s, row);
  return run_one(db_, path_, s, "member", row.id);
}

Result<void> Store::delete_member(int64_t id) {
  return delete_by_id(db_, path_, "DELETE FROM members WHERE id = ?1", "member", id);
}

Result<int64_t> Store::insert_client_subnet(const ClientSubnetRow& row) {
  sql::Stmt s(db_, "INSERT INTO client_subnets (region, subnet) VALUES (?1, ?2)");
  s.bind(1, row.region).bind(2, row.subnet);
  return run_insert(db_, path_, s);
}

Result<void> Store::delete_client_subnet(int64_t id) {
  return delete_by_id(db_, path_, "DELETE FROM client_subnets WHERE id = ?1", "client subnet", id);
}

Result<void> Store::set_member_drained(int64_t member_id, std::optional<int64_t> at_ms) {
  sql::Stmt s(db_, "UPDATE members SET drained_at_ms = ?2 WHERE id = ?1");
  s.bind(1, member_id).bind(2, at_ms);
  return run_one(db_, path_, s, "member", member_id);
}

}  // namespace gslb
