#!/usr/bin/python3
"""Soak (issue 16 part 3): `vulnwatch run` polls, with the test-only short interval
(VULNWATCH_TEST_POLL_INTERVAL_MS), three jvn-rss sources — two on a loopback server that fails at
random (tests/servers/soak_server.py: 5xx, 429, stalls before and in the body, truncated bodies,
resets) and one on a port where nothing listens (connection refused) — on a store pre-filled
with synthetic advisories. Every SAMPLE_EVERY cycles the resident memory (VmRSS) and the open
file descriptors (/proc/PID/fd) are sampled; the last sample must be within 1 MB and 0 fds of
the baseline sample. A cycle is one poll of the source `feed-a`, counted where it arrives: the
fault server's count of GET /feed/a (its /stats). (Not the daemon's metrics textfile: writing it
reads the store's status, 0.6 s a round with 300k advisories stored, which would make the soak
measure that query; docs/performance.md, "Soak".)

Environment (scripts/soak.sh sets them for the long run):
  VW_SOAK_CYCLES        cycles (default 1000)
  VW_SOAK_SAMPLE_EVERY  sample interval in cycles (default 100; 500 from 5,000 cycles on)
  VW_SOAK_BASELINE      the cycle of the baseline sample (default 30% of the cycles; 1000 from
                        2,000 cycles on)
  VW_SOAK_ENTRIES       advisories in the store (default 20000)
  VW_SOAK_DATA          a folder of yearly VULDEF files to fill the store from (e.g.
                        bench/data/full/no-overlap, 300k); else bench/make_synthetic.py makes them
  VW_SOAK_CACHE         where the filled store is kept between runs (default /tmp/vulnwatch-soak)
  VW_SOAK_CSV           where the samples go (cycle,seconds,rss_kb,fds); default in the work dir
  VW_SOAK_INTERVAL_MS   the poll interval (default 20)
  VW_SOAK_WRAPPER       a command put before the binary (e.g. valgrind …); the sampling then
                        measures the wrapper, so flatness is not asserted
"""
import glob
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402

sys.path.insert(0, os.path.join(t.SOURCE_DIR, "bench"))
import make_synthetic  # noqa: E402

CYCLES = int(os.environ.get("VW_SOAK_CYCLES") or 1000)
EVERY = int(os.environ.get("VW_SOAK_SAMPLE_EVERY") or (500 if CYCLES >= 5000 else 100))
BASELINE = int(os.environ.get("VW_SOAK_BASELINE") or
               (1000 if CYCLES >= 2000 else max(EVERY, CYCLES * 3 // 10 // EVERY * EVERY)))
ENTRIES = int(os.environ.get("VW_SOAK_ENTRIES") or 20000)
DATA = os.environ.get("VW_SOAK_DATA", "")
CACHE = os.environ.get("VW_SOAK_CACHE") or "/tmp/vulnwatch-soak"
INTERVAL_MS = int(os.environ.get("VW_SOAK_INTERVAL_MS") or 20)
WRAPPER = os.environ.get("VW_SOAK_WRAPPER", "").split()
started = time.monotonic()
work = tempfile.mkdtemp(prefix="vw-soak-")
CSV = os.environ.get("VW_SOAK_CSV") or os.path.join(work, "soak.csv")
print("soak: %d cycles, a sample every %d, baseline at %d, %d advisories stored, interval %d ms"
      % (CYCLES, EVERY, BASELINE, ENTRIES, INTERVAL_MS))


def filled_store():
    """The cached store of ENTRIES advisories, made once (import of synthetic VULDEF files)."""
    os.makedirs(CACHE, exist_ok=True)
    cached = os.path.join(CACHE, "store-%d.db" % ENTRIES)
    if t.db_exists(cached):
        return cached
    made = time.monotonic()
    files = sorted(glob.glob(os.path.join(DATA, "*jvndb_detail_*.rdf"))) if DATA else []
    scratch = None
    if not files:
        scratch = tempfile.mkdtemp(prefix="vw-soak-data-", dir=CACHE)
        make_synthetic.generate(ENTRIES, scratch, per_file=10500, prefix="", seed=16,
                                templates="project")
        files = sorted(glob.glob(os.path.join(scratch, "jvndb_detail_*.rdf")))
    partial = cached + ".partial"
    t.db_remove(partial)
    bare = os.path.join(work, "fill.conf")  # no notifiers; never /etc/vulnwatch's
    with open(bare, "w", encoding="utf-8") as f:
        f.write("[store]\npath = %s\n" % partial)
    p = t.run(["import"] + files, config=bare, timeout=3600)
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    if p.returncode != 0:
        sys.exit("FAIL: filling the store failed: %s" % p.stderr[-2000:])
    n = t.db_rows(partial, "SELECT count(*) FROM record")[0][0]
    if not t.on_postgres():
        con = sqlite3.connect(partial)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
    if DATA == "" and n != ENTRIES:
        sys.exit("FAIL: the filled store has %d records, not %d" % (n, ENTRIES))
    t.db_rename(partial, cached)
    print("store of %d records made in %.0f s, kept as %s" % (n, time.monotonic() - made, cached))
    return cached


db = os.path.join(work, "vulnwatch.db")
t.db_copy(filled_store(), db)
stored = t.db_rows(db, "SELECT count(*) FROM record")[0][0]
print("store: %d records (copied in %.0f s)" % (stored, time.monotonic() - started))

# Two feed versions (the server rotates them): the content changes now and then.
feeds = []
for n, first in enumerate((1, 11)):
    path = os.path.join(work, "feed%d.rdf" % n)
    with open(path, "wb") as f:
        f.write(ds.feed(30, first=first))
    feeds.append(path)
port_file = os.path.join(work, "port")
server = subprocess.Popen(["/usr/bin/python3", os.path.join(t.SOURCE_DIR, "tests", "servers",
                                                            "soak_server.py"),
                           "--seed", "16", "--port-file", port_file] +
                          sum((["--feed", f] for f in feeds), []), stdout=subprocess.DEVNULL)
t.wait_until(lambda: os.path.exists(port_file), 20)
port = int(t.read_text(port_file))
with socket.socket() as s:  # a port where nothing listens: connection refused
    s.bind(("127.0.0.1", 0))
    closed_port = s.getsockname()[1]
config = os.path.join(work, "vulnwatch.conf")
with open(config, "w", encoding="utf-8") as f:
    f.write(f"""
[store]
path = {db}

[daemon]
log_level = warning

[source.feed-a]
type = jvn-rss
url = http://127.0.0.1:{port}/feed/a
timeout = 1s

[source.feed-b]
type = jvn-rss
url = http://127.0.0.1:{port}/feed/b
timeout = 1s

[source.refused]
type = jvn-rss
url = http://127.0.0.1:{closed_port}/feed/refused
timeout = 1s
""")

def server_stats():
    with urllib.request.urlopen("http://127.0.0.1:%d/stats" % port, timeout=10) as r:
        return json.load(r)


def cycles():
    return server_stats()["requests"].get("/feed/a", 0)


def sample(pid):
    """(VmRSS kB, open fds). A transfer in flight holds 3 fds (curl's socket and its wake-up
    socket pair) for as long as it lasts (up to the sources' 1 s timeout when the server
    stalls), so fds is the least of 200 readings over 2 s: what stays open between transfers.
    A leaked fd raises that floor for good."""
    fds = []
    for _ in range(200):
        fds.append(len(os.listdir("/proc/%d/fd" % pid)))
        time.sleep(0.01)
    rss = None
    for line in t.read_text("/proc/%d/status" % pid).splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return rss, min(fds)


log_path = os.path.join(work, "daemon.log")
log = open(log_path, "w")
env = dict(os.environ, VULNWATCH_TEST_POLL_INTERVAL_MS=str(INTERVAL_MS))
proc = subprocess.Popen(WRAPPER + [t.BINARY, "--config", config, "run"], stdout=log,
                        stderr=subprocess.STDOUT, env=env)
samples = []
soak_started = time.monotonic()
try:
    mark = EVERY
    while mark <= CYCLES and proc.poll() is None:
        n = cycles()
        if n >= mark:
            rss, fds = sample(proc.pid)
            samples.append((n, time.monotonic() - soak_started, rss, fds))
            print("cycle %d (%.0f s): rss %d kB, %d fds" % (n, samples[-1][1], rss, fds),
                  flush=True)
            mark += EVERY
        time.sleep(0.1)
finally:
    alive = proc.poll() is None
    if alive:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    else:
        rc = proc.returncode
    log.close()
    replies = server_stats()
    replies.pop("requests")
    server.terminate()
    server.wait(timeout=10)

with open(CSV, "w") as f:
    f.write("cycle,seconds,rss_kb,fds\n")
    for row in samples:
        f.write("%d,%.1f,%d,%d\n" % row)
took = time.monotonic() - soak_started
print("replies of the fault server: %s" % json.dumps(replies, sort_keys=True))
print("samples written to %s" % CSV)
t.check(alive, "the daemon ran through %d cycles (it exited %s)" % (CYCLES, rc))
t.check(rc == 0, "it stopped cleanly on SIGTERM (exit %s)" % rc)
t.check(len(samples) == CYCLES // EVERY, "%d samples taken" % len(samples))
t.check(all(replies.get(k, 0) > 0 for k in ("ok", "304", "500", "429", "truncated", "reset")) and
        replies.get("stall", 0) + replies.get("stall-body", 0) > 0,
        "the server answered and failed in every way")
text = t.read_text(log_path)
t.check("[feeds.feed-a] poll failed" in text and "[feeds.refused] poll failed" in text,
        "the daemon logged the failed polls")
base = [s for s in samples if s[0] >= BASELINE]
if WRAPPER:
    print("under %s: flatness not asserted" % " ".join(WRAPPER))
elif base:
    first, last = base[0], samples[-1]
    t.check(last[2] - first[2] <= 1024,
            "resident memory flat: %d kB at cycle %d, %d kB at cycle %d (+%d kB; at most 1024)"
            % (first[2], first[0], last[2], last[0], last[2] - first[2]))
    t.check(last[3] == first[3], "open file descriptors flat: %d at cycle %d, %d at cycle %d"
            % (first[3], first[0], last[3], last[0]))
else:
    t.check(False, "a sample at or after the baseline cycle %d" % BASELINE)
print("\nSOAK: %d cycles in %.0f s (%.1f ms a cycle), %d records stored; rss %s kB; fds %s"
      % (samples[-1][0] if samples else 0, took, 1000 * took / max(1, CYCLES), stored,
         " ".join(str(s[2]) for s in samples), " ".join(str(s[3]) for s in samples)))
if t.failures:
    print("daemon log (end):\n" + text[-3000:])
    print("kept for a look: %s" % work)
else:
    shutil.rmtree(work, ignore_errors=True)
t.finish()
