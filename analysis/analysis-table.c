// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-compare table: what the experiments' summaries show, computed
 * here rather than in jq: the median of a metric per row key x worker
 * count, or the ratio of two series per worker count with its
 * distribution-free interval (Hodges-Lehmann on the log ratio).
 */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "analysis-compare.h"

struct cell {
	char *row;
	int workers;
	double *v; /* values of the numerator (or the only series) */
	size_t n, cap;
	double *d; /* the denominator's (ratio) */
	size_t nd, capd;
};

static void push(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = realloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = x;
}

static bool rec_selected(const struct fl_dataset *ds, const struct fl_rec *r,
			 const struct fl_cmp_opts *o)
{
	char buf[512];

	for (size_t i = 0; i < o->nfilters; i++) {
		const char *v = fl_rec_field(ds, r, o->filters[i].key, buf, sizeof(buf));

		if (!v || fnmatch(o->filters[i].glob, v, 0))
			return false;
	}
	return true;
}

/* The row key: the values of the comma-separated fields, space-separated. */
static void row_key(const struct fl_dataset *ds, const struct fl_rec *r, const char *fields,
		    const char *skip, struct fl_sbuf *out)
{
	char *copy = strdup(fields ? fields : ""), *save = NULL, *f, buf[512];
	bool first = true;

	out->len = 0;
	fl_sb_puts(out, "");
	for (f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		const char *v;

		if (skip && !strcmp(f, skip))
			continue;
		v = fl_rec_field(ds, r, f, buf, sizeof(buf));
		fl_sb_printf(out, "%s%s", first ? "" : " ", v ? v : "-");
		first = false;
	}
	free(copy);
}

static const char *fmt(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (fabs(v) >= 100)
		snprintf(buf, size, "%.1f", v);
	else
		snprintf(buf, size, "%.3f", v);
	return buf;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cell_text(const struct cell *c, bool ratio, double level, char *buf, size_t size)
{
	char a[32], b[32], d[32];

	if (!c || !c->n || (ratio && !c->nd)) {
		snprintf(buf, size, "-");
		return;
	}
	if (!ratio) {
		fmt(buf, size, fl_median(c->v, c->n));
		return;
	}
	{
		double *ln = malloc(c->n * sizeof(*ln)), *ld = malloc(c->nd * sizeof(*ld));
		struct fl_hl_result h;
		bool pos = true;

		for (size_t i = 0; i < c->n; i++)
			pos &= c->v[i] > 0;
		for (size_t i = 0; i < c->nd; i++)
			pos &= c->d[i] > 0;
		if (!pos || !ln || !ld) {
			double m = fl_median(c->d, c->nd);

			snprintf(buf, size, "%s",
				 m ? fmt(a, sizeof(a), fl_median(c->v, c->n) / m) : "-");
		} else {
			for (size_t i = 0; i < c->n; i++)
				ln[i] = log(c->v[i]);
			for (size_t i = 0; i < c->nd; i++)
				ld[i] = log(c->d[i]);
			fl_hl_shift(ln, c->n, ld, c->nd, level, &h);
			snprintf(buf, size, "%s [%s, %s]", fmt(a, sizeof(a), exp(h.shift)),
				 fmt(b, sizeof(b), exp(h.lo)), fmt(d, sizeof(d), exp(h.hi)));
		}
		free(ln);
		free(ld);
	}
}

int fl_table(const struct fl_dataset *ds, const struct fl_cmp_opts *o,
	     const struct fl_table_opts *t, struct fl_sbuf *out)
{
	struct cell *cells = NULL;
	size_t nc = 0, nrows = 0, nw = 0;
	char **rows = NULL, *num = NULL, *den = NULL, buf[512];
	int *ws = NULL;
	struct fl_sbuf key = {0}, head = {0};
	const char *rowf = t->ratio && !strcmp(t->rows, "kernel") ? "" : t->rows;
	bool html = !strcmp(t->format, "html"), md = !strcmp(t->format, "md");
	bool tsv = !strcmp(t->format, "tsv");
	size_t kw = 8, cw = 12; /* text: key and cell widths */

	if (t->ratio) {
		num = strdup(t->ratio);
		den = strchr(num, '/');
		*den++ = 0;
	}
	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct fl_rec *r = &ds->recs[i];
		const char *rk = NULL;
		double v, ops;
		bool is_den = false;
		size_t c;

		if (r->dup || !rec_selected(ds, r, o))
			continue;
		if (t->ratio) {
			rk = fl_rec_field(ds, r, t->ratio_key, buf, sizeof(buf));
			if (!rk || (strcmp(rk, num) && strcmp(rk, den)))
				continue;
			is_den = !strcmp(rk, den);
		}
		if (!r->has_metric)
			continue;
		v = r->metric;
		if (t->per_op) {
			if (!fl_rec_number(r, "ops", &ops) || !(ops > 0))
				continue;
			v /= ops;
		}
		v /= t->scale;
		row_key(ds, r, rowf, t->ratio ? t->ratio_key : NULL, &key);
		for (c = 0; c < nc; c++)
			if (cells[c].workers == r->workers && !strcmp(cells[c].row, key.s))
				break;
		if (c == nc) {
			cells = realloc(cells, (nc + 1) * sizeof(*cells));
			memset(&cells[nc], 0, sizeof(*cells));
			cells[nc].row = strdup(key.s);
			cells[nc].workers = r->workers;
			nc++;
		}
		if (is_den)
			push(&cells[c].d, &cells[c].nd, &cells[c].capd, v);
		else
			push(&cells[c].v, &cells[c].n, &cells[c].cap, v);
	}
	if (!nc)
		goto out; /* nothing selected: no table, as the jq helpers did */
	for (size_t c = 0; c < nc; c++) {
		size_t k;

		for (k = 0; k < nw && ws[k] != cells[c].workers; k++)
			;
		if (k == nw) {
			ws = realloc(ws, (nw + 1) * sizeof(*ws));
			ws[nw++] = cells[c].workers;
		}
		for (k = 0; k < nrows && strcmp(rows[k], cells[c].row); k++)
			;
		if (k == nrows) {
			rows = realloc(rows, (nrows + 1) * sizeof(*rows));
			rows[nrows++] = cells[c].row;
		}
	}
	qsort(ws, nw, sizeof(*ws), cmp_int);
	qsort(rows, nrows, sizeof(*rows), cmp_strp);
	/* text: columns as wide as their widest cell */
	for (size_t q = 0; q < nrows; q++) {
		size_t l = strlen(rows[q]) + (t->ratio ? strlen(t->ratio) + 5 : 0);

		kw = l + 1 > kw ? l + 1 : kw;
	}
	for (size_t c = 0; c < nc; c++) {
		char txt[128];

		cell_text(&cells[c], t->ratio != NULL, o->level, txt, sizeof(txt));
		cw = strlen(txt) + 2 > cw ? strlen(txt) + 2 : cw;
	}

	if (html || md || t->title) {
		fl_sb_puts(out, html ? "<h3>" : md ? "### " : "");
		if (html)
			fl_sb_html(out, t->title ? t->title : "");
		else
			fl_sb_puts(out, t->title ? t->title : "");
		fl_sb_puts(out, html ? "</h3>\n" : "\n");
	}
	if (html)
		fl_sb_puts(out, "<table>\n<tr><th></th>");
	if (md)
		fl_sb_puts(out, "\n|  |");
	for (size_t k = 0; k < nw; k++) {
		head.len = 0;
		fl_sb_printf(&head, "%d workers", ws[k]);
		if (html)
			fl_sb_printf(out, "<th>%s</th>", head.s);
		else if (md)
			fl_sb_printf(out, " %s |", head.s);
		else if (tsv)
			fl_sb_printf(out, "\t%s", head.s);
		else
			fl_sb_printf(out, "%*s%*s", k ? 0 : (int)kw, "", (int)cw, head.s);
	}
	fl_sb_puts(out, html ? "</tr>\n" : "\n");
	if (md) {
		fl_sb_puts(out, "|---|");
		for (size_t k = 0; k < nw; k++)
			fl_sb_puts(out, "--:|");
		fl_sb_puts(out, "\n");
	}
	for (size_t q = 0; q < nrows; q++) {
		head.len = 0;
		if (t->ratio)
			fl_sb_printf(&head, "%s%s%s / %s", rows[q], *rows[q] ? ": " : "", num, den);
		else
			fl_sb_puts(&head, rows[q]);
		if (html) {
			fl_sb_puts(out, "<tr><th>");
			fl_sb_html(out, head.s);
			fl_sb_puts(out, "</th>");
		} else if (md) {
			fl_sb_printf(out, "| %s |", head.s);
		} else if (tsv) {
			fl_sb_puts(out, head.s);
		} else {
			fl_sb_printf(out, "%-*s", (int)kw, head.s);
		}
		for (size_t k = 0; k < nw; k++) {
			const struct cell *cl = NULL;
			char txt[128];

			for (size_t c = 0; c < nc; c++)
				if (cells[c].workers == ws[k] && !strcmp(cells[c].row, rows[q]))
					cl = &cells[c];
			cell_text(cl, t->ratio != NULL, o->level, txt, sizeof(txt));
			if (html)
				fl_sb_printf(out, "<td>%s</td>", txt);
			else if (md)
				fl_sb_printf(out, " %s |", txt);
			else if (tsv)
				fl_sb_printf(out, "\t%s", txt);
			else
				fl_sb_printf(out, "%*s", (int)cw, txt);
		}
		fl_sb_puts(out, html ? "</tr>\n" : "\n");
	}
	if (html)
		fl_sb_puts(out, "</table>\n");
out:
	for (size_t c = 0; c < nc; c++) {
		free(cells[c].row);
		free(cells[c].v);
		free(cells[c].d);
	}
	free(cells);
	free(rows);
	free(ws);
	free(num);
	fl_sb_free(&key);
	fl_sb_free(&head);
	return 0;
}
