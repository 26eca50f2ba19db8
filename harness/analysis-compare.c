// SPDX-License-Identifier: GPL-2.0 OR MIT
/* folio-lab-compare: verdicts and comparison tables (see analysis-compare.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis-compare.h"

const char *fl_verdict_name(enum fl_verdict v)
{
	switch (v) {
	case FL_IMPROVED:
		return "improved";
	case FL_REGRESSED:
		return "regressed";
	case FL_UNDECIDED:
		return "cannot decide";
	case FL_MISSING:
		return "missing";
	default:
		return "no change";
	}
}

static void judge(struct fl_cmp_row *r, const double *bv, const double *nv,
		  const struct fl_dataset *ds, const struct fl_cmp_opts *o)
{
	const char *bn = ds->series[r->base].name, *nn = ds->series[r->cur].name;
	bool better;

	if (r->b.n == 0 || r->n.n == 0) {
		r->verdict = FL_MISSING;
		snprintf(r->reason, sizeof(r->reason), "no records in %s", r->b.n ? nn : bn);
		return;
	}
	if (r->b.median == 0)
		r->change_pct = r->n.median == 0 ? 0 : copysign(INFINITY, r->n.median);
	else
		r->change_pct = 100 * (r->n.median - r->b.median) / fabs(r->b.median);
	if (r->b.n < 3 || r->n.n < 3) {
		r->verdict = FL_UNDECIDED;
		snprintf(r->reason, sizeof(r->reason),
			 "too few repetitions: n=%zu in %s, n=%zu in %s (need >= 3 per side)",
			 r->b.n, bn, r->n.n, nn);
		return;
	}
	/* x = new, y = base: U1 above n*m/2 means the new kernel's values are larger. */
	if (fl_mwu(nv, r->n.n, bv, r->b.n, FL_MWU_AUTO, &r->t) != 0) {
		r->verdict = FL_UNDECIDED;
		snprintf(r->reason, sizeof(r->reason), "the U test failed");
		return;
	}
	r->tested = true;
	if (r->t.min_p >= o->alpha) {
		r->verdict = FL_UNDECIDED;
		snprintf(r->reason, sizeof(r->reason),
			 "with n=%zu/%zu the smallest possible p is %.3g >= alpha %g: "
			 "run more repetitions",
			 r->b.n, r->n.n, r->t.min_p, o->alpha);
		return;
	}
	if (r->t.p >= o->alpha) {
		r->verdict = FL_NO_CHANGE;
		snprintf(r->reason, sizeof(r->reason), "p=%.3g >= alpha %g", r->t.p, o->alpha);
		return;
	}
	if (!(fabs(r->change_pct) > o->threshold)) {
		r->verdict = FL_NO_CHANGE;
		snprintf(r->reason, sizeof(r->reason),
			 "p=%.3g but |change| %.2f%% <= threshold %g%%", r->t.p,
			 fabs(r->change_pct), o->threshold);
		return;
	}
	better = o->lower_better ? r->change_pct < 0 : r->change_pct > 0;
	r->verdict = better ? FL_IMPROVED : FL_REGRESSED;
	snprintf(r->reason, sizeof(r->reason), "p=%.3g < %g and |change| %.2f%% > %g%%", r->t.p,
		 o->alpha, fabs(r->change_pct), o->threshold);
}

/* Where a series was measured: "native/none", "guest/tcg", ... (its first record). */
static void series_env(const struct fl_dataset *ds, int s, char *buf, size_t size)
{
	snprintf(buf, size, "?");
	for (size_t i = 0; i < ds->nrecs; i++)
		if (ds->recs[i].series == s) {
			snprintf(buf, size, "%s/%s", ds->recs[i].where ? ds->recs[i].where : "?",
				 ds->recs[i].accel ? ds->recs[i].accel : "?");
			return;
		}
}

size_t fl_compare(const struct fl_dataset *ds, int base, const struct fl_cmp_opts *o,
		  struct fl_cmp_row **rows)
{
	char base_env[64], env[64];
	struct fl_case *cases;
	size_t nc = fl_ds_cases(ds, &cases), n = 0;
	struct fl_cmp_row *r = calloc(nc * (ds->nseries ? ds->nseries : 1) + 1, sizeof(*r));

	if (!r) {
		fprintf(stderr, "folio-lab-compare: out of memory\n");
		exit(2);
	}
	series_env(ds, base, base_env, sizeof(base_env));
	for (size_t s = 0; s < ds->nseries; s++) {
		if ((int)s == base)
			continue;
		/*
		 * A native run against a TCG guest (or KVM against TCG) differs in
		 * everything but the kernel: no verdict can mean anything there.
		 */
		series_env(ds, (int)s, env, sizeof(env));
		if (strcmp(env, base_env) != 0) {
			fprintf(stderr,
				"folio-lab-compare: not comparing %s (%s) with %s (%s): "
				"measured in different environments\n",
				ds->series[s].name, env, ds->series[base].name, base_env);
			continue;
		}
		for (size_t i = 0; i < nc; i++) {
			struct fl_cmp_row *row = &r[n++];
			double *bv, *nv;
			size_t nb = fl_ds_values(ds, &cases[i], base, &bv);
			size_t nn = fl_ds_values(ds, &cases[i], (int)s, &nv);

			row->c = cases[i];
			row->base = base;
			row->cur = (int)s;
			fl_summarize(bv, nb, o->level, &row->b);
			fl_summarize(nv, nn, o->level, &row->n);
			row->change_pct = NAN;
			row->t.p = NAN;
			judge(row, bv, nv, ds, o);
			free(bv);
			free(nv);
		}
	}
	free(cases);
	*rows = r;
	return n;
}

int fl_cmp_exit(const struct fl_cmp_row *rows, size_t n)
{
	int rc = 0;

	if (n == 0)
		return 125; /* nothing could be compared: no basis for "no regression" */
	for (size_t i = 0; i < n; i++) {
		if (rows[i].verdict == FL_REGRESSED)
			return 1;
		if (rows[i].verdict == FL_UNDECIDED)
			rc = 125;
	}
	return rc;
}

const char *fl_case_label(const struct fl_dataset *ds, const struct fl_case *c, char *buf,
			  size_t size)
{
	if (fl_params_vary(ds, c->workload))
		snprintf(buf, size, "%s [%s]", c->variant, c->params);
	else
		snprintf(buf, size, "%s", c->variant);
	return buf;
}

static const char *fmt_pct(char *buf, size_t size, double v, bool sign)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (isinf(v))
		snprintf(buf, size, "%sinf%%", v > 0 ? "+" : "-");
	else
		snprintf(buf, size, sign ? "%+.2f%%" : "%.2f%%", v);
	return buf;
}

static const char *fmt_p(char *buf, size_t size, const struct fl_cmp_row *r)
{
	if (!r->tested)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.3g", r->t.p);
	return buf;
}

static void legend(const struct fl_dataset *ds, const struct fl_cmp_opts *o, struct fl_sbuf *out,
		   const char *pre)
{
	fl_sb_printf(
	    out,
	    "%smetric %s (%s is better); value: median of the repetitions; "
	    "sd%%: sample stddev in %% of the mean;\n"
	    "%s%%change: of the medians against the baseline; p: two-sided Mann-Whitney U;\n"
	    "%sa verdict needs p < %g and |%%change| > %g%%.\n",
	    pre, ds->metric, o->lower_better ? "lower" : "higher", pre, pre, o->alpha,
	    o->threshold);
}

/* The formatted cells of one comparison row, shared by the text and Markdown tables. */
struct row_cells {
	char label[256], base[64], base_sd[64], change[64], cur[64], cur_sd[64], p[64];
};

static void row_cells(const struct fl_dataset *ds, const struct fl_cmp_row *r, struct row_cells *k)
{
	fl_case_label(ds, &r->c, k->label, sizeof(k->label));
	fl_fmt_num(k->base, sizeof(k->base), r->b.median);
	fmt_pct(k->base_sd, sizeof(k->base_sd), r->b.n ? r->b.sd_pct : NAN, false);
	fmt_pct(k->change, sizeof(k->change), r->change_pct, true);
	fl_fmt_num(k->cur, sizeof(k->cur), r->n.median);
	fmt_pct(k->cur_sd, sizeof(k->cur_sd), r->n.n ? r->n.sd_pct : NAN, false);
	fmt_p(k->p, sizeof(k->p), r);
}

void fl_cmp_text(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		 const struct fl_cmp_opts *o, struct fl_sbuf *out)
{
	int cur = -1;
	struct row_cells k;

	legend(ds, o, out, "");
	for (size_t i = 0; i < n; i++) {
		const struct fl_cmp_row *r = &rows[i];

		if (r->cur != cur) {
			cur = r->cur;
			fl_sb_printf(
			    out, "\n%-10s %-14s %-10s %-10s %3s %14s %7s %9s %14s %7s %7s  %s\n",
			    "workload", "variant", "mode", "placement", "wrk",
			    ds->series[r->base].name, "sd%", "%change", ds->series[r->cur].name,
			    "sd%", "p", "verdict");
		}
		row_cells(ds, r, &k);
		fl_sb_printf(out, "%-10s %-14s %-10s %-10s %3d %14s %7s %9s %14s %7s %7s  %s",
			     r->c.workload, k.label, r->c.mode, r->c.placement, r->c.workers,
			     k.base, k.base_sd, k.change, k.cur, k.cur_sd, k.p,
			     fl_verdict_name(r->verdict));
		if (r->verdict == FL_UNDECIDED || r->verdict == FL_MISSING)
			fl_sb_printf(out, " (%s)", r->reason);
		fl_sb_puts(out, "\n");
	}
}

void fl_cmp_markdown(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		     const struct fl_cmp_opts *o, struct fl_sbuf *out)
{
	int cur = -1;
	struct row_cells k;

	fl_sb_puts(out, "# folio-lab comparison\n\n");
	legend(ds, o, out, "");
	for (size_t i = 0; i < n; i++) {
		const struct fl_cmp_row *r = &rows[i];

		if (r->cur != cur) {
			cur = r->cur;
			fl_sb_printf(
			    out,
			    "\n## %s against %s\n\n"
			    "| workload | variant | mode | placement | workers | %s | sd%% "
			    "| %%change | %s | sd%% | p | verdict | why |\n"
			    "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|\n",
			    ds->series[r->cur].name, ds->series[r->base].name,
			    ds->series[r->base].name, ds->series[r->cur].name);
		}
		row_cells(ds, r, &k);
		fl_sb_printf(out,
			     "| %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			     r->c.workload, k.label, r->c.mode, r->c.placement, r->c.workers,
			     k.base, k.base_sd, k.change, k.cur, k.cur_sd, k.p,
			     fl_verdict_name(r->verdict), r->reason);
	}
}

static void csv_num(struct fl_sbuf *out, double v)
{
	if (isfinite(v))
		fl_sb_printf(out, ",%.10g", v);
	else if (isinf(v))
		fl_sb_printf(out, ",%s", v > 0 ? "inf" : "-inf");
	else
		fl_sb_puts(out, ",");
}

static void csv_summary(struct fl_sbuf *out, const struct fl_summary *s)
{
	fl_sb_printf(out, ",%zu", s->n);
	csv_num(out, s->median);
	csv_num(out, s->n ? s->lo : NAN);
	csv_num(out, s->n ? s->hi : NAN);
	csv_num(out, s->n ? s->coverage : NAN);
	csv_num(out, s->mean);
	csv_num(out, s->n ? s->sd_pct : NAN);
}

void fl_cmp_csv(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		struct fl_sbuf *out)
{
	fl_sb_puts(out, "metric,workload,variant,mode,placement,params,workers,baseline,new,"
			"base_n,base_median,base_ci_lo,base_ci_hi,base_ci_coverage,base_mean,"
			"base_sd_pct,new_n,new_median,new_ci_lo,new_ci_hi,new_ci_coverage,new_mean,"
			"new_sd_pct,change_pct,u,p,test,min_p,verdict,reason\n");
	for (size_t i = 0; i < n; i++) {
		const struct fl_cmp_row *r = &rows[i];
		const char *f[] = {ds->metric, r->c.workload,  r->c.variant,
				   r->c.mode,  r->c.placement, r->c.params};

		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			if (k)
				fl_sb_puts(out, ",");
			fl_sb_csv(out, f[k]);
		}
		fl_sb_printf(out, ",%d,", r->c.workers);
		fl_sb_csv(out, ds->series[r->base].name);
		fl_sb_puts(out, ",");
		fl_sb_csv(out, ds->series[r->cur].name);
		csv_summary(out, &r->b);
		csv_summary(out, &r->n);
		csv_num(out, r->change_pct);
		csv_num(out, r->tested ? r->t.u1 : NAN);
		csv_num(out, r->tested ? r->t.p : NAN);
		fl_sb_printf(out, ",%s", !r->tested ? "" : r->t.exact ? "exact" : "asymptotic");
		csv_num(out, r->tested ? r->t.min_p : NAN);
		fl_sb_printf(out, ",%s,", fl_verdict_name(r->verdict));
		fl_sb_csv(out, r->reason);
		fl_sb_puts(out, "\n");
	}
}

static void html_cell_summary(struct fl_sbuf *out, const struct fl_summary *s)
{
	char a[64], b[64], c[64];

	if (!s->n) {
		fl_sb_puts(out, "<td>-</td><td>-</td>");
		return;
	}
	fl_sb_printf(out, "<td title=\"n=%zu; %.1f%% CI of the median [%s, %s]\">%s</td>", s->n,
		     100 * s->coverage, fl_fmt_num(a, sizeof(a), s->lo),
		     fl_fmt_num(b, sizeof(b), s->hi), fl_fmt_num(c, sizeof(c), s->median));
	fl_sb_printf(out, "<td>%.2f%%</td>", s->sd_pct);
}

void fl_cmp_html(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		 const char *workload, struct fl_sbuf *out)
{
	int cur = -1;
	char c[64], f[64], lab[256];

	for (size_t i = 0; i < n; i++) {
		const struct fl_cmp_row *r = &rows[i];
		const char *cls;

		if (workload && strcmp(r->c.workload, workload) != 0)
			continue;
		if (r->cur != cur) {
			if (cur >= 0)
				fl_sb_puts(out, "</tbody></table>\n");
			cur = r->cur;
			fl_sb_puts(out, "<table class=\"cmp\"><thead><tr>");
			if (!workload)
				fl_sb_puts(out, "<th>workload</th>");
			fl_sb_puts(out, "<th>variant</th><th>mode</th><th>placement</th>"
					"<th>workers</th><th>");
			fl_sb_html(out, ds->series[r->base].name);
			fl_sb_puts(out, " (n, median)</th><th>sd%</th><th>%change</th><th>");
			fl_sb_html(out, ds->series[r->cur].name);
			fl_sb_puts(out, "</th><th>sd%</th><th>p</th><th>verdict</th><th>why</th>"
					"</tr></thead><tbody>\n");
		}
		cls = r->verdict == FL_IMPROVED	   ? "good"
		      : r->verdict == FL_REGRESSED ? "bad"
		      : r->verdict == FL_UNDECIDED ? "undecided"
						   : "same";
		fl_sb_printf(out, "<tr class=\"%s\">", cls);
		if (!workload) {
			fl_sb_puts(out, "<td>");
			fl_sb_html(out, r->c.workload);
			fl_sb_puts(out, "</td>");
		}
		fl_sb_puts(out, "<td>");
		fl_sb_html(out, fl_case_label(ds, &r->c, lab, sizeof(lab)));
		fl_sb_puts(out, "</td><td>");
		fl_sb_html(out, r->c.mode);
		fl_sb_puts(out, "</td><td>");
		fl_sb_html(out, r->c.placement);
		fl_sb_printf(out, "</td><td>%d</td>", r->c.workers);
		html_cell_summary(out, &r->b);
		fl_sb_printf(out, "<td>%s</td>", fmt_pct(c, sizeof(c), r->change_pct, true));
		html_cell_summary(out, &r->n);
		fl_sb_printf(out, "<td>%s</td><td class=\"verdict\">%s</td><td class=\"why\">",
			     fmt_p(f, sizeof(f), r), fl_verdict_name(r->verdict));
		fl_sb_html(out, r->reason);
		fl_sb_puts(out, "</td></tr>\n");
	}
	if (cur >= 0)
		fl_sb_puts(out, "</tbody></table>\n");
}
