"""tools/monitoring/: the Grafana dashboard and the Prometheus alert rules.

* promtool (Debian package prometheus) checks the rules, runs their unit tests
  (gslbd-alerts.test.yml) and parses every dashboard query (as recording rules of a scratch
  file); without promtool those tests skip.
* Every gslbd_* metric the dashboard and the rules name must be in a real /metrics scrape of a
  running gslbd (dns and api roles, --rrl, a service whose members two agents observed, one of
  them down, with the events of that), so neither can refer to a metric that does not exist.
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from gslb_util import Db, apply, write_doc  # noqa: E402

SOURCE_DIR = os.environ.get("GSLBD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
MONITORING = os.path.join(SOURCE_DIR, "tools", "monitoring")
RULES = os.path.join(MONITORING, "gslbd-alerts.yml")
RULES_TEST = os.path.join(MONITORING, "gslbd-alerts.test.yml")
DASHBOARD = os.path.join(MONITORING, "gslbd-dashboard.json")

DOC = {
    "zones": [{"name": "mon.test", "ttl": 300,
               "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
               "ns": ["ns1.mon.test."],
               "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
    "services": [{"name": "app.mon.test", "policy": "weighted", "ttl": 30, "quorum": 2,
                  "members": [{"name": "m1", "address": "192.0.2.1"},
                              {"name": "m2", "address": "192.0.2.2"}]}],
}


def promtool():
    path = shutil.which("promtool")
    if not path:
        raise unittest.SkipTest("no promtool (Debian package prometheus)")
    return path


def run(cmd, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=cwd)
    return p, "$ %s\n[exit %d]\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr)


def dashboard_queries():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    templates = [v["query"] for v in dash.get("templating", {}).get("list", [])]
    return exprs, templates


def rule_exprs():
    # The rules are YAML; each expr is one line after "expr:" (kept so on purpose).
    with open(RULES) as f:
        return re.findall(r"^\s*expr:\s*(.+?)\s*$", f.read(), re.M)


def metric_names(texts):
    return {m for t in texts for m in re.findall(r"\b(gslbd_[a-z0-9_]+)\b", t)}


class TestMonitoringFiles(unittest.TestCase):
    def test_rules_pass_promtool_check(self):
        p, transcript = run([promtool(), "check", "rules", RULES])
        self.assertEqual(p.returncode, 0, transcript)

    def test_rules_unit_tests(self):
        p, transcript = run([promtool(), "test", "rules", os.path.basename(RULES_TEST)],
                            cwd=MONITORING)
        self.assertEqual(p.returncode, 0, transcript)

    def test_dashboard_queries_parse(self):
        exprs, _templates = dashboard_queries()
        self.assertTrue(exprs)
        tmp = tempfile.mkdtemp(prefix="gslbd-mon-")
        try:
            path = os.path.join(tmp, "dashboard-queries.yml")
            with open(path, "w") as f:
                f.write("groups:\n  - name: dashboard\n    rules:\n")
                for i, e in enumerate(exprs):
                    f.write("      - record: dashboard:query_%d\n        expr: %s\n"
                            % (i, json.dumps(e)))
            p, transcript = run([promtool(), "check", "rules", path])
            self.assertEqual(p.returncode, 0, transcript)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_dashboard_is_importable_json(self):
        with open(DASHBOARD) as f:
            dash = json.load(f)
        self.assertEqual(dash["uid"], "gslbd")
        ids = [p["id"] for p in dash["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        for p in dash["panels"]:
            self.assertTrue(p["targets"], p["title"])


class TestMetricsExist(harness.GslbdTestCase):
    """gslbd with the dns and api roles, scraped once in setUpClass."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-mon-")
        cls.server = None
        try:
            db_path = os.path.join(cls.tmp, "gslb.db")
            r = apply(db_path, write_doc(DOC, cls.tmp, "doc.json"))
            if r.returncode != 0:
                raise RuntimeError("apply failed:\n" + r.transcript)
            db = Db(db_path)
            try:
                m1, m2 = db.member_id("app.mon.test", "m1"), db.member_id("app.mon.test", "m2")
                now = int(time.time() * 1000)
                db.observe_many([("eu1", m1, True, now), ("ap1", m1, True, now),
                                 ("eu1", m2, False, now)])
                db.write([("UPDATE observations SET rtt_us = 1200", ()),
                          ("INSERT INTO events (member_id, agent_id, old_state, new_state, "
                           "detail, at_ms) VALUES (?, 'eu1', 'up', 'down', 'refused', ?)",
                           (m2, now))])
            finally:
                db.close()
            for _attempt in range(4):
                api_port = harness.free_port()
                server = harness.GslbdServer(
                    (), ("--db", db_path, "--roles", "dns,api", "--rrl", "1000",
                         "--api", "%s:%d" % (harness.HOST, api_port)))
                try:
                    server.start()
                except RuntimeError:
                    server.stop()
                    continue
                cls.server, cls.port, cls.api_port = server, server.port, api_port
                break
            if cls.server is None:
                raise RuntimeError("gslbd did not start")
            cls.scrape = cls._scrape()
        except BaseException:
            if cls.server is not None:
                cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def _scrape(cls):
        deadline = time.monotonic() + 10
        last = None
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection(harness.HOST, cls.api_port, timeout=5)
                # One request before: the API's request counters have a sample then.
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.request("GET", "/metrics")
                r = conn.getresponse()
                body = r.read().decode()
                conn.close()
                if r.status == 200 and "gslbd_snapshot_age_seconds" in body:
                    return body
                last = "%d %s" % (r.status, body[:300])
            except OSError as e:
                last = str(e)
            time.sleep(0.1)
        raise RuntimeError("no /metrics scrape: %s" % last)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def families(self):
        return set(re.findall(r"^# TYPE (\S+) ", self.scrape, re.M))

    def test_every_metric_of_the_dashboard_exists(self):
        exprs, templates = dashboard_queries()
        named = metric_names(exprs + templates)
        self.assertTrue(named)
        self.assertEqual(sorted(named - self.families()), [],
                         "named by the dashboard, not in /metrics")

    def test_every_metric_of_the_rules_exists(self):
        named = metric_names(rule_exprs())
        self.assertGreaterEqual(len(named), 5)
        self.assertEqual(sorted(named - self.families()), [], "named by the rules, not in /metrics")

    def test_quorum_metrics(self):
        # Quorum 2: m1 has two fresh agents, m2 only one.
        self.assertIn('gslbd_member_quorum_met{service="app.mon.test",member="m1"} 1', self.scrape)
        self.assertIn('gslbd_member_quorum_met{service="app.mon.test",member="m2"} 0', self.scrape)
        self.assertIn('gslbd_member_fresh_agents{service="app.mon.test",member="m1"} 2',
                      self.scrape)


if __name__ == "__main__":
    unittest.main()
