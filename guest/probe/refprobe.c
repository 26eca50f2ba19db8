// SPDX-License-Identifier: GPL-2.0
/*
 * folio-lab refprobe: tells which page refcount scheme the running kernel
 * uses, by driving a private page through freeze, a failed speculative get
 * and a final put, and printing the raw _refcount word after each step.
 * Base kernels show 0 for frozen/freed; the frozen-bit port shows 0x80000000,
 * and after the failed get 0x80000001: as in v1-v5 of the series, a failed
 * get leaves its increment ("junk") on the frozen word until the unfreeze
 * (the RFC took it back with a cmpxchg: 0x80000000 again). cas_put says
 * whether the headers define PAGEREF_CAS_PUT (kernels/frozen-bit-cas-put-
 * 6.12.patch: the final put goes count -> FROZEN by a cmpxchg loop); the
 * words here are the same either way, since only a concurrent reviving
 * getter could tell the two puts apart.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/gfp.h>

static int raw(struct page *page)
{
	return atomic_read(&page->_refcount);
}

static int __init refprobe_init(void)
{
	struct page *page = alloc_page(GFP_KERNEL);
	int live, frozen, after_get, count_frozen, zero;
#ifdef PAGEREF_CAS_PUT
	int cas_put = 1;
#else
	int cas_put = 0;
#endif
	bool got;

	if (!page)
		return -ENOMEM;
	live = raw(page);
	if (!page_ref_freeze(page, 1)) {
		__free_page(page);
		return -EBUSY;
	}
	frozen = raw(page);
	count_frozen = page_ref_count(page);
	/* Must fail; v5 leaves its junk behind, the unfreeze erases it. */
	got = get_page_unless_zero(page);
	after_get = raw(page);
	page_ref_unfreeze(page, 1);

	/* The final put: what does the word hold once it "reached zero"? */
	if (!put_page_testzero(page)) {
		pr_err("folio-lab-refprobe: final put did not report zero\n");
		return -EIO;
	}
	zero = raw(page);
	/* Revive it the way the allocator does, then free it for real. */
	init_page_count(page);
	__free_page(page);

	pr_info("folio-lab-refprobe: live=%#x frozen=%#x count_frozen=%d try_get=%d after_try_get=%#x after_final_put=%#x cas_put=%d\n",
		live, frozen, count_frozen, got, after_get, zero, cas_put);
	return 0;
}

static void __exit refprobe_exit(void)
{
}

module_init(refprobe_init);
module_exit(refprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("folio-lab: report the raw page refcount encoding");
