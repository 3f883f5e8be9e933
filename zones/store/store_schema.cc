// The gslbd database schema and its migrations, keyed by PRAGMA user_version.
//
// Migration N brings a database from user_version N-1 to N. To change the schema, append a
// case to migration_sql() and bump kMigrationCount; never edit one that has shipped. Constraints
// live in the schema as well as in the code that writes (zones/config_document.cc), so a row
// written by hand with the sqlite3 shell is held to the same rules. Tables are STRICT (SQLite
// >= 3.37): a column holds only its declared type.
#include <sqlite3.h>

#include <initializer_list>
#include <string>

#include "zones/store/store_sql.h"

namespace gslb::sql {
namespace {

// Migration 1: the whole schema of gslbd 0.1.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value ANY NOT NULL
) STRICT;
INSERT INTO meta (key, value) VALUES ('config_generation', 0);

CREATE TABLE zones (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 1024),
  file        TEXT NOT NULL DEFAULT '',
  soa_mname   TEXT NOT NULL DEFAULT '',
  soa_rname   TEXT NOT NULL DEFAULT '',
  soa_serial  INTEGER NOT NULL DEFAULT 1 CHECK (soa_serial BETWEEN 0 AND 4294967295),
  soa_refresh INTEGER NOT NULL DEFAULT 3600 CHECK (soa_refresh BETWEEN 0 AND 2147483647),
  soa_retry   INTEGER NOT NULL DEFAULT 600 CHECK (soa_retry BETWEEN 0 AND 2147483647),
  soa_expire  INTEGER NOT NULL DEFAULT 604800 CHECK (soa_expire BETWEEN 0 AND 2147483647),
  soa_minimum INTEGER NOT NULL DEFAULT 60 CHECK (soa_minimum BETWEEN 0 AND 2147483647),
  ttl         INTEGER NOT NULL DEFAULT 300 CHECK (ttl BETWEEN 0 AND 2147483647),
  -- a zone has its records in a file, or carries its SOA here (and its NS in records)
  CHECK (file <> '' OR (soa_mname <> '' AND soa_rname <> ''))
) STRICT;

CREATE TABLE records (
  id      INTEGER PRIMARY KEY,
  zone_id INTEGER NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
  name    TEXT NOT NULL CHECK (name <> ''),
  type    TEXT NOT NULL CHECK (type <> ''),
  ttl     INTEGER NOT NULL DEFAULT 300 CHECK (ttl BETWEEN 0 AND 2147483647),
  rdata   TEXT NOT NULL
) STRICT;
CREATE INDEX records_zone ON records (zone_id);

CREATE TABLE checks (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE CHECK (name <> ''),
  type          TEXT NOT NULL CHECK (type IN ('icmp', 'tcp', 'http', 'https', 'dns')),
  port          INTEGER NOT NULL DEFAULT 0 CHECK (port BETWEEN 0 AND 65535),
  path          TEXT NOT NULL DEFAULT '',
  host          TEXT NOT NULL DEFAULT '',
  expect_status TEXT NOT NULL DEFAULT '',
  expect_body   TEXT NOT NULL DEFAULT '',
  interval_ms   INTEGER NOT NULL DEFAULT 1000 CHECK (interval_ms BETWEEN 100 AND 3600000),
  timeout_ms    INTEGER NOT NULL DEFAULT 500 CHECK (timeout_ms >= 1 AND timeout_ms < interval_ms),
  rise          INTEGER NOT NULL DEFAULT 2 CHECK (rise BETWEEN 1 AND 1000),
  fall          INTEGER NOT NULL DEFAULT 3 CHECK (fall BETWEEN 1 AND 1000),
  options       TEXT NOT NULL DEFAULT '{}'
                CHECK (json_valid(options) AND json_type(options) = 'object')
) STRICT;

CREATE TABLE services (
  id                INTEGER PRIMARY KEY,
  zone_id           INTEGER NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
  name              TEXT NOT NULL UNIQUE CHECK (name <> ''),
  policy            TEXT NOT NULL DEFAULT 'weighted'
                    CHECK (policy IN ('weighted', 'round-robin', 'priority', 'rtt', 'least-load')),
  ttl               INTEGER NOT NULL DEFAULT 30 CHECK (ttl BETWEEN 0 AND 86400),
  ttl_degraded      INTEGER CHECK (ttl_degraded IS NULL OR ttl_degraded BETWEEN 0 AND 86400),
  answers           INTEGER NOT NULL DEFAULT 1 CHECK (answers BETWEEN 1 AND 16),
  fallback          TEXT NOT NULL DEFAULT 'all' CHECK (fallback IN ('all', 'sorry', 'servfail')),
  persistence       INTEGER NOT NULL DEFAULT 0 CHECK (persistence IN (0, 1)),
  persist_v4        INTEGER NOT NULL DEFAULT 24 CHECK (persist_v4 BETWEEN 0 AND 32),
  persist_v6        INTEGER NOT NULL DEFAULT 56 CHECK (persist_v6 BETWEEN 0 AND 128),
  quorum            INTEGER CHECK (quorum IS NULL OR quorum BETWEEN 1 AND 1000),
  rtt_tolerance_pct INTEGER NOT NULL DEFAULT 10 CHECK (rtt_tolerance_pct BETWEEN 0 AND 1000),
  rtt_tolerance_us  INTEGER NOT NULL DEFAULT 1000 CHECK (rtt_tolerance_us BETWEEN 0 AND 60000000),
  min_healthy       INTEGER NOT NULL DEFAULT 1 CHECK (min_healthy BETWEEN 1 AND 65535),
  check_id          INTEGER REFERENCES checks (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX services_zone ON services (zone_id);
CREATE INDEX services_check ON services (check_id);

CREATE TABLE members (
  id            INTEGER PRIMARY KEY,
  service_id    INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  name          TEXT NOT NULL CHECK (name <> ''),
  -- IPv4 or IPv6 text (the writer stores the inet_ntop form); this only keeps out the absurd
  address       TEXT NOT NULL CHECK (address <> '' AND address NOT GLOB '*[^0-9A-Fa-f.:]*'),
  weight        INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 0 AND 65535),
  priority      INTEGER NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 255),
  region        TEXT NOT NULL DEFAULT '',
  enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  drained_at_ms INTEGER,
  sorry         INTEGER NOT NULL DEFAULT 0 CHECK (sorry IN (0, 1)),
  check_id      INTEGER REFERENCES checks (id) ON DELETE SET NULL,
  UNIQUE (service_id, name),
  UNIQUE (service_id, address)
) STRICT;
CREATE INDEX members_check ON members (check_id);

CREATE TABLE agents (
  id           TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
  region       TEXT NOT NULL DEFAULT '',
  last_seen_ms INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE observations (
  agent_id      TEXT NOT NULL CHECK (agent_id <> ''),
  member_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  up            INTEGER NOT NULL CHECK (up IN (0, 1)),
  rtt_us        INTEGER CHECK (rtt_us IS NULL OR rtt_us BETWEEN 0 AND 4294967295),
  load          REAL,
  checked_at_ms INTEGER NOT NULL,
  detail        TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (agent_id, member_id)
) STRICT;
CREATE INDEX observations_member ON observations (member_id);

-- Health transitions of a member as seen by one agent (old_state 'unknown' on the first one).
CREATE TABLE events (
  id        INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  agent_id  TEXT NOT NULL DEFAULT '',
  old_state TEXT NOT NULL CHECK (old_state IN ('unknown', 'up', 'down')),
  new_state TEXT NOT NULL CHECK (new_state IN ('unknown', 'up', 'down')),
  detail    TEXT NOT NULL DEFAULT '',
  at_ms     INTEGER NOT NULL
) STRICT;
CREATE INDEX events_member ON events (member_id, at_ms);
)sql";

// Migration 2: client subnets mapped to regions (the document's "regions"), so the rtt policy
// can rank members by the RTT measured from the client's region. One row per subnet: a subnet
// is in one region at most. The subnet is text in inet_ntop form with its prefix; the writer
// (zones/config_parse.cc) checks it fully, this only keeps out the absurd.
constexpr const char* kClientSubnetsV2 = R"sql(
CREATE TABLE client_subnets (
  id     INTEGER PRIMARY KEY,
  region TEXT NOT NULL CHECK (length(region) BETWEEN 1 AND 63),
  subnet TEXT NOT NULL UNIQUE
         CHECK (subnet GLOB '?*/[0-9]*' AND subnet NOT GLOB '*[^0-9A-Fa-f.:/]*')
) STRICT;
)sql";

// Migration 3: the plug-in catalogue decides which policies and check types exist, so the schema
// no longer lists them (a name list in a CHECK made every new policy or probe a migration), and
// the rtt policy's keys move into policy_options, a JSON object of the policy's own keys, as
// check options already are. Removing a CHECK is the documented sqlite_schema edit (SQLite
// "ALTER TABLE", section 7); migrate() bumps schema_version after every migration.
constexpr const char* kCatalogueV3 = R"sql(
ALTER TABLE services ADD COLUMN policy_options TEXT NOT NULL DEFAULT '{}'
  CHECK (json_valid(policy_options) AND json_type(policy_options) = 'object');
UPDATE services SET policy_options = json_object('rtt_tolerance_pct', rtt_tolerance_pct,
                                                 'rtt_tolerance_us', rtt_tolerance_us)
  WHERE policy = 'rtt';
ALTER TABLE services DROP COLUMN rtt_tolerance_pct;
ALTER TABLE services DROP COLUMN rtt_tolerance_us;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
  SET sql = replace(sql, 'CHECK (policy IN (''weighted'', ''round-robin'', ''priority'', ''rtt'', ''least-load''))',
                    'CHECK (length(policy) BETWEEN 1 AND 63)')
  WHERE type = 'table' AND name = 'services';
UPDATE sqlite_schema
  SET sql = replace(sql, 'CHECK (type IN (''icmp'', ''tcp'', ''http'', ''https'', ''dns''))',
                    'CHECK (length(type) BETWEEN 1 AND 63)')
  WHERE type = 'table' AND name = 'checks';
PRAGMA writable_schema = OFF;
)sql";

// Migration 4: topology (issue 11). A service may hold named pools, each with its own policy, and
// ordered rules mapping clients to them by country, continent, subdivision, ASN or client region;
// pools and rules live in one JSON object beside the service (the writer validates them whole,
// as it does policy_options), members name their pool, and sites may carry coordinates for the
// closest policy. geoip_files names the MMDB files the rules read, one per kind. A member is a
// site: further addresses beside `address` (answered together, one verdict), or a CNAME target
// instead of addresses, whose address is then NULL (removing NOT NULL and loosening a CHECK
// are the sqlite_schema edits SQLite documents as safe, as in migration 3).
constexpr const char* kTopologyV4 = R"sql(
ALTER TABLE members ADD COLUMN addresses TEXT NOT NULL DEFAULT '[]'
  CHECK (json_valid(addresses) AND json_type(addresses) = 'array');
ALTER TABLE members ADD COLUMN target TEXT NOT NULL DEFAULT '' CHECK (length(target) <= 1024);
ALTER TABLE services ADD COLUMN topology TEXT NOT NULL DEFAULT '{}'
  CHECK (json_valid(topology) AND json_type(topology) = 'object');
ALTER TABLE members ADD COLUMN pool TEXT NOT NULL DEFAULT '' CHECK (length(pool) <= 63);
ALTER TABLE members ADD COLUMN latitude REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90);
ALTER TABLE members ADD COLUMN longitude REAL
  CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180);
CREATE TABLE geoip_files (
  id   INTEGER PRIMARY KEY,
  kind TEXT NOT NULL UNIQUE CHECK (kind IN ('country', 'city', 'asn')),
  path TEXT NOT NULL CHECK (path <> '')
) STRICT;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
  SET sql = replace(sql, 'address       TEXT NOT NULL CHECK (address <> '''' AND address NOT GLOB ''*[^0-9A-Fa-f.:]*'')',
                    'address       TEXT CHECK (address IS NULL OR (address <> '''' AND address NOT GLOB ''*[^0-9A-Fa-f.:]*''))')
  WHERE type = 'table' AND name = 'members';
PRAGMA writable_schema = OFF;
)sql";

// Migration 5: traffic control (issue 12). A service may ramp a site that comes back from a
// small share of its weight to the whole of it over slow_start_s seconds (0: off); a member
// with a capacity stops taking share while the load its check reports is at or above it.
constexpr const char* kTrafficControlV5 = R"sql(
ALTER TABLE services ADD COLUMN slow_start_s INTEGER NOT NULL DEFAULT 0
  CHECK (slow_start_s BETWEEN 0 AND 3600);
ALTER TABLE members ADD COLUMN capacity REAL CHECK (capacity IS NULL OR capacity > 0);
)sql";

// The triggers that move meta.config_generation: every change of the configuration tables, and
// none of observations, agents or events, so a reader can tell a config change from a
// health-only one. SQLite has only row triggers: a bulk change bumps the counter once per row,
// which is fine, since readers only ask whether it moved.
std::string generation_trigger(const char* table, const char* op) {
  return std::string("CREATE TRIGGER ") + table + "_gen_" + op + " AFTER " + op + " ON " + table +
         " BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;\n";
}

std::string generation_triggers(std::initializer_list<const char*> tables) {
  std::string sql;
  for (const char* t : tables)
    for (const char* op : {"insert", "update", "delete"}) sql += generation_trigger(t, op);
  return sql;
}

constexpr size_t kMigrationCount = 5;

// The SQL taking user_version i to i + 1. Append cases only; never edit one that has shipped.
std::string migration_sql(size_t i) {
  switch (i) {
    case 0:
      return kSchemaV1 + generation_triggers({"zones", "records", "checks", "services", "members"});
    case 1:
      return kClientSubnetsV2 + generation_triggers({"client_subnets"});
    case 2:
      // Moving the rtt keys changes no configuration: config_generation stays.
      return "DROP TRIGGER services_gen_update;\n" + std::string(kCatalogueV3) +
             generation_trigger("services", "update");
    case 3:
      return kTopologyV4 + generation_triggers({"geoip_files"});
    case 4:
      return kTrafficControlV5;
  }
  return {};
}

struct Rollback {
  sqlite3* db;
  bool armed = true;
  ~Rollback() {
    if (armed) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
};

Error too_new(const std::string& path, int64_t version) {
  return make_error(ErrorKind::corrupt,
                    path + ": not a gslbd database (user_version " + std::to_string(version) +
                        " is newer than this gslbd)",
                    path);
}

}  // namespace

int schema_version() {
  return static_cast<int>(kMigrationCount);
}

Result<void> migrate(sqlite3* db, const std::string& path) {
  const int64_t latest = schema_version();
  auto version = query_int(db, path, "PRAGMA user_version");
  if (!version) return version.failure();
  if (*version == latest) return {};  // the common case takes no write lock
  if (*version > latest) return too_new(path, *version);

  // Another process may be migrating the same file: take the write lock, then look again.
  if (auto r = exec(db, path, "BEGIN IMMEDIATE"); !r) return r;
  Rollback guard{db};
  version = query_int(db, path, "PRAGMA user_version");
  if (!version) return version.failure();
  if (*version > latest) return too_new(path, *version);
  if (*version == 0) {
    auto tables = query_int(db, path, "SELECT count(*) FROM sqlite_schema");
    if (!tables) return tables.failure();
    if (*tables != 0)
      return make_error(ErrorKind::corrupt,
                        path + ": not a gslbd database (it has tables but user_version 0)", path);
  }
  for (int64_t v = *version; v < latest; ++v) {
    const std::string sql = migration_sql(static_cast<size_t>(v));
    if (auto r = exec(db, path, sql.c_str()); !r) {
      Error e = r.failure();
      e.message += " (in schema migration " + std::to_string(v + 1) + ")";
      return e;
    }
    // A migration may edit sqlite_schema directly: a new schema_version makes every connection,
    // this one included, read the schema again.
    auto schema = query_int(db, path, "PRAGMA schema_version");
    if (!schema) return schema.failure();
    const std::string bump = "PRAGMA schema_version = " + std::to_string(*schema + 1);
    if (auto r = exec(db, path, bump.c_str()); !r) return r;
  }
  // PRAGMA takes no parameters; the value is our own constant, not input.
  const std::string set_version = "PRAGMA user_version = " + std::to_string(latest);
  if (auto r = exec(db, path, set_version.c_str()); !r) return r;
  if (auto r = exec(db, path, "COMMIT"); !r) return r;
  guard.armed = false;
  return {};
}

}  // namespace gslb::sql
