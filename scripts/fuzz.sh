#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build dir and runs each for SECONDS
# (CI compiles with g++, which has no libFuzzer):
#   fuzz_mail   the mail parser, MIME helpers and id extraction, seeded with tests/data/mail;
#   fuzz_feeds  VULDEF streamed in pieces against whole, JVN RSS and format detection, seeded
#               with the real JVN files of the shared fixtures, the demo feed and tests/data/vuldef;
#   fuzz_inputs SBOMs (CycloneDX, SPDX), CPE names, version text and comparison, package URLs,
#               install-base CSV and CSAF documents, seeded with tests/data/sbom, the demo's SBOM,
#               the CSAF fixtures and a few lines
#               (the first byte of an input picks the parser);
#   fuzz_config the INI configuration, the product registry JSON and HTTP response header lines
#               with Retry-After, seeded with the annotated example config, the demo registry
#               and a few header blocks (the first byte picks the parser).
#
#   scripts/fuzz.sh [SECONDS]      default 30 per target; exit status non-zero on a crash
#   scripts/fuzz.sh --long         10 minutes per target (docs/testing.md records the figures)
#   ONLY="fuzz_mail fuzz_config"   run only these targets
#
# Each target ends with one line "fuzz-summary TARGET runs=N cov=N ft=N corpus=N crashes=N".
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh). Crash inputs are written to
# build-fuzz/crashes/; new corpus entries to build-fuzz/corpus-mail/ and corpus-feeds/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-fuzz"
SECONDS_TO_RUN=${1:-30}
if [ "$SECONDS_TO_RUN" = "--long" ]; then
    SECONDS_TO_RUN=600
fi
case "$SECONDS_TO_RUN" in
'' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS | --long]" >&2; exit 2 ;;
esac

for tool in clang clang++ cmake ninja; do
    command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (scripts/install-deps.sh)" >&2; exit 2; }
done

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVULNWATCH_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD" --target fuzz_mail fuzz_feeds fuzz_inputs fuzz_config -j"${JOBS:-1}"

FIXTURES=${VULNWATCH_FIXTURES_DIR:-$ROOT/../shared/fixtures}
feed_seeds=("$ROOT/demo" "$ROOT/tests/data/vuldef")
if [ -d "$FIXTURES/jvn" ]; then
    feed_seeds+=("$FIXTURES/jvn")
else
    echo "fuzz.sh: no fixtures at $FIXTURES/jvn; fuzz_feeds starts from the project's own documents only" >&2
fi

mkdir -p "$BUILD/corpus-mail" "$BUILD/corpus-feeds" "$BUILD/corpus-inputs" "$BUILD/corpus-config" "$BUILD/crashes"
# fuzz_inputs' seeds: each file with its parser's selector byte in front (0 SBOM, 1 CPE,
# 2 versions, 3 purl, 4 install base, 5 CSAF), written afresh each run.
inputs_seeds="$BUILD/seeds-inputs"
rm -rf "$inputs_seeds" && mkdir -p "$inputs_seeds"
n=0
for f in "$ROOT"/tests/data/sbom/* "$ROOT"/demo/*.cdx.json; do
    n=$((n + 1))
    { printf '\000'; cat "$f"; } >"$inputs_seeds/sbom-$n"
done
n=0
for f in "$FIXTURES"/csaf/cisa/2024/*.json "$FIXTURES"/csaf/*.json; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    { printf '\005'; cat "$f"; } >"$inputs_seeds/csaf-$n"
done
printf '\005{"document":{"csaf_version":"2.0","title":"t","tracking":{"id":"ICSA-24-001-01A"}},"product_tree":{"branches":[{"category":"vendor","name":"V","branches":[{"category":"product_name","name":"P","product":{"product_id":"1"}}]}]},"vulnerabilities":[{"cve":"CVE-2024-0001","product_status":{"known_affected":["1","2"]}},{"title":"no cve"}]}' >"$inputs_seeds/csaf-written"
printf '\x01cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*' >"$inputs_seeds/cpe-1"
printf '\x01cpe:/a:example:pump_console:2.0' >"$inputs_seeds/cpe-2"
printf '\x022.0-beta9 から 2.14.1 まで\x002.14.1\x002.0.1' >"$inputs_seeds/version-1"
printf '\x02ファームウエア 2.20 およびそれ以前\x001.0.1f\x007.1 SP2' >"$inputs_seeds/version-2"
printf '\x03pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar' >"$inputs_seeds/purl-1"
printf '\x04site,site_id,product,version,quantity,contact_name,contact_email,contact_phone,role,notes\r\n"A病院",H1,Gateway,1.0,2,"田中, 一郎",t@example.jp,03-0000-0000,hospital,\r\n' >"$inputs_seeds/installbase-1"
# fuzz_config's seeds: 0 configuration, 1 product registry JSON, 2 response header lines.
config_seeds="$BUILD/seeds-config"
rm -rf "$config_seeds" && mkdir -p "$config_seeds"
{ printf '\000'; cat "$ROOT/config/vulnwatch.conf.example"; } >"$config_seeds/config-1"
printf '\000[daemon]\nstate_dir = /tmp/vw\n\n[source ipedia]\ntype = jvn_rss\nurl = https://jvndb.jvn.jp/ja/rss/jvndb_new.rdf\ninterval = 1h\n' >"$config_seeds/config-2"
{ printf '\x01'; cat "$ROOT/demo/products_demo.json"; } >"$config_seeds/products-1"
printf '\x02HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nContent-Type: text/plain\r\n\r\n' >"$config_seeds/headers-1"
printf '\x02HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\nHTTP/1.1 503 Busy\r\nRetry-After: Sat, 28 Nov 2026 22:02:00 GMT\r\nX-A: one\r\n\ttwo\r\n' >"$config_seeds/headers-2"
printf '\x02Retry-After: Saturday, 28-Nov-26 22:00:30 GMT\r\nRetry-After: Sat Nov 28 22:01:00 2026\r\n' >"$config_seeds/headers-3"
run() {
    local target=$1
    shift
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $target "* ]]; then
        return 0
    fi
    echo "== $target (${SECONDS_TO_RUN} s)"
    local log="$BUILD/$target.log" status=0
    rm -f "$BUILD/crashes/$target-"*
    "$BUILD/tests/$target" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$target-" "$@" 2>"$log" || status=$?
    grep -v -e '^#[0-9]*[[:space:]]*\(NEW\|REDUCE\|pulse\)' -e 'NEW_FUNC' "$log" | tail -n 25
    # the last status line ("#N DONE cov: C ft: F corp: K/…") and the crash files of this target
    local done_line
    done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 || true)
    printf 'fuzz-summary %s runs=%s cov=%s ft=%s corpus=%s crashes=%s\n' "$target" \
        "$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)" \
        "$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")" \
        "$(find "$BUILD/crashes" -name "$target-*" | wc -l)"
    return "$status"
}
run fuzz_mail "$BUILD/corpus-mail" "$ROOT/tests/data/mail"
run fuzz_feeds -max_len=65536 "$BUILD/corpus-feeds" "${feed_seeds[@]}"
run fuzz_inputs -max_len=65536 "$BUILD/corpus-inputs" "$inputs_seeds"
run fuzz_config -max_len=65536 "$BUILD/corpus-config" "$config_seeds"
