// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Workload "module": hammer real folio refcounts (and the module's copies of
 * the refcount schemes) from inside the kernel through /dev/folio_lab.
 *
 * setup() (harness process) checks the ABI, reads the kernel's scheme and
 * makes the one SETUP; the setup lives as long as that descriptor, so it
 * stays valid for forked workers too. Each worker opens its own descriptor
 * and issues one RUN: the kernel times the warm-up and the window itself
 * (FL_WL_SELF_TIMED), so worker starts are aligned by the harness's gate and
 * the window is measured with ktime_get_ns() in the kernel.
 *
 * The variants are "kernel" (the real folio API) and then every scheme of
 * refscheme.h's RS_SCHEMES, in its order (the uapi's variant - 1 is enum
 * rs_scheme); the counters are its RS_STATS, under their names.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "folio-lab/refscheme-user.h"
#include "folio-lab/uapi.h"
#include "refparams.h"
#include "workload.h"

#define MODULE_VARIANT(ID, id, name, counters, summary) [FOLIO_LAB_VARIANT_##ID] = name,
/* NULL-terminated: [FOLIO_LAB_NR_VARIANTS] stays NULL. */
static const char *const module_variants[FOLIO_LAB_NR_VARIANTS + 1] = {
    [FOLIO_LAB_VARIANT_KERNEL] = "kernel", RS_SCHEMES(MODULE_VARIANT)};
#undef MODULE_VARIANT
_Static_assert(FOLIO_LAB_NR_VARIANTS == RS_NR_SCHEMES + 1, "uapi variants: kernel + RS_SCHEMES");

#define MODULE_SUMMARY(ID, id, name, counters, summary) [FOLIO_LAB_VARIANT_##ID] = summary,
static const char *const module_summaries[FOLIO_LAB_NR_VARIANTS + 1] = {
    [FOLIO_LAB_VARIANT_KERNEL] = "the running kernel's own folio API on real folios "
				 "(folio_try_get, folio_put, folio_ref_freeze)",
    RS_SCHEMES(MODULE_SUMMARY)};
#undef MODULE_SUMMARY

/* kernel: the uapi's gets, frees and freezes; a scheme: its rs_schemes[].counters. */
static unsigned int module_variant_counters(int v)
{
	if (v == FOLIO_LAB_VARIANT_KERNEL)
		return RS_C_GET | RS_C_FREEZE;
	return v > 0 && v < FOLIO_LAB_NR_VARIANTS ? rs_schemes[v - 1].counters : 0;
}

/* Where the module is loaded (the guests), every variant, in every suite. */
static const struct fl_suite_run module_suite[] = {
    {FL_IN_FULL | FL_IN_QUICK | FL_IN_EVERYWHERE, "--variant all"},
    {0, NULL},
};

static const struct fl_smoke module_smoke[] = {
    {.args = "--variant all",
     .check = ".counters.gets_ok > 0 and .counters.frees == 0",
     .what = "gets on live folios and counters"},
    {NULL},
};

/* counters[i] of a slot is field i of struct rs_stats, as in atomics. */
#define MODULE_COUNTER(field, name, help) [RS_STAT_##field] = name,
static const char *const module_counters[RS_NR_STATS + 1] = {RS_STATS(MODULE_COUNTER)};
#undef MODULE_COUNTER
_Static_assert(RS_NR_STATS <= FL_MAX_COUNTERS, "rs_stats must fit the harness' counters");

/* mix, target, get_nr, freeze_every, hold, base_refs: as in atomics (refparams.h). */
static const struct fl_param module_params[] = {
    FL_REF_PARAM_MIX,
    FL_REF_PARAM_TARGET,
    FL_U64_AUTO("folios", "auto", 1, FOLIO_LAB_MAX_FOLIOS,
		"folios to set up: auto = 1 for shared, one per worker for per-worker"),
    FL_U64("order", 0, 0, FOLIO_LAB_MAX_ORDER, "folio order"),
    FL_INT("node", FOLIO_LAB_SETUP_NODE_LOCAL, FOLIO_LAB_SETUP_NODE_LOCAL, INT32_MAX,
	   "NUMA node of the folios; -1: the harness process's local node"),
    FL_REF_PARAM_BASE_REFS(1),
    FL_REF_PARAM_GET_NR,
    FL_REF_PARAM_FREEZE_EVERY,
    FL_REF_PARAM_HOLD,
    FL_PARAMS_END,
};

struct module_state {
	int fd; /* the descriptor that owns the SETUP */
	struct folio_lab_info info;
	uint32_t mix;
	uint32_t target;
	uint32_t get_nr;
	uint32_t freeze_every;
	uint32_t hold;
};

/* The folios a setup makes: folios=auto is 1 shared, or one per worker. */
static uint32_t module_nfolios(const struct fl_ctx *ctx)
{
	uint64_t n = fl_param_u64(ctx, "folios");

	if (n)
		return (uint32_t)n;
	if (fl_param_enum(ctx, "target") == FOLIO_LAB_TARGET_SHARED)
		return 1;
	return ctx->nworkers < FOLIO_LAB_MAX_FOLIOS ? ctx->nworkers : FOLIO_LAB_MAX_FOLIOS;
}

/*
 * What the module would refuse (EINVAL/EBUSY) only worker by worker, after
 * the SETUP: said before anything runs.
 */
static int module_check(const struct fl_ctx *ctx)
{
	unsigned int mix = fl_param_enum(ctx, "mix");
	uint32_t nfolios = module_nfolios(ctx);
	uint64_t order = fl_param_u64(ctx, "order");

	if (fl_ref_params_check(ctx, "module"))
		return -1;
	if (ctx->variant_index == FOLIO_LAB_VARIANT_PLAIN_ADD && mix == FOLIO_LAB_MIX_FREEZER) {
		fprintf(stderr, "module: plain-add has no liveness check, so mix=freezer would "
				"corrupt its count; use tryget-put or get-put\n");
		return -1;
	}
	if (((uint64_t)nfolios << order) > FOLIO_LAB_MAX_SETUP_PAGES) {
		fprintf(stderr,
			"module: %u folios of order %" PRIu64 " are %" PRIu64 " pages, over the "
			"module's limit of %u (FOLIO_LAB_MAX_SETUP_PAGES)\n",
			nfolios, order, (uint64_t)nfolios << order, FOLIO_LAB_MAX_SETUP_PAGES);
		return -1;
	}
	if (ctx->duration_ns > FOLIO_LAB_MAX_DURATION_NS ||
	    ctx->warmup_ns > FOLIO_LAB_MAX_DURATION_NS) {
		fprintf(stderr,
			"module: --duration and --warmup are each at most %llu s in the module "
			"(FOLIO_LAB_MAX_DURATION_NS)\n",
			FOLIO_LAB_MAX_DURATION_NS / 1000000000ULL);
		return -1;
	}
	if (mix == FOLIO_LAB_MIX_FREE_CYCLE && nfolios < ctx->nworkers) {
		fprintf(stderr,
			"module: mix=free-cycle needs a folio per worker: folios=%u < %u "
			"workers (use folios=auto)\n",
			nfolios, ctx->nworkers);
		return -1;
	}
	return 0;
}

/* Opens the device with a message a user can act on. */
static int module_open(void)
{
	int fd = open(FOLIO_LAB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		fprintf(stderr,
			"module: %s is missing: module not loaded: insmod folio_lab.ko "
			"(guests do this)\n",
			FOLIO_LAB_DEVICE);
	else
		fprintf(stderr, "module: cannot open %s: %s%s\n", FOLIO_LAB_DEVICE, strerror(errno),
			errno == EACCES ? " (root only)" : "");
	return -1;
}

static int module_setup(struct fl_ctx *ctx)
{
	struct module_state *st;
	struct folio_lab_setup su;
	uint32_t nfolios = module_nfolios(ctx);
	uint32_t order = (uint32_t)fl_param_u64(ctx, "order");
	uint32_t base_refs = (uint32_t)fl_param_u64(ctx, "base_refs");
	long node = (long)fl_param_int(ctx, "node");

	st = calloc(1, sizeof(*st));
	if (!st) {
		fprintf(stderr, "module: out of memory\n");
		return -1;
	}
	st->fd = -1;
	st->mix = fl_param_enum(ctx, "mix");
	st->target = fl_param_enum(ctx, "target");
	st->get_nr = (uint32_t)fl_param_u64(ctx, "get_nr");
	st->freeze_every = (uint32_t)fl_param_u64(ctx, "freeze_every");
	st->hold = (uint32_t)fl_param_u64(ctx, "hold");

	st->fd = module_open();
	if (st->fd < 0)
		goto fail;
	if (ioctl(st->fd, FOLIO_LAB_IOC_INFO, &st->info) < 0) {
		fprintf(stderr, "module: INFO failed: %s (is %s really folio_lab?)\n",
			strerror(errno), FOLIO_LAB_DEVICE);
		goto fail;
	}
	if (st->info.abi_version != FOLIO_LAB_ABI_VERSION) {
		fprintf(stderr,
			"module: folio_lab.ko speaks ABI %u, this harness ABI %u: rebuild and "
			"reload the module from this checkout\n",
			st->info.abi_version, FOLIO_LAB_ABI_VERSION);
		goto fail;
	}

	memset(&su, 0, sizeof(su));
	su.nr_folios = nfolios;
	su.order = order;
	su.node = (int32_t)node;
	su.base_refs = base_refs;
	if (ioctl(st->fd, FOLIO_LAB_IOC_SETUP, &su) < 0) {
		int e = errno;

		fprintf(stderr, "module: SETUP (%u folios of order %u on node %ld) failed: %s%s\n",
			nfolios, order, node, strerror(e),
			e == EBUSY    ? " (another folio-lab run holds the device)"
			: e == EINVAL ? " (node offline or value out of range?)"
				      : "");
		goto fail;
	}
	ctx->priv = st;
	return 0;
fail:
	if (st->fd >= 0)
		close(st->fd);
	free(st);
	return -1;
}

static int module_worker_init(struct fl_ctx *ctx, struct fl_worker *w)
{
	int fd = module_open();

	(void)ctx;
	if (fd < 0)
		return -1;
	w->priv = (void *)(intptr_t)fd;
	return 0;
}

static void module_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	const struct module_state *st = ctx->priv;
	struct folio_lab_run r;
	int fd = (int)(intptr_t)w->priv;

	/* The kernel times the window; stop is for harness-timed workloads. */
	(void)stop;
	memset(&r, 0, sizeof(r));
	r.variant = (uint32_t)ctx->variant_index;
	r.mix = st->mix;
	r.target = st->target;
	r.worker_id = w->id;
	r.warmup_ns = ctx->warmup_ns;
	r.duration_ns = ctx->duration_ns;
	r.get_nr = st->get_nr;
	r.freeze_every = st->freeze_every;
	r.hold_loops = st->hold;
	if (ioctl(fd, FOLIO_LAB_IOC_RUN, &r) < 0) {
		w->slot->error = errno ? errno : EIO;
		fprintf(stderr, "module: worker %u: RUN failed: %s\n", w->id, strerror(errno));
		return;
	}
	fl_count(&w->slot->ops, r.iters);
	fl_count(&w->slot->counters[RS_STAT_get_ok], r.gets_ok);
	fl_count(&w->slot->counters[RS_STAT_get_fail], r.gets_failed);
	fl_count(&w->slot->counters[RS_STAT_cas_retries], r.cas_retries);
	fl_count(&w->slot->counters[RS_STAT_junk_left], r.junk_left);
	fl_count(&w->slot->counters[RS_STAT_guard_resets], r.guard_resets);
	fl_count(&w->slot->counters[RS_STAT_frees], r.frees);
	fl_count(&w->slot->counters[RS_STAT_free_races], r.free_races);
	fl_count(&w->slot->counters[RS_STAT_freeze_won], r.freezes_won);
	fl_count(&w->slot->counters[RS_STAT_freeze_lost], r.freezes_lost);
	w->slot->elapsed_ns = r.elapsed_ns;
}

static void module_worker_fini(struct fl_ctx *ctx, struct fl_worker *w)
{
	(void)ctx;
	close((int)(intptr_t)w->priv);
}

static void module_teardown(struct fl_ctx *ctx)
{
	struct module_state *st = ctx->priv;

	if (!st)
		return;
	/* EUCLEAN: a count was not back at base_refs (the kernel log says which). */
	if (ioctl(st->fd, FOLIO_LAB_IOC_TEARDOWN) < 0)
		fprintf(stderr, "module: TEARDOWN failed: %s%s\n", strerror(errno),
			errno == EUCLEAN ? " (refcount not back at base: see dmesg)" : "");
	close(st->fd);
	free(st);
	ctx->priv = NULL;
}

const struct fl_workload fl_workload_module = {
    .name = "module",
    .summary = "folio refcount ops in the kernel via folio_lab.ko (real folios and "
	       "in-module scheme copies)",
    .variants = module_variants,
    .variant_summaries = module_summaries,
    .variant_counters = module_variant_counters,
    .suite = module_suite,
    .requires = FOLIO_LAB_DEVICE,
    .requires_why = "the module runs in the guests",
    .smoke = module_smoke,
    .params = module_params,
    .counters = module_counters,
    .flags = FL_WL_SELF_TIMED,
    .check = module_check,
    .setup = module_setup,
    .worker_init = module_worker_init,
    .testcase = module_testcase,
    .worker_fini = module_worker_fini,
    .teardown = module_teardown,
};
