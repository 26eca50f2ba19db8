// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * uring-read: the pread workload's reads (same file, same bytes) issued
 * through io_uring, one ring per worker, qd reads in flight. Buffered
 * reads reach the same filemap_read -> folio_try_get path, without one
 * syscall per read, so more of the time goes to the refcount.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samefile.h"
#include "workload.h"

enum { C_SUBMITS, C_NR };

static const char *const uring_variants[] = {"default", NULL};
static const char *const uring_counters[] = {[C_SUBMITS] = "submits", [C_NR] = NULL};

static const struct fl_param uring_params[] = {
    FL_SAMEFILE_PARAMS("read"),
    FL_U64("qd", 8, 1, 4096, "reads in flight per ring (queue depth)"),
    FL_U64("batch", 8, 1, 4096, "SQEs submitted per io_uring_submit_and_wait (at most qd)"),
    FL_PARAMS_END,
};

struct uring_shared {
	struct fl_samefile f;
	unsigned int qd;
	unsigned int batch;
};

struct uring_worker {
	struct io_uring ring;
	bool ring_ok;
	int fd;
	char *bufs; /* qd buffers: each in-flight read owns one */
	unsigned int inflight;
};

static int uring_setup(struct fl_ctx *ctx)
{
	struct uring_shared *sh = fl_shared_alloc(sizeof(*sh));
	uint64_t qd = fl_param_u64(ctx, "qd"), batch = fl_param_u64(ctx, "batch");

	if (!sh) {
		fprintf(stderr, "uring-read: cannot allocate shared memory\n");
		return -1;
	}
	sh->qd = (unsigned int)qd;
	sh->batch = (unsigned int)batch;
	if (fl_samefile_setup(ctx, "uring-read", &sh->f) < 0)
		goto fail;
	ctx->priv = sh;
	return 0;
fail:
	fl_shared_free(sh, sizeof(*sh));
	return -1;
}

static void uring_teardown(struct fl_ctx *ctx)
{
	struct uring_shared *sh = ctx->priv;

	if (!sh)
		return;
	fl_samefile_teardown(&sh->f);
	fl_shared_free(sh, sizeof(*sh));
	ctx->priv = NULL;
}

static void uring_worker_fini(struct fl_ctx *ctx, struct fl_worker *w);

static int uring_worker_init(struct fl_ctx *ctx, struct fl_worker *w)
{
	struct uring_shared *sh = ctx->priv;
	struct uring_worker *uw = calloc(1, sizeof(*uw));
	int ret;

	if (!uw) {
		fprintf(stderr, "uring-read: worker %u: out of memory\n", w->id);
		goto fail;
	}
	uw->fd = -1;
	w->priv = uw;
	if (posix_memalign((void **)&uw->bufs, 4096, sh->f.size * sh->qd) != 0) {
		uw->bufs = NULL;
		fprintf(stderr, "uring-read: worker %u: out of memory\n", w->id);
		goto fail;
	}
	ret = io_uring_queue_init(sh->qd, &uw->ring, 0);
	if (ret < 0) {
		if (ret == -ENOSYS || ret == -EPERM)
			fprintf(stderr,
				"uring-read: io_uring unavailable: %s (kernel without io_uring, "
				"or disabled by kernel.io_uring_disabled / seccomp)\n",
				strerror(-ret));
		else
			fprintf(stderr, "uring-read: worker %u: io_uring_queue_init(%u): %s\n",
				w->id, sh->qd, strerror(-ret));
		goto fail;
	}
	uw->ring_ok = true;
	uw->fd = fl_samefile_open(&sh->f, "uring-read");
	if (uw->fd < 0)
		goto fail;
	return 0;
fail:
	w->slot->error = 1;
	uring_worker_fini(ctx, w);
	return -1;
}

/* Reap every ready completion; returns how many, or -1 on a bad one. */
static int uring_reap(struct uring_worker *uw, struct fl_worker *w, uint64_t size)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;
	int bad = 0;

	io_uring_for_each_cqe(&uw->ring, head, cqe)
	{
		if (cqe->res != (int)size && !bad) {
			fprintf(stderr,
				"uring-read: worker %u: read of %llu bytes returned %d%s%s\n",
				w->id, (unsigned long long)size, cqe->res, cqe->res < 0 ? ": " : "",
				cqe->res < 0 ? strerror(-cqe->res) : " (short read)");
			bad = 1;
		}
		n++;
	}
	io_uring_cq_advance(&uw->ring, n);
	uw->inflight -= n;
	if (bad)
		return -1;
	return (int)n;
}

static void uring_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	struct uring_shared *sh = ctx->priv;
	struct uring_worker *uw = w->priv;
	const uint64_t size = sh->f.size;
	unsigned int next_buf = 0;

	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		unsigned int queued = 0;
		int ret, done;

		/* Keep qd reads in flight, submitting batch at a time. */
		while (uw->inflight < sh->qd && queued < sh->batch) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&uw->ring);

			if (!sqe)
				break;
			io_uring_prep_read(sqe, uw->fd, uw->bufs + (size_t)next_buf * size,
					   (unsigned int)size, sh->f.offset);
			next_buf = (next_buf + 1) % sh->qd;
			uw->inflight++;
			queued++;
		}
		ret = io_uring_submit_and_wait(&uw->ring, 1);
		if (ret < 0) {
			if (ret == -EINTR)
				continue;
			fprintf(stderr, "uring-read: worker %u: io_uring_submit_and_wait: %s\n",
				w->id, strerror(-ret));
			w->slot->error = 1;
			return;
		}
		fl_count(&w->slot->counters[C_SUBMITS], 1);
		done = uring_reap(uw, w, size);
		if (done < 0) {
			w->slot->error = 1;
			return;
		}
		fl_count(&w->slot->ops, (uint64_t)done);
	}
}

static void uring_worker_fini(struct fl_ctx *ctx, struct fl_worker *w)
{
	struct uring_shared *sh = ctx->priv;
	struct uring_worker *uw = w->priv;

	if (!uw)
		return;
	if (uw->ring_ok) {
		/* Drain what is still in flight before the buffers go. */
		while (uw->inflight > 0) {
			if (io_uring_submit_and_wait(&uw->ring, 1) < 0 ||
			    uring_reap(uw, w, sh->f.size) < 0)
				break;
		}
		io_uring_queue_exit(&uw->ring);
	}
	if (sh->f.per_worker && uw->fd >= 0)
		close(uw->fd);
	free(uw->bufs);
	free(uw);
	w->priv = NULL;
}

static const struct fl_smoke uring_smoke[] = {
    {.args = "--mode threads",
     .check = ".counters.submits > 0 and .counters.submits <= .ops + .workers",
     .what = "one submit reaps at least one completion",
     .skip_if = "io_uring unavailable"},
    {.args = "--mode processes", .skip_if = "io_uring unavailable"},
    {.args = "--opt file=smoke-file --opt open=per-worker --opt offset=4096 --opt size=4096",
     .check = ".params.size == \"4096\" and .params.open == \"per-worker\"",
     .what = "params recorded",
     .skip_if = "io_uring unavailable"},
    {NULL},
};

/* batch is at most qd: a line each cannot say that. */
static int uring_check(const struct fl_ctx *ctx)
{
	uint64_t qd = fl_param_u64(ctx, "qd"), batch = fl_param_u64(ctx, "batch");

	if (batch > qd) {
		fprintf(stderr, "uring-read: --opt batch=%llu out of range 1..qd=%llu\n",
			(unsigned long long)batch, (unsigned long long)qd);
		return -1;
	}
	return 0;
}

const struct fl_workload fl_workload_uring_read = {
    .name = "uring-read",
    .summary = "the pread workload's same-file reads through io_uring (liburing), one ring "
	       "per worker, qd reads in flight",
    .variants = uring_variants,
    .params = uring_params,
    .counters = uring_counters,
    .check = uring_check,
    .smoke = uring_smoke,
    .setup = uring_setup,
    .worker_init = uring_worker_init,
    .testcase = uring_testcase,
    .worker_fini = uring_worker_fini,
    .teardown = uring_teardown,
};
