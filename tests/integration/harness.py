"""Shared machinery for the gslbd integration tests (Python 3 standard library only).

* GslbdServer starts a real gslbd on a free loopback port, waits until it answers, and stops it,
  failing when it does not exit cleanly or when a sanitizer reported anything.
* dig()/kdig() run the real tools against it and parse their output into Python structures.
* build_query()/parse_message() and udp_exchange()/tcp_exchange() speak raw DNS for the checks that
  need exact bytes or malformed packets.
* GslbdTestCase is a unittest base class: one server per test class (setUpClass/tearDownClass).

All traffic goes to 127.0.0.1; every wait is bounded in time.
"""

import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ZONE_DIR = os.path.join(HERE, "zones")
HOST = "127.0.0.1"
HOST6 = "::1"

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "ERROR: ThreadSanitizer",
    "runtime error:",
    "SUMMARY: AddressSanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer",
)

# RR types by name and number (what the tests use).
TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
    "SRV": 33, "OPT": 41, "DS": 43, "CAA": 257, "AXFR": 252, "ANY": 255,
}
CLASSES = {"IN": 1, "CH": 3, "ANY": 255}
RCODES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
    16: "BADVERS", 23: "BADCOOKIE",
}


def gslbd_path():
    path = os.environ.get("GSLBD")
    if not path:
        src = os.environ.get("GSLBD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
        for build in ("build-integ", "build-asan", "build"):
            candidate = os.path.join(src, build, "gslbd")
            if os.path.exists(candidate):
                path = candidate
                break
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest("set GSLBD to the gslbd binary")
    return path


def gslbctl_path():
    """The gslbctl binary: $GSLBCTL, else tools/gslbctl beside the gslbd in use, else the
    newest <src>/build*/tools/gslbctl."""
    path = os.environ.get("GSLBCTL")
    if not path:
        src = os.environ.get("GSLBD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
        candidates = []
        if os.environ.get("GSLBD"):
            candidates.append(os.path.join(os.path.dirname(os.environ["GSLBD"]), "tools",
                                           "gslbctl"))
        builds = [os.path.join(src, d, "tools", "gslbctl") for d in os.listdir(src)
                  if d.startswith("build")]
        candidates += sorted((b for b in builds if os.path.exists(b)), key=os.path.getmtime,
                             reverse=True)
        path = next((c for c in candidates if os.path.exists(c)), None)
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest("set GSLBCTL to the gslbctl binary")
    return path


def project_version():
    """The version --version must print: $GSLBD_VERSION (set by CMake), else project()'s in
    the top CMakeLists.txt."""
    if os.environ.get("GSLBD_VERSION"):
        return os.environ["GSLBD_VERSION"]
    src = os.environ.get("GSLBD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
    with open(os.path.join(src, "CMakeLists.txt")) as f:
        m = re.search(r"project\(\s*gslbd\s+VERSION\s+([0-9.]+)", f.read())
    if not m:
        raise AssertionError("no project(gslbd VERSION ...) in " + src + "/CMakeLists.txt")
    return m.group(1)


def zone_path(name):
    return os.path.join(ZONE_DIR, name)


def _proc_net_inodes(port, ipv6):
    """Inodes of the sockets bound to `port` on loopback or the wildcard address (UDP, and TCP
    in LISTEN state), from /proc/net. None when /proc/net is not readable."""
    wanted = {"0100007F", "00000000"}
    files = [("udp", None), ("tcp", "0A")]
    if ipv6:
        wanted |= {"00000000000000000000000001000000", "00000000000000000000000000000000"}
        files += [("udp6", None), ("tcp6", "0A")]
    inodes = set()
    try:
        for name, state in files:
            with open("/proc/net/" + name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    addr, _, hexport = fields[1].partition(":")
                    if int(hexport, 16) != port or addr not in wanted:
                        continue
                    if state is not None and fields[3] != state:
                        continue
                    inodes.add(fields[9])
    except OSError:
        return None
    return inodes


def _process_socket_inodes(pid):
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    try:
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return None
    return inodes


def free_port(ipv6=False):
    """A port that is free on 127.0.0.1 (and ::1 when ipv6) for both UDP and TCP right now (the
    kernel picks it)."""
    for _ in range(50):
        socks = []
        try:
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(t)
            t.bind((HOST, 0))
            port = t.getsockname()[1]
            try:
                for family, kind, host in ((socket.AF_INET, socket.SOCK_DGRAM, HOST),
                                           (socket.AF_INET6, socket.SOCK_STREAM, HOST6),
                                           (socket.AF_INET6, socket.SOCK_DGRAM, HOST6)):
                    if family == socket.AF_INET6 and not ipv6:
                        continue
                    s = socket.socket(family, kind)
                    socks.append(s)
                    s.bind((host, port))
            except OSError:
                continue
            return port
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port found")


# --------------------------------------------------------------------------------------------
# Raw DNS messages
# --------------------------------------------------------------------------------------------

def encode_name(name):
    """Presentation name (no escapes) to uncompressed wire form, case preserved."""
    out = b""
    name = name.rstrip(".")
    if name:
        for label in name.split("."):
            raw = label.encode("ascii")
            out += bytes([len(raw)]) + raw
    return out + b"\x00"


def opt_record(udp_size=1232, version=0, do=False, options=(), ext_rcode=0, rdata=None):
    """An OPT RR. options: iterable of (code, bytes). rdata overrides the encoded options."""
    if rdata is None:
        rdata = b"".join(struct.pack("!HH", c, len(d)) + d for c, d in options)
    flags = 0x8000 if do else 0
    return (b"\x00" + struct.pack("!HHBBHH", TYPES["OPT"], udp_size, ext_rcode, version, flags,
                                  len(rdata)) + rdata)


def build_query(qname, qtype="A", qclass="IN", qid=None, opcode=0, rd=False, edns=None,
                qdcount=None, ancount=0, nscount=0, arcount=None, additional=b""):
    """A query message. qname may be str or raw wire bytes; edns is None or an opt_record()."""
    if qid is None:
        qid = random.randrange(1, 65536)
    qt = TYPES[qtype] if isinstance(qtype, str) else qtype
    qc = CLASSES[qclass] if isinstance(qclass, str) else qclass
    wire = qname if isinstance(qname, bytes) else encode_name(qname)
    question = wire + struct.pack("!HH", qt, qc)
    extra = additional + (edns or b"")
    if arcount is None:
        arcount = (1 if edns else 0) + (1 if additional else 0)
    if qdcount is None:
        qdcount = 1
    flags = (opcode & 0xF) << 11 | (0x0100 if rd else 0)
    header = struct.pack("!HHHHHH", qid, flags, qdcount, ancount, nscount, arcount)
    return header + question + extra


class WireError(Exception):
    pass


def decode_name(msg, pos):
    """Reads a possibly compressed name; returns (lowercase-insensitive text as sent, next pos)."""
    labels = []
    end = None
    hops = 0
    while True:
        if pos >= len(msg):
            raise WireError("name runs past the end")
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise WireError("truncated pointer")
            target = ((length & 0x3F) << 8) | msg[pos + 1]
            if end is None:
                end = pos + 2
            hops += 1
            if hops > 128 or target >= len(msg):
                raise WireError("bad compression pointer")
            pos = target
            continue
        if length & 0xC0:
            raise WireError("bad label type")
        if length == 0:
            pos += 1
            break
        labels.append(msg[pos + 1:pos + 1 + length].decode("latin-1"))
        pos += 1 + length
    name = ".".join(labels) + "."
    return name, (end if end is not None else pos)


def _rdata_text(msg, rtype, start, rdlen):
    rd = msg[start:start + rdlen]
    if rtype == 1 and rdlen == 4:
        return socket.inet_ntop(socket.AF_INET, rd)
    if rtype == 28 and rdlen == 16:
        return socket.inet_ntop(socket.AF_INET6, rd)
    if rtype in (2, 5, 12):
        return decode_name(msg, start)[0]
    if rtype == 15:
        return "%d %s" % (struct.unpack("!H", rd[:2])[0], decode_name(msg, start + 2)[0])
    if rtype == 6:
        mname, p = decode_name(msg, start)
        rname, p = decode_name(msg, p)
        nums = struct.unpack("!IIIII", msg[p:p + 20])
        return "%s %s %d %d %d %d %d" % ((mname, rname) + nums)
    if rtype == 16:
        parts, i = [], 0
        while i < len(rd):
            n = rd[i]
            parts.append(rd[i + 1:i + 1 + n].decode("latin-1"))
            i += 1 + n
        return parts
    return rd


def parse_message(msg):
    """Parses a DNS message into a dict; raises WireError when malformed."""
    if len(msg) < 12:
        raise WireError("short message")
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    res = {
        "id": qid, "qr": bool(flags & 0x8000), "opcode": (flags >> 11) & 0xF,
        "aa": bool(flags & 0x0400), "tc": bool(flags & 0x0200), "rd": bool(flags & 0x0100),
        "ra": bool(flags & 0x0080), "ad": bool(flags & 0x0020), "cd": bool(flags & 0x0010),
        "rcode": flags & 0xF, "counts": (qd, an, ns, ar), "question": [], "answer": [],
        "authority": [], "additional": [], "opt": None, "size": len(msg),
    }
    pos = 12
    for _ in range(qd):
        start = pos
        name, pos = decode_name(msg, pos)
        if pos + 4 > len(msg):
            raise WireError("truncated question")
        qt, qc = struct.unpack("!HH", msg[pos:pos + 4])
        pos += 4
        res["question"].append({"name": name, "type": qt, "class": qc,
                                "wire": msg[start:pos - 4]})
    for section, count in (("answer", an), ("authority", ns), ("additional", ar)):
        for _ in range(count):
            name, pos = decode_name(msg, pos)
            if pos + 10 > len(msg):
                raise WireError("truncated RR header")
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
            pos += 10
            if pos + rdlen > len(msg):
                raise WireError("rdata runs past the end")
            if rtype == 41:
                options, i, rd = [], 0, msg[pos:pos + rdlen]
                while i + 4 <= len(rd):
                    code, olen = struct.unpack("!HH", rd[i:i + 4])
                    options.append((code, rd[i + 4:i + 4 + olen]))
                    i += 4 + olen
                res["opt"] = {"udp_size": rclass, "ext_rcode": ttl >> 24,
                              "version": (ttl >> 16) & 0xFF, "do": bool(ttl & 0x8000),
                              "options": options}
            else:
                res[section].append({"name": name, "type": rtype, "class": rclass, "ttl": ttl,
                                     "rdata": _rdata_text(msg, rtype, pos, rdlen)})
            pos += rdlen
    if pos != len(msg):
        raise WireError("%d trailing octets" % (len(msg) - pos))
    full = res["rcode"] | ((res["opt"]["ext_rcode"] << 4) if res["opt"] else 0)
    res["rcode"] = full
    res["status"] = RCODES.get(full, str(full))
    return res


def udp_exchange(port, packet, timeout=2.0, expect_reply=True):
    """Sends one datagram to 127.0.0.1:port; returns the reply bytes or None after timeout.

    Datagrams whose ID does not match the query are ignored (when the query has an ID)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((HOST, 0))
        s.sendto(packet, (HOST, port))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            s.settimeout(left)
            try:
                data, _ = s.recvfrom(65535)
            except socket.timeout:
                return None
            if len(packet) >= 2 and len(data) >= 2 and data[:2] != packet[:2]:
                continue
            return data
    finally:
        s.close()


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out reading %d octets" % n)
        sock.settimeout(left)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d octets" % (len(buf), n))
        buf += chunk
    return buf


def tcp_read_message(sock, timeout=3.0):
    deadline = time.monotonic() + timeout
    (length,) = struct.unpack("!H", recv_exact(sock, 2, deadline))
    return recv_exact(sock, length, deadline)


def tcp_connect(port, timeout=3.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def tcp_exchange(port, packet, timeout=3.0):
    with tcp_connect(port, timeout) as s:
        s.sendall(struct.pack("!H", len(packet)) + packet)
        return tcp_read_message(s, timeout)


def wait_closed(sock, timeout):
    """Blocks until the peer closes (EOF or reset); returns seconds waited, or None on timeout.
    Any data received meanwhile is discarded."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data = sock.recv(65535)
        except socket.timeout:
            return None
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
        if not data:
            return time.monotonic() - start


# --------------------------------------------------------------------------------------------
# dig / kdig
# --------------------------------------------------------------------------------------------

_RR_LINE = re.compile(r"^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$")


def _parse_rr(line):
    m = _RR_LINE.match(line)
    if not m:
        return None
    name, ttl, cls, rtype, rdata = m.groups()
    return {"name": name.lower(), "owner": name, "ttl": int(ttl), "class": cls, "type": rtype,
            "rdata": rdata.strip()}


def parse_dig(text):
    """Parses dig's default output. Returns a dict with status (None when no answer came), id,
    flags (set), counts, opt (dict or None), question/answer/authority/additional lists."""
    res = {"status": None, "id": None, "flags": set(), "counts": {}, "opt": None,
           "question": [], "answer": [], "authority": [], "additional": [], "raw": text}
    section = None
    for line in text.splitlines():
        line = line.rstrip()
        m = re.search(r"->>HEADER<<- opcode: (\w+), status: (\w+), id: (\d+)", line)
        if m:
            if res["status"] is not None:  # a second message (e.g. TC retry): keep the last
                res.update({"answer": [], "authority": [], "additional": [], "question": [],
                            "opt": None})
            res["opcode"], res["status"], res["id"] = m.group(1), m.group(2), int(m.group(3))
            section = None
            continue
        m = re.match(r";; flags:([^;]*);(.*)$", line)
        if m:
            res["flags"] = set(m.group(1).split())
            for k, v in re.findall(r"(\w+): (\d+)", m.group(2)):
                res["counts"][k] = int(v)
            continue
        if line.startswith(";; OPT PSEUDOSECTION"):
            section = "opt"
            res["opt"] = {"options": {}, "lines": []}
            continue
        m = re.match(r";; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
        if m:
            section = m.group(1).lower()
            continue
        if not line:
            if section != "opt":
                section = None
            continue
        if section == "opt":
            if line.startswith("; EDNS:"):
                m = re.match(r"; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)", line)
                if m:
                    res["opt"]["version"] = int(m.group(1))
                    res["opt"]["flags"] = set(m.group(2).split())
                    res["opt"]["udp"] = int(m.group(3))
                continue
            if line.startswith("; ") and ":" in line:
                key, _, val = line[2:].partition(":")
                res["opt"]["options"][key.strip()] = val.strip()
                res["opt"]["lines"].append(line)
                continue
            section = None
        if section == "question":
            parts = line.lstrip(";").split()
            if len(parts) >= 3:
                res["question"].append({"name": parts[0].lower(), "class": parts[1],
                                        "type": parts[2]})
            continue
        if section in ("answer", "authority", "additional"):
            if line.startswith(";"):
                continue
            rr = _parse_rr(line)
            if rr:
                res[section].append(rr)
    m = re.search(r";; MSG SIZE\s+rcvd: (\d+)", text)
    res["size"] = int(m.group(1)) if m else None
    return res


def parse_kdig(text):
    """Parses kdig's default output into the same shape as parse_dig (flags lowercase)."""
    res = {"status": None, "id": None, "flags": set(), "counts": {}, "opt": None,
           "question": [], "answer": [], "authority": [], "additional": [], "raw": text}
    section = None
    for line in text.splitlines():
        line = line.rstrip()
        m = re.search(r"->>HEADER<<- opcode: (\w+); status: (\w+); id: (\d+)", line)
        if m:
            res["opcode"], res["status"], res["id"] = m.group(1), m.group(2), int(m.group(3))
            continue
        m = re.match(r";; Flags:([^;]*);(.*)$", line)
        if m:
            res["flags"] = set(m.group(1).split())
            for k, v in re.findall(r"(\w+): (\d+)", m.group(2)):
                res["counts"][k] = int(v)
            continue
        if line.startswith(";; EDNS PSEUDOSECTION"):
            section = "opt"
            res["opt"] = {"options": {}, "lines": []}
            continue
        m = re.match(r";; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:", line)
        if m:
            section = m.group(1).lower()
            continue
        if not line:
            section = None
            continue
        if section == "opt":
            m = re.match(r";; Version: (\d+); flags:([^;]*); UDP size: (\d+) B", line)
            if m:
                res["opt"]["version"] = int(m.group(1))
                res["opt"]["flags"] = set(m.group(2).split())
                res["opt"]["udp"] = int(m.group(3))
            elif line.startswith(";; ") and ":" in line:
                key, _, val = line[3:].partition(":")
                res["opt"]["options"][key.strip()] = val.strip()
                res["opt"]["lines"].append(line)
            continue
        if section == "question":
            parts = line.lstrip(";").split()
            if len(parts) >= 3:
                res["question"].append({"name": parts[0].lower(), "class": parts[1],
                                        "type": parts[2]})
            continue
        if section in ("answer", "authority", "additional") and not line.startswith(";"):
            rr = _parse_rr(line)
            if rr:
                res[section].append(rr)
    m = re.search(r";; Received (\d+) B", text)
    res["size"] = int(m.group(1)) if m else None
    return res


def run_dig(port, args, timeout=10, host=HOST):
    cmd = ["dig", "+norec", "+time=2", "+tries=1", "-p", str(port), "@" + host] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    res = parse_dig(out.stdout)
    res["raw"] = " ".join(cmd) + "\n" + out.stdout + out.stderr
    return res


def run_kdig(port, args, timeout=10, host=HOST):
    cmd = ["kdig", "+norec", "+time=2", "+retry=0", "-p", str(port), "@" + host] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    res = parse_kdig(out.stdout)
    res["raw"] = " ".join(cmd) + "\n" + out.stdout + out.stderr
    return res


def rdatas(rrs, rtype=None, name=None):
    """Sorted rdata strings of the records matching type/name."""
    return sorted(r["rdata"] for r in rrs
                  if (rtype is None or r["type"] == rtype)
                  and (name is None or r["name"] == name.lower()))


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

class GslbdServer:
    """One gslbd process on 127.0.0.1:<free port>, UDP and TCP."""

    def __init__(self, zones, args=(), threads=2, ready_timeout=10.0, ipv6=False):
        self.zones = [z if os.path.isabs(z) else zone_path(z) for z in zones]
        self.args = list(args)
        self.threads = threads
        self.ready_timeout = ready_timeout
        self.ipv6 = ipv6
        self.proc = None
        self.port = None
        self.returncode = None
        self._tmpdir = tempfile.mkdtemp(prefix="gslbd-integ-")
        self._stderr_path = os.path.join(self._tmpdir, "stderr")
        self._stderr = None

    def command(self, port):
        cmd = [gslbd_path(), "--listen", "%s:%d" % (HOST, port), "--threads", str(self.threads)]
        if self.ipv6:
            cmd += ["--listen", "[%s]:%d" % (HOST6, port)]
        for z in self.zones:
            cmd += ["--zone", z]
        if not any(a == "--db" or a.startswith("--db=") for a in self.args):
            cmd += ["--db", os.path.join(self._tmpdir, "gslb.db")]
        # The health role probes every checked member: only tests whose sites are loopback
        # listeners they started (test_failover) ask for it; nothing else may send probes.
        if not any(a == "--roles" or a.startswith("--roles=") for a in self.args):
            cmd += ["--roles", "dns"]
        return cmd + self.args

    def stderr_text(self):
        try:
            with open(self._stderr_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def start(self):
        last_error = ""
        for _attempt in range(5):
            port = free_port(self.ipv6)
            if self._stderr:
                self._stderr.close()
            self._stderr = open(self._stderr_path, "w")
            env = dict(os.environ)
            # Make sanitizer reports loud and deterministic; keep whatever the caller set.
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
            env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
            self.proc = subprocess.Popen(self.command(port), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=self._stderr, env=env)
            self.port = port
            state = self._wait_ready()
            if state == "ready" and not self._port_is_exclusive():
                # gslbd binds with SO_REUSEPORT: another process that picked the same port at
                # the same moment would silently share our traffic. Start over elsewhere.
                last_error = "port %d shared with another process" % port
                self._kill()
                continue
            if state == "ready":
                return self
            last_error = self.stderr_text()
            self._kill()
            if state == "exited" and "bind" in last_error:
                continue  # lost a race for the port: pick another
            break
        raise RuntimeError("gslbd did not start (%s):\n%s" % (self.command(self.port),
                                                              last_error))

    def _port_is_exclusive(self):
        bound = _proc_net_inodes(self.port, self.ipv6)
        ours = _process_socket_inodes(self.proc.pid)
        if bound is None or ours is None:
            return True  # cannot tell; assume the best
        return bound <= ours

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        probe = build_query("ready.probe.invalid", "A", qid=0x5eed)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return "exited"
            # --log-level warn or error keeps the "serving" line out: probe without it.
            quiet = any(a in ("warn", "error") for a in self.args)
            if quiet or "serving" in self.stderr_text():
                # Any response (REFUSED is fine) proves the UDP workers are up; a TCP connect
                # proves the acceptor is.
                if udp_exchange(self.port, probe, timeout=0.3) is not None:
                    try:
                        socket.create_connection((HOST, self.port), timeout=1).close()
                        return "ready"
                    except OSError:
                        pass
            time.sleep(0.05)
        return "timeout"

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def sanitizer_reports(self):
        text = self.stderr_text()
        return [m for m in SANITIZER_MARKERS if m in text]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s. Returns a list of problems (empty when clean)."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                problems.append("gslbd did not exit within 5 s of SIGTERM; killed")
                self._kill()
        else:
            problems.append("gslbd had already exited with %s before the end of the tests"
                            % self.proc.returncode)
        self.returncode = self.proc.returncode
        if self.returncode != 0 and not problems:
            problems.append("gslbd exited with %s" % self.returncode)
        reports = self.sanitizer_reports()
        if reports:
            problems.append("sanitizer reported %s" % ", ".join(reports))
        if problems:
            problems.append("stderr:\n" + self.stderr_text()[-8000:])
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        self.final_stderr = self.stderr_text()  # the directory goes: keep what it said
        shutil.rmtree(self._tmpdir, ignore_errors=True)
        self.proc = None
        return problems


class GslbdTestCase(unittest.TestCase):
    """One gslbd for the whole class. Subclasses set ZONES and ARGS."""

    ZONES = ("example.test.zone", "deep.example.test.zone", "2.0.192.in-addr.arpa.zone")
    ARGS = ()
    THREADS = 2
    IPV6 = False

    @classmethod
    def setUpClass(cls):
        cls.server = GslbdServer(cls.ZONES, cls.ARGS, threads=cls.THREADS, ipv6=cls.IPV6).start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        problems = cls.server.stop()
        if problems:
            raise AssertionError("gslbd did not stop cleanly: " + "\n".join(problems))

    def setUp(self):
        self._last_tool_output = None
        # A crash in an earlier test must fail this one loudly, not as a timeout puzzle.
        if not self.server.alive():
            self.fail("gslbd is not running:\n" + self.server.stderr_text()[-4000:])

    def tearDown(self):
        reports = self.server.sanitizer_reports()
        if reports:
            self.fail("sanitizer report during this test: %s\n%s"
                      % (reports, self.server.stderr_text()[-8000:]))

    def _formatMessage(self, msg, standardMsg):
        # Every failed assertion shows the last dig/kdig transcript: the evidence to judge by.
        text = super()._formatMessage(msg, standardMsg)
        last = getattr(self, "_last_tool_output", None)
        if last and last not in text:
            text += "\n--- last dig/kdig output ---\n" + last[-4000:]
        return text

    # Conveniences -------------------------------------------------------------------------
    def dig(self, *args):
        r = run_dig(self.port, args)
        self._last_tool_output = r["raw"]
        self.assertIsNotNone(r["status"], "dig got no answer")
        return r

    def kdig(self, *args):
        r = run_kdig(self.port, args)
        self._last_tool_output = r["raw"]
        self.assertIsNotNone(r["status"], "kdig got no answer")
        return r

    def udp(self, packet, timeout=2.0):
        return udp_exchange(self.port, packet, timeout)

    def udp_parsed(self, packet, timeout=2.0):
        data = self.udp(packet, timeout)
        self.assertIsNotNone(data, "no UDP answer to %r" % packet)
        return parse_message(data)

    def tcp_parsed(self, packet, timeout=3.0):
        return parse_message(tcp_exchange(self.port, packet, timeout))

    def assert_alive_and_answering(self):
        """A valid query still gets its answer (retried a few times: UDP may drop under load)."""
        q = build_query("www.example.test", "A")
        data = None
        for _ in range(3):
            data = self.udp(q, timeout=2.0)
            if data is not None:
                break
        self.assertTrue(self.server.alive(), "gslbd died:\n" + self.server.stderr_text()[-4000:])
        self.assertIsNotNone(data, "gslbd no longer answers a valid query")
        r = parse_message(data)
        self.assertEqual(r["status"], "NOERROR")
        self.assertEqual([a["rdata"] for a in r["answer"]], ["192.0.2.10"])
