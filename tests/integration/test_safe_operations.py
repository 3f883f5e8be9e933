"""Safe operator actions from gslbctl against a running gslbd: a drain that would leave a
service with nothing answering is refused (exit 1, the reason, nothing changed) unless --force;
drain and enable by region in one call; and `explain --assume-down` predicts exactly the answers
clients get once those members really fail."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import gslb_util
import harness

DOC = {
    "zones": [{"name": "safe.test", "ttl": 300,
               "soa": {"mname": "ns1.safe.test.", "rname": "hostmaster.safe.test."},
               "ns": ["ns1.safe.test."],
               "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
    "services": [
        {"name": "fo.safe.test", "policy": "priority", "ttl": 5,
         "members": [{"name": "primary", "address": "192.0.2.1", "priority": 1, "region": "eu"},
                     {"name": "secondary", "address": "192.0.2.2", "priority": 2,
                      "region": "us"},
                     {"name": "tertiary", "address": "192.0.2.3", "priority": 3,
                      "region": "us"}]},
        {"name": "two.safe.test", "policy": "weighted", "ttl": 5,
         "members": [{"name": "x", "address": "192.0.2.11", "region": "eu"},
                     {"name": "y", "address": "192.0.2.12", "region": "ap"}]},
    ],
}


class SafeOperationsTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-safe-")
        cls.db_path = os.path.join(cls.tmp, "gslb.db")
        p = gslb_util.apply(cls.db_path, gslb_util.write_doc(DOC, cls.tmp, "doc.json"))
        if p.returncode != 0:
            raise AssertionError(p.transcript)
        cls.api_port = harness.free_port()
        cls.url = "http://%s:%d" % (harness.HOST, cls.api_port)
        cls.server = harness.GslbdServer(
            [], args=["--db", cls.db_path, "--roles", "dns,api",
                      "--api", "%s:%d" % (harness.HOST, cls.api_port),
                      "--api-insecure-loopback"]).start()
        cls.db = gslb_util.Db(cls.db_path)

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        problems = cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if problems:
            raise AssertionError("\n".join(problems))

    def ctl(self, *args):
        return subprocess.run([harness.gslbctl_path(), "--server", self.url] + list(args),
                              capture_output=True, text=True, timeout=30)

    def answers(self, name):
        r = gslb_util.ask(self.server.port, name)
        self.assertIsNotNone(r)
        return sorted(gslb_util.answer_addresses(r))

    def wait_answers(self, name, want, timeout=5.0):
        took, got = gslb_util.poll(lambda: self.answers(name), lambda v: v == want,
                                   timeout=timeout)
        self.assertIsNotNone(took, "answers %r, expected %r" % (got, want))

    def test_draining_the_last_member_is_refused_unless_forced(self):
        try:
            self.assertEqual(self.ctl("drain", "two.safe.test", "x").returncode, 0)
            p = self.ctl("drain", "two.safe.test", "y")
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("would leave 0 of its IPv4 members answering", p.stderr)
            self.assertIn("force", p.stderr)
            self.wait_answers("two.safe.test", ["192.0.2.12"])  # y still answers
            p = self.ctl("drain", "two.safe.test", "y", "--force")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("two.safe.test/y is draining", p.stdout)
        finally:
            for m in ("x", "y"):
                self.ctl("enable", "two.safe.test", m)

    def test_drain_and_enable_by_region(self):
        try:
            p = self.ctl("drain", "--region", "us")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("fo.safe.test/secondary is draining", p.stdout)
            self.assertIn("fo.safe.test/tertiary is draining", p.stdout)
            members = json.loads(self.ctl("-o", "json", "get", "members",
                                          "fo.safe.test").stdout)["members"]
            self.assertEqual({m["name"]: m["drained"] for m in members},
                             {"primary": False, "secondary": True, "tertiary": True})
            # eu holds the last answering member of fo.safe.test: all or nothing, so nothing.
            p = self.ctl("drain", "--region", "eu")
            self.assertEqual(p.returncode, 1, p.stderr)
            got = json.loads(self.ctl("-o", "json", "get", "members", "two.safe.test").stdout)
            self.assertFalse(any(m["drained"] for m in got["members"]), got)
            self.assertEqual(self.ctl("drain", "--region", "mars").returncode, 1)
        finally:
            self.assertEqual(self.ctl("enable", "--region", "us").returncode, 0)
        self.wait_answers("fo.safe.test", ["192.0.2.1"])

    def test_assume_down_predicts_the_real_failure(self):
        def predicted(down):
            p = self.ctl("-o", "json", "explain", "fo.safe.test", "--assume-down", down)
            self.assertEqual(p.returncode, 0, p.stderr)
            j = json.loads(p.stdout)
            self.assertEqual(j["assumed_down"], down.split(","))
            return sorted(a["data"] for a in j["answers"])

        table = self.ctl("explain", "fo.safe.test", "--assume-down", "primary")
        self.assertIn("assuming primary down", table.stdout)
        ids = {n: self.db.member_id("fo.safe.test", n) for n in ("primary", "secondary")}
        for down in ("primary", "primary,secondary"):
            with self.subTest(down=down):
                want = predicted(down)
                self.assertEqual(self.answers("fo.safe.test"), ["192.0.2.1"])  # not yet real
                now = gslb_util.now_ms()
                self.db.observe_many([("local", ids[n], 0, now) for n in down.split(",")])
                try:
                    self.wait_answers("fo.safe.test", want)
                finally:
                    self.db.forget(list(ids.values()))
                self.wait_answers("fo.safe.test", ["192.0.2.1"])
        p = self.ctl("explain", "fo.safe.test", "--assume-down", "nobody")
        self.assertEqual(p.returncode, 1)
        self.assertIn('no member "nobody" in fo.safe.test', p.stderr)


if __name__ == "__main__":
    unittest.main()
