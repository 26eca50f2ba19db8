// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The refcount schemes of refscheme.h: the table itself, state transitions
 * one step at a time for every scheme, then the protocol's invariants
 * under real concurrency (threads = max(4, nproc), bounded loops): no get
 * while frozen, freeze only at the exact count, exactly one free per life,
 * the word back at its baseline, junk never wrapping into a live count,
 * and no counter moving outside the scheme's declared counters.
 *
 * The expectations per scheme are in expect_of(): a scheme added to
 * RS_SCHEMES() without one there fails this test on purpose.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "folio-lab/refscheme-user.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			fprintf(stderr,                                                            \
				"%s:%d: check failed: %s == %s (%lld vs %lld, %#llx vs %#llx)\n",  \
				__FILE__, __LINE__, #a, #b, a_, b_, (unsigned long long)a_,        \
				(unsigned long long)b_);                                           \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static unsigned int passed;
static unsigned int nthreads;

/* What a scheme's word looks like: the expectations the tests check. */
enum family {
	F_ZERO,	       /* cas-loop, assume-one: 0 is frozen, failed gets write nothing */
	F_PLAIN,       /* plain-add: no liveness check */
	F_FROZEN_KEEP, /* frozen-bit, frozen-bit-cas-put: bit 31 frozen, junk stays */
	F_FROZEN_UNDO, /* frozen-bit-undo: one cmpxchg back to FROZEN per failed get */
	F_INVERTED,    /* inverted-bit: 0 frozen, live = RS_LIVE | count, junk stays */
};

struct expect {
	enum family f;
	unsigned int frozen; /* the raw word of a frozen page without junk */
	unsigned int limit;  /* a failed get that sees this much junk resets it */
	bool cas_put;	     /* the final put never leaves a transient zero */
};

static struct expect expect_of(enum rs_scheme s)
{
	switch (s) {
	case RS_CAS_LOOP:
	case RS_ASSUME_ONE:
		return (struct expect){F_ZERO, 0, 0, false};
	case RS_PLAIN_ADD:
		return (struct expect){F_PLAIN, 0, 0, false};
	case RS_FROZEN_BIT:
		return (struct expect){F_FROZEN_KEEP, (unsigned int)RS_FROZEN, RS_FROZEN_LIMIT,
				       false};
	case RS_FROZEN_BIT_CAS_PUT:
		return (struct expect){F_FROZEN_KEEP, (unsigned int)RS_FROZEN, RS_FROZEN_LIMIT,
				       true};
	case RS_FROZEN_BIT_UNDO:
		return (struct expect){F_FROZEN_UNDO, (unsigned int)RS_FROZEN, RS_FROZEN_LIMIT,
				       false};
	case RS_INVERTED_BIT:
		return (struct expect){F_INVERTED, 0, RS_INVERTED_LIMIT, false};
	default:
		fprintf(stderr, "scheme %d (%s) has no expectations in test_refscheme.c\n", s,
			s >= 0 && s < RS_NR_SCHEMES ? rs_schemes[s].name : "?");
		exit(1);
	}
}

static const char *name_of(enum rs_scheme s)
{
	return rs_schemes[s].name;
}

static unsigned int raw(rs_atomic_t *v)
{
	return (unsigned int)rs_read(v);
}

static unsigned int live(enum rs_scheme s, int count)
{
	return (unsigned int)rs_live_word(s, count);
}

/* Frozen (or dead), with at most junk below the reset limit. */
static bool frozen_raw(enum rs_scheme s, unsigned int val)
{
	struct expect e = expect_of(s);

	switch (e.f) {
	case F_ZERO:
	case F_PLAIN:
		return val == 0;
	case F_FROZEN_KEEP:
	case F_FROZEN_UNDO:
		return (val & (unsigned int)RS_FROZEN) && val < e.limit;
	case F_INVERTED:
		return val < e.limit;
	}
	return false;
}

/* The raw word after one failed get of nr on a frozen word at @val. */
static unsigned int after_failed_get(enum rs_scheme s, unsigned int val, int nr)
{
	switch (expect_of(s).f) {
	case F_ZERO:
		return val;
	case F_FROZEN_UNDO:
		return (unsigned int)RS_FROZEN; /* alone, the undo always takes */
	default:
		return val + (unsigned int)nr;
	}
}

/* No counter moved that the table says cannot move for this scheme. */
static void check_counters(enum rs_scheme s, const struct rs_stats *st)
{
	rs_u64 c[RS_NR_STATS];

	rs_stats_to_array(st, c);
	for (int i = 0; i < RS_NR_STATS; i++) {
		if (c[i] && !(rs_schemes[s].counters & (1u << i))) {
			fprintf(stderr,
				"%s: counter %s moved (%llu) outside the scheme's mask %#x\n",
				name_of(s), rs_stat_names[i], (unsigned long long)c[i],
				rs_schemes[s].counters);
			exit(1);
		}
	}
}

static void stats_sum(struct rs_stats *sum, const struct rs_stats *st)
{
#define ADD(field, name, help) sum->field += st->field;
	RS_STATS(ADD)
#undef ADD
}

/* ---- the table ---- */

static void test_table(void)
{
	unsigned int all = (1u << RS_NR_STATS) - 1;

	CHECK_EQ(RS_NR_SCHEMES, 7);
	for (int i = 0; i < RS_NR_SCHEMES; i++) {
		const struct rs_scheme_desc *d = &rs_schemes[i];

		CHECK(d->name && d->name[0]);
		CHECK(d->summary && d->summary[0]);
		CHECK(d->counters != 0);
		CHECK_EQ(d->counters & ~all, 0);
		/* Every scheme counts its gets and its frees. */
		CHECK(d->counters & RS_C(get_ok));
		CHECK(d->counters & RS_C(frees));
		CHECK_EQ(rs_scheme_by_name(d->name), i);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(rs_schemes[j].name, d->name) != 0);
		(void)expect_of((enum rs_scheme)i); /* the test knows every scheme */
	}
	CHECK_EQ(rs_scheme_by_name("nope"), -1);
	CHECK_EQ(rs_scheme_by_name(""), -1);
	/* The uapi order. */
	CHECK_EQ(rs_scheme_by_name("cas-loop"), RS_CAS_LOOP);
	CHECK_EQ(rs_scheme_by_name("frozen-bit"), RS_FROZEN_BIT);
	CHECK_EQ(rs_scheme_by_name("inverted-bit"), RS_INVERTED_BIT);

	CHECK_EQ(RS_NR_STATS, 9);
	for (int i = 0; i < RS_NR_STATS; i++) {
		CHECK(rs_stat_names[i] && rs_stat_names[i][0]);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(rs_stat_names[j], rs_stat_names[i]) != 0);
	}
	/* rs_stats_to_array() puts field i at index i. */
	{
		struct rs_stats st;
		rs_u64 c[RS_NR_STATS];

		memset(&st, 0, sizeof(st));
		st.guard_resets = 5;
		st.free_races = 7;
		rs_stats_to_array(&st, c);
		CHECK_EQ(c[RS_STAT_guard_resets], 5);
		CHECK_EQ(c[RS_STAT_free_races], 7);
		CHECK(strcmp(rs_stat_names[RS_STAT_guard_resets], "guard_resets") == 0);
		CHECK(strcmp(rs_stat_names[RS_STAT_free_races], "free_races") == 0);
	}

	/*
	 * Every scheme has every op: each dispatcher reaches a real case (the
	 * default writes nothing and returns false/0).
	 */
	for (int i = 0; i < RS_NR_SCHEMES; i++) {
		enum rs_scheme s = (enum rs_scheme)i;
		struct rs_stats st = {0};
		rs_atomic_t v;

		rs_set(&v, 12345);
		rs_init(s, &v);
		CHECK_EQ(raw(&v), live(s, 1));
		CHECK_EQ(rs_count(s, &v), 1);
		CHECK(rs_try_get(s, &v, 1, &st));
		CHECK(!rs_put(s, &v, 1, &st));
		CHECK(rs_freeze(s, &v, 1, &st));
		rs_unfreeze(s, &v, 4);
		CHECK_EQ(rs_count(s, &v), 4);
		rs_set_count(s, &v, 1);
		CHECK(rs_put(s, &v, 1, &st));
		rs_set(&v, 12345);
		rs_set_frozen(s, &v);
		CHECK_EQ(raw(&v), expect_of(s).frozen);
		check_counters(s, &st);
	}
	passed++;
}

/* ---- single-threaded state transitions, every scheme ---- */

static void test_get_put(enum rs_scheme s)
{
	struct expect e = expect_of(s);
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_init(s, &v);
	CHECK_EQ(raw(&v), live(s, 1));
	CHECK_EQ(rs_count(s, &v), 1);
	CHECK(rs_try_get(s, &v, 1, &st));
	CHECK_EQ(rs_count(s, &v), 2);
	CHECK_EQ(raw(&v), live(s, 2));
	CHECK(!rs_put(s, &v, 1, &st));
	CHECK_EQ(rs_count(s, &v), 1);
	/* A GUP-style pin: 1024 references at once. */
	CHECK(rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(rs_count(s, &v), 1025);
	CHECK_EQ(raw(&v), live(s, 1025));
	CHECK(!rs_put(s, &v, 1024, &st));
	CHECK_EQ(rs_count(s, &v), 1);
	CHECK_EQ(st.get_ok, 2);
	CHECK_EQ(st.frees, 0);
	/* The last put frees, and the page then reads as frozen/dead. */
	CHECK(rs_put(s, &v, 1, &st));
	CHECK_EQ(st.frees, 1);
	CHECK_EQ(st.free_races, 0);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK_EQ(raw(&v), e.frozen);
	if (e.f == F_PLAIN) {
		check_counters(s, &st);
		passed++;
		return;
	}
	/* A freed page refuses gets and stays freed (junk aside). */
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(st.get_fail, 1);
	CHECK_EQ(raw(&v), after_failed_get(s, e.frozen, 1));
	CHECK_EQ(st.junk_left, e.f == F_FROZEN_KEEP || e.f == F_INVERTED);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK(frozen_raw(s, raw(&v)));
	check_counters(s, &st);
	passed++;
}

static void test_freeze(enum rs_scheme s)
{
	struct expect e = expect_of(s);
	rs_atomic_t v;
	struct rs_stats st = {0};
	unsigned int val;

	rs_init(s, &v);
	CHECK(rs_try_get(s, &v, 2, &st)); /* count 3 */
	/* Freeze at any count but the exact one fails and changes nothing. */
	CHECK(!rs_freeze(s, &v, 2, &st));
	CHECK(!rs_freeze(s, &v, 4, &st));
	CHECK(!rs_freeze(s, &v, 0, &st));
	CHECK_EQ(st.freeze_lost, 3);
	CHECK_EQ(raw(&v), live(s, 3));
	CHECK(rs_freeze(s, &v, 3, &st));
	CHECK_EQ(st.freeze_won, 1);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK_EQ(raw(&v), e.frozen);
	/* Frozen: gets fail (each per its failure path), a second freeze fails. */
	val = raw(&v);
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), after_failed_get(s, val, 1));
	val = raw(&v);
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), after_failed_get(s, val, 1024));
	CHECK(!rs_freeze(s, &v, 3, &st));
	/* The zero scheme cannot tell a frozen page from a count of 0; the others can. */
	CHECK_EQ(rs_freeze(s, &v, 0, &st), e.f == F_ZERO);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK(frozen_raw(s, raw(&v)));
	CHECK_EQ(st.get_fail, 2);
	/* Unfreeze is a release store of the count: it erases any junk. */
	rs_unfreeze(s, &v, 3);
	CHECK_EQ(raw(&v), live(s, 3));
	CHECK_EQ(rs_count(s, &v), 3);
	CHECK(rs_try_get(s, &v, 1, &st));
	CHECK_EQ(rs_count(s, &v), 4);
	check_counters(s, &st);
	passed++;
}

static void test_set_frozen(enum rs_scheme s)
{
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_set(&v, 77);
	rs_set_frozen(s, &v);
	CHECK_EQ(raw(&v), expect_of(s).frozen);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK_EQ(rs_try_get(s, &v, 1, &st), expect_of(s).f == F_PLAIN);
	/* The allocator hands it out with one reference, junk or not. */
	rs_init(s, &v);
	CHECK_EQ(raw(&v), live(s, 1));
	CHECK_EQ(rs_count(s, &v), 1);
	CHECK(rs_try_get(s, &v, 1, &st));
	/* Base references set directly: the scheme's live word. */
	rs_set_count(s, &v, 9);
	CHECK_EQ(raw(&v), live(s, 9));
	CHECK_EQ(rs_count(s, &v), 9);
	check_counters(s, &st);
	passed++;
}

static void test_assume_one_guess(void)
{
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_init(RS_ASSUME_ONE, &v);
	/* The guess of 1 is right: one cmpxchg, no retry. */
	CHECK(rs_try_get(RS_ASSUME_ONE, &v, 1, &st));
	CHECK_EQ(st.cas_retries, 0);
	/* Count 2: the guess misses once, then the loop uses what it read. */
	CHECK(rs_try_get(RS_ASSUME_ONE, &v, 1, &st));
	CHECK_EQ(st.cas_retries, 1);
	CHECK_EQ(raw(&v), 3);
	/* A dead page: the failed cmpxchg reads 0 and gives up. */
	rs_set_frozen(RS_ASSUME_ONE, &v);
	CHECK(!rs_try_get(RS_ASSUME_ONE, &v, 1, &st));
	CHECK_EQ(raw(&v), 0);
	/* cas-loop reads first: no retry at count 2. */
	memset(&st, 0, sizeof(st));
	rs_set(&v, 2);
	CHECK(rs_try_get(RS_CAS_LOOP, &v, 1, &st));
	CHECK_EQ(st.cas_retries, 0);
	passed++;
}

/*
 * frozen-bit (v5) and frozen-bit-cas-put (same get): a failed get keeps
 * its junk; only a word at or past FROZEN | 2^30 is reset, and the word
 * never turns live.
 */
static void test_frozen_bit_junk(enum rs_scheme s)
{
	rs_atomic_t v;
	struct rs_stats st = {0};
	const unsigned int fz = (unsigned int)RS_FROZEN;

	CHECK_EQ(expect_of(s).f, F_FROZEN_KEEP);
	/* A failed get on FROZEN leaves FROZEN + nr. */
	rs_set_frozen(s, &v);
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), fz + 1);
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), fz + 1025);
	CHECK_EQ(st.junk_left, 2);
	CHECK_EQ(st.get_fail, 2);
	CHECK_EQ(st.cas_retries, 0);
	CHECK_EQ(rs_count(s, &v), 0);
	/* Junk left by racing getters: still frozen, count 0, gets fail. */
	rs_set(&v, (int)(fz + 5));
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), fz + 6);
	/* Unfreeze erases junk: a plain store of the count. */
	rs_set(&v, (int)(fz + 77));
	rs_unfreeze(s, &v, 2);
	CHECK_EQ(raw(&v), 2);
	/* A word at the limit is reset to FROZEN by the next failed get. */
	rs_set(&v, (int)RS_FROZEN_LIMIT);
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), fz);
	CHECK_EQ(st.guard_resets, 1);
	/* The get that crosses the limit resets too. */
	rs_set(&v, (int)(RS_FROZEN_LIMIT - 100));
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), fz);
	CHECK_EQ(st.guard_resets, 2);
	/* Just under the limit: the junk stays. */
	rs_set(&v, (int)(RS_FROZEN_LIMIT - 2048));
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), RS_FROZEN_LIMIT - 1024);
	CHECK_EQ(st.guard_resets, 2);
	CHECK_EQ(st.junk_left, 4);
	/* Any run of failed gets from there: never live, never at the limit. */
	for (int i = 0; i < 5000; i++) {
		CHECK(!rs_try_get(s, &v, 1024, &st));
		CHECK(frozen_raw(s, raw(&v)));
	}
	CHECK(st.guard_resets > 2);
	CHECK_EQ(st.get_ok, 0);
	check_counters(s, &st);
	passed++;
}

/* frozen-bit-undo: a failed get alone returns the word to FROZEN. */
static void test_frozen_bit_undo(void)
{
	const enum rs_scheme s = RS_FROZEN_BIT_UNDO;
	const unsigned int fz = (unsigned int)RS_FROZEN;
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_set_frozen(s, &v);
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), fz);
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), fz);
	CHECK_EQ(st.get_fail, 2);
	CHECK_EQ(st.junk_left, 0);
	CHECK_EQ(st.cas_retries, 0);
	/* The undo expects the word as its add left it: others' junk goes too. */
	rs_set(&v, (int)(fz + 5));
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), fz);
	/* At the limit, the undo itself brings the word back. */
	rs_set(&v, (int)RS_FROZEN_LIMIT);
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), fz);
	CHECK_EQ(st.guard_resets, 0);
	CHECK_EQ(st.junk_left, 0);
	rs_unfreeze(s, &v, 1);
	CHECK_EQ(raw(&v), 1);
	check_counters(s, &st);
	passed++;
}

/* frozen-bit-cas-put: the final put goes count -> FROZEN, never via 0. */
static void test_cas_put(void)
{
	const enum rs_scheme s = RS_FROZEN_BIT_CAS_PUT;
	const unsigned int fz = (unsigned int)RS_FROZEN;
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_init(s, &v);
	CHECK(rs_put(s, &v, 1, &st));
	CHECK_EQ(raw(&v), fz);
	/* Puts that are not the last decrement. */
	rs_set_count(s, &v, 3);
	CHECK(!rs_put(s, &v, 1, &st));
	CHECK_EQ(raw(&v), 2);
	/* The last nr references at once go straight to FROZEN. */
	CHECK(rs_try_get(s, &v, 1024, &st));
	CHECK(!rs_put(s, &v, 1, &st));
	CHECK_EQ(raw(&v), 1025);
	CHECK(rs_put(s, &v, 1025, &st));
	CHECK_EQ(raw(&v), fz);
	CHECK_EQ(st.frees, 2);
	CHECK_EQ(st.cas_retries, 0);
	CHECK_EQ(st.free_races, 0);
	check_counters(s, &st);
	passed++;
}

/* inverted-bit: 0 is frozen, live counts carry bit 31, every read masks. */
static void test_inverted_bit(void)
{
	const enum rs_scheme s = RS_INVERTED_BIT;
	const unsigned int lv = (unsigned int)RS_LIVE;
	rs_atomic_t *zeroed = calloc(1, sizeof(*zeroed));
	rs_atomic_t v;
	struct rs_stats st = {0};

	/* Zeroed memory is a frozen page. */
	CHECK(zeroed);
	CHECK_EQ(rs_count(s, zeroed), 0);
	CHECK(!rs_try_get(s, zeroed, 1, &st));
	CHECK_EQ(raw(zeroed), 1); /* junk below bit 31 */
	CHECK_EQ(rs_count(s, zeroed), 0);
	CHECK(!rs_freeze(s, zeroed, 0, &st));
	CHECK(!rs_freeze(s, zeroed, 1, &st));
	free(zeroed);
	/* Live words carry bit 31; count() masks it. */
	rs_init(s, &v);
	CHECK_EQ(raw(&v), lv | 1);
	CHECK(rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), lv | 1025);
	CHECK_EQ(rs_count(s, &v), 1025);
	CHECK(!rs_put(s, &v, 1024, &st));
	/* A stray set to 0 (set_page_count(p, 0)) is frozen, not a transient zero. */
	rs_set(&v, 0);
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), 1);
	/* Freeze goes RS_LIVE | count -> 0; unfreeze erases junk. */
	rs_set_count(s, &v, 2);
	CHECK(!rs_freeze(s, &v, 1, &st));
	CHECK(rs_freeze(s, &v, 2, &st));
	CHECK_EQ(raw(&v), 0);
	CHECK(!rs_try_get(s, &v, 7, &st));
	CHECK_EQ(raw(&v), 7);
	rs_unfreeze(s, &v, 2);
	CHECK_EQ(raw(&v), lv | 2);
	/* The last put passes through RS_LIVE | 0 and freezes to 0. */
	CHECK(!rs_put(s, &v, 1, &st));
	CHECK(rs_put(s, &v, 1, &st));
	CHECK_EQ(raw(&v), 0);
	/* Junk at the limit (2^30) is reset to 0; just under it stays. */
	rs_set(&v, (int)(RS_INVERTED_LIMIT - 1));
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(raw(&v), 0);
	CHECK_EQ(st.guard_resets, 1);
	rs_set(&v, (int)(RS_INVERTED_LIMIT - 2048));
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(raw(&v), RS_INVERTED_LIMIT - 1024);
	CHECK_EQ(st.guard_resets, 1);
	for (int i = 0; i < 5000; i++) {
		CHECK(!rs_try_get(s, &v, 1024, &st));
		CHECK(frozen_raw(s, raw(&v)));
	}
	CHECK(st.guard_resets > 1);
	check_counters(s, &st);
	passed++;
}

/*
 * The hazard the series guards against: a freed page set back to plain 0
 * (rs_set(v, 0), what set_page_count(p, 0) did, instead of rs_set_frozen)
 * reads as a transient zero under frozen-bit, so a blind add "succeeds" on
 * a free page and its put frees it a second time. Today's scheme, and the
 * inverted encoding (where 0 is frozen), do not have it.
 */
static void test_plain_zero_hazard(void)
{
	static const enum rs_scheme fb[] = {RS_FROZEN_BIT, RS_FROZEN_BIT_UNDO,
					    RS_FROZEN_BIT_CAS_PUT};
	static const enum rs_scheme safe[] = {RS_CAS_LOOP, RS_ASSUME_ONE, RS_INVERTED_BIT};
	rs_atomic_t v;

	for (unsigned int i = 0; i < sizeof(fb) / sizeof(fb[0]); i++) {
		struct rs_stats st = {0};

		rs_set(&v, 0);
		CHECK(rs_try_get(fb[i], &v, 1, &st)); /* the hazard exists */
		CHECK_EQ(raw(&v), 1);
		CHECK(rs_put(fb[i], &v, 1, &st)); /* ... and frees the free page again */
		CHECK_EQ(st.frees, 1);
	}
	for (unsigned int i = 0; i < sizeof(safe) / sizeof(safe[0]); i++) {
		struct rs_stats st = {0};

		rs_set(&v, 0);
		CHECK(!rs_try_get(safe[i], &v, 1, &st));
		CHECK_EQ(rs_count(safe[i], &v), 0);
	}
	passed++;
}

/*
 * Transient zero: between a final put's decrement and its freeze, a getter
 * revives the page and owns it; the putter's freeze then fails (counted as
 * a free race) and the reviver's put frees. Only the schemes whose put has
 * the two steps have this state (0, or RS_LIVE | 0 for inverted-bit).
 */
static void test_revive_transient(enum rs_scheme s)
{
	struct expect e = expect_of(s);
	const int zero = e.f == F_INVERTED ? RS_LIVE : 0;
	rs_atomic_t v;
	struct rs_stats st = {0};
	int old = zero;

	rs_set(&v, zero); /* the last put's decrement just reached zero */
	CHECK(rs_try_get(s, &v, 1, &st));
	CHECK_EQ(rs_count(s, &v), 1);
	/* The putter's freeze of the zero now fails: it must not free. */
	CHECK(!rs_try_cmpxchg_relaxed(&v, &old, (int)e.frozen));
	CHECK_EQ(old, (int)live(s, 1));
	CHECK(rs_put(s, &v, 1, &st));
	CHECK_EQ(raw(&v), e.frozen);
	CHECK_EQ(st.frees, 1);
	passed++;
}

static void test_plain_add(void)
{
	rs_atomic_t v;
	struct rs_stats st = {0};

	/* No liveness check: the ceiling of a get, even on a dead page. */
	rs_set(&v, 0);
	CHECK(rs_try_get(RS_PLAIN_ADD, &v, 1, &st));
	CHECK_EQ(raw(&v), 1);
	rs_set(&v, 7);
	CHECK(rs_try_get(RS_PLAIN_ADD, &v, 1024, &st));
	CHECK_EQ(raw(&v), 1031);
	CHECK(!rs_put(RS_PLAIN_ADD, &v, 1024, &st));
	CHECK_EQ(raw(&v), 7);
	CHECK_EQ(st.get_ok, 2);
	check_counters(RS_PLAIN_ADD, &st);
	passed++;
}

/* ---- concurrency ---- */

/* Zeroed memory for the structs below, which want 128-byte alignment. */
static void *zalloc_lines(size_t size)
{
	size_t rounded = (size + 127) & ~(size_t)127;
	void *p = aligned_alloc(128, rounded);

	CHECK(p);
	memset(p, 0, rounded);
	return p;
}

struct shared_word {
	_Alignas(128) rs_atomic_t v;
	_Alignas(128) _Atomic int frozen_flag; /* set only inside a won freeze */
	_Atomic int holders;		       /* getters between get and put */
	_Atomic int stop;
	_Atomic long freezes; /* won so far: getters run until there are some */
	_Atomic long attempts;
	pthread_barrier_t bar;
	pthread_mutex_t lock;
	struct rs_stats sum;
	enum rs_scheme s;
	int nr;
	int base;
	long iters;
	long min_freezes;
};

static void stats_add(struct shared_word *w, const struct rs_stats *st)
{
	pthread_mutex_lock(&w->lock);
	stats_sum(&w->sum, st);
	pthread_mutex_unlock(&w->lock);
}

static void shared_init(struct shared_word *w, enum rs_scheme s, int parties)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	pthread_barrier_init(&w->bar, NULL, (unsigned int)parties);
	pthread_mutex_init(&w->lock, NULL);
}

static void shared_destroy(struct shared_word *w)
{
	pthread_barrier_destroy(&w->bar);
	pthread_mutex_destroy(&w->lock);
}

/*
 * Getters: try_get, and while holding, the freezer must not be inside a
 * won freeze. Sound: a freeze at base succeeds only when no getter holds
 * a reference, and the flag is set after that freeze and cleared before
 * the unfreeze, so a holder that sees it set overlapped a frozen window.
 */
static void *stress_getter(void *p)
{
	struct shared_word *w = p;
	struct rs_stats st = {0};
	long i;

	pthread_barrier_wait(&w->bar);
	/* Oversubscribed, the freezer may not run at all unless we wait for it. */
	for (i = 0; i < w->iters || atomic_load(&w->freezes) < w->min_freezes || st.get_ok < 100;
	     i++) {
		if (i >= w->iters)
			sched_yield(); /* overtime: let the freezer run */
		if (!rs_try_get(w->s, &w->v, w->nr, &st))
			continue;
		atomic_fetch_add(&w->holders, 1);
		CHECK(!atomic_load(&w->frozen_flag));
		CHECK(rs_count(w->s, &w->v) >= w->base + w->nr);
		atomic_fetch_sub(&w->holders, 1);
		CHECK(!rs_put(w->s, &w->v, w->nr, &st)); /* base is held: never the last */
	}
	atomic_fetch_add(&w->attempts, i);
	stats_add(w, &st);
	return NULL;
}

static void *stress_freezer(void *p)
{
	struct shared_word *w = p;
	struct rs_stats st = {0};
	/* More than all getters together can ever hold: unreachable. */
	const int impossible = w->base + w->nr * (int)nthreads + 7;

	pthread_barrier_wait(&w->bar);
	while (!atomic_load(&w->stop)) {
		CHECK(!rs_freeze(w->s, &w->v, impossible, &st));
		if (!rs_freeze(w->s, &w->v, w->base, &st))
			continue;
		atomic_store(&w->frozen_flag, 1);
		CHECK_EQ(atomic_load(&w->holders), 0);
		CHECK_EQ(rs_count(w->s, &w->v), 0);
		for (int k = 0; k < 50; k++)
			rs_cpu_relax(); /* let getters fail against the frozen word */
		CHECK(frozen_raw(w->s, raw(&w->v)));
		atomic_store(&w->frozen_flag, 0);
		rs_unfreeze(w->s, &w->v, w->base);
		atomic_fetch_add(&w->freezes, 1);
		/* Refreezing at once would starve the getters. */
		for (int k = 0; k < 200; k++)
			rs_cpu_relax();
	}
	stats_add(w, &st);
	return NULL;
}

static void test_stress_freeze(enum rs_scheme s, int nr)
{
	struct shared_word *w = zalloc_lines(sizeof(*w));
	pthread_t t[256];
	unsigned int ngetters = nthreads - 1;

	CHECK(w);
	shared_init(w, s, (int)nthreads);
	w->nr = nr;
	w->base = 1;
	w->iters = 100000 / nthreads;
	w->min_freezes = 200;
	rs_init(s, &w->v);
	for (unsigned int i = 0; i < ngetters; i++)
		CHECK(pthread_create(&t[i], NULL, stress_getter, w) == 0);
	CHECK(pthread_create(&t[ngetters], NULL, stress_freezer, w) == 0);
	for (unsigned int i = 0; i < ngetters; i++)
		pthread_join(t[i], NULL);
	atomic_store(&w->stop, 1);
	pthread_join(t[ngetters], NULL);
	/* Back to the baseline, junk and all erased by the last unfreeze. */
	CHECK_EQ(raw(&w->v), live(s, w->base));
	CHECK_EQ(w->sum.get_ok + w->sum.get_fail, (rs_u64)atomic_load(&w->attempts));
	CHECK_EQ(w->sum.freeze_won, (rs_u64)atomic_load(&w->freezes));
	CHECK_EQ(w->sum.frees, 0);
	CHECK(w->sum.freeze_won >= (rs_u64)w->min_freezes);
	CHECK(w->sum.get_ok > 0);
	check_counters(s, &w->sum);
	shared_destroy(w);
	free(w);
	passed++;
}

/* Plain get/put with no freezer (plain-add too): the word returns to base. */
static void test_stress_getput(enum rs_scheme s)
{
	struct shared_word *w = zalloc_lines(sizeof(*w));
	pthread_t t[256];

	CHECK(w);
	shared_init(w, s, (int)nthreads);
	w->nr = 3;
	w->base = 5;
	w->iters = 200000 / nthreads;
	rs_set_count(s, &w->v, w->base);
	for (unsigned int i = 0; i < nthreads; i++)
		CHECK(pthread_create(&t[i], NULL, stress_getter, w) == 0);
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(raw(&w->v), live(s, 5));
	CHECK_EQ(rs_count(s, &w->v), 5);
	CHECK_EQ(w->sum.get_ok, (rs_u64)nthreads * (rs_u64)w->iters);
	CHECK_EQ(w->sum.get_fail, 0);
	check_counters(s, &w->sum);
	shared_destroy(w);
	free(w);
	passed++;
}

/*
 * Exactly one free per life: each round, nthreads holders drop one
 * reference each, all at once, while speculative getters keep trying to
 * take (and then drop) references. Whoever frees, it is exactly one.
 */
#define FREE_ROUNDS 1000

struct free_round {
	struct shared_word w;
	_Atomic int holders_done;
	_Atomic int round_over;
	_Atomic long frees_this_round;
};

static void *free_holder(void *p)
{
	struct free_round *r = p;
	struct rs_stats st = {0};

	for (int round = 0; round < FREE_ROUNDS; round++) {
		pthread_barrier_wait(&r->w.bar); /* word set up */
		if (rs_put(r->w.s, &r->w.v, 1, &st))
			atomic_fetch_add(&r->frees_this_round, 1);
		atomic_fetch_add(&r->holders_done, 1);
		pthread_barrier_wait(&r->w.bar); /* round checked */
	}
	stats_add(&r->w, &st);
	return NULL;
}

static void *free_getter(void *p)
{
	struct free_round *r = p;
	struct rs_stats st = {0};

	for (int round = 0; round < FREE_ROUNDS; round++) {
		pthread_barrier_wait(&r->w.bar);
		while (!atomic_load(&r->round_over)) {
			if (!rs_try_get(r->w.s, &r->w.v, 1, &st))
				continue;
			/* We own a reference: the page cannot be freed under us. */
			CHECK(rs_count(r->w.s, &r->w.v) >= 1);
			if (rs_put(r->w.s, &r->w.v, 1, &st))
				atomic_fetch_add(&r->frees_this_round, 1);
		}
		pthread_barrier_wait(&r->w.bar);
	}
	stats_add(&r->w, &st);
	return NULL;
}

static void test_one_free(enum rs_scheme s)
{
	struct free_round *r = zalloc_lines(sizeof(*r));
	unsigned int nholders = nthreads > 2 ? nthreads / 2 : 1;
	unsigned int ngetters = nthreads - nholders;
	pthread_t t[256];

	CHECK(r);
	memset(r, 0, sizeof(*r));
	shared_init(&r->w, s, (int)(nthreads + 1));
	for (unsigned int i = 0; i < nholders; i++)
		CHECK(pthread_create(&t[i], NULL, free_holder, r) == 0);
	for (unsigned int i = 0; i < ngetters; i++)
		CHECK(pthread_create(&t[nholders + i], NULL, free_getter, r) == 0);
	for (int round = 0; round < FREE_ROUNDS; round++) {
		/* A live page, one reference per holder. */
		rs_set_count(s, &r->w.v, (int)nholders);
		atomic_store(&r->holders_done, 0);
		atomic_store(&r->round_over, 0);
		atomic_store(&r->frees_this_round, 0);
		pthread_barrier_wait(&r->w.bar);
		while (atomic_load(&r->holders_done) < (int)nholders)
			sched_yield();
		/*
		 * Every holder has put. Any getter still holding a revived
		 * page puts it before it looks at round_over again, so the
		 * page is free once the getters leave the loop.
		 */
		atomic_store(&r->round_over, 1);
		pthread_barrier_wait(&r->w.bar);
		CHECK_EQ(atomic_load(&r->frees_this_round), 1);
		CHECK_EQ(rs_count(s, &r->w.v), 0);
		/* Frozen, with at most the junk of racing failed getters. */
		CHECK(frozen_raw(s, raw(&r->w.v)));
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(r->w.sum.frees, FREE_ROUNDS);
	if (expect_of(s).cas_put)
		CHECK_EQ(r->w.sum.free_races, 0);
	check_counters(s, &r->w.sum);
	shared_destroy(&r->w);
	free(r);
	passed++;
}

/*
 * Revival: an owner takes a page through many lives (init to 1, put) while
 * getters hammer try_get/put on it. Under frozen-bit a getter can land in
 * the transient zero after the owner's final decrement, revive the page
 * and free it itself; the owner's cmpxchg 0 -> FROZEN must then fail.
 * Every free flips `alive` from 1 to 0, so a second free of one life is
 * caught at once; the owner starts the next life only when the last one
 * was freed and no getter is between try_get and put (so the v4 race,
 * which needs a reallocation while a putter is delayed, cannot happen
 * here: test_put_race forces it).
 */
#define REVIVE_LIVES  10000
#define REVIVE_MAX_NS 1000000000ull
#define REVIVE_WANTED 20

struct revive {
	_Alignas(128) rs_atomic_t v;
	_Alignas(128) _Atomic int alive;
	_Atomic long frees;
	_Atomic long revivals; /* last puts that lost the free to a reviver */
	_Alignas(128) _Atomic int holders;
	_Atomic int stop;
	enum rs_scheme s;
	pthread_mutex_t lock;
	struct rs_stats sum;
};

static void revive_free(struct revive *r)
{
	CHECK_EQ(atomic_exchange(&r->alive, 0), 1); /* nobody freed this life yet */
	atomic_fetch_add(&r->frees, 1);
}

static void revive_stats(struct revive *r, const struct rs_stats *st)
{
	pthread_mutex_lock(&r->lock);
	stats_sum(&r->sum, st);
	pthread_mutex_unlock(&r->lock);
}

static void *revive_getter(void *p)
{
	struct revive *r = p;
	struct rs_stats st = {0};
	unsigned long n = 0;
	rs_u64 races = 0;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		atomic_fetch_add(&r->holders, 1);
		if (rs_try_get(r->s, &r->v, 1, &st)) {
			CHECK_EQ(atomic_load(&r->alive), 1); /* never a reference to a freed page */
			if (rs_put(r->s, &r->v, 1, &st))
				revive_free(r);
			else if (st.free_races != races)
				atomic_fetch_add(&r->revivals, 1); /* rare: publish at once */
			races = st.free_races;
		}
		atomic_fetch_sub(&r->holders, 1);
		if ((++n & 1023) == 0)
			sched_yield(); /* oversubscribed: let the owner in */
	}
	revive_stats(r, &st);
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_revive(enum rs_scheme s)
{
	struct revive *r = zalloc_lines(sizeof(*r));
	unsigned int ngetters = nthreads - 1;
	struct rs_stats st = {0};
	pthread_t t[256];
	uint64_t t0 = now_ns();
	rs_u64 owner_races = 0;
	/* Schemes whose put can lose the free to a reviver: run until seen. */
	bool can_race = rs_schemes[s].counters & RS_C(free_races);
	long lives;

	CHECK(r);
	memset(r, 0, sizeof(*r));
	r->s = s;
	pthread_mutex_init(&r->lock, NULL);
	rs_set_frozen(s, &r->v);
	for (unsigned int i = 0; i < ngetters; i++)
		CHECK(pthread_create(&t[i], NULL, revive_getter, r) == 0);
	/* Bounded in time; past REVIVE_LIVES, go on only until the race was hit. */
	for (lives = 0; now_ns() - t0 < REVIVE_MAX_NS; lives++) {
		if (lives >= REVIVE_LIVES &&
		    (!can_race || atomic_load(&r->revivals) >= REVIVE_WANTED))
			break;
		/* The last life was freed and nobody still holds it. */
		for (unsigned long spins = 0;
		     atomic_load(&r->frees) != lives || atomic_load(&r->holders) != 0; spins++)
			if ((spins & 255) == 255)
				sched_yield();
		CHECK(frozen_raw(s, raw(&r->v)));
		CHECK_EQ(rs_count(s, &r->v), 0);
		atomic_store(&r->alive, 1);
		rs_init(s, &r->v);
		for (int k = 0; k < 100; k++)
			rs_cpu_relax(); /* let getters in: the last put is then often theirs */
		if (rs_put(s, &r->v, 1, &st))
			revive_free(r);
		else if (st.free_races != owner_races)
			atomic_fetch_add(&r->revivals, 1);
		owner_races = st.free_races;
	}
	while (atomic_load(&r->frees) != lives)
		sched_yield();
	atomic_store(&r->stop, 1);
	for (unsigned int i = 0; i < ngetters; i++)
		pthread_join(t[i], NULL);
	revive_stats(r, &st);
	CHECK_EQ(atomic_load(&r->frees), lives);
	CHECK_EQ(r->sum.frees, (rs_u64)lives);
	CHECK_EQ(atomic_load(&r->alive), 0);
	CHECK_EQ(rs_count(s, &r->v), 0);
	CHECK(lives > 100);
	check_counters(s, &r->sum);
	/* How often the race was hit says how much this run proved. */
	printf("revive %s: %ld lives, %llu getter refs, %llu last puts lost to a revival, %.2f s\n",
	       name_of(s), lives, (unsigned long long)r->sum.get_ok,
	       (unsigned long long)r->sum.free_races, (double)(now_ns() - t0) / 1e9);
	pthread_mutex_destroy(&r->lock);
	free(r);
	passed++;
}

/*
 * frozen-bit-cas-put never leaves a plain 0 on the word: an observer reads
 * it throughout many lives of init, get/put and final put and must never
 * see 0. (Under frozen-bit the same observer may see the transient zero:
 * reported, not asserted, since it depends on timing.)
 */
#define ZERO_LIVES 200000

struct zero_watch {
	_Alignas(128) rs_atomic_t v;
	_Alignas(128) _Atomic int stop;
	_Atomic long seen_zero;
	_Atomic long reads;
};

static void *zero_observer(void *p)
{
	struct zero_watch *z = p;

	while (!atomic_load_explicit(&z->stop, memory_order_relaxed)) {
		if (rs_read(&z->v) == 0)
			atomic_fetch_add(&z->seen_zero, 1);
		atomic_fetch_add_explicit(&z->reads, 1, memory_order_relaxed);
	}
	return NULL;
}

static long watch_zero(enum rs_scheme s, long *reads)
{
	struct zero_watch *z = zalloc_lines(sizeof(*z));
	struct rs_stats st = {0};
	pthread_t t;
	long seen;

	CHECK(z);
	rs_set_frozen(s, &z->v);
	CHECK(pthread_create(&t, NULL, zero_observer, z) == 0);
	while (atomic_load(&z->reads) == 0)
		sched_yield(); /* the observer is reading */
	for (long i = 0; i < ZERO_LIVES; i++) {
		rs_init(s, &z->v);
		CHECK(rs_try_get(s, &z->v, 2, &st));
		CHECK(!rs_put(s, &z->v, 2, &st));
		CHECK(rs_put(s, &z->v, 1, &st));
		if ((i & 4095) == 0)
			sched_yield(); /* on one PU, let the observer interleave */
	}
	atomic_store(&z->stop, 1);
	pthread_join(t, NULL);
	CHECK_EQ(st.frees, ZERO_LIVES);
	check_counters(s, &st);
	seen = atomic_load(&z->seen_zero);
	*reads = atomic_load(&z->reads);
	free(z);
	return seen;
}

static void test_cas_put_never_zero(void)
{
	long reads_cp, reads_fb;
	long cp = watch_zero(RS_FROZEN_BIT_CAS_PUT, &reads_cp);
	long fb = watch_zero(RS_FROZEN_BIT, &reads_fb);

	printf("transient zero seen: frozen-bit-cas-put %ld of %ld reads, frozen-bit %ld of %ld\n",
	       cp, reads_cp, fb, reads_fb);
	CHECK_EQ(cp, 0);
	CHECK(reads_cp > 1000);
	passed++;
}

/*
 * The junk reset: start each round with the junk just below the limit
 * and let several threads pile on failed GUP-sized gets. Without the reset
 * the junk would eventually carry out (frozen-bit: past bit 31 to a small
 * count; inverted-bit: into bit 31) and read as a live count.
 */
#define GUARD_ROUNDS 200
#define GUARD_GETS   200

static void *guard_hammer(void *p)
{
	struct shared_word *w = p;
	struct rs_stats st = {0};

	for (int round = 0; round < GUARD_ROUNDS; round++) {
		pthread_barrier_wait(&w->bar);
		for (int i = 0; i < GUARD_GETS; i++) {
			CHECK(!rs_try_get(w->s, &w->v, 1024, &st));
			CHECK_EQ(rs_count(w->s, &w->v), 0);
		}
		pthread_barrier_wait(&w->bar);
	}
	stats_add(w, &st);
	return NULL;
}

static void test_guard(enum rs_scheme s)
{
	struct shared_word *w = zalloc_lines(sizeof(*w));
	struct expect e = expect_of(s);
	pthread_t t[256];

	CHECK(w);
	shared_init(w, s, (int)(nthreads + 1));
	for (unsigned int i = 0; i < nthreads; i++)
		CHECK(pthread_create(&t[i], NULL, guard_hammer, w) == 0);
	for (int round = 0; round < GUARD_ROUNDS; round++) {
		/* k < 1024: the first add crosses; larger k: only piled-up adds do. */
		unsigned int k = 500 + (unsigned int)(round % 4) * 1024;

		rs_set(&w->v, (int)(e.limit - k));
		pthread_barrier_wait(&w->bar);
		pthread_barrier_wait(&w->bar);
		/* Frozen, junk below the limit again. */
		CHECK(frozen_raw(s, raw(&w->v)));
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(w->sum.get_ok, 0);
	CHECK_EQ(w->sum.get_fail, (rs_u64)nthreads * GUARD_ROUNDS * GUARD_GETS);
	/* The undo usually puts the word back itself; the others must reset. */
	if (e.f != F_FROZEN_UNDO)
		CHECK(w->sum.guard_resets > 0);
	check_counters(s, &w->sum);
	printf("guard %s: %llu resets, %llu junk left, %llu cas retries\n", name_of(s),
	       (unsigned long long)w->sum.guard_resets, (unsigned long long)w->sum.junk_left,
	       (unsigned long long)w->sum.cas_retries);
	shared_destroy(w);
	free(w);
	passed++;
}

int main(void)
{
	long np = sysconf(_SC_NPROCESSORS_ONLN);

	nthreads = np > 4 ? (unsigned int)np : 4;
	if (nthreads > 64)
		nthreads = 64;

	test_table();
	for (int i = 0; i < RS_NR_SCHEMES; i++) {
		enum rs_scheme s = (enum rs_scheme)i;
		struct expect e = expect_of(s);

		test_get_put(s);
		test_set_frozen(s);
		if (e.f == F_PLAIN)
			continue;
		test_freeze(s);
		if (e.f == F_FROZEN_KEEP)
			test_frozen_bit_junk(s);
		if ((e.f == F_FROZEN_KEEP || e.f == F_FROZEN_UNDO || e.f == F_INVERTED) &&
		    !e.cas_put)
			test_revive_transient(s);
	}
	test_assume_one_guess();
	test_frozen_bit_undo();
	test_cas_put();
	test_inverted_bit();
	test_plain_zero_hazard();
	test_plain_add();

	for (int i = 0; i < RS_NR_SCHEMES; i++) {
		enum rs_scheme s = (enum rs_scheme)i;
		struct expect e = expect_of(s);

		test_stress_getput(s);
		if (e.f == F_PLAIN)
			continue;
		test_stress_freeze(s, 1);
		test_stress_freeze(s, 1024);
		test_one_free(s);
		test_revive(s);
		if (e.limit)
			test_guard(s);
	}
	test_cas_put_never_zero();

	printf("%u passed, 0 failed (%u threads)\n", passed, nthreads);
	return 0;
}
