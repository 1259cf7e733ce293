#!/usr/bin/python3
"""End to end: the real binary polls CISA's KEV catalog (the real 1.2 MB fixture) from the
loopback HTTP server with `poll --once`: the 1,404 entries go into the kev table (no advisory
records), the ETag is kept and sent again, so an unchanged catalog is a 304 that writes nothing
(even when only the ETag, not the date, can tell); a changed catalog adds what is new and keeps
what left; a document that is not the catalog fails the poll alone (exit 3) and changes nothing;
`parse` and `import` read the catalog file."""
import hashlib
import json
import os
import time

import vwtest as t

t.require_fixtures("test_kev")
FIXTURE = os.path.join(t.FIXTURES, "kev", "known_exploited_vulnerabilities.json")
with open(FIXTURE, "rb") as f:
    catalog_bytes = f.read()
catalog = json.loads(catalog_bytes)

ws = t.Workspace("kev")
ws.serve("kev.json", catalog_bytes)
served = os.path.join(ws.docroot, "kev.json")


def config(name="kev.json"):
    return ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[source.cisa-kev]
type = kev
url = {ws.feed_url(name)}
""")


def query(sql, *args):
    con = t.db_connect(ws.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


cfg = config()
p = t.run(["config", "check"], config=cfg, check_rc=0)
t.check("type = kev" in p.stdout and "interval = 1d" in p.stdout,
        "config check shows the kev source with its daily interval")

# --- first poll: the whole catalog ------------------------------------------------------------
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check("CISA KEV catalog 2025.08.25: 1404 listed (1404 new, 0 changed, 0 bad entries)"
        in p.stderr, "the poll logs the catalog it stored: %r" % p.stderr[-400:])
t.check(query("SELECT count(*) FROM kev")[0][0] == 1404, "1404 CVEs in the kev table")
t.check(query("SELECT count(*) FROM record")[0][0] == 0, "no advisory records were made")
t.check(query("SELECT count(*) FROM cluster")[0][0] == 0, "no clusters were made")
row = query("SELECT date_added, vendor, product, name, ransomware FROM kev WHERE cve = ?",
            "CVE-2021-44228")
t.check(row == [("2021-12-10", "Apache", "Log4j2",
                 "Apache Log4j2 Remote Code Execution Vulnerability", "Known")],
        "the Log4j entry as the catalog states it: %s" % row)
etag = query("SELECT etag FROM source_state WHERE source = 'cisa-kev'")
want = '"%s"' % hashlib.sha256(catalog_bytes).hexdigest()[:32]
t.check(etag == [(want,)], "the server's ETag is kept: %s" % etag)
events = query("SELECT count(*) FROM event_log WHERE kind = 'kev'")[0][0]
t.check(events == 1, "one kev audit event (got %d)" % events)

# --- unchanged: a 304 that writes nothing; only the ETag can say so -----------------------------
# A modification time in the future: If-Modified-Since alone would get the whole catalog again.
future = time.time() + 3600
os.utime(served, (future, future))
before = t.db_dump(ws.db)
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check("not modified" in p.stderr, "the second poll is not modified (the ETag was sent)")
t.check(t.db_dump(ws.db) == before, "a 304 poll wrote nothing to the store")

# --- changed: one entry gone (kept), one changed, one new ----------------------------------------
changed = json.loads(catalog_bytes)
gone = changed["vulnerabilities"].pop()  # CVE-2020-29583
changed["vulnerabilities"][0]["knownRansomwareCampaignUse"] = "Known"
changed["vulnerabilities"].insert(0, {
    "cveID": "CVE-2025-99999", "vendorProject": "Example", "product": "Imaging Viewer",
    "vulnerabilityName": "Example Imaging Viewer Test Vulnerability", "dateAdded": "2025-08-26",
    "shortDescription": "written for this test", "requiredAction": "Apply updates.",
    "dueDate": "2025-09-16", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []})
changed["catalogVersion"] = "2025.08.26"
ws.serve("kev.json", json.dumps(changed).encode("utf-8"))
time.sleep(1.1)  # first_seen is in seconds: the new CVE's must be later
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check("CISA KEV catalog 2025.08.26: 1404 listed (1 new, 1 changed, 0 bad entries)" in p.stderr,
        "the changed catalog: %r" % p.stderr[-400:])
t.check(query("SELECT count(*) FROM kev")[0][0] == 1405, "the CVE that left the catalog is kept")
first_seen = dict(query("SELECT cve, first_seen FROM kev WHERE cve IN (?, ?)",
                        "CVE-2025-99999", gone["cveID"]))
t.check(first_seen.get("CVE-2025-99999", 0) > first_seen.get(gone["cveID"], 0) > 0,
        "the new CVE has a later first_seen: %s" % first_seen)
t.check(query("SELECT ransomware FROM kev WHERE cve = 'CVE-2025-48384'") == [("Known",)],
        "a changed field is replaced")

# --- not the catalog: the poll fails alone and nothing changes ----------------------------------
ws.serve("broken.json", b"<html><body>Service Unavailable</body></html>")
cfg = config("broken.json")
before = t.db_dump(ws.db)
p = t.run(["poll", "--once"], config=cfg)
t.check(p.returncode == 3, "a poll of a document that is not the catalog exits 3 (got %d)"
        % p.returncode)
t.check("is not CISA's KEV catalog" in p.stderr, "the error says why: %r" % p.stderr[-300:])
t.check(query("SELECT count(*) FROM kev")[0][0] == 1405, "the kev table is unchanged")

# --- parse and import of the file ---------------------------------------------------------------
p = t.run(["parse", FIXTURE], check_rc=0)
lines = p.stdout.splitlines()
t.check(len(lines) == 1404, "parse prints one line per entry (got %d)" % len(lines))
log4j = [json.loads(line) for line in lines if "CVE-2021-44228" in line]
t.check(log4j == [{"source": "kev", "cve": "CVE-2021-44228", "date_added": "2021-12-10",
                   "vendor": "Apache", "product": "Log4j2",
                   "name": "Apache Log4j2 Remote Code Execution Vulnerability",
                   "ransomware": "Known"}], "the Log4j line: %s" % log4j)
other_db = os.path.join(ws.dir, "import.db")
p = t.run(["import", FIXTURE], db=other_db, check_rc=0)
t.check("CISA KEV catalog, 1404 CVEs listed (1404 new, 0 changed, 0 bad entries)" in p.stdout,
        "import reports the catalog: %r" % p.stdout)
con = t.db_connect(other_db)
t.check(con.execute("SELECT count(*) FROM kev").fetchone()[0] == 1404, "import filled the table")
t.check(con.execute("SELECT count(*) FROM record").fetchone()[0] == 0, "and made no records")
con.close()

ws.cleanup()
t.finish()
