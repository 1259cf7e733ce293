#!/usr/bin/python3
"""Fault matrix, rows "webhook, slack, teams, mattermost, chatwork" and "SMTP"
(docs/reliability.md): the real binary delivers queued notifications (one matching advisory
imported, `poll --once` delivers) to tests/servers/fault_server.py, which fails in one way per
notifier.

Chat notifiers (every type, the same faults): DNS failure, connection refused, TLS handshake
failure, expired and wrong-host certificates (the CA trusted through ca_file), a stall before
the response and in the middle of its body, a truncated body, 500, 429, a redirect loop and a
reset connection. Each message stays pending with one attempt, its due time pushed back by the
backoff (at least ~24 s, 30 s with jitter), its last reply naming the fault; a 400 is permanent:
dead letter, and the admins get one alert mail. The good notifier of each type delivers in the
same round; the round is bounded by the 2 s timeouts. A receiver that answers with a reply over
the 1 MiB cap is retried too (it may have taken the message: the idempotency key is the same).

SMTP (email notifier): DNS failure, refused, TLS handshake failure, expired and wrong-host
certificates (smtps://; the reply says which: the expiry date, the names the certificate holds),
a server that accepts and never greets, 421 at the greeting, 451 and
554 after DATA, and a connection dropped after the message was sent but before the reply: that
message is sent again on its retry with the same Message-ID (at least once; the receiver can
drop the repeat), and nothing is lost."""
import email
import email.policy
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import fault_support as fs  # noqa: E402
import vwtest as t  # noqa: E402

TIMEOUT = 2
server = fs.FaultServer()
ws = t.Workspace("faults-delivery")
refused, refused_port = fs.refused_url("")
refused = refused.rstrip("/")

# (fault, base URL, what the last reply says, permanent?)
HTTP_FAULTS = [
    ("ok", server.url("ok"), "HTTP 200", None),
    ("dns", "http://%s" % fs.DNS_FAIL_HOST, "cannot resolve the host name", False),
    ("refused", refused, "connection refused", False),
    ("tls-handshake", server.url("ok", "tls_garbage"), "TLS handshake failed", False),
    ("cert-expired", server.url("ok", "tls_expired"), "certificate has expired", False),
    ("cert-wrong-host", server.url("ok", "tls_wronghost"),
     "no alternative certificate subject name matches", False),
    ("stall-headers", server.url("stall-headers"), "timed out after 2000 ms", False),
    ("stall-body", server.url("stall-body"), "timed out after 2000 ms", False),
    ("truncated", server.url("truncate"), "response body truncated", False),
    ("http-500", server.url("status/500"), "HTTP 500", False),
    ("http-429", server.url("status/429"), "HTTP 429", False),
    ("redirect-loop", server.url("redirect-loop"), "too many redirects", False),
    ("reset", server.url("reset"), "Connection reset by peer", False),
    # a 200 whose reply is over the client's 1 MiB cap: not taken as delivered, so sent again
    ("oversized-reply", server.url("oversized/3000000"), "response larger than", False),
    ("http-400", server.url("status/400"), "HTTP 400", True),
]
TYPES = ["webhook", "slack", "teams", "mattermost", "chatwork"]
STALLS = 2


def admin_notifier():
    return f"""
[daemon]
admin = {ws.address("ops")}

[notifier.admin-mail]
type = email
smtp = smtp://127.0.0.1:{t.env("TS_SMTP_PORT")}
from = vulnwatch <vulnwatch@example.jp>
user = {t.env("TS_SMTP_USER")}
password = {t.env("TS_SMTP_PASS")}
ca_file = {t.env("TS_CA_CERT")}
"""


def prepare(name, notifiers):
    """A store with one matching advisory queued for every notifier; returns (config, db)."""
    db = os.path.join(ws.dir, name + ".db")
    cfg = ws.write(name + ".conf", "[store]\npath = %s\n%s%s" % (db, admin_notifier(), notifiers))
    products = ws.write("products.json", ds.products_json())
    feed = os.path.join(ws.dir, "feed.rdf")
    with open(feed, "wb") as f:
        f.write(ds.feed(1))
    t.run(["products", "import", products], config=cfg, check_rc=0)
    t.run(["import", feed], config=cfg, check_rc=0)
    return cfg, db


def outbox(db):
    con = t.db_connect(db)
    try:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT notifier, state, attempts, due_at, last_reply, id FROM outbox "
            "WHERE notifier != 'admin-mail' AND subject NOT LIKE '[vulnwatch] 監視%' "
            "ORDER BY id")}
    finally:
        con.close()


def admin_alerts(db):
    con = t.db_connect(db)
    try:
        return con.execute("SELECT subject, state FROM outbox WHERE notifier = 'admin-mail' "
                           "AND subject LIKE '[vulnwatch] 監視%'").fetchall()
    finally:
        con.close()


def chat_rows():
    print("\n== chat notifiers: %s ==" % ", ".join(TYPES))
    text = ""
    for kind in TYPES:
        for fault, base, _, _ in HTTP_FAULTS:
            name = "%s-%s" % (kind, fault)
            text += "\n[notifier.%s]\ntype = %s\ntimeout = %ds\nca_file = %s\n" % (
                name, kind, TIMEOUT, server.ca)
            if kind == "chatwork":
                text += "room = 42\ntoken = fault-token\napi_url = %s/%s\n" % (base, name)
            else:
                text += "url = %s/%s\n" % (base, name)
    cfg, db = prepare("chat", text)
    started = time.time()
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 0, "poll --once exits 0: no source failed (got %d)" % p.returncode)
    t.check(took < len(TYPES) * STALLS * TIMEOUT + 10,
            "the round is bounded by the timeouts: %.1f s for %d stalls of %d s" %
            (took, len(TYPES) * STALLS, TIMEOUT))
    rows = outbox(db)
    for kind in TYPES:
        for fault, base, reply, permanent in HTTP_FAULTS:
            name = "%s-%s" % (kind, fault)
            row = rows.get(name)
            if row is None:
                t.check(False, "%s: a message was queued" % name)
                continue
            state, attempts, due, last, _ = row
            if permanent is None:
                t.check(state == "delivered", "%s: delivered (%s)" % (name, state))
            elif permanent:
                t.check(state == "dead" and attempts == 1 and reply in last,
                        "%s: a permanent refusal is a dead letter at once (%s, %r)" %
                        (name, state, last[:100]))
            else:
                t.check(state == "pending" and attempts == 1 and reply in last,
                        "%s: pending, 1 attempt, the reply names the fault (%s %d %r)" %
                        (name, state, attempts, last[:100]))
                t.check(due - started >= 20,
                        "%s: retried later with backoff, not at once (due in %d s)" %
                        (name, due - started))
    asked = [r["path"] for r in server.requests_to("/status/500/")]
    t.check(len(asked) == len(TYPES), "each 500 receiver was asked once: %r" % asked)
    # A second round right away: no chat message is due again (the backoff); the admin
    # alerts queued by the first round's dead letters go out now.
    before = server.stats()
    t.run(["poll", "--once"], config=cfg, check_rc=0)
    t.check(server.stats() == before, "a second round right away sends no chat message again")
    t.check(outbox(db) == rows, "and changes no chat message")
    dead = [r for r in rows.values() if r[0] == "dead"]
    alerts = admin_alerts(db)
    t.check(len(alerts) == len(dead) == len(TYPES) and all(a[1] == "delivered" for a in alerts),
            "one admin alert per dead letter, delivered by the next round: %r" % alerts)
    mails = [m for _, m in t.mails_for(ws.tag)]
    t.check(len(mails) == len(TYPES) and
            all("deliveries retry" in m.get_body(preferencelist=("plain",)).get_content()
                for m in mails),
            "the admins' mails say how to send it again (%d mails)" % len(mails))


def smtp_config(name, url, extra=""):
    return f"""
[notifier.{name}]
type = email
smtp = {url}
from = vulnwatch <vulnwatch@example.jp>
to = {ws.address("owner-" + name)}
timeout = {TIMEOUT}s
ca_file = {server.ca}
{extra}"""


def smtp_rows():
    print("\n== SMTP (email notifier) ==")
    unscripted = [
        ("dns", "smtp://%s" % fs.DNS_FAIL_HOST, "Host not found"),
        ("refused", "smtp://127.0.0.1:%d" % refused_port, "onnect"),
        ("tls-handshake", "smtps://127.0.0.1:%d" % server.ports["tls_garbage"], "TLS"),
        ("cert-expired", "smtps://127.0.0.1:%d" % server.ports["tls_expired"],
         "the server's certificate expired on 2021-"),
        ("cert-wrong-host", "smtps://127.0.0.1:%d" % server.ports["tls_wronghost"],
         "the server's certificate names wrong.example, not 127.0.0.1"),
        ("stall-greeting", "smtp://127.0.0.1:%d" % server.ports["stall"], "time"),
    ]
    cfg, db = prepare("smtp", "".join(smtp_config(n, u) for n, u, _ in unscripted))
    started = time.time()
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 0, "poll --once exits 0 (got %d)" % p.returncode)
    t.check(took < TIMEOUT * 2 + 8, "bounded by the 2 s timeout: %.1f s" % took)
    rows = outbox(db)
    for name, _, reply in unscripted:
        row = rows.get(name)
        ok = row is not None and row[0] == "pending" and row[1] == 1 and reply in row[3] and \
            row[2] - started >= 20
        t.check(ok, "smtp %s: pending, 1 attempt, retried later, the reply says %r (%r)" %
                (name, reply, row and (row[0], row[1], row[2] - started, row[3][:140])))
    t.check(not admin_alerts(db), "transient SMTP faults raise no alert")

    # The scripted server: one outcome per DATA (and greeting), in order.
    scripted = [
        ("greet-421", "421", "pending"),
        ("4xx", "451", "pending"),
        ("5xx", "554", "dead"),
        ("drop", None, "pending"),
    ]
    for mode, code, state in scripted:
        name = "smtp-" + mode
        cfg, db = prepare(name, smtp_config(name, "smtp://127.0.0.1:%d" % server.ports["smtp"],
                                            "starttls = off\n"))
        server.control("/_smtp?script=%s,ok" % mode, "POST")
        received = len(server.control("/_smtp"))
        started = time.time()
        p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
        row = outbox(db).get(name)
        t.check(p.returncode == 0 and took < TIMEOUT + 8,
                "smtp %s: poll --once exits 0 within the timeout (%d, %.1f s)" %
                (mode, p.returncode, took))
        t.check(row is not None and row[0] == state and row[1] == 1 and
                (code is None or code in row[3]),
                "smtp %s: %s after one attempt, the reply names it (%r)" %
                (mode, state, row and (row[0], row[1], row[3][:140])))
        if state == "pending":
            t.check(row is not None and row[2] - started >= 20, "smtp %s: retried later" % mode)
        if mode == "5xx":
            t.run(["poll", "--once"], config=cfg, check_rc=0)  # the alert goes out next round
            alerts = admin_alerts(db)
            t.check(len(alerts) == 1 and alerts[0][1] == "delivered",
                    "smtp 554: a dead letter and one admin alert, delivered (%r)" % alerts)
        if mode == "drop":
            got = server.control("/_smtp")[received:]
            t.check(len(got) == 1 and got[0]["mode"] == "drop",
                    "smtp drop: the server had the whole message when it dropped the line")
            # Its retry time comes (the test moves it, rather than waiting 30 s).
            con = t.db_connect(db)
            con.execute("UPDATE outbox SET due_at = 0 WHERE notifier = ?", (name,))
            con.commit()
            con.close()
            t.run(["poll", "--once"], config=cfg, check_rc=0)
            row = outbox(db).get(name)
            t.check(row is not None and row[0] == "delivered" and row[1] == 2,
                    "smtp drop: delivered on the retry (%r)" % (row and row[:2],))
            got = server.control("/_smtp")[received:]
            ids = [email.message_from_string(g["data"], policy=email.policy.default)
                   ["Message-ID"] for g in got]
            t.check(len(ids) == 2 and ids[0] and ids[0] == ids[1],
                    "smtp drop: sent twice with the same Message-ID, so the receiver can "
                    "drop the repeat: %r" % ids)


try:
    chat_rows()
    smtp_rows()
finally:
    server.stop()
    ws.cleanup()
t.finish()
