"""Remote health agents (issue: healthd, agent mode): `gslbd healthd --agent ID --report-to URL...`
probes from a vantage point without a database. It pulls its check list from a node's REST API
and pushes observations to every node it names; a node that is down does not stop it reporting
to the others, and it catches up when the node returns.

Two gslbd nodes (dns + api roles, no in-process health role, the same document applied to each
database) and agents on loopback. The sites are loopback TCP listeners this test owns:
127.0.0.41 listens, 127.0.0.42 does not (connection refused) until a test starts it.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import gslb_util
import harness

UP_SITE = "127.0.0.41"
DOWN_SITE = "127.0.0.42"
ADMIN = "admin-token-0123456789abcdef"
READ = "read-token-0123456789abcdef"


def free_tcp_port(address="127.0.0.1"):
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class Listener:
    """A TCP site: accepts and closes (a listener that never accepts would fill its backlog
    and start dropping SYNs: probes would time out)."""

    def __init__(self, address, port):
        self.address, self.port, self.sock, self.thread = address, port, None, None

    def start(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.address, self.port))
        s.listen(64)
        self.sock = s
        self.thread = threading.Thread(target=self._accept, args=(s,), daemon=True)
        self.thread.start()

    @staticmethod
    def _accept(s):
        while True:
            try:
                c, _ = s.accept()
                c.close()
            except OSError:
                return

    def stop(self):
        if self.sock:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept
            except OSError:
                pass
            self.sock.close()
            self.thread.join(5)
            self.sock = None


def api(port, method, path, body=None, token=ADMIN):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Authorization": "Bearer " + token}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    return r.status, (json.loads(text) if text.strip() else None)


def member_view(api_port, member):
    """The member as GET /v1/services/app.agent.test/members/NAME answers it, or None."""
    try:
        status, body = api(api_port, "GET", "/v1/services/app.agent.test/members/" + member,
                           token=READ)
    except OSError:
        return None
    return body if status == 200 else None


def observation(view, agent):
    if not view:
        return None
    for o in view["observations"]:
        if o["agent"] == agent:
            return o
    return None


class AgentModeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-agents-")
        cls.site_port = free_tcp_port(UP_SITE)
        cls.up_site = Listener(UP_SITE, cls.site_port)
        cls.up_site.start()
        cls.down_site = Listener(DOWN_SITE, cls.site_port)
        doc = {
            "zones": [{"name": "agent.test",
                       "soa": {"mname": "ns1.agent.test.", "rname": "h.agent.test."},
                       "ns": ["ns1.agent.test."],
                       "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
            "checks": [{"name": "tcp", "type": "tcp", "port": cls.site_port,
                        "interval_ms": 200, "timeout_ms": 100, "rise": 1, "fall": 2}],
            "services": [{"name": "app.agent.test", "policy": "weighted", "ttl": 5,
                          "check": "tcp", "members": [
                              {"name": "a", "address": UP_SITE},
                              {"name": "b", "address": DOWN_SITE}]}],
        }
        doc_path = gslb_util.write_doc(doc, cls.tmp, "doc.json")
        cls.tokens = os.path.join(cls.tmp, "tokens")
        with open(cls.tokens, "w") as f:
            f.write("# node tokens\nadmin %s\nread %s\n" % (ADMIN, READ))
        cls.admin_file = os.path.join(cls.tmp, "admin.token")
        with open(cls.admin_file, "w") as f:
            f.write("admin %s\n" % ADMIN)
        cls.read_file = os.path.join(cls.tmp, "read.token")
        with open(cls.read_file, "w") as f:
            f.write(READ + "\n")
        cls.nodes = []
        cls.api_ports = []
        for i in range(2):
            db = os.path.join(cls.tmp, "node%d.db" % i)
            p = gslb_util.apply(db, doc_path)
            assert p.returncode == 0, p.transcript
            port = free_tcp_port()
            cls.api_ports.append(port)
            cls.nodes.append(cls.start_node(db, port))
        cls.agents = []
        cls.agent = cls.start_agent("eu", "eu-west", cls.admin_file)

    @classmethod
    def start_node(cls, db, api_port):
        node = harness.GslbdServer([], args=["--db", db, "--roles", "dns,api", "--api",
                                             "127.0.0.1:%d" % api_port,
                                             "--api-token-file", cls.tokens])
        node.start()
        return node

    @classmethod
    def start_agent(cls, agent_id, region, token_file, nodes=None):
        urls = ["http://127.0.0.1:%d" % p for p in (nodes or cls.api_ports)]
        cmd = [harness.gslbd_path(), "healthd", "--agent", agent_id, "--region", region,
               "--token-file", token_file, "--timeout", "500"]
        for u in urls:
            cmd += ["--report-to", u]
        log = open(os.path.join(cls.tmp, "agent-%s.log" % agent_id), "w")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=log, env=env)
        p.log_path = log.name
        p.log_file = log
        cls.agents.append(p)
        return p

    @classmethod
    def agent_log(cls, p):
        with open(p.log_path, errors="replace") as f:
            return f.read()

    @classmethod
    def tearDownClass(cls):
        problems = []
        for p in cls.agents:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    problems.append("an agent did not stop on SIGTERM")
                    p.wait(5)
            p.log_file.close()
            log = cls.agent_log(p)
            if any(m in log for m in harness.SANITIZER_MARKERS):
                problems.append("agent sanitizer report:\n" + log[-4000:])
        for n in cls.nodes:
            problems += n.stop()
        cls.up_site.stop()
        cls.down_site.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if problems:
            raise AssertionError("\n".join(problems))

    def wait_observation(self, api_port, member, accept, timeout=10.0, agent="eu"):
        elapsed, view = gslb_util.poll(lambda: member_view(api_port, member),
                                       lambda v: accept(observation(v, agent)),
                                       timeout=timeout, interval=0.1)
        self.assertIsNotNone(elapsed, "member %s on node :%d never got an acceptable %s "
                             "observation; last view: %s\nagent log:\n%s" % (
                                 member, api_port, agent, json.dumps(view, indent=1),
                                 self.agent_log(self.agent)[-3000:]))
        return observation(view, agent)

    def test_1_every_node_gets_the_agents_observations(self):
        for port in self.api_ports:
            up = self.wait_observation(port, "a", lambda o: o is not None and o["up"])
            self.assertEqual(up["region"], "eu-west")
            self.assertIsNotNone(up["rtt_us"])
            down = self.wait_observation(port, "b", lambda o: o is not None and not o["up"])
            self.assertIn("refused", down["detail"])
            status, agents = api(port, "GET", "/v1/agents", token=READ)
            self.assertEqual(status, 200)
            eu = [a for a in agents["agents"] if a["id"] == "eu"]
            self.assertEqual(len(eu), 1, agents)
            self.assertEqual(eu[0]["region"], "eu-west")

    def test_2_dns_follows_the_remote_agent(self):
        self.wait_observation(self.api_ports[0], "b", lambda o: o is not None and not o["up"])
        node = self.nodes[0]
        # The DNS role follows the database within a poll (100 ms) and a rebuild; one answer
        # naming the up site could be luck (weighted), so wait out the lag, then ask 20 times.
        time.sleep(0.5)
        for _ in range(20):
            r = gslb_util.ask(node.port, "app.agent.test")
            self.assertEqual(gslb_util.answer_addresses(r), [UP_SITE])

    def test_3_a_node_that_was_down_catches_up(self):
        self.wait_observation(self.api_ports[1], "b", lambda o: o is not None and not o["up"])
        # Node 1 goes away; the site comes up meanwhile: node 0 learns it at once.
        problems = self.nodes[1].stop()
        self.assertEqual(problems, [])
        self.down_site.start()
        try:
            self.wait_observation(self.api_ports[0], "b", lambda o: o is not None and o["up"])
            # Node 1 returns on the same API port (the agent's URL) and the same database.
            type(self).nodes[1] = self.start_node(os.path.join(self.tmp, "node1.db"),
                                                  self.api_ports[1])
            seen = self.wait_observation(self.api_ports[1], "b",
                                         lambda o: o is not None and o["up"], timeout=20)
            self.assertTrue(seen["up"])
            self.assertIn("cannot report to http://127.0.0.1:%d" % self.api_ports[1],
                          self.agent_log(self.agent))
        finally:
            self.down_site.stop()
        self.wait_observation(self.api_ports[1], "b", lambda o: o is not None and not o["up"])

    def test_4_a_read_token_cannot_report(self):
        p = self.start_agent("ro", "x", self.read_file, nodes=[self.api_ports[0]])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "403" not in self.agent_log(p):
            time.sleep(0.1)
        self.assertIn("403", self.agent_log(p))
        view = member_view(self.api_ports[0], "a")
        self.assertIsNone(observation(view, "ro"), view)
        status, agents = api(self.api_ports[0], "GET", "/v1/agents", token=READ)
        self.assertNotIn("ro", [a["id"] for a in agents["agents"]])
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 0)

    def test_5_a_killed_agent_goes_stale_and_dns_keeps_answering(self):
        p = self.start_agent("ap", "ap-south", self.admin_file, nodes=[self.api_ports[0]])
        self.wait_observation(self.api_ports[0], "a", lambda o: o is not None and o["up"],
                              agent="ap")
        p.kill()
        p.wait(5)
        o = self.wait_observation(self.api_ports[0], "a", lambda o: o is not None and o["stale"],
                                  agent="ap", timeout=5)
        self.assertGreater(o["age_ms"], 600)  # 3 intervals of 200 ms
        node = self.nodes[0]
        for _ in range(20):
            r = gslb_util.ask(node.port, "app.agent.test")
            self.assertIsNotNone(r)
            self.assertEqual(r["rcode"], 0)  # NOERROR
            self.assertTrue(gslb_util.answer_addresses(r))

    def test_7_a_failing_reference_withholds_observations(self):
        ref = Listener("127.0.0.43", self.site_port)  # not listening yet: refused
        cmd = [harness.gslbd_path(), "healthd", "--agent", "rf", "--region", "ref",
               "--token-file", self.admin_file, "--timeout", "500",
               "--report-to", "http://127.0.0.1:%d" % self.api_ports[0],
               "--reference", "tcp:127.0.0.43:%d" % self.site_port]
        log = open(os.path.join(self.tmp, "agent-rf2.log"), "w")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=log)
        p.log_path, p.log_file = log.name, log
        self.agents.append(p)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "reference target" not in self.agent_log(p):
            time.sleep(0.1)
        self.assertIn("reference target tcp:127.0.0.43", self.agent_log(p))
        self.assertIsNone(observation(member_view(self.api_ports[0], "a"), "rf"))
        ref.start()
        try:
            self.wait_observation(self.api_ports[0], "a", lambda o: o is not None and o["up"],
                                  agent="rf", timeout=10)
        finally:
            ref.stop()

    def test_6_bad_usage_is_refused(self):
        for args, needle in (
                (["--agent", "x"], "--report-to"),
                (["--agent", "x", "--report-to", "https://127.0.0.1:1", "--ca-file",
                  os.path.join(self.tmp, "missing-ca.pem")], "cannot read"),
                (["--agent", "x", "--report-to", "ftp://127.0.0.1:1"], "expected http://"),
                (["--agent", "x", "--report-to", "http://127.0.0.1:99999"], "bad port"),
                (["--agent", "x", "--report-to", "http://127.0.0.1:1",
                  "--token-file", os.path.join(self.tmp, "missing")], "cannot read"),
                (["--bogus", "1"], "unknown option"),
                (["--agent", "x", "--report-to", "http://127.0.0.1:1", "--reference",
                  "tcp:127.0.0.1"], "tcp needs a port")):
            p = subprocess.run([harness.gslbd_path(), "healthd"] + args, capture_output=True,
                               text=True, timeout=10)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn(needle, p.stderr, args)


class ReportToChecks(unittest.TestCase):
    """What `--report-to` set-ups are refused at argument validation, before any connection
    (exit 2): plain http:// off loopback without --report-plain-http (the token and the
    observations would travel in clear), --ca-file with no https:// node; and the warning per
    http:// node beside an https:// one. Nothing here sends a packet off loopback: the one
    case that names a TEST-NET address runs in a network namespace of its own with only a
    loopback interface (unshare -rn), traced for connect() calls."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gslbd-reportto-")
        self.token = os.path.join(self.tmp, "token")
        with open(self.token, "w") as f:
            f.write(ADMIN + "\n")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def healthd(self, *args, prefix=()):
        cmd = list(prefix) + [harness.gslbd_path(), "healthd", "--agent", "x",
                              "--token-file", self.token] + list(args)
        env = dict(os.environ)
        if prefix:
            # LeakSanitizer cannot run under ptrace (strace): in the sanitized build it would
            # turn the refusal's exit 2 into its own fatal error. ASan itself stays on.
            env["ASAN_OPTIONS"] = ":".join(
                o for o in (env.get("ASAN_OPTIONS", ""), "detect_leaks=0") if o)
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20, env=env)
        return p, time.monotonic() - t0

    def test_plain_http_off_loopback_is_refused_before_any_connection(self):
        if shutil.which("unshare") is None or shutil.which("strace") is None or subprocess.run(
                ["unshare", "-rn", "true"], capture_output=True).returncode != 0:
            self.skipTest("needs unshare -rn (a network namespace) and strace")
        trace = os.path.join(self.tmp, "trace")
        p, took = self.healthd("--report-to", "http://192.0.2.1:8080",
                               prefix=["unshare", "-rn", "strace", "-f", "-qq", "-e",
                                       "trace=connect,socket", "-o", trace])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("gslbd healthd: --report-to http://192.0.2.1:8080 is not a loopback "
                      "address and would carry the token and the observations in clear",
                      p.stderr)
        self.assertIn("--report-plain-http", p.stderr)
        self.assertLess(took, 5.0)
        with open(trace) as f:
            calls = f.read()
        self.assertNotIn("connect(", calls)
        self.assertNotIn("AF_INET", calls, "a socket was opened before the refusal")

    def test_refusals_at_argument_validation(self):
        anywhere = "http://0.0.0.0:%d" % free_tcp_port()
        plain = "http://127.0.0.1:%d" % free_tcp_port()
        for args, needle in (
                # 0.0.0.0 is this host on Linux: a regression would connect locally, not off it.
                (["--report-to", anywhere], "--report-to %s is not a loopback address" % anywhere),
                (["--report-to", plain, "--report-to", "http://ns1.example.test:8053"],
                 "--report-to http://ns1.example.test:8053 is not a loopback address"),
                (["--report-to", plain, "--ca-file", os.path.join(self.tmp, "ca.pem")],
                 "--ca-file applies only to https:// nodes; %s is plain HTTP" % plain)):
            p, took = self.healthd(*args)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn("gslbd healthd: " + needle, p.stderr, args)
            self.assertLess(took, 5.0)

    def listen(self):
        """A loopback TCP listener that answers nothing; (socket, port)."""
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        self.addCleanup(s.close)
        return s, s.getsockname()[1]

    def run_briefly(self, args, until):
        """Starts the agent, waits (10 s at most) for `until` in its log, stops it (SIGTERM);
        returns (exit code, log)."""
        log_path = os.path.join(self.tmp, "agent.log")
        with open(log_path, "w") as log:
            p = subprocess.Popen([harness.gslbd_path(), "healthd", "--agent", "x",
                                  "--token-file", self.token] + args,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 10
            text = ""
            while time.monotonic() < deadline and until not in text and p.poll() is None:
                time.sleep(0.1)
                with open(log_path, errors="replace") as f:
                    text = f.read()
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            code = p.wait(10)
        with open(log_path, errors="replace") as f:
            return code, f.read()

    def test_plain_http_asked_for_by_name_and_a_ca_file_beside_http(self):
        if shutil.which("openssl") is None:
            self.skipTest("the openssl command line tool is not installed")
        ca = os.path.join(self.tmp, "ca.pem")
        made = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", os.path.join(self.tmp, "ca.key"), "-out", ca, "-days", "2",
             "-subj", "/CN=gslbd test CA"], capture_output=True, text=True, timeout=60)
        self.assertEqual(made.returncode, 0, made.stderr)
        _, https_port = self.listen()
        _, http_port = self.listen()
        plain = "http://127.0.0.1:%d" % http_port
        code, log = self.run_briefly(["--report-to", "https://127.0.0.1:%d" % https_port,
                                      "--report-to", plain, "--ca-file", ca], "reporting to")
        self.assertEqual(code, 0, log)
        self.assertIn("gslbd healthd: warning: --ca-file does not apply to %s: it is plain "
                      "HTTP" % plain, log)
        self.assertNotIn("does not apply to https://", log)
        # --report-plain-http lets an address off loopback through: 0.0.0.0 (this host on
        # Linux, so the connection attempt stays here; nothing listens: refused).
        port = free_tcp_port()
        code, log = self.run_briefly(["--report-plain-http", "--report-to",
                                      "http://0.0.0.0:%d" % port],
                                     "cannot pull the check list from http://0.0.0.0:%d" % port)
        self.assertEqual(code, 0, log)
        self.assertIn("reporting to http://0.0.0.0:%d" % port, log)
        self.assertIn("cannot pull the check list from http://0.0.0.0:%d" % port, log)


if __name__ == "__main__":
    unittest.main()
