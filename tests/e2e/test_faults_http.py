#!/usr/bin/python3
"""Fault matrix, rows "HTTP feeds" and "MyJVN API" (docs/reliability.md): the real binary polls
tests/servers/fault_server.py, which fails in one way per source: a host under .invalid (DNS),
a port nothing listens on, a port answering the TLS ClientHello with garbage, an expired and a
wrong-host certificate (their CA trusted through ca_file, so only the named fault remains),
a stall before the headers and one in the middle of the body, a body cut short of its
Content-Length, HTTP 500, HTTP 429, a redirect loop, an oversized body (with and without
Content-Length), a connection reset and an answer that is not HTTP.

Asserted per cell: `poll --once` exits 3, within the configured timeout (2 s per stalled
transfer, not the 60 s default), the good source beside the failing ones still stores its
records, nothing of a failing source is stored and its ETag/cursor stay unset, `status --json`
shows the error count and a last error naming the fault and the URL; after
alert_after_failures polls in a row the admins get one alert mail (the real SMTP server), and
only for that source. The daemon (`run`) retries a failing source on its schedule (backoff,
capped at the interval), keeps running, and recovers when the server does. MyJVN requests are
retried (`retries = 1`) for the transient faults and not for the permanent ones, Retry-After is
honoured, and the poll then fails alone.

One CSAF document that stalls, is cut short, is oversized or answers 503 while its changes.csv
is fine: skipped with a problem naming it, the others stored, fetched again at the next poll
(which fails when every new document is refused), stored once it can be read. The daemon's
next poll of a jvn-rss, kev, csaf or jvn-detail-feed source answered 429/503 with Retry-After
comes no earlier than Retry-After (16 s, beyond the 10 s interval that caps the backoff of a
plain 500)."""
import hashlib
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import fault_support as fs  # noqa: E402
import vwtest as t  # noqa: E402

TIMEOUT = 2  # seconds, every source's `timeout`
server = fs.FaultServer()
ws = t.Workspace("faults-http")
server.serve("feed.rdf", ds.feed(3))
refused, _ = fs.refused_url()

# (source name, URL, what its last error must say)
FEEDS = [
    ("dns", "http://%s/feed.rdf" % fs.DNS_FAIL_HOST, "cannot resolve the host name"),
    ("refused", refused, "connection refused"),
    ("tls-handshake", server.url("ok/feed.rdf", "tls_garbage"), "TLS handshake failed"),
    ("cert-expired", server.url("ok/feed.rdf", "tls_expired"), "certificate has expired"),
    ("cert-wrong-host", server.url("ok/feed.rdf", "tls_wronghost"),
     "no alternative certificate subject name matches"),
    ("stall-headers", server.url("stall-headers/feed.rdf"), "timed out after 2000 ms"),
    ("stall-body", server.url("stall-body/feed.rdf"), "timed out after 2000 ms"),
    ("truncated", server.url("truncate/feed.rdf"), "response body truncated"),
    ("http-500", server.url("status/500/feed.rdf"), "HTTP status 500"),
    ("http-429", server.url("status/429/feed.rdf?ra=120"), "HTTP status 429"),
    ("redirect-loop", server.url("redirect-loop/feed.rdf"), "too many redirects"),
    ("oversized", server.url("oversized/3000000/feed.rdf"), "response larger than 1048576 bytes"),
    ("oversized-chunked", server.url("oversized-chunked/3000000/feed.rdf"),
     "response larger than 1048576 bytes"),
    ("reset", server.url("reset/feed.rdf"), "Connection reset by peer"),
    ("not-http", server.url("garbage/feed.rdf"), "not HTTP"),
]
STALLS = 2  # sources that cost one timeout each


def feed_config(db, sources, extra=""):
    smtp = "smtp://127.0.0.1:%s" % t.env("TS_SMTP_PORT")
    text = f"""[store]
path = {db}

[daemon]
admin = {ws.address("ops")}

[notifier.mail]
type = email
smtp = {smtp}
from = vulnwatch <vulnwatch@example.jp>
user = {t.env("TS_SMTP_USER")}
password = {t.env("TS_SMTP_PASS")}
ca_file = {t.env("TS_CA_CERT")}
timeout = 10s
"""
    for name, url, source_extra in sources:
        text += f"""
[source.{name}]
type = jvn-rss
url = {url}
timeout = {TIMEOUT}s
max_bytes = 1M
ca_file = {server.ca}
{source_extra}"""
    return ws.write("vulnwatch.conf" if not extra else extra, text)


def query(db, sql):
    con = t.db_connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def feeds_row():
    print("\n== HTTP feeds (jvn-rss) ==")
    sources = [("good", server.url("ok/feed.rdf"), "")]
    sources += [(name, url, "alert_after_failures = 2\n" if name == "refused" else "")
                for name, url, _ in FEEDS]
    cfg = feed_config(ws.db, sources)
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 3, "poll --once with failing sources exits 3 (got %d)" % p.returncode)
    t.check(took < STALLS * TIMEOUT + 8,
            "the poll is bounded by the timeouts: %.1f s for %d stalls of %d s" %
            (took, STALLS, TIMEOUT))
    t.check(query(ws.db, "SELECT count(*) FROM record WHERE channel = 'good'")[0][0] == 3,
            "the good source stored its 3 records beside the failing ones")
    t.check(query(ws.db, "SELECT count(*) FROM record WHERE channel != 'good'")[0][0] == 0,
            "nothing of a failing source is stored")
    states = {r[0]: r[1:] for r in query(ws.db, "SELECT source, etag, cursor, error_count "
                                                "FROM source_state")}
    sources_status = fs.status_sources(cfg)
    for name, url, expected in FEEDS:
        s = sources_status.get(name, {})
        last = s.get("last_error") or ""
        t.check(s.get("error_count") == 1 and expected in last and url.split("?")[0] in last,
                "%s: error counted, last error names the fault and the URL (%r)" %
                (name, last[:160]))
        etag, cursor, _ = states.get(name, ("", "", 0))
        t.check(not etag and not cursor, "%s: no ETag or cursor was saved" % name)
        t.check(name in p.stderr and "poll failed" in p.stderr, "%s: the log names the failure"
                % name)
    requests = server.stats()
    for mode in ("stall-headers", "stall-body", "truncate", "status/500", "status/429",
                 "reset", "garbage"):
        t.check(requests.get("/%s/feed.rdf" % mode) == 1,
                "%s: one request per poll (the daemon's schedule retries, not a loop)" % mode)
    t.check(requests.get("/redirect-loop/feed.rdf", 0) <= 6,
            "the redirect loop is followed at most 5 times (%s)" %
            requests.get("/redirect-loop/feed.rdf"))

    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 3 and took < STALLS * TIMEOUT + 8, "a second poll fails alike, "
            "bounded (%.1f s)" % took)
    sources_status = fs.status_sources(cfg)
    t.check(all(sources_status.get(n, {}).get("error_count") == 2 for n, _, _ in FEEDS),
            "every failing source counts 2 failures in a row")
    t.check(sources_status.get("good", {}).get("error_count") == 0 and
            query(ws.db, "SELECT count(*) FROM record")[0][0] == 3,
            "the good source: no error, nothing stored twice")
    # alert_after_failures = 2 on "refused" only (the others keep the default 3)
    alerts = query(ws.db, "SELECT subject, state FROM outbox WHERE subject LIKE "
                          "'[vulnwatch] 監視%'")
    t.check(len(alerts) == 1 and "refused" in alerts[0][0] and alerts[0][1] == "delivered",
            "one admin alert, for the source that failed alert_after_failures = 2 times, "
            "delivered: %r" % alerts)
    mails = t.mails_for(ws.tag)
    t.check(len(mails) == 1 and "refused" in str(mails[0][1]["Subject"]),
            "the admin got the alert mail (%d mails)" % len(mails))
    if mails:
        body = mails[0][1].get_body(preferencelist=("plain",)).get_content()
        t.check("connection refused" in body, "the alert says what failed")
    t.run(["poll", "--once"], config=cfg)
    subjects = [r[0] for r in query(ws.db, "SELECT subject FROM outbox WHERE subject LIKE "
                                           "'[vulnwatch] 監視%'")]
    t.check(sum(" refused " in s for s in subjects) == 1,
            "a third failure raises no second alert for the same source")
    t.check(len(subjects) == len(FEEDS),
            "the third failure in a row (the default alert_after_failures = 3) alerts for "
            "each of the other sources, once: %d alerts" % len(subjects))


def daemon_row():
    print("\n== the daemon retries a failing feed on its schedule and recovers ==")
    db = os.path.join(ws.dir, "daemon.db")
    late = "late-%s.rdf" % ws.tag
    cfg = feed_config(db, [("late", server.url("ok/" + late), "interval = 10s\n")],
                      extra="daemon.conf")
    log_path = os.path.join(ws.dir, "daemon.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log, stderr=log)
    try:
        path = "/ok/" + late
        t.check(t.wait_until(lambda: len(server.requests_to(path)) >= 2, 25),
                "the daemon polls the failing source again")
        times = [r["time"] for r in server.requests_to(path)]
        gap = times[1] - times[0] if len(times) >= 2 else 0
        t.check(9.0 <= gap <= 16.0,
                "after a failure it waits (backoff, capped at the 10 s interval): %.1f s" % gap)
        t.check(proc.poll() is None, "the daemon keeps running while the source fails")
        server.serve(late, ds.feed(2, first=50))
        t.check(t.wait_until(lambda: query(db, "SELECT count(*) FROM record")[0][0] == 2, 25),
                "once the server has the feed, the next poll stores it")
        s = fs.status_sources(cfg).get("late", {})
        t.check(s.get("error_count") == 0 and not s.get("last_error"),
                "status: the error count is reset by the good poll (%r)" % s)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
    t.check(rc == 0, "the daemon stops with exit 0 (got %s)" % rc)
    text = t.read_text(log_path)
    t.check("poll failed" in text and "HTTP status 404" in text,
            "the daemon's log has the failed polls")


# MyJVN: (source name, URL path under the fault server or full URL, requests expected with
# retries = 1, what the error must say)
def myjvn_row():
    print("\n== MyJVN API (myjvn) ==")
    db = os.path.join(ws.dir, "myjvn.db")
    base = server.url("")
    cases = [
        ("dns", "http://%s/myjvn" % fs.DNS_FAIL_HOST, None, "resolve"),
        ("refused", refused, None, "connection refused"),
        ("tls-handshake", server.url("ok/myjvn", "tls_garbage"), None, "TLS handshake failed"),
        ("cert-expired", server.url("ok/myjvn", "tls_expired"), None, "certificate has expired"),
        ("cert-wrong-host", server.url("ok/myjvn", "tls_wronghost"), None,
         "no alternative certificate subject name"),
        ("stall-headers", base + "stall-headers/myjvn", 2, "timed out"),
        ("stall-body", base + "stall-body/myjvn", 2, "timed out"),
        ("truncated", base + "truncate/myjvn", 2, "truncated"),
        ("http-500", base + "status/500/myjvn", 2, "HTTP status 500"),
        ("http-429", base + "status/429/myjvn", 2, "HTTP status 429"),
        ("redirect-loop", base + "redirect-loop/myjvn", None, "too many redirects"),
        ("oversized", base + "oversized/3000000/myjvn", 2, "larger than"),
        ("reset", base + "reset/myjvn", 2, "reset"),
    ]
    text = "[store]\npath = %s\n" % db
    for name, url, _, _ in cases:
        text += ("\n[source.%s]\ntype = myjvn\nurl = %s\ntimeout = %ds\nmax_bytes = 1M\n"
                 "ca_file = %s\nrequest_interval = 100ms\nretries = 1\n" %
                 (name, url, TIMEOUT, server.ca))
    cfg = ws.write("myjvn.conf", text)
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 3, "poll --once with failing MyJVN sources exits 3 (got %d)"
            % p.returncode)
    # 2 stalls x 2 attempts x 2 s, plus the pauses between attempts
    t.check(took < 2 * 2 * TIMEOUT + 15, "bounded by the timeouts and retries: %.1f s" % took)
    status = fs.status_sources(cfg)
    for name, url, attempts, expected in cases:
        last = status.get(name, {}).get("last_error") or ""
        t.check(status.get(name, {}).get("error_count") == 1 and expected in last,
                "myjvn %s: the poll fails with %r (%r)" % (name, expected, last[:160]))
        if attempts is not None:
            path = url[len(base) - 1:]
            got = len(server.requests_to(path))
            t.check(got == attempts, "myjvn %s: retried once (retries = 1): %d requests"
                    % (name, got))
    reqs = server.requests_to("/status/429/myjvn")
    if len(reqs) == 2:
        t.check(reqs[1]["time"] - reqs[0]["time"] >= 0.9,
                "myjvn 429: the retry waits for Retry-After (1 s): %.2f s" %
                (reqs[1]["time"] - reqs[0]["time"]))
    t.check(query(db, "SELECT count(*) FROM record")[0][0] == 0, "myjvn: nothing stored")
    t.check(all(not r[0] for r in query(db, "SELECT cursor FROM source_state")),
            "myjvn: no cursor advanced")


def csaf_row():
    print("\n== CSAF source (type = csaf): the listing (changes.csv) fails ==")
    db = os.path.join(ws.dir, "csaf.db")
    text = "[store]\npath = %s\n" % db
    cases = []
    for name, url, expected in FEEDS:
        # the same faults, on the changes.csv the source lists the documents from
        listing = url.replace("feed.rdf", "changes.csv")
        if name == "refused":
            listing = refused.replace("feed.rdf", "changes.csv")
        cases.append((name, listing, expected))
        text += ("\n[source.%s]\ntype = csaf\nurl = %s\ntimeout = %ds\nmax_bytes = 1M\n"
                 "ca_file = %s\n" % (name, listing, TIMEOUT, server.ca))
    cfg = ws.write("csaf.conf", text)
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 3, "poll --once with failing CSAF sources exits 3 (got %d)"
            % p.returncode)
    t.check(took < STALLS * TIMEOUT + 8, "bounded by the timeouts: %.1f s" % took)
    status = fs.status_sources(cfg)
    for name, url, expected in cases:
        last = status.get(name, {}).get("last_error") or ""
        t.check(status.get(name, {}).get("error_count") == 1 and expected in last,
                "csaf %s: the poll fails with %r (%r)" % (name, expected, last[:160]))
    t.check(query(db, "SELECT count(*) FROM record")[0][0] == 0, "csaf: nothing stored")
    t.check(all(not r[0] for r in query(db, "SELECT cursor FROM source_state")),
            "csaf: no cursor advanced")


def csaf_document(cve):
    """A CSAF document written for this test (fictitious vendor and CVE)."""
    return json.dumps({
        "document": {
            "category": "csaf_security_advisory", "csaf_version": "2.0",
            "title": "Example Infusion Pump", "publisher": {
                "category": "vendor", "name": "Example", "namespace": "https://example.jp"},
            "tracking": {"id": "ICSMA-99-%s" % cve[-3:], "status": "final", "version": "1",
                         "initial_release_date": "2024-01-01T00:00:00Z",
                         "current_release_date": "2024-01-01T00:00:00Z",
                         "revision_history": []}},
        "vulnerabilities": [{"cve": cve, "title": "Example flaw"}],
    }).encode()


def csaf_documents_row():
    print("\n== CSAF source: one document fails, its listing is fine ==")
    db = os.path.join(ws.dir, "csaf-docs.db")
    folder = "csafdocs-%s" % ws.tag
    os.makedirs(os.path.join(server.docroot, folder), exist_ok=True)
    docs = {"good": "CVE-2099-0101", "slow": "CVE-2099-0102", "cut": "CVE-2099-0103",
            "huge": "CVE-2099-0104", "busy": "CVE-2099-0105"}
    for name, cve in docs.items():
        data = csaf_document(cve)
        server.serve("%s/%s.json" % (folder, name), data)
        server.serve("%s/%s.json.sha512" % (folder, name),
                     ("%s  %s.json\n" % (hashlib.sha512(data).hexdigest(), name)).encode())
    # Each document behind its own fault (changes.csv may name absolute URLs).
    faults = {
        "good": server.url("ok/%s/good.json" % folder),
        "slow": server.url("stall-body/%s/slow.json" % folder),
        "cut": server.url("truncate/%s/cut.json" % folder),
        "huge": server.url("oversized/3000000/%s/huge.json" % folder),
        "busy": server.url("status/503/%s/busy.json" % folder),
    }
    expected = {"slow": "timed out after 2000 ms", "cut": "response body truncated",
                "huge": "response larger than 1048576 bytes", "busy": "HTTP status 503"}
    server.serve("%s/changes.csv" % folder, "".join(
        '"%s","2024-06-11T06:00:00Z"\n' % url for url in faults.values()).encode())
    cfg = ws.write("csaf-docs.conf", "[store]\npath = %s\n\n[source.docs]\ntype = csaf\n"
                   "url = %s\ntimeout = %ds\nmax_bytes = 1M\n" %
                   (db, server.url("ok/%s/changes.csv" % folder), TIMEOUT))
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 0, "the poll succeeds: the listing was read and one document "
            "stored (exit %d)" % p.returncode)
    t.check(took < 3 * TIMEOUT + 8, "a stalled document costs one timeout: %.1f s" % took)
    cves = sorted(r[0] for r in query(db, "SELECT record_id FROM record WHERE channel = 'docs'"))
    t.check(cves == ["CVE-2099-0101"], "the good document is stored, none of the failed: %s"
            % cves)
    for name, fault in expected.items():
        line = [x for x in p.stderr.splitlines() if "refused" in x and "/%s.json" % name in x]
        t.check(line and fault in line[0],
                "%s: skipped with a problem naming the document and the fault (%r)" %
                (name, (line or [""])[0][-200:]))
    s = fs.status_sources(cfg).get("docs", {})
    t.check(s.get("error_count") == 0, "the source's poll counts as a success (%r)" % s)

    # Only the refused documents are new now: every new document refused fails the poll (F),
    # so a document that keeps failing reaches the admins (alert_after_failures).
    p = t.run(["poll", "--once"], config=cfg)
    s = fs.status_sources(cfg).get("docs", {})
    t.check(p.returncode == 3 and s.get("error_count") == 1 and
            "4 new CSAF documents were refused" in (s.get("last_error") or ""),
            "the next poll, where every new document is refused, fails (exit %d, %r)"
            % (p.returncode, (s.get("last_error") or "")[:120]))
    for name in expected:
        path = faults[name].split("127.0.0.1:%d" % server.ports["http"])[1].split("?")[0]
        got = len([r for r in server.requests_to(path) if r["path"] == path])
        t.check(got == 2, "%s: fetched again at the next poll (%d requests)" % (name, got))
    good = "/ok/%s/good.json" % folder
    got = len([r for r in server.requests_to(good) if r["path"] == good])
    t.check(got == 1, "the stored document is not fetched again (%d requests)" % got)
    t.check(query(db, "SELECT count(*) FROM record WHERE channel = 'docs'")[0][0] == 1,
            "nothing stored twice")

    # The listing names the failed documents' fixed copies: they are stored, once.
    server.serve("%s/changes.csv" % folder, "".join(
        '"%s","2024-06-12T06:00:00Z"\n' % server.url("ok/%s/%s.json" % (folder, name))
        for name in docs).encode())
    p = t.run(["poll", "--once"], config=cfg)
    cves = sorted(r[0] for r in query(db, "SELECT record_id FROM record WHERE channel = 'docs'"))
    t.check(p.returncode == 0 and cves == sorted(docs.values()),
            "once the documents can be read, every one is stored once: %s" % cves)


def retry_after_row():
    print("\n== the daemon waits for Retry-After (jvn-rss, kev, csaf, jvn-detail-feed) ==")
    db = os.path.join(ws.dir, "retry-after.db")
    wait = 16  # seconds; more than the 10 s interval that caps the backoff
    text = "[store]\npath = %s\n" % db
    sources = [
        ("rss", "jvn-rss", server.url("status/429/ra-%s/feed.rdf?ra=%d" % (ws.tag, wait))),
        ("kev", "kev", server.url("status/503/ra-%s/kev.json?ra=%d" % (ws.tag, wait))),
        ("csaf", "csaf", server.url("status/429/ra-%s/changes.csv?ra=%d" % (ws.tag, wait))),
        ("detail", "jvn-detail-feed", server.url("status/429/ra-%s/detail/" % ws.tag)),
        ("plain", "jvn-rss", server.url("status/500/ra-%s/plain.rdf" % ws.tag)),
    ]
    for name, kind, url in sources:
        text += ("\n[source.%s]\ntype = %s\nurl = %s\ninterval = 10s\ntimeout = %ds\n"
                 % (name, kind, url, TIMEOUT))
        if kind == "jvn-detail-feed":  # its checksum.txt is what it fetches first
            text += "checksum_url = %s\n" % server.url("status/429/ra-%s/checksum.txt?ra=%d"
                                                       % (ws.tag, wait))
    cfg = ws.write("retry-after.conf", text)
    log_path = os.path.join(ws.dir, "retry-after.log")
    paths = {name: url.split("127.0.0.1:%d" % server.ports["http"])[1].split("?")[0]
             for name, _, url in sources}
    paths["detail"] = "/status/429/ra-%s/checksum.txt" % ws.tag
    with open(log_path, "w") as log:
        proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log, stderr=log)
    try:
        t.check(t.wait_until(lambda: all(len(server.requests_to(p)) >= 2
                                         for p in paths.values()), wait + 10),
                "the daemon polls every failing source a second time")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
    t.check(rc == 0, "the daemon stops with exit 0 (got %s)" % rc)
    for name, path in paths.items():
        times = [r["time"] for r in server.requests_to(path)]
        gap = times[1] - times[0] if len(times) >= 2 else 0
        if name == "plain":
            t.check(9.0 <= gap < wait - 2, "a 500 without Retry-After: the backoff, capped at "
                    "the 10 s interval (%.1f s)" % gap)
        else:
            t.check(wait - 0.5 <= gap < wait + 6, "%s: the second request waits for "
                    "Retry-After: %d s (%.1f s after the first)" % (name, wait, gap))
    text = t.read_text(log_path)
    t.check(text.count("(Retry-After)") >= 4, "the log says the server asked to wait")


try:
    feeds_row()
    myjvn_row()
    csaf_row()
    csaf_documents_row()
    daemon_row()
    retry_after_row()
finally:
    server.stop()
    ws.cleanup()
t.finish()
