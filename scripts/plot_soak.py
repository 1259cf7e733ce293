#!/usr/bin/python3
"""Draws the soak's samples (the CSV of tests/e2e/test_soak.py: cycle,seconds,rss_kb,fds) as a
PNG: resident memory (MB) and open file descriptors over the poll cycles, with the 1 MB band
above the baseline sample that the soak asserts.

    scripts/plot_soak.py SAMPLES.csv [--out docs/soak.png] [--baseline 1000] [--title TEXT]

Needs Debian's python3-matplotlib (scripts/install-deps.sh); run it with /usr/bin/python3."""
import argparse
import csv
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
except ImportError:
    sys.exit("plot_soak.py: matplotlib is missing (apt-get install python3-matplotlib; "
             "scripts/install-deps.sh installs it) — run it with /usr/bin/python3")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--out", default="docs/soak.png")
    parser.add_argument("--baseline", type=int, default=1000,
                        help="the cycle of the baseline sample (default 1000)")
    parser.add_argument("--title", default="vulnwatch soak")
    args = parser.parse_args()

    with open(args.csv, newline="") as f:
        rows = [(int(r["cycle"]), int(r["rss_kb"]), int(r["fds"])) for r in csv.DictReader(f)]
    if not rows:
        sys.exit("plot_soak.py: %s has no samples" % args.csv)
    cycles = [r[0] for r in rows]
    rss = [r[1] / 1024.0 for r in rows]
    fds = [r[2] for r in rows]
    base = next((r for r in rows if r[0] >= args.baseline), rows[0])

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.plot(cycles, rss, marker="o", color="tab:blue", label="VmRSS")
    top.axhspan(base[1] / 1024.0, base[1] / 1024.0 + 1.0, color="tab:green", alpha=0.15,
                label="baseline (cycle %d) + 1 MB" % base[0])
    low, high = min(rss + [base[1] / 1024.0]), max(rss + [base[1] / 1024.0 + 1.0])
    top.set_ylim(low - 1.0, high + 1.0)
    top.set_ylabel("resident memory (MB)")
    top.legend(loc="lower right")
    top.grid(True, alpha=0.3)
    bottom.plot(cycles, fds, marker="o", color="tab:orange", label="open fds")
    bottom.set_ylim(min(fds) - 2, max(fds) + 2)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_ylabel("open file descriptors")
    bottom.set_xlabel("poll cycles")
    bottom.grid(True, alpha=0.3)
    fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    print("%s: %d samples, rss %.1f-%.1f MB, fds %d-%d" % (args.out, len(rows), min(rss),
                                                            max(rss), min(fds), max(fds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
