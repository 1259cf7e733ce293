#!/usr/bin/python3
"""The login page, logout, the single sign-on header and the dashboard of `vulnwatch serve`
end to end (issue 13 parts 2 and 3; docs/web.md "Login", "Dashboard"), with the real binary on
a free loopback port:

- users made with `vulnwatch users add … --password-file`; cases opened with `cases open`
  whose titles are hostile markup (made overdue in the store, as if time had passed); a source
  that failed in a real `poll --once`;
- GET /login: the form and its pre-login cookie; a good login: 303 to the local `next`, the
  session cookie HttpOnly, SameSite=Strict, Path=/, Secure only over HTTPS (a trusted proxy's
  X-Forwarded-Proto); `next` to another host is refused (303 to /);
- a wrong password and an unknown user: 401 with the same message; a post without the
  pre-login token or from another origin: 403;
- ten failures for one name (from ten addresses) block that name, ten failures from one
  address block that address: 429 with Retry-After;
- the dashboard: the overdue cases with their hostile titles as text, the counts, the charts as
  role="img" SVG, the failing source; the page CSP;
- logout: GET only asks, POST with the session's CSRF token ends the session and clears the
  cookie; every login, failed login and logout is an audit event naming the user;
- SSO: [web] trusted_user_header from a trusted proxy logs the named user in (a session cookie
  is set), names an unknown user in a 403; from an untrusted peer (a second run whose
  trusted_proxies do not include the loopback) the header is ignored; the header without
  trusted_proxies is a config error.
Needs no loopback test server."""
import html
import http.client
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402
import web_support as ws  # noqa: E402

PASSWORD = "correct horse battery staple 7"
VIEWER = "Example Imaging Viewer"
GATEWAY = "Bedside Monitor Gateway"
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'")


class Server(ws.Serve):
    """One `vulnwatch serve` process on a free port ([web] listen = 127.0.0.1:0)."""

    def __init__(self, work, name, config_text, db):
        super().__init__(work, db, config_text=config_text, name=name)

    def request(self, method, path, headers=None, form=None):
        """(status, {lower-case header: value}, Set-Cookie values, body text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        got = {k.lower(): v for k, v in r.getheaders()}
        cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        conn.close()
        return r.status, got, cookies, raw.decode("utf-8", "replace")


def cookie_value(set_cookie, name):
    m = re.match(r"%s=([^;]*)" % re.escape(name), set_cookie or "")
    return m.group(1) if m else None


def login_token(server, headers=None):
    st, h, cookies, body = server.request("GET", "/login", headers)
    token = cookie_value(cookies[0] if cookies else "", "vw_login")
    return token


def login(server, user, password, next_page="", client=None, extra=None):
    headers = {"X-Forwarded-For": client} if client else {}
    token = login_token(server, headers)
    headers["Cookie"] = "vw_login=%s" % token
    headers.update(extra or {})
    return server.request("POST", "/login", headers,
                          {"csrf": token, "user": user, "password": password,
                           "next": next_page})


def make_store(work):
    db = os.path.join(work, "login.db")
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          db=db, check_rc=0)
    pw = os.path.join(work, "password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    for name, role, products in [("alice", "admin", []), ("vic", "viewer", []),
                                 ("tomo", "triager", [GATEWAY])]:
        args = ["users", "add", name, "--role", role, "--password-file", pw, "--by", "setup"]
        for p in products:
            args += ["--product", p]
        t.run(args, db=db, check_rc=0)
    ids = []
    for product, version, title, severity in [(VIEWER, "3.2", HOSTILE_SCRIPT, "Critical"),
                                              (GATEWAY, "1.8", HOSTILE_ATTR, "High"),
                                              (GATEWAY, "1.8", "fresh report", "Low")]:
        p = t.run(["cases", "open", "--product", product, "--version", version, "--title", title,
                   "--by", "setup", "--severity", severity, "--json"], db=db, check_rc=0)
        m = re.search(r'"id":\s*(\d+)', p.stdout)
        t.check(m is not None, "cases open prints the case (%r)" % p.stdout[:200])
        ids.append(int(m.group(1)) if m else 0)
    # As if a month had passed for the two hostile cases: their decide clocks ran out.
    con = t.db_connect(db)
    with con:
        con.execute("UPDATE vcase SET decide_due = ?, received_at = ? WHERE id IN (?, ?)",
                    (int(time.time()) - 86400, int(time.time()) - 40 * 86400, ids[0], ids[1]))
    con.close()
    # A source that failed in a real poll (nothing listens on port 9).
    conf = os.path.join(work, "poll.conf")
    with open(conf, "w") as f:
        f.write("[store]\npath = %s\n\n[source.jvndb-new]\ntype = jvn-rss\n"
                "url = http://127.0.0.1:9/never.rdf\ntimeout = 5s\n" % db)
    t.run(["poll", "--once"], config=conf, check_rc=3)
    return db, ids


def session_events(db):
    con = t.db_connect(db)
    rows = con.execute(
        "SELECT json_extract(json, '$.details.action'), coalesce(json_extract(json, "
        "'$.subjects[0]'), ''), json_extract(json, '$.actor') FROM event_log WHERE kind = 'user' "
        "AND json_extract(json, '$.details.action') IN ('login', 'login-failed', 'logout', "
        "'sso-login') ORDER BY id").fetchall()
    con.close()
    return rows


def main():
    work = tempfile.mkdtemp(prefix="vw-login-")
    try:
        run_all(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def run_all(work):
    db, ids = make_store(work)
    config = """[store]
path = {db}

[web]
listen = 127.0.0.1:0
session_hours = 3
trusted_proxies = 127.0.0.1

[source.jvndb-new]
type = jvn-rss
url = http://127.0.0.1:9/never.rdf
""".format(db=db)
    server = Server(work, "main", config, db)
    try:
        session = login_checks(server, db)
        if session:
            dashboard_checks(server, session, ids)
            logout_checks(server, db, session)
        limit_checks(server)
    finally:
        rc = server.stop()
    t.check(rc == 0, "SIGTERM stops serve with exit 0 (%r)" % rc)
    t.check("user=alice" in t.read_text(server.log_path), "the access log names the user")
    sso_checks(work, db)


def login_checks(server, db):
    st, h, cookies, body = server.request("GET", "/login?next=%2Fcases%3Fopen%3Dtrue")
    t.check(st == 200 and 'id="login-form"' in body, "GET /login shows the login form (%d)" % st)
    t.check(h.get("content-security-policy") == PAGE_CSP, "the login page has the page CSP")
    t.check('name="next" value="/cases?open=true"' in body, "the form keeps next")
    pre = cookies[0] if cookies else ""
    t.check(re.match(r"vw_login=[0-9a-f]{64}; Path=/login; Max-Age=\d+; HttpOnly; "
                     r"SameSite=Strict$", pre) is not None,
            "the pre-login token is an HttpOnly SameSite=Strict cookie (%r)" % pre)

    st, h, cookies, body = login(server, "alice", PASSWORD, "/cases?open=true", "192.0.2.10")
    t.check(st == 303 and h.get("location") == "/cases?open=true",
            "a good login: 303 to the local next (%d %r)" % (st, h.get("location")))
    cookie = cookies[0] if cookies else ""
    t.check(re.match(r"vw_session=[A-Za-z0-9_-]{43}; Path=/; Max-Age=10800; HttpOnly; "
                     r"SameSite=Strict$", cookie) is not None,
            "the session cookie: HttpOnly, SameSite=Strict, Path=/, no Secure over HTTP (%r)"
            % cookie)
    session = cookie_value(cookie, "vw_session")

    st, h, cookies, body = login(server, "vic", PASSWORD, "", "192.0.2.11",
                                 {"X-Forwarded-Proto": "https"})
    t.check(st == 303 and cookies and cookies[0].endswith("; Secure"),
            "behind the trusted proxy's HTTPS the session cookie is Secure (%r)" % cookies)
    t.check("max-age" in h.get("strict-transport-security", ""), "and HSTS is sent")

    for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                 "javascript:alert(1)"]:
        st, h, cookies, body = login(server, "alice", PASSWORD, evil, "192.0.2.12")
        t.check(st == 303 and h.get("location") == "/",
                "next=%r is not followed: 303 to / (%r)" % (evil, h.get("location")))

    st1, _, c1, wrong = login(server, "alice", "not the password at all", "", "192.0.2.13")
    st2, _, c2, unknown = login(server, "nobody", "not the password at all", "", "192.0.2.13")
    message = "ユーザー名またはパスワードが正しくありません。"
    t.check(st1 == 401 and st2 == 401 and message in wrong and message in unknown,
            "a wrong password and an unknown user: 401 with the same message (%d, %d)"
            % (st1, st2))
    t.check(not any((c or "").startswith("vw_session=") for c in c1 + c2),
            "a failed login sets no session cookie")

    token = login_token(server)
    form = {"csrf": token, "user": "alice", "password": PASSWORD}
    st, _, cookies, body = server.request("POST", "/login", {}, form)
    t.check(st == 403, "a login post without the pre-login cookie is refused (%d)" % st)
    st, _, cookies, body = server.request("POST", "/login", {"Cookie": "vw_login=" + token,
                                                             "Origin": "https://evil.example"},
                                          form)
    t.check(st == 403 and "他のサイトからのログインは受け付けません" in body,
            "a login post from another origin is refused (%d)" % st)
    st, _, cookies, body = server.request("POST", "/login", {"Cookie": "vw_login=" + token,
                                                             "Sec-Fetch-Site": "cross-site"},
                                          form)
    t.check(st == 403, "a cross-site login post is refused (%d)" % st)
    # What a browser sends under the pages' Referrer-Policy: no-referrer.
    st, _, cookies, body = server.request("POST", "/login", {"Cookie": "vw_login=" + token,
                                                             "Origin": "null",
                                                             "Sec-Fetch-Site": "same-origin"},
                                          dict(form, user="vic"))
    t.check(st == 303, "a browser's own login post (Origin: null, Sec-Fetch-Site: same-origin) "
            "logs in (%d)" % st)

    events = session_events(db)
    t.check(("login", "user:alice", "alice") in events and ("login", "user:vic", "vic") in events,
            "each login is an audit event naming the user (%r)" % events[:3])
    t.check(("login-failed", "user:alice", "anonymous") in events
            and ("login-failed", "user:nobody", "anonymous") in events,
            "each failed login is an audit event naming the name tried")
    return session


def dashboard_checks(server, session, ids):
    st, h, cookies, body = server.request("GET", "/", {"Cookie": "vw_session=" + session})
    t.check(st == 200 and "<h1>ダッシュボード</h1>" in body, "GET / shows the dashboard (%d)" % st)
    t.check(h.get("content-security-policy") == PAGE_CSP, "the dashboard has the page CSP")
    t.check(HOSTILE_SCRIPT not in body and "<img src=x" not in body,
            "the hostile titles are not markup on the dashboard")
    t.check(html.escape(HOSTILE_SCRIPT, quote=True) in body
            and "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in body,
            "the hostile titles are shown as text in the overdue list")
    overdue = body[body.find('id="overdue-cases"'):body.find("</table>", body.find('id="overdue-cases"'))]
    t.check('href="/cases/%d"' % ids[0] in overdue and 'href="/cases/%d"' % ids[1] in overdue
            and 'href="/cases/%d"' % ids[2] not in overdue,
            "the two overdue cases are listed with links, the fresh one is not")
    t.check(body.find('id="dash-overdue"') < body.find('id="dash-counts"'),
            "the overdue cases come first")
    t.check(re.search(r'<a href="/cases\?state=received">受付</a></th><td class="num">3</td>', body)
            is not None, "the cases are counted by state")
    t.check(body.count('role="img"') == 2 and body.count("<svg") == 2,
            "two server-rendered SVG charts with role=img")
    ages = body[body.find('id="figure-ages"'):]
    t.check(re.search(r'31〜90日</th><td class="num">2</td>', ages) is not None,
            "the open cases by age: the two old ones at 31–90 days")
    sources = body[body.find('id="source-health"'):]
    t.check(re.search(r'<th scope="row">jvndb-new</th><td>jvn-rss</td><td><span class="badge '
                      r'src-bad">失敗中</span>', sources) is not None
            and re.search(r'<td class="num">1</td>', sources) is not None,
            "the failing source is shown with its failure")
    st, h, cookies, body = server.request("GET", "/", {"Cookie": "vw_session=%s; vw_lang=en"
                                                       % session})
    t.check("<h1>Dashboard</h1>" in body and "Overdue cases" in body, "the dashboard in English")
    st, h, cookies, body = server.request("GET", "/")
    t.check(st == 303 and h.get("location") == "/login?next=%2F",
            "without a login / redirects to the login page (%d %r)" % (st, h.get("location")))


def logout_checks(server, db, session):
    cookie = {"Cookie": "vw_session=" + session}
    st, h, cookies, body = server.request("GET", "/logout", cookie)
    t.check(st == 200 and 'id="logout-form"' in body, "GET /logout only asks (%d)" % st)
    st, h, cookies, body = server.request("GET", "/", cookie)
    t.check(st == 200, "the session still works after GET /logout")
    m = re.search(r'<meta name="csrf-token" content="([^"]+)">', body)
    csrf = m.group(1) if m else ""
    st, h, cookies, body = server.request("POST", "/logout", cookie, {"csrf": "wrong"})
    t.check(st == 403, "POST /logout with a wrong token is refused (%d)" % st)
    st, h, cookies, body = server.request("POST", "/logout", cookie, {"csrf": csrf})
    t.check(st == 303 and h.get("location") == "/login", "POST /logout: 303 to /login (%d)" % st)
    t.check(cookies == ["vw_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"],
            "logout clears the session cookie (%r)" % cookies)
    st, h, cookies, body = server.request("GET", "/", cookie)
    t.check(st == 303, "the old cookie no longer logs in (%d)" % st)
    t.check(("logout", "user:alice", "alice") in session_events(db),
            "the logout is an audit event naming the user")


def limit_checks(server):
    # One name, ten addresses: the name is blocked (even with the right password).
    for i in range(10):
        login(server, "tomo", "wrong wrong wrong", "", "198.51.100.%d" % (i + 1))
    st, h, cookies, body = login(server, "tomo", PASSWORD, "", "198.51.100.50")
    t.check(st == 429 and h.get("retry-after", "").isdigit(),
            "ten failures for one name: 429 with Retry-After (%d %r)" % (st, h.get("retry-after")))
    t.check(not cookies or not cookies[0].startswith("vw_session="), "no session while blocked")
    # One address, ten names: the address is blocked; another address is not.
    for i in range(10):
        login(server, "guess%d" % i, "wrong wrong wrong", "", "203.0.113.5")
    st, h, cookies, body = login(server, "vic", PASSWORD, "", "203.0.113.5")
    t.check(st == 429 and h.get("retry-after"), "ten failures from one client: 429 (%d)" % st)
    st, h, cookies, body = login(server, "vic", PASSWORD, "", "203.0.113.6")
    t.check(st == 303, "another client still logs in (%d)" % st)


def sso_checks(work, db):
    base = """[store]
path = {db}

[web]
listen = 127.0.0.1:0
trusted_user_header = X-Remote-User
trusted_proxies = {proxies}
"""
    server = Server(work, "sso", base.format(db=db, proxies="127.0.0.1"), db)
    try:
        st, h, cookies, body = server.request("GET", "/", {"X-Remote-User": "tomo"})
        t.check(st == 200 and "tomo" in body, "SSO: the trusted proxy's header logs tomo in (%d)"
                % st)
        cookie = cookies[0] if cookies else ""
        t.check(cookie.startswith("vw_session=") and "HttpOnly" in cookie,
                "SSO: a session cookie is set on first sight (%r)" % cookie)
        t.check('<meta name="csrf-token"' in body, "SSO: the page carries a CSRF token for forms")
        token = cookie_value(cookie, "vw_session")
        st, h, cookies, body = server.request("GET", "/", {"X-Remote-User": "tomo",
                                                           "Cookie": "vw_session=%s" % token})
        t.check(st == 200 and not cookies, "SSO: with the cookie no new session is made")
        t.check('id="dash-mine"' in body, "the triager sees their own products first")
        st, h, cookies, body = server.request("GET", "/", {"X-Remote-User": "mallory"})
        t.check(st == 403 and "mallory" in body and "X-Remote-User" in body,
                "SSO: an unknown user is a 403 naming the user and the header (%d)" % st)
        t.check(("sso-login", "user:tomo", "tomo") in session_events(db),
                "SSO logins are audit events")
    finally:
        t.check(server.stop() == 0, "the SSO server stops with exit 0")

    server = Server(work, "untrusted", base.format(db=db, proxies="192.0.2.1"), db)
    try:
        st, h, cookies, body = server.request("GET", "/", {"X-Remote-User": "alice"})
        t.check(st == 303 and h.get("location", "").startswith("/login"),
                "SSO: from an untrusted peer the header is ignored (%d %r)"
                % (st, h.get("location")))
        t.check(not cookies, "and no session is made")
    finally:
        t.check(server.stop() == 0, "the second server stops with exit 0")

    bad = os.path.join(work, "bad.conf")
    with open(bad, "w") as f:
        f.write("[web]\ntrusted_user_header = X-Remote-User\n")
    p = t.run(["config", "check"], config=bad)
    t.check(p.returncode == 2 and "trusted_user_header" in p.stderr
            and "trusted_proxies" in p.stderr,
            "trusted_user_header without trusted_proxies is a config error (%r)"
            % p.stderr.strip())


if __name__ == "__main__":
    main()
