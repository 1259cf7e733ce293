#!/bin/bash
# Ingest benchmark (DESIGN.md "Non-functional targets"), all measured in ONE run on the same data.
#
# Two SYNTHETIC sets of the same size and shape (bench/make_synthetic.py), in bench/data/MODE/:
#   overlap/     entries overlap as real ones do: JVNVU# advisories shared by 1-10 entries,
#                JPCERT-AT alerts by 2-2,000, CVEs shared by two JVNDB entries (10%), 20% of the
#                entries also as iPedia RSS items (synthetic_jvndb_rss_YYYY.rdf), 2,000 mails
#   no-overlap/  the same files with every shared id unique (the control)
# Programs, each on a fresh database:
#   vulnwatch --db X import FILES...   all of a set: VULDEF files, then RSS files, then mails
#                                      (wall time, CPU time, peak RSS via /usr/bin/time)
#   bench_floor DB FILES...            bare pugixml DOM parse (mail: header/body split) + bare
#                                      SQLite insert of the same rows (bench/floor.cpp)
#   the same two on the VULDEF files alone; vulnwatch on the RSS files, then on the mails, each on
#                                      a copy of the database the part before filled
#   bench/python_ingest.py             (PYTHON=1 only) plain ElementTree + sqlite3 on the VULDEF
#                                      files, a reference (no longer a target)
# then, on the database the import of the overlapping set filled:
#   vulnwatch advisories show ID --json   ~50 ids (bench/show_latency.py; show_ids.txt of the
#                                      set), against the start-up time of `vulnwatch --version`
#   vulnwatch products import           re-match of a 10k-component registry (bench/make_registry.py;
#                                      a handful of components name stored CPEs), against
#   sqlite3 SELECT … json FROM record   the baseline: one read of every stored record's JSON
#   vulnwatch run                       the daemon's resident memory with all of it stored
# and prints the ratios and whether each target holds.
#
#   bench/run.sh [quick|full]      quick: 20k synthetic entries (~110 MB a set), full: 300k (~1.6 GB)
#   REPEAT=3 bench/run.sh quick    run each program 3 times and keep the fastest (less noise)
#   JOBS=2 bench/run.sh            build with 2 jobs (default 1: the machine is shared)
#   PYTHON=1 bench/run.sh          also the Python reference
#   VULNWATCH_BENCH_BUILD=DIR bench/run.sh   build in (and run from) DIR instead of build-bench/
#   NO_BUILD=1 bench/run.sh        run the binaries already in the build directory (another
#                                  build is using it, or two builds are compared by hand)
#
# Builds what it needs in build-bench/ (Release, -DVULNWATCH_BUILD_BENCH=ON) and generates the
# synthetic data into bench/data/MODE/ (gitignored) when it is missing.
# Two builds compared on one machine (before/after a change): bench/ab_import.sh for the import,
# bench/show_latency.py --same-as for `advisories show` (which also checks they print the same).
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
vulnwatch=$build/daemon/vulnwatch

if [ "${NO_BUILD:-0}" = 1 ]; then
    echo "== using the binaries in $build (NO_BUILD=1)"
    for program in "$vulnwatch" "$build/bench/bench_floor"; do
        if [ ! -x "$program" ]; then
            echo "NO_BUILD=1: $program is missing (build it first, or leave NO_BUILD unset)" >&2
            exit 2
        fi
    done
else
    echo "== build ($build)"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVULNWATCH_BUILD_BENCH=ON \
        >/dev/null
    cmake --build "$build" --target vulnwatch bench_floor -j"${JOBS:-1}" | tail -1
fi

# The sets: generated when missing or made for another size (SYNTHETIC-SET is written last).
for set in overlap no-overlap; do
    if ! grep -qx "entries: $entries" "$data/$set/SYNTHETIC-SET" 2>/dev/null; then
        echo "== generating $entries synthetic entries ($set) into $data/$set"
        rm -rf "${data:?}/$set"
        "$python" "$here/make_synthetic.py" --entries "$entries" --cpe-variants 500 "--$set" \
            --rss-share 0.2 --mails 2000 --out "$data/$set" | tail -1
    fi
done
sed 's/^/   /' "$data/overlap/SYNTHETIC-SET"

shopt -s nullglob
# files SET KIND: the files of a set, KIND all (VULDEF, RSS, mails, in that order) or vuldef.
files() {
    local set=$data/$1
    if [ "$2" = vuldef ]; then
        printf '%s\n' "$set"/synthetic_jvndb_detail_*.rdf
    else
        printf '%s\n' "$set"/synthetic_jvndb_detail_*.rdf "$set"/synthetic_jvndb_rss_*.rdf \
            "$set"/mail/*.eml
    fi
}
mapfile -t ov_all < <(files overlap all)
mapfile -t ov_vuldef < <(files overlap vuldef)
mapfile -t no_all < <(files no-overlap all)
mapfile -t no_vuldef < <(files no-overlap vuldef)
mb() { cat "$@" | wc -c | awk '{printf "%.0f", $1 / 1e6}'; }
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
    printf "%-14s wall %7.2f s   cpu %7.2f s   peak RSS %7.1f MB   (load %s)\n" "$name" "$wall" \
        "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$(cut -d' ' -f1 /proc/loadavg)"
}
# drop NAME: its database is not needed any more (the full set's are 1-2 GB each).
drop() { rm -f "$work/$1.db" "$work/$1.db-wal" "$work/$1.db-shm"; }

rss_files=$(printf '%s\n' "${ov_all[@]}" | grep -c '_rss_' || true)
mail_files=$(printf '%s\n' "${ov_all[@]}" | grep -c '\.eml$' || true)
echo "== $mode, per set: ${#ov_vuldef[@]} VULDEF files ($entries entries, $(mb "${ov_vuldef[@]}") MB)" \
    "+ $rss_files RSS files + $mail_files mails = $(mb "${ov_all[@]}") MB; $(nproc) CPUs;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
import=("$vulnwatch" --db @DB@ --log-level warning import)
measure vw-all "${import[@]}" "${ov_all[@]}"
measure vw-all-nov "${import[@]}" "${no_all[@]}"
drop vw-all-nov
measure floor-all "$build/bench/bench_floor" @DB@ "${ov_all[@]}"
drop floor-all
measure vw-vuldef "${import[@]}" "${ov_vuldef[@]}"
# The whole import's other two parts, each on a copy of the database the part before filled.
mapfile -t ov_rss < <(printf '%s\n' "${ov_all[@]}" | grep '_rss_')
mapfile -t ov_mail < <(printf '%s\n' "${ov_all[@]}" | grep '\.eml$')
SEED_DB=$work/vw-vuldef.db measure vw-rss "${import[@]}" "${ov_rss[@]}"
drop vw-vuldef
SEED_DB=$work/vw-rss.db measure vw-mail "${import[@]}" "${ov_mail[@]}"
drop vw-rss
drop vw-mail
measure vw-vuldef-nov "${import[@]}" "${no_vuldef[@]}"
drop vw-vuldef-nov
measure floor-vuldef "$build/bench/bench_floor" @DB@ "${ov_vuldef[@]}"
drop floor-vuldef
if [ "${PYTHON:-0}" = 1 ]; then
    measure python "$python" "$here/python_ingest.py" --job same @DB@ "${ov_vuldef[@]}"
    drop python
fi
echo "   (load after: $(cut -d' ' -f1-3 /proc/loadavg))"
db=$work/vw-all.db
sqlite3 "$db" "SELECT '   stored: ' || (SELECT count(*) FROM record) || ' records, ' ||
    (SELECT count(*) FROM cluster) || ' vulnerabilities (clusters), ' ||
    (SELECT count(*) FROM advisory) || ' advisories covering ' ||
    (SELECT count(*) FROM advisory_cluster) || ' of them, ' ||
    (SELECT count(*) FROM mention) || ' mentions, ' ||
    (SELECT count(*) FROM event_log WHERE kind = 'cluster-merge') || ' cluster merges'"

r() { cut -d' ' -f"$2" "$work/$1.result"; }
awk -v a="$(r vw-all 1)" -v ac="$(r vw-all 2)" -v arss="$(r vw-all 3)" \
    -v n="$(r vw-all-nov 1)" -v nc="$(r vw-all-nov 2)" -v nrss="$(r vw-all-nov 3)" \
    -v f="$(r floor-all 1)" -v fc="$(r floor-all 2)" \
    -v v="$(r vw-vuldef 1)" -v vc="$(r vw-vuldef 2)" -v vrss="$(r vw-vuldef 3)" \
    -v vn="$(r vw-vuldef-nov 1)" -v vnc="$(r vw-vuldef-nov 2)" \
    -v vf="$(r floor-vuldef 1)" -v vfc="$(r floor-vuldef 2)" -v entries="$entries" -v mode="$mode" \
    -v pr="$(r vw-rss 1)" -v pm="$(r vw-mail 1)" -v prss="$(r vw-rss 3)" '
function verdict(ok) { return ok ? "met" : "MISSED" }
BEGIN {
    printf "parts: VULDEF %.2f s + RSS %.2f s (alone: peak RSS %.1f MB) + mails %.2f s = %.2f s (whole: %.2f s); floor: VULDEF %.2f s + the rest %.2f s\n", v, pr, prss / 1024, pm, v + pr + pm, a, vf, f - vf
    printf "whole import / floor        %5.2fx wall (%5.2fx cpu)   target <= 2x:    %s\n", a / f, ac / fc, verdict(a / f <= 2)
    printf "VULDEF only / floor         %5.2fx wall (%5.2fx cpu)   target <= 2x:    %s\n", v / vf, vc / vfc, verdict(v / vf <= 2)
    printf "overlap / no-overlap, whole %5.2fx wall (%5.2fx cpu)   target <= 1.15x: %s\n", a / n, ac / nc, verdict(a / n <= 1.15)
    printf "overlap / no-overlap, VULDEF %4.2fx wall (%5.2fx cpu)   target <= 1.15x: %s\n", v / vn, vc / vnc, verdict(v / vn <= 1.15)
    m = arss > vrss ? arss : vrss
    printf "peak RSS                    %5.1f MB (whole), %.1f MB (VULDEF only), %.1f MB (no-overlap) target <= 48 MB: %s\n", arss / 1024, vrss / 1024, nrss / 1024, verdict(m / 1024 <= 48)
    if (mode == "full")
        printf "full history (VULDEF only)  %6.1f s                    DESIGN: about 10 s\n", v
    else
        printf "full history (VULDEF only)  %6.1f s projected (x%d)    DESIGN: about 10 s\n", v * 300000 / entries, 300000 / entries
}'

echo "== advisories show ID --json, $(grep -vc '^#' "$data/overlap/show_ids.txt") ids, on the overlapping set stored"
"$python" "$here/show_latency.py" "$vulnwatch" "$db" "$data/overlap/show_ids.txt" \
    --runs "${SHOW_RUNS:-7}" --out "$data/show_latency.txt" >"$work/show.out"
sed '$d' "$work/show.out"
read -r _ base smax smed omax omed slowest ocpu < <(tail -1 "$work/show.out")
awk -v b="$base" -v mx="$smax" -v md="$smed" -v omx="$omax" -v omd="$omed" -v s="$slowest" \
    -v oc="$ocpu" '
BEGIN {
    printf "show, own work (minus start-up) max %.2f ms (%s; cpu %.2f ms), median %.2f ms   target <= 5 ms: %s\n", omx, s, oc, omd, omx <= 5 ? "met" : "MISSED"
    printf "show, whole command            max %.2f ms, median %.2f ms (start-up alone: %.2f ms)\n", mx, md, b
}'

echo "== re-match and daemon memory with the overlapping set stored"
"$python" "$here/make_registry.py" --db "$db" --components 10000 --matching 10 \
    --out "$work/products.json"
SEED_DB=$db measure rematch "$vulnwatch" --db @DB@ --log-level warning products import \
    "$work/products.json"
drop rematch
tail -1 "$work/rematch.out" | sed 's/^/   /'
measure scan sqlite3 "$db" "SELECT sum(length(json)) FROM record"
printf '[store]\npath = %s\n[daemon]\nlog_level = warning\n' "$db" >"$work/run.conf"
"$vulnwatch" --config "$work/run.conf" run >"$work/run.out" 2>&1 &
daemon=$!
sleep 3
daemon_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$daemon/status")
kill -TERM "$daemon"
wait "$daemon" || true
printf "%-14s peak RSS %7.1f MB (idle, 3 s after start)\n" daemon "$(awk -v k="$daemon_kb" 'BEGIN{print k/1024}')"

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
