#!/usr/bin/env bash
# --profile natively: a short profiled pread (threads at 1 and 2 workers,
# processes at 1) whose records carry a sound "profile" object and whose
# folded stacks are in DIR/profiles/; merge carries them along; without perf
# the run says so once and writes records without profiles.
# usage: harness-profile.sh FOLIO_LAB_TESTWL_BIN FOLIO_LAB_BIN
set -u
lab=$2
. "$(dirname "$0")/harness-lib.sh"

command -v perf >/dev/null || { echo "SKIP: no perf tool (apt-get install linux-perf)"; exit 77; }
perf record -q -B -e cpu-clock -C 0 -o p.data -- true 2>perr ||
	{ echo "SKIP: perf cannot sample system-wide here: $(head -c 300 perr)"; exit 77; }
awk 'NR <= 64 && $1 !~ /^0+$/ { ok = 1 } END { exit !ok }' /proc/kallsyms ||
	{ echo "SKIP: kernel symbols hidden (kptr_restrict)"; exit 77; }

# Functional only: 2-core VM figures, not scalability results.
opts=(--workload pread --reps 1 --duration 0.4 --warmup 0.1 --quiet --profile)
"$lab" bench "${opts[@]}" --workers 1,2 --out r >/dev/null 2>err || fail "profiled run: $(cat err)"
"$lab" bench "${opts[@]}" --workers 1 --mode processes --out r >/dev/null 2>>err ||
	fail "profiled run, processes: $(cat err)"
python3 - r <<'PY' || fail "profile objects"
import json, os, sys
d = sys.argv[1]
rs = [json.loads(l) for l in open(os.path.join(d, "samples.jsonl"))]
assert len(rs) == 3, len(rs)
for r in rs:
    p = r.get("profile")
    assert p, "no profile in %s" % r
    what = "workers=%d %s" % (r["workers"], r["mode"])
    assert p["event"] in ("cpu-clock", "cycles"), p["event"]
    assert p["samples"] > 0, what
    assert p["samples_other"] >= 0, what
    assert 0 <= p["refcount_leaf_share"] <= p["refcount_share"] <= 1, (what, p)
    # pread's hot path is filemap_get_entry() (folio_try_get inlined into it)
    assert p["refcount_share"] > 0, (what, p)
    top = p["top"]
    assert 0 < len(top) <= 10, top
    assert all(t["symbol"] and 0 < t["share"] <= 1 for t in top), top
    assert sum(t["share"] for t in top) <= 1 + 1e-9, top
    assert [t["share"] for t in top] == sorted((t["share"] for t in top), reverse=True), top
    assert len(p["pus"].split(",")) == r["workers"], (p["pus"], r["workers"])
    f = os.path.join(d, p["folded"])
    assert os.path.isfile(f), f
    n = 0
    kernel = False
    for line in open(f):
        stack, cnt = line.rstrip("\n").rsplit(" ", 1)
        assert int(cnt) > 0 and ";" in stack and " " not in stack, line
        n += int(cnt)
        kernel |= "do_syscall_64" in stack or "entry_SYSCALL_64" in stack
    assert n == p["samples"], (f, n, p["samples"])
    assert kernel, "no kernel frames in " + f
assert len({r["profile"]["folded"] for r in rs}) == 3, "folded names repeat"
PY
[ -z "$(find r/profiles -name '*.data')" ] || fail "perf.data files left behind: $(ls -a r/profiles)"

"$lab" merge r m 2>err || fail "merge: $(cat err)"
[ "$(find m/profiles -name "*.folded" | wc -l)" = 3 ] || fail "merge did not copy the folded stacks"

# The report's profile section: refcount share per workers, top symbols.
compare=$(dirname "$lab")/folio-lab-compare
if [ -x "$compare" ]; then
	"$compare" report --no-plots r >/dev/null 2>err || fail "report: $(cat err)"
	grep -q 'Profile (--profile)' r/report.html || fail "report has no profile section"
	grep -q '<th>2 workers</th>' r/report.html || fail "report's profile table lacks 2 workers"
	grep -q '<code>filemap_get_entry</code>\|<code>do_syscall_64</code>' r/report.html ||
		fail "report's top symbols lack the kernel's"
	grep -q 'Flame graph: native, threads, 2 workers' r/report.html || fail "report has no flame graph"
	grep -q '<title>filemap_get_entry\|<title>do_syscall_64' r/report.html ||
		fail "the flame graph lacks kernel frames"
fi

# No perf: said once, records without a profile.
FOLIO_LAB_PERF=/nonexistent/perf "$lab" bench "${opts[@]}" --workers 1,2 --out n >/dev/null 2>err ||
	fail "run without perf: $(cat err)"
[ "$(grep -c 'no perf tool' err)" = 1 ] || fail "the missing perf is not said exactly once: $(cat err)"
python3 -c '
import json
rs = [json.loads(l) for l in open("n/samples.jsonl")]
assert len(rs) == 2 and not any("profile" in r for r in rs), rs
' || fail "records without perf"

# Without --profile: no profile object.
"$lab" bench --workload pread --reps 1 --duration 0.2 --warmup 0 --workers 1 --quiet --out q \
	>/dev/null 2>err || fail "plain run: $(cat err)"
grep -q '"profile"' q/samples.jsonl && fail "a profile without --profile"

# FOLIO_LAB_PROFILE=1 (what experiments and the guest init set): as --profile.
FOLIO_LAB_PROFILE=1 "$lab" bench --workload pread --reps 1 --duration 0.3 --warmup 0 --workers 1 \
	--quiet --out e >/dev/null 2>err || fail "FOLIO_LAB_PROFILE=1 run: $(cat err)"
grep -q '"profile": *{' e/samples.jsonl || fail "FOLIO_LAB_PROFILE=1 gave no profile"

finish
echo "all --profile checks passed"
