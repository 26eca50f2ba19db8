#!/bin/sh
# summary: each scheme as a fraction of the machine's measured single cache-line ceiling (1 / handoff latency)
#
# usage: ceiling.sh measure [--quick] | summarize DIR
set -eu

measure() {
	lab=${FOLIO_LAB_BIN:-folio-lab}
	# The suite's window, repetitions and workers: the harness's (bench --suite).
	s=full
	[ "${1:-}" = --quick ] && s=quick
	"$lab" bench --out "${OUT:?}" --workload handoff --suite "$s" --reps 1
	"$lab" bench --out "$OUT" --workload atomics --variant all --suite "$s"
	if [ -e /dev/folio_lab ]; then
		"$lab" bench --out "$OUT" --workload module --variant all --suite "$s"
	fi
}

summarize() {
	. "$(dirname "$0")/lib.sh"
	dir=$1
	exp_header ceiling "DESIGN section 3: one contended line sustains about 1 / handoff latency operations \
per second. Each get+put pair is two RMWs on the line, so a pair-rate of half the ceiling is the \
best any scheme can do if every operation needs a handoff; the table gives ops/s divided by the \
measured ceiling of the same kernel. A fraction above 1 means cores ran several operations per \
ownership of the line (the hardware does not alternate strictly, as the ping-pong does): the \
gap between the schemes, not the absolute fraction, is what compares them." "$dir"
	ceil='workload=handoff,variant=ceiling'
	exp_table "$dir" "$ceil" kernel "measured ceiling, M line handoffs/s" ops_per_sec 1e6
	exp_table "$dir" "$ceil" kernel "median one-way handoff latency, ns" handoff_ns 1
	# ops/s over the median ceiling of the same kernel
	exp_compare table --filter 'workload=atomics|module,params.target=shared' \
		--reference "$ceil" --rows kernel,workload,variant --scale 1 \
		--title "fraction of the ceiling (shared counter)" "$dir"
	exp_footer
}

case "${1:-}" in
measure) shift; measure "$@" ;;
summarize) shift; summarize "$@" ;;
*) echo "usage: $0 measure [--quick] | summarize DIR" >&2; exit 2 ;;
esac
