/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers the two in-guest module tests share (test_module_abi.c,
 * test_module_hostile.c): TAP-like checks, the device, /proc/vmstat, and
 * argument structures with sane defaults. Static: each test is one
 * statically linked program.
 */
#ifndef FOLIO_LAB_MODULE_TEST_H
#define FOLIO_LAB_MODULE_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "folio-lab/uapi.h"

static unsigned int passed, failed;

/* One "ok   - ..." or "FAIL - ..." line; the summary counts them. */
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s - ", ok ? "ok  " : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static int dev_open(void)
{
	return open(FOLIO_LAB_DEVICE, O_RDWR | O_CLOEXEC);
}

/* A /proc/vmstat counter, or -1. */
static long vmstat(const char *key)
{
	char name[64];
	long v;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &v) == 2) {
		if (strcmp(name, key) == 0) {
			fclose(f);
			return v;
		}
	}
	fclose(f);
	return -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static struct folio_lab_setup setup_args(uint32_t n, uint32_t order, int32_t node, uint32_t base)
{
	struct folio_lab_setup s;

	memset(&s, 0, sizeof(s));
	s.nr_folios = n;
	s.order = order;
	s.node = node;
	s.base_refs = base;
	return s;
}

/* An iteration-mode RUN: get_nr 1, a freeze every 10 iterations for MIX_FREEZER. */
static struct folio_lab_run run_args(uint32_t variant, uint32_t mix, uint64_t iterations)
{
	struct folio_lab_run r;

	memset(&r, 0, sizeof(r));
	r.variant = variant;
	r.mix = mix;
	r.iterations = iterations;
	r.get_nr = 1;
	r.freeze_every = 10;
	return r;
}

/*
 * rmmod folio_lab (its device node must go), then with ko load it again:
 * a descriptor of the device once it is back, else -1. Each step is a check.
 */
static int module_reload(const char *ko)
{
	long r = syscall(SYS_delete_module, "folio_lab", O_NONBLOCK);
	int e = r ? errno : 0, kfd, fd = -1;

	check(r == 0, "rmmod folio_lab (%s)", e ? strerror(e) : "ok");
	if (r)
		return -1;
	check(access(FOLIO_LAB_DEVICE, F_OK) != 0, "device node gone after unload");
	if (!ko)
		return -1;
	kfd = open(ko, O_RDONLY | O_CLOEXEC);
	r = kfd < 0 ? -1 : syscall(SYS_finit_module, kfd, "", 0);
	e = r ? errno : 0;
	check(r == 0, "reload %s (%s)", ko, e ? strerror(e) : "ok");
	if (kfd >= 0)
		close(kfd);
	for (int i = 0; i < 50 && fd < 0 && !r; i++) {
		fd = dev_open();
		if (fd < 0)
			sleep_ms(20);
	}
	return fd;
}

#endif /* FOLIO_LAB_MODULE_TEST_H */
