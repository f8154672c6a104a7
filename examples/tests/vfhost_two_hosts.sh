#!/usr/bin/env bash
# Two vfhost processes as two hosts of one fabric (ctest
# example.vfhost_two_hosts; root: exits 77, skipped, otherwise). Each runs
# in a network namespace of its own (vfh-h1, vfh-h2) joined by a veth
# underlay; each has one VM (vfh-a on hv1, vfh-b on hv2) on a veth it
# creates, and knows the other's VM from its [locations] list:
#
#   - the VMs ping each other across the hosts (same subnet, and routed
#     to the other subnet through the distributed router);
#   - vfctl locations on hv1 shows vm-b on hv2's MAC;
#   - hv2 counted the frames it delivered (vfctl counters); when tcpdump
#     is installed, a capture on the underlay has frames between the
#     hosts' MACs and none with a virtual MAC;
#   - both stop on SIGTERM by PID with exit 0.
# Everything is named vfh-* and removed at the end.
# Usage: vfhost_two_hosts.sh VFHOST VFCTL
set -u
vfhost=${1:?vfhost binary}
vfctl=${2:?vfctl binary}

if [ "$(id -u)" -ne 0 ] || ! ip netns add vfh-probe 2>/dev/null; then
	echo "skipped: needs root and network namespaces"
	exit 77
fi
ip netns del vfh-probe

tmp=$(mktemp -d)
pids=()
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for ns in vfh-h1 vfh-h2 vfh-a vfh-b; do ip netns del $ns 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
for ns in vfh-h1 vfh-h2 vfh-a vfh-b; do ip netns del $ns 2>/dev/null; done
for ns in vfh-h1 vfh-h2 vfh-a vfh-b; do ip netns add $ns || exit 1; done
ip -n vfh-h1 link add vfh-u1 type veth peer name vfh-u2 netns vfh-h2 || exit 1
ip -n vfh-h1 link set vfh-u1 address 02:00:00:00:01:01
ip -n vfh-h2 link set vfh-u2 address 02:00:00:00:01:02
for h in 1 2; do
	ip -n vfh-h$h link set lo up
	ip -n vfh-h$h link set vfh-u$h up
	ip -n vfh-h$h addr add 192.0.2.$h/24 dev vfh-u$h
done

# conf HOST MAC IP VM NS VIP REMOTE_LINE
conf() {
	cat >"$tmp/$1.conf" <<EOF
[host]
name = $1
underlay = vfh-u${1#hv}
ip = $3
threads = 1
[control]
socket = $tmp/$1.sock
[cell blue]
id = 1
[subnet blue/web]
prefix = 10.1.1.0/24
[subnet blue/db]
prefix = 10.1.2.0/24
[router blue]
subnets = web, db
[port $4]
cell = blue
subnet = $7
vip = $6
ifname = vfh-p$4
create = veth
peer = vnic0
netns = $5
[locations]
remote = $8
EOF
}
conf hv1 02:00:00:00:01:01 192.0.2.1 a vfh-a 10.1.1.10 web \
	"blue db 10.1.2.20 02:01:0a:01:02:14 02:00:00:00:01:02 192.0.2.2"
conf hv2 02:00:00:00:01:02 192.0.2.2 b vfh-b 10.1.2.20 db \
	"blue web 10.1.1.10 02:01:0a:01:01:0a 02:00:00:00:01:01 192.0.2.1"

for h in hv1 hv2; do
	ip netns exec vfh-h${h#hv} "$vfhost" -c "$tmp/$h.conf" -p "$tmp/$h.pid" 2>"$tmp/$h.log" &
	pids+=($!)
done
for h in hv1 hv2; do
	for _ in $(seq 1 100); do [ -s "$tmp/$h.pid" ] && break; sleep 0.1; done
	check "$h started (PID file written)" [ -s "$tmp/$h.pid" ]
done
if [ ! -s "$tmp/hv1.pid" ] || [ ! -s "$tmp/hv2.pid" ]; then cat "$tmp"/*.log; exit 1; fi

ip -n vfh-a link set lo up; ip -n vfh-a link set vnic0 up
ip -n vfh-a addr add 10.1.1.10/24 dev vnic0; ip -n vfh-a route add default via 10.1.1.1
ip -n vfh-b link set lo up; ip -n vfh-b link set vnic0 up
ip -n vfh-b addr add 10.1.2.20/24 dev vnic0; ip -n vfh-b route add default via 10.1.2.1

check "vfctl locations on hv1: vm b is on hv2's MAC" \
	grep -q '"vip":"10.1.2.20".*"host_mac":"02:00:00:00:01:02".*"local":false' \
	<<<"$("$vfctl" -s "$tmp/hv1.sock" locations)"
check "hv1's host MAC is its underlay's" \
	grep -q '"vip":"10.1.1.10".*"host_mac":"02:00:00:00:01:01".*"local":true' \
	<<<"$("$vfctl" -s "$tmp/hv1.sock" locations)"
cap=
if command -v tcpdump >/dev/null; then
	ip netns exec vfh-h2 tcpdump -i vfh-u2 -nn -e -c 50 -w "$tmp/u.pcap" 2>/dev/null &
	cap=$!
	sleep 0.5
fi
check "vm a (hv1, web) pings vm b (hv2, db) across hosts, routed" \
	ip netns exec vfh-a ping -q -c 3 -i 0.2 -W 2 10.1.2.20
check "the reply comes back with TTL 63 (one router)" \
	bash -c "ip netns exec vfh-a ping -c 1 -W 2 10.1.2.20 | grep -q ttl=63"
check "vm b pings its own gateway" ip netns exec vfh-b ping -q -c 1 -W 2 10.1.2.1
c=$("$vfctl" -s "$tmp/hv2.sock" counters b)
rx=$(sed -n 's/.*"tx_packets":\([0-9]*\).*/\1/p' <<<"$c")
check "hv2 delivered $rx frames to vm b" [ "${rx:-0}" -ge 3 ]
if [ -n "$cap" ]; then
	sleep 0.5
	kill "$cap" 2>/dev/null; wait "$cap" 2>/dev/null
	dump=$(tcpdump -r "$tmp/u.pcap" -nn -e 2>/dev/null)
	macs=$(grep -o '02:01:0a:[0-9a-f:]*\|06:01:0a:[0-9a-f:]*' <<<"$dump" | sort -u)
	check "tcpdump on the underlay: frames from hv1's MAC to hv2's" \
		grep -q '02:00:00:00:01:01 > 02:00:00:00:01:02' <<<"$dump"
	check "tcpdump on the underlay: no virtual MAC ($macs)" [ -z "$macs" ]
fi

for i in 0 1; do
	kill -TERM "${pids[$i]}"
	wait "${pids[$i]}"; rc=$?
	check "hv$((i + 1)) stops on SIGTERM with exit 0" [ $rc -eq 0 ]
done
pids=()
if [ $fail -ne 0 ]; then for h in hv1 hv2; do echo "--- $h"; cat "$tmp/$h.log"; done; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
