#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time (default 30 s each) in a
# clang build with ASan and UBSan, from its committed corpus (new inputs go
# to a scratch directory, not into the repository). Fails on any crash.
# Usage: tests/fuzz/run.sh [seconds-per-target] [build-dir]
set -euo pipefail
secs=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$top/build-fuzz}

# clang and libFuzzer's runtime, from Debian, when missing (as root).
need=()
for p in clang libclang-rt-14-dev cmake pkg-config libuv1-dev libmsgpack-dev \
         libsodium-dev libnl-3-dev libnl-route-3-dev; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "missing packages: ${need[*]} (run as root)" >&2; exit 2; }
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -q >/dev/null
  timeout 900 apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DVF_BUILD_FUZZERS=ON \
      -DVF_BUILD_PYTHON=OFF -DVF_BUILD_EXAMPLES=OFF \
      -DVF_SANITIZE="address,undefined,fuzzer-no-link" >/dev/null
targets=$(cd "$top/tests/fuzz" && ls fuzz_*.c | sed "s/^fuzz_//; s/\.c$//")
for t in $targets; do
  cmake --build "$build" --target "fuzz_$t" -j2 >/dev/null
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
for t in $targets; do
  mkdir -p "$scratch/$t"
  echo "== fuzz_$t for ${secs}s (a crashing input is kept in $artifacts/)"
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=2048 \
      -artifact_prefix="$artifacts/$t-" "$scratch/$t" "$top/tests/fuzz/corpus/$t" 2>&1 | tail -n 3
done
echo "all fuzz targets ran ${secs}s each without a crash"
