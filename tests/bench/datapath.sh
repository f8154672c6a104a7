#!/usr/bin/env bash
# The datapath benchmark (issue 4, "Measured"): frames per second and CPU
# time per forwarded packet on the forwarding core, for libvfabric's
# afpacket datapath (same subnet, routed, across two hosts), the Linux
# bridge and Open vSwitch userspace (system ports), back to back in one run
# on the same veth topology. Figures only; see README.md ("bench_datapath").
#
# Usage (root): tests/bench/datapath.sh [build-dir]
#   env: SECS (window per sample, 3), REPS (samples, 5), SIZES ("64,1500"),
#        NO_OVS=1 (skip Open vSwitch), NO_INSTALL=1 (never apt-get),
#        WRAP="valgrind --tool=callgrind ..." (runs bench_datapath under it)
# Everything it makes is named vfb-*: namespaces, veths, a bridge, an OVS
# bridge and /tmp/vfb-run.*; all removed on exit, processes stopped by PID.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-bench}
SECS=${SECS:-3}
REPS=${REPS:-5}
SIZES=${SIZES:-64,1500}

[ "$(id -u)" = 0 ] || { echo "datapath.sh: skipped (needs root: namespaces, veth, tc)"; exit 77; }

need_pkgs=()
command -v ip >/dev/null && command -v tc >/dev/null || need_pkgs+=(iproute2)
command -v clang >/dev/null || need_pkgs+=(clang)
command -v taskset >/dev/null || need_pkgs+=(util-linux)
command -v ethtool >/dev/null || need_pkgs+=(ethtool)
if [ -z "${NO_OVS:-}" ] && ! command -v ovs-vswitchd >/dev/null; then
  need_pkgs+=(openvswitch-switch)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ -n "${NO_INSTALL:-}" ]; then
    echo "missing: ${need_pkgs[*]} (NO_INSTALL set)"; exit 1
  fi
  echo "installing ${need_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${need_pkgs[@]}" >/dev/null || { apt-get update >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      "${need_pkgs[@]}" >/dev/null; }
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --target bench_datapath -j2 >/dev/null
bin="$build/tests/bench/bench_datapath"

run=$(mktemp -d /tmp/vfb-run.XXXXXX)
vm_ns=(vfb-va vfb-vb vfb-vc vfb-vd vfb-ra vfb-rb vfb-ba vfb-bb vfb-oa vfb-ob)
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  done
  for n in "${vm_ns[@]}" vfb-hv; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for n in vfb-hv "${vm_ns[@]}"; do
  ip netns del "$n" 2>/dev/null || true
  ip netns add "$n"
  ip netns exec "$n" sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1; ip link set lo up'
done
hv() { ip netns exec vfb-hv "$@"; }

# The underlay between the two libvfabric hosts (both fabrics in one
# process, in vfb-hv, each bound to one end).
hv ip link add vfb-u1 type veth peer name vfb-u2
hv ip link set vfb-u1 up
hv ip link set vfb-u2 up

# A VM: namespace $1, NIC eth0 at $3/24, the other end $2 in vfb-hv.
vm() {
  hv ip link add "$2" type veth peer name eth0 netns "$1"
  ip -n "$1" link set eth0 up
  ip -n "$1" addr add "$3/24" dev eth0
  hv ip link set "$2" up
}

# The floor: bench_datapath's minimal forwarder on libvfabric's AF_PACKET
# socket layer alone (no pipeline), between these two VMs.
vm vfb-ra vfb-pra 10.6.1.10
vm vfb-rb vfb-prb 10.6.1.11

# Linux bridge: plain L2. Threaded NAPI on A's veth (NAPI needs GRO on a
# veth) moves its receive work, the bridge and B's veth, into a kernel
# thread pinned to the forwarding CPU, whose CPU time is measured exactly
# (this kernel has no IRQ time accounting: softirq time is tick-sampled).
hv ip link add vfb-br type bridge
hv ip link set vfb-br up
vm vfb-ba vfb-bra 10.8.1.10
vm vfb-bb vfb-brb 10.8.1.11
hv ip link set vfb-bra master vfb-br
hv ip link set vfb-brb master vfb-br
hv ethtool -K vfb-bra gro on >/dev/null
# veth hands a frame to NAPI only if the sender has no TSO (or the frame
# is a socket's): our generator's frames come from a TX ring.
ip netns exec vfb-ba ethtool -K eth0 tso off >/dev/null
hv sh -c 'echo 1 > /sys/class/net/vfb-bra/threaded'
napi=$(ps -eo pid=,comm= | awk '$2 ~ /^napi\/vfb-bra-/ {print $1; exit}')
[ -n "$napi" ] || { echo "no NAPI thread for vfb-bra"; exit 1; }
taskset -pc 1 "$napi" >/dev/null
macb=$(ip -n vfb-bb -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
hv bridge fdb replace "$macb" dev vfb-brb master static
peers=(--peer "bridge:vfb-ba:vfb-bb:10.8.1.11:vfb-brb:pid=$napi")

# Open vSwitch userspace (datapath_type=netdev, system ports), without
# its kernel module: ovsdb-server and ovs-vswitchd started here, in
# vfb-hv, ovs-vswitchd pinned to the forwarding CPU.
if [ -z "${NO_OVS:-}" ]; then
  vm vfb-oa vfb-ova 10.9.1.10
  vm vfb-ob vfb-ovb 10.9.1.11
  ovsdb-tool create "$run/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  hv ovsdb-server "$run/conf.db" --remote="punix:$run/db.sock" \
    --unixctl="$run/ovsdb.ctl" --log-file="$run/ovsdb.log" \
    --pidfile="$run/ovsdb.pid" --detach --no-chdir -vconsole:off 2>/dev/null
  pids+=("$(cat "$run/ovsdb.pid")")
  vsctl() { ovs-vsctl --db="unix:$run/db.sock" --timeout=20 "$@"; }
  vsctl --no-wait init
  hv taskset -c 1 ovs-vswitchd "unix:$run/db.sock" --unixctl="$run/vswitchd.ctl" \
    --log-file="$run/vswitchd.log" --pidfile="$run/vswitchd.pid" --detach --no-chdir -vconsole:off 2>/dev/null
  pids+=("$(cat "$run/vswitchd.pid")")
  vsctl add-br vfb-ovs -- set bridge vfb-ovs datapath_type=netdev \
    other_config:mac-aging-time=3600
  vsctl add-port vfb-ovs vfb-ova -- add-port vfb-ovs vfb-ovb
  peers+=(--peer "ovs-system:vfb-oa:vfb-ob:10.9.1.11:vfb-ovb:pid=$(cat "$run/vswitchd.pid")")
fi

clang -O2 -target bpf -c "$top/tests/bench/drop.bpf.c" -o "$run/drop.o" 2>/dev/null ||
  echo "note: no BPF object, receivers drop with tc matchall instead"

echo "== datapath benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r)," \
  "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hv env VFB_DROP_OBJ="$run/drop.o" ${WRAP:-} "$bin" --secs "$SECS" --reps "$REPS" \
  --sizes "$SIZES" --gen-cpu 0 --fwd-cpu 1 "${peers[@]}"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
