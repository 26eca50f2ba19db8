// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * --perf: counters on each worker task through perf_event_open(), so the
 * static guest harness needs no perf binary. Hardware events are often
 * missing in VMs; then only the software events are recorded.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"

const char *const fl_perf_names[FL_PERF_EVENTS] = {
    "task-clock", "context-switches", "cpu-migrations", "cycles", "instructions",
};

static const struct {
	uint32_t type;
	uint64_t config;
} events[FL_PERF_EVENTS] = {
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
};

static int open_event(int e, int tid, bool user_only)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = events[e].type;
	attr.config = events[e].config;
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	attr.exclude_hv = 1;
	attr.exclude_kernel = user_only;
	return (int)syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

void fl_perf_open(struct fl_perf *p, int tid)
{
	static bool warned_hw, warned_user;

	for (int e = 0; e < FL_PERF_EVENTS; e++) {
		int fd = open_event(e, tid, false);

		/* Unprivileged with perf_event_paranoid >= 2: user space only. */
		if (fd < 0 && (errno == EACCES || errno == EPERM)) {
			fd = open_event(e, tid, true);
			if (fd >= 0 && !warned_user) {
				fprintf(stderr, "folio-lab: perf: kernel-mode counting not "
						"permitted, counting user space only\n");
				warned_user = true;
			}
		}
		if (fd < 0 && events[e].type == PERF_TYPE_HARDWARE && !warned_hw) {
			fprintf(stderr,
				"folio-lab: perf: hardware events unsupported here (%s); "
				"recording software events only\n",
				strerror(errno));
			warned_hw = true;
		} else if (fd < 0 && events[e].type != PERF_TYPE_HARDWARE) {
			fprintf(stderr, "folio-lab: perf: cannot count %s: %s\n", fl_perf_names[e],
				strerror(errno));
		}
		p->fds[e] = fd;
	}
	p->open = true;
}

void fl_perf_close(struct fl_perf *p)
{
	if (!p->open)
		return;
	for (int e = 0; e < FL_PERF_EVENTS; e++)
		if (p->fds[e] >= 0)
			close(p->fds[e]);
	p->open = false;
}

void fl_perf_snapshot(const struct fl_perf *p, uint64_t v[FL_PERF_EVENTS])
{
	for (int e = 0; e < FL_PERF_EVENTS; e++) {
		uint64_t r[3];

		v[e] = 0;
		if (!p->open || p->fds[e] < 0 || read(p->fds[e], r, sizeof(r)) != sizeof(r))
			continue;
		/* Scale multiplexed counts to the time the event was enabled. */
		if (r[2] && r[2] < r[1])
			v[e] = (uint64_t)((double)r[0] * (double)r[1] / (double)r[2]);
		else
			v[e] = r[0];
	}
}

bool fl_perf_hw_available(void)
{
	int fd = open_event(3, 0, true);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}
