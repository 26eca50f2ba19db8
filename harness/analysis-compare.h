/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* folio-lab-compare: baseline against other series, verdicts, tables. */
#ifndef FOLIO_LAB_ANALYSIS_COMPARE_H
#define FOLIO_LAB_ANALYSIS_COMPARE_H

#include "analysis-data.h"
#include "stats.h"

struct fl_cmp_opts {
	double alpha;	  /* --alpha, 0.05 */
	double threshold; /* --threshold, percent, 2 */
	double level;	  /* confidence level of the CI, 0.95 */
	bool lower_better;
};

enum fl_verdict {
	FL_NO_CHANGE,
	FL_IMPROVED,
	FL_REGRESSED,
	FL_UNDECIDED, /* too few repetitions for the test to ever reach alpha */
	FL_MISSING,   /* the case exists on one side only: not judged */
};

struct fl_cmp_row {
	struct fl_case c;
	int base, cur; /* series */
	struct fl_summary b, n;
	double change_pct;
	struct fl_mwu_result t;
	bool tested;
	enum fl_verdict verdict;
	char reason[192];
};

const char *fl_verdict_name(enum fl_verdict v);
/* One row per case per non-baseline series; malloc'ed. */
size_t fl_compare(const struct fl_dataset *ds, int base, const struct fl_cmp_opts *o,
		  struct fl_cmp_row **rows);
/* 0 no regression, 1 a regression, 125 cannot decide (and no regression). */
int fl_cmp_exit(const struct fl_cmp_row *rows, size_t n);
void fl_cmp_text(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		 const struct fl_cmp_opts *o, struct fl_sbuf *out);
void fl_cmp_markdown(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		     const struct fl_cmp_opts *o, struct fl_sbuf *out);
void fl_cmp_csv(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		struct fl_sbuf *out);
/* The HTML table for the rows of one workload (workload NULL: all). */
void fl_cmp_html(const struct fl_dataset *ds, const struct fl_cmp_row *rows, size_t n,
		 const char *workload, struct fl_sbuf *out);
/* "variant [params]" when the workload runs with several parameter sets. */
const char *fl_case_label(const struct fl_dataset *ds, const struct fl_case *c, char *buf,
			  size_t size);

#endif /* FOLIO_LAB_ANALYSIS_COMPARE_H */
