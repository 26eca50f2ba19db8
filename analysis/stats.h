/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * folio-lab statistics: the small set folio-lab-compare needs to judge
 * repetitions of a benchmark. Pure functions, no I/O, no allocation
 * visible to the caller (fl_mwu allocates internally).
 */
#ifndef FOLIO_LAB_STATS_H
#define FOLIO_LAB_STATS_H

#include <stddef.h>

/* Sort a copy in place (ascending). */
void fl_sort(double *x, size_t n);

/* Median of x (x is not modified). NAN for n == 0. */
double fl_median(const double *x, size_t n);

/*
 * Quantile q in [0,1] of an ascending array, linear interpolation between
 * order statistics (Hyndman-Fan type 7, numpy's and R's default).
 */
double fl_quantile_sorted(const double *sorted, size_t n, double q);

/* Mean and sample standard deviation (n - 1); sd is 0 when n < 2. */
void fl_mean_sd(const double *x, size_t n, double *mean, double *sd);

/* P(B <= k) for B ~ Binomial(n, 1/2). */
double fl_binom_half_cdf(size_t n, size_t k);

/*
 * Distribution-free confidence interval for the median from order
 * statistics: the interval [x(k), x(n+1-k)] with the largest k whose
 * coverage 1 - 2 P(B <= k-1), B ~ Bin(n, 1/2), is still >= level.
 * When n is too small for any k to reach level (n < 6 at 95%) the range
 * [min, max] is returned; *coverage then says what it really covers
 * (93.75% for n = 5). Returns 0, or -1 for n == 0.
 */
int fl_median_ci(const double *x, size_t n, double level, double *lo, double *hi, double *coverage);

enum fl_mwu_method {
	FL_MWU_AUTO,	   /* exact without ties (and sizes it can handle), else asymptotic */
	FL_MWU_EXACT,	   /* exact null distribution; ties are ignored (as scipy does) */
	FL_MWU_ASYMPTOTIC, /* normal approximation, tie and continuity corrected */
};

struct fl_mwu_result {
	double u1;    /* U statistic of the first sample (scipy's `statistic`) */
	double p;     /* two-sided p-value */
	double min_p; /* the smallest two-sided p these sizes (and ties) can give */
	int exact;    /* 1: the exact distribution was used */
	int ties;     /* 1: the pooled sample has ties */
};

/*
 * Two-sided Mann-Whitney U test of x against y. Matches
 * scipy.stats.mannwhitneyu(x, y, alternative="two-sided",
 * use_continuity=True, method="exact"/"asymptotic").
 * Returns 0, or -1 when a sample is empty, the exact method cannot handle
 * the sizes (C(nx+ny, nx) > 2^53) or memory runs out.
 */
int fl_mwu(const double *x, size_t nx, const double *y, size_t ny, enum fl_mwu_method method,
	   struct fl_mwu_result *r);

/* Number of arrangements with U = u for sizes m, n: fills counts[0..m*n]. */
int fl_mwu_counts(size_t m, size_t n, double *counts);

/* Standard normal upper tail P(Z > z). */
double fl_norm_sf(double z);

/* Standard normal quantile: z with P(Z <= z) = p. */
double fl_norm_quantile(double p);

struct fl_hl_result {
	double shift;  /* Hodges-Lehmann: median of the nx*ny differences x[i] - y[j] */
	double lo, hi; /* distribution-free CI: [D(k), D(nx*ny+1-k)] */
	double
	    coverage; /* its real coverage, 1 - 2 P(U <= k-1) (below level when none reaches it) */
	double k;
};

/*
 * Hodges-Lehmann shift of x against y and its distribution-free confidence
 * interval from the Mann-Whitney null distribution (exact counts while
 * C(nx+ny, nx) < 2^53, else the normal approximation). O((nx+ny) log) time
 * and memory: the differences are never formed. Returns 0, or -1 for an
 * empty sample or no memory.
 */
int fl_hl_shift(const double *x, size_t nx, const double *y, size_t ny, double level,
		struct fl_hl_result *r);

enum fl_padjust {
	FL_PADJ_BH,   /* Benjamini-Hochberg step-up (false discovery rate) */
	FL_PADJ_HOLM, /* Holm step-down (family-wise error rate) */
	FL_PADJ_NONE,
};

/* Adjusted p-values q[] of p[0..n-1] (R's p.adjust "BH" / "holm"). */
void fl_p_adjust(const double *p, size_t n, enum fl_padjust method, double *q);

#endif /* FOLIO_LAB_STATS_H */
