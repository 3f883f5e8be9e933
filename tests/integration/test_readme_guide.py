"""README.md's "Operator's guide", run as written: every ```sh block of that section, in order.

The conventions the guide follows (and this test relies on):

* The section runs from the line "## Operator's guide" to the next "## " heading. Its fenced
  blocks whose info string is `sh` are run; other blocks (```json, tables) are only read.
* The first `sh` block holds the guide's variables, one `NAME=VALUE` a line (a `#` comment may
  follow). The test replaces the values of the address and port variables (ADDRESSES, PORTS
  below: each must be there) with loopback ones, keeps the others as written (names, and values
  built from the replaced ones such as API1=https://$NS1:$API_PORT), and refuses the block if an
  IPv4 address outside 127.0.0.0/8 is left in it; the other blocks may write out an address only
  as a prefix (192.0.2.0/24) or after `--client`: nothing but loopback is ever contacted.
* All blocks run in ONE bash (`set -euo pipefail`), one after the other, in a scratch directory,
  as a reader would paste them into one shell: variables and files carry over from block to
  block. Any command failing fails the test, naming the block and its line in README.md.
* `# expect: TEXT` (a line of its own, outside loops and heredocs) asserts that TEXT appears in
  what the commands above it printed (stdout and stderr), back to the previous `# expect:` group
  or the start of the block. `$VAR` and `${VAR}` in TEXT are the guide's variables; runs of
  blanks (dig prints tabs) compare as one space; TEXT must not continue a longer word or address
  (`127.0.0.8` does not match `127.0.0.86`). Several expect lines in a row each assert.
* Long-running programs (gslbd, the agents) are started by the blocks themselves with `&`, and
  waited for with bounded loops. The script runs in its own process group; at the end every
  process of that group, and any process whose working directory lies in the scratch directory,
  is stopped (SIGTERM, then SIGKILL), pass or fail.
* What the reader has and the test must supply: the sites (TCP listeners on SITE_EU and SITE_US,
  port SITE_PORT, started before the script), and the parent zone's server and a recursive
  resolver, started right before the first block that names $PARENT_NS or $RESOLVER: NSD on
  PARENT_NS:53 serving the parent zone (GSLB_ZONE minus its first label) made of an SOA, an NS
  and the records the guide wrote to `delegation.zone`, and Unbound on RESOLVER:53 whose only
  way into the DNS is that NSD. Port 53 because glue carries no port: this test needs root (or
  CAP_NET_BIND_SERVICE), like test_delegation.py, and uses 127.0.0.81-86 to stay clear of it.

Environment: GSLBD, GSLBCTL (the binaries; harness.gslbd_path/gslbctl_path), GUIDE_README (a
README.md to run instead of the repository's, e.g. to see the test fail on a broken guide),
GUIDE_KEEP=1 (keep the scratch directory: test/guide.sh is the script, test/guide.log its output).
Needs bash, dig, curl, openssl, nsd, unbound. Python standard library only.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("GSLBD_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
README = os.environ.get("GUIDE_README") or os.path.join(SOURCE, "README.md")
HEADING = "## Operator's guide"

# The guide's address variables and what the test runs them on. Distinct from
# test_delegation.py's 127.0.0.71-73 so both may run at once.
ADDRESSES = {
    "PARENT_NS": "127.0.0.81",
    "NS1": "127.0.0.82",
    "NS2": "127.0.0.83",
    "RESOLVER": "127.0.0.84",
    "SITE_EU": "127.0.0.85",
    "SITE_US": "127.0.0.86",
}
PORTS = ("API_PORT", "SITE_PORT")  # free ports, picked per run

SCRIPT_TIMEOUT = 80.0  # the whole guide, on a loaded 2-core machine
STOP_TIMEOUT = 5.0


# --------------------------------------------------------------------------------------------
# reading the guide


def guide_section(text):
    """(first line number, lines) of the guide section."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == HEADING:
            end = next((j for j in range(i + 1, len(lines))
                        if lines[j].startswith("## ")), len(lines))
            return i + 1, lines[i:end]
    raise AssertionError(f"{README} has no line {HEADING!r}")


def sh_blocks(first, lines):
    """[(README line of the block's first line, [lines])] of the ```sh blocks."""
    blocks, i = [], 0
    while i < len(lines):
        m = re.match(r"^```(\S*)", lines[i])
        if not m:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            raise AssertionError(f"README.md:{first + i}: fence never closed")
        if m.group(1) == "sh":
            blocks.append((first + i + 1, lines[i + 1:end]))
        i = end + 1
    return blocks


VAR_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(\S*)\s*(#.*)?$")
VAR_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(text, values):
    def sub(m):
        name = m.group(1) or m.group(2)
        if name not in values:
            raise AssertionError(f"${name} in {text!r} is not a variable of the guide")
        return values[name]
    return VAR_REF.sub(sub, text)


def variables(lineno, block, overrides):
    """The variables block with the test's values: (its new lines, {NAME: value})."""
    out, values = [], {}
    for k, line in enumerate(block):
        if not line.strip() or line.lstrip().startswith("#"):
            out.append(line)
            continue
        m = VAR_LINE.match(line)
        if not m:
            raise AssertionError(f"README.md:{lineno + k}: the first sh block of the guide must "
                                 f"hold only NAME=VALUE lines, not {line!r}")
        name, value = m.group(1), m.group(2)
        if name in overrides:
            value = overrides[name]
        values[name] = expand(value, values)
        out.append(f"{name}={value}")
    missing = sorted(set(overrides) - set(values))
    if missing:
        raise AssertionError(f"README.md:{lineno}: the guide's variables lack {missing}; the "
                             "test must replace every address and port the guide contacts")
    for name, value in values.items():
        for ip in re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", value):
            if not ip.startswith("127."):
                raise AssertionError(f"README.md:{lineno}: {name}={value} keeps {ip}, which is "
                                     "not loopback: add the variable to ADDRESSES")
    return out, values


def literal_addresses(lineno, block):
    """IPv4 literals in a block that something might contact: not loopback, not a prefix
    (`192.0.2.0/24` in regions) and not the client that `gslbctl explain --client` pretends."""
    found = []
    for k, line in enumerate(block):
        for m in re.finditer(r"(?<![\w.])(\d+\.\d+\.\d+\.\d+)(?![\w.])", line):
            ip = m.group(1)
            if ip.startswith("127.") or line[m.end():].startswith("/"):
                continue
            if re.search(r"--client\s+$", line[:m.start()]):
                continue
            found.append(f"README.md:{lineno + k}: {ip}")
    return found


def normalize(text):
    return re.sub(r"\s+", " ", text).strip()


def expect_pattern(text):
    p = re.escape(text)
    if re.match(r"\w", text):
        p = r"(?<![\w.])" + p
    if re.search(r"\w$", text):
        p = p + r"(?!\w)"
    return p


def build_script(blocks, values, overrides, test_dir):
    """The bash script that runs every block, and the expectations it checks:
    [{"readme_line", "text", "pattern"}] indexed by group."""
    parent_refs = re.compile(r"\$\{?(PARENT_NS|RESOLVER)\b")
    groups = []
    out = [
        "set -euo pipefail",
        f"source {test_dir}/prelude.sh",
    ]
    parent_started = False
    for b, (lineno, lines) in enumerate(blocks):
        if b == 0:
            lines, _ = variables(lineno, lines, overrides)
        body = "\n".join(lines)
        if not parent_started and parent_refs.search(body) and b > 0:
            out.append("__start_parent")
            parent_started = True
        out.append(f"__block {b} {lineno}")
        pending = []  # lines of the current segment
        k = 0
        while k < len(lines):
            line = lines[k]
            if re.match(r"^\s+#\s*expect:", line):
                raise AssertionError(f"README.md:{lineno + k}: an indented # expect: line (in a "
                                     "loop or heredoc?) would not be checked: put it at the start "
                                     "of a line after the command")
            m = re.match(r"^# expect: (.*)$", line)
            if not m:
                pending.append(f"{line}")
                k += 1
                continue
            texts = []
            while k < len(lines) and re.match(r"^# expect: ", lines[k]):
                raw = lines[k][len("# expect: "):]
                texts.append((lineno + k, raw))
                k += 1
            g = len(groups)
            groups.append([{"readme_line": n, "text": normalize(expand(t, values)),
                            "as_written": t} for n, t in texts])
            f = f"{test_dir}/out.{g}"
            out.append(f"__cur_out={f}")
            out.append("{")
            out.extend(pending)
            out.append(f"}} >{f} 2>&1")
            out.append(f"cat {f}; __cur_out=")
            out.append(f"__expect {g} {f}")
            pending = []
        out.extend(pending)
    out.append("__block done 0")
    return "\n".join(out) + "\n", groups


PRELUDE = r"""
# Written by test_readme_guide.py.
__T=@TEST_DIR@
__cur_out=
__blk=
__block() {
  __blk=$1
  echo "$1 $2" > "$__T/block"
  [ "$1" = done ] || echo "=== guide block $1 (README.md:$2)"
}
__on_exit() {
  local st=$?
  if [ -n "$__cur_out" ] && [ -f "$__cur_out" ]; then cat "$__cur_out"; fi
  [ $st = 0 ] || echo "=== guide block $__blk failed: exit status $st" >&2
}
trap __on_exit EXIT
trap 'echo "=== exit status $? from: $BASH_COMMAND" >&2' ERR
__expect() {
  python3 "$__T/expect.py" "$__T/expectations.json" "$1" "$2"
}
__start_parent() {
  echo "=== the test starts the parent's name server and a resolver"
  if [ ! -f delegation.zone ]; then
    echo "the guide wrote no delegation.zone before it asked the parent" >&2
    return 1
  fi
  cat "$__T/parent-head.zone" delegation.zone > "$__T/parent.zone"
  @NSD@ -d -c "$__T/nsd.conf" >"$__T/nsd.log" 2>&1 &
  @UNBOUND@ -d -c "$__T/unbound.conf" >"$__T/unbound.log" 2>&1 &
  local i
  for i in $(seq 100); do
    dig @@PARENT_NS@ @PARENT@ SOA +norec +time=1 +tries=1 >/dev/null 2>&1 &&
      dig @@RESOLVER@ version.server CH TXT +time=1 +tries=1 >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "NSD or Unbound did not answer within 10 s" >&2
  cat "$__T/nsd.log" "$__T/unbound.log" >&2
  return 1
}
"""

EXPECT_PY = r"""
import json, re, sys
groups = json.load(open(sys.argv[1]))
group = groups[int(sys.argv[2])]
got = re.sub(r"\s+", " ", open(sys.argv[3], errors="replace").read()).strip()
bad = [e for e in group if not re.search(e["pattern"], got)]
for e in bad:
    print("=== README.md:%d: expected %r (%r) in the output above" % (
        e["readme_line"], e["as_written"], e["text"]), file=sys.stderr)
sys.exit(1 if bad else 0)
"""

NSD_CONF = """server:
    ip-address: {addr}
    port: 53
    do-ip4: yes
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    database: ""
    zonesdir: "{tmp}"
    zonelistfile: "{tmp}/nsd-zone.list"
    xfrdfile: "{tmp}/nsd-xfrd.state"
    xfrdir: "{tmp}"
    pidfile: "{tmp}/nsd.pid"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "{parent}."
    zonefile: "{tmp}/parent.zone"
"""

UNBOUND_CONF = """server:
    interface: {addr}
    port: 53
    do-ip4: yes
    do-ip6: no
    num-threads: 1
    so-reuseport: no
    access-control: 127.0.0.0/8 allow
    chroot: ""
    username: ""
    directory: "{tmp}"
    pidfile: "{tmp}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    module-config: "iterator"
    root-hints: "{tmp}/root.hints"
    do-not-query-localhost: no
remote-control:
    control-enable: no
stub-zone:
    name: "{parent}."
    stub-addr: {parent_ns}@53
"""


# --------------------------------------------------------------------------------------------
# what the test supplies


class Site:
    """A TCP listener that accepts and closes: the web site the tcp check probes."""

    def __init__(self, address, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(64)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                return

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def find_tool(name):
    path = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if not path:
        raise unittest.SkipTest(f"{name} is not installed (`make deps`)")
    return path


def free_port(address):
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind((address, 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind((address, port))
                    return port
                except OSError:
                    continue
    raise RuntimeError("no free port on " + address)


def check_port_53(address, who):
    for stype in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, stype) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((address, 53))
            except OSError as e:
                raise RuntimeError(f"{who} needs {address}:53 ({e}): run as root, and stop "
                                   f"whatever listens there (`ss -lnp 'sport = :53'`)") from None


def apparmor_enforced(binary):
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


def processes_of(pgid, directory):
    """Pids in process group pgid, or whose working directory lies in directory."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            if os.getpgid(pid) == pgid:
                pids.append(pid)
                continue
            cwd = os.readlink(f"/proc/{pid}/cwd")
            if cwd == directory or cwd.startswith(directory + "/"):
                pids.append(pid)
        except OSError:
            continue
    return [p for p in pids if p != os.getpid()]


# --------------------------------------------------------------------------------------------
# the test


class ReadmeGuideTest(unittest.TestCase):
    def setUp(self):
        self.gslbd = harness.gslbd_path()
        self.gslbctl = harness.gslbctl_path()
        for tool in ("bash", "dig", "curl", "openssl"):
            find_tool(tool)
        self.nsd = find_tool("nsd")
        self.unbound = find_tool("unbound")
        with open(README) as f:
            self.first, self.section = guide_section(f.read())
        self.blocks = sh_blocks(self.first, self.section)
        self.assertGreater(len(self.blocks), 5, "the guide has hardly any sh blocks")
        literals = [a for n, b in self.blocks[1:] for a in literal_addresses(n, b)]
        self.assertEqual(literals, [], "addresses written out in the guide's commands: use the "
                         "variables, so that the test can keep every packet on loopback")

        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="gslbd-guide-"))
        if os.environ.get("GUIDE_KEEP"):
            print(f"\nkeeping {self.tmp}", file=sys.stderr)
        else:
            self.addCleanup(shutil.rmtree, self.tmp, True)
        self.test_dir = os.path.join(self.tmp, "test")
        self.work = os.path.join(self.tmp, "guide")  # the reader's directory
        os.makedirs(self.test_dir)
        os.makedirs(self.work)
        bin_dir = os.path.join(self.test_dir, "bin")
        os.makedirs(bin_dir)
        os.symlink(self.gslbd, os.path.join(bin_dir, "gslbd"))
        os.symlink(self.gslbctl, os.path.join(bin_dir, "gslbctl"))
        self.bin_dir = bin_dir

        for name in ("PARENT_NS", "NS1", "NS2", "RESOLVER"):
            check_port_53(ADDRESSES[name], name)
        self.overrides = dict(ADDRESSES)
        self.overrides["API_PORT"] = str(free_port(ADDRESSES["NS1"]))
        self.overrides["SITE_PORT"] = str(free_port(ADDRESSES["SITE_EU"]))
        self.sites = []
        self.addCleanup(self._stop_sites)
        for name in ("SITE_EU", "SITE_US"):
            self.sites.append(Site(ADDRESSES[name], int(self.overrides["SITE_PORT"])))
        self.proc = None

    def _stop_sites(self):
        for s in self.sites:
            s.stop()

    def _write(self, name, text):
        path = os.path.join(self.test_dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def _prepare(self):
        _, guide_values = variables(self.blocks[0][0], self.blocks[0][1], self.overrides)
        zone = guide_values.get("GSLB_ZONE")
        self.assertTrue(zone and "." in zone, "the guide defines no GSLB_ZONE with a parent")
        parent = zone.split(".", 1)[1].rstrip(".")
        t = self.test_dir
        self._write("parent-head.zone",
                    f"$ORIGIN {parent}.\n$TTL 3600\n"
                    f"@ IN SOA ns.{parent}. hostmaster.{parent}. 1 3600 600 604800 60\n"
                    f"@ IN NS ns.{parent}.\nns IN A {ADDRESSES['PARENT_NS']}\n")
        self._write("root.hints", f". 3600000 IN NS ns.{parent}.\n"
                                  f"ns.{parent}. 3600000 IN A {ADDRESSES['PARENT_NS']}\n")
        self._write("nsd.conf", NSD_CONF.format(addr=ADDRESSES["PARENT_NS"], tmp=t,
                                                parent=parent))
        self._write("unbound.conf", UNBOUND_CONF.format(addr=ADDRESSES["RESOLVER"], tmp=t,
                                                        parent=parent,
                                                        parent_ns=ADDRESSES["PARENT_NS"]))
        unbound = self.unbound
        if apparmor_enforced(unbound):  # Debian's profile only lets it read /etc/unbound
            unbound = os.path.join(t, "unbound")
            shutil.copy2(self.unbound, unbound)
        prelude = (PRELUDE.replace("@TEST_DIR@", t).replace("@NSD@", self.nsd)
                   .replace("@UNBOUND@", unbound).replace("@PARENT@", parent + ".")
                   .replace("@PARENT_NS@", ADDRESSES["PARENT_NS"])
                   .replace("@RESOLVER@", ADDRESSES["RESOLVER"]))
        self._write("prelude.sh", prelude)
        self._write("expect.py", EXPECT_PY)
        script, groups = build_script(self.blocks, guide_values, self.overrides, t)
        self.assertTrue(groups, "the guide has no # expect: lines")
        for g in groups:
            for e in g:
                e["pattern"] = expect_pattern(e["text"])
        self._write("expectations.json", json.dumps(groups, indent=1))
        self.groups = groups
        return self._write("guide.sh", script)

    def _stop_all(self):
        pgid = self.proc.pid if self.proc else None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = processes_of(pgid, self.tmp)
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + STOP_TIMEOUT
            while pids and time.monotonic() < deadline:
                if self.proc:
                    self.proc.poll()
                pids = processes_of(pgid, self.tmp)
                time.sleep(0.05)
            if not pids:
                break
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
        return processes_of(pgid, self.tmp)

    def _report(self, what):
        parts = [what]
        with open(os.path.join(self.test_dir, "guide.log"), errors="replace") as f:
            parts.append("--- the guide's output (last 120 lines) ---\n"
                         + "\n".join(f.read().splitlines()[-120:]))
        logs = [os.path.join(self.work, n) for n in sorted(os.listdir(self.work))
                if n.endswith(".log")]
        logs += [os.path.join(self.test_dir, n) for n in ("nsd.log", "unbound.log")]
        for path in logs:
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    parts.append(f"--- {os.path.basename(path)} (last 30 lines) ---\n"
                                 + "\n".join(f.read().splitlines()[-30:]))
        return "\n".join(parts)

    def test_guide_runs_as_written(self):
        script = self._prepare()
        env = dict(os.environ)
        env["PATH"] = self.bin_dir + ":" + env.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        for k in ("GSLBCTL_SERVER", "GSLBCTL_TOKEN_FILE", "GSLBCTL_CA_FILE"):
            env.pop(k, None)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
        log = open(os.path.join(self.test_dir, "guide.log"), "wb")
        self.addCleanup(log.close)
        started = time.monotonic()
        self.proc = subprocess.Popen(["bash", script], cwd=self.work, env=env,
                                     stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        try:
            try:
                rc = self.proc.wait(SCRIPT_TIMEOUT)
            except subprocess.TimeoutExpired:
                rc = None
        finally:
            left = self._stop_all()
        elapsed = time.monotonic() - started
        with open(os.path.join(self.test_dir, "block")) as f:
            block, line = f.read().split()
        if rc is None:
            self.fail(self._report(f"the guide did not finish within {SCRIPT_TIMEOUT:.0f} s "
                                   f"(stuck in block {block}, README.md:{line})"))
        if rc != 0:
            self.fail(self._report(f"guide block {block} (README.md:{line}) failed"))
        self.assertEqual(block, "done", self._report("the script stopped early"))
        self.assertEqual(left, [], "processes left running after the stop")
        print(f"\nthe guide ran in {elapsed:.1f} s: {len(self.blocks)} blocks, "
              f"{sum(len(g) for g in self.groups)} expectations", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
