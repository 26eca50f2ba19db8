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

/* A workload's documented key=value option (`--opt key=value`). */
struct fl_param_doc {
	const char *key;
	const char *def; /* default, as text */
	const char *help;
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
	const char *name;		   /* = file name = CLI name = plot label */
	const char *summary;		   /* one line for --list and the README */
	const char *const *variants;	   /* NULL-terminated; [0] is the default */
	const struct fl_param_doc *params; /* terminated by a zero entry */
	const char *const *counters;	   /* names of counters[], NULL-terminated */
	unsigned int flags;
	unsigned int min_workers; /* 0 means 1 */
	int (*setup)(struct fl_ctx *ctx);
	int (*worker_init)(struct fl_ctx *ctx, struct fl_worker *w);
	void (*testcase)(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop);
	void (*worker_fini)(struct fl_ctx *ctx, struct fl_worker *w);
	void (*teardown)(struct fl_ctx *ctx);
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
 * Option values. A key the workload did not document is rejected by the
 * harness before setup(), so these only see documented keys; a value that
 * does not parse makes them print a message and return false.
 */
const char *fl_param_str(const struct fl_ctx *ctx, const char *key);
bool fl_param_u64(const struct fl_ctx *ctx, const char *key, uint64_t *out);
bool fl_param_bool(const struct fl_ctx *ctx, const char *key, bool *out);

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
