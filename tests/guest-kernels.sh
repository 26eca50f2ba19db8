#!/usr/bin/env bash
# base and patched build (or come from the cache), are complete KDIRs, the
# patch is really in patched, and a second request reuses the cache at once.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
"$LAB_ROOT/kernels/build.sh" base patched >"$TEST_TMP/trees" || fail "kernels/build.sh base patched failed"
base=$(sed -n 's/^base=//p' "$TEST_TMP/trees")
patched=$(sed -n 's/^patched=//p' "$TEST_TMP/trees")
for t in "$base" "$patched"; do
	[ -f "$t/arch/x86/boot/bzImage" ] || fail "$t: no bzImage"
	[ -f "$t/Module.symvers" ] || fail "$t: no Module.symvers"
	grep -qx 'CONFIG_X86_64_ACPI_NUMA=y' "$t/.config" || fail "$t: no ACPI NUMA"
	grep -qx 'CONFIG_MODULES=y' "$t/.config" || fail "$t: no modules"
done
grep -q 'PAGEREF_FROZEN_BIT' "$patched/include/linux/page_ref.h" || fail "patched tree lacks PAGEREF_FROZEN_BIT"
! grep -q 'PAGEREF_FROZEN_BIT' "$base/include/linux/page_ref.h" || fail "base tree has PAGEREF_FROZEN_BIT"
grep -q 'set_page_count_frozen(p)' "$patched/mm/page_alloc.c" || fail "patched page_alloc.c not converted"
ok "trees: base=$base patched=$patched"

start=$(date +%s)
"$LAB_ROOT/kernels/build.sh" base patched >"$TEST_TMP/trees2" || fail "second kernels/build.sh failed"
cmp -s "$TEST_TMP/trees" "$TEST_TMP/trees2" || fail "second run gave other trees: $(cat "$TEST_TMP/trees2")"
[ $(($(date +%s) - start)) -le 10 ] || fail "second run did not reuse the cache quickly"
ok "cached rerun in $(($(date +%s) - start)) s"

"$LAB_ROOT/kernels/build.sh" nonsense >/dev/null 2>"$TEST_TMP/err" && fail "unknown label accepted"
grep -q "unknown kernel label 'nonsense'" "$TEST_TMP/err" || fail "unclear error: $(cat "$TEST_TMP/err")"
ok "unknown label refused"
