"""Sites, not addresses (issue 11, point 5) against a real gslbd (DNS role; nothing is probed).

A member may hold several IPv4 and IPv6 addresses under one verdict: an A answer names all of
its IPv4 addresses, an AAAA answer all of its IPv6 ones, and a persistent client keeps the same
site for both families. A member may instead be a CNAME target, answered as a CNAME with the
service TTL. The document applies again with no changes, and a site down moves both families
at once.
"""

import unittest

from gslb_util import GslbTestCase, apply, poll, write_doc
import harness

TYPE_A, TYPE_AAAA, TYPE_CNAME = 1, 28, 5

SITES = {
    "tokyo": ["192.0.2.11", "2001:db8:11::1", "192.0.2.12", "2001:db8:11::2"],
    "paris": ["192.0.2.21", "2001:db8:21::1"],
}
NAME, CDN, MIXED = "app.sites.test", "cdn.sites.test", "mixed.sites.test"
TARGET = "lb.cdn.example.net."

DOC = {
    "zones": [{
        "name": "sites.test", "ttl": 300,
        "soa": {"mname": "ns1.sites.test.", "rname": "hostmaster.sites.test.", "serial": 1},
        "ns": ["ns1.sites.test."],
        "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}],
    }],
    "services": [
        {"name": NAME, "ttl": 30, "persistence": True,
         "members": [{"name": n, "addresses": a} for n, a in SITES.items()]},
        {"name": CDN, "ttl": 20, "members": [{"name": "cdn", "target": TARGET}]},
        # A site with IPv4 only beside a CNAME target of lower priority: the site answers while
        # it is up, the target takes both families when it is not.
        {"name": MIXED, "policy": "priority", "ttl": 25,
         "members": [{"name": "own", "address": "192.0.2.31", "priority": 1},
                     {"name": "cloud", "target": TARGET, "priority": 2}]},
    ],
}


def family(addresses, v6):
    return sorted(a for a in addresses if (":" in a) == v6)


class TestSites(GslbTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.doc_path = write_doc(DOC, cls.tmp, "sites.json")
            cls.apply_result = apply(cls.db_path, cls.doc_path)
            if cls.apply_result.returncode != 0:
                raise RuntimeError("apply failed:\n" + cls.apply_result.transcript)
        except BaseException:
            cls.tearDownClass()
            raise

    def records(self, name, qtype, ecs=None):
        """(status, [(type, ttl, rdata)]) of one query, once the service answers at all."""
        def one():
            r = self.ask(name, qtype, ecs)
            return r["status"], sorted((a["type"], a["ttl"], a["rdata"]) for a in r["answer"])
        took, last = poll(one, lambda v: v[0] == "NOERROR" and v[1], timeout=3.0)
        self.assertIsNotNone(took, "%s %s: %r after 3 s" % (name, qtype, last))
        return last

    def test_00_a_second_apply_changes_nothing(self):
        again = apply(self.db_path, self.doc_path)
        self.assertEqual(again.returncode, 0, again.transcript)
        self.assertEqual(again.stdout.strip(), "no changes", again.transcript)

    def test_10_a_site_answers_every_address_of_the_family_and_keeps_the_site_across_families(self):
        seen = set()
        for i in range(64):
            ecs = ("198.51.%d.0" % i, 24)
            _, a = self.records(NAME, "A", ecs)
            _, aaaa = self.records(NAME, "AAAA", ecs)
            v4 = sorted(r[2] for r in a)
            v6 = sorted(r[2] for r in aaaa)
            self.assertTrue(all(r[0] == TYPE_A and r[1] == 30 for r in a), a)
            self.assertTrue(all(r[0] == TYPE_AAAA for r in aaaa), aaaa)
            site = [n for n, addrs in SITES.items() if family(addrs, False) == v4]
            self.assertEqual(len(site), 1, "A %r is not one site's IPv4 addresses" % v4)
            # Persistence keys on the site: the same client gets the same site for AAAA.
            self.assertEqual(v6, family(SITES[site[0]], True), (ecs, v4, v6))
            seen.add(site[0])
        self.assertEqual(seen, set(SITES), "64 client subnets all landed on %s" % seen)

    def test_20_a_cname_target_is_answered_for_both_families_with_the_service_ttl(self):
        for qtype in ("A", "AAAA"):
            status, recs = self.records(CDN, qtype)
            self.assertEqual(status, "NOERROR")
            self.assertEqual(recs, [(TYPE_CNAME, 20, TARGET)], (qtype, recs))

    def test_30_a_site_down_moves_both_families_to_the_target(self):
        self.assertEqual(self.records(MIXED, "A")[1], [(TYPE_A, 25, "192.0.2.31")])
        own = self.db.member_id(MIXED, "own")
        try:
            t0 = self.db.write([self.db.observation_sql("local", own, False)])
            took, last = poll(lambda: self.records(MIXED, "A")[1],
                              lambda v: v and v[0][0] == TYPE_CNAME, t0=t0, timeout=3.0)
            self.assertIsNotNone(took, "own down: A still %r" % (last,))
            self.assertEqual([r[2] for r in last], [TARGET])
            self.assertEqual([r[2] for r in self.records(MIXED, "AAAA")[1]], [TARGET])
        finally:
            t0 = self.db.write([self.db.observation_sql("local", own, True)])
        took, last = poll(lambda: self.records(MIXED, "A")[1],
                          lambda v: v == [(TYPE_A, 25, "192.0.2.31")], t0=t0, timeout=3.0)
        self.assertIsNotNone(took, "own back: A still %r" % (last,))
        # While own is up, AAAA (which own does not have) goes to the target.
        self.assertEqual([r[2] for r in self.records(MIXED, "AAAA")[1]], [TARGET])

    def test_40_a_bad_site_is_refused_with_its_path(self):
        bad = {"zones": DOC["zones"], "services": [
            {"name": NAME, "members": [
                {"name": "a", "addresses": ["192.0.2.1", "not-an-ip"]},
                {"name": "b", "address": "192.0.2.2", "target": TARGET},
                {"name": "c", "addresses": []},
                {"name": "d", "target": NAME + "."},
                {"name": "e", "addresses": ["192.0.2.1"]}]}]}
        path = write_doc(bad, self.tmp, "bad.json")
        r = apply(self.db_path, path)
        self.assertNotEqual(r.returncode, 0, r.transcript)
        for line in ("services[0].members[0].addresses[1]: not an IP address",
                     "services[0].members[1]: give one of",
                     "services[0].members[2].addresses: expected an array of 1 to 16",
                     "services[0].members[3].target: the service's own name",
                     "services[0].members[4].addresses[0]: duplicate address 192.0.2.1"):
            self.assertIn(line, r.stderr, r.transcript)
        self.assertEqual(apply(self.db_path, self.doc_path).stdout.strip(), "no changes")


if __name__ == "__main__":
    unittest.main()
