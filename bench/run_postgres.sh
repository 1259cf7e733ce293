#!/bin/bash
# PostgreSQL against SQLite (issue 17 "Performance"; docs/performance.md "PostgreSQL (issue 17)"):
# the same programs on the same generated data, each on both backends in ONE run, and each
# PostgreSQL figure as a ratio of the SQLite one (target for import and re-match: ≤ 2×).
#
#   import     `vulnwatch --db X --log-level warning import FILES...` of bench/run.sh's
#              overlapping synthetic set (VULDEF files, then iPedia RSS files, then mails) into
#              an empty store: wall, client CPU, client peak RSS (/usr/bin/time) and, on
#              PostgreSQL, the server's CPU (the cluster's processes, from /proc) and the
#              statements the server ran (pg_stat_statements: calls of top-level statements =
#              round trips of the layer; statements run by triggers listed as nested)
#   re-match   `vulnwatch products import` of a 10k-component registry (bench/make_registry.py
#              --matching 10, as bench/run.sh) on a copy of the imported store (SQLite: a file
#              copy; PostgreSQL: CREATE DATABASE … TEMPLATE the imported one), on PostgreSQL
#              twice: as the import left it (no planner statistics yet), and after an ANALYZE
#   show       `vulnwatch advisories show ID --json` of the set's show_ids.txt
#              (bench/show_latency.py, against `vulnwatch --version`)
#   pages      the pages of bench/run_web.sh (/, /advisories, /cases, /products, /deliveries,
#              /audit, /advisories/ID, /cases/N) with a login session, one client, REQUESTS
#              times each (bench_web run), against a `vulnwatch serve` on each store after the
#              re-match (the registry's cases opened)
#   round trip pgbench on the same loopback: `SELECT 1` prepared, one client (the floor of one
#              statement of the layer) and with -C (a new connection first, as every CLI command)
#
# PostgreSQL: a throwaway PostgreSQL 15 cluster (Debian's postgresql-15) made by initdb in the
# work directory, loopback only, the same initdb options as scripts/test-servers.sh (UTF8,
# collation C, ctype C.UTF-8; scram-sha-256 on TCP), but DURABLE like a production server:
# fsync=on, synchronous_commit=on, full_page_writes=on (the test servers turn all three off and
# pass them on the command line, which ALTER SYSTEM cannot override), shared_buffers=128MB (the
# PostgreSQL default; the test servers use 32MB), pg_stat_statements preloaded. vulnwatch connects
# as role vulnwatch over TCP with a password, as a deployment would; every run gets a fresh
# database (CREATE DATABASE, pg_trgm created in it by the superuser beforehand).
# SQLite runs as vulnwatch opens it (WAL, synchronous=NORMAL); both on the same disk ($TMPDIR).
#
#   bench/run_postgres.sh [quick|full]     quick: 20k synthetic entries (default), full: 300k
#   REPEAT=3                 run each timed program 3 times (alternating backends), keep the fastest
#   SHOW_RUNS=3 REQUESTS=20  repetitions of show (per id) and of each page
#   RT_SECONDS=5             length of each pgbench run
#   PG_DURABLE=0             the test servers' settings instead (fsync, synchronous_commit and
#                            full_page_writes off): how much of PostgreSQL's time is the flushes
#   SKIP=show,pages          leave parts out (import and re-match always run)
#   VULNWATCH_BENCH_BUILD=DIR  build directory (default build-bench, as bench/run.sh)
#   NO_BUILD=1               use the binaries already in it (vulnwatch, bench_web)
#   JOBS=2                   build with 2 jobs (default 1: the machine is shared)
#   KEEP=1                   keep the work directory (stores, logs, the cluster) and print it
set -euo pipefail

mode=${1:-quick}
case "$mode" in
quick) entries=20000 ;;
full) entries=300000 ;;
*)
    echo "usage: bench/run_postgres.sh [quick|full]" >&2
    exit 2
    ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${VULNWATCH_BENCH_BUILD:-$root/build-bench}
data=$here/data/$mode/overlap
repeat=${REPEAT:-1}
skip=",${SKIP:-},"
python=/usr/bin/python3
vulnwatch=$build/daemon/vulnwatch
bench_web=$build/bench/bench_web
pgbin=${TS_PG_BIN:-/usr/lib/postgresql/15/bin}

if [ "${NO_BUILD:-0}" = 1 ]; then
    echo "== using the binaries in $build (NO_BUILD=1)"
else
    echo "== build ($build)"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVULNWATCH_BUILD_BENCH=ON \
        >/dev/null
    cmake --build "$build" --target vulnwatch bench_web -j"${JOBS:-1}" | tail -1
fi
for program in "$vulnwatch" "$bench_web" "$pgbin/initdb" "$pgbin/postgres"; do
    if [ ! -x "$program" ]; then
        echo "run_postgres.sh: $program is missing" >&2
        exit 2
    fi
done

if ! grep -qx "entries: $entries" "$data/SYNTHETIC-SET" 2>/dev/null; then
    echo "== generating $entries synthetic entries (overlap) into $data"
    rm -rf "${data:?}"
    "$python" "$here/make_synthetic.py" --entries "$entries" --cpe-variants 500 --overlap \
        --rss-share 0.2 --mails 2000 --out "$data" | tail -1
fi
shopt -s nullglob
files=("$data"/synthetic_jvndb_detail_*.rdf "$data"/synthetic_jvndb_rss_*.rdf "$data"/mail/*.eml)

work=$(mktemp -d "${TMPDIR:-/tmp}/vw-pgbench.XXXXXX")
chmod 755 "$work"
pg_pid=""
pgrun=""
serve=""
cleanup() {
    [ -z "$serve" ] || kill "$serve" 2>/dev/null || true
    if [ -n "$pg_pid" ]; then
        kill -INT "$pg_pid" 2>/dev/null || true # fast shutdown
        for _ in $(seq 100); do
            kill -0 "$pg_pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    [ -z "$pgrun" ] || rm -rf "$pgrun"
    if [ "${KEEP:-0}" = 1 ]; then
        echo "(kept $work)"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT # the cleanup runs on a kill too

# --- the PostgreSQL cluster --------------------------------------------------------------------
as_pg=()
[ "$(id -u)" -ne 0 ] || as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env --)
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pgdata=$work/pg
pgrun=$(mktemp -d /tmp/vwpgb.XXXXXX) # socket paths must stay short
mkdir -p "$pgdata"
chmod 700 "$pgdata"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pgdata" "$pgrun"
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdata" -U postgres --no-instructions --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --lc-collate=C --lc-ctype=C.UTF-8 \
    --lc-messages=C >"$work/initdb.log" 2>&1 || {
    cat "$work/initdb.log" >&2
    exit 1
}
if [ "${PG_DURABLE:-1}" = 1 ]; then
    durability=(-c fsync=on -c synchronous_commit=on -c full_page_writes=on)
else
    durability=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
fi
pg_settings=(-c listen_addresses=127.0.0.1 -c unix_socket_directories="$pgrun"
    "${durability[@]}" -c shared_buffers=128MB -c max_connections=100
    -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.max=10000
    -c pg_stat_statements.track=all -c pg_stat_statements.track_utility=on
    -c log_min_messages=warning)
"${as_pg[@]}" "$pgbin/postgres" -D "$pgdata" -p "$port" "${pg_settings[@]}" \
    >"$work/pg.log" 2>&1 &
pg_pid=$!
for _ in $(seq 200); do
    "$pgbin/pg_isready" -q -h "$pgrun" -p "$port" -t 1 && break
    kill -0 "$pg_pid" 2>/dev/null || {
        cat "$work/pg.log" >&2
        exit 1
    }
    sleep 0.1
done
psql_su() { PGOPTIONS="-c client_min_messages=warning" "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pgrun" -p "$port" -U postgres "$@"; }
psql_su -d postgres -c "CREATE ROLE vulnwatch LOGIN CREATEDB PASSWORD 'secret'" \
    -c "CREATE EXTENSION pg_stat_statements"
# the postmaster's pid (under setpriv, $pg_pid is already the postgres process: exec)
pm_pid=$(head -1 "$pgdata/postmaster.pid")
pg_url() { echo "postgresql://vulnwatch:secret@127.0.0.1:$port/$1"; }
echo "== PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port:" \
    "$(psql_su -d postgres -c "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name)
        FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
        'shared_buffers', 'wal_level', 'max_wal_size', 'checkpoint_timeout')")"
echo "   (shared_buffers in 8 kB pages; TCP with scram-sha-256; pg_stat_statements loaded)"

# pg_cpu: CPU seconds the cluster has used so far: the postmaster with its reaped children
# (exited backends) plus its live children.
pg_cpu() {
    local ticks
    ticks=$(getconf CLK_TCK)
    {
        awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$pm_pid/stat"
        local children
        read -r -a children <"/proc/$pm_pid/task/$pm_pid/children" || true
        for child in "${children[@]}"; do
            awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$child/stat" 2>/dev/null || true
        done
    } | awk -v t="$ticks" '{s += $1} END {printf "%.2f", s / t}'
}

# fresh_pg NAME [TEMPLATE]: an empty database NAME (or a copy of TEMPLATE) owned by vulnwatch.
fresh_pg() {
    psql_su -d postgres -c "DROP DATABASE IF EXISTS $1"
    if [ -n "${2:-}" ]; then
        psql_su -d postgres -c "CREATE DATABASE $1 OWNER vulnwatch TEMPLATE $2"
    else
        psql_su -d postgres -c "CREATE DATABASE $1 OWNER vulnwatch"
        psql_su -d "$1" -c "CREATE EXTENSION pg_trgm"
    fi
    psql_su -d postgres -c "CHECKPOINT"
}

# measure BACKEND NAME [SEED] -- COMMAND...: COMMAND with @DB@ replaced by a fresh store (a copy
# of SEED when given: a SQLite file or a PostgreSQL database name); $repeat runs, the fastest
# kept as "wall cpu rss_kb server_cpu" in $work/NAME.result.
measure() {
    local backend=$1 name=$2 seed=$3
    shift 4
    local key=$name-$backend best="" location line s0 s1
    for _ in $(seq "$repeat"); do
        if [ "$backend" = sqlite ]; then
            rm -f "$work/$name.db" "$work/$name.db-wal" "$work/$name.db-shm"
            [ -z "$seed" ] || cp "$seed" "$work/$name.db"
            location=$work/$name.db
        else
            fresh_pg "$name" "$seed"
            location=$(pg_url "$name")
            psql_su -d postgres -c "SELECT pg_stat_statements_reset()" >/dev/null
        fi
        sync
        local cmd=("${@//@DB@/$location}")
        s0=$(pg_cpu)
        if ! /usr/bin/time -f "%e %U %S %M" -o "$work/$key.time" "${cmd[@]}" \
            >"$work/$key.out" 2>&1; then
            echo "$name ($backend) failed:" >&2
            tail -5 "$work/$key.out" >&2
            echo "FAILED" >"$work/$key.result"
            return 1
        fi
        if [ "$backend" = postgresql ]; then
            # An exited backend's CPU reaches the postmaster's children times only once it
            # has been reaped: wait until the database has no session left.
            for _ in $(seq 50); do
                [ "$(psql_su -d postgres -c "SELECT count(*) FROM pg_stat_activity
                    WHERE datname = '$name'")" = 0 ] && break
                sleep 0.1
            done
            sleep 0.3
        fi
        s1=$(pg_cpu)
        line=$(tail -1 "$work/$key.time" |
            awk -v s="$(awk -v a="$s0" -v b="$s1" 'BEGIN{printf "%.2f", b - a}')" \
                '{printf "%s %.2f %s %s", $1, $2 + $3, $4, s}')
        if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a < b)}'; then
            best=$line
            [ "$backend" = sqlite ] || statements "$name" >"$work/$key.statements"
        fi
    done
    echo "$best" >"$work/$key.result"
    read -r wall cpu rss scpu <<<"$best"
    printf "%-16s %-10s wall %7.2f s  client cpu %7.2f s  peak RSS %6.1f MB  server cpu %6.2f s  (load %s)\n" \
        "$name" "$backend" "$wall" "$cpu" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
        "$([ "$backend" = sqlite ] && echo 0 || echo "$scpu")" "$(cut -d' ' -f1 /proc/loadavg)"
}

# statements DB: what the server ran for database DB since the reset: calls (each one a round
# trip of the layer), then the statements with the most calls and the most time.
statements() {
    psql_su -d postgres -F ' | ' -c "
        SELECT 'TOTAL', sum(calls), round(sum(total_exec_time)::numeric / 1000, 2), count(*),
            sum(calls) FILTER (WHERE query ~* '^\s*(COMMIT|END)'),
            sum(calls) FILTER (WHERE query ~* '^\s*(SAVEPOINT|RELEASE)')
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = '$1' AND s.toplevel"
    echo "-- by calls (calls | exec s | rows | statement)"
    psql_su -d postgres -F ' | ' -c "
        SELECT calls, round(total_exec_time::numeric / 1000, 2), rows,
               left(regexp_replace(query, '\s+', ' ', 'g'), 110)
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = '$1' AND s.toplevel
        ORDER BY calls DESC LIMIT 15"
    echo "-- by time (nested: run by a trigger or function)"
    psql_su -d postgres -F ' | ' -c "
        SELECT calls, round(total_exec_time::numeric / 1000, 2), rows,
               CASE WHEN s.toplevel THEN '' ELSE 'nested: ' END ||
               left(regexp_replace(query, '\s+', ' ', 'g'), 110)
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$1'
        ORDER BY total_exec_time DESC LIMIT 8"
}

r() { cut -d' ' -f"$2" "$work/$1.result"; }
# ratio NAME SQLITE PG TARGET: PostgreSQL/SQLite of wall and CPU (client + server) with a verdict.
ratio() {
    if grep -q FAILED "$work/$2.result" "$work/$3.result" 2>/dev/null; then
        printf "%-22s not measured (a run failed, above)\n" "$1"
        return
    fi
    awk -v n="$1" -v sw="$(r "$2" 1)" -v pw="$(r "$3" 1)" -v sc="$(r "$2" 2)" -v pc="$(r "$3" 2)" \
        -v ps="$(r "$3" 4)" -v t="$4" 'BEGIN {
        printf "%-22s PostgreSQL/SQLite %5.2fx wall (%.2f s / %.2f s), %5.2fx CPU incl. server (%.2f s / %.2f s)", n, pw / sw, pw, sw, (pc + ps) / sc, pc + ps, sc
        if (t != "") printf "   target <= %sx: %s", t, pw / sw <= t ? "holds" : "MISSED"
        printf "\n" }'
}

echo "== $mode: $(printf '%s\n' "${files[@]}" | grep -c '_detail_') VULDEF files ($entries entries)" \
    "+ $(printf '%s\n' "${files[@]}" | grep -c '_rss_') RSS files" \
    "+ $(printf '%s\n' "${files[@]}" | grep -c '\.eml$') mails; $(nproc) CPUs;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"

# --- round trip ----------------------------------------------------------------------------------
# The floor of a statement-at-a-time layer on this machine: one client, `SELECT 1` in a loop over
# the same TCP loopback (pgbench, extended protocol with prepared statements, as libpq's
# PQexecPrepared), i.e. what each of the import's statements costs before any work.
echo "SELECT 1;" >"$work/select1.sql"
fresh_pg roundtrip
PGPASSWORD=secret "$pgbin/pgbench" -n -M prepared -f "$work/select1.sql" -T "${RT_SECONDS:-5}" \
    -h 127.0.0.1 -p "$port" -U vulnwatch roundtrip >"$work/pgbench.out" 2>&1 || true
rtt=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/pgbench.out")
echo "== round trip (pgbench, SELECT 1, one client, TCP loopback, prepared): ${rtt:-?} ms average" \
    "(load $(cut -d' ' -f1 /proc/loadavg))"
# What every short command (`advisories show`) pays first: a new connection (TCP, scram-sha-256
# with the server's default 4096 iterations, backend start) and one statement.
PGPASSWORD=secret "$pgbin/pgbench" -n -C -f "$work/select1.sql" -T "${RT_SECONDS:-5}" \
    -h 127.0.0.1 -p "$port" -U vulnwatch roundtrip >"$work/pgbench-connect.out" 2>&1 || true
echo "   a new connection + SELECT 1 (pgbench -C): $(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' \
    "$work/pgbench-connect.out") ms average"

# --- import --------------------------------------------------------------------------------------
echo "== import (fresh store each)"
import=("$vulnwatch" --db @DB@ --log-level warning import)
measure sqlite import "" -- "${import[@]}" "${files[@]}" || true
measure postgresql import "" -- "${import[@]}" "${files[@]}" || true
pg_ok=0
grep -q FAILED "$work/import-postgresql.result" || pg_ok=1
sq=$work/import.db
sqlite3 "$sq" "SELECT '   SQLite stored: ' || (SELECT count(*) FROM record) || ' records, ' ||
    (SELECT count(*) FROM cluster) || ' clusters, ' || (SELECT count(*) FROM advisory) ||
    ' advisories, ' || (SELECT count(*) FROM mention) || ' mentions, ' ||
    (SELECT count(*) FROM event_log) || ' events'"
if [ "$pg_ok" = 1 ]; then
    psql_su -d import -c "SELECT '   PostgreSQL stored: ' || (SELECT count(*) FROM record) ||
        ' records, ' || (SELECT count(*) FROM cluster) || ' clusters, ' ||
        (SELECT count(*) FROM advisory) || ' advisories, ' || (SELECT count(*) FROM mention) ||
        ' mentions, ' || (SELECT count(*) FROM event_log) || ' events; database ' ||
        pg_size_pretty(pg_database_size('import'))"
    echo "   SQLite file: $(du -m "$sq" | cut -f1) MB"
    records=$(sqlite3 "$sq" "SELECT count(*) FROM record")
    read -r _ calls exec_s distinct commits savepoints < <(head -1 "$work/import-postgresql.statements" | tr -d '|')
    awk -v c="$calls" -v e="$exec_s" -v d="$distinct" -v n="$records" -v k="${commits:-0}" \
        -v sp="${savepoints:-0}" -v w="$(r import-postgresql 1)" \
        -v sc="$(r import-postgresql 4)" -v rtt="${rtt:-0}" 'BEGIN {
        printf "   server: %d statements (%d distinct) = %.1f per stored record, %d commits, %d savepoints/releases; %.2f s executing them (%.0f%% of the wall), server CPU %.2f s; %.1f us of wall per statement\n", c, d, c / n, k, sp, e, 100 * e / w, sc, 1e6 * w / c
        if (rtt > 0) printf "   %d statements x %.3f ms (the SELECT 1 round trip) = %.1f s of the %.1f s wall\n", c, rtt, c * rtt / 1000, w }'
    sed 's/^/   /' "$work/import-postgresql.statements" | tail -n +2
fi

# --- re-match -------------------------------------------------------------------------------------
echo "== re-match: products import of a 10k-component registry on a copy of the imported store"
"$python" "$here/make_registry.py" --db "$sq" --components 10000 --matching 10 \
    --out "$work/products.json" | sed 's/^/   /'
rematch=("$vulnwatch" --db @DB@ --log-level warning products import "$work/products.json")
measure sqlite rematch "$sq" -- "${rematch[@]}" || true
tail -1 "$work/rematch-sqlite.out" | sed 's/^/   SQLite: /'
if [ "$pg_ok" = 1 ]; then
    measure postgresql rematch import -- "${rematch[@]}" || true
    tail -1 "$work/rematch-postgresql.out" | sed 's/^/   PostgreSQL: /'
    [ ! -f "$work/rematch-postgresql.statements" ] || sed 's/^/   /' "$work/rematch-postgresql.statements"
    # Again after an ANALYZE of the imported store (not timed): right after a bulk import the
    # planner has no statistics of the new rows until autovacuum's next round (a minute or
    # more; the store does not ANALYZE), and the re-match above ran without them.
    psql_su -d import -c "ANALYZE"
    measure postgresql rematch_analyzed import -- "${rematch[@]}" || true
    if [ -f "$work/rematch_analyzed-postgresql.statements" ]; then
        head -1 "$work/rematch_analyzed-postgresql.statements" | sed 's/^/   /'
        sed -n '/^-- by time/,$p' "$work/rematch_analyzed-postgresql.statements" | head -6 |
            sed 's/^/   /'
    fi
else
    echo "FAILED" >"$work/rematch-postgresql.result"
    echo "FAILED" >"$work/rematch_analyzed-postgresql.result"
fi

# --- show -------------------------------------------------------------------------------------------
show_result() { # BACKEND LOCATION
    "$python" "$here/show_latency.py" "$vulnwatch" "$2" "$data/show_ids.txt" \
        --runs "${SHOW_RUNS:-3}" >"$work/show-$1.out" 2>&1 || {
        echo "   show on $1 failed:"
        tail -3 "$work/show-$1.out" | sed 's/^/   /'
        return 0
    }
    read -r _ base smax smed omax omed slowest _ < <(tail -1 "$work/show-$1.out")
    echo "$base $smax $smed $omax $omed" >"$work/show-$1.result"
    printf "   %-10s own work (minus start-up) max %.2f ms (%s), median %.2f ms; whole command max %.2f ms, median %.2f ms; start-up %.2f ms\n" \
        "$1" "$omax" "$slowest" "$omed" "$smax" "$smed" "$base"
}
if [[ $skip != *,show,* ]]; then
    echo "== advisories show ID --json, $(grep -vc '^#' "$data/show_ids.txt") ids, ${SHOW_RUNS:-3} runs each (fastest kept)"
    show_result sqlite "$work/rematch.db"
    [ "$pg_ok" = 0 ] || show_result postgresql "$(pg_url rematch)"
    if [ -f "$work/show-sqlite.result" ] && [ -f "$work/show-postgresql.result" ]; then
        read -r _ _ ssmed _ somed <"$work/show-sqlite.result"
        read -r _ _ psmed _ pomed <"$work/show-postgresql.result"
        awk -v a="$ssmed" -v b="$psmed" -v c="$somed" -v d="$pomed" 'BEGIN {
            printf "show                   PostgreSQL/SQLite %5.2fx median whole command (%.2f / %.2f ms), own work median %.2f / %.2f ms (includes connecting: TCP + scram-sha-256)\n", b / a, b, a, d, c }'
    fi
fi

# --- pages ------------------------------------------------------------------------------------------
pages() { # BACKEND LOCATION: serve on the store, the pages REQUESTS times each
    local backend=$1 location=$2 log=$work/serve-$1.log port_serve=""
    printf 'pw-%s\n' "$RANDOM$RANDOM$RANDOM" >"$work/password"
    "$vulnwatch" --db "$location" --log-level warning users add bench --role admin \
        --password-file "$work/password" --by bench >/dev/null
    local session
    session=$("$bench_web" session "$location" bench)
    "$vulnwatch" --db "$location" --log-level debug serve --listen 127.0.0.1:0 2>"$log" &
    serve=$!
    for _ in $(seq 300); do
        port_serve=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
        [ -n "$port_serve" ] && break
        sleep 0.1
    done
    if [ -z "$port_serve" ]; then
        echo "   serve ($backend) did not start:"
        tail -3 "$log" | sed 's/^/   /'
        kill "$serve" 2>/dev/null || true
        serve=""
        return 0
    fi
    echo "   $backend:"
    "$bench_web" run --port "$port_serve" --pid "$serve" --header "Cookie: vw_session=$session" \
        --paths "$work/pages.paths" --requests "${REQUESTS:-20}" --pct 95 --target-ms 100 |
        tee "$work/pages-$backend.out" | sed 's/^/   /' || true
    kill "$serve"
    wait "$serve" 2>/dev/null || true
    serve=""
}
if [[ $skip != *,pages,* ]]; then
    case_id=$(sqlite3 "$work/rematch.db" "SELECT max(id) FROM vcase")
    advisory=$(sqlite3 "$work/rematch.db" "SELECT a.ident FROM vcase v
        JOIN advisory_cluster ac ON ac.cluster_id = v.cluster_id
        JOIN advisory a ON a.id = ac.advisory_id ORDER BY v.id DESC LIMIT 1")
    enc() { "$python" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
    cat >"$work/pages.paths" <<EOF
dashboard /
advisories /advisories
cases /cases
products /products
deliveries /deliveries
audit /audit
advisory /advisories/$(enc "$advisory")
case /cases/${case_id:-1}
EOF
    echo "== pages, one client with a login session, ${REQUESTS:-20} requests each (p95 target ≤ 100 ms), on the stores after the re-match ($(sqlite3 "$work/rematch.db" "SELECT count(*) FROM vcase") cases; advisory $advisory, case $case_id)"
    pages sqlite "$work/rematch.db"
    [ "$pg_ok" = 0 ] || pages postgresql "$(pg_url rematch)"
    for b in sqlite postgresql; do
        [ -f "$work/pages-$b.out" ] || continue
        awk '$1 == "ALL"' "$work/pages-$b.out" >"$work/pages-$b.all"
    done
    if [ -s "$work/pages-sqlite.all" ] && [ -s "$work/pages-postgresql.all" ]; then
        p95() { sed -n 's/.*p95= *\([0-9.]*\).*/\1/p' "$1" | head -1; }
        awk -v a="$(p95 "$work/pages-sqlite.all")" -v b="$(p95 "$work/pages-postgresql.all")" 'BEGIN {
            printf "pages                  PostgreSQL/SQLite %5.2fx p95 over all pages (%.2f / %.2f ms, client side)\n", b / a, b, a }'
    fi
fi

echo "== ratios (PostgreSQL $([ "${PG_DURABLE:-1}" = 1 ] && echo "fsync=on synchronous_commit=on" || echo "fsync=off synchronous_commit=off"); SQLite WAL synchronous=NORMAL)"
ratio import import-sqlite import-postgresql 2
ratio re-match rematch-sqlite rematch-postgresql 2
ratio "re-match, ANALYZE first" rematch-sqlite rematch_analyzed-postgresql 2
echo "   (load after: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%H:%MZ))"
