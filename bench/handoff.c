// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * handoff: the cache-line handoff latency between two PUs, and from it the
 * machine's ceiling for one contended line (DESIGN.md section 3): no
 * atomic on a single shared word can beat about one handoff per op.
 *
 * For each ordered pair (a, b) of the placement's PUs, a thread on a and a
 * thread on b bounce one cache line: a writes an odd turn, b waits for it
 * and writes the next even one, a waits for that. One round trip is two
 * one-way handoffs. One record per pair (scope "pair", `workers` the run's
 * count), then one `ceiling` record.
 *
 * The latency is the median over batches of 64 round trips, not the mean:
 * on a VM whose vCPUs are descheduled, or under TCG, one preemption of
 * either side stalls a batch by a whole time slice and the mean measures
 * the scheduler, not the cache line. The mean is kept as handoff_ns_mean.
 */
#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

static const char *const handoff_variants[] = {"pingpong", NULL};
static const char *const handoff_counters[] = {"round_trips", "pairs", NULL};

static const struct fl_param handoff_params[] = {
    FL_U64("max_pairs", 64, 1, 1u << 20,
	   "at most this many ordered PU pairs (each runs --warmup + --duration)"),
    FL_PARAMS_END,
};

/* The bounced line and the control words live on separate cache lines. */
struct pp_shared {
	_Alignas(FL_CACHELINE) _Atomic uint64_t turn;
	_Alignas(FL_CACHELINE) _Atomic int stop;
	_Atomic int ready;
	_Atomic int failed;
};

/* Batches timed per pair; past that, later batches only count. */
#define PP_BATCH       64
#define PP_MAX_BATCHES (1u << 16)

struct pp_arg {
	struct pp_shared *sh;
	int pu;
	uint64_t warmup_ns;
	uint64_t duration_ns;
	/* initiator results */
	uint64_t round_trips;
	uint64_t elapsed_ns;
	double *batch_ns; /* PP_MAX_BATCHES entries */
	unsigned int nbatches;
};

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static void *pp_responder(void *p)
{
	struct pp_arg *a = p;
	struct pp_shared *sh = a->sh;
	uint64_t expect = 1;

	if (fl_pin_self(a->pu) != 0) {
		fprintf(stderr, "handoff: cannot pin a thread to PU %d\n", a->pu);
		atomic_store(&sh->failed, 1);
		return NULL;
	}
	atomic_fetch_add(&sh->ready, 1);
	for (;;) {
		/* Spin without pause: the wake-up latency is what we measure. */
		while (atomic_load_explicit(&sh->turn, memory_order_acquire) != expect)
			if (atomic_load_explicit(&sh->stop, memory_order_relaxed))
				return NULL;
		atomic_store_explicit(&sh->turn, expect + 1, memory_order_release);
		expect += 2;
	}
}

/* Bounce n round trips starting from turn *t; false if told to stop. */
static inline bool pp_bounce(struct pp_shared *sh, uint64_t *t, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		atomic_store_explicit(&sh->turn, *t + 1, memory_order_release);
		while (atomic_load_explicit(&sh->turn, memory_order_acquire) != *t + 2)
			if (atomic_load_explicit(&sh->failed, memory_order_relaxed))
				return false;
		*t += 2;
	}
	return true;
}

static void *pp_initiator(void *p)
{
	struct pp_arg *a = p;
	struct pp_shared *sh = a->sh;
	uint64_t t = 0, start, t0, now, rt = 0;

	if (fl_pin_self(a->pu) != 0) {
		fprintf(stderr, "handoff: cannot pin a thread to PU %d\n", a->pu);
		atomic_store(&sh->failed, 1);
		return NULL;
	}
	atomic_fetch_add(&sh->ready, 1);
	while (atomic_load(&sh->ready) < 2)
		if (atomic_load(&sh->failed))
			return NULL;
		else
			relax();

	start = fl_now_ns();
	do {
		if (!pp_bounce(sh, &t, 64))
			goto out;
	} while (fl_now_ns() - start < a->warmup_ns && !fl_interrupted());

	t0 = now = fl_now_ns();
	do {
		uint64_t prev = now;

		/* Read the clock every batch: far below its cost each time. */
		if (!pp_bounce(sh, &t, PP_BATCH))
			goto out;
		rt += PP_BATCH;
		now = fl_now_ns();
		if (a->nbatches < PP_MAX_BATCHES)
			a->batch_ns[a->nbatches++] = (double)(now - prev);
	} while (now - t0 < a->duration_ns && !fl_interrupted());
	a->round_trips = rt;
	a->elapsed_ns = now - t0;
out:
	atomic_store(&sh->stop, 1);
	return NULL;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Sorts x in place. */
static double median_of(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2.0;
}

/*
 * One pair: returns 0 and fills *rt, *ns (the window) and *handoff_ns (the
 * median batch's one-way latency), or -1 (message printed).
 */
static int pp_measure(const struct fl_ctx *ctx, int pu_a, int pu_b, uint64_t *rt, uint64_t *ns,
		      double *handoff_ns)
{
	struct pp_shared *sh;
	struct pp_arg a = {0}, b = {0};
	pthread_t ta, tb;
	int err;

	if (posix_memalign((void **)&sh, FL_CACHELINE, sizeof(*sh)) != 0) {
		fprintf(stderr, "handoff: out of memory\n");
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	a.batch_ns = malloc(PP_MAX_BATCHES * sizeof(*a.batch_ns));
	if (!a.batch_ns) {
		fprintf(stderr, "handoff: out of memory\n");
		free(sh);
		return -1;
	}
	a.sh = b.sh = sh;
	a.pu = pu_a;
	b.pu = pu_b;
	a.warmup_ns = ctx->warmup_ns;
	a.duration_ns = ctx->duration_ns;
	err = pthread_create(&tb, NULL, pp_responder, &b);
	if (err) {
		fprintf(stderr, "handoff: pthread_create: %s\n", strerror(err));
		free(sh);
		return -1;
	}
	err = pthread_create(&ta, NULL, pp_initiator, &a);
	if (err) {
		fprintf(stderr, "handoff: pthread_create: %s\n", strerror(err));
		atomic_store(&sh->stop, 1);
		pthread_join(tb, NULL);
		free(a.batch_ns);
		free(sh);
		return -1;
	}
	pthread_join(ta, NULL);
	atomic_store(&sh->stop, 1);
	pthread_join(tb, NULL);
	err = atomic_load(&sh->failed) ? -1 : 0;
	free(sh);
	if (!err && a.round_trips == 0) {
		if (!fl_interrupted())
			fprintf(stderr, "handoff: PUs %d -> %d: no round trip completed\n", pu_a,
				pu_b);
		err = -1;
	}
	if (!err) {
		*rt = a.round_trips;
		*ns = a.elapsed_ns;
		*handoff_ns = median_of(a.batch_ns, a.nbatches) / PP_BATCH / 2.0;
	}
	free(a.batch_ns);
	return err;
}

static void put_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void put_double(struct json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(v));
}

static int node_of(const struct fl_ctx *ctx, int pu)
{
	for (unsigned int i = 0; i < ctx->nworkers; i++)
		if (ctx->cpus[i].pu == pu)
			return ctx->cpus[i].node;
	return 0;
}

static int emit_pair(const struct fl_ctx *ctx, int pu_a, int pu_b, uint64_t rt, uint64_t ns,
		     double handoff_ns, double handoff_ns_mean)
{
	struct json_object *rec = fl_record_new(ctx);
	struct json_object *arr;
	double dur = (double)ns / 1e9;

	if (!rec)
		return -1;
	json_object_object_add(rec, "variant", json_object_new_string("pingpong"));
	/*
	 * `workers` stays the run's worker count: the pair is one sample of
	 * that sweep point, so a 4-worker run's pair 0->1 is not the same case
	 * as a 2-worker run's. `scope` and `pus` say that only two were measured.
	 */
	json_object_object_add(rec, "scope", json_object_new_string("pair"));
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_int(pu_a));
	json_object_array_add(arr, json_object_new_int(pu_b));
	json_object_object_add(rec, "pus", arr);
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_int(node_of(ctx, pu_a)));
	json_object_array_add(arr, json_object_new_int(node_of(ctx, pu_b)));
	json_object_object_add(rec, "nodes", arr);
	put_double(rec, "duration_s", dur);
	put_u64(rec, "ops", rt);
	put_double(rec, "ops_per_sec", (double)rt / dur);
	/* Each side wrote the line once per round trip. */
	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_int64((int64_t)rt));
	json_object_array_add(arr, json_object_new_int64((int64_t)rt));
	json_object_object_add(rec, "per_worker_ops", arr);
	arr = json_object_new_object();
	put_u64(arr, "round_trips", rt);
	put_u64(arr, "pairs", 1);
	json_object_object_add(rec, "counters", arr);
	json_object_object_add(rec, "pu_a", json_object_new_int(pu_a));
	json_object_object_add(rec, "pu_b", json_object_new_int(pu_b));
	put_double(rec, "handoff_ns", handoff_ns);
	put_double(rec, "handoff_ns_mean", handoff_ns_mean);
	return fl_record_emit(ctx, rec);
}

static void print_matrix(const int *pus, int n, const double *lat)
{
	printf("handoff: one-way cache-line handoff, ns (rows pu_a, columns pu_b)\n%6s", "");
	for (int j = 0; j < n; j++)
		printf(" %7d", pus[j]);
	printf("\n");
	for (int i = 0; i < n; i++) {
		printf("%6d", pus[i]);
		for (int j = 0; j < n; j++) {
			if (lat[i * n + j] > 0)
				printf(" %7.1f", lat[i * n + j]);
			else
				printf(" %7s", "-");
		}
		printf("\n");
	}
	fflush(stdout);
}

static int handoff_run(struct fl_ctx *ctx)
{
	uint64_t max_pairs = fl_param_u64(ctx, "max_pairs"), total_rt = 0, total_ns = 0;
	int *pus = NULL, n = 0, npairs = 0, ret = -1;
	double *lat = NULL, *sorted = NULL, median;
	uint64_t *pu_ops = NULL;
	struct json_object *rec, *arr;

	pus = calloc(ctx->nworkers ? ctx->nworkers : 1, sizeof(*pus));
	if (!pus)
		goto oom;
	/* The placement's distinct PUs, in placement order. */
	for (unsigned int i = 0; i < ctx->nworkers; i++) {
		int seen = 0;

		for (int j = 0; j < n; j++)
			seen |= pus[j] == ctx->cpus[i].pu;
		if (!seen)
			pus[n++] = ctx->cpus[i].pu;
	}
	if (n < 2) {
		fprintf(stderr,
			"handoff: needs at least 2 distinct PUs in the placement, got %d: a "
			"handoff needs two CPUs (use --workers 2 or more on a machine with 2+ "
			"PUs)\n",
			n);
		goto out;
	}
	lat = calloc((size_t)n * n, sizeof(*lat));
	sorted = calloc((size_t)n * n, sizeof(*sorted));
	pu_ops = calloc((size_t)n, sizeof(*pu_ops));
	if (!lat || !sorted || !pu_ops)
		goto oom;

	for (int i = 0; i < n && (uint64_t)npairs < max_pairs; i++) {
		for (int j = 0; j < n && (uint64_t)npairs < max_pairs; j++) {
			uint64_t rt, ns;
			double mean;

			if (i == j)
				continue;
			if (fl_interrupted() ||
			    pp_measure(ctx, pus[i], pus[j], &rt, &ns, &lat[i * n + j]) < 0)
				goto out;
			mean = (double)ns / (double)rt / 2.0;
			sorted[npairs++] = lat[i * n + j];
			total_rt += rt;
			total_ns += ns;
			pu_ops[i] += rt;
			pu_ops[j] += rt;
			if (emit_pair(ctx, pus[i], pus[j], rt, ns, lat[i * n + j], mean) < 0) {
				fprintf(stderr, "handoff: cannot write a record\n");
				goto out;
			}
		}
	}
	print_matrix(pus, n, lat);

	median = median_of(sorted, (size_t)npairs);
	printf("handoff: median one-way handoff %.1f ns over %d pairs -> single contended line "
	       "ceiling %.3g ops/s\n",
	       median, npairs, 1e9 / median);
	fflush(stdout);

	rec = fl_record_new(ctx);
	if (!rec)
		goto out;
	json_object_object_add(rec, "variant", json_object_new_string("ceiling"));
	put_double(rec, "duration_s", (double)total_ns / 1e9);
	put_u64(rec, "ops", 2 * total_rt);
	put_double(rec, "ops_per_sec", 1e9 / median);
	/* Handoffs written by each worker's PU (a PU placed twice counts once). */
	arr = json_object_new_array();
	for (unsigned int w = 0; w < ctx->nworkers; w++) {
		uint64_t v = 0;

		for (int k = 0; k < n; k++)
			if (pus[k] == ctx->cpus[w].pu) {
				bool first = true;

				for (unsigned int e = 0; e < w; e++)
					first &= ctx->cpus[e].pu != pus[k];
				v = first ? pu_ops[k] : 0;
			}
		json_object_array_add(arr, json_object_new_int64((int64_t)v));
	}
	json_object_object_add(rec, "per_worker_ops", arr);
	arr = json_object_new_object();
	put_u64(arr, "round_trips", total_rt);
	put_u64(arr, "pairs", (uint64_t)npairs);
	json_object_object_add(rec, "counters", arr);
	put_double(rec, "handoff_ns", median);
	if (fl_record_emit(ctx, rec) < 0) {
		fprintf(stderr, "handoff: cannot write a record\n");
		goto out;
	}
	ret = 0;
	goto out;
oom:
	fprintf(stderr, "handoff: out of memory\n");
out:
	free(pus);
	free(lat);
	free(sorted);
	free(pu_ops);
	return ret;
}

/* The ceiling needs two PUs; it is a property of the machine: one repetition. */
static const struct fl_suite_run handoff_suite[] = {
    {FL_IN_FULL | FL_IN_EVERYWHERE, "--reps 1"},
    {0, NULL},
};

/* Two ordered pairs and the ceiling. */
static const struct fl_smoke handoff_smoke[] = {
    {.args = "--workers 2",
     .check = "if .variant == \"pingpong\" then (.pu_a | type == \"number\") and "
	      "(.pu_b | type == \"number\") and .pu_a != .pu_b and .handoff_ns > 0 and "
	      ".workers == 2 and .scope == \"pair\" and .pus == [.pu_a, .pu_b] and "
	      "(((.duration_s * 1e9 / .ops / 2 - .handoff_ns_mean) | fabs) < "
	      "0.01 * .handoff_ns_mean) "
	      "elif .variant == \"ceiling\" then .handoff_ns > 0 and "
	      "(((.ops_per_sec * .handoff_ns - 1e9) | fabs) < 1e3) else false end",
     .what = "pair and ceiling records",
     .records = 3,
     .prints = "rows pu_a, columns pu_b"},
    {NULL},
};

const struct fl_workload fl_workload_handoff = {
    .name = "handoff",
    .summary = "cache-line ping-pong between each ordered pair of PUs: one-way handoff "
	       "latency (median batch) and the single contended line ceiling (1e9 / median ns)",
    .variants = handoff_variants,
    .params = handoff_params,
    .counters = handoff_counters,
    .flags = FL_WL_THREADS_ONLY,
    .min_workers = 2,
    .suite = handoff_suite,
    .smoke = handoff_smoke,
    .run = handoff_run,
};
