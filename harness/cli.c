// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The folio-lab command line: bench, plan, list, merge, help. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "folio-lab/boundaries.h"
#include "harness.h"

#ifndef FOLIO_LAB_VERSION
#define FOLIO_LAB_VERSION "unknown"
#endif

static const char usage_main[] =
    "usage: folio-lab COMMAND [OPTIONS]\n"
    "\n"
    "The folio-lab harness: pinned workers hammer one workload, the harness times\n"
    "them and appends one JSON line per measurement to DIR/samples.jsonl.\n"
    "\n"
    "Commands:\n"
    "  bench    run a workload over a sweep of worker counts and variants\n"
    "  plan     print the worker -> PU map a bench would use, run nothing\n"
    "  list     the workloads: variants, typed --opt keys, counters, suites\n"
    "           (--json, --markdown, --names, --suite S: the runs of a suite)\n"
    "  merge    append one results directory to another (records and meta.json)\n"
    "  help     this text; `folio-lab help COMMAND` or `folio-lab COMMAND --help`\n"
    "\n"
    "  --version  print the lab version\n"
    "\n"
    "Exit status: 0 success, 1 a measurement or I/O failed, 2 bad usage,\n"
    "130 interrupted (SIGINT/SIGTERM; records already written stay whole).\n";

/* A format: the defaults come from the suite table (list.c), print_usage_bench(). */
static const char usage_bench[] =
    "NAME\n"
    "    folio-lab bench - measure one workload over worker counts and variants\n"
    "\n"
    "SYNOPSIS\n"
    "    folio-lab bench --workload W [--variant V[,V...]|all] [--workers LIST]\n"
    "                    [--placement P] [--mode threads|processes] [--duration S]\n"
    "                    [--warmup S] [--reps N] [--out DIR] [--kernel LABEL]\n"
    "                    [--opt KEY=VALUE]... [--topology XML_FILE|SYNTHETIC]\n"
    "                    [--suite full|quick] [--oversubscribe] [--perf] [--profile]\n"
    "                    [--plan] [--quiet]\n"
    "\n"
    "DESCRIPTION\n"
    "    For every worker count, repetition and variant (variants innermost, so slow\n"
    "    drift hits all variants alike) one measurement: the workload's setup, N\n"
    "    workers (threads or processes) each pinned to its PU, a start gate that\n"
    "    opens once every worker is ready, a warm-up, a timed window between two\n"
    "    snapshots of the per-worker counters, stop, join, teardown. Each\n"
    "    measurement appends one line to DIR/samples.jsonl; DIR/meta.json records\n"
    "    provenance per kernel label (see docs/internals.md).\n"
    "\n"
    "OPTIONS\n"
    "    --workload W       the workload (required); `folio-lab list` shows them\n"
    "    --variant LIST     comma-separated variants, or `all`; default: the\n"
    "                       workload's first variant\n"
    "    --workers LIST     worker counts, e.g. 1,2,4 or 1-4 or 1,2,8-10; default:\n"
    "                       1, 2, one per core of one NUMA node, one per core, all\n"
    "                       PUs, counted within the placement, de-duplicated\n"
    "    --workers boundaries  the counts where the placement's first workers fill\n"
    "                       1 PU, a core's SMT siblings, a NUMA node, a socket, all\n"
    "                       cores, all PUs (`plan` labels each); --suite quick: 1\n"
    "                       and all the placement's PUs only\n"
    "    --placement P      compact (default), scatter, node:N, nosmt or pus:LIST:\n"
    "                       compact   SMT siblings of a core, then the next core,\n"
    "                                 then the next node/package\n"
    "                       scatter   round-robin over packages, then NUMA nodes in\n"
    "                                 them, then cores; SMT siblings last\n"
    "                       node:N    only NUMA node N's PUs, compact within it\n"
    "                       nosmt     one PU per core, compact order\n"
    "                       pus:LIST  these OS PU numbers in this order (0,2,4-7)\n"
    "    --mode M           threads (default) or processes (fork)\n"
    "    --duration S       measured window in seconds (default %g)\n"
    "    --warmup S         untimed run before the window (default %g)\n"
    "    --reps N           repetitions of each point (default %u)\n"
    "    --suite S          the defaults of suite S instead (full or quick, and\n"
    "                       $FOLIO_LAB_WHERE's row: `folio-lab list --json`, field\n"
    "                       suite_sizes); options given explicitly still win\n"
    "    --out DIR          results directory (default results/<UTC date-time>);\n"
    "                       an existing one is appended to\n"
    "    --kernel LABEL     kernel label of the records (default:\n"
    "                       $FOLIO_LAB_KERNEL_LABEL, else `native`)\n"
    "    --opt KEY=VALUE    a workload option (repeatable); unknown keys are refused\n"
    "    --topology T       plan against an hwloc XML file or a synthetic topology,\n"
    "                       e.g. \"pack:2 numa:2 core:4 pu:2\"; bench then only\n"
    "                       plans unless T describes this machine\n"
    "    --oversubscribe    allow more workers than PUs (placement wraps around)\n"
    "    --perf             count task-clock, context-switches, cpu-migrations,\n"
    "                       cycles and instructions of the workers over the window\n"
    "                       (record field \"perf\"); hardware events may be missing\n"
    "    --profile          sample the window with `perf record -g` on the measured\n"
    "                       PUs (cycles, else cpu-clock): record field \"profile\"\n"
    "                       (samples, top symbols, refcount_share), folded stacks in\n"
    "                       DIR/profiles/; without perf or kernel symbols: said once,\n"
    "                       no profiles; FOLIO_LAB_PROFILE=1 in the environment does\n"
    "                       the same\n"
    "    --plan             print the plan (as `folio-lab plan`) and exit\n"
    "    --quiet            no progress on stderr\n"
    "    -h, --help         this text\n"
    "\n"
    "ENVIRONMENT\n"
    "    FOLIO_LAB_KERNEL_LABEL  default --kernel\n"
    "    FOLIO_LAB_WHERE         record field `where` (default native; guests: guest)\n"
    "    FOLIO_LAB_ACCEL         record field `accel` (default none; guests: tcg/kvm)\n"
    "\n"
    "OUTPUT\n"
    "    Progress and one Mops/s line per measurement on stderr; the results\n"
    "    directory on stdout at the end.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done, 1 a measurement failed, 2 bad usage, 130 interrupted.\n"
    "\n"
    "EXAMPLES\n"
    "    folio-lab bench --workload atomics --variant all --workers 1,2\n"
    "    folio-lab bench --workload pread --mode processes --opt size=64 --reps 3\n"
    "\n"
    "    Figures from a 2-core VM or a TCG guest are not scalability results.\n";

static const char usage_plan[] =
    "NAME\n"
    "    folio-lab plan - print the worker -> PU map of a bench, run nothing\n"
    "\n"
    "SYNOPSIS\n"
    "    folio-lab plan [--workload W] [--workers LIST|boundaries] [--placement P]\n"
    "                   [--topology XML_FILE|SYNTHETIC] [--oversubscribe]\n"
    "                   [any other bench option, checked but unused]\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints the topology, the placement, the worker counts of the sweep and,\n"
    "    for the largest count, the PU (OS index), core (logical), NUMA node (OS\n"
    "    index) and package (logical) of each worker. Options and their checks are\n"
    "    those of `folio-lab bench --help`; --workload is optional (it matters for\n"
    "    the workload's minimum worker count).\n"
    "    With --workers boundaries, a line `boundary N: LABEL` per count says\n"
    "    what N workers fill (the labels folio-lab-compare series prints).\n"
    "\n"
    "EXAMPLES\n"
    "    folio-lab plan --placement scatter --topology \"pack:2 numa:2 core:4 pu:2\"\n"
    "    folio-lab plan --workers boundaries --placement nosmt\n"
    "    lstopo --of xml > box.xml; folio-lab plan --topology box.xml --placement node:1\n"
    "\n"
    "EXIT STATUS\n"
    "    0 printed, 2 bad usage.\n";

static const char usage_merge[] =
    "NAME\n"
    "    folio-lab merge - append one results directory to another\n"
    "\n"
    "SYNOPSIS\n"
    "    folio-lab merge SRC DST\n"
    "\n"
    "DESCRIPTION\n"
    "    Appends SRC/samples.jsonl to DST/samples.jsonl and merges the `kernels`\n"
    "    entries of SRC/meta.json into DST/meta.json (written to a temporary file\n"
    "    and renamed; an entry for a label already in DST is replaced). Every line\n"
    "    of SRC must be one whole JSON object: otherwise nothing is merged and the\n"
    "    first bad line is named. DST is created if needed. The guest runner uses\n"
    "    this to gather each guest's results.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 merged, 1 a malformed or unreadable input, 2 bad usage.\n";

static void print_usage_bench(FILE *f)
{
	const struct fl_suite_size *d = fl_bench_defaults();

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	fprintf(f, usage_bench, d->duration_s, d->warmup_s, d->reps);
#pragma GCC diagnostic pop
}

/* ---- bench / plan ---- */

enum {
	OPT_WORKLOAD = 256,
	OPT_VARIANT,
	OPT_WORKERS,
	OPT_PLACEMENT,
	OPT_MODE,
	OPT_DURATION,
	OPT_WARMUP,
	OPT_REPS,
	OPT_OUT,
	OPT_KERNEL,
	OPT_OPT,
	OPT_TOPOLOGY,
	OPT_OVERSUB,
	OPT_PERF,
	OPT_PROFILE,
	OPT_PLAN,
	OPT_QUIET,
	OPT_SUITE,
};

static const struct option bench_longopts[] = {
    {"workload", required_argument, NULL, OPT_WORKLOAD},
    {"variant", required_argument, NULL, OPT_VARIANT},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"placement", required_argument, NULL, OPT_PLACEMENT},
    {"mode", required_argument, NULL, OPT_MODE},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"reps", required_argument, NULL, OPT_REPS},
    {"out", required_argument, NULL, OPT_OUT},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"opt", required_argument, NULL, OPT_OPT},
    {"topology", required_argument, NULL, OPT_TOPOLOGY},
    {"oversubscribe", no_argument, NULL, OPT_OVERSUB},
    {"perf", no_argument, NULL, OPT_PERF},
    {"profile", no_argument, NULL, OPT_PROFILE},
    {"plan", no_argument, NULL, OPT_PLAN},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"suite", required_argument, NULL, OPT_SUITE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct raw_opts {
	const char *workload, *variant, *workers, *placement, *mode, *duration, *warmup, *reps,
	    *out, *kernel, *topology, *suite;
	const char **kv;
	unsigned int nkv;
	bool oversub, perf, profile, plan, quiet;
};

static void list_workloads(FILE *f)
{
	fprintf(f, "folio-lab: workloads:");
	for (const struct fl_workload *const *w = fl_workloads; *w; w++)
		fprintf(f, " %s", (*w)->name);
	fputc('\n', f);
}

static unsigned int count_variants(const struct fl_workload *wl)
{
	unsigned int n = 0;

	while (wl->variants && wl->variants[n])
		n++;
	return n;
}

static const char *default_variant(const struct fl_workload *wl)
{
	return count_variants(wl) ? wl->variants[0] : "default";
}

static void list_variants(const struct fl_workload *wl)
{
	fprintf(stderr, "folio-lab: variants of %s:", wl->name);
	for (unsigned int i = 0; i < count_variants(wl); i++)
		fprintf(stderr, " %s", wl->variants[i]);
	if (!count_variants(wl))
		fprintf(stderr, " default");
	fprintf(stderr, " (or all)\n");
}

static int variant_index(const struct fl_workload *wl, const char *name)
{
	unsigned int n = count_variants(wl);

	if (!n)
		return strcmp(name, "default") == 0 ? 0 : -1;
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(wl->variants[i], name) == 0)
			return (int)i;
	return -1;
}

static bool parse_seconds(const char *opt, const char *s, bool zero_ok, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0 || (!zero_ok && v == 0)) {
		fprintf(stderr, "folio-lab: %s '%s': expected a finite number of seconds %s\n", opt,
			s, zero_ok ? ">= 0" : "> 0");
		return false;
	}
	*out = v;
	return true;
}

static bool valid_label(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._+-", *s)))
			return false;
	return true;
}

static char *join_argv(int argc, char **argv)
{
	size_t len = sizeof("folio-lab ");
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) * 4 + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	/* argv[0] names the command ("folio-lab bench"): taken as is. */
	strcpy(s, argc > 0 ? argv[0] : "folio-lab");
	for (int i = 1; i < argc; i++) {
		bool plain = argv[i][0] && !strpbrk(argv[i], " \t\n'\"\\$`*?;&|<>()");

		strcat(s, " ");
		if (plain) {
			strcat(s, argv[i]);
			continue;
		}
		/* Shell-quoted, so the command can be pasted back. */
		strcat(s, "'");
		for (const char *c = argv[i]; *c; c++)
			strcat(s, *c == '\'' ? "'\\''" : (char[]){*c, 0});
		strcat(s, "'");
	}
	return s;
}

static void print_plan(const struct fl_topo *t, const struct fl_placement *p,
		       const struct fl_opts *o)
{
	char summary[160];
	unsigned int max = 0;

	fl_topo_summary(t, summary, sizeof(summary));
	printf("topology: %s: %s\n", t->source, summary);
	printf("placement: %s (%u PUs)\n", p->name, p->ncpus);
	printf("worker counts:");
	for (unsigned int i = 0; i < o->nworkers; i++) {
		printf(" %u", o->workers[i]);
		if (o->workers[i] > max)
			max = o->workers[i];
	}
	if (o->boundaries) {
		for (unsigned int i = 0; i < o->nworkers; i++) {
			char lab[256];

			fl_boundary_label(t, p, o->workers[i], lab, sizeof(lab));
			printf("\nboundary %u: %s", o->workers[i], lab[0] ? lab : "-");
		}
	}
	printf("\n%6s %5s %5s %5s %5s\n", "worker", "pu", "core", "node", "pkg");
	for (unsigned int i = 0; i < max; i++) {
		const struct fl_cpu *c = &p->cpus[i % p->ncpus];

		printf("%6u %5d %5d %5d %5d\n", i, c->pu, c->core, c->node, c->pkg);
	}
}

static void progress_eta(double secs, char *buf, size_t len)
{
	if (secs < 0 || !isfinite(secs))
		snprintf(buf, len, "?");
	else if (secs < 90)
		snprintf(buf, len, "%.0fs", secs);
	else
		snprintf(buf, len, "%.0fm%02.0fs", floor(secs / 60), fmod(secs, 60));
}

static int run_bench(struct fl_opts *o, const struct fl_placement *p, const struct fl_topo *t)
{
	const unsigned int total = o->nworkers * o->reps * o->nvariants;
	unsigned int maxw = 0, done = 0;
	struct fl_sink sink;
	struct fl_cpu *cpus;
	uint64_t t_start;
	int rc = 0;

	for (unsigned int i = 0; i < o->nworkers; i++)
		if (o->workers[i] > maxw)
			maxw = o->workers[i];
	cpus = calloc(maxw, sizeof(*cpus));
	if (!cpus)
		return FL_EXIT_FAIL;
	for (unsigned int i = 0; i < maxw; i++)
		cpus[i] = p->cpus[i % p->ncpus];
	if (fl_sink_open(&sink, o->out, o) < 0 || fl_meta_write(o->out, o, t) < 0) {
		free(cpus);
		return FL_EXIT_FAIL;
	}
	/* A workload with its own run() writes its own records: nothing to profile. */
	if (o->profile && !o->wl->run)
		o->profile = fl_profile_probe(o->out, cpus[0].pu);
	if (!o->quiet)
		fprintf(stderr, "folio-lab: %s on %s (%s): %u measurements -> %s\n", o->wl->name,
			o->kernel_label, o->where, total, o->out);

	t_start = fl_now_ns();
	for (unsigned int wi = 0; wi < o->nworkers && !rc; wi++) {
		for (unsigned int rep = 0; rep < o->reps && !rc; rep++) {
			for (unsigned int vi = 0; vi < o->nvariants && !rc; vi++) {
				struct fl_ctx ctx = {
				    .wl = o->wl,
				    .variant = o->variants[vi],
				    .variant_index = variant_index(o->wl, o->variants[vi]),
				    .mode = o->mode,
				    .nworkers = o->workers[wi],
				    .cpus = cpus,
				    .warmup_ns = (uint64_t)(o->warmup_s * 1e9),
				    .duration_ns = (uint64_t)(o->duration_s * 1e9),
				    .rep = rep,
				    .kernel_label = o->kernel_label,
				    .params = o->params,
				    .nparams = o->nparams,
				    .sink = &sink,
				};
				double mops;

				if (!o->quiet) {
					double el = (double)(fl_now_ns() - t_start) / 1e9;
					double per =
					    done ? el / done : o->warmup_s + o->duration_s + 0.05;
					char eta[32];

					progress_eta(per * (total - done), eta, sizeof(eta));
					fprintf(stderr,
						"[%u/%u] %s %s workers=%u rep %u/%u (~%s left)\n",
						done + 1, total, o->wl->name, ctx.variant,
						ctx.nworkers, rep + 1, o->reps, eta);
				}
				rc = fl_measure(&ctx, o, &mops);
				done++;
				if (!rc && !o->quiet) {
					if (isnan(mops))
						fprintf(stderr,
							"    done (the workload wrote its own "
							"records)\n");
					else
						fprintf(stderr, "    %.3f Mops/s\n", mops);
				}
			}
		}
	}
	if (rc == FL_EXIT_INTR)
		fprintf(stderr,
			"folio-lab: interrupted; the current measurement was dropped, %lu "
			"whole records kept in %s\n",
			sink.records, o->out);
	else if (rc)
		fprintf(stderr,
			"folio-lab: stopped after a failed measurement; %lu records in %s\n",
			sink.records, o->out);
	else if (!o->quiet)
		fprintf(stderr, "folio-lab: %lu records in %s/samples.jsonl\n", sink.records,
			o->out);
	printf("%s\n", o->out);
	fl_sink_close(&sink);
	free(cpus);
	return rc;
}

static int add_kv(struct raw_opts *r, const char *s)
{
	const char **n = realloc(r->kv, (r->nkv + 1) * sizeof(*n));

	if (!n)
		return -1;
	r->kv = n;
	r->kv[r->nkv++] = s;
	return 0;
}

/* Everything bench and plan check; on success o and p are ready. */
static int check_workload(const struct fl_opts *o);

/*
 * A default sweep (the suite's counts, the boundaries, the topology's) is
 * cut to the counts this workload and placement can take (handoff needs 2;
 * one PU takes 1), compacting w in place; with none left, the minimum.
 */
static unsigned int runnable_counts(unsigned int *w, unsigned int n, unsigned int minw,
				    const struct fl_placement *p, bool oversubscribe)
{
	unsigned int m = 0;

	for (unsigned int i = 0; i < n; i++)
		if (w[i] >= minw && (w[i] <= p->ncpus || oversubscribe))
			w[m++] = w[i];
	if (!m && minw <= p->ncpus)
		w[m++] = minw;
	return m;
}

static int no_runnable_count(const struct fl_workload *wl, unsigned int minw,
			     const struct fl_placement *p, const char *hint)
{
	fprintf(stderr, "folio-lab: %s needs at least %u workers; placement %s offers %u PUs%s\n",
		wl->name, minw, p->name, p->ncpus, hint);
	return FL_EXIT_USAGE;
}

static int resolve(const struct raw_opts *r, bool is_plan, struct fl_opts *o, struct fl_topo *t,
		   struct fl_placement *p)
{
	const struct fl_workload *wl = NULL;
	char err[256];
	int rc;

	if (r->workload) {
		wl = fl_workload_find(r->workload);
		if (!wl) {
			fprintf(stderr, "folio-lab: unknown workload '%s'\n", r->workload);
			list_workloads(stderr);
			return FL_EXIT_USAGE;
		}
	} else if (!is_plan) {
		fprintf(stderr, "folio-lab: bench needs --workload W\n");
		list_workloads(stderr);
		return FL_EXIT_USAGE;
	}
	o->wl = wl;

	/* Variants. */
	if (wl) {
		unsigned int nv = count_variants(wl);

		o->variants = calloc(nv + 1, sizeof(*o->variants));
		if (!o->variants)
			return FL_EXIT_FAIL;
		if (!r->variant) {
			o->variants[o->nvariants++] = default_variant(wl);
		} else if (strcmp(r->variant, "all") == 0) {
			for (unsigned int i = 0; i < nv; i++)
				o->variants[o->nvariants++] = wl->variants[i];
			if (!nv)
				o->variants[o->nvariants++] = "default";
		} else {
			char *copy = strdup(r->variant), *save = NULL;

			for (char *v = strtok_r(copy, ",", &save); v;
			     v = strtok_r(NULL, ",", &save)) {
				int idx = variant_index(wl, v);
				bool dup = false;

				if (idx < 0) {
					fprintf(stderr, "folio-lab: %s has no variant '%s'\n",
						wl->name, v);
					list_variants(wl);
					free(copy);
					return FL_EXIT_USAGE;
				}
				for (unsigned int i = 0; i < o->nvariants; i++)
					dup |= strcmp(o->variants[i], v) == 0;
				if (!dup && o->nvariants <= nv)
					o->variants[o->nvariants++] =
					    nv ? wl->variants[idx] : "default";
			}
			free(copy);
			if (!o->nvariants) {
				fprintf(stderr, "folio-lab: --variant '%s' names no variant\n",
					r->variant);
				list_variants(wl);
				return FL_EXIT_USAGE;
			}
		}
	}

	/* Mode. */
	if (!r->mode || strcmp(r->mode, "threads") == 0) {
		o->mode = FL_MODE_THREADS;
	} else if (strcmp(r->mode, "processes") == 0) {
		o->mode = FL_MODE_PROCESSES;
		if (wl && (wl->flags & FL_WL_THREADS_ONLY)) {
			fprintf(stderr, "folio-lab: %s runs in threads mode only\n", wl->name);
			return FL_EXIT_USAGE;
		}
	} else {
		fprintf(stderr, "folio-lab: --mode '%s': expected threads or processes\n", r->mode);
		return FL_EXIT_USAGE;
	}

	/* Times and repetitions: the suite's (list.c), or bench's own (full, native). */
	const struct fl_suite_size *size = fl_bench_defaults();
	const char *env_where = getenv("FOLIO_LAB_WHERE");

	if (r->suite) {
		size = fl_suite_size(r->suite, env_where && *env_where ? env_where : "native");
		if (!size) {
			fprintf(stderr, "folio-lab: --suite '%s': expected full or quick\n",
				r->suite);
			return FL_EXIT_USAGE;
		}
	}
	o->duration_s = size->duration_s;
	o->warmup_s = size->warmup_s;
	o->reps = size->reps;
	if (r->duration && !parse_seconds("--duration", r->duration, false, &o->duration_s))
		return FL_EXIT_USAGE;
	if (r->warmup && !parse_seconds("--warmup", r->warmup, true, &o->warmup_s))
		return FL_EXIT_USAGE;
	if (o->duration_s > 86400 || o->warmup_s > 86400) {
		fprintf(stderr, "folio-lab: --duration and --warmup are limited to a day\n");
		return FL_EXIT_USAGE;
	}
	if (r->reps) {
		char *end;
		long v;

		errno = 0;
		v = strtol(r->reps, &end, 10);
		if (errno || end == r->reps || *end || v < 1 || v > 1000000) {
			fprintf(stderr, "folio-lab: --reps '%s': expected a whole number >= 1\n",
				r->reps);
			return FL_EXIT_USAGE;
		}
		o->reps = (unsigned int)v;
	}

	/* Workload options: every declared key, parsed and checked; given values win. */
	if (r->nkv && !wl) {
		fprintf(stderr, "folio-lab: --opt needs --workload\n");
		return FL_EXIT_USAGE;
	}
	if (wl) {
		rc = fl_params_resolve(wl, r->kv, r->nkv, &o->params, &o->nparams);
		if (rc)
			return rc;
	}

	/* Labels and where the records say they come from. */
	o->kernel_label = r->kernel ? r->kernel : getenv("FOLIO_LAB_KERNEL_LABEL");
	if (!o->kernel_label || !*o->kernel_label)
		o->kernel_label = "native";
	if (!valid_label(o->kernel_label)) {
		fprintf(stderr,
			"folio-lab: kernel label '%s': use 1-64 letters, digits and ._+- only\n",
			o->kernel_label);
		return FL_EXIT_USAGE;
	}
	o->where = getenv("FOLIO_LAB_WHERE");
	if (!o->where || !*o->where)
		o->where = "native";
	o->accel = getenv("FOLIO_LAB_ACCEL");
	if (!o->accel || !*o->accel)
		o->accel = "none";
	o->placement = r->placement ? r->placement : "compact";
	o->oversubscribe = r->oversub;
	o->perf = r->perf;
	/* FOLIO_LAB_PROFILE=1: the same, for scripts that call bench many times. */
	o->profile = r->profile ||
		     (getenv("FOLIO_LAB_PROFILE") && strcmp(getenv("FOLIO_LAB_PROFILE"), "1") == 0);
	o->quiet = r->quiet;

	/* Topology and placement. */
	if (fl_topo_load(t, r->topology) < 0)
		return FL_EXIT_USAGE;
	rc = fl_placement_make(t, o->placement, p);
	if (rc)
		return rc;

	/* Worker counts. */
	unsigned int minw = wl && wl->min_workers ? wl->min_workers : 1;
	const char *workers = r->workers ? r->workers : size->workers;

	o->boundaries = workers && strcmp(workers, "boundaries") == 0;
	if (workers) {
		int n;

		if (o->boundaries) {
			/* The topology's boundaries (boundaries.h), the suite's form. */
			o->workers = calloc(FL_BND_MAX, sizeof(*o->workers));
			if (!o->workers)
				return FL_EXIT_FAIL;
			n = (int)fl_boundary_workers(t, p, size->boundary_ends, o->workers,
						     FL_BND_MAX);
		} else {
			n = fl_parse_list(workers, 0, 1u << 20, &o->workers, err, sizeof(err));
		}
		if (n < 0) {
			fprintf(stderr, "folio-lab: --workers %s\n", err);
			return FL_EXIT_USAGE;
		}
		o->nworkers = (unsigned int)n;
		if (!r->workers || o->boundaries) {
			/*
			 * The suite's counts and the boundaries are a default: those
			 * this workload and placement can take (handoff needs 2; one
			 * PU takes 1).
			 */
			o->nworkers =
			    runnable_counts(o->workers, o->nworkers, minw, p, o->oversubscribe);
			if (!o->nworkers)
				return no_runnable_count(wl, minw, p, "");
			n = (int)o->nworkers;
		}
		if (o->workers[0] == 0) {
			fprintf(stderr, "folio-lab: --workers: 0 workers measure nothing\n");
			return FL_EXIT_USAGE;
		}
		if (o->workers[0] < minw) {
			fprintf(stderr, "folio-lab: %s needs at least %u workers; --workers %s\n",
				wl->name, minw, workers);
			return FL_EXIT_USAGE;
		}
		if (o->workers[n - 1] > p->ncpus && !o->oversubscribe) {
			fprintf(stderr,
				"folio-lab: %u workers but placement %s offers %u PUs; use fewer "
				"workers, another placement, or --oversubscribe\n",
				o->workers[n - 1], p->name, p->ncpus);
			return FL_EXIT_USAGE;
		}
	} else {
		o->workers = calloc(8, sizeof(*o->workers));
		if (!o->workers)
			return FL_EXIT_FAIL;
		o->nworkers = runnable_counts(o->workers, fl_default_workers(p, o->workers, 8),
					      minw, p, false);
		if (!o->nworkers)
			return no_runnable_count(wl, minw, p,
						 " (--oversubscribe with --workers to run anyway)");
	}
	return check_workload(o);
}

/* The workload's own checks, for every variant and worker count of the sweep. */
static int check_workload(const struct fl_opts *o)
{
	if (!o->wl || !o->wl->check)
		return 0;
	for (unsigned int wi = 0; wi < o->nworkers; wi++) {
		for (unsigned int vi = 0; vi < o->nvariants; vi++) {
			const struct fl_ctx ctx = {
			    .wl = o->wl,
			    .variant = o->variants[vi],
			    .variant_index = variant_index(o->wl, o->variants[vi]),
			    .mode = o->mode,
			    .nworkers = o->workers[wi],
			    .warmup_ns = (uint64_t)(o->warmup_s * 1e9),
			    .duration_ns = (uint64_t)(o->duration_s * 1e9),
			    .kernel_label = o->kernel_label,
			    .params = o->params,
			    .nparams = o->nparams,
			};

			if (o->wl->check(&ctx))
				return FL_EXIT_USAGE;
		}
	}
	return 0;
}

static void opts_free(struct fl_opts *o)
{
	free(o->variants);
	free(o->workers);
	free(o->params);
	free((char *)o->command);
}

static char *default_out(void)
{
	char buf[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "results/%Y%m%dT%H%M%SZ", &tm);
	return strdup(buf);
}

static int cmd_bench(int argc, char **argv, bool is_plan)
{
	struct raw_opts r = {0};
	struct fl_opts o = {0};
	struct fl_topo t = {0};
	struct fl_placement p = {0};
	char *out = NULL;
	int c, rc;

	/* getopt's own messages then name the command. */
	static char prog_bench[] = "folio-lab bench", prog_plan[] = "folio-lab plan";
	argv[0] = is_plan ? prog_plan : prog_bench;
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", bench_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_WORKLOAD:
			r.workload = optarg;
			break;
		case OPT_VARIANT:
			r.variant = optarg;
			break;
		case OPT_WORKERS:
			r.workers = optarg;
			break;
		case OPT_PLACEMENT:
			r.placement = optarg;
			break;
		case OPT_MODE:
			r.mode = optarg;
			break;
		case OPT_DURATION:
			r.duration = optarg;
			break;
		case OPT_WARMUP:
			r.warmup = optarg;
			break;
		case OPT_REPS:
			r.reps = optarg;
			break;
		case OPT_OUT:
			r.out = optarg;
			break;
		case OPT_KERNEL:
			r.kernel = optarg;
			break;
		case OPT_OPT:
			if (add_kv(&r, optarg) < 0)
				return FL_EXIT_FAIL;
			break;
		case OPT_TOPOLOGY:
			r.topology = optarg;
			break;
		case OPT_OVERSUB:
			r.oversub = true;
			break;
		case OPT_PERF:
			r.perf = true;
			break;
		case OPT_PROFILE:
			r.profile = true;
			break;
		case OPT_PLAN:
			r.plan = true;
			break;
		case OPT_QUIET:
			r.quiet = true;
			break;
		case OPT_SUITE:
			r.suite = optarg;
			break;
		case 'h':
			if (is_plan)
				fputs(usage_plan, stdout);
			else
				print_usage_bench(stdout);
			free(r.kv);
			return 0;
		default:
			fprintf(stderr, "folio-lab: see `folio-lab %s --help`\n",
				is_plan ? "plan" : "bench");
			free(r.kv);
			return FL_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "folio-lab: %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		free(r.kv);
		return FL_EXIT_USAGE;
	}
	rc = resolve(&r, is_plan, &o, &t, &p);
	if (rc)
		goto out;
	if (is_plan || r.plan) {
		print_plan(&t, &p, &o);
		goto out;
	}
	if (t.foreign) {
		fprintf(stderr,
			"folio-lab: --topology %s is not this machine: bench can only plan "
			"against it (add --plan, or use `folio-lab plan`)\n",
			r.topology);
		rc = FL_EXIT_USAGE;
		goto out;
	}
	if (!r.out)
		out = default_out();
	o.out = r.out ? r.out : out;
	o.command = join_argv(argc, argv);
	if (!o.out || !o.command) {
		rc = FL_EXIT_FAIL;
		goto out;
	}
	rc = run_bench(&o, &p, &t);
out:
	opts_free(&o);
	fl_placement_free(&p);
	fl_topo_free(&t);
	free(out);
	free(r.kv);
	return rc;
}

static int cmd_merge(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage_merge, stdout);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: folio-lab merge SRC DST\n");
		return FL_EXIT_USAGE;
	}
	return fl_merge(argv[1], argv[2]);
}

static int cmd_help(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd)
		fputs(usage_main, stdout);
	else if (strcmp(cmd, "bench") == 0)
		print_usage_bench(stdout);
	else if (strcmp(cmd, "plan") == 0)
		fputs(usage_plan, stdout);
	else if (strcmp(cmd, "list") == 0)
		fputs(fl_usage_list(), stdout);
	else if (strcmp(cmd, "merge") == 0)
		fputs(usage_merge, stdout);
	else {
		fprintf(stderr, "folio-lab: no help for '%s'\n", cmd);
		fputs(usage_main, stderr);
		return FL_EXIT_USAGE;
	}
	return 0;
}

int fl_main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fputs(usage_main, stderr);
		return FL_EXIT_USAGE;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("folio-lab %s\n", fl_lab_version());
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return cmd_help(argc - 1, argv + 1);
	fl_signals_install();
	/* 12 significant digits: exact enough, and 0.05 stays 0.05 in the records. */
	json_c_set_serialization_double_format("%.12g", JSON_C_OPTION_GLOBAL);
	if (strcmp(cmd, "bench") == 0)
		return cmd_bench(argc - 1, argv + 1, false);
	if (strcmp(cmd, "plan") == 0)
		return cmd_bench(argc - 1, argv + 1, true);
	if (strcmp(cmd, "list") == 0)
		return fl_cmd_list(argc - 1, argv + 1);
	if (strcmp(cmd, "merge") == 0)
		return cmd_merge(argc - 1, argv + 1);
	fprintf(stderr, "folio-lab: unknown command '%s'\n\n", cmd);
	fputs(usage_main, stderr);
	return FL_EXIT_USAGE;
}
