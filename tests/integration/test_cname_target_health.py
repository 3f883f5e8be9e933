"""CNAME-target members are health-checked at what their name resolves to (issue 11, point 5:
"checks probe the target's name").

One gslbd (dns, health and api roles) serves the GSLB zone t.test and, as the authority the
health role resolves with (--health-resolver pointing at itself), cdn.test, where lb.cdn.test
names one of two loopback HTTP sites. app.t.test prefers the CNAME target lb.cdn.test. over its
own site; nx.t.test prefers a target whose name does not exist. Nothing leaves loopback: the
names are resolved by this gslbd only, the sites are listeners this test owns.
"""

import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import gslb_util
import harness

EDGE1, EDGE2, STEADY = "127.0.0.61", "127.0.0.62", "127.0.0.63"
TARGET, GHOST = "lb.cdn.test.", "nx.cdn.test."
ADMIN = "admin-token-cname-0123456789abcdef"


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.hosts.append(self.headers.get("Host", ""))
        body = b"ok\n"
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Site:
    """An HTTP site at address:port that records the Host headers it was sent."""

    def __init__(self, address, port):
        self.address, self.port, self.httpd, self.thread = address, port, None, None
        self.hosts = []

    def start(self):
        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer((self.address, self.port), _Health)
        self.httpd.hosts = self.hosts
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(5)
            self.httpd = None


def free_port(address="127.0.0.1"):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def document(site_port, lb_address):
    soa = lambda z: {"mname": "ns1.%s." % z, "rname": "hostmaster.%s." % z, "minimum": 5}
    return {
        "zones": [
            {"name": "t.test", "ttl": 300, "soa": soa("t.test"), "ns": ["ns1.t.test."],
             "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]},
            {"name": "cdn.test", "ttl": 1, "soa": soa("cdn.test"), "ns": ["ns1.cdn.test."],
             "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"},
                         {"name": "lb", "type": "A", "data": lb_address}]},
        ],
        "checks": [{"name": "edge", "type": "http", "port": site_port, "path": "/health",
                    "interval_ms": 200, "timeout_ms": 150, "rise": 2, "fall": 3}],
        "services": [
            {"name": "app.t.test", "policy": "priority", "ttl": 5, "check": "edge",
             "members": [{"name": "cloud", "target": TARGET, "priority": 1},
                         {"name": "own", "address": STEADY, "priority": 2}]},
            {"name": "nx.t.test", "policy": "priority", "ttl": 5, "check": "edge",
             "members": [{"name": "ghost", "target": GHOST, "priority": 1},
                         {"name": "own", "address": STEADY, "priority": 2}]},
        ],
    }


class SelfResolvingServer(harness.GslbdServer):
    """gslbd whose health role resolves target names through gslbd itself."""

    def command(self, port):
        return super().command(port) + ["--health-resolver", "127.0.0.1:%d" % port]


class CnameTargetHealthTest(harness.GslbdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-cname-health-")
        cls.db_path = os.path.join(cls.tmp, "gslb.db")
        cls.site_port = free_port(EDGE1)
        cls.sites = {a: Site(a, cls.site_port) for a in (EDGE1, EDGE2, STEADY)}
        for s in cls.sites.values():
            s.start()
        cls.tokens = os.path.join(cls.tmp, "tokens")
        with open(cls.tokens, "w") as f:
            f.write("admin %s\n" % ADMIN)
        cls.admin_file = os.path.join(cls.tmp, "admin.token")
        with open(cls.admin_file, "w") as f:
            f.write(ADMIN + "\n")
        cls.agents = []
        try:
            cls.apply(EDGE1)
            cls.api_port = free_port()
            cls.server = SelfResolvingServer((), (
                "--db", cls.db_path, "--roles", "dns,health,api",
                "--api", "127.0.0.1:%d" % cls.api_port, "--api-token-file", cls.tokens)).start()
            cls.port = cls.server.port
        except BaseException:
            cls.stop_sites()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        cls.db = gslb_util.Db(cls.db_path)

    @classmethod
    def apply(cls, lb_address):
        path = gslb_util.write_doc(document(cls.site_port, lb_address), cls.tmp, "doc.json")
        r = gslb_util.apply(cls.db_path, path)
        if r.returncode != 0:
            raise RuntimeError(r.transcript)

    @classmethod
    def stop_sites(cls):
        for s in cls.sites.values():
            s.stop()

    @classmethod
    def tearDownClass(cls):
        problems = []
        for p in cls.agents:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
                    problems.append("the agent did not stop on SIGTERM")
            p.log_file.close()
            with open(p.log_file.name, errors="replace") as f:
                log = f.read()
            if any(m in log for m in harness.SANITIZER_MARKERS):
                problems.append("agent sanitizer report:\n" + log[-4000:])
        try:
            cls.db.close()
            super().tearDownClass()
        finally:
            cls.stop_sites()
            shutil.rmtree(cls.tmp, ignore_errors=True)
        if problems:
            raise AssertionError("\n".join(problems))

    def answer(self, name):
        """(types, rdatas) of the answer section, () when there is no answer."""
        r = gslb_util.ask(self.port, name, "A")
        if not r:
            return ()
        return tuple(sorted((a["type"], a["rdata"]) for a in r["answer"]))

    def observation(self, member, service="app.t.test", agent="local"):
        """(up, detail) of one member's observation by `agent`, or None."""
        row = self.db.conn.execute(
            "SELECT up, detail FROM observations WHERE agent_id = ? AND member_id = ?",
            (agent, self.db.member_id(service, member))).fetchone()
        return None if row is None else (row[0], row[1] or "")

    def test_10_a_target_is_answered_and_probed_at_its_name_with_the_name_as_host(self):
        took, last = gslb_util.poll(lambda: self.observation("cloud"),
                                    lambda o: o is not None and o[0] == 1, timeout=5.0)
        self.assertIsNotNone(took, "the target was never observed up: %r" % (last,))
        self.assertEqual(self.answer("app.t.test"), ((5, TARGET),))
        hosts = set(self.sites[EDGE1].hosts)
        self.assertIn("lb.cdn.test:%d" % self.site_port, hosts,
                      "the site lb.cdn.test resolves to was not probed by that name: %r" % hosts)
        self.assertFalse(any(h.startswith("lb.cdn.test") for h in self.sites[EDGE2].hosts),
                         "a site the name does not resolve to was probed")

    def test_20_the_targets_site_down_fails_over_within_a_second(self):
        self.assertEqual(self.answer("app.t.test"), ((5, TARGET),))
        self.sites[EDGE1].stop()
        t0 = time.monotonic()
        took, last = gslb_util.poll(lambda: self.answer("app.t.test"),
                                    lambda a: a == ((1, STEADY),), t0=t0, timeout=5.0,
                                    interval=0.02)
        self.assertIsNotNone(took, "never failed over from the target; last %r" % (last,))
        sys.stderr.write("\nCNAME target failover took %.0f ms\n" % (took * 1000))
        self.assertLessEqual(took, 1.0, "failover took %.3f s" % took)
        up, detail = self.observation("cloud")
        self.assertEqual(up, 0)
        self.assertIn("(lb.cdn.test. at %s)" % EDGE1, detail)

    def test_30_when_the_name_moves_the_probe_follows_it(self):
        # EDGE1 is still down; lb.cdn.test now names EDGE2, which is up.
        self.apply(EDGE2)
        took, last = gslb_util.poll(lambda: self.answer("app.t.test"),
                                    lambda a: a == ((5, TARGET),), timeout=5.0, interval=0.05)
        self.assertIsNotNone(took, "the target did not come back at its new address: %r" % (last,))
        self.assertIn("lb.cdn.test:%d" % self.site_port, set(self.sites[EDGE2].hosts))

    def test_40_a_target_whose_name_does_not_resolve_is_down_and_says_why(self):
        took, last = gslb_util.poll(lambda: self.observation("ghost", "nx.t.test"),
                                    lambda o: o is not None and o[0] == 0, timeout=5.0)
        self.assertIsNotNone(took, "the unresolvable target was never observed down: %r" % (last,))
        self.assertIn("nx.cdn.test. does not resolve", last[1])
        self.assertEqual(self.answer("nx.t.test"), ((1, STEADY),))

    def test_50_an_agent_resolves_the_target_with_its_own_resolver(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=5)
        conn.request("GET", "/v1/agents/far/checks", headers={"Authorization": "Bearer " + ADMIN})
        resp = conn.getresponse()
        body = json.loads(resp.read())
        conn.close()
        self.assertEqual(resp.status, 200, body)
        targets = {t["member"]: t for t in body["targets"] if t["service"] == "app.t.test"}
        self.assertEqual(targets["cloud"].get("target"), TARGET, targets)
        self.assertNotIn("address", targets["cloud"])
        self.assertEqual(targets["own"].get("address"), STEADY)

        log = open(os.path.join(self.tmp, "agent.log"), "w")
        cmd = [harness.gslbd_path(), "healthd", "--agent", "far", "--region", "far",
               "--token-file", self.admin_file, "--timeout", "500",
               "--report-to", "http://127.0.0.1:%d" % self.api_port,
               "--resolver", "127.0.0.1:%d" % self.port]
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=log, env=env)
        p.log_file = log
        self.agents.append(p)
        took, last = gslb_util.poll(lambda: self.observation("cloud", agent="far"),
                                    lambda o: o is not None and o[0] == 1, timeout=10.0)
        self.assertIsNotNone(took, "the agent never reported the target up: %r" % (last,))
        took, last = gslb_util.poll(lambda: self.observation("ghost", "nx.t.test", agent="far"),
                                    lambda o: o is not None and o[0] == 0, timeout=10.0)
        self.assertIsNotNone(took, "the agent never reported the ghost down: %r" % (last,))
        self.assertIn("nx.cdn.test. does not resolve", last[1])

    def test_60_a_bad_resolver_is_refused_at_start(self):
        p = subprocess.run([harness.gslbd_path(), "healthd", "--agent", "bad",
                            "--token-file", self.admin_file,
                            "--report-to", "http://127.0.0.1:%d" % self.api_port,
                            "--resolver", "dns.example.test"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("resolver \"dns.example.test\"", p.stderr)


if __name__ == "__main__":
    unittest.main()
