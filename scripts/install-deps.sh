#!/usr/bin/env bash
# Install vulnwatch's build and test dependencies from Debian 12's apt, and the node packages
# of the JavaScript checks (tests/js/, package.json) with `npm ci` (idempotent).
#
#   scripts/install-deps.sh        quiet on success; prints apt's full log on failure
#
# Fast path: when dpkg-query reports every package installed, nothing else runs (no root
# needed). Otherwise it installs the missing ones non-interactively (as root, or through sudo),
# with `apt-get update` only when the package lists are absent or apt cannot find a package.
# While apt runs, /usr/sbin/policy-rc.d (exit 101) keeps packaged services such as dovecot
# from starting; it is removed afterwards if this script created it.
set -euo pipefail

BUILD_PKGS=(build-essential cmake ninja-build pkg-config libpoco-dev libpugixml-dev
    libcurl4-openssl-dev libsqlite3-dev catch2 libsystemd-dev libicu-dev libssl-dev clang-format
    libgpgme-dev gnupg clang libclang-rt-14-dev libxxhash-dev libhowardhinnant-date-dev libsimdjson-dev
    libkainjow-mustache-dev zlib1g-dev libsodium-dev)
# libpq-dev: the PostgreSQL client library of the postgresql store backend (docs/storage.md).
BUILD_PKGS+=(libpq-dev)
# chromium: the browser tests of the pages (playwright-core drives it; no browser download);
# fonts-ipafont-gothic: Japanese glyphs in its screenshots.
TEST_PKGS=(dovecot-imapd python3-aiosmtpd openssl curl systemd sqlite3 chromium fonts-ipafont-gothic)
# prometheus: its promtool checks the metrics exposition (tests/e2e/test_status_metrics.py).
TEST_PKGS+=(prometheus)
# lintian, fakeroot: the Debian package is checked by lintian, built and installed by
# tests/e2e/test_deb.py (dpkg-deb and dpkg-shlibdeps come with build-essential's dpkg-dev).
TEST_PKGS+=(lintian fakeroot)
# python3-matplotlib: scripts/plot_soak.py draws docs/soak.png from the soak's samples;
# valgrind: the soak's leak check (scripts/soak.sh --valgrind).
TEST_PKGS+=(python3-matplotlib valgrind)
# python3-cryptography: tests/servers/fault_server.py makes its expired and wrong-host
# certificates (the fault matrix, docs/reliability.md).
TEST_PKGS+=(python3-cryptography)
# postgresql-15: initdb/postgres/psql for the throwaway cluster of scripts/test-servers.sh (the
# PostgreSQL store tests). Its package also provides postgresql-contrib-15, so pg_trgm (the
# keyword index) needs no other package; the packaged cluster is never started (policy-rc.d).
TEST_PKGS+=(postgresql-15)
# python3-psycopg2: the e2e tests read a PostgreSQL store directly (tests/e2e/vwtest.py's db_*
# helpers, when VULNWATCH_TEST_PG_URL points the binary at PostgreSQL).
TEST_PKGS+=(python3-psycopg2)
# node and npm for tests/js/: Debian's, unless a node with npm is already installed (a
# NodeSource nodejs carries its own npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    TEST_PKGS+=(nodejs npm)
fi
POLICY=/usr/sbin/policy-rc.d
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# `npm ci` when node_modules is missing or older than package-lock.json (npm keeps its own copy
# of the lock file in node_modules/.package-lock.json). Exact versions from the lock file, no
# install scripts.
npm_deps() {
    local stamp=$ROOT/node_modules/.package-lock.json
    if [ -f "$stamp" ] && [ ! "$ROOT/package-lock.json" -nt "$stamp" ]; then
        return 0
    fi
    local log
    log=$(mktemp /tmp/install-deps-npm.XXXXXX.log)
    if ! (cd "$ROOT" && npm ci --no-audit --no-fund --ignore-scripts) >"$log" 2>&1; then
        echo "install-deps: npm ci failed; its log:" >&2
        cat "$log" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
}

# One dpkg-query for all (about 0.1 s each); unknown packages print nothing and count as missing.
declare -A state=()
while read -r pkg status; do
    state[${pkg%%:*}]=$status
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" \
    2>/dev/null || true)
missing=()
for pkg in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
    [ "${state[$pkg]:-}" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    npm_deps
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
    SUDO=(sudo -n)
fi

LOG=$(mktemp /tmp/install-deps.XXXXXX.log)
created_policy=
cleanup() {
    if [ -n "$created_policy" ]; then
        "${SUDO[@]}" rm -f "$POLICY"
    fi
    rm -f "$LOG"
}
trap cleanup EXIT

if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\n# temporary, from vulnwatch scripts/install-deps.sh: start no services\nexit 101\n' |
        "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    created_policy=1
fi

APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
    apt-get -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

apt_update() {
    echo "+ apt-get update" >>"$LOG"
    "${APT[@]}" update >>"$LOG" 2>&1
}
apt_install() {
    echo "+ apt-get install ${missing[*]}" >>"$LOG"
    "${APT[@]}" install --no-install-recommends "${missing[@]}" >>"$LOG" 2>&1
}
fail() {
    echo "install-deps: $1; apt log:" >&2
    cat "$LOG" >&2
    exit 1
}

# Package lists exist when apt has been updated at least once on this machine.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt_update || fail "apt-get update failed"
fi
if ! apt_install; then
    # Stale lists: a package unknown to them, or a version that is gone from the mirror.
    if grep -qE 'Unable to locate package|has no installation candidate|404 +Not Found|Failed to fetch' "$LOG"; then
        apt_update || fail "apt-get update failed"
        apt_install || fail "apt-get install failed after apt-get update"
    else
        fail "apt-get install failed"
    fi
fi
npm_deps
