#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build dir and runs each for SECONDS
# (CI compiles with g++, which has no libFuzzer):
#   fuzz_mail   the mail parser, MIME helpers and id extraction, seeded with tests/data/mail;
#   fuzz_feeds  VULDEF streamed in pieces against whole, JVN RSS and format detection, seeded
#               with the real JVN files of the shared fixtures, the demo feed and tests/data/vuldef.
#
#   scripts/fuzz.sh [SECONDS]      default 30 per target; exit status non-zero on a crash
#
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh). Crash inputs are written to
# build-fuzz/crashes/; new corpus entries to build-fuzz/corpus-mail/ and corpus-feeds/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-fuzz"
SECONDS_TO_RUN=${1:-30}

for tool in clang clang++ cmake ninja; do
    command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVULNWATCH_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD" --target fuzz_mail fuzz_feeds -j"${JOBS:-1}"

FIXTURES=${VULNWATCH_FIXTURES_DIR:-$ROOT/../shared/fixtures}
feed_seeds=("$ROOT/demo" "$ROOT/tests/data/vuldef")
if [ -d "$FIXTURES/jvn" ]; then
    feed_seeds+=("$FIXTURES/jvn")
else
    echo "fuzz.sh: no fixtures at $FIXTURES/jvn; fuzz_feeds starts from the project's own documents only" >&2
fi

mkdir -p "$BUILD/corpus-mail" "$BUILD/corpus-feeds" "$BUILD/crashes"
run() {
    local target=$1
    shift
    echo "== $target (${SECONDS_TO_RUN} s)"
    "$BUILD/tests/$target" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$BUILD/crashes/" "$@"
}
run fuzz_mail "$BUILD/corpus-mail" "$ROOT/tests/data/mail"
run fuzz_feeds -max_len=65536 "$BUILD/corpus-feeds" "${feed_seeds[@]}"
