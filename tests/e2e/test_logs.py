#!/usr/bin/python3
"""Logs (issue 15 part 7): under systemd (JOURNAL_STREAM set, as systemd sets it for a unit's
stderr) every line starts with its sd-daemon priority (<3> error, <4> warning, <6> info,
<7> debug) so `journalctl -p warning` filters by level; outside it, with a UTC timestamp. One
line per event, and no secret (a source's password, a webhook URL's token, a proxy
password) ever appears. The real binary, `poll --once` against addresses that refuse.
Needs no loopback test server."""
import os
import re
import socket
import subprocess
import tempfile

import vwtest as t

work = tempfile.mkdtemp(prefix="vw-logs-")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port  # nothing listens there now: connections are refused


refused = free_port()
SECRETS = ["S3cretFeedPass", "T0kenInHookUrl", "ProxyPassw0rd"]
with open(os.path.join(work, "proxy.cred"), "w") as f:
    f.write("proxyuser:%s\n" % SECRETS[2])
os.chmod(os.path.join(work, "proxy.cred"), 0o600)
config = os.path.join(work, "vulnwatch.conf")
with open(config, "w") as f:
    f.write(f"""
[store]
path = {work}/vulnwatch.db

[daemon]
proxy_credentials_file = {work}/proxy.cred

[source.feed]
type = jvn-rss
url = http://127.0.0.1:{refused}/jvndb.rdf
user = feeduser
password = {SECRETS[0]}

[source.proxied]
type = jvn-rss
url = http://127.0.0.1:{refused}/other.rdf
proxy = http://127.0.0.1:{refused}

[notifier.chat]
type = webhook
url = http://127.0.0.1:{refused}/hooks/{SECRETS[1]}
""")


def poll(journal):
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    if journal:
        env["JOURNAL_STREAM"] = "8:123456"
    return subprocess.run([t.BINARY, "--config", config, "--log-level", "debug", "poll",
                           "--once"], capture_output=True, text=True, env=env, timeout=120)


p = poll(journal=True)
lines = p.stderr.splitlines()
t.check(p.returncode == 3, "a poll with failing sources exits 3 (got %d)" % p.returncode)
pattern = re.compile(r"^<([3467])>(debug|info|warning|error) \[[^\]]+\] \S")
bad = [line for line in lines if not pattern.match(line)]
t.check(lines and not bad, "under systemd every line starts with <priority>level [component] "
        "(%d lines; not: %s)" % (len(lines), bad[:3]))
levels = {"3": "error", "4": "warning", "6": "info", "7": "debug"}
mismatch = [line for line in lines if pattern.match(line) and
            levels[pattern.match(line).group(1)] != pattern.match(line).group(2)]
t.check(not mismatch, "the priority matches the level name (%s)" % mismatch[:3])
seen = {pattern.match(line).group(1) for line in lines if pattern.match(line)}
t.check("6" in seen and ("3" in seen or "4" in seen),
        "info and a warning or error appear (%s)" % sorted(seen))
t.check(any("feed" in line and ("refused" in line.lower() or "connect" in line.lower())
            for line in lines if line.startswith(("<3>", "<4>"))),
        "the refused source is a warning or error line naming it")
for secret in SECRETS:
    t.check(secret not in p.stderr and secret not in p.stdout,
            "the secret %s… never appears in the output" % secret[:4])

p = poll(journal=False)
lines = p.stderr.splitlines()
stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (debug|info|warning|error) \[[^\]]+\] ")
bad = [line for line in lines if not stamp.match(line)]
t.check(lines and not bad, "outside systemd every line starts with a UTC timestamp and the "
        "level (not: %s)" % bad[:3])
t.check(not any(line.startswith("<") for line in lines), "and carries no <priority> prefix")
for secret in SECRETS:
    t.check(secret not in p.stderr, "the secret %s… never appears outside systemd either"
            % secret[:4])
t.finish()
