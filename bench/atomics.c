// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * atomics: the refcount schemes of refscheme.h on a userspace counter.
 *
 * Every worker loops try_get(get_nr) -> hold -> put(get_nr) on one shared
 * 32-bit word (or on its own word, each on its own cache lines), optionally
 * freezing the word every freeze_every iterations; or, with mix=free-cycle,
 * init + final put (allocation and free decision) on its own word. This
 * isolates the cost of the atomic protocol itself from everything else the
 * kernel does. The variants, their order and the counters all come from
 * RS_SCHEMES()/RS_STATS(): a scheme added there runs here unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio-lab/refscheme-user.h"
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

static const struct fl_param_doc atomics_params[] = {
    {"counter", "shared", "shared: one word for all workers; per-worker: one word each"},
    {"mix", "get-put",
     "get-put: try_get then put; free-cycle: init the word to one reference (allocation) "
     "and put it (the free decision: each scheme's final put, e.g. frozen-bit's extra "
     "cmpxchg 0 -> FROZEN); needs counter=per-worker"},
    {"hold", "0", "cpu_relax loops between a successful get and its put"},
    {"freeze_every", "0",
     "one freeze attempt at the base count every N iterations, then hold and unfreeze "
     "(0 = never; plain-add takes no freezes)"},
    {"get_nr", "1", "references per get and put (1024 mimics a GUP pin)"},
    {"base", "1",
     "base references held on the word (0 = the word is frozen/free, so every get fails "
     "except plain-add's)"},
    {NULL, NULL, NULL},
};

/* One word per pair of cache lines so per-worker words never share a line. */
struct atomics_word {
	_Alignas(FL_CACHELINE) rs_atomic_t v;
};

struct atomics_shared {
	bool per_worker;
	bool free_cycle;
	uint64_t hold;
	uint64_t freeze_every;
	int get_nr;
	int base;
	size_t size;
	struct atomics_word words[]; /* [0] shared, [1 + id] per worker */
};

static bool parse_u64_max(const struct fl_ctx *ctx, const char *key, uint64_t def, uint64_t min,
			  uint64_t max, uint64_t *out)
{
	const char *s = fl_param_str(ctx, key);

	*out = def;
	if (s && !fl_param_u64(ctx, key, out))
		return false;
	if (*out < min || *out > max) {
		fprintf(stderr, "atomics: --opt %s=%llu out of range [%llu, %llu]\n", key,
			(unsigned long long)*out, (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	return true;
}

static int atomics_setup(struct fl_ctx *ctx)
{
	const char *counter = fl_param_str(ctx, "counter");
	const char *mix = fl_param_str(ctx, "mix");
	uint64_t hold, freeze_every, get_nr, base;
	struct atomics_shared *sh;
	size_t size;
	enum rs_scheme s = (enum rs_scheme)ctx->variant_index;

	if (ctx->variant_index < 0 || ctx->variant_index >= RS_NR_SCHEMES) {
		fprintf(stderr, "atomics: unknown variant '%s'\n", ctx->variant);
		return -1;
	}
	if (counter && strcmp(counter, "shared") != 0 && strcmp(counter, "per-worker") != 0) {
		fprintf(stderr, "atomics: --opt counter=%s: expected shared or per-worker\n",
			counter);
		return -1;
	}
	if (mix && strcmp(mix, "get-put") != 0 && strcmp(mix, "free-cycle") != 0) {
		fprintf(stderr, "atomics: --opt mix=%s: expected get-put or free-cycle\n", mix);
		return -1;
	}
	/* Allocation is a blind store: two workers cycling one word would race. */
	if (mix && strcmp(mix, "free-cycle") == 0 &&
	    !(counter && strcmp(counter, "per-worker") == 0)) {
		fprintf(stderr, "atomics: --opt mix=free-cycle needs --opt counter=per-worker\n");
		return -1;
	}
	/*
	 * Bounds keep base + nworkers * get_nr far below bit 31, so a live
	 * count can never look frozen.
	 */
	if (!parse_u64_max(ctx, "hold", 0, 0, 1u << 30, &hold) ||
	    !parse_u64_max(ctx, "freeze_every", 0, 0, UINT64_MAX, &freeze_every) ||
	    !parse_u64_max(ctx, "get_nr", 1, 1, 1u << 16, &get_nr) ||
	    !parse_u64_max(ctx, "base", 1, 0, 1u << 20, &base))
		return -1;

	size = sizeof(*sh) + (ctx->nworkers + 1) * sizeof(struct atomics_word);
	sh = fl_shared_alloc(size);
	if (!sh) {
		fprintf(stderr, "atomics: cannot allocate shared memory: %s\n", strerror(errno));
		return -1;
	}
	sh->size = size;
	sh->per_worker = counter && strcmp(counter, "per-worker") == 0;
	sh->free_cycle = mix && strcmp(mix, "free-cycle") == 0;
	sh->hold = hold;
	sh->freeze_every = s == RS_PLAIN_ADD ? 0 : freeze_every;
	sh->get_nr = (int)get_nr;
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
	const bool free_cycle = sh->free_cycle;
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
			if (rs_try_get(s, v, nr, &st)) {
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
    .params = atomics_params,
    .counters = atomics_counters,
    .setup = atomics_setup,
    .testcase = atomics_testcase,
    .teardown = atomics_teardown,
};
