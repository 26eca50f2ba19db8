#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Checks DIR/samples.jsonl and DIR/meta.json against docs/internals.md.

usage: harness-check.py DIR [--min N] [--max N] [--label L]...
Exit 0 when every line is a whole record with every field of the right type.
"""
import json
import sys

FIELDS = {
    "schema": int, "run_id": str, "timestamp": str, "workload": str, "variant": str,
    "kernel": str, "kernel_release": str, "kernel_scheme": str, "where": str,
    "accel": str, "mode": str, "placement": str, "workers": int, "pus": list,
    "nodes": list, "rep": int, "warmup_s": (int, float), "params": dict,
}
STANDARD = {
    "duration_s": (int, float), "ops": int, "ops_per_sec": (int, float),
    "per_worker_ops": list, "counters": dict,
}
META = ["lab_version", "command", "kernel_release", "kernel_cmdline", "cpu_model", "nr_pus",
        "topology", "numa_nodes", "governor", "smt", "thp", "vm", "accel", "perf_hw",
        "created"]


def fail(msg):
    print("harness-check: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    args = sys.argv[1:]
    d = args.pop(0)
    lo, hi, labels = 1, None, []
    while args:
        a = args.pop(0)
        if a == "--min":
            lo = int(args.pop(0))
        elif a == "--max":
            hi = int(args.pop(0))
        elif a == "--label":
            labels.append(args.pop(0))
    data = open(d + "/samples.jsonl", "rb").read()
    if data and not data.endswith(b"\n"):
        fail("last line is not terminated")
    lines = data.decode().splitlines()
    if len(lines) < lo or (hi is not None and len(lines) > hi):
        fail("%d records, expected %d..%s" % (len(lines), lo, hi))
    for n, line in enumerate(lines, 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            fail("line %d: %s" % (n, e))
        for k, t in FIELDS.items():
            if k not in r or not isinstance(r[k], t) or isinstance(r[k], bool):
                fail("line %d: field %s missing or not %s" % (n, k, t))
        if r["schema"] != 1 or r["mode"] not in ("threads", "processes"):
            fail("line %d: schema/mode" % n)
        if len(r["pus"]) != r["workers"] or len(r["nodes"]) != r["workers"]:
            fail("line %d: pus/nodes do not match workers" % n)
        if not all(isinstance(v, str) for v in r["params"].values()):
            fail("line %d: params must be strings" % n)
        if "hook_field" in r:
            continue  # a run() hook's own record
        for k, t in STANDARD.items():
            if k not in r or not isinstance(r[k], t):
                fail("line %d: field %s missing or not %s" % (n, k, t))
        if len(r["per_worker_ops"]) != r["workers"] or sum(r["per_worker_ops"]) != r["ops"]:
            fail("line %d: per_worker_ops do not add up to ops" % n)
        if r["duration_s"] <= 0 or r["ops"] <= 0:
            fail("line %d: empty measurement" % n)
        if "counters" in r and r["counters"].get("off_cpu", 0) != 0:
            fail("line %d: a worker ran off its PU" % n)
    meta = json.load(open(d + "/meta.json"))
    if meta.get("schema") != 1 or not isinstance(meta.get("kernels"), dict):
        fail("meta.json: schema/kernels")
    for label in labels or {json.loads(l)["kernel"] for l in lines}:
        e = meta["kernels"].get(label)
        if e is None:
            fail("meta.json: no entry for kernel %s" % label)
        for k in META:
            if k not in e:
                fail("meta.json: kernel %s lacks %s" % (label, k))
    print("harness-check: %d records OK" % len(lines))


main()
