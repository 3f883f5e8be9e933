"""The .deb: built with `cpack -G DEB` from the release build into a scratch directory, then
read without installing it anywhere. What `dpkg-deb -c` lists (every file, where, its mode,
root/root), the control fields (version from project(), dependencies from dpkg-shlibdeps, the
conffile), the maintainer scripts run against stubs (with and without a running systemd), the
unpacked binaries (--version, `gslbd check` of a good and a broken zone), the man pages, and
lintian with --fail-on error when it is installed.

Environment (tests/package/CMakeLists.txt): GSLBD_BUILD_DIR, GSLBD_SOURCE_DIR, GSLBD_VERSION,
CPACK. Standard library only."""

import gzip
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("GSLBD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
BUILD = os.environ.get("GSLBD_BUILD_DIR", os.path.join(SOURCE, "build"))
CPACK = os.environ.get("CPACK", "cpack")


def project_version():
    """VERSION from the top CMakeLists.txt's project(), as a fallback to $GSLBD_VERSION."""
    with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
        m = re.search(r"project\(\s*gslbd\s+VERSION\s+([0-9.]+)", f.read())
    return m.group(1) if m else None


VERSION = os.environ.get("GSLBD_VERSION") or project_version()

# Every file of the package and its mode; directories are all 0755 and listed apart.
FILES = {
    "usr/sbin/gslbd": "-rwxr-xr-x",
    "usr/bin/gslbctl": "-rwxr-xr-x",
    "lib/systemd/system/gslbd.service": "-rw-r--r--",
    "etc/gslbd/gslbd.env": "-rw-r--r--",
    "usr/share/man/man8/gslbd.8.gz": "-rw-r--r--",
    "usr/share/man/man1/gslbctl.1.gz": "-rw-r--r--",
    "usr/share/man/man5/gslbd.json.5.gz": "-rw-r--r--",
    "usr/share/doc/gslbd/copyright": "-rw-r--r--",
    "usr/share/bash-completion/completions/gslbctl": "-rw-r--r--",
    "usr/share/doc/gslbd/changelog.Debian.gz": "-rw-r--r--",
}
DIRECTORIES_AT_LEAST = {"etc/gslbd", "etc/gslbd/zones", "lib/systemd/system", "usr/share/doc/gslbd"}
MAN_PAGES = {
    "usr/share/man/man8/gslbd.8.gz": "GSLBD 8",
    "usr/share/man/man1/gslbctl.1.gz": "GSLBCTL 1",
    "usr/share/man/man5/gslbd.json.5.gz": "GSLBD.JSON 5",
}

BROKEN_ZONE = """$ORIGIN broken.test.
@ 300 IN SOA ns1 hostmaster 1 3600 600 604800 60
@ 300 IN NS ns1
ns1 300 IN A 192.0.2.53
www 300 IN A 192.0.2.300
"""


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    return subprocess.run(args, **kw)


class TestDebPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not VERSION:
            raise unittest.SkipTest("no project version known")
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-package-")
        cls.out = os.path.join(cls.tmp, "out")
        os.mkdir(cls.out)
        # The staging tree keeps the umask's modes (as `make deb` does, 022).
        old = os.umask(0o022)
        try:
            p = run([CPACK, "-G", "DEB", "-B", cls.out], cwd=BUILD)
        finally:
            os.umask(old)
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("cpack failed (%d):\n%s%s" % (p.returncode, p.stdout, p.stderr))
        debs = [f for f in os.listdir(cls.out) if f.endswith(".deb")]
        if len(debs) != 1:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("expected one .deb in %s, found %s" % (cls.out, debs))
        cls.deb = os.path.join(cls.out, debs[0])
        cls.root = os.path.join(cls.tmp, "root")
        p = run(["dpkg-deb", "-x", cls.deb, cls.root])
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("dpkg-deb -x: " + p.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        p = run(["dpkg-deb", "-f", self.deb, name])
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def listing(self):
        """{path: (mode, owner)} from dpkg-deb -c, paths without "./" and trailing "/"."""
        p = run(["dpkg-deb", "-c", self.deb])
        self.assertEqual(p.returncode, 0, p.stderr)
        entries = {}
        for line in p.stdout.splitlines():
            # drwxr-xr-x root/root         0 2026-12-03 06:16 ./etc/gslbd/
            parts = line.split(None, 5)
            self.assertEqual(len(parts), 6, line)
            mode, owner, path = parts[0], parts[1], parts[5]
            path = path.split(" -> ")[0]
            entries[path[2:].rstrip("/")] = (mode, owner)
        entries.pop("", None)  # "./" itself
        return entries

    def test_file_name_and_control_fields(self):
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        self.assertEqual(os.path.basename(self.deb), "gslbd_%s-1_%s.deb" % (VERSION, arch))
        self.assertEqual(self.field("Package"), "gslbd")
        self.assertEqual(self.field("Version"), VERSION + "-1")
        depends = [d.strip().split(" ")[0] for d in self.field("Depends").split(",")]
        # adduser for the postinst; the rest is dpkg-shlibdeps's (SQLite, ldns, libc at least).
        for dep in ("adduser", "libc6", "libsqlite3-0", "libldns3"):
            self.assertIn(dep, depends)

    def test_every_file_where_it_belongs_with_its_mode_owned_by_root(self):
        entries = self.listing()
        files = {p: m for p, (m, _) in entries.items() if not m.startswith("d")}
        self.assertEqual(files, FILES)
        dirs = {p: m for p, (m, _) in entries.items() if m.startswith("d")}
        self.assertLessEqual(DIRECTORIES_AT_LEAST, set(dirs))
        for path, mode in dirs.items():
            self.assertEqual(mode, "drwxr-xr-x", path)
        for path, (_, owner) in entries.items():
            self.assertEqual(owner, "root/root", path)

    def test_binaries_are_stripped(self):
        for path in ("usr/sbin/gslbd", "usr/bin/gslbctl"):
            p = run(["readelf", "-S", "-W", os.path.join(self.root, path)])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(".text", p.stdout)
            self.assertNotIn(".symtab", p.stdout, path + " is not stripped")
            self.assertNotIn(".debug_info", p.stdout, path + " carries debug info")

    def test_the_unit_and_env_file_are_the_repository_s(self):
        for packaged, source in (("lib/systemd/system/gslbd.service", "gslbd.service"),
                                 ("etc/gslbd/gslbd.env", "gslbd.env")):
            with open(os.path.join(self.root, packaged), "rb") as a, \
                    open(os.path.join(SOURCE, "tools", "systemd", source), "rb") as b:
                self.assertEqual(a.read(), b.read(), packaged)
        p = run(["dpkg-deb", "-e", self.deb, os.path.join(self.tmp, "control-conffiles")])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(self.tmp, "control-conffiles", "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/gslbd/gslbd.env"])

    def test_version_of_the_unpacked_binaries(self):
        for prog, path in (("gslbd", "usr/sbin/gslbd"), ("gslbctl", "usr/bin/gslbctl")):
            p = run([os.path.join(self.root, path), "--version"], timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, "%s %s\n" % (prog, VERSION))

    def test_check_of_a_good_and_a_broken_zone(self):
        gslbd = os.path.join(self.root, "usr/sbin/gslbd")
        zone = os.path.join(SOURCE, "tests", "integration", "zones", "example.test.zone")
        p = run([gslbd, "check", "--zone", zone], timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("ok: " + zone + ": zone example.test.", p.stdout)
        broken = os.path.join(self.tmp, "broken.test.zone")
        with open(broken, "w") as f:
            f.write(BROKEN_ZONE)
        p = run([gslbd, "check", "--zone", broken], timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(broken + ":5: ", p.stdout)

    def test_man_pages_are_gzipped_roff_of_this_version(self):
        groff = shutil.which("groff")
        for path, title in MAN_PAGES.items():
            with gzip.open(os.path.join(self.root, path), "rt") as f:
                text = f.read()
            th = [line for line in text.splitlines() if line.startswith(".TH ")]
            self.assertEqual(len(th), 1, path)
            self.assertTrue(th[0].startswith(".TH " + title + " "), th[0])
            self.assertIn('"gslbd %s"' % VERSION, th[0], path + ": .TH names another version")
            if groff:
                p = run([groff, "-man", "-Tutf8", "-ww", "-z"], input=text)
                self.assertEqual((p.returncode, p.stderr), (0, ""), path)

    def test_maintainer_scripts_with_and_without_systemd(self):
        """Each script runs against stubs that log their calls, with the paths it touches
        moved into the scratch directory: daemon-reload and stop only where systemd runs, a
        failing systemctl fails nothing, the user made once, the state removed on purge."""
        control = os.path.join(self.tmp, "control")
        p = run(["dpkg-deb", "-e", self.deb, control])
        self.assertEqual(p.returncode, 0, p.stderr)
        bin_dir = os.path.join(self.tmp, "stubs")
        os.makedirs(bin_dir, exist_ok=True)
        log = os.path.join(self.tmp, "calls.log")
        # getent finds no user (exit 2); systemctl fails, as it does in a container.
        for name, status in (("adduser", 0), ("install", 0), ("getent", 2), ("systemctl", 1),
                             ("deb-systemd-invoke", 1)):
            stub = os.path.join(bin_dir, name)
            with open(stub, "w") as f:
                f.write('#!/bin/sh\necho "%s $*" >>"%s"\nexit %d\n' % (name, log, status))
            os.chmod(stub, 0o755)
        env = dict(os.environ, PATH=bin_dir + ":/usr/bin:/bin")

        def script(name, systemd):
            with open(os.path.join(control, name)) as f:
                text = f.read()
            run_dir = os.path.join(self.tmp, "run-systemd-system")
            state = os.path.join(self.tmp, "var-lib-gslbd")
            shutil.rmtree(run_dir, ignore_errors=True)
            if systemd:
                os.mkdir(run_dir)
            text = text.replace("/run/systemd/system", run_dir).replace("/var/lib/gslbd", state)
            self.assertNotIn("/run/systemd", text)
            return text, state

        def call(name, arg, systemd):
            text, state = script(name, systemd)
            if os.path.exists(log):
                os.unlink(log)
            p = run(["sh", "-e", "-c", text, name, arg], env=env, timeout=30)
            self.assertEqual(p.returncode, 0, "%s %s: %s" % (name, arg, p.stderr))
            calls = []
            if os.path.exists(log):
                with open(log) as f:
                    calls = f.read().splitlines()
            return calls, state

        for systemd in (False, True):
            with self.subTest(systemd=systemd):
                calls, state = call("postinst", "configure", systemd)
                self.assertIn("getent passwd gslbd", calls)
                self.assertTrue(any(c.startswith("adduser ") and "--system" in c and
                                    c.endswith(" gslbd") for c in calls), calls)
                self.assertIn("install -d -o gslbd -g gslbd -m 0750 " + state, calls)
                reload = "systemctl --system daemon-reload"
                self.assertEqual(reload in calls, systemd, calls)
                calls, _ = call("prerm", "remove", systemd)
                self.assertEqual(calls, ["deb-systemd-invoke stop gslbd.service"] if systemd
                                 else [])
                calls, _ = call("prerm", "upgrade", systemd)
                self.assertEqual(calls, [])
                calls, _ = call("postrm", "remove", systemd)
                self.assertEqual(calls, [reload] if systemd else [])
                os.makedirs(os.path.join(state, "sub"), exist_ok=True)
                calls, state = call("postrm", "purge", systemd)
                self.assertFalse(os.path.exists(state), "purge left " + state)

    def test_lintian_finds_no_error(self):
        lintian = shutil.which("lintian")
        if not lintian:
            self.skipTest("lintian is not installed (make test installs it)")
        p = run([lintian, "--fail-on", "error", self.deb], timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotRegex(p.stdout, r"(?m)^E: ", p.stdout)


if __name__ == "__main__":
    unittest.main()
