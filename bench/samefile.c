// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The same-file set-up shared by the pread and uring-read workloads. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "samefile.h"

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
	struct stat st;

	f->fd = -1;
	f->size = fl_param_u64(ctx, "size");
	f->offset = fl_param_u64(ctx, "offset");
	f->per_worker = fl_param_enum(ctx, "open") == FL_SAMEFILE_PER_WORKER;

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
