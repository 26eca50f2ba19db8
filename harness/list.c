// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `folio-lab list`: the workloads' declarations as text, JSON (--json),
 * the workload reference (--markdown, docs/workloads.md), the names
 * (--names, for ctest discovery) and the runs of a suite (--suite, for
 * harness/suite.sh). Also the suites' sizes, stated here once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness.h"

/*
 * The window, warm-up, repetitions and worker counts of each suite. full
 * natively is also `folio-lab bench`'s default. Emulated guests are slow
 * and their figures are not scalability results: shorter windows, but
 * still 5 repetitions (3 against 3 puts the U test's smallest p at 0.1, so
 * compare could never decide). quick keeps only the ends of `--workers
 * boundaries` (1 and all the placement's PUs).
 */
static const struct fl_suite_size suite_sizes[] = {
    {"full", "native", 2, 0.5, 5, NULL, false},
    {"full", "guest", 0.7, 0.2, 5, NULL, false},
    {"quick", NULL, 0.3, 0.1, 2, "1,2", true},
};

const struct fl_suite_size *fl_suite_size(const char *suite, const char *where)
{
	for (size_t i = 0; i < sizeof(suite_sizes) / sizeof(suite_sizes[0]); i++) {
		const struct fl_suite_size *s = &suite_sizes[i];

		if (strcmp(s->suite, suite) == 0 && (!s->where || strcmp(s->where, where) == 0))
			return s;
	}
	return NULL;
}

const struct fl_suite_size *fl_bench_defaults(void)
{
	return &suite_sizes[0];
}

static const char usage_list[] =
    "NAME\n"
    "    folio-lab list - the workloads, their variants, options, counters and suites\n"
    "\n"
    "SYNOPSIS\n"
    "    folio-lab list [WORKLOAD...]\n"
    "    folio-lab list --json | --markdown | --names\n"
    "    folio-lab list --suite full|quick [--where native|guest] [--workloads LIST]\n"
    "\n"
    "DESCRIPTION\n"
    "    For each workload (all, or those named): its summary, variants (the first\n"
    "    is the default), its --opt keys with type, range and default, the counters\n"
    "    its records carry, and restrictions (threads only, self-timed, minimum\n"
    "    workers, what it requires).\n"
    "\n"
    "    --json      every declaration as one JSON object (workloads, suite sizes)\n"
    "    --markdown  the workload reference, docs/workloads.md\n"
    "    --names     the workload names, one a line\n"
    "    --suite S   the runs of suite S (full or quick) where --where says (default\n"
    "                $FOLIO_LAB_WHERE, else native): one line of `folio-lab bench`\n"
    "                arguments per run, to follow `bench --suite S`; a workload whose\n"
    "                requirement is missing here is left out, with a note on stderr.\n"
    "                --workloads LIST (comma-separated) keeps those, in that order\n"
    "\n"
    "EXIT STATUS\n"
    "    0, or 2 for an unknown workload, suite or option.\n";

const char *fl_usage_list(void)
{
	return usage_list;
}

static unsigned int nvariants(const struct fl_workload *wl)
{
	unsigned int n = 0;

	while (wl->variants && wl->variants[n])
		n++;
	return n;
}

static const char *variant_name(const struct fl_workload *wl, unsigned int i)
{
	return nvariants(wl) ? wl->variants[i] : "default";
}

static const char *variant_summary(const struct fl_workload *wl, unsigned int i)
{
	return wl->variant_summaries && nvariants(wl) ? wl->variant_summaries[i] : NULL;
}

static const struct fl_suite_run default_suite[] = {
    {FL_IN_FULL | FL_IN_EVERYWHERE, ""},
    {0, NULL},
};

static const struct fl_suite_run *suite_runs(const struct fl_workload *wl)
{
	return wl->suite ? wl->suite : default_suite;
}

static const struct fl_smoke default_smoke[] = {{.args = ""}, {NULL}};

static const struct fl_smoke *smoke_runs(const struct fl_workload *wl)
{
	return wl->smoke ? wl->smoke : default_smoke;
}

static const char *const in_names[] = {"full", "quick", "native", "guest"};

/* ---- text ---- */

/* The workload's restrictions, one line each after PREFIX, the path in QUOTEs; how many. */
static int print_restrictions(const struct fl_workload *wl, const char *prefix, const char *quote)
{
	int n = 0;

	if (wl->flags & FL_WL_THREADS_ONLY)
		n += printf("%sthreads mode only\n", prefix) > 0;
	if (wl->flags & FL_WL_SELF_TIMED)
		n += printf("%sself-timed: the workload times its own window\n", prefix) > 0;
	if (wl->run)
		n += printf("%sruns its own measurement and writes its own records\n", prefix) > 0;
	if (wl->min_workers > 1)
		n += printf("%sneeds at least %u workers\n", prefix, wl->min_workers) > 0;
	if (wl->requires)
		n += printf("%srequires %s%s%s (%s)\n", prefix, quote, wl->requires, quote,
			    wl->requires_why ? wl->requires_why : "") > 0;
	return n;
}

static void list_one(const struct fl_workload *wl)
{
	unsigned int nv = nvariants(wl);

	printf("%s\n    %s\n", wl->name, wl->summary ? wl->summary : "");
	printf("    variants:");
	for (unsigned int i = 0; i < nv; i++)
		printf(" %s%s", wl->variants[i], i == 0 ? " (default)" : "");
	printf("%s\n", nv ? "" : " default");
	if (wl->params && wl->params[0].key) {
		printf("    options (--opt KEY=VALUE):\n");
		for (const struct fl_param *d = wl->params; d->key; d++) {
			char def[32], range[256];

			printf("      %-14s default %-10s %s\n", d->key,
			       fl_param_default_text(d, def, sizeof(def)), d->help ? d->help : "");
			printf("      %-14s %s\n", "",
			       fl_param_range_text(d, range, sizeof(range)));
		}
	} else {
		printf("    options: none\n");
	}
	printf("    counters:");
	for (unsigned int i = 0; wl->counters && wl->counters[i]; i++)
		printf(" %s", wl->counters[i]);
	printf("%s\n", wl->counters && wl->counters[0] ? "" : " none");
	print_restrictions(wl, "    ", "");
	for (const struct fl_suite_run *r = suite_runs(wl); r->in; r++) {
		printf("    suite run:");
		for (unsigned int b = 0; b < 4; b++)
			if (r->in & (1u << b))
				printf(" %s", in_names[b]);
		printf(": bench --workload %s%s%s\n", wl->name, *r->args ? " " : "", r->args);
	}
}

/* ---- JSON ---- */

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *param_json(const struct fl_param *p)
{
	struct json_object *o = json_object_new_object();
	char def[32];

	json_object_object_add(o, "key", jstr(p->key));
	json_object_object_add(o, "type", jstr(fl_param_type_name(p->type)));
	json_object_object_add(o, "default", jstr(fl_param_default_text(p, def, sizeof(def))));
	if (p->type == FL_PT_U64) {
		json_object_object_add(o, "min", json_object_new_uint64(p->min));
		json_object_object_add(o, "max", json_object_new_uint64(p->max));
		if (p->zero)
			json_object_object_add(o, "zero", jstr(p->zero));
	} else if (p->type == FL_PT_INT) {
		json_object_object_add(o, "min", json_object_new_int64(p->imin));
		json_object_object_add(o, "max", json_object_new_int64(p->imax));
	} else if (p->type == FL_PT_ENUM) {
		struct json_object *vals = json_object_new_array();

		for (unsigned int i = 0; p->values && p->values[i].name; i++) {
			struct json_object *v = json_object_new_object();

			json_object_object_add(v, "name", jstr(p->values[i].name));
			json_object_object_add(v, "help", jstr(p->values[i].help));
			json_object_array_add(vals, v);
		}
		json_object_object_add(o, "values", vals);
	}
	json_object_object_add(o, "help", jstr(p->help));
	return o;
}

static struct json_object *in_json(unsigned int in, unsigned int lo, unsigned int hi)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int b = lo; b <= hi; b++)
		if (in & (1u << b))
			json_object_array_add(a, jstr(in_names[b]));
	return a;
}

static struct json_object *workload_json(const struct fl_workload *wl)
{
	struct json_object *o = json_object_new_object();
	struct json_object *vs = json_object_new_array(), *ps = json_object_new_array();
	struct json_object *cs = json_object_new_array(), *fs = json_object_new_array();
	struct json_object *ss = json_object_new_array(), *sm = json_object_new_array();
	unsigned int nv = nvariants(wl) ? nvariants(wl) : 1;

	for (unsigned int i = 0; i < nv; i++) {
		struct json_object *v = json_object_new_object(), *vc = json_object_new_array();
		unsigned int mask = wl->variant_counters ? wl->variant_counters((int)i) : ~0u;

		json_object_object_add(v, "name", jstr(variant_name(wl, i)));
		if (variant_summary(wl, i))
			json_object_object_add(v, "summary", jstr(variant_summary(wl, i)));
		for (unsigned int c = 0; wl->counters && wl->counters[c]; c++)
			if (mask & (1u << c))
				json_object_array_add(vc, jstr(wl->counters[c]));
		json_object_object_add(v, "counters", vc);
		json_object_array_add(vs, v);
	}
	for (const struct fl_param *p = wl->params; p && p->key; p++)
		json_object_array_add(ps, param_json(p));
	for (unsigned int c = 0; wl->counters && wl->counters[c]; c++)
		json_object_array_add(cs, jstr(wl->counters[c]));
	if (wl->flags & FL_WL_THREADS_ONLY)
		json_object_array_add(fs, jstr("threads-only"));
	if (wl->flags & FL_WL_SELF_TIMED)
		json_object_array_add(fs, jstr("self-timed"));
	if (wl->run)
		json_object_array_add(fs, jstr("own-records"));
	for (const struct fl_suite_run *r = suite_runs(wl); r->in; r++) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "suites", in_json(r->in, 0, 1));
		json_object_object_add(s, "where", in_json(r->in, 2, 3));
		json_object_object_add(s, "args", jstr(r->args));
		json_object_array_add(ss, s);
	}
	for (const struct fl_smoke *r = smoke_runs(wl); r->args; r++) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "args", jstr(r->args));
		json_object_object_add(s, "check", jstr(r->check));
		json_object_object_add(s, "what", jstr(r->what));
		json_object_object_add(s, "records", json_object_new_int((int)r->records));
		json_object_object_add(s, "skip_if", jstr(r->skip_if));
		json_object_object_add(s, "prints", jstr(r->prints));
		json_object_array_add(sm, s);
	}
	json_object_object_add(o, "name", jstr(wl->name));
	json_object_object_add(o, "summary", jstr(wl->summary));
	json_object_object_add(o, "variants", vs);
	json_object_object_add(o, "params", ps);
	json_object_object_add(o, "counters", cs);
	json_object_object_add(o, "flags", fs);
	json_object_object_add(o, "min_workers",
			       json_object_new_int(wl->min_workers ? (int)wl->min_workers : 1));
	json_object_object_add(o, "requires", jstr(wl->requires));
	json_object_object_add(o, "requires_why", jstr(wl->requires_why));
	json_object_object_add(o, "suites", ss);
	json_object_object_add(o, "smoke", sm);
	return o;
}

static int list_json(void)
{
	struct json_object *root = json_object_new_object(), *ws = json_object_new_array();
	struct json_object *sz = json_object_new_array();

	for (const struct fl_workload *const *w = fl_workloads; *w; w++)
		json_object_array_add(ws, workload_json(*w));
	for (size_t i = 0; i < sizeof(suite_sizes) / sizeof(suite_sizes[0]); i++) {
		const struct fl_suite_size *s = &suite_sizes[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "suite", jstr(s->suite));
		json_object_object_add(o, "where", jstr(s->where ? s->where : "any"));
		json_object_object_add(o, "duration_s", json_object_new_double(s->duration_s));
		json_object_object_add(o, "warmup_s", json_object_new_double(s->warmup_s));
		json_object_object_add(o, "reps", json_object_new_int((int)s->reps));
		json_object_object_add(o, "workers", jstr(s->workers));
		json_object_object_add(o, "boundaries",
				       jstr(s->boundary_ends ? "1 and all PUs" : "all"));
		json_object_array_add(sz, o);
	}
	json_object_object_add(root, "workloads", ws);
	json_object_object_add(root, "suite_sizes", sz);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

/* ---- Markdown: docs/workloads.md ---- */

/* Table cells: a | would end the cell. */
static void md(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else
			putchar(*s);
	}
}

static void md_in(unsigned int in, unsigned int lo, unsigned int hi)
{
	bool first = true;

	for (unsigned int b = lo; b <= hi; b++) {
		if (in & (1u << b)) {
			printf("%s%s", first ? "" : ", ", in_names[b]);
			first = false;
		}
	}
}

static void md_workload(const struct fl_workload *wl)
{
	unsigned int nv = nvariants(wl) ? nvariants(wl) : 1;

	printf("## %s\n\n", wl->name);
	md(wl->summary);
	printf("\n\n");
	if (print_restrictions(wl, "- ", "`"))
		putchar('\n');

	printf("Variants (`--variant`, the first is the default):\n\n");
	printf("| variant | what | counters that can move |\n|---|---|---|\n");
	for (unsigned int i = 0; i < nv; i++) {
		unsigned int mask = wl->variant_counters ? wl->variant_counters((int)i) : ~0u;
		bool any = false;

		printf("| `%s` | ", variant_name(wl, i));
		md(variant_summary(wl, i) ? variant_summary(wl, i) : "");
		printf(" | ");
		for (unsigned int c = 0; wl->counters && wl->counters[c]; c++) {
			if (mask & (1u << c)) {
				printf("%s`%s`", any ? ", " : "", wl->counters[c]);
				any = true;
			}
		}
		printf("%s |\n", any ? "" : "-");
	}
	putchar('\n');

	if (wl->params && wl->params[0].key) {
		printf("Options (`--opt KEY=VALUE`, checked before anything runs):\n\n");
		printf("| key | type and range | default | what |\n|---|---|---|---|\n");
		for (const struct fl_param *p = wl->params; p->key; p++) {
			char def[32], range[256];

			printf("| `%s` | ", p->key);
			if (p->type == FL_PT_ENUM)
				printf("enum");
			else
				md(fl_param_range_text(p, range, sizeof(range)));
			printf(" | `%s` | ", fl_param_default_text(p, def, sizeof(def)));
			md(p->help);
			for (unsigned int i = 0; p->type == FL_PT_ENUM && p->values[i].name; i++) {
				printf("%s`%s`: ", i ? "; " : ". ", p->values[i].name);
				md(p->values[i].help);
			}
			printf(" |\n");
		}
		putchar('\n');
	} else {
		printf("Options: none.\n\n");
	}

	printf("Counters (record field `counters`):");
	for (unsigned int c = 0; wl->counters && wl->counters[c]; c++)
		printf(" `%s`", wl->counters[c]);
	printf("%s\n\n", wl->counters && wl->counters[0] ? "" : " none");

	printf("Suite runs (`harness/suite.sh`):\n\n");
	for (const struct fl_suite_run *r = suite_runs(wl); r->in; r++) {
		printf("- ");
		md_in(r->in, 0, 1);
		printf(" suite, ");
		md_in(r->in, 2, 3);
		printf(": `folio-lab bench --workload %s%s%s`\n", wl->name, *r->args ? " " : "",
		       r->args);
	}
	printf("\nRecords test (`workloads-records-%s`), each run with `--duration 0.2 "
	       "--warmup 0.05 --reps 1 --workers 1,2`:\n\n",
	       wl->name);
	for (const struct fl_smoke *r = smoke_runs(wl); r->args; r++) {
		printf("- `%s`%s", *r->args ? r->args : "(no arguments)", r->what ? ": " : "");
		md(r->what);
		putchar('\n');
	}
	putchar('\n');
}

static int list_markdown(void)
{
	printf("# Workloads\n\n"
	       "<!-- Generated by `folio-lab list --markdown` from the declarations in bench/*.c;\n"
	       "     do not edit: the ctest workloads-doc fails when this file differs. -->\n\n"
	       "Every workload is one file in `bench/` and one line in `bench/workloads.def`. "
	       "Its declaration (a `struct fl_workload`, see `bench/workload.h`) gives what "
	       "follows: variants, typed options, counters, the suite runs it takes part in and "
	       "the runs of its records test. `folio-lab list` prints the same, `folio-lab list "
	       "--json` as JSON.\n\n");
	printf("## Suite sizes\n\n"
	       "`folio-lab bench --suite S` takes these as its defaults (explicit options "
	       "win); `bench` without `--suite` uses full/native.\n\n"
	       "| suite | where | --duration | --warmup | --reps | --workers |\n"
	       "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(suite_sizes) / sizeof(suite_sizes[0]); i++) {
		const struct fl_suite_size *s = &suite_sizes[i];

		printf("| %s | %s | %g | %g | %u | %s |\n", s->suite, s->where ? s->where : "any",
		       s->duration_s, s->warmup_s, s->reps,
		       s->workers ? s->workers : "the topology's default sweep");
	}
	printf("\n| workload | summary |\n|---|---|\n");
	for (const struct fl_workload *const *w = fl_workloads; *w; w++) {
		printf("| [`%s`](#%s) | ", (*w)->name, (*w)->name);
		md((*w)->summary);
		printf(" |\n");
	}
	putchar('\n');
	for (const struct fl_workload *const *w = fl_workloads; *w; w++)
		md_workload(*w);
	return 0;
}

/* ---- suites ---- */

static void suite_one(const struct fl_workload *wl, unsigned int want)
{
	bool any = false;

	for (const struct fl_suite_run *r = suite_runs(wl); r->in; r++)
		any |= (r->in & want) == want;
	if (!any)
		return;
	if (wl->requires && access(wl->requires, F_OK) != 0) {
		fprintf(stderr, "suite: skipping %s: %s missing (%s)\n", wl->name, wl->requires,
			wl->requires_why ? wl->requires_why : "required");
		return;
	}
	for (const struct fl_suite_run *r = suite_runs(wl); r->in; r++)
		if ((r->in & want) == want)
			printf("--workload %s%s%s\n", wl->name, *r->args ? " " : "", r->args);
}

static int list_suite(const char *suite, const char *where, const char *workloads)
{
	unsigned int want;

	if (strcmp(suite, "full") == 0)
		want = FL_IN_FULL;
	else if (strcmp(suite, "quick") == 0)
		want = FL_IN_QUICK;
	else {
		fprintf(stderr, "folio-lab: unknown suite '%s': full or quick\n", suite);
		return FL_EXIT_USAGE;
	}
	if (strcmp(where, "native") == 0)
		want |= FL_IN_NATIVE;
	else if (strcmp(where, "guest") == 0)
		want |= FL_IN_GUEST;
	else {
		fprintf(stderr, "folio-lab: --where '%s': native or guest\n", where);
		return FL_EXIT_USAGE;
	}
	if (!workloads) {
		for (const struct fl_workload *const *w = fl_workloads; *w; w++)
			suite_one(*w, want);
		return 0;
	}
	/* Named: each must exist; then in the order given. */
	for (const char *p = workloads; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		bool found = false;

		for (const struct fl_workload *const *w = fl_workloads; *w; w++)
			found |= strlen((*w)->name) == len && strncmp((*w)->name, p, len) == 0;
		if (!found && len) {
			fprintf(stderr, "folio-lab: unknown workload '%.*s'\n", (int)len, p);
			return FL_EXIT_USAGE;
		}
		p = e ? e + 1 : p + len;
	}
	for (const char *p = workloads; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		for (const struct fl_workload *const *w = fl_workloads; *w; w++) {
			if (strlen((*w)->name) != len || strncmp((*w)->name, p, len) != 0)
				continue;
			suite_one(*w, want);
		}
		p = e ? e + 1 : p + len;
	}
	return 0;
}

static void list_names(FILE *f)
{
	fprintf(f, "folio-lab: workloads:");
	for (const struct fl_workload *const *w = fl_workloads; *w; w++)
		fprintf(f, " %s", (*w)->name);
	fputc('\n', f);
}

int fl_cmd_list(int argc, char **argv)
{
	const char *suite = NULL, *where = getenv("FOLIO_LAB_WHERE"), *workloads = NULL;
	int rc = 0, first = argc;

	if (!where || !*where)
		where = "native";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_list, stdout);
			return 0;
		}
		if (strcmp(a, "--json") == 0)
			return list_json();
		if (strcmp(a, "--markdown") == 0)
			return list_markdown();
		if (strcmp(a, "--names") == 0) {
			for (const struct fl_workload *const *w = fl_workloads; *w; w++)
				puts((*w)->name);
			return 0;
		}
		if ((strcmp(a, "--suite") == 0 || strcmp(a, "--where") == 0 ||
		     strcmp(a, "--workloads") == 0)) {
			if (i + 1 >= argc) {
				fprintf(stderr, "folio-lab: list %s needs a value\n", a);
				return FL_EXIT_USAGE;
			}
			if (strcmp(a, "--suite") == 0)
				suite = argv[++i];
			else if (strcmp(a, "--where") == 0)
				where = argv[++i];
			else
				workloads = argv[++i];
			continue;
		}
		if (a[0] == '-') {
			fprintf(stderr, "folio-lab: list: unknown option '%s'\n", a);
			return FL_EXIT_USAGE;
		}
		first = i;
		break;
	}
	if (suite)
		return list_suite(suite, where, workloads);
	if (workloads) {
		fprintf(stderr, "folio-lab: list --workloads goes with --suite\n");
		return FL_EXIT_USAGE;
	}
	if (first >= argc) {
		for (const struct fl_workload *const *w = fl_workloads; *w; w++) {
			list_one(*w);
			if (w[1])
				putchar('\n');
		}
		return 0;
	}
	for (int i = first; i < argc; i++) {
		const struct fl_workload *wl = fl_workload_find(argv[i]);

		if (!wl) {
			fprintf(stderr, "folio-lab: unknown workload '%s'\n", argv[i]);
			list_names(stderr);
			rc = FL_EXIT_USAGE;
			continue;
		}
		list_one(wl);
	}
	return rc;
}
