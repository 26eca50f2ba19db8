#!/usr/bin/env bash
# folio-lab-vmplan (guest/vmplan.c), the plan of a pinned guest, on big
# synthetic hosts, an XML host with NUMA distances and this machine:
# every vCPU on its own host PU of the placement, guest nodes inside one host
# node, the QEMU arguments (-smp sockets/dies/cores/threads, -numa node with
# a memdev bound to the vCPUs' host node, -numa dist from the host's), and
# impossible requests refused with exit 2 and a message. Also through
# `guest/run.sh --plan`, and `guest/run.sh --pin` refusing before any boot.
#   tests/vmplan.sh PATH/TO/folio-lab-vmplan
set -euo pipefail
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMPLAN=${1:?usage: vmplan.sh PATH/TO/folio-lab-vmplan}
T=$(mktemp -d "${TMPDIR:-/tmp}/folio-lab-vmplan.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing" >&2; exit 77; }
command -v lstopo-no-graphics >/dev/null || { echo "SKIP: hwloc (lstopo-no-graphics) missing" >&2; exit 77; }

BIG="pack:2 numa:2 core:16 pu:2"

# check PLAN TOPO_XML EXPECT_JSON: the plan against the host topology (from
# lstopo's XML) and the expected shape.
check() {
	python3 - "$@" <<'PY'
import json, re, sys
import xml.etree.ElementTree as ET
plan_f, xml_f, want = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def bad(msg):
    sys.exit(f"FAIL: {want.get('name')}: {msg}")

# Host: PU os_index -> (package, NUMA node os_index, core) from lstopo's XML.
pu_info = {}
def walk(o, pkg, node, core):
    kids = list(o.findall("object"))
    for k in kids:
        if k.get("type") == "NUMANode":
            node = int(k.get("os_index"))
    t = o.get("type")
    if t == "Package":
        pkg = o.get("gp_index")
    if t == "Core":
        core = o.get("gp_index")
    if t == "PU":
        pu_info[int(o.get("os_index"))] = (pkg, node, core or o.get("gp_index"))
    for k in kids:
        walk(k, pkg, node, core)
root = ET.parse(xml_f).getroot()
walk(root.find("object"), None, 0, None)

lines = [json.loads(l) for l in open(plan_f)]
vcpus = [l for l in lines if "vcpu" in l]
qs = [l for l in lines if "qemu" in l]
if len(qs) != 1 or "qemu" not in lines[-1]:
    bad(f"want one qemu object, last: {len(qs)}")
q = qs[0]
n, m = want["smp"], want["nodes"]
if len(vcpus) != n:
    bad(f"{len(vcpus)} vCPUs, want {n}")
for v in vcpus:
    if set(v) != {"vcpu", "host_pu", "host_node", "guest_node"}:
        bad(f"vCPU keys {sorted(v)}")
if [v["vcpu"] for v in vcpus] != list(range(n)):
    bad("vCPUs are not 0..N-1 in order")
pus = [v["host_pu"] for v in vcpus]
if len(set(pus)) != n:
    bad(f"a host PU is used twice: {pus}")
for v in vcpus:
    if v["host_pu"] not in pu_info:
        bad(f"host PU {v['host_pu']} does not exist")
    if pu_info[v["host_pu"]][1] != v["host_node"]:
        bad(f"vCPU {v['vcpu']}: host_node {v['host_node']}, PU {v['host_pu']} is on node {pu_info[v['host_pu']][1]}")
if "pus" in want and sorted(pus) != want["pus"]:
    bad(f"host PUs {sorted(pus)}, want {want['pus']}")
if "host_nodes" in want and sorted({v["host_node"] for v in vcpus}) != want["host_nodes"]:
    bad(f"host nodes {sorted({v['host_node'] for v in vcpus})}, want {want['host_nodes']}")
per = n // m
g_host = {}
for v in vcpus:
    if v["guest_node"] != v["vcpu"] // per:
        bad(f"vCPU {v['vcpu']} in guest node {v['guest_node']}, want {v['vcpu'] // per}")
    if g_host.setdefault(v["guest_node"], v["host_node"]) != v["host_node"]:
        bad(f"guest node {v['guest_node']} spans host nodes {g_host[v['guest_node']]} and {v['host_node']}")

a = q["qemu"]
def opts(flag):
    return [a[i + 1] for i in range(len(a) - 1) if a[i] == flag]
smp = opts("-smp")
if len(smp) != 1:
    bad(f"-smp given {len(smp)} times")
f = dict(kv.split("=") for kv in smp[0].split(",")[1:])
if int(smp[0].split(",")[0]) != n:
    bad(f"-smp {smp[0]}: not {n} vCPUs")
S, D, C, Tt = (int(f.get(k, 1)) for k in ("sockets", "dies", "cores", "threads"))
if S * D * C * Tt != n:
    bad(f"-smp {smp[0]} does not multiply to {n}")
if [S, D, C, Tt] != want["shape"]:
    bad(f"-smp {smp[0]}: want sockets,dies,cores,threads {want['shape']}")
# QEMU numbers vCPUs thread-first: vCPU i's socket/core must be its PU's package/core.
for v in vcpus:
    i = v["vcpu"]
    for j, span in ((i - i % (D * C * Tt), D * C * Tt), (i - i % Tt, Tt)):
        pi, pj = pu_info[v["host_pu"]], pu_info[vcpus[j]["host_pu"]]
        same = pi[0] == pj[0] if span == D * C * Tt else pi[2] == pj[2]
        if not same:
            bad(f"vCPU {i} and {j} share a guest {'socket' if span == D * C * Tt else 'core'} but not the host's")
mems = opts("-object")
numas = [x for x in opts("-numa") if x.startswith("node,")]
if len(mems) != m or len(numas) != m:
    bad(f"{len(mems)} memory backends, {len(numas)} -numa node, want {m}")
total = 0
for g in range(m):
    mo = dict(kv.split("=") for kv in mems[g].split(",")[1:])
    kind = mems[g].split(",")[0]
    if kind != want.get("backend", "memory-backend-ram"):
        bad(f"backend {kind}")
    if mo.get("id") != f"mem{g}" or mo.get("policy") != "bind" or mo.get("prealloc") != "on":
        bad(f"backend {mems[g]}")
    if int(mo["host-nodes"]) != g_host[g]:
        bad(f"mem{g} bound to host node {mo['host-nodes']}, its vCPUs are on {g_host[g]}")
    total += int(mo["size"].rstrip("M"))
    no = dict(kv.split("=") for kv in numas[g].split(",")[1:])
    if no != {"nodeid": str(g), "cpus": f"{g * per}-{(g + 1) * per - 1}", "memdev": f"mem{g}"}:
        bad(f"-numa {numas[g]}")
if total != want.get("mem", 2048) or opts("-m") != [f"{total}M"]:
    bad(f"memory {total} MB, -m {opts('-m')}")
dist = {}
for x in opts("-numa"):
    if x.startswith("dist,"):
        d = dict(kv.split("=") for kv in x.split(",")[1:])
        dist[(int(d["src"]), int(d["dst"]))] = int(d["val"])
if want.get("dist") == "any":
    pass  # this machine: its own distances, if it has any
elif "dist" in want:
    for k, val in want["dist"].items():
        s, d = map(int, k.split("-"))
        if dist.get((s, d)) != val:
            bad(f"distance {s}->{d} is {dist.get((s, d))}, want {val}")
    if len(dist) != m * (m - 1):
        bad(f"{len(dist)} distances, want {m * (m - 1)}")
elif dist:
    bad(f"distances {dist} from a host without any")
print(f"ok: {want['name']}: {n} vCPUs -smp {smp[0]}, {m} guest nodes on host nodes "
      f"{[g_host[g] for g in range(m)]}")
PY
}

# plan NAME TOPO EXPECT ARGS...: plan, then check it.
plan() {
	local name=$1 topo=$2 want=$3
	shift 3
	"$VMPLAN" --host-topology "$topo" "$@" >"$T/$name.jsonl" 2>"$T/$name.err" ||
		fail "$name: folio-lab-vmplan $* failed: $(cat "$T/$name.err")"
	check "$T/$name.jsonl" "$T/$name.xml" "$want"
}
lstopo-no-graphics --input "$BIG" --of xml "$T/big.xml"
for p in compact scatter nosmt node1 nodehost; do cp "$T/big.xml" "$T/$p.xml"; done

plan compact "$BIG" '{"name": "compact 64/4", "smp": 64, "nodes": 4, "shape": [1, 4, 8, 2],
	"pus": '"$(seq -s, 0 63 | sed 's/^/[/;s/$/]/')"', "host_nodes": [0, 1]}' \
	--smp 64 --nodes 4 --placement compact
plan scatter "$BIG" '{"name": "scatter 64/4", "smp": 64, "nodes": 4, "shape": [2, 2, 16, 1],
	"host_nodes": [0, 1, 2, 3]}' --smp 64 --nodes 4 --placement scatter
plan nosmt "$BIG" '{"name": "nosmt 64/4", "smp": 64, "nodes": 4, "shape": [2, 2, 16, 1],
	"pus": '"$(seq -s, 0 2 126 | sed 's/^/[/;s/$/]/')"', "host_nodes": [0, 1, 2, 3]}' \
	--smp 64 --nodes 4 --placement nosmt
plan node1 "$BIG" '{"name": "node:1 32/2", "smp": 32, "nodes": 2, "shape": [1, 2, 8, 2],
	"pus": '"$(seq -s, 32 63 | sed 's/^/[/;s/$/]/')"', "host_nodes": [1], "mem": 4096,
	"dist": {"0-1": 11, "1-0": 11}}' \
	--smp 32 --nodes 2 --placement node:1 --mem 4096
# --smp host: every PU node:1 allows; --nodes defaults to the host nodes spanned.
plan nodehost "$BIG" '{"name": "node:1 host", "smp": 32, "nodes": 1, "shape": [1, 1, 16, 2],
	"host_nodes": [1]}' --smp host --placement node:1
cmp -s "$T/node1.jsonl" "$T/nodehost.jsonl" && fail "--smp host --nodes default planned as --nodes 2"
# pus:LIST in any order: the vCPUs take those PUs in host order.
cp "$T/big.xml" "$T/pus.xml"
plan pus "$BIG" '{"name": "pus:3,2,1,0", "smp": 4, "nodes": 1, "shape": [1, 1, 2, 2],
	"pus": [0, 1, 2, 3], "host_nodes": [0]}' --smp 4 --placement pus:3,2,1,0
grep -q '"vcpu":0,"host_pu":0,' "$T/pus.jsonl" || fail "pus:3,2,1,0: vCPU 0 is not on PU 0"
# The same set as scatter: the vCPUs take the PUs in host order, whatever the placement's order.
diff <(grep vcpu "$T/scatter.jsonl") <(grep vcpu "$T/nosmt.jsonl") >/dev/null ||
	fail "scatter and nosmt choose the same 64 PUs but plan them differently"
ok "scatter and nosmt: same PUs, same plan"

# An XML host with a NUMA latency matrix: the guest's distances are the host's.
small="pack:2 numa:2 core:2 pu:2"
lstopo-no-graphics --input "$small" --of xml "$T/small.xml"
printf '%s\n' 5 4 NUMANode:0 NUMANode:1 NUMANode:2 NUMANode:3 \
	10 12 20 22 12 10 22 20 20 22 10 12 22 20 12 10 >"$T/dist.txt"
hwloc-annotate "$T/small.xml" "$T/dist.xml" root distances "$T/dist.txt" ||
	fail "hwloc-annotate could not add distances"
cp "$T/dist.xml" "$T/xmldist.xml"
plan xmldist "$T/dist.xml" '{"name": "xml distances", "smp": 8, "nodes": 4, "shape": [2, 2, 2, 1],
	"dist": {"0-1": 12, "0-2": 20, "0-3": 22, "1-0": 12, "2-3": 12, "3-1": 20, "3-0": 22}}' \
	--smp 8 --nodes 4 --placement nosmt
# Two guest nodes of one host node: 11, the least remote distance Linux takes.
cp "$T/dist.xml" "$T/xmlsplit.xml"
plan xmlsplit "$T/dist.xml" '{"name": "xml 2 guest nodes on host node 0", "smp": 4, "nodes": 2,
	"shape": [1, 2, 1, 2], "host_nodes": [0], "dist": {"0-1": 11, "1-0": 11}}' \
	--smp 4 --nodes 2 --placement node:0
cp "$T/small.xml" "$T/huge.xml"
plan huge "$small" '{"name": "hugepages", "smp": 16, "nodes": 4, "shape": [2, 2, 2, 2],
	"backend": "memory-backend-memfd"}' --smp 16 --nodes 4 --hugepages
grep -q 'hugetlb=on' "$T/huge.jsonl" || fail "--hugepages: no hugetlb=on backend"

# This machine: all its PUs, nodes as the host's.
lstopo-no-graphics --of xml "$T/here.xml"
# (A hybrid CPU's PUs, some cores with SMT and some without, have no
# sockets x cores x threads shape; one PU per core has.)
if "$VMPLAN" --smp host >"$T/here.jsonl" 2>"$T/here.err"; then
	want=$(hwloc-calc --number-of pu all) what=PUs
elif "$VMPLAN" --smp host --placement nosmt >"$T/here.jsonl" 2>>"$T/here.err"; then
	want=$(hwloc-calc --number-of core all) what=cores
else
	fail "no plan for this machine (--smp host, compact or nosmt): $(cat "$T/here.err")"
fi
n=$(grep -c '"vcpu"' "$T/here.jsonl")
[ "$n" = "$want" ] || fail "this machine: --smp host planned $n vCPUs, it has $want $what"
jq -e 'select(.qemu) | .foreign == false and .host == "this machine"' "$T/here.jsonl" >/dev/null ||
	fail "this machine's plan is not marked as this machine's"
check "$T/here.jsonl" "$T/here.xml" "$(jq -c --argjson n "$n" 'select(.qemu) |
	{name: "this machine (--smp host)", smp: $n, nodes: .nodes, dist: "any",
	 shape: [.sockets, .dies, (.cores / .dies), .threads]}' "$T/here.jsonl")"

# Refusals: exit 2 and a message that says why.
refuse() {
	local name=$1 want=$2 rc=0
	shift 2
	"$VMPLAN" "$@" >"$T/r.out" 2>"$T/r.err" || rc=$?
	[ "$rc" = 2 ] || fail "$name: exit $rc, want 2 (stderr: $(cat "$T/r.err"))"
	[ ! -s "$T/r.out" ] || fail "$name: refused but printed a plan"
	grep -q -- "$want" "$T/r.err" || fail "$name: message '$(cat "$T/r.err")' lacks '$want'"
	ok "$name refused: $(head -c 160 "$T/r.err")"
}
refuse "more vCPUs than PUs" "at most 128 vCPUs" --host-topology "$BIG" --smp 129
refuse "more vCPUs than node:1 allows" "placement node:1 allows 32 PUs" \
	--host-topology "$BIG" --smp 64 --nodes 4 --placement node:1
refuse "nodes that do not divide" "does not divide into --nodes 3" --host-topology "$BIG" --smp 64 --nodes 3
refuse "a guest node over 2 host nodes" "cannot span two" --host-topology "$BIG" --smp 64 --nodes 1
refuse "an irregular shape" "sockets x cores x threads" --host-topology "$BIG" --smp 3 --placement scatter
refuse "a node splitting a core" "split a core's SMT threads" --host-topology "$BIG" --smp 64 --nodes 64
refuse "memory that does not divide" "--mem 1000 does not divide" \
	--host-topology "$BIG" --smp 64 --nodes 16 --mem 1000
refuse "an unknown placement" "unknown placement" --host-topology "$BIG" --smp 2 --placement spread
refuse "a bad topology" "neither a file nor" --host-topology "pack:x" --smp 2
refuse "--smp 0" "positive integer" --smp 0

# guest/run.sh --plan is the planner; --pin refuses before anything is built.
export FOLIO_LAB_BUILD
FOLIO_LAB_BUILD=$(cd "$(dirname "$VMPLAN")" && pwd)
"$LAB_ROOT/guest/run.sh" --plan --host-topology "$BIG" --smp 64 --nodes 4 --placement scatter \
	>"$T/via-run.jsonl" || fail "guest/run.sh --plan failed"
cmp "$T/via-run.jsonl" "$T/scatter.jsonl" || fail "guest/run.sh --plan differs from folio-lab-vmplan"
ok "guest/run.sh --plan prints the planner's plan"
rc=0
"$LAB_ROOT/guest/run.sh" --pin --smp 999 --kernel "x=$T/no-such-tree" --out "$T/o" \
	>/dev/null 2>"$T/pin.err" || rc=$?
[ "$rc" = 2 ] && grep -q 'no plan for --smp 999' "$T/pin.err" ||
	fail "guest/run.sh --pin --smp 999: exit $rc, $(cat "$T/pin.err")"
ok "guest/run.sh --pin refuses an impossible plan (exit 2) before any boot"
rc=0
"$LAB_ROOT/guest/run.sh" --host-topology "$BIG" --kernel "x=$T/no-such-tree" --out "$T/o" \
	>/dev/null 2>"$T/ht.err" || rc=$?
[ "$rc" = 2 ] && grep -q 'is for --plan' "$T/ht.err" ||
	fail "guest/run.sh --host-topology without --plan: exit $rc, $(cat "$T/ht.err")"
ok "--host-topology is refused for a boot (exit 2, a usage error)"
