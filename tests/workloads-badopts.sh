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
	"$lab" bench --duration 0.1 --warmup 0 --reps 1 --out out --quiet "$@" >log 2>&1 || rc=$?
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
refuse "target=both: expected one of shared, per-worker" --workload atomics --opt target=both "${one[@]}"
refuse "mix=get: expected one of tryget-put, get-put, freezer, free-cycle" --workload atomics --opt mix=get "${one[@]}"
refuse "needs --opt target=per-worker" --workload atomics --opt mix=free-cycle "${one[@]}"
refuse "get_nr must be 1" --workload atomics --opt mix=free-cycle --opt target=per-worker --opt get_nr=2 "${one[@]}"
refuse "base_refs >= 1" --workload atomics --opt mix=get-put --opt base_refs=0 "${one[@]}"
refuse "no option .counter." --workload atomics --opt counter=shared "${one[@]}"
refuse "get_nr=0: out of range 1..65536" --workload atomics --opt get_nr=0 "${one[@]}"
refuse "hold=abc" --workload atomics --opt hold=abc "${one[@]}"
refuse "base_refs=99999999: out of range 0..1024" --workload atomics --opt base_refs=99999999 "${one[@]}"
refuse "hold=65537: out of range 0..65536" --workload atomics --opt hold=65537 "${one[@]}"

refuse "size=0" --workload pread --opt size=0 "${one[@]}"
refuse "/nonexistent/file" --workload pread --opt file=/nonexistent/file "${one[@]}"
refuse "needs offset+size" --workload pread --opt "file=$tmp/small" --opt size=4096 "${one[@]}"
refuse "not a regular file" --workload pread --opt "file=$tmp" "${one[@]}"
refuse "open=both: expected one of shared, per-worker" --workload pread --opt open=both "${one[@]}"

refuse "qd=0" --workload uring-read --opt qd=0 "${one[@]}"
refuse "batch=9" --workload uring-read --opt batch=9 "${one[@]}"
refuse "size=0" --workload uring-read --opt size=0 "${one[@]}"
refuse "/nonexistent/file" --workload uring-read --opt file=/nonexistent/file "${one[@]}"

refuse "pages=0" --workload fault --opt pages=0 "${one[@]}"
refuse "thp=always" --workload fault --opt thp=always "${one[@]}"
refuse "populate=maybe" --workload fault --opt populate=maybe "${one[@]}"

# The module's limits (uapi.h FOLIO_LAB_MAX_*) are refused before the device
# is opened: these need no module.
refuse "hold=65537: out of range 0..65536" --workload module --opt hold=65537 "${one[@]}"
refuse "base_refs=0: out of range 1..1024" --workload module --opt base_refs=0 "${one[@]}"
refuse "order=10: out of range 0..9" --workload module --opt order=10 "${one[@]}"
refuse "folios=2000: out of range 1..1024 or auto" --workload module --opt folios=2000 "${one[@]}"
refuse "get_nr=65537: out of range 1..65536" --workload module --opt get_nr=65537 "${one[@]}"
refuse "node=-2: out of range -1" --workload module --opt node=-2 "${one[@]}"
refuse "mix=both: expected one of" --workload module --opt mix=both "${one[@]}"
refuse "at most 60 s" --workload module --duration 61 "${one[@]}"
refuse "FOLIO_LAB_MAX_SETUP_PAGES" --workload module --opt folios=1024 --opt order=9 "${one[@]}"
refuse "needs --opt target=per-worker" --workload module --opt mix=free-cycle "${one[@]}"
refuse "would corrupt" --workload module --variant plain-add --opt mix=freezer "${one[@]}"

refuse "at least 2" --workload handoff --workers 1
refuse "threads" --workload handoff --mode processes --workers 2
if [ "$(nproc)" -ge 2 ]; then
	refuse "max_pairs=0" --workload handoff --opt max_pairs=0 --workers 2
fi

[ "$failures" -eq 0 ] || { echo "$failures bad option(s) not refused properly"; exit 1; }
echo "PASS: every bad option refused"
