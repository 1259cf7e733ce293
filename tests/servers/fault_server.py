#!/usr/bin/python3
"""A loopback server that fails on purpose, for the fault matrix (docs/reliability.md;
tests/e2e/test_faults_*.py). Python 3 standard library plus Debian's python3-cryptography
(for the certificates). Run with /usr/bin/python3.

    fault_server.py --dir DIR [--docroot DIR]

When every port listens it prints ONE line of JSON on stdout and keeps running until SIGTERM:
{"http": P, "tls_good": P, "tls_expired": P, "tls_wronghost": P, "tls_garbage": P,
 "stall": P, "smtp": P, "relay": P, "ca": "DIR/ca.pem"}

HTTP (plain on "http"; the same handler behind TLS on the three tls_* ports). The first path
segment is the fault; the rest of the path is free (a test's tag, a file name), so one server
serves many tests. GET, HEAD and POST alike:
  /ok/FILE                 DOCROOT/FILE (POST: the body is recorded, answer 200 "ok")
  /status/CODE/...         that status; 429 and 503 carry Retry-After (?ra=SECONDS, default 1)
  /stall-headers/...       read the request, never answer (until the client hangs up)
  /stall-body/FILE         headers with the full Content-Length, half of FILE, then nothing
  /truncate/FILE           headers with the full Content-Length, half of FILE, then close
  /redirect-loop/...       302 to itself, for ever
  /oversized/N/...         200 with Content-Length N and N bytes of a valid-looking RDF prefix
  /oversized-chunked/N/... the same without Content-Length (chunked)
  /reset/...               read the request, then close with a TCP RST
  /garbage/...             answer bytes that are not HTTP, then close
Control (plain port only):
  GET /_stats              JSON {path: count} of the requests served; DELETE /_stats resets
  GET /_requests           JSON list of {method, path, time (monotonic s), body (POST)}
  POST /_smtp?script=a,b   the outcome of the next DATA commands on "smtp", one each, the last
                           repeating: ok (250), 4xx (451), 5xx (554), drop (close without a
                           reply once the message is received), greet-421 (refuse at greeting)
  POST /_relay?target=PORT&cut=N[&stall=1]
                           "relay" forwards to 127.0.0.1:PORT and closes both sides once it has
                           passed N bytes from the server (0: never); with stall=1 it stops
                           forwarding there instead and holds the connection silent
  GET /_smtp               JSON list of {mode, mail_from, rcpt_tos, data} of the DATA received

tls_good presents a valid certificate for 127.0.0.1/localhost, tls_expired one that expired in
2021, tls_wronghost one valid now but for wrong.example; all three are signed by the CA in
DIR/ca.pem (trust it through a source's or notifier's ca_file). tls_garbage answers a TLS
ClientHello with bytes that are not TLS. stall accepts connections and never says anything.
"""

import argparse
import datetime
import ipaddress
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

RDF_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf='
            b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">\n')
STALL_LIMIT = 120  # seconds a stalled connection is held at most


def log(msg):
    sys.stderr.write("%s fault %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


class State:
    def __init__(self, docroot):
        self.docroot = os.path.realpath(docroot)
        self.lock = threading.Lock()
        self.stats = {}
        self.requests = []
        self.smtp_script = ["ok"]
        self.smtp_received = []
        self.relay_target = None
        self.relay_cut = 0
        self.relay_stall = False

    def record(self, method, path, body=None):
        with self.lock:
            self.stats[path] = self.stats.get(path, 0) + 1
            entry = {"method": method, "path": path, "time": time.monotonic()}
            if body is not None:
                entry["body"] = body.decode("utf-8", "replace")
            self.requests.append(entry)

    def next_smtp(self):
        with self.lock:
            if len(self.smtp_script) > 1:
                return self.smtp_script.pop(0)
            return self.smtp_script[0]

    def file(self, name):
        path = os.path.realpath(os.path.join(self.docroot, name))
        if not path.startswith(self.docroot + os.sep):
            return None
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None


STATE = None


def hold(conn):
    """Keep a connection open, silent, until the peer hangs up (or STALL_LIMIT)."""
    end = time.monotonic() + STALL_LIMIT
    try:
        conn.settimeout(1.0)
        while time.monotonic() < end:
            try:
                if not conn.recv(65536):
                    return
            except socket.timeout:
                continue
    except OSError:
        return


def reset(conn):
    """Close with a TCP RST (SO_LINGER 0) instead of an orderly FIN."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, fmt, *args):
        log("%s %s" % (self.client_address[1], fmt % args))

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def reply(self, code, data=b"", headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        self.dispatch(None)

    def do_HEAD(self):
        self.dispatch(None)

    def do_POST(self):
        self.dispatch(self.body())

    def do_DELETE(self):
        if self.path == "/_stats":
            with STATE.lock:
                STATE.stats.clear()
                STATE.requests.clear()
            return self.reply(204)
        self.reply(405)

    def control(self, url, query):
        if url.path == "/_stats":
            with STATE.lock:
                return self.reply(200, json.dumps(STATE.stats).encode())
        if url.path == "/_requests":
            with STATE.lock:
                return self.reply(200, json.dumps(STATE.requests).encode())
        if url.path == "/_smtp" and self.command == "GET":
            with STATE.lock:
                return self.reply(200, json.dumps(STATE.smtp_received).encode())
        if url.path == "/_smtp":
            with STATE.lock:
                STATE.smtp_script = query.get("script", ["ok"])[0].split(",")
            return self.reply(204)
        if url.path == "/_relay":
            with STATE.lock:
                STATE.relay_target = int(query["target"][0])
                STATE.relay_cut = int(query.get("cut", ["0"])[0])
                STATE.relay_stall = query.get("stall", ["0"])[0] == "1"
            return self.reply(204)
        return self.reply(404)

    def dispatch(self, body):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        if url.path.startswith("/_"):
            return self.control(url, query)
        STATE.record(self.command, url.path, body)
        mode = parts[0]
        rest = parts[1:]
        if mode == "ok":
            if body is not None:
                return self.reply(200, b"ok")
            data = STATE.file("/".join(rest))
            return self.reply(200, data) if data is not None else self.reply(404, b"no such file")
        if mode == "status":
            code = int(rest[0]) if rest and rest[0].isdigit() else 500
            headers = []
            if code in (429, 503):
                headers.append(("Retry-After", query.get("ra", ["1"])[0]))
            return self.reply(code, b"fault-server status %d" % code, headers)
        if mode == "stall-headers":
            self.close_connection = True
            return hold(self.connection)
        if mode in ("stall-body", "truncate"):
            data = STATE.file("/".join(rest)) or RDF_HEAD * 64
            self.send_response(200)
            self.send_header("Content-Type", "application/rdf+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            if mode == "stall-body":
                hold(self.connection)
            return
        if mode == "redirect-loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode in ("oversized", "oversized-chunked"):
            size = int(rest[0]) if rest and rest[0].isdigit() else 64 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "application/rdf+xml")
            chunked = mode == "oversized-chunked"
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(size))
            self.end_headers()
            self.close_connection = True
            filler = b"<!-- " + b"x" * 8180 + b" -->\n"
            sent = 0
            try:
                while sent < size:
                    piece = (RDF_HEAD if sent == 0 else filler)[: size - sent]
                    if chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    else:
                        self.wfile.write(piece)
                    sent += len(piece)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass  # the client gave up, as it should
            return
        if mode == "reset":
            self.close_connection = True
            self.wfile.flush()
            reset(self.connection)
            return
        if mode == "garbage":
            self.close_connection = True
            self.wfile.write(b"\x00\x01\x02 this is not HTTP \xff\xfe\r\n\r\n")
            return
        self.reply(404, b"unknown fault mode")


class FakeServer:
    """What BaseHTTPRequestHandler wants of its server."""
    server_name = "127.0.0.1"
    server_port = 0


def serve_http(conn, addr, tls):
    try:
        if tls is not None:
            conn = tls.wrap_socket(conn, server_side=True)
        Handler(conn, addr, FakeServer())
    except (ssl.SSLError, OSError) as e:
        log("connection %s: %s" % (addr[1], e))
    finally:
        try:
            conn.close()
        except OSError:
            pass


def serve_tls_garbage(conn, addr):
    try:
        conn.settimeout(10)
        conn.recv(4096)  # the ClientHello
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nthis port does not speak TLS at all\r\n" * 4)
    except OSError:
        pass
    finally:
        conn.close()


def serve_stall(conn, addr):
    hold(conn)
    conn.close()


def serve_smtp(conn, addr):
    """A scripted SMTP server: no STARTTLS, no AUTH; the DATA outcome comes from the script."""
    f = conn.makefile("rb")

    def send(line):
        conn.sendall(line.encode() + b"\r\n")

    try:
        conn.settimeout(30)
        mode = STATE.next_smtp()
        if mode == "greet-421":
            send("421 4.3.2 fault-server: service not available, closing")
            return
        send("220 fault-server ESMTP")
        mail_from, rcpts = None, []
        while True:
            line = f.readline()
            if not line:
                return
            verb = line.decode("ascii", "replace").strip()
            upper = verb.upper()
            if upper.startswith("EHLO"):
                send("250-fault-server")
                send("250-8BITMIME")
                send("250 SIZE 10485760")
            elif upper.startswith("HELO"):
                send("250 fault-server")
            elif upper.startswith("MAIL FROM:"):
                mail_from, rcpts = verb[10:].strip(), []
                send("250 2.1.0 ok")
            elif upper.startswith("RCPT TO:"):
                rcpts.append(verb[8:].strip())
                send("250 2.1.5 ok")
            elif upper == "DATA":
                send("354 go ahead")
                data = []
                while True:
                    d = f.readline()
                    if not d:
                        return
                    if d in (b".\r\n", b".\n"):
                        break
                    data.append(d[1:] if d.startswith(b"..") else d)
                with STATE.lock:
                    STATE.smtp_received.append({"mode": mode, "mail_from": mail_from,
                                                "rcpt_tos": rcpts,
                                                "data": b"".join(data).decode("utf-8", "replace")})
                if mode == "drop":
                    log("smtp: dropping the connection after DATA")
                    return
                if mode == "4xx":
                    send("451 4.3.0 fault-server: try again later")
                elif mode == "5xx":
                    send("554 5.7.1 fault-server: message refused")
                else:
                    send("250 2.0.0 queued")
                mode = STATE.next_smtp()
            elif upper.startswith("RSET"):
                send("250 2.0.0 ok")
            elif upper.startswith("NOOP"):
                send("250 2.0.0 ok")
            elif upper.startswith("QUIT"):
                send("221 2.0.0 bye")
                return
            else:
                send("502 5.5.2 fault-server: not implemented")
    except OSError:
        return
    finally:
        conn.close()


def serve_relay(conn, addr):
    with STATE.lock:
        target, cut, stall = STATE.relay_target, STATE.relay_cut, STATE.relay_stall
    if target is None:
        conn.close()
        return
    try:
        up = socket.create_connection(("127.0.0.1", target), timeout=10)
    except OSError:
        conn.close()
        return
    up.settimeout(None)
    conn.settimeout(None)
    done = threading.Event()

    def close_both():
        done.set()
        for s in (conn, up):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pump(src, dst, limit):
        passed = 0
        try:
            while not done.is_set():
                data = src.recv(65536)
                if not data:
                    break
                if limit and passed + len(data) > limit:
                    dst.sendall(data[: limit - passed])
                    if stall:
                        log("relay: stalled after %d bytes from the server" % limit)
                        done.wait(STALL_LIMIT)  # silent until the client hangs up
                    else:
                        log("relay: cut after %d bytes from the server" % limit)
                    break
                dst.sendall(data)
                passed += len(data)
        except OSError:
            pass
        close_both()

    a = threading.Thread(target=pump, args=(conn, up, 0), daemon=True)
    a.start()
    pump(up, conn, cut)
    a.join(5)
    conn.close()
    up.close()


def listen():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def accept_loop(sock, target, *args):
    while True:
        try:
            conn, addr = sock.accept()
        except OSError:
            return
        threading.Thread(target=target, args=(conn, addr) + args, daemon=True).start()


def make_certs(folder):
    """A CA and three server certificates (good, expired, wrong host), EC P-256, as PEM files."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vulnwatch fault-server test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=3650))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    with open(os.path.join(folder, "ca.pem"), "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    out = {}
    day = datetime.timedelta(days=1)
    specs = {  # name: (DNS names, with 127.0.0.1, valid from, valid until)
        "good": (["localhost"], True, now - day, now + 30 * day),
        "expired": (["localhost"], True, datetime.datetime(2020, 1, 1),
                    datetime.datetime(2021, 1, 1)),
        "wronghost": (["wrong.example"], False, now - day, now + 30 * day),
    }
    for name, (dns, with_ip, start, end) in specs.items():
        key = ec.generate_private_key(ec.SECP256R1())
        sans = [x509.DNSName(d) for d in dns]
        if with_ip:
            sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])]))
                .issuer_name(ca_name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(start).not_valid_after(end)
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(ca_key, hashes.SHA256()))
        cert_path = os.path.join(folder, name + ".pem")
        key_path = os.path.join(folder, name + ".key")
        with open(cert_path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert_path, key_path)
        out[name] = ctx
    return out


def main():
    global STATE
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--dir", required=True, help="where the certificates are written")
    ap.add_argument("--docroot", help="files served by /ok/ and friends (default DIR/docroot)")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    docroot = args.docroot or os.path.join(args.dir, "docroot")
    os.makedirs(docroot, exist_ok=True)
    STATE = State(docroot)
    contexts = make_certs(args.dir)

    ports = {}
    listeners = []

    def start(name, target, *extra):
        sock = listen()
        listeners.append(sock)
        ports[name] = sock.getsockname()[1]
        threading.Thread(target=accept_loop, args=(sock, target) + extra, daemon=True).start()

    start("http", serve_http, None)
    start("tls_good", serve_http, contexts["good"])
    start("tls_expired", serve_http, contexts["expired"])
    start("tls_wronghost", serve_http, contexts["wronghost"])
    start("tls_garbage", serve_tls_garbage)
    start("stall", serve_stall)
    start("smtp", serve_smtp)
    start("relay", serve_relay)
    ports["ca"] = os.path.join(args.dir, "ca.pem")
    ports["docroot"] = docroot

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sys.stdout.write(json.dumps(ports) + "\n")
    sys.stdout.flush()
    log("ready: %s" % json.dumps(ports))
    stop.wait()
    for s in listeners:
        s.close()


if __name__ == "__main__":
    main()
