#!/usr/bin/python3
"""Per-owner digests end to end (issue 11): a daemon whose [owner.viewer] section asks for a
digest at the next minute (Asia/Tokyo) receives no immediate mail for its product, then exactly
one digest mail at the scheduled time through the real SMTP server (read with Python's email
package) naming the Log4j match, why it matched and how confident; the other owners get their
immediate mails; a restarted daemon sends nothing twice; `digest list` shows the digest
delivered; `digest send-now` makes a "nothing new" digest that `poll --once` delivers. Each
digest is multipart/alternative (text, then HTML, both decoding) and carries the audit chain's
head, which `audit verify --head` accepts; a `templates = DIR` digest template replaces the
built-in HTML. Both digests list the owner's open cases (issue 12: the case the match opened and
two opened by hand with `cases open`) by due date, with due times in JST, and no case of another
owner's product."""
import datetime
import json
import os
import re
import signal
import subprocess
import time

import vwtest as t

ws = t.Workspace("digest")
ws.write("smtp.secret", t.env("TS_SMTP_PASS") + "\n")
ws.serve("new.rdf", t.demo_feed())

# The next whole minute in Japan at least 25 s away: the daemon's first poll records the match
# well before it, and the digest is due exactly then.
jst = datetime.timezone(datetime.timedelta(hours=9))
now = datetime.datetime.now(jst)
at = (now + datetime.timedelta(seconds=25 + 60)).replace(second=0, microsecond=0)
schedule = at.strftime("%H:%M")
viewer, gateway = ws.address("viewer"), ws.address("gateway")

cfg = ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[source.jvndb-new]
type = jvn-rss
url = {ws.feed_url("new.rdf")}
interval = 15m

[notifier.mail]
type = email
templates = {ws.dir}/templates
smtp = smtp://127.0.0.1:{t.env("TS_SMTP_PORT")}
starttls = required
ca_file = {t.env("TS_CA_CERT")}
from = vulnwatch <vulnwatch@example.jp>
user = {t.env("TS_SMTP_USER")}
password_file = smtp.secret
timeout = 10s

[owner.viewer]
email = Viewer Owner <{viewer}>
mode = digest
digest = daily {schedule}
timezone = Asia/Tokyo
""")
products = ws.write("products.json", json.dumps({"products": [
    {"name": "Example Imaging Viewer", "version": "3.2", "owners": [viewer],
     "components": [{"vendor": "apache", "name": "log4j-core", "version": "2.14.1",
                     "cpe": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]},
    {"name": "Bedside Monitor Gateway", "version": "1.8", "owners": [gateway],
     "components": [{"vendor": "linux", "name": "linux-kernel", "version": "5.10.120",
                     "cpe": "cpe:/o:linux:linux_kernel:5.10.120"}]},
]}))
# The override only exists for the heartbeat: the scheduled digest is built-in HTML.
os.makedirs(os.path.join(ws.dir, "templates"), exist_ok=True)
t.run(["config", "check"], config=cfg, check_rc=0)
t.run(["products", "import", products], config=cfg, check_rc=0)
# Two cases opened by hand (a hospital's reports): Low (10 business days) first, then High (5),
# so the digest's due order is not the order of opening.
for title, severity in (("病院からの報告: 画面の表示崩れ", "Low"), ("病院からの報告: ログイン不可", "High")):
    t.run(["cases", "open", "--product", "Example Imaging Viewer", "--version", "3.2",
           "--title", title, "--by", "tester", "--severity", severity], config=cfg, check_rc=0)


HEAD = re.compile(r"audit head (\d+) ([0-9a-f]{64})")


def parts(msg):
    """The text and HTML of a digest, checked to be multipart/alternative with both parts."""
    t.check(msg.get_content_type() == "multipart/alternative",
            "the digest is multipart/alternative: %s" % msg.get_content_type())
    kinds = [p.get_content_type() for p in msg.iter_parts()]
    t.check(kinds == ["text/plain", "text/html"], "a text part, then an HTML part: %s" % kinds)
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return plain.get_content(), html.get_content() if html is not None else ""


def audit_head(text, html, what):
    """The (seq, hash) both parts carry; checked against the database with audit verify."""
    found = HEAD.search(text)
    t.check(found is not None, "the %s text carries the audit head" % what)
    if found is None:
        return None
    t.check(found.group(0) in html, "the %s HTML carries the same audit head" % what)
    p = t.run(["audit", "verify", "--head", "%s@%s" % (found.group(2), found.group(1))],
              config=cfg)
    t.check(p.returncode == 0, "audit verify accepts the %s's head (rc %s): %s %s" %
            (what, p.returncode, p.stdout, p.stderr))
    return int(found.group(1))


def open_cases(product):
    """The open cases of a product as `cases list --json` gives them."""
    p = t.run(["cases", "list", "--open", "--json", "--product", product], config=cfg,
              check_rc=0)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def check_cases_listed(text, html, what):
    """The digest lists every open case of the viewer, by due date (JST), and no other's (the
    HTML too, unless `html` is None: an override template that shows no cases)."""
    cases = open_cases("Example Imaging Viewer")
    t.check(len(cases) >= 2, "the viewer has open cases: %s" % [c["id"] for c in cases])
    for c in cases:
        t.check(c["overdue"] == [], "case #%s is not overdue yet" % c["id"])
        c["decision"] = c["ssvc"]["decision"] if c["ssvc"] else "未評価"
    by_due = sorted(cases, key=lambda c: (datetime.datetime.fromisoformat(c["next_due"]), c["id"]))
    t.check("== 対応中の案件 (期限順) ==" in text, "the %s has the open cases section" % what)
    t.check("対応中の案件: %d 件 (期限超過 0 件)" % len(cases) in text,
            "the %s counts %d open cases" % (what, len(cases)))
    positions = []
    for c in by_due:
        due = datetime.datetime.fromisoformat(c["next_due"]).astimezone(jst)
        line = "* 案件 #%d Example Imaging Viewer 3.2 — " % c["id"]
        at = text.find(line)
        t.check(at >= 0, "the %s lists case #%d" % (what, c["id"]))
        detail = "  期限: %s (判断) / 状態: 受付 (received) / SSVC: %s\n" % (
            due.strftime("%Y-%m-%d %H:%M JST"), c["decision"])
        t.check(text.find(detail, at) == text.find("\n", at) + 1,
                "case #%d is due %s: %r" % (c["id"], detail, text[at:at + 300]))
        if html is not None:
            t.check("<strong>#%d</strong> Example Imaging Viewer 3.2" % c["id"] in html,
                    "the %s HTML lists case #%d" % (what, c["id"]))
        positions.append(at)
    t.check(positions == sorted(positions), "the %s lists them by due date: %s" %
            (what, [(c["id"], c["next_due"]) for c in by_due]))
    high = [c for c in cases if c["title"].endswith("ログイン不可")]
    low = [c for c in cases if c["title"].endswith("表示崩れ")]
    t.check(len(high) == 1 and len(low) == 1 and
            text.find("#%d " % high[0]["id"]) < text.find("#%d " % low[0]["id"]),
            "the High report (5 business days) comes before the Low one (10), opened earlier")
    for c in open_cases("Bedside Monitor Gateway"):
        t.check("案件 #%d " % c["id"] not in text, "no case of another owner's product")


def mails_to(address):
    return [msg for meta, msg in t.mails_for(ws.tag) if any(address in r for r in meta["rcpt_tos"])]


def is_digest(msg):
    return str(msg["Message-ID"]).startswith("<digest-")


def digests_to(address):
    return [msg for msg in mails_to(address) if is_digest(msg)]


def immediate_to(address):
    return [msg for msg in mails_to(address) if not is_digest(msg)]


def start_daemon(log_name):
    log = open(os.path.join(ws.dir, log_name), "w")
    return subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log,
                            stderr=subprocess.STDOUT), log


def stop_daemon(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    t.check(proc.returncode == 0, "the daemon stops with exit 0 (got %s)" % proc.returncode)


proc, log = start_daemon("daemon1.log")
try:
    t.check(t.wait_until(lambda: len(mails_to(gateway)) >= 1, 30),
            "the gateway owner got the immediate mail")
    time.sleep(1)
    t.check(digests_to(viewer) == [],
            "the digest owner got no digest yet (due at %s JST)" % schedule)
    wait = (at - datetime.datetime.now(jst)).total_seconds() + 30
    t.check(t.wait_until(lambda: len(digests_to(viewer)) >= 1, max(wait, 5), interval=0.5),
            "the digest arrived after the scheduled time %s JST" % schedule)
    arrived = datetime.datetime.now(jst)
    t.check(arrived >= at, "not before the scheduled time (%s >= %s)" % (arrived, at))
    time.sleep(2)
finally:
    stop_daemon(proc)
    log.close()

# The only mail the digest owner got at once: the SSVC Act alert of each of its cases that is
# Act (the Log4j case: a JPCERT/CC alert names it), which no digest setting holds back
# (notifiers/case_notice.h), read with Python's email package.
act_cases = [c for c in open_cases("Example Imaging Viewer")
             if c["ssvc"] and c["ssvc"]["decision"] == "Act"]
alerts = immediate_to(viewer)
t.check(len(alerts) == len(act_cases),
        "one immediate mail per Act case, no match mail (got %d for %d Act cases: %s)" %
        (len(alerts), len(act_cases), [str(m["Subject"]) for m in alerts]))
for msg, c in zip(sorted(alerts, key=lambda m: str(m["Subject"])), act_cases):
    subject = str(msg["Subject"])
    t.check(subject.startswith("[vulnwatch] 対応優先度 Act: Example Imaging Viewer 3.2 — "),
            "an Act alert: %r" % subject)
    t.check(msg.get_content_type() == "text/plain", "the alert is plain text")
    text = msg.get_content()
    t.check(text.find("の対応優先度 (SSVC) が Act になりました。") <
            text.find("became Act: act now.") and "became Act" in text,
            "Japanese first, then English: %r" % text[:200])
    t.check("状態: 受付 (received)\n" in text and "SSVC: Act\n" in text,
            "the alert names the state and the priority")

digests = digests_to(viewer)
t.check(len(digests) == 1, "exactly one digest for the digest owner (got %d)" % len(digests))
if digests:
    msg = digests[0]
    subject = str(msg["Subject"])
    body, html = parts(msg)
    print(subject)
    print(body)
    viewer_cases = len(open_cases("Example Imaging Viewer"))
    t.check(subject.startswith("[vulnwatch] ダイジェスト: 1 件、対応中の案件 %d 件 (" % viewer_cases),
            "digest subject: %r" % subject)
    t.check(at.strftime("%Y-%m-%d %H:%M JST") in subject, "the subject names the period end")
    t.check(viewer in str(msg["To"]), "addressed to the owner: %r" % str(msg["To"]))
    t.check(str(msg["Message-ID"]).startswith("<digest-"), "a digest Message-ID")
    t.check("== Example Imaging Viewer 3.2 ==" in body, "grouped under the product")
    t.check("[緊急 (CVSS 9.0-10.0)]" in body, "under its severity band")
    t.check("JVNDB-2021-005429 Apache Log4j" in body, "the Log4j advisory is listed")
    t.check("一致の理由: " in body and "確度: " in body, "why it matched and how confident")
    t.check("Bedside Monitor Gateway" not in body, "nothing of another owner's product")
    t.check('<html lang="ja">' in html and "<script" not in html, "a Japanese HTML part")
    t.check(">Example Imaging Viewer 3.2</h2>" in html, "the HTML groups under the product")
    t.check(">緊急 (CVSS 9.0-10.0)</p>" in html, "the HTML shows the severity band")
    t.check("<strong>JVNDB-2021-005429</strong> Apache Log4j" in html, "the HTML lists it")
    check_cases_listed(body, html, "digest")
    first_head = audit_head(body, html, "digest")

# A restart after the digest: nothing is sent twice.
proc, log = start_daemon("daemon2.log")
try:
    time.sleep(4)
finally:
    stop_daemon(proc)
    log.close()
t.check(len(digests_to(viewer)) == 1, "a restarted daemon sends no second digest")
t.check(len(immediate_to(viewer)) == len(alerts), "nor a second Act alert")

p = t.run(["digest", "list", "--json"], config=cfg, check_rc=0)
rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
made = [r for r in rows if "digest" in r]
t.check(len(made) == 1 and made[0]["items"] == 1 and made[0]["state"] == "delivered",
        "digest list shows one delivered digest of one item: %s" % rows)
t.check(not [r for r in rows if "pending" in r], "no items wait")

# send-now: a "nothing new" digest for the named owner, delivered by poll --once, its HTML
# from the override directory (read at start: `digest send-now` loads the configuration).
ws.write("templates/digest.ja.html.mustache",
         "<p>override {{count}} {{#sources}}[{{source_name}}]{{/sources}} {{audit_head}}</p>\n")
p = t.run(["digest", "send-now", "--owner", "viewer"], config=cfg, check_rc=0)
t.check("0 items" in p.stdout, "send-now made an empty digest: %r" % p.stdout)
p = t.run(["digest", "send-now", "--owner", "nobody"], config=cfg, check_rc=2)
t.check("no [owner.nobody] section" in p.stderr, "an unknown owner is a usage error")
t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check(t.wait_until(lambda: len(digests_to(viewer)) == 2, 20), "the forced digest arrived")
if len(digests_to(viewer)) == 2:
    second = digests_to(viewer)[1]
    t.check("新着なし" in str(second["Subject"]), "it says nothing new: %s" % second["Subject"])
    text, html = parts(second)
    t.check("jvndb-new: " in text and "未取得" not in text,
            "it names the source's last successful poll")
    t.check("対応中の案件" in str(second["Subject"]), "it names the open cases: %s" %
            second["Subject"])
    t.check(text.find("新しい一致も更新もありません") < text.find("== 対応中の案件 (期限順) ==") <
            text.find("パイプラインは稼働しています"),
            "no news, then the open cases, then the pipeline status")
    check_cases_listed(text, None, "nothing-new digest")
    t.check(html.startswith("<p>override 0 [jvndb-new] audit head "),
            "the heartbeat HTML comes from the override template: %r" % html[:200])
    second_head = audit_head(text, html, "heartbeat")
    t.check(first_head is not None and second_head is not None and second_head > first_head,
            "the heartbeat's head is later in the chain (%s > %s)" % (second_head, first_head))

ws.cleanup()
t.finish()
