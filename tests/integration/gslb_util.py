"""Helpers for the GSLB integration tests (test_gslb.py, test_gslb_flood.py); stdlib only.

* GslbTestCase: one gslbd per test class serving a database in the class's own temp dir, with
  a JSON document from tests/integration/gslb/ applied before (or right after) it starts.
* apply()/write_doc(): run `gslbd apply --db DB FILE [--dry-run]` on a document (a variant of
  one of ours is written to the temp dir with its zone file paths made absolute).
* Db: direct sqlite3 access to the database, as healthd and an operator's script would write it
  (observations, drains, weights), each change its own short transaction.
* ask()/answer_addresses()/poll(): raw UDP queries (with ECS when asked) and bounded waits.
"""

import copy
import json
import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import tempfile
import time

import harness
from harness import build_query, opt_record, parse_message, udp_exchange

HERE = os.path.dirname(os.path.abspath(__file__))
DOC_DIR = os.path.join(HERE, "gslb")

TYPE_A = 1
TYPE_AAAA = 28
TYPE_SOA = 6
ECS_CODE = 8


def now_ms():
    return int(time.time() * 1000)


# --------------------------------------------------------------------------------------------
# Documents and `gslbd apply`
# --------------------------------------------------------------------------------------------

def load_doc(name):
    with open(os.path.join(DOC_DIR, name)) as f:
        return json.load(f)


def write_doc(doc, directory, name):
    """Writes `doc` to directory/name; relative zone file paths are made absolute against
    tests/integration/gslb/ (where our documents keep their zone files). Returns the path."""
    d = copy.deepcopy(doc)
    for z in d.get("zones", []):
        if "file" in z and not os.path.isabs(z["file"]):
            z["file"] = os.path.join(DOC_DIR, z["file"])
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(d, f, indent=1)
    return path


def apply(db, doc_path, dry_run=False, timeout=60):
    """Runs `gslbd apply`; returns the CompletedProcess (text stdout/stderr)."""
    cmd = [harness.gslbd_path(), "apply", "--db", db, doc_path]
    if dry_run:
        cmd.append("--dry-run")
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    p.transcript = "$ %s\n[exit %d]\n--- stdout\n%s--- stderr\n%s" % (
        " ".join(cmd), p.returncode, p.stdout, p.stderr)
    return p


def find(doc, service, member=None):
    """The service (or member) dict of `doc` by name."""
    for s in doc["services"]:
        if s["name"].rstrip(".") == service.rstrip("."):
            if member is None:
                return s
            for m in s["members"]:
                if m["name"] == member:
                    return m
    raise KeyError((service, member))


# --------------------------------------------------------------------------------------------
# The database, written directly
# --------------------------------------------------------------------------------------------

class Db:
    """A sqlite3 connection to the gslbd database; every write is its own transaction and
    returns time.monotonic() right after its COMMIT."""

    def __init__(self, path):
        self.path = path
        self.conn = sqlite3.connect(path, timeout=10, isolation_level=None,
                                    check_same_thread=False)
        self.conn.execute("PRAGMA foreign_keys = ON")

    def close(self):
        self.conn.close()

    def write(self, statements):
        """statements: list of (sql, params). One BEGIN IMMEDIATE ... COMMIT."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                c.execute(sql, params)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return time.monotonic()

    def scalar(self, sql, params=()):
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def service_id(self, service):
        sid = self.scalar("SELECT id FROM services WHERE name IN (?, ?)",
                          (service.rstrip("."), service.rstrip(".") + "."))
        if sid is None:
            raise KeyError("no service %s in %s: %r" % (
                service, self.path, self.conn.execute("SELECT name FROM services").fetchall()))
        return sid

    def member_id(self, service, member):
        mid = self.scalar("SELECT id FROM members WHERE service_id = ? AND name = ?",
                          (self.service_id(service), member))
        if mid is None:
            raise KeyError("no member %s of %s" % (member, service))
        return mid

    def member_address(self, member_id):
        return self.scalar("SELECT address FROM members WHERE id = ?", (member_id,))

    @staticmethod
    def observation_sql(agent, member_id, up, checked_at_ms=None, rtt_us=None, load=None,
                        detail=""):
        if checked_at_ms is None:
            checked_at_ms = now_ms()
        return ("INSERT INTO observations (agent_id, member_id, up, rtt_us, load, checked_at_ms,"
                " detail) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, member_id) DO UPDATE"
                " SET up = excluded.up, rtt_us = excluded.rtt_us, load = excluded.load,"
                " checked_at_ms = excluded.checked_at_ms, detail = excluded.detail",
                (agent, member_id, 1 if up else 0, rtt_us, load, checked_at_ms, detail))

    def observe(self, agent, member_id, up, checked_at_ms=None, **kw):
        return self.write([self.observation_sql(agent, member_id, up, checked_at_ms, **kw)])

    def observe_many(self, items):
        """items: (agent, member_id, up[, checked_at_ms]) tuples, one transaction."""
        return self.write([self.observation_sql(*i) for i in items])

    def forget(self, member_ids):
        return self.write([("DELETE FROM observations WHERE member_id = ?", (m,))
                           for m in member_ids])

    def drain(self, member_id, drained=True):
        return self.write([("UPDATE members SET drained_at_ms = ? WHERE id = ?",
                            (now_ms() if drained else None, member_id))])

    def config_generation(self):
        return self.scalar("SELECT value FROM meta WHERE key = 'config_generation'")

    def dump_config(self):
        """Every row of the configuration tables, for before/after comparisons."""
        out = {}
        for table in ("zones", "records", "checks", "services", "members", "meta"):
            out[table] = self.conn.execute("SELECT * FROM %s ORDER BY 1" % table).fetchall()
        return out


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------

def ecs_option(address, prefix):
    """RFC 7871 CLIENT-SUBNET option data for address/prefix (scope 0)."""
    if ":" in address:
        family, raw = 2, socket.inet_pton(socket.AF_INET6, address)
    else:
        family, raw = 1, socket.inet_pton(socket.AF_INET, address)
    raw = raw[:(prefix + 7) // 8]
    return struct.pack("!HBB", family, prefix, 0) + raw


def parse_ecs(data):
    """(family, source prefix, scope prefix, address text) of a CLIENT-SUBNET option."""
    family, source, scope = struct.unpack("!HBB", data[:4])
    raw = data[4:]
    if family == 1:
        addr = socket.inet_ntop(socket.AF_INET, raw + b"\x00" * (4 - len(raw)))
    else:
        addr = socket.inet_ntop(socket.AF_INET6, raw + b"\x00" * (16 - len(raw)))
    return family, source, scope, addr


def ask(port, name, qtype="A", ecs=None, timeout=1.0, tries=2):
    """One UDP query (resent once after `timeout`); returns parse_message()'s dict or None."""
    edns = None
    if ecs is not None:
        edns = opt_record(options=[(ECS_CODE, ecs_option(*ecs))])
    else:
        edns = opt_record()
    q = build_query(name, qtype, edns=edns)
    for _ in range(tries):
        data = udp_exchange(port, q, timeout=timeout)
        if data is not None:
            return parse_message(data)
    return None


def answer_addresses(resp, rtype=None):
    """Sorted rdata of the A/AAAA records in the answer section."""
    types = (TYPE_A, TYPE_AAAA) if rtype is None else (rtype,)
    return sorted(r["rdata"] for r in resp["answer"] if r["type"] in types)


def ecs_of(resp):
    for code, data in (resp.get("opt") or {}).get("options", []):
        if code == ECS_CODE:
            return parse_ecs(data)
    return None


def poll(fn, accept, t0=None, timeout=3.0, interval=0.05):
    """Calls fn() every `interval` s until accept(value) holds or `timeout` s have passed since
    t0 (a time.monotonic() value; now when None). Returns (seconds from t0 until the accepted
    value was in hand, or None; last value)."""
    if t0 is None:
        t0 = time.monotonic()
    value = None
    while True:
        started = time.monotonic()
        value = fn()
        if accept(value):
            return time.monotonic() - t0, value
        if time.monotonic() - t0 > timeout:
            return None, value
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


# --------------------------------------------------------------------------------------------
# The test case base
# --------------------------------------------------------------------------------------------

class GslbTestCase(harness.GslbdTestCase):
    """One gslbd per class on a database in its own temp dir. DOC (a file in gslb/) is applied
    before the server starts unless APPLY_AFTER_START, then it is applied once it runs (and
    cls.first_answer_s records how long the new service took to answer)."""

    DOC = None  # a file name in gslb/, or the document itself (a dict)
    APPLY_AFTER_START = False
    # Also the api role, on 127.0.0.1:cls.api_port, open to loopback without a token.
    API = False
    ZONES = ()
    THREADS = 2

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-gslb-")
        cls.db_path = os.path.join(cls.tmp, "gslb.db")
        if isinstance(cls.DOC, dict):
            cls.doc = copy.deepcopy(cls.DOC)
        else:
            cls.doc = load_doc(cls.DOC) if cls.DOC else None
        cls.doc_path = write_doc(cls.doc, cls.tmp, "doc.json") if cls.doc else None
        cls.apply_result = None
        try:
            if cls.doc and not cls.APPLY_AFTER_START:
                cls.apply_result = apply(cls.db_path, cls.doc_path)
                if cls.apply_result.returncode != 0:
                    raise RuntimeError("apply failed:\n" + cls.apply_result.transcript)
            args = ("--db", cls.db_path, "--roles", "dns")
            if cls.API:
                cls.api_port = harness.free_port()
                args = ("--db", cls.db_path, "--roles", "dns,api", "--api",
                        "127.0.0.1:%d" % cls.api_port, "--api-insecure-loopback")
            cls.server = harness.GslbdServer(cls.ZONES, args, threads=cls.THREADS).start()
            cls.port = cls.server.port
            cls.pid = cls.server.proc.pid
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        cls.db = Db(cls.db_path)
        cls.timings = []

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.timings:
                import sys
                sys.stderr.write("\n%s change-to-answer latencies: %s\n" % (cls.__name__, ", ".join(
                    "%s %.0f ms" % (what, took * 1000) for what, took in cls.timings)))
            cls.db.close()
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # Conveniences -------------------------------------------------------------------------
    def ask(self, name, qtype="A", ecs=None):
        r = ask(self.port, name, qtype, ecs)
        self.assertIsNotNone(r, "no answer to %s %s (ecs %s) after one resend" % (name, qtype, ecs))
        return r

    def addrs(self, name, qtype="A", ecs=None):
        """The answer's addresses, after checking the answer is a NOERROR AA one."""
        r = self.ask(name, qtype, ecs)
        self.assertEqual(r["status"], "NOERROR", "%s %s: %r" % (name, qtype, r))
        self.assertTrue(r["aa"], "%s %s: AA not set" % (name, qtype))
        return answer_addresses(r)

    def dig_addrs(self, name, qtype="A"):
        """dig's view: (status, sorted addresses, ttls)."""
        r = harness.run_dig(self.port, [name, qtype])
        self._last_tool_output = r["raw"]
        rrs = [a for a in r["answer"] if a["type"] == qtype]
        return r["status"], sorted(a["rdata"] for a in rrs), sorted({a["ttl"] for a in rrs})

    def assert_same_server(self):
        self.assertTrue(self.server.alive(), "gslbd died:\n" + self.server.stderr_text()[-4000:])
        self.assertEqual(self.server.proc.pid, self.pid, "gslbd was restarted")

    def wait_dig(self, name, accept, t0, what, qtype="A", limit=1.0, timeout=3.0):
        """Polls dig every 50 ms until accept((status, addrs, ttls)); asserts it came within
        `limit` s of t0 and returns the last (status, addrs, ttls)."""
        took, last = poll(lambda: self.dig_addrs(name, qtype), accept, t0=t0, timeout=timeout)
        self.assertIsNotNone(took, "%s: not seen within %.1f s; last answer %r" %
                             (what, timeout, last))
        self.assertLessEqual(took, limit, "%s: took %.3f s (limit %.1f s)" % (what, took, limit))
        self.timings.append((what, took))
        return last
