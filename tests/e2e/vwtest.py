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


# --- the store, on either backend ----------------------------------------------------------
# With VULNWATCH_TEST_PG_URL set, the binary's `--db FILE` opens the PostgreSQL schema named
# "t" + FNV-1a 64 (16 lower-case hex digits) of FILE's absolute, normalised path in that
# database (Store::open, docs/testing.md); these helpers read and write the same store.


def on_postgres():
    """True when the binary's stores are PostgreSQL schemas (VULNWATCH_TEST_PG_URL set)."""
    return bool(os.environ.get("VULNWATCH_TEST_PG_URL"))


def sqlite_only(name, why):
    """A test about SQLite itself: on PostgreSQL, report the skip ("SKIPPED ON POSTGRESQL",
    which ctest's SKIP_REGULAR_EXPRESSION turns into a skip) and exit 0."""
    if on_postgres():
        print("SKIPPED ON POSTGRESQL: %s: %s" % (name, why))
        raise SystemExit(0)


def pg_schema(path):
    """The PostgreSQL schema Store::open uses for the store file `path`."""
    absolute = os.path.normpath(os.path.abspath(path))
    h = 14695981039346656037
    for byte in absolute.encode("utf-8"):
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "t%016x" % h


if on_postgres():
    import psycopg2
    DbError = (sqlite3.Error, psycopg2.Error)
else:
    DbError = sqlite3.Error


def _pg_sql(sql):
    """SQLite's `?` placeholders as psycopg2's `%s` (and a literal `%` as `%%`), outside
    quoted strings and names."""
    out, quote = [], None
    for c in sql:
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "?":
            out.append("%s")
            continue
        if c == "%":
            out.append("%%")
            continue
        out.append(c)
    return "".join(out)


class _PgConnection:
    """The part of sqlite3.Connection the tests use (execute → cursor, commit, close, with),
    on psycopg2 in autocommit mode: every statement commits, as the tests' reads expect."""

    def __init__(self, path, readonly=False):
        self._con = psycopg2.connect(os.environ["VULNWATCH_TEST_PG_URL"])
        self._con.autocommit = True
        with self._con.cursor() as cur:
            cur.execute("SET search_path TO %s, public" % pg_schema(path))
            if readonly:
                cur.execute("SET default_transaction_read_only = on")

    def execute(self, sql, params=()):
        cur = self._con.cursor()
        cur.execute(_pg_sql(sql), tuple(params))
        return cur

    def commit(self):
        pass

    def close(self):
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def db_connect(path, timeout=5.0, readonly=False):
    """A connection to the store at `path`: sqlite3's, or on PostgreSQL one with the same
    execute/commit/close (autocommit) on that path's schema. `?` placeholders on both.
    readonly: SQLite's mode=ro (the file must exist), PostgreSQL's read-only transactions."""
    if on_postgres():
        return _PgConnection(path, readonly)
    if readonly:
        return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=timeout)
    return sqlite3.connect(path, timeout=timeout)


def db_rows(path, sql, params=()):
    """Every row of one query on the store at `path` (a connection of its own)."""
    con = db_connect(path)
    try:
        return [tuple(r) for r in con.execute(sql, params).fetchall()]
    finally:
        con.close()


def db_exec(path, sql, params=()):
    """Run one statement on the store at `path` and commit it."""
    con = db_connect(path)
    try:
        con.execute(sql, params)
        con.commit()
    finally:
        con.close()


def db_exists(path):
    """Whether the store at `path` exists yet: the file, or on PostgreSQL the path's schema."""
    if not on_postgres():
        return os.path.exists(path)
    con = psycopg2.connect(os.environ["VULNWATCH_TEST_PG_URL"])
    try:
        with con.cursor() as cur:
            cur.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
                        (pg_schema(path),))
            return cur.fetchone()[0] > 0
    finally:
        con.close()


def db_remove(path):
    """Delete the store at `path` (the file and its -wal/-shm, or the path's schema)."""
    if not on_postgres():
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    con = psycopg2.connect(os.environ["VULNWATCH_TEST_PG_URL"])
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute("DROP SCHEMA IF EXISTS %s CASCADE" % pg_schema(path))
    finally:
        con.close()


def db_copy(src, dst):
    """Copy the store at `src` to `dst`: the file (shutil.copyfile; the store must be closed and
    checkpointed, as the tests leave it), or on PostgreSQL the schema through pg_dump and psql
    with the schema's name replaced (`dst` replaced first)."""
    if not on_postgres():
        shutil.copyfile(src, dst)
        return
    db_remove(dst)
    url = os.environ["VULNWATCH_TEST_PG_URL"]
    dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "-n", pg_schema(src),
                           "-d", url], capture_output=True, text=True, timeout=120, check=True)
    sql = dump.stdout.replace(pg_schema(src), pg_schema(dst))
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url], input=sql,
                   capture_output=True, text=True, timeout=120, check=True)


def db_rename(src, dst):
    """Move the store at `src` to `dst` in one step (os.replace of the file, or on PostgreSQL
    ALTER SCHEMA … RENAME after dropping `dst`'s schema)."""
    if not on_postgres():
        os.replace(src, dst)
        return
    db_remove(dst)
    con = psycopg2.connect(os.environ["VULNWATCH_TEST_PG_URL"])
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute("ALTER SCHEMA %s RENAME TO %s" % (pg_schema(src), pg_schema(dst)))
    finally:
        con.close()


def db_size(path):
    """Bytes the store takes: the file and its WAL, or the tables (with indexes and TOAST) of
    the path's schema."""
    if not on_postgres():
        return sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))
    return int(db_rows(path, "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM "
                             "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE n.nspname = ? AND c.relkind IN ('r', 'm')", (pg_schema(path),))[0][0])


def db_raw(path):
    """Everything the store holds as bytes, to search for a secret: the file and its WAL, or on
    PostgreSQL db_dump's text."""
    if not on_postgres():
        raw = b""
        for suffix in ("", "-wal"):
            if os.path.exists(path + suffix):
                with open(path + suffix, "rb") as f:
                    raw += f.read()
        return raw
    return db_dump(path).encode("utf-8")


def db_location(path):
    """Where the binary says the store at `path` is (status's database path): the path, or on
    PostgreSQL the database URL with its password shown as ***."""
    if not on_postgres():
        return path
    url = os.environ["VULNWATCH_TEST_PG_URL"]
    scheme, _, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if at and ":" in userinfo:
        rest = "%s:***@%s" % (userinfo.split(":", 1)[0], host)
    return "%s://%s" % (scheme, rest)


def db_missing_table(error):
    """Whether a DbError says a table does not exist (yet)."""
    return "no such table" in str(error) or "does not exist" in str(error)


def db_shell(path, sql):
    """SQL text (statements separated by `;`) run as an operator would in a shell: the
    sqlite3 shell on the file, or on PostgreSQL one psycopg2 call (one transaction) on the
    path's schema. A CompletedProcess: returncode 0 or 1, the error message in stderr."""
    if not on_postgres():
        return subprocess.run(["sqlite3", path, sql], capture_output=True, text=True, timeout=60)
    con = db_connect(path)
    try:
        out = con.execute(sql)
        rows = out.fetchall() if out.description else []
        text = "".join("|".join("" if v is None else str(v) for v in r) + "\n" for r in rows)
        return subprocess.CompletedProcess(["psql", sql], 0, text, "")
    except psycopg2.Error as e:
        return subprocess.CompletedProcess(["psql", sql], 1, "", "Error: %s" % str(e).strip())
    finally:
        con.close()


def _pg_value(v):
    if isinstance(v, memoryview):
        return bytes(v)
    return v


def db_dump(path):
    """A stable text of every table's rows: SQLite's .dump, or on PostgreSQL each table of the
    path's schema in name order, its rows ordered by the primary key (else by every column)."""
    if not on_postgres():
        con = sqlite3.connect(path)
        try:
            return "\n".join(con.iterdump())
        finally:
            con.close()
    schema = pg_schema(path)
    con = db_connect(path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "AND table_type = 'BASE TABLE' ORDER BY table_name", (schema,)).fetchall()]
        lines = []
        for table in tables:
            key = [r[0] for r in con.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indrelid = "
                "CAST(? AS regclass) ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)",
                ("%s.%s" % (schema, table),)).fetchall()]
            cur = con.execute("SELECT * FROM %s.%s" % (schema, table))
            columns = [d[0] for d in cur.description]
            rows = [tuple(_pg_value(v) for v in r) for r in cur.fetchall()]
            if key:
                at = [columns.index(k) for k in key]
                rows.sort(key=lambda r: tuple((0, r[i], "") if isinstance(r[i], int) else
                                              (1, 0, repr(r[i])) for i in at))
            else:
                rows.sort(key=repr)
            lines.append("TABLE %s (%s)" % (table, ", ".join(columns)))
            lines.extend(repr(r) for r in rows)
        return "\n".join(lines)
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
