"""Failover end to end (issue: healthd): gslbd with its in-process health role probes two real
HTTP sites on loopback (check interval 200 ms, fall 3, rise 2). Stopping the primary must take it
out of every DNS answer within 1.0 s; starting it again brings it back after `rise`.
"""

import http.server
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest

import gslb_util
import harness

PRIMARY = "127.0.0.21"
SECONDARY = "127.0.0.22"


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\n"
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Site:
    """A tiny HTTP site at address:port that can be stopped (connections refused) and started."""

    def __init__(self, address, port):
        self.address, self.port, self.httpd, self.thread = address, port, None, None

    def start(self):
        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer((self.address, self.port), _Health)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(5)
            self.httpd = None


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class FailoverTest(harness.GslbdTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-failover-")
        cls.db_path = os.path.join(cls.tmp, "gslb.db")
        port = free_port(PRIMARY)
        cls.primary, cls.secondary = Site(PRIMARY, port), Site(SECONDARY, port)
        cls.primary.start()
        cls.secondary.start()
        doc = {
            "zones": [{"name": "fo.test", "ttl": 300,
                       "soa": {"mname": "ns1.fo.test.", "rname": "hostmaster.fo.test.",
                               "minimum": 30},
                       "ns": ["ns1.fo.test."],
                       "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
            "checks": [{"name": "web", "type": "http", "port": port, "path": "/health",
                        "interval_ms": 200, "timeout_ms": 150, "rise": 2, "fall": 3}],
            "services": [{"name": "app.fo.test", "policy": "priority", "ttl": 5, "check": "web",
                          "members": [
                              {"name": "primary", "address": PRIMARY, "priority": 1},
                              {"name": "secondary", "address": SECONDARY, "priority": 2}]}],
        }
        path = gslb_util.write_doc(doc, cls.tmp, "doc.json")
        try:
            r = gslb_util.apply(cls.db_path, path)
            if r.returncode != 0:
                raise RuntimeError(r.transcript)
            cls.server = harness.GslbdServer((), ("--db", cls.db_path,
                                                     "--roles", "dns,health")).start()
            cls.port = cls.server.port
        except BaseException:
            cls.primary.stop()
            cls.secondary.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.primary.stop()
            cls.secondary.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def answers(self):
        r = gslb_util.ask(self.port, "app.fo.test", "A")
        return tuple(gslb_util.answer_addresses(r)) if r else ()

    def wait_for(self, accept, timeout):
        took, last = gslb_util.poll(self.answers, accept, timeout=timeout, interval=0.02)
        return took, last

    def test_stopping_the_primary_fails_over_within_a_second_and_back_after_rise(self):
        took, last = self.wait_for(lambda a: a == (PRIMARY,), 5.0)
        self.assertIsNotNone(took, "primary never answered; last %r" % (last,))
        db = gslb_util.Db(self.db_path)
        try:
            # The health role writes the primary's observation as agent "local".
            poll_obs = lambda: db.scalar(
                "SELECT count(*) FROM observations o JOIN members m ON m.id = o.member_id "
                "WHERE m.name = 'primary' AND o.up = 1")
            took_obs, n = gslb_util.poll(poll_obs, lambda v: v == 1, timeout=3.0)
            self.assertIsNotNone(took_obs, "no up observation written for the primary")

            self.primary.stop()
            t0 = time.monotonic()
            took, last = gslb_util.poll(self.answers, lambda a: a == (SECONDARY,), t0=t0,
                                        timeout=5.0, interval=0.02)
            self.assertIsNotNone(took, "never failed over; last %r" % (last,))
            sys.stderr.write("\nfailover took %.0f ms\n" % (took * 1000))
            self.assertLessEqual(took, 1.0, "failover took %.3f s" % took)
            # From then on no answer names the primary.
            for _ in range(20):
                self.assertEqual(self.answers(), (SECONDARY,))
            events = db.scalar("SELECT count(*) FROM events e JOIN members m ON m.id = e.member_id "
                               "WHERE m.name = 'primary' AND e.new_state = 'down'")
            self.assertGreaterEqual(events, 1, "the down transition was not kept as an event")

            self.primary.start()
            t1 = time.monotonic()
            took, last = gslb_util.poll(self.answers, lambda a: a == (PRIMARY,), t0=t1,
                                        timeout=5.0, interval=0.02)
            self.assertIsNotNone(took, "primary never came back; last %r" % (last,))
            # rise 2 at 200 ms: not before the second successful probe.
            self.assertGreaterEqual(took, 0.15, "primary came back before rise: %.3f s" % took)
            self.assertLessEqual(took, 1.5, "recovery took %.3f s" % took)
        finally:
            db.close()


if __name__ == "__main__":
    unittest.main()
