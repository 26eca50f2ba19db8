#!/usr/bin/env bash
# folio-lab-history export-kcidb: KCIDB I/O schema 4.0 structure, the id
# scheme, figures with units in misc, on generated and on real records.
#   history-kcidb.sh FOLIO_LAB_HISTORY [FOLIO_LAB]
set -u
H=$1
LAB=${2:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
python3 "$(dirname "$0")/history-gen.py" "$T/h" --builds 2 --bare 2

# The schema's rules that a submission must meet (kcidb-io v4.0): required
# fields, id patterns ORIGIN:..., origin [a-z0-9_]+, path [.a-zA-Z0-9_-]*,
# status enum, no other top-level properties, no nulls, links resolve.
check() { # check FILE NAME ORIGIN
	local f=$1 name=$2 origin=$3
	if jq -e --arg o "$origin" '
	  def id_ok: type == "string" and test("^[a-z0-9_]+:.*$") and startswith($o + ":");
	  def only($keys): (keys - $keys) == [];
	  (.version.major >= 4) and (.version.major == 4 and .version.minor == 0) and
	  only(["version", "checkouts", "builds", "tests"]) and
	  ([.. | select(. == null)] | length == 0) and
	  (.checkouts | length > 0) and (.builds | length > 0) and (.tests | length > 0) and
	  all(.checkouts[]; (.id | id_ok) and .origin == $o and
	      only(["id","origin","tree_name","git_repository_url","git_commit_hash","git_commit_name",
	            "git_repository_branch","patchset_files","patchset_hash","message_id","comment",
	            "start_time","contacts","log_url","log_excerpt","valid","misc"]) and
	      ((.git_commit_hash // "0000000000000000000000000000000000000000") | test("^[0-9a-f]{40}$"))) and
	  ([.checkouts[].id] as $ck | all(.builds[]; (.id | id_ok) and .origin == $o and
	      (.checkout_id as $c | $ck | index([$c]) != null) and
	      (.architecture | test("^[a-z0-9_]*$")) and
	      only(["checkout_id","id","origin","comment","start_time","duration","architecture",
	            "command","compiler","input_files","output_files","config_name","config_url",
	            "log_url","log_excerpt","valid","misc"]))) and
	  ([.builds[].id] as $b | all(.tests[]; (.id | id_ok) and .origin == $o and
	      (.build_id as $x | $b | index([$x]) != null) and
	      (.path | test("^[.a-zA-Z0-9_-]*$")) and
	      (.status | IN("FAIL","ERROR","PASS","DONE","SKIP")) and
	      only(["build_id","id","origin","environment","path","comment","log_url","log_excerpt",
	            "status","waived","start_time","duration","output_files","misc"]) and
	      (.environment | only(["comment","misc"])) and
	      .misc.ops_per_sec.unit == "ops/s" and (.misc.ops_per_sec.value | type == "number") and
	      .misc.duration_s.unit == "s")) and
	  ([.tests[].id] | length == (unique | length))
	' "$f" >/dev/null; then
		echo "ok   $name: KCIDB 4.0 structure, ids, links, units"
	else
		echo "FAIL $name"; head -c 3000 "$f" | sed 's/^/  | /'; fail=1
	fi
}

"$H" export-kcidb --out "$T/k1.json" "$T/h/b001" 2>"$T/err" || { echo "FAIL export b001"; cat "$T/err"; fail=1; }
check "$T/k1.json" "generated build with git provenance" folio_lab
jq -e '.checkouts[0].git_commit_hash | test("^[0-9a-f]{40}$")' "$T/k1.json" >/dev/null &&
	jq -e '.checkouts[0].git_commit_name | startswith("v6.12-rc1-1-g")' "$T/k1.json" >/dev/null &&
	jq -e '.checkouts[0].id == "folio_lab:next@" + .checkouts[0].git_commit_hash' "$T/k1.json" >/dev/null &&
	jq -e '.builds[0].id | test("^folio_lab:20260601T030000Z-ci-1001/next/6.12.0-next-20260601$")' "$T/k1.json" >/dev/null &&
	jq -e '.tests[0].id == .builds[0].id + "/folio_lab.pread.default.threads.compact.size_64.w1/20260601T030000Z-ci-1001/r0"' "$T/k1.json" >/dev/null &&
	jq -e '.tests[0].path == "folio_lab.pread.default.threads.compact.size_64.w1" and .tests[0].status == "DONE"' "$T/k1.json" >/dev/null &&
	echo "ok   id scheme: checkout ORIGIN:label@commit, build ORIGIN:run/label/release, test build/path/run_id/rREP" ||
	{ echo "FAIL id scheme"; jq '.checkouts[0].id, .builds[0].id, .tests[0].id, .tests[0].path' "$T/k1.json"; fail=1; }
jq -e '[.tests[] | select(.path | contains("atomics"))][0].misc.counters.cas_retries.unit == "events"' "$T/k1.json" >/dev/null &&
	echo "ok   counters in misc with units" || { echo "FAIL counters"; fail=1; }
"$H" export-kcidb --origin my_lab "$T/h/b002" >"$T/k2.json" 2>"$T/err" || { echo "FAIL export b002"; fail=1; }
check "$T/k2.json" "build without git provenance, --origin my_lab" my_lab
jq -e '.checkouts[0] | has("git_commit_hash") | not' "$T/k2.json" >/dev/null &&
	echo "ok   no commit hash when none is known" || { echo "FAIL commit hash invented"; fail=1; }
"$H" export-kcidb --origin Bad-Origin "$T/h/b001" >/dev/null 2>&1; [ $? = 2 ] &&
	echo "ok   bad origin -> 2" || { echo "FAIL bad origin accepted"; fail=1; }
mkdir -p "$T/empty"
"$H" export-kcidb "$T/empty" >/dev/null 2>&1; [ $? = 2 ] &&
	echo "ok   directory without records -> 2" || { echo "FAIL empty dir"; fail=1; }

if [ -n "$LAB" ] && [ -x "$LAB" ]; then
	if "$LAB" bench --workload atomics --variant cas-loop,frozen-bit --workers 1 --duration 0.05 \
		--reps 2 --out "$T/real" >"$T/real.log" 2>&1; then
		"$H" export-kcidb "$T/real" >"$T/k3.json" 2>"$T/err" || { echo "FAIL export real"; fail=1; }
		check "$T/k3.json" "real records from folio-lab bench" folio_lab
		[ "$(jq '.tests | length' "$T/k3.json")" = 4 ] && echo "ok   one test per record" ||
			{ echo "FAIL test count"; fail=1; }
	else
		echo "FAIL folio-lab bench"; sed 's/^/  | /' "$T/real.log"; fail=1
	fi
fi
[ $fail = 0 ] && echo "history-kcidb: all passed" || echo "history-kcidb: FAILED"
exit $fail
