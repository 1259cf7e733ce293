#!/usr/bin/python3
"""`vulnwatch --db FILE store copy --to postgresql://…` (issue 17 part 5; docs/operations.md
"Moving to PostgreSQL") with the real binary, a real SQLite store and the loopback PostgreSQL 15
server of scripts/test-servers.sh (TS_PG_URL):

- a store built by the binary (the demo's products and feed, the test mails, an install base, a
  user, cases walked through transitions, so the audit trail is a chain and evidence blobs are
  kept) is copied into a fresh PostgreSQL schema: every table's row count is the source's, the
  audit head is the source's, `audit verify` passes on the copy, and `advisories list --json`,
  `cases list --json`, `cases show`, `cases verify`, `products list --json`, `users list --json`,
  `installbase list`, `matches list` and `audit head` give the same output on both; evidence
  comes back byte for byte;
- the copy goes on where the source stopped: a case opened on both gets the same number, and
  the chain still verifies (the identity sequences were set past the copied ids);
- a second copy into the same destination is refused (exit 1), naming the tables that hold data,
  and changes nothing;
- all or nothing: a source whose audit chain was edited behind vulnwatch's back, and one holding
  text PostgreSQL refuses (not UTF-8), fail after tables were copied, and the destination is
  left empty;
- a store of schema version 1 (as tests/test_store builds it for the upgrade test) is migrated,
  then copied, and the report says so;
- a source `vulnwatch serve` uses, a wrong password, an unreadable password file and a
  destination whose schema drifted (a column SQLite lacks) are refused with a clear message (exit 1), nothing written; a missing or wrong
  --to is a usage error (exit 2);
- the report is Japanese by default, English with --lang en.
Without TS_PG_URL the test is skipped, loudly (exit 77; under CI=true it fails)."""
import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

os.environ.pop("PGPASSWORD", None)  # the password comes from where the test says


def psql_binary():
    candidate = os.path.join(os.environ.get("TS_PG_BIN", ""), "psql")
    return candidate if os.path.exists(candidate) else "psql"


def psql(url, sql):
    p = subprocess.run([psql_binary(), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", sql], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("psql %s: %s" % (sql, p.stderr.strip()))
    return p.stdout.strip()


def with_schema(url, schema, password=True):
    """The URL of `schema` in the test database (search_path: it, then public for pg_trgm),
    with or without the password in it."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if not password and "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = userinfo.split(":", 1)[0] + "@" + host
    query = "options=" + urllib.parse.quote("-csearch_path=%s,public" % schema, safe="")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def sqlite_counts(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' "
            "AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%'")]
        return {n: con.execute('SELECT count(*) FROM "%s"' % n).fetchone()[0] for n in names}
    finally:
        con.close()


def out(args, db):
    p = t.run(args, db=db, check_rc=0)
    return p.stdout


def build_store(work):
    db = os.path.join(work, "vulnwatch.db")
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          db=db, check_rc=0)
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], db=db,
          check_rc=0)
    inputs = (sorted(glob.glob(os.path.join(t.SOURCE_DIR, "tests", "data", "jvn", "*"))) +
              sorted(glob.glob(os.path.join(t.SOURCE_DIR, "tests", "data", "vuldef", "*.xml"))) +
              [m for m in sorted(glob.glob(os.path.join(t.SOURCE_DIR, "tests", "data", "mail",
                                                        "*.eml")))
               if not os.path.basename(m).startswith("broken_")])
    t.run(["import"] + inputs, db=db)  # a few may be refused; what was read is stored
    csv = os.path.join(work, "installbase.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("施設名,施設ID,製品,バージョン,台数,担当者,メールアドレス,電話番号,宛先種別,備考\n"
                "中央病院,S001,Example Imaging Viewer,3.2,3,山田 太郎,yamada@chuo.example.jp,"
                "03-1234-5678,病院,\"3階, 放射線科\"\n")
    t.run(["installbase", "import", csv, "--by", "alice"], db=db, check_rc=0)
    pw = os.path.join(work, "user-pw")
    with open(pw, "w") as f:
        f.write("correct horse battery staple 7\n")
    t.run(["users", "add", "triager1", "--role", "triager", "--password-file", pw, "--by",
           "alice"], db=db, check_rc=0)
    listed = [json.loads(line) for line in out(["cases", "list", "--json"], db).splitlines()
              if line.strip()]
    t.check(len(listed) >= 2, "the demo's matches opened cases (%d)" % len(listed))
    for case in listed[:2]:
        cid = str(case["id"])
        t.run(["cases", "transition", cid, "confirming", "--by", "佐藤", "--assignee", "田中"],
              db=db, check_rc=0)
        t.run(["cases", "transition", cid, "evaluating", "--by", "佐藤", "--field",
               "finding=the viewer ships the library"], db=db, check_rc=0)
    return db, listed


def old_stores(work, copies):
    """`copies` copies of a store of schema version 1, as tests/test_store builds it for the
    upgrade test (tests/e2e/test_upgrade.py); [] when that binary is not built."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(t.BINARY)))
    binary = os.environ.get("VULNWATCH_TEST_STORE") or os.path.join(build, "tests", "test_store")
    if not os.access(binary, os.X_OK):
        print("note: %s is not built: the copy of an older store is not tested" % binary)
        return []
    out_dir = os.path.join(work, "old-stores")
    os.makedirs(out_dir)
    p = subprocess.run([binary, "Every shipped schema version upgrades to the latest with its "
                        "data intact"], env=dict(os.environ, VW_UPGRADE_SAVE_DIR=out_dir),
                       capture_output=True, text=True, errors="replace", timeout=300)
    source = os.path.join(out_dir, "v1.db")
    t.check(p.returncode == 0 and os.path.exists(source),
            "tests/test_store built the stores of the older schema versions")
    paths = []
    for i in range(copies):
        paths.append(os.path.join(work, "old-%d.db" % i))
        shutil.copyfile(source, paths[-1])
    return paths


def main():
    t.sqlite_only("test_store_copy", "the copy reads a SQLite file into PostgreSQL: the SQLite "
                  "pass runs it against the PostgreSQL test server")
    url = os.environ.get("TS_PG_URL")
    if not url:
        print("POSTGRESQL MISSING: TS_PG_URL is not set, so `store copy` cannot be tested — run "
              "the tests through scripts/test.sh (scripts/test-servers.sh starts PostgreSQL 15)")
        sys.exit(1 if os.environ.get("CI") == "true" else 77)
    work = tempfile.mkdtemp(prefix="vw-store-copy-")
    schemas = []

    def fresh_schema():
        name = "vw_copy_%s" % uuid.uuid4().hex[:12]
        psql(url, "CREATE SCHEMA %s" % name)
        schemas.append(name)
        return name

    try:
        run_all(work, url, fresh_schema)
    finally:
        for name in schemas:
            try:
                psql(url, "DROP SCHEMA IF EXISTS %s CASCADE" % name)
            except RuntimeError as e:
                print("note: %s" % e)
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def run_all(work, url, fresh_schema):
    db, listed = build_store(work)
    counts = sqlite_counts(db)
    t.check(counts.get("event_log", 0) > 10 and counts.get("evidence", 0) > 0 and
            counts.get("record", 0) > 0 and counts.get("install_base", 0) == 1,
            "the source holds records, evidence, an install base and an audit chain (%s)"
            % {k: counts.get(k) for k in ("record", "evidence", "event_log", "install_base")})
    password_file = os.path.join(work, "pg-password")
    with open(password_file, "w") as f:
        f.write(urllib.parse.urlsplit(url).password + "\n")

    # --- the copy ---------------------------------------------------------------------------
    schema = fresh_schema()
    dest = with_schema(url, schema)               # for the commands on the copy
    bare = with_schema(url, schema, password=False)  # the password from --password-file
    p = t.run(["store", "copy", "--to", bare, "--password-file", password_file, "--json"], db=db,
              check_rc=0, timeout=300)
    report = json.loads(p.stdout) if p.returncode == 0 else {}
    rows = {table["name"]: table["rows"] for table in report.get("tables", [])}
    expected = {name: n for name, n in counts.items() if not name.startswith("record_text_")}
    t.check(rows == expected, "every table copied with the source's row count (%s)"
            % sorted(set(rows.items()) ^ set(expected.items())))
    t.check(report.get("rows") == sum(expected.values()), "the report's total is the sum")
    t.check(":secret@" not in p.stdout and "secret" not in report.get("destination", "secret"),
            "the report does not show the password")
    head = json.loads(out(["audit", "head", "--json"], db))
    audit = report.get("audit", {})
    t.check(audit.get("ok") is True and audit.get("events") == counts["event_log"],
            "the copy's chain was verified, all %d events (%s)" % (counts["event_log"], audit))
    t.check(audit.get("head") == "%s@%s" % (head.get("hash"), head.get("seq")),
            "the copy's audit head is the source's (%s, %s)" % (audit.get("head"), head))

    verify = t.run(["audit", "verify", "--json"], db=dest, check_rc=0)
    t.check(verify.returncode == 0 and json.loads(verify.stdout).get("ok") is True,
            "`audit verify` passes on the copy (%s)" % verify.stdout.strip())
    for args in (["advisories", "list", "--json"], ["cases", "list", "--json"],
                 ["cases", "show", str(listed[0]["id"]), "--json"],
                 ["products", "list", "--json", "--all"], ["users", "list", "--json"],
                 ["installbase", "list", "--json"], ["audit", "head", "--json"],
                 ["matches", "list", "--json", "--all"], ["cases", "verify"]):
        a = t.run(args, db=db)
        b = t.run(args, db=dest)
        t.check(a.returncode == 0 and b.returncode == 0 and a.stdout == b.stdout and a.stdout,
                "`%s` gives the same output on both%s" % (
                    " ".join(args), "" if a.stdout == b.stdout else
                    ":\nsqlite: %s\npostgresql: %s\n%s" % (a.stdout[:600], b.stdout[:600],
                                                          b.stderr[:600])))

    # Evidence comes back byte for byte.
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    hashes = [r[0] for r in con.execute("SELECT hash FROM evidence WHERE data IS NOT NULL")]
    con.close()
    same = True
    for h in hashes:
        mine = os.path.join(work, "ev-sqlite")
        theirs = os.path.join(work, "ev-pg")
        t.run(["evidence", "show", h, "--out", mine], db=db, check_rc=0)
        t.run(["evidence", "show", h, "--out", theirs], db=dest, check_rc=0)
        with open(mine, "rb") as f1, open(theirs, "rb") as f2:
            same = same and f1.read() == f2.read()
    t.check(hashes and same, "every evidence blob (%d) reads back the same from the copy"
            % len(hashes))

    # The copy goes on where the source stopped: same next ids, the chain still holds.
    opened = []
    for store in (db, dest):
        p = t.run(["cases", "open", "--product", "Example Imaging Viewer", "--version", "3.2",
                   "--title", "院内からの報告", "--by", "佐藤"], db=store, check_rc=0)
        number = re.search(r"case #(\d+) opened", p.stdout)
        opened.append(int(number.group(1)) if number else None)
    t.check(opened[0] is not None and opened[0] == opened[1] and
            opened[0] > max(c["id"] for c in listed),
            "a case opened after the copy gets the same new number on both (%s)" % opened)
    t.run(["audit", "verify"], db=dest, check_rc=0)
    heads = [json.loads(out(["audit", "head", "--json"], store)) for store in (db, dest)]
    # The same sequence number; the hashes differ when the two commands ran in different
    # seconds (the event's time is part of it).
    t.check(heads[0]["seq"] == heads[1]["seq"] > head["seq"],
            "after the same change both chains have the same length (%s)" % heads)

    # --- a second copy into the same destination ----------------------------------------------
    before = out(["audit", "head", "--json"], dest)
    p = t.run(["store", "copy", "--to", dest, "--lang", "en"], db=db, check_rc=1)
    t.check("already holds data" in p.stderr and "event_log" in p.stderr and
            "nothing was copied" in p.stderr,
            "a second copy is refused naming the tables with data (%s)" % p.stderr.strip())
    p = t.run(["store", "copy", "--to", dest], db=db, check_rc=1)
    t.check("既にデータがあります" in p.stderr, "… in Japanese by default (%s)" % p.stderr.strip())
    t.check(out(["audit", "head", "--json"], dest) == before, "the refused copy changed nothing")

    # --- a source a running instance uses ------------------------------------------------------
    config = os.path.join(work, "serve.conf")
    with open(config, "w") as f:
        f.write("[web]\nlisten = 127.0.0.1:0\n")
    log_path = os.path.join(work, "serve.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen([t.BINARY, "--config", config, "--db", db, "serve"], stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            t.wait_until(lambda: "listening on" in t.read_text(log_path), 20)
            target = with_schema(url, fresh_schema())
            p = t.run(["store", "copy", "--to", target, "--lang", "en"], db=db, check_rc=1)
            t.check(re.search(r"in use by a running vulnwatch \(\d+ vulnwatch\)", p.stderr) and
                    "nothing was copied" in p.stderr,
                    "a store `vulnwatch serve` uses is refused, naming it (%s)" % p.stderr.strip())
            t.check(psql(url, "SELECT count(*) FROM information_schema.tables "
                         "WHERE table_schema = '%s'" % target.split("%3D")[1].split("%2C")[0])
                    == "0", "… before anything was created")
        finally:
            server.terminate()
            server.wait(20)

    # --- a wrong password, an unreadable password file ----------------------------------------
    other = fresh_schema()
    wrong = os.path.join(work, "wrong-password")
    with open(wrong, "w") as f:
        f.write("not-the-password\n")
    p = t.run(["store", "copy", "--to", with_schema(url, other, password=False),
               "--password-file", wrong, "--lang", "en"], db=db, check_rc=1)
    t.check("password authentication failed" in p.stderr and "nothing was copied" in p.stderr
            and "not-the-password" not in p.stderr,
            "a wrong password is refused with PostgreSQL's reason (%s)" % p.stderr.strip())
    p = t.run(["store", "copy", "--to", with_schema(url, other, password=False),
               "--password-file", os.path.join(work, "missing")], db=db, check_rc=1)
    t.check("パスワードファイル" in p.stderr, "an unreadable password file is named (%s)"
            % p.stderr.strip())
    t.check(psql(url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = '%s'"
                 % other) == "0", "nothing was created by the refused attempts")

    # --- usage errors ---------------------------------------------------------------------------
    p = t.run(["store", "copy"], db=db, check_rc=2)
    t.check("--to" in p.stderr, "a missing --to is a usage error (%s)" % p.stderr.strip())
    p = t.run(["store", "copy", "--to", "/tmp/other.db"], db=db, check_rc=2)
    t.check("postgresql://" in p.stderr, "--to must be a PostgreSQL URL (%s)" % p.stderr.strip())
    p = t.run(["store", "copy", "--to", dest], db=os.path.join(work, "none.db"), check_rc=1)
    t.check("no such store" in p.stderr or "ありません" in p.stderr,
            "a missing source is refused (%s)" % p.stderr.strip())
    t.check(not os.path.exists(os.path.join(work, "none.db")), "… and not created")

    # --- a destination whose schema drifted ---------------------------------------------------
    drift = fresh_schema()
    drift_url = with_schema(url, drift)
    t.run(["status"], db=drift_url, check_rc=0)  # creates the schema
    psql(drift_url, "ALTER TABLE kev ADD COLUMN extra TEXT")
    p = t.run(["store", "copy", "--to", drift_url, "--lang", "en"], db=db, check_rc=1)
    t.check("schemas disagree" in p.stderr and "kev.extra" in p.stderr,
            "a drifted schema is refused naming the column (%s)" % p.stderr.strip())
    t.check(psql(drift_url, "SELECT count(*) FROM event_log") == "0",
            "nothing was written to the drifted destination")

    # --- a source whose audit chain was tampered with: copied, found out, rolled back ---------
    tampered = os.path.join(work, "tampered.db")
    src = sqlite3.connect(db)
    dst = sqlite3.connect(tampered)
    src.backup(dst)
    src.close()
    dst.execute("DROP TRIGGER event_log_no_update")
    dst.execute("UPDATE event_log SET json = replace(json, '\"alice\"', '\"mallory\"') "
                "WHERE json LIKE '%\"alice\"%'")
    edited = dst.total_changes
    dst.commit()
    dst.close()
    t.check(edited >= 1, "an audit event of the source was edited behind vulnwatch's back")
    target = with_schema(url, fresh_schema())
    p = t.run(["store", "copy", "--to", target, "--lang", "en"], db=tampered, check_rc=1,
              timeout=300)
    t.check("the source's audit chain does not verify: edited at event" in p.stderr and
            "nothing was committed" in p.stderr,
            "a copy whose chain does not verify is refused (%s)" % p.stderr.strip())
    t.check(psql(target, "SELECT count(*) FROM event_log") == "0" and
            psql(target, "SELECT count(*) FROM record") == "0",
            "… and rolled back: the destination holds nothing")

    # --- text PostgreSQL refuses (not UTF-8), late in the copy: rolled back -------------------
    bad = os.path.join(work, "bad-text.db")
    src = sqlite3.connect(db)
    dst = sqlite3.connect(bad)
    src.backup(dst)
    src.close()
    dst.execute("INSERT INTO kev (cve, name, first_seen) VALUES "
                "('CVE-2024-0001', CAST(X'41ff42' AS TEXT), 1)")
    dst.commit()
    dst.close()
    target = with_schema(url, fresh_schema())
    p = t.run(["store", "copy", "--to", target, "--lang", "en"], db=bad, check_rc=1, timeout=300)
    t.check("copying table kev" in p.stderr and "UTF8" in p.stderr and
            "nothing was committed" in p.stderr,
            "a value PostgreSQL refuses names the table and undoes the copy (%s)"
            % p.stderr.strip()[:300])
    t.check(psql(target, "SELECT count(*) FROM advisory") == "0" and
            psql(target, "SELECT count(*) FROM event_log") == "0",
            "… and the tables copied before it (advisory, event_log) are rolled back too")

    # --- a store of an older vulnwatch: migrated first, then copied ---------------------------
    latest = json.loads(out(["status", "--json"], db))["database"]["schema_version"]
    olds = old_stores(work, 2)
    if olds:
        target = with_schema(url, fresh_schema())
        p = t.run(["store", "copy", "--to", target, "--json"], db=olds[0], check_rc=0,
                  timeout=300)
        report = json.loads(p.stdout) if p.returncode == 0 else {}
        t.check(report.get("migrated_from") == 1 and report.get("schema_version") == latest,
                "a store of schema 1 is migrated to %d, then copied (%s)"
                % (latest, {k: report.get(k) for k in ("migrated_from", "schema_version")}))
        t.run(["audit", "verify"], db=target, check_rc=0)
        p = t.run(["store", "copy", "--to", with_schema(url, fresh_schema())], db=olds[1],
                  check_rc=0, timeout=300)
        t.check("スキーマ 1 から %d に移行しました" % latest in p.stdout,
                "the report says the source was migrated (%s)" % p.stdout[:300])

    # --- the destination from the configuration ([store] backend = postgresql) -----------------
    name = fresh_schema()
    config = os.path.join(work, "pg.conf")
    os.chmod(password_file, 0o600)
    with open(config, "w") as f:
        f.write("[store]\npath = %s\nbackend = postgresql\nurl = %s\npassword_file = %s\n"
                % (db, with_schema(url, name, password=False), password_file))
    p = t.run(["--config", config, "store", "copy", "--json"], check_rc=0, timeout=300)
    report = json.loads(p.stdout) if p.returncode == 0 else {}
    t.check(report.get("source") == db and name in report.get("destination", ""),
            "without --to the configured database is the destination and [store] path the "
            "source (%s)" % {k: report.get(k) for k in ("source", "destination")})
    t.run(["--config", config, "audit", "verify"], check_rc=0)

    # --- the readable report ------------------------------------------------------------------
    for lang, words in (("ja", ("にコピーしました", "監査証跡", "検証済み")),
                        ("en", ("copied", "audit trail", "hash chain verified"))):
        target = with_schema(url, fresh_schema())
        p = t.run(["store", "copy", "--to", target, "--lang", lang], db=db, check_rc=0,
                  timeout=300)
        t.check(all(w in p.stdout for w in words) and "\n  event_log " in p.stdout,
                "the %s report names the tables and the chain (%s)" % (lang, p.stdout[-400:]))


if __name__ == "__main__":
    main()
