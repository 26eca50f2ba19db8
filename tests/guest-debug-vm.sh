#!/usr/bin/env bash
# The debug-vm flavour of patched (DEBUG_VM on: the flavour the module's
# in-guest tests use) builds, boots with 2 nodes, and runs the probe and the
# torture workload (THP splits of a huge tmpfs file under pread and of
# anonymous memory, migration between the nodes, compaction, soft offline,
# io_uring pins) with a clean console: no VM_BUG_ON/WARN from the frozen-bit
# paths (guest/run.sh fails the guest on any).
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
tree=$(kernel_tree patched debug-vm) || fail "patched debug-vm did not build"
grep -qx 'CONFIG_DEBUG_VM=y' "$tree/.config" || fail "$tree has no CONFIG_DEBUG_VM"
ko=$(probe_ko "$tree") || fail "refprobe build failed"
[ -x "$FOLIO_LAB_BUILD/static/folio-lab" ] || skip "$FOLIO_LAB_BUILD/static/folio-lab missing (./run.sh build)"
write_probe_suite "$TEST_TMP/suite.sh"
cat >>"$TEST_TMP/suite.sh" <<'SUITE'
mount -t debugfs none /sys/kernel/debug
mount -o remount,huge=always /dev/shm
echo always >/sys/kernel/mm/transparent_hugepage/enabled
folio-lab bench --workload torture --workers 4 --duration 4 --reps 1 --quiet --out "$OUT"
grep -E '^(thp_split_page|pgmigrate_success|compact_stall) ' /proc/vmstat >"$OUT/vmstat.txt"
SUITE
"$LAB_ROOT/guest/run.sh" --no-module --kernel "patched-debug=$tree" --accel tcg --timeout 900 \
	--add "$ko" --script "$TEST_TMP/suite.sh" --out "$TEST_TMP/out" || fail "debug-vm guest failed"
[ "$(cat "$TEST_TMP/out/raw-patched-debug/nodes.txt")" = 2 ] || fail "debug-vm guest does not see 2 nodes"
check_probe "$TEST_TMP/out/raw-patched-debug/refprobe.txt" patched
rec=$(jq -c 'select(.workload == "torture") | .counters' "$TEST_TMP/out/samples.jsonl") ||
	fail "no torture record"
[ -n "$rec" ] || fail "no torture record"
jq -e '.preads > 0 and .truncates > 0 and .migrations_ok + .migrations_failed > 0' <<<"$rec" >/dev/null ||
	fail "the torture did not reach its paths: $rec"
ok "patched debug-vm boots clean, runs the frozen-bit scheme and the torture with no WARN: $rec; $(tr '\n' ' ' <"$TEST_TMP/out/raw-patched-debug/vmstat.txt")"
