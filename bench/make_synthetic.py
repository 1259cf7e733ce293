#!/usr/bin/python3
"""Builds SYNTHETIC JVN iPedia data for the benchmark and the tests: yearly detail feeds (VULDEF),
and in the overlap modes also yearly iPedia RSS files and a folder of mails.

Every entry is a template Vulinfo with its identifiers replaced and its dates moved into the target
year and its title numbered. The templates (--templates):
  fixtures  the real Vulinfo of the shared fixtures (jvndb_detail_*.rdf and the MyJVN detail data
            feed sample): the benchmark's realistic text, sizes and quirks;
  project   the seven Vulinfo written for the project in tests/data/vuldef/ (a bare clone has
            them: the tests use these);
  auto      fixtures when the folder has them, else project (the default).

Modes:
  --overlap     (default) entries overlap as real ones do (docs/correlation.md). Each entry's
                advisory RelatedItems are written from a plan instead of the template's:
                - one or two CVEs (3% none, 15% two);
                - JVNVU# advisories (and for half of them a CERT/CC VU#) shared by 1-10 nearby
                  entries, sizes skewed to small (P(k) ~ k^-1.5); about 30% of entries have one;
                  10% of the others have their own JVN#;
                - JPCERT-AT alerts referenced by 12% of entries, 2-2,000 entries each: one alert of
                  2,000 (the log4j alert, placed late in the history), the others drawn from
                  2*1000^(u^4) (median 3, 5% above 500);
                - bridges: 10% of entries also name the first CVE of one (two thirds) or two (one
                  third: a merge of two clusters) earlier entries, as real data has the same CVE in
                  two JVNDB entries;
                - --rss-share (default 0.2) of the entries also appear as iPedia RSS items (RSS 1.0 +
                  sec:, as demo/feeds/jvndb_new_demo.rdf), same JVNDB id, CVEs and advisory refs,
                  one file per year: synthetic_jvndb_rss_YYYY.rdf;
                - --mails (default 2000) mails in mail/ (UTF-8, 8bit, as tests/data/mail/*.eml):
                  45% name one CVE of an entry, 25% a JVNVU# and its entries' CVEs, 10% a JPCERT-AT
                  alert and up to ten of its CVEs (the first three: the 2,000-entry alert), 20% are
                  weekly reports naming several JVNVU#/JVN# and CVEs (mentions);
                - show_ids.txt: about 50 ids (CVE, JVNDB, JVNVU#, JVN#, JPCERT-AT, among them the
                  biggest alert and JVNVU# group) for timing `advisories show`.
  --no-overlap  the same files, entries, RelatedItems, RSS items and mails (same sizes and counts,
                the same random draws), but every shared id replaced by a unique one: nothing
                links two records, so each entry is its own cluster and every RSS item and mail
                names ids nobody else names. The control for "what correlation of overlaps costs".
  --legacy      the generator's original mode (what generate() does by default, used by
                tests/e2e/test_backfill.py): VULDEF only, the template's own RelatedItems with every
                id replaced by a new unique one.

    make_synthetic.py --entries 20000 --cpe-variants 500 --out bench/data/quick/overlap
    make_synthetic.py --entries 20000 --cpe-variants 500 --no-overlap --out bench/data/quick/no-overlap

writes synthetic_jvndb_detail_YYYY.rdf files (years counting back from --last-year, about
--per-file entries each), and with --overlap/--no-overlap the RSS files, mail/ and show_ids.txt;
SYNTHETIC-SET last (a summary; bench/run.sh regenerates a set without it). Every file says
SYNTHETIC. Python 3 standard library only; deterministic for a given --seed.
"""
import argparse
import base64
import datetime
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


def split_parts(block):
    """Pre-splits a Vulinfo into literal text and (kind, original) slots: generating is a join."""
    parts = []
    pos = 0
    for m in TOKEN.finditer(block):
        parts.append(block[pos:m.start()])
        parts.append((m.lastgroup, m.group(0)))
        pos = m.end()
    parts.append(block[pos:])
    return parts


# An advisory RelatedItem naming an id (CVE/NVD, JVN, JVNVU, CERT/CC VU#, JPCERT-AT, JVNTA), with
# the white space before it. RelatedItems are never nested.
ADVISORY_ITEM = re.compile(
    r"[ \t\r\n]*<RelatedItem type=\"advisory\">\s*<Name>[^<]*</Name>\s*<VulinfoID>\s*"
    r"(?:CVE-\d{4}-\d{4,7}|JVNVU#\d{8}|JVN#\d{8}|VU#\d{5,8}|JPCERT-AT-\d{4}-\d{4}|JVNTA#?\d{8})"
    r"\s*</VulinfoID>.*?</RelatedItem>", re.S)
RELATED_SLOT = "\x00related\x00"


def planned_parts(block):
    """The parts of a template for the planned modes: its advisory RelatedItems that name ids
    are taken out, and a ("related", None) slot marks where the plan's are written."""
    first = ADVISORY_ITEM.search(block)
    stripped = ADVISORY_ITEM.sub("", block)
    if first is not None:
        at = first.start()
        stripped = block[:at] + RELATED_SLOT + ADVISORY_ITEM.sub("", block[at:])
    elif "</Related>" in stripped:
        stripped = stripped.replace("</Related>", RELATED_SLOT + "\n        </Related>", 1)
    else:
        anchor = "<History>" if "<History>" in stripped else "<DateFirstPublished>"
        stripped = stripped.replace(
            anchor, "<Related>" + RELATED_SLOT + "\n        </Related>\n        " + anchor, 1)
    before, after = stripped.split(RELATED_SLOT)
    return split_parts(before) + [("related", None)] + split_parts(after)


def load_templates(fixtures, source="auto", planned=False):
    paths = template_paths(fixtures, source)
    templates = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for block in re.findall(r"<Vulinfo>.*?</Vulinfo>", text, re.S):
            templates.append(planned_parts(block) if planned else split_parts(block))
    if not templates:
        sys.exit("make_synthetic.py: no detail fixtures (jvn/jvndb_detail_*.rdf) under %s" % fixtures)
    return templates


class Counters:
    def __init__(self):
        self.n = {"cve": 0, "jvn": 0, "jvnvu": 0, "vu": 0, "jpcert": 0, "jvnta": 0}

    def next(self, kind):
        self.n[kind] = self.n.get(kind, 0) + 1
        return self.n[kind]


# --- legacy mode (generate()'s default) ----------------------------------------------------------

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


def year_counts(entries, per_file, last_year):
    """[(year, count)]: the yearly files, oldest first, counts as even as possible."""
    files = max(1, math.ceil(entries / per_file))
    out = []
    remaining = entries
    for k in range(files):
        count = remaining // (files - k)
        remaining -= count
        out.append((last_year - files + 1 + k, count))
    return out


# --- planned modes (--overlap, --no-overlap) -----------------------------------------------------

CVE_NONE = 0.03          # entries naming no CVE
CVE_TWO = 0.15           # entries naming a second CVE of their own
GROUP_START = 0.16       # chance that an entry not yet in a JVNVU# group starts one (~30% in groups)
GROUP_SIZES = list(range(1, 11))
GROUP_WEIGHTS = [k ** -1.5 for k in GROUP_SIZES]
GROUP_WITH_VU = 0.5      # JVNVU# groups that also name a CERT/CC VU#
JVN_SHARE = 0.10         # entries outside JVNVU# groups with a JVN# of their own
ALERT_SHARE = 0.12       # entries referencing a JPCERT-AT alert
BIG_ALERT = 2000         # the log4j alert
BRIDGE_SHARE = 0.10      # entries that also name an earlier entry's CVE
BRIDGE_TWO = 1 / 3       # bridges naming two earlier entries' CVEs (a merge of two clusters)


class Ids:
    """New ids. Plan ids and the unique replacements of --no-overlap come from separate ranges,
    so a replacement never equals an id of the plan (CVE numbers: plan 100000+, unique 600000+,
    template text 800000+)."""

    def __init__(self):
        self.counters = Counters()
        self.alerts_of_year = {}

    def cve(self, year, base=100000):
        return "CVE-%d-%d" % (year, base + self.counters.next("cve%d" % base))

    def jvnvu(self, base=10000000):
        return "JVNVU#%08d" % (base + self.counters.next("jvnvu%d" % base))

    def jvn(self, base=10000000):
        return "JVN#%08d" % (base + self.counters.next("jvn%d" % base))

    def vu(self, base=100000):
        return "VU#%d" % (base + self.counters.next("vu%d" % base))

    def alert(self, year):
        n = self.alerts_of_year.get(year, 0) + 1
        if n > 8999:
            raise ValueError("more than 8999 JPCERT-AT ids in %d" % year)
        self.alerts_of_year[year] = n
        return "JPCERT-AT-%d-%04d" % (year, n)


class Entry:
    __slots__ = ("index", "year", "number", "jvndb", "cves", "bridged", "jvnvu", "vu", "jvn",
                 "alert", "rss", "group")

    def __init__(self, index, year, number):
        self.index = index
        self.year = year
        self.number = number
        self.jvndb = "JVNDB-%d-%06d" % (year, number)
        self.cves = []      # its own CVEs
        self.bridged = []   # earlier entries' CVEs it names too
        self.jvnvu = None
        self.vu = None
        self.jvn = None
        self.alert = None
        self.rss = False
        self.group = None   # index into Plan.groups

    def all_cves(self):
        return self.cves + [c for c in self.bridged if c not in self.cves]


class Plan:
    """Which ids each entry, RSS item and mail names. Built with the same random draws for both
    planned modes; unique() then replaces every shared id by a new one (--no-overlap)."""

    def __init__(self, entries, per_file, last_year, seed, rss_share, mails):
        rng = random.Random(seed * 1000003 + 17)
        self.ids = Ids()
        self.entries = []
        for year, count in year_counts(entries, per_file, last_year):
            for number in range(1, count + 1):
                self.entries.append(Entry(len(self.entries), year, number))
        es = self.entries
        n = len(es)
        for e in es:
            if rng.random() >= CVE_NONE:
                e.cves.append(self.ids.cve(e.year))
                if rng.random() < CVE_TWO:
                    e.cves.append(self.ids.cve(e.year))
        self.bridges = []  # (entry index, [partner indexes])
        for e in es:
            if e.index < 50 or rng.random() >= BRIDGE_SHARE:
                continue
            partners = []
            for _ in range(2 if rng.random() < BRIDGE_TWO else 1):
                j = max(0, e.index - 1 - int(rng.expovariate(1 / 200)))
                p = es[j]
                if p.cves and p.cves[0] not in e.bridged and p.cves[0] not in e.cves:
                    e.bridged.append(p.cves[0])
                    partners.append(j)
            if partners:
                self.bridges.append((e.index, partners))
        # JVNDB entries sharing a JVNVU#: a run of nearby entries, some skipped.
        self.groups = []  # [(jvnvu, vu, [entry indexes])]
        for i in range(n):
            if es[i].group is not None or rng.random() >= GROUP_START:
                continue
            k = rng.choices(GROUP_SIZES, GROUP_WEIGHTS)[0]
            members = [i]
            es[i].group = len(self.groups)
            j = i + 1
            while len(members) < k and j < n and j < i + 4 * k + 4:
                if es[j].group is None and rng.random() < 0.7:
                    members.append(j)
                    es[j].group = len(self.groups)
                j += 1
            jvnvu = self.ids.jvnvu()
            vu = self.ids.vu() if rng.random() < GROUP_WITH_VU else None
            for m in members:
                es[m].jvnvu = jvnvu
                es[m].vu = vu
            self.groups.append((jvnvu, vu, members))
        for e in es:
            if e.jvnvu is None and rng.random() < JVN_SHARE:
                e.jvn = self.ids.jvn()
        # JPCERT-AT alerts: a sample of the entries, in order, cut into alerts of the drawn
        # sizes, so an alert's entries spread over months (the big one over more than a year).
        candidates = sorted(rng.sample(range(n), int(n * ALERT_SHARE)))
        big = min(BIG_ALERT, len(candidates))
        sizes = []
        total = big
        while total < len(candidates):
            size = max(2, min(BIG_ALERT, int(2 * 1000 ** (rng.random() ** 4))))
            sizes.append(size)
            total += size
        sizes.insert(int(len(sizes) * 0.8), big)
        self.alerts = []  # [(alert id, [entry indexes])]
        at = 0
        for size in sizes:
            members = candidates[at:at + size]
            at += size
            if len(members) < 2:
                if members and self.alerts:  # a last single entry joins the alert before
                    self.alerts[-1][1].extend(members)
                    es[members[0]].alert = self.alerts[-1][0]
                continue
            alert = self.ids.alert(es[members[0]].year)
            for m in members:
                es[m].alert = alert
            self.alerts.append((alert, members))
        self.big_alert = max(range(len(self.alerts)), key=lambda a: len(self.alerts[a][1]),
                             default=None)
        for e in es:
            e.rss = rng.random() < rss_share
        self.mails = self._plan_mails(rng, mails)
        self.show = self._plan_show(rng)
        self.overlap = True

    def _plan_mails(self, rng, count):
        """[(kind, year, subject ids, body ids, title)]: the ids each mail names."""
        es = self.entries
        with_cve = [e.index for e in es if e.cves]
        out = []
        big_alert_mails = 0
        for k in range(count):
            r = rng.random()
            if r < 0.45 and with_cve:
                e = es[rng.choice(with_cve)]
                cve = e.cves[0]
                out.append(("cve", e.year, [cve], [cve], "の脆弱性に関する注意喚起"))
            elif r < 0.70 and self.groups:
                g = rng.randrange(len(self.groups))
                jvnvu, _, members = self.groups[g]
                cves = [c for m in members for c in es[m].cves][:20]
                out.append(("jvnvu", es[members[0]].year, [jvnvu], [jvnvu] + cves,
                            "複数の製品における脆弱性"))
            elif r < 0.80 and self.alerts:
                if big_alert_mails < 3 and self.big_alert is not None:
                    a = self.big_alert
                    big_alert_mails += 1
                else:
                    a = rng.randrange(len(self.alerts))
                alert, members = self.alerts[a]
                picked = sorted(rng.sample(members, min(10, len(members))))
                cves = [es[m].cves[0] for m in picked if es[m].cves]
                out.append(("alert", es[members[0]].year, [alert], [alert] + cves,
                            "に関する注意喚起"))
            else:
                start = rng.randrange(len(es))
                near = es[start:start + 200] or es[-200:]
                picked = [rng.choice(near) for _ in range(rng.randint(3, 8))]
                advisories = [x.jvnvu or x.jvn for x in picked if x.jvnvu or x.jvn]
                picked = [rng.choice(near) for _ in range(rng.randint(2, 6))]
                cves = [x.cves[0] for x in picked if x.cves]
                ids = list(dict.fromkeys(advisories + cves))
                out.append(("weekly", es[start].year, [], ids, "WEEKLY REPORT"))
        return out

    def _plan_show(self, rng):
        """About 50 (id, what) to time `advisories show` with."""
        es = self.entries
        out = []
        by_size = sorted(range(len(self.alerts)), key=lambda a: -len(self.alerts[a][1]))
        for a in by_size[:5]:
            out.append((self.alerts[a][0], "JPCERT-AT of %d entries" % len(self.alerts[a][1])))
        for a in rng.sample(by_size[5:], min(5, max(0, len(by_size) - 5))):
            out.append((self.alerts[a][0], "JPCERT-AT of %d entries" % len(self.alerts[a][1])))
        groups = sorted(range(len(self.groups)), key=lambda g: -len(self.groups[g][2]))
        for g in groups[:3] + rng.sample(groups[3:], min(7, max(0, len(groups) - 3))):
            out.append((self.groups[g][0], "JVNVU# of %d entries" % len(self.groups[g][2])))
        for e in rng.sample(es, min(10, len(es))):
            out.append((e.jvndb, "JVNDB entry%s" % (", also in RSS" if e.rss else "")))
        with_cve = [e for e in es if e.cves]
        for e in rng.sample(with_cve, min(6, len(with_cve))):
            out.append((e.cves[0], "CVE"))
        merges = [b for b in self.bridges if len(b[1]) == 2]
        for index, _ in rng.sample(merges, min(4, len(merges))):
            out.append((es[index].bridged[0], "CVE of a merged cluster"))
        if self.big_alert is not None:
            members = self.alerts[self.big_alert][1]
            for m in rng.sample(members, min(4, len(members))):
                if es[m].cves:
                    out.append((es[m].cves[0], "CVE of an entry in the biggest alert"))
        for index, _ in rng.sample(merges, min(4, len(merges))):
            out.append((es[index].jvndb, "JVNDB entry bridging two earlier entries"))
        mailed = [m[2][0] for m in self.mails if m[0] == "cve"]
        for cve in rng.sample(mailed, min(4, len(mailed))):
            out.append((cve, "CVE named by a mail"))
        with_jvn = [e for e in es if e.jvn]
        for e in rng.sample(with_jvn, min(3, len(with_jvn))):
            out.append((e.jvn, "JVN# of one entry"))
        return out

    def unique(self):
        """--no-overlap: every id that two records could share becomes a new, unique one (same
        counts, same places)."""
        ids = self.ids
        for e in self.entries:
            e.bridged = [ids.cve(e.year, 600000) for _ in e.bridged]
            if e.jvnvu is not None:
                e.jvnvu = ids.jvnvu(60000000)
            if e.vu is not None:
                e.vu = ids.vu(600000)
            if e.alert is not None:
                e.alert = ids.alert(e.year)
        mails = []
        for kind, year, subject, body, title in self.mails:
            fresh = {}
            for x in body + subject:
                if x not in fresh:
                    fresh[x] = self.fresh_like(x, year)
            mails.append((kind, year, [fresh[x] for x in subject], [fresh[x] for x in body], title))
        self.mails = mails
        self.show = []
        self.overlap = False

    def fresh_like(self, ident, year):
        """A new unique id of the same kind as `ident`."""
        if ident.startswith("CVE-"):
            return self.ids.cve(year, 600000)
        if ident.startswith("JVNVU#"):
            return self.ids.jvnvu(60000000)
        if ident.startswith("JVN#"):
            return self.ids.jvn(60000000)
        if ident.startswith("JPCERT-AT-"):
            return self.ids.alert(year)
        raise ValueError(ident)

    def rss_ids(self, e, k):
        """(JVNDB id, CVEs, JVNVU#/JVN#, JPCERT-AT) of the RSS item of entry e, the k-th item of
        its year: the entry's own ids, or with --no-overlap ids of the same kinds no one else
        names."""
        if self.overlap:
            return e.jvndb, e.all_cves(), e.jvnvu or e.jvn, e.alert
        ids = self.ids
        jvn = e.jvnvu or e.jvn
        if jvn is not None:
            jvn = ids.jvnvu(60000000) if jvn.startswith("JVNVU#") else ids.jvn(60000000)
        return ("JVNDB-%d-%06d" % (e.year, 900000 + k),
                [ids.cve(e.year, 600000) for _ in e.all_cves()], jvn,
                ids.alert(e.year) if e.alert else None)


def related_items(e):
    """The advisory RelatedItems of a planned entry."""
    out = []

    def item(name, ident, url):
        out.append('\n          <RelatedItem type="advisory">\n            <Name>%s</Name>\n'
                   '            <VulinfoID>%s</VulinfoID>\n            <URL>%s</URL>\n'
                   '          </RelatedItem>' % (name, ident, url))

    for cve in e.all_cves():
        item("Common Vulnerabilities and Exposures (CVE)", cve,
             "https://www.cve.org/CVERecord?id=" + cve)
        item("National Vulnerability Database (NVD)", cve, "https://nvd.nist.gov/vuln/detail/" + cve)
    if e.jvnvu:
        item("JVN", e.jvnvu, "https://jvn.jp/vu/%s/" % e.jvnvu.replace("#", ""))
    if e.jvn:
        item("JVN", e.jvn, "https://jvn.jp/jp/%s/index.html" % e.jvn.replace("#", ""))
    if e.alert:
        item("JPCERT 緊急報告", e.alert, alert_url(e.alert))
    if e.vu:
        item("US-CERT Vulnerability Note", e.vu, "https://www.kb.cert.org/vuls/id/" + e.vu[3:])
    return "".join(out)


def alert_url(alert):
    year, number = alert[len("JPCERT-AT-"):].split("-")
    return "https://www.jpcert.or.jp/at/%s/at%s%s.html" % (year, year[2:], number)


def planned_entry(template, e, text_ids, rng, cpe_variants):
    """A Vulinfo for entry e: the plan's RelatedItems; ids in the template's text map to the
    plan's ids of the same kind (in order), else to new ones (text only: never aliases)."""
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    own = {"cve": e.all_cves(), "jvnvu": [e.jvnvu] if e.jvnvu else [],
           "jvn": [e.jvn] if e.jvn else [], "vu": [e.vu] if e.vu else [],
           "jpcert": [e.alert] if e.alert else []}
    used = {}
    mapping = {}
    out = []
    year = e.year
    for part in template:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, original = part
        if kind == "related":
            out.append(related_items(e))
            continue
        if kind == "title":
            out.append("<Title>[synthetic %d-%06d] " % (year, e.number))
            continue
        if kind == "cpe":
            out.append(original if cpe_variants <= 0 else "%s_v%d" % (original, e.number % cpe_variants))
            continue
        new = mapping.get(original)
        if new is None:
            if kind == "jvndb":
                if not any(k.startswith("JVNDB-") for k in mapping):
                    new = e.jvndb
                else:
                    new = "JVNDB-%d-%06d" % (year, 500000 + text_ids.next("jvndb") % 400000)
            elif kind == "date":
                new = "%d-%02d-%02d" % (year, month, day)
            else:
                k = used.get(kind, 0)
                used[kind] = k + 1
                planned = own.get(kind, [])
                if k < len(planned):
                    new = planned[k]
                elif kind == "cve":
                    new = "CVE-%d-%d" % (year, 800000 + text_ids.next("cve"))
                elif kind == "jvnvu":
                    new = "JVNVU#%08d" % (80000000 + text_ids.next("jvnvu"))
                elif kind == "jvn":
                    new = "JVN#%08d" % (80000000 + text_ids.next("jvn"))
                elif kind == "vu":
                    new = "VU#%d" % (800000 + text_ids.next("vu"))
                elif kind == "jpcert":
                    new = "JPCERT-AT-%d-%04d" % (year, 9000 + text_ids.next("jpcert") % 999)
                else:  # jvnta
                    new = "JVNTA#%08d" % (80000000 + text_ids.next("jvnta"))
            mapping[original] = new
        out.append(new)
    return "".join(out)


RSS_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!-- SYNTHETIC test data made by vulnwatch bench/make_synthetic.py in the JVN iPedia RSS 1.0 +
     mod_sec format (as demo/feeds/jvndb_new_demo.rdf); items repeat synthetic VULDEF entries.
     Not an IPA file. -->
<rdf:RDF xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:sec="http://jvn.jp/rss/mod_sec/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xsi:schemaLocation="http://purl.org/rss/1.0/ https://jvndb.jvn.jp/schema/jvnrss_2.0.xsd" xml:lang="ja">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/years/jvndb_%(year)d.rdf">
    <title>JVNDB RSS Feed - %(year)d (SYNTHETIC)</title>
    <link>https://jvndb.jvn.jp/</link>
    <description>JVN iPedia %(year)d (SYNTHETIC, vulnwatch benchmark)</description>
    <dc:creator></dc:creator>
    <dc:date>%(year)d-12-31T12:00:00+09:00</dc:date>
    <dcterms:modified>%(year)d-12-31T12:00:00+09:00</dcterms:modified>
    <items>
      <rdf:Seq>
"""

FIELD = {name: re.compile(r"<%s>(.*?)</%s>" % (name, name), re.S)
         for name in ("Title", "Overview", "DateFirstPublished", "DateLastUpdated")}
AFFECTED = re.compile(r"<AffectedItem>(.*?)</AffectedItem>", re.S)
AFFECTED_FIELD = {name: re.compile(r"<%s[^>]*>([^<]*)</%s>" % (name, name))
                  for name in ("Name", "ProductName", "Cpe")}
CVSS = re.compile(r"<Cvss version=\"([^\"]*)\">(.*?)</Cvss>", re.S)
CVSS_FIELD = {"severity": re.compile(r"<Severity[^>]*>([^<]*)</Severity>"),
              "score": re.compile(r"<Base>([^<]*)</Base>"),
              "vector": re.compile(r"<Vector>([^<]*)</Vector>")}


def first(pattern, text):
    m = pattern.search(text)
    return m.group(1).strip() if m else ""


def rss_item(vulinfo, jvndb, cves, jvn, alert):
    """The iPedia RSS item of a generated Vulinfo (its text is XML-escaped already)."""
    year = jvndb[6:10]
    url = "https://jvndb.jvn.jp/ja/contents/%s/%s.html" % (year, jvndb)
    lines = ['  <item rdf:about="%s">' % url,
             "    <title>%s</title>" % first(FIELD["Title"], vulinfo),
             "    <link>%s</link>" % url,
             "    <description>%s</description>" % first(FIELD["Overview"], vulinfo),
             "    <sec:identifier>%s</sec:identifier>" % jvndb]
    if jvn:
        path = ("vu/%s/" if jvn.startswith("JVNVU#") else "jp/%s/index.html") % jvn.replace("#", "")
        lines.append('    <sec:references source="JVN" id="%s">https://jvn.jp/%s</sec:references>'
                     % (jvn, path))
    for cve in cves:
        lines.append('    <sec:references source="CVE" id="%s">https://www.cve.org/CVERecord?id=%s'
                     '</sec:references>' % (cve, cve))
        lines.append('    <sec:references source="NVD" id="%s">https://nvd.nist.gov/vuln/detail/%s'
                     '</sec:references>' % (cve, cve))
    if alert:
        lines.append('    <sec:references source="JPCERT-AT" id="%s">%s</sec:references>'
                     % (alert, alert_url(alert)))
    for affected in AFFECTED.findall(vulinfo):
        cpe = first(AFFECTED_FIELD["Cpe"], affected)
        if cpe:
            lines.append('    <sec:cpe version="2.2" vendor="%s" product="%s">%s</sec:cpe>'
                         % (first(AFFECTED_FIELD["Name"], affected).replace('"', "&quot;"),
                            first(AFFECTED_FIELD["ProductName"], affected).replace('"', "&quot;"),
                            cpe))
    for version, body in CVSS.findall(vulinfo):
        score = first(CVSS_FIELD["score"], body)
        if score:
            lines.append('    <sec:cvss version="%s" score="%s" type="Base" severity="%s" '
                         'vector="%s"/>' % (version, score, first(CVSS_FIELD["severity"], body),
                                            first(CVSS_FIELD["vector"], body)))
    published = first(FIELD["DateFirstPublished"], vulinfo)
    modified = first(FIELD["DateLastUpdated"], vulinfo) or published
    lines += ["    <dc:date>%s</dc:date>" % modified,
              "    <dcterms:issued>%s</dcterms:issued>" % published,
              "    <dcterms:modified>%s</dcterms:modified>" % modified,
              "  </item>"]
    return url, "\n".join(lines) + "\n"


def write_rss(path, year, items):
    with open(path, "w", encoding="utf-8") as f:
        f.write(RSS_HEADER % {"year": year})
        for url, _ in items:
            f.write('        <rdf:li rdf:resource="%s"/>\n' % url)
        f.write("      </rdf:Seq>\n    </items>\n  </channel>\n")
        for _, item in items:
            f.write(item)
        f.write("</rdf:RDF>\n")


SENDERS = {"cve": "IPA <security-notice@example.jp>", "jvnvu": "JVN <jvn-sender@example.jp>",
           "alert": "JPCERT/CC <alert-sender@example.jp>",
           "weekly": "JPCERT/CC <weekly-sender@example.jp>"}


def encoded_words(text):
    """RFC 2047 B encoded-words of at most 45 bytes of UTF-8 each (whole characters), folded."""
    words = []
    chunk = b""
    for char in text:
        raw = char.encode("utf-8")
        if len(chunk) + len(raw) > 45:
            words.append(chunk)
            chunk = b""
        chunk += raw
    words.append(chunk)
    return "\n ".join("=?UTF-8?B?%s?=" % base64.b64encode(w).decode("ascii") for w in words)


def write_mail(path, serial, seed, kind, year, subject_ids, body_ids, title, rng):
    day = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    date = "%s %02d:%02d:%02d +0900" % (day.strftime("%a, %d %b %Y"), rng.randint(0, 23),
                                        rng.randint(0, 59), rng.randint(0, 59))
    if kind == "weekly":
        subject = "JPCERT/CC WEEKLY REPORT %s" % day.isoformat()
    elif kind == "cve":
        subject = "【注意喚起】synthetic 製品 %d %s (%s)" % (serial, title, subject_ids[0])
    else:
        subject = "%s: synthetic 製品 %d %s" % (subject_ids[0], serial, title)
    body = ["SYNTHETIC test message made by vulnwatch bench/make_synthetic.py; not a real mail.",
            "", "各位", "", subject, ""]
    if kind == "weekly":
        for k, ident in enumerate(body_ids, 1):
            body.append("【%d】synthetic 製品の脆弱性に関する情報が公開されました" % k)
            body.append("  %s" % ident)
            body.append("")
    else:
        body.append("下記の脆弱性について情報が公開されました。対象の製品をお使いの場合は、")
        body.append("修正版へのアップデートなどの対策を実施してください。")
        body.append("")
        for ident in body_ids:
            body.append("  %s" % ident)
        body.append("")
    body.append("-- ")
    body.append("synthetic sender (example.jp)")
    headers = [
        "X-Vulnwatch-Test: SYNTHETIC, made by vulnwatch bench/make_synthetic.py",
        "Message-ID: <synthetic-%06d.s%d@bench.example.jp>" % (serial, seed),
        "Date: " + date,
        "From: " + SENDERS[kind],
        "To: list@example.jp",
        "Subject: " + encoded_words(subject),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(headers) + "\n\n" + "\n".join(body) + "\n")


def generate_planned(plan, out, prefix, seed, templates, cpe_variants):
    rng = random.Random(seed)
    text_ids = Counters()
    written = []
    es = plan.entries
    k = 0
    while k < len(es):
        year = es[k].year
        end = k
        while end < len(es) and es[end].year == year:
            end += 1
        path = os.path.join(out, "%sjvndb_detail_%d.rdf" % (prefix, year))
        items = []
        with open(path, "w", encoding="utf-8") as f:
            f.write(HEADER)
            for e in es[k:end]:
                vulinfo = planned_entry(templates[e.number % len(templates)], e, text_ids, rng,
                                        cpe_variants)
                f.write("    ")
                f.write(vulinfo)
                f.write("\n")
                if e.rss:
                    items.append(rss_item(vulinfo, *plan.rss_ids(e, len(items) + 1)))
            f.write(FOOTER % (end - k, end - k))
        written.append((path, year, end - k))
        if items:
            rss = os.path.join(out, "%sjvndb_rss_%d.rdf" % (prefix, year))
            write_rss(rss, year, items)
            written.append((rss, year, len(items)))
        k = end
    if plan.mails:
        mail_dir = os.path.join(out, "mail")
        os.makedirs(mail_dir, exist_ok=True)
        for serial, (kind, year, subject_ids, body_ids, title) in enumerate(plan.mails, 1):
            path = os.path.join(mail_dir, "%smail_%05d.eml" % (prefix, serial))
            write_mail(path, serial, seed, kind, year, subject_ids, body_ids, title, rng)
        written.append((mail_dir, 0, len(plan.mails)))
    if plan.show:
        with open(os.path.join(out, "show_ids.txt"), "w", encoding="utf-8") as f:
            f.write("# SYNTHETIC: ids to time `vulnwatch advisories show` with (id<TAB>what)\n")
            for ident, what in plan.show:
                f.write("%s\t%s\n" % (ident, what))
    return written


def summary(plan):
    es = plan.entries
    sizes = sorted((len(m) for _, m in plan.alerts), reverse=True)
    group_sizes = [len(m) for _, _, m in plan.groups]
    kinds = {}
    for mail in plan.mails:
        kinds[mail[0]] = kinds.get(mail[0], 0) + 1
    return [
        "mode: %s" % ("overlap" if plan.overlap else
                      "no-overlap (the overlap set's shape, below, with every shared id unique)"),
        "entries: %d" % len(es),
        "entries naming 2+ own CVEs: %d, none: %d" % (sum(len(e.cves) > 1 for e in es),
                                                      sum(not e.cves for e in es)),
        "bridges: %d entries name earlier entries' CVEs (%d of them two: merges)"
        % (len(plan.bridges), sum(len(p) == 2 for _, p in plan.bridges)),
        "JVNVU# groups: %d covering %d entries (largest %d); entries with a JVN#: %d"
        % (len(group_sizes), sum(group_sizes), max(group_sizes, default=0),
           sum(e.jvn is not None for e in es)),
        "JPCERT-AT alerts: %d covering %d entries (largest %s; median %d)"
        % (len(sizes), sum(sizes), ", ".join(map(str, sizes[:5])),
           sizes[len(sizes) // 2] if sizes else 0),
        "RSS items: %d" % sum(e.rss for e in es),
        "mails: %d (%s)" % (len(plan.mails), ", ".join("%s %d" % kv for kv in sorted(kinds.items()))),
    ]


def generate(entries, out, per_file=10500, last_year=2026, prefix="synthetic_", seed=1,
             fixtures=DEFAULT_FIXTURES, cpe_variants=0, templates="auto", overlap=None,
             rss_share=0.0, mails=0):
    """Writes the files; returns [(path, year, count)] (for mail/: year 0, count of mails).
    overlap None (the default): the legacy mode, VULDEF only (rss_share and mails unused);
    True: --overlap; False: --no-overlap."""
    os.makedirs(out, exist_ok=True)
    if overlap is not None:
        plan = Plan(entries, per_file, last_year, seed, rss_share, mails)
        if not overlap:
            plan.unique()
        written = generate_planned(plan, out, prefix, seed,
                                   load_templates(fixtures, templates, planned=True), cpe_variants)
        with open(os.path.join(out, "SYNTHETIC-SET"), "w", encoding="utf-8") as f:
            f.write("SYNTHETIC data set made by vulnwatch bench/make_synthetic.py (seed %d, "
                    "cpe variants %d)\n" % (seed, cpe_variants))
            f.write("\n".join(summary(plan)) + "\n")
        return written
    templates = load_templates(fixtures, templates)
    rng = random.Random(seed)
    counters = Counters()
    written = []
    for year, count in year_counts(entries, per_file, last_year):
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
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--overlap", dest="mode", action="store_const", const="overlap",
                      help="entries, RSS items and mails overlap as real ones do (default)")
    mode.add_argument("--no-overlap", dest="mode", action="store_const", const="no-overlap",
                      help="the same shape with every id unique (the control)")
    mode.add_argument("--legacy", dest="mode", action="store_const", const="legacy",
                      help="the original mode: VULDEF only, template ids made unique")
    ap.add_argument("--rss-share", type=float, default=0.2,
                    help="share of entries also written as iPedia RSS items (default 0.2)")
    ap.add_argument("--mails", type=int, default=2000, help="mails to write (default 2000)")
    args = ap.parse_args()
    mode = args.mode or "overlap"
    overlap = {"overlap": True, "no-overlap": False, "legacy": None}[mode]
    total = 0
    for path, year, count in generate(args.entries, args.out, args.per_file, args.last_year,
                                      seed=args.seed, fixtures=args.fixtures,
                                      cpe_variants=args.cpe_variants, templates=args.templates,
                                      overlap=overlap, rss_share=args.rss_share, mails=args.mails):
        if os.path.isdir(path):
            size = sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path))
            print("%s/: %d mails, %.1f MB" % (path, count, size / 1e6))
        else:
            size = os.path.getsize(path)
            print("%s: %d %s, %.1f MB" % (path, count, "items" if "_rss_" in path else "entries",
                                          size / 1e6))
        total += size
    if overlap is not None:
        with open(os.path.join(args.out, "SYNTHETIC-SET"), encoding="utf-8") as f:
            print(f.read().rstrip())
    print("total: %d entries (%s), %.1f MB" % (args.entries, mode, total / 1e6))


if __name__ == "__main__":
    main()
