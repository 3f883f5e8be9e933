"""Spillover (issue 12, point 3) against a real gslbd: a member whose reported load is at or
above its capacity takes no share while another healthy member has room; the overflow goes to
the next priority tier; when every healthy member is over capacity they all answer and explain
and /metrics say the service is saturated.

gslbd runs the dns and api roles on a database this test writes health (with load figures)
into directly, as agent "local"; nothing is probed.
"""

import http.client
import json
import os
import unittest

import gslb_util
import harness

A, B, C = "192.0.2.91", "192.0.2.92", "192.0.2.93"
DOC = {
    "zones": [{"name": "sp.test", "ttl": 300,
               "soa": {"mname": "ns1.sp.test.", "rname": "hostmaster.sp.test.", "minimum": 5},
               "ns": ["ns1.sp.test."],
               "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
    "services": [
        {"name": "cap.sp.test", "ttl": 5,
         "members": [{"name": "a", "address": A, "capacity": 80},
                     {"name": "b", "address": B, "capacity": 80}]},
        {"name": "tier.sp.test", "ttl": 5, "policy": "priority",
         "members": [{"name": "a", "address": A, "priority": 1, "capacity": 80},
                     {"name": "c", "address": C, "priority": 2}]},
    ],
}


class SpilloverTest(gslb_util.GslbTestCase):
    DOC = DOC
    API = True

    def load(self, service, member, load):
        self.db.write([gslb_util.Db.observation_sql(
            "local", self.db.member_id(service, member), True, load=load)])

    def seen(self, name, queries=60):
        out = set()
        for _ in range(queries):
            r = gslb_util.ask(self.port, name)
            self.assertIsNotNone(r)
            out.update(gslb_util.answer_addresses(r))
        return out

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=5)
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read().decode()
        conn.close()
        self.assertEqual(resp.status, 200, body)
        return body

    def wait_seen(self, name, want):
        took, last = gslb_util.poll(lambda: self.seen(name), lambda s: s == want, timeout=5.0)
        self.assertIsNotNone(took, "%s: answers %r, expected %r" % (name, last, want))

    def test_over_capacity_spills_to_the_others_and_saturation_is_reported(self):
        self.load("cap.sp.test", "a", 40)
        self.load("cap.sp.test", "b", 40)
        self.wait_seen("cap.sp.test", {A, B})
        self.load("cap.sp.test", "a", 95)
        self.wait_seen("cap.sp.test", {B})
        e = json.loads(self.get("/v1/explain?name=cap.sp.test&type=A"))
        self.assertFalse(e["decision"]["saturated"])
        a = [m for m in e["members"] if m["name"] == "a"][0]
        self.assertTrue(a["over_capacity"])
        self.assertFalse(a["eligible"])
        self.assertEqual(a["capacity"], 80)

        self.load("cap.sp.test", "b", 80)  # at capacity counts as over
        self.wait_seen("cap.sp.test", {A, B})
        e = json.loads(self.get("/v1/explain?name=cap.sp.test&type=A"))
        self.assertTrue(e["decision"]["saturated"])
        metrics = self.get("/metrics")
        self.assertIn('gslbd_service_saturated{service="cap.sp.test",family="ipv4"} 1', metrics)
        self.assertIn('gslbd_member_over_capacity{service="cap.sp.test",member="b"} 1', metrics)

        self.load("cap.sp.test", "a", 10)
        self.wait_seen("cap.sp.test", {A})
        metrics = self.get("/metrics")
        self.assertIn('gslbd_service_saturated{service="cap.sp.test",family="ipv4"} 0', metrics)

    def test_a_full_first_tier_overflows_to_the_next(self):
        self.load("tier.sp.test", "a", 50)
        self.wait_seen("tier.sp.test", {A})
        self.load("tier.sp.test", "a", 120)
        self.wait_seen("tier.sp.test", {C})
        self.load("tier.sp.test", "a", 50)
        self.wait_seen("tier.sp.test", {A})

    def test_a_bad_capacity_is_refused_with_its_path(self):
        bad = json.loads(json.dumps(DOC))
        bad["services"][0]["members"][0]["capacity"] = -1
        r = gslb_util.apply(os.path.join(self.tmp, "other.db"),
                            gslb_util.write_doc(bad, self.tmp, "bad.json"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("services[0].members[0].capacity", r.transcript)


if __name__ == "__main__":
    unittest.main()
