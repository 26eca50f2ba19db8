// SPDX-License-Identifier: GPL-2.0 OR MIT
/* folio-lab-compare: loading and grouping records (see analysis-data.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "analysis-data.h"
#include "stats.h"

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fprintf(stderr, "folio-lab-compare: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "folio-lab-compare: out of memory\n");
		exit(2);
	}
	return d;
}

void fl_sb_printf(struct fl_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void fl_sb_puts(struct fl_sbuf *b, const char *s)
{
	fl_sb_printf(b, "%s", s);
}

void fl_sb_html(struct fl_sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fl_sb_puts(b, "&lt;");
			break;
		case '>':
			fl_sb_puts(b, "&gt;");
			break;
		case '&':
			fl_sb_puts(b, "&amp;");
			break;
		case '"':
			fl_sb_puts(b, "&quot;");
			break;
		default:
			fl_sb_printf(b, "%c", *s);
		}
	}
}

void fl_sb_csv(struct fl_sbuf *b, const char *s)
{
	if (!s)
		s = "";
	if (!strpbrk(s, ",\"\r\n")) {
		fl_sb_puts(b, s);
		return;
	}
	fl_sb_puts(b, "\"");
	for (; *s; s++)
		fl_sb_printf(b, *s == '"' ? "\"\"" : "%c", *s);
	fl_sb_puts(b, "\"");
}

void fl_sb_free(struct fl_sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

int fl_write_file(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "folio-lab-compare: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *fl_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static int intern(struct fl_dataset *ds, const char *s)
{
	for (size_t i = 0; i < ds->nnames; i++)
		if (strcmp(ds->names[i], s) == 0)
			return (int)i;
	ds->names = xrealloc(ds->names, (ds->nnames + 1) * sizeof(*ds->names));
	ds->names[ds->nnames] = xstrdup(s);
	return (int)ds->nnames++;
}

static const char *get_str(struct json_object *o, const char *key, const char *def)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return def;
}

static bool get_num(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return false;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

bool fl_rec_number(const struct fl_rec *r, const char *metric, double *out)
{
	struct json_object *c;

	if (strncmp(metric, "counters.", 9) == 0)
		return json_object_object_get_ex(r->obj, "counters", &c) &&
		       get_num(c, metric + 9, out);
	return get_num(r->obj, metric, out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "k=v k=v" sorted by key: records of one sweep point compare equal. */
static char *canon_params(struct json_object *o)
{
	struct json_object *p;
	struct fl_sbuf b = {0};
	char **kv = NULL;
	size_t n = 0;

	if (!json_object_object_get_ex(o, "params", &p) ||
	    !json_object_is_type(p, json_type_object))
		return xstrdup("");
	json_object_object_foreach(p, key, val)
	{
		struct fl_sbuf e = {0};

		fl_sb_printf(&e, "%s=%s", key, json_object_get_string(val));
		kv = xrealloc(kv, (n + 1) * sizeof(*kv));
		kv[n++] = e.s;
	}
	qsort(kv, n, sizeof(*kv), cmp_str);
	fl_sb_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		fl_sb_printf(&b, "%s%s", i ? " " : "", kv[i]);
		free(kv[i]);
	}
	free(kv);
	return b.s;
}

int fl_ds_load(struct fl_dataset *ds, const char *dir)
{
	char path[4096], *data, *line, *save = NULL;
	size_t di, lineno = 0;
	struct fl_dir *d;

	snprintf(path, sizeof(path), "%s/samples.jsonl", dir);
	data = fl_read_file(path, NULL);
	if (!data) {
		fprintf(stderr, "folio-lab-compare: %s: cannot read %s: %s\n", dir, path,
			strerror(errno));
		return -1;
	}
	ds->dirs = xrealloc(ds->dirs, (ds->ndirs + 1) * sizeof(*ds->dirs));
	di = ds->ndirs++;
	d = &ds->dirs[di];
	d->path = xstrdup(dir);
	snprintf(path, sizeof(path), "%s/meta.json", dir);
	d->meta = access(path, R_OK) == 0 ? json_object_from_file(path) : NULL;
	if (access(path, R_OK) == 0 && !d->meta)
		fprintf(stderr, "folio-lab-compare: warning: %s is not valid JSON\n", path);

	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o;
		struct fl_rec *r;
		double w = 0, rep = 0;

		lineno++;
		if (!*line)
			continue;
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object) ||
		    !get_str(o, "workload", NULL) || !get_num(o, "workers", &w)) {
			/* A truncated last line (interrupted run) is not fatal. */
			fprintf(stderr,
				"folio-lab-compare: warning: %s/samples.jsonl:%zu: not a record\n",
				dir, lineno);
			json_object_put(o);
			ds->bad_lines++;
			continue;
		}
		ds->recs = xrealloc(ds->recs, (ds->nrecs + 1) * sizeof(*ds->recs));
		r = &ds->recs[ds->nrecs++];
		memset(r, 0, sizeof(*r));
		r->obj = o;
		r->workload = get_str(o, "workload", "?");
		r->variant = get_str(o, "variant", "default");
		r->kernel = get_str(o, "kernel", "native");
		r->mode = get_str(o, "mode", "threads");
		r->placement = get_str(o, "placement", "");
		r->where = get_str(o, "where", "native");
		r->accel = get_str(o, "accel", "none");
		r->params = canon_params(o);
		r->workers = (int)w;
		get_num(o, "rep", &rep);
		r->rep = (int)rep;
		r->wl_ord = intern(ds, r->workload);
		r->var_ord = intern(ds, r->variant);
		r->has_metric = fl_rec_number(r, ds->metric, &r->metric);
		if (!r->has_metric)
			ds->no_metric++;
		if (!get_num(o, "ops_per_sec", &r->ops_per_sec))
			r->ops_per_sec = NAN;
		if (!get_num(o, "duration_s", &r->duration_s))
			r->duration_s = NAN;
		r->dir = di;
		r->series = -1;
	}
	free(data);
	return 0;
}

void fl_ds_assign_series(struct fl_dataset *ds)
{
	bool prefix = false;

	/* Name series by kernel label unless two directories share a label. */
	for (size_t i = 0; i < ds->nrecs; i++)
		for (size_t j = i + 1; j < ds->nrecs && !prefix; j++)
			if (ds->recs[i].dir != ds->recs[j].dir &&
			    strcmp(ds->recs[i].kernel, ds->recs[j].kernel) == 0)
				prefix = true;
	for (size_t i = 0; i < ds->nrecs; i++) {
		struct fl_rec *r = &ds->recs[i];
		size_t s;

		for (s = 0; s < ds->nseries; s++)
			if (ds->series[s].dir == r->dir &&
			    strcmp(ds->series[s].kernel, r->kernel) == 0)
				break;
		if (s == ds->nseries) {
			struct fl_sbuf name = {0};
			const char *base = strrchr(ds->dirs[r->dir].path, '/');

			base = base && base[1] ? base + 1 : ds->dirs[r->dir].path;
			if (prefix)
				fl_sb_printf(&name, "%s/%s", base, r->kernel);
			else
				fl_sb_puts(&name, r->kernel);
			ds->series = xrealloc(ds->series, (s + 1) * sizeof(*ds->series));
			ds->series[s].name = name.s;
			ds->series[s].kernel = r->kernel;
			ds->series[s].dir = r->dir;
			ds->nseries++;
		}
		r->series = (int)s;
	}
}

int fl_ds_find_series(const struct fl_dataset *ds, const char *name)
{
	for (size_t s = 0; s < ds->nseries; s++)
		if (strcmp(ds->series[s].name, name) == 0)
			return (int)s;
	for (size_t s = 0; s < ds->nseries; s++)
		if (strcmp(ds->series[s].kernel, name) == 0)
			return (int)s;
	return -1;
}

void fl_ds_free(struct fl_dataset *ds)
{
	for (size_t i = 0; i < ds->nrecs; i++) {
		free(ds->recs[i].params);
		json_object_put(ds->recs[i].obj);
	}
	for (size_t i = 0; i < ds->ndirs; i++) {
		free(ds->dirs[i].path);
		json_object_put(ds->dirs[i].meta);
	}
	for (size_t i = 0; i < ds->nseries; i++)
		free(ds->series[i].name);
	for (size_t i = 0; i < ds->nnames; i++)
		free(ds->names[i]);
	free(ds->recs);
	free(ds->dirs);
	free(ds->series);
	free(ds->names);
	memset(ds, 0, sizeof(*ds));
}

static int cmp_case(const void *pa, const void *pb)
{
	const struct fl_case *a = pa, *b = pb;
	int c;

	if (a->wl_ord != b->wl_ord)
		return a->wl_ord - b->wl_ord;
	if (a->var_ord != b->var_ord)
		return a->var_ord - b->var_ord;
	if ((c = strcmp(a->mode, b->mode)))
		return c;
	if ((c = strcmp(a->placement, b->placement)))
		return c;
	if ((c = strcmp(a->params, b->params)))
		return c;
	return a->workers - b->workers;
}

bool fl_case_match(const struct fl_case *c, const struct fl_rec *r)
{
	return c->workers == r->workers && fl_case_same_line(c, &(struct fl_case){
								    .workload = r->workload,
								    .variant = r->variant,
								    .mode = r->mode,
								    .placement = r->placement,
								    .params = r->params,
								});
}

bool fl_case_same_line(const struct fl_case *a, const struct fl_case *b)
{
	return strcmp(a->workload, b->workload) == 0 && strcmp(a->variant, b->variant) == 0 &&
	       strcmp(a->mode, b->mode) == 0 && strcmp(a->placement, b->placement) == 0 &&
	       strcmp(a->params, b->params) == 0;
}

size_t fl_ds_cases(const struct fl_dataset *ds, struct fl_case **out)
{
	struct fl_case *c = NULL;
	size_t n = 0;

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct fl_rec *r = &ds->recs[i];
		size_t j;

		for (j = 0; j < n; j++)
			if (fl_case_match(&c[j], r))
				break;
		if (j < n)
			continue;
		c = xrealloc(c, (n + 1) * sizeof(*c));
		c[n++] = (struct fl_case){r->workload, r->variant, r->mode,   r->placement,
					  r->params,   r->workers, r->wl_ord, r->var_ord};
	}
	qsort(c, n, sizeof(*c), cmp_case);
	*out = c;
	return n;
}

size_t fl_ds_values(const struct fl_dataset *ds, const struct fl_case *c, int series, double **out)
{
	double *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct fl_rec *r = &ds->recs[i];

		if (!r->has_metric || (series >= 0 && r->series != series) || !fl_case_match(c, r))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = r->metric;
	}
	*out = v;
	return n;
}

void fl_summarize(const double *x, size_t n, double level, struct fl_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	if (n == 0) {
		s->median = s->mean = s->lo = s->hi = s->min = s->max = NAN;
		return;
	}
	s->median = fl_median(x, n);
	fl_mean_sd(x, n, &s->mean, &s->sd);
	s->sd_pct = s->mean != 0 ? 100 * s->sd / fabs(s->mean) : 0;
	fl_median_ci(x, n, level, &s->lo, &s->hi, &s->coverage);
	s->min = s->max = x[0];
	for (size_t i = 1; i < n; i++) {
		s->min = fmin(s->min, x[i]);
		s->max = fmax(s->max, x[i]);
	}
}

const char *fl_fmt_num(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (fabs(v) >= 1e4)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.4g", v);
	return buf;
}

const char *fl_meta_str(const struct fl_dataset *ds, size_t dir, const char *label, const char *key,
			char *buf, size_t size)
{
	struct json_object *k, *e, *v;

	if (!ds->dirs[dir].meta || !json_object_object_get_ex(ds->dirs[dir].meta, "kernels", &k) ||
	    !json_object_object_get_ex(k, label, &e) || !json_object_object_get_ex(e, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_array)) {
		/* A list of strings (meta.json "commands"): one per line. */
		size_t n = 0;

		buf[0] = 0;
		for (size_t i = 0; i < json_object_array_length(v) && n < size; i++)
			n += (size_t)snprintf(
			    buf + n, size - n, "%s%s", i ? "\n" : "",
			    json_object_get_string(json_object_array_get_idx(v, i)));
		return buf;
	}
	snprintf(buf, size, "%s",
		 json_object_is_type(v, json_type_string)
		     ? json_object_get_string(v)
		     : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	return buf;
}

bool fl_ds_not_scalability(const struct fl_dataset *ds, char *why, size_t size)
{
	char b[256];

	why[0] = 0;
	for (size_t i = 0; i < ds->nrecs; i++)
		if (strcmp(ds->recs[i].where, "guest") == 0) {
			snprintf(why, size, "measured in an emulated guest (accel %s)",
				 ds->recs[i].accel);
			return true;
		}
	for (size_t s = 0; s < ds->nseries; s++) {
		const struct fl_series *se = &ds->series[s];
		const char *v = fl_meta_str(ds, se->dir, se->kernel, "vm", b, sizeof(b));

		if (v && strcmp(v, "false") != 0 && *v) {
			snprintf(why, size, "measured in a VM (%s)", v);
			return true;
		}
		v = fl_meta_str(ds, se->dir, se->kernel, "nr_pus", b, sizeof(b));
		if (v && atoi(v) < 8) {
			snprintf(why, size, "only %d PUs", atoi(v));
			return true;
		}
	}
	return false;
}

bool fl_params_vary(const struct fl_dataset *ds, const char *workload)
{
	const char *first = NULL;

	for (size_t i = 0; i < ds->nrecs; i++) {
		if (strcmp(ds->recs[i].workload, workload))
			continue;
		if (!first)
			first = ds->recs[i].params;
		else if (strcmp(first, ds->recs[i].params))
			return true;
	}
	return false;
}
