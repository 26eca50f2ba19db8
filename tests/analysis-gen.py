#!/usr/bin/env python3
"""Write realistic folio-lab results (samples.jsonl + meta.json) for the
analysis tests, so that they do not depend on a measurement.

usage: analysis-gen.py OUT [--layout single|split] [--reps N] [--effect PCT]
                           [--noise PCT] [--seed S] [--kernels base,patched]
                           [--where native|guest] [--pus N]
                           [--rows N [--shift-rows K]] [--bad]

--effect: change of the last kernel's throughput against the first (percent,
          all contended cases); --noise: relative stddev of repetitions.
--layout single: one directory holding every kernel label (as `run.sh main`
          writes); split: OUT/<label>/ per kernel (for `compare BASE NEW`).
--rows N: instead of the realistic suite, N rows of known answers: workload
          `synth`, variants r0..r{N-1}, 4 workers, every row at 1e6 ops/s with
          --noise; the last kernel's first K rows (--shift-rows, default all)
          changed by --effect percent. For the false-regression and power rates.
--bad:    records the loader refuses, in the (first) directory: line 11 is
          not JSON (the records from there on move down one line), line 3's
          run_id becomes 'bad<run>&id' (markup, for the escaping) and the
          last line repeats line 3's measurement with another ops_per_sec, so
          that lines 3, 11 and the last are refused; the rest stays valid.
"""
import argparse
import json
import os
import random
import sys

WORKLOADS = {
    # name: (variants, modes, counters, base ops/s of one worker)
    "pread": (["default"], ["threads", "processes"], [], 1.5e6),
    "module": (["kernel", "cas-loop", "assume-one", "frozen-bit", "plain-add"],
               ["threads"], ["gets_failed", "cas_retries", "freezes_lost"], 2.0e7),
    "fault": (["default"], ["threads"], ["faults"], 4.0e5),
}


def meta_entry(label, args, release):
    return {
        "lab_version": "v0.1-test",
        "command": f"./run.sh bench pread --kernel {label} --workers 1,2,4,8 --reps {args.reps}",
        "kernel_release": release,
        "kernel_cmdline": "console=ttyS0 quiet",
        "cpu_model": "Intel(R) Xeon(R) Test CPU @ 2.10GHz",
        "nr_pus": args.pus,
        "topology": f"1 package, {args.pus} cores, 1 PU per core",
        "numa_nodes": 1,
        "governor": "unknown",
        "smt": False,
        "thp": "madvise",
        "vm": "kvm" if args.where == "guest" or args.pus < 8 else False,
        "accel": "tcg" if args.where == "guest" else "none",
        "perf_hw": False,
        "created": "2026-06-01T12:00:00Z",
    }


def synth_records(label, k_index, nkernels, args, rng):
    release = "6.12.0-folio-lab-" + label
    out = []
    last = k_index == nkernels - 1 and nkernels > 1
    shifted = args.rows if args.shift_rows is None else args.shift_rows
    for row in range(args.rows):
        gain = 1 + args.effect / 100.0 if last and row < shifted else 1.0
        for rep in range(args.reps):
            ops_s = 1e6 * gain * (1 + rng.gauss(0, args.noise / 100))
            ops = int(ops_s)
            out.append(rec(label, release, args, "synth", f"r{row}", "threads", 4, rep, 1.0, ops,
                           [ops // 4] * 4, {}, {}))
    return out


def records(label, k_index, nkernels, args, rng):
    if args.rows:
        return synth_records(label, k_index, nkernels, args, rng)
    release = "6.12.0-folio-lab-" + label
    out = []
    gain = (1 + args.effect / 100.0) if k_index == nkernels - 1 and nkernels > 1 else 1.0
    ceiling = 2.5e7  # one line handed over every 40 ns
    for wl, (variants, modes, counters, one) in WORKLOADS.items():
        for vi, variant in enumerate(variants):
            for mode in modes:
                for workers in (1, 2, 4, 8):
                    # Contended cases stop scaling; the change under test helps them.
                    scale = workers / (1 + 0.35 * (workers - 1))
                    eff = gain if workers > 1 else 1 + (gain - 1) / 4
                    for rep in range(args.reps):
                        ops_s = one * (1 - 0.08 * vi) * scale * eff * (1 + rng.gauss(0, args.noise / 100))
                        dur = 1.0 + rng.gauss(0, 0.0005)
                        ops = int(ops_s * dur)
                        share = [max(1.0, rng.gauss(1, 0.08 * (workers > 1))) for _ in range(workers)]
                        tot = sum(share)
                        pw = [int(ops * s / tot) for s in share]
                        ctr = {}
                        for c in counters:
                            per_op = {"gets_failed": 1e-4, "cas_retries": 0.02 * (workers - 1) * (1 - 0.9 * (k_index == nkernels - 1)),
                                      "freezes_lost": 1e-5 * workers, "faults": 1.0}[c]
                            ctr[c] = int(ops * per_op * (1 + rng.gauss(0, 0.05)))
                        out.append(rec(label, release, args, wl, variant, mode, workers, rep, dur, ops, pw, ctr,
                                       {"size": "64"} if wl == "pread" else {}))
    # handoff: pingpong and the machine's ceiling (workers 2)
    for variant in ("pingpong", "ceiling"):
        for rep in range(args.reps):
            ops_s = ceiling * (1 + rng.gauss(0, args.noise / 100))
            r = rec(label, release, args, "handoff", variant, "threads", 2, rep, 1.0, int(ops_s), [int(ops_s / 2)] * 2,
                    {}, {})
            if variant == "pingpong":
                r.update({"pu_a": 0, "pu_b": 1, "handoff_ns": 1e9 / ops_s})
            out.append(r)
    return out


def rec(label, release, args, wl, variant, mode, workers, rep, dur, ops, pw, ctr, params):
    return {
        "schema": 1, "run_id": f"20260601T120000Z-test-{label}-{os.getpid()}",
        "timestamp": f"2026-06-01T12:{rep:02d}:00Z", "workload": wl, "variant": variant,
        "kernel": label, "kernel_release": release,
        "kernel_scheme": "frozen-bit" if label == "patched" else "zero",
        "where": args.where, "accel": "tcg" if args.where == "guest" else "none",
        "mode": mode, "placement": "compact", "workers": workers,
        "pus": list(range(workers)), "nodes": [0] * workers, "rep": rep,
        "warmup_s": 0.2, "duration_s": dur, "ops": ops, "ops_per_sec": ops / dur,
        "per_worker_ops": pw, "counters": ctr, "params": params,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layout", choices=["single", "split"], default="single")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--effect", type=float, default=10.0)
    ap.add_argument("--noise", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kernels", default="base,patched")
    ap.add_argument("--where", choices=["native", "guest"], default="guest")
    ap.add_argument("--pus", type=int, default=8)
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--shift-rows", type=int, default=None)
    ap.add_argument("--bad", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    labels = args.kernels.split(",")
    for i, label in enumerate(labels):
        d = args.out if args.layout == "single" else os.path.join(args.out, label)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "samples.jsonl"), "a") as f:
            for r in records(label, i, len(labels), args, rng):
                f.write(json.dumps(r) + "\n")
        mpath = os.path.join(d, "meta.json")
        meta = {"schema": 1, "kernels": {}}
        if os.path.exists(mpath):
            with open(mpath) as f:
                meta = json.load(f)
        meta["kernels"][label] = meta_entry(label, args, "6.12.0-folio-lab-" + label)
        with open(mpath, "w") as f:
            json.dump(meta, f, indent=1)
    if args.bad:
        add_bad(args.out if args.layout == "single" else os.path.join(args.out, labels[0]))
    return 0


def add_bad(d):
    path = os.path.join(d, "samples.jsonl")
    with open(path) as f:
        lines = f.read().splitlines()
    third = json.loads(lines[2])
    third["run_id"] = "bad<run>&id"
    conflict = dict(third, ops_per_sec=third["ops_per_sec"] * 0.5)
    lines[2] = json.dumps(third)
    lines.insert(10, '{"schema": 1, "workload": "pread", oops')
    lines.append(json.dumps(conflict))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
