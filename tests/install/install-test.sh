#!/usr/bin/env bash
# Installs a build into a temporary prefix and uses it as an application
# would (ctest install.*, label install):
#   1. cmake --install BUILD --prefix TMP; the expected files are there
#      (headers with version.h, libvfabric.so -> .so.0 -> .so.X.Y.Z with
#      SONAME libvfabric.so.0, libvfabric.a, libvfabric.pc, CMake package)
#      and nothing from lib/ (private headers);
#   2. pkg-config: examples/model.c compiled with
#      `pkg-config --cflags --libs libvfabric` and run against the installed
#      .so (LD_LIBRARY_PATH), then linked statically with
#      `pkg-config --static` (Requires.private) and run;
#   3. CMake: tests/install/consumer uses find_package(vfabric), builds
#      model.c against vfabric::vfabric and vfabric::vfabric_static, runs both.
# The temporary directory is removed at exit (VF_INSTALL_TEST_KEEP=1 keeps it).
#
#   install-test.sh BUILD_DIR SOURCE_DIR VERSION [CC] [EXTRA_CFLAGS]
set -euo pipefail

build=$(cd "${1:?build dir}" && pwd)
src=$(cd "${2:?source dir}" && pwd)
version=${3:?project version}
cc=${4:-cc}
extra=${5:-}   # e.g. -fsanitize=address,undefined in sanitizer builds
model="$src/examples/model.c"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfabric-install-test.XXXXXX")
cleanup() {
	if [ "${VF_INSTALL_TEST_KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
prefix=$tmp/prefix

failed=0
step() { echo; echo "== $*"; }
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; failed=1; }
# run DESC CMD...: runs CMD showing it, failing the step (not the script).
run() {
	local desc=$1; shift
	echo "+ $*"
	if "$@"; then ok "$desc"; else bad "$desc"; return 1; fi
}
# quiet DESC CMD...: like run, but shows CMD's output only if it fails.
quiet() {
	local desc=$1; shift
	echo "+ $*"
	if "$@" > "$tmp/quiet.log" 2>&1; then
		ok "$desc"
	else
		sed 's/^/   | /' "$tmp/quiet.log"
		bad "$desc"
		return 1
	fi
}

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "FAIL cmake --install"; exit 1; }
sed 's|'"$tmp"'|$TMP|; s/^/   /' "$tmp/install.log"

pc=$(find "$prefix" -name libvfabric.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || { echo "FAIL no libvfabric.pc installed"; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
incdir=$prefix/include

for h in "$src"/include/vfabric/*.h; do
	[ -f "$incdir/vfabric/$(basename "$h")" ] || bad "header vfabric/$(basename "$h") not installed"
done
[ -f "$incdir/vfabric/version.h" ] && grep -q "VF_VERSION_STRING \"$version\"" "$incdir/vfabric/version.h" &&
	ok "headers installed, with the generated version.h ($version)" ||
	bad "generated vfabric/version.h missing or not $version"
extra_files=$(find "$incdir" -type f ! -path "$incdir/vfabric/*.h")
[ -z "$extra_files" ] && ok "nothing but include/vfabric/*.h under include/" ||
	bad "unexpected files under include/: $extra_files"

[ "$(readlink "$libdir/libvfabric.so")" = libvfabric.so.0 ] &&
	[ "$(readlink "$libdir/libvfabric.so.0")" = "libvfabric.so.$version" ] &&
	[ -f "$libdir/libvfabric.so.$version" ] && [ ! -L "$libdir/libvfabric.so.$version" ] &&
	ok "libvfabric.so -> libvfabric.so.0 -> libvfabric.so.$version" ||
	bad "shared library symlinks wrong: $(ls -l "$libdir" | grep libvfabric.so | tr -s ' ' | cut -d' ' -f9- | tr '\n' ';')"
soname=$(readelf -dW "$libdir/libvfabric.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = libvfabric.so.0 ] && ok "SONAME libvfabric.so.0" || bad "SONAME is '$soname'"
[ -f "$libdir/libvfabric.a" ] && ok "static archive installed" || bad "libvfabric.a not installed"
for f in vfabricConfig.cmake vfabricConfigVersion.cmake vfabricTargets.cmake; do
	[ -f "$libdir/cmake/vfabric/$f" ] || bad "cmake/vfabric/$f not installed"
done
[ "$failed" -eq 0 ] && ok "CMake package files installed"

step "pkg-config ($pc)"
sed 's/^/   | /' "$pc"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
run "pkg-config finds libvfabric" pkg-config --exists --print-errors libvfabric || true
got=$(pkg-config --modversion libvfabric || true)
[ "$got" = "$version" ] && ok "pkg-config --modversion is $version" || bad "pkg-config --modversion is '$got', expected $version"
cflags=$(pkg-config --cflags libvfabric)
libs=$(pkg-config --libs libvfabric)
slibs=$(pkg-config --static --libs libvfabric)
echo "   cflags: $cflags"
echo "   libs:   $libs"
echo "   static: $slibs"
case " $libs " in *" -L$libdir "*) ok "Libs point into the install prefix" ;;
	*) bad "Libs do not contain -L$libdir (is the .pc relocatable?)" ;; esac

# shellcheck disable=SC2086 # word splitting of pkg-config output is wanted
if run "model.c builds with pkg-config --cflags --libs" \
	"$cc" -std=c11 -Wall -Wextra -Werror $extra "$model" $cflags $libs -o "$tmp/model_pc"; then
	resolved=$(LD_LIBRARY_PATH="$libdir" ldd "$tmp/model_pc" | awk '$1 == "libvfabric.so.0" { print $3 }')
	[ "$resolved" = "$libdir/libvfabric.so.0" ] && ok "model_pc loads the installed libvfabric.so.0" ||
		bad "model_pc resolves libvfabric.so.0 to '$resolved', not the installed copy"
	run "model_pc runs against the installed library" \
		env LD_LIBRARY_PATH="$libdir" "$tmp/model_pc" || true
fi
# Static: force the archive (the .so would win otherwise) and take the
# dependencies from Requires.private.
slibs_a=$(echo " $slibs " | sed 's/ -lvfabric / -l:libvfabric.a /')
# shellcheck disable=SC2086
if run "model.c links the static archive with pkg-config --static" \
	"$cc" -std=c11 -Wall -Wextra -Werror $extra "$model" $cflags $slibs_a -o "$tmp/model_pc_static"; then
	if readelf -dW "$tmp/model_pc_static" | grep -q 'NEEDED.*libvfabric'; then
		bad "model_pc_static still needs libvfabric.so"
	fi
	quiet "model_pc_static runs" "$tmp/model_pc_static" || true
fi

step "CMake find_package(vfabric) (tests/install/consumer)"
unset PKG_CONFIG_PATH
if quiet "consumer project configures" \
	cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" \
	-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" \
	-DVF_MODEL_SOURCE="$model" -DVF_EXPECT_VERSION="$version"; then
	grep -E 'found vfabric|vfabric:' "$tmp/quiet.log" | sed 's/^/   /' || true
	if quiet "consumer builds model_shared and model_static" \
		cmake --build "$tmp/consumer" -j 2; then
		resolved=$(ldd "$tmp/consumer/model_shared" | awk '$1 == "libvfabric.so.0" { print $3 }')
		[ "$resolved" = "$libdir/libvfabric.so.0" ] && ok "model_shared loads the installed libvfabric.so.0" ||
			bad "model_shared resolves libvfabric.so.0 to '$resolved'"
		quiet "model_shared (vfabric::vfabric) runs" "$tmp/consumer/model_shared" || true
		quiet "model_static (vfabric::vfabric_static) runs" "$tmp/consumer/model_static" || true
	fi
fi

echo
if [ "$failed" -ne 0 ]; then
	echo "== install test FAILED"
	exit 1
fi
echo "== install test passed"
