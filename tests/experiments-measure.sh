#!/usr/bin/env bash
# Each experiment's measure step as `./run.sh experiment NAME --quick` runs
# it (issue 23), natively (--no-guests: the guests' part is the main job's
# machinery, tested whole by main-whole-*), through its summary and report:
# exit 0, records of every workload it declares, no record refused by
# compare, a summary section and report.html.
# usage: experiments-measure.sh [NAME...]   (default: every experiment)
source "$(dirname "$0")/guest-lib.sh"
[ -x "$FOLIO_LAB_BUILD/folio-lab" ] || skip "build the lab first (./run.sh build)"
mapfile -t names < <("$LAB_ROOT/experiments/run.sh" --list | awk '{print $1}')
[ $# -eq 0 ] || names=("$@")
[ ${#names[@]} -ge 5 ] || fail "experiments/run.sh --list names ${#names[@]} experiments"
for n in "${names[@]}"; do
	out=$TEST_TMP/$n
	start=$(date +%s)
	rc=0
	"$LAB_ROOT/run.sh" experiment "$n" --quick --no-guests --out "$out" >"$TEST_TMP/$n.log" 2>&1 || rc=$?
	took=$(($(date +%s) - start))
	[ "$rc" = 0 ] || { tail -n 30 "$TEST_TMP/$n.log"; fail "experiment $n exited $rc"; }
	[ -s "$out/samples.jsonl" ] || fail "experiment $n: no records"
	! grep -q 'refused' "$TEST_TMP/$n.log" || { grep refused "$TEST_TMP/$n.log"; fail "experiment $n: compare refused records"; }
	"$FOLIO_LAB_BUILD/folio-lab-compare" table "$out" >/dev/null 2>"$TEST_TMP/$n.table" ||
		{ cat "$TEST_TMP/$n.table"; fail "experiment $n: its records do not load"; }
	[ -s "$out/sections/$n.html" ] || fail "experiment $n: no summary section"
	[ -s "$out/report.html" ] || fail "experiment $n: no report"
	ok "experiment $n --quick --no-guests: $(wc -l <"$out/samples.jsonl") records, summary and report in $took s"
done
