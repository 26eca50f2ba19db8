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
#include <stdio.h>

struct json_object;

/* A growable string. */
struct fl_sbuf {
	char *s;
	size_t len, cap;
};

void fl_sb_printf(struct fl_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fl_sb_puts(struct fl_sbuf *b, const char *s);
void fl_sb_putn(struct fl_sbuf *b, const char *s, size_t n);
void fl_sb_html(struct fl_sbuf *b, const char *s); /* HTML-escaped */
void fl_sb_csv(struct fl_sbuf *b, const char *s);  /* one RFC 4180 field */
void fl_sb_free(struct fl_sbuf *b);
int fl_write_file(const char *path, const char *data, size_t len); /* atomic: temp + rename */
char *fl_read_file(const char *path, size_t *len);

struct fl_rec {
	struct json_object *obj; /* NULL unless the dataset keeps objects (keep_objs) */
	/* interned strings (the dataset owns them) */
	const char *workload, *variant, *kernel, *mode, *placement, *where, *accel, *run_id;
	const char *params;	/* canonical "k=v k=v", sorted by key, "" without params */
	int workers, rep, pair; /* pair: handoff's pu_a << 16 | pu_b, -1 without */
	int wl_ord, var_ord;	/* order of first appearance, for sorting */
	int case_id;		/* index into the dataset's cases */
	bool has_metric, dup;	/* dup: a repeat of an earlier record, counted once */
	double metric, ops_per_sec, duration_s;
	size_t dir, line;
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

struct fl_case {
	const char *workload, *variant, *mode, *placement, *params;
	int workers, wl_ord, var_ord;
	int id; /* index into the dataset's cases (fl_ds_values, fl_ds_case_recs) */
};

/* A record the loader refused, with why (the wording of the strict errors). */
struct fl_refused {
	char *file; /* DIR/samples.jsonl */
	size_t dir, line;
	char *why;
};

struct fl_strtab {
	char **s;
	size_t n, cap; /* strings */
	int *slot;     /* open addressing: index + 1, 0 = empty */
	size_t nslot;
};

struct fl_dataset {
	const char *metric; /* "ops_per_sec", any numeric field, or counters.NAME */
	bool keep_objs;	    /* keep each record's JSON (export-csv, plotdata, report) */
	struct fl_dir *dirs;
	size_t ndirs;
	struct fl_rec *recs;
	size_t nrecs, cap;
	struct fl_series *series;
	size_t nseries;
	struct fl_strtab str; /* interned strings */
	int *ord;	      /* order of first appearance of a string as workload/variant */
	int nord, nseen;
	struct fl_case *cases; /* distinct cases, in order of first appearance */
	size_t ncases, capcases;
	int *case_slot; /* hash of the cases */
	size_t ncase_slot;
	/* records of (case, series), after fl_ds_assign_series: CSR over case * nseries + s */
	size_t *idx, *idx_start;
	signed char *wl_vary; /* per interned string id: the workload has several params */
	size_t nwl_vary;
	size_t no_metric, dups;
	struct fl_refused *refused; /* file order, after fl_ds_assign_series */
	size_t nrefused;
};

/*
 * Load DIR/samples.jsonl and DIR/meta.json. Every line should be a record:
 * a corrupt line, a NUL byte, a missing required field or a metric that is
 * NaN, infinite, negative or not a number is refused (ds->refused: FILE,
 * LINE and why) and loading goes on, so that one bad line does not cost
 * the rest. Blank lines are skipped (and counted). Returns -1 (message
 * printed) only for what is not about one record: no samples.jsonl, a read
 * error.
 */
int fl_ds_load(struct fl_dataset *ds, const char *dir);
/*
 * Assign series once every directory is loaded, index the records by case
 * and series, and count duplicated records (same series, run_id, rep and
 * case) once, with a message. Duplicates that disagree on a value are all
 * refused (neither can be trusted) and dropped before that; ds->refused
 * is then sorted by file and line. Returns 0.
 */
int fl_ds_assign_series(struct fl_dataset *ds);
/* Print each refused record and their count on f ("the rest is shown" unless none is left). */
void fl_ds_print_refused(const struct fl_dataset *ds, FILE *f);
/* A series by name or by kernel label; -1 when none. */
int fl_ds_find_series(const struct fl_dataset *ds, const char *name);
void fl_ds_free(struct fl_dataset *ds);
/* A metric value of a record (keep_objs only): top-level number or counters.NAME. */
bool fl_rec_number(const struct fl_rec *r, const char *metric, double *out);
/* A record field as text for filters and table keys (NULL when absent). */
const char *fl_rec_field(const struct fl_dataset *ds, const struct fl_rec *r, const char *key,
			 char *buf, size_t size);

/* Sorted distinct cases of the dataset (malloc'ed array). */
size_t fl_ds_cases(const struct fl_dataset *ds, struct fl_case **out);
bool fl_case_match(const struct fl_case *c, const struct fl_rec *r);
/* Same case up to the worker count (one chart line). */
bool fl_case_same_line(const struct fl_case *a, const struct fl_case *b);
/* Metric values of one case in one series (series < 0: all); malloc'ed. */
size_t fl_ds_values(const struct fl_dataset *ds, const struct fl_case *c, int series, double **out);
/* Indices (into recs) of the records of one case in one series; not a copy. */
size_t fl_ds_case_recs(const struct fl_dataset *ds, const struct fl_case *c, int series,
		       const size_t **out);

/* The value of parameter NAME in a canonical "k=v k=v" string, into buf; NULL if absent. */
const char *fl_params_get(const char *params, const char *name, char *buf, size_t size);

/* True when the workload's records carry more than one parameter set. */
bool fl_params_vary(const struct fl_dataset *ds, const char *workload);

struct fl_summary {
	size_t n;
	double median, mean, sd, sd_pct, lo, hi, coverage, min, max;
};

void fl_summarize(const double *x, size_t n, double level, struct fl_summary *s);

/* Number formatting shared by the tables: 1234567 -> "1234567", 1.5 -> "1.5". */
const char *fl_fmt_num(char *buf, size_t size, double v);
/* SI prefixes, 3 significant digits: 1234567 -> "1.23M", 0.00123 -> "1.23m". */
const char *fl_fmt_si(char *buf, size_t size, double v);
/* A string from meta.json for a kernel label (NULL when absent). */
const char *fl_meta_str(const struct fl_dataset *ds, size_t dir, const char *label, const char *key,
			char *buf, size_t size);
/* True when the provenance says figures are no scalability result. */
bool fl_ds_not_scalability(const struct fl_dataset *ds, char *why, size_t size);

#endif /* FOLIO_LAB_ANALYSIS_DATA_H */
