#!/usr/bin/python3
"""`vulnwatch installbase import|list` through the real binary (issue 14 part 1): a two-site
install base with one lessor written by Python in Shift_JIS (encode("cp932"), as Excel saves
"CSV") and in UTF-8 with a BOM, read back with `installbase list --json` (Python's json) and
straight from SQLite; a re-import prints the diff and writes one audit event naming the user; a
file with bad rows is refused with every line reported and changes nothing; unknown products
are refused unless --allow-unknown; --dry-run writes nothing."""
import json
import os
import subprocess
import tempfile

import vwtest as t

work = tempfile.mkdtemp(prefix="vw-installbase-")
db = os.path.join(work, "vulnwatch.db")


def write(name, text, encoding):
    path = os.path.join(work, name)
    with open(path, "wb") as f:
        f.write(text.encode(encoding))
    return path


def table():
    con = t.db_connect(db)
    try:
        return con.execute("SELECT site_id, product, version, role, site_name, quantity, "
                           "contact_email, notes FROM install_base "
                           "ORDER BY site_id, role").fetchall()
    finally:
        con.close()


def events():
    con = t.db_connect(db)
    try:
        return [json.loads(row[0]) for row in
                con.execute("SELECT json FROM event_log WHERE kind = 'installbase' ORDER BY id")]
    finally:
        con.close()


t.run(["products", "add", "Example Viewer", "--version", "3.2", "--owner", "psirt@example.jp"],
      db=db, check_rc=0)
t.run(["products", "add", "Infusion Pump", "--version", "1.0"], db=db, check_rc=0)

# --- Shift_JIS (CP932), Japanese headers, CRLF, quoted fields --------------------------------
sjis = ("施設名,施設ID,製品,バージョン,台数,担当者,メールアドレス,電話番号,宛先種別,備考\r\n"
        "中央病院,S001,Example Viewer,3.2,3,山田 太郎,yamada@chuo.example.jp,03-1234-5678,病院,"
        "\"3階, 放射線科\"\r\n"
        "東病院,S002,Example Viewer,3.2,1,佐藤 花子,sato@higashi.example.jp,,病院,"
        "\"二行の\r\nメモ \"\"至急\"\"\"\r\n"
        "東病院,S002,Example Viewer,3.2,1,リース担当,lease@lease.example.jp,,リース会社,①\r\n")
sjis_path = write("installbase-sjis.csv", sjis, "cp932")
p = t.run(["installbase", "import", sjis_path, "--json", "--by", "alice"], db=db, check_rc=0)
report = json.loads(p.stdout or "{}")
t.check(report.get("encoding") == "Shift_JIS (CP932)", "the Shift_JIS file is read as CP932")
t.check(report.get("applied") is True and len(report.get("added", [])) == 3,
        "the first import adds three rows")
rows = table()
t.check([(r[0], r[3]) for r in rows] == [("S001", "hospital"), ("S002", "hospital"),
                                         ("S002", "lessor")],
        "two sites, one with a lessor, are stored")
t.check(rows[0][4] == "中央病院" and rows[0][5] == 3 and rows[0][7] == "3階, 放射線科",
        "Japanese text, quantity and a quoted comma come through")
t.check(rows[1][7] == "二行の\nメモ \"至急\"", "a quoted line break and doubled quotes come through")
t.check(rows[2][7] == "①", "a CP932-only character (①) is decoded")
ev = events()
t.check(len(ev) == 1 and ev[0].get("actor") == "alice", "one audit event naming --by")

listed = json.loads(t.run(["installbase", "list", "--json"], db=db, check_rc=0).stdout or "[]")
t.check(len(listed) == 3 and {r["role"] for r in listed} == {"hospital", "lessor"},
        "installbase list --json shows the three recipients")
t.check(all(r["product"] == "Example Viewer" for r in listed), "list names the product")
none = json.loads(t.run(["installbase", "list", "--product", "Infusion Pump", "--json"], db=db,
                        check_rc=0).stdout or "null")
t.check(none == [], "list --product filters")

# --- re-import in UTF-8 with a BOM and English headers: the diff ------------------------------
utf8 = ("site,site_id,product,version,quantity,contact name,contact email,contact phone,role,"
        "notes\r\n"
        "中央病院,S001,Example Viewer,3.2,5,山田 太郎,yamada@chuo.example.jp,03-1234-5678,"
        "hospital,\"3階, 放射線科\"\r\n"
        "東病院,S002,Example Viewer,3.2,1,リース担当,lease@lease.example.jp,,lessor,①\r\n"
        "西クリニック,S003,Infusion Pump,1.0,2,,nishi@dist.example.jp,,distributor,\r\n")
utf8_path = write("installbase-utf8.csv", "\ufeff" + utf8, "utf-8")
dry = t.run(["installbase", "import", utf8_path, "--dry-run", "--lang", "en"], db=db, check_rc=0)
t.check("added 1 / removed 1 / changed 1 / unchanged 1" in dry.stdout,
        "--dry-run prints the counts of the diff")
t.check("quantity: '3' -> '5'" in dry.stdout, "--dry-run shows the changed field")
t.check(table() == rows and len(events()) == 1, "--dry-run changes nothing")

env_user = dict(os.environ, SUDO_USER="", USER="bob")
p = subprocess.run([t.BINARY, "--db", db, "installbase", "import", utf8_path, "--json"],
                   capture_output=True, text=True, timeout=60, env=env_user)
t.check(p.returncode == 0, "the re-import succeeds")
report = json.loads(p.stdout or "{}")
t.check(report.get("encoding") == "UTF-8 (BOM)", "the UTF-8 file with a BOM is read as UTF-8")
t.check([r["site_id"] for r in report.get("added", [])] == ["S003"], "S003 is added")
t.check([(r["site_id"], r["role"]) for r in report.get("removed", [])] == [("S002", "hospital")],
        "S002's hospital contact is removed")
changed = report.get("changed", [])
t.check(len(changed) == 1 and changed[0]["fields"] == ["quantity"]
        and changed[0]["before"]["quantity"] == 3 and changed[0]["after"]["quantity"] == 5,
        "S001's quantity change is reported with before and after")
rows2 = table()
t.check([(r[0], r[3]) for r in rows2] == [("S001", "hospital"), ("S002", "lessor"),
                                          ("S003", "distributor")],
        "the store holds the new install base")
ev = events()
t.check(len(ev) == 2 and ev[1].get("actor") == "bob" and ev[1]["details"].get("added") == "1"
        and ev[1]["details"].get("removed") == "1" and ev[1]["details"].get("changed") == "1",
        "one more audit event, naming $USER, with the counts")
t.check(subprocess.run([t.BINARY, "--db", db, "audit", "verify"], capture_output=True,
                       timeout=60).returncode == 0, "the audit chain verifies")

same = t.run(["installbase", "import", utf8_path, "--lang", "en"], db=db, check_rc=0)
t.check("no changes" in same.stdout and len(events()) == 2,
        "importing the same file again changes nothing and writes no event")

# --- a bad file changes nothing -----------------------------------------------------------
bad = ("site,site id,product,version,contact email,role\n"
       "中央病院,S001,Example Viewer,3.2,yamada@chuo.example.jp,hospital\n"
       "東病院,S002,Example Viewer,3.2,x,hospital\n"
       "西病院,S004,Example Viewer,3.2,w@example.jp,owner\n"
       "南病院,S005,Example Viewer,9.9,s@example.jp,hospital\n")
bad_path = write("installbase-bad.csv", bad, "utf-8")
p = t.run(["installbase", "import", bad_path], db=db, check_rc=1)
t.check("line 3: contact email 'x' is not a mail address" in p.stderr,
        "the bad e-mail address is reported with its line")
t.check("line 4: role 'owner' is not hospital, lessor or distributor" in p.stderr,
        "the bad role is reported with its line")
t.check("line 5: product 'Example Viewer' has no version '9.9'" in p.stderr,
        "the unknown version is reported with its line")
t.check(table() == rows2 and len(events()) == 2, "a bad file changes nothing")

unknown = ("site,site id,product,version,contact email,role\n"
           "南病院,S005,Example Viewer,9.9,s@example.jp,hospital\n")
unknown_path = write("installbase-unknown.csv", unknown, "utf-8")
t.run(["installbase", "import", unknown_path], db=db, check_rc=1)
t.check(table() == rows2, "an unknown version alone is refused too")
p = t.run(["installbase", "import", unknown_path, "--allow-unknown", "--json", "--by", "carol"],
          db=db, check_rc=0)
report = json.loads(p.stdout or "{}")
t.check(len(report.get("warnings", [])) == 1 and len(report.get("removed", [])) == 3,
        "--allow-unknown imports it with a warning (and the diff removes the others)")
t.check([(r[0], r[2]) for r in table()] == [("S005", "9.9")], "the store holds the new row")

# --- neither UTF-8 nor Shift_JIS ---------------------------------------------------------------
junk_path = os.path.join(work, "junk.csv")
with open(junk_path, "wb") as f:
    f.write(b"site,site id,product,version,contact email,role\n\xff\xfe,1,P,1,a@b.jp,hospital\n")
p = t.run(["installbase", "import", junk_path], db=db, check_rc=1)
t.check("line 2: neither UTF-8 nor Shift_JIS" in p.stderr, "undecodable bytes are refused")

t.run(["installbase", "frobnicate"], db=db, check_rc=2)
t.finish()
