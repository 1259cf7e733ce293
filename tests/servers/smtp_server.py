#!/usr/bin/python3
"""Loopback SMTP test server for vulnwatch (Debian's python3-aiosmtpd 1.4).

Run it with /usr/bin/python3: the apt module is invisible to pyenv or venv interpreters.

--port      plain SMTP; STARTTLS offered (with --cert/--key); AUTH PLAIN and LOGIN allowed
            with or without TLS; a wrong user or password gets 535
--tls-port  implicit TLS (SMTPS), same behaviour
Each accepted message becomes OUTDIR/NNNNNN.eml (the DATA bytes as received) with its envelope
in OUTDIR/NNNNNN.json ({mail_from, rcpt_tos, auth_user, tls, ...}); both are written to a
temporary name and renamed, the .eml last, so a visible .eml always has its complete .json.
RCPT addresses starting with "reject" get 550, with "tempfail" get 451.
"""

import argparse
import json
import logging
import os
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd prompts "User Name\0" / "Password\0" for AUTH LOGIN. Poco 1.11's
# SMTPClientSession::login(AUTH_LOGIN) only answers "Username:" / "login:" / "Password:"
# (what Postfix and Cyrus send); otherwise it sends nothing and MAIL FROM fails later.
SMTP.AuthLoginUsernameChallenge = "Username:"
SMTP.AuthLoginPasswordChallenge = "Password:"


def log(msg):
    sys.stderr.write("%s smtp %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class Store:
    """aiosmtpd handler: policy for RCPT, atomic files for DATA."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.lock = threading.Lock()
        self.seq = 0
        for name in os.listdir(outdir):  # continue after an earlier run's files
            stem = name.split(".", 1)[0]
            if stem.isdigit():
                self.seq = max(self.seq, int(stem))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.lower()
        if local.startswith("reject"):
            log("RCPT %s -> 550" % address)
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("tempfail"):
            log("RCPT %s -> 451" % address)
            return "451 4.3.0 <%s>: temporary failure, try again later" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seq += 1
            seq = self.seq
        base = os.path.join(self.outdir, "%06d" % seq)
        auth = session.auth_data
        tls = session.ssl is not None or (
            server.transport is not None
            and server.transport.get_extra_info("ssl_object") is not None)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "auth_user": _text(auth.login) if isinstance(auth, LoginPassword) else None,
            "tls": tls,
            "peer": list(session.peer) if session.peer else None,
            "helo": session.host_name,
            "received": time.time(),
        }
        content = envelope.original_content
        if content is None:
            content = envelope.content if isinstance(envelope.content, bytes) else b""
        for ext, data in ((".json", json.dumps(meta, indent=1).encode()), (".eml", content)):
            tmp = base + ext + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, base + ext)
        log("DATA from %s to %s (%d bytes, tls=%s, auth=%s) -> %06d.eml" % (
            envelope.mail_from, ",".join(envelope.rcpt_tos), len(content), tls,
            meta["auth_user"], seq))
        return "250 2.0.0 OK queued as %06d" % seq


def make_authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and _text(auth_data.login) == user and _text(auth_data.password) == password)
        log("AUTH %s %s -> %s" % (mechanism, _text(getattr(auth_data, "login", b"?")),
                                  "ok" if ok else "535"))
        # handled=False is essential: with the default (True) aiosmtpd sends no 535 on
        # failure and the client waits until it times out.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return check


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls-port", type=int)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--user", default="test")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--auth-required", action="store_true",
                    help="refuse MAIL FROM before a successful AUTH")
    args = ap.parse_args()
    if args.tls_port and not (args.cert and args.key):
        ap.error("--tls-port needs --cert and --key")

    # aiosmtpd warns "Session.login_data is deprecated" on every login; keep errors only.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    os.makedirs(args.outdir, exist_ok=True)

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)

    handler = Store(args.outdir)
    options = dict(
        authenticator=make_authenticator(args.user, args.password),
        auth_required=args.auth_required,
        auth_require_tls=False,
        enable_SMTPUTF8=True,
        ident="vulnwatch-test-smtp",
    )
    controllers = [Controller(handler, hostname=args.host, port=args.port, tls_context=tls,
                              **options)]
    if args.tls_port:
        controllers.append(Controller(handler, hostname=args.host, port=args.tls_port,
                                      ssl_context=tls, **options))
    for c in controllers:
        c.start()  # returns once the port answers

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log("ready: smtp %d%s, outdir %s" % (
        args.port, ", smtps %d" % args.tls_port if args.tls_port else "", args.outdir))
    stop.wait()
    for c in controllers:
        c.stop()
    log("stopped")


if __name__ == "__main__":
    main()
