#!/bin/bash
# Streamed reads on PostgreSQL (issue 17; docs/performance.md "Streamed reads on PostgreSQL"):
# one pass over ROWS rows of record_cpe's shape read whole and in batches, each mode in its own
# process (its own peak RSS), REPEAT rounds alternating the modes; prints the fastest time and
# the peak RSS of each mode.
#
#   bench/run_pg_stream.sh BUILD_DIR URL      URL: a PostgreSQL database to create a table in
#                                             (the test servers' $TS_PG_URL will do)
#   ROWS=360216 REPEAT=7
# BUILD_DIR configured with -DVULNWATCH_BUILD_BENCH=ON (target bench_pg_stream).
set -euo pipefail
build=${1:?usage: bench/run_pg_stream.sh BUILD_DIR URL}
url=${2:?usage: bench/run_pg_stream.sh BUILD_DIR URL}
bench="$build/bench/bench_pg_stream"
rows=${ROWS:-360216}
repeat=${REPEAT:-7}
"$bench" setup "$url" "$rows"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 0; r < repeat; r++)); do
    for mode in whole streamed streamed-tx single-row cursor-tx cursor-hold; do
        "$bench" read "$url" "$mode" >>"$out"
    done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %8s %10s %10s %s\n' mode rows 'fastest s' 'peak MB' 'checksum'
awk '{ if (!($1 in t) || $4 < t[$1]) t[$1] = $4; rows[$1] = $2; peak[$1] = $5; sum[$1] = $3 }
     END { for (m in t) printf "%-12s %8d %10.3f %10.1f %s\n", m, rows[m], t[m], peak[m] / 1024, sum[m] }' \
    "$out" | sort
