#!/usr/bin/env bash
# SIGINT/SIGTERM in the middle of a measurement: exit 130, the current
# measurement dropped, every line on disk whole and parseable, no worker
# left behind.
# usage: harness-sigint.sh FOLIO_LAB_TESTWL_BIN [FOLIO_LAB_BIN]
set -u
lab=$1
. "$(dirname "$0")/harness-lib.sh"

for sig in INT TERM; do
	for mode in threads processes; do
		out=$sig-$mode
		"$lab" bench --workload count --mode $mode --workers 2 --reps 50 --duration 0.3 \
			--warmup 0.05 --opt slow=1 --out $out --quiet >/dev/null 2>$out.err &
		pid=$!
		# Once the first record is out the next measurement is under way
		# (0.35 s long): signal it 0.15 s in. Polling keeps a loaded machine
		# from turning this into a race.
		for _ in $(seq 300); do
			[ -s $out/samples.jsonl ] && break
			sleep 0.1
		done
		sleep 0.15
		kill -$sig $pid
		wait $pid
		rc=$?
		[ "$rc" = 130 ] || fail "$sig/$mode: exit $rc, want 130: $(cat $out.err)"
		grep -q 'interrupted; the current measurement was dropped' $out.err ||
			fail "$sig/$mode message: $(cat $out.err)"
		n=$(wc -l <$out/samples.jsonl)
		[ "$n" -ge 1 ] && [ "$n" -lt 50 ] || fail "$sig/$mode: $n records"
		python3 "$here/harness-check.py" $out --min 1 --max 49 || fail "$sig/$mode records"
		# the records end exactly at a measurement boundary: reps 0..n-1
		python3 -c "import json,sys; rs=[json.loads(l) for l in open('$out/samples.jsonl')]
assert [r['rep'] for r in rs] == list(range(len(rs)))" || fail "$sig/$mode rep sequence"
		# every worker is gone (a forked one keeps the harness's command line)
		left=$(ps -eo args= | grep -F -- "--out $out " | grep -vc grep)
		[ "$left" = 0 ] || fail "$sig/$mode: $left workers left running"
	done
done

finish
echo "all interrupt checks passed"
