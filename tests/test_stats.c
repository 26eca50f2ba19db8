// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of analysis/stats.c against textbook values. With --stdin it
 * instead answers queries, one per line, for tests/analysis-scipy.py,
 * which checks the answers against scipy and brute force:
 *   mwu exact|asymptotic X... | Y...   ->  U1 p
 *   quantile Q | X...                  ->  value
 *   ci LEVEL | X...                    ->  lo hi coverage
 *   hl LEVEL | X... | Y...             ->  shift lo hi coverage
 *   padj bh|holm | P...                ->  q...
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int failures;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void check_close(const char *what, double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol * fmax(1, fabs(want)))) {
		fprintf(stderr, "FAIL %s: got %.17g, want %.17g\n", what, got, want);
		failures++;
	} else {
		printf("ok   %s = %.10g\n", what, got);
	}
}

static void known_values(void)
{
	const double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2};
	const double q[] = {1, 2, 3, 4};
	const double sd8[] = {2, 4, 4, 4, 5, 5, 7, 9};
	/* scipy.stats.mannwhitneyu documentation example (Conover) */
	const double males[] = {19, 22, 16, 29, 24}, females[] = {20, 11, 17, 12};
	const double ten[] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
	const double five[] = {5, 4, 3, 2, 1};
	/* U distribution for m = n = 3: 20 arrangements */
	const double u33[] = {1, 1, 2, 3, 3, 3, 3, 2, 1, 1};
	double c[10], mean, sd, lo, hi, cov;
	struct fl_mwu_result r;

	check_close("median odd", fl_median(odd, 3), 2, 0);
	check_close("median even", fl_median(even, 4), 2.5, 0);
	check_close("quantile 0.25 (type 7)", fl_quantile_sorted(q, 4, 0.25), 1.75, 1e-15);
	check_close("quantile 0.9 (type 7)", fl_quantile_sorted(q, 4, 0.9), 3.7, 1e-15);
	fl_mean_sd(sd8, 8, &mean, &sd);
	check_close("mean", mean, 5, 1e-15);
	check_close("sample sd", sd, sqrt(32.0 / 7), 1e-14);

	check_close("P(Bin(10,.5) <= 1)", fl_binom_half_cdf(10, 1), 11.0 / 1024, 1e-12);
	fl_median_ci(ten, 10, 0.95, &lo, &hi, &cov);
	check_close("median CI n=10 lo = x(2)", lo, 2, 0);
	check_close("median CI n=10 hi = x(9)", hi, 9, 0);
	check_close("median CI n=10 coverage", cov, 1 - 22.0 / 1024, 1e-12);
	fl_median_ci(five, 5, 0.95, &lo, &hi, &cov);
	check_close("median CI n=5 lo = min", lo, 1, 0);
	check_close("median CI n=5 hi = max", hi, 5, 0);
	check_close("median CI n=5 coverage (below 95%)", cov, 0.9375, 1e-12);

	fl_mwu_counts(3, 3, c);
	for (size_t i = 0; i < ARRAY_SIZE(u33); i++) {
		char what[64];

		snprintf(what, sizeof(what), "#arrangements U=%zu (3,3)", i);
		check_close(what, c[i], u33[i], 0);
	}

	fl_mwu(males, 5, females, 4, FL_MWU_EXACT, &r);
	check_close("MWU U1 (scipy doc example)", r.u1, 17, 0);
	check_close("MWU exact p", r.p, 1.0 / 9, 1e-12);
	check_close("MWU exact min p 2/C(9,4)", r.min_p, 2.0 / 126, 1e-12);
	fl_mwu(males, 5, females, 4, FL_MWU_ASYMPTOTIC, &r);
	check_close("MWU asymptotic p", r.p, 0.11134688653314041, 1e-9);
	fl_mwu(males, 5, females, 4, FL_MWU_AUTO, &r);
	if (!r.exact) {
		fprintf(stderr, "FAIL auto without ties should be exact\n");
		failures++;
	}
	{
		const double a[] = {1, 2}, b[] = {3, 4};
		const double t1[] = {1, 2, 2, 3}, t2[] = {2, 3, 3, 4};
		const double all[] = {7, 7, 7};

		fl_mwu(a, 2, b, 2, FL_MWU_AUTO, &r);
		check_close("MWU n=2/2 min p = 1/3", r.min_p, 1.0 / 3, 1e-12);
		check_close("MWU n=2/2 p", r.p, 1.0 / 3, 1e-12);
		fl_mwu(t1, 4, t2, 4, FL_MWU_AUTO, &r);
		if (r.exact || !r.ties) {
			fprintf(stderr, "FAIL auto with ties should be asymptotic\n");
			failures++;
		}
		fl_mwu(all, 3, all, 3, FL_MWU_AUTO, &r);
		check_close("MWU all equal p", r.p, 1, 0);
	}
}

static void hl_and_padjust(void)
{
	const double x3[] = {1, 2, 3}, y1[] = {0};
	const double x5[] = {10, 11, 12, 13, 14}, y5[] = {0, 1, 2, 3, 4};
	const double p[] = {0.01, 0.04, 0.03, 0.005};
	const double bh[] = {0.02, 0.04, 0.04, 0.02}, holm[] = {0.03, 0.06, 0.06, 0.02};
	struct fl_hl_result h;
	double q[4];

	fl_hl_shift(x3, 3, y1, 1, 0.95, &h);
	check_close("HL shift 3/1", h.shift, 2, 0);
	check_close("HL CI 3/1 lo (full range)", h.lo, 1, 0);
	check_close("HL CI 3/1 hi (full range)", h.hi, 3, 0);
	check_close("HL CI 3/1 coverage 1 - 2/4", h.coverage, 0.5, 1e-12);
	fl_hl_shift(x5, 5, y5, 5, 0.95, &h);
	check_close("HL shift 5/5", h.shift, 10, 0);
	check_close("HL CI 5/5 lo = D(3)", h.lo, 7, 0);
	check_close("HL CI 5/5 hi = D(23)", h.hi, 13, 0);
	check_close("HL CI 5/5 coverage 1 - 2*4/252", h.coverage, 1 - 8.0 / 252, 1e-12);
	fl_p_adjust(p, 4, FL_PADJ_BH, q);
	for (int i = 0; i < 4; i++)
		check_close("BH q (R p.adjust)", q[i], bh[i], 1e-12);
	fl_p_adjust(p, 4, FL_PADJ_HOLM, q);
	for (int i = 0; i < 4; i++)
		check_close("Holm q (R p.adjust)", q[i], holm[i], 1e-12);
	check_close("normal quantile 0.975", fl_norm_quantile(0.975), 1.959963984540054, 1e-9);
}

/* Parse "a b c | d e f" after the command word into two arrays. */
static size_t parse_nums(char *s, double *out, size_t max)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, " \t\n", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		out[n++] = strtod(tok, NULL);
	return n;
}

static int answer_stdin(void)
{
	static char line[1 << 16];
	static double x[4096], y[4096];

	while (fgets(line, sizeof(line), stdin)) {
		char *bar = strchr(line, '|'), *arg, *cmd;
		size_t nx, ny;

		if (!bar)
			continue;
		*bar = 0;
		cmd = strtok(line, " ");
		arg = strtok(NULL, " ");
		if (!cmd || !arg)
			return 2;
		if (strcmp(cmd, "mwu") == 0) {
			char *bar2 = strchr(bar + 1, '|');
			struct fl_mwu_result r;
			enum fl_mwu_method m =
			    strcmp(arg, "exact") == 0 ? FL_MWU_EXACT : FL_MWU_ASYMPTOTIC;

			if (!bar2)
				return 2;
			*bar2 = 0;
			nx = parse_nums(bar + 1, x, 4096);
			ny = parse_nums(bar2 + 1, y, 4096);
			if (fl_mwu(x, nx, y, ny, m, &r))
				printf("error\n");
			else
				printf("%.17g %.17g\n", r.u1, r.p);
		} else if (strcmp(cmd, "quantile") == 0) {
			nx = parse_nums(bar + 1, x, 4096);
			fl_sort(x, nx);
			printf("%.17g\n", fl_quantile_sorted(x, nx, strtod(arg, NULL)));
		} else if (strcmp(cmd, "hl") == 0) {
			char *bar2 = strchr(bar + 1, '|');
			struct fl_hl_result h;

			if (!bar2)
				return 2;
			*bar2 = 0;
			nx = parse_nums(bar + 1, x, 4096);
			ny = parse_nums(bar2 + 1, y, 4096);
			if (fl_hl_shift(x, nx, y, ny, strtod(arg, NULL), &h))
				printf("error\n");
			else
				printf("%.17g %.17g %.17g %.17g\n", h.shift, h.lo, h.hi,
				       h.coverage);
		} else if (strcmp(cmd, "padj") == 0) {
			double q[4096];

			nx = parse_nums(bar + 1, x, 4096);
			fl_p_adjust(x, nx, strcmp(arg, "holm") ? FL_PADJ_BH : FL_PADJ_HOLM, q);
			for (size_t i = 0; i < nx; i++)
				printf("%s%.17g", i ? " " : "", q[i]);
			printf("\n");
		} else if (strcmp(cmd, "ci") == 0) {
			double lo, hi, cov;

			nx = parse_nums(bar + 1, x, 4096);
			fl_median_ci(x, nx, strtod(arg, NULL), &lo, &hi, &cov);
			printf("%.17g %.17g %.17g\n", lo, hi, cov);
		} else {
			return 2;
		}
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--stdin") == 0)
		return answer_stdin();
	known_values();
	hl_and_padjust();
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
