#!/usr/bin/env bash
# Both kernels boot under QEMU (2 emulated nodes x 2 vCPUs), hwloc inside sees
# both nodes, patched really runs the frozen-bit encoding and base does not,
# and the pread workload leaves records labelled base and patched.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] || skip "$FOLIO_LAB_BUILD/static/folio-lab missing (./run.sh build)"
out="$TEST_TMP/out"
for label in base patched; do
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
	check_probe "$raw/refprobe.txt" "$label"
	ok "$label booted; 2 NUMA nodes; refcount encoding as expected"
done
for label in base patched; do
	n=$(grep -Ec "\"kernel\" *: *\"$label\"" "$out/samples.jsonl" || true)
	[ "$n" -ge 2 ] || fail "expected >= 2 pread records labelled $label in $out/samples.jsonl, got $n"
	grep -E "\"kernel\" *: *\"$label\"" "$out/samples.jsonl" | grep -Eq '"where" *: *"guest"' || fail "$label records not marked where=guest"
	ok "$n records labelled $label"
done
