#!/usr/bin/env bash
# folio-lab-compare report: renders report.html from generated results with
# experiment sections, then headless Chromium loads it: the DOM must hold
# the inline SVG charts, the comparison and provenance tables, the note and
# the sections, and the screenshot must be a non-trivial PNG. Refused
# records: exit 2, named at the top, the rest still rendered.
#   analysis-report.sh FOLIO_LAB_COMPARE
set -u
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CHROME=
for c in chromium chromium-browser google-chrome; do
	command -v "$c" >/dev/null && CHROME=$c && break
done
[ -n "$CHROME" ] || { echo "SKIP: chromium not installed"; exit 77; }
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed (charts)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # what pattern file
	grep -Eq -- "$2" "$3" || { echo "FAIL $1: /$2/ not in $(basename "$3")"; fail=1; }
}

python3 "$HERE/analysis-gen.py" "$T/r" --effect -10 --seed 21
mkdir -p "$T/r/sections" "$T/r/experiments"
printf '# Q2: assume-one\n\nLinus asked for `assume-one`.\n\n| scheme | Mops/s |\n|---|---|\n| frozen-bit | 42 |\n' \
	>"$T/r/sections/10-q2.md"
echo '<h3 id="frag-html">From an experiment</h3><p>fragment body</p>' >"$T/r/sections/20-frag.html"
echo '# Q5 model check' >"$T/r/experiments/q5.md"

LAB_ROOT=$ROOT "$BIN" report --baseline base "$T/r" || { echo "FAIL report exit $?"; exit 1; }
# a native copy: judged, so a regression shows
python3 "$HERE/analysis-gen.py" "$T/n" --effect -10 --seed 21 --where native
LAB_ROOT=$ROOT "$BIN" report --no-plots --baseline base "$T/n" >/dev/null ||
	{ echo "FAIL report (native) exit $?"; fail=1; }
grep -q 'class="bad"' "$T/n/report.html" || { echo "FAIL native report: no regression row"; fail=1; }
H=$T/r/report.html
[ -s "$H" ] || { echo "FAIL no report.html"; exit 1; }
# self-contained: nothing loaded from elsewhere
if grep -Eqi '(src|href)="(https?:)?//|url\((https?:)?//|@import|<link ' "$H"; then
	echo "FAIL report.html refers to external resources"; fail=1
fi

timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --dump-dom "file://$H" \
	>"$T/dom.html" 2>"$T/chrome.log"
check "charts" '<svg' "$T/dom.html"
nsvg=$(grep -o '<svg' "$T/dom.html" | wc -l)
nfig=$(ls "$T/r/charts/"*.svg | wc -l)
[ "$nsvg" -ge "$nfig" ] && [ "$nfig" -ge 5 ] ||
	{ echo "FAIL $nsvg inline SVGs in the DOM for $nfig charts"; fail=1; }
check "comparison table" '<table class="cmp">' "$T/dom.html"
check "an emulated row" 'class="undecided"' "$T/dom.html"
check "provenance table" 'id="provenance"' "$T/dom.html"
check "provenance cpu" 'Test CPU' "$T/dom.html"
check "statistics table" '<table class="stats">' "$T/dom.html"
check "note" 'not a scalability result' "$T/dom.html"
check "markdown section" '<td>frozen-bit</td>' "$T/dom.html"
check "html section" 'id="frag-html"' "$T/dom.html"
check "experiments section" 'Q5 model check' "$T/dom.html"
check "reproduce" './run.sh compare --baseline base' "$T/dom.html"
check "headline" '<pre class="headline">' "$T/dom.html"
check "headline: a change with its CI" '[-+][0-9]+\.[0-9]% \[ *[-+][0-9.]+%, +[-+][0-9.]+%\]' "$T/dom.html"
check "emulated records are not judged" 'exits 125' "$T/dom.html"
# the report opens with the headline, then the cover chart, before the provenance
python3 - "$T/dom.html" <<'PY' || fail=1
import sys
h = open(sys.argv[1]).read()
head, cover, fig, prov = (h.find(s) for s in ('<pre class="headline">', 'id="chart-cover-', "<figure", 'id="provenance"'))
if not (0 <= head < fig <= cover < fig + 80 < prov):
    print(f"FAIL report order: headline {head}, cover {cover}, first figure {fig}, provenance {prov}")
    sys.exit(1)
PY
check "meta command" './run.sh bench pread --kernel patched' "$T/dom.html"
for wl in pread module fault handoff; do
	check "section $wl" "id=\"wl-$wl\"" "$T/dom.html"
done

timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --screenshot="$T/shot.png" \
	--window-size=1280,4000 "file://$H" >>"$T/chrome.log" 2>&1
if [ ! -s "$T/shot.png" ] ||
	[ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ]; then
	echo "FAIL no screenshot"; tail -5 "$T/chrome.log"; fail=1
else
	# a blank page compresses to a few KiB; tables and charts do not
	sz=$(stat -c %s "$T/shot.png")
	[ "$sz" -gt 50000 ] || { echo "FAIL screenshot only $sz bytes: blank page?"; fail=1; }
	echo "screenshot: $sz bytes, $nsvg inline SVGs"
fi
# refused records (a line that is not JSON, two copies of a measurement that
# disagree): report exits 2 yet renders the rest, naming them at the top
python3 "$HERE/analysis-gen.py" "$T/bad" --effect -10 --seed 21 --bad
last=$(wc -l <"$T/bad/samples.jsonl")
LAB_ROOT=$ROOT "$BIN" report --baseline base "$T/bad" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
[ $rc = 2 ] || { echo "FAIL report with refused records: exit $rc, want 2"; fail=1; }
B=$T/bad/report.html
[ -s "$B" ] || { echo "FAIL refused: no report.html"; fail=1; touch "$B"; }
check "refused: stderr names line 11" "refused $T/bad/samples.jsonl:11: not a JSON record" "$T/bad.err"
check "refused: stderr counts them" '3 records refused; the rest is shown' "$T/bad.err"
check "refused: the section" '<section id="refused" class="refused"><h2>Refused records</h2>' "$B"
check "refused: the count" '<b>3 records refused</b>' "$B"
check "refused: line 3, escaped" "<code>$T/bad/samples.jsonl:3</code>: the same measurement \(run_id 'bad&lt;run&gt;&amp;id', rep 2, same case and kernel\) as $T/bad/samples.jsonl:$last with different values" "$B"
check "refused: line 11" "<code>$T/bad/samples.jsonl:11</code>: not a JSON record" "$B"
check "refused: the last line" "<code>$T/bad/samples.jsonl:$last</code>: the same measurement" "$B"
grep -q 'bad<run>' "$B" && { echo "FAIL refused: record text not escaped"; fail=1; }
for p in '<svg' '<table class="cmp">' '<table class="stats">' '<pre class="headline">' 'id="provenance"' \
	'id="wl-pread"' 'exits 2 \(records refused'; do
	check "refused: the rest still rendered ($p)" "$p" "$B"
done
python3 - "$B" <<'PY' || fail=1
import sys
h = open(sys.argv[1]).read()
ref, head, fig = (h.find(s) for s in ('id="refused"', '<pre class="headline">', "<figure"))
if not (0 <= ref < head < fig):
    print(f"FAIL refused section not at the top: refused {ref}, headline {head}, first figure {fig}")
    sys.exit(1)
PY
grep -q 'id="refused"\|Refused records' "$H" && { echo "FAIL clean report has a refused section"; fail=1; }
[ $fail = 0 ] && echo "ok   report"
exit $fail
