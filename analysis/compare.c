// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-compare: statistics, verdicts, CSV, chart data and the HTML
 * report for folio-lab results directories. `folio-lab-compare help`.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "analysis-report.h"
#include "analysis-series.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: folio-lab-compare COMMAND [OPTIONS] DIR...\n"
	    "\n"
	    "  compare BASE NEW...          each NEW results directory against BASE\n"
	    "  compare --baseline LABEL DIR every kernel label of DIR against LABEL\n"
	    "  headline ...                 compare, printing only the headline\n"
	    "  table DIR                    medians (or ratios) per row x workers\n"
	    "  export-csv DIR               all records as DIR/samples.csv\n"
	    "  plotdata DIR                 chart data (DIR/plots-data/)\n"
	    "  plot DIR                     chart data and charts (DIR/charts/, gnuplot)\n"
	    "  report DIR                   DIR/report.html (headline, charts, verdicts)\n"
	    "  series DIR                   the cover letter's table of the series' benchmark\n"
	    "                               (pread: platform, modes x worker counts at the\n"
	    "                               topology's boundaries, ops/s, change and its CI)\n"
	    "\n"
	    "options:\n"
	    "  --baseline LABEL   baseline kernel label (default: 'base' if present, else the\n"
	    "                     first label of the first directory)\n"
	    "  --metric NAME      record field to compare (default ops_per_sec; counters.NAME)\n"
	    "  --lower-is-better  the metric improves downwards (default for *_ns, counters.*)\n"
	    "  --higher-is-better the metric improves upwards (default for the others)\n"
	    "  --alpha A          level of each kernel's family of rows (default 0.05)\n"
	    "  --correction C     bh (Benjamini-Hochberg, default), holm or none\n"
	    "  --threshold PCT    smallest |%%change| that counts (default 2)\n"
	    "  --level L          confidence level of the intervals (default 0.95)\n"
	    "  --filter K=GLOB    only cases whose field K matches (workload, variant, mode,\n"
	    "                     placement, params, params.NAME, workers; table: any field);\n"
	    "                     comma-separated or repeated: all must match\n"
	    "  --allow-emulated   judge records from TCG guests (default: 'emulated', exit 125)\n"
	    "  --allow-missing    a case missing in a new kernel does not fail the gate\n"
	    "  --expect L1,L2     compare: these kernel labels must have records (exit 1 if\n"
	    "                     one has none: a guest that never reported)\n"
	    "  --out DIR          where compare.md/compare.csv go (default: the last DIR)\n"
	    "  --no-plots         report: do not draw the charts\n"
	    "  --quiet            compare: no tables on stdout (the summary stays)\n"
	    "table options:\n"
	    "  --filter COND      K=GLOB|GLOB, K!=GLOB|GLOB (absent K passes), K<N, K<=N,\n"
	    "                     K>N, K>=N; K may be K1|K2 (the first present)\n"
	    "  --metric EXPR      a field, or + - * / ( ) over numbers and fields, e.g.\n"
	    "                     counters.gets_failed/duration_s (absent field or x/0:\n"
	    "                     no value)\n"
	    "  --reference COND   divide each value by the median value of the records\n"
	    "                     matching COND on the same kernel (others: dropped)\n"
	    "  --rows F1,F2       record fields naming a row (default kernel), or a\n"
	    "                     template with {FIELD}s, e.g. '{kernel} get_nr={params.get_nr}'\n"
	    "  --ratio NUM/DEN    one row per ratio: NUM over DEN of --ratio-key (default kernel)\n"
	    "  --ratio-key FIELD  the field NUM and DEN are values of\n"
	    "  --scale S          divide values by S (default 1e6 for ops_per_sec, else 1)\n"
	    "  --per-op           the metric per operation (counter / ops)\n"
	    "  --title TEXT       heading of the table\n"
	    "  --format F         html (default), md, text or tsv\n"
	    "series options: --baseline, --filter K=GLOB (default workload=pread), --level,\n"
	    "  --alpha, --threshold, --correction, --format md (default) or html\n"
	    "\n"
	    "compare exits 0 (no regression), 1 (a regression, or a case missing in a new\n"
	    "kernel), 125 (cannot decide: too few repetitions, or emulated), 2 (usage or\n"
	    "input error, or records refused): usable by `git bisect run`.\n"
	    "A record that is not JSON or lacks a well-typed required field, and every\n"
	    "copy of a measurement whose copies disagree, is refused: every command names\n"
	    "each (FILE:LINE: why) on stderr, compare.md and report.html list them at the\n"
	    "top, the rest is used, and the exit status is 2 whatever the verdict on it.\n");
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "folio-lab-compare: %s: '%s' is not a number in [%g, %g]\n", opt, s,
			lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int export_csv(const struct fl_dataset *ds, const char *dir)
{
	struct fl_sbuf out = {0};
	char **cols = NULL, path[4096];
	size_t ncols = 0;
	int rc;

	/* Columns: the union of the records' keys; objects flattened to key.sub. */
	for (size_t i = 0; i < ds->nrecs; i++) {
		json_object_object_foreach(ds->recs[i].obj, key, val)
		{
			size_t nsub = 1;
			struct fl_sbuf name = {0};

			if (json_object_is_type(val, json_type_object))
				nsub = 0;
			for (size_t k = 0; k < nsub; k++) {
				size_t c;

				for (c = 0; c < ncols && strcmp(cols[c], key); c++)
					;
				if (c == ncols) {
					cols = realloc(cols, (ncols + 1) * sizeof(*cols));
					cols[ncols++] = strdup(key);
				}
			}
			if (json_object_is_type(val, json_type_object)) {
				json_object_object_foreach(val, sub, sv)
				{
					size_t c;

					(void)sv;
					name.len = 0;
					fl_sb_printf(&name, "%s.%s", key, sub);
					for (c = 0; c < ncols && strcmp(cols[c], name.s); c++)
						;
					if (c == ncols) {
						cols = realloc(cols, (ncols + 1) * sizeof(*cols));
						cols[ncols++] = strdup(name.s);
					}
				}
			}
			fl_sb_free(&name);
		}
	}
	for (size_t c = 0; c < ncols; c++) {
		fl_sb_puts(&out, c ? "," : "");
		fl_sb_csv(&out, cols[c]);
	}
	fl_sb_puts(&out, "\n");
	for (size_t i = 0; i < ds->nrecs; i++) {
		for (size_t c = 0; c < ncols; c++) {
			struct json_object *v = NULL, *parent = ds->recs[i].obj;
			char *dot = strchr(cols[c], '.');
			struct fl_sbuf cell = {0};

			if (dot) {
				*dot = 0;
				if (json_object_object_get_ex(parent, cols[c], &parent))
					json_object_object_get_ex(parent, dot + 1, &v);
				*dot = '.';
			} else {
				json_object_object_get_ex(parent, cols[c], &v);
			}
			fl_sb_puts(&cell, "");
			if (v && json_object_is_type(v, json_type_array)) {
				for (size_t k = 0; k < json_object_array_length(v); k++)
					fl_sb_printf(&cell, "%s%s", k ? " " : "",
						     json_object_get_string(
							 json_object_array_get_idx(v, k)));
			} else if (v && !json_object_is_type(v, json_type_null)) {
				fl_sb_puts(&cell, json_object_get_string(v));
			}
			fl_sb_puts(&out, c ? "," : "");
			fl_sb_csv(&out, cell.s);
			fl_sb_free(&cell);
		}
		fl_sb_puts(&out, "\n");
	}
	snprintf(path, sizeof(path), "%s/samples.csv", dir);
	rc = fl_write_file(path, out.s, out.len);
	if (!rc)
		printf("%s: %zu records, %zu columns\n", path, ds->nrecs, ncols);
	for (size_t c = 0; c < ncols; c++)
		free(cols[c]);
	free(cols);
	fl_sb_free(&out);
	return rc ? EXIT_USAGE : 0;
}

static int default_baseline(const struct fl_dataset *ds)
{
	int b = fl_ds_find_series(ds, "base");

	return b >= 0 && ds->series[b].dir == 0 ? b : 0;
}

/* Records the loader refused: the exit status is 2 whatever else happens (see main). */
static size_t nrefused;

static const char *const commands[] = {"compare", "headline", "table",	"export-csv", "plotdata",
				       "plot",	  "report",   "series", NULL};

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"baseline", required_argument, NULL, 'b'},
	    {"metric", required_argument, NULL, 'm'},
	    {"lower-is-better", no_argument, NULL, 'L'},
	    {"higher-is-better", no_argument, NULL, 'H'},
	    {"alpha", required_argument, NULL, 'a'},
	    {"correction", required_argument, NULL, 'C'},
	    {"threshold", required_argument, NULL, 't'},
	    {"level", required_argument, NULL, 'l'},
	    {"filter", required_argument, NULL, 'f'},
	    {"allow-emulated", no_argument, NULL, 'E'},
	    {"allow-missing", no_argument, NULL, 'M'},
	    {"expect", required_argument, NULL, 'X'},
	    {"out", required_argument, NULL, 'o'},
	    {"no-plots", no_argument, NULL, 'P'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"rows", required_argument, NULL, 'r'},
	    {"ratio", required_argument, NULL, 'R'},
	    {"ratio-key", required_argument, NULL, 'K'},
	    {"scale", required_argument, NULL, 's'},
	    {"per-op", no_argument, NULL, 'O'},
	    {"reference", required_argument, NULL, 'G'},
	    {"title", required_argument, NULL, 'T'},
	    {"format", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct fl_cmp_opts o = {.alpha = 0.05, .threshold = 2, .level = 0.95};
	struct fl_table_opts tb = {.rows = "kernel", .ratio_key = "kernel", .format = "html"};
	struct fl_dataset ds = {.metric = "ops_per_sec"};
	const char *cmd, *baseline = NULL, *outdir = NULL, *expect = NULL;
	int c, direction = 0, base, rc = 0, expect_rc = 0;
	bool plots = true, quiet = false, known = false, scale_set = false, is_table = false;
	bool format_set = false;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	for (int i = 0; commands[i]; i++)
		known |= !strcmp(cmd, commands[i]);
	if (!known) {
		fprintf(stderr, "folio-lab-compare: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	is_table = !strcmp(cmd, "table");
	optind = 2;
	while ((c = getopt_long(argc, argv, "b:m:a:t:o:f:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline = optarg;
			break;
		case 'm':
			ds.metric = optarg;
			break;
		case 'L':
			direction = -1;
			break;
		case 'H':
			direction = 1;
			break;
		case 'a':
			if (parse_double("--alpha", optarg, 1e-12, 0.5, &o.alpha))
				return EXIT_USAGE;
			break;
		case 'C':
			if (!strcmp(optarg, "bh") || !strcmp(optarg, "BH")) {
				o.correction = FL_PADJ_BH;
			} else if (!strcmp(optarg, "holm")) {
				o.correction = FL_PADJ_HOLM;
			} else if (!strcmp(optarg, "none")) {
				o.correction = FL_PADJ_NONE;
			} else {
				fprintf(stderr,
					"folio-lab-compare: --correction '%s': bh, holm or none\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_double("--threshold", optarg, 0, 1e6, &o.threshold))
				return EXIT_USAGE;
			break;
		case 'l':
			if (parse_double("--level", optarg, 0.5, 0.9999, &o.level))
				return EXIT_USAGE;
			break;
		case 'f':
			if (is_table ? fl_table_cond_add(&tb, optarg, false)
				     : fl_filter_add(&o, optarg))
				return EXIT_USAGE;
			break;
		case 'G':
			if (!is_table) {
				fprintf(stderr, "folio-lab-compare: --reference: table only\n");
				return EXIT_USAGE;
			}
			if (fl_table_cond_add(&tb, optarg, true))
				return EXIT_USAGE;
			break;
		case 'E':
			o.allow_emulated = true;
			break;
		case 'M':
			o.allow_missing = true;
			break;
		case 'X':
			expect = optarg;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'P':
			plots = false;
			break;
		case 'q':
			quiet = true;
			break;
		case 'r':
			tb.rows = optarg;
			break;
		case 'R':
			if (!strchr(optarg, '/')) {
				fprintf(stderr, "folio-lab-compare: --ratio '%s': want NUM/DEN\n",
					optarg);
				return EXIT_USAGE;
			}
			tb.ratio = optarg;
			break;
		case 'K':
			tb.ratio_key = optarg;
			break;
		case 's':
			if (parse_double("--scale", optarg, 1e-300, 1e300, &tb.scale))
				return EXIT_USAGE;
			scale_set = true;
			break;
		case 'O':
			tb.per_op = 1;
			break;
		case 'T':
			tb.title = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "html") && strcmp(optarg, "md") &&
			    strcmp(optarg, "text") && strcmp(optarg, "tsv")) {
				fprintf(stderr,
					"folio-lab-compare: --format '%s': html, md, text or tsv\n",
					optarg);
				return EXIT_USAGE;
			}
			tb.format = optarg;
			format_set = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (is_table && ds.metric[strspn(ds.metric, "abcdefghijklmnopqrstuvwxyz"
						    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")]) {
		/* an expression: evaluated per record by the table */
		if (fl_table_expr_check(ds.metric))
			return EXIT_USAGE;
		tb.expr = ds.metric;
		ds.metric = "ops_per_sec";
	}
	o.lower_better = direction ? direction < 0
				   : strncmp(ds.metric, "counters.", 9) == 0 ||
					 (strlen(ds.metric) > 3 &&
					  !strcmp(ds.metric + strlen(ds.metric) - 3, "_ns"));
	if (!scale_set)
		tb.scale = !strcmp(ds.metric, "ops_per_sec") && !tb.per_op && !tb.expr ? 1e6 : 1;
	if (optind >= argc) {
		fprintf(stderr, "folio-lab-compare %s: no results directory given\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "compare") && strcmp(cmd, "headline") && argc - optind != 1) {
		fprintf(stderr, "folio-lab-compare %s: takes exactly one results directory\n", cmd);
		return EXIT_USAGE;
	}
	/* compare needs only the fields it reads: 1e6 records fit in memory */
	ds.keep_objs = strcmp(cmd, "compare") && strcmp(cmd, "headline");
	for (int i = optind; i < argc; i++)
		if (fl_ds_load(&ds, argv[i])) {
			fl_ds_free(&ds);
			return EXIT_USAGE;
		}
	if (fl_ds_assign_series(&ds)) {
		fl_ds_free(&ds);
		return EXIT_USAGE;
	}
	/* named before any output, so that nobody takes the rest for the whole */
	nrefused = ds.nrefused;
	fl_ds_print_refused(&ds, stderr);
	if (ds.nrecs == 0) {
		fprintf(stderr, "folio-lab-compare: no records in %s\n", argv[optind]);
		fl_ds_free(&ds);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "export-csv")) {
		rc = export_csv(&ds, argv[optind]);
		fl_ds_free(&ds);
		return rc;
	}
	if (ds.no_metric == ds.nrecs && !tb.per_op && !tb.expr) {
		fprintf(stderr, "folio-lab-compare: no record has a numeric '%s'\n", ds.metric);
		fl_ds_free(&ds);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "table")) {
		struct fl_sbuf out = {0};

		rc = fl_table(&ds, &o, &tb, &out) ? EXIT_USAGE : 0;
		if (out.s)
			fputs(out.s, stdout);
		fl_sb_free(&out);
		fl_table_opts_free(&tb);
		fl_ds_free(&ds);
		return rc;
	}
	base = baseline ? fl_ds_find_series(&ds, baseline) : default_baseline(&ds);
	if (base < 0) {
		fprintf(stderr, "folio-lab-compare: baseline '%s' not found; labels:", baseline);
		for (size_t s = 0; s < ds.nseries; s++)
			fprintf(stderr, " %s", ds.series[s].name);
		fprintf(stderr, "\n");
		fl_ds_free(&ds);
		return EXIT_USAGE;
	}
	if (!outdir)
		outdir = argv[argc - 1];

	if (!strcmp(cmd, "series")) {
		struct fl_sbuf out = {0};
		bool wl = false;

		for (size_t i = 0; i < o.nfilters; i++)
			wl |= !strcmp(o.filters[i].key, "workload");
		if (!wl && fl_filter_add(&o, "workload=pread"))
			rc = EXIT_USAGE;
		else if (format_set && strcmp(tb.format, "md") && strcmp(tb.format, "html") &&
			 strcmp(tb.format, "text")) {
			fprintf(stderr, "folio-lab-compare series: --format: md, text or html\n");
			rc = EXIT_USAGE;
		} else if (fl_series_table(&ds, base, &o, format_set ? tb.format : "md", &out)) {
			rc = EXIT_USAGE;
		} else {
			fputs(out.s ? out.s : "", stdout);
		}
		fl_sb_free(&out);
	} else if (!strcmp(cmd, "plotdata")) {
		rc = fl_plotdata(&ds, base, argv[optind], &o) < 0 ? EXIT_USAGE : 0;
	} else if (!strcmp(cmd, "plot")) {
		rc = fl_plotdata(&ds, base, argv[optind], &o) < 0 ? EXIT_USAGE
								  : fl_draw_charts(argv[optind]);
	} else if (!strcmp(cmd, "report")) {
		rc = fl_report(&ds, base, argv[optind], &o, plots) ? EXIT_USAGE : 0;
	} else {
		struct fl_cmp r;
		struct fl_sbuf txt = {0}, md = {0}, csv = {0}, sum = {0}, head = {0};
		char path[4096];

		if (expect) {
			/* a kernel that wrote no record at all: every case of it is missing */
			char *copy = strdup(expect), *save = NULL, *l;
			int absent = 0;

			for (l = strtok_r(copy, ",", &save); l; l = strtok_r(NULL, ",", &save))
				if (fl_ds_find_series(&ds, l) < 0) {
					printf("missing: kernel %s wrote no records: every case is "
					       "missing%s\n",
					       l, o.allow_missing ? " (--allow-missing)" : "");
					absent++;
				}
			free(copy);
			if (absent && !o.allow_missing && ds.nseries < 2) {
				fl_ds_free(&ds);
				return 1;
			}
			if (absent && !o.allow_missing)
				expect_rc = 1;
		}
		if (ds.nseries < 2) {
			fprintf(stderr,
				"folio-lab-compare: only one kernel label (%s): nothing to compare "
				"against\n",
				ds.series[0].name);
			fl_ds_free(&ds);
			return EXIT_USAGE;
		}
		fl_compare(&ds, base, &o, &r);
		fl_cmp_headline(&ds, &r, &o, &head);
		fl_cmp_text(&ds, &r, &o, &txt);
		fl_cmp_markdown(&ds, &r, &o, &md);
		fl_cmp_csv(&ds, &r, &o, &csv);
		fl_cmp_summary(&ds, &r, &o, &sum);
		rc = fl_cmp_exit(&r, &o);
		if (expect_rc && rc != 1) {
			rc = 1;
			printf("exit 1: an expected kernel has no records (--expect)\n");
		}
		if (!quiet) {
			fputs(head.s ? head.s : "", stdout);
			if (strcmp(cmd, "headline")) {
				fputs("\n", stdout);
				fputs(txt.s ? txt.s : "", stdout);
			}
			fputs("\n", stdout);
		}
		fputs(sum.s, stdout);
		if (strcmp(cmd, "headline")) {
			mkdir(outdir, 0777);
			snprintf(path, sizeof(path), "%s/compare.md", outdir);
			if (fl_write_file(path, md.s, md.len))
				rc = EXIT_USAGE;
			snprintf(path, sizeof(path), "%s/compare.csv", outdir);
			if (fl_write_file(path, csv.s, csv.len))
				rc = EXIT_USAGE;
			printf("written: %s/compare.md, %s/compare.csv\n", outdir, outdir);
		}
		fl_cmp_free(&r);
		fl_sb_free(&txt);
		fl_sb_free(&md);
		fl_sb_free(&csv);
		fl_sb_free(&sum);
		fl_sb_free(&head);
	}
	for (size_t i = 0; i < o.nfilters; i++) {
		free(o.filters[i].key);
		free(o.filters[i].glob);
	}
	free(o.filters);
	fl_ds_free(&ds);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = run(argc, argv);

	/* a refused record fails the job even when the rest passes the gate */
	return nrefused ? EXIT_USAGE : rc;
}
