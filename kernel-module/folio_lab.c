// SPDX-License-Identifier: GPL-2.0
/*
 * folio_lab: a root-only misc device that sets up private folios and
 * hammers their refcounts from the calling thread, with the real folio API
 * or with in-module copies of the refcount schemes (refscheme.h), so the
 * schemes can be compared inside one kernel. The ABI is
 * include/folio-lab/uapi.h; docs/module.md describes it
 * for users. Every scheme of refscheme.h's RS_SCHEMES table is a variant
 * here; the per-variant code below is generated from that table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/nospec.h>
#include <linux/page_ref.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/wait.h>

#include "folio-lab/uapi.h"
#include "refscheme-kernel.h"

/*
 * Time, signals, a teardown and rescheduling are checked between chunks of
 * iterations whose length adapts so that a chunk takes about FL_CHECK_NS:
 * by elapsed time, whatever the hold or the contention. One iteration of
 * the longest hold (FOLIO_LAB_MAX_HOLD_LOOPS, twice with a freeze) is the
 * longest a RUN can go unchecked.
 */
#define FL_CHECK_NS (100 * NSEC_PER_USEC)
#define FL_MAX_CHUNK (1U << 16)
/* MAX_PAGE_ORDER is 6.8+; older kernels allow order 9 on every arch we run. */
#ifdef MAX_PAGE_ORDER
#define FL_MAX_PAGE_ORDER MAX_PAGE_ORDER
#else
#define FL_MAX_PAGE_ORDER FOLIO_LAB_MAX_ORDER
#endif
/* Tries to find a frozen-state sample folio that nobody else references. */
#define FL_PROBE_TRIES 8

/*
 * A private counter per folio for the in-module schemes. 128 bytes, not one
 * line: the adjacent-line prefetcher pairs lines, which would make
 * per-worker counters share traffic.
 */
struct fl_counter {
	rs_atomic_t ref;
	/*
	 * Claims, under fl_lock, touched only at the start and end of a RUN,
	 * never in its loop (fl_claim()). users: in-module RUNs on ref, > 0
	 * shared users, -1 one free-cycle RUN, whose blind rs_init() stores
	 * would wreck anyone else's counts. scheme: the enum rs_scheme whose
	 * encoding ref holds (inverted-bit's live counts carry bit 31, the
	 * others' do not); mixed: users of more than one scheme. freezers and
	 * getters: the users with MIX_FREEZER and MIX_GET_PUT (a get that
	 * cannot fail would revive a frozen count). kfreezers and kgetters:
	 * the same for kernel-variant RUNs on the real folio.
	 */
	int users;
	int scheme;
	bool mixed;
	int freezers;
	int getters;
	int kfreezers;
	int kgetters;
} __aligned(128);

struct fl_setup {
	struct file *owner;	/* the file that made the SETUP */
	unsigned int nr_folios;	/* folios[] entries in use */
	unsigned int order;
	int node;		/* as in folio_lab_setup, for MIX_FREE_CYCLE */
	int base_refs;
	/* under fl_lock: 1 while published, plus one per RUN using it */
	int refs;
	/* set when unpublished: RUNs on it stop at their next check */
	bool dying;
	unsigned long pages;	/* reserved in fl_pages: nr_folios << order */
	struct folio **folios;
	struct fl_counter *ctrs;
};

/*
 * In-module variants map onto refscheme.h's schemes by offset: variant - 1
 * is enum rs_scheme, and the uapi names each table line
 * FOLIO_LAB_VARIANT_<ID> (checked where the loops are generated).
 */
static_assert(RS_NR_SCHEMES + 1 == FOLIO_LAB_NR_VARIANTS);

/* Fixed-size uapi structures, each a multiple of 8 bytes. */
static_assert(sizeof(struct folio_lab_info) % 8 == 0);
static_assert(sizeof(struct folio_lab_setup) % 8 == 0);
static_assert(sizeof(struct folio_lab_run) % 8 == 0);

static const char *const fl_scheme_names[FOLIO_LAB_NR_SCHEMES] =
	FOLIO_LAB_SCHEME_NAMES;

/* What one RUN does, resolved from struct folio_lab_run and the setup. */
struct fl_run_ctx {
	struct folio *folio;
	rs_atomic_t *ctr;
	unsigned int mix;
	int get_nr;
	int node;
	int base_refs;
	u32 freeze_every;
	u32 hold_loops;
	const bool *dying;
};

/*
 * fl_lock guards fl_cur, fl_pages, every setup's refs and every counter's
 * claims, and is only ever held for a few instructions: nobody waits
 * behind a RUN or an allocation for it. INFO takes no lock at all.
 */
static DEFINE_SPINLOCK(fl_lock);
static struct fl_setup *fl_cur;	/* the published setup, or NULL */
static bool fl_building;	/* a SETUP is allocating */
/* Pages of setups being built, in place or being released. */
static unsigned long fl_pages;
/* TEARDOWN waits here for the RUNs of its setup to stop (a few ms). */
static DECLARE_WAIT_QUEUE_HEAD(fl_wq);

static u32 fl_scheme = FOLIO_LAB_SCHEME_UNKNOWN;
static u32 fl_frozen_raw;
static u32 fl_failed_get_raw;

/* Bit 31 of the raw word: PAGEREF_FROZEN_BIT in the series. */
#define FL_RAW_FROZEN (1U << 31)

/*
 * What one probe saw: freeze, a failed try-get, unfreeze. Returns
 * the scheme, or UNKNOWN when the words fit none (a speculative getter
 * from the folio's previous life may have added to it meanwhile).
 */
static u32 fl_classify(u32 frozen, u32 failed_get, u32 unfrozen)
{
	if (unfrozen != 1)
		return FOLIO_LAB_SCHEME_UNKNOWN;
	if (frozen == 0 && failed_get == 0)
		return FOLIO_LAB_SCHEME_ZERO;
	if (frozen != FL_RAW_FROZEN)
		return FOLIO_LAB_SCHEME_UNKNOWN;
	if (failed_get == FL_RAW_FROZEN)
		return FOLIO_LAB_SCHEME_FROZEN_BIT_UNDO;
	if (failed_get != FL_RAW_FROZEN + 1)
		return FOLIO_LAB_SCHEME_UNKNOWN;
	/*
	 * v5's put (dec-and-test, then cmpxchg 0 -> FROZEN) and the race-free
	 * one (count -> FROZEN by a cmpxchg loop) leave the same words behind
	 * in a single thread: what tells them apart is only whether a reviving
	 * getter can slip in between, which one probe cannot show. So the
	 * macro the cas-put patch defines in <linux/page_ref.h> decides.
	 */
#ifdef PAGEREF_CAS_PUT
	return FOLIO_LAB_SCHEME_FROZEN_BIT_CAS_PUT;
#else
	return FOLIO_LAB_SCHEME_FROZEN_BIT;
#endif
}

/*
 * Find the kernel's scheme by behaviour on a private folio: freeze it and
 * read the raw word; try a get, which must fail, and read it again (v5
 * leaves its increment, the RFC undid it); unfreeze, which must restore
 * the count whatever junk is there. A speculative getter from the page's
 * previous life may hold it or add to it for a moment, hence the retries
 * with fresh folios.
 */
static void fl_probe_scheme(void)
{
	struct folio *folio;
	u32 unfrozen;
	bool got;
	int i;

	for (i = 0; i < FL_PROBE_TRIES; i++) {
		folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, 0);
		if (!folio)
			return;
		if (!folio_ref_freeze(folio, 1)) {
			folio_put(folio);
			continue;
		}
		fl_frozen_raw = (u32)atomic_read(&folio->_refcount);
		got = folio_try_get(folio);
		fl_failed_get_raw = (u32)atomic_read(&folio->_refcount);
		if (got) {
			/* A get on a frozen folio: nothing here can be trusted. */
			pr_err("folio_try_get() succeeded on a frozen folio (raw %#x)\n",
			       fl_failed_get_raw);
			fl_scheme = FOLIO_LAB_SCHEME_UNKNOWN;
			return; /* leak it rather than free a folio in that state */
		}
		folio_ref_unfreeze(folio, 1);
		unfrozen = (u32)atomic_read(&folio->_refcount);
		folio_put(folio);
		fl_scheme = fl_classify(fl_frozen_raw, fl_failed_get_raw,
					unfrozen);
		if (fl_scheme != FOLIO_LAB_SCHEME_UNKNOWN)
			return;
	}
}

/* ---- SETUP and TEARDOWN ---- */

/*
 * Folios a worker hammers on its own must not share a cache-line pair of
 * the memmap with another one, or per-worker runs measure false sharing:
 * two order-0 struct pages less than two pfns apart may do so. Order > 0
 * heads are at least two pages apart anyway.
 */
static bool fl_too_close(struct fl_setup *s, unsigned int n, struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned int i;

	if (s->order > 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned long other = folio_pfn(s->folios[i]);

		if ((pfn > other ? pfn - other : other - pfn) < 2)
			return true;
	}
	return false;
}

static struct folio *fl_alloc_one(unsigned int order, int node)
{
	/* A setup too big for memory fails with ENOMEM, never via the OOM killer. */
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;

	if (node == FOLIO_LAB_SETUP_NODE_LOCAL)
		return folio_alloc(gfp, order);
	return __folio_alloc_node(gfp | __GFP_THISNODE, order, node);
}

/*
 * Drop the setup's base references, free it and return its pages to the
 * budget; it may sleep. Returns -EUCLEAN if a count was not back at base_refs, which the
 * claims of fl_claim() should make impossible: such a folio is released
 * only when that cannot free memory someone still uses (count above base:
 * the other holder frees it), and leaked otherwise.
 */
static int fl_destroy(struct fl_setup *s)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < s->nr_folios; i++) {
		struct folio *folio = s->folios[i];
		int count = folio_ref_count(folio);
		int scheme = s->ctrs[i].scheme;
		int priv = rs_read(&s->ctrs[i].ref);
		int want = rs_live_word(scheme, s->base_refs);

		if (priv != want) {
			pr_err_ratelimited("folio %u: private counter %#x (%s), expected %#x\n",
					   i, priv, rs_schemes[scheme].name, want);
			ret = -EUCLEAN;
		}
		if (count != s->base_refs) {
			pr_err_ratelimited("folio %u (pfn %#lx): refcount %d, expected %d\n",
					   i, folio_pfn(folio), count,
					   s->base_refs);
			ret = -EUCLEAN;
			if (count < s->base_refs)
				continue;
		}
		if (s->base_refs > 1)
			folio_ref_sub(folio, s->base_refs - 1);
		folio_put(folio);
		cond_resched();
	}
	spin_lock(&fl_lock);
	WARN_ON_ONCE(fl_pages < s->pages);
	fl_pages -= s->pages;
	spin_unlock(&fl_lock);
	kvfree(s->ctrs);
	kfree(s->folios);
	kfree(s);
	return ret;
}

/*
 * Drop one reference to a setup; the last one destroys it and returns
 * fl_destroy()'s result. A TEARDOWN waiting for its setup's RUNs is woken
 * whenever one ends.
 */
static int fl_setup_put(struct fl_setup *s)
{
	bool last, dying;

	spin_lock(&fl_lock);
	WARN_ON_ONCE(s->refs <= 0);
	last = --s->refs == 0;
	dying = s->dying;
	spin_unlock(&fl_lock);
	if (last)
		return fl_destroy(s);
	if (dying)
		wake_up_all(&fl_wq);
	return 0;
}

static bool fl_setup_idle(struct fl_setup *s)
{
	bool idle;

	spin_lock(&fl_lock);
	idle = s->refs == 1;
	spin_unlock(&fl_lock);
	return idle;
}

/*
 * Unpublish the setup @file owns, under fl_lock; its RUNs see dying at
 * their next check and stop. Returns it, or NULL with *err set.
 */
static struct fl_setup *fl_unpublish(struct file *file, int *err)
{
	struct fl_setup *s = fl_cur;

	if (!s) {
		*err = -ENODEV;
		return NULL;
	}
	if (s->owner != file) {
		*err = -EPERM;
		return NULL;
	}
	WRITE_ONCE(fl_cur, NULL);
	WRITE_ONCE(s->dying, true);
	return s;
}

static int fl_validate_setup(const struct folio_lab_setup *a)
{
	if (a->flags || a->reserved0 || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if (!a->nr_folios || a->nr_folios > FOLIO_LAB_MAX_FOLIOS)
		return -EINVAL;
	if (a->order > FOLIO_LAB_MAX_ORDER || a->order > FL_MAX_PAGE_ORDER)
		return -EINVAL;
	if (((u64)a->nr_folios << a->order) > FOLIO_LAB_MAX_SETUP_PAGES)
		return -EINVAL;
	if (!a->base_refs || a->base_refs > FOLIO_LAB_MAX_BASE_REFS)
		return -EINVAL;
	if (a->node == FOLIO_LAB_SETUP_NODE_LOCAL)
		return 0;
	/* Offline and memoryless nodes alike: nothing to allocate there. */
	if (a->node < 0 || a->node >= MAX_NUMNODES || !node_online(a->node) ||
	    !node_state(a->node, N_MEMORY))
		return -EINVAL;
	return 0;
}

/*
 * Reserve the setup's pages and the right to publish it before allocating
 * anything: a second SETUP meanwhile gets EBUSY at once, and the setups in
 * place, being built or being released never together pass
 * FOLIO_LAB_MAX_SETUP_PAGES.
 */
static int fl_reserve(unsigned long pages)
{
	int ret = 0;

	spin_lock(&fl_lock);
	if (fl_cur || fl_building ||
	    fl_pages + pages > FOLIO_LAB_MAX_SETUP_PAGES) {
		ret = -EBUSY;
	} else {
		fl_building = true;
		fl_pages += pages;
	}
	spin_unlock(&fl_lock);
	return ret;
}

static void fl_unreserve(unsigned long pages)
{
	spin_lock(&fl_lock);
	fl_building = false;
	fl_pages -= pages;
	spin_unlock(&fl_lock);
}

static int fl_ioctl_setup(struct file *file, void __user *uarg)
{
	struct folio_lab_setup a;
	struct fl_setup *s = NULL;
	struct folio *folio, *tmp;
	LIST_HEAD(spare);
	unsigned int nr_spare = 0;
	unsigned long pages;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	ret = fl_validate_setup(&a);
	if (ret)
		return ret;
	if (a.node != FOLIO_LAB_SETUP_NODE_LOCAL)
		a.node = array_index_nospec(a.node, MAX_NUMNODES);
	pages = (unsigned long)a.nr_folios << a.order;
	/* Never more than half of memory, so a setup cannot starve the guest. */
	if (pages > totalram_pages() / 2)
		return -ENOMEM;
	ret = fl_reserve(pages);
	if (ret)
		return ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		fl_unreserve(pages);
		return -ENOMEM;
	}
	s->owner = file;
	s->order = a.order;
	s->node = a.node;
	s->base_refs = a.base_refs;
	s->pages = pages;
	ret = -ENOMEM;
	s->folios = kcalloc(a.nr_folios, sizeof(*s->folios), GFP_KERNEL);
	s->ctrs = kvcalloc(a.nr_folios, sizeof(*s->ctrs), GFP_KERNEL);
	if (!s->folios || !s->ctrs)
		goto out_free;

	/*
	 * Each accepted folio goes to base_refs at once, so fl_destroy() can
	 * undo a partial setup. Folios too close to an accepted one wait on
	 * a list (bounded: at most 2 * nr_folios + 16 order-0 pages) and go
	 * back at the end. A fatal signal stops the allocation.
	 */
	while (s->nr_folios < a.nr_folios) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out_free;
		}
		cond_resched();
		folio = fl_alloc_one(a.order, a.node);
		if (!folio)
			goto out_free;
		if (nr_spare < 2 * a.nr_folios + 16 &&
		    fl_too_close(s, s->nr_folios, folio)) {
			list_add(&folio->lru, &spare);
			nr_spare++;
			continue;
		}
		/* The allocator handed it out with one reference. */
		if (a.base_refs > 1)
			folio_ref_add(folio, a.base_refs - 1);
		s->ctrs[s->nr_folios].scheme = RS_CAS_LOOP;
		rs_set_count(RS_CAS_LOOP, &s->ctrs[s->nr_folios].ref,
			     a.base_refs);
		s->folios[s->nr_folios++] = folio;
	}

	spin_lock(&fl_lock);
	s->refs = 1;
	WRITE_ONCE(fl_cur, s);
	fl_building = false;
	spin_unlock(&fl_lock);
	s = NULL;
	ret = 0;

out_free:
	if (s) {
		spin_lock(&fl_lock);
		fl_building = false;
		spin_unlock(&fl_lock);
		/*
		 * Unpublished: every folio is at base_refs, so this frees them
		 * all and gives the pages back to the budget.
		 */
		fl_destroy(s);
	}
	list_for_each_entry_safe(folio, tmp, &spare, lru) {
		list_del(&folio->lru);
		folio_put(folio);
	}
	return ret;
}

/*
 * TEARDOWN stops the setup's RUNs (they return ENODEV at their next check,
 * within a few ms) and waits for them, killably; a TEARDOWN killed while
 * waiting leaves the setup to its last RUN, which frees it.
 */
static int fl_ioctl_teardown(struct file *file)
{
	struct fl_setup *s;
	int ret = 0;

	spin_lock(&fl_lock);
	s = fl_unpublish(file, &ret);
	spin_unlock(&fl_lock);
	if (!s)
		return ret;
	ret = wait_event_killable(fl_wq, fl_setup_idle(s));
	if (ret) {
		fl_setup_put(s);
		return -EINTR;
	}
	return fl_setup_put(s);
}

/* ---- RUN ---- */

static __always_inline void fl_hold(u32 loops)
{
	u32 i;

	for (i = 0; i < loops; i++)
		cpu_relax();
}

static __always_inline bool fl_get(const struct fl_run_ctx *c, int variant,
				   struct rs_stats *st)
{
	bool try = c->mix != FOLIO_LAB_MIX_GET_PUT;
	bool ok;

	if (variant != FOLIO_LAB_VARIANT_KERNEL) {
		if (!try) {
			rs_add(c->ctr, c->get_nr);
			st->get_ok++;
			return true;
		}
		return rs_try_get(variant - 1, c->ctr, c->get_nr, st);
	}
	if (!try) {
		if (c->get_nr == 1)
			folio_get(c->folio);
		else
			folio_ref_add(c->folio, c->get_nr);
		st->get_ok++;
		return true;
	}
	if (c->get_nr == 1)
		ok = folio_try_get(c->folio);
	else
		ok = folio_ref_try_add(c->folio, c->get_nr);
	if (ok)
		st->get_ok++;
	else
		st->get_fail++;
	return ok;
}

static __always_inline void fl_put(const struct fl_run_ctx *c, int variant,
				   struct rs_stats *st)
{
	if (variant != FOLIO_LAB_VARIANT_KERNEL) {
		/* Never the last reference (base_refs >= 1): the result is 0. */
		rs_put(variant - 1, c->ctr, c->get_nr, st);
		return;
	}
	if (c->get_nr == 1)
		folio_put(c->folio);
	else
		folio_ref_sub(c->folio, c->get_nr);
}

/* Freeze at exactly base_refs: it only wins while no getter holds a ref. */
static __always_inline void fl_freeze_cycle(const struct fl_run_ctx *c,
					    int variant, struct rs_stats *st)
{
	if (variant != FOLIO_LAB_VARIANT_KERNEL) {
		if (rs_freeze(variant - 1, c->ctr, c->base_refs, st)) {
			fl_hold(c->hold_loops);
			rs_unfreeze(variant - 1, c->ctr, c->base_refs);
		}
		return;
	}
	if (folio_ref_freeze(c->folio, c->base_refs)) {
		st->freeze_won++;
		fl_hold(c->hold_loops);
		folio_ref_unfreeze(c->folio, c->base_refs);
	} else {
		st->freeze_lost++;
	}
}

/*
 * One allocation and its final put. The in-module schemes store the
 * allocator's count and must see their put report the free; the kernel
 * goes through the whole allocator, where the patched folio_put() does
 * the extra cmpxchg 0 -> FROZEN before freeing.
 */
static __always_inline void fl_free_cycle(const struct fl_run_ctx *c,
					  int variant, struct rs_stats *st)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	struct folio *folio;

	if (variant != FOLIO_LAB_VARIANT_KERNEL) {
		rs_init(variant - 1, c->ctr);
		st->get_ok++;
		fl_hold(c->hold_loops);
		rs_put(variant - 1, c->ctr, 1, st);
		return;
	}
	if (c->node == FOLIO_LAB_SETUP_NODE_LOCAL)
		folio = folio_alloc(gfp, 0);
	else
		folio = __folio_alloc_node(gfp | __GFP_THISNODE, 0, c->node);
	if (!folio) {
		st->get_fail++;
		return;
	}
	st->get_ok++;
	fl_hold(c->hold_loops);
	/* The only reference: this frees it, or a speculative getter does. */
	folio_put(folio);
	st->frees++;
}

/*
 * Up to max_iters iterations or until deadline, which ends the loop with
 * late (0 for a timed window, -ETIMEDOUT for an iteration count that ran
 * out of time). Checks are only made between whole iterations, so an
 * interrupted loop never leaves a reference or a freeze behind; they come
 * every FL_CHECK_NS or so (the chunk length adapts to the measured time):
 * the deadline, a signal (-EINTR), a teardown of the setup (-ENODEV), and
 * cond_resched().
 */
static __always_inline int fl_loop(const struct fl_run_ctx *c, int variant,
				   u64 deadline, u64 max_iters, int late,
				   struct rs_stats *st, u64 *iters)
{
	u32 since_freeze = 0, chunk = 1;
	u64 done = 0, n, j, t0, now;
	int ret = 0;

	t0 = ktime_get_ns();
	while (done < max_iters) {
		n = min_t(u64, max_iters - done, chunk);
		for (j = 0; j < n; j++) {
			if (c->mix == FOLIO_LAB_MIX_FREE_CYCLE) {
				fl_free_cycle(c, variant, st);
				continue;
			}
			if (fl_get(c, variant, st)) {
				fl_hold(c->hold_loops);
				fl_put(c, variant, st);
			}
			if (c->mix == FOLIO_LAB_MIX_FREEZER &&
			    ++since_freeze == c->freeze_every) {
				since_freeze = 0;
				fl_freeze_cycle(c, variant, st);
			}
		}
		done += n;
		if (done >= max_iters)
			break;
		now = ktime_get_ns();
		if (now >= deadline) {
			ret = late;
			break;
		}
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (READ_ONCE(*c->dying)) {
			ret = -ENODEV;
			break;
		}
		if (now - t0 < FL_CHECK_NS / 2 && chunk < FL_MAX_CHUNK)
			chunk *= 2;
		else if (now - t0 > FL_CHECK_NS && chunk > 1)
			chunk /= 2;
		cond_resched();
		t0 = ktime_get_ns();
	}
	*iters = done;
	return ret;
}

typedef int (*fl_loop_fn)(const struct fl_run_ctx *c, u64 deadline,
			  u64 max_iters, int late, struct rs_stats *st,
			  u64 *iters);

/*
 * One copy of the loop per variant, so the variant switch is compiled out:
 * fl_loop_kernel() and one fl_loop_<id>() per RS_SCHEMES line.
 */
static noinline int fl_loop_kernel(const struct fl_run_ctx *c, u64 deadline,
				   u64 max_iters, int late, struct rs_stats *st,
				   u64 *iters)
{
	return fl_loop(c, FOLIO_LAB_VARIANT_KERNEL, deadline, max_iters, late,
		       st, iters);
}

#define FL_LOOP_FN(ID, id, ...)						\
static noinline int fl_loop_##id(const struct fl_run_ctx *c, u64 deadline, \
				 u64 max_iters, int late,		\
				 struct rs_stats *st, u64 *iters)	\
{									\
	static_assert(RS_##ID + 1 == FOLIO_LAB_VARIANT_##ID);		\
	return fl_loop(c, FOLIO_LAB_VARIANT_##ID, deadline, max_iters,	\
		       late, st, iters);				\
}
RS_SCHEMES(FL_LOOP_FN)
#undef FL_LOOP_FN

#define FL_LOOP_ENTRY(ID, id, ...) \
	[FOLIO_LAB_VARIANT_##ID] = fl_loop_##id,
static const fl_loop_fn fl_loops[FOLIO_LAB_NR_VARIANTS] = {
	[FOLIO_LAB_VARIANT_KERNEL] = fl_loop_kernel,
	RS_SCHEMES(FL_LOOP_ENTRY)
};

#undef FL_LOOP_ENTRY

static int fl_validate_run(const struct folio_lab_run *a)
{
	if (a->flags || a->reserved_in[0] || a->reserved_in[1])
		return -EINVAL;
	if (a->variant >= FOLIO_LAB_NR_VARIANTS || a->mix >= FOLIO_LAB_NR_MIXES ||
	    a->target > FOLIO_LAB_TARGET_PER_WORKER)
		return -EINVAL;
	/* Without a liveness check a frozen counter would be revived and lost. */
	if (a->variant == FOLIO_LAB_VARIANT_PLAIN_ADD &&
	    a->mix == FOLIO_LAB_MIX_FREEZER)
		return -EINVAL;
	if (!a->get_nr || a->get_nr > FOLIO_LAB_MAX_GET_NR)
		return -EINVAL;
	if (a->mix == FOLIO_LAB_MIX_FREEZER && !a->freeze_every)
		return -EINVAL;
	/* One reference per allocation, on a counter no other worker uses. */
	if (a->mix == FOLIO_LAB_MIX_FREE_CYCLE &&
	    (a->target != FOLIO_LAB_TARGET_PER_WORKER || a->get_nr != 1))
		return -EINVAL;
	if (a->hold_loops > FOLIO_LAB_MAX_HOLD_LOOPS)
		return -EINVAL;
	if (a->warmup_ns > FOLIO_LAB_MAX_DURATION_NS ||
	    a->duration_ns > FOLIO_LAB_MAX_DURATION_NS)
		return -EINVAL;
	if (!a->duration_ns &&
	    (!a->iterations || a->iterations > FOLIO_LAB_MAX_ITERATIONS))
		return -EINVAL;
	return 0;
}

/*
 * A RUN claims its target before it starts, under fl_lock, and is refused
 * with EBUSY if it could conflict with a RUN in progress there:
 * - kernel variant, on the real folio: a freezer and a get-put RUN never
 *   run together (folio_get() on a frozen folio revives it and the
 *   unfreeze erases that reference); free-cycle allocates its own folios
 *   and claims nothing;
 * - in-module schemes, on the private counter: a free-cycle RUN only
 *   alone; the others share it as long as their schemes encode a live
 *   count alike, and a freezer only with RUNs of its own scheme and never
 *   with a get-put RUN. A counter nobody uses is re-encoded for the
 *   claiming scheme (rs_set_count()): it holds its previous scheme's
 *   base_refs then.
 * Every accepted combination leaves each count at base_refs when the RUNs
 * end.
 */
static int fl_claim(struct fl_setup *s, unsigned int idx,
		    const struct folio_lab_run *a)
{
	struct fl_counter *c = &s->ctrs[idx];
	int freezer = a->mix == FOLIO_LAB_MIX_FREEZER;
	int getter = a->mix == FOLIO_LAB_MIX_GET_PUT;
	int scheme = a->variant - 1, base = s->base_refs;

	lockdep_assert_held(&fl_lock);
	if (a->variant == FOLIO_LAB_VARIANT_KERNEL) {
		if (a->mix == FOLIO_LAB_MIX_FREE_CYCLE)
			return 0;
		if ((freezer && c->kgetters) || (getter && c->kfreezers))
			return -EBUSY;
		c->kfreezers += freezer;
		c->kgetters += getter;
		return 0;
	}
	if (c->users < 0 || (c->users > 0 && a->mix == FOLIO_LAB_MIX_FREE_CYCLE))
		return -EBUSY;
	if (c->users > 0) {
		bool same = scheme == c->scheme && !c->mixed;

		if (rs_live_word(scheme, base) != rs_live_word(c->scheme, base))
			return -EBUSY;
		if ((freezer || c->freezers) && !same)
			return -EBUSY;
		if ((freezer && c->getters) || (getter && c->freezers))
			return -EBUSY;
		c->mixed |= scheme != c->scheme;
		c->users++;
		c->freezers += freezer;
		c->getters += getter;
		return 0;
	}
	/* Idle: the counter holds base_refs in its last user's encoding. */
	WARN_ON_ONCE(rs_read(&c->ref) != rs_live_word(c->scheme, base));
	if (rs_live_word(scheme, base) != rs_live_word(c->scheme, base))
		rs_set_count(scheme, &c->ref, base);
	c->scheme = scheme;
	c->mixed = false;
	c->users = a->mix == FOLIO_LAB_MIX_FREE_CYCLE ? -1 : 1;
	c->freezers = freezer;
	c->getters = getter;
	return 0;
}

static void fl_unclaim(struct fl_setup *s, unsigned int idx,
		       const struct folio_lab_run *a)
{
	struct fl_counter *c = &s->ctrs[idx];
	int freezer = a->mix == FOLIO_LAB_MIX_FREEZER;
	int getter = a->mix == FOLIO_LAB_MIX_GET_PUT;

	lockdep_assert_held(&fl_lock);
	if (a->variant == FOLIO_LAB_VARIANT_KERNEL) {
		if (a->mix == FOLIO_LAB_MIX_FREE_CYCLE)
			return;
		c->kfreezers -= freezer;
		c->kgetters -= getter;
		WARN_ON_ONCE(c->kfreezers < 0 || c->kgetters < 0);
		return;
	}
	if (a->mix == FOLIO_LAB_MIX_FREE_CYCLE) {
		/*
		 * The last put left it frozen (or 0): back to base_refs live
		 * references for TEARDOWN's check.
		 */
		WARN_ON_ONCE(c->users != -1);
		rs_set_count(c->scheme, &c->ref, s->base_refs);
		c->users = 0;
		return;
	}
	c->users--;
	c->freezers -= freezer;
	c->getters -= getter;
	WARN_ON_ONCE(c->users < 0 || c->freezers < 0 || c->getters < 0);
}

/*
 * Once the argument is read, every return writes the out fields back:
 * zero when the RUN was refused or stopped in its warm-up, the part of
 * the window that ran when it stopped early (EINTR: a signal; ENODEV: its
 * setup was torn down; ETIMEDOUT: an iteration count that did not finish
 * within FOLIO_LAB_MAX_DURATION_NS).
 */
static int fl_ioctl_run(struct file *file, void __user *uarg)
{
	struct folio_lab_run a;
	struct fl_run_ctx c;
	struct rs_stats warm = {}, st = {};
	struct fl_setup *s = NULL;
	fl_loop_fn loop;
	unsigned int idx = 0;
	u64 start, iters = 0;
	int ret, put_ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	a.elapsed_ns = 0;
	ret = fl_validate_run(&a);
	if (ret)
		goto out_copy;
	a.variant = array_index_nospec(a.variant, FOLIO_LAB_NR_VARIANTS);

	spin_lock(&fl_lock);
	s = fl_cur;
	if (!s) {
		ret = -ENODEV;
	} else {
		idx = a.target == FOLIO_LAB_TARGET_SHARED ? 0 :
			a.worker_id % s->nr_folios;
		idx = array_index_nospec(idx, s->nr_folios);
		ret = fl_claim(s, idx, &a);
		if (!ret)
			s->refs++;
	}
	spin_unlock(&fl_lock);
	if (ret) {
		s = NULL;
		goto out_copy;
	}
	c.folio = s->folios[idx];
	c.ctr = &s->ctrs[idx].ref;
	c.mix = a.mix;
	c.get_nr = a.get_nr;
	c.node = s->node;
	c.base_refs = s->base_refs;
	c.freeze_every = a.freeze_every;
	c.hold_loops = a.hold_loops;
	c.dying = &s->dying;
	loop = fl_loops[a.variant];

	if (a.warmup_ns) {
		ret = loop(&c, ktime_get_ns() + a.warmup_ns, U64_MAX, 0, &warm,
			   &iters);
		iters = 0;
		if (ret)
			goto out_copy;
	}
	start = ktime_get_ns();
	if (a.duration_ns)
		ret = loop(&c, start + a.duration_ns, U64_MAX, 0, &st, &iters);
	else
		ret = loop(&c, start + FOLIO_LAB_MAX_DURATION_NS, a.iterations,
			   -ETIMEDOUT, &st, &iters);
	a.elapsed_ns = ktime_get_ns() - start;

out_copy:
	if (s) {
		spin_lock(&fl_lock);
		fl_unclaim(s, idx, &a);
		spin_unlock(&fl_lock);
		put_ret = fl_setup_put(s);
		if (put_ret)
			pr_err_ratelimited("setup freed by its last RUN was not back at base\n");
	}
	a.iters = iters;
	a.gets_ok = st.get_ok;
	a.gets_failed = st.get_fail;
	a.freezes_won = st.freeze_won;
	a.freezes_lost = st.freeze_lost;
	a.cas_retries = st.cas_retries;
	a.junk_left = st.junk_left;
	a.guard_resets = st.guard_resets;
	a.frees = st.frees;
	a.free_races = st.free_races;
	a.reserved_out = 0;
	if (copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
	return ret;
}

/* ---- INFO, the device ---- */

/* Lock-free: INFO never waits behind a RUN, a SETUP or a closing file. */
static int fl_ioctl_info(void __user *uarg)
{
	struct folio_lab_info info = {};

	info.abi_version = FOLIO_LAB_ABI_VERSION;
	info.page_size = PAGE_SIZE;
	info.kernel_scheme = fl_scheme;
	info.frozen_raw = fl_frozen_raw;
	info.failed_get_raw = fl_failed_get_raw;
	info.nr_variants = FOLIO_LAB_NR_VARIANTS;
	info.nr_online_nodes = num_online_nodes();
	info.setup_active = READ_ONCE(fl_cur) != NULL;
	strscpy(info.release, utsname()->release, sizeof(info.release));
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long fl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case FOLIO_LAB_IOC_INFO:
		return fl_ioctl_info(uarg);
	case FOLIO_LAB_IOC_SETUP:
		return fl_ioctl_setup(file, uarg);
	case FOLIO_LAB_IOC_RUN:
		return fl_ioctl_run(file, uarg);
	case FOLIO_LAB_IOC_TEARDOWN:
		return fl_ioctl_teardown(file);
	default:
		return -ENOTTY;
	}
}

/* The node's 0600 mode is not enough: the opener needs CAP_SYS_ADMIN. */
static int fl_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, file);
}

/*
 * The owner going away (close, exit, kill) takes its setup with it,
 * without waiting: its RUNs stop at their next check and the last one
 * frees it.
 */
static int fl_release(struct inode *inode, struct file *file)
{
	struct fl_setup *s;
	int err = 0;

	spin_lock(&fl_lock);
	s = fl_unpublish(file, &err);
	spin_unlock(&fl_lock);
	if (s && fl_setup_put(s))
		pr_err_ratelimited("setup released by a closing file was not back at base\n");
	return 0;
}

static const struct file_operations fl_fops = {
	.owner = THIS_MODULE,
	.open = fl_open,
	.release = fl_release,
	.unlocked_ioctl = fl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice fl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "folio_lab",
	.fops = &fl_fops,
	.mode = 0600,
};

static int __init fl_init(void)
{
	fl_probe_scheme();
	pr_info("kernel refcount scheme %s (raw frozen %#x, after a failed get %#x)\n",
		fl_scheme_names[fl_scheme], fl_frozen_raw, fl_failed_get_raw);
	return misc_register(&fl_misc);
}

static void __exit fl_exit(void)
{
	misc_deregister(&fl_misc);
	/* Every file is closed by now (fops owner), so release tore it down. */
	if (WARN_ON_ONCE(fl_cur)) {
		fl_destroy(fl_cur);
		fl_cur = NULL;
	}
}

module_init(fl_init);
module_exit(fl_exit);
MODULE_DESCRIPTION("folio-lab: folio refcount scalability microbenchmark device");
MODULE_LICENSE("GPL");
