#!/usr/bin/env bash
# examples/demo.sh, the README's first command, on this build (ctest
# example.demo), so that it never rots: VF_DEMO_BUILD_DIR makes it use the
# vfhost and vfctl built here, with no package install and no build. It
# passes when every check of the demo's table passes. Root only, with
# busybox, tcpdump and ping installed (tests/run.sh installs them): exits
# 77, skipped, otherwise.
# Usage: demo_run.sh BUILD_DIR
set -u
build=${1:?build directory}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if [ "$(id -u)" -ne 0 ] || ! ip netns add "vfdemo-probe-$$" 2>/dev/null; then
	echo "skipped: needs root and network namespaces"
	exit 77
fi
ip netns del "vfdemo-probe-$$"
for t in busybox tcpdump ping; do
	if ! command -v "$t" >/dev/null; then
		echo "skipped: $t is not installed"
		exit 77
	fi
done
VF_DEMO_BUILD_DIR=$build NO_COLOR=1 exec "$top/examples/demo.sh"
