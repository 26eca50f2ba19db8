#!/usr/bin/env bash
# Records of one suite never share a measurement's key (issue 23): a run
# that sweeps several worker counts writes per-pair rows (handoff) whose
# identity must carry the sweep point, or compare finds "the same
# measurement with different values" and refuses the directory. Two
# kernels' runs of handoff at 2 and 3 workers (3 oversubscribes 2 PUs),
# then every key (kernel, run_id, rep, case, pair) is unique and compare
# reads the directory without refusing a record.
# usage: workloads-record-identity.sh FOLIO_LAB FOLIO_LAB_COMPARE
source "$(dirname "$0")/harness-lib.sh"
lab=${1:?usage: workloads-record-identity.sh FOLIO_LAB FOLIO_LAB_COMPARE}
cmp=${2:?}
[ "$(nproc)" -ge 2 ] || { echo "SKIP: handoff needs 2 PUs"; exit 77; }
for k in a b; do
	"$lab" bench --workload handoff --workers 2,3 --oversubscribe --duration 0.02 \
		--warmup 0 --reps 1 --kernel "$k" --out d --quiet >/dev/null ||
		fail "handoff bench for kernel $k failed"
done
n=$(jq -s 'length' d/samples.jsonl)
[ "$n" -ge 8 ] || fail "expected pair and ceiling records at 2 and 3 workers per kernel, got $n"
dups=$(jq -c '[.kernel, .run_id, .rep, .workload, .variant, .mode, .placement, .workers,
	.params, .pu_a, .pu_b]' d/samples.jsonl | sort | uniq -d)
[ -z "$dups" ] || fail "records share a key: $dups"
jq -se 'map(select(.variant == "pingpong")) | length > 0 and all(.scope == "pair" and (.pus | length) == 2)' \
	d/samples.jsonl >/dev/null || fail "pair records do not say they are pairs"
[ "$(jq -s '[.[] | select(.variant == "pingpong") | .workers] | unique' d/samples.jsonl)" = \
	"$(printf '[\n  2,\n  3\n]')" ] || fail "pair records do not carry the run's worker count"
"$cmp" table d >table.out 2>table.err || fail "compare table refused the directory: $(cat table.err)"
! grep -q 'same measurement' table.err || fail "compare saw the same measurement twice: $(cat table.err)"
finish
echo "ok: $n handoff records at 2 and 3 workers, every key unique, compare reads them"
