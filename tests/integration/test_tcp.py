"""gslbd over TCP (RFC 7766): framing across partial reads, pipelining, idle and initial
timeouts, and the connection cap."""

import random
import socket
import struct
import time
import unittest

from harness import (GslbdTestCase, build_query, opt_record, parse_message, tcp_connect,
                     tcp_read_message, wait_closed)


def frame(msg):
    return struct.pack("!H", len(msg)) + msg


def qid_of(msg):
    return struct.unpack("!H", msg[:2])[0]


class TcpTestCase(GslbdTestCase):
    ZONES = ("example.test.zone", "deep.example.test.zone")

    def connect(self):
        s = tcp_connect(self.port)
        self.addCleanup(s.close)
        return s

    def query_on(self, sock, name="www.example.test", qtype="A", timeout=3.0):
        q = build_query(name, qtype)
        sock.sendall(frame(q))
        r = parse_message(tcp_read_message(sock, timeout))
        self.assertEqual(r["id"], qid_of(q))
        return r

    def assert_www(self, r):
        self.assertEqual(r["status"], "NOERROR")
        self.assertTrue(r["aa"])
        self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])


class TcpBasicsTests(TcpTestCase):

    def test_simple_query(self):
        self.assert_www(self.query_on(self.connect()))

    def test_framing_across_partial_reads(self):
        s = self.connect()
        q = build_query("wWw.ExAmPlE.tEsT", "A")
        data = frame(q)
        # the length octets one at a time, then the message in bytes with small pauses
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
            time.sleep(0.01)
        r = parse_message(tcp_read_message(s))
        self.assertEqual(r["id"], qid_of(q))
        self.assert_www(r)
        self.assertEqual(r["question"][0]["wire"], q[12:-4])

    def test_message_boundary_inside_a_segment(self):
        # Two queries cut into 7-octet chunks: a chunk carries the end of one message and the
        # length of the next.
        s = self.connect()
        q1 = build_query("www.example.test", "A", qid=0x1111)
        q2 = build_query("mail.example.test", "A", qid=0x2222)
        data = frame(q1) + frame(q2)
        for i in range(0, len(data), 7):
            s.sendall(data[i:i + 7])
            time.sleep(0.02)
        got = {}
        for _ in range(2):
            r = parse_message(tcp_read_message(s))
            got[r["id"]] = [a["rdata"] for a in r["answer"]]
        self.assertEqual(got, {0x1111: ["192.0.2.10"], 0x2222: ["192.0.2.25"]})

    def test_pipelined_queries(self):
        names = [("www.example.test", "A", ["192.0.2.10"]),
                 ("www.example.test", "AAAA", ["2001:db8::10"]),
                 ("mail.example.test", "A", ["192.0.2.25"]),
                 ("ns1.example.test", "A", ["192.0.2.1"]),
                 ("www.deep.example.test", "A", ["198.51.100.10"])]
        s = self.connect()
        expected = {}
        blob = b""
        ids = random.sample(range(1, 65536), 20)
        for i, qid in enumerate(ids):
            name, qtype, answer = names[i % len(names)]
            q = build_query(name, qtype, qid=qid)
            expected[qid] = (name + ".", answer)
            blob += frame(q)
        s.sendall(blob)  # all 20 in one write
        got = {}
        deadline = time.monotonic() + 10
        while len(got) < 20 and time.monotonic() < deadline:
            r = parse_message(tcp_read_message(s, timeout=5))
            self.assertNotIn(r["id"], got, "duplicate response")
            got[r["id"]] = (r["question"][0]["name"], [a["rdata"] for a in r["answer"]])
        self.assertEqual(got, expected)

    def test_several_queries_on_one_connection(self):
        s = self.connect()
        for _ in range(5):
            self.assert_www(self.query_on(s))
        r = self.query_on(s, "nope.example.test", "A")
        self.assertEqual(r["status"], "NXDOMAIN")
        self.assertEqual(r["authority"][0]["ttl"], 300)

    def test_large_answer_not_truncated(self):
        s = self.connect()
        q = build_query("big.example.test", "TXT", edns=opt_record(1232))
        s.sendall(frame(q))
        msg = tcp_read_message(s)
        r = parse_message(msg)
        self.assertFalse(r["tc"])
        self.assertEqual(len(r["answer"]), 12)
        self.assertGreater(len(msg), 1232)

    def test_any_over_tcp_is_complete(self):
        # Design: ANY is minimal over UDP (RFC 8482) and complete over TCP.
        r = self.query_on(self.connect(), "example.test", "ANY")
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual({a["type"] for a in r["answer"]}, {6, 2, 15, 16, 257})

    def test_malformed_message_keeps_connection(self):
        s = self.connect()
        bad = build_query("www.example.test", "A", qdcount=2, qid=0x4242)
        s.sendall(frame(bad))
        r = parse_message(tcp_read_message(s))
        self.assertEqual((r["id"], r["status"]), (0x4242, "FORMERR"))
        self.assert_www(self.query_on(s))

    def test_client_closing_mid_message_is_harmless(self):
        for cut in (1, 2, 9):
            s = tcp_connect(self.port)
            s.sendall(frame(build_query("www.example.test", "A"))[:cut])
            s.close()
        time.sleep(0.2)
        self.assert_www(self.query_on(self.connect()))

    def test_slow_first_read_closed_at_initial_timeout(self):
        # Default --tcp-initial-timeout is 3000 ms: a silent connection is closed then.
        s = self.connect()
        start = time.monotonic()
        waited = wait_closed(s, timeout=6)
        self.assertIsNotNone(waited, "a silent connection was not closed within 6 s")
        waited = time.monotonic() - start
        self.assertGreaterEqual(waited, 2.5, "closed too early (%.2f s)" % waited)
        self.assertLessEqual(waited, 4.0, "closed too late (%.2f s)" % waited)
        self.assert_www(self.query_on(self.connect()))


class TcpIdleTimeoutTests(TcpTestCase):
    ARGS = ("--tcp-idle-timeout", "1000")

    def test_idle_connection_closed_after_timeout(self):
        s = self.connect()
        self.assert_www(self.query_on(s))
        waited = wait_closed(s, timeout=5)
        self.assertIsNotNone(waited, "idle connection not closed within 5 s")
        self.assertGreaterEqual(waited, 0.8, "closed too early (%.2f s)" % waited)
        self.assertLessEqual(waited, 2.0, "closed %.2f s after the answer, expected ~1 s" % waited)

    def test_activity_restarts_the_idle_timer(self):
        s = self.connect()
        self.assert_www(self.query_on(s))
        for _ in range(3):
            time.sleep(0.6)  # 1.8 s in total: longer than the timeout, but never idle that long
            self.assert_www(self.query_on(s))
        waited = wait_closed(s, timeout=5)
        self.assertIsNotNone(waited)
        self.assertGreaterEqual(waited, 0.8, "closed %.2f s after the last query" % waited)
        self.assertLessEqual(waited, 2.0, "closed %.2f s after the last query" % waited)


class TcpInitialTimeoutTests(TcpTestCase):
    """--tcp-initial-timeout bounds the first query and the rest of any started message, even
    when the idle timeout is longer."""

    ARGS = ("--tcp-initial-timeout", "1000", "--tcp-idle-timeout", "5000")

    def test_silent_connection_closed_at_initial_timeout(self):
        s = self.connect()
        waited = wait_closed(s, timeout=5)
        self.assertIsNotNone(waited)
        self.assertGreaterEqual(waited, 0.8, "closed too early (%.2f s)" % waited)
        self.assertLessEqual(waited, 2.0, "closed too late (%.2f s)" % waited)

    def test_idle_timeout_applies_after_first_query(self):
        s = self.connect()
        self.assert_www(self.query_on(s))
        self.assertIsNone(wait_closed(s, timeout=2.0),
                          "closed before the 5 s idle timeout")
        self.assert_www(self.query_on(s))

    def test_stalled_message_closed_at_initial_timeout(self):
        s = self.connect()
        self.assert_www(self.query_on(s))
        time.sleep(1.3)  # idle for a while (past the initial timeout, well within the idle one)
        data = frame(build_query("www.example.test", "A"))
        s.sendall(data[:len(data) // 2])  # the length and half the message, then nothing
        waited = wait_closed(s, timeout=7)
        self.assertIsNotNone(waited, "a stalled message was never timed out")
        self.assertGreaterEqual(waited, 0.8, "closed too early (%.2f s)" % waited)
        self.assertLessEqual(waited, 2.0,
                             "closed %.2f s into a stalled message, expected ~1 s" % waited)


class TcpConnectionCapTests(TcpTestCase):
    ARGS = ("--tcp-max-connections", "4")

    def open_idle(self, n):
        conns = []
        for _ in range(n):
            conns.append(self.connect())
            time.sleep(0.1)  # distinct accept times: the first is the idlest
        return conns

    def settle(self, conns):
        for c in conns:
            c.close()
        time.sleep(0.3)  # let the server notice, so the next test starts at zero connections

    def assert_closed(self, sock, what):
        self.assertIsNotNone(wait_closed(sock, timeout=1.5), what + " was not closed")

    def assert_open(self, sock, what):
        try:
            self.assert_www(self.query_on(sock, timeout=2))
        except (ConnectionError, socket.timeout, OSError) as e:
            self.fail("%s was closed: %r" % (what, e))

    def test_idlest_connection_shed_at_cap(self):
        conns = self.open_idle(4)
        fifth = self.connect()
        self.assert_www(self.query_on(fifth))
        self.assert_closed(conns[0], "the idlest (first) connection")
        for i in (1, 2, 3):
            self.assert_open(conns[i], "connection %d" % (i + 1))
        self.assert_www(self.query_on(fifth))
        self.settle(conns + [fifth])

    def test_recent_activity_protects_a_connection(self):
        conns = self.open_idle(4)
        self.assert_www(self.query_on(conns[0]))  # now the second one is the idlest
        time.sleep(0.05)
        fifth = self.connect()
        self.assert_www(self.query_on(fifth))
        self.assert_closed(conns[1], "the idlest (second) connection")
        for i in (0, 2, 3):
            self.assert_open(conns[i], "connection %d" % (i + 1))
        self.settle(conns + [fifth])


if __name__ == "__main__":
    unittest.main()
