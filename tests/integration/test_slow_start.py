"""Slow start (issue 12, point 2) against a real gslbd: a site that comes back ramps from a small
share of its weight to the whole of it over slow_start_s, instead of taking every resolver's
next cache miss at once; persistent clients go back to it a few at a time, and only its own.

gslbd runs the dns and api roles on a database this test writes health into directly (agent
"local", members without checks, so observations never go stale); nothing is probed. The
ramp is 6 s: b's share of the answers is 0.05 / 1.05 (5 %) when it returns, 34 % at 3 s and
50 % from 6 s on, the snapshot moving it once a second.
"""

import http.client
import json
import subprocess
import time
import unittest

import gslb_util
import harness

A, B = "192.0.2.81", "192.0.2.82"
RAMP_S = 6
DOC = {
    "zones": [{"name": "ss.test", "ttl": 300,
               "soa": {"mname": "ns1.ss.test.", "rname": "hostmaster.ss.test.", "minimum": 5},
               "ns": ["ns1.ss.test."],
               "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
    "services": [
        {"name": "app.ss.test", "ttl": 5, "slow_start_s": RAMP_S,
         "members": [{"name": "a", "address": A}, {"name": "b", "address": B}]},
        {"name": "sticky.ss.test", "ttl": 5, "slow_start_s": RAMP_S, "persistence": True,
         "members": [{"name": "a", "address": A}, {"name": "b", "address": B}]},
        {"name": "plain.ss.test", "ttl": 5,
         "members": [{"name": "a", "address": A}, {"name": "b", "address": B}]},
    ],
}
SUBNETS = ["10.%d.%d.0" % (i // 200, i % 200) for i in range(300)]


class SlowStartTest(gslb_util.GslbTestCase):
    DOC = DOC
    API = True

    def set_b(self, up):
        """b's observation in every service; returns when it was committed."""
        return self.db.write([gslb_util.Db.observation_sql("local", self.db.member_id(s, "b"), up)
                              for s in ("app.ss.test", "sticky.ss.test", "plain.ss.test")])

    def share_of_b(self, name, queries=400):
        n = 0
        for _ in range(queries):
            r = gslb_util.ask(self.port, name)
            self.assertIsNotNone(r)
            n += gslb_util.answer_addresses(r) == [B]
        return n / queries

    def sticky_map(self):
        out = {}
        for s in SUBNETS:
            r = gslb_util.ask(self.port, "sticky.ss.test", ecs=(s, 24))
            self.assertIsNotNone(r)
            out[s] = gslb_util.answer_addresses(r)[0]
        return out

    def explain_b(self, name):
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=5)
        conn.request("GET", "/v1/explain?name=%s&type=A" % name)
        resp = conn.getresponse()
        body = json.loads(resp.read())
        conn.close()
        self.assertEqual(resp.status, 200, body)
        return [m for m in body["members"] if m["name"] == "b"][0]

    def take_b_down(self):
        self.set_b(False)
        took, last = gslb_util.poll(lambda: self.share_of_b("app.ss.test", 40),
                                    lambda s: s == 0, timeout=5.0)
        self.assertIsNotNone(took, "b never left the answers: share %r" % last)

    def test_a_returning_site_ramps_up_and_persistent_clients_return_gradually(self):
        self.set_b(True)
        time.sleep(1.5)  # the first build ramps nothing; b is up from the start
        self.assertGreater(self.share_of_b("app.ss.test"), 0.35)
        before = self.sticky_map()
        on_b = {s for s, a in before.items() if a == B}
        self.assertGreater(len(on_b), 90, "persistence should give b about half the subnets")

        self.take_b_down()
        self.assertEqual(set(self.sticky_map().values()), {A})

        t0 = self.set_b(True)
        # b is back: the first answers give it only a small share, a plain service all of it.
        took, _ = gslb_util.poll(lambda: self.share_of_b("app.ss.test", 40),
                                 lambda s: s > 0, timeout=3.0)
        self.assertIsNotNone(took, "b never came back")
        early = self.share_of_b("app.ss.test")
        early_at = time.monotonic() - t0
        plain = self.share_of_b("plain.ss.test")
        sticky_early = self.sticky_map()
        explained = self.explain_b("app.ss.test")
        self.assertIn("slow_start", explained, explained)
        self.assertLess(explained["slow_start"]["weight_share"], 1.0)
        self.assertGreater(explained["slow_start"]["until_ms"], gslb_util.now_ms())
        # At most 1.5 s in: weight share at most 0.29, answer share at most 23 %.
        self.assertLess(early_at, 1.5, "the early sample came too late to mean anything")
        self.assertLess(early, 0.25, "b took %.0f %% of the answers at once" % (early * 100))
        self.assertGreater(plain, 0.35, "the service without slow start takes b back at once")

        # Persistent clients: only b's own come back, fewer than half of them at first.
        back_early = {s for s, a in sticky_early.items() if a == B}
        self.assertTrue(back_early <= on_b, "clients that were never b's moved to b")
        self.assertLess(len(back_early), len(on_b) / 2)

        time.sleep(max(0.0, t0 + RAMP_S / 2 - time.monotonic()))
        middle = self.share_of_b("app.ss.test")
        sticky_middle = self.sticky_map()
        back_middle = {s for s, a in sticky_middle.items() if a == B}
        self.assertTrue(back_early <= back_middle <= on_b,
                        "a client went back and forth, or a stranger moved to b")
        self.assertGreater(middle, early)

        time.sleep(max(0.0, t0 + RAMP_S + 1.5 - time.monotonic()))
        late = self.share_of_b("app.ss.test")
        self.assertGreater(late, 0.38, "after the ramp b answers its whole share")
        self.assertLess(late, 0.62)
        self.assertEqual(self.sticky_map(), before, "after the ramp every client is back")
        self.assertNotIn("slow_start", self.explain_b("app.ss.test"))
        self.sharing = (early, middle, late)
        import sys
        sys.stderr.write("\nb's share after coming back: %.0f %% at %.1f s, %.0f %% at %d s, "
                         "%.0f %% after %d s; persistent subnets back: %d, %d, %d of %d\n" % (
                             early * 100, early_at, middle * 100, RAMP_S // 2, late * 100,
                             RAMP_S, len(back_early), len(back_middle), len(on_b), len(on_b)))

    def test_gslbctl_explain_shows_the_ramp(self):
        self.take_b_down()
        self.set_b(True)
        time.sleep(1.2)
        p = subprocess.run([harness.gslbctl_path(), "--server", "http://127.0.0.1:%d" % self.api_port,
                            "explain", "app.ss.test"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"\n\s*b\s.*\(slow start \d+%\)")


if __name__ == "__main__":
    unittest.main()
