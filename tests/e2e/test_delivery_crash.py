#!/usr/bin/python3
"""Crash safety of delivery (DESIGN.md: kill -9 at any moment loses no notification; at most one
duplicate per message in flight): 1,000 notifications queued (an imported feed whose 1,000 items
match a registered product), a slow loopback webhook receiver (5-20 ms per request) that records
every request, and `vulnwatch run` killed with SIGKILL three times while it delivers, restarted
each time. Afterwards every notification arrived, none is missing, every repeat carries the same
idempotency key as the first delivery of its message (Standard Webhooks `webhook-id` and
`X-Vulnwatch-Idempotency-Key` agree), there are at most 3 repeats (one per kill), and the
outbox shows 1,000 delivered. Prints the counts."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402

COUNT = 1000
KILLS = 3
started = time.monotonic()
work = tempfile.mkdtemp(prefix="vw-crash-")
db_path = os.path.join(work, "vulnwatch.db")
rng = random.Random(11)


class SlowReceiver(ds.Receiver):
    """5-20 ms per request (the delay is drawn per request)."""

    def __init__(self):
        super().__init__(lambda record: (time.sleep(rng.uniform(0.005, 0.020)) or 200, [], b""))


receiver = SlowReceiver().start()
cfg = os.path.join(work, "vulnwatch.conf")
with open(cfg, "w", encoding="utf-8") as f:
    f.write(f"""
[store]
path = {db_path}

[notifier.chat]
type = webhook
url = {receiver.url()}
secret = crash-test-signing-key
timeout = 10s
""")
products = os.path.join(work, "products.json")
with open(products, "w", encoding="utf-8") as f:
    f.write(ds.products_json())
feed = os.path.join(work, "feed.rdf")
with open(feed, "wb") as f:
    f.write(ds.feed(COUNT))
t.run(["products", "import", products], config=cfg, check_rc=0)
t.run(["import", feed], config=cfg, check_rc=0)


def query(sql):
    con = t.db_connect(db_path, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


expected_keys = {r[0] for r in query("SELECT idempotency_key FROM outbox")}
t.check(len(expected_keys) == COUNT, "%d notifications queued" % len(expected_keys))

log_path = os.path.join(work, "daemon.log")
log = open(log_path, "w")


def start_daemon():
    return subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log,
                            stderr=subprocess.STDOUT)


# Kill points spread over the delivery: after about 15%, 45% and 75% of the requests arrived.
kills = []
proc = start_daemon()
try:
    for fraction in (0.15, 0.45, 0.75)[:KILLS]:
        target = int(COUNT * fraction) + rng.randint(0, 30)
        reached = t.wait_until(lambda: receiver.count() >= target or proc.poll() is not None, 40,
                               interval=0.002)
        if not reached or proc.poll() is not None:
            t.check(False, "the daemon was delivering when kill %d was due (%d arrived, rc %s)"
                    % (len(kills) + 1, receiver.count(), proc.poll()))
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills.append(receiver.count())
        proc = start_daemon()
    done = t.wait_until(
        lambda: query("SELECT count(*) FROM outbox WHERE state = 'delivered'")[0][0] == COUNT,
        60, interval=0.1)
    t.check(done, "the outbox shows %d delivered after %d kills" % (COUNT, len(kills)))
finally:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    log.close()
receiver.stop()

requests = receiver.snapshot()
keys = [r["headers"].get("webhook-id") for r in requests]
unique = set(keys)
repeats = len(keys) - len(unique)
print("\nCOUNTS: queued %d, arrived %d, unique %d, repeats %d, kills %d (after %s requests), "
      "%.1f s" % (COUNT, len(keys), len(unique), repeats, len(kills),
                  ", ".join(map(str, kills)), time.monotonic() - started))
t.check(len(kills) == KILLS, "the daemon was killed %d times while delivering" % len(kills))
t.check(unique == expected_keys, "every queued notification arrived: %d missing, %d unknown" %
        (len(expected_keys - unique), len(unique - expected_keys)))
t.check(all(r["headers"].get("webhook-id") == r["headers"].get("x-vulnwatch-idempotency-key")
            for r in requests), "webhook-id and X-Vulnwatch-Idempotency-Key agree on every request")
# A repeat is the same message again: its payload names the same advisory, under the same key.
by_advisory = {}
for r in requests:
    advisory = json.loads(r["body"])["advisory"]["id"]
    by_advisory.setdefault(advisory, set()).add(r["headers"].get("webhook-id"))
t.check(len(by_advisory) == COUNT and all(len(k) == 1 for k in by_advisory.values()),
        "every repeat carries the same idempotency key as its first delivery")
t.check(repeats <= len(kills), "at most one repeat per kill (%d repeats)" % repeats)
t.check(query("SELECT count(*) FROM outbox WHERE state != 'delivered'")[0][0] == 0,
        "nothing pending or dead")
took = time.monotonic() - started
t.check(took < 90, "bounded: %.1f s" % took)
if t.failures:
    print("daemon log (end):\n" + t.read_text(log_path)[-3000:])
if not t.failures:
    shutil.rmtree(work, ignore_errors=True)  # kept for a look when something failed
t.finish()
