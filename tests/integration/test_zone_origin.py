"""Zone origin from configuration: a zone file named by its configuration (a document's zones[]
entry, `--zone NAME=FILE`) is read relative to that name, as NSD, Knot and BIND read theirs; a
file whose $ORIGIN names another zone is refused naming both; `--zone FILE` without a name takes
the origin from the file and logs it once when that origin is the file name.

Every server listens on 127.0.0.1 only (harness.GslbdServer)."""

import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

import harness
from gslb_util import apply
from harness import GslbdServer, GslbdTestCase, gslbd_path, rdatas

ZONE = "gslb.example.test"
SOA = "ns1.%s. hostmaster.%s. 2024060101 3600 600 604800 60" % (ZONE, ZONE)

# An ordinary NSD/BIND-style file: no $ORIGIN, "@" and relative owners, and a file name
# ("zone") that names no zone. The later $ORIGIN below the zone is legal and must keep working.
RECORDS = """\
$TTL 300
@        IN SOA  ns1 hostmaster 2024060101 3600 600 604800 60
         IN NS   ns1
ns1      IN A    192.0.2.53
www      IN A    192.0.2.80
www      IN AAAA 2001:db8::80
@        IN MX   10 www
alias    IN CNAME www
"""
PLAIN_ZONE = RECORDS + "$ORIGIN sub.gslb.example.test.\nhost     IN A    192.0.2.81\n"

OTHER_ORIGIN_ZONE = """\
$ORIGIN other.test.
@    300 IN SOA ns1 hostmaster 1 3600 600 604800 60
@    300 IN NS  ns1
ns1  300 IN A   192.0.2.53
"""


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class PlainZoneAnswers:
    """What a server reading PLAIN_ZONE as gslb.example.test answers (mixed into the classes
    below, which start that server one way or the other)."""

    def test_soa_at_the_configured_apex(self):
        r = self.dig(ZONE, "SOA")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertIn("aa", r["flags"], r["raw"])
        self.assertEqual(rdatas(r["answer"], "SOA", ZONE + "."), [SOA])

    def test_apex_ns_from_a_blank_owner(self):
        r = self.dig(ZONE, "NS")
        self.assertEqual(rdatas(r["answer"], "NS", ZONE + "."), ["ns1.%s." % ZONE])
        self.assertEqual(rdatas(r["additional"], "A", "ns1.%s." % ZONE), ["192.0.2.53"])

    def test_relative_owners(self):
        r = self.dig("www." + ZONE, "A")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertEqual(rdatas(r["answer"], "A", "www.%s." % ZONE), ["192.0.2.80"])
        r = self.dig("www." + ZONE, "AAAA")
        self.assertEqual(rdatas(r["answer"], "AAAA", "www.%s." % ZONE), ["2001:db8::80"])

    def test_relative_names_in_rdata(self):
        r = self.dig(ZONE, "MX")
        self.assertEqual(rdatas(r["answer"], "MX"), ["10 www.%s." % ZONE])
        r = self.dig("alias." + ZONE, "A")
        self.assertEqual([(a["name"], a["type"], a["rdata"]) for a in r["answer"]],
                         [("alias.%s." % ZONE, "CNAME", "www.%s." % ZONE),
                          ("www.%s." % ZONE, "A", "192.0.2.80")])

    def test_a_later_origin_below_the_zone(self):
        r = self.dig("host.sub." + ZONE, "A")
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        self.assertEqual(rdatas(r["answer"], "A", "host.sub.%s." % ZONE), ["192.0.2.81"])

    def test_the_file_name_is_no_zone(self):
        r = self.dig("zone", "SOA")
        self.assertEqual(r["status"], "REFUSED", r["raw"])


class DocumentNamedZoneTests(PlainZoneAnswers, GslbdTestCase):
    """{"name": "gslb.example.test", "file": "zone"} applied with `gslbd apply`, then served from
    the database."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-origin-")
        try:
            write(cls.tmp, "zone", PLAIN_ZONE)
            doc = write(cls.tmp, "doc.json",
                        '{"zones": [{"name": "%s", "file": "zone"}]}' % ZONE)
            cls.db = os.path.join(cls.tmp, "gslb.db")
            r = apply(cls.db, doc)
            if r.returncode != 0:
                raise RuntimeError("apply failed:\n" + r.transcript)
            cls.server = GslbdServer([], ["--db", cls.db]).start()
            cls.port = cls.server.port
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_a_contradicting_origin_is_refused_naming_both(self):
        bad = write(self.tmp, "other.zone", OTHER_ORIGIN_ZONE)
        doc = write(self.tmp, "bad.json", '{"zones": [{"name": "%s", "file": "other.zone"}]}'
                    % ZONE)
        zones = "SELECT name, file FROM zones ORDER BY id"
        with sqlite3.connect(self.db) as conn:
            before = conn.execute(zones).fetchall()
        r = apply(self.db, doc)
        self.assertEqual(r.returncode, 1, r.transcript)
        self.assertIn("zones[0].file: %s:1: $ORIGIN other.test. contradicts the configured zone "
                      "%s" % (bad, ZONE), r.stderr, r.transcript)
        self.assertIn("nothing changed", r.stderr, r.transcript)
        with sqlite3.connect(self.db) as conn:
            self.assertEqual(conn.execute(zones).fetchall(), before)
        self.assertEqual(before, [(ZONE + ".", os.path.join(self.tmp, "zone"))])
        # Still served as before.
        self.assertEqual(rdatas(self.dig("www." + ZONE, "A")["answer"], "A"), ["192.0.2.80"])


class CommandLineNamedZoneTests(PlainZoneAnswers, GslbdTestCase):
    """--zone gslb.example.test=FILE, no database."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-origin-")
        try:
            cls.path = write(cls.tmp, "zone", PLAIN_ZONE)
            cls.server = GslbdServer([], ["--db", "none", "--zone", "%s=%s" % (ZONE, cls.path)])
            cls.server.start()
            cls.port = cls.server.port
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_no_file_name_origin_is_logged(self):
        self.assertNotIn("taken from the file name", self.server.stderr_text())


class CommandLineErrorTests(unittest.TestCase):
    """What `--zone NAME=FILE` refuses, and the exit codes."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-origin-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def run_gslbd(self, *args):
        return subprocess.run([gslbd_path(), "--listen", "127.0.0.1:1", "--db", "none"]
                              + list(args), capture_output=True, text=True, timeout=15,
                              stdin=subprocess.DEVNULL)

    def test_a_contradicting_origin_names_both(self):
        path = write(self.tmp, "other.zone", OTHER_ORIGIN_ZONE)
        p = self.run_gslbd("--zone", "%s=%s" % (ZONE, path))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("%s:1: $ORIGIN other.test. contradicts the configured zone %s" % (path, ZONE),
                      p.stderr)
        self.assertIn("configure the zone as other.test", p.stderr)

    def test_a_name_that_is_no_domain_name(self):
        path = write(self.tmp, "zone", PLAIN_ZONE)
        p = self.run_gslbd("--zone", "a..b=%s" % path)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('"a..b" is not a zone name', p.stderr)

    def test_a_path_with_an_equals_sign_and_a_slash_is_a_file(self):
        path = write(self.tmp, "a=b.zone", "$ORIGIN eq.test.\n" + RECORDS)
        s = GslbdServer([], ["--db", "none", "--zone", path]).start()
        try:
            r = harness.run_dig(s.port, ["www.eq.test", "A"])
            self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.80"], r["raw"])
        finally:
            self.assertEqual(s.stop(), [])


class FileNameOriginTests(unittest.TestCase):
    """--zone FILE whose origin can only come from its file name: served, and said once."""

    def test_logged_once_across_reloads(self):
        tmp = tempfile.mkdtemp(prefix="gslbd-origin-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = write(tmp, "guessed.test.zone", RECORDS)
        s = GslbdServer([], ["--db", "none", "--zone", path]).start()
        try:
            r = harness.run_dig(s.port, ["www.guessed.test", "A"])
            self.assertEqual(rdatas(r["answer"], "A"), ["192.0.2.80"], r["raw"])
            for _ in range(2):
                before = s.stderr_text().count("reloaded")
                s.signal(signal.SIGHUP)
                deadline = time.monotonic() + 5
                while s.stderr_text().count("reloaded") == before and time.monotonic() < deadline:
                    time.sleep(0.05)
            log = s.stderr_text()
            self.assertEqual(log.count("reloaded 1 zone file(s)"), 2, log)
            lines = [l for l in log.splitlines() if "taken from the file name" in l]
            self.assertEqual(len(lines), 1, log)
            self.assertIn("%s has no $ORIGIN and no absolute SOA owner: serving it as zone "
                          "guessed.test." % path, lines[0])
            self.assertIn("--zone guessed.test.=%s" % path, lines[0])
        finally:
            self.assertEqual(s.stop(), [])


if __name__ == "__main__":
    unittest.main()
