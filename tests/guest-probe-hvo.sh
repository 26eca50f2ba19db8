#!/usr/bin/env bash
# The refprobe tells each kernel's scheme by behaviour with HugeTLB vmemmap
# optimisation (HVO) active too (issue 21): HVO's static key turns on once a
# HugeTLB folio is optimised, and the port's getter must then still leave a
# failed get's junk on an ordinary frozen page (only tail struct pages, which
# HVO may map read-only, are read before the add). Before the fix every
# page was read first once the key was on, and patched read as the RFC's
# undo (after_try_get 0x80000000).
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
cat >"$TEST_TMP/suite.sh" <<'SUITE'
#!/bin/sh
echo 1 >/proc/sys/vm/hugetlb_optimize_vmemmap
echo 8 >/proc/sys/vm/nr_hugepages
cat /proc/sys/vm/hugetlb_optimize_vmemmap >"$OUT/hvo.txt"
cat /proc/sys/vm/nr_hugepages >"$OUT/hugepages.txt"
insmod /lab/bin/refprobe.ko
dmesg | grep 'folio-lab-refprobe:' >"$OUT/refprobe.txt"
SUITE
for label in base patched patched-cas-put; do
	tree=$(kernel_tree "$label") || fail "no $label kernel"
	ko=$(probe_ko "$tree") || fail "refprobe build against $label failed"
	"$LAB_ROOT/guest/run.sh" --bare --kernel "$label=$tree" --accel tcg --timeout 600 \
		--add "$ko" --script "$TEST_TMP/suite.sh" --out "$TEST_TMP/out" ||
		fail "guest run of $label failed"
	raw=$TEST_TMP/out/raw-$label
	[ "$(cat "$raw/hvo.txt")" = 1 ] || fail "$label: vm.hugetlb_optimize_vmemmap is not on"
	[ "$(cat "$raw/hugepages.txt")" -ge 1 ] || fail "$label: no HugeTLB page could be allocated"
	check_probe "$raw/refprobe.txt" "$label"
	ok "$label with HVO active ($(cat "$raw/hugepages.txt") HugeTLB pages): refcount encoding as expected"
done
