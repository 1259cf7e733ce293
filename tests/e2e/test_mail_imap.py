#!/usr/bin/python3
"""Mail end to end: the real binary polls a real Dovecot folder over IMAP with STARTTLS, holding
the project's test mails in every charset and encoding plus a mail clearsigned at run time with a
throwaway key; records land in the store with the right ids and signature verdicts, mail is left
unseen (after_processing = leave), and a second poll fetches nothing."""
import os
import shutil
import subprocess
import tempfile
import json
import time

import vwtest as t

ws = t.Workspace("mail")
maildir = t.env("TS_IMAP_MAILDIR")
folder = "vwtest-" + ws.tag
box = os.path.join(maildir, "." + folder)
owner = os.stat(maildir)
seq = [0]


def deliver(data):
    """Maildir delivery into our own folder: write in tmp/, rename into new/."""
    seq[0] += 1
    name = "%d.%d_%d.vwtest" % (int(time.time()), os.getpid(), seq[0])
    tmp = os.path.join(box, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, owner.st_uid, owner.st_gid)
    os.rename(tmp, os.path.join(box, "new", name))


for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(box, sub))
for root, dirs, files in os.walk(box):
    os.chown(root, owner.st_uid, owner.st_gid)

mail_dir = os.path.join(t.SOURCE_DIR, "tests", "data", "mail")
written = sorted(f for f in os.listdir(mail_dir) if f.endswith(".eml"))
for name in written:
    with open(os.path.join(mail_dir, name), "rb") as f:
        deliver(f.read())

# A throwaway signing key, made now: no private key is ever committed.
gnupg = tempfile.mkdtemp(prefix="vwg-", dir="/tmp")
os.chmod(gnupg, 0o700)
gpg = ["gpg", "--homedir", gnupg, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
subprocess.run(gpg + ["--quick-gen-key", "vulnwatch e2e <e2e@example.jp>", "ed25519", "sign", "never"],
               check=True, capture_output=True)
text = ("JPCERT/CC 注意喚起 (vulnwatch e2e, written for the project)\n"
        "- dash line that gets escaped\n"
        "JPCERT-AT-2021-0050 / CVE-2021-44228 / JVNVU#96768815\n")
signed = subprocess.run(gpg + ["--clearsign"], input=text.encode("utf-8"), check=True,
                        capture_output=True).stdout


def mail(message_id, subject, body):
    return (("From: JPCERT/CC <test@example.jp>\r\nTo: psirt@example.jp\r\n"
             "Subject: %s\r\nMessage-ID: <%s>\r\nDate: Tue, 14 Dec 2021 10:00:00 +0900\r\n"
             "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\nX-Vulnwatch-Test: written for the vulnwatch project\r\n\r\n"
             % (subject, message_id)).encode("utf-8") + body.replace(b"\n", b"\r\n"))


deliver(mail("signed.%s@example.jp" % ws.tag, "signed alert", signed))
deliver(mail("tampered.%s@example.jp" % ws.tag, "tampered alert",
             signed.replace(b"CVE-2021-44228", b"CVE-2021-44229")))
# The daemon only needs the public key.
keyring = tempfile.mkdtemp(prefix="vwk-", dir="/tmp")
os.chmod(keyring, 0o700)
pub = subprocess.run(gpg + ["--export"], check=True, capture_output=True).stdout
subprocess.run(["gpg", "--homedir", keyring, "--batch", "--import"], input=pub, check=True,
               capture_output=True)

ws.write("imap.secret", t.env("TS_IMAP_PASS") + "\n")
cfg = ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[source.jpcert-mail]
type = imap
url = imap://127.0.0.1:{t.env("TS_IMAP_PORT")}/{folder}
starttls = required
ca_file = {t.env("TS_CA_CERT")}
user = {t.env("TS_IMAP_USER")}
password_file = imap.secret
after_processing = leave
keyring = {keyring}
unsigned_policy = accept
invalid_policy = flag
list = jpcert-alerts
""")

p = t.run(["config", "check"], config=cfg)
t.check(p.returncode == 0, "config with an imap source is valid: %s" % p.stderr.strip()[-300:])
p = t.run(["poll", "--once"], config=cfg)
t.check(p.returncode == 0, "poll --once over IMAP exits 0: %s" % p.stderr.strip()[-500:])

con = t.db_connect(ws.db)
rows = {r[0]: r[1] for r in con.execute("SELECT record_id, json FROM record WHERE channel='jpcert-mail'")}
con.close()
expected = len(written) + 2
t.check(len(rows) == expected, "one record per mail (%d of %d)" % (len(rows), expected))
recs = {k: json.loads(v) for k, v in rows.items()}
log4j = recs.get("20211211.log4j.0050@example.jp")
t.check(log4j is not None and "CVE-2021-44228" in log4j["aliases"] and "JPCERT-AT-2021-0050" in log4j["aliases"],
        "the ISO-2022-JP alert names its ids: %s" % (log4j or {}).get("aliases"))
t.check(log4j is not None and "注意喚起" in log4j["title"], "its subject decodes to Japanese")
t.check(all(r["list"] == "jpcert-alerts" and r["source"] == "mail" for r in recs.values()),
        "every record is a mail record of the configured list")
old = recs.get("at110008@example.jp", {})
t.check("JVNVU#276432" in old.get("aliases", []) and not any(a.endswith("323172") for a in old.get("aliases", [])),
        "the EUC-JP alert keeps JVNVU#276432 and does not turn VU#323172 into a JVN id")
good = recs.get("signed.%s@example.jp" % ws.tag, {})
bad = recs.get("tampered.%s@example.jp" % ws.tag, {})
t.check(good.get("signature") == "valid", "the clearsigned mail verifies: %s" % good.get("signature"))
t.check("- dash line" in good.get("summary", "") and "BEGIN PGP" not in good.get("summary", ""),
        "armor stripped and dash-escaping undone in the summary")
t.check(bad.get("signature") == "invalid", "the tampered mail is invalid: %s" % bad.get("signature"))
t.check(recs.get("pgpmime.0001@example.jp", {}).get("signature") == "unknown-key",
        "PGP/MIME mail signed by a key not in the keyring is unknown-key")

# Left unseen (leave), and a second poll finds nothing new.
unseen = sum(1 for _ in os.listdir(os.path.join(box, "new"))) + sum(
    1 for f in os.listdir(os.path.join(box, "cur")) if not f.split(":2,")[-1].count("S"))
t.check(unseen == expected, "after_processing=leave keeps every mail unseen (%d of %d)" % (unseen, expected))
p = t.run(["poll", "--once"], config=cfg)
t.check(p.returncode == 0 and "not modified" in p.stderr, "second poll: nothing new")

# Each message is kept whole as evidence (docs/audit.md "Evidence"): the revisions name the
# SHA-256 of the .eml as Dovecot served it, and `evidence show --out` gives those bytes back.
import email
import email.policy
import hashlib
con = t.db_connect(ws.db)
named = {r[0]: r[1] for r in con.execute(
    "SELECT r.record_id, v.evidence FROM revision v JOIN record r ON r.id = v.record_id "
    "WHERE r.channel = 'jpcert-mail'")}
con.close()
t.check(len(named) == expected and all(named.values()),
        "every mail record's revision names its evidence (%d of %d)" % (sum(1 for v in named.values() if v), expected))
originals = {}
for name in written:
    with open(os.path.join(mail_dir, name), "rb") as f:
        data = f.read()
    mid = email.message_from_bytes(data, policy=email.policy.default)["Message-ID"]
    if mid is not None:
        originals[str(mid).strip("<>")] = data
matched = 0
for record_id, digest in named.items():
    out = os.path.join(ws.dir, "kept.eml")
    p = t.run(["evidence", "show", digest, "--out", out], config=cfg)
    if p.returncode != 0:
        t.check(False, "evidence show %s: %s" % (digest, p.stderr.strip()))
        continue
    with open(out, "rb") as f:
        kept = f.read()
    t.check(hashlib.sha256(kept).hexdigest() == digest, "the kept .eml of %s hashes to its name" % record_id)
    msg = email.message_from_bytes(kept, policy=email.policy.default)
    if not record_id.startswith("sha256:"):  # a mail without Message-ID is named by its hash
        t.check(str(msg["Message-ID"]).strip("<>") == record_id,
                "the kept .eml is the whole message of %s (its Message-ID)" % record_id)
    if record_id in originals:
        matched += 1
        t.check(kept.replace(b"\r\n", b"\n") == originals[record_id].replace(b"\r\n", b"\n"),
                "the kept .eml of %s is the delivered file (line ends aside)" % record_id)
t.check(matched >= 5, "kept mails compared with the delivered files: %d" % matched)

shutil.rmtree(box, ignore_errors=True)
for home in (gnupg, keyring):
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True)
    shutil.rmtree(home, ignore_errors=True)
ws.cleanup()
t.finish()
