#!/usr/bin/env python3
"""Write a series of kernel builds' results directories for the history tests:
OUT/bNNN/ (samples.jsonl + meta.json), one build each, a day apart.

usage: history-gen.py OUT [--builds N] [--first I] [--reps R] [--noise PCT]
                      [--step-at K --step PCT] [--outlier-at J --outlier PCT]
                      [--shift PCT] [--bare I,I...] [--label L] [--seed S]

Cases: pread/default threads compact at 1 and 2 workers (the step, the
outlier and --shift apply to them) and atomics/frozen-bit threads compact at
2 workers (only the outlier applies: a bad day hits everything).
--step: builds K and later run PCT faster (negative: slower); --outlier: build
J alone is off by PCT; --extra-cases N: N more flat cases; --shift: every build of this call is off by PCT
(a regressed newest build). --bare: builds without git describe/commit/config
hash in meta.json (what a run without --kernel LABEL=TREE records).
"""
import argparse
import datetime
import hashlib
import json
import os
import random

CASES = [  # workload, variant, workers, ops/s, stepped
    ("pread", "default", 1, 1.5e6, True),
    ("pread", "default", 2, 2.2e6, True),
    ("atomics", "frozen-bit", 2, 4.0e7, False),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--builds", type=int, default=12)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--noise", type=float, default=1.0)
    ap.add_argument("--step-at", type=int, default=0)
    ap.add_argument("--step", type=float, default=0.0)
    ap.add_argument("--outlier-at", type=int, default=0)
    ap.add_argument("--outlier", type=float, default=0.0)
    ap.add_argument("--shift", type=float, default=0.0)
    ap.add_argument("--bare", default="")
    ap.add_argument("--label", default="next")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--extra-cases", type=int, default=0,
                    help="N more flat atomics cases (variants v0..), for the benchmark")
    a = ap.parse_args()
    cases = CASES + [("atomics", "v%d" % k, 1 + k % 4, 3.0e7, False) for k in range(a.extra_cases)]
    bare = {int(x) for x in a.bare.split(",") if x}
    day0 = datetime.datetime(2026, 6, 1, 3, 0, 0, tzinfo=datetime.timezone.utc)
    for i in range(a.first, a.first + a.builds):
        rng = random.Random(a.seed * 1000 + i)
        d = os.path.join(a.out, "b%03d" % i)
        os.makedirs(d, exist_ok=True)
        when = day0 + datetime.timedelta(days=i - 1)
        release = "6.12.0-%s-%s" % (a.label, when.strftime("%Y%m%d"))
        commit = hashlib.sha1(b"build %d" % i).hexdigest()
        run_id = when.strftime("%Y%m%dT%H%M%SZ") + "-ci-%d" % (1000 + i)
        recs = []
        k = 0
        for wl, var, workers, ops, stepped in cases:
            f = 1.0
            if stepped and a.step_at and i >= a.step_at:
                f *= 1 + a.step / 100
            if a.outlier_at and i == a.outlier_at:
                f *= 1 + a.outlier / 100
            if stepped:
                f *= 1 + a.shift / 100
            for rep in range(a.reps):
                k += 1
                ts = when + datetime.timedelta(seconds=2 * k)
                v = ops * f * (1 + rng.gauss(0, a.noise / 100))
                dur = 1.0 + rng.gauss(0, 0.0005)
                recs.append({
                    "schema": 1, "run_id": run_id,
                    "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (k % 1000),
                    "workload": wl, "variant": var, "kernel": a.label, "kernel_release": release,
                    "kernel_scheme": "frozen-bit", "where": "guest", "accel": "tcg",
                    "mode": "threads", "placement": "compact", "workers": workers,
                    "pus": list(range(workers)), "nodes": [0] * workers, "rep": rep,
                    "warmup_s": 0.2, "duration_s": dur, "ops": int(v * dur),
                    "ops_per_sec": v, "per_worker_ops": [int(v * dur / workers)] * workers,
                    "counters": {"cas_retries": int(v * 0.01)} if wl == "atomics" else {},
                    "params": {"size": "64"} if wl == "pread" else {},
                })
        with open(os.path.join(d, "samples.jsonl"), "w") as fh:
            for r in recs:
                fh.write(json.dumps(r) + "\n")
        entry = {
            "lab_version": "v0.1-test", "command": "./run.sh main --kernel %s=/src/linux" % a.label,
            "kernel_release": release, "cpu_model": "Test CPU", "nr_pus": 4, "where": "guest",
            "accel": "tcg", "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if i not in bare:
            entry.update({
                "kernel_tree": "/src/linux", "git_describe": "v6.12-rc1-%d-g%s" % (i, commit[:12]),
                "git_commit": commit, "config_hash": hashlib.sha256(b"config").hexdigest()[:16],
            })
        with open(os.path.join(d, "meta.json"), "w") as fh:
            json.dump({"schema": 1, "kernels": {a.label: entry}}, fh, indent=1)


if __name__ == "__main__":
    main()
