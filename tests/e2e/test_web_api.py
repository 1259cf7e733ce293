#!/usr/bin/python3
"""`vulnwatch serve` and the REST API end to end (issue 13 parts 1, 4 and 5; docs/web.md), with
the real binary on a free loopback port and a store holding the demo's products and feed:

- users and API tokens made with `vulnwatch users add … --password-file` and `users token`; a
  login session made with store/users.h (make_session: the login page is tested elsewhere);
- every documented endpoint called, and every response checked against the schema of
  /api/v1/openapi.json (openapi_check.py) and for the security headers;
- no credentials, a wrong token, a malformed header: 401; a viewer cannot transition (403), a
  triager only cases of their products; a cookie POST without the CSRF token, or from another
  origin, is refused (403); a transition without a required field: 422 naming it; a good one
  is audited with the user as actor;
- bad query parameters and cursors: 400; unknown paths 404; wrong methods 405 with Allow;
- a body over [web] max_body: 413 before it is read (Content-Length) or while it is read
  (chunked);
- failed authentications from one client are refused with 429 after 10, per client (behind a
  trusted proxy, per X-Forwarded-For; from an untrusted peer the header is ignored);
- HTTPS from [web] tls_cert/tls_key; SIGTERM stops the server cleanly (exit 0).
Needs no loopback test server."""
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import openapi_check  # noqa: E402
import vwtest as t  # noqa: E402
import web_support as ws  # noqa: E402

PASSWORD = "correct horse battery staple 7"
GATEWAY = "Bedside Monitor Gateway"
VIEWER = "Example Imaging Viewer"


class Server(ws.Serve):
    """One `vulnwatch serve` process on a free port ([web] listen = 127.0.0.1:0)."""

    def __init__(self, work, name, config_text, db):
        super().__init__(work, db, config_text=config_text, name=name)


class Client:
    """Requests to one server; every response is checked against the OpenAPI document and
    for the security headers."""

    def __init__(self, server, spec, context=None):
        self.server = server
        self.spec = spec
        self.context = context
        self.schema_errors = []
        self.header_errors = []
        self.responses = 0

    def request(self, method, path, headers=None, body=None, check_schema=True):
        if self.server.scheme == "https":
            conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, timeout=30,
                                               context=self.context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        got = {k.lower(): v for k, v in r.getheaders()}
        conn.close()
        self.responses += 1
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
            self.schema_errors.append("%s %s: the body is not JSON: %r" % (method, path, raw[:100]))
        self.check_headers(method, path, got)
        if check_schema and doc is not None:
            bare = urllib.parse.urlsplit(path).path
            self.schema_errors += self.spec.check_response(method, bare, r.status,
                                                           got.get("content-type"), doc)
        return r.status, got, doc

    def check_headers(self, method, path, h):
        where = "%s %s" % (method, path)
        csp = h.get("content-security-policy", "")
        problems = []
        if "default-src 'none'" not in csp or "frame-ancestors 'none'" not in csp:
            problems.append("CSP %r" % csp)
        if "unsafe-inline" in csp or "unsafe-eval" in csp:
            problems.append("CSP allows unsafe scripts: %r" % csp)
        if h.get("x-content-type-options") != "nosniff":
            problems.append("X-Content-Type-Options %r" % h.get("x-content-type-options"))
        if h.get("referrer-policy") != "no-referrer":
            problems.append("Referrer-Policy %r" % h.get("referrer-policy"))
        if h.get("cache-control") != "no-store":
            problems.append("Cache-Control %r" % h.get("cache-control"))
        if problems:
            self.header_errors.append("%s: %s" % (where, "; ".join(problems)))


def bearer(token, extra=None):
    h = {"Authorization": "Bearer " + token}
    h.update(extra or {})
    return h


def make_store(work):
    db = os.path.join(work, "web.db")
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          db=db, check_rc=0)
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], db=db,
          check_rc=0)
    pw = os.path.join(work, "password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    tokens = {}
    for name, role, products in [("alice", "admin", []), ("vic", "viewer", []),
                                 ("tomo", "triager", [GATEWAY])]:
        args = ["users", "add", name, "--role", role, "--password-file", pw, "--by", "setup"]
        for p in products:
            args += ["--product", p]
        t.run(args, db=db, check_rc=0)
        p = t.run(["users", "token", name, "--label", "e2e", "--by", "setup"], db=db, check_rc=0)
        tokens[name] = p.stdout.strip().splitlines()[0]
        t.check(tokens[name].startswith("vw_"), "users token prints the new token (%s)" % name)
    return db, tokens


def raw_exchange(port, data, read_timeout=20):
    """Sends `data` on a fresh connection and returns what came back until the server closed
    the connection or sent a whole response head and body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may answer and close before all of it was sent
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            got += chunk
            head, sep, body = got.partition(b"\r\n\r\n")
            m = re.search(rb"content-length:\s*(\d+)", head, re.I)
            if sep and m and len(body) >= int(m.group(1)):
                break
        return got
    finally:
        s.close()


def main():
    work = tempfile.mkdtemp(prefix="vw-web-")
    try:
        run_all(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def run_all(work):
    db, tokens = make_store(work)
    admin, viewer, triager = tokens["alice"], tokens["vic"], tokens["tomo"]
    config = """[store]
path = {db}

[web]
listen = 127.0.0.1:0
max_body = 1M
session_hours = 2
trusted_proxies = 127.0.0.1

[source.jvndb-new]
type = jvn-rss
url = http://127.0.0.1:9/never-polled.rdf
""".format(db=db)
    server = Server(work, "main", config, db)
    try:
        with open(os.path.join(t.SOURCE_DIR, "web", "openapi.json"), encoding="utf-8") as f:
            repo_doc = json.load(f)
        spec = openapi_check.OpenApi(repo_doc)
        c = Client(server, spec)
        api_checks(c, db, admin, viewer, triager, server)
        t.check(not c.header_errors, "every response carries the security headers (%s)"
                % "; ".join(c.header_errors[:5]))
        t.check(not c.schema_errors, "every response matches its schema in the OpenAPI document "
                "(%d responses; %s)" % (c.responses, "; ".join(c.schema_errors[:8])))
        documented = set()
        for template, item in repo_doc["paths"].items():
            for method in item:
                if method in ("get", "post", "put", "patch", "delete"):
                    documented.add((method.upper(), template))
        missing = documented - spec.called
        t.check(not missing, "every documented endpoint was called (missing: %s)"
                % sorted(missing))
        limiter_checks(c, admin)
    finally:
        rc = server.stop()
    t.check(rc == 0, "SIGTERM stops serve with exit 0 (%r)" % rc)
    log = t.read_text(server.log_path)
    t.check("SIGTERM" in log and "stopped" in log, "the log says it stopped on SIGTERM")
    t.check("user=alice" in log, "the access log names the user")

    untrusted_proxy_checks(work, db, spec_doc=repo_doc, token=admin)
    tls_checks(work, db, repo_doc, admin)

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        p = t.run(["serve", "--listen", "127.0.0.1:%d" % busy.getsockname()[1]], db=db, timeout=60)
        t.check(p.returncode == 1 and "cannot listen on" in p.stderr and "待ち受けできません" in p.stderr,
                "a port in use: exit 1 naming the address (%r)" % p.stderr.strip())
    finally:
        busy.close()
    p = t.run(["serve", "--listen", "localhost:8080"], db=db, timeout=60)
    t.check(p.returncode == 2 and "is not IP:PORT" in p.stderr, "a bad --listen: exit 2 (%r)"
            % p.stderr.strip())


def api_checks(c, db, admin, viewer, triager, server):
    # --- no authentication needed ------------------------------------------------------
    st, h, doc = c.request("GET", "/api/v1/openapi.json")
    t.check(st == 200 and doc.get("openapi") == "3.1.0" and "openapi" in h.get("content-type", ""),
            "GET /api/v1/openapi.json: the OpenAPI 3.1 document (%d, %s)"
            % (st, h.get("content-type")))
    with open(os.path.join(t.SOURCE_DIR, "web", "openapi.json"), encoding="utf-8") as f:
        t.check(doc == json.load(f), "the served document is web/openapi.json")
    st, _, doc = c.request("GET", "/api/v1/health")
    t.check(st == 200 and doc["status"] == "ok" and doc["schema_version"] > 0,
            "GET /health answers without credentials")

    # --- authentication refused -------------------------------------------------------------
    st, h, doc = c.request("GET", "/api/v1/cases")
    t.check(st == 401 and doc["type"] == "urn:vulnwatch:problem:unauthorized"
            and h.get("content-type") == "application/problem+json"
            and h.get("www-authenticate", "").startswith("Bearer"),
            "no credentials: 401 problem with WWW-Authenticate (%d %s)" % (st, doc))
    st, _, doc = c.request("GET", "/api/v1/cases", bearer("vw_not-a-real-token"))
    t.check(st == 401 and doc["type"].endswith(":invalid-credentials"), "a wrong token: 401")
    st, _, doc = c.request("GET", "/api/v1/cases", {"Authorization": "Basic YWxpY2U6eA=="})
    t.check(st == 401 and "Bearer" in doc["detail"], "another scheme: 401 naming Bearer")
    st, _, doc = c.request("GET", "/api/v1/cases", {"Cookie": "vw_session=forged"})
    t.check(st == 401, "a forged session cookie: 401")
    st, h, doc = c.request("GET", "/api/v1/cases", {"Accept-Language": "en-US,en;q=0.8"})
    t.check(st == 401 and doc["title"] == "Authentication required" and h.get("content-language") == "en",
            "problems in English on request (%s)" % doc.get("title"))

    # --- every read endpoint ---------------------------------------------------------------
    st, _, doc = c.request("GET", "/api/v1/me", bearer(admin))
    t.check(st == 200 and doc["user"]["name"] == "alice" and doc["user"]["role"] == "admin"
            and doc["auth"] == "token", "GET /me: the token's user")
    st, _, doc = c.request("GET", "/api/v1/advisories", bearer(admin))
    all_ids = [a["id"] for a in doc["items"]]
    t.check(st == 200 and len(all_ids) == 4 and doc["next_cursor"] is None,
            "GET /advisories lists the demo's 4 vulnerabilities (%s)" % all_ids)
    paged, cursor = [], None
    for _ in range(10):
        path = "/api/v1/advisories?limit=3" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
        st, _, doc = c.request("GET", path, bearer(admin))
        paged += [a["id"] for a in doc["items"]]
        cursor = doc["next_cursor"]
        if not cursor:
            break
    t.check(paged == all_ids, "limit and cursor page through the same list (%s)" % paged)
    st, _, doc = c.request("GET", "/api/v1/advisories?q=log4j", bearer(admin))
    t.check(st == 200 and [a["id"] for a in doc["items"]] == ["JVNDB-2021-005429"],
            "q=log4j finds the Log4j vulnerability by its title")
    st, _, doc = c.request("GET", "/api/v1/advisories?q=" + urllib.parse.quote("cve-2021-44228"),
                           bearer(admin))
    t.check(st == 200 and [a["id"] for a in doc["items"]] == ["JVNDB-2021-005429"],
            "q finds a vulnerability by any alias, in any case")
    st, _, doc = c.request("GET", "/api/v1/advisories?q=" + urllib.parse.quote("JVNVU#96768815"),
                           bearer(admin))
    t.check(st == 200 and "JVNDB-2021-005429" in [a["id"] for a in doc["items"]],
            "q with an advisory id lists what it covers")
    st, _, doc = c.request("GET", "/api/v1/advisories/CVE-2021-44228", bearer(admin))
    t.check(st == 200 and doc["type"] == "vulnerability" and doc["id"] == "JVNDB-2021-005429"
            and doc["records"] and doc["cases"], "GET /advisories/{CVE id}: the cluster with its "
            "records and cases")
    st, _, doc = c.request("GET", "/api/v1/advisories/" + urllib.parse.quote("JVNVU#96768815", safe=""),
                           bearer(admin))
    t.check(st == 200 and doc["type"] == "advisory" and doc["id"] == "JVNVU#96768815"
            and any(x["id"] == "JVNDB-2021-005429" for x in doc["clusters"]),
            "GET /advisories/JVNVU%2396768815 (URL-encoded '#'): the advisory and what it covers")
    st, _, doc = c.request("GET", "/api/v1/advisories/CVE-1999-0001", bearer(admin))
    t.check(st == 404 and "CVE-1999-0001" in doc["detail"], "an unknown id: 404 naming it")
    st, _, doc = c.request("GET", "/api/v1/products", bearer(viewer))
    names = [p["name"] for p in doc["products"]]
    t.check(st == 200 and GATEWAY in names and VIEWER in names, "GET /products: the registry")
    st, _, doc = c.request("GET", "/api/v1/products?all=true", bearer(viewer))
    t.check(st == 200, "GET /products?all=true")
    # The SBOM upload (tested in test_web_products.py): a dry run changes nothing.
    sbom = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                       "components": [{"type": "library", "name": "zlib",
                                       "version": "1.3"}]}).encode()
    st, _, doc = c.request("POST", "/api/v1/products/%s/versions/1.8/sbom?dry_run=true"
                           % urllib.parse.quote(GATEWAY, safe=""), bearer(admin), sbom)
    t.check(st == 200 and doc["dry_run"] and not doc["committed"],
            "POST /products/{name}/versions/{version}/sbom?dry_run=true: the difference only")
    st, _, doc = c.request("GET", "/api/v1/matches", bearer(viewer))
    t.check(st == 200 and len(doc["items"]) >= 2 and all(m["cluster_key"] for m in doc["items"]),
            "GET /matches lists the demo's matches")
    st, _, doc = c.request("GET", "/api/v1/matches?limit=1&product=" + urllib.parse.quote(GATEWAY),
                           bearer(viewer))
    t.check(st == 200 and all(m["match"]["product"] == GATEWAY for m in doc["items"]),
            "GET /matches?product= filters")
    st, _, doc = c.request("GET", "/api/v1/cases", bearer(viewer))
    cases = doc["items"]
    t.check(st == 200 and len(cases) >= 2 and all(x["state"] == "received" for x in cases),
            "GET /cases lists the demo's cases")
    gateway_case = next(x["id"] for x in cases if x["product"] == GATEWAY)
    viewer_case = next(x["id"] for x in cases if x["product"] == VIEWER)
    st, _, doc = c.request("GET", "/api/v1/cases?open=true&state=received&product="
                           + urllib.parse.quote(GATEWAY), bearer(viewer))
    t.check(st == 200 and [x["id"] for x in doc["items"]] == [gateway_case],
            "GET /cases filters by product, state and open")
    st, _, doc = c.request("GET", "/api/v1/cases?overdue=true", bearer(viewer))
    t.check(st == 200 and doc["items"] == [], "GET /cases?overdue=true: nothing is overdue yet")
    st, _, doc = c.request("GET", "/api/v1/cases/%d" % gateway_case, bearer(viewer))
    t.check(st == 200 and doc["id"] == gateway_case and doc["events"]
            and doc["events"][0]["kind"] == "case-open", "GET /cases/{id}: the case and its events")
    st, _, doc = c.request("GET", "/api/v1/cases/999", bearer(viewer))
    t.check(st == 404, "GET /cases/999: 404")
    st, _, doc = c.request("GET", "/api/v1/deliveries", bearer(viewer))
    t.check(st == 200 and isinstance(doc["items"], list), "GET /deliveries")
    st, _, doc = c.request("GET", "/api/v1/deliveries?state=dead&limit=5", bearer(viewer))
    t.check(st == 200, "GET /deliveries?state=dead")
    st, _, doc = c.request("GET", "/api/v1/sources", bearer(viewer))
    t.check(st == 200 and [s["name"] for s in doc["items"]] == ["jvndb-new"]
            and doc["items"][0]["last_success"] is None, "GET /sources: the configured source, "
            "never polled")
    st, _, doc = c.request("GET", "/api/v1/audit/verify", bearer(viewer))
    events_before = doc["events"]
    t.check(st == 200 and doc["ok"] is True and doc["problem"] == "ok",
            "GET /audit/verify: the chain holds")

    # --- bad requests --------------------------------------------------------------------------
    for path, what in [("/api/v1/advisories?limit=0", "limit=0"),
                       ("/api/v1/advisories?limit=abc", "limit=abc"),
                       ("/api/v1/advisories?cursor=nonsense", "a bad cursor"),
                       ("/api/v1/cases?state=done", "an unknown state"),
                       ("/api/v1/cases?colour=red", "an unknown parameter"),
                       ("/api/v1/cases?open=maybe", "a bad boolean"),
                       ("/api/v1/deliveries?state=lost", "a bad delivery state")]:
        st, _, doc = c.request("GET", path, bearer(viewer))
        t.check(st == 400 and doc["type"].endswith(":bad-request") and doc["detail"],
                "%s: 400 (%s)" % (what, doc.get("detail") if doc else st))
    st, _, doc = c.request("GET", "/api/v1/nothing-here", bearer(viewer), check_schema=False)
    t.check(st == 404 and doc["type"].endswith(":not-found"), "an unknown API path: 404")
    st, h, doc = c.request("DELETE", "/api/v1/cases/%d" % gateway_case, bearer(admin))
    t.check(st == 405 and h.get("allow") == "GET", "DELETE /cases/{id}: 405, Allow: GET")
    st, h, doc = c.request("GET", "/api/v1/cases/%d/transition" % gateway_case, bearer(admin))
    t.check(st == 405 and h.get("allow") == "POST", "GET …/transition: 405, Allow: POST")
    st, _, doc = c.request("GET", "/no-such-page", check_schema=False)
    t.check(st == 404, "a path neither the API nor a page serves: 404")

    # --- transitions -----------------------------------------------------------------------------
    tpath = "/api/v1/cases/%d/transition" % gateway_case
    st, _, doc = c.request("POST", tpath, bearer(viewer), {"state": "confirming",
                                                            "fields": {"assignee": "vic"}})
    t.check(st == 403 and doc["type"].endswith(":forbidden"), "a viewer cannot transition: 403")
    st, _, doc = c.request("POST", "/api/v1/cases/%d/transition" % viewer_case, bearer(triager),
                           {"state": "confirming", "fields": {"assignee": "tomo"}})
    t.check(st == 403 and VIEWER in doc["detail"],
            "a triager cannot move a case of another product: 403 naming it")
    st, _, doc = c.request("POST", tpath, bearer(triager), {"state": "confirming"})
    t.check(st == 422 and doc["type"].endswith(":transition-refused")
            and doc.get("missing_fields") == ["assignee"] and "assignee" in doc["detail"],
            "a transition without its required field: 422 naming it (%s)" % doc)
    st, _, doc = c.request("POST", tpath, bearer(triager), {"state": "closed"})
    t.check(st == 422 and "cannot go to closed" in doc["detail"],
            "an illegal transition: 422 with the reason")
    st, _, doc = c.request("POST", tpath, bearer(triager), {"state": "flying"})
    t.check(st == 422 and doc["type"].endswith(":invalid-input") and doc.get("field") == "state",
            "an unknown state: 422 naming the member")
    st, _, doc = c.request("POST", tpath, bearer(triager), {"state": "confirming",
                                                             "fields": {"assignee": 5}})
    t.check(st == 422 and doc.get("field") == "fields.assignee", "a field that is no string: 422")
    st, _, doc = c.request("POST", tpath, bearer(triager), b"{not json",
                           check_schema=True)
    t.check(st == 400, "a body that is not JSON: 400")
    st, _, doc = c.request("POST", tpath, bearer(triager, {"Content-Type": "text/plain"}),
                           b"state=confirming")
    t.check(st == 415, "a body that is not application/json: 415")

    # Cookie sessions: the CSRF token is required for writes.
    session, csrf = ws.make_session(db, "tomo")
    cookie = {"Cookie": "vw_session=" + session}
    st, _, doc = c.request("GET", "/api/v1/me", cookie)
    t.check(st == 200 and doc["auth"] == "session" and doc["user"]["name"] == "tomo",
            "the session cookie authenticates GET requests")
    body = {"state": "confirming", "fields": {"assignee": "tomo"}}
    st, _, doc = c.request("POST", tpath, cookie, body)
    t.check(st == 403 and doc["type"].endswith(":csrf"), "a cookie POST without X-CSRF-Token: 403")
    st, _, doc = c.request("POST", tpath, dict(cookie, **{"X-CSRF-Token": "x" * len(csrf)}), body)
    t.check(st == 403 and doc["type"].endswith(":csrf"), "a cookie POST with a wrong token: 403")
    st, _, doc = c.request("POST", tpath, dict(cookie, **{"X-CSRF-Token": csrf,
                                                          "Origin": "https://evil.example"}), body)
    t.check(st == 403 and doc["type"].endswith(":cross-origin"),
            "a cookie POST from another origin: 403")
    st, _, doc = c.request("POST", tpath, dict(cookie, **{"X-CSRF-Token": csrf,
                                                          "Origin": "http://127.0.0.1:%d" % server.port}),
                           body)
    t.check(st == 200 and doc["state"] == "confirming" and doc["fields"].get("assignee") == "tomo",
            "a cookie POST with the CSRF token from the same origin moves the case (%d)" % st)
    st, _, doc = c.request("POST", tpath, bearer(admin), {"state": "evaluating",
                                                           "fields": {"finding": "the gateway's kernel is affected"}})
    t.check(st == 200 and doc["state"] == "evaluating", "a bearer POST needs no CSRF token")
    st, _, doc = c.request("GET", "/api/v1/cases/%d" % gateway_case, bearer(viewer))
    actors = [(e["kind"], e["actor"]) for e in doc["events"]]
    t.check(("case-transition", "tomo") in actors and ("case-transition", "alice") in actors,
            "the transitions are audit events with the users as actors (%s)" % actors)
    st, _, doc = c.request("GET", "/api/v1/audit/verify", bearer(viewer))
    t.check(doc["ok"] and doc["events"] >= events_before + 2, "the audit chain holds and grew")
    p = t.run(["cases", "show", str(gateway_case), "--json"], db=db, check_rc=0)
    t.check(json.loads(p.stdout)["state"] == "evaluating", "the CLI sees the API's transition")

    # --- body size ---------------------------------------------------------------------------------
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (tpath, admin, 3 * 1024 * 1024)).encode()
    started = time.monotonic()
    got = raw_exchange(server.port, head + b" " * 65536)
    status = got.split(b"\r\n", 1)[0]
    t.check(b" 413 " in status and b"payload-too-large" in got,
            "Content-Length over max_body: 413 before the body is read (%r)" % status)
    t.check(time.monotonic() - started < 10, "the 413 comes without waiting for the body")
    chunk = b"%x\r\n%s\r\n" % (256 * 1024, b"x" * 256 * 1024)
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            % (tpath, admin)).encode()
    got = raw_exchange(server.port, head + chunk * 6 + b"0\r\n\r\n")
    t.check(b" 413 " in got.split(b"\r\n", 1)[0], "a chunked body growing past max_body: 413")
    st, _, doc = c.request("GET", "/api/v1/health")
    t.check(st == 200, "the server still answers after the refused bodies")

    # --- many clients at once, with the CLI writing beside them -------------------------------------
    results = []

    def reader():
        for _ in range(10):
            s, _, _ = c.request("GET", "/api/v1/cases", bearer(viewer))
            results.append(s)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for th in threads:
        th.start()
    cli = t.run(["cases", "transition", str(viewer_case), "confirming", "--by", "佐藤",
                 "--assignee", "佐藤"], db=db)
    for th in threads:
        th.join()
    t.check(results.count(200) == 80, "80 concurrent reads all answered 200 (%s)"
            % sorted(set(results)))
    t.check(cli.returncode == 0, "the CLI writes while the server reads (%s)" % cli.stderr.strip())


def limiter_checks(c, admin):
    """[web] trusted_proxies = 127.0.0.1: the client is the X-Forwarded-For address."""
    attacker = {"X-Forwarded-For": "203.0.113.9"}
    statuses = []
    for _ in range(10):
        st, _, _ = c.request("GET", "/api/v1/me", bearer("vw_guess", attacker))
        statuses.append(st)
    st, h, doc = c.request("GET", "/api/v1/me", bearer(admin, attacker))
    t.check(statuses == [401] * 10 and st == 429 and int(h.get("retry-after", "0")) > 0
            and doc["type"].endswith(":too-many-failures"),
            "after 10 failed tokens the client is refused with 429 and Retry-After, even with a "
            "good token (%s, %d)" % (statuses, st))
    st, _, _ = c.request("GET", "/api/v1/me", bearer(admin, {"X-Forwarded-For": "203.0.113.10"}))
    t.check(st == 200, "another client behind the trusted proxy is not affected")
    st, h, _ = c.request("GET", "/api/v1/health", {"X-Forwarded-Proto": "https"})
    t.check("max-age" in h.get("strict-transport-security", ""),
            "X-Forwarded-Proto: https from a trusted proxy: HSTS is sent")


def untrusted_proxy_checks(work, db, spec_doc, token):
    config = "[web]\nlisten = 127.0.0.1:0\n"
    server = Server(work, "untrusted", config, db)
    try:
        c = Client(server, openapi_check.OpenApi(spec_doc))
        for i in range(10):
            c.request("GET", "/api/v1/me", bearer("vw_guess", {"X-Forwarded-For": "198.51.100.%d" % i}))
        st, _, _ = c.request("GET", "/api/v1/me", bearer(token, {"X-Forwarded-For": "198.51.100.77"}))
        t.check(st == 429, "without trusted_proxies X-Forwarded-For is ignored: the peer itself is "
                "limited (%d)" % st)
        _, h, _ = c.request("GET", "/api/v1/health", {"X-Forwarded-Proto": "https"})
        t.check("strict-transport-security" not in h,
                "X-Forwarded-Proto from an untrusted peer is ignored (no HSTS over plain HTTP)")
        t.check(not c.header_errors and not c.schema_errors, "responses of the second server "
                "check out (%s %s)" % (c.header_errors[:2], c.schema_errors[:2]))
    finally:
        t.check(server.stop() == 0, "the second server stops with exit 0")


def tls_checks(work, db, spec_doc, token):
    cert = os.path.join(work, "cert.pem")
    key = os.path.join(work, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                       capture_output=True, text=True)
    t.check(p.returncode == 0, "openssl makes a test certificate (%s)" % p.stderr[-200:])
    config = "[web]\nlisten = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\n" % (cert, key)
    server = Server(work, "tls", config, db)
    try:
        t.check(server.scheme == "https", "tls_cert and tls_key: serve logs an https:// address")
        context = ssl.create_default_context(cafile=cert)
        c = Client(server, openapi_check.OpenApi(spec_doc), context)
        st, h, doc = c.request("GET", "/api/v1/me", bearer(token))
        t.check(st == 200 and doc["user"]["name"] == "alice", "the API answers over HTTPS")
        t.check("max-age" in h.get("strict-transport-security", ""), "HTTPS responses send HSTS")
        plain = raw_exchange(server.port, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", 5)
        t.check(b"200 OK" not in plain, "plain HTTP to the TLS port gets no answer")
    finally:
        t.check(server.stop() == 0, "the TLS server stops with exit 0")


if __name__ == "__main__":
    main()
