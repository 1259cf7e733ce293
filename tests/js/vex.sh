#!/usr/bin/env bash
# ctest js.csaf: CSAF 2.0 VEX documents of core/vex.h checked by @secvisogram/csaf-validator-lib
# (the strict schema and every mandatory test, offline): make_vex_docs writes valid documents
# (affected, fixed and not-affected cases; a JVN-only vulnerability; 200 components; a product
# without cases) and mutations its own checks caught; the validator must pass the first and
# catch each mutation by the test named here.
#
#   vex.sh MAKE_VEX_DOCS SOURCE_DIR
#
# The node packages come from `npm ci` in scripts/install-deps.sh. Without node or the package
# the test skips loudly ("NODE PACKAGES MISSING", ctest counts it as skipped); under CI=true it
# fails instead.
set -euo pipefail
make_docs=$1
source_dir=$2

missing=
if ! command -v node >/dev/null; then
    missing="node is not installed"
elif [ ! -f "$source_dir/node_modules/@secvisogram/csaf-validator-lib/package.json" ]; then
    missing="missing: $source_dir/node_modules/@secvisogram/csaf-validator-lib"
fi
if [ -n "$missing" ]; then
    if [ "${CI:-}" = true ]; then
        echo "vex.sh: CI=true and the node packages are not installed ($missing);" \
            "run bash scripts/install-deps.sh (npm ci)" >&2
        exit 1
    fi
    echo "##########################################################################"
    echo "# NODE PACKAGES MISSING ($missing)"
    echo "# The CSAF validator checks did not run. Install the packages with"
    echo "#   bash scripts/install-deps.sh      (runs npm ci)"
    echo "##########################################################################"
    exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$make_docs" "$out"
NODE_PATH="$source_dir/node_modules" node "$source_dir/tests/js/check_csaf.js" \
    "$out"/valid-*.json \
    --expect-fail mandatoryTest_6_1_1 "$out/broken-missing-product.json" \
    --expect-fail mandatoryTest_6_1_27_9 "$out/broken-no-justification.json" \
    --expect-fail mandatoryTest_6_1_27_10 "$out/broken-no-remediation.json" \
    --expect-fail mandatoryTest_6_1_9 "$out/broken-wrong-score.json"
