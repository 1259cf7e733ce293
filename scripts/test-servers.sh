#!/usr/bin/env bash
# Loopback test servers for vulnwatch: IMAP (dovecot), SMTP (aiosmtpd), HTTP(S) (stdlib) and
# PostgreSQL 15 (Debian's postgresql-15, a throwaway cluster; TS_PG=0 leaves it out).
# No systemd needed; works as root or as a normal user. Packages: scripts/install-deps.sh.
#
#   eval "$(scripts/test-servers.sh start [DIR])"   start all; prints `export TS_...` lines
#                                                   (also written to $TS_DIR/env.sh)
#   scripts/test-servers.sh stop [DIR]              stop all, remove DIR (TS_KEEP=1 keeps it)
#   scripts/test-servers.sh deliver FILE.eml [MAILDIR]   drop a message into the IMAP INBOX
#   scripts/test-servers.sh kill-imap [DIR]         SIGKILL dovecot and its children (crash test)
#   scripts/test-servers.sh start-imap [DIR]        start dovecot again with the same config/ports
#   scripts/test-servers.sh restart-imap [DIR]      both of the above
# DIR defaults to $TS_DIR. Or source this file and call ts_start / ts_stop / ts_deliver /
# ts_kill_imap / ts_start_imap (ts_stop then also unsets the TS_* variables).
#
# Exported: TS_DIR TS_CA_CERT TS_IMAP_PORT TS_IMAPS_PORT TS_IMAP_USER TS_IMAP_PASS
# TS_IMAP_MAILDIR TS_SMTP_PORT TS_SMTPS_PORT TS_SMTP_USER TS_SMTP_PASS TS_SMTP_OUTDIR
# TS_HTTP_PORT TS_HTTPS_PORT TS_HTTP_DOCROOT TS_HTTP_HOOKDIR TS_PG_PORT TS_PG_URL TS_PG_BIN.
# Logs: $TS_DIR/logs/{dovecot,smtp,http,pg}.log. One self-signed EC P-256 cert for localhost and
# 127.0.0.1 serves every TLS port; clients trust it through $TS_CA_CERT.
#
# PostgreSQL: a cluster made by initdb in $TS_DIR/pg (run as the `postgres` system user when
# this runs as root: initdb and postgres refuse root), listening on 127.0.0.1:$TS_PG_PORT only
# (password auth, scram-sha-256) and on a unix socket (trust) in $TS_DIR/pg-run. Durability is
# off for speed (fsync, synchronous_commit, full_page_writes). Role `vulnwatch` (password
# `secret`, LOGIN CREATEDB) owns database `vulnwatch`, which has the extension pg_trgm.
# TS_PG_URL=postgresql://vulnwatch:secret@127.0.0.1:PORT/vulnwatch; TS_PG_BIN is the directory
# of initdb/pg_ctl/psql (/usr/lib/postgresql/15/bin). Encoding UTF8, collation C (byte order,
# as SQLite's BINARY), character classes C.UTF-8 (pg_trgm indexes Japanese text).
# Superuser access for tests: psql -h "$TS_DIR/pg-run" -p "$TS_PG_PORT" -U postgres.

TS_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TS_SERVERS=$(cd "$TS_SCRIPTS/../tests/servers" && pwd)
TS_PY=/usr/bin/python3 # python3-aiosmtpd exists only for Debian's interpreter, not pyenv/venv
TS_MARK=.vulnwatch-test-servers
TS_VARS=(TS_DIR TS_CA_CERT TS_IMAP_PORT TS_IMAPS_PORT TS_IMAP_USER TS_IMAP_PASS TS_IMAP_MAILDIR
    TS_SMTP_PORT TS_SMTPS_PORT TS_SMTP_USER TS_SMTP_PASS TS_SMTP_OUTDIR
    TS_HTTP_PORT TS_HTTPS_PORT TS_HTTP_DOCROOT TS_HTTP_HOOKDIR TS_PG_PORT TS_PG_URL TS_PG_BIN)
TS_USER="test"
TS_PASS="secret"
TS_PG_DEFAULT_BIN=/usr/lib/postgresql/15/bin
TS_PG_ROLE=vulnwatch # role and database

_ts_log() { echo "test-servers: $*" >&2; }

# Process still running (a zombie counts as dead: a slow-reaping PID 1 keeps them for seconds).
_ts_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# N distinct free loopback ports (bound together, then released: a tiny reuse race remains).
_ts_free_ports() {
    "$TS_PY" -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# _ts_spawn NAME CMD...: run CMD in its own session (so the whole process group can be
# signalled), log to logs/NAME.log, pid in pids/NAME.
_ts_spawn() {
    local name=$1 pidfile
    shift
    pidfile=$TS_DIR/pids/$name
    rm -f "$pidfile"
    # shellcheck disable=SC2016 # $$ and $0 belong to the inner shell
    setsid sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
        >>"$TS_DIR/logs/$name.log" 2>&1 </dev/null &
    local i
    for ((i = 0; i < 100; i++)); do
        [ -s "$pidfile" ] && return 0
        sleep 0.02
    done
    _ts_log "$name did not start"
    return 1
}

# _ts_wait NAME PORT...: bounded wait until every port accepts; fails early if NAME died.
_ts_wait() {
    local name=$1 port pid deadline
    shift
    pid=$(cat "$TS_DIR/pids/$name" 2>/dev/null || true)
    deadline=$((SECONDS + ${TS_START_TIMEOUT:-20}))
    for port in "$@"; do
        until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
            if [ -z "$pid" ] || ! _ts_alive "$pid"; then
                _ts_log "$name exited before port $port was ready; $TS_DIR/logs/$name.log:"
                cat "$TS_DIR/logs/$name.log" >&2 || true
                return 1
            fi
            if [ "$SECONDS" -ge "$deadline" ]; then
                _ts_log "$name: port $port not ready after ${TS_START_TIMEOUT:-20} s; $TS_DIR/logs/$name.log:"
                cat "$TS_DIR/logs/$name.log" >&2 || true
                return 1
            fi
            sleep 0.05
        done
    done
}

# _ts_signal NAME SIGNAL: signal the process group of server NAME (or just its pid).
_ts_signal() {
    local pid
    pid=$(cat "$TS_DIR/pids/$1" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill "-$2" -- "-$pid" 2>/dev/null || kill "-$2" "$pid" 2>/dev/null || true
}

# _ts_reap NAME SECONDS: wait until server NAME is gone; SIGKILL its group after SECONDS.
_ts_reap() {
    local pid i
    pid=$(cat "$TS_DIR/pids/$1" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    for ((i = 0; i < $2 * 20; i++)); do
        _ts_alive "$pid" || break
        sleep 0.05
    done
    if _ts_alive "$pid"; then
        _ts_log "$1 (pid $pid) ignored SIGTERM, killing it"
        _ts_signal "$1" KILL
    fi
    rm -f "$TS_DIR/pids/$1"
}

_ts_load_env() { # _ts_load_env [DIR]: TS_DIR from the argument or the environment, then env.sh
    local dir=${1:-${TS_DIR:-}}
    if [ -z "$dir" ] || [ ! -f "$dir/env.sh" ]; then
        _ts_log "no running test servers (give DIR or set TS_DIR)"
        return 1
    fi
    # shellcheck source=/dev/null
    . "$dir/env.sh"
}

_ts_write_dovecot_conf() { # ports in $1 $2
    local d=$TS_DIR/dovecot muid mgid run
    if [ "$(id -u)" -eq 0 ]; then
        muid=65534 mgid=65534 # mail processes may not run as root: use nobody/nogroup
    else
        muid=$(id -u) mgid=$(id -g)
    fi
    # Unix socket paths must stay under 108 bytes: use a short base_dir if DIR is long.
    run=$d/run
    if [ "${#run}" -gt 60 ]; then
        run=$(mktemp -d /tmp/vwdv.XXXXXX)
        echo "$run" >"$TS_DIR/dovecot-rundir"
    fi
    echo "$TS_USER:{PLAIN}$TS_PASS:$muid:$mgid::$TS_DIR/mail/$TS_USER::" >"$d/users"
    mkdir -p "$TS_DIR/mail/$TS_USER/Maildir/"{cur,new,tmp}
    # the whole tree: dotlocks are created in the parents too
    [ "$(id -u)" -ne 0 ] || chown -R "$muid:$mgid" "$TS_DIR/mail"
    {
        cat <<EOF
# generated by scripts/test-servers.sh; standalone, nothing from /etc/dovecot is read
base_dir = $run
state_dir = $d/state
log_path = $TS_DIR/logs/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$TS_DIR/tls/cert.pem
ssl_key = <$TS_DIR/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:~/Maildir
EOF
        if [ "$(id -u)" -ne 0 ]; then
            echo "default_login_user = $(id -un)"
            echo "default_internal_user = $(id -un)"
            echo "default_internal_group = $(id -gn)"
        fi
        cat <<EOF
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/users
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $1
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $2
    ssl = yes
  }
}
EOF
    } >"$d/dovecot.conf"
}

_ts_dovecot_rundir() {
    if [ -f "$TS_DIR/dovecot-rundir" ]; then cat "$TS_DIR/dovecot-rundir"; else echo "$TS_DIR/dovecot/run"; fi
}

_ts_spawn_dovecot() {
    # A master.pid left by a killed dovecot would make it refuse to start.
    rm -f "$(_ts_dovecot_rundir)/master.pid"
    _ts_spawn dovecot /usr/sbin/dovecot -F -c "$TS_DIR/dovecot/dovecot.conf"
}

_ts_pg_rundir() { # the unix socket directory (short: socket paths must stay under 108 bytes)
    if [ -f "$TS_DIR/pg-rundir" ]; then cat "$TS_DIR/pg-rundir"; else echo "$TS_DIR/pg-run"; fi
}

# _ts_as_pg CMD...: run CMD as the cluster's owner: `postgres` when root, else this user.
_ts_as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups --reset-env -- "$@"
    else
        "$@"
    fi
}

# _ts_spawn_pg PORT: initdb a fresh cluster in $TS_DIR/pg and start postgres on PORT.
_ts_spawn_pg() {
    local port=$1 bin=${TS_PG_BIN:-$TS_PG_DEFAULT_BIN} run
    if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/postgres" ]; then
        _ts_log "PostgreSQL 15 is not installed ($bin/initdb missing): run scripts/install-deps.sh, or TS_PG=0 to start without it"
        return 1
    fi
    run=$TS_DIR/pg-run
    if [ "${#run}" -gt 80 ]; then
        run=$(mktemp -d /tmp/vwpg.XXXXXX)
        echo "$run" >"$TS_DIR/pg-rundir"
    fi
    mkdir -p "$TS_DIR/pg" "$run"
    chmod 700 "$TS_DIR/pg"
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            _ts_log "no 'postgres' system user to run PostgreSQL as (it comes with postgresql-15)"
            return 1
        fi
        chown postgres:postgres "$TS_DIR/pg" "$run"
    fi
    if ! _ts_as_pg "$bin/initdb" -D "$TS_DIR/pg" -U postgres --no-sync --no-instructions \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --lc-collate=C \
        --lc-ctype=C.UTF-8 --lc-messages=C >"$TS_DIR/logs/initdb.log" 2>&1; then
        _ts_log "initdb failed; $TS_DIR/logs/initdb.log:"
        cat "$TS_DIR/logs/initdb.log" >&2
        return 1
    fi
    local as=()
    [ "$(id -u)" -ne 0 ] || as=(setpriv --reuid=postgres --regid=postgres --init-groups --reset-env --)
    _ts_spawn pg "${as[@]}" "$bin/postgres" -D "$TS_DIR/pg" -p "$port" \
        -c listen_addresses=127.0.0.1 -c unix_socket_directories="$run" \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=200 -c shared_buffers=32MB -c log_min_messages=warning
}

# _ts_setup_pg PORT: wait until the cluster accepts queries, then make role, database, extension.
_ts_setup_pg() {
    local port=$1 bin=${TS_PG_BIN:-$TS_PG_DEFAULT_BIN} run pid deadline
    run=$(_ts_pg_rundir)
    pid=$(cat "$TS_DIR/pids/pg" 2>/dev/null || true)
    deadline=$((SECONDS + ${TS_START_TIMEOUT:-20}))
    until "$bin/pg_isready" -q -h "$run" -p "$port" -t 1; do
        if [ -z "$pid" ] || ! _ts_alive "$pid"; then
            _ts_log "postgres exited before it was ready; $TS_DIR/logs/pg.log:"
            cat "$TS_DIR/logs/pg.log" >&2 || true
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            _ts_log "postgres not ready after ${TS_START_TIMEOUT:-20} s; $TS_DIR/logs/pg.log:"
            cat "$TS_DIR/logs/pg.log" >&2 || true
            return 1
        fi
        sleep 0.05
    done
    local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$run" -p "$port" -U postgres)
    if ! { "${psql[@]}" -d postgres \
        -c "CREATE ROLE $TS_PG_ROLE LOGIN CREATEDB PASSWORD '$TS_PASS'" \
        -c "CREATE DATABASE $TS_PG_ROLE OWNER $TS_PG_ROLE STRATEGY FILE_COPY" &&
        "${psql[@]}" -d "$TS_PG_ROLE" -c "CREATE EXTENSION pg_trgm"; } \
        >>"$TS_DIR/logs/psql.log" 2>&1; then
        _ts_log "PostgreSQL setup failed; $TS_DIR/logs/psql.log:"
        cat "$TS_DIR/logs/psql.log" >&2
        return 1
    fi
}

# ts_start [DIR]: start all servers, export TS_* here, print them as `export` lines.
ts_start() {
    local dir=${1:-} imap imaps smtp smtps http https pg=
    if [ -n "$dir" ]; then
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd)
    else
        dir=$(mktemp -d /tmp/vwts.XXXXXX)
    fi
    TS_DIR=$dir
    chmod 755 "$TS_DIR" # mktemp makes 0700, which dovecot's mail user (nobody) cannot traverse
    touch "$TS_DIR/$TS_MARK"
    mkdir -p "$TS_DIR"/{tls,pids,logs,dovecot/run,dovecot/state,mail,smtp-out,http/docroot,http/hooks}
    read -r imap imaps smtp smtps http https pg <<<"$(_ts_free_ports 7)"
    [ "${TS_PG:-1}" != 0 ] || pg=
    # PostgreSQL's initdb and start, the slowest part, run while the rest starts.
    local pgjob=
    if [ -n "$pg" ]; then
        _ts_spawn_pg "$pg" &
        pgjob=$!
    fi

    if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
        -subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
        -keyout "$TS_DIR/tls/key.pem" -out "$TS_DIR/tls/cert.pem" 2>"$TS_DIR/logs/openssl.log"; then
        cat "$TS_DIR/logs/openssl.log" >&2
        if [ -n "$pgjob" ]; then
            wait "$pgjob" || true
            ts_stop "$TS_DIR" >/dev/null
        fi
        return 1
    fi
    rm -f "$TS_DIR/logs/openssl.log"
    chmod 644 "$TS_DIR/tls/key.pem" "$TS_DIR/tls/cert.pem" # a throwaway test key

    _ts_write_dovecot_conf "$imap" "$imaps"
    local ok=1
    _ts_spawn_dovecot || ok=
    [ -z "$ok" ] || _ts_spawn smtp "$TS_PY" "$TS_SERVERS/smtp_server.py" \
        --port "$smtp" --tls-port "$smtps" --cert "$TS_DIR/tls/cert.pem" \
        --key "$TS_DIR/tls/key.pem" --outdir "$TS_DIR/smtp-out" \
        --user "$TS_USER" --password "$TS_PASS" || ok=
    [ -z "$ok" ] || _ts_spawn http "$TS_PY" "$TS_SERVERS/http_server.py" \
        --port "$http" --tls-port "$https" --cert "$TS_DIR/tls/cert.pem" \
        --key "$TS_DIR/tls/key.pem" --docroot "$TS_DIR/http/docroot" \
        --hookdir "$TS_DIR/http/hooks" || ok=
    if [ -n "$pgjob" ] && ! wait "$pgjob"; then
        ok=
    fi
    [ -z "$ok" ] || _ts_wait dovecot "$imap" "$imaps" || ok=
    [ -z "$ok" ] || _ts_wait smtp "$smtp" "$smtps" || ok=
    [ -z "$ok" ] || _ts_wait http "$http" "$https" || ok=
    [ -z "$ok" ] || [ -z "$pg" ] || _ts_setup_pg "$pg" || ok=
    if [ -z "$ok" ]; then
        _ts_log "start failed; stopping the other servers"
        ts_stop "$TS_DIR" >/dev/null
        return 1
    fi

    {
        printf 'export TS_DIR=%q\n' "$TS_DIR"
        printf 'export TS_CA_CERT=%q\n' "$TS_DIR/tls/cert.pem"
        printf 'export TS_IMAP_PORT=%q\n' "$imap"
        printf 'export TS_IMAPS_PORT=%q\n' "$imaps"
        printf 'export TS_IMAP_USER=%q\n' "$TS_USER"
        printf 'export TS_IMAP_PASS=%q\n' "$TS_PASS"
        printf 'export TS_IMAP_MAILDIR=%q\n' "$TS_DIR/mail/$TS_USER/Maildir"
        printf 'export TS_SMTP_PORT=%q\n' "$smtp"
        printf 'export TS_SMTPS_PORT=%q\n' "$smtps"
        printf 'export TS_SMTP_USER=%q\n' "$TS_USER"
        printf 'export TS_SMTP_PASS=%q\n' "$TS_PASS"
        printf 'export TS_SMTP_OUTDIR=%q\n' "$TS_DIR/smtp-out"
        printf 'export TS_HTTP_PORT=%q\n' "$http"
        printf 'export TS_HTTPS_PORT=%q\n' "$https"
        printf 'export TS_HTTP_DOCROOT=%q\n' "$TS_DIR/http/docroot"
        printf 'export TS_HTTP_HOOKDIR=%q\n' "$TS_DIR/http/hooks"
        if [ -n "$pg" ]; then
            printf 'export TS_PG_PORT=%q\n' "$pg"
            printf 'export TS_PG_URL=%q\n' \
                "postgresql://$TS_PG_ROLE:$TS_PASS@127.0.0.1:$pg/$TS_PG_ROLE"
            printf 'export TS_PG_BIN=%q\n' "${TS_PG_BIN:-$TS_PG_DEFAULT_BIN}"
        fi
    } >"$TS_DIR/env.sh"
    # shellcheck source=/dev/null
    . "$TS_DIR/env.sh"
    cat "$TS_DIR/env.sh"
}

# ts_stop [DIR]: stop every server of DIR (default $TS_DIR) and remove DIR unless TS_KEEP=1.
ts_stop() {
    local dir=${1:-${TS_DIR:-}} name saved=${TS_DIR:-}
    if [ -z "$dir" ] || [ ! -f "$dir/$TS_MARK" ]; then
        _ts_log "nothing to stop${dir:+ in $dir}"
        return 0
    fi
    TS_DIR=$dir
    for name in http smtp dovecot; do
        _ts_signal "$name" TERM
    done
    # postgres: SIGQUIT is its immediate shutdown (SIGTERM would wait for every client to leave)
    _ts_signal pg QUIT
    for name in http smtp dovecot pg; do
        _ts_reap "$name" 5
    done
    if [ "${TS_KEEP:-0}" = 1 ]; then
        _ts_log "kept $TS_DIR"
    else
        if [ -f "$TS_DIR/dovecot-rundir" ]; then
            rm -rf "$(cat "$TS_DIR/dovecot-rundir")"
        fi
        if [ -f "$TS_DIR/pg-rundir" ]; then
            rm -rf "$(cat "$TS_DIR/pg-rundir")"
        fi
        rm -rf "$TS_DIR"
    fi
    if [ "$saved" = "$dir" ] || [ -z "$saved" ]; then
        unset "${TS_VARS[@]}" # only matters when sourced
    else
        TS_DIR=$saved
    fi
}

# ts_deliver FILE.eml [MAILDIR]: atomic Maildir delivery (tmp/, then rename into new/);
# dovecot assigns the next UID on the next SELECT. Needs no running server.
ts_deliver() {
    local file=${1:?usage: ts_deliver FILE.eml [MAILDIR]} md=${2:-${TS_IMAP_MAILDIR:-}} name
    if [ -z "$md" ] || [ ! -d "$md/tmp" ]; then
        _ts_log "no Maildir (give MAILDIR or set TS_IMAP_MAILDIR)"
        return 1
    fi
    name="$(date +%s).M${RANDOM}P$$Q${SECONDS}.vwtest"
    cp "$file" "$md/tmp/$name"
    chmod 600 "$md/tmp/$name"
    [ "$(id -u)" -ne 0 ] || chown --reference="$md" "$md/tmp/$name"
    mv "$md/tmp/$name" "$md/new/$name"
}

# ts_kill_imap [DIR]: SIGKILL dovecot with all its processes (open IMAP sessions drop).
ts_kill_imap() {
    _ts_load_env "${1:-}" || return 1
    _ts_signal dovecot KILL
    _ts_reap dovecot 5
}

# ts_start_imap [DIR]: start dovecot again on the same ports, config and maildir.
ts_start_imap() {
    _ts_load_env "${1:-}" || return 1
    local pid
    pid=$(cat "$TS_DIR/pids/dovecot" 2>/dev/null || true)
    if [ -n "$pid" ] && _ts_alive "$pid"; then
        _ts_log "dovecot is already running (pid $pid)"
        return 0
    fi
    _ts_spawn_dovecot && _ts_wait dovecot "$TS_IMAP_PORT" "$TS_IMAPS_PORT"
}

_ts_main() {
    set -euo pipefail
    local cmd=${1:-}
    [ $# -eq 0 ] || shift
    case $cmd in
    start) ts_start "${1:-}" ;;
    stop) ts_stop "${1:-}" ;;
    deliver)
        [ $# -ge 1 ] || { _ts_log "usage: deliver FILE.eml [MAILDIR]"; exit 2; }
        if [ $# -lt 2 ] && [ -z "${TS_IMAP_MAILDIR:-}" ]; then _ts_load_env; fi
        ts_deliver "$@"
        ;;
    kill-imap) ts_kill_imap "${1:-}" ;;
    start-imap) ts_start_imap "${1:-}" ;;
    restart-imap) ts_kill_imap "${1:-}" && ts_start_imap "${1:-}" ;;
    *)
        echo "usage: $0 start [DIR] | stop [DIR] | deliver FILE.eml [MAILDIR]" \
            "| kill-imap [DIR] | start-imap [DIR] | restart-imap [DIR]" >&2
        exit 2
        ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    _ts_main "$@"
fi
