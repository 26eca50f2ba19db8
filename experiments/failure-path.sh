#!/bin/sh
# summary: getters hammering a mostly frozen folio: cost of a failed get, the junk undo, junk growth with pin-sized (1024) gets, the 2^30 guard
#
# usage: failure-path.sh measure [--quick] | summarize DIR
set -eu

measure() {
	lab=${FOLIO_LAB_BIN:-folio-lab}
	d=2 r=5
	[ "${1:-}" = --quick ] && d=0.3 r=2
	for nr in 1 1024; do
		# base=0: the word is free (frozen) for the whole window, so every
		# checked get takes the failure path: its cost, and the junk.
		"$lab" bench --out "${OUT:?}" --workload atomics \
			--variant cas-loop,assume-one,frozen-bit --opt base=0 --opt get_nr=$nr \
			--duration "$d" --reps "$r"
		if [ -e /dev/folio_lab ]; then
			# In the kernel: every worker freezes at every iteration, so
			# the others' gets keep meeting a frozen folio.
			"$lab" bench --out "$OUT" --workload module --variant kernel,cas-loop,frozen-bit \
				--opt mix=freezer --opt freeze_every=1 --opt hold=50 --opt get_nr=$nr \
				--duration "$d" --reps "$r"
		fi
	done
}

summarize() {
	. "$(dirname "$0")/lib.sh"
	dir=$1
	sel='((.workload == "atomics" and .params.base == "0") or (.workload == "module" and .params.mix == "freezer"))'
	key='"\(.kernel) \(.workload) \(.variant) get_nr=\(.params.get_nr)"'
	exp_header failure-path "Review question 4 (Kiryl Shutsemau): what a failed speculative get costs under \
the frozen bit (a fetch-add that leaves junk, then a cmpxchg to undo it) against the cas loop \
(a load that sees frozen and stops), and whether junk ever reaches the 2^30 guard. GUP pins add \
1024 per get: with the undo racing, 2^20 pin-sized failures left in place would reach the guard." "$dir"
	exp_table "$dir" "$sel" "$key" "iterations, Mops/s (median; atomics: every get fails)"
	exp_table "$dir" "$sel and .workload == \"atomics\"" "$key" \
		"atomics on a free word: ns per failed get and worker (median)" '(if .counters.gets_failed > 0 then .workers * .duration_s * 1e9 / .counters.gets_failed else null end)' 1
	exp_table "$dir" "$sel" "$key" "failed gets per window (median)" .counters.gets_failed 1
	exp_table "$dir" "$sel" "$key" "junk left by a lost undo race (median)" .counters.junk_left 1
	exp_table "$dir" "$sel" "$key" "guard waits (median)" .counters.guard_waits 1
	exp_table "$dir" "$sel" "$key" "cmpxchg retries (median)" .counters.cas_retries 1
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
