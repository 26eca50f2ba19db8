/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * folio-lab-history: every kernel build's records in one SQLite file,
 * trends, change points, a gate on the newest build, and a KCIDB export.
 */
#ifndef FOLIO_LAB_HISTORY_H
#define FOLIO_LAB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* One record of a results directory, the fields the history needs. */
struct hs_rec {
	struct json_object *obj; /* the whole record */
	const char *run_id, *timestamp, *workload, *variant, *kernel, *release, *mode, *placement,
	    *where, *accel;
	char *params; /* canonical "k=v k=v", sorted by key */
	int workers, rep;
	double t;	    /* timestamp as seconds since the epoch */
	double ops_per_sec; /* NAN when absent */
	double duration_s;  /* NAN when absent */
	size_t build;	    /* index into hs_dir.builds */
	const char *line;   /* the line as read */
};

/*
 * A build: one kernel label (and release) of one run, identified by its
 * provenance. Strings are "" when unknown.
 */
struct hs_build {
	const char *label, *release;
	const char *describe, *commit, *config_hash, *tree, *lab_version, *cpu_model, *where,
	    *accel, *scheme;
	char *run;		  /* meta's run_id, else the earliest record run_id */
	char *key;		  /* the identity: label, release, describe, commit, config, run */
	struct json_object *meta; /* meta.json's entry for the label, or NULL */
	double t0, t1;		  /* earliest and latest record timestamp */
	char first_ts[40], last_ts[40];
	size_t nrecs;
};

struct hs_dir {
	char *path;
	struct json_object *meta; /* NULL without meta.json */
	struct hs_rec *recs;
	size_t nrecs;
	struct hs_build *builds;
	size_t nbuilds;
	char *text; /* samples.jsonl, lines NUL-terminated in place */
};

/* Loads DIR/samples.jsonl (+ meta.json); prints why and returns -1 on any bad input. */
int hs_dir_load(struct hs_dir *d, const char *path);
void hs_dir_free(struct hs_dir *d);
/* ISO 8601 UTC ("2026-11-25T22:14:08.038Z") -> seconds since the epoch; NAN if not one. */
double hs_parse_time(const char *s);
/* Seconds since the epoch -> "2026-11-25T22:14:08.038Z" */
void hs_format_time(double t, char *buf, size_t size);

int hs_cmd_export_kcidb(int argc, char **argv);

#endif /* FOLIO_LAB_HISTORY_H */
