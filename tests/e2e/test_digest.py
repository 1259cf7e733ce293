#!/usr/bin/python3
"""Per-owner digests end to end (issue 11): a daemon whose [owner.viewer] section asks for a
digest at the next minute (Asia/Tokyo) receives no immediate mail for its product, then exactly
one digest mail at the scheduled time through the real SMTP server (read with Python's email
package) naming the Log4j match, why it matched and how confident; the other owners get their
immediate mails; a restarted daemon sends nothing twice; `digest list` shows the digest
delivered; `digest send-now` makes a "nothing new" digest that `poll --once` delivers."""
import datetime
import json
import os
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
t.run(["config", "check"], config=cfg, check_rc=0)
t.run(["products", "import", products], config=cfg, check_rc=0)


def mails_to(address):
    return [msg for meta, msg in t.mails_for(ws.tag) if any(address in r for r in meta["rcpt_tos"])]


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
    t.check(mails_to(viewer) == [],
            "the digest owner got no immediate mail (digest due at %s JST)" % schedule)
    wait = (at - datetime.datetime.now(jst)).total_seconds() + 30
    t.check(t.wait_until(lambda: len(mails_to(viewer)) >= 1, max(wait, 5), interval=0.5),
            "the digest arrived after the scheduled time %s JST" % schedule)
    arrived = datetime.datetime.now(jst)
    t.check(arrived >= at, "not before the scheduled time (%s >= %s)" % (arrived, at))
    time.sleep(2)
finally:
    stop_daemon(proc)
    log.close()

digests = mails_to(viewer)
t.check(len(digests) == 1, "exactly one mail for the digest owner (got %d)" % len(digests))
if digests:
    msg = digests[0]
    subject = str(msg["Subject"])
    body = msg.get_body(preferencelist=("plain",)).get_content()
    print(subject)
    print(body)
    t.check(subject.startswith("[vulnwatch] ダイジェスト: 1 件 ("), "digest subject: %r" % subject)
    t.check(at.strftime("%Y-%m-%d %H:%M JST") in subject, "the subject names the period end")
    t.check(viewer in str(msg["To"]), "addressed to the owner: %r" % str(msg["To"]))
    t.check(str(msg["Message-ID"]).startswith("<digest-"), "a digest Message-ID")
    t.check("== Example Imaging Viewer 3.2 ==" in body, "grouped under the product")
    t.check("[緊急 (CVSS 9.0-10.0)]" in body, "under its severity band")
    t.check("JVNDB-2021-005429 Apache Log4j" in body, "the Log4j advisory is listed")
    t.check("一致の理由: " in body and "確度: " in body, "why it matched and how confident")
    t.check("Bedside Monitor Gateway" not in body, "nothing of another owner's product")

# A restart after the digest: nothing is sent twice.
proc, log = start_daemon("daemon2.log")
try:
    time.sleep(4)
finally:
    stop_daemon(proc)
    log.close()
t.check(len(mails_to(viewer)) == 1, "a restarted daemon sends no second digest")

p = t.run(["digest", "list", "--json"], config=cfg, check_rc=0)
rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
made = [r for r in rows if "digest" in r]
t.check(len(made) == 1 and made[0]["items"] == 1 and made[0]["state"] == "delivered",
        "digest list shows one delivered digest of one item: %s" % rows)
t.check(not [r for r in rows if "pending" in r], "no items wait")

# send-now: a "nothing new" digest for the named owner, delivered by poll --once.
p = t.run(["digest", "send-now", "--owner", "viewer"], config=cfg, check_rc=0)
t.check("0 items" in p.stdout, "send-now made an empty digest: %r" % p.stdout)
p = t.run(["digest", "send-now", "--owner", "nobody"], config=cfg, check_rc=2)
t.check("no [owner.nobody] section" in p.stderr, "an unknown owner is a usage error")
t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check(t.wait_until(lambda: len(mails_to(viewer)) == 2, 20), "the forced digest arrived")
if len(mails_to(viewer)) == 2:
    second = mails_to(viewer)[1]
    t.check("新着なし" in str(second["Subject"]), "it says nothing new: %s" % second["Subject"])
    text = second.get_body(preferencelist=("plain",)).get_content()
    t.check("jvndb-new: " in text and "未取得" not in text,
            "it names the source's last successful poll")

ws.cleanup()
t.finish()
