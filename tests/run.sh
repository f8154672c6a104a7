#!/usr/bin/env bash
# tests/run.sh: the project's whole test run, on a fresh Debian 12 machine
# (as root) or a developer's. .ci/run calls exactly this.
#
#   a. installs the Debian packages the build and tests need (skipped when
#      all are installed already, so reruns are fast);
#   b. configures and builds build/ with -DVF_WERROR=ON
#      -DCMAKE_BUILD_TYPE=RelWithDebInfo (debug info: the ABI check needs it);
#   c. runs ctest there, every label but bench (unit, python, abi, header,
#      install, docs, fuzz, example);
#   d. builds build-asan/ with -DVF_SANITIZE=address,undefined and runs the
#      unit tests there, then the python tests: the library is loaded into
#      an uninstrumented /usr/bin/python3, so ASan's runtime must be the first
#      library in the process; tests/python/CMakeLists.txt sets
#      LD_PRELOAD=libasan.so and ASAN_OPTIONS=detect_leaks=0 (the
#      interpreter's own allocations would otherwise be reported as leaks)
#      in sanitizer builds. Leaks are checked by the unit tests (LSan here,
#      valgrind in e.), not through Python;
#  d2. builds build-tsan/ with -DVF_SANITIZE=thread and runs the control
#      loop's tests, the workers' stress test and the integration tests (worker threads moving real
#      traffic while the test changes the fabric) under ThreadSanitizer;
#   e. runs the unit tests under valgrind --leak-check=full
#      --error-exitcode=1 (ctest -T memcheck in build/);
#   f. prints a summary; its last line is exactly "N passed, N failed",
#      counting every ctest test and every other step (package install,
#      configure, build). Exits non-zero if anything failed.
#
# Environment (all optional):
#   VF_BUILD_DIR       plain build directory      (default: build)
#   VF_ASAN_BUILD_DIR  sanitizer build directory  (default: build-asan)
#   VF_TSAN_BUILD_DIR  thread-sanitizer build     (default: build-tsan)
#   VF_JOBS            parallel jobs              (default: nproc)
#   VF_SKIP_APT=1      do not check or install Debian packages
# A full run takes a few minutes on 2 cores; every ctest test has a time
# limit (--timeout 600 where the test sets none).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${VF_BUILD_DIR:-$top/build}
asan_build=${VF_ASAN_BUILD_DIR:-$top/build-asan}
jobs=${VF_JOBS:-$(nproc)}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/vfabric-run.XXXXXX")
trap 'rm -rf "$logdir"' EXIT
start=$(date +%s)

# Debian packages: toolchain, dependencies, test tools.
packages=(
	build-essential g++ cmake ninja-build pkg-config
	libuv1-dev libmsgpack-dev libsodium-dev libnl-3-dev libnl-route-3-dev
	libcmocka-dev abigail-tools valgrind python3 python3-pytest python3-scapy doxygen
	clang libclang-rt-14-dev
	iproute2 iputils-ping iperf3 tcpdump busybox serf
)

passed=0
failed=0
skipped=0
summary=()

banner() {
	echo
	echo "=================================================================="
	echo "== $*"
	echo "=================================================================="
}
# step_result NAME STATUS: records a non-ctest step.
step_result() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1)); summary+=("ok     $1")
	else
		failed=$((failed + 1)); summary+=("FAILED $1")
	fi
}
# run_step NAME CMD...: runs CMD, shows its output, records the result.
run_step() {
	local name=$1 rc=0; shift
	echo "+$(printf ' %q' "$@")"
	"$@" || rc=$?
	step_result "$name" "$rc"
	return "$rc"
}
# run_ctest NAME BUILD_DIR CTEST_ARGS...: runs ctest, counts its tests.
run_ctest() {
	local name=$1 dir=$2 log rc=0 p f s
	shift 2
	log="$logdir/$(echo "$name" | tr -c 'A-Za-z0-9\n' _).log"
	echo "+ (cd $dir && ctest $*)"
	(cd "$dir" && ctest --output-on-failure --timeout 600 "$@") 2>&1 | tee "$log" || rc=$?
	p=$(grep -cE '^ *[0-9]+/[0-9]+ (MemCheck|Test) +#[0-9]+: .* Passed +[0-9.]+ sec' "$log" || true)
	s=$(grep -cE '^ *[0-9]+/[0-9]+ (MemCheck|Test) +#[0-9]+: .*\*\*\*(Skipped|Not Run \(Disabled\))' "$log" || true)
	f=$(grep -cE '^ *[0-9]+/[0-9]+ (MemCheck|Test) +#[0-9]+: ' "$log" || true)
	f=$((f - p - s))
	if [ $((p + f + s)) -eq 0 ]; then
		# No test ran (none registered, or ctest itself failed): one
		# failed step, never a silent pass.
		f=1
		summary+=("FAILED $name: no tests ran (ctest exit $rc)")
	elif [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
		f=1
		summary+=("FAILED $name: $p passed, $s skipped, but ctest exited $rc")
	else
		summary+=("$( [ "$f" -eq 0 ] && echo "ok    " || echo FAILED) $name: $p passed, $f failed, $s skipped")
		grep -E '^[[:space:]]*[0-9]+ - .* \((Failed|Timeout|SEGFAULT|Subprocess aborted|Child aborted|Exception|Not Run|Bus error|ILLEGAL|OTHER_FAULT)' "$log" |
			sed 's/^[[:space:]]*/         /' > "$logdir/failed.list" || true
		while IFS= read -r l; do summary+=("$l"); done < "$logdir/failed.list"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ "$f" -eq 0 ]
}
# The generator an existing build directory was configured with (cmake
# refuses to switch), else Ninja when available.
generator_for() {
	local g=
	if [ -f "$1/CMakeCache.txt" ]; then
		g=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$1/CMakeCache.txt")
	elif command -v ninja >/dev/null; then
		g=Ninja
	fi
	[ -n "$g" ] && printf '%s\n' "-G" "$g"
	return 0
}

# ---- a. packages ---------------------------------------------------------
banner "a. Debian packages"
if [ "${VF_SKIP_APT:-0}" = 1 ]; then
	echo "VF_SKIP_APT=1: not checking packages"
else
	missing=()
	for p in "${packages[@]}"; do
		if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "all ${#packages[@]} packages installed: ${packages[*]}"
		step_result "packages (all ${#packages[@]} installed)" 0
	elif [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]}"
		echo "run as root, or: apt-get install ${missing[*]}"
		step_result "packages (missing: ${missing[*]})" 1
	else
		echo "installing: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		run_step "apt-get update" timeout 300 apt-get update -q || true
		run_step "apt-get install ${missing[*]}" timeout 900 \
			apt-get install -y -q --no-install-recommends "${missing[@]}" || true
	fi
fi

# ---- b. plain build ------------------------------------------------------
banner "b. configure and build $build (RelWithDebInfo, VF_WERROR=ON)"
built=0
mapfile -t gen < <(generator_for "$build")
if run_step "configure $(basename "$build")" cmake -S "$top" -B "$build" "${gen[@]}" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DVF_WERROR=ON \
	-DMEMORYCHECK_COMMAND=/usr/bin/valgrind \
	"-DMEMORYCHECK_COMMAND_OPTIONS=--leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite,indirect,possible --track-origins=yes"; then
	run_step "build $(basename "$build")" cmake --build "$build" -j "$jobs" && built=1 || true
fi

# ---- c. ctest ------------------------------------------------------------
banner "c. ctest in $(basename "$build"): every label but bench"
if [ "$built" = 1 ]; then
	run_ctest "ctest $(basename "$build") -LE bench" "$build" -LE bench -j "$jobs" || true
else
	echo "skipped: the build failed"
fi

# ---- d. sanitizers -------------------------------------------------------
banner "d. $(basename "$asan_build"): VF_SANITIZE=address,undefined, unit and python tests"
asan_built=0
mapfile -t gen < <(generator_for "$asan_build")
if run_step "configure $(basename "$asan_build")" cmake -S "$top" -B "$asan_build" "${gen[@]}" \
	-DCMAKE_BUILD_TYPE=Debug -DVF_WERROR=ON -DVF_SANITIZE=address,undefined; then
	run_step "build $(basename "$asan_build")" cmake --build "$asan_build" -j "$jobs" && asan_built=1 || true
fi
if [ "$asan_built" = 1 ]; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	run_ctest "ctest $(basename "$asan_build") -L unit (ASan+UBSan)" "$asan_build" \
		-L '^unit$' -j "$jobs" --no-tests=error || true
	if [ -n "$(cd "$asan_build" && ctest -N -L '^python$' | grep -E '^ *Test +#')" ]; then
		run_ctest "ctest $(basename "$asan_build") -L python (ASan+UBSan)" "$asan_build" \
			-L '^python$' -j "$jobs" || true
	else
		echo "no python tests registered in $(basename "$asan_build") (VF_BUILD_PYTHON=OFF?)"
	fi
	unset ASAN_OPTIONS UBSAN_OPTIONS
else
	echo "skipped: the sanitizer build failed"
fi

# ---- d2. ThreadSanitizer ---------------------------------------------------
# The runtime's threads (the control loop's, the workers) against the
# control thread: the loop tests and the integration tests (real traffic
# through worker threads while the test changes rules, QoS, locations and
# ports), in a VF_SANITIZE=thread build. Any report fails the test.
tsan_build=${VF_TSAN_BUILD_DIR:-$top/build-tsan}
banner "d2. $(basename "$tsan_build"): VF_SANITIZE=thread, the loop and integration tests"
mapfile -t gen < <(generator_for "$tsan_build")
if run_step "configure $(basename "$tsan_build")" cmake -S "$top" -B "$tsan_build" "${gen[@]}" \
	-DCMAKE_BUILD_TYPE=Debug -DVF_WERROR=ON -DVF_SANITIZE=thread -DVF_BUILD_PYTHON=OFF &&
	run_step "build $(basename "$tsan_build")" cmake --build "$tsan_build" -j "$jobs" \
		--target test_core_loop test_core_workers netns_ping two_hosts clients; then
	export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
	run_ctest "ctest $(basename "$tsan_build") loop + integration (TSan)" "$tsan_build" \
		-R '^(unit\.core\.(loop|workers)|integration\.(netns_ping|two_hosts|clients))$' --no-tests=error || true
	unset TSAN_OPTIONS
else
	echo "skipped: the thread-sanitizer build failed"
fi

# ---- e. valgrind ---------------------------------------------------------
banner "e. unit tests under valgrind (ctest -T memcheck in $(basename "$build"))"
if [ "$built" = 1 ]; then
	rm -f "$build"/Testing/Temporary/MemoryChecker.*.log
	run_ctest "valgrind $(basename "$build") -L unit" "$build" \
		-T memcheck -L '^unit$' -j "$jobs" --no-tests=error || true
	# ctest keeps valgrind's reports in files; show the ones with errors.
	for vlog in "$build"/Testing/Temporary/MemoryChecker.*.log; do
		[ -f "$vlog" ] || continue
		if grep -qE 'ERROR SUMMARY: [1-9]|(definitely|indirectly|possibly) lost: [1-9]' "$vlog"; then
			echo "---- valgrind report $vlog ($(sed -n 's/.*Command: //p' "$vlog" | head -n 1))"
			grep -vE '^==[0-9]+== *$' "$vlog" | head -n 80
		fi
	done
else
	echo "skipped: the build failed"
fi

# ---- e2. fuzzing ---------------------------------------------------------
fuzz_secs=${VF_FUZZ_SECONDS:-30}
banner "e2. every fuzz target for ${fuzz_secs}s (clang, libFuzzer, ASan+UBSan)"
run_step "fuzz: every target ${fuzz_secs}s without a crash" \
	bash "$top/tests/fuzz/run.sh" "$fuzz_secs" "${VF_FUZZ_BUILD_DIR:-$top/build-fuzz}" || true

# ---- f. summary ----------------------------------------------------------
banner "f. summary ($(($(date +%s) - start)) s)"
printf '%s\n' "${summary[@]}"
[ "$skipped" -eq 0 ] || echo "($skipped tests skipped, not counted)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
