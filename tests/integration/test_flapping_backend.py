"""A backend flapping at 10 Hz (issue 14): an HTTP site on loopback that answers 200 for 100 ms,
503 for the next 100 ms, and so on, probed by gslbd's health role every 100 ms. The site records
what it answered to each probe, so the expected health is derived exactly: the rise/fall machine
(healthd/verdict.cc) run over that record. With rise = fall = 1 the state follows every flap;
with rise = fall = 3 a 100 ms flap changes it only where three equal results came in a row
(the ±10 % jitter of healthd's schedule lets a probe skip a phase now and then; the site's record
says when, so nothing is left to chance). The transitions gslbd wrote (the events table) must be
exactly the derived ones, and every DNS
answer (queried at full speed) one of the two that exist: the flapping member while it is up,
the stable one while it is down.

Then no mixed snapshot: a service of two members whose observations the test writes together in
one SQLite transaction at 10 Hz (a up and b down, then a down and b up, as
gslb_util.Db.observe_many does) must never answer both or neither while queried at full speed.

20 s in all; GSLBD_SOAK=1 makes each part 60 s."""

import http.server
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest

import gslb_util
import harness

SOAK = os.environ.get("GSLBD_SOAK") == "1"
SECONDS = {"follow": 8.0, "damped": 6.0, "mixed": 6.0}
if SOAK:
    SECONDS = {k: 60.0 for k in SECONDS}
FLAP = "127.0.0.41"
STABLE = "127.0.0.42"
PHASE_S = 0.1
TICK_S = 0.05  # the health role writes its verdicts on a 50 ms grid (health_checker.cc)


class FlapSite:
    """HTTP on address:port: 200 in even 100 ms phases since start, 503 in odd ones; every
    request answered is recorded as (time, ok)."""

    def __init__(self, address, port):
        site = self
        self.log, self.lock = [], threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                now = time.monotonic()
                ok = site.frozen if site.frozen is not None else site.up_at(now)
                with site.lock:
                    site.log.append((now, ok))
                body = b"ok\n" if ok else b"flap\n"
                self.send_response(200 if ok else 503)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer((address, port), Handler)
        self.httpd.daemon_threads = True
        self.t0 = time.monotonic()
        self.frozen = None
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def up_at(self, now):
        return int((now - self.t0) / PHASE_S) % 2 == 0

    def freeze(self, up=None):
        """Stops flapping, staying as it is now (or, with `up`, once the phase is that): the
        results that follow change nothing with rise = fall = 1, so the last transition is
        written before gslbd stops (which drops at most one 50 ms tick). Returns when."""
        while up is not None and self.up_at(time.monotonic()) != up:
            time.sleep(0.005)
        now = time.monotonic()
        self.frozen = self.up_at(now)
        return now

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def results(self):
        with self.lock:
            return list(self.log)


def derived_transitions(results, rise, fall, state):
    """The new states rise/fall turns `results` into, from `state` (Verdict::seed: counters 0)."""
    out, ok_run, fail_run = [], 0, 0
    for _, ok in results:
        if ok:
            ok_run, fail_run = ok_run + 1, 0
            new = "up" if ok_run >= rise else state
        else:
            ok_run, fail_run = 0, fail_run + 1
            new = "down" if fail_run >= fall else state
        if new != state:
            out.append(new)
            state = new
    return out


def longest_run(results):
    best = run = 0
    prev = None
    for _, ok in results:
        run = run + 1 if ok == prev else 1
        prev = ok
        best = max(best, run)
    return best


class Querier(threading.Thread):
    """Asks `name` as fast as one socket round trip allows; counts each distinct answer."""

    def __init__(self, port, name):
        super().__init__(daemon=True)
        self.port, self.name = port, name
        self.stop_flag = threading.Event()
        self.seen, self.order = {}, []
        self.sent = self.unanswered = 0

    def run(self):
        while not self.stop_flag.is_set():
            self.sent += 1
            r = gslb_util.ask(self.port, self.name, timeout=1.0, tries=2)
            if r is None:
                self.unanswered += 1
                continue
            key = (r["status"], tuple(gslb_util.answer_addresses(r)))
            self.seen[key] = self.seen.get(key, 0) + 1
            if not self.order or self.order[-1] != key:
                self.order.append(key)

    def finish(self):
        self.stop_flag.set()
        self.join(5)
        return self


def free_port(address):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class FlappingHealth(unittest.TestCase):
    def run_flaps(self, part, rise, fall, freeze_up=None):
        tmp = tempfile.mkdtemp(prefix="gslbd-flap-")
        self.addCleanup(shutil.rmtree, tmp, True)
        port = free_port(FLAP)
        doc = {
            "zones": [{"name": "flap.test",
                       "soa": {"mname": "ns1.flap.test.", "rname": "h.flap.test."},
                       "ns": ["ns1.flap.test."],
                       "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
            "checks": [{"name": "web", "type": "http", "port": port, "path": "/health",
                        "interval_ms": 100, "timeout_ms": 80, "rise": rise, "fall": fall}],
            "services": [{"name": "app.flap.test", "policy": "priority", "ttl": 5,
                          "members": [{"name": "flap", "address": FLAP, "priority": 1,
                                       "check": "web"},
                                      {"name": "stable", "address": STABLE, "priority": 2}]}],
        }
        db_path = os.path.join(tmp, "gslb.db")
        r = gslb_util.apply(db_path, gslb_util.write_doc(doc, tmp, "doc.json"))
        self.assertEqual(r.returncode, 0, r.transcript)
        db = gslb_util.Db(db_path)
        self.addCleanup(db.close)
        flap_id = db.member_id("app.flap.test", "flap")
        # The health role starts from the state last written (a warm start): up, counters 0,
        # so the derivation below starts where healthd does.
        db.observe("local", flap_id, True)
        site = FlapSite(FLAP, port)
        self.addCleanup(site.stop)
        server = harness.GslbdServer((), ("--db", db_path, "--roles", "dns,health")).start()
        querier = Querier(server.port, "app.flap.test")
        querier.start()
        time.sleep(SECONDS[part])
        frozen_at = site.freeze(freeze_up)
        time.sleep(0.6)  # several results equal to the last: its transition written
        querier.finish()
        results = site.results()
        flapping = [x for x in results if x[0] < frozen_at]
        problems = server.stop()
        events = [row[0] for row in db.conn.execute(
            "SELECT new_state FROM events WHERE member_id = ? AND agent_id = 'local' "
            "ORDER BY id", (flap_id,))]
        expected = derived_transitions(results, rise, fall, "up")
        gaps = [b[0] - a[0] for a, b in zip(results, results[1:])]
        close_pairs = sum(1 for g in gaps if g < TICK_S)
        sys.stderr.write(
            "\nflapping at 10 Hz, rise %d fall %d, %.0f s: %d probes (gap %.0f..%.0f ms, %d "
            "within one 50 ms tick), longest run of equal results while flapping %d; "
            "transitions derived %d, written %d; %d queries, %d unanswered, answers %s, answer "
            "changes %d\n"
            % (rise, fall, SECONDS[part], len(results), min(gaps) * 1000, max(gaps) * 1000,
               close_pairs, longest_run(flapping), len(expected), len(events), querier.sent,
               querier.unanswered, querier.seen, len(querier.order) - 1))
        self.assertEqual(problems, [])
        self.assertGreater(len(results), SECONDS[part] / 0.11 * 0.8, "too few probes")
        valid = {("NOERROR", (FLAP,)), ("NOERROR", (STABLE,))}
        self.assertLessEqual(set(querier.seen), valid, "an answer no state explains")
        self.assertEqual(querier.unanswered, 0)
        return flapping, events, expected, close_pairs, querier

    def test_rise_fall_1_follows_every_flap(self):
        results, events, expected, close_pairs, querier = self.run_flaps("follow", 1, 1)
        if close_pairs == 0:
            # Every result had its own 50 ms tick: every transition was written.
            self.assertEqual(events, expected)
        else:
            # Two results in one tick are written as the second: a flap and back are skipped.
            # Both alternate from "up": dropping adjacent pairs keeps the first state and the
            # parity, and at most one pair goes per close pair of results.
            self.assertTrue(all(a != b for a, b in zip(events, events[1:])), events)
            self.assertEqual(events[:1], expected[:1])
            self.assertEqual((len(expected) - len(events)) % 2, 0, (expected, events))
            self.assertLessEqual(len(expected) - len(events), 2 * close_pairs)
        self.assertGreater(len(expected), len(results) // 3, "the site did not flap")
        self.assertEqual(set(querier.seen), {("NOERROR", (FLAP,)), ("NOERROR", (STABLE,))},
                         "DNS did not follow the flaps")

    def test_rise_fall_3_changes_only_after_three_equal_results(self):
        # Frozen up at the end, as seeded: the tail of equal results changes nothing either.
        results, events, expected, _, querier = self.run_flaps("damped", 3, 3, freeze_up=True)
        self.assertEqual(events, expected)
        if not expected:  # no three failures in a row: up throughout, in DNS too
            self.assertEqual(set(querier.seen), {("NOERROR", (FLAP,))})
        else:
            self.assertLessEqual(len(expected), len(results) // 3)


class NoMixedSnapshot(unittest.TestCase):
    A, B = "192.0.2.61", "192.0.2.62"

    def test_members_changed_in_one_transaction_are_never_answered_mixed(self):
        tmp = tempfile.mkdtemp(prefix="gslbd-mixed-")
        self.addCleanup(shutil.rmtree, tmp, True)
        doc = {
            "zones": [{"name": "mix.test", "soa": {"mname": "ns1.mix.test.",
                                                   "rname": "h.mix.test."},
                       "ns": ["ns1.mix.test."],
                       "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
            "services": [{"name": "pair.mix.test", "policy": "weighted", "ttl": 5,
                          "answers": 2, "fallback": "all",
                          "members": [{"name": "a", "address": self.A},
                                      {"name": "b", "address": self.B}]}],
        }
        db_path = os.path.join(tmp, "gslb.db")
        r = gslb_util.apply(db_path, gslb_util.write_doc(doc, tmp, "doc.json"))
        self.assertEqual(r.returncode, 0, r.transcript)
        db = gslb_util.Db(db_path)
        self.addCleanup(db.close)
        a, b = db.member_id("pair.mix.test", "a"), db.member_id("pair.mix.test", "b")
        db.observe_many([("flapper", a, True), ("flapper", b, False)])
        server = harness.GslbdServer((), ("--db", db_path, "--roles", "dns")).start()
        queriers = [Querier(server.port, "pair.mix.test") for _ in range(2)]
        for q in queriers:
            q.start()
        writes = 0
        deadline = time.monotonic() + SECONDS["mixed"]
        a_up = True
        while time.monotonic() < deadline:
            time.sleep(0.1)
            a_up = not a_up
            db.observe_many([("flapper", a, a_up), ("flapper", b, not a_up)])
            writes += 1
        for q in queriers:
            q.finish()
        problems = server.stop()
        seen, changes, sent, unanswered = {}, 0, 0, 0
        for q in queriers:
            for k, v in q.seen.items():
                seen[k] = seen.get(k, 0) + v
            changes += len(q.order) - 1
            sent += q.sent
            unanswered += q.unanswered
        sys.stderr.write(
            "\nno mixed snapshot, %.0f s: %d two-member transactions at 10 Hz, %d queries, %d "
            "unanswered, answers %s, answer changes %d\n"
            % (SECONDS["mixed"], writes, sent, unanswered, seen, changes))
        self.assertEqual(problems, [])
        self.assertEqual(unanswered, 0)
        self.assertEqual(set(seen), {("NOERROR", (self.A,)), ("NOERROR", (self.B,))},
                         "a combination of states that never existed was answered")
        self.assertGreater(changes, writes // 4, "the answers did not follow the writes")


if __name__ == "__main__":
    unittest.main()
