#!/bin/sh
# summary: the inverted encoding (0 = frozen, live counts carry bit 31) against the frozen bit and today's loop: the masking cost the authors assumed, on get/put, free and failure paths
#
# usage: inverted-bit.sh measure [--quick] | summarize DIR
set -eu

# lib.sh: beside this script natively, /lab/bin/lib.sh in a guest.
for d in "$(dirname "$0")" /lab/bin; do
	if [ -f "$d/lib.sh" ]; then
		. "$d/lib.sh"
		break
	fi
done

SCHEMES="inverted-bit frozen-bit cas-loop"

measure() {
	exp_measure_init "$@"
	# The get/put pair, contended and not.
	for c in shared per-worker; do
		exp_run atomics "$SCHEMES" --opt target=$c
	done
	# The free decision: allocation (RS_LIVE | 1) and the final put.
	exp_run atomics "$SCHEMES" --opt mix=free-cycle --opt target=per-worker
	# The failure path: a frozen word (0 for inverted-bit), every get fails.
	exp_run atomics "$SCHEMES" --opt base_refs=0
	if exp_module; then
		for t in shared per-worker; do
			exp_run module "$SCHEMES" --opt mix=tryget-put --opt target=$t
		done
		exp_run module "$SCHEMES" --opt mix=free-cycle --opt target=per-worker
	fi
}

summarize() {
	dir=$1
	exp_header inverted-bit "The encoding the series' authors rejected for its masking cost, unmeasured \
until now (DESIGN.md section 1; seeds/003): <code>inverted-bit</code> stores a live page's n \
references as bit 31 | n and frozen as 0, so zeroed memory and a stray set_page_count(p, 0) are \
frozen rather than live. Its get is the same fetch-add as <code>frozen-bit</code>'s with the test \
inverted, its final put compares with bit 31 | 0 instead of 0, and page_ref_count() and every \
set mask bit 31 (which none of these loops calls per iteration: the hot paths carry no extra \
masking). Workloads: get/put on one shared word and on private words, the free decision \
(allocation + final put), and the failure path (a frozen word, every get fails), in userspace and \
as in-module copies." "$dir"
	gp='params.mix=tryget-put,params.base_refs!=0'
	for w in atomics module; do
		case $w in
		atomics) sel="workload=atomics,$gp" ;;
		module) sel='workload=module,params.mix=tryget-put' ;;
		esac
		exp_table "$dir" "$sel" 'kernel,variant,params.target' \
			"$w get/put pairs, Mops/s (median)"
		for c in shared per-worker; do
			for k in $(exp_kernels "$dir"); do
				s="$sel,kernel=$k,params.target=$c"
				exp_ratio "$dir" "$s" variant inverted-bit frozen-bit \
					"$w get/put, $c, on $k: inverted-bit / frozen-bit"
			done
		done
		fc="workload=$w,params.mix=free-cycle"
		exp_table "$dir" "$fc" kernel,variant "$w free-cycle: allocation + final put, M/s (median)"
		for k in $(exp_kernels "$dir"); do
			exp_ratio "$dir" "$fc,kernel=$k" variant inverted-bit frozen-bit \
				"$w free-cycle on $k: inverted-bit / frozen-bit"
		done
	done
	fp='workload=atomics,params.base_refs=0'
	exp_table "$dir" "$fp" kernel,variant "atomics, frozen word: failed gets, M/s (median)"
	for k in $(exp_kernels "$dir"); do
		exp_ratio "$dir" "$fp,kernel=$k" variant inverted-bit frozen-bit \
			"atomics failure path on $k: inverted-bit / frozen-bit"
	done
	exp_table "$dir" "$fp" kernel,variant \
		"atomics, frozen word: junk left per failed get (median)" \
		'counters.junk_left / counters.gets_failed' 1
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
