#!/usr/bin/env python3
"""Health benchmarks for `make bench` (issue: healthd), loopback only, bounded in time.

1. Failover convergence: gslbd (dns + health roles) with an http check (interval 200 ms, fall 3)
   on two local HTTP sites, priority policy. Stop the primary, time until the last answer naming
   it (answers polled every 10 ms); start it again; median of N runs (default 10).
2. Agent CPU: a health-only gslbd (--roles health) probing M members (default 10 000) with a tcp
   check at 1 s; the sites are one local listener on 127.1.0.0/16 addresses. CPU of that process
   over 20 s, as a share of one core.

usage: bench_health.py GSLBD [runs] [members]
"""
import http.server
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import json

GSLBD = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
MEMBERS = int(sys.argv[3]) if len(sys.argv) > 3 else 10000


def free_port(addr="127.0.0.1"):
    with socket.socket() as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        try:
            self.wfile.write(b"ok\n")
        except OSError:
            pass  # the checker may close first

    def log_message(self, *a):
        pass


class Site:
    def __init__(self, addr, port):
        self.addr, self.port, self.httpd = addr, port, None

    def start(self):
        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.httpd = http.server.ThreadingHTTPServer((self.addr, self.port), Health)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def query(port, name, timeout=0.5):
    q = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, ("127.0.0.1", port))
        try:
            r = s.recv(2048)
        except socket.timeout:
            return None
    an = struct.unpack(">H", r[6:8])[0]
    i = 12 + len(q) - 12
    out = []
    for _ in range(an):
        i += 2  # compressed owner
        t, _, _, rdlen = struct.unpack(">HHIH", r[i:i + 10])
        i += 10
        if t == 1:
            out.append(socket.inet_ntoa(r[i:i + 4]))
        i += rdlen
    return out


def apply(db, doc, tmp):
    path = os.path.join(tmp, "doc.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    subprocess.run([GSLBD, "apply", "--db", db, path], check=True, capture_output=True)


def zone(name):
    return {"name": name, "soa": {"mname": "ns1." + name + ".", "rname": "h." + name + "."},
            "ns": ["ns1." + name + "."],
            "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"}]}


def failover():
    tmp = tempfile.mkdtemp(prefix="gslbd-bench-fo-")
    port = free_port("127.0.0.21")
    primary, secondary = Site("127.0.0.21", port), Site("127.0.0.22", port)
    primary.start()
    secondary.start()
    db = os.path.join(tmp, "gslb.db")
    apply(db, {"zones": [zone("fo.test")],
               "checks": [{"name": "web", "type": "http", "port": port, "path": "/health",
                           "interval_ms": 200, "timeout_ms": 150, "rise": 2, "fall": 3}],
               "services": [{"name": "app.fo.test", "policy": "priority", "ttl": 5,
                             "check": "web", "members": [
                                 {"name": "p", "address": "127.0.0.21", "priority": 1},
                                 {"name": "s", "address": "127.0.0.22", "priority": 2}]}]}, tmp)
    dns_port = free_port()
    g = subprocess.Popen([GSLBD, "--listen", "127.0.0.1:%d" % dns_port, "--db", db,
                          "--roles", "dns,health"],
                         stderr=subprocess.DEVNULL)
    times = []
    try:
        for run in range(RUNS):
            deadline = time.monotonic() + 10
            while query(dns_port, "app.fo.test") != ["127.0.0.21"]:
                if time.monotonic() > deadline:
                    raise SystemExit("primary not answered before run %d" % run)
                time.sleep(0.02)
            time.sleep(0.5)
            primary.stop()
            t0 = time.monotonic()
            last_primary = t0
            while time.monotonic() - t0 < 5:
                a = query(dns_port, "app.fo.test")
                now = time.monotonic()
                if a is None or "127.0.0.21" in a:
                    last_primary = now
                elif now - last_primary > 1.0:
                    break
                time.sleep(0.01)
            times.append(last_primary - t0)
            primary.start()
    finally:
        g.send_signal(signal.SIGTERM)
        g.wait(10)
        primary.stop() if primary.httpd else None
        secondary.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return times


def agent_cpu():
    tmp = tempfile.mkdtemp(prefix="gslbd-bench-cpu-")
    port = free_port()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(4096)
    stop = threading.Event()

    def accept_loop():
        # Blocking accepts (no per-call poll): Python must drain 10 000 connections a second
        # beside gslbd on a small machine, or SYNs drop and probes time out instead.
        while not stop.is_set():
            try:
                c, _ = listener.accept()
                c.close()
            except OSError:
                return

    for _ in range(2):
        threading.Thread(target=accept_loop, daemon=True).start()
    members = [{"name": "m%d" % i, "address": "127.1.%d.%d" % (i // 250, i % 250 + 1)}
               for i in range(MEMBERS)]
    db = os.path.join(tmp, "gslb.db")
    apply(db, {"zones": [zone("cpu.test")],
               "checks": [{"name": "tcp", "type": "tcp", "port": port, "interval_ms": 1000,
                           "timeout_ms": 500, "rise": 2, "fall": 3}],
               "services": [{"name": "pool.cpu.test", "policy": "weighted", "check": "tcp",
                             "members": members}]}, tmp)
    g = subprocess.Popen([GSLBD, "--roles", "health", "--db", db], stderr=subprocess.DEVNULL)
    hz = os.sysconf("SC_CLK_TCK")

    def ticks():
        with open("/proc/%d/stat" % g.pid) as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])

    try:
        time.sleep(5)  # first round, spread over the first interval, and settle
        t0, c0 = time.monotonic(), ticks()
        time.sleep(20)
        t1, c1 = time.monotonic(), ticks()
        con = sqlite3.connect(db)
        up = con.execute("SELECT count(*) FROM observations WHERE up = 1").fetchone()[0]
        con.close()
    finally:
        g.send_signal(signal.SIGTERM)
        g.wait(10)
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accepts
        listener.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return (c1 - c0) / hz / (t1 - t0), up


if __name__ == "__main__":
    t = failover()
    print("failover convergence over %d runs: median %.0f ms (min %.0f, max %.0f); goal <= 1000 ms"
          % (len(t), statistics.median(t) * 1000, min(t) * 1000, max(t) * 1000))
    cpu, up = agent_cpu()
    print("agent CPU for %d members at 1 s (tcp): %.1f %% of a core (%d members up); goal <= 25 %%"
          % (MEMBERS, cpu * 100, up))
