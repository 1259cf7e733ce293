#!/usr/bin/python3
"""Upgrades from every shipped schema version with the real binary (issue 15 part 4;
docs/testing.md "Upgrades"):

- the stores of every schema version 1 … latest-1 are built by the unit test
  tests/unit/store/store_upgrade_test.cpp (migrations 1 … v as shipped, then that version's
  data), which copies them here (VW_UPGRADE_SAVE_DIR) before its own upgrade check;
- each is opened by `vulnwatch` as an administrator would after installing the new release
  (the first command migrates it), and then `audit verify`, `advisories show`, `cases list`,
  `deliveries list` and `status --json` read it: everything the old version stored is there,
  the audit chain holds, PRAGMA integrity_check and foreign_key_check are clean, and the data
  the upgrade must not touch is unchanged (row counts, idempotency keys, events);
- a store newer than the binary (user_version = latest + 1, set with the sqlite3 shell) is
  refused by `status` and `advisories list` with a non-zero exit and a message naming the
  file, both versions and "use a newer vulnwatch", and is left as it was.
Needs no loopback test server."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

TEST_NAME = "Every shipped schema version upgrades to the latest with its data intact"
TABLES = ("record", "revision", "cluster", "alias", "product", "component", "match",
          "decision", "outbox", "delivery", "event_log", "source_state")


def test_store_binary():
    """tests/test_store of the build the vulnwatch binary comes from."""
    explicit = os.environ.get("VULNWATCH_TEST_STORE")
    if explicit:
        return explicit
    build = os.path.dirname(os.path.dirname(os.path.abspath(t.BINARY)))
    return os.path.join(build, "tests", "test_store")


def query(db, sql):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return c.execute(sql).fetchall()
    finally:
        c.close()


def user_version(db):
    return query(db, "PRAGMA user_version")[0][0]


def snapshot(db):
    """What the upgrade must keep: row counts, outbox keys, the events' time, kind and text."""
    tables = {name for (name,) in query(db, "SELECT name FROM sqlite_schema WHERE type = 'table'")}
    return {
        "counts": {table: query(db, "SELECT count(*) FROM %s" % table)[0][0]
                   for table in TABLES if table in tables},
        "keys": query(db, "SELECT idempotency_key, state FROM outbox ORDER BY id"),
        "events": query(db, "SELECT id, at, kind, text FROM event_log ORDER BY id"),
    }


def build_old_stores(out):
    binary = test_store_binary()
    if not os.access(binary, os.X_OK):
        t.check(False, "the unit test binary %s exists (build the test_store target)" % binary)
        t.finish()
    env = dict(os.environ, VW_UPGRADE_SAVE_DIR=out)
    p = subprocess.run([binary, TEST_NAME], env=env, capture_output=True, text=True,
                       errors="replace", timeout=300)
    if p.returncode != 0:
        print(p.stdout[-4000:], p.stderr[-4000:])
    t.check(p.returncode == 0, "the unit test built and upgraded the store of every version")
    return sorted((int(name[1:-3]), os.path.join(out, name)) for name in os.listdir(out)
                  if name.startswith("v") and name.endswith(".db"))


def check_upgrade(version, old, work, latest):
    db = os.path.join(work, "v%d-upgraded.db" % version)
    shutil.copyfile(old, db)
    label = "v%d" % version
    t.check(user_version(db) == version, "%s: the store is at schema version %d" % (label, version))
    before = snapshot(db)

    # The first command after the upgrade migrates the store.
    p = t.run(["status", "--json"], db=db, check_rc=0)
    t.check(user_version(db) == latest,
            "%s: `status` upgraded the store to schema version %d" % (label, latest))
    try:
        status = json.loads(p.stdout)
    except ValueError:
        status = {}
        t.check(False, "%s: `status --json` prints JSON (%r)" % (label, p.stdout[:200]))
    if status:
        t.check(status["database"]["schema_version"] == latest,
                "%s: status names schema version %d" % (label, latest))
        t.check(status["records"] == 5, "%s: status counts the 5 records" % label)
        outbox = status["outbox"]
        # From schema 20 on the store also holds the letters of a sent hospital notice: one
        # queued, two dead (bounced, failed), one delivered (store_upgrade_test.cpp rowsFor).
        counts = (2, 3, 2) if version >= 20 else (1, 1, 1)
        t.check((outbox["pending"], outbox["dead"], outbox["delivered"]) == counts,
                "%s: status counts %d pending, %d dead, %d delivered messages (%s)"
                % ((label,) + counts + (outbox,)))
        t.check(status["audit"]["seq"] == len(before["events"]),
                "%s: the audit head is event %d" % (label, len(before["events"])))
        t.check(status["cases"]["open"] == (1 if version >= 15 else 0),
                "%s: status counts the open cases" % label)

    after = snapshot(db)
    expected = dict(before["counts"])
    if version < 5:
        # Migration 5: advisory ids (JVNVU#, JPCERT-AT-) and Message-IDs are no aliases any more;
        # the two advisories cover the cluster instead.
        expected["alias"] = 4
        t.check(query(db, "SELECT ident FROM advisory ORDER BY id") ==
                [("JVNVU#96768815",), ("JPCERT-AT-2021-0050",)],
                "%s: migration 5 made the advisories of the old aliases" % label)
    t.check(after["counts"] == expected,
            "%s: every table keeps its rows (%s)" % (label, after["counts"]))
    t.check(after["keys"] == before["keys"], "%s: outbox idempotency keys and states kept" % label)
    t.check(after["events"] == before["events"], "%s: every event kept (time, kind, text)" % label)
    t.check(query(db, "PRAGMA integrity_check") == [("ok",)], "%s: integrity_check ok" % label)
    t.check(query(db, "PRAGMA foreign_key_check") == [], "%s: foreign_key_check clean" % label)

    p = t.run(["audit", "verify"], db=db, check_rc=0)
    t.check(str(len(before["events"])) in p.stdout,
            "%s: `audit verify` checks %d events (%s)" % (label, len(before["events"]),
                                                          p.stdout.strip()))
    p = t.run(["advisories", "show", "JVNDB-2021-005429"], db=db, check_rc=0)
    for expected in ("Apache Log4j における任意のコードが実行される脆弱性", "CVE-2021-44228",
                     "JVNVU#96768815", "JPCERT-AT-2021-0050"):
        t.check(expected in p.stdout, "%s: `advisories show` shows %s" % (label, expected))
    p = t.run(["cases", "list"], db=db, check_rc=0)
    t.check(("Bedside Monitor Gateway" in p.stdout) == (version >= 15),
            "%s: `cases list` shows the case %s" % (label, "it had" if version >= 15 else
                                                   "(none before schema 15)"))
    p = t.run(["deliveries", "list"], db=db, check_rc=0)
    for expected in ("psirt@example.jp", "viewer-team@example.jp"):
        t.check(expected in p.stdout, "%s: `deliveries list` shows the message to %s"
                % (label, expected))
    # Opened again: nothing more to migrate, the same answers.
    p = t.run(["status", "--json"], db=db, check_rc=0)
    t.check(user_version(db) == latest and snapshot(db) == after,
            "%s: a second open changes nothing" % label)
    return db


def check_newer(upgraded, work, latest):
    db = os.path.join(work, "newer.db")
    shutil.copyfile(upgraded, db)
    newer = latest + 1
    subprocess.run(["sqlite3", db, "PRAGMA user_version = %d" % newer], check=True)
    before = snapshot(db)
    for args in (["status"], ["advisories", "list"]):
        p = t.run(args, db=db)
        command = " ".join(args)
        t.check(p.returncode != 0, "`%s` on a store newer than the binary exits non-zero (%d)"
                % (command, p.returncode))
        message = p.stderr.strip()
        t.check(db in message and "schema version %d" % newer in message
                and "(%d)" % latest in message and "use a newer vulnwatch" in message,
                "`%s` names the file, both versions and what to do (%s)" % (command, message))
    t.check(user_version(db) == newer and snapshot(db) == before,
            "the newer store is left as it was")


def main():
    t.sqlite_only("test_upgrade", "it migrates SQLite stores of every old schema version; a "
                  "PostgreSQL store starts at the current version (docs/storage.md)")
    work = tempfile.mkdtemp(prefix="vw-upgrade-")
    stores = build_old_stores(work)
    if not stores:
        t.check(False, "the unit test saved the old stores")
        t.finish()
    # The binary's schema version: what it makes a new store with.
    fresh = os.path.join(work, "fresh.db")
    t.run(["status"], db=fresh, check_rc=0)
    latest = user_version(fresh)
    t.check([v for v, _ in stores] == list(range(1, latest)),
            "a store of every schema version 1 … %d (%s)" % (latest - 1, [v for v, _ in stores]))
    upgraded = None
    for version, path in stores:
        upgraded = check_upgrade(version, path, work, latest)
    check_newer(upgraded, work, latest)
    shutil.rmtree(work, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
