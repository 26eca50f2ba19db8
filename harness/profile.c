// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * --profile: a perf profile of each measurement's timed window.
 *
 * The perf tool (`perf`, or $FOLIO_LAB_PERF) records system-wide on the
 * measured PUs only (`perf record -C LIST -g`), started with its events
 * disabled (-D -1) before the start gate and switched on and off through
 * its control pipes (--control fd:CTL,ACK) at the window's edges, so warm-up,
 * setup and teardown are not sampled. Afterwards `perf script` is folded
 * here into DIR/profiles/NAME.folded (one "comm;outer;...;leaf COUNT" line
 * per distinct stack, the format flame graph tools read), counting only the
 * samples of the workers' own tasks; the record gets a "profile" object.
 * perf.data is removed once folded.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness.h"

/*
 * The refcount path: a sample counts towards refcount_share when any frame
 * of its stack is one of these (compiler suffixes such as ".isra.0" are
 * ignored), towards refcount_leaf_share when its leaf is. The get side is
 * mostly inlined: folio_try_get() and the page_ref/folio_ref helpers appear
 * only when not inlined, so the functions they are inlined into on the
 * page-cache lookup paths count too (an upper bound: those also walk the
 * xarray). The put side: the final put and the freeing it leads to.
 * Keep in step with README.md ("--profile").
 */
static const char *const refcount_syms[] = {
    /* get */
    "folio_try_get", "folio_try_get_rcu", "folio_ref_try_add_rcu", "folio_ref_add_unless",
    "page_ref_add_unless", "folio_get", "get_page", "page_ref_inc", "folio_ref_inc", "page_ref_add",
    "folio_ref_add",
    /* the lookups they are inlined into */
    "filemap_get_entry", "filemap_get_read_batch", "next_uptodate_folio", "find_get_entry",
    /* put */
    "folio_put", "__folio_put", "folio_put_refs", "put_page", "page_ref_dec_and_test",
    "folio_ref_dec_and_test", "page_ref_sub_and_test", "folio_ref_sub_and_test", "folios_put_refs",
    "release_pages", "__folio_batch_release", "free_unref_page", "free_unref_folios",
    "free_unref_page_commit", NULL};

#define TOP_N 10

static bool probed, usable;
static const char *perf_bin;
static const char *event_name = "cpu-clock";
static unsigned int seq;

static bool is_refcount_sym(const char *sym)
{
	size_t len = strcspn(sym, ".");

	for (const char *const *s = refcount_syms; *s; s++)
		if (strlen(*s) == len && strncmp(*s, sym, len) == 0)
			return true;
	return false;
}

static const char *find_perf(void)
{
	const char *env = getenv("FOLIO_LAB_PERF");
	static char buf[PATH_MAX];
	const char *path = getenv("PATH");

	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n &&
		    (size_t)snprintf(buf, sizeof(buf), "%.*s/perf", (int)n, path) < sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return buf;
		path += n + (path[n] == ':');
	}
	return NULL;
}

/* Kernel symbols resolve only when /proc/kallsyms shows real addresses. */
static bool kallsyms_visible(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	unsigned long long addr = 0;
	char line[256];
	int n = 0;

	if (!f)
		return false;
	while (n++ < 64 && fgets(line, sizeof(line), f) && !addr)
		addr = strtoull(line, NULL, 16);
	fclose(f);
	return addr != 0;
}

/*
 * Runs argv with stdin from /dev/null, stdout to out_fd (-1: /dev/null) and
 * stderr appended to DIR/profiles/perf.log; keep_a/keep_b stay open in the
 * child. Returns the pid or -1.
 */
static pid_t spawn(char *const argv[], const char *log, int out_fd, int keep_a, int keep_b)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	/* perf ends cleanly (writing its data) if the harness dies. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	int nul = open("/dev/null", O_RDWR);
	int err = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

	dup2(nul, 0);
	dup2(out_fd >= 0 ? out_fd : nul, 1);
	dup2(err >= 0 ? err : nul, 2);
	if (keep_a >= 0)
		fcntl(keep_a, F_SETFD, 0);
	if (keep_b >= 0)
		fcntl(keep_b, F_SETFD, 0);
	execv(argv[0], argv);
	_exit(127);
}

static int wait_rc(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	/* perf record ends on SIGINT by re-raising it once its data is written. */
	if (WIFSIGNALED(st))
		return WTERMSIG(st) == SIGINT || WTERMSIG(st) == SIGTERM ? 0 : 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int mkdir_profiles(const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/profiles", dir);
	if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "folio-lab: profile: cannot create %s: %s\n", buf, strerror(errno));
		return -1;
	}
	return 0;
}

bool fl_profile_probe(const char *dir, int pu)
{
	char pdir[PATH_MAX], log[PATH_MAX + 16], data[PATH_MAX + 16], cpu[16];

	if (probed)
		return usable;
	probed = true;
	perf_bin = find_perf();
	if (!perf_bin) {
		fprintf(stderr, "folio-lab: --profile: no perf tool (install linux-perf or set "
				"FOLIO_LAB_PERF); measuring without profiles\n");
		return false;
	}
	if (!kallsyms_visible()) {
		fprintf(stderr, "folio-lab: --profile: kernel symbols hidden (/proc/kallsyms shows "
				"no addresses: set /proc/sys/kernel/kptr_restrict to 0); measuring "
				"without profiles\n");
		return false;
	}
	if (mkdir_profiles(dir, pdir, sizeof(pdir)) < 0)
		return false;
	if (fl_perf_hw_available())
		event_name = "cycles";
	snprintf(log, sizeof(log), "%s/perf.log", pdir);
	snprintf(data, sizeof(data), "%s/.probe.data", pdir);
	snprintf(cpu, sizeof(cpu), "%d", pu);
	char *argv[] = {(char *)perf_bin,   "record", "-q", "-B", "-g", "-e",
			(char *)event_name, "-C",     cpu,  "-o", data, "--",
			"/bin/true",	    NULL};
	pid_t pid = spawn(argv, log, -1, -1, -1);
	int rc = pid < 0 ? -1 : wait_rc(pid);

	unlink(data);
	if (rc != 0) {
		fprintf(stderr,
			"folio-lab: --profile: `%s record -e %s -C %s` failed (status %d; see "
			"%s; perf_event_paranoid must allow system-wide sampling); measuring "
			"without profiles\n",
			perf_bin, event_name, cpu, rc, log);
		return false;
	}
	usable = true;
	return true;
}

static void pus_list(const struct fl_ctx *ctx, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < ctx->nworkers && off < len; i++) {
		bool dup = false;

		for (unsigned int j = 0; j < i; j++)
			dup |= ctx->cpus[j].pu == ctx->cpus[i].pu;
		if (!dup)
			off += (size_t)snprintf(buf + off, len - off, "%s%d", off ? "," : "",
						ctx->cpus[i].pu);
	}
}

/* Sends one control command and waits for perf's "ack". */
static int control(struct fl_profile *p, const char *cmd, int timeout_ms)
{
	char buf[64];
	size_t got = 0;
	struct pollfd pfd = {.fd = p->ack, .events = POLLIN};

	if (write(p->ctl, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		return -1;
	while (got < 4) {
		int r = poll(&pfd, 1, timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n = read(p->ack, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	buf[got] = 0;
	return strncmp(buf, "ack", 3) == 0 ? 0 : -1;
}

static void kill_perf(struct fl_profile *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGINT);
		wait_rc(p->pid);
		p->pid = -1;
	}
	if (p->ctl >= 0)
		close(p->ctl);
	if (p->ack >= 0)
		close(p->ack);
	p->ctl = p->ack = -1;
}

void fl_profile_abort(struct fl_profile *p)
{
	if (!p->on)
		return;
	kill_perf(p);
	unlink(p->data);
	p->on = false;
}

int fl_profile_start(struct fl_profile *p, const struct fl_ctx *ctx, const char *dir,
		     const char *run_id)
{
	char pdir[PATH_MAX], log[PATH_MAX + 16], ctlarg[64];
	int cp[2], ap[2];

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->ctl = p->ack = -1;
	if (!usable || mkdir_profiles(dir, pdir, sizeof(pdir)) < 0)
		return -1;
	snprintf(p->name, sizeof(p->name), "%s-%03u", run_id, ++seq);
	/* A guest's host name is "(none)": file names keep to [A-Za-z0-9._-]. */
	for (char *c = p->name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
			*c = '_';
	snprintf(p->data, sizeof(p->data), "%s/.%s.data", pdir, p->name);
	snprintf(p->folded, sizeof(p->folded), "%s/%s.folded", pdir, p->name);
	snprintf(log, sizeof(log), "%s/perf.log", pdir);
	pus_list(ctx, p->pus, sizeof(p->pus));
	if (pipe2(cp, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ap, O_CLOEXEC) < 0) {
		close(cp[0]);
		close(cp[1]);
		return -1;
	}
	snprintf(ctlarg, sizeof(ctlarg), "fd:%d,%d", cp[0], ap[1]);
	char *argv[] = {(char *)perf_bin,
			"record",
			"-q",
			"-B",
			"-g",
			"-e",
			(char *)event_name,
			"-C",
			p->pus,
			"-D",
			"-1",
			"--control",
			ctlarg,
			"-o",
			p->data,
			NULL};

	p->pid = spawn(argv, log, -1, cp[0], ap[1]);
	close(cp[0]);
	close(ap[1]);
	p->ctl = cp[1];
	p->ack = ap[0];
	p->on = true;
	/* Ready once it answers (its events are open, still disabled). */
	if (p->pid < 0 || control(p, "ping\n", 60000) < 0) {
		fprintf(stderr,
			"folio-lab: profile: perf did not start (see %s); no profile for "
			"this measurement\n",
			log);
		fl_profile_abort(p);
		return -1;
	}
	return 0;
}

int fl_profile_enable(struct fl_profile *p)
{
	if (p->on && control(p, "enable\n", 30000) < 0) {
		if (!fl_interrupted())
			fprintf(stderr, "folio-lab: profile: perf did not enable its events\n");
		fl_profile_abort(p);
		return -1;
	}
	return 0;
}

int fl_profile_disable(struct fl_profile *p)
{
	if (p->on && control(p, "disable\n", 30000) < 0) {
		if (!fl_interrupted())
			fprintf(stderr, "folio-lab: profile: perf did not disable its events\n");
		fl_profile_abort(p);
		return -1;
	}
	return 0;
}

/* ---- folding ---- */

struct fold {
	char **stacks; /* one per worker sample, "comm;outer;...;leaf" */
	size_t n, cap;
	unsigned long other, refcount, refcount_leaf;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Frames come leaf first; folded stacks go root first. */
static void add_sample(struct fold *f, const char *comm, char **frames, size_t nf)
{
	size_t len = strlen(comm) + 1;
	bool rc = false;
	char *s;

	for (size_t i = 0; i < nf; i++) {
		len += strlen(frames[i]) + 1;
		rc |= is_refcount_sym(frames[i]);
	}
	if (nf && is_refcount_sym(frames[0]))
		f->refcount_leaf++;
	f->refcount += rc;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 1024;
		char **n = realloc(f->stacks, cap * sizeof(*n));

		if (!n)
			return;
		f->stacks = n;
		f->cap = cap;
	}
	s = malloc(len);
	if (!s)
		return;
	strcpy(s, comm);
	for (size_t i = nf; i-- > 0;) {
		strcat(s, ";");
		strcat(s, frames[i]);
	}
	/* The folded format separates frames with ';' and the count with ' '. */
	for (char *c = s; *c; c++)
		if (*c == ' ')
			*c = '_';
	f->stacks[f->n++] = s;
}

static bool is_worker(long tid, const int *tids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

static void parse_script(FILE *in, struct fold *f, const int *tids, unsigned int ntids)
{
	char line[4096], comm[64] = "";
	char *frames[256];
	size_t nf = 0;
	long tid = -1;
	bool in_sample = false;

	for (;;) {
		bool eof = !fgets(line, sizeof(line), in);
		size_t l = eof ? 0 : strlen(line);

		while (l && (line[l - 1] == '\n' || line[l - 1] == ' ' || line[l - 1] == '\r'))
			line[--l] = 0;
		if (eof || l == 0) {
			if (in_sample) {
				if (is_worker(tid, tids, ntids))
					add_sample(f, comm, frames, nf);
				else
					f->other++;
			}
			for (size_t i = 0; i < nf; i++)
				free(frames[i]);
			nf = 0;
			in_sample = false;
			if (eof)
				break;
			continue;
		}
		if (line[0] == '\t' || line[0] == ' ') {
			/* "\t ffffffff8123 symbol" */
			char *p = line + strspn(line, " \t");
			char *sym = p + strcspn(p, " ");

			sym += strspn(sym, " ");
			if (in_sample && nf < sizeof(frames) / sizeof(frames[0]))
				frames[nf++] = strdup(*sym ? sym : "[unknown]");
			continue;
		}
		/* Header: "COMM TID" (COMM may hold spaces). */
		char *sp = strrchr(line, ' ');

		in_sample = true;
		tid = sp ? strtol(sp + 1, NULL, 10) : -1;
		if (sp) {
			*sp = 0;
			l = strlen(line);
			while (l && line[l - 1] == ' ')
				line[--l] = 0;
		}
		snprintf(comm, sizeof(comm), "%s", line);
	}
}

struct sym_count {
	char *sym;
	unsigned long n;
};

static int cmp_count(const void *a, const void *b)
{
	const struct sym_count *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->sym, y->sym);
}

struct json_object *fl_profile_finish(struct fl_profile *p, const int *tids, unsigned int ntids)
{
	char log[PATH_MAX + 16];
	struct fold f = {0};
	struct json_object *o = NULL;
	struct sym_count *leaves = NULL;
	size_t nleaves = 0;
	int pfd[2], rc;
	FILE *in, *out;

	if (!p->on)
		return NULL;
	p->on = false;
	kill_perf(p);
	snprintf(log, sizeof(log), "%.*s/perf.log", (int)(strrchr(p->folded, '/') - p->folded),
		 p->folded);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		goto out;
	char *argv[] = {(char *)perf_bin, "script", "--no-inline",     "-i",
			p->data,	  "-F",	    "comm,tid,ip,sym", NULL};
	pid_t pid = spawn(argv, log, pfd[1], -1, -1);

	close(pfd[1]);
	in = fdopen(pfd[0], "r");
	if (!in) {
		close(pfd[0]);
		goto out;
	}
	parse_script(in, &f, tids, ntids);
	fclose(in);
	rc = pid < 0 ? -1 : wait_rc(pid);
	if (rc != 0) {
		fprintf(stderr, "folio-lab: profile: perf script failed (status %d, see %s)\n", rc,
			log);
		goto out;
	}
	out = fopen(p->folded, "w");
	if (!out) {
		fprintf(stderr, "folio-lab: profile: cannot write %s: %s\n", p->folded,
			strerror(errno));
		goto out;
	}
	qsort(f.stacks, f.n, sizeof(*f.stacks), cmp_str);
	leaves = calloc(f.n ? f.n : 1, sizeof(*leaves));
	for (size_t i = 0; i < f.n;) {
		size_t j = i;
		char *leaf;

		while (j < f.n && strcmp(f.stacks[j], f.stacks[i]) == 0)
			j++;
		fprintf(out, "%s %zu\n", f.stacks[i], j - i);
		leaf = strrchr(f.stacks[i], ';');
		leaf = leaf ? leaf + 1 : f.stacks[i];
		size_t k = 0;

		while (leaves && k < nleaves && strcmp(leaves[k].sym, leaf) != 0)
			k++;
		if (leaves && k == nleaves)
			leaves[nleaves++].sym = leaf;
		if (leaves)
			leaves[k].n += j - i;
		i = j;
	}
	if (fclose(out) != 0)
		goto out;
	qsort(leaves, nleaves, sizeof(*leaves), cmp_count);

	struct json_object *top = json_object_new_array();
	double n = f.n ? (double)f.n : 1;

	for (size_t k = 0; k < nleaves && k < TOP_N; k++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "symbol", json_object_new_string(leaves[k].sym));
		json_object_object_add(e, "share", json_object_new_double(leaves[k].n / n));
		json_object_array_add(top, e);
	}
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string(event_name));
	json_object_object_add(o, "pus", json_object_new_string(p->pus));
	json_object_object_add(o, "samples", json_object_new_int64((int64_t)f.n));
	json_object_object_add(o, "samples_other", json_object_new_int64((int64_t)f.other));
	json_object_object_add(o, "refcount_share", json_object_new_double(f.refcount / n));
	json_object_object_add(o, "refcount_leaf_share",
			       json_object_new_double(f.refcount_leaf / n));
	json_object_object_add(o, "top", top);
	{
		char rel[sizeof(p->name) + 32];

		snprintf(rel, sizeof(rel), "profiles/%s.folded", p->name);
		json_object_object_add(o, "folded", json_object_new_string(rel));
	}
out:
	unlink(p->data);
	for (size_t i = 0; i < f.n; i++)
		free(f.stacks[i]);
	free(f.stacks);
	free(leaves);
	return o;
}
