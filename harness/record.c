// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Records (DIR/samples.jsonl), provenance (DIR/meta.json) and `merge`.
 * The format is docs/internals.md's; every line goes out in one write() on
 * an O_APPEND descriptor so an interrupted run leaves only whole lines.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "folio-lab/uapi.h"
#include "harness.h"

#ifndef FOLIO_LAB_VERSION
#define FOLIO_LAB_VERSION "unknown"
#endif

static void iso_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%03dZ", base, (int)(ts.tv_nsec / 1000000));
}

static const char *release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u) < 0)
		return "unknown";
	return u.release;
}

/* Runs argv, returns its first line of stdout (trimmed) or NULL. */
static char *run_capture(char *const argv[])
{
	int pfd[2];
	char buf[256];
	ssize_t n, got = 0;
	pid_t pid;
	int st;

	if (pipe(pfd) < 0)
		return NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(pfd[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(pfd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[got] = 0;
	buf[strcspn(buf, "\n")] = 0;
	/* systemd-detect-virt exits 1 with "none": the output still counts. */
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127 || !buf[0])
		return NULL;
	return strdup(buf);
}

const char *fl_lab_version(void)
{
	static char *v;

#ifdef FOLIO_LAB_SOURCE_DIR
	if (!v) {
		char *argv[] = {"git",	   "-C", FOLIO_LAB_SOURCE_DIR, "describe", "--always",
				"--dirty", NULL};
		struct stat st;

		if (stat(FOLIO_LAB_SOURCE_DIR "/.git", &st) == 0)
			v = run_capture(argv);
	}
#endif
	return v ? v : FOLIO_LAB_VERSION;
}

const char *fl_kernel_scheme(void)
{
	struct folio_lab_info info;
	int fd = open(FOLIO_LAB_DEVICE, O_RDONLY | O_CLOEXEC);
	const char *s = "unknown";

	if (fd < 0)
		return s;
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, FOLIO_LAB_IOC_INFO, &info) == 0 &&
	    info.abi_version == FOLIO_LAB_ABI_VERSION &&
	    info.kernel_scheme < FOLIO_LAB_NR_SCHEMES) {
		static const char *const names[FOLIO_LAB_NR_SCHEMES] = FOLIO_LAB_SCHEME_NAMES;

		s = names[info.kernel_scheme];
	}
	close(fd);
	return s;
}

static int mkdir_p(const char *dir)
{
	char *p = strdup(dir);

	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0777) < 0 && errno != EEXIST)
			goto fail;
		*s = '/';
	}
	if (mkdir(p, 0777) < 0 && errno != EEXIST)
		goto fail;
	free(p);
	return 0;
fail:
	fprintf(stderr, "folio-lab: cannot create %s: %s\n", p, strerror(errno));
	free(p);
	return -1;
}

static char *path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);

	if (p)
		snprintf(p, len, "%s/%s", dir, name);
	return p;
}

int fl_sink_open(struct fl_sink *s, const char *dir, const struct fl_opts *o)
{
	char host[64] = "host", ts[32];
	time_t now = time(NULL);
	struct tm tm;
	char *path;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (mkdir_p(dir) < 0)
		return -1;
	path = path_join(dir, "samples.jsonl");
	if (!path)
		return -1;
	s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (s->fd < 0) {
		fprintf(stderr, "folio-lab: cannot open %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	gethostname(host, sizeof(host) - 1);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(s->run_id, sizeof(s->run_id), "%s-%s-%d", ts, host, (int)getpid());
	s->dir = strdup(dir);
	s->opts = o;
	s->placement = o->placement;
	s->kernel_release = release();
	s->kernel_scheme = fl_kernel_scheme();
	return 0;
}

void fl_sink_close(struct fl_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->dir);
	s->fd = -1;
	s->dir = NULL;
}

struct json_object *fl_record_new(const struct fl_ctx *ctx)
{
	const struct fl_sink *s = ctx->sink;
	const struct fl_opts *o = s->opts;
	struct json_object *r = json_object_new_object();
	struct json_object *pus = json_object_new_array();
	struct json_object *nodes = json_object_new_array();
	struct json_object *params = json_object_new_object();
	char ts[40];

	iso_time(ts, sizeof(ts));
	for (unsigned int i = 0; i < ctx->nworkers; i++) {
		json_object_array_add(pus, json_object_new_int(ctx->cpus[i].pu));
		json_object_array_add(nodes, json_object_new_int(ctx->cpus[i].node));
	}
	for (unsigned int i = 0; i < ctx->nparams; i++)
		json_object_object_add(params, ctx->params[i].key,
				       json_object_new_string(ctx->params[i].value));
	json_object_object_add(r, "schema", json_object_new_int(1));
	json_object_object_add(r, "run_id", json_object_new_string(s->run_id));
	json_object_object_add(r, "timestamp", json_object_new_string(ts));
	json_object_object_add(r, "workload", json_object_new_string(ctx->wl->name));
	json_object_object_add(r, "variant", json_object_new_string(ctx->variant));
	json_object_object_add(r, "kernel", json_object_new_string(ctx->kernel_label));
	json_object_object_add(r, "kernel_release", json_object_new_string(s->kernel_release));
	json_object_object_add(r, "kernel_scheme", json_object_new_string(s->kernel_scheme));
	json_object_object_add(r, "where", json_object_new_string(o->where));
	json_object_object_add(r, "accel", json_object_new_string(o->accel));
	json_object_object_add(
	    r, "mode",
	    json_object_new_string(ctx->mode == FL_MODE_THREADS ? "threads" : "processes"));
	json_object_object_add(r, "placement", json_object_new_string(s->placement));
	json_object_object_add(r, "workers", json_object_new_int((int)ctx->nworkers));
	json_object_object_add(r, "pus", pus);
	json_object_object_add(r, "nodes", nodes);
	json_object_object_add(r, "rep", json_object_new_int((int)ctx->rep));
	json_object_object_add(r, "warmup_s", json_object_new_double((double)ctx->warmup_ns / 1e9));
	json_object_object_add(r, "params", params);
	return r;
}

int fl_record_emit(const struct fl_ctx *ctx, struct json_object *rec)
{
	struct fl_sink *s = ctx->sink;
	const char *js = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(js);
	char *line = malloc(len + 2);
	ssize_t n;
	int rc = 0;

	if (!line) {
		json_object_put(rec);
		return -1;
	}
	memcpy(line, js, len);
	line[len++] = '\n';
	/* One write() on O_APPEND: a record is on disk whole or not at all. */
	n = write(s->fd, line, len);
	if (n != (ssize_t)len) {
		fprintf(stderr, "folio-lab: writing %s/samples.jsonl: %s\n", s->dir,
			n < 0 ? strerror(errno) : "short write");
		rc = -1;
	} else {
		s->records++;
	}
	free(line);
	json_object_put(rec);
	return rc;
}

static char *read_line_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[4096];

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

static struct json_object *str_or_null(char *s)
{
	struct json_object *o = s ? json_object_new_string(s) : NULL;

	free(s);
	return o;
}

static char *cpu_model(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];
	char *res = NULL;

	if (!f)
		return NULL;
	while (!res && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c) {
			c++;
			c += strspn(c, " \t");
			c[strcspn(c, "\n")] = 0;
			res = strdup(c);
		}
	}
	fclose(f);
	return res;
}

static bool cpuid_hypervisor(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096];
	bool hv = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) == 0) {
			hv = strstr(line, " hypervisor") != NULL;
			break;
		}
	}
	fclose(f);
	return hv;
}

/* The hypervisor's name, "hypervisor" when only the cpuid bit says so, or NULL. */
static char *detect_vm(void)
{
	char *argv[] = {"systemd-detect-virt", "--vm", NULL};
	char *s = read_line_file("/sys/hypervisor/type");

	if (s && *s)
		return s;
	free(s);
	s = run_capture(argv);
	if (s && strcmp(s, "none") != 0)
		return s;
	if (s && !cpuid_hypervisor())
		return s; /* "none", and the CPU agrees */
	free(s);
	return cpuid_hypervisor() ? strdup("hypervisor") : NULL;
}

/* "always [madvise] never" -> "madvise" */
static char *thp_mode(void)
{
	char *s = read_line_file("/sys/kernel/mm/transparent_hugepage/enabled");
	char *a, *b;

	if (!s)
		return NULL;
	a = strchr(s, '[');
	b = a ? strchr(a, ']') : NULL;
	if (a && b) {
		*b = 0;
		memmove(s, a + 1, strlen(a + 1) + 1);
	}
	return s;
}

static struct json_object *meta_entry(const struct fl_opts *o, const struct fl_topo *t)
{
	struct json_object *e = json_object_new_object();
	char summary[160], ts[40];
	char *vm = detect_vm();

	fl_topo_summary(t, summary, sizeof(summary));
	iso_time(ts, sizeof(ts));
	json_object_object_add(e, "lab_version", json_object_new_string(fl_lab_version()));
	json_object_object_add(e, "command", json_object_new_string(o->command));
	json_object_object_add(e, "kernel_release", json_object_new_string(release()));
	json_object_object_add(e, "kernel_cmdline", str_or_null(read_line_file("/proc/cmdline")));
	json_object_object_add(e, "kernel_scheme", json_object_new_string(fl_kernel_scheme()));
	json_object_object_add(e, "cpu_model", str_or_null(cpu_model()));
	json_object_object_add(e, "nr_pus", json_object_new_int((int)t->npus));
	json_object_object_add(e, "topology", json_object_new_string(summary));
	json_object_object_add(e, "numa_nodes", json_object_new_int((int)t->nnodes));
	json_object_object_add(
	    e, "governor",
	    str_or_null(read_line_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")));
	json_object_object_add(e, "smt",
			       str_or_null(read_line_file("/sys/devices/system/cpu/smt/control")));
	json_object_object_add(e, "thp", str_or_null(thp_mode()));
	json_object_object_add(e, "vm",
			       vm ? json_object_new_string(vm) : json_object_new_boolean(false));
	free(vm);
	json_object_object_add(e, "where", json_object_new_string(o->where));
	json_object_object_add(e, "accel", json_object_new_string(o->accel));
	json_object_object_add(e, "perf_hw", json_object_new_boolean(fl_perf_hw_available()));
	json_object_object_add(e, "created", json_object_new_string(ts));
	return e;
}

/* Serialises meta.json updates of concurrent harnesses writing into one directory. */
static int meta_lock(const char *dir)
{
	char *p = path_join(dir, ".meta.lock");
	int fd = p ? open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666) : -1;

	free(p);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	return fd;
}

/* Existing DIR/meta.json, or a fresh skeleton; NULL if it exists and is not ours. */
static struct json_object *meta_load(const char *path)
{
	struct json_object *m, *k;

	if (access(path, F_OK) != 0) {
		m = json_object_new_object();
		json_object_object_add(m, "schema", json_object_new_int(1));
		json_object_object_add(m, "kernels", json_object_new_object());
		return m;
	}
	m = json_object_from_file(path);
	if (!m || !json_object_is_type(m, json_type_object) ||
	    !json_object_object_get_ex(m, "kernels", &k) ||
	    !json_object_is_type(k, json_type_object)) {
		fprintf(stderr, "folio-lab: %s is not a folio-lab meta.json; not touching it\n",
			path);
		json_object_put(m);
		return NULL;
	}
	return m;
}

static int meta_store(const char *path, struct json_object *m)
{
	size_t len = strlen(path) + 32;
	char *tmp = malloc(len);
	int rc = 0;

	if (!tmp)
		return -1;
	snprintf(tmp, len, "%s.tmp.%d", path, (int)getpid());
	if (json_object_to_file_ext(tmp, m,
				    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					JSON_C_TO_STRING_NOSLASHESCAPE) < 0 ||
	    rename(tmp, path) < 0) {
		fprintf(stderr, "folio-lab: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	return rc;
}

static bool json_array_has_string(struct json_object *a, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *v = json_object_get_string(json_object_array_get_idx(a, i));

		if (v && strcmp(v, s) == 0)
			return true;
	}
	return false;
}

int fl_meta_write(const char *dir, const struct fl_opts *o, const struct fl_topo *t)
{
	char *path = path_join(dir, "meta.json");
	struct json_object *m, *k;
	int lock, rc = -1;

	if (!path)
		return -1;
	lock = meta_lock(dir);
	m = meta_load(path);
	if (m) {
		struct json_object *old = NULL, *cmds = NULL, *e = meta_entry(o, t);

		json_object_object_get_ex(m, "kernels", &k);
		json_object_object_get_ex(k, o->kernel_label, &old);
		/* Keep every command that wrote into this label, for "reproduce". */
		if (old && json_object_object_get_ex(old, "commands", &cmds) &&
		    json_object_is_type(cmds, json_type_array))
			json_object_get(cmds);
		else
			cmds = json_object_new_array();
		if (!json_array_has_string(cmds, o->command))
			json_object_array_add(cmds, json_object_new_string(o->command));
		json_object_object_add(e, "commands", cmds);
		/* Keep what others added to the label (the kernel tree's git provenance). */
		if (old && json_object_is_type(old, json_type_object)) {
			json_object_object_foreach(old, key, val)
			{
				if (!json_object_object_get_ex(e, key, NULL))
					json_object_object_add(e, key, json_object_get(val));
			}
		}
		json_object_object_add(k, o->kernel_label, e);
		rc = meta_store(path, m);
		json_object_put(m);
	}
	if (lock >= 0)
		close(lock);
	free(path);
	return rc;
}

/* Reads a whole file; NULL with errno set. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Every line a JSON object, the last one terminated; else the bad line's number. */
static long check_lines(const char *buf, size_t len, const char **why)
{
	long line = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l;
		struct json_tokener *tok;
		struct json_object *o;

		line++;
		if (!nl) {
			*why = "unterminated (partial) line";
			return line;
		}
		l = (size_t)(nl - (buf + pos));
		tok = json_tokener_new();
		o = json_tokener_parse_ex(tok, buf + pos, (int)l);
		if (!o || json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != l ||
		    !json_object_is_type(o, json_type_object)) {
			*why = !o ? "not valid JSON" : "not a single JSON object";
			json_object_put(o);
			json_tokener_free(tok);
			return line;
		}
		json_object_put(o);
		json_tokener_free(tok);
		pos += l + 1;
	}
	return 0;
}

/* --profile's folded stacks: SRC/profiles/ *.folded into DST/profiles/. */
static int copy_profiles(const char *src, const char *dst)
{
	char *sdir = path_join(src, "profiles"), *ddir = path_join(dst, "profiles");
	DIR *d = opendir(sdir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		goto out;
	if (mkdir(ddir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "folio-lab: merge: cannot create %s: %s\n", ddir, strerror(errno));
		rc = -1;
		goto out;
	}
	while (rc == 0 && (e = readdir(d))) {
		size_t l = strlen(e->d_name), len;
		char *from, *to, *buf;
		FILE *f;

		if (l < 8 || e->d_name[0] == '.' || strcmp(e->d_name + l - 7, ".folded") != 0)
			continue;
		from = path_join(sdir, e->d_name);
		to = path_join(ddir, e->d_name);
		buf = slurp(from, &len);
		f = buf ? fopen(to, "w") : NULL;
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
			fprintf(stderr, "folio-lab: merge: cannot copy %s to %s: %s\n", from, to,
				strerror(errno));
			rc = -1;
		}
		free(buf);
		free(from);
		free(to);
	}
	closedir(d);
out:
	free(sdir);
	free(ddir);
	return rc;
}

int fl_merge(const char *src, const char *dst)
{
	char *ssamples = path_join(src, "samples.jsonl");
	char *smeta = path_join(src, "meta.json");
	char *dsamples = path_join(dst, "samples.jsonl");
	char *dmeta = path_join(dst, "meta.json");
	bool have_samples = access(ssamples, F_OK) == 0, have_meta = access(smeta, F_OK) == 0;
	char *buf = NULL;
	size_t len = 0;
	int rc = FL_EXIT_FAIL, fd = -1, lock = -1;
	struct json_object *sm = NULL, *dm = NULL;

	if (!have_samples && !have_meta) {
		fprintf(stderr, "folio-lab: merge: %s has neither samples.jsonl nor meta.json\n",
			src);
		goto out;
	}
	if (have_samples) {
		const char *why = NULL;
		long bad;

		buf = slurp(ssamples, &len);
		if (!buf) {
			fprintf(stderr, "folio-lab: merge: cannot read %s: %s\n", ssamples,
				strerror(errno));
			goto out;
		}
		bad = check_lines(buf, len, &why);
		if (bad) {
			fprintf(stderr, "folio-lab: merge: %s:%ld: %s; nothing merged\n", ssamples,
				bad, why);
			goto out;
		}
	}
	if (have_meta) {
		struct json_object *k;

		sm = json_object_from_file(smeta);
		if (!sm || !json_object_object_get_ex(sm, "kernels", &k) ||
		    !json_object_is_type(k, json_type_object)) {
			fprintf(stderr,
				"folio-lab: merge: %s is not a folio-lab meta.json; "
				"nothing merged\n",
				smeta);
			goto out;
		}
	}
	if (mkdir_p(dst) < 0)
		goto out;
	lock = meta_lock(dst);
	if (have_meta) {
		dm = meta_load(dmeta);
		if (!dm)
			goto out;
	}
	if (len) {
		size_t off = 0;

		fd = open(dsamples, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (fd < 0) {
			fprintf(stderr, "folio-lab: merge: cannot open %s: %s\n", dsamples,
				strerror(errno));
			goto out;
		}
		while (off < len) {
			ssize_t n = write(fd, buf + off, len - off);

			if (n <= 0) {
				fprintf(stderr, "folio-lab: merge: writing %s: %s\n", dsamples,
					n < 0 ? strerror(errno) : "short write");
				goto out;
			}
			off += (size_t)n;
		}
	}
	if (have_meta) {
		struct json_object *sk, *dk;

		json_object_object_get_ex(sm, "kernels", &sk);
		json_object_object_get_ex(dm, "kernels", &dk);
		json_object_object_foreach(sk, label, entry)
		{
			/* A label measured again replaces its older provenance. */
			json_object_object_add(dk, label, json_object_get(entry));
		}
		if (meta_store(dmeta, dm) < 0)
			goto out;
	}
	if (copy_profiles(src, dst) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (lock >= 0)
		close(lock);
	json_object_put(sm);
	json_object_put(dm);
	free(buf);
	free(ssamples);
	free(smeta);
	free(dsamples);
	free(dmeta);
	return rc;
}
