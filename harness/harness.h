// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Internals of the folio-lab harness, shared by its source files and by the
 * harness's own tests (which link the harness with a test-only workload
 * table instead of bench/).
 */
#ifndef FOLIO_LAB_HARNESS_H
#define FOLIO_LAB_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "workload.h"

/* Exit codes: 0 ok, 1 a measurement or I/O failed, 2 bad usage, 130 interrupted. */
enum { FL_EXIT_OK = 0, FL_EXIT_FAIL = 1, FL_EXIT_USAGE = 2, FL_EXIT_INTR = 130 };

/* ---- topology and placement (topo.c) ---- */

struct fl_topo {
	struct hwloc_topology *topo;
	char *source;	    /* "this machine", "xml FILE" or "synthetic \"...\"" */
	bool foreign;	    /* not the machine we run on */
	struct fl_cpu *pus; /* every PU, hwloc logical (compact) order */
	unsigned int npus;
	unsigned int ncores, nnodes, npkgs;
};

/* A placement: the order in which workers are given PUs. */
struct fl_placement {
	char *name; /* as given */
	struct fl_cpu *cpus;
	unsigned int ncpus;
};

/* Loads this machine (spec NULL), an XML file or a synthetic description. */
int fl_topo_load(struct fl_topo *t, const char *spec);
void fl_topo_free(struct fl_topo *t);
/* "2 packages, 4 NUMA nodes, 16 cores, 32 PUs" */
void fl_topo_summary(const struct fl_topo *t, char *buf, size_t len);

/* Returns 0, or prints why and returns FL_EXIT_USAGE. */
int fl_placement_make(const struct fl_topo *t, const char *name, struct fl_placement *p);
void fl_placement_free(struct fl_placement *p);
/* Default sweep: 1, 2, cores of one node, all cores, all PUs; n entries. */
unsigned int fl_default_workers(const struct fl_placement *p, unsigned int *out, unsigned int max);
/*
 * `--workers boundaries`: the counts where the placement's first w PUs fill
 * 1 PU, a core's SMT siblings, a NUMA node, a socket, all cores, all PUs
 * (include/folio-lab/boundaries.h, the rule folio-lab-compare labels with),
 * ascending; quick: 1 and all the placement's PUs. Returns how many.
 */
unsigned int fl_boundary_workers(const struct fl_topo *t, const struct fl_placement *p, bool quick,
				 unsigned int *out, unsigned int max);
/* What w workers of p fill ("1 NUMA node", "all PUs (SMT)"); "" if nothing. */
const char *fl_boundary_label(const struct fl_topo *t, const struct fl_placement *p, unsigned int w,
			      char *buf, size_t len);

/*
 * Parses "1,2,4-8" into ascending, de-duplicated values in [lo, hi].
 * Returns the count, or -1 with a message in err.
 */
int fl_parse_list(const char *s, unsigned int lo, unsigned int hi, unsigned int **out, char *err,
		  size_t errlen);

/* ---- options shared by bench and plan (cli.c fills it) ---- */

/* One parameter of a bench: its declaration, its text and its parsed value. */
struct fl_kv {
	const struct fl_param *decl;
	const char *key;   /* decl->key */
	const char *value; /* as given, or the default's text */
	uint64_t u;	   /* U64, BOOL (0/1), ENUM (index) */
	int64_t i;	   /* INT */
	char def[32];	   /* the default's text, for U64/INT/BOOL */
};

/* ---- parameters (params.c) ---- */

/* The default's text: "64", "auto", "-1", "0", "tryget-put". */
const char *fl_param_default_text(const struct fl_param *p, char *buf, size_t len);
/* "u64 1..65536", "u64 1..1024 or auto", "int -1..1023", "bool", "one of: a, b", "string". */
const char *fl_param_range_text(const struct fl_param *p, char *buf, size_t len);
/* "u64", "int", "bool", "enum", "string". */
const char *fl_param_type_name(enum fl_param_type t);
/*
 * Every declared parameter of wl with its default, then each KEY=VALUE of
 * kv (the last one given wins), each parsed and checked against its
 * declaration. 0, or a message on stderr and FL_EXIT_USAGE (a bad --opt)
 * or FL_EXIT_FAIL (a bad declaration or no memory).
 */
int fl_params_resolve(const struct fl_workload *wl, const char *const *kv, unsigned int nkv,
		      struct fl_kv **out, unsigned int *nout);

struct fl_opts {
	const struct fl_workload *wl;
	const char **variants; /* selected variant names */
	unsigned int nvariants;
	unsigned int *workers; /* worker counts of the sweep */
	unsigned int nworkers;
	bool boundaries; /* the sweep is `--workers boundaries` */
	const char *placement;
	enum fl_mode mode;
	double duration_s, warmup_s;
	unsigned int reps;
	const char *out;
	const char *kernel_label;
	const char *where, *accel;
	struct fl_kv *params; /* every documented key, effective value */
	unsigned int nparams;
	bool oversubscribe, perf, profile, quiet;
	const char *command; /* the command line, for meta.json */
};

/* ---- list and suites (list.c) ---- */

/* The defaults of one suite's benches (`bench --suite S`); where NULL: any. */
struct fl_suite_size {
	const char *suite, *where;
	double duration_s, warmup_s;
	unsigned int reps;
	const char *workers; /* NULL: the topology's default sweep */
	bool boundary_ends;  /* `--workers boundaries` keeps only 1 and all PUs */
};
/* suite "full"/"quick" where "native"/"guest"; NULL for an unknown suite. */
const struct fl_suite_size *fl_suite_size(const char *suite, const char *where);
/* `bench` without --suite: the full suite's native sizes. */
const struct fl_suite_size *fl_bench_defaults(void);
int fl_cmd_list(int argc, char **argv);
const char *fl_usage_list(void);

/* ---- records (record.c) ---- */

struct fl_sink {
	int fd; /* DIR/samples.jsonl, O_APPEND */
	char *dir;
	char run_id[96];
	const struct fl_opts *opts;
	const char *placement;
	const char *kernel_release;
	const char *kernel_scheme;
	unsigned long records;
};

int fl_sink_open(struct fl_sink *s, const char *dir, const struct fl_opts *o);
void fl_sink_close(struct fl_sink *s);
/* Adds or replaces this kernel label's entry in DIR/meta.json. */
int fl_meta_write(const char *dir, const struct fl_opts *o, const struct fl_topo *t);
int fl_merge(const char *src, const char *dst);
/* "zero", "frozen-bit" or "unknown": asks folio_lab.ko if it is loaded. */
const char *fl_kernel_scheme(void);
const char *fl_lab_version(void);

/* ---- perf counters around the window (perf.c) ---- */

#define FL_PERF_EVENTS 5
struct fl_perf {
	int fds[FL_PERF_EVENTS]; /* per worker group, flattened by runner */
	bool open;
};
/* Opens counters on one task; hardware events may be missing. */
void fl_perf_open(struct fl_perf *p, int tid);
void fl_perf_close(struct fl_perf *p);
void fl_perf_snapshot(const struct fl_perf *p, uint64_t v[FL_PERF_EVENTS]);
extern const char *const fl_perf_names[FL_PERF_EVENTS];
bool fl_perf_hw_available(void);

/* ---- perf profiles of the window (profile.c) ---- */

struct fl_profile {
	bool on;
	int pid, ctl, ack; /* perf record and its control pipes */
	char name[160];	   /* RUN_ID-SEQ */
	char pus[256];	   /* the measured PUs, perf -C list */
	char data[4096 + 192], folded[4096 + 192];
};
/* Once per run: perf, kernel symbols, permission; false (said once) if not. */
bool fl_profile_probe(const char *dir, int pu);
/* Starts perf on the measured PUs with its events off; 0 or -1 (no profile). */
int fl_profile_start(struct fl_profile *p, const struct fl_ctx *ctx, const char *dir,
		     const char *run_id);
int fl_profile_enable(struct fl_profile *p);
int fl_profile_disable(struct fl_profile *p);
void fl_profile_abort(struct fl_profile *p);
/* Stops perf, folds its samples of these tasks; the "profile" object or NULL. */
struct json_object *fl_profile_finish(struct fl_profile *p, const int *tids, unsigned int ntids);

/* ---- the measurement (runner.c) ---- */

/* One measurement; 0, FL_EXIT_FAIL or FL_EXIT_INTR. Emits its record. */
int fl_measure(struct fl_ctx *ctx, const struct fl_opts *o, double *mops);
void fl_signals_install(void);
/* Sleeps until the monotonic deadline or an interrupt; false if interrupted. */
bool fl_sleep_until(uint64_t deadline_ns);

/* The CLI (cli.c); main() is only this, so tests can reuse it. */
int fl_main(int argc, char **argv);

#endif /* FOLIO_LAB_HARNESS_H */
