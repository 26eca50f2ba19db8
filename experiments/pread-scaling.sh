#!/bin/sh
# summary: the series' benchmark (64-byte pread, one tmpfs file, offset 0): base vs patched, threads and processes, per placement
#
# usage: pread-scaling.sh measure [--quick]   (natively, or as a guest's suite)
#        pread-scaling.sh summarize DIR       (host; HTML section on stdout)
set -eu

measure() {
	lab=${FOLIO_LAB_BIN:-folio-lab}
	d=2 r=5
	[ "${1:-}" = --quick ] && d=0.3 r=2
	for mode in threads processes; do
		for placement in compact scatter; do
			"$lab" bench --out "${OUT:?}" --workload pread --mode "$mode" \
				--placement "$placement" --opt size=64 --opt offset=0 \
				--opt open=per-worker --duration "$d" --reps "$r"
		done
	done
}

summarize() {
	. "$(dirname "$0")/lib.sh"
	dir=$1
	sel=workload=pread
	exp_header pread-scaling "Review question 1: the gain of the frozen bit on the series' own benchmark \
(every worker preads 64 bytes at offset 0 of one tmpfs file) against the number of workers, \
threads and processes, per placement." "$dir"
	exp_table "$dir" "$sel" kernel,mode,placement "pread, Mops/s (median over repetitions)"
	for mode in threads processes; do
		for placement in compact scatter; do
			for k in patched patched-cas-put; do
				exp_ratio "$dir" "$sel,mode=$mode,placement=$placement" \
					kernel $k base "Speedup $k / base, $mode, $placement"
			done
		done
	done
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
