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
expect 2 "no option 'bogus'; valid: step fail_worker slow shift color size note" "${run[@]}" --opt bogus=1
# Typed options: each refused against its declaration, naming it and its range.
expect 2 "step=-1: expected an unsigned number" "${run[@]}" --opt step=-1
expect 2 "shift=9: out of range -8..8" "${run[@]}" --opt shift=9
expect 2 "shift=x: expected a whole number" "${run[@]}" --opt shift=x
expect 2 "color=blue: expected one of red, green" "${run[@]}" --opt color=blue
expect 2 "size=65: out of range 1..64 or auto" "${run[@]}" --opt size=65
expect 2 "slow=maybe: expected 1/0" "${run[@]}" --opt slow=maybe
expect 2 "--suite 'huge': expected full or quick" "${run[@]}" --suite huge
expect 2 "unknown suite 'huge'" list --suite huge
expect 2 "--where 'moon'" list --suite full --where moon
expect 2 "unknown workload 'nope'" list --suite full --workloads count,nope
expect 2 "unknown option '--frob'" list --frob
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
# The suites: what each workload declares, where it may run.
[ "$("$lab" list --suite full --where native 2>/dev/null)" = "--workload count --variant all
--workload selftimed
--workload hook" ] || { echo "FAIL: list --suite full: $("$lab" list --suite full 2>&1)"; fails=$((fails + 1)); }
"$lab" list --suite full 2>&1 >/dev/null | grep -q "skipping pair: /nonexistent/folio-lab-test missing" ||
	{ echo "FAIL: list --suite names a missing requirement"; fails=$((fails + 1)); }
[ "$("$lab" list --suite quick --where native)" = "--workload count --opt step=2" ] &&
	[ -z "$("$lab" list --suite quick --where guest)" ] &&
	[ "$(FOLIO_LAB_WHERE=guest "$lab" list --suite quick)" = "" ] ||
	{ echo "FAIL: list --suite quick"; fails=$((fails + 1)); }
[ "$("$lab" list --suite full --workloads hook,count 2>/dev/null)" = "--workload hook
--workload count --variant all" ] || { echo "FAIL: list --suite --workloads order"; fails=$((fails + 1)); }
[ "$("$lab" list --names | tr '\n' ' ')" = "count selftimed pair hook " ] ||
	{ echo "FAIL: list --names"; fails=$((fails + 1)); }
# --json: every declaration, the typed options with their ranges, the suite sizes.
if command -v python3 >/dev/null; then
	"$lab" list --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
w = {x["name"]: x for x in d["workloads"]}
assert list(w) == ["count", "selftimed", "pair", "hook"], list(w)
p = {x["key"]: x for x in w["count"]["params"]}
assert p["step"]["type"] == "u64" and p["step"]["default"] == "1", p["step"]
assert p["shift"]["min"] == -8 and p["shift"]["default"] == "-1", p["shift"]
assert [v["name"] for v in p["color"]["values"]] == ["red", "green"], p["color"]
assert p["size"]["zero"] == "auto" and p["size"]["default"] == "auto", p["size"]
assert w["pair"]["requires"] == "/nonexistent/folio-lab-test" and w["pair"]["min_workers"] == 2
assert w["count"]["suites"][1] == {"suites": ["quick"], "where": ["native"], "args": "--opt step=2"}
assert "self-timed" in w["selftimed"]["flags"] and "own-records" in w["hook"]["flags"]
s = {(x["suite"], x["where"]): x for x in d["suite_sizes"]}
assert s["full", "native"]["duration_s"] == 2 and s["quick", "any"]["workers"] == "1,2", s
' || { echo "FAIL: list --json"; fails=$((fails + 1)); }
fi
# bench --suite: the suite's sizes as defaults, explicit options win.
"$lab" bench --workload count --suite quick --workers 1 --out "$tmp/sq" --quiet >/dev/null 2>&1 &&
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 2 and all(x["duration_s"] < 0.5 and x["warmup_s"] == 0.1 for x in r), r
assert all(x["params"]["size"] == "auto" and x["params"]["shift"] == "-1" for x in r), r
' "$tmp/sq/samples.jsonl" || { echo "FAIL: bench --suite quick"; fails=$((fails + 1)); }

finish
echo "all CLI checks passed"
