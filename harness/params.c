// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Workload parameters: every --opt KEY=VALUE (and every default) parsed and
 * checked against the workload's typed declaration (bench/workload.h)
 * before anything runs; the typed accessors workloads read them with.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"

const char *fl_param_default_text(const struct fl_param *p, char *buf, size_t len)
{
	switch (p->type) {
	case FL_PT_U64:
		if (p->zero && p->def == 0)
			return p->zero;
		snprintf(buf, len, "%" PRIu64, p->def);
		return buf;
	case FL_PT_INT:
		snprintf(buf, len, "%" PRId64, p->idef);
		return buf;
	case FL_PT_BOOL:
		return p->def ? "1" : "0";
	case FL_PT_ENUM:
	case FL_PT_STR:
		return p->sdef ? p->sdef : "";
	}
	return "";
}

const char *fl_param_type_name(enum fl_param_type t)
{
	static const char *const names[] = {
	    [FL_PT_U64] = "u64",   [FL_PT_INT] = "int",	   [FL_PT_BOOL] = "bool",
	    [FL_PT_ENUM] = "enum", [FL_PT_STR] = "string",
	};

	return (unsigned int)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

const char *fl_param_range_text(const struct fl_param *p, char *buf, size_t len)
{
	size_t n;

	switch (p->type) {
	case FL_PT_U64:
		snprintf(buf, len, "u64 %" PRIu64 "..%" PRIu64 "%s%s", p->min, p->max,
			 p->zero ? " or " : "", p->zero ? p->zero : "");
		break;
	case FL_PT_INT:
		snprintf(buf, len, "int %" PRId64 "..%" PRId64, p->imin, p->imax);
		break;
	case FL_PT_BOOL:
		snprintf(buf, len, "bool (1/0, true/false, yes/no, on/off)");
		break;
	case FL_PT_ENUM:
		n = (size_t)snprintf(buf, len, "one of:");
		for (unsigned int i = 0; p->values && p->values[i].name && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s %s", i ? "," : "",
					      p->values[i].name);
		break;
	case FL_PT_STR:
		snprintf(buf, len, "string");
		break;
	}
	return buf;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	/* Sizes read naturally with binary suffixes: size=4k, len=2M. */
	if (*end) {
		switch (*end) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			return false;
		}
		if (end[1] || v > (UINT64_MAX >> shift))
			return false;
	}
	*out = (uint64_t)v << shift;
	return true;
}

static bool parse_int(const char *s, int64_t *out)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || *s == ' ')
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, uint64_t *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (unsigned int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return true;
		}
	}
	return false;
}

static void enum_names(FILE *f, const struct fl_enum_value *v)
{
	for (unsigned int i = 0; v && v[i].name; i++)
		fprintf(f, "%s%s", i ? ", " : "", v[i].name);
}

/* Parses kv->value by kv->decl; false after a message naming the option. */
static bool parse_value(const struct fl_workload *wl, struct fl_kv *kv, bool is_default)
{
	const struct fl_param *p = kv->decl;
	const char *s = kv->value;
	const char *what = is_default ? "the declared default" : "--opt";

	switch (p->type) {
	case FL_PT_U64:
		if (p->zero && strcmp(s, p->zero) == 0) {
			kv->u = 0;
			return true;
		}
		if (!parse_u64(s, &kv->u)) {
			fprintf(stderr,
				"folio-lab: %s: %s %s=%s: expected an unsigned number (suffix k, "
				"M or G allowed)%s%s\n",
				wl->name, what, p->key, s, p->zero ? " or " : "",
				p->zero ? p->zero : "");
			return false;
		}
		if (p->zero && kv->u == 0)
			return true;
		if (kv->u < p->min || kv->u > p->max) {
			fprintf(stderr,
				"folio-lab: %s: %s %s=%s: out of range %" PRIu64 "..%" PRIu64
				"%s%s\n",
				wl->name, what, p->key, s, p->min, p->max, p->zero ? " or " : "",
				p->zero ? p->zero : "");
			return false;
		}
		return true;
	case FL_PT_INT:
		if (!parse_int(s, &kv->i)) {
			fprintf(stderr, "folio-lab: %s: %s %s=%s: expected a whole number\n",
				wl->name, what, p->key, s);
			return false;
		}
		if (kv->i < p->imin || kv->i > p->imax) {
			fprintf(stderr,
				"folio-lab: %s: %s %s=%s: out of range %" PRId64 "..%" PRId64 "\n",
				wl->name, what, p->key, s, p->imin, p->imax);
			return false;
		}
		return true;
	case FL_PT_BOOL:
		if (!parse_bool(s, &kv->u)) {
			fprintf(stderr,
				"folio-lab: %s: %s %s=%s: expected 1/0, true/false, yes/no or "
				"on/off\n",
				wl->name, what, p->key, s);
			return false;
		}
		return true;
	case FL_PT_ENUM:
		for (unsigned int i = 0; p->values && p->values[i].name; i++) {
			if (strcmp(p->values[i].name, s) == 0) {
				kv->u = i;
				return true;
			}
		}
		fprintf(stderr, "folio-lab: %s: %s %s=%s: expected one of ", wl->name, what, p->key,
			s);
		enum_names(stderr, p->values);
		fputc('\n', stderr);
		return false;
	case FL_PT_STR:
		return true;
	}
	fprintf(stderr, "folio-lab: %s: option %s has no type\n", wl->name, p->key);
	return false;
}

int fl_params_resolve(const struct fl_workload *wl, const char *const *kv, unsigned int nkv,
		      struct fl_kv **out, unsigned int *nout)
{
	unsigned int nd = 0;
	struct fl_kv *ps;

	while (wl->params && wl->params[nd].key)
		nd++;
	ps = calloc(nd + 1, sizeof(*ps));
	if (!ps)
		return FL_EXIT_FAIL;
	*out = ps;
	*nout = nd;
	for (unsigned int i = 0; i < nd; i++) {
		ps[i].decl = &wl->params[i];
		ps[i].key = wl->params[i].key;
		ps[i].value = fl_param_default_text(&wl->params[i], ps[i].def, sizeof(ps[i].def));
		/* A default that its own line refuses is the workload's bug. */
		if (!parse_value(wl, &ps[i], true))
			return FL_EXIT_FAIL;
	}
	for (unsigned int k = 0; k < nkv; k++) {
		const char *eq = strchr(kv[k], '=');
		size_t kl = eq ? (size_t)(eq - kv[k]) : 0;
		unsigned int i;

		if (!eq || !kl) {
			fprintf(stderr, "folio-lab: --opt '%s': expected KEY=VALUE\n", kv[k]);
			return FL_EXIT_USAGE;
		}
		for (i = 0; i < nd; i++)
			if (strlen(ps[i].key) == kl && strncmp(ps[i].key, kv[k], kl) == 0)
				break;
		if (i == nd) {
			fprintf(stderr, "folio-lab: %s has no option '%.*s'; valid:", wl->name,
				(int)kl, kv[k]);
			for (unsigned int j = 0; j < nd; j++)
				fprintf(stderr, " %s", ps[j].key);
			fprintf(stderr, "%s\n", nd ? "" : " (none)");
			return FL_EXIT_USAGE;
		}
		ps[i].value = eq + 1;
		if (!parse_value(wl, &ps[i], false))
			return FL_EXIT_USAGE;
	}
	return 0;
}

static const struct fl_kv *find(const struct fl_ctx *ctx, const char *key, int type)
{
	for (unsigned int i = 0; i < ctx->nparams; i++) {
		const struct fl_kv *kv = &ctx->params[i];

		if (strcmp(kv->key, key) != 0)
			continue;
		if (type >= 0 && (int)kv->decl->type != type)
			break;
		return kv;
	}
	fprintf(stderr, "folio-lab: bug: %s reads option '%s', which it does not declare%s\n",
		ctx->wl->name, key, type >= 0 ? " with that type" : "");
	abort();
}

const char *fl_param_str(const struct fl_ctx *ctx, const char *key)
{
	return find(ctx, key, -1)->value;
}

uint64_t fl_param_u64(const struct fl_ctx *ctx, const char *key)
{
	return find(ctx, key, FL_PT_U64)->u;
}

int64_t fl_param_int(const struct fl_ctx *ctx, const char *key)
{
	return find(ctx, key, FL_PT_INT)->i;
}

bool fl_param_bool(const struct fl_ctx *ctx, const char *key)
{
	return find(ctx, key, FL_PT_BOOL)->u != 0;
}

unsigned int fl_param_enum(const struct fl_ctx *ctx, const char *key)
{
	return (unsigned int)find(ctx, key, FL_PT_ENUM)->u;
}
