"""SIGHUP reloads the zone files without losing a query (issue 14): under a steady UDP flood
(flood.Flood, every query counted per ID) the zone file is rewritten and SIGHUP sent five times:
an unchanged file, the new data, the new data again, a broken file, the new data restored. Every
query is answered (0 lost, 0 SERVFAIL); taken in send order the answers switch from the old
address to the new one exactly once and never back; the broken file keeps the new data serving
and is logged in one line. One UDP worker (--threads 1): one socket queue answered in arrival
order, so send order is answer order and "never back" is exact."""

import os
import shutil
import signal
import sys
import tempfile
import time
import unittest

import harness
from flood import Flood

OLD, NEW = "192.0.2.10", "192.0.2.111"
RATE = 2000


def write_atomically(path, text):
    # A SIGHUP must find either file whole, never one half written.
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class SighupReload(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-sighup-")
        self.zone = os.path.join(self.tmp, "example.test.zone")
        with open(harness.zone_path("example.test.zone")) as f:
            self.old_text = f.read()
        self.assertIn("IN A    %s\n" % OLD, self.old_text)
        self.new_text = (self.old_text.replace("IN A    %s\n" % OLD, "IN A    %s\n" % NEW)
                         .replace("2024010101", "2024010102"))
        write_atomically(self.zone, self.old_text)
        self.server = harness.GslbdServer([self.zone], ["--db", "none"], threads=1).start()

    def tearDown(self):
        problems = self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(problems, [])

    def log_count(self, text):
        return self.server.stderr_text().count(text)

    def hup_and_wait(self, line, before):
        """SIGHUP; waits (5 s at most) for the `before`+1-th `line`; returns how long it took."""
        t0 = time.monotonic()
        self.server.signal(signal.SIGHUP)
        while self.log_count(line) <= before:
            self.assertLess(time.monotonic() - t0, 5.0, "no %r after SIGHUP:\n%s"
                            % (line, self.server.stderr_text()[-2000:]))
            time.sleep(0.01)
        return time.monotonic() - t0

    def test_five_reloads_under_a_flood_lose_nothing_and_switch_once(self):
        ok, bad = "reloaded 1 zone file(s)", "zone reload failed, still serving the previous zones"
        flood = Flood(self.server.port, rate=RATE, name="www.example.test").start()
        took = []
        time.sleep(1.0)
        took.append(self.hup_and_wait(ok, 0))                   # unchanged
        time.sleep(0.7)
        write_atomically(self.zone, self.new_text)
        switch_sent_before = flood.counts()[0]
        took.append(self.hup_and_wait(ok, 1))                   # the new data
        switch_sent_after = flood.counts()[0]
        time.sleep(0.7)
        took.append(self.hup_and_wait(ok, 2))                   # the new data again
        time.sleep(0.7)
        write_atomically(self.zone, "this is not a zone file\n$TTL x\n@ IN SOA\n")
        took.append(self.hup_and_wait(bad, 0))                  # broken: keeps the new data
        time.sleep(0.7)
        write_atomically(self.zone, self.new_text)
        took.append(self.hup_and_wait(ok, 3))                   # restored
        time.sleep(0.7)
        sent, lost = flood.finish()

        replies = flood.replies
        statuses = {}
        for r in replies:
            key = r[0] if r else "none"
            statuses[key] = statuses.get(key, 0) + 1
        answers = [r[1] for r in replies if r]
        switches = sum(1 for a, b in zip(answers, answers[1:]) if a != b)
        first_new = next((i for i, r in enumerate(replies) if r and r[1] == (NEW,)), None)
        sys.stderr.write(
            "\nSIGHUP x5 under %d qps UDP: %d sent, %d lost, statuses %s, answer switches %d "
            "(at query %s, SIGHUP of the new data between queries %d and %d), reload took %s\n"
            % (RATE, sent, lost, statuses, switches, first_new, switch_sent_before,
               switch_sent_after, ", ".join("%.0f ms" % (t * 1000) for t in took)))
        self.assertGreater(sent, 4 * RATE)
        self.assertEqual(lost, 0, "%d of %d queries lost: %s" % (lost, sent, statuses))
        self.assertEqual(statuses, {"NOERROR": sent})
        self.assertEqual(set(answers), {(OLD,), (NEW,)})
        self.assertEqual(answers[0], (OLD,))
        self.assertEqual(answers[-1], (NEW,))
        self.assertEqual(switches, 1, "the answers went back and forth %d times" % switches)
        # The switch came with the SIGHUP that brought the new data, not before, not later.
        self.assertGreaterEqual(first_new, switch_sent_before)
        self.assertLessEqual(first_new, switch_sent_after)
        self.assertEqual(self.log_count(bad), 1, self.server.stderr_text()[-3000:])
        self.assertEqual(self.log_count(ok), 4)
        self.assertTrue(self.server.alive())


if __name__ == "__main__":
    unittest.main()
