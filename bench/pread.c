// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pread: every worker preads the same bytes of the same file, the series'
 * own benchmark. Each read takes a speculative reference on one hot
 * page-cache folio (filemap_get_read_batch -> folio_try_get), so all
 * workers contend on that folio's _refcount.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "samefile.h"
#include "workload.h"

struct pread_worker {
	int fd;
	char *buf;
};

static const char *const pread_variants[] = {"default", NULL};
static const char *const pread_counters[] = {"bytes", NULL};

static const struct fl_param pread_params[] = {
    FL_SAMEFILE_PARAMS("pread"),
    FL_PARAMS_END,
};

/* Both modes, in every suite; the quick suite's pread is the series' own figure. */
static const struct fl_suite_run pread_suite[] = {
    {FL_IN_FULL | FL_IN_QUICK | FL_IN_EVERYWHERE, "--mode threads"},
    {FL_IN_FULL | FL_IN_QUICK | FL_IN_EVERYWHERE, "--mode processes"},
    {0, NULL},
};

static const struct fl_smoke pread_smoke[] = {
    {.args = "--mode threads",
     .check = "((.counters.bytes - 64 * .ops) | fabs) <= 64 * .workers",
     .what = "bytes = 64 * ops"},
    {.args = "--mode processes"},
    /* A given file, opened by each worker, at an offset in its second page. */
    {.args = "--opt file=smoke-file --opt open=per-worker --opt offset=4096 --opt size=4096",
     .check = ".params.size == \"4096\" and .params.open == \"per-worker\"",
     .what = "params recorded"},
    {NULL},
};

static int pread_setup(struct fl_ctx *ctx)
{
	struct fl_samefile *f = fl_shared_alloc(sizeof(*f));

	if (!f) {
		fprintf(stderr, "pread: cannot allocate shared memory\n");
		return -1;
	}
	if (fl_samefile_setup(ctx, "pread", f) < 0) {
		fl_shared_free(f, sizeof(*f));
		return -1;
	}
	ctx->priv = f;
	return 0;
}

static void pread_teardown(struct fl_ctx *ctx)
{
	struct fl_samefile *f = ctx->priv;

	if (!f)
		return;
	fl_samefile_teardown(f);
	fl_shared_free(f, sizeof(*f));
	ctx->priv = NULL;
}

static int pread_worker_init(struct fl_ctx *ctx, struct fl_worker *w)
{
	const struct fl_samefile *f = ctx->priv;
	struct pread_worker *pw = calloc(1, sizeof(*pw));

	if (!pw || posix_memalign((void **)&pw->buf, 4096, f->size) != 0) {
		fprintf(stderr, "pread: worker %u: out of memory\n", w->id);
		free(pw);
		w->slot->error = 1;
		return -1;
	}
	pw->fd = fl_samefile_open(f, "pread");
	if (pw->fd < 0) {
		free(pw->buf);
		free(pw);
		w->slot->error = 1;
		return -1;
	}
	w->priv = pw;
	return 0;
}

static void pread_testcase(struct fl_ctx *ctx, struct fl_worker *w, const _Atomic int *stop)
{
	const struct fl_samefile *f = ctx->priv;
	struct pread_worker *pw = w->priv;
	const size_t size = (size_t)f->size;
	const off_t off = (off_t)f->offset;

	while (!atomic_load_explicit(stop, memory_order_relaxed)) {
		ssize_t r = pread(pw->fd, pw->buf, size, off);

		if (r != (ssize_t)size) {
			if (r < 0 && errno == EINTR)
				continue;
			fprintf(stderr,
				"pread: worker %u: pread of %zu bytes at %lld returned %zd: %s\n",
				w->id, size, (long long)off, r,
				r < 0 ? strerror(errno) : "short read");
			w->slot->error = 1;
			return;
		}
		fl_count(&w->slot->ops, 1);
		fl_count(&w->slot->counters[0], size);
	}
}

static void pread_worker_fini(struct fl_ctx *ctx, struct fl_worker *w)
{
	const struct fl_samefile *f = ctx->priv;
	struct pread_worker *pw = w->priv;

	if (!pw)
		return;
	if (f->per_worker && pw->fd >= 0)
		close(pw->fd);
	free(pw->buf);
	free(pw);
	w->priv = NULL;
}

const struct fl_workload fl_workload_pread = {
    .name = "pread",
    .summary = "every worker preads the same bytes of the same file (the series' benchmark: "
	       "folio_try_get on one hot page-cache folio)",
    .variants = pread_variants,
    .params = pread_params,
    .counters = pread_counters,
    .suite = pread_suite,
    .smoke = pread_smoke,
    .setup = pread_setup,
    .worker_init = pread_worker_init,
    .testcase = pread_testcase,
    .worker_fini = pread_worker_fini,
    .teardown = pread_teardown,
};
