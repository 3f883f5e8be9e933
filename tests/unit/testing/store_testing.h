// Test helpers for tests that keep files or a database: a scratch directory removed with its
// contents, a store opened or the test failed, and raw SQL on a connection (for rows the typed
// writes refuse, and for what they wrote). Header-only, unit tests only; failures are reported
// through gtest, never thrown.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "zones/store/store.h"

namespace gslb::testing {

// A fresh directory under /tmp, removed with everything in it when the test is done.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/gslbd-test-XXXXXX";
    const char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr) << "mkdtemp failed";
    dir_ = made != nullptr ? made : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& path() const { return dir_; }

 private:
  std::string dir_;
};

// The store at `path` (created when absent), or null with the test failed.
inline std::unique_ptr<Store> open_ok(const std::string& path) {
  auto s = Store::open(path);
  EXPECT_TRUE(s.ok()) << s.error();
  return s.ok() ? std::move(*s) : nullptr;
}

// Runs `sql` on the connection; returns SQLite's error message, or "" on success.
inline std::string raw_sql(sqlite3* db, const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  std::string out = rc == SQLITE_OK ? "" : (msg ? msg : "error");
  sqlite3_free(msg);
  return out;
}
inline std::string raw_sql(Store& s, const std::string& sql) {
  return raw_sql(s.handle(), sql);
}

// The first column of the first row of `sql`; -1 when there is no row.
inline int64_t raw_int(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}
inline int64_t raw_int(Store& s, const std::string& sql) {
  return raw_int(s.handle(), sql);
}

// The first column of the first row of `sql` as text; "" when there is no row.
inline std::string raw_text(Store& s, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(s.handle(), sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
  std::string v;
  if (sqlite3_step(st) == SQLITE_ROW) v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return v;
}

}  // namespace gslb::testing
