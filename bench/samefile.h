/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The same-file set-up of pread and uring-read: both read the same bytes
 * of one file, created in /dev/shm (tmpfs, as in the series) or given.
 * Not a workload itself: a helper of two.
 */
#ifndef FOLIO_LAB_SAMEFILE_H
#define FOLIO_LAB_SAMEFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "workload.h"

struct fl_samefile {
	char path[4096];
	bool created;	 /* ours: unlink at teardown */
	bool per_worker; /* each worker opens the file itself */
	int fd;		 /* the shared descriptor (open=shared) */
	uint64_t size;
	uint64_t offset;
};

/* Parses the size, offset, file and open options; wl names the workload in messages. */
int fl_samefile_setup(struct fl_ctx *ctx, const char *wl, struct fl_samefile *f);
/* The descriptor a worker reads through: the shared one or its own. */
int fl_samefile_open(const struct fl_samefile *f, const char *wl);
void fl_samefile_teardown(struct fl_samefile *f);

#endif /* FOLIO_LAB_SAMEFILE_H */
