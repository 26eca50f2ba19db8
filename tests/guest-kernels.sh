#!/usr/bin/env bash
# The lab's kernels (base, patched, patched-cas-put: the labels of
# `kernels/build.sh --list`) build or come from the cache, are complete
# KDIRs, each carries its patches and no other's, and a second request
# reuses the cache at once.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
mapfile -t labels < <("$LAB_ROOT/kernels/build.sh" --list | cut -f1)
for want in base patched patched-cas-put; do
	[[ " ${labels[*]} " == *" $want "* ]] || fail "kernels/build.sh --list lacks '$want': ${labels[*]}"
done
"$LAB_ROOT/kernels/build.sh" "${labels[@]}" >"$TEST_TMP/trees" ||
	fail "kernels/build.sh ${labels[*]} failed"
declare -A tree
for l in "${labels[@]}"; do
	tree[$l]=$(sed -n "s/^$l=//p" "$TEST_TMP/trees")
	t=${tree[$l]}
	[ -n "$t" ] || fail "kernels/build.sh gave no tree for $l: $(cat "$TEST_TMP/trees")"
	[ -f "$t/arch/x86/boot/bzImage" ] || fail "$t: no bzImage"
	[ -f "$t/Module.symvers" ] || fail "$t: no Module.symvers"
	grep -qx 'CONFIG_X86_64_ACPI_NUMA=y' "$t/.config" || fail "$t: no ACPI NUMA"
	grep -qx 'CONFIG_MODULES=y' "$t/.config" || fail "$t: no modules"
done
[ "$(printf '%s\n' "${tree[@]}" | sort -u | wc -l)" = "${#labels[@]}" ] ||
	fail "two labels share a tree: $(cat "$TEST_TMP/trees")"

# has LABEL FILE PATTERN: the tree of LABEL has PATTERN (grep -E) in FILE.
has() { grep -Eq -- "$3" "${tree[$1]}/$2"; }
ref=include/linux/page_ref.h
! has base $ref PAGEREF_FROZEN_BIT || fail "base tree has PAGEREF_FROZEN_BIT"
for l in patched patched-cas-put; do
	has $l $ref PAGEREF_FROZEN_BIT || fail "$l tree lacks PAGEREF_FROZEN_BIT"
	# v5's failure path: junk stays, reset only at the 2^30 limit.
	has $l $ref '_PAGEREF_FROZEN_LIMIT' || fail "$l page_ref.h lacks v5's _PAGEREF_FROZEN_LIMIT"
	has $l mm/page_alloc.c 'set_page_count_frozen\(p\)' || fail "$l page_alloc.c not converted"
done
has patched-cas-put $ref '^#define PAGEREF_CAS_PUT' || fail "patched-cas-put page_ref.h lacks PAGEREF_CAS_PUT"
! has patched $ref PAGEREF_CAS_PUT || fail "patched tree has PAGEREF_CAS_PUT (the cas-put patch leaked into it)"
! has base $ref PAGEREF_CAS_PUT || fail "base tree has PAGEREF_CAS_PUT"
for l in "${labels[@]}"; do ok "$l=${tree[$l]}"; done

start=$(date +%s)
"$LAB_ROOT/kernels/build.sh" "${labels[@]}" >"$TEST_TMP/trees2" || fail "second kernels/build.sh failed"
cmp -s "$TEST_TMP/trees" "$TEST_TMP/trees2" || fail "second run gave other trees: $(cat "$TEST_TMP/trees2")"
[ $(($(date +%s) - start)) -le 10 ] || fail "second run did not reuse the cache quickly"
ok "cached rerun of ${labels[*]} in $(($(date +%s) - start)) s"

"$LAB_ROOT/kernels/build.sh" nonsense >/dev/null 2>"$TEST_TMP/err" && fail "unknown label accepted"
grep -q "unknown kernel label 'nonsense'" "$TEST_TMP/err" || fail "unclear error: $(cat "$TEST_TMP/err")"
ok "unknown label refused"
