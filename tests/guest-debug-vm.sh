#!/usr/bin/env bash
# The debug-vm flavour of patched (DEBUG_VM on: the flavour the module's
# in-guest tests use) builds, boots with 2 nodes, and runs the probe with a
# clean console: no VM_BUG_ON/WARN from the frozen-bit paths.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
tree=$(kernel_tree patched debug-vm) || fail "patched debug-vm did not build"
grep -qx 'CONFIG_DEBUG_VM=y' "$tree/.config" || fail "$tree has no CONFIG_DEBUG_VM"
ko=$(probe_ko "$tree") || fail "refprobe build failed"
write_probe_suite "$TEST_TMP/suite.sh"
"$LAB_ROOT/guest/run.sh" --bare --kernel "patched-debug=$tree" --accel tcg --timeout 600 \
	--add "$ko" --script "$TEST_TMP/suite.sh" --out "$TEST_TMP/out" || fail "debug-vm guest failed"
[ "$(cat "$TEST_TMP/out/raw-patched-debug/nodes.txt")" = 2 ] || fail "debug-vm guest does not see 2 nodes"
# v5's encoding (as tests/guest-pair.sh checks it): frozen 0x80000000, a
# failed get's junk kept (0x80000001), FROZEN after the final put.
f="$TEST_TMP/out/raw-patched-debug/refprobe.txt"
echo "probe (patched debug-vm): $(cat "$f")"
grep -Eq 'live=0x1 frozen=0x80000000 count_frozen=0 try_get=0 after_try_get=0x80000001 after_final_put=0x80000000$' "$f" ||
	fail "patched debug-vm does not show v5's encoding: $(cat "$f")"
ok "patched debug-vm boots clean and runs the frozen-bit scheme"
