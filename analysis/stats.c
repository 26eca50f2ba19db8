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

/* idx[] ordered by v[idx[]] (qsort has no context argument: a pair array). */
struct vi {
	double v;
	size_t i;
};

static int cmp_vi(const void *a, const void *b)
{
	const struct vi *x = a, *y = b;

	return (x->v > y->v) - (x->v < y->v);
}

static void sort_idx_by(size_t *idx, size_t n, const double *v)
{
	struct vi *p = malloc(n * sizeof(*p));

	if (!p) { /* no memory: a slow but correct insertion sort */
		for (size_t i = 1; i < n; i++) {
			size_t t = idx[i], j;

			for (j = i; j > 0 && v[idx[j - 1]] > v[t]; j--)
				idx[j] = idx[j - 1];
			idx[j] = t;
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (struct vi){v[idx[i]], idx[i]};
	qsort(p, n, sizeof(*p), cmp_vi);
	for (size_t i = 0; i < n; i++)
		idx[i] = p[i].i;
	free(p);
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
	double *s, tail = (1 - level) / 2, lp, term, cdf;
	size_t k = 1;

	if (n == 0)
		return -1;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, x, n * sizeof(*s));
	fl_sort(s, n);
	/*
	 * Grow k while the interval [x(k+1), x(n-k)] still has enough coverage:
	 * cdf = P(B <= k), accumulated term by term (one pass, not O(n^2)).
	 */
	lp = -(double)n * log(2.0); /* log C(n, 0) / 2^n */
	term = exp(lp);
	cdf = term;
	for (;;) {
		/* term for i = k: C(n, k) / 2^n */
		lp += log((double)(n - k + 1)) - log((double)k);
		term = exp(lp);
		if (!(k + 1 <= n / 2 && cdf + term <= tail))
			break;
		cdf += term;
		k++;
	}
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
	/* Rank the pooled sample with midranks for ties. */
	for (i = 0; i < n; i++)
		idx[i] = i;
	sort_idx_by(idx, n, v);
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

double fl_norm_quantile(double p)
{
	/* Bisection on the upper tail: 200 halvings are more than double precision needs. */
	double lo = -40, hi = 40;

	if (!(p > 0 && p < 1))
		return p <= 0 ? -INFINITY : INFINITY;
	for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
		double mid = (lo + hi) / 2;

		if (1 - fl_norm_sf(mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* #{(i, j): x[i] - y[j] <= d} for ascending x, y: one merge-like pass. */
static double count_le(const double *x, size_t nx, const double *y, size_t ny, double d)
{
	double c = 0;
	size_t j = 0; /* first y[j] with x[i] - y[j] <= d, i.e. y[j] >= x[i] - d */

	for (size_t i = 0; i < nx; i++) {
		while (j < ny && x[i] - y[j] > d)
			j++;
		c += (double)(ny - j);
	}
	return c;
}

/*
 * The k-th smallest (1-based) of the nx*ny differences x[i] - y[j] without
 * forming them: bisect on the value until no difference lies strictly
 * between the bounds, then take the smallest difference above the lower one.
 */
static double kth_diff(const double *x, size_t nx, const double *y, size_t ny, double k)
{
	double lo = x[0] - y[ny - 1], hi = x[nx - 1] - y[0], best = INFINITY;

	if (count_le(x, nx, y, ny, lo) >= k)
		return lo;
	/* invariant: count(lo) < k <= count(hi) */
	for (int it = 0; it < 2000; it++) {
		double mid = lo + (hi - lo) / 2;

		if (!(mid > lo && mid < hi))
			break;
		if (count_le(x, nx, y, ny, mid) >= k)
			hi = mid;
		else
			lo = mid;
	}
	/* the smallest difference > lo: for each x[i], the largest y[j] < x[i] - lo */
	for (size_t i = 0; i < nx; i++) {
		size_t a = 0, b = ny; /* first index with x[i] - y[j] <= lo */

		while (a < b) {
			size_t m = a + (b - a) / 2;

			if (x[i] - y[m] > lo)
				a = m + 1;
			else
				b = m;
		}
		if (a > 0 && x[i] - y[a - 1] < best)
			best = x[i] - y[a - 1];
	}
	return isfinite(best) ? best : hi;
}

int fl_hl_shift(const double *x, size_t nx, const double *y, size_t ny, double level,
		struct fl_hl_result *r)
{
	double *sx, *sy, mn = (double)nx * (double)ny, tail = (1 - level) / 2, k = 1;
	int rc = 0;

	if (nx == 0 || ny == 0)
		return -1;
	sx = malloc(nx * sizeof(*sx));
	sy = malloc(ny * sizeof(*sy));
	if (!sx || !sy) {
		free(sx);
		free(sy);
		return -1;
	}
	memcpy(sx, x, nx * sizeof(*sx));
	memcpy(sy, y, ny * sizeof(*sy));
	fl_sort(sx, nx);
	fl_sort(sy, ny);
	if ((size_t)mn % 2)
		r->shift = kth_diff(sx, nx, sy, ny, (mn + 1) / 2);
	else
		r->shift =
		    (kth_diff(sx, nx, sy, ny, mn / 2) + kth_diff(sx, nx, sy, ny, mn / 2 + 1)) / 2;
	/*
	 * The interval [D(k), D(nm+1-k)] covers the shift with probability
	 * 1 - 2 P(U <= k-1) under the null distribution of U: the largest k whose
	 * coverage still reaches the level (k = 1, the full range, when none does).
	 */
	if (log_choose(nx + ny, nx) < 53 * log(2.0) && mn <= 1e6) {
		size_t deg = nx * ny;
		double *c = malloc((deg + 1) * sizeof(*c)), total = 0, cum;

		if (!c) {
			rc = -1;
			goto out;
		}
		fl_mwu_counts(nx, ny, c);
		for (size_t u = 0; u <= deg; u++)
			total += c[u];
		cum = c[0];
		/* cum = P(U <= k-1) * total; try k + 1 while P(U <= k) stays within the tail */
		while (k < mn / 2 && (cum + c[(size_t)k]) / total <= tail) {
			cum += c[(size_t)k];
			k++;
		}
		r->coverage = 1 - 2 * cum / total;
		free(c);
	} else {
		double sd = sqrt(mn * ((double)(nx + ny) + 1) / 12);
		double z = fl_norm_quantile(tail);

		k = floor(mn / 2 - 0.5 + z * sd) + 1;
		if (k < 1)
			k = 1;
		r->coverage = 1 - 2 * (1 - fl_norm_sf((k - 1 + 0.5 - mn / 2) / sd));
	}
	r->lo = kth_diff(sx, nx, sy, ny, k);
	r->hi = kth_diff(sx, nx, sy, ny, mn + 1 - k);
	r->k = k;
out:
	free(sx);
	free(sy);
	return rc;
}

void fl_p_adjust(const double *p, size_t n, enum fl_padjust method, double *q)
{
	size_t *o;

	if (n == 0)
		return;
	o = malloc(n * sizeof(*o));
	if (!o || method == FL_PADJ_NONE) {
		for (size_t i = 0; i < n; i++)
			q[i] = p[i];
		free(o);
		return;
	}
	for (size_t i = 0; i < n; i++)
		o[i] = i;
	sort_idx_by(o, n, p);
	if (method == FL_PADJ_HOLM) {
		/* q(i) = max over j <= i of (n - j + 1) p(j), at most 1 */
		double run = 0;

		for (size_t i = 0; i < n; i++) {
			double v = fmin(1, (double)(n - i) * p[o[i]]);

			run = fmax(run, v);
			q[o[i]] = run;
		}
	} else {
		/* BH: q(i) = min over j >= i of n p(j) / j, at most 1 */
		double run = 1;

		for (size_t i = n; i-- > 0;) {
			double v = fmin(1, (double)n * p[o[i]] / (double)(i + 1));

			run = fmin(run, v);
			q[o[i]] = run;
		}
	}
	free(o);
}
