"""GSLB engine integration tests: `gslbd apply` documents and direct database writes (as healthd
and operators make them) against a real gslbd answering dig and raw UDP queries on loopback.

Documents: gslb/base.json (TestApplyAndServe), gslb/live.json (TestLiveChanges,
TestDatabaseTrouble, TestDatabaseFileMissing). Every gslbd runs on a database in its class's temp dir and is stopped at
the end of the class (harness.GslbdServer also fails the class on sanitizer reports).
"""

import copy
import os
import sqlite3
import threading
import time
import unittest

import harness
from gslb_util import (Db, GslbTestCase, answer_addresses, apply, ask, ecs_of, find, now_ms,
                       poll, write_doc)

APP_POOL = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
SOA_RDATA = "ns1.gslb.test. hostmaster.gslb.test. 2024010101 3600 600 604800 60"


class TestApplyAndServe(GslbTestCase):
    """gslbd starts on an empty database; base.json is applied while it runs."""

    DOC = "base.json"
    APPLY_AFTER_START = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.apply_result = apply(cls.db_path, cls.doc_path)
            t0 = time.monotonic()
            if cls.apply_result.returncode != 0:
                raise RuntimeError("apply failed:\n" + cls.apply_result.transcript)
            cls.first_answer_s, cls.first_answer = poll(
                lambda: harness.udp_exchange(cls.port, harness.build_query("app.gslb.test"), 0.5),
                lambda d: d is not None and harness.parse_message(d)["answer"], t0=t0,
                timeout=3.0)
        except BaseException:
            cls.tearDownClass()
            raise

    def current_config(self):
        return self.db.dump_config()

    def test_00_apply_creates_services_answered_within_1s(self):
        r = self.apply_result
        self.assertEqual(r.returncode, 0, r.transcript)
        lines = r.stdout.splitlines()
        for s in self.doc["services"]:
            self.assertIn("+ service " + s["name"], lines, r.transcript)
            for m in s["members"]:
                self.assertIn("+ member %s/%s" % (s["name"], m["name"]), lines, r.transcript)
        self.assertIn("+ zone gslb.test", lines, r.transcript)
        self.assertIn("+ zone files.test", lines, r.transcript)
        self.assertNotIn("no changes", r.stdout)
        self.assertEqual(self.db.scalar("SELECT count(*) FROM services"), 7)
        self.assertEqual(self.db.scalar("SELECT count(*) FROM members"), 17)
        self.assertIsNotNone(self.first_answer_s,
                             "the applied service was not answered within 3 s (no restart)")
        self.assertLessEqual(self.first_answer_s, 1.0)
        self.assert_same_server()

    def test_a_answer_from_pool_with_aa_and_service_ttl(self):
        r = self.dig("app.gslb.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("aa", r["flags"])
        self.assertEqual(len(r["answer"]), 1, "answers defaults to 1")
        rr = r["answer"][0]
        self.assertEqual((rr["name"], rr["type"], rr["class"], rr["ttl"]),
                         ("app.gslb.test.", "A", "IN", 30))
        self.assertIn(rr["rdata"], APP_POOL)
        seen = set()
        for _ in range(40):
            got = self.addrs("app.gslb.test")
            self.assertEqual(len(got), 1)
            self.assertIn(got[0], APP_POOL)
            seen.add(got[0])
        self.assertEqual(sorted(seen), APP_POOL, "every healthy member of equal weight is picked")

    def assert_negative(self, r, status):
        self.assertEqual(r["status"], status)
        self.assertIn("aa", r["flags"])
        self.assertEqual(r["answer"], [])
        soa = [a for a in r["authority"] if a["type"] == "SOA"]
        self.assertEqual(len(soa), 1, "negative answer without the zone SOA")
        self.assertEqual(soa[0]["name"], "gslb.test.")
        self.assertEqual(soa[0]["rdata"], SOA_RDATA)
        self.assertEqual(soa[0]["ttl"], 60, "RFC 2308: min(SOA TTL 300, MINIMUM 60)")

    def test_nodata_for_other_types_at_the_service_name(self):
        for qtype in ("MX", "TXT"):
            with self.subTest(qtype=qtype):
                self.assert_negative(self.dig("app.gslb.test", qtype), "NOERROR")

    def test_nxdomain_nearby(self):
        for name in ("nope.gslb.test", "sub.app.gslb.test", "xapp.gslb.test"):
            with self.subTest(name=name):
                self.assert_negative(self.dig(name, "A"), "NXDOMAIN")

    def test_static_records_beside_services(self):
        r = self.dig("static.gslb.test", "A")
        self.assertEqual(harness.rdatas(r["answer"], "A"), ["192.0.2.250"])
        self.assertEqual(r["answer"][0]["ttl"], 120)
        r = self.dig("gslb.test", "NS")
        self.assertEqual(harness.rdatas(r["answer"], "NS"), ["ns1.gslb.test."])
        self.assertIn("aa", r["flags"])
        # The zone kept in a file (named relative to the document) with a service inside it.
        r = self.dig("static.files.test", "A")
        self.assertEqual(harness.rdatas(r["answer"], "A"), ["192.0.2.201"])
        r = self.dig("app.files.test", "A")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("aa", r["flags"])
        self.assertEqual([(a["rdata"], a["ttl"]) for a in r["answer"]], [("192.0.2.51", 45)])

    def assert_served_unchanged(self):
        """After 0.7 s (more than the 500 ms pick-up bound), app.gslb.test is still served as
        base.json says: TTL 30, members a, b, c only."""
        time.sleep(0.7)
        status, addrs, ttls = self.dig_addrs("app.gslb.test")
        self.assertEqual((status, ttls), ("NOERROR", [30]))
        for _ in range(30):
            got = self.addrs("app.gslb.test")
            self.assertEqual(len(got), 1)
            self.assertIn(got[0], APP_POOL)

    def test_dry_run_writes_nothing(self):
        doc = copy.deepcopy(self.doc)
        find(doc, "app.gslb.test")["ttl"] = 99
        find(doc, "app.gslb.test")["members"].append({"name": "d", "address": "192.0.2.4"})
        path = write_doc(doc, self.tmp, "dry-run.json")
        before = self.current_config()
        r = apply(self.db_path, path, dry_run=True)
        self.assertEqual(r.returncode, 0, r.transcript)
        lines = r.stdout.splitlines()
        self.assertIn("~ service app.gslb.test: ttl 30 -> 99", lines, r.transcript)
        self.assertIn("+ member app.gslb.test/d", lines, r.transcript)
        self.assertIn("dry run", r.stdout, r.transcript)
        self.assertNotIn("no changes", r.stdout, r.transcript)
        self.assertEqual(self.current_config(), before, "--dry-run wrote to the database")
        self.assert_served_unchanged()

    def test_identical_apply_prints_no_changes(self):
        before = self.current_config()
        r = apply(self.db_path, self.doc_path)
        self.assertEqual(r.returncode, 0, r.transcript)
        self.assertEqual(r.stdout.strip(), "no changes", r.transcript)
        self.assertEqual(self.current_config(), before,
                         "an identical apply changed rows (or config_generation)")

    def test_invalid_document_rejected_whole(self):
        doc = copy.deepcopy(self.doc)
        find(doc, "app.gslb.test")["ttl"] = 77  # valid on its own: must not be written either
        doc["services"][0]["members"][0]["address"] = "192.0.2.300"
        doc["services"][1]["policy"] = "fastest"
        doc["checks"][0]["timeout_ms"] = 500  # interval_ms is 200
        path = write_doc(doc, self.tmp, "invalid.json")
        before = self.current_config()
        r = apply(self.db_path, path)
        self.assertEqual(r.returncode, 1, r.transcript)
        self.assertIn("services[0].members[0].address: not an IP address", r.stderr, r.transcript)
        self.assertRegex(r.stderr, r"(?m)^\s*services\[1\]\.policy: ", r.transcript)
        self.assertRegex(r.stderr, r"(?m)^\s*checks\[0\]\.timeout_ms: ", r.transcript)
        self.assertNotRegex(r.stdout, r"(?m)^[+~-] ", "change lines printed for a rejected "
                            "document:\n" + r.transcript)
        self.assertEqual(self.current_config(), before, "a rejected document wrote rows")
        self.assert_served_unchanged()

    def test_weighted_shares_follow_weights(self):
        pool = {"192.0.2.11": 0, "192.0.2.12": 0, "192.0.2.13": 0}
        n = 400
        for _ in range(n):
            got = self.addrs("weighted.gslb.test")
            self.assertEqual(len(got), 1)
            self.assertIn(got[0], pool)
            pool[got[0]] += 1
        shares = {a: c / n for a, c in pool.items()}
        msg = "shares for weights 1:2:1 over %d queries: %r" % (n, shares)
        self.assertTrue(all(c > 0 for c in pool.values()), msg)
        self.assertTrue(0.35 <= shares["192.0.2.12"] <= 0.65, msg)
        self.assertTrue(0.10 <= shares["192.0.2.11"] <= 0.40, msg)
        self.assertTrue(0.10 <= shares["192.0.2.13"] <= 0.40, msg)

    def test_aaaa_from_ipv6_members(self):
        v6 = ["2001:db8::1", "2001:db8::2"]
        r = self.dig("v6.gslb.test", "AAAA")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIn("aa", r["flags"])
        self.assertEqual(len(r["answer"]), 1)
        self.assertEqual((r["answer"][0]["type"], r["answer"][0]["ttl"]), ("AAAA", 30))
        self.assertIn(r["answer"][0]["rdata"], v6)
        seen = set()
        for _ in range(30):
            got = self.addrs("v6.gslb.test", "AAAA")
            self.assertEqual(len(got), 1)
            seen.add(got[0])
        self.assertEqual(sorted(seen), v6)
        # The v6-only service has no A: NODATA.
        self.assert_negative(self.dig("v6.gslb.test", "A"), "NOERROR")
        # A mixed service answers each family from its own members.
        for _ in range(5):
            self.assertEqual(self.addrs("dual.gslb.test", "A"), ["192.0.2.21"])
            self.assertEqual(self.addrs("dual.gslb.test", "AAAA"), ["2001:db8::21"])

    def test_aaaa_on_v4_only_service_is_nodata(self):
        self.assert_negative(self.dig("app.gslb.test", "AAAA"), "NOERROR")

    def test_answers_two_gives_two_distinct_members(self):
        pool = ["192.0.2.31", "192.0.2.32", "192.0.2.33"]
        r = self.dig("two.gslb.test", "A")
        self.assertEqual(len(r["answer"]), 2, "answers: 2")
        seen = set()
        for _ in range(20):
            got = self.addrs("two.gslb.test")
            self.assertEqual(len(got), 2, got)
            self.assertEqual(len(set(got)), 2, "the same member twice: %r" % got)
            self.assertTrue(set(got) <= set(pool), got)
            seen |= set(got)
        self.assertEqual(sorted(seen), pool)

    def test_ecs_persistent_echoes_scope_and_sticks(self):
        picks = set()
        for _ in range(20):
            r = self.dig("sticky.gslb.test", "A", "+subnet=198.51.100.0/24")
            self.assertEqual(r["status"], "NOERROR")
            self.assertIn("aa", r["flags"])
            self.assertIsNotNone(r["opt"], "no OPT in the answer")
            self.assertEqual(r["opt"]["options"].get("CLIENT-SUBNET"), "198.51.100.0/24/24",
                             "ECS must be echoed with scope 24 (the persistence prefix)")
            self.assertEqual(len(r["answer"]), 1)
            picks.add(r["answer"][0]["rdata"])
        self.assertEqual(len(picks), 1, "persistent service moved a subnet: %r" % picks)
        member = picks.pop()
        self.assertIn(member, ["192.0.2.41", "192.0.2.42", "192.0.2.43"])
        # Another address of the same /24, sent as a /32, keeps the member; scope is /24.
        for host in ("198.51.100.77", "198.51.100.250"):
            r = self.ask("sticky.gslb.test", ecs=(host, 32))
            self.assertEqual(answer_addresses(r), [member], host)
            self.assertEqual(ecs_of(r), (1, 32, 24, host))

    def test_ecs_different_subnets_spread(self):
        pool = ["192.0.2.41", "192.0.2.42", "192.0.2.43"]
        counts = {a: 0 for a in pool}
        for i in range(45):
            subnet = "10.%d.%d.0" % (i * 5 % 256, i * 37 % 256)
            first = self.addrs("sticky.gslb.test", ecs=(subnet, 24))
            self.assertEqual(len(first), 1)
            self.assertIn(first[0], pool)
            for _ in range(2):
                r = self.ask("sticky.gslb.test", ecs=(subnet, 24))
                self.assertEqual(answer_addresses(r), first, "subnet %s moved" % subnet)
                self.assertEqual(ecs_of(r)[2], 24)
            counts[first[0]] += 1
        self.assertTrue(all(c > 0 for c in counts.values()),
                        "45 subnets did not reach every member: %r" % counts)
        self.assertLess(max(counts.values()), 36, counts)

    def test_ecs_non_persistent_scope_zero(self):
        r = self.dig("app.gslb.test", "A", "+subnet=198.51.100.0/24")
        self.assertEqual(r["status"], "NOERROR")
        self.assertIsNotNone(r["opt"])
        self.assertEqual(r["opt"]["options"].get("CLIENT-SUBNET"), "198.51.100.0/24/0")
        r = self.ask("app.gslb.test", ecs=("203.0.113.9", 32))
        self.assertEqual(ecs_of(r), (1, 32, 0, "203.0.113.9"))


class TestLiveChanges(GslbTestCase):
    """live.json applied, then changed while gslbd runs: every change must be answered within
    1 s of its commit (measured by dig every 50 ms), without a restart."""

    DOC = "live.json"

    def setUp(self):
        super().setUp()
        self.assert_same_server()

    def tearDown(self):
        self.assert_same_server()
        super().tearDown()

    def test_weight_zero_via_apply(self):
        name = "live-weight.gslb.test"
        # Persistent service, one client (no ECS, 127.0.0.0/24): the pick is deterministic.
        picks = {tuple(self.dig_addrs(name)[1]) for _ in range(5)}
        self.assertEqual(len(picks), 1, picks)
        (member_addr,) = picks.pop()
        member = next(m for m in find(self.doc, name)["members"] if m["address"] == member_addr)
        doc = copy.deepcopy(self.doc)
        find(doc, name, member["name"])["weight"] = 0
        r = apply(self.db_path, write_doc(doc, self.tmp, "weight0.json"))
        t0 = time.monotonic()
        self.assertEqual(r.returncode, 0, r.transcript)
        self.assertIn("weight", r.stdout, r.transcript)
        self.wait_dig(name, lambda v: v[0] == "NOERROR" and len(v[1]) == 1
                      and v[1][0] != member_addr, t0, "weight 0 via apply")
        others = [m["address"] for m in find(self.doc, name)["members"]
                  if m["address"] != member_addr]
        for i in range(40):
            got = self.addrs(name, ecs=("10.9.%d.0" % i, 24))
            self.assertEqual(len(got), 1)
            self.assertIn(got[0], others, "a weight-0 member answered while others are positive")
        r = apply(self.db_path, self.doc_path)
        t0 = time.monotonic()
        self.assertEqual(r.returncode, 0, r.transcript)
        self.wait_dig(name, lambda v: v[1] == [member_addr], t0, "weight restored via apply")

    def test_drain_member(self):
        name = "live-drain.gslb.test"
        full = ["192.0.2.71", "192.0.2.72", "192.0.2.73"]
        self.assertEqual(self.dig_addrs(name), ("NOERROR", full, [30]))
        b = self.db.member_id(name, "b")
        t0 = self.db.drain(b)
        status, addrs, ttls = self.wait_dig(name, lambda v: v[1] == ["192.0.2.71", "192.0.2.73"],
                                            t0, "drain")
        self.assertEqual(ttls, [30], "a drained member does not make the service degraded")
        for _ in range(10):
            self.assertNotIn("192.0.2.72", self.addrs(name))
        t0 = self.db.drain(b, drained=False)
        self.wait_dig(name, lambda v: v[1] == full, t0, "undrain")

    def test_down_observation_then_up(self):
        name = "live-health.gslb.test"
        full = ["192.0.2.81", "192.0.2.82", "192.0.2.83"]
        self.assertEqual(self.dig_addrs(name)[1], full, "never observed members are up")
        b = self.db.member_id(name, "b")
        t0 = self.db.observe("agent-1", b, up=False)
        self.wait_dig(name, lambda v: v[1] == ["192.0.2.81", "192.0.2.83"], t0, "down observation")
        for _ in range(10):
            self.assertNotIn("192.0.2.82", self.addrs(name))
        t0 = self.db.observe("agent-1", b, up=True)
        self.wait_dig(name, lambda v: v[1] == full, t0, "up observation")

    def test_priority_failover(self):
        name = "prio.gslb.test"
        for _ in range(5):
            self.assertEqual(self.addrs(name), ["192.0.2.91"], "the primary tier answers")
        primary = self.db.member_id(name, "primary")
        t0 = self.db.observe("agent-1", primary, up=False)
        self.wait_dig(name, lambda v: v[1] == ["192.0.2.92"], t0, "failover to secondary")
        for _ in range(10):
            self.assertEqual(self.addrs(name), ["192.0.2.92"])
        t0 = self.db.observe("agent-1", primary, up=True)
        self.wait_dig(name, lambda v: v[1] == ["192.0.2.91"], t0, "primary back")

    def all_down(self, name, up=False):
        ids = [self.db.member_id(name, m) for m in ("a", "b")]
        return self.db.observe_many([("agent-1", i, up) for i in ids])

    def test_fallback_all_fails_open_with_ttl_degraded(self):
        name = "fb-all.gslb.test"
        pool = ["192.0.2.101", "192.0.2.102"]
        self.assertEqual(self.dig_addrs(name), ("NOERROR", pool, [30]))
        t0 = self.all_down(name)
        self.wait_dig(name, lambda v: v == ("NOERROR", pool, [5]), t0,
                      "fallback all (every member down)")
        for _ in range(5):
            self.assertEqual(self.addrs(name), pool)
        t0 = self.all_down(name, up=True)
        self.wait_dig(name, lambda v: v == ("NOERROR", pool, [30]), t0, "fallback all: recovered")

    def test_fallback_sorry(self):
        name = "fb-sorry.gslb.test"
        pool = ["192.0.2.111", "192.0.2.112"]
        self.assertEqual(self.dig_addrs(name), ("NOERROR", pool, [30]),
                         "a sorry member is not answered while others are up")
        t0 = self.all_down(name)
        self.wait_dig(name, lambda v: v == ("NOERROR", ["192.0.2.119"], [5]), t0,
                      "fallback sorry")
        t0 = self.all_down(name, up=True)
        self.wait_dig(name, lambda v: v == ("NOERROR", pool, [30]), t0, "fallback sorry: recovered")

    def test_fallback_servfail(self):
        name = "fb-servfail.gslb.test"
        pool = ["192.0.2.121", "192.0.2.122"]
        self.assertEqual(self.dig_addrs(name), ("NOERROR", pool, [30]))
        t0 = self.all_down(name)
        self.wait_dig(name, lambda v: v[0] == "SERVFAIL", t0, "fallback servfail")
        r = self.ask(name)
        self.assertEqual((r["status"], r["answer"]), ("SERVFAIL", []))
        t0 = self.all_down(name, up=True)
        self.wait_dig(name, lambda v: v == ("NOERROR", pool, [30]), t0,
                      "fallback servfail: recovered")

    def test_ttl_degraded_when_a_member_is_down(self):
        name = "ttl.gslb.test"
        for _ in range(5):
            status, addrs, ttls = self.dig_addrs(name)
            self.assertEqual((status, len(addrs), ttls), ("NOERROR", 1, [40]))
        b = self.db.member_id(name, "b")
        t0 = self.db.observe("agent-1", b, up=False)
        self.wait_dig(name, lambda v: v == ("NOERROR", ["192.0.2.131"], [7]), t0,
                      "ttl_degraded while b is down")
        for _ in range(5):
            self.assertEqual(self.dig_addrs(name), ("NOERROR", ["192.0.2.131"], [7]))
        t0 = self.db.observe("agent-1", b, up=True)
        self.wait_dig(name, lambda v: v[0] == "NOERROR" and v[2] == [40], t0, "ttl back")

    def test_quorum(self):
        q2, q1 = "quorum2.gslb.test", "quorum1.gslb.test"
        a2, a1 = self.db.member_id(q2, "a"), self.db.member_id(q1, "a")
        t0 = self.db.observe_many([("east", a2, True), ("west", a2, False),
                                   ("east", a1, True), ("west", a1, False)])
        self.wait_dig(q2, lambda v: v[1] == ["192.0.2.142"], t0,
                      "quorum 2 with one agent up of two: down")
        self.assertEqual(self.dig_addrs(q1)[1], ["192.0.2.151", "192.0.2.152"],
                         "quorum 1 with one agent up of two: up")
        for _ in range(5):
            self.assertEqual(self.addrs(q2), ["192.0.2.142"])
            self.assertEqual(self.addrs(q1), ["192.0.2.151", "192.0.2.152"])
        t0 = self.db.observe("north", a2, True)
        self.wait_dig(q2, lambda v: v[1] == ["192.0.2.141", "192.0.2.142"], t0,
                      "quorum 2 with two agents up of three: up")

    def test_stale_observation_stops_counting(self):
        name = "stale.gslb.test"  # check "fast": interval 200 ms, stale after 600 ms
        mixed = self.db.member_id(name, "mixed")
        lastdown = self.db.member_id(name, "lastdown")
        t = now_ms()
        # east's up stays fresh for the whole test; west's downs are a minute old.
        t0 = self.db.observe_many([("east", mixed, True, t + 8000),
                                   ("west", mixed, False, t - 60000),
                                   ("west", lastdown, False, t - 60000)])
        self.wait_dig(name, lambda v: v[1] == ["192.0.2.161", "192.0.2.163"], t0,
                      "stale down ignored (mixed up), no fresh one keeps the last state "
                      "(lastdown down), never observed up")
        # west's down turns fresh for 900 ms: one of two fresh agents up is no majority.
        t0 = self.db.observe("west", mixed, False, now_ms() + 300)
        self.wait_dig(name, lambda v: v[1] == ["192.0.2.163"], t0, "fresh down: no majority")
        # Then it goes stale by itself (no write): mixed is up again once the server notices.
        took, last = poll(lambda: self.dig_addrs(name),
                          lambda v: v[1] == ["192.0.2.161", "192.0.2.163"], t0=t0, timeout=4.0)
        self.assertIsNotNone(took, "an observation that went stale still counts: %r" % (last,))
        self.assertLessEqual(took, 2.5, "0.9 s to go stale + the periodic health refresh")
        self.timings.append(("stale by itself", took))


class Hammer(threading.Thread):
    """Queries `name` over UDP back to back until stopped; records every query left without an
    answer after a 1 s timeout and one resend, and every answer that is not NOERROR+AA with the
    expected addresses."""

    def __init__(self, port, name, valid):
        super().__init__(daemon=True)
        self.port, self.name, self.valid = port, name, set(valid)
        self.stopping = threading.Event()
        self.count = 0
        self.problems = []

    def run(self):
        while not self.stopping.is_set():
            r = ask(self.port, self.name, timeout=1.0, tries=2)
            self.count += 1
            if r is None:
                self.problems.append("no answer")
            elif r["status"] != "NOERROR" or not r["aa"]:
                self.problems.append("%s aa=%s" % (r["status"], r["aa"]))
            elif not answer_addresses(r) or not set(answer_addresses(r)) <= self.valid:
                self.problems.append("answer %r" % answer_addresses(r))

    def stop(self):
        self.stopping.set()
        self.join(10)
        return self.count, self.problems


class TestDatabaseTrouble(GslbTestCase):
    """The database turns bad while gslbd serves: it must keep answering from the last good
    snapshot and recover by itself."""

    DOC = "live.json"
    NAME = "live-drain.gslb.test"
    FULL = ["192.0.2.71", "192.0.2.72", "192.0.2.73"]

    def setUp(self):
        super().setUp()
        self.assert_same_server()
        self.assertEqual(self.dig_addrs(self.NAME)[1], self.FULL)

    def tearDown(self):
        self.assert_same_server()
        super().tearDown()

    def hammer(self):
        h = Hammer(self.port, self.NAME, self.FULL)
        h.start()
        self.addCleanup(h.stop)  # also when the test fails before it looks at the results
        return h

    def assert_hammer_clean(self, h, seconds):
        count, problems = h.stop()
        self.assertEqual(problems[:10], [], "%d of %d queries failed while the database was "
                         "in trouble" % (len(problems), count))
        self.assertGreater(count, 5 * seconds, "too few queries went out")

    def assert_follows_changes(self, what):
        b = self.db.member_id(self.NAME, "b")
        t0 = self.db.drain(b)
        self.wait_dig(self.NAME, lambda v: v[1] == ["192.0.2.71", "192.0.2.73"], t0,
                      "drain after " + what)
        t0 = self.db.drain(b, drained=False)
        self.wait_dig(self.NAME, lambda v: v[1] == self.FULL, t0, "undrain after " + what)

    def test_exclusive_lock_held(self):
        h = self.hammer()
        locker = sqlite3.connect(self.db_path, timeout=5, isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")
            locker.execute("UPDATE members SET weight = 9 WHERE address = '192.0.2.71'")
            time.sleep(1.2)
            locker.execute("ROLLBACK")
        finally:
            locker.close()
        self.assert_hammer_clean(h, 1.2)
        self.assert_follows_changes("an exclusive lock")

    def test_bad_row_keeps_last_snapshot_logs_once_and_recovers(self):
        h = self.hammer()
        sid = self.db.service_id(self.NAME)
        c = self.db.member_id(self.NAME, "c")
        # The schema lets this address through (digits and dots); the snapshot builder cannot.
        self.db.write([("INSERT INTO members (service_id, name, address) VALUES (?, 'bad', "
                        "'1.2.3')", (sid,))])
        self.db.drain(c)  # a good change behind the bad row: not served while the rebuild fails
        took, _ = poll(lambda: self.server.stderr_text(), lambda t: "1.2.3" in t, timeout=2.0)
        time.sleep(1.0)  # ~10 more polls that fail the same way
        self.assert_hammer_clean(h, 2)
        lines = [line for line in self.server.stderr_text().splitlines() if "1.2.3" in line]
        self.assertIsNotNone(took, "no log line about the bad row")
        self.assertEqual(len(lines), 1, "one clear line, not one per poll: %r" % lines)
        self.assertIn("member", lines[0].lower(), lines)
        self.assertEqual(self.dig_addrs(self.NAME), ("NOERROR", self.FULL, [30]),
                         "the last good snapshot is served while the rebuild fails")
        t0 = self.db.write([("DELETE FROM members WHERE service_id = ? AND name = 'bad'", (sid,))])
        self.wait_dig(self.NAME, lambda v: v[1] == ["192.0.2.71", "192.0.2.72"], t0,
                      "recovered after the bad row went (drain of c now served)")
        t0 = self.db.drain(c, drained=False)
        self.wait_dig(self.NAME, lambda v: v[1] == self.FULL, t0, "undrain after recovery")

    def break_meta(self):
        """Deletes the config_generation row: every poll of gslbd now fails, so it drops its
        connection and reopens the file by name each time (the path a replaced file is found
        by). Waits for the log line."""
        self.db.close()
        c = sqlite3.connect(self.db_path, timeout=5, isolation_level=None)
        c.execute("DELETE FROM meta WHERE key = 'config_generation'")
        c.close()
        took, _ = poll(self.server.stderr_text, lambda t: "config_generation" in t, timeout=2.0)
        self.assertIsNotNone(took, "no log line about the unreadable config_generation")

    def restore_meta(self, path):
        c = sqlite3.connect(path, timeout=5, isolation_level=None)
        c.execute("INSERT INTO meta (key, value) VALUES ('config_generation', 1000000)")
        c.close()

    def stderr_lines(self, needle):
        return [line for line in self.server.stderr_text().splitlines() if needle in line]

    def test_file_replaced_by_garbage(self):
        h = self.hammer()
        away = self.db_path + ".away"
        try:
            self.break_meta()
            os.rename(self.db_path, away)
            with open(self.db_path, "wb") as f:
                f.write(b"this is not an SQLite database\n" * 512)
            took, _ = poll(self.server.stderr_text, lambda t: "not a database" in t, timeout=2.0)
            time.sleep(0.5)  # more polls meeting the same garbage
            self.assertIsNotNone(took, "no log line about the garbage file")
            lines = self.stderr_lines("not a database")
            self.assertEqual(len(lines), 1, "one clear line, not one per poll: %r" % lines)
            self.assertIn(self.db_path, lines[0])
            self.assertEqual(self.dig_addrs(self.NAME), ("NOERROR", self.FULL, [30]),
                             "the last good snapshot is served while the file is garbage")
        finally:
            if os.path.exists(away):
                self.restore_meta(away)
                os.replace(away, self.db_path)
            type(self).db = Db(self.db_path)
        self.assert_hammer_clean(h, 1.5)
        self.assert_follows_changes("the file was put back")


class TestDatabaseFileMissing(GslbTestCase):
    """The database file disappears (moved away, being restored) while gslbd has to reopen it:
    it must keep serving the last good snapshot, not create and serve a new empty database.
    Its own class (and server): when this fails, gslbd is left serving an empty file."""

    DOC = "live.json"
    NAME = "live-drain.gslb.test"
    FULL = ["192.0.2.71", "192.0.2.72", "192.0.2.73"]

    break_meta = TestDatabaseTrouble.break_meta
    restore_meta = TestDatabaseTrouble.restore_meta
    hammer = TestDatabaseTrouble.hammer
    assert_hammer_clean = TestDatabaseTrouble.assert_hammer_clean
    assert_follows_changes = TestDatabaseTrouble.assert_follows_changes

    def test_file_missing_while_reopening(self):
        self.assertEqual(self.dig_addrs(self.NAME)[1], self.FULL)
        h = self.hammer()
        away = self.db_path + ".away"
        try:
            self.break_meta()
            os.rename(self.db_path, away)
            time.sleep(0.8)  # several reopen attempts while the file is missing
            status, addrs, ttls = self.dig_addrs(self.NAME)
            created = os.path.exists(self.db_path)
            self.assertEqual((status, addrs), ("NOERROR", self.FULL),
                             "while the database file is missing gslbd must keep serving the "
                             "last good snapshot (it %s a new file at %s)"
                             % ("created" if created else "did not create", self.db_path))
            self.assertFalse(created, "gslbd created a new, empty database in place of the "
                             "missing one")
        finally:
            if os.path.exists(away):
                self.restore_meta(away)
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(self.db_path + suffix):
                        os.remove(self.db_path + suffix)
                os.replace(away, self.db_path)
            type(self).db = Db(self.db_path)
        self.assert_hammer_clean(h, 1.0)
        self.assert_follows_changes("the file came back")

if __name__ == "__main__":
    unittest.main()
