/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The parameters atomics and module share: one name, one meaning, one set
 * of values and one limit for each, whichever side of the syscall the
 * refcount is on. The values are the uapi's (their index is enum
 * folio_lab_mix / folio_lab_target) and the limits the module's
 * (FOLIO_LAB_MAX_* in uapi.h), so the harness refuses before a run what
 * the module would refuse in every worker. Not a workload: a header of two.
 */
#ifndef FOLIO_LAB_REFPARAMS_H
#define FOLIO_LAB_REFPARAMS_H

#include <stdint.h>
#include <stdio.h>

#include "folio-lab/uapi.h"
#include "workload.h"

static const struct fl_enum_value fl_mix_values[] = {
    [FOLIO_LAB_MIX_TRYGET_PUT] = {"tryget-put",
				  "try_get then put: the speculative page-cache path"},
    [FOLIO_LAB_MIX_GET_PUT] = {"get-put", "an unconditional get (folio_get, or an add of get_nr: "
					  "no liveness check) then put"},
    [FOLIO_LAB_MIX_FREEZER] = {"freezer",
			       "tryget-put, and every freeze_every iterations one freeze at "
			       "base_refs, held for hold loops, then unfreeze"},
    [FOLIO_LAB_MIX_FREE_CYCLE] = {"free-cycle",
				  "the free path: the allocation's one reference, then the final "
				  "put that frees (needs target=per-worker and get_nr=1)"},
    [FOLIO_LAB_NR_MIXES] = {NULL, NULL},
};

static const struct fl_enum_value fl_target_values[] = {
    [FOLIO_LAB_TARGET_SHARED] = {"shared", "every worker on one count"},
    [FOLIO_LAB_TARGET_PER_WORKER] = {"per-worker",
				     "each worker on its own count, on its own cache lines"},
    {NULL, NULL},
};

#define FL_REF_PARAM_MIX FL_ENUM("mix", "tryget-put", fl_mix_values, "what one iteration does")
#define FL_REF_PARAM_TARGET                                                                        \
	FL_ENUM("target", "shared", fl_target_values, "whose count the workers hammer")
#define FL_REF_PARAM_GET_NR                                                                        \
	FL_U64("get_nr", 1, 1, FOLIO_LAB_MAX_GET_NR,                                               \
	       "references per get and put (1024 is what a GUP pin adds)")
#define FL_REF_PARAM_HOLD                                                                          \
	FL_U64("hold", 0, 0, FOLIO_LAB_MAX_HOLD_LOOPS,                                             \
	       "cpu_relax() loops while holding a reference or a freeze")
#define FL_REF_PARAM_FREEZE_EVERY                                                                  \
	FL_U64("freeze_every", 1000, 1, UINT32_MAX,                                                \
	       "mix=freezer: one freeze attempt every N iterations per worker")
/* lo: atomics takes 0 (a free, frozen word); the module's folios hold >= 1. */
#define FL_REF_PARAM_BASE_REFS(lo)                                                                 \
	FL_U64("base_refs", 1, (lo), FOLIO_LAB_MAX_BASE_REFS,                                      \
	       "references the count holds while idle (0, atomics only: the word is frozen, "      \
	       "a free page, so every checked get fails)")

/*
 * The checks between them, alike in both: free-cycle's allocation is a
 * blind store of 1 that a second user of the count would race, and it takes
 * and drops exactly that one reference; a get that cannot fail would revive
 * a free word. wl names the workload in messages; 0 or -1 after a message.
 */
static inline int fl_ref_params_check(const struct fl_ctx *ctx, const char *wl)
{
	unsigned int mix = fl_param_enum(ctx, "mix");

	if (mix == FOLIO_LAB_MIX_FREE_CYCLE &&
	    fl_param_enum(ctx, "target") != FOLIO_LAB_TARGET_PER_WORKER) {
		fprintf(stderr,
			"%s: --opt mix=free-cycle needs --opt target=per-worker: each allocation "
			"is a blind store of 1 to the worker's own count, which workers sharing "
			"one would race on\n",
			wl);
		return -1;
	}
	if (mix == FOLIO_LAB_MIX_FREE_CYCLE && fl_param_u64(ctx, "get_nr") != 1) {
		fprintf(stderr,
			"%s: --opt mix=free-cycle takes and drops the allocation's one "
			"reference: get_nr must be 1\n",
			wl);
		return -1;
	}
	if (mix == FOLIO_LAB_MIX_GET_PUT && fl_param_u64(ctx, "base_refs") == 0) {
		fprintf(stderr,
			"%s: --opt mix=get-put with base_refs=0 would revive a free word: an "
			"unconditional get needs base_refs >= 1\n",
			wl);
		return -1;
	}
	return 0;
}

#endif /* FOLIO_LAB_REFPARAMS_H */
