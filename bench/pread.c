// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pread: every worker preads the same bytes of the same file, the series'
 * own benchmark. Each read takes a speculative reference on one hot
 * page-cache folio (filemap_get_read_batch -> folio_try_get), so all
 * workers contend on that folio's _refcount.
 *
 * The file set-up (fl_samefile_*) is shared with uring-read.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

/* Shared with uring-read.c, which reads the same file the same way. */
struct fl_samefile {
	char path[4096];
	bool created;	 /* ours: unlink at teardown */
	bool per_worker; /* each worker opens the file itself */
	int fd;		 /* the shared descriptor (open=shared) */
	uint64_t size;
	uint64_t offset;
};

int fl_samefile_setup(struct fl_ctx *ctx, const char *wl, struct fl_samefile *f);
int fl_samefile_open(const struct fl_samefile *f, const char *wl);
void fl_samefile_teardown(struct fl_samefile *f);

/* The largest read: a few huge pages, far beyond the series' 64 bytes. */
#define SAMEFILE_MAX_SIZE (64ull << 20)

static int fill_file(int fd, uint64_t len, const char *wl, const char *path)
{
	char buf[65536];
	uint64_t done = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	while (done < len) {
		size_t n = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
		ssize_t r = pwrite(fd, buf, n, (off_t)done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: cannot fill %s: %s\n", wl, path, strerror(errno));
			return -1;
		}
		done += (uint64_t)r;
	}
	return 0;
}

int fl_samefile_setup(struct fl_ctx *ctx, const char *wl, struct fl_samefile *f)
{
	const char *file = fl_param_str(ctx, "file");
	const char *open_mode = fl_param_str(ctx, "open");
	struct stat st;

	f->fd = -1;
	f->size = 64;
	f->offset = 0;
	if (fl_param_str(ctx, "size") && !fl_param_u64(ctx, "size", &f->size))
		return -1;
	if (fl_param_str(ctx, "offset") && !fl_param_u64(ctx, "offset", &f->offset))
		return -1;
	if (f->size == 0 || f->size > SAMEFILE_MAX_SIZE) {
		fprintf(stderr, "%s: --opt size=%llu out of range [1, %llu]\n", wl,
			(unsigned long long)f->size, SAMEFILE_MAX_SIZE);
		return -1;
	}
	if (f->offset > (1ull << 62)) {
		fprintf(stderr, "%s: --opt offset=%llu too large\n", wl,
			(unsigned long long)f->offset);
		return -1;
	}
	if (open_mode && strcmp(open_mode, "shared") != 0 && strcmp(open_mode, "per-worker") != 0) {
		fprintf(stderr, "%s: --opt open=%s: expected shared or per-worker\n", wl,
			open_mode);
		return -1;
	}
	f->per_worker = open_mode && strcmp(open_mode, "per-worker") == 0;

	if (file && *file) {
		/* A given file is used as is: it must already hold the bytes. */
		if (strlen(file) >= sizeof(f->path)) {
			fprintf(stderr, "%s: --opt file: path too long\n", wl);
			return -1;
		}
		strcpy(f->path, file);
		f->created = false;
		f->fd = open(f->path, O_RDONLY);
		if (f->fd < 0) {
			fprintf(stderr, "%s: cannot open --opt file=%s: %s\n", wl, f->path,
				strerror(errno));
			return -1;
		}
		if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "%s: --opt file=%s is not a regular file\n", wl, f->path);
			goto fail;
		}
		if ((uint64_t)st.st_size < f->offset + f->size) {
			fprintf(stderr,
				"%s: --opt file=%s has %lld bytes, needs offset+size = %llu\n", wl,
				f->path, (long long)st.st_size,
				(unsigned long long)(f->offset + f->size));
			goto fail;
		}
	} else {
		/* tmpfs, as in the series: no block layer under the page cache. */
		snprintf(f->path, sizeof(f->path), "/dev/shm/folio-lab-%s-XXXXXX", wl);
		f->fd = mkstemp(f->path);
		if (f->fd < 0) {
			fprintf(stderr, "%s: cannot create a file in /dev/shm: %s\n", wl,
				strerror(errno));
			return -1;
		}
		f->created = true;
		if (fill_file(f->fd, f->offset + f->size, wl, f->path) < 0)
			goto fail;
	}
	if (f->per_worker) {
		close(f->fd);
		f->fd = -1;
	}
	return 0;
fail:
	fl_samefile_teardown(f);
	return -1;
}

/* The descriptor a worker reads through: the shared one or its own. */
int fl_samefile_open(const struct fl_samefile *f, const char *wl)
{
	int fd;

	if (!f->per_worker)
		return f->fd;
	fd = open(f->path, O_RDONLY);
	if (fd < 0)
		fprintf(stderr, "%s: cannot open %s: %s\n", wl, f->path, strerror(errno));
	return fd;
}

void fl_samefile_teardown(struct fl_samefile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->created)
		unlink(f->path);
	f->created = false;
}

struct pread_worker {
	int fd;
	char *buf;
};

static const char *const pread_variants[] = {"default", NULL};
static const char *const pread_counters[] = {"bytes", NULL};

static const struct fl_param_doc pread_params[] = {
    {"size", "64", "bytes per pread"},
    {"offset", "0", "file offset of every pread"},
    {"file", "",
     "file to read, used as is (must hold offset+size bytes); default: a new file in "
     "/dev/shm (tmpfs), removed at the end"},
    {"open", "shared", "shared: one descriptor for all workers; per-worker: each opens it"},
    {NULL, NULL, NULL},
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
    .setup = pread_setup,
    .worker_init = pread_worker_init,
    .testcase = pread_testcase,
    .worker_fini = pread_worker_fini,
    .teardown = pread_teardown,
};
