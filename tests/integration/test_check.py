"""`gslbd check [--zone [NAME=]FILE ...] [--db PATH] [DOCUMENT]`: validates without serving or
changing anything, like named-checkzone and kzonecheck. One line per problem (FILE:LINE for zone
files, the JSON path for documents), exit 1 on any, 2 on bad usage; the database is read through
a private copy, so its bytes and its directory are as they were. Nothing listens."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from gslb_util import DOC_DIR, apply

GOOD_ZONE = """$ORIGIN check.test.
@ 300 IN SOA ns1 h 1 3600 600 604800 60
@ 300 IN NS ns1
ns1 300 IN A 192.0.2.53
www 300 IN A 192.0.2.80
"""


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class TestCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-check-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def check(self, *args):
        return subprocess.run([harness.gslbd_path(), "check"] + list(args), capture_output=True,
                              text=True, timeout=60, cwd=self.tmp)

    def test_a_good_zone_file(self):
        z = self.write("check.test.zone", GOOD_ZONE)
        p = self.check("--zone", z)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ok: %s: zone check.test., 4 record(s)" % z, p.stdout)

    def test_a_bad_zone_file_names_file_and_line(self):
        z = self.write("bad.zone", GOOD_ZONE + "bad 300 IN A 192.0.2.300\n")
        p = self.check("--zone", "check.test=" + z)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(z + ":6: ", p.stdout)
        self.assertIn("1 problem(s)", p.stderr)

    def test_a_zone_named_otherwise_than_its_origin(self):
        z = self.write("z", GOOD_ZONE)
        p = self.check("--zone", "other.test=" + z)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("check.test", p.stdout)
        self.assertIn("other.test", p.stdout)

    def test_every_zone_is_checked_not_just_the_first_bad_one(self):
        a = self.write("a.zone", GOOD_ZONE + "x 300 IN A nonsense\n")
        b = self.write("b.zone", "$ORIGIN b.test.\n@ 300 IN SOA ns1 h 1 2 3 4 5\n@ IN TXT \"x\n")
        c = self.write("c.zone", GOOD_ZONE)
        p = self.check("--zone", a, "--zone", b, "--zone", c)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(a + ":6:", p.stdout)
        self.assertIn(b + ":", p.stdout)
        self.assertIn("ok: " + c, p.stdout)
        self.assertIn("2 problem(s)", p.stderr)

    def test_a_database_and_a_document_change_nothing(self):
        db = os.path.join(self.tmp, "gslb.db")
        shutil.copy(os.path.join(DOC_DIR, "files.test.zone"), self.tmp)  # the document's zone
        r = apply(db, os.path.join(DOC_DIR, "base.json"))
        self.assertEqual(r.returncode, 0, r.transcript)
        before = digest(db)
        listing = sorted(os.listdir(self.tmp))
        with open(os.path.join(DOC_DIR, "base.json")) as f:
            doc = json.load(f)
        doc["services"][0]["ttl"] = 17
        changed = self.write("changed.json", json.dumps(doc))
        p = self.check("--db", db, changed)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"ok: %s: \d+ zone\(s\), \d+ service\(s\)" % db)
        self.assertRegex(p.stdout, r"ok: %s: valid, [1-9]\d* change\(s\) to apply" % changed)
        self.assertEqual(digest(db), before)
        self.assertEqual(sorted(os.listdir(self.tmp)), sorted(listing + ["changed.json"]))

    def test_a_bad_document_lists_every_json_path(self):
        bad = self.write("bad.json", json.dumps({
            "zones": [{"name": "d.test", "soa": {"mname": "ns1.d.test.", "rname": "h.d.test.",
                                                 "serial": 1}, "ns": ["ns1.d.test."]}],
            "services": [{"name": "www.d.test", "policy": "weighted", "ttl": 90000,
                          "members": [{"name": "x y", "address": "0.0.0.0"}]}]}))
        p = self.check(bad)
        self.assertEqual(p.returncode, 1, p.stdout)
        lines = [l for l in p.stdout.splitlines() if l.startswith(bad + ": ")]
        fields = sorted(l[len(bad) + 2:].split(":")[0] for l in lines)
        self.assertEqual(fields, ["services[0].members[0].address",
                                  "services[0].members[0].name", "services[0].ttl"], p.stdout)

    def test_a_damaged_database_is_named(self):
        db = self.write("junk.db", "this is not a database, it only has the name of one\n" * 200)
        before = digest(db)
        p = self.check("--db", db)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(db + ": ", p.stdout)
        self.assertEqual(digest(db), before)
        p = self.check("--db", os.path.join(self.tmp, "absent.db"))
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("absent.db: no such file", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "absent.db")))

    def test_usage(self):
        p = self.check()
        self.assertEqual(p.returncode, 2)
        self.assertIn("nothing to check", p.stderr)
        p = self.check("--bogus")
        self.assertEqual(p.returncode, 2)
        self.assertIn('unknown option "--bogus"', p.stderr)
        p = self.check("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: gslbd check", p.stdout)


if __name__ == "__main__":
    unittest.main()
