#!/usr/bin/python3
"""`vulnwatch run` as systemd would run it: READY=1 on the notify socket, a first poll that
delivers, SIGHUP with a broken config keeps the old one, SIGHUP with a good one reloads,
SIGTERM exits 0 within 5 s with STOPPING=1."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse

import vwtest as t

ws = t.Workspace("daemon")
ws.serve("new.rdf", t.demo_feed())
products = ws.write("products.json", """{"products":[{"name":"Example Imaging Viewer",
 "components":[{"name":"log4j-core","cpe":"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"}]}]}""")

good = f"""
[store]
path = {ws.db}

[source.jvndb-new]
type = jvn-rss
url = {ws.feed_url("new.rdf")}
interval = 15m

[notifier.chat]
type = webhook
url = {ws.hook_url()}
"""
cfg = ws.write("vulnwatch.conf", good)
t.run(["products", "import", products], config=cfg, check_rc=0)

sock_path = os.path.join(ws.dir, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
sock.settimeout(0.2)
messages = []


def wait_for(predicate, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        try:
            messages.append(sock.recv(4096).decode())
        except socket.timeout:
            pass
        if predicate():
            return True
    print("timed out waiting for %s; notify messages: %s" % (what, messages))
    return False


log_path = os.path.join(ws.dir, "daemon.log")
log = open(log_path, "w+")
proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log, stderr=subprocess.STDOUT,
                        env=dict(os.environ, NOTIFY_SOCKET=sock_path))
try:
    t.check(wait_for(lambda: any("READY=1" in m for m in messages), 10, "READY=1"), "READY=1 sent")
    t.check(wait_for(lambda: len(t.hooks_for(ws.tag)) == 1, 20, "the webhook"),
            "the first cycle delivered the Log4j match to the webhook")

    ws.write("vulnwatch.conf", good + "\n[notifier.broken]\ntype = carrier-pigeon\n")
    proc.send_signal(signal.SIGHUP)

    def reload_failure_logged():
        text = t.read_text(log_path)
        return any("reload failed, keeping the current configuration" in line
                   and "carrier-pigeon" in line for line in text.splitlines())

    t.wait_until(lambda: reload_failure_logged() or proc.poll() is not None, 20)
    t.check(reload_failure_logged(), "the log says the reload failed and why")
    t.check(proc.poll() is None, "the daemon survives a reload with an invalid config")

    ws.write("vulnwatch.conf", good.replace("interval = 15m", "interval = 20m"))
    proc.send_signal(signal.SIGHUP)
    t.check(wait_for(lambda: sum("READY=1" in m for m in messages) >= 3, 20, "READY after reload"),
            "READY=1 again after the reloads")
    # run.cpp logs the reload's outcome before it sends READY=1: no wait needed here.
    t.check("configuration reloaded" in t.read_text(log_path), "the valid config was loaded")
    # The reload is in the audit trail, with the running configuration (secrets redacted) as its
    # evidence.
    p = t.run(["audit", "export", "--since", "2000-01-01", "--json"], db=ws.db, check_rc=0)
    reloads = [json.loads(line)["event"] for line in p.stdout.splitlines()
               if '"config-reload"' in line]
    t.check(len(reloads) == 1 and len(reloads[0].get("evidence", [])) == 1,
            "one config-reload event naming the configuration as evidence (%r)" % reloads)
    if reloads and reloads[0].get("evidence"):
        shown = t.run(["evidence", "show", reloads[0]["evidence"][0], "--out", "-"], db=ws.db,
                      check_rc=0)
        t.check("interval = 20m" in shown.stdout, "the evidence is the configuration now running")

    start = time.time()
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    took = time.time() - start
    t.check(rc == 0, "SIGTERM exits 0 (got %d)" % rc)
    t.check(took < 5.0, "stopped within 5 s (%.2f s)" % took)
    wait_for(lambda: any("STOPPING=1" in m for m in messages), 2, "STOPPING=1")
    t.check(any("STOPPING=1" in m for m in messages), "STOPPING=1 sent")
finally:
    if proc.poll() is None:
        proc.kill()
    log.close()

# A slow feed: SIGTERM during the fetch still stops within 5 s. SIGTERM goes out only once the
# HTTP server reports the request in flight (started, still sleeping), so the signal really lands
# in the middle of the fetch.
slow_url = ws.feed_url("new.rdf", prefix="slow/30")
slow_path = urllib.parse.urlsplit(slow_url).path
slow = good.replace(ws.feed_url("new.rdf"), slow_url)
cfg = ws.write("slow.conf", slow.replace("[notifier.chat]", "[notifier.chat]\ntimeout = 60s"))
slow_log_path = os.path.join(ws.dir, "slow.log")
failed_before = len(t.failures)
slow_log = open(slow_log_path, "w")
proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=slow_log,
                        stderr=subprocess.STDOUT)
try:
    t.wait_until(lambda: t.http_inflight().get(slow_path, 0) > 0 or proc.poll() is not None, 20)
    in_flight = proc.poll() is None and t.http_inflight().get(slow_path, 0) > 0
    t.check(in_flight, "the slow fetch of %s is in flight on the server before SIGTERM" % slow_path)
    if in_flight:
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - start
        # The server's 30 s sleep is not over: the daemon abandoned the fetch, it did not finish it.
        t.check(rc == 0 and took < 5.0,
                "SIGTERM in the middle of a slow fetch stops within 5 s (rc %s, %.2f s)" % (rc, took))
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    slow_log.close()
if len(t.failures) > failed_before:
    print("daemon log of the slow-feed run:\n" + t.read_text(slow_log_path))

ws.cleanup()
t.finish()
