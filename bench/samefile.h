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

/* The largest read: a few huge pages, far beyond the series' 64 bytes. */
#define FL_SAMEFILE_MAX_SIZE (64ull << 20)

enum { FL_SAMEFILE_SHARED, FL_SAMEFILE_PER_WORKER };
static const struct fl_enum_value fl_samefile_open_values[] = {
    [FL_SAMEFILE_SHARED] = {"shared", "one descriptor for all workers"},
    [FL_SAMEFILE_PER_WORKER] = {"per-worker", "each worker opens the file itself"},
    {NULL, NULL},
};

/* The four parameter lines of a same-file workload; verb: "pread", "read". */
#define FL_SAMEFILE_PARAMS(verb)                                                                   \
	FL_U64("size", 64, 1, FL_SAMEFILE_MAX_SIZE, "bytes per " verb),                            \
	    FL_U64("offset", 0, 0, 1ull << 62, "file offset of every " verb),                      \
	    FL_STR("file", "",                                                                     \
		   "file to read, used as is (must hold offset+size bytes); default: a new file "  \
		   "in /dev/shm (tmpfs), removed at the end"),                                     \
	    FL_ENUM("open", "shared", fl_samefile_open_values, "who opens the file")

/* Reads the size, offset, file and open options; wl names the workload in messages. */
int fl_samefile_setup(struct fl_ctx *ctx, const char *wl, struct fl_samefile *f);
/* The descriptor a worker reads through: the shared one or its own. */
int fl_samefile_open(const struct fl_samefile *f, const char *wl);
void fl_samefile_teardown(struct fl_samefile *f);

#endif /* FOLIO_LAB_SAMEFILE_H */
