#!/usr/bin/env bash
# The project's test command (what .ci/run runs). From anywhere:
#
#   scripts/test.sh [CTEST-ARGS...]     e.g. scripts/test.sh -R servers
#
# Phases: install the Debian dependencies, configure + build (Ninja, build/, RelWithDebInfo,
# warnings as errors), check formatting with clang-format, start the loopback test servers,
# run ctest, stop the servers (always, on exit). The exit status is ctest's; a formatting
# failure with passing tests exits 1. Each phase's elapsed time is printed at the end.
#
# Fixtures: tests whose point is the real upstream files read them from ../shared/fixtures next
# to the repository, or from VULNWATCH_FIXTURES_DIR. Without that folder they skip loudly
# ("FIXTURES MISSING"), ctest counts them as skipped, and the end of the run says how many and
# where it looked; under CI=true a missing folder is an error.
#
# Environment: CI=true makes the fixtures folder mandatory; VULNWATCH_FIXTURES_DIR points at
# another one; BUILD_DIR overrides build/; JOBS overrides $(nproc).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
PHASE_NAMES=()
PHASE_TIMES=()
PHASE_START=
PHASE_NAME=
SERVERS_UP=
CTEST_SUMMARY=
PG_SUMMARY=
SKIP_LOG=

say() { printf '\n=== %s\n' "$*" >&2; }
phase() { # phase NAME: end the running phase, start the next one
    phase_end
    PHASE_NAME=$1
    PHASE_START=$EPOCHREALTIME
    say "$1"
}
phase_end() {
    [ -n "$PHASE_NAME" ] || return 0
    local us=$((${EPOCHREALTIME//[!0-9]/} - ${PHASE_START//[!0-9]/}))
    PHASE_NAMES+=("$PHASE_NAME")
    PHASE_TIMES+=("$(printf '%d.%01d' $((us / 1000000)) $((us % 1000000 / 100000)))")
    PHASE_NAME=
}
summary() {
    local i
    phase_end
    [ ${#PHASE_NAMES[@]} -gt 0 ] || return 0
    echo >&2
    echo "=== elapsed" >&2
    for i in "${!PHASE_NAMES[@]}"; do
        printf '  %-22s %7s s\n' "${PHASE_NAMES[$i]}" "${PHASE_TIMES[$i]}" >&2
    done
}
on_exit() {
    local rc=$?
    if [ -n "$SERVERS_UP" ]; then
        phase "stop test servers"
        ts_stop || true
    fi
    summary
    fixture_report
    # The plain closing line: "N passed, N failed, N skipped" from ctest's own count.
    if [ -n "$CTEST_SUMMARY" ]; then
        echo "$CTEST_SUMMARY"
    fi
    exit "$rc"
}
fixture_report() { # how many tests ran without their real fixtures, and where they looked
    [ -n "$SKIP_LOG" ] && [ -f "$SKIP_LOG" ] || return 0
    local n
    n=$(wc -l <"$SKIP_LOG")
    echo >&2
    if [ "$n" -eq 0 ]; then
        echo "=== fixtures: every fixture test ran against $FIXTURES" >&2
        return 0
    fi
    echo "=== fixtures: $n tests ran WITHOUT their real fixtures (skipped, nothing checked):" >&2
    sed 's/^[^\t]*\t/  /' "$SKIP_LOG" >&2
    echo "    looked in $FIXTURES (VULNWATCH_FIXTURES_DIR); to run them:" >&2
    echo "    VULNWATCH_FIXTURES_DIR=/path/to/shared/fixtures bash scripts/test.sh" >&2
}
trap on_exit EXIT

# --- fixtures ---------------------------------------------------------------------------------
FIXTURES=${VULNWATCH_FIXTURES_DIR:-$ROOT/../shared/fixtures}
if [ -d "$FIXTURES" ]; then
    FIXTURES=$(cd "$FIXTURES" && pwd)
elif [ "${CI:-}" = true ]; then
    echo "test.sh: CI=true but the fixtures folder $FIXTURES does not exist." >&2
    echo "test.sh: check out shared/fixtures next to the repository (or set VULNWATCH_FIXTURES_DIR)." >&2
    exit 1
else
    cat >&2 <<EOF
################################################################################
# WARNING: fixtures folder $FIXTURES not found.
# Tests that read the real JVN / SBOM fixtures will be skipped and counted at the
# end. Set VULNWATCH_FIXTURES_DIR to the shared/fixtures folder to run them.
# Under CI=true this is an error.
################################################################################
EOF
fi

# --- dependencies -----------------------------------------------------------------------------
phase "install dependencies"
bash scripts/install-deps.sh

# --- configure + build ------------------------------------------------------------------------
phase "configure"
if [ -f "$BUILD_DIR/CMakeCache.txt" ] &&
    ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$BUILD_DIR/CMakeCache.txt"; then
    echo "test.sh: $BUILD_DIR was configured with another generator; reconfiguring it for Ninja" >&2
    rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
fi
cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVULNWATCH_WERROR=ON \
    -DVULNWATCH_BUILD_TESTS=ON \
    -DVULNWATCH_FIXTURES_DIR="$FIXTURES"

phase "build"
cmake --build "$BUILD_DIR" -j"$JOBS"

# --- formatting -------------------------------------------------------------------------------
phase "clang-format check"
format_failed=
mapfile -d '' sources < <(find . \( -path './build*' -o -path './.git' -o -path './.cache' \) -prune \
    -o -type f \( -name '*.h' -o -name '*.cpp' \) -print0 | sort -z)
if [ ${#sources[@]} -gt 0 ]; then
    if ! fmt_out=$(clang-format --dry-run --Werror "${sources[@]}" 2>&1); then
        format_failed=1
        echo "test.sh: these files are not clang-formatted (fix: clang-format -i FILE...):" >&2
        # warnings look like "./core/x.cpp:12:3: error: code should be clang-formatted [...]"
        bad=$(sed -n 's/^\(.*\):[0-9][0-9]*:[0-9][0-9]*: error: .*clang-format.*$/\1/p' <<<"$fmt_out" |
            sort -u)
        if [ -n "$bad" ]; then
            sed 's/^\.\//  /' <<<"$bad" >&2
        else
            echo "$fmt_out" >&2
        fi
    else
        echo "${#sources[@]} files formatted correctly" >&2
    fi
fi

# --- servers + tests --------------------------------------------------------------------------
phase "start test servers"
# shellcheck source=scripts/test-servers.sh
. scripts/test-servers.sh
SERVERS_UP=1
ts_start >/dev/null
echo "servers up in $TS_DIR (logs: $TS_DIR/logs)" >&2

phase "ctest"
ctest_rc=0
ctest_log="$BUILD_DIR/ctest-output.log"
# Every test that skips for want of its real fixtures appends a line here (tests/helpers/
# fixtures.h, tests/e2e/vwtest.py); fixture_report prints them at the end.
SKIP_LOG="$ROOT/$BUILD_DIR/fixture-skips.log"
[[ $BUILD_DIR = /* ]] && SKIP_LOG="$BUILD_DIR/fixture-skips.log"
: >"$SKIP_LOG"
export VULNWATCH_SKIP_LOG=$SKIP_LOG
set +e
ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error -j2 --timeout 300 "$@" 2>&1 |
    tee "$ctest_log"
ctest_rc=${PIPESTATUS[0]}
set -e
# "100% tests passed, 0 tests failed out of 231" plus "(Skipped)" lines -> "229 passed, 0 failed,
# 2 skipped" (ctest counts a skipped test as passed in its percentage line)
if line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$ctest_log" | tail -n 1); then
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    skipped=$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$ctest_log" || true)
    CTEST_SUMMARY="$((total - failed - skipped)) passed, $failed failed, $skipped skipped"
fi

# --- the same store, daemon, web and e2e tests on PostgreSQL (issue 17) --------------------------
# VULNWATCH_TEST_PG_URL makes Store::open(PATH) open a PostgreSQL schema named after PATH in the
# test server's database (docs/testing.md), so the unchanged tests run there. Tests about SQLite
# itself say "SKIPPED ON POSTGRESQL" (counted as skipped). tests/postgres-pending.txt lists, one
# ctest regex per line, tests not yet ported; they are left out of this pass and counted.
# VULNWATCH_PG_PASS=0 leaves the pass out.
if [ "${VULNWATCH_PG_PASS:-1}" != 0 ]; then
    phase "ctest (PostgreSQL)"
    pg_log="$BUILD_DIR/ctest-postgresql.log"
    pending=()
    pending_file=tests/postgres-pending.txt
    if [ -f "$pending_file" ]; then
        mapfile -t pending < <(grep -vE '^[[:space:]]*(#|$)' "$pending_file")
    fi
    exclude=()
    if [ ${#pending[@]} -gt 0 ]; then
        exclude=(-E "$(IFS='|'; echo "${pending[*]}")")
    fi
    set +e
    VULNWATCH_TEST_PG_URL=$TS_PG_URL ctest --test-dir "$BUILD_DIR" --output-on-failure \
        --no-tests=error -j2 --timeout 300 -L postgresql "${exclude[@]}" "$@" 2>&1 | tee "$pg_log"
    pg_rc=${PIPESTATUS[0]}
    set -e
    if line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$pg_log" | tail -n 1); then
        total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
        failed=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
        skipped=$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$pg_log" || true)
        PG_SUMMARY="PostgreSQL pass: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
        if [ ${#pending[@]} -gt 0 ]; then
            PG_SUMMARY+=" (${#pending[@]} patterns of tests not yet ported left out: $pending_file)"
        fi
        CTEST_SUMMARY="SQLite pass: $CTEST_SUMMARY"$'\n'"$PG_SUMMARY"
    fi
    if [ "$pg_rc" -ne 0 ] && [ "$ctest_rc" -eq 0 ]; then
        ctest_rc=$pg_rc
    fi
fi
if [ "$ctest_rc" -ne 0 ]; then
    for log in "$TS_DIR"/logs/*.log; do
        echo "--- last lines of $log" >&2
        tail -n 40 "$log" >&2 || true
    done
fi

# --- fuzzing: libFuzzer needs clang; CI builds with g++, so the fuzzer has its own build ----------
phase "fuzz (clang libFuzzer)"
fuzz_rc=0
JOBS=$JOBS bash scripts/fuzz.sh "${VULNWATCH_FUZZ_SECONDS:-30}" >"$BUILD_DIR/fuzz.log" 2>&1 || fuzz_rc=$?
grep -E '^== |^fuzz-summary |^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|SUMMARY|differ' \
    "$BUILD_DIR/fuzz.log" >&2 || true
if [ "$fuzz_rc" -ne 0 ]; then
    tail -n 30 "$BUILD_DIR/fuzz.log" >&2
    echo "test.sh: a fuzzer failed (exit $fuzz_rc); see $BUILD_DIR/fuzz.log" >&2
    # The failing inputs up to 16 KiB, so a failure on another machine (CI) can be replayed:
    # base64 -d >crash && build-fuzz/tests/TARGET crash
    for crash in build-fuzz/crashes/*; do
        [ -f "$crash" ] && [ "$(stat -c %s "$crash")" -le 16384 ] || continue
        echo "test.sh: failing input $(basename "$crash") in base64:" >&2
        base64 -w 0 "$crash" >&2
        echo >&2
    done
fi

if [ "$ctest_rc" -ne 0 ]; then
    exit "$ctest_rc"
fi
if [ "$fuzz_rc" -ne 0 ]; then
    exit 1
fi
if [ -n "$format_failed" ]; then
    echo "test.sh: tests passed but formatting failed (see the list above)" >&2
    exit 1
fi
