#!/usr/bin/env bash
# Real runs with the test-only workloads: well-formed records with every
# field, threads and processes, option values, env labels, self-timed and
# run() workloads, a failing worker, perf, the default output directory.
# usage: harness-run.sh FOLIO_LAB_TESTWL_BIN [FOLIO_LAB_BIN]
set -u
lab=$1
. "$(dirname "$0")/harness-lib.sh"
check="python3 $here/harness-check.py"
q() { python3 -c "import json,sys; rs=[json.loads(l) for l in open(sys.argv[1])]; $2" "$1"; }
# Windows long enough that a worker on a busy 2-PU machine still gets to run.
short=(--duration 0.3 --warmup 0.05)

# threads: 2 variants x 2 worker counts x 2 reps = 8 records, step=3
FOLIO_LAB_KERNEL_LABEL=kx FOLIO_LAB_WHERE=guest FOLIO_LAB_ACCEL=tcg \
	"$lab" bench --workload count --variant all --workers 1,2 --reps 2 "${short[@]}" \
	--opt step=3 --out t >stdout 2>stderr || fail "threads run exited $?: $(cat stderr)"
[ "$(cat stdout)" = t ] || fail "stdout should name the output dir, got '$(cat stdout)'"
grep -q '^\[8/8\] count beta workers=2 rep 2/2' stderr || fail "progress lines: $(cat stderr)"
grep -Eq '^    [0-9.]+ Mops/s' stderr || fail "per-measurement summary line"
$check t --min 8 --max 8 --label kx || fail "threads records"
q t/samples.jsonl '
assert all(r["kernel"] == "kx" and r["where"] == "guest" and r["accel"] == "tcg" for r in rs)
assert all(r["params"] == {"step": "3", "fail_worker": "0", "slow": "0", "shift": "-1", "color": "red",
                          "size": "auto", "note": ""} for r in rs), rs[0]["params"]
assert all(o % 3 == 0 and o > 0 for r in rs for o in r["per_worker_ops"]), "step=3"
assert [(r["workers"], r["rep"], r["variant"]) for r in rs] == [
    (1, 0, "alpha"), (1, 0, "beta"), (1, 1, "alpha"), (1, 1, "beta"),
    (2, 0, "alpha"), (2, 0, "beta"), (2, 1, "alpha"), (2, 1, "beta")], "sweep order"
assert all(r["pus"] == [0, 1][: r["workers"]] and r["placement"] == "compact" for r in rs)
for r in rs:
    c = r["counters"]
    assert set(c) == {"loops", "variant_sum", "off_cpu"}, c
    assert (c["variant_sum"] == 0) == (r["variant"] == "alpha"), c
    assert abs(r["ops_per_sec"] * r["duration_s"] - r["ops"]) <= 1e-6 * r["ops"] + 1
    assert 0.25 < r["duration_s"] < 2.0, r["duration_s"]
    assert r["warmup_s"] == 0.05
' || fail "threads record contents"
q t/samples.jsonl 'assert len({r["run_id"] for r in rs}) == 1' || fail "one run_id per run"

# processes, appending to the same directory under another label
"$lab" bench --workload count --mode processes --workers 2 --reps 1 "${short[@]}" \
	--kernel kp --out t --quiet >/dev/null 2>stderr || fail "processes run: $(cat stderr)"
[ ! -s stderr ] || fail "--quiet printed: $(cat stderr)"
$check t --min 9 --max 9 --label kx --label kp || fail "processes records"
q t/samples.jsonl 'r = rs[-1]; assert r["mode"] == "processes" and r["kernel"] == "kp"' ||
	fail "processes record"

# self-timed: each worker reports 1000 ops in 1 ms -> 1e6 ops/s per worker
"$lab" bench --workload selftimed --workers 2 --reps 1 "${short[@]}" --out s --quiet \
	>/dev/null || fail "self-timed run"
q s/samples.jsonl 'r = rs[0]; assert r["ops"] == 2000 and abs(r["duration_s"] - 0.001) < 1e-9 \
	and abs(r["ops_per_sec"] - 2e6) < 1e-3, r' || fail "self-timed figures"

# run() hook: the workload's own record, with the provenance fields
"$lab" bench --workload hook --workers 1 --reps 2 --out h --quiet >/dev/null || fail "hook run"
$check h --min 2 --max 2 || fail "hook records"
q h/samples.jsonl 'assert [r["hook_field"] for r in rs] == [42, 42] and rs[1]["rep"] == 1' ||
	fail "hook record contents"

# a worker whose init fails fails the measurement: exit 1, no record
for mode in threads processes; do
	"$lab" bench --workload count --mode $mode --workers 2 --reps 1 "${short[@]}" \
		--opt fail_worker=2 --out f-$mode --quiet >/dev/null 2>stderr
	rc=$?
	[ "$rc" = 1 ] || fail "$mode: a failing worker should exit 1, got $rc"
	grep -q 'worker 1 (PU [0-9]*): worker_init failed' stderr || fail "$mode message: $(cat stderr)"
	[ ! -s f-$mode/samples.jsonl ] || fail "$mode: a failed measurement wrote a record"
done
# a bad option value is refused against its declaration before anything runs
"$lab" bench --workload count --workers 1 --reps 1 "${short[@]}" --opt step=lots --out b \
	--quiet >/dev/null 2>stderr
[ $? = 2 ] && grep -q "step=lots: expected an unsigned number" stderr && [ ! -e b ] ||
	fail "bad --opt value: $(cat stderr)"
"$lab" bench --workload count --workers 1 --reps 1 "${short[@]}" --opt fail_worker=2000000 \
	--out b --quiet >/dev/null 2>stderr
[ $? = 2 ] && grep -q "fail_worker=2000000: out of range 0..1048576" stderr && [ ! -e b ] ||
	fail "out-of-range --opt value: $(cat stderr)"

# oversubscription wraps around the placement
"$lab" bench --workload count --workers 3 --oversubscribe --placement pus:0 --reps 1 \
	--opt slow=1 "${short[@]}" --out o --quiet >/dev/null || fail "oversubscribed run"
q o/samples.jsonl 'assert rs[0]["pus"] == [0, 0, 0] and min(rs[0]["per_worker_ops"]) > 0' ||
	fail "oversubscribed record"

# --perf: software counters at least (hardware ones are often missing in VMs)
"$lab" bench --workload count --workers 1 --reps 1 "${short[@]}" --perf --out p --quiet \
	>/dev/null 2>stderr || fail "perf run: $(cat stderr)"
q p/samples.jsonl 'p = rs[0]["perf"]; assert p["task-clock"] > 0 and "context-switches" in p \
	and isinstance(p["hw"], bool), p' || fail "perf record: $(cat stderr)"

# default output directory: results/<UTC date-time>, printed on stdout
d=$("$lab" bench --workload count --workers 1 --reps 1 "${short[@]}" --quiet) || fail "default out"
[[ $d =~ ^results/[0-9]{8}T[0-9]{6}Z$ ]] && [ -s "$d/samples.jsonl" ] || fail "default out dir '$d'"

finish
echo "all run checks passed"
