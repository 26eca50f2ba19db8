#!/usr/bin/env bash
# Every lab kernel (base, patched, patched-cas-put: `kernels/build.sh --list`)
# boots under QEMU (2 emulated nodes x 2 vCPUs), hwloc inside sees both
# nodes, the refcount encoding is each kernel's (raw 0 on base; v5's frozen
# bit, with a failed get's junk left on the word, on both patched kernels),
# and the pread workload leaves records labelled with each kernel.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] || skip "$FOLIO_LAB_BUILD/static/folio-lab missing (./run.sh build)"
mapfile -t labels < <("$LAB_ROOT/kernels/build.sh" --list | cut -f1)
[ ${#labels[@]} -ge 3 ] || fail "kernels/build.sh --list gave ${labels[*]}; want base, patched, patched-cas-put"

# check_encoding FILE LABEL: the probe's raw refcount words for LABEL's
# scheme. v5 (both patched kernels): frozen is 0x80000000, a failed get
# leaves its increment (0x80000001, erased by the unfreeze), the final put
# leaves FROZEN. A single thread cannot tell the two puts apart; the
# page_ref.h checks of guest-kernels do.
check_encoding() {
	local f=$1 label=$2 line
	line=$(cat "$f") || fail "no probe output $f"
	echo "probe ($label): $line"
	case "$label" in
	base) check_probe "$f" base ;;
	*)
		grep -Eq 'live=0x1 frozen=0x80000000 count_frozen=0 try_get=0 after_try_get=0x80000001 after_final_put=0x80000000$' "$f" ||
			fail "$label should freeze to 0x80000000, keep a failed get's junk (0x80000001) and freeze on the final put: $line" ;;
	esac
}

out="$TEST_TMP/out"
for label in "${labels[@]}"; do
	tree=$(kernel_tree "$label") || fail "no $label kernel"
	ko=$(probe_ko "$tree") || fail "refprobe build against $label failed"
	"$LAB_ROOT/guest/run.sh" --kernel "$label=$tree" --accel tcg --timeout 600 \
		--add "$ko" --script "$LAB_ROOT/tests/guest-suite-smoke.sh" --out "$out" ||
		fail "guest run of $label failed"
	raw="$out/raw-$label"
	[ "$(cat "$raw/nodes.txt")" = 2 ] || fail "$label: guest sysfs shows $(cat "$raw/nodes.txt") NUMA nodes, want 2"
	grep -q '^topology:.*' "$raw/plan.txt" || fail "$label: no plan output"
	# node:1 with 2 workers: both on node 1 (PUs 2 and 3).
	awk '$1 ~ /^[0-9]+$/ { n++; if ($4 != 1) bad = 1 } END { exit !(n == 2 && !bad) }' "$raw/plan.txt" ||
		fail "$label: hwloc plan for node:1 is not two workers on node 1: $(cat "$raw/plan.txt")"
	check_encoding "$raw/refprobe.txt" "$label"
	ok "$label booted; 2 NUMA nodes; refcount encoding as expected"
done
for label in "${labels[@]}"; do
	n=$(grep -Ec "\"kernel\" *: *\"$label\"" "$out/samples.jsonl" || true)
	[ "$n" -ge 2 ] || fail "expected >= 2 pread records labelled $label in $out/samples.jsonl, got $n"
	grep -E "\"kernel\" *: *\"$label\"" "$out/samples.jsonl" | grep -Eq '"where" *: *"guest"' || fail "$label records not marked where=guest"
	ok "$n records labelled $label"
done
