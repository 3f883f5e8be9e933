"""gslbd behind a real delegation, resolved through a real recursive resolver.

The deployment users run: a parent zone on another authoritative server delegates a child zone
to gslbd, and clients reach gslbd's names through an ordinary iterating resolver.

  NSD      127.0.0.71:53  serves example.test. (delegation/example.test.zone), which delegates
                          gslb.example.test. with NS + glue to 127.0.0.72
  gslbd    127.0.0.72:53  serves gslb.example.test. (delegation/gslb.example.test.zone)
  Unbound  127.0.0.73:P   iterator only, no DNSSEC; example.test. is a stub zone at NSD and the
                          root hints point at NSD too, so every packet stays on loopback

Port 53 is not optional for gslbd: glue carries no port, so the resolver follows the referral
to 127.0.0.72:53. NSD uses :53 as well (a parent as it is deployed); Unbound gets a free port.
Needs root (or CAP_NET_BIND_SERVICE) and nsd, unbound, dig (`make deps` installs them).

Environment: GSLBD (path of the gslbd binary; required unless a build/gslbd exists),
GSLBD_SOURCE_DIR (repo root; optional). Python standard library only.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

from delegation_util import (DATA_DIR, Server, apparmor_enforced, check_bindable, dig,
                             find_gslbd, find_tool, free_port, render, wait_until)

# These must match delegation/*.zone and delegation/root.hints.
NSD_ADDR = "127.0.0.71"
GSLBD_ADDR = "127.0.0.72"
UNBOUND_ADDR = "127.0.0.73"

PARENT = "example.test."
CHILD = "gslb.example.test."
CHILD_NS = "ns1.gslb.example.test."
CHILD_SOA_SERIAL = "2026010102"  # the parent's is 2026010101

# --------------------------------------------------------------------------------------------
# the test


class DelegationTest(unittest.TestCase):
    servers = []
    tmp = None

    @classmethod
    def setUpClass(cls):
        # Cleanups registered here run even if setUpClass fails part-way.
        cls.addClassCleanup(cls._stop_all)
        cls.servers = []
        gslbd = find_gslbd()
        nsd = find_tool("nsd")
        unbound = find_tool("unbound")
        find_tool("dig")

        check_bindable(GSLBD_ADDR, 53, "gslbd")
        check_bindable(NSD_ADDR, 53, "NSD")
        cls.port = free_port(UNBOUND_ADDR)

        cls.tmp = tempfile.mkdtemp(prefix="gslbd-delegation-")
        values = {"TMP": cls.tmp, "DATA_DIR": DATA_DIR, "NSD_ADDR": NSD_ADDR,
                  "PARENT_ZONE": os.path.join(DATA_DIR, "example.test.zone"),
                  "UNBOUND_ADDR": UNBOUND_ADDR, "UNBOUND_PORT": cls.port}

        # gslbd: authoritative for the child.
        g = cls._start("gslbd", [gslbd, "--listen", f"{GSLBD_ADDR}:53", "--threads", "2",
                                 "--zone", os.path.join(DATA_DIR, "gslb.example.test.zone"),
                                 "--db", os.path.join(cls.tmp, "gslb.db"), "--roles", "dns"])
        wait_until(g, "log says serving", lambda: ("serving" in g.log_text(), g.log_text()))
        wait_until(g, f"answers {CHILD} SOA", lambda: cls._probe_answers(GSLBD_ADDR, CHILD))

        # NSD: authoritative for the parent.
        nsd_conf = render("nsd.conf.in", os.path.join(cls.tmp, "nsd.conf"), values)
        n = cls._start("NSD", [nsd, "-d", "-c", nsd_conf])
        wait_until(n, f"answers {PARENT} SOA", lambda: cls._probe_answers(NSD_ADDR, PARENT))

        # Unbound: the resolver clients use.
        if apparmor_enforced(unbound):
            # Run an unconfined copy rather than weaken the system's profile.
            copy = os.path.join(cls.tmp, "unbound")
            shutil.copy2(unbound, copy)
            unbound = copy
        unbound_conf = render("unbound.conf.in", os.path.join(cls.tmp, "unbound.conf"), values)
        checkconf = shutil.which("unbound-checkconf",
                                 path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        if checkconf:
            c = subprocess.run([checkconf, unbound_conf], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=10)
            if c.returncode != 0:
                raise RuntimeError(f"unbound-checkconf rejects {unbound_conf}:\n{c.stdout}")
        u = cls._start("Unbound", [unbound, "-d", "-c", unbound_conf])

        def unbound_up():
            r = dig(UNBOUND_ADDR, "version.server", "TXT", port=cls.port, cls="CH", time_s=1,
                    tries=1)
            return r.status == "NOERROR", r.describe()

        wait_until(u, "answers version.server CH TXT", unbound_up)

    @classmethod
    def _start(cls, name, argv):
        s = Server(name, argv, os.path.join(cls.tmp, name.lower() + ".log"))
        cls.servers.append(s)
        return s

    @staticmethod
    def _probe_answers(addr, zone):
        # Any reply means it is up; what the reply says is for the tests to judge.
        r = dig(addr, zone, "SOA", recurse=False, time_s=1, tries=1)
        return r.status is not None, r.describe()

    @classmethod
    def _stop_all(cls):
        for s in reversed(cls.servers):
            s.stop()
        cls.servers = []
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            cls.tmp = None

    @classmethod
    def tearDownClass(cls):
        cls._stop_all()

    # ---- helpers

    def resolve(self, name, rrtype="A"):
        """Asks Unbound (RD set), as a client would."""
        return dig(UNBOUND_ADDR, name, rrtype, port=self.port)

    def servers_alive(self):
        for s in self.servers:
            self.assertIsNone(s.proc.poll(), s.failure("died during the test"))

    def assertReply(self, r, status, flags_in=(), flags_out=()):
        self.assertEqual(r.status, status, r.describe())
        for f in flags_in:
            self.assertIn(f, r.flags, f"flag {f} missing\n" + r.describe())
        for f in flags_out:
            self.assertNotIn(f, r.flags, f"flag {f} unexpectedly set\n" + r.describe())

    def assertChildSoaInAuthority(self, r):
        soas = [(o, rd) for o, t, rd in r.authority if t == "SOA"]
        self.assertEqual(len(soas), 1, "expected exactly one SOA in AUTHORITY\n" + r.describe())
        owner, rdata = soas[0]
        self.assertEqual(owner, CHILD, "SOA is not the child zone's\n" + r.describe())
        fields = rdata.split()
        self.assertEqual(fields[0].lower(), CHILD_NS, r.describe())
        self.assertEqual(fields[2], CHILD_SOA_SERIAL, "SOA serial is not gslbd's zone's\n"
                         + r.describe())

    def tearDown(self):
        self.servers_alive()

    # ---- sanity of the setup: the parent delegates to gslbd

    def test_01_parent_refers_child_to_gslbd(self):
        r = dig(NSD_ADDR, "www." + CHILD, "A", recurse=False)
        self.assertReply(r, "NOERROR", flags_out=("aa",))
        self.assertEqual(r.answer, [], "a referral has no answer\n" + r.describe())
        self.assertEqual(r.rrset("AUTHORITY", CHILD, "NS"), [CHILD_NS], r.describe())
        self.assertEqual(r.rrset("ADDITIONAL", CHILD_NS, "A"), [GSLBD_ADDR],
                         "glue must point at gslbd\n" + r.describe())

    # ---- gslbd answers directly, authoritatively

    def test_02_gslbd_direct_answers_are_authoritative(self):
        cases = [
            ("www." + CHILD, "A", "NOERROR", ["192.0.2.81"]),
            ("www." + CHILD, "AAAA", "NOERROR", ["2001:db8::81"]),
            (CHILD, "NS", "NOERROR", [CHILD_NS]),
            ("nope." + CHILD, "A", "NXDOMAIN", []),
        ]
        for name, rrtype, status, want in cases:
            with self.subTest(name=name, type=rrtype):
                r = dig(GSLBD_ADDR, name, rrtype, recurse=False)
                self.assertReply(r, status, flags_in=("qr", "aa"))
                self.assertEqual(r.rrset("ANSWER", name, rrtype), want, r.describe())
                if status == "NXDOMAIN":
                    self.assertChildSoaInAuthority(r)

    # ---- through the resolver

    def test_03_a_through_resolver(self):
        r = self.resolve("www." + CHILD, "A")
        self.assertReply(r, "NOERROR", flags_in=("qr", "rd", "ra"))
        self.assertEqual(r.answer, [("www." + CHILD, "A", "192.0.2.81")], r.describe())

    def test_04_aaaa_through_resolver(self):
        r = self.resolve("www." + CHILD, "AAAA")
        self.assertReply(r, "NOERROR", flags_in=("qr", "rd", "ra"))
        self.assertEqual(r.answer, [("www." + CHILD, "AAAA", "2001:db8::81")], r.describe())

    def test_05_cname_in_child_chased(self):
        r = self.resolve("alias." + CHILD, "A")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [("alias." + CHILD, "CNAME", "www." + CHILD),
                                    ("www." + CHILD, "A", "192.0.2.81")], r.describe())

    def test_06_cname_out_of_child_chased_through_parent(self):
        r = self.resolve("out." + CHILD, "A")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [("out." + CHILD, "CNAME", "origin." + PARENT),
                                    ("origin." + PARENT, "A", "192.0.2.99")], r.describe())

    def test_07_nxdomain_in_child(self):
        r = self.resolve("nope." + CHILD, "A")
        self.assertReply(r, "NXDOMAIN", flags_in=("ra",))
        self.assertEqual(r.answer, [], r.describe())
        self.assertChildSoaInAuthority(r)

    def test_08_nodata_in_child(self):
        r = self.resolve("www." + CHILD, "MX")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [], r.describe())
        self.assertChildSoaInAuthority(r)

    def test_09_parent_name_through_resolver(self):
        r = self.resolve("www." + PARENT, "A")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [("www." + PARENT, "A", "192.0.2.71")], r.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)
