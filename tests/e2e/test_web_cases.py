#!/usr/bin/python3
"""The cases pages of `vulnwatch serve` end to end (issue 13 part 2 "cases"; docs/web.md
"Pages" → "Cases"), with the real binary on a free loopback port, a store filled by the CLI
(the demo's products and feed: two matched cases; two cases opened by hand with hostile
titles) and login sessions made with store/users.h (make_session):

- /cases: the list with its clocks, most urgent first; the filters (product, version, state,
  open only, overdue only, assignee); pages of `limit`; the hostile titles are text, never
  markup (no <img>, no script but /static/app.js, no on* attribute); the CSP header; without a
  session a redirect to /login;
- /cases/N: the facts, the link to the vulnerability page, the clocks, the timeline (newest
  first, or oldest first) with the actors;
- the transition forms: one per transition the table allows, the required inputs marked; a
  post without a required field is 422 naming it (Japanese, or English with the switch) and
  keeps what was typed; a good post is 303 back to the case, the state changes as `cases show`
  reports, and the audit event names the user;
- a viewer sees no forms and a viewer's post is 403, as is a triager's for another product; a
  post without the CSRF token or from another origin is 403 and changes nothing.
Needs no loopback test server."""
import html.parser
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402
import web_support as ws  # noqa: E402

PASSWORD = "correct horse battery staple 7"
GATEWAY = "Bedside Monitor Gateway"
VIEWER = "Example Imaging Viewer"
PUMP = "Infusion Pump Console"
HOSTILE = "<script>alert(1)</script>"
HOSTILE2 = "\"><img src=x onerror=alert(1)>"


class Page(html.parser.HTMLParser):
    """What the checks need from a page: its elements (tag, attributes), the text of elements
    with an id, the forms with their inputs, and the rows of tables."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.by_id = {}
        self.text_of = {}
        self.forms = {}
        self._open = []  # ids of elements whose text is being collected
        self._form = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if "id" in a:
            self.by_id[a["id"]] = (tag, a)
            self.text_of[a["id"]] = ""
            if tag not in ("input", "meta", "link", "br", "img"):
                self._open.append((tag, a["id"]))
        if tag == "form":
            self._form = a.get("id", "")
            self.forms[self._form] = {"attrs": a, "inputs": {}}
        if tag in ("input", "textarea", "select") and self._form is not None:
            self.forms[self._form]["inputs"][a.get("name")] = a

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i]
                break

    def handle_data(self, data):
        for _, ident in self._open:
            self.text_of[ident] += data


class Server(ws.Serve):
    """One `vulnwatch serve` on a free loopback port."""

    def __init__(self, work, db):
        super().__init__(work, db, name="web",
                         config_text="[store]\npath = %s\n\n[web]\nlisten = 127.0.0.1:0\n" % db)

    def post(self, path, session, fields, headers=None, lang=None):
        """A form post as the browser sends it: the session's CSRF token, this origin."""
        form = [("csrf", session[1])] + list(fields)
        h = {"Origin": "http://127.0.0.1:%d" % self.port}
        h.update(headers or {})
        return self.request("POST", path, session, h, form, lang)


def make_store(work):
    db = os.path.join(work, "cases.db")
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          db=db, check_rc=0)
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], db=db,
          check_rc=0)
    pw = os.path.join(work, "password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    for name, role, products in [("alice", "admin", []), ("vic", "viewer", []),
                                 ("tomo", "triager", [GATEWAY, PUMP])]:
        args = ["users", "add", name, "--role", role, "--password-file", pw, "--by", "setup"]
        for p in products:
            args += ["--product", p]
        t.run(args, db=db, check_rc=0)
    ids = {}
    for key, title, severity in (("hostile", HOSTILE, "Critical"), ("hostile2", HOSTILE2, "Low")):
        p = t.run(["cases", "open", "--product", PUMP, "--version", "2.0", "--title", title,
                   "--severity", severity, "--by", "setup"], db=db, check_rc=0)
        m = re.search(r"case #(\d+) opened", p.stdout)
        t.check(m is not None, "cases open prints the case number (%r)" % p.stdout)
        ids[key] = int(m.group(1)) if m else 0
    p = t.run(["cases", "list", "--json"], db=db, check_rc=0)
    for line in p.stdout.splitlines():
        c = json.loads(line)
        if c["product"] == GATEWAY:
            ids["gateway"] = c["id"]
        elif c["product"] == VIEWER:
            ids["viewer"] = c["id"]
    t.check("gateway" in ids and "viewer" in ids, "the demo feed opened a case for the gateway "
            "and one for the viewer (%s)" % ids)
    return db, ids


def markup_problems(text):
    """Elements or attributes that hostile text could have made."""
    page = Page(text)
    problems = []
    for tag, attrs in page.elements:
        if tag == "img":
            problems.append("an <img> element")
        if tag == "script" and attrs.get("src") != "/static/app.js":
            problems.append("a <script> element %r" % attrs)
        for name in attrs:
            if name.startswith("on"):
                problems.append("an %s attribute on <%s>" % (name, tag))
        if "style" in attrs:
            problems.append("an inline style on <%s>" % tag)
    if "<style" in text:
        problems.append("a <style> block")
    return problems


def rows(text):
    """The case ids of the list's rows, in order."""
    return [int(n) for n in re.findall(r'<tr id="case-row-(\d+)"', text)]


def main():
    work = tempfile.mkdtemp(prefix="vw-web-cases-")
    try:
        db, ids = make_store(work)
        server = Server(work, db)
        try:
            checks(server, db, ids)
        finally:
            rc = server.stop()
        t.check(rc == 0, "SIGTERM stops serve with exit 0 (%r)" % rc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def checks(server, db, ids):
    admin = ws.make_session(db, "alice")
    viewer = ws.make_session(db, "vic")
    triager = ws.make_session(db, "tomo")

    # --- the list ----------------------------------------------------------------------
    st, h, _ = server.request("GET", "/cases?state=received")
    t.check(st == 303 and h.get("location") == "/login?next=%2Fcases%3Fstate%3Dreceived",
            "without a session /cases redirects to the login page (%d %s)"
            % (st, h.get("location")))
    st, h, text = server.request("GET", "/cases", viewer)
    csp = h.get("content-security-policy", "")
    t.check(st == 200 and h.get("content-type", "").startswith("text/html"),
            "GET /cases: 200 HTML (%d)" % st)
    t.check("script-src 'self'" in csp and "unsafe-inline" not in csp
            and "frame-ancestors 'none'" in csp, "the page CSP has no inline scripts (%r)" % csp)
    listed = rows(text)
    t.check(sorted(listed) == sorted(ids.values()), "every case is listed (%s)" % listed)
    t.check(listed.index(ids["hostile"]) < listed.index(ids["hostile2"]),
            "the Critical case (decide clock 2 business days) before the Low one (10)")
    t.check(not markup_problems(text), "hostile titles are no markup on /cases (%s)"
            % markup_problems(text))
    page = Page(text)
    t.check(HOSTILE in text.replace("&lt;", "<").replace("&gt;", ">") and HOSTILE not in text,
            "the <script> title is shown escaped")
    hostile_row = re.search(r'<tr id="case-row-%d".*?</tr>' % ids["hostile2"], text, re.S)
    row_text = html.unescape(re.sub(r"<[^>]+>", "", hostile_row.group(0))) if hostile_row else ""
    t.check(HOSTILE2 in row_text, "the \"><img title reads as text in its row")
    t.check("case-filters" in page.forms and all(
        n in page.forms["case-filters"]["inputs"]
        for n in ("product", "version", "state", "assignee", "open", "overdue")),
        "the filter form has product, version, state, assignee, open and overdue")
    labels = set(a.get("for") for tag, a in page.elements if tag == "label")
    t.check({"f-product", "f-version", "f-state", "f-assignee", "f-open", "f-overdue"} <= labels,
            "each filter has its label")
    t.check("判断期限" in text and "SSVC" in text, "the list shows the decide clock and SSVC")

    st, _, text = server.request("GET", "/cases?product=" + urllib.parse.quote(PUMP), viewer)
    t.check(st == 200 and sorted(rows(text)) == sorted([ids["hostile"], ids["hostile2"]]),
            "the product filter (%s)" % rows(text))
    st, _, text = server.request("GET", "/cases?product=" + urllib.parse.quote(GATEWAY)
                                 + "&version=1.8", viewer)
    t.check(rows(text) == [ids["gateway"]], "the product and version filter (%s)" % rows(text))
    st, _, text = server.request("GET", "/cases?overdue=1", viewer)
    t.check(st == 200 and rows(text) == [] and 'id="case-empty"' in text,
            "no fresh case is overdue (%s)" % rows(text))
    st, _, text = server.request("GET", "/cases?limit=2", viewer)
    first = rows(text)
    nxt = re.search(r'href="([^"]+)" rel="next"', text)
    t.check(len(first) == 2 and nxt is not None, "limit=2 shows two and links the next page")
    if nxt:
        st, _, text = server.request("GET", html.unescape(nxt.group(1)), viewer)
        t.check(rows(text) and not set(rows(text)) & set(first) and
                first + rows(text) == listed[:len(first) + len(rows(text))],
                "the next page goes on where the first stopped (%s)" % rows(text))
    st, _, text = server.request("GET", "/cases?state=finished", viewer)
    t.check(st == 400 and "finished" in text and "received" in text,
            "an unknown state is 400 naming it and the states")
    st, _, text = server.request("GET", "/cases?version=1.8", viewer)
    t.check(st == 400, "a version filter without a product is 400")

    # --- one case ------------------------------------------------------------------------
    gw = "/cases/%d" % ids["gateway"]
    st, h, text = server.request("GET", gw, viewer)
    page = Page(text)
    t.check(st == 200 and "script-src 'self'" in h.get("content-security-policy", ""),
            "GET /cases/N: 200 with the page CSP")
    vuln = page.by_id.get("case-vulnerability")
    vuln_link = re.search(r'<dd id="case-vulnerability"><a href="([^"]+)">([^<]+)</a>', text)
    t.check(vuln_link is not None and vuln_link.group(1) == "/advisories/JVNDB-2022-017708",
            "the case links its vulnerability page (%s)"
            % ((vuln_link.groups(),) if vuln_link else (vuln,)))
    t.check("case-timeline" in page.by_id and 'data-kind="case-open"' in text,
            "the timeline shows the case's opening event")
    t.check(GATEWAY in text and "1.8" in text and "clock-decide" in page.by_id,
            "the case page shows the product, version and clocks")
    t.check(not any(k.startswith("transition-") for k in page.forms),
            "a viewer sees no transition forms")
    t.check("case-no-transition" in page.by_id, "a viewer is told why")
    st, _, text = server.request("GET", "/cases/%d" % ids["hostile2"], admin)
    t.check(st == 200 and not markup_problems(text),
            "the hostile case page is no markup (%s)" % markup_problems(text))
    t.check(HOSTILE2 in Page(text).text_of.get("case-facts", ""),
            "its title reads as text among the facts")
    st, _, text = server.request("GET", "/cases/%d" % ids["hostile"], admin)
    t.check(st == 200 and not markup_problems(text)
            and HOSTILE in Page(text).text_of.get("case-facts", ""),
            "the <script> case page shows its title as text (%s)" % markup_problems(text))
    st, _, _ = server.request("GET", "/cases/99999", viewer)
    t.check(st == 404, "an unknown case is 404")

    # --- transition forms --------------------------------------------------------------------
    st, _, text = server.request("GET", gw, triager)
    page = Page(text)
    forms = sorted(k for k in page.forms if k.startswith("transition-"))
    t.check(forms == ["transition-confirming", "transition-false_positive"],
            "from received: the forms of the table (%s)" % forms)
    confirm = page.forms.get("transition-confirming", {"attrs": {}, "inputs": {}})
    t.check(confirm["attrs"].get("action") == gw + "/transition"
            and confirm["attrs"].get("method") == "post", "the form posts to /cases/N/transition")
    t.check("required" in confirm["inputs"].get("assignee", {})
            and "required" not in confirm["inputs"].get("note", {"required": ""})
            and confirm["inputs"].get("to", {}).get("value") == "confirming"
            and confirm["inputs"].get("csrf", {}).get("value") == triager[1],
            "assignee is required, note is not; hidden to and csrf")

    typed = "checked by " + HOSTILE2
    st, _, text = server.post(gw + "/transition", triager,
                              [("to", "confirming"), ("assignee", ""), ("note", typed)])
    page = Page(text)
    t.check(st == 422, "a transition without its required field is 422 (%d)" % st)
    t.check("assignee" in page.text_of.get("transition-error", "")
            and "担当者" in page.text_of.get("transition-error", ""),
            "the error names the field (%r)" % page.text_of.get("transition-error"))
    t.check(page.text_of.get("t-confirming-note") == typed and not markup_problems(text),
            "what was typed is kept, as text")
    st, _, text = server.post(gw + "/transition", triager, [("to", "confirming")], lang="en")
    t.check(st == 422 and "required field" in Page(text).text_of.get("transition-error", "")
            and "(assignee)" in Page(text).text_of.get("transition-error", ""),
            "in English the error names the field too (%r)"
            % Page(text).text_of.get("transition-error"))
    p = t.run(["cases", "show", str(ids["gateway"]), "--json"], db=db, check_rc=0)
    t.check(json.loads(p.stdout)["state"] == "received", "a refused post changes nothing")

    # Refused before the case work: a viewer, another product's triager, no token, elsewhere.
    st, _, _ = server.post(gw + "/transition", viewer, [("to", "confirming"), ("assignee", "x")])
    t.check(st == 403, "a viewer's transition post is 403 (%d)" % st)
    st, _, _ = server.post("/cases/%d/transition" % ids["viewer"], triager,
                           [("to", "confirming"), ("assignee", "x")])
    t.check(st == 403, "a triager's post for another product is 403 (%d)" % st)
    st, _, text = server.request("POST", gw + "/transition", admin,
                                 {"Origin": "http://127.0.0.1:%d" % server.port},
                                 [("to", "confirming"), ("assignee", "x")])
    t.check(st == 403 and "確認トークン" in text, "a post without the CSRF token is 403 (%d)" % st)
    st, _, text = server.post(gw + "/transition", admin, [("to", "confirming"), ("assignee", "x")],
                              headers={"Origin": "http://evil.example"})
    t.check(st == 403, "a post from another origin is 403 (%d)" % st)
    st, _, _ = server.post(gw + "/transition", admin, [("to", "confirming"), ("assignee", "x")],
                           headers={"Sec-Fetch-Site": "cross-site"})
    t.check(st == 403, "a cross-site post (Sec-Fetch-Site) is 403 (%d)" % st)
    p = t.run(["cases", "show", str(ids["gateway"]), "--json"], db=db, check_rc=0)
    t.check(json.loads(p.stdout)["state"] == "received", "the refused posts changed nothing")

    # A good one.
    st, h, _ = server.post(gw + "/transition", triager,
                           [("to", "confirming"), ("assignee", "田中"), ("note", "見ます")])
    t.check(st == 303 and h.get("location") == gw, "a good transition is 303 back to the case "
            "(%d %s)" % (st, h.get("location")))
    p = t.run(["cases", "show", str(ids["gateway"]), "--json"], db=db, check_rc=0)
    shown = json.loads(p.stdout)
    t.check(shown["state"] == "confirming" and shown["fields"].get("assignee") == "田中",
            "cases show: confirming, assignee 田中 (%s %s)" % (shown["state"], shown["fields"]))
    con = t.db_connect(db)
    try:
        row = con.execute("SELECT kind, json_extract(json, '$.actor') FROM event_log WHERE "
                          "json_extract(json, '$.case') = ? ORDER BY id DESC LIMIT 1",
                          (str(ids["gateway"]),)).fetchone()
    finally:
        con.close()
    t.check(row == ("case-transition", "tomo"), "the audit event names the user (%s)" % (row,))
    st, _, text = server.request("GET", gw, viewer)
    page = Page(text)
    t.check("確認" in page.text_of.get("case-state", ""), "the page shows the new state")
    events = re.findall(r'<tr id="event-(\d+)" data-kind="([^"]+)"', text)
    t.check(events and events[0][1] == "case-transition" and events[-1][1] == "case-open",
            "the timeline is newest first (%s)" % events)
    t.check("tomo" in page.text_of.get("event-%s" % events[0][0], ""),
            "the transition's row names tomo")
    st, _, text = server.request("GET", gw + "?order=oldest", viewer)
    oldest = re.findall(r'<tr id="event-(\d+)" data-kind="([^"]+)"', text)
    t.check(oldest == list(reversed(events)), "order=oldest reverses it")
    st, _, text = server.request("GET", "/cases?assignee=" + urllib.parse.quote("田中"), viewer)
    t.check(rows(text) == [ids["gateway"]], "the assignee filter finds it (%s)" % rows(text))
    st, _, text = server.request("GET", "/cases?state=confirming&open=1", viewer)
    t.check(rows(text) == [ids["gateway"]], "the state filter finds it (%s)" % rows(text))

    # The old form again: the case has left received.
    st, _, text = server.post(gw + "/transition", triager,
                              [("to", "confirming"), ("assignee", "x")])
    t.check(st == 409, "a form for a state the case has left is 409 (%d)" % st)
    log = t.read_text(server.log_path)
    t.check("user=tomo" in log, "the access log names the user of the pages")


if __name__ == "__main__":
    main()
