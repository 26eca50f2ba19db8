/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* folio-lab-compare: chart data (plotdata) and the HTML report. */
#ifndef FOLIO_LAB_ANALYSIS_REPORT_H
#define FOLIO_LAB_ANALYSIS_REPORT_H

#include "analysis-compare.h"

/*
 * Write DIR/plots-data/: one .dat and one .gpi (gnuplot settings) per
 * chart and charts.list ("kind name workload" per line) that plots/plot.sh
 * draws. Returns the number of charts, or -1.
 */
int fl_plotdata(const struct fl_dataset *ds, int base, const char *dir,
		const struct fl_cmp_opts *o);

/* Write DIR/report.html; run_plots: call plots/plot.sh DIR first. */
int fl_report(const struct fl_dataset *ds, int base, const char *dir, const struct fl_cmp_opts *o,
	      bool run_plots, const char *self);

#endif /* FOLIO_LAB_ANALYSIS_REPORT_H */
