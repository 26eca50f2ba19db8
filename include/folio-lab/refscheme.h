/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The page refcount schemes folio-lab compares, written once and compiled
 * both into the userspace "atomics" workload and into the kernel module.
 * RS_SCHEMES() below is the one table of them: the enum, the names used by
 * the CLI, records, plots and the module's uapi, the model's configurations
 * (model/verify.sh reads the names from here) and the docs follow from it.
 *
 * The includer provides a shim first (refscheme-user.h or the module's
 * refscheme-kernel.h) with:
 *
 *   typedef ... rs_atomic_t;               a 32-bit atomic counter
 *   typedef ... rs_u64;                    64-bit unsigned counter type
 *   int  rs_read(rs_atomic_t *v);          relaxed load
 *   void rs_set(rs_atomic_t *v, int i);    plain store
 *   void rs_set_release(rs_atomic_t *v, int i);
 *   void rs_add(rs_atomic_t *v, int i);    RMW, no result, no ordering
 *   int  rs_add_return(rs_atomic_t *v, int i);      fully ordered
 *   int  rs_sub_return(rs_atomic_t *v, int i);      fully ordered
 *   bool rs_sub_and_test(rs_atomic_t *v, int i);    fully ordered
 *   bool rs_try_cmpxchg(rs_atomic_t *v, int *old, int new);
 *                                          fully ordered; on failure *old
 *                                          is updated to the current value
 *   bool rs_try_cmpxchg_relaxed(rs_atomic_t *v, int *old, int new);
 *   void rs_cpu_relax(void);
 *   strcmp()                               from <string.h> or <linux/string.h>
 *
 * Every scheme has the same operations. All arithmetic on the word wraps
 * (kernel atomics and C11 atomics both define that), which is what the
 * frozen bit's junk relies on.
 *
 *   try_get(nr)     take nr references unless the page is frozen/dead
 *   put(nr)         drop nr references; returns true to the one caller that
 *                   must free the page (which caller that is, is exactly
 *                   what the put-path race is about: see the model)
 *   freeze(count)   succeed only if the count is exactly count
 *   unfreeze(count) return a frozen page to count (release store)
 *   count()         page_ref_count(): 0 for a frozen page
 *   set_frozen()    the page goes to the allocator, or is set up frozen
 *   init()          the allocator hands the page out with one reference
 *
 * Each operation takes a struct rs_stats * to count what it did; callers
 * keep one per thread so counting never shares a cache line.
 *
 * Sources for the series' algorithm: patch 1/2 of v5 (LKML, 2026-06-26) and
 * the post-v4 include/linux/page_ref.h in the public linux-mm/linux-mm
 * repository (commit ae6cb9301d26). Where a copy here differs from the
 * posted code, the comment at the copy says how and why.
 */
#ifndef FOLIO_LAB_REFSCHEME_H
#define FOLIO_LAB_REFSCHEME_H

/*
 * X(ID, name, counters, summary): one line per scheme. ID gives RS_<ID> and
 * the functions rs_<id>_<op>() (lower case), name is the CLI/record name,
 * counters the RS_C_* mask of the rs_stats fields that can move for it.
 * Append only: the enum order is the module's uapi variant order.
 */
#define RS_SCHEMES(X)                                                                  \
	X(CAS_LOOP, cas_loop, "cas-loop", RS_C_ZERO,                                   \
	  "today: read, then cmpxchg loop while the count is non-zero")                \
	X(ASSUME_ONE, assume_one, "assume-one", RS_C_ZERO,                             \
	  "Linus' variant: the cmpxchg loop starts from an assumed count of 1")        \
	X(FROZEN_BIT, frozen_bit, "frozen-bit", RS_C_FROZEN,                           \
	  "the series v1-v5: fetch-add, bit 31 frozen, a failed get keeps its junk")   \
	X(PLAIN_ADD, plain_add, "plain-add", RS_C_PLAIN,                               \
	  "no liveness check at all: the ceiling of a get")                            \
	X(FROZEN_BIT_UNDO, frozen_bit_undo, "frozen-bit-undo", RS_C_FROZEN,            \
	  "the RFC: frozen-bit, but each failed get tries one cmpxchg back to FROZEN") \
	X(FROZEN_BIT_CAS_PUT, frozen_bit_cas_put, "frozen-bit-cas-put", RS_C_CAS_PUT,  \
	  "frozen-bit with a put that cannot race: the last reference goes straight "  \
	  "to FROZEN by a cmpxchg loop")                                               \
	X(INVERTED_BIT, inverted_bit, "inverted-bit", RS_C_FROZEN,                     \
	  "0 means frozen, live counts carry bit 31; every read and set masks")

/*
 * X(field, name, help): the counters every operation keeps. field is the
 * struct rs_stats member; name the record/uapi counter name.
 */
#define RS_STATS(X)                                                                \
	X(get_ok, "gets_ok", "try_get that took its references")                   \
	X(get_fail, "gets_failed", "try_get refused: the page was frozen or dead") \
	X(cas_retries, "cas_retries", "failed cmpxchg attempts, on every path")   \
	X(junk_left, "junk_left", "failed get whose increment stays on the word") \
	X(guard_resets, "guard_resets",                                            \
	  "failed get that found the word at the 2^30 junk limit and reset it")    \
	X(frees, "frees", "put that must free the page")                           \
	X(free_races, "free_races",                                                \
	  "final put whose freeze lost to a getter that revived the page")          \
	X(freeze_won, "freezes_won", "freeze at the expected count that took")     \
	X(freeze_lost, "freezes_lost", "freeze that found another count")

/*
 * checkpatch's macro heuristics do not fit X-macro tables: the ctest that
 * runs it on this file ignores COMPLEX_MACRO (the tables), MACRO_ARG_UNUSED
 * (a callback takes the whole line) and TRAILING_SEMICOLON (a switch case
 * per line), and nothing else.
 */
#define RS_ENUM_SCHEME(ID, ...) RS_##ID,
enum rs_scheme { RS_SCHEMES(RS_ENUM_SCHEME) RS_NR_SCHEMES };
#undef RS_ENUM_SCHEME

#define RS_ENUM_STAT(field, ...) RS_STAT_##field,
enum rs_stat { RS_STATS(RS_ENUM_STAT) RS_NR_STATS };
#undef RS_ENUM_STAT

#define RS_C(field) (1u << RS_STAT_##field)
#define RS_C_GET (RS_C(get_ok) | RS_C(get_fail) | RS_C(frees))
#define RS_C_FREEZE (RS_C(freeze_won) | RS_C(freeze_lost))
#define RS_C_ZERO (RS_C_GET | RS_C_FREEZE | RS_C(cas_retries))
#define RS_C_PLAIN (RS_C(get_ok) | RS_C(frees) | RS_C_FREEZE)
#define RS_C_CAS_PUT (RS_C_ZERO | RS_C(junk_left) | RS_C(guard_resets))
#define RS_C_FROZEN (RS_C_CAS_PUT | RS_C(free_races))

struct rs_scheme_desc {
	const char *name;
	const char *summary;
	unsigned int counters; /* RS_C_* mask: the rs_stats that can move */
};

/* In table order, so rs_schemes[RS_<ID>] is that scheme. */
#define RS_DESC(ID, id, n, c, s) {.name = n, .summary = s, .counters = c},
static const struct rs_scheme_desc rs_schemes[RS_NR_SCHEMES] = {RS_SCHEMES(RS_DESC)};
#undef RS_DESC

#define RS_STAT_NAME(field, name, ...) name,
static const char *const rs_stat_names[RS_NR_STATS] = {RS_STATS(RS_STAT_NAME)};
#undef RS_STAT_NAME

/*
 * One member per RS_STATS line, in its order: rs_stats_to_array() names
 * every member, and the size check catches a member the table lacks.
 */
struct rs_stats {
	rs_u64 get_ok;
	rs_u64 get_fail;
	rs_u64 cas_retries;
	rs_u64 junk_left;
	rs_u64 guard_resets;
	rs_u64 frees;
	rs_u64 free_races;
	rs_u64 freeze_won;
	rs_u64 freeze_lost;
};

_Static_assert(sizeof(struct rs_stats) == RS_NR_STATS * sizeof(rs_u64),
	       "struct rs_stats and RS_STATS() disagree");

/* The counters as an array in RS_STATS order (for records and the uapi). */
static inline void rs_stats_to_array(const struct rs_stats *st, rs_u64 out[RS_NR_STATS])
{
#define RS_STAT_VALUE(field, ...) st->field,
	const rs_u64 val[RS_NR_STATS] = {RS_STATS(RS_STAT_VALUE)};
#undef RS_STAT_VALUE

	for (int i = 0; i < RS_NR_STATS; i++)
		out[i] = val[i];
}

/* Bit 31: the page is frozen or free (PAGEREF_FROZEN_BIT in the series). */
#define RS_FROZEN ((int)(1u << 31))
/*
 * _PAGEREF_FROZEN_LIMIT in the series: a failed getter that sees the word
 * at or above FROZEN + 2^30 resets it to FROZEN, so junk can never carry
 * out of bit 31 and wrap to a small, live-looking count.
 */
#define RS_FROZEN_LIMIT (1u << 30 | 1u << 31)

/* Wrapping arithmetic without signed-overflow UB in userspace. */
static inline int rs_wrap_add(int a, int b)
{
	return (int)((unsigned int)a + (unsigned int)b);
}

/* ---- zero scheme: 0 means both "no references" and "frozen" ---- */

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

static inline void rs_zero_unfreeze(rs_atomic_t *v, int count)
{
	rs_set_release(v, count);
}

static inline int rs_zero_count(rs_atomic_t *v)
{
	return rs_read(v);
}

static inline void rs_zero_set_frozen(rs_atomic_t *v)
{
	rs_set(v, 0);
}

static inline void rs_zero_init(rs_atomic_t *v)
{
	rs_set(v, 1);
}

/* cas-loop: today's page_ref_add_unless(page, nr, 0). */
static inline bool rs_cas_loop_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	return rs_zero_add_unless_zero(v, rs_read(v), nr, st);
}

#define rs_cas_loop_put rs_zero_put
#define rs_cas_loop_freeze rs_zero_freeze
#define rs_cas_loop_unfreeze rs_zero_unfreeze
#define rs_cas_loop_count rs_zero_count
#define rs_cas_loop_set_frozen rs_zero_set_frozen
#define rs_cas_loop_init rs_zero_init

/* assume-one: guess the common count instead of paying a load first. */
static inline bool rs_assume_one_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	return rs_zero_add_unless_zero(v, 1, nr, st);
}

#define rs_assume_one_put rs_zero_put
#define rs_assume_one_freeze rs_zero_freeze
#define rs_assume_one_unfreeze rs_zero_unfreeze
#define rs_assume_one_count rs_zero_count
#define rs_assume_one_set_frozen rs_zero_set_frozen
#define rs_assume_one_init rs_zero_init

/* plain-add: a get that never fails (no liveness check); zero-scheme rest. */
static inline bool rs_plain_add_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	rs_add(v, nr);
	st->get_ok++;
	return true;
}

#define rs_plain_add_put rs_zero_put
#define rs_plain_add_freeze rs_zero_freeze
#define rs_plain_add_unfreeze rs_zero_unfreeze
#define rs_plain_add_count rs_zero_count
#define rs_plain_add_set_frozen rs_zero_set_frozen
#define rs_plain_add_init rs_zero_init

/* ---- frozen-bit: the series, v1-v5 ---- */

static inline bool rs_is_frozen(int val)
{
	return (unsigned int)val & (unsigned int)RS_FROZEN;
}

/*
 * page_ref_add_unless_frozen() as posted: one add-return; a failed get
 * leaves its nr on the frozen word ("junk": the next unfreeze or allocation
 * overwrites it). Only a word at or past the limit is reset, by a relaxed
 * try_cmpxchg loop that ends as soon as someone else brought it below.
 */
static inline bool rs_frozen_bit_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int val = rs_add_return(v, nr);
	bool ok = !rs_is_frozen(val);

	if (ok)
		st->get_ok++;
	else
		st->get_fail++;
	while ((unsigned int)val >= RS_FROZEN_LIMIT) {
		if (rs_try_cmpxchg_relaxed(v, &val, RS_FROZEN)) {
			st->guard_resets++;
			return ok;
		}
		st->cas_retries++;
	}
	if (!ok)
		st->junk_left++;
	return ok;
}

/*
 * page_ref_dec_and_test()/page_ref_sub_and_test() as posted: the count
 * passes through a plain 0, and only the caller whose relaxed cmpxchg
 * 0 -> FROZEN wins frees. A getter that slipped in (0 -> 1) owns the page.
 * This is the put with the race reported on v4 (see the model).
 */
static inline bool rs_frozen_bit_put(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int zero = 0;

	if (!rs_sub_and_test(v, nr))
		return false;
	if (rs_try_cmpxchg_relaxed(v, &zero, RS_FROZEN)) {
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

/* A release store of count: it also erases junk. */
#define rs_frozen_bit_unfreeze rs_zero_unfreeze
#define rs_frozen_bit_init rs_zero_init

static inline int rs_frozen_bit_count(rs_atomic_t *v)
{
	int val = rs_read(v);

	return rs_is_frozen(val) ? 0 : val;
}

static inline void rs_frozen_bit_set_frozen(rs_atomic_t *v)
{
	rs_set(v, RS_FROZEN);
}

/*
 * frozen-bit-undo: the RFC's failure path. A failed getter tries once to
 * put the word back to FROZEN; if someone else touched it in between, its
 * junk stays. The RFC's guard is not in any copy we hold, so the v5 reset
 * at the limit is kept: the two schemes then differ only in the undo.
 */
static inline bool rs_frozen_bit_undo_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int val = rs_add_return(v, nr);

	if (!rs_is_frozen(val)) {
		st->get_ok++;
		return true;
	}
	st->get_fail++;
	if (rs_try_cmpxchg(v, &val, RS_FROZEN))
		return false;
	st->cas_retries++;
	while ((unsigned int)val >= RS_FROZEN_LIMIT) {
		if (rs_try_cmpxchg_relaxed(v, &val, RS_FROZEN)) {
			st->guard_resets++;
			return false;
		}
		st->cas_retries++;
	}
	st->junk_left++;
	return false;
}

#define rs_frozen_bit_undo_put rs_frozen_bit_put
#define rs_frozen_bit_undo_freeze rs_frozen_bit_freeze
#define rs_frozen_bit_undo_unfreeze rs_frozen_bit_unfreeze
#define rs_frozen_bit_undo_count rs_frozen_bit_count
#define rs_frozen_bit_undo_set_frozen rs_frozen_bit_set_frozen
#define rs_frozen_bit_undo_init rs_frozen_bit_init

/*
 * frozen-bit-cas-put: v5's get, with a put that never leaves a plain 0 on
 * the word. The last reference goes count -> FROZEN in one cmpxchg, so no
 * getter can revive a page between the final decrement and its freeze, and
 * the v4 race has no window. Every put becomes a read + cmpxchg loop: that
 * is the cost the race-fix-cost experiment measures.
 */
static inline bool rs_frozen_bit_cas_put_put(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int old = rs_read(v);

	for (;;) {
		if (old == nr) {
			if (rs_try_cmpxchg(v, &old, RS_FROZEN)) {
				st->frees++;
				return true;
			}
		} else if (rs_try_cmpxchg(v, &old, rs_wrap_add(old, -nr))) {
			return false;
		}
		st->cas_retries++;
	}
}

#define rs_frozen_bit_cas_put_try_get rs_frozen_bit_try_get
#define rs_frozen_bit_cas_put_freeze rs_frozen_bit_freeze
#define rs_frozen_bit_cas_put_unfreeze rs_frozen_bit_unfreeze
#define rs_frozen_bit_cas_put_count rs_frozen_bit_count
#define rs_frozen_bit_cas_put_set_frozen rs_frozen_bit_set_frozen
#define rs_frozen_bit_cas_put_init rs_frozen_bit_init

/*
 * inverted-bit: the encoding the authors rejected for its masking cost
 * (the v1 review, docs/background.md: "extra bit on each active refcount, and (un)masking will be
 * required on each refcount read/set"). A live page with n references
 * holds RS_LIVE | n; frozen is 0 (so zeroed memory, memset() and a stray
 * set_page_count(p, 0) are all frozen) plus junk below bit 31. Otherwise
 * it mirrors frozen-bit: junk left on failure, reset at 2^30 junk, the
 * final put passes through RS_LIVE | 0 and freezes with a cmpxchg.
 */
#define RS_LIVE RS_FROZEN
#define RS_INVERTED_LIMIT (1u << 30)

static inline bool rs_inverted_bit_try_get(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int val = rs_add_return(v, nr);

	if (val & RS_LIVE) {
		st->get_ok++;
		return true;
	}
	st->get_fail++;
	while ((unsigned int)val >= RS_INVERTED_LIMIT && !(val & RS_LIVE)) {
		if (rs_try_cmpxchg_relaxed(v, &val, 0)) {
			st->guard_resets++;
			return false;
		}
		st->cas_retries++;
	}
	st->junk_left++;
	return false;
}

static inline bool rs_inverted_bit_put(rs_atomic_t *v, int nr, struct rs_stats *st)
{
	int live_zero = RS_LIVE;

	if (rs_sub_return(v, nr) != RS_LIVE)
		return false;
	if (rs_try_cmpxchg_relaxed(v, &live_zero, 0)) {
		st->frees++;
		return true;
	}
	st->cas_retries++;
	st->free_races++;
	return false;
}

static inline bool rs_inverted_bit_freeze(rs_atomic_t *v, int count, struct rs_stats *st)
{
	int old = RS_LIVE | count;

	if (rs_try_cmpxchg(v, &old, 0)) {
		st->freeze_won++;
		return true;
	}
	st->freeze_lost++;
	return false;
}

static inline void rs_inverted_bit_unfreeze(rs_atomic_t *v, int count)
{
	rs_set_release(v, RS_LIVE | count);
}

static inline int rs_inverted_bit_count(rs_atomic_t *v)
{
	int val = rs_read(v);

	return val & RS_LIVE ? val & ~RS_LIVE : 0;
}

#define rs_inverted_bit_set_frozen rs_zero_set_frozen

static inline void rs_inverted_bit_init(rs_atomic_t *v)
{
	rs_set(v, RS_LIVE | 1);
}

/*
 * Dispatch by scheme. Callers with a hot loop instantiate it once per
 * scheme with a constant s, so the switch folds away. A value outside the
 * table does nothing and fails (the switch is on an unsigned int so that
 * no case for RS_NR_SCHEMES is needed).
 */
#define RS_CASE_TRY_GET(ID, id, ...) \
	case RS_##ID:                    \
		return rs_##id##_try_get(v, nr, st);
static inline bool rs_try_get(enum rs_scheme s, rs_atomic_t *v, int nr, struct rs_stats *st)
{
	switch ((unsigned int)s) {
		RS_SCHEMES(RS_CASE_TRY_GET)
	}
	return false;
}
#undef RS_CASE_TRY_GET

#define RS_CASE_PUT(ID, id, ...) \
	case RS_##ID:                \
		return rs_##id##_put(v, nr, st);
static inline bool rs_put(enum rs_scheme s, rs_atomic_t *v, int nr, struct rs_stats *st)
{
	switch ((unsigned int)s) {
		RS_SCHEMES(RS_CASE_PUT)
	}
	return false;
}
#undef RS_CASE_PUT

#define RS_CASE_FREEZE(ID, id, ...) \
	case RS_##ID:                   \
		return rs_##id##_freeze(v, count, st);
static inline bool rs_freeze(enum rs_scheme s, rs_atomic_t *v, int count, struct rs_stats *st)
{
	switch ((unsigned int)s) {
		RS_SCHEMES(RS_CASE_FREEZE)
	}
	return false;
}
#undef RS_CASE_FREEZE

#define RS_CASE_UNFREEZE(ID, id, ...) \
	case RS_##ID:                     \
		rs_##id##_unfreeze(v, count);     \
		break;
static inline void rs_unfreeze(enum rs_scheme s, rs_atomic_t *v, int count)
{
	switch ((unsigned int)s) {
		RS_SCHEMES(RS_CASE_UNFREEZE)
	}
}
#undef RS_CASE_UNFREEZE

#define RS_CASE_COUNT(ID, id, ...) \
	case RS_##ID:                  \
		return rs_##id##_count(v);
static inline int rs_count(enum rs_scheme s, rs_atomic_t *v)
{
	switch ((unsigned int)s) {
		RS_SCHEMES(RS_CASE_COUNT)
	}
	return 0;
}
#undef RS_CASE_COUNT

#define RS_CASE_SET_FROZEN(ID, id, ...) \
	case RS_##ID:                       \
		rs_##id##_set_frozen(v);            \
		break;
static inline void rs_set_frozen(enum rs_scheme s, rs_atomic_t *v)
{
	switch ((unsigned int)s) {
		RS_SCHEMES(RS_CASE_SET_FROZEN)
	}
}
#undef RS_CASE_SET_FROZEN

#define RS_CASE_INIT(ID, id, ...) \
	case RS_##ID:                 \
		rs_##id##_init(v);            \
		break;
static inline void rs_init(enum rs_scheme s, rs_atomic_t *v)
{
	switch ((unsigned int)s) {
		RS_SCHEMES(RS_CASE_INIT)
	}
}
#undef RS_CASE_INIT

/*
 * The raw word a live page with @count references holds: count itself,
 * except for inverted-bit, where live counts carry RS_LIVE. For callers
 * that set a counter to a base count directly.
 */
static inline int rs_live_word(enum rs_scheme s, int count)
{
	return s == RS_INVERTED_BIT ? (RS_LIVE | count) : count;
}

/* Set a counter to @count live references (base references at setup). */
static inline void rs_set_count(enum rs_scheme s, rs_atomic_t *v, int count)
{
	rs_set(v, rs_live_word(s, count));
}

/* The scheme called @name, or -1: callers list rs_schemes[] on a miss. */
static inline int rs_scheme_by_name(const char *name)
{
	for (int i = 0; i < RS_NR_SCHEMES; i++)
		if (strcmp(rs_schemes[i].name, name) == 0)
			return i;
	return -1;
}

#endif /* FOLIO_LAB_REFSCHEME_H */
