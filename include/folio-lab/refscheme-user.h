/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Userspace shim for refscheme.h: C11 atomics with the kernel's ordering
 * (value-returning RMWs fully ordered, unfreeze a release store).
 */
#ifndef FOLIO_LAB_REFSCHEME_USER_H
#define FOLIO_LAB_REFSCHEME_USER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
	_Atomic int counter;
} rs_atomic_t;
typedef uint64_t rs_u64;

static inline int rs_read(rs_atomic_t *v)
{
	return atomic_load_explicit(&v->counter, memory_order_relaxed);
}

static inline void rs_set(rs_atomic_t *v, int i)
{
	atomic_store_explicit(&v->counter, i, memory_order_relaxed);
}

static inline void rs_set_release(rs_atomic_t *v, int i)
{
	atomic_store_explicit(&v->counter, i, memory_order_release);
}

static inline void rs_add(rs_atomic_t *v, int i)
{
	atomic_fetch_add_explicit(&v->counter, i, memory_order_relaxed);
}

/* C11 defines wrap-around for atomic arithmetic on signed types. */
static inline int rs_add_return(rs_atomic_t *v, int i)
{
	return (int)((unsigned int)atomic_fetch_add(&v->counter, i) + (unsigned int)i);
}

static inline int rs_sub_return(rs_atomic_t *v, int i)
{
	return (int)((unsigned int)atomic_fetch_sub(&v->counter, i) - (unsigned int)i);
}

static inline bool rs_sub_and_test(rs_atomic_t *v, int i)
{
	return atomic_fetch_sub(&v->counter, i) == i;
}

static inline bool rs_try_cmpxchg(rs_atomic_t *v, int *old, int new)
{
	return atomic_compare_exchange_strong(&v->counter, old, new);
}

static inline bool rs_try_cmpxchg_relaxed(rs_atomic_t *v, int *old, int new)
{
	return atomic_compare_exchange_strong_explicit(&v->counter, old, new, memory_order_relaxed,
						       memory_order_relaxed);
}

static inline void rs_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#include "refscheme.h"

#endif /* FOLIO_LAB_REFSCHEME_USER_H */
