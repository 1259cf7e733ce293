#!/usr/bin/python3
"""Print what the demo's local SMTP server and webhook receiver got (written for vulnwatch)."""
import email
import email.policy
import glob
import json
import os
import sys


def show_mail(outdir):
    files = sorted(glob.glob(os.path.join(outdir, "*.eml")))
    print("=== %d e-mail(s) received by the local SMTP server ===" % len(files))
    for path in files:
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        print("--- %s" % os.path.basename(path))
        for h in ("From", "To", "Subject", "Message-ID", "Date"):
            print("%-11s %s" % (h + ":", msg.get(h, "")))
        body = msg.get_body(preferencelist=("plain",))
        print()
        print(body.get_content().rstrip() if body is not None else "(no text part)")
        print()


def show_hooks(hookdir):
    files = sorted(glob.glob(os.path.join(hookdir, "*.json")))
    print("=== %d webhook call(s) received ===" % len(files))
    for path in files:
        with open(path, encoding="utf-8") as f:
            rec = json.load(f)
        headers = {k.lower(): v for k, v in rec.get("headers", {}).items()}
        print("--- %s  POST %s" % (os.path.basename(path), rec.get("path")))
        for h in ("content-type", "x-vulnwatch-idempotency-key", "x-vulnwatch-signature"):
            print("%-30s %s" % (h + ":", headers.get(h, "")))
        try:
            print(json.dumps(json.loads(rec["body"]), ensure_ascii=False, indent=2))
        except (KeyError, ValueError):
            print(rec.get("body"))
        print()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: show_deliveries.py SMTP_OUTDIR HOOKDIR")
    show_mail(sys.argv[1])
    show_hooks(sys.argv[2])
