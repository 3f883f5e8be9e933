"""gslbd under systemd: the sd_notify protocol spoken to a $NOTIFY_SOCKET this test owns
(READY=1 with a STATUS once it answers, RELOADING=1 + MONOTONIC_USEC on SIGHUP and READY=1 only
once the re-read zone is served, STOPPING=1 on SIGTERM, WATCHDOG=1 at half of $WATCHDOG_USEC and
only for the pid it names), and the shipped unit file checked by `systemd-analyze verify`.

Every server listens on 127.0.0.1 only (harness.GslbdServer)."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness
from gslb_util import ask, answer_addresses

UNIT = os.path.join(os.environ.get("GSLBD_SOURCE_DIR", os.path.join(os.path.dirname(__file__),
                                                                    "..", "..")),
                    "tools", "systemd", "gslbd.service")

ZONE = """$ORIGIN notify.test.
@ 300 IN SOA ns1 h %d 3600 600 604800 60
@ 300 IN NS ns1
ns1 300 IN A 192.0.2.53
www 300 IN A %s
"""


class NotifySocket:
    def __init__(self, directory):
        self.path = os.path.join(directory, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def messages(self, until, timeout=10.0):
        """Datagrams received until one contains `until` (returned, in order)."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            got.append(data)
            if until in data.split("\n"):
                return got
        raise AssertionError("no %r in %r" % (until, got))

    def close(self):
        self.sock.close()


class TestNotify(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-notify-")
        self.notify = NotifySocket(self.tmp)
        self.zone = os.path.join(self.tmp, "notify.test.zone")
        self.write_zone(1, "192.0.2.1")
        self.saved_env = dict(os.environ)
        os.environ["NOTIFY_SOCKET"] = self.notify.path

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved_env)
        self.notify.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_zone(self, serial, address):
        with open(self.zone + ".new", "w") as f:
            f.write(ZONE % (serial, address))
        os.rename(self.zone + ".new", self.zone)

    def start(self):
        server = harness.GslbdServer((self.zone,), ["--db", "none"]).start()
        self.addCleanup(server.stop)
        return server

    def test_ready_reloading_stopping(self):
        server = self.start()
        ready = self.notify.messages("READY=1")
        self.assertIn("serving 1 zone(s)", ready[-1])
        self.assertTrue(any(line.startswith("STATUS=") for line in ready[-1].split("\n")))
        self.assertEqual(answer_addresses(ask(server.port, "www.notify.test")), ["192.0.2.1"])

        self.write_zone(2, "192.0.2.2")
        before_us = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
        server.proc.send_signal(signal.SIGHUP)
        got = self.notify.messages("READY=1")
        reloading = [m for m in got if "RELOADING=1" in m.split("\n")]
        self.assertEqual(len(reloading), 1, got)
        fields = dict(line.split("=", 1) for line in reloading[0].split("\n") if "=" in line)
        self.assertGreaterEqual(int(fields["MONOTONIC_USEC"]), before_us - 1e6, fields)
        # READY=1 after RELOADING=1 means the new zone is what is served, without a retry.
        self.assertEqual(answer_addresses(ask(server.port, "www.notify.test")), ["192.0.2.2"])

        server.proc.send_signal(signal.SIGTERM)
        self.notify.messages("STOPPING=1")
        server.proc.wait(timeout=10)

    def test_watchdog_at_half_its_interval(self):
        os.environ["WATCHDOG_USEC"] = "200000"
        self.start()
        self.notify.messages("READY=1")
        t0 = time.monotonic()
        pings = 0
        while time.monotonic() - t0 < 1.0:
            pings += len([m for m in self.notify.messages("WATCHDOG=1", timeout=0.5)
                          if "WATCHDOG=1" in m.split("\n")])
        self.assertGreaterEqual(pings, 5)  # every 100 ms: ~10 in a second, never < 5

    def test_a_watchdog_meant_for_another_pid_is_not_fed(self):
        os.environ["WATCHDOG_USEC"] = "200000"
        os.environ["WATCHDOG_PID"] = "1"
        self.start()
        self.notify.messages("READY=1")
        with self.assertRaises(AssertionError):
            self.notify.messages("WATCHDOG=1", timeout=0.6)


@unittest.skipUnless(shutil.which("systemd-analyze"), "no systemd-analyze")
class TestUnitFile(unittest.TestCase):
    def test_the_unit_verifies_and_is_hardened(self):
        with open(UNIT) as f:
            text = f.read()
        tmp = tempfile.mkdtemp(prefix="gslbd-unit-")
        try:
            # verify wants ExecStart's binary to exist: the one under test stands in for
            # /usr/sbin/gslbd.
            unit = os.path.join(tmp, "gslbd.service")
            with open(unit, "w") as f:
                f.write(text.replace("/usr/sbin/gslbd", harness.gslbd_path()))
            p = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True,
                               text=True, timeout=60)
            problems = [l for l in p.stderr.splitlines()
                        if "gslbd.service" in l and "network-online" not in l]
            self.assertEqual(problems, [], p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        keys = {}
        for line in text.splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                keys.setdefault(k, v)
        self.assertEqual(keys["Type"], "notify")
        self.assertEqual(keys["ProtectSystem"], "strict")
        self.assertEqual(set(keys["CapabilityBoundingSet"].split()),
                         {"CAP_NET_BIND_SERVICE", "CAP_NET_RAW"})
        self.assertEqual(keys["NoNewPrivileges"], "yes")
        self.assertIn("-HUP", keys["ExecReload"])
        self.assertIn("WatchdogSec", keys)
        self.assertEqual(keys["StateDirectory"], "gslbd")


if __name__ == "__main__":
    unittest.main()
