"""dnstap (--dnstap): gslbd serving gslb/base.json logs each response it sends, read back with
Debian's dnstap-ldns (names, response codes, transport) and with the small Frame Streams and
protobuf reader below (Dnstap.extra: neither dnstap-ldns nor the Go dnstap tool prints it).

* TestDnstapFile: --dnstap FILE with decisions: every query is in the file once, as one
  AUTH_RESPONSE carrying query and response; each GSLB answer's extra names the service, the
  policy, the candidate set and the members picked, and those are the addresses answered;
  answers off a static record or NXDOMAIN have no extra; /metrics counts what was written.
* TestDnstapSocket: --dnstap unix:SOCKET to fstrm_capture, --dnstap-decisions off: the
  messages arrive, with no extra.
* TestDnstapBadPath: a path that cannot be created fails the start with exit 2.
"""

import json
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.request

import harness
from gslb_util import apply, ecs_option, load_doc, write_doc

ECS_CODE = 8


# --------------------------------------------------------------------------------------------
# Frame Streams and the few dnstap fields the tests read, stdlib only
# --------------------------------------------------------------------------------------------

def frames(data):
    """The data frames of a Frame Streams file (control frames skipped)."""
    out, pos = [], 0
    while pos + 4 <= len(data):
        (length,) = struct.unpack("!I", data[pos:pos + 4])
        pos += 4
        if length == 0:  # escape: a control frame follows
            (clen,) = struct.unpack("!I", data[pos:pos + 4])
            pos += 4 + clen
            continue
        out.append(data[pos:pos + length])
        pos += length
    return out


def varint(buf, pos):
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def protobuf_fields(buf):
    """{field number: [values]} of one message: ints for varint/fixed, bytes for length."""
    fields, pos = {}, 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack("<Q", buf[pos:pos + 8])[0], pos + 8
        elif wire == 5:
            value, pos = struct.unpack("<I", buf[pos:pos + 4])[0], pos + 4
        elif wire == 2:
            length, pos = varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        else:
            raise ValueError("wire type %d" % wire)
        fields.setdefault(number, []).append(value)
    return fields


def dnstap_records(path):
    """One dict per dnstap payload of the file: identity, version, extra, type, protocol,
    query and response (parsed DNS messages)."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for frame in frames(data):
        top = protobuf_fields(frame)
        msg = protobuf_fields(top[14][0])
        out.append({
            "identity": top.get(1, [None])[0],
            "version": top.get(2, [None])[0],
            "extra": top.get(3, [None])[0],
            "type": msg[1][0],
            "protocol": msg.get(3, [None])[0],
            "query": harness.parse_message(msg[10][0]) if 10 in msg else None,
            "response": harness.parse_message(msg[14][0]) if 14 in msg else None,
        })
    return out


def dnstap_ldns(path):
    """dnstap-ldns -y: (message type, protocol, response id, qname, response rcode) per
    message, from its YAML."""
    p = subprocess.run(["dnstap-ldns", "-y", "-r", path], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0:
        raise AssertionError("dnstap-ldns failed: %s" % p.stderr)
    out = []
    for doc in p.stdout.split("\n---")[0:]:
        if "message:" not in doc:
            continue
        mtype = re.search(r"^  type: (\w+)", doc, re.M).group(1)
        proto = re.search(r"socket_protocol: (\w+)", doc).group(1)
        resp = doc.split("response_message:", 1)[1]
        head = re.search(r"rcode: (\w+), id: (\d+)", resp)
        qname = re.search(r"QUESTION SECTION:\n\s*;(\S+)\s", resp).group(1)
        out.append((mtype, proto, int(head.group(2)), qname, head.group(1)))
    return out, p.stdout


def metrics(api_port):
    with urllib.request.urlopen("http://%s:%d/metrics" % (harness.HOST, api_port),
                                timeout=5) as r:
        text = r.read().decode()
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(gslbd_dnstap_\w+) (\d+)$", text, re.M)}


def query(name, qtype="A", ecs=None):
    options = [(ECS_CODE, ecs_option(*ecs))] if ecs else []
    return harness.build_query(name, qtype, edns=harness.opt_record(options=options))


class DnstapCase(unittest.TestCase):
    """gslbd on a fresh database with base.json applied; subclasses add the --dnstap flags."""

    @classmethod
    def start(cls, extra_args):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-dnstap-")
        cls.db_path = os.path.join(cls.tmp, "gslb.db")
        cls.doc = load_doc("base.json")
        r = apply(cls.db_path, write_doc(cls.doc, cls.tmp, "doc.json"))
        if r.returncode != 0:
            raise RuntimeError("apply failed:\n" + r.transcript)
        cls.api_port = harness.free_port()
        cls.server = harness.GslbdServer(
            [], ["--db", cls.db_path, "--roles", "dns,api", "--api",
                 "%s:%d" % (harness.HOST, cls.api_port), "--api-insecure-loopback"] + extra_args)
        cls.server.start()
        cls.port = cls.server.port

    @classmethod
    def stop_server(cls):
        problems = cls.server.stop()
        if problems:
            raise AssertionError("gslbd did not stop cleanly: " + "\n".join(problems))

    def member_of(self, service, address):
        for s in self.doc["services"]:
            if s["name"] == service:
                for m in s["members"]:
                    if m["address"] == address:
                        return m["name"]
        self.fail("%s is no member address of %s" % (address, service))


class TestDnstapFile(DnstapCase):

    @classmethod
    def setUpClass(cls):
        tmp = tempfile.mkdtemp(prefix="gslbd-dnstap-out-")
        cls.out_dir = tmp
        cls.tap = os.path.join(tmp, "gslbd.dnstap")
        cls.start(["--dnstap", cls.tap, "--dnstap-identity", "ns-a.gslb.test"])
        try:
            # name, qtype, transport, ECS: each sent once, remembered by its DNS id.
            plan = [("app.gslb.test", "A", "udp", None), ("app.gslb.test", "A", "udp", None),
                    ("two.gslb.test", "A", "tcp", None), ("v6.gslb.test", "A", "udp", None),
                    ("sticky.gslb.test", "A", "udp", ("198.51.100.7", 24)),
                    ("static.gslb.test", "A", "udp", None), ("nx.gslb.test", "A", "tcp", None)]
            cls.sent = {}
            for name, qtype, transport, ecs in plan:
                q = query(name, qtype, ecs)
                if transport == "udp":
                    data = harness.udp_exchange(cls.port, q)
                else:
                    data = harness.tcp_exchange(cls.port, q)
                if data is None:
                    raise RuntimeError("no answer to %s" % name)
                qid = struct.unpack("!H", q[:2])[0]
                cls.sent[qid] = (name, transport, harness.parse_message(data))
            # The writer takes records off the rings within a millisecond or so.
            deadline = time.monotonic() + 5
            cls.metrics = {}
            while time.monotonic() < deadline:
                cls.metrics = metrics(cls.api_port)
                if cls.metrics.get("gslbd_dnstap_written_total", 0) >= len(plan):
                    break
                time.sleep(0.05)
        except BaseException:
            cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            shutil.rmtree(cls.out_dir, ignore_errors=True)
            raise
        try:
            cls.stop_server()  # the file is complete once gslbd has exited
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)
        cls.records = {r["response"]["id"]: r for r in dnstap_records(cls.tap)
                       if r["response"] is not None}
        cls.ldns, cls.ldns_text = dnstap_ldns(cls.tap)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out_dir, ignore_errors=True)

    def extra(self, qid):
        raw = self.records[qid]["extra"]
        self.assertIsNotNone(raw, "no extra for %s" % self.sent[qid][0])
        return json.loads(raw)

    def ids(self, name):
        return [qid for qid, (n, _, _) in self.sent.items() if n == name]

    def test_dnstap_ldns_reads_every_query_once(self):
        by_id = {}
        for mtype, proto, qid, qname, rcode in self.ldns:
            self.assertEqual(mtype, "AUTH_RESPONSE", self.ldns_text[:2000])
            by_id.setdefault(qid, []).append((proto, qname, rcode))
        for qid, (name, transport, resp) in self.sent.items():
            self.assertEqual(by_id.get(qid), [(transport.upper(), name + ".", resp["status"])],
                             self.ldns_text[-4000:])

    def test_rcodes_as_sent(self):
        statuses = {name: resp["status"] for name, _, resp in self.sent.values()}
        self.assertEqual(statuses["nx.gslb.test"], "NXDOMAIN")
        self.assertEqual(statuses["app.gslb.test"], "NOERROR")

    def test_query_and_response_in_one_message(self):
        for qid, (name, _, resp) in self.sent.items():
            r = self.records[qid]
            self.assertEqual(r["type"], 2)  # AUTH_RESPONSE
            self.assertEqual(r["query"]["question"][0]["name"], name + ".")
            self.assertFalse(r["query"]["qr"])
            self.assertEqual(r["response"]["answer"], resp["answer"])

    def test_identity_and_version(self):
        for r in self.records.values():
            self.assertEqual(r["identity"], b"ns-a.gslb.test")
            self.assertTrue(r["version"].startswith(b"gslbd "), r["version"])

    def test_extra_names_the_members_answered(self):
        for name in ("app.gslb.test", "two.gslb.test"):
            for qid in self.ids(name):
                d = self.extra(qid)
                resp = self.sent[qid][2]
                answered = sorted(self.member_of(name, a["rdata"]) for a in resp["answer"])
                self.assertEqual(d["service"], name, d)
                self.assertEqual(d["policy"], "weighted", d)
                self.assertEqual(d["candidates"], "healthy", d)
                self.assertEqual(d["answer"], "members", d)
                self.assertEqual(sorted(d["picked"]), answered, d)
                self.assertEqual(d["ttl"], 30, d)
                self.assertEqual(d["tier"], 1, d)
        self.assertEqual(len(self.extra(self.ids("two.gslb.test")[0])["picked"]), 2)

    def test_extra_of_nodata_and_ecs(self):
        d = self.extra(self.ids("v6.gslb.test")[0])
        self.assertEqual((d["service"], d["answer"], d["picked"]), ("v6.gslb.test", "nodata", []))
        d = self.extra(self.ids("sticky.gslb.test")[0])
        self.assertEqual(d["ecs_scope"], 24, d)  # persistence per /24 of the ECS client

    def test_no_extra_without_a_service(self):
        for name in ("static.gslb.test", "nx.gslb.test"):
            self.assertIsNone(self.records[self.ids(name)[0]]["extra"], name)

    def test_tcp_recorded_as_tcp(self):
        self.assertEqual(self.records[self.ids("two.gslb.test")[0]]["protocol"], 2)
        self.assertEqual(self.records[self.ids("app.gslb.test")[0]]["protocol"], 1)

    def test_metrics_count_written_none_dropped(self):
        self.assertGreaterEqual(self.metrics.get("gslbd_dnstap_written_total", 0),
                                len(self.sent), self.metrics)
        self.assertEqual(self.metrics.get("gslbd_dnstap_dropped_total"), 0, self.metrics)


class TestDnstapSocket(DnstapCase):

    @classmethod
    def setUpClass(cls):
        cls.out_dir = tempfile.mkdtemp(prefix="gslbd-dnstap-sock-")
        cls.sock = os.path.join(cls.out_dir, "tap.sock")
        cls.capture_file = os.path.join(cls.out_dir, "captured.dnstap")
        cls.capture = subprocess.Popen(
            ["fstrm_capture", "-t", "protobuf:dnstap.Dnstap", "-u", cls.sock, "-w",
             cls.capture_file], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 5
        while not os.path.exists(cls.sock) and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            cls.start(["--dnstap", "unix:" + cls.sock, "--dnstap-decisions", "off"])
            q = query("app.gslb.test")
            cls.qid = struct.unpack("!H", q[:2])[0]
            cls.answer = harness.udp_exchange(cls.port, q)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if metrics(cls.api_port).get("gslbd_dnstap_written_total", 0) >= 1:
                    break
                time.sleep(0.05)
            cls.stop_server()
        finally:
            cls.capture.send_signal(signal.SIGTERM)
            try:
                cls.capture.wait(timeout=5)
            except subprocess.TimeoutExpired:
                cls.capture.kill()
            if getattr(cls, "tmp", None):
                shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out_dir, ignore_errors=True)

    def test_collector_receives_the_response_without_extra(self):
        self.assertIsNotNone(self.answer)
        ldns, text = dnstap_ldns(self.capture_file)
        self.assertIn(("AUTH_RESPONSE", "UDP", self.qid, "app.gslb.test.", "NOERROR"), ldns, text)
        records = [r for r in dnstap_records(self.capture_file)
                   if r["response"] and r["response"]["id"] == self.qid]
        self.assertEqual(len(records), 1)
        self.assertIsNone(records[0]["extra"])


class TestDnstapBadPath(unittest.TestCase):

    def test_uncreatable_file_exits_2(self):
        for dest, words in (("/nonexistent-dir/gslbd.dnstap", "cannot create"),
                            ("unix:/nonexistent-dir/tap.sock", "does not exist")):
            p = subprocess.run([harness.gslbd_path(), "--listen", "127.0.0.1:%d" %
                                harness.free_port(), "--db", "none", "--dnstap", dest],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--dnstap", p.stderr)
            self.assertIn(words, p.stderr)


if __name__ == "__main__":
    unittest.main()
