/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Kernel shim for include/folio-lab/refscheme.h: the schemes run on the
 * kernel's own atomic_t, with the same ordering as the page refcount
 * (value-returning RMWs fully ordered, unfreeze a release store).
 */
#ifndef FOLIO_LAB_REFSCHEME_KERNEL_H
#define FOLIO_LAB_REFSCHEME_KERNEL_H

#include <linux/atomic.h>
#include <linux/processor.h>
#include <linux/string.h>
#include <linux/types.h>

typedef atomic_t rs_atomic_t;
typedef u64 rs_u64;

static inline int rs_read(rs_atomic_t *v)
{
	return atomic_read(v);
}

static inline void rs_set(rs_atomic_t *v, int i)
{
	atomic_set(v, i);
}

static inline void rs_set_release(rs_atomic_t *v, int i)
{
	atomic_set_release(v, i);
}

static inline void rs_add(rs_atomic_t *v, int i)
{
	atomic_add(i, v);
}

static inline int rs_add_return(rs_atomic_t *v, int i)
{
	return atomic_add_return(i, v);
}

static inline int rs_sub_return(rs_atomic_t *v, int i)
{
	return atomic_sub_return(i, v);
}

static inline bool rs_sub_and_test(rs_atomic_t *v, int i)
{
	return atomic_sub_and_test(i, v);
}

static inline bool rs_try_cmpxchg(rs_atomic_t *v, int *old, int new)
{
	return atomic_try_cmpxchg(v, old, new);
}

static inline bool rs_try_cmpxchg_relaxed(rs_atomic_t *v, int *old, int new)
{
	return atomic_try_cmpxchg_relaxed(v, old, new);
}

static inline void rs_cpu_relax(void)
{
	cpu_relax();
}

#include "folio-lab/refscheme.h"

#endif /* FOLIO_LAB_REFSCHEME_KERNEL_H */
