#!/usr/bin/python3
"""Many sites, one view (issue 17 part 4; docs/cases.md "Sites"), end to end: two
`vulnwatch serve` processes on one store, one at site 東京 and one at site Osaka ([daemon]
site), with login sessions made in the store (make_session):

- user alice at 東京 opens the case page (its transition forms carry the case's version);
  user bob at Osaka moves the case first; alice's post of the form she saw is refused with 409,
  the page names bob and Osaka (Japanese, and English with the language switch), shows the case
  as it is now, and nothing is written (no event, the state bob left);
- alice reloads the page and her transition goes through; the timeline and "last updated" say
  "USER @ SITE";
- `cases show --json` lists both sites in the events; `cases show` prints "by USER @ SITE";
- `cases transition --expect-version` with a stale version exits 1 naming who changed the case
  and writes nothing, with the current one it goes through;
- the REST API's transition with a stale expect_version is 409 conflict naming who, where and
  when;
- SSVC points: bob at Osaka sets them first, alice's post of the SSVC form she saw is 409 with
  the same bilingual message and nothing written; `cases ssvc --expect-version` likewise;
- hospital notices: alice prepares one at 東京, bob at Osaka and carol at 東京 both see the draft;
  bob approves first and carol's approval is 409 naming bob @ Osaka (nothing written); carol
  sends from the approved view, bob's send from that same view is 409 naming carol @ 東京 and
  queues nothing; every notice event records its site (`notices show`, the case's timeline);
  `notices send --expect-version` with a stale version exits 1.
Needs no loopback test server (the notices are queued, not delivered)."""
import html
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402
import web_support as ws  # noqa: E402

PASSWORD = "correct horse battery staple 7"
PUMP = "Infusion Pump Console"


class Server(ws.Serve):
    """One `vulnwatch serve` of a site on a free loopback port."""

    def __init__(self, work, db, site, name):
        super().__init__(work, db, name=name, config_text=site_config(db, site))

    def post(self, path, session, fields, lang=None):
        """A form post as the browser sends it: the session's CSRF token, this origin."""
        form = [("csrf", session[1])] + list(fields)
        return self.request("POST", path, session, {"Origin": self.base}, form, lang)

    def api_post(self, path, session, doc):
        """A JSON POST with the session cookie, its CSRF token and this origin."""
        return self.request("POST", path, session,
                            {"Origin": self.base, "X-CSRF-Token": session[1],
                             "Content-Type": "application/json"},
                            body=json.dumps(doc).encode())


def site_config(db, site):
    # The e-mail notifier only queues the notices' letters here: nothing delivers them.
    return ("[store]\npath = %s\n\n[daemon]\nsite = %s\n\n[web]\nlisten = 127.0.0.1:0\n\n"
            "[notifier.mail]\ntype = email\nsmtp = smtp://127.0.0.1:2525\nstarttls = off\n"
            "from = psirt@maker.example.jp\n\n[notices]\nnotifier = mail\n" % (db, site))


def hidden_inputs(text, form_id):
    """name -> value of the hidden inputs of the form `form_id`."""
    m = re.search(r'<form [^>]*\bid="%s".*?</form>' % re.escape(form_id), text, re.S)
    if not m:
        return {}
    return {n: html.unescape(v) for n, v in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', m.group(0))}


def text_of(text, ident):
    """The text (tags removed, entities decoded) of the element with id `ident`."""
    m = re.search(r'<(\w+)[^>]*\bid="%s"[^>]*>(.*?)</\1>' % re.escape(ident), text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip() if m else ""


def case_json(cli_conf, case_id):
    p = t.run(["cases", "show", str(case_id), "--json"], config=cli_conf, check_rc=0)
    try:
        return json.loads(p.stdout)
    except ValueError:
        t.check(False, "cases show --json prints JSON (%r)" % p.stdout[:200])
        return {"events": [], "state": "", "last_event": 0, "fields": {}}


def make_store(work):
    db = os.path.join(work, "sites.db")
    cli_conf = os.path.join(work, "sapporo.conf")
    with open(cli_conf, "w", encoding="utf-8") as f:
        f.write("[store]\npath = %s\n\n[daemon]\nsite = 札幌\n" % db)
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          config=cli_conf, check_rc=0)
    pw = os.path.join(work, "password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    for name in ("alice", "bob", "carol"):
        t.run(["users", "add", name, "--role", "admin", "--password-file", pw, "--by", "setup"],
              config=cli_conf, check_rc=0)
    p = t.run(["cases", "open", "--product", PUMP, "--version", "2.0", "--title",
               "a hospital's report of an open debug port", "--severity", "High", "--by", "setup"],
              config=cli_conf, check_rc=0)
    m = re.search(r"case #(\d+) opened", p.stdout)
    t.check(m is not None, "cases open prints the case number (%r)" % p.stdout)
    return db, cli_conf, int(m.group(1)) if m else 0


def main():
    work = tempfile.mkdtemp(prefix="vw-web-sites-")
    try:
        db, cli_conf, case_id = make_store(work)
        tokyo = Server(work, db, "東京", "tokyo")
        try:
            osaka = Server(work, db, "Osaka", "osaka")
            try:
                checks(tokyo, osaka, db, cli_conf, case_id)
                ssvc_checks(tokyo, osaka, db, cli_conf)
                notice_checks(tokyo, osaka, db, cli_conf, work)
            finally:
                rc = osaka.stop()
            t.check(rc == 0, "SIGTERM stops the Osaka serve with exit 0 (%r)" % rc)
        finally:
            rc = tokyo.stop()
        t.check(rc == 0, "SIGTERM stops the 東京 serve with exit 0 (%r)" % rc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def checks(tokyo, osaka, db, cli_conf, case_id):
    alice = ws.make_session(db, "alice")
    bob = ws.make_session(db, "bob")
    path = "/cases/%d" % case_id
    opened = case_json(cli_conf, case_id)
    t.check(opened["events"] and all(e.get("site") == "札幌" for e in opened["events"]),
            "the case-open event of the CLI records its site (%s)"
            % [e.get("site") for e in opened["events"]])

    # alice at 東京 opens the page: the form carries the version she sees.
    st, _, page_a = tokyo.request("GET", path, alice)
    seen_a = hidden_inputs(page_a, "transition-confirming").get("expect_version", "")
    t.check(st == 200 and seen_a == str(opened["last_event"]),
            "the 東京 page's form carries the case's version (%r, last_event %s)"
            % (seen_a, opened["last_event"]))

    # bob at Osaka moves the case first, with the version his page carried.
    st, _, page_b = osaka.request("GET", path, bob)
    seen_b = hidden_inputs(page_b, "transition-confirming").get("expect_version", "")
    t.check(seen_b == seen_a, "both pages were made from the same version (%r, %r)"
            % (seen_a, seen_b))
    st, h, _ = osaka.post(path + "/transition", bob,
                          [("to", "confirming"), ("expect_version", seen_b),
                           ("assignee", "bob"), ("note", "checked at the Osaka lab")])
    t.check(st == 303 and h.get("location") == path,
            "bob's transition at Osaka is 303 back to the case (%d)" % st)
    after_b = case_json(cli_conf, case_id)
    t.check(after_b["state"] == "confirming" and after_b["last_event"] > int(seen_a or 0),
            "the case is confirming with a new version (%s, %s)"
            % (after_b["state"], after_b["last_event"]))

    # alice's post of the form she saw: 409, the page names bob and Osaka, nothing written.
    st, _, text = tokyo.post(path + "/transition", alice,
                             [("to", "confirming"), ("expect_version", seen_a),
                              ("assignee", "alice")])
    error = text_of(text, "transition-error")
    t.check(st == 409, "alice's stale transition at 東京 is 409 (%d)" % st)
    t.check('data-conflict="true"' in text and "bob @ Osaka" in error and "ほかの人" in error
            and "記録していません" in error,
            "the page says in Japanese that bob at Osaka changed the case meanwhile (%r)" % error)
    t.check(text_of(text, "case-state") == "確認",
            "the refused page shows the case as it is now (%r)" % text_of(text, "case-state"))
    t.check("bob @ Osaka" in text_of(text, "case-last-change"),
            "the last change names bob @ Osaka (%r)" % text_of(text, "case-last-change"))
    st, _, text = tokyo.post(path + "/transition", alice,
                             [("to", "confirming"), ("expect_version", seen_a),
                              ("assignee", "alice")], lang="en")
    error = text_of(text, "transition-error")
    t.check(st == 409 and "Someone else (bob @ Osaka) changed this case" in error
            and "not recorded" in error and "confirming" in error.lower(),
            "and in English with the language switch (%r)" % error)
    unchanged = case_json(cli_conf, case_id)
    t.check(len(unchanged["events"]) == len(after_b["events"])
            and unchanged["last_event"] == after_b["last_event"]
            and unchanged["fields"].get("assignee") == "bob",
            "the refused transitions wrote nothing (%d events, assignee %r)"
            % (len(unchanged["events"]), unchanged["fields"].get("assignee")))
    st, _, text = tokyo.post(path + "/transition", alice,
                             [("to", "evaluating"), ("expect_version", "12x"),
                              ("finding", "x")])
    t.check(st == 422 and "expect_version" in text_of(text, "transition-error"),
            "a version that is no number is 422 naming expect_version (%d)" % st)

    # alice reloads: the form carries the new version, and her transition goes through.
    st, _, page_a = tokyo.request("GET", path, alice)
    seen_a2 = hidden_inputs(page_a, "transition-evaluating").get("expect_version", "")
    t.check(seen_a2 == str(after_b["last_event"]),
            "the reloaded page carries the new version (%r)" % seen_a2)
    st, h, _ = tokyo.post(path + "/transition", alice,
                          [("to", "evaluating"), ("expect_version", seen_a2),
                           ("finding", "the debug port is open on 2.0")])
    t.check(st == 303 and h.get("location") == path,
            "alice's transition from the reloaded page is 303 (%d)" % st)
    st, _, text = osaka.request("GET", path + "?order=oldest", bob)
    actors = [html.unescape(re.sub(r"<[^>]+>", "", a)).strip()
              for a in re.findall(r'<td class="actor">(.*?)</td>', text, re.S)]
    t.check(actors[-2:] == ["bob @ Osaka", "alice @ 東京"]
            and actors[:-2] and all(a == "setup @ 札幌" for a in actors[:-2]),
            "the Osaka page's timeline shows each USER @ SITE (%s)" % actors)
    t.check("alice @ 東京" in text_of(text, "case-last-change"),
            "and the last change by alice @ 東京 (%r)" % text_of(text, "case-last-change"))

    # The CLI: both sites in the events; the text names USER @ SITE.
    now = case_json(cli_conf, case_id)
    sites = [(e["actor"], e.get("site")) for e in now["events"]]
    t.check(now["state"] == "evaluating"
            and ("bob", "Osaka") in sites and ("alice", "東京") in sites,
            "cases show --json lists both sites (%s)" % sites)
    t.check(all(e["details"].get("site") == e.get("site") for e in now["events"]),
            "each event's site is its audit detail \"site\"")
    p = t.run(["cases", "show", str(case_id)], config=cli_conf, check_rc=0)
    t.check("by bob @ Osaka" in p.stdout and "by alice @ 東京" in p.stdout,
            "cases show prints by USER @ SITE")
    p = t.run(["cases", "transition", str(case_id), "responding", "--by", "carol",
               "--risk", "controlled", "--action", "mitigation",
               "--assessment", "reachable only on the service LAN",
               "--expect-version", str(after_b["last_event"])], config=cli_conf, check_rc=1)
    t.check("alice @ 東京" in p.stderr and "nothing was written" in p.stderr
            and "何も記録していません" in p.stderr and str(now["last_event"]) in p.stderr,
            "a stale --expect-version exits 1 naming alice @ 東京 and the version (%r)"
            % p.stderr.strip())
    t.check(len(case_json(cli_conf, case_id)["events"]) == len(now["events"]),
            "and writes nothing")
    p = t.run(["cases", "transition", str(case_id), "responding", "--by", "carol",
               "--expect-version", "abc"], config=cli_conf, check_rc=2)
    t.check("--expect-version" in p.stderr, "a version that is no number is a usage error (%r)"
            % p.stderr.strip())

    # The REST API: a stale expect_version is 409 conflict naming who, where and when.
    st, _, doc = osaka.api_post("/api/v1" + path + "/transition", bob,
                                {"state": "responding", "expect_version": after_b["last_event"],
                                 "fields": {"risk": "controlled", "action": "mitigation",
                                            "assessment": "service LAN only"}})
    problem = json.loads(doc) if doc.startswith("{") else {}
    t.check(st == 409 and problem.get("type", "").endswith(":conflict")
            and problem.get("changed_by") == "alice" and problem.get("changed_at_site") == "東京"
            and problem.get("last_event") == now["last_event"]
            and problem.get("state") == "evaluating" and problem.get("changed_at"),
            "the API's stale transition is 409 conflict naming alice at 東京 (%d %s)"
            % (st, doc[:400]))
    st, _, doc = osaka.api_post("/api/v1" + path + "/transition", bob,
                                {"state": "responding", "expect_version": now["last_event"],
                                 "fields": {"risk": "controlled", "action": "mitigation",
                                            "assessment": "service LAN only"}})
    moved = json.loads(doc) if doc.startswith("{") else {}
    t.check(st == 200 and moved.get("state") == "responding"
            and moved.get("last_event", 0) > now["last_event"],
            "with the current version the API moves the case (%d)" % st)
    last = case_json(cli_conf, case_id)["events"][-1]
    t.check((last["actor"], last.get("site")) == ("bob", "Osaka"),
            "the API's transition records bob @ Osaka (%s)" % ((last["actor"], last.get("site")),))



def open_case(cli_conf, title):
    p = t.run(["cases", "open", "--product", PUMP, "--version", "2.0", "--title", title,
               "--severity", "High", "--by", "setup"], config=cli_conf, check_rc=0)
    m = re.search(r"case #(\d+) opened", p.stdout)
    t.check(m is not None, "cases open prints the case number (%r)" % p.stdout)
    return int(m.group(1)) if m else 0


def ssvc_checks(tokyo, osaka, db, cli_conf):
    """Two sites race on a case's SSVC points: the stale form is 409, nothing written."""
    alice = ws.make_session(db, "alice")
    bob = ws.make_session(db, "bob")
    case_id = open_case(cli_conf, "a finder's report of a weak default password")
    path = "/cases/%d" % case_id
    opened = case_json(cli_conf, case_id)
    _, _, page_a = tokyo.request("GET", path, alice)
    _, _, page_b = osaka.request("GET", path, bob)
    seen_a = hidden_inputs(page_a, "ssvc-form").get("expect_version", "")
    seen_b = hidden_inputs(page_b, "ssvc-form").get("expect_version", "")
    t.check(seen_a == seen_b == str(opened["last_event"]),
            "both SSVC forms carry the case's version (%r, %r, last_event %s)"
            % (seen_a, seen_b, opened["last_event"]))
    st, h, _ = osaka.post(path + "/ssvc", bob, [("expect_version", seen_b),
                                                ("exploitation", "active")])
    t.check(st == 303 and h.get("location", "").startswith(path),
            "bob's SSVC points at Osaka are 303 back to the case (%d)" % st)
    after_b = case_json(cli_conf, case_id)
    t.check(after_b["fields"].get("ssvc_exploitation") == "active"
            and any(e["kind"] == "case-ssvc" and (e["actor"], e.get("site")) == ("bob", "Osaka")
                    for e in after_b["events"]),
            "the case-ssvc event records bob @ Osaka (%s)"
            % [(e["kind"], e["actor"], e.get("site")) for e in after_b["events"]])

    st, _, text = tokyo.post(path + "/ssvc", alice, [("expect_version", seen_a),
                                                     ("exploitation", "none")])
    error = text_of(text, "transition-error")
    t.check(st == 409 and 'data-conflict="true"' in text and "ほかの人 (bob @ Osaka)" in error
            and "SSVC の判断点は記録していません" in error,
            "alice's stale SSVC points at 東京 are 409 naming bob @ Osaka (%d %r)" % (st, error))
    st, _, text = tokyo.post(path + "/ssvc", alice, [("expect_version", seen_a),
                                                     ("exploitation", "none")], lang="en")
    error = text_of(text, "transition-error")
    t.check(st == 409 and "Someone else (bob @ Osaka) changed this case" in error
            and "Your SSVC points were not recorded" in error,
            "and in English (%d %r)" % (st, error))
    unchanged = case_json(cli_conf, case_id)
    t.check(len(unchanged["events"]) == len(after_b["events"])
            and unchanged["last_event"] == after_b["last_event"]
            and unchanged["fields"].get("ssvc_exploitation") == "active",
            "the refused SSVC points wrote nothing (%d events, %r)"
            % (len(unchanged["events"]), unchanged["fields"].get("ssvc_exploitation")))
    st, _, text = tokyo.post(path + "/ssvc", alice, [("expect_version", "v1"),
                                                     ("exploitation", "none")])
    t.check(st == 422 and "expect_version" in text_of(text, "transition-error"),
            "an SSVC form whose version is no number is 422 (%d)" % st)

    # The CLI: a stale --expect-version exits 1 naming bob @ Osaka; the current one goes through.
    p = t.run(["cases", "ssvc", str(case_id), "--by", "carol", "--exploitation", "poc",
               "--expect-version", seen_a], config=cli_conf, check_rc=1)
    t.check("bob @ Osaka" in p.stderr and "nothing was written" in p.stderr
            and "何も記録していません" in p.stderr,
            "cases ssvc with a stale --expect-version exits 1 naming bob @ Osaka (%r)"
            % p.stderr.strip())
    t.check(len(case_json(cli_conf, case_id)["events"]) == len(after_b["events"]),
            "and writes nothing")
    t.run(["cases", "ssvc", str(case_id), "--by", "carol", "--exploitation", "poc",
           "--expect-version", str(after_b["last_event"])], config=cli_conf, check_rc=0)
    now = case_json(cli_conf, case_id)
    t.check(now["fields"].get("ssvc_exploitation") == "poc"
            and any(e["kind"] == "case-ssvc" and (e["actor"], e.get("site")) == ("carol", "札幌")
                    for e in now["events"]),
            "with the current version cases ssvc sets the points at site 札幌")


def notice_json(cli_conf, notice_id):
    p = t.run(["notices", "show", str(notice_id), "--json"], config=cli_conf, check_rc=0)
    try:
        return json.loads(p.stdout)
    except ValueError:
        t.check(False, "notices show --json prints JSON (%r)" % p.stdout[:200])
        return {"version": 0, "steps": [], "state": "", "letters": []}


def notice_checks(tokyo, osaka, db, cli_conf, work):
    """Two sites race on a hospital notice's approval and its sending."""
    alice = ws.make_session(db, "alice")
    bob = ws.make_session(db, "bob")
    carol = ws.make_session(db, "carol")
    case_id = open_case(cli_conf, "an unauthenticated maintenance port")
    for state, fields in (("confirming", ["--assignee", "setup"]),
                          ("evaluating", ["--finding", "the port answers without a password"]),
                          ("responding", ["--risk", "uncontrolled", "--assessment", "remote",
                                          "--action", "mitigation"]),
                          ("informing", ["--remedy", "close the maintenance port"])):
        t.run(["cases", "transition", str(case_id), state, "--by", "setup"] + fields,
              config=cli_conf, check_rc=0)
    csv = os.path.join(work, "installbase.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("施設名,施設ID,製品,バージョン,台数,担当者,メールアドレス,宛先種別\n"
                "中央病院,S001,%s,2.0,2,山田 太郎,yamada@chuo.example.jp,病院\n" % PUMP)
    t.run(["installbase", "import", csv, "--by", "setup"], config=cli_conf, check_rc=0)
    path = "/cases/%d" % case_id
    post = path + "/notices"

    # alice prepares the notice at 東京.
    st, _, _ = tokyo.post(post, alice, [("action", "prepare")])
    t.check(st == 303, "alice prepares the notice at 東京 (%d)" % st)
    listed = json.loads(t.run(["notices", "list", "--case", str(case_id), "--json"],
                              config=cli_conf, check_rc=0).stdout or "[]")
    nid = listed[0]["id"] if listed else 0
    draft = notice_json(cli_conf, nid)
    t.check(draft["state"] == "draft" and draft["version"] > 0
            and [(s["kind"], s["actor"], s["site"]) for s in draft["steps"]]
            == [("notice-prepare", "alice", "東京")],
            "the draft's version is its prepare event, which records alice @ 東京 (%s)"
            % draft.get("steps"))

    # bob at Osaka and carol at 東京 both see the draft; bob approves first.
    form = "notice-approve-%d" % nid
    _, _, page_b = osaka.request("GET", path, bob)
    _, _, page_c = tokyo.request("GET", path, carol)
    seen_b = hidden_inputs(page_b, form).get("expect_version", "")
    seen_c = hidden_inputs(page_c, form).get("expect_version", "")
    t.check(seen_b == seen_c == str(draft["version"]),
            "both approve forms carry the notice's version (%r, %r, %s)"
            % (seen_b, seen_c, draft["version"]))
    st, _, _ = osaka.post(post, bob, [("action", "approve"), ("notice", str(nid)),
                                      ("expect_version", seen_b)])
    t.check(st == 303, "bob approves at Osaka (%d)" % st)
    approved = notice_json(cli_conf, nid)
    st, _, text = tokyo.post(post, carol, [("action", "approve"), ("notice", str(nid)),
                                           ("expect_version", seen_c)])
    error = text_of(text, "transition-error")
    t.check(st == 409 and 'data-conflict="true"' in text
            and "ほかの人 (bob @ Osaka)" in error and "お知らせ #%d" % nid in error
            and "承認済み" in error and "承認は記録していません" in error,
            "carol's stale approval at 東京 is 409 naming bob @ Osaka (%d %r)" % (st, error))
    st, _, text = tokyo.post(post, carol, [("action", "approve"), ("notice", str(nid)),
                                           ("expect_version", seen_c)], lang="en")
    error = text_of(text, "transition-error")
    t.check(st == 409 and "Someone else (bob @ Osaka) changed notice #%d" % nid in error
            and "approved" in error and "Your approval was not recorded" in error,
            "and in English (%d %r)" % (st, error))
    after = notice_json(cli_conf, nid)
    t.check(after["version"] == approved["version"] and after["approved_by"] == "bob"
            and len(after["steps"]) == 2 and after["steps"][1]["site"] == "Osaka",
            "the refused approval wrote nothing (%s)" % after.get("steps"))

    # carol and bob both see the approved notice; carol sends, bob's send is stale.
    form = "notice-send-%d" % nid
    _, _, page_b = osaka.request("GET", path, bob)
    _, _, page_c = tokyo.request("GET", path, carol)
    seen_b = hidden_inputs(page_b, form).get("expect_version", "")
    seen_c = hidden_inputs(page_c, form).get("expect_version", "")
    t.check(seen_b == seen_c == str(approved["version"]),
            "both send forms carry the approved notice's version (%r, %r)" % (seen_b, seen_c))
    st, _, _ = tokyo.post(post, carol, [("action", "send"), ("notice", str(nid)),
                                        ("expect_version", seen_c)])
    t.check(st == 303, "carol sends at 東京 (%d)" % st)
    sent = notice_json(cli_conf, nid)
    st, _, text = osaka.post(post, bob, [("action", "send"), ("notice", str(nid)),
                                         ("expect_version", seen_b)])
    error = text_of(text, "transition-error")
    t.check(st == 409 and "ほかの人 (carol @ 東京)" in error and "送信済み" in error
            and "送信の操作は記録していません" in error,
            "bob's stale send at Osaka is 409 naming carol @ 東京 (%d %r)" % (st, error))
    again = notice_json(cli_conf, nid)
    t.check(sent["state"] == "sent" and again["version"] == sent["version"]
            and len(again["steps"]) == 3 and again["sent_by"] == "carol"
            and [l["state"] for l in again["letters"]] == ["queued"],
            "the refused send wrote and queued nothing (%s)" % again.get("steps"))
    t.check([(s["actor"], s["site"]) for s in again["steps"]]
            == [("alice", "東京"), ("bob", "Osaka"), ("carol", "東京")],
            "each notice event records its user and site (%s)" % again.get("steps"))

    # The CLI: the text says who and where; a stale --expect-version exits 1.
    p = t.run(["notices", "show", str(nid)], config=cli_conf, check_rc=0)
    t.check("by alice @ 東京" in p.stdout and "by bob @ Osaka" in p.stdout
            and "by carol @ 東京" in p.stdout and "version: %d" % sent["version"] in p.stdout,
            "notices show prints by USER @ SITE and the version (%r)" % p.stdout[:400])
    p = t.run(["notices", "send", str(nid), "--user", "bob", "--expect-version",
               str(approved["version"])], config=cli_conf, check_rc=1)
    t.check("carol @ 東京" in p.stderr and "何も記録していません" in p.stderr
            and "nothing was written" in p.stderr,
            "notices send with a stale --expect-version exits 1 naming carol @ 東京 (%r)"
            % p.stderr.strip())
    p = t.run(["notices", "approve", str(nid), "--user", "bob", "--expect-version", "0"],
              config=cli_conf, check_rc=2)
    t.check("--expect-version" in p.stderr, "a version that is no positive number is a usage "
            "error (%r)" % p.stderr.strip())
    t.check(notice_json(cli_conf, nid)["version"] == sent["version"], "and nothing was written")

    # The case page's timeline shows the notice events with their sites.
    _, _, text = osaka.request("GET", path + "?order=oldest", bob)
    rows = re.findall(r'<tr id="event-\d+" data-kind="(notice-[a-z]+)">\s*<td>[^<]*</td>\s*'
                      r'<td class="actor">(.*?)</td>', text, re.S)
    actors = [(k, html.unescape(re.sub(r"<[^>]+>", "", a)).strip()) for k, a in rows]
    t.check(actors == [("notice-prepare", "alice @ 東京"), ("notice-approve", "bob @ Osaka"),
                       ("notice-send", "carol @ 東京")],
            "the case's timeline shows each notice step's USER @ SITE (%s)" % actors)


if __name__ == "__main__":
    main()
