#!/usr/bin/env bash
# libvirt's qemu hook (examples/libvirt/qemu_hook.c) with the domain XML
# files of examples/libvirt/tests/, as libvirt dumps them.
#
#   libvirt_hook.sh xml HOOK SOURCE_DIR
#       ctest example.libvirt_hook_xml, no root: with -n (dry run) the
#       hook picks exactly the ethernet interfaces the metadata names and
#       leaves the network, bridge and direct ones and an unnamed ethernet
#       one alone; other operations do nothing; malformed, oversized,
#       DTD-carrying or non-domain XML is refused with its line.
#   libvirt_hook.sh live HOOK SOURCE_DIR VFHOST VFCTL
#       ctest example.libvirt_hook (root, 77 otherwise): against a running
#       vfhost, "started begin" attaches web1's and db1's interfaces to
#       the taps (checked with vfctl list), a second "started" and
#       "reconnect" change nothing, "stopped end" detaches them and
#       "release end" after it is a no-op.
set -u
mode=${1:?xml or live}
hook=${2:?hook binary}
src=${3:?source dir}
xmls=$src/examples/libvirt/tests
tmp=$(mktemp -d)
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
}

if [ "$mode" = xml ]; then
	trap 'rm -rf "$tmp"' EXIT
	out=$("$hook" -n web1 started begin - <"$xmls/web1.xml")
	[ $? -eq 0 ] && [ "$(grep -c '^attach' <<<"$out")" -eq 1 ] &&
		grep -q '^attach web1-eth0: cell blue subnet web tap vfl-web1a vmac 52:54:00:6b:3c:58 vip 10.1.1.10$' <<<"$out" &&
		grep -q "interface type 'network': not ours" <<<"$out" &&
		ok "web1: its ethernet interface, not the network one" || bad "web1: $out"
	out=$("$hook" -n db1 started begin - <"$xmls/db1.xml")
	[ $? -eq 0 ] && [ "$(grep -c '^attach' <<<"$out")" -eq 2 ] &&
		grep -q '^attach db1-eth0: cell blue subnet db tap vfl-db1a vmac 52:54:00:10:20:30 vip 10.1.2.20$' <<<"$out" &&
		grep -q '^attach vfl-db1b: cell blue subnet web tap vfl-db1b vmac 52:54:00:10:20:31 vip (first free)$' <<<"$out" &&
		grep -q "52:54:00:ee:ee:02: not in the metadata, not ours" <<<"$out" &&
		grep -q "type 'bridge': not ours" <<<"$out" && grep -q "type 'direct': not ours" <<<"$out" &&
		ok "db1: two of its five interfaces; the port name defaults to the tap" || bad "db1: $out"
	out=$("$hook" -n db1 stopped end - <"$xmls/db1.xml")
	[ $? -eq 0 ] && [ "$(grep -c '^detach' <<<"$out")" -eq 2 ] && grep -q '^detach db1-eth0$' <<<"$out" &&
		ok "db1 stopped: both detached" || bad "db1 stopped: $out"
	out=$("$hook" -n plain started begin - <"$xmls/plain.xml")
	[ $? -eq 0 ] && ! grep -q '^attach' <<<"$out" && ok "plain: nothing of ours" || bad "plain: $out"
	for op in "prepare begin" "start begin" "stopped begin" "migrate begin" "restore begin"; do
		# shellcheck disable=SC2086
		out=$("$hook" -n db1 $op - <"$xmls/db1.xml")
		[ $? -eq 0 ] && [ -z "$out" ] && ok "$op: nothing" || bad "$op: $out"
	done

	refused() { # NAME EXPECTED: the hook fails with EXPECTED on stderr
		local err
		err=$("$hook" -n x started begin - <"$tmp/$1" 2>&1 >/dev/null)
		[ $? -eq 1 ] && [[ "$err" == *"$2"* ]] && ok "$1: $err" || bad "$1: wanted '$2', got '$err'"
	}
	cp "$xmls/broken.xml" "$tmp/broken.xml"
	refused broken.xml "line 7: </devices> closes <interface> (line 4)"
	printf '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY a "aaaa">]>\n<domain/>\n' >"$tmp/dtd.xml"
	refused dtd.xml "line 2: a DOCTYPE is not accepted"
	printf "<domain>\n<name a='&bogus;'/></domain>\n" >"$tmp/entity.xml"
	refused entity.xml "line 2: an unknown or malformed entity"
	printf '<network><name>default</name></network>\n' >"$tmp/network.xml"
	refused network.xml "the XML is a <network>, not a <domain>"
	printf '<domain/>\n<domain/>\n' >"$tmp/two.xml"
	refused two.xml "line 2: content after the root element"
	{ printf '<domain>'; for _ in $(seq 70); do printf '<a>'; done; } >"$tmp/deep.xml"
	refused deep.xml "elements nest deeper than 64"
	{ printf '<domain>'; head -c $((1024 * 1024)) /dev/zero | tr '\0' ' '; printf '</domain>'; } >"$tmp/big.xml"
	refused big.xml "larger than 1048576 bytes"
	printf "<domain><devices><interface type='ethernet'><target dev='x'/></interface></devices></domain>" >"$tmp/nomac.xml"
	refused nomac.xml "an ethernet interface without a MAC"
	printf '<domain><metadata><vf:ports xmlns:vf="urn:x-libvfabric:libvirt:1"><vf:port mac="52:54:00:00:00:01" subnet="web"/></vf:ports></metadata><devices><interface type="ethernet"><mac address="52:54:00:00:00:01"/><target dev="t0"/></interface></devices></domain>' >"$tmp/nocell.xml"
	refused nocell.xml "needs cell and subnet"
	# another namespace's <ports> is not ours
	sed 's/urn:x-libvfabric:libvirt:1/urn:example:other/' "$xmls/web1.xml" >"$tmp/otherns.xml"
	out=$("$hook" -n web1 started begin - <"$tmp/otherns.xml")
	[ $? -eq 0 ] && ! grep -q '^attach' <<<"$out" && ok "metadata in another namespace: not ours" || bad "otherns: $out"
	"$hook" web1 started </dev/null 2>/dev/null
	[ $? -eq 2 ] && ok "too few arguments: exit 2" || bad "too few arguments: wanted exit 2"
	finish
	exit
fi

vfhost=${4:?vfhost binary}
vfctl=${5:?vfctl binary}
if [ "$(id -u)" -ne 0 ] || ! ip tuntap add dev vfl-probe mode tap 2>/dev/null; then
	echo "skipped: needs root (taps)"
	exit 77
fi
ip link del vfl-probe
pid=
taps="vfl-web1a vfl-db1a vfl-db1b tap-backup"
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid"
	for t in $taps; do ip link del "$t" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
for t in $taps; do ip link del "$t" 2>/dev/null; ip tuntap add dev "$t" mode tap || exit 1; done
sock=$tmp/ctl.sock
cat >"$tmp/vfhost.conf" <<EOF
[host]
name = hv-libvirt
[control]
socket = $sock
[cell blue]
id = 1
[subnet blue/web]
prefix = 10.1.1.0/24
[subnet blue/db]
prefix = 10.1.2.0/24
[router blue]
subnets = web, db
EOF
"$vfhost" -c "$tmp/vfhost.conf" -p "$tmp/pid" 2>"$tmp/log" &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/pid" ] && break; sleep 0.1; done
[ -s "$tmp/pid" ] || { cat "$tmp/log"; exit 1; }
export VFABRIC_SOCKET=$sock
list() { "$vfctl" list; }

"$hook" web1 started begin - <"$xmls/web1.xml" && ok "web1 started: hook exit 0" || bad "web1 started"
"$hook" db1 started begin - <"$xmls/db1.xml" && ok "db1 started: hook exit 0" || bad "db1 started"
l=$(list)
grep -q '"name":"web1-eth0","cell":"blue","subnet":"web","vip":"10.1.1.10","vmac":"52:54:00:6b:3c:58".*"datapath":"afpacket","ifname":"vfl-web1a"' <<<"$l" &&
	ok "web1-eth0 attached on vfl-web1a with the guest's MAC" || bad "web1-eth0: $l"
grep -q '"name":"db1-eth0","cell":"blue","subnet":"db","vip":"10.1.2.20"' <<<"$l" &&
	grep -q '"name":"vfl-db1b","cell":"blue","subnet":"web"' <<<"$l" &&
	ok "db1's two ports attached" || bad "db1: $l"
! grep -q 'tap-backup\|52:54:00:ee' <<<"$l" && ok "the interfaces not ours are not attached" || bad "not ours: $l"
"$hook" db1 started begin - <"$xmls/db1.xml" 2>/dev/null && "$hook" db1 reconnect begin - <"$xmls/db1.xml" 2>/dev/null &&
	[ "$(list)" = "$l" ] && ok "started again, reconnect: exit 0, nothing changed" || bad "again"
"$hook" db1 stopped end - <"$xmls/db1.xml" && ok "db1 stopped: hook exit 0" || bad "db1 stopped"
l=$(list)
! grep -q 'db1-eth0\|vfl-db1b' <<<"$l" && grep -q web1-eth0 <<<"$l" &&
	ok "db1's ports detached, web1's kept" || bad "after db1 stopped: $l"
"$hook" db1 release end - <"$xmls/db1.xml" && ok "db1 release after stopped: exit 0" || bad "db1 release"
"$hook" web1 release end - <"$xmls/web1.xml" && ok "web1 release: hook exit 0" || bad "web1 release"
! grep -q '"name":"web1-eth0"' <<<"$(list)" && ok "web1-eth0 detached" || bad "web1 still there"
ip link show vfl-web1a >/dev/null 2>&1 && ok "the taps (libvirt's) are left" || bad "a tap was deleted"
VFABRIC_SOCKET=$tmp/nothing.sock "$hook" web1 started begin - <"$xmls/web1.xml" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'nothing.sock' "$tmp/err" && ok "no vfhost: exit 1 ($(cat "$tmp/err"))" || bad "no vfhost"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
[ $rc -eq 0 ] && ok "vfhost stopped" || bad "vfhost exit $rc"
finish
