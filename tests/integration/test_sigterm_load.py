"""SIGTERM under load (issue 14): pipelined bursts of TCP queries on several connections are sent
right before SIGTERM, with an API write acknowledged just before them. Every complete query sent
before the signal is answered (a connection that sent nothing may just be closed), the process
exits 0 within the harness's 5 s, and the database is closed cleanly: `PRAGMA integrity_check`
says ok, and the acknowledged write is in the file."""

import json
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import harness
from gslb_util import apply, write_doc
from harness import build_query, parse_message, tcp_connect

DOC = {
    "zones": [{"name": "term.test",
               "soa": {"mname": "ns1.term.test.", "rname": "h.term.test.", "serial": 1},
               "ns": ["ns1.term.test."],
               "records": [{"name": "ns1", "type": "A", "data": "192.0.2.53"}]}],
    "services": [{"name": "app.term.test", "policy": "weighted", "ttl": 30,
                  "members": [{"name": "a", "address": "192.0.2.1"},
                              {"name": "b", "address": "192.0.2.2"}]}],
}
BUSY = 8         # connections with a burst
SLOW = 2         # of which read their answers late (a 4 KiB receive buffer, large answers)
PER_CONN = 1000  # pipelined queries on each fast one
PER_SLOW = 3000  # on each slow one: 7.5 MB of answers, more than the socket buffers hold
IDLE = 4         # connections that sent nothing


def frame(msg):
    return struct.pack("!H", len(msg)) + msg


def slow_reader(port):
    """A connection whose small receive window backs the server's answers up: most of the
    queries it pipelined are still unread in gslbd's socket when SIGTERM comes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(3)
    s.connect((harness.HOST, port))
    return s


def read_all(sock, timeout):
    """Every whole DNS message until the peer closes (or `timeout` s); (messages, how it ended)."""
    sock.settimeout(0.2)
    buf, out = b"", []
    deadline = time.monotonic() + timeout
    ended = "timeout"
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            ended = "reset"
            break
        if not chunk:
            ended = "closed"
            break
        buf += chunk
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            n = struct.unpack("!H", buf[:2])[0]
            out.append(buf[2:2 + n])
            buf = buf[2 + n:]
    return out, ended


class SigtermUnderLoad(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-sigterm-")
        self.db = os.path.join(self.tmp, "gslb.db")
        r = apply(self.db, write_doc(DOC, self.tmp, "doc.json"))
        self.assertEqual(r.returncode, 0, r.transcript)
        self.api_port = harness.free_port()
        self.server = harness.GslbdServer(
            ["example.test.zone"], ["--db", self.db, "--roles", "dns,api",
                                    "--api", "%s:%d" % (harness.HOST, self.api_port),
                                    "--api-insecure-loopback"]).start()

    def tearDown(self):
        if self.server.proc is not None:
            self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def patch_weight(self, weight):
        req = urllib.request.Request(
            "http://%s:%d/v1/services/app.term.test/members/b" % (harness.HOST, self.api_port),
            data=json.dumps({"weight": weight}).encode(), method="PATCH",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())

    def test_sigterm_answers_what_was_sent_and_closes_the_database(self):
        port = self.server.port
        names = ["www.example.test", "app.term.test", "mail.example.test"]
        busy = [slow_reader(port) if c < SLOW else tcp_connect(port) for c in range(BUSY)]
        idle = [tcp_connect(port) for _ in range(IDLE)]
        for s in busy:  # each connection in use once, so none is new when the burst comes
            s.sendall(frame(build_query("www.example.test", "A", qid=1)))
            self.assertEqual(parse_message(harness.tcp_read_message(s))["id"], 1)
        bursts = []
        for c in range(BUSY):
            ids = list(range(100, 100 + (PER_SLOW if c < SLOW else PER_CONN)))
            if c < SLOW:
                blob = b"".join(frame(build_query("big.example.test", "TXT", qid=q))
                                for q in ids)
            else:
                blob = b"".join(frame(build_query(names[i % 3], "A", qid=q))
                                for i, q in enumerate(ids))
            bursts.append((ids, blob))
        status, body = self.patch_weight(7)  # acknowledged right before the signal
        self.assertEqual(status, 200, body)
        for s, (_, blob) in zip(busy, bursts):
            s.sendall(blob)
        self.server.signal(signal.SIGTERM)
        t0 = time.monotonic()

        answered, endings, missing = 0, {}, []
        for c in list(range(SLOW, BUSY)) + list(range(SLOW)):
            s, (ids, _) = busy[c], bursts[c]
            if c < SLOW:
                # A client busy elsewhere for a second: gslbd is draining by then, with most of
                # this connection's queries still unread (answers stuck behind its window).
                time.sleep(max(0.0, t0 + 1.0 - time.monotonic()))
            msgs, ended = read_all(s, timeout=6.0)
            endings[ended] = endings.get(ended, 0) + 1
            got = {parse_message(m)["id"] for m in msgs}
            answered += len(got & set(ids))
            if got != set(ids):
                missing.append("connection %d: %d of %d unanswered (%s)"
                               % (c, len(set(ids) - got), len(ids), ended))
        idle_endings = [read_all(s, timeout=6.0)[1] for s in idle]
        code = self.server.proc.wait(timeout=10)
        exit_s = time.monotonic() - t0
        for s in busy + idle:
            s.close()
        stderr = self.server.stderr_text()
        problems = [p for p in self.server.stop()
                    if "already exited" not in p and not p.startswith("stderr:")]

        leftovers = sorted(f for f in os.listdir(self.tmp) if f.startswith("gslb.db-"))
        check = subprocess.run(["sqlite3", self.db, "PRAGMA integrity_check"],
                               capture_output=True, text=True, timeout=30)
        conn = sqlite3.connect(self.db)
        weight = conn.execute("SELECT m.weight FROM members m JOIN services s ON "
                              "s.id = m.service_id WHERE m.name = 'b'").fetchone()[0]
        conn.close()
        sys.stderr.write(
            "\nSIGTERM with %d pipelined TCP queries in flight on %d connections (%d reading "
            "slowly, +%d idle): "
            "%d answered, busy connections ended %s, idle ones %s; exit %d after %.0f ms; "
            "files left beside the db %s; integrity_check %r; acknowledged weight %s\n"
            % (SLOW * PER_SLOW + (BUSY - SLOW) * PER_CONN, BUSY, SLOW, IDLE, answered, endings, idle_endings, code,
               exit_s * 1000, leftovers, check.stdout.strip(), weight))
        self.assertEqual(code, 0, stderr[-3000:])
        self.assertEqual(problems, [])
        self.assertEqual(missing, [], "queries sent before SIGTERM went unanswered")
        self.assertTrue(all(e in ("closed", "reset") for e in idle_endings), idle_endings)
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertEqual(check.stdout.strip(), "ok")
        self.assertNotIn("gslb.db-wal", leftovers, "the WAL was not checkpointed and removed")
        self.assertEqual(weight, 7)


if __name__ == "__main__":
    unittest.main()
