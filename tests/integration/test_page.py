"""The status page (GET /, api/ui/): read without JavaScript, and driven in a real browser.

* TestPageWithoutJavaScript: plain HTTP GETs against gslbd without a token file. The page lists
  the services and members with their state, escapes what it shows (a member named
  `<script>...` written straight into the database, a hostile probe detail and region), sends
  its CSP, and the explain form's GET target renders the answer; the static files carry an ETag
  and answer 304. Then headless Chromium loads the page (--dump-dom with a virtual time budget,
  so ui.js has run and added its buttons) and takes a screenshot (--screenshot), kept as an
  artefact.
* TestPageTokens: with --api-token-file the page needs a read token like the GETs it shows: no
  token gets the 401 shell without any data in it, an agent token 403; read and admin tokens see
  the page; the static files stay open.
* TestPageInChromium: Chromium with its DevTools protocol on a loopback port (a minimal WebSocket
  client below, stdlib only). The token is typed into the page (kept in sessionStorage); a
  member marked down in the database shows on the page within 2 s without a reload; a read
  token's drain click is refused on the page; the admin token's drain click (a real mouse click)
  takes the member out of the DNS answers.

Chromium is told not to reach the network (no background services, a dead proxy for anything
but 127.0.0.1). Without Chromium the browser tests skip, saying so; the HTTP ones still run.
Screenshots go to $GSLBD_ARTIFACTS, else tests/integration/artifacts/ (git-ignored); the paths
are printed.
"""

import base64
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from gslb_util import Db, answer_addresses, apply, ask, poll, write_doc  # noqa: E402

SERVICE = "app.page.test"
HOSTILE = '<script>alert("m3")</script>'
HOSTILE_DETAIL = '<img src=x onerror="alert(1)">'
ADMIN_TOKEN = "admin-token-page-0123456789"
READ_TOKEN = "read-token-page-0123456789"
AGENT_TOKEN = "agent-token-page-0123456789"

DOC = {
    "zones": [{
        "name": "page.test", "ttl": 300,
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
        "ns": ["ns1.page.test."],
        "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}],
    }],
    # No checks: nothing is probed; the tests write the agents' observations themselves, and
    # without a check they never go stale.
    "services": [{
        "name": SERVICE, "policy": "weighted", "ttl": 30, "answers": 3,
        "members": [{"name": "m1", "address": "192.0.2.1", "region": "eu"},
                    {"name": "m2", "address": "192.0.2.2", "weight": 2},
                    {"name": "m3", "address": "192.0.2.3"}],
    }],
}


def artifacts_dir():
    path = os.environ.get("GSLBD_ARTIFACTS") or os.path.join(HERE, "artifacts")
    os.makedirs(path, exist_ok=True)
    return path


def get(port, target, token=None, headers=None, timeout=10):
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = "Bearer " + token
    conn = http.client.HTTPConnection(harness.HOST, port, timeout=timeout)
    try:
        conn.request("GET", target, headers=hdrs)
        r = conn.getresponse()
        return r.status, r.msg, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def observe_with_events(db, agent_members, up, detail=""):
    """Observations of (agent, member id) pairs and their events in one transaction, as
    Store::write_observations writes a state change (healthd's and the API's path)."""
    now = int(time.time() * 1000)
    statements = []
    for agent, member in agent_members:
        statements.append(Db.observation_sql(agent, member, up, now, detail=detail))
        statements.append(("INSERT INTO events (member_id, agent_id, old_state, new_state, "
                           "detail, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                           (member, agent, "down" if up else "up", "up" if up else "down",
                            detail, now)))
    return db.write(statements)


def prepare_db(tmp):
    """The database of DOC, with m3 renamed to HOSTILE behind the validator's back (as a damaged
    or foreign file could hold it) and observations of two agents, one of them hostile."""
    db_path = os.path.join(tmp, "gslb.db")
    r = apply(db_path, write_doc(DOC, tmp, "doc.json"))
    if r.returncode != 0:
        raise RuntimeError("apply failed:\n" + r.transcript)
    db = Db(db_path)
    ids = {m: db.member_id(SERVICE, m) for m in ("m1", "m2", "m3")}
    db.write([("UPDATE members SET name = ? WHERE id = ?", (HOSTILE, ids["m3"]))])
    db.write([("INSERT INTO agents (id, region, last_seen_ms) VALUES (?, ?, ?)",
               ("agent-b", "<b>eu</b>", int(time.time() * 1000)))])
    db.observe_many([("agent-a", ids["m1"], True), ("agent-a", ids["m2"], True),
                     ("agent-a", ids["m3"], True)])
    db.observe("agent-b", ids["m1"], True, rtt_us=1500, load=0.25, detail=HOSTILE_DETAIL)
    return db_path, db, ids


class PageServer:
    """gslbd with the dns and api roles on loopback, the API answering."""

    def __init__(self, db_path, extra=()):
        self.db_path, self.extra = db_path, tuple(extra)
        self.server = None
        self.api_port = None

    def start(self):
        last = ""
        for _attempt in range(4):
            api_port = harness.free_port()
            server = harness.GslbdServer(
                (), ("--db", self.db_path, "--roles", "dns,api",
                     "--api", "%s:%d" % (harness.HOST, api_port)) + self.extra)
            try:
                server.start()
            except RuntimeError as e:
                last = str(e)
                server.stop()
                continue
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and server.alive():
                try:
                    if get(api_port, "/healthz", timeout=2)[0] == 200:
                        self.server, self.api_port = server, api_port
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            last = server.stderr_text()
            server.stop()
        raise RuntimeError("gslbd with the API did not start: " + last)

    def stop(self):
        return self.server.stop() if self.server else []


class PageTestCase(unittest.TestCase):
    EXTRA = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-page-")
        cls.page = None
        cls.db = None
        try:
            cls.db_path, cls.db, cls.ids = prepare_db(cls.tmp)
            cls.page = PageServer(cls.db_path, cls.extra_args()).start()
            cls.api_port, cls.dns_port = cls.page.api_port, cls.page.server.port
        except BaseException:
            cls._cleanup()
            raise

    @classmethod
    def extra_args(cls):
        return cls.EXTRA

    @classmethod
    def _cleanup(cls):
        problems = []
        try:
            if cls.page:
                problems = cls.page.stop()
            if cls.db:
                cls.db.close()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)
        return problems

    @classmethod
    def tearDownClass(cls):
        problems = cls._cleanup()
        if problems:
            raise AssertionError("gslbd did not stop cleanly: " + "\n".join(problems))

    def assert_escaped(self, html):
        self.assertNotIn("<script>alert", html)
        self.assertNotIn("<img src=x", html)
        self.assertNotIn("<b>eu</b>", html)


# ----------------------------------------------------------------------------------------------
# Chromium
# ----------------------------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-sync", "--disable-component-update",
    "--disable-default-apps", "--disable-extensions", "--disable-domain-reliability",
    "--disable-client-side-phishing-detection", "--disable-breakpad", "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
    "InterestFeedContentSuggestions,PrivacySandboxSettings4",
    "--password-store=basic", "--mute-audio", "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
    "--window-size=1280,1100",
]


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_or_skip():
    path = chromium_path()
    if not path:
        raise unittest.SkipTest("no chromium (Debian package chromium; make test installs it)")
    return path


def run_chromium(args, timeout=60):
    profile = tempfile.mkdtemp(prefix="gslbd-chromium-")
    try:
        cmd = [chromium_or_skip()] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + args
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class DevTools:
    """Chromium with --remote-debugging-port on loopback, and one page target spoken to over
    the DevTools protocol: a minimal RFC 6455 client (text frames, masked as a client must)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="gslbd-chromium-")
        self.proc = None
        self.sock = None
        self.next_id = 0
        self.buffer = b""

    def start(self, timeout=30):
        cmd = ([chromium_or_skip()] + CHROMIUM_FLAGS +
               ["--user-data-dir=" + self.profile, "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "about:blank"])
        self.stderr = open(os.path.join(self.profile, "stderr"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr)
        # Port 0: Chromium picks one and writes it into DevToolsActivePort.
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        port = None
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with open(port_file) as f:
                    first = f.readline().strip()
                if first:
                    port = int(first)
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        if port is None:
            raise RuntimeError("chromium did not open its DevTools port:\n" + self.stderr_text())
        target = None
        while time.monotonic() < deadline and target is None:
            status, _h, text = get(port, "/json/list", timeout=5)
            pages = ([t for t in json.loads(text) if t.get("type") == "page"]
                     if status == 200 else [])
            target = pages[0]["webSocketDebuggerUrl"] if pages else None
            if target is None:
                time.sleep(0.1)
        if target is None:
            raise RuntimeError("chromium shows no page target")
        self._connect(urllib.parse.urlparse(target))
        return self

    def stderr_text(self):
        try:
            with open(os.path.join(self.profile, "stderr"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    # WebSocket ----------------------------------------------------------------------------
    def _connect(self, url):
        self.sock = socket.create_connection((url.hostname, url.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n"
                           % (url.path, url.hostname, url.port, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket handshake")
            head += chunk
        head, _sep, self.buffer = head.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("DevTools refused the WebSocket: %r" % head[:200])

    def _send_text(self, text):
        payload = text.encode()
        n = len(payload)
        header = bytes([0x81])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read(self, n, deadline):
        while len(self.buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no DevTools message in time")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def _recv_message(self, deadline):
        message = b""
        while True:
            b0, b1 = self._read(2, deadline)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2, deadline))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8, deadline))[0]
            mask = self._read(4, deadline) if b1 & 0x80 else None
            data = self._read(n, deadline)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode in (0x9, 0xA):  # ping, pong: not part of a message
                continue
            message += data
            if b0 & 0x80:
                return message.decode("utf-8", "replace")

    def call(self, method, params=None, timeout=15):
        self.next_id += 1
        mid = self.next_id
        self._send_text(json.dumps({"id": mid, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self._recv_message(deadline))
            if reply.get("id") == mid:  # events (no id) are not wanted here
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expression, r["exceptionDetails"]))
        return r["result"].get("value")

    def stop(self):
        try:
            if self.sock:
                self.sock.close()
        finally:
            if self.proc and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
            if getattr(self, "stderr", None):
                self.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# The tests
# ----------------------------------------------------------------------------------------------

class TestPageWithoutJavaScript(PageTestCase):
    EXTRA = ("--api-insecure-loopback",)

    def test_page_lists_services_members_and_state(self):
        status, headers, html = get(self.api_port, "/")
        self.assertEqual(status, 200, html[:500])
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        csp = headers.get("Content-Security-Policy", "")
        self.assertTrue(csp.startswith("default-src 'self'"), csp)
        self.assertEqual(headers.get("Cache-Control"), "no-store")
        self.assertIn('data-service="%s"' % SERVICE, html)
        for name, address in (("m1", "192.0.2.1"), ("m2", "192.0.2.2")):
            row = re.search(r'<tr class="member state-(\w+)" data-member="%s">(.*?)</tr>' % name,
                            html, re.S)
            self.assertIsNotNone(row, "no row for %s" % name)
            self.assertEqual(row.group(1), "up")
            self.assertIn(address, row.group(2))
            self.assertIn('<span class="badge up">up</span>', row.group(2))
        # Per agent, with RTT and load.
        self.assertIn("agent-b: up \u00b7 1.5 ms \u00b7 load 0.25", html)
        self.assertIn("3/3 up", html)
        # No inline script or style: the CSP would refuse them.
        self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)")
        self.assertNotIn(" style=", html)

    def test_hostile_names_are_escaped(self):
        _status, _headers, html = get(self.api_port, "/")
        self.assert_escaped(html)
        self.assertIn("&lt;script&gt;alert(&quot;m3&quot;)&lt;/script&gt;", html)
        self.assertIn("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;", html)
        self.assertIn("&lt;b&gt;eu&lt;/b&gt;", html)

    def test_a_down_member_and_a_drain_show(self):
        observe_with_events(self.db, [("agent-a", self.ids["m1"]), ("agent-b", self.ids["m1"])],
                            False, detail="connection refused")
        self.db.drain(self.ids["m2"])
        try:
            _status, _headers, html = get(self.api_port, "/")
            self.assertRegex(html, r'<tr class="member state-down" data-member="m1">')
            self.assertIn("agent-a: down", html)
            row = re.search(r'data-member="m2">(.*?)</tr>', html, re.S).group(1)
            self.assertIn('<span class="badge draining">draining</span>', row)
            self.assertRegex(row, r"draining: \d+ s left")
            self.assertIn("1/3 up", html)
            self.assertIn("agent-a", re.search(r'<div id="events">(.*?)</div>', html,
                                               re.S).group(1))
        finally:
            self.db.observe("agent-a", self.ids["m1"], True)
            self.db.observe("agent-b", self.ids["m1"], True, rtt_us=1500, load=0.25,
                            detail=HOSTILE_DETAIL)
            self.db.drain(self.ids["m2"], False)

    def test_explain_form_without_javascript(self):
        _status, _headers, html = get(self.api_port, "/")
        self.assertIn('<form id="explain-form" method="get" action="/ui/explain">', html)
        target = "/ui/explain?" + urllib.parse.urlencode(
            {"name": SERVICE, "type": "A", "client": "198.51.100.0/24"})
        status, headers, html = get(self.api_port, target)
        self.assertEqual(status, 200, html[:500])
        result = re.search(r'<div id="explain-result">(.*?)</div>\s*</section>', html, re.S)
        self.assertIsNotNone(result)
        self.assertIn('<dd class="x-rcode">NOERROR</dd>', result.group(1))
        self.assertIn("192.0.2.1", result.group(1))
        self.assertIn("from 198.51.100.0/24", result.group(1))
        self.assertIn('value="198.51.100.0/24"', html)  # the form keeps what was asked
        self.assert_escaped(html)
        # A bad question is the page with the reason, not a JSON error.
        status, headers, html = get(self.api_port, "/ui/explain?name=%s&client=nonsense" % SERVICE)
        self.assertEqual(status, 400)
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertIn('<p class="error">client:', html)
        # An emptied field is the default.
        status, _headers, html = get(self.api_port, "/ui/explain?name=%s&type=&client=" % SERVICE)
        self.assertEqual(status, 200, html[:500])

    def test_static_files_have_types_and_etags(self):
        for path, ctype in (("/ui/ui.js", "text/javascript; charset=utf-8"),
                            ("/ui/ui.css", "text/css; charset=utf-8")):
            with self.subTest(path=path):
                status, headers, text = get(self.api_port, path)
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Type"], ctype)
                self.assertEqual(headers["Cache-Control"], "no-cache")
                etag = headers["ETag"]
                self.assertRegex(etag, r'^"[0-9a-f]{16}"$')
                self.assertTrue(text)
                status, headers, text = get(self.api_port, path, headers={"If-None-Match": etag})
                self.assertEqual(status, 304)
                self.assertEqual(text, "")
        self.assertEqual(get(self.api_port, "/ui/nothing.js")[0], 404)

    def test_chromium_runs_the_script(self):
        url = "http://127.0.0.1:%d/" % self.api_port
        started = time.monotonic()
        p = run_chromium(["--virtual-time-budget=5000", "--dump-dom", url])
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        dom = p.stdout
        # ui.js ran: it said so, and it added the action buttons the server does not render.
        self.assertIn("live, updated every second", dom, dom[:3000])
        self.assertRegex(dom, r'(?s)data-member="m1">.*?<button type="button" data-action="drain"'
                              r'[^>]*>drain</button>')
        self.assertIn('data-service="%s"' % SERVICE, dom)
        self.assert_escaped(dom)
        shot = os.path.join(artifacts_dir(), "page-no-token.png")
        p = run_chromium(["--virtual-time-budget=5000", "--screenshot=" + shot, url])
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        sys.stderr.write("\nscreenshot: %s (chromium runs: %.1f s)\n"
                         % (shot, time.monotonic() - started))


class TestPageTokens(PageTestCase):
    @classmethod
    def extra_args(cls):
        path = os.path.join(cls.tmp, "tokens")
        with open(path, "w") as f:
            f.write("admin %s\nread %s\nagent %s\n" % (ADMIN_TOKEN, READ_TOKEN, AGENT_TOKEN))
        return ("--api-token-file", path)

    def assert_shell(self, status, headers, html, expected):
        self.assertEqual(status, expected, html[:500])
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertIn('data-auth="needed"', html)
        self.assertIn('<script src="/ui/ui.js" defer></script>', html)
        # Nothing a read token would be needed for.
        for secret in (SERVICE, "192.0.2.", "m1", "agent-a", "agent-b", "&lt;script"):
            self.assertNotIn(secret, html)

    def test_page_needs_a_read_token(self):
        for target in ("/", "/ui/explain?name=%s" % SERVICE):
            with self.subTest(target=target):
                status, headers, html = get(self.api_port, target)
                self.assert_shell(status, headers, html, 401)
                self.assertTrue(headers["WWW-Authenticate"].startswith("Bearer"))
                self.assertIn("read or admin token", html)
                status, headers, html = get(self.api_port, target, token="not-a-token-at-all-x")
                self.assert_shell(status, headers, html, 401)
                status, headers, html = get(self.api_port, target, token=AGENT_TOKEN)
                self.assert_shell(status, headers, html, 403)
        for token in (READ_TOKEN, ADMIN_TOKEN):
            with self.subTest(token=token[:5]):
                status, _headers, html = get(self.api_port, "/", token=token)
                self.assertEqual(status, 200)
                self.assertIn('data-auth="token"', html)
                self.assertIn('data-member="m1"', html)
                self.assert_escaped(html)

    def test_no_token_in_a_url(self):
        status, _headers, html = get(self.api_port, "/?token=" + READ_TOKEN)
        self.assert_shell(status, _headers, html, 401)

    def test_static_files_are_open(self):
        for path in ("/ui/ui.js", "/ui/ui.css"):
            with self.subTest(path=path):
                self.assertEqual(get(self.api_port, path)[0], 200)


class TestPageInChromium(TestPageTokens):
    """TestPageTokens' server, seen through Chromium's DevTools protocol."""

    @classmethod
    def setUpClass(cls):
        chromium_or_skip()
        super().setUpClass()
        cls.browser = None
        try:
            started = time.monotonic()
            cls.browser = DevTools().start()
            cls.browser.call("Page.enable")
            sys.stderr.write("\nchromium with DevTools up in %.1f s\n"
                             % (time.monotonic() - started))
        except BaseException:
            if cls.browser:
                cls.browser.stop()
            cls._cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.browser:
                cls.browser.stop()
        finally:
            super().tearDownClass()

    # The inherited HTTP tests already ran in TestPageTokens.
    test_page_needs_a_read_token = None
    test_no_token_in_a_url = None
    test_static_files_are_open = None

    def js(self, expression):
        return self.browser.evaluate(expression)

    def wait_js(self, expression, accept, timeout=5.0, t0=None):
        """Evaluates `expression` every 50 ms until accept(value); (seconds from t0, value)."""
        def value():
            try:
                return self.js(expression)
            except RuntimeError:  # between two documents: no context to evaluate in yet
                return None
        return poll(value, accept, t0=t0, timeout=timeout, interval=0.05)

    def cell(self, member, cls):
        return ("(() => { for (const tr of document.querySelectorAll('section.service "
                "tr.member')) if (tr.dataset.member === %s) { const td = tr.querySelector("
                "'td.%s'); return td ? td.textContent : null; } return null; })()"
                % (json.dumps(member), cls))

    def load_with_token(self, token):
        self.browser.call("Page.navigate", {"url": "http://127.0.0.1:%d/" % self.api_port})
        took, _v = self.wait_js("document.readyState === 'complete' && "
                                "!!document.querySelector('#token-form:not([hidden])')",
                                lambda v: v is True, timeout=10)
        self.assertIsNotNone(took, "the page with its script did not load")
        # As a user does: type the token into the page's form and submit it.
        self.js("(() => { document.querySelector('#token').value = %s; "
                "document.querySelector('#token-form').requestSubmit(); })()" % json.dumps(token))
        self.assertEqual(self.js("sessionStorage.getItem('gslbd-token')"), token)
        took, count = self.wait_js("document.querySelectorAll('section.service tr.member').length",
                                   lambda v: v == 3, timeout=5)
        self.assertIsNotNone(took, "the members did not appear (%r); page says %r" % (
            count, self.js("document.querySelector('#live').textContent")))

    def click(self, member, action):
        """A real mouse click (Input.dispatchMouseEvent) on the member's action button."""
        rect = self.js(
            "(() => { for (const tr of document.querySelectorAll('tr.member')) if "
            "(tr.dataset.member === %s) { const b = tr.querySelector('button[data-action=%s]'); "
            "b.scrollIntoView({block: 'center'}); const r = b.getBoundingClientRect(); "
            "return {x: r.x + r.width / 2, y: r.y + r.height / 2, disabled: b.disabled, "
            "label: b.textContent}; } return null; })()" % (json.dumps(member), action))
        self.assertIsNotNone(rect, "no %s button for %s" % (action, member))
        self.assertFalse(rect["disabled"])
        for kind in ("mousePressed", "mouseReleased"):
            self.browser.call("Input.dispatchMouseEvent", {
                "type": kind, "x": rect["x"], "y": rect["y"], "button": "left", "clickCount": 1})
        return rect["label"]

    def test_1_read_token_sees_and_the_screenshot(self):
        self.load_with_token(READ_TOKEN)
        self.assertIn("up", self.js(self.cell("m1", "m-state")))
        self.assertIn("agent-b: up", self.js(self.cell("m1", "m-agents")))
        self.assertEqual(self.js(self.cell(HOSTILE, "m-name")), HOSTILE)  # as text
        self.assertEqual(self.js("document.querySelectorAll('script').length"), 1)
        self.assertEqual(self.js("document.querySelector('#message').textContent"), "")
        shot = self.browser.call("Page.captureScreenshot", {"format": "png"})
        path = os.path.join(artifacts_dir(), "page-chromium.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        sys.stderr.write("\nscreenshot: %s\n" % path)

    def test_2_failover_shows_within_2_s(self):
        self.load_with_token(READ_TOKEN)
        t0 = observe_with_events(self.db, [("agent-a", self.ids["m1"]),
                                           ("agent-b", self.ids["m1"])], False)
        try:
            took, state = self.wait_js(self.cell("m1", "m-state"),
                                       lambda v: v is not None and v.startswith("down"),
                                       timeout=4, t0=t0)
            self.assertIsNotNone(took, "m1 still shows %r" % state)
            self.assertLessEqual(took, 2.0, "the page took %.2f s" % took)
            sys.stderr.write("\nfailover on the page after %.0f ms\n" % (took * 1000))
            self.assertIn("2/3 up", self.js("document.querySelector('.s-count').textContent"))
            took, events = self.wait_js("document.querySelector('#events').textContent",
                                        lambda v: "m1" in v and "down" in v, timeout=3)
            self.assertIsNotNone(took, "no event for m1 on the timeline: %r" % events)
        finally:
            self.db.observe_many([("agent-a", self.ids["m1"], True),
                                  ("agent-b", self.ids["m1"], True)])

    def test_3_drain_clicked_on_the_page_leaves_the_answers(self):
        def addresses():
            r = ask(self.dns_port, SERVICE)
            return answer_addresses(r) if r else None

        took, before = poll(addresses, lambda v: v == ["192.0.2.1", "192.0.2.2", "192.0.2.3"],
                            timeout=3)
        self.assertIsNotNone(took, "answers before the drain: %r" % before)
        # A read token sees the buttons, but the API refuses its click.
        self.load_with_token(READ_TOKEN)
        self.assertEqual(self.click("m2", "drain"), "drain")
        took, message = self.wait_js("document.querySelector('#message').textContent",
                                     lambda v: "admin token" in (v or ""), timeout=3)
        self.assertIsNotNone(took, "no refusal shown: %r" % message)
        self.assertIsNone(self.db.scalar("SELECT drained_at_ms FROM members WHERE id = ?",
                                         (self.ids["m2"],)))
        # The admin token's click drains it: gone from the answers, and the page counts down.
        self.load_with_token(ADMIN_TOKEN)
        try:
            t0 = time.monotonic()
            self.click("m2", "drain")
            took, after = poll(addresses, lambda v: v == ["192.0.2.1", "192.0.2.3"], t0=t0,
                               timeout=3)
            self.assertIsNotNone(took, "m2 still answered after the click: %r" % after)
            sys.stderr.write("\ndrain click to DNS answer: %.0f ms\n" % (took * 1000))
            took, drain = self.wait_js(self.cell("m2", "m-drain"),
                                       lambda v: bool(v) and v.startswith("draining:"), timeout=3)
            self.assertIsNotNone(took, "the page does not show the drain: %r" % drain)
            self.assertRegex(drain, r"draining: \d+ s left")
            shot = self.browser.call("Page.captureScreenshot", {"format": "png"})
            path = os.path.join(artifacts_dir(), "page-chromium-draining.png")
            with open(path, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            sys.stderr.write("screenshot: %s\n" % path)
            self.assertEqual(self.js("document.querySelector('tr.member[data-member=m2] "
                                     "button[data-action=drain]').textContent"), "undrain")
            # And undrain from the page brings it back.
            self.click("m2", "drain")
            took, back = poll(addresses, lambda v: v == ["192.0.2.1", "192.0.2.2", "192.0.2.3"],
                              timeout=3)
            self.assertIsNotNone(took, "m2 not back after undrain: %r" % back)
        finally:
            self.db.drain(self.ids["m2"], False)


if __name__ == "__main__":
    unittest.main()
