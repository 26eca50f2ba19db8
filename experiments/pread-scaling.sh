#!/bin/sh
# summary: the series' benchmark (64-byte pread, one tmpfs file, offset 0): base vs patched, threads and processes, at the topology's boundaries up to all PUs
#
# usage: pread-scaling.sh measure [--quick]      (natively, or as a guest's suite)
#        pread-scaling.sh workers PLACEMENT [--quick] [--topology T]
#                                               (the worker counts measure uses)
#        pread-scaling.sh summarize DIR          (host; HTML section on stdout,
#                                               the series table in DIR/series.md)
set -eu

# lib.sh: beside this script natively, /lab/bin/lib.sh in a guest.
for d in "$(dirname "$0")" /lab/bin; do
	if [ -f "$d/lib.sh" ]; then
		. "$d/lib.sh"
		break
	fi
done

# The worker counts are the harness's `--workers boundaries`: where the
# placement's first workers fill 1 PU, a core's SMT siblings, a NUMA node, a
# socket, all cores, all PUs (with --quick, the quick suite's: 1 and all the
# placement's PUs). The rule is include/folio-lab/boundaries.h, the one
# folio-lab-compare series labels the counts with; `folio-lab plan
# --workers boundaries` prints them with their labels. This prints them
# comma-separated, for this machine or the topology T.
workers() {
	_pl=$1
	shift
	_suite=full _topo=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--quick) _suite=quick ;;
		--topology) _topo=${2:?--topology needs a value}; shift ;;
		*) echo "pread-scaling.sh workers: unknown option '$1'" >&2; return 2 ;;
		esac
		shift
	done
	"${FOLIO_LAB_BIN:-folio-lab}" plan --workload pread --placement "$_pl" \
		--workers boundaries --suite "$_suite" ${_topo:+--topology "$_topo"} |
		sed -n 's/^worker counts: //p' | tr ' ' ','
}

# The PUs a placement offers here (`folio-lab plan`'s "placement: P (N PUs)").
placement_pus() {
	"$LAB" plan --placement "$1" | sed -n 's/^placement: .*(\([0-9]*\) PUs)$/\1/p'
}

measure() {
	exp_measure_init "$@"
	for mode in threads processes; do
		for placement in compact scatter nosmt; do
			# nosmt: only where it offers fewer PUs than compact (SMT), else
			# it is compact again
			[ "$placement" != nosmt ] ||
				[ "$(placement_pus nosmt)" != "$(placement_pus compact)" ] || continue
			exp_bench --workload pread --mode "$mode" --placement "$placement" \
				--opt size=64 --opt offset=0 --opt open=per-worker --workers boundaries
		done
	done
}

summarize() {
	dir=$1
	sel=workload=pread
	exp_header pread-scaling "Review question 1: the gain of the frozen bit on the series' own benchmark \
(every worker preads 64 bytes at offset 0 of one tmpfs file) against the number of workers, \
threads and processes, per placement (compact, scatter, and nosmt on SMT machines), at the \
worker counts where the workers fill one core, one NUMA node, one socket, all cores and all PUs." "$dir"
	exp_table "$dir" "$sel" kernel,mode,placement "pread, Mops/s (median over repetitions)"
	if [ "$(exp_kernels "$dir" | wc -l)" -lt 2 ]; then
		printf '<p>One kernel label only: no series table (it compares kernels).</p>\n'
		exp_footer
		return 0
	fi
	# The cover letter's table: platform, boundaries, ops/s, change and its CI.
	exp_compare series --format html "$dir"
	# the same table as markdown, to paste into a cover letter
	exp_compare series "$dir" >"$dir/series.md" 2>/dev/null || rm -f "$dir/series.md"
	# ... and its chart, one per placement: `folio-lab-compare report` (which
	# ./run.sh experiment runs next) draws charts/scaling-pread-PLACEMENT.svg.
	for pl in $(jq -r 'select(.workload == "pread") | .placement' "$dir/samples.jsonl" | sort -u); do
		f=scaling-pread-$(printf '%s' "$pl" | sed 's/[^A-Za-z0-9._-]/_/g').svg
		printf '<figure><img src="charts/%s" alt="the series scaling chart, %s placement" style="max-width:100%%">' \
			"$f" "$pl"
		printf '<figcaption>charts/%s: pread throughput against workers per kernel (solid threads, dashed processes), dotted verticals at the topology boundaries.</figcaption></figure>\n' "$f"
	done
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
workers) shift; workers "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | workers PLACEMENT [--quick] [--topology T] | summarize DIR" >&2; exit 2 ;;
esac
