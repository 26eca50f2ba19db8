#!/bin/sh
# summary: the cost of the extra cmpxchg on every free: anonymous fault+munmap on base vs patched, and the put-to-free path alone
#
# usage: free-path.sh measure [--quick] | summarize DIR
set -eu

measure() {
	lab=${FOLIO_LAB_BIN:-folio-lab}
	# The suite's window, repetitions and workers: the harness's (bench --suite).
	s=full
	[ "${1:-}" = --quick ] && s=quick
	"$lab" bench --out "${OUT:?}" --workload fault --suite "$s"
	# init(1) then the final put, uncontended: the free path of each scheme.
	"$lab" bench --out "$OUT" --workload atomics --variant cas-loop,frozen-bit \
		--opt mix=free-cycle --opt target=per-worker --suite "$s"
	if [ -e /dev/folio_lab ]; then
		"$lab" bench --out "$OUT" --workload module --variant cas-loop,frozen-bit \
			--opt mix=free-cycle --opt target=per-worker --suite "$s"
	fi
}

summarize() {
	. "$(dirname "$0")/lib.sh"
	dir=$1
	exp_header free-path "Review question 3 (David Hildenbrand): the frozen bit adds a cmpxchg 0 -> FROZEN \
after every final put. fault: each op is one anonymous page written (fault) and freed by munmap. \
free-cycle: a private counter set to 1 and put to zero, i.e. the free decision alone." "$dir"
	exp_table "$dir" workload=fault kernel "fault + munmap, M pages/s (median)"
	exp_ratio "$dir" workload=fault kernel patched base "fault + munmap: patched / base"
	exp_ratio "$dir" workload=fault kernel patched-cas-put base "fault + munmap: patched-cas-put / base"
	for w in atomics module; do
		exp_table "$dir" "workload=$w,params.mix=free-cycle" \
			kernel,variant "$w free-cycle, M frees/s (median)"
		for k in $(exp_kernels "$dir"); do
			exp_ratio "$dir" "workload=$w,params.mix=free-cycle,kernel=$k" \
				variant frozen-bit cas-loop "$w free-cycle on $k: frozen-bit / cas-loop"
		done
	done
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
