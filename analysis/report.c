// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-compare report: one self-contained HTML file per results
 * directory. Charts are inlined as SVG, nothing is fetched from outside,
 * so the file can be mailed or archived and read offline.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "analysis-report.h"
#include "analysis-series.h"

#ifndef FL_SOURCE_DIR
#define FL_SOURCE_DIR "."
#endif

static const char css[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;"
    "color:#222}\n"
    "h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;"
    "margin-top:1.6em}\n"
    ".note{background:#fff3cd;border:1px solid #e0b000;padding:.6em 1em;font-weight:bold}\n"
    ".refused{background:#f8d7da;border:2px solid #c00;padding:.2em 1em .6em}\n"
    ".refused h2{color:#900;border:0;margin-top:.4em}\n"
    "table{border-collapse:collapse;margin:.8em 0;font-size:.9em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}\n"
    "th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}\n"
    "table.prov td{text-align:left;font-family:monospace}\n"
    "table.series td,table.series th{white-space:nowrap}\n"
    "tr.good td.verdict{background:#d4edda;font-weight:bold}\n"
    "tr.bad td.verdict{background:#f8d7da;font-weight:bold}\n"
    "tr.undecided td.verdict{background:#fff3cd}\n"
    "td.why{text-align:left;font-size:.85em;color:#555}\n"
    "figure{margin:1em 0;border:1px solid #ddd;padding:.5em}\n"
    "figure svg{width:100%;height:auto;max-width:1000px}\n"
    "figcaption{font-size:.85em;color:#444}\n"
    "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}\n"
    ".extra{border-left:4px solid #8ab;padding-left:1em}\n"
    "pre.headline{background:#fff;border:1px solid #ccc;font-size:.85em;max-height:30em;"
    "overflow:auto}\n";

int fl_draw_charts(const char *dir)
{
	const char *root = getenv("LAB_ROOT");
	char path[PATH_MAX], plots[PATH_MAX], *list, *save = NULL, *line;
	int drawn = 0, failed = 0;

	snprintf(plots, sizeof(plots), "%s/plots", root && *root ? root : FL_SOURCE_DIR);
	if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
		fprintf(stderr,
			"folio-lab-compare: gnuplot not found (apt-get install gnuplot-nox)\n");
		return 77;
	}
	if (strchr(dir, '\'') || strchr(plots, '\'')) {
		fprintf(stderr, "folio-lab-compare: %s: a quote in the path confuses gnuplot\n",
			dir);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/charts", dir);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/plots-data/charts.list", dir);
	list = fl_read_file(path, NULL);
	if (!list) {
		fprintf(stderr, "folio-lab-compare: cannot read %s\n", path);
		return 2;
	}
	fflush(stdout);
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char kind[64], name[512], wl[256], e[PATH_MAX * 2 + 600], gp[PATH_MAX + 80],
		    log[PATH_MAX + 600];
		pid_t pid;
		int st = 0;

		if (sscanf(line, "%63s %511s %255s", kind, name, wl) != 3)
			continue;
		snprintf(e, sizeof(e), "cfg='%s/plots-data/%s.gpi'; plotsdir='%s'", dir, name,
			 plots);
		snprintf(gp, sizeof(gp), "%s/%s.gp", plots, kind);
		snprintf(log, sizeof(log), "%s/plots-data/%s.log", dir, name);
		pid = fork();
		if (pid == 0) {
			FILE *l = freopen(log, "w", stderr);

			(void)l;
			dup2(2, 1);
			execlp("gnuplot", "gnuplot", "-e", e, gp, (char *)NULL);
			_exit(127);
		}
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st)) {
			drawn++;
		} else {
			char *msg = fl_read_file(log, NULL);

			fprintf(stderr, "folio-lab-compare: chart %s %s failed:\n%s", kind, name,
				msg ? msg : "");
			free(msg);
			failed++;
		}
	}
	free(list);
	fprintf(stderr, "folio-lab-compare: %d charts in %s/charts/ (PNG and SVG)\n", drawn, dir);
	return failed ? 2 : 0;
}

/* An SVG from gnuplot, inline: without the XML prolog, ids made unique per chart. */
static bool embed_svg(struct fl_sbuf *out, const char *path, int idx)
{
	char *svg = fl_read_file(path, NULL), *p, prefix[32];

	if (!svg)
		return false;
	p = strstr(svg, "<svg");
	if (!p) {
		free(svg);
		return false;
	}
	snprintf(prefix, sizeof(prefix), "c%d_", idx);
	while (*p) {
		static const char *const pats[] = {"id='",     "id=\"", "href='#",
						   "href=\"#", "url(#", NULL};
		bool hit = false;

		for (int k = 0; pats[k]; k++) {
			size_t l = strlen(pats[k]);

			if (!strncmp(p, pats[k], l)) {
				fl_sb_printf(out, "%.*s%s", (int)l, p, prefix);
				p += l;
				hit = true;
				break;
			}
		}
		if (!hit) {
			/* the inline copy needs no script: gnuplot's mouse code refers out */
			if (!strncmp(p, "<script", 7)) {
				char *e = strstr(p, "</script>");

				if (e) {
					p = e + 9;
					continue;
				}
			}
			fl_sb_printf(out, "%c", *p++);
		}
	}
	free(svg);
	return true;
}

/* Just enough Markdown for experiment summaries: headings, lists, code, tables. */
static void inline_md(struct fl_sbuf *out, const char *s)
{
	bool code = false;

	for (; *s; s++) {
		if (*s == '`') {
			fl_sb_puts(out, code ? "</code>" : "<code>");
			code = !code;
			continue;
		}
		char c[2] = {*s, 0};

		fl_sb_html(out, c);
	}
	if (code)
		fl_sb_puts(out, "</code>");
}

static void markdown(struct fl_sbuf *out, char *text)
{
	char *save = NULL, *line;
	bool pre = false, list = false, table = false, para = false;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t h = 0;

		if (!strncmp(line, "```", 3)) {
			fl_sb_puts(out, pre ? "</pre>\n" : "<pre>");
			pre = !pre;
			continue;
		}
		if (pre) {
			fl_sb_html(out, line);
			fl_sb_puts(out, "\n");
			continue;
		}
		if (list && strncmp(line, "- ", 2) && strncmp(line, "* ", 2)) {
			fl_sb_puts(out, "</ul>\n");
			list = false;
		}
		if (table && line[0] != '|') {
			fl_sb_puts(out, "</table>\n");
			table = false;
		}
		while (line[h] == '#')
			h++;
		if (h && h <= 6 && line[h] == ' ') {
			if (para)
				fl_sb_puts(out, "</p>\n");
			para = false;
			/* section headings sit below the report's own h2 */
			fl_sb_printf(out, "<h%zu>", h + 2 > 6 ? 6 : h + 2);
			inline_md(out, line + h + 1);
			fl_sb_printf(out, "</h%zu>\n", h + 2 > 6 ? 6 : h + 2);
		} else if (!strncmp(line, "- ", 2) || !strncmp(line, "* ", 2)) {
			if (!list)
				fl_sb_puts(out, "<ul>\n");
			list = true;
			fl_sb_puts(out, "<li>");
			inline_md(out, line + 2);
			fl_sb_puts(out, "</li>\n");
		} else if (line[0] == '|') {
			char *cell, *cs = NULL;

			if (strspn(line, "|-: ") == strlen(line))
				continue; /* the header separator */
			if (!table)
				fl_sb_puts(out, "<table>\n");
			table = true;
			fl_sb_puts(out, "<tr>");
			for (cell = strtok_r(line, "|", &cs); cell;
			     cell = strtok_r(NULL, "|", &cs)) {
				fl_sb_puts(out, "<td>");
				inline_md(out, cell);
				fl_sb_puts(out, "</td>");
			}
			fl_sb_puts(out, "</tr>\n");
		} else if (strspn(line, " \t") == strlen(line)) {
			if (para)
				fl_sb_puts(out, "</p>\n");
			para = false;
		} else {
			if (!para)
				fl_sb_puts(out, "<p>");
			para = true;
			inline_md(out, line);
			fl_sb_puts(out, "\n");
		}
	}
	if (pre)
		fl_sb_puts(out, "</pre>\n");
	if (list)
		fl_sb_puts(out, "</ul>\n");
	if (table)
		fl_sb_puts(out, "</table>\n");
	if (para)
		fl_sb_puts(out, "</p>\n");
}

static int md_or_html(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return d->d_name[0] != '.' && ((l > 3 && !strcmp(d->d_name + l - 3, ".md")) ||
				       (l > 5 && !strcmp(d->d_name + l - 5, ".html")));
}

/* DIR/sections/ and DIR/experiments/: fragments in name order. */
static int extra_sections(struct fl_sbuf *out, const char *dir)
{
	static const char *const subs[] = {"sections", "experiments", NULL};
	int count = 0;

	for (int s = 0; subs[s]; s++) {
		struct dirent **list;
		char path[PATH_MAX];
		int n;

		snprintf(path, sizeof(path), "%s/%s", dir, subs[s]);
		n = scandir(path, &list, md_or_html, alphasort);
		for (int i = 0; i < n; i++) {
			char file[PATH_MAX + 256], *text;
			size_t l = strlen(list[i]->d_name);

			snprintf(file, sizeof(file), "%s/%s", path, list[i]->d_name);
			text = fl_read_file(file, NULL);
			if (text) {
				if (!count)
					fl_sb_puts(out,
						   "<h2 id=\"experiments\">Experiments</h2>\n");
				fl_sb_puts(out, "<div class=\"extra\" data-source=\"");
				fl_sb_html(out, subs[s]);
				fl_sb_puts(out, "/");
				fl_sb_html(out, list[i]->d_name);
				fl_sb_puts(out, "\">\n");
				/* .html fragments are trusted output of the lab's own experiments
				 */
				if (!strcmp(list[i]->d_name + l - 5, ".html"))
					fl_sb_puts(out, text);
				else
					markdown(out, text);
				fl_sb_puts(out, "\n</div>\n");
				count++;
				free(text);
			}
			free(list[i]);
		}
		if (n > 0)
			free(list);
	}
	return count;
}

static void provenance(struct fl_sbuf *out, const struct fl_dataset *ds)
{
	const char **keys = NULL;
	size_t nk = 0;

	fl_sb_puts(out, "<h2 id=\"provenance\">Provenance</h2>\n"
			"<p>From <code>meta.json</code> (one column per kernel label) and the "
			"records.</p>\n<table class=\"prov\"><thead><tr><th>field</th>");
	for (size_t s = 0; s < ds->nseries; s++) {
		struct json_object *k, *e;

		fl_sb_puts(out, "<th>");
		fl_sb_html(out, ds->series[s].name);
		fl_sb_puts(out, "</th>");
		if (!ds->dirs[ds->series[s].dir].meta ||
		    !json_object_object_get_ex(ds->dirs[ds->series[s].dir].meta, "kernels", &k) ||
		    !json_object_object_get_ex(k, ds->series[s].kernel, &e))
			continue;
		json_object_object_foreach(e, key, val)
		{
			size_t i;

			(void)val;
			for (i = 0; i < nk && strcmp(keys[i], key); i++)
				;
			if (i == nk) {
				keys = realloc(keys, (nk + 1) * sizeof(*keys));
				keys[nk++] = key;
			}
		}
	}
	fl_sb_puts(out, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < nk; i++) {
		fl_sb_puts(out, "<tr><td>");
		fl_sb_html(out, keys[i]);
		fl_sb_puts(out, "</td>");
		for (size_t s = 0; s < ds->nseries; s++) {
			char buf[4096];
			const char *v = fl_meta_str(ds, ds->series[s].dir, ds->series[s].kernel,
						    keys[i], buf, sizeof(buf));

			fl_sb_puts(out, "<td>");
			fl_sb_html(out, v ? v : "-");
			fl_sb_puts(out, "</td>");
		}
		fl_sb_puts(out, "</tr>\n");
	}
	fl_sb_puts(out, "<tr><td>records</td>");
	for (size_t s = 0; s < ds->nseries; s++) {
		size_t n = 0;
		const char *where = "?", *accel = "?";

		for (size_t i = 0; i < ds->nrecs; i++)
			if (ds->recs[i].series == (int)s) {
				n++;
				where = ds->recs[i].where;
				accel = ds->recs[i].accel;
			}
		fl_sb_printf(out, "<td>%zu (where ", n);
		fl_sb_html(out, where);
		fl_sb_puts(out, ", accel ");
		fl_sb_html(out, accel);
		fl_sb_puts(out, ")</td>");
	}
	fl_sb_puts(out, "</tr>\n</tbody></table>\n");
	free(keys);
}

/* Per-series statistics of each case of one workload. */
static void stats_table(struct fl_sbuf *out, const struct fl_dataset *ds, const char *workload,
			const struct fl_case *cases, size_t nc, const struct fl_cmp_opts *o)
{
	char a[64], b[64], c[64], d[64], e[64], lab[256];

	fl_sb_printf(out,
		     "<table class=\"stats\"><thead><tr><th>kernel</th><th>variant</th>"
		     "<th>mode</th><th>placement</th><th>workers</th><th>n</th>"
		     "<th>median %s</th><th>CI of the median</th><th>sd%%</th>"
		     "<th>min</th><th>max</th></tr></thead><tbody>\n",
		     ds->metric);
	for (size_t s = 0; s < ds->nseries; s++)
		for (size_t i = 0; i < nc; i++) {
			struct fl_summary su;
			double *v;
			size_t n;

			if (strcmp(cases[i].workload, workload))
				continue;
			n = fl_ds_values(ds, &cases[i], (int)s, &v);
			if (n) {
				fl_summarize(v, n, o->level, &su);
				fl_sb_puts(out, "<tr><td>");
				fl_sb_html(out, ds->series[s].name);
				fl_sb_puts(out, "</td><td>");
				fl_sb_html(out, fl_case_label(ds, &cases[i], lab, sizeof(lab)));
				fl_sb_puts(out, "</td><td>");
				fl_sb_html(out, cases[i].mode);
				fl_sb_puts(out, "</td><td>");
				fl_sb_html(out, cases[i].placement);
				fl_sb_printf(out,
					     "</td><td>%d</td><td>%zu</td><td>%s</td>"
					     "<td>[%s, %s] (%.1f%%)</td><td>%.2f%%</td><td>%s</td>"
					     "<td>%s</td></tr>\n",
					     cases[i].workers, su.n,
					     fl_fmt_num(a, sizeof(a), su.median),
					     fl_fmt_num(b, sizeof(b), su.lo),
					     fl_fmt_num(c, sizeof(c), su.hi), 100 * su.coverage,
					     su.sd_pct, fl_fmt_num(d, sizeof(d), su.min),
					     fl_fmt_num(e, sizeof(e), su.max));
			}
			free(v);
		}
	fl_sb_puts(out, "</tbody></table>\n");
}

static const char *chart_caption(const char *kind)
{
	if (!strcmp(kind, "cover"))
		return "The cover-letter chart: median throughput of each kernel against workers "
		       "(log2 axis), the band its 95% CI (the range for n &lt; 6); thin dotted: "
		       "linear scaling from the baseline's smallest worker count, clipped to the "
		       "plot. "
		       "Kernels differ in colour and dash.";
	if (!strcmp(kind, "throughput"))
		return "Median throughput over the repetitions; the band is the 95% "
		       "order-statistic CI of the median (the range for n &lt; 6); dashed: "
		       "linear scaling from the 1-worker median.";
	if (!strcmp(kind, "speedup"))
		return "Median of each label over the baseline's median at the same "
		       "variant and worker count; bars: ratio of the CI ends (conservative). "
		       "Above 1: faster than the baseline.";
	if (!strcmp(kind, "fairness"))
		return "Per-worker throughput in each measurement: median worker, bars from "
		       "the slowest to the fastest worker (medians over repetitions). Long "
		       "bars: some workers starve.";
	if (!strcmp(kind, "contention"))
		return "Counter events per operation (median over repetitions, bars min..max): "
		       "failed gets, cmpxchg retries, lost freezes.";
	if (!strcmp(kind, "scaling"))
		return "The series' scaling: median pread throughput of each kernel against "
		       "workers (log2 axis), solid threads, dashed processes, the band the 95% "
		       "CI of the median; dotted verticals: the worker counts that fill a "
		       "topology boundary, labelled as in the table above.";
	if (!strcmp(kind, "ceiling"))
		return "Median throughput as a percentage of the single-cache-line ceiling "
		       "(1 / median handoff latency) measured by the handoff workload on the "
		       "same kernel.";
	return "";
}

/* One chart inline, with its caption. */
static void figure(struct fl_sbuf *out, struct fl_sbuf *tmp, const char *dir, const char *kind,
		   const char *name, int *idx)
{
	char svg[PATH_MAX + 600];

	snprintf(svg, sizeof(svg), "%s/charts/%s.svg", dir, name);
	tmp->len = 0;
	if (!embed_svg(tmp, svg, (*idx)++))
		return;
	fl_sb_printf(out, "<figure class=\"chart\" id=\"chart-%s\">\n", name);
	fl_sb_puts(out, tmp->s);
	fl_sb_printf(out,
		     "\n<figcaption><b>%s</b> (<code>charts/%s.png</code>): %s"
		     "</figcaption></figure>\n",
		     kind, name, chart_caption(kind));
}

/*
 * --profile records (harness/profile.c): the refcount share against workers
 * for each kernel and mode, and the hottest symbols of each kernel side by
 * side (each record's top list, weighted by its samples).
 */
static double prof_num(struct json_object *p, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(p, key, &v) ? json_object_get_double(v) : NAN;
}

static struct json_object *rec_profile(const struct fl_rec *r, const char *wl)
{
	struct json_object *p;

	if (!r->obj || r->dup || strcmp(r->workload, wl) ||
	    !json_object_object_get_ex(r->obj, "profile", &p) || prof_num(p, "samples") <= 0)
		return NULL;
	return p;
}

#define PROF_TOP 8
struct prof_sym {
	const char *sym;
	double w;
};

static int prof_sym_cmp(const void *a, const void *b)
{
	const struct prof_sym *x = a, *y = b;

	return x->w < y->w ? 1 : x->w > y->w ? -1 : strcmp(x->sym, y->sym);
}

/* ---- a flame graph from folded stacks (inline SVG) ---- */

struct fg_node {
	char *name;
	unsigned long n;
	struct fg_node *kids, *next;
};

static struct fg_node *fg_child(struct fg_node *p, const char *name, size_t len)
{
	struct fg_node *k;

	for (k = p->kids; k; k = k->next)
		if (strlen(k->name) == len && !strncmp(k->name, name, len))
			return k;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->name = strndup(name, len);
	k->next = p->kids;
	p->kids = k;
	return k;
}

/* Adds DIR/FOLDED's stacks to the tree; false if the file is unreadable. */
static bool fg_add_file(struct fg_node *root, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		char *sp = strrchr(line, ' '), *p = line;
		struct fg_node *n = root;
		unsigned long c;

		if (!sp)
			continue;
		c = strtoul(sp + 1, NULL, 10);
		*sp = 0;
		root->n += c;
		while (n && *p) {
			size_t len = strcspn(p, ";");

			n = fg_child(n, p, len);
			if (n)
				n->n += c;
			p += len + (p[len] == ';');
		}
	}
	free(line);
	fclose(f);
	return true;
}

#define FG_W   960.0
#define FG_ROW 15

static int fg_depth(const struct fg_node *n)
{
	int d = 0;

	for (const struct fg_node *k = n->kids; k; k = k->next) {
		int x = fg_depth(k);

		if (x > d)
			d = x;
	}
	return d + 1;
}

static void fg_draw(struct fl_sbuf *out, const struct fg_node *n, double x, int depth, int rows,
		    double scale, double total)
{
	double w = n->n * scale;
	unsigned int h = 0;

	if (w < 0.5)
		return;
	for (const char *c = n->name; *c; c++)
		h = h * 31 + (unsigned char)*c;
	fl_sb_puts(out, "<g><title>");
	fl_sb_html(out, n->name);
	fl_sb_printf(out,
		     " (%lu samples, %.1f%%)</title><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		     "height=\"%d\" fill=\"rgb(%u,%u,%u)\"/>",
		     n->n, 100.0 * n->n / total, x, (rows - 1 - depth) * FG_ROW, w, FG_ROW - 1,
		     205 + h % 50, 80 + (h >> 8) % 120, 40 + (h >> 16) % 40);
	if (w > 40) {
		int chars = (int)(w / 6.5);

		fl_sb_printf(out, "<text x=\"%.1f\" y=\"%d\">", x + 2,
			     (rows - 1 - depth) * FG_ROW + FG_ROW - 4);
		if ((int)strlen(n->name) > chars) {
			char *t = strndup(n->name, (size_t)(chars > 2 ? chars - 2 : 0));

			fl_sb_html(out, t ? t : "");
			fl_sb_puts(out, "..");
			free(t);
		} else {
			fl_sb_html(out, n->name);
		}
		fl_sb_puts(out, "</text>");
	}
	fl_sb_puts(out, "</g>\n");
	for (const struct fg_node *k = n->kids; k; k = k->next) {
		fg_draw(out, k, x, depth + 1, rows, scale, total);
		x += k->n * scale;
	}
}

static void fg_free(struct fg_node *n)
{
	while (n) {
		struct fg_node *next = n->next;

		fg_free(n->kids);
		free(n->name);
		free(n);
		n = next;
	}
}

/*
 * One flame graph per kernel: the workload's profiled records at its largest
 * worker count in the first mode seen, their folded stacks together.
 */
static void profile_flames(struct fl_sbuf *out, const struct fl_dataset *ds, const char *wl,
			   int workers, const char *mode)
{
	for (size_t s = 0; s < ds->nseries; s++) {
		struct fg_node root = {.name = "all"};
		int files = 0, rows;

		for (size_t i = 0; i < ds->nrecs; i++) {
			const struct fl_rec *r = &ds->recs[i];
			struct json_object *p = rec_profile(r, wl), *f;
			char path[PATH_MAX];

			if (!p || r->series != (int)s || r->workers != workers ||
			    strcmp(r->mode, mode) || !json_object_object_get_ex(p, "folded", &f))
				continue;
			snprintf(path, sizeof(path), "%s/%s", ds->dirs[r->dir].path,
				 json_object_get_string(f));
			files += fg_add_file(&root, path);
		}
		if (!files || !root.n) {
			fg_free(root.kids);
			continue;
		}
		rows = fg_depth(&root);
		if (rows > 60)
			rows = 60;
		fl_sb_puts(out, "<figure><figcaption>Flame graph: ");
		fl_sb_html(out, ds->series[s].name);
		fl_sb_printf(
		    out,
		    ", %s, %d workers (%d profiles, %lu samples; hover for shares)"
		    "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		    "height=\"%d\" font-family=\"monospace\" font-size=\"11\">\n",
		    mode, workers, files, root.n, FG_W, rows * FG_ROW);
		fg_draw(out, &root, 0, 0, rows, FG_W / root.n, root.n);
		fl_sb_puts(out, "</svg></figure>\n");
		fg_free(root.kids);
	}
}

static void profile_section(struct fl_sbuf *out, const struct fl_dataset *ds, const char *wl)
{
	int ws[64], nw = 0;
	const char *modes[4];
	int nm = 0;

	for (size_t i = 0; i < ds->nrecs; i++) {
		const struct fl_rec *r = &ds->recs[i];
		int k;

		if (!rec_profile(r, wl))
			continue;
		for (k = 0; k < nw && ws[k] != r->workers; k++)
			;
		if (k == nw && nw < 64)
			ws[nw++] = r->workers;
		for (k = 0; k < nm && strcmp(modes[k], r->mode); k++)
			;
		if (k == nm && nm < 4)
			modes[nm++] = r->mode;
	}
	if (!nw)
		return;
	for (int a = 1; a < nw; a++)
		for (int b = a; b > 0 && ws[b - 1] > ws[b]; b--) {
			int t = ws[b];

			ws[b] = ws[b - 1];
			ws[b - 1] = t;
		}
	fl_sb_puts(out,
		   "<h3>Profile (--profile)</h3>\n<p>Share of the workers' samples whose "
		   "stack holds a refcount-path symbol (in brackets: whose leaf is one), mean "
		   "over repetitions; the symbol list is in the README (<code>--profile</code>). "
		   "Folded stacks: <code>profiles/</code>.</p>\n"
		   "<table class=\"stats\"><thead><tr><th>kernel</th><th>mode</th>");
	for (int k = 0; k < nw; k++)
		fl_sb_printf(out, "<th>%d workers</th>", ws[k]);
	fl_sb_puts(out, "</tr></thead><tbody>\n");
	for (size_t s = 0; s < ds->nseries; s++)
		for (int m = 0; m < nm; m++) {
			struct fl_sbuf row = {0};
			bool any = false;

			for (int k = 0; k < nw; k++) {
				double sum = 0, leaf = 0;
				int n = 0;

				for (size_t i = 0; i < ds->nrecs; i++) {
					const struct fl_rec *r = &ds->recs[i];
					struct json_object *p = rec_profile(r, wl);

					if (!p || r->series != (int)s || r->workers != ws[k] ||
					    strcmp(r->mode, modes[m]))
						continue;
					sum += prof_num(p, "refcount_share");
					leaf += prof_num(p, "refcount_leaf_share");
					n++;
				}
				if (n)
					fl_sb_printf(&row, "<td>%.1f%% (%.1f%%)</td>",
						     100 * sum / n, 100 * leaf / n);
				else
					fl_sb_puts(&row, "<td>-</td>");
				any |= n > 0;
			}
			if (any) {
				fl_sb_puts(out, "<tr><td>");
				fl_sb_html(out, ds->series[s].name);
				fl_sb_puts(out, "</td><td>");
				fl_sb_html(out, modes[m]);
				fl_sb_printf(out, "</td>%s</tr>\n", row.s);
			}
			fl_sb_free(&row);
		}
	fl_sb_puts(out, "</tbody></table>\n");

	/* top symbols, one column per kernel */
	struct prof_sym *tops[16] = {0};
	size_t ntop[16] = {0}, ns = ds->nseries < 16 ? ds->nseries : 16, rows = 0;

	for (size_t s = 0; s < ns; s++) {
		size_t cap = 0;
		double total = 0;

		for (size_t i = 0; i < ds->nrecs; i++) {
			const struct fl_rec *r = &ds->recs[i];
			struct json_object *p = rec_profile(r, wl), *top;
			double n;

			if (!p || r->series != (int)s || !json_object_object_get_ex(p, "top", &top))
				continue;
			n = prof_num(p, "samples");
			total += n;
			for (size_t t = 0; t < json_object_array_length(top); t++) {
				struct json_object *e = json_object_array_get_idx(top, t), *sym;
				size_t k;

				if (!json_object_object_get_ex(e, "symbol", &sym))
					continue;
				for (k = 0; k < ntop[s] &&
					    strcmp(tops[s][k].sym, json_object_get_string(sym));
				     k++)
					;
				if (k == ntop[s]) {
					if (ntop[s] == cap) {
						cap = cap ? 2 * cap : 32;
						tops[s] = realloc(tops[s], cap * sizeof(*tops[s]));
					}
					tops[s][ntop[s]++] =
					    (struct prof_sym){json_object_get_string(sym), 0};
				}
				tops[s][k].w += n * prof_num(e, "share");
			}
		}
		for (size_t k = 0; k < ntop[s]; k++)
			tops[s][k].w /= total > 0 ? total : 1;
		if (ntop[s])
			qsort(tops[s], ntop[s], sizeof(*tops[s]), prof_sym_cmp);
		if (ntop[s] > rows)
			rows = ntop[s];
	}
	if (rows > PROF_TOP)
		rows = PROF_TOP;
	fl_sb_puts(out, "<p>Hottest symbols (self time, share of each kernel's profiled "
			"samples of this workload, all cases together):</p>\n"
			"<table class=\"stats\"><thead><tr><th>#</th>");
	for (size_t s = 0; s < ns; s++) {
		fl_sb_puts(out, "<th>");
		fl_sb_html(out, ds->series[s].name);
		fl_sb_puts(out, "</th>");
	}
	fl_sb_puts(out, "</tr></thead><tbody>\n");
	for (size_t k = 0; k < rows; k++) {
		fl_sb_printf(out, "<tr><td>%zu</td>", k + 1);
		for (size_t s = 0; s < ns; s++) {
			fl_sb_puts(out, "<td>");
			if (k < ntop[s]) {
				fl_sb_puts(out, "<code>");
				fl_sb_html(out, tops[s][k].sym);
				fl_sb_printf(out, "</code> %.1f%%", 100 * tops[s][k].w);
			}
			fl_sb_puts(out, "</td>");
		}
		fl_sb_puts(out, "</tr>\n");
	}
	fl_sb_puts(out, "</tbody></table>\n");
	for (size_t s = 0; s < ns; s++)
		free(tops[s]);
	profile_flames(out, ds, wl, ws[nw - 1], modes[0]);
}

/* The records the loader refused, first thing in the report: the figures leave them out. */
static void refused_section(struct fl_sbuf *out, const struct fl_dataset *ds)
{
	if (!ds->nrefused)
		return;
	fl_sb_printf(out,
		     "<section id=\"refused\" class=\"refused\"><h2>Refused records</h2>\n"
		     "<p><b>%zu record%s refused</b>: not in any figure or table below; "
		     "<code>compare</code> and <code>report</code> exit 2 whatever the verdict "
		     "on the rest.</p>\n<ul>\n",
		     ds->nrefused, ds->nrefused == 1 ? "" : "s");
	for (size_t i = 0; i < ds->nrefused; i++) {
		char line[32];

		snprintf(line, sizeof(line), ":%zu", ds->refused[i].line);
		fl_sb_puts(out, "<li><code>");
		fl_sb_html(out, ds->refused[i].file);
		fl_sb_puts(out, line);
		fl_sb_puts(out, "</code>: ");
		fl_sb_html(out, ds->refused[i].why);
		fl_sb_puts(out, "</li>\n");
	}
	fl_sb_puts(out, "</ul></section>\n");
}

int fl_report(const struct fl_dataset *ds, int base, const char *dir, const struct fl_cmp_opts *o,
	      bool plots)
{
	struct fl_sbuf out = {0}, charts = {0};
	struct fl_cmp r = {0};
	size_t nrows = 0, nc, cnt[FL_NVERDICT] = {0};
	struct fl_case *cases;
	char path[PATH_MAX], why[256], when[64], *list;
	time_t now = time(NULL);
	int idx = 0, rc;
	bool series = false;

	if (plots) {
		/* the chart data from the dataset in memory, then gnuplot: no round trip */
		if (fl_plotdata(ds, base, dir, o) < 0)
			fprintf(stderr, "folio-lab-compare report: no chart data\n");
		else if ((rc = fl_draw_charts(dir)))
			fprintf(stderr, "folio-lab-compare report: %s\n",
				rc == 77 ? "gnuplot missing: no charts" : "charts may be missing");
	}
	nc = fl_ds_cases(ds, &cases);
	if (ds->nseries > 1) {
		fl_compare(ds, base, o, &r);
		nrows = r.nrows;
		fl_cmp_count(&r, cnt);
	}
	snprintf(path, sizeof(path), "%s/plots-data/charts.list", dir);
	list = fl_read_file(path, NULL);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));

	fl_sb_puts(&out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
			 "<title>folio-lab report: ");
	fl_sb_html(&out, dir);
	fl_sb_printf(
	    &out, "</title>\n<style>\n%s</style>\n</head><body>\n<h1>folio-lab report</h1>\n", css);
	fl_sb_puts(&out, "<p>Results directory <code>");
	fl_sb_html(&out, dir);
	fl_sb_printf(&out, "</code>, %zu records, %zu kernel label(s); generated %s.</p>\n",
		     ds->nrecs, ds->nseries, when);
	refused_section(&out, ds);
	if (fl_ds_not_scalability(ds, why, sizeof(why))) {
		fl_sb_puts(&out, "<p class=\"note\" id=\"not-scalability\">2-core VM / emulated "
				 "guest: not a scalability result (");
		fl_sb_html(&out, why);
		fl_sb_puts(&out, "). These figures check that the lab works; they say nothing "
				 "about how the schemes scale.</p>\n");
	}

	/* the headline and the cover-letter chart come first */
	if (nrows) {
		struct fl_sbuf h = {0}, sum = {0};

		fl_cmp_headline(ds, &r, o, &h);
		fl_cmp_summary(ds, &r, o, &sum);
		fl_sb_puts(&out, "<h2 id=\"headline\">Headline</h2>\n<pre class=\"headline\">");
		fl_sb_html(&out, h.s ? h.s : "");
		fl_sb_puts(&out, "</pre>\n<pre class=\"summary\">");
		fl_sb_html(&out, sum.s ? sum.s : "");
		fl_sb_puts(&out, "</pre>\n");
		fl_sb_free(&h);
		fl_sb_free(&sum);
	}
	if (list) {
		char *copy = strdup(list), *save = NULL, *line;

		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char kind[64], name[512], cwl[256];

			if (sscanf(line, "%63s %511s %255s", kind, name, cwl) == 3 &&
			    !strcmp(kind, "cover"))
				figure(&out, &charts, dir, kind, name, &idx);
		}
		free(copy);
	}

	/* the series' table (pread, several kernels) and its scaling chart */
	for (size_t i = 0, tried = 0; i < nc && nrows && !tried; i++)
		if (!strcmp(cases[i].workload, "pread")) {
			struct fl_cmp_opts so = *o;
			char key[] = "workload", glob[] = "pread";
			struct fl_filter f = {.key = key, .glob = glob};
			struct fl_sbuf st = {0};

			so.filters = &f;
			so.nfilters = 1;
			tried = 1; /* once: a failure says why on stderr */
			series = !fl_series_table(ds, base, &so, "html", &st);
			if (series) {
				fl_sb_puts(&out, "<section id=\"series\" class=\"series\">"
						 "<h2>The series' table</h2>\n");
				fl_sb_puts(&out, st.s);
				if (list) {
					char *copy = strdup(list), *save = NULL, *line;

					for (line = strtok_r(copy, "\n", &save); line;
					     line = strtok_r(NULL, "\n", &save)) {
						char kind[64], name[512], cwl[256];

						if (sscanf(line, "%63s %511s %255s", kind, name,
							   cwl) == 3 &&
						    !strcmp(kind, "scaling"))
							figure(&out, &charts, dir, kind, name,
							       &idx);
					}
					free(copy);
				}
				fl_sb_puts(&out, "</section>\n");
			}
			fl_sb_free(&st);
		}

	/* contents */
	fl_sb_puts(&out, "<nav><ul>");
	if (ds->nrefused)
		fl_sb_puts(&out, "<li><a href=\"#refused\">Refused records</a></li>");
	if (nrows)
		fl_sb_puts(&out, "<li><a href=\"#headline\">Headline</a></li>"
				 "<li><a href=\"#verdicts\">Verdicts</a></li>");
	if (series)
		fl_sb_puts(&out, "<li><a href=\"#series\">The series' table</a></li>");
	for (size_t i = 0; i < nc; i++)
		if (i == 0 || strcmp(cases[i - 1].workload, cases[i].workload)) {
			fl_sb_puts(&out, "<li><a href=\"#wl-");
			fl_sb_html(&out, cases[i].workload);
			fl_sb_puts(&out, "\">");
			fl_sb_html(&out, cases[i].workload);
			fl_sb_puts(&out, "</a></li>");
		}
	fl_sb_puts(&out, "<li><a href=\"#provenance\">Provenance</a></li>"
			 "<li><a href=\"#reproduce\">Reproduce</a></li></ul></nav>\n");

	if (nrows) {
		fl_sb_puts(&out, "<h2 id=\"verdicts\">Verdicts</h2>\n<p>Baseline <b>");
		fl_sb_html(&out, ds->series[base].name);
		fl_sb_printf(
		    &out,
		    "</b>, metric <code>%s</code> (%s is better). A case is improved or "
		    "regressed when its two-sided Mann-Whitney U p-value, adjusted (%s) over "
		    "the tested rows of its kernel, is below %g <em>and</em> the Hodges-Lehmann "
		    "change exceeds %g%%; with too few repetitions for any p below %g the verdict "
		    "is <em>cannot decide</em>; records from TCG guests are <em>emulated</em>, "
		    "not judged.</p>\n<p class=\"summary\">%zu improved, %zu regressed, %zu no "
		    "change, %zu cannot decide, %zu missing, %zu emulated, %zu reference; "
		    "<code>compare</code> exits %d%s.</p>\n",
		    ds->metric, o->lower_better ? "lower" : "higher",
		    fl_correction_name(o->correction), o->alpha, o->threshold, o->alpha,
		    cnt[FL_IMPROVED], cnt[FL_REGRESSED], cnt[FL_NO_CHANGE], cnt[FL_UNDECIDED],
		    cnt[FL_MISSING], cnt[FL_EMULATED], cnt[FL_REFERENCE],
		    ds->nrefused ? 2 : fl_cmp_exit(&r, o),
		    ds->nrefused ? " (records refused; see the top)" : "");
	}

	for (size_t i = 0; i < nc; i++) {
		const char *wl = cases[i].workload;
		char *copy, *save = NULL, *line;

		if (i && !strcmp(cases[i - 1].workload, wl))
			continue;
		fl_sb_puts(&out, "<section class=\"workload\" id=\"wl-");
		fl_sb_html(&out, wl);
		fl_sb_puts(&out, "\"><h2>");
		fl_sb_html(&out, wl);
		fl_sb_puts(&out, "</h2>\n");
		if (nrows) {
			fl_sb_puts(&out, "<h3>Comparison</h3>\n");
			fl_cmp_html(ds, &r, wl, &out);
		}
		fl_sb_puts(&out, "<h3>Statistics</h3>\n");
		stats_table(&out, ds, wl, cases, nc, o);
		profile_section(&out, ds, wl);
		if (!list)
			goto end_section;
		copy = strdup(list);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char kind[64], name[512], cwl[256];

			if (sscanf(line, "%63s %511s %255s", kind, name, cwl) != 3 ||
			    strcmp(cwl, wl) || !strcmp(kind, "cover") ||
			    (series && !strcmp(kind, "scaling")))
				continue;
			figure(&out, &charts, dir, kind, name, &idx);
		}
		free(copy);
	end_section:
		fl_sb_puts(&out, "</section>\n");
	}

	extra_sections(&out, dir);
	provenance(&out, ds);

	fl_sb_puts(&out, "<h2 id=\"reproduce\">Reproduce</h2>\n<p>The commands that wrote the "
			 "records (from <code>meta.json</code>):</p>\n<pre>");
	for (size_t s = 0; s < ds->nseries; s++) {
		char buf[4096];

		fl_sb_puts(&out, "# ");
		fl_sb_html(&out, ds->series[s].name);
		fl_sb_puts(&out, "\n");
		if (!fl_meta_str(ds, ds->series[s].dir, ds->series[s].kernel, "commands", buf,
				 sizeof(buf)) &&
		    !fl_meta_str(ds, ds->series[s].dir, ds->series[s].kernel, "command", buf,
				 sizeof(buf)))
			snprintf(buf, sizeof(buf), "(no command recorded)");
		fl_sb_html(&out, buf);
		fl_sb_puts(&out, "\n");
	}
	fl_sb_puts(&out, "</pre>\n<p>The analysis of this directory:</p>\n<pre>");
	{
		struct fl_sbuf c = {0};

		fl_sb_printf(&c, "./run.sh compare --baseline %s", ds->series[base].kernel);
		if (strcmp(ds->metric, "ops_per_sec"))
			fl_sb_printf(&c, " --metric %s", ds->metric);
		fl_sb_printf(
		    &c,
		    " --alpha %g --threshold %g --correction %s%s%s %s\n./run.sh export-csv %s\n"
		    "./run.sh plot %s\n./run.sh report --baseline %s %s\n",
		    o->alpha, o->threshold,
		    o->correction == FL_PADJ_HOLM   ? "holm"
		    : o->correction == FL_PADJ_NONE ? "none"
						    : "bh",
		    o->allow_emulated ? " --allow-emulated" : "",
		    o->allow_missing ? " --allow-missing" : "", dir, dir, dir,
		    ds->series[base].kernel, dir);
		fl_sb_html(&out, c.s);
		fl_sb_free(&c);
	}
	fl_sb_puts(&out, "</pre>\n</body></html>\n");

	snprintf(path, sizeof(path), "%s/report.html", dir);
	rc = fl_write_file(path, out.s, out.len);
	if (!rc)
		printf("%s: %d charts, %zu comparison rows\n", path, idx, nrows);
	fl_sb_free(&out);
	fl_sb_free(&charts);
	free(list);
	fl_cmp_free(&r);
	free(cases);
	return rc;
}
