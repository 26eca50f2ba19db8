// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * atomics: the refcount schemes of refscheme.h on a userspace counter.
 *
 * Every worker loops on one shared 32-bit word (target=shared) or on its
 * own (per-worker, each on its own cache lines), doing what mix says, with
 * the module's names and meanings (refparams.h): tryget-put is
 * try_get(get_nr) -> hold -> put(get_nr); get-put the same with an
 * unconditional add for the get; freezer tryget-put plus one freeze at
 * base_refs every freeze_every iterations; free-cycle init + final put
 * (allocation and free decision) on the worker's own word. This
 * isolates the cost of the atomic protocol itself from everything else the
 * kernel does. The variants, their order and the counters all come from
 * RS_SCHEMES()/RS_STATS(): a scheme added there runs here unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio-lab/refscheme-user.h"
#include "refparams.h"
#include "workload.h"

/*
 * The counters are refscheme.h's RS_STATS, in its order: counters[i] of a
 * slot is field i of struct rs_stats (rs_stats_to_array()). The harness
 * records every declared counter for every variant, so a record carries all
 * of them; those outside rs_schemes[s].counters stay 0 for that scheme.
 */
#define ATOMICS_COUNTER(field, name, help) [RS_STAT_##field] = name,
static const char *const atomics_counters[RS_NR_STATS + 1] = {RS_STATS(ATOMICS_COUNTER)};
#undef ATOMICS_COUNTER
_Static_assert(RS_NR_STATS <= FL_MAX_COUNTERS, "rs_stats must fit the harness' counters");

/* Names and order of RS_SCHEMES, so variant_index is the enum rs_scheme. */
#define ATOMICS_VARIANT(ID, id, name, counters, summary) name,
static const char *const atomics_variants[] = {RS_SCHEMES(ATOMICS_VARIANT) NULL};
#undef ATOMICS_VARIANT
_Static_assert(sizeof(atomics_variants) / sizeof(atomics_variants[0]) == RS_NR_SCHEMES + 1,
	       "one variant per scheme");

/*
 * The module's names, values and limits (refparams.h), so a mix, a target
 * or a base_refs means one thing in both. atomics alone takes
 * base_refs=0 (a free word), and plain-add takes no freezes (it has no
 * frozen state) where the module refuses mix=freezer for it.
 */
static const struct fl_param atomics_params[] = {
    FL_REF_PARAM_MIX,	 FL_REF_PARAM_TARGET,	    FL_REF_PARAM_HOLD, FL_REF_PARAM_FREEZE_EVERY,
    FL_REF_PARAM_GET_NR, FL_REF_PARAM_BASE_REFS(0), FL_PARAMS_END,
};

#define ATOMICS_SUMMARY(ID, id, name, counters, summary) summary,
static const char *const atomics_summaries[] = {RS_SCHEMES(ATOMICS_SUMMARY) NULL};
#undef ATOMICS_SUMMARY

/* The counters a scheme can move (rs_schemes[].counters): the rest stay 0. */
static unsigned int atomics_variant_counters(int v)
{
	return v >= 0 && v < RS_NR_SCHEMES ? rs_schemes[v].counters : 0;
}

static const struct fl_suite_run atomics_suite[] = {
    {FL_IN_FULL | FL_IN_EVERYWHERE, "--variant all"},
    {0, NULL},
};

/* Counters and ops are published together every 64 iterations: the slack. */
#define SLACK "(128 * .workers)"
#define LIVE_GETS                                                                                  \
	".counters.gets_ok > 0 and .counters.gets_failed == 0 and .counters.frees == 0 and "       \
	".counters.free_races == 0 and .counters.junk_left == 0 and .counters.guard_resets == 0 "  \
	"and ((.counters.gets_ok - .ops) | fabs) <= " SLACK
static const struct fl_smoke atomics_smoke[] = {
    /* Nothing frozen, base held: every get succeeds, nobody frees. */
    {.args = "--mode threads --variant all", .check = LIVE_GETS, .what = "gets on a live word"},
    {.args = "--mode processes --variant all", .check = LIVE_GETS, .what = "gets on a live word"},
    /*
     * A free page: every checked get fails, plain-add's "succeed".
     * frozen-bit, -cas-put, inverted-bit: each failed get leaves junk or
     * resets it at 2^30 (2^20 gets of 1024); frozen-bit-undo: one worker's
     * undo always takes.
     */
    {.args = "--variant all --opt base_refs=0 --opt get_nr=1024",
     .check =
	 "(if .variant == \"plain-add\" then .counters.gets_ok > 0 else "
	 ".counters.gets_ok == 0 and .counters.gets_failed > 0 and .counters.frees == 0 and "
	 "((.counters.gets_failed - .ops) | fabs) <= " SLACK " end) and "
	 "(if (.variant == \"frozen-bit\" or .variant == \"frozen-bit-cas-put\" or "
	 ".variant == \"inverted-bit\") then "
	 "((.counters.junk_left + .counters.guard_resets - .counters.gets_failed) | fabs) <= " SLACK
	 " and .counters.junk_left > 0 and "
	 "(.counters.gets_failed < 2 * 1048576 * .workers or .counters.guard_resets > 0) "
	 "elif .variant == \"frozen-bit-undo\" then "
	 ".counters.junk_left + .counters.guard_resets <= .counters.gets_failed + " SLACK " and "
	 "(.workers > 1 or .counters.junk_left == 0) "
	 "else .counters.junk_left == 0 end)",
     .what = "gets and junk on a free page"},
    /* Freezes on per-worker words always win; plain-add takes none. */
    {.args = "--variant all --opt target=per-worker --opt mix=freezer --opt freeze_every=16 "
	     "--opt hold=4",
     .check = "(if .variant == \"plain-add\" then .counters.freezes_won == 0 and "
	      ".counters.freezes_lost == 0 else .counters.freezes_won > 0 and "
	      ".counters.freezes_lost == 0 end) and .counters.gets_failed == 0 and "
	      ".counters.frees == 0 and .params.target == \"per-worker\" and "
	      ".params.mix == \"freezer\" and .params.freeze_every == \"16\"",
     .what = "freezes on private words, params recorded"},
    /*
     * Freezes on the shared word, against the other worker's gets: some may
     * lose or make gets fail, but some win, and nobody ever frees.
     */
    {.args = "--variant all --opt mix=freezer --opt freeze_every=8",
     .check = "(if .variant == \"plain-add\" then .counters.freezes_won == 0 else "
	      ".counters.freezes_won > 0 and (.workers > 1 or (.counters.freezes_lost == 0 and "
	      ".counters.gets_failed == 0)) end) and .counters.frees == 0 and "
	      ".counters.free_races == 0",
     .what = "freezes on a shared word"},
    /* GUP-sized gets on a word with base references: the count stays far from bit 31. */
    {.args = "--variant all --opt get_nr=1024 --opt base_refs=3",
     .check = ".counters.gets_ok > 0 and .counters.gets_failed == 0 and .counters.frees == 0",
     .what = "pins on a live word"},
    /* get-put, as the module's: an unconditional get never fails. */
    {.args = "--variant all --opt mix=get-put",
     .check = "((.counters.gets_ok - .ops) | fabs) <= " SLACK " and "
	      ".counters.gets_failed == 0 and .counters.frees == 0 and .counters.junk_left == 0",
     .what = "unconditional gets"},
    /*
     * free-cycle: every op is one allocation and one final put that frees,
     * for every scheme, and nobody else is there to race it.
     */
    {.args = "--variant all --opt target=per-worker --opt mix=free-cycle",
     .check = "((.counters.frees - .ops) | fabs) <= " SLACK " and .counters.gets_failed == 0 "
	      "and .counters.free_races == 0 and .counters.cas_retries == 0",
     .what = "every cycle frees once"},
    {NULL},
};
#undef LIVE_GETS
#undef SLACK

/* One word per pair of cache lines so per-worker words never share a line. */
struct atomics_word {
	_Alignas(FL_CACHELINE) rs_atomic_t v;
};

struct atomics_shared {
	bool per_worker;
	unsigned int mix; /* enum folio_lab_mix */
	uint64_t hold;
	uint64_t freeze_every;
	int get_nr;
	int base;
	size_t size;
	struct atomics_word words[]; /* [0] shared, [1 + id] per worker */
};

static int atomics_check(const struct fl_ctx *ctx)
{
	/*
	 * The limits (refparams.h) keep base_refs + nworkers * get_nr far
	 * below bit 31, so a live count can never look frozen.
	 */
	return fl_ref_params_check(ctx, "atomics");
}

static int atomics_setup(struct fl_ctx *ctx)
{
	struct atomics_shared *sh;
	size_t size;
	enum rs_scheme s = (enum rs_scheme)ctx->variant_index;
	uint64_t base = fl_param_u64(ctx, "base_refs");

	if (ctx->variant_index < 0 || ctx->variant_index >= RS_NR_SCHEMES) {
		fprintf(stderr, "atomics: unknown variant '%s'\n", ctx->variant);
		return -1;
	}
	size = sizeof(*sh) + (ctx->nworkers + 1) * sizeof(struct atomics_word);
	sh = fl_shared_alloc(size);
	if (!sh) {
		fprintf(stderr, "atomics: cannot allocate shared memory: %s\n", strerror(errno));
		return -1;
	}
	sh->size = size;
	sh->per_worker = fl_param_enum(ctx, "target") == FOLIO_LAB_TARGET_PER_WORKER;
	sh->mix = fl_param_enum(ctx, "mix");
	sh->hold = fl_param_u64(ctx, "hold");
	sh->freeze_every = sh->mix == FOLIO_LAB_MIX_FREEZER && s != RS_PLAIN_ADD
			       ? fl_param_u64(ctx, "freeze_every")
			       : 0;
	sh->get_nr = (int)fl_param_u64(ctx, "get_nr");
	sh->base = (int)base;
	for (unsigned int i = 0; i <= ctx->nworkers; i++) {
		if (base) /* the scheme's live word: inverted-bit stores RS_LIVE | base */
			rs_set_count(s, &sh->words[i].v, (int)base);
		else
			rs_set_frozen(s, &sh->words[i].v); /* a free page */
	}
	ctx->priv = sh;
	return 0;
}

static void atomics_teardown(struct fl_ctx *ctx)
{
	struct atomics_shared *sh = ctx->priv;

	if (sh)
		fl_shared_free(sh, sh->size);
	ctx->priv = NULL;
}

static void publish(struct fl_slot *slot, uint64_t ops, const struct rs_stats *st)
{
	rs_u64 c[RS_NR_STATS];

	rs_stats_to_array(st, c);
	atomic_store_explicit(&slot->ops, ops, memory_order_relaxed);
	for (unsigned int i = 0; i < RS_NR_STATS; i++)
		atomic_store_explicit(&slot->counters[i], c[i], memory_order_relaxed);
}

static inline __attribute__((always_inline)) void spin(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		rs_cpu_relax();
}

/* Iterations between publishing counters and polling the stop flag. */
#define ATOMICS_BATCH 64

/*
 * The hot loop, instantiated once per scheme: s is a constant at every
 * call site, so rs_try_get()/rs_put() fold to one scheme's code and the
 * loop has no switch or indirect call per iteration.
 */
static inline __attribute__((always_inline)) void atomics_loop(const enum rs_scheme s,
							       const struct atomics_shared *sh,
							       rs_atomic_t *v, struct fl_slot *slot,
							       const _Atomic int *stop)
{
	const int nr = sh->get_nr;
	const int base = sh->base;
	const uint64_t hold = sh->hold;
	const uint64_t freeze_every = sh->freeze_every;
	const bool free_cycle = sh->mix == FOLIO_LAB_MIX_FREE_CYCLE;
	const bool unconditional = sh->mix == FOLIO_LAB_MIX_GET_PUT;
	uint64_t ops = atomic_load_explicit(&slot->ops, memory_order_relaxed);
	uint64_t until_freeze = freeze_every;
	struct rs_stats st = {0};

	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		for (int i = 0; i < ATOMICS_BATCH; i++) {
			if (free_cycle) {
				/* Allocate (1 reference), then the final put frees. */
				rs_init(s, v);
				rs_put(s, v, 1, &st);
				ops++;
				continue;
			}
			if (unconditional) {
				/* As the module's get-put: an add that cannot fail. */
				rs_add(v, nr);
				st.get_ok++;
				spin(hold);
				rs_put(s, v, nr, &st);
			} else if (rs_try_get(s, v, nr, &st)) {
				spin(hold);
				rs_put(s, v, nr, &st);
			}
			ops++;
			if (freeze_every && --until_freeze == 0) {
				until_freeze = freeze_every;
				/* Freeze at the count nobody else is holding: base. */
				if (rs_freeze(s, v, base, &st)) {
					spin(hold);
					rs_unfreeze(s, v, base);
				}
			}
		}
		publish(slot, ops, &st);
	}
	publish(slot, ops, &st);
}

static void atomics_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	struct atomics_shared *sh = ctx->priv;
	rs_atomic_t *v = &sh->words[sh->per_worker ? 1 + w->id : 0].v;

#define ATOMICS_CASE(ID, id, name, counters, summary)                                              \
	case RS_##ID:                                                                              \
		atomics_loop(RS_##ID, sh, v, w->slot, stop);                                       \
		break;
	switch ((enum rs_scheme)ctx->variant_index) {
		RS_SCHEMES(ATOMICS_CASE)
	default:
		fprintf(stderr, "atomics: unknown variant '%s'\n", ctx->variant);
		w->slot->error = 1;
		break;
	}
#undef ATOMICS_CASE
}

const struct fl_workload fl_workload_atomics = {
    .name = "atomics",
    .summary = "the refcount schemes of include/folio-lab/refscheme.h (the variants below) in "
	       "userspace: try_get/put on one shared or per-worker 32-bit word",
    .variants = atomics_variants,
    .variant_summaries = atomics_summaries,
    .variant_counters = atomics_variant_counters,
    .suite = atomics_suite,
    .smoke = atomics_smoke,
    .params = atomics_params,
    .counters = atomics_counters,
    .check = atomics_check,
    .setup = atomics_setup,
    .testcase = atomics_testcase,
    .teardown = atomics_teardown,
};
