/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * folio-lab-compare: results directories in memory (docs/internals.md
 * record format), grouped into cases (workload x variant x mode x placement
 * x params x workers) and series (a kernel label, in one directory).
 */
#ifndef FOLIO_LAB_ANALYSIS_DATA_H
#define FOLIO_LAB_ANALYSIS_DATA_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* A growable string. */
struct fl_sbuf {
	char *s;
	size_t len, cap;
};

void fl_sb_printf(struct fl_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fl_sb_puts(struct fl_sbuf *b, const char *s);
void fl_sb_html(struct fl_sbuf *b, const char *s); /* HTML-escaped */
void fl_sb_csv(struct fl_sbuf *b, const char *s);  /* one RFC 4180 field */
void fl_sb_free(struct fl_sbuf *b);
int fl_write_file(const char *path, const char *data, size_t len); /* atomic: temp + rename */
char *fl_read_file(const char *path, size_t *len);

struct fl_rec {
	struct json_object *obj;
	const char *workload, *variant, *kernel, *mode, *placement, *where, *accel;
	char *params; /* canonical "k=v k=v", sorted by key, "" without params */
	int workers, rep;
	int wl_ord, var_ord; /* order of first appearance, for sorting */
	bool has_metric;
	double metric, ops_per_sec, duration_s;
	size_t dir;
	int series;
};

struct fl_series {
	char *name;	    /* label shown: the kernel label, or DIR/label */
	const char *kernel; /* the record's kernel field */
	size_t dir;
};

struct fl_dir {
	char *path;
	struct json_object *meta; /* NULL when meta.json is missing */
};

struct fl_dataset {
	const char *metric; /* "ops_per_sec", any numeric field, or counters.NAME */
	struct fl_dir *dirs;
	size_t ndirs;
	struct fl_rec *recs;
	size_t nrecs;
	struct fl_series *series;
	size_t nseries;
	char **names; /* interned workload/variant names, for the *_ord fields */
	size_t nnames;
	size_t bad_lines, no_metric;
};

/* Load DIR/samples.jsonl and DIR/meta.json; prints why and returns -1 on failure. */
int fl_ds_load(struct fl_dataset *ds, const char *dir);
/* Assign series once every directory is loaded. */
void fl_ds_assign_series(struct fl_dataset *ds);
/* A series by name or by kernel label; -1 when none. */
int fl_ds_find_series(const struct fl_dataset *ds, const char *name);
void fl_ds_free(struct fl_dataset *ds);
/* A metric value of a record: top-level number or counters.NAME. */
bool fl_rec_number(const struct fl_rec *r, const char *metric, double *out);

struct fl_case {
	const char *workload, *variant, *mode, *placement, *params;
	int workers, wl_ord, var_ord;
};

/* Sorted distinct cases of the dataset (malloc'ed array). */
size_t fl_ds_cases(const struct fl_dataset *ds, struct fl_case **out);
bool fl_case_match(const struct fl_case *c, const struct fl_rec *r);
/* Same case up to the worker count (one chart line). */
bool fl_case_same_line(const struct fl_case *a, const struct fl_case *b);
/* Metric values of one case in one series (series < 0: all); malloc'ed. */
size_t fl_ds_values(const struct fl_dataset *ds, const struct fl_case *c, int series, double **out);

/* True when the workload's records carry more than one parameter set. */
bool fl_params_vary(const struct fl_dataset *ds, const char *workload);

struct fl_summary {
	size_t n;
	double median, mean, sd, sd_pct, lo, hi, coverage, min, max;
};

void fl_summarize(const double *x, size_t n, double level, struct fl_summary *s);

/* Number formatting shared by the tables: 1234567 -> "1234567", 1.5 -> "1.5". */
const char *fl_fmt_num(char *buf, size_t size, double v);
/* A string from meta.json for a kernel label (NULL when absent). */
const char *fl_meta_str(const struct fl_dataset *ds, size_t dir, const char *label, const char *key,
			char *buf, size_t size);
/* True when the provenance says figures are no scalability result. */
bool fl_ds_not_scalability(const struct fl_dataset *ds, char *why, size_t size);

#endif /* FOLIO_LAB_ANALYSIS_DATA_H */
