#!/usr/bin/python3
"""Delivery benchmark (issue 11; DESIGN.md "Delivery: 1,000 queued messages to a fast receiver
in <= 5 s; a poll's new match reaches its webhook within 1 s of the poll"), run by
bench/run_delivery.sh. Everything on loopback, every figure against a baseline measured in the
same run:

throughput  `vulnwatch poll --once` delivering COUNT queued webhooks (an imported SYNTHETIC feed
            whose every item matches the registered product; tests/e2e/delivery_support.py) to
            a loopback receiver that answers 204 at once, on a fresh copy of the store each
            time, against the baseline `bench_delivery_floor` (bench/delivery_floor.cpp): the
            same COUNT POSTs (same payloads and key headers) by a bare libcurl loop, one handle
            per request like vulnwatch; also with one handle for all (keep-alive), for scale
latency     `vulnwatch run` with a jvn-rss source on a loopback feed server that serves one new
            matching item: from the moment the server finished sending the feed to the moment
            the webhook arrived; a new daemon per sample on the same store (its first poll is
            at start). Baseline: one GET of the feed and one POST of a payload by the floor
Prints `RESULT …` lines for bench/run_delivery.sh and a summary."""
import argparse
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import delivery_support as ds  # noqa: E402


class FeedServer:
    """Serves `self.body` at any GET path; remembers when each response was fully sent."""

    def __init__(self, slow_seconds=2.0):
        self.body = b""
        self.served = []
        self.slow_seconds = slow_seconds
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                if self.path.startswith("/slow/"):
                    # Another source, slow to answer and with nothing new (an empty feed).
                    time.sleep(server.slow_seconds)
                    body = ds.feed(0)
                    try:
                        self.send_response(200)
                        self.send_header("Content-Type", "application/xml")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the daemon stopped meanwhile
                    return
                body = server.body
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                server.served.append(time.time())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def url(self, slow=False):
        return "http://127.0.0.1:%d/%sjvndb_new.rdf" % (self.port, "slow/" if slow else "")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd, **kwargs):
    """(wall seconds, CPU seconds, completed process) of one command."""
    cpu = children_cpu()
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    wall = time.monotonic() - start
    if p.returncode != 0:
        sys.exit("FAILED (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return wall, children_cpu() - cpu, p


def count(db, sql):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def write_config(path, db, hook_url, feed_url=None, log_level="warning", slow_url=None):
    with open(path, "w", encoding="utf-8") as f:
        f.write("[store]\npath = %s\n\n[daemon]\nlog_level = %s\n" % (db, log_level))
        if feed_url:
            f.write("\n[source.jvndb-new]\ntype = jvn-rss\nurl = %s\ninterval = 10m\n" % feed_url)
        if slow_url:
            # Polled after jvndb-new in the same round (sources go by name).
            f.write("\n[source.zz-slow]\ntype = jvn-rss\nurl = %s\ninterval = 10m\n" % slow_url)
        f.write("\n[notifier.chat]\ntype = webhook\nurl = %s\n" % hook_url)


def throughput(args, vulnwatch, floor):
    work = args.work
    receiver = ds.Receiver(lambda record: (204, [], b"")).start()
    base = os.path.join(work, "queued.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(base + suffix):
            os.remove(base + suffix)
    cfg = os.path.join(work, "throughput.conf")
    write_config(cfg, base, receiver.url())
    products = os.path.join(work, "products.json")
    feed = os.path.join(work, "feed-%d.rdf" % args.count)
    with open(products, "w", encoding="utf-8") as f:
        f.write(ds.products_json())
    with open(feed, "wb") as f:
        f.write(ds.feed(args.count))
    timed([vulnwatch, "--config", cfg, "products", "import", products])
    timed([vulnwatch, "--config", cfg, "import", feed])
    queued = count(base, "SELECT count(*) FROM outbox WHERE state = 'pending'")
    if queued != args.count:
        sys.exit("expected %d queued messages, found %d" % (args.count, queued))
    con = sqlite3.connect(base)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()

    runs = {"vulnwatch": [], "floor": [], "floor-reuse": []}
    copy = os.path.join(work, "deliver.db")
    for _ in range(args.repeat):
        # Alternate the three so load changes hit all of them alike.
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(copy + suffix):
                os.remove(copy + suffix)
        shutil.copy(base, copy)
        before = receiver.count()
        wall, cpu, _ = timed([vulnwatch, "--config", cfg, "--db", copy, "poll", "--once"])
        delivered = count(copy, "SELECT count(*) FROM outbox WHERE state = 'delivered'")
        if delivered != args.count or receiver.count() - before != args.count:
            sys.exit("vulnwatch delivered %d (receiver got %d) of %d" %
                     (delivered, receiver.count() - before, args.count))
        runs["vulnwatch"].append((wall, cpu))
        for name, extra in (("floor", []), ("floor-reuse", ["--reuse"])):
            before = receiver.count()
            wall, cpu, _ = timed([floor, base, receiver.url()] + extra)
            if receiver.count() - before != args.count:
                sys.exit("%s: the receiver got %d of %d" % (name, receiver.count() - before,
                                                            args.count))
            runs[name].append((wall, cpu))
    receiver.stop()
    best = {name: min(values) for name, values in runs.items()}
    for name, (wall, cpu) in best.items():
        print("RESULT throughput %s %d %.3f %.3f" % (name, args.count, wall, cpu))
    return best


def latency(args, vulnwatch, floor, slow=False):
    """With `slow`, a second source due in the same round answers only after 2 s."""
    work = args.work
    receiver = ds.Receiver(lambda record: (204, [], b"")).start()
    feeds = FeedServer()
    db = os.path.join(work, "latency.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    cfg = os.path.join(work, "latency.conf")
    write_config(cfg, db, receiver.url(), feeds.url(), log_level="info",
                 slow_url=feeds.url(slow=True) if slow else None)
    products = os.path.join(work, "products.json")
    timed([vulnwatch, "--config", cfg, "products", "import", products])
    samples = []
    for k in range(args.samples):
        first = 50000 + k
        feeds.body = ds.feed(1, first=first)
        feeds.served.clear()
        log = open(os.path.join(work, "latency%s-%d.log" % ("-slow" if slow else "", k)), "w")
        proc = subprocess.Popen([vulnwatch, "--config", cfg, "run"], stdout=log,
                                stderr=subprocess.STDOUT)

        def arrived():
            return [r for r in receiver.snapshot() if ("9%05d" % first) in r["body"]]

        deadline = time.monotonic() + 20
        # Until the daemon recorded the delivery (a SIGTERM before that would cancel the
        # transfer, and the next daemon would send the message again).
        while time.monotonic() < deadline and (
                not arrived() or count(db, "SELECT count(*) FROM outbox WHERE state = "
                                           "'delivered'") < k + 1):
            time.sleep(0.002)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
        if len(arrived()) != 1 or not feeds.served:
            sys.exit("latency sample %d: %d webhooks, %d feed requests (see %s/latency-%d.log)"
                     % (k, len(arrived()), len(feeds.served), work, k))
        samples.append(arrived()[0]["at"] - feeds.served[0])
    floors = []
    for _ in range(args.samples):
        wall, _, p = timed([floor, db, receiver.url(), "--limit", "1", "--get", feeds.url()])
        floors.append(float(p.stdout.split()[-1]))
    receiver.stop()
    label = "latency-slow" if slow else "latency"
    print("RESULT %s vulnwatch %s" % (label, " ".join("%.4f" % s for s in samples)))
    print("RESULT %s floor %s" % (label, " ".join("%.4f" % s for s in floors)))
    return samples, floors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--build", required=True, help="build directory with the bench targets")
    ap.add_argument("--work", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--samples", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    vulnwatch = os.path.join(args.build, "daemon", "vulnwatch")
    floor = os.path.join(args.build, "bench", "bench_delivery_floor")

    best = throughput(args, vulnwatch, floor)
    wall, cpu = best["vulnwatch"]
    fwall, fcpu = best["floor"]
    rwall, _ = best["floor-reuse"]
    print("deliver %d queued webhooks: %.2f s (CPU %.2f s) = %.2fx the curl loop (%.2f s, CPU "
          "%.2f s; one handle for all: %.2f s)   target <= 5 s: %s" %
          (args.count, wall, cpu, wall / fwall, fwall, fcpu, rwall,
           "met" if wall <= 5 else "MISSED"))
    print("   per message: vulnwatch %.2f ms, curl loop %.2f ms" %
          (wall * 1000 / args.count, fwall * 1000 / args.count))

    for slow in (False, True):
        samples, floors = latency(args, vulnwatch, floor, slow)
        print("poll -> webhook%s: median %.0f ms, max %.0f ms, min %.0f ms over %d polls; one GET "
              "+ one POST by curl: median %.1f ms   target <= 1 s: %s" %
              (" (another source due, 2 s to answer)" if slow else "",
               statistics.median(samples) * 1000, max(samples) * 1000, min(samples) * 1000,
               len(samples), statistics.median(floors) * 1000,
               "met" if max(samples) <= 1 else "MISSED"))


if __name__ == "__main__":
    main()
