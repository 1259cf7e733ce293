#!/bin/bash
# Web benchmark (issue 13 "Performance"; docs/performance.md "Web (issue 13)"), all in ONE run
# against one `vulnwatch serve` on loopback, every figure against its target:
#
#   the store   300k stored advisories (bench/run.sh's full synthetic set, imported as
#               bench/run_match.sh does) and the 10k-component registry of 30 stored CPE pairs
#               (bench/make_registry.py), whose `products import` opens ~100k cases; built once
#               into $WEB_WORK/web.db and reused while the set is unchanged
#   pages       `/`, `/advisories`, `/cases`, `/products`, `/deliveries`, `/audit`,
#               `/advisories/ID`, `/cases/N`: one client with a login session, REQUESTS times
#               each in turn; target: p95 ≤ 100 ms server time (client side on loopback, and
#               the time serve's debug access log gives each request)
#   API         GET /api/v1/advisories, /advisories/{id}, /cases, /cases/{id}, /matches,
#               /deliveries, /sources, /products with an API token: first one client (the
#               time of each alone), then CLIENTS clients (threads, keep-alive) for SECONDS;
#               target: p99 ≤ 50 ms under 50 clients
#   memory      serve's VmRSS (sampled every 0.2 s) and VmHWM after the load; target ≤ 48 MB
#
#   bench/run_web.sh                       the whole run
#   WEB_DB=/path/store.db                  start from a copy of this store instead of building
#                                          one (e.g. /tmp/vw-match-full/base.db; an older schema
#                                          is migrated; without cases, the registry import
#                                          opens them); the original is never changed
#   WEB_WORK=DIR                           work directory (default /tmp/vw-web)
#   VULNWATCH_BENCH_BUILD=DIR              build directory (default build-bench, as bench/run.sh)
#   CLIENTS=50 LOAD_SECONDS=20 REQUESTS=30 load and repetitions
#   JOBS=2                                 build with 2 jobs (default 1: the machine is shared)
#   SKIP_BUILD=1                           use the binaries as they are in the build directory
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${VULNWATCH_BENCH_BUILD:-$root/build-bench}
work=${WEB_WORK:-/tmp/vw-web}
clients=${CLIENTS:-50}
seconds=${LOAD_SECONDS:-20}
requests=${REQUESTS:-30}
python=/usr/bin/python3
vulnwatch=$build/daemon/vulnwatch
bench=$build/bench/bench_web
mkdir -p "$work"
db=$work/web.db

if [ -z "${SKIP_BUILD:-}" ]; then
    echo "== build ($build)"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVULNWATCH_BUILD_BENCH=ON \
        >/dev/null
    cmake --build "$build" --target vulnwatch bench_web -j"${JOBS:-1}" | tail -1
fi

# --- the store ---------------------------------------------------------------------------------
if [ -n "${WEB_DB:-}" ]; then
    stamp="copy of $WEB_DB $(stat -c %Y "$WEB_DB")"
else
    data=$here/data/full/overlap
    if ! grep -qx "entries: 300000" "$data/SYNTHETIC-SET" 2>/dev/null; then
        echo "== generating 300000 synthetic entries into $data"
        rm -rf "${data:?}"
        "$python" "$here/make_synthetic.py" --entries 300000 --cpe-variants 500 --overlap \
            --rss-share 0.2 --mails 2000 --out "$data" | tail -1
    fi
    stamp="set $(cksum <"$data/SYNTHETIC-SET" | cut -d' ' -f1)"
fi
if [ "$(cat "$work/web.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$db" ]; then
    rm -f "$db" "$db-wal" "$db-shm"
    if [ -n "${WEB_DB:-}" ]; then
        echo "== copying $WEB_DB"
        cp "$WEB_DB" "$db"
    else
        echo "== storing the set in $db"
        shopt -s nullglob
        "$vulnwatch" --db "$db" --log-level warning import \
            "$data"/synthetic_jvndb_detail_*.rdf "$data"/synthetic_jvndb_rss_*.rdf \
            "$data"/mail/*.eml >/dev/null
    fi
    if [ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'vcase'")" = 0 ] ||
        [ "$(sqlite3 "$db" "SELECT count(*) FROM vcase")" = 0 ]; then
        echo "== the 10k registry (30 stored pairs) and its cases"
        "$python" "$here/make_registry.py" --db "$db" --mix --components 10000 --cpe-pairs 30 \
            --name-pairs 10 --out "$work/reg-10000-30.json" | sed 's/^/   /'
        /usr/bin/time -f "   products import: %e s wall, %M KB peak" \
            "$vulnwatch" --db "$db" --log-level error products import \
            "$work/reg-10000-30.json" >/dev/null
    fi
    echo "== users: bench (admin), an API token and a login session"
    head -c 24 /dev/urandom | base64 >"$work/password"
    "$vulnwatch" --db "$db" --log-level warning users add bench --role admin \
        --password-file "$work/password" --by bench >/dev/null
    "$vulnwatch" --db "$db" --log-level warning users token bench --label bench \
        --by bench >"$work/token"
    sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    echo "$stamp" >"$work/web.stamp"
fi
"$bench" session "$db" bench >"$work/session"
token=$(cat "$work/token")
session=$(cat "$work/session")
sqlite3 "$db" "SELECT '   stored: ' || (SELECT count(*) FROM record) || ' records, ' ||
    (SELECT count(*) FROM cluster) || ' clusters, ' || (SELECT count(*) FROM component) ||
    ' components, ' || (SELECT count(*) FROM match) || ' matches, ' ||
    (SELECT count(*) FROM vcase) || ' cases, ' || (SELECT count(*) FROM event_log) ||
    ' events, ' || (SELECT count(*) FROM outbox) || ' messages; schema ' ||
    (SELECT user_version FROM pragma_user_version)"

# What the paths name: the newest case, the vulnerability (a CVE) and the JVNDB advisory of
# the newest cluster that has both and a case, the product with the most matches.
case_id=$(sqlite3 "$db" "SELECT max(id) FROM vcase")
read -r vuln advisory < <(sqlite3 -separator ' ' "$db" "SELECT al.id, a.ident FROM vcase v
    JOIN alias al ON al.cluster_id = v.cluster_id AND al.id LIKE 'CVE-%'
    JOIN advisory_cluster ac ON ac.cluster_id = v.cluster_id
    JOIN advisory a ON a.id = ac.advisory_id ORDER BY v.id DESC LIMIT 1")
product=$(sqlite3 "$db" "SELECT product FROM match GROUP BY product ORDER BY count(*) DESC
    LIMIT 1")
enc() { "$python" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
cat >"$work/api.paths" <<EOF
advisories /api/v1/advisories
advisories-page2 /api/v1/advisories?limit=50&cursor=$(sqlite3 "$db" "SELECT first_seen || '.' ||
    id FROM cluster ORDER BY first_seen DESC, id DESC LIMIT 1 OFFSET 49")
advisory-vuln /api/v1/advisories/$(enc "$vuln")
advisory-doc /api/v1/advisories/$(enc "$advisory")
cases /api/v1/cases
cases-open /api/v1/cases?open=true
cases-product /api/v1/cases?product=$(enc "$product")
case /api/v1/cases/$case_id
matches /api/v1/matches
matches-product /api/v1/matches?product=$(enc "$product")
deliveries /api/v1/deliveries
sources /api/v1/sources
products /api/v1/products
EOF
cat >"$work/pages.paths" <<EOF
dashboard /
advisories /advisories
cases /cases
products /products
deliveries /deliveries
audit /audit
advisory /advisories/$(enc "$advisory")
case /cases/$case_id
EOF
echo "   advisory $advisory ($vuln), case $case_id, product $product"

# --- the server --------------------------------------------------------------------------------
sync
echo "== $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
log=$work/serve.log
"$vulnwatch" --db "$db" --log-level debug serve --listen 127.0.0.1:0 2>"$log" &
serve=$!
trap 'kill "$serve" 2>/dev/null || true' EXIT
port=""
for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "serve did not start:" >&2
    tail -5 "$log" >&2
    exit 1
fi
status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$serve/status"; }
echo "   serve pid $serve on port $port; VmRSS after start $(status VmRSS) kB"

# server_times NAME PATHS_FILE PCT TARGET: the server's own time of each request since line
# $mark of the log, per path, against the target.
server_times() {
    tail -n +"$((mark + 1))" "$log" | "$python" -c '
import re, sys, math
name, paths_file, pct, target = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
names = {}
for line in open(paths_file):
    if line.strip() and not line.startswith("#"):
        n, p = line.split(None, 1)
        names.setdefault(p.strip().split("?")[0], n)
times = {}
for line in sys.stdin:
    m = re.search(r" GET (\S+) (\d{3}) \d+B (\d+)ms", line)
    if m:
        times.setdefault(m.group(1), []).append(int(m.group(3)))
def at(v, p):
    v = sorted(v)
    return v[max(1, math.ceil(p / 100 * len(v))) - 1]
every = []
for path, v in times.items():
    every += v
    print("   %-22s n=%-6d p50=%4d p%g=%4d max=%4d ms (server log)" % (
        names.get(path, path)[:22], len(v), at(v, 50), pct, at(v, pct), max(v)))
if every:
    a = at(every, pct)
    print("   %s server time: p%g %d ms / %g ms = %.2f %s" % (
        name, pct, a, target, a / target, "met" if a <= target else "missed"))
' "$1" "$2" "$3" "$4"
}
mark_log() { mark=$(wc -l <"$log"); }
run_bench() { "$bench" run --port "$port" --pid "$serve" "$@" || true; }

echo "== API, one client, $requests requests each (time of each request alone)"
mark_log
run_bench --header "Authorization: Bearer $token" --paths "$work/api.paths" \
    --requests "$requests"
server_times "API alone" "$work/api.paths" 99 50

echo "== pages, one client with a login session, $requests requests each (target p95 ≤ 100 ms)"
mark_log
run_bench --header "Cookie: vw_session=$session" --paths "$work/pages.paths" \
    --requests "$requests" --pct 95 --target-ms 100
server_times "pages" "$work/pages.paths" 95 100

echo "== API under load: $clients clients for $seconds s (target p99 ≤ 50 ms)"
peak_file=$work/rss.samples
: >"$peak_file"
(while kill -0 "$serve" 2>/dev/null; do
    status VmRSS >>"$peak_file" 2>/dev/null || true
    sleep 0.2
done) &
sampler=$!
mark_log
run_bench --header "Authorization: Bearer $token" --paths "$work/api.paths" \
    --clients "$clients" --seconds "$seconds" --pct 99 --target-ms 50
server_times "API under load" "$work/api.paths" 99 50
sleep 1
rss_after=$(status VmRSS)
hwm=$(status VmHWM)
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
peak=$(sort -n "$peak_file" | tail -1)
echo "== memory: VmRSS peak while loaded ${peak} kB, after ${rss_after} kB; VmHWM ${hwm} kB"
awk -v h="$hwm" 'BEGIN { printf "   VmHWM %.1f MB / 48 MB = %.2f %s\n", h / 1024, h / 1024 / 48,
    (h / 1024 <= 48 ? "met" : "missed") }'
grep -c ' 5[0-9][0-9] [0-9]*B ' "$log" | sed 's/^/   5xx answers in the log: /' || true
kill "$serve"
wait "$serve" 2>/dev/null || true
trap - EXIT
