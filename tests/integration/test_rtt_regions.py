"""The rtt policy by client region against a real gslbd (DNS role only; no probes are sent).

A document maps client subnets to two regions, eu-west and us-east ("regions"); two agents, one
in each region, are written straight into the database with opposite views of two members:
paris is near eu and far from us, boston the reverse, and boston has the lowest RTT overall.
An ECS query from an eu subnet gets paris, from a us subnet boston, and from a subnet in no
region the overall fastest (boston again, by its us RTT). The ECS scope echoed is the region
subnet's prefix, so resolvers cache the answer per region.
"""

import time
import unittest

from gslb_util import GslbTestCase, apply, ecs_of, now_ms, poll, write_doc

NAME = "near.rtt.test"
PARIS, BOSTON = "192.0.2.201", "192.0.2.202"

DOC = {
    "zones": [{
        "name": "rtt.test", "ttl": 300,
        "soa": {"mname": "ns1.rtt.test.", "rname": "hostmaster.rtt.test.", "serial": 1},
        "ns": ["ns1.rtt.test."],
        "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}],
    }],
    # No check: every observation stays fresh for the whole test.
    "services": [{
        "name": NAME, "policy": "rtt", "ttl": 30,
        "rtt_tolerance_pct": 0, "rtt_tolerance_us": 0,
        "members": [{"name": "paris", "address": PARIS, "region": "eu-west"},
                    {"name": "boston", "address": BOSTON, "region": "us-east"}],
    }],
    "regions": {
        "eu-west": ["198.51.100.0/24", "2001:db8:1::/48"],
        "us-east": ["203.0.113.0/24"],
    },
}

# RTT in µs by (agent, member): eu1 sees paris near, us1 sees boston nearer still.
RTTS = {("eu1", "paris"): 5000, ("eu1", "boston"): 60000,
        ("us1", "paris"): 70000, ("us1", "boston"): 3000}

EU, EU6, US, NOWHERE = ("198.51.100.0", 24), ("2001:db8:1::", 56), ("203.0.113.0", 24), \
    ("192.0.2.0", 24)


class TestRttRegions(GslbTestCase):
    """gslbd starts on an empty database; the document, the agents and their observations are
    written while it runs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.doc_path = write_doc(DOC, cls.tmp, "regions.json")
            cls.apply_result = apply(cls.db_path, cls.doc_path)
            if cls.apply_result.returncode != 0:
                raise RuntimeError("apply failed:\n" + cls.apply_result.transcript)
            cls.ids = {m: cls.db.member_id(NAME, m) for m in ("paris", "boston")}
            t = now_ms()
            cls.db.write([("INSERT INTO agents (id, region, last_seen_ms) VALUES (?, ?, ?)",
                           (agent, region, t)) for agent, region in
                          (("eu1", "eu-west"), ("us1", "us-east"))])
            cls.observe_all(RTTS)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def observe_all(cls, rtts):
        return cls.db.write([cls.db.observation_sql(agent, cls.ids[member], True, rtt_us=rtt)
                             for (agent, member), rtt in rtts.items()])

    def answer(self, ecs):
        """(addresses, ECS scope) of one query from `ecs`."""
        r = self.ask(NAME, "A", ecs)
        self.assertEqual(r["status"], "NOERROR", repr(r))
        self.assertTrue(r["aa"])
        echo = ecs_of(r)
        self.assertIsNotNone(echo, "no ECS echoed: %r" % r)
        return [a["rdata"] for a in r["answer"]], echo[2]

    def wait_for(self, ecs, address, what, t0=None):
        """Polls until a query from `ecs` is answered with `address` alone (REFUSED or another
        answer meanwhile: the server has not seen the change yet)."""
        def addresses():
            r = self.ask(NAME, "A", ecs)
            return r["status"], [a["rdata"] for a in r["answer"]]
        took, last = poll(addresses, lambda v: v == ("NOERROR", [address]), t0=t0, timeout=3.0)
        self.assertIsNotNone(took, "%s: still %r after 3 s" % (what, last))
        return last

    def test_00_apply_reports_the_regions_and_a_second_apply_nothing(self):
        lines = self.apply_result.stdout.splitlines()
        for line in ("+ region eu-west 198.51.100.0/24", "+ region eu-west 2001:db8:1::/48",
                     "+ region us-east 203.0.113.0/24"):
            self.assertIn(line, lines, self.apply_result.transcript)
        self.assertEqual(self.db.scalar("SELECT count(*) FROM client_subnets"), 3)
        gen = self.db.config_generation()
        again = apply(self.db_path, self.doc_path)
        self.assertEqual(again.returncode, 0, again.transcript)
        self.assertEqual(again.stdout.strip(), "no changes", again.transcript)
        self.assertEqual(self.db.config_generation(), gen)

    def test_10_each_region_gets_the_member_fastest_from_it(self):
        self.wait_for(EU, PARIS, "eu client -> paris")
        for _ in range(20):
            self.assertEqual(self.answer(EU), ([PARIS], 24))
            self.assertEqual(self.answer(US), ([BOSTON], 24))
            self.assertEqual(self.answer(EU6), ([PARIS], 48))
            self.assertEqual(self.answer(("198.51.100.77", 32)), ([PARIS], 24))

    def test_20_a_client_in_no_region_gets_the_overall_fastest(self):
        self.wait_for(EU, PARIS, "eu client -> paris")
        for _ in range(20):
            addresses, scope = self.answer(NOWHERE)
            self.assertEqual(addresses, [BOSTON], "overall: boston 3 ms (us1) beats paris 5 ms")
            # 192.0.2.0/24 and 198.51.100.0/24 part at the 6th bit: the /6 holds no region.
            self.assertEqual(scope, 6)

    def test_30_a_regional_rtt_change_alone_reaches_the_answers(self):
        """boston's RTT from eu drops below paris's; no overall RTT moves."""
        self.wait_for(EU, PARIS, "eu client -> paris")
        try:
            t0 = self.observe_all({("eu1", "boston"): 4000})
            self.wait_for(EU, BOSTON, "eu client -> boston once eu1 sees it at 4 ms", t0)
            self.assertEqual(self.answer(US), ([BOSTON], 24))
            self.assertEqual(self.answer(NOWHERE)[0], [BOSTON])
        finally:
            t0 = self.observe_all(RTTS)
        self.wait_for(EU, PARIS, "eu client -> paris again", t0)

    def test_40_without_regions_every_client_gets_the_overall_fastest(self):
        self.wait_for(EU, PARIS, "eu client -> paris")
        doc = dict(DOC)
        del doc["regions"]
        path = write_doc(doc, self.tmp, "no-regions.json")
        try:
            r = apply(self.db_path, path)
            self.assertEqual(r.returncode, 0, r.transcript)
            self.assertIn("- region us-east 203.0.113.0/24", r.stdout.splitlines(), r.transcript)
            self.wait_for(EU, BOSTON, "eu client -> overall fastest (boston) without regions",
                          time.monotonic())
            self.assertEqual(self.answer(EU), ([BOSTON], 0))
        finally:
            r = apply(self.db_path, self.doc_path)
            self.assertEqual(r.returncode, 0, r.transcript)
        self.wait_for(EU, PARIS, "eu client -> paris with the regions back")
        self.assertEqual(self.answer(EU), ([PARIS], 24))

    def test_99_same_server_throughout(self):
        self.assert_same_server()


if __name__ == "__main__":
    unittest.main()
