#!/usr/bin/python3
"""`vulnwatch backup FILE` and `vulnwatch restore FILE` (issue 15 part 3; docs/operations.md
"Backup and restore") with the real binary on real SQLite files:

- a backup taken while other vulnwatch processes keep writing (users added in a loop: each a
  write transaction and an audit event) is whole and checked: integrity ok, audit chain ok, the
  counts of the moment; the sqlite3 shell agrees (PRAGMA integrity_check);
- an existing FILE is not replaced without --force; a killed backup's .partial is no backup;
- a corrupt store gives no backup file and exit 1;
- restore is refused while a process (`vulnwatch serve`) has the store open, names it, and
  changes nothing; once it stops, restore replaces the store, keeps the old one beside it, and
  the store holds exactly the backup's data;
- a backup with a broken audit chain, or one newer than the binary, is refused.
Needs no loopback test server."""
import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

PASSWORD = "correct horse battery staple 7"


def counts(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return {table: c.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
                for table in ("record", "cluster", "product", "event_log", "app_user")}
    finally:
        c.close()


def main():
    t.sqlite_only("test_backup", "backup and restore copy the SQLite file (online backup API); "
                  "a PostgreSQL store is backed up with pg_dump (docs/storage.md)")
    work = tempfile.mkdtemp(prefix="vw-backup-")
    db = os.path.join(work, "vulnwatch.db")
    pw = os.path.join(work, "pw")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    feeds = sorted(glob.glob(os.path.join(t.SOURCE_DIR, "demo", "feeds", "*")))
    t.run(["import"] + feeds, db=db, check_rc=0)
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          db=db, check_rc=0)
    before = counts(db)
    t.check(before["record"] > 0 and before["event_log"] > 0,
            "the store holds records and audit events (%s)" % before)

    # --- a backup while others write ------------------------------------------------------
    stop = threading.Event()
    written = []

    def writer():
        n = 0
        while not stop.is_set() and n < 200:
            p = subprocess.run([t.BINARY, "--db", db, "users", "add", "writer%d" % n, "--role",
                                "viewer", "--password-file", pw], capture_output=True, text=True)
            if p.returncode == 0:
                written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    t.wait_until(lambda: len(written) >= 3, 60)
    backup = os.path.join(work, "backup.db")
    p = t.run(["backup", backup, "--json"], db=db, check_rc=0)
    during = len(written)
    t.wait_until(lambda: len(written) >= during + 3, 60)
    stop.set()
    thread.join(120)
    t.check(not os.path.exists(backup + "-wal") and not os.path.exists(backup + "-shm"),
            "checking the copy left no -wal or -shm file beside it")
    result = json.loads(p.stdout) if p.returncode == 0 else {}
    t.check(result.get("integrity") == "ok", "the backup's integrity check says ok")
    audit = result.get("audit") or {}
    t.check(audit.get("ok") is True and audit.get("events", 0) > before["event_log"],
            "the backup's audit chain holds, with the events written before it (%s)" % audit)
    t.check(len(written) > during, "writers went on while and after the backup ran (%d, %d)"
            % (during, len(written)))
    shell = subprocess.run(["sqlite3", backup, "PRAGMA integrity_check"], capture_output=True,
                           text=True)
    t.check(shell.stdout.strip() == "ok", "the sqlite3 shell finds the copy intact")
    copy = counts(backup)
    live = counts(db)
    t.check(copy["record"] == before["record"] and copy["product"] == before["product"],
            "the backup holds every record and product (%s)" % copy)
    t.check(before["app_user"] <= copy["app_user"] < live["app_user"],
            "the backup is a snapshot: users written after it are not in it (%d < %d)"
            % (copy["app_user"], live["app_user"]))
    t.check(not os.path.exists(backup + ".partial"), "no .partial file is left")
    t.run(["audit", "verify", "--json"], db=backup, check_rc=0)

    # --- an existing file; a killed backup ------------------------------------------------
    p = t.run(["backup", backup], db=db, check_rc=1)
    t.check("--force" in p.stderr, "an existing FILE is refused, naming --force (%s)"
            % p.stderr.strip())
    with open(backup + ".partial", "wb") as f:
        f.write(b"half a backup")
    t.run(["backup", backup, "--force"], db=db, check_rc=0)
    t.check(not os.path.exists(backup + ".partial"), "a stale .partial is replaced, not kept")

    # --- a corrupt store --------------------------------------------------------------------
    broken = os.path.join(work, "broken.db")
    shutil.copyfile(backup, broken)
    size = os.path.getsize(broken)
    with open(broken, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 40000)
    out = os.path.join(work, "from-broken.db")
    p = t.run(["backup", out], db=broken, check_rc=1)
    t.check(not os.path.exists(out) and not os.path.exists(out + ".partial"),
            "a corrupt store gives no backup file (%s)" % p.stderr.strip())

    # --- restore: refused while in use ------------------------------------------------------
    config = os.path.join(work, "serve.conf")
    with open(config, "w") as f:
        f.write("[web]\nlisten = 127.0.0.1:0\n")
    log_path = os.path.join(work, "serve.log")
    log = open(log_path, "w")
    server = subprocess.Popen([t.BINARY, "--config", config, "--db", db, "serve"], stdout=log,
                              stderr=subprocess.STDOUT)
    t.wait_until(lambda: "listening on" in t.read_text(log_path), 20)
    live = counts(db)
    p = t.run(["restore", backup], db=db, check_rc=1)
    t.check(re.search(r"in use by a running vulnwatch \(\d+ vulnwatch\)", p.stderr) is not None,
            "restore names the process that has the store open (%s)" % p.stderr.strip())
    t.check(counts(db) == live, "a refused restore changes nothing")
    server.terminate()
    server.wait(20)
    log.close()

    p = t.run(["restore", backup, "--json"], db=db, check_rc=0)
    result = json.loads(p.stdout) if p.returncode == 0 else {}
    kept = result.get("previous") or ""
    t.check(kept and os.path.exists(kept), "the previous store is kept beside it (%s)" % kept)
    t.check(counts(db) == counts(backup), "the store now holds exactly the backup's data")
    t.check(counts(kept)["app_user"] == live["app_user"],
            "the kept store still has the users written after the backup")
    t.run(["audit", "verify"], db=db, check_rc=0)
    p = t.run(["advisories", "list", "--json"], db=db, check_rc=0)
    t.check(p.stdout.count("\n") >= 1, "the restored store answers commands")

    # --- restore of a bad backup -------------------------------------------------------------
    tampered = os.path.join(work, "tampered.db")
    shutil.copyfile(backup, tampered)
    subprocess.run(["sqlite3", tampered, "DROP TRIGGER event_log_no_update; UPDATE event_log "
                    "SET json = replace(json, 'writer', 'WRITER') WHERE id = (SELECT max(id) "
                    "FROM event_log)"], check=True)
    before_restore = counts(db)
    p = t.run(["restore", tampered], db=db, check_rc=1)
    t.check("audit chain BROKEN" in p.stderr, "a backup whose audit chain is broken is refused "
            "(%s)" % p.stderr.strip())
    newer = os.path.join(work, "newer.db")
    shutil.copyfile(backup, newer)
    subprocess.run(["sqlite3", newer, "PRAGMA user_version = 999"], check=True)
    p = t.run(["restore", newer], db=db, check_rc=1)
    t.check("newer than this vulnwatch" in p.stderr, "a backup from a newer vulnwatch is refused "
            "(%s)" % p.stderr.strip())
    t.check(counts(db) == before_restore, "refused restores change nothing")
    p = t.run(["restore", os.path.join(work, "missing.db")], db=db, check_rc=1)
    t.check("no such file" in p.stderr, "a missing backup is named (%s)" % p.stderr.strip())

    shutil.rmtree(work, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
