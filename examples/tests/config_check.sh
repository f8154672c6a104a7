#!/usr/bin/env bash
# vfhost's configuration parser, through `vfhost --check` (ctest
# example.vfhost_config, no root needed):
#   - every file in examples/tests/config/ is refused with exit 1 and the
#     error its first line names ("# expect: :LINE: message"), prefixed
#     with the file's name;
#   - the sample configurations (vfhost.conf.example, the e2e and libvirt
#     tests' files) pass;
#   - a file over 1 MiB, a missing file and a directory are refused;
#   - usage errors exit 2.
# Usage: config_check.sh VFHOST SOURCE_DIR
set -u
vfhost=${1:?vfhost binary}
src=${2:?source dir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# refused FILE EXPECTED: exit 1 and EXPECTED in the message
refused() {
	local out rc
	out=$("$vfhost" -c "$1" --check 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [[ "$out" == *"$2"* ]]; then
		ok "$(basename "$1"): $out"
	else
		bad "$(basename "$1"): exit $rc, wanted 1 and '$2', got: $out"
	fi
}

for f in "$src"/examples/tests/config/*.conf; do
	want=$(head -n 1 "$f" | sed -n 's/^# expect: //p')
	refused "$f" "$f$want"
done

for f in "$src"/examples/vfhost/vfhost.conf.example "$src"/examples/tests/*.conf; do
	[ -e "$f" ] || continue
	if out=$("$vfhost" -c "$f" --check 2>&1); then
		ok "$(basename "$f") is good: $out"
	else
		bad "$(basename "$f") refused: $out"
	fi
done

# 1 MiB and one byte of comments
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' | fold -w 100 > "$tmp/big.conf"
refused "$tmp/big.conf" "big.conf: the file is larger than 1048576 bytes"
refused "$tmp/missing.conf" "missing.conf: No such file or directory"
refused "$tmp" "not a regular file"

"$vfhost" --check >/dev/null 2>&1
[ $? -eq 2 ] && ok "no -c: usage error, exit 2" || bad "no -c: wanted exit 2"
"$vfhost" -c "$src/examples/vfhost/vfhost.conf.example" extra >/dev/null 2>&1
[ $? -eq 2 ] && ok "an extra argument: exit 2" || bad "an extra argument: wanted exit 2"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
