/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* folio-lab-compare: baseline against other series, verdicts, the headline, tables. */
#ifndef FOLIO_LAB_ANALYSIS_COMPARE_H
#define FOLIO_LAB_ANALYSIS_COMPARE_H

#include "analysis-data.h"
#include "stats.h"

/* --filter KEY=GLOB: a case (compare) or record (table) field matched with fnmatch(3). */
struct fl_filter {
	char *key, *glob;
};

struct fl_cmp_opts {
	double alpha;	  /* --alpha, 0.05: level of the family of one comparison */
	double threshold; /* --threshold, percent, 2 */
	double level;	  /* confidence level of the CIs, 0.95 */
	bool lower_better;
	enum fl_padjust correction; /* --correction bh (default), holm, none */
	bool allow_emulated;	    /* --allow-emulated: judge TCG guests anyway */
	bool allow_missing;	    /* --allow-missing: a case missing in a new kernel passes */
	struct fl_filter *filters;
	size_t nfilters;
};

enum fl_verdict {
	FL_NO_CHANGE,
	FL_IMPROVED,
	FL_REGRESSED,
	FL_UNDECIDED, /* too few repetitions for the test to ever reach alpha */
	FL_MISSING,   /* in the baseline, not in the new kernel: fails the gate */
	FL_ADDED,     /* in the new kernel only: not judged */
	FL_EMULATED,  /* measured under TCG: not judged, exit 125 */
	FL_REFERENCE, /* a machine reference (handoff), not a kernel throughput: not gated */
	FL_NVERDICT,
};

struct fl_cmp_row {
	struct fl_case c;
	int base, cur; /* series */
	bool present;  /* records on at least one side */
	struct fl_summary b, n;
	double change_pct;			     /* of the medians */
	double hl_pct, hl_lo_pct, hl_hi_pct, hl_cov; /* Hodges-Lehmann change, its CI */
	struct fl_mwu_result t;
	double q; /* p adjusted over the family (NAN outside it) */
	bool tested, in_family, emulated;
	enum fl_verdict verdict;
	char reason[256];
};

struct fl_cmp {
	int base;
	int *cur; /* the compared series, nnew of them */
	size_t nnew;
	struct fl_case *cases; /* sorted, after --filter */
	size_t ncases;
	struct fl_cmp_row *rows; /* rows[k * ncases + i]: series cur[k], case i */
	size_t nrows;
	size_t family[64]; /* family size per compared series (first 64) */
};

const char *fl_verdict_name(enum fl_verdict v);
char fl_verdict_marker(enum fl_verdict v);
const char *fl_correction_name(enum fl_padjust c);
/* Parse --filter KEY=GLOB[,KEY=GLOB...] into o->filters; -1 on a bad one. */
int fl_filter_add(struct fl_cmp_opts *o, const char *arg);
bool fl_filter_case(const struct fl_cmp_opts *o, const struct fl_case *c);
/* Every case of every non-baseline series measured where the baseline was. */
void fl_compare(const struct fl_dataset *ds, int base, const struct fl_cmp_opts *o,
		struct fl_cmp *out);
void fl_cmp_free(struct fl_cmp *r);
/* 0 no regression, 1 a regression or a missing case, 125 cannot decide or emulated. */
int fl_cmp_exit(const struct fl_cmp *r, const struct fl_cmp_opts *o);
/* Counts per verdict over every row. */
void fl_cmp_count(const struct fl_cmp *r, size_t cnt[FL_NVERDICT]);
/* The headline: per line of cases, one line per worker count, every kernel side by side. */
void fl_cmp_headline(const struct fl_dataset *ds, const struct fl_cmp *r,
		     const struct fl_cmp_opts *o, struct fl_sbuf *out);
void fl_cmp_text(const struct fl_dataset *ds, const struct fl_cmp *r, const struct fl_cmp_opts *o,
		 struct fl_sbuf *out);
void fl_cmp_markdown(const struct fl_dataset *ds, const struct fl_cmp *r,
		     const struct fl_cmp_opts *o, struct fl_sbuf *out);
void fl_cmp_csv(const struct fl_dataset *ds, const struct fl_cmp *r, const struct fl_cmp_opts *o,
		struct fl_sbuf *out);
/* The HTML table for the rows of one workload (workload NULL: all). */
void fl_cmp_html(const struct fl_dataset *ds, const struct fl_cmp *r, const char *workload,
		 struct fl_sbuf *out);
/* "variant [params]" when the workload runs with several parameter sets. */
const char *fl_case_label(const struct fl_dataset *ds, const struct fl_case *c, char *buf,
			  size_t size);
/* The summary line(s) for stdout and the report. */
void fl_cmp_summary(const struct fl_dataset *ds, const struct fl_cmp *r,
		    const struct fl_cmp_opts *o, struct fl_sbuf *out);

/* `table`: medians (or ratios) per row key x workers for the experiments (analysis-table.c). */
/* A table --filter or --reference condition: KEY OP VALUE (OP = != < <= > >=). */
struct fl_table_cond {
	char *key, *val;
	int op;
};

struct fl_table_opts {
	const char *rows;  /* comma-separated record fields naming a row */
	const char *ratio; /* "NUM/DEN": values of the --ratio-key field */
	const char *ratio_key;
	const char *title;
	const char *format; /* html, md, text, tsv */
	double scale;
	int per_op;	  /* metric / ops */
	const char *expr; /* --metric EXPR: arithmetic of record fields (NULL: ds->metric) */
	struct fl_table_cond *conds, *refs; /* --filter, --reference */
	size_t nconds, nrefs;
};
/* Parse K=GLOB|GLOB, K!=GLOB, K<N, K<=N, K>N, K>=N (comma-separated) into t. */
int fl_table_cond_add(struct fl_table_opts *t, const char *arg, bool reference);
/* Check an arithmetic --metric expression; 0 when it parses. */
int fl_table_expr_check(const char *expr);
void fl_table_opts_free(struct fl_table_opts *t);
int fl_table(const struct fl_dataset *ds, const struct fl_cmp_opts *o,
	     const struct fl_table_opts *t, struct fl_sbuf *out);

#endif /* FOLIO_LAB_ANALYSIS_COMPARE_H */
