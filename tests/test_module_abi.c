// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * In-guest test of folio_lab.ko through its ABI (include/folio-lab/uapi.h).
 * Built static so it can be dropped into a busybox initramfs.
 *
 *   test_module_abi [--expect SCHEME|any] [--threads N] [--rmmod] [--ko PATH]
 *
 * SCHEME: zero, frozen-bit, frozen-bit-undo or frozen-bit-cas-put (INFO's
 * kernel_scheme names). Checks INFO (the scheme and the raw words behind
 * it), every malformed-input errno, SETUP ownership, each variant (kernel
 * and every scheme of refscheme.h's table) x mix x target on 1 and N pinned
 * threads (counts must return to base: the TEARDOWN after each returns 0;
 * only the counters the scheme declares may move), the free-cycle mix
 * (per-worker only, one free per iteration, a counter one free-cycle RUN at
 * a time), counters shared only by schemes that encode a count alike,
 * EINTR with partial results, kill -9 of an owner mid-RUN (device reusable,
 * no pages leaked), and module unload.
 * Prints "N passed, M failed"; exit 0 only if nothing failed, 77 when the
 * device is missing (not in a guest with the module loaded).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "folio-lab/refscheme-user.h"
#include "folio-lab/uapi.h"
#include "module-test.h"

#define VARIANT_NAME(ID, id, name, counters, summary) [FOLIO_LAB_VARIANT_##ID] = name,
static const char *const variant_names[FOLIO_LAB_NR_VARIANTS] = {
    [FOLIO_LAB_VARIANT_KERNEL] = "kernel", RS_SCHEMES(VARIANT_NAME)};
#undef VARIANT_NAME
_Static_assert(FOLIO_LAB_NR_VARIANTS == RS_NR_SCHEMES + 1, "uapi variants: kernel + RS_SCHEMES");
static const char *const scheme_names[FOLIO_LAB_NR_SCHEMES] = FOLIO_LAB_SCHEME_NAMES;

/* ABI 3 kept every structure's size: new fields came out of reserved ones. */
_Static_assert(sizeof(struct folio_lab_info) == 128, "struct folio_lab_info size");
_Static_assert(sizeof(struct folio_lab_setup) == 40, "struct folio_lab_setup size");
_Static_assert(sizeof(struct folio_lab_run) == 168, "struct folio_lab_run size");
static const char *const mix_names[] = {"tryget-put", "get-put", "freezer", "free-cycle"};
static const char *const target_names[] = {"shared", "per-worker"};

/* ioctl's errno, or 0 on success. */
static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

/* ---- INFO ---- */

static int nr_cpus;

static void test_info(int fd, const char *expect)
{
	struct folio_lab_info info;
	struct utsname u;
	struct stat stbuf = {0};
	bool reserved_zero = true;

	/* stat() first: argument evaluation order would print a stale mode. */
	int st = stat(FOLIO_LAB_DEVICE, &stbuf);

	check(st == 0 && S_ISCHR(stbuf.st_mode) && (stbuf.st_mode & 07777) == 0600,
	      "device is a character device with mode 0600 (mode %o)",
	      (unsigned int)(stbuf.st_mode & 07777));

	memset(&info, 0xa5, sizeof(info));
	check(ioc(fd, FOLIO_LAB_IOC_INFO, &info) == 0, "INFO succeeds");
	check(info.abi_version == FOLIO_LAB_ABI_VERSION, "INFO abi_version %u == %u",
	      info.abi_version, FOLIO_LAB_ABI_VERSION);
	check(info.page_size == (uint32_t)sysconf(_SC_PAGESIZE), "INFO page_size %u",
	      info.page_size);
	check(info.nr_variants == FOLIO_LAB_NR_VARIANTS, "INFO nr_variants %u", info.nr_variants);
	check(info.nr_online_nodes >= 1, "INFO nr_online_nodes %u", info.nr_online_nodes);
	check(info.setup_active == 0, "INFO setup_active 0 before any SETUP");
	uname(&u);
	check(memchr(info.release, 0, sizeof(info.release)) && strcmp(info.release, u.release) == 0,
	      "INFO release '%.64s' == uname -r '%s'", info.release, u.release);
	for (int i = 0; i < 4; i++)
		reserved_zero &= info.reserved[i] == 0;
	check(reserved_zero, "INFO reserved fields zero");

	/* The raw words behind the scheme INFO names. */
	const char *name =
	    info.kernel_scheme < FOLIO_LAB_NR_SCHEMES ? scheme_names[info.kernel_scheme] : "?";
	uint32_t want_frozen = 0x80000000u, want_failed = 0x80000001u;

	switch (info.kernel_scheme) {
	case FOLIO_LAB_SCHEME_ZERO:
		want_frozen = want_failed = 0;
		break;
	case FOLIO_LAB_SCHEME_FROZEN_BIT_UNDO:
		want_failed = 0x80000000u;
		break;
	case FOLIO_LAB_SCHEME_FROZEN_BIT:
	case FOLIO_LAB_SCHEME_FROZEN_BIT_CAS_PUT:
		break;
	default:
		check(false, "INFO kernel_scheme %u (%s) is a known scheme", info.kernel_scheme,
		      name);
	}
	if (info.kernel_scheme != FOLIO_LAB_SCHEME_UNKNOWN &&
	    info.kernel_scheme < FOLIO_LAB_NR_SCHEMES)
		check(info.frozen_raw == want_frozen && info.failed_get_raw == want_failed,
		      "%s: raw word %#x frozen (want %#x), %#x after a failed get (want %#x)", name,
		      info.frozen_raw, want_frozen, info.failed_get_raw, want_failed);
	if (strcmp(expect, "any") != 0)
		check(strcmp(name, expect) == 0, "kernel scheme %u (%s) is the expected %s",
		      info.kernel_scheme, name, expect);
	printf("# kernel %s, scheme %s, frozen raw %#x, after a failed get %#x, %u node(s), %d "
	       "cpu(s)\n",
	       info.release, name, info.frozen_raw, info.failed_get_raw, info.nr_online_nodes,
	       nr_cpus);
}

/* ---- malformed input ---- */

static void test_bad_input(int fd, uint32_t nodes)
{
	struct folio_lab_setup s;
	struct folio_lab_run r;
	int e;

	check(ioc(fd, _IO(FOLIO_LAB_IOC_MAGIC, 99), NULL) == ENOTTY, "unknown ioctl -> ENOTTY");
	check(ioc(fd, _IOR(FOLIO_LAB_IOC_MAGIC, 1, uint32_t), NULL) == ENOTTY,
	      "INFO with a wrong size -> ENOTTY");
	check(ioc(fd, _IO('x', 1), NULL) == ENOTTY, "foreign magic -> ENOTTY");
	check(ioc(fd, FOLIO_LAB_IOC_INFO, NULL) == EFAULT, "INFO to NULL -> EFAULT");
	check(ioc(fd, FOLIO_LAB_IOC_SETUP, (void *)8) == EFAULT,
	      "SETUP from a bad pointer -> EFAULT");

	r = run_args(FOLIO_LAB_VARIANT_KERNEL, FOLIO_LAB_MIX_TRYGET_PUT, 100);
	check(ioc(fd, FOLIO_LAB_IOC_RUN, &r) == ENODEV, "RUN without SETUP -> ENODEV");
	check(ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL) == ENODEV, "TEARDOWN without SETUP -> ENODEV");

#define BAD_SETUP(field, value)                                                                    \
	do {                                                                                       \
		s = setup_args(1, 0, -1, 1);                                                       \
		s.field = value;                                                                   \
		e = ioc(fd, FOLIO_LAB_IOC_SETUP, &s);                                              \
		check(e == EINVAL, "SETUP %s=%s -> EINVAL (got %s)", #field, #value, strerror(e)); \
		if (!e)                                                                            \
			ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL);                                     \
	} while (0)
	BAD_SETUP(flags, 1);
	BAD_SETUP(reserved0, 1);
	BAD_SETUP(reserved[0], 1);
	BAD_SETUP(reserved[1], 1ull << 63);
	BAD_SETUP(nr_folios, 0);
	BAD_SETUP(nr_folios, FOLIO_LAB_MAX_FOLIOS + 1);
	BAD_SETUP(order, FOLIO_LAB_MAX_ORDER + 1);
	BAD_SETUP(order, 0xffffffffu);
	BAD_SETUP(node, -2);
	BAD_SETUP(node, (int32_t)nodes); /* ids 0..nodes-1 online in our guests */
	BAD_SETUP(node, 1 << 20);
	BAD_SETUP(base_refs, 0);
	BAD_SETUP(base_refs, FOLIO_LAB_MAX_BASE_REFS + 1);
#undef BAD_SETUP

	s = setup_args(2, 0, -1, 1);
	check(ioc(fd, FOLIO_LAB_IOC_SETUP, &s) == 0, "SETUP 2 folios succeeds");
	check(ioc(fd, FOLIO_LAB_IOC_RUN, NULL) == EFAULT, "RUN with a NULL argument -> EFAULT");

#define BAD_RUN(field, value)                                                                      \
	do {                                                                                       \
		r = run_args(FOLIO_LAB_VARIANT_KERNEL, FOLIO_LAB_MIX_TRYGET_PUT, 100);             \
		r.field = value;                                                                   \
		e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);                                                \
		check(e == EINVAL, "RUN %s=%s -> EINVAL (got %s)", #field, #value, strerror(e));   \
	} while (0)
	BAD_RUN(variant, FOLIO_LAB_NR_VARIANTS);
	BAD_RUN(mix, FOLIO_LAB_NR_MIXES);
	BAD_RUN(target, 2);
	BAD_RUN(flags, 1);
	BAD_RUN(reserved_in[0], 1);
	BAD_RUN(reserved_in[1], 1);
	BAD_RUN(get_nr, 0);
	BAD_RUN(get_nr, FOLIO_LAB_MAX_GET_NR + 1);
	BAD_RUN(duration_ns, FOLIO_LAB_MAX_DURATION_NS + 1);
	BAD_RUN(warmup_ns, FOLIO_LAB_MAX_DURATION_NS + 1);
	BAD_RUN(iterations, 0);
	BAD_RUN(iterations, FOLIO_LAB_MAX_ITERATIONS + 1);
	BAD_RUN(hold_loops, 0xffffffffu);
#undef BAD_RUN
	r = run_args(FOLIO_LAB_VARIANT_KERNEL, FOLIO_LAB_MIX_FREEZER, 100);
	r.freeze_every = 0;
	check(ioc(fd, FOLIO_LAB_IOC_RUN, &r) == EINVAL,
	      "RUN freezer with freeze_every=0 -> EINVAL");
	r = run_args(FOLIO_LAB_VARIANT_PLAIN_ADD, FOLIO_LAB_MIX_FREEZER, 100);
	check(ioc(fd, FOLIO_LAB_IOC_RUN, &r) == EINVAL, "RUN plain-add x freezer -> EINVAL");

	/* Ownership: one setup at a time, torn down only by its owner. */
	s = setup_args(1, 0, -1, 1);
	check(ioc(fd, FOLIO_LAB_IOC_SETUP, &s) == EBUSY, "second SETUP, same file -> EBUSY");
	int fd2 = dev_open();

	check(ioc(fd2, FOLIO_LAB_IOC_SETUP, &s) == EBUSY, "second SETUP, other file -> EBUSY");
	check(ioc(fd2, FOLIO_LAB_IOC_TEARDOWN, NULL) == EPERM, "TEARDOWN by a non-owner -> EPERM");
	r = run_args(FOLIO_LAB_VARIANT_KERNEL, FOLIO_LAB_MIX_TRYGET_PUT, 1000);
	check(ioc(fd2, FOLIO_LAB_IOC_RUN, &r) == 0 && r.iters == 1000,
	      "RUN from another file against the setup");
	close(fd2);
	struct folio_lab_info info;

	ioc(fd, FOLIO_LAB_IOC_INFO, &info);
	check(info.setup_active == 1, "INFO setup_active 1 during a setup");
	check(ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL) == 0, "TEARDOWN by the owner -> 0");
	check(ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL) == ENODEV, "second TEARDOWN -> ENODEV");

	/* Node placement: every online node, then a closed-then-reopened file. */
	for (uint32_t n = 0; n < nodes; n++) {
		s = setup_args(4, 1, (int32_t)n, 2);
		e = ioc(fd, FOLIO_LAB_IOC_SETUP, &s);
		check(e == 0, "SETUP 4 order-1 folios on node %u (%s)", n, e ? strerror(e) : "ok");
		if (!e)
			check(ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL) == 0, "TEARDOWN node %u", n);
	}
}

/* ---- the op matrix on pinned threads ---- */

struct worker {
	pthread_t tid;
	int cpu;
	struct folio_lab_run r;
	int err;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		w->err = errno;
		return NULL;
	}
	fd = dev_open();
	if (fd < 0) {
		w->err = errno;
		return NULL;
	}
	w->err = ioc(fd, FOLIO_LAB_IOC_RUN, &w->r);
	close(fd);
	return NULL;
}

/* Runs r on nthreads pinned threads; sums the outputs into *sum. */
static int run_threads(const struct folio_lab_run *r, int nthreads, struct folio_lab_run *sum,
		       bool *reserved_zero)
{
	struct worker w[64];
	int err = 0;

	memset(sum, 0, sizeof(*sum));
	*reserved_zero = true;
	for (int i = 0; i < nthreads; i++) {
		w[i].cpu = i % nr_cpus;
		w[i].r = *r;
		w[i].r.worker_id = (uint32_t)i;
		w[i].err = 0;
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]))
			return EAGAIN;
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].err)
			err = w[i].err;
		sum->iters += w[i].r.iters;
		sum->gets_ok += w[i].r.gets_ok;
		sum->gets_failed += w[i].r.gets_failed;
		sum->freezes_won += w[i].r.freezes_won;
		sum->freezes_lost += w[i].r.freezes_lost;
		sum->cas_retries += w[i].r.cas_retries;
		sum->junk_left += w[i].r.junk_left;
		sum->guard_resets += w[i].r.guard_resets;
		sum->frees += w[i].r.frees;
		sum->free_races += w[i].r.free_races;
		if (w[i].r.elapsed_ns > sum->elapsed_ns)
			sum->elapsed_ns = w[i].r.elapsed_ns;
		*reserved_zero &= w[i].r.reserved_out == 0;
	}
	return err;
}

static void test_one(int fd, uint32_t variant, uint32_t mix, uint32_t target, int nthreads,
		     uint32_t base, uint32_t get_nr, uint64_t iters)
{
	struct folio_lab_setup s = setup_args(target ? (uint32_t)nthreads : 1, 0, -1, base);
	struct folio_lab_run r = run_args(variant, mix, iters), t;
	const uint64_t total = iters * (uint64_t)nthreads;
	char name[160];
	bool rz, ok;
	int e;

	snprintf(name, sizeof(name), "%s x %s x %s, %d thread(s), base_refs %u, get_nr %u",
		 variant_names[variant], mix_names[mix], target_names[target], nthreads, base,
		 get_nr);
	e = ioc(fd, FOLIO_LAB_IOC_SETUP, &s);
	if (e) {
		check(false, "%s: SETUP: %s", name, strerror(e));
		return;
	}
	r.target = target;
	r.get_nr = get_nr;
	r.hold_loops = 4;
	e = run_threads(&r, nthreads, &t, &rz);
	ok = !e && t.iters == total && t.gets_ok + t.gets_failed == total && rz && t.elapsed_ns > 0;
	if (mix == FOLIO_LAB_MIX_FREE_CYCLE) {
		/* Every allocation succeeds and its put, alone on the counter, frees. */
		ok = ok && t.gets_ok == total && t.frees == total &&
		     t.freezes_won + t.freezes_lost == 0;
	} else if (mix != FOLIO_LAB_MIX_FREEZER) {
		/* Nobody freezes, so every get must succeed. */
		ok = ok && t.gets_ok == total && t.freezes_won + t.freezes_lost == 0;
	} else {
		ok = ok && t.freezes_won + t.freezes_lost == total / r.freeze_every;
		/* Alone, a freezer always finds the count at base. */
		if (nthreads == 1)
			ok = ok && t.freezes_lost == 0 && t.gets_failed == 0;
	}
	if (variant == FOLIO_LAB_VARIANT_KERNEL || nthreads == 1)
		ok = ok && t.cas_retries == 0;
	/* Only the counters a scheme declares can move; the kernel has none of its own. */
	unsigned int mask = variant == FOLIO_LAB_VARIANT_KERNEL ? RS_C_PLAIN | RS_C(get_fail)
								: rs_schemes[variant - 1].counters;
	const struct {
		unsigned int bit;
		uint64_t v;
	} moved[] = {
	    {RS_C(get_fail), t.gets_failed},
	    {RS_C(cas_retries), t.cas_retries},
	    {RS_C(junk_left), t.junk_left},
	    {RS_C(guard_resets), t.guard_resets},
	    {RS_C(frees), t.frees},
	    {RS_C(free_races), t.free_races},
	    {RS_C(freeze_won), t.freezes_won},
	    {RS_C(freeze_lost), t.freezes_lost},
	};
	for (size_t k = 0; k < sizeof(moved) / sizeof(moved[0]); k++)
		if (!(mask & moved[k].bit))
			ok = ok && moved[k].v == 0;
	/*
	 * Every failed get of a scheme that leaves junk left it or reset the
	 * word; the RFC's undo takes most of it back. Far from 2^30, no reset.
	 */
	if (variant != FOLIO_LAB_VARIANT_KERNEL && (mask & RS_C(junk_left))) {
		if (variant == FOLIO_LAB_VARIANT_FROZEN_BIT_UNDO)
			ok = ok && t.junk_left <= t.gets_failed;
		else
			ok = ok && t.junk_left == t.gets_failed;
		ok = ok && t.guard_resets == 0;
	}
	/*
	 * base_refs >= 1: only the free cycle ever drops a last reference,
	 * and alone on its counter no getter can revive it.
	 */
	if (mix != FOLIO_LAB_MIX_FREE_CYCLE)
		ok = ok && t.frees == 0;
	ok = ok && t.free_races == 0;
	check(ok,
	      "%s: %s; iters %" PRIu64 " ok %" PRIu64 " failed %" PRIu64 " frz %" PRIu64 "/%" PRIu64
	      " retries %" PRIu64 " junk %" PRIu64 " resets %" PRIu64 " frees %" PRIu64
	      " races %" PRIu64 " %.1f ns/iter",
	      name, e ? strerror(e) : "ran", t.iters, t.gets_ok, t.gets_failed, t.freezes_won,
	      t.freezes_lost, t.cas_retries, t.junk_left, t.guard_resets, t.frees, t.free_races,
	      t.iters ? (double)t.elapsed_ns / (double)(t.iters / (uint64_t)nthreads) : 0.0);
	e = ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL);
	check(e == 0, "%s: counts back at base (TEARDOWN %s)", name, e ? strerror(e) : "0");
}

static void test_matrix(int fd, int nthreads)
{
	for (uint32_t v = 0; v < FOLIO_LAB_NR_VARIANTS; v++)
		for (uint32_t m = 0; m < FOLIO_LAB_NR_MIXES; m++) {
			if (v == FOLIO_LAB_VARIANT_PLAIN_ADD && m == FOLIO_LAB_MIX_FREEZER)
				continue;
			if (m == FOLIO_LAB_MIX_FREE_CYCLE)
				continue; /* per-worker only: test_free_cycle() */
			for (uint32_t t = 0; t < 2; t++) {
				test_one(fd, v, m, t, 1, 1, 1, 20000);
				if (nthreads > 1)
					test_one(fd, v, m, t, nthreads, 1, 1, 20000);
			}
		}
	/* GUP-pin-sized gets and several base references. */
	for (uint32_t v = 0; v < FOLIO_LAB_NR_VARIANTS; v++)
		if (v != FOLIO_LAB_VARIANT_PLAIN_ADD)
			test_one(fd, v, FOLIO_LAB_MIX_FREEZER, 0, nthreads, 3, 1024, 5000);
}

/* A timed RUN: the window is at least what was asked for. */
static void test_timed(int fd)
{
	struct folio_lab_setup s = setup_args(1, 0, -1, 1);
	struct folio_lab_run r =
	    run_args(FOLIO_LAB_VARIANT_FROZEN_BIT, FOLIO_LAB_MIX_TRYGET_PUT, 0);
	int e;

	ioc(fd, FOLIO_LAB_IOC_SETUP, &s);
	r.warmup_ns = 5000000;
	r.duration_ns = 20000000;
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == 0 && r.elapsed_ns >= r.duration_ns && r.elapsed_ns < 10 * r.duration_ns &&
		  r.iters > 0 && r.gets_ok == r.iters,
	      "timed RUN 20 ms: %s, elapsed %" PRIu64 " ns, %" PRIu64 " iters",
	      e ? strerror(e) : "ok", r.elapsed_ns, r.iters);
	check(ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL) == 0, "timed RUN: TEARDOWN 0");
}

/* ---- signals ---- */

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_eintr(int fd)
{
	struct folio_lab_setup s = setup_args(1, 0, -1, 1);
	struct worker w;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: the RUN must come back */
	sigaction(SIGUSR1, &sa, NULL);
	ioc(fd, FOLIO_LAB_IOC_SETUP, &s);
	w.cpu = 0;
	w.err = 0;
	w.r = run_args(FOLIO_LAB_VARIANT_KERNEL, FOLIO_LAB_MIX_FREEZER, 0);
	w.r.duration_ns = 30ull * 1000000000ull;
	pthread_create(&w.tid, NULL, worker_main, &w);
	sleep_ms(300);
	pthread_kill(w.tid, SIGUSR1);
	pthread_join(w.tid, NULL);
	check(w.err == EINTR && w.r.iters > 0 && w.r.elapsed_ns < 20ull * 1000000000ull &&
		  w.r.gets_ok + w.r.gets_failed == w.r.iters,
	      "signal mid-RUN -> EINTR with partial results (%s, %" PRIu64 " iters in %" PRIu64
	      " ns)",
	      strerror(w.err), w.r.iters, w.r.elapsed_ns);
	check(ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL) == 0, "after EINTR: counts back at base");
}

/* ---- free-cycle: an allocation and its final put ---- */

static struct folio_lab_run free_cycle_args(uint32_t variant, uint32_t mix, uint32_t worker_id)
{
	struct folio_lab_run r = run_args(variant, mix, 100);

	r.target = FOLIO_LAB_TARGET_PER_WORKER;
	r.worker_id = worker_id;
	return r;
}

static void test_free_cycle(int fd, int nthreads)
{
	struct folio_lab_setup s = setup_args(2, 0, -1, 1);
	struct folio_lab_run r;
	struct worker w[2];
	struct sigaction sa;
	int e;

	for (uint32_t v = 0; v < FOLIO_LAB_NR_VARIANTS; v++) {
		test_one(fd, v, FOLIO_LAB_MIX_FREE_CYCLE, FOLIO_LAB_TARGET_PER_WORKER, 1, 1, 1,
			 20000);
		if (nthreads > 1)
			test_one(fd, v, FOLIO_LAB_MIX_FREE_CYCLE, FOLIO_LAB_TARGET_PER_WORKER,
				 nthreads, 1, 1, 20000);
		/* The counter goes back to base_refs, not to the allocation's 1. */
		test_one(fd, v, FOLIO_LAB_MIX_FREE_CYCLE, FOLIO_LAB_TARGET_PER_WORKER, 1, 3, 1,
			 5000);
	}

	check(ioc(fd, FOLIO_LAB_IOC_SETUP, &s) == 0, "free-cycle: SETUP 2 folios");
	for (uint32_t v = 0; v < FOLIO_LAB_NR_VARIANTS; v++) {
		r = free_cycle_args(v, FOLIO_LAB_MIX_FREE_CYCLE, 0);
		r.target = FOLIO_LAB_TARGET_SHARED;
		e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
		check(e == EINVAL, "%s x free-cycle x shared -> EINVAL (got %s)", variant_names[v],
		      strerror(e));
		r = free_cycle_args(v, FOLIO_LAB_MIX_FREE_CYCLE, 0);
		r.get_nr = 2;
		e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
		check(e == EINVAL, "%s x free-cycle with get_nr 2 -> EINVAL (got %s)",
		      variant_names[v], strerror(e));
	}

	/*
	 * A counter takes one free-cycle RUN at a time, and none while RUNs of
	 * other mixes use it: worker 0 cycles counter 0, worker 1 hammers
	 * counter 1 with tryget-put, both until a signal ends them.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < 2; i++) {
		w[i].cpu = i % nr_cpus;
		w[i].err = 0;
		w[i].r = free_cycle_args(FOLIO_LAB_VARIANT_FROZEN_BIT,
					 i ? FOLIO_LAB_MIX_TRYGET_PUT : FOLIO_LAB_MIX_FREE_CYCLE,
					 (uint32_t)i);
		w[i].r.iterations = 0;
		w[i].r.duration_ns = 30ull * 1000000000ull;
		pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
	}
	sleep_ms(500); /* both well into their RUNs */
	r = free_cycle_args(FOLIO_LAB_VARIANT_CAS_LOOP, FOLIO_LAB_MIX_FREE_CYCLE, 0);
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == EBUSY, "second free-cycle RUN on a cycling counter -> EBUSY (got %s)",
	      strerror(e));
	r = free_cycle_args(FOLIO_LAB_VARIANT_CAS_LOOP, FOLIO_LAB_MIX_GET_PUT, 0);
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == EBUSY, "get-put RUN on a cycling counter -> EBUSY (got %s)", strerror(e));
	r = free_cycle_args(FOLIO_LAB_VARIANT_ASSUME_ONE, FOLIO_LAB_MIX_FREE_CYCLE, 1);
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == EBUSY, "free-cycle RUN on a counter in tryget-put use -> EBUSY (got %s)",
	      strerror(e));
	r = free_cycle_args(FOLIO_LAB_VARIANT_PLAIN_ADD, FOLIO_LAB_MIX_TRYGET_PUT, 1);
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == 0 && r.iters == 100, "tryget-put RUNs share a counter (%s)",
	      e ? strerror(e) : "ok");
	/* inverted-bit's live counts carry bit 31: it cannot share with frozen-bit. */
	r = free_cycle_args(FOLIO_LAB_VARIANT_INVERTED_BIT, FOLIO_LAB_MIX_TRYGET_PUT, 1);
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == EBUSY, "inverted-bit RUN on a counter frozen-bit uses -> EBUSY (got %s)",
	      strerror(e));
	r = free_cycle_args(FOLIO_LAB_VARIANT_KERNEL, FOLIO_LAB_MIX_FREE_CYCLE, 0);
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == 0 && r.frees == 100,
	      "kernel free-cycle needs no private counter: runs beside it (%s, %" PRIu64 " frees)",
	      e ? strerror(e) : "ok", r.frees);
	/*
	 * Signal both before joining either: each thread also closes its
	 * descriptor, which must not wait for the other's RUN.
	 */
	for (int i = 0; i < 2; i++)
		pthread_kill(w[i].tid, SIGUSR1);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i].tid, NULL);
	check(w[0].err == EINTR && w[0].r.iters > 0 && w[0].r.frees == w[0].r.iters &&
		  w[0].r.gets_ok == w[0].r.iters,
	      "signal mid free-cycle -> EINTR, one free per iteration (%s, %" PRIu64
	      " iters, %" PRIu64 " frees)",
	      strerror(w[0].err), w[0].r.iters, w[0].r.frees);
	check(w[1].err == EINTR && w[1].r.iters > 0,
	      "tryget-put beside it -> EINTR (%s, %" PRIu64 " iters in %" PRIu64 " ns)",
	      strerror(w[1].err), w[1].r.iters, w[1].r.elapsed_ns);
	/* Idle, the counter takes inverted-bit's encoding, and back again. */
	r = free_cycle_args(FOLIO_LAB_VARIANT_INVERTED_BIT, FOLIO_LAB_MIX_FREEZER, 1);
	e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
	check(e == 0 && r.iters == 100 && r.gets_ok == 100 && r.freezes_won == 10,
	      "inverted-bit freezer on the idle counter (%s, %" PRIu64 " gets, %" PRIu64
	      " freezes won)",
	      e ? strerror(e) : "ok", r.gets_ok, r.freezes_won);
	/* Both claims went with their RUNs: either counter cycles again. */
	for (uint32_t i = 0; i < 2; i++) {
		r = free_cycle_args(FOLIO_LAB_VARIANT_FROZEN_BIT, FOLIO_LAB_MIX_FREE_CYCLE, i);
		e = ioc(fd, FOLIO_LAB_IOC_RUN, &r);
		check(e == 0 && r.frees == 100, "after both RUNs: free-cycle on counter %u (%s)", i,
		      e ? strerror(e) : "ok");
	}
	e = ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL);
	check(e == 0, "free-cycle: counters back at base after EINTR (TEARDOWN %s)",
	      e ? strerror(e) : "0");
}

/* kill -9 the owner mid-RUN: its release frees the setup, nothing leaks. */
static void test_kill(int fd)
{
	/* Order 5 skips the per-cpu page lists, so free pages are exact. */
	const uint32_t nfolios = 128, order = 5;
	const long pages = (long)nfolios << order, slack = pages / 4;
	struct folio_lab_setup s = setup_args(nfolios, order, -1, 2);
	struct folio_lab_info info;
	long before, during, after;
	int status, e;
	pid_t pid;

	/* Warm the slab caches and page lists the setup uses. */
	if (ioc(fd, FOLIO_LAB_IOC_SETUP, &s) == 0)
		ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL);
	before = vmstat("nr_free_pages");
	pid = fork();
	if (pid == 0) {
		int cfd = dev_open();
		struct folio_lab_run r = run_args(FOLIO_LAB_VARIANT_KERNEL, 0, 0);

		if (cfd < 0 || ioc(cfd, FOLIO_LAB_IOC_SETUP, &s))
			_exit(3);
		r.duration_ns = 30ull * 1000000000ull;
		ioc(cfd, FOLIO_LAB_IOC_RUN, &r);
		_exit(4);
	}
	for (int i = 0; i < 100; i++) {
		sleep_ms(50);
		ioc(fd, FOLIO_LAB_IOC_INFO, &info);
		if (info.setup_active)
			break;
	}
	sleep_ms(300); /* well into the RUN */
	during = vmstat("nr_free_pages");
	check(info.setup_active == 1, "child's SETUP is active");
	check(before - during >= pages - slack,
	      "child's SETUP took about %ld pages (free %ld -> %ld)", pages, before, during);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child killed by SIGKILL");
	ioc(fd, FOLIO_LAB_IOC_INFO, &info);
	check(info.setup_active == 0, "killed owner's setup is gone");
	after = vmstat("nr_free_pages");
	check(labs(before - after) < slack,
	      "no pages leaked: nr_free_pages %ld before, %ld after (tolerance %ld)", before, after,
	      slack);
	e = ioc(fd, FOLIO_LAB_IOC_SETUP, &s);
	check(e == 0, "device reusable: new SETUP after the kill (%s)", e ? strerror(e) : "ok");
	check(ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL) == 0, "and its TEARDOWN -> 0");

	/* Regular setup/teardown cycles leak nothing either. */
	before = vmstat("nr_free_pages");
	for (int i = 0; i < 20; i++)
		if (ioc(fd, FOLIO_LAB_IOC_SETUP, &s) == 0)
			ioc(fd, FOLIO_LAB_IOC_TEARDOWN, NULL);
	after = vmstat("nr_free_pages");
	check(labs(before - after) < slack, "20 setup/teardown cycles: nr_free_pages %ld -> %ld",
	      before, after);
}

/* ---- unload ---- */

static void test_rmmod(const char *ko)
{
	int fd = module_reload(ko);

	if (ko)
		check(fd >= 0, "device back after reload");
	if (fd >= 0)
		close(fd);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: test_module_abi [--expect zero|frozen-bit|frozen-bit-undo|"
		   "frozen-bit-cas-put|any] [--threads N] [--nodes N] [--rmmod] [--ko PATH]\n");
}

int main(int argc, char **argv)
{
	const char *expect = "any", *ko = NULL;
	int nthreads = 0, fd;
	bool rmmod = false;
	long nodes = 0;
	struct folio_lab_info info;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
			bool known = strcmp(argv[++i], "any") == 0;

			expect = argv[i];
			for (int k = 1; k < FOLIO_LAB_NR_SCHEMES; k++)
				known |= strcmp(expect, scheme_names[k]) == 0;
			if (!known) {
				fprintf(stderr, "test_module_abi: bad --expect '%s'\n", expect);
				return 2;
			}
		} else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			nthreads = atoi(argv[++i]);
			if (nthreads < 1 || nthreads > 64) {
				fprintf(stderr, "test_module_abi: --threads wants 1..64\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) {
			nodes = atol(argv[++i]);
		} else if (strcmp(argv[i], "--rmmod") == 0) {
			rmmod = true;
		} else if (strcmp(argv[i], "--ko") == 0 && i + 1 < argc) {
			ko = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	nr_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nr_cpus < 1)
		nr_cpus = 1;
	if (!nthreads)
		nthreads = nr_cpus < 4 ? nr_cpus : 4;

	fd = dev_open();
	if (fd < 0) {
		printf("SKIP: cannot open %s: %s (module not loaded: this test runs in a guest)\n",
		       FOLIO_LAB_DEVICE, strerror(errno));
		return 77;
	}
	test_info(fd, expect);
	ioc(fd, FOLIO_LAB_IOC_INFO, &info);
	if (!nodes)
		nodes = info.nr_online_nodes;
	test_bad_input(fd, (uint32_t)nodes);
	test_matrix(fd, nthreads);
	test_timed(fd);
	test_eintr(fd);
	test_free_cycle(fd, nthreads);
	test_kill(fd);
	close(fd);
	if (rmmod)
		test_rmmod(ko);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
