#!/usr/bin/python3
"""Loopback HTTP feed server that fails at random, for the soak (tests/e2e/test_soak.py,
scripts/soak.sh). Python 3 standard library only.

    soak_server.py --feed FILE.rdf [--feed FILE2.rdf ...] [--seed N] [--fault-share 0.4]
                   [--stall 1.2] [--port-file PATH]

GET /feed/<n>    one of the --feed files (n: 0, 1, …; they rotate, so the content changes now
                 and then), with an ETag; If-None-Match answers 304. With probability
                 --fault-share the request gets one fault instead, drawn from (the stalls, which
                 cost the client its timeout, a tenth as often as the others):
                   500, 503 (Retry-After: 1), 429 (Retry-After: 1),
                   stall      sleep --stall seconds before any byte (a client timeout),
                   stall-body headers and half the body, then sleep --stall seconds and close,
                   truncated  Content-Length of the whole body, half of it, then close,
                   reset      close the connection without a reply.
GET /stats       JSON {outcome: count} of the replies so far, and under "requests" the GET
                 requests per path ({"/feed/a": n}: the soak's cycle count).
The port is printed on stdout (and written to --port-file) once the server listens. Each
request is answered by its own thread; nothing is logged (a soak makes thousands).
"""
import argparse
import hashlib
import json
import os
import random
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ["500", "503", "429", "stall", "stall-body", "truncated", "reset"]
WEIGHTS = [10, 10, 10, 1, 1, 10, 10]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feed", action="append", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fault-share", type=float, default=0.4)
    parser.add_argument("--stall", type=float, default=1.2)
    parser.add_argument("--port-file")
    args = parser.parse_args()

    bodies = []
    for path in args.feed:
        with open(path, "rb") as f:
            data = f.read()
        bodies.append((data, '"%s"' % hashlib.sha256(data).hexdigest()[:32]))
    rng = random.Random(args.seed)
    lock = threading.Lock()
    stats = {}
    rotation = [0]

    def draw():
        with lock:
            if rng.random() < args.fault_share:
                outcome = rng.choices(FAULTS, WEIGHTS)[0]
            else:
                outcome = "ok"
                if rng.random() < 0.1:
                    rotation[0] = (rotation[0] + 1) % len(bodies)
            return outcome, rotation[0]

    requests = {}

    def count(outcome):
        with lock:
            stats[outcome] = stats.get(outcome, 0) + 1

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def send(self, code, body=b"", headers=()):
            self.send_response(code)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def abort(self):
            """Close at once; SO_LINGER 0 makes it a reset, not an orderly end."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True

        def do_GET(self):
            try:
                self.handle_get()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def handle_get(self):
            if self.path == "/stats":
                with lock:
                    body = json.dumps(dict(stats, requests=requests)).encode()
                self.send(200, body, [("Content-Type", "application/json")])
                return
            if not self.path.startswith("/feed/"):
                self.send(404)
                return
            with lock:
                requests[self.path] = requests.get(self.path, 0) + 1
            outcome, n = draw()
            body, etag = bodies[n]
            if outcome == "ok" and self.headers.get("If-None-Match") == etag:
                outcome = "304"
            count(outcome)
            if outcome == "ok":
                self.send(200, body, [("ETag", etag),
                                      ("Content-Type", "application/rdf+xml")])
            elif outcome == "304":
                self.send(304, b"", [("ETag", etag)])
            elif outcome in ("500", "503", "429"):
                extra = [("Retry-After", "1")] if outcome != "500" else []
                self.send(int(outcome), b"failing on purpose\n", extra)
            elif outcome == "stall":
                time.sleep(args.stall)
                self.abort()
            elif outcome in ("stall-body", "truncated"):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/rdf+xml")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if outcome == "stall-body":
                    time.sleep(args.stall)
                self.abort()
            else:  # reset
                self.abort()

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 64

        def handle_error(self, request, client_address):
            pass  # a client that gave up (its timeout) mid-reply

    server = Server(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
