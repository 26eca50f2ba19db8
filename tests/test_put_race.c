// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The put-path race reported on v4 (docs/background.md, "The put-path race reported on v4"), forced
 * deterministically on the schemes of refscheme.h with real threads:
 *
 *   T1 holds the only reference of life 1 and puts it; it is stopped inside
 *      the real rs_<scheme>_put(), between two of its atomic steps (for
 *      frozen-bit: after its decrement reached 0, before its cmpxchg
 *      0 -> FROZEN).
 *   T2 try_gets the page (reviving it, where the scheme lets it), puts it
 *      and, if its put frees, the page goes back to the allocator.
 *   The allocator (the main thread) hands the freed page out again: init,
 *      and the ghost life counter goes to 2; T3 holds that reference.
 *   T3 puts it, and is stopped at the same point of its put.
 *   T1 resumes, then T3.
 *
 * A free is stale when the thread whose put returned "free" held no
 * reference in the life it freed (its reference belonged to an earlier
 * one). Expected: the stale free happens with frozen-bit, frozen-bit-undo
 * and inverted-bit (the same two-step put), and with plain-add (no
 * liveness check at all); it cannot happen with cas-loop, assume-one and
 * frozen-bit-cas-put, where T2 can never revive a page whose count has
 * dropped to 0/FROZEN, so no free happens while T1 is inside its put, and
 * every life is freed exactly once, by a holder of that life.
 *
 * The pause is a hook in this file's own shim: the same memory semantics
 * as refscheme-user.h, plus a per-thread hook that can stop the calling
 * thread before or after any of its atomic accesses. Every such point of
 * T1's put is tried in turn, so the test does not rely on knowing where
 * the window of a scheme is.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the shim: refscheme-user.h's semantics, plus the pause hook ---- */

typedef struct {
	_Atomic int counter;
} rs_atomic_t;
typedef uint64_t rs_u64;

enum gate_state { G_RUNNING, G_PAUSED, G_RESUMED, G_DONE };

/* A handshake between the driver and one actor thread. */
struct gate {
	pthread_mutex_t m;
	pthread_cond_t c;
	enum gate_state state;
};

#define MAX_OPS 16

struct hook {
	int pause_at; /* 2k: before atomic access k; 2k + 1: after it; -1: never */
	int ops;      /* accesses done so far */
	const char *op[MAX_OPS];
	struct gate *gate;
};

static _Thread_local struct hook *rs_hook;

static void gate_set(struct gate *g, enum gate_state s)
{
	pthread_mutex_lock(&g->m);
	g->state = s;
	pthread_cond_broadcast(&g->c);
	pthread_mutex_unlock(&g->m);
}

/* Driver side: wait until the actor is paused or done; returns which. */
static enum gate_state gate_wait_stopped(struct gate *g)
{
	enum gate_state s;

	pthread_mutex_lock(&g->m);
	while (g->state != G_PAUSED && g->state != G_DONE)
		pthread_cond_wait(&g->c, &g->m);
	s = g->state;
	pthread_mutex_unlock(&g->m);
	return s;
}

/* Actor side: announce the pause, block until resumed. */
static void gate_pause(struct gate *g)
{
	pthread_mutex_lock(&g->m);
	g->state = G_PAUSED;
	pthread_cond_broadcast(&g->c);
	while (g->state != G_RESUMED)
		pthread_cond_wait(&g->c, &g->m);
	g->state = G_RUNNING;
	pthread_mutex_unlock(&g->m);
}

static void hook_before(const char *op)
{
	struct hook *h = rs_hook;

	if (!h)
		return;
	if (h->ops < MAX_OPS)
		h->op[h->ops] = op;
	if (h->pause_at == 2 * h->ops)
		gate_pause(h->gate);
}

static void hook_after(void)
{
	struct hook *h = rs_hook;

	if (!h)
		return;
	if (h->pause_at == 2 * h->ops + 1)
		gate_pause(h->gate);
	h->ops++;
}

static inline int rs_read(rs_atomic_t *v)
{
	int r;

	hook_before("read");
	r = atomic_load_explicit(&v->counter, memory_order_relaxed);
	hook_after();
	return r;
}

static inline void rs_set(rs_atomic_t *v, int i)
{
	hook_before("set");
	atomic_store_explicit(&v->counter, i, memory_order_relaxed);
	hook_after();
}

static inline void rs_set_release(rs_atomic_t *v, int i)
{
	hook_before("set_release");
	atomic_store_explicit(&v->counter, i, memory_order_release);
	hook_after();
}

static inline void rs_add(rs_atomic_t *v, int i)
{
	hook_before("add");
	atomic_fetch_add_explicit(&v->counter, i, memory_order_relaxed);
	hook_after();
}

static inline int rs_add_return(rs_atomic_t *v, int i)
{
	int r;

	hook_before("add_return");
	r = (int)((unsigned int)atomic_fetch_add(&v->counter, i) + (unsigned int)i);
	hook_after();
	return r;
}

static inline int rs_sub_return(rs_atomic_t *v, int i)
{
	int r;

	hook_before("sub_return");
	r = (int)((unsigned int)atomic_fetch_sub(&v->counter, i) - (unsigned int)i);
	hook_after();
	return r;
}

static inline bool rs_sub_and_test(rs_atomic_t *v, int i)
{
	bool r;

	hook_before("sub_and_test");
	r = atomic_fetch_sub(&v->counter, i) == i;
	hook_after();
	return r;
}

static inline bool rs_try_cmpxchg(rs_atomic_t *v, int *old, int new)
{
	bool r;

	hook_before("cmpxchg");
	r = atomic_compare_exchange_strong(&v->counter, old, new);
	hook_after();
	return r;
}

static inline bool rs_try_cmpxchg_relaxed(rs_atomic_t *v, int *old, int new)
{
	bool r;

	hook_before("cmpxchg_relaxed");
	r = atomic_compare_exchange_strong_explicit(&v->counter, old, new, memory_order_relaxed,
						    memory_order_relaxed);
	hook_after();
	return r;
}

static inline __attribute__((unused)) void rs_cpu_relax(void)
{
	__asm__ __volatile__("" ::: "memory");
}

#include "folio-lab/refscheme.h"

/* ---- the scenario ---- */

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		exit(1);                                                                           \
	} while (0)
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			FAIL("check failed: %s", #cond);                                           \
	} while (0)

#define MAX_FREES 8
#define MAX_LIVES 4

struct free_event {
	const char *who;
	int ref_life;  /* the life the freeing thread held its reference in */
	int page_life; /* the page's life when the free was decided */
};

struct scenario {
	enum rs_scheme s;
	rs_atomic_t v;
	_Atomic int life; /* ghost: bumped by the allocator at each init */
	pthread_mutex_t lock;
	struct free_event ev[MAX_FREES];
	int nev;
};

struct actor {
	const char *name;
	struct scenario *sc;
	int ref_life;
	int pause_at;
	bool freed;
	struct hook h;
	struct gate g;
	pthread_t t;
	struct rs_stats st;
};

static void record_free(struct scenario *sc, const char *who, int ref_life)
{
	pthread_mutex_lock(&sc->lock);
	CHECK(sc->nev < MAX_FREES);
	sc->ev[sc->nev++] = (struct free_event){who, ref_life, atomic_load(&sc->life)};
	pthread_mutex_unlock(&sc->lock);
}

/* T1 and T3: put the one reference they hold, stopping at pause_at. */
static void *putter(void *p)
{
	struct actor *a = p;

	a->h = (struct hook){.pause_at = a->pause_at, .gate = &a->g};
	rs_hook = &a->h;
	a->freed = rs_put(a->sc->s, &a->sc->v, 1, &a->st);
	rs_hook = NULL;
	if (a->freed)
		record_free(a->sc, a->name, a->ref_life);
	gate_set(&a->g, G_DONE);
	return NULL;
}

/* T2: a speculative getter (page cache lookup, GUP-fast), then its put. */
struct getter {
	struct scenario *sc;
	unsigned int raw_seen; /* the word as T2 found it */
	bool got, freed;
	int ref_life;
	struct rs_stats st;
};

static void *getter(void *p)
{
	struct getter *g = p;
	struct scenario *sc = g->sc;

	g->raw_seen = (unsigned int)atomic_load(&sc->v.counter);
	g->got = rs_try_get(sc->s, &sc->v, 1, &g->st);
	if (!g->got)
		return NULL;
	g->ref_life = atomic_load(&sc->life);
	g->freed = rs_put(sc->s, &sc->v, 1, &g->st);
	if (g->freed)
		record_free(sc, "T2", g->ref_life);
	return NULL;
}

static void actor_start(struct actor *a, struct scenario *sc, const char *name, int ref_life,
			int pause_at)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->sc = sc;
	a->ref_life = ref_life;
	a->pause_at = pause_at;
	pthread_mutex_init(&a->g.m, NULL);
	pthread_cond_init(&a->g.c, NULL);
	a->g.state = G_RUNNING;
	CHECK(pthread_create(&a->t, NULL, putter, a) == 0);
}

static void actor_finish(struct actor *a)
{
	if (gate_wait_stopped(&a->g) == G_PAUSED)
		gate_set(&a->g, G_RESUMED);
	pthread_mutex_lock(&a->g.m);
	while (a->g.state != G_DONE)
		pthread_cond_wait(&a->g.c, &a->g.m);
	pthread_mutex_unlock(&a->g.m);
	CHECK(pthread_join(a->t, NULL) == 0);
	pthread_mutex_destroy(&a->g.m);
	pthread_cond_destroy(&a->g.c);
}

enum t2_result { T2_REFUSED, T2_SHARED, T2_REVIVED, T2_NR };
static const char *const t2_words[T2_NR] = {"refused", "shared a live count", "revived and freed"};

struct outcome {
	char where[64]; /* T1's pause point, in words */
	bool paused;	/* T1 reached the point */
	enum t2_result t2;
	unsigned int raw_seen;
	bool reallocated;
	bool t1_freed, t3_freed;
	int stale;   /* frees by a thread holding no reference in that life */
	int doubles; /* lives freed more than once */
	int leaks;   /* lives never freed */
	int lives;
};

static void stats_add(struct rs_stats *sum, const struct rs_stats *st)
{
#define ADD(field, name, help) sum->field += st->field;
	RS_STATS(ADD)
#undef ADD
}

static void run_point(enum rs_scheme s, int point, struct outcome *o, struct rs_stats *sum)
{
	struct scenario *sc = calloc(1, sizeof(*sc));
	struct actor t1, t3;
	struct getter t2 = {0};
	pthread_t t2t;
	int frees_of[MAX_LIVES + 1] = {0};

	CHECK(sc);
	memset(o, 0, sizeof(*o));
	sc->s = s;
	pthread_mutex_init(&sc->lock, NULL);
	/* Life 1: the allocator hands the page to T1 with one reference. */
	rs_init(s, &sc->v);
	atomic_store(&sc->life, 1);

	actor_start(&t1, sc, "T1", 1, point);
	o->paused = gate_wait_stopped(&t1.g) == G_PAUSED;
	if (o->paused) {
		const char *op = t1.h.op[point / 2];

		snprintf(o->where, sizeof(o->where), "%s %s", point % 2 ? "after" : "before",
			 op ? op : "?");
	} else {
		snprintf(o->where, sizeof(o->where), "(put done before point %d)", point);
	}

	/* T2, while T1 is stopped inside its put. */
	t2.sc = sc;
	CHECK(pthread_create(&t2t, NULL, getter, &t2) == 0);
	CHECK(pthread_join(t2t, NULL) == 0);
	o->raw_seen = t2.raw_seen;
	o->t2 = !t2.got ? T2_REFUSED : t2.freed ? T2_REVIVED : T2_SHARED;

	/* The page came back to the allocator: life 2, for T3. */
	if (t2.freed) {
		o->reallocated = true;
		rs_init(s, &sc->v);
		atomic_fetch_add(&sc->life, 1);
		actor_start(&t3, sc, "T3", atomic_load(&sc->life), point);
		(void)gate_wait_stopped(&t3.g);
	}
	/* T1 resumes and finishes its put; then T3. */
	actor_finish(&t1);
	if (o->reallocated)
		actor_finish(&t3);

	o->t1_freed = t1.freed;
	o->t3_freed = o->reallocated && t3.freed;
	o->lives = atomic_load(&sc->life);
	for (int i = 0; i < sc->nev; i++) {
		struct free_event *e = &sc->ev[i];

		CHECK(e->page_life >= 1 && e->page_life <= MAX_LIVES);
		frees_of[e->page_life]++;
		if (e->ref_life != e->page_life)
			o->stale++;
	}
	for (int l = 1; l <= o->lives; l++) {
		o->doubles += frees_of[l] > 1;
		o->leaks += frees_of[l] == 0;
	}
	/* The page ends free: no reference is left. */
	CHECK(rs_count(s, &sc->v) == 0);
	stats_add(sum, &t1.st);
	stats_add(sum, &t2.st);
	if (o->reallocated)
		stats_add(sum, &t3.st);
	pthread_mutex_destroy(&sc->lock);
	free(sc);
}

/* How many atomic accesses T1's put makes on an undisturbed word. */
static int put_accesses(enum rs_scheme s)
{
	struct hook h = {.pause_at = -1};
	struct rs_stats st = {0};
	rs_atomic_t v;

	rs_init(s, &v);
	rs_hook = &h;
	CHECK(rs_put(s, &v, 1, &st));
	rs_hook = NULL;
	CHECK(h.ops >= 1 && h.ops <= MAX_OPS);
	return h.ops;
}

struct expectation {
	bool stale;   /* the stale free is reproduced */
	bool doubles; /* some life is freed twice (no liveness check at all) */
};

static struct expectation expected(enum rs_scheme s)
{
	switch (s) {
	case RS_FROZEN_BIT:
	case RS_FROZEN_BIT_UNDO:
	case RS_INVERTED_BIT:
		return (struct expectation){true, false};
	case RS_PLAIN_ADD:
		return (struct expectation){true, true};
	case RS_CAS_LOOP:
	case RS_ASSUME_ONE:
	case RS_FROZEN_BIT_CAS_PUT:
		return (struct expectation){false, false};
	default:
		FAIL("scheme %d has no expectation in test_put_race.c", s);
	}
}

#define REPEATS 5

int main(void)
{
	int failures = 0;

	for (int i = 0; i < RS_NR_SCHEMES; i++) {
		enum rs_scheme s = (enum rs_scheme)i;
		struct expectation want = expected(s);
		int n = put_accesses(s), npoints = 2 * n;
		int stale_points = 0, double_points = 0, leak_points = 0, t2count[T2_NR] = {0};
		struct rs_stats sum = {0};
		char first[64] = "";
		struct outcome race = {0};
		bool ok;

		for (int p = 0; p < npoints; p++) {
			struct outcome o, again;

			run_point(s, p, &o, &sum);
			/* Forced, so the same every time. */
			for (int r = 1; r < REPEATS; r++) {
				run_point(s, p, &again, &sum);
				if (again.stale != o.stale || again.t2 != o.t2 ||
				    again.t1_freed != o.t1_freed || again.raw_seen != o.raw_seen)
					FAIL("%s point %d: outcome changed between repeats",
					     rs_schemes[s].name, p);
			}
			CHECK(o.paused);
			t2count[o.t2]++;
			stale_points += o.stale > 0;
			double_points += o.doubles > 0;
			leak_points += o.leaks > 0;
			if (o.stale && !first[0]) {
				snprintf(first, sizeof(first), "%s", o.where);
				race = o;
			}
			printf("  %-18s T1 %-22s T2 found 0x%08x, %-19s%s T1 %s%s%s%s\n",
			       rs_schemes[s].name, o.where, o.raw_seen, t2_words[o.t2],
			       o.reallocated ? "; realloc, T3 stopped too;" : ";",
			       o.t1_freed ? "frees" : "does not free",
			       o.reallocated ? (o.t3_freed ? ", T3 frees" : ", T3 does not free")
					     : "",
			       o.stale ? " -> STALE FREE" : "", o.doubles ? ", DOUBLE FREE" : "");
		}
		/*
		 * Every life must be freed, and where the scheme is sound, exactly
		 * once and by a holder of it.
		 */
		ok = (stale_points > 0) == want.stale && (double_points > 0) == want.doubles &&
		     leak_points == 0;
		if (!want.stale)
			ok = ok && t2count[T2_REVIVED] == 0 && sum.free_races == 0;
		if (want.stale && !want.doubles)
			ok = ok && sum.free_races > 0 && race.reallocated && race.t1_freed &&
			     !race.t3_freed;
		if (stale_points)
			printf(
			    "put_race %s: STALE FREE with T1 stopped %s: T2 found %#x and revived "
			    "the page, freed life 1, the allocator gave it to T3 (life 2), T3 "
			    "dropped it, then T1 won the free of life 2 holding a life-1 "
			    "reference%s [expected: %s] %s\n",
			    rs_schemes[s].name, first, race.raw_seen,
			    double_points ? "; and some life was freed twice" : "",
			    want.stale ? "stale free" : "none", ok ? "ok" : "UNEXPECTED");
		else
			printf(
			    "put_race %s: no stale free at any of %d pause points in T1's put: "
			    "T2 refused %d, shared a live count %d, revived %d; every life freed "
			    "once, by a holder of it [expected: %s] %s\n",
			    rs_schemes[s].name, npoints, t2count[T2_REFUSED], t2count[T2_SHARED],
			    t2count[T2_REVIVED], want.stale ? "stale free" : "none",
			    ok ? "ok" : "UNEXPECTED");
		failures += !ok;
	}
	if (failures) {
		printf("%d scheme(s) deviate from the expectation\n", failures);
		return 1;
	}
	printf("PASS: the put-path race is reproduced exactly where expected\n");
	return 0;
}
