#!/usr/bin/python3
"""One process delivers the outbox at a time (issue 11 part 7): a `poll --once` beside a running
daemon polls and stores but leaves delivery to the daemon, so no message is sent twice; once
the daemon stops (it releases the lease), a `poll --once` delivers again; a lease left by a
process that was killed is taken over at once."""
import os
import signal
import subprocess
import time

import vwtest as t

ws = t.Workspace("lease")
ws.serve("new.rdf", t.demo_feed())
products = ws.write("products.json", """{"products":[{"name":"Example Imaging Viewer",
 "components":[{"name":"log4j-core","cpe":"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]}]}""")
cfg = ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[source.jvndb-new]
type = jvn-rss
url = {ws.feed_url("new.rdf")}
interval = 15m

[notifier.chat]
type = webhook
url = {ws.hook_url()}
""")
t.run(["products", "import", products], config=cfg, check_rc=0)

log_path = os.path.join(ws.dir, "daemon.log")
log = open(log_path, "w+")
proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log, stderr=subprocess.STDOUT)
try:
    t.check(t.wait_until(lambda: len(t.hooks_for(ws.tag)) == 1, 20),
            "the daemon delivered the Log4j match")
    # A message due now, as a cron `poll --once` beside the daemon would find it (the daemon
    # sleeps up to 30 s between rounds): the poll must leave it to the daemon.
    db = t.db_connect(ws.db, timeout=10)
    db.execute("INSERT INTO outbox (notifier, recipient, subject, text, payload, "
               "idempotency_key, due_at, state, attempts, last_reply, created_at, updated_at, "
               "thread) SELECT notifier, recipient, subject, text, payload, 'second-key', 0, "
               "'pending', 0, '', created_at, updated_at, thread FROM outbox LIMIT 1")
    db.commit()
    db.close()
    p = t.run(["poll", "--once"], config=cfg)
    t.check(p.returncode == 0, "poll --once beside the daemon succeeds")
    t.check("delivery left to" in p.stderr + p.stdout,
            "poll --once says the running daemon delivers")
    t.check(len(t.hooks_for(ws.tag)) == 1, "poll --once delivered nothing itself")
    db = t.db_connect(ws.db, timeout=10)
    holder = db.execute("SELECT holder FROM delivery_lease").fetchone()
    db.close()
    t.check(holder is not None and (":%d:" % proc.pid) in holder[0],
            "the lease names the daemon's pid: %r" % (holder,))
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
db.execute("INSERT INTO outbox (notifier, recipient, subject, text, payload, "
           "idempotency_key, due_at, state, attempts, last_reply, created_at, updated_at, "
           "thread) SELECT notifier, recipient, subject, text, payload, 'third-key', 0, "
           "'pending', 0, '', created_at, updated_at, thread FROM outbox LIMIT 1")
db.commit()
db.close()
p = t.run(["poll", "--once"], config=cfg)
t.check("took over the delivery lease" in p.stderr + p.stdout,
        "poll --once took over the lease of the process that is gone")
t.check(t.wait_until(lambda: len(t.hooks_for(ws.tag)) == 3, 10),
        "and delivered the message due (the daemon had delivered the second before it stopped)")
t.finish()
