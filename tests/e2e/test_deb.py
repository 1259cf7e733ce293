#!/usr/bin/python3
"""The Debian package end to end (issue 15 part 1; docs/operations.md "Install"):

- the .deb: $VULNWATCH_DEB when set (e.g. scripts/build-deb.sh's), otherwise built here by CPack
  from the test's own build dir (its `vulnwatch_package_files` target, then `cpack -G DEB` into
  a temporary folder: the binary already built, stripped, no Release build of its own);
- its control data: Depends from dpkg-shlibdeps (the Poco, SQLite and libc packages the binary
  links), the one conffile, the maintainer scripts; its files: binary, units, sysusers.d,
  tmpfiles.d, man pages that man(1) renders without a warning, copyright, changelog.Debian.gz;
  lintian (when installed) reports no error;
- installed with `dpkg --root=DIR --force-script-chrootless` into an empty root (no container,
  no chroot: the maintainer scripts run on this machine with DPKG_ROOT=DIR and touch only DIR;
  --force-depends because the empty root has no libc, the binary runs with this machine's):
  the postinst made the vulnwatch user and group in DIR/etc, /var/lib/vulnwatch (0750, the
  user's), /etc/vulnwatch and the conffile (root:vulnwatch 0640); `vulnwatch --version` and
  `vulnwatch --config DIR/etc/vulnwatch/vulnwatch.conf config check --no-secrets` from the
  installed binary (the example's secret files do not exist yet);
- the administrator edits the conffile, then an upgrade to a package whose shipped conffile
  changed (repacked with fakeroot dpkg-deb as version -2): the edited file is kept with its
  owner and mode, the new one lies beside it as .dpkg-dist; an unedited conffile would have
  been replaced (checked on a second root);
- remove keeps the state (the database) and the configuration; purge deletes them and every
  file of the package: nothing is left in DIR but dpkg's database and the user in /etc/passwd.

Without dpkg-deb, fakeroot, cpack or root the test prints SKIP and exits 77 (ctest: skipped);
under CI=true that is a failure. Needs no loopback test server; about a minute (lintian and CPack take most of it)."""
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

SKIP_EXIT = 77


def skip_or_fail(why):
    if os.environ.get("CI") == "true":
        sys.exit("FAIL: %s (CI=true)" % why)
    print("SKIP: %s; test_deb needs it to build and install the Debian package" % why)
    sys.exit(SKIP_EXIT)


def need_tools():
    for tool in ("dpkg", "dpkg-deb", "fakeroot", "cpack"):
        if shutil.which(tool) is None:
            skip_or_fail("%s is missing (scripts/install-deps.sh installs it)" % tool)
    if os.geteuid() != 0:
        skip_or_fail("not root (dpkg --root gives the files their owners)")


def sh(args, check=True, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=kw.pop("timeout", 300), **kw)
    if check and r.returncode != 0:
        sys.exit("FAIL: %s exited %d:\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def build_deb(work):
    given = os.environ.get("VULNWATCH_DEB")
    if given:
        print("using the package %s (VULNWATCH_DEB)" % given)
        return given
    build = os.path.dirname(os.path.dirname(os.path.abspath(t.BINARY)))
    config = os.path.join(build, "CPackConfig.cmake")
    if not os.path.exists(config):
        sys.exit("FAIL: %s is missing: the build dir was configured without cmake/packaging.cmake" % config)
    # The man pages and changelog of this binary (regenerated when --help or the docs changed).
    sh(["cmake", "--build", build, "--target", "vulnwatch_package_files"])
    out = os.path.join(work, "cpack")
    sh(["cpack", "--config", config, "-G", "DEB", "-B", out])
    debs = glob.glob(os.path.join(out, "vulnwatch_*.deb"))
    if len(debs) != 1:
        sys.exit("FAIL: cpack made %r" % debs)
    return debs[0]


def repack(deb, work, version, conf_extra):
    """The same package as VERSION, with a line added to the shipped conffile (its md5sum
    updated), packed by fakeroot dpkg-deb: what an upgrade brings."""
    tree = os.path.join(work, "repack-" + version)
    sh(["dpkg-deb", "-R", deb, tree])
    control = os.path.join(tree, "DEBIAN", "control")
    text = t.read_text(control)
    text = re.sub(r"(?m)^Version: .*$", "Version: " + version, text)
    with open(control, "w") as f:
        f.write(text)
    conf = os.path.join(tree, "etc", "vulnwatch", "vulnwatch.conf")
    with open(conf, "a") as f:
        f.write(conf_extra)
    out = os.path.join(work, "vulnwatch_%s_amd64.deb" % version)
    sh(["fakeroot", "dpkg-deb", "--build", tree, out])
    return out


def new_root(work, name):
    root = os.path.join(work, name)
    os.makedirs(os.path.join(root, "var", "lib", "dpkg", "updates"))
    os.makedirs(os.path.join(root, "var", "lib", "dpkg", "info"))
    open(os.path.join(root, "var", "lib", "dpkg", "status"), "w").close()
    return root


def dpkg(root, *args, check=True):
    return sh(["dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends",
               "--force-confdef", "--force-confold", *args], check=check,
              env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def passwd_entry(root, name, file="passwd"):
    try:
        with open(os.path.join(root, "etc", file)) as f:
            for line in f:
                fields = line.rstrip("\n").split(":")
                if fields[0] == name:
                    return fields
    except FileNotFoundError:
        pass
    return None


def check_control(deb):
    depends = sh(["dpkg-deb", "-f", deb, "Depends"]).stdout.strip()
    names = [re.split(r"[ (]", d.strip())[0] for d in depends.split(",")]
    print("Depends: %s" % depends)
    for lib in ("libc6", "libstdc++6", "libsqlite3-0", "libpocofoundation80", "libcurl4", "systemd"):
        t.check(lib in names, "Depends names %s (dpkg-shlibdeps)" % lib)
    # Every Depends is a package this machine has (the binary runs here).
    missing = [n for n in names
               if sh(["dpkg-query", "-W", "-f=${db:Status-Status}", n], check=False).stdout != "installed"]
    t.check(not missing, "every package in Depends is installed on this machine (%s)" % missing)
    info = sh(["dpkg-deb", "-I", deb]).stdout
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        t.check(re.search(r"\b%s\b" % script, info) is not None, "the control archive has %s" % script)
    with tempfile.TemporaryDirectory() as ctl:
        sh(["dpkg-deb", "-e", deb, ctl])
        t.check(t.read_text(os.path.join(ctl, "conffiles")).split() == ["/etc/vulnwatch/vulnwatch.conf"],
                "the one conffile is /etc/vulnwatch/vulnwatch.conf")
    files = sh(["dpkg-deb", "-c", deb]).stdout
    for path in ("./usr/bin/vulnwatch", "./lib/systemd/system/vulnwatch.service",
                 "./lib/systemd/system/vulnwatch-web.service", "./lib/systemd/system/vulnwatch-backup.service",
                 "./lib/systemd/system/vulnwatch-backup.timer", "./usr/lib/sysusers.d/vulnwatch.conf",
                 "./usr/lib/tmpfiles.d/vulnwatch.conf", "./etc/vulnwatch/vulnwatch.conf",
                 "./usr/share/man/man8/vulnwatch.8.gz", "./usr/share/man/man5/vulnwatch.conf.5.gz",
                 "./usr/share/doc/vulnwatch/copyright", "./usr/share/doc/vulnwatch/changelog.Debian.gz"):
        t.check(re.search(r"(?m) %s$" % re.escape(path), files) is not None, "the package has %s" % path)
    t.check(re.search(r"(?m)^-rw-r--r-- root/root .* \./etc/vulnwatch/vulnwatch\.conf$", files) is not None,
            "the conffile is shipped root:root 0644 (the postinst gives it to the group)")


def check_man(root):
    for page, words in (("usr/share/man/man8/vulnwatch.8.gz", ["backfill --since", "config check", "EXIT STATUS"]),
                        ("usr/share/man/man5/vulnwatch.conf.5.gz", ["proxy_credentials_file", "[source.NAME]",
                                                                    "SECRETS"])):
        path = os.path.join(root, page)
        r = sh(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", path], check=False,
               env=dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80"))
        t.check(r.returncode == 0 and not r.stderr.strip(),
                "man renders %s without a warning (%s)" % (page, r.stderr.strip()[:300] or "none"))
        text = sh(["man", "-l", path], env=dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="100",
                                               MAN_KEEP_FORMATTING="")).stdout
        text = re.sub(r".\x08", "", text)
        for w in words:
            t.check(w in text, "%s says %r" % (page, w))
    # The commands of vulnwatch(8) are those of --help: every command word there is here.
    helptext = sh([os.path.join(root, "usr/bin/vulnwatch"), "--help"]).stdout
    man8 = gzip.open(os.path.join(root, "usr/share/man/man8/vulnwatch.8.gz"), "rt").read()
    man8 = man8.replace("\\-", "-").replace("\\fB", "").replace("\\fI", "").replace("\\fR", "")
    commands = re.findall(r"(?m)^  ([a-z][a-z-]+(?: [a-z][a-z-]+)?)\b", helptext.split("options:")[0])
    t.check(len(commands) > 20, "--help lists the commands (%d)" % len(commands))
    absent = [c for c in commands if c not in man8]
    t.check(not absent, "every command of --help is in vulnwatch(8) (absent: %s)" % absent)


def main():
    t.sqlite_only("test_deb", "the package's default store is the SQLite file in "
                  "/var/lib/vulnwatch, which the test checks on disk")
    need_tools()
    work = tempfile.mkdtemp(prefix="vw-deb-")
    try:
        deb = build_deb(work)
        version = sh(["dpkg-deb", "-f", deb, "Version"]).stdout.strip()
        check_control(deb)
        if shutil.which("lintian"):
            r = sh(["lintian", "--fail-on", "error", deb], check=False, timeout=180)
            t.check(r.returncode == 0 and "\nE: " not in "\n" + r.stdout,
                    "lintian reports no error (%s)" % (r.stdout.strip().replace("\n", "; ") or "nothing"))
        else:
            print("note: lintian is not installed; not run (scripts/install-deps.sh installs it)")

        # --- install into an empty root --------------------------------------------------------
        root = new_root(work, "root")
        host_passwd, host_group = t.read_text("/etc/passwd"), t.read_text("/etc/group")
        r = dpkg(root, "-i", deb)
        t.check("Setting up vulnwatch" in r.stdout, "dpkg installed the package into %s" % root)
        user = passwd_entry(root, "vulnwatch")
        group = passwd_entry(root, "vulnwatch", "group")
        t.check(user is not None and group is not None, "the postinst created the vulnwatch user and group")
        if user is None or group is None:
            t.finish()
        uid, gid = int(user[2]), int(group[2])
        t.check(user[5] == "/var/lib/vulnwatch" and user[6].endswith("nologin"),
                "the user's home is /var/lib/vulnwatch, no login shell (%s)" % ":".join(user))
        state = os.stat(os.path.join(root, "var/lib/vulnwatch"))
        t.check((state.st_uid, state.st_gid, state.st_mode & 0o7777) == (uid, gid, 0o750),
                "/var/lib/vulnwatch is vulnwatch:vulnwatch 0750")
        backup = os.stat(os.path.join(root, "var/lib/vulnwatch/backup"))
        t.check((backup.st_uid, backup.st_gid, backup.st_mode & 0o7777) == (uid, gid, 0o750),
                "/var/lib/vulnwatch/backup (the backup timer's target) is vulnwatch:vulnwatch 0750")
        etc = os.stat(os.path.join(root, "etc/vulnwatch"))
        t.check((etc.st_uid, etc.st_gid, etc.st_mode & 0o7777) == (0, gid, 0o750),
                "/etc/vulnwatch is root:vulnwatch 0750")
        conf = os.path.join(root, "etc/vulnwatch/vulnwatch.conf")
        st = os.stat(conf)
        t.check((st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, gid, 0o640),
                "the conffile is root:vulnwatch 0640")
        t.check(t.read_text("/etc/passwd") == host_passwd and t.read_text("/etc/group") == host_group,
                "the maintainer scripts left this machine's users and groups alone")

        binary = os.path.join(root, "usr/bin/vulnwatch")
        r = sh([binary, "--version"], check=False)
        t.check(r.returncode == 0 and r.stdout.strip() == "vulnwatch " + version.split("-")[0],
                "the installed vulnwatch --version says %r (package %s)" % (r.stdout.strip(), version))
        r = sh([binary, "--config", conf, "config", "check", "--no-secrets"], check=False)
        t.check(r.returncode == 0 and ": ok (" in r.stderr + r.stdout,
                "the installed binary accepts the installed config (%s)" % (r.stderr.strip().splitlines() or [""])[-1])
        r = sh([binary, "--config", conf, "config", "check"], check=False)
        t.check(r.returncode == 2 and "smtp.secret" in r.stderr,
                "without --no-secrets it names the secret file still to be written (%s)" % r.stderr.strip()[:200])
        check_man(root)

        # --- the administrator edits the conffile; an upgrade keeps it -------------------------
        edited = t.read_text(conf).replace("log_level = info", "log_level = debug")
        edited += "\n; edited by the administrator\n"
        with open(conf, "w") as f:
            f.write(edited)
        db = os.path.join(root, "var/lib/vulnwatch/vulnwatch.db")
        r = sh([binary, "--db", db, "status", "--json"], check=False)
        t.check(os.path.exists(db), "a store in /var/lib/vulnwatch (%s)" % r.stderr.strip()[:200])
        newer = repack(deb, work, version + "+upgrade1", "\n; a new default of the next release\n")
        r = dpkg(root, "-i", newer)
        t.check("Unpacking vulnwatch (%s+upgrade1) over (%s)" % (version, version) in r.stdout,
                "upgraded to %s+upgrade1" % version)
        t.check(t.read_text(conf) == edited, "the upgrade kept the edited configuration")
        t.check(os.path.exists(conf + ".dpkg-dist") and "a new default of the next release" in
                t.read_text(conf + ".dpkg-dist"), "the new shipped configuration lies beside it (.dpkg-dist)")
        st = os.stat(conf)
        t.check((st.st_gid, st.st_mode & 0o7777) == (gid, 0o640), "still root:vulnwatch 0640")
        t.check(os.path.exists(db), "the upgrade kept the store")
        status = sh(["dpkg-query", "--admindir=" + os.path.join(root, "var/lib/dpkg"), "-W",
                     "-f=${Version} ${db:Status-Status}", "vulnwatch"]).stdout
        t.check(status == version + "+upgrade1 installed", "dpkg records the new version (%s)" % status)

        # An unedited conffile is replaced by the new one (on a root of its own).
        other = new_root(work, "root2")
        dpkg(other, "-i", deb)
        dpkg(other, "-i", newer)
        t.check("a new default of the next release" in t.read_text(os.path.join(other, "etc/vulnwatch/vulnwatch.conf")),
                "an unedited configuration gets the new release's")
        dpkg(other, "--purge", "vulnwatch")

        # --- remove keeps the data, purge deletes it --------------------------------------------
        dpkg(root, "--remove", "vulnwatch")
        t.check(not os.path.exists(binary), "remove deleted the binary")
        t.check(os.path.exists(db) and os.path.exists(conf), "remove kept the store and the configuration")
        dpkg(root, "--purge", "vulnwatch")
        left = []
        for dirpath, dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            if rel == "var/lib/dpkg" or rel.startswith("var/lib/dpkg/"):
                continue
            for name in filenames:
                path = os.path.normpath(os.path.join(rel, name))
                if path not in ("etc/passwd", "etc/group", "etc/shadow", "etc/gshadow", "etc/.pwd.lock",
                                "etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-"):
                    left.append(path)
        t.check(not left, "purge left no file of the package (left: %s)" % left[:10])
        t.check(not os.path.exists(os.path.join(root, "var/lib/vulnwatch"))
                and not os.path.exists(os.path.join(root, "etc/vulnwatch")),
                "purge deleted /var/lib/vulnwatch and /etc/vulnwatch")
        status = sh(["dpkg-query", "--admindir=" + os.path.join(root, "var/lib/dpkg"), "-W", "vulnwatch"],
                    check=False)
        t.check(status.returncode != 0, "dpkg no longer knows the package")
        t.check(passwd_entry(root, "vulnwatch") is not None,
                "the system user stays after purge (Debian's rule for system users)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
