// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Topology (hwloc) and the named placement policies. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hwloc.h>

#include "folio-lab/boundaries.h"
#include "harness.h"

static int cpu_of_pu(hwloc_topology_t topo, hwloc_obj_t pu, struct fl_cpu *c)
{
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, pu);
	hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pu);
	int node = pu->nodeset ? hwloc_bitmap_first(pu->nodeset) : -1;

	c->pu = (int)pu->os_index;
	/* A PU without a Core object (e.g. synthetic "pu:2") is its own core. */
	c->core = core ? (int)core->logical_index : (int)pu->logical_index;
	c->node = node < 0 ? 0 : node;
	c->pkg = pkg ? (int)pkg->logical_index : 0;
	return 0;
}

static int count_distinct(const struct fl_cpu *c, unsigned int n, size_t off)
{
	int count = 0;

	for (unsigned int i = 0; i < n; i++) {
		int v = *(const int *)((const char *)&c[i] + off);
		unsigned int j;

		for (j = 0; j < i; j++)
			if (*(const int *)((const char *)&c[j] + off) == v)
				break;
		if (j == i)
			count++;
	}
	return count;
}

static int load_pus(hwloc_topology_t topo, struct fl_cpu **out, unsigned int *n)
{
	int npu = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);

	if (npu <= 0) {
		fprintf(stderr, "folio-lab: the topology has no processing units\n");
		return -1;
	}
	*out = calloc((size_t)npu, sizeof(**out));
	if (!*out)
		return -1;
	for (int i = 0; i < npu; i++)
		cpu_of_pu(topo, hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, (unsigned int)i),
			  &(*out)[i]);
	*n = (unsigned int)npu;
	return 0;
}

static int topo_open(const char *spec, hwloc_topology_t *topo)
{
	struct stat st;
	int err;

	if (hwloc_topology_init(topo) < 0) {
		fprintf(stderr, "folio-lab: hwloc_topology_init: %s\n", strerror(errno));
		return -1;
	}
	if (!spec) {
		err = 0;
	} else if (stat(spec, &st) == 0) {
		err = hwloc_topology_set_xml(*topo, spec);
		if (err < 0)
			fprintf(stderr, "folio-lab: --topology %s: not an hwloc XML file\n", spec);
	} else {
		err = hwloc_topology_set_synthetic(*topo, spec);
		if (err < 0)
			fprintf(stderr,
				"folio-lab: --topology \"%s\": neither a file nor a valid hwloc "
				"synthetic description (e.g. \"pack:2 numa:2 core:4 pu:2\")\n",
				spec);
	}
	if (err == 0 && hwloc_topology_load(*topo) < 0) {
		fprintf(stderr, "folio-lab: cannot load the topology%s%s: %s\n", spec ? " " : "",
			spec ? spec : "", strerror(errno));
		err = -1;
	}
	if (err < 0) {
		hwloc_topology_destroy(*topo);
		*topo = NULL;
	}
	return err;
}

int fl_topo_load(struct fl_topo *t, const char *spec)
{
	struct stat st;
	char buf[512];

	memset(t, 0, sizeof(*t));
	if (topo_open(spec, &t->topo) < 0)
		return -1;
	if (load_pus(t->topo, &t->pus, &t->npus) < 0) {
		fl_topo_free(t);
		return -1;
	}
	t->ncores = (unsigned int)count_distinct(t->pus, t->npus, offsetof(struct fl_cpu, core));
	t->nnodes = (unsigned int)count_distinct(t->pus, t->npus, offsetof(struct fl_cpu, node));
	t->npkgs = (unsigned int)count_distinct(t->pus, t->npus, offsetof(struct fl_cpu, pkg));
	if (!spec) {
		t->source = strdup("this machine");
		return 0;
	}
	snprintf(buf, sizeof(buf), stat(spec, &st) == 0 ? "xml %s" : "synthetic \"%s\"", spec);
	t->source = strdup(buf);

	/* A foreign topology is fine for plans; runs need the real layout. */
	t->foreign = true;
	hwloc_topology_t real;
	struct fl_cpu *rpus;
	unsigned int rn;

	if (topo_open(NULL, &real) == 0) {
		if (load_pus(real, &rpus, &rn) == 0) {
			t->foreign = rn != t->npus || memcmp(rpus, t->pus, rn * sizeof(*rpus)) != 0;
			free(rpus);
		}
		hwloc_topology_destroy(real);
	}
	return 0;
}

void fl_topo_free(struct fl_topo *t)
{
	if (t->topo)
		hwloc_topology_destroy(t->topo);
	free(t->pus);
	free(t->source);
	memset(t, 0, sizeof(*t));
}

static const char *plural(unsigned int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void fl_topo_summary(const struct fl_topo *t, char *buf, size_t len)
{
	snprintf(buf, len, "%u %s, %u %s, %u %s, %u %s", t->npkgs,
		 plural(t->npkgs, "package", "packages"), t->nnodes,
		 plural(t->nnodes, "NUMA node", "NUMA nodes"), t->ncores,
		 plural(t->ncores, "core", "cores"), t->npus, plural(t->npus, "PU", "PUs"));
}

/*
 * Parses "a,b-c,..." in the given order. Returns the count or -1 (message in
 * err). Values outside [lo, hi] are refused.
 */
static int parse_ranges(const char *s, unsigned int lo, unsigned int hi, unsigned int **out,
			char *err, size_t errlen)
{
	unsigned int *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = s;

	if (!s || !*s) {
		snprintf(err, errlen, "empty list");
		return -1;
	}
	while (*p) {
		char *end;
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		a = strtoul(p, &end, 10);
		b = a;
		if (errno)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			b = strtoul(p, &end, 10);
			if (errno || b < a)
				goto bad;
		}
		if (a < lo || b > hi) {
			snprintf(err, errlen, "'%s': values must be between %u and %u", s, lo, hi);
			free(v);
			return -1;
		}
		for (unsigned long x = a; x <= b; x++) {
			if (n == cap) {
				unsigned int *nv;

				cap = cap ? cap * 2 : 16;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					snprintf(err, errlen, "out of memory");
					return -1;
				}
				v = nv;
			}
			v[n++] = (unsigned int)x;
		}
		if (*end == ',' && end[1])
			p = end + 1;
		else if (*end)
			goto bad;
		else
			p = end;
	}
	*out = v;
	return (int)n;
bad:
	snprintf(err, errlen, "'%s': expected numbers and ranges like 1,2,4-8", s);
	free(v);
	return -1;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static unsigned int sort_unique(unsigned int *v, unsigned int n)
{
	unsigned int m = 0;

	qsort(v, n, sizeof(*v), cmp_uint);
	for (unsigned int i = 0; i < n; i++)
		if (m == 0 || v[m - 1] != v[i])
			v[m++] = v[i];
	return m;
}

int fl_parse_list(const char *s, unsigned int lo, unsigned int hi, unsigned int **out, char *err,
		  size_t errlen)
{
	int n = parse_ranges(s, lo, hi, out, err, errlen);

	if (n < 0)
		return -1;
	return (int)sort_unique(*out, (unsigned int)n);
}

/* Scatter key of each PU: SMT sibling rank, core rank in its node, node rank in its package. */
struct scatter_key {
	unsigned int smt, core, node, pkg, idx;
};

static int cmp_scatter(const void *a, const void *b)
{
	const struct scatter_key *x = a, *y = b;

	if (x->smt != y->smt)
		return x->smt < y->smt ? -1 : 1;
	if (x->core != y->core)
		return x->core < y->core ? -1 : 1;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->pkg != y->pkg)
		return x->pkg < y->pkg ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int make_scatter(const struct fl_topo *t, struct fl_cpu *out)
{
	struct scatter_key *k = calloc(t->npus, sizeof(*k));
	const struct fl_cpu *c = t->pus;

	if (!k)
		return -1;
	for (unsigned int i = 0; i < t->npus; i++) {
		k[i].idx = i;
		k[i].pkg = (unsigned int)c[i].pkg;
		/* Ranks count distinct earlier objects in compact (tree) order. */
		for (unsigned int j = 0; j < i; j++) {
			if (c[j].core == c[i].core)
				k[i].smt++;
		}
		for (unsigned int j = 0; j < i; j++) {
			bool first_pu_of_core = true, first_of_node = true;

			for (unsigned int m = 0; m < j; m++) {
				if (c[m].core == c[j].core)
					first_pu_of_core = false;
				if (c[m].pkg == c[j].pkg && c[m].node == c[j].node)
					first_of_node = false;
			}
			if (first_pu_of_core && c[j].core != c[i].core && c[j].pkg == c[i].pkg &&
			    c[j].node == c[i].node)
				k[i].core++;
			if (first_of_node && c[j].pkg == c[i].pkg && c[j].node != c[i].node)
				k[i].node++;
		}
	}
	qsort(k, t->npus, sizeof(*k), cmp_scatter);
	for (unsigned int i = 0; i < t->npus; i++)
		out[i] = c[k[i].idx];
	free(k);
	return 0;
}

static void list_nodes(const struct fl_topo *t)
{
	fprintf(stderr, "folio-lab: NUMA nodes of %s:", t->source);
	for (unsigned int i = 0; i < t->npus; i++) {
		unsigned int j;

		for (j = 0; j < i; j++)
			if (t->pus[j].node == t->pus[i].node)
				break;
		if (j == i)
			fprintf(stderr, " %d", t->pus[i].node);
	}
	fputc('\n', stderr);
}

static const char placement_names[] = "compact, scatter, node:N, nosmt, pus:LIST";

int fl_placement_make(const struct fl_topo *t, const char *name, struct fl_placement *p)
{
	char err[256];
	unsigned int n = 0;

	memset(p, 0, sizeof(*p));
	p->cpus = calloc(t->npus, sizeof(*p->cpus));
	p->name = strdup(name);
	if (!p->cpus || !p->name)
		goto fail;

	if (strcmp(name, "compact") == 0) {
		memcpy(p->cpus, t->pus, t->npus * sizeof(*p->cpus));
		n = t->npus;
	} else if (strcmp(name, "scatter") == 0) {
		if (make_scatter(t, p->cpus) < 0)
			goto fail;
		n = t->npus;
	} else if (strcmp(name, "nosmt") == 0) {
		for (unsigned int i = 0; i < t->npus; i++) {
			unsigned int j;

			for (j = 0; j < i; j++)
				if (t->pus[j].core == t->pus[i].core)
					break;
			if (j == i)
				p->cpus[n++] = t->pus[i];
		}
	} else if (strncmp(name, "node:", 5) == 0) {
		char *end;
		long node;

		errno = 0;
		node = strtol(name + 5, &end, 10);
		if (errno || end == name + 5 || *end || node < 0 || node > INT_MAX) {
			fprintf(stderr, "folio-lab: placement '%s': N must be a NUMA node number\n",
				name);
			goto usage;
		}
		for (unsigned int i = 0; i < t->npus; i++)
			if (t->pus[i].node == (int)node)
				p->cpus[n++] = t->pus[i];
		if (!n) {
			fprintf(stderr, "folio-lab: placement '%s': no PU on NUMA node %ld\n", name,
				node);
			list_nodes(t);
			goto usage;
		}
	} else if (strncmp(name, "pus:", 4) == 0) {
		unsigned int *v;
		int m = parse_ranges(name + 4, 0, INT_MAX, &v, err, sizeof(err));

		if (m < 0) {
			fprintf(stderr, "folio-lab: placement '%s': %s\n", name, err);
			goto usage;
		}
		for (int i = 0; i < m; i++) {
			unsigned int j;

			for (j = 0; j < t->npus; j++)
				if (t->pus[j].pu == (int)v[i])
					break;
			if (j == t->npus || n >= t->npus) {
				fprintf(stderr,
					"folio-lab: placement '%s': PU %u %s in %s (%u PUs, "
					"OS indices %d..%d)\n",
					name, v[i], j == t->npus ? "does not exist" : "is repeated",
					t->source, t->npus, t->pus[0].pu, t->pus[t->npus - 1].pu);
				free(v);
				goto usage;
			}
			for (unsigned int k = 0; k < n; k++) {
				if (p->cpus[k].pu == (int)v[i]) {
					fprintf(stderr,
						"folio-lab: placement '%s': PU %u is repeated\n",
						name, v[i]);
					free(v);
					goto usage;
				}
			}
			p->cpus[n++] = t->pus[j];
		}
		free(v);
	} else {
		fprintf(stderr, "folio-lab: unknown placement '%s'; valid: %s\n", name,
			placement_names);
		goto usage;
	}
	p->ncpus = n;
	return 0;
fail:
	fprintf(stderr, "folio-lab: out of memory\n");
	fl_placement_free(p);
	return FL_EXIT_FAIL;
usage:
	fl_placement_free(p);
	return FL_EXIT_USAGE;
}

void fl_placement_free(struct fl_placement *p)
{
	free(p->cpus);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

unsigned int fl_default_workers(const struct fl_placement *p, unsigned int *out, unsigned int max)
{
	unsigned int cand[5], n = 0, m = 0, node_cores = 0;

	if (!p->ncpus)
		return 0;
	/* Cores of the node the placement starts on, counted within the placement. */
	for (unsigned int i = 0; i < p->ncpus; i++) {
		unsigned int j;

		if (p->cpus[i].node != p->cpus[0].node)
			continue;
		for (j = 0; j < i; j++)
			if (p->cpus[j].core == p->cpus[i].core)
				break;
		if (j == i)
			node_cores++;
	}
	cand[n++] = 1;
	cand[n++] = 2;
	cand[n++] = node_cores;
	cand[n++] = (unsigned int)count_distinct(p->cpus, p->ncpus, offsetof(struct fl_cpu, core));
	cand[n++] = p->ncpus;
	for (unsigned int i = 0; i < n; i++)
		if (cand[i] >= 1 && cand[i] <= p->ncpus)
			cand[m++] = cand[i];
	m = sort_unique(cand, m);
	if (m > max)
		m = max;
	memcpy(out, cand, m * sizeof(*out));
	return m;
}

/* The machine's counts and the placement's PUs, for boundaries.h's rule. */
static struct fl_bnd_counts bnd_counts(const struct fl_topo *t)
{
	return (struct fl_bnd_counts){(int)t->npkgs, (int)t->nnodes, (int)t->ncores, (int)t->npus};
}

unsigned int fl_boundary_workers(const struct fl_topo *t, const struct fl_placement *p, bool quick,
				 unsigned int *out, unsigned int max)
{
	struct fl_bnd_counts c = bnd_counts(t);
	int w[FL_BND_MAX], n = fl_bnd_sweep(&c, p->name, (int)p->ncpus, quick, w, FL_BND_MAX);
	unsigned int m = 0;

	for (int i = 0; i < n && m < max; i++)
		out[m++] = (unsigned int)w[i];
	return m;
}

const char *fl_boundary_label(const struct fl_topo *t, const struct fl_placement *p, unsigned int w,
			      char *buf, size_t len)
{
	struct fl_bnd_counts c = bnd_counts(t);

	return fl_bnd_label(&c, p->name, (int)p->ncpus, (int)w, buf, len);
}
