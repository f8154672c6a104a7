#!/usr/bin/env bash
# Runs by ctest (tests/header/CMakeLists.txt).
#   header-check.sh build EXE COMPILER ARGS...   compile+link, then run EXE
#   header-check.sh standalone COMPILER ARGS... -- HEADER...
#                   compile each public header alone (self-contained check)
set -euo pipefail

mode=${1:?mode}; shift
case "$mode" in
build)
	exe=${1:?exe}; shift
	echo "+ $*"
	"$@"
	echo "+ $exe"
	"$exe"
	;;
standalone)
	args=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
	shift
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	fails=0
	for h in "$@"; do
		name=$(basename "$h")
		printf '#include <vfabric/%s>\n#include <vfabric/%s>\nint vf_headertest_dummy;\n' \
			"$name" "$name" > "$tmp/t.c"
		if "${args[@]}" -c "$tmp/t.c" -o "$tmp/t.o"; then
			echo "ok   vfabric/$name compiles on its own (and twice)"
		else
			echo "FAIL vfabric/$name does not compile on its own"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
	;;
*)
	echo "header-check.sh: unknown mode '$mode'" >&2
	exit 2
	;;
esac
