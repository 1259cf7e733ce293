#!/usr/bin/python3
"""End to end: the real binary polls a loopback feed, stores, matches, and delivers to the real
SMTP server and webhook receiver; a second poll delivers nothing new and writes nothing; a bad
feed fails alone (exit 3); an unreachable SMTP server loses nothing."""
import hashlib
import hmac
import json
import os

import vwtest as t

ws = t.Workspace("e2e")
smtp_pass = ws.write("smtp.secret", t.env("TS_SMTP_PASS") + "\n")
ws.write("hook.secret", "e2e-hook-key\n")
ws.serve("new.rdf", t.demo_feed())
ws.serve("broken.rdf", t.demo_feed()[: len(t.demo_feed()) // 2])  # cut mid-document


def config(smtp_port, extra_source=""):
    return ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[source.jvndb-new]
type = jvn-rss
url = {ws.feed_url("new.rdf", tls=True)}
ca_file = {t.env("TS_CA_CERT")}
interval = 15m
{extra_source}
[notifier.mail]
type = email
smtp = smtp://127.0.0.1:{smtp_port}
starttls = required
ca_file = {t.env("TS_CA_CERT")}
from = vulnwatch <vulnwatch@example.jp>
user = {t.env("TS_SMTP_USER")}
password_file = smtp.secret
timeout = 10s

[notifier.chat]
type = webhook
url = {ws.hook_url()}
secret_file = hook.secret
""")


products = {"products": [
    {"name": "Example Imaging Viewer", "version": "3.2", "owners": [ws.address("viewer")],
     "components": [{"vendor": "apache", "name": "log4j-core", "version": "2.14.1",
                     "cpe": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]},
    {"name": "Bedside Monitor Gateway", "version": "1.8",
     "owners": [ws.address("gateway"), ws.address("psirt")],
     "components": [{"vendor": "linux", "name": "linux-kernel", "version": "5.10.120",
                     "cpe": "cpe:/o:linux:linux_kernel:5.10.120"}]},
    {"name": "Infusion Pump Console", "owners": [ws.address("pump")],
     "cpes": ["cpe:/a:example:pump_console"]},
]}
products_file = ws.write("products.json", json.dumps(products))

# --- a bad config: exit 2 naming the line and key ------------------------------------
bad = ws.write("bad.conf", "[store]\npath = x.db\n[source.a]\ntype = jvn-rss\nurl = http://x/\nintervall = 5m\n")
p = t.run(["config", "check"], config=bad)
t.check(p.returncode == 2, "config check on a bad config exits 2 (got %d)" % p.returncode)
t.check("bad.conf:6" in p.stderr and "intervall" in p.stderr,
        "the error names file:line and key: %r" % p.stderr.strip())

# --- first cycle with an unreachable SMTP server: nothing lost ---------------------------
cfg = config(smtp_port=1)  # nothing listens on port 1
p = t.run(["products", "import", products_file], config=cfg, check_rc=0)
t.check(p.returncode == 0, "products import")
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check(p.returncode == 0, "poll --once with SMTP down still exits 0 (sources were fine)")
t.check(len(t.mails_for(ws.tag)) == 0, "no mail arrived while SMTP was down")
t.check(len(t.hooks_for(ws.tag)) == 2, "the webhook got the two matches (got %d)" % len(t.hooks_for(ws.tag)))
con = t.db_connect(ws.db)
pending = con.execute("SELECT count(*) FROM outbox WHERE state='pending'").fetchone()[0]
con.close()
t.check(pending == 3, "three e-mails wait in the outbox (got %d)" % pending)

# --- SMTP back: the waiting mail goes out once due ---------------------------------------
cfg = config(smtp_port=t.env("TS_SMTP_PORT"))
con = t.db_connect(ws.db)
con.execute("UPDATE outbox SET due_at = 0 WHERE state='pending'")  # skip the backoff wait
con.commit()
con.close()
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check(p.returncode == 0, "second poll --once exits 0")
mails = t.mails_for(ws.tag)
t.check(len(mails) == 3, "exactly three e-mails arrived (got %d)" % len(mails))
by_rcpt = {m[0]["rcpt_tos"][0]: m[1] for m in mails}
t.check(sorted(by_rcpt) == sorted([ws.address("viewer"), ws.address("gateway"), ws.address("psirt")]),
        "one e-mail per owner of a matched product: %s" % sorted(by_rcpt))
viewer = by_rcpt.get(ws.address("viewer"))
if viewer is not None:
    subject = str(viewer["Subject"])
    body = viewer.get_body(preferencelist=("plain",)).get_content()
    t.check("JVNDB-2021-005429" in subject and "Example Imaging Viewer" in subject,
            "subject names the advisory and product: %s" % subject)
    t.check("脆弱性" in subject, "the Japanese subject decodes (RFC 2047)")
    t.check("CVE-2021-44228" in body and "cpe" in body.lower(), "the body gives the CVE and why it matched")
    t.check(viewer["Message-ID"] is not None, "Message-ID present")
# Every mail, not just the first: the sink records per message whether the session was under TLS
# (on the plain port, so by STARTTLS) and which user authenticated.
for meta, _ in mails:
    t.check(meta.get("tls") is True and meta.get("auth_user") == t.env("TS_SMTP_USER"),
            "mail to %s went over STARTTLS with AUTH (tls=%s, auth_user=%s)"
            % (",".join(meta.get("rcpt_tos", [])), meta.get("tls"), meta.get("auth_user")))

hooks = t.hooks_for(ws.tag)
t.check(len(hooks) == 2, "still exactly two webhook calls (got %d)" % len(hooks))
ids = set()
for rec in hooks:
    headers = {k.lower(): v for k, v in rec["headers"].items()}
    sig = headers.get("x-vulnwatch-signature", "")
    want = "sha256=" + hmac.new(b"e2e-hook-key", rec["body"].encode("utf-8"), hashlib.sha256).hexdigest()
    t.check(sig == want, "webhook HMAC-SHA256 signature verifies")
    payload = json.loads(rec["body"])
    ids.add(payload["advisory"]["id"])
t.check(ids == {"JVNDB-2021-005429", "JVNDB-2022-017708"}, "webhooks are for Log4j and the kernel: %s" % ids)

# --- an unchanged feed (304) writes nothing and delivers nothing ----------------------------
before = t.db_dump(ws.db)
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check(p.returncode == 0, "third poll --once exits 0")
t.check("not modified" in p.stderr, "the source reports not modified")
t.check(len(t.mails_for(ws.tag)) == 3 and len(t.hooks_for(ws.tag)) == 2, "nothing new was delivered")
t.check(t.db_dump(ws.db) == before, "a 304 poll wrote nothing to the store")

# --- a broken feed fails alone: exit 3, nothing partial, the other source still runs -----------
extra = f"""
[source.broken]
type = jvn-rss
url = {ws.feed_url("broken.rdf")}
interval = 15m
"""
cfg = config(smtp_port=t.env("TS_SMTP_PORT"), extra_source=extra)
p = t.run(["poll", "--once"], config=cfg)
t.check(p.returncode == 3, "poll --once with a truncated feed exits 3 (got %d)" % p.returncode)
t.check("broken" in p.stderr and "not modified" in p.stderr, "the error names the source; the good one still ran")
con = t.db_connect(ws.db)
n = con.execute("SELECT count(*) FROM record WHERE channel='broken'").fetchone()[0]
errors = con.execute("SELECT error_count FROM source_state WHERE source='broken'").fetchone()
con.close()
t.check(n == 0, "nothing partial was stored from the broken feed")
t.check(errors is not None and errors[0] == 1, "the failure is counted in source_state")

# --- the store answers by any alias; advisories cover vulnerabilities ---------------------
p = t.run(["advisories", "show", "CVE-2021-44228", "--json"], config=cfg, check_rc=0)
shown = json.loads(p.stdout) if p.returncode == 0 else {}
t.check(shown.get("type") == "vulnerability" and shown.get("id") == "JVNDB-2021-005429",
        "advisories show by CVE finds the JVNDB record's cluster")
t.check(shown.get("aliases") == ["CVE-2021-44228", "JVNDB-2021-005429"],
        "its aliases are vulnerability ids only: %s" % shown.get("aliases"))
t.check("JVNVU#96768815" in shown.get("advisories", []) and
        "JPCERT-AT-2021-0050" in shown.get("advisories", []),
        "the JVNVU# and the JPCERT alert cover it: %s" % shown.get("advisories"))
t.check(shown.get("provenance", {}).get("title", {}).get("source") == "jvn-rss",
        "the shown title names the record that supplied it")
p = t.run(["advisories", "show", "JVNVU#96768815", "--json"], db=ws.db, check_rc=0)
adv = json.loads(p.stdout) if p.returncode == 0 else {}
t.check(adv.get("type") == "advisory" and
        [c.get("id") for c in adv.get("clusters", [])] == ["JVNDB-2021-005429"],
        "advisories show JVNVU# (with --db, no config) lists the cluster it covers: %s"
        % adv.get("clusters"))

# --- evidence: what was received and sent, kept by SHA-256 (docs/audit.md "Evidence") --------
import email
import email.policy
served = t.demo_feed()
served_hash = hashlib.sha256(served).hexdigest()
con = t.db_connect(ws.db)
rev = {r[0] for r in con.execute(
    "SELECT v.evidence FROM revision v JOIN record r ON r.id = v.record_id "
    "WHERE r.channel = 'jvndb-new'")}
con.close()
t.check(rev == {served_hash}, "every jvndb-new revision names the feed as served, by its SHA-256: %s" % rev)
sbom = os.path.join(t.SOURCE_DIR, "tests", "data", "sbom", "device_written_for_vulnwatch.cdx.json")
t.run(["products", "import-sbom", sbom, "--product", "Evidence Test Device", "--version", "1"],
      config=cfg, check_rc=0)
evdir = os.path.join(ws.dir, "evidence")
p = t.run(["audit", "export", "--since", "2000-01-01", "--evidence-dir", evdir], config=cfg, check_rc=0)
files = {}
for name in os.listdir(evdir) if os.path.isdir(evdir) else []:
    if name != "manifest.jsonl":
        with open(os.path.join(evdir, name), "rb") as f:
            files[name] = f.read()
t.check(all(hashlib.sha256(data).hexdigest() == name for name, data in files.items()),
        "each exported evidence file's SHA-256 is its name (%d files)" % len(files))
t.check(files.get(served_hash) == served, "the feed document is exported byte for byte")
t.check(served_hash in p.stdout, "the report lists the feed's evidence")
with open(sbom, "rb") as f:
    t.check(files.get(hashlib.sha256(f.read()).hexdigest()) is not None,
            "the imported SBOM is exported as the product event's evidence")
sent = [email.message_from_bytes(d, policy=email.policy.default) for d in files.values()]
sent_ids = {str(m["Message-ID"]) for m in sent if m["Message-ID"] is not None}
received_ids = {str(m["Message-ID"]) for _, m in t.mails_for(ws.tag)}
t.check(received_ids and received_ids <= sent_ids,
        "every e-mail the SMTP server received is kept as sent (Message-IDs %s)" % sorted(received_ids))
for m in sent:
    if str(m["Message-ID"]) in received_ids:
        twin = [r for _, r in t.mails_for(ws.tag) if str(r["Message-ID"]) == str(m["Message-ID"])][0]
        t.check(m.get_body(preferencelist=("plain",)).get_content() ==
                twin.get_body(preferencelist=("plain",)).get_content() and
                str(m["Subject"]) == str(twin["Subject"]),
                "the kept e-mail %s has the subject and text the server received" % m["Message-ID"])
bodies = {rec["body"].encode("utf-8") for rec in t.hooks_for(ws.tag)}
t.check(bodies and all(b in files.values() for b in bodies),
        "every webhook body the receiver got is kept as sent")

ws.cleanup()
t.finish()
