#!/usr/bin/python3
"""End to end: the real binary polls a CSAF provider over loopback HTTPS (`type = csaf`):
provider-metadata.json → ROLIE feed → the real CISA ICS Medical Advisories of
shared/fixtures/csaf (ICSMA-24-023-01, -163-01, -249-01, copied into the server's docroot with
their real .sha512 files) plus one document written here whose .sha512 is wrong: the good ones
are stored, the bad one is refused and logged with both hashes and nothing of it is stored. A JVN
record written here names CVE-2024-33606 first: CISA's ICSMA-24-163-01 joins its cluster and the
advisory covers it (`advisories show` lists both channels). A second poll fetches nothing new.
Then OpenPGP: with `keyring =` set to a GnuPG home holding a key the test generates, documents
signed by it are stored, one whose .asc does not match is refused, and CISA's own signatures
(key not in the keyring) are refused as unknown-key."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

import vwtest as t

t.require_fixtures("test_csaf_source")
CISA = os.path.join(t.FIXTURES, "csaf", "cisa", "2024")
NAMES = ["icsma-24-023-01", "icsma-24-163-01", "icsma-24-249-01"]

# A CSAF document written for this test (fictitious vendor and CVE).
BAD_DOC = json.dumps({
    "document": {
        "category": "csaf_security_advisory", "csaf_version": "2.0", "title": "Example Pump",
        "publisher": {"category": "vendor", "name": "Example", "namespace": "https://example.jp"},
        "tracking": {"id": "ICSMA-99-001-01", "status": "final", "version": "1",
                     "initial_release_date": "2024-01-01T00:00:00Z",
                     "current_release_date": "2024-01-01T00:00:00Z", "revision_history": []}},
    "vulnerabilities": [{"cve": "CVE-2099-0001", "title": "Example flaw"}],
}).encode()
WRONG_SHA512 = "0" * 128

JVN_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written for vulnwatch's tests: a made-up iPedia entry naming CVE-2024-33606. -->
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
  xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" xml:lang="ja">
  <channel rdf:about="https://jvndb.jvn.jp/">
    <title>JVNDB</title><link>https://jvndb.jvn.jp/</link><description>test</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-909090.html"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-909090.html">
    <title>MicroDicom DICOM Viewer における不適切な認可の脆弱性</title>
    <link>https://jvndb.jvn.jp/ja/contents/2024/JVNDB-2024-909090.html</link>
    <description>テスト用に作成した架空のエントリです。</description>
    <sec:identifier>JVNDB-2024-909090</sec:identifier>
    <sec:references source="CVE" id="CVE-2024-33606">https://www.cve.org/CVERecord?id=CVE-2024-33606</sec:references>
    <dc:date>2024-06-12T10:00:00+09:00</dc:date>
    <dcterms:issued>2024-06-12T10:00:00+09:00</dcterms:issued>
    <dcterms:modified>2024-06-12T10:00:00+09:00</dcterms:modified>
  </item>
</rdf:RDF>
"""


def read(path):
    with open(path, "rb") as f:
        return f.read()


def serve_provider(ws, docs, sign=None, bad_signature=None):
    """Writes provider-metadata.json, feed.json and the documents (name → bytes) with their
    .sha512 (WRONG_SHA512 for BAD_DOC) and, with `sign`, .asc files."""
    entries = []
    for name, data in docs.items():
        ws.serve(name + ".json", data)
        digest = WRONG_SHA512 if data == BAD_DOC else hashlib.sha512(data).hexdigest()
        ws.serve(name + ".json.sha512", ("%s  %s.json\n" % (digest, name)).encode())
        links = [{"rel": "self", "href": ws.feed_url(name + ".json", tls=True)},
                 {"rel": "hash", "href": ws.feed_url(name + ".json.sha512", tls=True)}]
        if sign is not None:
            signed = b"something else" if name == bad_signature else data
            ws.serve(name + ".json.asc", sign(signed))
            links.append({"rel": "signature", "href": ws.feed_url(name + ".json.asc", tls=True)})
        entries.append({"id": name.upper(), "title": name, "link": links,
                        "updated": "2024-06-11T06:00:00Z",
                        "content": {"src": links[0]["href"], "type": "application/json"}})
    ws.serve("feed.json", json.dumps({"feed": {"id": "test-feed", "title": "test",
                                               "updated": "2024-10-24T19:23:12Z",
                                               "entry": entries}}).encode())
    ws.serve("provider-metadata.json", json.dumps({
        "canonical_url": ws.feed_url("provider-metadata.json", tls=True),
        "metadata_version": "2.0", "list_on_CSAF_aggregators": False, "role": "csaf_provider",
        "publisher": {"category": "coordinator", "name": "Test", "namespace": "https://example.jp"},
        "distributions": [{"rolie": {"feeds": [
            {"summary": "TLP:WHITE", "tlp_label": "WHITE",
             "url": ws.feed_url("feed.json", tls=True)}]}}],
    }).encode())


def config(ws, extra=""):
    return ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[source.cisa-csaf]
type = csaf
url = {ws.feed_url("provider-metadata.json", tls=True)}
ca_file = {t.env("TS_CA_CERT")}
{extra}
""")


def query(ws, sql, *args):
    con = t.db_connect(ws.db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


# --- checksums, correlation, incremental polls ---------------------------------------------------
ws = t.Workspace("csaf")
docs = {name: read(os.path.join(CISA, name + ".json")) for name in NAMES}
docs["icsma-99-001-01"] = BAD_DOC
serve_provider(ws, docs)
# The real .sha512 files are served for the real documents (sha512sum format, upstream names).
for name in NAMES:
    ws.serve(name + ".json.sha512", read(os.path.join(CISA, name + ".json.sha512")))
cfg = config(ws)

p = t.run(["config", "check"], config=cfg, check_rc=0)
t.check("type = csaf" in p.stdout and "interval = 1h" in p.stdout and
        "keyring: not set" in p.stdout,
        "config check shows the csaf source, its hourly default and unchecked signatures")

jvn = ws.write("jvn.rdf", JVN_RSS)
t.run(["import", jvn], config=cfg, check_rc=0)

p = t.run(["poll", "--once"], config=cfg, check_rc=0)
bad_url = ws.feed_url("icsma-99-001-01.json", tls=True)
bad_hash = hashlib.sha512(BAD_DOC).hexdigest()
t.check("refused %s: SHA-512 mismatch" % bad_url in p.stderr,
        "the document with the wrong .sha512 is refused and logged by its URL: %r" % p.stderr[-1500:])
t.check(WRONG_SHA512 in p.stderr and bad_hash in p.stderr,
        "the log names the stated and the actual hash")
records = query(ws, "SELECT channel, record_id, source FROM record ORDER BY record_id")
csaf_ids = sorted(r[1] for r in records if r[0] == "cisa-csaf")
t.check(csaf_ids == ["CVE-2023-7238", "CVE-2024-28877", "CVE-2024-33606", "CVE-2024-6795",
                     "CVE-2024-6796"],
        "the five CVEs of the three good documents are stored: %s" % csaf_ids)
t.check(not any("2099" in r[1] for r in records) and
        query(ws, "SELECT count(*) FROM advisory WHERE ident = 'ICSMA-99-001-01'")[0][0] == 0,
        "nothing of the refused document is stored")
dump = t.db_dump(ws.db)
t.check("CVE-2099-0001" not in dump and "Example Pump" not in dump,
        "no trace of it in the store (no record, no evidence)")

# One cluster for CVE-2024-33606: JVN's record and CISA's, the advisory covering it.
clusters = query(ws, "SELECT DISTINCT cluster_id FROM record WHERE record_id IN "
                     "('JVNDB-2024-909090', 'CVE-2024-33606')")
t.check(len(clusters) == 1 and clusters[0][0] is not None,
        "JVN's JVNDB-2024-909090 and CISA's CVE-2024-33606 are one cluster: %s" % clusters)
p = t.run(["advisories", "show", "CVE-2024-33606", "--json"], config=cfg, check_rc=0)
shown = json.loads(p.stdout) if p.returncode == 0 else {}
text = json.dumps(shown, ensure_ascii=False)
t.check("JVNDB-2024-909090" in text and "cisa-csaf" in text and "import" in text,
        "advisories show CVE-2024-33606 lists the import and the csaf channel")
t.check("ICSMA-24-163-01" in text, "and the CISA advisory that covers it")
p = t.run(["advisories", "show", "ICSMA-24-163-01"], config=cfg, check_rc=0)
# The cluster of CVE-2024-33606 is keyed by JVN's JVNDB id (it was created first).
t.check("JVNDB-2024-909090" in p.stdout and "CVE-2024-28877" in p.stdout and
        "covers 2 vulnerabilities" in p.stdout,
        "advisories show ICSMA-24-163-01 lists the two vulnerabilities it covers: %r" % p.stdout)

# Second poll: the good documents are not fetched again; the refused one is, and fails alone.
before = query(ws, "SELECT count(*) FROM record")[0][0]
p = t.run(["poll", "--once"], config=cfg)
t.check("1 new CSAF document was refused" in p.stderr,
        "the refused document is tried again and refused again: %r" % p.stderr[-600:])
t.check(query(ws, "SELECT count(*) FROM record")[0][0] == before, "nothing new is stored")
last_error = query(ws, "SELECT last_error FROM source_state WHERE source = 'cisa-csaf'")
t.check(last_error and "SHA-512 mismatch" in (last_error[0][0] or ""),
        "the source's last error says why: %s" % last_error)

# Fixed upstream: the next poll stores it.
ws.serve("icsma-99-001-01.json.sha512", ("%s  icsma-99-001-01.json\n" % bad_hash).encode())
p = t.run(["poll", "--once"], config=cfg, check_rc=0)
t.check(query(ws, "SELECT count(*) FROM record WHERE record_id = 'CVE-2099-0001'")[0][0] == 1,
        "with a correct .sha512 the document is stored")
ws.cleanup()

# --- `import` and `parse` read a CSAF file (format detected by content) ---------------------------
ws = t.Workspace("csaf-import")
fixture = os.path.join(CISA, "icsma-24-249-01.json")
p = t.run(["parse", fixture], check_rc=0)
parsed = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
t.check(sorted(r["id"] for r in parsed) == ["CVE-2024-6795", "CVE-2024-6796"] and
        all(r["source"] == "csaf" and r["aliases"] == ["ICSMA-24-249-01"] for r in parsed),
        "parse reads ICSMA-24-249-01 as two csaf records under the advisory")
t.run(["import", fixture], db=ws.db, check_rc=0)
t.check(sorted(r[0] for r in query(ws, "SELECT record_id FROM record")) ==
        ["CVE-2024-6795", "CVE-2024-6796"], "import stores them")
ws.cleanup()

# --- OpenPGP signatures with a key the test generates ---------------------------------------------
home = tempfile.mkdtemp(prefix="vw-csaf-gpg-")
try:
    gpg = ["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    subprocess.run(gpg + ["--quick-gen-key", "vulnwatch csaf test <csaf@example.invalid>",
                          "ed25519", "sign", "never"], check=True, capture_output=True)

    def sign(data):
        return subprocess.run(gpg + ["--detach-sign", "--armor"], input=data, check=True,
                              capture_output=True).stdout

    ws = t.Workspace("csaf-pgp")
    docs = {name: read(os.path.join(CISA, name + ".json")) for name in NAMES}
    serve_provider(ws, docs, sign=sign, bad_signature="icsma-24-249-01")
    cfg = config(ws, "keyring = %s" % home)
    p = t.run(["poll", "--once"], config=cfg, check_rc=0)
    ids = sorted(r[0] for r in query(ws, "SELECT record_id FROM record"))
    t.check(ids == ["CVE-2023-7238", "CVE-2024-28877", "CVE-2024-33606"],
            "documents with a good signature by the keyring's key are stored: %s" % ids)
    t.check("icsma-24-249-01.json.asc is invalid" in p.stderr,
            "the one whose signature does not match is refused: %r" % p.stderr[-800:])

    # CISA's own signatures: made by a key the keyring does not hold.
    for name in NAMES:
        ws.serve(name + ".json.asc", read(os.path.join(CISA, name + ".json.asc")))
    t.db_remove(ws.db)
    p = t.run(["poll", "--once"], config=cfg)
    t.check(p.returncode != 0 and "is unknown-key" in p.stderr,
            "CISA's .asc files with CISA's key not in the keyring are refused as unknown-key")
    t.check(query(ws, "SELECT count(*) FROM record")[0][0] == 0, "and nothing is stored")
    ws.cleanup()
finally:
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True)
    shutil.rmtree(home, ignore_errors=True)

t.finish()
