#!/usr/bin/python3
"""Loopback HTTP + HTTPS test server for vulnwatch (Python 3 standard library only).

Started by scripts/test-servers.sh; the same handler runs on --port (plain) and --tls-port (TLS).

GET  /feeds/<file>            DOCROOT/<file> with ETag (content hash) and Last-Modified;
                              If-None-Match / If-Modified-Since answer 304
GET  /status/<code>           reply with that status (429 and 503 carry Retry-After: 1)
GET  /slow/<secs>/<file>      sleep <secs>, then serve like /feeds (client timeouts)
GET  /drip/<secs>/<file>      headers at once, then the body trickled over <secs>
GET  /truncate/<file>         Content-Length of the whole file, half the body, then close
GET  /redirect/<n>/<file>     <n> chained 302 redirects, then the file
GET  /stats                   JSON {path: count} of the GET requests served so far
DELETE /stats                 reset those counters
GET  /inflight                JSON {path: n} of the GET/HEAD requests started and not yet
                              finished, e.g. a /slow/ request still sleeping (0 is left out)
POST /hook/<anything>         store {path, headers, body, tls} as HOOKDIR/NNNNNN.json, reply 204
POST /hook/status/<code>/...  store, then reply <code> (429 and 503 carry Retry-After: 1)

HEAD works wherever GET does. Paths that leave DOCROOT are rejected with 403.
Every request is logged on stderr.
"""

import argparse
import email.utils
import hashlib
import json
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RETRY_AFTER_CODES = (429, 503)
MAX_BODY = 64 * 1024 * 1024


class State:
    """What all handler threads share: where files live, the hook counter, GET statistics."""

    def __init__(self, docroot, hookdir):
        self.docroot = os.path.realpath(docroot)
        self.hookdir = hookdir
        self.lock = threading.Lock()
        self.stats = {}
        self.inflight = {}
        self.hook_seq = 0
        # Continue numbering after files left by an earlier run in the same folder.
        for name in os.listdir(hookdir):
            stem = name.split(".", 1)[0]
            if stem.isdigit():
                self.hook_seq = max(self.hook_seq, int(stem))

    def count(self, path):
        with self.lock:
            self.stats[path] = self.stats.get(path, 0) + 1

    def begin(self, path):
        with self.lock:
            self.inflight[path] = self.inflight.get(path, 0) + 1

    def end(self, path):
        with self.lock:
            n = self.inflight.get(path, 0) - 1
            if n > 0:
                self.inflight[path] = n
            else:
                self.inflight.pop(path, None)

    def next_hook(self):
        with self.lock:
            self.hook_seq += 1
            return self.hook_seq


class Forbidden(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vulnwatch-test-http/1"
    timeout = 120  # a stuck client never pins a thread forever
    state = None  # set in main()

    # --- helpers -------------------------------------------------------------------------

    def log_message(self, fmt, *args):
        scheme = "https" if self.is_tls() else "http"
        sys.stderr.write("%s %s %s\n" % (time.strftime("%H:%M:%S"), scheme, fmt % args))

    def is_tls(self):
        return isinstance(self.connection, ssl.SSLSocket)

    def reply(self, code, body=b"", ctype="text/plain; charset=utf-8", headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        if code in RETRY_AFTER_CODES:
            self.send_header("Retry-After", "1")
        if code not in (204, 304) and code >= 200:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code not in (204, 304):
            self.wfile.write(body)

    def resolve(self, name):
        """DOCROOT/name as a real path, or Forbidden when it would leave DOCROOT."""
        name = urllib.parse.unquote(name)
        if "\0" in name:
            raise Forbidden()
        path = os.path.realpath(os.path.join(self.state.docroot, name))
        if not path.startswith(self.state.docroot + os.sep):
            raise Forbidden()
        return path

    @staticmethod
    def content_type(name):
        if name.endswith((".rdf", ".xml")):
            return "application/xml"
        if name.endswith(".rss"):
            return "application/rss+xml"
        if name.endswith(".json"):
            return "application/json"
        if name.endswith((".txt", ".md")):
            return "text/plain; charset=utf-8"
        if name.endswith((".html", ".htm")):
            return "text/html; charset=utf-8"
        return "application/octet-stream"

    def load(self, name):
        """(body, headers) of a docroot file, or None after replying 304/403/404."""
        try:
            path = self.resolve(name)
        except Forbidden:
            self.reply(403, b"forbidden\n")
            return None
        if not os.path.isfile(path):
            self.reply(404, b"not found\n")
            return None
        with open(path, "rb") as f:
            body = f.read()
        mtime = int(os.stat(path).st_mtime)
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        headers = [
            ("ETag", etag),
            ("Last-Modified", email.utils.formatdate(mtime, usegmt=True)),
            ("Cache-Control", "no-cache"),
        ]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            if etag in tags or "*" in tags:
                self.reply(304, headers=headers)
                return None
        elif ims:
            try:
                if mtime <= email.utils.parsedate_to_datetime(ims).timestamp():
                    self.reply(304, headers=headers)
                    return None
            except (TypeError, ValueError, OverflowError):
                pass
        return body, headers + [("Content-Type", self.content_type(path))]

    def serve_file(self, name):
        loaded = self.load(name)
        if loaded is None:
            return
        body, headers = loaded
        ctype = dict(headers)["Content-Type"]
        self.reply(200, body, ctype, [h for h in headers if h[0] != "Content-Type"])

    def send_head_only(self, headers, length):
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def serve_drip(self, secs, name):
        loaded = self.load(name)
        if loaded is None:
            return
        body, headers = loaded
        self.send_head_only(headers, len(body))
        if self.command == "HEAD":
            return
        self.wfile.flush()
        pieces = max(1, min(len(body), 10))
        step = -(-len(body) // pieces)
        for start in range(0, len(body), step):
            time.sleep(secs / pieces)
            self.wfile.write(body[start:start + step])
            self.wfile.flush()

    def serve_truncated(self, name):
        loaded = self.load(name)
        if loaded is None:
            return
        body, headers = loaded
        self.send_head_only(headers, len(body))
        self.close_connection = True
        if self.command == "HEAD":
            return
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()

    def serve_redirect(self, hops, name):
        if hops <= 0:
            return self.serve_file(name)
        location = "/redirect/%d/%s" % (hops - 1, name)
        self.reply(302, b"moved\n", headers=[("Location", location)])

    # --- methods -------------------------------------------------------------------------

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/stats", "/inflight"):
            return self.serve_counters(path)
        if self.command == "GET":
            self.state.count(path)
        self.state.begin(path)
        try:
            return self.dispatch_get(path)
        finally:
            self.state.end(path)

    def serve_counters(self, path):
        with self.state.lock:
            counters = self.state.stats if path == "/stats" else self.state.inflight
            body = json.dumps(counters, sort_keys=True).encode()
        return self.reply(200, body + b"\n", "application/json")

    def dispatch_get(self, path):
        parts = path.strip("/").split("/")
        try:
            head = parts[0]
            if head == "feeds" and len(parts) >= 2:
                return self.serve_file("/".join(parts[1:]))
            if head == "status" and len(parts) == 2:
                code = int(parts[1])
                if not 200 <= code <= 599:
                    raise ValueError(code)
                return self.reply(code, b"status %d\n" % code)
            if head == "slow" and len(parts) >= 3:
                time.sleep(float(parts[1]))
                return self.serve_file("/".join(parts[2:]))
            if head == "drip" and len(parts) >= 3:
                return self.serve_drip(float(parts[1]), "/".join(parts[2:]))
            if head == "truncate" and len(parts) >= 2:
                return self.serve_truncated("/".join(parts[1:]))
            if head == "redirect" and len(parts) >= 3:
                return self.serve_redirect(int(parts[1]), "/".join(parts[2:]))
        except ValueError:
            return self.reply(400, b"bad request\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return None
        return self.reply(404, b"not found\n")

    do_HEAD = do_GET

    def do_DELETE(self):
        if urllib.parse.urlsplit(self.path).path != "/stats":
            return self.reply(404, b"not found\n")
        with self.state.lock:
            self.state.stats.clear()
        return self.reply(204)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length)

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        parts = path.strip("/").split("/")
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            return self.reply(400, b"bad request body\n")
        if parts[0] != "hook":
            return self.reply(404, b"not found\n")
        code = 204
        if len(parts) >= 3 and parts[1] == "status":
            try:
                code = int(parts[2])
                if not 200 <= code <= 599:
                    raise ValueError(code)
            except ValueError:
                return self.reply(400, b"bad status\n")
        record = {
            "path": self.path,
            "method": self.command,
            "headers": dict(self.headers.items()),
            "body": body.decode("utf-8", "replace"),
            "tls": self.is_tls(),
            "received": time.time(),
        }
        seq = self.state.next_hook()
        final = os.path.join(self.state.hookdir, "%06d.json" % seq)
        tmp = final + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, final)  # readers only ever see complete files
        return self.reply(code, b"" if code == 204 else b"hook status %d\n" % code)

    do_PUT = do_POST


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls_context = None

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls_context is not None:
            # The handshake runs in the handler thread, so a silent client cannot block accept().
            sock = self.tls_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):
            request.settimeout(Handler.timeout)
            request.do_handshake()
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLZeroReturnError, ssl.SSLEOFError)):
            return  # a port probe that connected and closed without a handshake
        sys.stderr.write("%s connection from %s:%d failed: %r\n"
                         % (time.strftime("%H:%M:%S"), client_address[0], client_address[1], exc))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--docroot", required=True)
    ap.add_argument("--hookdir", required=True)
    args = ap.parse_args()
    if args.tls_port and not (args.cert and args.key):
        ap.error("--tls-port needs --cert and --key")

    os.makedirs(args.docroot, exist_ok=True)
    os.makedirs(args.hookdir, exist_ok=True)
    Handler.state = State(args.docroot, args.hookdir)

    servers = [Server((args.host, args.port), Handler)]
    if args.tls_port:
        tls = Server((args.host, args.tls_port), Handler)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)
        tls.tls_context = ctx
        servers.append(tls)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
               for s in servers]
    for t in threads:
        t.start()
    sys.stderr.write("http server ready: http %d%s, docroot %s, hooks %s\n" % (
        args.port, ", https %d" % args.tls_port if args.tls_port else "", args.docroot,
        args.hookdir))
    sys.stderr.flush()
    stop.wait()
    for s in servers:
        s.shutdown()
        s.server_close()
    sys.stderr.write("http server stopped\n")


if __name__ == "__main__":
    main()
