// SPDX-License-Identifier: GPL-2.0
/*
 * folio_lab_kunit: a KUnit suite of the page/folio refcount semantics of the
 * kernel it is built against, through the kernel's own API on real pages.
 *
 * The expectations follow the scheme the kernel's headers declare:
 *   zero                0 means both "no references" and "frozen";
 *   frozen-bit          PAGEREF_FROZEN_BIT (bit 31) means frozen, a failed
 *                       speculative get leaves its increment ("junk"), the
 *                       final put is dec-and-test then cmpxchg 0 -> FROZEN;
 *   frozen-bit-cas-put  as frozen-bit, the final put goes straight to FROZEN
 *                       (PAGEREF_CAS_PUT).
 * The first case checks that the running kernel behaves as its headers say.
 *
 * Only pages this suite allocated are written. Freed pages are read, and are
 * the target of folio_try_get() (what a speculative lookup does), with
 * interrupts off so that this CPU's allocator does not hand them out
 * meanwhile.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/page_ref.h>
#include <linux/panic.h>
#include <linux/sched.h>

static bool expect_warn;
module_param(expect_warn, bool, 0444);
MODULE_PARM_DESC(expect_warn,
		 "run the case that makes CONFIG_DEBUG_VM warn once (debug-vm guests)");

#if defined(PAGEREF_FROZEN_BIT)
#define FL_FROZEN_BIT 1
#define FL_FROZEN ((u32)PAGEREF_FROZEN_BIT)
#define FL_LIMIT ((u32)_PAGEREF_FROZEN_LIMIT)
#ifdef PAGEREF_CAS_PUT
#define FL_SCHEME "frozen-bit-cas-put"
#else
#define FL_SCHEME "frozen-bit"
#endif
#else
#define FL_FROZEN_BIT 0
#define FL_FROZEN 0u
#define FL_SCHEME "zero"
#endif

/* Above PAGE_ALLOC_COSTLY_ORDER: freed straight to the buddy lists. */
#define FL_BLOCK_ORDER 4

static u32 raw(const struct page *page)
{
	return (u32)atomic_read(&page->_refcount);
}

static u32 fraw(struct folio *folio)
{
	return raw(&folio->page);
}

/* A frozen word: plain 0 (zero), or bit 31 with any junk (frozen-bit). */
static bool raw_frozen(u32 v)
{
	return FL_FROZEN_BIT ? (v & FL_FROZEN) : v == 0;
}

static struct folio *get_private_folio(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, fraw(folio), 1u);
	return folio;
}

/* The kernel behaves as its headers say: freeze at 1 gives raw FROZEN. */
static void scheme_matches_headers(struct kunit *test)
{
	struct folio *folio = get_private_folio(test);
	u32 frozen;

	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
	frozen = fraw(folio);
	folio_ref_unfreeze(folio, 1);
	kunit_info(test, "scheme: %s (raw word after folio_ref_freeze(f, 1): %#x)\n",
		   FL_SCHEME, frozen);
	KUNIT_EXPECT_EQ(test, frozen, FL_FROZEN);
	KUNIT_EXPECT_EQ(test, fraw(folio), 1u);
	folio_put(folio);
}

/* page_ref_count()/folio_ref_count() read 0 for frozen, whatever the junk. */
static void count_reads_zero_when_frozen(struct kunit *test)
{
	static const u32 junk[] = { 0, 1, 2, 7, 1000, 1u << 20, (1u << 30) - 1 };
	struct folio *folio = get_private_folio(test);
	int i;

	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		if (!FL_FROZEN_BIT && junk[i])
			break;	/* zero scheme: the only frozen word is 0 */
		atomic_set(&folio->_refcount, (int)(FL_FROZEN + junk[i]));
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(&folio->page), 0,
				    "raw %#x", fraw(folio));
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 0,
				    "raw %#x", fraw(folio));
		KUNIT_EXPECT_EQ_MSG(test, page_count(&folio->page), 0,
				    "raw %#x", fraw(folio));
	}
	folio_ref_unfreeze(folio, 1);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	folio_put(folio);
}

/* folio_try_get()/folio_ref_try_add() succeed on a live folio. */
static void try_get_live(struct kunit *test)
{
	struct folio *folio = get_private_folio(test);

	KUNIT_EXPECT_TRUE(test, folio_try_get(folio));
	KUNIT_EXPECT_EQ(test, fraw(folio), 2u);
	KUNIT_EXPECT_TRUE(test, folio_ref_try_add(folio, 3));
	KUNIT_EXPECT_EQ(test, fraw(folio), 5u);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 5);
	folio_ref_sub(folio, 4);
	KUNIT_EXPECT_EQ(test, fraw(folio), 1u);
	folio_put(folio);
}

/*
 * A get on a frozen folio fails; frozen-bit: each failed get leaves its
 * increment (raw FROZEN + nr), the count still reads 0, and the unfreeze
 * erases the junk. Zero: a failed get writes nothing.
 */
static void try_get_frozen_fails_junk_erased(struct kunit *test)
{
	struct folio *folio = get_private_folio(test);

	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
	KUNIT_EXPECT_FALSE(test, folio_try_get(folio));
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN + (FL_FROZEN_BIT ? 1u : 0u));
	KUNIT_EXPECT_FALSE(test, folio_try_get(folio));
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN + (FL_FROZEN_BIT ? 2u : 0u));
	KUNIT_EXPECT_FALSE(test, folio_ref_try_add(folio, 5));
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN + (FL_FROZEN_BIT ? 7u : 0u));
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 0);
	KUNIT_EXPECT_FALSE(test, folio_ref_freeze(folio, 1));
	folio_ref_unfreeze(folio, 1);
	KUNIT_EXPECT_EQ(test, fraw(folio), 1u);
	folio_put(folio);
}

/*
 * A word driven to the 2^30 junk limit is reset to FROZEN by the next failed
 * get and never reads live on the way.
 */
static void junk_limit_reset(struct kunit *test)
{
#if FL_FROZEN_BIT
	static const u32 start[] = { FL_LIMIT - 1, FL_LIMIT - 3, FL_LIMIT,
				     FL_LIMIT + 100 };
	struct folio *folio = get_private_folio(test);
	int i, j;
	u32 v, model;

	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
	for (i = 0; i < ARRAY_SIZE(start); i++) {
		atomic_set(&folio->_refcount, (int)start[i]);
		model = start[i];
		for (j = 0; j < 8; j++) {
			KUNIT_EXPECT_FALSE(test, folio_try_get(folio));
			/* v5: the add stays, unless it reached the limit. */
			model = model + 1 >= FL_LIMIT ? FL_FROZEN : model + 1;
			v = fraw(folio);
			KUNIT_EXPECT_EQ_MSG(test, v, model, "from %#x, get %d",
					    start[i], j + 1);
			KUNIT_EXPECT_TRUE_MSG(test, v & FL_FROZEN, "raw %#x", v);
			KUNIT_EXPECT_LT_MSG(test, v, FL_LIMIT, "raw %#x", v);
			KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 0);
		}
	}
	/* A big add near the limit: reset as well, nothing carries out. */
	atomic_set(&folio->_refcount, (int)(FL_LIMIT - 10));
	KUNIT_EXPECT_FALSE(test, folio_ref_try_add(folio, 1 << 20));
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN);
	folio_ref_unfreeze(folio, 1);
	KUNIT_EXPECT_EQ(test, fraw(folio), 1u);
	folio_put(folio);
#else
	kunit_skip(test, "zero scheme: a failed get leaves no junk, no limit");
#endif
}

/* folio_ref_freeze() wins only at the exact count; unfreeze restores. */
static void freeze_exact_count(struct kunit *test)
{
	struct folio *folio = get_private_folio(test);

	folio_ref_add(folio, 2);
	KUNIT_EXPECT_FALSE(test, folio_ref_freeze(folio, 1));
	KUNIT_EXPECT_FALSE(test, folio_ref_freeze(folio, 2));
	KUNIT_EXPECT_FALSE(test, folio_ref_freeze(folio, 4));
	KUNIT_EXPECT_EQ(test, fraw(folio), 3u);
	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 3));
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 0);
	/* Frozen: no count matches any more, not even the old one or 0. */
	KUNIT_EXPECT_FALSE(test, folio_ref_freeze(folio, 3));
	KUNIT_EXPECT_FALSE(test, folio_ref_freeze(folio, 1));
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN);
	folio_ref_unfreeze(folio, 3);
	KUNIT_EXPECT_EQ(test, fraw(folio), 3u);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 3);
	folio_ref_sub(folio, 2);
	folio_put(folio);
}

/*
 * The final put reports "free" exactly once and leaves the word frozen; the
 * folio is then made live again and really freed.
 */
static void final_put_frees_once(struct kunit *test)
{
	struct folio *folio = get_private_folio(test);
	int frees = 0, i;

	folio_ref_add(folio, 4);
	for (i = 0; i < 5; i++)
		frees += !!put_page_testzero(&folio->page);
	KUNIT_EXPECT_EQ(test, frees, 1);
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 0);
	KUNIT_EXPECT_FALSE(test, folio_try_get(folio));

	/* folio_ref_sub_and_test() of all references at once. */
	folio_ref_unfreeze(folio, 3);
	KUNIT_EXPECT_FALSE(test, folio_ref_sub_and_test(folio, 2));
	KUNIT_EXPECT_EQ(test, fraw(folio), 1u);
	folio_ref_add(folio, 2);
	KUNIT_EXPECT_TRUE(test, folio_ref_sub_and_test(folio, 3));
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN);

	folio_ref_unfreeze(folio, 1);
	folio_put(folio);
}

/*
 * Pages in the allocator read frozen: a page freed by folio_put() and the
 * pages of a freed order-4 block (above PAGE_ALLOC_COSTLY_ORDER, so it goes
 * straight back to the buddy lists, not to a per-cpu list); the pages after
 * the first of a fresh non-compound allocation (not refcounted: they keep
 * their free state).
 * A folio_try_get() on a freed folio fails; frozen-bit: it leaves junk,
 * which the next allocation of that page erases (set to 1).
 */
static void freed_pages_read_frozen(struct kunit *test)
{
	struct page *page;
	unsigned long flags;
	u32 before, after, sub[1 << FL_BLOCK_ORDER];
	bool got = false, same, buddy;
	int i, tries, count;

	page = alloc_pages(GFP_KERNEL, FL_BLOCK_ORDER);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, raw(page), 1u);
	for (i = 1; i < ARRAY_SIZE(sub); i++) {
		KUNIT_EXPECT_TRUE_MSG(test, raw_frozen(raw(page + i)),
				      "fresh subpage %d raw %#x", i, raw(page + i));
		KUNIT_EXPECT_EQ(test, page_ref_count(page + i), 0);
	}
	local_irq_save(flags);
	__free_pages(page, FL_BLOCK_ORDER);
	for (i = 0; i < ARRAY_SIZE(sub); i++)
		sub[i] = raw(page + i);
	buddy = PageBuddy(page);
	local_irq_restore(flags);
	kunit_info(test, "freed order-%d block: head %s\n", FL_BLOCK_ORDER,
		   buddy ? "PageBuddy" : "merged into a larger free block");
	for (i = 0; i < ARRAY_SIZE(sub); i++)
		KUNIT_EXPECT_TRUE_MSG(test, raw_frozen(sub[i]),
				      "freed order-%d page %d raw %#x",
				      FL_BLOCK_ORDER, i, sub[i]);

	for (tries = 0; tries < 8; tries++) {
		struct folio *folio;

		local_irq_save(flags);
		folio = folio_alloc(GFP_ATOMIC | __GFP_NOWARN, 0);
		if (!folio) {
			local_irq_restore(flags);
			continue;
		}
		page = &folio->page;
		folio_put(folio);
		before = raw(page);
		count = page_ref_count(page);
		got = folio_try_get(page_folio(page));
		after = raw(page);
		if (got && FL_FROZEN_BIT && before == 0) {
			/* Revived a freed page: put the broken state back. */
			atomic_cmpxchg(&page->_refcount, 1, 0);
		} else if (got) {
			/* Someone else owns it now: a legal reference. */
			local_irq_restore(flags);
			put_page(page);
			continue;
		}
		folio = folio_alloc(GFP_ATOMIC | __GFP_NOWARN, 0);
		same = folio && &folio->page == page;
		local_irq_restore(flags);

		KUNIT_EXPECT_TRUE_MSG(test, raw_frozen(before),
				      "freed page raw %#x", before);
		KUNIT_EXPECT_EQ(test, count, 0);
		KUNIT_EXPECT_FALSE_MSG(test, got,
				       "folio_try_get() on a freed folio succeeded (raw %#x -> %#x)",
				       before, after);
		if (!got)
			KUNIT_EXPECT_EQ(test, after,
					before + (FL_FROZEN_BIT ? 1u : 0u));
		if (same)
			KUNIT_EXPECT_EQ(test, raw(page), 1u);
		else
			kunit_info(test, "the allocator handed out another page: junk erasure not seen\n");
		if (folio)
			folio_put(folio);
		return;
	}
	kunit_skip(test, "no order-0 page from GFP_ATOMIC in 8 tries");
}

/*
 * A live count pushed to INT_MAX, as a driver biasing its pages does (gve
 * adds INT_MAX - 1 to its RX pages), then one speculative get. Zero: the get
 * succeeds and the count goes negative (what try_get_folio()'s
 * WARN_ON_ONCE(folio_ref_count(folio) < 0) watches for). Frozen bit: the
 * word reaches bit 31, so the live folio reads frozen (count 0), the get
 * fails and leaves its junk, and that WARN can no longer fire. A finding on
 * the series (docs/background.md), reported here per kernel.
 */
static void live_count_past_int_max(struct kunit *test)
{
	struct folio *folio = get_private_folio(test);
	bool got;
	int count;

	folio_ref_add(folio, INT_MAX - 1);
	KUNIT_ASSERT_EQ(test, fraw(folio), (u32)INT_MAX);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), INT_MAX);
	got = folio_try_get(folio);
	count = folio_ref_count(folio);
	kunit_info(test, "%s: INT_MAX references, then folio_try_get() %s; raw %#x, folio_ref_count() %d\n",
		   FL_SCHEME, got ? "succeeded" : "FAILED", fraw(folio), count);
	KUNIT_EXPECT_EQ(test, fraw(folio), 0x80000000u);
	if (FL_FROZEN_BIT) {
		KUNIT_EXPECT_FALSE(test, got);
		KUNIT_EXPECT_EQ(test, count, 0);
		/* Undo the failed get's junk on our own page. */
		atomic_dec(&folio->_refcount);
	} else {
		KUNIT_EXPECT_TRUE(test, got);
		KUNIT_EXPECT_LT(test, count, 0);
		if (got)
			folio_ref_dec(folio);
	}
	KUNIT_EXPECT_EQ(test, fraw(folio), (u32)INT_MAX);
	folio_ref_sub(folio, INT_MAX - 1);
	KUNIT_EXPECT_EQ(test, fraw(folio), 1u);
	folio_put(folio);
}

/* set_page_count_frozen()/init_page_count() set what they say. */
static void set_count_helpers(struct kunit *test)
{
	struct folio *folio = get_private_folio(test);
	struct page *page = &folio->page;

	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
#if FL_FROZEN_BIT
	atomic_set(&page->_refcount, (int)(FL_FROZEN + 5));
	set_page_count_frozen(page);
	KUNIT_EXPECT_EQ(test, raw(page), FL_FROZEN);
#else
	set_page_count(page, 0);
	KUNIT_EXPECT_EQ(test, raw(page), 0u);
#endif
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 0);
	KUNIT_EXPECT_FALSE(test, folio_try_get(folio));
	init_page_count(page);
	KUNIT_EXPECT_EQ(test, raw(page), 1u);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), 1);
	folio_put(folio);
}

/*
 * With CONFIG_DEBUG_VM, an increment on a frozen page warns (once): the
 * taint says so here, the host checks the log for exactly that warning.
 */
static void debug_vm_inc_on_frozen_warns(struct kunit *test)
{
#if FL_FROZEN_BIT && defined(CONFIG_DEBUG_VM)
	struct folio *folio;
	bool tainted = test_taint(TAINT_WARN);

	if (!expect_warn)
		kunit_skip(test, "needs expect_warn=1 (kunit/run.sh --flavour debug-vm)");
	folio = get_private_folio(test);
	KUNIT_ASSERT_TRUE(test, folio_ref_freeze(folio, 1));
	kunit_info(test, "expect one WARNING from page_ref_inc() on a frozen page\n");
	page_ref_inc(&folio->page);
	KUNIT_EXPECT_EQ(test, fraw(folio), FL_FROZEN + 1);
	if (tainted)
		kunit_info(test, "TAINT_WARN was already set: the host checks the log\n");
	else
		KUNIT_EXPECT_TRUE(test, test_taint(TAINT_WARN));
	folio_ref_unfreeze(folio, 1);
	folio_put(folio);
#elif FL_FROZEN_BIT
	kunit_skip(test, "needs CONFIG_DEBUG_VM (the debug-vm flavour)");
#else
	kunit_skip(test, "zero scheme: an increment on a frozen page is not checked");
#endif
}

/* Concurrency: kthreads racing gets, puts and freezes on one folio. */
#define FL_THREADS 4
#define FL_ITERS 20000

struct race {
	struct folio *folio;
	atomic_t go;
	atomic_t ready;
	atomic_t failed_seen;	/* failed gets so far, all threads */
	unsigned long hold_until;	/* jiffies: hold a freeze till one fails */
	bool freezer;		/* thread 0 freezes every 16 iterations */
	bool drop_own;		/* each thread owns one reference and drops it */
	struct race_thread {
		struct race *r;
		int id;
		long gets_ok, gets_failed, frees, freezes_won, freezes_lost;
		long bad_live, bad_frozen;
		struct completion done;
	} t[FL_THREADS];
};

static int race_fn(void *arg)
{
	struct race_thread *t = arg;
	struct race *r = t->r;
	struct folio *folio = r->folio;
	int i, k;

	atomic_inc(&r->ready);
	while (!atomic_read_acquire(&r->go))
		cond_resched();
	for (i = 0; i < FL_ITERS; i++) {
		if (r->drop_own && i == FL_ITERS / 2)
			t->frees += !!put_page_testzero(&folio->page);
		if (r->freezer && t->id == 0 && i % 16 == 0) {
			if (folio_ref_freeze(folio, 1)) {
				t->freezes_won++;
				/*
				 * Hold it a while; until a getter has failed
				 * on a held freeze (for 2 s at most), hold it
				 * until one does, so the race surely happens
				 * however the guest's vCPUs are scheduled.
				 */
				for (k = 0; k < 100 ||
				     (!atomic_read(&r->failed_seen) &&
				      time_before(jiffies, r->hold_until)); k++) {
					if (!raw_frozen(fraw(folio)))
						t->bad_frozen++;
					cpu_relax();
				}
				folio_ref_unfreeze(folio, 1);
			} else {
				t->freezes_lost++;
			}
			continue;
		}
		if (folio_try_get(folio)) {
			t->gets_ok++;
			if (raw_frozen(fraw(folio)))
				t->bad_live++;
			t->frees += !!put_page_testzero(&folio->page);
		} else {
			t->gets_failed++;
			if (!atomic_read(&r->failed_seen))
				atomic_inc(&r->failed_seen);
		}
		for (k = 0; k < 4; k++)
			cpu_relax();
		if (i % 1024 == 0)
			cond_resched();
	}
	kthread_complete_and_exit(&t->done, 0);
}

static bool race_run(struct race *r)
{
	struct task_struct *task;
	int i, started;

	atomic_set(&r->go, 0);
	atomic_set(&r->ready, 0);
	atomic_set(&r->failed_seen, 0);
	for (started = 0; started < FL_THREADS; started++) {
		r->t[started].r = r;
		r->t[started].id = started;
		init_completion(&r->t[started].done);
		task = kthread_create(race_fn, &r->t[started], "fl_kunit/%d",
				      started);
		if (IS_ERR(task))
			break;
		/* One thread per CPU, so that they really run at once. */
		kthread_bind(task, cpumask_nth(started % num_online_cpus(),
					       cpu_online_mask));
		wake_up_process(task);
	}
	while (atomic_read(&r->ready) < started)
		usleep_range(100, 1000);
	r->hold_until = jiffies + 2 * HZ;
	atomic_set_release(&r->go, 1);
	for (i = 0; i < started; i++)
		wait_for_completion(&r->t[i].done);
	return started == FL_THREADS;
}

/*
 * Getters and a freezer on a folio with one base reference: no get succeeds
 * on a frozen word, no put frees, the freezer sees only frozen words while
 * it holds the freeze, and the word ends at exactly 1 (junk erased).
 */
static void race_get_put_freeze(struct kunit *test)
{
	struct race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	long ok = 0, failed = 0, frees = 0, won, bad = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->folio = get_private_folio(test);
	r->freezer = true;
	KUNIT_ASSERT_TRUE_MSG(test, race_run(r), "kthread_run() failed");
	for (i = 0; i < FL_THREADS; i++) {
		ok += r->t[i].gets_ok;
		failed += r->t[i].gets_failed;
		frees += r->t[i].frees;
		bad += r->t[i].bad_live + r->t[i].bad_frozen;
	}
	won = r->t[0].freezes_won;
	kunit_info(test, "gets ok %ld failed %ld, freezes won %ld lost %ld\n",
		   ok, failed, won, r->t[0].freezes_lost);
	KUNIT_EXPECT_EQ(test, frees, 0L);
	KUNIT_EXPECT_EQ(test, bad, 0L);
	KUNIT_EXPECT_EQ(test, ok + failed,
			(long)FL_THREADS * FL_ITERS - won - r->t[0].freezes_lost);
	KUNIT_EXPECT_GT(test, won, 0L);
	/* With two CPUs or more, getters must have met a held freeze. */
	if (num_online_cpus() > 1)
		KUNIT_EXPECT_GT(test, failed, 0L);
	KUNIT_EXPECT_EQ(test, fraw(r->folio), 1u);
	folio_put(r->folio);
}

/*
 * Each thread owns one reference and drops it halfway through a run of
 * try-get/put: exactly one put in all reports "free", and the word ends
 * frozen (frozen-bit: FROZEN plus the failed gets' junk).
 */
static void race_final_put(struct kunit *test)
{
	struct race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	long frees = 0, bad = 0;
	u32 v;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->folio = get_private_folio(test);
	folio_ref_add(r->folio, FL_THREADS - 1);
	r->drop_own = true;
	KUNIT_ASSERT_TRUE_MSG(test, race_run(r), "kthread_run() failed");
	for (i = 0; i < FL_THREADS; i++) {
		frees += r->t[i].frees;
		bad += r->t[i].bad_live;
	}
	v = fraw(r->folio);
	kunit_info(test, "frees %ld, raw word at the end %#x\n", frees, v);
	KUNIT_EXPECT_EQ(test, frees, 1L);
	KUNIT_EXPECT_EQ(test, bad, 0L);
	KUNIT_EXPECT_TRUE_MSG(test, raw_frozen(v), "raw %#x", v);
	KUNIT_EXPECT_EQ(test, folio_ref_count(r->folio), 0);
	if (frees == 1 && raw_frozen(v)) {
		folio_ref_unfreeze(r->folio, 1);
		folio_put(r->folio);
	}
}

static struct kunit_case folio_lab_cases[] = {
	KUNIT_CASE(scheme_matches_headers),
	KUNIT_CASE(count_reads_zero_when_frozen),
	KUNIT_CASE(try_get_live),
	KUNIT_CASE(try_get_frozen_fails_junk_erased),
	KUNIT_CASE(junk_limit_reset),
	KUNIT_CASE(freeze_exact_count),
	KUNIT_CASE(final_put_frees_once),
	KUNIT_CASE(freed_pages_read_frozen),
	KUNIT_CASE(set_count_helpers),
	KUNIT_CASE(live_count_past_int_max),
	KUNIT_CASE(debug_vm_inc_on_frozen_warns),
	KUNIT_CASE(race_get_put_freeze),
	KUNIT_CASE(race_final_put),
	{}
};

static struct kunit_suite folio_lab_suite = {
	.name = "folio_lab_refcount",
	.test_cases = folio_lab_cases,
};
kunit_test_suite(folio_lab_suite);

MODULE_DESCRIPTION("folio-lab: KUnit suite of the page/folio refcount semantics");
MODULE_LICENSE("GPL");
