"""Helpers of the fault-matrix tests (tests/e2e/test_faults_*.py, docs/reliability.md): start
tests/servers/fault_server.py, ask it what it saw, pick a port nothing listens on. Standard
library only."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import vwtest as t

SERVER = os.path.join(t.SOURCE_DIR, "tests", "servers", "fault_server.py")
DNS_FAIL_HOST = "feed.vulnwatch-fault.invalid"  # RFC 2606: .invalid never resolves


class FaultServer:
    """The fault server in a folder of its own; `ports` is its JSON line (http, tls_good,
    tls_expired, tls_wronghost, tls_garbage, stall, smtp, relay, ca, docroot)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vw-fault-")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(["/usr/bin/python3", SERVER, "--dir", self.dir],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(5)
            with open(os.path.join(self.dir, "server.log")) as f:
                raise SystemExit("FAIL: the fault server did not start:\n" + f.read())
        self.ports = json.loads(line)
        self.ca = self.ports["ca"]
        self.docroot = self.ports["docroot"]

    def url(self, path, port="http"):
        scheme = "http" if port == "http" else "https"
        return "%s://127.0.0.1:%d/%s" % (scheme, self.ports[port], path.lstrip("/"))

    def serve(self, name, data):
        with open(os.path.join(self.docroot, name), "wb") as f:
            f.write(data)

    def control(self, path, method="GET"):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.ports["http"], path),
                                     method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def stats(self):
        return self.control("/_stats")

    def requests(self):
        return self.control("/_requests")

    def requests_to(self, prefix):
        return [r for r in self.requests() if r["path"].startswith(prefix)]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def refused_url(path="feed.rdf"):
    """An http URL of a loopback port nothing listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/%s" % (port, path), port


def timed(fn):
    start = time.monotonic()
    result = fn()
    return result, time.monotonic() - start


def status_sources(config):
    """{name: source object} of `vulnwatch status --json`."""
    p = t.run(["status", "--json"], config=config)
    if p.returncode != 0:
        t.check(False, "status --json exits 0 (%s)" % p.stderr.strip()[-300:])
        return {}
    return {s["name"]: s for s in json.loads(p.stdout).get("sources", [])}
