#!/usr/bin/python3
"""Times `vulnwatch --db DB advisories show ID --json` for the ids of a SYNTHETIC set's
show_ids.txt (bench/make_synthetic.py), against the start-up of `vulnwatch --version`.

    show_latency.py VULNWATCH DB show_ids.txt [--runs 7] [--out FILE]
                    [--same-as OTHER_VULNWATCH OTHER_DB]

For each id, `show` and `--version` are started alternately --runs times each in a tight loop
(output to /dev/null, after one warm-up run of each), so both see the same machine; the fastest
run of each is kept (the least disturbed by the shared machine), and the id's own work is the
difference, in wall time and in CPU time (user + system, from wait4). Prints the slowest ids
(all of them to --out), then the max and median over the ids; the last line is
machine-readable:
    RESULT baseline_ms max_ms median_ms max_own_ms median_own_ms slowest_id max_own_cpu_ms

--same-as first checks that another build on another database (e.g. the previous release on a
store it filled from the same files) prints the same bytes for every id, `show ID --json` and
`show ID`, and for `advisories list --json` and `advisories list`: a change meant to make the
command faster must not change what it prints. Exits 1, naming the ids, when they differ.
Python 3 standard library only.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def spawn(argv, devnull):
    """(wall ms, cpu ms) of one run of argv; stdout and stderr to /dev/null."""
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("%s exited with %d" % (" ".join(argv), os.waitstatus_to_exitcode(status)))
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def compare(argv, baseline, runs, devnull):
    """Fastest (wall, cpu) of argv and of baseline, run alternately (after one warm-up each)."""
    best = [float("inf")] * 4
    times = []
    for k in range(runs + 1):
        w, c = spawn(argv, devnull)
        bw, bc = spawn(baseline, devnull)
        if k > 0:
            times.append(w)
            best = [min(best[0], w), min(best[1], c), min(best[2], bw), min(best[3], bc)]
    return best + [statistics.median(times)]


def output(vulnwatch, db, args):
    """stdout of one vulnwatch command (it must succeed)."""
    run = subprocess.run([vulnwatch, "--db", db, "--log-level", "warning"] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if run.returncode != 0:
        raise RuntimeError("%s %s exited with %d: %s" % (vulnwatch, " ".join(args), run.returncode,
                                                         run.stderr.decode(errors="replace")))
    return run.stdout


def same_output(ids, ours, theirs):
    """The commands (see the docstring) whose output differs between (vulnwatch, db) pairs."""
    commands = [["advisories", "list", "--json"], ["advisories", "list"]]
    for ident, _ in ids:
        commands += [["advisories", "show", ident, "--json"], ["advisories", "show", ident]]
    return [" ".join(c) for c in commands if output(*ours, c) != output(*theirs, c)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vulnwatch")
    ap.add_argument("db")
    ap.add_argument("ids")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--top", type=int, default=12, help="ids printed (slowest first)")
    ap.add_argument("--out", help="write the line of every id here")
    ap.add_argument("--same-as", nargs=2, metavar=("OTHER_VULNWATCH", "OTHER_DB"),
                    help="first check that this build and database print the same")
    args = ap.parse_args()
    ids = []
    with open(args.ids, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                ident, _, what = line.rstrip("\n").partition("\t")
                ids.append((ident, what))
    if args.same_as:
        differ = same_output(ids, (args.vulnwatch, args.db), tuple(args.same_as))
        for command in differ:
            print("   DIFFERENT from %s on %s: %s" % (args.same_as[0], args.same_as[1], command))
        if differ:
            return 1
        print("   same output as %s on %s: advisories list (JSON, text) and show of %d ids "
              "(JSON, text)" % (args.same_as[0], args.same_as[1], len(ids)))
    devnull = os.open(os.devnull, os.O_WRONLY)
    baseline = [args.vulnwatch, "--version"]
    results = []
    for ident, what in ids:
        show = [args.vulnwatch, "--db", args.db, "--log-level", "warning", "advisories", "show",
                ident, "--json"]
        wall, cpu, base_wall, base_cpu, median = compare(show, baseline, args.runs, devnull)
        results.append((wall - base_wall, cpu - base_cpu, wall, median, base_wall, ident, what))
    os.close(devnull)
    results.sort(reverse=True)
    lines = ["   own %7.2f ms (cpu %6.2f)   show %7.2f ms (median %7.2f), --version %6.2f ms   %-20s %s"
             % r for r in results]
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:args.top]))
    if len(lines) > args.top:
        print("   … (%d more%s)" % (len(lines) - args.top, ", all in " + args.out if args.out else ""))
    own = [r[0] for r in results]
    baselines = [r[4] for r in results]
    print("   %d ids, fastest of %d alternating runs each; `vulnwatch --version` alone: %.2f ms "
          "(median over the ids)" % (len(results), args.runs, statistics.median(baselines)))
    print("RESULT %.2f %.2f %.2f %.2f %.2f %s %.2f" % (
        statistics.median(baselines), max(r[2] for r in results),
        statistics.median([r[2] for r in results]), max(own), statistics.median(own),
        results[0][5], max(r[1] for r in results)))


if __name__ == "__main__":
    sys.exit(main())
