// gslbd check: validates zone files, a database and a document without serving or changing
// anything, as named-checkzone and kzonecheck do: one line per problem (FILE:LINE: what, or the
// document's JSON path), exit status 1 when there is any. The database is checked on a private
// copy (VACUUM INTO), so pending migrations run there, not on the file a server may be using.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/commands.h"
#include "server/options.h"
#include "server/servable_check.h"
#include "zones/base/command_line.h"
#include "zones/config/config_document.h"
#include "zones/dns/dname.h"
#include "zones/model/service_table_builder.h"
#include "zones/model/snapshot_builder.h"
#include "zones/store/store.h"
#include "zones/zonefile/zone_file.h"

namespace gslb {
namespace {

constexpr OptionSpec kCheckOptions[] = {{"--help", "-h"}, {"--zone", "", true}, {"--db", "", true}};
constexpr const char* kCheckUsage =
    "usage: gslbd check [--zone [NAME=]FILE ...] [--db PATH] [DOCUMENT]\n"
    "  Validates zone files, the database (every row builds the served snapshot) and a\n"
    "  declarative document (as `gslbd apply --dry-run` would, against the database when one is\n"
    "  given) without serving or changing anything. One line per problem; exit 1 if any.\n";

// A scratch directory for the database copy, removed on every path out.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/gslbd-check-XXXXXX";
    if (mkdtemp(tmpl)) path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

// A consistent copy of `db` (even while a server writes it), opened and migrated.
Result<std::unique_ptr<Store>> copy_of_database(const std::string& db, const std::string& copy) {
  if (access(db.c_str(), F_OK) != 0) return make_error(ErrorKind::not_found, db + ": no such file");
  // A read-only connection to a WAL database makes -wal and -shm files it cannot remove; when
  // nothing else had them open (they were not there), they are removed again below.
  const bool had_wal = access((db + "-wal").c_str(), F_OK) == 0;
  const bool had_shm = access((db + "-shm").c_str(), F_OK) == 0;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::string error;
  if (rc == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    rc = sqlite3_prepare_v2(raw, "VACUUM INTO ?", -1, &st, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(st, 1, copy.c_str(), -1, SQLITE_TRANSIENT);
      rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(raw);
    }
    if (rc != SQLITE_OK) error = sqlite3_errmsg(raw);
    sqlite3_finalize(st);
  } else {
    error = raw ? sqlite3_errmsg(raw) : "out of memory";
  }
  sqlite3_close_v2(raw);
  if (!had_wal) unlink((db + "-wal").c_str());
  if (!had_shm) unlink((db + "-shm").c_str());
  if (rc != SQLITE_OK) return make_error(ErrorKind::corrupt, db + ": " + error, db);
  auto store = Store::open(copy, false);
  if (!store) return make_error(store.failure().kind, db + ": " + store.error(), db);
  return store;
}

struct Checker {
  int problems = 0;
  void problem(const std::string& what) {
    ++problems;
    printf("%s\n", what.c_str());
  }
  void ok(const std::string& what) { printf("ok: %s\n", what.c_str()); }
};

void check_zone_files(const std::vector<ConfiguredZoneFile>& files, Checker& c) {
  for (const ConfiguredZoneFile& f : files) {
    auto z = load_zone_file(f.path, f.zone);
    if (!z) {
      c.problem(z.error());
      continue;
    }
    auto snap = build_snapshot({*z});
    if (!snap) {
      c.problem(snap.error());
      continue;
    }
    c.ok(f.path + ": zone " + name_to_text(z->origin) + ", " + std::to_string(z->records.size()) +
         " record(s)");
  }
}

void check_database(Store& store, const std::string& db, Checker& c) {
  if (auto r = store.quick_check(); !r) return c.problem(r.error());
  auto config = store.load_config();
  if (!config) return c.problem(config.error());
  auto health = store.load_health();
  if (!health) return c.problem(health.error());
  auto zones = zones_from_rows(*config);
  if (!zones) return c.problem(db + ": " + zones.error());
  auto services = services_from_rows(*config, *health, 0);
  if (!services) return c.problem(db + ": " + services.error());
  const size_t service_count = services->size();
  auto snap = build_snapshot(*zones, std::move(*services));
  if (!snap) return c.problem(db + ": " + snap.error());
  c.ok(db + ": " + std::to_string(zones->size()) + " zone(s), " + std::to_string(service_count) +
       " service(s)");
}

void check_document(Store& store, const std::string& file, Checker& c) {
  auto report = apply_document_file(store, file, /*dry_run=*/true, check_servable);
  if (!report) {
    // A rejected document lists one "FIELD: message" line per problem.
    const Error& e = report.failure();
    if (e.problems.empty()) return c.problem(file + ": " + e.message);
    for (const Error& p : e.problems)
      c.problem(file + ": " + (p.field.empty() ? p.message : p.field + ": " + p.message));
    return;
  }
  c.ok(file + ": valid, " + std::to_string(report->changes.size()) + " change(s) to apply");
}

}  // namespace

int run_check(int argc, char** argv) {
  auto args = scan_command_line(argc, argv, 2, kCheckOptions);
  if (!args || args->positional.size() > 1) {
    fprintf(stderr, "gslbd check: %s\n%s", !args ? args.error().c_str() : "at most one document",
            kCheckUsage);
    return 2;
  }
  if (args->has("--help")) {
    fputs(kCheckUsage, stdout);
    return 0;
  }
  std::vector<ConfiguredZoneFile> zones;
  for (const std::string& z : args->values("--zone")) {
    auto parsed = parse_zone_option(z);
    if (!parsed) {
      fprintf(stderr, "gslbd check: %s\n", parsed.error().c_str());
      return 2;
    }
    zones.push_back(*parsed);
  }
  const std::string db = args->value("--db").value_or("");
  const std::string document = args->positional.empty() ? "" : args->positional[0];
  if (zones.empty() && db.empty() && document.empty()) {
    fprintf(stderr, "gslbd check: nothing to check\n%s", kCheckUsage);
    return 2;
  }
  Checker c;
  check_zone_files(zones, c);
  ScratchDir scratch;
  if (scratch.path.empty()) {
    fprintf(stderr, "gslbd check: cannot make a scratch directory in /tmp\n");
    return 1;
  }
  std::unique_ptr<Store> store;
  if (!db.empty()) {
    auto copy = copy_of_database(db, scratch.path + "/copy.db");
    if (!copy) {
      c.problem(copy.error());
    } else {
      store = std::move(*copy);
      check_database(*store, db, c);
    }
  }
  if (!document.empty()) {
    if (!store && db.empty()) {  // against an empty database: the document alone
      auto empty = Store::open(scratch.path + "/empty.db");
      if (!empty) {
        c.problem(empty.error());
      } else {
        store = std::move(*empty);
      }
    }
    if (store) check_document(*store, document, c);
  }
  if (c.problems) fprintf(stderr, "gslbd check: %d problem(s)\n", c.problems);
  return c.problems ? 1 : 0;
}

}  // namespace gslb
