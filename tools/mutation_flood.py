#!/usr/bin/env python3
"""Mutation flood against a running gslbd (issue 14): mutated DNS queries (bit flips, truncations,
random OPT options, random labels and compression pointers, header counts that lie) made from a
seed corpus built here, sent over UDP and TCP for --seconds, while once a second a good query
must be answered (within 1 s, over UDP) and, with --pid, the process must stay alive. RSS
(/proc/PID/status VmRSS) is read after --warmup seconds and at the end; growth over
--max-rss-growth percent fails the run. Standard library only; traffic to --host (loopback).

  tools/mutation_flood.py --port 5353 --pid $(pidof gslbd) --seconds 600 --name www.example.test

Prints one summary line (and a JSON object with --json); exit 0 when every check held, 1 when
one failed, 2 on bad arguments."""

import argparse
import json
import os
import random
import socket
import struct
import sys
import time

TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 43, 46, 48, 52, 64, 65, 99, 251, 252, 255, 257,
         65535]


def name_wire(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def opt(udp=1232, ext=0, version=0, do=False, options=()):
    rdata = b"".join(struct.pack("!HH", c, len(d)) + d for c, d in options)
    return b"\0" + struct.pack("!HHBBHH", 41, udp, ext, version, 0x8000 if do else 0,
                               len(rdata)) + rdata


def query(name, qtype=1, qid=0, flags=0, edns=None, extra_q=0):
    wire = name_wire(name)
    body = wire + struct.pack("!HH", qtype, 1)
    for _ in range(extra_q):
        body += b"\xc0\x0c" + struct.pack("!HH", qtype, 1)
    return header(qid, flags, 1 + extra_q, 0, 0, 1 if edns else 0) + body + (edns or b"")


def corpus(names):
    """Queries that exercise most of the parser: every kind of name we serve, EDNS with the
    options gslbd reads (ECS, cookies, NSID, padding, keepalive), pointers, odd opcodes."""
    seeds = []
    ecs4 = struct.pack("!HBB", 1, 24, 0) + bytes([198, 51, 100])
    ecs6 = struct.pack("!HBB", 2, 56, 0) + bytes(7)
    for name in names:
        for qt in (1, 28, 16, 6, 15, 2, 255, 33, 257, 252):
            seeds.append(query(name, qt))
            seeds.append(query(name, qt, edns=opt()))
        seeds.append(query(name, 1, edns=opt(do=True, options=[(8, ecs4)])))
        seeds.append(query(name, 28, edns=opt(options=[(8, ecs6), (10, os.urandom(8))])))
        seeds.append(query(name, 1, edns=opt(options=[(10, os.urandom(8) + os.urandom(16))])))
        seeds.append(query(name, 1, edns=opt(options=[(3, b""), (12, bytes(40)), (11, b"")])))
        seeds.append(query(name, 1, edns=opt(version=1)))
        seeds.append(query(name, 1, extra_q=1))
        seeds.append(query(name, 1, flags=0x0100))            # RD
        seeds.append(query(name, 6, flags=4 << 11))           # NOTIFY
        seeds.append(query(name, 6, flags=5 << 11))           # UPDATE
        seeds.append(query(name, 1, flags=0x8000))            # a response
        seeds.append(query("x." + name, 1, edns=opt()))       # NXDOMAIN / wildcard paths
    seeds.append(query("id.server", 16) [:-4] + struct.pack("!HH", 16, 3))  # CHAOS
    # A question name that is only a pointer to itself, and one to the header.
    seeds.append(header(1) + b"\xc0\x0c" + struct.pack("!HH", 1, 1))
    seeds.append(header(1) + b"\x03www\xc0\x00" + struct.pack("!HH", 1, 1))
    return seeds


class Mutator:
    def __init__(self, rng):
        self.rng = rng
        self.ops = [self.bit_flips, self.truncate, self.add_opt, self.random_labels,
                    self.random_pointer, self.lie_counts, self.splice, self.insert_bytes,
                    self.delete_bytes]

    def mutate(self, msg):
        msg = bytearray(msg)
        for _ in range(self.rng.choice((1, 1, 1, 2, 3))):
            msg = bytearray(self.rng.choice(self.ops)(msg))
        if len(msg) >= 2:
            msg[0:2] = struct.pack("!H", self.rng.randrange(65536))
        return bytes(msg[:65535])

    def bit_flips(self, m):
        for _ in range(self.rng.randint(1, 8)):
            if m:
                i = self.rng.randrange(len(m))
                m[i] ^= 1 << self.rng.randrange(8)
        return m

    def truncate(self, m):
        return m[:self.rng.randrange(len(m) + 1)]

    def add_opt(self, m):
        r = self.rng
        options = []
        for _ in range(r.randint(0, 4)):
            code = r.choice((0, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, r.randrange(65536)))
            options.append((code, os.urandom(r.choice((0, 1, 2, 4, 7, 8, 16, 40, 300)))))
        rr = bytearray(opt(r.choice((0, 511, 512, 1232, 4096, 65535)), r.randrange(256),
                           r.choice((0, 0, 1, 255)), r.random() < 0.5, options))
        if r.random() < 0.3 and len(rr) > 11:  # an RDLENGTH that lies
            rr[9:11] = struct.pack("!H", r.randrange(65536))
        if len(m) >= 12:
            ar = struct.unpack("!H", m[10:12])[0]
            m[10:12] = struct.pack("!H", (ar + 1) & 0xFFFF)
        return m + rr

    def random_labels(self, m):
        r = self.rng
        labels = b""
        for _ in range(r.randint(1, 40)):
            n = r.choice((0, 1, 5, 63, 64, 127, r.randrange(256)))
            labels += bytes([n]) + os.urandom(min(n, 63))
        tail = b"\0" if r.random() < 0.7 else b""
        return m[:12] + labels + tail + struct.pack("!HH", r.choice(TYPES), 1) + m[12:] \
            if r.random() < 0.5 else m[:12] + labels + tail + m[12:]

    def random_pointer(self, m):
        r = self.rng
        at = r.randrange(12, len(m) + 1) if len(m) > 12 else len(m)
        target = r.choice((0, 12, at, r.randrange(max(1, len(m))), r.randrange(0x4000)))
        return m[:at] + struct.pack("!H", 0xC000 | (target & 0x3FFF)) + m[at:]

    def lie_counts(self, m):
        if len(m) >= 12:
            i = self.rng.choice((4, 6, 8, 10))
            m[i:i + 2] = struct.pack("!H", self.rng.choice((0, 1, 2, 255, 65535,
                                                            self.rng.randrange(65536))))
        return m

    def splice(self, m):
        return m + m[12:][:self.rng.randrange(1, 200)]

    def insert_bytes(self, m):
        at = self.rng.randrange(len(m) + 1)
        return m[:at] + os.urandom(self.rng.randint(1, 16)) + m[at:]

    def delete_bytes(self, m):
        if not m:
            return m
        at = self.rng.randrange(len(m))
        return m[:at] + m[at + self.rng.randint(1, 16):]


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def good_answer(host, port, name, timeout=1.0):
    """Seconds until a good query for `name` got a NOERROR answer with records (resent every
    0.25 s), or None when none came within `timeout`."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((host, 0))
        t0 = time.monotonic()
        qid = random.randrange(1, 65536)
        q = query(name, 1, qid=qid, edns=opt())
        next_send = t0
        while time.monotonic() - t0 < timeout:
            if time.monotonic() >= next_send:
                s.sendto(q, (host, port))
                next_send += 0.25
            s.settimeout(max(0.01, min(next_send, t0 + timeout) - time.monotonic()))
            try:
                data = s.recv(65535)
            except socket.timeout:
                continue
            if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                flags, _, an = struct.unpack("!HHH", data[2:8])
                if flags & 0x8000 and flags & 0xF == 0 and an > 0:
                    return time.monotonic() - t0
        return None
    finally:
        s.close()


class TcpLane:
    """One TCP connection sending framed mutated messages, reconnecting when gslbd closes it."""

    def __init__(self, host, port, rng):
        self.host, self.port, self.rng = host, port, rng
        self.sock = None
        self.connects = self.sent = self.closed_by_server = 0

    def send(self, msg):
        if self.sock is None:
            try:
                self.sock = socket.create_connection((self.host, self.port), timeout=1)
                self.sock.setblocking(False)
                self.connects += 1
            except OSError:
                return
        r = self.rng.random()
        if r < 0.05:
            framed = struct.pack("!H", self.rng.randrange(65536)) + msg  # a length that lies
        elif r < 0.08:
            framed = struct.pack("!H", len(msg))[:1]  # half a length
        else:
            framed = struct.pack("!H", len(msg)) + msg
        try:
            self.sock.send(framed)
            self.sent += 1
            while True:
                if not self.sock.recv(65536):
                    raise ConnectionResetError
        except BlockingIOError:
            pass
        except OSError:
            self.closed_by_server += 1
            self.sock.close()
            self.sock = None
        if r < 0.08 and self.sock is not None:  # that one now waits for a timeout: move on
            self.sock.close()
            self.sock = None

    def close(self):
        if self.sock is not None:
            self.sock.close()


def run(args):
    rng = random.Random(args.seed)
    names = args.name or ["www.example.test"]
    seeds = corpus(names)
    mut = Mutator(rng)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.host, 0))
    udp.setblocking(False)
    lanes = [TcpLane(args.host, args.port, rng) for _ in range(args.tcp_lanes)]
    stats = {"udp_sent": 0, "udp_replies": 0, "tcp_sent": 0, "tcp_connects": 0,
             "good_checks": 0, "good_failed": 0, "good_worst_ms": 0.0, "alive": True,
             "rss_start_kb": None, "rss_end_kb": None, "rss_growth_pct": None,
             "seconds": args.seconds, "seed": args.seed}
    failures = []
    t0 = time.monotonic()
    next_check = t0 + 1.0
    warm_until = t0 + args.warmup
    n = 0
    while True:
        now = time.monotonic()
        if now - t0 >= args.seconds:
            break
        if stats["rss_start_kb"] is None and now >= warm_until and args.pid:
            stats["rss_start_kb"] = rss_kb(args.pid)
        due = int((now - t0) * args.rate)
        while n < due:
            msg = mut.mutate(rng.choice(seeds))
            if n % 4 == 3 and lanes:
                lanes[n % len(lanes)].send(msg)
                stats["tcp_sent"] += 1
            else:
                try:
                    udp.sendto(msg, (args.host, args.port))
                    stats["udp_sent"] += 1
                except (BlockingIOError, OSError):
                    pass
            n += 1
        while True:
            try:
                udp.recv(65535)
                stats["udp_replies"] += 1
            except (BlockingIOError, OSError):
                break
        if now >= next_check:
            next_check += 1.0
            if args.pid and not os.path.exists("/proc/%d" % args.pid):
                stats["alive"] = False
                failures.append("gslbd (pid %d) is gone after %.1f s" % (args.pid, now - t0))
                break
            took = good_answer(args.host, args.port, names[0])
            stats["good_checks"] += 1
            if took is None:
                stats["good_failed"] += 1
                failures.append("no answer to a good query within 1 s at %.1f s" % (now - t0))
            else:
                stats["good_worst_ms"] = max(stats["good_worst_ms"], took * 1000)
        time.sleep(0.002)
    for lane in lanes:
        stats["tcp_connects"] += lane.connects
        lane.close()
    udp.close()
    if args.pid:
        if not os.path.exists("/proc/%d" % args.pid):
            stats["alive"] = False
            if not any("gone" in f for f in failures):
                failures.append("gslbd (pid %d) is gone at the end" % args.pid)
        stats["rss_end_kb"] = rss_kb(args.pid)
        if stats["rss_start_kb"] and stats["rss_end_kb"]:
            growth = 100.0 * (stats["rss_end_kb"] - stats["rss_start_kb"]) / stats["rss_start_kb"]
            stats["rss_growth_pct"] = round(growth, 2)
            if growth >= args.max_rss_growth:
                failures.append("RSS grew %.1f %% (%d -> %d kB) after the warm-up"
                                % (growth, stats["rss_start_kb"], stats["rss_end_kb"]))
    stats["failures"] = failures
    return stats


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, help="gslbd's pid: alive checks and RSS")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--warmup", type=float, default=5, help="seconds before the first RSS figure")
    p.add_argument("--rate", type=int, default=2000, help="mutated messages a second")
    p.add_argument("--tcp-lanes", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--name", action="append", help="a name gslbd answers (repeatable); the "
                   "first is the good query")
    p.add_argument("--max-rss-growth", type=float, default=10.0, help="percent")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.seconds <= args.warmup and args.pid:
        p.error("--seconds must be longer than --warmup")
    stats = run(args)
    print("mutation flood %.0f s (seed %d): %d UDP (%d replies) + %d TCP messages on %d "
          "connections; good query %d/%d answered (worst %.0f ms); RSS %s -> %s kB (%s %%); %s"
          % (args.seconds, args.seed, stats["udp_sent"], stats["udp_replies"], stats["tcp_sent"],
             stats["tcp_connects"], stats["good_checks"] - stats["good_failed"],
             stats["good_checks"], stats["good_worst_ms"], stats["rss_start_kb"],
             stats["rss_end_kb"], stats["rss_growth_pct"],
             "; ".join(stats["failures"]) or "ok"))
    if args.json:
        print(json.dumps(stats))
    sys.exit(1 if stats["failures"] else 0)


if __name__ == "__main__":
    main()
