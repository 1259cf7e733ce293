#!/usr/bin/env bash
# ctest js.openapi: validate web/openapi.json with @apidevtools/swagger-parser.
#
#   openapi.sh SOURCE_DIR
#
# The node packages come from `npm ci` in scripts/install-deps.sh. Without node or the package
# the test skips loudly ("NODE PACKAGES MISSING", ctest counts it as skipped); under CI=true it
# fails instead.
set -euo pipefail
source_dir=$1

missing=
if ! command -v node >/dev/null; then
    missing="node is not installed"
elif [ ! -f "$source_dir/node_modules/@apidevtools/swagger-parser/package.json" ]; then
    missing="missing: $source_dir/node_modules/@apidevtools/swagger-parser"
fi
if [ -n "$missing" ]; then
    if [ "${CI:-}" = true ]; then
        echo "openapi.sh: CI=true and the node packages are not installed ($missing);" \
            "run bash scripts/install-deps.sh (npm ci)" >&2
        exit 1
    fi
    echo "##########################################################################"
    echo "# NODE PACKAGES MISSING ($missing)"
    echo "# The OpenAPI check did not run. Install the packages with"
    echo "#   bash scripts/install-deps.sh      (runs npm ci)"
    echo "##########################################################################"
    exit 0
fi
NODE_PATH="$source_dir/node_modules" node "$source_dir/tests/js/check_openapi.js" \
    "$source_dir/web/openapi.json"
