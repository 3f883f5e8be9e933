"""The disk filling up under an API write (issue 14): gslbd runs in a private mount namespace
(`unshare --mount`) on a 4 MiB tmpfs holding its database; the test fills the tmpfs (through
/proc/PID/root, which resolves paths in gslbd's namespace) and PATCHes a member. The write must
be refused with a 5xx JSON error whose message names the cause, DNS keeps answering, the
database stays consistent (integrity_check ok, the configuration as before), and once space is
freed the same write succeeds. Skipped, with the reason, where unshare or mount is not allowed."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import harness
from gslb_util import apply, ask, answer_addresses, write_doc

DOC = {
    "zones": [{"name": "full.test",
               "soa": {"mname": "ns1.full.test.", "rname": "h.full.test.", "serial": 1},
               "ns": ["ns1.full.test."],
               "records": [{"name": "ns1", "type": "A", "data": "192.0.2.53"}]}],
    "services": [{"name": "app.full.test", "policy": "weighted", "ttl": 30,
                  "members": [{"name": "a", "address": "192.0.2.1", "weight": 2}]}],
}
MEMBER = "/v1/services/app.full.test/members/a"
SIZE = "4m"


def namespaces_allowed():
    """None when a private mount namespace with a tmpfs can be made here, else why not."""
    for tool in ("unshare", "nsenter", "sqlite3"):
        if not shutil.which(tool):
            return "no %s(1)" % tool
    probe = tempfile.mkdtemp(prefix="gslbd-nsprobe-")
    try:
        p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            'mount -t tmpfs -o size=1m tmpfs "$0" && touch "$0/x"', probe],
                           capture_output=True, text=True, timeout=20)
        if p.returncode != 0:
            return "unshare --mount + mount -t tmpfs not permitted: " + p.stderr.strip()
        if os.listdir(probe):
            return "the tmpfs was not private to the namespace"
        return None
    finally:
        shutil.rmtree(probe, ignore_errors=True)


class InNamespace(harness.GslbdServer):
    """gslbd in its own mount namespace, on a tmpfs mounted over `mnt` there, the database
    `seed` copied onto it first (exec chain: unshare -> sh -> gslbd, one pid)."""

    def __init__(self, mnt, seed, args):
        super().__init__((), args)
        self.mnt, self.seed = mnt, seed

    def command(self, port):
        inner = super().command(port)
        script = ('mount -t tmpfs -o size=%s tmpfs "$0" && cp "$1" "$0/gslb.db" && shift && '
                  'exec "$@"' % SIZE)
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                self.mnt, self.seed] + inner


class DiskFull(unittest.TestCase):
    def setUp(self):
        why = namespaces_allowed()
        if why:
            self.skipTest(why)
        self.tmp = tempfile.mkdtemp(prefix="gslbd-diskfull-")
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mnt)
        seed = os.path.join(self.tmp, "seed.db")
        r = apply(seed, write_doc(DOC, self.tmp, "doc.json"))
        self.assertEqual(r.returncode, 0, r.transcript)
        self.api_port = harness.free_port()
        self.server = InNamespace(self.mnt, seed, [
            "--db", os.path.join(self.mnt, "gslb.db"), "--roles", "dns,api",
            "--api", "%s:%d" % (harness.HOST, self.api_port), "--api-insecure-loopback"]).start()
        # The tmpfs as gslbd sees it.
        self.root = "/proc/%d/root%s" % (self.server.proc.pid, self.mnt)

    def tearDown(self):
        problems = self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(problems, [])

    def http(self, method, path, body=None):
        req = urllib.request.Request(
            "http://%s:%d%s" % (harness.HOST, self.api_port, path), method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def fill(self):
        """Writes a file until the tmpfs refuses; returns how many octets went in."""
        written = 0
        with open(os.path.join(self.root, "filler"), "wb", buffering=0) as f:
            chunk = b"\0" * 65536
            while True:
                try:
                    n = f.write(chunk)
                except OSError as e:
                    self.assertEqual(e.errno, 28, e)  # ENOSPC
                    chunk = chunk[:len(chunk) // 2]
                    if not chunk:
                        return written
                    continue
                written += n

    def sql(self, statement):
        """sqlite3(1) inside gslbd's namespace: SQLite resolves symlinks in a path, so through
        /proc/PID/root it would open (and create) the file in ours."""
        p = subprocess.run(["nsenter", "-t", str(self.server.proc.pid), "-m", "--", "sqlite3",
                            os.path.join(self.mnt, "gslb.db"), statement],
                           capture_output=True, text=True, timeout=30)
        return p.stdout.strip() or p.stderr.strip()

    def integrity(self):
        return self.sql("PRAGMA integrity_check")

    def config(self):
        return self.sql("; ".join("SELECT * FROM %s ORDER BY 1" % t for t in
                                  ("zones", "records", "checks", "services", "members", "meta")))

    def test_a_write_on_a_full_disk_is_refused_and_nothing_is_lost(self):
        self.assertTrue(os.path.exists(os.path.join(self.root, "gslb.db")))
        self.assertEqual(self.http("GET", MEMBER)[1].get("weight"), 2)
        before = self.config()
        self.assertIn("app.full.test", before)
        filled = self.fill()
        t0 = time.monotonic()
        status, body = self.http("PATCH", MEMBER, {"weight": 9})
        refused_s = time.monotonic() - t0
        dns = ask(self.server.port, "app.full.test")
        integrity_full = self.integrity()
        status_get, member = self.http("GET", MEMBER)
        during = self.config()
        os.unlink(os.path.join(self.root, "filler"))
        status2, body2 = self.http("PATCH", MEMBER, {"weight": 9})
        after = self.http("GET", MEMBER)[1]
        integrity_after = self.integrity()
        sys.stderr.write(
            "\ndisk full (%s tmpfs, %d octets of filler): PATCH -> %d %s in %.0f ms; DNS %s; "
            "integrity %r; after freeing: PATCH -> %d, weight %s, integrity %r\n"
            % (SIZE, filled, status, json.dumps(body), refused_s * 1000,
               dns and answer_addresses(dns), integrity_full, status2, after.get("weight"),
               integrity_after))
        self.assertGreaterEqual(status, 500, body)
        self.assertLess(status, 600, body)
        self.assertIn("error", body)
        self.assertRegex(body.get("message", ""), r"(?i)disk is full|no space|disk full",
                         "the message does not name the cause")
        self.assertIsNotNone(dns, "DNS stopped answering on a full disk")
        self.assertEqual(answer_addresses(dns), ["192.0.2.1"])
        self.assertEqual(integrity_full, "ok")
        self.assertEqual((status_get, member.get("weight")), (200, 2), member)
        self.assertEqual(during, before, "the refused write changed the configuration")
        self.assertEqual(status2, 200, body2)
        self.assertEqual(after.get("weight"), 9)
        self.assertEqual(integrity_after, "ok")
        self.assertTrue(self.server.alive())


if __name__ == "__main__":
    unittest.main()
