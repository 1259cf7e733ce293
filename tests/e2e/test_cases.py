#!/usr/bin/python3
"""Cases end to end (issue 12 parts 1 and 6, docs/cases.md), with the real binary and the sqlite3
shell:

- importing the demo's products and feed opens one case per vulnerability and product version;
- `cases transition` refuses a missing field and an illegal transition (exit 1, the reason),
  walks a case through the procedure, and `cases show --json` gives its history with who did what;
- the sqlite3 shell cannot delete a case; `cases verify` replays the audit trail and catches a
  row edited behind vulnwatch's back;
- kill -9 in the middle of transitions leaves an audit chain that verifies and cases equal to
  their replay.
Needs no loopback server."""
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import vwtest as t  # noqa: E402


def cases(db, *args):
    p = t.run(["cases", "list", "--json"] + list(args), db=db, check_rc=0)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def show(db, case_id):
    p = t.run(["cases", "show", str(case_id), "--json"], db=db, check_rc=0)
    return json.loads(p.stdout)


def transition(db, case_id, state, *fields, by="佐藤", check_rc=None):
    return t.run(["cases", "transition", str(case_id), state, "--by", by] + list(fields), db=db,
                 check_rc=check_rc)


def main():
    work = tempfile.mkdtemp(prefix="vw-cases-")
    try:
        run_all(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.finish()


def make_store(work, name):
    db = os.path.join(work, name)
    t.run(["products", "import", os.path.join(t.SOURCE_DIR, "demo", "products_demo.json")],
          db=db, check_rc=0)
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], db=db,
          check_rc=0)
    return db


def run_all(work):
    db = make_store(work, "cases.db")
    listed = cases(db)
    t.check(len(listed) > 0, "the demo's matches opened cases (%d)" % len(listed))
    t.check(all(c["state"] == "received" and c["origin"] == "match" for c in listed),
            "every new case is received, opened by a match")
    keys = [(c["cluster_key"], c["product"], c["version"]) for c in listed]
    t.check(len(keys) == len(set(keys)), "one case per vulnerability and product version")
    t.check(all(c["due"]["decide"] != "-" and c["next_clock"] == "decide" for c in listed),
            "every case has a decide deadline, the next one due")
    # Importing the same feed again opens nothing new.
    t.run(["import", os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf")], db=db,
          check_rc=0)
    t.check(len(cases(db)) == len(listed), "a second import opens no second case")

    case_id = listed[0]["id"]
    p = transition(db, case_id, "evaluating", "--finding", "x")
    t.check(p.returncode == 1 and "cannot go to evaluating" in p.stderr,
            "an illegal transition is refused naming the reachable states (%r)" % p.stderr)
    p = transition(db, case_id, "confirming")
    t.check(p.returncode == 1 and "needs --assignee" in p.stderr,
            "a missing required field is refused by name (%r)" % p.stderr)
    p = transition(db, case_id, "confirming", "--assignee", "田中", by="daemon")
    t.check(p.returncode == 1 and "reserved" in p.stderr, "--by daemon is refused")
    transition(db, case_id, "confirming", "--assignee", "田中")
    transition(db, case_id, "evaluating", "--field", "finding=the gateway ships the library")
    p = transition(db, case_id, "responding", "--risk", "uncontrolled", "--assessment",
                   "reachable from the hospital LAN", "--action", "fix")
    t.check(p.returncode == 1 and "--target_version" in p.stderr,
            "a fix without a target version is refused")
    p = transition(db, case_id, "responding", "--risk", "uncontrolled", "--assessment",
                   "reachable from the hospital LAN", "--action", "fix", "--target-version",
                   "2.0.1")
    t.check(p.returncode == 0, "a complete transition is made (%r)" % p.stderr)
    detail = show(db, case_id)
    t.check(detail["state"] == "responding" and detail["fields"]["target_version"] == "2.0.1",
            "cases show gives the state and the fields")
    kinds = [(e["kind"], e["actor"]) for e in detail["events"]]
    t.check(kinds[0] == ("case-open", "daemon") and
            kinds.count(("case-transition", "佐藤")) == 3,
            "the history names who did each step (%r)" % kinds)
    t.check(detail["decided_at"] != "-", "leaving evaluation records the decision time")

    # One case end to end for an auditor: its events and its evidence, hashes verified.
    out_dir = os.path.join(work, "case-export")
    p = t.run(["audit", "export", str(case_id), "--evidence-dir", out_dir], db=db, check_rc=0)
    t.check("案件 #%d" % case_id in p.stdout and "case-open" not in p.stdout.split("\n")[0],
            "the readable report is about the case")
    t.check("各経路が最初に伝えた日時" in p.stdout, "the report says when each channel first said it")
    p = t.run(["audit", "export", "--case", str(case_id), "--json"], db=db, check_rc=0)
    lines = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    t.check(len(lines) >= 4 and all(e["event"].get("case") == str(case_id) for e in lines),
            "--json gives exactly the case's events (%d)" % len(lines))
    files = sorted(f for f in os.listdir(out_dir) if f != "manifest.jsonl")
    t.check(len(files) >= 1, "the case's evidence is exported (%d files)" % len(files))
    ok = True
    for name in files:
        with open(os.path.join(out_dir, name), "rb") as f:
            ok = ok and hashlib.sha256(f.read()).hexdigest() == name
    t.check(ok, "every exported blob's SHA-256 is its name")
    with open(os.path.join(t.SOURCE_DIR, "demo", "feeds", "jvndb_new_demo.rdf"), "rb") as f:
        feed_hash = hashlib.sha256(f.read()).hexdigest()
    t.check(feed_hash in files, "the feed the case came from is among its evidence")
    p = t.run(["audit", "export", "999999"], db=db)
    t.check(p.returncode == 1 and "no case 999999" in p.stderr, "an unknown case is refused")

    # Append-only: the shell cannot delete a case; an edited row is caught.
    r = t.db_shell(db, "DELETE FROM vcase WHERE id = %d" % case_id)
    t.check(r.returncode != 0 and "never deleted" in r.stderr,
            "the sqlite3 shell cannot delete a case (%r)" % r.stderr)
    t.run(["cases", "verify"], db=db, check_rc=0)
    other = listed[-1]["id"]
    r = t.db_shell(db, "UPDATE vcase SET state = 'closed' WHERE id = %d" % other)
    t.check(r.returncode == 0, "the shell can edit a case row (%r)" % r.stderr)
    p = t.run(["cases", "verify"], db=db)
    t.check(p.returncode == 1 and ("case #%d" % other) in p.stdout,
            "cases verify names the edited case (%r)" % p.stdout)
    t.run(["audit", "verify"], db=db, check_rc=0)

    # --- kill -9 in the middle of transitions ------------------------------------------------
    killed = make_store(work, "killed.db")
    ids = [c["id"] for c in cases(killed)]
    rng = random.Random(12)
    # How long one transition process lives here (start-up included), so the kills below land
    # before, in and after its transaction.
    start = time.monotonic()
    transition(killed, ids[0], "false_positive", "--reason", "timing", check_rc=0)
    transition(killed, ids[0], "received", "--reason", "timing", check_rc=0)
    lifetime = (time.monotonic() - start) / 2
    kills = 0
    for attempt in range(40):
        # The machine's speed changes under a parallel build (CI ran 40 of 40 killed once): a
        # run whose attempts so far (at 10, 20, 30) were all killed, or none was, widens or
        # narrows the window of the kills.
        if attempt in (10, 20, 30):
            if kills == attempt:
                lifetime *= 2
            elif kills == 0:
                lifetime /= 2
        case_id = ids[attempt % len(ids)]
        state = show(killed, case_id)["state"]
        step = (["false_positive", "--reason", "attempt %d" % attempt] if state == "received"
                else ["received", "--reason", "attempt %d" % attempt])
        proc = subprocess.Popen([t.BINARY, "--db", killed, "cases", "transition", str(case_id)]
                                + step + ["--by", "佐藤"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * lifetime)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    t.check(0 < kills < 40, "some transitions were killed, some finished (%d of 40 killed)" % kills)
    t.run(["audit", "verify"], db=killed, check_rc=0)
    t.run(["cases", "verify"], db=killed, check_rc=0)
    con = t.db_connect(killed)
    try:
        n = con.execute("SELECT count(*) FROM event_log WHERE kind IN ('case-transition', "
                        "'case-reopen')").fetchone()[0]
    finally:
        con.close()
    finished = 40 - kills
    t.check(2 + finished <= n <= 2 + 40, "every finished transition is recorded once, a killed one "
            "at most once (%d events, %d finished)" % (n, finished))


if __name__ == "__main__":
    main()
