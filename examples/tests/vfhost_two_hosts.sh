#!/usr/bin/env bash
# Two vfhost processes as two hosts of one fabric (ctest
# example.vfhost_two_hosts, example.vfhost_two_hosts_gossip and
# example.vfhost_two_hosts_gossip_enc; root: exits 77, skipped,
# otherwise). Each runs in a network namespace of its own (vfh<PID>-h1,
# -h2) joined by a veth underlay (192.0.2.1 and .2); each has VMs on veths
# it creates:
#
#   hv1: a  blue/web 10.1.1.10     r1 red/lan 10.2.1.10
#   hv2: b  blue/db  10.1.2.20     c  blue/web 10.1.1.11    r2 red/lan 10.2.1.11
#
# MODE says how each host learns where the other's VMs are:
#   static     its [locations] list;
#   gossip     [gossip] bound to its underlay address, the other host as
#              the seed, no [locations]: the location service spreads them;
#   encrypted  the same with a `serf keygen` key (skipped, 77, on a CPU
#              without AES-NI and PCLMUL).
# It checks:
#   - vfctl locations on hv1 shows b on hv2's MAC (gossip: it arrives by
#     itself, and hv1 logged hv2 joining);
#   - the VMs ping across the hosts, bridged (TTL 64) and routed through
#     the distributed router (TTL 63); red pings red across the hosts;
#   - cells are isolated: blue and red refuse each other both ways, and
#     the refusals are counted as inter-cell drops;
#   - hv2 counted the frames it delivered (vfctl counters); when tcpdump
#     is installed, a capture on the underlay has frames between the
#     hosts' MACs and none with a virtual MAC, and the gossip packets carry
#     the hosts' names in clear without a key and not with one;
#   - gossip: a reload (SIGHUP) that changes [gossip] is refused and
#     changes nothing; hv2 stopped by SIGTERM leaves gracefully: hv1 logs
#     it left and forgets hv2's VMs;
#   - both stop on SIGTERM by PID with exit 0.
# Everything is named vfh<PID>-* and removed at the end, also after a
# failure; the whole run is bounded by ctest's timeout and every wait here.
# Usage: vfhost_two_hosts.sh VFHOST VFCTL [static|gossip|encrypted]
set -u
vfhost=${1:?vfhost binary}
vfctl=${2:?vfctl binary}
mode=${3:-static}
P=vfh$$
case "$mode" in static | gossip | encrypted) ;; *) echo "bad mode $mode" >&2; exit 2 ;; esac

if [ "$(id -u)" -ne 0 ] || ! ip netns add "$P-probe" 2>/dev/null; then
	echo "skipped: needs root and network namespaces"
	exit 77
fi
ip netns del "$P-probe"
if [ "$mode" = encrypted ] &&
	! { grep -qw aes /proc/cpuinfo && grep -qw pclmulqdq /proc/cpuinfo; }; then
	echo "skipped: gossip encryption needs AES-NI and PCLMUL"
	exit 77
fi
# a `serf keygen` key (base64 of 32 bytes)
key=hVymdRNJiMjdm7en8RvIH+7M5Bnc71egceBeXV761lk=

tmp=$(mktemp -d)
declare -A pid=()
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
cap=
cleanup() {
	local p n
	[ -n "$cap" ] && kill "$cap" 2>/dev/null
	for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pid[@]}"; do
		# a graceful gossip leave takes a few seconds at most
		for _ in $(seq 1 80); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-"); do
		ip netns del "$n"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
for ns in h1 h2 a b c r1 r2; do
	ip netns add "$P-$ns" || exit 1
	ip netns exec "$P-$ns" sh -c 'for c in all default; do
		echo 1 >/proc/sys/net/ipv6/conf/$c/disable_ipv6; done' 2>/dev/null
	ip -n "$P-$ns" link set lo up
done
ip -n "$P-h1" link add ul1 type veth peer name ul2 netns "$P-h2" || exit 1
ip -n "$P-h1" link set ul1 address 02:00:00:00:01:01
ip -n "$P-h2" link set ul2 address 02:00:00:00:01:02
for h in 1 2; do
	ip -n "$P-h$h" link set ul$h up
	ip -n "$P-h$h" addr add 192.0.2.$h/24 dev ul$h
done

# vm NAME CELL SUBNET VIP: a [port] section, its VM the namespace $P-NAME
vm() {
	cat <<EOF
[port $1]
cell = $2
subnet = $3
vip = $4
ifname = vp-$1
create = veth
peer = vnic0
netns = $P-$1
EOF
}
# conf HOST: the file of hv1 or hv2
conf() {
	local n=${1#hv} o=$((3 - ${1#hv}))
	cat <<EOF
[host]
name = $1
underlay = ul$n
ip = 192.0.2.$n
threads = 1
[control]
socket = $tmp/$1.sock
[cell blue]
id = 1
[cell red]
id = 2
[subnet blue/web]
prefix = 10.1.1.0/24
[subnet blue/db]
prefix = 10.1.2.0/24
[subnet red/lan]
prefix = 10.2.1.0/24
[router blue]
subnets = web, db
[router red]
subnets = lan
EOF
	if [ "$1" = hv1 ]; then
		vm a blue web 10.1.1.10
		vm r1 red lan 10.2.1.10
	else
		vm b blue db 10.1.2.20
		vm c blue web 10.1.1.11
		vm r2 red lan 10.2.1.11
	fi
	case "$mode" in
	static)
		echo "[locations]"
		if [ "$1" = hv1 ]; then
			echo "remote = blue db 10.1.2.20 02:01:0a:01:02:14 02:00:00:00:01:02 192.0.2.2"
			echo "remote = blue web 10.1.1.11 02:01:0a:01:01:0b 02:00:00:00:01:02 192.0.2.2"
			echo "remote = red lan 10.2.1.11 02:02:0a:02:01:0b 02:00:00:00:01:02 192.0.2.2"
		else
			echo "remote = blue web 10.1.1.10 02:01:0a:01:01:0a 02:00:00:00:01:01 192.0.2.1"
			echo "remote = red lan 10.2.1.10 02:02:0a:02:01:0a 02:00:00:00:01:01 192.0.2.1"
		fi
		;;
	*)
		cat <<EOF
[gossip]
bind = 192.0.2.$n
seeds = 192.0.2.$o
rejoin = 1
tag = test=$P
EOF
		[ "$mode" = encrypted ] && echo "keys = $key"
		;;
	esac
}

for h in hv1 hv2; do
	conf $h >"$tmp/$h.conf"
	# ip netns exec execs vfhost: $! is vfhost's own PID
	ip netns exec "$P-h${h#hv}" "$vfhost" -c "$tmp/$h.conf" -p "$tmp/$h.pid" \
		</dev/null >/dev/null 2>"$tmp/$h.log" &
	pid[$h]=$!
done
for h in hv1 hv2; do
	for _ in $(seq 1 100); do [ -s "$tmp/$h.pid" ] && break; sleep 0.1; done
	check "$h started (PID file written)" [ -s "$tmp/$h.pid" ]
done
if [ ! -s "$tmp/hv1.pid" ] || [ ! -s "$tmp/hv2.pid" ]; then cat "$tmp"/*.log; exit 1; fi

cap=
if command -v tcpdump >/dev/null; then
	ip netns exec "$P-h2" tcpdump -i ul2 -nn -e -U -w "$tmp/u.pcap" 2>"$tmp/tcpdump.log" &
	cap=$!
	for _ in $(seq 1 30); do grep -q listening "$tmp/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
fi

vm_ip() { # NS VIP/LEN GATEWAY
	ip -n "$P-$1" link set vnic0 up
	ip -n "$P-$1" addr add "$2" dev vnic0
	ip -n "$P-$1" route add default via "$3"
}
vm_ip a 10.1.1.10/24 10.1.1.1
vm_ip r1 10.2.1.10/24 10.2.1.1
vm_ip b 10.1.2.20/24 10.1.2.1
vm_ip c 10.1.1.11/24 10.1.1.1
vm_ip r2 10.2.1.11/24 10.2.1.1

ctl() { "$vfctl" -t 3000 -s "$tmp/$1.sock" "${@:2}"; }
remote_count() { ctl "$1" locations | grep -o '"local":false' | wc -l; }
if [ "$mode" != static ]; then
	# the location service: the other host's three (or two) VMs, within 10 s
	for _ in $(seq 1 100); do
		[ "$(remote_count hv1)" -eq 3 ] && [ "$(remote_count hv2)" -eq 2 ] && break
		sleep 0.1
	done
	check "hv1 logged hv2 joining by gossip" grep -q 'gossip: member hv2 .* joined' "$tmp/hv1.log"
	check "hv2 logged hv1 joining by gossip" grep -q 'gossip: member hv1 .* joined' "$tmp/hv2.log"
	check "no static location in either file" bash -c "! grep -q '^\[locations\]' $tmp/hv1.conf $tmp/hv2.conf"
	mem=$(ctl hv1 members)
	check "vfctl members on hv1: gossip running, hv1 itself first, hv2 alive" \
		grep -q '^{"status":"running","members":\[{"name":"hv1",.*"self":true.*{"name":"hv2",.*"state":"alive".*"self":false' <<<"$mem"
	check "  with hv2's tags (role vfabric)" \
		grep -q '"name":"hv2",.*"tags":{"role":"vfabric"' <<<"$mem"
else
	check "vfctl members without gossip: stopped, none" \
		[ "$(ctl hv1 members)" = '{"status":"stopped","members":[]}' ]
fi
check "hv1 knows hv2's 3 VMs ($(remote_count hv1) remote locations)" [ "$(remote_count hv1)" -eq 3 ]
check "hv2 knows hv1's 2 VMs ($(remote_count hv2) remote locations)" [ "$(remote_count hv2)" -eq 2 ]
loc=$(ctl hv1 locations)
check "vfctl locations on hv1: vm b is on hv2's MAC and IP" \
	grep -q '"vip":"10.1.2.20".*"host_mac":"02:00:00:00:01:02".*"local":false' <<<"$loc"
check "hv1's host MAC is its underlay's" \
	grep -q '"vip":"10.1.1.10".*"host_mac":"02:00:00:00:01:01".*"local":true' <<<"$loc"

ping_ok() { ip netns exec "$P-$1" ping -q -c 3 -i 0.2 -W 2 "$2"; }
ping_none() { ! ip netns exec "$P-$1" ping -q -c 2 -i 0.2 -W 1 "$2"; }
ttl() { ip netns exec "$P-$1" ping -c 1 -W 2 "$2" | grep -q "ttl=$3"; }
not_in() { ! grep -q -e "$2" -e "$3" <<<"$1"; }
counter() { ctl "$1" counters "$2" | grep -o "\"$3\":[0-9]*" | head -n 1 | cut -d: -f2; }

check "a (hv1, web) pings c (hv2, web) across hosts, bridged" ping_ok a 10.1.1.11
check "  the reply has TTL 64 (no router)" ttl a 10.1.1.11 64
check "a (hv1, web) pings b (hv2, db) across hosts, routed" ping_ok a 10.1.2.20
check "  the reply has TTL 63 (one router)" ttl a 10.1.2.20 63
check "b (hv2, db) pings a (hv1, web), the other way" ping_ok b 10.1.1.10
check "r1 (hv1, red) pings r2 (hv2, red) across hosts" ping_ok r1 10.2.1.11
check "vm b pings its own gateway" ping_ok b 10.1.2.1
inter0=$(counter hv1 a inter-cell)
check "a (blue) cannot reach r2 (red) on the other host" ping_none a 10.2.1.11
check "a (blue) cannot reach r1 (red) on its own host" ping_none a 10.2.1.10
check "r2 (red) cannot reach a (blue) on the other host" ping_none r2 10.1.1.10
check "r2 (red) cannot reach c (blue) on its own host" ping_none r2 10.1.1.11
inter1=$(counter hv1 a inter-cell)
check "hv1 counted a's refused echoes as inter-cell drops (${inter0:-?} -> ${inter1:-?})" \
	[ "${inter1:-0}" -ge $((${inter0:-0} + 4)) ]
rx=$(counter hv2 b tx_packets)
check "hv2 delivered $rx frames to vm b" [ "${rx:-0}" -ge 3 ]
if [ -n "$cap" ]; then
	sleep 1.5 # a gossip round or two more
	kill "$cap" 2>/dev/null; wait "$cap" 2>/dev/null; cap=
	dump=$(tcpdump -r "$tmp/u.pcap" -nn -e 2>/dev/null)
	macs=$(grep -o '02:01:0a:[0-9a-f:]*\|02:02:0a:[0-9a-f:]*\|06:0[12]:0a:[0-9a-f:]*' <<<"$dump" | sort -u)
	check "tcpdump on the underlay: frames from hv1's MAC to hv2's" \
		grep -q '02:00:00:00:01:01 > 02:00:00:00:01:02' <<<"$dump"
	check "tcpdump on the underlay: no virtual MAC ($macs)" [ -z "$macs" ]
	if [ "$mode" != static ]; then
		g=$(tcpdump -r "$tmp/u.pcap" -nn -A 'udp port 7946' 2>/dev/null)
		n=$(grep -c 'UDP' <<<"$g")
		check "tcpdump: gossip between the hosts on UDP 7946 ($n packets)" [ "$n" -ge 3 ]
		if [ "$mode" = gossip ]; then
			check "  plain: the packets name the hosts in clear" grep -q 'hv1' <<<"$g"
		else
			check "  encrypted: no host name in clear" not_in "$g" hv1 hv2
		fi
	fi
fi

if [ "$mode" != static ]; then
	# a reload that changes [gossip] is refused whole: it takes a restart
	sed -i "s/^tag = test=.*/tag = test=changed/" "$tmp/hv1.conf"
	kill -HUP "${pid[hv1]}"
	for _ in $(seq 1 30); do grep -q 'reload refused' "$tmp/hv1.log" && break; sleep 0.1; done
	check "a reload with [gossip] changed is refused (a restart applies it)" \
		grep -q 'reload refused, nothing changed: .*hv1.conf:[0-9]*: \[gossip\] changed: a restart applies it' "$tmp/hv1.log"
	check "  hv1 runs on and still knows hv2's 3 VMs" \
		bash -c "kill -0 ${pid[hv1]} && [ \$($vfctl -s $tmp/hv1.sock locations | grep -o '\"local\":false' | wc -l) -eq 3 ]"
	kill -TERM "${pid[hv2]}"
	wait "${pid[hv2]}"; rc=$?
	unset 'pid[hv2]'
	check "hv2 stops on SIGTERM with exit 0 (after a graceful leave)" [ $rc -eq 0 ]
	check "hv2 logged its leave" grep -q 'gossip: left the cluster' "$tmp/hv2.log"
	for _ in $(seq 1 50); do grep -q 'gossip: member hv2 .* left' "$tmp/hv1.log" && break; sleep 0.1; done
	check "hv1 logged hv2 left (not failed)" grep -q 'gossip: member hv2 .* left' "$tmp/hv1.log"
	for _ in $(seq 1 50); do [ "$(remote_count hv1)" -eq 0 ] && break; sleep 0.1; done
	check "hv1 forgot hv2's VMs ($(remote_count hv1) remote locations)" [ "$(remote_count hv1)" -eq 0 ]
	check "a no longer reaches c" ping_none a 10.1.1.11
fi
for h in hv1 hv2; do
	[ -n "${pid[$h]:-}" ] || continue
	kill -TERM "${pid[$h]}"
	wait "${pid[$h]}"; rc=$?
	unset "pid[$h]"
	check "$h stops on SIGTERM with exit 0" [ $rc -eq 0 ]
done
if [ $fail -ne 0 ]; then for h in hv1 hv2; do echo "--- $h"; cat "$tmp/$h.log"; done; fi
echo "$pass passed, $fail failed ($mode)"
[ $fail -eq 0 ]
