#!/usr/bin/env bash
# vfhost and vfctl end to end (ctest example.vfhost_e2e; root: exits 77,
# skipped, otherwise). Everything it makes is named vfe<PID>* and removed at
# the end, also after a failure.
#
#   - two VM namespaces: vfe-a on a veth the test makes (vfhost binds the
#     existing netdev), vfe-b on a veth vfhost creates (create = veth);
#   - vfhost starts from a file, writes its PID file, serves the socket;
#   - vfctl list, counters, locations, trace (an ARP request, passed);
#   - the VMs ping each other through the fabric, counters move;
#   - vfctl attach makes a third VM's veth in vfe-c, which pings; detach
#     removes port and veth; refusals exit 1 with the library's message,
#     usage errors exit 2;
#   - SIGHUP with a malformed, an oversized and a contradictory file:
#     refused, the fabric unchanged; with a good file: a port added, then
#     removed again; a new cell is refused (it takes a restart);
#   - SIGTERM by PID: exit 0, socket and PID file removed, the veth it
#     created deleted. Under valgrind when it is installed and the build
#     has no sanitizer (leaks and errors fail the test).
# Usage: vfhost_e2e.sh VFHOST VFCTL
set -u
vfhost=${1:?vfhost binary}
vfctl=${2:?vfctl binary}

if [ "$(id -u)" -ne 0 ] || ! ip netns add "vfe$$-probe" 2>/dev/null; then
	echo "skipped: needs root and network namespaces"
	exit 77
fi
ip netns del "vfe$$-probe"
# this run's names (runs in other build directories may overlap):
# namespaces $E-a.., netdevs ${E}pa..
E=vfe$$

tmp=$(mktemp -d)
sock=$tmp/ctl.sock
pidf=$tmp/vfhost.pid
conf=$tmp/vfhost.conf
log=$tmp/vfhost.log
pid=
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		sleep 2
		kill -KILL "$pid" 2>/dev/null
	fi
	for ns in $E-a $E-b $E-c; do ip netns del $ns 2>/dev/null; done
	for l in ${E}pa ${E}pb ${E}pc; do ip link del $l 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
cleanup_links() { for ns in $E-a $E-b $E-c; do ip netns del $ns 2>/dev/null; done
	for l in ${E}pa ${E}pb ${E}pc; do ip link del $l 2>/dev/null; done; }
cleanup_links
mkdir -p "$tmp"

ip netns add $E-a && ip netns add $E-b && ip netns add $E-c || exit 1
# vm-a's NIC: a veth made here, its VM end with the port's VMAC
ip link add ${E}pa type veth peer name eth0 netns $E-a || exit 1
ip -n $E-a link set eth0 address 02:01:0a:01:01:0a

cat > "$conf" <<EOF
# vfhost_e2e.sh: one cell, one subnet and its router, two VMs
[host]
name = e2e
threads = 1
cpus = 0
log = info

[control]
socket = $sock

[cell blue]
id = 1

[subnet blue/web]
prefix = 10.1.1.0/24

[router blue]
subnets = web

[port vm-a]
cell = blue
subnet = web
vip = 10.1.1.10
vmac = 02:01:0a:01:01:0a
ifname = ${E}pa

[port vm-b]
cell = blue
subnet = web
vip = 10.1.1.11
ifname = ${E}pb
create = veth
peer = vnic0
netns = $E-b

[locations]
remote = blue web 10.1.1.50 02:01:0a:01:01:32 02:00:00:00:00:02 192.0.2.2
EOF
cp "$conf" "$tmp/good.conf"

runner=()
# valgrind, unless the build has a sanitizer (they do not mix)
if command -v valgrind >/dev/null && ! grep -q '__asan_init\|__ubsan_handle' "$vfhost"; then
	runner=(valgrind -q --error-exitcode=3 --leak-check=full
		--errors-for-leak-kinds=definite --show-leak-kinds=definite)
fi
"${runner[@]}" "$vfhost" -c "$conf" -p "$pidf" 2>"$log" &
pid=$!
for _ in $(seq 1 100); do [ -s "$pidf" ] && break; sleep 0.1; done
check "vfhost wrote its PID file ($pidf)" [ -s "$pidf" ]
if [ ! -s "$pidf" ]; then cat "$log"; exit 1; fi
check "the PID file names the process" [ "$(cat "$pidf")" = "$pid" ]

ctl() { "$vfctl" -s "$sock" "$@"; }
list=$(ctl list)
check "vfctl list shows vm-a and vm-b" grep -q '"name":"vm-a".*"name":"vm-b"' <<<"$list"
check "vm-b is bound to the veth vfhost made" grep -q "\"vm-b\".*\"datapath\":\"afpacket\",\"ifname\":\"${E}pb\"" <<<"$list"
check "vfhost created vm-b's veth, its VM end in $E-b" ip -n $E-b link show vnic0
check "vfctl locations has the static remote 10.1.1.50" grep -q '"vip":"10.1.1.50".*"local":false' <<<"$(ctl locations)"

ip -n $E-a link set lo up; ip -n $E-a link set eth0 up; ip -n $E-a addr add 10.1.1.10/24 dev eth0
ip -n $E-b link set lo up; ip -n $E-b link set vnic0 up; ip -n $E-b addr add 10.1.1.11/24 dev vnic0
check "vm-a pings vm-b through the fabric" ip netns exec $E-a ping -q -c 3 -i 0.2 -W 2 10.1.1.11
check "vm-b pings its gateway" ip netns exec $E-b ping -q -c 2 -i 0.2 -W 2 10.1.1.1
counters=$(ctl counters vm-a)
rx=$(sed -n 's/.*"rx_packets":\([0-9]*\).*/\1/p' <<<"$counters")
check "vfctl counters vm-a: rx_packets $rx >= 3" [ "${rx:-0}" -ge 3 ]
check "vfctl counters (the fabric) answers" grep -q '"host":"e2e"' <<<"$(ctl counters)"

# an ARP request from vm-a for vm-b, as hex
arp=ffffffffffff02010a01010a0806000108000604000102010a01010a0a01010a0000000000000a01010b
tr=$(ctl trace vm-a "$arp")
check "vfctl trace vm-a ARP: passes" grep -q 'verdict: pass' <<<"$tr"
tr=$(ctl trace vm-a "ffffffffffff02010a0101ff08060001080006040001020a0a0a0a0a0a01010a0000000000000a01010b")
check "vfctl trace a spoofed ARP: dropped as spoof-mac" grep -q 'verdict: spoof-mac' <<<"$tr"

out=$(ctl attach blue web vm-c vip=10.1.1.12 ifname=${E}pc create=veth peer=vnic0 netns=$E-c)
check "vfctl attach vm-c (veth into $E-c)" grep -q '"name":"vm-c"' <<<"$out"
ip -n $E-c link set lo up; ip -n $E-c link set vnic0 up; ip -n $E-c addr add 10.1.1.12/24 dev vnic0
check "vm-c pings vm-a" ip netns exec $E-c ping -q -c 2 -i 0.2 -W 2 10.1.1.10
err=$(ctl attach blue web vm-d vip=10.1.1.12 2>&1); rc=$?
check "attach with a taken VIP: exit 1, the library's message ($err)" \
	[ $rc -eq 1 -a -n "$(grep -i 'taken\|in use' <<<"$err")" ]
err=$(ctl attach nocell web vm-d 2>&1); rc=$?
check "attach to a cell that does not exist: exit 1 ($err)" [ $rc -eq 1 ]
ctl attach blue web 2>/dev/null; rc=$?
check "attach without a port name: usage, exit 2" [ $rc -eq 2 ]
ctl trace vm-a zz 2>/dev/null; rc=$?
check "trace with a bad frame: usage, exit 2" [ $rc -eq 2 ]
check "vfctl detach vm-c" ctl detach vm-c
check "vm-c is gone from the list" bash -c "! $(printf %q "$vfctl") -s $(printf %q "$sock") list | grep -q vm-c"
check "its veth is deleted" bash -c "! ip link show ${E}pc 2>/dev/null"
ctl detach vm-c 2>/dev/null; rc=$?
check "detach again: exit 1" [ $rc -eq 1 ]

# SIGHUP: bad files change nothing
before=$(ctl list)
reload() { cp "$1" "$conf"; kill -HUP "$pid"; sleep 0.5; }
printf '[cell blue]\nid = 1\n[subnet blue/web\n' > "$tmp/malformed.conf"
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' '#' | fold -w 80 > "$tmp/oversized.conf"
{ cat "$tmp/good.conf"; printf '[subnet blue/db]\nprefix = 10.1.0.0/16\n'; } > "$tmp/overlap.conf"
{ cat "$tmp/good.conf"; printf '[port vm-z]\ncell = blue\nsubnet = web\nvip = 10.1.1.10\nbind = none\n'; } > "$tmp/dupvip.conf"
for f in malformed oversized overlap dupvip; do
	reload "$tmp/$f.conf"
	check "SIGHUP with a $f file: still running" kill -0 "$pid"
	check "SIGHUP with a $f file: the fabric unchanged" [ "$(ctl list)" = "$before" ]
done
check "the refusals were logged with file and line" grep -q "reload refused, nothing changed: $conf:[0-9]*:" "$log"
{ cat "$tmp/good.conf"; printf '[port vm-e]\ncell = blue\nsubnet = web\nvip = 10.1.1.20\nbind = none\n'; } > "$tmp/more.conf"
reload "$tmp/more.conf"
check "SIGHUP with a good file: port vm-e added" grep -q '"name":"vm-e"' <<<"$(ctl list)"
check "and the others kept their bindings" grep -q "\"vm-b\".*\"ifname\":\"${E}pb\"" <<<"$(ctl list)"
check "vm-a still pings vm-b" ip netns exec $E-a ping -q -c 1 -W 2 10.1.1.11
reload "$tmp/good.conf"
check "SIGHUP without vm-e: vm-e removed" bash -c "! $(printf %q "$vfctl") -s $(printf %q "$sock") list | grep -q vm-e"
{ cat "$tmp/good.conf"; printf '[cell red]\nid = 2\n'; } > "$tmp/newcell.conf"
reload "$tmp/newcell.conf"
check "SIGHUP with a new cell: refused (a restart applies it)" grep -q "\[cell red\] is new: a restart applies it" "$log"
check "and nothing changed" bash -c "! $(printf %q "$vfctl") -s $(printf %q "$sock") list | grep -q red"

kill -TERM "$(cat "$pidf")"
wait "$pid"; rc=$?
pid=
check "SIGTERM: vfhost exits 0${runner:+ (valgrind clean)}" [ $rc -eq 0 ]
check "the socket is removed" [ ! -e "$sock" ]
check "the PID file is removed" [ ! -e "$pidf" ]
check "the veth vfhost created is deleted" bash -c "! ip link show ${E}pb 2>/dev/null"
check "the veth it did not create is left" ip link show ${E}pa
if [ $fail -ne 0 ]; then echo "--- vfhost's log"; cat "$log"; fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
