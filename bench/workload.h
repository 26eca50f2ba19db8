/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The contract between the harness (harness/) and a workload (bench/).
 *
 * In the manner of will-it-scale: a workload is one file in bench/ that
 * defines one `const struct fl_workload fl_workload_<name>` and is listed
 * once in bench/workloads.c. The harness owns topology, pinning, the
 * start gate, warm-up, the timed window, repetitions, counters and output;
 * the workload owns only what one worker does in its loop.
 *
 * A measurement, as the harness runs it:
 *
 *   setup(ctx)                         once, in the harness process
 *   for each worker (thread or forked process), pinned to its PU:
 *       worker_init(ctx, w)            after pinning, before the gate
 *       testcase(ctx, w, stop)         from the gate until *stop != 0
 *       worker_fini(ctx, w)
 *   teardown(ctx)                      once, in the harness process
 *
 * The harness snapshots w->ops and w->counters at the end of warm-up and
 * at the end of the window; the difference is the measurement. A workload
 * with FL_WL_SELF_TIMED instead times itself (the module workload: the
 * kernel times the window) and fills w->ops, w->counters and w->elapsed_ns
 * with the window's figures before testcase() returns. A workload with a
 * run() hook (handoff) replaces the whole standard measurement and emits
 * its own records through fl_record_new()/fl_record_emit().
 */
#ifndef FOLIO_LAB_WORKLOAD_H
#define FOLIO_LAB_WORKLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FL_MAX_COUNTERS 12
#define FL_CACHELINE	128 /* two lines: keep adjacent-line prefetch out too */

struct json_object;

enum fl_mode {
	FL_MODE_THREADS,
	FL_MODE_PROCESSES,
};

/* One entry of a placement: where worker i runs. */
struct fl_cpu {
	int pu;	  /* OS index of the PU (what sched_setaffinity takes) */
	int core; /* logical index of its core */
	int node; /* OS index of its NUMA node, 0 without NUMA */
	int pkg;  /* logical index of its package */
};

/*
 * A workload's --opt KEY=VALUE parameters, one typed line each (in the
 * manner of the kernel's torture_param): key, type, default, range or
 * values, help. The harness parses and checks every value (given or
 * default) against its line before anything runs, refuses what does not
 * fit with exit 2 and a message that names the option and what it takes,
 * and hands workloads typed values (fl_param_u64() and friends), so a
 * default or a limit is stated here once and nowhere else.
 */
enum fl_param_type {
	FL_PT_U64,  /* unsigned, suffix k/M/G allowed, in [min, max] */
	FL_PT_INT,  /* signed decimal, in [imin, imax] */
	FL_PT_BOOL, /* 1/0, true/false, yes/no, on/off */
	FL_PT_ENUM, /* one of values[].name; the value is its index */
	FL_PT_STR,  /* any text */
};

/* One value of an FL_PT_ENUM parameter; arrays end with {NULL}. */
struct fl_enum_value {
	const char *name;
	const char *help;
};

struct fl_param {
	const char *key;
	enum fl_param_type type;
	uint64_t def, min, max;		    /* U64; def is 0/1 for BOOL */
	int64_t idef, imin, imax;	    /* INT */
	const char *sdef;		    /* ENUM: the default's name; STR: the default text */
	const struct fl_enum_value *values; /* ENUM */
	const char *zero; /* U64: a word that means 0, allowed beside [min, max] ("auto") */
	const char *help;
};

#define FL_U64(k, d, lo, hi, h)                                                                    \
	{                                                                                          \
		.key = (k), .type = FL_PT_U64, .def = (d), .min = (lo), .max = (hi), .help = (h)   \
	}
/* A u64 whose 0 is spelled `word` (and is its default), e.g. folios=auto. */
#define FL_U64_AUTO(k, word, lo, hi, h)                                                            \
	{                                                                                          \
		.key = (k), .type = FL_PT_U64, .def = 0, .min = (lo), .max = (hi), .zero = (word), \
		.help = (h)                                                                        \
	}
#define FL_INT(k, d, lo, hi, h)                                                                    \
	{                                                                                          \
		.key = (k), .type = FL_PT_INT, .idef = (d), .imin = (lo), .imax = (hi),            \
		.help = (h)                                                                        \
	}
#define FL_BOOL(k, d, h)                                                                           \
	{                                                                                          \
		.key = (k), .type = FL_PT_BOOL, .def = (d), .max = 1, .help = (h)                  \
	}
#define FL_ENUM(k, d, vals, h)                                                                     \
	{                                                                                          \
		.key = (k), .type = FL_PT_ENUM, .sdef = (d), .values = (vals), .help = (h)         \
	}
#define FL_STR(k, d, h)                                                                            \
	{                                                                                          \
		.key = (k), .type = FL_PT_STR, .sdef = (d), .help = (h)                            \
	}
#define FL_PARAMS_END                                                                              \
	{                                                                                          \
		.key = NULL                                                                        \
	}

/*
 * The suites a workload takes part in and how. A suite run is one `folio-lab
 * bench --workload NAME ARGS` of `harness/suite.sh` (and of `folio-lab list
 * --suite`): `in` says for which suite (full, quick) and where (natively, in
 * the guests); `args` are space-separated bench arguments (no quoting), put
 * after the suite's own, so they win (handoff: --reps 1). A workload
 * without a suite list runs once with no arguments in the full suite,
 * natively and in the guests.
 */
enum {
	FL_IN_FULL = 1u << 0,	/* the default suite */
	FL_IN_QUICK = 1u << 1,	/* suite.sh --quick, bench --suite quick */
	FL_IN_NATIVE = 1u << 2, /* on the host (FOLIO_LAB_WHERE native) */
	FL_IN_GUEST = 1u << 3,	/* inside the lab's guests (FOLIO_LAB_WHERE guest) */
	FL_IN_EVERYWHERE = FL_IN_NATIVE | FL_IN_GUEST,
};

struct fl_suite_run {
	unsigned int in; /* FL_IN_* */
	const char *args;
};

/*
 * One short run of the workload's records test (tests/workloads-records.sh,
 * a ctest per workload, found from `folio-lab list --json`): bench with
 * --duration 0.2 --warmup 0.05 --reps 1 --workers 1,2 (1 on one PU), then
 * `args`. Every record must be well formed, every worker must have counted,
 * every declared counter must be there (and 0 where the variant's counters
 * say it cannot move); `check` is a jq condition each record must also meet
 * (`what` says what it means). `records` is the records the run writes, 0
 * for one per variant and worker count. The test's working directory holds
 * `smoke-file`, 16 KiB, which must still be there afterwards. A bench that
 * fails with `skip_if` in its messages skips the test (exit 77).
 */
struct fl_smoke {
	const char *args;
	const char *check;
	const char *what;
	unsigned int records;
	const char *skip_if;
	const char *prints; /* a text the bench's output must contain, or NULL */
};

/* Per-worker counters, each worker on its own cache lines. */
struct fl_slot {
	_Alignas(FL_CACHELINE) _Atomic uint64_t ops;
	_Atomic uint64_t counters[FL_MAX_COUNTERS];
	uint64_t elapsed_ns; /* FL_WL_SELF_TIMED only */
	int error;	     /* nonzero: the worker failed; message on stderr */
};

struct fl_worker {
	unsigned int id;      /* 0 .. nworkers - 1 */
	struct fl_cpu cpu;    /* where it is pinned */
	struct fl_slot *slot; /* in memory shared with the harness */
	void *priv;	      /* the workload's per-worker state */
};

struct fl_ctx {
	const struct fl_workload *wl;
	const char *variant; /* one of wl->variants */
	int variant_index;   /* its index in wl->variants */
	enum fl_mode mode;
	unsigned int nworkers;
	const struct fl_cpu *cpus; /* nworkers entries */
	uint64_t warmup_ns;
	uint64_t duration_ns;
	unsigned int rep;
	const char *kernel_label;
	void *priv; /* the workload's shared state from setup() */
	/* harness internals */
	const struct fl_kv *params;
	unsigned int nparams;
	struct fl_sink *sink;
};

enum {
	FL_WL_SELF_TIMED = 1u << 0,   /* testcase() times its own window */
	FL_WL_THREADS_ONLY = 1u << 1, /* refuses --mode processes */
};

struct fl_workload {
	const char *name;	       /* = file name = CLI name = plot label */
	const char *summary;	       /* one line for --list and the README */
	const char *const *variants;   /* NULL-terminated; [0] is the default */
	const struct fl_param *params; /* terminated by FL_PARAMS_END */
	const char *const *counters;   /* names of counters[], NULL-terminated */
	unsigned int flags;
	unsigned int min_workers; /* 0 means 1 */
	/* Optional: one line per variant, in its order, for list and docs. */
	const char *const *variant_summaries;
	/* Optional: the counters[] (bit i: counters[i]) variant i can move; NULL: all. */
	unsigned int (*variant_counters)(int variant_index);
	/* Optional: the suite runs ({0}-terminated; NULL: the full suite, no args). */
	const struct fl_suite_run *suite;
	/* Optional: a path that must exist for the workload to run (module: its device). */
	const char *requires;
	const char *requires_why; /* what to say when it is missing */
	/* Optional: the records test's runs ({NULL}-terminated; NULL: one default run). */
	const struct fl_smoke *smoke;
	int (*setup)(struct fl_ctx *ctx);
	int (*worker_init)(struct fl_ctx *ctx, struct fl_worker *w);
	void (*testcase)(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop);
	void (*worker_fini)(struct fl_ctx *ctx, struct fl_worker *w);
	void (*teardown)(struct fl_ctx *ctx);
	/*
	 * Optional: the checks between parameters (and against the worker
	 * count, variant, mode and window) that one line cannot say. The
	 * harness calls it for every variant and worker count of a bench
	 * before the first measurement; nonzero (after a message on stderr)
	 * refuses the bench with exit 2. ctx->priv and ctx->sink are NULL.
	 */
	int (*check)(const struct fl_ctx *ctx);
	/* Optional: replaces the standard measurement entirely. */
	int (*run)(struct fl_ctx *ctx);
};

/* bench/workloads.c: the table, NULL-terminated, in --list order. */
extern const struct fl_workload *const fl_workloads[];
const struct fl_workload *fl_workload_find(const char *name);

/* ---- provided by the harness to workloads ---- */

/* Single writer per slot; the harness reads concurrently. */
static inline void fl_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/*
 * Parameter values, already parsed and checked against the declaration
 * (so these cannot fail): a key the workload did not declare, or one of
 * another type, is a bug and aborts. fl_param_enum() is the index of the
 * value in the declaration's values[]; fl_param_str() is the text as given
 * (or the default's), for any type.
 */
const char *fl_param_str(const struct fl_ctx *ctx, const char *key);
uint64_t fl_param_u64(const struct fl_ctx *ctx, const char *key);
int64_t fl_param_int(const struct fl_ctx *ctx, const char *key);
bool fl_param_bool(const struct fl_ctx *ctx, const char *key);
unsigned int fl_param_enum(const struct fl_ctx *ctx, const char *key);

/* Zeroed memory shared across fork (so process mode sees one copy). */
void *fl_shared_alloc(size_t size);
void fl_shared_free(void *p, size_t size);

/* Monotonic nanoseconds. */
uint64_t fl_now_ns(void);

/* Pin the calling thread to one PU. */
int fl_pin_self(int pu);

/*
 * For run() hooks: a record with every provenance field of the standard
 * record already filled (workload, variant, kernel, mode, placement,
 * workers, rep, ...); add fields with json-c, then emit it. Emitting
 * appends one whole line to samples.jsonl and frees the object.
 */
struct json_object *fl_record_new(const struct fl_ctx *ctx);
int fl_record_emit(const struct fl_ctx *ctx, struct json_object *rec);

/* Harness stop request (SIGINT/SIGTERM): custom run() hooks poll it. */
bool fl_interrupted(void);

#endif /* FOLIO_LAB_WORKLOAD_H */
