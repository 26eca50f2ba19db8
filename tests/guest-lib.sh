#!/usr/bin/env bash
# Shared helpers of the guest tests (sourced). Exit 77 = skipped.
set -euo pipefail
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FOLIO_LAB_BUILD=${FOLIO_LAB_BUILD:-$LAB_ROOT/build}
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/folio-lab-test.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
skip() {
	printf 'SKIP: %s\n' "$*" >&2
	exit 77
}
ok() { printf 'ok: %s\n' "$*"; }

need_guest_tools() {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
	[ -x /bin/busybox ] || skip "busybox-static not installed"
	[ -r /usr/src/linux-source-6.12.tar.xz ] || skip "linux-source-6.12 not installed"
}

# kernel_tree LABEL [FLAVOUR]: the cached tree (builds it if missing).
kernel_tree() {
	"$LAB_ROOT/kernels/build.sh" --flavour "${2:-normal}" "$1" | sed -n "s/^$1=//p"
}

# probe_ko TREE: refprobe.ko built against TREE, path on stdout.
probe_ko() {
	"$LAB_ROOT/guest/probe/build.sh" "$1" "$TEST_TMP/probe-$(basename "$1")"
}

# A suite (busybox sh) that loads /lab/bin/refprobe.ko and saves its line.
write_probe_suite() {
	cat >"$1" <<'SUITE'
#!/bin/sh
set -e
insmod /lab/bin/refprobe.ko
dmesg | grep 'folio-lab-refprobe:' >"$OUT/refprobe.txt"
ls -d /sys/devices/system/node/node[0-9]* | wc -l >"$OUT/nodes.txt"
SUITE
}

# check_probe FILE base|patched|patched-cas-put: the raw refcount words
# match the scheme. patched (v5): frozen is 0x80000000 and a failed get
# leaves its increment there (0x80000001) until the unfreeze; the final put
# ends at FROZEN. patched-cas-put shows the same words (a single thread
# cannot tell the two puts apart) and headers defining PAGEREF_CAS_PUT.
check_probe() {
	local f=$1 want=$2 line
	local frozen_bit='live=0x1 frozen=0x80000000 count_frozen=0 try_get=0 after_try_get=0x80000001 after_final_put=0x80000000'
	line=$(cat "$f") || fail "no probe output $f"
	echo "probe ($want): $line"
	case "$want" in
	base)
		grep -Eq 'live=0x1 frozen=(0|0x0) count_frozen=0 try_get=0 after_try_get=(0|0x0) after_final_put=(0|0x0) cas_put=0$' "$f" ||
			fail "base kernel should freeze to raw 0: $line" ;;
	patched)
		grep -Eq "$frozen_bit cas_put=0\$" "$f" ||
			fail "patched kernel should freeze to raw 0x80000000, leave a failed get's junk (0x80000001) and freeze on the final put: $line" ;;
	patched-cas-put)
		grep -Eq "$frozen_bit cas_put=1\$" "$f" ||
			fail "patched-cas-put kernel should behave as patched and define PAGEREF_CAS_PUT: $line" ;;
	*) fail "check_probe: unknown kernel '$want' (base, patched, patched-cas-put)" ;;
	esac
}
