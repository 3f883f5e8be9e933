"""DNS cookies (RFC 7873 with RFC 9018 server cookies), from the outside: dig learns a server
cookie; a forged one gets BADCOOKIE over UDP and an answer over TCP; two nodes sharing
--cookie-secret-file accept each other's cookies (a resolver may ask any NS) and nodes that do
not, do not; a client with a valid cookie is not rate limited; a bad secret file is refused."""

import os
import re
import socket
import subprocess
import tempfile
import unittest

import harness
from harness import GslbdServer, build_query, opt_record, parse_message, tcp_exchange

COOKIE = 10
CLIENT = b"\x11\x22\x33\x44\x55\x66\x77\x88"
SECRET = "00112233445566778899aabbccddeeff\n"


def ask(port, cookie, source=harness.HOST, tcp=False, name="www.example.test"):
    q = build_query(name, "A", edns=opt_record(options=[(COOKIE, cookie)]))
    if tcp:
        return parse_message(tcp_exchange(port, q))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((source, 0))
        s.settimeout(2.0)
        s.sendto(q, (harness.HOST, port))
        return parse_message(s.recv(65535))
    finally:
        s.close()


def cookie_of(r):
    for code, data in (r["opt"] or {}).get("options", []):
        if code == COOKIE:
            return data
    return None


def secret_file(directory, text):
    path = os.path.join(directory, "cookie.secret")
    with open(path, "w") as f:
        f.write(text)
    return path


class CookieTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="gslbd-cookies-")
        shared = secret_file(cls.dir, SECRET)
        cls.a = GslbdServer(["example.test.zone"], args=["--cookie-secret-file", shared]).start()
        cls.b = GslbdServer(["example.test.zone"], args=["--cookie-secret-file", shared]).start()
        cls.c = GslbdServer(["example.test.zone"],
                            args=["--rrl", "5", "--rrl-slip", "0"]).start()  # own secret

    @classmethod
    def tearDownClass(cls):
        problems = []
        for s in (cls.a, cls.b, cls.c):
            problems += s.stop() or []
        if problems:
            raise AssertionError("gslbd did not stop cleanly: " + "\n".join(problems))

    @staticmethod
    def dig(port, args):
        p = subprocess.run(["dig", "@" + harness.HOST, "-p", str(port), "+tries=1", "+time=2"]
                           + args, capture_output=True, text=True, timeout=20)
        return p.stdout

    def test_dig_learns_a_server_cookie(self):
        out = self.dig(self.a.port, ["+cookie", "www.example.test", "A"])
        m = re.search(r"COOKIE: ([0-9a-f]{16})([0-9a-f]{32})", out)
        self.assertTrue(m, out)
        self.assertTrue(m.group(2).startswith("01000000"), out)  # RFC 9018 version 1
        # dig sends it back and reports whether the server accepted it.
        again = self.dig(self.a.port, ["+cookie=" + m.group(1) + m.group(2), "www.example.test"])
        self.assertIn("status: NOERROR", again)
        self.assertIn("(good)", again)

    def test_a_client_cookie_gets_one_and_it_is_then_valid(self):
        r = ask(self.a.port, CLIENT)
        self.assertEqual(r["status"], "NOERROR")
        got = cookie_of(r)
        self.assertEqual(len(got), 24)
        self.assertEqual(got[:8], CLIENT)
        r2 = ask(self.a.port, got)
        self.assertEqual(r2["status"], "NOERROR")
        self.assertEqual([a["rdata"] for a in r2["answer"]], ["192.0.2.10"])

    def test_a_forged_server_cookie_is_badcookie_over_udp_answered_over_tcp(self):
        forged = CLIENT + b"\x01\x00\x00\x00" + b"\x5c\xf7\x9f\x11" + b"\x00" * 8
        r = ask(self.a.port, forged)
        self.assertEqual(r["status"], "BADCOOKIE")
        self.assertEqual(r["answer"], [])
        self.assertEqual(len(cookie_of(r)), 24)  # a fresh one to retry with
        t = ask(self.a.port, forged, tcp=True)
        self.assertEqual(t["status"], "NOERROR")
        self.assertEqual([a["rdata"] for a in t["answer"]], ["192.0.2.10"])

    def test_nodes_sharing_the_secret_accept_each_others_cookies(self):
        from_a = cookie_of(ask(self.a.port, CLIENT))
        self.assertEqual(ask(self.b.port, from_a)["status"], "NOERROR")
        self.assertEqual(ask(self.c.port, from_a)["status"], "BADCOOKIE")

    def test_a_valid_cookie_is_not_rate_limited(self):
        source = "127.0.30.1"
        mine = cookie_of(ask(self.c.port, CLIENT, source=source))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((source, 0))
        s.settimeout(0.5)
        answered_plain = 0
        try:
            for _ in range(30):  # at once: the limit is 5 a second
                s.sendto(build_query("www.example.test", "A"), (harness.HOST, self.c.port))
            while True:
                try:
                    answered_plain += 1 if parse_message(s.recv(65535))["answer"] else 0
                except socket.timeout:
                    break
        finally:
            s.close()
        answered_cookie = sum(1 for _ in range(30) if ask(self.c.port, mine, source=source)["answer"])
        self.assertLessEqual(answered_plain, 10)  # the same network without a cookie: limited
        self.assertEqual(answered_cookie, 30)


class CookieSecretFileTests(unittest.TestCase):

    def test_a_bad_secret_file_is_refused_naming_it(self):
        d = tempfile.mkdtemp(prefix="gslbd-cookies-")
        for text, needle in (("abc\n", ":1: a secret is 32 hex digits"), ("", "no secret"),
                             (None, "cannot read")):
            path = secret_file(d, text) if text is not None else os.path.join(d, "missing")
            p = subprocess.run([harness.gslbd_path(), "--listen", "127.0.0.1:1", "--roles", "dns",
                                "--cookie-secret-file", path],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--cookie-secret-file: " + path, p.stderr)
            self.assertIn(needle, p.stderr)


if __name__ == "__main__":
    unittest.main()
