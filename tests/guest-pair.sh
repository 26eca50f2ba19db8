#!/usr/bin/env bash
# Every lab kernel (base, patched, patched-cas-put: `kernels/build.sh --list`)
# boots under QEMU (2 emulated nodes x 2 vCPUs), hwloc inside sees both
# nodes, the refcount encoding is each kernel's (raw 0 on base; v5's frozen
# bit, with a failed get's junk left on the word, on both patched kernels,
# and PAGEREF_CAS_PUT seen by the probe built against patched-cas-put), and
# the pread workload leaves records labelled with each kernel.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] || skip "$FOLIO_LAB_BUILD/static/folio-lab missing (./run.sh build)"
mapfile -t labels < <("$LAB_ROOT/kernels/build.sh" --list | cut -f1)
[ ${#labels[@]} -ge 3 ] || fail "kernels/build.sh --list gave ${labels[*]}; want base, patched, patched-cas-put"

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
	check_probe "$raw/refprobe.txt" "$label"
	ok "$label booted; 2 NUMA nodes; refcount encoding as expected"
done
for label in "${labels[@]}"; do
	n=$(grep -Ec "\"kernel\" *: *\"$label\"" "$out/samples.jsonl" || true)
	[ "$n" -ge 2 ] || fail "expected >= 2 pread records labelled $label in $out/samples.jsonl, got $n"
	grep -E "\"kernel\" *: *\"$label\"" "$out/samples.jsonl" | grep -Eq '"where" *: *"guest"' || fail "$label records not marked where=guest"
	ok "$n records labelled $label"
done
