"""Health role faults (issue: healthd): the health role runs as its own process beside a DNS-only
gslbd on one database. `kill -9` of the health process must not disturb DNS (0 SERVFAIL, the last
state keeps serving); restarting it resumes the checks spread over the first interval, without a
burst at the sites. All sites are HTTP listeners this test starts on 127.0.0.101-120.
"""

import http.server
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import gslb_util
import harness

SITES = ["127.0.0.%d" % i for i in range(101, 121)]


class RecordingSite:
    """An HTTP site that answers 200 and records when each probe arrived."""

    def __init__(self, address, port, log, lock):
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    log.append((time.monotonic(), site.address))
                self.send_response(200)
                self.send_header("Content-Length", "3")
                self.end_headers()
                try:
                    self.wfile.write(b"ok\n")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.address = address
        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer((address, port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class HealthProcessFaults(harness.GslbdTestCase):
    INTERVAL_MS = 1000

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-healthfaults-")
        cls.db_path = os.path.join(cls.tmp, "gslb.db")
        cls.log, cls.lock = [], threading.Lock()
        port = gslb_util_free_port(SITES[0])
        cls.sites = []
        cls.health = None
        try:
            cls.sites = [RecordingSite(a, port, cls.log, cls.lock) for a in SITES]
            doc = {
                "zones": [{"name": "hf.test", "soa": {"mname": "ns1.hf.test.",
                                                      "rname": "h.hf.test."},
                           "ns": ["ns1.hf.test."],
                           "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
                "checks": [{"name": "web", "type": "http", "port": port, "path": "/health",
                            "interval_ms": cls.INTERVAL_MS, "timeout_ms": 500, "rise": 1,
                            "fall": 2}],
                "services": [{"name": "app.hf.test", "policy": "priority", "check": "web",
                              "members": [{"name": "m%d" % i, "address": a, "priority": i + 1}
                                          for i, a in enumerate(SITES)]}],
            }
            r = gslb_util.apply(cls.db_path, gslb_util.write_doc(doc, cls.tmp, "doc.json"))
            if r.returncode != 0:
                raise RuntimeError(r.transcript)
            cls.server = harness.GslbdServer((), ("--db", cls.db_path, "--roles", "dns")).start()
            cls.port = cls.server.port
        except BaseException:
            cls._cleanup()
            raise

    @classmethod
    def _cleanup(cls):
        if cls.health and cls.health.poll() is None:
            cls.health.kill()
            cls.health.wait(5)
        for s in cls.sites:
            s.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls._cleanup()

    @classmethod
    def start_health(cls):
        with open(os.path.join(cls.tmp, "health.log"), "ab") as log:
            cls.health = subprocess.Popen(
                [harness.gslbd_path(), "--roles", "health", "--db", cls.db_path],
                stdout=subprocess.DEVNULL, stderr=log)

    def observed_up(self):
        db = gslb_util.Db(self.db_path)
        try:
            return db.scalar("SELECT count(*) FROM observations WHERE up = 1")
        finally:
            db.close()

    def test_kill_9_keeps_dns_answering_and_restart_spreads_the_first_round(self):
        self.start_health()
        took, n = gslb_util.poll(self.observed_up, lambda v: v == len(SITES), timeout=5.0)
        self.assertIsNotNone(took, "health role did not observe every site (%r up)" % n)

        self.health.send_signal(signal.SIGKILL)
        self.health.wait(5)
        # Well past staleness (3 intervals): DNS keeps the last state, never SERVFAIL.
        deadline = time.monotonic() + 3.5 * self.INTERVAL_MS / 1000
        answered = 0
        while time.monotonic() < deadline:
            r = gslb_util.ask(self.port, "app.hf.test")
            self.assertIsNotNone(r, "no answer after the health role was killed")
            self.assertEqual(r["status"], "NOERROR")
            self.assertEqual(gslb_util.answer_addresses(r), [SITES[0]])
            answered += 1
            time.sleep(0.02)
        self.assertGreater(answered, 50)

        with self.lock:
            self.log.clear()
        t0 = time.monotonic()
        self.start_health()
        time.sleep(2.2 * self.INTERVAL_MS / 1000)
        with self.lock:
            first_round = [(t - t0, a) for t, a in self.log]
        firsts = {}
        for t, a in first_round:
            firsts.setdefault(a, t)
        self.assertEqual(set(firsts), set(SITES), "not every site probed after the restart")
        self.assertLessEqual(max(firsts.values()), 1.5 * self.INTERVAL_MS / 1000 + 0.5,
                             "first round not done within about one interval: %r" % firsts)
        # No burst: the first probes are spread over the interval, not fired at once.
        times = sorted(firsts.values())
        window = 0.1
        densest = max(sum(1 for u in times if t <= u < t + window) for t in times)
        self.assertLessEqual(densest, 6, "burst of %d first probes within %.0f ms: %r"
                             % (densest, window * 1000, times))
        self.assertGreater(times[-1] - times[0], 0.5, "first round not spread: %r" % times)
        self.health.send_signal(signal.SIGTERM)
        code = self.health.wait(10)
        with open(os.path.join(self.tmp, "health.log")) as f:
            log = f.read()
        self.assertEqual(code, 0, "health role did not stop cleanly:\n" + log)
        self.assertNotIn("AddressSanitizer", log)
        self.assertNotIn("runtime error:", log)


class DescriptorLimit(unittest.TestCase):
    """With 400 members whose sites hang (SYNs dropped by a full accept queue), a tcp check at
    200 ms with a 150 ms timeout keeps about 300 sockets open at once. Started with a soft
    descriptor limit of 128, the health role must raise it (to the hard limit) so that every
    member fails for what the site does (a timeout), never for "Too many open files". Two
    members on a live listener keep the agent from calling itself cut off (fail-static)."""

    MEMBERS = 400

    def test_health_role_raises_its_descriptor_limit(self):
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        # ~300 probes in flight and the socket pool (at most a quarter of the limit) fit under
        # 1024; Linux's own default hard limit is 4096.
        self.assertTrue(hard == resource.RLIM_INFINITY or hard >= 1024,
                        "hard descriptor limit %d: raise it to run this test" % hard)
        tmp = tempfile.mkdtemp(prefix="gslbd-fdlimit-")
        listener, live = socket.socket(), socket.socket()
        clients = []
        health = None
        try:
            live.bind(("0.0.0.0", 0))
            live.listen(64)

            def accept_live():
                while True:
                    try:
                        live.accept()[0].close()
                    except OSError:
                        return

            threading.Thread(target=accept_live, daemon=True).start()
            listener.bind(("0.0.0.0", 0))
            listener.listen(0)  # never accepted: once full, further SYNs are dropped
            port = listener.getsockname()[1]
            for _ in range(4):
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(("127.0.0.1", port))
                clients.append(c)
            time.sleep(0.2)
            db_path = os.path.join(tmp, "gslb.db")
            members = [{"name": "m%d" % i, "address": "127.1.%d.%d" % (i // 200, i % 200 + 1)}
                       for i in range(self.MEMBERS)]
            doc = {
                "zones": [{"name": "fd.test", "soa": {"mname": "ns1.fd.test.",
                                                      "rname": "h.fd.test."},
                           "ns": ["ns1.fd.test."],
                           "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
                "checks": [{"name": "tcp", "type": "tcp", "port": port, "interval_ms": 200,
                            "timeout_ms": 150, "rise": 1, "fall": 1},
                           {"name": "live", "type": "tcp", "port": live.getsockname()[1],
                            "interval_ms": 200, "timeout_ms": 150, "rise": 1, "fall": 1}],
                "services": [{"name": "pool.fd.test", "policy": "weighted", "check": "tcp",
                              "members": members},
                             {"name": "live.fd.test", "policy": "weighted", "check": "live",
                              "members": [{"name": "a", "address": "127.0.0.1"},
                                          {"name": "b", "address": "127.0.0.2"}]}],
            }
            r = gslb_util.apply(db_path, gslb_util.write_doc(doc, tmp, "doc.json"))
            self.assertEqual(r.returncode, 0, r.stderr)

            def low_limit():
                resource.setrlimit(resource.RLIMIT_NOFILE, (128, hard))

            with open(os.path.join(tmp, "health.log"), "wb") as log:
                health = subprocess.Popen(
                    [harness.gslbd_path(), "--roles", "health", "--db", db_path],
                    stdout=subprocess.DEVNULL, stderr=log, preexec_fn=low_limit)
            limits = ""
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with open("/proc/%d/limits" % health.pid) as f:
                    limits = [l for l in f if l.startswith("Max open files")][0]
                if int(limits.split()[3]) != 128:
                    break
                time.sleep(0.05)
            expected = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
            self.assertEqual(limits.split()[3], expected, limits)

            time.sleep(2.0)  # ten rounds
            db = gslb_util.Db(db_path)
            try:
                details = dict(db.conn.execute(
                    "SELECT detail, count(*) FROM observations WHERE up = 0 "
                    "GROUP BY detail").fetchall())
                up = db.scalar("SELECT count(*) FROM observations WHERE up = 1")
            finally:
                db.close()
            self.assertEqual(details, {"timeout after 150 ms": self.MEMBERS})
            self.assertEqual(up, 2)
        finally:
            if health is not None:
                health.send_signal(signal.SIGTERM)
                self.assertEqual(health.wait(10), 0)
            for c in clients:
                c.close()
            listener.close()
            live.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept
            live.close()
            shutil.rmtree(tmp, ignore_errors=True)


def gslb_util_free_port(address):
    import socket
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    unittest.main()
