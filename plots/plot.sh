#!/usr/bin/env bash
# Draw every chart that applies to a results directory:
#   plots/plot.sh DIR [folio-lab-compare options, e.g. --baseline LABEL]
# `folio-lab-compare plot` aggregates DIR/samples.jsonl into
# DIR/plots-data/ (one .dat and .gpi per chart, charts.list) and draws
# DIR/charts/NAME.png and NAME.svg with gnuplot and plots/KIND.gp.
# Exit: 0 drawn, 2 usage/input error, 77 gnuplot missing.
set -euo pipefail

PLOTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=${LAB_ROOT:-$(dirname "$PLOTS")}

die() { printf 'plot.sh: %s\n' "$*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: plots/plot.sh DIR [--baseline LABEL]"
case "$1" in -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
DIR=${1%/}
shift
[ -d "$DIR" ] || die "$DIR: not a directory"
[ -f "$DIR/samples.jsonl" ] || die "$DIR: no samples.jsonl"
case "$DIR" in *"'"*) die "$DIR: a quote in the path confuses gnuplot" ;; esac
if ! command -v gnuplot >/dev/null; then
	echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2
	exit 77
fi

COMPARE=${FOLIO_LAB_COMPARE:-}
if [ -z "$COMPARE" ]; then
	for c in "${FOLIO_LAB_BUILD:-$LAB_ROOT/build}/folio-lab-compare" \
		"$LAB_ROOT/build/folio-lab-compare"; do
		[ -x "$c" ] && COMPARE=$c && break
	done
fi
[ -n "$COMPARE" ] && [ -x "$COMPARE" ] ||
	die "folio-lab-compare not built (./run.sh build, or set FOLIO_LAB_COMPARE)"

# Charts of an earlier run that no longer apply must not linger.
if [ -f "$DIR/plots-data/charts.list" ]; then
	while read -r _kind name _workload; do
		[ -n "$name" ] && rm -f "$DIR/charts/$name.png" "$DIR/charts/$name.svg"
	done <"$DIR/plots-data/charts.list"
fi
# The binary writes the chart data and runs gnuplot on plots/KIND.gp itself
# (report does the same in-process: no report -> plot.sh -> binary round trip).
rc=0
LAB_ROOT=$LAB_ROOT "$COMPARE" plot "$@" "$DIR" >&2 || rc=$?
case $rc in
0) ;;
77) exit 77 ;;
*) die "chart(s) failed or records refused (exit $rc; see above)" ;;
esac
