"""Shared helpers for the end-to-end tests: run the real vulnwatch binary against the loopback
servers that scripts/test-servers.sh started (TS_* environment). A missing server is a failure."""
import email
import email.policy
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

SOURCE_DIR = os.environ.get("VULNWATCH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("VULNWATCH_BINARY", os.path.join(SOURCE_DIR, "build", "daemon", "vulnwatch"))
FIXTURES = os.environ.get("VULNWATCH_FIXTURES_DIR", os.path.join(SOURCE_DIR, "..", "shared", "fixtures"))

failures = []


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit("FAIL: %s is not set; run the tests through scripts/test.sh, which starts the "
                 "loopback servers" % name)
    return value


def check(condition, message):
    """Record a failed expectation (the test goes on, and fails at the end)."""
    if condition:
        print("ok   %s" % message)
    else:
        print("FAIL %s" % message)
        failures.append(message)


def finish():
    checks = "%d failed" % len(failures)
    if failures:
        print("\n%s:\n  %s" % (checks, "\n  ".join(failures)))
        sys.exit(1)
    print("\nall checks passed")


class Workspace:
    """A private folder, docroot subfolder and hook path, so tests can share the servers."""

    def __init__(self, name):
        self.tag = "%s-%s" % (name, uuid.uuid4().hex[:10])
        self.dir = tempfile.mkdtemp(prefix="vw-%s-" % name)
        self.docroot = os.path.join(env("TS_HTTP_DOCROOT"), self.tag)
        os.makedirs(self.docroot)
        self.db = os.path.join(self.dir, "vulnwatch.db")
        self.config = os.path.join(self.dir, "vulnwatch.conf")

    def feed_url(self, name, tls=False, prefix="feeds"):
        if tls:
            return "https://127.0.0.1:%s/%s/%s/%s" % (env("TS_HTTPS_PORT"), prefix, self.tag, name)
        return "http://127.0.0.1:%s/%s/%s/%s" % (env("TS_HTTP_PORT"), prefix, self.tag, name)

    def hook_url(self):
        return "http://127.0.0.1:%s/hook/%s" % (env("TS_HTTP_PORT"), self.tag)

    def address(self, local):
        return "%s+%s@example.jp" % (local, self.tag)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def serve(self, name, data):
        with open(os.path.join(self.docroot, name), "wb") as f:
            f.write(data)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.docroot, ignore_errors=True)


def run(args, config=None, db=None, check_rc=None, stdin=None, timeout=120):
    """Run the binary. With check_rc, a different exit code is a recorded failure (the test
    fails at finish()), printed with the command, stdout and stderr."""
    cmd = [BINARY]
    if config:
        cmd += ["--config", config]
    if db:
        cmd += ["--db", db]
    cmd += args
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin)
    if check_rc is not None:
        command = " ".join(cmd)
        if p.returncode != check_rc:
            print("command %s exited %d (expected %d)\nstdout:\n%s\nstderr:\n%s" %
                  (command, p.returncode, check_rc, p.stdout, p.stderr))
        ok = p.returncode == check_rc
        check(ok, "`vulnwatch %s` exits %d%s"
              % (" ".join(args), check_rc, "" if ok else " (got %d)" % p.returncode))
    return p


def wait_until(predicate, seconds=20.0, interval=0.05):
    """Poll predicate() every `interval` s until it returns something true (returned) or
    `seconds` have passed (then the last, false, result is returned)."""
    end = time.monotonic() + seconds
    while True:
        result = predicate()
        if result or time.monotonic() >= end:
            return result
        time.sleep(interval)


def read_text(path):
    """The file's text so far ("" when it does not exist yet)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def http_inflight():
    """{path: n} of the GET/HEAD requests the loopback HTTP server has started and not yet
    finished (GET /inflight)."""
    url = "http://127.0.0.1:%s/inflight" % env("TS_HTTP_PORT")
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def mails_for(tag):
    """Messages in the SMTP sink whose envelope recipients carry `tag`."""
    out = []
    for meta_path in sorted(glob.glob(os.path.join(env("TS_SMTP_OUTDIR"), "*.json"))):
        eml = meta_path[:-5] + ".eml"
        if not os.path.exists(eml):
            continue
        with open(meta_path) as f:
            meta = json.load(f)
        if not any(tag in r for r in meta.get("rcpt_tos", [])):
            continue
        with open(eml, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        out.append((meta, msg))
    return out


def hooks_for(tag):
    out = []
    for path in sorted(glob.glob(os.path.join(env("TS_HTTP_HOOKDIR"), "*.json"))):
        with open(path, encoding="utf-8") as f:
            rec = json.load(f)
        if tag in rec.get("path", ""):
            out.append(rec)
    return out


def db_dump(path):
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def demo_feed():
    with open(os.path.join(SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf"), "rb") as f:
        return f.read()


def require_fixtures(name):
    """The real fixtures folder's jvn/ subfolder. When it is absent: a failure under CI=true;
    otherwise the script reports the skip ("FIXTURES MISSING", which ctest's
    SKIP_REGULAR_EXPRESSION turns into a skip; a line in $VULNWATCH_SKIP_LOG, which
    scripts/test.sh counts) and exits 0."""
    jvn = os.path.join(FIXTURES, "jvn")
    if os.path.isdir(jvn):
        return jvn
    if os.environ.get("CI") == "true":
        check(False, "fixture folder %s is missing (CI=true)" % jvn)
        finish()
    print("FIXTURES MISSING: %s did not run: %s is absent (point VULNWATCH_FIXTURES_DIR at "
          "shared/fixtures)" % (name, FIXTURES))
    log = os.environ.get("VULNWATCH_SKIP_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write("e2e\t%s\n" % name)
    raise SystemExit(0)
