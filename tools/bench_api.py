#!/usr/bin/env python3
"""API benchmark for `make bench` (issue: REST API), loopback only, bounded in time.

Time from an API write returning to the first DNS answer that reflects it: gslbd (dns + api
roles, no health role) serves a priority service with members p (tier 1) and s (tier 2). Each
run PATCHes p {"drained": true} (answers must move to s) or {"drained": false} (back to p); the
clock starts when the PATCH response has been read and stops at the first UDP answer that
reflects the change (queries sent back to back). Median, p90 and max of N runs (default 20).

usage: bench_api.py GSLBD [runs]
"""
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

GSLBD = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(sock, port, name):
    q = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    sock.sendto(q, ("127.0.0.1", port))
    try:
        r = sock.recv(2048)
    except socket.timeout:
        return None
    an = struct.unpack(">H", r[6:8])[0]
    i = len(q)
    out = []
    for _ in range(an):
        i += 2
        t, _, _, rdlen = struct.unpack(">HHIH", r[i:i + 10])
        i += 10
        if t == 1:
            out.append(socket.inet_ntoa(r[i:i + 4]))
        i += rdlen
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="gslbd-bench-api-")
    db = os.path.join(tmp, "gslb.db")
    doc = {"zones": [{"name": "api.test", "soa": {"mname": "ns1.api.test.", "rname": "h.api.test."},
                      "ns": ["ns1.api.test."],
                      "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}],
           "services": [{"name": "app.api.test", "policy": "priority", "ttl": 0, "members": [
               {"name": "p", "address": "192.0.2.1", "priority": 1},
               {"name": "s", "address": "192.0.2.2", "priority": 2}]}]}
    path = os.path.join(tmp, "doc.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    subprocess.run([GSLBD, "apply", "--db", db, path], check=True, capture_output=True)
    dns_port, api_port = free_port(), free_port()
    g = subprocess.Popen([GSLBD, "--listen", "127.0.0.1:%d" % dns_port, "--db", db,
                          "--roles", "dns,api", "--api", "127.0.0.1:%d" % api_port,
                          "--api-insecure-loopback"],
                         stderr=subprocess.DEVNULL)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.5)
    times = []
    try:
        deadline = time.monotonic() + 10
        while query(sock, dns_port, "app.api.test") != ["192.0.2.1"]:
            if time.monotonic() > deadline:
                raise SystemExit("gslbd did not answer")
            time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=10)
        for run in range(RUNS):
            drain = run % 2 == 0
            want = "192.0.2.2" if drain else "192.0.2.1"
            conn.request("PATCH", "/v1/services/app.api.test/members/p",
                         body=json.dumps({"drained": drain}),
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            t0 = time.monotonic()
            if resp.status != 200:
                raise SystemExit("PATCH answered %d" % resp.status)
            while query(sock, dns_port, "app.api.test") != [want]:
                if time.monotonic() - t0 > 5:
                    raise SystemExit("run %d: no answer reflected the write in 5 s" % run)
            times.append(time.monotonic() - t0)
            time.sleep(0.15)  # unaligned with the 100 ms poll, so runs sample its phase
    finally:
        g.send_signal(signal.SIGTERM)
        g.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    times.sort()
    print("api write -> dns answer (%d runs): median %.0f ms, p90 %.0f ms, max %.0f ms "
          "(goal: median <= 500 ms)" % (
              len(times), statistics.median(times) * 1e3,
              times[int(len(times) * 0.9) - 1] * 1e3, times[-1] * 1e3))


if __name__ == "__main__":
    main()
