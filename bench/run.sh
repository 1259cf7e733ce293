#!/bin/bash
# Ingest benchmark (DESIGN.md "Non-functional targets"), all measured in ONE run on the same data:
#   vulnwatch --db X import FILES...   (wall time, CPU time, peak RSS via /usr/bin/time)
#   bench_floor                        (bare pugixml DOM parse + bare SQLite insert, bench/floor.cpp)
#   bench/python_ingest.py             (plain ElementTree.iterparse + sqlite3 doing vulnwatch's job;
#                                       also --job floor, the floor's smaller job, for reference)
# then, on the database vulnwatch just filled:
#   vulnwatch products import           re-match of a 10k-component registry (bench/make_registry.py;
#                                       a handful of components name stored CPEs), against
#   sqlite3 SELECT … json FROM record   the baseline: one read of every stored record's JSON
#   vulnwatch run                       the daemon's resident memory with all of it stored
# and prints the ratios and whether each target holds.
#
#   bench/run.sh [quick|full]      quick: 20k synthetic entries (~100 MB), full: 300k (~1.4 GB)
#   REPEAT=3 bench/run.sh quick    run each program 3 times and keep the fastest (less noise)
#   JOBS=2 bench/run.sh            build with 2 jobs (default 1: the machine is shared)
#
# Builds what it needs in build-bench/ (Release, -DVULNWATCH_BUILD_BENCH=ON) and generates the
# synthetic data into bench/data/MODE/ (gitignored) when it is missing.
set -euo pipefail

mode=${1:-quick}
case "$mode" in
quick) entries=20000 ;;
full) entries=300000 ;;
*)
    echo "usage: bench/run.sh [quick|full]" >&2
    exit 2
    ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${VULNWATCH_BENCH_BUILD:-$root/build-bench}
data=$here/data/$mode
repeat=${REPEAT:-1}
python=/usr/bin/python3

echo "== build ($build)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVULNWATCH_BUILD_BENCH=ON \
    >/dev/null
cmake --build "$build" --target vulnwatch bench_floor -j"${JOBS:-1}" | tail -1

shopt -s nullglob
files=("$data"/synthetic_jvndb_detail_*.rdf)
if [ ${#files[@]} -eq 0 ]; then
    echo "== generating $entries synthetic entries into $data"
    "$python" "$here/make_synthetic.py" --entries "$entries" --cpe-variants 500 --out "$data" |
        tail -1
    files=("$data"/synthetic_jvndb_detail_*.rdf)
fi
bytes=$(cat "${files[@]}" | wc -c)
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# measure NAME COMMAND...: runs it $repeat times on a fresh database (a copy of $SEED_DB when that
# is set); keeps the fastest run's "wall cpu rss_kb" in $work/NAME.result.
measure() {
    local name=$1
    shift
    local best=""
    for _ in $(seq "$repeat"); do
        rm -f "$work/$name.db" "$work/$name.db-wal" "$work/$name.db-shm"
        if [ -n "${SEED_DB:-}" ]; then
            cp "$SEED_DB" "$work/$name.db"
        fi
        # Written back before the clock starts: no program pays for the previous one's (or the
        # copy's) dirty pages when it syncs.
        sync
        local cmd=("${@//@DB@/$work/$name.db}")
        if ! /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "${cmd[@]}" \
            >"$work/$name.out" 2>&1; then
            echo "$name failed:" >&2
            tail -5 "$work/$name.out" >&2
            exit 1
        fi
        local line
        line=$(tail -1 "$work/$name.time" | awk '{printf "%s %.2f %s", $1, $2 + $3, $4}')
        if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a < b)}'; then
            best=$line
        fi
    done
    echo "$best" >"$work/$name.result"
    read -r wall cpu rss <<<"$best"
    printf "%-10s wall %7.2f s   cpu %7.2f s   peak RSS %7.1f MB\n" "$name" "$wall" "$cpu" \
        "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
}

echo "== $mode: ${#files[@]} files, $entries entries, $((bytes / 1000000)) MB; $(nproc) CPUs;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
measure vulnwatch "$build/daemon/vulnwatch" --db @DB@ --log-level warning import "${files[@]}"
measure floor "$build/bench/bench_floor" @DB@ "${files[@]}"
measure python "$python" "$here/python_ingest.py" --job same @DB@ "${files[@]}"
measure py-floor "$python" "$here/python_ingest.py" --job floor @DB@ "${files[@]}"
echo "   (load after: $(cut -d' ' -f1-3 /proc/loadavg))"

read -r vw_wall vw_cpu vw_rss <"$work/vulnwatch.result"
read -r fl_wall fl_cpu _ <"$work/floor.result"
read -r py_wall py_cpu _ <"$work/python.result"
awk -v vw="$vw_wall" -v vwc="$vw_cpu" -v fl="$fl_wall" -v flc="$fl_cpu" -v py="$py_wall" \
    -v pyc="$py_cpu" -v rss="$vw_rss" -v n="$entries" -v mode="$mode" '
function verdict(ok) { return ok ? "met" : "MISSED" }
BEGIN {
    r1 = vw / fl; r2 = py / vw
    printf "vulnwatch/floor  %5.2fx wall (%5.2fx cpu)   target <= 2.5x: %s\n", r1, vwc / flc, verdict(r1 <= 2.5)
    printf "python/vulnwatch %5.2fx wall (%5.2fx cpu)   target >= 3x:   %s\n", r2, pyc / vwc, verdict(r2 >= 3)
    full = vw * 300000 / n
    if (mode == "full")
        printf "full history     %6.1f s                     target <= 30 s: %s\n", vw, verdict(vw <= 30)
    else
        printf "full history     %6.1f s projected (x%d)     target <= 30 s: %s (projected)\n", full, 300000 / n, verdict(full <= 30)
    printf "peak RSS         %6.1f MB                    target <= 64 MB: %s\n", rss / 1024, verdict(rss / 1024 <= 64)
}'

echo "== re-match and daemon memory with the $entries entries stored"
"$python" "$here/make_registry.py" --db "$work/vulnwatch.db" --components 10000 --matching 10 \
    --out "$work/products.json"
SEED_DB=$work/vulnwatch.db measure rematch "$build/daemon/vulnwatch" --db @DB@ --log-level warning \
    products import "$work/products.json"
tail -1 "$work/rematch.out" | sed 's/^/   /'
measure scan sqlite3 "$work/vulnwatch.db" "SELECT sum(length(json)) FROM record"
printf '[store]\npath = %s\n[daemon]\nlog_level = warning\n' "$work/vulnwatch.db" >"$work/run.conf"
"$build/daemon/vulnwatch" --config "$work/run.conf" run >"$work/run.out" 2>&1 &
daemon=$!
sleep 3
daemon_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$daemon/status")
kill -TERM "$daemon"
wait "$daemon" || true
printf "%-10s peak RSS %7.1f MB (idle, 3 s after start)\n" daemon "$(awk -v k="$daemon_kb" 'BEGIN{print k/1024}')"

read -r rm_wall _ <"$work/rematch.result"
read -r sc_wall _ <"$work/scan.result"
awk -v rm="$rm_wall" -v sc="$sc_wall" -v d="$daemon_kb" -v n="$entries" -v mode="$mode" '
function verdict(ok) { return ok ? "met" : "MISSED" }
BEGIN {
    printf "rematch/scan     %5.2fx wall (reading every stored JSON once: %.2f s)\n", rm / sc, sc
    if (mode == "full")
        printf "re-match         %6.2f s (10k components)   target <= 2 s: %s\n", rm, verdict(rm <= 2)
    else
        printf "re-match         %6.2f s (10k components)   target <= 2 s at 300k: not measured on %d entries\n", rm, n
    printf "daemon RSS       %6.1f MB                    target <= 32 MB%s: %s\n", d / 1024, mode == "full" ? "" : " (at 300k)", verdict(d / 1024 <= 32)
}'
