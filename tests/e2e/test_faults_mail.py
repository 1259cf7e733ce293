#!/usr/bin/python3
"""Fault matrix, row "IMAP" (docs/reliability.md): the real binary polls a real Dovecot folder
(scripts/test-servers.sh) and the fault server (tests/servers/fault_server.py).

- Transport faults, one source each beside a good one: a host under .invalid, a refused port,
  imaps:// to a port that answers the ClientHello with garbage, an expired and a wrong-host
  certificate (CA trusted through ca_file), a server that accepts and never greets (bounded
  by the 2 s timeout). `poll --once` exits 3; each failing source records its error, the good
  one stores every mail.
- Stall mid-FETCH: the relay stops forwarding in the middle of a message's literal: the poll
  fails within the timeout (exit 3), nothing is stored, no mail is left marked seen.
- Drop mid-FETCH: the fault server relays to Dovecot and cuts the connection in the middle of
  a message's literal. The poll fails (exit 3), nothing of it is stored, the cursor stays; the
  next poll stores every mail exactly once, and no mail was left marked seen
  (after_processing = leave).
- UIDVALIDITY change (Dovecot's index and uidlist removed, so it numbers the folder anew): the
  next poll logs the change, reads the folder again and stores nothing twice.
- Oversized message (over max_message_bytes): skipped with a problem naming its UID and size,
  the rest of the folder is stored, the poll succeeds."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import fault_support as fs  # noqa: E402
import vwtest as t  # noqa: E402

TIMEOUT = 2
COUNT = 6
server = fs.FaultServer()
ws = t.Workspace("faults-mail")
maildir = t.env("TS_IMAP_MAILDIR")
folder = "vwfault-" + ws.tag
box = os.path.join(maildir, "." + folder)
owner = os.stat(maildir)
seq = [0]


def deliver(data):
    seq[0] += 1
    name = "%d.%d_%d.vwfault" % (int(time.time()), os.getpid(), seq[0])
    tmp = os.path.join(box, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, owner.st_uid, owner.st_gid)
    os.rename(tmp, os.path.join(box, "new", name))


def mail(n, padding=150 * 1024):
    body = ("JPCERT/CC 注意喚起 fault test %d (written for the vulnwatch project)\n"
            "CVE-2026-%05d\n" % (n, 71000 + n)).encode("utf-8")
    body += (b"padding line to make the FETCH literal large enough to be cut in the middle\n"
             * (padding // 77))
    return (("From: JPCERT/CC <test@example.jp>\r\nTo: psirt@example.jp\r\n"
             "Subject: fault test %d CVE-2026-%05d\r\nMessage-ID: <fault.%d.%s@example.jp>\r\n"
             "Date: Tue, 14 Dec 2021 10:00:00 +0900\r\nMIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
             % (n, 71000 + n, n, ws.tag)).encode("utf-8") + body.replace(b"\n", b"\r\n"))


for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(box, sub))
for root, dirs, files in os.walk(box):
    os.chown(root, owner.st_uid, owner.st_gid)
for n in range(1, COUNT + 1):
    deliver(mail(n))
ws.write("imap.secret", t.env("TS_IMAP_PASS") + "\n")


def source(name, url, ca, extra=""):
    return f"""
[source.{name}]
type = imap
url = {url}
ca_file = {ca}
user = {t.env("TS_IMAP_USER")}
password_file = imap.secret
after_processing = leave
timeout = {TIMEOUT}s
{extra}"""


def config(name, sources):
    db = os.path.join(ws.dir, name + ".db")
    return ws.write(name + ".conf", "[store]\npath = %s\n%s" % (db, "".join(sources))), db


def query(db, sql):
    con = t.db_connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def records(db, channel):
    return query(db, "SELECT count(*), count(DISTINCT record_id) FROM record WHERE channel = '%s'"
                 % channel)[0]


def seen_files():
    """Message files whose maildir flags include S (seen)."""
    out = []
    for sub in ("cur", "new"):
        for name in os.listdir(os.path.join(box, sub)):
            if ":2," in name and "S" in name.split(":2,", 1)[1]:
                out.append(name)
    return out


dovecot = "imap://127.0.0.1:%s/%s" % (t.env("TS_IMAP_PORT"), folder)
relay = "imap://127.0.0.1:%d/%s" % (server.ports["relay"], folder)


def transport_row():
    print("\n== IMAP transport faults ==")
    _, refused_port = fs.refused_url()
    faults = [
        ("dns", "imap://%s/%s" % (fs.DNS_FAIL_HOST, folder), "resolve"),
        ("refused", "imap://127.0.0.1:%d/%s" % (refused_port, folder), "connection refused"),
        ("tls-handshake", "imaps://127.0.0.1:%d/%s" % (server.ports["tls_garbage"], folder),
         "SSL"),
        ("cert-expired", "imaps://127.0.0.1:%d/%s" % (server.ports["tls_expired"], folder),
         "TLS certificate verification failed"),
        ("cert-wrong-host", "imaps://127.0.0.1:%d/%s" % (server.ports["tls_wronghost"], folder),
         "TLS certificate verification failed"),
        ("stall-greeting", "imap://127.0.0.1:%d/%s" % (server.ports["stall"], folder),
         "timed out after 2000 ms"),
    ]
    cfg, db = config("transport", [source("good", dovecot, t.env("TS_CA_CERT"))] +
                     [source(n, u, server.ca) for n, u, _ in faults])
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 3, "poll --once with failing IMAP sources exits 3 (got %d)"
            % p.returncode)
    t.check(took < TIMEOUT + 8, "bounded by the 2 s timeout of the silent server: %.1f s" % took)
    t.check(records(db, "good") == (COUNT, COUNT), "the good source stored every mail once")
    status = fs.status_sources(cfg)
    for name, url, expected in faults:
        s = status.get(name, {})
        last = s.get("last_error") or ""
        t.check(s.get("error_count") == 1 and expected in last,
                "imap %s: the error is counted and says %r (%r)" % (name, expected, last[:200]))
    t.check(query(db, "SELECT count(*) FROM record WHERE channel != 'good'")[0][0] == 0,
            "nothing stored for the failing sources")


def stall_row():
    print("\n== IMAP: the server stalls in the middle of a FETCH ==")
    cfg, db = config("stall", [source("stalled", relay, t.env("TS_CA_CERT"))])
    server.control("/_relay?target=%s&cut=%d&stall=1" % (t.env("TS_IMAP_PORT"), 400 * 1024),
                   "POST")
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 3 and took < 2 * TIMEOUT + 8,
            "the poll stalled mid-FETCH exits 3, bounded by the 2 s timeout (%d, %.1f s)" %
            (p.returncode, took))
    t.check("relay: stalled after" in t.read_text(os.path.join(server.dir, "server.log")),
            "the relay did stall the connection")
    last = fs.status_sources(cfg).get("stalled", {}).get("last_error") or ""
    t.check("timed out" in last, "the error says it timed out (%r)" % last[:200])
    t.check(records(db, "stalled") == (0, 0), "nothing of the stalled poll is stored")
    t.check(not seen_files(), "no mail was left marked seen: %r" % seen_files()[:3])


def drop_row():
    print("\n== IMAP: the connection drops in the middle of a FETCH ==")
    cfg, db = config("drop", [source("relayed", relay, t.env("TS_CA_CERT"))])
    # More than the small talk and a message or two, less than the folder: the cut falls
    # inside a message's literal.
    server.control("/_relay?target=%s&cut=%d" % (t.env("TS_IMAP_PORT"), 400 * 1024), "POST")
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 3 and took < TIMEOUT + 8,
            "the poll cut mid-FETCH exits 3, bounded (%d, %.1f s)" % (p.returncode, took))
    t.check("relay: cut after" in t.read_text(os.path.join(server.dir, "server.log")),
            "the relay did cut the connection")
    status = fs.status_sources(cfg).get("relayed", {})
    t.check(status.get("error_count") == 1 and status.get("last_error"),
            "the failure is recorded: %r" % (status.get("last_error") or "")[:200])
    t.check(records(db, "relayed") == (0, 0), "nothing of the cut poll is stored")
    cursor = query(db, "SELECT cursor FROM source_state WHERE source = 'relayed'")
    t.check(not cursor or not cursor[0][0], "the cursor did not move: %r" % cursor)
    server.control("/_relay?target=%s&cut=0" % t.env("TS_IMAP_PORT"), "POST")
    p = t.run(["poll", "--once"], config=cfg)
    t.check(p.returncode == 0, "the next poll succeeds (%s)" % p.stderr.strip()[-300:])
    t.check(records(db, "relayed") == (COUNT, COUNT), "every mail stored exactly once")
    t.check(not seen_files(), "no mail was left marked seen (after_processing = leave): %r"
            % seen_files()[:3])
    p = t.run(["poll", "--once"], config=cfg)
    t.check(p.returncode == 0 and "not modified" in p.stderr and
            records(db, "relayed") == (COUNT, COUNT), "a third poll finds nothing new")
    return cfg, db


def uidvalidity_row(cfg, db):
    print("\n== IMAP: UIDVALIDITY changes ==")
    before = query(db, "SELECT cursor FROM source_state WHERE source = 'relayed'")[0][0]
    revisions = query(db, "SELECT count(*) FROM revision")[0][0]
    time.sleep(1.1)  # Dovecot takes the time in seconds for a new UIDVALIDITY
    removed = 0
    for name in os.listdir(box):
        if name == "dovecot-uidlist" or name.startswith("dovecot.index"):
            os.remove(os.path.join(box, name))
            removed += 1
    t.check(removed > 0, "Dovecot's uidlist and index were removed (%d files)" % removed)
    p = t.run(["poll", "--once"], config=cfg)
    t.check(p.returncode == 0, "the poll after the change succeeds (%s)" % p.stderr[-300:])
    t.check("UIDVALIDITY changed from %s" % before.split(":")[0] in p.stderr and
            "resynchronising" in p.stderr, "the log says UIDVALIDITY changed")
    after = query(db, "SELECT cursor FROM source_state WHERE source = 'relayed'")[0][0]
    t.check(after.split(":")[0] != before.split(":")[0] and after.endswith(":%d" % COUNT),
            "the cursor has the new UIDVALIDITY (%s -> %s)" % (before, after))
    t.check(records(db, "relayed") == (COUNT, COUNT) and
            query(db, "SELECT count(*) FROM revision")[0][0] == revisions,
            "the folder read again stored nothing twice")


def oversized_row(cfg_unused, db_unused):
    print("\n== IMAP: a message over max_message_bytes ==")
    deliver(mail(COUNT + 1, padding=2 * 1024 * 1024))
    deliver(mail(COUNT + 2))
    cfg, db = config("oversized", [source("capped", dovecot, t.env("TS_CA_CERT"),
                                          "max_message_bytes = 1M\n")])
    p = t.run(["poll", "--once"], config=cfg)
    t.check(p.returncode == 0, "a poll with an oversized message succeeds (%d)" % p.returncode)
    t.check(records(db, "capped") == (COUNT + 1, COUNT + 1),
            "every other mail is stored (%r)" % (records(db, "capped"),))
    t.check("over the cap of 1048576 bytes: skipped" in p.stderr and "UID" in p.stderr,
            "the skipped message is a problem naming its UID and size")
    t.check(query(db, "SELECT count(*) FROM record WHERE record_id LIKE 'fault.%d.%%'"
                  % (COUNT + 1))[0][0] == 0, "the oversized message is not stored")


try:
    transport_row()
    stall_row()
    cfg, db = drop_row()
    uidvalidity_row(cfg, db)
    oversized_row(cfg, db)
finally:
    server.stop()
    ws.cleanup()
t.finish()
