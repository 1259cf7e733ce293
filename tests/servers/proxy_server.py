#!/usr/bin/python3
"""A loopback HTTP proxy for vulnwatch's proxy tests (Python 3 standard library only), written
for the project: it forwards absolute-form requests (`GET http://host:port/path`) and tunnels
`CONNECT host:port` (HTTPS, IMAP), and records every request it is asked to pass as one JSON
line in --log: {"method", "target", "auth" (the Proxy-Authorization header or null), "status"}.

  proxy_server.py --port-file FILE --log FILE [--user U --password P]

With --user, a request without `Proxy-Authorization: Basic base64(U:P)` is answered 407 with
`Proxy-Authenticate: Basic realm="vulnwatch-test"` (and recorded). Only loopback targets are
passed on; anything else is answered 403. It listens on 127.0.0.1 on a free port, written to
--port-file once it listens; SIGTERM stops it.
"""

import argparse
import base64
import http.client
import json
import select
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    expected_auth = None
    log_path = None
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy: " + (fmt % args) + "\n")

    def record(self, status):
        line = {"method": self.command, "target": self.path,
                "auth": self.headers.get("Proxy-Authorization"), "status": status}
        with self.lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    def refuse(self, status, extra=None):
        self.record(status)
        body = b"refused by the test proxy\n"
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def authorised(self):
        if self.expected_auth is None:
            return True
        if self.headers.get("Proxy-Authorization") == self.expected_auth:
            return True
        # Drain a body so the client reads the 407.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.refuse(407, {"Proxy-Authenticate": 'Basic realm="vulnwatch-test"'})
        return False

    def do_CONNECT(self):
        if not self.authorised():
            return
        host, _, port = self.path.rpartition(":")
        if host not in LOOPBACK or not port.isdigit():
            self.refuse(403)
            return
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.refuse(502)
            return
        self.record(200)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        client = self.connection
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    break
                done = False
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        done = True
                        break
                    (upstream if s is client else client).sendall(data)
                if done:
                    break
        except OSError:
            pass
        finally:
            upstream.close()
        self.close_connection = True

    def forward(self):
        if not self.authorised():
            return
        url = urlsplit(self.path)
        if url.scheme != "http" or url.hostname not in LOOPBACK:
            self.refuse(403)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-authorization", "proxy-connection", "connection")}
        target = url.path + ("?" + url.query if url.query else "")
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
            conn.request(self.command, target or "/", body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
        except OSError:
            self.refuse(502)
            return
        self.record(reply.status)
        self.send_response(reply.status, reply.reason)
        for name, value in reply.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = forward
    do_HEAD = forward
    do_POST = forward


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    Proxy.log_path = args.log
    if args.user:
        token = base64.b64encode(("%s:%s" % (args.user, args.password)).encode()).decode()
        Proxy.expected_auth = "Basic " + token
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    with open(args.port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
