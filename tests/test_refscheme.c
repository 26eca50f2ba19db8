// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The refcount schemes of refscheme.h: state transitions one step at a
 * time, then the protocol's invariants under real concurrency (threads =
 * max(4, nproc), bounded loops): no get while frozen, freeze only at the
 * exact count, exactly one free per life, the word back at its baseline,
 * junk never wrapping into a live count.
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
			fprintf(stderr, "%s:%d: check failed: %s == %s (%lld vs %lld)\n",          \
				__FILE__, __LINE__, #a, #b, a_, b_);                               \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static unsigned int passed;
static unsigned int nthreads;

/* The three schemes with a liveness check; plain-add is tested apart. */
static const enum rs_scheme checked[] = {RS_CAS_LOOP, RS_ASSUME_ONE, RS_FROZEN_BIT};
#define NR_CHECKED (sizeof(checked) / sizeof(checked[0]))

static unsigned int raw(rs_atomic_t *v)
{
	return (unsigned int)rs_read(v);
}

/* ---- single-threaded state transitions ---- */

static void test_get_put(enum rs_scheme s)
{
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_init(s, &v);
	CHECK_EQ(rs_count(s, &v), 1);
	CHECK(rs_try_get(s, &v, 1, &st));
	CHECK_EQ(rs_count(s, &v), 2);
	CHECK(!rs_put(s, &v, 1, &st));
	CHECK_EQ(rs_count(s, &v), 1);
	/* A GUP-style pin: 1024 references at once. */
	CHECK(rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(rs_count(s, &v), 1025);
	CHECK(!rs_put(s, &v, 1024, &st));
	CHECK_EQ(rs_count(s, &v), 1);
	CHECK_EQ(st.get_ok, 2);
	CHECK_EQ(st.frees, 0);
	/* The last put frees, and the page then reads as frozen/dead. */
	CHECK(rs_put(s, &v, 1, &st));
	CHECK_EQ(st.frees, 1);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK_EQ(raw(&v), s == RS_FROZEN_BIT ? (unsigned int)RS_FROZEN : 0u);
	/* A freed page refuses gets and stays freed. */
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK_EQ(st.get_fail, 1);
	CHECK_EQ(raw(&v), s == RS_FROZEN_BIT ? (unsigned int)RS_FROZEN : 0u);
	passed++;
}

static void test_freeze(enum rs_scheme s)
{
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_init(s, &v);
	CHECK(rs_try_get(s, &v, 2, &st)); /* count 3 */
	/* Freeze at any count but the exact one fails and changes nothing. */
	CHECK(!rs_freeze(s, &v, 2, &st));
	CHECK(!rs_freeze(s, &v, 4, &st));
	CHECK(!rs_freeze(s, &v, 0, &st));
	CHECK_EQ(st.freeze_lost, 3);
	CHECK_EQ(raw(&v), 3);
	CHECK(rs_freeze(s, &v, 3, &st));
	CHECK_EQ(st.freeze_won, 1);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK_EQ(raw(&v), s == RS_FROZEN_BIT ? (unsigned int)RS_FROZEN : 0u);
	/* Frozen: gets fail, a second freeze fails. */
	CHECK(!rs_try_get(s, &v, 1, &st));
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK(!rs_freeze(s, &v, 3, &st));
	CHECK_EQ(rs_count(s, &v), 0);
	if (s == RS_FROZEN_BIT)
		CHECK_EQ(raw(&v), (unsigned int)RS_FROZEN); /* undo removed the junk */
	rs_unfreeze(s, &v, 3);
	CHECK_EQ(rs_count(s, &v), 3);
	CHECK(rs_try_get(s, &v, 1, &st));
	CHECK_EQ(rs_count(s, &v), 4);
	passed++;
}

static void test_set_frozen(enum rs_scheme s)
{
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_set_frozen(s, &v);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK(!rs_try_get(s, &v, 1, &st));
	/* The allocator hands it out with one reference. */
	rs_init(s, &v);
	CHECK_EQ(rs_count(s, &v), 1);
	CHECK(rs_try_get(s, &v, 1, &st));
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
	passed++;
}

static void test_frozen_bit_junk(void)
{
	rs_atomic_t v;
	struct rs_stats st = {0};
	const enum rs_scheme s = RS_FROZEN_BIT;

	/* Junk left by racing getters: still frozen, count 0, gets fail. */
	rs_set(&v, RS_FROZEN + 5);
	CHECK_EQ(rs_count(s, &v), 0);
	CHECK(!rs_try_get(s, &v, 1, &st));
	/* Our undo expects FROZEN + 6 and finds it: the word is back to FROZEN. */
	CHECK_EQ(raw(&v), (unsigned int)RS_FROZEN);
	CHECK_EQ(st.junk_left, 0);
	/* Unfreeze erases junk: a plain store of the count. */
	rs_set(&v, RS_FROZEN + 77);
	rs_unfreeze(s, &v, 2);
	CHECK_EQ(raw(&v), 2);
	/* Past the guard the getter waits the junk out, then restores FROZEN. */
	rs_set(&v, (int)((unsigned int)RS_FROZEN + RS_JUNK_GUARD - 100));
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(st.guard_waits, 1);
	CHECK_EQ(raw(&v), (unsigned int)RS_FROZEN);
	/* Just under the guard: the ordinary undo. */
	rs_set(&v, (int)((unsigned int)RS_FROZEN + RS_JUNK_GUARD - 2048));
	CHECK(!rs_try_get(s, &v, 1024, &st));
	CHECK_EQ(st.guard_waits, 1);
	CHECK_EQ(raw(&v), (unsigned int)RS_FROZEN);
	passed++;
}

/*
 * The hazard the series guards against: a freed page set back to plain 0
 * (rs_set(v, 0), what set_page_count(p, 0) did, instead of rs_set_frozen)
 * reads as a transient zero, so a blind add "succeeds" on a free page.
 * The frozen-bit scheme is only safe because nothing does that: this
 * asserts the failure the invariant prevents really exists, and that
 * today's scheme does not have it.
 */
static void test_plain_zero_hazard(void)
{
	rs_atomic_t v;
	struct rs_stats st = {0};

	rs_set(&v, 0);
	CHECK(rs_try_get(RS_FROZEN_BIT, &v, 1, &st)); /* the hazard exists */
	CHECK_EQ(raw(&v), 1);
	/* ... and that getter's put then frees the free page a second time. */
	CHECK(rs_put(RS_FROZEN_BIT, &v, 1, &st));
	CHECK_EQ(st.frees, 1);

	rs_set(&v, 0);
	CHECK(!rs_try_get(RS_CAS_LOOP, &v, 1, &st));
	CHECK(!rs_try_get(RS_ASSUME_ONE, &v, 1, &st));
	CHECK_EQ(raw(&v), 0);
	passed++;
}

/* Transient zero: a getter that revives the page owns it and frees it. */
static void test_frozen_bit_revive(void)
{
	rs_atomic_t v;
	struct rs_stats st = {0};
	int zero = 0;

	rs_set(&v, 0); /* the last put's decrement just reached 0 */
	CHECK(rs_try_get(RS_FROZEN_BIT, &v, 1, &st));
	/* The putter's cmpxchg 0 -> FROZEN now fails: it must not free. */
	CHECK(!rs_try_cmpxchg(&v, &zero, RS_FROZEN));
	CHECK_EQ(zero, 1);
	CHECK(rs_put(RS_FROZEN_BIT, &v, 1, &st));
	CHECK_EQ(raw(&v), (unsigned int)RS_FROZEN);
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
	passed++;
}

/* ---- concurrency ---- */

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
	w->sum.get_ok += st->get_ok;
	w->sum.get_fail += st->get_fail;
	w->sum.cas_retries += st->cas_retries;
	w->sum.junk_left += st->junk_left;
	w->sum.guard_waits += st->guard_waits;
	w->sum.frees += st->frees;
	w->sum.free_races += st->free_races;
	w->sum.freeze_won += st->freeze_won;
	w->sum.freeze_lost += st->freeze_lost;
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
		CHECK(rs_is_frozen(rs_read(&w->v)) || w->s != RS_FROZEN_BIT);
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
	struct shared_word *w = malloc(sizeof(*w));
	pthread_t t[256];
	unsigned int ngetters = nthreads - 1;

	CHECK(w);
	shared_init(w, s, (int)nthreads);
	w->nr = nr;
	w->base = 1;
	w->iters = 200000 / nthreads;
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
	CHECK_EQ(raw(&w->v), (unsigned int)w->base);
	CHECK_EQ(w->sum.get_ok + w->sum.get_fail, (rs_u64)atomic_load(&w->attempts));
	CHECK_EQ(w->sum.freeze_won, (rs_u64)atomic_load(&w->freezes));
	CHECK_EQ(w->sum.frees, 0);
	CHECK(w->sum.freeze_won >= (rs_u64)w->min_freezes);
	CHECK(w->sum.get_ok > 0);
	shared_destroy(w);
	free(w);
	passed++;
}

/* Plain get/put with no freezer (plain-add too): the word returns to base. */
static void test_stress_getput(enum rs_scheme s)
{
	struct shared_word *w = malloc(sizeof(*w));
	pthread_t t[256];

	CHECK(w);
	shared_init(w, s, (int)nthreads);
	w->nr = 3;
	w->base = 5;
	w->iters = 400000 / nthreads;
	rs_set(&w->v, w->base);
	for (unsigned int i = 0; i < nthreads; i++)
		CHECK(pthread_create(&t[i], NULL, stress_getter, w) == 0);
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(raw(&w->v), 5);
	CHECK_EQ(w->sum.get_ok, (rs_u64)nthreads * (rs_u64)w->iters);
	shared_destroy(w);
	free(w);
	passed++;
}

/*
 * Exactly one free per life: each round, nthreads holders drop one
 * reference each, all at once, while speculative getters keep trying to
 * take (and then drop) references. Whoever frees, it is exactly one.
 */
#define FREE_ROUNDS 1500

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
	struct free_round *r = malloc(sizeof(*r));
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
		rs_set(&r->w.v, (int)nholders);
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
		if (s == RS_FROZEN_BIT) {
			/* Frozen, with at most the junk of racing failed getters. */
			unsigned int val = raw(&r->w.v);

			CHECK(rs_is_frozen((int)val));
			CHECK(val - (unsigned int)RS_FROZEN < RS_JUNK_GUARD);
		} else {
			CHECK_EQ(raw(&r->w.v), 0);
		}
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(r->w.sum.frees, FREE_ROUNDS);
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
 * was freed and no getter is between try_get and put.
 */
#define REVIVE_LIVES  20000
#define REVIVE_MAX_NS 4000000000ull
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
	r->sum.get_ok += st->get_ok;
	r->sum.free_races += st->free_races;
	r->sum.frees += st->frees;
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
	struct revive *r = malloc(sizeof(*r));
	unsigned int ngetters = nthreads - 1;
	struct rs_stats st = {0};
	pthread_t t[256];
	uint64_t t0 = now_ns();
	rs_u64 owner_races = 0;
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
		    (s != RS_FROZEN_BIT || atomic_load(&r->revivals) >= REVIVE_WANTED))
			break;
		/* The last life was freed and nobody still holds it. */
		for (unsigned long spins = 0;
		     atomic_load(&r->frees) != lives || atomic_load(&r->holders) != 0; spins++)
			if ((spins & 255) == 255)
				sched_yield();
		CHECK(rs_is_frozen(rs_read(&r->v)) || s != RS_FROZEN_BIT);
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
	/* How often the race was hit says how much this run proved. */
	printf("revive %s: %ld lives, %llu getter refs, %llu last puts lost to a revival\n",
	       rs_scheme_names[s], lives, (unsigned long long)r->sum.get_ok,
	       (unsigned long long)r->sum.free_races);
	pthread_mutex_destroy(&r->lock);
	free(r);
	passed++;
}

/*
 * The guard: start each round with the junk just below 2^30 and let
 * several threads pile on failed GUP-sized gets. Without the guard the
 * junk would eventually carry out of bit 31 and read as a live count.
 */
#define GUARD_ROUNDS 300
#define GUARD_GETS   200

static void *guard_hammer(void *p)
{
	struct shared_word *w = p;
	struct rs_stats st = {0};

	for (int round = 0; round < GUARD_ROUNDS; round++) {
		pthread_barrier_wait(&w->bar);
		for (int i = 0; i < GUARD_GETS; i++) {
			CHECK(!rs_try_get(RS_FROZEN_BIT, &w->v, 1024, &st));
			CHECK(rs_is_frozen(rs_read(&w->v)));
		}
		pthread_barrier_wait(&w->bar);
	}
	stats_add(w, &st);
	return NULL;
}

static void test_guard(void)
{
	struct shared_word *w = malloc(sizeof(*w));
	pthread_t t[256];

	CHECK(w);
	shared_init(w, RS_FROZEN_BIT, (int)(nthreads + 1));
	for (unsigned int i = 0; i < nthreads; i++)
		CHECK(pthread_create(&t[i], NULL, guard_hammer, w) == 0);
	for (int round = 0; round < GUARD_ROUNDS; round++) {
		/* k < 1024: the first add crosses; larger k: only piled-up adds do. */
		unsigned int k = 500 + (unsigned int)(round % 4) * 1024;

		rs_set(&w->v, (int)((unsigned int)RS_FROZEN + RS_JUNK_GUARD - k));
		pthread_barrier_wait(&w->bar);
		pthread_barrier_wait(&w->bar);
		/* Frozen, junk below the guard again. */
		CHECK(rs_is_frozen(rs_read(&w->v)));
		CHECK(raw(&w->v) - (unsigned int)RS_FROZEN < RS_JUNK_GUARD);
	}
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(w->sum.get_ok, 0);
	CHECK_EQ(w->sum.get_fail, (rs_u64)nthreads * GUARD_ROUNDS * GUARD_GETS);
	CHECK(w->sum.guard_waits > 0);
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

	for (unsigned int i = 0; i < NR_CHECKED; i++) {
		test_get_put(checked[i]);
		test_freeze(checked[i]);
		test_set_frozen(checked[i]);
	}
	test_assume_one_guess();
	test_frozen_bit_junk();
	test_plain_zero_hazard();
	test_frozen_bit_revive();
	test_plain_add();

	for (unsigned int i = 0; i < NR_CHECKED; i++) {
		test_stress_freeze(checked[i], 1);
		test_stress_freeze(checked[i], 1024);
		test_one_free(checked[i]);
		test_revive(checked[i]);
	}
	for (int s = 0; s < RS_NR_SCHEMES; s++)
		test_stress_getput((enum rs_scheme)s);
	test_guard();

	printf("%u passed, 0 failed (%u threads)\n", passed, nthreads);
	return 0;
}
