#!/usr/bin/env bash
# The real folio-lab binary with the real `atomics` workload: list, plan,
# and a short sweep whose records pass the format check.
# usage: harness-real.sh FOLIO_LAB_TESTWL_BIN FOLIO_LAB_BIN
set -u
lab=$2
. "$(dirname "$0")/harness-lib.sh"

"$lab" list atomics >list 2>&1 || { echo "SKIP: no atomics workload in $lab: $(cat list)"; exit 77; }
grep -q 'frozen-bit' list || fail "list atomics: $(cat list)"
"$lab" list >all || fail "list"
for w in atomics pread uring-read fault handoff module; do
	grep -q "^$w\$" all || fail "list lacks $w"
done
"$lab" plan --workload atomics --workers 1 >/dev/null || fail "plan"

# Functional only: on a shared 2-core VM these figures say nothing about scaling.
"$lab" bench --workload atomics --variant all --workers 1,2 --reps 1 --duration 0.3 \
	--warmup 0.05 --out r --quiet >/dev/null 2>err || fail "atomics run: $(cat err)"
# One record per scheme of refscheme.h's table (as `list` names them) per worker count.
variants=$(sed -n 's/^ *variants://p' list | sed 's/ (default)//g')
n=$(echo $variants | wc -w)
[ "$n" -ge 7 ] || fail "list atomics names $n variants: $variants"
python3 "$here/harness-check.py" r --min $((2 * n)) --max $((2 * n)) --label native || fail "atomics records"
python3 -c '
import json, sys
want = sorted(sys.argv[1].split())
rs = [json.loads(l) for l in open("r/samples.jsonl")]
assert sorted({r["variant"] for r in rs}) == want, sorted({r["variant"] for r in rs})
assert all(r["counters"]["gets_ok"] > 0 for r in rs), "gets_ok"
' "$variants" || fail "atomics record contents"

finish
echo "all real-binary checks passed"
