#!/usr/bin/env bash
# THP splits in every lab kernel (issue 21): base, patched and patched-cas-put
# each split anonymous THPs (debugfs split_huge_pages) and a huge tmpfs file
# (truncated into its THP), then pread(fd, buf, 64, 0) at offset 0: the
# split heads must still count their references and the pread must return.
# Before the port re-armed the head with folio_ref_unfreeze(), the patched
# kernels left it frozen: the pread livelocked (an RCU stall, which now
# fails the guest at once) and kpagecount read 0.
# usage: guest-thp-split.sh CHECKER (the static tests/thp_split_check)
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
checker=${1:?usage: guest-thp-split.sh CHECKER}
[ -x "$checker" ] || fail "$checker missing"
cat >"$TEST_TMP/suite.sh" <<'SUITE'
#!/bin/sh
mount -t debugfs none /sys/kernel/debug
mkdir -p /mnt/huge
mount -t tmpfs -o huge=always,size=64m none /mnt/huge
echo always >/sys/kernel/mm/transparent_hugepage/enabled
grep -E '^thp_(split_page|fault_alloc) ' /proc/vmstat >"$OUT/vmstat-before.txt"
thp_split_check anon >"$OUT/anon.txt" 2>&1
echo "rc=$?" >>"$OUT/anon.txt"
thp_split_check file /mnt/huge >"$OUT/file.txt" 2>&1
echo "rc=$?" >>"$OUT/file.txt"
grep -E '^thp_(split_page|fault_alloc) ' /proc/vmstat >"$OUT/vmstat-after.txt"
SUITE
args=()
for l in base patched patched-cas-put; do
	tree=$(kernel_tree "$l") || fail "no $l kernel"
	args+=(--kernel "$l=$tree")
done
out=$TEST_TMP/o
"$LAB_ROOT/guest/run.sh" --bare --accel tcg --timeout 600 "${args[@]}" --add "$checker" \
	--script "$TEST_TMP/suite.sh" --out "$out" || fail "a guest failed (above; consoles in $out)"
for l in base patched patched-cas-put; do
	for c in anon file; do
		f=$out/raw-$l/$c.txt
		[ -f "$f" ] || fail "$l: no $c result"
		sed "s/^/$l $c: /" "$f"
		grep -qx 'rc=0' "$f" || fail "$l: the $c split check failed: $(grep -v '^rc=' "$f" | tr '\n' ' ')"
	done
	before=$(sed -n 's/^thp_split_page //p' "$out/raw-$l/vmstat-before.txt")
	after=$(sed -n 's/^thp_split_page //p' "$out/raw-$l/vmstat-after.txt")
	[ -n "$before" ] && [ -n "$after" ] || fail "$l: no thp_split_page in /proc/vmstat (VM_EVENT_COUNTERS?)"
	[ "$after" -gt "$before" ] || fail "$l: thp_split_page did not grow ($before -> $after): nothing was split"
	echo "$l: thp_split_page $before -> $after"
done
ok "THP splits (anonymous, page cache) counted and pread returned in base, patched and patched-cas-put"
