#!/usr/bin/python3
"""One delivery round against five loopback webhook receivers at once (issue 11 parts 5 and 7):
one answers 200, one 429 with Retry-After in seconds, one 429 with Retry-After as an HTTP date,
one 500, and one accepts the connection and never answers (a stall; the notifier's timeout is
2 s). Three matching advisories give each notifier three messages, interleaved in the queue.

- 200: all delivered, and none of them waited for the stall longer than its timeout;
- 429: one request; that message and the two others wait at least Retry-After (none counted
  as an attempt but the one made);
- 500: each message tried once (a 500 is about the message), retried with backoff;
- stall: one connection; it timed out after the 2 s timeout, counted as one attempt, and the
  two other messages of that notifier wait without paying the timeout again.
The whole `poll --once` takes about one timeout, not one per stalled message."""
import email.utils
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402

TIMEOUT = 2
work = tempfile.mkdtemp(prefix="vw-receivers-")
db_path = os.path.join(work, "vulnwatch.db")

ok = ds.Receiver(lambda r: (200, [], b"ok")).start()
seconds = ds.Receiver(lambda r: (429, [("Retry-After", "120")], b"slow down")).start()
http_date = ds.Receiver(lambda r: (429, [("Retry-After", email.utils.formatdate(
    time.time() + 300, usegmt=True))], b"slow down")).start()
failing = ds.Receiver(lambda r: (500, [], b"internal error")).start()
stall = ds.StallingReceiver().start()

notifiers = [("ok", ok.url()), ("seconds", seconds.url()), ("date", http_date.url()),
             ("failing", failing.url()), ("stuck", stall.url())]
cfg = os.path.join(work, "vulnwatch.conf")
with open(cfg, "w", encoding="utf-8") as f:
    f.write("[store]\npath = %s\n" % db_path)
    for name, url in notifiers:
        f.write("\n[notifier.%s]\ntype = webhook\nurl = %s\ntimeout = %ds\n" % (name, url, TIMEOUT))
products = os.path.join(work, "products.json")
with open(products, "w", encoding="utf-8") as f:
    f.write(ds.products_json())
feed = os.path.join(work, "feed.rdf")
with open(feed, "wb") as f:
    f.write(ds.feed(3))
t.run(["products", "import", products], config=cfg, check_rc=0)
t.run(["import", feed], config=cfg, check_rc=0)

start = time.time()
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
took = time.time() - start
print(p.stderr)
t.check(TIMEOUT <= took < 2 * TIMEOUT,
        "the round took %.2f s: one stall timeout (%d s), not one per stalled message" %
        (took, TIMEOUT))

con = t.db_connect(db_path)


def outbox(notifier):
    return con.execute("SELECT state, attempts, due_at, updated_at, last_reply FROM outbox "
                       "WHERE notifier = ? ORDER BY id", (notifier,)).fetchall()


rows = outbox("ok")
t.check([r[:2] for r in rows] == [("delivered", 1)] * 3, "200: 3 delivered: %r" % rows)
arrivals = [r["at"] - start for r in ok.snapshot()]
t.check(len(arrivals) == 3 and max(arrivals) < TIMEOUT + 1.0,
        "200: every delivery within the stall's timeout + 1 s: %s" %
        ", ".join("%.2f s" % a for a in arrivals))

for name, receiver, retry_after in (("seconds", seconds, 120), ("date", http_date, 300)):
    rows = outbox(name)
    t.check(receiver.count() == 1, "429 (%s): one request, the receiver asked for a pause" % name)
    t.check([r[:2] for r in rows] == [("pending", 1), ("pending", 0), ("pending", 0)],
            "429 (%s): one attempt counted, two messages not attempted: %r" %
            (name, [r[:2] for r in rows]))
    waits = [r[2] - r[3] for r in rows]
    t.check(all(w >= retry_after - 2 for w in waits),
            "429 (%s): all wait at least Retry-After %d s: %r" % (name, retry_after, waits))

rows = outbox("failing")
t.check(failing.count() == 3 and [r[:2] for r in rows] == [("pending", 1)] * 3,
        "500: each message tried once and kept for a retry: %r" % [r[:2] for r in rows])
t.check(all(r[4] == "HTTP 500: internal error" for r in rows), "500: the reply is stored")

rows = outbox("stuck")
t.check(stall.count() == 1, "stall: one connection (%d)" % stall.count())
t.check([r[:2] for r in rows] == [("pending", 1), ("pending", 0), ("pending", 0)],
        "stall: the timed-out message counts one attempt, the others none: %r" %
        [r[:2] for r in rows])
t.check(rows and rows[0][4].startswith("timed out after %d ms" % (TIMEOUT * 1000)),
        "stall: the reply says it timed out: %r" % (rows[0][4] if rows else None))
t.check(all(r[4].startswith("not attempted: timed out") for r in rows[1:]),
        "stall: the others say why they were not attempted")
t.check(len({r[2] for r in rows}) == 1 and rows[0][2] - rows[0][3] >= 24,
        "stall: all three wait for the same retry time (>= 24 s: backoff with jitter)")
t.check("wait" in p.stderr and "other message(s) via notifier stuck" in p.stderr,
        "the log says the stalled notifier's other messages wait")
con.close()
for r in (ok, seconds, http_date, failing, stall):
    r.stop()
if not t.failures:
    shutil.rmtree(work, ignore_errors=True)  # kept for a look when something failed
t.finish()
