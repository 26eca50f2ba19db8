// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The workload table, from bench/workloads.def: a workload is one file and one line there. */
#include <string.h>

#include "workload.h"

#define FL_WORKLOAD(sym) extern const struct fl_workload fl_workload_##sym;
#include "workloads.def"
#undef FL_WORKLOAD

const struct fl_workload *const fl_workloads[] = {
#define FL_WORKLOAD(sym) &fl_workload_##sym,
#include "workloads.def"
#undef FL_WORKLOAD
    NULL,
};

const struct fl_workload *fl_workload_find(const char *name)
{
	for (const struct fl_workload *const *w = fl_workloads; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return *w;
	return NULL;
}
