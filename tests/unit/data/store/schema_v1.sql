-- A gslbd database at schema version 1 (migration 1 only, as gslbd 0.1 wrote it), with a little
-- data: tests/unit/zones/client_subnets_test.cc opens it with Store::open to check that migration 2
-- brings it to version 2 in place. Made with the sqlite3 shell's .dump; do not edit.
PRAGMA user_version = 1;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value ANY NOT NULL
) STRICT;
INSERT INTO meta VALUES('config_generation',4);
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
INSERT INTO zones VALUES(1,'gslb.test.','','ns1.gslb.test.','hostmaster.gslb.test.',1,3600,600,604800,60,300);
CREATE TABLE records (
  id      INTEGER PRIMARY KEY,
  zone_id INTEGER NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
  name    TEXT NOT NULL CHECK (name <> ''),
  type    TEXT NOT NULL CHECK (type <> ''),
  ttl     INTEGER NOT NULL DEFAULT 300 CHECK (ttl BETWEEN 0 AND 2147483647),
  rdata   TEXT NOT NULL
) STRICT;
INSERT INTO records VALUES(1,1,'gslb.test.','NS',300,'ns1.gslb.test.');
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
INSERT INTO services VALUES(1,1,'app.gslb.test.','rtt',30,NULL,1,'all',0,24,56,NULL,10,1000,1,NULL);
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
INSERT INTO members VALUES(1,1,'paris','192.0.2.1',1,1,'eu-west',1,NULL,0,NULL);
CREATE TABLE agents (
  id           TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
  region       TEXT NOT NULL DEFAULT '',
  last_seen_ms INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO agents VALUES('eu1','eu-west',1000);
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
INSERT INTO observations VALUES('eu1',1,1,1500,NULL,1000,'');
CREATE TABLE events (
  id        INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  agent_id  TEXT NOT NULL DEFAULT '',
  old_state TEXT NOT NULL CHECK (old_state IN ('unknown', 'up', 'down')),
  new_state TEXT NOT NULL CHECK (new_state IN ('unknown', 'up', 'down')),
  detail    TEXT NOT NULL DEFAULT '',
  at_ms     INTEGER NOT NULL
) STRICT;
CREATE INDEX records_zone ON records (zone_id);
CREATE INDEX services_zone ON services (zone_id);
CREATE INDEX services_check ON services (check_id);
CREATE INDEX members_check ON members (check_id);
CREATE INDEX observations_member ON observations (member_id);
CREATE INDEX events_member ON events (member_id, at_ms);
CREATE TRIGGER zones_gen_insert AFTER insert ON zones BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER zones_gen_update AFTER update ON zones BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER zones_gen_delete AFTER delete ON zones BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER records_gen_insert AFTER insert ON records BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER records_gen_update AFTER update ON records BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER records_gen_delete AFTER delete ON records BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER checks_gen_insert AFTER insert ON checks BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER checks_gen_update AFTER update ON checks BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER checks_gen_delete AFTER delete ON checks BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER services_gen_insert AFTER insert ON services BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER services_gen_update AFTER update ON services BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER services_gen_delete AFTER delete ON services BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER members_gen_insert AFTER insert ON members BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER members_gen_update AFTER update ON members BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
CREATE TRIGGER members_gen_delete AFTER delete ON members BEGIN UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
COMMIT;
