#!/usr/bin/python3
"""SIGKILL anywhere (issue 16 part 2): the real binary is killed with SIGKILL (its whole process
group) at random points of six kinds of work, then restarted to completion, and afterwards the
store and the receivers are checked against the inputs.

Phases (one drawn per kill; each kill brings new work, so every kill interrupts something):
  backfill  `vulnwatch backfill` of a new synthetic yearly VULDEF file (bench/make_synthetic.py)
            from the loopback HTTP server, in batches of 50
  import    `vulnwatch import` of a new JVN RSS file whose items all match a registered product
  poll      `vulnwatch run` polling a jvn-rss source on the loopback HTTP server that now lists
            new matching items, delivering to a webhook receiver and through aiosmtpd
  digest    new matches for a digest owner, then `digest send-now` and `vulnwatch run` sending
            the digests (and whatever else is due) through aiosmtpd
  cases     a shell running `cases transition` received -> confirming -> evaluating for cases
            opened by matches
  sbom      `products import-sbom` of a new CycloneDX SBOM for a new product version
The delay before the kill is drawn uniformly over the phase's usual running time.

Invariants at the end: PRAGMA integrity_check is ok; `audit verify` and `cases verify` exit 0;
every record id of the inputs is stored exactly once; every matched vulnerability has exactly one
case; every transitioned case reached its state once; every SBOM's components are its version's,
once each; every queued notification (outbox idempotency key) arrived at least once (webhook-id /
Message-ID), nothing arrived under a key the outbox does not know, and no two outbox messages
carry the same content under different keys. Prints "kills=N lost=L duplicated=D ...".

VW_KILL_SEED sets the seed (else one is drawn and printed); VW_KILLS the number of kills
(default 100)."""
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import delivery_support as ds  # noqa: E402
import vwtest as t  # noqa: E402

sys.path.insert(0, os.path.join(t.SOURCE_DIR, "bench"))
import make_synthetic  # noqa: E402

SEED = int(os.environ.get("VW_KILL_SEED") or random.SystemRandom().randrange(1, 1 << 31))
KILLS = int(os.environ.get("VW_KILLS") or 100)
print("seed=%d kills=%d (rerun with VW_KILL_SEED=%d VW_KILLS=%d)" % (SEED, KILLS, SEED, KILLS))
rng = random.Random(SEED)
started = time.monotonic()

PRODUCT = ds.PRODUCTS["products"][0]["name"]
ws = t.Workspace("sigkill")
receiver = ds.Receiver().start()
log_path = os.path.join(ws.dir, "commands.log")
log = open(log_path, "w")
immediate = ws.address("immediate")
digester = ws.address("digest")
ws.write("smtp.secret", t.env("TS_SMTP_PASS") + "\n")
config = ws.write("vulnwatch.conf", f"""
[store]
path = {ws.db}

[source.feed]
type = jvn-rss
url = {ws.feed_url("feed.rdf")}
interval = 1h

[notifier.chat]
type = webhook
url = {receiver.url()}
secret = sigkill-test-signing-key
timeout = 10s

[notifier.mail]
type = email
smtp = smtp://127.0.0.1:{t.env("TS_SMTP_PORT")}
starttls = required
ca_file = {t.env("TS_CA_CERT")}
from = vulnwatch <vulnwatch@example.jp>
user = {t.env("TS_SMTP_USER")}
password_file = smtp.secret
timeout = 10s

[owner.digest]
email = {digester}
mode = digest
digest = daily 03:00
timezone = Asia/Tokyo
""")
products = json.loads(ds.products_json())
products["products"][0]["owners"] = [immediate, digester]
t.run(["products", "import", ws.write("products.json", json.dumps(products))], config=config,
      check_rc=0)
t.run(["products", "add", "VW SBOM Device", "--version", "0", "--owner", immediate],
      config=config, check_rc=0)
DAEMON_ENV = dict(os.environ, VULNWATCH_TEST_POLL_INTERVAL_MS="200")


def query(sql, args=()):
    con = t.db_connect(ws.db, timeout=30)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def spawn(cmd, env=None):
    """cmd: argv of the binary, or a shell script (str); its own process group."""
    if isinstance(cmd, str):
        argv = ["/bin/sh", "-c", cmd]
    else:
        argv = [t.BINARY, "--config", config] + cmd
    log.write("$ %s\n" % (cmd if isinstance(cmd, str) else " ".join(argv)))
    log.flush()
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


took = {}  # phase -> how long its last whole run took (s)


def kill_after(proc, delay, phase=None):
    """SIGKILL the process group after `delay` s; False when it ended first. With `phase`, a
    run that ended first took the whole of that phase's work: its time is the next longest
    delay."""
    begun = time.monotonic()
    try:
        proc.wait(timeout=delay)
        if phase:
            took[phase] = time.monotonic() - begun
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        # A shell's children outlive it by a moment: a vulnwatch inside a write() finishes that
        # call (a commit) before it dies. Reading the store before then saw a case one step behind.
        if not group_gone(proc.pid):
            t.check(False, "process group %d still running 10 s after SIGKILL" % proc.pid)
        return True


def group_gone(pgid, seconds=10):
    """Whether every process of group `pgid` has ended (zombies count as ended) within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        alive = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended while we looked
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                alive = True
                break
        if not alive:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)


def complete(cmd, what, phase=None):
    """Runs to completion; a non-zero exit is a failure. With `phase` (given after a kill that
    hit, so this run does what the killed one left: all of it, or what its last commit had
    not), the time it took is that phase's next longest delay. After a kill that missed, this
    run finds the work done and ends early, which would say nothing about the work."""
    begun = time.monotonic()
    proc = spawn(cmd)
    rc = proc.wait(timeout=300)
    if phase:
        took[phase] = time.monotonic() - begun
    if rc != 0:
        t.check(False, "%s completes after the kill (exit %d)" % (what, rc))


def pending():
    return query("SELECT count(*) FROM outbox WHERE state = 'pending'")[0][0]


def run_daemon_until(done, what, seconds=90):
    """`vulnwatch run` until done() (then SIGTERM and a clean stop)."""
    proc = spawn(["run"], env=DAEMON_ENV)
    # Not before its signal thread runs (a SIGTERM in its first milliseconds ends it by the
    # default action, exit -15, which is not what this checks).
    time.sleep(0.3)
    ok = t.wait_until(lambda: proc.poll() is not None or done(), seconds, interval=0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    else:
        rc = proc.returncode
    if not ok or proc.poll() is None or rc != 0:
        t.check(False, "%s: the restarted daemon completed (done %s, exit %s)" % (what, ok, rc))


# --- what the inputs hold ---------------------------------------------------------------------
expected_ids = []        # every record id of the inputs (the same id never in two inputs)
matched_ids = []         # those that match PRODUCT (one case each)
evaluated_cases = set()  # case ids moved to 'evaluating'
sboms = {}               # version -> component names
next_item = [1]
next_year = [1999]
interrupted = {}         # phase -> kills that hit a running process


def new_items(count):
    first = next_item[0]
    next_item[0] += count
    ids = ["JVNDB-2026-%06d" % (900000 + n) for n in range(first, first + count)]
    expected_ids.extend(ids)
    matched_ids.extend(ids)
    return ds.feed(count, first=first), ids


def ids_stored(ids):
    marks = ",".join("?" * len(ids))
    return query("SELECT count(DISTINCT record_id) FROM record WHERE record_id IN (%s)" % marks,
                 ids)[0][0] == len(ids)


def phase_backfill(delay):
    year = next_year[0]
    next_year[0] += 1
    folder = os.path.join(ws.docroot, "bf%d" % year)
    make_synthetic.generate(300, folder, per_file=300, last_year=year, prefix="",
                            seed=SEED + year, templates="project")
    path = os.path.join(folder, "jvndb_detail_%d.rdf" % year)
    with open(path, encoding="utf-8") as f:
        ids = re.findall(r"<Vulinfo>\s*<VulinfoID>([^<]+)</VulinfoID>", f.read())
    t.check(len(ids) == 300, "backfill %d: the input has 300 entries (%d)" % (year, len(ids)))
    expected_ids.extend(ids)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    checksum = [{"url": "https://jvndb.jvn.jp/ja/feed/detail/jvndb_detail_%d.rdf" % year,
                 "filename": "jvndb_detail_%d.rdf" % year, "sha256": digest,
                 "size": os.path.getsize(path), "lastModified": "2026/11/01 09:00:00"}]
    with open(os.path.join(folder, "checksum.txt"), "w") as f:
        json.dump(checksum, f)
    cmd = ["backfill", "--since", str(year), "--until", str(year), "--base-url",
           ws.feed_url("bf%d/" % year), "--checksum-url", ws.feed_url("bf%d/checksum.txt" % year),
           "--work-dir", os.path.join(ws.dir, "bfwork"), "--batch-size", "50"]
    killed = kill_after(spawn(cmd), delay, "backfill")
    complete(cmd, "backfill %d" % year, "backfill" if killed else None)
    return killed


def phase_import(delay):
    data, ids = new_items(60)
    path = os.path.join(ws.dir, "import-%s.rdf" % ids[0])
    with open(path, "wb") as f:
        f.write(data)
    killed = kill_after(spawn(["import", path]), delay, "import")
    complete(["import", path], "import", "import" if killed else None)
    return killed


def phase_poll(delay):
    data, ids = new_items(20)
    ws.serve("feed.rdf", data)
    killed = kill_after(spawn(["run"], env=DAEMON_ENV), delay)
    run_daemon_until(lambda: ids_stored(ids) and pending() == 0, "poll")
    return killed


def digests_made():
    return query("SELECT count(*) FROM digest")[0][0]


def phase_digest(delay):
    data, ids = new_items(5)
    path = os.path.join(ws.dir, "digest-%s.rdf" % ids[0])
    with open(path, "wb") as f:
        f.write(data)
    complete(["import", path], "import before the digest")
    before = digests_made()
    proc = spawn("'%s' --config '%s' digest send-now --owner digest >/dev/null && exec '%s' "
                 "--config '%s' run" % (t.BINARY, config, t.BINARY, config))
    killed = kill_after(proc, delay)
    if digests_made() == before:
        complete(["digest", "send-now", "--owner", "digest"], "digest send-now")
    run_daemon_until(lambda: pending() == 0, "digest")
    return killed


STEPS = [("confirming", ["--assignee", "山田"]),
         ("evaluating", ["--finding", "the firmware carries the component"])]


def case_state(case_id):
    return query("SELECT state FROM vcase WHERE id = ?", (case_id,))[0][0]


def transition_cmd(case_id, state, fields):
    return ["cases", "transition", str(case_id), state, "--by", "鈴木"] + fields


def phase_cases(delay):
    ids = [r[0] for r in query("SELECT id FROM vcase WHERE state = 'received' AND product = ? "
                               "ORDER BY id LIMIT 4", (PRODUCT,))]
    if not ids:
        return None
    script = []
    for case_id in ids:
        for state, fields in STEPS:
            argv = [t.BINARY, "--config", config] + transition_cmd(case_id, state, fields)
            script.append(" ".join("'%s'" % a for a in argv) + " >/dev/null")
    killed = kill_after(spawn(" && ".join(script)), delay, "cases")
    order = [s for s, _ in STEPS]
    for case_id in ids:  # restart: each case from where it stands
        current = case_state(case_id)
        start = order.index(current) + 1 if current in order else 0
        for state, fields in STEPS[start:]:
            complete(transition_cmd(case_id, state, fields), "case %d -> %s" % (case_id, state))
        evaluated_cases.add(case_id)
    return killed


def phase_sbom(delay):
    version = "1.%d" % (len(sboms) + 1)
    # Big enough that the import outlasts process start-up (150 components took 32 ms, so most
    # kills came after it had ended).
    names = ["vwlib-%s-%04d" % (version, i) for i in range(1500)]
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"component": {"type": "firmware", "name": "VW SBOM Device",
                                      "version": version}},
           "components": [{"type": "library", "bom-ref": "r%d" % i, "name": n,
                           "version": "%d.0.%d" % (i % 7, i), "purl": "pkg:generic/%s@%d.0.%d" %
                           (n, i % 7, i)} for i, n in enumerate(names)]}
    path = ws.write("sbom-%s.cdx.json" % version, json.dumps(bom))
    sboms[version] = names
    cmd = ["products", "import-sbom", path, "--product", "VW SBOM Device", "--version", version]
    killed = kill_after(spawn(cmd), delay, "sbom")
    complete(cmd, "import-sbom %s" % version, "sbom" if killed else None)
    return killed


# Phase: (function, longest delay before the kill in seconds: about its usual running time; for
# backfill, import, sbom and cases the time their last whole run took replaces it).
PHASES = {"backfill": (phase_backfill, 0.8), "import": (phase_import, 0.5),
          "poll": (phase_poll, 1.5), "digest": (phase_digest, 1.2),
          "cases": (phase_cases, 0.6), "sbom": (phase_sbom, 0.4)}

try:
    # Seed some matches first, so that the first case phases have cases to move.
    complete(["import", ws.write("seed.rdf", new_items(10)[0].decode())], "first import")
    kills = 0
    while kills < KILLS and not t.failures:
        name = rng.choice(sorted(PHASES))
        fn, longest = PHASES[name]
        delay = rng.uniform(0.02, max(0.05, took.get(name, longest)))
        killed = fn(delay)
        if killed is None:
            continue
        kills += 1
        interrupted[name] = interrupted.get(name, [0, 0])
        interrupted[name][0] += 1
        interrupted[name][1] += 1 if killed else 0
    # The digest owner's last digest (everything matched since the last one), then drain what is
    # still due (e.g. an import's notifications).
    complete(["digest", "send-now", "--owner", "digest"], "the last digest")
    run_daemon_until(lambda: pending() == 0, "final delivery")
finally:
    log.close()
receiver.stop()

# --- invariants -------------------------------------------------------------------------------
lost = {}
duplicated = {}
if not t.on_postgres():  # SQLite's own check of the file; PostgreSQL has no such pragma
    integrity = query("PRAGMA integrity_check")
    t.check(integrity == [("ok",)], "PRAGMA integrity_check: %s" % integrity[:3])
p = t.run(["audit", "verify"], config=config)
t.check(p.returncode == 0, "audit verify exits 0: %s" % (p.stdout + p.stderr).strip()[-300:])
p = t.run(["cases", "verify"], config=config)
t.check(p.returncode == 0, "cases verify exits 0: %s" % (p.stdout + p.stderr).strip()[-300:])

stored = dict(query("SELECT record_id, count(*) FROM record GROUP BY record_id"))
lost["records"] = sum(1 for i in expected_ids if i not in stored)
duplicated["records"] = sum(1 for i in expected_ids if stored.get(i, 0) > 1)
unknown = set(stored) - set(expected_ids)
t.check(len(set(expected_ids)) == len(expected_ids), "the inputs' ids are distinct (%d)"
        % len(expected_ids))
t.check(lost["records"] == 0 and duplicated["records"] == 0 and not unknown,
        "every input record stored once: %d ids, %d missing, %d twice, %d unknown"
        % (len(expected_ids), lost["records"], duplicated["records"], len(unknown)))

cases = {}
for (key, n) in query("SELECT cluster_key, count(*) FROM vcase WHERE product = ? "
                      "GROUP BY cluster_key", (PRODUCT,)):
    cases[key] = n
matched_cases = query("SELECT count(DISTINCT v.id) FROM vcase v JOIN record r "
                      "ON r.cluster_id = v.cluster_id WHERE v.product = ? AND r.record_id IN (%s)"
                      % ",".join("?" * len(matched_ids)), [PRODUCT] + matched_ids)[0][0]
lost["cases"] = len(matched_ids) - matched_cases
duplicated["cases"] = sum(n - 1 for n in cases.values())
t.check(lost["cases"] == 0 and duplicated["cases"] == 0 and len(cases) == len(matched_ids),
        "one case per matched vulnerability: %d expected, %d with a case, %d clusters, %d extra"
        % (len(matched_ids), matched_cases, len(cases), duplicated["cases"]))
wrong = [c for c in evaluated_cases if case_state(c) != "evaluating"]
t.check(not wrong, "every transitioned case is in 'evaluating' (%d cases; wrong: %s)"
        % (len(evaluated_cases), wrong[:5]))

lost["components"] = duplicated["components"] = 0
for version, names in sboms.items():
    rows = [r[0] for r in query("SELECT c.name FROM component c JOIN product_version v ON "
                                "v.id = c.version_id JOIN product p ON p.id = v.product_id WHERE "
                                "p.name = 'VW SBOM Device' AND v.version = ?", (version,))]
    lost["components"] += len(set(names) - set(rows))
    duplicated["components"] += len(rows) - len(set(rows))
    t.check(sorted(set(rows)) == sorted(names) and len(rows) == len(names),
            "SBOM %s: its %d components once each (%d stored)" % (version, len(names), len(rows)))

outbox = {k: (n, st) for k, n, st in query("SELECT idempotency_key, notifier, state FROM outbox")}
t.check(all(st == "delivered" for _, st in outbox.values()),
        "the outbox is delivered: %s" % sorted({st for _, st in outbox.values()}))
hooks = [r["headers"].get("webhook-id") for r in receiver.snapshot()]
mails = []
for meta, msg in t.mails_for(ws.tag):
    mid = (msg["Message-ID"] or "").strip()
    mails.append(mid[1:-len("@vulnwatch>")] if mid.endswith("@vulnwatch>") else mid)
arrived = set(hooks) | set(mails)
# The digest owner hears of every match in the digests only: each matched id must be an item of
# exactly one digest (one key; the same digest delivered twice is a same-key repeat).
digested = {}
for meta, msg in t.mails_for("digest+" + ws.tag):
    key = (msg["Message-ID"] or "").strip()
    text = msg.get_body(("plain",)).get_content()
    for vuln in re.findall(r"^\* \[[^\]]+\] (JVNDB-\S+)", text, re.M):
        digested.setdefault(vuln, set()).add(key)
lost["digest items"] = sum(1 for i in matched_ids if i not in digested)
duplicated["digest items"] = sum(1 for keys in digested.values() if len(keys) > 1)
t.check(lost["digest items"] == 0 and duplicated["digest items"] == 0 and
        set(digested) <= set(matched_ids),
        "every match is an item of exactly one digest: %d matched, %d in none, %d in two or "
        "more, %d unknown" % (len(matched_ids), lost["digest items"],
                              duplicated["digest items"], len(set(digested) - set(matched_ids))))
lost["notifications"] = sum(1 for k in outbox if k not in arrived)
strangers = arrived - set(outbox)
# The same content under two keys: two outbox messages alike in all but their key.
duplicated["notifications"] = query(
    "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM outbox "
    "GROUP BY notifier, recipient, subject, text, payload HAVING count(*) > 1) AS dup")[0][0]
repeats = len(hooks) + len(mails) - len(arrived)
t.check(lost["notifications"] == 0, "every notification arrived at least once: %d queued "
        "(%d webhook, %d mail), %d missing" % (len(outbox), sum(
            1 for n, _ in outbox.values() if n == "chat"), sum(
            1 for n, _ in outbox.values() if n == "mail"), lost["notifications"]))
t.check(not strangers, "nothing arrived under a key the outbox does not know (%d)"
        % len(strangers))
t.check(duplicated["notifications"] == 0, "no message queued twice under different keys (%d)"
        % duplicated["notifications"])
t.check(len(outbox) > 0 and len(mails) > 0 and len(hooks) > 0,
        "notifications went both ways (%d webhook requests, %d mails)" % (len(hooks), len(mails)))
hit = sum(v[1] for v in interrupted.values())
t.check(hit >= kills * 0.6, "most kills hit a running process (%d of %d)" % (hit, kills))

print("\nkills=%d lost=%d duplicated=%d (same-key repeats %d) seed=%d; by phase (kills, hit a "
      "running process): %s; lost %s, duplicated %s; %d records, %d cases, %d notifications, "
      "%.1f s" % (kills, sum(lost.values()), sum(duplicated.values()), repeats, SEED,
                  ", ".join("%s %d/%d" % (k, v[0], v[1]) for k, v in sorted(interrupted.items())),
                  lost, duplicated, len(expected_ids), len(cases), len(outbox),
                  time.monotonic() - started))
if t.failures:
    print("commands (end):\n" + t.read_text(log_path)[-4000:])
    print("kept for a look: %s" % ws.dir)
else:
    ws.cleanup()
t.finish()
