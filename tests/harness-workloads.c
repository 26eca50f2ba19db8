// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test-only workloads for the harness's own tests: the harness linked with
 * this table instead of bench/ (folio-lab-testwl), so the runner, records
 * and CLI are tested without depending on the real workloads.
 */
#include <sched.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "workload.h"

/* count: every loop adds `step` ops; worker_init fails on `fail_worker`. */
struct count_shared {
	uint64_t step, fail_worker;
	bool slow;
};

static int count_setup(struct fl_ctx *ctx)
{
	struct count_shared *s = fl_shared_alloc(sizeof(*s));

	if (!s)
		return -1;
	s->step = fl_param_u64(ctx, "step");
	s->fail_worker = fl_param_u64(ctx, "fail_worker");
	s->slow = fl_param_bool(ctx, "slow");
	ctx->priv = s;
	return 0;
}

static int count_worker_init(struct fl_ctx *ctx, struct fl_worker *w)
{
	const struct count_shared *s = ctx->priv;

	return s->fail_worker && w->id + 1 == s->fail_worker ? -1 : 0;
}

static void count_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	const struct count_shared *s = ctx->priv;
	struct timespec ts = {0, 100000};

	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		fl_count(&w->slot->ops, s->step);
		fl_count(&w->slot->counters[0], 1);
		fl_count(&w->slot->counters[1], (uint64_t)ctx->variant_index);
		/* proves the pinning: never off the worker's PU */
		if (sched_getcpu() != w->cpu.pu)
			fl_count(&w->slot->counters[2], 1);
		/* slow: leave the CPU to the harness on a 2-core test machine */
		if (s->slow)
			nanosleep(&ts, NULL);
	}
}

static void count_teardown(struct fl_ctx *ctx)
{
	fl_shared_free(ctx->priv, sizeof(struct count_shared));
}

static const char *const count_variants[] = {"alpha", "beta", NULL};
static const char *const count_counters[] = {"loops", "variant_sum", "off_cpu", NULL};
static const struct fl_enum_value count_colors[] = {
    {"red", "the default"}, {"green", "another"}, {NULL, NULL}};

/* A suite of its own: full everywhere, quick natively only. */
static const struct fl_suite_run count_suite[] = {
    {FL_IN_FULL | FL_IN_EVERYWHERE, "--variant all"},
    {FL_IN_QUICK | FL_IN_NATIVE, "--opt step=2"},
    {0, NULL},
};

static const struct fl_param count_params[] = {
    FL_U64("step", 1, 0, UINT64_MAX, "ops added per loop"),
    FL_U64("fail_worker", 0, 0, 1u << 20, "1-based worker whose worker_init fails (0: none)"),
    FL_BOOL("slow", false, "sleep 100 us per loop"),
    /* unused by the loop: the other types, for the CLI's checks */
    FL_INT("shift", -1, -8, 8, "a signed option"),
    FL_ENUM("color", "red", count_colors, "an enum option"),
    FL_U64_AUTO("size", "auto", 1, 64, "a u64 whose 0 is spelled auto"),
    FL_STR("note", "", "free text"),
    FL_PARAMS_END,
};

const struct fl_workload fl_workload_count = {
    .name = "count",
    .summary = "test: counts loops",
    .variants = count_variants,
    .params = count_params,
    .counters = count_counters,
    .suite = count_suite,
    .setup = count_setup,
    .worker_init = count_worker_init,
    .testcase = count_testcase,
    .teardown = count_teardown,
};

/* selftimed: reports a fixed 1000 ops over a fixed 1 ms per worker. */
static void self_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	(void)ctx;
	(void)stop;
	atomic_store(&w->slot->ops, 1000);
	w->slot->elapsed_ns = 1000000;
}

const struct fl_workload fl_workload_selftimed = {
    .name = "selftimed",
    .summary = "test: self-timed, threads only",
    .flags = FL_WL_SELF_TIMED | FL_WL_THREADS_ONLY,
    .testcase = self_testcase,
};

static void pair_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	(void)ctx;
	while (!atomic_load_explicit(stop, memory_order_relaxed))
		fl_count(&w->slot->ops, 1);
}

/* pair: needs two workers; requires a path that does not exist. */
const struct fl_workload fl_workload_pair = {
    .requires = "/nonexistent/folio-lab-test",
    .requires_why = "a test of requires",
    .name = "pair",
    .summary = "test: needs at least two workers",
    .min_workers = 2,
    .testcase = pair_testcase,
};

/* hook: a run() hook writing its own record. */
static int hook_run(struct fl_ctx *ctx)
{
	struct json_object *r = fl_record_new(ctx);

	json_object_object_add(r, "hook_field", json_object_new_int(42));
	json_object_object_add(r, "ops_per_sec", json_object_new_double(1.0));
	return fl_record_emit(ctx, r);
}

const struct fl_workload fl_workload_hook = {
    .name = "hook",
    .summary = "test: replaces the measurement",
    .flags = FL_WL_THREADS_ONLY,
    .run = hook_run,
};

const struct fl_workload *const fl_workloads[] = {
    &fl_workload_count, &fl_workload_selftimed, &fl_workload_pair, &fl_workload_hook, NULL,
};

const struct fl_workload *fl_workload_find(const char *name)
{
	for (const struct fl_workload *const *w = fl_workloads; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}
