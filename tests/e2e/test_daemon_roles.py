#!/usr/bin/python3
"""The daemons' roles (docs/operations.md "One daemon per SQLite store", "Active/standby with
PostgreSQL", "The textfile"), on either backend (`--db FILE`: a SQLite file, or with
VULNWATCH_TEST_PG_URL the PostgreSQL schema of that file):

1. `status` and `serve` take no lock: a daemon started while `serve` runs is active at once (and
   on SQLite they leave no lock file behind);
2. a second `vulnwatch run` on the same store is a standby, never active beside the first: on
   SQLite the lock file `<db>.run.lock` names the active daemon's pid;
3. [daemon] metrics_textfile: the active daemon exports vulnwatch_daemon_active 1 (with the time
   it became active and the store's numbers), the standby vulnwatch_daemon_active 0 and nothing
   of the store; the example alert rules of docs/operations.md use these names (checked by
   promtool when it is installed);
4. the active daemon killed with SIGKILL: the standby is active within standby_retry (1 s) plus
   slack, and its textfile says 1;
5. SQLite: a third daemon writing the same textfile as the active one leaves that file alone;
6. SIGTERM: the daemon stops, exit 0, and leaves vulnwatch_daemon_active 0;
7. `poll --once` with a daemon's textfile: while that daemon runs (active or standby) it leaves
   the file alone (the daemon's role lines never vanish); once no daemon claims the file (killed,
   stopped) it writes the store's numbers with vulnwatch_daemon_active 0, never without the role
   gauges."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

RETRY = 1.0  # [daemon] standby_retry below
BOUND = RETRY + 1.5  # the takeover bound checked: one retry, the process's end, slack

work = os.path.realpath(tempfile.mkdtemp(prefix="vw-roles-"))
db = os.path.join(work, "vulnwatch.db")
lock_file = db + ".run.lock"
pg = t.on_postgres()
procs = {}


def config(name, textfile):
    path = os.path.join(work, name + ".conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write("[daemon]\nstandby_retry = 1s\nmetrics_textfile = %s\n\n"
                "[web]\nlisten = 127.0.0.1:0\n" % textfile)
    return path


def prom(name):
    return os.path.join(work, name + ".prom")


def start(name, cfg, command="run"):
    log_path = os.path.join(work, name + ".log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([t.BINARY, "--config", cfg, "--db", db, command], stdout=log,
                                stderr=subprocess.STDOUT)
    procs[name] = (proc, log_path)
    return proc


def log_of(name):
    return t.read_text(procs[name][1])


def active(name):
    return "] active: this daemon holds" in log_of(name)


def standby(name):
    return "] standby: the active daemon is" in log_of(name)


def samples(path):
    """{'name{labels}': value} of the exposition in `path` ({} when missing)."""
    out = {}
    for line in t.read_text(path).splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def role(path):
    return samples(path).get("vulnwatch_daemon_active")


def poll_once(cfg):
    """`poll --once` with `cfg`'s textfile: its output."""
    p = t.run(["poll", "--once"], config=cfg, db=db, check_rc=0)
    return p.stdout + p.stderr


def left_to_daemon(out, path):
    return ("metrics textfile %s left to the vulnwatch run on this machine" % path) in out


def status_active():
    """`active_daemon` of `vulnwatch status --json` (None: none active)."""
    p = t.run(["status", "--json"], config=config("s", prom("s")), db=db, check_rc=0)
    return json.loads(p.stdout).get("active_daemon") if p.returncode == 0 else None


def stop(name, sig=signal.SIGTERM):
    proc = procs[name][0]
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        return None


promtool = shutil.which("promtool")
started = time.monotonic()
try:
    cfg_a, cfg_b = config("a", prom("a")), config("b", prom("b"))
    t.run(["status"], config=cfg_a, db=db, check_rc=0)

    # 1. serve and status take no lock: the first daemon is active at once.
    start("web", cfg_a, "serve")
    ok = t.wait_until(lambda: "listening on http://" in log_of("web"), 20)
    t.check(bool(ok), "serve runs" + ("" if ok else " (%s)" % log_of("web")[-300:]))
    if not pg:
        t.check(not os.path.exists(lock_file), "status and serve leave no lock file %s" % lock_file)
    start("a", cfg_a)
    ok = t.wait_until(lambda: active("a"), 15)
    t.check(bool(ok), "the first daemon is active beside serve" +
            ("" if ok else " (%s)" % log_of("a")[-400:]))
    t.check(not standby("a"), "the first daemon never waited")
    lock_name = "PostgreSQL advisory lock" if pg else "lock file " + lock_file
    t.check(lock_name in log_of("a"), "the daemon names its lock: %s" % lock_name)

    # 2. A second daemon on the same store: a standby.
    start("b", cfg_b)
    ok = t.wait_until(lambda: standby("b"), 15)
    t.check(bool(ok), "the second daemon is a standby" +
            ("" if ok else " (%s)" % log_of("b")[-400:]))
    pid_a = procs["a"][0].pid
    t.check(":%d" % pid_a in log_of("b"), "the standby names the active daemon (pid %d)" % pid_a)
    if pg:
        t.check(not os.path.exists(lock_file), "PostgreSQL: no lock file beside the --db path")
    else:
        record = t.read_text(lock_file)
        t.check("pid=%d\n" % pid_a in record and "metrics_textfile=%s\n" % prom("a") in record,
                "the lock file records the active daemon: %r" % record)

    # `status` names the active daemon on both backends (on SQLite from the lock file).
    named = status_active()
    t.check(named is not None and named.get("name", "").endswith(":%d" % pid_a),
            "status --json names the active daemon (pid %d): %r" % (pid_a, named))
    text = t.run(["status"], config=cfg_a, db=db, check_rc=0).stdout
    t.check(("稼働中のデーモン: " in text and ":%d" % pid_a in text),
            "status names it in its text too")
    t.check(standby("b") and not active("b"), "status left the standby a standby")

    # 3. The textfiles: 1 for the active one, 0 for the standby.
    t.check(t.wait_until(lambda: role(prom("a")) == 1, 10) is True,
            "the active daemon exports vulnwatch_daemon_active 1: %r"
            % {k: v for k, v in samples(prom("a")).items() if "daemon" in k})
    t.check(t.wait_until(lambda: role(prom("b")) == 0, 10) is True,
            "the standby exports vulnwatch_daemon_active 0: %r" % samples(prom("b")))
    m_a, m_b = samples(prom("a")), samples(prom("b"))
    since = m_a.get("vulnwatch_daemon_active_since_timestamp_seconds", 0)
    t.check(abs(since - time.time()) < 60,
            "the active daemon's vulnwatch_daemon_active_since_timestamp_seconds is now: %r" % since)
    t.check("vulnwatch_records_total" in m_a, "the active daemon exports the store's numbers")
    t.check("vulnwatch_records_total" not in m_b and
            m_b.get("vulnwatch_daemon_active_since_timestamp_seconds") == 0 and
            m_b.get("vulnwatch_daemon_start_time_seconds", 0) > 0,
            "the standby exports its role and start only: %r" % sorted(m_b))
    doc = t.read_text(os.path.join(t.SOURCE_DIR, "docs", "operations.md"))
    rules = re.search(r"```yaml\n(groups:\n  - name: vulnwatch-daemon\n.*?)```", doc, re.S)
    t.check(rules is not None, "docs/operations.md has the daemon role alert rules")
    if rules:
        for name in set(re.findall(r"\b(vulnwatch_[a-z_]+)", rules.group(1))):
            t.check(("# TYPE %s gauge" % name) in t.read_text(prom("b")),
                    "the rules' metric %s is in a standby's textfile" % name)
        if promtool:
            path = os.path.join(work, "rules.yml")
            with open(path, "w") as f:
                f.write(rules.group(1))
            r = subprocess.run([promtool, "check", "rules", path], capture_output=True,
                               timeout=60)
            t.check(r.returncode == 0, "promtool check rules accepts the daemon rules (%s)" %
                    (r.stdout + r.stderr).decode(errors="replace").strip()[-300:])
            for who in ("a", "b"):
                r = subprocess.run([promtool, "check", "metrics"], input=open(prom(who), "rb").read(),
                                   capture_output=True, timeout=60)
                t.check(r.returncode == 0, "promtool check metrics accepts %s's textfile (%s)" %
                        (who, (r.stdout + r.stderr).decode(errors="replace").strip()))
        else:
            print("note: promtool is missing; the rules and files are not checked by it")

    # 7. `poll --once` beside the daemons, with each one's textfile: left alone, so the role
    # gauges stay as the daemon wrote them (read after each poll).
    for who, value in (("a", 1), ("b", 0)):
        before = samples(prom(who))
        out = poll_once(cfg_a if who == "a" else cfg_b)
        t.check(left_to_daemon(out, prom(who)),
                "poll --once leaves %s's textfile to that daemon: %r" % (who, out[-500:]))
        after = samples(prom(who))
        t.check(after.get("vulnwatch_daemon_active") == value and
                after.get("vulnwatch_daemon_start_time_seconds") ==
                before.get("vulnwatch_daemon_start_time_seconds") and
                after.get("vulnwatch_daemon_active_since_timestamp_seconds") ==
                before.get("vulnwatch_daemon_active_since_timestamp_seconds"),
                "after poll --once %s's textfile still has its role lines: %r"
                % (who, {k: v for k, v in after.items() if "daemon" in k}))
        t.check(("vulnwatch_records_total" in after) == (who == "a"),
                "%s's file has the store's numbers only if it is the active daemon's "
                "(poll --once put none into the standby's): %r" % (who, sorted(after)))
        t.check(os.path.exists(os.path.join(work, ".%s.prom.lock" % who)),
                "the daemon's claim: the lock file .%s.prom.lock beside its textfile" % who)
    t.check(not active("b"), "the standby did not become active beside the active daemon")

    # 4. kill -9 the active daemon: the standby takes over within the bound.
    killed_at = int(time.time())
    os.kill(pid_a, signal.SIGKILL)
    killed = time.monotonic()
    procs["a"][0].wait(10)
    took_over = t.wait_until(lambda: active("b"), BOUND + 5)
    after = time.monotonic() - killed
    t.check(bool(took_over) and after <= BOUND,
            "the standby is active %.1f s after the SIGKILL (bound %.1f s)" % (after, BOUND))
    t.check(t.wait_until(lambda: role(prom("b")) == 1, 10) is True,
            "the new active daemon exports vulnwatch_daemon_active 1: %r"
            % {k: v for k, v in samples(prom("b")).items() if "daemon" in k})
    since_b = samples(prom("b")).get("vulnwatch_daemon_active_since_timestamp_seconds", 0)
    t.check(since_b >= killed_at, "it became active after the kill: since %r >= %d"
            % (since_b, killed_at))
    t.check(role(prom("a")) == 1, "the killed daemon's file still says 1 (it wrote nothing more)")
    # The kernel dropped the killed daemon's claim with it: `poll --once` writes that file now,
    # with the store's numbers and the role gauges at 0 (no daemon runs with it).
    out = poll_once(cfg_a)
    m_a = samples(prom("a"))
    t.check(not left_to_daemon(out, prom("a")) and m_a.get("vulnwatch_daemon_active") == 0 and
            m_a.get("vulnwatch_daemon_active_since_timestamp_seconds") == 0 and
            "vulnwatch_records_total" in m_a and
            "vulnwatch_daemon_start_time_seconds" not in m_a,
            "poll --once writes the killed daemon's textfile with vulnwatch_daemon_active 0: %r"
            % sorted(m_a))
    t.check(role(prom("b")) == 1, "the new active daemon's file still says 1")
    if not pg:
        t.check("pid=%d\n" % procs["b"][0].pid in t.read_text(lock_file),
                "the lock file now records the new active daemon")

    # 5. SQLite: a standby with the active daemon's very textfile leaves it alone.
    if not pg:
        start("c", cfg_b)
        ok = t.wait_until(lambda: "this one leaves it to it" in log_of("c"), 15)
        t.check(bool(ok), "a standby writing the active daemon's textfile says it leaves it" +
                ("" if ok else " (%s)" % log_of("c")[-300:]))
        time.sleep(0.5)
        t.check(role(prom("b")) == 1, "the shared textfile still says 1")
        t.check(stop("c") == 0, "the standby stops on SIGTERM, exit 0")
        t.check("stopped (standby)" in log_of("c"), "it says it stopped as a standby")
        t.check(role(prom("b")) == 1, "the shared textfile still says 1 after the standby stopped")

    # 6. SIGTERM: stopped, exit 0, the textfile says 0.
    t.check(stop("b") == 0, "the active daemon stops on SIGTERM, exit 0")
    m_b = samples(prom("b"))
    t.check(m_b.get("vulnwatch_daemon_active") == 0 and "vulnwatch_records_total" not in m_b,
            "a stopped daemon leaves vulnwatch_daemon_active 0: %r" % m_b)
    t.check(status_active() is None,
            "with every daemon stopped, status --json says no daemon is active")
    # A stopped daemon's file: `poll --once` writes it, the role gauge stays (0).
    out = poll_once(cfg_b)
    m_b = samples(prom("b"))
    t.check(not left_to_daemon(out, prom("b")) and m_b.get("vulnwatch_daemon_active") == 0 and
            "vulnwatch_records_total" in m_b,
            "poll --once writes the stopped daemon's textfile, vulnwatch_daemon_active 0 kept: %r"
            % sorted(m_b))
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=open(prom("b"), "rb").read(),
                           capture_output=True, timeout=60)
        t.check(r.returncode == 0, "promtool check metrics accepts poll --once's textfile (%s)"
                % (r.stdout + r.stderr).decode(errors="replace").strip())
finally:
    for name in list(procs):
        stop(name, signal.SIGKILL if name != "web" else signal.SIGTERM)
    for name, (proc, log_path) in procs.items():
        if t.failures:
            print("--- %s log:\n%s" % (name, t.read_text(log_path)[-2000:]))
    shutil.rmtree(work, ignore_errors=True)
print("took %.1f s" % (time.monotonic() - started))
t.finish()
