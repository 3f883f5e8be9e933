"""The REST API (api/API.md) against a live gslbd: every route's success and error cases, auth,
bad input that must change nothing, slow and idle clients, concurrent writers, metrics and drain.

Each class starts its own gslbd (`--roles dns,api --api 127.0.0.1:PORT`, never the health role)
on a database in its own temp dir where DOC was applied first with `gslbd apply`:

* TestRoutes            every route, explain, config round trip, observations, metrics, drain,
                        and the battery of bad requests (nothing written, byte for byte);
* TestAuth              a server with --api-token-file (admin and read tokens), and gslbd
                        refusing to start on a non-loopback --api without one or a bad file;
* TestSlowClients       half-sent headers are dropped by the header deadline while others are
                        served; connections over the cap get 503 and the API recovers;
* TestRequestLimits     headers over 16 KiB get a 431 JSON error and change nothing; a
                        connection serves 1000 requests, the last with `Connection: close`;
* TestConcurrentWriters 8 keep-alive clients x 500 writes (POSTs, then PATCHes of different
                        fields of the same members at once), nothing lost.

All traffic goes to 127.0.0.1; every wait is bounded.
"""

import copy
import http.client
import json
import os
import re
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness
from gslb_util import apply, now_ms, poll, write_doc

ZONE = "api.test"
APP = "app.api.test"
DRAIN = "drain.api.test"
ZERO = "zero.api.test"
FILE_ZONE = "files.test"

DOC = {
    "zones": [
        {"name": ZONE, "ttl": 300,
         "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
         "ns": ["ns1.api.test."],
         "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"},
                     {"name": "static", "type": "A", "ttl": 120, "data": "192.0.2.250"}]},
        {"name": FILE_ZONE, "file": "files.test.zone"},
    ],
    "checks": [
        {"name": "web", "type": "http", "port": 80, "path": "/health", "interval_ms": 1000,
         "timeout_ms": 500},
        {"name": "spare", "type": "tcp", "port": 9, "interval_ms": 2000, "timeout_ms": 1000},
    ],
    "services": [
        {"name": APP, "policy": "weighted", "ttl": 30, "check": "web",
         "members": [{"name": "a", "address": "192.0.2.1"},
                     {"name": "b", "address": "192.0.2.2", "weight": 2, "region": "eu"}]},
        {"name": DRAIN, "ttl": 30, "ttl_degraded": 5, "answers": 2,
         "members": [{"name": "x1", "address": "192.0.2.21"},
                     {"name": "x2", "address": "192.0.2.22"}]},
        {"name": ZERO, "ttl": 0,
         "members": [{"name": "z1", "address": "192.0.2.41"},
                     {"name": "z2", "address": "192.0.2.42"}]},
        {"name": "app.files.test", "ttl": 45,
         "members": [{"name": "only", "address": "192.0.2.51"}]},
    ],
}

ADMIN_TOKEN = "admin-token-0123456789abcdef"
READ_TOKEN = "read-token-0123456789abcdef"

ERROR_KEYS = {"error", "message", "field"}


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------

class Reply:
    def __init__(self, method, target, sent, status, headers, body):
        self.method, self.target, self.sent = method, target, sent
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name) if self.headers is not None else None

    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        text = "%s %s" % (self.method, self.target)
        if self.sent:
            text += "\n> " + self.sent[:600].decode("utf-8", "replace")
        text += "\n< %s\n" % self.status
        if self.headers is not None:
            text += "".join("< %s: %s\n" % (k, v) for k, v in self.headers.items())
        return text + "< " + self.body[:2000].decode("utf-8", "replace")


def http_request(port, method, target, body=None, headers=None, token=None,
                 content_type="application/json", timeout=15, conn=None):
    """One request; on its own connection unless `conn` (a kept-alive HTTPConnection) is given.
    body: a JSON-able value, or bytes sent as they are. content_type None: no Content-Type."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        if content_type is not None:
            hdrs.setdefault("Content-Type", content_type)
    if token is not None:
        hdrs["Authorization"] = "Bearer " + token
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(harness.HOST, port, timeout=timeout)
    try:
        conn.request(method, target, body=data, headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
        return Reply(method, target, data, r.status, r.msg, payload)
    finally:
        if own:
            conn.close()


def raw_exchange(port, data, timeout=10):
    """Sends raw bytes, reads one HTTP response (the server may close after it)."""
    s = socket.create_connection((harness.HOST, port), timeout=timeout)
    try:
        s.sendall(data)
        r = http.client.HTTPResponse(s, method=data.split(b" ", 1)[0].decode())
        r.begin()
        payload = r.read()
        return Reply("RAW", data[:200].decode("latin-1"), data[:600], r.status, r.msg, payload)
    finally:
        s.close()


def db_dump(path):
    """The whole database as SQL text (schema and every row), read on a fresh connection."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


_SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})?'
    r' (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse_prometheus(text):
    """{(name, ((label, value), ...) sorted): float}; raises ValueError on a bad line."""
    samples = {}
    typed = {}
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$", line)
            if not m:
                raise ValueError("line %d: bad comment %r" % (n, line))
            if m.group(1) == "TYPE":
                if m.group(3) not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise ValueError("line %d: bad type %r" % (n, line))
                typed[m.group(2)] = m.group(3)
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError("line %d: not `name{labels} value`: %r" % (n, line))
        name, labels, value = m.groups()
        if name not in typed:
            raise ValueError("line %d: sample before its # TYPE: %r" % (n, line))
        v = float(value)  # raises on garbage
        key = (name, tuple(sorted(_LABEL.findall(labels or ""))))
        if key in samples:
            raise ValueError("line %d: duplicate sample %r" % (n, line))
        samples[key] = v
    if not text.endswith("\n"):
        raise ValueError("the exposition does not end with a newline")
    return samples


def metric(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def metric_sum(samples, name, **labels):
    total = 0.0
    for (n, ls), v in samples.items():
        d = dict(ls)
        if n == name and all(d.get(k) == val for k, val in labels.items()):
            total += v
    return total


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

class ApiTestCase(harness.GslbdTestCase):
    """One gslbd (dns + api roles) per class, on a database where DOC was applied."""

    ZONES = ()
    # Without a token file writes need the opt-in (gslbd --help); TestAuth replaces it.
    EXTRA_ARGS = ("--api-insecure-loopback",)
    TOKEN = None  # sent by self.api() unless told otherwise

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-apitest-")
        cls.server = None
        try:
            cls.db_path = os.path.join(cls.tmp, "gslb.db")
            cls.doc_path = write_doc(DOC, cls.tmp, "doc.json")
            r = apply(cls.db_path, cls.doc_path)
            if r.returncode != 0:
                raise RuntimeError("apply failed:\n" + r.transcript)
            cls.prepare()
            cls._start()
        except BaseException:
            if cls.server is not None:
                cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def prepare(cls):
        pass

    @classmethod
    def _start(cls):
        last = ""
        for _attempt in range(4):
            cls.api_port = harness.free_port()
            server = harness.GslbdServer(
                (), ("--db", cls.db_path, "--roles", "dns,api",
                     "--api", "%s:%d" % (harness.HOST, cls.api_port)) + tuple(cls.EXTRA_ARGS))
            try:
                server.start()
            except RuntimeError as e:
                last = str(e)
                server.stop()
                continue
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and server.alive():
                try:
                    if http_request(cls.api_port, "GET", "/healthz", timeout=2).status == 200:
                        cls.server = server
                        cls.port = server.port
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            last = "the API did not answer /healthz within 10 s:\n" + server.stderr_text()
            server.stop()
        raise RuntimeError("gslbd with the api role did not start: " + last)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # Conveniences -------------------------------------------------------------------------
    def api(self, method, target, body=None, token="default", **kw):
        if token == "default":
            token = self.TOKEN
        r = http_request(self.api_port, method, target, body, token=token, **kw)
        self._last_tool_output = repr(r)
        return r

    def ok(self, method, target, body=None, status=200, **kw):
        """The request must succeed with `status`; returns the JSON answer (None for 204/304)."""
        r = self.api(method, target, body, **kw)
        self.assertEqual(r.status, status, repr(r))
        if status in (204, 304):
            self.assertEqual(r.body, b"", repr(r))
            return None
        self.assertEqual(r.content_type(), "application/json", repr(r))
        return r.json()

    def assert_error(self, r, status, code, field="any"):
        """A JSON error {"error", "message", "field"} (+ "errors" on a 422)."""
        self.assertEqual(r.status, status, repr(r))
        self.assertEqual(r.content_type(), "application/json", repr(r))
        try:
            body = r.json()
        except ValueError:
            self.fail("error body is not JSON: %r" % r)
        self.assertIsInstance(body, dict, repr(r))
        self.assertTrue(ERROR_KEYS <= set(body), "missing error keys: %r" % r)
        self.assertTrue(set(body) <= ERROR_KEYS | {"errors"}, "unexpected keys: %r" % r)
        self.assertEqual(body["error"], code, repr(r))
        self.assertIsInstance(body["message"], str, repr(r))
        self.assertTrue(body["message"], repr(r))
        if field != "any":
            self.assertEqual(body["field"], field, repr(r))
        if "errors" in body:
            self.assertIsInstance(body["errors"], list, repr(r))
            for e in body["errors"]:
                self.assertEqual(set(e), {"field", "message"}, repr(r))
        return body

    def cleanup_delete(self, target):
        """Deletes `target` at the end of the test whatever happened (404 is fine)."""
        self.addCleanup(lambda: self.api("DELETE", target))

    def config_text(self):
        r = self.api("GET", "/v1/config")
        self.assertEqual(r.status, 200, repr(r))
        return r.body

    def dns(self, name, qtype="A", timeout=1.0):
        """One UDP query (resent once); the parsed answer."""
        for _ in range(2):
            data = harness.udp_exchange(self.port, harness.build_query(name, qtype), timeout)
            if data is not None:
                return harness.parse_message(data)
        self.fail("no DNS answer to %s %s" % (name, qtype))

    def dns_addrs(self, name, qtype="A"):
        r = self.dns(name, qtype)
        want = harness.TYPES[qtype]
        return sorted(a["rdata"] for a in r["answer"] if a["type"] == want)

    def wait_dns(self, name, accept, what, qtype="A", timeout=2.0, limit=None):
        """Polls raw UDP queries every 10 ms until accept(parsed answer)."""
        t0 = time.monotonic()
        took, last = poll(lambda: self.dns(name, qtype), accept, t0=t0, timeout=timeout,
                          interval=0.01)
        self.assertIsNotNone(took, "%s: not seen within %.1f s; last answer %r"
                             % (what, timeout, last))
        if limit is not None:
            self.assertLessEqual(took, limit, "%s took %.3f s" % (what, took))
        return took, last


def stable(value):
    """`value` without the keys that move with the clock (age_ms), for comparisons."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k != "age_ms"}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def addrs_of(resp, rtype=1):
    return sorted(a["rdata"] for a in resp["answer"] if a["type"] == rtype)


# --------------------------------------------------------------------------------------------
# Every route
# --------------------------------------------------------------------------------------------

class TestRoutes(ApiTestCase):

    # -- meta ---------------------------------------------------------------------------------
    def test_healthz_readyz_openapi(self):
        self.assertEqual(self.ok("GET", "/healthz"), {"status": "ok"})
        ready = self.ok("GET", "/readyz")
        self.assertEqual((ready["status"], ready["database"]), ("ready", "ok"), ready)
        self.assertIsInstance(ready["snapshot_age_ms"], int, ready)
        self.assertTrue(0 <= ready["snapshot_age_ms"] < 5000, ready)
        spec = self.ok("GET", "/v1/openapi.json")
        self.assertTrue(spec["openapi"].startswith("3.0"), spec.get("openapi"))
        self.assertIn("/v1/services/{service}/members/{member}", spec["paths"])

    # -- zones and records --------------------------------------------------------------------
    def test_zones_list_and_get(self):
        zones = self.ok("GET", "/v1/zones")["zones"]
        self.assertEqual([z["name"] for z in zones], [ZONE, FILE_ZONE])
        z = zones[0]
        self.assertEqual(z["ttl"], 300)
        self.assertEqual(z["soa"]["mname"].rstrip("."), "ns1.api.test")
        self.assertEqual(z["soa"]["rname"].rstrip("."), "hostmaster.api.test")
        self.assertEqual((z["soa"]["serial"], z["soa"]["refresh"], z["soa"]["minimum"]),
                         (1, 3600, 60))
        self.assertEqual([n.rstrip(".") for n in z["ns"]], ["ns1.api.test"])
        self.assertEqual(sorted((r["name"].rstrip("."), r["type"], r["ttl"], r["data"])
                                for r in z["records"]),
                         [("ns1.api.test", "A", 300, "127.0.0.1"),
                          ("static.api.test", "A", 120, "192.0.2.250")])
        self.assertEqual(zones[1], {"name": FILE_ZONE,
                                    "file": os.path.join(harness.HERE, "gslb", "files.test.zone")})
        self.assertEqual(self.ok("GET", "/v1/zones/" + ZONE), z)
        self.assertEqual(self.ok("GET", "/v1/zones/API.Test."), z, "zone names are DNS names")
        self.assert_error(self.api("GET", "/v1/zones/nope.test"), 404, "not_found", None)

    def test_zone_create_replace_delete_and_dns(self):
        zone = {"name": "new.test", "ttl": 600,
                "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 7},
                "ns": ["ns1.new.test."],
                "records": [{"name": "ns1", "type": "A", "data": "127.0.0.2"}]}
        self.cleanup_delete("/v1/zones/new.test")
        created = self.ok("POST", "/v1/zones", zone, status=201)
        self.assertEqual(created["name"], "new.test")
        self.assertEqual((created["ttl"], created["soa"]["serial"]), (600, 7))
        self.assertEqual([n.rstrip(".") for n in created["ns"]], ["ns1.new.test"])
        self.assertEqual(self.ok("GET", "/v1/zones/new.test"), created)
        self.assert_error(self.api("POST", "/v1/zones", zone), 409, "conflict", "name")
        self.wait_dns("ns1.new.test", lambda r: addrs_of(r) == ["127.0.0.2"],
                      "the new zone answered", timeout=3.0)
        soa = self.dns("new.test", "SOA")
        self.assertTrue(soa["aa"])
        self.assertEqual(soa["answer"][0]["rdata"].split()[2], "7")

        replaced = dict(zone, ttl=900, records=[{"name": "ns1", "type": "A", "data": "127.0.0.3"},
                                                {"name": "www", "type": "A", "ttl": 60,
                                                 "data": "192.0.2.60"}])
        del replaced["name"]  # optional in PUT
        got = self.ok("PUT", "/v1/zones/new.test", replaced)
        self.assertEqual(got["ttl"], 900)
        self.assertEqual(sorted((r["name"].rstrip("."), r["data"]) for r in got["records"]),
                         [("ns1.new.test", "127.0.0.3"), ("www.new.test", "192.0.2.60")])
        self.assertEqual(self.ok("GET", "/v1/zones/new.test"), got)
        self.wait_dns("www.new.test", lambda r: addrs_of(r) == ["192.0.2.60"],
                      "the replaced zone answered", timeout=3.0)
        self.assert_error(self.api("PUT", "/v1/zones/new.test", dict(zone, name="other.test")),
                          422, "invalid", "name")
        self.assert_error(self.api("PUT", "/v1/zones/nope.test", zone), 404, "not_found", None)

        self.ok("DELETE", "/v1/zones/new.test", status=204)
        self.assert_error(self.api("GET", "/v1/zones/new.test"), 404, "not_found", None)
        self.assert_error(self.api("DELETE", "/v1/zones/new.test"), 404, "not_found", None)
        self.wait_dns("www.new.test", lambda r: r["status"] == "REFUSED",
                      "the deleted zone refused", timeout=3.0)
        self.assertEqual([z["name"] for z in self.ok("GET", "/v1/zones")["zones"]],
                         [ZONE, FILE_ZONE])

    def test_records(self):
        base = "/v1/zones/%s/records" % ZONE
        before = self.ok("GET", base)["records"]
        self.assertEqual(sorted((r["name"], r["type"], r["ttl"], r["data"]) for r in before),
                         [("api.test", "NS", 300, "ns1.api.test."),
                          ("ns1.api.test", "A", 300, "127.0.0.1"),
                          ("static.api.test", "A", 120, "192.0.2.250")])
        for r in before:
            self.assertIsInstance(r["id"], int)
            self.assertEqual(set(r), {"id", "name", "type", "ttl", "data"})
        rec = self.ok("POST", base, {"name": "www", "type": "A", "ttl": 60,
                                     "data": "192.0.2.77"}, status=201)
        self.cleanup_delete("%s/%d" % (base, rec["id"]))
        self.assertEqual({k: rec[k] for k in ("name", "type", "ttl", "data")},
                         {"name": "www.api.test", "type": "A", "ttl": 60, "data": "192.0.2.77"})
        self.assertNotIn(rec["id"], [r["id"] for r in before])
        self.assertIn(rec, self.ok("GET", base)["records"])
        self.wait_dns("www.api.test", lambda r: addrs_of(r) == ["192.0.2.77"],
                      "the new record answered", timeout=3.0)
        # TXT with the zone TTL by default
        txt = self.ok("POST", base, {"name": "info", "type": "TXT", "data": '"hello api"'},
                      status=201)
        self.cleanup_delete("%s/%d" % (base, txt["id"]))
        self.assertEqual((txt["name"], txt["ttl"]), ("info.api.test", 300))

        self.ok("DELETE", "%s/%d" % (base, rec["id"]), status=204)
        self.ok("DELETE", "%s/%d" % (base, txt["id"]), status=204)
        self.assertEqual(self.ok("GET", base)["records"], before)
        self.wait_dns("www.api.test", lambda r: r["status"] == "NXDOMAIN",
                      "the deleted record gone", timeout=3.0)
        self.assert_error(self.api("DELETE", "%s/%d" % (base, rec["id"])), 404, "not_found", None)
        self.assert_error(self.api("DELETE", base + "/abc"), 404, "not_found", None)
        # The apex NS is the zone's last one: the zone would be invalid without it.
        ns = [r for r in before if r["type"] == "NS"][0]
        self.assert_error(self.api("DELETE", "%s/%d" % (base, ns["id"])), 409, "conflict")
        self.assertEqual(self.ok("GET", base)["records"], before)
        # A zone served from a file: its records are the file's.
        fbase = "/v1/zones/%s/records" % FILE_ZONE
        self.assert_error(self.api("POST", fbase, {"name": "x", "type": "A",
                                                   "data": "192.0.2.9"}), 409, "conflict")
        self.assertEqual(self.ok("GET", fbase)["records"], [])
        self.assert_error(self.api("GET", "/v1/zones/nope.test/records"), 404, "not_found", None)

    # -- checks -------------------------------------------------------------------------------
    def test_checks(self):
        checks = self.ok("GET", "/v1/checks")["checks"]
        self.assertEqual([c["name"] for c in checks], ["web", "spare"])
        self.assertEqual(checks[0], {"name": "web", "type": "http", "port": 80, "path": "/health",
                                     "host": "", "expect_status": [], "expect_body": "",
                                     "interval_ms": 1000, "timeout_ms": 500, "rise": 2,
                                     "fall": 3, "options": {}})
        self.assertEqual(self.ok("GET", "/v1/checks/web"), checks[0])

        self.cleanup_delete("/v1/checks/ping")
        ping = self.ok("POST", "/v1/checks", {"name": "ping", "type": "icmp",
                                              "interval_ms": 500}, status=201)
        self.assertEqual((ping["type"], ping["interval_ms"], ping["timeout_ms"], ping["rise"]),
                         ("icmp", 500, 250, 2), "default timeout is min(500, interval / 2)")
        self.assertEqual(self.ok("GET", "/v1/checks/ping"), ping)
        self.assert_error(self.api("POST", "/v1/checks", {"name": "ping", "type": "icmp"}),
                          409, "conflict", "name")

        put = self.ok("PUT", "/v1/checks/ping", {"type": "tcp", "port": 443, "interval_ms": 2000,
                                                 "timeout_ms": 700, "rise": 4,
                                                 "expect_status": [200, 204]})
        self.assertEqual((put["name"], put["type"], put["port"], put["interval_ms"],
                          put["timeout_ms"], put["rise"], put["fall"], put["expect_status"]),
                         ("ping", "tcp", 443, 2000, 700, 4, 3, [200, 204]))
        # Options are the probe type's own keys (tcp has none): a stray one is refused by path.
        self.assert_error(self.api("PATCH", "/v1/checks/ping", {"fall": 5, "options": {"x": 1}}),
                          422, "invalid", "options.x")
        patched = self.ok("PATCH", "/v1/checks/ping", {"fall": 5})
        self.assertEqual(patched, dict(put, fall=5))
        # A shorter interval without a timeout: the old timeout (700) no longer fits.
        patched = self.ok("PATCH", "/v1/checks/ping", {"interval_ms": 600})
        self.assertEqual((patched["interval_ms"], patched["timeout_ms"], patched["port"]),
                         (600, 300, 443))
        self.assertEqual(self.ok("GET", "/v1/checks/ping"), patched)
        self.assert_error(self.api("PATCH", "/v1/checks/ping", {"timeout_ms": 600}),
                          422, "invalid", "timeout_ms")
        self.assert_error(self.api("PUT", "/v1/checks/ping", {"name": "pong", "type": "icmp"}),
                          422, "invalid", "name")
        self.assert_error(self.api("PUT", "/v1/checks/nope", {"type": "icmp"}),
                          404, "not_found", None)

        body = self.assert_error(self.api("DELETE", "/v1/checks/web"), 409, "conflict")
        self.assertIn(APP, body["message"])
        self.ok("DELETE", "/v1/checks/ping", status=204)
        self.assert_error(self.api("GET", "/v1/checks/ping"), 404, "not_found", None)
        self.assert_error(self.api("DELETE", "/v1/checks/ping"), 404, "not_found", None)
        self.assertEqual(self.ok("GET", "/v1/checks")["checks"], checks)

    # -- services and members -----------------------------------------------------------------
    def test_services_read(self):
        services = self.ok("GET", "/v1/services")["services"]
        self.assertEqual([s["name"] for s in services], [APP, DRAIN, ZERO, "app.files.test"])
        app = self.ok("GET", "/v1/services/" + APP)
        self.assertEqual(stable(services[0]), stable(app))
        expect = {"name": APP, "zone": ZONE, "policy": "weighted", "ttl": 30,
                  "ttl_degraded": None, "answers": 1, "fallback": "all", "persistence": False,
                  "quorum": None, "min_healthy": 1, "check": "web"}
        self.assertEqual({k: app[k] for k in expect}, expect)
        self.assertEqual(services[3]["zone"], FILE_ZONE)
        self.assertEqual(self.ok("GET", "/v1/services/" + DRAIN)["ttl_degraded"], 5)
        self.assertEqual([(m["name"], m["address"], m["weight"], m["region"], m["state"])
                          for m in app["members"]],
                         [("a", "192.0.2.1", 1, "", "up"), ("b", "192.0.2.2", 2, "eu", "up")])
        m = app["members"][1]  # b: never observed by any agent
        self.assertEqual({k: m[k] for k in ("priority", "enabled", "sorry", "check", "health",
                                            "stale", "rtt_us", "load", "drained",
                                            "drained_since_ms", "drain_complete_ms",
                                            "drain_remaining_ms", "observations",
                                            "last_change_ms")},
                         {"priority": 1, "enabled": True, "sorry": False, "check": None,
                          "health": "up", "stale": False, "rtt_us": None, "load": None,
                          "drained": False, "drained_since_ms": None,
                          "drain_complete_ms": None, "drain_remaining_ms": None,
                          "observations": [], "last_change_ms": None})
        self.assertEqual(stable(self.ok("GET", "/v1/services/%s/members" % APP)["members"]),
                         stable(app["members"]))
        self.assertEqual(self.ok("GET", "/v1/services/%s/members/b" % APP), app["members"][1])
        self.assert_error(self.api("GET", "/v1/services/nope.api.test"), 404, "not_found", None)
        self.assert_error(self.api("GET", "/v1/services/%s/members/zz" % APP),
                          404, "not_found", None)

    def test_service_create_replace_patch_delete(self):
        name = "new.api.test"
        body = {"name": name, "policy": "priority", "ttl": 20,
                "members": [{"name": "p1", "address": "192.0.2.31", "priority": 1},
                            {"name": "p2", "address": "192.0.2.32", "priority": 2}]}
        self.cleanup_delete("/v1/services/" + name)
        s = self.ok("POST", "/v1/services", body, status=201)
        self.assertEqual((s["name"], s["zone"], s["policy"], s["ttl"], s["answers"], s["check"]),
                         (name, ZONE, "priority", 20, 1, None))
        self.assertEqual([(m["name"], m["priority"], m["state"]) for m in s["members"]],
                         [("p1", 1, "up"), ("p2", 2, "up")])
        self.assertEqual(self.ok("GET", "/v1/services/" + name), s)
        self.assert_error(self.api("POST", "/v1/services", body), 409, "conflict", "name")
        _, r = self.wait_dns(name, lambda r: addrs_of(r) == ["192.0.2.31"],
                             "the new service answered", timeout=3.0)
        self.assertEqual(r["answer"][0]["ttl"], 20)
        for _ in range(10):
            self.assertEqual(self.dns_addrs(name), ["192.0.2.31"], "priority 1 is preferred")

        put = self.ok("PUT", "/v1/services/" + name, {"policy": "weighted", "ttl": 40,
                                                      "check": "spare"})
        self.assertEqual((put["policy"], put["ttl"], put["answers"], put["check"]),
                         ("weighted", 40, 1, "spare"))
        self.assertEqual([m["name"] for m in put["members"]], ["p1", "p2"], "PUT keeps members")
        self.assert_error(self.api("PUT", "/v1/services/" + name, {"ttl": 40, "members": []}),
                          422, "invalid", "members")
        self.assert_error(self.api("PUT", "/v1/services/" + name, {"name": "other.api.test"}),
                          422, "invalid", "name")
        patched = self.ok("PATCH", "/v1/services/" + name, {"answers": 2, "check": None})
        self.assertEqual((patched["policy"], patched["ttl"], patched["answers"],
                          patched["check"]), ("weighted", 40, 2, None))
        self.assertEqual(self.ok("GET", "/v1/services/" + name), patched)
        _, r = self.wait_dns(name, lambda r: addrs_of(r) == ["192.0.2.31", "192.0.2.32"],
                             "two answers", timeout=3.0)
        self.assertEqual({a["ttl"] for a in r["answer"]}, {40})

        self.ok("DELETE", "/v1/services/" + name, status=204)
        self.assert_error(self.api("GET", "/v1/services/" + name), 404, "not_found", None)
        self.assert_error(self.api("GET", "/v1/services/%s/members/p1" % name),
                          404, "not_found", None)
        self.assert_error(self.api("DELETE", "/v1/services/" + name), 404, "not_found", None)
        self.wait_dns(name, lambda r: r["status"] == "NXDOMAIN", "the deleted service gone",
                      timeout=3.0)

    def test_members_create_replace_patch_delete(self):
        base = "/v1/services/%s/members" % APP
        self.cleanup_delete(base + "/m3")
        m = self.ok("POST", base, {"name": "m3", "address": "2001:DB8::0:3", "weight": 3,
                                   "region": "us", "check": "spare"}, status=201)
        self.assertEqual({k: m[k] for k in ("name", "address", "weight", "priority", "region",
                                            "enabled", "sorry", "check", "state", "drained")},
                         {"name": "m3", "address": "2001:db8::3", "weight": 3, "priority": 1,
                          "region": "us", "enabled": True, "sorry": False, "check": "spare",
                          "state": "up", "drained": False})
        self.assertEqual([x["name"] for x in self.ok("GET", base)["members"]], ["a", "b", "m3"])
        got = self.ok("GET", base + "/m3")
        self.assertEqual(got["address"], "2001:db8::3")
        self.wait_dns(APP, lambda r: addrs_of(r, 28) == ["2001:db8::3"], "the new AAAA member",
                      qtype="AAAA", timeout=3.0)

        # PUT replaces: what is not given goes back to its default; GET's answer may be sent back.
        put = self.ok("PUT", base + "/m3", {"address": "192.0.2.3", "weight": 4})
        self.assertEqual((put["address"], put["weight"], put["region"], put["check"]),
                         ("192.0.2.3", 4, "", None))
        with self.subTest("PUT of GET's answer"):
            echoed = self.ok("PUT", base + "/m3", self.ok("GET", base + "/m3"))
            self.assertEqual(echoed, self.ok("GET", base + "/m3"))
        self.assert_error(self.api("PUT", base + "/m3", {"name": "m4", "address": "192.0.2.3"}),
                          422, "invalid", "name")
        self.assert_error(self.api("PUT", base + "/nope", {"address": "192.0.2.99"}),
                          404, "not_found", None)

        patched = self.ok("PATCH", base + "/m3", {"weight": 7, "priority": 3, "region": "ap",
                                                  "sorry": True, "enabled": False},
                          content_type="application/json; charset=utf-8")
        self.assertEqual((patched["weight"], patched["priority"], patched["region"],
                          patched["sorry"], patched["enabled"], patched["state"],
                          patched["address"]), (7, 3, "ap", True, False, "disabled", "192.0.2.3"))
        self.assertEqual(self.ok("GET", base + "/m3"), patched)
        patched = self.ok("PATCH", base + "/m3", {"enabled": True, "sorry": False,
                                                  "address": "192.0.2.33"})
        self.assertEqual((patched["state"], patched["address"], patched["weight"]),
                         ("up", "192.0.2.33", 7))

        self.ok("DELETE", base + "/m3", status=204)
        self.assert_error(self.api("GET", base + "/m3"), 404, "not_found", None)
        self.assert_error(self.api("DELETE", base + "/m3"), 404, "not_found", None)
        self.assertEqual([x["name"] for x in self.ok("GET", base)["members"]], ["a", "b"])
        self.wait_dns(APP, lambda r: r["status"] == "NOERROR" and addrs_of(r, 28) == [],
                      "the deleted AAAA member gone", qtype="AAAA", timeout=3.0)

    # -- agents, observations, health, events -------------------------------------------------
    def test_agent_checks_etag(self):
        r = self.api("GET", "/v1/agents/probe-7/checks")
        self.assertEqual(r.status, 200, repr(r))
        body = r.json()
        self.assertEqual(r.header("ETag"), '"%d"' % body["generation"])
        self.assertEqual([c["name"] for c in body["checks"]], ["web"],
                         "only the checks in use are listed")
        web = body["checks"][0]
        self.assertEqual((web["type"], web["port"], web["path"], web["interval_ms"]),
                         ("http", 80, "/health", 1000))
        self.assertIsInstance(web["id"], int)
        self.assertEqual(sorted((t["service"], t["member"], t["address"], t["check"],
                                 t["check_id"]) for t in body["targets"]),
                         [(APP, "a", "192.0.2.1", "web", web["id"]),
                          (APP, "b", "192.0.2.2", "web", web["id"])])
        self.assertTrue(all(isinstance(t["member_id"], int) for t in body["targets"]))
        self.assertEqual(len({t["member_id"] for t in body["targets"]}), 2)
        etag = r.header("ETag")

        r = self.api("GET", "/v1/agents/probe-7/checks", headers={"If-None-Match": etag})
        self.assertEqual(r.status, 304, repr(r))
        self.assertEqual(r.body, b"")
        self.assertEqual(r.header("ETag"), etag)
        r = self.api("GET", "/v1/agents/probe-7/checks", headers={"If-None-Match": '"1"'})
        self.assertEqual(r.status, 200, repr(r))

        # A configuration change moves the generation: the old ETag no longer matches. A
        # disabled member is not probed.
        self.ok("PATCH", "/v1/services/%s/members/b" % APP, {"weight": 5, "enabled": False})
        try:
            r = self.api("GET", "/v1/agents/probe-7/checks", headers={"If-None-Match": etag})
            self.assertEqual(r.status, 200, repr(r))
            self.assertGreater(r.json()["generation"], body["generation"])
            self.assertEqual(r.header("ETag"), '"%d"' % r.json()["generation"])
            self.assertNotEqual(r.header("ETag"), etag)
            self.assertEqual([t["member"] for t in r.json()["targets"]], ["a"])
        finally:
            self.ok("PATCH", "/v1/services/%s/members/b" % APP, {"weight": 2, "enabled": True})
        self.assert_error(self.api("GET", "/v1/agents/bad%20agent/checks"), 422, "invalid",
                          "agent")

    def member_ids(self):
        targets = self.ok("GET", "/v1/agents/x/checks")["targets"]
        return {t["member"]: t["member_id"] for t in targets if t["service"] == APP}

    def test_observations_health_agents_events(self):
        ids = self.member_ids()
        t_before = now_ms()
        res = self.ok("POST", "/v1/agents/probe-1/observations", {
            "region": "eu-west",
            "observations": [
                {"member_id": ids["a"], "up": False, "rtt_us": 1500, "load": 0.5,
                 "detail": "connection refused"},
                {"member_id": 999999, "up": True}]})
        t_after = now_ms()
        self.assertEqual(res, {"accepted": 1, "skipped": 1})
        try:
            m = self.ok("GET", "/v1/services/%s/members/a" % APP)
            self.assertEqual((m["state"], m["health"], m["stale"]), ("down", "down", False), m)
            self.assertEqual(len(m["observations"]), 1, m)
            o = m["observations"][0]
            self.assertEqual({k: o[k] for k in ("agent", "region", "up", "rtt_us", "load",
                                                "stale", "detail")},
                             {"agent": "probe-1", "region": "eu-west", "up": False,
                              "rtt_us": 1500, "load": 0.5, "stale": False,
                              "detail": "connection refused"})
            self.assertTrue(t_before <= o["checked_at_ms"] <= t_after, o)
            self.assertTrue(0 <= o["age_ms"] < 3000, o)
            self.assertIsNotNone(m["last_change_ms"])

            health = self.ok("GET", "/v1/health")
            self.assertTrue(abs(health["now_ms"] - now_ms()) < 5000, health["now_ms"])
            svc = [s for s in health["services"] if s["name"] == APP]
            self.assertEqual(len(svc), 1, health)
            self.assertEqual(svc[0]["policy"], "weighted")
            hm = {x["name"]: x for x in svc[0]["members"]}
            self.assertEqual((hm["a"]["state"], hm["b"]["state"]), ("down", "up"))
            self.assertEqual(hm["a"]["observations"][0]["agent"], "probe-1")
            self.assertEqual([s["name"] for s in health["services"]],
                             [APP, DRAIN, ZERO, "app.files.test"])
            only = self.ok("GET", "/v1/health?service=" + APP)
            self.assertEqual([s["name"] for s in only["services"]], [APP])
            self.assert_error(self.api("GET", "/v1/health?service=nope.api.test"),
                              404, "not_found", None)

            agents = self.ok("GET", "/v1/agents")["agents"]
            a = [x for x in agents if x["id"] == "probe-1"]
            self.assertEqual(len(a), 1, agents)
            self.assertEqual(a[0]["region"], "eu-west")
            self.assertTrue(t_before <= a[0]["last_seen_ms"] <= t_after, a)
            self.assertTrue(0 <= a[0]["age_ms"] < 10000, a)

            # DNS (through explain, which answers from the served snapshot) leaves a out.
            took, ex = poll(lambda: self.ok("GET", "/v1/explain?name=%s&type=A" % APP),
                            lambda e: {x["name"]: x["eligible"] for x in e["members"]}
                            == {"a": False, "b": True}, timeout=2.0)
            self.assertIsNotNone(took, "member a still eligible after its down report: %r" % ex)
            for _ in range(10):
                self.assertEqual(self.dns_addrs(APP), ["192.0.2.2"])
        finally:
            res = self.ok("POST", "/v1/agents/probe-1/observations", {
                "observations": [{"member_id": ids["a"], "up": True, "rtt_us": 800,
                                  "load": 0.25, "detail": "ok"}]})
            self.assertEqual(res, {"accepted": 1, "skipped": 0})
        m = self.ok("GET", "/v1/services/%s/members/a" % APP)
        self.assertEqual((m["state"], m["health"], m["rtt_us"], m["load"]), ("up", "up", 800, 0.25))
        self.assertEqual(m["observations"][0]["region"], "eu-west",
                         "an agent without a region keeps the one it had")
        events = self.ok("GET", "/v1/services/%s/members/a/events" % APP)["events"]
        self.assertEqual([(e["agent"], e["old"], e["new"]) for e in events],
                         [("probe-1", "down", "up"), ("probe-1", "unknown", "down")],
                         "newest first")
        self.assertTrue(events[0]["id"] > events[1]["id"])
        self.assertTrue(events[0]["at_ms"] >= events[1]["at_ms"] >= t_before)
        self.assertEqual(set(events[0]), {"id", "agent", "old", "new", "detail", "at_ms"})
        one = self.ok("GET", "/v1/services/%s/members/a/events?limit=1" % APP)["events"]
        self.assertEqual(one, events[:1])
        self.assertEqual(self.ok("GET", "/v1/services/%s/members/b/events" % APP)["events"], [])
        self.wait_dns(APP, lambda r: addrs_of(r) == ["192.0.2.1"], "member a answered again",
                      timeout=3.0)

    # -- explain ------------------------------------------------------------------------------
    def test_explain(self):
        e = self.ok("GET", "/v1/explain?name=%s&type=A&client=198.51.100.7" % APP)
        self.assertEqual((e["name"], e["type"], e["client"], e["rcode"]),
                         (APP, "A", "198.51.100.7", "NOERROR"))
        self.assertEqual(len(e["answers"]), 1, e)
        ans = e["answers"][0]
        self.assertEqual((ans["name"], ans["type"], ans["ttl"]), (APP + ".", "A", 30))
        self.assertIn(ans["data"], ("192.0.2.1", "192.0.2.2"))
        svc = e["service"]
        self.assertEqual((svc["name"], svc["policy"], svc["ttl"], svc["ttl_degraded"],
                          svc["answers"], svc["fallback"], svc["persistence"]),
                         (APP, "weighted", 30, None, 1, "all", False))
        d = e["decision"]
        self.assertEqual((d["candidates"], d["degraded"], d["ttl"], d["ecs_scope"],
                          d["picked"]), ("healthy", False, 30, 0, 1))
        members = {m["name"]: m for m in e["members"]}
        self.assertEqual(sorted(members), ["a", "b"])
        self.assertEqual([m["eligible"] for m in e["members"]], [True, True])
        picked = [m for m in e["members"] if m["picked"]]
        self.assertEqual(len(picked), 1, e)
        self.assertEqual(picked[0]["address"], ans["data"], "the picked member is the answer")
        # Weights 1:2: both get picked over a few tries.
        seen = set()
        for _ in range(40):
            e = self.ok("GET", "/v1/explain?name=%s" % APP)
            self.assertIsNone(e["client"])
            seen.add([m["name"] for m in e["members"] if m["picked"]][0])
            if seen == {"a", "b"}:
                break
        self.assertEqual(seen, {"a", "b"})

        two = self.ok("GET", "/v1/explain?name=%s&type=A&client=2001:db8::/48" % DRAIN)
        self.assertEqual(sorted(a["data"] for a in two["answers"]), ["192.0.2.21", "192.0.2.22"])
        self.assertEqual([m["picked"] for m in two["members"]], [True, True])
        self.assertEqual((two["decision"]["ttl"], two["decision"]["picked"]), (30, 2))

        static = self.ok("GET", "/v1/explain?name=static.api.test&type=A")
        self.assertEqual((static["rcode"], static["service"], static["decision"],
                          static["members"]), ("NOERROR", None, None, []))
        self.assertEqual([(a["name"], a["ttl"], a["data"]) for a in static["answers"]],
                         [("static.api.test.", 120, "192.0.2.250")])
        nodata = self.ok("GET", "/v1/explain?name=%s&type=AAAA" % APP)
        self.assertEqual((nodata["rcode"], nodata["answers"]), ("NOERROR", []))
        self.assertEqual([(a["name"], a["type"]) for a in nodata["authority"]],
                         [("api.test.", "SOA")], "NODATA carries the zone's SOA")
        with self.subTest("AAAA at a v4-only service"):
            # The name is a GSLB service: API.md nulls `service` (and empties `members`) only
            # for names that are not.
            self.assertIsNotNone(nodata["service"], "explain of AAAA at a v4-only service")
            self.assertEqual(nodata["service"]["name"], APP)
            self.assertEqual([(m["name"], m["eligible"], m["picked"])
                              for m in nodata["members"]],
                             [("a", False, False), ("b", False, False)])
        nx = self.ok("GET", "/v1/explain?name=nope.api.test")
        self.assertEqual((nx["rcode"], nx["answers"], nx["service"]), ("NXDOMAIN", [], None))
        refused = self.ok("GET", "/v1/explain?name=example.org")
        self.assertEqual(refused["rcode"], "REFUSED")

    # -- the whole document -------------------------------------------------------------------
    def test_config_round_trip_and_dry_run(self):
        text = self.config_text()
        doc = json.loads(text)
        self.assertEqual(set(doc), {"zones", "checks", "services"})
        self.assertEqual([s["name"] for s in doc["services"]], [APP, DRAIN, ZERO, "app.files.test"])
        self.assertEqual([m["name"] for m in doc["services"][0]["members"]], ["a", "b"])
        dump = db_dump(self.db_path)

        self.assertEqual(self.ok("PUT", "/v1/config", doc), {"changes": [], "dry_run": False})
        self.assertEqual(self.config_text(), text)
        self.assertEqual(db_dump(self.db_path), dump, "an identical PUT wrote rows")

        changed = copy.deepcopy(doc)
        changed["services"][0]["ttl"] = 99
        changed["services"][0]["members"].append({"name": "d", "address": "192.0.2.4"})
        res = self.ok("PUT", "/v1/config?dry_run=true", changed)
        self.assertTrue(res["dry_run"])
        self.assertEqual(sorted(res["changes"]),
                         ["+ member app.api.test/d", "~ service app.api.test: ttl 30 -> 99"])
        self.assertEqual(self.config_text(), text, "a dry run changed the configuration")
        self.assertEqual(db_dump(self.db_path), dump, "a dry run wrote rows")

        try:
            res = self.ok("PUT", "/v1/config", changed)
            self.assertEqual(res["dry_run"], False)
            self.assertEqual(sorted(res["changes"]),
                             ["+ member app.api.test/d", "~ service app.api.test: ttl 30 -> 99"])
            now = json.loads(self.config_text())
            self.assertEqual(now["services"][0]["ttl"], 99)
            self.assertEqual(now["services"][0]["members"][2]["address"], "192.0.2.4")
            self.wait_dns(APP, lambda r: r["answer"] and r["answer"][0]["ttl"] == 99,
                          "the new TTL served", timeout=3.0)
        finally:
            res = self.ok("PUT", "/v1/config", doc)
        self.assertEqual(len(res["changes"]), 2, res)
        self.assertEqual(self.config_text(), text)

    # -- metrics ------------------------------------------------------------------------------
    def scrape(self):
        r = self.api("GET", "/metrics")
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        try:
            return parse_prometheus(r.body.decode("utf-8"))
        except ValueError as e:
            self.fail("/metrics is not Prometheus text: %s\n%s" % (e, r.body[:3000]))

    def test_metrics_move(self):
        before = self.scrape()
        n = 20
        answered = 0
        for _ in range(n):
            data = harness.udp_exchange(self.port, harness.build_query(APP, "A"), timeout=2.0)
            self.assertIsNotNone(data, "no answer")
            r = harness.parse_message(data)
            self.assertEqual((r["status"], len(r["answer"])), ("NOERROR", 1))
            answered += 1
        after = self.scrape()
        key = dict(rcode="NOERROR", qtype="A")
        self.assertEqual(metric(after, "gslbd_dns_responses_total", **key)
                         - metric(before, "gslbd_dns_responses_total", **key), answered)
        self.assertEqual(metric_sum(after, "gslbd_member_answers_total", service=APP)
                         - metric_sum(before, "gslbd_member_answers_total", service=APP), n)
        self.assertEqual(metric(after, "gslbd_service_answers_total", service=APP)
                         - metric(before, "gslbd_service_answers_total", service=APP), n)
        # The first scrape itself was counted (after it answered); nothing else called /metrics.
        api_key = dict(route="/metrics", method="GET", status="200")
        self.assertEqual(metric(after, "gslbd_api_requests_total", **api_key)
                         - metric(before, "gslbd_api_requests_total", **api_key), 1)
        self.assertGreater(metric_sum(after, "gslbd_api_requests_total"),
                           metric_sum(before, "gslbd_api_requests_total"))
        for member in ("a", "b"):
            self.assertEqual(metric(after, "gslbd_member_up", service=APP, member=member), 1)
        self.assertIn(("gslbd_snapshot_rebuilds_total", ()), after)

        # An API error is counted by route and status.
        self.api("GET", "/v1/services/nope.api.test")
        again = self.scrape()
        nf = dict(route="/v1/services/{service}", method="GET", status="404")
        self.assertEqual(metric(again, "gslbd_api_requests_total", **nf)
                         - metric(after, "gslbd_api_requests_total", **nf), 1)

    # -- drain --------------------------------------------------------------------------------
    def test_drain(self):
        zero = "/v1/services/%s/members/z1" % ZERO
        x1 = "/v1/services/%s/members/x1" % DRAIN
        self.assertEqual(self.dns_addrs(DRAIN), ["192.0.2.21", "192.0.2.22"])
        # The TTL-0 drain first: its 5 s run while the rest is checked.
        t = now_ms()
        z = self.ok("PATCH", zero, {"drained": True})
        self.assertEqual((z["state"], z["drained"]), ("draining", True), z)
        self.assertTrue(t <= z["drained_since_ms"] <= now_ms(), z)
        self.assertEqual(z["drain_complete_ms"], z["drained_since_ms"] + 0 * 1000 + 5000)
        server_now = z["drain_complete_ms"] - z["drain_remaining_ms"]
        self.assertTrue(t <= server_now <= now_ms(), "drain_remaining_ms %r" % z)
        try:
            t = now_ms()
            m = self.ok("PATCH", x1, {"drained": True})
            t0 = time.monotonic()
            self.assertEqual((m["state"], m["drained"], m["enabled"]), ("draining", True, True))
            self.assertTrue(t <= m["drained_since_ms"] <= now_ms(), m)
            self.assertEqual(m["drain_complete_ms"], m["drained_since_ms"] + 30 * 1000 + 5000,
                             "max(ttl 30, ttl_degraded 5) s + 5 s")
            self.assertTrue(t <= m["drain_complete_ms"] - m["drain_remaining_ms"] <= now_ms(), m)
            got = self.ok("GET", x1)
            self.assertLessEqual(got["drain_remaining_ms"], m["drain_remaining_ms"])
            self.assertEqual({k: got[k] for k in ("state", "drained", "drained_since_ms",
                                                  "drain_complete_ms")},
                             {k: m[k] for k in ("state", "drained", "drained_since_ms",
                                                "drain_complete_ms")})
            took, _ = poll(lambda: self.dns_addrs(DRAIN), lambda a: a == ["192.0.2.22"],
                           t0=t0, timeout=3.0, interval=0.01)
            self.assertIsNotNone(took, "the drained member is still answered after 3 s")
            self.assertLessEqual(took, 0.5, "DNS named the drained member for %.3f s" % took)
            for _ in range(20):
                self.assertEqual(self.dns_addrs(DRAIN), ["192.0.2.22"])
            # Draining again keeps the first drain time.
            again = self.ok("PATCH", x1, {"drained": True, "weight": 3})
            self.assertEqual((again["drained_since_ms"], again["weight"]),
                             (m["drained_since_ms"], 3))
            # PUT keeps the drain: it is operational state, not configuration.
            put = self.ok("PUT", x1, {"address": "192.0.2.21"})
            self.assertEqual((put["drained"], put["drained_since_ms"], put["weight"]),
                             (True, m["drained_since_ms"], 1))
            self.assertEqual(self.ok("GET", "/v1/services/%s/members/x2" % DRAIN)["state"], "up")

            m = self.ok("PATCH", x1, {"drained": False})
            t0 = time.monotonic()
            self.assertEqual((m["state"], m["drained"], m["drained_since_ms"],
                              m["drain_complete_ms"], m["drain_remaining_ms"]),
                             ("up", False, None, None, None))
            took, _ = poll(lambda: self.dns_addrs(DRAIN),
                           lambda a: a == ["192.0.2.21", "192.0.2.22"], t0=t0, timeout=3.0,
                           interval=0.01)
            self.assertIsNotNone(took, "the undrained member is not answered after 3 s")
            self.assertLessEqual(took, 0.5, "undrain took %.3f s to reach DNS" % took)

            # TTL 0: "drained" once drained_since_ms + 5 s has passed.
            states = []
            deadline = time.monotonic() + 9
            state = None
            while time.monotonic() < deadline:
                got = self.ok("GET", zero)
                seen_at = now_ms()
                state = got["state"]
                states.append(state)
                if state == "drained":
                    self.assertEqual(got["drain_remaining_ms"], 0, got)
                    break
                self.assertEqual(state, "draining")
                self.assertLess(got["drained_since_ms"], z["drain_complete_ms"])
                time.sleep(0.1)
            self.assertEqual(state, "drained", "still %r 4 s after drain_complete_ms" % states)
            self.assertGreaterEqual(seen_at, z["drain_complete_ms"], "drained too early")
            self.assertLess(seen_at, z["drain_complete_ms"] + 2000, "drained too late")
            self.assertIn("draining", states)
            self.assertEqual(self.dns_addrs(ZERO), ["192.0.2.42"])
        finally:
            self.ok("PATCH", x1, {"drained": False, "weight": 1})
            z = self.ok("PATCH", zero, {"drained": False})
        self.assertEqual((z["state"], z["drained"]), ("up", False))
        self.wait_dns(ZERO, lambda r: "192.0.2.41" in addrs_of(r) or False,
                      "z1 answered again", timeout=3.0)

    # -- bad input ----------------------------------------------------------------------------
    def bad_requests(self):
        """(label, method, target, body, kwargs, status, error, field). body bytes are sent as
        they are (application/json unless kwargs say otherwise)."""
        svc = "/v1/services/" + APP
        mem = svc + "/members"
        doc = json.loads(self.config_text())
        bad_doc = copy.deepcopy(doc)
        bad_doc["services"][0]["ttl"] = 77  # valid alone: must not be written either
        bad_doc["services"][0]["members"][0]["address"] = "192.0.2.300"
        bad_doc["services"][1]["policy"] = "fastest"
        unknown_doc = dict(copy.deepcopy(doc), bogus=1)
        long_label = "a" * 64 + ".api.test"
        long_name = ".".join(["a" * 63] * 4) + ".api.test"
        zone_body = {"name": ZONE, "ttl": 300,
                     "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
                     "ns": ["ns1.api.test."],
                     "records": [{"name": "x", "type": "A", "data": "1.2.3"}]}
        J = {}
        return [
            ("invalid JSON", "POST", mem, b'{"name": "n1", ', J, 400, "bad_request", None),
            ("invalid JSON on PUT config", "PUT", "/v1/config", b"{zones: []}", J, 400,
             "bad_request", None),
            ("text/plain", "POST", mem, {"name": "n1", "address": "192.0.2.50"},
             {"content_type": "text/plain"}, 415, "unsupported_media_type", None),
            ("no Content-Type", "PATCH", mem + "/a", {"weight": 3}, {"content_type": None}, 415,
             "unsupported_media_type", None),
            ("form body on PUT config", "PUT", "/v1/config", b"zones=1",
             {"content_type": "application/x-www-form-urlencoded"}, 415,
             "unsupported_media_type", None),
            ("array body", "POST", mem, [{"name": "n1", "address": "192.0.2.50"}], J, 422,
             "invalid", None),
            ("string body", "PATCH", mem + "/a", "weight", J, 422, "invalid", None),
            ("empty PATCH", "PATCH", mem + "/a", {}, J, 422, "invalid", None),
            ("unknown member key", "POST", mem, {"name": "n1", "address": "192.0.2.50",
                                                 "colour": "red"}, J, 422, "invalid", "colour"),
            ("unknown PATCH key", "PATCH", mem + "/a", {"wieght": 3}, J, 422, "invalid",
             "wieght"),
            ("duplicate JSON key", "POST", mem,
             b'{"name": "n1", "address": "192.0.2.50", "name": "n2"}', J, 422, "invalid", "name"),
            ("weight as string", "POST", mem, {"name": "n1", "address": "192.0.2.50",
                                               "weight": "heavy"}, J, 422, "invalid", "weight"),
            ("weight 1.5", "PATCH", mem + "/a", {"weight": 1.5}, J, 422, "invalid", "weight"),
            ("weight null", "PATCH", mem + "/a", {"weight": None}, J, 422, "invalid", "weight"),
            ("weight 70000", "POST", mem, {"name": "n1", "address": "192.0.2.50",
                                           "weight": 70000}, J, 422, "invalid", "weight"),
            ("PATCH weight 70000", "PATCH", mem + "/a", {"weight": 70000}, J, 422, "invalid",
             "weight"),
            ("weight -1", "PATCH", mem + "/a", {"weight": -1}, J, 422, "invalid", "weight"),
            ("priority 300", "PATCH", mem + "/b", {"priority": 300}, J, 422, "invalid",
             "priority"),
            ("enabled 'yes'", "PATCH", mem + "/a", {"enabled": "yes"}, J, 422, "invalid",
             "enabled"),
            ("drained 'yes'", "PATCH", mem + "/a", {"drained": "yes"}, J, 422, "invalid",
             "drained"),
            ("rename member by PATCH", "PATCH", mem + "/a", {"name": "aa"}, J, 422, "invalid",
             "name"),
            ("region over 63", "PATCH", mem + "/a", {"region": "r" * 64}, J, 422, "invalid",
             "region"),
            ("bad IPv4", "POST", mem, {"name": "n1", "address": "192.0.2.256"}, J, 422,
             "invalid", "address"),
            ("bad IPv6", "POST", mem, {"name": "n1", "address": "2001:db8::g"}, J, 422,
             "invalid", "address"),
            ("IPv4 with prefix", "PATCH", mem + "/a", {"address": "192.0.2.0/24"}, J, 422,
             "invalid", "address"),
            ("missing address", "POST", mem, {"name": "n1"}, J, 422, "invalid", "address"),
            ("member name with a space", "POST", mem, {"name": "bad name",
                                                       "address": "192.0.2.50"}, J, 422,
             "invalid", "name"),
            ("duplicate member name", "POST", mem, {"name": "a", "address": "192.0.2.50"}, J,
             409, "conflict", "name"),
            ("duplicate address", "POST", mem, {"name": "n1", "address": "192.0.2.1"}, J, 422,
             "invalid", "address"),
            ("duplicate address by PATCH", "PATCH", mem + "/b", {"address": "192.0.2.1"}, J,
             422, "invalid", "address"),
            ("unknown member check", "POST", mem, {"name": "n1", "address": "192.0.2.50",
                                                   "check": "nope"}, J, 422, "invalid", "check"),
            ("PATCH unknown member", "PATCH", mem + "/nope", {"weight": 3}, J, 404, "not_found",
             None),
            ("POST member to unknown service", "POST", "/v1/services/nope.api.test/members",
             {"name": "n1", "address": "192.0.2.50"}, J, 404, "not_found", None),
            ("DELETE unknown member", "DELETE", mem + "/nope", None, J, 404, "not_found", None),
            ("PATCH unknown service", "PATCH", "/v1/services/nope.api.test", {"ttl": 5}, J, 404,
             "not_found", None),
            ("DELETE unknown service", "DELETE", "/v1/services/nope.api.test", None, J, 404,
             "not_found", None),
            ("service ttl -1", "PATCH", svc, {"ttl": -1}, J, 422, "invalid", "ttl"),
            ("service ttl 90000", "PATCH", svc, {"ttl": 90000}, J, 422, "invalid", "ttl"),
            ("answers 17", "PATCH", svc, {"answers": 17}, J, 422, "invalid", "answers"),
            ("unknown policy", "PATCH", svc, {"policy": "fastest"}, J, 422, "invalid", "policy"),
            ("unknown fallback", "PATCH", svc, {"fallback": "maybe"}, J, 422, "invalid",
             "fallback"),
            ("fallback sorry without sorry member", "PATCH", svc, {"fallback": "sorry"}, J, 422,
             "invalid", "fallback"),
            ("persistence v4 33", "PATCH", svc, {"persistence": {"v4": 33}}, J, 422, "invalid",
             "persistence.v4"),
            ("unknown service check", "PATCH", svc, {"check": "nope"}, J, 422, "invalid",
             "check"),
            ("rename service", "PATCH", svc, {"name": "other.api.test"}, J, 422, "invalid",
             "name"),
            ("members in service PATCH", "PATCH", svc, {"members": []}, J, 422, "invalid",
             "members"),
            ("POST existing service", "POST", "/v1/services", {"name": APP}, J, 409, "conflict",
             "name"),
            ("service name label of 64", "POST", "/v1/services", {"name": long_label}, J, 422,
             "invalid", "name"),
            ("service name over 255", "POST", "/v1/services", {"name": long_name}, J, 422,
             "invalid", "name"),
            ("service outside every zone", "POST", "/v1/services", {"name": "app.example.org"},
             J, 422, "invalid", "name"),
            ("service with a bad member", "POST", "/v1/services",
             {"name": "n.api.test", "members": [{"name": "m", "address": "300.1.1.1"}]}, J,
             422, "invalid", "members[0].address"),
            ("check timeout >= interval", "POST", "/v1/checks",
             {"name": "t", "type": "tcp", "port": 9, "interval_ms": 1000, "timeout_ms": 1000},
             J, 422, "invalid", "timeout_ms"),
            ("check interval 50", "PATCH", "/v1/checks/web", {"interval_ms": 50}, J, 422,
             "invalid", "interval_ms"),
            ("check port as string", "POST", "/v1/checks",
             {"name": "t", "type": "tcp", "port": "80"}, J, 422, "invalid", "port"),
            ("unknown check type", "POST", "/v1/checks", {"name": "t", "type": "smtp"}, J, 422,
             "invalid", "type"),
            ("tcp check without port", "POST", "/v1/checks", {"name": "t", "type": "tcp"}, J,
             422, "invalid", "port"),
            ("POST existing check", "POST", "/v1/checks", {"name": "web", "type": "tcp",
                                                           "port": 9}, J, 409, "conflict", "name"),
            ("DELETE check in use", "DELETE", "/v1/checks/web", None, J, 409, "conflict", None),
            ("PATCH unknown check", "PATCH", "/v1/checks/nope", {"rise": 2}, J, 404,
             "not_found", None),
            ("POST existing zone", "POST", "/v1/zones", {"name": ZONE, "file": "x"}, J, 409,
             "conflict", "name"),
            ("zone with a bad SOA serial", "POST", "/v1/zones",
             {"name": "new.test", "soa": {"mname": "ns1", "rname": "h", "serial": -1},
              "ns": ["ns1.new.test."]}, J, 422, "invalid", "soa.serial"),
            ("zone PUT with a bad record", "PUT", "/v1/zones/" + ZONE, zone_body, J, 422,
             "invalid", "records[0].data"),
            ("DELETE zone holding services", "DELETE", "/v1/zones/" + ZONE, None, J, 409,
             "conflict", None),
            ("DELETE file zone holding a service", "DELETE", "/v1/zones/" + FILE_ZONE, None, J,
             409, "conflict", None),
            ("record in a file zone", "POST", "/v1/zones/%s/records" % FILE_ZONE,
             {"name": "x", "type": "A", "data": "192.0.2.9"}, J, 409, "conflict", None),
            ("record with bad data", "POST", "/v1/zones/%s/records" % ZONE,
             {"name": "x", "type": "A", "data": "not-an-ip"}, J, 422, "invalid", "data"),
            ("record with negative ttl", "POST", "/v1/zones/%s/records" % ZONE,
             {"name": "x", "type": "A", "ttl": -5, "data": "192.0.2.9"}, J, 422, "invalid",
             "ttl"),
            ("record of type SOA", "POST", "/v1/zones/%s/records" % ZONE,
             {"name": "x", "type": "SOA", "data": "a b 1 2 3 4 5"}, J, 422, "invalid", "type"),
            ("record outside the zone", "POST", "/v1/zones/%s/records" % ZONE,
             {"name": "x.example.org.", "type": "A", "data": "192.0.2.9"}, J, 422, "invalid",
             "name"),
            ("DELETE unknown record", "DELETE", "/v1/zones/%s/records/999999" % ZONE, None, J,
             404, "not_found", None),
            ("config with an unknown key", "PUT", "/v1/config", unknown_doc, J, 422, "invalid",
             "bogus"),
            ("config with bad values", "PUT", "/v1/config", bad_doc, J, 422, "invalid",
             "services[0].members[0].address"),
            ("config dry_run=maybe", "PUT", "/v1/config?dry_run=maybe", doc, J, 400,
             "bad_request", "dry_run"),
            ("config not an object", "PUT", "/v1/config", [doc], J, 422, "invalid", None),
            ("explain without name", "GET", "/v1/explain?type=A", None, J, 400, "bad_request",
             "name"),
            ("explain unknown type", "GET", "/v1/explain?name=%s&type=BOGUS" % APP, None, J, 400,
             "bad_request", "type"),
            ("explain bad client", "GET", "/v1/explain?name=%s&client=300.1.1.1" % APP, None, J,
             400, "bad_request", "client"),
            ("explain client /33", "GET", "/v1/explain?name=%s&client=192.0.2.1/33" % APP, None,
             J, 400, "bad_request", "client"),
            ("explain client /x", "GET", "/v1/explain?name=%s&client=192.0.2.1/x" % APP, None,
             J, 400, "bad_request", "client"),
            ("explain name label of 64", "GET", "/v1/explain?name=" + long_label, None, J, 400,
             "bad_request", "name"),
            ("events limit 0", "GET", mem + "/a/events?limit=0", None, J, 400, "bad_request",
             "limit"),
            ("events limit abc", "GET", mem + "/a/events?limit=abc", None, J, 400,
             "bad_request", "limit"),
            ("events limit 10001", "GET", mem + "/a/events?limit=10001", None, J, 400,
             "bad_request", "limit"),
            ("observations bad member_id", "POST", "/v1/agents/probe-x/observations",
             {"observations": [{"member_id": "x", "up": True}]}, J, 422, "invalid",
             "observations[0].member_id"),
            ("observations member_id 0", "POST", "/v1/agents/probe-x/observations",
             {"observations": [{"member_id": 1, "up": True}, {"member_id": 0, "up": True}]}, J,
             422, "invalid", "observations[1].member_id"),
            ("observations without up", "POST", "/v1/agents/probe-x/observations",
             {"observations": [{"member_id": 1}]}, J, 422, "invalid", "observations[0].up"),
            ("observations up 'yes'", "POST", "/v1/agents/probe-x/observations",
             {"observations": [{"member_id": 1, "up": "yes"}]}, J, 422, "invalid",
             "observations[0].up"),
            ("observations rtt -1", "POST", "/v1/agents/probe-x/observations",
             {"observations": [{"member_id": 1, "up": True, "rtt_us": -1}]}, J, 422, "invalid",
             "observations[0].rtt_us"),
            ("observations in the future", "POST", "/v1/agents/probe-x/observations",
             {"observations": [{"member_id": 1, "up": True,
                                "checked_at_ms": now_ms() + 3600000}]}, J, 422, "invalid",
             "observations[0].checked_at_ms"),
            ("observations not an array", "POST", "/v1/agents/probe-x/observations",
             {"observations": {"member_id": 1, "up": True}}, J, 422, "invalid", "observations"),
            ("observations unknown key", "POST", "/v1/agents/probe-x/observations",
             {"observations": [], "extra": 1}, J, 422, "invalid", "extra"),
            ("observations bad agent id", "POST", "/v1/agents/bad%21agent/observations",
             {"observations": [{"member_id": 1, "up": True}]}, J, 422, "invalid", "agent"),
            ("observations as text/plain", "POST", "/v1/agents/probe-x/observations",
             {"observations": []}, {"content_type": "text/plain"}, 415,
             "unsupported_media_type", None),
            ("wrong method on a collection", "PATCH", "/v1/zones", {"x": 1}, J, 405,
             "method_not_allowed", None),
            ("wrong method on health", "DELETE", "/v1/health", None, J, 405,
             "method_not_allowed", None),
            ("unknown route", "GET", "/v1/nope", None, J, 404, "not_found", None),
            ("unknown route below a resource", "GET", mem + "/a/events/1", None, J, 404,
             "not_found", None),
            ("unknown route without v1", "POST", "/zones", {"name": "x"}, J, 404, "not_found",
             None),
            ("malformed percent-encoding", "GET", "/v1/services/%zz", None, J, 400,
             "bad_request", None),
            ("truncated percent-encoding", "PATCH", "/v1/services/app%2", {"ttl": 5}, J, 400,
             "bad_request", None),
            ("percent-encoded NUL", "DELETE", "/v1/services/app%00.api.test", None, J, 400,
             "bad_request", None),
            ("malformed query encoding", "GET", "/v1/explain?name=%G1", None, J, 400,
             "bad_request", None),
        ]

    def test_bad_requests_change_nothing(self):
        cases = self.bad_requests()
        self.assertGreaterEqual(len(cases), 40)
        self.assertEqual(len({c[0] for c in cases}), len(cases), "labels must be distinct")
        config_before = self.config_text()
        dump_before = db_dump(self.db_path)
        for label, method, target, body, kw, status, code, field in cases:
            with self.subTest(label):
                r = self.api(method, target, body, **kw)
                self.assert_error(r, status, code, field)
                if status == 405:
                    self.assertTrue(r.header("Allow"), repr(r))
                self.assertEqual(self.config_text(), config_before,
                                 "%s changed GET /v1/config" % label)
                self.assertEqual(db_dump(self.db_path), dump_before,
                                 "%s changed the database" % label)
        # Wrong methods list the allowed ones.
        r = self.api("PATCH", "/v1/zones", {"x": 1})
        self.assertEqual(sorted(a.strip() for a in r.header("Allow").split(",")),
                         ["GET", "POST"], repr(r))
        r = self.api("POST", "/v1/zones/" + ZONE, {"x": 1})
        self.assertEqual(sorted(a.strip() for a in r.header("Allow").split(",")),
                         ["DELETE", "GET", "PUT"], repr(r))
        r = self.api("DELETE", "/v1/health")
        self.assertEqual(r.header("Allow"), "GET", repr(r))

        # Over 1 MiB: 413, from the Content-Length (before the body) or from a chunk's size.
        big_heads = [
            ("Content-Length over 1 MiB on PUT /v1/config",
             b"PUT /v1/config HTTP/1.1\r\nContent-Length: %d\r\n" % ((1 << 20) + 1)),
            ("Content-Length over 1 MiB on PATCH member",
             b"PATCH /v1/services/app.api.test/members/a HTTP/1.1\r\nContent-Length: %d\r\n"
             % (50 << 20)),
            ("a chunk over 1 MiB on PUT /v1/config",
             b"PUT /v1/config HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"),
        ]
        for label, head, in big_heads:
            with self.subTest(label):
                data = head + b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n\r\n"
                if b"chunked" in head:
                    data += b"%x\r\n" % ((1 << 20) + 1)
                r = raw_exchange(self.api_port, data + b'{"zones": [', timeout=5)
                self._last_tool_output = repr(r)
                self.assert_error(r, 413, "payload_too_large", None)
                self.assertEqual(self.config_text(), config_before)
        with self.subTest("a body of exactly 1 MiB is read and judged on its content"):
            big = json.dumps({"zones": [], "checks": [], "services": [],
                              "pad": "x" * ((1 << 20) - 60)}).encode()
            big += b" " * ((1 << 20) - len(big))
            self.assertEqual(len(big), 1 << 20)
            self.assert_error(self.api("PUT", "/v1/config?dry_run=true", big), 422, "invalid",
                              "pad")

        self.assertEqual(self.config_text(), config_before, "the battery changed the config")
        self.assertEqual(db_dump(self.db_path), dump_before, "the battery changed the database")
        self.assertTrue(self.server.alive())
        self.assertEqual(self.ok("GET", "/healthz"), {"status": "ok"})


# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------

class TestWritesNeedAToken(ApiTestCase):
    """No --api-token-file and no --api-insecure-loopback: reads as ever, writes refused (any
    local user can reach a loopback port)."""
    EXTRA_ARGS = ()

    def test_writes_are_401_and_change_nothing(self):
        before = self.ok("GET", "/v1/config")
        for method, target, body in (("PATCH", "/v1/services/%s/members/a" % APP, {"weight": 9}),
                                     ("PUT", "/v1/config", {"zones": []}),
                                     ("DELETE", "/v1/checks/spare", None)):
            with self.subTest(method=method, target=target):
                r = self.api(method, target, body)
                self.assert_error(r, 401, "unauthorized", None)
                message = r.json()["message"]
                self.assertIn("--api-token-file", message)
                self.assertIn("--api-insecure-loopback", message)
        self.assertEqual(self.ok("GET", "/v1/config"), before)
        self.assertEqual(self.api("GET", "/readyz").status, 200)


class TestZoneFilesOutsideTheZoneDir(ApiTestCase):
    """A zone file named through the API outside the zone directory (the database's): 403,
    the file never read nor quoted."""

    def test_refused_unread(self):
        secret = os.path.join(harness.HERE, "gslb", "files.test.zone")  # outside self.tmp
        for file in (secret, "/etc/passwd", "../" + os.path.basename(self.tmp) + "/../x"):
            with self.subTest(file=file):
                r = self.api("PUT", "/v1/config", {"zones": [{"name": "f.test", "file": file}]})
                self.assert_error(r, 403, "forbidden", "zones[0].file")
                self.assertIn(self.tmp, r.json()["message"])
                self.assertNotIn(b"root:", r.body)
                self.assertNotIn(b"SOA", r.body)
                r = self.api("POST", "/v1/zones", {"name": "f.test", "file": file})
                self.assert_error(r, 403, "forbidden", "file")
        self.assertEqual([z["name"] for z in self.ok("GET", "/v1/zones")["zones"]],
                         [ZONE, FILE_ZONE])


class TestAuth(ApiTestCase):
    @classmethod
    def prepare(cls):
        path = os.path.join(cls.tmp, "tokens")
        with open(path, "w") as f:
            f.write("# gslbd API tokens\n\nadmin %s\n  read   %s   # the dashboards\n"
                    % (ADMIN_TOKEN, READ_TOKEN))
        os.chmod(path, 0o600)
        cls.EXTRA_ARGS = ("--api-token-file", path)

    def test_no_token_is_401_with_www_authenticate(self):
        for method, target, body in (("GET", "/v1/config", None), ("GET", "/metrics", None),
                                     ("GET", "/v1/services/" + APP, None),
                                     ("PATCH", "/v1/services/%s/members/a" % APP, {"weight": 9}),
                                     ("POST", "/v1/agents/p/observations",
                                      {"observations": []})):
            with self.subTest(method=method, target=target):
                r = self.api(method, target, body, token=None)
                self.assert_error(r, 401, "unauthorized", None)
                self.assertTrue((r.header("WWW-Authenticate") or "").startswith("Bearer"),
                                repr(r))

    def test_unknown_token_is_401(self):
        for token in ("x" * 27, ADMIN_TOKEN + "x", ADMIN_TOKEN[:-1], READ_TOKEN.upper()):
            r = self.api("GET", "/v1/config", token=token)
            self.assert_error(r, 401, "unauthorized", None)
            self.assertTrue((r.header("WWW-Authenticate") or "").startswith("Bearer"), repr(r))
        r = self.api("GET", "/v1/config", token=None,
                     headers={"Authorization": "Basic " + ADMIN_TOKEN})
        self.assert_error(r, 401, "unauthorized", None)

    def test_read_token(self):
        doc = self.ok("GET", "/v1/config", token=READ_TOKEN)
        self.assertEqual([s["name"] for s in doc["services"]][0], APP)
        self.assertEqual(self.ok("GET", "/v1/services/%s/members/a" % APP,
                                 token=READ_TOKEN)["weight"], 1)
        r = self.api("GET", "/metrics", token=READ_TOKEN)
        self.assertEqual(r.status, 200, repr(r))
        before = self.api("GET", "/v1/config", token=READ_TOKEN).body
        for method, target, body in (
                ("PATCH", "/v1/services/%s/members/a" % APP, {"weight": 9}),
                ("PUT", "/v1/config", doc),
                ("DELETE", "/v1/services/" + APP, None),
                ("POST", "/v1/agents/p/observations", {"observations": []})):
            with self.subTest(method=method, target=target):
                self.assert_error(self.api(method, target, body, token=READ_TOKEN), 403,
                                  "forbidden", None)
        self.assertEqual(self.api("GET", "/v1/config", token=READ_TOKEN).body, before)

    def test_admin_token_writes(self):
        m = self.ok("PATCH", "/v1/services/%s/members/a" % APP, {"weight": 9}, token=ADMIN_TOKEN)
        try:
            self.assertEqual(m["weight"], 9)
            self.assertEqual(self.ok("GET", "/v1/services/%s/members/a" % APP,
                                     token=READ_TOKEN)["weight"], 9)
        finally:
            m = self.ok("PATCH", "/v1/services/%s/members/a" % APP, {"weight": 1},
                        token=ADMIN_TOKEN)
        self.assertEqual(m["weight"], 1)
        self.assertEqual(self.ok("GET", "/v1/agents", token=ADMIN_TOKEN)["agents"], [])
        # Bearer is case-insensitive; the token is not.
        r = self.api("GET", "/v1/zones", token=None,
                     headers={"Authorization": "bearer " + ADMIN_TOKEN})
        self.assertEqual(r.status, 200, repr(r))

    def test_open_routes_need_no_token(self):
        self.assertEqual(self.ok("GET", "/healthz", token=None), {"status": "ok"})
        self.assertEqual(self.ok("GET", "/readyz", token=None)["status"], "ready")
        self.assertIn("paths", self.ok("GET", "/v1/openapi.json", token=None))
        # A wrong token does not break them either.
        self.assertEqual(self.ok("GET", "/healthz", token="nonsense-token-nonsense"),
                         {"status": "ok"})

    # -- refusing to start --------------------------------------------------------------------
    def run_gslbd(self, args, timeout=15):
        """Runs gslbd expecting it to refuse; returns (returncode, stderr)."""
        tmp = tempfile.mkdtemp(prefix="gslbd-apitest-refuse-", dir=self.tmp)
        cmd = [harness.gslbd_path(), "--listen", "%s:%d" % (harness.HOST, harness.free_port()),
               "--threads", "1", "--db", os.path.join(tmp, "gslb.db"), "--roles", "dns,api"]
        cmd += list(args)
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            self.fail("gslbd did not refuse to start (still running after %d s): %s\n%s"
                      % (timeout, " ".join(cmd), err[-3000:]))
        self.assertEqual([m for m in harness.SANITIZER_MARKERS if m in err], [], err)
        return p.returncode, err

    def test_refuses_wildcard_api_without_token_file(self):
        code, err = self.run_gslbd(["--api", "0.0.0.0:%d" % harness.free_port()])
        self.assertNotEqual(code, 0, err)
        self.assertIn("--api-token-file", err)
        self.assertIn("0.0.0.0", err)

    def test_refuses_bad_token_file(self):
        path = os.path.join(self.tmp, "bad-tokens")
        with open(path, "w") as f:
            f.write("admin %s\nsuperuser %s\n" % (ADMIN_TOKEN, READ_TOKEN))
        code, err = self.run_gslbd(["--api", "127.0.0.1:%d" % harness.free_port(),
                                    "--api-token-file", path])
        self.assertNotEqual(code, 0, err)
        self.assertIn('unknown role "superuser"', err)
        self.assertIn(path + ":2", err)

        with open(path, "w") as f:
            f.write("read short-token\n")
        code, err = self.run_gslbd(["--api", "127.0.0.1:%d" % harness.free_port(),
                                    "--api-token-file", path])
        self.assertNotEqual(code, 0, err)
        self.assertIn("shorter than 16", err)

        code, err = self.run_gslbd(["--api", "127.0.0.1:%d" % harness.free_port(),
                                    "--api-token-file", path + ".missing"])
        self.assertNotEqual(code, 0, err)
        self.assertIn(path + ".missing", err)


# --------------------------------------------------------------------------------------------
# Slow and idle clients
# --------------------------------------------------------------------------------------------

def closed_now(sock, received=None):
    """True when the peer has closed (EOF or reset); data, if any, is appended to `received`
    (a bytearray) when one is given."""
    try:
        data = sock.recv(65536)
    except (BlockingIOError, socket.timeout):
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    if received is not None:
        received += data
    return not data


class TestSlowClients(ApiTestCase):
    HEADER_TIMEOUT = 10.0  # HttpLimits::header_timeout (api/http_server.h)
    CAP = 256              # HttpLimits::max_connections

    def test_1_stalled_headers_are_dropped_while_others_are_served(self):
        """Each stalled header is answered 408 with a JSON error at the header deadline, then
        closed (a stalled body gets the same at the body deadline, 30 s: unit test
        HttpServer.AStalledHeaderOrBodyGets408WithAJsonError covers it with short limits)."""
        half = socket.create_connection((harness.HOST, self.api_port), timeout=5)
        half.sendall(b"GET /v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        trickle = socket.create_connection((harness.HOST, self.api_port), timeout=5)
        t0 = time.monotonic()
        text = b"GET /v1/zones HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"x" * 200
        sent = 0
        closed = {}
        received = {"half": bytearray(), "trickle": bytearray()}
        served = 0
        try:
            half.setblocking(False)
            trickle.setblocking(False)
            while time.monotonic() - t0 < 15 and len(closed) < 2:
                for name, s in (("half", half), ("trickle", trickle)):
                    if name not in closed:
                        r, _, _ = select.select([s], [], [], 0)
                        if r and closed_now(s, received[name]):
                            closed[name] = time.monotonic() - t0
                # The trickle stops a second before the deadline: a byte sent into the
                # closing connection would draw a reset that could discard the 408 unread.
                if ("trickle" not in closed and sent < len(text)
                        and time.monotonic() - t0 < self.HEADER_TIMEOUT - 1.0):
                    try:
                        trickle.send(text[sent:sent + 1])  # one byte at a time
                        sent += 1
                    except (BrokenPipeError, ConnectionResetError):
                        closed["trickle"] = time.monotonic() - t0
                # Meanwhile everybody else is served.
                zones = self.ok("GET", "/v1/zones")["zones"]
                self.assertEqual([z["name"] for z in zones], [ZONE, FILE_ZONE])
                served += 1
                time.sleep(0.2)
        finally:
            half.close()
            trickle.close()
        sys.stderr.write("\n%s: stalled connections closed after %s; %d requests served "
                         "meanwhile\n" % (type(self).__name__,
                                          {k: "%.1f s" % v for k, v in closed.items()}, served))
        self.assertIn("half", closed, "a half-sent header was not dropped within 15 s")
        for name, data in received.items():
            head, _, body = bytes(data).partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 408 "), (name, bytes(data[:300])))
            self.assertIn(b"application/json", head.lower())
            err = json.loads(body.decode())
            self.assertTrue(ERROR_KEYS <= set(err), err)
            self.assertEqual(err["error"], "request_timeout")
            self.assertIn("did not arrive within 10000 ms", err["message"])
        self.assertIn("trickle", closed, "a header trickling in was not dropped within 15 s")
        for name, after in closed.items():
            self.assertGreaterEqual(after, self.HEADER_TIMEOUT - 1.5,
                                    "%s closed before the header deadline" % name)
            self.assertLessEqual(after, 15.0)
        self.assertGreaterEqual(served, 20)

    def test_2_idle_connections_over_the_cap(self):
        extra = 24
        socks = []
        time.sleep(0.5)  # the server has seen every earlier connection of ours close
        try:
            for _ in range(self.CAP + extra):
                s = socket.create_connection((harness.HOST, self.api_port), timeout=5)
                socks.append(s)
            # Those over the cap are answered 503 (or closed) right away; the rest stay open.
            refused = {}
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and len(refused) < extra:
                readable, _, _ = select.select([s for s in socks if s not in refused], [], [],
                                               0.2)
                for s in readable:
                    s.settimeout(1)
                    data = b""
                    try:
                        while True:
                            chunk = s.recv(65536)
                            if not chunk:
                                break
                            data += chunk
                    except (ConnectionResetError, BrokenPipeError, socket.timeout):
                        pass
                    refused[s] = data
            time.sleep(0.3)  # nothing else should be refused
            readable, _, _ = select.select([s for s in socks if s not in refused], [], [], 0.2)
            self.assertEqual(len(refused), extra, "refused %d of %d connections over the cap "
                             "of %d" % (len(refused), self.CAP + extra, self.CAP))
            self.assertEqual(readable, [], "connections under the cap were answered or closed")
            answered = [d for d in refused.values() if d]
            for data in answered:
                head, _, body = data.partition(b"\r\n\r\n")
                self.assertTrue(head.startswith(b"HTTP/1.1 503 "), data[:300])
                err = json.loads(body.decode())
                self.assertTrue(ERROR_KEYS <= set(err), err)
            sys.stderr.write("\n%s: %d connections over the cap: %d answered 503, %d closed\n"
                             % (type(self).__name__, extra, len(answered),
                                extra - len(answered)))
            # While full, a new request is refused too.
            try:
                r = http_request(self.api_port, "GET", "/healthz", timeout=5)
                self.assertEqual(r.status, 503, repr(r))
            except (ConnectionError, http.client.RemoteDisconnected):
                pass
        finally:
            for s in socks:
                s.close()
        # The idle ones are closed by us: the API answers again at once.
        took, r = poll(lambda: http_request(self.api_port, "GET", "/healthz", timeout=5),
                       lambda r: r.status == 200, timeout=5.0, interval=0.05)
        self.assertIsNotNone(took, "the API did not recover after the idle connections left: %r"
                             % r)
        self.assertEqual(json.loads(self.config_text())["services"][0]["name"], APP)


def read_to_close(sock, timeout):
    """(closed, data): whether the peer closed (EOF or reset) within `timeout`, and what it sent
    before."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, data
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False, data
        except (ConnectionResetError, BrokenPipeError):
            return True, data
        if not chunk:
            return True, data
        data += chunk


class TestRequestLimits(ApiTestCase):
    MAX_HEADER = 16 * 1024  # HttpLimits::max_header (api/http_server.h)
    MAX_REQUESTS = 1000     # HttpLimits::max_requests_per_connection

    def test_headers_over_the_limit_are_431_and_change_nothing(self):
        before = self.config_text()
        dump_before = db_dump(self.db_path)
        target = b"/v1/services/%s/members/a" % APP.encode()
        body = b'{"weight": 7}'
        pads = [("one long field", b"X-Pad: " + b"x" * (self.MAX_HEADER + 100) + b"\r\n"),
                ("many fields", b"".join(b"X-Pad-%d: %s\r\n" % (i, b"y" * 100)
                                         for i in range(200)))]
        for label, pad in pads:
            with self.subTest(label):
                data = (b"PATCH " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
                        + pad + b"\r\n" + body)
                r = raw_exchange(self.api_port, data, timeout=5)
                self._last_tool_output = repr(r)
                self.assert_error(r, 431, "headers_too_large", None)
                self.assertIn(str(self.MAX_HEADER), r.json()["message"])
                self.assertEqual((r.header("Connection") or "").lower(), "close", repr(r))
        self.assertEqual(self.config_text(), before)
        self.assertEqual(db_dump(self.db_path), dump_before)
        # Just under the limit is served: the limit is where it says.
        r = self.api("GET", "/healthz", headers={"X-Pad": "x" * (self.MAX_HEADER - 300)})
        self.assertEqual(r.status, 200, repr(r))

    def test_a_connection_serves_1000_requests_then_closes(self):
        s = socket.create_connection((harness.HOST, self.api_port), timeout=10)
        try:
            request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            for n in range(1, self.MAX_REQUESTS + 1):
                s.sendall(request)
                r = http.client.HTTPResponse(s, method="GET")
                r.begin()
                r.read()
                connection = (r.getheader("Connection") or "").lower()
                self.assertEqual(r.status, 200, "request %d" % n)
                if n < self.MAX_REQUESTS:
                    self.assertNotEqual(connection, "close", "request %d closed early" % n)
            self.assertEqual(connection, "close", "the last request did not say close")
            # Then the server closes; a further request is not served.
            try:
                s.sendall(request)
            except (BrokenPipeError, ConnectionResetError):
                pass
            closed, data = read_to_close(s, 5)
            self.assertTrue(closed, "the connection stayed open after request %d"
                            % self.MAX_REQUESTS)
            self.assertEqual(data, b"", "request %d was answered" % (self.MAX_REQUESTS + 1))
        finally:
            s.close()
        self.assertEqual(self.ok("GET", "/healthz"), {"status": "ok"})


# --------------------------------------------------------------------------------------------
# Concurrent writers
# --------------------------------------------------------------------------------------------

class TestConcurrentWriters(ApiTestCase):
    """8 clients, each on one kept-alive connection, make 500 writes each (4000 in all): first
    100 POSTs of new members into the client's own service, then 400 PATCHes, each client one
    field (weight, priority, region or address) of half of all 800 members, so that every
    member gets four PATCHes of four different fields from four clients at the same time. A
    write lost outright, or a PATCH merged into a stale copy of the member (read outside the
    write transaction), leaves a field at its old value."""

    THREADS = 2
    WRITERS = 8
    POSTS = 100
    PATCHES = 400
    FIELDS = ("weight", "priority", "region", "address")

    def services(self):
        return ["c%d.api.test" % i for i in range(self.WRITERS)]

    @staticmethod
    def created(i, j):
        return {"name": "m%03d" % j, "address": "10.%d.%d.%d" % (i, j // 250, j % 250 + 1)}

    @staticmethod
    def final(i, j):
        g = i * 1000 + j
        return {"name": "m%03d" % j, "weight": 100 + g, "priority": g % 250 + 2,
                "region": "region-%d" % g,
                "address": "10.%d.%d.%d" % (100 + i, j // 250, j % 250 + 1)}

    def send(self, conn, method, path, body, want_status, check, log):
        """One write on `conn`; a 503 "unavailable" (API.md: the database stays locked, retry)
        is retried. Appends problems to log["bad"]."""
        for _attempt in range(20):
            try:
                r = http_request(self.api_port, method, path, body, conn=conn)
            except (OSError, http.client.HTTPException) as e:
                log["bad"].append("%s %s: %r" % (method, path, e))
                conn.close()
                return
            if conn.sock is None:
                log["reopened"] += 1  # the server closed the keep-alive connection
            if r.status == 503 and r.json().get("error") == "unavailable":
                log["busy"] += 1
                time.sleep(0.02)
                continue
            break
        # The 503 rolled the write back, so its retry must succeed as a first try would.
        if r.status != want_status:
            log["bad"].append(repr(r)[:500])
            return
        got = r.json()
        if {k: got[k] for k in check} != check:
            log["bad"].append("%s %s %r answered %r" % (method, path, body, got))
        log["stamps"].append(time.monotonic())

    def test_concurrent_writers_lose_nothing(self):
        services = self.services()
        for name in services:
            self.ok("POST", "/v1/services", {"name": name, "ttl": 10}, status=201)
        everyone = [(i, j) for i in range(self.WRITERS) for j in range(self.POSTS)]
        logs = [{"bad": [], "busy": 0, "reopened": 0, "stamps": []} for _ in range(self.WRITERS)]
        barrier = threading.Barrier(self.WRITERS + 1)
        phase = {}

        def writer(t):
            log = logs[t]
            conn = http.client.HTTPConnection(harness.HOST, self.api_port, timeout=60)
            try:
                barrier.wait(60)
                for j in range(self.POSTS):
                    body = self.created(t, j)
                    self.send(conn, "POST", "/v1/services/%s/members" % services[t], body, 201,
                              dict(body, weight=1, priority=1, region=""), log)
                barrier.wait(300)  # every member exists before anybody PATCHes
                field = self.FIELDS[t % len(self.FIELDS)]
                mine = [m for k, m in enumerate(everyone) if k % 2 == t // len(self.FIELDS)]
                for i, j in mine:
                    value = self.final(i, j)[field]
                    self.send(conn, "PATCH", "/v1/services/%s/members/m%03d" % (services[i], j),
                              {field: value}, 200, {field: value}, log)
            except threading.BrokenBarrierError:
                log["bad"].append("writer %d: barrier broken" % t)
            finally:
                conn.close()

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(self.WRITERS)]
        for t in threads:
            t.start()
        try:
            barrier.wait(60)
            t0 = time.monotonic()
            barrier.wait(300)
            phase["posts"] = time.monotonic() - t0
        except threading.BrokenBarrierError:
            pass
        for t in threads:
            t.join(300)
        took = time.monotonic() - t0
        self.assertFalse(any(t.is_alive() for t in threads), "writers still running")
        writes = sum(len(log["stamps"]) for log in logs)
        sys.stderr.write(
            "\n%s: %d clients x (%d POSTs + %d PATCHes) on kept-alive connections: %.2f s "
            "(%.0f writes/s; POSTs %.2f s, PATCHes %.2f s); %d writes answered 503 "
            "unavailable and were retried\n"
            % (type(self).__name__, self.WRITERS, self.POSTS, self.PATCHES, took, writes / took,
               phase.get("posts", float("nan")), took - phase.get("posts", float("nan")),
               sum(log["busy"] for log in logs)))
        problems = [p for log in logs for p in log["bad"]]
        self.assertEqual(problems[:10], [], "%d failed writes" % len(problems))
        self.assertEqual(writes, self.WRITERS * (self.POSTS + self.PATCHES))
        self.assertEqual([log["reopened"] for log in logs], [0] * self.WRITERS,
                         "the server closed kept-alive connections")

        for i, name in enumerate(services):
            members = self.ok("GET", "/v1/services/%s/members" % name)["members"]
            got = sorted(({k: m[k] for k in ("name", "weight", "priority", "region", "address")}
                          for m in members), key=lambda m: m["name"])
            want = [self.final(i, j) for j in range(self.POSTS)]
            lost = [(w, g) for w, g in zip(want, got) if w != g]
            self.assertEqual(len(got), self.POSTS, name)
            self.assertEqual(lost[:5], [], "%s: %d members lost a write" % (name, len(lost)))
        doc = json.loads(self.config_text())
        self.assertEqual(sum(len(s["members"]) for s in doc["services"] if s["name"] in services),
                         self.WRITERS * self.POSTS)
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            rows = conn.execute("SELECT s.name, m.name, m.weight, m.priority, m.region, "
                                "m.address FROM members m JOIN services s ON m.service_id = s.id "
                                "WHERE s.name LIKE 'c%.api.test.' ORDER BY 1, 2").fetchall()
        finally:
            conn.close()
        self.assertEqual(rows, [(services[i] + ".",) + tuple(self.final(i, j)[k] for k in (
            "name", "weight", "priority", "region", "address"))
            for i in range(self.WRITERS) for j in range(self.POSTS)])
        # And DNS serves them.
        took, r = poll(lambda: self.dns("c7.api.test"),
                       lambda r: r["status"] == "NOERROR" and len(r["answer"]) == 1, timeout=3.0)
        self.assertIsNotNone(took, r)
        self.assertTrue(r["answer"][0]["rdata"].startswith("10.107."), r)


if __name__ == "__main__":
    unittest.main()
