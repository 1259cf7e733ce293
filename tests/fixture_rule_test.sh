#!/usr/bin/env bash
# The fixture rule, tested (issue 8): a clone without ../shared must pass, with the tests that
# need the real upstream files skipped loudly and counted; under CI=true the same run must fail.
#
#   fixture_rule_test.sh BUILD_TESTS_DIR SOURCE_DIR
#
# Runs every test binary and e2e script that reads the real fixtures against an EMPTY fixtures
# folder (VULNWATCH_FIXTURES_DIR), once with CI unset and once with CI=true.
set -u
tests_dir=$1
source_dir=$2
empty=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$empty" "$work"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# Runs one suite with the empty fixtures folder: run_suite NAME CI-VALUE COMMAND...
# (CI-VALUE empty: CI unset). Leaves the exit code in $rc, output in $work/NAME.out.
run_suite() {
    local name=$1 ci=$2
    shift 2
    local skip_log="$work/$name.skips"
    : >"$skip_log"
    if [ -n "$ci" ]; then
        env CI="$ci" VULNWATCH_FIXTURES_DIR="$empty" VULNWATCH_SKIP_LOG="$skip_log" "$@" \
            >"$work/$name.out" 2>&1
    else
        env -u CI VULNWATCH_FIXTURES_DIR="$empty" VULNWATCH_SKIP_LOG="$skip_log" "$@" \
            >"$work/$name.out" 2>&1
    fi
    rc=$?
}

# Catch2 binaries with fixture tests; the test names the project's own inputs must keep running.
for suite in test_core test_feeds test_daemon test_inventory; do
    run_suite "$suite" "" "$tests_dir/$suite"
    skips=$(wc -l <"$work/$suite.skips")
    marked=$(grep -c '^FIXTURES MISSING: ' "$work/$suite.out")
    if [ "$rc" -ne 0 ]; then
        fail "$suite exited $rc without fixtures and without CI (expected 0)"
        tail -n 30 "$work/$suite.out"
    fi
    [ "$skips" -gt 0 ] || fail "$suite reported no skipped fixture test"
    [ "$skips" -eq "$marked" ] ||
        fail "$suite: $skips lines in the skip log but $marked 'FIXTURES MISSING' lines on stderr"
    # The tests that skipped are fewer than all: the others still ran and asserted.
    total=$("$tests_dir/$suite" --list-test-names-only | grep -c .)
    [ "$skips" -lt "$total" ] || fail "$suite: every test skipped ($skips of $total)"
    echo "$suite without fixtures: exit $rc, $skips of $total test cases skipped and counted"

    run_suite "$suite.ci" true "$tests_dir/$suite"
    [ "$rc" -ne 0 ] || fail "$suite passed under CI=true without fixtures (expected a failure)"
    grep -q 'fixture folder missing' "$work/$suite.ci.out" ||
        fail "$suite under CI=true did not say the fixture folder is missing"
    echo "$suite without fixtures under CI=true: exit $rc (fails, as it must)"
done

# Mechanics tests run on inputs the project writes: they must not skip (suite<TAB>test name).
while IFS=$'\t' read -r suite name; do
    if grep -qF "$name" "$work/$suite.skips"; then
        fail "$suite: '$name' skipped without fixtures: it must run on the project's own input"
    fi
    if ! "$tests_dir/$suite" --list-test-names-only | grep -qxF "$name"; then
        fail "$suite has no test '$name' (renamed? update this list)"
    fi
done <<'EOF_NAMES'
test_daemon	Records are committed in batches of the given size, one transaction each
test_daemon	A truncated file keeps the complete records before the cut and reports the error
test_daemon	Other formats are parsed whole and ingested
test_daemon	Streaming import stores every Vulinfo of a written detail document
test_feeds	stream feeding in 1, 7, 4096 byte pieces and whole gives identical output
test_feeds	a truncated document fails on finish after the complete items were emitted
test_feeds	whole-document errors are ParseErrors
test_feeds	synthetic documents that are not well-formed throw ParseError
test_core	Every date and CPE in the written JVN iPedia and MyJVN feeds parses
test_inventory	the written SBOMs agree with the reference reader too
test_inventory	CycloneDX XML with a namespace prefix reads like its JSON twin
EOF_NAMES

# The e2e script that reads every real fixture.
script="$source_dir/tests/e2e/test_parse_fixtures.py"
run_suite e2e "" /usr/bin/python3 "$script"
[ "$rc" -eq 0 ] || fail "test_parse_fixtures.py exited $rc without fixtures (expected 0)"
[ "$(wc -l <"$work/e2e.skips")" -eq 1 ] || fail "test_parse_fixtures.py did not count its skip"
grep -q '^FIXTURES MISSING: ' "$work/e2e.out" || fail "test_parse_fixtures.py skipped silently"
run_suite e2e.ci true /usr/bin/python3 "$script"
[ "$rc" -ne 0 ] || fail "test_parse_fixtures.py passed under CI=true without fixtures"
echo "test_parse_fixtures.py without fixtures: skipped and counted; under CI=true: exit $rc"

if [ "$failures" -gt 0 ]; then
    echo "$failures failed"
    exit 1
fi
echo "the fixture rule holds"
