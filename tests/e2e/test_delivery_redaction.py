#!/usr/bin/python3
"""No credential of a webhook URL leaks (issue 11 part 7): a webhook notifier configured as
http://user:s3cret@127.0.0.1:PORT/hook?token=… posts to a receiver that answers 500 and echoes
what it got (the URL, the decoded Basic credentials, a token member). Afterwards neither
password nor token appears in the output of `notify test`, `run`, `deliveries list` (both
forms), the daemon's log, or any text of the SQLite file (every table, every column); the
receiver still got the credentials (Basic auth), so redaction hides them without breaking them."""
import base64
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402

PASSWORD = "s3cret-Pw9"
TOKEN = "tkn-77f0c2a9e1"
work = tempfile.mkdtemp(prefix="vw-redact-")
db_path = os.path.join(work, "vulnwatch.db")


def echo_500(record):
    """A receiver that fails and repeats what it was sent (some proxies and frameworks do)."""
    auth = record["headers"].get("authorization", "")
    decoded = ""
    if auth.startswith("Basic "):
        decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
    body = ('{"error":"boom","url":"http://%s@127.0.0.1:%d%s","credentials":"%s",'
            '"token":"%s"}' % (decoded, receiver.port, record["path"], decoded, TOKEN))
    return 500, [("Content-Type", "application/json")], body.encode()


receiver = ds.Receiver(echo_500).start()
hook_url = receiver.url("/hook?token=%s" % TOKEN, userinfo="psirt:" + PASSWORD)
cfg = os.path.join(work, "vulnwatch.conf")
with open(cfg, "w", encoding="utf-8") as f:
    f.write(f"""
[store]
path = {db_path}

[notifier.chat]
type = webhook
url = {hook_url}
timeout = 5s
""")
products = os.path.join(work, "products.json")
with open(products, "w", encoding="utf-8") as f:
    f.write(ds.products_json())
feed = os.path.join(work, "feed.rdf")
with open(feed, "wb") as f:
    f.write(ds.feed(3))

outputs = {}  # what each command printed, checked for the secrets at the end
p = t.run(["notify", "test", "chat"], config=cfg, check_rc=1)
outputs["notify test"] = p.stdout + p.stderr
t.check("NOT delivered" in p.stderr and "HTTP 500" in p.stderr,
        "`notify test` reports the 500: %r" % p.stderr.strip())
t.check("<redacted>" in p.stderr, "and shows where it redacted")
t.check(receiver.count() == 1, "the receiver got the test message")
auth = receiver.snapshot()[0]["headers"].get("authorization", "") if receiver.count() else ""
t.check(auth == "Basic " + base64.b64encode(("psirt:" + PASSWORD).encode()).decode(),
        "the URL's credentials went to the receiver as Basic auth")

t.run(["products", "import", products], config=cfg, check_rc=0)
p = t.run(["import", feed], config=cfg, check_rc=0)
outputs["import"] = p.stdout + p.stderr

log_path = os.path.join(work, "daemon.log")
with open(log_path, "w") as log:
    proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        def attempts():
            con = t.db_connect(db_path, timeout=10)
            try:
                return con.execute("SELECT count(*) FROM delivery").fetchone()[0]
            finally:
                con.close()

        t.check(t.wait_until(lambda: attempts() >= 3, 20), "the daemon tried all 3 messages")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
outputs["run (log)"] = t.read_text(log_path)
t.check("not delivered (HTTP 500" in outputs["run (log)"], "the log has the delivery warnings")

p = t.run(["deliveries", "list"], config=cfg, check_rc=0)
outputs["deliveries list"] = p.stdout + p.stderr
t.check("last reply: HTTP 500" in p.stdout, "deliveries list shows the last reply")
p = t.run(["deliveries", "list", "--json"], config=cfg, check_rc=0)
outputs["deliveries list --json"] = p.stdout + p.stderr

con = t.db_connect(db_path)
replies = [r[0] for r in con.execute("SELECT last_reply FROM outbox")]
con.close()
t.check(len(replies) == 3 and all(r.startswith("HTTP 500") and "<redacted>" in r for r in replies),
        "outbox.last_reply keeps the reply, redacted: %r" % (replies[:1],))
outputs["SQLite (every table and column)"] = t.db_dump(db_path)

for secret in (PASSWORD, TOKEN):
    for where, text in outputs.items():
        t.check(secret not in text, "%s does not appear in %s" % (secret, where))
# The receiver saw the same requests the ledger lists (nothing skipped by the redaction).
t.check(receiver.count() == 4, "the receiver got 4 requests (1 test + 3): %d" % receiver.count())

receiver.stop()
if not t.failures:
    shutil.rmtree(work, ignore_errors=True)  # kept for a look when something failed
t.finish()
