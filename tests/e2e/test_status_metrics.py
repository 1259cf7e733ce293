#!/usr/bin/python3
"""`vulnwatch status` and the Prometheus metrics end to end (issue 15 part 5; docs/operations.md
"Monitoring"), with the real binary:

- a store with data: the demo feed imported, then the demo products (a re-match finds the
  matches); `status --json` agrees with the store read by Python's sqlite3 (records, items today
  per channel, matches, outbox, cases, audit head, database size); `status` prints Japanese, and
  English with --lang en; a bad option is a usage error (exit 2);
- `poll --once` with a source served by a loopback HTTP server and one that answers 404:
  exit 3, and [daemon] metrics_textfile written (no temporary file left), accepted by
  `promtool check metrics`, with the failure and the success per source;
- `serve` with [web] metrics = on: GET /metrics without a login, text/plain; version=0.0.4,
  accepted by promtool, the same numbers as `status --json`, no product or vulnerability names;
  POST is 405; with metrics off /metrics is 404;
- `run` (the daemon) writes the textfile after its first round, with its own poll gauges.
promtool is Debian's `prometheus` package: when it is missing the test is skipped (exit 77),
unless CI=true, where that is a failure. Needs no loopback test server."""
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

PRODUCTS = os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")
FEED = os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")


def promtool():
    path = shutil.which("promtool") or ("/usr/bin/promtool" if os.path.exists("/usr/bin/promtool") else None)
    if path is None:
        if os.environ.get("CI") == "true":
            sys.exit("FAIL: promtool is missing (Debian package prometheus; scripts/install-deps.sh)")
        print("SKIP: promtool is missing (install the Debian package prometheus); "
              "test_status_metrics needs it to validate the exposition")
        sys.exit(77)
    return path


def promtool_check(tool, text, what):
    r = subprocess.run([tool, "check", "metrics"], input=text.encode(), capture_output=True,
                       timeout=60)
    t.check(r.returncode == 0, "promtool check metrics accepts %s (%s)" %
            (what, (r.stdout + r.stderr).decode(errors="replace").strip() or "no remarks"))


def samples(text):
    """{'name{labels}': value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def quiet_handler(docroot):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=docroot, **kwargs)

        def log_message(self, *args):
            pass
    return Handler


def write(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def store_numbers(db):
    con = t.db_connect(db)
    try:
        q = lambda sql, *a: con.execute(sql, a).fetchone()[0]  # noqa: E731
        day_start = (int(time.time()) + 9 * 3600) // 86400 * 86400 - 9 * 3600
        today = dict(con.execute("SELECT channel, count(*) FROM record WHERE first_seen >= ? "
                                 "GROUP BY channel", (day_start,)).fetchall())
        head = con.execute("SELECT id, hash FROM event_log ORDER BY id DESC LIMIT 1").fetchone()
        return {
            "records": q("SELECT count(*) FROM record"),
            "matches": q("SELECT count(*) FROM match"),
            "pending": q("SELECT count(*) FROM outbox WHERE state = 'pending'"),
            "dead": q("SELECT count(*) FROM outbox WHERE state = 'dead'"),
            "open": q("SELECT count(*) FROM vcase WHERE state NOT IN ('closed', 'false_positive', "
                      "'not_affected', 'risk_accepted')"),
            "cases": q("SELECT count(*) FROM vcase"),
            "today": today,
            "head": head,
            "products": [r[0] for r in con.execute("SELECT name FROM product")],
            "ids": [r[0] for r in con.execute("SELECT id FROM alias")],
        }
    finally:
        con.close()


def status_json(config, db):
    r = t.run(["status", "--json"], config=config, db=db)
    t.check(r.returncode == 0, "status --json exits 0 (%s)" % r.stderr.strip()[-300:])
    return json.loads(r.stdout)


def get(port, path, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path)
    resp = conn.getresponse()
    body = resp.read().decode("utf-8", errors="replace")
    conn.close()
    return resp.status, resp.getheader("Content-Type", ""), body


def start_serve(work, name, config, db):
    log_path = os.path.join(work, name + ".log")
    log = open(log_path, "w")
    proc = subprocess.Popen([t.BINARY, "--config", config, "--db", db, "serve"], stdout=log,
                            stderr=subprocess.STDOUT)
    line = t.wait_until(lambda: re.search(r"listening on http://127\.0\.0\.1:(\d+)",
                                          t.read_text(log_path)), 20)
    if not line:
        proc.kill()
        print(t.read_text(log_path))
        t.check(False, "%s: serve logs the address it listens on" % name)
        t.finish()
    return proc, int(line.group(1))


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def main():
    tool = promtool()
    work = tempfile.mkdtemp(prefix="vw-status-metrics-")
    db = os.path.join(work, "vulnwatch.db")
    docroot = os.path.join(work, "docroot")
    textdir = os.path.join(work, "textfile")
    os.makedirs(docroot)
    os.makedirs(textdir)
    shutil.copy(FEED, os.path.join(docroot, "demo.rdf"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), quiet_handler(docroot))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % httpd.server_address[1]
    prom = os.path.join(textdir, "vulnwatch.prom")
    sources = ("[source.demo]\ntype = jvn-rss\nurl = %s/demo.rdf\ninterval = 15m\n\n"
               "[source.broken]\ntype = jvn-rss\nurl = %s/missing.rdf\ninterval = 1h\n" % (base, base))
    config = write(work, "on.conf",
                   "[daemon]\nmetrics_textfile = %s\n\n[web]\nlisten = 127.0.0.1:0\n"
                   "metrics = on\n\n%s" % (prom, sources))
    config_off = write(work, "off.conf", "[web]\nlisten = 127.0.0.1:0\n\n" + sources)
    try:
        # --- a store with data: the demo feed, then the products (re-matched) --------------
        r = t.run(["import", FEED], config=config, db=db)
        t.check(r.returncode == 0, "the demo feed imports (%s)" % r.stderr.strip()[-200:])
        r = t.run(["products", "import", PRODUCTS], config=config, db=db)
        t.check(r.returncode == 0, "the demo products import (%s)" % r.stderr.strip()[-200:])
        truth = store_numbers(db)
        t.check(truth["records"] > 0 and truth["matches"] > 0,
                "the demo store has records (%d) and matches (%d)" % (truth["records"], truth["matches"]))

        s = status_json(config, db)
        t.check(s["records"] == truth["records"], "status: records %s = %s" % (s["records"], truth["records"]))
        t.check(s["matches"] == truth["matches"], "status: matches %s = %s" % (s["matches"], truth["matches"]))
        t.check(s["items_today"] == truth["today"],
                "status: items today per channel %s = %s" % (s["items_today"], truth["today"]))
        t.check(s["items_today"].get("import") == truth["records"], "status: every record came by import today")
        t.check(s["outbox"]["pending"] == truth["pending"] and s["outbox"]["dead"] == truth["dead"],
                "status: outbox pending %s, dead %s" % (s["outbox"]["pending"], s["outbox"]["dead"]))
        t.check(s["cases"]["open"] == truth["open"] and truth["open"] > 0,
                "status: open cases %s = %s" % (s["cases"]["open"], truth["open"]))
        t.check(sum(s["cases"]["by_state"].values()) == truth["cases"], "status: cases by state add up")
        t.check([s["audit"]["seq"], s["audit"]["hash"]] == list(truth["head"]),
                "status: audit head %s %s" % (s["audit"]["seq"], s["audit"]["hash"][:12]))
        size = t.db_size(db) if t.on_postgres() else os.path.getsize(db)
        t.check(s["database"]["bytes"] == size, "status: database bytes %s = %s" % (s["database"]["bytes"], size))
        t.check(s["database"]["path"] == t.db_location(db), "status: database path")
        names = [x["name"] for x in s["sources"]]
        t.check(names == ["demo", "broken"], "status: the configured sources in order (%s)" % names)
        t.check(all(x["last_success"] is None and x["next_poll"] is None for x in s["sources"]),
                "status: sources never polled have no last success and no next poll")

        r = t.run(["status"], config=config, db=db)
        t.check(r.returncode == 0 and "情報源" in r.stdout and "通知キュー" in r.stdout and
                "監査証跡の先頭: %d %s" % tuple(truth["head"]) in r.stdout,
                "status prints Japanese text with the audit head")
        r = t.run(["status", "--lang", "en"], config=config, db=db)
        t.check(r.returncode == 0 and "audit head: %d %s" % tuple(truth["head"]) in r.stdout and
                "outbox: pending %d" % truth["pending"] in r.stdout, "status --lang en prints English")
        r = t.run(["status", "--lang", "fr"], config=config, db=db)
        t.check(r.returncode == 2 and "--lang must be ja or en" in r.stderr, "status --lang fr: exit 2")
        r = t.run(["status", "extra"], config=config, db=db)
        t.check(r.returncode == 2, "status with an argument: exit 2")
        # A secret file the notifier names is missing (not deployed yet, or a typo): the status
        # still reports, where every command that sends would refuse to start.
        nosecret = write(work, "nosecret.conf", sources + "\n[notifier.mail]\ntype = email\n"
                         "smtp = smtp://127.0.0.1:2525\nfrom = vw@example.co.jp\nuser = vw\nto = psirt@example.co.jp\n"
                         "password_file = %s\n" % os.path.join(work, "missing-secret"))
        r = t.run(["status", "--json"], config=nosecret, db=db)
        t.check(r.returncode == 0 and json.loads(r.stdout)["database"]["path"] == t.db_location(db),
                "status reports with a secret file missing (%s)" % r.stderr.strip()[-200:])
        r = t.run(["config", "check"], config=nosecret)
        t.check(r.returncode == 2 and "missing-secret" in r.stderr,
                "config check still names the missing secret file (%s)" % r.stderr.strip()[-200:])

        # --- poll --once: one source works, one fails; the textfile -------------------------
        before = int(time.time())
        r = t.run(["poll", "--once"], config=config, db=db)
        t.check(r.returncode == 3, "poll --once with a failing source exits 3 (got %d)" % r.returncode)
        t.check(os.path.exists(prom), "poll --once wrote [daemon] metrics_textfile")
        t.check(sorted(os.listdir(textdir)) == [".vulnwatch.prom.lock", "vulnwatch.prom"],
                "no temporary file is left beside it, only the lock file (%s)"
                % os.listdir(textdir))
        text = t.read_text(prom)
        promtool_check(tool, text, "the textfile of poll --once")
        m = samples(text)
        truth = store_numbers(db)
        t.check(m.get('vulnwatch_source_consecutive_failures{source="broken"}') == 1,
                "textfile: the broken source failed once")
        t.check(m.get('vulnwatch_source_consecutive_failures{source="demo"}') == 0,
                "textfile: the demo source did not fail")
        t.check(m.get('vulnwatch_source_last_success_timestamp_seconds{source="demo"}', 0) >= before,
                "textfile: the demo source's last success is this poll")
        t.check(m.get('vulnwatch_source_last_success_timestamp_seconds{source="broken"}') == 0,
                "textfile: the broken source never succeeded")
        t.check(m.get('vulnwatch_source_items_today{source="demo"}') == truth["today"].get("demo"),
                "textfile: items today of demo = %s" % truth["today"].get("demo"))
        t.check(m.get("vulnwatch_records_total") == truth["records"], "textfile: records_total")
        t.check(m.get('vulnwatch_outbox_messages{state="pending"}') == truth["pending"],
                "textfile: queue depth")
        t.check(m.get("vulnwatch_audit_events_total") == truth["head"][0], "textfile: audit events")
        t.check("vulnwatch_daemon_polls" not in text, "poll --once writes no daemon gauges")

        s = status_json(config, db)
        broken = [x for x in s["sources"] if x["name"] == "broken"][0]
        demo = [x for x in s["sources"] if x["name"] == "demo"][0]
        t.check(broken["error_count"] == 1 and "404" in broken["last_error"],
                "status: broken has one failure and its error (%s)" % broken["last_error"])
        t.check(demo["items_today"] == truth["today"].get("demo") and demo["items_today"] > 0,
                "status: demo's items today (%s)" % demo["items_today"])
        t.check(demo["last_success"] is not None and demo["next_poll"] is not None,
                "status: demo has a last success and a next poll")

        # --- serve: /metrics ---------------------------------------------------------------
        proc, port = start_serve(work, "on", config, db)
        try:
            status, ctype, body = get(port, "/metrics")
            t.check(status == 200, "GET /metrics without a login: 200 (got %d)" % status)
            t.check(ctype.startswith("text/plain") and "version=0.0.4" in ctype,
                    "/metrics is text/plain; version=0.0.4 (%s)" % ctype)
            promtool_check(tool, body, "GET /metrics")
            m = samples(body)
            t.check(m.get("vulnwatch_records_total") == truth["records"] and
                    m.get("vulnwatch_matches") == truth["matches"] and
                    m.get("vulnwatch_cases_open") == truth["open"],
                    "/metrics: records, matches and open cases as in the store")
            leaked = [n for n in truth["products"] + truth["ids"] if n in body]
            t.check(not leaked, "/metrics names no product and no vulnerability (%s)" % leaked[:3])
            t.check("# TYPE vulnwatch_records_total counter" in body and
                    "# TYPE vulnwatch_outbox_messages gauge" in body, "/metrics: TYPE lines")
            status, ctype, _ = get(port, "/metrics", "HEAD")
            t.check(status == 200 and "version=0.0.4" in ctype, "HEAD /metrics: 200 (got %d)" % status)
            status, _, _ = get(port, "/metrics", "POST")
            t.check(status == 405, "POST /metrics: 405 (got %d)" % status)
        finally:
            stop(proc)
        proc, port = start_serve(work, "off", config_off, db)
        try:
            status, _, _ = get(port, "/metrics")
            t.check(status == 404, "[web] metrics off: /metrics is 404 (got %d)" % status)
        finally:
            stop(proc)

        # --- the alerting rules of docs/operations.md ---------------------------------------
        doc = t.read_text(os.path.join(t.SOURCE_DIR, "docs", "operations.md"))
        rules = re.search(r"### Alerting.*?```yaml\n(.*?)```", doc, re.S)
        t.check(rules is not None, "docs/operations.md has alerting rules")
        if rules:
            path = write(work, "rules.yml", rules.group(1))
            r = subprocess.run([tool, "check", "rules", path], capture_output=True, timeout=60)
            t.check(r.returncode == 0, "promtool check rules accepts them (%s)" %
                    (r.stdout + r.stderr).decode(errors="replace").strip()[-300:])
            for name in re.findall(r"\b(vulnwatch_[a-z_]+)", rules.group(1)):
                t.check(("# TYPE %s " % name) in body, "the rules' metric %s is exposed" % name)

        # --- the daemon writes the textfile after its round --------------------------------
        os.remove(prom)
        log_path = os.path.join(work, "run.log")
        log = open(log_path, "w")
        proc = subprocess.Popen([t.BINARY, "--config", config, "--db", db, "run"], stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            ok = t.wait_until(lambda: "vulnwatch_daemon_polls" in t.read_text(prom)
                              if os.path.exists(prom) else False, 30)
            t.check(bool(ok), "run wrote the textfile after its first round")
            if ok:
                text = t.read_text(prom)
                promtool_check(tool, text, "the daemon's textfile")
                m = samples(text)
                t.check(m.get('vulnwatch_daemon_polls{source="demo"}') == 1 and
                        m.get('vulnwatch_daemon_poll_failures{source="broken"}') == 1,
                        "the daemon's textfile counts its own polls and failures")
                t.check(m.get('vulnwatch_source_consecutive_failures{source="broken"}') == 2,
                        "the broken source has now failed twice in a row")
                t.check("# TYPE vulnwatch_daemon_polls gauge" in text,
                        "the daemon's poll counts are gauges (not stored)")
        finally:
            stop(proc)
    finally:
        httpd.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
