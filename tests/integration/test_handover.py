"""Restart without losing a query (--handover PATH): under a steady UDP flood a new gslbd takes
over the running one's sockets, the old one exits, and every query sent is answered (counted:
0 lost); TCP connections in the old process finish the query they are in; the handover chains
(a third process takes over from the second); a successor that fails before it is ready leaves
the old one serving."""

import os
import struct
import subprocess
import tempfile
import time
import unittest

import harness
from flood import Flood
from harness import GslbdServer, build_query, parse_message, tcp_connect, tcp_read_message


def successor(port, zones, args, tmp):
    """A gslbd on the same port as a running one (the harness would pick a free port)."""
    helper = GslbdServer(zones, args=args)
    stderr_path = os.path.join(tmp, "successor-%d.stderr" % time.monotonic_ns())
    err = open(stderr_path, "w")
    proc = subprocess.Popen(helper.command(port), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=err)
    return proc, stderr_path, err


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class HandoverTests(unittest.TestCase):
    ZONES = ["example.test.zone"]

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-handover-")
        self.path = os.path.join(self.tmp, "handover.sock")
        self.args = ["--handover", self.path, "--db", "none"]
        self.procs = []

    def tearDown(self):
        for proc, _, err in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
            err.close()

    def start_successor(self, port, args=None, zones=None):
        p = successor(port, zones or self.ZONES, args or self.args, self.tmp)
        self.procs.append(p)
        return p

    @staticmethod
    def text(path):
        with open(path, errors="replace") as f:
            return f.read()

    def test_no_query_is_lost_across_a_handover_and_the_next(self):
        old = GslbdServer(self.ZONES, args=self.args, threads=2).start()
        port = old.port
        flood = Flood(port).start()
        time.sleep(1.0)
        new, new_log, _ = self.start_successor(port, self.args + ["--threads", "3"])
        self.assertTrue(wait_for(lambda: old.proc.poll() is not None), "the old one did not exit")
        self.assertEqual(old.proc.returncode, 0)
        time.sleep(1.0)
        # And again: the new one hands over to a third.
        third, third_log, _ = self.start_successor(port)
        self.assertTrue(wait_for(lambda: new.poll() is not None), "the second did not exit")
        self.assertEqual(new.returncode, 0, self.text(new_log))
        time.sleep(1.0)
        sent, lost = flood.finish()
        print("\nhandover under %d qps: %d queries sent, %d lost" % (flood.rate, sent, lost))
        self.assertGreater(sent, 3000)
        self.assertEqual(lost, 0, "%d of %d queries lost" % (lost, sent))
        problems = old.stop()
        self.assertIn("serves on our sockets", old.final_stderr)
        self.assertFalse([p for p in problems if "already exited" not in p
                          and "stderr:" not in p], problems)
        self.assertIn("taking over", self.text(new_log))
        self.assertIn("taking over", self.text(third_log))
        self.assertIsNone(third.poll())
        reply = harness.udp_exchange(port, build_query("www.example.test", "A"))
        self.assertEqual([a["rdata"] for a in parse_message(reply)["answer"]], ["192.0.2.10"])

    def test_tcp_connections_finish_their_query(self):
        old = GslbdServer(self.ZONES, args=self.args).start()
        port = old.port
        busy = tcp_connect(port)
        q = build_query("www.example.test", "A")
        # Half a query in flight at the handover: the old process must still answer it.
        framed = struct.pack("!H", len(q)) + q
        busy.sendall(framed[:5])
        idle = tcp_connect(port)
        self.start_successor(port)
        time.sleep(0.5)
        busy.sendall(framed[5:])
        r = parse_message(tcp_read_message(busy, timeout=3.0))
        self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])
        self.assertTrue(wait_for(lambda: old.proc.poll() is not None))
        # The idle one was closed (RFC 7766 lets a server close idle connections).
        idle.settimeout(2.0)
        self.assertEqual(idle.recv(10), b"")
        busy.close()
        idle.close()
        # New connections reach the successor.
        s = tcp_connect(port)
        s.sendall(framed)
        self.assertTrue(parse_message(tcp_read_message(s))["answer"])
        s.close()
        old.stop()

    def test_a_successor_that_fails_leaves_the_old_one_serving(self):
        old = GslbdServer(self.ZONES, args=self.args).start()
        bad_zone = os.path.join(self.tmp, "bad.zone")
        with open(bad_zone, "w") as f:
            f.write("this is not a zone\n")
        proc, log, _ = self.start_successor(old.port, zones=[bad_zone])
        proc.wait(timeout=20)
        self.assertNotEqual(proc.returncode, 0)
        time.sleep(0.3)
        self.assertIsNone(old.proc.poll(), "the old one stopped for a failed successor")
        reply = harness.udp_exchange(old.port, build_query("www.example.test", "A"))
        self.assertIsNotNone(reply)
        self.assertFalse(old.stop())


    def test_a_second_gslbd_without_handover_is_refused(self):
        # SO_REUSEPORT would let it share the queries silently.
        old = GslbdServer(self.ZONES, args=["--db", "none"]).start()
        proc, log, _ = self.start_successor(old.port, ["--db", "none"])
        proc.wait(timeout=20)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("already served by another process", self.text(log))
        self.assertIn("--handover", self.text(log))
        self.assertIsNotNone(harness.udp_exchange(old.port, build_query("www.example.test", "A")))
        self.assertFalse(old.stop())


if __name__ == "__main__":
    unittest.main()
