#!/usr/bin/env bash
# Placement plans on synthetic topologies against tests/expected/plan-*.txt.
# usage: harness-plan.sh FOLIO_LAB_BIN EXPECTED_DIR
# FOLIO_LAB_UPDATE_EXPECTED=1 rewrites the expected files (review the diff!).
set -u
lab=$1 expected=$2
big="pack:2 numa:2 core:4 pu:2"
flat="core:2 pu:1"
fails=0

check() { # name, plan arguments...
	local name=$1 out
	shift
	out=$("$lab" plan "$@" 2>&1) || { echo "FAIL $name: plan exited $?: $out"; fails=$((fails + 1)); return; }
	if [ "${FOLIO_LAB_UPDATE_EXPECTED:-0}" = 1 ]; then
		printf '%s\n' "$out" >"$expected/plan-$name.txt"
		return
	fi
	if ! diff -u "$expected/plan-$name.txt" <(printf '%s\n' "$out"); then
		echo "FAIL $name"
		fails=$((fails + 1))
	fi
}

check big-compact --topology "$big" --placement compact
check big-scatter --topology "$big" --placement scatter
check big-node1 --topology "$big" --placement node:1
check big-nosmt --topology "$big" --placement nosmt
check big-pus --topology "$big" --placement pus:0,2,4-7
check big-oversub --topology "$big" --placement node:1 --workers 1,10 --oversubscribe
check flat-compact --topology "$flat" --placement compact
check flat-scatter --topology "$flat" --placement scatter
check flat-pair --topology "$flat" --workload pair

[ "$fails" = 0 ] || { echo "$fails plan(s) differ"; exit 1; }
echo "all plans match"
