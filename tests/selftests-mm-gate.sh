#!/usr/bin/env bash
# The gate of kernels/selftests-mm.sh on made-up KTAP, no guest: a test that
# passes on the baseline and fails on another kernel fails the gate, naming
# both; one that fails on the baseline too is reported and not gated; skips
# keep their reasons; a guest that did not come back is rebuilt from its
# console (the test it died in and those after it fail).
set -euo pipefail
LAB_ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/folio-lab-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
S="$LAB_ROOT/kernels/selftests-mm.sh"

ktap() { # FILE LINE...
	local f=$1
	shift
	{ echo "TAP version 13"; echo "1..3"; printf '%s\n' "$@"; } >"$f"
}
ktap "$T/selftests-mm-base.ktap" "ok 1 split_huge_page_test" "# split_huge_page_test: 0.5s, exit 0" \
	"not ok 2 cow" "ok 3 memfd_secret # SKIP memfd_secret is not supported"
ktap "$T/selftests-mm-patched.ktap" "ok 1 split_huge_page_test" "not ok 2 cow" \
	"ok 3 memfd_secret # SKIP memfd_secret is not supported"
"$S" report --out "$T" base patched >"$T/out" 2>"$T/err" || fail "gate failed on no regression: $(cat "$T/err")"
grep -q 'cow.*fails on base (baseline): not gated' "$T/selftests-mm.md" || fail "base failure not reported: $(cat "$T/selftests-mm.md")"
grep -q 'memfd_secret.*skip: memfd_secret is not supported' "$T/selftests-mm.md" || fail "skip reason lost: $(cat "$T/selftests-mm.md")"
grep -q '^split_huge_page_test *pass 0.5s *pass' "$T/out" || fail "table on stdout: $(cat "$T/out")"
ok "failures on the baseline too are reported, not gated; skip reasons kept"

ktap "$T/selftests-mm-patched.ktap" "ok 1 split_huge_page_test" \
	"# split_huge_page_test: 0.7s, exit 0; flaky: passed at attempt 2 after attempt 1: exit 1; its own results: 3 ok, 0 skip, 0 not ok" \
	"not ok 2 cow" "ok 3 memfd_secret # SKIP memfd_secret is not supported"
"$S" report --out "$T" base patched >"$T/out" 2>"$T/err" || fail "a pass at a later attempt failed the gate: $(cat "$T/err")"
grep -q '| split_huge_page_test | pass 0.5s | pass (retried) 0.7s |.*patched: passed after failing (passed at attempt 2 after attempt 1: exit 1)' \
	"$T/selftests-mm.md" || fail "a retried pass is not marked: $(cat "$T/selftests-mm.md")"
ok "a pass at a later attempt (flaky) passes, marked in the table"

ktap "$T/selftests-mm-patched.ktap" "not ok 1 split_huge_page_test # TIMEOUT 120 seconds" "not ok 2 cow" \
	"ok 3 memfd_secret # SKIP memfd_secret is not supported"
rc=0
"$S" report --out "$T" base patched >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "a regression on patched: exit $rc, want 1"
grep -q 'GATE: split_huge_page_test on patched (TIMEOUT 120 seconds): passes on base' "$T/err" ||
	fail "the gate does not name test and kernel: $(cat "$T/err")"
grep -q '| split_huge_page_test | pass 0.5s | \*\*FAIL\*\* |.*REGRESSION on patched' "$T/selftests-mm.md" ||
	fail "regression not in the table: $(cat "$T/selftests-mm.md")"
ok "a test passing on base and failing on patched fails the gate, named"

# A guest that died in cow: split passed, cow is the one that failed, the
# rest never ran.
cat >"$T/console-patched.log" <<'CON'
folio-lab-guest: up: label=patched
folio-lab-selftests-mm: plan 3
folio-lab-selftests-mm: start 1 split_huge_page_test: split_huge_page_test-nopc (limit 120s)
folio-lab-selftests-mm: ok 1 split_huge_page_test
folio-lab-selftests-mm: start 2 cow: cow (limit 180s)
[   99.1] rcu: INFO: rcu_preempt self-detected stall on CPU
[   99.2] Kernel panic - not syncing: RCU Stall
CON
"$S" ktap-from-console patched "$T/console-patched.log" "kernel patched stalled" \
	split_huge_page_test cow memfd_secret >"$T/selftests-mm-patched.ktap"
grep -qx 'ok 1 split_huge_page_test' "$T/selftests-mm-patched.ktap" || fail "rebuilt KTAP lost a pass: $(cat "$T/selftests-mm-patched.ktap")"
grep -q '^not ok 2 cow # KERNEL the console showed: .*rcu: INFO' "$T/selftests-mm-patched.ktap" ||
	fail "the test running at the stall is not blamed: $(cat "$T/selftests-mm-patched.ktap")"
grep -q '^not ok 3 memfd_secret # NOT RUN: the guest failed in cow' "$T/selftests-mm-patched.ktap" ||
	fail "tests after the stall: $(cat "$T/selftests-mm-patched.ktap")"
ktap "$T/selftests-mm-base.ktap" "ok 1 split_huge_page_test" "ok 2 cow" "ok 3 memfd_secret"
rc=0
"$S" report --out "$T" base patched >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "a guest that stalled in cow: exit $rc, want 1"
grep -q 'GATE: cow on patched' "$T/err" || fail "$(cat "$T/err")"
grep -q 'guests that did not come back: patched' "$T/err" || fail "$(cat "$T/err")"
ok "a guest that died is rebuilt from its console; the test it died in fails the gate"

"$S" report --out "$T" base nosuch >/dev/null 2>"$T/err" && fail "a missing KTAP accepted"
grep -q 'no .*selftests-mm-nosuch.ktap' "$T/err" || fail "unclear error: $(cat "$T/err")"
ok "a missing KTAP is refused"
