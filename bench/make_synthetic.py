#!/usr/bin/python3
"""Builds SYNTHETIC yearly JVN iPedia detail feeds (VULDEF) for the benchmark and the tests.

Every entry is a template Vulinfo with every identifier replaced by a new, unique one (JVNDB-,
CVE-, JVN#, JVNVU#, VU#, JPCERT-AT-, JVNTA), its dates moved into the target year and its title
numbered, so entries never share an alias by accident (each one stays its own cluster, as in the
real feeds). The templates (--templates):
  fixtures  the real Vulinfo of the shared fixtures (jvndb_detail_*.rdf and the MyJVN detail data
            feed sample): the benchmark's realistic text, sizes and quirks;
  project   the seven Vulinfo written for the project in tests/data/vuldef/ (a bare clone has
            them: the tests use these);
  auto      fixtures when the folder has them, else project (the default).

    make_synthetic.py --entries 20000 --cpe-variants 500 --out bench/data/quick
    make_synthetic.py --entries 300000 --cpe-variants 500 --out bench/data/full

writes synthetic_jvndb_detail_YYYY.rdf files (years counting back from --last-year, about
--per-file entries each). Python 3 standard library only; deterministic for a given --seed.
"""
import argparse
import glob
import math
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.join(HERE, "..", "..", "shared", "fixtures")
PROJECT_TEMPLATES = [os.path.join(HERE, "..", "tests", "data", "vuldef",
                                  "detail_written_for_vulnwatch.xml")]

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>   
<!-- SYNTHETIC test data made by vulnwatch bench/make_synthetic.py from real JVN entries; not a real feed -->
<VULDEF-Document 
version="3.2" 
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" 
xmlns="http://jvn.jp/vuldef/" 
xmlns:vuldef="http://jvn.jp/vuldef/" 
xmlns:status="http://jvndb.jvn.jp/myjvn/Status" 
xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" 
xmlns:marking="http://data-marking.mitre.org/Marking-1" 
xmlns:tlpMarking="http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1" 
xml:lang="ja">
"""

FOOTER = """    <sec:handling>
      <marking:Marking>
        <marking:Marking_Structure xsi:type="tlpMarking:TLPMarkingStructureType" marking_model_name="TLP" marking_model_ref="http://www.us-cert.gov/tlp/" color="WHITE"/>
      </marking:Marking>
    </sec:handling>
    <status:Status version="3.3" method="getVulnDetailInfo" lang="ja" retCd="0" retMax="" errCd="" errMsg="" totalRes="%d" totalResRet="%d" firstRes="" feed="hnd" lt="1"/>
  </VULDEF-Document>
"""

# Identifiers and dates inside one entry; each distinct original gets one replacement.
TOKEN = re.compile(
    r"(?P<jvndb>JVNDB-\d{4}-\d{6})|(?P<cve>CVE-\d{4}-\d{4,7})|(?P<jvnvu>JVNVU#\d{8})|"
    r"(?P<jvn>JVN#\d{8})|(?P<vu>(?<![A-Z])VU#\d{5,8})|(?P<jpcert>JPCERT-AT-\d{4}-\d{4})|"
    r"(?P<jvnta>JVNTA#?\d{8})|"
    r"(?P<date>\d{4}-\d{2}-\d{2}(?=T\d{2}:\d{2}))|(?P<title><Title>)|"
    r"(?P<cpe>(?<=>)cpe:/[aoh]:[^:<\s]+:[^:<\s]+)")


def template_paths(fixtures, source="auto"):
    """The files whose Vulinfo serve as templates (see --templates)."""
    if source == "project":
        return PROJECT_TEMPLATES
    paths = sorted(glob.glob(os.path.join(fixtures, "jvn", "jvndb_detail_*.rdf")))
    paths += sorted(glob.glob(os.path.join(fixtures, "jvn", "myjvn_np_dataFeed_jvndb_detail_*.xml")))
    if not paths and source == "auto":
        print("make_synthetic.py: no detail fixtures under %s; using the project's own templates "
              "(tests/data/vuldef)" % fixtures, file=sys.stderr)
        return PROJECT_TEMPLATES
    return paths


def load_templates(fixtures, source="auto"):
    paths = template_paths(fixtures, source)
    templates = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for block in re.findall(r"<Vulinfo>.*?</Vulinfo>", text, re.S):
            # Pre-split into literal text and (kind, original) slots, so generating is a join.
            parts = []
            pos = 0
            for m in TOKEN.finditer(block):
                parts.append(block[pos:m.start()])
                parts.append((m.lastgroup, m.group(0)))
                pos = m.end()
            parts.append(block[pos:])
            templates.append(parts)
    if not templates:
        sys.exit("make_synthetic.py: no detail fixtures (jvn/jvndb_detail_*.rdf) under %s" % fixtures)
    return templates


class Counters:
    def __init__(self):
        self.n = {"cve": 0, "jvn": 0, "jvnvu": 0, "vu": 0, "jpcert": 0, "jvnta": 0}

    def next(self, kind):
        self.n[kind] += 1
        return self.n[kind]


def entry(template, year, serial, counters, rng, cpe_variants=0):
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    mapping = {}
    out = []
    for part in template:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, original = part
        if kind == "title":
            out.append("<Title>[synthetic %d-%06d] " % (year, serial))
            continue
        if kind == "cpe":
            # With --cpe-variants N, the product of each CPE gets one of N suffixes, so the set
            # names as many distinct products as real history does (the fixtures alone name a
            # few dozen, which every re-match would find thousands of times).
            out.append(original if cpe_variants <= 0 else "%s_v%d" % (original, serial % cpe_variants))
            continue
        new = mapping.get(original)
        if new is None:
            if kind == "jvndb":
                # The entry's own id first (its VulinfoID comes first); related JVNDB ids get
                # numbers far above the entries' own.
                own = not any(k.startswith("JVNDB-") for k in mapping)
                number = serial if own else 500000 + counters.next("jvn") % 400000
                new = "JVNDB-%d-%06d" % (year, number)
            elif kind == "cve":
                new = "CVE-%d-%d" % (year, 100000 + counters.next("cve"))
            elif kind == "jvnvu":
                new = "JVNVU#%08d" % (10000000 + counters.next("jvnvu"))
            elif kind == "jvn":
                new = "JVN#%08d" % (10000000 + counters.next("jvn"))
            elif kind == "jpcert":
                new = "JPCERT-AT-%d-%04d" % (year, 1000 + counters.next("jpcert") % 9000)
            elif kind == "jvnta":
                new = "JVNTA#%08d" % (10000000 + counters.next("jvnta"))
            elif kind == "vu":
                new = "VU#%d" % (100000 + counters.next("vu"))
            else:  # date: same year for the whole entry, original month/day varied
                new = "%d-%02d-%02d" % (year, month, day)
            mapping[original] = new
        out.append(new)
    return "".join(out)


def write_year(path, year, count, templates, counters, rng, first_serial=1, cpe_variants=0):
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(count):
            template = templates[(first_serial + i) % len(templates)]
            f.write("    ")
            f.write(entry(template, year, first_serial + i, counters, rng, cpe_variants))
            f.write("\n")
        f.write(FOOTER % (count, count))


def generate(entries, out, per_file=10500, last_year=2026, prefix="synthetic_", seed=1,
             fixtures=DEFAULT_FIXTURES, cpe_variants=0, templates="auto"):
    """Writes the files; returns [(path, year, count)]."""
    templates = load_templates(fixtures, templates)
    files = max(1, math.ceil(entries / per_file))
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    counters = Counters()
    written = []
    remaining = entries
    for k in range(files):
        year = last_year - files + 1 + k
        count = remaining // (files - k)
        remaining -= count
        path = os.path.join(out, "%sjvndb_detail_%d.rdf" % (prefix, year))
        write_year(path, year, count, templates, counters, rng, cpe_variants=cpe_variants)
        written.append((path, year, count))
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=20000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-file", type=int, default=10500)
    ap.add_argument("--last-year", type=int, default=2026)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cpe-variants", type=int, default=0,
                    help="give each CPE product one of N suffixes (0: keep the real CPEs)")
    ap.add_argument("--fixtures", default=os.environ.get("VULNWATCH_FIXTURES_DIR", DEFAULT_FIXTURES))
    ap.add_argument("--templates", choices=["auto", "fixtures", "project"], default="auto",
                    help="where the template entries come from (default: auto)")
    args = ap.parse_args()
    total = 0
    for path, year, count in generate(args.entries, args.out, args.per_file, args.last_year,
                                      seed=args.seed, fixtures=args.fixtures,
                                      cpe_variants=args.cpe_variants, templates=args.templates):
        size = os.path.getsize(path)
        total += size
        print("%s: %d entries, %.1f MB" % (path, count, size / 1e6))
    print("total: %d entries, %.1f MB" % (args.entries, total / 1e6))


if __name__ == "__main__":
    main()
