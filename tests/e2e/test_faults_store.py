#!/usr/bin/python3
"""Fault matrix, row "database and its disk" (docs/reliability.md), with the real binary on
real file systems:

- disk full: the store on a small tmpfs (mount -t tmpfs -o size=…; root only), the rest of it
  filled by a file. `poll --once` of a 3,000-item feed exits 3 within a second, the error names
  the file and says "database or disk is full", the transaction is rolled back (no record, the
  store passes PRAGMA integrity_check); once space is freed the next poll stores every item
  once. Without the right to mount, this cell is skipped and says so (FAULT CELL SKIPPED).
- read-only: the tmpfs remounted read-only: every command (`status`, `poll --once`, `import`)
  stops with exit 1 and an error naming the file; nothing changes.
- locked for 30 s: another process holds BEGIN EXCLUSIVE for 30 s while `vulnwatch run`
  polls: the daemon's polls in that time fail after the busy timeout (5 s per statement; the
  log says "database is locked"), it keeps running, `status --json` still answers (WAL
  readers are not blocked), and after the lock ends the next poll stores the new items, none
  twice. `poll --once` during the lock exits 3 before the lock ends.
- a corrupt page (bytes of a page in the middle of the file overwritten): `backup` refuses
  (integrity check, exit 1, nothing written), a command that reads the page fails with an
  error naming the file and "malformed", and `run` and `serve` stop at start with exit 4
  (PRAGMA quick_check, [daemon] check_at_start = quick) naming the file; with
  check_at_start = off the daemon starts, logs the page's error and carries on.
Needs the loopback servers only for nothing: the fault server serves the feeds."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import fault_support as fs  # noqa: E402
import vwtest as t  # noqa: E402

t.sqlite_only("test_faults_store", "every cell is about the SQLite file: its disk full or "
              "read-only, BEGIN EXCLUSIVE from another process, a damaged page, PRAGMA quick_check")
server = fs.FaultServer()
work = tempfile.mkdtemp(prefix="vw-faults-store-")
ITEMS = 3000
server.serve("big.rdf", ds.feed(ITEMS))
products = os.path.join(work, "products.json")
with open(products, "w", encoding="utf-8") as f:
    f.write(ds.products_json())
mounts = []


def config(name, db, feed="big.rdf", extra=""):
    path = os.path.join(work, name + ".conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write("[store]\npath = %s\n\n[source.feed]\ntype = jvn-rss\nurl = %s\ntimeout = 5s\n%s"
                % (db, server.url("ok/" + feed), extra))
    return path


def query(db, sql):
    con = sqlite3.connect(db, timeout=60)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path],
                       capture_output=True, text=True)
    if p.returncode == 0:
        mounts.append(path)
        return True
    print("FAULT CELL SKIPPED: cannot mount a tmpfs here (%s); needs root or CAP_SYS_ADMIN"
          % p.stderr.strip())
    return False


def fill(path):
    """Fill the file system of `path` up: a file written until ENOSPC. Returns its name."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def stop(daemon):
    daemon.send_signal(signal.SIGTERM)
    try:
        return daemon.wait(15)
    except subprocess.TimeoutExpired:
        daemon.kill()
        return None


def disk_full():
    print("\n== disk full ==")
    mnt = os.path.join(work, "full")
    if not mount_tmpfs(mnt, "32m"):
        return
    db = os.path.join(mnt, "vulnwatch.db")
    feed = "full-%d.rdf" % os.getpid()
    cfg = config("full", db, feed=feed, extra="interval = 10s\n")
    t.run(["products", "import", products], config=cfg, check_rc=0)
    log_path = os.path.join(work, "full.log")
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log, stderr=log)
    try:
        t.check(t.wait_until(lambda: server.stats().get("/ok/" + feed), 10),
                "the daemon runs and polls (the feed is not there yet)")
        filler = fill(mnt)
        t.check(shutil.disk_usage(mnt).free < 64 * 1024, "the file system is full (%d bytes "
                "free)" % shutil.disk_usage(mnt).free)
        server.serve(feed, ds.feed(ITEMS))
        t.check(t.wait_until(lambda: "database or disk is full" in t.read_text(log_path), 20),
                "the daemon's poll fails: the log says the disk is full")
        line = [x for x in t.read_text(log_path).splitlines() if "disk is full" in x][:1]
        t.check(line and db in line[0], "and names the file (%r)" % line[:1])
        t.check(daemon.poll() is None, "the daemon keeps running on a full disk")
        t.check(query(db, "PRAGMA integrity_check") == [("ok",)], "the store is intact")
        t.check(query(db, "SELECT count(*) FROM record")[0][0] == 0,
                "the failed transaction left no record")
        p, took = fs.timed(lambda: t.run(["status", "--json"], config=cfg))
        t.check(p.returncode == 0 and took < 5, "status answers on a full disk (%s)"
                % p.stderr[-200:])
        os.remove(filler)
        freed = time.monotonic()
        t.check(t.wait_until(lambda: query(db, "SELECT count(*) FROM record")[0][0] == ITEMS, 30),
                "with space again the daemon's next poll stores the feed (%.1f s after)" %
                (time.monotonic() - freed))
        t.check(query(db, "SELECT count(*), count(DISTINCT record_id) FROM record")[0] ==
                (ITEMS, ITEMS) and query(db, "SELECT count(*) FROM match")[0][0] == ITEMS,
                "every item stored and matched once")
    finally:
        rc = stop(daemon)
    t.check(rc == 0, "the daemon stops with exit 0 (got %s)" % rc)
    # A process started on a full disk cannot even open the store (WAL needs its -shm file).
    filler = fill(mnt)
    p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg))
    t.check(p.returncode == 1 and took < 5 and db in p.stderr and
            "the file system holding %s is full" % mnt in p.stderr,
            "poll --once started on a full disk stops with exit 1 at once (%d, %r)" %
            (p.returncode, p.stderr.strip()[-200:]))
    os.remove(filler)


def read_only():
    print("\n== read-only file system ==")
    mnt = os.path.join(work, "ro")
    if not mount_tmpfs(mnt, "32m"):
        return
    db = os.path.join(mnt, "vulnwatch.db")
    cfg = config("ro", db)
    t.run(["products", "import", products], config=cfg, check_rc=0)
    before = t.db_dump(db)
    p = subprocess.run(["mount", "-o", "remount,ro", mnt], capture_output=True, text=True)
    t.check(p.returncode == 0, "the tmpfs is remounted read-only (%s)" % p.stderr.strip())
    for args in (["status", "--json"], ["poll", "--once"], ["import", os.path.join(work, "x.rdf")]):
        if args[0] == "import":
            with open(args[1], "wb") as f:
                f.write(ds.feed(2))
        p, took = fs.timed(lambda: t.run(args, config=cfg))
        t.check(p.returncode == 1 and db in p.stderr and "mounted read-only" in p.stderr and
                took < 10, "`%s` stops with exit 1 naming the file and the cause (%d, %r)" %
                (" ".join(args[:2]), p.returncode, p.stderr.strip()[-200:]))
    subprocess.run(["mount", "-o", "remount,rw", mnt], check=True)
    t.check(t.db_dump(db) == before, "nothing changed")


def locked():
    print("\n== database locked for 30 s ==")
    db = os.path.join(work, "locked.db")
    server.serve("first.rdf", ds.feed(5))
    cfg = config("locked", db, feed="first.rdf", extra="interval = 10s\n")
    t.run(["products", "import", products], config=cfg, check_rc=0)
    log_path = os.path.join(work, "locked.log")
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log, stderr=log)
    try:
        t.check(t.wait_until(lambda: query(db, "SELECT count(*) FROM record")[0][0] == 5, 20),
                "the daemon stored the first feed")
        t.check("quick_check of %s: ok" % db in t.read_text(log_path),
                "a sound store passes the start check (the log says so)")
        holder = sqlite3.connect(db, isolation_level=None, timeout=20)
        holder.execute("BEGIN EXCLUSIVE")
        locked_at = time.monotonic()
        # More items (the first five again, and five new) while the store is locked.
        server.serve("first.rdf", ds.feed(10))
        p, took = fs.timed(lambda: t.run(["status", "--json"], config=cfg))
        t.check(p.returncode == 0 and took < 3,
                "status --json answers during the lock (%d, %.1f s)" % (p.returncode, took))
        p, took = fs.timed(lambda: t.run(["poll", "--once"], config=cfg, timeout=60))
        t.check(p.returncode == 3 and "database is locked" in p.stderr and db in p.stderr,
                "poll --once during the lock exits 3: the database is locked (%d)" % p.returncode)
        t.check(took < 30, "and gives up before the lock ends (%.1f s)" % took)
        t.check(t.wait_until(lambda: t.read_text(log_path).count("database is locked") > 0,
                             max(1, 30 - (time.monotonic() - locked_at))),
                "the daemon's poll failed on the lock (its log says so)")
        time.sleep(max(0, 30 - (time.monotonic() - locked_at)))
        t.check(daemon.poll() is None, "the daemon kept running through 30 s of lock")
        holder.execute("ROLLBACK")
        holder.close()
        released = time.monotonic()
        t.check(t.wait_until(lambda: query(db, "SELECT count(*) FROM record")[0][0] == 10, 30),
                "after the lock the daemon stored the new items (%.1f s after)" %
                (time.monotonic() - released))
        t.check(query(db, "SELECT count(*), count(DISTINCT record_id) FROM record")[0] == (10, 10)
                and query(db, "SELECT count(*) FROM match")[0][0] == 10, "none twice")
    finally:
        rc = stop(daemon)
    t.check(rc == 0, "the daemon stops with exit 0 (got %s)" % rc)


def corrupt():
    print("\n== a corrupt page ==")
    db = os.path.join(work, "corrupt.db")
    cfg = config("corrupt", db)
    t.run(["products", "import", products], config=cfg, check_rc=0)
    t.run(["poll", "--once"], config=cfg, check_rc=0)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    # A page of the record table's B-tree (the table's root page's neighbourhood is all it).
    pages = [r[0] for r in con.execute(
        "SELECT pageno FROM dbstat WHERE name = 'record' AND pagetype = 'leaf'")] \
        if has_dbstat(con) else []
    count = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    victim = pages[len(pages) // 2] if pages else count // 2
    with open(db, "r+b") as f:
        f.seek(page_size * (victim - 1))
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    shell = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True,
                           text=True)
    t.check(shell.stdout.strip() != "ok", "the sqlite3 shell finds the page %d damaged" % victim)
    backup = os.path.join(work, "corrupt-backup.db")
    p = t.run(["backup", backup], config=cfg)
    t.check(p.returncode == 1 and "malformed" in p.stderr and "no backup was written" in p.stderr,
            "backup refuses a damaged store with exit 1 (%r)" % p.stderr.strip()[-200:])
    t.check(not os.path.exists(backup) and not os.path.exists(backup + ".partial"),
            "and writes no file")
    # The feed again: every item's stored record is read (content hash), the damaged page too.
    p = t.run(["poll", "--once"], config=cfg)
    line = [x for x in p.stderr.splitlines() if "malformed" in x][:1]
    t.check(p.returncode == 3 and line and db in line[0],
            "a poll that reads the page fails (exit 3), the error names the file and says "
            "malformed (%d, %r)" % (p.returncode, line[:1]))

    # The start check ([daemon] check_at_start = quick, the default): `run` and `serve` stop
    # before doing anything, with exit 4 and an error naming the file.
    with open(db, "rb") as f:
        before = f.read()
    _, free_port = fs.refused_url()
    for args in (["run"], ["serve", "--listen", "127.0.0.1:%d" % free_port]):
        p, took = fs.timed(lambda: t.run(args, config=cfg, timeout=60))
        line = [x for x in p.stderr.splitlines() if "quick_check" in x][:1]
        t.check(p.returncode == 4 and took < 20 and line and db in line[0] and
                "corrupt" in line[0] and "restore" in line[0],
                "`%s` on a corrupt store stops at start with exit 4, naming the file and what "
                "to do (%d, %.1f s, %r)" % (args[0], p.returncode, took,
                                            (line[:1] or [p.stderr.strip()[-300:]])[0][:300]))
    with open(db, "rb") as f:
        t.check(f.read() == before, "the start check changed nothing in the file")
    # check_at_start = off: the daemon starts (and meets the page when it reads it).
    off = config("corrupt-off", db, extra="\n[daemon]\ncheck_at_start = off\n")
    log_path = os.path.join(work, "corrupt-off.log")
    with open(log_path, "w") as log:
        daemon = subprocess.Popen([t.BINARY, "--config", off, "run"], stdout=log, stderr=log)
    try:
        t.check(t.wait_until(lambda: "malformed" in t.read_text(log_path), 20),
                "with check_at_start = off the daemon starts and its poll meets the page")
        t.check(daemon.poll() is None and "quick_check" not in t.read_text(log_path),
                "and keeps running, without the check")
    finally:
        rc = stop(daemon)
    t.check(rc == 0, "the daemon stops with exit 0 (got %s)" % rc)
    p = t.run(["config", "check"], config=config("bad-check", db,
                                                  extra="\n[daemon]\ncheck_at_start = full\n"))
    t.check(p.returncode == 2 and "check_at_start" in p.stderr and "quick, off" in p.stderr,
            "check_at_start = full is a config error naming the choices (%r)"
            % p.stderr.strip()[-200:])


def has_dbstat(con):
    try:
        con.execute("SELECT 1 FROM dbstat LIMIT 1").fetchall()
        return True
    except sqlite3.Error:
        return False


try:
    disk_full()
    read_only()
    locked()
    corrupt()
finally:
    for m in reversed(mounts):
        subprocess.run(["umount", "-l", m], capture_output=True)
    server.stop()
    shutil.rmtree(work, ignore_errors=True)
t.finish()
