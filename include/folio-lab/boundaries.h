/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The topology boundaries of a placement, stated once: the worker counts at
 * which the first w PUs a placement hands out fill one PU, one core's SMT
 * siblings, one NUMA node, one socket, all cores and all PUs, on a symmetric
 * machine of the given counts, each with its label. The harness sweeps them
 * (`folio-lab bench|plan --workers boundaries`, harness/topo.c) and
 * folio-lab-compare labels the measured counts with them (the series' table
 * and its scaling chart, analysis/analysis-series.c fl_boundary).
 *
 * The rule per placement (placement names as harness/topo.c makes them):
 *   compact   1 PU, 1 core (its SMT siblings), 1 NUMA node, 1 socket, then
 *             all PUs (the tree order: a core's siblings, a node, a socket)
 *   nosmt     1 core, the cores of 1 NUMA node, of 1 socket, all cores
 *   scatter   1 PU, 1 PU per socket, 1 PU per NUMA node, all cores (1 PU
 *             each, SMT machines), all PUs
 *   node:N    1 PU, 1 core (its SMT siblings), all PUs of the node
 *   others    1 PU and all the placement's PUs
 * A NUMA node that is a whole socket is named once ("1 NUMA node = 1
 * socket"). The quick form of the sweep keeps its ends: 1 and all the
 * placement's PUs.
 */
#ifndef FOLIO_LAB_BOUNDARIES_H
#define FOLIO_LAB_BOUNDARIES_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The machine: packages (sockets), NUMA nodes, cores, PUs (0: unknown). */
struct fl_bnd_counts {
	int pkgs, nodes, cores, pus;
};

/* One boundary: the worker count and what its workers fill. */
struct fl_bnd {
	int workers;
	const char *label;
};

/* The most boundaries one placement has (compact and scatter: 5). */
#define FL_BND_MAX 8

/* PUs per core when the counts say so evenly, else 1. */
static inline int fl_bnd_per_core(const struct fl_bnd_counts *c)
{
	return c->cores > 0 && c->pus >= c->cores && c->pus % c->cores == 0 ? c->pus / c->cores : 1;
}

/* Entries of a PU list "0,2,4-7" (its length); 0 when it is not one. */
static inline int fl_bnd_list_len(const char *s)
{
	int n = 0;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			return 0;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return 0;
		}
		n += (int)(b - a + 1);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return 0;
		s = end;
	}
	return n;
}

/*
 * The PUs a placement offers on a symmetric machine of these counts (the
 * harness, which has the real placement, uses its length instead); 0 when
 * the counts cannot tell.
 */
static inline int fl_bnd_placement_pus(const struct fl_bnd_counts *c, const char *placement)
{
	if (!strcmp(placement, "nosmt"))
		return c->cores;
	if (!strncmp(placement, "node:", 5))
		return c->nodes > 0 && c->pus % c->nodes == 0 ? c->pus / c->nodes : 0;
	if (!strncmp(placement, "pus:", 4))
		return fl_bnd_list_len(placement + 4);
	return c->pus;
}

static inline void fl_bnd_add(struct fl_bnd *out, int *n, int avail, int w, const char *label)
{
	if (w >= 1 && w <= avail && *n < FL_BND_MAX)
		out[(*n)++] = (struct fl_bnd){w, label};
}

/*
 * The boundaries of `placement`, which offers `avail` PUs, on a machine of
 * counts c: at most FL_BND_MAX in out, in the rule's order (ascending on a
 * symmetric machine; one count may carry several). Returns how many.
 */
static inline int fl_bnds(const struct fl_bnd_counts *c, const char *placement, int avail,
			  struct fl_bnd *out)
{
	int tpc = fl_bnd_per_core(c), pkgs = c->pkgs, nodes = c->nodes, cores = c->cores;
	int pus = c->pus, n = 0;
	bool node_is_pkg = nodes > 0 && nodes == pkgs;

	if (avail <= 0 || pus <= 0 || cores <= 0)
		return 0;
	if (!strcmp(placement, "compact")) {
		fl_bnd_add(out, &n, avail, 1, "1 PU");
		if (tpc > 1)
			fl_bnd_add(out, &n, avail, tpc, "1 core (its SMT siblings)");
		if (nodes > 1 && pus % nodes == 0)
			fl_bnd_add(out, &n, avail, pus / nodes,
				   node_is_pkg ? "1 NUMA node = 1 socket" : "1 NUMA node");
		if (pkgs > 1 && !node_is_pkg && pus % pkgs == 0)
			fl_bnd_add(out, &n, avail, pus / pkgs, "1 socket");
		fl_bnd_add(out, &n, avail, avail, tpc > 1 ? "all PUs (SMT)" : "all cores");
	} else if (!strcmp(placement, "nosmt")) {
		/* one PU of each core, in tree order */
		fl_bnd_add(out, &n, avail, 1, "1 core");
		if (nodes > 1 && cores % nodes == 0)
			fl_bnd_add(out, &n, avail, cores / nodes,
				   node_is_pkg ? "cores of 1 NUMA node = 1 socket"
					       : "cores of 1 NUMA node");
		if (pkgs > 1 && !node_is_pkg && cores % pkgs == 0)
			fl_bnd_add(out, &n, avail, cores / pkgs, "cores of 1 socket");
		fl_bnd_add(out, &n, avail, avail, "all cores");
	} else if (!strcmp(placement, "scatter")) {
		/* one PU per socket, per node, per core, then the SMT siblings */
		fl_bnd_add(out, &n, avail, 1, "1 PU");
		if (pkgs > 1)
			fl_bnd_add(out, &n, avail, pkgs,
				   node_is_pkg ? "1 PU per socket = per node" : "1 PU per socket");
		if (nodes > 1 && !node_is_pkg)
			fl_bnd_add(out, &n, avail, nodes, "1 PU per NUMA node");
		if (tpc > 1)
			fl_bnd_add(out, &n, avail, cores, "all cores, 1 PU each");
		fl_bnd_add(out, &n, avail, avail, tpc > 1 ? "all PUs (SMT)" : "all cores");
	} else if (!strncmp(placement, "node:", 5)) {
		fl_bnd_add(out, &n, avail, 1, "1 PU");
		if (tpc > 1)
			fl_bnd_add(out, &n, avail, tpc, "1 core (its SMT siblings)");
		fl_bnd_add(out, &n, avail, avail, "all PUs of the node");
	} else {
		fl_bnd_add(out, &n, avail, 1, "1 PU");
		fl_bnd_add(out, &n, avail, avail, avail == pus ? "all PUs" : "all its PUs");
	}
	return n;
}

/*
 * What `w` workers fill under the placement (avail PUs) on c: the labels of
 * its boundaries joined with "; ", "oversubscribed" past avail, "" when w is
 * no boundary. Returns buf.
 */
static inline const char *fl_bnd_label(const struct fl_bnd_counts *c, const char *placement,
				       int avail, int w, char *buf, size_t size)
{
	struct fl_bnd b[FL_BND_MAX];
	int n = fl_bnds(c, placement, avail, b);
	size_t len = 0;

	buf[0] = 0;
	if (n && w > avail) {
		snprintf(buf, size, "oversubscribed");
		return buf;
	}
	for (int i = 0; i < n; i++) {
		if (b[i].workers != w)
			continue;
		snprintf(buf + len, size - len, "%s%s", len ? "; " : "", b[i].label);
		len = strlen(buf);
	}
	return buf;
}

/*
 * The sweep: the boundaries' worker counts, ascending, once each, at most
 * max in out; quick: only the ends (1 and avail). Returns how many.
 */
static inline int fl_bnd_sweep(const struct fl_bnd_counts *c, const char *placement, int avail,
			       bool quick, int *out, int max)
{
	struct fl_bnd b[FL_BND_MAX];
	int n = fl_bnds(c, placement, avail, b), m = 0;

	for (int w = 0, next; m < max; w = next) {
		next = 0;
		for (int i = 0; i < n; i++)
			if (b[i].workers > w && (!next || b[i].workers < next) &&
			    (!quick || b[i].workers == 1 || b[i].workers == avail))
				next = b[i].workers;
		if (!next)
			break;
		out[m++] = next;
	}
	return m;
}

#endif /* FOLIO_LAB_BOUNDARIES_H */
