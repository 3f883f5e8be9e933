"""Logs from a running gslbd: --log-format json gives one JSON object per line (and nothing
else on stderr), --log-level warn keeps the info lines out, and under systemd (stderr is the
journal stream) every line starts with its syslog priority. No line per query."""

import json
import os
import subprocess
import unittest

import harness
from harness import GslbdServer, build_query, udp_exchange


class LoggingTests(unittest.TestCase):

    def run_server(self, args, journal=False):
        s = GslbdServer(["example.test.zone"], args=args)
        old = dict(os.environ)
        if journal:
            # The harness points stderr at a file (reopened without a new inode): tell gslbd
            # that file is the journal stream, as systemd does with its socket.
            open(s._stderr_path, "w").close()
            st = os.stat(s._stderr_path)
            os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        try:
            s.start()
        finally:
            os.environ.clear()
            os.environ.update(old)
        for _ in range(20):  # some queries: none of them may be logged
            self.assertIsNotNone(udp_exchange(s.port, build_query("www.example.test", "A")))
        problems = s.stop()
        self.assertFalse(problems)
        return [l for l in s.final_stderr.splitlines() if l]

    def test_json_lines(self):
        lines = self.run_server(["--log-format", "json"])
        self.assertGreaterEqual(len(lines), 2)  # the start and the stop at least
        for line in lines:
            obj = json.loads(line)
            self.assertEqual(sorted(obj), ["level", "message", "time"], line)
            self.assertIn(obj["level"], ("debug", "info", "warn", "error"))
            self.assertRegex(obj["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertTrue(any("serving" in json.loads(l)["message"] for l in lines), lines)
        self.assertLess(len(lines), 10)  # 20 queries did not add a line each

    def test_warn_level_keeps_info_out(self):
        lines = self.run_server(["--log-level", "warn"])
        self.assertFalse([l for l in lines if " info: " in l], lines)

    def test_the_journal_gets_priorities(self):
        lines = self.run_server([], journal=True)
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[3467]>gslbd (debug|info|warn|error): ", line)

    def test_bad_values_are_refused(self):
        for args, needle in ((["--log-format", "xml"], "--log-format: text or json"),
                             (["--log-level", "loud"], "--log-level: debug, info")):
            p = subprocess.run([harness.gslbd_path(), "--listen", "127.0.0.1:1", "--roles", "dns"]
                               + args, capture_output=True, text=True, timeout=20)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(needle, p.stderr)


if __name__ == "__main__":
    unittest.main()
