#!/usr/bin/env bash
# Build the Debian package of vulnwatch (issue 15 part 1; docs/operations.md "Install"):
#
#   scripts/build-deb.sh [BUILD_DIR]      default build-deb/ at the top of the repository
#
# Configures a Release build without the tests in BUILD_DIR (its own folder, beside the
# development builds), builds it and runs CPack's DEB generator through the `package` target.
# Prints the path of the .deb and, when lintian is installed, its findings (errors fail).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build-deb}
JOBS=${JOBS:-$(nproc)}

bash "$ROOT/scripts/install-deps.sh"
# Debian's hardening flags (stack protector, _FORTIFY_SOURCE, full RELRO, bindnow, PIE), as a
# package built by dpkg-buildpackage gets them; CMake reads CXXFLAGS and LDFLAGS when it first
# configures BUILD_DIR.
eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CXXFLAGS_MAINT_STRIP=-g dpkg-buildflags --export=sh)"
export CXXFLAGS="$CPPFLAGS $CXXFLAGS"
launcher=()
if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Release, with the optimisation of dpkg-buildflags (-O2, as Debian builds every package) in
# place of CMake's -O3: GCC 12 at -O3 warns falsely (-Wrestrict) inside libstdc++'s strings.
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-DNDEBUG \
    -DVULNWATCH_BUILD_TESTS=OFF -DVULNWATCH_WERROR=ON "${launcher[@]}" >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target package
deb=$(ls -t "$BUILD"/vulnwatch_*.deb | head -n 1)
echo "package: $deb"
if command -v lintian >/dev/null; then
    # Exit status 2 for an error; warnings are listed with their reasons in docs/operations.md.
    lintian --fail-on error "$deb"
fi
