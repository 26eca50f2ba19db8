// SPDX-License-Identifier: GPL-2.0 OR MIT
/* folio-lab statistics; see stats.h for the contracts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void fl_sort(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
}

double fl_quantile_sorted(const double *s, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return NAN;
	if (q <= 0)
		return s[0];
	if (q >= 1)
		return s[n - 1];
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (h - lo) * (s[i + 1] - s[i]);
}

double fl_median(const double *x, size_t n)
{
	double *s, m;

	if (n == 0)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, x, n * sizeof(*s));
	fl_sort(s, n);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

void fl_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
	/* Welford: stable for large values with small spread (ops/s). */
	double m = 0, m2 = 0;

	for (size_t i = 0; i < n; i++) {
		double d = x[i] - m;

		m += d / (double)(i + 1);
		m2 += d * (x[i] - m);
	}
	*mean = n ? m : NAN;
	*sd = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
}

double fl_binom_half_cdf(size_t n, size_t k)
{
	/* Sum of C(n, i) / 2^n in logs: exact enough for any n we see. */
	double sum = 0;

	if (k >= n)
		return 1;
	for (size_t i = 0; i <= k; i++)
		sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
			   lgamma((double)(n - i) + 1) - (double)n * log(2.0));
	return sum > 1 ? 1 : sum;
}

int fl_median_ci(const double *x, size_t n, double level, double *lo, double *hi, double *coverage)
{
	double *s, tail = (1 - level) / 2;
	size_t k = 1;

	if (n == 0)
		return -1;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, x, n * sizeof(*s));
	fl_sort(s, n);
	/* Grow k while the interval [x(k+1), x(n-k)] still has enough coverage. */
	while (k + 1 <= n / 2 && fl_binom_half_cdf(n, k) <= tail)
		k++;
	*lo = s[k - 1];
	*hi = s[n - k];
	*coverage = n == 1 ? 0 : 1 - 2 * fl_binom_half_cdf(n, k - 1);
	free(s);
	return 0;
}

double fl_norm_sf(double z)
{
	return 0.5 * erfc(z / sqrt(2.0));
}

int fl_mwu_counts(size_t m, size_t n, double *c)
{
	/*
	 * The counts are the coefficients of the Gaussian binomial
	 * [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i).
	 * After each factor the polynomial is again a Gaussian binomial with
	 * integer coefficients <= C(n+i, i), so doubles stay exact while
	 * C(m+n, m) < 2^53 (the caller checks).
	 */
	size_t deg = m * n;

	memset(c, 0, (deg + 1) * sizeof(*c));
	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		size_t mul = n + i;

		for (size_t k = deg; k >= mul; k--)
			c[k] -= c[k - mul];
		for (size_t k = i; k <= deg; k++)
			c[k] += c[k - i];
	}
	return 0;
}

static double log_choose(size_t n, size_t k)
{
	return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1);
}

int fl_mwu(const double *x, size_t nx, const double *y, size_t ny, enum fl_mwu_method method,
	   struct fl_mwu_result *r)
{
	size_t n = nx + ny, i, j;
	double *v, *rank, r1 = 0, tie = 0, mn = (double)nx * (double)ny;
	size_t *idx;
	int ties = 0, exact_ok;

	if (nx == 0 || ny == 0)
		return -1;
	v = malloc(n * sizeof(*v));
	rank = malloc(n * sizeof(*rank));
	idx = malloc(n * sizeof(*idx));
	if (!v || !rank || !idx)
		goto fail;
	memcpy(v, x, nx * sizeof(*v));
	memcpy(v + nx, y, ny * sizeof(*v));
	/* Rank the pooled sample with midranks for ties (insertion sort: n is small). */
	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 1; i < n; i++) {
		size_t t = idx[i];

		for (j = i; j > 0 && v[idx[j - 1]] > v[t]; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && v[idx[j]] == v[idx[i]]; j++)
			;
		t = (double)(j - i);
		if (j - i > 1) {
			ties = 1;
			tie += t * t * t - t;
		}
		for (size_t k = i; k < j; k++)
			rank[idx[k]] = ((double)i + 1 + (double)j) / 2;
	}
	for (i = 0; i < nx; i++)
		r1 += rank[i];
	r->u1 = r1 - (double)nx * ((double)nx + 1) / 2;
	r->ties = ties;

	exact_ok = log_choose(n, nx) < 53 * log(2.0) && mn <= 1e6;
	if (method == FL_MWU_EXACT && !exact_ok)
		goto fail;
	r->exact = method == FL_MWU_EXACT || (method == FL_MWU_AUTO && !ties && exact_ok);

	if (r->exact) {
		size_t deg = nx * ny, umin;
		double *c = malloc((deg + 1) * sizeof(*c)), total = 0, cum = 0;
		double u2 = mn - r->u1;

		if (!c)
			goto fail;
		fl_mwu_counts(nx, ny, c);
		for (size_t k = 0; k <= deg; k++)
			total += c[k];
		/* Two-sided: twice the tail beyond the smaller U (the distribution is symmetric).
		 */
		umin = (size_t)floor(r->u1 < u2 ? r->u1 : u2);
		for (size_t k = 0; k <= umin; k++)
			cum += c[k];
		r->p = fmin(1, 2 * cum / total);
		r->min_p = fmin(1, 2 * c[0] / total);
		free(c);
	} else {
		double s = sqrt(mn / 12 * (((double)n + 1) - tie / ((double)n * ((double)n - 1))));
		double u = fmax(r->u1, mn - r->u1);

		if (s > 0) {
			r->p = fmin(1, 2 * fl_norm_sf((u - mn / 2 - 0.5) / s));
			r->min_p = fmin(1, 2 * fl_norm_sf((mn / 2 - 0.5) / s));
		} else {
			/* Every value equal: no evidence of any difference. */
			r->p = 1;
			r->min_p = 1;
		}
	}
	free(v);
	free(rank);
	free(idx);
	return 0;
fail:
	free(v);
	free(rank);
	free(idx);
	return -1;
}
