#include "zones/store/store.h"
#include "tests/unit/testing/store_testing.h"
#include "zones/store/store_sql.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace gslb {
namespace {

using testing::open_ok;
using testing::raw_int;
using testing::raw_sql;
using testing::raw_text;
using testing::TempDir;

// A small configuration written through the typed writes: one inline zone with a record, a
// check, a service with two members.
struct Ids {
  int64_t zone, record, check, service, tokyo, paris;
};
Ids seed(Store& s) {
  Ids ids{};
  ZoneRow z;
  z.name = "gslb.test.";
  z.soa_mname = "ns1.gslb.test.";
  z.soa_rname = "hostmaster.gslb.test.";
  ids.zone = *s.insert_zone(z);
  RecordRow r;
  r.zone_id = ids.zone;
  r.name = "gslb.test.";
  r.type = "NS";
  r.rdata = "ns1.gslb.test.";
  ids.record = *s.insert_record(r);
  CheckRow c;
  c.name = "web";
  c.type = "http";
  c.port = 8080;
  c.path = "/health";
  c.expect_status = "200,204";
  ids.check = *s.insert_check(c);
  ServiceRow v;
  v.zone_id = ids.zone;
  v.name = "app.gslb.test.";
  v.policy = "weighted";
  v.ttl_degraded = 5;
  v.check_id = ids.check;
  ids.service = *s.insert_service(v);
  MemberRow m;
  m.service_id = ids.service;
  m.name = "tokyo";
  m.address = "192.0.2.1";
  m.region = "ap";
  ids.tokyo = *s.insert_member(m);
  m.name = "paris";
  m.address = "2001:db8::1";
  m.weight = 3;
  m.priority = 2;
  m.enabled = false;
  m.sorry = true;
  m.drained_at_ms = 1234;
  m.check_id = ids.check;
  ids.paris = *s.insert_member(m);
  return ids;
}

ObservationRow obs(const std::string& agent, int64_t member, bool up, int64_t at) {
  ObservationRow o;
  o.agent_id = agent;
  o.member_id = member;
  o.up = up;
  o.checked_at_ms = at;
  return o;
}

TEST(StoreOpen, CreatesTheSchemaAndSetsUserVersion) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  ASSERT_TRUE(s);
  EXPECT_TRUE(std::filesystem::exists(dir.file("gslb.db")));
  EXPECT_EQ(raw_int(*s, "PRAGMA user_version"), gslb::sql::schema_version());
  EXPECT_EQ(raw_text(*s, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_int(*s, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(raw_int(*s, "PRAGMA synchronous"), 1);  // NORMAL
  for (const char* table : {"zones", "records", "checks", "services", "members", "agents",
                            "observations", "events", "meta"}) {
    EXPECT_EQ(raw_int(*s, std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                      "AND name = '") +
                              table + "'"),
              1)
        << table;
  }
  EXPECT_EQ(*s->config_generation(), 0);
  auto config = s->load_config();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_TRUE(config->zones.empty());
}

TEST(StoreOpen, ReopeningKeepsDataAndSchema) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  {
    auto s = open_ok(path);
    seed(*s);
  }
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(raw_int(*s, "PRAGMA user_version"), gslb::sql::schema_version());
  auto config = s->load_config();
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->zones.size(), 1u);
  EXPECT_EQ(config->members.size(), 2u);
  auto again = open_ok(path);  // a second connection to the same file at the same time
  EXPECT_TRUE(again);
}

TEST(StoreOpen, RefusesAFutureUserVersion) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  {
    auto s = open_ok(path);
    EXPECT_EQ(raw_sql(*s, "PRAGMA user_version = 99"), "");
  }
  auto s = Store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), path + ": not a gslbd database (user_version 99 is newer than this gslbd)");
}

TEST(StoreOpen, ANonDatabaseFileIsAnErrorNamingTheFile) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  std::ofstream(path) << "this is not an SQLite database, just some text long enough to be read "
                         "as a header by sqlite, which wants one hundred bytes or so..........";
  auto s = Store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), path + ": file is not a database");
}

TEST(StoreOpen, AnotherProgramsDatabaseIsRefused) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = Store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find(path + ": not a gslbd database"), std::string::npos) << s.error();
}

TEST(StoreOpen, AMissingDirectoryIsAnErrorNamingTheFile) {
  auto s = Store::open("/nonexistent-gslbd-dir/gslb.db");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().rfind("/nonexistent-gslbd-dir/gslb.db: ", 0), 0u) << s.error();
}

TEST(StoreOpen, AWriterWaitsOutAnotherWritersLock) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  auto s = open_ok(path);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  auto start = std::chrono::steady_clock::now();
  auto r = s->begin_write();  // blocks on the busy timeout instead of failing at once
  auto waited = std::chrono::steady_clock::now() - start;
  release.join();
  sqlite3_close(other);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  s->rollback();
}

struct BadRow {
  const char* name;
  std::string sql;
  const char* error;  // a substring of SQLite's message
};

TEST(StoreSchema, ConstraintsRejectBadRowsWrittenWithRawSql) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  const std::string svc = std::to_string(ids.service), zone = std::to_string(ids.zone);
  const std::vector<BadRow> cases = {
      {"negative weight",
       "INSERT INTO members (service_id, name, address, weight) VALUES (" + svc +
           ", 'x', '192.0.2.9', -1)",
       "CHECK constraint failed"},
      {"weight over 65535",
       "UPDATE members SET weight = 65536 WHERE id = " + std::to_string(ids.tokyo),
       "CHECK constraint failed"},
      {"empty policy",
       "INSERT INTO services (zone_id, name, policy) VALUES (" + zone + ", 'b.gslb.test.', '')",
       "CHECK constraint failed"},
      {"duplicate member name",
       "INSERT INTO members (service_id, name, address) VALUES (" + svc + ", 'tokyo', '192.0.2.9')",
       "UNIQUE constraint failed"},
      {"duplicate member address",
       "INSERT INTO members (service_id, name, address) VALUES (" + svc + ", 'x', '192.0.2.1')",
       "UNIQUE constraint failed"},
      {"address with junk",
       "INSERT INTO members (service_id, name, address) VALUES (" + svc + ", 'x', 'evil.example')",
       "CHECK constraint failed"},
      {"priority over 255",
       "UPDATE members SET priority = 256 WHERE id = " + std::to_string(ids.tokyo),
       "CHECK constraint failed"},
      {"member of no service",
       "INSERT INTO members (service_id, name, address) VALUES (999, 'x', '192.0.2.9')",
       "FOREIGN KEY constraint failed"},
      {"empty check type", "INSERT INTO checks (name, type) VALUES ('c', '')",
       "CHECK constraint failed"},
      {"timeout not below interval",
       "INSERT INTO checks (name, type, interval_ms, timeout_ms) VALUES ('c', 'tcp', 200, 200)",
       "CHECK constraint failed"},
      {"interval too short",
       "INSERT INTO checks (name, type, interval_ms, timeout_ms) VALUES ('c', 'tcp', 50, 10)",
       "CHECK constraint failed"},
      {"port out of range", "INSERT INTO checks (name, type, port) VALUES ('c', 'tcp', 70000)",
       "CHECK constraint failed"},
      {"options not an object",
       "INSERT INTO checks (name, type, options) VALUES ('c', 'tcp', '[1]')",
       "CHECK constraint failed"},
      {"service ttl over a day", "UPDATE services SET ttl = 86401 WHERE id = " + svc,
       "CHECK constraint failed"},
      {"answers zero", "UPDATE services SET answers = 0 WHERE id = " + svc,
       "CHECK constraint failed"},
      {"unknown fallback", "UPDATE services SET fallback = 'nothing' WHERE id = " + svc,
       "CHECK constraint failed"},
      {"duplicate service name",
       "INSERT INTO services (zone_id, name) VALUES (" + zone + ", 'app.gslb.test.')",
       "UNIQUE constraint failed"},
      {"duplicate zone", "INSERT INTO zones (name, file) VALUES ('gslb.test.', '/x')",
       "UNIQUE constraint failed"},
      {"zone with neither file nor soa", "INSERT INTO zones (name) VALUES ('other.test.')",
       "CHECK constraint failed"},
      {"text in an integer column (STRICT)",
       "UPDATE members SET weight = 'heavy' WHERE id = " + std::to_string(ids.tokyo),
       "cannot store TEXT value in INTEGER column"},
      {"observation of no member",
       "INSERT INTO observations (agent_id, member_id, up, checked_at_ms) VALUES ('a', 999, 1, 0)",
       "FOREIGN KEY constraint failed"},
  };
  auto before = s->load_config();
  ASSERT_TRUE(before.ok());
  for (const BadRow& c : cases) {
    std::string err = raw_sql(*s, c.sql);
    EXPECT_NE(err.find(c.error), std::string::npos) << c.name << ": got \"" << err << "\"";
  }
  EXPECT_EQ(s->load_config()->members.size(), before->members.size());
}

TEST(StoreSchema, DeletingAServiceCascadesToMembersObservationsAndEvents) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  ASSERT_TRUE(s->write_observations({obs("a1", ids.tokyo, true, 10)}).ok());
  ASSERT_TRUE(s->delete_service(ids.service).ok());
  EXPECT_EQ(raw_int(*s, "SELECT count(*) FROM members"), 0);
  EXPECT_EQ(raw_int(*s, "SELECT count(*) FROM observations"), 0);
  EXPECT_EQ(raw_int(*s, "SELECT count(*) FROM events"), 0);
}

TEST(StoreSchema, DeletingACheckClearsItsReferences) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  ASSERT_TRUE(s->delete_check(ids.check).ok());
  auto c = s->load_config();
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->services[0].check_id.has_value());
  EXPECT_FALSE(c->members[1].check_id.has_value());
}

TEST(StoreGeneration, ConfigTablesMoveItAndHealthTablesDoNot) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  int64_t g0 = *s->config_generation();
  Ids ids = seed(*s);
  int64_t g1 = *s->config_generation();
  EXPECT_GT(g1, g0);
  for (const char* sql :
       {"UPDATE zones SET ttl = 60", "UPDATE records SET ttl = 60", "UPDATE checks SET rise = 3",
        "UPDATE services SET ttl = 60", "UPDATE members SET weight = 7"}) {
    int64_t before = *s->config_generation();
    EXPECT_EQ(raw_sql(*s, sql), "");
    EXPECT_GT(*s->config_generation(), before) << sql;
  }
  int64_t g2 = *s->config_generation();
  ASSERT_TRUE(
      s->write_observations({obs("a1", ids.tokyo, true, 10), obs("a1", ids.paris, false, 10)})
          .ok());
  ASSERT_TRUE(s->write_observations({obs("a1", ids.tokyo, false, 20)}).ok());
  ASSERT_TRUE(s->upsert_agent({"a2", "eu", 30}).ok());
  EXPECT_EQ(*s->config_generation(), g2);
  ASSERT_TRUE(s->delete_member(ids.tokyo).ok());
  EXPECT_GT(*s->config_generation(), g2);
}

TEST(StoreLoad, ConfigRoundTripsEveryField) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  auto c = s->load_config();
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->zones.size(), 1u);
  EXPECT_EQ(c->zones[0].id, ids.zone);
  EXPECT_EQ(c->zones[0].name, "gslb.test.");
  EXPECT_EQ(c->zones[0].soa_rname, "hostmaster.gslb.test.");
  EXPECT_EQ(c->zones[0].soa_expire, 604800u);
  ASSERT_EQ(c->records.size(), 1u);
  EXPECT_EQ(c->records[0].zone_id, ids.zone);
  EXPECT_EQ(c->records[0].type, "NS");
  EXPECT_EQ(c->records[0].rdata, "ns1.gslb.test.");
  ASSERT_EQ(c->checks.size(), 1u);
  EXPECT_EQ(c->checks[0].port, 8080u);
  EXPECT_EQ(c->checks[0].expect_status, "200,204");
  EXPECT_EQ(c->checks[0].options_json, "{}");
  ASSERT_EQ(c->services.size(), 1u);
  EXPECT_EQ(c->services[0].ttl_degraded, std::optional<uint32_t>(5));
  EXPECT_FALSE(c->services[0].quorum.has_value());
  EXPECT_EQ(c->services[0].check_id, std::optional<int64_t>(ids.check));
  ASSERT_EQ(c->members.size(), 2u);  // ordered by id
  EXPECT_EQ(c->members[0].id, ids.tokyo);
  EXPECT_EQ(c->members[0].region, "ap");
  EXPECT_TRUE(c->members[0].enabled);
  EXPECT_FALSE(c->members[0].drained_at_ms.has_value());
  EXPECT_FALSE(c->members[0].check_id.has_value());
  const MemberRow& p = c->members[1];
  EXPECT_EQ(p.address, "2001:db8::1");
  EXPECT_EQ(p.weight, 3u);
  EXPECT_EQ(p.priority, 2u);
  EXPECT_FALSE(p.enabled);
  EXPECT_TRUE(p.sorry);
  EXPECT_EQ(p.drained_at_ms, std::optional<int64_t>(1234));
  EXPECT_EQ(p.check_id, std::optional<int64_t>(ids.check));
}

TEST(StoreLoad, HealthRoundTripsAndUpsertReplaces) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  ObservationRow a = obs("agent-1", ids.tokyo, true, 100);
  a.rtt_us = 1500;
  a.load = 0.25;
  a.detail = "HTTP 200";
  ObservationRow b = obs("agent-2", ids.tokyo, false, 110);
  b.detail = "timeout";
  ASSERT_TRUE(s->write_observations({a, b}).ok());
  a.up = false;
  a.rtt_us.reset();
  a.load.reset();
  a.checked_at_ms = 200;
  ASSERT_TRUE(s->write_observations({a}).ok());
  auto h = s->load_health();
  ASSERT_TRUE(h.ok()) << h.error();
  ASSERT_EQ(h->observations.size(), 2u);
  const ObservationRow& o = h->observations[0];
  EXPECT_EQ(o.agent_id, "agent-1");
  EXPECT_FALSE(o.up);
  EXPECT_FALSE(o.rtt_us.has_value());
  EXPECT_FALSE(o.load.has_value());
  EXPECT_EQ(o.checked_at_ms, 200);
  EXPECT_EQ(o.detail, "HTTP 200");
  EXPECT_EQ(h->observations[1].detail, "timeout");
  ASSERT_EQ(h->agents.size(), 2u);  // created by the observations
  EXPECT_EQ(h->agents[0].id, "agent-1");
  EXPECT_EQ(h->agents[0].last_seen_ms, 200);
}

TEST(StoreObservations, TransitionsAreRecordedAsEvents) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  ASSERT_TRUE(s->write_observations({obs("a1", ids.tokyo, true, 10)}).ok());
  ASSERT_TRUE(s->write_observations({obs("a1", ids.tokyo, true, 20)}).ok());  // no change
  ASSERT_TRUE(s->write_observations({obs("a1", ids.tokyo, false, 30)}).ok());
  auto ev = s->load_events(ids.tokyo, 10);
  ASSERT_TRUE(ev.ok()) << ev.error();
  ASSERT_EQ(ev->size(), 2u);
  EXPECT_EQ((*ev)[0].old_state, "up");  // newest first
  EXPECT_EQ((*ev)[0].new_state, "down");
  EXPECT_EQ((*ev)[0].at_ms, 30);
  EXPECT_EQ((*ev)[1].old_state, "unknown");
  EXPECT_EQ((*ev)[1].new_state, "up");
  EXPECT_EQ(s->load_events(ids.paris, 10)->size(), 0u);
  EXPECT_EQ(s->load_events(0, 1)->size(), 1u);
}

// A refresh (same state as this agent said last) rewrites the figures and times, makes no event,
// and moves the agent's last-seen time to the newest row of the batch, whatever its order.
TEST(StoreObservations, RefreshesRewriteFiguresWithoutEvents) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  ASSERT_TRUE(
      s->write_observations({obs("a1", ids.tokyo, true, 10), obs("a1", ids.paris, false, 10)})
          .ok());
  ObservationRow tokyo = obs("a1", ids.tokyo, true, 50);
  tokyo.rtt_us = 2500;
  tokyo.load = 0.5;
  tokyo.detail = "";
  ObservationRow paris = obs("a1", ids.paris, false, 40);
  paris.detail = "connection refused";
  ASSERT_TRUE(s->write_observations({tokyo, paris}).ok());
  auto h = s->load_health();
  ASSERT_TRUE(h.ok()) << h.error();
  ASSERT_EQ(h->observations.size(), 2u);
  for (const ObservationRow& o : h->observations) {
    if (o.member_id == ids.tokyo) {
      EXPECT_TRUE(o.up);
      EXPECT_EQ(o.rtt_us, 2500u);
      EXPECT_EQ(o.load, 0.5);
      EXPECT_EQ(o.checked_at_ms, 50);
    } else {
      EXPECT_FALSE(o.up);
      EXPECT_EQ(o.checked_at_ms, 40);
      EXPECT_EQ(o.detail, "connection refused");
    }
  }
  ASSERT_EQ(h->agents.size(), 1u);
  EXPECT_EQ(h->agents[0].last_seen_ms, 50);
  EXPECT_EQ(s->load_events(0, 10)->size(), 2u);  // the two first observations only
  // A refresh and a change of the same member in one batch: one event, the last row stands.
  ASSERT_TRUE(
      s->write_observations({obs("a1", ids.tokyo, true, 60), obs("a1", ids.tokyo, false, 70)})
          .ok());
  auto ev = s->load_events(ids.tokyo, 10);
  ASSERT_EQ(ev->size(), 2u);
  EXPECT_EQ((*ev)[0].new_state, "down");
  EXPECT_EQ((*ev)[0].at_ms, 70);
  // Another agent's row for the member is its own first observation, not a refresh.
  ASSERT_TRUE(s->write_observations({obs("a2", ids.tokyo, false, 80)}).ok());
  EXPECT_EQ(s->load_events(ids.tokyo, 10)->size(), 3u);
}

TEST(StoreObservations, RowsOfDeletedMembersAreSkipped) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  auto r = s->write_observations({obs("a1", 424242, true, 10), obs("a1", ids.paris, true, 10)});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(s->load_health()->observations.size(), 1u);
}

TEST(StoreWrites, AddressingAMissingRowIsAnError) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  auto s = open_ok(path);
  MemberRow m;
  m.id = 77;
  m.name = "x";
  m.address = "192.0.2.1";
  auto r = s->update_member(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), path + ": no member with id 77");
  EXPECT_FALSE(s->delete_zone(5).ok());
  EXPECT_FALSE(s->set_member_drained(77, 5).ok());
}

TEST(StoreWrites, DrainAndUndrainAMember) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  Ids ids = seed(*s);
  ASSERT_TRUE(s->set_member_drained(ids.tokyo, 5000).ok());
  EXPECT_EQ(s->load_config()->members[0].drained_at_ms, std::optional<int64_t>(5000));
  ASSERT_TRUE(s->set_member_drained(ids.tokyo, std::nullopt).ok());
  EXPECT_FALSE(s->load_config()->members[0].drained_at_ms.has_value());
}

TEST(StoreWrites, RollbackUndoesATransaction) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  ASSERT_TRUE(s->begin_write().ok());
  EXPECT_TRUE(s->in_transaction());
  seed(*s);
  EXPECT_EQ(s->load_config()->members.size(), 2u);  // sees its own writes
  s->rollback();
  EXPECT_FALSE(s->in_transaction());
  EXPECT_TRUE(s->load_config()->zones.empty());
  EXPECT_EQ(*s->config_generation(), 0);
}

TEST(StoreDataVersion, MovesWhenAnotherConnectionCommits) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  auto reader = open_ok(path);
  auto writer = open_ok(path);
  int64_t v0 = *reader->data_version();
  EXPECT_EQ(*reader->data_version(), v0);
  seed(*writer);
  EXPECT_NE(*reader->data_version(), v0);
}

TEST(StoreConcurrency, OneConnectionWritesWhileAnotherReads) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  Ids ids;
  {
    auto s = open_ok(path);
    ids = seed(*s);
  }
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, reads{0};
  std::string first_error;
  std::thread reader([&] {
    auto s = Store::open(path);
    if (!s.ok()) {
      ++errors;
      return;
    }
    while (!done) {
      auto c = (*s)->load_config();
      auto h = (*s)->load_health();
      auto v = (*s)->data_version();
      if (!c.ok() || !h.ok() || !v.ok()) {
        if (errors++ == 0) first_error = !c.ok() ? c.error() : !h.ok() ? h.error() : v.error();
      } else if (c->members.size() != 2) {
        ++errors;  // a torn read: the writer always keeps exactly two members
      }
      ++reads;
    }
  });
  auto w = open_ok(path);
  for (int i = 0; i < 200; ++i) {
    auto r = w->write_observations(
        {obs("a1", ids.tokyo, i % 2 == 0, i), obs("a1", ids.paris, i % 3 == 0, i)});
    EXPECT_TRUE(r.ok()) << r.error();
    ASSERT_TRUE(w->begin_write().ok());
    MemberRow m = w->load_config()->members[0];
    m.weight = static_cast<uint32_t>(i % 100);
    EXPECT_TRUE(w->update_member(m).ok());
    EXPECT_TRUE(w->commit().ok());
  }
  while (reads < 5) std::this_thread::yield();
  done = true;
  reader.join();
  EXPECT_EQ(errors, 0) << first_error;
}

}  // namespace
}  // namespace gslb
