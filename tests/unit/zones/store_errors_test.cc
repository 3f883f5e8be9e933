// The store's errors carry the kind of SQLite failure behind them (zones/store/store_sql.h), so
// callers (the API) decide without reading SQLite's message. Each class is provoked for real on
// a database file where it can be; the mapping of every code is checked on its own.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "tests/unit/testing/store_testing.h"
#include "zones/store/store.h"
#include "zones/store/store_sql.h"

namespace gslb {
namespace {

using testing::open_ok;
using testing::TempDir;

CheckRow check_named(const std::string& name) {
  CheckRow c;
  c.name = name;
  c.type = "tcp";
  c.port = 80;
  return c;
}

// Another connection to `path` holding the write lock until destroyed.
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~WriteLock() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  sqlite3* db_ = nullptr;
};

// The store's 5 s busy timeout would make each test wait it out.
void short_busy_timeout(Store& s) {
  sqlite3_busy_timeout(s.handle(), 20);
}

TEST(StoreErrorKind, AUniqueViolationIsAConflict) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->insert_check(check_named("web")).ok());
  auto again = s->insert_check(check_named("web"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure().kind, ErrorKind::conflict) << again.error();
  EXPECT_EQ(again.failure().origin, path);
  EXPECT_NE(again.error().find("UNIQUE constraint failed"), std::string::npos) << again.error();
}

TEST(StoreErrorKind, ARowTheSchemaRefusesIsInvalid) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  ASSERT_TRUE(s);
  CheckRow c = check_named("web");
  c.type = "";  // CHECK (length(type) BETWEEN 1 AND 63)
  auto r = s->insert_check(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, ErrorKind::invalid) << r.error();
  MemberRow m;
  m.service_id = 999;  // no such service: FOREIGN KEY
  m.name = "x";
  m.address = "192.0.2.1";
  auto fk = s->insert_member(m);
  ASSERT_FALSE(fk.ok());
  EXPECT_EQ(fk.failure().kind, ErrorKind::invalid) << fk.error();
}

TEST(StoreErrorKind, AnotherWritersLockIsBusy) {
  TempDir dir;
  const std::string path = dir.file("gslb.db");
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  short_busy_timeout(*s);
  WriteLock other(path);
  auto begin = s->begin_write();
  ASSERT_FALSE(begin.ok());
  EXPECT_EQ(begin.failure().kind, ErrorKind::busy) << begin.error();
  EXPECT_EQ(begin.failure().origin, path);
  // A write outside a transaction of its own takes the lock too.
  auto insert = s->insert_check(check_named("web"));
  ASSERT_FALSE(insert.ok());
  EXPECT_EQ(insert.failure().kind, ErrorKind::busy) << insert.error();
}

TEST(StoreErrorKind, AFileThatIsNotADatabaseIsCorrupt) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  std::ofstream(path) << "this is not an SQLite database, just some text long enough to be read "
                         "as a header by sqlite, which wants one hundred bytes or so..........";
  auto s = Store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.failure().kind, ErrorKind::corrupt) << s.error();
  EXPECT_EQ(s.failure().origin, path);
  EXPECT_EQ(s.error(), path + ": file is not a database");
}

TEST(StoreErrorKind, AnotherProgramsOrANewerDatabaseIsCorrupt) {
  TempDir dir;
  const std::string other = dir.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = Store::open(other);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.failure().kind, ErrorKind::corrupt) << s.error();

  const std::string newer = dir.file("newer.db");
  {
    auto n = open_ok(newer);
    ASSERT_TRUE(n);
    ASSERT_EQ(sqlite3_exec(n->handle(), "PRAGMA user_version = 99", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto t = Store::open(newer);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.failure().kind, ErrorKind::corrupt) << t.error();
}

TEST(StoreErrorKind, AFileThatCannotBeOpenedIsIo) {
  auto s = Store::open("/nonexistent-gslbd-dir/gslb.db");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.failure().kind, ErrorKind::io) << s.error();
  TempDir dir;
  auto missing = Store::open(dir.file("missing.db"), false);  // not created
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.failure().kind, ErrorKind::io) << missing.error();
}

TEST(StoreErrorKind, AddressingAMissingRowIsNotFound) {
  TempDir dir;
  auto s = open_ok(dir.file("gslb.db"));
  ASSERT_TRUE(s);
  auto r = s->delete_check(42);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().kind, ErrorKind::not_found) << r.error();
}

// The codes no test above can provoke on demand (a full disk, a damaged page) map the same way.
TEST(StoreErrorKind, EveryResultCodeClass) {
  struct Case {
    int code;
    ErrorKind kind;
  };
  const Case cases[] = {
      {SQLITE_CONSTRAINT_UNIQUE, ErrorKind::conflict},
      {SQLITE_CONSTRAINT_PRIMARYKEY, ErrorKind::conflict},
      {SQLITE_CONSTRAINT_CHECK, ErrorKind::invalid},
      {SQLITE_CONSTRAINT_NOTNULL, ErrorKind::invalid},
      {SQLITE_CONSTRAINT_FOREIGNKEY, ErrorKind::invalid},
      {SQLITE_BUSY, ErrorKind::busy},
      {SQLITE_BUSY_SNAPSHOT, ErrorKind::busy},
      {SQLITE_LOCKED, ErrorKind::busy},
      {SQLITE_LOCKED_SHAREDCACHE, ErrorKind::busy},
      {SQLITE_CORRUPT, ErrorKind::corrupt},
      {SQLITE_NOTADB, ErrorKind::corrupt},
      {SQLITE_IOERR, ErrorKind::io},
      {SQLITE_IOERR_WRITE, ErrorKind::io},
      {SQLITE_CANTOPEN, ErrorKind::io},
      {SQLITE_FULL, ErrorKind::io},
      {SQLITE_READONLY, ErrorKind::io},
      {SQLITE_READONLY_DBMOVED, ErrorKind::io},
      {SQLITE_ERROR, ErrorKind::internal},
      {SQLITE_MISUSE, ErrorKind::internal},
      {SQLITE_NOMEM, ErrorKind::internal},
  };
  for (const Case& c : cases)
    EXPECT_EQ(sql::error_kind(c.code), c.kind) << sqlite3_errstr(c.code) << " (" << c.code
                                               << ") is " << kind_name(sql::error_kind(c.code));
}

}  // namespace
}  // namespace gslb
