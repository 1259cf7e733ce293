#!/usr/bin/python3
"""The Python baseline of the benchmark: plain xml.etree.ElementTree.iterparse + sqlite3 doing the
floor's job (bench/floor.cpp): per VULDEF file, the rows (id, title, one JSON text column) in
one transaction. Standard library only.

    python_ingest.py DB FILE...
"""
import json
import sqlite3
import sys
import time
import xml.etree.ElementTree as ET

NS = "{http://jvn.jp/vuldef/}"


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: python_ingest.py DB FILE...")
    start = time.monotonic()
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("CREATE TABLE IF NOT EXISTS record (id TEXT PRIMARY KEY, title TEXT, json TEXT)")
    entries = 0
    for path in sys.argv[2:]:
        con.execute("BEGIN")
        root = None
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = elem
                continue
            if elem.tag != NS + "Vulinfo":
                continue
            data = elem.find(NS + "VulinfoData")
            rid = elem.findtext(NS + "VulinfoID", "")
            title = data.findtext(NS + "Title", "")
            row = {
                "id": rid,
                "title": title,
                "summary": data.findtext(NS + "VulinfoDescription/" + NS + "Overview", ""),
                "published": data.findtext(NS + "DateFirstPublished", ""),
                "modified": data.findtext(NS + "DateLastUpdated", ""),
            }
            con.execute("INSERT OR REPLACE INTO record (id, title, json) VALUES (?, ?, ?)",
                        (rid, title, json.dumps(row, ensure_ascii=False)))
            entries += 1
            root.clear()  # keep memory bounded: drop the finished entries
        con.execute("COMMIT")
    con.close()
    print("python: %d entries from %d files in %.3f s" % (entries, len(sys.argv) - 2,
                                                         time.monotonic() - start))


if __name__ == "__main__":
    main()
