#!/usr/bin/env bash
# Host side of the module tests: boots guests of the base kernel (expects
# the zero scheme), the patched kernel (frozen-bit, v5), the patched-cas-put
# kernel (frozen-bit-cas-put; a small run: the ABI test and two mixes) and
# the patched kernel's debug-vm flavour, runs tests/guest-module-suite.sh in
# each (the static ABI test, then the `module` workload through folio-lab),
# and checks the records. guest/run.sh fails on an oops, BUG or WARNING in a
# console.
#
#   tests/guest-module.sh --abi-test PATH [--hostile-test PATH] --out DIR
#                         [--build DIR] [--quick] [--hostile-seconds N]
#                         [--only base|patched|patched-cas-put|debug]
# --hostile-test: tests/test_module_hostile.c's static binary, run after the
# ABI test in every guest (random phase: --hostile-seconds, default 12, 5 in
# the small patched-cas-put run).
#
# Exit 0 pass, 1 fail, 77 skip (no QEMU, no static harness).
# The figures printed are emulated-guest (TCG) figures: not scalability results.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
abi=""
hostile=""
hostile_s=""
out=""
quick=""
only=""
build=${FOLIO_LAB_BUILD:-$ROOT/build}

die() { printf 'guest-module.sh: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

while [ $# -gt 0 ]; do
	case "$1" in
	--abi-test) abi=$2; shift 2 ;;
	--hostile-test) hostile=$2; shift 2 ;;
	--hostile-seconds) hostile_s=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--quick) quick=quick; shift ;;
	--only) only=$2; shift 2 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -n "$abi" ] && [ -x "$abi" ] || die "--abi-test: '$abi' is not an executable"
[ -z "$hostile" ] || [ -x "$hostile" ] || die "--hostile-test: '$hostile' is not an executable"
case "$hostile_s" in "" | *[!0-9]*) [ -z "$hostile_s" ] || die "--hostile-seconds wants seconds" ;; esac
adds=(--add "$abi")
[ -z "$hostile" ] || adds+=(--add "$hostile")
[ -n "$out" ] || die "--out DIR is required"
command -v jq >/dev/null || die "jq missing (./run.sh setup installs it)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing"
[ -x "$build/static/folio-lab" ] ||
	skip "$build/static/folio-lab missing: ./run.sh build makes the static guest harness"
[ -x "$ROOT/guest/run.sh" ] || skip "guest/run.sh missing"
export FOLIO_LAB_BUILD=$build
case "$only" in
"" | base | patched | patched-cas-put | debug) ;;
*) die "--only wants base, patched, patched-cas-put or debug, not '$only'" ;;
esac
# The module workload's variants, as the harness has them: kernel, then
# every scheme of include/folio-lab/refscheme.h's table.
variants=$("$build/static/folio-lab" list module | sed -n 's/^ *variants: //p' | sed 's/ (default)//')
[ -n "$variants" ] || die "folio-lab list module names no variants"

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
fails=0
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
pass() { echo "ok   - $*"; }

# check_records DIR LABEL SCHEME [small]: the records the suite must have
# written. Per-scheme counters are the ABI test's business; here: nothing
# but a freezer leaves junk, a lone freezer wins freezes (beside getters
# that hold, as with hold=20 on 4 workers, it may lose every one), no final put ever loses a race (none is shared),
# and the kernel variant moves none of the in-module schemes' counters.
check_records() {
	local dir=$1 label=$2 scheme=$3 small=${4:-} f=$1/samples.jsonl n bad v m w
	local want_variants=$variants want_mixes="tryget-put get-put freezer"
	if [ -n "$small" ]; then
		want_variants="kernel frozen-bit frozen-bit-cas-put"
		want_mixes=tryget-put
	fi
	[ -s "$f" ] || { fail "$label: no records in $f"; return; }
	n=$(jq -s '[.[] | select(.workload == "module")] | length' "$f")
	[ "$n" -gt 0 ] || { fail "$label: no module records"; return; }
	bad=$(jq -c --arg s "$scheme" --arg k "$label" 'select(.workload == "module") |
		select(.kernel != $k or .kernel_scheme != $s or .where != "guest" or .ops <= 0 or
		       (.counters.gets_ok + .counters.gets_failed) != .ops or
		       (.params.mix != "freezer" and (.counters.gets_failed != 0 or
			 .counters.freezes_won != 0 or .counters.freezes_lost != 0)) or
		       (.params.mix == "freezer" and .counters.freezes_won + .counters.freezes_lost == 0) or
		       (.params.mix == "freezer" and .workers == 1 and .counters.freezes_won == 0) or
		       (.variant == "kernel" and (.counters.cas_retries != 0 or
			 .counters.junk_left != 0 or .counters.guard_resets != 0)) or
		       (.params.mix != "freezer" and .counters.junk_left != 0) or
		       .counters.free_races != 0 or
		       (.params.mix == "free-cycle" and (.counters.frees != .ops or
			 .params.target != "per-worker")) or
		       (.params.mix != "free-cycle" and .counters.frees != 0)) |
		{variant, workers, mix: .params.mix, kernel, kernel_scheme, ops, counters}' "$f")
	if [ -n "$bad" ]; then
		fail "$label: records that break the invariants:"
		printf '%s\n' "$bad" | head -n 10
	else
		pass "$label: $n module records, kernel_scheme $scheme, counters consistent"
	fi
	for m in $want_mixes; do
		for v in $want_variants; do
			[ "$m/$v" = freezer/plain-add ] && continue
			for w in 1 4; do
				jq -e --arg m "$m" --arg v "$v" --argjson w "$w" -s \
					'any(.[]; .workload == "module" and .variant == $v and
					 .params.mix == $m and .params.target == "shared" and
					 .workers == $w)' "$f" >/dev/null ||
					fail "$label: no record for $v x $m x $w worker(s)"
			done
		done
	done
	for v in $want_variants; do
		for w in 1 4; do
			jq -e --arg v "$v" --argjson w "$w" -s \
				'any(.[]; .workload == "module" and .variant == $v and
				 .params.mix == "free-cycle" and .params.target == "per-worker" and
				 .workers == $w)' "$f" >/dev/null ||
				fail "$label: no record for $v x free-cycle x $w worker(s)"
		done
	done
	echo "# $label: module workload, Mops/s per variant (emulated-guest TCG figures: not scalability results)"
	jq -r -s 'map(select(.workload == "module" and .params.target == "shared" and
		       .params.get_nr == "1" and .params.node == "-1" and .mode == "threads")) |
		sort_by(.params.mix, .variant, .workers) | .[] |
		"#   \(.params.mix)\t\(.variant)\tworkers=\(.workers)\t\(.ops_per_sec / 1e6 * 1000 | round / 1000) Mops/s\tfailed=\(.counters.gets_failed) retries=\(.counters.cas_retries)"' "$f"
	echo "# $label: free-cycle (allocation + final put), per-worker, M frees/s (emulated-guest TCG figures)"
	jq -r -s 'map(select(.workload == "module" and .params.mix == "free-cycle")) |
		sort_by(.variant, .workers) | .[] |
		"#   free-cycle\t\(.variant)\tworkers=\(.workers)\t\(.ops_per_sec / 1e6 * 1000 | round / 1000) M frees/s\t\(1e9 * .workers / .ops_per_sec | . * 10 | round / 10) ns/free per worker"' "$f"
}

# The harness refuses a free-cycle its module would refuse, before it opens
# the device: checked here on the host, where there is no device at all.
refused() {
	local want=$1 msg
	shift
	if msg=$("$build/static/folio-lab" bench --workload module --opt mix=free-cycle \
		--reps 1 --duration 0.05 --out "$out/refuse" --quiet "$@" 2>&1); then
		fail "free-cycle $* was accepted"
	elif grep -qF -- "$want" <<<"$msg"; then
		pass "free-cycle $* refused before the device: $want"
	else
		fail "free-cycle $*: expected '$want', got: $msg"
	fi
}
refused "needs --opt target=per-worker" --workers 1
refused "needs --opt target=per-worker" --workers 1 --opt target=shared
refused "needs a folio per worker" --workers 2 --opt target=per-worker --opt folios=1
refused "get_nr must be 1" --workers 1 --opt target=per-worker --opt get_nr=1024

# run_guest NAME SCHEME MODE GUEST_ARGS...: MODE is quick, small or "".
run_guest() {
	local name=$1 scheme=$2 mode=$3 label t0
	shift 3
	label=${name%-debug}
	echo "== guest $name (expects scheme $scheme)"
	t0=$(date +%s)
	if ! "$ROOT/guest/run.sh" "$@" --out "$out/$name" "${adds[@]}" \
		--script "$HERE/guest-module-suite.sh" -- "$scheme" "${mode:-full}" "$hostile_s" \
		>"$out/$name.log" 2>&1; then
		tail -n 40 "$out/$name.log"
		fail "guest $name: guest/run.sh failed (log $out/$name.log)"
		return
	fi
	pass "guest $name booted, ran the suite, console clean of oops/BUG/WARNING ($(($(date +%s) - t0)) s)"
	local abi_log=$out/$name/raw-$label/abi-test.log
	if [ -f "$abi_log" ] && grep -q '^[0-9]* passed, 0 failed$' "$abi_log"; then
		pass "guest $name: ABI test: $(tail -n1 "$abi_log")"
	else
		fail "guest $name: ABI test did not pass ($abi_log)"
		grep FAIL "$abi_log" 2>/dev/null | head -n 20
	fi
	grep '^# ' "$abi_log" 2>/dev/null || true
	local hostile_log=$out/$name/raw-$label/hostile-test.log
	if [ -n "$hostile" ]; then
		if [ -f "$hostile_log" ] && grep -q '^[0-9]* passed, 0 failed$' "$hostile_log" &&
			grep -q '^hostile: .* 0 unexpected' "$hostile_log"; then
			pass "guest $name: hostile test: $(grep '^hostile: ' "$hostile_log")"
		else
			fail "guest $name: hostile test did not pass ($hostile_log)"
			grep -E '^(FAIL|UNEXPECTED)' "$hostile_log" 2>/dev/null | head -n 20
		fi
		grep '^# ' "$hostile_log" 2>/dev/null || true
	fi
	check_records "$out/$name" "$label" "$scheme" "$([ "$mode" = small ] && echo small)"
}

[ -z "$only" ] || [ "$only" = base ] && run_guest base zero "$quick" --kernel base
[ -z "$only" ] || [ "$only" = patched ] &&
	run_guest patched frozen-bit "$quick" --kernel patched
[ -z "$only" ] || [ "$only" = patched-cas-put ] &&
	run_guest patched-cas-put frozen-bit-cas-put small --kernel patched-cas-put
[ -z "$only" ] || [ "$only" = debug ] &&
	run_guest patched-debug frozen-bit "$quick" --flavour debug-vm --kernel patched

echo "guest-module: $fails failure(s); details under $out"
[ "$fails" = 0 ]
