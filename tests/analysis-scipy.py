#!/usr/bin/env python3
"""Check analysis/stats.c against scipy (and brute force) on generated cases.

usage: analysis-scipy.py TEST_STATS_BINARY

Generates random samples (with and without ties, small and large), asks
`test_stats --stdin` for its answers and compares them with
scipy.stats.mannwhitneyu (exact and asymptotic), numpy.quantile and a
median CI built from scipy.stats.binom; the Hodges-Lehmann shift and its
interval against all pairwise differences and the exact U distribution;
BH and Holm adjusted p-values against their definitions. Exits 77 when
scipy is missing.
"""
import random
import subprocess
import sys

try:
    import numpy as np
    from scipy import stats
except ImportError:
    print("SKIP: python3-scipy is not installed (apt-get install python3-scipy)")
    sys.exit(77)


def ci_reference(x, level):
    """Order-statistic CI for the median, computed from scipy's binomial."""
    s = sorted(x)
    n = len(s)
    tail = (1 - level) / 2
    k = 1
    while k + 1 <= n // 2 and stats.binom.cdf(k, n, 0.5) <= tail:
        k += 1
    cov = 0.0 if n == 1 else 1 - 2 * stats.binom.cdf(k - 1, n, 0.5)
    return s[k - 1], s[n - k], cov


def u_counts(m, n):
    """Arrangements with U = u for sizes m, n (brute-force recursion, small sizes)."""
    from functools import lru_cache

    @lru_cache(maxsize=None)
    def f(m, n):
        if m == 0 or n == 0:
            return (1,)
        a, b = f(m - 1, n), f(m, n - 1)  # the largest value is from x (adds n to U) or from y
        out = [0] * (m * n + 1)
        for u, c in enumerate(a):
            out[u + n] += c
        for u, c in enumerate(b):
            out[u] += c
        return tuple(out)
    return f(m, n)


def hl_reference(x, y, level):
    d = sorted(a - b for a in x for b in y)
    mn = len(d)
    shift = float(np.median(d))
    c = u_counts(len(x), len(y))
    total = sum(c)
    tail = (1 - level) / 2
    k, cum = 1, c[0]
    while k < mn / 2 and (cum + c[k]) / total <= tail:
        cum += c[k]
        k += 1
    return shift, d[k - 1], d[mn - k], 1 - 2 * cum / total


def padj_reference(p, method):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    q = [0.0] * m
    if method == "holm":
        run = 0.0
        for rank, i in enumerate(order):
            run = max(run, min(1.0, (m - rank) * p[i]))
            q[i] = run
    else:
        run = 1.0
        for rank in range(m - 1, -1, -1):
            i = order[rank]
            run = min(run, min(1.0, m * p[i] / (rank + 1)))
            q[i] = run
    return q


def main():
    binary = sys.argv[1]
    rng = random.Random(20260601)
    queries, expected = [], []
    for case in range(300):
        nx, ny = rng.randint(1, 12), rng.randint(1, 12)
        if case % 3 == 0:  # ties: small integer values
            x = [float(rng.randint(0, 5)) for _ in range(nx)]
            y = [float(rng.randint(1, 6)) for _ in range(ny)]
        else:  # realistic ops/s, distinct values
            shift = rng.choice([0.0, 0.02, 0.1])
            x = [1.5e6 * (1 + rng.gauss(0, 0.02)) for _ in range(nx)]
            y = [1.5e6 * (1 + shift + rng.gauss(0, 0.02)) for _ in range(ny)]
        xs = " ".join(repr(v) for v in x)
        ys = " ".join(repr(v) for v in y)
        ties = len(set(x + y)) < nx + ny
        methods = ["asymptotic"] if ties else ["exact", "asymptotic"]
        for m in methods:
            r = stats.mannwhitneyu(x, y, alternative="two-sided", method=m)
            queries.append(f"mwu {m} | {xs} | {ys}")
            expected.append(("mwu", m, x, y, (r.statistic, r.pvalue)))
    # Large samples: asymptotic only.
    for _ in range(20):
        x = [rng.gauss(0, 1) for _ in range(rng.randint(30, 200))]
        y = [rng.gauss(0.3, 1) for _ in range(rng.randint(30, 200))]
        r = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
        queries.append("mwu asymptotic | " + " ".join(map(repr, x)) + " | " + " ".join(map(repr, y)))
        expected.append(("mwu", "asymptotic", x, y, (r.statistic, r.pvalue)))
    for _ in range(100):
        x = [rng.uniform(0, 100) for _ in range(rng.randint(1, 30))]
        q = rng.random()
        queries.append(f"quantile {q!r} | " + " ".join(map(repr, x)))
        expected.append(("quantile", q, x, None, (float(np.quantile(x, q)),)))
        level = rng.choice([0.9, 0.95, 0.99])
        queries.append(f"ci {level!r} | " + " ".join(map(repr, x)))
        expected.append(("ci", level, x, None, ci_reference(x, level)))

    for _ in range(100):
        nx, ny = rng.randint(1, 10), rng.randint(1, 10)
        ties = rng.random() < 0.3
        x = [float(rng.randint(0, 6)) if ties else rng.gauss(0.1, 1) for _ in range(nx)]
        y = [float(rng.randint(0, 6)) if ties else rng.gauss(0, 1) for _ in range(ny)]
        level = rng.choice([0.9, 0.95, 0.99])
        queries.append(f"hl {level!r} | " + " ".join(map(repr, x)) + " | " + " ".join(map(repr, y)))
        expected.append(("hl", level, x, y, hl_reference(x, y, level)))
    for _ in range(50):
        p = [rng.random() ** 3 for _ in range(rng.randint(1, 40))]
        for m in ("bh", "holm"):
            queries.append(f"padj {m} | " + " ".join(map(repr, p)))
            expected.append(("padj", m, p, None, tuple(padj_reference(p, m))))
    out = subprocess.run([binary, "--stdin"], input="\n".join(queries) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(expected):
        print(f"FAIL: {len(out)} answers for {len(expected)} queries")
        return 1
    failures = 0
    for line, (kind, arg, x, y, want) in zip(out, expected):
        got = [float(v) for v in line.split()]
        for g, w in zip(got, want):
            if abs(g - w) > 1e-9 * max(1.0, abs(w)):
                failures += 1
                print(f"FAIL {kind} {arg}: got {got}, scipy {want}\n  x={x}\n  y={y}")
                break
    print(f"{len(expected)} cases compared with scipy {stats.__name__} "
          f"(scipy {__import__('scipy').__version__}), {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
