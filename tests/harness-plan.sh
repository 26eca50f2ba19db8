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

# --workers boundaries: the counts where the placement's first workers fill a
# PU, a core, a node, a socket, all cores, all PUs, each with its label
# (include/folio-lab/boundaries.h), on a 2-socket SMT box and a 2-PU machine.
bounds() { # name, expected "worker counts" and "boundary" lines, plan arguments...
	local name=$1 want=$2 out
	shift 2
	out=$("$lab" plan --workers boundaries "$@" 2>&1) ||
		{ echo "FAIL boundaries $name: plan exited $?: $out"; fails=$((fails + 1)); return; }
	out=$(printf '%s\n' "$out" | grep -E '^(worker counts|boundary [0-9]+):')
	if [ "$out" != "$want" ]; then
		echo "FAIL boundaries $name:"
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$out")
		fails=$((fails + 1))
	fi
}
box="pack:2 numa:2 core:8 pu:2"
bounds box-compact "worker counts: 1 2 16 32 64
boundary 1: 1 PU
boundary 2: 1 core (its SMT siblings)
boundary 16: 1 NUMA node
boundary 32: 1 socket
boundary 64: all PUs (SMT)" --topology "$box" --placement compact
bounds box-nosmt "worker counts: 1 8 16 32
boundary 1: 1 core
boundary 8: cores of 1 NUMA node
boundary 16: cores of 1 socket
boundary 32: all cores" --topology "$box" --placement nosmt
bounds box-scatter "worker counts: 1 2 4 32 64
boundary 1: 1 PU
boundary 2: 1 PU per socket
boundary 4: 1 PU per NUMA node
boundary 32: all cores, 1 PU each
boundary 64: all PUs (SMT)" --topology "$box" --placement scatter
bounds box-node2 "worker counts: 1 2 16
boundary 1: 1 PU
boundary 2: 1 core (its SMT siblings)
boundary 16: all PUs of the node" --topology "$box" --placement node:2
bounds box-pus "worker counts: 1 6
boundary 1: 1 PU
boundary 6: all its PUs" --topology "$box" --placement pus:0,2,4-7
bounds box-quick "worker counts: 1 64
boundary 1: 1 PU
boundary 64: all PUs (SMT)" --topology "$box" --placement compact --suite quick
# one node per socket: named once
bounds node-is-socket "worker counts: 1 2 8 16
boundary 1: 1 PU
boundary 2: 1 PU per socket = per node
boundary 8: all cores, 1 PU each
boundary 16: all PUs (SMT)" --topology "pack:2 numa:1 core:4 pu:2" --placement scatter
bounds node-is-socket-compact "worker counts: 1 2 8 16
boundary 1: 1 PU
boundary 2: 1 core (its SMT siblings)
boundary 8: 1 NUMA node = 1 socket
boundary 16: all PUs (SMT)" --topology "pack:2 numa:1 core:4 pu:2" --placement compact
# 2 PUs, 1 node, no SMT: 1 and 2 whatever the placement
for pl in compact scatter; do
	bounds "two-$pl" "worker counts: 1 2
boundary 1: 1 PU
boundary 2: all cores" --topology "$flat" --placement "$pl"
done
bounds two-nosmt "worker counts: 1 2
boundary 1: 1 core
boundary 2: all cores" --topology "$flat" --placement nosmt
bounds two-node0 "worker counts: 1 2
boundary 1: 1 PU
boundary 2: all PUs of the node" --topology "$flat" --placement node:0
bounds two-quick "worker counts: 1 2
boundary 1: 1 PU
boundary 2: all cores" --topology "$flat" --placement compact --suite quick
# a workload's minimum drops the counts below it (pair needs 2)
bounds two-pair "worker counts: 2
boundary 2: all cores" --topology "$flat" --placement compact --workload pair

[ "$fails" = 0 ] || { echo "$fails plan(s) differ"; exit 1; }
echo "all plans match"
