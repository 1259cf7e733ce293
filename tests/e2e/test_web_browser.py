#!/usr/bin/python3
"""The pages in a real browser (issue 13 "Tests"; docs/testing.md "Browser tests"): Debian's
chromium driven by the npm package playwright-core (tests/js/browser/pages_test.js), with
axe-core injected in every page visited.

This script builds the store (the demo's products and feed, a feed written for this test whose
titles are hostile markup, users made with `vulnwatch users add … --password-file`), starts
`vulnwatch serve` on a free loopback port, runs the browser flows with node, stops the server and
checks in the store what the browser did (the transition audited with the user, nothing changed
by the refused posts, the hospital notice approved by a second person). For the case page's
"Hospital notices" section with letters and forms, a case opened by hand is taken to `informing`,
given an install base (`installbase import`) and a notice prepared by the administrator
(`notices prepare`): the triager approves it in the browser. Screenshots go to $VULNWATCH_ARTIFACTS_DIR/screenshots (the build dir's
test-artifacts/ by default).

Without node, the node packages (npm ci) or chromium it prints "BROWSER TESTS SKIPPED" and exits
77 (ctest: skipped); under CI=true it fails instead. Needs no loopback test server."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402
import web_support as ws  # noqa: E402

SKIP_EXIT = 77
PASSWORD = "browser test password 8"
PUMP = "Infusion Pump Console"
GATEWAY = "Bedside Monitor Gateway"
HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'
NODE_SECONDS = 240
NOTICE_TITLE = "輸液ポンプ操作卓の保守用ポートにおける認証回避 (ブラウザテスト用)"
# The install base of the notice case (docs/installbase.md): two sites, a hospital and its
# lessor at one, the hospital at the other; the addresses are made up.
INSTALL_BASE_CSV = """施設名,施設ID,製品,バージョン,台数,担当者,メールアドレス,電話番号,宛先種別,備考
○○総合病院,H-0001,{product},{version},12,山田 太郎,it@hospital.example.jp,03-0000-0000,病院,
○○総合病院,H-0001,{product},{version},12,佐藤 花子,lease@lessor.example.jp,,リース会社,"リース契約 2026-001"
△△市民病院,H-0002,{product},{version},4,鈴木 一郎,joho@shimin.example.jp,,病院,3階 臨床工学室
"""

# Two advisories for the demo's Infusion Pump Console (cpe:/a:example:pump_console) whose titles
# and summary are markup: the cases they open carry them to every page.
HOSTILE_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written for the vulnwatch browser test (tests/e2e/test_web_browser.py), in the JVN iPedia
     RSS 1.0 + mod_sec format; the identifiers are made up. -->
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:sec="http://jvn.jp/rss/mod_sec/" xml:lang="ja">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf">
    <title>JVNDB RSS Feed - New Entry</title>
    <link>https://jvndb.jvn.jp/</link>
    <description>hostile titles written for the vulnwatch browser test</description>
    <dc:date>2026-11-21T12:00:00+09:00</dc:date>
    <items><rdf:Seq>
      <rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-900001.html"/>
      <rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/2026/JVNDB-2026-900002.html"/>
    </rdf:Seq></items>
  </channel>
{items}
</rdf:RDF>
"""
HOSTILE_ITEM = """  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2026/{id}.html">
    <title>{title}</title>
    <link>https://jvndb.jvn.jp/ja/contents/2026/{id}.html</link>
    <description>{summary}</description>
    <sec:identifier>{id}</sec:identifier>
    <sec:references source="CVE" id="{cve}">https://www.cve.org/CVERecord?id={cve}</sec:references>
    <sec:cpe version="2.2" vendor="Example" product="Pump Console"
      >cpe:/a:example:pump_console</sec:cpe>
    <sec:cvss version="3.0" score="{score}" type="Base" severity="{severity}" vector="{vector}"/>
    <dc:date>{date}T10:00+09:00</dc:date>
    <dcterms:issued>{date}T10:00+09:00</dcterms:issued>
    <dcterms:modified>{date}T10:00+09:00</dcterms:modified>
  </item>"""


def xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hostile_feed():
    items = [
        HOSTILE_ITEM.format(id="JVNDB-2026-900001", cve="CVE-2026-90001", date="2026-11-20",
                            title=xml_text(HOSTILE_SCRIPT),
                            summary=xml_text(HOSTILE_ATTR + " (written for the browser test)"),
                            score="9.8", severity="Critical",
                            vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        HOSTILE_ITEM.format(id="JVNDB-2026-900002", cve="CVE-2026-90002", date="2026-11-21",
                            title=xml_text(HOSTILE_ATTR),
                            summary=xml_text(HOSTILE_SCRIPT + " (written for the browser test)"),
                            score="7.5", severity="High",
                            vector="CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),
    ]
    return HOSTILE_FEED.format(items="\n".join(items))


def prerequisites():
    """node, playwright-core, axe-core and chromium, or the loud skip (a failure under CI)."""
    chromium = os.environ.get("VULNWATCH_CHROMIUM", "/usr/bin/chromium")
    modules = os.path.join(t.SOURCE_DIR, "node_modules")
    missing = []
    if not shutil.which("node"):
        missing.append("node (apt-get install nodejs)")
    for pkg in ("playwright-core", "axe-core"):
        if not os.path.isfile(os.path.join(modules, pkg, "package.json")):
            missing.append(os.path.join(modules, pkg) + " (npm ci)")
    if not os.access(chromium, os.X_OK):
        missing.append(chromium + " (apt-get install chromium)")
    if not missing:
        return chromium, modules
    if os.environ.get("CI") == "true":
        # Not the skip banner and not exit 77: ctest would count that as skipped.
        print("FAIL CI=true and the browser test's prerequisites are missing: %s; run bash "
              "scripts/install-deps.sh" % "; ".join(missing))
        sys.exit(1)
    print("##########################################################################")
    print("# BROWSER TESTS SKIPPED: missing %s" % "; ".join(missing))
    print("# The pages were not tested in a browser. Install the prerequisites with")
    print("#   bash scripts/install-deps.sh      (chromium from Debian, npm ci)")
    print("##########################################################################")
    sys.exit(SKIP_EXIT)


def japanese_font_note():
    """Screenshots need a Japanese font to be readable (the checks do not)."""
    try:
        fonts = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        fonts = ""
    if not fonts:
        print("NOTE: no Japanese font is installed (fc-list :lang=ja): the screenshots show "
              "boxes for Japanese text; apt-get install fonts-ipafont-gothic")


def artifacts_dir():
    path = os.environ.get("VULNWATCH_ARTIFACTS_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(t.BINARY))), "test-artifacts")
    shots = os.path.join(path, "screenshots")
    shutil.rmtree(shots, ignore_errors=True)  # only this run's pictures
    os.makedirs(shots)
    return shots


def make_store(work):
    db = os.path.join(work, "browser.db")
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          db=db, check_rc=0)
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], db=db,
          check_rc=0)
    feed = os.path.join(work, "hostile_written_for_vulnwatch.rdf")
    with open(feed, "w", encoding="utf-8") as f:
        f.write(hostile_feed())
    t.run(["import", feed], db=db, check_rc=0)
    pw = os.path.join(work, "password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(pw, 0o600)
    users = {"admin": ("alice", "admin", []), "viewer": ("vic", "viewer", []),
             "triager": ("tomo", "triager", [PUMP, GATEWAY])}
    for name, role, products in users.values():
        args = ["users", "add", name, "--role", role, "--password-file", pw, "--by", "setup"]
        for p in products:
            args += ["--product", p]
        t.run(args, db=db, check_rc=0)
    return db, {k: {"name": v[0], "password": PASSWORD} for k, v in users.items()}


def prepare_notice(db, work, admin):
    """A case of PUMP opened by hand and taken to informing, its install base and a notice
    prepared by `admin` (the triager, a second person, may approve it). Returns (case, notice)
    ids, or None after a failed check."""
    p = t.run(["cases", "open", "--product", PUMP, "--version", "2.0", "--title", NOTICE_TITLE,
               "--by", "setup", "--severity", "High"], db=db, check_rc=0)
    m = re.search(r"case #(\d+) opened", p.stdout)
    t.check(m, "cases open names the new case (%s)" % p.stdout.strip())
    if not m:
        return None
    case_id = int(m.group(1))
    for state, fields in [
            ("confirming", ["--assignee", "佐藤"]),
            ("evaluating", ["--finding", "2.0 の保守用ポートで認証を回避できる"]),
            ("responding", ["--risk", "uncontrolled", "--assessment", "院内ネットワークから到達可能",
                            "--action", "fix", "--target-version", "2.1"]),
            ("informing", ["--remedy", "保守用ポートを院内のファイアウォールで遮断してください。\n"
                           "2.1 への更新をお願いします。", "--fixed-version", "2.1"])]:
        t.run(["cases", "transition", str(case_id), state, "--by", "setup"] + fields, db=db,
              check_rc=0)
    csv_path = os.path.join(work, "installbase.csv")
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write(INSTALL_BASE_CSV.format(product=PUMP, version="2.0"))
    t.run(["installbase", "import", csv_path, "--by", "setup"], db=db, check_rc=0)
    t.run(["notices", "prepare", "--case", str(case_id), "--user", admin], db=db, check_rc=0)
    p = t.run(["notices", "list", "--case", str(case_id), "--json"], db=db, check_rc=0)
    notices = json.loads(p.stdout)
    t.check(len(notices) == 1 and notices[0]["state"] == "draft"
            and len(notices[0]["letters"]) == 3,
            "a draft notice of case %d with 3 letters (%s)" % (case_id, p.stdout[:300]))
    if len(notices) != 1:
        return None
    return case_id, notices[0]["id"]


def notice_json(db, notice_id):
    p = t.run(["notices", "show", str(notice_id), "--json"], db=db, check_rc=0)
    return json.loads(p.stdout)


def cases_by_title(db):
    p = t.run(["cases", "list", "--json"], db=db, check_rc=0)
    # one JSON object per line
    items = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return {c.get("title", ""): c for c in items}


def case_json(db, case_id):
    p = t.run(["cases", "show", str(case_id), "--json"], db=db, check_rc=0)
    return json.loads(p.stdout)


class Server(ws.Serve):
    """`vulnwatch serve` on a free port ([web] listen = 127.0.0.1:0)."""

    def __init__(self, work, db):
        # A source, never polled (serve polls nothing), for the dashboard's health table.
        super().__init__(
            work, db, name="browser",
            config_text="[store]\npath = %s\n\n[web]\nlisten = 127.0.0.1:0\nmax_body = 20M\n\n"
            "[source.jvndb-new]\ntype = jvn-rss\nurl = http://127.0.0.1:9/never.rdf\n" % db)


def run_browser(modules, config):
    script = os.path.join(t.SOURCE_DIR, "tests", "js", "browser", "pages_test.js")
    env = dict(os.environ, NODE_PATH=modules)
    try:
        p = subprocess.run(["node", script, config["config_path"]], env=env,
                           timeout=NODE_SECONDS, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    except subprocess.TimeoutExpired as e:
        out = e.stdout or ""
        print(out if isinstance(out, str) else out.decode(errors="replace"))
        t.check(False, "the browser flows end within %d s" % NODE_SECONDS)
        return
    print(p.stdout)
    t.check(p.returncode == 0, "the browser flows pass (node exit %d; FAIL lines above)"
            % p.returncode)


def main():
    chromium, modules = prerequisites()
    shots = artifacts_dir()
    japanese_font_note()
    work = tempfile.mkdtemp(prefix="vw-browser-")
    try:
        run_all(work, chromium, modules, shots)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def run_all(work, chromium, modules, shots):
    db, users = make_store(work)
    cases = cases_by_title(db)
    script_case = cases.get(HOSTILE_SCRIPT)
    attr_case = cases.get(HOSTILE_ATTR)
    t.check(script_case and attr_case and script_case["product"] == PUMP,
            "the hostile feed opened two cases of %s (%s)" % (PUMP, sorted(cases)))
    if not (script_case and attr_case):
        return
    gateway = [c for c in cases.values() if c["product"] == GATEWAY]
    t.check(len(gateway) == 1, "the demo feed opened a case of %s" % GATEWAY)
    if not gateway:
        return
    before_attr = case_json(db, attr_case["id"])
    notice = prepare_notice(db, work, users["admin"]["name"])
    if not notice:
        return

    server = Server(work, db)
    try:
        config = {
            "base": server.base,
            "chromium": chromium,
            "screenshots": shots,
            "users": users,
            "hostile": [HOSTILE_SCRIPT, HOSTILE_ATTR],
            "case": script_case["id"],
            "other_case": attr_case["id"],
            "gateway_case": gateway[0]["id"],
            "sbom": os.path.join(t.SOURCE_DIR, "demo",
                                 "sbom_gateway-1.9_written_for_vulnwatch.cdx.json"),
            "sbom_product": GATEWAY,
            "sbom_version": "1.9",
            "assignee": "田中 (browser test)",
            "notice_case": notice[0],
            "notice": notice[1],
        }
        config["config_path"] = os.path.join(work, "browser.json")
        with open(config["config_path"], "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False)
        run_browser(modules, config)
    finally:
        rc = server.stop()
    t.check(rc == 0, "SIGTERM stops serve with exit 0 (%r)" % rc)
    # "2026-11-29T07:38:38Z debug [web] 127.0.0.1 GET /cases 303 0B 1ms"
    bad = [line for line in t.read_text(server.log_path).splitlines()
           if re.match(r"\S+ (error|critical) ", line)
           or re.search(r" (GET|HEAD|POST) \S+ 5\d\d ", line)]
    t.check(not bad, "the server logged no error and answered no 5xx (%s)" % bad[:5])

    # What the browser did, read back from the store with the CLI.
    after = case_json(db, script_case["id"])
    t.check(after["state"] == "confirming",
            "case %d is confirming after the browser's transition (%s)"
            % (script_case["id"], after["state"]))
    t.check(after.get("fields", {}).get("assignee") == config["assignee"],
            "the assignee typed in the form was stored (%r)" % after.get("fields"))
    moves = [e for e in after.get("events", []) if e.get("kind") == "case-transition"
             and e.get("actor") == users["triager"]["name"]]
    t.check(len(moves) == 1, "exactly one case event by %s: the refused and forged posts "
            "changed nothing (%s)" % (users["triager"]["name"],
                                      [(e.get("actor"), e.get("text")) for e in moves]))
    control = case_json(db, gateway[0]["id"])
    t.check(control["state"] == "confirming"
            and control.get("fields", {}).get("assignee") == "control",
            "the control post with the token moved case %d (%s)"
            % (gateway[0]["id"], control["state"]))
    other = case_json(db, attr_case["id"])
    t.check(other["state"] == before_attr["state"]
            and len(other.get("events", [])) == len(before_attr.get("events", [])),
            "the case the viewer and the forged posts aimed at is unchanged (%s, %d events)"
            % (other["state"], len(other.get("events", []))))
    p = t.run(["products", "export"], db=db, check_rc=0)
    versions = {(prod["name"], v["version"]): [c.get("name") for c in v.get("components", [])]
                for prod in json.loads(p.stdout)["products"] for v in prod.get("versions", [])}
    t.check("zlib" in versions.get((GATEWAY, config["sbom_version"]), []),
            "the SBOM uploaded in the browser is %s %s in the registry (%s)"
            % (GATEWAY, config["sbom_version"], versions.get((GATEWAY, config["sbom_version"]))))
    approved = notice_json(db, notice[1])
    t.check(approved["state"] == "approved"
            and approved["approved_by"] == users["triager"]["name"]
            and approved["prepared_by"] == users["admin"]["name"],
            "notice %d was approved in the browser by %s, a second person (%s, by %r)"
            % (notice[1], users["triager"]["name"], approved["state"],
               approved.get("approved_by")))
    p = t.run(["audit", "verify"], db=db)
    t.check(p.returncode == 0, "audit verify passes after the browser's changes (%s)"
            % p.stdout.strip()[-200:])
    pictures = sorted(f for f in os.listdir(shots) if f.endswith(".png"))
    t.check(len(pictures) >= 20, "screenshots saved in %s: %s" % (shots, ", ".join(pictures)))


if __name__ == "__main__":
    main()
