#!/usr/bin/env bash
# folio-lab-compare series (the cover letter's table of the series'
# benchmark) on seeded pread records of known answers: a native 2-socket
# SMT box (2 packages, 4 NUMA nodes, 32 cores, 64 PUs) where patched gains
# +2% at 1 worker and +20% from 16 workers on and patched-cas-put loses 6%
# at 64 workers; checks the platform header, the rows and their order, the
# topology boundary of each worker count, the nodes the workers used, the
# sign and size of every change and that its interval brackets the true
# change, the HTML form, the report's copy and scaling chart, the emulated
# label of a TCG run, and the input errors (exit 2).
#   analysis-series.sh FOLIO_LAB_COMPARE
set -uo pipefail

BIN=${1:?usage: analysis-series.sh FOLIO_LAB_COMPARE}
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# gen DIR WHERE PUS [KERNELS] [--no-meta]: seeded records (lognormal noise
# of 0.5% on the base rate; the true change is exact in the log domain).
gen() {
	python3 - "$@" <<'PY'
import json, math, os, random, sys
d, where, pus = sys.argv[1], sys.argv[2], int(sys.argv[3])
# where: native, guest (TCG) or kvm (a KVM guest; --pinned: meta.json has its vcpu_pins)
accel = {"native": "none", "guest": "tcg", "kvm": "kvm"}[where]
where = "native" if where == "native" else "guest"
pinned = "--pinned" in sys.argv
kernels = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[4] != "-" else \
    ["base", "patched", "patched-cas-put"]
meta = "--no-meta" not in sys.argv
big = pus == 64
rng = random.Random(12)
os.makedirs(d, exist_ok=True)
# compact: 1, a core, a node, a socket, all PUs, and 8 (no boundary);
# nosmt: 1, a node's cores, a socket's cores, all cores;
# scatter: 1, one per socket, one per node, all cores, all PUs
counts = {"compact": [1, 2, 8, 16, 32, 64], "nosmt": [1, 8, 16, 32],
          "scatter": [1, 2, 4, 32, 64]} if big else \
    {"compact": [1, 2]}
def gain(k, w):
    if k == "patched":
        return 1.02 if w == 1 else 1.20 if w >= 16 else 1.10
    if k == "patched-cas-put":
        return 0.94 if w == 64 else 1.0
    return 1.0
def nodes(pl, w):
    if not big:
        return [0] * w
    # compact fills a node (16 PUs) before the next; scatter goes round the 4 nodes
    # (nosmt: 8 cores a node, one PU each)
    return [i // 16 for i in range(w)] if pl == "compact" else \
        [i // 8 for i in range(w)] if pl == "nosmt" else [i % 4 for i in range(w)]
n = 0
with open(os.path.join(d, "samples.jsonl"), "w") as f:
    for k in kernels:
        for mode in ("threads", "processes"):
            for pl, ws in counts.items():
                for w in ws:
                    for rep in range(7):
                        n += 1
                        rate = 1e6 * w ** 0.8 * (0.9 if mode == "processes" else 1) * gain(k, w) \
                            * math.exp(rng.gauss(0, 0.005))
                        f.write(json.dumps({
                            "schema": 1, "run_id": f"run-{k}-{n}", "workload": "pread",
                            "variant": "default", "kernel": k, "kernel_release": "6.12.0-" + k,
                            "where": where, "accel": accel,
                            "mode": mode, "placement": pl, "workers": w, "rep": rep,
                            "pus": list(range(w)), "nodes": nodes(pl, w),
                            "duration_s": 1.0, "ops": int(rate), "ops_per_sec": rate,
                            "params": {"size": "64", "offset": "0", "open": "per-worker"}}) + "\n")
if meta:
    topo = "2 packages, 4 NUMA nodes, 32 cores, 64 PUs" if big else \
        "1 package, 1 NUMA node, 2 cores, 2 PUs"
    m = {"schema": 1, "kernels": {k: {
        "cpu_model": "AMD EPYC 9999 Test 64-Core Processor" if big else "QEMU Virtual CPU",
        "nr_pus": pus, "topology": topo, "numa_nodes": 4 if big else 1,
        "smt": "on" if big else "notsupported",
        "vm": "kvm" if where == "guest" or not big else False,
        "governor": "performance", "kernel_release": "6.12.0-" + k,
        "created": "2026-06-01T12:00:00Z"} for k in kernels}}
    if pinned:
        for e in m["kernels"].values():
            e["vcpu_pins"] = [{"vcpu": i, "host_pu": i, "host_node": i // 16, "guest_node": i // 16,
                               "affinity": [i]} for i in range(pus)]
    json.dump(m, open(os.path.join(d, "meta.json"), "w"))
PY
}

gen "$T/big" native 64
"$BIN" series "$T/big" >"$T/big.md" 2>"$T/big.err"
rc=$?
[ $rc = 0 ] && ok "series on the 2-socket box: exit 0" || { bad "series: exit $rc"; cat "$T/big.err"; }
sed 's/^/  | /' "$T/big.md" | head -12

# The platform header, from meta.json.
grep -q '^Platform: AMD EPYC 9999 Test 64-Core Processor; 2 sockets, 4 NUMA nodes, 32 cores, 64 PUs (SMT on, 2 PUs per core), governor performance; measured native; kernels: base 6.12.0-base (baseline), patched 6.12.0-patched, patched-cas-put 6.12.0-patched-cas-put$' "$T/big.md" &&
	ok "platform header: CPU, sockets, nodes, cores, PUs, SMT, kernels" ||
	bad "platform header: $(grep Platform "$T/big.md")"
grep -q 'not a scalability result' "$T/big.md" &&
	bad "a native 64-PU box labelled 'not a scalability result'" ||
	ok "no emulated label on a native 64-PU box"

# The rows: mode, placement, workers, boundary, nodes, then ops/s and change per kernel.
cat >"$T/check.py" <<'PY'
import math, re, sys
fmt, path = sys.argv[1], sys.argv[2]
text = open(path).read()
if fmt == "md":
    lines = [l for l in text.splitlines() if l.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    if not re.match(r"^\|(---:?\|)+$", lines[1]):
        print("FAIL markdown separator: " + lines[1]); sys.exit(1)
    rows = [[c.strip() for c in l.strip("|").split("|")] for l in lines[2:]]
else:
    import html.parser
    class P(html.parser.HTMLParser):
        def __init__(s):
            super().__init__(); s.rows = []; s.cur = None; s.cell = None; s.h3 = 0; s.tab = 0
        def handle_starttag(s, t, a):
            if t == "tr": s.cur = []
            if t in ("td", "th"): s.cell = ""
            if t == "h3": s.h3 += 1
            if t == "table": s.tab += 1
        def handle_endtag(s, t):
            if t in ("td", "th"): s.cur.append(s.cell.strip()); s.cell = None
            if t == "tr": s.rows.append(s.cur)
        def handle_data(s, d):
            if s.cell is not None: s.cell += d
    p = P(); p.feed(text)
    if p.h3 != 1 or p.tab != 1:
        print(f"FAIL html: {p.h3} h3, {p.tab} tables"); sys.exit(1)
    head, rows = p.rows[0], p.rows[1:]
want_head = ["mode", "placement", "workers", "boundary", "nodes", "base ops/s",
             "patched ops/s", "patched vs base", "95% CI",
             "patched-cas-put ops/s", "patched-cas-put vs base", "95% CI"]
fails = 0
def bad(m):
    global fails
    fails += 1
    print("FAIL " + m)
if head != want_head:
    bad(f"header {head}")
if any(len(r) != len(head) for r in rows):
    bad("rows of different widths")
order = [(r[0], r[1], int(r[2])) for r in rows]
want = [(m, pl, w) for m in ("threads", "processes") for pl, ws in
        (("compact", [1, 2, 8, 16, 32, 64]), ("nosmt", [1, 8, 16, 32]),
         ("scatter", [1, 2, 4, 32, 64])) for w in ws]
if order != want:
    bad(f"rows {order}")
bounds = {("compact", 1): "1 PU", ("compact", 2): "1 core (its SMT siblings)",
          ("compact", 8): "-", ("compact", 16): "1 NUMA node", ("compact", 32): "1 socket",
          ("compact", 64): "all PUs (SMT)", ("nosmt", 1): "1 core",
          ("nosmt", 8): "cores of 1 NUMA node", ("nosmt", 16): "cores of 1 socket",
          ("nosmt", 32): "all cores", ("scatter", 1): "1 PU",
          ("scatter", 2): "1 PU per socket", ("scatter", 4): "1 PU per NUMA node",
          ("scatter", 32): "all cores, 1 PU each", ("scatter", 64): "all PUs (SMT)"}
nodes = {("compact", 1): 1, ("compact", 2): 1, ("compact", 8): 1, ("compact", 16): 1,
         ("compact", 32): 2, ("compact", 64): 4, ("nosmt", 1): 1, ("nosmt", 8): 1,
         ("nosmt", 16): 2, ("nosmt", 32): 4, ("scatter", 1): 1, ("scatter", 2): 2,
         ("scatter", 4): 4, ("scatter", 32): 4, ("scatter", 64): 4}
def true_pct(k, w):
    g = (1.02 if w == 1 else 1.20 if w >= 16 else 1.10) if k == "patched" else \
        (0.94 if w == 64 else 1.0)
    return 100 * (g - 1)
def si(s):
    m = re.match(r"^([0-9.]+)([kMG]?)$", s)
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
inside = total = 0
for r in rows:
    key = (r[1], int(r[2]))
    if r[3] != bounds[key]:
        bad(f"{r[0]} {key}: boundary '{r[3]}', want '{bounds[key]}'")
    if r[4] != str(nodes[key]):
        bad(f"{r[0]} {key}: nodes '{r[4]}', want {nodes[key]}")
    w = int(r[2])
    b = si(r[5])
    want_b = 1e6 * w ** 0.8 * (0.9 if r[0] == "processes" else 1)
    if abs(b / want_b - 1) > 0.01:
        bad(f"{r[0]} {key}: base {r[5]}, want about {want_b:.3g}")
    for k, c in (("patched", 6), ("patched-cas-put", 9)):
        t = true_pct(k, w)
        m = re.match(r"^([+-][0-9.]+)% ([*!~?E])$", r[c + 1])
        ci = re.match(r"^\[([+-][0-9.]+)%, ([+-][0-9.]+)%\]$", r[c + 2])
        if not m or not ci:
            bad(f"{r[0]} {key} {k}: change '{r[c + 1]}' CI '{r[c + 2]}'"); continue
        v, lo, hi = float(m.group(1)), float(ci.group(1)), float(ci.group(2))
        n = si(r[c])
        if abs(n / (b * (1 + t / 100)) - 1) > 0.015:
            bad(f"{r[0]} {key} {k}: ops/s {r[c]} against base {r[5]}, true change {t}%")
        # the estimate: right sign and within 1 point (about 3 standard errors) of the truth
        if abs(v - t) > 1.0 or (t != 0 and (v > 0) != (t > 0)):
            bad(f"{r[0]} {key} {k}: change {v}%, true {t}%")
        if not lo <= v <= hi:
            bad(f"{r[0]} {key} {k}: estimate {v} outside its CI [{lo}, {hi}]")
        total += 1
        inside += lo <= t <= hi
        # well past the 2% threshold: the verdict is certain at n = 7
        mark = "*" if t >= 5 else "!" if t <= -5 else None
        if mark and m.group(2) != mark:
            bad(f"{r[0]} {key} {k}: marker '{m.group(2)}', want '{mark}' for {t}%")
# 95% intervals: seeded, so deterministic; most must bracket the truth, none far off
if inside < 0.9 * total:
    bad(f"the CI brackets the true change in {inside} of {total} rows")
print(f"{len(rows)} rows; CI brackets the true change in {inside}/{total}")
sys.exit(1 if fails else 0)
PY
if python3 "$T/check.py" md "$T/big.md"; then
	ok "markdown: rows, order, boundaries, nodes, ops/s, change sign/size, CI brackets the truth"
else
	bad "markdown table"
fi
"$BIN" series --format html "$T/big" >"$T/big.html" 2>&1
if python3 "$T/check.py" html "$T/big.html"; then
	ok "html: the same table"
else
	bad "html table"
fi
grep -q '<p class="platform"><b>Platform:</b> AMD EPYC 9999' "$T/big.html" &&
	ok "html: platform paragraph" || bad "html: no platform paragraph"

# --level changes the interval only; --filter picks a placement.
"$BIN" series --level 0.99 --filter placement=scatter "$T/big" >"$T/l99.md" 2>&1
grep -q '| 99% CI |' "$T/l99.md" && ! grep -q '| compact |' "$T/l99.md" &&
	[ "$(grep -c '^| threads | scatter |' "$T/l99.md")" = 5 ] &&
	ok "--level 0.99 and --filter placement=scatter" || bad "--level/--filter: $(head -20 "$T/l99.md")"
# --baseline patched: the signs turn
"$BIN" series --baseline patched "$T/big" >"$T/rev.md" 2>&1
grep -Eq '^\| threads \| compact \| 32 \| 1 socket \| 2 \| [0-9.]+M \| [0-9.]+M \| -1[0-9]\.[0-9]% ! \|' "$T/rev.md" &&
	ok "--baseline patched: base is about -17% at 32 workers" ||
	bad "--baseline patched: $(grep '| 32 |' "$T/rev.md" | head -2)"

# The report holds the same table and the scaling chart.
"$BIN" report --no-plots "$T/big" >/dev/null 2>&1
python3 - "$T/big/report.html" "$T/rep.html" <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.find('<section id="series"')
j = s.find("</section>", i)
open(sys.argv[2], "w").write(s[s.find("<h3>", i):s.find("</table>", i) + 8] if i >= 0 else "")
PY
if [ -s "$T/rep.html" ] && python3 "$T/check.py" html "$T/rep.html" >/dev/null; then
	ok "report: the series' table (section #series)"
else
	bad "report: no series table"
fi
grep -q 'href="#series"' "$T/big/report.html" && ok "report: contents link" || bad "report: no link"
if command -v gnuplot >/dev/null; then
	"$BIN" plot "$T/big" >/dev/null 2>&1
	svg=$T/big/charts/scaling-pread-compact.svg
	if [ -s "$svg" ] && grep -q '1 NUMA node' "$svg" && grep -q 'all PUs (SMT)' "$svg" &&
		grep -q 'patched-cas-put, processes' "$svg"; then
		ok "scaling chart: lines per kernel and mode, boundaries marked"
	else
		bad "scaling chart missing or without its boundaries"
	fi
	[ -s "$T/big/charts/scaling-pread-scatter.svg" ] && ok "scaling chart per placement" ||
		bad "no scatter scaling chart"
else
	echo "skip scaling chart: gnuplot missing"
fi

# A 2-PU TCG run: the lab's emulated label, E markers, no scalability claims.
gen "$T/tcg" guest 2
"$BIN" series "$T/tcg" >"$T/tcg.md" 2>&1
grep -q '^2-core VM / emulated guest: not a scalability result (measured in an emulated guest (accel tcg)).$' "$T/tcg.md" &&
	ok "TCG: the emulated label" || bad "TCG: no emulated label: $(head -5 "$T/tcg.md")"
grep -Eq '^\| threads \| compact \| 2 \| all cores \| 1 \| .* E \|' "$T/tcg.md" &&
	ok "TCG: rows marked E (not judged)" || bad "TCG rows: $(grep '^| threads' "$T/tcg.md")"
grep -q 'measured guest (tcg)' "$T/tcg.md" && ok "TCG: where it was measured" || bad "TCG: where"

# A KVM guest: a scalability result only with its vCPUs pinned (guest/run.sh --pin).
gen "$T/kvm" kvm 64 base,patched
"$BIN" series "$T/kvm" >"$T/kvm.md" 2>&1
grep -q '^2-core VM / emulated guest: not a scalability result (measured in a guest whose vCPUs are not pinned (accel kvm)).$' "$T/kvm.md" &&
	ok "KVM, vCPUs not pinned: labelled" || bad "KVM unpinned: $(head -6 "$T/kvm.md")"
gen "$T/kvmpin" kvm 64 base,patched --pinned
"$BIN" series "$T/kvmpin" >"$T/kvmpin.md" 2>&1
! grep -q 'not a scalability result' "$T/kvmpin.md" && grep -q 'measured guest (kvm)' "$T/kvmpin.md" &&
	ok "KVM, vCPUs pinned 1:1 on 64 PUs: no label" || bad "KVM pinned: $(head -6 "$T/kvmpin.md")"

# Without meta.json: the platform is unknown, nothing is guessed.
gen "$T/nometa" native 64 base,patched --no-meta
"$BIN" series "$T/nometa" >"$T/nometa.md" 2>&1
grep -q '^Platform: unknown (no meta.json entry for the baseline)' "$T/nometa.md" &&
	ok "no meta.json: platform unknown" || bad "no meta.json: $(grep Platform "$T/nometa.md")"

# Bad input: a clear message and exit 2.
expect2() { # NAME PATTERN CMD...
	local name=$1 pat=$2
	shift 2
	"$@" >"$T/out" 2>&1
	local rc=$?
	if [ $rc = 2 ] && grep -Eq -- "$pat" "$T/out"; then ok "$name: exit 2"; else
		bad "$name: exit $rc: $(head -3 "$T/out")"; fi
}
expect2 "missing baseline label" "baseline 'nope' not found; labels: base patched patched-cas-put" \
	"$BIN" series --baseline nope "$T/big"
gen "$T/one" native 64 base
expect2 "one kernel" "only one kernel label \(base\)" "$BIN" series "$T/one"
expect2 "no pread records" "no records of the selected cases \(workload=fault\)" \
	"$BIN" series --filter workload=fault "$T/big"
expect2 "bad --format" "--format: md, text or html" "$BIN" series --format tsv "$T/big"
expect2 "no directory" "no results directory" "$BIN" series

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all passed"
