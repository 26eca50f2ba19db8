#!/bin/sh
# summary: Linus' assume-one cmpxchg loop against the frozen bit and today's loop, userspace and module, one shared counter or one per worker
#
# usage: assume-one.sh measure [--quick] | summarize DIR
set -eu

measure() {
	lab=${FOLIO_LAB_BIN:-folio-lab}
	# The suite's window, repetitions and workers: the harness's (bench --suite).
	s=full
	[ "${1:-}" = --quick ] && s=quick
	for target in shared per-worker; do
		"$lab" bench --out "${OUT:?}" --workload atomics --variant all \
			--opt target=$target --suite "$s"
	done
	if [ -e /dev/folio_lab ]; then
		for target in shared per-worker; do
			"$lab" bench --out "$OUT" --workload module --variant all \
				--opt target=$target --suite "$s"
		done
	else
		echo "assume-one: no /dev/folio_lab here: module part runs in the guests" >&2
	fi
}

summarize() {
	. "$(dirname "$0")/lib.sh"
	dir=$1
	exp_header assume-one "Review question 2: Linus' assume-one loop (cmpxchg starting from an assumed \
count of 1, no initial load) against the frozen bit's fetch-add and today's load+cmpxchg loop; \
plain-add is the ceiling of a get (no liveness check)." "$dir"
	for w in atomics module; do
		exp_table "$dir" "workload=$w" 'kernel,variant,params.target' \
			"$w: get+put pairs, Mops/s (median)"
		exp_table "$dir" "workload=$w" 'kernel,variant,params.target' \
			"$w: cmpxchg retries (total over the window, median)" counters.cas_retries 1
	done
	for k in $(exp_kernels "$dir"); do
		for c in shared per-worker; do
			sel="workload=atomics,kernel=$k,params.target=$c"
			exp_ratio "$dir" "$sel" variant frozen-bit assume-one "atomics on $k, $c counter: frozen-bit / assume-one"
			exp_ratio "$dir" "$sel" variant assume-one cas-loop "atomics on $k, $c counter: assume-one / cas-loop"
		done
	done
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
