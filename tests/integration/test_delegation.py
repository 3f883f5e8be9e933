"""gslbd behind a real delegation, resolved through a real recursive resolver.

The deployment users run: a parent zone on another authoritative server delegates a child zone
to gslbd, and clients reach gslbd's names through an ordinary iterating resolver.

  NSD      127.0.0.71:53  serves example.test. (delegation/example.test.zone), which delegates
                          gslb.example.test. with NS + glue to 127.0.0.72
  gslbd    127.0.0.72:53  serves gslb.example.test. (delegation/gslb.example.test.zone)
  Unbound  127.0.0.73:P   iterator only, no DNSSEC; example.test. is a stub zone at NSD and the
                          root hints point at NSD too, so every packet stays on loopback

Port 53 is not optional for gslbd: glue carries no port, so the resolver follows the referral
to 127.0.0.72:53. NSD uses :53 as well (a parent as it is deployed); Unbound gets a free port.
Needs root (or CAP_NET_BIND_SERVICE) and nsd, unbound, dig (`make deps` installs them).

Environment: GSLBD (path of the gslbd binary; required unless a build/gslbd exists),
GSLBD_SOURCE_DIR (repo root; optional). Python standard library only.
"""

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "delegation")

# These must match delegation/*.zone and delegation/root.hints.
NSD_ADDR = "127.0.0.71"
GSLBD_ADDR = "127.0.0.72"
UNBOUND_ADDR = "127.0.0.73"

PARENT = "example.test."
CHILD = "gslb.example.test."
CHILD_NS = "ns1.gslb.example.test."
CHILD_SOA_SERIAL = "2026010102"  # the parent's is 2026010101

READY_TIMEOUT = 10.0  # per server
STOP_TIMEOUT = 5.0  # SIGTERM, then SIGKILL


# --------------------------------------------------------------------------------------------
# dig


class DigResult:
    """A parsed `dig` reply: status, header flags and the three record sections, each a list of
    (owner, type, rdata) with owner lowercased and rdata as dig prints it."""

    def __init__(self, argv, returncode, text):
        self.argv = argv
        self.returncode = returncode
        self.text = text
        self.status = None
        self.flags = set()
        self.sections = {"ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
        section = None
        for line in text.splitlines():
            m = re.search(r"->>HEADER<<- opcode: \w+, status: (\w+),", line)
            if m:
                self.status = m.group(1)
                continue
            m = re.match(r";; flags:([^;]*);", line)
            if m:
                self.flags = set(m.group(1).split())
                continue
            m = re.match(r";; (\w+) SECTION:", line)
            if m:
                section = m.group(1) if m.group(1) in self.sections else None
                continue
            if not line.strip():
                section = None
                continue
            if line.startswith(";"):
                continue
            if section:
                parts = line.split(None, 4)
                if len(parts) == 5 and parts[2] in ("IN", "CH"):
                    self.sections[section].append((parts[0].lower(), parts[3], parts[4].strip()))

    @property
    def answer(self):
        return self.sections["ANSWER"]

    @property
    def authority(self):
        return self.sections["AUTHORITY"]

    @property
    def additional(self):
        return self.sections["ADDITIONAL"]

    def rrset(self, section, owner, rrtype):
        return sorted(r for o, t, r in self.sections[section] if o == owner and t == rrtype)

    def describe(self):
        return "$ " + " ".join(self.argv) + f"  (exit {self.returncode})\n" + self.text


def dig(server, name, rrtype="A", port=53, recurse=True, time_s=3, tries=2, cls="IN"):
    argv = [DIG, f"@{server}", "-p", str(port), f"+time={time_s}", f"+tries={tries}",
            "+recurse" if recurse else "+norecurse", "-c", cls, "-t", rrtype, "-q", name]
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=time_s * tries + 5)
        return DigResult(argv, p.returncode, p.stdout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return DigResult(argv, None, out + "\n[dig killed after timeout]")


# --------------------------------------------------------------------------------------------
# processes and setup helpers


def find_tool(name):
    path = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin")
    if not path:
        raise RuntimeError(f"{name} not found (install it: `make deps` installs nsd, unbound and "
                           "bind9-dnsutils)")
    return path


def find_gslbd():
    env = os.environ.get("GSLBD")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise RuntimeError(f"GSLBD={env} is not an executable file")
        return env
    src = os.environ.get("GSLBD_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
    cand = os.path.join(src, "build", "gslbd")
    if os.access(cand, os.X_OK):
        return cand
    raise RuntimeError("set GSLBD to the gslbd binary (ctest does this), e.g. "
                       "GSLBD=build/gslbd python3 -m unittest -v test_delegation")


DIG = None  # set in setUpClass


def check_bindable(addr, port, who):
    """Fails with a readable message if addr:port (UDP or TCP) can't be bound."""
    for kind, stype in (("udp", socket.SOCK_DGRAM), ("tcp", socket.SOCK_STREAM)):
        s = socket.socket(socket.AF_INET, stype)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                why = (f"{addr}:{port}/{kind} is already in use by another process (a leftover "
                       f"server, or something listening on 0.0.0.0:{port}); find it with "
                       f"`ss -lnp 'sport = :{port}'` and stop it")
            elif e.errno == errno.EACCES:
                why = (f"no permission to bind {addr}:{port}/{kind}: this test needs root or "
                       "CAP_NET_BIND_SERVICE, because a delegation's glue can't carry a port")
            elif e.errno == errno.EADDRNOTAVAIL:
                why = f"{addr} is not a local address (is 127.0.0.0/8 on lo?)"
            else:
                why = f"can't bind {addr}:{port}/{kind}: {e}"
            raise RuntimeError(f"{who} can't be started: {why}") from None
        finally:
            s.close()


def free_port(addr):
    """A port free for both UDP and TCP on addr."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((addr, 0))
            port = u.getsockname()[1]
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                t.bind((addr, port))
                return port
            except OSError:
                continue
            finally:
                t.close()
        finally:
            u.close()
    raise RuntimeError(f"no free UDP+TCP port on {addr}")


def apparmor_enforced(binary):
    """True if an AppArmor profile in enforce mode attaches to binary (Debian ships one for
    unbound that only lets it read /etc/unbound; it would deny our temp config)."""
    try:
        with open("/sys/kernel/security/apparmor/profiles") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    names = {binary, os.path.basename(binary), os.path.realpath(binary)}
    for line in lines:
        m = re.match(r"(.*) \((\w+)\)$", line)
        if m and m.group(1) in names and m.group(2) == "enforce":
            return True
    return False


def render(template, dest, values):
    with open(os.path.join(DATA_DIR, template)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace(f"@{k}@", str(v))
    leftover = re.findall(r"@[A-Z_]+@", text)
    if leftover:
        raise RuntimeError(f"{template}: unfilled placeholders {leftover}")
    with open(dest, "w") as f:
        f.write(text)
    return dest


class Server:
    """One child process in its own session, output to a log file."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def log_text(self, tail=60):
        try:
            with open(self.log_path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-tail:])

    def failure(self, what):
        state = ("still running" if self.proc.poll() is None
                 else f"exited with status {self.proc.returncode}")
        return (f"{self.name} {what} ({state}).\n$ {' '.join(self.argv)}\n"
                f"--- {self.name} log ---\n{self.log_text()}")

    def stop(self):
        """SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; also reaps anything left in the
        process group (NSD forks server and xfrd children)."""
        p = self.proc
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._killpg(signal.SIGKILL)
                p.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self._killpg(0) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._killpg(0):
            self._killpg(signal.SIGKILL)
        self.log.close()

    def _killpg(self, sig):
        """Signals our process group (its id is the pid we started); False if it is gone."""
        try:
            os.killpg(self.proc.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False


def wait_until(server, what, check, timeout=READY_TIMEOUT):
    """Polls check() (returns a truthy value when ready, else a description of the last
    attempt) until it succeeds, the process exits, or the timeout passes."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        ok, last = check()
        if ok:
            return
        if server.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(server.failure(f"did not become ready ({what}) within "
                                              f"{timeout:.0f} s") + f"\n--- last probe ---\n{last}")
        time.sleep(0.1)


# --------------------------------------------------------------------------------------------
# the test


class DelegationTest(unittest.TestCase):
    servers = []
    tmp = None

    @classmethod
    def setUpClass(cls):
        global DIG
        # Cleanups registered here run even if setUpClass fails part-way.
        cls.addClassCleanup(cls._stop_all)
        cls.servers = []
        gslbd = find_gslbd()
        nsd = find_tool("nsd")
        unbound = find_tool("unbound")
        DIG = find_tool("dig")

        check_bindable(GSLBD_ADDR, 53, "gslbd")
        check_bindable(NSD_ADDR, 53, "NSD")
        cls.port = free_port(UNBOUND_ADDR)

        cls.tmp = tempfile.mkdtemp(prefix="gslbd-delegation-")
        values = {"TMP": cls.tmp, "DATA_DIR": DATA_DIR, "NSD_ADDR": NSD_ADDR,
                  "UNBOUND_ADDR": UNBOUND_ADDR, "UNBOUND_PORT": cls.port}

        # gslbd: authoritative for the child.
        g = cls._start("gslbd", [gslbd, "--listen", f"{GSLBD_ADDR}:53", "--threads", "2",
                                 "--zone", os.path.join(DATA_DIR, "gslb.example.test.zone"),
                                 "--db", os.path.join(cls.tmp, "gslb.db"), "--roles", "dns"])
        wait_until(g, "log says serving", lambda: ("serving" in g.log_text(), g.log_text()))
        wait_until(g, f"answers {CHILD} SOA", lambda: cls._probe_answers(GSLBD_ADDR, CHILD))

        # NSD: authoritative for the parent.
        nsd_conf = render("nsd.conf.in", os.path.join(cls.tmp, "nsd.conf"), values)
        n = cls._start("NSD", [nsd, "-d", "-c", nsd_conf])
        wait_until(n, f"answers {PARENT} SOA", lambda: cls._probe_answers(NSD_ADDR, PARENT))

        # Unbound: the resolver clients use.
        if apparmor_enforced(unbound):
            # Run an unconfined copy rather than weaken the system's profile.
            copy = os.path.join(cls.tmp, "unbound")
            shutil.copy2(unbound, copy)
            unbound = copy
        unbound_conf = render("unbound.conf.in", os.path.join(cls.tmp, "unbound.conf"), values)
        checkconf = shutil.which("unbound-checkconf",
                                 path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        if checkconf:
            c = subprocess.run([checkconf, unbound_conf], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=10)
            if c.returncode != 0:
                raise RuntimeError(f"unbound-checkconf rejects {unbound_conf}:\n{c.stdout}")
        u = cls._start("Unbound", [unbound, "-d", "-c", unbound_conf])

        def unbound_up():
            r = dig(UNBOUND_ADDR, "version.server", "TXT", port=cls.port, cls="CH", time_s=1,
                    tries=1)
            return r.status == "NOERROR", r.describe()

        wait_until(u, "answers version.server CH TXT", unbound_up)

    @classmethod
    def _start(cls, name, argv):
        s = Server(name, argv, os.path.join(cls.tmp, name.lower() + ".log"))
        cls.servers.append(s)
        return s

    @staticmethod
    def _probe_answers(addr, zone):
        # Any reply means it is up; what the reply says is for the tests to judge.
        r = dig(addr, zone, "SOA", recurse=False, time_s=1, tries=1)
        return r.status is not None, r.describe()

    @classmethod
    def _stop_all(cls):
        for s in reversed(cls.servers):
            s.stop()
        cls.servers = []
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            cls.tmp = None

    @classmethod
    def tearDownClass(cls):
        cls._stop_all()

    # ---- helpers

    def resolve(self, name, rrtype="A"):
        """Asks Unbound (RD set), as a client would."""
        return dig(UNBOUND_ADDR, name, rrtype, port=self.port)

    def servers_alive(self):
        for s in self.servers:
            self.assertIsNone(s.proc.poll(), s.failure("died during the test"))

    def assertReply(self, r, status, flags_in=(), flags_out=()):
        self.assertEqual(r.status, status, r.describe())
        for f in flags_in:
            self.assertIn(f, r.flags, f"flag {f} missing\n" + r.describe())
        for f in flags_out:
            self.assertNotIn(f, r.flags, f"flag {f} unexpectedly set\n" + r.describe())

    def assertChildSoaInAuthority(self, r):
        soas = [(o, rd) for o, t, rd in r.authority if t == "SOA"]
        self.assertEqual(len(soas), 1, "expected exactly one SOA in AUTHORITY\n" + r.describe())
        owner, rdata = soas[0]
        self.assertEqual(owner, CHILD, "SOA is not the child zone's\n" + r.describe())
        fields = rdata.split()
        self.assertEqual(fields[0].lower(), CHILD_NS, r.describe())
        self.assertEqual(fields[2], CHILD_SOA_SERIAL, "SOA serial is not gslbd's zone's\n"
                         + r.describe())

    def tearDown(self):
        self.servers_alive()

    # ---- sanity of the setup: the parent delegates to gslbd

    def test_01_parent_refers_child_to_gslbd(self):
        r = dig(NSD_ADDR, "www." + CHILD, "A", recurse=False)
        self.assertReply(r, "NOERROR", flags_out=("aa",))
        self.assertEqual(r.answer, [], "a referral has no answer\n" + r.describe())
        self.assertEqual(r.rrset("AUTHORITY", CHILD, "NS"), [CHILD_NS], r.describe())
        self.assertEqual(r.rrset("ADDITIONAL", CHILD_NS, "A"), [GSLBD_ADDR],
                         "glue must point at gslbd\n" + r.describe())

    # ---- gslbd answers directly, authoritatively

    def test_02_gslbd_direct_answers_are_authoritative(self):
        cases = [
            ("www." + CHILD, "A", "NOERROR", ["192.0.2.81"]),
            ("www." + CHILD, "AAAA", "NOERROR", ["2001:db8::81"]),
            (CHILD, "NS", "NOERROR", [CHILD_NS]),
            ("nope." + CHILD, "A", "NXDOMAIN", []),
        ]
        for name, rrtype, status, want in cases:
            with self.subTest(name=name, type=rrtype):
                r = dig(GSLBD_ADDR, name, rrtype, recurse=False)
                self.assertReply(r, status, flags_in=("qr", "aa"))
                self.assertEqual(r.rrset("ANSWER", name, rrtype), want, r.describe())
                if status == "NXDOMAIN":
                    self.assertChildSoaInAuthority(r)

    # ---- through the resolver

    def test_03_a_through_resolver(self):
        r = self.resolve("www." + CHILD, "A")
        self.assertReply(r, "NOERROR", flags_in=("qr", "rd", "ra"))
        self.assertEqual(r.answer, [("www." + CHILD, "A", "192.0.2.81")], r.describe())

    def test_04_aaaa_through_resolver(self):
        r = self.resolve("www." + CHILD, "AAAA")
        self.assertReply(r, "NOERROR", flags_in=("qr", "rd", "ra"))
        self.assertEqual(r.answer, [("www." + CHILD, "AAAA", "2001:db8::81")], r.describe())

    def test_05_cname_in_child_chased(self):
        r = self.resolve("alias." + CHILD, "A")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [("alias." + CHILD, "CNAME", "www." + CHILD),
                                    ("www." + CHILD, "A", "192.0.2.81")], r.describe())

    def test_06_cname_out_of_child_chased_through_parent(self):
        r = self.resolve("out." + CHILD, "A")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [("out." + CHILD, "CNAME", "origin." + PARENT),
                                    ("origin." + PARENT, "A", "192.0.2.99")], r.describe())

    def test_07_nxdomain_in_child(self):
        r = self.resolve("nope." + CHILD, "A")
        self.assertReply(r, "NXDOMAIN", flags_in=("ra",))
        self.assertEqual(r.answer, [], r.describe())
        self.assertChildSoaInAuthority(r)

    def test_08_nodata_in_child(self):
        r = self.resolve("www." + CHILD, "MX")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [], r.describe())
        self.assertChildSoaInAuthority(r)

    def test_09_parent_name_through_resolver(self):
        r = self.resolve("www." + PARENT, "A")
        self.assertReply(r, "NOERROR", flags_in=("ra",))
        self.assertEqual(r.answer, [("www." + PARENT, "A", "192.0.2.71")], r.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)
