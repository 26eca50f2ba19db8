// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * torture: the real kernel paths that freeze, re-arm or free folios, run
 * for a bounded time while speculative getters race them. The frozen-bit
 * series changes folio_ref_freeze/unfreeze and the final put; the callers
 * that matter are THP split (page cache and anonymous), khugepaged-style
 * collapse, migration (move_pages, mbind, compaction, soft offline) and the
 * GUP pin/unpin of a registered io_uring buffer. Readers meanwhile take
 * speculative references on the same page-cache folios with the series'
 * own benchmark call, pread(fd, buf, 64, 0).
 *
 * Each worker has a role by its index (0 splitter, 1 reader, 2 migrator,
 * 3 other: compaction, soft offline, pins; wrapping for more workers).
 * With fewer than four workers the last one also cycles through the roles
 * nobody has, so every path runs at any worker count. A path the kernel
 * or the privileges do not allow counts a skip, never a failure; only a
 * read that does not return its bytes (or an unexpected error of the
 * calls that set the stage) fails the workload.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <limits.h>
#include <linux/mempolicy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "workload.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1 */
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif

#define KIB	 1024ul
#define MIB	 (1024ul * 1024ul)
#define HUGE_SZ	 (2 * MIB) /* one PMD-sized THP on x86-64 */
#define PAGE_SZ	 4096ul
#define READ_SZ	 64 /* the series' benchmark: pread(fd, buf, 64, 0) */
#define WRITE_SZ (64 * KIB)
/* The file: its first THP plus a tail, so the first THP is wholly inside. */
#define FILE_LEN (HUGE_SZ + WRITE_SZ)
/*
 * Truncation lands in [TRUNC_MIN, HUGE_SZ): the middle of the first THP,
 * which splits it. The file never gets shorter than TRUNC_MIN, so reads
 * (and mapped accesses) below it must always find their bytes.
 */
#define TRUNC_MIN     MIB
#define MIGRATE_PAGES 16

static const char SPLIT_DEBUGFS[] = "/sys/kernel/debug/split_huge_pages";
static const char COMPACT_PROC[] = "/proc/sys/vm/compact_memory";

enum {
	C_TRUNCATES,
	C_PREADS,
	C_ANON_FAULTS,
	C_SPLITS,
	C_COLLAPSES,
	C_MIGR_OK,
	C_MIGR_FAILED,
	C_COMPACTIONS,
	C_SOFT_OFFLINES,
	C_PINS,
	C_SKIPS,
	C_NR
};

static const char *const torture_variants[] = {"default", NULL};
static const char *const torture_counters[] = {
    [C_TRUNCATES] = "truncates",
    [C_PREADS] = "preads",
    [C_ANON_FAULTS] = "anon_faults",
    [C_SPLITS] = "splits_requested",
    [C_COLLAPSES] = "collapses",
    [C_MIGR_OK] = "migrations_ok",
    [C_MIGR_FAILED] = "migrations_failed",
    [C_COMPACTIONS] = "compactions",
    [C_SOFT_OFFLINES] = "soft_offlines",
    [C_PINS] = "pins",
    [C_SKIPS] = "skips",
    [C_NR] = NULL,
};

enum { SO_GUEST, SO_ALWAYS, SO_NEVER };
static const struct fl_enum_value torture_soft_offline[] = {
    [SO_GUEST] = {"guest",
		  "only where FOLIO_LAB_WHERE=guest: each soft offline takes a page out of "
		  "service until reboot, which a guest can afford and a host should not"},
    [SO_ALWAYS] = {"always", "wherever the kernel and the privileges allow it"},
    [SO_NEVER] = {"never", "never (counted as skips)"},
    {NULL, NULL},
};

static const struct fl_param torture_params[] = {
    FL_STR("dir", "/dev/shm",
	   "directory of the page-cache file: tmpfs mounted huge=always for THPs (the workload "
	   "mounts nothing); the file is unlinked at once"),
    FL_U64("chunks", 4, 1, 31,
	   "2 MiB anonymous THP regions per worker, plus one for the pinned buffer (at most "
	   "64 MiB a worker)"),
    FL_U64("compact_ms", 500, 1, 3600000,
	   "milliseconds between two writes of 1 to /proc/sys/vm/compact_memory per worker"),
    FL_ENUM("soft_offline", "guest", torture_soft_offline, "where madvise(MADV_SOFT_OFFLINE) runs"),
    FL_U64("soft_offline_ms", 50, 1, 3600000,
	   "milliseconds between two soft-offlined pages per worker"),
    FL_PARAMS_END,
};

/* Guests only, full suite only: the patched kernels are the interesting ones. */
static const struct fl_suite_run torture_suite[] = {
    {FL_IN_FULL | FL_IN_GUEST, "--reps 1"},
    {0, NULL},
};

static const struct fl_smoke torture_smoke[] = {
    {.args = "--mode threads",
     .check = ".ops > 0 and (.counters | to_entries | all(.value >= 0)) and "
	      ".counters.preads > 0 and .counters.truncates > 0",
     .what = "ops > 0, counters non-negative, the file truncated and read"},
    {NULL},
};

enum { R_SPLIT, R_READ, R_MIGRATE, R_OTHER, R_NR };

struct torture_shared {
	int fd;
	char *fmap; /* MAP_SHARED of the file's first THP, 2 MiB aligned */
	char *area; /* every worker's anonymous memory, 2 MiB aligned */
	size_t area_len;
	void *area_raw;
	size_t area_raw_len;
	void *fmap_raw;
	size_t per_worker; /* bytes of area per worker: chunks + the pin buffer */
	unsigned int chunks;
	unsigned int nworkers;
	bool numa; /* node1 exists: migration has somewhere to go */
	bool soft_offline;
	uint64_t compact_ns, soft_offline_ns;
	uint64_t vmstat0[8];
};

struct torture_worker {
	unsigned int roles[R_NR];
	unsigned int nroles, next_role;
	uint64_t iter, pins;
	char *anon;   /* chunks * HUGE_SZ */
	char *pinbuf; /* HUGE_SZ, registered with io_uring */
	char *wbuf;   /* WRITE_SZ of junk for the file's writes */
	char rbuf[READ_SZ];
	uint64_t next_compact, next_soft_offline;
	int target_node;
	struct io_uring ring;
	bool ring_ok;
	/* Paths found missing: counted as skips from then on, not retried. */
	bool no_collapse, no_debugfs, no_compact, no_soft_offline, no_uring, no_migrate, no_mbind;
};

static const char *const vmstat_keys[8] = {
    "thp_split_page",	 "thp_split_page_failed", "thp_split_pmd", "thp_collapse_alloc",
    "pgmigrate_success", "pgmigrate_fail",	  "compact_stall", "compact_success",
};

static void vmstat_read(uint64_t *v)
{
	char key[64];
	unsigned long long val;
	FILE *f = fopen("/proc/vmstat", "r");

	memset(v, 0, sizeof(uint64_t) * 8);
	if (!f)
		return;
	while (fscanf(f, "%63s %llu", key, &val) == 2)
		for (int i = 0; i < 8; i++)
			if (strcmp(key, vmstat_keys[i]) == 0)
				v[i] = val;
	fclose(f);
}

/* Anonymous memory at a 2 MiB boundary (a THP needs one): map len + 2 MiB, use the aligned part. */
static char *map_aligned(size_t len, void **raw, size_t *raw_len)
{
	size_t total = len + HUGE_SZ;
	char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	*raw = p;
	*raw_len = total;
	return (char *)(((uintptr_t)p + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
}

/* Writes [from, to) of the file with junk; 0 or -1 (message printed). */
static int write_range(int fd, const char *junk, off_t from, off_t to)
{
	struct iovec iov[64];
	int n = 0;
	size_t want = 0;
	ssize_t r;

	for (off_t o = from; o < to && n < 64; o += WRITE_SZ, n++) {
		iov[n].iov_base = (void *)junk;
		iov[n].iov_len = (size_t)(to - o < (off_t)WRITE_SZ ? to - o : (off_t)WRITE_SZ);
		want += iov[n].iov_len;
	}
	do
		r = pwritev(fd, iov, n, from);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)want) {
		fprintf(stderr, "torture: pwritev of %zu bytes at %lld returned %zd: %s\n", want,
			(long long)from, r, r < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

static int torture_setup(struct fl_ctx *ctx)
{
	struct torture_shared *sh = fl_shared_alloc(sizeof(*sh));
	const char *dir = fl_param_str(ctx, "dir");
	const char *where = getenv("FOLIO_LAB_WHERE");
	char path[PATH_MAX];
	char *junk = NULL;

	if (!sh) {
		fprintf(stderr, "torture: cannot allocate shared memory\n");
		return -1;
	}
	sh->fd = -1;
	ctx->priv = sh;
	sh->nworkers = ctx->nworkers;
	sh->chunks = (unsigned int)fl_param_u64(ctx, "chunks");
	sh->compact_ns = fl_param_u64(ctx, "compact_ms") * 1000000ull;
	sh->soft_offline_ns = fl_param_u64(ctx, "soft_offline_ms") * 1000000ull;
	switch (fl_param_enum(ctx, "soft_offline")) {
	case SO_GUEST:
		sh->soft_offline = where && strcmp(where, "guest") == 0;
		break;
	case SO_ALWAYS:
		sh->soft_offline = true;
		break;
	default:
		sh->soft_offline = false;
	}
	sh->numa = access("/sys/devices/system/node/node1", F_OK) == 0;

	snprintf(path, sizeof(path), "%s/folio-lab-torture-XXXXXX", dir);
	sh->fd = mkstemp(path);
	if (sh->fd < 0) {
		fprintf(stderr, "torture: cannot create a file in --opt dir=%s: %s\n", dir,
			strerror(errno));
		goto fail;
	}
	/* Nothing to leave behind, whatever happens next. */
	unlink(path);
	junk = malloc(WRITE_SZ);
	if (!junk) {
		fprintf(stderr, "torture: out of memory\n");
		goto fail;
	}
	memset(junk, 0x5a, WRITE_SZ);
	if (write_range(sh->fd, junk, 0, FILE_LEN) < 0)
		goto fail;
	free(junk);
	junk = NULL;

	/* The file's first THP, mapped at a 2 MiB boundary so MADV_COLLAPSE can take it. */
	sh->fmap_raw = mmap(NULL, 2 * HUGE_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh->fmap_raw == MAP_FAILED) {
		sh->fmap_raw = NULL;
		fprintf(stderr, "torture: mmap: %s\n", strerror(errno));
		goto fail;
	}
	sh->fmap = (char *)(((uintptr_t)sh->fmap_raw + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
	if (mmap(sh->fmap, HUGE_SZ, PROT_READ, MAP_SHARED | MAP_FIXED, sh->fd, 0) == MAP_FAILED) {
		fprintf(stderr, "torture: mmap of the file: %s\n", strerror(errno));
		goto fail;
	}
	madvise(sh->fmap, HUGE_SZ, MADV_HUGEPAGE);

	sh->per_worker = (size_t)(sh->chunks + 1) * HUGE_SZ;
	sh->area_len = sh->per_worker * sh->nworkers;
	sh->area = map_aligned(sh->area_len, &sh->area_raw, &sh->area_raw_len);
	if (!sh->area) {
		fprintf(stderr, "torture: mmap of %zu bytes: %s\n", sh->area_len, strerror(errno));
		goto fail;
	}
	/* EINVAL: a kernel without THP; the paths then run on small pages. */
	madvise(sh->area, sh->area_len, MADV_HUGEPAGE);
	vmstat_read(sh->vmstat0);
	return 0;
fail:
	free(junk);
	return -1;
}

static void torture_teardown(struct fl_ctx *ctx)
{
	struct torture_shared *sh = ctx->priv;
	uint64_t v[8];

	if (!sh)
		return;
	if (sh->area) {
		/* What the kernel saw, system-wide: the record has no field for it. */
		vmstat_read(v);
		fprintf(stderr, "torture: /proc/vmstat over the run:");
		for (int i = 0; i < 8; i++)
			fprintf(stderr, " %s +%llu", vmstat_keys[i],
				(unsigned long long)(v[i] - sh->vmstat0[i]));
		fprintf(stderr, "\n");
		munmap(sh->area_raw, sh->area_raw_len);
	}
	if (sh->fmap_raw)
		munmap(sh->fmap_raw, 2 * HUGE_SZ);
	if (sh->fd >= 0)
		close(sh->fd);
	fl_shared_free(sh, sizeof(*sh));
	ctx->priv = NULL;
}

static int torture_worker_init(struct fl_ctx *ctx, struct fl_worker *w)
{
	struct torture_shared *sh = ctx->priv;
	struct torture_worker *tw = calloc(1, sizeof(*tw));
	uint64_t now = fl_now_ns();

	if (!tw || !(tw->wbuf = malloc(WRITE_SZ))) {
		fprintf(stderr, "torture: worker %u: out of memory\n", w->id);
		free(tw);
		w->slot->error = 1;
		return -1;
	}
	memset(tw->wbuf, 0xa5, WRITE_SZ);
	tw->roles[tw->nroles++] = w->id % R_NR;
	/* The last of fewer than R_NR workers takes the roles nobody has. */
	if (sh->nworkers < R_NR && w->id == sh->nworkers - 1)
		for (unsigned int r = sh->nworkers; r < R_NR; r++)
			tw->roles[tw->nroles++] = r;
	tw->anon = sh->area + sh->per_worker * w->id;
	tw->pinbuf = tw->anon + (size_t)sh->chunks * HUGE_SZ;
	/* Not at once: the first compaction would take a short window whole. */
	tw->next_compact = now + sh->compact_ns;
	tw->next_soft_offline = now + sh->soft_offline_ns;
	tw->no_soft_offline = !sh->soft_offline;
	tw->no_migrate = tw->no_mbind = !sh->numa;
	tw->target_node = 1;
	w->priv = tw;
	return 0;
}

/* Fault a fresh region (a new THP where the kernel allows it) at p. */
static int fresh_chunk(char *p, unsigned int id)
{
	if (mmap(p, HUGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0) == MAP_FAILED) {
		fprintf(stderr, "torture: worker %u: mmap MAP_FIXED: %s\n", id, strerror(errno));
		return -1;
	}
	madvise(p, HUGE_SZ, MADV_HUGEPAGE);
	for (size_t off = 0; off < HUGE_SZ; off += PAGE_SZ)
		((volatile char *)p)[off] = 1;
	return 0;
}

/* Ask debugfs to split the THPs of [p, p + len); false when it cannot. */
static bool debugfs_split(char *p, size_t len)
{
	char cmd[96];
	int fd = open(SPLIT_DEBUGFS, O_WRONLY);
	int n;
	ssize_t r;

	if (fd < 0)
		return false;
	n = snprintf(cmd, sizeof(cmd), "%d,0x%lx,0x%lx", (int)getpid(), (unsigned long)p,
		     (unsigned long)(p + len));
	r = write(fd, cmd, (size_t)n);
	close(fd);
	return r == n;
}

static int do_split(struct torture_shared *sh, struct torture_worker *tw, struct fl_worker *w)
{
	_Atomic uint64_t *c = w->slot->counters;
	char *p = tw->anon + (tw->iter % sh->chunks) * HUGE_SZ;
	off_t cut = (off_t)(TRUNC_MIN + ((tw->iter * 4160) % (HUGE_SZ - TRUNC_MIN) & ~63ul));

	/* Page cache: refill the first THP and past it, collapse, cut it in the middle. */
	if (write_range(sh->fd, tw->wbuf, TRUNC_MIN, FILE_LEN) < 0)
		return -1;
	if (tw->no_collapse) {
		fl_count(&c[C_SKIPS], 1);
	} else if (madvise(sh->fmap, HUGE_SZ, MADV_COLLAPSE) == 0) {
		fl_count(&c[C_COLLAPSES], 1);
	} else if (errno == EINVAL || errno == EPERM) {
		/* Before 6.1, or no THP for shmem: truncation alone still runs. */
		tw->no_collapse = true;
		fl_count(&c[C_SKIPS], 1);
	}
	if (ftruncate(sh->fd, cut) < 0) {
		fprintf(stderr, "torture: worker %u: ftruncate to %lld: %s\n", w->id,
			(long long)cut, strerror(errno));
		return -1;
	}
	fl_count(&c[C_TRUNCATES], 1);

	/* Anonymous: a fresh THP, a 4 KiB hole in its middle (PMD split, deferred split). */
	if (fresh_chunk(p, w->id) < 0)
		return -1;
	fl_count(&c[C_ANON_FAULTS], 1);
	if (madvise(p + HUGE_SZ / 2, PAGE_SZ, MADV_DONTNEED) < 0) {
		fprintf(stderr, "torture: worker %u: madvise(MADV_DONTNEED): %s\n", w->id,
			strerror(errno));
		return -1;
	}
	fl_count(&c[C_SPLITS], 1);
	/* ... and the folio split itself, now rather than under memory pressure. */
	if (!tw->no_debugfs && debugfs_split(p, HUGE_SZ)) {
		fl_count(&c[C_SPLITS], 1);
	} else {
		tw->no_debugfs = true;
		fl_count(&c[C_SKIPS], 1);
	}
	return 0;
}

static int pread64b(int fd, char *buf, off_t off, bool eof_ok, unsigned int id)
{
	ssize_t r;

	do
		r = pread(fd, buf, READ_SZ, off);
	while (r < 0 && errno == EINTR);
	/* 64-byte aligned offsets and cuts: a read is all or, past EOF, nothing. */
	if (r == READ_SZ || (eof_ok && r == 0))
		return 0;
	fprintf(stderr, "torture: worker %u: pread of %d bytes at %lld returned %zd: %s\n", id,
		READ_SZ, (long long)off, r, r < 0 ? strerror(errno) : "short read");
	return -1;
}

static int do_read(struct torture_shared *sh, struct torture_worker *tw, struct fl_worker *w)
{
	off_t below = (off_t)((tw->iter * 4160) % (TRUNC_MIN - READ_SZ) & ~63ul);
	off_t tail = (off_t)(TRUNC_MIN + ((tw->iter * 8256) % (FILE_LEN - TRUNC_MIN) & ~63ul));

	/* Offset 0 and anything below TRUNC_MIN always exist; the tail comes and goes. */
	if (pread64b(sh->fd, tw->rbuf, 0, false, w->id) < 0 ||
	    pread64b(sh->fd, tw->rbuf, below, false, w->id) < 0 ||
	    pread64b(sh->fd, tw->rbuf, tail, true, w->id) < 0)
		return -1;
	fl_count(&w->slot->counters[C_PREADS], 3);
	return 0;
}

static void do_migrate(struct torture_shared *sh, struct torture_worker *tw, struct fl_worker *w)
{
	_Atomic uint64_t *c = w->slot->counters;
	unsigned int victim = (unsigned int)(tw->iter % sh->nworkers);
	char *region = sh->area + sh->per_worker * victim;
	char *chunk = region + (tw->iter / sh->nworkers % sh->chunks) * HUGE_SZ;
	void *pages[MIGRATE_PAGES];
	int nodes[MIGRATE_PAGES], status[MIGRATE_PAGES];
	unsigned long mask;
	long r;
	int n = 0;

	if (tw->no_migrate) {
		fl_count(&c[C_SKIPS], 1);
		return;
	}
	tw->target_node ^= 1;
	/* Anonymous pages of some worker's chunk (mapped or not, THP or split)... */
	for (int i = 0; i < 6; i++)
		pages[n++] = chunk + (size_t)i * (HUGE_SZ / 6 & ~(PAGE_SZ - 1));
	/* ... its pinned buffer (may be pinned: EBUSY is an answer too)... */
	pages[n++] = region + (size_t)sh->chunks * HUGE_SZ;
	pages[n++] = region + (size_t)sh->chunks * HUGE_SZ + HUGE_SZ / 2;
	/* ... and the file's pages below TRUNC_MIN, mapped here so they can be found. */
	while (n < MIGRATE_PAGES) {
		char *fp = sh->fmap + (size_t)(n - 8) * (TRUNC_MIN / 8);

		(void)*(volatile char *)fp;
		pages[n++] = fp;
	}
	for (int i = 0; i < n; i++)
		nodes[i] = tw->target_node;
	r = syscall(SYS_move_pages, 0, (unsigned long)n, pages, nodes, status, MPOL_MF_MOVE);
	if (r < 0) {
		if (errno == ENOSYS || errno == EPERM || errno == ENODEV) {
			tw->no_migrate = true;
			fl_count(&c[C_SKIPS], 1);
		} else {
			fl_count(&c[C_MIGR_FAILED], 1);
		}
	} else {
		for (int i = 0; i < n; i++) {
			if (status[i] == tw->target_node)
				fl_count(&c[C_MIGR_OK], 1);
			/* Not present (a hole, a truncated tail): nothing to move. */
			else if (status[i] != -ENOENT && status[i] != -EFAULT)
				fl_count(&c[C_MIGR_FAILED], 1);
		}
	}
	if ((tw->iter & 3) != 0)
		return;
	/* Every fourth time, the whole chunk by policy: mbind's own migration path. */
	if (tw->no_mbind) {
		fl_count(&c[C_SKIPS], 1);
		return;
	}
	mask = 1ul << tw->target_node;
	if (syscall(SYS_mbind, chunk, HUGE_SZ, MPOL_BIND, &mask, sizeof(mask) * 8, MPOL_MF_MOVE) ==
	    0) {
		fl_count(&c[C_MIGR_OK], 1);
	} else if (errno == ENOSYS || errno == EPERM) {
		tw->no_mbind = true;
		fl_count(&c[C_SKIPS], 1);
	} else {
		fl_count(&c[C_MIGR_FAILED], 1);
	}
}

static void do_compact(struct torture_worker *tw, struct fl_worker *w)
{
	int fd;
	ssize_t r = -1;

	if (!tw->no_compact && (fd = open(COMPACT_PROC, O_WRONLY)) >= 0) {
		r = write(fd, "1", 1);
		close(fd);
	}
	if (r == 1) {
		fl_count(&w->slot->counters[C_COMPACTIONS], 1);
	} else {
		tw->no_compact = true;
		fl_count(&w->slot->counters[C_SKIPS], 1);
	}
}

static void do_soft_offline(struct torture_shared *sh, struct torture_worker *tw,
			    struct fl_worker *w)
{
	_Atomic uint64_t *c = w->slot->counters;
	char *p = tw->anon + (tw->iter % sh->chunks) * HUGE_SZ +
		  (tw->iter * 7 % (HUGE_SZ / PAGE_SZ)) * PAGE_SZ;

	if (tw->no_soft_offline) {
		fl_count(&c[C_SKIPS], 1);
		return;
	}
	/* A real anonymous page (part of a THP where there is one), not the zero page. */
	*(volatile char *)p = 1;
	if (madvise(p, PAGE_SZ, MADV_SOFT_OFFLINE) == 0) {
		fl_count(&c[C_SOFT_OFFLINES], 1);
	} else if (errno == EPERM || errno == EINVAL) {
		/* Not root, or no CONFIG_MEMORY_FAILURE. */
		tw->no_soft_offline = true;
		fl_count(&c[C_SKIPS], 1);
	} else {
		/* EBUSY, EIO: the page would not migrate this time. */
		fl_count(&c[C_MIGR_FAILED], 1);
	}
}

/*
 * A GUP pin: register a fresh (THP) anonymous buffer with io_uring
 * (pin_user_pages, FOLL_LONGTERM), split its PMD and ask for the folio
 * split while it is pinned, read the file into it, unregister (unpin).
 * tmpfs has no O_DIRECT, so this is the pin path that reaches it.
 */
static int do_pin(struct torture_shared *sh, struct torture_worker *tw, struct fl_worker *w)
{
	_Atomic uint64_t *c = w->slot->counters;
	struct iovec iov = {.iov_base = tw->pinbuf, .iov_len = HUGE_SZ};
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int ret, res;

	if (tw->no_uring) {
		fl_count(&c[C_SKIPS], 1);
		return 0;
	}
	if (!tw->ring_ok) {
		ret = io_uring_queue_init(4, &tw->ring, 0);
		if (ret < 0) {
			tw->no_uring = true;
			fl_count(&c[C_SKIPS], 1);
			return 0;
		}
		tw->ring_ok = true;
	}
	/* A fresh THP every 8 pins; between, the same (split) buffer pinned again. */
	if ((tw->pins++ & 7) == 0) {
		if (fresh_chunk(tw->pinbuf, w->id) < 0)
			return -1;
		fl_count(&c[C_ANON_FAULTS], 1);
	}
	ret = io_uring_register_buffers(&tw->ring, &iov, 1);
	if (ret < 0) {
		/* ENOMEM: RLIMIT_MEMLOCK of a user; EPERM, EOPNOTSUPP: not allowed here. */
		tw->no_uring = true;
		fl_count(&c[C_SKIPS], 1);
		return 0;
	}
	fl_count(&c[C_PINS], 1);
	if (madvise(tw->pinbuf + HUGE_SZ / 2, PAGE_SZ, MADV_DONTNEED) == 0)
		fl_count(&c[C_SPLITS], 1);
	if (!tw->no_debugfs && debugfs_split(tw->pinbuf, HUGE_SZ))
		fl_count(&c[C_SPLITS], 1);
	else
		tw->no_debugfs = true;
	sqe = io_uring_get_sqe(&tw->ring);
	io_uring_prep_read_fixed(sqe, sh->fd, tw->pinbuf + (tw->iter % 16) * WRITE_SZ, WRITE_SZ, 0,
				 0);
	ret = io_uring_submit(&tw->ring);
	if (ret != 1) {
		fprintf(stderr, "torture: worker %u: io_uring_submit: %s\n", w->id,
			ret < 0 ? strerror(-ret) : "nothing submitted");
		io_uring_unregister_buffers(&tw->ring);
		return -1;
	}
	do
		ret = io_uring_wait_cqe(&tw->ring, &cqe);
	while (ret == -EINTR);
	res = ret < 0 ? ret : cqe->res;
	if (ret == 0)
		io_uring_cqe_seen(&tw->ring, cqe);
	io_uring_unregister_buffers(&tw->ring);
	/* The first TRUNC_MIN bytes always exist: the read is whole. */
	if (res != (int)WRITE_SZ) {
		fprintf(stderr,
			"torture: worker %u: fixed-buffer read of %lu bytes returned %d%s%s\n",
			w->id, WRITE_SZ, res, res < 0 ? ": " : "",
			res < 0 ? strerror(-res) : " (short read)");
		return -1;
	}
	return 0;
}

static int do_other(struct torture_shared *sh, struct torture_worker *tw, struct fl_worker *w)
{
	uint64_t now = fl_now_ns();

	if (now >= tw->next_compact) {
		tw->next_compact = now + sh->compact_ns;
		do_compact(tw, w);
		return 0;
	}
	if (now >= tw->next_soft_offline) {
		tw->next_soft_offline = now + sh->soft_offline_ns;
		do_soft_offline(sh, tw, w);
		return 0;
	}
	return do_pin(sh, tw, w);
}

static void torture_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	struct torture_shared *sh = ctx->priv;
	struct torture_worker *tw = w->priv;

	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		unsigned int role = tw->roles[tw->next_role];
		int ret = 0;

		tw->next_role = (tw->next_role + 1) % tw->nroles;
		switch (role) {
		case R_SPLIT:
			ret = do_split(sh, tw, w);
			break;
		case R_READ:
			ret = do_read(sh, tw, w);
			break;
		case R_MIGRATE:
			do_migrate(sh, tw, w);
			break;
		default:
			ret = do_other(sh, tw, w);
		}
		if (ret < 0) {
			w->slot->error = 1;
			return;
		}
		tw->iter++;
		fl_count(&w->slot->ops, 1);
	}
}

static void torture_worker_fini(struct fl_ctx *ctx, struct fl_worker *w)
{
	struct torture_worker *tw = w->priv;

	(void)ctx;
	if (!tw)
		return;
	if (tw->ring_ok)
		io_uring_queue_exit(&tw->ring);
	free(tw->wbuf);
	free(tw);
	w->priv = NULL;
}

const struct fl_workload fl_workload_torture = {
    .name = "torture",
    .summary = "the series' call sites under fire for a bounded time: page-cache and anonymous "
	       "THP split and collapse, migration, compaction, soft offline and GUP pins, while "
	       "readers pread(fd, buf, 64, 0) the same file; paths the kernel lacks count skips",
    .variants = torture_variants,
    .params = torture_params,
    .counters = torture_counters,
    .flags = FL_WL_THREADS_ONLY,
    .suite = torture_suite,
    .smoke = torture_smoke,
    .setup = torture_setup,
    .worker_init = torture_worker_init,
    .testcase = torture_testcase,
    .worker_fini = torture_worker_fini,
    .teardown = torture_teardown,
};
