// Internal to the store (zones/store*.cc): a thin RAII layer over the sqlite3 C API. Values are
// only ever bound as parameters, never spliced into SQL text. Not thread-safe: a Stmt belongs to
// the connection (Store) that prepared it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zones/base/result.h"

namespace gslb::sql {

// What an SQLite result code (primary or extended) means to a caller.
inline ErrorKind error_kind(int code) {
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      // A name or id taken (by a concurrent writer, or twice in one change); the other
      // constraints (CHECK, NOT NULL, FOREIGN KEY) refuse the row itself.
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY ||
          code == SQLITE_CONSTRAINT_ROWID)
        return ErrorKind::conflict;
      return ErrorKind::invalid;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:  // WAL lock contention SQLite gave up retrying
      return ErrorKind::busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return ErrorKind::corrupt;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return ErrorKind::io;
    default:
      return ErrorKind::internal;
  }
}

// "gslb.db: database is locked": the connection's last error, naming the file.
inline Error error(sqlite3* db, const std::string& path) {
  return make_error(error_kind(sqlite3_extended_errcode(db)), path + ": " + sqlite3_errmsg(db),
                    path);
}

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // False when preparing failed (the error is the connection's).
  bool prepared() const { return rc_ == SQLITE_OK && stmt_ != nullptr; }

  // Parameters are 1-based, as in SQLite.
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& bind(int i, uint32_t v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  template <typename T>
  Stmt& bind(int i, const std::optional<T>& v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  uint32_t u32(int col) const { return static_cast<uint32_t>(sqlite3_column_int64(stmt_, col)); }
  bool boolean(int col) const { return sqlite3_column_int64(stmt_, col) != 0; }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::optional<int64_t> opt_i64(int col) const {
    if (is_null(col)) return std::nullopt;
    return i64(col);
  }
  std::optional<uint32_t> opt_u32(int col) const {
    if (is_null(col)) return std::nullopt;
    return u32(col);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Runs SQL without parameters (DDL, PRAGMA, BEGIN/COMMIT); may hold several statements.
inline Result<void> exec(sqlite3* db, const std::string& path, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = path + ": " + (msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return make_error(error_kind(sqlite3_extended_errcode(db)), std::move(m), path);
  }
  return {};
}

// Reads the single integer a query such as "PRAGMA user_version" returns.
inline Result<int64_t> query_int(sqlite3* db, const std::string& path, const char* sql) {
  Stmt s(db, sql);
  if (!s.prepared()) return error(db, path);
  int rc = s.step();
  if (rc != SQLITE_ROW) {
    if (rc == SQLITE_DONE)
      return make_error(ErrorKind::internal, path + ": no result for " + sql, path);
    return error(db, path);
  }
  return s.i64(0);
}

// The schema (zones/store_schema.cc): brings the database at `path` up to the newest version in
// one transaction, or refuses a file that is not ours or is newer than this binary.
// REQUIRES: foreign_keys and busy_timeout already set on `db`.
Result<void> migrate(sqlite3* db, const std::string& path);
// The newest schema version (PRAGMA user_version) this binary knows.
int schema_version();

}  // namespace gslb::sql
