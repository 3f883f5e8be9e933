"""Topology steering (issue 11) against a real gslbd, end to end.

A service with pools and ordered rules (region, ASN, country, continent, default) over MMDB
fixtures written by tools/mmdb/write_mmdb.pl (documentation and loopback networks only):

* TopologyTest (DNS and API roles, no probes):
  - clients (ECS) in each fixture network get the pool the rules say, with the ECS scope the
    prefix of the network that decided it (computed from the fixtures, capped at the source
    prefix); a service that does not depend on the client answers with scope 0;
  - every member of a pool down (observations written into the database): the pool's fallback
    answers within 1 s, and the pool again once they are back;
  - the MMDB file replaced (os.replace) with one placing the client elsewhere: the answers follow
    within ~1 s, no restart; garbage in its place: the last good copy keeps answering, /readyz
    says "degraded" and names the file, one log line names the problem, gslbd_geoip_error is 1;
    a good file again: healthy;
  - /v1/explain's "topology" (rule, pool, answered_by, reason) and `gslbctl explain`.
* ResolverTopologyTest: the same kind of service behind a real delegation (NSD parent, gslbd
  child on :53) resolved through Unbound with its subnetcache module: clients with different
  ECS get their own pool, a second client in the same scope is answered from Unbound's cache
  (gslbd counts no new answer), a client in no rule's network gets the default pool.

Python standard library only; every server is started and stopped here, on loopback.
"""

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import delegation_util as du
import gslb_util
import harness

SRC = os.environ.get("GSLBD_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
WRITE_MMDB = os.path.join(SRC, "tools", "mmdb", "write_mmdb.pl")

# The place fixture (a "city" file) and the network fixture (an "asn" file).
PLACES = [
    {"network": "127.81.0.0/16", "country": "JP", "continent": "AS"},
    {"network": "198.51.100.0/24", "country": "DE", "continent": "EU"},
    {"network": "203.0.113.16/28", "country": "FR", "continent": "EU"},
    {"network": "127.82.0.0/16", "country": "BR", "continent": "SA"},
    {"network": "127.83.0.0/16", "country": "NL", "continent": "EU"},
    {"network": "2001:db8:81::/48", "country": "JP", "continent": "AS"},
]
# The same, but 127.81.0.0/16 has moved to Brazil (the reload test).
PLACES_MOVED = [dict(p, country="BR", continent="SA") if p["network"] == "127.81.0.0/16" else p
                for p in PLACES]
NETWORKS = [{"network": "127.90.0.0/16", "asn": 64500, "org": "Example Carrier"}]
REGIONS = {"office": ["127.70.0.0/16"]}

POOL_ADDRESSES = {
    "office": ["192.0.2.51"],
    "carrier": ["192.0.2.41"],
    "asia": ["192.0.2.11", "192.0.2.12"],
    "europe": ["192.0.2.21"],
    "south": ["192.0.2.31"],
    "world": ["192.0.2.61"],
}
RULES = [
    {"region": "office", "pool": "office"},
    {"asn": [64500], "pool": "carrier"},
    {"country": ["JP"], "pool": "asia"},
    {"continent": ["EU"], "pool": "europe"},
    {"continent": "SA", "pool": "south"},
    {"pool": "world"},
]
FALLBACK = {"asia": ["europe"], "south": ["world"]}
# Which rule reads which fixture (so the test can compute the scope the answer must carry).
RULE_READS = {"region": "regions", "asn": "networks", "country": "places",
              "continent": "places"}


def topology_service(name, ttl=30):
    pools = []
    for pool, addresses in POOL_ADDRESSES.items():
        pools.append({"name": pool, "policy": "weighted",
                      "fallback": FALLBACK.get(pool, []),
                      "members": [{"name": "%s%d" % (pool, i + 1), "address": a}
                                  for i, a in enumerate(addresses)]})
    return {"name": name, "ttl": ttl, "pools": pools, "rules": RULES}


def zone(name, ns_address):
    return {"name": name, "ttl": 300,
            "soa": {"mname": "ns1.%s." % name, "rname": "hostmaster.%s." % name, "serial": 1,
                    "minimum": 30},
            "ns": ["ns1.%s." % name],
            "records": [{"name": "ns1", "type": "A", "data": ns_address}]}


def records(rows):
    """Distinct data records of a fixture (networks with the same facts share one)."""
    return len({json.dumps({k: v for k, v in r.items() if k != "network"}, sort_keys=True)
                for r in rows})


def write_mmdb(path, kind, rows):
    """Writes rows with write_mmdb.pl to a temp name beside `path`, then renames it into place
    (what a GeoIP updater does)."""
    tmp = path + ".new"
    p = subprocess.run(["perl", WRITE_MMDB, "--type", kind, tmp],
                       input="".join(json.dumps(r) + "\n" for r in rows), text=True,
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("write_mmdb.pl failed:\n" + p.stdout + p.stderr)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# What the rules say, computed from the fixtures


def _covering(client, networks):
    for n in networks:
        if n.version == client.version and (client.subnet_of(n) or n.subnet_of(client)):
            return n
    return None


def lookup_prefix(client, networks):
    """The prefix of the network that answers for `client` (an ip_network, the ECS source): the
    fixture network holding it, else the largest empty block around it (one bit longer than the
    longest prefix it shares with any fixture network); capped at the client's prefix."""
    n = _covering(client, networks)
    if n is not None:
        return min(n.prefixlen, client.prefixlen)
    a = int(client.network_address)
    shared = 0
    for n in networks:
        if n.version != client.version:
            continue
        diff = a ^ int(n.network_address)
        common = client.max_prefixlen - diff.bit_length()
        shared = max(shared, min(common, n.prefixlen))
    return min(shared + 1, client.prefixlen)


def expected(client_text, places=PLACES):
    """(pool, rule index, scope) the rules give the client (an "ADDR/LEN" text)."""
    client = ipaddress.ip_network(client_text, strict=False)
    facts = {
        "regions": [ipaddress.ip_network(n) for ns in REGIONS.values() for n in ns],
        "networks": [ipaddress.ip_network(r["network"]) for r in NETWORKS],
        "places": [ipaddress.ip_network(r["network"]) for r in places],
    }

    def find(rows, key):
        for r in rows:
            n = ipaddress.ip_network(r["network"])
            if n.version == client.version and client.subnet_of(n):
                return r.get(key)
        return None

    scope = 0
    for i, rule in enumerate(RULES):
        match = True
        for key, source in RULE_READS.items():
            if key not in rule or not match:
                continue
            scope = max(scope, lookup_prefix(client, facts[source]))
            want = rule[key] if isinstance(rule[key], list) else [rule[key]]
            if key == "region":
                got = [r for r, ns in REGIONS.items()
                       if any(ipaddress.ip_network(n).version == client.version
                              and client.subnet_of(ipaddress.ip_network(n)) for n in ns)]
                match = any(g in want for g in got)
            elif key == "asn":
                match = find(NETWORKS, "asn") in want
            else:
                match = find(places, key) in want
        if match:
            return rule["pool"], i, scope
    raise AssertionError("no default rule")


# --------------------------------------------------------------------------------------------


class _Api:
    def get(self, path, want=200):
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        self.assertEqual(status, want, "%s: %s" % (path, raw[:2000]))
        return raw.decode()

    def get_json(self, path, want=200):
        return json.loads(self.get(path, want))

    def metric(self, name, labels=""):
        """The value of one sample of /metrics, or None."""
        text = self.get("/metrics")
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            key, _, value = line.rpartition(" ")
            if key == name + ("{%s}" % labels if labels else ""):
                return float(value)
        return None


def wait_api(url, server):
    deadline = time.monotonic() + 10
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.URLError) as e:
            last = e
        time.sleep(0.05)
    raise RuntimeError("the API on %s did not answer /healthz within 10 s (%s):\n%s"
                       % (url, last, server.stderr_text()[-4000:]))


class TopologyTest(_Api, gslb_util.GslbTestCase):
    NAME = "geo.topo.test"
    FLAT = "flat.topo.test"
    SINGLE = "single.topo.test"
    SPLIT = "split.topo.test"

    @classmethod
    def setUpClass(cls):
        if not shutil.which("perl"):
            raise unittest.SkipTest("perl (and libmaxmind-db-writer-perl) needed for fixtures")
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-topology-")
        try:
            cls.city = os.path.join(cls.tmp, "city.mmdb")
            cls.asn = os.path.join(cls.tmp, "asn.mmdb")
            write_mmdb(cls.city, "city", PLACES)
            write_mmdb(cls.asn, "asn", NETWORKS)
            cls.db_path = os.path.join(cls.tmp, "gslb.db")
            doc = {
                "zones": [zone("topo.test", "127.0.0.1")],
                "geoip": {"city": cls.city, "asn": cls.asn},
                "regions": REGIONS,
                "services": [
                    topology_service(cls.NAME),
                    {"name": cls.FLAT, "ttl": 30,
                     "members": [{"name": "f1", "address": "192.0.2.71"}]},
                    {"name": cls.SPLIT, "ttl": 30,
                     "pools": [{"name": "main", "members": [{"name": "m1",
                                                             "address": "192.0.2.91"}]},
                               {"name": "canary", "members": [{"name": "c1",
                                                               "address": "192.0.2.92"}]}],
                     "rules": [{"continent": "EU", "pool": "main",
                                "split": {"pool": "canary", "percent": 50}},
                               {"pool": "main"}]},
                    {"name": cls.SINGLE, "ttl": 30,
                     "pools": [{"name": "only", "members": [{"name": "o1",
                                                             "address": "192.0.2.81"}]}],
                     "rules": [{"pool": "only"}]},
                ],
            }
            path = gslb_util.write_doc(doc, cls.tmp, "doc.json")
            r = gslb_util.apply(cls.db_path, path)
            if r.returncode != 0:
                raise RuntimeError("apply failed:\n" + r.transcript)
            cls.api_port = harness.free_port()
            cls.url = "http://%s:%d" % (harness.HOST, cls.api_port)
            cls.server = harness.GslbdServer(
                (), ("--db", cls.db_path, "--roles", "dns,api", "--api",
                     "%s:%d" % (harness.HOST, cls.api_port), "--api-insecure-loopback")).start()
            cls.port = cls.server.port
            cls.pid = cls.server.proc.pid
            wait_api(cls.url, cls.server)
        except BaseException:
            if getattr(cls, "server", None) is not None:
                cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise
        cls.db = gslb_util.Db(cls.db_path)
        cls.timings = []

    # ---- helpers

    def answer(self, client, name=None):
        """(addresses, ECS scope) of one query with ECS `client` ("ADDR/LEN")."""
        addr, _, plen = client.partition("/")
        r = self.ask(name or self.NAME, "A", (addr, int(plen)))
        self.assertEqual(r["status"], "NOERROR", repr(r))
        self.assertTrue(r["aa"], repr(r))
        echo = gslb_util.ecs_of(r)
        self.assertIsNotNone(echo, "no ECS option echoed: %r" % r)
        self.assertEqual(echo[1], int(plen), "source prefix not echoed: %r" % (echo,))
        return gslb_util.answer_addresses(r), echo[2]

    def pool_of(self, addresses):
        for pool, want in POOL_ADDRESSES.items():
            if addresses and set(addresses) <= set(want):
                return pool
        return None

    def wait_pool(self, client, pool, t0=None, what="", timeout=3.0):
        took, last = gslb_util.poll(lambda: self.answer(client),
                                    lambda v: self.pool_of(v[0]) == pool, t0=t0,
                                    timeout=timeout, interval=0.02)
        self.assertIsNotNone(took, "%s: %s never got pool %s; last %r" % (what, client, pool, last))
        return took

    def set_pool_health(self, pool, up):
        ids = [self.db.member_id(self.NAME, "%s%d" % (pool, i + 1))
               for i in range(len(POOL_ADDRESSES[pool]))]
        return self.db.observe_many([("agent-1", i, up) for i in ids])

    def explain(self, client):
        return self.get_json("/v1/explain?name=%s&type=A&client=%s" % (self.NAME, client))

    # ---- 1. rules over the fixtures, and the ECS scope

    CLIENTS = [
        ("JP", "127.81.5.0/24"),
        ("JP, a /32", "127.81.200.7/32"),
        ("DE", "198.51.100.0/24"),
        ("beside the FR /28, asked with /24", "203.0.113.0/24"),
        ("FR /28 asked with /28", "203.0.113.16/28"),
        ("FR /28 asked with /32", "203.0.113.20/32"),
        ("BR", "127.82.1.0/24"),
        ("NL", "127.83.1.0/24"),
        ("JP, IPv6", "2001:db8:81::/56"),
        ("JP, IPv6 /64", "2001:db8:81:ff00::/64"),
        ("unknown IPv6", "2001:db8:99::/48"),
        ("ASN 64500", "127.90.3.0/24"),
        ("office region", "127.70.9.0/24"),
        ("unknown", "127.99.1.0/24"),
        ("unknown doc net", "192.0.2.0/24"),
    ]

    def test_10_each_client_gets_the_pool_its_rule_names_with_the_deciding_scope(self):
        seen = set()
        for what, client in self.CLIENTS:
            pool, rule, scope = expected(client)
            seen.add(pool)
            with self.subTest(client=what):
                for _ in range(5):
                    addresses, got_scope = self.answer(client)
                    self.assertEqual(self.pool_of(addresses), pool,
                                     "%s (%s): rule %d says %s, got %r"
                                     % (what, client, rule, pool, addresses))
                    self.assertEqual(got_scope, scope, "%s (%s): ECS scope" % (what, client))
        # The fixtures reach every pool but none's fallback-only use.
        self.assertEqual(seen, set(POOL_ADDRESSES), "the clients cover every pool")
        # Spot checks on what the computation gives, so a wrong model fails here too.
        self.assertEqual(expected("127.81.5.0/24")[::2], ("asia", 16))
        self.assertEqual(expected("198.51.100.0/24")[::2], ("europe", 24))
        # 203.0.113.0/24 holds the FR /28 but its address (the bits past 24 are zero) is not in
        # it: no place, and the scope is capped at the source prefix.
        self.assertEqual(expected("203.0.113.0/24")[::2], ("world", 24))
        self.assertEqual(expected("203.0.113.16/28")[::2], ("europe", 28))
        self.assertEqual(expected("203.0.113.20/32")[::2], ("europe", 28))
        self.assertEqual(expected("127.90.3.0/24")[::2], ("carrier", 16))
        self.assertEqual(expected("127.70.9.0/24")[::2], ("office", 16))

    def test_11_dig_with_subnet_sees_the_same(self):
        r = harness.run_dig(self.port, ["+subnet=127.81.5.0/24", self.NAME, "A"])
        self._last_tool_output = r["raw"]
        self.assertEqual(r["status"], "NOERROR", r["raw"])
        addrs = sorted(a["rdata"] for a in r["answer"] if a["type"] == "A")
        self.assertEqual(self.pool_of(addrs), "asia", r["raw"])
        self.assertRegex(r["opt"]["options"].get("CLIENT-SUBNET", ""), r"127\.81\.5\.0/24/16",
                         r["raw"])

    def test_12_a_client_independent_answer_has_scope_zero(self):
        for client in ("127.81.5.0/24", "198.51.100.0/24", "127.99.1.0/24"):
            with self.subTest(client=client):
                self.assertEqual(self.answer(client, self.FLAT), (["192.0.2.71"], 0))
                self.assertEqual(self.answer(client, self.SINGLE), (["192.0.2.81"], 0))

    def test_13_without_ecs_the_source_address_decides(self):
        # The query comes from 127.0.0.1: in no fixture network, so the default pool.
        r = self.ask(self.NAME, "A")
        self.assertEqual(self.pool_of(gslb_util.answer_addresses(r)), expected("127.0.0.1/32")[0])
        self.assertIsNone(gslb_util.ecs_of(r), "no ECS asked, none answered")

    def test_14_a_split_sends_a_stable_share_of_subnets_to_its_pool(self):
        main, canary = ["192.0.2.91"], ["192.0.2.92"]
        split = set()
        for x in range(64):
            client = "127.83.%d.0/24" % x
            addresses, scope = self.answer(client, self.SPLIT)
            self.assertIn(addresses, (main, canary), client)
            # The split reads the client's /24 (the persistence prefix) beyond the NL /16.
            self.assertEqual(scope, 24, client)
            # The same subnet always lands on the same side, from any address in it.
            self.assertEqual(self.answer("127.83.%d.77/32" % x, self.SPLIT)[0], addresses)
            e = self.get_json("/v1/explain?name=%s&type=A&client=%s" % (self.SPLIT, client))
            self.assertEqual(e["topology"]["split"], addresses == canary, e["topology"])
            self.assertEqual(e["topology"]["answered_by"],
                             "canary" if addresses == canary else "main", e["topology"])
            if addresses == canary:
                split.add(x)
                self.assertIn("split to canary", e["topology"]["reason"])
        # 50 % of 64 subnets: far from none and from all (binomial, p of leaving 16..48 ~ 1e-4).
        self.assertTrue(16 <= len(split) <= 48, "%d of 64 subnets split off" % len(split))
        # Outside the rule (no continent EU), no split: the whole answer is the default pool.
        self.assertEqual(self.answer("127.81.5.0/24", self.SPLIT), (main, 16))

    # ---- 2. pool failover

    def test_20_a_pool_with_nothing_up_falls_back_within_a_second_and_returns(self):
        jp, de = "127.81.5.0/24", "198.51.100.0/24"
        self.wait_pool(jp, "asia")
        try:
            t0 = self.set_pool_health("asia", up=False)
            took = self.wait_pool(jp, "europe", t0, "asia down")
            sys.stderr.write("\nfailover asia -> europe: %.0f ms\n" % (took * 1000))
            self.timings.append(("pool failover", took))
            self.assertLessEqual(took, 1.0, "fallback took %.3f s" % took)
            for _ in range(10):
                addresses, scope = self.answer(jp)
                self.assertEqual(self.pool_of(addresses), "europe")
                self.assertEqual(scope, 16, "the fallback is still the JP network's answer")
            # Other clients are not moved; europe's own clients still get europe.
            self.assertEqual(self.pool_of(self.answer(de)[0]), "europe")
            self.assertEqual(self.pool_of(self.answer("127.82.1.0/24")[0]), "south")
            t0 = self.set_pool_health("asia", up=True)
            took = self.wait_pool(jp, "asia", t0, "asia back")
            sys.stderr.write("recovery europe -> asia: %.0f ms\n" % (took * 1000))
            self.timings.append(("pool recovery", took))
            self.assertLessEqual(took, 1.0, "recovery took %.3f s" % took)
        finally:
            self.set_pool_health("asia", up=True)

    # ---- 3. MMDB reload and faults

    def readyz(self):
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_30_mmdb_replaced_reloaded_garbage_kept_out_restored(self):
        client = "127.81.5.0/24"
        self.wait_pool(client, "asia")
        status, body = self.readyz()
        self.assertEqual((status, body["status"]), (200, "ready"), body)
        self.assertEqual(self.metric("gslbd_geoip_error", 'kind="city"'), 0)
        self.assertEqual(self.metric("gslbd_geoip_loaded", 'kind="city"'), 1)
        self.assertEqual(self.metric("gslbd_geoip_records", 'kind="city"'), records(PLACES))
        try:
            # A new file (the network moved to Brazil), renamed into place.
            moved_pool = expected(client, PLACES_MOVED)[0]
            self.assertEqual(moved_pool, "south")
            write_mmdb(self.city, "city", PLACES_MOVED)
            t0 = time.monotonic()
            took = self.wait_pool(client, moved_pool, t0, "MMDB replaced")
            sys.stderr.write("\nMMDB reload to answer: %.0f ms\n" % (took * 1000))
            self.timings.append(("mmdb reload", took))
            self.assertLessEqual(took, 1.0, "the new MMDB took %.3f s to answer" % took)
            self.assertEqual(self.server.proc.pid, self.pid, "gslbd was restarted")
            self.assertEqual(self.metric("gslbd_geoip_records", 'kind="city"'),
                             records(PLACES_MOVED))

            # Garbage in its place (renamed in too, so no half-written file is ever seen).
            garbage = self.city + ".bad"
            with open(garbage, "wb") as f:
                f.write(b"this is not an MMDB file\n" * 40)
            os.replace(garbage, self.city)
            took, body = gslb_util.poll(lambda: self.readyz()[1],
                                        lambda b: b.get("status") == "degraded", timeout=3.0)
            self.assertIsNotNone(took, "readyz never said degraded: %r" % (body,))
            self.assertIn("geoip", body, body)
            city = [g for g in body["geoip"] if g["kind"] == "city"]
            self.assertEqual(len(city), 1, body)
            self.assertEqual(city[0]["path"], self.city, body)
            self.assertTrue(city[0]["loaded"], "the last good copy is still held: %r" % body)
            self.assertTrue(city[0]["error"], body)
            self.assertIn(self.city, city[0]["error"] + body.get("message", ""), body)
            self.assertEqual(self.metric("gslbd_geoip_error", 'kind="city"'), 1)
            self.assertEqual(self.metric("gslbd_geoip_loaded", 'kind="city"'), 1)
            self.assertEqual(self.metric("gslbd_geoip_error", 'kind="asn"'), 0)
            # The last good data (Brazil) keeps answering, for a while (many polls).
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                self.assertEqual(self.pool_of(self.answer(client)[0]), moved_pool)
                self.assertEqual(self.pool_of(self.answer("198.51.100.0/24")[0]), "europe")
                time.sleep(0.05)
            self.assertEqual(self.readyz()[1]["status"], "degraded")
            # One warning about it, however many times the updater looked since.
            warned = [l for l in self.server.stderr_text().splitlines()
                      if self.city in l and " info: " not in l]
            self.assertEqual(len(warned), 1, "\n".join(warned))
        finally:
            # A good file again (the original places).
            write_mmdb(self.city, "city", PLACES)
        t0 = time.monotonic()
        took = self.wait_pool(client, "asia", t0, "MMDB restored")
        self.timings.append(("mmdb restore", took))
        took, body = gslb_util.poll(lambda: self.readyz(), lambda v: v[1].get("status") == "ready",
                                    timeout=3.0)
        self.assertIsNotNone(took, "readyz not ready again: %r" % (body,))
        self.assertEqual(self.metric("gslbd_geoip_error", 'kind="city"'), 0)
        city = [g for g in body[1]["geoip"] if g["kind"] == "city"][0]
        self.assertIsNone(city["error"], body)
        TopologyTest.garbage_checked = True

    def test_31_mmdb_moved_away_keeps_answering_and_recovers_when_back(self):
        client = "127.81.5.0/24"
        self.wait_pool(client, "asia")
        away = self.city + ".away"
        os.rename(self.city, away)
        try:
            took, body = gslb_util.poll(lambda: self.readyz()[1],
                                        lambda b: b.get("status") == "degraded", timeout=3.0)
            self.assertIsNotNone(took, "readyz never said degraded: %r" % (body,))
            city = [g for g in body["geoip"] if g["kind"] == "city"][0]
            self.assertTrue(city["loaded"], body)
            self.assertIn("cannot open", city["error"], body)
            self.assertEqual(self.metric("gslbd_geoip_error", 'kind="city"'), 1)
            for _ in range(10):
                self.assertEqual(self.pool_of(self.answer(client)[0]), "asia")
        finally:
            os.rename(away, self.city)
        took, body = gslb_util.poll(lambda: self.readyz()[1],
                                    lambda b: b.get("status") == "ready", timeout=3.0)
        self.assertIsNotNone(took, "readyz not ready again: %r" % (body,))
        self.assertEqual(self.metric("gslbd_geoip_error", 'kind="city"'), 0)
        self.assertEqual(self.pool_of(self.answer(client)[0]), "asia")
        missing = [l for l in self.server.stderr_text().splitlines()
                   if self.city in l and "cannot open" in l]
        self.assertEqual(len(missing), 1, "\n".join(missing))

    # ---- 4. explain

    def test_40_explain_names_rule_pool_and_the_answering_pool(self):
        client = "127.81.5.0/24"
        self.wait_pool(client, "asia")
        pool, rule, scope = expected(client)
        e = self.explain(client)
        t = e.get("topology")
        self.assertIsInstance(t, dict, e)
        self.assertEqual((t["rule"], t["pool"], t["answered_by"], t["split"]),
                         (rule, pool, pool, False), t)
        self.assertIn("country JP", t["reason"])
        self.assertIn("asia", t["reason"])
        self.assertEqual(e["decision"]["ecs_scope"], scope, e["decision"])
        for what, c in self.CLIENTS:
            with self.subTest(client=what):
                p, r, _ = expected(c)
                t = self.explain(c)["topology"]
                self.assertEqual((t["rule"], t["pool"], t["answered_by"]), (r, p, p), t)
        try:
            t0 = self.set_pool_health("asia", up=False)
            self.wait_pool(client, "europe", t0, "asia down")
            e = self.explain(client)
            t = e["topology"]
            self.assertEqual((t["rule"], t["pool"], t["answered_by"]), (rule, "asia", "europe"), t)
            self.assertIn("fallback europe answered", t["reason"])
            picked = sorted(m["address"] for m in e["members"] if m.get("picked"))
            self.assertTrue(picked and set(picked) <= set(POOL_ADDRESSES["europe"]), e["members"])
            # gslbctl prints the topology too.
            p = self.ctl("explain", self.NAME, "--client", client)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            line = [l for l in p.stdout.splitlines() if l.startswith("topology:")]
            self.assertEqual(len(line), 1, p.stdout)
            self.assertIn("rule %d" % rule, line[0])
            self.assertIn("pool asia", line[0])
            self.assertIn("answered by europe", line[0])
        finally:
            t0 = self.set_pool_health("asia", up=True)
        self.wait_pool(client, "asia", t0, "asia back")
        p = self.ctl("explain", self.NAME, "--client", "127.99.1.0/24")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        line = [l for l in p.stdout.splitlines() if l.startswith("topology:")]
        self.assertEqual(len(line), 1, p.stdout)
        self.assertIn("rule %d" % expected("127.99.1.0/24")[1], line[0])
        self.assertIn("pool world", line[0])
        self.assertNotIn("answered by", line[0])
        # A service without pools prints no topology line.
        p = self.ctl("explain", self.FLAT, "--client", client)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("topology:", p.stdout)
        # gslbctl status names each member's pool and each pool's policy.
        p = self.ctl("status")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for pool, addresses in POOL_ADDRESSES.items():
            for i, a in enumerate(addresses):
                rows = [l for l in p.stdout.splitlines()
                        if "%s%d [%s]" % (pool, i + 1, pool) in l]
                self.assertEqual(len(rows), 1, p.stdout)
                self.assertIn(a, rows[0])
        summary = [l for l in p.stdout.splitlines()
                   if l.startswith(self.NAME) and "pools " in l]
        self.assertEqual(len(summary), 1, p.stdout)
        for pool in POOL_ADDRESSES:
            self.assertIn("%s=weighted" % pool, summary[0])

    def ctl(self, *args):
        cmd = [harness.gslbctl_path(), "--server", self.url] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        self._last_tool_output = "$ " + " ".join(cmd) + "\n" + p.stdout + p.stderr
        return p

    def test_99_same_server_throughout(self):
        self.assert_same_server()

    # ---- after stop: the log

    garbage_checked = False

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if cls.garbage_checked:
            text = cls.server.final_stderr
            # The loads (first, replaced, restored) say "info"; the bad file, one warning.
            bad = [l for l in text.splitlines()
                   if cls.city in l and " info: " not in l and "cannot open" not in l]
            if len(bad) != 1:
                raise AssertionError("expected exactly one log line about the bad %s, got %d:\n%s"
                                     % (cls.city, len(bad), text[-4000:]))



# --------------------------------------------------------------------------------------------
# 5. Through a real delegation and a real resolver with an ECS cache

# Not test_delegation.py's addresses: both tests may run at once.
NSD_ADDR = "127.0.0.171"
GSLBD_ADDR = "127.0.0.172"
UNBOUND_ADDR = "127.0.0.173"
PARENT = "example.test."
CHILD = "gslb.example.test"

PARENT_ZONE = """$ORIGIN example.test.
$TTL 300
@         IN SOA ns1.example.test. hostmaster.example.test. 2026010101 3600 600 604800 60
@         IN NS  ns1.example.test.
ns1       IN A   {nsd}
gslb      IN NS  ns1.gslb.example.test.
ns1.gslb  IN A   {gslbd}
"""
ROOT_HINTS = """.                   3600000  IN  NS  ns1.example.test.
ns1.example.test.   3600000  IN  A   {nsd}
"""


class ResolverTopologyTest(_Api, unittest.TestCase):
    """NSD (parent) -> gslbd (child, topology service) <- Unbound (subnetcache) <- clients."""

    NAME = "geo." + CHILD

    @classmethod
    def setUpClass(cls):
        cls.addClassCleanup(cls._stop_all)
        cls.servers = []
        cls.tmp = None
        if not shutil.which("perl"):
            raise unittest.SkipTest("perl (and libmaxmind-db-writer-perl) needed for fixtures")
        gslbd = du.find_gslbd()
        nsd = du.find_tool("nsd")
        unbound = du.find_tool("unbound")
        du.find_tool("dig")
        du.check_bindable(GSLBD_ADDR, 53, "gslbd")
        du.check_bindable(NSD_ADDR, 53, "NSD")
        cls.unbound_port = du.free_port(UNBOUND_ADDR)
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-topology-resolver-")

        city, asn = os.path.join(cls.tmp, "city.mmdb"), os.path.join(cls.tmp, "asn.mmdb")
        write_mmdb(city, "city", PLACES)
        write_mmdb(asn, "asn", NETWORKS)
        db_path = os.path.join(cls.tmp, "gslb.db")
        doc = {"zones": [zone(CHILD, GSLBD_ADDR)], "geoip": {"city": city, "asn": asn},
               "regions": REGIONS, "services": [topology_service(cls.NAME, ttl=30)]}
        r = gslb_util.apply(db_path, gslb_util.write_doc(doc, cls.tmp, "doc.json"))
        if r.returncode != 0:
            raise RuntimeError("apply failed:\n" + r.transcript)
        api_port = du.free_port(harness.HOST)
        cls.url = "http://%s:%d" % (harness.HOST, api_port)
        g = cls._start("gslbd", [gslbd, "--listen", "%s:53" % GSLBD_ADDR, "--threads", "2",
                                 "--db", db_path, "--roles", "dns,api",
                                 "--api", "%s:%d" % (harness.HOST, api_port),
                                 "--api-insecure-loopback"])
        du.wait_until(g, "log says serving", lambda: ("serving" in g.log_text(), g.log_text()))
        du.wait_until(g, "answers %s SOA" % CHILD, lambda: cls._probe(GSLBD_ADDR, CHILD))
        cls.gslbd = g

        parent = os.path.join(cls.tmp, "example.test.zone")
        with open(parent, "w") as f:
            f.write(PARENT_ZONE.format(nsd=NSD_ADDR, gslbd=GSLBD_ADDR))
        hints = os.path.join(cls.tmp, "root.hints")
        with open(hints, "w") as f:
            f.write(ROOT_HINTS.format(nsd=NSD_ADDR))
        values = {"TMP": cls.tmp, "DATA_DIR": du.DATA_DIR, "NSD_ADDR": NSD_ADDR,
                  "PARENT_ZONE": parent, "UNBOUND_ADDR": UNBOUND_ADDR,
                  "UNBOUND_PORT": cls.unbound_port, "GSLBD_ADDR": GSLBD_ADDR,
                  "ROOT_HINTS": hints}
        n = cls._start("NSD", [nsd, "-d", "-c", du.render("nsd.conf.in",
                                                          os.path.join(cls.tmp, "nsd.conf"),
                                                          values)])
        du.wait_until(n, "answers %s SOA" % PARENT, lambda: cls._probe(NSD_ADDR, PARENT))

        if du.apparmor_enforced(unbound):
            copy = os.path.join(cls.tmp, "unbound")
            shutil.copy2(unbound, copy)
            unbound = copy
        conf = du.render("unbound-subnet.conf.in", os.path.join(cls.tmp, "unbound.conf"), values)
        checkconf = shutil.which("unbound-checkconf",
                                 path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        if checkconf:
            c = subprocess.run([checkconf, conf], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=10)
            if c.returncode != 0:
                raise RuntimeError("unbound-checkconf rejects %s:\n%s" % (conf, c.stdout))
        u = cls._start("Unbound", [unbound, "-d", "-c", conf])
        cls.unbound = u

        def unbound_up():
            r = du.dig(UNBOUND_ADDR, "version.server", "TXT", port=cls.unbound_port, cls="CH",
                       time_s=1, tries=1)
            return r.status == "NOERROR", r.describe()

        du.wait_until(u, "answers version.server CH TXT", unbound_up)
        wait_api(cls.url, g)

    @classmethod
    def _start(cls, name, argv):
        s = du.Server(name, argv, os.path.join(cls.tmp, name.lower() + ".log"))
        cls.servers.append(s)
        return s

    @staticmethod
    def _probe(addr, zone_name):
        r = du.dig(addr, zone_name, "SOA", recurse=False, time_s=1, tries=1)
        return r.status is not None, r.describe()

    @classmethod
    def _stop_all(cls):
        for s in reversed(cls.servers):
            s.stop()
        cls.servers = []
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            cls.tmp = None

    def tearDown(self):
        for s in self.servers:
            self.assertIsNone(s.proc.poll(), s.failure("died during the test"))

    # ---- helpers

    def resolve(self, subnet=None):
        """Asks Unbound as a client would (RD), with ECS `subnet` when given."""
        extra = ["+subnet=" + subnet] if subnet else []
        r = du.dig(UNBOUND_ADDR, self.NAME, "A", port=self.unbound_port, extra=extra)
        self.assertEqual(r.status, "NOERROR", r.describe())
        return r

    def answered(self):
        """How many answers gslbd has given for the service."""
        text = self.get("/metrics")
        m = re.search(r'^gslbd_service_answers_total\{service="%s\.?"\} (\d+)$'
                      % re.escape(self.NAME), text, re.M)
        self.assertIsNotNone(m, "no answers counter for %s in /metrics" % self.NAME)
        return int(m.group(1))

    def pool_and_ttl(self, r):
        addresses = sorted(rd for o, t, rd in r.answer if t == "A")
        pools = [p for p, want in POOL_ADDRESSES.items()
                 if addresses and set(addresses) <= set(want)]
        ttls = [int(line.split()[1]) for line in r.text.splitlines()
                if not line.startswith(";") and len(line.split()) >= 5 and line.split()[3] == "A"]
        return (pools[0] if pools else None), (min(ttls) if ttls else None), addresses

    def counter_settles(self, before, want):
        took, last = gslb_util.poll(self.answered, lambda n: n == before + want, timeout=2.0)
        return last

    def test_10_each_subnet_gets_its_pool_and_is_served_from_the_cache_within_its_scope(self):
        # Each case: a first client, a second in the same scope (per the fixtures), the pool.
        cases = [("JP", "127.81.5.0/24", "127.81.77.0/24"),
                 ("DE", "198.51.100.0/24", "198.51.100.128/25"),
                 ("ASN 64500", "127.90.3.0/24", "127.90.250.0/24")]
        for what, first, second in cases:
            pool, _, scope = expected(first)
            self.assertEqual(expected(second)[0], pool)
            with self.subTest(client=what):
                before = self.answered()
                r = self.resolve(first)
                got, ttl1, addresses = self.pool_and_ttl(r)
                self.assertEqual(got, pool, "%s: %s\n%s" % (what, addresses, r.describe()))
                # Unbound passes the scope on to its client.
                m = re.search(r"CLIENT-SUBNET: ([0-9.]+)/(\d+)/(\d+)", r.text)
                self.assertIsNotNone(m, "no ECS in Unbound's answer\n" + r.describe())
                self.assertEqual(int(m.group(3)), scope, r.describe())
                after_first = self.counter_settles(before, 1)
                self.assertEqual(after_first, before + 1,
                                 "gslbd answered the first query once\n" + r.describe())
                time.sleep(1.1)  # so a cached answer shows a lower TTL
                r2 = self.resolve(second)
                got2, ttl2, _ = self.pool_and_ttl(r2)
                self.assertEqual(got2, pool, r2.describe())
                time.sleep(0.5)  # gslbd counted the first query at once: give it longer
                self.assertEqual(self.answered(), after_first,
                                 "%s: the second client (%s, inside the /%d scope) was not "
                                 "answered from Unbound's cache\n%s"
                                 % (what, second, scope, r2.describe()))
                self.assertLess(ttl2, ttl1, "a cached answer's TTL goes down\n" + r2.describe())

    def test_20_a_client_in_no_rules_network_gets_the_default_pool(self):
        before = self.answered()
        for subnet in ("192.0.2.0/24", "127.99.1.0/24"):
            with self.subTest(client=subnet):
                pool = expected(subnet)[0]
                self.assertEqual(pool, "world")
                r = self.resolve(subnet)
                self.assertEqual(self.pool_and_ttl(r)[0], pool, r.describe())
        self.assertEqual(self.counter_settles(before, 2), before + 2,
                         "each client outside the cached scopes reached gslbd")

    def test_30_without_ecs_unbound_sends_the_clients_own_address(self):
        # dig from 127.0.0.1: Unbound forwards 127.0.0.0/24, which no rule covers.
        r = self.resolve()
        self.assertEqual(self.pool_and_ttl(r)[0], expected("127.0.0.0/24")[0], r.describe())


if __name__ == "__main__":
    unittest.main()
