#!/usr/bin/env bash
# ctest js.chat_payloads: write the payloads with make_payloads, check them with node.
#
#   run.sh MAKE_PAYLOADS SOURCE_DIR
#
# The node packages (package.json, package-lock.json) come from `npm ci` in
# scripts/install-deps.sh. Without node or them the test skips loudly ("NODE PACKAGES MISSING",
# ctest counts it as skipped); under CI=true it fails instead.
set -euo pipefail
make_payloads=$1
source_dir=$2

missing=
if ! command -v node >/dev/null; then
    missing="node is not installed"
else
    for pkg in standardwebhooks adaptivecards; do
        if [ ! -f "$source_dir/node_modules/$pkg/package.json" ]; then
            missing="$missing $source_dir/node_modules/$pkg"
        fi
    done
    [ -z "$missing" ] || missing="missing:$missing"
fi
if [ -n "$missing" ]; then
    if [ "${CI:-}" = true ]; then
        # Not the skip banner: ctest would count the test as skipped whatever the exit code.
        echo "run.sh: CI=true and the node packages are not installed ($missing);" \
            "run bash scripts/install-deps.sh (npm ci)" >&2
        exit 1
    fi
    echo "##########################################################################"
    echo "# NODE PACKAGES MISSING ($missing)"
    echo "# The chat payload checks did not run. Install the packages with"
    echo "#   bash scripts/install-deps.sh      (runs npm ci)"
    echo "##########################################################################"
    exit 0
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$make_payloads" "$out"
NODE_PATH="$source_dir/node_modules" node "$source_dir/tests/js/check_payloads.js" "$out"
