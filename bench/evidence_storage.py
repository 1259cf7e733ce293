#!/usr/bin/python3
"""Evidence storage for a year of polling (issue 12 part 4), estimated from the fixtures.

1. Measures: every fixture document vulnwatch can read is stored as evidence by the real binary
   (`vulnwatch import FILE` keeps a file up to 16 MiB whole; `products import-sbom` keeps each
   SBOM), and the `evidence` table then gives, per kind, the raw and the stored (zlib) bytes.
   Besides each fixture on its own (small documents: the worst case for compression), the
   distinct items of all RSS fixtures are joined into one feed document, closer to the size of
   a real jvndb_new.rdf.
2. Estimates a year: the measured ratio of each kind times the raw bytes a year of polling
   brings, from the assumptions below (each a command-line option). Only documents that
   brought a new or changed record are stored (docs/audit.md "Evidence"), so the count of
   stored documents is the count of changed fetches, not of polls.

Usage: bench/evidence_storage.py [--binary PATH] [--fixtures DIR] [--rss-changes N] ...
Prints a table; docs/performance.md "Evidence storage (issue 12)" quotes a run.
"""
import argparse
import glob
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(binary, db, args):
    p = subprocess.run([binary, "--db", db] + args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def stored(db):
    """{hash: (media_type, raw size, stored bytes)} of the kept blobs."""
    con = sqlite3.connect(db)
    try:
        return {h: (m, s, d) for h, m, s, d in con.execute(
            "SELECT hash, media_type, size, length(data) FROM evidence WHERE data IS NOT NULL")}
    finally:
        con.close()


def measure(binary, db, kind, paths, command):
    """Stores each path with `command(path)` and returns (files, raw, stored) of what was kept."""
    before = stored(db)
    used = 0
    for path in paths:
        rc, out = run(binary, db, command(path))
        if rc == 0:
            used += 1
    after = stored(db)
    new = [v for h, v in after.items() if h not in before]
    raw = sum(v[1] for v in new)
    packed = sum(v[2] for v in new)
    return {"kind": kind, "files": used, "raw": raw, "stored": packed}


def joined_feed(paths, out_path):
    """One RSS 1.0 document holding the distinct items of `paths` (header of the first)."""
    items = {}
    header = None
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        found = re.findall(r"<item\b.*?</item>", text, flags=re.S)
        if found and header is None:
            header = text[: text.find(found[0])]
            header = re.sub(r"<items>.*?</items>", "", header, flags=re.S)
        for item in found:
            about = re.search(r'rdf:about="([^"]+)"', item)
            items.setdefault(about.group(1) if about else item, item)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(header + "\n".join(items.values()) + "\n</rdf:RDF>\n")
    return len(items)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "daemon", "vulnwatch"))
    ap.add_argument("--fixtures", default=os.path.join(ROOT, "..", "shared", "fixtures"))
    # A year of polling: the assumptions (see docs/performance.md).
    ap.add_argument("--rss-changes", type=int, default=735,
                    help="changed jvndb_new.rdf fetches a year (3 per business day)")
    ap.add_argument("--rss-bytes", type=int, default=1_100_000,
                    help="bytes of one jvndb_new.rdf (500 items)")
    ap.add_argument("--myjvn-entries", type=int, default=20000,
                    help="VULDEF entry revisions a year fetched by getVulnDetailInfo")
    ap.add_argument("--alert-changes", type=int, default=60,
                    help="changed getAlertList pages a year")
    ap.add_argument("--mails", type=int, default=600, help="advisory mails a year")
    ap.add_argument("--mail-bytes", type=int, default=8000, help="bytes of one mail")
    ap.add_argument("--sent", type=int, default=2000, help="messages delivered a year")
    ap.add_argument("--sent-bytes", type=int, default=14000,
                    help="bytes of one sent message (MIME text + HTML)")
    ap.add_argument("--sboms", type=int, default=24, help="SBOM imports a year")
    args = ap.parse_args()

    jvn = os.path.join(args.fixtures, "jvn")
    if not os.path.isdir(jvn):
        sys.exit("no fixtures at %s (--fixtures)" % args.fixtures)
    work = tempfile.mkdtemp(prefix="vw-evidence-bench-")
    db = os.path.join(work, "evidence.db")
    run(args.binary, db, ["evidence", "stats"])  # creates the store

    rss = [p for p in sorted(glob.glob(os.path.join(jvn, "jvndb_*trimmed.rdf")))
           if "detail" not in p] + [os.path.join(ROOT, "demo", "feeds", "jvndb_new_demo.rdf")]
    vuldef = sorted(glob.glob(os.path.join(jvn, "jvndb_detail_*_trimmed.rdf")) +
                    glob.glob(os.path.join(jvn, "myjvn_getVulnDetailInfo_hnd_*.xml")) +
                    glob.glob(os.path.join(jvn, "spiegel_go-myjvn_getVulnDetailInfo_*.xml")) +
                    [os.path.join(jvn, "myjvn_np_dataFeed_jvndb_detail_hnd_2025.xml")])
    alerts = [os.path.join(jvn, "myjvn_getAlertList_hnd.xml")]
    mails = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "mail", "*.eml")))
    sboms = sorted(glob.glob(os.path.join(args.fixtures, "sbom", "*.json")) +
                   glob.glob(os.path.join(args.fixtures, "sbom", "*.xml")) +
                   glob.glob(os.path.join(args.fixtures, "sbom", "*.txt")))
    joined = os.path.join(work, "joined_feed.rdf")
    items = joined_feed(rss, joined)

    imp = lambda fmt: (lambda p: ["import", "--format", fmt, p])
    rows = [
        measure(args.binary, db, "jvn-rss documents (fixtures, each)", rss, imp("jvn-rss")),
        measure(args.binary, db, "jvn-rss, %d distinct items in one document" % items,
                [joined], imp("jvn-rss")),
        measure(args.binary, db, "VULDEF / getVulnDetailInfo", vuldef, imp("vuldef")),
        measure(args.binary, db, "getAlertList", alerts, imp("myjvn-alert")),
        measure(args.binary, db, "mails (.eml)", mails, imp("mail")),
        measure(args.binary, db, "SBOMs", sboms,
                lambda p: ["products", "import-sbom", p, "--product", "bench " +
                           os.path.basename(p), "--version", "1"]),
    ]
    print("Measured with %s (zlib, default level):" % args.binary)
    print("| kind | files | raw bytes | stored bytes | ratio |")
    print("|---|---:|---:|---:|---:|")
    ratio = {}
    for r in rows:
        q = r["raw"] / r["stored"] if r["stored"] else 0.0
        ratio[r["kind"]] = q
        print("| %s | %d | %d | %d | %.1f |" % (r["kind"], r["files"], r["raw"], r["stored"], q))

    rss_ratio = ratio[rows[1]["kind"]]
    vuldef_bytes = rows[2]["raw"] / max(1, sum(1 for _ in vuldef))
    year = [
        ("jvn-rss jvndb_new.rdf: %d changed documents × %d B" % (args.rss_changes, args.rss_bytes),
         args.rss_changes * args.rss_bytes, rss_ratio),
        ("myjvn getVulnDetailInfo: %d entry revisions, 10 a response (%.0f B a fixture response)"
         % (args.myjvn_entries, vuldef_bytes), args.myjvn_entries * 4500, ratio[rows[2]["kind"]]),
        ("myjvn-alert: %d changed pages × 40 kB" % args.alert_changes,
         args.alert_changes * 40000, ratio[rows[3]["kind"]]),
        ("imap: %d mails × %d B" % (args.mails, args.mail_bytes), args.mails * args.mail_bytes,
         ratio[rows[4]["kind"]]),
        ("sent messages: %d × %d B" % (args.sent, args.sent_bytes), args.sent * args.sent_bytes,
         ratio[rows[4]["kind"]]),
        ("SBOMs: %d imports × %d B (fixture mean)" % (
            args.sboms, rows[5]["raw"] // max(1, rows[5]["files"])),
         args.sboms * (rows[5]["raw"] // max(1, rows[5]["files"])), ratio[rows[5]["kind"]]),
    ]
    print("\nA year of polling (assumptions: options of this script):")
    print("| what | raw MB | ratio | stored MB |")
    print("|---|---:|---:|---:|")
    total_raw = total = 0.0
    for what, raw, q in year:
        q = q or 1.0
        total_raw += raw
        total += raw / q
        print("| %s | %.1f | %.1f | %.1f |" % (what, raw / 1e6, q, raw / q / 1e6))
    print("| **total** | %.1f | | **%.1f** |" % (total_raw / 1e6, total / 1e6))


if __name__ == "__main__":
    main()
