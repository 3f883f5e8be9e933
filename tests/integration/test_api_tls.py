"""HTTPS on the REST API (issue 14, "The API, locked down"): `gslbd --api-tls-cert FILE
--api-tls-key FILE` against a throwaway CA made with the openssl command line in a temp dir
(two server certificates for 127.0.0.1 and localhost, serials 1001 and 1002, a second CA that
signed nothing of ours).

One gslbd (dns + api roles, a token file) serves HTTPS on 127.0.0.1; the tests check that
* reads and writes work over HTTPS with a token, verified against the CA and the address;
  without the CA, or under another name, the client refuses the certificate;
* plain HTTP to the TLS port gets no HTTP answer, in clear or otherwise;
* a client that stalls its TLS handshake is dropped within the header deadline (10 s) while
  others are served;
* SIGHUP with a new pair: new connections get the new certificate, a kept-alive connection
  keeps working on the old one; SIGHUP with a broken certificate or a key of another one: one
  log line naming the file, the old pair still served;
* start-up with a missing, broken or mismatched file fails, naming the file and the reason;
* `--api 0.0.0.0:PORT` without TLS refuses to start (the message names --api-tls-cert and
  --api-plain-http); with --api-plain-http, or with TLS, it starts (reached via 127.0.0.1 only);
* gslbctl against https with --ca-file (or GSLBCTL_CA_FILE) works, without it fails naming the
  certificate problem;
* an agent (`gslbd healthd --report-to https://... --ca-file CA`) reports to the https node;
  without the CA it logs the certificate problem and reports nothing.

All traffic goes to 127.0.0.1; every wait is bounded.
"""

import hashlib
import http.client
import json
import os
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import gslb_util
import harness
import test_agent_mode

ADMIN = "admin-token-0123456789abcdef"
READ = "read-token-0123456789abcdef"
APP = "app.tls.test"
HEADER_TIMEOUT = 10.0  # HttpLimits::header_timeout (api/http_server.h)


def openssl(cwd, *args):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed:\n%s" % (" ".join(args), p.stderr))


class Pki:
    """A CA and the server certificates it issues, as PEM files in `directory`."""

    EXT = ("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
           "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")

    def __init__(self, directory, name):
        self.dir, self.name = directory, name
        self.ca = os.path.join(directory, name + "-ca.pem")
        self.ca_key = os.path.join(directory, name + "-ca.key")
        openssl(directory, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.ca_key, "-out", self.ca,
                "-days", "2", "-subj", "/CN=gslbd test CA " + name)
        self.ext = os.path.join(directory, name + "-ext.cnf")
        with open(self.ext, "w") as f:
            f.write(self.EXT)

    def issue(self, label, serial):
        """(cert, key) paths of a new server certificate for 127.0.0.1 and localhost."""
        cert = os.path.join(self.dir, label + ".pem")
        key = os.path.join(self.dir, label + ".key")
        csr = os.path.join(self.dir, label + ".csr")
        openssl(self.dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
        openssl(self.dir, "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key,
                "-set_serial", str(serial), "-days", "2", "-extfile", self.ext, "-out", cert)
        return cert, key


def fingerprint_of_file(pem_path):
    with open(pem_path) as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


def fingerprint_of(conn):
    return hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest()


def replace_file(src, dst):
    """dst becomes a copy of src in one rename: the server never reads half a file."""
    tmp = dst + ".new"
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def write_file(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def read_to_close(sock, timeout):
    """(closed, data): whether the peer closed (EOF or reset) within `timeout`, and what it sent
    before."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, data
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return False, data
        except (ConnectionResetError, BrokenPipeError):
            return True, data
        if not chunk:
            return True, data
        data += chunk


def poll_until(fn, accept, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if accept(last):
            return True, last
        time.sleep(interval)
    return False, last


def run_refused(args, tmp, timeout=15):
    """Runs gslbd expecting it to refuse to start; returns (returncode, stderr)."""
    run_dir = tempfile.mkdtemp(prefix="refuse-", dir=tmp)
    cmd = [harness.gslbd_path(), "--listen", "%s:%d" % (harness.HOST, harness.free_port()),
           "--threads", "1", "--db", os.path.join(run_dir, "gslb.db"), "--roles", "dns,api"]
    cmd += list(args)
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("gslbd did not refuse to start within %d s: %s"
                             % (timeout, " ".join(cmd)))
    return p.returncode, p.stderr


class ApiTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise unittest.SkipTest("the openssl command line tool is not installed")
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-apitls-")
        cls.server = None
        cls.site = None
        cls.agents = []
        try:
            cls.pki = Pki(cls.tmp, "test")
            cls.other = Pki(cls.tmp, "other")  # trusted by nobody's server
            cls.pair_a = cls.pki.issue("server-a", 1001)
            cls.pair_b = cls.pki.issue("server-b", 1002)
            cls.fp = {"a": fingerprint_of_file(cls.pair_a[0]),
                      "b": fingerprint_of_file(cls.pair_b[0])}
            # The files gslbd is told about; tests replace their contents.
            cls.cert = os.path.join(cls.tmp, "api.pem")
            cls.key = os.path.join(cls.tmp, "api.key")
            cls.serve_pair("a")
            cls.tokens = os.path.join(cls.tmp, "tokens")
            with open(cls.tokens, "w") as f:
                f.write("admin %s\nread %s\n" % (ADMIN, READ))
            cls.admin_file = os.path.join(cls.tmp, "admin.token")
            with open(cls.admin_file, "w") as f:
                f.write("admin %s\n" % ADMIN)
            cls.site_port = test_agent_mode.free_tcp_port()
            cls.site = test_agent_mode.Listener(harness.HOST, cls.site_port)
            cls.site.start()
            doc = {
                "zones": [{"name": "tls.test",
                           "soa": {"mname": "ns1.tls.test.", "rname": "h.tls.test."},
                           "ns": ["ns1.tls.test."],
                           "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
                "checks": [{"name": "tcp", "type": "tcp", "port": cls.site_port,
                            "interval_ms": 200, "timeout_ms": 100, "rise": 1, "fall": 2}],
                "services": [{"name": APP, "policy": "weighted", "ttl": 5, "check": "tcp",
                              "members": [{"name": "a", "address": harness.HOST}]}],
            }
            cls.db = os.path.join(cls.tmp, "gslb.db")
            p = gslb_util.apply(cls.db, gslb_util.write_doc(doc, cls.tmp, "doc.json"))
            if p.returncode != 0:
                raise RuntimeError(p.transcript)
            cls.server, cls.api_port = cls.start_api(
                lambda port: ["--api", "%s:%d" % (harness.HOST, port)] + cls.tls_args(),
                cls.db, tls=True)
        except BaseException:
            cls.cleanup()
            raise

    @classmethod
    def tls_args(cls):
        return ["--api-token-file", cls.tokens, "--api-tls-cert", cls.cert,
                "--api-tls-key", cls.key]

    @classmethod
    def serve_pair(cls, which):
        cert, key = cls.pair_a if which == "a" else cls.pair_b
        replace_file(cert, cls.cert)
        replace_file(key, cls.key)
        cls.serving = which

    @classmethod
    def start_api(cls, api_args, db, tls):
        """A gslbd whose API answers /healthz (over HTTPS when tls) on 127.0.0.1; a few tries,
        each on a new port. Returns (server, api port)."""
        last = ""
        for _ in range(4):
            port = test_agent_mode.free_tcp_port()
            server = harness.GslbdServer((), ["--db", db, "--roles", "dns,api"] + api_args(port))
            try:
                server.start()
            except RuntimeError as e:
                last = str(e)
                server.stop()
                continue
            ok, r = poll_until(lambda: cls.healthz(port, tls), lambda s: s == 200, timeout=10)
            if ok:
                return server, port
            last = "no /healthz answer (%r):\n%s" % (r, server.stderr_text())
            server.stop()
        raise RuntimeError("gslbd did not start: " + last)

    @classmethod
    def healthz(cls, port, tls):
        try:
            if tls:
                conn = http.client.HTTPSConnection(harness.HOST, port, timeout=2,
                                                   context=cls.context())
            else:
                conn = http.client.HTTPConnection(harness.HOST, port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                return conn.getresponse().status
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as e:
            return repr(e)

    @classmethod
    def context(cls, cafile=None):
        return ssl.create_default_context(cafile=cafile or cls.pki.ca)

    @classmethod
    def cleanup(cls):
        problems = []
        for p in cls.agents:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
                    problems.append("an agent did not stop on SIGTERM")
            p.log_file.close()
            with open(p.log_path, errors="replace") as f:
                log = f.read()
            if any(m in log for m in harness.SANITIZER_MARKERS):
                problems.append("agent sanitizer report:\n" + log[-4000:])
        if cls.server is not None:
            problems += cls.server.stop()
        if cls.site is not None:
            cls.site.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        return problems

    @classmethod
    def tearDownClass(cls):
        problems = cls.cleanup()
        if problems:
            raise AssertionError("\n".join(problems))

    # Conveniences ---------------------------------------------------------------------------
    def connect(self, **kw):
        return http.client.HTTPSConnection(harness.HOST, self.api_port, timeout=10,
                                           context=kw.pop("context", None) or self.context(),
                                           **kw)

    def request(self, method, target, body=None, token=READ, conn=None):
        own = conn is None
        conn = conn or self.connect()
        headers = {"Authorization": "Bearer " + token} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, target, body=data, headers=headers)
            r = conn.getresponse()
            text = r.read()
            return r.status, (json.loads(text) if text.strip() else None)
        finally:
            if own:
                conn.close()

    def served_fingerprint(self):
        conn = self.connect()
        try:
            conn.connect()
            return fingerprint_of(conn)
        finally:
            conn.close()

    def log_lines(self, needle):
        return [line for line in self.server.stderr_text().splitlines() if needle in line]

    def handshake_error(self, context, server_hostname=harness.HOST):
        """The exception a TLS handshake with `context` raises, or None."""
        with socket.create_connection((harness.HOST, self.api_port), timeout=5) as raw:
            try:
                with context.wrap_socket(raw, server_hostname=server_hostname):
                    return None
            except (ssl.SSLError, ssl.CertificateError) as e:
                return e

    # Tests ----------------------------------------------------------------------------------
    def test_1_https_reads_and_writes_with_a_token(self):
        member = "/v1/services/%s/members/a" % APP
        status, body = self.request("GET", member)
        self.assertEqual((status, body["weight"]), (200, 1), body)
        status, body = self.request("PATCH", member, {"weight": 5}, token=ADMIN)
        self.assertEqual((status, body["weight"]), (200, 5), body)
        status, body = self.request("PUT", member, {"name": "a", "address": harness.HOST,
                                                    "weight": 1}, token=ADMIN)
        self.assertEqual((status, body["weight"]), (200, 1), body)
        self.assertEqual(self.request("PATCH", member, {"weight": 9}, token=None)[0], 401)
        self.assertEqual(self.request("PATCH", member, {"weight": 9}, token=READ)[0], 403)
        self.assertEqual(self.request("GET", member)[1]["weight"], 1)
        # Several requests on one connection.
        conn = self.connect()
        try:
            for _ in range(3):
                self.assertEqual(self.request("GET", "/healthz", conn=conn)[0], 200)
        finally:
            conn.close()

    def test_2_the_certificate_is_checked_by_clients(self):
        self.assertIsNone(self.handshake_error(self.context()))
        self.assertIsNone(self.handshake_error(self.context(), server_hostname="localhost"))
        for label, ctx, name in (
                ("the system store", ssl.create_default_context(), harness.HOST),
                ("another CA", self.context(self.other.ca), harness.HOST),
                ("another name", self.context(), "gslb.example.net")):
            with self.subTest(label):
                e = self.handshake_error(ctx, name)
                self.assertIsInstance(e, ssl.SSLCertVerificationError, repr(e))
        # TLS 1.2 and 1.3 only.
        old = self.context()
        old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        old.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection((harness.HOST, self.api_port), timeout=5) as raw:
            with old.wrap_socket(raw, server_hostname=harness.HOST) as s:
                self.assertEqual(s.version(), "TLSv1.2")

    def test_3_plain_http_to_the_tls_port_gets_no_http_answer(self):
        for request in (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                        b"GET /v1/config HTTP/1.0\r\n\r\n"):
            with self.subTest(request=request):
                with socket.create_connection((harness.HOST, self.api_port), timeout=5) as s:
                    s.sendall(request)
                    closed, data = read_to_close(s, 5)
                self.assertTrue(closed, "the server kept a plain HTTP connection open")
                self.assertFalse(data.startswith(b"HTTP/"), data[:200])
                self.assertNotIn(b"status", data)
                self.assertNotIn(b"zones", data)
                # Nothing, or a TLS alert record.
                self.assertTrue(data == b"" or data[0] == 0x15, data[:50])
        self.assertEqual(self.request("GET", "/healthz")[0], 200)

    def test_4_a_stalled_handshake_is_dropped_within_the_header_deadline(self):
        silent = socket.create_connection((harness.HOST, self.api_port), timeout=5)
        partial = socket.create_connection((harness.HOST, self.api_port), timeout=5)
        # A TLS record header announcing a 200-octet ClientHello, then its first octet.
        partial.sendall(b"\x16\x03\x01\x00\xc8\x01")
        t0 = time.monotonic()
        closed = {}
        served = 0
        try:
            for s in (silent, partial):
                s.setblocking(False)
            while time.monotonic() - t0 < HEADER_TIMEOUT + 5 and len(closed) < 2:
                for name, s in (("silent", silent), ("partial", partial)):
                    if name in closed:
                        continue
                    readable, _, _ = select.select([s], [], [], 0)
                    if readable:
                        try:
                            gone = not s.recv(65536)
                        except (ConnectionResetError, BrokenPipeError):
                            gone = True
                        except BlockingIOError:
                            gone = False
                        if gone:
                            closed[name] = time.monotonic() - t0
                self.assertEqual(self.request("GET", "/healthz")[0], 200)
                served += 1
                time.sleep(0.2)
        finally:
            silent.close()
            partial.close()
        sys.stderr.write("\n%s: stalled handshakes closed after %s; %d requests served "
                         "meanwhile\n" % (type(self).__name__,
                                          {k: "%.1f s" % v for k, v in closed.items()}, served))
        for name in ("silent", "partial"):
            self.assertIn(name, closed, "a %s handshake was not dropped within %.0f s"
                          % (name, HEADER_TIMEOUT + 5))
            self.assertGreaterEqual(closed[name], HEADER_TIMEOUT - 1.5,
                                    "%s dropped before the header deadline" % name)
            self.assertLessEqual(closed[name], HEADER_TIMEOUT + 3)
        self.assertGreaterEqual(served, 20)

    def test_5_sighup_new_pair_for_new_connections_old_ones_keep_theirs(self):
        old = "a" if self.serving == "a" else "b"
        new = "b" if old == "a" else "a"
        self.assertEqual(self.served_fingerprint(), self.fp[old])
        kept = self.connect()
        try:
            self.assertEqual(self.request("GET", "/healthz", conn=kept)[0], 200)
            kept_sock = kept.sock
            self.assertEqual(fingerprint_of(kept), self.fp[old])
            reloads = len(self.log_lines("TLS certificate and key reloaded"))
            type(self).serve_pair(new)
            self.server.signal(signal.SIGHUP)
            ok, fp = poll_until(self.served_fingerprint, lambda f: f == self.fp[new], timeout=5)
            self.assertTrue(ok, "new connections still get the old certificate after SIGHUP")
            ok, _ = poll_until(lambda: len(self.log_lines("TLS certificate and key reloaded")),
                               lambda n: n == reloads + 1, timeout=5)
            self.assertTrue(ok, self.server.stderr_text()[-2000:])
            # The connection from before the reload: the same socket, the old certificate.
            for _ in range(3):
                self.assertEqual(self.request("GET", "/v1/zones", conn=kept)[0], 200)
            self.assertIs(kept.sock, kept_sock, "the kept-alive connection was closed")
            self.assertEqual(fingerprint_of(kept), self.fp[old])
        finally:
            kept.close()
        self.assertEqual(self.request("GET", "/healthz")[0], 200)

    def test_6_a_bad_pair_on_sighup_keeps_the_old_one_with_one_log_line(self):
        serving = self.served_fingerprint()
        good_cert, good_key = self.pair_a if self.serving == "a" else self.pair_b
        other_key = self.pair_b[1] if self.serving == "a" else self.pair_a[1]
        try:
            for label, cert_text, key_from, needle in (
                    ("a broken certificate", "-----BEGIN CERTIFICATE-----\nnonsense\n", good_key,
                     "--api-tls-cert " + self.cert),
                    ("the key of another certificate", None, other_key,
                     "--api-tls-key " + self.key)):
                with self.subTest(label):
                    if cert_text is None:
                        replace_file(good_cert, self.cert)
                    else:
                        write_file(self.cert, cert_text)
                    replace_file(key_from, self.key)
                    before = len(self.log_lines(needle))
                    self.server.signal(signal.SIGHUP)
                    ok, lines = poll_until(lambda: self.log_lines(needle),
                                           lambda ls: len(ls) > before, timeout=5)
                    self.assertTrue(ok, "no log line naming %s:\n%s"
                                    % (needle, self.server.stderr_text()[-2000:]))
                    time.sleep(0.3)  # a second line would have come by now
                    lines = self.log_lines(needle)
                    self.assertEqual(len(lines), before + 1, lines)
                    self.assertIn("previous certificate stays in use", lines[-1])
                    self.assertEqual(self.served_fingerprint(), serving)
                    self.assertEqual(self.request("GET", "/healthz")[0], 200)
            self.assertIn("does not match", self.log_lines("--api-tls-key " + self.key)[-1])
        finally:
            type(self).serve_pair(self.serving)
        self.assertTrue(self.server.alive())

    def test_7_startup_refuses_files_that_do_not_load(self):
        cert_a, key_a = self.pair_a
        key_b = self.pair_b[1]
        garbage = os.path.join(self.tmp, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("this is not PEM\n")
        missing = os.path.join(self.tmp, "missing.key")
        api = ["--api", "%s:%d" % (harness.HOST, harness.free_port()),
               "--api-token-file", self.tokens]
        for label, args, needles in (
                ("missing key", ["--api-tls-cert", cert_a, "--api-tls-key", missing],
                 ["--api-tls-key " + missing, "No such file or directory"]),
                ("mismatched key", ["--api-tls-cert", cert_a, "--api-tls-key", key_b],
                 ["--api-tls-key " + key_b, "does not match the certificate in " + cert_a,
                  "key values mismatch"]),
                ("certificate not PEM", ["--api-tls-cert", garbage, "--api-tls-key", key_a],
                 ["--api-tls-cert " + garbage, "no start line"]),
                ("a key given as the certificate", ["--api-tls-cert", key_a,
                                                    "--api-tls-key", key_a],
                 ["--api-tls-cert " + key_a]),
                ("certificate without key", ["--api-tls-cert", cert_a], ["--api-tls-key"]),
                ("key without certificate", ["--api-tls-key", key_a], ["--api-tls-cert"]),
                ("TLS and --api-plain-http", ["--api-tls-cert", cert_a, "--api-tls-key", key_a,
                                              "--api-plain-http"], ["--api-plain-http"])):
            with self.subTest(label):
                code, err = run_refused(api + args, self.tmp)
                self.assertNotEqual(code, 0, err)
                for needle in needles:
                    self.assertIn(needle, err)
                self.assertEqual([m for m in harness.SANITIZER_MARKERS if m in err], [], err)

    def test_8_off_loopback_plain_http_must_be_asked_for(self):
        code, err = run_refused(["--api", "0.0.0.0:%d" % harness.free_port(),
                                 "--api-token-file", self.tokens], self.tmp)
        self.assertNotEqual(code, 0, err)
        for needle in ("0.0.0.0", "plain HTTP", "--api-tls-cert", "--api-tls-key",
                       "--api-plain-http"):
            self.assertIn(needle, err)
        for label, extra, tls in (("--api-plain-http", ["--api-plain-http"], False),
                                  ("TLS", ["--api-tls-cert", self.cert, "--api-tls-key",
                                           self.key], True)):
            with self.subTest(label):
                db = os.path.join(self.tmp, "wild-%s.db" % ("tls" if tls else "plain"))
                shutil.copyfile(self.db, db)
                server, port = self.start_api(
                    lambda p: ["--api", "0.0.0.0:%d" % p, "--api-token-file", self.tokens]
                    + extra, db, tls=tls)
                try:
                    # Reached through loopback only.
                    self.assertEqual(self.healthz(port, tls), 200)
                    self.assertNotEqual(self.healthz(port, not tls), 200)
                finally:
                    problems = server.stop()
                self.assertEqual(problems, [])

    def gslbctl(self, *args, env=None):
        cmd = [harness.gslbctl_path()] + list(args)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GSLBCTL_")}
        full_env.update(env or {})
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=full_env)
        p.transcript = "$ %s\n[exit %d]\n%s%s" % (" ".join(cmd), p.returncode, p.stdout,
                                                   p.stderr)
        self.assertEqual([m for m in harness.SANITIZER_MARKERS if m in p.stderr], [],
                         p.transcript)
        return p

    def test_9_gslbctl_over_https(self):
        url = "https://%s:%d" % (harness.HOST, self.api_port)
        common = ["--server", url, "--token-file", self.admin_file]
        p = self.gslbctl(*common, "--ca-file", self.pki.ca, "-o", "json", "get", "services")
        self.assertEqual(p.returncode, 0, p.transcript)
        self.assertEqual([s["name"] for s in json.loads(p.stdout)["services"]], [APP])
        p = self.gslbctl(*common, "--ca-file", self.pki.ca, "set-weight", APP, "a", "3")
        self.assertEqual(p.returncode, 0, p.transcript)
        self.assertEqual(self.request("GET", "/v1/services/%s/members/a" % APP)[1]["weight"], 3)
        p = self.gslbctl("--server", "https://localhost:%d" % self.api_port, "--token-file",
                         self.admin_file, "set-weight", APP, "a", "1",
                         env={"GSLBCTL_CA_FILE": self.pki.ca})
        self.assertEqual(p.returncode, 0, p.transcript)
        self.assertEqual(self.request("GET", "/v1/services/%s/members/a" % APP)[1]["weight"], 1)
        for label, extra in (("no CA: the system store", []),
                             ("another CA", ["--ca-file", self.other.ca])):
            with self.subTest(label):
                p = self.gslbctl(*common, *extra, "get", "zones")
                self.assertEqual(p.returncode, 3, p.transcript)  # no answer: 3 (gslbctl(1))
                self.assertIn("TLS handshake failed: certificate verify failed", p.stderr)
                self.assertIn(url, p.stderr)
                self.assertEqual(p.stdout, "")
        p = self.gslbctl(*common, "get", "zones")
        self.assertIn("--ca-file", p.stderr, "the message says how to fix it")
        # http:// to the https port is an error, not an answer.
        p = self.gslbctl("--server", "http://%s:%d" % (harness.HOST, self.api_port),
                         "--token-file", self.admin_file, "get", "zones")
        self.assertEqual(p.returncode, 3, p.transcript)
        self.assertIn("https://", p.stderr, "the message suggests https")

    def start_agent(self, agent_id, extra):
        cmd = [harness.gslbd_path(), "healthd", "--agent", agent_id, "--region", "tls",
               "--token-file", self.admin_file, "--timeout", "1000",
               "--report-to", "https://%s:%d" % (harness.HOST, self.api_port)] + extra
        log_path = os.path.join(self.tmp, "agent-%s.log" % agent_id)
        log = open(log_path, "w")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=log, env=env)
        p.log_path, p.log_file = log_path, log
        type(self).agents.append(p)
        return p

    def agent_log(self, p):
        with open(p.log_path, errors="replace") as f:
            return f.read()

    def observation(self, agent):
        status, view = self.request("GET", "/v1/services/%s/members/a" % APP)
        if status != 200:
            return None
        return next((o for o in view["observations"] if o["agent"] == agent), None)

    def test_agent_reports_to_an_https_node(self):
        trusting = self.start_agent("tls-agent", ["--ca-file", self.pki.ca])
        doubting = self.start_agent("no-ca-agent", [])
        ok, obs = poll_until(lambda: self.observation("tls-agent"),
                             lambda o: o is not None and o["up"], timeout=10, interval=0.2)
        self.assertTrue(ok, "no observation from the agent over https:\n"
                        + self.agent_log(trusting)[-3000:])
        ok, _ = poll_until(lambda: self.agent_log(doubting),
                           lambda t: "certificate verify failed" in t, timeout=10,
                           interval=0.2)
        self.assertTrue(ok, "the agent without the CA did not say why:\n"
                        + self.agent_log(doubting)[-3000:])
        self.assertIsNone(self.observation("no-ca-agent"))
        self.assertIsNone(trusting.poll(), self.agent_log(trusting)[-3000:])


if __name__ == "__main__":
    unittest.main()
