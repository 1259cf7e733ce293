#!/usr/bin/python3
"""Hospital notices end to end (issue 14 part 2) with the real binary and the loopback SMTP
server: the demo feed's Log4j advisory matches two versions of a product (one case each), both
moved to informing; a two-site install base with one lessor (one site per version) gives three
letters. `notices preview` shows them and stores nothing; `notices prepare` stores a draft
whose letters are archived as evidence (SHA-256 of the stored bytes); approving as the user
who prepared it, as a viewer, or sending before approval is refused (exit 1, a reason); a
second triager approves; `notices send` queues three mails that `poll --once` delivers; the
mails decode with Python's email package (Japanese subject and body, UTF-8, multipart
text + HTML); the letters' hashes are in `audit export`; a second `notices send` queues nothing
and no mail arrives twice; a hospital whose address the SMTP server refuses (550) is recorded as
bounced — that notice made through the case page of `vulnwatch serve` (prepare, the
preparer's approval refused 403, a viewer's 403, a post without the CSRF token 403, sending a
draft 409, a second triager's approval, send), the letters' text escaped on the page with the
CSP header — and the chain still verifies."""
import email.header
import hashlib
import http.client
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402
import web_support as web  # noqa: E402

ws = t.Workspace("notices")
ws.write("smtp.secret", t.env("TS_SMTP_PASS") + "\n")
hospital_a = ws.address("chuo")
hospital_b = ws.address("higashi")
lessor = ws.address("lease")
rejecting = ws.address("reject-pump")  # local part starts with "reject": the server says 550

cfg = ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[notifier.mail]
type = email
smtp = smtp://127.0.0.1:{t.env("TS_SMTP_PORT")}
starttls = required
ca_file = {t.env("TS_CA_CERT")}
from = 製品セキュリティ窓口 <psirt@maker.example.jp>
user = {t.env("TS_SMTP_USER")}
password_file = smtp.secret
timeout = 10s

[web]
listen = 127.0.0.1:0

[notices]
notifier = mail
contact = 株式会社サンプル 製品セキュリティ窓口\\nTEL 03-0000-0000 / psirt@maker.example.jp
""")

products = ws.write("products.json", json.dumps({"products": [
    {"name": "Example Imaging Viewer", "version": v, "owners": ["psirt@maker.example.jp"],
     "components": [{"vendor": "apache", "name": "log4j-core", "version": "2.14.1",
                     "cpe": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]}
    for v in ("3.2", "3.3")] + [
    {"name": "Infusion Pump Console", "version": "2.0", "owners": ["pump@maker.example.jp"]}]},
    ensure_ascii=False))


def run(args, check_rc=None):
    return t.run(args, config=cfg, check_rc=check_rc)


def query(sql, *params):
    con = t.db_connect(ws.db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def mails():
    return t.mails_for(ws.tag)


def header(msg, name):
    return str(email.header.make_header(email.header.decode_header(msg.get(name, ""))))


run(["config", "check"], check_rc=0)
run(["products", "import", products], check_rc=0)
run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], check_rc=0)
cases = [json.loads(line) for line in
         run(["cases", "list", "--product", "Example Imaging Viewer", "--json"],
             check_rc=0).stdout.splitlines() if line.strip()]
t.check(sorted(c["version"] for c in cases) == ["3.2", "3.3"],
        "the Log4j advisory opened one case per version (%s)" % [c["version"] for c in cases])
t.check(len({c["cluster_key"] for c in cases}) == 1, "both cases are of one vulnerability")
for c in cases:
    cid = str(c["id"])
    for state, fields in (("confirming", ["--assignee", "佐藤"]),
                          ("evaluating", ["--finding", "log4j-core 2.14.1 を同梱"]),
                          ("responding", ["--risk", "uncontrolled", "--assessment", "遠隔から悪用可能",
                                          "--action", "fix", "--target-version", "3.4"]),
                          ("informing", ["--remedy", "ネットワークから切り離し、JndiLookup を無効にしてください。",
                                         "--fixed-version", "3.4"])):
        run(["cases", "transition", cid, state, "--by", "佐藤"] + fields, check_rc=0)
case_id = cases[0]["id"] if cases else 0

csv = ("施設名,施設ID,製品,バージョン,台数,担当者,メールアドレス,宛先種別\n"
       f"中央病院,S001,Example Imaging Viewer,3.2,3,山田 太郎,{hospital_a},病院\n"
       f"東病院,S002,Example Imaging Viewer,3.3,1,佐藤 花子,{hospital_b},病院\n"
       f"東病院,S002,Example Imaging Viewer,3.3,1,リース担当,{lessor},リース会社\n"
       f"西病院,S003,Infusion Pump Console,2.0,2,受付,{rejecting},病院\n")
run(["installbase", "import", ws.write("installbase.csv", csv), "--by", "setup"], check_rc=0)

pw = ws.write("pw", "correct horse battery staple\n")
run(["users", "add", "alice", "--role", "triager", "--product", "Example Imaging Viewer",
     "--product", "Infusion Pump Console", "--password-file", pw, "--by", "setup"], check_rc=0)
run(["users", "add", "bob", "--role", "triager", "--product", "Example Imaging Viewer",
     "--product", "Infusion Pump Console", "--password-file", pw, "--by", "setup"], check_rc=0)
run(["users", "add", "carol", "--role", "viewer", "--password-file", pw, "--by", "setup"],
    check_rc=0)

# --- preview: three letters, nothing stored -----------------------------------------------
p = run(["notices", "preview", "--case", str(case_id), "--json"], check_rc=0)
preview = json.loads(p.stdout or "{}")
letters = preview.get("letters", [])
t.check(sorted(x["to"] for x in letters) == sorted([hospital_a, hospital_b, lessor]),
        "the preview has three letters: two hospitals and the lessor (%s)" % [x["to"] for x in letters])
t.check(sorted(preview.get("cases", [])) == sorted(c["id"] for c in cases),
        "the case group is both versions' cases")
by_to = {x["to"]: x for x in letters}
a_text = by_to.get(hospital_a, {}).get("text", "")
t.check("3.2" in a_text and "3.3" not in a_text.split("■ 脆弱性の内容")[0],
        "the first hospital's letter names only its version 3.2")
t.check("ネットワークから切り離し" in a_text and "修正版: バージョン 3.4" in a_text,
        "the letter says what to do now and the fixed version")
t.check("TEL 03-0000-0000" in a_text, "the letter gives the configured contact")
t.check("CVSS" in a_text, "the letter gives the CVSS score")
t.check(query("SELECT COUNT(*) FROM notice")[0][0] == 0, "the preview stored nothing")
p = run(["notices", "preview", "--case", str(case_id), "--lang", "en"], check_rc=0)
t.check("What to do now" in p.stdout and "=== To: " in p.stdout, "an English preview on the terminal")

# --- prepare, approve (refusals), send ------------------------------------------------------
p = run(["notices", "prepare", "--case", str(case_id), "--user", "alice", "--json"], check_rc=0)
notice = json.loads(p.stdout or "{}")
nid = str(notice.get("id", 0))
t.check(len(notice.get("letters", [])) == 3 and notice.get("state") == "draft",
        "prepare stores a draft with three letters")
p = run(["notices", "prepare", "--case", str(case_id), "--user", "bob"], check_rc=1)
t.check("not sent yet" in p.stderr, "a second notice of the same group is refused: %s" % p.stderr.strip())
for letter in notice.get("letters", []):
    blob = query("SELECT hash FROM evidence WHERE hash = ?", letter["content_hash"])
    t.check(len(blob) == 1, "the letter to %s is archived as evidence" % letter["to"])
p = run(["evidence", "show", notice["letters"][0]["content_hash"], "--out", ws.dir + "/letter.json"],
        check_rc=0)
with open(ws.dir + "/letter.json", "rb") as f:
    raw = f.read()
t.check(hashlib.sha256(raw).hexdigest() == notice["letters"][0]["content_hash"],
        "the archived letter's SHA-256 is its content hash")
t.check(json.loads(raw)["to"] == notice["letters"][0]["to"], "the archived letter names its recipient")

p = run(["notices", "send", nid, "--user", "alice"], check_rc=1)
t.check("承認" in p.stderr and "not approved" in p.stderr, "a draft cannot be sent: %s" % p.stderr.strip())
p = run(["notices", "approve", nid, "--user", "alice"], check_rc=1)
t.check("second person" in p.stderr and "別の人" in p.stderr,
        "the preparer cannot approve: %s" % p.stderr.strip())
p = run(["notices", "approve", nid, "--user", "carol"], check_rc=1)
t.check("may not approve" in p.stderr, "a viewer cannot approve: %s" % p.stderr.strip())
p = run(["notices", "approve", nid, "--user", "nobody"], check_rc=1)
t.check("there is no user" in p.stderr, "an unknown user cannot approve")
run(["notices", "approve", nid, "--user", "bob"], check_rc=0)
p = run(["notices", "send", nid, "--user", "bob", "--json"], check_rc=0)
sent = json.loads(p.stdout or "{}")
t.check(sent.get("queued") == 3, "send queues three mails (%s)" % sent.get("queued"))
run(["poll", "--once"], check_rc=0)

got = t.wait_until(lambda: len(mails()) >= 3, seconds=20)
got = mails()
t.check(len(got) == 3, "three mails arrived (%d)" % len(got))
for meta, msg in got:
    to = meta["rcpt_tos"][0]
    subject = header(msg, "Subject")
    t.check(subject.startswith("【重要】Example Imaging Viewer の脆弱性に関するお知らせ"),
            "the subject to %s is Japanese: %s" % (to, subject))
    t.check(msg.get_content_type() == "multipart/alternative", "the mail to %s has text and HTML" % to)
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    t.check(plain is not None and plain.get_content_charset() == "utf-8",
            "the text part to %s is UTF-8" % to)
    body = plain.get_content() if plain is not None else ""
    t.check("様" in body and "医療機関で今すぐお願いしたい対応" in body,
            "the body to %s decodes to the Japanese letter" % to)
    t.check(html is not None and "<h2" in html.get_content(), "the HTML part to %s decodes" % to)
lessor_mail = [m for meta, m in got if lessor in meta["rcpt_tos"]]
t.check(bool(lessor_mail) and "お取引先の医療機関" in lessor_mail[0].get_body(("plain",)).get_content(),
        "the lessor's letter speaks to a lessor")

recorded = sorted(r[0] for r in query("SELECT state FROM notice_recipient WHERE notice_id = ?",
                                       int(nid)))
t.check(recorded == ["sent", "sent", "sent"],
        "the delivering poll recorded each letter as sent (%s)" % recorded)
p = run(["notices", "list", "--json"], check_rc=0)
listed = json.loads(p.stdout or "[]")
states = sorted(x["state"] for x in listed[0]["letters"]) if listed else []
t.check(states == ["sent", "sent", "sent"], "each letter is recorded as sent (%s)" % states)
t.check(listed and listed[0]["approved_by"] == "bob" and listed[0]["prepared_by"] == "alice",
        "the notice names who prepared and who approved it")

# --- a second send queues nothing -------------------------------------------------------------
p = run(["notices", "send", nid, "--user", "bob", "--json"], check_rc=0)
again = json.loads(p.stdout or "{}")
t.check(again.get("queued") == 0 and again.get("already_sent") is True,
        "a second send queues nothing")
run(["poll", "--once"], check_rc=0)
t.check(len(mails()) == 3, "no mail arrives twice")
t.check(query("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'notice-%'")[0][0] == 3,
        "the outbox holds three notice messages")

# --- the hashes are in the audit export ---------------------------------------------------------
p = run(["audit", "export", "--since", "2000-01-01", "--format", "jsonl"], check_rc=0)
for letter in notice.get("letters", []):
    t.check(letter["content_hash"] in p.stdout,
            "the audit export names the hash of the letter to %s" % letter["to"])
p = run(["audit", "export", str(case_id)], check_rc=0)
t.check(all(x["content_hash"] in p.stdout for x in notice.get("letters", [])),
        "the case's audit export names every letter's hash")
t.check("notice 1 approved (prepared by alice)" in p.stdout,
        "the case's export shows the approval")

# --- a refused address is bounced --------------------------------------------------------------
pump = json.loads(run(["cases", "open", "--product", "Infusion Pump Console", "--version", "2.0",
                       "--title", "病院からの報告: <script>alert(1)</script>", "--by", "佐藤", "--severity", "High",
                       "--json"], check_rc=0).stdout or "{}")
pid = str(pump.get("id", 0))
for state, fields in (("confirming", ["--assignee", "佐藤"]),
                      ("evaluating", ["--finding", "確認済み"]),
                      ("responding", ["--risk", "controlled", "--assessment", "院内限定",
                                      "--action", "mitigation"]),
                      ("informing", ["--remedy", "管理画面のパスワードを変更してください。"])):
    run(["cases", "transition", pid, state, "--by", "佐藤"] + fields, check_rc=0)
# This notice is made through the case page, as a browser would.
server = web.Serve(ws.dir, ws.db, config=cfg, name="web")
bob_s, alice_s, carol_s = (web.make_session(ws.db, u) for u in ("bob", "alice", "carol"))


def request(method, path, session, form=None, csrf=True):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Cookie": "vw_session=" + session[0]}
    body = None
    if form is not None:
        fields = ([("csrf", session[1])] if csrf else []) + list(form)
        body = urllib.parse.urlencode(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = "http://127.0.0.1:%d" % server.port
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    text = r.read().decode("utf-8", "replace")
    got = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, got, text


try:
    page = "/cases/%s" % pid
    post = page + "/notices"
    st, h, text = request("GET", page, bob_s)
    t.check(st == 200 and 'id="notice-prepare"' in text, "the case page offers to prepare the notice")
    t.check("content-security-policy" in h, "the case page has its CSP header")
    st, _, _ = request("POST", post, carol_s, [("action", "prepare")])
    t.check(st == 403, "a viewer cannot prepare a notice on the page (%d)" % st)
    st, _, _ = request("POST", post, bob_s, [("action", "prepare")], csrf=False)
    t.check(st == 403, "a post without the CSRF token is refused (%d)" % st)
    st, h, _ = request("POST", post, bob_s, [("action", "prepare")])
    t.check(st == 303 and h.get("location", "").startswith(page),
            "bob prepares the notice on the page (%d)" % st)
    pump_notices = json.loads(run(["notices", "list", "--case", pid, "--json"],
                                  check_rc=0).stdout or "[]")
    pnid = str(pump_notices[0]["id"]) if pump_notices else "0"
    st, _, text = request("GET", page, bob_s)
    t.check('id="notice-%s"' % pnid in text and 'id="notice-approve-%s"' % pnid not in text,
            "the preparer sees the draft without an approve form")
    t.check(rejecting in text and "パスワードを変更してください" in text,
            "the page previews the letter's text")
    t.check(pump_notices and pump_notices[0]["letters"][0]["content_hash"] in text,
            "the page shows the letter's hash")
    t.check("<script>alert(1)</script>" not in text and
            "&lt;script&gt;alert(1)&lt;/script&gt;" in text,
            "the hostile title in the letter shows as text on the page")
    st, _, text = request("POST", post, bob_s, [("action", "approve"), ("notice", pnid)])
    t.check(st == 403 and "別の人" in text, "the preparer's approval on the page is 403 (%d)" % st)
    st, _, _ = request("POST", post, alice_s, [("action", "send"), ("notice", pnid)])
    t.check(st == 409, "sending a draft from the page is 409 (%d)" % st)
    st, _, _ = request("POST", post, alice_s, [("action", "approve"), ("notice", pnid)])
    t.check(st == 303, "a second triager approves on the page (%d)" % st)
    st, _, _ = request("POST", post, alice_s, [("action", "send"), ("notice", pnid)])
    t.check(st == 303, "and sends it (%d)" % st)
finally:
    t.check(server.stop() == 0, "serve stops with exit 0")
run(["poll", "--once"], check_rc=0)
p = run(["notices", "show", pnid, "--json"], check_rc=0)
shown = json.loads(p.stdout or "{}")
letter = (shown.get("letters") or [{}])[0]
t.check(letter.get("state") == "bounced", "the refused address is recorded as bounced (%s)"
        % letter.get("state"))
t.check("550" in letter.get("reply", ""), "the bounce keeps the server's reply: %s" % letter.get("reply"))
events = query("SELECT json FROM event_log WHERE kind = 'notice-letter'")
t.check(any('"bounced"' in e[0] for e in events), "the bounce is an audit event")
run(["audit", "verify"], check_rc=0)
run(["cases", "verify"], check_rc=0)

ws.cleanup()
t.finish()
