#!/usr/bin/env bash
# The kernel's own mm selftests (tools/testing/selftests/mm of
# linux-source-6.12, built static by kernels/selftests-mm.sh) in a TCG guest
# of each lab kernel (base, patched, patched-cas-put): passes only when the
# gate passes (no test that passes on base fails on patched or
# patched-cas-put, and every guest came back). The run's directory (table,
# KTAP, per-test logs, consoles) is kept in $FOLIO_LAB_BUILD/selftests-mm/.
source "$(dirname "$0")/guest-lib.sh"
need_guest_tools
command -v gcc >/dev/null || skip "gcc not installed"

"$LAB_ROOT/kernels/build.sh" base patched patched-cas-put >"$TEST_TMP/trees" ||
	fail "kernels/build.sh base patched patched-cas-put failed"
args=()
for l in base patched patched-cas-put; do
	t=$(sed -n "s/^$l=//p" "$TEST_TMP/trees")
	[ -n "$t" ] || fail "kernels/build.sh gave no tree for $l: $(cat "$TEST_TMP/trees")"
	args+=(--kernel "$l=$t")
done

out="$FOLIO_LAB_BUILD/selftests-mm"
rm -rf "$out"
start=$(date +%s)
rc=0
"$LAB_ROOT/kernels/selftests-mm.sh" run "${args[@]}" --accel tcg --out "$out" || rc=$?
echo "kernels/selftests-mm.sh run: exit $rc after $(($(date +%s) - start)) s; results in $out"
[ "$rc" != 2 ] || fail "kernels/selftests-mm.sh could not run (above: a missing package, a build error?)"
for l in base patched patched-cas-put; do
	[ -s "$out/selftests-mm-$l.ktap" ] || fail "no $out/selftests-mm-$l.ktap"
	head -n1 "$out/selftests-mm-$l.ktap" | grep -qx 'TAP version 13' || fail "$l: KTAP without its header"
done
[ -s "$out/selftests-mm.md" ] || fail "no $out/selftests-mm.md"
n=$(sh "$LAB_ROOT/guest/selftests-mm.sh" --list | wc -l)
rows=$(($(grep -c '^| ' "$out/selftests-mm.md") - 1))
[ "$rows" = "$n" ] || fail "selftests-mm.md has $rows test rows, the guest script lists $n"
[ "$rc" = 0 ] || fail "the mm selftests gate failed (above; table: $out/selftests-mm.md)"
# The THP-split tests the lab cares most about ran and passed on base.
for t in split_huge_page_test migration-private_anon_thp cow; do
	grep -Eq "^ok [0-9]+ $t\$" "$out/selftests-mm-base.ktap" || fail "$t did not pass on base: $(grep -E " $t( |\$)" "$out/selftests-mm-base.ktap")"
done
ok "mm selftests: gate passed on base, patched, patched-cas-put ($(grep -c '^ok [0-9]* [^ ]*$' "$out/selftests-mm-base.ktap") passing on base)"
