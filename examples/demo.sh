#!/usr/bin/env bash
# examples/demo.sh: libvfabric in one command (root, Debian 12).
#
#   sudo examples/demo.sh
#
# It installs the Debian packages it needs (apt-get update only when one is
# missing), builds vfhost and vfctl in build-demo/, then plays a small
# fabric in network namespaces:
#
#   - two hosts, hv1 and hv2: a network namespace each, with one vfhost
#     process (configuration file generated here, its own control socket
#     and PID file), joined by an underlay: a veth from each host into a
#     Linux bridge in a third namespace;
#   - two cells, blue (subnets web and db) and red (lan and app), each with
#     its distributed router on both hosts;
#   - seven VMs, each a network namespace whose eth0 is a veth that vfhost
#     creates and binds (afpacket); one of them gets its address by DHCP;
#   - the hosts find each other by gossip ([gossip] bound to each host's
#     underlay address, the other host as the seed), and learn where the
#     other's VMs are from gossip's location service: no [locations] list.
#
# It checks that each host learnt the other's VMs by gossip (vfctl
# locations), DHCP (busybox udhcpc), pings within a subnet, routed through
# the distributed router, across hosts (bridged and routed), refused
# between cells both ways; reads the counters that prove it (vfctl); and
# captures the underlay with tcpdump to show that only the hosts' MACs
# cross it. It prints a table of the checks, removes everything it made
# (also on failure or Ctrl-C) and exits 0 only if every check passed.
#
# Environment (optional):
#   VF_DEMO_BUILD_DIR=DIR  use vfhost and vfctl already built in DIR
#                          (DIR/examples/vfhost): no package install, no
#                          build (the ctest test example.demo sets it)
#   VF_DEMO_SKIP_APT=1     build, but do not check or install packages
#   VF_DEMO_VERBOSE=1      show the pings' output and vfhost's logs
#   VF_DEMO_PAUSE=1        wait for Enter before cleaning up, to look around
#                          (it prints a few commands to try)
#
# Exit status: 0 every check passed; 1 a check failed; 2 it could not set
# up (not root, a package or the build failed, vfhost did not start).
# Everything it creates is named vfd<PID>-* (namespaces) or lives in a
# temporary directory, so runs never collide.
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
verbose=${VF_DEMO_VERBOSE:-0}
tag=vfd$$                          # namespaces: vfd<PID>-hv1, vfd<PID>-blue1, ...
tmp=
pids=()                            # vfhost processes, stopped by PID at the end
capture_pid=

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'
else
	B='' G='' R='' D='' N=''
fi
say() { printf '%s\n' "$*"; }
step() { printf '%s==>%s %s\n' "$B" "$N" "$*"; }
die() { printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2; exit 2; }

case "${1:-}" in
-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "usage: $0 [-h]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || die "run it as root: sudo $0"

# ---- packages and build -------------------------------------------------
packages=(build-essential cmake ninja-build pkg-config
	libuv1-dev libmsgpack-dev libsodium-dev libnl-3-dev libnl-route-3-dev
	iproute2 iputils-ping busybox tcpdump)
tools=(ip ping busybox tcpdump timeout)

if [ -n "${VF_DEMO_BUILD_DIR:-}" ]; then
	build=$VF_DEMO_BUILD_DIR
	step "using the build in $build (VF_DEMO_BUILD_DIR): no install, no build"
else
	build=$top/build-demo
	if [ "${VF_DEMO_SKIP_APT:-0}" != 1 ] && command -v dpkg-query >/dev/null; then
		missing=()
		for p in "${packages[@]}"; do
			[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
				missing+=("$p")
		done
		if [ ${#missing[@]} -gt 0 ]; then
			step "installing ${missing[*]}"
			export DEBIAN_FRONTEND=noninteractive
			timeout 600 apt-get update -q >/dev/null ||
				die "apt-get update failed"
			timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" \
				>/dev/null || die "apt-get install ${missing[*]} failed"
		else
			step "packages: all ${#packages[@]} installed"
		fi
	fi
	# a new build directory: the library and the examples only; one that
	# is there keeps its settings
	configure=(true)
	if [ ! -f "$build/CMakeCache.txt" ]; then
		configure=(cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
			-DVF_BUILD_TESTS=OFF -DVF_BUILD_PYTHON=OFF)
		command -v ninja >/dev/null && configure+=(-G Ninja)
	fi
	step "building vfhost and vfctl in ${build#"$top"/}/ (log: ${build#"$top"/}/demo-build.log)"
	mkdir -p "$build" || die "cannot make $build"
	if ! { "${configure[@]}" &&
		cmake --build "$build" -j "$(nproc)" --target vfhost vfctl; } \
		>"$build/demo-build.log" 2>&1; then
		tail -n 30 "$build/demo-build.log" >&2
		die "the build failed (whole log: $build/demo-build.log)"
	fi
fi
vfhost=$build/examples/vfhost
vfctl=$build/examples/vfctl
[ -x "$vfhost" ] && [ -x "$vfctl" ] || die "no vfhost or vfctl in $build/examples/"
for t in "${tools[@]}"; do
	command -v "$t" >/dev/null || die "$t is missing (apt-get install ${packages[*]:9})"
done

# ---- the topology -------------------------------------------------------
# The VMs: name, host, cell, subnet, VIP ("dhcp:": the VM asks for it by
# DHCP; the fabric answers with the port's VIP)
vms=(
	"blue1 hv1 blue web 10.1.1.10"
	"blue2 hv1 blue web dhcp:10.1.1.20"
	"blue3 hv1 blue db  10.1.2.10"
	"red1  hv1 red  lan 10.2.1.10"
	"blue4 hv2 blue web 10.1.1.11"
	"blue5 hv2 blue db  10.1.2.11"
	"red2  hv2 red  app 10.2.2.11"
)
declare -A host_mac=([hv1]=02:00:00:00:00:01 [hv2]=02:00:00:00:00:02)
declare -A host_ip=([hv1]=192.0.2.1 [hv2]=192.0.2.2)
declare -A vm_host vm_cell vm_subnet vm_vip
for v in "${vms[@]}"; do
	read -r name h c s ip <<<"$v"
	vm_host[$name]=$h vm_cell[$name]=$c vm_subnet[$name]=$s vm_vip[$name]=${ip#dhcp:}
done
ns() { echo "$tag-$1"; }
in_ns() { local n; n=$(ns "$1"); shift; ip netns exec "$n" "$@"; }
# no IPv6 in a namespace: its multicast chatter would only clutter the
# capture and the counters (through /proc: procps may not be installed)
no_ipv6() {
	in_ns "$1" sh -c 'for c in all default; do
		echo 1 >/proc/sys/net/ipv6/conf/$c/disable_ipv6; done' 2>/dev/null
}

cleanup() {
	local rc=$? p n
	trap - EXIT INT TERM
	[ -n "$capture_pid" ] && kill "$capture_pid" 2>/dev/null
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	# a clean stop leaves gossip gracefully first (a few seconds at most)
	for p in "${pids[@]}"; do
		for _ in $(seq 1 80); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$tag-"); do
		ip netns del "$n" 2>/dev/null
	done
	[ -n "$tmp" ] && rm -rf "$tmp"
	if [ "$started" = 1 ]; then
		echo
		step "cleaned up: vfhost processes stopped, namespaces $tag-* deleted"
	fi
	exit "$rc"
}
started=0
trap cleanup EXIT
trap 'exit 130' INT TERM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfabric-demo.XXXXXX") || die "mktemp failed"
started=1

cat <<EOF

${B}libvfabric demo${N}: two hosts, two cells, seven VMs, all network namespaces
(named $tag-*), removed at the end.

      hv1  192.0.2.1  ${host_mac[hv1]}          hv2  192.0.2.2  ${host_mac[hv2]}
  +------------------------------------+    +------------------------------------+
  | vfhost (one fabric, afpacket)      |    | vfhost (one fabric, afpacket)      |
  |  blue/web 10.1.1.0/24 blue1 .10    |    |  blue/web             blue4 .11    |
  |                       blue2 DHCP   |    |  blue/db  10.1.2.0/24 blue5 .11    |
  |  blue/db  10.1.2.0/24 blue3 .10    |    |  red/app  10.2.2.0/24 red2  .11    |
  |  red/lan  10.2.1.0/24 red1  .10    |    |                                    |
  +---------------- ul0 ---------------+    +---------------- ul0 ---------------+
                     |                                         |
                     +------- br0, the underlay (a bridge) ----+

  Each VM is a namespace whose eth0 is a veth that vfhost created and binds.
  Both hosts have all four subnets and the cells' routers (blue: web+db,
  red: lan+app): the router is distributed, there is no router VM. ARP and
  DHCP are answered by the local host; frames between hosts carry the hosts'
  MACs, not the VMs' (no encapsulation). Cells are isolated by default.
  The hosts find each other by gossip on the underlay (UDP and TCP 7946,
  Serf-compatible), and learn where the other's VMs are from it: neither
  configuration lists the other host's VMs.

EOF

# ---- underlay: a bridge in its own namespace, a veth to each host -------
step "creating the namespaces: hosts, underlay, VMs"
ip netns add "$(ns ul)" || die "cannot create network namespaces"
no_ipv6 ul
# no multicast snooping: the bridge would announce itself (IGMP) on the wire
ip -n "$(ns ul)" link add br0 type bridge mcast_snooping 0
ip -n "$(ns ul)" link set br0 up
for h in hv1 hv2; do
	ip netns add "$(ns $h)" || die "cannot create $(ns $h)"
	no_ipv6 $h
	ip -n "$(ns ul)" link add "$h" type veth peer name ul0 netns "$(ns $h)" ||
		die "cannot create the underlay veth of $h"
	ip -n "$(ns ul)" link set "$h" master br0 up
	ip -n "$(ns $h)" link set ul0 address "${host_mac[$h]}"
	ip -n "$(ns $h)" addr add "${host_ip[$h]}/24" dev ul0
	ip -n "$(ns $h)" link set lo up
	ip -n "$(ns $h)" link set ul0 up
done
for v in "${!vm_host[@]}"; do
	ip netns add "$(ns "$v")" || die "cannot create $(ns "$v")"
	no_ipv6 "$v"
done

# ---- the configuration files ---------------------------------------------
conf() { # HOST
	local h=$1 v other
	cat <<EOF
# vfhost configuration for $h, written by examples/demo.sh
[host]
name = $h
underlay = ul0
ip = ${host_ip[$h]}
threads = 1
log = info

[control]
socket = $tmp/$h.sock

[cell blue]
id = 1
owner = tenant-blue

[cell red]
id = 2
owner = tenant-red

[subnet blue/web]
id = 1
prefix = 10.1.1.0/24
dhcp = on
mtu = 1400
dns = 10.1.1.1

[subnet blue/db]
id = 2
prefix = 10.1.2.0/24

[subnet red/lan]
id = 1
prefix = 10.2.1.0/24

[subnet red/app]
id = 2
prefix = 10.2.2.0/24

[router blue]
subnets = web, db

[router red]
subnets = lan, app
EOF
	for v in blue1 blue2 blue3 red1 blue4 blue5 red2; do
		[ "${vm_host[$v]}" = "$h" ] || continue
		cat <<EOF

[port $v]
cell = ${vm_cell[$v]}
subnet = ${vm_subnet[$v]}
vip = ${vm_vip[$v]}
ifname = vp-$v
create = veth
peer = eth0
netns = $(ns "$v")
EOF
	done
	for other in hv1 hv2; do [ "$other" != "$h" ] && break; done
	cat <<EOF

# The other host and its VMs: by gossip on the underlay, no static list.
[gossip]
bind = ${host_ip[$h]}
seeds = ${host_ip[$other]}
rejoin = 1
leave_timeout = 3000
EOF
}

for h in hv1 hv2; do
	conf $h >"$tmp/$h.conf"
	if ! out=$("$vfhost" -c "$tmp/$h.conf" --check 2>&1); then
		die "the generated configuration is refused: $out"
	fi
done

# ---- the hosts -----------------------------------------------------------
step "starting vfhost on hv1 and hv2 (configurations: $tmp/hv{1,2}.conf)"
declare -A vfhost_pid
for h in hv1 hv2; do
	# ip netns exec execs vfhost: $! is vfhost's PID
	ip netns exec "$(ns $h)" "$vfhost" -c "$tmp/$h.conf" -p "$tmp/$h.pid" \
		</dev/null >/dev/null 2>"$tmp/$h.log" &
	vfhost_pid[$h]=$!
	pids+=($!)
done
for h in hv1 hv2; do
	for _ in $(seq 1 100); do [ -s "$tmp/$h.pid" ] && break; sleep 0.1; done
	if [ ! -s "$tmp/$h.pid" ]; then
		cat "$tmp/$h.log" >&2
		die "vfhost on $h did not start"
	fi
	[ "$(cat "$tmp/$h.pid")" = "${vfhost_pid[$h]}" ] ||
		die "vfhost on $h: its PID file says $(cat "$tmp/$h.pid"), not ${vfhost_pid[$h]}"
	say "    $h: vfhost PID $(cat "$tmp/$h.pid"), control socket $tmp/$h.sock"
done
ctl() { "$vfctl" -t 3000 -s "$tmp/$1.sock" "${@:2}"; }
remote_count() { ctl "$1" locations | grep -o '"local":false' | wc -l; }
# gossip: each host learns the other's VMs (3 on hv2, 4 on hv1)
t0=$(date +%s%N)
for _ in $(seq 1 150); do
	[ "$(remote_count hv1)" -eq 3 ] && [ "$(remote_count hv2)" -eq 4 ] && break
	sleep 0.1
done
learnt_ms=$((($(date +%s%N) - t0) / 1000000))
say "    gossip: hv1 knows $(remote_count hv1) VMs on hv2, hv2 knows $(remote_count hv2) on hv1 (after ${learnt_ms} ms)"

# ---- the VMs' network settings (all but the DHCP one) ---------------------
mtu_of() { [ "${vm_cell[$1]}/${vm_subnet[$1]}" = blue/web ] && echo 1400 || echo 1500; }
gateway_of() { echo "${vm_vip[$1]%.*}.1"; }
for v in "${!vm_host[@]}"; do
	ip -n "$(ns "$v")" link set lo up
	ip -n "$(ns "$v")" link set eth0 up
	[ "$v" = blue2 ] && continue
	ip -n "$(ns "$v")" link set eth0 mtu "$(mtu_of "$v")"
	ip -n "$(ns "$v")" addr add "${vm_vip[$v]}/24" dev eth0
	ip -n "$(ns "$v")" route add default via "$(gateway_of "$v")"
done

# ---- the checks ------------------------------------------------------------
rows=()
npass=0 nfail=0
# row CHECK FROM TO EXPECTED OK(0|1) RESULT
row() {
	if [ "$5" = 0 ]; then
		npass=$((npass + 1)); rows+=("$1|$2|$3|$4|PASS|$6")
	else
		nfail=$((nfail + 1)); rows+=("$1|$2|$3|$4|FAIL|$6")
	fi
	# progress: a dot per check (the table follows)
	if [ "$5" = 0 ]; then printf '.'; else printf '%sx%s' "$R" "$N"; fi
}
where() { echo "$1 ($2)"; }
# ping_check CHECK FROM_VM TO_VM EXPECT(reply|refused) [TTL]
ping_check() {
	local what=$1 from=$2 to=$3 expect=$4 ttl=${5:-} out got ok res
	if [ "$expect" = reply ]; then
		out=$(in_ns "$from" ping -c 3 -i 0.2 -W 2 "${vm_vip[$to]}" 2>&1)
	else
		out=$(in_ns "$from" ping -c 2 -i 0.2 -W 1 "${vm_vip[$to]}" 2>&1)
	fi
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	got=${got:-0}
	local sent; sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
	local seen_ttl; seen_ttl=$(grep -o 'ttl=[0-9]*' <<<"$out" | head -n 1)
	if [ "$expect" = reply ]; then
		ok=1; [ "$got" -ge 1 ] && { [ -z "$ttl" ] || [ "$seen_ttl" = "ttl=$ttl" ]; } && ok=0
		res="$got/${sent:-?} replies${seen_ttl:+, $seen_ttl}"
		expect="reply${ttl:+, ttl=$ttl}"
	else
		ok=1; [ "$got" -eq 0 ] && ok=0
		res="$got/${sent:-?} replies"
		expect="no reply"
	fi
	[ "$verbose" = 1 ] && sed 's/^/        /' <<<"$out"
	row "$what" "$(where "$from" "${vm_host[$from]}")" \
		"$(where "$to" "${vm_host[$to]}") ${vm_vip[$to]}" "$expect" "$ok" "$res"
}
# counter JSON NAME: one number from vfctl counters' JSON
counter() { grep -o "\"$2\":[0-9]*" <<<"$1" | head -n 1 | cut -d: -f2; }

step "capturing the underlay (tcpdump on br0)"
ip netns exec "$(ns ul)" tcpdump -i br0 -nn -e -U -w "$tmp/underlay.pcap" 2>"$tmp/tcpdump.log" &
capture_pid=$!
for _ in $(seq 1 30); do grep -q listening "$tmp/tcpdump.log" 2>/dev/null && break; sleep 0.1; done

printf '%s==>%s checking ' "$B" "$N"
# 1. DHCP: busybox udhcpc in blue2 asks; hv1's fabric answers from the port
cat >"$tmp/udhcpc.sh" <<EOF
#!/bin/sh
# udhcpc's script: applies the lease (address, gateway, MTU), records it
case "\$1" in
bound|renew)
	ip addr flush dev "\$interface"
	ip addr add "\$ip/\$subnet" dev "\$interface"
	[ -n "\$mtu" ] && ip link set "\$interface" mtu "\$mtu"
	[ -n "\$router" ] && ip route replace default via "\$router"
	echo "\$ip \${mask:-\$subnet} \$router \$mtu" > "$tmp/lease"
	;;
esac
exit 0
EOF
chmod +x "$tmp/udhcpc.sh"
in_ns blue2 timeout 15 busybox udhcpc -i eth0 -n -q -f -t 5 -T 1 -s "$tmp/udhcpc.sh" \
	>"$tmp/udhcpc.log" 2>&1
read -r l_ip l_mask l_gw l_mtu <"$tmp/lease" 2>/dev/null || l_ip=
ok=1
case "$l_ip $l_mask $l_gw $l_mtu" in
"10.1.1.20 24 10.1.1.1 1400" | "10.1.1.20 255.255.255.0 10.1.1.1 1400") ok=0 ;;
esac
row "DHCP (busybox udhcpc)" "blue2 (hv1)" "hv1's fabric" \
	"10.1.1.20/24 via .1, mtu 1400" $ok \
	"$( [ -n "$l_ip" ] && echo "$l_ip/$l_mask via $l_gw, mtu $l_mtu" || echo "no lease")"

ping_check "ping, one subnet, one host" blue1 blue2 reply 64
ping_check "ping, routed, one host" blue1 blue3 reply 63
ping_check "ping, one subnet, across hosts" blue1 blue4 reply 64
ping_check "ping, routed, across hosts" blue1 blue5 reply 63
ping_check "ping, routed, across hosts" red2 red1 reply 63
c0=$(ctl hv1 counters blue1); inter0=$(counter "$c0" inter-cell)
ping_check "ping between cells, one host" blue1 red1 refused
ping_check "ping between cells, across hosts" blue3 red2 refused
ping_check "ping between cells, across hosts" red2 blue4 refused

# the counters that prove it
c1=$(ctl hv1 counters blue1)
inter1=$(counter "$c1" inter-cell)
d=$(( ${inter1:-0} - ${inter0:-0} ))
ok=1; [ "$d" -ge 2 ] && ok=0
row "counters: refused, counted" "vfctl hv1" "counters blue1" \
	"inter-cell +2" $ok "inter-cell +$d (total ${inter1:-?})"
c2=$(ctl hv2 counters red2)
inter2=$(counter "$c2" inter-cell)
ok=1; [ "${inter2:-0}" -ge 2 ] && ok=0
row "counters: refused, counted" "vfctl hv2" "counters red2" \
	"inter-cell >= 2" $ok "inter-cell ${inter2:-?}"
c3=$(ctl hv2 counters blue4)
tx=$(counter "$c3" tx_packets); rx=$(counter "$c3" rx_packets)
ok=1; [ "${tx:-0}" -ge 3 ] && [ "${rx:-0}" -ge 3 ] && ok=0
row "counters: delivered, answered" "vfctl hv2" "counters blue4" \
	"tx, rx >= 3" $ok "tx ${tx:-?}, rx ${rx:-?} packets"
ok=1; grep -q 'gossip: member hv2 .* joined' "$tmp/hv1.log" &&
	grep -q 'gossip: member hv1 .* joined' "$tmp/hv2.log" && ok=0
row "gossip: the hosts met" "hv1, hv2" "each other (seeds)" "both log a join" $ok \
	"$(grep -o 'member hv2 ([0-9.:]*) joined' "$tmp/hv1.log" | head -n 1)"
loc=$(ctl hv1 locations)
nloc=$(grep -o '"local":false' <<<"$loc" | wc -l)
ok=1; [ "$nloc" -eq 3 ] && grep -q "\"vip\":\"10.1.1.11\".*\"host_mac\":\"${host_mac[hv2]}\"" <<<"$loc" && ok=0
row "remote locations by gossip" "vfctl hv1" "locations" \
	"3 remote on hv2" $ok "$nloc remote"
loc2=$(ctl hv2 locations)
nloc2=$(grep -o '"local":false' <<<"$loc2" | wc -l)
ok=1; [ "$nloc2" -eq 4 ] && grep -q "\"vip\":\"10.1.1.20\".*\"host_mac\":\"${host_mac[hv1]}\"" <<<"$loc2" && ok=0
row "remote locations by gossip" "vfctl hv2" "locations" \
	"4 remote on hv1" $ok "$nloc2 remote"

# the host's own traffic on the underlay is left alone
out=$(in_ns hv1 ping -c 2 -i 0.2 -W 2 "${host_ip[hv2]}" 2>&1)
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
ok=1; [ "${got:-0}" -ge 1 ] && ok=0
row "host's own traffic passes" "hv1 ${host_ip[hv1]}" "hv2 ${host_ip[hv2]}" \
	"reply" $ok "${got:-0}/2 replies"

# the underlay capture: only the hosts' MACs (and broadcast, for the
# hosts' own ARP)
sleep 0.5
kill "$capture_pid" 2>/dev/null; wait "$capture_pid" 2>/dev/null; capture_pid=
tcpdump -r "$tmp/underlay.pcap" -nn -e 2>/dev/null >"$tmp/underlay.txt"
frames=$(wc -l <"$tmp/underlay.txt")
macs=$(awk '{print $2; sub(",", "", $4); print $4}' "$tmp/underlay.txt" | sort -u)
others=$(grep -vx -e "${host_mac[hv1]}" -e "${host_mac[hv2]}" -e ff:ff:ff:ff:ff:ff <<<"$macs" |
	tr '\n' ' ')
ok=1; [ "$frames" -ge 10 ] && [ -z "$others" ] && ok=0
row "underlay: host MACs only" "tcpdump" "br0" "no VM MAC" $ok \
	"$frames frames${others:+, other MACs: $others}"

# ---- the table -------------------------------------------------------------
echo " done"
echo
printf '%s\n' "${B}Results${N}"
{
	echo "check|from|to|expected|result|"
	echo "-----|----|--|--------|------|"
	printf '%s\n' "${rows[@]}"
} | awk -F'|' -v G="$G" -v R="$R" -v N="$N" '
	{ for (i = 1; i <= 6; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
	END {
		for (r = 1; r <= NR; r++) {
			line = "  "
			for (i = 1; i <= 4; i++) {
				cell = c[r, i]
				if (r == 2) { cell = ""; while (length(cell) < w[i]) cell = cell "-" }
				line = line sprintf("%-" w[i] "s  ", cell)
			}
			res = c[r, 5]
			if (r == 2) { res = ""; while (length(res) < 6) res = res "-" }
			if (res == "PASS") res = G "PASS" N
			else if (res == "FAIL") res = R "FAIL" N
			print line res (c[r, 6] != "" ? "  " c[r, 6] : "")
		}
	}'
echo
say "  ${npass} passed, ${nfail} failed"

# ---- what it looked like ---------------------------------------------------
echo
printf '%s\n' "${B}On the underlay${N} (tcpdump -e on br0, the first routed echo across hosts):"
{
	grep -m 1 '10.1.1.10 > 10.1.2.11: ICMP echo request' "$tmp/underlay.txt"
	grep -m 1 '10.1.2.11 > 10.1.1.10: ICMP echo reply' "$tmp/underlay.txt"
} | sed 's/^[^ ]* //; s/, ethertype IPv4 (0x0800), length [0-9]*: /   /;
	s/, id [0-9]*, seq [0-9]*, length [0-9]*$//; s/^/  /'
say "  ${D}blue1's frame left hv1 from 02:00:00:00:00:01 to 02:00:00:00:00:02: the hosts' MACs;${N}"
say "  ${D}hv2 restored blue5's and the router's virtual MACs on delivery.${N}"
echo
printf '%s\n' "${B}Counters${N} (vfctl counters blue1 on hv1, the non-zero ones):"
grep -o '"[a-z_-]*":[1-9][0-9]*' <<<"$c1" | tr -d '"' | sed 's/:/ /' | paste -sd, - |
	sed 's/,/, /g' | fold -s -w 76 | sed 's/^/  /'
say "  ${D}(drops are counted per reason: 'inter-cell' are the refused echoes above)${N}"

cat <<EOF

${B}Where to look next${N}
  README.md                       the model, the control socket, vfhost's file format
  examples/vfhost/vfhost.conf.example   every configuration key, commented
  $vfctl -s SOCKET list|counters|locations|trace
                                  what a running host has; 'trace' tells a frame's fate
  examples/vmm_callback.c         two fabrics in one process, frames by function call
  examples/libvirt/               a qemu hook: attach a libvirt domain's tap NICs
  tests/run.sh                    every test (unit, integration in namespaces, ABI...)
  sudo VF_DEMO_PAUSE=1 $0
                                  this demo again, paused before it cleans up
  (this demo's VMs are on veths: a tap needs a VMM holding its file descriptor,
  which examples/libvirt/ covers.)
EOF

if [ "${VF_DEMO_PAUSE:-0}" = 1 ] && [ -t 0 ]; then
	cat <<EOF

${B}Paused${N} (VF_DEMO_PAUSE=1): everything is still running. In another shell, e.g.
  ip netns exec $(ns blue1) ping ${vm_vip[blue5]}
  ip netns exec $(ns red1) ping ${vm_vip[blue1]}          # refused
  $vfctl -s $tmp/hv1.sock list
  $vfctl -s $tmp/hv1.sock locations                 # learnt by gossip
  $vfctl -s $tmp/hv2.sock counters blue5
  ip netns exec $(ns ul) tcpdump -i br0 -nn -e
  less $tmp/hv1.conf $tmp/hv1.log
EOF
	read -r -p "Press Enter to clean up. " _
fi
if [ "$nfail" -ne 0 ]; then
	if [ -n "$others" ]; then
		echo
		echo "--- frames on the underlay with other MACs"
		grep -F "$(tr ' ' '\n' <<<"$others" | sed '/^$/d')" "$tmp/underlay.txt" | head -n 10
	fi
	for h in hv1 hv2; do
		echo
		echo "--- vfhost's log on $h"
		tail -n 20 "$tmp/$h.log"
	done
	exit 1
fi
[ "$verbose" = 1 ] && for h in hv1 hv2; do echo "--- vfhost's log on $h"; cat "$tmp/$h.log"; done
exit 0
