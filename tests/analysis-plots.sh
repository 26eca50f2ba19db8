#!/usr/bin/env bash
# plots/plot.sh on generated results: every chart kind is drawn as a PNG
# and an SVG with valid headers; a one-kernel native directory gets no
# speedup chart and no "not a scalability result" note only when it is a
# big machine.   analysis-plots.sh FOLIO_LAB_COMPARE
set -u
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
export FOLIO_LAB_COMPARE=$BIN

python3 "$HERE/analysis-gen.py" "$T/r" --seed 11
"$ROOT/plots/plot.sh" "$T/r" || { echo "FAIL plot.sh exit $?"; exit 1; }
for kind in cover throughput speedup fairness contention ceiling; do
	n=$(ls "$T/r/charts/$kind"-*.png 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || { echo "FAIL no $kind chart"; fail=1; }
done
n=0
for f in "$T/r"/charts/*.png; do
	svg=${f%.png}.svg
	if [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ]; then
		echo "FAIL $f: not a PNG"; fail=1
	fi
	[ "$(stat -c %s "$f")" -gt 10000 ] || { echo "FAIL $f: suspiciously small"; fail=1; }
	grep -q '<svg' "$svg" && grep -q '</svg>' "$svg" || { echo "FAIL $svg: not an SVG"; fail=1; }
	n=$((n + 1))
done
echo "checked $n PNG+SVG pairs"
# the provenance says guest/TCG: the note must be drawn (SVG text is searchable)
grep -q 'not a scalability result' "$T/r/charts/throughput-pread-threads-compact.svg" ||
	{ echo "FAIL no 'not a scalability result' note"; fail=1; }
grep -q 'Mops/s' "$T/r/charts/throughput-pread-threads-compact.svg" ||
	{ echo "FAIL no Mops/s axis label"; fail=1; }
grep -q 'Test CPU' "$T/r/charts/throughput-pread-threads-compact.svg" ||
	{ echo "FAIL no machine caption"; fail=1; }

# the cover chart: pread threads, every kernel told apart by dash as well as colour,
# the linear reference clipped; workers on a log2 axis in every chart
ls "$T/r/charts/"cover-*.svg | grep -q 'cover-pread-threads-compact.svg' ||
	{ echo "FAIL the cover chart is not pread/threads"; fail=1; }
grep -q 'array ldt\[2\] = \[1, 2\]' "$T/r/plots-data/cover-pread-threads-compact.gpi" ||
	{ echo "FAIL cover: kernels do not differ in dash type"; fail=1; }
grep -q 'xtics_cmd = "set xtics (1, 2, 4, 8)"' "$T/r/plots-data/throughput-pread-threads-compact.gpi" ||
	{ echo "FAIL no worker tics"; fail=1; }
grep -q 'set logscale x 2' "$ROOT/plots/common.gp" && grep -q 'set clip two' "$ROOT/plots/cover.gp" ||
	{ echo "FAIL no log2 worker axis / no clipping"; fail=1; }
grep -q 'linear from base' "$T/r/charts/cover-pread-threads-compact.svg" ||
	{ echo "FAIL cover: no linear reference"; fail=1; }

# one kernel, native, 64 PUs: no speedup chart, no note
python3 "$HERE/analysis-gen.py" "$T/one" --kernels native --where native --pus 64 --seed 12
"$ROOT/plots/plot.sh" "$T/one" || { echo "FAIL plot.sh (one kernel)"; fail=1; }
ls "$T/one/charts/"speedup-* >/dev/null 2>&1 && { echo "FAIL speedup chart with one kernel"; fail=1; }
ls "$T/one/charts/"throughput-*.svg >/dev/null 2>&1 || { echo "FAIL no throughput chart (one kernel)"; fail=1; }
grep -l 'not a scalability result' "$T/one/charts/"*.svg 2>/dev/null && {
	echo "FAIL note on a 64-PU native run"; fail=1; }

# bad input -> 2
"$ROOT/plots/plot.sh" "$T/nonexistent" 2>/dev/null
[ $? = 2 ] || { echo "FAIL plot.sh on a missing dir should exit 2"; fail=1; }
[ $fail = 0 ] && echo "ok   plots"
exit $fail
