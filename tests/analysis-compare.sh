#!/usr/bin/env bash
# folio-lab-compare compare/headline/table/export-csv on generated results:
# verdicts, exit codes (0/1/125/2), family-wise control, emulated, missing,
# reference and duplicated records, strict input (file:line), refused records
# (the rest still compared, exit 2), the headline
# (width, CI, markers, several kernels), compare.md/compare.csv, filters.
#   analysis-compare.sh FOLIO_LAB_COMPARE
set -u
BIN=$1
GEN="python3 $(dirname "$0")/analysis-gen.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0

# expect NAME RC [grep-pattern...] -- CMD...
expect() {
	local name=$1 want=$2
	shift 2
	local pats=()
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	"$@" >"$T/out" 2>&1
	local rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit $rc, want $want"; sed 's/^/  | /' "$T/out" | tail -20
		fail=1
		return
	fi
	for p in "${pats[@]}"; do
		if ! grep -Eq -- "$p" "$T/out"; then
			echo "FAIL $name: output lacks /$p/"; sed 's/^/  | /' "$T/out" | tail -20
			fail=1
			return
		fi
	done
	echo "ok   $name (exit $rc)"
}
check() { # NAME COMMAND...: a shell condition
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}

# A native run is never judged against guest records: different environments.
$GEN "$T/envs" --effect -10 --seed 2 --kernels base
$GEN "$T/envs-n" --effect -10 --seed 2 --kernels native --where native
expect "different environments are not compared -> 125" 125 'not comparing native \(native/none\) with base \(guest/tcg\)' \
	-- "$BIN" compare "$T/envs" "$T/envs-n"

$GEN "$T/regress" --effect -10 --seed 2 --where native
expect "clear regression -> 1" 1 '^default +8 .*-[0-9.]+%.*regressed' 'summary: 0 improved, [1-9][0-9]* regressed' \
	-- "$BIN" compare --baseline base "$T/regress"
grep -q '| regressed |' "$T/regress/compare.md" ||
	{ echo "FAIL compare.md missing or without a regression row"; fail=1; }
head -1 "$T/regress/compare.csv" | grep -q '^kind,metric,workload,variant,mode,placement,params,workers,' ||
	{ echo "FAIL compare.csv header"; fail=1; }
# 34 cases: 34 headline rows, 8 geomean rows (lines with several worker counts), 34 rows
python3 - "$T/regress/compare.csv" <<'PY' || fail=1
import collections, csv, sys
rows = list(csv.reader(open(sys.argv[1])))
widths = {len(r) for r in rows}
kinds = collections.Counter(r[0] for r in rows[1:])
want = {"headline": 34, "geomean": 8, "row": 34}
if widths != {len(rows[0])} or kinds != want or rows[1][0] != "headline":
    print(f"FAIL compare.csv: widths {widths}, kinds {dict(kinds)}, want {want}, headline first")
    sys.exit(1)
h = rows[0]
reg = [r for r in rows if r[0] == "row" and r[h.index("verdict")] == "regressed"]
if not all(float(r[h.index("p_adjusted")]) >= float(r[h.index("p")]) for r in reg):
    print("FAIL compare.csv: an adjusted p below its raw p"); sys.exit(1)
if not all(float(r[h.index("change_ci_lo_pct")]) <= float(r[h.index("change_pct")]) <= float(r[h.index("change_ci_hi_pct")]) for r in reg):
    print("FAIL compare.csv: a change outside its CI"); sys.exit(1)
print("ok   compare.csv: headline first, 8 geomean rows, raw <= adjusted p, change inside its CI")
PY

# the headline: the change with its CI and marker, a geomean row, <= 100 columns
expect "headline: change [CI] marker, geo row" 1 '^ +8 +[0-9.]+M +[0-9.]+M +-[0-9]+\.[0-9]% \[ *-[0-9.]+%, +-[0-9.]+%\] +!$' \
	'^ geo +-[0-9.]+%$' -- "$BIN" headline --baseline base "$T/regress"
check "headline: nothing but the headline" sh -c "! grep -q '== patched against' '$T/out'"
check "stdout within 100 columns" test "$(awk 'length > 100' "$T/out" | wc -l)" = 0
"$BIN" compare --baseline base "$T/regress" >"$T/full" 2>&1
check "compare stdout (headline + table) within 100 columns" test "$(awk 'length > 100' "$T/full" | wc -l)" = 0
check "compare.md headline first, in a code block" \
	sh -c "sed -n '3,5p' '$T/regress/compare.md' | grep -q '^\`\`\`' && grep -q 'pread default, threads, compact' '$T/regress/compare.md'"
check "no trailing blanks in the headline" test "$(grep -c ' $' "$T/out")" = 0

# several kernels side by side; patched unchanged -> '~', patched-cas-put -> '!'
$GEN "$T/three" --effect -10 --seed 8 --where native --kernels base,patched,patched-cas-put
expect "three kernels side by side" 1 'wrk +base +patched vs base +patched-cas-put vs base' \
	'^ +4 .* ~ +[0-9.]+M +-[0-9.]+% \[.*\] +!$' -- "$BIN" headline --baseline base "$T/three"
check "three kernels within 100 columns" test "$(awk 'length > 100' "$T/out" | wc -l)" = 0

$GEN "$T/improve" --effect 10 --seed 3 --where native
expect "clear improvement -> 0" 0 'improved' 'summary: [1-9][0-9]* improved, 0 regressed' \
	-- "$BIN" compare --baseline base "$T/improve"

$GEN "$T/noise" --effect 0 --noise 0.5 --seed 4 --where native
expect "noise -> 0, no change; handoff is a reference" 0 'no change' 'summary: 0 improved, 0 regressed, [0-9]+ no change, 0 cannot' \
	'^pingpong .* reference' -- "$BIN" compare --baseline base "$T/noise"

$GEN "$T/n2" --reps 2 --effect -10 --seed 5 --where native
expect "n=2 -> 125 with the reason" 125 'cannot decide' 'too few repetitions: n=2' \
	-- "$BIN" compare --baseline base "$T/n2"

$GEN "$T/n3" --reps 3 --effect -10 --seed 6 --where native
expect "n=3 -> 125: smallest p 0.1 >= alpha" 125 'smallest possible p is 0.1 >= alpha 0.05' \
	-- "$BIN" compare --baseline base "$T/n3"
expect "n=3 with --alpha 0.2 -> decides (1)" 1 'regressed' \
	-- "$BIN" compare --alpha 0.2 --baseline base "$T/n3"

# family-wise control: with Holm, 5 against 5 repetitions (smallest p 0.0079) cannot
# clear 0.05/32; BH can; none is the old per-row test
$GEN "$T/fam" --reps 5 --effect -10 --seed 9 --where native
expect "--correction holm: 5 reps cannot clear alpha/m" 0 'Holm over 32 tested rows' \
	-- "$BIN" compare --correction holm --baseline base "$T/fam"
expect "--correction bh finds them" 1 'Benjamini-Hochberg over 32' -- "$BIN" compare --baseline base "$T/fam"
expect "--correction none" 1 'regressed' -- "$BIN" compare --correction none --baseline base "$T/fam"
expect "bad --correction -> 2" 2 'bh, holm or none' -- "$BIN" compare --correction sidak "$T/fam"

# emulated (TCG) records: no verdict, exit 125, unless asked
$GEN "$T/tcg" --effect -10 --seed 2
expect "emulated -> 125 with the reason" 125 'emulated' 'TCG' 'measured under TCG emulation' \
	'exit 125' -- "$BIN" compare --baseline base "$T/tcg"
check "emulated rows carry E in the headline" grep -Eq '\] +E$' "$T/out"
expect "--allow-emulated judges them" 1 'regressed' -- "$BIN" compare --allow-emulated --baseline base "$T/tcg"
# ... whatever else stops a verdict (here: 2 repetitions, as --quick takes)
$GEN "$T/tcg2" --reps 2 --effect -10 --seed 3
expect "emulated with n=2 -> rows say emulated, not cannot decide" 125 '^default +2 .* emulated$' \
	'32 emulated' -- "$BIN" compare --baseline base "$T/tcg2"
check "the emulated rows keep why the test alone could not decide" \
	grep -q 'not judged (the test alone says cannot decide: too few repetitions' "$T/tcg2/compare.csv"
check "no 'cannot decide' row among emulated ones" \
	sh -c '! grep -Eq "^[a-z].* cannot decide$" "$1"' sh "$T/out"

# a case measured on the baseline only (a crashed workload) fails the gate
cp -r "$T/improve" "$T/miss"
grep -v '"kernel": "patched".*"workload": "fault"\|"workload": "fault".*"kernel": "patched"' \
	"$T/improve/samples.jsonl" >"$T/miss/samples.jsonl"
expect "missing in the new kernel -> 1" 1 '^default +4 .*missing' 'no records from patched' \
	'a case is missing' -- "$BIN" compare --baseline base "$T/miss"
expect "--allow-missing -> 0" 0 'missing' -- "$BIN" compare --allow-missing --baseline base "$T/miss"

mkdir -p "$T/onlybase"
grep '"kernel": "base"' "$T/improve/samples.jsonl" >"$T/onlybase/samples.jsonl"
expect "--expect: a kernel without any record -> 1" 1 'kernel patched wrote no records' \
	-- "$BIN" compare --expect patched --baseline base "$T/onlybase"
expect "--expect: a third kernel absent -> 1" 1 'kernel patched-cas-put wrote no records' \
	-- "$BIN" compare --expect patched,patched-cas-put --baseline base "$T/improve"
expect "--expect: all present -> 0" 0 'exit 0' -- "$BIN" compare --expect patched --baseline base "$T/improve"

# duplicated records: the same file merged twice is counted once, with a message
mkdir -p "$T/dup"
cat "$T/fam/samples.jsonl" "$T/fam/samples.jsonl" >"$T/dup/samples.jsonl"
"$BIN" compare --quiet --correction none --baseline base "$T/fam" 2>&1 | grep summary >"$T/once"
expect "duplicates counted once" 1 'counted once' -- "$BIN" compare --quiet --correction none --baseline base "$T/dup"
check "duplicates: the same verdicts as once" sh -c "grep summary '$T/out' | cmp -s - '$T/once'"
sed -n 3p "$T/fam/samples.jsonl" | sed 's/"ops_per_sec": [0-9.e+]*/"ops_per_sec": 5.0/' >"$T/conf"
cat "$T/fam/samples.jsonl" "$T/conf" >"$T/dup/samples.jsonl"
expect "conflicting duplicates -> 2" 2 'samples.jsonl:[0-9]+: the same measurement .* different values' \
	-- "$BIN" compare --baseline base "$T/dup"

# identical samples on both sides: no change, not "cannot decide"
mkdir -p "$T/same"
sed -E 's/"ops_per_sec": [0-9.e+]+/"ops_per_sec": 1000000.0/' "$T/noise/samples.jsonl" >"$T/same/samples.jsonl"
expect "identical samples -> no change, 0" 0 'summary: 0 improved, 0 regressed, 32 no change, 0 cannot' \
	-- "$BIN" compare --baseline base "$T/same"
check "identical samples: the reason says so" grep -q 'identical values on both sides' "$T/same/compare.md"

# --filter
expect "--filter workload=pread,mode=threads" 1 '^pread, threads' -- \
	"$BIN" compare --filter workload=pread,mode=threads --baseline base "$T/regress"
check "--filter keeps only those rows" sh -c "! grep -Eq '^(module|fault|pread, processes)' '$T/out'"
expect "--filter with no match -> 125" 125 'exit 125' -- "$BIN" compare --filter workload=nope --baseline base "$T/regress"
expect "bad --filter -> 2" 2 'KEY=GLOB' -- "$BIN" compare --filter pread "$T/regress"

# '|' in a label stays one Markdown cell
mkdir -p "$T/pipe"
sed 's/"variant": "default"/"variant": "a|b"/' "$T/improve/samples.jsonl" >"$T/pipe/samples.jsonl"
"$BIN" compare --quiet --baseline base "$T/pipe" >/dev/null 2>&1
check "compare.md escapes |" python3 - "$T/pipe/compare.md" <<'PY'
import re, sys
rows = [l for l in open(sys.argv[1]) if l.startswith("| ")]
cells = {len(re.split(r"(?<!\\)\|", l.strip())) for l in rows}
sys.exit(0 if len(cells) == 1 and any("a\\|b" in l for l in rows) else 1)
PY

# BASE NEW... layout: one directory per kernel, tables into --out
$GEN "$T/split" --layout split --effect -10 --seed 7 --where native
expect "compare BASE NEW -> 1" 1 'regressed' \
	-- "$BIN" compare --out "$T/split-out" "$T/split/base" "$T/split/patched"
[ -s "$T/split-out/compare.csv" ] || { echo "FAIL --out: no compare.csv"; fail=1; }
expect "threshold 20% hides a 10% change -> 0" 0 'no change' \
	-- "$BIN" compare --threshold 20 "$T/split/base" "$T/split/patched"
expect "lower-is-better metric flips the verdict -> 0" 0 'improved' \
	-- "$BIN" compare --lower-is-better --baseline base "$T/regress"

# usage errors -> 2
expect "no arguments -> 2" 2 'usage' -- "$BIN"
expect "unknown command -> 2" 2 "unknown command" -- "$BIN" frobnicate "$T/noise"
expect "unknown option -> 2" 2 'usage' -- "$BIN" compare --bogus "$T/noise"
expect "bad --alpha -> 2" 2 'alpha' -- "$BIN" compare --alpha 2 "$T/noise"
expect "missing dir -> 2" 2 'cannot read' -- "$BIN" compare "$T/nonexistent" "$T/noise"
expect "unknown baseline -> 2" 2 "baseline 'nope' not found" -- "$BIN" compare --baseline nope "$T/noise"
expect "one label only -> 2" 2 'nothing to compare' -- "$BIN" compare "$T/split/base"
expect "unknown metric -> 2" 2 "no record has a numeric 'nope'" \
	-- "$BIN" compare --metric nope --baseline base "$T/noise"

# bad input -> 2, naming the file and the line; blank lines do not shift the count
bad() { # NAME PATTERN SED-EXPRESSION-ON-LINE-7
	mkdir -p "$T/bad"
	{ printf '\n\n'; sed -n '1,6p' "$T/noise/samples.jsonl"; sed -n '7p' "$T/noise/samples.jsonl" | sed "$3";
		sed -n '8,$p' "$T/noise/samples.jsonl"; } >"$T/bad/samples.jsonl"
	expect "bad input: $1 -> 2 at line 9" 2 "bad/samples.jsonl:9: .*$2" -- "$BIN" compare --baseline base "$T/bad"
}
bad "corrupt line mid-file" 'not a JSON record' 's/^{"schema"/{"schema/'
bad "NaN metric" "'ops_per_sec' is NaN" 's/"ops_per_sec": [0-9.e+]*/"ops_per_sec": NaN/'
bad "infinite metric" "'ops_per_sec' is infinite" 's/"ops_per_sec": [0-9.e+]*/"ops_per_sec": Infinity/'
bad "negative metric" "'ops_per_sec' is negative" 's/"ops_per_sec": [0-9.e+]*/"ops_per_sec": -5/'
bad "string metric" "'ops_per_sec' is not a number" 's/"ops_per_sec": [0-9.e+]*/"ops_per_sec": "fast"/'
bad "missing workload" "required field 'workload'" 's/"workload": "[a-z]*", //'
bad "missing workers" "required field 'workers'" 's/"workers": [0-9]*, //'
bad "text after the record" 'not a JSON record' 's/$/ x/'
bad "NUL byte" 'NUL byte' 's/"mode"/"mo\x00de"/'
{ printf '\n\n'; grep '"workload": "module"' "$T/noise/samples.jsonl" |
	sed '7s/"cas_retries": [0-9]*/"cas_retries": "many"/'; } >"$T/bad/samples.jsonl"
expect "--metric counters.X not a number -> 2 at line 9" 2 "samples.jsonl:9: 'counters.cas_retries' is not a number" \
	-- "$BIN" compare --metric counters.cas_retries --baseline base "$T/bad"
expect "a bad counter is no error when it is not the metric" 0 'exit 0' \
	-- "$BIN" compare --baseline base "$T/bad"
printf '{"schema":1,"workload":"pr' >>"$T/improve/samples.jsonl"
expect "truncated last line -> 2" 2 'improve/samples.jsonl:[0-9]+: not a JSON record.*truncated' \
	-- "$BIN" compare --baseline base "$T/improve"

# refused records cost only themselves: two kernels' valid records, a line that is
# not JSON (11) and two copies of one measurement that disagree (3 and the last)
$GEN "$T/refused" --effect -10 --seed 2 --where native --bad
last=$(wc -l <"$T/refused/samples.jsonl")
R="$T/refused/samples.jsonl"
expect "refused records -> 2, the rest compared" 2 "^folio-lab-compare: refused $R:3: the same measurement \(run_id 'bad<run>&id', rep 2, same case and kernel\) as $R:$last with different values$" \
	"^folio-lab-compare: refused $R:11: not a JSON record" \
	"^folio-lab-compare: refused $R:$last: the same measurement .* as $R:3 with different values$" \
	'^folio-lab-compare: 3 records refused; the rest is shown$' \
	'summary: 0 improved, [1-9][0-9]* regressed' '^refused: 3 records' \
	-- "$BIN" compare --baseline base "$T/refused"
check "refused: named first, before the output" sh -c "head -4 '$T/out' | grep -c '^folio-lab-compare: refused ' | grep -qx 3"
"$BIN" compare --baseline base "$T/refused" >/dev/null 2>"$T/err"
check "refused: named on stderr" test "$(grep -c "^folio-lab-compare: refused $R:" "$T/err")" = 3
M=$T/refused/compare.md
check "refused: compare.md opens with the refused records" \
	sh -c "grep -n '^## ' '$M' | head -2 | tr '\n' ' ' | grep -q '^3:## Refused records .*:## Headline'"
check "refused: compare.md names the three lines" sh -c "grep -q '^\*\*3 records refused\*\*' '$M' &&
	grep -q '^- \`$R:3\`: the same measurement (run_id .bad\\\\<run\\\\>&id., rep 2' '$M' &&
	grep -q '^- \`$R:11\`: not a JSON record' '$M' && grep -q '^- \`$R:$last\`: the same measurement' '$M'"
check "refused: compare.md still has every valid case's row" \
	sh -c "test \"\$(grep -c '^| ' '$M')\" = \"\$(grep -c '^| ' '$T/regress/compare.md')\" && grep -q '| regressed |' '$M'"
check "refused: compare.csv written" test -s "$T/refused/compare.csv"
FOLIO_LAB_COMPARE_SLOW=1 "$BIN" compare --quiet --baseline base --out "$T/refused-slow" "$T/refused" >/dev/null 2>&1
check "refused: json-c path refuses the same, compares the same" \
	cmp -s "$T/refused/compare.csv" "$T/refused-slow/compare.csv"
for c in headline table series export-csv plotdata; do
	expect "refused: $c shows the rest and exits 2" 2 "^folio-lab-compare: refused $R:11: " \
		'3 records refused; the rest is shown' -- "$BIN" "$c" --baseline base "$T/refused"
done
check "refused: export-csv wrote the valid records only" test "$(wc -l <"$T/refused/samples.csv")" = $((last - 3 + 1))
expect "refused: report exits 2, writes report.html" 2 '3 records refused; the rest is shown' 'report.html: ' \
	-- "$BIN" report --no-plots --baseline base "$T/refused"
check "refused: report.html names them, escaped" sh -c "grep -q '<h2>Refused records</h2>' '$T/refused/report.html' &&
	grep -q \"<code>$R:3</code>: the same measurement (run_id 'bad&lt;run&gt;&amp;id'\" '$T/refused/report.html' &&
	! grep -q 'bad<run>' '$T/refused/report.html'"
mkdir -p "$T/allbad"
printf 'garbage\n{"workers": 1}\n' >"$T/allbad/samples.jsonl"
expect "refused: nothing valid -> 2, as an empty directory" 2 'allbad/samples.jsonl:1: not a JSON record' \
	'2 records refused; no valid record left' 'no records in' -- "$BIN" compare "$T/allbad"
# a clean directory: no refused section, the exit status of before
expect "clean: exit 1 as before, nothing refused" 1 'summary:' -- "$BIN" compare --baseline base "$T/regress"
check "clean: no refused line" sh -c "! grep -q 'refused' '$T/out'"
check "clean: compare.md has no refused section" sh -c "! grep -q 'Refused records' '$T/regress/compare.md'"

# the fast record scanner and json-c read the same records the same way
mkdir -p "$T/esc"
sed '5s/"variant": "default"/"variant": "de\\"fault\\u00e9"/' "$T/regress/samples.jsonl" >"$T/esc/samples.jsonl"
same=1
for m in ops_per_sec counters.cas_retries duration_s; do
	for d in regress esc three; do
		"$BIN" compare --quiet --metric "$m" --baseline base --out "$T/fast" "$T/$d" >/dev/null 2>&1
		FOLIO_LAB_COMPARE_SLOW=1 "$BIN" compare --quiet --metric "$m" --baseline base \
			--out "$T/slow" "$T/$d" >/dev/null 2>&1
		cmp -s "$T/fast/compare.csv" "$T/slow/compare.csv" ||
			{ echo "FAIL fast and json-c paths differ ($d, --metric $m)"; fail=1; same=0; }
	done
done
[ $same = 1 ] && echo "ok   fast scanner = json-c (3 inputs x 3 metrics, escapes)"

# table: what the experiments print, computed here (medians, ratios with their CI)
"$BIN" table --filter workload=pread,mode=threads --rows kernel --format tsv "$T/noise" >"$T/tab" 2>&1
check "table: the median of each kernel and worker count" python3 - "$T/noise/samples.jsonl" "$T/tab" <<'PY'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
lines = open(sys.argv[2]).read().splitlines()
ws = [int(h.split()[0]) for h in lines[0].split("\t")[1:]]
ok = len(lines) == 3
for l in lines[1:]:
    k, *cells = l.split("\t")
    for w, c in zip(ws, cells):
        v = [r["ops_per_sec"] / 1e6 for r in recs if r["workload"] == "pread" and r["mode"] == "threads" and r["kernel"] == k and r["workers"] == w]
        ok &= abs(float(c) - statistics.median(v)) < 0.0006
sys.exit(0 if ok else 1)
PY
$GEN "$T/improve-r" --effect 10 --seed 3 --where native
expect "table --ratio: ratio with its CI" 0 '^patched / base[[:space:]]+1\.[01][0-9]* \[[0-9.]+, [0-9.]+\]' \
	-- "$BIN" table --filter workload=fault --ratio patched/base --format tsv "$T/improve-r"
expect "table html, per-op counter" 0 '<h3>retries</h3>' '<th>base frozen-bit</th>' \
	-- "$BIN" table --filter workload=module --rows kernel,variant --metric counters.cas_retries --per-op --title retries "$T/improve-r"
expect "table: nothing selected -> empty, 0" 0 -- "$BIN" table --filter workload=none "$T/improve-r"
check "table: nothing selected prints nothing" test ! -s "$T/out"

# export-csv
expect "export-csv" 0 'samples.csv: 340 records' -- "$BIN" export-csv "$T/noise"
head -1 "$T/noise/samples.csv" | grep -q 'workload' &&
	head -1 "$T/noise/samples.csv" | grep -q 'counters.cas_retries' &&
	[ "$(wc -l <"$T/noise/samples.csv")" = 341 ] ||
	{ echo "FAIL samples.csv header/rows"; head -2 "$T/noise/samples.csv"; fail=1; }

exit $fail
