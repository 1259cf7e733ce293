#!/usr/bin/python3
"""`vulnwatch vex export` end to end (issue 14 part 3, docs/vex.md), with the real binary and
BSI's @secvisogram/csaf-validator-lib (tests/js/check_csaf.js: the strict schema and every
mandatory test, offline):

- a product whose versions have affected (fixed in a later version), not-affected and open
  cases: one vulnerability with known_affected + remediation, known_not_affected + justification
  flag and impact statement, fixed and under_investigation;
- a vulnerability JVN names and no CVE (a feed written for this test): no `cve`, JVN ids;
- a product with 200 components: each a full product name with purl and CPE, joined to the
  version by default_component_of;
- a product with no case: an informational advisory saying so;
- every document passes the validator; two exports of the same state are byte-identical; a
  transition adds a revision and raises the version, an SSVC change (no content) does not;
- mutations (a product reference removed from the tree, a not-affected without justification)
  are caught by the validator;
- bad requests exit 2 with a clear message.
Needs no loopback server. Without node or the validator package the test skips loudly (under
CI=true it fails)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

CHECKER = os.path.join(t.SOURCE_DIR, "tests", "js", "check_csaf.js")
NODE_MODULES = os.path.join(t.SOURCE_DIR, "node_modules")
PRODUCT = "Example Imaging Viewer"

# Written for this test (not a JVN file): one JVN iPedia RSS item that names a JVNDB id and a
# JVN# advisory and no CVE, about a CPE of the Infusion Pump Console.
JVN_ONLY_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:sec="http://jvn.jp/rss/mod_sec/" xml:lang="ja">
  <channel rdf:about="https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf">
    <title>vulnwatch test feed</title>
    <link>https://jvndb.jvn.jp/</link>
    <description>written for tests/e2e/test_vex.py</description>
    <items><rdf:Seq>
      <rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000999.html"/>
    </rdf:Seq></items>
  </channel>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000999.html">
    <title>テスト用: 輸液ポンプ管理コンソールにおけるクロスサイトスクリプティングの脆弱性</title>
    <link>https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-000999.html</link>
    <description>テスト用に書いた項目です。CVE 番号はありません。</description>
    <sec:identifier>JVNDB-2024-000999</sec:identifier>
    <sec:references source="JVN" id="JVN#99999999">https://jvn.jp/jp/JVN99999999/</sec:references>
    <sec:cpe version="2.2" vendor="Example" product="Pump Console">cpe:/a:example:pump_console</sec:cpe>
    <sec:cvss version="3.0" score="6.1" type="Base" severity="Medium" vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"/>
    <dc:date>2024-05-10T10:00+09:00</dc:date>
    <dcterms:issued>2024-05-10T10:00+09:00</dcterms:issued>
    <dcterms:modified>2024-05-10T10:00+09:00</dcterms:modified>
  </item>
</rdf:RDF>
"""


def node_missing():
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.isfile(os.path.join(NODE_MODULES, "@secvisogram", "csaf-validator-lib",
                                       "package.json")):
        return "missing: " + os.path.join(NODE_MODULES, "@secvisogram", "csaf-validator-lib")
    return None


def validate(paths, expect_fail=None):
    """check_csaf.js --json on the files: {file: result}."""
    args = ["node", CHECKER, "--json"]
    if expect_fail:
        args += ["--expect-fail", expect_fail]
    p = subprocess.run(args + paths, capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, NODE_PATH=NODE_MODULES))
    results = {}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            results[r["file"]] = r
    if p.returncode not in (0, 1) or len(results) != len(paths):
        print("check_csaf.js exited %d:\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
    return p.returncode, results


def export(db, *args, check_rc=0):
    return t.run(["vex", "export"] + list(args), db=db, check_rc=check_rc)


def transition(db, case_id, state, *fields, by="佐藤"):
    return t.run(["cases", "transition", str(case_id), state, "--by", by] + list(fields), db=db,
                 check_rc=0)


def products_json(work):
    log4j = {"vendor": "apache", "name": "log4j-core", "version": "2.14.1",
             "cpe": "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
             "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}
    large = [dict(log4j)]
    for i in range(199):
        large.append({"vendor": "example", "name": "lib%03d" % i, "version": "1.%d" % (i % 7),
                      "cpe": "cpe:2.3:a:example:lib%03d:1.%d:*:*:*:*:*:*:*" % (i, i % 7),
                      "purl": "pkg:npm/lib%03d@1.%d" % (i, i % 7)})
    registry = {"products": [
        {"name": PRODUCT, "keywords": ["Log4j"],
         "versions": [{"version": v, "components": [dict(log4j)]}
                      for v in ("3.1", "3.2", "3.3", "3.4")]},
        {"name": "Infusion Pump Console", "cpes": ["cpe:/a:example:pump_console"],
         "versions": [{"version": "2.0"}]},
        {"name": "Large Console", "versions": [{"version": "5.0", "components": large}]},
        {"name": "Quiet Monitor", "versions": [{"version": "1.0", "components": [
            {"name": "zlib", "version": "1.3.1", "purl": "pkg:generic/zlib@1.3.1"}]}]},
    ]}
    path = os.path.join(work, "products.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(registry, f, ensure_ascii=False)
    return path


def cases_of(db, product, version):
    p = t.run(["cases", "list", "--json", "--product", product, "--version", version], db=db,
              check_rc=0)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def version_id(doc, version):
    def walk(branches):
        for b in branches:
            if b.get("category") == "product_version" and b["name"] == version:
                return b["product"]["product_id"]
            found = walk(b.get("branches", []))
            if found:
                return found
        return None
    return walk(doc["product_tree"].get("branches", []))


def main():
    missing = node_missing()
    if missing:
        if os.environ.get("CI") == "true":
            sys.exit("FAIL: CI=true and the node packages are not installed (%s); run bash "
                     "scripts/install-deps.sh (npm ci)" % missing)
        print("#" * 74)
        print("# NODE PACKAGES MISSING (%s)" % missing)
        print("# The VEX export test did not run. Install the packages with")
        print("#   bash scripts/install-deps.sh      (runs npm ci)")
        print("#" * 74)
        return
    work = tempfile.mkdtemp(prefix="vw-vex-")
    try:
        run_all(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def run_all(work):
    db = os.path.join(work, "vex.db")
    t.run(["products", "import", products_json(work)], db=db, check_rc=0)
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], db=db,
          check_rc=0)
    feed = os.path.join(work, "jvn_only.rdf")
    with open(feed, "w", encoding="utf-8") as f:
        f.write(JVN_ONLY_FEED)
    t.run(["import", feed], db=db, check_rc=0)

    ids = {}
    for v in ("3.1", "3.2", "3.3", "3.4"):
        listed = [c for c in cases_of(db, PRODUCT, v) if c["cluster_key"] == "JVNDB-2021-005429"]
        t.check(len(listed) == 1, "Log4Shell opened a case for %s %s" % (PRODUCT, v))
        ids[v] = listed[0]["id"] if listed else 0
    # 3.2: fixed in 3.5 and closed; 3.3: not affected; 3.4: a mitigation in preparation; 3.1 open.
    transition(db, ids["3.2"], "confirming", "--assignee", "田中")
    transition(db, ids["3.2"], "evaluating", "--finding", "log4j-core 2.14.1 を同梱")
    transition(db, ids["3.2"], "responding", "--risk", "uncontrolled", "--assessment",
               "院内 LAN から到達可能", "--action", "fix", "--target-version", "3.5")
    transition(db, ids["3.2"], "informing", "--remedy", "バージョン 3.5 を公開しました",
               "--fixed-version", "3.5")
    transition(db, ids["3.2"], "closed", "--notice", "医療機関向け通知 2026-001")
    transition(db, ids["3.3"], "confirming", "--assignee", "田中")
    transition(db, ids["3.3"], "evaluating", "--finding", "JNDI Lookup は無効化済み")
    transition(db, ids["3.3"], "not_affected", "--justification",
               "vulnerable_code_not_in_execute_path", "--impact",
               "JndiLookup クラスを削除して出荷しているため影響はありません")
    transition(db, ids["3.4"], "confirming", "--assignee", "田中")
    transition(db, ids["3.4"], "evaluating", "--finding", "同梱")
    transition(db, ids["3.4"], "responding", "--risk", "controlled", "--assessment",
               "閉域網のみ", "--action", "mitigation")

    out = os.path.join(work, "docs")
    os.makedirs(out)
    files = {}

    def save(name, *args):
        p = export(db, *args)
        path = os.path.join(out, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(p.stdout)
        files[name] = path
        try:
            return json.loads(p.stdout)
        except ValueError:
            t.check(False, "%s is JSON" % name)
            return {}

    mixed = save("mixed.json", "--product", PRODUCT, "--publisher", "Example Medical K.K.",
                 "--namespace", "https://psirt.example.jp/")
    jvn_only = save("jvn-only.json", "--product", "Infusion Pump Console", "--version", "2.0")
    large = save("large.json", "--product", "Large Console", "--version", "5.0")
    quiet = save("quiet.json", "--product", "Quiet Monitor")
    one_case = save("case.json", "--case", str(ids["3.3"]), "--lang", "en")

    rc, results = validate(sorted(files.values()))
    t.check(rc == 0, "check_csaf.js passes every exported document")
    for name, path in sorted(files.items()):
        r = results.get(path, {})
        t.check(r.get("isValid") is True,
                "%s passes the strict schema and every mandatory test of csaf-validator-lib "
                "(failed: %s)" % (name, r.get("errors")))

    # The product with affected, fixed, not-affected and open cases.
    t.check(mixed.get("document", {}).get("category") == "csaf_vex", "the product's document is a VEX")
    vulns = mixed.get("vulnerabilities", [])
    t.check(len(vulns) == 1 and vulns[0].get("cve") == "CVE-2021-44228",
            "one vulnerability, by its CVE")
    v = vulns[0] if vulns else {}
    status = v.get("product_status", {})
    pv = {x: version_id(mixed, x) for x in ("3.1", "3.2", "3.3", "3.4", "3.5")}
    t.check(pv["3.2"] in status.get("known_affected", []) and
            pv["3.4"] in status.get("known_affected", []),
            "3.2 (closed) and 3.4 (responding) are known_affected")
    t.check(pv["3.3"] in status.get("known_not_affected", []), "3.3 is known_not_affected")
    t.check(status.get("fixed") == [pv["3.5"]], "3.5, the fixed version, is fixed")
    t.check(pv["3.1"] in status.get("under_investigation", []), "3.1 is under_investigation")
    flags = [f for f in v.get("flags", []) if pv["3.3"] in f["product_ids"]]
    t.check(len(flags) == 1 and flags[0]["label"] == "vulnerable_code_not_in_execute_path",
            "the not-affected version carries its justification flag")
    threats = [x for x in v.get("threats", []) if pv["3.3"] in x["product_ids"]]
    t.check(len(threats) == 1 and threats[0]["category"] == "impact" and
            "JndiLookup" in threats[0]["details"], "... and its impact statement")
    remediations = {r["category"]: r for r in v.get("remediations", [])}
    t.check("vendor_fix" in remediations and pv["3.2"] in remediations["vendor_fix"]["product_ids"]
            and "3.5" in remediations["vendor_fix"]["details"],
            "the closed case's remedy is a vendor_fix naming 3.5")
    t.check("none_available" in remediations and
            pv["3.4"] in remediations["none_available"]["product_ids"],
            "the mitigation in preparation: none_available yet")
    ids_text = [i["text"] for i in v.get("ids", [])]
    t.check("JVNDB-2021-005429" in ids_text and "JVNVU#96768815" in ids_text,
            "the JVN ids are in ids (%r)" % ids_text)
    scores = v.get("scores", [])
    t.check(len(scores) == 1 and scores[0]["cvss_v3"]["baseScore"] == 10.0 and
            scores[0]["cvss_v3"]["baseSeverity"] == "CRITICAL", "the CVSS v3 score")
    rels = mixed.get("product_tree", {}).get("relationships", [])
    t.check(len(rels) == 4 and all(r["category"] == "default_component_of" for r in rels),
            "log4j-core is a default_component_of each of the four versions")
    t.check(mixed["document"]["publisher"]["name"] == "Example Medical K.K.",
            "--publisher names the publisher")
    revisions = mixed["document"]["tracking"]["revision_history"]
    t.check(mixed["document"]["tracking"]["version"] == str(len(revisions)) and len(revisions) >= 15,
            "the revision history holds the registrations and the case events (%d)" % len(revisions))
    t.check(mixed["document"]["tracking"]["status"] == "interim",
            "open cases make the document interim")

    # JVN only: no CVE.
    jv = jvn_only.get("vulnerabilities", [])
    t.check(len(jv) == 1 and "cve" not in jv[0], "the JVN-only vulnerability has no cve")
    if jv:
        jids = {(i["system_name"], i["text"]) for i in jv[0].get("ids", [])}
        t.check(("JVN iPedia", "JVNDB-2024-000999") in jids and ("JVN", "JVN#99999999") in jids,
                "its JVN ids are in ids (%r)" % jids)
        t.check(jv[0].get("scores", [{}])[0].get("cvss_v3", {}).get("version") == "3.1",
                "its CVSS 3.1 vector keeps its version")

    # 200 components.
    names = large.get("product_tree", {}).get("full_product_names", [])
    t.check(len(names) == 200, "200 components are full product names (%d)" % len(names))
    t.check(all(n.get("product_identification_helper", {}).get("purl", "").startswith("pkg:")
                and "cpe" in n["product_identification_helper"] for n in names),
            "each with its purl and CPE")
    t.check(len(large.get("product_tree", {}).get("relationships", [])) == 200,
            "each joined to Large Console 5.0")

    # No case: an informational advisory.
    t.check(quiet.get("document", {}).get("category") == "csaf_informational_advisory" and
            "vulnerabilities" not in quiet, "a product without cases gets an informational advisory")
    t.check("ありません" in quiet.get("document", {}).get("notes", [{}])[0].get("text", ""),
            "... saying that no known vulnerability affects it")

    # An SBOM import into the version is a revision of its own.
    t.run(["products", "import-sbom",
           os.path.join(t.SOURCE_DIR, "demo", "sbom_gateway-1.9_written_for_vulnwatch.cdx.json"),
           "--product", "Quiet Monitor", "--version", "1.0"], db=db, check_rc=0)
    quiet2 = json.loads(export(db, "--product", "Quiet Monitor").stdout or "{}")
    history = quiet2.get("document", {}).get("tracking", {}).get("revision_history", [])
    t.check(int(quiet2.get("document", {}).get("tracking", {}).get("version", "0")) >
            int(quiet["document"]["tracking"]["version"]) and
            any("imported SBOM" in r["summary"] for r in history),
            "an SBOM import adds a revision (%r)" % [r["summary"] for r in history])
    t.check(len(quiet2.get("product_tree", {}).get("full_product_names", [])) > 1,
            "... and its components are in the product tree")

    # One case, in English.
    t.check(one_case.get("document", {}).get("lang") == "en" and
            len(one_case.get("vulnerabilities", [])) == 1 and
            one_case["document"]["tracking"]["id"] == "VW-VEX-CASE-%d" % ids["3.3"],
            "--case exports the one case")

    # Determinism and the version.
    again = export(db, "--product", PRODUCT, "--publisher", "Example Medical K.K.", "--namespace",
                   "https://psirt.example.jp/").stdout
    with open(files["mixed.json"], encoding="utf-8") as f:
        first = f.read()
    t.check(again == first, "the same state exports byte-identical documents")
    out_file = os.path.join(work, "out.json")
    p = export(db, "--product", PRODUCT, "--publisher", "Example Medical K.K.", "--namespace",
               "https://psirt.example.jp/", "--out", out_file)
    with open(out_file, encoding="utf-8") as f:
        t.check(f.read() == first and p.stdout == "", "--out writes the same bytes to the file")
    t.run(["cases", "ssvc", str(ids["3.1"]), "--by", "佐藤", "--exploitation", "poc"], db=db,
          check_rc=0)
    after_ssvc = export(db, "--product", PRODUCT, "--publisher", "Example Medical K.K.",
                        "--namespace", "https://psirt.example.jp/").stdout
    t.check(after_ssvc == first, "an SSVC change (not stated in the document) changes nothing")
    transition(db, ids["3.1"], "confirming", "--assignee", "鈴木")
    changed = json.loads(export(db, "--product", PRODUCT, "--publisher", "Example Medical K.K.",
                                "--namespace", "https://psirt.example.jp/").stdout)
    t.check(int(changed["document"]["tracking"]["version"]) ==
            int(mixed["document"]["tracking"]["version"]) + 1,
            "a transition raises the version by one (%s -> %s)" %
            (mixed["document"]["tracking"]["version"], changed["document"]["tracking"]["version"]))
    t.check(changed["document"]["tracking"]["revision_history"][:-1] == revisions,
            "... keeping the earlier revisions as they were")
    t.check(changed["document"]["tracking"]["initial_release_date"] ==
            mixed["document"]["tracking"]["initial_release_date"],
            "... and the initial release date")

    # Mutations the validator must catch.
    broken_ref = json.loads(first)
    gone = pv["3.3"]
    for b in broken_ref["product_tree"]["branches"][0]["branches"]:
        b["branches"] = [x for x in b.get("branches", []) if x["product"]["product_id"] != gone]
    broken_ref["product_tree"]["relationships"] = [
        r for r in broken_ref["product_tree"]["relationships"]
        if r["relates_to_product_reference"] != gone]
    bv = broken_ref["vulnerabilities"][0]
    bv["product_status"]["known_not_affected"] = [gone]
    for key in ("flags", "threats"):
        for x in bv.get(key, []):
            x["product_ids"] = [gone]
    path_ref = os.path.join(out, "broken-missing-product.json")
    with open(path_ref, "w", encoding="utf-8") as f:
        json.dump(broken_ref, f, ensure_ascii=False)
    rc, results = validate([path_ref], expect_fail="mandatoryTest_6_1_1")
    t.check(rc == 0 and results.get(path_ref, {}).get("isValid") is False,
            "the validator catches a product reference missing from the tree (6.1.1)")

    broken_just = json.loads(first)
    bv = broken_just["vulnerabilities"][0]
    bv.pop("flags", None)
    bv.pop("threats", None)
    path_just = os.path.join(out, "broken-no-justification.json")
    with open(path_just, "w", encoding="utf-8") as f:
        json.dump(broken_just, f, ensure_ascii=False)
    rc, results = validate([path_just], expect_fail="mandatoryTest_6_1_27_9")
    t.check(rc == 0 and results.get(path_just, {}).get("isValid") is False,
            "the validator catches a not-affected without justification (6.1.27.9)")

    # Bad requests.
    p = export(db, "--product", "No Such Product", check_rc=2)
    t.check("no product named 'No Such Product'" in p.stderr, "an unknown product is named")
    p = export(db, "--product", PRODUCT, "--version", "9.9", check_rc=2)
    t.check("has no version '9.9'" in p.stderr and "3.1" in p.stderr,
            "an unknown version is named with the known ones (%r)" % p.stderr)
    p = export(db, "--case", "999", check_rc=2)
    t.check("there is no case 999" in p.stderr, "an unknown case is named")
    p = export(db, "--product", PRODUCT, "--case", "1", check_rc=2)
    t.check("either --product NAME or --case ID" in p.stderr, "--product with --case is refused")
    p = export(db, "--product", PRODUCT, "--namespace", "psirt.example.jp", check_rc=2)
    t.check("--namespace must be" in p.stderr, "a namespace that is no web address is refused")


if __name__ == "__main__":
    main()
