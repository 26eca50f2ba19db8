// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * thp_split_check: splits transparent huge pages the ordinary ways and checks
 * that the kernel still counts them (issue 21). In 6.12 __split_huge_page()
 * freezes the folio and re-arms the head by adding to its count: with the
 * frozen bit that leaves the head frozen (page_count() 0), so a page-cache
 * lookup retries forever and the owner's puts leak the page.
 *
 *   anon:  REGIONS anonymous 2 MiB regions (MADV_HUGEPAGE), filled, split
 *          through debugfs split_huge_pages; each region keeps its data and
 *          its first page (the old head) migrates to the other NUMA node
 *          with move_pages(): migration freezes the expected count, which
 *          fails on a head left frozen. (Userspace cannot read a refcount:
 *          /proc/kpagecount is the mapcount.)
 *   file:  a huge tmpfs file (the caller mounts DIR with huge=always), 4 MiB
 *          written, truncated to 1 MiB + 100 B (splits the first THP), then
 *          the series' own call, pread(fd, buf, 64, 0), must return 64 with
 *          the data, and the mapped head must migrate too.
 *
 * Run as root in a guest: usage: thp_split_check anon | file DIR
 * Prints "ok: ..." and exits 0, or "FAIL: ..." and exits 1; "SKIP: ..." and
 * 77 where no THP could be had or debugfs is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HPAGE	     (2UL << 20)
#define REGIONS	     64
#define PAGE	     4096UL
#define MPOL_MF_MOVE (1 << 1) /* <numaif.h>, without libnuma */

static int fails;

static void fail(const char *what)
{
	printf("FAIL: %s\n", what);
	fails++;
}

/* Never 0: a split page that is all zeroes is remapped to the zero page. */
static char fill(size_t region, size_t off)
{
	return (char)(1 + (region * 7 + off / PAGE) % 250);
}

/* The PFN behind a mapped address (/proc/self/pagemap, root only). */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / PAGE * 8)) != sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

/* /proc/kpageflags bit 22: THP. */
static int is_thp(uint64_t pfn)
{
	uint64_t f = 0;
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		return -1;
	if (pread(fd, &f, sizeof(f), (off_t)(pfn * 8)) != sizeof(f))
		f = 0;
	close(fd);
	return (f >> 22) & 1;
}

/*
 * Migrate the page at addr to the other of nodes 0 and 1 (move_pages(2) by
 * syscall). Returns the node it is on afterwards, a negative errno (the
 * kernel's status for the page), or -ENODEV on a one-node machine.
 */
static int migrate_page(void *addr)
{
	void *pages[1] = {addr};
	int nodes[1], status[1] = {-1};
	long ret;

	if (access("/sys/devices/system/node/node1", F_OK))
		return -ENODEV;
	if (syscall(SYS_move_pages, 0, 1UL, pages, NULL, status, 0))
		return -errno;
	if (status[0] < 0)
		return status[0];
	nodes[0] = !status[0];
	status[0] = -1;
	/* > 0: that many pages were not migrated (status is then not written). */
	ret = syscall(SYS_move_pages, 0, 1UL, pages, nodes, status, MPOL_MF_MOVE);
	if (ret < 0)
		return -errno;
	if (ret > 0)
		return -EBUSY;
	if (status[0] < 0)
		return status[0];
	return status[0] == nodes[0] ? status[0] : -EXDEV;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

static int check_anon(void)
{
	char *raw, *base, cmd[128], msg[200];
	int thps = 0, migrated = 0, one_node = 0;

	raw = mmap(NULL, (REGIONS + 1) * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (raw == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	base = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(base, REGIONS * HPAGE, MADV_HUGEPAGE))
		perror("madvise(MADV_HUGEPAGE)");
	for (size_t r = 0; r < REGIONS; r++)
		for (size_t o = 0; o < HPAGE; o += PAGE)
			base[r * HPAGE + o] = fill(r, o);
	for (size_t r = 0; r < REGIONS; r++)
		thps += is_thp(pfn_of(base + r * HPAGE)) == 1;
	if (!thps) {
		printf("SKIP: no THP was allocated for %d MADV_HUGEPAGE regions\n", REGIONS);
		return 77;
	}
	snprintf(cmd, sizeof(cmd), "%d,0x%lx,0x%lx", getpid(), (unsigned long)base,
		 (unsigned long)(base + REGIONS * HPAGE));
	if (write_str("/sys/kernel/debug/split_huge_pages", cmd)) {
		printf("SKIP: cannot write /sys/kernel/debug/split_huge_pages (%s)\n",
		       strerror(errno));
		return 77;
	}
	for (size_t r = 0; r < REGIONS && !fails; r++) {
		char *p = base + r * HPAGE;
		uint64_t pfn = pfn_of(p);
		int node;

		if (is_thp(pfn) == 1) {
			snprintf(msg, sizeof(msg), "anon region %zu is still a THP after the split",
				 r);
			fail(msg);
		}
		for (size_t o = 0; o < HPAGE; o += PAGE)
			if (p[o] != fill(r, o)) {
				snprintf(msg, sizeof(msg), "anon region %zu lost its data at %zu",
					 r, o);
				fail(msg);
				break;
			}
		node = migrate_page(p);
		if (node == -ENODEV) {
			one_node = 1;
		} else if (node < 0) {
			snprintf(msg, sizeof(msg),
				 "anon region %zu: the old head (pfn %#" PRIx64
				 ") does not migrate after the split (%s): its count is not "
				 "what its mapping holds",
				 r, pfn, strerror(-node));
			fail(msg);
		} else {
			migrated++;
		}
	}
	if (munmap(raw, (REGIONS + 1) * HPAGE))
		fail("munmap");
	if (!fails)
		printf("ok: anon: %d of %d regions were THPs; split, data kept, %d old heads "
		       "migrated%s, unmapped\n",
		       thps, REGIONS, migrated, one_node ? " (one NUMA node: none tried)" : "");
	return fails ? 1 : 0;
}

static int check_file(const char *dir)
{
	char path[256], buf[64], msg[200];
	char *data = malloc(2 * HPAGE), *map;
	int fd, thp, node;
	ssize_t n;

	if (!data)
		return 1;
	snprintf(path, sizeof(path), "%s/thp-split-file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (size_t i = 0; i < 2 * HPAGE; i++)
		data[i] = (char)(i * 7 + 3);
	if (write(fd, data, 2 * HPAGE) != (ssize_t)(2 * HPAGE)) {
		perror("write");
		return 1;
	}
	map = mmap(NULL, 2 * HPAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Fault the page in: pagemap shows only present pages. */
	thp = *(volatile char *)map == data[0] ? is_thp(pfn_of(map)) : -1;
	munmap(map, 2 * HPAGE);
	if (thp != 1) {
		printf("SKIP: %s is not backed by a THP (mount it with huge=always)\n", path);
		return 77;
	}
	/* Truncating into the THP splits it (the part past EOF is dropped). */
	if (ftruncate(fd, (off_t)(HPAGE / 2 + 100))) {
		perror("ftruncate");
		return 1;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	if (n != (ssize_t)sizeof(buf) || memcmp(buf, data, sizeof(buf)))
		fail("pread(fd, buf, 64, 0) after the truncate did not return the first 64 bytes");
	map = mmap(NULL, HPAGE / 2 + 100, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (map[HPAGE / 4] != data[HPAGE / 4] || map[0] != data[0])
		fail("the truncated file lost its data");
	node = migrate_page(map);
	if (node < 0 && node != -ENODEV) {
		snprintf(msg, sizeof(msg), "the file's old head does not migrate (%s)",
			 strerror(-node));
		fail(msg);
	}
	munmap(map, HPAGE / 2 + 100);
	close(fd);
	unlink(path);
	free(data);
	if (!fails)
		printf("ok: file: a huge tmpfs file truncated into its THP; pread returned 64; "
		       "the old head %s\n",
		       node == -ENODEV ? "stayed (one NUMA node)" : "migrated");
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "anon"))
		return check_anon();
	if (argc >= 3 && !strcmp(argv[1], "file"))
		return check_file(argv[2]);
	fprintf(stderr, "usage: thp_split_check anon | file DIR\n");
	return 2;
}
