#!/usr/bin/python3
"""One process delivers the outbox at a time (issue 11 part 7): a `poll --once` beside a running
daemon polls and stores but leaves delivery to the daemon, so no message is sent twice; once
the daemon stops (it releases the lease), a `poll --once` delivers again; a lease left by a
process that was killed is taken over at once.

Who delivered a message is told by where it went, not by when: the daemon's configuration sends
the notifier `chat` to the hook path <tag>/daemon, the poll's (same store, same notifier name)
to <tag>/poll. The checks never assume the daemon is asleep: the round that delivers the first
match goes on to deliver whatever else is due, so a message queued right after that delivery
may go out in the same round (on a loaded machine, on PostgreSQL, it did)."""
import collections
import os
import signal
import subprocess
import time

import vwtest as t

ws = t.Workspace("lease")
ws.serve("new.rdf", t.demo_feed())
products = ws.write("products.json", """{"products":[{"name":"Example Imaging Viewer",
 "components":[{"name":"log4j-core","cpe":"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]}]}""")


def config(name):
    return ws.write(name + ".conf", f"""
[store]
path = {ws.db}

[source.jvndb-new]
type = jvn-rss
url = {ws.feed_url("new.rdf")}
interval = 15m

[notifier.chat]
type = webhook
url = {ws.hook_url()}/{name}
""")


cfg_daemon, cfg_poll = config("daemon"), config("poll")


def hooks(by):
    """The webhook requests that the daemon (by="daemon") or a poll (by="poll") sent."""
    return [h for h in t.hooks_for(ws.tag) if h.get("path", "").endswith("/" + by)]


def key_of(hook):
    for name, value in hook.get("headers", {}).items():
        if name.lower() == "x-vulnwatch-idempotency-key":
            return value
    return None


def queue_copy(key):
    """A copy of the first message, due now, with its own idempotency key."""
    db = t.db_connect(ws.db, timeout=10)
    db.execute("INSERT INTO outbox (notifier, recipient, subject, text, payload, "
               "idempotency_key, due_at, state, attempts, last_reply, created_at, updated_at, "
               "thread) SELECT notifier, recipient, subject, text, payload, ?, 0, "
               "'pending', 0, '', created_at, updated_at, thread FROM outbox ORDER BY id LIMIT 1",
               (key,))
    db.commit()
    db.close()


t.run(["products", "import", products], config=cfg_daemon, check_rc=0)

log_path = os.path.join(ws.dir, "daemon.log")
log = open(log_path, "w+")
proc = subprocess.Popen([t.BINARY, "--config", cfg_daemon, "run"], stdout=log,
                        stderr=subprocess.STDOUT)
try:
    t.check(t.wait_until(lambda: len(hooks("daemon")) == 1, 20),
            "the daemon delivered the Log4j match")
    # A message due now, as a cron `poll --once` beside the daemon would find it: the poll
    # must leave it to the daemon (the lease holder), whether or not the daemon's round is
    # still going on.
    queue_copy("second-key")
    p = t.run(["poll", "--once"], config=cfg_poll)
    out = p.stdout + p.stderr
    t.check(p.returncode == 0, "poll --once beside the daemon succeeds")
    t.check("delivery left to" in out, "poll --once says the running daemon delivers")
    t.check(hooks("poll") == [] and "; 0 delivered," in out,
            "poll --once delivered nothing itself: %r" % [key_of(h) for h in hooks("poll")])
    db = t.db_connect(ws.db, timeout=10)
    holder = db.execute("SELECT holder FROM delivery_lease").fetchone()
    db.close()
    t.check(holder is not None and (":%d:" % proc.pid) in holder[0],
            "the lease names the daemon's pid: %r" % (holder,))
    # The daemon delivers it: at once if its round was still going on, else in its next round,
    # which a reload (SIGHUP) starts now (else it comes within 30 s).
    proc.send_signal(signal.SIGHUP)
    t.check(t.wait_until(lambda: "second-key" in [key_of(h) for h in hooks("daemon")], 40),
            "the daemon delivered the message the poll left: %r"
            % [key_of(h) for h in hooks("daemon")])
finally:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)

db = t.db_connect(ws.db, timeout=10)
t.check(db.execute("SELECT count(*) FROM delivery_lease").fetchone()[0] == 0,
        "the daemon released the lease when it stopped")
db.close()

# A lease left by a killed process (its pid is gone) does not hold up the next delivery.
db = t.db_connect(ws.db, timeout=10)
dead = subprocess.Popen(["true"])
dead.wait()
host = os.uname().nodename
db.execute("INSERT INTO delivery_lease (id, holder, expires_at) VALUES (1, ?, ?)",
           ("%s:%d:1" % (host, dead.pid), int(time.time()) + 3600))
db.commit()
db.close()
queue_copy("third-key")
p = t.run(["poll", "--once"], config=cfg_poll)
t.check("took over the delivery lease" in p.stderr + p.stdout,
        "poll --once took over the lease of the process that is gone")
t.check([key_of(h) for h in hooks("poll")] == ["third-key"],
        "and delivered the message due: %r" % [key_of(h) for h in hooks("poll")])

# Every message went out exactly once, whoever sent it.
db = t.db_connect(ws.db, timeout=10)
keys = [r[0] for r in db.execute("SELECT idempotency_key FROM outbox").fetchall()]
db.close()
sent = collections.Counter(key_of(h) for h in t.hooks_for(ws.tag))
t.check(len(keys) == 3 and sent == collections.Counter(keys),
        "each of the %d messages was sent once: %r" % (len(keys), dict(sent)))
if t.failures:
    log.flush()
    print("--- daemon log:\n%s" % t.read_text(log_path)[-3000:])
t.finish()
