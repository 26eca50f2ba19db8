#!/usr/bin/env bash
# Bad command lines are refused with exit 2 and a message that says why;
# help and version work.
# usage: harness-cli.sh FOLIO_LAB_BIN [EXPECTED_DIR]
set -u
lab=$1
. "$(dirname "$0")/harness-lib.sh"

# expect STATUS REGEX ARGS...: exit status and a stderr line matching REGEX
expect() {
	local want=$1 re=$2 err rc
	shift 2
	err=$("$lab" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -Eq -- "$re" <<<"$err"; then
		printf 'FAIL: folio-lab %s\n  want exit %s and /%s/, got exit %s: %s\n' \
			"$*" "$want" "$re" "$rc" "$err"
		fails=$((fails + 1))
	fi
}

run=(bench --workload count --out "$tmp/out" --duration 0.05 --warmup 0 --reps 1 --workers 1)

expect 2 'usage: folio-lab COMMAND'
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 'bench needs --workload' bench
expect 2 "unknown workload 'nope'" bench --workload nope
expect 2 'workloads: count selftimed pair hook' bench --workload nope
expect 2 "has no variant 'gamma'" "${run[@]}" --variant alpha,gamma
expect 2 'variants of count: alpha beta' "${run[@]}" --variant gamma
expect 2 '0 workers' "${run[@]}" --workers 0
expect 2 '0 workers' "${run[@]}" --workers 0-2
expect 2 'expected numbers and ranges' "${run[@]}" --workers two
expect 2 'expected numbers and ranges' "${run[@]}" --workers 4-2
expect 2 'offers [0-9]+ PUs.*--oversubscribe' "${run[@]}" --workers 5000
expect 2 'offers 1 PUs' "${run[@]}" --placement pus:0 --workers 2
for d in 0 -1 nan NaN inf abc 1s ""; do
	expect 2 "--duration '$d'" "${run[@]}" --duration "$d"
done
expect 2 "--warmup '-1'" "${run[@]}" --warmup -1
expect 2 "--warmup 'nan'" "${run[@]}" --warmup nan
expect 2 "--reps '0'" "${run[@]}" --reps 0
expect 2 "--reps '-3'" "${run[@]}" --reps -3
expect 2 "--reps 'x'" "${run[@]}" --reps x
expect 2 "no option 'bogus'; valid: step fail_worker slow" "${run[@]}" --opt bogus=1
expect 2 "expected KEY=VALUE" "${run[@]}" --opt step
expect 2 "expected KEY=VALUE" "${run[@]}" --opt =3
expect 2 "selftimed runs in threads mode only" bench --workload selftimed --mode processes
expect 2 "--mode 'fibers'" "${run[@]}" --mode fibers
expect 2 "unknown placement 'spread'; valid: compact, scatter, node:N, nosmt, pus:LIST" \
	"${run[@]}" --placement spread
expect 2 "no PU on NUMA node 99" "${run[@]}" --placement node:99
expect 2 "N must be a NUMA node number" "${run[@]}" --placement node:
expect 2 "PU 100000 does not exist" "${run[@]}" --placement pus:100000
expect 2 "pair needs at least 2 workers" bench --workload pair --workers 1,2
expect 2 "pair needs at least 2 workers; placement pus:0 offers 1" \
	bench --workload pair --placement pus:0
expect 2 "is not this machine" "${run[@]}" --topology "pack:2 core:2 pu:2"
expect 2 "neither a file nor a valid hwloc synthetic" plan --topology "flux:3"
expect 2 "kernel label 'a b'" "${run[@]}" --kernel "a b"
expect 2 "unexpected argument 'stray'" "${run[@]}" stray
expect 2 "unrecognized option '--frob'" "${run[@]}" --frob
expect 2 "see .folio-lab bench --help" "${run[@]}" --frob
expect 2 "usage: folio-lab merge SRC DST" merge onlyone
expect 2 "unknown workload 'nope'" list nope

# None of the refused runs may have written anything.
[ ! -e "$tmp/out" ] || fail "a refused command created $tmp/out"

# Help and version.
for c in bench plan list merge; do
	out=$("$lab" "$c" --help) || { echo "FAIL: $c --help exit $?"; fails=$((fails + 1)); }
	grep -q SYNOPSIS <<<"$out" && grep -q "EXIT STATUS" <<<"$out" ||
		{ echo "FAIL: $c --help lacks SYNOPSIS/EXIT STATUS"; fails=$((fails + 1)); }
	cmp -s <("$lab" help "$c") <(printf '%s\n' "$out") ||
		{ echo "FAIL: help $c differs from $c --help"; fails=$((fails + 1)); }
done
for opt in --workload --variant --workers --placement --mode --duration --warmup --reps \
	--out --kernel --opt --topology --oversubscribe --perf --plan --quiet; do
	"$lab" bench --help | grep -q -- "^    $opt" ||
		{ echo "FAIL: bench --help does not document $opt"; fails=$((fails + 1)); }
done
"$lab" --version | grep -Eq '^folio-lab .+' || { echo "FAIL: --version"; fails=$((fails + 1)); }
"$lab" help | grep -q merge || { echo "FAIL: help"; fails=$((fails + 1)); }
"$lab" list | grep -q 'step .*default 1' || { echo "FAIL: list shows options"; fails=$((fails + 1)); }
"$lab" list pair | grep -q 'at least 2 workers' || { echo "FAIL: list pair"; fails=$((fails + 1)); }

finish
echo "all CLI checks passed"
