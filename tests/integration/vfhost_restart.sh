#!/usr/bin/env bash
# Killing and restarting a host process re-learns its state without
# touching the other hosts (issue 4; ctest integration.vfhost_restart and,
# with gossip, integration.vfhost_restart_gossip; root: exits 77, skipped,
# otherwise).
#
# Two hosts (network namespaces vfr<PID>-h1, -h2, one vfhost each) joined
# by an underlay (a veth from each into a bridge in vfr<PID>-ul); cell blue
# with subnets web and db and its router on both; VMs are namespaces:
#   hv1: a1 (web 10.1.1.10, a veth vfhost creates), a2 (db 10.1.2.10, idem),
#        a3 (web 10.1.1.12, a veth this test makes: an existing netdev),
#        and a tap vfhost creates (no VM: it checks the netdev's fate);
#   hv2: b1 (web 10.1.1.11), b2 (db 10.1.2.11), veths vfhost creates.
# MODE static: each host knows the other's VMs from its static [locations]
# list. MODE gossip: no list; [gossip] on each host's underlay address with
# the other as its seed (fast probes), and the location service spreads
# the VMs: hv2 then also sees hv1 fail at the kill and withdraws its VMs,
# and learns them again from the restarted hv1 (which rejoins by itself).
#
#   1. a1, a2, a3 ping b1/b2 across hosts (bridged and routed);
#   2. kill -9 hv1's vfhost by PID: its netdevs stay (no one deletes them),
#      a1 no longer reaches b1;
#   3. hv2 is untouched: the same PID, still running; b1 and b2 ping each
#      other through hv2's router, hv2's counters keep going; its netdevs
#      and its log are as they were (gossip: only gossip's lines: hv1
#      failed, and its VMs are withdrawn);
#   4. hv1's vfhost restarted with the same file: it binds the existing
#      netdevs (the same ifindex, no second veth or tap, the VMs' NICs as
#      they were), the model and locations are back, and cross-host pings
#      flow again both ways, bridged and routed; a stream of echoes from b1
#      to a1, started before the kill, went unanswered while hv1 was down
#      and resumed by itself;
#   5. both stop on SIGTERM with exit 0.
# Every name includes the test's PID, so runs in other build directories
# never collide; everything is removed at the end, also after a failure.
# Usage: vfhost_restart.sh VFHOST VFCTL [static|gossip]
set -u
vfhost=${1:?vfhost binary}
vfctl=${2:?vfctl binary}
mode=${3:-static}
P=vfr$$
case "$mode" in static | gossip) ;; *) echo "bad mode $mode" >&2; exit 2 ;; esac

if [ "$(id -u)" -ne 0 ] || ! ip netns add "$P-probe" 2>/dev/null; then
	echo "skipped: needs root and network namespaces"
	exit 77
fi
ip netns del "$P-probe"

tmp=$(mktemp -d)
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
declare -A pid=()
stream=
cleanup() {
	local p n
	[ -n "$stream" ] && kill "$stream" 2>/dev/null
	for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pid[@]}"; do
		for _ in $(seq 1 80); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-"); do ip netns del "$n"; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for n in ul h1 h2 a1 a2 a3 b1 b2; do
	ip netns add "$P-$n" || exit 1
	ip netns exec "$P-$n" sh -c 'for c in all default; do
		echo 1 >/proc/sys/net/ipv6/conf/$c/disable_ipv6; done' 2>/dev/null
	ip -n "$P-$n" link set lo up
done
ip -n "$P-ul" link add br0 type bridge mcast_snooping 0
ip -n "$P-ul" link set br0 up
for h in 1 2; do
	ip -n "$P-ul" link add "h$h" type veth peer name ul0 netns "$P-h$h" || exit 1
	ip -n "$P-ul" link set "h$h" master br0 up
	ip -n "$P-h$h" link set ul0 address "02:00:00:00:00:0$h"
	ip -n "$P-h$h" addr add "192.0.2.$h/24" dev ul0
	ip -n "$P-h$h" link set ul0 up
done
# a3's NIC: a veth made here, not by vfhost, its VM end with the VMAC
ip -n "$P-h1" link add vp-a3 type veth peer name eth0 netns "$P-a3" || exit 1
ip -n "$P-a3" link set eth0 address 02:01:0a:01:01:0c

# conf HOST: the file of host hv1 or hv2
conf() {
	cat <<EOF
[host]
name = $1
underlay = ul0
ip = 192.0.2.${1#hv}
threads = 1
[control]
socket = $tmp/$1.sock
[cell blue]
id = 1
[subnet blue/web]
id = 1
prefix = 10.1.1.0/24
[subnet blue/db]
id = 2
prefix = 10.1.2.0/24
[router blue]
subnets = web, db
EOF
	if [ "$mode" = gossip ]; then
		cat <<EOF
[gossip]
bind = 192.0.2.${1#hv}
seeds = 192.0.2.$((3 - ${1#hv}))
rejoin = 1
probe_interval = 300
probe_timeout = 150
gossip_interval = 100
EOF
	fi
	if [ "$1" = hv1 ]; then
		cat <<EOF
[port a1]
cell = blue
subnet = web
vip = 10.1.1.10
ifname = vp-a1
create = veth
peer = eth0
netns = $P-a1
[port a2]
cell = blue
subnet = db
vip = 10.1.2.10
ifname = vp-a2
create = veth
peer = eth0
netns = $P-a2
[port a3]
cell = blue
subnet = web
vip = 10.1.1.12
ifname = vp-a3
[port t1]
cell = blue
subnet = db
vip = 10.1.2.50
ifname = vt-t1
create = tap
EOF
		[ "$mode" = gossip ] && return
		cat <<EOF
[locations]
remote = blue web 10.1.1.11 02:01:0a:01:01:0b 02:00:00:00:00:02 192.0.2.2
remote = blue db 10.1.2.11 02:01:0a:01:02:0b 02:00:00:00:00:02 192.0.2.2
EOF
	else
		cat <<EOF
[port b1]
cell = blue
subnet = web
vip = 10.1.1.11
ifname = vp-b1
create = veth
peer = eth0
netns = $P-b1
[port b2]
cell = blue
subnet = db
vip = 10.1.2.11
ifname = vp-b2
create = veth
peer = eth0
netns = $P-b2
EOF
		[ "$mode" = gossip ] && return
		cat <<EOF
[locations]
remote = blue web 10.1.1.10 02:01:0a:01:01:0a 02:00:00:00:00:01 192.0.2.1
remote = blue db 10.1.2.10 02:01:0a:01:02:0a 02:00:00:00:00:01 192.0.2.1
remote = blue web 10.1.1.12 02:01:0a:01:01:0c 02:00:00:00:00:01 192.0.2.1
EOF
	fi
}

# start HOST: vfhost in the host's namespace; its PID in pid[HOST]
start() {
	local h=$1
	rm -f "$tmp/$h.pid"
	# ip netns exec execs vfhost: $! is vfhost's own PID
	ip netns exec "$P-h${h#hv}" "$vfhost" -c "$tmp/$h.conf" -p "$tmp/$h.pid" \
		</dev/null >/dev/null 2>>"$tmp/$h.log" &
	pid[$h]=$!
	for _ in $(seq 1 100); do [ -s "$tmp/$h.pid" ] && break; sleep 0.1; done
	[ -s "$tmp/$h.pid" ] && [ "$(cat "$tmp/$h.pid")" = "${pid[$h]}" ]
}
ctl() { "$vfctl" -t 3000 -s "$tmp/$1.sock" "${@:2}"; }
remote_count() { ctl "$1" locations | grep -o '"local":false' | wc -l; }
# remote_wait HOST N: until HOST knows N remote locations (at most 10 s)
remote_wait() {
	for _ in $(seq 1 100); do [ "$(remote_count "$1")" -eq "$2" ] && return 0; sleep 0.1; done
	return 1
}
# hv2 knows hv1's VMs: the 3 of its list, or by gossip all 4 ports
hv1_vms=3
[ "$mode" = gossip ] && hv1_vms=4
ping_ok() { ip netns exec "$P-$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "$2"; }
ping_none() { ! ip netns exec "$P-$1" ping -q -c 2 -i 0.2 -W 1 "$2"; }
counter() { ctl "$1" counters "$2" | grep -o "\"$3\":[0-9]*" | head -n 1 | cut -d: -f2; }
# links NS: its netdevs as "name ifindex MAC", sorted
links() {
	ip -n "$P-$1" -o link show | sed -E 's/^([0-9]+): ([^:@]+)[@:].*link\/[a-z]+ ([0-9a-f:]+).*/\2 \1 \3/' |
		sort
}
vm_ip() { # NS VIP GATEWAY
	ip -n "$P-$1" link set eth0 up
	ip -n "$P-$1" addr add "$2/24" dev eth0
	ip -n "$P-$1" route add default via "$3"
}

conf hv1 >"$tmp/hv1.conf"
conf hv2 >"$tmp/hv2.conf"
check "hv1 started" start hv1
check "hv2 started" start hv2
if [ "$fail" -ne 0 ]; then cat "$tmp"/*.log; exit 1; fi
vm_ip a1 10.1.1.10 10.1.1.1
vm_ip a2 10.1.2.10 10.1.2.1
vm_ip a3 10.1.1.12 10.1.1.1
vm_ip b1 10.1.1.11 10.1.1.1
vm_ip b2 10.1.2.11 10.1.2.1

echo "# 1. before: traffic across the hosts"
if [ "$mode" = gossip ]; then
	check "hv1 learnt hv2's 2 VMs by gossip" remote_wait hv1 2
	check "hv2 learnt hv1's 4 ports by gossip" remote_wait hv2 4
fi
check "a1 (hv1) pings b1 (hv2), one subnet" ping_ok a1 10.1.1.11
check "a2 (hv1) pings b1 (hv2), routed" ping_ok a2 10.1.1.11
check "a3 (hv1, its own veth) pings b2 (hv2), routed" ping_ok a3 10.1.2.11
check "b1 (hv2) pings b2 (hv2), routed on hv2" ping_ok b1 10.1.2.11
h1_links=$(links h1)
h2_links=$(links h2)
vm_links=$(for n in a1 a2 a3; do echo "$n: $(links "$n" | tr '\n' ' ')"; done)
check "hv1 has its veths and tap: vp-a1 vp-a2 vp-a3 vt-t1" \
	bash -c "[ \$(grep -cE '^(vp-a1|vp-a2|vp-a3|vt-t1) ' <<<'$h1_links') -eq 4 ]"
hv2_pid=${pid[hv2]}
hv2_log_lines=$(wc -l <"$tmp/hv2.log")
# a stream of echoes from b1 (hv2) to a1 (hv1) through the kill and the
# restart, one every 0.2 s
ip netns exec "$P-b1" timeout 60 ping -n -i 0.2 10.1.1.10 >"$tmp/stream.txt" 2>&1 &
stream=$!
sleep 1
replies() { grep -c 'bytes from' "$tmp/stream.txt"; }
r_before=$(replies)

echo "# 2. kill -9 hv1's vfhost (PID ${pid[hv1]})"
kill -KILL "${pid[hv1]}"
wait "${pid[hv1]}" 2>/dev/null
check "hv1's vfhost is gone" bash -c "! kill -0 ${pid[hv1]} 2>/dev/null"
unset 'pid[hv1]'
check "hv1's netdevs stay as they were (no one removed them)" [ "$(links h1)" = "$h1_links" ]
check "with hv1 down, a1 no longer reaches b1" ping_none a1 10.1.1.11

echo "# 3. hv2 is untouched"
rx0=$(counter hv2 b1 rx_packets)
check "b1 pings b2 through hv2's router while hv1 is down" ping_ok b1 10.1.2.11 5
rx1=$(counter hv2 b1 rx_packets)
check "hv2's counters keep going (b1 rx_packets $rx0 -> $rx1)" [ "${rx1:-0}" -ge $((${rx0:-0} + 5)) ]
check "hv2's vfhost is the same process (PID $hv2_pid), running" \
	bash -c "kill -0 $hv2_pid && [ \"\$(cat $tmp/hv2.pid)\" = $hv2_pid ]"
check "hv2's control socket answers" ctl hv2 list
check "hv2's netdevs are as they were" [ "$(links h2)" = "$h2_links" ]
if [ "$mode" = gossip ]; then
	for _ in $(seq 1 150); do grep -q 'gossip: member hv1 .* failed' "$tmp/hv2.log" && break; sleep 0.1; done
	check "hv2 saw hv1 fail (gossip), without a leave" grep -q 'gossip: member hv1 .* failed' "$tmp/hv2.log"
	check "hv2 withdrew hv1's VMs" remote_wait hv2 0
fi
# gossip: hv2's own lines about hv1 are all it may log
new_log=$(tail -n +$((hv2_log_lines + 1)) "$tmp/hv2.log" | grep -v ': gossip: member hv1 ')
check "hv2 logged nothing else meanwhile${new_log:+: $new_log}" [ -z "$new_log" ]

echo "# 4. hv1's vfhost restarted with the same file"
r_down=$(replies)
check "hv1 restarted (a new PID file, stale socket replaced)" start hv1
echo "     hv1 is now PID ${pid[hv1]:-none}"
check "it bound the existing netdevs: the same names and ifindexes, no second veth or tap" \
	[ "$(links h1)" = "$h1_links" ]
check "the VMs' NICs are as they were" \
	[ "$(for n in a1 a2 a3; do echo "$n: $(links "$n" | tr '\n' ' ')"; done)" = "$vm_links" ]
list=$(ctl hv1 list)
for p in a1:vp-a1 a2:vp-a2 a3:vp-a3 t1:vt-t1; do
	check "port ${p%%:*} is bound to ${p#*:} again" \
		grep -q "\"name\":\"${p%%:*}\"[^}]*\"datapath\":\"afpacket\",\"ifname\":\"${p#*:}\"" <<<"$list"
done
check "hv1 knows the remote locations again (2 on hv2)" remote_wait hv1 2
check "hv2 knows hv1's $hv1_vms VMs again" remote_wait hv2 $hv1_vms
if [ "$mode" = gossip ]; then
	check "hv2 logged hv1 joining again" \
		bash -c "tail -n +$((hv2_log_lines + 1)) $tmp/hv2.log | grep -q 'gossip: member hv1 .* joined'"
fi
# the first frames after the restart may meet links still coming up
for _ in $(seq 1 20); do ping_ok a1 10.1.1.11 1 >/dev/null 2>&1 && break; sleep 0.25; done
check "a1 (hv1) pings b1 (hv2) again, one subnet" ping_ok a1 10.1.1.11
check "a2 (hv1) pings b2 (hv2) again, one subnet" ping_ok a2 10.1.2.11
check "a3 (hv1) pings b2 (hv2) again, routed" ping_ok a3 10.1.2.11
check "b2 (hv2) pings a1 (hv1), routed, the other way" ping_ok b2 10.1.1.10
check "a1 pings a2 on hv1, routed" ping_ok a1 10.1.2.10
tx=$(counter hv1 a1 tx_packets)
check "hv1's counters count afresh (a1 tx_packets ${tx:-?})" [ "${tx:-0}" -ge 3 ]
check "still no duplicate netdev on hv1" [ "$(links h1)" = "$h1_links" ]
kill -INT "$stream" 2>/dev/null; wait "$stream" 2>/dev/null; stream=
r_after=$(replies)
lost=$(grep -o '[0-9]* packets transmitted, [0-9]* received' "$tmp/stream.txt")
check "b1's echo stream to a1 flowed before the kill ($r_before replies)" [ "$r_before" -ge 3 ]
check "it resumed by itself after the restart ($((r_after - r_down)) more replies; $lost)" \
	[ $((r_after - r_down)) -ge 3 ]
# replies while hv1 was down: at most the ones in flight at the kill
check "nothing answered while hv1 was down (replies $r_before -> $r_down)" \
	[ $((r_down - r_before)) -le 2 ]
check "hv2's vfhost is still PID $hv2_pid" bash -c "kill -0 $hv2_pid && [ \"\$(cat $tmp/hv2.pid)\" = $hv2_pid ]"

echo "# 5. stop"
for h in hv1 hv2; do
	kill -TERM "${pid[$h]}"
	wait "${pid[$h]}"; rc=$?
	check "$h stops on SIGTERM with exit 0" [ $rc -eq 0 ]
	unset "pid[$h]"
done
left=$(ip -n "$P-h1" -o link show | grep -oE ' (vp-a1|vp-a2|vt-t1)[@:]' | tr -d '@: ' | tr '\n' ' ')
# vfhost re-binds what it created before the kill with VF_BIND_F_OWN, so
# its clean stop deletes them as if this run had made them
check "the netdevs hv1's vfhost created before the kill are gone after its stop (left: ${left:-none})" \
	[ -z "$left" ]

if [ "$fail" -ne 0 ]; then for h in hv1 hv2; do echo "--- $h"; cat "$tmp/$h.log"; done; fi
echo "$pass passed, $fail failed ($mode)"
[ "$fail" -eq 0 ]
