#!/usr/bin/python3
"""The audit trail end to end (issue 12 part 3, docs/audit.md), with the real binary, the sqlite3
shell and Python's own json and hashlib:

- the sqlite3 shell cannot UPDATE or DELETE an event;
- an attacker who drops the triggers in the shell and edits, deletes, swaps or truncates events
  is caught by `audit verify`, which names the first bad event (truncation against the head
  recorded outside, `--head HASH@SEQ`);
- every hash of `audit export --json` is recomputed here from Python's json.dumps, so the
  canonical form is what docs/audit.md says it is;
- kill -9 in the middle of imports (events written in their transactions) leaves a chain that
  verifies, and the next import continues it;
- two processes writing events at once never fork the chain.
Needs no loopback server."""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

GENESIS = "0" * 64


def sqlite_shell(db, sql):
    """The sqlite3 shell on the file (on PostgreSQL: the same SQL through psycopg2)."""
    return t.db_shell(db, sql)


def verify(db, *args):
    p = t.run(["audit", "verify", "--json"] + list(args), db=db)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        print("audit verify printed no JSON:\n%s\n%s" % (p.stdout, p.stderr))
        return p.returncode, {}


def canonical(event):
    """docs/audit.md: RFC 8785 for our values, which is what json.dumps writes with these
    settings."""
    return json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def count(db, sql):
    """One number from the store; 0 while it has no event_log yet (being created)."""
    con = t.db_connect(db, timeout=30)
    try:
        return con.execute(sql).fetchone()[0]
    except t.DbError as e:
        if not t.db_missing_table(e):
            raise
        return 0
    finally:
        con.close()


def main():
    work = tempfile.mkdtemp(prefix="vw-audit-")
    try:
        run_all(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def make_store(work):
    """A store with a few dozen events, some of them with awkward text."""
    db = os.path.join(work, "base.db")
    names = ["Viewer", "製品 \"引用\" と \\ バックスラッシュ", "tab\there", "bs\bff\fctl\x01",
             "絵文字 🏥"]
    for i, name in enumerate(names * 5):
        t.run(["products", "add", "%s %d" % (name, i), "--version", "1.%d" % i], db=db,
              check_rc=0)
    return db


def run_all(work):
    db = make_store(work)
    events = count(db, "SELECT count(*) FROM event_log")
    t.check(events == 25, "25 product events were logged (%d)" % events)
    rc, result = verify(db)
    t.check(rc == 0 and result.get("ok") is True and result.get("events") == events,
            "audit verify exits 0 on the intact chain with its count (%s)" % result)
    head = result.get("head", {})

    # --- append-only through the sqlite3 shell ------------------------------------------------
    p = sqlite_shell(db, "UPDATE event_log SET json = json WHERE id = 3")
    t.check(p.returncode != 0 and "append-only" in p.stderr,
            "the sqlite3 shell cannot UPDATE an event (%r)" % p.stderr.strip())
    p = sqlite_shell(db, "DELETE FROM event_log WHERE id = 3")
    t.check(p.returncode != 0 and "append-only" in p.stderr,
            "the sqlite3 shell cannot DELETE an event (%r)" % p.stderr.strip())
    p = sqlite_shell(db, "DELETE FROM event_log")
    t.check(p.returncode != 0, "nor delete them all")
    p = sqlite_shell(db, "INSERT INTO event_log (id, json, prev_hash, hash) VALUES "
                         "(26, '{}', '%s', '%s')" % (GENESIS, "1" * 64))
    t.check(p.returncode != 0 and "hash chain" in p.stderr,
            "nor insert an event that does not continue the head (%r)" % p.stderr.strip())
    t.check(count(db, "SELECT count(*) FROM event_log") == events, "the events are all there")

    # --- the canonical form, recomputed by Python ---------------------------------------------
    p = t.run(["audit", "export", "--since", "2000-01-01", "--json"], db=db, check_rc=0)
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    t.check(len(lines) == events, "audit export --json writes one line per event")
    previous = GENESIS
    bad = []
    for line in lines:
        digest = hashlib.sha256((line["prev_hash"] + canonical(line["event"])).encode("utf-8"))
        if digest.hexdigest() != line["hash"] or line["prev_hash"] != previous or \
                line["event"]["seq"] != line["seq"]:
            bad.append(line["seq"])
        previous = line["hash"]
    t.check(not bad, "Python's json.dumps + hashlib recompute every hash and link (bad: %s)" % bad)
    t.check(previous == head.get("hash"), "the last hash is the head audit verify reported")
    texts = [line["event"]["text"] for line in lines]
    t.check(any("\b" in x and "\f" in x and "\x01" in x for x in texts),
            "control characters survive the round trip")
    t.check(any("🏥" in x for x in texts), "so do characters outside the BMP")

    # --- tampering with the triggers dropped --------------------------------------------------
    drop = ("DROP TRIGGER event_log_no_update; DROP TRIGGER event_log_no_delete; "
            "DROP TRIGGER event_log_append; ")
    if t.on_postgres():
        drop = "ALTER TABLE event_log DISABLE TRIGGER USER; "
    cases = [
        ("edit one event's JSON", "UPDATE event_log SET json = replace(json, 'Viewer 5', "
                                  "'Viewer 6') WHERE id = 6", "edited", 6, []),
        ("delete one event", "DELETE FROM event_log WHERE id = 9", "deleted", 9, []),
        ("swap two events", "UPDATE event_log SET id = -1 WHERE id = 12; "
                            "UPDATE event_log SET id = 12 WHERE id = 13; "
                            "UPDATE event_log SET id = 13 WHERE id = -1", "reordered", 12, []),
        ("truncate the tail", "DELETE FROM event_log WHERE id > 20", "truncated", 21,
         ["--head", "%s@%d" % (head.get("hash"), head.get("seq", 0))]),
    ]
    for name, sql, problem, first_bad, extra in cases:
        copy = os.path.join(work, "tampered.db")
        t.db_copy(db, copy)
        p = sqlite_shell(copy, drop + sql)
        t.check(p.returncode == 0, "%s in the sqlite3 shell (%s)" % (name, p.stderr.strip()))
        rc, result = verify(copy, *extra)
        t.check(rc == 1 and result.get("problem") == problem and result.get("event") == first_bad,
                "%s: audit verify exits 1 naming event %d as %s (got %d %s)"
                % (name, first_bad, problem, rc, result))
        human = t.run(["audit", "verify", "--lang", "en"] + extra, db=copy)
        t.check(human.returncode == 1 and ("#%d" % first_bad) in human.stdout,
                "%s: the human form names #%d (%s)" % (name, first_bad, human.stdout.strip()))
        if problem == "truncated":
            rc, alone = verify(copy)
            t.check(rc == 0, "a truncated chain holds on its own: only the recorded head tells")
        t.db_remove(copy)

    # --- kill -9 in the middle of imports -----------------------------------------------------
    syn = os.path.join(work, "syn")
    subprocess.run([sys.executable, os.path.join(t.SOURCE_DIR, "bench", "make_synthetic.py"),
                    "--entries", "20000", "--per-file", "20000", "--templates", "project",
                    "--mails", "0", "--rss-share", "0", "--out", syn],
                   check=True, capture_output=True, timeout=120)
    feed = [os.path.join(syn, f) for f in sorted(os.listdir(syn)) if f.endswith(".rdf")]
    rng = random.Random(12)
    kills = 0
    for attempt in range(3):
        # A fresh store each time, so the import is always in its middle when it is killed:
        # as soon as it has written a few events (merges, batch events) of its own.
        killed_db = os.path.join(work, "killed-%d.db" % attempt)
        threshold = rng.randint(1, 150)
        proc = subprocess.Popen([t.BINARY, "--db", killed_db, "import"] + feed,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t.wait_until(lambda: proc.poll() is not None or
                     (t.db_exists(killed_db) and
                      count(killed_db, "SELECT count(*) FROM event_log") >= threshold), 60, 0.005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        at_kill = count(killed_db, "SELECT count(*) FROM event_log")
        rc, result = verify(killed_db)
        t.check(rc == 0 and result.get("ok") is True,
                "after kill -9 (%d events written) the chain verifies (%s events)"
                % (at_kill, result.get("events")))
        t.run(["import"] + feed, db=killed_db, check_rc=0)
        rc, result = verify(killed_db)
        t.check(rc == 0 and result.get("events", 0) > at_kill,
                "the import run again continues the chain, which verifies (%s events)"
                % result.get("events"))
    t.check(kills == 3, "the imports were killed mid-way (%d of 3)" % kills)

    # --- two processes writing at once --------------------------------------------------------
    shared = os.path.join(work, "shared.db")
    t.run(["audit", "head"], db=shared, check_rc=0)  # created and migrated once
    errors = []

    def writer(tag, n):
        for i in range(n):
            p = subprocess.run([t.BINARY, "--db", shared, "products", "add",
                                "%s-%d" % (tag, i)], capture_output=True, text=True,
                               timeout=60)
            if p.returncode != 0:
                errors.append("%s-%d: %s" % (tag, i, p.stderr.strip()))

    importer = subprocess.Popen([t.BINARY, "--db", shared, "import"] + feed,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    threads = [threading.Thread(target=writer, args=(tag, 25)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, import_err = importer.communicate(timeout=300)
    t.check(importer.returncode == 0, "the import beside the writers succeeded (%s)"
            % import_err.strip()[-300:])
    t.check(not errors, "every products add succeeded (%s)" % errors[:3])
    t.check(count(shared, "SELECT count(*) FROM event_log WHERE kind = 'product'") == 50,
            "both writers' 50 events are in the log")
    rc, result = verify(shared)
    t.check(rc == 0 and result.get("events") == count(shared, "SELECT count(*) FROM event_log"),
            "three processes writing at once left one chain that verifies (%s)" % result)

    # --- the head in the journal --------------------------------------------------------------
    config = os.path.join(work, "run.conf")
    with open(config, "w", encoding="utf-8") as f:
        f.write("[store]\npath = %s\n" % shared)
    log_path = os.path.join(work, "run.log")
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([t.BINARY, "--config", config, "run"], stdout=log,
                                  stderr=subprocess.STDOUT)
    started = t.wait_until(lambda: "audit head" in t.read_text(log_path), 20)
    t.check(bool(started), "the daemon logs the audit head when it starts")
    t.run(["products", "add", "while-running"], db=shared, check_rc=0)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=30)
    heads = [line.split("audit head ", 1)[1].split()[:2]
             for line in t.read_text(log_path).splitlines() if "audit head " in line]
    current = t.run(["audit", "head"], db=shared, check_rc=0).stdout.split()
    t.check(len(heads) == 2 and heads[-1] == current[2:4],
            "at stop it logs the head that moved meanwhile, as `audit head` prints it (%s, %s)"
            % (heads, current))
    if heads:
        seq, digest = heads[-1]
        p = t.run(["audit", "verify", "--head", "%s@%s" % (digest, seq)], db=shared)
        t.check(p.returncode == 0, "audit verify --head with the journal's line exits 0")


if __name__ == "__main__":
    main()
