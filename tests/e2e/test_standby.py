#!/usr/bin/python3
"""Active/standby daemons on one PostgreSQL store (issue 17 part 3; docs/operations.md
"Active/standby with PostgreSQL"). A database of its own on the test server (TS_PG_URL from
scripts/test-servers.sh) with COUNT webhook notifications queued (an imported feed whose items
all match a registered product), a slow loopback receiver (20 ms a request) that notes, for every
request, which daemon process sent it (the client socket's owner, from /proc), and:

1. two `vulnwatch run` started together: exactly one logs "active:", the other "standby:";
2. the active one is killed with SIGKILL in the middle of the deliveries: the standby logs
   "active:" within the bound (standby_retry = 1s, plus a second of slack) and finishes them.
   Every notification arrived (0 lost), a repeat only under the same idempotency key, at most one
   repeat (the message in flight at the kill); the receiver never saw the two daemons interleaved
   (every request of the killed one came before the kill, every one of its successor after);
3. a third daemon waits as a standby and stops within a second of SIGTERM, exit 0, having sent
   nothing;
4. the active daemon's lock session is ended on the server (pg_terminate_backend): it stops
   with exit 1 and says why, and a waiting standby takes over.

Without TS_PG_URL (no PostgreSQL test server) the test says so and exits 77 (ctest: skipped);
under CI=true that is a failure."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402

PG_URL = os.environ.get("TS_PG_URL")
if not PG_URL:
    message = ("PG MISSING: test_standby did not run: TS_PG_URL is not set (scripts/test-servers.sh "
               "starts the PostgreSQL test server; TS_PG=0 leaves it out)")
    if os.environ.get("CI") == "true":
        t.check(False, "TS_PG_URL is set (CI=true: the PostgreSQL test server must run)")
        t.finish()
    print(message)
    print(message, file=sys.stderr)
    skip_log = os.environ.get("VULNWATCH_SKIP_LOG")
    if skip_log:
        with open(skip_log, "a", encoding="utf-8") as f:
            f.write("e2e\ttest_standby\n")
    sys.exit(77)

COUNT = 300
RETRY = 1.0  # [daemon] standby_retry below
BOUND = RETRY + 1.5  # the takeover bound checked: one retry, the lock's release, slack
LOCK_CLASS = 1987510273  # kLeaderLockClass (daemon/leader_lock.h)
# The lock in pg_locks, in this test's database only (other tests' stores hold their own).
LOCK_ROWS = ("l.locktype = 'advisory' AND l.granted AND l.classid = %d AND l.objsubid = 2 AND "
             "l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
             % LOCK_CLASS)
started = time.monotonic()
work = tempfile.mkdtemp(prefix="vw-standby-")

psql_bin = os.path.join(os.environ.get("TS_PG_BIN", ""), "psql")
if not os.access(psql_bin, os.X_OK):
    psql_bin = shutil.which("psql") or "psql"
url = urllib.parse.urlsplit(PG_URL)
database = "vw_standby_" + uuid.uuid4().hex[:10]


def url_of(db, with_password=True):
    netloc = url.netloc if with_password else url.netloc.split("@")[-1]
    if not with_password and url.username:
        netloc = "%s@%s" % (url.username, netloc)
    return urllib.parse.urlunsplit((url.scheme, netloc, "/" + db, url.query, ""))


def psql(sql, db=database):
    p = subprocess.run([psql_bin, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                        url_of(db), "-c", sql], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError("psql %r: %s" % (sql, p.stderr.strip()))
    return [line.split("|") for line in p.stdout.splitlines() if line]


def socket_owner(client_port, server_port, pids):
    """The pid among `pids` whose socket is 127.0.0.1:client_port -> 127.0.0.1:server_port."""
    local, remote = "0100007F:%04X" % client_port, "0100007F:%04X" % server_port
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == local and fields[2] == remote:
                inode = fields[9]
                break
    if inode is None:
        return None
    target = "socket:[%s]" % inode
    for pid in pids:
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                try:
                    if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == target:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


daemon_pids = []  # every daemon started, for socket_owner


class AttributingReceiver:
    """A loopback webhook receiver (20 ms a request) recording each request's webhook-id,
    idempotency key, advisory, arrival time and the daemon process that sent it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def setup(self):
                super().setup()
                # The sender, looked up as the connection opens: one killed a moment later is
                # no longer to be found in /proc.
                self.owner = socket_owner(self.client_address[1], receiver.port,
                                          list(daemon_pids))

            def do_POST(self):
                arrived = time.time()
                owner = self.owner or socket_owner(self.client_address[1], receiver.port,
                                                   list(daemon_pids))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(0.02)
                try:
                    advisory = json.loads(body)["advisory"]["id"]
                except (ValueError, KeyError, TypeError):
                    advisory = None
                with receiver.lock:
                    receiver.requests.append({
                        "at": arrived, "pid": owner, "advisory": advisory,
                        "id": self.headers.get("webhook-id"),
                        "key": self.headers.get("X-Vulnwatch-Idempotency-Key")})
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def count(self):
        with self.lock:
            return len(self.requests)


psql("CREATE DATABASE %s" % database, db=url.path.lstrip("/") or "postgres")
psql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
receiver = AttributingReceiver()
password_file = os.path.join(work, "pg.password")
with open(os.open(password_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write((urllib.parse.unquote(url.password or "")) + "\n")
cfg = os.path.join(work, "vulnwatch.conf")
with open(cfg, "w", encoding="utf-8") as f:
    f.write(f"""
[store]
backend = postgresql
url = {url_of(database, with_password=False)}
password_file = {password_file}

[daemon]
standby_retry = 1s

[notifier.chat]
type = webhook
url = http://127.0.0.1:{receiver.port}/hook
secret = standby-test-signing-key
timeout = 10s
""")
products = os.path.join(work, "products.json")
with open(products, "w", encoding="utf-8") as f:
    f.write(ds.products_json())
feed = os.path.join(work, "feed.rdf")
with open(feed, "wb") as f:
    f.write(ds.feed(COUNT))
t.run(["products", "import", products], config=cfg, check_rc=0)
t.run(["import", feed], config=cfg, check_rc=0)
expected = {r[0] for r in psql("SELECT idempotency_key FROM outbox")}
t.check(len(expected) == COUNT, "%d notifications queued in PostgreSQL" % len(expected))

procs = {}  # name -> (Popen, log path)
notified = {}  # name -> the sd_notify messages the daemon sent


def listen(name):
    """A NOTIFY_SOCKET for daemon `name`, its messages collected into notified[name]."""
    path = os.path.join(work, name + ".notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    notified[name] = []

    def collect():
        while True:
            try:
                notified[name].append(sock.recv(4096).decode())
            except socket.timeout:
                continue
            except OSError:
                return

    threading.Thread(target=collect, daemon=True).start()
    return path


def status_of(name):
    """The last STATUS= the daemon sent, as `systemctl status` shows it."""
    found = ""
    for message in notified.get(name, []):
        for line in message.splitlines():
            if line.startswith("STATUS="):
                found = line[len("STATUS="):]
    return found


def start(name, notify=False):
    log_path = os.path.join(work, name + ".log")
    log = open(log_path, "w")
    env = dict(os.environ)
    if notify:
        env["NOTIFY_SOCKET"] = listen(name)
    proc = subprocess.Popen([t.BINARY, "--config", cfg, "run"], stdout=log,
                            stderr=subprocess.STDOUT, env=env)
    log.close()
    daemon_pids.append(proc.pid)
    procs[name] = (proc, log_path)
    return proc


def log_of(name):
    return t.read_text(procs[name][1])


def active_daemon():
    """`active_daemon` of `vulnwatch status --json`."""
    p = t.run(["status", "--json"], config=cfg, check_rc=0)
    try:
        return json.loads(p.stdout).get("active_daemon")
    except ValueError:
        return "not JSON: %r" % p.stdout[:200]


def active(name):
    return "] active: this daemon holds" in log_of(name)


def standby(name):
    return "] standby: the active daemon is" in log_of(name)


try:
    # 1. Two daemons started together: exactly one is active.
    start("a")
    start("b")
    settled = t.wait_until(lambda: (active("a") or active("b")) and (standby("a") or standby("b")),
                           20)
    t.check(settled, "one daemon says active:, the other standby:")
    t.check(not (active("a") and active("b")), "never both active")
    first, second = ("a", "b") if active("a") else ("b", "a")
    holder = psql("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                  "ON a.pid = l.pid WHERE " + LOCK_ROWS)
    t.check(holder == [["vulnwatch run %s:%d" % (socket.gethostname(), procs[first][0].pid)]],
            "pg_locks shows the lock %d held by the active daemon's session: %r"
            % (LOCK_CLASS, holder))
    t.check("vulnwatch run %s:%d" % (socket.gethostname(), procs[first][0].pid)
            in log_of(second), "the standby names the active daemon")
    shown = active_daemon()
    t.check(shown is not None and shown.get("name") == "vulnwatch run %s:%d"
            % (socket.gethostname(), procs[first][0].pid),
            "`vulnwatch status --json` names the active daemon: %r" % (shown,))

    # 2. SIGKILL the active one in the middle of the deliveries.
    reached = t.wait_until(lambda: receiver.count() >= COUNT // 3, 60, interval=0.005)
    t.check(reached, "the active daemon was delivering (%d arrived)" % receiver.count())
    procs[first][0].send_signal(signal.SIGKILL)
    killed_at = time.time()
    procs[first][0].wait(timeout=10)
    arrived_at_kill = receiver.count()
    took_over = t.wait_until(lambda: active(second), 20, interval=0.02)
    takeover = time.time() - killed_at
    t.check(took_over and takeover <= BOUND,
            "the standby took over %.2f s after the kill (bound %.1f s)" % (takeover, BOUND))
    done = t.wait_until(lambda: psql("SELECT count(*) FROM outbox WHERE state = 'delivered'")
                        == [[str(COUNT)]], 60, interval=0.2)
    t.check(done, "the outbox shows %d delivered" % COUNT)
    t.check("took over the delivery lease of" in log_of(second),
            "the new active daemon took the delivery lease of the killed one at once")
    shown = active_daemon()
    t.check(shown is not None and shown.get("name") == "vulnwatch run %s:%d"
            % (socket.gethostname(), procs[second][0].pid),
            "`vulnwatch status --json` names the new active daemon: %r" % (shown,))

    requests = receiver.snapshot()
    killed, successor = procs[first][0].pid, procs[second][0].pid
    # A request whose sender was killed before its socket could be looked up has no owner: at
    # most the one in flight at the kill, which the successor must then have sent again.
    unknown = [r for r in requests if r["pid"] not in (killed, successor)]
    resent = {r["id"] for r in requests if r["pid"] == successor}
    excused = [r for r in unknown
               if killed_at - 1.0 <= r["at"] <= killed_at + 0.1 and r["id"] in resent]
    t.check(len(unknown) == len(excused) <= 1,
            "every request came from one of the two daemons (%d unknown, %d of them the one in "
            "flight at the kill, sent again by the successor)" % (len(unknown), len(excused)))
    late = [r for r in requests if r["pid"] == killed and r["at"] > killed_at]
    early = [r for r in requests if r["pid"] == successor and r["at"] < killed_at]
    t.check(not late and not early,
            "never both delivering: %d requests of the killed daemon, all before the kill (%d "
            "after); %d of its successor, all after (%d before)"
            % (sum(r["pid"] == killed for r in requests), len(late),
               sum(r["pid"] == successor for r in requests), len(early)))
    keys = [r["id"] for r in requests]
    unique = set(keys)
    repeats = len(keys) - len(unique)
    print("COUNTS: queued %d, arrived %d (%d at the kill), unique %d, repeats %d, takeover "
          "%.2f s" % (COUNT, len(keys), arrived_at_kill, len(unique), repeats, takeover))
    t.check(unique == expected, "every notification arrived: %d lost, %d unknown"
            % (len(expected - unique), len(unique - expected)))
    t.check(all(r["id"] == r["key"] for r in requests),
            "webhook-id and X-Vulnwatch-Idempotency-Key agree on every request")
    by_advisory = {}
    for r in requests:
        by_advisory.setdefault(r["advisory"], set()).add(r["id"])
    t.check(len(by_advisory) == COUNT and all(len(k) == 1 for k in by_advisory.values()),
            "a repeat carries the same idempotency key as the first delivery")
    t.check(repeats <= 1, "at most the message in flight at the kill came twice (%d)" % repeats)

    # 3. A standby stops within a second of SIGTERM.
    start("c", notify=True)
    t.check(t.wait_until(lambda: standby("c"), 20), "a third daemon waits as a standby")
    t.check(t.wait_until(lambda: status_of("c").startswith("standby: the active daemon is "
                                                            "vulnwatch run "), 5)
            and any("READY=1" in m for m in notified["c"]),
            "it told systemd READY=1 and its role: %r" % status_of("c"))
    time.sleep(1.5)  # a retry or two
    proc_c = procs["c"][0]
    proc_c.send_signal(signal.SIGTERM)
    stop_started = time.monotonic()
    try:
        rc = proc_c.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc_c.kill()
        rc = proc_c.wait()
    stop_took = time.monotonic() - stop_started
    t.check(rc == 0 and stop_took < 1.0,
            "the standby stopped %.2f s after SIGTERM, exit %s" % (stop_took, rc))
    t.check(t.wait_until(lambda: any("STOPPING=1" in m for m in notified["c"]), 2),
            "it told systemd STOPPING=1")
    t.check("stopped (standby)" in log_of("c") and not active("c"),
            "it says it stopped as a standby and never became active")
    t.check(not any(r["pid"] == proc_c.pid for r in receiver.snapshot()),
            "the standby sent nothing")

    # 4. The active daemon's lock session ends on the server: it stops (exit 1), a standby
    # takes over.
    start("d", notify=True)
    t.check(t.wait_until(lambda: standby("d"), 20), "a fourth daemon waits as a standby")
    ended = psql("SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE " + LOCK_ROWS)
    ended_at = time.time()
    t.check(ended == [["t"]], "the lock's session was ended on the server")
    proc_s = procs[second][0]
    try:
        rc = proc_s.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    lost_took = time.time() - ended_at
    t.check(rc == 1 and lost_took < 3,
            "the daemon that lost its lock stopped %.2f s later with exit %s (1 expected)"
            % (lost_took, rc))
    t.check("lost the PostgreSQL advisory lock" in log_of(second),
            "it says it lost the advisory lock")
    t.check(t.wait_until(lambda: active("d"), 10, interval=0.02),
            "the waiting standby became active")
    t.check(t.wait_until(lambda: status_of("d").startswith("active: polling"), 5),
            "and told systemd so: %r" % status_of("d"))
    procs["d"][0].send_signal(signal.SIGTERM)
    t.check(procs["d"][0].wait(timeout=20) == 0, "the active daemon stops on SIGTERM, exit 0")
    p = t.run(["status", "--lang", "en"], config=cfg, check_rc=0)
    t.check(active_daemon() is None and "active daemon: none" in p.stdout,
            "with no daemon running, `status` says none is active")
finally:
    for name, (proc, _) in procs.items():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    receiver.server.shutdown()
    receiver.server.server_close()
    try:
        psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % database,
             db=url.path.lstrip("/") or "postgres")
    except RuntimeError as e:
        print("cannot drop the test database: %s" % e)

for name in sorted(procs):
    if procs[name][0].returncode not in (0, 1, -signal.SIGKILL):
        t.check(False, "daemon %s exited %s" % (name, procs[name][0].returncode))
took = time.monotonic() - started
t.check(took < 120, "bounded: %.1f s" % took)
if t.failures:
    for name in sorted(procs):
        print("--- daemon %s log (end):\n%s" % (name, log_of(name)[-3000:]))
else:
    shutil.rmtree(work, ignore_errors=True)
t.finish()
