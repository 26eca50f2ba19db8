// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The workload table: adding a workload is one file in bench/ and one row here. */
#include <string.h>

#include "workload.h"

extern const struct fl_workload fl_workload_atomics;
extern const struct fl_workload fl_workload_pread;
extern const struct fl_workload fl_workload_uring_read;
extern const struct fl_workload fl_workload_fault;
extern const struct fl_workload fl_workload_handoff;
extern const struct fl_workload fl_workload_module;

const struct fl_workload *const fl_workloads[] = {
    &fl_workload_atomics,
    &fl_workload_pread,
    &fl_workload_uring_read,
    &fl_workload_fault,
    &fl_workload_handoff,
    &fl_workload_module,
    NULL,
};

const struct fl_workload *fl_workload_find(const char *name)
{
	for (const struct fl_workload *const *w = fl_workloads; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}
