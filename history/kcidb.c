// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-history export-kcidb: a results directory as KernelCI KCIDB I/O
 * JSON, schema version 4.0 (checkouts, builds, tests). The id scheme is in the
 * docs/history.md ("Fleets: KCIDB"); every id starts with "ORIGIN:".
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "history.h"

static const char kcidb_usage[] =
    "usage: folio-lab-history export-kcidb [--origin NAME] [--out FILE] DIR\n"
    "\n"
    "Writes the records of results directory DIR as KCIDB I/O JSON (schema 4.0):\n"
    "one checkout and one build per kernel label, one test per record (status\n"
    "DONE, the figures with their units in misc). --origin (default folio_lab,\n"
    "[a-z0-9_]+) prefixes every id. Output on stdout unless --out FILE.\n";

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static struct json_object *figure(double v, const char *unit)
{
	struct json_object *f = json_object_new_object();

	json_object_object_add(f, "value", json_object_new_double(v));
	json_object_object_add(f, "unit", json_object_new_string(unit));
	return f;
}

/* Keeps [A-Za-z0-9_-]; anything else (dots too: they separate path levels) becomes '_'. */
static void path_part(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++) {
		char ch = *s;

		dst[n++] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')
			       ? ch
			       : '_';
	}
	dst[n] = '\0';
}

static bool is_sha1(const char *s)
{
	return s && strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/* A deep copy without null members or elements: KCIDB allows no nulls anywhere. */
static struct json_object *copy_json(struct json_object *o)
{
	struct json_object *c;

	if (!o)
		return NULL;
	if (json_object_is_type(o, json_type_object)) {
		c = json_object_new_object();
		json_object_object_foreach(o, k, v)
		{
			if (v)
				json_object_object_add(c, k, copy_json(v));
		}
		return c;
	}
	if (json_object_is_type(o, json_type_array)) {
		c = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			struct json_object *v = json_object_array_get_idx(o, i);

			if (v)
				json_object_array_add(c, copy_json(v));
		}
		return c;
	}
	c = NULL;
	if (json_object_deep_copy(o, &c, NULL) != 0)
		return NULL;
	return c;
}

int hs_cmd_export_kcidb(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"origin", required_argument, NULL, 'o'},
	    {"out", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *origin = "folio_lab", *out = NULL;
	struct json_object *root, *ver, *cks, *bds, *tss;
	struct hs_dir d;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			origin = optarg;
			break;
		case 'f':
			out = optarg;
			break;
		case 'h':
			fputs(kcidb_usage, stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (!*origin || strspn(origin, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(origin)) {
		fprintf(stderr, "folio-lab-history: --origin must match [a-z0-9_]+\n");
		return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "folio-lab-history: export-kcidb needs one results directory\n%s",
			kcidb_usage);
		return 2;
	}
	if (hs_dir_load(&d, argv[optind]) != 0)
		return 2;
	root = json_object_new_object();
	ver = json_object_new_object();
	json_object_object_add(ver, "major", json_object_new_int(4));
	json_object_object_add(ver, "minor", json_object_new_int(0));
	json_object_object_add(root, "version", ver);
	cks = json_object_new_array();
	bds = json_object_new_array();
	tss = json_object_new_array();
	char **build_ids = calloc(d.nbuilds, sizeof(*build_ids));

	for (size_t b = 0; b < d.nbuilds; b++) {
		const struct hs_build *B = &d.builds[b];
		struct json_object *ck = json_object_new_object(), *bd = json_object_new_object(),
				   *misc = json_object_new_object(), *cm;
		char id[1024], ckid[1024], src[256];

		snprintf(src, sizeof(src), "%s",
			 B->commit[0]	  ? B->commit
			 : B->describe[0] ? B->describe
					  : B->release);
		snprintf(ckid, sizeof(ckid), "%s:%s@%s", origin, B->label, src);
		snprintf(id, sizeof(id), "%s:%s/%s/%s", origin, B->run, B->label, B->release);
		build_ids[b] = strdup(id);
		add_str(ck, "id", ckid);
		add_str(ck, "origin", origin);
		add_str(ck, "tree_name",
			B->meta && json_object_object_get_ex(B->meta, "tree_name", &cm)
			    ? json_object_get_string(cm)
			    : NULL);
		if (is_sha1(B->commit))
			add_str(ck, "git_commit_hash", B->commit);
		add_str(ck, "git_commit_name", B->describe);
		{
			char comment[512];

			snprintf(comment, sizeof(comment), "folio-lab kernel %s, release %s",
				 B->label, B->release);
			add_str(ck, "comment", comment);
			add_str(bd, "comment", comment);
		}
		add_str(ck, "start_time", B->first_ts);
		json_object_object_add(ck, "valid", json_object_new_boolean(1));
		{
			struct json_object *cmisc = json_object_new_object();

			add_str(cmisc, "label", B->label);
			add_str(cmisc, "kernel_release", B->release);
			add_str(cmisc, "kernel_tree", B->tree);
			json_object_object_add(ck, "misc", cmisc);
		}
		json_object_array_add(cks, ck);

		add_str(bd, "id", id);
		add_str(bd, "checkout_id", ckid);
		add_str(bd, "origin", origin);
		add_str(bd, "start_time", B->first_ts);
		add_str(bd, "architecture", "x86_64");
		add_str(bd, "config_name", B->config_hash);
		json_object_object_add(bd, "valid", json_object_new_boolean(1));
		add_str(misc, "label", B->label);
		add_str(misc, "kernel_release", B->release);
		add_str(misc, "kernel_scheme", B->scheme);
		add_str(misc, "git_describe", B->describe);
		add_str(misc, "git_commit", B->commit);
		add_str(misc, "config_hash", B->config_hash);
		add_str(misc, "kernel_tree", B->tree);
		add_str(misc, "lab_version", B->lab_version);
		add_str(misc, "run", B->run);
		add_str(misc, "where", B->where);
		add_str(misc, "accel", B->accel);
		if (B->meta) {
			struct json_object *p = copy_json(B->meta);

			if (p)
				json_object_object_add(misc, "provenance", p);
		}
		json_object_object_add(bd, "misc", misc);
		json_object_array_add(bds, bd);
	}
	for (size_t i = 0; i < d.nrecs; i++) {
		const struct hs_rec *r = &d.recs[i];
		struct json_object *t = json_object_new_object(), *misc = json_object_new_object(),
				   *env = json_object_new_object(),
				   *emisc = json_object_new_object(), *v;
		char path[512], id[2048], a[64], b[64], m[32], p[64], pp[256] = "", ts[40];

		path_part(a, sizeof(a), r->workload);
		path_part(b, sizeof(b), r->variant);
		path_part(m, sizeof(m), r->mode);
		path_part(p, sizeof(p), r->placement);
		if (r->params[0]) {
			char tmp[250];

			path_part(tmp, sizeof(tmp), r->params);
			snprintf(pp, sizeof(pp), ".%s", tmp);
		}
		snprintf(path, sizeof(path), "folio_lab.%s.%s.%s.%s%s.w%d", a, b, m, p, pp,
			 r->workers);
		snprintf(id, sizeof(id), "%s/%s/%s/r%d", build_ids[r->build], path, r->run_id,
			 r->rep);
		add_str(t, "id", id);
		add_str(t, "build_id", build_ids[r->build]);
		add_str(t, "origin", origin);
		add_str(t, "path", path);
		add_str(t, "status", isnan(r->ops_per_sec) ? "ERROR" : "DONE");
		if (!isnan(r->duration_s)) {
			hs_format_time(r->t - r->duration_s, ts, sizeof(ts));
			add_str(t, "start_time", ts);
			json_object_object_add(t, "duration",
					       json_object_new_double(r->duration_s));
		}
		{
			char comment[512];

			snprintf(comment, sizeof(comment), "%s/%s %s %s w%d rep %d: %.6g ops/s",
				 r->workload, r->variant, r->mode, r->placement, r->workers, r->rep,
				 r->ops_per_sec);
			add_str(t, "comment", comment);
		}
		{
			char ec[300];

			snprintf(ec, sizeof(ec), "%s/%s%s%s", r->where, r->accel,
				 d.builds[r->build].cpu_model[0] ? ", " : "",
				 d.builds[r->build].cpu_model);
			add_str(env, "comment", ec);
		}
		add_str(emisc, "where", r->where);
		add_str(emisc, "accel", r->accel);
		add_str(emisc, "placement", r->placement);
		if (json_object_object_get_ex(r->obj, "pus", &v))
			json_object_object_add(emisc, "pus", copy_json(v));
		if (json_object_object_get_ex(r->obj, "nodes", &v))
			json_object_object_add(emisc, "nodes", copy_json(v));
		json_object_object_add(env, "misc", emisc);
		json_object_object_add(t, "environment", env);

		add_str(misc, "workload", r->workload);
		add_str(misc, "variant", r->variant);
		add_str(misc, "mode", r->mode);
		json_object_object_add(misc, "workers", json_object_new_int(r->workers));
		json_object_object_add(misc, "rep", json_object_new_int(r->rep));
		add_str(misc, "run_id", r->run_id);
		add_str(misc, "timestamp", r->timestamp);
		if (json_object_object_get_ex(r->obj, "params", &v))
			json_object_object_add(misc, "params", copy_json(v));
		if (!isnan(r->ops_per_sec))
			json_object_object_add(misc, "ops_per_sec",
					       figure(r->ops_per_sec, "ops/s"));
		if (json_object_object_get_ex(r->obj, "ops", &v))
			json_object_object_add(misc, "ops",
					       figure(json_object_get_double(v), "ops"));
		if (!isnan(r->duration_s))
			json_object_object_add(misc, "duration_s", figure(r->duration_s, "s"));
		if (json_object_object_get_ex(r->obj, "warmup_s", &v))
			json_object_object_add(misc, "warmup_s",
					       figure(json_object_get_double(v), "s"));
		if (json_object_object_get_ex(r->obj, "handoff_ns", &v))
			json_object_object_add(misc, "handoff_ns",
					       figure(json_object_get_double(v), "ns"));
		if (json_object_object_get_ex(r->obj, "per_worker_ops", &v) &&
		    json_object_is_type(v, json_type_array)) {
			struct json_object *pw = json_object_new_object();

			json_object_object_add(pw, "values", copy_json(v));
			json_object_object_add(pw, "unit", json_object_new_string("ops"));
			json_object_object_add(misc, "per_worker_ops", pw);
		}
		if (json_object_object_get_ex(r->obj, "counters", &v) &&
		    json_object_is_type(v, json_type_object)) {
			struct json_object *cs = json_object_new_object();

			json_object_object_foreach(v, k, cv)
			{
				json_object_object_add(
				    cs, k, figure(json_object_get_double(cv), "events"));
			}
			json_object_object_add(misc, "counters", cs);
		}
		json_object_object_add(t, "misc", misc);
		json_object_array_add(tss, t);
	}
	json_object_object_add(root, "checkouts", cks);
	json_object_object_add(root, "builds", bds);
	json_object_object_add(root, "tests", tss);
	{
		const char *s = json_object_to_json_string_ext(
		    root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			      JSON_C_TO_STRING_NOSLASHESCAPE);
		FILE *f = stdout;
		char tmp[4096];
		int rc = 0;

		if (out) {
			snprintf(tmp, sizeof(tmp), "%s.tmp.%d", out, (int)getpid());
			f = fopen(tmp, "we");
			if (!f) {
				fprintf(stderr, "folio-lab-history: cannot write %s: %s\n", tmp,
					strerror(errno));
				rc = 2;
			}
		}
		if (f) {
			fputs(s, f);
			fputc('\n', f);
			if (out) {
				if (fclose(f) != 0 || rename(tmp, out) != 0) {
					fprintf(stderr, "folio-lab-history: cannot write %s\n",
						out);
					unlink(tmp);
					rc = 2;
				} else {
					fprintf(
					    stderr,
					    "%s: %zu checkout(s), %zu build(s), %zu tests -> %s\n",
					    d.path, d.nbuilds, d.nbuilds, d.nrecs, out);
				}
			}
		}
		for (size_t b = 0; b < d.nbuilds; b++)
			free(build_ids[b]);
		free(build_ids);
		json_object_put(root);
		hs_dir_free(&d);
		return rc;
	}
}
