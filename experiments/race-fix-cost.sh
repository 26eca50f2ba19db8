#!/bin/sh
# summary: what closing the v4 put race costs: frozen-bit-cas-put vs frozen-bit on the free decision, the get/put pair, pread and fault+munmap, in userspace, the module and the three kernels
#
# usage: race-fix-cost.sh measure [--quick] | summarize DIR
set -eu

# lib.sh: beside this script natively, /lab/bin/lib.sh in a guest.
for d in "$(dirname "$0")" /lab/bin; do
	if [ -f "$d/lib.sh" ]; then
		. "$d/lib.sh"
		break
	fi
done

# The fix against the put it replaces, and today's scheme for scale.
SCHEMES="frozen-bit frozen-bit-cas-put cas-loop"

measure() {
	exp_measure_init "$@"
	# The free decision alone: allocation (one reference) and the final put,
	# each worker on its own word: v5's dec-and-test + cmpxchg 0 -> FROZEN
	# against the cas-put's read + cmpxchg 1 -> FROZEN.
	exp_run atomics "$SCHEMES" --opt mix=free-cycle --opt target=per-worker
	# pread's pair (try_get, put) on one shared word and on private ones;
	# base_refs=1 keeps every put non-final: v5's put is one sub, the cas-put's
	# a read + cmpxchg loop that retries under contention.
	for c in shared per-worker; do
		exp_run atomics "$SCHEMES" --opt target=$c
	done
	# The real paths, on whatever kernel this is (each guest's own).
	exp_bench --workload pread --mode threads --opt size=64 --opt offset=0 --opt open=per-worker
	exp_bench --workload fault
	if exp_module; then
		# kernel: folio_alloc() + folio_put(), the kernel's own final put.
		exp_run module "kernel $SCHEMES" --opt mix=free-cycle --opt target=per-worker
		exp_run module "kernel $SCHEMES" --opt mix=tryget-put --opt target=shared
	fi
}

# ratios DIR SELECT TITLE: fix / v5 and v5 / cas-loop by variant, per kernel label.
ratios() {
	for k in $(exp_kernels "$1"); do
		exp_ratio "$1" "$2,kernel=$k" variant frozen-bit-cas-put frozen-bit \
			"$3 on $k: frozen-bit-cas-put / frozen-bit"
		exp_ratio "$1" "$2,kernel=$k" variant frozen-bit cas-loop \
			"$3 on $k: frozen-bit / cas-loop"
	done
}

# kernel_ratios DIR SELECT TITLE: the three kernels against each other.
kernel_ratios() {
	exp_ratio "$1" "$2" kernel patched-cas-put patched "$3: patched-cas-put / patched"
	exp_ratio "$1" "$2" kernel patched base "$3: patched / base"
	exp_ratio "$1" "$2" kernel patched-cas-put base "$3: patched-cas-put / base"
}

summarize() {
	dir=$1
	exp_header race-fix-cost "Review question 6: the put-path race reported on v4 (LKML 2026-06-20, \
lkml.iu.edu 2606.2/07523; DESIGN.md section 1): v5's final put drops the count to a plain 0 and \
then cmpxchgs 0 -> FROZEN, and a put delayed between the two can freeze, and free, a page that was \
revived, freed and reallocated meanwhile. <code>frozen-bit-cas-put</code> (and the kernel \
<code>patched-cas-put</code>) closes the window: every put is a read + cmpxchg loop, and the last \
reference goes from its count straight to FROZEN. Its cost: on the free decision (free-cycle: set \
one reference, final put), on the get/put pair of pread (a non-final put is now a cmpxchg loop \
instead of one atomic sub), and on the real paths: 64-byte pread of one tmpfs file and anonymous \
fault + munmap, across base, patched and patched-cas-put. <code>free_races</code> counts v5 puts \
whose freeze lost to a reviving getter." "$dir"
	fc='params.mix=free-cycle'
	gp='workload=atomics,params.mix=tryget-put'
	for w in atomics module; do
		exp_table "$dir" "workload=$w,$fc" kernel,variant \
			"$w free-cycle (per-worker): allocation + final put, M/s (median)"
		ratios "$dir" "workload=$w,$fc" "$w free-cycle"
	done
	exp_table "$dir" "$gp" kernel,variant,params.target \
		"atomics get-put: try_get + put pairs, Mops/s (median)"
	for c in shared per-worker; do
		ratios "$dir" "$gp,params.target=$c" "atomics tryget-put, $c word"
	done
	exp_table "$dir" "$gp" kernel,variant,params.target \
		"atomics tryget-put: cmpxchg retries per pair (median)" 'counters.cas_retries / ops' 1
	tp='workload=module,params.mix=tryget-put'
	exp_table "$dir" "$tp" kernel,variant "module tryget-put (shared folio/counter): Mops/s (median)"
	ratios "$dir" "$tp" "module tryget-put, shared"
	exp_table "$dir" workload=module kernel,variant,params.mix \
		"module: free races (v5 final puts that lost their freeze, median)" counters.free_races 1
	exp_table "$dir" workload=pread kernel "pread 64 B, one tmpfs file, threads: Mops/s (median)"
	kernel_ratios "$dir" workload=pread "pread"
	exp_table "$dir" workload=fault kernel "fault + munmap: M pages/s (median)"
	kernel_ratios "$dir" workload=fault "fault + munmap"
	kernel_ratios "$dir" "workload=module,variant=kernel,$fc" \
		"module kernel free-cycle (folio_alloc + folio_put)"
	kernel_ratios "$dir" "$tp,variant=kernel" \
		"module kernel tryget-put (folio_try_get + folio_put)"
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
