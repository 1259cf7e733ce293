#!/usr/bin/python3
"""The PostgreSQL schema (store/postgres_schema.cpp) against the SQLite one (issue 17;
docs/storage.md "The PostgreSQL schema").

The SQLite schema is what the real binary creates (`vulnwatch --db FILE status` on a new file);
the PostgreSQL DDL is read from store/postgres_schema.cpp and loaded with psql into a fresh
schema of the test server's database (TS_PG_URL from scripts/test-servers.sh). Checked:

1. the same tables (SQLite's FTS5 shadow tables aside; schema_version is PostgreSQL's
   PRAGMA user_version, and holds the same number, postgresSchemaVersion()'s), the same columns
   both ways (record_text adds rowid, SQLite's hidden one), each column's type by the mapping
   (TEXT with COLLATE "C"), NOT NULL, default, and an identity for each INTEGER PRIMARY KEY;
2. the same primary keys, unique keys (partial ones included), named indexes (their columns,
   expressions, partial or not; record_text_trgm is PostgreSQL's own), foreign keys (columns,
   target, ON DELETE) and trigger names (plus PostgreSQL's *_no_truncate);
3. the triggers behave alike: the same refusals with the same message (event_log, vcase), the
   registry generation rises, a deleted record's cluster shows the next record's title;
4. the compatibility functions (json_extract, json_each, json_valid, instr, scalar max/min,
   sum(boolean)) give SQLite's results for a table of inputs, and vw_source_rank() the ranks of
   sourceRank() in core/correlate.cpp.

Without TS_PG_URL the test says so and exits 77 (ctest: skipped); under CI=true it fails."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

PG_URL = os.environ.get("TS_PG_URL")
if not PG_URL and os.environ.get("CI") == "true":
    sys.exit("FAIL: TS_PG_URL is not set (CI=true): scripts/test-servers.sh starts PostgreSQL")
if not PG_URL:
    message = ("PG MISSING: test_pg_schema did not run: TS_PG_URL is not set "
               "(scripts/test-servers.sh starts the PostgreSQL test server; TS_PG=0 leaves it out)")
    print(message)
    print(message, file=sys.stderr)
    skip_log = os.environ.get("VULNWATCH_SKIP_LOG")
    if skip_log:
        with open(skip_log, "a", encoding="utf-8") as f:
            f.write("e2e\ttest_pg_schema\n")
    sys.exit(77)

# The SQLite side must be SQLite even in the PostgreSQL pass of the suite.
os.environ.pop("VULNWATCH_TEST_PG_URL", None)

SCHEMA = "pgschema_" + uuid.uuid4().hex[:12]
PSQL = os.path.join(os.environ.get("TS_PG_BIN", ""), "psql")
if not os.path.exists(PSQL):
    PSQL = "psql"


def ddl():
    with open(os.path.join(t.SOURCE_DIR, "store", "postgres_schema.cpp"), encoding="utf-8") as f:
        source = f.read()
    # postgresSchema() is the file's raw strings in their order (the baseline's head, the
    # json_extract() of schema 21, the rest).
    parts = re.findall(r'R"sql\((.*?)\)sql"', source, re.S)
    if not parts:
        sys.exit("FAIL: no R\"sql(...)sql\" DDL in store/postgres_schema.cpp")
    return "".join(parts)


def psql(sql, check_error=True):
    """Run `sql` in the test schema; (rc, stdout, stderr)."""
    env = dict(os.environ, PGOPTIONS="-c search_path=%s,public -c client_min_messages=warning"
               % SCHEMA)
    p = subprocess.run([PSQL, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", PG_URL],
                       input=sql, capture_output=True, text=True, env=env, timeout=120)
    if check_error and p.returncode != 0:
        raise RuntimeError("psql failed (%d): %s\n%s" % (p.returncode, p.stderr.strip(), sql[:2000]))
    return p.returncode, p.stdout, p.stderr


def pg_json(sql):
    """The single json value `sql` selects."""
    out = psql(sql)[1].strip()
    return json.loads(out) if out else None


def lit(value):
    """A PostgreSQL literal of a Python value (text, int, None)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "%d::bigint" % value
    return "'" + str(value).replace("'", "''") + "'"


# --- the two schemas ------------------------------------------------------------------------

work = tempfile.mkdtemp(prefix="vw-pgschema-")
db_path = os.path.join(work, "schema.db")
t.run(["status"], db=db_path, check_rc=0)
lite = sqlite3.connect(db_path)
lite_version = lite.execute("PRAGMA user_version").fetchone()[0]

psql("CREATE SCHEMA %s" % SCHEMA)
try:
    rc, _, err = psql("BEGIN;\n" + ddl() + "\nCOMMIT;\n", check_error=False)
    t.check(rc == 0, "the PostgreSQL DDL loads into a fresh schema%s" % ("" if rc == 0 else ": " + err))
    if rc != 0:
        t.finish()

    # -- tables and columns
    virtual = {r[0] for r in lite.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")}
    lite_tables = set()
    for (name,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"):
        if any(name.startswith(v + "_") for v in virtual):
            continue  # FTS5 shadow tables (record_text_data, …)
        lite_tables.add(name)
    pg_tables = set(pg_json(
        "SELECT coalesce(json_agg(table_name), '[]') FROM information_schema.tables "
        "WHERE table_schema = '%s' AND table_type = 'BASE TABLE'" % SCHEMA))
    t.check("schema_version" in pg_tables, "PostgreSQL has the table schema_version")
    pg_tables.discard("schema_version")
    t.check(pg_tables == lite_tables, "the same tables (only in SQLite: %s; only in PostgreSQL: %s)"
            % (sorted(lite_tables - pg_tables), sorted(pg_tables - lite_tables)))
    pg_version = pg_json("SELECT max(version) FROM schema_version")
    t.check(pg_version == lite_version, "schema_version %s = SQLite's user_version %s"
            % (pg_version, lite_version))
    with open(os.path.join(t.SOURCE_DIR, "store", "postgres_schema.cpp"), encoding="utf-8") as f:
        declared = re.search(r"int postgresSchemaVersion\(\) \{\s*return (\d+);", f.read())
    t.check(declared is not None and int(declared.group(1)) == pg_version,
            "postgresSchemaVersion() returns the version the DDL records (%s)"
            % (declared.group(1) if declared else "not found"))

    type_map = {"INTEGER": "bigint", "TEXT": "text", "REAL": "double precision", "BLOB": "bytea",
                "": "text"}
    pg_columns = {}
    for row in pg_json(
            "SELECT json_agg(json_build_array(table_name, column_name, data_type, is_nullable, "
            "column_default, is_identity, is_generated, collation_name) "
            "ORDER BY table_name, ordinal_position) "
            "FROM information_schema.columns WHERE table_schema = '%s'" % SCHEMA):
        pg_columns.setdefault(row[0], {})[row[1]] = row[2:]

    def norm_default(text):
        if text is None:
            return None
        text = re.sub(r"::(text|bigint|integer|double precision)$", "", text.strip())
        return text.strip("()") if re.fullmatch(r"\(?-?[0-9.]+\)?", text) else text

    for table in sorted(lite_tables & pg_tables):
        # hidden 1: FTS5's own columns (record_text's table-named column, rank); 2, 3: generated
        info = [r for r in lite.execute("PRAGMA table_xinfo(%s)" % table) if r[6] != 1]
        lite_cols = {r[1]: r for r in info}
        pg_cols = pg_columns.get(table, {})
        expected = set(lite_cols) | ({"rowid"} if table in virtual else set())
        t.check(set(pg_cols) == expected, "%s: the same columns (only in SQLite: %s; only in "
                "PostgreSQL: %s)" % (table, sorted(expected - set(pg_cols)),
                                     sorted(set(pg_cols) - expected)))
        pk_cols = {r[1] for r in info if r[5]}
        problems = []
        for name, (_, _, decl, notnull, default, pk, hidden) in lite_cols.items():
            if name not in pg_cols:
                continue
            data_type, nullable, pg_default, identity, generated, collation = pg_cols[name]
            want = type_map.get(decl.upper(), "?" + decl)
            if data_type != want:
                problems.append("%s is %s, not %s" % (name, data_type, want))
            if data_type == "text" and collation != "C":
                problems.append("%s is not COLLATE \"C\" (SQLite's BINARY)" % name)
            if not pk and (nullable == "NO") != bool(notnull):
                problems.append("%s NOT NULL %s in SQLite, %s in PostgreSQL"
                                % (name, bool(notnull), nullable == "NO"))
            if (hidden in (2, 3)) != (generated == "ALWAYS"):
                problems.append("%s generated differs" % name)
            if not generated == "ALWAYS" and norm_default(default) != norm_default(pg_default):
                problems.append("%s default %r vs %r" % (name, default, pg_default))
            # An INTEGER PRIMARY KEY (SQLite's rowid) gets ids by itself: an identity here.
            rowid_alias = pk and decl.upper() == "INTEGER" and len(pk_cols) == 1
            if rowid_alias and table != "record_cpe" and identity != "YES":
                problems.append("%s is SQLite's INTEGER PRIMARY KEY but no identity" % name)
        t.check(not problems, "%s: column types, NOT NULL, defaults and identities agree%s"
                % (table, "" if not problems else ": " + "; ".join(problems)))
    t.check(pg_columns.get("record_text", {}).get("rowid", [None, None, None, "NO"])[3] == "YES",
            "record_text.rowid is an identity (FTS5's rowid is given or assigned)")

    # -- keys, indexes, foreign keys, triggers
    def lite_indexes(table):
        out = {}
        for _, name, unique, origin, partial in lite.execute("PRAGMA index_list(%s)" % table):
            cols = tuple(r[2] for r in lite.execute("PRAGMA index_xinfo(%s)" % name) if r[5])
            out[name] = (table, cols, bool(unique), origin, bool(partial))
        return out

    lite_unique, lite_named, lite_pk, lite_rowid_tables = set(), {}, {}, set()

    def implicit_rowid(table, cols, unique):
        """A plain index's columns without a trailing INTEGER PRIMARY KEY: SQLite's entries end
        with the rowid implicitly, PostgreSQL's name it (docs/storage.md), so (product) there
        and (product, id) here are the same index."""
        rowid = lite_pk.get(table, ())
        if (not unique and len(cols) > 1 and len(rowid) == 1 and cols[-1] == rowid[0]
                and table in lite_rowid_tables):
            return cols[:-1]
        return cols
    for table in lite_tables - virtual:
        info = lite.execute("PRAGMA table_info(%s)" % table).fetchall()
        lite_pk[table] = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        if len(lite_pk[table]) == 1 and [r[2] for r in info if r[5]] == ["INTEGER"]:
            lite_unique.add((table, lite_pk[table], False))  # the rowid: unique without an index
            lite_rowid_tables.add(table)
        for name, (tbl, cols, unique, origin, partial) in lite_indexes(table).items():
            if unique:
                lite_unique.add((tbl, cols, partial))
            if origin == "c":
                lite_named[name] = (tbl, implicit_rowid(tbl, cols, unique), unique, partial)
    pg_index_rows = pg_json(
        "SELECT json_agg(json_build_array(t.relname, i.relname, x.indisunique, x.indisprimary, "
        "x.indpred IS NOT NULL, (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(x.indkey) "
        "WITH ORDINALITY k(attnum, n) LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND "
        "a.attnum = k.attnum), EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)))"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
        " JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = '%s'" % SCHEMA)
    pg_unique, pg_named, pg_pk = set(), {}, {}
    for table, name, unique, primary, partial, cols, constraint in pg_index_rows:
        if table == "schema_version":
            continue
        cols = tuple(cols)
        if unique:
            pg_unique.add((table, cols, partial))
        if primary:
            pg_pk[table] = cols
        if not constraint:
            pg_named[name] = (table, implicit_rowid(table, cols, unique), unique, partial)
    # FTS5 has no rowid index; its own table is unique on rowid here.
    pg_unique.discard(("record_text", ("rowid",), False))
    pg_pk.pop("record_text", None)
    t.check(pg_unique == lite_unique, "the same unique keys (only in SQLite: %s; only in PostgreSQL: %s)"
            % (sorted(lite_unique - pg_unique), sorted(pg_unique - lite_unique)))
    lite_pk = {k: v for k, v in lite_pk.items() if v}
    t.check(pg_pk == lite_pk, "the same primary keys (SQLite %s, PostgreSQL %s)"
            % (sorted(set(lite_pk.items()) - set(pg_pk.items())),
               sorted(set(pg_pk.items()) - set(lite_pk.items()))))
    t.check(pg_named.pop("record_text_trgm", None) == ("record_text", ("text",), False, False),
            "record_text has its trigram index record_text_trgm")
    t.check(pg_named == lite_named, "the same named indexes, columns and expressions "
            "(SQLite only/different: %s; PostgreSQL only/different: %s)"
            % (sorted(set(lite_named.items()) - set(pg_named.items())),
               sorted(set(pg_named.items()) - set(lite_named.items()))))

    lite_fks = set()
    for table in lite_tables - virtual:
        for r in lite.execute("PRAGMA foreign_key_list(%s)" % table):
            lite_fks.add((table, r[3], r[2], r[4], r[6]))
    pg_fks = set()
    for row in pg_json(
            "SELECT json_agg(json_build_array(t.relname, a.attname, r.relname, ra.attname, "
            "c.confdeltype)) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace s ON s.oid = t.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND s.nspname = '%s'" % SCHEMA):
        pg_fks.add((row[0], row[1], row[2], row[3], {"c": "CASCADE", "a": "NO ACTION"}[row[4]]))
    t.check(pg_fks == lite_fks, "the same foreign keys (only in SQLite: %s; only in PostgreSQL: %s)"
            % (sorted(lite_fks - pg_fks), sorted(pg_fks - lite_fks)))

    lite_triggers = {r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    pg_triggers = set(pg_json(
        "SELECT json_agg(tg.tgname) FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid "
        "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE NOT tg.tgisinternal AND s.nspname = '%s'"
        % SCHEMA))
    t.check(pg_triggers - lite_triggers == {"event_log_no_truncate", "vcase_no_truncate",
                                            "cluster_rowid"}
            and lite_triggers <= pg_triggers, "the same triggers, plus the TRUNCATE refusals and "
            "cluster's NULL ids "
            "(only in SQLite: %s; only in PostgreSQL: %s)"
            % (sorted(lite_triggers - pg_triggers), sorted(pg_triggers - lite_triggers)))

    # -- triggers at work: the same refusals, word for word
    ranks_source = open(os.path.join(t.SOURCE_DIR, "core", "correlate.cpp"), encoding="utf-8").read()
    body = re.search(r"int sourceRank\(std::string_view source\) \{(.*?)\n\}", ranks_source, re.S)
    cxx_rank = {}
    for cond, rank in re.findall(r"if \(([^)]*)\) \{\s*return (\d+);", body.group(1)):
        for name in re.findall(r'source == "([^"]+)"', cond):
            cxx_rank[name] = int(rank)
    cxx_default = int(re.findall(r"return (\d+);\s*$", body.group(1).strip())[-1])
    t.check(len(cxx_rank) >= 5, "core/correlate.cpp sourceRank() read: %s, else %d"
            % (cxx_rank, cxx_default))
    lite.create_function("vw_source_rank", 1,
                         lambda s: cxx_rank.get(s if s is not None else "", cxx_default))

    zero = "0" * 64
    event = '{"at":100,"case":7,"kind":"case","text":"t"}'
    setup = [
        "INSERT INTO vcase (id, product, origin, state, received_at, opened_at, updated_at) "
        "VALUES (1, 'p', 'manual', 'received', 1, 1, 1)",
        "INSERT INTO event_log (id, json, prev_hash, hash) VALUES (1, '%s', '%s', '%s')"
        % (event, zero, "a" * 64),
        "INSERT INTO product (name) VALUES ('x')",
        "INSERT INTO cluster (id, first_seen, title, max_score) VALUES (5, 1, 'from mail', 3.5)",
        "INSERT INTO record (id, channel, record_id, source, json, content_hash, title, max_score, "
        "first_seen, last_seen, cluster_id) VALUES (10, 'jvn', 'A', 'mail', '{}', 'h', "
        "'from mail', 3.5, 1, 1, 5), (11, 'jvn', 'B', 'vuldef', '{}', 'h', 'from vuldef', 7.5, "
        "1, 1, 5), (12, 'jvn', 'C', 'jvn', '{}', 'h', 'from jvn', 0, 1, 2, 5)",
    ]
    for sql in setup:
        lite.execute(sql)
    lite.commit()
    psql(";\n".join(setup) + ";")
    refusals = [
        ("DELETE FROM vcase", "a case is never deleted"),
        ("UPDATE event_log SET json = json", "cannot be changed"),
        ("DELETE FROM event_log", "cannot be deleted"),
        ("INSERT INTO event_log (id, json, prev_hash, hash) VALUES (3, '{}', '%s', '%s')"
         % ("a" * 64, "b" * 64), "hash chain"),
        ("INSERT INTO event_log (id, json, prev_hash, hash) VALUES (2, '{}', '%s', '%s')"
         % ("c" * 64, "b" * 64), "hash chain"),
    ]
    for sql, gist in refusals:
        try:
            lite.execute(sql)
            lite_error = None
        except sqlite3.DatabaseError as e:
            lite_error = str(e)
        lite.rollback()
        rc, _, err = psql(sql + ";", check_error=False)
        m = re.search(r"ERROR:\s+(.*)", err)
        pg_error = m.group(1).strip() if m else None
        t.check(lite_error is not None and gist in lite_error and pg_error == lite_error,
                "`%s` is refused with SQLite's message (SQLite: %s; PostgreSQL: %s)"
                % (sql[:40], lite_error, pg_error))
    rc, _, err = psql("TRUNCATE event_log;", check_error=False)
    t.check(rc != 0 and "cannot be deleted" in err, "TRUNCATE event_log is refused")
    ok_append = ("INSERT INTO event_log (id, json, prev_hash, hash) VALUES (2, '%s', '%s', '%s')"
                 % ('{"at":200,"kind":"k","text":"x"}', "a" * 64, "b" * 64))
    rc, _, err = psql(ok_append + ";", check_error=False)
    t.check(rc == 0, "the next event in the chain is appended%s" % ("" if rc == 0 else ": " + err))
    t.check(pg_json("SELECT json_agg(json_build_array(id, at, kind, text) ORDER BY id) FROM event_log")
            == [[1, 100, "case", "t"], [2, 200, "k", "x"]],
            "event_log's generated columns at/kind/text come from the JSON")
    t.check(pg_json("SELECT generation FROM registry_state") >= 1
            and lite.execute("SELECT generation FROM registry_state").fetchone()[0] >= 1,
            "a product insert raises the registry generation in both")
    delete = "DELETE FROM record WHERE id = 11"
    lite.execute(delete)
    lite.commit()
    psql(delete + ";")
    shown = "SELECT title, max_score FROM cluster WHERE id = 5"
    lite_shown = list(lite.execute(shown).fetchone())
    pg_shown = pg_json("SELECT json_build_array(title, max_score) FROM cluster WHERE id = 5")
    t.check(pg_shown == lite_shown and lite_shown[0] == "from jvn",
            "a deleted record's cluster shows the next record by precedence (SQLite %s, "
            "PostgreSQL %s)" % (lite_shown, pg_shown))

    # A NULL id takes the highest id plus one, between explicit ids too (cluster: the code
    # inserts both), and lastval() names it.
    steps = ["INSERT INTO cluster (id, first_seen) VALUES (NULL, 1)",
             "INSERT INTO cluster (id, first_seen) VALUES (40, 1)",
             "INSERT INTO cluster (id, first_seen) VALUES (NULL, 1)",
             "INSERT INTO cluster (id, first_seen) VALUES (20, 1)",
             "INSERT INTO cluster (id, first_seen) VALUES (NULL, 1)",
             "DELETE FROM cluster WHERE id = 42",
             "INSERT INTO cluster (id, first_seen) VALUES (NULL, 1)"]
    lite_new = []
    for sql in steps:
        cursor = lite.execute(sql)
        if "NULL" in sql:
            lite_new.append([cursor.lastrowid, cursor.lastrowid])
    lite.commit()
    psql("DELETE FROM cluster WHERE id <> 5;")
    out = psql("\n".join(sql + (" RETURNING id, lastval();" if "NULL" in sql else ";")
                         for sql in steps))[1]
    pg_new = [[int(v) for v in line.split("|")] for line in out.split()]
    t.check(pg_new == lite_new, "a NULL cluster id is the highest plus one, between explicit ids "
            "too, and lastval() names it (SQLite %s, PostgreSQL %s)" % (lite_new, pg_new))

    # -- the compatibility functions against SQLite's built-ins
    mem = sqlite3.connect(":memory:")

    def compare(name, sqlite_sql, pg_expr, inputs):
        """Each input row through SQLite (sqlite_sql, ? parameters) and PostgreSQL (pg_expr
        with {0}, {1}, … for the literals; distinct column names): the same values, in order."""
        lite_out = []
        for row in inputs:
            lite_out.append([list(r) for r in mem.execute(sqlite_sql, row).fetchall()])
        selects = " UNION ALL ".join(
            "SELECT %d AS n, (SELECT coalesce(json_agg(to_json(q.*)), '[]') FROM (%s) q) AS r"
            % (i, pg_expr.format(*[lit(v) for v in row])) for i, row in enumerate(inputs))
        pg_out = [[list(r.values()) for r in rows]
                  for rows in pg_json("SELECT json_agg(r ORDER BY n) FROM (%s) x" % selects)]
        bad = [(inputs[i], lite_out[i], pg_out[i]) for i in range(len(inputs))
               if lite_out[i] != pg_out[i]]
        t.check(not bad, "%s gives SQLite's results for %d inputs%s"
                % (name, len(inputs), "" if not bad else ": differ (input, SQLite, PostgreSQL): %s" % bad))

    docs = ['{"case":7,"actor":"alice","details":{"from":"a","to":"b","n":2,"ok":true,'
            '"no":false,"nil":null,"list":[1,"x"]},"subjects":["p1","p2"],"score":1.5}',
            '{"kind":"product","subjects":[],"evidence":["e1"],"text":"日本語 \\"q\\" \\u3042"}',
            '[10,"eleven",{"a":1},[2,3],null,true]', '"just text"', '42', 'null', '{}',
            '{"a b":1,"x.y":{"z":[0,{"w":"deep"}]}}']
    paths = ["$", "$.case", "$.actor", "$.details", "$.details.n", "$.details.ok",
             "$.details.no", "$.details.nil", "$.details.list", "$.details.list[1]",
             "$.subjects", "$.subjects[0]", "$.missing", "$[0]", "$[2]", "$[2].a", "$[3][1]",
             "$.score", "$.text", '$."a b"', '$."x.y".z[1].w', "$[9]"]
    rows = [(d, p) for d in docs for p in paths] + [(None, "$"), ("{}", None)]
    compare("json_extract", "SELECT CAST(json_extract(?, ?) AS TEXT)", "SELECT json_extract({0}, {1})",
            rows)
    compare("json_each(json)",
            "SELECT CAST(key AS TEXT), CAST(value AS TEXT), type, CAST(atom AS TEXT), fullkey, path "
            "FROM json_each(?)",
            "SELECT key, value, type, atom, fullkey, path FROM json_each({0})",
            [(d,) for d in docs] + [(None,)])
    each_paths = ["$.details", "$.subjects", "$.evidence", "$.missing", "$[2]", "$[3]", "$.case",
                  '$."x.y".z']
    compare("json_each(json, path)",
            "SELECT CAST(key AS TEXT), CAST(value AS TEXT), type, CAST(atom AS TEXT), fullkey, path "
            "FROM json_each(?, ?)",
            "SELECT key, value, type, atom, fullkey, path FROM json_each({0}, {1})",
            [(d, p) for d in docs for p in each_paths])
    compare("json_valid", "SELECT json_valid(?)",
            "SELECT CASE json_valid({0}) WHEN true THEN 1 WHEN false THEN 0 END",
            [(d,) for d in docs] + [("{",), ("[1,]",), ("",), ("{'a':1}",), ("nul",), ("1 2",),
                                     (None,), (' {"a" : [1, 2]} ',)])
    compare("instr", "SELECT instr(?, ?)", "SELECT instr({0}, {1})",
            [("abc", "b"), ("abc", "z"), ("abc", ""), ("", "a"), ("\n7\n12\n", "\n12\n"),
             ("\n17\n", "\n7\n"), ("注意喚起：テスト", "注意喚起"), ("テスト注意喚起", "注意喚起"),
             (None, "a"), ("a", None)])
    pairs = [(1, 2), (2, 1), (5, 5), (-3, 0), (None, 1), (1, None), (9223372036854775807, 1)]
    compare("max(a, b)", "SELECT max(?, ?)", "SELECT max({0}, {1})", pairs)
    compare("min(a, b)", "SELECT min(?, ?)", "SELECT min({0}, {1})", pairs)
    compare("max(a, b) of text", "SELECT max(?, ?)", "SELECT max({0}, {1})",
            [("a", "b"), ("b", "a"), ("B", "a"), ("あ", "z")])
    triples = [(1, 2, 3), (3, 2, 1), (2, 3, 1), (1, None, 3), (9223372036854775807, 5, 7)]
    compare("max(a, b, c)", "SELECT max(?, ?, ?)", "SELECT max({0}, {1}, {2})", triples)
    compare("min(a, b, c)", "SELECT min(?, ?, ?)", "SELECT min({0}, {1}, {2})", triples)
    compare("sum(condition)", "SELECT sum(x IS NOT NULL), sum(x > 1), count(*) FROM "
            "(SELECT value AS x FROM json_each(?))",
            "SELECT sum(x IS NOT NULL) AS a, sum(x > 1) AS b, count(*) AS c FROM "
            "(SELECT CAST(value AS BIGINT) AS x FROM json_each({0})) s",
            [("[1,2,3]",), ("[null,2]",), ("[null]",), ("[1]",), ("[]",), ("[0,0,5,null,7]",)])
    # vw_source_rank: SQLite's is the C++ function itself, so the ranks come from the source.
    sources = sorted(cxx_rank) + ["", "unknown", "JVN", None]
    ranks = pg_json("SELECT json_agg(vw_source_rank(s) ORDER BY n) FROM (VALUES %s) v(n, s)"
                    % ", ".join("(%d, %s)" % (i, lit(s) if s is not None else "NULL::text")
                                for i, s in enumerate(sources)))
    want = [cxx_rank.get(s if s is not None else "", cxx_default) for s in sources]
    t.check(ranks == want, "vw_source_rank() ranks %s as sourceRank() does: %s (got %s)"
            % (sources, want, ranks))
    for bad_sql in ["SELECT json_extract('{', '$')", "SELECT json_extract('{}', 'x')"]:
        try:
            mem.execute(bad_sql).fetchall()
            lite_failed = False
        except sqlite3.DatabaseError:
            lite_failed = True
        rc, _, _ = psql(bad_sql + ";", check_error=False)
        t.check(lite_failed and rc != 0, "`%s` is an error in both" % bad_sql)
finally:
    psql("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA, check_error=False)
    lite.close()

t.finish()
