#!/usr/bin/env bash
# folio-lab-history on generated kernel-build series: import (ordering,
# idempotence, provenance with and without git fields, transactions, bad
# input changes nothing), list, changes (finds the step at the right build,
# not the outlier), check (regressed newest build -> 1, null -> 0, too few
# repetitions -> 125, errors -> 2), trend (table, PNG/SVG, report section),
# and a real record made by folio-lab.
#   history.sh FOLIO_LAB_HISTORY [FOLIO_LAB]
set -u
H=$1
LAB=${2:-}
GEN="python3 $(dirname "$0")/history-gen.py"
for t in sqlite3 python3; do
	command -v $t >/dev/null || { echo "SKIP: $t is missing (./run.sh setup installs it)"; exit 77; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
export FOLIO_LAB_CACHE=$T/cache # never the real cache

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
		echo "FAIL $name: exit $rc, want $want"; sed 's/^/  | /' "$T/out" | tail -25
		fail=1
		return
	fi
	for p in "${pats[@]}"; do
		if ! grep -Eq -- "$p" "$T/out"; then
			echo "FAIL $name: output lacks /$p/"; sed 's/^/  | /' "$T/out" | tail -25
			fail=1
			return
		fi
	done
	echo "ok   $name (exit $rc)"
}
no() { # no NAME PATTERN FILE: the pattern must not occur
	if grep -Eq -- "$2" "$3"; then
		echo "FAIL $1: /$2/ found"; sed 's/^/  | /' "$3" | tail -25; fail=1
	else
		echo "ok   $1"
	fi
}
dump() { sqlite3 "$1" .dump | sha256sum; }

# Twelve daily builds of "next": pread 10% slower from build 7 on, build 4 a
# one-off outlier (15% slower in every case, the same direction as the step),
# build 2 without git describe/commit/config hash.
$GEN "$T/h" --builds 12 --step-at 7 --step -10 --outlier-at 4 --outlier -15 --bare 2
DB=$T/db.sqlite

# import in reverse directory order: order comes from the record timestamps
expect "import 12 builds (reverse order)" 0 'imported into .*: 12 new builds, 180 new records' \
	-- "$H" import --db "$DB" $(ls -d "$T"/h/b* | sort -r)
expect "list: builds in timestamp order" 0 '^ +1 +2026-06-01T03:00:02.001Z +next +6.12.0-next-20260601 +v6.12-rc1-1-g' \
	'^ +12 +2026-06-12T' '^ +2 +2026-06-02T[^ ]* +next +6.12.0-next-20260602 +- ' '12 builds in' \
	-- "$H" list --db "$DB"
before=$(dump "$DB")
expect "import again: nothing new" 0 '0 new builds, 0 new records' -- "$H" import --db "$DB" "$T"/h/b*
[ "$(dump "$DB")" = "$before" ] && echo "ok   second import left the database as it was" ||
	{ echo "FAIL second import changed the database"; fail=1; }
# the same records from another path are the same build
cp -r "$T/h/b005" "$T/copy-of-b005"
expect "a copy of a directory is the same build" 0 '0 new builds, 0 new records' \
	-- "$H" import --db "$DB" "$T/copy-of-b005"
sqlite3 "$DB" "SELECT count(*) FROM builds WHERE git_describe = ''" | grep -qx 1 &&
	echo "ok   a build without git provenance is kept (describe empty)" ||
	{ echo "FAIL bare build"; fail=1; }

# default database under $FOLIO_LAB_CACHE
expect "default --db is \$FOLIO_LAB_CACHE/history.sqlite" 0 "imported into $T/cache/history.sqlite" \
	-- "$H" import "$T/h/b001"
[ -f "$T/cache/history.sqlite" ] || { echo "FAIL no default database"; fail=1; }

# --- bad input changes nothing
before=$(dump "$DB")
mkdir -p "$T/empty"
expect "directory without records -> 2" 2 'no records' 'database is unchanged' -- "$H" import --db "$DB" "$T/empty"
mkdir -p "$T/zero" && : >"$T/zero/samples.jsonl"
expect "empty samples.jsonl -> 2" 2 'no records' -- "$H" import --db "$DB" "$T/zero"
mkdir -p "$T/badline" && cp "$T/h/b003/meta.json" "$T/badline/" &&
	{ head -3 "$T/h/b003/samples.jsonl"; echo '{"truncated": '; } >"$T/badline/samples.jsonl"
expect "a corrupt record line -> 2" 2 'samples.jsonl:4: not a JSON object' -- "$H" import --db "$DB" "$T/badline"
mkdir -p "$T/foreign-rec" && echo '{"a": 1}' >"$T/foreign-rec/samples.jsonl"
expect "a JSON line that is no record -> 2" 2 'not a folio-lab record' -- "$H" import --db "$DB" "$T/foreign-rec"
$GEN "$T/more" --first 13 --builds 1
expect "good + bad directory in one import -> 2, nothing imported" 2 'database is unchanged' \
	-- "$H" import --db "$DB" "$T/more/b013" "$T/empty"
[ "$(dump "$DB")" = "$before" ] && echo "ok   failed imports left the database as it was" ||
	{ echo "FAIL a failed import changed the database"; fail=1; }
head -c 8192 /dev/urandom >"$T/corrupt.sqlite"
cp "$T/corrupt.sqlite" "$T/corrupt.orig"
expect "corrupt database file -> 2" 2 'not a usable SQLite database|damaged' -- "$H" import --db "$T/corrupt.sqlite" "$T/h/b001"
cmp -s "$T/corrupt.sqlite" "$T/corrupt.orig" && echo "ok   corrupt file untouched" ||
	{ echo "FAIL corrupt file changed"; fail=1; }
sqlite3 "$T/foreign.sqlite" "CREATE TABLE t (a); INSERT INTO t VALUES (42);"
cp "$T/foreign.sqlite" "$T/foreign.orig"
expect "another application's SQLite file -> 2" 2 'another application' -- "$H" import --db "$T/foreign.sqlite" "$T/h/b001"
expect "  ... and read commands refuse it too" 2 'another application' -- "$H" check --db "$T/foreign.sqlite"
cmp -s "$T/foreign.sqlite" "$T/foreign.orig" && echo "ok   foreign file untouched" ||
	{ echo "FAIL foreign file changed"; fail=1; }
# a damaged history: truncated in the middle
cp "$DB" "$T/trunc.sqlite" && truncate -s 12288 "$T/trunc.sqlite" && cp "$T/trunc.sqlite" "$T/trunc.orig"
expect "truncated history -> 2" 2 'damaged|malformed|not a usable' -- "$H" import --db "$T/trunc.sqlite" "$T/more/b013"
cmp -s "$T/trunc.sqlite" "$T/trunc.orig" && echo "ok   truncated file untouched" ||
	{ echo "FAIL truncated file changed"; fail=1; }
expect "no database -> 2, none created" 2 'no history database' -- "$H" list --db "$T/none.sqlite"
[ ! -e "$T/none.sqlite" ] || { echo "FAIL a read command created a database"; fail=1; }
expect "failed import into a new file leaves no file" 2 '' -- "$H" import --db "$T/new.sqlite" "$T/empty"
[ ! -e "$T/new.sqlite" ] || { echo "FAIL a failed import left a new database"; fail=1; }
expect "usage error -> 2" 2 'unknown command' -- "$H" frobnicate --db "$DB"
expect "trend without --workload -> 2" 2 'needs --workload' -- "$H" trend --db "$DB"

# --- changes: the step at build 7, not the outlier at 4; nothing in atomics
expect "changes finds the step" 0 \
	'^pread/default threads compact size=64 w1 \[guest/tcg\] +next \(v6.12-rc1-7-g[0-9a-f]+\) +2026-06-07' \
	'^pread/default threads compact size=64 w2 \[guest/tcg\] +next \(v6.12-rc1-7-g' \
	'^2 changes in 3 cases over 12 builds' \
	-- "$H" changes --db "$DB"
cp "$T/out" "$T/changes.out"
no "the outlier (build 4) is no change" 'v6.12-rc1-4-g|2026-06-04' "$T/changes.out"
no "no change in the flat atomics case" '^atomics' "$T/changes.out"
# the step's size: -10% inside its CI, 0 outside
awk '/^pread.*-7-g/ { s = $0; sub(/.*after +/, "", s) } /^pread.*-7-g/ {
	if (match($0, /[-+][0-9.]+% \[[-+][0-9.]+%, [-+][0-9.]+%\]/)) {
		x = substr($0, RSTART, RLENGTH); gsub(/[][%,]/, " ", x); split(x, v, " ");
		if (!(v[2] <= -10 && v[3] >= -10 && v[3] < 0)) { print "bad step " x; bad = 1 } else n++
	} } END { exit bad || n != 2 }' "$T/changes.out" &&
	echo "ok   step about -10% with a CI that covers -10% and excludes 0" ||
	{ echo "FAIL step size or CI"; sed 's/^/  | /' "$T/changes.out"; fail=1; }

# an outlier two builds after an upward step, against it: the step still starts at 6
$GEN "$T/h2" --builds 14 --step-at 6 --step 8 --outlier-at 8 --outlier -12 --seed 5
"$H" import --db "$T/h2.sqlite" "$T"/h2/b* >/dev/null
expect "changes: an outlier next to a step does not move or hide it" 0 \
	'^pread/default threads compact size=64 w2 .* next \(v6.12-rc1-6-g[0-9a-f]+\) .* \+[0-9.]+% ' '^2 changes in 3 cases over 14' \
	-- "$H" changes --db "$T/h2.sqlite"
# thirty flat builds with one 20% outlier: no change at all
$GEN "$T/h3" --builds 30 --noise 3 --outlier-at 12 --outlier 20 --seed 3
"$H" import --db "$T/h3.sqlite" "$T"/h3/b* >/dev/null
expect "changes: a flat history with an outlier has no change" 0 '^0 changes in 3 cases over 30 builds' \
	-- "$H" changes --db "$T/h3.sqlite"

# --- check: the newest build against the history before it
cp "$DB" "$T/null.sqlite"
cp "$DB" "$T/reg.sqlite"
cp "$DB" "$T/few.sqlite"
$GEN "$T/null" --first 13 --builds 1 --step-at 7 --step -10
$GEN "$T/reg" --first 13 --builds 1 --step-at 7 --step -10 --shift -8 --seed 2
$GEN "$T/few" --first 13 --builds 1 --step-at 7 --step -10 --reps 2
"$H" import --db "$T/null.sqlite" "$T/null/b013" >/dev/null
"$H" import --db "$T/reg.sqlite" "$T/reg/b013" >/dev/null
"$H" import --db "$T/few.sqlite" "$T/few/b013" >/dev/null
expect "check: a null newest build -> 0" 0 'summary: next \(v6.12-rc1-13-g[0-9a-f]+\): 0 improved, 0 regressed, 3 no change' \
	'Holm over 3 cases' -- "$H" check --db "$T/null.sqlite"
expect "check: a regressed newest build -> 1" 1 \
	'^pread/default threads compact size=64 w1 .* +6 +[0-9]+ +[0-9]+ +-[0-9.]+% .*regressed' \
	'^atomics/frozen-bit .*no change' 'summary: .*2 regressed' \
	-- "$H" check --db "$T/reg.sqlite"
expect "check: history since the last change (6 builds), not all 12" 1 '^pread.* w2 .* 6 ' -- "$H" check --db "$T/reg.sqlite"
expect "check: --threshold 20 hides an 8% regression -> 0" 0 'summary: .*0 regressed' \
	-- "$H" check --db "$T/reg.sqlite" --threshold 20
expect "check: --lower-is-better turns it into an improvement -> 0" 0 'summary: .*2 improved, 0 regressed' \
	-- "$H" check --db "$T/reg.sqlite" --lower-is-better
expect "check: newest build with 2 repetitions -> 125" 125 'cannot decide \(too few repetitions' \
	'3 cannot decide' -- "$H" check --db "$T/few.sqlite"
cp "$T/reg.sqlite" "$T/mixed.sqlite"
$GEN "$T/base" --builds 1 --label base
"$H" import --db "$T/mixed.sqlite" "$T/base/b001" >/dev/null
expect "check: a history of two labels gets a note" 1 'note: the history mixes kernel labels \(next, base' \
	-- "$H" check --db "$T/mixed.sqlite"
expect "check --label next: only that line" 1 'summary: next .*2 regressed' -- "$H" check --db "$T/mixed.sqlite" --label next
no "  ... without the note" 'mixes kernel labels' "$T/out"
expect "list --label base" 0 '^1 build in' -- "$H" list --db "$T/mixed.sqlite" --label 'ba*'
expect "check: --label with no builds -> 2" 2 'no builds' -- "$H" check --db "$T/reg.sqlite" --label 'nomatch*'
expect "check --out: the report section" 1 'report section: .*/sections/history-check.html' \
	-- "$H" check --db "$T/reg.sqlite" --out "$T/rep"
grep -q '<td style="color:#cf222e">regressed</td>' "$T/rep/sections/history-check.html" &&
	echo "ok   check section lists the regressions" || { echo "FAIL check section"; fail=1; }
expect "check --quiet: the summary line only" 1 '^summary: ' -- "$H" check --quiet --db "$T/reg.sqlite"
[ "$(wc -l <"$T/out")" = 1 ] || { echo "FAIL --quiet printed more than one line"; fail=1; }
expect "check on a counter (lower is better by name)" 0 'counters.cas_retries \(lower is better\)' \
	-- "$H" check --db "$T/null.sqlite" --workload atomics --metric counters.cas_retries

# --- trend: table, chart, report section
expect "trend: table per build with CI and the change marked" 0 \
	'^pread/default threads compact size=64 \[guest/tcg\]: ops_per_sec' \
	'^ +7 +next \(v6.12-rc1-7-g[0-9a-f]+\) .*<- change -[0-9.]+%' \
	'^ +13 +next' 'report section: ' \
	-- "$H" trend --db "$T/reg.sqlite" --workload pread --out "$T/trend"
c=$(ls "$T"/trend/charts/history-trend-pread-*.png 2>/dev/null | head -1)
if command -v gnuplot >/dev/null; then
	[ -n "$c" ] && head -c 8 "$c" | od -An -tx1 | grep -q '89 50 4e 47' &&
		grep -q '<svg' "${c%.png}.svg" && echo "ok   trend chart PNG and SVG" ||
		{ echo "FAIL trend chart"; fail=1; }
	grep -q '<svg' "$T/trend/sections/history-trend.html" &&
		grep -q 'change -' "$T/trend/sections/history-trend.html" &&
		echo "ok   report section with inline SVG and the change" ||
		{ echo "FAIL report section"; fail=1; }
else
	echo "skip trend chart: no gnuplot"
fi

# --- a real record: folio-lab measures, history imports it (no git fields)
if [ -n "$LAB" ] && [ -x "$LAB" ]; then
	if "$LAB" bench --workload atomics --variant cas-loop --workers 1 --duration 0.05 --reps 3 \
		--out "$T/real" >"$T/real.log" 2>&1; then
		expect "import a real run" 0 '1 new build, 3 new records' -- "$H" import --db "$T/real.sqlite" "$T/real"
		expect "list the real build" 0 '^ +1 .* native .* 3$' -- "$H" list --db "$T/real.sqlite"
		expect "check with one build: a new case -> 125" 125 'new case' -- "$H" check --db "$T/real.sqlite"
	else
		echo "FAIL folio-lab bench"; sed 's/^/  | /' "$T/real.log"; fail=1
	fi
fi

[ $fail = 0 ] && echo "history: all passed" || echo "history: FAILED"
exit $fail
