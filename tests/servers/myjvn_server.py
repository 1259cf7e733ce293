#!/usr/bin/python3
"""A loopback emulator of the MyJVN API (feed=hnd) for tests/integration/myjvn_source_test.cpp and
tests/integration/myjvn_alert_source_test.cpp.

Its getVulnOverviewList / getVulnDetailInfo answers are built at run time from template
responses: by default the documents written for vulnwatch in the real formats,
tests/data/jvn/myjvn_getVulnOverviewList_written_for_vulnwatch.xml (RSS 1.0 + mod_sec 3.0 +
status:Status) and tests/data/vuldef/detail_written_for_vulnwatch.xml (VULDEF 3.2, seven Vulinfo),
so a bare clone needs nothing more; with --fixtures DIR the real example responses in DIR/jvn
instead (never copied into the project). Either way the <item> elements of the overview
templates are cloned into a listing of N items (ids, links and dates rewritten), re-sliced into
pages with a rewritten status:Status (totalRes / totalResRet / firstRes); getVulnDetailInfo
answers clone the <Vulinfo> elements of the detail templates with the requested ids and dates.
XML comments of the templates are left out of the answers.

Its getAlertList answers (IPA 注意警戒情報, Atom + mod_sec 3.0 + status:Status, shaped like the
official example) are written for vulnwatch and need no fixtures: --alerts alerts last updated
in --alerts-year (MYJVN-ALT-<year>-0001 …, each naming a CVE, a JVNVU# and a CPE) and
--alerts-last alerts of the year before, selected by datePublished (the year of the last update),
sliced by startItem / maxCountItem; a year without alerts answers the no-match placeholder entry
「該当する脆弱性対策情報はありません。」.

URL layout: /<token>/<scenario>/myjvn?… where <token> keeps one test's counters and request log
apart from another's, and <scenario> is one of
  ok            the listing of all items, filtered by the datePublished window
  error         every call answers retCd=1 (the real error code and message for a bad startItem)
  flaky500      the first call of each distinct query answers HTTP 500, the next one succeeds
  stall         the first getVulnOverviewList call waits STALL seconds before answering
  retryafter    the first call answers 503 with Retry-After: 1
  detailerror   getVulnDetailInfo answers retCd=1
  detail500     getVulnDetailInfo always answers HTTP 500
  fail500       every call answers HTTP 500
/<token>/_log lists that token's requests, one a line: "<arrival, ms, monotonic> <path?query>".
/<token>/_touch?id=ID&updated=ISO gives that token's alert ID a new <updated> (an alert revised
upstream); the alert stays in the listing of its original year.

Requests the real API would refuse or answer differently are refused with retCd=1 (so a test
sees them): a method other than the three, feed other than hnd, maxCountItem above retMax (50 /
10), more than 10 ids, startItem not a positive integer, a range* parameter other than n or a
missing datePublished date; for getAlertList also a datePublished that is not 4 digits and an
ft other than xml.

Usage: myjvn_server.py [--fixtures DIR] [--items N] [--stall S] [--alerts N] [--alerts-year Y]
[--alerts-last N]; prints "PORT <n>" when ready. --fixtures DIR: build the overview and detail
answers from the real example responses in DIR/jvn instead of the written templates.
Written for vulnwatch.
"""

import argparse
import datetime
import http.server
import os
import re
import sys
import threading
import time
import urllib.parse

# the real example responses in $VULNWATCH_FIXTURES_DIR/jvn (--fixtures)
FIXTURE_OVERVIEW_FILES = ["myjvn_getVulnOverviewList_hnd_ja_2025.xml",
                          "spiegel_go-myjvn_getVulnOverviewList_2018_2.xml"]
FIXTURE_DETAIL_FILES = ["myjvn_getVulnDetailInfo_hnd_JVNDB-2017-009608.xml",
                        "myjvn_getVulnDetailInfo_hnd_JVNDB-2018-009328.xml",
                        "myjvn_getVulnDetailInfo_hnd_JVNDB-2021-002774.xml",
                        "spiegel_go-myjvn_getVulnDetailInfo_2018_2.xml"]
# the responses written for vulnwatch in the real formats (the default)
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "data")
WRITTEN_OVERVIEW_FILES = [os.path.join(DATA, "jvn",
                                       "myjvn_getVulnOverviewList_written_for_vulnwatch.xml")]
WRITTEN_DETAIL_FILES = [os.path.join(DATA, "vuldef", "detail_written_for_vulnwatch.xml")]
BAD_START = ("VL01020003", "startItemは正の整数値のみ指定可能です。")
# the error code third-party fixtures show for a bad getAlertList datePublished
BAD_ALERT_YEAR = ("AL0703019", "datePublishedは整数4桁で指定してください。")
BAD_ALERT_START = ("AL01020003", "startItemは正の整数値のみ指定可能です。")
NO_MATCH = "該当する脆弱性対策情報はありません。"
STAMP = "%Y-%m-%dT%H:%M:%S+09:00"

ALERT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns="http://www.w3.org/2005/Atom"
  xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/"
  xmlns:marking="http://data-marking.mitre.org/Marking-1"
  xmlns:tlpMarking="http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1"
  xmlns:status="http://jvndb.jvn.jp/myjvn/Status"
  xml:lang="ja"
  >
  <title type="text">IPA注意警戒サービスAPI</title>
  <updated>%(now)s</updated>
  <id>swid:ipa.go.jp+myjvn_alert+1.0.0</id>
  <link rel="alternate" type="text/html" hreflang="ja" href="https://jvndb.jvn.jp/apis/myjvn/" />
  <author>
    <name>IPA</name>
    <uri>https://www.ipa.go.jp/</uri>
  </author>
  <sec:handling>
    <marking:Marking>
      <marking:Marking_Structure xsi:type="tlpMarking:TLPMarkingStructureType"
        marking_model_name="TLP" marking_model_ref="http://www.us-cert.gov/tlp/" color="WHITE" />
    </marking:Marking>
  </sec:handling>
"""

ALERT_ENTRY = """  <entry>
    <title>注意警戒情報 %(n)d: Example Server の脆弱性対策について(CVE-%(year)d-9%(n)04d)</title>
    <id>%(id)s</id>
    <summary>Example Server に任意のコードを実行される脆弱性があります。</summary>
    <link href="https://www.ipa.go.jp/security/security-alert/%(year)d/alert%(n)04d.html" />
    <published>%(published)s</published>
    <updated>%(updated)s</updated>
    <category term="Critical" label="緊急" />
    <sec:items>
      <sec:item>
        <sec:title>JVN</sec:title>
        <sec:identifier>JVNVU#9%(n)07d</sec:identifier>
        <sec:summary>Example Server %(n)d.0 より前のバージョンの脆弱性</sec:summary>
        <sec:link href="https://jvn.jp/vu/JVNVU9%(n)07d/" />
        <sec:cpe>cpe:/a:example:server_%(n)d</sec:cpe>
        <sec:published>%(published)s</sec:published>
        <sec:updated>%(updated)s</sec:updated>
      </sec:item>
    </sec:items>
  </entry>
"""

ALERT_STATUS = """  <status:Status version="3.3" method="getAlertList" retCd="%(retCd)s" retMax="%(retMax)s"
    errCd="%(errCd)s" errMsg="%(errMsg)s" totalRes="%(totalRes)s" totalResRet="%(totalResRet)s"
    firstRes="%(firstRes)s" feed="hnd" ft="xml"%(echo)s />
</feed>
"""


def read(path):
    """The template's text without its XML comments (a written file's header says what it is)."""
    with open(path, encoding="utf-8") as f:
        return re.sub(r"<!--.*?-->\s*", "", f.read(), flags=re.S)


class Templates:
    def __init__(self, overview_files, detail_files):
        overview = read(overview_files[0])
        # header: everything before the first <item, without the channel's rdf:Seq entries
        self.root_open = overview[:overview.index("<channel")]
        self.head = overview[:overview.index("<item ")]
        self.head = re.sub(r"<rdf:li [^>]*/>\s*", "", self.head)
        self.status = re.search(r"<status:Status.*?/>", overview, re.S).group(0)
        self.items = []
        for path in overview_files:
            self.items += re.findall(r"<item .*?</item>", read(path), re.S)
        detail = read(detail_files[0])
        self.detail_head = detail[:detail.index("<Vulinfo>")]
        tail = detail[detail.rindex("</Vulinfo>") + len("</Vulinfo>"):]
        self.detail_handling = tail[:tail.index("<status:Status")]
        self.detail_status = re.search(r"<status:Status.*?/>", detail, re.S).group(0)
        self.vulinfos = []
        for path in detail_files:
            self.vulinfos += re.findall(r"<Vulinfo>.*?</Vulinfo>", read(path), re.S)
        if not self.items or not self.vulinfos:
            raise SystemExit("myjvn_server: the template files lack items")

    @classmethod
    def written(cls):
        return cls(WRITTEN_OVERVIEW_FILES, WRITTEN_DETAIL_FILES)

    @classmethod
    def fixtures(cls, directory):
        return cls([os.path.join(directory, "jvn", name) for name in FIXTURE_OVERVIEW_FILES],
                   [os.path.join(directory, "jvn", name) for name in FIXTURE_DETAIL_FILES])


def set_attrs(status, **values):
    for key, value in values.items():
        status, n = re.subn(r'(\s%s=")[^"]*(")' % key, r"\g<1>%s\g<2>" % value, status)
        if n == 0:
            status = status.replace("<status:Status", '<status:Status %s="%s"' % (key, value), 1)
    return status


class Listing:
    """N items: item i is JVNDB-2025-2<i:05d>, last updated 2025-03-10 + (i % 28) days + i min."""

    def __init__(self, templates, count):
        self.t = templates
        self.entries = []
        base = datetime.datetime(2025, 3, 10, 9, 0, 0)
        for i in range(count):
            ident = "JVNDB-2025-2%05d" % i
            when = base + datetime.timedelta(days=i % 28, minutes=i)
            self.entries.append((ident, when))
        self.by_id = {ident: (i, when) for i, (ident, when) in enumerate(self.entries)}

    def item(self, i):
        ident, when = self.entries[i]
        text = self.t.items[i % len(self.t.items)]
        url = "https://jvndb.jvn.jp/ja/contents/2025/%s.html" % ident
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+09:00")
        text = re.sub(r'rdf:about="[^"]*"', 'rdf:about="%s"' % url, text, count=1)
        text = re.sub(r"<link>[^<]*</link>", "<link>%s</link>" % url, text)
        text = re.sub(r"<sec:identifier>[^<]*</sec:identifier>",
                      "<sec:identifier>%s</sec:identifier>" % ident, text)
        for tag in ("dc:date", "dcterms:issued", "dcterms:modified"):
            text = re.sub(r"<%s>[^<]*</%s>" % (tag, tag), "<%s>%s</%s>" % (tag, stamp, tag), text)
        return text

    def vulinfo(self, ident):
        i, when = self.by_id[ident]
        text = self.t.vulinfos[i % len(self.t.vulinfos)]
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+09:00")
        text = re.sub(r"<VulinfoID>JVNDB-[^<]*</VulinfoID>", "<VulinfoID>%s</VulinfoID>" % ident,
                      text, count=1)
        text = re.sub(r"<DateLastUpdated>[^<]*</DateLastUpdated>",
                      "<DateLastUpdated>%s</DateLastUpdated>" % stamp, text)
        return text


class Alerts:
    """`count` alerts last updated in `year` (MYJVN-ALT-<year>-0001 …; alert i updated on
    <year>-01-05 + 5i days mod 360 at 10:00 + i min, published the day before) and `last` alerts
    of the year before, numbered the same way."""

    def __init__(self, year, count, last):
        self.entries = []  # (id, n, year, published, updated)
        for y, k in ((year - 1, last), (year, count)):
            base = datetime.datetime(y, 1, 5, 10, 0, 0)
            for i in range(k):
                when = base + datetime.timedelta(days=i * 5 % 360, minutes=i)
                self.entries.append(("MYJVN-ALT-%d-%04d" % (y, i + 1), i + 1, y,
                                     (when - datetime.timedelta(days=1)).strftime(STAMP),
                                     when.strftime(STAMP)))


class State:
    def __init__(self, templates, listing, stall, alerts):
        self.templates = templates
        self.listing = listing
        self.stall = stall
        self.alerts = alerts
        self.lock = threading.Lock()
        self.log = {}      # token -> [line]
        self.counts = {}   # (token, query) -> n
        self.touched = {}  # (token, alert id) -> updated


def date_param(query, prefix):
    try:
        return datetime.datetime(int(query[prefix + "Y"]), int(query[prefix + "M"]),
                                 int(query[prefix + "D"]))
    except (KeyError, ValueError):
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "myjvn-emulator"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, content_type="application/xml; charset=UTF-8", headers=()):
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def error_doc(self, method, code, message):
        t = self.server.state.templates
        echo = re.compile(r'\s(startItem|maxCountItem|vulnId)="[^"]*"')
        error = dict(method=method, retCd="1", retMax="", errCd=code, errMsg=message,
                     totalRes="", totalResRet="", firstRes="")
        if method == "getVulnDetailInfo":
            status = set_attrs(echo.sub("", t.detail_status), **error)
            return t.detail_head + t.detail_handling + status + "\n</VULDEF-Document>\n"
        status = set_attrs(echo.sub("", t.status), **error)
        return t.root_open + status + "\n</rdf:RDF>\n"

    def do_GET(self):
        state = self.server.state
        arrival = time.monotonic() * 1000.0
        parsed = urllib.parse.urlsplit(self.path)
        parts = parsed.path.strip("/").split("/")
        if len(parts) == 2 and parts[1] == "_log":
            with state.lock:
                lines = list(state.log.get(parts[0], []))
            return self.send(200, "".join(line + "\n" for line in lines), "text/plain")
        if len(parts) == 2 and parts[1] == "_touch":
            touch = urllib.parse.parse_qs(parsed.query)
            with state.lock:
                state.touched[(parts[0], touch["id"][0])] = touch["updated"][0]
            return self.send(200, "touched\n", "text/plain")
        if len(parts) != 3 or parts[2] != "myjvn":
            return self.send(404, "no such path\n", "text/plain")
        token, scenario = parts[0], parts[1]
        with state.lock:
            state.log.setdefault(token, []).append("%.3f %s" % (arrival, self.path))
            key = (token, parsed.query)
            state.counts[key] = state.counts.get(key, 0) + 1
            first_of_query = state.counts[key] == 1
            token_calls = len(state.log[token])

        # a literal '+' separates ids (parse_qs would turn it into a space: split first)
        raw = {}
        for pair in parsed.query.split("&"):
            name, _, value = pair.partition("=")
            raw[name] = value
        query = {name: urllib.parse.unquote(value) for name, value in raw.items()}
        method = query.get("method", "")

        if scenario == "flaky500" and first_of_query:
            return self.send(500, "internal error\n", "text/plain")
        if scenario == "fail500":
            return self.send(500, "internal error\n", "text/plain")
        if scenario == "retryafter" and token_calls == 1:
            return self.send(503, "busy\n", "text/plain", [("Retry-After", "1")])
        if scenario == "stall" and token_calls == 1 and method == "getVulnOverviewList":
            time.sleep(state.stall)
        if method == "getAlertList":
            if scenario == "error":
                return self.send(200, self.alert_error(query, *BAD_ALERT_YEAR))
            return self.alert_list(token, query)
        if scenario == "error":
            return self.send(200, self.error_doc(method or "getVulnOverviewList", *BAD_START))

        if query.get("feed") != "hnd":
            return self.send(200, self.error_doc(method, "VL01020001", "feed must be hnd"))
        if method == "getVulnOverviewList":
            return self.overview(query)
        if method == "getVulnDetailInfo":
            if scenario == "detail500":
                return self.send(500, "internal error\n", "text/plain")
            if scenario == "detailerror":
                return self.send(200, self.error_doc(method, "VD01020099",
                                                     "サーバ側でエラーが発生しました。"))
            return self.detail(raw, query)
        return self.send(200, self.error_doc(method, "MY01020001", "unknown method"))

    def overview(self, query):
        state = self.server.state
        method = "getVulnOverviewList"
        try:
            start = int(query.get("startItem", "1"))
            count = int(query.get("maxCountItem", "50"))
        except ValueError:
            return self.send(200, self.error_doc(method, *BAD_START))
        if start < 1:
            return self.send(200, self.error_doc(method, *BAD_START))
        if count < 1 or count > 50:
            return self.send(200, self.error_doc(method, "VL01020004",
                                                 "maxCountItem is 1 to 50"))
        for name in ("rangeDatePublic", "rangeDatePublished", "rangeDateFirstPublished"):
            if query.get(name) != "n":
                return self.send(200, self.error_doc(method, "VL01020010",
                                                     name + " must be n for a date window"))
        first_day = date_param(query, "datePublishedStart")
        last_day = date_param(query, "datePublishedEnd")
        if first_day is None or last_day is None:
            return self.send(200, self.error_doc(method, "VL01020011",
                                                 "datePublished Start/End Y/M/D missing"))
        last_day += datetime.timedelta(days=1)
        listing = state.listing
        selected = [i for i, (_, when) in enumerate(listing.entries)
                    if first_day <= when < last_day]
        page = selected[start - 1:start - 1 + count]
        t = state.templates
        head = t.head.replace("<rdf:Seq>", "<rdf:Seq>\n" + "".join(
            '        <rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/2025/%s.html" />\n'
            % listing.entries[i][0] for i in page), 1)
        status = set_attrs(t.status, totalRes=str(len(selected)), totalResRet=str(len(page)),
                           firstRes=str(start) if page else "", maxCountItem=str(count),
                           startItem=str(start))
        body = head + "".join("  " + listing.item(i) + "\n" for i in page) + "  " + status + \
            "\n</rdf:RDF>\n"
        return self.send(200, body)

    def alert_status(self, query, **values):
        echo = "".join(' %s="%s"' % (name, query[name])
                       for name in ("startItem", "maxCountItem", "datePublished") if name in query)
        return ALERT_STATUS % dict(values, echo=echo)

    def alert_error(self, query, code, message):
        now = datetime.datetime.now().strftime(STAMP)
        return ALERT_HEAD % dict(now=now) + self.alert_status(
            query, retCd="1", retMax="", errCd=code, errMsg=message, totalRes="",
            totalResRet="", firstRes="")

    def alert_list(self, token, query):
        state = self.server.state
        if query.get("feed") != "hnd":
            return self.send(200, self.alert_error(query, "AL01020001", "feed must be hnd"))
        try:
            start = int(query.get("startItem") or "1")
            count = int(query.get("maxCountItem") or "50")
        except ValueError:
            return self.send(200, self.alert_error(query, *BAD_ALERT_START))
        if start < 1:
            return self.send(200, self.alert_error(query, *BAD_ALERT_START))
        if count < 1 or count > 50:
            return self.send(200, self.alert_error(query, "AL01020004", "maxCountItem is 1 to 50"))
        year = query.get("datePublished", "")
        if year and not re.fullmatch(r"\d{4}", year):
            return self.send(200, self.alert_error(query, *BAD_ALERT_YEAR))
        if query.get("ft", "xml") not in ("", "xml"):
            return self.send(200, self.alert_error(query, "AL01020010",
                                                   "the emulator answers ft=xml only"))
        selected = [e for e in state.alerts.entries if not year or e[2] == int(year)]
        page = selected[start - 1:start - 1 + count]
        now = datetime.datetime.now().strftime(STAMP)
        body = ALERT_HEAD % dict(now=now)
        if not selected:
            body += ("  <entry>\n    <title>%s</title>\n    <id></id>\n    <updated>%s</updated>\n"
                     "  </entry>\n" % (NO_MATCH, now))
        with state.lock:
            touched = {ident: when for (t, ident), when in state.touched.items() if t == token}
        for ident, n, y, published, updated in page:
            body += ALERT_ENTRY % dict(id=ident, n=n, year=y, published=published,
                                       updated=touched.get(ident, updated))
        body += self.alert_status(query, retCd="0", retMax="50", errCd="", errMsg="",
                                  totalRes=str(len(selected)), totalResRet=str(len(page)),
                                  firstRes=str(start) if page else "")
        return self.send(200, body)

    def detail(self, raw, query):
        state = self.server.state
        method = "getVulnDetailInfo"
        ids = [urllib.parse.unquote(i) for i in raw.get("vulnId", "").split("+") if i]
        if not ids:
            return self.send(200, self.error_doc(method, "VD01020001", "vulnId is required"))
        if len(ids) > 10 or int(query.get("maxCountItem", "10")) > 10:
            return self.send(200, self.error_doc(method, "VD01020004", "at most 10 ids"))
        known = [i for i in ids if i in state.listing.by_id]
        t = state.templates
        status = set_attrs(t.detail_status, totalRes=str(len(known)),
                           totalResRet=str(len(known)), firstRes="1" if known else "",
                           vulnId=raw.get("vulnId", ""))
        body = t.detail_head + "".join(state.listing.vulinfo(i) + "\n  " for i in known) + \
            t.detail_handling + status + "\n</VULDEF-Document>\n"
        return self.send(200, body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures")
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--stall", type=float, default=3.0)
    parser.add_argument("--alerts", type=int, default=60)
    parser.add_argument("--alerts-year", type=int, default=datetime.date.today().year)
    parser.add_argument("--alerts-last", type=int, default=3)
    args = parser.parse_args()
    templates = Templates.fixtures(args.fixtures) if args.fixtures else Templates.written()
    listing = Listing(templates, args.items)
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State(templates, listing, args.stall,
                         Alerts(args.alerts_year, args.alerts, args.alerts_last))
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
