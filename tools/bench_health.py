#!/usr/bin/env python3
"""Health benchmarks for `make bench` (issue: healthd), loopback only, bounded in time.

1. Failover convergence: gslbd (dns + health roles) with an http check (interval 200 ms, fall 3)
   on two local HTTP sites, priority policy. Stop the primary, time until the last answer naming
   it (answers polled every 10 ms); start it again; median of N runs (default 10).
2. Agent CPU: a health-only gslbd (--roles health) probing M members (default 10 000) with a tcp
   check at 1 s; the sites are one local listener on 127.1.0.0/16 addresses. CPU of that process
   over 20 s, as a share of one core, beside tools/connect_floor doing the same connects and
   nothing else (the kernel's part). Twice: on the machine's loopback, where the kernel bills the
   sites' half of every handshake to the agent, and with the sites apart (a private network
   namespace whose received packets are processed on the other core, as a NIC's would be).

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
FLOOR = os.path.join(os.path.dirname(os.path.abspath(GSLBD)), "tools", "connect_floor")


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


class Listener:
    """The sites of the CPU bench: one listener on every 127.1.x.y address, accepting and closing."""

    def __init__(self):
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("0.0.0.0", self.port))
        self.sock.listen(4096)
        self.stopped = threading.Event()
        # Blocking accepts (no per-call poll): Python must drain 10 000 connections a second
        # beside gslbd on a small machine, or SYNs drop and probes time out instead.
        for _ in range(2):
            threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stopped.is_set():
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                return

    def stop(self):
        self.stopped.set()
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accepts
        self.sock.close()


def pinned(cpu):
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def agent_cpu(listener, cpu=None):
    """CPU of a health-only gslbd probing MEMBERS tcp members at 1 s, as a share of one core."""
    tmp = tempfile.mkdtemp(prefix="gslbd-bench-cpu-")
    members = [{"name": "m%d" % i, "address": "127.1.%d.%d" % (i // 250, i % 250 + 1)}
               for i in range(MEMBERS)]
    db = os.path.join(tmp, "gslb.db")
    apply(db, {"zones": [zone("cpu.test")],
               "checks": [{"name": "tcp", "type": "tcp", "port": listener.port,
                           "interval_ms": 1000, "timeout_ms": 500, "rise": 2, "fall": 3}],
               "services": [{"name": "pool.cpu.test", "policy": "weighted", "check": "tcp",
                             "members": members}]}, tmp)
    g = subprocess.Popen([GSLBD, "--roles", "health", "--db", db], stderr=subprocess.DEVNULL,
                         preexec_fn=pinned(cpu))
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
        shutil.rmtree(tmp, ignore_errors=True)
    return (c1 - c0) / hz / (t1 - t0), up


def floor_cpu(listener, cpu=None):
    """CPU of tools/connect_floor doing the same connects with nothing else."""
    out = subprocess.run([FLOOR, str(listener.port), str(MEMBERS), "20"], check=True,
                         capture_output=True, text=True, preexec_fn=pinned(cpu)).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def cpu_figures(cpu_agent=None):
    listener = Listener()
    try:
        agent, up = agent_cpu(listener, cpu_agent)
        floor, ok, failed = floor_cpu(listener, cpu_agent)
    finally:
        listener.stop()
    return {"agent": agent, "up": up, "floor": floor, "floor_ok": ok, "floor_failed": failed}


def cpu_figures_sites_apart():
    """The same, with the sites' half of every handshake on the other core.

    On loopback the kernel runs the listener's side of each connection (SYN, the ACK that makes
    the accepted socket, the wake-up of the accepting thread, the RST) in the context of the
    process that sends the packet, and bills it to the agent: sites on their own hosts would
    not. So this runs in a private network namespace (its own lo, 127.0.0.0/8 only: no traffic
    can leave it) whose lo hands received packets to CPU 1 (RPS), as a NIC's interrupt would,
    with the agent pinned to CPU 0 and the sites to CPU 1. Needs root, `ip` and 2 CPUs.
    """
    if os.geteuid() != 0 or shutil.which("ip") is None or (os.cpu_count() or 1) < 2:
        return None
    ns = "gslbd-bench-%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", ns], capture_output=True).returncode != 0:
        return None
    try:
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                            GSLBD, str(RUNS), str(MEMBERS), "--sites-apart"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return None
        return json.loads(r.stdout)
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def sites_apart_child():
    """Inside the namespace: lo up, received packets to CPU 1, sites on CPU 1, agent on CPU 0."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open("/sys/class/net/lo/queues/rx-0/rps_cpus", "w") as f:
        f.write("2")
    os.sched_setaffinity(0, {1})
    print(json.dumps(cpu_figures(cpu_agent=0)))


if __name__ == "__main__":
    if "--sites-apart" in sys.argv:
        sites_apart_child()
        sys.exit(0)
    t = failover()
    print("failover convergence over %d runs: median %.0f ms (min %.0f, max %.0f); goal <= 1000 ms"
          % (len(t), statistics.median(t) * 1000, min(t) * 1000, max(t) * 1000))
    for label, f in (("sites on loopback", cpu_figures()),
                     ("sites apart", cpu_figures_sites_apart())):
        if f is None:
            print("agent CPU, %s: skipped (needs root, ip netns and 2 CPUs)" % label)
            continue
        print("agent CPU for %d tcp members at 1 s, %s: %.1f %% of a core (%d members up); "
              "connect_floor (the kernel's part alone, %d ok, %d failed): %.1f %%; "
              "agent/floor %.2f; goal <= 25 %%"
              % (MEMBERS, label, f["agent"] * 100, f["up"], f["floor_ok"], f["floor_failed"],
                 f["floor"] * 100, f["agent"] / f["floor"]))
