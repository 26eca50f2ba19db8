// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-compare plotdata: aggregate the records into the .dat files
 * and gnuplot settings (.gpi) that the plots/ scripts draw. Charts come only from
 * the records: throughput, speedup, per-worker fairness, contention per
 * operation and the fraction of the handoff ceiling.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "analysis-report.h"
#include "analysis-series.h"

/* Counters that measure contention (names used by bench/ and refscheme.h). */
static const char *const contention_counters[] = {
    "gets_failed", "get_fail",	   "cas_retries", "freezes_lost", "freeze_lost",
    "junk_left",   "guard_resets", "free_races",  NULL,
};

struct chart {
	struct fl_sbuf dat, titles, colors, points, dashes;
	int nseries;
};

/* Distinct, print-safe colours (no pale yellow); point types tell kernels apart. */
static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
				      "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};
static const int point_types[] = {7, 5, 9, 13, 11, 15, 4, 6};

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			*s = '_';
}

/* A gnuplot double-quoted string. */
static void gp_str(struct fl_sbuf *b, const char *s)
{
	fl_sb_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fl_sb_printf(b, "\\%c", *s);
		else if (*s == '\n')
			fl_sb_puts(b, "\\n");
		else
			fl_sb_printf(b, "%c", *s);
	}
	fl_sb_puts(b, "\"");
}

/* Records of one case in one series (from the dataset's index). */
static size_t case_recs(const struct fl_dataset *ds, const struct fl_case *c, int s,
			const struct fl_rec ***out)
{
	const size_t *ix;
	size_t n = fl_ds_case_recs(ds, c, s, &ix);
	const struct fl_rec **v = malloc((n + 1) * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = &ds->recs[ix[i]];
	*out = v;
	return n;
}

static size_t ops_values(const struct fl_rec **r, size_t n, double *v)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(r[i]->ops_per_sec))
			v[k++] = r[i]->ops_per_sec;
	return k;
}

static bool counter_per_op(const struct fl_rec *r, const char *name, double *out)
{
	char key[128];
	double c, ops;

	snprintf(key, sizeof(key), "counters.%s", name);
	if (!fl_rec_number(r, key, &c) || !fl_rec_number(r, "ops", &ops) || ops <= 0)
		return false;
	*out = c / ops;
	return true;
}

/* Median ceiling (ops/s) of a series from handoff's `ceiling` records; NAN without. */
static double series_ceiling(const struct fl_dataset *ds, int s)
{
	double *v = malloc((ds->nrecs + 1) * sizeof(*v)), m;
	size_t n = 0;

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct fl_rec *r = &ds->recs[i];

		if (r->series == s && !strcmp(r->workload, "handoff") &&
		    !strcmp(r->variant, "ceiling") && isfinite(r->ops_per_sec))
			v[n++] = r->ops_per_sec;
	}
	m = n ? fl_median(v, n) : NAN;
	free(v);
	return m;
}

static void caption(const struct fl_dataset *ds, struct fl_sbuf *cap)
{
	char cpu[256], pus[32], vm[64], rel[128];
	struct fl_sbuf k = {0};
	const char *accel = "none", *where = "native";

	for (size_t i = 0; i < ds->nrecs; i++)
		if (strcmp(ds->recs[i].where, "native")) {
			where = ds->recs[i].where;
			accel = ds->recs[i].accel;
		}
	cpu[0] = pus[0] = vm[0] = 0;
	for (size_t s = 0; s < ds->nseries; s++) {
		const struct fl_series *se = &ds->series[s];

		if (!cpu[0])
			fl_meta_str(ds, se->dir, se->kernel, "cpu_model", cpu, sizeof(cpu));
		if (!pus[0])
			fl_meta_str(ds, se->dir, se->kernel, "nr_pus", pus, sizeof(pus));
		if (!vm[0])
			fl_meta_str(ds, se->dir, se->kernel, "vm", vm, sizeof(vm));
		if (!fl_meta_str(ds, se->dir, se->kernel, "kernel_release", rel, sizeof(rel))) {
			for (size_t i = 0; i < ds->nrecs; i++)
				if (ds->recs[i].series == (int)s) {
					struct json_object *v;

					snprintf(rel, sizeof(rel), "%s",
						 json_object_object_get_ex(ds->recs[i].obj,
									   "kernel_release", &v)
						     ? json_object_get_string(v)
						     : "?");
					break;
				}
		}
		fl_sb_printf(&k, "%s%s (%s)", s ? ", " : "", se->name, rel);
	}
	fl_sb_printf(cap, "machine: %s, %s PUs, vm: %s, where: %s, accel: %s\nkernels: %s",
		     cpu[0] ? cpu : "unknown CPU", pus[0] ? pus : "?", vm[0] ? vm : "?", where,
		     accel, k.s ? k.s : "-");
	fl_sb_free(&k);
}

struct ctx {
	const struct fl_dataset *ds;
	const char *dir;
	struct fl_sbuf list, cap;
	char note[512];
	int count, xmin, xmax; /* worker counts of the chart group */
	struct fl_sbuf xtics;  /* "1, 2, 4, 8" */
	size_t cover;	       /* first case of the cover chart's group */
};

static int emit_chart(struct ctx *x, const char *kind, const char *name, const char *workload,
		      const char *title, const char *ylabel, struct chart *ch, const char *extra)
{
	char path[4096];
	struct fl_sbuf g = {0};
	int rc;

	if (ch->nseries == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/plots-data/%s.dat", x->dir, name);
	if (fl_write_file(path, ch->dat.s, ch->dat.len))
		return -1;
	fl_sb_puts(&g, "# written by folio-lab-compare plotdata; loaded by plots/");
	fl_sb_printf(&g, "%s.gp\nchart_title = ", kind);
	gp_str(&g, title);
	fl_sb_puts(&g, "\nchart_caption = ");
	gp_str(&g, x->cap.s);
	fl_sb_puts(&g, "\nchart_note = ");
	gp_str(&g, x->note);
	fl_sb_puts(&g, "\nylabel_text = ");
	gp_str(&g, ylabel);
	fl_sb_puts(&g, "\ndatafile = ");
	gp_str(&g, path);
	snprintf(path, sizeof(path), "%s/charts/%s", x->dir, name);
	fl_sb_puts(&g, "\noutbase = ");
	gp_str(&g, path);
	fl_sb_printf(&g, "\nxmin = %d\nxmax = %d\nxtics_cmd = \"set xtics (%s)\"", x->xmin, x->xmax,
		     x->xtics.s ? x->xtics.s : "1");
	fl_sb_printf(&g,
		     "\nnseries = %d\narray titles[%d] = [%s]\narray lcol[%d] = [%s]\n"
		     "array lpt[%d] = [%s]\narray ldt[%d] = [%s]\n%s",
		     ch->nseries, ch->nseries, ch->titles.s, ch->nseries, ch->colors.s, ch->nseries,
		     ch->points.s, ch->nseries, ch->dashes.s, extra ? extra : "");
	snprintf(path, sizeof(path), "%s/plots-data/%s.gpi", x->dir, name);
	rc = fl_write_file(path, g.s, g.len);
	fl_sb_free(&g);
	if (rc)
		return -1;
	fl_sb_printf(&x->list, "%s %s %s\n", kind, name, workload);
	x->count++;
	return 0;
}

/* One line: colour by variant when a chart has several, else by kernel label. */
static void add_title(struct chart *ch, const char *t, int series, int variant, bool by_variant)
{
	int c = by_variant ? variant : series, p = by_variant ? series : 0;

	if (ch->nseries) {
		fl_sb_puts(&ch->titles, ", ");
		fl_sb_puts(&ch->colors, ", ");
		fl_sb_puts(&ch->points, ", ");
		fl_sb_puts(&ch->dashes, ", ");
	}
	/* dash type by kernel: lines stay apart in grey print and for colour-blind readers */
	fl_sb_printf(&ch->dashes, "%d", series % 5 + 1);
	gp_str(&ch->titles, t);
	fl_sb_printf(&ch->colors, "\"%s\"", palette[c % (int)(sizeof(palette) / sizeof(*palette))]);
	fl_sb_printf(&ch->points, "%d",
		     point_types[p % (int)(sizeof(point_types) / sizeof(*point_types))]);
	ch->nseries++;
}

static void end_block(struct chart *ch)
{
	fl_sb_puts(&ch->dat, "\n\n");
}

#define NCONT (sizeof(contention_counters) / sizeof(*contention_counters) - 1)

struct point {
	int w;
	struct fl_summary su;		  /* ops/s over the repetitions */
	bool fair;			  /* per-worker spread known */
	double fair_md, fair_mn, fair_mx; /* Mops/s, medians over the repetitions */
	bool has_cont[NCONT];
	double cont[NCONT][3]; /* median, min, max per operation */
};

struct line {
	int s, vi;		 /* series, index of the variant in the chart group */
	const struct fl_case *c; /* first case of the line (its variant) */
	char label[300];
	struct point *p;
	size_t np;
};

/* Per-worker min/median/max of each measurement, medians over the measurements. */
static bool fairness(const struct fl_rec **r, size_t n, struct point *pt)
{
	double *mn = calloc(n + 1, sizeof(double)), *md = calloc(n + 1, sizeof(double));
	double *mx = calloc(n + 1, sizeof(double));
	size_t m = 0;

	for (size_t q = 0; q < n; q++) {
		struct json_object *pw;
		size_t np;
		double *rates;

		if (!json_object_object_get_ex(r[q]->obj, "per_worker_ops", &pw) ||
		    !json_object_is_type(pw, json_type_array) || !(r[q]->duration_s > 0))
			continue;
		np = json_object_array_length(pw);
		if (np < 2)
			continue;
		rates = malloc(np * sizeof(*rates));
		for (size_t e = 0; e < np; e++)
			rates[e] = json_object_get_double(json_object_array_get_idx(pw, e)) /
				   r[q]->duration_s / 1e6;
		fl_sort(rates, np);
		mn[m] = rates[0];
		mx[m] = rates[np - 1];
		md[m] = fl_median(rates, np);
		m++;
		free(rates);
	}
	if (m) {
		pt->fair_md = fl_median(md, m);
		pt->fair_mn = fl_median(mn, m);
		pt->fair_mx = fl_median(mx, m);
	}
	free(mn);
	free(md);
	free(mx);
	return m > 0;
}

static void build_point(const struct fl_dataset *ds, const struct fl_case *c, int s,
			struct point *pt, bool *ok)
{
	const struct fl_rec **r;
	size_t n = case_recs(ds, c, s, &r), k;
	double *v = malloc((n + 1) * sizeof(*v));

	memset(pt, 0, sizeof(*pt));
	pt->w = c->workers;
	k = ops_values(r, n, v);
	*ok = k > 0;
	if (k) {
		fl_summarize(v, k, 0.95, &pt->su);
		pt->fair = c->workers > 1 && fairness(r, n, pt);
		for (size_t ci = 0; ci < NCONT; ci++) {
			size_t m = 0;

			for (size_t q = 0; q < n; q++)
				if (counter_per_op(r[q], contention_counters[ci], &v[m]))
					m++;
			if (m) {
				fl_sort(v, m);
				pt->has_cont[ci] = true;
				pt->cont[ci][0] = fl_median(v, m);
				pt->cont[ci][1] = v[0];
				pt->cont[ci][2] = v[m - 1];
			}
		}
	}
	free(v);
	free(r);
}

static bool same_group(const struct fl_case *a, const struct fl_case *g)
{
	struct fl_case x = *a, y = *g;

	x.variant = y.variant = "";
	return fl_case_same_line(&x, &y);
}

static void free_chart(struct chart *ch)
{
	fl_sb_free(&ch->dat);
	fl_sb_free(&ch->titles);
	fl_sb_free(&ch->colors);
	fl_sb_free(&ch->points);
	fl_sb_free(&ch->dashes);
}

/* One chart group: workload x mode x placement x params; lines: series x variant. */
static int group_charts(struct ctx *x, const struct fl_case *cases, size_t nc, size_t g0, int base)
{
	const struct fl_dataset *ds = x->ds;
	const struct fl_case *g = &cases[g0];
	struct line *lines = NULL;
	size_t nl = 0;
	int rc = 0, maxw = 0, minw = 1 << 30, nvar = 0;
	bool byv;
	double ymax = 0;
	char stem[400], name[600], title[600], sub[300], lab[256];

	for (size_t i = g0; i < nc; i++)
		if (same_group(&cases[i], g)) {
			maxw = cases[i].workers > maxw ? cases[i].workers : maxw;
			minw = cases[i].workers < minw ? cases[i].workers : minw;
		}
	/* A chart against workers needs two worker counts; handoff is the reference. */
	if (maxw == minw || !strcmp(g->workload, "handoff"))
		return 0;
	x->xmax = maxw;
	x->xmin = minw;
	x->xtics.len = 0;
	fl_sb_puts(&x->xtics, "");
	for (size_t i = g0, first = 1; i < nc; i++)
		if (same_group(&cases[i], g) &&
		    (i == g0 || cases[i].workers != cases[i - 1].workers)) {
			bool seen = false;

			for (size_t k = g0; k < i; k++)
				seen |= same_group(&cases[k], g) &&
					cases[k].workers == cases[i].workers;
			if (!seen) {
				fl_sb_printf(&x->xtics, "%s%d", first ? "" : ", ",
					     cases[i].workers);
				first = 0;
			}
		}

	for (size_t s = 0; s < ds->nseries; s++) {
		for (size_t i = g0; i < nc; i++) {
			struct line l = {.s = (int)s, .c = &cases[i]};

			if (!same_group(&cases[i], g) ||
			    (i > g0 && fl_case_same_line(&cases[i - 1], &cases[i])))
				continue;
			for (size_t k = g0; k < i; k++)
				if (same_group(&cases[k], g) &&
				    (k == g0 || !fl_case_same_line(&cases[k - 1], &cases[k])))
					l.vi++;
			nvar = l.vi + 1 > nvar ? l.vi + 1 : nvar;
			for (size_t j = i; j < nc && fl_case_same_line(&cases[j], &cases[i]); j++) {
				bool ok;

				l.p = realloc(l.p, (l.np + 1) * sizeof(*l.p));
				build_point(ds, &cases[j], (int)s, &l.p[l.np], &ok);
				if (ok)
					l.np++;
			}
			if (!l.np) {
				free(l.p);
				continue;
			}
			snprintf(l.label, sizeof(l.label), "%s %s", ds->series[s].name,
				 fl_case_label(ds, &cases[i], lab, sizeof(lab)));
			lines = realloc(lines, (nl + 1) * sizeof(*lines));
			lines[nl++] = l;
		}
	}

	byv = nvar > 1;
	{
		/* parameters name the chart only when the workload ran with several sets */
		bool pv = fl_params_vary(ds, g->workload);

		snprintf(sub, sizeof(sub), "%s, %s%s%s", g->mode, g->placement, pv ? ", " : "",
			 pv ? g->params : "");
		snprintf(stem, sizeof(stem), "%s-%s-%s%s%s", g->workload, g->mode, g->placement,
			 pv ? "-" : "", pv ? g->params : "");
	}
	sanitize(stem);

	{ /* throughput with the CI band and linear scaling from the 1-worker point */
		struct chart ch = {0};

		for (size_t l = 0; l < nl; l++) {
			double one = NAN;

			for (size_t k = 0; k < lines[l].np; k++)
				if (lines[l].p[k].w == 1)
					one = lines[l].p[k].su.median;
			for (size_t k = 0; k < lines[l].np; k++) {
				const struct point *p = &lines[l].p[k];

				ymax = fmax(ymax, p->su.hi / 1e6);
				fl_sb_printf(&ch.dat, "%d %.6g %.6g %.6g %.6g %.6g ", p->w,
					     p->su.median / 1e6, p->su.lo / 1e6, p->su.hi / 1e6,
					     p->su.min / 1e6, p->su.max / 1e6);
				if (isfinite(one))
					fl_sb_printf(&ch.dat, "%.6g\n", one * p->w / 1e6);
				else
					fl_sb_puts(&ch.dat, "?\n");
			}
			add_title(&ch, lines[l].label, lines[l].s, lines[l].vi, byv);
			end_block(&ch);
		}
		snprintf(name, sizeof(name), "throughput-%s", stem);
		snprintf(title, sizeof(title), "%s: throughput against workers (%s)", g->workload,
			 sub);
		/* the linear references leave the top: the measured lines keep the room */
		snprintf(lab, sizeof(lab), "ymax = %.6g\n", ymax * 1.15);
		rc |= emit_chart(x, "throughput", name, g->workload, title, "throughput (Mops/s)",
				 &ch, lab);
		free_chart(&ch);
	}

	if (g0 == x->cover) { /* the cover letter's chart: every kernel, the first variant */
		struct chart ch = {0};
		double one = NAN, cy = 0;

		for (size_t l = 0; l < nl; l++)
			if (lines[l].s == base && lines[l].vi == 0)
				for (size_t k = 0; k < lines[l].np; k++)
					if (lines[l].p[k].w == x->xmin)
						one = lines[l].p[k].su.median / x->xmin;
		for (size_t l = 0; l < nl; l++) {
			if (lines[l].vi != 0)
				continue;
			for (size_t k = 0; k < lines[l].np; k++) {
				const struct point *p = &lines[l].p[k];

				cy = fmax(cy, p->su.hi / 1e6);
				fl_sb_printf(&ch.dat, "%d %.6g %.6g %.6g\n", p->w,
					     p->su.median / 1e6, p->su.lo / 1e6, p->su.hi / 1e6);
			}
			snprintf(lab, sizeof(lab), "%s", ds->series[lines[l].s].name);
			add_title(&ch, lab, lines[l].s, 0, false);
			end_block(&ch);
		}
		snprintf(name, sizeof(name), "cover-%s", stem);
		snprintf(title, sizeof(title), "%s %s: throughput against workers (%s)",
			 g->workload, g->variant, sub);
		snprintf(lab, sizeof(lab),
			 "ymax = %.6g\nlinear = %.6g\nlinear_title = \"linear from %s\"\n",
			 cy * 1.15, isfinite(one) ? one / 1e6 : 0, ds->series[base].name);
		rc |= emit_chart(x, "cover", name, g->workload, title, "throughput (Mops/s)", &ch,
				 lab);
		free_chart(&ch);
	}

	if (ds->nseries > 1) { /* speedup of each label over the baseline, same variant */
		struct chart ch = {0};

		for (size_t l = 0; l < nl; l++) {
			const struct line *b = NULL;

			if (lines[l].s == base)
				continue;
			for (size_t m = 0; m < nl; m++)
				if (lines[m].s == base && fl_case_same_line(lines[m].c, lines[l].c))
					b = &lines[m];
			if (!b)
				continue;
			for (size_t k = 0; k < lines[l].np; k++)
				for (size_t m = 0; m < b->np; m++) {
					const struct point *p = &lines[l].p[k], *q = &b->p[m];

					/* band: the ratio of the CI ends, a conservative range */
					if (p->w == q->w && q->su.median > 0 && q->su.lo > 0)
						fl_sb_printf(&ch.dat, "%d %.6g %.6g %.6g\n", p->w,
							     p->su.median / q->su.median,
							     p->su.lo / q->su.hi,
							     p->su.hi / q->su.lo);
				}
			snprintf(lab, sizeof(lab), "%s / %s", lines[l].label,
				 ds->series[base].name);
			add_title(&ch, lab, lines[l].s, lines[l].vi, byv);
			end_block(&ch);
		}
		snprintf(name, sizeof(name), "speedup-%s", stem);
		snprintf(title, sizeof(title), "%s: speedup over %s (%s)", g->workload,
			 ds->series[base].name, sub);
		if (ch.dat.len > (size_t)ch.nseries * 2)
			rc |= emit_chart(x, "speedup", name, g->workload, title,
					 "median / baseline median (x)", &ch, NULL);
		free_chart(&ch);
	}

	{ /* per-worker fairness */
		struct chart ch = {0};
		bool any = false;

		for (size_t l = 0; l < nl; l++) {
			/* spread lines sideways a little so error bars do not hide each other */
			double off = 1 + 0.02 * ((double)l - (double)(nl - 1) / 2);

			for (size_t k = 0; k < lines[l].np; k++) {
				const struct point *p = &lines[l].p[k];

				if (!p->fair)
					continue;
				any = true;
				fl_sb_printf(&ch.dat, "%.4g %.6g %.6g %.6g %d\n", p->w * off,
					     p->fair_md, p->fair_mn, p->fair_mx, p->w);
			}
			add_title(&ch, lines[l].label, lines[l].s, lines[l].vi, byv);
			end_block(&ch);
		}
		snprintf(name, sizeof(name), "fairness-%s", stem);
		snprintf(title, sizeof(title),
			 "%s: per-worker throughput, median with min..max (%s)", g->workload, sub);
		if (any)
			rc |= emit_chart(x, "fairness", name, g->workload, title,
					 "per-worker throughput (Mops/s)", &ch, NULL);
		free_chart(&ch);
	}

	{ /* fraction of the single-line ceiling measured on the same kernel */
		struct chart ch = {0};

		for (size_t l = 0; l < nl; l++) {
			double c = series_ceiling(ds, lines[l].s);

			if (!(c > 0))
				continue;
			for (size_t k = 0; k < lines[l].np; k++) {
				const struct point *p = &lines[l].p[k];

				/* one worker hands no line over: the ceiling does not apply */
				if (p->w < 2)
					continue;
				fl_sb_printf(&ch.dat, "%d %.6g %.6g %.6g\n", p->w,
					     100 * p->su.median / c, 100 * p->su.lo / c,
					     100 * p->su.hi / c);
			}
			snprintf(lab, sizeof(lab), "%s (ceiling %.3g Mops/s)", lines[l].label,
				 c / 1e6);
			add_title(&ch, lab, lines[l].s, lines[l].vi, byv);
			end_block(&ch);
		}
		snprintf(name, sizeof(name), "ceiling-%s", stem);
		snprintf(title, sizeof(title), "%s: fraction of the single-line ceiling (%s)",
			 g->workload, sub);
		rc |= emit_chart(x, "ceiling", name, g->workload, title,
				 "median throughput / handoff ceiling (%)", &ch, NULL);
		free_chart(&ch);
	}

	for (size_t ci = 0; ci < NCONT; ci++) { /* contention per operation */
		struct chart ch = {0};
		bool nonzero = false;
		char yl[200];

		for (size_t l = 0; l < nl; l++) {
			bool has = false;

			for (size_t k = 0; k < lines[l].np; k++) {
				const struct point *p = &lines[l].p[k];

				if (!p->has_cont[ci])
					continue;
				has = true;
				nonzero |= p->cont[ci][2] > 0;
				fl_sb_printf(&ch.dat, "%d %.6g %.6g %.6g\n", p->w, p->cont[ci][0],
					     p->cont[ci][1], p->cont[ci][2]);
			}
			if (!has)
				continue;
			add_title(&ch, lines[l].label, lines[l].s, lines[l].vi, byv);
			end_block(&ch);
		}
		snprintf(name, sizeof(name), "contention-%s-%s", contention_counters[ci], stem);
		snprintf(title, sizeof(title), "%s: %s per operation (%s)", g->workload,
			 contention_counters[ci], sub);
		snprintf(yl, sizeof(yl), "%s per operation", contention_counters[ci]);
		/* a counter that never counted says nothing: no chart */
		if (nonzero)
			rc |= emit_chart(x, "contention", name, g->workload, title, yl, &ch, NULL);
		free_chart(&ch);
	}

	for (size_t l = 0; l < nl; l++)
		free(lines[l].p);
	free(lines);
	return rc ? -1 : 0;
}

/*
 * The series' scaling chart (plots/scaling.gp): pread's throughput against
 * workers, one chart per placement, a line per kernel and mode (colour:
 * kernel, dash: mode), the measured counts that hit a topology boundary
 * marked (fl_boundary, as the series' table labels them).
 */
static int scaling_charts(struct ctx *x, const struct fl_case *cases, size_t nc, int base)
{
	const struct fl_dataset *ds = x->ds;
	static const char *const modes[] = {"threads", "processes"};
	struct fl_platform pf;
	int rc = 0;

	if (ds->nseries < 2)
		return 0;
	fl_platform_of(ds, base, &pf);
	for (size_t i0 = 0; i0 < nc; i0++) {
		const char *pl = cases[i0].placement;
		struct chart ch = {0};
		struct fl_sbuf bx = {0}, bl = {0}, extra = {0};
		char name[300], title[400], lab[300];
		int nb = 0, minw = 1 << 30, maxw = 0, nw = 0;
		double ymax = 0;
		bool seen = false;

		if (strcmp(cases[i0].workload, "pread"))
			continue;
		for (size_t j = 0; j < i0 && !seen; j++)
			seen =
			    !strcmp(cases[j].workload, "pread") && !strcmp(cases[j].placement, pl);
		if (seen)
			continue;
		x->xtics.len = 0;
		fl_sb_puts(&x->xtics, "");
		/* worker counts of this placement, ascending, once each */
		for (int w = 1, next; w <= 1 << 20; w = next) {
			next = 1 << 30;
			for (size_t j = 0; j < nc; j++)
				if (!strcmp(cases[j].workload, "pread") &&
				    !strcmp(cases[j].placement, pl) && cases[j].workers >= w &&
				    cases[j].workers < next)
					next = cases[j].workers;
			if (next == 1 << 30)
				break;
			fl_sb_printf(&x->xtics, "%s%d", nw++ ? ", " : "", next);
			minw = next < minw ? next : minw;
			maxw = next;
			fl_boundary(&pf, pl, next, lab, sizeof(lab));
			if (lab[0]) {
				fl_sb_printf(&bx, "%s%d", nb ? ", " : "", next);
				fl_sb_puts(&bl, nb ? ", " : "");
				gp_str(&bl, lab);
				nb++;
			}
			next++;
		}
		if (nw < 2) {
			fl_sb_free(&bx);
			fl_sb_free(&bl);
			continue;
		}
		x->xmin = minw;
		x->xmax = maxw;
		for (size_t s = 0; s < ds->nseries; s++)
			for (size_t m = 0; m < 2; m++) {
				size_t np = 0;

				for (size_t j = 0; j < nc; j++) {
					struct point pt;
					bool ok;

					if (strcmp(cases[j].workload, "pread") ||
					    strcmp(cases[j].placement, pl) ||
					    strcmp(cases[j].mode, modes[m]))
						continue;
					build_point(ds, &cases[j], (int)s, &pt, &ok);
					if (!ok)
						continue;
					ymax = fmax(ymax, pt.su.hi / 1e6);
					fl_sb_printf(&ch.dat, "%d %.6g %.6g %.6g\n", pt.w,
						     pt.su.median / 1e6, pt.su.lo / 1e6,
						     pt.su.hi / 1e6);
					np++;
				}
				if (!np)
					continue;
				snprintf(lab, sizeof(lab), "%s, %s", ds->series[s].name, modes[m]);
				if (ch.nseries) {
					fl_sb_puts(&ch.titles, ", ");
					fl_sb_puts(&ch.colors, ", ");
					fl_sb_puts(&ch.points, ", ");
					fl_sb_puts(&ch.dashes, ", ");
				}
				gp_str(&ch.titles, lab);
				fl_sb_printf(&ch.colors, "\"%s\"",
					     palette[s % (sizeof(palette) / sizeof(*palette))]);
				fl_sb_printf(&ch.points, "%d", point_types[m]);
				fl_sb_printf(&ch.dashes, "%d", m ? 2 : 1);
				ch.nseries++;
				end_block(&ch);
			}
		fl_sb_printf(
		    &extra, "ymax = %.6g\nnb = %d\narray bx[%d] = [%s]\narray blab[%d] = [%s]\n",
		    ymax * 1.25, nb, nb ? nb : 1, nb ? bx.s : "0", nb ? nb : 1, nb ? bl.s : "\"\"");
		snprintf(name, sizeof(name), "scaling-pread-%s", pl);
		sanitize(name);
		snprintf(title, sizeof(title),
			 "pread: the series' scaling, %s vs the other kernels (%s placement)",
			 ds->series[base].name, pl);
		rc |= emit_chart(x, "scaling", name, "pread", title, "throughput (Mops/s)", &ch,
				 extra.s);
		free_chart(&ch);
		fl_sb_free(&bx);
		fl_sb_free(&bl);
		fl_sb_free(&extra);
	}
	return rc;
}

int fl_plotdata(const struct fl_dataset *ds, int base, const char *dir, const struct fl_cmp_opts *o)
{
	struct ctx x = {.ds = ds, .dir = dir};
	struct fl_case *cases;
	size_t nc = fl_ds_cases(ds, &cases);
	char path[4096], why[256];
	int rc = 0;

	(void)o;
	snprintf(path, sizeof(path), "%s/plots-data", dir);
	if (mkdir(path, 0777) && errno != EEXIST) {
		fprintf(stderr, "folio-lab-compare: cannot create %s: %s\n", path, strerror(errno));
		free(cases);
		return -1;
	}
	caption(ds, &x.cap);
	if (fl_ds_not_scalability(ds, why, sizeof(why)))
		snprintf(x.note, sizeof(x.note),
			 "2-core VM / emulated guest: not a scalability result (%s)", why);
	fl_sb_puts(&x.list, "");
	/* the cover chart: the series' benchmark (pread, threads) when it is there */
	x.cover = (size_t)-1;
	for (int pass = 0; pass < 2 && x.cover == (size_t)-1; pass++)
		for (size_t i = 0; i < nc && x.cover == (size_t)-1; i++) {
			bool several = false;

			if (!strcmp(cases[i].workload, "handoff") ||
			    (pass == 0 && (strcmp(cases[i].workload, "pread") ||
					   strcmp(cases[i].mode, "threads"))))
				continue;
			for (size_t j = 0; j < nc; j++)
				several |= same_group(&cases[j], &cases[i]) &&
					   cases[j].workers != cases[i].workers;
			if (several) {
				size_t g = i;

				for (size_t j = 0; j < i; j++)
					if (same_group(&cases[j], &cases[i])) {
						g = j;
						break;
					}
				x.cover = g;
			}
		}
	for (size_t i = 0; i < nc && !rc; i++) {
		bool first = true;

		for (size_t j = 0; j < i && first; j++)
			first = !same_group(&cases[j], &cases[i]);
		if (first)
			rc = group_charts(&x, cases, nc, i, base);
	}
	if (!rc)
		rc = scaling_charts(&x, cases, nc, base);
	snprintf(path, sizeof(path), "%s/plots-data/charts.list", dir);
	if (!rc)
		rc = fl_write_file(path, x.list.s, x.list.len);
	if (!rc)
		printf("%s: %d charts\n", path, x.count);
	fl_sb_free(&x.list);
	fl_sb_free(&x.cap);
	fl_sb_free(&x.xtics);
	free(cases);
	return rc ? -1 : x.count;
}
