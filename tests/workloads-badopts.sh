#!/usr/bin/env bash
# Bad workload options are refused: non-zero exit and a message that names
# the problem, and no record written.
#
# usage: workloads-badopts.sh FOLIO_LAB
set -euo pipefail
lab=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
failures=0

# refuse PATTERN ARGS...: the bench must fail and stderr must match PATTERN.
refuse() {
	local pattern=$1 rc=0
	shift
	"$lab" bench "$@" --duration 0.1 --warmup 0 --reps 1 --out out --quiet >log 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "FAIL: accepted: $*"
		failures=$((failures + 1))
	elif ! grep -qi -- "$pattern" log; then
		echo "FAIL: $* exited $rc without a message matching '$pattern': $(cat log)"
		failures=$((failures + 1))
	elif [ -s out/samples.jsonl ]; then
		echo "FAIL: $* wrote records"
		failures=$((failures + 1))
	else
		echo "ok: $* -> $(grep -i -m1 -- "$pattern" log)"
	fi
	rm -rf out
}

head -c 100 /dev/zero >small
one=(--workers 1)

refuse "no variant 'nope'" --workload atomics --variant nope "${one[@]}"
# ... and the refusal lists the valid ones: every scheme of refscheme.h.
variants=$("$lab" list atomics | sed -n 's/^ *variants: //p' | sed 's/ (default)//')
[ "$(echo $variants | wc -w)" -eq 7 ] || {
	echo "FAIL: atomics lists $(echo $variants | wc -w) variants, not the 7 schemes: $variants"
	failures=$((failures + 1))
}
listed=$(grep -m1 "variants of atomics:" log | sed 's/.*variants of atomics://' | tr ' ' '\n')
for v in $variants; do
	grep -qx -- "$v" <<<"$listed" || {
		echo "FAIL: the refusal does not list variant $v: $(cat log)"
		failures=$((failures + 1))
	}
done
refuse "no variant 'frozen-bit-nope'" --workload atomics --variant cas-loop,frozen-bit-nope "${one[@]}"
refuse "no option 'bogus'" --workload atomics --opt bogus=1 "${one[@]}"
refuse "counter=both" --workload atomics --opt counter=both "${one[@]}"
refuse "mix=get" --workload atomics --opt mix=get "${one[@]}"
refuse "needs --opt counter=per-worker" --workload atomics --opt mix=free-cycle "${one[@]}"
refuse "get_nr=0" --workload atomics --opt get_nr=0 "${one[@]}"
refuse "hold=abc" --workload atomics --opt hold=abc "${one[@]}"
refuse "base=" --workload atomics --opt base=99999999 "${one[@]}"

refuse "size=0" --workload pread --opt size=0 "${one[@]}"
refuse "/nonexistent/file" --workload pread --opt file=/nonexistent/file "${one[@]}"
refuse "needs offset+size" --workload pread --opt "file=$tmp/small" --opt size=4096 "${one[@]}"
refuse "not a regular file" --workload pread --opt "file=$tmp" "${one[@]}"
refuse "open=both" --workload pread --opt open=both "${one[@]}"

refuse "qd=0" --workload uring-read --opt qd=0 "${one[@]}"
refuse "batch=9" --workload uring-read --opt batch=9 "${one[@]}"
refuse "size=0" --workload uring-read --opt size=0 "${one[@]}"
refuse "/nonexistent/file" --workload uring-read --opt file=/nonexistent/file "${one[@]}"

refuse "pages=0" --workload fault --opt pages=0 "${one[@]}"
refuse "thp=always" --workload fault --opt thp=always "${one[@]}"
refuse "populate=maybe" --workload fault --opt populate=maybe "${one[@]}"

refuse "at least 2" --workload handoff --workers 1
refuse "threads" --workload handoff --mode processes --workers 2
if [ "$(nproc)" -ge 2 ]; then
	refuse "max_pairs=0" --workload handoff --opt max_pairs=0 --workers 2
fi

[ "$failures" -eq 0 ] || { echo "$failures bad option(s) not refused properly"; exit 1; }
echo "PASS: every bad option refused"
