"""The plug-in catalogue end to end (issue: plug-in catalogue): gslbd_plugins is gslbd with a
throwaway policy ("nth", key "nth") and a throwaway probe type ("file", option "path"), each one
file in tests/plugins/ plus one catalogue line. The stock gslbd refuses a document using them;
gslbd_plugins accepts it with `gslbd apply`, lists them in OpenAPI and /v1/catalogue, answers by
the nth policy, and its health role probes with the file probe (a file appearing and vanishing,
no network traffic at all).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
INTEGRATION = os.path.join(os.path.dirname(HERE), "integration")
if INTEGRATION not in sys.path:
    sys.path.insert(0, INTEGRATION)

import gslb_util  # noqa: E402
import harness  # noqa: E402

SOURCE_DIR = os.environ.get("GSLBD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
MEMBERS = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]  # answered, never contacted


def document(flag):
    return {
        "zones": [{"name": "plug.test", "ttl": 300,
                   "soa": {"mname": "ns1.plug.test.", "rname": "hostmaster.plug.test."},
                   "ns": ["ns1.plug.test."],
                   "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
        "checks": [{"name": "flag", "type": "file", "interval_ms": 100, "timeout_ms": 50,
                    "rise": 1, "fall": 1, "options": {"path": flag}}],
        "services": [{"name": "app.plug.test", "policy": "nth", "nth": 1, "ttl": 5,
                      "members": [{"name": "a", "address": MEMBERS[0]},
                                  {"name": "b", "address": MEMBERS[1], "check": "flag"},
                                  {"name": "c", "address": MEMBERS[2]}]}],
    }


def run_apply(binary, db, doc_path):
    return subprocess.run([binary, "apply", "--db", db, doc_path], capture_output=True,
                          text=True, timeout=60)


class PluginCatalogueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-plugins-")
        cls.flag = os.path.join(cls.tmp, "flag")
        cls.db = os.path.join(cls.tmp, "gslb.db")
        cls.doc_path = gslb_util.write_doc(document(cls.flag), cls.tmp, "doc.json")
        cls.server = None

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_1_the_stock_gslbd_knows_neither_plugin(self):
        stock = os.environ.get("GSLBD_STOCK")
        if not stock:
            self.skipTest("set GSLBD_STOCK to the stock gslbd")
        r = run_apply(stock, os.path.join(self.tmp, "stock.db"), self.doc_path)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn('unknown check type "file"', r.stderr)
        self.assertIn('unknown policy "nth"', r.stderr)

    def test_2_nothing_outside_tests_plugins_names_them(self):
        pattern = re.compile(r"kNthPolicy|kFileProbe|pick_nth|FileProbe")
        for top in ("server", "zones", "healthd", "api", "tools"):
            for root, _dirs, files in os.walk(os.path.join(SOURCE_DIR, top)):
                for f in files:
                    path = os.path.join(root, f)
                    with open(path, errors="replace") as fh:
                        self.assertIsNone(pattern.search(fh.read()), path)

    def test_3_apply_openapi_engine_and_health_role(self):
        r = run_apply(harness.gslbd_path(), self.db, self.doc_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        # A bad value of a plug-in key is refused by the plug-in's own rule, with its path.
        bad = document(self.flag)
        bad["services"][0]["nth"] = 99
        bad["checks"][0]["options"] = {"paht": "x"}
        r_bad = run_apply(harness.gslbd_path(), self.db,
                          gslb_util.write_doc(bad, self.tmp, "bad.json"))
        self.assertNotEqual(r_bad.returncode, 0)
        self.assertIn("services[0].nth: must be 0 to 15", r_bad.stderr)
        self.assertIn("checks[0].options.paht: unknown option (file checks take path)",
                      r_bad.stderr)

        api_port = harness.free_port()
        type(self).server = harness.GslbdServer(
            (), ("--db", self.db, "--roles", "dns,api,health",
                 "--api", "%s:%d" % (harness.HOST, api_port))).start()
        port = self.server.port

        def get(path):
            deadline = time.monotonic() + 10
            while True:
                try:
                    with urllib.request.urlopen("http://%s:%d%s" % (harness.HOST, api_port, path),
                                                timeout=2) as resp:
                        return json.loads(resp.read())
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)

        spec = get("/v1/openapi.json")
        schemas = spec["components"]["schemas"]
        self.assertIn("nth", schemas["Service"]["properties"]["policy"]["enum"])
        self.assertEqual(schemas["Service"]["properties"]["nth"]["maximum"], 15)
        self.assertIn("file", schemas["Check"]["properties"]["type"]["enum"])
        self.assertIn("path", schemas["Check"]["properties"]["options"]["properties"])
        cat = get("/v1/catalogue")
        self.assertEqual([k["name"] for p in cat["policies"] if p["name"] == "nth"
                          for k in p["keys"]], ["nth"])
        self.assertEqual([t["port"] for t in cat["probe_types"] if t["type"] == "file"], ["none"])

        def answers():
            a = gslb_util.ask(port, "app.plug.test", "A")
            return tuple(gslb_util.answer_addresses(a)) if a else ()

        # No flag file: b is down, the candidates are a and c, and nth = 1 picks c.
        took, last = gslb_util.poll(answers, lambda a: a == (MEMBERS[2],), timeout=5.0)
        self.assertIsNotNone(took, "never answered c with b down; last %r" % (last,))
        for _ in range(10):  # every time: the pick is the policy's, not chance
            self.assertEqual(answers(), (MEMBERS[2],))
        # The file appears: b is up, the candidates are a, b, c, and nth = 1 picks b.
        open(self.flag, "w").close()
        took, last = gslb_util.poll(answers, lambda a: a == (MEMBERS[1],), timeout=5.0)
        self.assertIsNotNone(took, "never answered b once its file existed; last %r" % (last,))
        for _ in range(10):
            self.assertEqual(answers(), (MEMBERS[1],))
        os.unlink(self.flag)
        took, last = gslb_util.poll(answers, lambda a: a == (MEMBERS[2],), timeout=5.0)
        self.assertIsNotNone(took, "b stayed in after its file was removed; last %r" % (last,))


if __name__ == "__main__":
    unittest.main()
