#!/usr/bin/env bash
# The long reliability runs of issue 16 (docs/testing.md, "Soak and SIGKILL"):
#
#   scripts/soak.sh [--cycles N] [--entries N] [--build DIR] [--no-plot]
#       the soak: `vulnwatch run` for N poll cycles (default 10,000) against loopback feeds
#       that fail at random, on a store of --entries advisories (default 300,000; filled once
#       from bench/data/full/no-overlap when it exists, else from bench/make_synthetic.py, and
#       kept in /tmp/vulnwatch-soak), memory and fds sampled every 500 cycles and asserted flat;
#       the samples go to docs/soak.csv and scripts/plot_soak.py draws docs/soak.png
#   scripts/soak.sh --valgrind [--cycles N]
#       a short soak (default 200 cycles) under valgrind --leak-check=full; fails on a
#       definite or indirect leak
#   scripts/soak.sh --sigkill [--kills N] [--seed S]
#       the SIGKILL harness (tests/e2e/test_sigkill.py) with N kills (default 100), with the
#       loopback servers of scripts/test-servers.sh
#
# Runs at nice 10 (the machine is shared). Exit status: that of the run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
MODE=soak
CYCLES=
ENTRIES=300000
KILLS=100
SEED=
PLOT=1
while [ $# -gt 0 ]; do
    case $1 in
    --cycles) CYCLES=$2; shift 2 ;;
    --entries) ENTRIES=$2; shift 2 ;;
    --build) BUILD=$(cd "$2" && pwd); shift 2 ;;
    --valgrind) MODE=valgrind; shift ;;
    --sigkill) MODE=sigkill; shift ;;
    --kills) KILLS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --no-plot) PLOT=0; shift ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
export VULNWATCH_BINARY=$BUILD/daemon/vulnwatch VULNWATCH_SOURCE_DIR=$ROOT
[ -x "$VULNWATCH_BINARY" ] || { echo "soak.sh: no $VULNWATCH_BINARY (build first)" >&2; exit 2; }
DATA=$ROOT/bench/data/full/no-overlap

case $MODE in
soak)
    export VW_SOAK_CYCLES=${CYCLES:-10000} VW_SOAK_ENTRIES=$ENTRIES VW_SOAK_CSV=$ROOT/docs/soak.csv
    if [ "$ENTRIES" = 300000 ] && [ -d "$DATA" ]; then
        export VW_SOAK_DATA=$DATA
    fi
    nice -n 10 /usr/bin/python3 "$ROOT/tests/e2e/test_soak.py"
    if [ "$PLOT" = 1 ]; then
        /usr/bin/python3 "$ROOT/scripts/plot_soak.py" "$VW_SOAK_CSV" --out "$ROOT/docs/soak.png" \
            --title "vulnwatch soak: $VW_SOAK_CYCLES poll cycles, $ENTRIES advisories stored"
    fi
    ;;
valgrind)
    # Small store: the point is the leak report, not the size.
    export VW_SOAK_CYCLES=${CYCLES:-200} VW_SOAK_ENTRIES=20000 VW_SOAK_INTERVAL_MS=50
    log=$(mktemp /tmp/vw-soak-valgrind.XXXXXX)
    export VW_SOAK_WRAPPER="valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$log"
    status=0
    nice -n 10 /usr/bin/python3 "$ROOT/tests/e2e/test_soak.py" || status=$?
    sed -n '/HEAP SUMMARY/,$p' "$log"
    if grep -q "definitely lost: [1-9]\|indirectly lost: [1-9]" "$log"; then
        echo "soak.sh: valgrind found leaks (full report: $log)" >&2
        exit 1
    fi
    echo "valgrind report: $log"
    exit $status
    ;;
sigkill)
    # shellcheck source=scripts/test-servers.sh
    . "$ROOT/scripts/test-servers.sh"
    ts_start >/dev/null
    trap ts_stop EXIT
    status=0
    VW_KILLS=$KILLS VW_KILL_SEED=$SEED nice -n 10 /usr/bin/python3 \
        "$ROOT/tests/e2e/test_sigkill.py" || status=$?
    exit $status
    ;;
esac
