"""`gslbd --user NAME[:GROUP]`: started as root, gslbd becomes NAME before it opens anything,
keeping only CAP_NET_BIND_SERVICE and CAP_NET_RAW, so it still binds a port below 1024 but
reads and writes only what NAME may: the database it creates is NAME's, and a root-only zone
file named through the API is refused without its content. Unknown users, root itself, and
running as another non-root user are refused with a message.

Needs root (skipped otherwise); listens on 127.0.0.1 only."""

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

import harness
from gslb_util import ask, answer_addresses

# Changing uid makes the process non-dumpable, so LeakSanitizer (which ptraces it) cannot look
# at it at exit; leaks are still checked in every other test of the sanitized binary.
os.environ["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"

CAP_NET_BIND_SERVICE = 10
CAP_NET_RAW = 13

DOC = {
    "zones": [{"name": "priv.test",
               "soa": {"mname": "ns1.priv.test.", "rname": "h.priv.test.", "serial": 1},
               "ns": ["ns1.priv.test."]}],
    "services": [{"name": "app.priv.test", "policy": "weighted",
                  "members": [{"name": "a", "address": "192.0.2.7"}]}],
}


def low_free_port():
    """A port below 1024 free on 127.0.0.1 for UDP and TCP (we are root, so we may bind it)."""
    for port in range(900, 1000):
        socks = []
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                socks.append(s)
                s.bind((harness.HOST, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise unittest.SkipTest("no free port in 900-999")


def status_fields(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            out[key] = value.split()
    return out


@unittest.skipUnless(os.geteuid() == 0, "needs root to change user")
class TestRunAsUser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.user = pwd.getpwnam("nobody")
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-priv-")
        os.chown(cls.tmp, cls.user.pw_uid, cls.user.pw_gid)
        # A root-only file inside the zone directory: only the user's own rights keep it out.
        cls.secret = os.path.join(cls.tmp, "secret.zone")
        with open(cls.secret, "w") as f:
            f.write("$ORIGIN secret.test.\n@ 300 IN SOA ns1 h 1 3600 600 604800 60\n"
                    "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.99\n")
        os.chmod(cls.secret, 0o600)
        cls.low_port = low_free_port()
        cls.api_port = harness.free_port()
        cls.db = os.path.join(cls.tmp, "gslb.db")
        cls.server = harness.GslbdServer(
            (), ["--user", "nobody", "--db", cls.db, "--roles", "dns,api",
                 "--listen", "%s:%d" % (harness.HOST, cls.low_port),
                 "--api", "%s:%d" % (harness.HOST, cls.api_port),
                 "--api-insecure-loopback"]).start()
        cls.url = "http://%s:%d" % (harness.HOST, cls.api_port)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def put_config(self, doc):
        req = urllib.request.Request(self.url + "/v1/config", data=json.dumps(doc).encode(),
                                     method="PUT", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_1_runs_as_the_user_with_two_capabilities(self):
        st = status_fields(self.server.proc.pid)
        self.assertEqual(st["Uid"], [str(self.user.pw_uid)] * 4, st["Uid"])
        self.assertEqual(st["Gid"], [str(self.user.pw_gid)] * 4, st["Gid"])
        want = (1 << CAP_NET_BIND_SERVICE) | (1 << CAP_NET_RAW)
        self.assertEqual(int(st["CapEff"][0], 16), want, st["CapEff"])
        self.assertEqual(int(st["CapPrm"][0], 16), want, st["CapPrm"])
        self.assertEqual(st["NoNewPrivs"], ["1"])
        # The database was created after the change: it is the user's.
        self.assertEqual(os.stat(self.db).st_uid, self.user.pw_uid)

    def test_2_binds_a_privileged_port_and_answers_after_a_write(self):
        status, body = self.put_config(DOC)
        self.assertEqual(status, 200, body)
        got = None
        for _ in range(40):
            resp = ask(self.low_port, "app.priv.test")
            got = resp and answer_addresses(resp)
            if got == ["192.0.2.7"]:
                break
            time.sleep(0.05)
        self.assertEqual(got, ["192.0.2.7"])

    def test_3_a_root_only_file_in_the_zone_directory_is_refused(self):
        doc = json.loads(json.dumps(DOC))
        doc["zones"].append({"name": "secret.test", "file": "secret.zone"})
        status, body = self.put_config(doc)
        self.assertEqual(status, 422, body)
        text = json.dumps(body)
        self.assertIn("Permission denied", text)
        self.assertNotIn("192.0.2.99", text)
        self.assertNotIn("SOA", text)


@unittest.skipUnless(os.geteuid() == 0, "needs root to change user")
class TestUserRefusals(unittest.TestCase):
    def run_gslbd(self, *args):
        tmp = tempfile.mkdtemp(prefix="gslbd-priv-")
        try:
            return subprocess.run([harness.gslbd_path(), "--db", os.path.join(tmp, "g.db"),
                                   "--listen", "%s:%d" % (harness.HOST, harness.free_port()),
                                   "--roles", "dns"] + list(args),
                                  capture_output=True, text=True, timeout=10)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_an_unknown_user_is_refused(self):
        p = self.run_gslbd("--user", "no-such-user-gslbd")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('--user no-such-user-gslbd: no such user "no-such-user-gslbd"', p.stderr)

    def test_an_unknown_group_is_refused(self):
        p = self.run_gslbd("--user", "nobody:no-such-group-gslbd")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('no such group "no-such-group-gslbd"', p.stderr)

    def test_root_is_not_a_user_to_drop_to(self):
        p = self.run_gslbd("--user", "root")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("that is root", p.stderr)

    def test_a_database_the_user_cannot_write_is_a_clear_error(self):
        tmp = tempfile.mkdtemp(prefix="gslbd-priv-")  # root's, mode 700
        try:
            p = subprocess.run([harness.gslbd_path(), "--user", "nobody",
                                "--db", os.path.join(tmp, "g.db"), "--roles", "dns",
                                "--listen", "%s:%d" % (harness.HOST, harness.free_port())],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(os.path.join(tmp, "g.db"), p.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "g.db")))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
