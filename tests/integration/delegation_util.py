"""Shared machinery for the tests that put gslbd behind a real delegation and a real resolver
(test_delegation.py, test_topology.py): dig with its output parsed, finding the tools, checking
that a loopback address and port can be bound, rendering the config templates of delegation/,
and servers (NSD, Unbound, gslbd) run as child processes with their output in a log file.
Python standard library only.
"""

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "delegation")

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


def dig(server, name, rrtype="A", port=53, recurse=True, time_s=3, tries=2, cls="IN",
        extra=()):
    """Runs dig; `extra`: more options (e.g. "+subnet=192.0.2.0/24")."""
    argv = [find_tool("dig"), f"@{server}", "-p", str(port), f"+time={time_s}", f"+tries={tries}",
            "+recurse" if recurse else "+norecurse", *extra, "-c", cls, "-t", rrtype, "-q", name]
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
    """Fills the @NAME@ placeholders of delegation/<template> (or of `template` when it is a
    path) and writes the result to dest."""
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
