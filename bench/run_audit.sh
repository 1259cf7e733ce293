#!/bin/bash
# Audit trail benchmark (issue 12 part 3; docs/performance.md "Audit trail (issue 12)"): a store
# of N audit events (default 1,000,000, written by bench_audit through Store::appendEvent), then
# in ONE run, fastest of REPEAT:
#   baseline      bench_audit time: reading the rows verify reads (id, json, prev_hash, hash in
#                 id order) and touching their bytes, no hashing
#   verify        bench_audit time: verifyAuditChain in-process
#   CLI           `vulnwatch --db DB audit verify` (start-up, migration check, walk): wall and
#                 peak RSS, target ≤ 10 s for 1,000,000 events
#   migration     (MIGRATE=1) bench_audit migrate: an old store of N plain events chained by the
#                 migration when it is opened
#
#   bench/run_audit.sh [N]
#   VULNWATCH_BENCH_BUILD=DIR   build directory (default build-bench, as bench/run.sh)
#   AUDIT_WORK=DIR              where the store goes (default /tmp/vw-audit-bench)
#   REPEAT=3                    runs of each timed command (the fastest is kept)
#   JOBS=1                      build jobs (the machine is shared)
set -euo pipefail

n=${1:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${VULNWATCH_BENCH_BUILD:-$root/build-bench}
work=${AUDIT_WORK:-/tmp/vw-audit-bench}
repeat=${REPEAT:-3}

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DVULNWATCH_BUILD_BENCH=ON -DVULNWATCH_BUILD_TESTS=OFF >/dev/null
else
    cmake -DVULNWATCH_BUILD_BENCH=ON "$build" >/dev/null
fi
cmake --build "$build" -j "${JOBS:-1}" --target bench_audit vulnwatch >/dev/null

mkdir -p "$work"
db=$work/audit-$n.db
if [ ! -f "$db" ]; then
    "$build/bench/bench_audit" generate "$db.tmp" "$n"
    mv "$db.tmp" "$db"
    rm -f "$db.tmp-wal" "$db.tmp-shm"
fi
echo "store: $db ($(du -h "$db" | cut -f1)), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_audit" time "$db" "$repeat"

best=""
for _ in $(seq "$repeat"); do
    out=$({ /usr/bin/time -f "%e %M" "$build/daemon/vulnwatch" --db "$db" audit verify \
        --lang en >/dev/null; } 2>&1 | tail -1)
    wall=${out% *}
    if [ -z "$best" ] || awk "BEGIN { exit !($wall < ${best% *}) }"; then
        best=$out
    fi
done
echo "vulnwatch audit verify (CLI): ${best% *} s wall, peak RSS $((${best#* } / 1024)) MB"
if [ "${MIGRATE:-0}" = 1 ]; then
    rm -f "$work/old-$n.db" "$work/old-$n.db-wal" "$work/old-$n.db-shm"
    "$build/bench/bench_audit" migrate "$work/old-$n.db" "$n"
    rm -f "$work/old-$n.db" "$work/old-$n.db-wal" "$work/old-$n.db-shm"
fi
