#!/usr/bin/env bash
# Shows that tests/abi/check.sh catches what it must and passes what it
# should (ctest abi.check_selftest). Copies the source tree to a temporary
# directory, builds the library there (RelWithDebInfo, so with -g), and runs
# check.sh against the COMMITTED baseline for each variant:
#
#   unmodified        the tree as it is                          -> passes
#   signature         a parameter added to vf_cell_set_owner()   -> abidiff fails
#   removed           vf_policy_user_data() taken out of the
#                     header and lib/vfabric.map                 -> abidiff fails
#   opts-appended     a field appended to vf_port_opts           -> passes
#                     (vfabric.abignore: opts structs grow at the end)
#   opts-inserted     a field inserted before vf_port_opts.name  -> abidiff fails
#   enum-renumbered   VF_VERDICT_DENY = 2 becomes 3              -> abidiff fails
#   unmapped          a new VF_API function missing from the map -> map check fails
#   added             a new function vf_abi_probe_added() in a
#                     new map node VFABRIC_0.2, project 0.2.0    -> passes
#
#   selftest.sh [SOURCE_DIR]     (default: this script's tree)
# Environment: VF_ABI_SELFTEST_KEEP=1 keeps the temporary directory;
# VF_ABI_SELFTEST_JOBS (default: nproc) parallel build jobs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "${1:-$here/../..}" && pwd)
check="$here/check.sh"
baseline="$here/libvfabric.so.0.abi"
jobs=${VF_ABI_SELFTEST_JOBS:-$(nproc)}

[ -f "$baseline" ] || { echo "selftest: no baseline $baseline (tests/abi/update-baseline.sh)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfabric-abi-selftest.XXXXXX")
cleanup() {
	if [ "${VF_ABI_SELFTEST_KEEP:-0}" = 1 ]; then
		echo "selftest: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# The tree without git data and build directories; tests, examples and
# bindings are not needed to build the library.
echo "== copying $srcdir to $tmp"
mkdir -p "$tmp/orig"
tar -C "$srcdir" --exclude=./.git --exclude='./build*' --exclude-tag-all=CMakeCache.txt --exclude=./tests \
	--exclude=./examples --exclude=./bindings -cf - . | tar -C "$tmp/orig" -xf -
cp -r "$tmp/orig" "$tmp/src"
src=$tmp/src
build=$tmp/build

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
echo "== configuring (RelWithDebInfo)"
# -fno-ipa-icf as lib/ should have it (check.sh's DWARF coverage check): so
# this test shows what check.sh tells apart even while lib/ lacks it;
# abi.check reports that on the real build.
cmake -S "$src" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_FLAGS=-fno-ipa-icf \
	-DVF_BUILD_TESTS=OFF -DVF_BUILD_EXAMPLES=OFF -DVF_BUILD_PYTHON=OFF \
	-DVF_WERROR=OFF > "$tmp/configure.log" 2>&1 ||
	{ cat "$tmp/configure.log"; echo "selftest: configure failed" >&2; exit 1; }

# Puts back every file a variant changed, with a new mtime so it rebuilds.
restore() {
	(cd "$tmp/orig" && find . -type f) | while IFS= read -r f; do
		cmp -s "$tmp/orig/$f" "$src/$f" || cp "$tmp/orig/$f" "$src/$f"
	done
}

# Fails the selftest (not the variant) when an edit did not apply: the
# source changed under the script and it must be adapted.
must_grep() {
	grep -q -- "$1" "$2" || { echo "selftest: could not apply variant: no '$1' in $2" >&2; exit 1; }
}

# The .c file that defines a given function.
definer() {
	{ grep -rlE "^([A-Za-z_][A-Za-z0-9_ ]*[ *]+)?$1 *\(" "$src/lib" --include='*.c' || true; } |
		head -n 1
}

variant_signature() {
	perl -0pi -e 's/(VF_API int vf_cell_set_owner\s*\([^)]*)\)/$1, unsigned int vf_abi_probe_flags)/' \
		"$src/include/vfabric/cell.h"
	must_grep vf_abi_probe_flags "$src/include/vfabric/cell.h"
	local c
	c=$(definer vf_cell_set_owner)
	[ -n "$c" ] || { echo "selftest: no definition of vf_cell_set_owner in lib/" >&2; exit 1; }
	perl -0pi -e 's/^((?:int\s+)?vf_cell_set_owner\s*\([^)]*)\)(\s*\{)/$1, unsigned int vf_abi_probe_flags)$2\n\t(void)vf_abi_probe_flags;/m' "$c"
	must_grep vf_abi_probe_flags "$c"
}

variant_removed() {
	perl -0pi -e 's/^VF_API void \*vf_policy_user_data\s*\([^)]*\);\n//m' \
		"$src/include/vfabric/policy.h"
	if grep -q 'vf_policy_user_data' "$src/include/vfabric/policy.h"; then
		echo "selftest: could not remove vf_policy_user_data from policy.h" >&2; exit 1
	fi
	sed -i '/^[[:space:]]*vf_policy_user_data;/d' "$src/lib/vfabric.map"
	if grep -q 'vf_policy_user_data' "$src/lib/vfabric.map"; then
		echo "selftest: could not remove vf_policy_user_data from the map" >&2; exit 1
	fi
	# Its definition stays, now without a VF_API declaration: a hidden
	# internal, as if the API had been withdrawn.
}

variant_opts_appended() {
	perl -0pi -e 's/(\n)(\tsize_t : 0;[^\n]*\n\} vf_port_opts;\n(?:\/\*\*[^\n]*\*\/\n)?#define vf_port_opts__last_field )\w+/$1\tuint32_t abi_probe_appended;\n$2abi_probe_appended/' \
		"$src/include/vfabric/port.h"
	must_grep abi_probe_appended "$src/include/vfabric/port.h"
}

# A VF_API function appended to vfabric.h and defined next to vf_version().
add_probe_function() {
	perl -0pi -e 's/(\nVF_END_DECLS\n)(?!.*\nVF_END_DECLS\n)/\n\/** \@brief ABI selftest probe. \@since 0.2 *\/\nVF_API int vf_abi_probe_added(int x);\n$1/s' \
		"$src/include/vfabric/vfabric.h"
	must_grep vf_abi_probe_added "$src/include/vfabric/vfabric.h"
	local c
	c=$(definer vf_version_string)
	[ -n "$c" ] || { echo "selftest: no definition of vf_version_string in lib/" >&2; exit 1; }
	printf '\nint vf_abi_probe_added(int x)\n{\n\treturn x + 1;\n}\n' >> "$c"
}

variant_opts_inserted() {
	perl -0pi -e 's/(typedef struct vf_port_opts \{\n\tsize_t sz;[^\n]*\n)/$1\tuint32_t abi_probe_inserted;\n/' \
		"$src/include/vfabric/port.h"
	must_grep abi_probe_inserted "$src/include/vfabric/port.h"
}

variant_enum_renumbered() {
	perl -0pi -e 's/(\tVF_VERDICT_DENY = )2/${1}3/' "$src/include/vfabric/cell.h"
	must_grep 'VF_VERDICT_DENY = 3' "$src/include/vfabric/cell.h"
}

variant_unmapped() {
	add_probe_function
}

variant_added() {
	add_probe_function
	# A new minor release: project 0.2.0 and map node VFABRIC_0.2.
	sed -i -E 's/^(project\(vfabric VERSION )[0-9]+\.[0-9]+\.[0-9]+/\10.2.0/' "$src/CMakeLists.txt"
	must_grep 'project(vfabric VERSION 0.2.0' "$src/CMakeLists.txt"
	local last
	last=$(grep -oE '^VFABRIC_[0-9]+\.[0-9]+' "$src/lib/vfabric.map" | tail -n 1)
	[ "$last" = VFABRIC_0.1 ] ||
		{ echo "selftest: newest map node is $last; adapt variant 'added'" >&2; exit 1; }
	printf '\nVFABRIC_0.2 {\n\tglobal:\n\t\tvf_abi_probe_added;\n} VFABRIC_0.1;\n' >> "$src/lib/vfabric.map"
}

npass=0
nfail=0
# run_variant NAME EXPECT [WHICH]: EXPECT is pass or fail; WHICH is the
# check.sh line that must report the failure ("abidiff", "map check").
run_variant() {
	local name=$1 expect=$2 which=${3:-} log=$tmp/$1.log rc lib objdir
	echo
	echo "== variant '$name': expect $expect${which:+ ($which)}"
	restore
	if [ "$name" != unmodified ]; then
		"variant_${name//-/_}"
		(cd "$tmp" && diff -ru orig src | grep -E '^[-+][^-+]' | sed 's/^/   /') || true
	fi
	if ! cmake --build "$build" --target vfabric -j "$jobs" > "$tmp/$name.build.log" 2>&1; then
		tail -n 40 "$tmp/$name.build.log"
		echo "selftest: variant '$name' did not build" >&2
		exit 1
	fi
	lib=$(find "$build" -name libvfabric.so.0 -not -path '*/CMakeFiles/*' | head -n 1)
	objdir=$(find "$build" -type d -name vfabric_obj.dir | head -n 1)
	set +e
	"$check" -b "$baseline" "$lib" "$objdir" > "$log" 2>&1
	rc=$?
	set -e
	sed 's/^/   /' "$log"
	if [ "$expect" = pass ] && [ "$rc" -eq 0 ]; then
		echo "PASS variant '$name': check.sh passed, as it should"
		npass=$((npass + 1))
	elif [ "$expect" = fail ] && [ "$rc" -eq 1 ] && grep -q "^FAIL $which" "$log"; then
		echo "PASS variant '$name': check.sh failed on $which, as it should"
		npass=$((npass + 1))
	else
		echo "FAIL variant '$name': check.sh exited $rc, expected to $expect${which:+ on $which}"
		nfail=$((nfail + 1))
	fi
}

run_variant unmodified pass
run_variant signature fail abidiff
run_variant removed fail abidiff
run_variant opts-appended pass
run_variant opts-inserted fail abidiff
run_variant enum-renumbered fail abidiff
run_variant unmapped fail "map check"
run_variant added pass

echo
echo "== ABI selftest: $npass variants behaved, $nfail did not"
[ "$nfail" -eq 0 ]
