#!/usr/bin/env bash
# ctest kunit_guest / kunit_broken: the KUnit suite in guests.
#   kunit/check-guest.sh lab OUTDIR      every case passes in base, patched
#                                        and patched-cas-put
#   kunit/check-guest.sh debug OUTDIR    patched's debug-vm flavour passes,
#                                        its frozen-page increment warning
#                                        case included (not skipped)
#   kunit/check-guest.sh broken OUTDIR   the suite FAILS on patched-broken
#                                        (freed pages back to plain 0): the
#                                        guest runs cleanly, the KTAP is
#                                        complete, and the cases that check
#                                        freed pages report failures
# Exit 0 pass, 1 fail, 77 skip (no QEMU, busybox or kernel source).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=${1:?usage: check-guest.sh lab|debug|broken OUTDIR}
out=${2:?usage: check-guest.sh lab|debug|broken OUTDIR}

skip() { printf 'SKIP: %s\n' "$*"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
[ -x /bin/busybox ] || skip "busybox-static not installed"
command -v jq >/dev/null || skip "jq not installed"
[ -r "${FOLIO_LAB_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}" ] ||
	skip "linux-source-6.12 not installed"

rm -rf "$out"
case "$mode" in
lab)
	"$HERE/run.sh" --out "$out"
	;;
debug)
	"$HERE/run.sh" --flavour debug-vm --kernel patched --out "$out"
	jq -e '.debug_vm and (.cases[] | select(.name == "debug_vm_inc_on_frozen_warns") |
		.result == "pass")' "$out/kunit.jsonl" >/dev/null ||
		{ echo "FAIL: debug_vm_inc_on_frozen_warns did not run and pass in the debug-vm guest"; exit 1; }
	echo "ok: patched (debug-vm): every case passed, the frozen-page increment warned exactly once"
	;;
broken)
	rc=0
	"$HERE/run.sh" --kernel patched-broken --out "$out" || rc=$?
	[ "$rc" = 1 ] || { echo "FAIL: kunit/run.sh on patched-broken exited $rc, expected 1 (suite failures)"; exit 1; }
	j=$out/kunit.jsonl
	[ -s "$j" ] || { echo "FAIL: no $j"; exit 1; }
	# The failures must come from the suite's cases, not from a broken run.
	probs=$(jq -r '.problems[]' "$j")
	[ -z "$probs" ] || { echo "FAIL: the run itself had problems: $probs"; exit 1; }
	jq -e '.cases_total == 13 and .failed > 0' "$j" >/dev/null ||
		{ echo "FAIL: expected a complete KTAP with failures: $(jq -c '{cases_total, failed}' "$j")"; exit 1; }
	jq -e '.cases[] | select(.name == "freed_pages_read_frozen") | .result == "fail"' "$j" >/dev/null ||
		{ echo "FAIL: freed_pages_read_frozen did not fail on patched-broken"; exit 1; }
	echo "ok: the suite fails on patched-broken: $(jq -r '[.cases[] | select(.result == "fail") | .name] | join(", ")' "$j")"
	;;
*) echo "unknown mode '$mode'" >&2; exit 2 ;;
esac
