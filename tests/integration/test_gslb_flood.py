"""A flood of UDP queries for one GSLB name while the database changes about 50 times a second
(weights, drains, observations up/down, a member's address), each change a short sqlite3
transaction as healthd or an operator would make it. Every query must be answered (a query counts
as dropped only after a 1 s timeout and one resend), and every answer must parse, be NOERROR with
AA and one A record naming an address some member had at some point.
"""

import random
import socket
import sys
import threading
import time
import unittest

from harness import WireError, build_query, parse_message
from gslb_util import Db, GslbTestCase, answer_addresses

NAME = "flood.gslb.test"
ADDRESSES = ["192.0.2.201", "192.0.2.202", "192.0.2.203", "192.0.2.204"]
M3_OTHER = "192.0.2.205"  # m3's address alternates between .204 and this
VALID = set(ADDRESSES) | {M3_OTHER}
FLOOD_SECONDS = 8.0
QUERY_THREADS = 3
CHANGES_PER_SECOND = 50


class Querier(threading.Thread):
    def __init__(self, port, deadline, seed):
        super().__init__(daemon=True)
        self.port, self.deadline = port, deadline
        self.rng = random.Random(seed)
        self.sent = self.answered = self.resent = self.dropped = 0
        self.problems = []
        self.seen = {}

    def exchange(self, sock, query, qid):
        """Waits up to 1 s for the reply to `qid`; replies to earlier queries are skipped."""
        deadline = time.monotonic() + 1.0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            sock.settimeout(left)
            try:
                data = sock.recv(4096)
            except socket.timeout:
                return None
            if len(data) >= 2 and int.from_bytes(data[:2], "big") == qid:
                return data

    def check(self, data, qid):
        try:
            r = parse_message(data)
        except WireError as e:
            return "unparsable answer (%s): %r" % (e, data[:64])
        if not r["qr"] or r["id"] != qid:
            return "not our answer: %r" % r
        if r["status"] != "NOERROR" or not r["aa"]:
            return "status %s aa %s" % (r["status"], r["aa"])
        if len(r["question"]) != 1 or r["question"][0]["name"].lower() != NAME + ".":
            return "question %r" % r["question"]
        addrs = answer_addresses(r)
        if len(addrs) != 1 or len(r["answer"]) != 1:
            return "answer %r" % r["answer"]
        if addrs[0] not in VALID:
            return "address %s was never a member's" % addrs[0]
        if r["answer"][0]["ttl"] not in (30, 5):
            return "ttl %d is neither ttl nor ttl_degraded" % r["answer"][0]["ttl"]
        self.seen[addrs[0]] = self.seen.get(addrs[0], 0) + 1
        return None

    def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        try:
            while time.monotonic() < self.deadline:
                qid = self.rng.randrange(1, 65536)
                query = build_query(NAME, "A", qid=qid)
                sock.sendto(query, ("127.0.0.1", self.port))
                self.sent += 1
                data = self.exchange(sock, query, qid)
                if data is None:
                    self.resent += 1
                    sock.sendto(query, ("127.0.0.1", self.port))
                    data = self.exchange(sock, query, qid)
                if data is None:
                    self.dropped += 1
                    continue
                self.answered += 1
                problem = self.check(data, qid)
                if problem and len(self.problems) < 20:
                    self.problems.append(problem)
                elif problem:
                    self.problems.append("...")
        finally:
            sock.close()


class Mutator(threading.Thread):
    """Changes the database CHANGES_PER_SECOND times a second until stopped. Never drains m2 or
    m3, so some member is always enabled (with every member down, fallback "all" answers)."""

    def __init__(self, db_path, ids, seed):
        super().__init__(daemon=True)
        self.db = Db(db_path)
        self.ids = ids  # name -> member id
        self.rng = random.Random(seed)
        self.stopping = threading.Event()
        self.counts = {}
        self.errors = []

    def change(self):
        rng, ids = self.rng, self.ids
        op = rng.choice(["weight", "drain", "observe", "observe", "address"])
        if op == "weight":
            m = rng.choice(list(ids))
            self.db.write([("UPDATE members SET weight = ? WHERE id = ?",
                            (rng.choice([0, 1, 2, 5]), ids[m]))])
        elif op == "drain":
            m = rng.choice(["m0", "m1"])
            drained = self.db.scalar("SELECT drained_at_ms FROM members WHERE id = ?", (ids[m],))
            self.db.drain(ids[m], drained is None)
        elif op == "observe":
            m = rng.choice(list(ids))
            self.db.observe(rng.choice(["agent-a", "agent-b"]), ids[m], rng.random() < 0.6)
        else:
            current = self.db.member_address(ids["m3"])
            self.db.write([("UPDATE members SET address = ? WHERE id = ?",
                            (M3_OTHER if current == ADDRESSES[3] else ADDRESSES[3], ids["m3"]))])
        self.counts[op] = self.counts.get(op, 0) + 1

    def run(self):
        next_at = time.monotonic()
        try:
            while not self.stopping.is_set():
                try:
                    self.change()
                except Exception as e:  # noqa: BLE001 -- reported by the test
                    self.errors.append(repr(e))
                    if len(self.errors) > 20:
                        return
                next_at += 1.0 / CHANGES_PER_SECOND
                delay = next_at - time.monotonic()
                if delay > 0:
                    self.stopping.wait(delay)
        finally:
            self.db.close()

    def stop(self):
        self.stopping.set()
        self.join(10)
        return sum(self.counts.values())


class TestGslbFlood(GslbTestCase):
    DOC = "flood.json"

    def test_flood_while_database_changes(self):
        ids = {m: self.db.member_id(NAME, m) for m in ("m0", "m1", "m2", "m3")}
        mutator = Mutator(self.db_path, ids, seed=20240501)
        start = time.monotonic()
        deadline = start + FLOOD_SECONDS
        queriers = [Querier(self.port, deadline, seed=i) for i in range(QUERY_THREADS)]
        mutator.start()
        for q in queriers:
            q.start()
        for q in queriers:
            q.join(FLOOD_SECONDS + 30)
        elapsed = time.monotonic() - start
        changes = mutator.stop()

        sent = sum(q.sent for q in queriers)
        answered = sum(q.answered for q in queriers)
        resent = sum(q.resent for q in queriers)
        dropped = sum(q.dropped for q in queriers)
        problems = [p for q in queriers for p in q.problems]
        seen = {}
        for q in queriers:
            for a, n in q.seen.items():
                seen[a] = seen.get(a, 0) + n
        sys.stderr.write(
            "\nflood: %d queries in %.1f s (%.0f qps), %d answered, %d resent, %d dropped; "
            "%d database changes (%.0f/s) %r; answers per address %r\n"
            % (sent, elapsed, answered / elapsed, answered, resent, dropped, changes,
               changes / elapsed, mutator.counts, dict(sorted(seen.items()))))

        self.assertFalse(any(q.is_alive() for q in queriers), "a query thread hung")
        self.assertEqual(mutator.errors, [], "database writes failed")
        self.assertEqual(dropped, 0, "queries left without an answer after a 1 s timeout and "
                         "one resend (%d resent)" % resent)
        self.assertEqual(problems, [])
        self.assertGreater(answered, 1000, "the flood was too thin to mean anything")
        self.assertGreaterEqual(changes, 0.6 * CHANGES_PER_SECOND * FLOOD_SECONDS,
                                "the database changed too rarely: %r" % mutator.counts)
        self.assertGreaterEqual(len(seen), 4, "answers did not follow the changes: %r" % seen)
        failed = [line for line in self.server.stderr_text().splitlines()
                  if "still serving the last good data" in line]
        self.assertEqual(failed, [], "snapshot rebuilds failed under valid short transactions")

        # Afterwards it still follows the database: only m3 left, at .205.
        t0 = self.db.write(
            [("UPDATE members SET weight = 1, drained_at_ms = NULL WHERE id = ?", (i,))
             for i in ids.values()]
            + [("UPDATE members SET drained_at_ms = 1 WHERE id IN (?, ?, ?)",
                (ids["m0"], ids["m1"], ids["m2"])),
               ("UPDATE members SET address = ? WHERE id = ?", (M3_OTHER, ids["m3"])),
               ("DELETE FROM observations", ())])
        took = None
        while time.monotonic() - t0 < 3.0:
            if all(self.addrs(NAME) == [M3_OTHER] for _ in range(10)):
                took = time.monotonic() - t0
                break
            time.sleep(0.05)
        self.assertIsNotNone(took, "the final state was never served")
        self.assertLessEqual(took, 1.0)
        self.assert_same_server()


if __name__ == "__main__":
    unittest.main()
