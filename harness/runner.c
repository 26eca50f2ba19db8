// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * One measurement: pinned workers (threads or forked processes), a start
 * gate, warm-up, a timed window between two snapshots of the per-worker
 * slots, stop, join. Also the helpers bench/workload.h promises.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void fl_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a sleeping harness wakes up at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool fl_interrupted(void)
{
	return interrupted != 0;
}

uint64_t fl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool fl_sleep_until(uint64_t deadline_ns)
{
	while (!interrupted) {
		uint64_t now = fl_now_ns();
		struct timespec ts;

		if (now >= deadline_ns)
			return true;
		ts.tv_sec = (time_t)(deadline_ns / 1000000000ull);
		ts.tv_nsec = (long)(deadline_ns % 1000000000ull);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return false;
}

int fl_pin_self(int pu)
{
	cpu_set_t set;

	if (pu < 0 || pu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(pu, &set);
	/* pid 0 = the calling thread, not the whole process. */
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return 0;
}

void *fl_shared_alloc(size_t size)
{
	void *p =
	    mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void fl_shared_free(void *p, size_t size)
{
	if (p)
		munmap(p, size ? size : 1);
}

/* Shared between the harness and every worker (MAP_SHARED: survives fork). */
struct gate {
	_Atomic int arrived;
	_Atomic int go; /* futex word */
	_Atomic int stop;
	_Atomic int tids[]; /* for perf counters on each worker */
};

struct worker_arg {
	struct fl_ctx *ctx;
	struct fl_worker w;
	struct gate *gate;
	pthread_t thread;
	pid_t pid;
};

static void futex_wait(_Atomic int *addr, int val)
{
	syscall(SYS_futex, (int *)addr, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic int *addr)
{
	syscall(SYS_futex, (int *)addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void worker_body(struct worker_arg *a)
{
	const struct fl_workload *wl = a->ctx->wl;
	struct fl_worker *w = &a->w;
	sigset_t set;
	int err;

	/* Signals are the harness's business; workers stop through the stop flag. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	a->gate->tids[w->id] = (int)syscall(SYS_gettid);

	err = fl_pin_self(w->cpu.pu);
	if (err) {
		fprintf(stderr, "folio-lab: worker %u: cannot pin to PU %d: %s\n", w->id, w->cpu.pu,
			strerror(-err));
		w->slot->error = 1;
	} else if (wl->worker_init && wl->worker_init(a->ctx, w) != 0) {
		fprintf(stderr, "folio-lab: %s: worker %u (PU %d): worker_init failed\n", wl->name,
			w->id, w->cpu.pu);
		w->slot->error = 1;
	}
	atomic_fetch_add(&a->gate->arrived, 1);
	if (w->slot->error)
		return;
	while (!atomic_load(&a->gate->go))
		futex_wait(&a->gate->go, 0);
	if (!atomic_load(&a->gate->stop))
		wl->testcase(a->ctx, w, &a->gate->stop);
	if (wl->worker_fini)
		wl->worker_fini(a->ctx, w);
}

static void *worker_thread(void *p)
{
	worker_body(p);
	return NULL;
}

struct snap {
	uint64_t ops, counters[FL_MAX_COUNTERS];
};

/*
 * Reads each slot so that ops and counters agree: re-read while ops moved
 * under us (a preempted harness would otherwise pair counters with ops from
 * much later). A worker faster than the read gets a few tries, then the
 * last reading: then they disagree by a few operations at most.
 */
static void snapshot(struct fl_slot *slots, unsigned int n, struct snap *s)
{
	for (unsigned int i = 0; i < n; i++) {
		for (int tries = 0; tries < 16; tries++) {
			s[i].ops = atomic_load_explicit(&slots[i].ops, memory_order_acquire);
			for (unsigned int c = 0; c < FL_MAX_COUNTERS; c++)
				s[i].counters[c] = atomic_load_explicit(&slots[i].counters[c],
									memory_order_relaxed);
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&slots[i].ops, memory_order_relaxed) == s[i].ops)
				break;
		}
	}
}

static unsigned int nr_counters(const struct fl_workload *wl)
{
	unsigned int n = 0;

	while (wl->counters && wl->counters[n] && n < FL_MAX_COUNTERS)
		n++;
	return n;
}

/* Harness side: reap every worker; returns how many failed. */
static unsigned int join_all(struct worker_arg *args, unsigned int n, unsigned int started,
			     enum fl_mode mode)
{
	unsigned int failed = 0;

	for (unsigned int i = 0; i < started; i++) {
		if (mode == FL_MODE_THREADS) {
			pthread_join(args[i].thread, NULL);
		} else if (args[i].pid > 0) {
			int st;

			while (waitpid(args[i].pid, &st, 0) < 0 && errno == EINTR)
				;
			if (WIFSIGNALED(st)) {
				fprintf(stderr,
					"folio-lab: worker %u (pid %d) killed by signal %d\n", i,
					(int)args[i].pid, WTERMSIG(st));
				args[i].w.slot->error = 1;
			} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
				args[i].w.slot->error = 1;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++)
		if (i >= started || args[i].w.slot->error)
			failed++;
	return failed;
}

/* Process mode: a child that died before the gate would leave us waiting. */
static bool child_died(struct worker_arg *args, unsigned int started)
{
	for (unsigned int i = 0; i < started; i++) {
		int st;
		pid_t r = waitpid(args[i].pid, &st, WNOHANG);

		if (r == args[i].pid) {
			fprintf(stderr, "folio-lab: worker %u (pid %d) died before the start\n", i,
				(int)r);
			args[i].pid = -1;
			args[i].w.slot->error = 1;
			return true;
		}
	}
	return false;
}

static void perf_open_all(struct fl_perf *perf, struct gate *g, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fl_perf_open(&perf[i], atomic_load(&g->tids[i]));
}

static void perf_total(struct fl_perf *perf, unsigned int n, uint64_t tot[FL_PERF_EVENTS])
{
	memset(tot, 0, FL_PERF_EVENTS * sizeof(*tot));
	for (unsigned int i = 0; i < n; i++) {
		uint64_t v[FL_PERF_EVENTS];

		fl_perf_snapshot(&perf[i], v);
		for (int e = 0; e < FL_PERF_EVENTS; e++)
			tot[e] += v[e];
	}
}

static struct json_object *perf_json(struct fl_perf *perf, const uint64_t a[FL_PERF_EVENTS],
				     const uint64_t b[FL_PERF_EVENTS], bool whole_run)
{
	struct json_object *o = json_object_new_object();
	/* Events 3 and 4 are the hardware ones (cycles, instructions). */
	bool hw = perf[0].fds[3] >= 0;

	for (int e = 0; e < FL_PERF_EVENTS; e++) {
		if (perf[0].fds[e] < 0)
			continue;
		json_object_object_add(o, fl_perf_names[e],
				       json_object_new_int64((int64_t)(b[e] - a[e])));
	}
	json_object_object_add(o, "hw", json_object_new_boolean(hw));
	json_object_object_add(o, "window",
			       json_object_new_string(whole_run ? "testcase" : "measured"));
	return o;
}

static int run_hook(struct fl_ctx *ctx, double *mops)
{
	const struct fl_workload *wl = ctx->wl;
	int rc;

	*mops = NAN;
	if (wl->setup && wl->setup(ctx) != 0) {
		fprintf(stderr, "folio-lab: %s: setup failed\n", wl->name);
		return FL_EXIT_FAIL;
	}
	rc = wl->run(ctx);
	if (wl->teardown)
		wl->teardown(ctx);
	if (interrupted)
		return FL_EXIT_INTR;
	if (rc != 0) {
		fprintf(stderr, "folio-lab: %s %s: the measurement failed\n", wl->name,
			ctx->variant);
		return FL_EXIT_FAIL;
	}
	return 0;
}

int fl_measure(struct fl_ctx *ctx, const struct fl_opts *o, double *mops)
{
	const struct fl_workload *wl = ctx->wl;
	const unsigned int n = ctx->nworkers, nc = nr_counters(wl);
	const bool self_timed = wl->flags & FL_WL_SELF_TIMED;
	size_t gate_sz = (sizeof(struct gate) + n * sizeof(_Atomic int) + FL_CACHELINE - 1) /
			 FL_CACHELINE * FL_CACHELINE;
	size_t shm_sz = gate_sz + n * sizeof(struct fl_slot);
	struct worker_arg *args = NULL;
	struct snap *s0 = NULL, *s1 = NULL;
	struct fl_perf *perf = NULL;
	struct fl_profile prof = {.on = false};
	uint64_t p0[FL_PERF_EVENTS], p1[FL_PERF_EVENTS];
	unsigned int started = 0, failed;
	uint64_t t_go, t0 = 0, t1 = 0;
	struct fl_slot *slots;
	struct gate *gate;
	char *shm;
	int rc = FL_EXIT_FAIL;

	if (wl->run)
		return run_hook(ctx, mops);

	*mops = NAN;
	shm = fl_shared_alloc(shm_sz);
	args = calloc(n, sizeof(*args));
	s0 = calloc(n, sizeof(*s0));
	s1 = calloc(n, sizeof(*s1));
	perf = o->perf ? calloc(n, sizeof(*perf)) : NULL;
	if (!shm || !args || !s0 || !s1 || (o->perf && !perf)) {
		fprintf(stderr, "folio-lab: out of memory for %u workers\n", n);
		goto out_free;
	}
	gate = (struct gate *)shm;
	slots = (struct fl_slot *)(shm + gate_sz);

	if (wl->setup && wl->setup(ctx) != 0) {
		fprintf(stderr, "folio-lab: %s: setup failed\n", wl->name);
		goto out_free;
	}

	fflush(NULL); /* forked children must not repeat buffered output */
	for (unsigned int i = 0; i < n; i++) {
		struct worker_arg *a = &args[i];

		a->ctx = ctx;
		a->gate = gate;
		a->w.id = i;
		a->w.cpu = ctx->cpus[i];
		a->w.slot = &slots[i];
		if (ctx->mode == FL_MODE_THREADS) {
			int err = pthread_create(&a->thread, NULL, worker_thread, a);

			if (err) {
				fprintf(stderr, "folio-lab: cannot start worker thread %u: %s\n", i,
					strerror(err));
				break;
			}
		} else {
			a->pid = fork();
			if (a->pid < 0) {
				fprintf(stderr, "folio-lab: cannot fork worker %u: %s\n", i,
					strerror(errno));
				break;
			}
			if (a->pid == 0) {
				/* Never outlive a killed harness. */
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				worker_body(a);
				_exit(a->w.slot->error ? 1 : 0);
			}
		}
		started++;
	}

	/* The gate: nobody starts until every worker is pinned and initialised. */
	while (atomic_load(&gate->arrived) < (int)started) {
		if (interrupted)
			break;
		if (ctx->mode == FL_MODE_PROCESSES && child_died(args, started))
			break;
		usleep(200);
	}
	bool ok = started == n && !interrupted && atomic_load(&gate->arrived) == (int)n;

	for (unsigned int i = 0; ok && i < n; i++)
		if (slots[i].error)
			ok = false;
	if (!ok) {
		atomic_store(&gate->stop, 1);
		atomic_store(&gate->go, 1);
		futex_wake_all(&gate->go);
		join_all(args, n, started, ctx->mode);
		rc = interrupted ? FL_EXIT_INTR : FL_EXIT_FAIL;
		if (rc == FL_EXIT_FAIL)
			fprintf(stderr, "folio-lab: %s %s workers=%u: a worker failed to start\n",
				wl->name, ctx->variant, n);
		goto out_teardown;
	}
	if (perf) {
		perf_open_all(perf, gate, n);
		perf_total(perf, n, p0);
	}
	/* perf waits with its events off; self-timed windows start at the gate. */
	if (o->profile && fl_profile_start(&prof, ctx, ctx->sink->dir, ctx->sink->run_id) == 0 &&
	    self_timed)
		fl_profile_enable(&prof);

	t_go = fl_now_ns();
	atomic_store(&gate->go, 1);
	futex_wake_all(&gate->go);
	if (self_timed) {
		/* The workload times itself; stop is only a hint once its window is over. */
		fl_sleep_until(t_go + ctx->warmup_ns + ctx->duration_ns);
	} else if (fl_sleep_until(t_go + ctx->warmup_ns)) {
		/*
		 * Each snapshot is timed at the midpoint of reading the slots, so a
		 * harness preempted while reading skews the window less.
		 */
		fl_profile_enable(&prof);
		t0 = fl_now_ns();
		snapshot(slots, n, s0);
		t0 = (t0 + fl_now_ns()) / 2;
		if (perf)
			perf_total(perf, n, p0);
		fl_sleep_until(t0 + ctx->duration_ns);
		t1 = fl_now_ns();
		snapshot(slots, n, s1);
		t1 = (t1 + fl_now_ns()) / 2;
		if (perf)
			perf_total(perf, n, p1);
		fl_profile_disable(&prof);
	}
	atomic_store(&gate->stop, 1);
	failed = join_all(args, n, started, ctx->mode);
	if (self_timed)
		fl_profile_disable(&prof);
	if (interrupted) {
		rc = FL_EXIT_INTR;
		goto out_teardown;
	}
	if (failed) {
		for (unsigned int i = 0; i < n; i++)
			if (slots[i].error)
				fprintf(stderr, "folio-lab: %s %s: worker %u (PU %d) failed\n",
					wl->name, ctx->variant, i, ctx->cpus[i].pu);
		goto out_teardown;
	}
	if (self_timed) {
		snapshot(slots, n, s1);
		if (perf)
			perf_total(perf, n, p1);
	}

	/* The record. */
	struct json_object *rec = fl_record_new(ctx);
	struct json_object *pw = json_object_new_array();
	struct json_object *cnt = json_object_new_object();
	uint64_t ops = 0, totc[FL_MAX_COUNTERS] = {0};
	double rate = 0, dur = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t d = s1[i].ops - s0[i].ops;

		ops += d;
		json_object_array_add(pw, json_object_new_int64((int64_t)d));
		for (unsigned int c = 0; c < nc; c++)
			totc[c] += s1[i].counters[c] - s0[i].counters[c];
		if (self_timed) {
			double e = (double)slots[i].elapsed_ns / 1e9;

			dur += e / n;
			rate += e > 0 ? (double)d / e : 0;
		}
	}
	if (!self_timed) {
		dur = (double)(t1 - t0) / 1e9;
		rate = dur > 0 ? (double)ops / dur : 0;
	}
	for (unsigned int c = 0; c < nc; c++)
		json_object_object_add(cnt, wl->counters[c],
				       json_object_new_int64((int64_t)totc[c]));
	json_object_object_add(rec, "duration_s", json_object_new_double(dur));
	json_object_object_add(rec, "ops", json_object_new_int64((int64_t)ops));
	json_object_object_add(rec, "ops_per_sec", json_object_new_double(rate));
	json_object_object_add(rec, "per_worker_ops", pw);
	json_object_object_add(rec, "counters", cnt);
	if (perf)
		json_object_object_add(rec, "perf", perf_json(perf, p0, p1, self_timed));
	if (prof.on) {
		int *tids = calloc(n, sizeof(*tids));
		struct json_object *po = NULL;

		for (unsigned int i = 0; tids && i < n; i++)
			tids[i] = atomic_load(&gate->tids[i]);
		if (tids)
			po = fl_profile_finish(&prof, tids, n);
		free(tids);
		if (po)
			json_object_object_add(rec, "profile", po);
	}
	if (fl_record_emit(ctx, rec) == 0) {
		*mops = rate / 1e6;
		rc = 0;
	}

out_teardown:
	fl_profile_abort(&prof);
	if (wl->teardown)
		wl->teardown(ctx);
out_free:
	for (unsigned int i = 0; perf && i < n; i++)
		fl_perf_close(&perf[i]);
	free(perf);
	free(s0);
	free(s1);
	free(args);
	fl_shared_free(shm, shm_sz);
	return rc;
}
