"""Response rate limiting (--rrl), tested as NSD and BIND test theirs: a flood from one network
over the limit gets some answers, truncated slips in the --rrl-slip pattern and silence; another
network, TCP and another response class are not affected; random names of one zone share the
NXDOMAIN account; the credit comes back after the window; the counts are in /metrics; and with
no --rrl nothing is limited.

Clients are loopback source addresses in different /24s (127.0.N.1), all sending to 127.0.0.1.
"""

import random
import re
import select
import socket
import struct
import time
import unittest
import urllib.request

import harness
from harness import GslbdServer, build_query, parse_message, tcp_exchange

RATE = 20


def flood(port, source, names, chunk=20):
    """Sends one UDP query per name from `source` (in chunks, reading the replies between them
    so no reply is lost in our socket buffer); returns (full answers, TC slips, other replies,
    seconds taken)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    full = slips = other = 0
    pending = set()
    t0 = time.monotonic()

    def drain(wait):
        nonlocal full, slips, other
        deadline = time.monotonic() + wait
        while pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                return
            data = s.recv(65535)
            qid = struct.unpack("!H", data[:2])[0]
            if qid not in pending:
                continue
            pending.discard(qid)
            r = parse_message(data)
            if r["tc"]:
                # A slip is the header and the question only.
                if r["answer"] or r["authority"] or r["additional"] or not r["question"]:
                    other += 1
                else:
                    slips += 1
            elif r["answer"] or r["status"] == "NXDOMAIN":
                full += 1
            else:
                other += 1

    try:
        ids = random.sample(range(1, 65536), len(names))
        for i, name in enumerate(names):
            q = build_query(name, "A", qid=ids[i])
            pending.add(ids[i])
            s.sendto(q, (harness.HOST, port))
            if (i + 1) % chunk == 0:
                drain(0.02)
        elapsed = time.monotonic() - t0
        drain(1.0)  # what is still coming; the rest was dropped
        return full, slips, other, elapsed
    finally:
        s.close()


def metrics(api_port):
    with urllib.request.urlopen("http://%s:%d/metrics" % (harness.HOST, api_port),
                                timeout=5) as r:
        text = r.read().decode()
    out = {}
    for m in re.finditer(r'^(gslbd_rrl_\w+)\{class="(\w+)"\} (\d+)$', text, re.M):
        out[(m.group(1), m.group(2))] = int(m.group(3))
    return out, text


class RrlTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.api_port = harness.free_port()
        cls.server = GslbdServer(
            ["example.test.zone"],
            args=["--rrl", str(RATE), "--rrl-slip", "2", "--rrl-window", "1",
                  "--roles", "dns,api", "--api", "%s:%d" % (harness.HOST, cls.api_port),
                  "--api-insecure-loopback"])
        cls.server.start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        problems = cls.server.stop()
        if problems:
            raise AssertionError("gslbd did not stop cleanly: " + "\n".join(problems))

    def assert_answered(self, source, name="www.example.test", n=5):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((source, 0))
        s.settimeout(2.0)
        try:
            for _ in range(n):
                q = build_query(name, "A")
                s.sendto(q, (harness.HOST, self.port))
                r = parse_message(s.recv(65535))
                self.assertFalse(r["tc"], "%s was limited" % source)
                self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])
        finally:
            s.close()

    def test_over_the_limit_half_slips_half_silence(self):
        before, _ = metrics(self.api_port)
        n = 300
        full, slips, other, elapsed = flood(self.port, "127.0.10.1", ["www.example.test"] * n)
        self.assertEqual(other, 0)
        # The bucket starts with one second's credit and earns RATE more per second begun.
        self.assertGreaterEqual(full, RATE)
        self.assertLessEqual(full, RATE * (2 + int(elapsed)))
        over = n - full
        self.assertAlmostEqual(slips, over / 2, delta=RATE)  # slip 2: every second one
        self.assertGreater(over - slips, over / 3)           # and the rest unanswered
        after, text = metrics(self.api_port)
        self.assertIn("# TYPE gslbd_rrl_dropped_total counter", text)
        slipped = (after[("gslbd_rrl_slipped_total", "answer")]
                   - before.get(("gslbd_rrl_slipped_total", "answer"), 0))
        dropped = (after[("gslbd_rrl_dropped_total", "answer")]
                   - before.get(("gslbd_rrl_dropped_total", "answer"), 0))
        self.assertEqual(slipped, slips)
        self.assertEqual(slipped + dropped, over)

    def test_the_same_slash24_shares_the_account_others_do_not(self):
        flood(self.port, "127.0.11.1", ["www.example.test"] * 200)
        # Another address of the same /24, right after: still limited.
        full, slips, _, _ = flood(self.port, "127.0.11.77", ["www.example.test"] * 40)
        self.assertLess(full, 40)
        self.assertGreater(slips, 0)
        # Another /24 is answered in full, and so is every query over TCP from the flooder.
        self.assert_answered("127.0.12.1")
        for _ in range(10):
            r = parse_message(tcp_exchange(self.port, build_query("www.example.test", "A")))
            self.assertFalse(r["tc"])
            self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])

    def test_random_names_of_a_zone_share_the_nxdomain_account(self):
        before, _ = metrics(self.api_port)
        names = ["r%08x.example.test" % random.getrandbits(32) for _ in range(200)]
        full, slips, other, elapsed = flood(self.port, "127.0.13.1", names)
        self.assertEqual(other, 0)
        self.assertLessEqual(full, RATE * (2 + int(elapsed)))
        self.assertGreater(slips, 0)
        after, _ = metrics(self.api_port)
        self.assertGreater(after[("gslbd_rrl_dropped_total", "nxdomain")]
                           - before.get(("gslbd_rrl_dropped_total", "nxdomain"), 0), 0)
        # Answers to the same network are another class: not limited by the NXDOMAIN flood.
        self.assert_answered("127.0.13.1")

    def test_the_credit_comes_back_after_the_window(self):
        flood(self.port, "127.0.14.1", ["www.example.test"] * 200)
        time.sleep(2.2)  # the window (1 s) and a second of credit
        self.assert_answered("127.0.14.1", n=RATE // 2)

class RrlOffByDefaultTests(unittest.TestCase):

    def test_without_rrl_a_flood_is_answered_in_full(self):
        api_port = harness.free_port()
        with_server = GslbdServer(["example.test.zone"],
                                  args=["--roles", "dns,api", "--api", "%s:%d" % (harness.HOST, api_port),
                                        "--api-insecure-loopback"]).start()
        try:
            full, slips, other, _ = flood(with_server.port, "127.0.20.1",
                                          ["www.example.test"] * 300)
            self.assertEqual((full, slips, other), (300, 0, 0))
            samples, text = metrics(api_port)
            self.assertEqual(samples, {})
            self.assertNotIn("gslbd_rrl", text)
        finally:
            self.assertFalse(with_server.stop())

    def test_bad_settings_are_refused_naming_the_option(self):
        import subprocess
        for args, needle in ((["--rrl", "0"], "--rrl"), (["--rrl", "10", "--rrl-slip", "101"],
                                                          "--rrl-slip"),
                             (["--rrl", "10", "--rrl-window", "0"], "--rrl-window"),
                             (["--rrl", "many"], "--rrl")):
            p = subprocess.run([harness.gslbd_path(), "--listen", "127.0.0.1:1", "--roles", "dns"]
                               + args, capture_output=True, text=True, timeout=20)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn(needle, p.stderr, args)


if __name__ == "__main__":
    unittest.main()
