// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Placement policies on synthetic hwloc topologies, checked by their
 * defining properties (the exact maps are in tests/expected/plan-*.txt),
 * plus the list parser and the default worker counts.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void plan(const struct fl_topo *t, const char *name, struct fl_placement *p)
{
	int rc = fl_placement_make(t, name, p);

	CHECK(rc == 0, "placement %s on %s: rc %d", name, t->source, rc);
}

static void test_big(void)
{
	/* 2 packages x 2 NUMA nodes x 4 cores x 2 SMT = 32 PUs, OS index = logical. */
	struct fl_topo t;
	struct fl_placement p;
	unsigned int w[8], n;

	CHECK(fl_topo_load(&t, "pack:2 numa:2 core:4 pu:2") == 0, "load");
	CHECK(t.npus == 32 && t.ncores == 16 && t.nnodes == 4 && t.npkgs == 2, "counts %u %u %u %u",
	      t.npus, t.ncores, t.nnodes, t.npkgs);
	CHECK(t.foreign, "a synthetic topology is not this machine");

	plan(&t, "compact", &p);
	CHECK(p.ncpus == 32, "compact size %u", p.ncpus);
	for (unsigned int i = 0; i < p.ncpus; i++) {
		/* SMT siblings first: workers 2k and 2k+1 share core k. */
		CHECK(p.cpus[i].pu == (int)i && p.cpus[i].core == (int)i / 2, "compact %u", i);
		CHECK(p.cpus[i].node == (int)i / 8 && p.cpus[i].pkg == (int)i / 16,
		      "compact %u node %d pkg %d", i, p.cpus[i].node, p.cpus[i].pkg);
	}
	n = fl_default_workers(&p, w, 8);
	CHECK(n == 5 && w[0] == 1 && w[1] == 2 && w[2] == 4 && w[3] == 16 && w[4] == 32,
	      "default workers n=%u", n);
	fl_placement_free(&p);

	plan(&t, "scatter", &p);
	CHECK(p.ncpus == 32, "scatter size");
	/* First 4 workers: both packages, then the second node of each. */
	CHECK(p.cpus[0].pkg == 0 && p.cpus[1].pkg == 1 && p.cpus[2].pkg == 0 && p.cpus[3].pkg == 1,
	      "scatter alternates packages");
	CHECK(p.cpus[0].node == 0 && p.cpus[1].node == 2 && p.cpus[2].node == 1 &&
		  p.cpus[3].node == 3,
	      "scatter covers every node in the first four: %d %d %d %d", p.cpus[0].node,
	      p.cpus[1].node, p.cpus[2].node, p.cpus[3].node);
	/* No SMT sibling is used before every core has one worker. */
	for (unsigned int i = 0; i < 16; i++) {
		CHECK(p.cpus[i].pu % 2 == 0, "scatter %u is a first sibling (pu %d)", i,
		      p.cpus[i].pu);
		for (unsigned int j = 0; j < i; j++)
			CHECK(p.cpus[i].core != p.cpus[j].core, "scatter core reused at %u", i);
	}
	for (unsigned int i = 16; i < 32; i++)
		CHECK(p.cpus[i].pu % 2 == 1, "scatter second siblings last");
	fl_placement_free(&p);

	plan(&t, "node:1", &p);
	CHECK(p.ncpus == 8, "node:1 has 8 PUs, got %u", p.ncpus);
	for (unsigned int i = 0; i < p.ncpus; i++)
		CHECK(p.cpus[i].node == 1 && p.cpus[i].pu == 8 + (int)i, "node:1 %u", i);
	n = fl_default_workers(&p, w, 8);
	/* 4 cores in the node (= all cores of the placement), 8 PUs: 1 2 4 8. */
	CHECK(n == 4 && w[0] == 1 && w[1] == 2 && w[2] == 4 && w[3] == 8, "node:1 defaults n=%u",
	      n);
	fl_placement_free(&p);

	plan(&t, "nosmt", &p);
	CHECK(p.ncpus == 16, "nosmt 16 PUs");
	for (unsigned int i = 0; i < p.ncpus; i++)
		CHECK(p.cpus[i].pu == 2 * (int)i && p.cpus[i].core == (int)i, "nosmt %u", i);
	n = fl_default_workers(&p, w, 8);
	CHECK(n == 4 && w[2] == 4 && w[3] == 16, "nosmt defaults 1 2 4 16, n=%u", n);
	fl_placement_free(&p);

	plan(&t, "pus:5,0,8-9", &p);
	CHECK(p.ncpus == 4 && p.cpus[0].pu == 5 && p.cpus[1].pu == 0 && p.cpus[2].pu == 8 &&
		  p.cpus[3].pu == 9 && p.cpus[0].core == 2 && p.cpus[2].node == 1,
	      "pus: keeps the given order");
	fl_placement_free(&p);

	CHECK(fl_placement_make(&t, "node:4", &p) == FL_EXIT_USAGE, "node:4 does not exist");
	CHECK(fl_placement_make(&t, "node:x", &p) == FL_EXIT_USAGE, "node:x");
	CHECK(fl_placement_make(&t, "pus:32", &p) == FL_EXIT_USAGE, "pus:32 does not exist");
	CHECK(fl_placement_make(&t, "pus:1,1", &p) == FL_EXIT_USAGE, "pus:1,1 repeats");
	CHECK(fl_placement_make(&t, "pus:", &p) == FL_EXIT_USAGE, "pus: empty");
	CHECK(fl_placement_make(&t, "spread", &p) == FL_EXIT_USAGE, "unknown name");
	fl_topo_free(&t);
}

static void test_flat(void)
{
	struct fl_topo t;
	struct fl_placement p;
	unsigned int w[8], n;
	char s[160];

	/* Two PUs, no cores in the description: each PU counts as a core. */
	CHECK(fl_topo_load(&t, "core:2 pu:1") == 0, "load flat");
	fl_topo_summary(&t, s, sizeof(s));
	CHECK(strcmp(s, "1 package, 1 NUMA node, 2 cores, 2 PUs") == 0, "summary '%s'", s);
	for (const char *const *name =
		 (const char *const[]){"compact", "scatter", "nosmt", "node:0", NULL};
	     *name; name++) {
		plan(&t, *name, &p);
		CHECK(p.ncpus == 2 && p.cpus[0].pu == 0 && p.cpus[1].pu == 1, "%s flat", *name);
		n = fl_default_workers(&p, w, 8);
		CHECK(n == 2 && w[0] == 1 && w[1] == 2, "%s flat defaults n=%u", *name, n);
		fl_placement_free(&p);
	}
	fl_topo_free(&t);

	CHECK(fl_topo_load(&t, "pu:1") == 0, "load single");
	plan(&t, "compact", &p);
	n = fl_default_workers(&p, w, 8);
	CHECK(n == 1 && w[0] == 1, "one PU: one worker count, n=%u", n);
	fl_placement_free(&p);
	fl_topo_free(&t);

	CHECK(fl_topo_load(&t, "bogus:3 thing") < 0, "a bad synthetic string is refused");
}

static void test_lists(void)
{
	unsigned int *v = NULL;
	char err[256];
	int n;

	n = fl_parse_list("4,1-3,2", 0, 100, &v, err, sizeof(err));
	CHECK(n == 4 && v[0] == 1 && v[1] == 2 && v[2] == 3 && v[3] == 4, "sorted, unique");
	free(v);
	n = fl_parse_list("7", 0, 100, &v, err, sizeof(err));
	CHECK(n == 1 && v[0] == 7, "single");
	free(v);
	const char *bad[] = {"", "a", "1,", ",1", "3-1", "1-", "1,,2", "-1", "101", "1.5", NULL};

	for (const char **b = bad; *b; b++) {
		v = NULL;
		n = fl_parse_list(*b, 0, 100, &v, err, sizeof(err));
		CHECK(n < 0 && err[0], "'%s' must be refused", *b);
		free(v);
	}
}

int main(void)
{
	test_big();
	test_flat();
	test_lists();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("placement: all checks passed\n");
	return 0;
}
