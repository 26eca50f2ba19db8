#!/usr/bin/env bash
# The experiments' summaries (experiments/NAME.sh summarize) on generated
# records of every workload they read, and the `folio-lab-compare table`
# features they rely on (conditions, expressions, --reference, templates).
# A summary that breaks, loses a table, or shows "-" everywhere fails here.
#   tests/experiments.sh FOLIO_LAB_COMPARE
set -uo pipefail

BIN=${1:?usage: experiments.sh FOLIO_LAB_COMPARE}
SRC=$(cd "$(dirname "$0")/.." && pwd)
command -v jq >/dev/null || { echo "SKIP: jq missing (exp_where, exp_kernels)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Records: native (host) and the three guest kernels (TCG), every workload,
# variant and option set the experiments measure, workers 1 and 2, 3 reps.
# Values are fixed functions of the case (no noise): the checks know them.
mkdir -p "$T/r"
python3 - "$T/r/samples.jsonl" <<'PY'
import json, sys
V = ["cas-loop", "assume-one", "frozen-bit", "plain-add", "frozen-bit-undo",
     "frozen-bit-cas-put", "inverted-bit"]
out = open(sys.argv[1], "w")
n = 0
def rec(kernel, workload, variant, params, workers, rep, ops_s, dur=1.0, counters=None, mode="threads",
        placement="compact", extra=None):
    global n
    n += 1
    guest = kernel != "native"
    ops = int(ops_s * dur)
    r = {"schema": 1, "run_id": f"run-{kernel}-{workload}-{n // 100000}", "workload": workload,
         "variant": variant, "kernel": kernel, "kernel_release": "6.12.0-" + kernel,
         "where": "guest" if guest else "native", "accel": "tcg" if guest else "none",
         "mode": mode, "placement": placement, "workers": workers, "rep": rep,
         "params": params, "duration_s": dur, "ops": ops,
         "ops_per_sec": ops / dur,
         "counters": dict({k: 0 for k in ["gets_ok", "gets_failed", "cas_retries", "junk_left",
                          "guard_resets", "frees", "free_races", "freezes_won", "freezes_lost"]},
                          **(counters or {}))}
    r.update(extra or {})
    # a distinct run per case keeps (run, rep, case) unique
    r["run_id"] = f"run-{n}"
    out.write(json.dumps(r) + "\n")
for ki, k in enumerate(["native", "base", "patched", "patched-cas-put"]):
    kf = 1 + 0.1 * ki
    for w in (1, 2):
        for rep in range(3):
            rf = 1 + 0.01 * rep
            for vi, v in enumerate(V):
                f = kf * rf * (vi + 1) * 1e6 * w
                for c in ("shared", "per-worker"):
                    rec(k, "atomics", v, {"target": c, "mix": "tryget-put", "base_refs": "1", "get_nr": "1"},
                        w, rep, 10 * f, counters={"gets_ok": int(10 * f), "cas_retries": int(f)})
                rec(k, "atomics", v, {"target": "per-worker", "mix": "free-cycle", "base_refs": "1",
                                      "get_nr": "1"}, w, rep, 5 * f, counters={"frees": int(5 * f)})
                for nr in ("1", "1024"):
                    junk = 0 if v in ("cas-loop", "assume-one") else int(f)
                    rec(k, "atomics", v, {"target": "shared", "mix": "tryget-put", "base_refs": "0",
                                          "get_nr": nr}, w, rep, f,
                        counters={"gets_failed": int(f), "junk_left": junk,
                                  "guard_resets": 2 if v == "frozen-bit" else 0})
            f = kf * rf * 1e6 * w
            if k != "native":
                for mix, t, nr in (("tryget-put", "shared", "1"), ("tryget-put", "per-worker", "1"),
                                   ("free-cycle", "per-worker", "1"), ("freezer", "shared", "1"),
                                   ("freezer", "shared", "1024")):
                    for mi, mv in enumerate(["kernel"] + V):
                        g = f * (mi + 1) / 10
                        rec(k, "module", mv, {"mix": mix, "target": t, "get_nr": nr}, w, rep, g,
                            counters={"gets_failed": int(g / 4), "junk_left": int(g / 8),
                                      "cas_retries": int(g / 2), "guard_resets": 1,
                                      "free_races": 3})
            rec(k, "handoff", "ceiling", {}, 2, rep, kf * rf * 2e7, extra={"handoff_ns": 50 / kf})
            rec(k, "fault", "default", {}, w, rep, kf * rf * 4e5 * w, counters={"faults": 1})
            for mode in ("threads", "processes"):
                for pl in ("compact", "scatter"):
                    rec(k, "pread", "default", {"size": "64", "offset": "0", "open": "per-worker"},
                        w, rep, kf * rf * 1.5e6 * w, mode=mode, placement=pl)
    # the long window of failure-path (natively only)
    if k == "native":
        rec(k, "atomics", "frozen-bit", {"target": "shared", "mix": "tryget-put", "base_refs": "0",
                                         "get_nr": "1"}, 1, 0, 2.5e8, dur=8.0,
            counters={"gets_failed": int(2e9), "junk_left": int(2e9), "guard_resets": 1})
PY

# HTML of one section: balanced tags, every <h3> followed by a <table>, and the
# tables; prints "TITLE<TAB>cells<TAB>numeric cells" per table.
cat >"$T/check.py" <<'PY'
import html.parser, re, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.err = []; s.tables = []; s.title = None; s.text = ""
    def handle_starttag(s, t, a):
        if t in ("section", "h2", "h3", "p", "table", "tr", "th", "td", "code"):
            s.stack.append(t)
        s.text = ""
        if t == "table":
            if s.title is None: s.err.append("table without a title")
            s.tables.append([s.title, 0, 0]); s.title = None
    def handle_endtag(s, t):
        if t not in ("section", "h2", "h3", "p", "table", "tr", "th", "td", "code"): return
        if not s.stack or s.stack[-1] != t:
            s.err.append(f"</{t}> closes {s.stack[-1] if s.stack else 'nothing'}"); return
        s.stack.pop()
        if t == "h3":
            if s.title is not None: s.err.append(f"title without a table: {s.title}")
            s.title = s.text
        if t == "td":
            s.tables[-1][1] += 1
            if re.match(r"^-?[0-9]", s.text.strip()): s.tables[-1][2] += 1
    def handle_data(s, d): s.text += d
p = P(); p.feed(open(sys.argv[1]).read()); p.close()
if p.stack: p.err.append("unclosed: " + " ".join(p.stack))
if p.title is not None: p.err.append(f"title without a table: {p.title}")
for e in p.err: print("ERROR\t" + e)
for t in p.tables: print(f"{t[0]}\t{t[1]}\t{t[2]}")
PY

# name: its tables on these records (the native and three guest kernels' records hold
# every case; as many as the jq summaries made of them)
declare -A want=([pread-scaling]=2 [assume-one]=20 [free-path]=12 [failure-path]=28 [race-fix-cost]=56
	[inverted-bit]=31 [ceiling]=3)
for f in "$SRC"/experiments/*.sh; do
	n=$(basename "$f" .sh)
	case $n in run | lib) continue ;; esac
	[ -n "${want[$n]:-}" ] || { bad "$n: a new experiment: add it to tests/experiments.sh"; continue; }
	if ! FOLIO_LAB_COMPARE=$BIN sh "$f" summarize "$T/r" >"$T/$n.html" 2>"$T/$n.err"; then
		bad "$n: summarize failed: $(head -3 "$T/$n.err")"
		continue
	fi
	python3 "$T/check.py" "$T/$n.html" >"$T/$n.tables"
	if grep -q '^ERROR' "$T/$n.tables"; then
		bad "$n: HTML: $(grep '^ERROR' "$T/$n.tables" | head -3 | cut -f2 | tr '\n' ';')"
	fi
	tables=$(grep -vc '^ERROR' "$T/$n.tables")
	empty=$(awk -F'\t' '$1 != "ERROR" && $3 == 0' "$T/$n.tables")
	if [ "$tables" -lt "${want[$n]}" ]; then
		bad "$n: $tables tables, want at least ${want[$n]}"
	elif [ -n "$empty" ]; then
		bad "$n: tables without a number: $(echo "$empty" | cut -f1 | head -3 | tr '\n' ';')"
	else
		ok "$n: $tables tables, each with numbers, valid HTML"
	fi
done

# Known values (the generator's fixed functions).
cell() { # FILE TITLE ROW: the cells of that row of that table, tab-separated
	python3 - "$@" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
i = s.find("<h3>" + sys.argv[2] + "</h3>")
if i < 0: sys.exit(1)
t = s[i:s.find("</table>", i)]
for row in re.findall(r"<tr><th>(.*?)</th>(.*?)</tr>", t):
    if row[0] == sys.argv[3]:
        print("\t".join(re.findall(r"<td>(.*?)</td>", row[1]))); sys.exit(0)
sys.exit(1)
PY
}
expect_cell() { # NAME TITLE ROW WANT
	local got
	got=$(cell "$T/$1.html" "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1: '$3' in '$2' = $4"; else bad "$1: '$3' in '$2': '$got', want '$4'"; fi
}
# native frozen-bit (3rd variant), failed gets: 3e6 x workers x (1, 1.01, 1.02): median 1.01
expect_cell failure-path "atomics, frozen word: failed gets, M/s over all workers (median)" \
	"native frozen-bit get_nr=1" "$(printf '3.030\t6.060')"
expect_cell failure-path "atomics, frozen word: ns per failed get and worker (median)" \
	"native cas-loop get_nr=1" "$(printf '990.1\t990.1')"
expect_cell failure-path "atomics, frozen word: expected seconds until the 2^30 reset, 2^30 / (failed gets/s x get_nr) (median; - = no junk)" \
	"native cas-loop get_nr=1" "$(printf -- '-\t-')"
expect_cell failure-path "atomics, frozen word, get_nr=1: expected resets in that window (window / expected seconds)" \
	"native frozen-bit get_nr=1, one 8 s window" "1.863"
expect_cell failure-path "atomics on native, get_nr=1: failed-get rate, v5 / cas-loop" \
	"frozen-bit / cas-loop" "$(printf '3.000 [2.941, 3.060]\t3.000 [2.941, 3.060]')"
# pread-scaling: the series' table (patched 1.2 / base 1.1 at every count: +9.1%; TCG: E)
grep -q '<tr><td>threads</td><td>compact</td><td>2</td><td>-</td><td>-</td><td>3.33M</td><td>3.64M</td><td>+9.1% E</td><td>\[+7.0%, +11.3%\]</td>' \
	"$T/pread-scaling.html" && ok "pread-scaling: the series' table row threads compact 2" ||
	bad "pread-scaling: series row: $(grep -m1 '<tr><td>threads</td><td>compact</td><td>2<' "$T/pread-scaling.html")"
# pread-scaling's worker counts at the boundaries of a synthetic 2-socket SMT box
if [ -x "$(dirname "$BIN")/folio-lab" ]; then
	for pw in "compact 1,2,16,32,64" "scatter 1,2,4,32,64" "nosmt 1,8,16,32"; do
		got=$(FOLIO_LAB_BIN=$(dirname "$BIN")/folio-lab sh "$SRC/experiments/pread-scaling.sh" \
			workers "${pw% *}" --topology "pack:2 numa:2 core:8 pu:2")
		[ "$got" = "${pw#* }" ] && ok "pread-scaling workers ${pw% *}: $got" ||
			bad "pread-scaling workers ${pw% *}: '$got', want ${pw#* }"
	done
	# --quick: the quick suite's form of the sweep, 1 and all the placement's PUs
	got=$(FOLIO_LAB_BIN=$(dirname "$BIN")/folio-lab sh "$SRC/experiments/pread-scaling.sh" \
		workers nosmt --quick --topology "pack:2 numa:2 core:8 pu:2")
	[ "$got" = 1,32 ] && ok "pread-scaling workers nosmt --quick: $got" ||
		bad "pread-scaling workers nosmt --quick: '$got', want 1,32"
else
	echo "skip pread-scaling workers: no folio-lab next to $BIN"
fi
expect_cell ceiling "fraction of the ceiling (shared counter)" "native atomics frozen-bit" \
	"$(printf '0.151\t0.303')"
expect_cell inverted-bit "atomics get/put, shared, on base: inverted-bit / frozen-bit" \
	"inverted-bit / frozen-bit" "$(printf '2.333 [2.288, 2.380]\t2.333 [2.288, 2.380]')"
expect_cell inverted-bit "module get/put pairs, Mops/s (median)" "base kernel shared" "$(printf '0.111\t0.222')"
expect_cell race-fix-cost "atomics tryget-put: cmpxchg retries per pair (median)" "native cas-loop per-worker" \
	"$(printf '0.100\t0.100')"

# table: the conditions and expressions themselves
tsv() { "$BIN" table --format tsv "$@" "$T/r" 2>&1; }
got=$(tsv --filter 'workload=atomics,kernel=native,params.base_refs!=0,params.mix=tryget-put,params.target=shared,variant=plain-add|cas-loop' --rows variant)
want=$(printf '\t1 workers\t2 workers\ncas-loop\t10.100\t20.200\nplain-add\t40.400\t80.800')
[ "$got" = "$want" ] && ok "table: =, != and | conditions" || bad "table conditions: $got"
got=$(tsv --filter 'workload=atomics,kernel=native,duration_s>=7' --rows '{variant} get_nr={params.get_nr}' --metric 'counters.junk_left / (duration_s * 1e6)' --scale 1)
want=$(printf '\t1 workers\nfrozen-bit get_nr=1\t250.0')
[ "$got" = "$want" ] && ok "table: >= condition, template rows, expression" || bad "table >=/template/expr: $got"
got=$(tsv --filter 'workload=atomics,kernel=native,duration_s<7,params.base_refs=0,workers>1,variant=cas-loop' --metric '-(2 - counters.junk_left) * 1 / 2' --scale 1)
want=$(printf '\t2 workers\nnative\t-1.000')
[ "$got" = "$want" ] && ok "table: < and > conditions, unary minus" || bad "table </>: $got"
got=$(tsv --filter workload=fault --reference workload=handoff --scale 1 --rows kernel)
echo "$got" | grep -q $'^base\t0.020\t0.040$' && ok "table --reference: per-kernel median" || bad "table --reference: $got"
for a in '--filter a<x' '--filter =x' '--filter a!x' '--metric (a+' '--metric a+*b' '--reference' ; do
	# shellcheck disable=SC2086
	"$BIN" table $a "$T/r" >/dev/null 2>&1
	rc=$?
	[ $rc = 2 ] && ok "table $a: usage error" || bad "table $a: exit $rc, want 2"
done
"$BIN" compare --reference x=y "$T/r" >/dev/null 2>&1
[ $? = 2 ] && ok "compare --reference: refused (table only)" || bad "compare --reference accepted"

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all passed"
