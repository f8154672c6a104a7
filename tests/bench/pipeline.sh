#!/usr/bin/env bash
# The pipeline benchmark: ns per packet (bench_pipeline), then
# instructions per packet for each scenario from callgrind (repeatable on
# this machine, where perf has no hardware counters).
# Usage: tests/bench/pipeline.sh [build-dir]   (a RelWithDebInfo build)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
bin="$build/tests/bench/bench_pipeline"
cmake --build "$build" --target bench_pipeline -j2 >/dev/null
"$bin"
command -v valgrind >/dev/null || { echo "valgrind missing: no instruction counts"; exit 0; }
n=200000
echo
printf '%-40s %12s\n' "scenario (callgrind, $n packets)" "instr/pkt"
names=("local bridged" "local routed" "remote rewrite" "underlay receive" "ARP reply" \
       "DHCP exchange" "remote rewrite, 1000 rules, 10k conns")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in "${!names[@]}"; do
  valgrind --tool=callgrind --toggle-collect=measure --callgrind-out-file="$tmp/cg.$i" \
    "$bin" --one "$i" "$n" >/dev/null 2>&1
  ir=$(callgrind_annotate "$tmp/cg.$i" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  printf '%-40s %12.1f\n' "${names[$i]}" "$(echo "$ir / $n" | bc -l)"
done
