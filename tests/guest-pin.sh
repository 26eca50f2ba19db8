#!/usr/bin/env bash
# One pinned TCG boot (guest/run.sh --pin --accel tcg, one thread per vCPU):
# 2 vCPUs on this machine's 2 PUs, 2 guest nodes (on one host node). The
# pins are read back before the suite and land in meta.json next to the
# harness's own provenance: vcpu_pins[i].affinity is exactly [host_pu], each
# PU once; the guest sees the planned shape (2 CPUs, 2 nodes, distance 11)
# and its pread records come back. A 1-vCPU guest (--bare) leaves PU 1 to
# QEMU's other threads, read back too. Then a pin that does not take (fault
# injected in guest/qmp.py) fails the run before the guest ever runs. Under
# KVM (working here or not) the pin is on by default.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
command -v jq >/dev/null || skip "jq missing"
command -v python3 >/dev/null || skip "python3 missing"
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] || skip "$FOLIO_LAB_BUILD/static/folio-lab missing (./run.sh build)"
[ -x "$FOLIO_LAB_BUILD/folio-lab-vmplan" ] || skip "$FOLIO_LAB_BUILD/folio-lab-vmplan missing (./run.sh build)"
npus=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
[ "$npus" -ge 2 ] || skip "pinning 2 vCPUs needs 2 host PUs; this process may use $npus"
tree=$(kernel_tree base) || fail "no base kernel"

cat >"$TEST_TMP/suite.sh" <<'SUITE'
#!/bin/sh
set -e
nproc >"$OUT/nproc.txt"
ls -d /sys/devices/system/node/node[0-9]* | wc -l >"$OUT/nodes.txt"
cat /sys/devices/system/node/node0/distance >"$OUT/distance.txt"
folio-lab bench --quiet --out "$OUT" --workload pread --workers 1,2 \
	--duration 0.2 --warmup 0.05 --reps 1 >/dev/null
SUITE

out="$TEST_TMP/out"
t0=$(date +%s)
# nosmt: on a host with SMT, two guest nodes cannot split one core's threads.
"$LAB_ROOT/guest/run.sh" --kernel "base=$tree" --accel tcg --pin --smp 2 --nodes 2 --mem 512 \
	--placement nosmt --timeout 600 --no-module --script "$TEST_TMP/suite.sh" --out "$out" 2>&1 |
	tee "$TEST_TMP/log" || fail "pinned guest run failed"
ok "pinned TCG boot and suite in $(($(date +%s) - t0))s"
grep -q 'vCPUs pinned' "$TEST_TMP/log" || fail "no 'vCPUs pinned' line in the log"

meta="$out/meta.json"
[ -f "$meta" ] || fail "no $meta"
jq -e '.kernels.base.kernel_release' "$meta" >/dev/null ||
	fail "meta.json lost the harness's provenance for base: $(jq -c .kernels.base "$meta")"
jq -e '.kernels.base.vcpu_pins | length == 2' "$meta" >/dev/null ||
	fail "meta.json: want 2 vcpu_pins, got $(jq -c .kernels.base.vcpu_pins "$meta")"
# Every vCPU read back on exactly its planned PU; PUs distinct; vCPUs 0 and 1.
jq -e '.kernels.base.vcpu_pins | all(.affinity == [.host_pu])
	and (map(.host_pu) | unique | length == 2)
	and (map(.vcpu) == [0, 1])
	and (map(.guest_node) == [0, 1]) and all(.host_node == 0)' "$meta" >/dev/null ||
	fail "vcpu_pins do not match their plan: $(jq -c .kernels.base.vcpu_pins "$meta")"
ok "vcpu_pins: $(jq -c '[.kernels.base.vcpu_pins[] | {vcpu, host_pu, affinity}]' "$meta")"
jq -e '.kernels.base.vcpu_plan | .nodes == 2 and .sockets * .cores * .threads == 2
	and (.qemu | index("-smp") != null)' "$meta" >/dev/null ||
	fail "meta.json vcpu_plan: $(jq -c .kernels.base.vcpu_plan "$meta")"
jq -e '.kernels.base.qemu_threads.note | length > 0' "$meta" >/dev/null ||
	fail "meta.json qemu_threads has no note"
ok "QEMU's other threads: $(jq -r .kernels.base.qemu_threads.note "$meta")"

raw="$out/raw-base"
[ "$(cat "$raw/nproc.txt")" = 2 ] || fail "guest sees $(cat "$raw/nproc.txt") CPUs, want 2"
[ "$(cat "$raw/nodes.txt")" = 2 ] || fail "guest sees $(cat "$raw/nodes.txt") NUMA nodes, want 2"
[ "$(cat "$raw/distance.txt")" = "10 11" ] ||
	fail "guest node 0 distances '$(cat "$raw/distance.txt")', want '10 11' (two guest nodes of one host node)"
n=$(grep -Ec '"kernel" *: *"base"' "$out/samples.jsonl" || true)
[ "$n" -ge 2 ] || fail "want >= 2 pread records from the pinned guest, got $n"
ok "guest: 2 CPUs, 2 nodes, distances 10 11, $n records"

# One vCPU on PU 0 (--bare, an empty suite): QEMU's other threads get the PUs left.
printf '#!/bin/sh\ntrue\n' >"$TEST_TMP/true.sh"
t0=$(date +%s)
"$LAB_ROOT/guest/run.sh" --kernel "base=$tree" --accel tcg --pin --smp 1 --mem 256 \
	--timeout 300 --bare --script "$TEST_TMP/true.sh" --out "$TEST_TMP/out1" >"$TEST_TMP/log1" 2>&1 ||
	fail "pinned 1-vCPU guest failed: $(tail -n 5 "$TEST_TMP/log1")"
m1="$TEST_TMP/out1/meta.json"
rest=$(python3 -c 'import os; print(sorted(os.sched_getaffinity(0) - {0}))')
jq -e --argjson rest "$rest" '.kernels.base | (.vcpu_pins | length == 1 and .[0].affinity == [0])
	and .qemu_threads.affinity == $rest and (.qemu_threads.read_back | all(. == $rest))' \
	"$m1" >/dev/null ||
	fail "1 vCPU: want it on [0] and QEMU's other threads on $rest: $(jq -c .kernels.base "$m1")"
ok "1 vCPU on PU 0, QEMU's other threads on $rest ($(($(date +%s) - t0))s)"

# Under KVM the pin is the default: the boot line says so (whether KVM then
# works on this machine or not), and a default pin that cannot be planned
# leaves the vCPUs floating with a warning instead of refusing the run.
"$LAB_ROOT/guest/run.sh" --kernel "base=$tree" --accel kvm --smp 2 --nodes 1 --mem 256 \
	--timeout 120 --bare --script "$TEST_TMP/true.sh" --out "$TEST_TMP/kvm1" >"$TEST_TMP/kvm1.log" 2>&1 || true
grep -q 'booting base (kvm, 2 vCPUs pinned (compact)' "$TEST_TMP/kvm1.log" ||
	fail "--accel kvm did not pin by default: $(head -n 5 "$TEST_TMP/kvm1.log")"
over=$((npus * 2))
"$LAB_ROOT/guest/run.sh" --kernel "base=$tree" --accel kvm --smp "$over" --nodes 1 --mem 256 \
	--timeout 120 --bare --script "$TEST_TMP/true.sh" --out "$TEST_TMP/kvm2" >"$TEST_TMP/kvm2.log" 2>&1 || true
grep -q "WARNING: KVM guest NOT pinned (no plan: folio-lab-vmplan: --smp $over" "$TEST_TMP/kvm2.log" &&
	grep -q "booting base (kvm, $over vCPUs, 1 nodes" "$TEST_TMP/kvm2.log" ||
	fail "an unplannable default KVM pin: $(head -n 5 "$TEST_TMP/kvm2.log")"
ok "KVM: pinned by default; an impossible default pin warns and floats"

# A pin that does not take: the run fails before the guest runs (QEMU was
# started paused and is stopped), and the message names the vCPU.
t0=$(date +%s)
if FOLIO_LAB_PIN_FAULT=vcpu0-unpinned "$LAB_ROOT/guest/run.sh" --kernel "base=$tree" --accel tcg \
	--pin --smp 2 --nodes 1 --mem 256 --timeout 120 --bare --out "$TEST_TMP/out2" \
	>"$TEST_TMP/log2" 2>&1; then
	fail "a vCPU whose pin did not take did not fail the run: $(cat "$TEST_TMP/log2")"
fi
grep -q 'do not match the plan: vCPU 0' "$TEST_TMP/log2" ||
	fail "no mismatch message for vCPU 0: $(cat "$TEST_TMP/log2")"
if grep -aq 'folio-lab-guest: up' "$TEST_TMP/out2/console-base.log" 2>/dev/null; then
	fail "the guest ran although its pins did not match"
fi
ok "a pin mismatch fails the run in $(($(date +%s) - t0))s, before the guest runs"
