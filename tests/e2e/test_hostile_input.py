#!/usr/bin/python3
"""Hostile input against the real binary (issue 16 part 5), as found by probing it:

- a VULDEF document with one 50 MB <Title> (written here to a temporary folder): `parse` and
  `import` keep the other Vulinfo, report the big one as a problem naming max_record_bytes, and
  their peak resident memory (GNU time -v) stays bounded — before the record limit, a 200 MB
  title took 1.2 GB and stored 420 MB; a smaller `[daemon] max_record_bytes` from the
  configuration applies to `import`;
- a same-name element nested before the first Vulinfo (`<y><y/></y>`) is read, not refused;
- `&#0;` in a title (which pugixml would read as the end of the title) makes that Vulinfo a
  problem; the others are stored;
- database errors name the file: one that is not a database, and one the process may not write
  (a read-only copy opened by an unprivileged user, when the tests run as root).
Needs no loopback server."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<VULDEF-Document xmlns="http://jvn.jp/vuldef/" xml:lang="ja">\n')
TAIL = "</VULDEF-Document>\n"


def vulinfo(n, title="t"):
    return ("<Vulinfo><VulinfoID>JVNDB-2024-%06d</VulinfoID><VulinfoData><Title>%s</Title>"
            "</VulinfoData></Vulinfo>\n" % (n, title))


def timed(args, db=None, config=None):
    """Runs the binary under GNU time -v: (exit code, stdout, stderr, peak RSS in KiB)."""
    command = ["/usr/bin/time", "-v", t.BINARY]
    if config:
        command += ["--config", config]
    if db:
        command += ["--db", db]
    p = subprocess.run(command + args, capture_output=True, text=True, timeout=300)
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.returncode, p.stdout, p.stderr, int(match.group(1)) if match else -1


def ids_in(jsonl):
    return re.findall(r'"id":"(JVNDB-2024-\d+)"', jsonl)


def main():
    work = tempfile.mkdtemp(prefix="vw-hostile-")
    try:
        run_all(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def run_all(work):
    # --- a 50 MB title -------------------------------------------------------------------
    big = os.path.join(work, "big_title.xml")
    with open(big, "w") as f:
        f.write(HEAD + vulinfo(1))
        f.write("<Vulinfo><VulinfoID>JVNDB-2024-000002</VulinfoID><VulinfoData><Title>")
        chunk = "A" * (1 << 20)
        for _ in range(50):
            f.write(chunk)
        f.write("</Title></VulinfoData></Vulinfo>\n" + vulinfo(3) + TAIL)
    rc, out, err, rss = timed(["parse", big])
    print("parse of a 50 MB title: exit %d, peak RSS %d KiB" % (rc, rss))
    t.check(rc == 0, "parse reads a document with a 50 MB title (exit %d: %s)" % (rc, err[-300:]))
    t.check(ids_in(out) == ["JVNDB-2024-000001", "JVNDB-2024-000003"],
            "parse prints the other Vulinfo (%s)" % ids_in(out))
    t.check("JVNDB-2024-000002" in err and "max_record_bytes" in err,
            "parse reports the big Vulinfo as a problem naming max_record_bytes")
    t.check(0 < rss < 100 * 1024, "parse's peak RSS stays under 100 MB (%d KiB)" % rss)

    db = os.path.join(work, "big.db")
    rc, out, err, rss = timed(["import", big], db=db)
    print("import of a 50 MB title: exit %d, peak RSS %d KiB" % (rc, rss))
    t.check(rc == 0 or rc == 1, "import finishes (exit %d: %s)" % (rc, err[-300:]))
    t.check("JVNDB-2024-000002" in out + err and "max_record_bytes" in out + err,
            "import reports the big Vulinfo as a problem")
    t.check(0 < rss < 150 * 1024, "import's peak RSS stays under 150 MB (%d KiB)" % rss)
    with t.db_connect(db) as con:
        stored = sorted(r[0] for r in con.execute(
            "SELECT record_id FROM record WHERE record_id LIKE 'JVNDB-2024-%'"))
    t.check(stored == ["JVNDB-2024-000001", "JVNDB-2024-000003"],
            "import stores the other Vulinfo only (%s)" % stored)
    size = t.db_size(db)
    t.check(size < 20 * 1024 * 1024, "the database stays small (%d bytes)" % size)

    # --- the limit from the configuration ------------------------------------------------
    config = os.path.join(work, "limits.conf")
    with open(config, "w") as f:
        f.write("[daemon]\nmax_field_bytes = 16K\nmax_record_bytes = 64K\n")
    medium = os.path.join(work, "medium.xml")
    with open(medium, "w") as f:
        f.write(HEAD + vulinfo(4, "B" * 20000) + vulinfo(5, "C" * 100000) + vulinfo(6) + TAIL)
    rc, out, err, _ = timed(["import", medium], db=os.path.join(work, "medium.db"), config=config)
    t.check("JVNDB-2024-000004" in out + err and "max_field_bytes" in out + err,
            "[daemon] max_field_bytes = 16K refuses a 20000-byte title")
    t.check("JVNDB-2024-000005" in out + err and "max_record_bytes" in out + err,
            "[daemon] max_record_bytes = 64K refuses a 100000-byte Vulinfo")
    with t.db_connect(os.path.join(work, "medium.db")) as con:
        stored = sorted(r[0] for r in con.execute(
            "SELECT record_id FROM record WHERE record_id LIKE 'JVNDB-2024-%'"))
    t.check(stored == ["JVNDB-2024-000006"], "only the small Vulinfo is stored (%s)" % stored)

    # --- nesting and forbidden characters ------------------------------------------------
    nested = os.path.join(work, "nested.xml")
    with open(nested, "w") as f:
        f.write(HEAD + "<y><y/></y>" + vulinfo(7) + TAIL)
    p = t.run(["parse", nested])
    t.check(p.returncode == 0 and ids_in(p.stdout) == ["JVNDB-2024-000007"],
            "a same-name element nested before the first Vulinfo is read (%s)" % p.stderr.strip())

    nul = os.path.join(work, "nul.xml")
    with open(nul, "w") as f:
        f.write(HEAD + vulinfo(8) + vulinfo(9, "abc&#0;def") + vulinfo(10) + TAIL)
    p = t.run(["parse", nul])
    t.check(ids_in(p.stdout) == ["JVNDB-2024-000008", "JVNDB-2024-000010"],
            "&#0; makes its Vulinfo a problem, the others are read (%s)" % ids_in(p.stdout))
    t.check('"title":"abc"' not in p.stdout, "no title is cut at &#0;")
    t.check("&#0;" in p.stderr and "JVNDB-2024-000009" in p.stderr,
            "the problem names the character reference and the Vulinfo")

    # --- database errors name the file (SQLite's file: not on PostgreSQL) -------------------
    if t.on_postgres():
        print("skip the database file checks (the store is PostgreSQL)")
    else:
        notdb = os.path.join(work, "not-a-database.db")
        with open(notdb, "w") as f:
            f.write("x" * 4096)
        p = t.run(["advisories", "list"], db=notdb)
        t.check(p.returncode != 0 and "file is not a database" in p.stderr and notdb in p.stderr,
                "'file is not a database' names the file (%s)" % p.stderr.strip())

        if os.geteuid() == 0 and shutil.which("setpriv"):
            ro_dir = os.path.join(work, "ro")
            os.makedirs(ro_dir)
            ro = os.path.join(ro_dir, "readonly.db")
            t.run(["import", nested], db=ro)
            # Others may read the folders, the file and the configuration, not write them.
            os.chmod(work, 0o755)
            os.chmod(ro_dir, 0o755)
            os.chmod(ro, 0o644)
            os.chmod(nul, 0o644)
            empty = os.path.join(ro_dir, "empty.conf")
            with open(empty, "w") as f:
                f.write("")
            os.chmod(empty, 0o644)
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                t.BINARY, "--config", empty, "--db", ro, "import", nul],
                               capture_output=True, text=True, timeout=120)
            message = p.stdout + p.stderr
            t.check(p.returncode != 0 and ro in message and
                    ("readonly" in message or "unable to open" in message),
                    "a database the user may not write is named in the error (%s)" % message.strip())
        else:
            print("skip the read-only database check (needs root and setpriv)")


if __name__ == "__main__":
    main()
