#!/usr/bin/python3
"""End to end: `vulnwatch backfill` against SYNTHETIC yearly detail feeds (the project's own
written entries, tests/data/vuldef/, repeated with new ids at test time by bench/make_synthetic.py,
so the test runs on a bare clone too) and a checksum.txt, served by
the loopback HTTP server. First run loads every year; a second run fetches no detail file again;
a changed checksum reloads only that year; a sha256 mismatch is refused; kill -9 in the middle of
a file, then a re-run, ends with the same records and outbox as an uninterrupted run."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import vwtest as t

sys.path.insert(0, os.path.join(t.SOURCE_DIR, "bench"))
import make_synthetic  # noqa: E402  (bench/make_synthetic.py, shared with the benchmark)

ws = t.Workspace("backfill")
synthetic = os.path.join(ws.docroot, "synthetic")
base_url = ws.feed_url("synthetic/")
checksum_url = ws.feed_url("checksum.txt")
stats_url = "http://127.0.0.1:%s/stats" % t.env("TS_HTTP_PORT")


def make_years(spec, seed=1):
    """spec: {year: entries}; writes synthetic/jvndb_detail_YYYY.rdf files."""
    for year, count in spec.items():
        make_synthetic.generate(count, synthetic, per_file=count, last_year=year, prefix="",
                                seed=seed, templates="project")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_checksums(years, override=None):
    entries = []
    for year in years:
        name = "jvndb_detail_%d.rdf" % year
        path = os.path.join(synthetic, name)
        entries.append({"url": "https://jvndb.jvn.jp/ja/feed/detail/" + name, "filename": name,
                        "sha256": (override or {}).get(year, sha256(path)),
                        "size": os.path.getsize(path), "lastModified": "2026/11/01 09:00:00"})
    ws.serve("checksum.txt", json.dumps(entries, indent=4).encode())


_baseline = {}


def fetched_total():
    """GET counts of this test's files on the server, by file name, since the server started."""
    with urllib.request.urlopen(stats_url, timeout=10) as r:
        stats = json.load(r)
    return {path.rsplit("/", 1)[-1]: n for path, n in stats.items() if ws.tag in path}


def reset_stats():
    """Start counting from now. The server's counters are shared with tests running in
    parallel, so they are never reset: fetched() reports the difference."""
    global _baseline
    _baseline = fetched_total()


def fetched():
    """GET counts of this test's files since the last reset_stats()."""
    now = fetched_total()
    return {name: n - _baseline.get(name, 0) for name, n in now.items() if n > _baseline.get(name, 0)}


def query(db, sql):
    con = t.db_connect(db, timeout=10, readonly=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def count(db, table):
    return query(db, "SELECT COUNT(*) FROM %s" % table)[0][0]


def backfill(db, since, until, extra=(), config=None, rc=0):
    """Runs backfill; output is printed when the exit code is not `rc`."""
    return t.run(["backfill", "--since", str(since), "--until", str(until), "--base-url", base_url,
                  "--checksum-url", checksum_url] + list(extra), config=config, db=db, timeout=300,
                 check_rc=rc)


config = ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[notifier.chat]
type = webhook
url = {ws.hook_url()}
""")
products = {"products": [
    {"name": "Example Imaging Viewer", "version": "3.2", "owners": [ws.address("viewer")],
     "components": [{"vendor": "apache", "name": "log4j-core", "version": "2.14.1",
                     "cpe": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]}]}
products_file = ws.write("products.json", json.dumps(products))

try:
    years = {2019: 300, 2020: 250, 2021: 400}
    make_years(years)
    write_checksums(years)

    # --- usage errors: exit 2 -------------------------------------------------------------
    p = t.run(["backfill"], db=ws.db)
    t.check(p.returncode == 2 and "--since" in p.stderr, "backfill without --since is a usage error")
    p = t.run(["backfill", "--since", "1990"], db=ws.db)
    t.check(p.returncode == 2, "a year before 1998 is a usage error")
    p = t.run(["backfill", "--since", "2021", "--until", "2019"], db=ws.db)
    t.check(p.returncode == 2, "--until before --since is a usage error")

    # --- first run: every year is loaded ------------------------------------------------------
    t.run(["products", "import", products_file], config=config, check_rc=0)
    reset_stats()
    p = backfill(ws.db, 2019, 2021, config=config)
    t.check(p.returncode == 0, "first backfill exits 0")
    total = sum(years.values())
    t.check(count(ws.db, "record") == total, "every synthetic entry is stored (%d)" % total)
    t.check(count(ws.db, "revision") == total, "one revision per record")
    got = fetched()
    t.check(all(got.get("jvndb_detail_%d.rdf" % y) == 1 for y in years),
            "each yearly file was fetched once: %s" % got)
    t.check(got.get("checksum.txt") == 1, "checksum.txt was fetched once")
    states = dict(query(ws.db, "SELECT source, cursor FROM source_state WHERE source LIKE 'backfill:%'"))
    t.check(all(states.get("backfill:jvndb_detail_%d.rdf" % y) ==
                sha256(os.path.join(synthetic, "jvndb_detail_%d.rdf" % y)) for y in years),
            "each year is marked complete with its sha256")
    matches = count(ws.db, "match")
    outbox = count(ws.db, "outbox")
    t.check(matches > 0 and outbox == matches, "log4j entries matched and queued (%d)" % matches)
    t.check("jvndb_detail_2020.rdf: 250 records (250 new" in p.stdout, "per-year summary line")
    t.check("backfill 2021" in p.stderr, "progress lines on a non-TTY stderr")

    # --- second run: nothing changed, no detail file fetched -----------------------------------
    reset_stats()
    p = backfill(ws.db, 2019, 2021, config=config)
    t.check(p.returncode == 0, "second backfill exits 0")
    got = fetched()
    t.check(not any(name.startswith("jvndb_detail_") for name in got),
            "no detail file was fetched again: %s" % got)
    t.check(p.stdout.count("unchanged since the last load") == 3, "three years skipped")
    t.check(count(ws.db, "record") == total and count(ws.db, "outbox") == outbox,
            "nothing added by the second run")

    # --- one year changes: only that year is reloaded -------------------------------------------
    path_2020 = os.path.join(synthetic, "jvndb_detail_2020.rdf")
    with open(path_2020, encoding="utf-8") as f:
        text = f.read()
    first_title = text.index("<Title>") + len("<Title>")
    with open(path_2020, "w", encoding="utf-8") as f:
        f.write(text[:first_title] + "[updated] " + text[first_title:])
    write_checksums(years)
    reset_stats()
    p = backfill(ws.db, 2019, 2021, config=config)
    t.check(p.returncode == 0, "backfill after a change exits 0")
    got = fetched()
    t.check(got.get("jvndb_detail_2020.rdf") == 1 and "jvndb_detail_2019.rdf" not in got and
            "jvndb_detail_2021.rdf" not in got, "only the changed year was fetched: %s" % got)
    t.check("jvndb_detail_2020.rdf: 250 records (0 new, 1 changed" in p.stdout,
            "the changed entry is one new revision (%s)" % p.stdout.strip().splitlines()[:3])
    t.check(count(ws.db, "record") == total and count(ws.db, "revision") == total + 1,
            "records unchanged in number, one revision added")
    t.check(count(ws.db, "outbox") == outbox, "no notification repeated")

    # --- a sha256 mismatch is refused, the year stays as it was ----------------------------------
    with open(path_2020, "a", encoding="utf-8") as f:
        f.write("\n")  # the file changes, checksum.txt says something else
    write_checksums(years, override={2020: "0" * 64})
    p = backfill(ws.db, 2020, 2020, config=config, rc=1)
    t.check(p.returncode == 1 and "sha256" in p.stderr, "a sha256 mismatch fails with exit 1")
    t.check(count(ws.db, "revision") == total + 1, "nothing of the refused file was imported")
    write_checksums(years)

    # --- kill -9 in the middle of a file, then re-run ---------------------------------------------
    big = {2022: 6000}
    make_years(big, seed=7)
    write_checksums(list(years) + list(big))
    ref_db = os.path.join(ws.dir, "reference.db")
    kill_db = os.path.join(ws.dir, "killed.db")
    for db in (ref_db, kill_db):
        t.run(["products", "import", products_file], db=db, check_rc=0)
    p = backfill(ref_db, 2022, 2022, ["--batch-size", "100"], config=config)
    t.check(p.returncode == 0, "uninterrupted reference run exits 0")
    ref_records, ref_outbox = count(ref_db, "record"), count(ref_db, "outbox")
    ref_matches = count(ref_db, "match")
    t.check(ref_records == 6000 and ref_outbox > 0, "reference run stored 6000 records, %d "
            "messages" % ref_outbox)

    killed_at = None
    for attempt in range(3):
        cmd = [t.BINARY, "--config", config, "--db", kill_db, "backfill", "--since", "2022",
               "--until", "2022", "--base-url", base_url, "--checksum-url", checksum_url,
               "--batch-size", "100"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                n = count(kill_db, "record")
            except t.DbError:
                n = 0
            if 300 <= n < 6000:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed_at = n
                break
            time.sleep(0.005)
        if killed_at is not None:
            break
        proc.wait()
    t.check(killed_at is not None, "backfill was killed in the middle of the file (after %s "
            "records)" % killed_at)
    state = query(kill_db, "SELECT cursor, last_success FROM source_state "
                           "WHERE source = 'backfill:jvndb_detail_2022.rdf'")
    t.check(not state or state[0][1] == 0, "the killed year is not marked complete")
    partial = count(kill_db, "record")
    t.check(0 < partial < 6000 and partial % 100 == 0,
            "whole batches were committed before the kill (%d records)" % partial)

    p = backfill(kill_db, 2022, 2022, ["--batch-size", "100"], config=config)
    t.check(p.returncode == 0, "re-run after kill -9 exits 0")
    t.check(count(kill_db, "record") == ref_records, "same record count as the uninterrupted run")
    t.check(count(kill_db, "revision") == ref_records, "no record got a second revision")
    t.check(count(kill_db, "match") == ref_matches, "same matches as the uninterrupted run")
    t.check(count(kill_db, "outbox") == ref_outbox, "same outbox as the uninterrupted run")
    dupes = query(kill_db, "SELECT COUNT(*) FROM (SELECT notifier, recipient, subject, payload "
                           "FROM outbox GROUP BY 1, 2, 3, 4 HAVING COUNT(*) > 1) AS dup")[0][0]
    t.check(dupes == 0, "no duplicate outbox message")
    state = query(kill_db, "SELECT cursor FROM source_state "
                           "WHERE source = 'backfill:jvndb_detail_2022.rdf'")
    t.check(state and state[0][0] == sha256(os.path.join(synthetic, "jvndb_detail_2022.rdf")),
            "the year is complete after the re-run")

    # --- a jvn-detail-feed source: poll --once loads this year and the last, then skips them ------
    this_year = int(time.strftime("%Y", time.gmtime(time.time() + 9 * 3600)))  # JST
    make_years({this_year - 1: 40, this_year: 30}, seed=7)
    write_checksums([this_year - 1, this_year])
    feed_db = os.path.join(ws.dir, "feed.db")
    feed_config = ws.write("feed.conf", f"""
[store]
path = {feed_db}

[source.jvndb-detail]
type = jvn-detail-feed
url = {base_url}
checksum_url = {checksum_url}
request_interval = 100ms
""")
    reset_stats()
    p = t.run(["poll", "--once"], config=feed_config, timeout=300)
    t.check(p.returncode == 0, "poll --once with a jvn-detail-feed source exits 0: %s" % p.stderr[-400:])
    t.check(count(feed_db, "record") == 70, "this year's and last year's entries are stored (%d)"
            % count(feed_db, "record"))
    got = fetched()
    t.check(got.get("jvndb_detail_%d.rdf" % this_year) == 1 and
            got.get("jvndb_detail_%d.rdf" % (this_year - 1)) == 1 and
            "jvndb_detail_2019.rdf" not in got, "only the two recent years were fetched: %s" % got)
    reset_stats()
    p = t.run(["poll", "--once"], config=feed_config, timeout=300)
    got = fetched()
    t.check(p.returncode == 0 and not any(n.startswith("jvndb_detail_") for n in got),
            "the next poll skips both unchanged years: %s" % got)
    t.check("not modified" in p.stderr or "unchanged" in p.stderr, "and says so")

    # --- --notify: a first backfill that does not flood the owners ------------------------------
    # An e-mail notifier (immediate) and the chat hook; the same three years into new stores.
    quiet_config = ws.write("quiet.conf", f"""
[notifier.chat]
type = webhook
url = {ws.hook_url()}

[notifier.mail]
type = email
smtp = smtp://127.0.0.1:25
from = vulnwatch@example.jp
""")
    make_years(years)
    write_checksums(years)
    for mode in ("none", "digest"):
        db = os.path.join(ws.dir, "notify-%s.db" % mode)
        t.run(["products", "import", products_file], config=quiet_config, db=db, check_rc=0)
        p = backfill(db, 2019, 2021, extra=["--notify", mode], config=quiet_config)
        found = count(db, "match")
        t.check(p.returncode == 0 and found == matches,
                "--notify %s: every match is still recorded (%d)" % (mode, found))
        queued = query(db, "SELECT subject FROM outbox")
        if mode == "none":
            t.check(not queued, "--notify none: nothing is queued (%d)" % len(queued))
        else:
            # The cases' Act alerts stay immediate (docs/cases.md); no match notice is queued.
            t.check(all(subject.startswith("[vulnwatch] 対応優先度 Act") for (subject,) in queued),
                    "--notify digest: only the cases' Act alerts are queued now (%d, %s)"
                    % (len(queued), queued[:2]))
        items = query(db, "SELECT COUNT(*), COUNT(DISTINCT owner) FROM digest_item")[0]
        if mode == "none":
            t.check(items[0] == 0, "--notify none: nothing waits for a digest either")
        else:
            t.check(items[0] == matches and items[1] == 1,
                    "--notify digest: each match waits for the owner's next digest (%s)" % (items,))
    p = backfill(os.path.join(ws.dir, "notify-bad.db"), 2019, 2019, extra=["--notify", "later"],
                 config=quiet_config, rc=2)
    t.check(p.returncode == 2 and "--notify takes configured, digest or none" in p.stderr,
            "--notify with another value is a usage error")
finally:
    ws.cleanup()

t.finish()
