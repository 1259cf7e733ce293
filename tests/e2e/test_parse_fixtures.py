#!/usr/bin/python3
"""`vulnwatch parse` on every real iPedia / MyJVN RSS fixture prints one record per item, on
every real VULDEF fixture (detail feeds, getVulnDetailInfo) one record per Vulinfo with source
"vuldef", and on the MyJVN getAlertList example one record per entry with source "myjvn-alert",
per the contract; not-well-formed files give a clear error and no output."""
import json
import os
import re
import subprocess

import vwtest as t

jvn = t.require_fixtures("e2e.test_parse_fixtures")

rss = sorted(f for f in os.listdir(jvn)
             if (f.startswith("jvndb_") and f.endswith(".rdf") and "detail" not in f)
             or "getVulnOverviewList" in f and f.endswith(".xml"))
t.check(len(rss) >= 8, "found the RSS fixtures: %s" % rss)
keys = ["source", "id", "aliases", "title", "summary", "url", "published", "modified", "cvss",
        "cpes", "affected", "references", "withdrawn"]
for name in rss:
    path = os.path.join(jvn, name)
    data = open(path, "rb").read()
    well_formed = subprocess.run(["xmllint", "--noout", path], capture_output=True).returncode == 0 \
        if os.path.exists("/usr/bin/xmllint") else True
    p = t.run(["parse", path])
    if not well_formed:
        t.check(p.returncode != 0 and p.stdout == "" and p.stderr.strip() != "",
                "%s (not well-formed) gives a clear error: %s" % (name, p.stderr.strip()[:120]))
        continue
    items = len(re.findall(rb"<item[ >]", data))
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    t.check(p.returncode == 0, "%s parses (exit %d) %s" % (name, p.returncode, p.stderr.strip()[:200]))
    t.check(len(lines) == items, "%s: %d records for %d items" % (name, len(lines), items))
    for line in lines:
        rec = json.loads(line)
        t.check(list(rec.keys()) == keys, "%s %s: keys in contract order" % (name, rec.get("id")))
        t.check(re.fullmatch(r"JVNDB-\d{4}-\d{6}", rec["id"]) is not None, "%s: id %r" % (name, rec["id"]))
        for d in (rec["published"], rec["modified"]):
            t.check(d is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", d),
                    "%s %s: date %r has seconds and offset" % (name, rec["id"], d))
        t.check(all(re.fullmatch(r"(CVE-\d{4}-\d{4,}|JVNDB-\d{4}-\d{6}|JVN#\d{8}|JVNVU#\d{6,8}|JVNTA.*|JPCERT-AT-\d{4}-\d{4})", a)
                    for a in rec["aliases"]), "%s %s: aliases are ids only: %s" % (name, rec["id"], rec["aliases"]))
        t.check(rec["aliases"] == sorted(set(rec["aliases"])), "%s %s: aliases sorted and unique" % (name, rec["id"]))
# VULDEF: detail feeds and MyJVN getVulnDetailInfo responses (XML), plus the captures that are not
# namespace-well-formed, which must fail cleanly.
vuldef = sorted(f for f in os.listdir(jvn)
                if ("_detail_" in f and f.endswith(".rdf")) or
                ("getVulnDetailInfo" in f and f.endswith(".xml")) or
                ("dataFeed_jvndb_detail" in f and f.endswith(".xml")))
t.check(len(vuldef) >= 7, "found the VULDEF fixtures: %s" % vuldef)
broken_dir = os.path.join(jvn, "not_namespace_wellformed")
broken = sorted(os.path.join(broken_dir, f) for f in os.listdir(broken_dir)) if os.path.isdir(broken_dir) else []
for path in [os.path.join(jvn, f) for f in vuldef] + broken:
    name = os.path.relpath(path, jvn)
    data = open(path, "rb").read()
    well_formed = path not in broken
    if well_formed and os.path.exists("/usr/bin/xmllint"):
        well_formed = subprocess.run(["xmllint", "--noout", path], capture_output=True).returncode == 0
    for fmt in (["parse", path], ["parse", "--format", "vuldef", path]):
        p = t.run(fmt)
        if not well_formed:
            t.check(p.returncode != 0 and p.stdout == "" and p.stderr.strip() != "",
                    "%s (not well-formed) gives a clear error: %s" % (name, p.stderr.strip()[:120]))
            continue
        items = len(re.findall(rb"<(?:[A-Za-z_][\w.-]*:)?Vulinfo[\s>]", data))
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        t.check(p.returncode == 0, "%s parses (exit %d) %s" % (name, p.returncode, p.stderr.strip()[:200]))
        t.check(items > 0 and len(lines) == items, "%s: %d records for %d Vulinfo" % (name, len(lines), items))
        for line in lines:
            rec = json.loads(line)
            t.check(list(rec.keys())[:len(keys)] == keys, "%s %s: keys in contract order" % (name, rec.get("id")))
            t.check(rec["source"] == "vuldef", "%s %s: source %r" % (name, rec.get("id"), rec["source"]))
            t.check(re.fullmatch(r"JVNDB-\d{4}-\d{6}", rec["id"]) is not None, "%s: id %r" % (name, rec["id"]))
            t.check(rec["url"] == "https://jvndb.jvn.jp/ja/contents/%s/%s.html" % (rec["id"][6:10], rec["id"]),
                    "%s %s: url %r" % (name, rec["id"], rec["url"]))
            for d in (rec["published"], rec["modified"]):
                t.check(d is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", d),
                        "%s %s: date %r has seconds and offset" % (name, rec["id"], d))
            t.check(all(re.fullmatch(r"(CVE-\d{4}-\d{4,}|JVNDB-\d{4}-\d{6}|JVN#\d{8}|JVNVU#\d{6,8}|JVNTA.*|JPCERT-AT-\d{4}-\d{4})", a)
                        for a in rec["aliases"]), "%s %s: aliases are ids only: %s" % (name, rec["id"], rec["aliases"]))
            t.check(rec["aliases"] == sorted(set(rec["aliases"])), "%s %s: aliases sorted and unique" % (name, rec["id"]))
            t.check(rec["id"] not in rec["aliases"], "%s %s: own id not an alias" % (name, rec["id"]))
            t.check("<" not in rec["summary"], "%s %s: summary is plain text" % (name, rec["id"]))
# MyJVN getAlertList (Atom): detected, and named with --format myjvn-alert.
alerts = sorted(f for f in os.listdir(jvn) if "getAlertList" in f and f.endswith(".xml"))
t.check(len(alerts) >= 1, "found the getAlertList fixtures: %s" % alerts)
for name in alerts:
    path = os.path.join(jvn, name)
    entries = len(re.findall(rb"<entry[\s>]", open(path, "rb").read()))
    for fmt in (["parse", path], ["parse", "--format", "myjvn-alert", path]):
        p = t.run(fmt)
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        t.check(p.returncode == 0, "%s parses (exit %d) %s" % (name, p.returncode, p.stderr.strip()[:200]))
        t.check(entries > 0 and len(lines) == entries, "%s: %d records for %d entries" % (name, len(lines), entries))
        for line in lines:
            rec = json.loads(line)
            t.check(list(rec.keys()) == keys, "%s %s: keys in contract order" % (name, rec.get("id")))
            t.check(rec["source"] == "myjvn-alert", "%s %s: source %r" % (name, rec.get("id"), rec["source"]))
            t.check(rec["id"].strip() == rec["id"] != "", "%s: id %r" % (name, rec["id"]))
            for d in (rec["published"], rec["modified"]):
                t.check(d is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", d),
                        "%s %s: date %r has seconds and offset" % (name, rec["id"], d))
            t.check(rec["aliases"] == sorted(set(rec["aliases"])), "%s %s: aliases sorted and unique" % (name, rec["id"]))
t.finish()
