#!/usr/bin/env bash
# Builds the libFuzzer mail target with clang in its own build dir and runs it over the test
# mails (CI compiles with g++, which has no libFuzzer).
#
#   scripts/fuzz.sh [SECONDS]      default 30; exit status non-zero when the fuzzer finds a crash
#
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh). Crash inputs are written to
# build-fuzz/crashes/; new corpus entries to build-fuzz/corpus-mail/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-fuzz"
SECONDS_TO_RUN=${1:-30}

for tool in clang clang++ cmake ninja; do
    command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVULNWATCH_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD" --target fuzz_mail -j"${JOBS:-1}"

mkdir -p "$BUILD/corpus-mail" "$BUILD/crashes"
"$BUILD/tests/fuzz_mail" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$BUILD/crashes/" \
    "$BUILD/corpus-mail" "$ROOT/tests/data/mail"
