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
check_probe "$TEST_TMP/out/raw-patched-debug/refprobe.txt" patched
ok "patched debug-vm boots clean and runs the frozen-bit scheme"
