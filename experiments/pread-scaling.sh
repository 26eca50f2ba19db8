#!/bin/sh
# summary: the series' benchmark (64-byte pread, one tmpfs file, offset 0): base vs patched, threads and processes, at the topology's boundaries up to all PUs
#
# usage: pread-scaling.sh measure [--quick]      (natively, or as a guest's suite)
#        pread-scaling.sh workers PLACEMENT [--quick] [--topology T]
#                                               (the worker counts measure uses)
#        pread-scaling.sh summarize DIR          (host; HTML section on stdout,
#                                               the series table in DIR/series.md)
set -eu

# The worker counts, for one placement, at the boundaries of this machine's
# topology (or T's: an hwloc synthetic string or XML file), from the summary
# line `folio-lab plan` prints ("2 packages, 4 NUMA nodes, 32 cores, 64 PUs")
# and the placement's PU count. This is the one place the list is made:
#   compact: 1, one core's PUs (SMT), one NUMA node's PUs, one socket's PUs,
#            all PUs (the tree order: a core's siblings, then a node, ...)
#   scatter: 1, one PU per socket, one per node, one per core (SMT), all PUs
#   nosmt:   (SMT machines only; nothing without SMT) 1, the cores of a node,
#            of a socket, all cores, one PU each
#   others:  1 and all the placement's PUs
# folio-lab-compare series labels each count with the boundary it hits
# (analysis/analysis-series.c fl_boundary, the same rules). --quick: 1 and
# all PUs only. Nothing (the harness's default sweep) when plan fails.
workers() {
	_pl=$1
	shift
	_quick=0 _topo=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--quick) _quick=1 ;;
		--topology) _topo=${2:?--topology needs a value}; shift ;;
		*) echo "pread-scaling.sh workers: unknown option '$1'" >&2; return 2 ;;
		esac
		shift
	done
	"${FOLIO_LAB_BIN:-folio-lab}" plan --workload pread --placement "$_pl" \
		${_topo:+--topology "$_topo"} 2>/dev/null |
		awk -v pl="$_pl" -v quick="$_quick" '
		/^topology: / {
			s = $0
			sub(/.*: /, "", s)
			n = split(s, part, ", ")
			for (i = 1; i <= n; i++) {
				split(part[i], f, " ")
				if (f[2] ~ /^package/) pkgs = f[1]
				else if (f[2] == "NUMA") nodes = f[1]
				else if (f[2] ~ /^core/) cores = f[1]
				else if (f[2] ~ /^PU/) pus = f[1]
			}
		}
		/^placement: / { s = $0; sub(/.*\(/, "", s); avail = s + 0 }
		function want(w) { if (w >= 1 && w <= avail) seen[w] = 1 }
		END {
			if (!pus || !cores || !avail) exit 1
			tpc = pus % cores == 0 ? pus / cores : 1
			want(1)
			want(avail)
			if (!quick && pl == "compact") {
				want(tpc)
				if (nodes > 1 && pus % nodes == 0) want(pus / nodes)
				if (pkgs > 1 && pus % pkgs == 0) want(pus / pkgs)
			} else if (pl == "nosmt" && tpc == 1) {
				exit 0   # no SMT: the same PUs as compact, nothing to add
			} else if (!quick && pl == "nosmt") {
				if (nodes > 1 && cores % nodes == 0) want(cores / nodes)
				if (pkgs > 1 && cores % pkgs == 0) want(cores / pkgs)
			} else if (!quick && pl == "scatter") {
				if (pkgs > 1) want(pkgs)
				if (nodes > 1) want(nodes)
				if (tpc > 1) want(cores)
			}
			out = ""
			for (w = 1; w <= avail; w++)
				if (w in seen) out = out (out == "" ? "" : ",") w
			print out
		}'
}

measure() {
	lab=${FOLIO_LAB_BIN:-folio-lab}
	d=2 r=5 q=""
	[ "${1:-}" = --quick ] && d=0.3 r=2 q=--quick
	for mode in threads processes; do
		for placement in compact scatter nosmt; do
			w=$(workers "$placement" $q || true)
			# nosmt: only where SMT makes it differ from compact
			[ -n "$w" ] || [ "$placement" != nosmt ] || continue
			[ -n "$w" ] || echo "pread-scaling: no topology from '$lab plan': the default sweep" >&2
			"$lab" bench --out "${OUT:?}" --workload pread --mode "$mode" \
				--placement "$placement" --opt size=64 --opt offset=0 \
				--opt open=per-worker --duration "$d" --reps "$r" ${w:+--workers "$w"}
		done
	done
}

summarize() {
	. "$(dirname "$0")/lib.sh"
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
