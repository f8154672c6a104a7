#!/usr/bin/env bash
# Regenerates tests/abi/libvfabric.so.0.abi, the ABI baseline that
# tests/abi/check.sh compares every build against.
#
#   tests/abi/update-baseline.sh [BUILD_DIR]    (default: build-abi)
#
# WHEN THIS IS ALLOWED
#   - Only for purely ADDITIVE changes: new functions (in a new map node
#     VFABRIC_x.y of the release that adds them), new enum values appended
#     with explicit values, fields appended to an option struct. The old
#     baseline must still pass check.sh against the new library BEFORE you
#     regenerate; this script refuses otherwise.
#   - In the SAME commit as the additive change, so history shows which
#     change moved the baseline, and the commit message says so.
#   - Never to make a failing check.sh pass. A removed or changed function,
#     a reordered struct, a renumbered enum are ABI breaks: they need a new
#     name (_v2/_opts), or a SONAME bump to libvfabric.so.1, which is a
#     project decision, not a baseline update.
#   - Before the first release, while the API is still being designed:
#     delete the file and run this script, which then makes a fresh one
#     without comparing (`rm tests/abi/libvfabric.so.0.abi &&
#     tests/abi/update-baseline.sh`). From the first tag on, never.
#
# It configures and builds BUILD_DIR as RelWithDebInfo (the baseline needs
# DWARF), runs check.sh with the current baseline, then writes the new one
# with abidw --drop-private-types over the public headers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build-abi}
baseline="$here/libvfabric.so.0.abi"

command -v abidw >/dev/null || { echo "update-baseline: abidw not found (apt-get install abigail-tools)" >&2; exit 2; }

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --target vfabric -j "$(nproc)"
lib=$(find "$build" -name libvfabric.so.0 -not -path '*/CMakeFiles/*' | head -n 1)
objdir=$(find "$build" -type d -name vfabric_obj.dir | head -n 1)
[ -n "$lib" ] || { echo "update-baseline: no libvfabric.so.0 in $build" >&2; exit 1; }

if [ -f "$baseline" ]; then
	echo "== checking the new build against the current baseline first"
	if ! "$here/check.sh" "$lib" "$objdir"; then
		cat >&2 <<'EOF'
update-baseline: the build is NOT compatible with the current baseline.
Refusing to overwrite it: an incompatible change needs a new symbol or a
SONAME bump, not a new baseline (see the top of this script).
EOF
		exit 1
	fi
else
	echo "== no baseline yet: creating the first one"
fi

echo "== abidw $lib -> ${baseline#"$top"/}"
# No paths or line numbers in the committed file (--no-show-locs), so it
# changes only when the ABI does; abidiff does not compare locations, and
# --drop-private-types uses them while reading. --exported-interfaces-only:
# without it abidw 2.2 leaves out the type of a function that another .c
# file calls (check.sh's coverage check would refuse the baseline).
abidw --headers-dir "$top/include/vfabric" --drop-private-types --exported-interfaces-only \
	--no-corpus-path --no-comp-dir-path --no-show-locs \
	--out-file "$baseline.tmp" "$lib"
mv "$baseline.tmp" "$baseline"
"$here/check.sh" "$lib" "$objdir"
echo "== updated ${baseline#"$top"/}; commit it together with the change that needed it"
