#!/usr/bin/env bash
# The pipeline benchmark: ns per packet (bench_pipeline), then
# instructions per packet for each scenario from callgrind (repeatable on
# this machine, where perf has no hardware counters), with the flow cache
# (what every packet of a known flow costs) and without it (what the first
# packet of a flow costs, and what every packet cost before the cache).
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
printf '%-40s %12s %12s\n' "scenario (callgrind, $n packets)" "instr/pkt" "no cache"
names=("local bridged" "local routed" "remote rewrite" "underlay receive" "ARP reply" \
       "DHCP exchange" "remote rewrite, 1000 rules, 10k conns")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
instr() { # scenario [--no-cache]
  valgrind --tool=callgrind --toggle-collect=measure --callgrind-out-file="$tmp/cg" \
    "$bin" ${2:-} --one "$1" "$n" >/dev/null 2>&1
  ir=$(callgrind_annotate "$tmp/cg" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  echo "$ir / $n" | bc -l
}
for i in "${!names[@]}"; do
  printf '%-40s %12.1f %12.1f\n' "${names[$i]}" "$(instr "$i")" "$(instr "$i" --no-cache)"
done
