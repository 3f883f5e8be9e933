"""The database failing under a running server (issue 14, faults): deleted, truncated, damaged in
place, or held locked by another process, while DNS queries run. For each: not one SERVFAIL and
not one query unanswered, the last good answers served, one log line naming the file and the
problem, /readyz not ready, API writes refused (5xx, nothing acknowledged that is lost), and
recovery without a restart once the file is good again (one "resumed" line).

Every server listens on 127.0.0.1 only (harness.GslbdServer)."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import harness
from gslb_util import apply, ask, answer_addresses, write_doc

DOC = {
    "zones": [{"name": "faults.test",
               "soa": {"mname": "ns1.faults.test.", "rname": "h.faults.test.", "serial": 1},
               "ns": ["ns1.faults.test."],
               "records": [{"name": "ns1", "type": "A", "data": "192.0.2.53"}]}],
    "services": [{"name": "app.faults.test", "policy": "weighted", "ttl": 30,
                  "members": [{"name": "a", "address": "192.0.2.1"}]}],
}
NAME = "app.faults.test"
MEMBER = "/v1/services/%s/members/a" % NAME


class QueryLoad(threading.Thread):
    """Queries NAME as fast as one socket round trip allows and counts what came back."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop_flag = threading.Event()
        self.sent = self.answered = self.servfail = self.wrong = 0

    def run(self):
        while not self.stop_flag.is_set():
            self.sent += 1
            r = ask(self.port, NAME, timeout=0.5, tries=2)
            if r is None:
                continue
            self.answered += 1
            if r["status"] == "SERVFAIL":
                self.servfail += 1
            elif answer_addresses(r) != ["192.0.2.1"]:
                self.wrong += 1

    def finish(self):
        self.stop_flag.set()
        self.join(5)
        return self


class TestDatabaseFaults(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-dbfault-")
        self.db = os.path.join(self.tmp, "gslb.db")
        r = apply(self.db, write_doc(DOC, self.tmp, "doc.json"))
        self.assertEqual(r.returncode, 0, r.transcript)
        self.good = os.path.join(self.tmp, "good.db")
        shutil.copy(self.db, self.good)
        self.api_port = harness.free_port()
        self.server = harness.GslbdServer(
            (), ["--db", self.db, "--roles", "dns,api",
                 "--api", "%s:%d" % (harness.HOST, self.api_port),
                 "--api-insecure-loopback"]).start()
        self.url = "http://%s:%d" % (harness.HOST, self.api_port)
        self.load = QueryLoad(self.server.port)
        self.load.start()

    def tearDown(self):
        self.load.finish()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def http(self, method, path, body=None, timeout=10):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def wait_for(self, what, accept, timeout=8.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if accept():
                return
            time.sleep(0.05)
        self.fail("%s not seen in %.0f s; log:\n%s" % (what, timeout,
                                                       self.server.stderr_text()[-3000:]))

    def report(self, load):
        sys.stderr.write("\n%s: %d queries, %d answered, %d SERVFAIL, %d wrong\n"
                         % (self.id().split(".")[-1], load.sent, load.answered, load.servfail,
                            load.wrong))
        return load

    def log_count(self, text):
        return self.server.stderr_text().count(text)

    def restore(self):
        shutil.copy(self.good, self.db + ".restore")
        for suffix in ("-wal", "-shm"):
            try:
                os.unlink(self.db + suffix)
            except FileNotFoundError:
                pass
        os.rename(self.db + ".restore", self.db)

    def fault_then_recover(self, fault, log_text):
        self.wait_for("a good first answer", lambda: self.load.answered > 20)
        self.assertEqual(self.http("GET", "/readyz")[0], 200)
        fault()
        self.wait_for("the log line", lambda: self.log_count(log_text) >= 1)
        self.wait_for("readyz not ready", lambda: self.http("GET", "/readyz")[0] == 503)
        status, body = self.http("PATCH", MEMBER, {"weight": 5})
        self.assertGreaterEqual(status, 500, body)
        answered = self.load.answered
        time.sleep(1.0)  # more queries through the fault, and no second line
        self.assertGreater(self.load.answered, answered + 20)
        self.assertEqual(self.log_count(log_text), 1, self.server.stderr_text()[-3000:])

        resumed = self.log_count("snapshot updates resumed")
        self.restore()
        self.wait_for("recovery", lambda: self.log_count("snapshot updates resumed") > resumed)
        self.wait_for("readyz ready", lambda: self.http("GET", "/readyz")[0] == 200)
        status, body = self.http("PATCH", MEMBER, {"weight": 3})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.http("GET", MEMBER)[1]["weight"], 3)
        load = self.report(self.load.finish())
        self.assertEqual(load.servfail, 0)
        self.assertEqual(load.wrong, 0)
        self.assertEqual(load.answered, load.sent, "queries went unanswered")
        self.assertTrue(self.server.alive())

    def test_deleted(self):
        self.fault_then_recover(lambda: os.unlink(self.db),
                                self.db + ": the database file is gone")

    def test_truncated(self):
        self.fault_then_recover(lambda: os.truncate(self.db, 0),
                                self.db + ": the database file is empty")

    def test_damaged_in_place(self):
        def damage():
            size = os.path.getsize(self.db)
            with open(self.db, "r+b") as f:
                f.seek(4096)
                f.write(b"\x5a" * (size - 4096))
        self.fault_then_recover(damage, self.db + ": ")

    def test_locked_by_another_process(self):
        self.wait_for("a good first answer", lambda: self.load.answered > 20)
        holder = subprocess.Popen(
            ["python3", "-c",
             "import sqlite3,sys,time\n"
             "c=sqlite3.connect(sys.argv[1],isolation_level=None)\n"
             "c.execute('BEGIN EXCLUSIVE')\n"
             "print('locked',flush=True)\n"
             "time.sleep(float(sys.argv[2]))\n"
             "c.execute('ROLLBACK')\n", self.db, "7"],
            stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(holder.stdout.readline().strip(), "locked")
            t0 = time.monotonic()
            status, body = self.http("PATCH", MEMBER, {"weight": 5})
            took = time.monotonic() - t0
            self.assertEqual(status, 503, body)
            self.assertEqual(body.get("error"), "unavailable")
            self.assertLess(took, 6.5)  # the busy timeout (5 s), not the lock's 7 s
        finally:
            holder.wait(15)
            holder.stdout.close()
        self.wait_for("the write after the lock", lambda: self.http("PATCH", MEMBER,
                                                                   {"weight": 4})[0] == 200)
        load = self.report(self.load.finish())
        self.assertEqual(load.servfail, 0)
        self.assertEqual(load.wrong, 0)
        self.assertEqual(load.answered, load.sent)


if __name__ == "__main__":
    unittest.main()
