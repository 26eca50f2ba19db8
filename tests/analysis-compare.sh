#!/usr/bin/env bash
# folio-lab-compare compare/export-csv on generated results: verdicts, exit
# codes (0/1/125/2), the compare.md/compare.csv files, both directory layouts.
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

# A native run is never judged against guest records: different environments.
$GEN "$T/envs" --effect -10 --seed 2 --kernels base
$GEN "$T/envs-n" --effect -10 --seed 2 --kernels native --where native
expect "different environments are not compared -> 125" 125 'not comparing native \(native/none\) with base \(guest/tcg\)' \
	-- "$BIN" compare "$T/envs" "$T/envs-n"

$GEN "$T/regress" --effect -10 --seed 2
expect "clear regression -> 1" 1 'regressed' 'pread +default +threads +compact +8 .*-[0-9.]+%.*regressed' \
	-- "$BIN" compare --baseline base "$T/regress"
[ -s "$T/regress/compare.md" ] && grep -q '| regressed |' "$T/regress/compare.md" ||
	{ echo "FAIL compare.md missing or without a regression row"; fail=1; }
head -1 "$T/regress/compare.csv" | grep -q '^metric,workload,variant,mode,placement,params,workers,' ||
	{ echo "FAIL compare.csv header"; fail=1; }
# one header line plus one row per case (17 cases of generated data)
[ "$(wc -l <"$T/regress/compare.csv")" = 35 ] ||
	{ echo "FAIL compare.csv: $(wc -l <"$T/regress/compare.csv") lines, want 35"; fail=1; }

$GEN "$T/improve" --effect 10 --seed 3
expect "clear improvement -> 0" 0 'improved' 'summary: [1-9][0-9]* improved, 0 regressed' \
	-- "$BIN" compare --baseline base "$T/improve"

$GEN "$T/noise" --effect 0 --noise 0.5 --seed 4
expect "noise -> 0, no change" 0 'no change' 'summary: 0 improved, 0 regressed, [0-9]+ no change, 0 cannot' \
	-- "$BIN" compare --baseline base "$T/noise"

$GEN "$T/n2" --reps 2 --effect -10 --seed 5
expect "n=2 -> 125 with the reason" 125 'cannot decide' 'too few repetitions: n=2' \
	-- "$BIN" compare --baseline base "$T/n2"

$GEN "$T/n3" --reps 3 --effect -10 --seed 6
expect "n=3 -> 125: smallest p 0.1 >= alpha" 125 'smallest possible p is 0.1 >= alpha 0.05' \
	-- "$BIN" compare --baseline base "$T/n3"
expect "n=3 with --alpha 0.2 -> decides (1)" 1 'regressed' \
	-- "$BIN" compare --alpha 0.2 --baseline base "$T/n3"

# BASE NEW... layout: one directory per kernel, tables into --out
$GEN "$T/split" --layout split --effect -10 --seed 7
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

# a truncated last line (interrupted run) is skipped with a warning
printf '{"schema":1,"workload":"pr' >>"$T/improve/samples.jsonl"
expect "truncated line tolerated" 0 'not a record' -- "$BIN" compare --baseline base "$T/improve"

# export-csv
expect "export-csv" 0 'samples.csv: 340 records' -- "$BIN" export-csv "$T/noise"
head -1 "$T/noise/samples.csv" | grep -q 'workload' &&
	head -1 "$T/noise/samples.csv" | grep -q 'counters.cas_retries' &&
	[ "$(wc -l <"$T/noise/samples.csv")" = 341 ] ||
	{ echo "FAIL samples.csv header/rows"; head -2 "$T/noise/samples.csv"; fail=1; }

exit $fail
