#!/usr/bin/python3
"""End to end: a `myjvn-alert` source (MyJVN getAlertList) configured in the real binary polls the
loopback MyJVN emulator (tests/servers/myjvn_server.py, alert lists written for the project, no
fixtures): every page is stored, a second poll stores nothing and leaves the cursor, a revised
alert is stored again, the alert covers the vulnerabilities it names, and an API answering HTTP
500 fails the poll (exit 3) with a clear message."""
import datetime
import os
import shutil
import subprocess
import tempfile
import urllib.request

import vwtest as t

# The source lists alerts by the year of their last update in Japan (+09:00); the emulator is
# told the same year, and in January the source reads last year's 3 alerts too.
jst = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9)))
year = jst.year
expected = 60 + (3 if jst.month == 1 else 0)

server = subprocess.Popen(
    ["/usr/bin/python3", os.path.join(t.SOURCE_DIR, "tests", "servers", "myjvn_server.py"),
     "--alerts", "60", "--alerts-year", str(year), "--alerts-last", "3"],
    stdout=subprocess.PIPE, text=True)
work = tempfile.mkdtemp(prefix="vw-alert-e2e-")
try:
    line = server.stdout.readline()
    t.check(line.startswith("PORT "), "the emulator started: %r" % line)
    base = "http://127.0.0.1:%s" % line.split()[1]
    token = "e2e%d" % os.getpid()
    db = os.path.join(work, "vulnwatch.db")

    def config(scenario):
        path = os.path.join(work, "%s.conf" % scenario)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"""
[store]
path = {db}

[source.jpcert-alerts]
type = myjvn-alert
url = {base}/{token}/{scenario}/myjvn
request_interval = 100ms
retries = 1
timeout = 10s
interval = 1h
""")
        return path

    def requests():
        with urllib.request.urlopen("%s/%s/_log" % (base, token), timeout=10) as r:
            return r.read().decode().splitlines()

    def query(sql):
        con = t.db_connect(db)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    ok = config("ok")
    p = t.run(["config", "check"], config=ok, check_rc=0)
    t.check("type = myjvn-alert\nurl = %s/%s/ok/myjvn\n" % (base, token) in p.stdout and
            "\nrequest_interval = 100ms\nretries = 1\n" in p.stdout,
            "config check shows the myjvn-alert keys")

    # first poll: every alert of every page
    t.run(["poll", "--once"], config=ok, check_rc=0)
    records = query("SELECT COUNT(*) FROM record WHERE channel = 'jpcert-alerts'")[0][0]
    t.check(records == expected, "first poll stores %d alerts (got %d)" % (expected, records))
    sources = {row[0] for row in query("SELECT json_extract(json, '$.source') FROM record")}
    t.check(sources == {"myjvn-alert"}, "the records are myjvn-alert records: %s" % sources)
    cursor = query("SELECT cursor FROM source_state WHERE source = 'jpcert-alerts'")[0][0]
    t.check(cursor.startswith("myjvn-alert 1\n") and cursor.count("\n") == expected,
            "the cursor remembers every alert (%d lines)" % cursor.count("\n"))
    log = requests()
    pages = 2 + (1 if jst.month == 1 else 0)
    t.check(len(log) == pages, "%d requests for the pages (got %d)" % (pages, len(log)))
    t.check(all("method=getAlertList" in l and "ft=xml" in l and "maxCountItem=50" in l
                for l in log), "every request is a getAlertList page")

    # the alert covers what it names: the CVE's cluster lists the alert among its advisories
    shown = t.run(["advisories", "show", "CVE-%d-90007" % year, "--json"], config=ok,
                  check_rc=0)
    t.check("MYJVN-ALT-%d-0007" % year in shown.stdout,
            "CVE-%d-90007 is covered by the alert MYJVN-ALT-%d-0007" % (year, year))

    # second poll: the list is read again, nothing is new
    revisions = query("SELECT COUNT(*) FROM revision")[0][0]
    t.run(["poll", "--once"], config=ok, check_rc=0)
    t.check(len(requests()) == 2 * pages, "the second poll read the list again")
    t.check(query("SELECT COUNT(*) FROM record")[0][0] == expected, "no new record")
    t.check(query("SELECT COUNT(*) FROM revision")[0][0] == revisions, "no new revision")
    t.check(query("SELECT cursor FROM source_state WHERE source = 'jpcert-alerts'")[0][0] == cursor,
            "the cursor is unchanged")

    # a revised alert is stored again
    revised = "%d-%02d-%02dT08:00:00+09:00" % (year, jst.month, jst.day)
    urllib.request.urlopen("%s/%s/_touch?id=MYJVN-ALT-%d-0007&updated=%s"
                           % (base, token, year, revised.replace("+", "%2B")), timeout=10).read()
    t.run(["poll", "--once"], config=ok, check_rc=0)
    t.check(query("SELECT COUNT(*) FROM revision")[0][0] == revisions + 1,
            "the revised alert gives one new revision")
    modified = query("SELECT json_extract(json, '$.modified') FROM record "
                     "WHERE record_id = 'MYJVN-ALT-%d-0007'" % year)[0][0]
    t.check(modified == revised, "its stored record is the revised one (%s)" % modified)

    # an API that answers HTTP 500: retried, then the poll fails with a clear message
    p = t.run(["poll", "--once"], config=config("fail500"), check_rc=3)
    t.check("HTTP status 500 (2 attempts)" in p.stderr and "getAlertList" in p.stderr,
            "the failure names the method and the HTTP status: %s" % p.stderr.strip()[-300:])
finally:
    server.terminate()
    server.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)
t.finish()
