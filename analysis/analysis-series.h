/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * folio-lab-compare series: the table a cover letter prints for the
 * series' benchmark (pread): the platform from the provenance, one row per
 * mode x placement x worker count, the worker count's topology boundary,
 * the baseline's ops/s and each other kernel's ops/s with its change and
 * that change's confidence interval (fl_compare's Hodges-Lehmann).
 */
#ifndef FOLIO_LAB_ANALYSIS_SERIES_H
#define FOLIO_LAB_ANALYSIS_SERIES_H

#include "analysis-compare.h"

/* The machine a series was measured on, from meta.json (0 / "" when unknown). */
struct fl_platform {
	char cpu[256], smt[64], vm[64], governor[64], topology[160];
	int pkgs, nodes, cores, pus;
	bool known; /* a meta.json entry exists for the series */
};

void fl_platform_of(const struct fl_dataset *ds, int series, struct fl_platform *p);
/* "CPU; 2 sockets, 4 NUMA nodes, 32 cores, 64 PUs (SMT on, 2 PUs per core)". */
void fl_platform_line(const struct fl_platform *p, struct fl_sbuf *out);
/*
 * The topology boundary that `workers` workers placed by `placement` fill
 * on a symmetric machine like p, e.g. "1 NUMA node", "all PUs (SMT)",
 * "oversubscribed" past the placement's PUs; "" when the count is none.
 * Several boundaries are joined with "; ". The rule (per placement: compact,
 * nosmt, scatter, node:N, others) is include/folio-lab/boundaries.h's, the
 * one `folio-lab plan --workers boundaries` sweeps.
 */
const char *fl_boundary(const struct fl_platform *p, const char *placement, int workers, char *buf,
			size_t size);
/*
 * The series' table of the cases passing o's filters (the caller adds
 * workload=pread): format "md" (default) or "html". Returns 0, or -1 with a
 * message on stderr when there is nothing to tabulate (one kernel, no case,
 * no kernel measured where the baseline was).
 */
int fl_series_table(const struct fl_dataset *ds, int base, const struct fl_cmp_opts *o,
		    const char *format, struct fl_sbuf *out);

#endif /* FOLIO_LAB_ANALYSIS_SERIES_H */
