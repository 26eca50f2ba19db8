// SPDX-License-Identifier: GPL-2.0 OR MIT
/* folio-lab-history: a results directory in memory, grouped into builds. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "history.h"

static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap ? cap * 2 : 131072) + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, 65536, f);

		n += r;
		if (r < 65536)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

double hs_parse_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, n = 0;
	double sec;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return NAN;
	if (s[n] != 'Z' && s[n] != '\0' && strcmp(s + n, "+00:00") != 0)
		return NAN;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = 0;
	return (double)timegm(&tm) + sec;
}

void hs_format_time(double t, char *buf, size_t size)
{
	time_t s = (time_t)floor(t);
	struct tm tm;
	int ms = (int)llround((t - (double)s) * 1000.0);

	if (ms >= 1000) {
		s++;
		ms -= 1000;
	}
	gmtime_r(&s, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jnum(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return false;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_double(v);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* params object -> "k=v k=v" sorted by key */
static char *canon_params(struct json_object *p)
{
	size_t n = 0, len = 1, i = 0;
	char **kv, *out;

	if (!p || !json_object_is_type(p, json_type_object))
		return strdup("");
	json_object_object_foreach(p, k0, v0)
	{
		(void)k0;
		(void)v0;
		n++;
	}
	kv = calloc(n ? n : 1, sizeof(*kv));
	if (!kv)
		return NULL;
	json_object_object_foreach(p, k, v)
	{
		const char *s = json_object_get_string(v);
		size_t l = strlen(k) + strlen(s ? s : "") + 2;

		kv[i] = malloc(l);
		if (!kv[i])
			break;
		snprintf(kv[i], l, "%s=%s", k, s ? s : "");
		len += l;
		i++;
	}
	n = i;
	qsort(kv, n, sizeof(*kv), cmp_str);
	out = malloc(len);
	if (out) {
		out[0] = '\0';
		for (i = 0; i < n; i++) {
			if (i)
				strcat(out, " ");
			strcat(out, kv[i]);
		}
	}
	for (i = 0; i < n; i++)
		free(kv[i]);
	free(kv);
	return out;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* The meta.json entry of a label, or NULL. */
static struct json_object *meta_entry(struct json_object *meta, const char *label)
{
	struct json_object *k, *e;

	if (!meta || !json_object_object_get_ex(meta, "kernels", &k) ||
	    !json_object_object_get_ex(k, label, &e) || !json_object_is_type(e, json_type_object))
		return NULL;
	return e;
}

static int find_build(struct hs_dir *d, const char *label, const char *release)
{
	for (size_t i = 0; i < d->nbuilds; i++)
		if (strcmp(d->builds[i].label, label) == 0 &&
		    strcmp(d->builds[i].release, release) == 0)
			return (int)i;
	return -1;
}

static char *key_of(const struct hs_build *b)
{
	/* unit separator between the fields: none of them holds one */
	const char *f[] = {b->label, b->release, b->describe, b->commit, b->config_hash, b->run};
	size_t len = 1;
	char *k;

	for (size_t i = 0; i < 6; i++)
		len += strlen(f[i]) + 1;
	k = malloc(len);
	if (!k)
		return NULL;
	k[0] = '\0';
	for (size_t i = 0; i < 6; i++) {
		if (i)
			strcat(k, "\x1f");
		strcat(k, f[i]);
	}
	return k;
}

int hs_dir_load(struct hs_dir *d, const char *path)
{
	struct stat st;
	char *sp, *mp, *line;
	size_t len, lineno = 0, cap = 0;

	memset(d, 0, sizeof(*d));
	d->path = strdup(path);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "folio-lab-history: %s: not a directory\n", path);
		return -1;
	}
	sp = path_join(path, "samples.jsonl");
	mp = path_join(path, "meta.json");
	if (!sp || !mp) {
		free(sp);
		free(mp);
		return -1;
	}
	d->text = slurp(sp, &len);
	if (!d->text) {
		fprintf(stderr, "folio-lab-history: %s: no records (%s)\n", sp, strerror(errno));
		free(sp);
		free(mp);
		return -1;
	}
	if (access(mp, F_OK) == 0) {
		struct json_object *k;

		d->meta = json_object_from_file(mp);
		if (!d->meta || !json_object_object_get_ex(d->meta, "kernels", &k) ||
		    !json_object_is_type(k, json_type_object)) {
			fprintf(stderr, "folio-lab-history: %s is not a folio-lab meta.json\n", mp);
			free(sp);
			free(mp);
			return -1;
		}
	}
	free(mp);
	line = d->text;
	while (*line) {
		char *nl = strchr(line, '\n');
		struct json_object *o;
		struct hs_rec *r;
		double w = NAN, rep = 0;

		if (nl)
			*nl = '\0';
		lineno++;
		if (strspn(line, " \t\r") == strlen(line))
			goto next;
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			fprintf(stderr, "folio-lab-history: %s:%zu: not a JSON object\n", sp,
				lineno);
			json_object_put(o);
			goto bad;
		}
		if (d->nrecs == cap) {
			struct hs_rec *nr =
			    realloc(d->recs, (cap = cap ? cap * 2 : 256) * sizeof(*nr));

			if (!nr) {
				json_object_put(o);
				goto bad;
			}
			d->recs = nr;
		}
		r = &d->recs[d->nrecs++];
		memset(r, 0, sizeof(*r));
		r->obj = o;
		r->line = line;
		r->run_id = jstr(o, "run_id");
		r->timestamp = jstr(o, "timestamp");
		r->workload = jstr(o, "workload");
		r->variant = jstr(o, "variant");
		r->kernel = jstr(o, "kernel");
		r->release = or_empty(jstr(o, "kernel_release"));
		r->mode = or_empty(jstr(o, "mode"));
		r->placement = or_empty(jstr(o, "placement"));
		r->where = or_empty(jstr(o, "where"));
		r->accel = or_empty(jstr(o, "accel"));
		r->t = hs_parse_time(r->timestamp);
		if (!r->run_id || !r->workload || !r->variant || !r->kernel || isnan(r->t) ||
		    !jnum(o, "workers", &w)) {
			fprintf(stderr,
				"folio-lab-history: %s:%zu: not a folio-lab record (needs run_id, "
				"timestamp, workload, variant, kernel, workers)\n",
				sp, lineno);
			goto bad;
		}
		r->workers = (int)w;
		jnum(o, "rep", &rep);
		r->rep = (int)rep;
		if (!jnum(o, "ops_per_sec", &r->ops_per_sec))
			r->ops_per_sec = NAN;
		if (!jnum(o, "duration_s", &r->duration_s))
			r->duration_s = NAN;
		{
			struct json_object *p = NULL;

			json_object_object_get_ex(o, "params", &p);
			r->params = canon_params(p);
			if (!r->params)
				goto bad;
		}
	next:
		if (!nl)
			break;
		line = nl + 1;
	}
	if (d->nrecs == 0) {
		fprintf(stderr, "folio-lab-history: %s: no records\n", sp);
		goto bad;
	}
	/* builds: one per (label, release) */
	d->builds = calloc(d->nrecs, sizeof(*d->builds));
	if (!d->builds)
		goto bad;
	for (size_t i = 0; i < d->nrecs; i++) {
		struct hs_rec *r = &d->recs[i];
		int b = find_build(d, r->kernel, r->release);
		struct hs_build *B;

		if (b < 0) {
			struct json_object *e = meta_entry(d->meta, r->kernel);

			b = (int)d->nbuilds++;
			B = &d->builds[b];
			B->label = r->kernel;
			B->release = r->release;
			B->meta = e;
			B->describe = or_empty(jstr(e, "git_describe"));
			B->commit = or_empty(jstr(e, "git_commit"));
			B->config_hash = or_empty(jstr(e, "config_hash"));
			B->tree = or_empty(jstr(e, "kernel_tree"));
			B->lab_version = or_empty(jstr(e, "lab_version"));
			B->cpu_model = or_empty(jstr(e, "cpu_model"));
			B->where = r->where;
			B->accel = r->accel;
			B->scheme = or_empty(jstr(r->obj, "kernel_scheme"));
			B->run = jstr(e, "run_id") ? strdup(jstr(e, "run_id")) : NULL;
			B->t0 = B->t1 = r->t;
		}
		B = &d->builds[b];
		r->build = (size_t)b;
		B->nrecs++;
		if (r->t < B->t0)
			B->t0 = r->t;
		if (r->t > B->t1)
			B->t1 = r->t;
	}
	for (size_t b = 0; b < d->nbuilds; b++) {
		struct hs_build *B = &d->builds[b];

		if (!B->run) {
			const char *best = NULL;

			for (size_t i = 0; i < d->nrecs; i++)
				if (d->recs[i].build == b &&
				    (!best || strcmp(d->recs[i].run_id, best) < 0))
					best = d->recs[i].run_id;
			B->run = strdup(best ? best : "");
		}
		B->key = key_of(B);
		if (!B->run || !B->key)
			goto bad;
		hs_format_time(B->t0, B->first_ts, sizeof(B->first_ts));
		hs_format_time(B->t1, B->last_ts, sizeof(B->last_ts));
	}
	free(sp);
	return 0;
bad:
	free(sp);
	return -1;
}

void hs_dir_free(struct hs_dir *d)
{
	for (size_t i = 0; i < d->nrecs; i++) {
		json_object_put(d->recs[i].obj);
		free(d->recs[i].params);
	}
	for (size_t b = 0; b < d->nbuilds; b++) {
		free(d->builds[b].run);
		free(d->builds[b].key);
	}
	free(d->recs);
	free(d->builds);
	json_object_put(d->meta);
	free(d->text);
	free(d->path);
	memset(d, 0, sizeof(*d));
}
