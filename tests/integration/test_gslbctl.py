"""gslbctl, the operator CLI, against a real gslbd serving DNS and the REST API on loopback.

Each server class applies DOC (below) with `gslbd apply` into a database in its own temp dir,
starts `gslbd --roles dns,api --api 127.0.0.1:PORT` on it, and runs the real gslbctl
(harness.gslbctl_path(): $GSLBCTL or build*/tools/gslbctl) against it: every `get` in both output
modes (the JSON parsed and checked against DOC), apply --dry-run then apply, drain/enable/disable
seen by DNS within 0.5 s, set-weight, explain, status, the error paths (exit 1 with the server's
message, exit 2 for bad usage) and a token file (TestGslbctlTokens). No health role runs:
observations are written to the database directly, as an agent would.
"""

import copy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

# Runnable from anywhere (python3 -m unittest tests/integration/test_gslbctl.py), not only here.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gslb_util  # noqa: E402
import harness  # noqa: E402
from gslb_util import answer_addresses, ask, poll  # noqa: E402

# DNS and the API must see a change within this long (API.md: pickup within half a second).
CHANGE_LIMIT_S = 0.5

DOC = {
    "zones": [
        {"name": "ctl.test", "ttl": 300,
         "soa": {"mname": "ns1.ctl.test.", "rname": "hostmaster.ctl.test.", "serial": 2024060101,
                 "refresh": 3600, "retry": 600, "expire": 604800, "minimum": 60},
         "ns": ["ns1.ctl.test."],
         "records": [{"name": "ns1", "type": "A", "ttl": 300, "data": "127.0.0.1"}]},
        # Relative: resolved against the document's directory (by `gslbd apply` and gslbctl).
        {"name": "files.test", "file": "files.test.zone"},
    ],
    "checks": [
        # Never probed (no health role); its interval makes observations fresh for 30 s.
        {"name": "slow", "type": "tcp", "port": 9, "interval_ms": 10000, "timeout_ms": 1000,
         "rise": 1, "fall": 1},
    ],
    "services": [
        {"name": "app.ctl.test", "policy": "weighted", "ttl": 30,
         "members": [{"name": "a", "address": "192.0.2.1", "weight": 1},
                     {"name": "b", "address": "192.0.2.2", "weight": 2},
                     {"name": "c", "address": "192.0.2.3", "weight": 1, "region": "eu"}]},
        {"name": "drain.ctl.test", "policy": "weighted", "ttl": 30, "answers": 16,
         "members": [{"name": "a", "address": "192.0.2.71"},
                     {"name": "b", "address": "192.0.2.72"},
                     {"name": "c", "address": "192.0.2.73"}]},
        {"name": "weight.ctl.test", "policy": "weighted", "ttl": 30,
         "members": [{"name": "w1", "address": "192.0.2.81", "weight": 1},
                     {"name": "w2", "address": "192.0.2.82", "weight": 3}]},
        {"name": "prio.ctl.test", "policy": "priority", "ttl": 20,
         "members": [{"name": "primary", "address": "192.0.2.91", "priority": 1},
                     {"name": "secondary", "address": "192.0.2.92", "priority": 2}]},
        {"name": "obs.ctl.test", "policy": "weighted", "ttl": 30, "answers": 16, "check": "slow",
         "members": [{"name": "x", "address": "192.0.2.101"},
                     {"name": "y", "address": "192.0.2.102"},
                     {"name": "z", "address": "192.0.2.103"}]},
        {"name": "apply.ctl.test", "policy": "weighted", "ttl": 30,
         "members": [{"name": "one", "address": "192.0.2.111"}]},
        {"name": "v6.ctl.test", "policy": "weighted", "ttl": 30,
         "members": [{"name": "six", "address": "2001:db8::7"}]},
        {"name": "app.files.test", "policy": "weighted", "ttl": 45,
         "members": [{"name": "only", "address": "192.0.2.51"}]},
    ],
}


def doc_service(doc, name):
    return next(s for s in doc["services"] if s["name"] == name)


def parse_table(text):
    """The rows of a gslbctl table (header first, columns aligned, ended by a blank line or the
    end) as dicts keyed by the header's column titles."""
    lines = text.splitlines()
    if not lines:
        return []
    header = lines[0]
    cols = [(m.group(0), m.start()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    rows = []
    for line in lines[1:]:
        if not line.strip():
            break
        row = {}
        for i, (title, start) in enumerate(cols):
            end = cols[i + 1][1] if i + 1 < len(cols) else len(line)
            row[title] = line[start:end].strip()
        rows.append(row)
    return rows


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    return path


def silent_listener():
    """A loopback TCP socket that accepts connections (backlog) and never answers."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((harness.HOST, 0))
    s.listen(8)
    return s


def run_gslbctl(args, env=None, timeout=30, cwd=None, stdin=None):
    """Runs gslbctl ARGS with no GSLBCTL_* variables but those in `env`; returns the
    CompletedProcess (text) with a .transcript."""
    cmd = [harness.gslbctl_path()] + list(args)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GSLBCTL_")}
    full_env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    full_env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    full_env.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env,
                       cwd=cwd, input=stdin)
    p.transcript = "$ %s\n[exit %d]\n--- stdout\n%s--- stderr\n%s" % (
        " ".join(cmd), p.returncode, p.stdout, p.stderr)
    return p


COMPLETION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..",
                          "tools", "gslbctl", "gslbctl.bash-completion")


def complete(words, env=None):
    """What bash completion offers for the command line `words` (the last one being typed)."""
    script = ('source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gslbctl; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(harness.gslbctl_path()) + os.pathsep + e.get("PATH", "")
    e.update(env or {})
    p = subprocess.run(["bash", "-c", script, os.path.abspath(COMPLETION), "gslbctl"] + words,
                       capture_output=True, text=True, timeout=30, env=e)
    if p.returncode != 0:
        raise AssertionError("completion failed: " + p.stderr)
    return sorted(w for w in p.stdout.splitlines() if w)


def timeless(value):
    """An API answer without the fields that change from one second to the next (ages)."""
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if not re.search(r"(^now|age)_ms$", k)}
    if isinstance(value, list):
        return [timeless(v) for v in value]
    return value


def find_service(doc, name):
    return next(svc for svc in doc["services"] if svc["name"] == name)


class _CtlAssertions:
    """Runs gslbctl and checks what every run must satisfy (no sanitizer report); failures show
    the last transcript."""

    def ctl(self, *args, **kw):
        p = run_gslbctl(args, **kw)
        self._last_tool_output = p.transcript
        reports = [m for m in harness.SANITIZER_MARKERS if m in p.stderr]
        self.assertFalse(reports, "gslbctl sanitizer report:\n" + p.transcript)
        return p

    def assert_usage_error(self, p):
        self.assertEqual(p.returncode, 2, p.transcript)
        self.assertIn("usage: gslbctl", p.stderr, p.transcript)
        self.assertEqual(p.stdout, "", p.transcript)


class GslbctlServerCase(_CtlAssertions, harness.GslbdTestCase):
    """One gslbd (dns, api) per class on DOC, applied before it starts. TOKENS (file text) turns
    on --api-token-file."""

    TOKENS = None

    @classmethod
    def setUpClass(cls):
        harness.gslbctl_path()  # skip early when there is no gslbctl
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-ctl-")
        try:
            cls.db_path = os.path.join(cls.tmp, "gslb.db")
            shutil.copy(os.path.join(gslb_util.DOC_DIR, "files.test.zone"), cls.tmp)
            cls.doc = copy.deepcopy(DOC)
            cls.doc_path = write_json(os.path.join(cls.tmp, "doc.json"), cls.doc)
            r = gslb_util.apply(cls.db_path, cls.doc_path)
            if r.returncode != 0:
                raise RuntimeError("apply failed:\n" + r.transcript)
            cls.api_port = harness.free_port()
            args = ["--db", cls.db_path, "--roles", "dns,api",
                    "--api", "%s:%d" % (harness.HOST, cls.api_port)]
            if cls.TOKENS is not None:
                cls.server_tokens = os.path.join(cls.tmp, "api-tokens")
                with open(cls.server_tokens, "w") as f:
                    f.write(cls.TOKENS)
                args += ["--api-token-file", cls.server_tokens]
            else:
                args += ["--api-insecure-loopback"]
            cls.server = harness.GslbdServer((), args).start()
            cls.port = cls.server.port
            cls.url = "http://%s:%d" % (harness.HOST, cls.api_port)
            cls._wait_api()
            cls.db = gslb_util.Db(cls.db_path)
        except BaseException:
            if getattr(cls, "server", None) is not None:
                cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def _wait_api(cls):
        deadline = time.monotonic() + 10
        last = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(cls.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError) as e:
                last = e
            time.sleep(0.05)
        raise RuntimeError("the API on %s did not answer /healthz within 10 s (%s):\n%s"
                           % (cls.url, last, cls.server.stderr_text()[-4000:]))

    @classmethod
    def tearDownClass(cls):
        try:
            cls.db.close()
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # Conveniences -------------------------------------------------------------------------
    def ctl_ok(self, *args, **kw):
        p = self.ctl("--server", self.url, *args, **kw)
        self.assertEqual(p.returncode, 0, p.transcript)
        self.assertEqual(p.stderr, "", p.transcript)
        return p

    def ctl_json(self, *args, **kw):
        p = self.ctl_ok("-o", "json", *args, **kw)
        try:
            return json.loads(p.stdout)
        except ValueError:
            self.fail("-o json printed no JSON:\n" + p.transcript)

    def ctl_fails(self, *args, **kw):
        p = self.ctl("--server", self.url, *args, **kw)
        self.assertEqual(p.returncode, 1, p.transcript)
        self.assertEqual(p.stdout, "", p.transcript)
        return p

    def api(self, method, path, body=None, token=None):
        """The raw API answer: (status, parsed JSON body or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        return status, (json.loads(raw) if raw.strip() else None)

    def expected_error(self, body):
        """What gslbctl prints for an API error body (first line)."""
        line = "gslbctl: " + body["message"]
        if body.get("field") is not None:
            line += " (field %s)" % body["field"]
        return line

    def member(self, service, name, *args):
        members = self.ctl_json("get", "members", service, *args)["members"]
        found = [m for m in members if m["name"] == name]
        self.assertEqual(len(found), 1, "member %s of %s in %r" % (name, service, members))
        return found[0]

    def observe(self):
        """Fresh observations of obs.ctl.test from two agents: x up on both (1.2 ms, 3.4 ms),
        y up on `local` only, z down on both. Returns {member: id}."""
        now = gslb_util.now_ms()
        ids = {m: self.db.member_id("obs.ctl.test", m) for m in ("x", "y", "z")}
        statements = [("INSERT INTO agents (id, region, last_seen_ms) VALUES (?, ?, ?) ON CONFLICT"
                       " (id) DO UPDATE SET region = excluded.region,"
                       " last_seen_ms = excluded.last_seen_ms", (agent, region, now))
                      for agent, region in (("local", "lab"), ("eu", "eu"))]
        statements += [
            gslb_util.Db.observation_sql("local", ids["x"], True, now, rtt_us=1200),
            gslb_util.Db.observation_sql("eu", ids["x"], True, now, rtt_us=3400),
            gslb_util.Db.observation_sql("local", ids["y"], True, now, rtt_us=800),
            gslb_util.Db.observation_sql("local", ids["z"], False, now, detail="refused"),
            gslb_util.Db.observation_sql("eu", ids["z"], False, now, detail="refused"),
        ]
        self.db.write(statements)
        return ids

    def wait_member_state(self, service, name, state, timeout=3.0):
        took, last = poll(lambda: self.member(service, name)["state"], lambda s: s == state,
                          timeout=timeout, interval=0.1)
        self.assertIsNotNone(took, "%s/%s never became %s (last %s)" % (service, name, state,
                                                                          last))


class TestGslbctl(GslbctlServerCase):
    """An open API (no token file)."""

    # get ----------------------------------------------------------------------------------
    def test_get_services_matches_the_document(self):
        got = self.ctl_json("get", "services")
        by_name = {s["name"]: s for s in got["services"]}
        self.assertEqual(sorted(by_name), sorted(s["name"] for s in self.doc["services"]))
        for want in self.doc["services"]:
            have = by_name[want["name"]]
            for key, value in want.items():
                if key == "members":
                    continue
                self.assertEqual(have.get(key), value, "%s.%s" % (want["name"], key))
            self.assertEqual(have["zone"], "files.test" if want["name"].endswith("files.test")
                             else "ctl.test")
            if "members" in have:
                self.assertEqual([m["name"] for m in have["members"]],
                                 [m["name"] for m in want["members"]])
        rows = {r["SERVICE"]: r for r in parse_table(self.ctl_ok("get", "services").stdout)}
        self.assertEqual(sorted(rows), sorted(by_name))
        self.assertEqual(rows["prio.ctl.test"]["POLICY"], "priority")
        self.assertEqual(rows["drain.ctl.test"]["ANSWERS"], "16")
        self.assertEqual(rows["obs.ctl.test"]["CHECK"], "slow")
        self.assertEqual(rows["app.files.test"]["TTL"], "45")

    def test_get_members_matches_the_document(self):
        for want in self.doc["services"]:
            with self.subTest(service=want["name"]):
                got = self.ctl_json("get", "members", want["name"])["members"]
                self.assertEqual([m["name"] for m in got], [m["name"] for m in want["members"]])
                for w, m in zip(want["members"], got):
                    for key, value in w.items():
                        self.assertEqual(m[key], value, "%s/%s.%s" % (want["name"], w["name"],
                                                                      key))
                    self.assertIn(m["state"], ("up", "down"))
        rows = parse_table(self.ctl_ok("get", "members", "app.ctl.test").stdout)
        self.assertEqual([(r["MEMBER"], r["ADDRESS"], r["WEIGHT"]) for r in rows],
                         [("a", "192.0.2.1", "1"), ("b", "192.0.2.2", "2"),
                          ("c", "192.0.2.3", "1")])
        self.assertEqual(rows[2]["REGION"], "eu")
        # A name typed with its trailing dot is the same service.
        self.assertEqual(self.ctl_json("get", "members", "app.ctl.test.")["members"][0]["name"],
                         "a")

    def test_get_zones(self):
        got = {z["name"]: z for z in self.ctl_json("get", "zones")["zones"]}
        self.assertEqual(sorted(got), ["ctl.test", "files.test"])
        inline = got["ctl.test"]
        self.assertEqual(inline["soa"]["serial"], 2024060101)
        self.assertEqual(inline["soa"]["mname"], "ns1.ctl.test.")
        self.assertEqual(inline.get("ttl"), 300)
        self.assertEqual(got["files.test"]["file"], os.path.join(self.tmp, "files.test.zone"))
        rows = {r["ZONE"]: r for r in parse_table(self.ctl_ok("get", "zones").stdout)}
        self.assertEqual(rows["ctl.test"]["SOURCE"], "inline")
        self.assertEqual(rows["ctl.test"]["SERIAL"], "2024060101")
        self.assertEqual(rows["files.test"]["SOURCE"],
                         "file " + os.path.join(self.tmp, "files.test.zone"))

    def test_get_health(self):
        self.observe()
        got = self.ctl_json("get", "health")
        self.assertIsInstance(got["now_ms"], int)
        by_name = {s["name"]: s for s in got["services"]}
        self.assertEqual(sorted(by_name), sorted(s["name"] for s in self.doc["services"]))
        for want in self.doc["services"]:
            have = by_name[want["name"]]
            self.assertEqual(have["policy"], want["policy"])
            self.assertEqual([m["name"] for m in have["members"]],
                             [m["name"] for m in want["members"]])
        obs = {m["name"]: m for m in by_name["obs.ctl.test"]["members"]}
        self.assertEqual(sorted(o["agent"] for o in obs["x"]["observations"]), ["eu", "local"])
        self.assertEqual(obs["z"]["health"], "down")
        rows = parse_table(self.ctl_ok("get", "health").stdout)
        self.assertEqual(len(rows), sum(len(s["members"]) for s in self.doc["services"]))
        x = next(r for r in rows if (r["SERVICE"], r["MEMBER"]) == ("obs.ctl.test", "x"))
        self.assertEqual((x["STATE"], x["AGENTS UP"]), ("up", "2/2"))

    def test_get_agents(self):
        self.observe()
        got = {a["id"]: a for a in self.ctl_json("get", "agents")["agents"]}
        self.assertEqual(got["local"]["region"], "lab")
        self.assertEqual(got["eu"]["region"], "eu")
        rows = {r["AGENT"]: r for r in parse_table(self.ctl_ok("get", "agents").stdout)}
        self.assertEqual(rows["local"]["REGION"], "lab")
        self.assertRegex(rows["eu"]["LAST SEEN"], r" ago$")

    def test_get_checks_and_config(self):
        checks = self.ctl_json("get", "checks")["checks"]
        self.assertEqual([c["name"] for c in checks], ["slow"])
        self.assertEqual((checks[0]["type"], checks[0]["port"], checks[0]["interval_ms"]),
                         ("tcp", 9, 10000))
        row = parse_table(self.ctl_ok("get", "checks").stdout)[0]
        self.assertEqual((row["CHECK"], row["TYPE"], row["PORT"], row["INTERVAL"]),
                         ("slow", "tcp", "9", "10s"))
        for mode in ("table", "json"):  # the document is JSON either way
            doc = json.loads(self.ctl_ok("-o", mode, "get", "config").stdout)
            self.assertEqual([s["name"] for s in doc["services"]],
                             [s["name"] for s in self.doc["services"]])

    def test_get_catalogue_lists_every_policy_and_check_type_with_keys(self):
        cat = self.ctl_json("get", "catalogue")
        rows = parse_table(self.ctl_ok("get", "catalogue").stdout)
        heads = lambda kind: [r["NAME"] for r in rows if r["KIND"] == kind and r["KEY"] == "-"]
        self.assertEqual(heads("policy"), [p["name"] for p in cat["policies"]])
        self.assertEqual(heads("check"), [t["type"] for t in cat["probe_types"]])
        self.assertIn("rtt", heads("policy"))
        rtt = {r["KEY"]: r for r in rows if r["NAME"] == "rtt" and r["KEY"] != "-"}
        self.assertEqual((rtt["rtt_tolerance_pct"]["TYPE"], rtt["rtt_tolerance_pct"]["DEFAULT"]),
                         ("integer 0..1000", "10"))
        dns = {r["KEY"] for r in rows if r["NAME"] == "dns" and r["KEY"] != "-"}
        self.assertEqual(dns, {k["name"] for t in cat["probe_types"] if t["type"] == "dns"
                               for k in t["options"]})

    # apply --------------------------------------------------------------------------------
    def test_apply_dry_run_then_apply(self):
        # The document as applied, from another directory: its relative zone file path is the
        # server's, under its --zone-dir (the database's directory here), so nothing changes.
        p = self.ctl_ok("apply", "-f", self.doc_path, cwd="/")
        self.assertEqual(p.stdout.strip(), "no changes")
        # Nor from a document kept elsewhere: the path is not made one of this machine's.
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere, exist_ok=True)
        p = self.ctl_ok("apply", "-f", write_json(os.path.join(elsewhere, "doc.json"), self.doc))
        self.assertEqual(p.stdout.strip(), "no changes", p.transcript)
        # A file outside the zone directory is the server's refusal, said as it said it.
        outside = copy.deepcopy(self.doc)
        next(z for z in outside["zones"] if z["name"] == "files.test")["file"] = "/etc/hostname"
        p = self.ctl_fails("apply", "-f", write_json(os.path.join(elsewhere, "out.json"), outside))
        self.assertIn("outside the zone directory", p.stderr, p.transcript)
        zones = {z["name"]: z for z in self.ctl_json("get", "zones")["zones"]}
        self.assertEqual(zones["files.test"]["file"], os.path.join(self.tmp, "files.test.zone"))

        changed = copy.deepcopy(self.doc)
        svc = doc_service(changed, "apply.ctl.test")
        svc["ttl"] = 31
        svc["members"].append({"name": "two", "address": "192.0.2.112"})
        path = write_json(os.path.join(self.tmp, "changed.json"), changed)
        try:
            p = self.ctl_ok("apply", "-f", path, "--dry-run")
            lines = p.stdout.splitlines()
            self.assertIn("+ member apply.ctl.test/two", lines, p.transcript)
            self.assertIn("~ service apply.ctl.test: ttl 30 -> 31", lines, p.transcript)
            self.assertIn("(dry run: nothing written)", lines, p.transcript)
            self.assertNotIn("no changes", p.stdout)
            got = self.ctl_json("apply", "-f", path, "--dry-run")
            self.assertIs(got["dry_run"], True)
            self.assertIn("+ member apply.ctl.test/two", got["changes"])
            self.assertEqual([m["name"] for m in
                              self.ctl_json("get", "members", "apply.ctl.test")["members"]],
                             ["one"], "--dry-run wrote")

            p = self.ctl_ok("apply", "-f", path)
            lines = p.stdout.splitlines()
            self.assertIn("+ member apply.ctl.test/two", lines, p.transcript)
            self.assertNotIn("dry run", p.stdout)
            members = self.ctl_json("get", "members", "apply.ctl.test")["members"]
            self.assertEqual([(m["name"], m["address"]) for m in members],
                             [("one", "192.0.2.111"), ("two", "192.0.2.112")])
            services = self.ctl_json("get", "services")["services"]
            self.assertEqual(next(s for s in services if s["name"] == "apply.ctl.test")["ttl"], 31)
            self.assertEqual(self.ctl_ok("apply", "-f", path).stdout.strip(), "no changes")
            # Standard input works too (relative paths against the current directory).
            with open(path) as f:
                text = f.read()
            p = self.ctl_ok("apply", "-f", "-", cwd=self.tmp, stdin=text)
            self.assertEqual(p.stdout.strip(), "no changes")
        finally:
            p = self.ctl("--server", self.url, "apply", "-f", self.doc_path)
            self.assertEqual(p.returncode, 0, p.transcript)
        self.assertIn("- member apply.ctl.test/two", p.stdout.splitlines(), p.transcript)

    def test_apply_invalid_document_changes_nothing(self):
        bad = copy.deepcopy(self.doc)
        doc_service(bad, "apply.ctl.test")["members"][0]["address"] = "192.0.2.300"
        doc_service(bad, "app.ctl.test")["ttl"] = 77
        path = write_json(os.path.join(self.tmp, "invalid.json"), bad)
        p = self.ctl_fails("apply", "-f", path)
        self.assertRegex(p.stderr, r"^gslbctl: .*services\[5\]\.members\[0\]\.address",
                         p.transcript)
        # Several problems: one line each.
        doc_service(bad, "prio.ctl.test")["policy"] = "fastest"
        path = write_json(os.path.join(self.tmp, "invalid2.json"), bad)
        p = self.ctl_fails("apply", "-f", path, "--dry-run")
        lines = p.stderr.splitlines()
        self.assertEqual(lines[0], "gslbctl: rejected, nothing changed (2 errors):", p.transcript)
        self.assertEqual(sorted(line.split(":")[0] for line in lines[1:]),
                         ["  services[3].policy", "  services[5].members[0].address"],
                         p.transcript)
        services = self.ctl_json("get", "services")["services"]
        self.assertEqual(next(s for s in services if s["name"] == "app.ctl.test")["ttl"], 30)
        # Not JSON at all: said locally, nothing sent.
        broken = os.path.join(self.tmp, "broken.json")
        with open(broken, "w") as f:
            f.write('{"zones": [\n')
        p = self.ctl_fails("apply", "-f", broken)
        self.assertIn("not JSON", p.stderr, p.transcript)
        p = self.ctl_fails("apply", "-f", os.path.join(self.tmp, "missing.json"))
        self.assertIn("No such file", p.stderr, p.transcript)

    # drain / enable / disable / set-weight -------------------------------------------------
    def addresses(self, name):
        r = ask(self.port, name)
        return None if r is None or r["status"] != "NOERROR" else answer_addresses(r)

    def wait_answers(self, name, accept, t0, what):
        took, last = poll(lambda: self.addresses(name), lambda a: a is not None and accept(a),
                          t0=t0, timeout=3.0, interval=0.02)
        self.assertIsNotNone(took, "%s: not seen within 3 s; last answer %r" % (what, last))
        self.assertLessEqual(took, CHANGE_LIMIT_S, "%s: took %.3f s" % (what, took))
        status, addrs, _ = self.dig_addrs(name)
        self.assertEqual(status, "NOERROR")
        self.assertTrue(accept(addrs), "%s: dig disagrees: %r" % (what, addrs))
        return addrs

    def dig_addrs(self, name):
        r = self.dig(name, "A")
        return r["status"], sorted(a["rdata"] for a in r["answer"] if a["type"] == "A"), None

    def test_drain_takes_the_member_out_and_enable_brings_it_back(self):
        pool = ["192.0.2.71", "192.0.2.72", "192.0.2.73"]
        self.assertEqual(self.addresses("drain.ctl.test"), pool)
        p = self.ctl_ok("drain", "drain.ctl.test", "b")
        t0 = time.monotonic()
        self.assertIn("drain.ctl.test/b is draining", p.stdout, p.transcript)
        row = parse_table(p.stdout.split("\n", 1)[1])[0]
        self.assertEqual((row["MEMBER"], row["STATE"]), ("b", "draining"))
        self.wait_answers("drain.ctl.test", lambda a: a == ["192.0.2.71", "192.0.2.73"], t0,
                          "drained member gone")
        m = self.member("drain.ctl.test", "b")
        self.assertEqual(m["state"], "draining")
        self.assertIs(m["drained"], True)
        self.assertGreater(m["drain_complete_ms"], m["drained_since_ms"])
        for _ in range(20):
            self.assertNotIn("192.0.2.72", self.addresses("drain.ctl.test") or [])

        got = self.ctl_json("enable", "drain.ctl.test", "b")
        t0 = time.monotonic()
        self.assertEqual((got["name"], got["state"], got["drained"], got["enabled"]),
                         ("b", "up", False, True))
        self.wait_answers("drain.ctl.test", lambda a: a == pool, t0, "enabled member back")
        self.assertEqual(self.member("drain.ctl.test", "b")["state"], "up")

    def test_disable_then_enable(self):
        pool = ["192.0.2.71", "192.0.2.72", "192.0.2.73"]
        p = self.ctl_ok("disable", "drain.ctl.test", "c")
        t0 = time.monotonic()
        self.assertIn("drain.ctl.test/c is disabled", p.stdout, p.transcript)
        try:
            self.wait_answers("drain.ctl.test", lambda a: "192.0.2.73" not in a, t0,
                              "disabled member gone")
            m = self.member("drain.ctl.test", "c")
            self.assertEqual((m["state"], m["enabled"]), ("disabled", False))
        finally:
            p = self.ctl_ok("enable", "drain.ctl.test", "c")
        t0 = time.monotonic()
        self.assertIn("drain.ctl.test/c is up", p.stdout, p.transcript)
        self.wait_answers("drain.ctl.test", lambda a: a == pool, t0, "re-enabled member back")

    def test_set_weight(self):
        try:
            p = self.ctl_ok("set-weight", "weight.ctl.test", "w1", "7")
            row = parse_table(p.stdout.split("\n", 1)[1])[0]
            self.assertEqual((row["MEMBER"], row["WEIGHT"]), ("w1", "7"))
            self.assertEqual(self.member("weight.ctl.test", "w1")["weight"], 7)
            self.assertEqual(self.member("weight.ctl.test", "w2")["weight"], 3)
            rows = parse_table(self.ctl_ok("get", "members", "weight.ctl.test").stdout)
            self.assertEqual([r["WEIGHT"] for r in rows], ["7", "3"])
            got = self.ctl_json("set-weight", "weight.ctl.test", "w1", "0")
            self.assertEqual(got["weight"], 0)
        finally:
            self.ctl_ok("set-weight", "weight.ctl.test", "w1", "1")
        self.assertEqual(self.member("weight.ctl.test", "w1")["weight"], 1)

    # explain / status ---------------------------------------------------------------------
    def test_explain_names_the_picked_member(self):
        got = self.ctl_json("explain", "prio.ctl.test")
        self.assertEqual((got["name"].rstrip("."), got["type"], got["rcode"]),
                         ("prio.ctl.test", "A", "NOERROR"))
        picked = [m for m in got["members"] if m["picked"]]
        self.assertEqual([m["name"] for m in picked], ["primary"])
        self.assertEqual([a["data"] for a in got["answers"]], ["192.0.2.91"])
        self.assertEqual(got["service"]["policy"], "priority")
        self.assertEqual(got["policy"]["name"], "priority")
        self.assertIn("policy priority: ", self.ctl_ok("explain", "prio.ctl.test").stdout)
        self.assertEqual(got["decision"]["candidates"], "healthy")
        self.assertEqual(len(got["members"]), 2)

        p = self.ctl_ok("explain", "app.ctl.test", "--client", "198.51.100.0/24")
        head, _, table = p.stdout.partition("\n\n")
        self.assertRegex(head.splitlines()[0], r"^app\.ctl\.test\.? A from 198\.51\.100\.0/24: "
                         r"NOERROR$")
        rows = parse_table(table)
        self.assertEqual(sorted(r["MEMBER"] for r in rows), ["a", "b", "c"])
        picked = [r for r in rows if r["PICKED"] == "yes"]
        self.assertEqual(len(picked), 1, p.stdout)
        # The answer line above the table carries the picked member's address.
        self.assertIn(" %s\n" % picked[0]["ADDRESS"], head + "\n", p.stdout)
        for r in rows:
            self.assertEqual(r["ELIGIBLE"], "yes")

        got = self.ctl_json("explain", "v6.ctl.test", "--type", "aaaa")
        self.assertEqual([(a["type"], a["data"]) for a in got["answers"]],
                         [("AAAA", "2001:db8::7")])

    def test_explain_shows_observations(self):
        self.observe()
        # explain answers from the snapshot DNS serves: wait until it holds the observations.
        took, last = poll(lambda: self.addresses("obs.ctl.test"),
                          lambda a: a == ["192.0.2.101", "192.0.2.102"], timeout=3.0)
        self.assertIsNotNone(took, "DNS never dropped the down member z: %r" % last)
        got = self.ctl_json("explain", "obs.ctl.test")
        by_name = {m["name"]: m for m in got["members"]}
        self.assertIs(by_name["z"]["eligible"], False)
        self.assertEqual(sorted(a["data"] for a in got["answers"]), ["192.0.2.101", "192.0.2.102"])
        p = self.ctl_ok("explain", "obs.ctl.test")
        rows = {r["MEMBER"]: r for r in parse_table(p.stdout.partition("\n\n")[2])}
        self.assertEqual((rows["z"]["STATE"], rows["z"]["ELIGIBLE"], rows["z"]["PICKED"]),
                         ("down", "no", "no"))
        self.assertIn("local: up 1.2ms", rows["x"]["OBSERVATIONS"])
        self.assertIn("eu: up 3.4ms", rows["x"]["OBSERVATIONS"])

    def test_yaml_output_is_the_json_answer(self):
        # A YAML reader (Debian's python3-yaml) must load -o yaml back to exactly -o json's.
        loader = "/usr/bin/python3"
        probe = subprocess.run([loader, "-c", "import yaml"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("python3-yaml is not installed for /usr/bin/python3")
        for args in (["get", "services"], ["get", "members", "obs.ctl.test"], ["status"],
                     ["get", "config"], ["get", "catalogue"]):
            with self.subTest(args=args):
                want = self.ctl_json(*args)
                p = self.ctl_ok("-o", "yaml", *args)
                self.assertTrue(p.stdout.startswith("---\n"), p.stdout[:200])
                back = subprocess.run(
                    [loader, "-c", "import json, sys, yaml; "
                     "print(json.dumps(yaml.safe_load(sys.stdin)))"],
                    input=p.stdout, capture_output=True, text=True, timeout=30)
                self.assertEqual(back.returncode, 0, back.stderr)
                self.assertEqual(timeless(json.loads(back.stdout)), timeless(want))

    def test_bash_completion_asks_the_server_for_names(self):
        services = sorted(svc["name"] for svc in self.doc["services"])
        self.assertEqual(complete(["--server", self.url, "drain", ""]), services)
        members = sorted(m["name"] for m in find_service(self.doc, "obs.ctl.test")["members"])
        self.assertEqual(complete(["--server", self.url, "enable", "obs.ctl.test", ""]), members)
        # The server from the environment, as gslbctl itself takes it.
        self.assertEqual(complete(["explain", "obs"], env={"GSLBCTL_SERVER": self.url}),
                         [n for n in services if n.startswith("obs")])

    def test_status_shows_every_member(self):
        self.observe()
        p = self.ctl_ok("status")
        table, _, summary = p.stdout.partition("\n\n")
        rows = parse_table(table)
        self.assertEqual(sorted((r["SERVICE"], r["MEMBER"]) for r in rows),
                         sorted((s["name"], m["name"]) for s in self.doc["services"]
                                for m in s["members"]))
        by = {(r["SERVICE"], r["MEMBER"]): r for r in rows}
        x = by[("obs.ctl.test", "x")]
        self.assertEqual((x["ADDRESS"], x["STATE"], x["HEALTH"]), ("192.0.2.101", "up", "up"))
        self.assertIn("local=1.2ms", x["RTT"].split())
        self.assertIn("eu=3.4ms", x["RTT"].split())
        self.assertRegex(x["LAST OBSERVED"], r"^\d+(\.\d)?m?s$", "age of the freshest observation")
        z = by[("obs.ctl.test", "z")]
        self.assertEqual((z["STATE"], z["HEALTH"]), ("down", "down"))
        self.assertEqual(sorted(z["RTT"].split()), ["eu=down", "local=down"])
        never = by[("app.ctl.test", "a")]
        self.assertEqual((never["STATE"], never["RTT"], never["LAST OBSERVED"]), ("up", "-", "-"))
        lines = summary.splitlines()
        self.assertEqual(len(lines), len(self.doc["services"]), p.stdout)
        self.assertIn(["obs.ctl.test", "weighted", "2/3", "up", "1", "down"],
                      [line.split() for line in lines], p.stdout)
        self.assertIn(["prio.ctl.test", "priority", "2/2", "up"], [line.split() for line in lines])
        got = self.ctl_json("status")
        self.assertEqual(sorted(s["name"] for s in got["services"]),
                         sorted(s["name"] for s in self.doc["services"]))

    # errors ---------------------------------------------------------------------------------
    def test_unknown_service_or_member_prints_the_server_message(self):
        status, body = self.api("GET", "/v1/services/nosuch.ctl.test/members")
        self.assertEqual((status, body["error"]), (404, "not_found"))
        p = self.ctl_fails("get", "members", "nosuch.ctl.test")
        self.assertEqual(p.stderr.splitlines()[0], self.expected_error(body), p.transcript)
        status, body = self.api("PATCH", "/v1/services/app.ctl.test/members/nosuch",
                                {"drained": True})
        self.assertEqual(status, 404)
        p = self.ctl_fails("drain", "app.ctl.test", "nosuch")
        self.assertEqual(p.stderr.splitlines()[0], self.expected_error(body), p.transcript)

    def test_bad_weight_is_refused(self):
        for weight in ("70000", "-1"):
            with self.subTest(weight=weight):
                status, body = self.api("PATCH", "/v1/services/weight.ctl.test/members/w2",
                                        {"weight": int(weight)})
                self.assertEqual((status, body["error"]), (422, "invalid"))
                p = self.ctl_fails("set-weight", "weight.ctl.test", "w2", weight)
                self.assertEqual(p.stderr.splitlines()[0], self.expected_error(body),
                                 p.transcript)
                self.assertIn("weight", p.stderr)
        self.assertEqual(self.member("weight.ctl.test", "w2")["weight"], 3)

    def test_unreachable_server(self):
        port = harness.free_port()  # nothing listens there
        url = "http://127.0.0.1:%d" % port
        p = self.ctl("--server", url, "get", "services")
        self.assertEqual(p.returncode, 3, p.transcript)  # no answer: 3, not a refusal's 1
        self.assertEqual(p.stderr.strip(), "gslbctl: cannot reach %s: connection refused" % url)
        # The environment names the server when --server does not.
        p = self.ctl("status", env={"GSLBCTL_SERVER": url})
        self.assertEqual(p.returncode, 3, p.transcript)
        self.assertIn("cannot reach %s" % url, p.stderr)
        p = self.ctl("-o", "json", "get", "zones", env={"GSLBCTL_SERVER": self.url})
        self.assertEqual(p.returncode, 0, p.transcript)

    def test_silent_server_times_out(self):
        s = silent_listener()
        try:
            url = "http://127.0.0.1:%d" % s.getsockname()[1]
            t0 = time.monotonic()
            p = self.ctl("--server", url, "--timeout", "0.5", "status")
            took = time.monotonic() - t0
        finally:
            s.close()
        self.assertEqual(p.returncode, 3, p.transcript)
        self.assertIn("no answer from %s within 0.5 s" % url, p.stderr, p.transcript)
        self.assertLess(took, 5.0)


class TestGslbctlUsage(_CtlAssertions, unittest.TestCase):
    """Bad usage exits 2 with the usage text on stderr before anything is sent."""

    def setUp(self):
        harness.gslbctl_path()
        self._last_tool_output = None
        # Nothing listens here: a usage error must not even try to connect (exit 2, not 1).
        self.env = {"GSLBCTL_SERVER": "http://127.0.0.1:%d" % harness.free_port()}

    def test_bash_completion_of_commands_words_and_options(self):
        self.assertEqual(complete(["s"]), ["set-weight", "status"])
        self.assertEqual(complete(["get", "m"]), ["members"])
        self.assertEqual(complete(["-o", ""]), ["json", "table", "yaml"])
        self.assertIn("--dry-run", complete(["apply", "--d"]))
        self.assertEqual(complete(["--timeout", "3", "exp"]), ["explain"])

    def test_help_goes_to_stdout(self):
        for args in (["--help"], ["-h"], ["help"], ["get", "--help"]):
            with self.subTest(args=args):
                p = self.ctl(*args, env=self.env)
                self.assertEqual(p.returncode, 0, p.transcript)
                self.assertTrue(p.stdout.startswith("usage: gslbctl"), p.transcript)
                self.assertEqual(p.stderr, "")

    def test_version_goes_to_stdout_before_anything_is_sent(self):
        for args in (["--version"], ["status", "--version"]):
            with self.subTest(args=args):
                p = self.ctl(*args, env=self.env)
                self.assertEqual(p.returncode, 0, p.transcript)
                self.assertEqual(p.stdout, "gslbctl %s\n" % harness.project_version())
                self.assertEqual(p.stderr, "")

    def test_bad_usage_exits_2(self):
        cases = [
            [], ["frobnicate"], ["get"], ["get", "members"], ["get", "widgets"],
            ["get", "zones", "extra"], ["get", "zones", "-o", "xml"], ["drain", "only-one"],
            ["enable", "s", "m", "x"], ["set-weight", "s", "m"], ["set-weight", "s", "m", "abc"],
            ["apply"], ["apply", "--dry-run"], ["status", "--dry-run"], ["status", "--bogus"],
            ["explain"], ["explain", "x", "--type", "MX"], ["--timeout", "0", "status"],
            ["--timeout", "soon", "status"], ["--server", "ftp://127.0.0.1", "status"],
            ["--server"],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.assert_usage_error(self.ctl(*args, env=self.env))

    def test_https_urls_are_taken_and_a_bad_ca_file_named(self):
        # test_api_tls.py talks to a real HTTPS server; here only what needs none.
        url = "https://127.0.0.1:%d" % harness.free_port()
        p = self.ctl("--server", url, "status", env=self.env)
        self.assertEqual(p.returncode, 3, p.transcript)
        self.assertIn("cannot reach " + url, p.stderr)
        missing = "/nonexistent/gslbd-test-ca.pem"
        p = self.ctl("--server", url, "--ca-file", missing, "status", env=self.env)
        self.assertEqual(p.returncode, 1, p.transcript)
        self.assertIn("cannot read " + missing, p.stderr)
        self.assert_usage_error(self.ctl("--ca-file=", "status", env=self.env))


class TestGslbctlTokens(GslbctlServerCase):
    """--api-token-file: a read token can get but not write; an admin token can write."""

    TOKENS = "# gslbd API tokens\nadmin admin-9f8e7d6c5b4a\nread read-0a1b2c3d4e5f  # dashboards\n"

    def token_file(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_no_token_is_refused(self):
        status, body = self.api("GET", "/v1/services")
        self.assertEqual((status, body["error"]), (401, "unauthorized"))
        p = self.ctl_fails("get", "services")
        self.assertEqual(p.stderr.splitlines()[0], self.expected_error(body), p.transcript)
        status, body = self.api("GET", "/v1/services", token="nope")
        self.assertEqual((status, body["error"]), (401, "unauthorized"))
        p = self.ctl_fails("--token-file", self.token_file("wrong", "admin nope\n"),
                           "get", "services")
        self.assertEqual(p.stderr.splitlines()[0], self.expected_error(body), p.transcript)

    def test_read_token_can_get_but_not_drain(self):
        # ROLE TOKEN form after a comment and a blank line, as the server's own file.
        ro = self.token_file("read.token", "# read-only\n\nread read-0a1b2c3d4e5f\n")
        got = self.ctl_json("--token-file", ro, "get", "services")
        self.assertEqual(len(got["services"]), len(self.doc["services"]))
        self.ctl_ok("--token-file", ro, "status")
        status, body = self.api("PATCH", "/v1/services/drain.ctl.test/members/a",
                                {"drained": True}, token="read-0a1b2c3d4e5f")
        self.assertEqual((status, body["error"]), (403, "forbidden"))
        p = self.ctl_fails("--token-file", ro, "drain", "drain.ctl.test", "a")
        self.assertEqual(p.stderr.splitlines()[0], self.expected_error(body), p.transcript)
        # The environment names the token file when --token-file does not.
        p = self.ctl("--server", self.url, "drain", "drain.ctl.test", "a",
                     env={"GSLBCTL_TOKEN_FILE": ro})
        self.assertEqual(p.returncode, 1, p.transcript)
        self.assertEqual(self.ctl_json("--token-file", ro, "get", "members",
                                       "drain.ctl.test")["members"][0]["state"], "up")

    def test_admin_token_can_drain(self):
        admin = self.token_file("admin.token", "admin-9f8e7d6c5b4a\n")  # TOKEN alone
        try:
            p = self.ctl_ok("--token-file", admin, "drain", "drain.ctl.test", "a")
            self.assertIn("is draining", p.stdout)
        finally:
            self.ctl_ok("--token-file", admin, "enable", "drain.ctl.test", "a")

    def test_missing_token_file(self):
        p = self.ctl_fails("--token-file", os.path.join(self.tmp, "absent"), "status")
        self.assertIn("token file", p.stderr)


if __name__ == "__main__":
    unittest.main()
