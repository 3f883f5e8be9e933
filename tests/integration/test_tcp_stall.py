"""1000 TCP connections that open and stall while UDP load runs (issue 14): half send nothing,
half one octet of a length. While they hang, UDP throughput stays at >= 80 % of its baseline
measured in the same test, a new TCP query is answered within 1 s, every stalled connection is
closed by gslbd at --tcp-initial-timeout (not before, not much after), and gslbd's descriptor
count (/proc/PID/fd) is back to its baseline afterwards. The UDP load is dnsperf when installed
(rate-limited, so the figure compares like with like), else flood.Flood. GSLBD_SOAK=1: the
issue's full version, the connections held 25 s."""

import os
import re
import resource
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import harness
from flood import Flood
from harness import build_query, parse_message, tcp_connect, tcp_read_message

SOAK = os.environ.get("GSLBD_SOAK") == "1"
STALLED = 1000
TIMEOUT_MS = 25000 if SOAK else 6000
MEASURE_S = 15.0 if SOAK else 2.5
DNSPERF_QPS = 5000
FLOOD_QPS = 2000


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class UdpLoad:
    """One measurement of answered UDP queries a second over `seconds`."""

    def __init__(self, port, tmp):
        self.port = port
        self.dnsperf = shutil.which("dnsperf")
        self.data = os.path.join(tmp, "queries")
        with open(self.data, "w") as f:
            f.write("www.example.test A\nmail.example.test A\nwww.example.test AAAA\n")
        self.tool = ("dnsperf at %d qps" % DNSPERF_QPS) if self.dnsperf else (
            "python flood at %d qps" % FLOOD_QPS)

    def measure(self, seconds):
        """(answered per second, sent, lost)."""
        if self.dnsperf:
            p = subprocess.run([self.dnsperf, "-s", harness.HOST, "-p", str(self.port), "-d",
                                self.data, "-l", "%g" % seconds, "-Q", str(DNSPERF_QPS), "-c",
                                "4", "-t", "2", "-q", "200"],
                               capture_output=True, text=True, timeout=seconds + 30)
            sent = int(re.search(r"Queries sent:\s+(\d+)", p.stdout).group(1))
            done = int(re.search(r"Queries completed:\s+(\d+)", p.stdout).group(1))
            qps = float(re.search(r"Queries per second:\s+([\d.]+)", p.stdout).group(1))
            return qps, sent, sent - done
        flood = Flood(self.port, rate=FLOOD_QPS)
        flood.start()
        time.sleep(seconds)
        sent, lost = flood.finish(linger=1.0)
        return flood.answered_rate(), sent, lost


class TcpStall(unittest.TestCase):
    def setUp(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = STALLED + 200
        if soft < need:
            if hard != resource.RLIM_INFINITY and hard < need:
                self.skipTest("descriptor limit %d: %d needed" % (hard, need))
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
        self.tmp = tempfile.mkdtemp(prefix="gslbd-stall-")
        self.server = harness.GslbdServer(
            ["example.test.zone"], ["--tcp-initial-timeout", str(TIMEOUT_MS),
                                    "--tcp-idle-timeout", str(TIMEOUT_MS),
                                    "--tcp-max-connections", "2048"]).start()
        self.conns = []

    def tearDown(self):
        for c in self.conns:
            c.close()
        problems = self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual(problems, [])

    def tcp_query_s(self):
        t0 = time.monotonic()
        with tcp_connect(self.server.port, timeout=3) as s:
            q = build_query("www.example.test", "A")
            s.sendall(struct.pack("!H", len(q)) + q)
            r = parse_message(tcp_read_message(s, timeout=3))
        self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])
        return time.monotonic() - t0

    def wait_fds(self, pid, accept, timeout):
        deadline = time.monotonic() + timeout
        while True:
            n = fd_count(pid)
            if accept(n) or time.monotonic() > deadline:
                return n
            time.sleep(0.05)

    def test_a_thousand_stalled_connections_starve_nothing(self):
        pid = self.server.proc.pid
        load = UdpLoad(self.server.port, self.tmp)
        self.tcp_query_s()
        baseline_qps, base_sent, base_lost = load.measure(MEASURE_S)
        fds_base = self.wait_fds(pid, lambda n: False, 0.3)

        t_open = time.monotonic()
        opened = {}
        sel = selectors.DefaultSelector()
        for i in range(STALLED):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.connect((harness.HOST, self.server.port))
            opened[s.fileno()] = time.monotonic()
            if i % 2:
                s.sendall(b"\x00")  # half a length, then nothing
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            self.conns.append(s)
        open_s = time.monotonic() - t_open
        fds_stalled = self.wait_fds(pid, lambda n: n >= fds_base + STALLED, 5.0)

        stalled_qps, stall_sent, stall_lost = load.measure(MEASURE_S)
        tcp_s = self.tcp_query_s()
        closed_after = {}
        still_open_after_measure = STALLED - self.count_closed(sel, opened, closed_after, 0)

        # Every stalled connection is closed by the server at the initial timeout.
        deadline = t_open + open_s + TIMEOUT_MS / 1000 + 5.0
        while len(closed_after) < STALLED and time.monotonic() < deadline:
            self.count_closed(sel, opened, closed_after, 0.2)
        sel.close()
        fds_end = self.wait_fds(pid, lambda n: n <= fds_base, 3.0)
        waits = sorted(closed_after.values())
        ratio = stalled_qps / baseline_qps if baseline_qps else 0
        sys.stderr.write(
            "\n%d stalled TCP connections (opened in %.2f s), UDP load %s: baseline %.0f qps "
            "(%d sent, %d lost), stalled %.0f qps (%d sent, %d lost) = %.0f %%; new TCP query "
            "answered in %.0f ms; closed %d/%d after %.2f..%.2f s (--tcp-initial-timeout %d ms);"
            " fds baseline %d, stalled %d, end %d\n"
            % (STALLED, open_s, load.tool, baseline_qps, base_sent, base_lost, stalled_qps,
               stall_sent, stall_lost, ratio * 100, tcp_s * 1000, len(closed_after), STALLED,
               waits[0] if waits else -1, waits[-1] if waits else -1, TIMEOUT_MS, fds_base,
               fds_stalled, fds_end))
        self.assertGreaterEqual(fds_stalled, fds_base + STALLED, "gslbd did not accept them all")
        self.assertEqual(still_open_after_measure, STALLED, "closed before the timeout")
        self.assertGreaterEqual(ratio, 0.8, "UDP throughput fell under the stalled connections")
        self.assertLess(tcp_s, 1.0)
        self.assertEqual(len(closed_after), STALLED, "stalled connections left open")
        self.assertGreaterEqual(waits[0], TIMEOUT_MS / 1000 * 0.9, "closed before the timeout")
        self.assertLessEqual(waits[-1], TIMEOUT_MS / 1000 + 2.0, "closed long after the timeout")
        self.assertEqual(fds_end, fds_base, "descriptors leaked")
        self.assertTrue(self.server.alive())

    @staticmethod
    def count_closed(sel, opened, closed_after, timeout):
        """Records in `closed_after` (fd -> seconds open) the connections the server closed;
        returns how many are closed in all."""
        for key, _ in sel.select(timeout):
            s = key.fileobj
            try:
                data = s.recv(64)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data == b"":
                closed_after[key.fd] = time.monotonic() - opened[key.fd]
                sel.unregister(s)
        return len(closed_after)


if __name__ == "__main__":
    unittest.main()
