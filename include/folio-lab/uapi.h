/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * folio-lab: the ABI between kernel-module/folio_lab.ko and the harness.
 *
 * Every structure has fixed-size fields and a size that is a multiple of
 * 8; reserved fields must be zero on input and are zero on output. The
 * harness checks FOLIO_LAB_ABI_VERSION through FOLIO_LAB_IOC_INFO before
 * anything else.
 */
#ifndef FOLIO_LAB_UAPI_H
#define FOLIO_LAB_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * 3: the variants are KERNEL then every scheme of refscheme.h's RS_SCHEMES
 *    (7: frozen-bit is now v5, plus frozen-bit-undo, frozen-bit-cas-put and
 *    inverted-bit); out field guard_waits renamed guard_resets, free_races
 *    taken from reserved_out[0] (one reserved_out left); INFO's reserved0 became failed_get_raw and
 *    kernel_scheme tells frozen-bit, frozen-bit-undo and frozen-bit-cas-put
 *    apart. Sizes unchanged.
 * 2: MIX_FREE_CYCLE and the frees out field (1 had neither).
 */
#define FOLIO_LAB_ABI_VERSION 3
#define FOLIO_LAB_DEVICE "/dev/folio_lab"

/*
 * Limits the module enforces, all checked before anything is allocated or
 * run (-EINVAL past them). A setup holds nr_folios << order pages, at most
 * FOLIO_LAB_MAX_SETUP_PAGES, and the setups in place, being built or
 * being released never together pass it either (-EBUSY); a setup is also
 * refused (-ENOMEM) past half the machine's memory. warmup_ns and
 * duration_ns are each at most FOLIO_LAB_MAX_DURATION_NS; an iteration-mode
 * RUN (duration_ns 0) that has not done its iterations after
 * FOLIO_LAB_MAX_DURATION_NS stops there (-ETIMEDOUT, partial results), so
 * no RUN lasts longer than FOLIO_LAB_MAX_RUN_NS (plus one iteration).
 */
#define FOLIO_LAB_MAX_FOLIOS 1024
#define FOLIO_LAB_MAX_ORDER 9
#define FOLIO_LAB_MAX_SETUP_PAGES (1U << 16)
#define FOLIO_LAB_MAX_BASE_REFS 1024
#define FOLIO_LAB_MAX_DURATION_NS (60ULL * 1000000000ULL)
#define FOLIO_LAB_MAX_RUN_NS (2 * FOLIO_LAB_MAX_DURATION_NS)
#define FOLIO_LAB_MAX_ITERATIONS (1ULL << 40)
#define FOLIO_LAB_MAX_GET_NR 65536
#define FOLIO_LAB_MAX_HOLD_LOOPS 65536

/*
 * What the module guarantees, whatever the calls, threads, processes and
 * descriptors:
 * - opening the device needs CAP_SYS_ADMIN as well as the node's 0600
 *   mode (-EPERM without it);
 * - every count it touches is back at its base when the RUNs on it end: a
 *   RUN that could conflict with one in progress on its target is refused
 *   up front with -EBUSY (kernel variant: a freezer and a get-put RUN on
 *   one folio; in-module schemes: a free-cycle RUN beside anything on its
 *   counter, schemes that encode a live count differently, a freezer
 *   beside another scheme or a get-put RUN); a listed folio is never freed
 *   while listed, and none is leaked;
 * - no call waits behind another for more than a few milliseconds, but a
 *   TEARDOWN for the RUNs of its setup, which it stops (they return
 *   -ENODEV); INFO takes no lock; the waits are killable; RUNs check time,
 *   signals and a teardown every 100 us or so of elapsed time;
 * - errors: EFAULT (the argument cannot be read or written), EINVAL (a
 *   value out of range, a reserved field or flag set, an offline or
 *   memoryless node), ENOTTY (an unknown command or size), EBUSY (a setup
 *   already in place or being built, the page budget in use, a RUN's
 *   conflict), ENODEV (RUN or TEARDOWN without a setup; a RUN whose setup
 *   was torn down), EPERM (TEARDOWN by a file that does not own the setup;
 *   open without CAP_SYS_ADMIN), ENOMEM, EINTR (a signal; SETUP only for a
 *   fatal one), ETIMEDOUT (above), EUCLEAN (TEARDOWN found a count off its
 *   base: a bug), nothing else.
 */

/*
 * What the running kernel's folio refcount does, found by behaviour at
 * module load on a private folio: folio_ref_freeze(f, 1), then a
 * folio_try_get() that must fail, then folio_ref_unfreeze(f, 1).
 */
enum folio_lab_scheme {
	FOLIO_LAB_SCHEME_UNKNOWN = 0,
	/* frozen reads 0 in the raw _refcount: today's kernels */
	FOLIO_LAB_SCHEME_ZERO = 1,
	/*
	 * frozen is bit 31 and the failed get left its increment on the word
	 * (FROZEN + 1): the series v1-v5 (refscheme.h "frozen-bit")
	 */
	FOLIO_LAB_SCHEME_FROZEN_BIT = 2,
	/* frozen is bit 31, the failed get put it back to FROZEN: the RFC */
	FOLIO_LAB_SCHEME_FROZEN_BIT_UNDO = 3,
	/*
	 * behaves as FROZEN_BIT and the headers the module was built against
	 * define PAGEREF_CAS_PUT (kernels/frozen-bit-cas-put-6.12.patch): the
	 * final put goes count -> FROZEN by a cmpxchg loop. Which put a
	 * kernel has cannot be seen from one thread, so this one is known at
	 * compile time: build the module against the kernel it runs on.
	 */
	FOLIO_LAB_SCHEME_FROZEN_BIT_CAS_PUT = 4,
	FOLIO_LAB_NR_SCHEMES
};

/* Names of enum folio_lab_scheme, in its order (records' kernel_scheme). */
#define FOLIO_LAB_SCHEME_NAMES \
	{ "unknown", "zero", "frozen-bit", "frozen-bit-undo", "frozen-bit-cas-put" }

/*
 * What a RUN hammers. KERNEL is the real folio API on the shared folios;
 * the rest are the in-module copies of include/folio-lab/refscheme.h on a
 * private counter, one per shared folio, each on its own cache line, in
 * RS_SCHEMES order: variant - 1 is enum rs_scheme, and the names (CLI,
 * records, plots) are "kernel", then rs_schemes[].name: "cas-loop",
 * "assume-one", "frozen-bit", "plain-add", "frozen-bit-undo",
 * "frozen-bit-cas-put", "inverted-bit". A scheme appended to RS_SCHEMES
 * needs its line here, FOLIO_LAB_VARIANT_<its ID>, or the module does not
 * build; nothing else in the module changes.
 */
enum folio_lab_variant {
	FOLIO_LAB_VARIANT_KERNEL = 0,
	FOLIO_LAB_VARIANT_CAS_LOOP = 1,
	FOLIO_LAB_VARIANT_ASSUME_ONE = 2,
	FOLIO_LAB_VARIANT_FROZEN_BIT = 3,
	FOLIO_LAB_VARIANT_PLAIN_ADD = 4,
	FOLIO_LAB_VARIANT_FROZEN_BIT_UNDO = 5,
	FOLIO_LAB_VARIANT_FROZEN_BIT_CAS_PUT = 6,
	FOLIO_LAB_VARIANT_INVERTED_BIT = 7,
	FOLIO_LAB_NR_VARIANTS
};

enum folio_lab_mix {
	/* folio_try_get() then folio_put(): the speculative page-cache path */
	FOLIO_LAB_MIX_TRYGET_PUT = 0,
	/* folio_get() (or folio_ref_add(get_nr)) then folio_put() */
	FOLIO_LAB_MIX_GET_PUT = 1,
	/*
	 * try_get+put, and every freeze_every iterations: freeze at the
	 * expected count (base_refs), hold for hold_loops, unfreeze.
	 */
	FOLIO_LAB_MIX_FREEZER = 2,
	/*
	 * The free path: the allocation's one reference, then the final put
	 * that frees. In-module schemes: rs_init() (set the private counter
	 * to 1) then rs_put(1), which must report the free; the counter is
	 * back at base_refs when the RUN returns. KERNEL: folio_alloc() of an
	 * order-0 folio on the setup's node policy, then folio_put(): the
	 * allocator round trip. TARGET_PER_WORKER and get_nr 1 only, and a
	 * counter takes one free-cycle RUN at a time (EBUSY): the allocation
	 * is a blind store that a second user of the counter would race.
	 */
	FOLIO_LAB_MIX_FREE_CYCLE = 3,
	FOLIO_LAB_NR_MIXES
};

enum folio_lab_target {
	FOLIO_LAB_TARGET_SHARED = 0,	 /* every worker on folio 0 */
	FOLIO_LAB_TARGET_PER_WORKER = 1, /* worker i on folio i % nr_folios */
};

struct folio_lab_info {
	__u32 abi_version;	/* FOLIO_LAB_ABI_VERSION */
	__u32 page_size;
	__u32 kernel_scheme;	/* enum folio_lab_scheme */
	__u32 frozen_raw;	/* raw _refcount after folio_ref_freeze(f, 1) */
	__u32 nr_variants;	/* FOLIO_LAB_NR_VARIANTS */
	__u32 nr_online_nodes;
	__u32 setup_active;	/* 1 while a SETUP is in place */
	/*
	 * raw _refcount after a folio_try_get() that failed on the frozen
	 * folio: 0 (zero), FROZEN + 1 (frozen-bit: the junk stays), FROZEN
	 * (frozen-bit-undo)
	 */
	__u32 failed_get_raw;
	char release[64];	/* utsname()->release, NUL-terminated */
	__u64 reserved[4];
};

#define FOLIO_LAB_SETUP_NODE_LOCAL (-1)

struct folio_lab_setup {
	__u32 nr_folios;	/* 1 .. MAX_FOLIOS, nr_folios << order <= MAX_SETUP_PAGES */
	__u32 order;		/* 0 .. FOLIO_LAB_MAX_ORDER */
	__s32 node;		/* online node with memory, or FOLIO_LAB_SETUP_NODE_LOCAL */
	__u32 base_refs;	/* references each folio holds: 1 .. MAX_BASE_REFS */
	__u32 flags;		/* none defined: must be 0 */
	__u32 reserved0;
	__u64 reserved[2];
};

/*
 * RUN: once the argument is read, every return writes it back with the
 * out fields set: zero when the RUN was refused or stopped during its
 * warm-up, the part of the window that ran when it stopped early (EINTR,
 * ENODEV, ETIMEDOUT).
 */
struct folio_lab_run {
	/* in */
	__u32 variant;		/* enum folio_lab_variant */
	__u32 mix;		/* enum folio_lab_mix */
	__u32 target;		/* enum folio_lab_target */
	__u32 worker_id;	/* selects the folio with TARGET_PER_WORKER */
	__u64 warmup_ns;	/* untimed loop before the window */
	__u64 duration_ns;	/* timed window; 0: run iterations instead */
	__u64 iterations;	/* with duration_ns == 0: 1 .. MAX_ITERATIONS */
	__u32 get_nr;		/* references per get: 1, or 1024 like a GUP pin */
	__u32 freeze_every;	/* MIX_FREEZER: one freeze attempt per N iterations */
	__u32 hold_loops;	/* cpu_relax() loops holding a ref or a freeze: 0 .. MAX_HOLD_LOOPS */
	__u32 flags;		/* none defined: must be 0 */
	__u64 reserved_in[2];
	/*
	 * out, measured in the kernel over the timed window. With
	 * MIX_FREE_CYCLE an iteration is one allocation: gets_ok counts those
	 * that succeeded, gets_failed the folio_alloc() failures (KERNEL).
	 */
	__u64 iters;
	__u64 gets_ok;
	__u64 gets_failed;
	__u64 freezes_won;
	__u64 freezes_lost;
	/*
	 * The rest of refscheme.h's RS_STATS, under its names; in-module
	 * schemes only (0 for KERNEL), and only those in the scheme's
	 * rs_schemes[].counters can be nonzero.
	 */
	__u64 cas_retries;	/* failed cmpxchg attempts, on every path */
	__u64 junk_left;	/* failed gets whose increment stayed on the word */
	__u64 guard_resets;	/* failed gets that reset the word at the 2^30 limit */
	__u64 elapsed_ns;
	__u64 frees;		/* final puts that freed; 0 but for MIX_FREE_CYCLE */
	__u64 free_races;	/* final puts whose freeze lost to a reviving getter */
	__u64 reserved_out;
};

#define FOLIO_LAB_IOC_MAGIC 0xF0
#define FOLIO_LAB_IOC_INFO _IOR(FOLIO_LAB_IOC_MAGIC, 1, struct folio_lab_info)
#define FOLIO_LAB_IOC_SETUP _IOW(FOLIO_LAB_IOC_MAGIC, 2, struct folio_lab_setup)
#define FOLIO_LAB_IOC_RUN _IOWR(FOLIO_LAB_IOC_MAGIC, 3, struct folio_lab_run)
#define FOLIO_LAB_IOC_TEARDOWN _IO(FOLIO_LAB_IOC_MAGIC, 4)

#endif /* FOLIO_LAB_UAPI_H */
