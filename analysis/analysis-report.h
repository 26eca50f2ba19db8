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

/*
 * Draw every chart of DIR/plots-data/charts.list with gnuplot and
 * plots/KIND.gp into DIR/charts/. Returns 0, 77 without gnuplot, 2 when a
 * chart failed.
 */
int fl_draw_charts(const char *dir);

/* Write DIR/report.html; plots: write the chart data and draw the charts first. */
int fl_report(const struct fl_dataset *ds, int base, const char *dir, const struct fl_cmp_opts *o,
	      bool plots);

#endif /* FOLIO_LAB_ANALYSIS_REPORT_H */
