#!/usr/bin/env bash
# Draw every chart that applies to a results directory:
#   plots/plot.sh DIR [folio-lab-compare options, e.g. --baseline LABEL]
# `folio-lab-compare plotdata` aggregates DIR/samples.jsonl into
# DIR/plots-data/ (one .dat and .gpi per chart, charts.list); gnuplot then
# draws DIR/charts/NAME.png and NAME.svg with plots/KIND.gp.
# Exit: 0 drawn, 2 usage/input error, 77 gnuplot missing.
set -euo pipefail

PLOTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=${LAB_ROOT:-$(dirname "$PLOTS")}

die() { printf 'plot.sh: %s\n' "$*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: plots/plot.sh DIR [--baseline LABEL]"
case "$1" in -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
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
"$COMPARE" plotdata "$@" "$DIR" >&2
mkdir -p "$DIR/charts"
n=0
failed=0
while read -r kind name _workload; do
	[ -n "$kind" ] || continue
	if gnuplot -e "cfg='$DIR/plots-data/$name.gpi'; plotsdir='$PLOTS'" "$PLOTS/$kind.gp" \
		2>"$DIR/plots-data/$name.log"; then
		n=$((n + 1))
	else
		failed=$((failed + 1))
		echo "plot.sh: $kind $name failed:" >&2
		cat "$DIR/plots-data/$name.log" >&2
	fi
done <"$DIR/plots-data/charts.list"
echo "plot.sh: $n charts in $DIR/charts/ (PNG and SVG)" >&2
[ "$failed" = 0 ] || die "$failed chart(s) failed"
