#!/usr/bin/env bash
# `folio-lab merge`: records appended whole, meta.json kernels merged
# atomically; a malformed or partial line is refused by line number and
# nothing is merged.
# usage: harness-merge.sh FOLIO_LAB_TESTWL_BIN [FOLIO_LAB_BIN]
set -u
lab=$1
. "$(dirname "$0")/harness-lib.sh"
check="python3 $here/harness-check.py"
run() { "$lab" bench --workload count --workers 1 --duration 0.05 --warmup 0 --quiet "$@" >/dev/null; }

run --reps 2 --kernel base --out a || fail "run a"
run --reps 3 --kernel patched --out b || fail "run b"
cp -r b b.orig

"$lab" merge a b || fail "merge a b exited $?"
$check b --min 5 --max 5 --label base --label patched || fail "merged records"
python3 -c 'import json; m = json.load(open("b/meta.json")); assert sorted(m["kernels"]) == ["base", "patched"]' ||
	fail "meta kernels not merged"
head -n 3 b/samples.jsonl | cmp -s - b.orig/samples.jsonl || fail "DST's own lines must come first, unchanged"
ls b | grep -q tmp && fail "a temporary file was left behind"

# merging into a directory that does not exist yet creates it
"$lab" merge a new/dir || fail "merge into a new directory"
$check new/dir --min 2 --max 2 --label base || fail "records in the new directory"

# a malformed line anywhere: refused with its line number, DST untouched
cp -r a bad
sed -i '2s/.*/{"schema":1, "broken/' bad/samples.jsonl
cp -r b b2
"$lab" merge bad b2 2>err && fail "merging a malformed file succeeded"
grep -q 'bad/samples.jsonl:2: not valid JSON; nothing merged' err || fail "message: $(cat err)"
cmp -s b/samples.jsonl b2/samples.jsonl && cmp -s b/meta.json b2/meta.json ||
	fail "a refused merge changed DST"

# a line that is JSON but not one object
cp -r a arr
echo '[1,2]' >>arr/samples.jsonl
"$lab" merge arr b2 2>err && fail "merging an array line succeeded"
grep -q 'arr/samples.jsonl:3: not a single JSON object' err || fail "message: $(cat err)"
cp -r a two
sed -i '1s/$/ {"x":1}/' two/samples.jsonl
"$lab" merge two b2 2>err && fail "merging two objects on a line succeeded"
grep -q 'two/samples.jsonl:1:' err || fail "message: $(cat err)"

# a partial last line (no newline)
cp -r a part
printf '{"schema":1' >>part/samples.jsonl
"$lab" merge part b2 2>err && fail "merging a partial line succeeded"
grep -q 'part/samples.jsonl:3: unterminated (partial) line' err || fail "message: $(cat err)"

# a meta.json that is not ours
cp -r a m
echo '[]' >m/meta.json
"$lab" merge m b2 2>err && fail "merging a foreign meta.json succeeded"
grep -q 'is not a folio-lab meta.json' err || fail "message: $(cat err)"
cmp -s b/samples.jsonl b2/samples.jsonl || fail "a refused merge changed DST"

# nothing to merge
mkdir empty
"$lab" merge empty b2 2>err && fail "merging an empty directory succeeded"
grep -q 'neither samples.jsonl nor meta.json' err || fail "message: $(cat err)"

finish
echo "all merge checks passed"
