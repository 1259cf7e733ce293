#!/usr/bin/python3
"""The advisories, deliveries and audit pages of `vulnwatch serve` end to end (issue 13 part 2;
docs/web.md "Advisories", "Deliveries", "Audit"), with the real binary on a free loopback port,
a store filled by the CLI (the demo's products and feed, plus a feed with hostile titles), two
loopback webhook receivers (one accepts, one refuses with 400: dead letters) and login
sessions made with store/users.h (make_session):

- /advisories: search by alias (CVE-, JVNDB-, JVN#, JVNVU written without '#') goes to the
  page; text search; filters; the hostile titles are text, never markup (no <img>, no script
  but /static/app.js); the CSP header;
- /advisories/ID: the vulnerability page (records per channel, matches, the case link) and
  the advisory page (the vulnerabilities it covers); 404 for an unknown id;
- /deliveries: the state filter, dead letters marked, the hostile subject as text, an admin's
  retry form (id requeue-N) that queues the message again as `deliveries retry` does, audited
  with the admin; a viewer is refused;
- /audit: the verification shown with the head `audit head` prints; /audit/export equals what
  `vulnwatch audit export` prints (JSON lines byte for byte; the text report but for its
  "made" time), as an attachment; a viewer may not export.
Needs no loopback test server (it starts its own receivers)."""
import html.parser
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402
import web_support as ws  # noqa: E402

PASSWORD = "correct horse battery staple 7"
HOSTILE = "<script>alert(1)</script>"
HOSTILE2 = "\"><img src=x onerror=alert(1)>"


def hostile_feed():
    """A JVN iPedia RSS document with two items whose titles (and one summary) are hostile;
    both name the test product's CPE, so each match notifies both webhook notifiers."""
    items = []
    ids = []
    for n, title in ((1, HOSTILE + " テスト"), (2, HOSTILE2 + " テスト")):
        jvndb = "JVNDB-2026-90000%d" % n
        ids.append(jvndb)
        url = "https://jvndb.jvn.jp/ja/contents/2026/%s.html" % jvndb
        esc = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        items.append(f"""  <item rdf:about="{url}">
    <title>{esc}</title>
    <link>{url}</link>
    <description>{HOSTILE2.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")} SYNTHETIC</description>
    <sec:identifier>{jvndb}</sec:identifier>
    <sec:references source="CVE" id="CVE-2026-9900{n}">https://www.cve.org/CVERecord?id=CVE-2026-9900{n}</sec:references>
    <sec:cpe version="2.2" vendor="vwtest" product="infusion pump firmware">{ds.CPE22}</sec:cpe>
    <sec:cvss version="3.0" score="{9.8 if n == 1 else 5.3}" type="Base" severity="{"Critical" if n == 1 else "Medium"}" vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"/>
    <dc:date>2026-01-05T10:00+09:00</dc:date>
    <dcterms:issued>2026-01-05T10:00+09:00</dcterms:issued>
    <dcterms:modified>2026-01-05T10:00+09:00</dcterms:modified>
  </item>""")
    seq = "\n".join('        <rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/2026/%s.html"/>'
                    % i for i in ids)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- SYNTHETIC: written by tests/e2e/test_web_advisories.py (hostile titles). -->
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:sec="http://jvn.jp/rss/mod_sec/" xml:lang="ja">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf">
    <title>SYNTHETIC</title>
    <link>https://jvndb.jvn.jp/</link>
    <description>SYNTHETIC</description>
    <items>
      <rdf:Seq>
{seq}
      </rdf:Seq>
    </items>
  </channel>
{chr(10).join(items)}
</rdf:RDF>
""".encode("utf-8")


class Tags(html.parser.HTMLParser):
    """The start tags of a page (name, attributes) and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_page(body):
    p = Tags()
    p.feed(body)
    return p


def check_page_safe(where, body):
    """No markup from feed text: no <img>, no script but the app's own, no on* attribute."""
    p = parse_page(body)
    bad = []
    for tag, attrs in p.tags:
        if tag == "img":
            bad.append("img")
        if tag == "script" and attrs.get("src") != "/static/app.js":
            bad.append("script %r" % attrs)
        for name in attrs:
            if name.startswith("on"):
                bad.append("%s %s" % (tag, name))
    t.check(not bad, "%s: no markup from feed text (%s)" % (where, bad))
    return p


class Server(ws.Serve):
    def __init__(self, work, config, db):
        super().__init__(work, db, config=config, log_level=None)

    def request(self, method, path, cookie=None, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if cookie:
            h["Cookie"] = cookie
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["Origin"] = "http://127.0.0.1:%d" % self.port
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        raw = r.read()
        got = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        return r.status, got, raw

    def get(self, path, cookie):
        status, headers, raw = self.request("GET", path, cookie)
        return status, headers, raw.decode("utf-8", "replace")


def make_session(db, user):
    token, csrf = ws.make_session(db, user)
    return "vw_session=" + token, csrf


def main():
    work = tempfile.mkdtemp(prefix="vw-web-adv-")
    ok = ds.Receiver(lambda r: (200, [], b"ok")).start()
    refused = ds.Receiver(lambda r: (400, [], ("no such channel " + HOSTILE2).encode())).start()
    try:
        run_all(work, ok, refused)
    finally:
        ok.stop()
        refused.stop()
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def run_all(work, ok, refused):
    db = os.path.join(work, "web.db")
    config = os.path.join(work, "vulnwatch.conf")
    with open(config, "w", encoding="utf-8") as f:
        f.write("""[store]
path = {db}

[web]
listen = 127.0.0.1:0

[notifier.chat-ok]
type = webhook
url = {ok}

[notifier.chat-refused]
type = webhook
url = {refused}
""".format(db=db, ok=ok.url(), refused=refused.url()))
    products = os.path.join(work, "products.json")
    with open(products, "w", encoding="utf-8") as f:
        f.write(ds.products_json())
    feed = os.path.join(work, "hostile.rdf")
    with open(feed, "wb") as f:
        f.write(hostile_feed())
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          config=config, check_rc=0)
    t.run(["products", "import", products], config=config, check_rc=0)
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")],
          config=config, check_rc=0)
    t.run(["import", feed], config=config, check_rc=0)
    t.run(["poll", "--once"], config=config, check_rc=0)
    pw = os.path.join(work, "password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    for name, role, extra in [("alice", "admin", []), ("vic", "viewer", []),
                              ("tomo", "triager", ["--product", "VW Test Infusion Pump"])]:
        t.run(["users", "add", name, "--role", role, "--password-file", pw, "--by", "setup"]
              + extra, config=config, check_rc=0)
    admin, admin_csrf = make_session(db, "alice")
    viewer, viewer_csrf = make_session(db, "vic")
    triager, _ = make_session(db, "tomo")

    server = Server(work, config, db)
    try:
        advisories_checks(server, viewer, config)
        deliveries_checks(server, admin, admin_csrf, viewer, viewer_csrf, config)
        audit_checks(server, admin, viewer, triager, config, db)
    finally:
        rc = server.stop()
    t.check(rc == 0, "SIGTERM stops serve with exit 0 (%r)" % rc)


def advisories_checks(s, viewer, config):
    status, h, body = s.get("/advisories", viewer)
    t.check(status == 200, "GET /advisories: 200 (%d)" % status)
    csp = h.get("content-security-policy", "")
    t.check("default-src 'none'" in csp and "unsafe-inline" not in csp,
            "the list carries the page CSP (%r)" % csp)
    t.check(h.get("x-content-type-options") == "nosniff", "nosniff on the list")
    p = check_page_safe("/advisories", body)
    text = "".join(p.text)
    t.check(HOSTILE in text and HOSTILE2 in text,
            "the hostile titles show as text on the list")
    for id_ in ("JVNDB-2021-005429", "JVNDB-2026-900001", "JVNDB-2023-004814"):
        t.check('href="/advisories/%s"' % id_ in body, "the list links %s" % id_)
    t.check(any(tag == "form" and a.get("id") == "advisory-search" for tag, a in p.tags),
            "the search form has id advisory-search")

    # Filters.
    status, _, body = s.get("/advisories?min_score=9.0", viewer)
    t.check(status == 200 and "JVNDB-2021-005429" in body and "JVNDB-2026-900002" not in body
            and "JVNDB-2022-017708" not in body,
            "min_score=9.0 keeps the 10.0 and 9.8 ones, drops 5.3 and 5.5")
    status, _, body = s.get("/advisories?product=" + urllib.parse.quote("VW Test Infusion Pump"),
                            viewer)
    t.check("JVNDB-2026-900001" in body and "JVNDB-2021-005429" not in body,
            "product= keeps the clusters matched to that product only")
    status, _, body = s.get("/advisories?q=ruby-git", viewer)
    t.check(status == 200 and "JVNDB-2023-000001" in body and "JVNDB-2021-005429" not in body,
            "a text search finds by title")
    status, _, body = s.get("/advisories?min_score=lots", viewer)
    t.check(status == 400 and "CVSS" in body, "a bad min_score: 400 naming it (%d)" % status)

    # Aliases go straight to the page.
    for q, where in (("CVE-2021-44228", "/advisories/CVE-2021-44228"),
                     ("jvndb-2021-005429", "/advisories/JVNDB-2021-005429"),
                     ("JVN#16765254", "/advisories/JVN%2316765254"),
                     ("JVNVU96768815", "/advisories/JVNVU%2396768815")):
        status, h, _ = s.get("/advisories?q=" + urllib.parse.quote(q), viewer)
        t.check(status == 303 and h.get("location") == where,
                "q=%s goes to %s (%d %r)" % (q, where, status, h.get("location")))

    # The vulnerability page.
    status, h, body = s.get("/advisories/CVE-2021-44228", viewer)
    t.check(status == 200, "the cluster page by its CVE: 200 (%d)" % status)
    p = check_page_safe("/advisories/CVE-2021-44228", body)
    t.check("<title>JVNDB-2021-005429 — vulnwatch</title>" in body, "titled by its JVNDB id")
    t.check('id="advisory-records"' in body and ">import<" in body,
            "the records table names the channel (import)")
    t.check("Example Imaging Viewer" in body and 'id="advisory-matches"' in body,
            "the match with the Example Imaging Viewer is shown")
    case_links = re.findall(r'href="/cases/(\d+)"', body)
    p = subprocess.run([t.BINARY, "--config", config, "cases", "list", "--json"],
                       capture_output=True, text=True)
    cli_cases = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    log4j_cases = [str(c["id"]) for c in cli_cases
                   if c.get("cluster_key") in ("JVNDB-2021-005429", "CVE-2021-44228")]
    t.check(case_links and set(case_links) == set(log4j_cases),
            "the page links the cases the CLI lists for it (%r vs %r)" % (case_links,
                                                                         log4j_cases))
    t.check('href="/advisories/JVNVU%2396768815"' in body, "it links the covering JVNVU#")

    # The advisory page (JVN#: '#' percent-encoded in the path).
    status, _, body = s.get("/advisories/JVN%2316765254", viewer)
    t.check(status == 200 and "<title>JVN#16765254 — vulnwatch</title>" in body,
            "the advisory page of JVN#16765254 (%d)" % status)
    t.check('id="advisory-clusters"' in body and 'href="/advisories/JVNDB-2023-000001"' in body,
            "it lists and links the vulnerability it covers")

    # Hostile titles on their page; unknown ids.
    status, _, body = s.get("/advisories/JVNDB-2026-900002", viewer)
    p = check_page_safe("/advisories/JVNDB-2026-900002", body)
    t.check(status == 200 and HOSTILE2 in "".join(p.text), "the hostile title shows as text")
    status, h, body = s.get("/advisories/CVE-1999-0001", viewer)
    t.check(status == 404 and "CVE-1999-0001" in body and "default-src 'none'" in
            h.get("content-security-policy", ""), "an unknown id: 404 page (%d)" % status)
    status, _, body = s.get("/advisories/" + urllib.parse.quote(HOSTILE, safe=""), viewer)
    check_page_safe("404 of a hostile id", body)
    t.check(status == 404, "a hostile id: 404")
    status, h, _ = s.get("/advisories", None)
    t.check(status == 303 and h.get("location", "").startswith("/login?next="),
            "without a session: to the login page")


def deliveries_checks(s, admin, admin_csrf, viewer, viewer_csrf, config):
    p = subprocess.run([t.BINARY, "--config", config, "deliveries", "list", "--json"],
                       capture_output=True, text=True)
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    dead = [r for r in rows if r["state"] == "dead"]
    delivered = [r for r in rows if r["state"] == "delivered"]
    t.check(dead and delivered, "the setup made dead letters and deliveries (%d, %d)"
            % (len(dead), len(delivered)))
    if not dead or not delivered:
        return
    status, h, body = s.get("/deliveries", viewer)
    t.check(status == 200, "GET /deliveries: 200")
    p = check_page_safe("/deliveries", body)
    t.check('id="delivery-dead-notice"' in body, "dead letters are announced above the list")
    t.check('id="requeue-' not in body, "a viewer gets no retry form")
    status, _, body = s.get("/deliveries?state=dead", viewer)
    p = check_page_safe("/deliveries?state=dead", body)
    shown = set(int(n) for n in re.findall(r'<tr id="delivery-(\d+)"', body))
    t.check(shown == set(r["id"] for r in dead),
            "state=dead lists exactly the dead letters (%r)" % sorted(shown))
    t.check(body.count("dead-letter") >= len(dead), "each dead letter is marked")
    text = "".join(p.text)
    t.check(any(HOSTILE in r["subject"] for r in dead) and HOSTILE in text,
            "the hostile subject shows as text")
    t.check("no such channel" in text, "the receiver's reply is shown")
    status, _, body = s.get("/deliveries?state=delivered", viewer)
    shown = set(int(n) for n in re.findall(r'<tr id="delivery-(\d+)"', body))
    t.check(shown == set(r["id"] for r in delivered), "state=delivered lists the delivered ones")
    status, _, _ = s.get("/deliveries?state=gone", viewer)
    t.check(status == 400, "an unknown state: 400")

    target = dead[0]["id"]
    status, _, body = s.get("/deliveries?state=dead", admin)
    t.check('id="requeue-%d"' % target in body, "an admin gets the retry form requeue-%d" % target)
    path = "/deliveries/%d/retry" % target
    status, _, _ = s.request("POST", path, viewer, "csrf=" + urllib.parse.quote(viewer_csrf))
    t.check(status == 403, "a viewer's retry: 403 (%d)" % status)
    status, _, _ = s.request("POST", path, admin, "csrf=wrong")
    t.check(status == 403, "a retry without the CSRF token: 403 (%d)" % status)
    status, h, _ = s.request("POST", path, admin, "csrf=" + urllib.parse.quote(admin_csrf))
    t.check(status == 303, "the admin's retry: 303 (%d)" % status)
    p = subprocess.run([t.BINARY, "--config", config, "deliveries", "list", "--state", "pending",
                        "--json"], capture_output=True, text=True)
    pending = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    t.check(any(r["id"] == target and r["attempts"] == 0 for r in pending),
            "the message is pending again with no attempts, as deliveries retry leaves it")
    p = subprocess.run([t.BINARY, "--config", config, "audit", "export", "--since", "2000-01-01",
                        "--format", "jsonl"], capture_output=True, text=True)
    events = [json.loads(line)["event"] for line in p.stdout.splitlines() if line.strip()]
    t.check(events and events[-1].get("kind") == "delivery"
            and events[-1].get("actor") == "alice"
            and events[-1].get("text") == "message %d queued again by hand" % target,
            "the retry is an audit event naming alice (%r)" % (events[-1] if events else None))


def audit_checks(s, admin, viewer, triager, config, db):
    head = json.loads(t.run(["audit", "head", "--json"], config=config, check_rc=0).stdout)
    status, _, body = s.get("/audit", viewer)
    t.check(status == 200, "GET /audit: 200")
    check_page_safe("/audit", body)
    t.check('data-problem="ok"' in body, "the verification says the chain holds")
    t.check(head["hash"] in body and ">%d<" % head["seq"] in body.replace(
        '<dd id="audit-events-count">', ">"),
        "the page shows the head audit head prints (%d)" % head["seq"])
    t.check('id="audit-export-denied"' in body, "a viewer is told who may export")
    status, _, _ = s.get("/audit/export?since=2000-01-01", viewer)
    t.check(status == 403, "a viewer's export: 403 (%d)" % status)

    # JSON lines: byte for byte what the CLI prints.
    status, h, raw = s.request("GET", "/audit/export?since=2000-01-01&format=jsonl", triager)
    cli = subprocess.run([t.BINARY, "--db", db, "audit", "export", "--since", "2000-01-01",
                          "--format", "jsonl"], capture_output=True)
    t.check(status == 200 and raw == cli.stdout and len(raw) > 0,
            "the JSON lines export equals `audit export --format jsonl` (%d, %d vs %d bytes)"
            % (status, len(raw), len(cli.stdout)))
    t.check(h.get("content-disposition") ==
            'attachment; filename="vulnwatch-audit-2000-01-01.jsonl"',
            "an attachment (%r)" % h.get("content-disposition"))

    # The text report, in English, but for the time it was made.
    status, h, raw = s.request("GET", "/audit/export?since=2000-01-01&lang=en", admin)
    cli = subprocess.run([t.BINARY, "--db", db, "audit", "export", "--since", "2000-01-01",
                          "--lang", "en"], capture_output=True)

    def unmade(data):
        return re.sub(rb"^made: .*$", b"made: -", data, count=1, flags=re.M)

    t.check(status == 200 and unmade(raw) == unmade(cli.stdout) and b"made: " in raw,
            "the text export equals `audit export --lang en` but for its made time")
    t.check(h.get("content-type", "").startswith("text/plain"), "text/plain")

    # One case's report.
    p = subprocess.run([t.BINARY, "--config", config, "cases", "list", "--json"],
                       capture_output=True, text=True)
    cases = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    t.check(bool(cases), "the matches opened cases")
    if cases:
        cid = cases[0]["id"]
        status, h, raw = s.request("GET", "/audit/export?case=%d" % cid, admin)
        cli = subprocess.run([t.BINARY, "--db", db, "audit", "export", str(cid)],
                             capture_output=True)

        def unmade_ja(data):
            return re.sub("^作成日時: .*$".encode(), b"-", data, count=1, flags=re.M)

        t.check(status == 200 and unmade_ja(raw) == unmade_ja(cli.stdout),
                "the case export equals `audit export %d` but for its made time" % cid)
        t.check(h.get("content-disposition") ==
                'attachment; filename="vulnwatch-audit-case-%d.txt"' % cid, "named by the case")
    status, _, _ = s.get("/audit/export?case=99999", admin)
    t.check(status == 404, "an unknown case: 404")
    status, _, body = s.get("/audit/export", admin)
    t.check(status == 400, "no period and no case: 400")


if __name__ == "__main__":
    main()
