/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The page refcount schemes folio-lab compares, written once and compiled
 * both into the userspace "atomics" workload and into the kernel module.
 *
 * The includer provides a shim first (refscheme-user.h or the module's
 * refscheme-kernel.h) with:
 *
 *   typedef ... rs_atomic_t;               a 32-bit atomic counter
 *   typedef ... rs_u64;                    64-bit unsigned counter type
 *   int  rs_read(rs_atomic_t *v);          relaxed load
 *   void rs_set(rs_atomic_t *v, int i);    plain store
 *   void rs_set_release(rs_atomic_t *v, int i);
 *   void rs_add(rs_atomic_t *v, int i);    fully ordered RMW, no result
 *   int  rs_add_return(rs_atomic_t *v, int i);      fully ordered
 *   bool rs_sub_and_test(rs_atomic_t *v, int i);    fully ordered
 *   bool rs_try_cmpxchg(rs_atomic_t *v, int *old, int new);
 *                                          fully ordered; on failure *old
 *                                          is updated to the current value
 *   void rs_cpu_relax(void);
 *
 * Every scheme has the same five operations. All arithmetic on the word
 * wraps (kernel atomics and C11 atomics both define that), which is what
 * the frozen bit's junk relies on.
 *
 *   try_get(nr)     take nr references unless the page is frozen/dead
 *   put(nr)         drop nr references; returns true to exactly one caller
 *                   per life of the page: the one that must free it
 *   freeze(count)   succeed only if the count is exactly count
 *   unfreeze(count) return a frozen page to count (release store)
 *   count()         page_ref_count(): 0 for a frozen page
 *
 * plus set_frozen() (the page goes to the allocator, or is set up frozen)
 * and init() (the allocator hands the page out with one reference).
 *
 * Each operation takes a struct rs_stats * to count what it did; callers
 * keep one per thread so counting never shares a cache line.
 */
#ifndef FOLIO_LAB_REFSCHEME_H
#define FOLIO_LAB_REFSCHEME_H

/* Bit 31: the page is frozen or free (PAGEREF_FROZEN_BIT in the series). */
#define RS_FROZEN ((int)(1u << 31))
/*
 * Junk a failed getter may leave behind before it must wait for the junk
 * to drain: 2^30 keeps FROZEN + junk from ever carrying into bit 32 and
 * wrapping to a small, live-looking value.
 */
#define RS_JUNK_GUARD (1u << 30)

enum rs_scheme {
	RS_CAS_LOOP,   /* today's atomic_add_unless(v, nr, 0): read, cmpxchg loop */
	RS_ASSUME_ONE, /* Linus' variant: cmpxchg loop that starts from 1 */
	RS_FROZEN_BIT, /* the series: fetch-add, bit 31 means frozen */
	RS_PLAIN_ADD,  /* no liveness check at all: the ceiling of a get */
	RS_NR_SCHEMES
};

/* Index = enum rs_scheme; these are the CLI, record and plot names. */
static const char *const rs_scheme_names[RS_NR_SCHEMES] = {
	[RS_CAS_LOOP] = "cas-loop",
	[RS_ASSUME_ONE] = "assume-one",
	[RS_FROZEN_BIT] = "frozen-bit",
	[RS_PLAIN_ADD] = "plain-add",
};

struct rs_stats {
	rs_u64 get_ok;       /* try_get that took its references */
	rs_u64 get_fail;     /* try_get refused: frozen or dead */
	rs_u64 cas_retries;  /* failed cmpxchg attempts, every path */
	rs_u64 junk_left;    /* frozen-bit: failed get whose undo lost a race */
	rs_u64 guard_waits;  /* frozen-bit: failed get that hit the 2^30 guard */
	rs_u64 frees;        /* put that must free the page */
	rs_u64 free_races;   /* frozen-bit: hit 0 but a getter revived the page */
	rs_u64 freeze_won;
	rs_u64 freeze_lost;
};

/* ---- zero scheme: 0 means both "no references" and "frozen" ---- */

/* Wrapping add without signed-overflow UB in userspace. */
static inline int rs_wrap_add(int a, int b)
{
	return (int)((unsigned int)a + (unsigned int)b);
}

/* atomic_add_unless(v, nr, 0) starting from a guess of the current value. */
static inline bool rs_zero_add_unless_zero(rs_atomic_t *v, int guess, int nr,
					   struct rs_stats *st)
{
	int old = guess;

	for (;;) {
		if (old == 0) {
			st->get_fail++;
			return false;
		}
		if (rs_try_cmpxchg(v, &old, rs_wrap_add(old, nr)))
			break;
		st->cas_retries++;
	}
	st->get_ok++;
	return true;
}

static inline bool rs_cas_loop_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	return rs_zero_add_unless_zero(v, rs_read(v), nr, st);
}

static inline bool rs_assume_one_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	/* Guess the common value instead of paying a load before the cmpxchg. */
	return rs_zero_add_unless_zero(v, 1, nr, st);
}

static inline bool rs_zero_put(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	if (rs_sub_and_test(v, nr)) {
		st->frees++;
		return true;
	}
	return false;
}

static inline bool rs_zero_freeze(rs_atomic_t *v, int count, struct rs_stats *st)
{
	int old = count;

	if (rs_try_cmpxchg(v, &old, 0)) {
		st->freeze_won++;
		return true;
	}
	st->freeze_lost++;
	return false;
}

static inline int rs_zero_count(rs_atomic_t *v)
{
	return rs_read(v);
}

static inline void rs_zero_set_frozen(rs_atomic_t *v)
{
	rs_set(v, 0);
}

/* ---- frozen-bit scheme ---- */

static inline bool rs_is_frozen(int val)
{
	return (unsigned int)val & (unsigned int)RS_FROZEN;
}

/*
 * A failed getter added nr to a frozen word. Put the word back to FROZEN
 * if nobody else touched it; otherwise leave the junk (an unfreeze or
 * another getter's undo erases it). Past the guard, wait until the junk
 * is gone, so that FROZEN + junk cannot reach 2^32 and wrap to live.
 */
static inline void rs_frozen_bit_undo(rs_atomic_t *v, int val, struct rs_stats *st)
{
	int old = val;

	if ((unsigned int)val - (unsigned int)RS_FROZEN < RS_JUNK_GUARD) {
		if (!rs_try_cmpxchg(v, &old, RS_FROZEN)) {
			st->cas_retries++;
			st->junk_left++;
		}
		return;
	}
	st->guard_waits++;
	for (;;) {
		if (!rs_is_frozen(old))
			return; /* unfrozen: the store erased the junk */
		if ((unsigned int)old - (unsigned int)RS_FROZEN < RS_JUNK_GUARD)
			return; /* others drained it below the guard */
		if (rs_try_cmpxchg(v, &old, RS_FROZEN))
			return;
		st->cas_retries++;
		rs_cpu_relax();
	}
}

static inline bool rs_frozen_bit_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int val = rs_add_return(v, nr);

	if (!rs_is_frozen(val)) {
		st->get_ok++;
		return true;
	}
	st->get_fail++;
	rs_frozen_bit_undo(v, val, st);
	return false;
}

static inline bool rs_frozen_bit_put(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int zero = 0;

	if (!rs_sub_and_test(v, nr))
		return false;
	/*
	 * Transient zero: a speculative getter may revive the page (0 -> 1)
	 * and then owns it. Only the caller that moves 0 -> FROZEN frees.
	 */
	if (rs_try_cmpxchg(v, &zero, RS_FROZEN)) {
		st->frees++;
		return true;
	}
	st->cas_retries++;
	st->free_races++;
	return false;
}

static inline bool rs_frozen_bit_freeze(rs_atomic_t *v, int count, struct rs_stats *st)
{
	int old = count;

	if (rs_try_cmpxchg(v, &old, RS_FROZEN)) {
		st->freeze_won++;
		return true;
	}
	st->freeze_lost++;
	return false;
}

static inline int rs_frozen_bit_count(rs_atomic_t *v)
{
	int val = rs_read(v);

	return rs_is_frozen(val) ? 0 : val;
}

static inline void rs_frozen_bit_set_frozen(rs_atomic_t *v)
{
	rs_set(v, RS_FROZEN);
}

/* ---- plain-add: no liveness check, gets always "succeed" ---- */

static inline bool rs_plain_add_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	rs_add(v, nr);
	st->get_ok++;
	return true;
}

/* ---- dispatch by scheme; callers hoist the switch out of hot loops ---- */

static inline bool rs_try_get(enum rs_scheme s, rs_atomic_t *v, int nr, struct rs_stats *st)
{
	switch (s) {
	case RS_CAS_LOOP:
		return rs_cas_loop_try_get(v, nr, st);
	case RS_ASSUME_ONE:
		return rs_assume_one_try_get(v, nr, st);
	case RS_FROZEN_BIT:
		return rs_frozen_bit_try_get(v, nr, st);
	default:
		return rs_plain_add_try_get(v, nr, st);
	}
}

static inline bool rs_put(enum rs_scheme s, rs_atomic_t *v, int nr, struct rs_stats *st)
{
	return s == RS_FROZEN_BIT ? rs_frozen_bit_put(v, nr, st) : rs_zero_put(v, nr, st);
}

static inline bool rs_freeze(enum rs_scheme s, rs_atomic_t *v, int count, struct rs_stats *st)
{
	return s == RS_FROZEN_BIT ? rs_frozen_bit_freeze(v, count, st)
				  : rs_zero_freeze(v, count, st);
}

/* Same for every scheme: a release store of count, which also erases junk. */
static inline void rs_unfreeze(enum rs_scheme s, rs_atomic_t *v, int count)
{
	(void)s;
	rs_set_release(v, count);
}

static inline int rs_count(enum rs_scheme s, rs_atomic_t *v)
{
	return s == RS_FROZEN_BIT ? rs_frozen_bit_count(v) : rs_zero_count(v);
}

static inline void rs_set_frozen(enum rs_scheme s, rs_atomic_t *v)
{
	if (s == RS_FROZEN_BIT)
		rs_frozen_bit_set_frozen(v);
	else
		rs_zero_set_frozen(v);
}

/* The allocator hands the page out: one reference (init_page_count()). */
static inline void rs_init(enum rs_scheme s, rs_atomic_t *v)
{
	(void)s;
	rs_set(v, 1);
}

#endif /* FOLIO_LAB_REFSCHEME_H */
