#!/usr/bin/python3
"""Reads one received message (.eml) with Python's email package, as a mail client would, and
prints what it found as one JSON object (tests/integration/email_mime_test.cpp checks it).

  read_mail.py FILE.eml

Headers are decoded (RFC 2047, any charset Python knows), each MIME part's content is decoded
from its transfer encoding and charset; line ends are given as LF.
"""

import email
import email.policy
import json
import sys


def text(value):
    return None if value is None else str(value)


def part_of(part):
    payload = part.get_payload(decode=True) or b""
    return {
        "content_type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "transfer_encoding": text(part.get("Content-Transfer-Encoding")),
        "content": part.get_content().replace("\r\n", "\n"),
        "seven_bit": all(byte < 0x80 for byte in payload),
        "jis_escape": b"\x1b$B" in payload,
        "defects": [repr(d) for d in part.defects],
    }


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [part_of(p) for p in msg.iter_parts()] if msg.is_multipart() else [part_of(msg)]
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    out = {
        "subject": text(msg["Subject"]),
        "from": text(msg["From"]),
        "to": text(msg["To"]),
        "message_id": text(msg["Message-ID"]),
        "in_reply_to": text(msg["In-Reply-To"]),
        "references": text(msg["References"]),
        "list_id": text(msg["List-Id"]),
        "auto_submitted": text(msg["Auto-Submitted"]),
        "mime_version": text(msg["MIME-Version"]),
        "content_type": msg.get_content_type(),
        "parts": parts,
        "plain_body": None if plain is None else plain.get_content().replace("\r\n", "\n"),
        "html_body": None if html is None else html.get_content().replace("\r\n", "\n"),
        "defects": [repr(d) for d in msg.defects],
        "raw_seven_bit_headers": all(b < 0x80 for b in raw.split(b"\r\n\r\n", 1)[0]),
    }
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
