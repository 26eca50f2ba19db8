// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-compare table: what the experiments' summaries show, computed
 * here rather than in jq: the median of a metric per row key x worker
 * count, or the ratio of two series per worker count with its
 * distribution-free interval (Hodges-Lehmann on the log ratio). Records
 * are picked by --filter conditions (=, != with |-separated globs, numeric
 * < <= > >=); a value is a field or an arithmetic expression of fields,
 * optionally relative to the per-kernel median of --reference records.
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

enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

int fl_table_cond_add(struct fl_table_opts *t, const char *arg, bool reference)
{
	char *copy = strdup(arg), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k = strcspn(tok, "!<>=");
		struct fl_table_cond c = {0};
		const char *v = tok + k;
		char *end;

		if (!k || !*v || (*v == '!' && v[1] != '=')) {
			fprintf(stderr,
				"folio-lab-compare: --%s '%s': want KEY=GLOB, KEY!=GLOB, KEY<N, "
				"KEY<=N, KEY>N or KEY>=N\n",
				reference ? "reference" : "filter", tok);
			free(copy);
			return -1;
		}
		c.op = *v == '=' ? OP_EQ : *v == '!' ? OP_NE : *v == '<' ? OP_LT : OP_GT;
		v += *v == '=' ? 1 : 1 + (v[1] == '=');
		if ((c.op == OP_LT || c.op == OP_GT) && v[-1] == '=')
			c.op++; /* LE, GE */
		if (c.op >= OP_LT && (strtod(v, &end), end == v || *end)) {
			fprintf(stderr, "folio-lab-compare: --%s '%s': '%s' is not a number\n",
				reference ? "reference" : "filter", tok, v);
			free(copy);
			return -1;
		}
		c.key = strndup(tok, k);
		c.val = strdup(v);
		if (reference) {
			t->refs = realloc(t->refs, (t->nrefs + 1) * sizeof(*t->refs));
			t->refs[t->nrefs++] = c;
		} else {
			t->conds = realloc(t->conds, (t->nconds + 1) * sizeof(*t->conds));
			t->conds[t->nconds++] = c;
		}
	}
	free(copy);
	return 0;
}

void fl_table_opts_free(struct fl_table_opts *t)
{
	for (size_t i = 0; i < t->nconds; i++) {
		free(t->conds[i].key);
		free(t->conds[i].val);
	}
	for (size_t i = 0; i < t->nrefs; i++) {
		free(t->refs[i].key);
		free(t->refs[i].val);
	}
	free(t->conds);
	free(t->refs);
	t->conds = t->refs = NULL;
	t->nconds = t->nrefs = 0;
}

/* A field, or the first present of KEY|KEY|... (jq's //). */
static const char *field(const struct fl_dataset *ds, const struct fl_rec *r, const char *key,
			 size_t klen, char *buf, size_t size)
{
	while (klen) {
		size_t l = strcspn(key, "|");
		char name[256];
		const char *v;

		l = l < klen ? l : klen;
		snprintf(name, sizeof(name), "%.*s", (int)l, key);
		v = fl_rec_field(ds, r, name, buf, size);
		if (v)
			return v;
		if (l == klen)
			break;
		key += l + 1;
		klen -= l + 1;
	}
	return NULL;
}

static bool field_number(const struct fl_dataset *ds, const struct fl_rec *r, const char *key,
			 size_t klen, double *out)
{
	char buf[512], *end;
	const char *v = field(ds, r, key, klen, buf, sizeof(buf));

	if (!v || !*v)
		return false;
	*out = strtod(v, &end);
	return !*end && isfinite(*out);
}

/* Any of the globs GLOB|GLOB|... matches v. */
static bool glob_any(const char *globs, const char *v)
{
	char *copy = strdup(globs), *save = NULL, *g;
	bool hit = false;

	for (g = strtok_r(copy, "|", &save); g && !hit; g = strtok_r(NULL, "|", &save))
		hit = !fnmatch(g, v, 0);
	if (!*globs)
		hit = !*v;
	free(copy);
	return hit;
}

/* jq's semantics for an absent field: K=G false, K!=G true, numeric false. */
static bool conds_match(const struct fl_dataset *ds, const struct fl_rec *r,
			const struct fl_table_cond *c, size_t n)
{
	char buf[512];

	for (size_t i = 0; i < n; i++) {
		double x, y = c[i].op >= OP_LT ? strtod(c[i].val, NULL) : 0;
		const char *v;
		bool ok;

		switch (c[i].op) {
		case OP_EQ:
		case OP_NE:
			v = field(ds, r, c[i].key, strlen(c[i].key), buf, sizeof(buf));
			ok = c[i].op == OP_EQ ? v && glob_any(c[i].val, v)
					      : !v || !glob_any(c[i].val, v);
			break;
		default:
			ok = field_number(ds, r, c[i].key, strlen(c[i].key), &x) &&
			     (c[i].op == OP_LT	 ? x < y
			      : c[i].op == OP_LE ? x <= y
			      : c[i].op == OP_GT ? x > y
						 : x >= y);
		}
		if (!ok)
			return false;
	}
	return true;
}

/*
 * --metric EXPR: + - * / and parentheses over numbers and record fields
 * (counters.NAME, params.NAME, workers, any numeric top-level field). A
 * record lacking a field, or dividing by zero, has no value (jq's null).
 */
struct ev {
	const char *s;
	const struct fl_dataset *ds;
	const struct fl_rec *r; /* NULL: syntax check only */
	bool bad, syntax;
};

static double ev_sum(struct ev *e);

static void ev_ws(struct ev *e)
{
	while (*e->s == ' ' || *e->s == '\t')
		e->s++;
}

static double ev_atom(struct ev *e)
{
	double v = 0;

	ev_ws(e);
	if (*e->s == '(') {
		e->s++;
		v = ev_sum(e);
		ev_ws(e);
		if (*e->s != ')')
			e->syntax = true;
		else
			e->s++;
	} else if (*e->s == '-') {
		e->s++;
		v = -ev_atom(e);
	} else if ((*e->s >= '0' && *e->s <= '9') || *e->s == '.') {
		char *end;

		v = strtod(e->s, &end);
		e->s = end;
	} else if ((*e->s >= 'a' && *e->s <= 'z') || (*e->s >= 'A' && *e->s <= 'Z') ||
		   *e->s == '_') {
		size_t l = strspn(
		    e->s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.|");

		if (e->r && !field_number(e->ds, e->r, e->s, l, &v))
			e->bad = true;
		if (!e->r)
			v = 1;
		e->s += l;
	} else {
		e->syntax = true;
	}
	return v;
}

static double ev_term(struct ev *e)
{
	double v = ev_atom(e);

	for (;;) {
		ev_ws(e);
		if (*e->s == '*') {
			e->s++;
			v *= ev_atom(e);
		} else if (*e->s == '/') {
			double d;

			e->s++;
			d = ev_atom(e);
			if (d == 0)
				e->bad = true;
			else
				v /= d;
		} else {
			return v;
		}
	}
}

static double ev_sum(struct ev *e)
{
	double v = ev_term(e);

	for (;;) {
		ev_ws(e);
		if (*e->s == '+') {
			e->s++;
			v += ev_term(e);
		} else if (*e->s == '-') {
			e->s++;
			v -= ev_term(e);
		} else {
			return v;
		}
	}
}

int fl_table_expr_check(const char *expr)
{
	struct ev e = {.s = expr};

	ev_sum(&e);
	ev_ws(&e);
	if (e.syntax || *e.s) {
		fprintf(stderr, "folio-lab-compare: --metric '%s': cannot parse at '%s'\n", expr,
			e.s);
		return -1;
	}
	return 0;
}

/* The value of a record before --scale (metric or expression, --per-op). */
static bool rec_value(const struct fl_dataset *ds, const struct fl_rec *r,
		      const struct fl_table_opts *t, double *out)
{
	double v, ops;

	if (t->expr) {
		struct ev e = {.s = t->expr, .ds = ds, .r = r};

		v = ev_sum(&e);
		if (e.bad || e.syntax || !isfinite(v))
			return false;
	} else {
		if (!r->has_metric)
			return false;
		v = r->metric;
	}
	if (t->per_op) {
		if (!fl_rec_number(r, "ops", &ops) || !(ops > 0))
			return false;
		v /= ops;
	}
	*out = v;
	return true;
}

/*
 * The row key: the values of the comma-separated fields (KEY|KEY: the first
 * present), space-separated; or, when it holds a '{', a template whose
 * {FIELD}s are replaced by their values.
 */
static void row_key(const struct fl_dataset *ds, const struct fl_rec *r, const char *fields,
		    const char *skip, struct fl_sbuf *out)
{
	char buf[512];
	bool first = true;

	out->len = 0;
	fl_sb_puts(out, "");
	fields = fields ? fields : "";
	if (strchr(fields, '{')) {
		for (const char *p = fields; *p;) {
			const char *e = *p == '{' ? strchr(p, '}') : NULL;

			if (e) {
				const char *v = field(ds, r, p + 1, e - p - 1, buf, sizeof(buf));

				fl_sb_puts(out, v ? v : "-");
				p = e + 1;
			} else {
				fl_sb_printf(out, "%c", *p++);
			}
		}
		return;
	}
	for (const char *f = fields; *f;) {
		size_t l = strcspn(f, ",");

		if (l && !(skip && strlen(skip) == l && !strncmp(f, skip, l))) {
			const char *v = field(ds, r, f, l, buf, sizeof(buf));

			fl_sb_printf(out, "%s%s", first ? "" : " ", v ? v : "-");
			first = false;
		}
		f += l + (f[l] == ',');
	}
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
	struct cell *cells = NULL, *refs = NULL;
	size_t nref = 0, nc = 0, nrows = 0, nw = 0;
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
	if (t->nrefs) {
		/* --reference: the median value of the matching records, per kernel */
		for (size_t i = 0; i < ds->nrecs; i++) {
			const struct fl_rec *r = &ds->recs[i];
			double v;
			size_t k;

			if (r->dup || !conds_match(ds, r, t->refs, t->nrefs) ||
			    !rec_value(ds, r, t, &v))
				continue;
			for (k = 0; k < nref && strcmp(refs[k].row, r->kernel); k++)
				;
			if (k == nref) {
				refs = realloc(refs, (nref + 1) * sizeof(*refs));
				memset(&refs[nref], 0, sizeof(*refs));
				refs[nref++].row = strdup(r->kernel);
			}
			push(&refs[k].v, &refs[k].n, &refs[k].cap, v);
		}
	}
	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct fl_rec *r = &ds->recs[i];
		const char *rk = NULL;
		double v = NAN;
		bool is_den = false, has;
		size_t c;

		if (r->dup || !conds_match(ds, r, t->conds, t->nconds))
			continue;
		if (t->ratio) {
			rk = fl_rec_field(ds, r, t->ratio_key, buf, sizeof(buf));
			if (!rk || (strcmp(rk, num) && strcmp(rk, den)))
				continue;
			is_den = !strcmp(rk, den);
		}
		/* a selected record without a value still makes its row (shown "-") */
		has = rec_value(ds, r, t, &v);
		if (t->nrefs) {
			size_t k;

			for (k = 0; k < nref && strcmp(refs[k].row, r->kernel); k++)
				;
			if (k == nref)
				continue; /* no reference on this kernel */
			v /= fl_median(refs[k].v, refs[k].n);
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
		if (!has)
			continue;
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
	for (size_t k = 0; k < nref; k++) {
		free(refs[k].row);
		free(refs[k].v);
	}
	free(refs);
	free(rows);
	free(ws);
	free(num);
	fl_sb_free(&key);
	fl_sb_free(&head);
	return 0;
}
