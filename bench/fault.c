// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fault: the anonymous-memory free path. Each worker maps pages private
 * anonymous pages, write-faults each one, and unmaps them; an op is one
 * page allocated, faulted in and freed. munmap drops the last reference of
 * every page (folio_put -> free), which under the frozen-bit scheme pays
 * the extra cmpxchg 0 -> FROZEN: the cost David Hildenbrand asked about.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "workload.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

enum { C_MAPS, C_MINFLT, C_NR };

static const char *const fault_variants[] = {"default", NULL};
static const char *const fault_counters[] = {
    [C_MAPS] = "maps", [C_MINFLT] = "minflt", [C_NR] = NULL};

enum { THP_NEVER, THP_MADVISE };
static const struct fl_enum_value fault_thp[] = {
    [THP_NEVER] = {"never", "madvise(MADV_NOHUGEPAGE): every page takes the order-0 path"},
    [THP_MADVISE] = {"madvise", "madvise(MADV_HUGEPAGE)"},
    {NULL, NULL},
};

enum { POP_TOUCH, POP_POPULATE };
static const struct fl_enum_value fault_populate[] = {
    [POP_TOUCH] = {"touch", "write one byte per page (a write fault each)"},
    [POP_POPULATE] = {"populate",
		      "prefault with MADV_POPULATE_WRITE (MAP_POPULATE on kernels before 5.14)"},
    {NULL, NULL},
};

static const struct fl_param fault_params[] = {
    FL_U64("pages", 64, 1, 1u << 20, "pages mapped, faulted and unmapped per cycle"),
    FL_ENUM("thp", "never", fault_thp, "transparent huge pages on the mapping"),
    FL_ENUM("populate", "touch", fault_populate, "how the pages are faulted in"),
    FL_PARAMS_END,
};

/* An op is a page; pages come in cycles of `pages`, each a real fault. */
static const struct fl_smoke fault_smoke[] = {
    {.args = "--mode threads",
     .check = "((.counters.maps * 64 - .ops) | fabs) <= 64 * .workers and .counters.minflt > 0",
     .what = "ops = 64 * maps, minor faults seen"},
    {.args = "--mode processes",
     .check = "((.counters.maps * 64 - .ops) | fabs) <= 64 * .workers and .counters.minflt > 0",
     .what = "ops = 64 * maps, minor faults seen"},
    {.args = "--workers 1 --opt populate=populate --opt pages=16 --opt thp=madvise",
     .check = "((.counters.maps * 16 - .ops) | fabs) <= 16",
     .what = "ops = 16 * maps",
     .records = 1},
    {NULL},
};

struct fault_shared {
	size_t len;
	size_t page;
	uint64_t pages;
	bool huge;
	bool populate;
};

struct fault_worker {
	bool map_populate; /* fall back to MAP_POPULATE: no MADV_POPULATE_WRITE */
};

static int fault_setup(struct fl_ctx *ctx)
{
	struct fault_shared *sh;
	uint64_t pages = fl_param_u64(ctx, "pages");
	long page = sysconf(_SC_PAGESIZE);

	sh = fl_shared_alloc(sizeof(*sh));
	if (!sh) {
		fprintf(stderr, "fault: cannot allocate shared memory\n");
		return -1;
	}
	sh->page = page > 0 ? (size_t)page : 4096;
	sh->pages = pages;
	sh->len = (size_t)pages * sh->page;
	sh->huge = fl_param_enum(ctx, "thp") == THP_MADVISE;
	sh->populate = fl_param_enum(ctx, "populate") == POP_POPULATE;
	ctx->priv = sh;
	return 0;
}

static void fault_teardown(struct fl_ctx *ctx)
{
	if (ctx->priv)
		fl_shared_free(ctx->priv, sizeof(struct fault_shared));
	ctx->priv = NULL;
}

/* One cycle: map, fault every page, unmap. Returns 0 or -1 (message printed). */
static int fault_cycle(const struct fault_shared *sh, struct fault_worker *fw, unsigned int id)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (fw->map_populate ? MAP_POPULATE : 0);
	char *p = mmap(NULL, sh->len, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "fault: worker %u: mmap of %zu bytes: %s\n", id, sh->len,
			strerror(errno));
		return -1;
	}
	/* Chosen before the first fault, or THP may already have been used. */
	if (madvise(p, sh->len, sh->huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) < 0 &&
	    errno != EINVAL) {
		fprintf(stderr, "fault: worker %u: madvise(%s): %s\n", id,
			sh->huge ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", strerror(errno));
		munmap(p, sh->len);
		return -1;
	}
	if (sh->populate && !fw->map_populate) {
		if (madvise(p, sh->len, MADV_POPULATE_WRITE) < 0) {
			fprintf(stderr, "fault: worker %u: madvise(MADV_POPULATE_WRITE): %s\n", id,
				strerror(errno));
			munmap(p, sh->len);
			return -1;
		}
	} else if (!sh->populate) {
		for (size_t off = 0; off < sh->len; off += sh->page)
			((volatile char *)p)[off] = 1;
	}
	if (munmap(p, sh->len) < 0) {
		fprintf(stderr, "fault: worker %u: munmap: %s\n", id, strerror(errno));
		return -1;
	}
	return 0;
}

static int fault_worker_init(struct fl_ctx *ctx, struct fl_worker *w)
{
	struct fault_shared *sh = ctx->priv;
	struct fault_worker *fw = calloc(1, sizeof(*fw));

	if (!fw) {
		fprintf(stderr, "fault: worker %u: out of memory\n", w->id);
		w->slot->error = 1;
		return -1;
	}
	w->priv = fw;
	if (sh->populate) {
		/* Probe once: kernels before 5.14 lack MADV_POPULATE_WRITE. */
		char *p = mmap(NULL, sh->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "fault: worker %u: mmap: %s\n", w->id, strerror(errno));
			w->slot->error = 1;
			return -1;
		}
		fw->map_populate = madvise(p, sh->page, MADV_POPULATE_WRITE) < 0 && errno == EINVAL;
		munmap(p, sh->page);
	}
	/* One dry cycle so set-up errors show here, before the gate. */
	if (fault_cycle(sh, fw, w->id) < 0) {
		w->slot->error = 1;
		return -1;
	}
	return 0;
}

static uint64_t thread_minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return 0;
	return (uint64_t)ru.ru_minflt;
}

static void fault_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	const struct fault_shared *sh = ctx->priv;
	struct fault_worker *fw = w->priv;
	const uint64_t flt0 = thread_minflt();
	uint64_t cycles = 0;

	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		if (fault_cycle(sh, fw, w->id) < 0) {
			w->slot->error = 1;
			return;
		}
		fl_count(&w->slot->ops, sh->pages);
		fl_count(&w->slot->counters[C_MAPS], 1);
		/* getrusage is a syscall: sample it now and then, not per cycle. */
		if ((++cycles & 15) == 0)
			atomic_store_explicit(&w->slot->counters[C_MINFLT], thread_minflt() - flt0,
					      memory_order_relaxed);
	}
	atomic_store_explicit(&w->slot->counters[C_MINFLT], thread_minflt() - flt0,
			      memory_order_relaxed);
}

static void fault_worker_fini(struct fl_ctx *ctx, struct fl_worker *w)
{
	(void)ctx;
	free(w->priv);
	w->priv = NULL;
}

const struct fl_workload fl_workload_fault = {
    .name = "fault",
    .summary = "anonymous memory: mmap, write-fault every page, munmap; an op is one page "
	       "faulted and freed (the free path's extra cmpxchg)",
    .variants = fault_variants,
    .params = fault_params,
    .counters = fault_counters,
    .smoke = fault_smoke,
    .setup = fault_setup,
    .worker_init = fault_worker_init,
    .testcase = fault_testcase,
    .worker_fini = fault_worker_fini,
    .teardown = fault_teardown,
};
