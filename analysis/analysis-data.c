// SPDX-License-Identifier: GPL-2.0 OR MIT
/* folio-lab-compare: loading and grouping records (see analysis-data.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
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

void fl_sb_putn(struct fl_sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void fl_sb_puts(struct fl_sbuf *b, const char *s)
{
	fl_sb_putn(b, s ? s : "", s ? strlen(s) : 0);
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
			fl_sb_putn(b, s, 1);
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
	for (; *s; s++) {
		fl_sb_putn(b, s, 1);
		if (*s == '"')
			fl_sb_putn(b, s, 1); /* "" inside a quoted field */
	}
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

/* FNV-1a */
static size_t hash_bytes(const void *p, size_t n, size_t h)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ULL;
	return h;
}

/* The interned copy of s: equal strings share one pointer. */
static const char *intern_str(struct fl_dataset *ds, const char *s, int *id)
{
	struct fl_strtab *t = &ds->str;
	size_t h, i;

	if (2 * (t->n + 1) > t->nslot) {
		size_t ns = t->nslot ? t->nslot * 2 : 1024;
		int *slot = calloc(ns, sizeof(*slot));

		if (!slot) {
			fprintf(stderr, "folio-lab-compare: out of memory\n");
			exit(2);
		}
		for (size_t k = 0; k < t->n; k++) {
			h = hash_bytes(t->s[k], strlen(t->s[k]), 14695981039346656037ULL) &
			    (ns - 1);
			while (slot[h])
				h = (h + 1) & (ns - 1);
			slot[h] = (int)k + 1;
		}
		free(t->slot);
		t->slot = slot;
		t->nslot = ns;
	}
	h = hash_bytes(s, strlen(s), 14695981039346656037ULL) & (t->nslot - 1);
	while ((i = (size_t)t->slot[h])) {
		if (strcmp(t->s[i - 1], s) == 0) {
			if (id)
				*id = (int)i - 1;
			return t->s[i - 1];
		}
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->s = xrealloc(t->s, t->cap * sizeof(*t->s));
	}
	t->s[t->n] = xstrdup(s);
	t->slot[h] = (int)t->n + 1;
	if (id)
		*id = (int)t->n;
	return t->s[t->n++];
}

/* The id of an interned string, -1 when it is not there. */
static int find_str(const struct fl_dataset *ds, const char *s)
{
	const struct fl_strtab *t = &ds->str;
	size_t h, i;

	if (!t->nslot)
		return -1;
	h = hash_bytes(s, strlen(s), 14695981039346656037ULL) & (t->nslot - 1);
	while ((i = (size_t)t->slot[h])) {
		if (strcmp(t->s[i - 1], s) == 0)
			return (int)i - 1;
		h = (h + 1) & (t->nslot - 1);
	}
	return -1;
}

/* Order of first appearance of a workload or variant name. */
static int first_seen(struct fl_dataset *ds, int id)
{
	if (id >= ds->nord) {
		int n = ds->nord ? ds->nord : 64;

		while (n <= id)
			n *= 2;
		ds->ord = xrealloc(ds->ord, (size_t)n * sizeof(*ds->ord));
		for (int k = ds->nord; k < n; k++)
			ds->ord[k] = -1;
		ds->nord = n;
	}
	if (ds->ord[id] < 0)
		ds->ord[id] = ds->nseen++;
	return ds->ord[id];
}

static const char *get_str(struct json_object *o, const char *key, const char *def)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return def;
}

static bool is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

static bool get_num(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !is_number(v))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

bool fl_rec_number(const struct fl_rec *r, const char *metric, double *out)
{
	struct json_object *c;

	if (!r->obj)
		return false;
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

/* The metric of one record: absent is fine (not every record has every counter), bad is not. */
static const char *check_metric(struct json_object *o, const char *metric, bool *has, double *out)
{
	struct json_object *v, *c = o;
	const char *key = metric;

	*has = false;
	if (strncmp(metric, "counters.", 9) == 0) {
		if (!json_object_object_get_ex(o, "counters", &c))
			return NULL;
		if (!json_object_is_type(c, json_type_object))
			return "'counters' is not an object";
		key = metric + 9;
	}
	if (!json_object_object_get_ex(c, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	if (!is_number(v))
		return "is not a number";
	*out = json_object_get_double(v);
	if (isnan(*out))
		return "is NaN";
	if (isinf(*out))
		return "is infinite";
	if (*out < 0)
		return "is negative";
	*has = true;
	return NULL;
}

/* Refuse one record: file:line and why (taken over); loading goes on without it. */
static void refuse(struct fl_dataset *ds, size_t di, const char *file, size_t line, char *why)
{
	struct fl_refused *x;

	ds->refused = xrealloc(ds->refused, (ds->nrefused + 1) * sizeof(*ds->refused));
	x = &ds->refused[ds->nrefused++];
	x->file = xstrdup(file);
	x->dir = di;
	x->line = line;
	x->why = why;
}

static int bad_line(struct fl_dataset *ds, size_t di, const char *file, size_t line,
		    const char *fmt, const char *a, const char *b)
{
	struct fl_sbuf why = {0};

	fl_sb_printf(&why, fmt, a, b);
	refuse(ds, di, file, line, why.s);
	return -1;
}

/* Integer-valued number field >= lo; false when absent or not such a number. */
static bool get_int(struct json_object *o, const char *key, double lo, int *out)
{
	double v;

	if (!get_num(o, key, &v) || v != floor(v) || v < lo || v > 1e9)
		return false;
	*out = (int)v;
	return true;
}

static int parse_record(struct fl_dataset *ds, struct json_object *o, const char *file,
			size_t lineno, size_t di)
{
	static const char *const strs[] = {"workload", "kernel"};
	struct fl_rec *r;
	const char *why;
	char *params;
	int id, pa, pb;
	double v;

	if (!json_object_is_type(o, json_type_object))
		return bad_line(ds, di, file, lineno, "not a JSON object%s%s", "", "");
	for (size_t k = 0; k < sizeof(strs) / sizeof(*strs); k++) {
		const char *sv = get_str(o, strs[k], NULL);

		if (!sv || !*sv)
			return bad_line(ds, di, file, lineno,
					"required field '%s' missing or not a string%s", strs[k],
					"");
	}
	if (ds->nrecs == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 1024;
		ds->recs = xrealloc(ds->recs, ds->cap * sizeof(*ds->recs));
	}
	r = &ds->recs[ds->nrecs];
	memset(r, 0, sizeof(*r));
	if (!get_int(o, "workers", 1, &r->workers))
		return bad_line(ds, di, file, lineno,
				"required field 'workers' missing or not an integer >= 1%s%s", "",
				"");
	if (!get_int(o, "rep", 0, &r->rep))
		return bad_line(ds, di, file, lineno,
				"required field 'rep' missing or not an integer >= 0%s%s", "", "");
	why = check_metric(o, "ops_per_sec", &r->has_metric, &r->ops_per_sec);
	if (why || !r->has_metric)
		return bad_line(ds, di, file, lineno, "'ops_per_sec' %s%s",
				why ? why : "is missing", "");
	why = check_metric(o, ds->metric, &r->has_metric, &r->metric);
	if (why)
		return bad_line(ds, di, file, lineno, "'%s' %s", ds->metric, why);
	r->workload = intern_str(ds, get_str(o, "workload", "?"), &id);
	r->wl_ord = first_seen(ds, id);
	r->variant = intern_str(ds, get_str(o, "variant", "default"), &id);
	r->var_ord = first_seen(ds, id);
	r->kernel = intern_str(ds, get_str(o, "kernel", "native"), NULL);
	r->mode = intern_str(ds, get_str(o, "mode", "threads"), NULL);
	r->placement = intern_str(ds, get_str(o, "placement", ""), NULL);
	r->where = intern_str(ds, get_str(o, "where", "native"), NULL);
	r->accel = intern_str(ds, get_str(o, "accel", "none"), NULL);
	r->run_id = intern_str(ds, get_str(o, "run_id", ""), NULL);
	params = canon_params(o);
	r->params = intern_str(ds, params, NULL);
	free(params);
	r->pair = get_int(o, "pu_a", 0, &pa) && get_int(o, "pu_b", 0, &pb) ? pa << 16 | pb : -1;
	if (!r->has_metric)
		ds->no_metric++;
	r->duration_s = get_num(o, "duration_s", &v) ? v : NAN;
	r->dir = di;
	r->line = lineno;
	r->series = -1;
	r->case_id = -1;
	r->obj = ds->keep_objs ? o : NULL;
	if (!ds->keep_objs)
		json_object_put(o);
	ds->nrecs++;
	return 0;
}

/*
 * The fast path of `compare`: a strict scanner for one record line that
 * pulls out the fields a comparison needs without building JSON objects.
 * It accepts only what it fully understands (valid JSON, every required
 * field well typed, strings without escapes, string params); anything else
 * returns false and the line goes through json-c, which also words the
 * error for a bad line. About four times faster than json-c on records.
 */
struct scan {
	const char *p, *end;
};

struct span {
	const char *s;
	size_t n;
};

static void ws(struct scan *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
		c->p++;
}

static bool lit(struct scan *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return false;
	c->p += n;
	return true;
}

/* A string without escapes or control characters (else: the slow path). */
static bool str(struct scan *c, struct span *out)
{
	const char *s;

	if (c->p >= c->end || *c->p != '"')
		return false;
	s = ++c->p;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' || (unsigned char)*c->p < 0x20)
			return false;
		c->p++;
	}
	if (c->p >= c->end)
		return false;
	out->s = s;
	out->n = (size_t)(c->p - s);
	c->p++;
	return true;
}

/* JSON's number grammar, then strtod on a bounded copy. */
static bool num(struct scan *c, double *out)
{
	const char *s = c->p;
	char buf[64];

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || !isdigit((unsigned char)*c->p))
		return false;
	if (*c->p == '0')
		c->p++;
	else
		while (c->p < c->end && isdigit((unsigned char)*c->p))
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || !isdigit((unsigned char)*c->p))
			return false;
		while (c->p < c->end && isdigit((unsigned char)*c->p))
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || !isdigit((unsigned char)*c->p))
			return false;
		while (c->p < c->end && isdigit((unsigned char)*c->p))
			c->p++;
	}
	if ((size_t)(c->p - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(c->p - s));
	buf[c->p - s] = 0;
	*out = strtod(buf, NULL);
	return isfinite(*out);
}

static bool skip_value(struct scan *c, int depth);

static bool skip_container(struct scan *c, int depth, char open)
{
	struct span k;

	if (depth > 32)
		return false;
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == (open == '{' ? '}' : ']')) {
		c->p++;
		return true;
	}
	for (;;) {
		if (open == '{') {
			if (!str(c, &k))
				return false;
			ws(c);
			if (!lit(c, ":"))
				return false;
			ws(c);
		}
		if (!skip_value(c, depth + 1))
			return false;
		ws(c);
		if (lit(c, ","))
			ws(c);
		else
			return lit(c, open == '{' ? "}" : "]");
	}
}

static bool skip_value(struct scan *c, int depth)
{
	struct span s;
	double d;

	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
	case '[':
		return skip_container(c, depth, *c->p);
	case '"':
		return str(c, &s);
	case 't':
		return lit(c, "true");
	case 'f':
		return lit(c, "false");
	case 'n':
		return lit(c, "null");
	default:
		return num(c, &d);
	}
}

static bool span_is(const struct span *s, const char *w)
{
	return strlen(w) == s->n && !memcmp(s->s, w, s->n);
}

static const char *intern_span(struct fl_dataset *ds, const struct span *s, int *id)
{
	char buf[512];

	if (s->n >= sizeof(buf))
		return NULL;
	memcpy(buf, s->s, s->n);
	buf[s->n] = 0;
	return intern_str(ds, buf, id);
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Fill the next record from a line; false: let json-c look at it. */
static bool fast_record(struct fl_dataset *ds, const char *line, size_t n, size_t lineno, size_t di)
{
	enum { WL, VAR, KER, MODE, PL, WHERE, ACCEL, RUN, NSTR };
	static const char *const skeys[NSTR] = {"workload",  "variant", "kernel", "mode",
						"placement", "where",	"accel",  "run_id"};
	struct scan c = {line, line + n};
	struct span sv[NSTR] = {{0}}, k, pk[32], pv[32];
	bool have[NSTR] = {false}, has_ops = false, has_w = false, has_rep = false, has_m = false;
	bool has_pa = false, has_pb = false, params = false;
	double ops = 0, w = 0, rep = 0, m = 0, dur = NAN, pa = 0, pb = 0;
	const char *mkey = ds->metric, *sub = NULL;
	size_t np = 0;
	struct fl_rec *r;
	int id;

	if (!strncmp(mkey, "counters.", 9))
		sub = mkey + 9;
	else if (strcmp(mkey, "ops_per_sec") &&
		 strstr(" workers rep duration_s pu_a pu_b params ", mkey))
		return false; /* a metric the scanner reads as something else */
	ws(&c);
	if (!lit(&c, "{"))
		return false;
	ws(&c);
	if (lit(&c, "}"))
		return false;
	for (;;) {
		size_t i;

		if (!str(&c, &k))
			return false;
		ws(&c);
		if (!lit(&c, ":"))
			return false;
		ws(&c);
		for (i = 0; i < NSTR; i++)
			if (span_is(&k, skeys[i]))
				break;
		if (i < NSTR) {
			if (have[i] || !str(&c, &sv[i]))
				return false;
			have[i] = true;
		} else if (span_is(&k, "ops_per_sec")) {
			if (has_ops || !num(&c, &ops))
				return false;
			has_ops = true;
		} else if (span_is(&k, "workers")) {
			if (has_w || !num(&c, &w))
				return false;
			has_w = true;
		} else if (span_is(&k, "rep")) {
			if (has_rep || !num(&c, &rep))
				return false;
			has_rep = true;
		} else if (span_is(&k, "duration_s") && c.p < c.end && *c.p != 'n') {
			if (!num(&c, &dur))
				return false;
		} else if (span_is(&k, "pu_a") || span_is(&k, "pu_b")) {
			bool *h = span_is(&k, "pu_a") ? &has_pa : &has_pb;

			if (*h || !num(&c, span_is(&k, "pu_a") ? &pa : &pb))
				return false;
			*h = true;
		} else if (!sub && span_is(&k, mkey)) {
			if (has_m || !num(&c, &m))
				return false;
			has_m = true;
		} else if (span_is(&k, "params") || (sub && span_is(&k, "counters"))) {
			bool isp = span_is(&k, "params");

			if (isp && params)
				return false;
			params |= isp;
			if (!lit(&c, "{"))
				return false;
			ws(&c);
			if (!lit(&c, "}")) {
				for (;;) {
					struct span ck, cv;

					if (!str(&c, &ck))
						return false;
					ws(&c);
					if (!lit(&c, ":"))
						return false;
					ws(&c);
					if (isp) {
						if (np == 32 || !str(&c, &cv))
							return false;
						pk[np] = ck;
						pv[np++] = cv;
					} else if (span_is(&ck, sub)) {
						if (has_m || c.p >= c.end || *c.p == 'n' ||
						    !num(&c, &m))
							return false;
						has_m = true;
					} else if (!skip_value(&c, 1)) {
						return false;
					}
					ws(&c);
					if (lit(&c, ","))
						ws(&c);
					else if (lit(&c, "}"))
						break;
					else
						return false;
				}
			}
		} else if (!skip_value(&c, 0)) {
			return false;
		}
		ws(&c);
		if (lit(&c, ","))
			ws(&c);
		else if (lit(&c, "}"))
			break;
		else
			return false;
	}
	ws(&c);
	if (c.p != c.end || !have[WL] || !have[KER] || !sv[WL].n || !sv[KER].n || !has_ops ||
	    ops < 0 || !has_w || w != floor(w) || w < 1 || w > 1e9 || !has_rep ||
	    rep != floor(rep) || rep < 0 || rep > 1e9 || (has_m && m < 0))
		return false;
	if (ds->nrecs == ds->cap) {
		ds->cap = ds->cap ? ds->cap * 2 : 1024;
		ds->recs = xrealloc(ds->recs, ds->cap * sizeof(*ds->recs));
	}
	r = &ds->recs[ds->nrecs];
	memset(r, 0, sizeof(*r));
	{
		static const char *const def[NSTR] = {"?", "default", "native", "threads",
						      "",  "native",  "none",	""};
		const char *v[NSTR];

		for (size_t i = 0; i < NSTR; i++) {
			v[i] = have[i] ? intern_span(ds, &sv[i], i == WL || i == VAR ? &id : NULL)
				       : intern_str(ds, def[i], i == WL || i == VAR ? &id : NULL);
			if (!v[i])
				return false;
			if (i == WL)
				r->wl_ord = first_seen(ds, id);
			if (i == VAR)
				r->var_ord = first_seen(ds, id);
		}
		r->workload = v[WL];
		r->variant = v[VAR];
		r->kernel = v[KER];
		r->mode = v[MODE];
		r->placement = v[PL];
		r->where = v[WHERE];
		r->accel = v[ACCEL];
		r->run_id = v[RUN];
	}
	{
		struct fl_sbuf b = {0};
		struct span kv[32];

		/* "k=v k=v" sorted by key, as canon_params */
		for (size_t i = 0; i < np; i++)
			kv[i] = pk[i];
		fl_sb_puts(&b, "");
		for (size_t i = 1; i < np; i++)
			for (size_t j = i; j > 0 && cmp_span(&kv[j - 1], &kv[j]) > 0; j--) {
				struct span t = kv[j], tv = pv[j];

				kv[j] = kv[j - 1];
				pv[j] = pv[j - 1];
				kv[j - 1] = t;
				pv[j - 1] = tv;
			}
		for (size_t i = 0; i < np; i++)
			fl_sb_printf(&b, "%s%.*s=%.*s", i ? " " : "", (int)kv[i].n, kv[i].s,
				     (int)pv[i].n, pv[i].s);
		r->params = intern_str(ds, b.s, NULL);
		fl_sb_free(&b);
	}
	r->workers = (int)w;
	r->rep = (int)rep;
	r->pair = has_pa && has_pb && pa == floor(pa) && pb == floor(pb) && pa >= 0 && pb >= 0 &&
			  pa < 1e9 && pb < 1e9
		      ? (int)pa << 16 | (int)pb
		      : -1;
	r->ops_per_sec = ops;
	r->has_metric = !strcmp(mkey, "ops_per_sec") ? true : has_m;
	r->metric = !strcmp(mkey, "ops_per_sec") ? ops : m;
	if (!r->has_metric)
		ds->no_metric++;
	r->duration_s = dur;
	r->dir = di;
	r->line = lineno;
	r->series = -1;
	r->case_id = -1;
	ds->nrecs++;
	return true;
}

int fl_ds_load(struct fl_dataset *ds, const char *dir)
{
	char path[4096], meta[4096], *line = NULL;
	size_t di, lineno = 0, cap = 0;
	struct json_tokener *tok;
	struct fl_dir *d;
	ssize_t got;
	FILE *f;
	int rc = 0;
	bool slow;

	snprintf(path, sizeof(path), "%s/samples.jsonl", dir);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "folio-lab-compare: %s: cannot read %s: %s\n", dir, path,
			strerror(errno));
		return -1;
	}
	ds->dirs = xrealloc(ds->dirs, (ds->ndirs + 1) * sizeof(*ds->dirs));
	di = ds->ndirs++;
	d = &ds->dirs[di];
	d->path = xstrdup(dir);
	snprintf(meta, sizeof(meta), "%s/meta.json", dir);
	d->meta = access(meta, R_OK) == 0 ? json_object_from_file(meta) : NULL;
	if (access(meta, R_OK) == 0 && !d->meta)
		fprintf(stderr, "folio-lab-compare: warning: %s is not valid JSON\n", meta);

	/* FOLIO_LAB_COMPARE_SLOW=1: json-c for every line (the tests compare both paths) */
	slow = getenv("FOLIO_LAB_COMPARE_SLOW") && *getenv("FOLIO_LAB_COMPARE_SLOW") == '1';
	/* line by line: the file itself never sits in memory */
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	while ((got = getline(&line, &cap, f)) >= 0) {
		struct json_object *o;
		size_t n = (size_t)got, used;
		bool last = n == 0 || line[n - 1] != '\n';

		lineno++;
		if (memchr(line, 0, n)) {
			bad_line(ds, di, path, lineno, "a NUL byte: not a text record%s%s", "", "");
			continue;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
			     line[n - 1] == '\t'))
			n--;
		if (strspn(line, " \t") >= n)
			continue; /* a blank line */
		if (!ds->keep_objs && !slow && fast_record(ds, line, n, lineno, di))
			continue;
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, line, (int)n);
		used = json_tokener_get_parse_end(tok);
		if (!o || used != n) {
			json_object_put(o);
			bad_line(ds, di, path, lineno, "not a JSON record (%s)%s",
				 o ? "text after the object"
				   : json_tokener_error_desc(json_tokener_get_error(tok)),
				 last ? "; the last line, truncated?" : "");
			continue;
		}
		if (parse_record(ds, o, path, lineno, di))
			json_object_put(o); /* refused: the others still count */
	}
	if (ferror(f)) {
		fprintf(stderr, "folio-lab-compare: %s: read error: %s\n", path, strerror(errno));
		rc = -1;
	}
	json_tokener_free(tok);
	free(line);
	fclose(f);
	return rc;
}

static size_t case_hash(const char *wl, const char *var, const char *mode, const char *pl,
			const char *params, int workers)
{
	const void *k[5] = {wl, var, mode, pl, params};
	size_t h = hash_bytes(k, sizeof(k), 14695981039346656037ULL);

	return hash_bytes(&workers, sizeof(workers), h);
}

/* The case of a record (interned strings: pointer equality is string equality). */
static int case_of(struct fl_dataset *ds, const struct fl_rec *r)
{
	size_t h, mask;
	int i;

	if (2 * (ds->ncases + 1) > ds->ncase_slot) {
		size_t ns = ds->ncase_slot ? ds->ncase_slot * 2 : 1024;
		int *slot = calloc(ns, sizeof(*slot));

		if (!slot) {
			fprintf(stderr, "folio-lab-compare: out of memory\n");
			exit(2);
		}
		for (size_t k = 0; k < ds->ncases; k++) {
			const struct fl_case *c = &ds->cases[k];

			h = case_hash(c->workload, c->variant, c->mode, c->placement, c->params,
				      c->workers) &
			    (ns - 1);
			while (slot[h])
				h = (h + 1) & (ns - 1);
			slot[h] = (int)k + 1;
		}
		free(ds->case_slot);
		ds->case_slot = slot;
		ds->ncase_slot = ns;
	}
	mask = ds->ncase_slot - 1;
	h = case_hash(r->workload, r->variant, r->mode, r->placement, r->params, r->workers) & mask;
	while ((i = ds->case_slot[h])) {
		const struct fl_case *c = &ds->cases[i - 1];

		if (c->workload == r->workload && c->variant == r->variant && c->mode == r->mode &&
		    c->placement == r->placement && c->params == r->params &&
		    c->workers == r->workers)
			return i - 1;
		h = (h + 1) & mask;
	}
	if (ds->ncases == ds->capcases) {
		ds->capcases = ds->capcases ? ds->capcases * 2 : 256;
		ds->cases = xrealloc(ds->cases, ds->capcases * sizeof(*ds->cases));
	}
	ds->cases[ds->ncases] =
	    (struct fl_case){r->workload, r->variant, r->mode,	  r->placement,	  r->params,
			     r->workers,  r->wl_ord,  r->var_ord, (int)ds->ncases};
	ds->case_slot[h] = (int)ds->ncases + 1;
	return (int)ds->ncases++;
}

/* Sort key of the duplicate check. */
static int cmp_dup(const void *pa, const void *pb, void *arg)
{
	const struct fl_rec *recs = arg;
	const struct fl_rec *a = &recs[*(const size_t *)pa], *b = &recs[*(const size_t *)pb];

	if (a->series != b->series)
		return a->series - b->series;
	if (a->case_id != b->case_id)
		return a->case_id - b->case_id;
	if (a->run_id != b->run_id)
		return a->run_id < b->run_id ? -1 : 1;
	if (a->rep != b->rep)
		return a->rep - b->rep;
	if (a->pair != b->pair)
		return a->pair - b->pair;
	/* file order: the first occurrence is kept */
	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

static const struct fl_rec *sort_recs;

static int cmp_dup_q(const void *a, const void *b)
{
	return cmp_dup(a, b, (void *)sort_recs);
}

static bool same_meas(const struct fl_rec *a, const struct fl_rec *b)
{
	return a->series == b->series && a->case_id == b->case_id && a->run_id == b->run_id &&
	       a->rep == b->rep && a->pair == b->pair;
}

/* Pointer order of interned strings (equal strings: equal pointers). */
static int cmp_ptr(const void *a, const void *b)
{
	return ((uintptr_t)a > (uintptr_t)b) - ((uintptr_t)a < (uintptr_t)b);
}

/*
 * The measurement of a record before series and cases exist: directory and
 * kernel (the series), the case fields, run_id, rep, pair; then file order.
 */
static int cmp_meas(const void *pa, const void *pb)
{
	const struct fl_rec *a = &sort_recs[*(const size_t *)pa],
			    *b = &sort_recs[*(const size_t *)pb];
	const void *ka[] = {a->kernel,	  a->workload, a->variant, a->mode,
			    a->placement, a->params,   a->run_id};
	const void *kb[] = {b->kernel,	  b->workload, b->variant, b->mode,
			    b->placement, b->params,   b->run_id};
	int c;

	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	for (size_t i = 0; i < sizeof(ka) / sizeof(*ka); i++)
		if ((c = cmp_ptr(ka[i], kb[i])))
			return c;
	if (a->workers != b->workers)
		return a->workers - b->workers;
	if (a->rep != b->rep)
		return a->rep - b->rep;
	if (a->pair != b->pair)
		return a->pair - b->pair;
	return (a->line > b->line) - (a->line < b->line);
}

static bool same_meas_raw(const struct fl_rec *a, const struct fl_rec *b)
{
	return a->dir == b->dir && a->kernel == b->kernel && a->workload == b->workload &&
	       a->variant == b->variant && a->mode == b->mode && a->placement == b->placement &&
	       a->params == b->params && a->workers == b->workers && a->run_id == b->run_id &&
	       a->rep == b->rep && a->pair == b->pair;
}

static bool same_values(const struct fl_rec *a, const struct fl_rec *b)
{
	return a->ops_per_sec == b->ops_per_sec && a->has_metric == b->has_metric &&
	       (!a->has_metric || a->metric == b->metric);
}

static int cmp_refused(const void *pa, const void *pb)
{
	const struct fl_refused *a = pa, *b = pb;

	if (a->dir != b->dir)
		return a->dir < b->dir ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

/*
 * Copies of one measurement that disagree: no copy can be trusted over the
 * others, so every copy is refused (each naming one it disagrees with) and
 * dropped from the records; the rest of the data stays usable.
 */
static void refuse_conflicts(struct fl_dataset *ds)
{
	size_t *ord = xrealloc(NULL, (ds->nrecs + 1) * sizeof(*ord)), kept = 0;
	bool *drop = calloc(ds->nrecs + 1, sizeof(*drop));

	if (!drop) {
		fprintf(stderr, "folio-lab-compare: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < ds->nrecs; i++)
		ord[i] = i;
	sort_recs = ds->recs;
	qsort(ord, ds->nrecs, sizeof(*ord), cmp_meas);
	for (size_t i = 0, j; i < ds->nrecs; i = j) {
		bool agree = true;

		for (j = i + 1;
		     j < ds->nrecs && same_meas_raw(&ds->recs[ord[i]], &ds->recs[ord[j]]); j++)
			agree &= same_values(&ds->recs[ord[i]], &ds->recs[ord[j]]);
		for (size_t k = i; k < j && !agree; k++) {
			const struct fl_rec *b = &ds->recs[ord[k]], *a = NULL;
			struct fl_sbuf file = {0}, why = {0};

			/* name the first copy that disagrees with this one */
			for (size_t m = i; m < j && !a; m++)
				if (!same_values(b, &ds->recs[ord[m]]))
					a = &ds->recs[ord[m]];
			fl_sb_printf(&file, "%s/samples.jsonl", ds->dirs[b->dir].path);
			fl_sb_printf(&why,
				     "the same measurement (run_id '%s', rep %d, same case and "
				     "kernel) as %s/samples.jsonl:%zu with different values",
				     b->run_id, b->rep, ds->dirs[a->dir].path, a->line);
			refuse(ds, b->dir, file.s, b->line, why.s);
			fl_sb_free(&file);
			drop[ord[k]] = true;
		}
	}
	free(ord);
	for (size_t i = 0; i < ds->nrecs; i++) {
		if (!drop[i]) {
			ds->recs[kept++] = ds->recs[i];
			continue;
		}
		json_object_put(ds->recs[i].obj);
		if (!ds->recs[i].has_metric)
			ds->no_metric--;
	}
	ds->nrecs = kept;
	free(drop);
}

int fl_ds_assign_series(struct fl_dataset *ds)
{
	size_t *ord, nkey;
	bool prefix = false;

	refuse_conflicts(ds);
	if (ds->nrefused)
		qsort(ds->refused, ds->nrefused, sizeof(*ds->refused), cmp_refused);
	for (size_t i = 0; i < ds->nrecs; i++) {
		struct fl_rec *r = &ds->recs[i];
		size_t s;

		/* few series: a linear search is fine */
		for (s = 0; s < ds->nseries; s++)
			if (ds->series[s].dir == r->dir && ds->series[s].kernel == r->kernel)
				break;
		if (s == ds->nseries) {
			ds->series = xrealloc(ds->series, (s + 1) * sizeof(*ds->series));
			ds->series[s] = (struct fl_series){NULL, r->kernel, r->dir};
			ds->nseries++;
		}
		r->series = (int)s;
		r->case_id = case_of(ds, r);
	}
	/* Name series by kernel label unless two directories share a label. */
	for (size_t s = 0; s < ds->nseries; s++)
		for (size_t t = s + 1; t < ds->nseries; t++)
			if (ds->series[s].kernel == ds->series[t].kernel)
				prefix = true;
	for (size_t s = 0; s < ds->nseries; s++) {
		struct fl_sbuf name = {0};
		const char *path = ds->dirs[ds->series[s].dir].path, *base = strrchr(path, '/');

		base = base && base[1] ? base + 1 : path;
		if (prefix)
			fl_sb_printf(&name, "%s/%s", base, ds->series[s].kernel);
		else
			fl_sb_puts(&name, ds->series[s].kernel);
		ds->series[s].name = name.s;
	}

	/* Duplicates: the same measurement (series, case, run, rep, pair) twice. */
	ord = xrealloc(NULL, (ds->nrecs + 1) * sizeof(*ord));
	for (size_t i = 0; i < ds->nrecs; i++)
		ord[i] = i;
	sort_recs = ds->recs;
	qsort(ord, ds->nrecs, sizeof(*ord), cmp_dup_q);
	for (size_t i = 1; i < ds->nrecs; i++) {
		struct fl_rec *a = &ds->recs[ord[i - 1]], *b = &ds->recs[ord[i]];
		size_t k = i - 1;

		if (!same_meas(a, b))
			continue;
		while (ds->recs[ord[k]].dup)
			k--; /* compare with the kept one */
		/* copies that disagree are gone (refuse_conflicts): a and b agree */
		a = &ds->recs[ord[k]];
		if (!ds->dups)
			fprintf(
			    stderr,
			    "folio-lab-compare: %s/samples.jsonl:%zu repeats %s/samples.jsonl:%zu "
			    "(same run_id, rep and case): duplicated records are counted once\n",
			    ds->dirs[b->dir].path, b->line, ds->dirs[a->dir].path, a->line);
		b->dup = true;
		ds->dups++;
	}
	if (ds->dups > 1)
		fprintf(stderr, "folio-lab-compare: %zu duplicated records counted once\n",
			ds->dups);

	/* Index: records of (case, series), counting sort. */
	nkey = ds->ncases * (ds->nseries ? ds->nseries : 1);
	ds->idx_start = calloc(nkey + 2, sizeof(*ds->idx_start));
	ds->idx = xrealloc(NULL, (ds->nrecs + 1) * sizeof(*ds->idx));
	if (!ds->idx_start) {
		fprintf(stderr, "folio-lab-compare: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < ds->nrecs; i++)
		if (!ds->recs[i].dup)
			ds->idx_start[(size_t)ds->recs[i].case_id * ds->nseries +
				      (size_t)ds->recs[i].series + 1]++;
	for (size_t k = 1; k <= nkey; k++)
		ds->idx_start[k] += ds->idx_start[k - 1];
	/* ord becomes the fill cursor of each (case, series) */
	ord = xrealloc(ord, (nkey + 1) * sizeof(*ord));
	memcpy(ord, ds->idx_start, (nkey + 1) * sizeof(*ord));
	for (size_t i = 0; i < ds->nrecs; i++)
		if (!ds->recs[i].dup)
			ds->idx[ord[(size_t)ds->recs[i].case_id * ds->nseries +
				    (size_t)ds->recs[i].series]++] = i;
	free(ord);

	/* Which workloads run with several parameter sets. */
	ds->nwl_vary = ds->str.n;
	ds->wl_vary = calloc(ds->str.n + 1, 1);
	{
		const char **first = calloc(ds->str.n + 1, sizeof(*first));
		int id;

		for (size_t c = 0; c < ds->ncases && first; c++) {
			id = find_str(ds, ds->cases[c].workload);
			if (!first[id])
				first[id] = ds->cases[c].params;
			else if (first[id] != ds->cases[c].params)
				ds->wl_vary[id] = 1;
		}
		free(first);
	}
	return 0;
}

void fl_ds_print_refused(const struct fl_dataset *ds, FILE *f)
{
	if (!ds->nrefused)
		return;
	for (size_t i = 0; i < ds->nrefused; i++)
		fprintf(f, "folio-lab-compare: refused %s:%zu: %s\n", ds->refused[i].file,
			ds->refused[i].line, ds->refused[i].why);
	fprintf(f, "folio-lab-compare: %zu record%s refused; %s\n", ds->nrefused,
		ds->nrefused == 1 ? "" : "s",
		ds->nrecs ? "the rest is shown" : "no valid record left");
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
	for (size_t i = 0; i < ds->nrecs; i++)
		json_object_put(ds->recs[i].obj);
	for (size_t i = 0; i < ds->ndirs; i++) {
		free(ds->dirs[i].path);
		json_object_put(ds->dirs[i].meta);
	}
	for (size_t i = 0; i < ds->nseries; i++)
		free(ds->series[i].name);
	for (size_t i = 0; i < ds->str.n; i++)
		free(ds->str.s[i]);
	free(ds->str.s);
	free(ds->str.slot);
	free(ds->recs);
	free(ds->dirs);
	free(ds->series);
	free(ds->ord);
	free(ds->cases);
	free(ds->case_slot);
	free(ds->idx);
	free(ds->idx_start);
	free(ds->wl_vary);
	for (size_t i = 0; i < ds->nrefused; i++) {
		free(ds->refused[i].file);
		free(ds->refused[i].why);
	}
	free(ds->refused);
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
	if (c->id >= 0 && r->case_id >= 0)
		return c->id == r->case_id;
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
	struct fl_case *c = xrealloc(NULL, (ds->ncases + 1) * sizeof(*c));

	memcpy(c, ds->cases, ds->ncases * sizeof(*c));
	qsort(c, ds->ncases, sizeof(*c), cmp_case);
	*out = c;
	return ds->ncases;
}

size_t fl_ds_case_recs(const struct fl_dataset *ds, const struct fl_case *c, int series,
		       const size_t **out)
{
	size_t k = (size_t)c->id * ds->nseries + (size_t)series;

	*out = ds->idx + ds->idx_start[k];
	return ds->idx_start[k + 1] - ds->idx_start[k];
}

size_t fl_ds_values(const struct fl_dataset *ds, const struct fl_case *c, int series, double **out)
{
	size_t n = 0, from = series >= 0 ? (size_t)series : 0;
	size_t to = series >= 0 ? (size_t)series + 1 : ds->nseries;
	double *v;

	for (size_t s = from; s < to; s++) {
		const size_t *ix;

		n += fl_ds_case_recs(ds, c, (int)s, &ix);
	}
	v = xrealloc(NULL, (n + 1) * sizeof(*v));
	n = 0;
	for (size_t s = from; s < to; s++) {
		const size_t *ix;
		size_t m = fl_ds_case_recs(ds, c, (int)s, &ix);

		for (size_t i = 0; i < m; i++)
			if (ds->recs[ix[i]].has_metric)
				v[n++] = ds->recs[ix[i]].metric;
	}
	*out = v;
	return n;
}

const char *fl_params_get(const char *params, const char *name, char *buf, size_t size)
{
	size_t kl = strlen(name);

	for (const char *s = params; s && *s;) {
		const char *e = strchr(s, ' ');
		size_t l = e ? (size_t)(e - s) : strlen(s);

		if (l > kl && !strncmp(s, name, kl) && s[kl] == '=') {
			snprintf(buf, size, "%.*s", (int)(l - kl - 1), s + kl + 1);
			return buf;
		}
		s = e ? e + 1 : NULL;
	}
	return NULL;
}

const char *fl_rec_field(const struct fl_dataset *ds, const struct fl_rec *r, const char *key,
			 char *buf, size_t size)
{
	struct json_object *v, *p;

	(void)ds;
	if (!strcmp(key, "workload"))
		return r->workload;
	if (!strcmp(key, "variant"))
		return r->variant;
	if (!strcmp(key, "kernel"))
		return r->kernel;
	if (!strcmp(key, "mode"))
		return r->mode;
	if (!strcmp(key, "placement"))
		return r->placement;
	if (!strcmp(key, "where"))
		return r->where;
	if (!strcmp(key, "accel"))
		return r->accel;
	if (!strcmp(key, "run_id"))
		return r->run_id;
	if (!strcmp(key, "params"))
		return r->params;
	if (!strcmp(key, "workers") || !strcmp(key, "rep")) {
		snprintf(buf, size, "%d", !strcmp(key, "rep") ? r->rep : r->workers);
		return buf;
	}
	if (!strncmp(key, "params.", 7))
		return fl_params_get(r->params, key + 7, buf, size);
	if (!r->obj)
		return NULL;
	p = r->obj;
	if (!strncmp(key, "counters.", 9)) {
		if (!json_object_object_get_ex(p, "counters", &p))
			return NULL;
		key += 9;
	}
	if (!json_object_object_get_ex(p, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	snprintf(buf, size, "%s", json_object_get_string(v));
	return buf;
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

const char *fl_fmt_si(char *buf, size_t size, double v)
{
	static const char *const up[] = {"", "k", "M", "G", "T", "P"};
	static const char *const down[] = {"", "m", "u", "n", "p"};
	double a = fabs(v);
	int e = 0;

	if (isnan(v))
		return snprintf(buf, size, "-"), buf;
	if (isinf(v) || a == 0)
		return snprintf(buf, size, "%g", v), buf;
	while (a >= 999.5 && e < 5) {
		a /= 1000;
		e++;
	}
	while (a < 0.9995 && e > -4) {
		a *= 1000;
		e--;
	}
	snprintf(buf, size,
		 a >= 99.95   ? "%s%.0f%s"
		 : a >= 9.995 ? "%s%.1f%s"
			      : "%s%.2f%s",
		 v < 0 ? "-" : "", a, e >= 0 ? up[e] : down[-e]);
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

/* meta.json's kernels.LABEL.vcpu_pins: a non-empty list (guest/run.sh --pin). */
static bool vcpus_pinned(const struct fl_dataset *ds, const struct fl_series *se)
{
	struct json_object *k, *e, *v;
	struct json_object *m = ds->dirs[se->dir].meta;

	return m && json_object_object_get_ex(m, "kernels", &k) &&
	       json_object_object_get_ex(k, se->kernel, &e) &&
	       json_object_object_get_ex(e, "vcpu_pins", &v) &&
	       json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0;
}

bool fl_ds_not_scalability(const struct fl_dataset *ds, char *why, size_t size)
{
	char b[256];

	why[0] = 0;
	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct fl_rec *r = &ds->recs[i];

		if (strcmp(r->where, "guest") != 0)
			continue;
		if (!strcmp(r->accel, "tcg")) {
			snprintf(why, size, "measured in an emulated guest (accel %s)", r->accel);
			return true;
		}
		/* a KVM guest counts only with its vCPUs pinned 1:1 (guest/run.sh --pin) */
		if (r->series < 0 || !vcpus_pinned(ds, &ds->series[r->series])) {
			snprintf(why, size,
				 "measured in a guest whose vCPUs are not pinned (accel %s)",
				 r->accel);
			return true;
		}
	}
	for (size_t s = 0; s < ds->nseries; s++) {
		const struct fl_series *se = &ds->series[s];
		const char *v = fl_meta_str(ds, se->dir, se->kernel, "vm", b, sizeof(b));

		if (v && strcmp(v, "false") != 0 && *v && !vcpus_pinned(ds, se)) {
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
	int id = find_str(ds, workload);

	return ds->wl_vary && id >= 0 && (size_t)id < ds->nwl_vary && ds->wl_vary[id];
}
