// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-vmplan: the vCPU plan of a pinned guest that mirrors its host.
 *
 * A lab placement policy (harness/topo.c: compact, scatter, node:N, nosmt,
 * pus:LIST) over the host's hwloc topology chooses the host PUs (its first
 * N); the vCPUs take them in host topology order, so vCPU i's guest socket,
 * core and thread are those of its PU on the host. Guest NUMA nodes split the
 * vCPUs evenly, each within one host node (a die when it is smaller than a
 * socket), and their memory is a backend bound to that host node; their
 * distances are the host's. Prints one JSON object per vCPU and one with the
 * QEMU arguments. `folio-lab-vmplan --help`; docs/many-core.md.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>
#include <json-c/json.h>

#include "harness.h"

#define PROG "folio-lab-vmplan"

struct vcpu {
	struct fl_cpu c;
	unsigned int rank; /* index in the host's compact (hwloc logical) order */
	unsigned int guest_node;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--host-topology T] [--smp N|host] [--nodes M]\n"
		   "                        [--placement P] [--mem MB] [--hugepages]\n"
		   "\n"
		   "Plans a guest whose vCPUs are pinned 1:1 to host PUs and whose topology\n"
		   "mirrors them. T: this machine (default), an hwloc XML file or a synthetic\n"
		   "description (\"pack:2 numa:2 core:16 pu:2\"). P: compact (default), scatter,\n"
		   "node:N, nosmt, pus:LIST; its first N PUs are taken (--smp host: all of\n"
		   "them). M guest NUMA nodes (default: as many as host nodes the PUs span)\n"
		   "split the vCPUs evenly, each inside one host node, each with MB/M of\n"
		   "memory bound to it (--hugepages: from hugetlbfs, preallocated either way).\n"
		   "Prints one JSON line per vCPU {\"vcpu\", \"host_pu\", \"host_node\",\n"
		   "\"guest_node\"} and one {\"qemu\": [arguments...], ...}. Exit 2: a request\n"
		   "that cannot be planned (the message says why).\n");
}

static int refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int refuse(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return FL_EXIT_USAGE;
}

static int cmp_rank(const void *a, const void *b)
{
	const struct vcpu *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int parse_uint(const char *opt, const char *s, unsigned int *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || end == s || *end || x == 0 || x > 1u << 20 || *s == '-')
		return refuse("%s wants a positive integer, got '%s'", opt, s);
	*v = (unsigned int)x;
	return 0;
}

/* Number of distinct values of one field among v[0..n). */
static unsigned int distinct(const struct vcpu *v, unsigned int n, int (*key)(const struct vcpu *))
{
	unsigned int count = 0;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int j;

		for (j = 0; j < i; j++)
			if (key(&v[j]) == key(&v[i]))
				break;
		count += j == i;
	}
	return count;
}

static int key_pkg(const struct vcpu *v)
{
	return v->c.pkg;
}

static int key_node(const struct vcpu *v)
{
	return v->c.node;
}

/*
 * Guest shape sockets x cores x threads: the chosen PUs must fill every
 * package with as many cores, and every core with as many PUs, in order.
 */
static int guest_shape(const struct vcpu *v, unsigned int n, const char *pname, unsigned int *S,
		       unsigned int *C, unsigned int *T)
{
	unsigned int s = 0, c = 0, t = 0, cores = 0, threads = 0, want_c = 0, want_t = 0;

	for (unsigned int i = 0; i < n; i++) {
		bool new_pkg = i == 0 || v[i].c.pkg != v[i - 1].c.pkg;
		bool new_core = new_pkg || v[i].c.core != v[i - 1].c.core;

		if (new_core && i > 0) {
			if (want_t && threads != want_t)
				goto irregular;
			want_t = threads;
			threads = 0;
		}
		if (new_pkg && i > 0) {
			if (want_c && cores != want_c)
				goto irregular;
			want_c = cores;
			cores = 0;
		}
		s += new_pkg;
		cores += new_core;
		threads++;
	}
	if ((want_t && threads != want_t) || (want_c && cores != want_c))
		goto irregular;
	c = cores;
	t = threads;
	if ((unsigned long)s * c * t != n || distinct(v, n, key_pkg) != s)
		goto irregular;
	*S = s;
	*C = c;
	*T = t;
	return 0;
irregular:
	return refuse(
	    "the %u PUs that placement %s chooses do not form a sockets x cores x threads "
	    "shape (every package the same number of cores, every core the same number "
	    "of PUs), so no guest topology mirrors them; choose another --smp or "
	    "--placement (nosmt, or --smp a multiple of the PUs of a package)",
	    n, pname);
}

/* Host distances, normalised to the SLIT scale (local 10); NULL if none. */
struct host_dist {
	struct hwloc_distances_s *d;
	const char *name;
};

static int host_distance(const struct host_dist *h, int a, int b)
{
	int ia = -1, ib = -1;
	double local, v;

	if (a == b)
		return 10;
	if (!h->d)
		return -1;
	for (unsigned int i = 0; i < h->d->nbobjs; i++) {
		if ((int)h->d->objs[i]->os_index == a)
			ia = (int)i;
		if ((int)h->d->objs[i]->os_index == b)
			ib = (int)i;
	}
	if (ia < 0 || ib < 0)
		return -1;
	local = (double)h->d->values[(unsigned int)ia * h->d->nbobjs + (unsigned int)ia];
	v = (double)h->d->values[(unsigned int)ia * h->d->nbobjs + (unsigned int)ib];
	if (local > 0)
		v = v * 10.0 / local;
	v = round(v);
	/* Linux ignores a SLIT whose remote entries are not above 10. */
	if (v < 11)
		v = 11;
	if (v > 254)
		v = 254;
	return (int)v;
}

static void add(struct json_object *a, const char *s)
{
	json_object_array_add(a, json_object_new_string(s));
}

static void addf(struct json_object *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct json_object *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add(a, buf);
}

static void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *pname = "compact";
	unsigned int smp = 0, nodes = 0, mem = 2048, n, per, S = 0, C = 0, T = 0, D = 1;
	bool smp_host = false, huge = false;
	struct fl_topo topo;
	struct fl_placement pl;
	struct host_dist hd = {0};
	struct vcpu *v;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--hugepages") == 0) {
			huge = true;
			continue;
		}
		if (strcmp(a, "--host-topology") && strcmp(a, "--smp") && strcmp(a, "--nodes") &&
		    strcmp(a, "--placement") && strcmp(a, "--mem")) {
			usage(stderr);
			return refuse("unknown argument '%s'", a);
		}
		if (!val)
			return refuse("%s needs a value", a);
		i++;
		if (strcmp(a, "--host-topology") == 0)
			spec = val;
		else if (strcmp(a, "--placement") == 0)
			pname = val;
		else if (strcmp(a, "--smp") == 0 && strcmp(val, "host") == 0)
			smp_host = true;
		else if ((rc = parse_uint(a, val,
					  strcmp(a, "--smp") == 0     ? &smp
					  : strcmp(a, "--nodes") == 0 ? &nodes
								      : &mem)))
			return rc;
		else if (strcmp(a, "--smp") == 0)
			smp_host = false;
	}
	if (!smp && !smp_host)
		return refuse("--smp N or --smp host is required");

	if (fl_topo_load(&topo, spec) < 0)
		return FL_EXIT_USAGE;
	rc = fl_placement_make(&topo, pname, &pl);
	if (rc)
		return rc;
	n = smp_host ? pl.ncpus : smp;
	if (n > pl.ncpus) {
		char sum[160];

		fl_topo_summary(&topo, sum, sizeof(sum));
		return refuse("--smp %u: placement %s allows %u PU%s of %s (%s); one vCPU per host "
			      "PU, so at most %u vCPUs (--smp host takes them all)",
			      n, pname, pl.ncpus, pl.ncpus == 1 ? "" : "s", topo.source, sum,
			      pl.ncpus);
	}
	v = calloc(n, sizeof(*v));
	if (!v)
		return FL_EXIT_FAIL;
	for (unsigned int i = 0; i < n; i++) {
		v[i].c = pl.cpus[i];
		for (unsigned int j = 0; j < topo.npus; j++)
			if (topo.pus[j].pu == pl.cpus[i].pu)
				v[i].rank = j;
	}
	qsort(v, n, sizeof(*v), cmp_rank);

	rc = guest_shape(v, n, pname, &S, &C, &T);
	if (rc)
		return rc;
	unsigned int spanned = distinct(v, n, key_node);

	if (!nodes)
		nodes = spanned;
	if (n % nodes)
		return refuse("--smp %u does not divide into --nodes %u (every guest node gets as "
			      "many vCPUs)",
			      n, nodes);
	if (mem % nodes)
		return refuse("--mem %u does not divide into --nodes %u", mem, nodes);
	per = n / nodes;
	/*
	 * A guest node inside a socket is a die of it: QEMU shares the L3 per
	 * die, and Linux warns when an LLC spans NUMA nodes. A node never splits
	 * a core, and one larger than a socket holds whole sockets.
	 */
	if (per < C * T) {
		if ((C * T) % per || per % T)
			return refuse("--nodes %u: a guest node of %u vCPUs %s; choose --nodes so "
				      "that a node holds whole cores of one socket (%u cores x %u "
				      "threads) or whole sockets",
				      nodes, per,
				      per % T ? "would split a core's SMT threads"
					      : "does not divide a socket",
				      C, T);
		D = C * T / per;
	} else if (per % (C * T)) {
		return refuse(
		    "--nodes %u: a guest node of %u vCPUs would hold part of a socket of "
		    "%u; choose --nodes so that a node holds whole sockets or whole cores "
		    "of one socket",
		    nodes, per, C * T);
	}
	for (unsigned int g = 0; g < nodes; g++) {
		for (unsigned int i = g * per; i < (g + 1) * per; i++) {
			v[i].guest_node = g;
			if (v[i].c.node != v[g * per].c.node)
				return refuse("guest node %u would hold vCPUs %u-%u, on host PUs "
					      "of host NUMA "
					      "nodes %d and %d; each guest node's memory is bound "
					      "to one host "
					      "node, so it cannot span two: use --nodes a multiple "
					      "of %u (the "
					      "host nodes the %u PUs span)",
					      g, g * per, (g + 1) * per - 1, v[g * per].c.node,
					      v[i].c.node, spanned, n);
		}
	}

	/* The host's NUMA latencies (the OS's SLIT on Linux, or an XML's). */
	{
		unsigned int nr = 1;
		struct hwloc_distances_s *d[1];

		if (hwloc_distances_get_by_type(topo.topo, HWLOC_OBJ_NUMANODE, &nr, d,
						HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) == 0 &&
		    nr >= 1) {
			hd.d = d[0];
			hd.name = hwloc_distances_get_name(topo.topo, d[0]);
		}
	}

	for (unsigned int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "vcpu", json_object_new_int((int)i));
		json_object_object_add(o, "host_pu", json_object_new_int(v[i].c.pu));
		json_object_object_add(o, "host_node", json_object_new_int(v[i].c.node));
		json_object_object_add(o, "guest_node", json_object_new_int((int)v[i].guest_node));
		print_json(o);
	}

	struct json_object *q = json_object_new_array(), *o = json_object_new_object();
	const char *dist = "none: one guest node";

	add(q, "-m");
	addf(q, "%uM", mem);
	add(q, "-smp");
	if (D > 1)
		addf(q, "%u,sockets=%u,dies=%u,cores=%u,threads=%u", n, S, D, C / D, T);
	else
		addf(q, "%u,sockets=%u,cores=%u,threads=%u", n, S, C, T);
	for (unsigned int g = 0; g < nodes; g++) {
		int h = v[g * per].c.node;

		add(q, "-object");
		if (huge)
			addf(q,
			     "memory-backend-memfd,id=mem%u,size=%uM,hugetlb=on,host-nodes=%d,"
			     "policy=bind,prealloc=on",
			     g, mem / nodes, h);
		else
			addf(q,
			     "memory-backend-ram,id=mem%u,size=%uM,host-nodes=%d,policy=bind,"
			     "prealloc=on",
			     g, mem / nodes, h);
		add(q, "-numa");
		addf(q, "node,nodeid=%u,cpus=%u-%u,memdev=mem%u", g, g * per, (g + 1) * per - 1, g);
	}
	if (nodes > 1) {
		bool all = true;

		for (unsigned int a = 0; a < nodes && all; a++)
			for (unsigned int b = 0; b < nodes && all; b++)
				all = host_distance(&hd, v[a * per].c.node, v[b * per].c.node) > 0;
		if (all) {
			for (unsigned int a = 0; a < nodes; a++) {
				for (unsigned int b = 0; b < nodes; b++) {
					if (a == b)
						continue;
					int ha = v[a * per].c.node, hb = v[b * per].c.node;

					/* Two guest nodes of one host node: the least remote. */
					add(q, "-numa");
					addf(q, "dist,src=%u,dst=%u,val=%d", a, b,
					     ha == hb ? 11 : host_distance(&hd, ha, hb));
				}
			}
			dist = spanned == 1 ? "one host node: 11 between guest nodes"
					    : "from the host's NUMA distances";
		} else {
			dist = "none: the host topology has no NUMA distances (guest default)";
		}
	}
	json_object_object_add(o, "qemu", q);
	json_object_object_add(o, "host", json_object_new_string(topo.source));
	json_object_object_add(o, "foreign", json_object_new_boolean(topo.foreign));
	json_object_object_add(o, "placement", json_object_new_string(pname));
	json_object_object_add(o, "sockets", json_object_new_int((int)S));
	json_object_object_add(o, "dies", json_object_new_int((int)D));
	json_object_object_add(o, "cores", json_object_new_int((int)C));
	json_object_object_add(o, "threads", json_object_new_int((int)T));
	json_object_object_add(o, "nodes", json_object_new_int((int)nodes));
	json_object_object_add(o, "host_nodes", json_object_new_int((int)spanned));
	json_object_object_add(o, "mem_mb", json_object_new_int((int)mem));
	json_object_object_add(o, "hugepages", json_object_new_boolean(huge));
	json_object_object_add(o, "distances", json_object_new_string(dist));
	if (hd.name)
		json_object_object_add(o, "distances_source", json_object_new_string(hd.name));
	print_json(o);

	if (hd.d)
		hwloc_distances_release(topo.topo, hd.d);
	free(v);
	fl_placement_free(&pl);
	fl_topo_free(&topo);
	return 0;
}
