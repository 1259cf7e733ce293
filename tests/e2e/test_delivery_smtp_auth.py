#!/usr/bin/python3
"""SMTP 535 is the notifier's settings, not the messages' (issue 11 part 7), seen from the
service: an aiosmtpd that requires AUTH (STARTTLS, tests/servers/smtp_server.py --auth-required)
and a notifier with the wrong password. The daemon's messages stay pending with 0 attempts
(none goes to the dead letters), the admins get exactly one alert however many rounds fail,
the password never shows, and after the password is fixed and the daemon reloaded (SIGHUP)
every waiting message, the alert included, is delivered at once; read back with Python's
email package."""
import email
import email.policy
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402

WRONG = "wrong-Pass-4411"
RIGHT = "right-Pass-8832"
work = tempfile.mkdtemp(prefix="vw-smtp535-")
db_path = os.path.join(work, "vulnwatch.db")
outdir = os.path.join(work, "smtp-out")

# A certificate for 127.0.0.1 (STARTTLS: credentials are never sent in clear text).
cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key,
                "-out", cert], check=True, capture_output=True)
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
sock.close()
smtp_log = open(os.path.join(work, "smtp.log"), "w")
smtp = subprocess.Popen(["/usr/bin/python3", os.path.join(t.SOURCE_DIR, "tests", "servers",
                                                          "smtp_server.py"),
                         "--port", str(port), "--cert", cert, "--key", key, "--outdir", outdir,
                         "--user", "psirt-mailer", "--password", RIGHT, "--auth-required"],
                        stdout=smtp_log, stderr=subprocess.STDOUT)


def port_open():
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


config_text = f"""
[store]
path = {db_path}

[daemon]
admin = admin@example.jp

[notifier.mail]
type = email
smtp = smtp://127.0.0.1:{port}
starttls = required
ca_file = {cert}
user = psirt-mailer
password = {WRONG}
from = vulnwatch <vulnwatch@example.jp>
timeout = 10s
"""
cfg = os.path.join(work, "vulnwatch.conf")
with open(cfg, "w", encoding="utf-8") as f:
    f.write(config_text)
registry = dict(ds.PRODUCTS)
registry["products"] = [dict(registry["products"][0], owners=["owner@example.jp"])]
products = os.path.join(work, "products.json")
with open(products, "w", encoding="utf-8") as f:
    json.dump(registry, f)
feed = os.path.join(work, "feed.rdf")
with open(feed, "wb") as f:
    f.write(ds.feed(3))


def rows(sql, *args):
    con = t.db_connect(db_path, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def auth_failures():
    return t.read_text(os.path.join(work, "smtp.log")).count("-> 535")


proc = None
log_path = os.path.join(work, "daemon.log")
log = open(log_path, "w")
try:
    t.check(t.wait_until(port_open, 15), "the AUTH-requiring aiosmtpd is up")
    t.run(["products", "import", products], config=cfg, check_rc=0)
    t.run(["import", feed], config=cfg, check_rc=0)
    t.check(rows("SELECT count(*) FROM outbox")[0][0] == 3, "3 messages queued for the owner")

    proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log,
                            stderr=subprocess.STDOUT)
    alerts_sql = "SELECT id, state, attempts FROM outbox WHERE recipient = 'admin@example.jp'"
    t.check(t.wait_until(lambda: rows(alerts_sql), 20), "the 535 raised an admin alert")
    t.check(t.wait_until(lambda: auth_failures() >= 1, 10), "the server refused the login (535)")
    # Another round with the same (wrong) settings: SIGHUP wakes the daemon at once; the alert,
    # due now, is tried and refused too; no second alert.
    before = auth_failures()
    proc.send_signal(signal.SIGHUP)
    t.check(t.wait_until(lambda: auth_failures() > before, 20),
            "a second round tried again (%d logins refused)" % auth_failures())
    time.sleep(0.5)
    owner = rows("SELECT state, attempts FROM outbox WHERE recipient = 'owner@example.jp'")
    t.check(len(owner) == 3 and all(r == ("pending", 0) for r in owner),
            "the owner's messages are pending with 0 attempts: %r" % owner)
    t.check(len(rows(alerts_sql)) == 1, "exactly one alert message: %r" % rows(alerts_sql))
    t.check(rows(alerts_sql)[0][1:] == ("pending", 0), "the alert waits too (same notifier)")
    events = rows("SELECT text FROM event_log WHERE kind = 'alert'")
    t.check(len(events) == 1 and "mail" in events[0][0], "exactly one alert event: %r" % events)
    t.check(rows("SELECT count(*) FROM outbox WHERE state = 'dead'")[0][0] == 0,
            "nothing went to the dead letters")
    replies = [r[0] for r in rows("SELECT last_reply FROM outbox")]
    t.check(all("535" in r for r in replies), "every message's last reply names the 535")
    t.check(not glob.glob(os.path.join(outdir, "*.eml")), "no mail was accepted yet")

    # The admin fixes the password and reloads: everything waiting goes out now.
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(config_text.replace(WRONG, RIGHT))
    fixed_at = time.monotonic()
    proc.send_signal(signal.SIGHUP)
    t.check(t.wait_until(lambda: len(glob.glob(os.path.join(outdir, "*.eml"))) == 4, 20),
            "after the reload all 4 messages were delivered (%.1f s)"
            % (time.monotonic() - fixed_at))
    t.check(time.monotonic() - fixed_at < 10, "at once, not at their next retry time")
    t.check(t.wait_until(lambda: rows("SELECT count(*) FROM outbox WHERE state = 'delivered'")
                         [0][0] == 4, 10), "the outbox shows 4 delivered")
    owner = rows("SELECT attempts FROM outbox WHERE recipient = 'owner@example.jp'")
    t.check([r[0] for r in owner] == [1, 1, 1], "each with 1 attempt: the refusals did not count")
finally:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    log.close()
    smtp.send_signal(signal.SIGTERM)
    smtp.wait(timeout=10)
    smtp_log.close()

mails = []
for path in sorted(glob.glob(os.path.join(outdir, "*.eml"))):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    with open(path[:-4] + ".json") as f:
        meta = json.load(f)
    mails.append((meta, msg))
to_admin = [m for meta, m in mails if meta["rcpt_tos"] == ["admin@example.jp"]]
to_owner = [m for meta, m in mails if meta["rcpt_tos"] == ["owner@example.jp"]]
t.check(len(to_owner) == 3 and len(to_admin) == 1, "3 mails to the owner, 1 to the admin")
t.check(all(meta["auth_user"] == "psirt-mailer" and meta["tls"] for meta, _ in mails),
        "every mail was sent after AUTH over TLS")
if to_admin:
    body = to_admin[0].get_body(preferencelist=("plain",)).get_content()
    t.check("mail" in str(to_admin[0]["Subject"]) and "535" in body,
            "the alert names the notifier and the server's 535: %r" % str(to_admin[0]["Subject"]))
daemon_log = t.read_text(log_path)
t.check("has new settings" in daemon_log, "the log says the fixed notifier's messages are due")
for where, text in (("the daemon log", daemon_log), ("the SQLite file", t.db_dump(db_path))):
    t.check(WRONG not in text and RIGHT not in text, "no password in %s" % where)
if t.failures:
    print("daemon log:\n" + daemon_log[-4000:])
if not t.failures:
    shutil.rmtree(work, ignore_errors=True)  # kept for a look when something failed
t.finish()
