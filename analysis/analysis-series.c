// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-compare series: the cover letter's table of the series'
 * benchmark (analysis-series.h). Every figure comes from fl_compare: the
 * medians of the repetitions and the Hodges-Lehmann change with its
 * distribution-free interval; nothing here computes a statistic of its own.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "analysis-series.h"
#include "folio-lab/boundaries.h"

static int meta_int(const struct fl_dataset *ds, const struct fl_series *se, const char *key)
{
	char b[64];
	const char *v = fl_meta_str(ds, se->dir, se->kernel, key, b, sizeof(b));

	return v ? atoi(v) : 0;
}

/* "2 packages, 4 NUMA nodes, 32 cores, 64 PUs" (harness/topo.c fl_topo_summary). */
static void parse_topology(const char *s, struct fl_platform *p, int *per_core)
{
	while (*s) {
		char *end;
		long n = strtol(s, &end, 10);
		size_t len;

		if (end == s)
			break;
		while (*end == ' ')
			end++;
		len = strcspn(end, ",");
		if (!strncmp(end, "package", 7) || !strncmp(end, "socket", 6))
			p->pkgs = (int)n;
		else if (!strncmp(end, "NUMA node", 9))
			p->nodes = (int)n;
		else if (!strncmp(end, "PU per core", 11) || !strncmp(end, "PUs per core", 12))
			*per_core = (int)n;
		else if (!strncmp(end, "core", 4))
			p->cores = (int)n;
		else if (!strncmp(end, "PU", 2))
			p->pus = (int)n;
		s = end + len;
		while (*s == ',' || *s == ' ')
			s++;
	}
}

void fl_platform_of(const struct fl_dataset *ds, int series, struct fl_platform *p)
{
	const struct fl_series *se = &ds->series[series];
	char b[256];
	int per_core = 0;

	memset(p, 0, sizeof(*p));
	p->known = fl_meta_str(ds, se->dir, se->kernel, "created", b, sizeof(b)) ||
		   fl_meta_str(ds, se->dir, se->kernel, "cpu_model", b, sizeof(b));
	if (!fl_meta_str(ds, se->dir, se->kernel, "cpu_model", p->cpu, sizeof(p->cpu)) ||
	    !strcmp(p->cpu, "null"))
		snprintf(p->cpu, sizeof(p->cpu), "unknown CPU");
	if (!fl_meta_str(ds, se->dir, se->kernel, "smt", p->smt, sizeof(p->smt)) ||
	    !strcmp(p->smt, "null"))
		p->smt[0] = 0;
	if (!fl_meta_str(ds, se->dir, se->kernel, "vm", p->vm, sizeof(p->vm)))
		p->vm[0] = 0;
	if (!fl_meta_str(ds, se->dir, se->kernel, "governor", p->governor, sizeof(p->governor)) ||
	    !strcmp(p->governor, "null"))
		p->governor[0] = 0;
	if (fl_meta_str(ds, se->dir, se->kernel, "topology", p->topology, sizeof(p->topology)))
		parse_topology(p->topology, p, &per_core);
	else
		p->topology[0] = 0;
	if (!p->nodes)
		p->nodes = meta_int(ds, se, "numa_nodes");
	if (!p->pus)
		p->pus = meta_int(ds, se, "nr_pus");
	if (!p->pus && p->cores && per_core)
		p->pus = p->cores * per_core;
	if (!p->cores && p->pus && per_core)
		p->cores = p->pus / per_core;
}

static struct fl_bnd_counts counts_of(const struct fl_platform *p)
{
	return (struct fl_bnd_counts){p->pkgs, p->nodes, p->cores, p->pus};
}

static int per_core(const struct fl_platform *p)
{
	struct fl_bnd_counts c = counts_of(p);

	return fl_bnd_per_core(&c);
}

static void count(struct fl_sbuf *out, int n, const char *one, const char *many)
{
	if (n > 0)
		fl_sb_printf(out, "%d %s", n, n == 1 ? one : many);
	else
		fl_sb_printf(out, "? %s", many);
}

void fl_platform_line(const struct fl_platform *p, struct fl_sbuf *out)
{
	const char *smt = p->smt;
	int tpc = per_core(p);

	if (!p->known) {
		fl_sb_puts(out, "unknown (no meta.json entry for the baseline)");
		return;
	}
	fl_sb_printf(out, "%s; ", p->cpu);
	count(out, p->pkgs, "socket", "sockets");
	fl_sb_puts(out, ", ");
	count(out, p->nodes, "NUMA node", "NUMA nodes");
	fl_sb_puts(out, ", ");
	count(out, p->cores, "core", "cores");
	fl_sb_puts(out, ", ");
	count(out, p->pus, "PU", "PUs");
	if (!*smt || !strcmp(smt, "false"))
		smt = tpc > 1 ? "on" : "off";
	else if (!strcmp(smt, "notsupported")) /* sysfs smt/control's word */
		smt = "not supported";
	else if (!strcmp(smt, "notimplemented"))
		smt = "not implemented";
	fl_sb_printf(out, " (SMT %s, %d PU%s per core)", smt, tpc, tpc == 1 ? "" : "s");
	if (p->governor[0] && strcmp(p->governor, "unknown"))
		fl_sb_printf(out, ", governor %s", p->governor);
}

/* The rule is include/folio-lab/boundaries.h's, the harness's --workers boundaries. */
const char *fl_boundary(const struct fl_platform *p, const char *placement, int w, char *buf,
			size_t size)
{
	struct fl_bnd_counts c = counts_of(p);

	buf[0] = 0;
	if (w <= 0)
		return buf;
	return fl_bnd_label(&c, placement, fl_bnd_placement_pus(&c, placement), w, buf, size);
}

/* Distinct NUMA nodes of the workers of the case's first record in series s (0: unknown). */
static int nodes_used(const struct fl_dataset *ds, const struct fl_case *c, int s)
{
	const size_t *ix;
	size_t n = fl_ds_case_recs(ds, c, s, &ix);
	struct json_object *a;
	int seen[1024], ns = 0;

	if (!n || !ds->recs[ix[0]].obj ||
	    !json_object_object_get_ex(ds->recs[ix[0]].obj, "nodes", &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a) && ns < 1024; i++) {
		int v = json_object_get_int(json_object_array_get_idx(a, i)), j;

		for (j = 0; j < ns && seen[j] != v; j++)
			;
		if (j == ns)
			seen[ns++] = v;
	}
	return ns;
}

static const char *pct(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%+.1f%%", v);
	return buf;
}

struct cell {
	const char *text;
	bool num; /* right-aligned in markdown */
};

struct out {
	struct fl_sbuf *b;
	bool html;
	size_t ncols;
};

static void row(struct out *o, const struct cell *c, size_t n, bool head)
{
	if (o->html) {
		fl_sb_puts(o->b, "<tr>");
		for (size_t i = 0; i < n; i++) {
			fl_sb_puts(o->b, head ? "<th>" : "<td>");
			fl_sb_html(o->b, c[i].text);
			fl_sb_puts(o->b, head ? "</th>" : "</td>");
		}
		fl_sb_puts(o->b, "</tr>\n");
		return;
	}
	fl_sb_puts(o->b, "|");
	for (size_t i = 0; i < n; i++)
		fl_sb_printf(o->b, " %s |", c[i].text);
	fl_sb_puts(o->b, "\n");
	if (head) {
		fl_sb_puts(o->b, "|");
		for (size_t i = 0; i < n; i++)
			fl_sb_puts(o->b, c[i].num ? "---:|" : "---|");
		fl_sb_puts(o->b, "\n");
	}
}

static void para(struct out *o, const char *cls, const char *label, const char *text)
{
	if (o->html) {
		fl_sb_printf(o->b, "<p class=\"%s\">", cls);
		if (label) {
			fl_sb_puts(o->b, "<b>");
			fl_sb_html(o->b, label);
			fl_sb_puts(o->b, "</b> ");
		}
		fl_sb_html(o->b, text);
		fl_sb_puts(o->b, "</p>\n");
	} else {
		fl_sb_printf(o->b, "%s%s%s\n\n", label ? label : "", label ? " " : "", text);
	}
}

static const char *const mode_order[] = {"threads", "processes", NULL};

/* Pass 0, 1: that mode; pass 2: every other mode. */
static bool in_pass(const char *mode, int pass)
{
	if (pass < 2)
		return !strcmp(mode, mode_order[pass]);
	for (int i = 0; mode_order[i]; i++)
		if (!strcmp(mode, mode_order[i]))
			return false;
	return true;
}

int fl_series_table(const struct fl_dataset *ds, int base, const struct fl_cmp_opts *o,
		    const char *format, struct fl_sbuf *b)
{
	struct out out = {.b = b, .html = format && !strcmp(format, "html")};
	struct fl_platform pf;
	struct fl_cmp r;
	struct fl_sbuf t = {0}, w = {0};
	const struct fl_series *bs = &ds->series[base];
	char why[256], env[64] = "?";
	size_t nmin = (size_t)-1, nmax = 0, ncells;
	bool params = false;
	struct cell *cells;
	char(*txt)[96];

	if (ds->nseries < 2) {
		fprintf(stderr,
			"folio-lab-compare series: only one kernel label (%s): nothing to compare "
			"against\n",
			ds->series[0].name);
		return -1;
	}
	fl_compare(ds, base, o, &r);
	if (!r.ncases) {
		fprintf(stderr, "folio-lab-compare series: no records of the selected cases (");
		for (size_t i = 0; i < o->nfilters; i++)
			fprintf(stderr, "%s%s=%s", i ? "," : "", o->filters[i].key,
				o->filters[i].glob);
		fprintf(stderr, ")\n");
		fl_cmp_free(&r);
		return -1;
	}
	if (!r.nnew) {
		fprintf(stderr,
			"folio-lab-compare series: no other kernel was measured where %s was\n",
			bs->name);
		fl_cmp_free(&r);
		return -1;
	}
	for (size_t i = 0; i < r.ncases; i++)
		params |= fl_params_vary(ds, r.cases[i].workload);
	for (size_t k = 0; k < r.nnew; k++)
		for (size_t i = 0; i < r.ncases; i++) {
			const struct fl_cmp_row *x = &r.rows[k * r.ncases + i];

			if (!x->present)
				continue;
			nmin = x->b.n && x->b.n < nmin ? x->b.n : nmin;
			nmin = x->n.n && x->n.n < nmin ? x->n.n : nmin;
			nmax = x->b.n > nmax ? x->b.n : nmax;
			nmax = x->n.n > nmax ? x->n.n : nmax;
		}
	for (size_t i = 0; i < ds->nrecs; i++)
		if (ds->recs[i].series == base) {
			snprintf(env, sizeof(env), "%s%s%s%s", ds->recs[i].where,
				 strcmp(ds->recs[i].accel, "none") ? " (" : "",
				 strcmp(ds->recs[i].accel, "none") ? ds->recs[i].accel : "",
				 strcmp(ds->recs[i].accel, "none") ? ")" : "");
			break;
		}

	/* title */
	fl_sb_printf(&t, "%s: the series' table, %s vs ", r.cases[0].workload, bs->name);
	for (size_t k = 0; k < r.nnew; k++)
		fl_sb_printf(&t, "%s%s", k ? ", " : "", ds->series[r.cur[k]].name);
	if (out.html) {
		fl_sb_puts(b, "<h3>");
		fl_sb_html(b, t.s);
		fl_sb_puts(b, "</h3>\n");
	} else {
		fl_sb_printf(b, "### %s\n\n", t.s);
	}

	/* the platform and what the figures are */
	fl_platform_of(ds, base, &pf);
	t.len = 0;
	fl_platform_line(&pf, &t);
	fl_sb_printf(&t, "; measured %s; kernels:", env);
	for (size_t s = 0, nk = 0; s < ds->nseries; s++) {
		char rel[128];

		if ((int)s != base) {
			size_t k;

			for (k = 0; k < r.nnew && r.cur[k] != (int)s; k++)
				;
			if (k == r.nnew)
				continue;
		}
		if (!fl_meta_str(ds, ds->series[s].dir, ds->series[s].kernel, "kernel_release", rel,
				 sizeof(rel))) {
			const char *v = NULL;

			/* no provenance: the records say which kernel ran */
			for (size_t i = 0; i < ds->nrecs && !v; i++)
				if (ds->recs[i].series == (int)s)
					v = fl_rec_field(ds, &ds->recs[i], "kernel_release", rel,
							 sizeof(rel));
			if (!v)
				snprintf(rel, sizeof(rel), "?");
		}
		fl_sb_printf(&t, "%s %s %s%s", nk++ ? "," : "", ds->series[s].name, rel,
			     (int)s == base ? " (baseline)" : "");
	}
	para(&out, "platform", "Platform:", t.s);
	for (size_t k = 0; k < r.nnew; k++) {
		struct fl_platform q;

		fl_platform_of(ds, r.cur[k], &q);
		if (q.known && pf.known &&
		    (strcmp(q.cpu, pf.cpu) || q.pus != pf.pus || q.nodes != pf.nodes)) {
			w.len = 0;
			fl_sb_printf(
			    &w, "%s was measured on another platform: ", ds->series[r.cur[k]].name);
			fl_platform_line(&q, &w);
			para(&out, "note", "Note:", w.s);
		}
	}
	if (fl_ds_not_scalability(ds, why, sizeof(why))) {
		t.len = 0;
		fl_sb_printf(&t, "2-core VM / emulated guest: not a scalability result (%s).", why);
		para(&out, "note", NULL, t.s);
	}
	t.len = 0;
	if (nmin == nmax)
		fl_sb_printf(&t, "ops/s: median of %zu repetitions", nmax);
	else
		fl_sb_printf(&t, "ops/s: median of %zu to %zu repetitions",
			     nmin == (size_t)-1 ? 0 : nmin, nmax);
	fl_sb_printf(&t,
		     "; change: Hodges-Lehmann estimate against %s with its distribution-free "
		     "%g%% interval; after the change: * improved, ! regressed, ~ no change, "
		     "? cannot decide, E emulated (not judged), M missing (compare's verdict: "
		     "Mann-Whitney U, %s-adjusted, alpha %g, threshold %g%%). Boundary: what the "
		     "workers fill under the placement on a machine of this topology.",
		     bs->name, 100 * o->level, fl_correction_name(o->correction), o->alpha,
		     o->threshold);
	para(&out, "legend", NULL, t.s);

	/* header */
	ncells = 5 + (params ? 1 : 0) + 3 * r.nnew + 1;
	cells = calloc(ncells, sizeof(*cells));
	txt = calloc(ncells, sizeof(*txt));
	{
		size_t c = 0;

		cells[c++] = (struct cell){"mode", false};
		cells[c++] = (struct cell){"placement", false};
		if (params)
			cells[c++] = (struct cell){"params", false};
		cells[c++] = (struct cell){"workers", true};
		cells[c++] = (struct cell){"boundary", false};
		cells[c++] = (struct cell){"nodes", true};
		snprintf(txt[c], sizeof(txt[c]), "%s ops/s", bs->name);
		cells[c] = (struct cell){txt[c], true};
		c++;
		for (size_t k = 0; k < r.nnew; k++) {
			const char *n = ds->series[r.cur[k]].name;

			snprintf(txt[c], sizeof(txt[c]), "%s ops/s", n);
			cells[c] = (struct cell){txt[c], true};
			c++;
			snprintf(txt[c], sizeof(txt[c]), "%s vs %s", n, bs->name);
			cells[c] = (struct cell){txt[c], true};
			c++;
			snprintf(txt[c], sizeof(txt[c]), "%g%% CI", 100 * o->level);
			cells[c] = (struct cell){txt[c], false};
			c++;
		}
		out.ncols = c;
		if (out.html)
			fl_sb_puts(b, "<table class=\"series\"><thead>");
		row(&out, cells, c, true);
		if (out.html)
			fl_sb_puts(b, "</thead><tbody>\n");
	}

	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < r.ncases; i++) {
			const struct fl_case *cs = &r.cases[i];
			const struct fl_cmp_row *b0 = NULL;
			size_t c = 0;
			int nu;

			if (!in_pass(cs->mode, pass))
				continue;
			for (size_t k = 0; k < r.nnew && !b0; k++)
				if (r.rows[k * r.ncases + i].present)
					b0 = &r.rows[k * r.ncases + i];
			if (!b0)
				continue;
			cells[c++] = (struct cell){cs->mode, false};
			cells[c++] = (struct cell){cs->placement, false};
			if (params)
				cells[c++] = (struct cell){cs->params, false};
			snprintf(txt[c], sizeof(txt[c]), "%d", cs->workers);
			cells[c] = (struct cell){txt[c], true};
			c++;
			fl_boundary(&pf, cs->placement, cs->workers, txt[c], sizeof(txt[c]));
			cells[c] = (struct cell){txt[c][0] ? txt[c] : "-", false};
			c++;
			nu = nodes_used(ds, cs, base);
			snprintf(txt[c], sizeof(txt[c]), nu ? "%d" : "-", nu);
			cells[c] = (struct cell){txt[c], true};
			c++;
			if (b0->b.n)
				fl_fmt_si(txt[c], sizeof(txt[c]), b0->b.median);
			else
				snprintf(txt[c], sizeof(txt[c]), "-");
			cells[c] = (struct cell){txt[c], true};
			c++;
			for (size_t k = 0; k < r.nnew; k++) {
				const struct fl_cmp_row *x = &r.rows[k * r.ncases + i];
				char a[32], d[32];
				bool both = x->present && x->b.n && x->n.n;

				if (x->present && x->n.n)
					fl_fmt_si(txt[c], sizeof(txt[c]), x->n.median);
				else
					snprintf(txt[c], sizeof(txt[c]), "-");
				cells[c] = (struct cell){txt[c], true};
				c++;
				if (both)
					snprintf(txt[c], sizeof(txt[c]), "%s %c",
						 pct(a, sizeof(a), x->hl_pct),
						 fl_verdict_marker(x->verdict));
				else if (x->present)
					snprintf(txt[c], sizeof(txt[c]), "- %c",
						 fl_verdict_marker(x->verdict));
				else
					snprintf(txt[c], sizeof(txt[c]), "-");
				cells[c] = (struct cell){txt[c], true};
				c++;
				if (both && !isnan(x->hl_lo_pct))
					snprintf(txt[c], sizeof(txt[c]), "[%s, %s]",
						 pct(a, sizeof(a), x->hl_lo_pct),
						 pct(d, sizeof(d), x->hl_hi_pct));
				else
					snprintf(txt[c], sizeof(txt[c]), "-");
				cells[c] = (struct cell){txt[c], false};
				c++;
			}
			row(&out, cells, c, false);
		}
	if (out.html)
		fl_sb_puts(b, "</tbody></table>\n");
	else
		fl_sb_puts(b, "\n");
	free(cells);
	free(txt);
	fl_sb_free(&t);
	fl_sb_free(&w);
	fl_cmp_free(&r);
	return 0;
}
