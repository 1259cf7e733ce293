#!/usr/bin/python3
"""The Python baseline of the benchmark: plain xml.etree.ElementTree.iterparse + sqlite3, standard
library only, in one of two jobs:

  --job same   (default) vulnwatch's ingest job, as `vulnwatch import` does it: every field of the
               `parse` record (ids, aliases from the related advisories, CVSS, affected products
               with their version text, references, history, dates), the record as JSON, a content
               hash, the record and its first revision, and correlation: the record joins the
               cluster that holds any of its ids (merging clusters it links), its ids become
               aliases. One transaction per 2,000 records.
  --job floor  the floor's job (bench/floor.cpp): (id, title, one JSON text column) per entry, one
               transaction per file.

    python_ingest.py [--job same|floor] DB FILE...
"""
import hashlib
import json
import re
import sqlite3
import sys
import time
import xml.etree.ElementTree as ET

NS = "{http://jvn.jp/vuldef/}"
ID_RE = re.compile(r"^(CVE-\d{4}-\d{4,}|JVNDB-\d{4}-\d{6}|JVN#\d{8}|JVNVU#\d{6,8}|"
                   r"JVNTA\d{2}-\d{3}[A-Z]|JPCERT-AT-\d{4}-\d{4})$")
BATCH = 2000


def text(node, path):
    found = node.find(path)
    return (found.text or "").strip() if found is not None else ""


def normalize_id(raw):
    value = raw.strip().upper()
    m = re.match(r"^(JVNVU|JVN)(\d{6,8})$", value)
    if m:
        value = m.group(1) + "#" + m.group(2)
    return value if ID_RE.match(value) else None


def record_of(vulinfo):
    """The `parse` record of one Vulinfo, as vulnwatch builds it."""
    data = vulinfo.find(NS + "VulinfoData")
    rid = normalize_id(text(vulinfo, NS + "VulinfoID")) or text(vulinfo, NS + "VulinfoID")
    cvss, cpes, affected, references, aliases, history = [], [], [], [], set(), []
    for c in data.iterfind(NS + "Impact/" + NS + "Cvss"):
        score = text(c, NS + "Base")
        cvss.append({"version": c.get("version", ""), "score": float(score) if score else 0.0,
                     "severity": text(c, NS + "Severity"), "vector": text(c, NS + "Vector")})
    for item in data.iterfind(NS + "Affected/" + NS + "AffectedItem"):
        cpe = text(item, NS + "Cpe")
        if cpe and cpe not in cpes:
            cpes.append(cpe)
        affected.append({"vendor": text(item, NS + "Name"), "product": text(item, NS + "ProductName"),
                         "cpe": cpe,
                         "versions": [v.text.strip() for v in item.iterfind(NS + "VersionNumber")
                                      if v.text and v.text.strip()]})
    for rel in data.iterfind(NS + "Related/" + NS + "RelatedItem"):
        ref_id = text(rel, NS + "VulinfoID")
        references.append({"source": text(rel, NS + "Name"), "id": ref_id, "url": text(rel, NS + "URL")})
        if rel.get("type") == "advisory":
            alias = normalize_id(ref_id)
            if alias and alias != rid:
                aliases.add(alias)
    for h in data.iterfind(NS + "History/" + NS + "HistoryItem"):
        no = text(h, NS + "HistoryNo")
        history.append({"number": int(no) if no.isdigit() else 0, "date": text(h, NS + "DateTime") or None,
                        "description": text(h, NS + "Description")})
    overview = text(data, NS + "VulinfoDescription/" + NS + "Overview")
    title = text(data, NS + "Title")
    year = rid[6:10] if rid.startswith("JVNDB-") else "0000"
    record = {
        "source": "vuldef", "id": rid, "aliases": sorted(aliases), "title": title,
        "summary": re.sub(r"<[^>]+>", "", overview),
        "url": "https://jvndb.jvn.jp/ja/contents/%s/%s.html" % (year, rid),
        "published": text(data, NS + "DateFirstPublished") or None,
        "modified": text(data, NS + "DateLastUpdated") or None,
        "cvss": cvss, "cpes": cpes, "affected": affected, "references": references,
        "withdrawn": any(m in overview or m in title for m in ("** 削除 **", "** 未確定 **", "** サポート外 **")),
    }
    if history:
        record["history"] = history
    return record


SCHEMA = """
CREATE TABLE IF NOT EXISTS cluster (id INTEGER PRIMARY KEY, first_seen INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS alias (id TEXT PRIMARY KEY, cluster_id INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS alias_cluster ON alias (cluster_id);
CREATE TABLE IF NOT EXISTS record (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, record_id TEXT NOT NULL,
  json TEXT NOT NULL, content_hash TEXT NOT NULL, title TEXT, max_score REAL, first_seen INTEGER,
  last_seen INTEGER, cluster_id INTEGER NOT NULL, UNIQUE (channel, record_id));
CREATE INDEX IF NOT EXISTS record_cluster ON record (cluster_id);
CREATE TABLE IF NOT EXISTS revision (id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL, json TEXT NOT NULL,
  content_hash TEXT NOT NULL, seen_at INTEGER NOT NULL);
"""


def ingest(con, record, now):
    """Store one record and correlate it, as vulnwatch's upsertRecord does."""
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.blake2b(body.encode("utf-8"), digest_size=8).hexdigest()
    ids = [record["id"]] + record["aliases"]
    marks = ",".join("?" * len(ids))
    clusters = sorted({r[0] for r in con.execute(
        "SELECT cluster_id FROM alias WHERE id IN (%s)" % marks, ids)})
    if not clusters:
        cluster = con.execute("INSERT INTO cluster (first_seen) VALUES (?)", (now,)).lastrowid
    else:
        cluster = clusters[0]
        for other in clusters[1:]:  # the record links clusters: merge into the oldest
            con.execute("UPDATE alias SET cluster_id = ? WHERE cluster_id = ?", (cluster, other))
            con.execute("UPDATE record SET cluster_id = ? WHERE cluster_id = ?", (cluster, other))
            con.execute("DELETE FROM cluster WHERE id = ?", (other,))
    con.executemany("INSERT OR IGNORE INTO alias (id, cluster_id) VALUES (?, ?)",
                    [(i, cluster) for i in ids])
    score = max([c["score"] for c in record["cvss"]] or [0.0])
    row = con.execute("SELECT id, content_hash FROM record WHERE channel = 'import' AND record_id = ?",
                      (record["id"],)).fetchone()
    if row is None:
        rowid = con.execute(
            "INSERT INTO record (channel, record_id, json, content_hash, title, max_score, first_seen, "
            "last_seen, cluster_id) VALUES ('import', ?, ?, ?, ?, ?, ?, ?, ?)",
            (record["id"], body, digest, record["title"], score, now, now, cluster)).lastrowid
    elif row[1] != digest:
        rowid = row[0]
        con.execute("UPDATE record SET json = ?, content_hash = ?, title = ?, max_score = ?, last_seen = ?, "
                    "cluster_id = ? WHERE id = ?", (body, digest, record["title"], score, now, cluster, rowid))
    else:
        con.execute("UPDATE record SET last_seen = ? WHERE id = ?", (now, row[0]))
        return
    con.execute("INSERT INTO revision (record_id, json, content_hash, seen_at) VALUES (?, ?, ?, ?)",
                (rowid, body, digest, now))


def each_vulinfo(path):
    root = None
    for event, elem in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
            continue
        if elem.tag == NS + "Vulinfo":
            yield elem
            root.clear()  # keep memory bounded: drop the finished entries


def main():
    args = sys.argv[1:]
    job = "same"
    if len(args) >= 2 and args[0] == "--job":
        job, args = args[1], args[2:]
    if job not in ("same", "floor") or len(args) < 2:
        sys.exit("usage: python_ingest.py [--job same|floor] DB FILE...")
    start = time.monotonic()
    con = sqlite3.connect(args[0], isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    entries = 0
    if job == "floor":
        con.execute("CREATE TABLE IF NOT EXISTS record (id TEXT PRIMARY KEY, title TEXT, json TEXT)")
        for path in args[1:]:
            con.execute("BEGIN")
            for elem in each_vulinfo(path):
                data = elem.find(NS + "VulinfoData")
                rid = elem.findtext(NS + "VulinfoID", "")
                title = data.findtext(NS + "Title", "")
                row = {"id": rid, "title": title,
                       "summary": data.findtext(NS + "VulinfoDescription/" + NS + "Overview", ""),
                       "published": data.findtext(NS + "DateFirstPublished", ""),
                       "modified": data.findtext(NS + "DateLastUpdated", "")}
                con.execute("INSERT OR REPLACE INTO record (id, title, json) VALUES (?, ?, ?)",
                            (rid, title, json.dumps(row, ensure_ascii=False)))
                entries += 1
            con.execute("COMMIT")
    else:
        con.executescript(SCHEMA)
        now = int(time.time())
        con.execute("BEGIN")
        for path in args[1:]:
            for elem in each_vulinfo(path):
                ingest(con, record_of(elem), now)
                entries += 1
                if entries % BATCH == 0:
                    con.execute("COMMIT")
                    con.execute("BEGIN")
        con.execute("COMMIT")
    con.close()
    print("python (%s job): %d entries from %d files in %.3f s" % (job, entries, len(args) - 1,
                                                                  time.monotonic() - start))


if __name__ == "__main__":
    main()
