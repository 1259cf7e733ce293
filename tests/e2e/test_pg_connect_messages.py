#!/usr/bin/env python3
"""What an administrator sees when a command cannot open a PostgreSQL store (issue 17; the table
"When the connection fails" in docs/operations.md, Moving to PostgreSQL), against the PostgreSQL
test server of scripts/test-servers.sh (TS_PG_URL):

- a wrong password, no password (`--db postgresql://…` without PGPASSWORD or ~/.pgpass), a
  database that does not exist and a server that is not running: exit 1, PostgreSQL's reason,
  then a line saying what to do in Japanese and English;
- a `[store] password_file` that is missing or empty: exit 2 naming the configuration, the key
  and the file (as `config check` does), not a usage error;
- the right password: `status` works and its database line shows no SQLite WAL;
- `--db postgresql://USER:PASSWORD@…` works but warns that `ps` shows the password.

Without TS_PG_URL the test is skipped, loudly (exit 77; under CI=true it fails)."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vwtest as t  # noqa: E402

for variable in ("PGPASSWORD", "PGPASSFILE", "PGUSER", "PGDATABASE", "PGHOST", "PGPORT"):
    os.environ.pop(variable, None)  # the password comes from where the test says


def psql(url, sql):
    candidate = os.path.join(os.environ.get("TS_PG_BIN", ""), "psql")
    binary = candidate if os.path.exists(candidate) else "psql"
    p = subprocess.run([binary, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", sql], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("psql %s: %s" % (sql, p.stderr.strip()))
    return p.stdout.strip()


def variant(url, database=None, port=None, schema=None):
    """`url` without its password, with another database, port or search_path."""
    parts = urllib.parse.urlsplit(url)
    userinfo, host = parts.netloc.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    hostname = host.rsplit(":", 1)[0]
    netloc = "%s@%s:%d" % (user, hostname, port if port else parts.port)
    path = "/" + database if database else parts.path
    query = ""
    if schema:
        query = "options=" + urllib.parse.quote("-csearch_path=%s,public" % schema, safe="")
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, query, ""))


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text, mode=0o600):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def config(work, name, url, password_file):
    return write(os.path.join(work, name + ".conf"),
                 "[store]\npath = %s\nbackend = postgresql\nurl = %s\npassword_file = %s\n"
                 % (os.path.join(work, "unused.db"), url, password_file), 0o644)


def status(conf=None, db=None, env=None):
    cmd = [t.BINARY] + (["--config", conf] if conf else ["--db", db]) + ["status"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)


def run_all(work, url, schema):
    password = urllib.parse.unquote(urllib.parse.urlsplit(url).password or "")
    good_file = write(os.path.join(work, "pg-password"), password + "\n")
    wrong_file = write(os.path.join(work, "wrong-password"), "not-the-password\n")
    empty_file = write(os.path.join(work, "empty-password"), "")
    store_url = variant(url, schema=schema)

    # The right password: status opens the store; no SQLite WAL on a PostgreSQL store.
    p = status(config(work, "good", store_url, good_file))
    t.check(p.returncode == 0, "status with the right password_file exits 0 (%d: %s)"
            % (p.returncode, p.stderr.strip()))
    line = [x for x in p.stdout.splitlines() if x.startswith("データベース: postgresql://")]
    t.check(len(line) == 1 and "(スキーマ " in line[0] and "WAL" not in line[0],
            "the database line names the URL and schema version without a WAL (%s)" % line)

    # A wrong password: PostgreSQL's reason, then what to do.
    p = status(config(work, "wrong", store_url, wrong_file))
    t.check(p.returncode == 1 and "password authentication failed" in p.stderr
            and "ユーザー名かパスワードが違います" in p.stderr
            and "first line of [store] password_file" in p.stderr,
            "a wrong password exits 1 with the reason and the hint in Japanese and English "
            "(%d: %s)" % (p.returncode, p.stderr.strip()))
    t.check(password not in p.stderr and "not-the-password" not in p.stderr,
            "no password is shown")

    # --db postgresql://… with no password anywhere: where to put it.
    env = dict(os.environ, HOME=work)
    p = status(db=store_url, env=env)
    t.check(p.returncode == 1 and "no password supplied" in p.stderr
            and "パスワードがありません" in p.stderr and "PGPASSWORD" in p.stderr
            and "~/.pgpass" in p.stderr,
            "--db URL without a password exits 1 naming PGPASSWORD and ~/.pgpass (%d: %s)"
            % (p.returncode, p.stderr.strip()))
    p = status(db=store_url, env=dict(env, PGPASSWORD=password))
    t.check(p.returncode == 0 and "warning" not in p.stderr,
            "--db URL with PGPASSWORD works without a warning (%d: %s)"
            % (p.returncode, p.stderr.strip()))
    parts = urllib.parse.urlsplit(store_url)
    with_password = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.replace(
        "@", ":" + urllib.parse.quote(password, safe="") + "@", 1)))
    p = status(db=with_password, env=env)
    t.check(p.returncode == 0 and "the password in --db can be read by every user" in p.stderr
            and "PGPASSWORD" in p.stderr and "他のユーザーからも見えます" in p.stderr
            and password not in p.stderr and password not in p.stdout,
            "--db URL with a password works, warns where the password belongs and shows it "
            "nowhere (%d: %s)" % (p.returncode, p.stderr.strip()))

    # A database that does not exist, a server that is not running.
    missing = "vw_missing_%s" % uuid.uuid4().hex[:8]
    p = status(config(work, "nodb", variant(url, database=missing), good_file))
    t.check(p.returncode == 1 and ('database "%s" does not exist' % missing) in p.stderr
            and "データベースかロールがありません" in p.stderr
            and "Moving to PostgreSQL" in p.stderr,
            "a missing database exits 1 with the reason and the hint (%d: %s)"
            % (p.returncode, p.stderr.strip()))
    p = status(config(work, "down", variant(url, port=closed_port()), good_file))
    t.check(p.returncode == 1 and "Connection refused" in p.stderr
            and "サーバーに届きません" in p.stderr and "host and port" in p.stderr,
            "a server that is not running exits 1 with the reason and the hint (%d: %s)"
            % (p.returncode, p.stderr.strip()))

    # password_file missing or empty: a configuration error naming the file, exit 2.
    for name, path, says in (("nofile", os.path.join(work, "no-such-file"), "cannot read"),
                             ("empty", empty_file, "is empty")):
        conf = config(work, name, store_url, path)
        p = status(conf)
        t.check(p.returncode == 2 and ("%s: [store] password_file: %s %s" % (conf, says, path)
                                       if says == "cannot read" else
                                       "%s: [store] password_file: the file %s %s"
                                       % (conf, path, says)) in p.stderr
                and "ストアのパスワードファイル" in p.stderr and "--help" not in p.stderr,
                "a password_file that is %s: exit 2 naming the configuration, key and file "
                "(%d: %s)" % (name, p.returncode, p.stderr.strip()))


def main():
    t.sqlite_only("test_pg_connect_messages", "it makes its own PostgreSQL URLs: the SQLite "
                  "pass runs it against the PostgreSQL test server")
    url = os.environ.get("TS_PG_URL")
    if not url:
        print("POSTGRESQL MISSING: TS_PG_URL is not set, so the connection messages cannot be "
              "tested — run the tests through scripts/test.sh (scripts/test-servers.sh starts "
              "PostgreSQL 15)")
        sys.exit(1 if os.environ.get("CI") == "true" else 77)
    work = tempfile.mkdtemp(prefix="vw-pg-messages-")
    schema = "vw_msg_%s" % uuid.uuid4().hex[:12]
    psql(url, "CREATE SCHEMA %s" % schema)
    try:
        run_all(work, url, schema)
    finally:
        try:
            psql(url, "DROP SCHEMA IF EXISTS %s CASCADE" % schema)
        except RuntimeError as e:
            print("note: %s" % e)
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
