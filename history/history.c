// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * folio-lab-history: the records of every kernel build in one SQLite file.
 *
 *   import DIR...   records and provenance, one transaction, idempotent
 *   list            builds in order (record timestamps, then import order)
 *   trend           the metric per build with its CI; table, gnuplot chart, report section
 *   changes         where a lasting change starts, per case (docs/history.md: the method)
 *   check           the newest build against the history before it (exit 0/1/125/2)
 *   export-kcidb    a results directory as KCIDB I/O JSON (kcidb.c)
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "history.h"
#include "stats.h"

#define HS_APP_ID	  0x464c4853 /* "FLHS" */
#define HS_SCHEMA_VERSION 1

#define EXIT_INPUT 2

static const char *prog = "folio-lab-history";

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(try '%s --help')\n", prog);
	exit(EXIT_INPUT);
}

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char usage_text[] =
    "usage: folio-lab-history COMMAND [OPTIONS]\n"
    "\n"
    "Keeps every kernel build's records in one SQLite database and judges the\n"
    "newest build against the builds before it.\n"
    "\n"
    "Commands:\n"
    "  import DIR...      add the records and provenance of results directories\n"
    "                     (one transaction; importing a directory again adds nothing)\n"
    "  list               the builds, in order, with date, release, describe, records\n"
    "  trend --workload W [--variant V] [--mode M] [--workers N] [--out DIR]\n"
    "                     the metric per build (median, CI) as a table; with --out,\n"
    "                     DIR/charts/history-trend-*.png/.svg and DIR/sections/history-trend.html\n"
    "  changes            the builds where a lasting change starts, per case\n"
    "  check [--out DIR]  the newest build against the history before it\n"
    "  export-kcidb DIR   a results directory as KCIDB I/O JSON (schema 4.0)\n"
    "\n"
    "Options (every command):\n"
    "  --db FILE          the database (default $FOLIO_LAB_CACHE/history.sqlite,\n"
    "                     $FOLIO_LAB_CACHE defaulting to /var/cache/folio-lab)\n"
    "  --label GLOB       only builds whose kernel label matches (shell pattern)\n"
    "  --workload W, --variant V, --mode M, --workers N   only these cases\n"
    "  --metric NAME      ops_per_sec (default), any numeric record field, counters.NAME\n"
    "  --lower-is-better / --higher-is-better   (default by name: *_ns, counters.* lower)\n"
    "  --alpha A          significance level (0.05), family-wise over the cases (Holm)\n"
    "  --threshold PCT    smallest |%change| or step that counts (2)\n"
    "  --level L          confidence level of intervals (0.95)\n"
    "  --window K         changes/check: a change needs K builds each side (3)\n"
    "  --history N        check: at most N builds of history since the last change (10)\n"
    "  --quiet            check: only the summary line\n"
    "  --out DIR          trend: charts and DIR/sections/history-trend.html;\n"
    "                     check: DIR/sections/history-check.html (for ./run.sh report DIR)\n"
    "\n"
    "Exit status: 0 success (check: no regression), 1 check: a regression,\n"
    "125 check: cannot decide, 2 usage or input error (nothing changed).\n";

struct opts {
	const char *db, *label, *workload, *variant, *mode, *metric, *out;
	int workers;   /* -1: any */
	int direction; /* +1 higher is better, -1 lower, 0 by name */
	double alpha, threshold, level;
	int window, history;
	bool quiet, no_plots;
};

/* ---------------------------------------------------------------- database */

static char *default_db(void)
{
	const char *c = getenv("FOLIO_LAB_CACHE");
	size_t n;
	char *p;

	if (!c || !*c)
		c = "/var/cache/folio-lab";
	n = strlen(c) + 32;
	p = malloc(n);
	if (p)
		snprintf(p, n, "%s/history.sqlite", c);
	return p;
}

static const char schema_sql[] =
    "CREATE TABLE builds ("
    " id INTEGER PRIMARY KEY,"
    " key TEXT NOT NULL UNIQUE,"
    " label TEXT NOT NULL, kernel_release TEXT NOT NULL,"
    " git_describe TEXT NOT NULL, git_commit TEXT NOT NULL, config_hash TEXT NOT NULL,"
    " run TEXT NOT NULL, kernel_tree TEXT, lab_version TEXT, cpu_model TEXT,"
    " kernel_scheme TEXT, env_where TEXT, env_accel TEXT,"
    " t0 REAL NOT NULL, first_ts TEXT NOT NULL, nrecords INTEGER NOT NULL DEFAULT 0,"
    " source TEXT, imported_at TEXT, meta TEXT);"
    "CREATE TABLE records ("
    " id INTEGER PRIMARY KEY,"
    " build_id INTEGER NOT NULL REFERENCES builds(id),"
    " run_id TEXT NOT NULL, timestamp TEXT NOT NULL, t REAL NOT NULL,"
    " workload TEXT NOT NULL, variant TEXT NOT NULL, mode TEXT NOT NULL,"
    " placement TEXT NOT NULL, params TEXT NOT NULL, workers INTEGER NOT NULL,"
    " rep INTEGER NOT NULL, env_where TEXT NOT NULL, env_accel TEXT NOT NULL,"
    " ops_per_sec REAL, record TEXT NOT NULL,"
    " UNIQUE (build_id, run_id, timestamp, workload, variant, mode, placement, params,"
    "  workers, rep));"
    "CREATE INDEX records_case ON records (workload, variant, mode, workers);"
    "CREATE TABLE imports ("
    " id INTEGER PRIMARY KEY, at TEXT NOT NULL, source TEXT NOT NULL,"
    " builds_new INTEGER NOT NULL, records_new INTEGER NOT NULL);";

static int exec_sql(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err("database: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int pragma_int(sqlite3 *db, const char *sql, long long *v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Is the open database ours (or empty)? 1 ours, 0 empty, -1 not usable
 * (corrupt, not SQLite, another application's), with the reason printed.
 */
static int db_probe(sqlite3 *db, const char *path, bool integrity)
{
	long long app = 0, ver = 0, ntab = 0;

	if (pragma_int(db, "PRAGMA application_id", &app) != 0 ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &ntab) != 0) {
		err("%s: not a usable SQLite database: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	if (app == 0 && ntab == 0)
		return 0;
	if (app != HS_APP_ID) {
		err("%s: an SQLite database of another application (application_id 0x%llx), "
		    "not a folio-lab history; not touching it",
		    path, app);
		return -1;
	}
	if (pragma_int(db, "PRAGMA user_version", &ver) != 0 || ver != HS_SCHEMA_VERSION) {
		err("%s: folio-lab history schema %lld, this program knows %d", path, ver,
		    HS_SCHEMA_VERSION);
		return -1;
	}
	if (integrity) {
		sqlite3_stmt *st;
		int ok = 0;

		if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW) {
				const char *r = (const char *)sqlite3_column_text(st, 0);

				ok = r && strcmp(r, "ok") == 0;
				if (!ok)
					err("%s: damaged: %s", path, r ? r : "?");
			}
			sqlite3_finalize(st);
		}
		if (!ok) {
			if (sqlite3_errcode(db) != SQLITE_OK &&
			    sqlite3_errcode(db) != SQLITE_DONE && sqlite3_errcode(db) != SQLITE_ROW)
				err("%s: damaged: %s", path, sqlite3_errmsg(db));
			return -1;
		}
	}
	return 1;
}

/* Opens the history read-only; NULL (reason printed) if it is missing or not ours. */
static sqlite3 *db_open_ro(const char *path)
{
	sqlite3 *db = NULL;
	struct stat st;

	if (stat(path, &st) != 0) {
		err("no history database at %s (run 'history import' first)", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		err("%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	if (db_probe(db, path, false) != 1) {
		if (db_probe(db, path, false) == 0)
			err("%s: empty database, no builds", path);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* ------------------------------------------------------------------ import */

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

static int mkdir_parent(const char *path)
{
	char *d = strdup(path), *slash;
	struct stat st;
	int rc = 0;

	if (!d)
		return -1;
	slash = strrchr(d, '/');
	if (slash && slash != d) {
		*slash = '\0';
		if (stat(d, &st) != 0) {
			mkdir_parent(d);
			if (mkdir(d, 0755) != 0 && errno != EEXIST) {
				err("cannot create %s: %s", d, strerror(errno));
				rc = -1;
			}
		}
	}
	free(d);
	return rc;
}

static int import_dir(sqlite3 *db, const struct hs_dir *d, const char *now, long long *nb_new,
		      long long *nr_new, long long *nb_all, long long *nr_all)
{
	sqlite3_stmt *ib = NULL, *qb = NULL, *ir = NULL, *ub = NULL, *ii = NULL;
	long long *ids = calloc(d->nbuilds ? d->nbuilds : 1, sizeof(*ids));
	long long bnew = 0, rnew = 0;
	int rc = -1;
	char *abspath = realpath(d->path, NULL);

	if (!ids)
		goto out;
	if (sqlite3_prepare_v2(
		db,
		"INSERT OR IGNORE INTO builds (key, label, kernel_release, git_describe, "
		"git_commit,"
		" config_hash, run, kernel_tree, lab_version, cpu_model, kernel_scheme, env_where,"
		" env_accel, t0, first_ts, source, imported_at, meta)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
		-1, &ib, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id FROM builds WHERE key = ?1", -1, &qb, NULL) !=
		SQLITE_OK ||
	    sqlite3_prepare_v2(
		db,
		"INSERT OR IGNORE INTO records (build_id, run_id, timestamp, t, workload, variant,"
		" mode, placement, params, workers, rep, env_where, env_accel, ops_per_sec, record)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
		-1, &ir, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "UPDATE builds SET nrecords = (SELECT count(*) FROM records WHERE"
			       " build_id = ?1), t0 = min(t0, ?2), first_ts = CASE WHEN ?2 < t0"
			       " THEN ?3 ELSE first_ts END WHERE id = ?1",
			       -1, &ub, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO imports (at, source, builds_new, records_new)"
			       " VALUES (?1, ?2, ?3, ?4)",
			       -1, &ii, NULL) != SQLITE_OK) {
		err("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (size_t b = 0; b < d->nbuilds; b++) {
		const struct hs_build *B = &d->builds[b];
		const char *meta =
		    B->meta ? json_object_to_json_string_ext(B->meta, JSON_C_TO_STRING_PLAIN)
			    : NULL;

		sqlite3_reset(ib);
		bind_text(ib, 1, B->key);
		bind_text(ib, 2, B->label);
		bind_text(ib, 3, B->release);
		bind_text(ib, 4, B->describe);
		bind_text(ib, 5, B->commit);
		bind_text(ib, 6, B->config_hash);
		bind_text(ib, 7, B->run);
		bind_text(ib, 8, B->tree);
		bind_text(ib, 9, B->lab_version);
		bind_text(ib, 10, B->cpu_model);
		bind_text(ib, 11, B->scheme);
		bind_text(ib, 12, B->where);
		bind_text(ib, 13, B->accel);
		sqlite3_bind_double(ib, 14, B->t0);
		bind_text(ib, 15, B->first_ts);
		bind_text(ib, 16, abspath ? abspath : d->path);
		bind_text(ib, 17, now);
		if (meta)
			bind_text(ib, 18, meta);
		else
			sqlite3_bind_null(ib, 18);
		if (sqlite3_step(ib) != SQLITE_DONE) {
			err("database: %s", sqlite3_errmsg(db));
			goto out;
		}
		bnew += sqlite3_changes(db);
		sqlite3_reset(qb);
		bind_text(qb, 1, B->key);
		if (sqlite3_step(qb) != SQLITE_ROW) {
			err("database: %s", sqlite3_errmsg(db));
			goto out;
		}
		ids[b] = sqlite3_column_int64(qb, 0);
	}
	for (size_t i = 0; i < d->nrecs; i++) {
		const struct hs_rec *r = &d->recs[i];

		sqlite3_reset(ir);
		sqlite3_bind_int64(ir, 1, ids[r->build]);
		bind_text(ir, 2, r->run_id);
		bind_text(ir, 3, r->timestamp);
		sqlite3_bind_double(ir, 4, r->t);
		bind_text(ir, 5, r->workload);
		bind_text(ir, 6, r->variant);
		bind_text(ir, 7, r->mode);
		bind_text(ir, 8, r->placement);
		bind_text(ir, 9, r->params);
		sqlite3_bind_int(ir, 10, r->workers);
		sqlite3_bind_int(ir, 11, r->rep);
		bind_text(ir, 12, r->where);
		bind_text(ir, 13, r->accel);
		if (isnan(r->ops_per_sec))
			sqlite3_bind_null(ir, 14);
		else
			sqlite3_bind_double(ir, 14, r->ops_per_sec);
		bind_text(ir, 15, r->line);
		if (sqlite3_step(ir) != SQLITE_DONE) {
			err("database: %s", sqlite3_errmsg(db));
			goto out;
		}
		rnew += sqlite3_changes(db);
	}
	for (size_t b = 0; b < d->nbuilds; b++) {
		sqlite3_reset(ub);
		sqlite3_bind_int64(ub, 1, ids[b]);
		sqlite3_bind_double(ub, 2, d->builds[b].t0);
		bind_text(ub, 3, d->builds[b].first_ts);
		if (sqlite3_step(ub) != SQLITE_DONE) {
			err("database: %s", sqlite3_errmsg(db));
			goto out;
		}
	}
	if (bnew || rnew) {
		sqlite3_reset(ii);
		bind_text(ii, 1, now);
		bind_text(ii, 2, abspath ? abspath : d->path);
		sqlite3_bind_int64(ii, 3, bnew);
		sqlite3_bind_int64(ii, 4, rnew);
		if (sqlite3_step(ii) != SQLITE_DONE) {
			err("database: %s", sqlite3_errmsg(db));
			goto out;
		}
	}
	*nb_new += bnew;
	*nr_new += rnew;
	*nb_all += (long long)d->nbuilds;
	*nr_all += (long long)d->nrecs;
	printf("%s: %zu build%s (%lld new), %zu records (%lld new)\n", d->path, d->nbuilds,
	       d->nbuilds == 1 ? "" : "s", bnew, d->nrecs, rnew);
	rc = 0;
out:
	sqlite3_finalize(ib);
	sqlite3_finalize(qb);
	sqlite3_finalize(ir);
	sqlite3_finalize(ub);
	sqlite3_finalize(ii);
	free(ids);
	free(abspath);
	return rc;
}

static int cmd_import(const struct opts *o, int ndirs, char **dirs)
{
	struct hs_dir *d;
	sqlite3 *db = NULL;
	struct stat st;
	bool created = false;
	long long bn = 0, rn = 0, ba = 0, ra = 0;
	char now[40];
	int rc = EXIT_INPUT, probe;

	if (ndirs < 1)
		die_usage("import needs at least one results directory");
	/* Read and check every directory before the database is touched. */
	d = calloc((size_t)ndirs, sizeof(*d));
	if (!d)
		return EXIT_INPUT;
	for (int i = 0; i < ndirs; i++)
		if (hs_dir_load(&d[i], dirs[i]) != 0) {
			err("%s: not imported; the database is unchanged", dirs[i]);
			goto out;
		}
	if (stat(o->db, &st) != 0) {
		if (mkdir_parent(o->db) != 0)
			goto out;
		created = true;
	} else if (!S_ISREG(st.st_mode)) {
		err("%s: not a regular file", o->db);
		goto out;
	}
	if (sqlite3_open_v2(o->db, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		err("%s: %s", o->db, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(db, 30000);
	probe = db_probe(db, o->db, true);
	if (probe < 0)
		goto out;
	if (exec_sql(db, "BEGIN IMMEDIATE") != 0)
		goto out;
	if (probe == 0) {
		char pragmas[128];

		snprintf(pragmas, sizeof(pragmas),
			 "PRAGMA application_id = %d; PRAGMA user_version = %d;", HS_APP_ID,
			 HS_SCHEMA_VERSION);
		if (exec_sql(db, schema_sql) != 0 || exec_sql(db, pragmas) != 0)
			goto rollback;
	}
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		hs_format_time((double)ts.tv_sec + (double)ts.tv_nsec / 1e9, now, sizeof(now));
	}
	for (int i = 0; i < ndirs; i++)
		if (import_dir(db, &d[i], now, &bn, &rn, &ba, &ra) != 0)
			goto rollback;
	if (exec_sql(db, "COMMIT") != 0)
		goto rollback;
	printf("imported into %s: %lld new build%s, %lld new records (of %lld builds, %lld "
	       "records read)\n",
	       o->db, bn, bn == 1 ? "" : "s", rn, ba, ra);
	rc = 0;
	goto out;
rollback:
	exec_sql(db, "ROLLBACK");
	err("nothing imported; the database is unchanged");
out:
	if (db)
		sqlite3_close(db);
	if (rc != 0 && created)
		unlink(o->db); /* a database this failed import created holds nothing */
	for (int i = 0; i < ndirs; i++)
		hs_dir_free(&d[i]);
	free(d);
	return rc;
}

/* ------------------------------------------------------------ loaded history */

struct hbuild {
	long long id;
	char *label, *release, *describe, *commit, *first_ts;
	double t0;
	long long nrecords;
};

struct hpoint {
	size_t build; /* index into hist.builds */
	double *v;
	size_t n, cap;
	double med;
};

struct hcase {
	char *workload, *variant, *mode, *placement, *params, *where, *accel;
	int workers;
	struct hpoint *pts;
	size_t npts, cap;
};

struct hist {
	struct hbuild *builds;
	size_t nbuilds;
	struct hcase *cases;
	size_t ncases;
	bool lower_better;
	const char *metric;
};

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return strdup(s ? (const char *)s : "");
}

static bool label_ok(const struct opts *o, const char *label)
{
	return !o->label || fnmatch(o->label, label, 0) == 0;
}

static int load_builds(sqlite3 *db, const struct opts *o, struct hist *h)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	if (sqlite3_prepare_v2(
		db,
		"SELECT id, label, kernel_release, git_describe, git_commit, first_ts,"
		" t0, nrecords FROM builds ORDER BY t0, id",
		-1, &st, NULL) != SQLITE_OK) {
		err("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct hbuild *b;
		const char *label = (const char *)sqlite3_column_text(st, 1);

		if (!label_ok(o, label ? label : ""))
			continue;
		if (h->nbuilds == cap) {
			struct hbuild *nb =
			    realloc(h->builds, (cap = cap ? cap * 2 : 64) * sizeof(*nb));

			if (!nb)
				break;
			h->builds = nb;
		}
		b = &h->builds[h->nbuilds++];
		b->id = sqlite3_column_int64(st, 0);
		b->label = col_dup(st, 1);
		b->release = col_dup(st, 2);
		b->describe = col_dup(st, 3);
		b->commit = col_dup(st, 4);
		b->first_ts = col_dup(st, 5);
		b->t0 = sqlite3_column_double(st, 6);
		b->nrecords = sqlite3_column_int64(st, 7);
	}
	sqlite3_finalize(st);
	return 0;
}

static bool same(const char *a, const unsigned char *b)
{
	return strcmp(a, b ? (const char *)b : "") == 0;
}

/* Cases (workload x variant x mode x placement x params x workers x environment) per build. */
static int load_cases(sqlite3 *db, const struct opts *o, struct hist *h)
{
	sqlite3_stmt *st;
	long long maxid = 0;
	size_t *pos, ccap = 0;
	char path[300];
	bool plain = strcmp(o->metric, "ops_per_sec") == 0;
	char sql[1024];

	for (size_t i = 0; i < h->nbuilds; i++)
		if (h->builds[i].id > maxid)
			maxid = h->builds[i].id;
	pos = malloc(((size_t)maxid + 1) * sizeof(*pos));
	if (!pos)
		return -1;
	for (long long i = 0; i <= maxid; i++)
		pos[i] = (size_t)-1;
	for (size_t i = 0; i < h->nbuilds; i++)
		pos[h->builds[i].id] = i;
	snprintf(path, sizeof(path), "$.%s", o->metric);
	snprintf(sql, sizeof(sql),
		 "SELECT r.build_id, r.workload, r.variant, r.mode, r.placement, r.params,"
		 " r.workers, r.env_where, r.env_accel, %s FROM records r JOIN builds b ON"
		 " b.id = r.build_id WHERE (?2 IS NULL OR r.workload = ?2) AND (?3 IS NULL OR"
		 " r.variant = ?3) AND (?4 IS NULL OR r.mode = ?4) AND (?5 < 0 OR r.workers = ?5)"
		 " ORDER BY r.workload, r.variant, r.mode, r.placement, r.params, r.workers,"
		 " r.env_where, r.env_accel, b.t0, b.id",
		 plain ? "r.ops_per_sec" : "json_extract(r.record, ?1)");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		err("database: %s", sqlite3_errmsg(db));
		free(pos);
		return -1;
	}
	if (!plain)
		bind_text(st, 1, path);
	if (o->workload)
		bind_text(st, 2, o->workload);
	if (o->variant)
		bind_text(st, 3, o->variant);
	if (o->mode)
		bind_text(st, 4, o->mode);
	sqlite3_bind_int(st, 5, o->workers);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long bid = sqlite3_column_int64(st, 0);
		struct hcase *c = h->ncases ? &h->cases[h->ncases - 1] : NULL;
		struct hpoint *p;
		int t = sqlite3_column_type(st, 9);

		if (bid > maxid || pos[bid] == (size_t)-1)
			continue; /* a build --label leaves out */
		if (t != SQLITE_INTEGER && t != SQLITE_FLOAT)
			continue; /* no such metric in this record */
		if (!c || !same(c->workload, sqlite3_column_text(st, 1)) ||
		    !same(c->variant, sqlite3_column_text(st, 2)) ||
		    !same(c->mode, sqlite3_column_text(st, 3)) ||
		    !same(c->placement, sqlite3_column_text(st, 4)) ||
		    !same(c->params, sqlite3_column_text(st, 5)) ||
		    c->workers != sqlite3_column_int(st, 6) ||
		    !same(c->where, sqlite3_column_text(st, 7)) ||
		    !same(c->accel, sqlite3_column_text(st, 8))) {
			if (h->ncases == ccap) {
				struct hcase *nc =
				    realloc(h->cases, (ccap = ccap ? ccap * 2 : 32) * sizeof(*nc));

				if (!nc)
					break;
				h->cases = nc;
			}
			c = &h->cases[h->ncases++];
			memset(c, 0, sizeof(*c));
			c->workload = col_dup(st, 1);
			c->variant = col_dup(st, 2);
			c->mode = col_dup(st, 3);
			c->placement = col_dup(st, 4);
			c->params = col_dup(st, 5);
			c->workers = sqlite3_column_int(st, 6);
			c->where = col_dup(st, 7);
			c->accel = col_dup(st, 8);
		}
		p = c->npts ? &c->pts[c->npts - 1] : NULL;
		if (!p || p->build != pos[bid]) {
			if (c->npts == c->cap) {
				struct hpoint *np = realloc(
				    c->pts, (c->cap = c->cap ? c->cap * 2 : 16) * sizeof(*np));

				if (!np)
					break;
				c->pts = np;
			}
			p = &c->pts[c->npts++];
			memset(p, 0, sizeof(*p));
			p->build = pos[bid];
		}
		if (p->n == p->cap) {
			double *nv =
			    realloc(p->v, (p->cap = p->cap ? p->cap * 2 : 8) * sizeof(*nv));

			if (!nv)
				break;
			p->v = nv;
		}
		p->v[p->n++] = sqlite3_column_double(st, 9);
	}
	sqlite3_finalize(st);
	free(pos);
	for (size_t i = 0; i < h->ncases; i++)
		for (size_t j = 0; j < h->cases[i].npts; j++)
			h->cases[i].pts[j].med =
			    fl_median(h->cases[i].pts[j].v, h->cases[i].pts[j].n);
	return 0;
}

static void hist_free(struct hist *h)
{
	for (size_t i = 0; i < h->nbuilds; i++) {
		struct hbuild *b = &h->builds[i];

		free(b->label);
		free(b->release);
		free(b->describe);
		free(b->commit);
		free(b->first_ts);
	}
	for (size_t i = 0; i < h->ncases; i++) {
		struct hcase *c = &h->cases[i];

		for (size_t j = 0; j < c->npts; j++)
			free(c->pts[j].v);
		free(c->pts);
		free(c->workload);
		free(c->variant);
		free(c->mode);
		free(c->placement);
		free(c->params);
		free(c->where);
		free(c->accel);
	}
	free(h->builds);
	free(h->cases);
}

static int hist_load(const struct opts *o, struct hist *h, bool cases)
{
	sqlite3 *db = db_open_ro(o->db);
	int rc = -1;

	memset(h, 0, sizeof(*h));
	h->metric = o->metric;
	h->lower_better =
	    o->direction
		? o->direction < 0
		: (strncmp(o->metric, "counters.", 9) == 0 ||
		   (strlen(o->metric) > 3 && !strcmp(o->metric + strlen(o->metric) - 3, "_ns")));
	if (!db)
		return -1;
	if (load_builds(db, o, h) == 0 && (!cases || load_cases(db, o, h) == 0))
		rc = 0;
	sqlite3_close(db);
	return rc;
}

/* A build's name for tables: the label, with the describe when there is one. */
static void build_name(const struct hbuild *b, char *buf, size_t size)
{
	if (b->describe[0])
		snprintf(buf, size, "%s (%s)", b->label, b->describe);
	else if (b->commit[0])
		snprintf(buf, size, "%s (%.12s)", b->label, b->commit);
	else
		snprintf(buf, size, "%s", b->label);
}

static void case_name(const struct hcase *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s %s %s%s%s w%d [%s/%s]", c->workload, c->variant, c->mode,
		 c->placement, c->params[0] ? " " : "", c->params, c->workers, c->where, c->accel);
}

/* -------------------------------------------------------------------- list */

static int cmd_list(const struct opts *o)
{
	struct hist h;
	sqlite3 *db;

	if (hist_load(o, &h, false) != 0)
		return EXIT_INPUT;
	db = db_open_ro(o->db);
	printf("%4s  %-24s  %-16s  %-22s  %-24s  %-10s  %7s\n", "#", "date (first record)", "label",
	       "release", "describe / commit", "env", "records");
	for (size_t i = 0; i < h.nbuilds; i++) {
		const struct hbuild *b = &h.builds[i];
		char desc[64], env[48] = "";
		sqlite3_stmt *st;

		snprintf(desc, sizeof(desc), "%s",
			 b->describe[0] ? b->describe
			 : b->commit[0] ? b->commit
					: "-");
		if (db && sqlite3_prepare_v2(
			      db, "SELECT env_where || '/' || env_accel FROM builds WHERE id = ?1",
			      -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, b->id);
			if (sqlite3_step(st) == SQLITE_ROW)
				snprintf(env, sizeof(env), "%s",
					 (const char *)sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
		printf("%4zu  %-24s  %-16s  %-22s  %-24s  %-10s  %7lld\n", i + 1, b->first_ts,
		       b->label, b->release, desc, env, b->nrecords);
	}
	printf("%zu build%s in %s\n", h.nbuilds, h.nbuilds == 1 ? "" : "s", o->db);
	if (db)
		sqlite3_close(db);
	hist_free(&h);
	return 0;
}

/* -------------------------------------------------------------- statistics */

/* Pooled values of points [a, b] of a case (malloc'ed). */
static double *pool(const struct hcase *c, size_t a, size_t b, size_t *n)
{
	size_t k = 0;
	double *v;

	*n = 0;
	for (size_t i = a; i <= b; i++)
		*n += c->pts[i].n;
	v = malloc((*n ? *n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = a; i <= b; i++) {
		memcpy(v + k, c->pts[i].v, c->pts[i].n * sizeof(*v));
		k += c->pts[i].n;
	}
	return v;
}

/* ----------------------------------------------------------------- changes */

struct change {
	size_t at;	      /* index into the case's points: the first build of the new level */
	double p;	      /* the split's U test p, before correction */
	double padj;	      /* times the splits and cases */
	double before, after; /* medians of the adjacent segments (capped windows) */
	double step, step_lo, step_hi; /* Hodges-Lehmann shift in % of `before`, and its CI */
};

struct cp_ctx {
	const struct opts *o;
	const struct hcase *c;
	size_t ncases;
	struct change *ch;
	size_t nch, cap;
};

/* Is point i on the side of `after` (relative to the midpoint of the two medians)? */
static bool on_new_side(const struct hcase *c, size_t i, double mx, double my)
{
	double mid = (mx + my) / 2;

	return my > mx ? c->pts[i].med > mid : c->pts[i].med < mid;
}

/*
 * The persistence rule: build t and most of the K builds from t are at the
 * new level, build t-1 and most of the K builds before t at the old one.
 * A one-off outlier breaks it on one side at least.
 */
static bool persists(const struct hcase *c, size_t s, size_t e, size_t t, size_t K, double mx,
		     double my)
{
	size_t after = 0, before = 0, na = 0, nb = 0;

	if (!on_new_side(c, t, mx, my) || on_new_side(c, t - 1, mx, my))
		return false;
	for (size_t i = t; i <= e && i < t + K; i++, na++)
		after += on_new_side(c, i, mx, my);
	for (size_t i = t; i > s && t - i < K; i--, nb++)
		before += !on_new_side(c, i - 1, mx, my);
	return 2 * after > na && 2 * before > nb;
}

struct split {
	size_t t;
	double p, auc, mx, my;
};

static int cmp_split(const void *a, const void *b)
{
	const struct split *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	if (fabs(x->auc - 0.5) != fabs(y->auc - 0.5))
		return fabs(x->auc - 0.5) > fabs(y->auc - 0.5) ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

static void add_change(struct cp_ctx *x, size_t t, double p, double padj)
{
	if (x->nch == x->cap) {
		struct change *n = realloc(x->ch, (x->cap = x->cap ? x->cap * 2 : 8) * sizeof(*n));

		if (!n)
			return;
		x->ch = n;
	}
	memset(&x->ch[x->nch], 0, sizeof(x->ch[0]));
	x->ch[x->nch].at = t;
	x->ch[x->nch].p = p;
	x->ch[x->nch].padj = padj;
	x->nch++;
}

/* Binary segmentation of points [s, e]. */
static void segment(struct cp_ctx *x, size_t s, size_t e)
{
	const struct hcase *c = x->c;
	size_t K = (size_t)x->o->window, nsplit, ns = 0;
	struct split *sp;

	if (e < s || e - s + 1 < 2 * K)
		return;
	nsplit = e - s + 2 - 2 * K;
	sp = calloc(nsplit, sizeof(*sp));
	if (!sp)
		return;
	for (size_t t = s + K; t + K <= e + 1; t++) {
		size_t nx, ny;
		double *vx = pool(c, s, t - 1, &nx), *vy = pool(c, t, e, &ny);
		struct fl_mwu_result r;

		if (vx && vy && nx && ny && fl_mwu(vx, nx, vy, ny, FL_MWU_AUTO, &r) == 0) {
			sp[ns].t = t;
			sp[ns].p = r.p;
			sp[ns].auc = r.u1 / ((double)nx * (double)ny);
			sp[ns].mx = fl_median(vx, nx);
			sp[ns].my = fl_median(vy, ny);
			ns++;
		}
		free(vx);
		free(vy);
	}
	qsort(sp, ns, sizeof(*sp), cmp_split);
	for (size_t i = 0; i < ns; i++) {
		double padj = sp[i].p * (double)nsplit * (double)x->ncases, step;

		if (padj >= x->o->alpha)
			break;
		step = (sp[i].my / sp[i].mx - 1) * 100;
		if (!(fabs(step) > x->o->threshold))
			continue;
		if (!persists(c, s, e, sp[i].t, K, sp[i].mx, sp[i].my))
			continue;
		{
			size_t t = sp[i].t;

			add_change(x, t, sp[i].p, padj > 1 ? 1 : padj);
			free(sp);
			segment(x, s, t - 1);
			segment(x, t, e);
			return;
		}
	}
	free(sp);
}

static int cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* Median of the build medians of points [a, b]. */
static double median_of_medians(const struct hcase *c, size_t a, size_t b)
{
	double *m = malloc((b - a + 1) * sizeof(*m)), r;

	if (!m)
		return NAN;
	for (size_t i = a; i <= b; i++)
		m[i - a] = c->pts[i].med;
	r = fl_median(m, b - a + 1);
	free(m);
	return r;
}

/*
 * Like pool(), for the step estimate: only the builds of [a, b] at their
 * side's level (want_new: the new one), judged by the midpoint between the
 * two sides' medians of build medians (mx before, my after), so that a
 * one-off outlier next to a change does not bias its size.
 */
static double *pool_side(const struct hcase *c, size_t a, size_t b, double mx, double my,
			 bool want_new, size_t *n)
{
	size_t k = 0;
	double *v;

	*n = 0;
	for (size_t i = a; i <= b; i++)
		if (on_new_side(c, i, mx, my) == want_new)
			*n += c->pts[i].n;
	if (*n == 0)
		return pool(c, a, b, n);
	v = malloc(*n * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = a; i <= b; i++)
		if (on_new_side(c, i, mx, my) == want_new) {
			memcpy(v + k, c->pts[i].v, c->pts[i].n * sizeof(*v));
			k += c->pts[i].n;
		}
	return v;
}

/* Changes of points [0, last] of a case, sorted, with step sizes. */
static size_t find_changes(const struct opts *o, const struct hcase *c, size_t last, size_t ncases,
			   struct change **out)
{
	struct cp_ctx x = {.o = o, .c = c, .ncases = ncases};
	const size_t cap_w = 10; /* builds each side used for the step estimate */

	segment(&x, 0, last);
	qsort(x.ch, x.nch, sizeof(*x.ch), cmp_change);
	for (size_t i = 0; i < x.nch; i++) {
		struct change *ch = &x.ch[i];
		size_t a = i ? x.ch[i - 1].at : 0, b = i + 1 < x.nch ? x.ch[i + 1].at - 1 : last;
		size_t nx, ny;
		double *vx, *vy, mx, my;
		struct fl_hl_result hl;

		if (ch->at - a > cap_w)
			a = ch->at - cap_w;
		if (b - ch->at + 1 > cap_w)
			b = ch->at + cap_w - 1;
		mx = median_of_medians(c, a, ch->at - 1);
		my = median_of_medians(c, ch->at, b);
		vx = pool_side(c, a, ch->at - 1, mx, my, false, &nx);
		vy = pool_side(c, ch->at, b, mx, my, true, &ny);
		if (vx && vy) {
			ch->before = fl_median(vx, nx);
			ch->after = fl_median(vy, ny);
			/* after - before: the Hodges-Lehmann shift of y against x */
			if (fl_hl_shift(vy, ny, vx, nx, o->level, &hl) == 0) {
				ch->step = hl.shift / ch->before * 100;
				ch->step_lo = hl.lo / ch->before * 100;
				ch->step_hi = hl.hi / ch->before * 100;
			}
		}
		free(vx);
		free(vy);
	}
	*out = x.ch;
	return x.nch;
}

static const char *fmt_num(char *buf, size_t size, double v)
{
	if (fabs(v) >= 1e4 || v == floor(v))
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.4g", v);
	return buf;
}

static int cmd_changes(const struct opts *o)
{
	struct hist h;
	size_t total = 0;

	if (hist_load(o, &h, true) != 0)
		return EXIT_INPUT;
	if (h.ncases == 0) {
		err("no records match in %s", o->db);
		hist_free(&h);
		return EXIT_INPUT;
	}
	char steph[32];

	snprintf(steph, sizeof(steph), "step (%.0f%% CI)", o->level * 100);
	printf("change points: binary segmentation, Mann-Whitney U of the builds before "
	       "against the builds from a build on\n"
	       "(Bonferroni over splits and %zu cases, alpha %g), |step| > %g%%, at least %d "
	       "builds each side, the new level held by most of them\n\n",
	       h.ncases, o->alpha, o->threshold, o->window);
	printf("%-48s  %-30s  %-24s  %12s  %12s  %-28s  %9s\n", "case",
	       "build (first at new level)", "date", "before", "after", steph, "p (adj.)");
	for (size_t i = 0; i < h.ncases; i++) {
		const struct hcase *c = &h.cases[i];
		struct change *ch = NULL;
		size_t n;
		char cn[200];

		if (c->npts == 0)
			continue;
		n = find_changes(o, c, c->npts - 1, h.ncases, &ch);
		case_name(c, cn, sizeof(cn));
		for (size_t j = 0; j < n; j++) {
			const struct hbuild *b = &h.builds[c->pts[ch[j].at].build];
			char bn[160], sb[64], b1[32], b2[32];

			build_name(b, bn, sizeof(bn));
			snprintf(sb, sizeof(sb), "%+.2f%% [%+.2f%%, %+.2f%%]", ch[j].step,
				 ch[j].step_lo, ch[j].step_hi);
			printf("%-48s  %-30s  %-24s  %12s  %12s  %-28s  %9.2g\n", cn, bn,
			       b->first_ts, fmt_num(b1, sizeof(b1), ch[j].before),
			       fmt_num(b2, sizeof(b2), ch[j].after), sb, ch[j].padj);
		}
		total += n;
		free(ch);
	}
	printf("\n%zu change%s in %zu case%s over %zu builds\n", total, total == 1 ? "" : "s",
	       h.ncases, h.ncases == 1 ? "" : "s", h.nbuilds);
	hist_free(&h);
	return 0;
}

/* ------------------------------------------------------------------- check */

enum verdict { V_NEW, V_NOCHANGE, V_IMPROVED, V_REGRESSED, V_UNDECIDED };

static const char *verdict_name[] = {"new case", "no change", "improved", "regressed",
				     "cannot decide"};

struct crow {
	const struct hcase *c;
	size_t nbase_builds, nbase, nnew, since; /* since: index of the first baseline point */
	double base, cur, pct, p, padj, min_p;
	enum verdict v;
	char why[96];
};

static void html_esc(FILE *f, const char *s);
static int mkdirs(const char *p);

/* DIR/sections/history-check.html: the gate's table, for the HTML report. */
static int write_check_section(const struct opts *o, const struct hist *h, const struct crow *rows,
			       size_t nrows, const char *bn, const char *when, int rc)
{
	static const char *colour[] = {"#666", "#444", "#1a7f37", "#cf222e", "#9a6700"};
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/sections", o->out);
	if (mkdirs(p) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/sections/history-check.html", o->out);
	f = fopen(p, "we");
	if (!f) {
		err("cannot write %s: %s", p, strerror(errno));
		return -1;
	}
	fprintf(f, "<section class=\"history-check\">\n<h2>History: the newest build against its "
		   "history</h2>\n<p>Build <b>");
	html_esc(f, bn);
	fprintf(f,
		"</b> (%s) against the builds before it, per case since that case's last "
		"change (at most %d builds): Mann-Whitney U, Holm over the cases, alpha %g, "
		"threshold %g%%, metric <code>",
		when, o->history, o->alpha, o->threshold);
	html_esc(f, o->metric);
	fprintf(f, "</code> (%s is better). Exit status %d.</p>\n",
		h->lower_better ? "lower" : "higher", rc);
	fprintf(f, "<table class=\"stats\"><tr><th>case</th><th>history builds</th><th>history "
		   "median</th><th>newest median</th><th>%%change</th><th>p</th><th>p (Holm)</th>"
		   "<th>verdict</th></tr>\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct crow *r = &rows[i];
		char cn[200];

		case_name(r->c, cn, sizeof(cn));
		fprintf(f, "<tr><td>");
		html_esc(f, cn);
		fprintf(f, "</td><td>%zu</td><td>%.6g</td><td>%.6g</td>", r->nbase_builds, r->base,
			r->cur);
		if (r->v == V_NEW)
			fprintf(f, "<td>-</td><td>-</td><td>-</td>");
		else if (r->v == V_UNDECIDED)
			fprintf(f, "<td>%+.2f%%</td><td>-</td><td>-</td>", r->pct);
		else
			fprintf(f, "<td>%+.2f%%</td><td>%.3g</td><td>%.3g</td>", r->pct, r->p,
				r->padj);
		fprintf(f, "<td style=\"color:%s\">%s", colour[r->v], verdict_name[r->v]);
		if (r->why[0]) {
			fprintf(f, " (");
			html_esc(f, r->why);
			fprintf(f, ")");
		}
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n</section>\n");
	if (fclose(f) != 0) {
		err("cannot write %s", p);
		return -1;
	}
	if (!o->quiet)
		printf("report section: %s\n", p);
	return 0;
}

static int cmd_check(const struct opts *o)
{
	struct hist h;
	struct crow *rows;
	size_t nrows = 0, ndecide = 0, reg = 0, imp = 0, und = 0, newc = 0;
	double *ps, *adj;
	const struct hbuild *newest;
	char bn[160];
	int rc;

	if (hist_load(o, &h, true) != 0)
		return EXIT_INPUT;
	if (h.nbuilds == 0 || h.ncases == 0) {
		err("no builds or no matching records in %s", o->db);
		hist_free(&h);
		return EXIT_INPUT;
	}
	newest = &h.builds[h.nbuilds - 1];
	build_name(newest, bn, sizeof(bn));
	for (size_t i = 0; i + 1 < h.nbuilds; i++)
		if (strcmp(h.builds[i].label, newest->label) != 0) {
			err("note: the history mixes kernel labels (%s, %s, ...): the newest build "
			    "is "
			    "judged against all of them; --label picks one line",
			    newest->label, h.builds[i].label);
			break;
		}
	rows = calloc(h.ncases, sizeof(*rows));
	ps = calloc(h.ncases, sizeof(*ps));
	adj = calloc(h.ncases, sizeof(*adj));
	if (!rows || !ps || !adj)
		return EXIT_INPUT;
	for (size_t i = 0; i < h.ncases; i++) {
		const struct hcase *c = &h.cases[i];
		const struct hpoint *last;
		struct crow *r;
		struct change *ch = NULL;
		size_t nch, first, nb;
		double *vb;
		struct fl_mwu_result mw;

		if (!c->npts || c->pts[c->npts - 1].build != h.nbuilds - 1)
			continue; /* the newest build did not run this case */
		last = &c->pts[c->npts - 1];
		r = &rows[nrows++];
		r->c = c;
		r->nnew = last->n;
		r->cur = last->med;
		if (c->npts < 2) {
			r->v = V_NEW;
			snprintf(r->why, sizeof(r->why), "no earlier build ran it");
			newc++;
			continue;
		}
		/* the history since its last change, at most --history builds */
		nch = find_changes(o, c, c->npts - 2, h.ncases, &ch);
		first = nch ? ch[nch - 1].at : 0;
		free(ch);
		if ((c->npts - 1) - first > (size_t)o->history)
			first = c->npts - 1 - (size_t)o->history;
		r->since = first;
		r->nbase_builds = c->npts - 1 - first;
		vb = pool(c, first, c->npts - 2, &nb);
		r->nbase = nb;
		r->base = fl_median(vb, nb);
		r->pct = (r->cur / r->base - 1) * 100;
		if (nb < 3 || last->n < 3) {
			r->v = V_UNDECIDED;
			snprintf(r->why, sizeof(r->why),
				 "too few repetitions: history n=%zu, newest n=%zu", nb, last->n);
		} else if (fl_mwu(vb, nb, last->v, last->n, FL_MWU_AUTO, &mw) != 0) {
			r->v = V_UNDECIDED;
			snprintf(r->why, sizeof(r->why), "the U test failed");
		} else {
			r->p = mw.p;
			r->min_p = mw.min_p;
			if (mw.min_p >= o->alpha) {
				r->v = V_UNDECIDED;
				snprintf(r->why, sizeof(r->why),
					 "smallest possible p is %.3g >= alpha %g", mw.min_p,
					 o->alpha);
			} else {
				r->v = V_NOCHANGE;
				ps[ndecide++] = mw.p;
			}
		}
		free(vb);
	}
	fl_p_adjust(ps, ndecide, FL_PADJ_HOLM, adj);
	{
		size_t k = 0;

		for (size_t i = 0; i < nrows; i++) {
			struct crow *r = &rows[i];
			bool worse;

			if (r->v != V_NOCHANGE)
				continue;
			r->padj = adj[k++];
			worse = h.lower_better ? r->pct > 0 : r->pct < 0;
			if (r->padj < o->alpha && fabs(r->pct) > o->threshold)
				r->v = worse ? V_REGRESSED : V_IMPROVED;
			else
				snprintf(r->why, sizeof(r->why), "%s",
					 r->padj >= o->alpha ? "p (Holm) >= alpha"
							     : "|%change| <= threshold");
		}
	}
	if (!o->quiet) {
		printf(
		    "check: newest build %s, %s, against the builds before it (since each case's "
		    "last change, at most %d)\n",
		    bn, newest->first_ts, o->history);
		printf("metric %s (%s is better), Mann-Whitney U, Holm over %zu case%s, alpha %g, "
		       "threshold %g%%\n\n",
		       o->metric, h.lower_better ? "lower" : "higher", ndecide,
		       ndecide == 1 ? "" : "s", o->alpha, o->threshold);
		printf("%-48s  %7s  %12s  %12s  %9s  %9s  %9s  %s\n", "case", "builds", "history",
		       "newest", "%change", "p", "p (Holm)", "verdict");
	}
	for (size_t i = 0; i < nrows; i++) {
		struct crow *r = &rows[i];
		char cn[200], b1[32], b2[32], pc[16] = "-", p1[16] = "-", p2[16] = "-";

		switch (r->v) {
		case V_REGRESSED:
			reg++;
			break;
		case V_IMPROVED:
			imp++;
			break;
		case V_UNDECIDED:
			und++;
			break;
		default:
			break;
		}
		if (o->quiet)
			continue;
		case_name(r->c, cn, sizeof(cn));
		if (r->v != V_NEW)
			snprintf(pc, sizeof(pc), "%+.2f%%", r->pct);
		if (r->v != V_NEW && r->v != V_UNDECIDED) {
			snprintf(p1, sizeof(p1), "%.3g", r->p);
			snprintf(p2, sizeof(p2), "%.3g", r->padj);
		}
		printf("%-48s  %7zu  %12s  %12s  %9s  %9s  %9s  %s%s%s%s\n", cn, r->nbase_builds,
		       r->v == V_NEW ? "-" : fmt_num(b1, sizeof(b1), r->base),
		       fmt_num(b2, sizeof(b2), r->cur), pc, p1, p2, verdict_name[r->v],
		       r->why[0] ? " (" : "", r->why, r->why[0] ? ")" : "");
	}
	rc = reg ? 1 : (und || nrows == newc) ? 125 : 0;
	if (o->out && write_check_section(o, &h, rows, nrows, bn, newest->first_ts, rc) != 0)
		rc = EXIT_INPUT;
	printf("%ssummary: %s: %zu improved, %zu regressed, %zu no change, %zu cannot decide, %zu "
	       "new -> exit %d\n",
	       o->quiet ? "" : "\n", bn, imp, reg, nrows - imp - reg - und - newc, und, newc, rc);
	free(rows);
	free(ps);
	free(adj);
	hist_free(&h);
	return rc;
}

/* ------------------------------------------------------------------- trend */

static void slug(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			*s = '_';
}

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

static int mkdirs(const char *p)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s/x", p);
	if (mkdir_parent(buf) != 0)
		return -1;
	return 0;
}

/* A chart line: the cases that differ only in worker count. */
static bool same_chart(const struct hcase *a, const struct hcase *b)
{
	return !strcmp(a->workload, b->workload) && !strcmp(a->variant, b->variant) &&
	       !strcmp(a->mode, b->mode) && !strcmp(a->placement, b->placement) &&
	       !strcmp(a->params, b->params) && !strcmp(a->where, b->where) &&
	       !strcmp(a->accel, b->accel);
}

static int run_gnuplot(const char *script)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void copy_file(FILE *to, const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[8192];
	size_t n;
	bool skip_decl = true;

	if (!f)
		return;
	/* drop the XML declaration: the SVG goes inline into HTML */
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *s = buf;

		if (skip_decl && n > 5 && !strncmp(buf, "<?xml", 5)) {
			char *e = memchr(buf, '>', n);

			if (e) {
				n -= (size_t)(e + 1 - buf);
				s = e + 1;
			}
		}
		skip_decl = false;
		fwrite(s, 1, n, to);
	}
	fclose(f);
}

static int cmd_trend(const struct opts *o)
{
	struct hist h;
	FILE *html = NULL;
	int rc = 0;
	char lvl[16];
	bool have_gnuplot = o->out && !o->no_plots;

	if (!o->workload)
		die_usage("trend needs --workload W");
	if (hist_load(o, &h, true) != 0)
		return EXIT_INPUT;
	if (h.ncases == 0) {
		err("no records of workload %s match in %s", o->workload, o->db);
		hist_free(&h);
		return EXIT_INPUT;
	}
	snprintf(lvl, sizeof(lvl), "%.0f%%", o->level * 100);
	if (o->out) {
		char p[4096];

		snprintf(p, sizeof(p), "%s/charts", o->out);
		if (mkdirs(p) != 0)
			return EXIT_INPUT;
		snprintf(p, sizeof(p), "%s/sections", o->out);
		if (mkdirs(p) != 0)
			return EXIT_INPUT;
		snprintf(p, sizeof(p), "%s/sections/history-trend.html", o->out);
		html = fopen(p, "we");
		if (!html) {
			err("cannot write %s: %s", p, strerror(errno));
			return EXIT_INPUT;
		}
		fprintf(html, "<section class=\"history-trend\">\n<h2>History: %s per build</h2>\n",
			o->metric);
		fprintf(html,
			"<p>One point per kernel build in the history database, in the order of "
			"their records' timestamps: the median of its repetitions, the bar its %s "
			"confidence interval (order statistics; the range when n &lt; 6). Dashed "
			"vertical lines: where <code>history changes</code> finds a lasting "
			"change.</p>\n",
			lvl);
	}
	for (size_t i = 0; i < h.ncases;) {
		size_t j = i;
		char title[256], base[300];

		while (j < h.ncases && same_chart(&h.cases[i], &h.cases[j]))
			j++;
		snprintf(title, sizeof(title), "%s/%s %s %s%s%s [%s/%s]", h.cases[i].workload,
			 h.cases[i].variant, h.cases[i].mode, h.cases[i].placement,
			 h.cases[i].params[0] ? " " : "", h.cases[i].params, h.cases[i].where,
			 h.cases[i].accel);
		snprintf(base, sizeof(base), "history-trend-%s-%s-%s-%s%s%s-%s-%s",
			 h.cases[i].workload, h.cases[i].variant, h.cases[i].mode,
			 h.cases[i].placement, h.cases[i].params[0] ? "-" : "", h.cases[i].params,
			 h.cases[i].where, h.cases[i].accel);
		slug(base);
		printf("%s: %s\n", title, o->metric);
		printf("  %4s  %-30s  %-24s  %4s  %3s  %12s  %12s  %12s  %8s\n", "#", "build",
		       "date", "wrk", "n", "median", "ci lo", "ci hi", "coverage");
		if (html) {
			fprintf(html, "<h3>");
			html_esc(html, title);
			fprintf(html,
				"</h3>\n<table class=\"stats\"><tr><th>#</th><th>build</th>"
				"<th>date</th><th>workers</th><th>n</th><th>median</th><th>CI "
				"low</th><th>CI high</th><th>coverage</th><th>change</th></tr>\n");
		}
		for (size_t k = i; k < j; k++) {
			const struct hcase *c = &h.cases[k];
			struct change *ch = NULL;
			size_t nch = c->npts ? find_changes(o, c, c->npts - 1, h.ncases, &ch) : 0;

			for (size_t q = 0; q < c->npts; q++) {
				const struct hpoint *pt = &c->pts[q];
				const struct hbuild *b = &h.builds[pt->build];
				double lo, hi, cov;
				char bn[160], m1[32], m2[32], m3[32], mark[80] = "";

				fl_median_ci(pt->v, pt->n, o->level, &lo, &hi, &cov);
				build_name(b, bn, sizeof(bn));
				for (size_t z = 0; z < nch; z++)
					if (ch[z].at == q)
						snprintf(mark, sizeof(mark),
							 "change %+.2f%% [%+.2f%%, %+.2f%%]",
							 ch[z].step, ch[z].step_lo, ch[z].step_hi);
				printf("  %4zu  %-30s  %-24s  %4d  %3zu  %12s  %12s  %12s  "
				       "%7.2f%%%s%s\n",
				       pt->build + 1, bn, b->first_ts, c->workers, pt->n,
				       fmt_num(m1, sizeof(m1), pt->med),
				       fmt_num(m2, sizeof(m2), lo), fmt_num(m3, sizeof(m3), hi),
				       cov * 100, mark[0] ? "  <- " : "", mark);
				if (html) {
					fprintf(html, "<tr><td>%zu</td><td>", pt->build + 1);
					html_esc(html, bn);
					fprintf(html,
						"</td><td>%s</td><td>%d</td><td>%zu</td><td>%s</"
						"td><td>%s</td>"
						"<td>%s</td><td>%.2f%%</td><td>%s</td></tr>\n",
						b->first_ts, c->workers, pt->n, m1, m2, m3,
						cov * 100, mark);
				}
			}
			free(ch);
		}
		if (html)
			fprintf(html, "</table>\n");
		if (o->out) {
			char dat[4096], gp[4096], png[4096], svg[4096];
			FILE *f;

			snprintf(dat, sizeof(dat), "%s/charts/%s.dat", o->out, base);
			snprintf(gp, sizeof(gp), "%s/charts/%s.gp", o->out, base);
			snprintf(png, sizeof(png), "%s/charts/%s.png", o->out, base);
			snprintf(svg, sizeof(svg), "%s/charts/%s.svg", o->out, base);
			f = fopen(dat, "we");
			if (!f) {
				err("cannot write %s", dat);
				rc = EXIT_INPUT;
				break;
			}
			/* one gnuplot index block per worker count: x, median, lo, hi, label */
			for (size_t k = i; k < j; k++) {
				const struct hcase *c = &h.cases[k];

				fprintf(f, "# workers %d\n", c->workers);
				for (size_t q = 0; q < c->npts; q++) {
					const struct hpoint *pt = &c->pts[q];
					double lo, hi, cov;
					char bn[160];

					fl_median_ci(pt->v, pt->n, o->level, &lo, &hi, &cov);
					snprintf(bn, sizeof(bn), "%zu %s", pt->build + 1,
						 h.builds[pt->build].describe[0]
						     ? h.builds[pt->build].describe
						     : h.builds[pt->build].label);
					for (char *s = bn; *s; s++)
						if (*s == '"')
							*s = '\'';
					fprintf(f, "%zu %.17g %.17g %.17g \"%s\"\n", pt->build + 1,
						pt->med, lo, hi, bn);
				}
				fprintf(f, "\n\n");
			}
			fclose(f);
			f = fopen(gp, "we");
			if (!f) {
				err("cannot write %s", gp);
				rc = EXIT_INPUT;
				break;
			}
			fprintf(f, "set title \"%s\" noenhanced\n", title);
			fprintf(f,
				"set xlabel \"build (in record-timestamp order)\"\n"
				"set ylabel \"%s\" noenhanced\n"
				"set key outside right top\nset grid ytics\n"
				"set xtics rotate by -45 noenhanced font \",8\"\n"
				"set offsets 0.5, 0.5, 0, 0\nset bmargin 9\nset format y "
				"\"%%.3s%%c\"\n",
				o->metric);
			for (size_t k = i; k < j; k++) {
				const struct hcase *c = &h.cases[k];
				struct change *ch = NULL;
				size_t nch =
				    c->npts ? find_changes(o, c, c->npts - 1, h.ncases, &ch) : 0;

				for (size_t z = 0; z < nch; z++)
					fprintf(f,
						"set arrow from %.1f, graph 0 to %.1f, graph 1 "
						"nohead dt 2 "
						"lc rgb \"#c00000\"\n",
						(double)c->pts[ch[z].at].build + 0.5,
						(double)c->pts[ch[z].at].build + 0.5);
				free(ch);
			}
			fprintf(
			    f,
			    "do for [t in \"png svg\"] {\n"
			    "  if (t eq \"png\") { set terminal pngcairo size 1000,560; set "
			    "output \"%s\" } else { set terminal svg size 1000,560 dynamic; set "
			    "output \"%s\" }\n"
			    "  plot ",
			    png, svg);
			for (size_t k = i; k < j; k++)
				fprintf(f,
					"%s\"%s\" index %zu using 1:2:3:4:xtic(5) with yerrorlines "
					"title \"%d worker%s\"",
					k > i ? ", " : "", dat, k - i, h.cases[k].workers,
					h.cases[k].workers == 1 ? "" : "s");
			fprintf(f, "\n  set output\n}\n");
			fclose(f);
			if (have_gnuplot) {
				int g = run_gnuplot(gp);

				if (g == 127) {
					err("gnuplot not found: charts not drawn (tables and data "
					    "files are)");
					have_gnuplot = false;
				} else if (g != 0) {
					err("gnuplot failed on %s", gp);
					rc = EXIT_INPUT;
				} else if (html) {
					fprintf(html, "<figure>");
					copy_file(html, svg);
					fprintf(html, "<figcaption>");
					html_esc(html, title);
					fprintf(
					    html,
					    ": median %s per build, %s CI</figcaption></figure>\n",
					    o->metric, lvl);
				}
			}
			printf("  chart: %s (.svg, .gp, .dat)\n", png);
		}
		printf("\n");
		i = j;
	}
	if (html) {
		fprintf(html, "</section>\n");
		fclose(html);
		printf("report section: %s/sections/history-trend.html\n", o->out);
	}
	hist_free(&h);
	return rc;
}

/* -------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"label", required_argument, NULL, 'l'},
	    {"workload", required_argument, NULL, 'W'},
	    {"variant", required_argument, NULL, 'V'},
	    {"mode", required_argument, NULL, 'M'},
	    {"workers", required_argument, NULL, 'n'},
	    {"metric", required_argument, NULL, 'm'},
	    {"lower-is-better", no_argument, NULL, 'L'},
	    {"higher-is-better", no_argument, NULL, 'H'},
	    {"alpha", required_argument, NULL, 'a'},
	    {"threshold", required_argument, NULL, 't'},
	    {"level", required_argument, NULL, 'c'},
	    {"window", required_argument, NULL, 'k'},
	    {"history", required_argument, NULL, 'y'},
	    {"out", required_argument, NULL, 'o'},
	    {"no-plots", no_argument, NULL, 'P'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct opts o = {.metric = "ops_per_sec",
			 .workers = -1,
			 .alpha = 0.05,
			 .threshold = 2,
			 .level = 0.95,
			 .window = 3,
			 .history = 10};
	const char *cmd;
	char *dbdef = NULL, *end;
	int c, rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return argc < 2 ? EXIT_INPUT : 0;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "export-kcidb"))
		return hs_cmd_export_kcidb(argc - 1, argv + 1);
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'W':
			o.workload = optarg;
			break;
		case 'V':
			o.variant = optarg;
			break;
		case 'M':
			o.mode = optarg;
			break;
		case 'n':
			o.workers = (int)strtol(optarg, &end, 10);
			if (*end || o.workers < 1)
				die_usage("--workers needs a positive number");
			break;
		case 'm':
			o.metric = optarg;
			if (strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012"
					   "3456789_.") != strlen(optarg))
				die_usage("--metric: a field name (letters, digits, _ and .)");
			break;
		case 'L':
			o.direction = -1;
			break;
		case 'H':
			o.direction = 1;
			break;
		case 'a':
			o.alpha = strtod(optarg, &end);
			if (*end || !(o.alpha > 0 && o.alpha < 1))
				die_usage("--alpha needs a number in (0, 1)");
			break;
		case 't':
			o.threshold = strtod(optarg, &end);
			if (*end || !(o.threshold >= 0))
				die_usage("--threshold needs a percentage >= 0");
			break;
		case 'c':
			o.level = strtod(optarg, &end);
			if (*end || !(o.level > 0.5 && o.level < 1))
				die_usage("--level needs a number in (0.5, 1)");
			break;
		case 'k':
			o.window = (int)strtol(optarg, &end, 10);
			if (*end || o.window < 2)
				die_usage("--window needs a number >= 2");
			break;
		case 'y':
			o.history = (int)strtol(optarg, &end, 10);
			if (*end || o.history < 1)
				die_usage("--history needs a number >= 1");
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'P':
			o.no_plots = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			exit(EXIT_INPUT);
		}
	}
	if (!o.db) {
		dbdef = default_db();
		o.db = dbdef;
	}
	if (!strcmp(cmd, "import"))
		rc = cmd_import(&o, argc - optind, argv + optind);
	else {
		if (optind < argc)
			die_usage("%s: unexpected argument '%s'", cmd, argv[optind]);
		if (!strcmp(cmd, "list"))
			rc = cmd_list(&o);
		else if (!strcmp(cmd, "trend"))
			rc = cmd_trend(&o);
		else if (!strcmp(cmd, "changes"))
			rc = cmd_changes(&o);
		else if (!strcmp(cmd, "check"))
			rc = cmd_check(&o);
		else
			die_usage("unknown command '%s'", cmd);
	}
	free(dbdef);
	return rc;
}
