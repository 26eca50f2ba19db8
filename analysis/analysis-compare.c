// SPDX-License-Identifier: GPL-2.0 OR MIT
/* folio-lab-compare: verdicts, the headline and the comparison tables (analysis-compare.h). */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis-compare.h"

#define WIDTH 100 /* every text line fits a mail */

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
	case FL_ADDED:
		return "added";
	case FL_EMULATED:
		return "emulated";
	case FL_REFERENCE:
		return "reference";
	default:
		return "no change";
	}
}

char fl_verdict_marker(enum fl_verdict v)
{
	static const char m[FL_NVERDICT] = {'~', '*', '!', '?', 'M', 'A', 'E', 'R'};

	return v < FL_NVERDICT ? m[v] : ' ';
}

const char *fl_correction_name(enum fl_padjust c)
{
	return c == FL_PADJ_HOLM ? "Holm" : c == FL_PADJ_NONE ? "none" : "Benjamini-Hochberg";
}

int fl_filter_add(struct fl_cmp_opts *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok) {
			fprintf(stderr, "folio-lab-compare: --filter '%s': want KEY=GLOB\n", tok);
			free(copy);
			return -1;
		}
		*eq = 0;
		o->filters = realloc(o->filters, (o->nfilters + 1) * sizeof(*o->filters));
		o->filters[o->nfilters].key = strdup(tok);
		o->filters[o->nfilters].glob = strdup(eq + 1);
		o->nfilters++;
	}
	free(copy);
	return 0;
}

static const char *case_field(const struct fl_case *c, const char *key, char *buf, size_t size)
{
	if (!strcmp(key, "workload"))
		return c->workload;
	if (!strcmp(key, "variant"))
		return c->variant;
	if (!strcmp(key, "mode"))
		return c->mode;
	if (!strcmp(key, "placement"))
		return c->placement;
	if (!strcmp(key, "params"))
		return c->params;
	if (!strcmp(key, "workers")) {
		snprintf(buf, size, "%d", c->workers);
		return buf;
	}
	if (!strncmp(key, "params.", 7))
		return fl_params_get(c->params, key + 7, buf, size);
	return NULL;
}

bool fl_filter_case(const struct fl_cmp_opts *o, const struct fl_case *c)
{
	char buf[256];

	for (size_t i = 0; i < o->nfilters; i++) {
		const char *v = case_field(c, o->filters[i].key, buf, sizeof(buf));

		if (!v || fnmatch(o->filters[i].glob, v, 0))
			return false;
	}
	return true;
}

/* 100 (exp(s) - 1): a shift of logs as a percentage. */
static double log_pct(double s)
{
	return 100 * expm1(s);
}

/* Hodges-Lehmann change of new against base, in percent, with its CI. */
static void hl_change(struct fl_cmp_row *r, const double *bv, const double *nv,
		      const struct fl_cmp_opts *o)
{
	struct fl_hl_result h;
	bool pos = true;
	double *lb, *ln;

	r->hl_pct = r->hl_lo_pct = r->hl_hi_pct = r->hl_cov = NAN;
	for (size_t i = 0; i < r->b.n; i++)
		pos &= bv[i] > 0;
	for (size_t i = 0; i < r->n.n; i++)
		pos &= nv[i] > 0;
	if (!pos) {
		/* zeros (counters): the shift itself, relative to the baseline's median */
		if (fl_hl_shift(nv, r->n.n, bv, r->b.n, o->level, &h) || r->b.median == 0)
			return;
		r->hl_pct = 100 * h.shift / fabs(r->b.median);
		r->hl_lo_pct = 100 * h.lo / fabs(r->b.median);
		r->hl_hi_pct = 100 * h.hi / fabs(r->b.median);
		r->hl_cov = h.coverage;
		return;
	}
	lb = malloc((r->b.n + 1) * sizeof(*lb));
	ln = malloc((r->n.n + 1) * sizeof(*ln));
	if (lb && ln) {
		for (size_t i = 0; i < r->b.n; i++)
			lb[i] = log(bv[i]);
		for (size_t i = 0; i < r->n.n; i++)
			ln[i] = log(nv[i]);
		if (!fl_hl_shift(ln, r->n.n, lb, r->b.n, o->level, &h)) {
			r->hl_pct = log_pct(h.shift);
			r->hl_lo_pct = log_pct(h.lo);
			r->hl_hi_pct = log_pct(h.hi);
			r->hl_cov = h.coverage;
		}
	}
	free(lb);
	free(ln);
}

/*
 * A row measured under TCG gets no verdict of its own unless asked:
 * whatever the test (or the lack of one) said becomes "emulated", and the
 * reason keeps what it was.
 */
static void mark_emulated(struct fl_cmp_row *r, const struct fl_cmp_opts *o)
{
	char was[sizeof(r->reason) + 32];

	if (!r->emulated || o->allow_emulated)
		return;
	snprintf(was, sizeof(was), "%s: %.*s", fl_verdict_name(r->verdict),
		 (int)sizeof(r->reason) - 1, r->reason);
	r->verdict = FL_EMULATED;
	snprintf(r->reason, sizeof(r->reason),
		 "measured under TCG emulation: not judged (the test alone says %.160s; "
		 "--allow-emulated to judge)",
		 was);
}

static bool case_emulated(const struct fl_dataset *ds, const struct fl_case *c, int s)
{
	const size_t *ix;
	size_t n = fl_ds_case_recs(ds, c, s, &ix);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(ds->recs[ix[i]].accel, "tcg"))
			return true;
	return false;
}

/* Before the family: everything a row can say on its own. */
static void judge(const struct fl_dataset *ds, struct fl_cmp_row *r, const double *bv,
		  const double *nv, const struct fl_cmp_opts *o)
{
	const char *bn = ds->series[r->base].name, *nn = ds->series[r->cur].name;

	r->verdict = FL_NO_CHANGE;
	r->q = NAN;
	r->change_pct = NAN;
	r->hl_pct = r->hl_lo_pct = r->hl_hi_pct = r->hl_cov = NAN;
	if (r->n.n == 0) {
		r->verdict = FL_MISSING;
		snprintf(r->reason, sizeof(r->reason),
			 "measured on %s, no records from %s (did the workload fail?)%s", bn, nn,
			 o->allow_missing ? "; --allow-missing: not failing" : "");
		return;
	}
	if (r->b.n == 0) {
		r->verdict = FL_ADDED;
		snprintf(r->reason, sizeof(r->reason), "only %s has this case: not judged", nn);
		return;
	}
	if (r->b.median == 0)
		r->change_pct = r->n.median == 0 ? 0 : copysign(INFINITY, r->n.median);
	else
		r->change_pct = 100 * (r->n.median - r->b.median) / fabs(r->b.median);
	hl_change(r, bv, nv, o);
	r->emulated = case_emulated(ds, &r->c, r->base) || case_emulated(ds, &r->c, r->cur);
	if (!strcmp(r->c.workload, "handoff")) {
		r->verdict = FL_REFERENCE;
		snprintf(r->reason, sizeof(r->reason),
			 "machine reference: the cache-line handoff between two PUs (%s), not the "
			 "kernel's refcounting; not gated",
			 !strcmp(r->c.variant, "ceiling") ? "1 / median latency, one per run"
							  : "one record per PU pair");
		return;
	}
	if (r->b.n < 3 || r->n.n < 3) {
		r->verdict = FL_UNDECIDED;
		snprintf(r->reason, sizeof(r->reason),
			 "too few repetitions: n=%zu in %s, n=%zu in %s (need >= 3 per side)",
			 r->b.n, bn, r->n.n, nn);
		mark_emulated(r, o);
		return;
	}
	if (r->b.min == r->b.max && r->n.min == r->n.max && r->b.min == r->n.min) {
		r->verdict = FL_NO_CHANGE;
		r->hl_pct = r->hl_lo_pct = r->hl_hi_pct = 0;
		snprintf(r->reason, sizeof(r->reason), "identical values on both sides");
		mark_emulated(r, o);
		return;
	}
	/* x = new, y = base: U1 above n*m/2 means the new kernel's values are larger. */
	if (fl_mwu(nv, r->n.n, bv, r->b.n, FL_MWU_AUTO, &r->t) != 0) {
		r->verdict = FL_UNDECIDED;
		snprintf(r->reason, sizeof(r->reason), "the U test failed");
		mark_emulated(r, o);
		return;
	}
	r->tested = true;
	if (r->t.min_p >= o->alpha) {
		r->verdict = FL_UNDECIDED;
		snprintf(r->reason, sizeof(r->reason),
			 "with n=%zu/%zu the smallest possible p is %.3g >= alpha %g: "
			 "run more repetitions",
			 r->b.n, r->n.n, r->t.min_p, o->alpha);
		mark_emulated(r, o);
		return;
	}
	r->in_family = true;
}

/* After the family's adjustment: the verdict of a tested row. */
static void decide(struct fl_cmp_row *r, const struct fl_cmp_opts *o, size_t m)
{
	const char *cn = fl_correction_name(o->correction);
	bool better;

	if (!(r->q < o->alpha)) {
		r->verdict = FL_NO_CHANGE;
		snprintf(r->reason, sizeof(r->reason),
			 "p=%.3g, adjusted %.3g >= alpha %g (%s, %zu rows)", r->t.p, r->q, o->alpha,
			 cn, m);
	} else if (!(fabs(r->hl_pct) > o->threshold)) {
		r->verdict = FL_NO_CHANGE;
		snprintf(r->reason, sizeof(r->reason),
			 "adjusted p=%.3g but |change| %.2f%% <= threshold %g%%", r->q,
			 fabs(r->hl_pct), o->threshold);
	} else {
		better = o->lower_better ? r->hl_pct < 0 : r->hl_pct > 0;
		r->verdict = better ? FL_IMPROVED : FL_REGRESSED;
		snprintf(r->reason, sizeof(r->reason),
			 "p=%.3g, adjusted %.3g < %g (%s, %zu rows) and |change| %.2f%% > %g%%",
			 r->t.p, r->q, o->alpha, cn, m, fabs(r->hl_pct), o->threshold);
	}
	mark_emulated(r, o);
}

/* Where a series was measured: "native/none", "guest/tcg", ... (its first record). */
static void series_env(const struct fl_dataset *ds, int s, char *buf, size_t size)
{
	snprintf(buf, size, "?");
	for (size_t i = 0; i < ds->nrecs; i++)
		if (ds->recs[i].series == s) {
			snprintf(buf, size, "%s/%s", ds->recs[i].where, ds->recs[i].accel);
			return;
		}
}

void fl_compare(const struct fl_dataset *ds, int base, const struct fl_cmp_opts *o,
		struct fl_cmp *out)
{
	char base_env[64], env[64];
	struct fl_case *all;
	size_t nall = fl_ds_cases(ds, &all);

	memset(out, 0, sizeof(*out));
	out->base = base;
	out->cases = calloc(nall + 1, sizeof(*out->cases));
	out->cur = calloc(ds->nseries + 1, sizeof(*out->cur));
	for (size_t i = 0; i < nall; i++)
		if (fl_filter_case(o, &all[i]))
			out->cases[out->ncases++] = all[i];
	free(all);
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
		out->cur[out->nnew++] = (int)s;
	}
	out->nrows = out->nnew * out->ncases;
	out->rows = calloc(out->nrows + 1, sizeof(*out->rows));
	if (!out->rows || !out->cases || !out->cur) {
		fprintf(stderr, "folio-lab-compare: out of memory\n");
		exit(2);
	}
	for (size_t k = 0; k < out->nnew; k++) {
		struct fl_cmp_row *rows = &out->rows[k * out->ncases];
		double *p = calloc(out->ncases + 1, sizeof(*p)),
		       *q = calloc(out->ncases + 1, sizeof(*q));
		size_t m = 0;

		for (size_t i = 0; i < out->ncases; i++) {
			struct fl_cmp_row *row = &rows[i];
			double *bv, *nv;
			size_t nb = fl_ds_values(ds, &out->cases[i], base, &bv);
			size_t nn = fl_ds_values(ds, &out->cases[i], out->cur[k], &nv);

			row->c = out->cases[i];
			row->base = base;
			row->cur = out->cur[k];
			row->present = nb || nn;
			fl_summarize(bv, nb, o->level, &row->b);
			fl_summarize(nv, nn, o->level, &row->n);
			row->t.p = NAN;
			if (row->present)
				judge(ds, row, bv, nv, o);
			if (row->in_family)
				p[m++] = row->t.p;
			free(bv);
			free(nv);
		}
		/* one family per compared kernel: every row that could reach alpha */
		fl_p_adjust(p, m, o->correction, q);
		m = 0;
		for (size_t i = 0; i < out->ncases; i++)
			if (rows[i].in_family)
				rows[i].q = q[m++];
		for (size_t i = 0; i < out->ncases; i++)
			if (rows[i].in_family)
				decide(&rows[i], o, m);
		if (k < sizeof(out->family) / sizeof(*out->family))
			out->family[k] = m;
		free(p);
		free(q);
	}
}

void fl_cmp_free(struct fl_cmp *r)
{
	free(r->rows);
	free(r->cases);
	free(r->cur);
	memset(r, 0, sizeof(*r));
}

void fl_cmp_count(const struct fl_cmp *r, size_t cnt[FL_NVERDICT])
{
	memset(cnt, 0, FL_NVERDICT * sizeof(*cnt));
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].present)
			cnt[r->rows[i].verdict]++;
}

int fl_cmp_exit(const struct fl_cmp *r, const struct fl_cmp_opts *o)
{
	size_t cnt[FL_NVERDICT];

	fl_cmp_count(r, cnt);
	if (cnt[FL_REGRESSED] || (cnt[FL_MISSING] && !o->allow_missing))
		return 1;
	if (cnt[FL_UNDECIDED] || cnt[FL_EMULATED])
		return 125;
	/* nothing compared at all: no basis for "no regression" */
	if (cnt[FL_NO_CHANGE] + cnt[FL_IMPROVED] == 0)
		return 125;
	return 0;
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

/* "+12.3%", fitting 7 columns. */
static const char *fmt_pct(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (v >= 999.95)
		snprintf(buf, size, ">+999%%");
	else if (v <= -999.95)
		snprintf(buf, size, "<-999%%");
	else
		snprintf(buf, size, "%+.1f%%", v);
	return buf;
}

static const char *fmt_ci(char *buf, size_t size, const struct fl_cmp_row *r)
{
	char a[16], b[16];

	if (isnan(r->hl_lo_pct))
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "[%6s, %6s]", fmt_pct(a, sizeof(a), r->hl_lo_pct),
			 fmt_pct(b, sizeof(b), r->hl_hi_pct));
	return buf;
}

static const char *fmt_p(char *buf, size_t size, double p)
{
	if (isnan(p))
		snprintf(buf, size, "-");
	else if (p < 0.0001)
		snprintf(buf, size, "%.0e", p);
	else
		snprintf(buf, size, "%.4f", p);
	return buf;
}

static const char *fmt_sd(char *buf, size_t size, const struct fl_summary *s)
{
	if (!s->n)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f%%", s->sd_pct);
	return buf;
}

/* Cases i and j draw one line (same everything but the worker count). */
static bool same_line(const struct fl_cmp *r, size_t i, size_t j)
{
	return fl_case_same_line(&r->cases[i], &r->cases[j]);
}

static bool line_present(const struct fl_cmp *r, size_t i0, size_t i1)
{
	for (size_t k = 0; k < r->nnew; k++)
		for (size_t i = i0; i < i1; i++)
			if (r->rows[k * r->ncases + i].present)
				return true;
	return false;
}

/* "pread default, threads, compact [size=64]", cut to width. */
static void line_title(const struct fl_dataset *ds, const struct fl_case *c, char *buf, size_t size,
		       size_t width)
{
	snprintf(buf, size, "%s %s, %s, %s%s%s%s", c->workload, c->variant, c->mode, c->placement,
		 fl_params_vary(ds, c->workload) ? " [" : "",
		 fl_params_vary(ds, c->workload) ? c->params : "",
		 fl_params_vary(ds, c->workload) ? "]" : "");
	if (strlen(buf) > width && width > 3)
		snprintf(buf + width - 3, size - (width - 3), "...");
}

#define KCELL 40 /* one new kernel in the headline: value, change, CI, marker */

static void headline_block(const struct fl_dataset *ds, const struct fl_cmp *r,
			   const struct fl_cmp_opts *o, size_t k0, size_t k1, struct fl_sbuf *out)
{
	const struct fl_series *bs = &ds->series[r->base];
	char t[512], a[32], b[32], c[48], d[48];

	for (size_t i0 = 0, i1; i0 < r->ncases; i0 = i1) {
		double lgb = 0, lgn[64] = {0};
		size_t ng = 0;

		for (i1 = i0 + 1; i1 < r->ncases && same_line(r, i0, i1); i1++)
			;
		if (!line_present(r, i0, i1))
			continue;
		line_title(ds, &r->cases[i0], t, sizeof(t), 60);
		fl_sb_printf(out, "\n%-60s %39s\n", t,
			     o->lower_better ? "median, lower is better"
					     : "median, higher is better");
		fl_sb_printf(out, "%4s  %8.8s", "wrk", bs->name);
		for (size_t k = k0; k < k1; k++) {
			char name[64];

			snprintf(name, sizeof(name), "%s vs %s", ds->series[r->cur[k]].name,
				 bs->name);
			fl_sb_printf(out, "  %-*.*s", KCELL - 2, KCELL - 2, name);
		}
		fl_sb_puts(out, "\n");
		for (size_t i = i0; i < i1; i++) {
			const struct fl_cmp_row *b0 = NULL;
			bool geo = true;

			for (size_t k = k0; k < k1; k++)
				if (r->rows[k * r->ncases + i].present &&
				    r->rows[k * r->ncases + i].b.n)
					b0 = &r->rows[k * r->ncases + i];
			if (!b0)
				for (size_t k = k0; k < k1; k++)
					if (r->rows[k * r->ncases + i].present)
						b0 = &r->rows[k * r->ncases + i];
			if (!b0)
				continue;
			fl_sb_printf(out, "%4d  %8s", r->cases[i].workers,
				     fl_fmt_si(a, sizeof(a), b0->b.n ? b0->b.median : NAN));
			for (size_t k = k0; k < k1; k++) {
				const struct fl_cmp_row *x = &r->rows[k * r->ncases + i];

				if (!x->present) {
					fl_sb_printf(out, "  %-*s", KCELL - 2, "-");
					geo = false;
					continue;
				}
				fmt_pct(c, sizeof(c), x->hl_pct);
				fmt_ci(d, sizeof(d), x);
				fl_sb_printf(out, "  %7s %7s %-18s %c",
					     fl_fmt_si(b, sizeof(b), x->n.n ? x->n.median : NAN),
					     x->b.n && x->n.n ? c : "-", d,
					     fl_verdict_marker(x->verdict));
				if (x->b.n && x->n.n && x->b.median > 0 && x->n.median > 0 &&
				    k < 64)
					lgn[k] += log(x->n.median / x->b.median);
				else
					geo = false;
			}
			fl_sb_puts(out, "\n");
			if (geo && b0->b.median > 0) {
				lgb += log(b0->b.median);
				ng++;
			}
		}
		(void)lgb;
		if (ng > 1) {
			fl_sb_printf(out, "%4s  %8s", "geo", "");
			for (size_t k = k0; k < k1; k++) {
				fmt_pct(c, sizeof(c), k < 64 ? log_pct(lgn[k] / (double)ng) : NAN);
				fl_sb_printf(out, "  %7s %7s %-18s  ", "", c, "");
			}
			/* no trailing blanks in a mail */
			while (out->len && out->s[out->len - 1] == ' ')
				out->s[--out->len] = 0;
			fl_sb_puts(out, "\n");
		}
	}
}

/* No trailing blanks in a mail: strip them from every line appended since `from`. */
static void rstrip_lines(struct fl_sbuf *b, size_t from)
{
	size_t w = from;

	for (size_t i = from; i < b->len; i++) {
		if (b->s[i] == '\n')
			while (w > from && b->s[w - 1] == ' ')
				w--;
		b->s[w++] = b->s[i];
	}
	while (w > from && b->s[w - 1] == ' ')
		w--;
	b->len = w;
	if (b->s)
		b->s[w] = 0;
}

/* Text wrapped at WIDTH columns, each line indented by `indent`. */
static void wrapped(struct fl_sbuf *out, size_t indent, const char *text)
{
	size_t col = indent;

	fl_sb_printf(out, "%*s", (int)indent, "");
	while (*text) {
		size_t w = strcspn(text, " ");

		if (col > indent && col + 1 + w > WIDTH) {
			fl_sb_printf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fl_sb_puts(out, " ");
			col++;
		}
		fl_sb_printf(out, "%.*s", (int)w, text);
		col += w;
		text += w;
		while (*text == ' ')
			text++;
	}
	fl_sb_puts(out, "\n");
}

void fl_cmp_headline(const struct fl_dataset *ds, const struct fl_cmp *r,
		     const struct fl_cmp_opts *o, struct fl_sbuf *out)
{
	size_t from = out->len;

	size_t per = (WIDTH - 14) / KCELL; /* new kernels side by side within WIDTH columns */

	fl_sb_printf(out, "%s of each kernel against %s; %%change [%g%% CI]:\n", ds->metric,
		     ds->series[r->base].name, 100 * o->level);
	fl_sb_puts(out, "Hodges-Lehmann estimate of the ratio new/base (median of all pairwise\n"
			"ratios) and its distribution-free interval; geo: geometric mean of the "
			"ratios.\n");
	for (size_t k0 = 0; k0 < r->nnew; k0 += per)
		headline_block(ds, r, o, k0, k0 + per < r->nnew ? k0 + per : r->nnew, out);
	fl_sb_printf(out,
		     "\n~ no change  * improved  ! regressed  (%s-adjusted p < %g and |change| > "
		     "%g%%)\n? cannot decide  E emulated, not judged  M missing in the new kernel"
		     "  A added\nR machine reference, not gated\n",
		     o->correction == FL_PADJ_BH ? "BH" : fl_correction_name(o->correction),
		     o->alpha, o->threshold);
	rstrip_lines(out, from);
}

static void legend(const struct fl_dataset *ds, const struct fl_cmp_opts *o, struct fl_sbuf *out)
{
	fl_sb_printf(
	    out,
	    "metric %s (%s is better); value: median of the repetitions; sd: sample\n"
	    "stddev in %% of the mean; %%change: Hodges-Lehmann ratio new/base; p: two-sided\n"
	    "Mann-Whitney U; p-adj: %s over the tested rows of one kernel;\n"
	    "a verdict needs p-adj < %g and |%%change| > %g%%.\n",
	    ds->metric, o->lower_better ? "lower" : "higher", fl_correction_name(o->correction),
	    o->alpha, o->threshold);
}

void fl_cmp_text(const struct fl_dataset *ds, const struct fl_cmp *r, const struct fl_cmp_opts *o,
		 struct fl_sbuf *out)
{
	char lab[256], t[768], a[32], b[32], c[32], d[32], e[32], f[32], g[32];
	size_t vw = 7;

	/* the variant column: as wide as the longest label, up to what fits */
	for (size_t i = 0; i < r->ncases; i++) {
		size_t l = strlen(fl_case_label(ds, &r->cases[i], lab, sizeof(lab)));

		vw = l > vw ? l : vw;
	}
	vw = vw > 26 ? 26 : vw;
	size_t from = out->len;

	legend(ds, o, out);
	for (size_t k = 0; k < r->nnew; k++) {
		const struct fl_cmp_row *rows = &r->rows[k * r->ncases];
		bool emu_said = false;
		char last[768] = "";

		fl_sb_printf(out, "\n== %s against %s\n", ds->series[r->cur[k]].name,
			     ds->series[r->base].name);
		for (size_t i0 = 0, i1; i0 < r->ncases; i0 = i1) {
			bool any = false;

			for (i1 = i0 + 1; i1 < r->ncases && same_line(r, i0, i1); i1++)
				;
			for (size_t i = i0; i < i1; i++)
				any |= rows[i].present;
			if (!any)
				continue;
			snprintf(g, sizeof(g), "%s", "");
			snprintf(t, sizeof(t), "%s, %s, %s", r->cases[i0].workload,
				 r->cases[i0].mode, r->cases[i0].placement);
			if (!strcmp(t, last))
				goto rows;
			snprintf(last, sizeof(last), "%s", t);
			fl_sb_printf(out, "\n%.*s\n", WIDTH, t);
			fl_sb_printf(out, "%-*s %4s %7s %6s %7s %6s %7s %7s %7s  %s\n", (int)vw,
				     "variant", "wrk", "base", "sd", "new", "sd", "%change", "p",
				     "p-adj", "verdict");
		rows:
			for (size_t i = i0; i < i1; i++) {
				const struct fl_cmp_row *x = &rows[i];

				if (!x->present)
					continue;
				fl_case_label(ds, &x->c, lab, sizeof(lab));
				if (strlen(lab) > vw)
					fl_sb_printf(out, "%s\n%-*s", lab, (int)vw, "");
				else
					fl_sb_printf(out, "%-*s", (int)vw, lab);
				fl_sb_printf(
				    out, " %4d %7s %6s %7s %6s %7s %7s %7s  %s\n", x->c.workers,
				    fl_fmt_si(a, sizeof(a), x->b.n ? x->b.median : NAN),
				    fmt_sd(b, sizeof(b), &x->b),
				    fl_fmt_si(c, sizeof(c), x->n.n ? x->n.median : NAN),
				    fmt_sd(d, sizeof(d), &x->n), fmt_pct(e, sizeof(e), x->hl_pct),
				    fmt_p(f, sizeof(f), x->tested ? x->t.p : NAN),
				    fmt_p(g, sizeof(g), x->q), fl_verdict_name(x->verdict));
				if (x->verdict == FL_EMULATED && emu_said)
					continue;
				if (x->verdict == FL_UNDECIDED || x->verdict == FL_MISSING ||
				    x->verdict == FL_ADDED || x->verdict == FL_EMULATED) {
					char why[300];

					snprintf(why, sizeof(why), "why: %s", x->reason);
					wrapped(out, vw + 2, why);
					emu_said |= x->verdict == FL_EMULATED;
				}
			}
		}
	}
	rstrip_lines(out, from);
}

/* A Markdown table cell: '|' escaped, no line breaks. */
static void md_cell(struct fl_sbuf *out, const char *s)
{
	fl_sb_puts(out, " ");
	for (; s && *s; s++) {
		if (*s == '|')
			fl_sb_puts(out, "\\|");
		else if (*s == '\\')
			fl_sb_puts(out, "\\\\");
		else if (*s == '\n' || *s == '\r')
			fl_sb_puts(out, " ");
		else
			fl_sb_putn(out, s, 1);
	}
	fl_sb_puts(out, " |");
}

void fl_cmp_markdown(const struct fl_dataset *ds, const struct fl_cmp *r,
		     const struct fl_cmp_opts *o, struct fl_sbuf *out)
{
	struct fl_sbuf h = {0}, lg = {0};
	char lab[256], a[32], b[32], c[32], d[32], e[32], f[32], g[32], ci[48], w[16];

	fl_sb_puts(out, "# folio-lab comparison\n\n");
	if (ds->nrefused) {
		/* first: whoever reads on must know the figures leave records out */
		fl_sb_printf(out,
			     "## Refused records\n\n**%zu record%s refused**: not in any figure "
			     "below; `compare` exits 2 whatever the verdict on the rest.\n\n",
			     ds->nrefused, ds->nrefused == 1 ? "" : "s");
		for (size_t i = 0; i < ds->nrefused; i++) {
			fl_sb_printf(out, "- `%s:%zu`: ", ds->refused[i].file, ds->refused[i].line);
			/* a reason quotes record text: no markup, code span or line break from it
			 */
			for (const char *p = ds->refused[i].why; *p; p++) {
				if (strchr("\\`<>*", *p))
					fl_sb_puts(out, "\\");
				fl_sb_putn(out, *p == '\n' || *p == '\r' ? " " : p, 1);
			}
			fl_sb_puts(out, "\n");
		}
		fl_sb_puts(out, "\n");
	}
	fl_sb_puts(out, "## Headline\n\n```\n");
	fl_cmp_headline(ds, r, o, &h);
	fl_sb_puts(out, h.s ? h.s : "");
	fl_sb_puts(out, "```\n\n");
	legend(ds, o, &lg);
	fl_sb_puts(out, lg.s);
	for (size_t k = 0; k < r->nnew; k++) {
		fl_sb_puts(out, "\n## ");
		fl_sb_puts(out, ds->series[r->cur[k]].name);
		fl_sb_puts(out, " against ");
		fl_sb_puts(out, ds->series[r->base].name);
		fl_sb_puts(out, "\n\n|");
		{
			const char *hd[] = {"workload",	 "variant", "mode",
					    "placement", "workers", ds->series[r->base].name,
					    "sd",	 "new",	    "sd",
					    "%change",	 "CI",	    "p",
					    "p-adj",	 "verdict", "why"};

			for (size_t i = 0; i < sizeof(hd) / sizeof(*hd); i++)
				md_cell(out, hd[i]);
		}
		fl_sb_puts(out,
			   "\n|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|\n");
		for (size_t i = 0; i < r->ncases; i++) {
			const struct fl_cmp_row *x = &r->rows[k * r->ncases + i];

			if (!x->present)
				continue;
			snprintf(w, sizeof(w), "%d", x->c.workers);
			fl_sb_puts(out, "|");
			md_cell(out, x->c.workload);
			md_cell(out, fl_case_label(ds, &x->c, lab, sizeof(lab)));
			md_cell(out, x->c.mode);
			md_cell(out, x->c.placement);
			md_cell(out, w);
			md_cell(out, fl_fmt_si(a, sizeof(a), x->b.n ? x->b.median : NAN));
			md_cell(out, fmt_sd(b, sizeof(b), &x->b));
			md_cell(out, fl_fmt_si(c, sizeof(c), x->n.n ? x->n.median : NAN));
			md_cell(out, fmt_sd(d, sizeof(d), &x->n));
			md_cell(out, fmt_pct(e, sizeof(e), x->hl_pct));
			md_cell(out, fmt_ci(ci, sizeof(ci), x));
			md_cell(out, fmt_p(f, sizeof(f), x->tested ? x->t.p : NAN));
			md_cell(out, fmt_p(g, sizeof(g), x->q));
			md_cell(out, fl_verdict_name(x->verdict));
			md_cell(out, x->reason);
			fl_sb_puts(out, "\n");
		}
	}
	fl_sb_free(&h);
	fl_sb_free(&lg);
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

static void csv_summary(struct fl_sbuf *out, const struct fl_summary *s, bool full)
{
	fl_sb_printf(out, ",%zu", s->n);
	csv_num(out, s->median);
	csv_num(out, s->n && full ? s->lo : NAN);
	csv_num(out, s->n && full ? s->hi : NAN);
	csv_num(out, s->n && full ? s->coverage : NAN);
	csv_num(out, full ? s->mean : NAN);
	csv_num(out, s->n && full ? s->sd_pct : NAN);
}

static void csv_key(struct fl_sbuf *out, const struct fl_dataset *ds, const struct fl_cmp *r,
		    const char *kind, const struct fl_case *c, const char *workers, size_t k)
{
	const char *f[] = {kind,    ds->metric,	  c->workload, c->variant,
			   c->mode, c->placement, c->params};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (i)
			fl_sb_puts(out, ",");
		fl_sb_csv(out, f[i]);
	}
	fl_sb_printf(out, ",%s,", workers);
	fl_sb_csv(out, ds->series[r->base].name);
	fl_sb_puts(out, ",");
	fl_sb_csv(out, ds->series[r->cur[k]].name);
}

void fl_cmp_csv(const struct fl_dataset *ds, const struct fl_cmp *r, const struct fl_cmp_opts *o,
		struct fl_sbuf *out)
{
	char w[16];

	fl_sb_puts(
	    out, "kind,metric,workload,variant,mode,placement,params,workers,baseline,new,"
		 "base_n,base_median,base_ci_lo,base_ci_hi,base_ci_coverage,base_mean,"
		 "base_sd_pct,new_n,new_median,new_ci_lo,new_ci_hi,new_ci_coverage,new_mean,"
		 "new_sd_pct,median_change_pct,change_pct,change_ci_lo_pct,change_ci_hi_pct,"
		 "change_ci_coverage,u,p,p_adjusted,correction,test,min_p,verdict,marker,reason\n");
	/* the headline first: one row per case and kernel, then one geomean row per line */
	for (size_t k = 0; k < r->nnew; k++)
		for (size_t i0 = 0, i1; i0 < r->ncases; i0 = i1) {
			double lg = 0;
			size_t ng = 0;
			bool geo = true;

			for (i1 = i0 + 1; i1 < r->ncases && same_line(r, i0, i1); i1++)
				;
			for (size_t i = i0; i < i1; i++) {
				const struct fl_cmp_row *x = &r->rows[k * r->ncases + i];

				if (!x->present)
					continue;
				snprintf(w, sizeof(w), "%d", x->c.workers);
				csv_key(out, ds, r, "headline", &x->c, w, k);
				csv_summary(out, &x->b, false);
				csv_summary(out, &x->n, false);
				csv_num(out, x->change_pct);
				csv_num(out, x->hl_pct);
				csv_num(out, x->hl_lo_pct);
				csv_num(out, x->hl_hi_pct);
				csv_num(out, x->hl_cov);
				fl_sb_printf(out, ",,,,,,,%s,%c,\n", fl_verdict_name(x->verdict),
					     fl_verdict_marker(x->verdict));
				if (x->b.n && x->n.n && x->b.median > 0 && x->n.median > 0) {
					lg += log(x->n.median / x->b.median);
					ng++;
				} else {
					geo = false;
				}
			}
			if (geo && ng > 1) {
				csv_key(out, ds, r, "geomean", &r->cases[i0], "", k);
				fl_sb_puts(out, ",,,,,,,,,,,,,,");
				csv_num(out, log_pct(lg / (double)ng));
				csv_num(out, log_pct(lg / (double)ng));
				fl_sb_puts(out, ",,,,,,,,,,,,\n");
			}
		}
	for (size_t k = 0; k < r->nnew; k++)
		for (size_t i = 0; i < r->ncases; i++) {
			const struct fl_cmp_row *x = &r->rows[k * r->ncases + i];

			if (!x->present)
				continue;
			snprintf(w, sizeof(w), "%d", x->c.workers);
			csv_key(out, ds, r, "row", &x->c, w, k);
			csv_summary(out, &x->b, true);
			csv_summary(out, &x->n, true);
			csv_num(out, x->change_pct);
			csv_num(out, x->hl_pct);
			csv_num(out, x->hl_lo_pct);
			csv_num(out, x->hl_hi_pct);
			csv_num(out, x->hl_cov);
			csv_num(out, x->tested ? x->t.u1 : NAN);
			csv_num(out, x->tested ? x->t.p : NAN);
			csv_num(out, x->q);
			fl_sb_printf(out, ",%s",
				     x->in_family ? fl_correction_name(o->correction) : "");
			fl_sb_printf(out, ",%s",
				     !x->tested	  ? ""
				     : x->t.exact ? "exact"
						  : "asymptotic");
			csv_num(out, x->tested ? x->t.min_p : NAN);
			fl_sb_printf(out, ",%s,%c,", fl_verdict_name(x->verdict),
				     fl_verdict_marker(x->verdict));
			fl_sb_csv(out, x->reason);
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
		     100 * s->coverage, fl_fmt_si(a, sizeof(a), s->lo),
		     fl_fmt_si(b, sizeof(b), s->hi), fl_fmt_si(c, sizeof(c), s->median));
	fl_sb_printf(out, "<td>%.1f%%</td>", s->sd_pct);
}

void fl_cmp_html(const struct fl_dataset *ds, const struct fl_cmp *r, const char *workload,
		 struct fl_sbuf *out)
{
	char c[64], f[64], g[64], ci[64], lab[256];

	for (size_t k = 0; k < r->nnew; k++) {
		bool open = false;

		for (size_t i = 0; i < r->ncases; i++) {
			const struct fl_cmp_row *x = &r->rows[k * r->ncases + i];
			static const char *const cls[FL_NVERDICT] = {
			    "same", "good", "bad", "undecided", "bad", "same", "undecided", "same"};

			if (!x->present || (workload && strcmp(x->c.workload, workload) != 0))
				continue;
			if (!open) {
				open = true;
				fl_sb_puts(out, "<table class=\"cmp\"><thead><tr>");
				if (!workload)
					fl_sb_puts(out, "<th>workload</th>");
				fl_sb_puts(out, "<th>variant</th><th>mode</th><th>placement</th>"
						"<th>workers</th><th>");
				fl_sb_html(out, ds->series[r->base].name);
				fl_sb_puts(out, " (median)</th><th>sd</th><th>");
				fl_sb_html(out, ds->series[x->cur].name);
				fl_sb_puts(out,
					   "</th><th>sd</th><th>%change</th><th>CI</th><th>p</th>"
					   "<th>p-adj</th><th>verdict</th><th>why</th>"
					   "</tr></thead><tbody>\n");
			}
			fl_sb_printf(out, "<tr class=\"%s\">", cls[x->verdict]);
			if (!workload) {
				fl_sb_puts(out, "<td>");
				fl_sb_html(out, x->c.workload);
				fl_sb_puts(out, "</td>");
			}
			fl_sb_puts(out, "<td>");
			fl_sb_html(out, fl_case_label(ds, &x->c, lab, sizeof(lab)));
			fl_sb_puts(out, "</td><td>");
			fl_sb_html(out, x->c.mode);
			fl_sb_puts(out, "</td><td>");
			fl_sb_html(out, x->c.placement);
			fl_sb_printf(out, "</td><td>%d</td>", x->c.workers);
			html_cell_summary(out, &x->b);
			html_cell_summary(out, &x->n);
			fl_sb_printf(out, "<td>%s</td><td>%s</td>",
				     fmt_pct(c, sizeof(c), x->hl_pct), fmt_ci(ci, sizeof(ci), x));
			fl_sb_printf(out,
				     "<td>%s</td><td>%s</td><td class=\"verdict\">%s</td>"
				     "<td class=\"why\">",
				     fmt_p(f, sizeof(f), x->tested ? x->t.p : NAN),
				     fmt_p(g, sizeof(g), x->q), fl_verdict_name(x->verdict));
			fl_sb_html(out, x->reason);
			fl_sb_puts(out, "</td></tr>\n");
		}
		if (open)
			fl_sb_puts(out, "</tbody></table>\n");
	}
}

void fl_cmp_summary(const struct fl_dataset *ds, const struct fl_cmp *r,
		    const struct fl_cmp_opts *o, struct fl_sbuf *out)
{
	size_t cnt[FL_NVERDICT];
	int rc = fl_cmp_exit(r, o);

	fl_cmp_count(r, cnt);
	fl_sb_printf(out,
		     "summary: %zu improved, %zu regressed, %zu no change, %zu cannot decide, "
		     "%zu missing,\n  %zu emulated, %zu reference, %zu added -> exit %d (%s)\n",
		     cnt[FL_IMPROVED], cnt[FL_REGRESSED], cnt[FL_NO_CHANGE], cnt[FL_UNDECIDED],
		     cnt[FL_MISSING], cnt[FL_EMULATED], cnt[FL_REFERENCE], cnt[FL_ADDED], rc,
		     rc == 0	 ? "no regression"
		     : rc == 1	 ? (cnt[FL_REGRESSED] ? "regression" : "a case is missing")
		     : rc == 125 ? "cannot decide"
				 : "error");
	for (size_t k = 0; k < r->nnew && k < 64; k++)
		fl_sb_printf(out, "  %s vs %s: %s over %zu tested rows at alpha %g\n",
			     ds->series[r->cur[k]].name, ds->series[r->base].name,
			     fl_correction_name(o->correction), r->family[k], o->alpha);
	if (cnt[FL_EMULATED])
		fl_sb_puts(out,
			   "emulated: records from a TCG guest (accel tcg). QEMU translates every\n"
			   "  instruction and serialises atomics, so timings there measure the "
			   "emulator,\n  not the kernel: no verdict (exit 125). A KVM guest or "
			   "native runs can be\n  judged; --allow-emulated judges these anyway.\n");
	if (cnt[FL_MISSING] && !o->allow_missing)
		fl_sb_puts(out, "missing: cases measured on the baseline but not on a new kernel "
				"fail the gate\n  (--allow-missing to pass them).\n");
	if (ds->nrefused)
		fl_sb_printf(out,
			     "refused: %zu record%s, in none of these figures: exit 2 whatever "
			     "the verdict\n  on the rest.\n",
			     ds->nrefused, ds->nrefused == 1 ? "" : "s");
}
