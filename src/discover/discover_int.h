/*
 * discover_int.h - for the discover module's own files: string vectors, name and CPE
 * canonical forms, JSON field access with error places, and the org context writers share.
 */
#ifndef MAMORI_DISCOVER_INT_H
#define MAMORI_DISCOVER_INT_H

#include "base/compat.h"
#include "base/ip.h"
#include "discover/discover.h"

struct cJSON;

/* A growable vector of owned strings. */
struct strv {
	char **v;
	size_t n, cap;
};
void strv_clear(struct strv *s); /* frees the strings, keeps nothing */
/* Appends a copy of p[0..n) unless an equal string is already there. 0 or M_ENOMEM. */
int strv_add_unique(struct strv *s, const char *p, size_t n);

/*
 * Canonical DNS name: trims blanks, lowercases, drops one trailing dot. Writes into out
 * (cap >= 256). Returns true when the result is a valid host name (labels of letters,
 * digits, '-' and '_', 1..63 bytes each, at most 253 in all). *wildcard (may be NULL)
 * tells whether a leading "*." was there; out keeps it, the check skips it.
 */
bool disc_name_canon(const char *p, size_t n, char *out, size_t cap, bool *wildcard);
/* True when name equals domain or ends with "." domain. Both canonical. */
bool disc_name_under(const char *name, const char *domain);

/* CPE 2.3 from a Shodan/Censys string: a 2.3 string padded with '*' to 13 components, or a
 * 2.2 URI ("cpe:/a:v:p:ver") converted. Returns true and fills out (cap >= 256) when the
 * result is a valid CPE 2.3 name. */
bool disc_cpe23_canon(const char *in, char *out, size_t cap);

/* The place an error is reported at: file, line (JSON lines) or -1, and a path prefix. */
struct jplace {
	const char *file;
	long line;
	char path[96]; /* e.g. "[3]" or "services[2]"; "" at top level */
};

/* Fetches obj.key as a string / integer / array. Missing: *out NULL (0 for ints) and 0
 * unless required (then M_EPARSE). JSON null counts as missing. Wrong type, a string
 * that is not UTF-8, an integer out of [lo, hi]: M_EPARSE with the place in e. */
int jget_str(const struct cJSON *obj, const char *key, bool required, const struct jplace *pl,
	     const char **out, struct merr *e);
int jget_int(const struct cJSON *obj, const char *key, bool required, long long lo, long long hi,
	     const struct jplace *pl, long long *out, bool *present, struct merr *e);
int jget_arr(const struct cJSON *obj, const char *key, const struct jplace *pl,
	     const struct cJSON **out, struct merr *e);
/* An ISO 8601 time field (0 when missing). */
int jget_time(const struct cJSON *obj, const char *key, bool required, const struct jplace *pl,
	      int64_t *out, struct merr *e);
/* Reports "FILE:LINE: path.key: msg" (or FILE: path.key: msg). Returns M_EPARSE. */
int jerr(const struct jplace *pl, const char *key, struct merr *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Calls fn for each non-blank line of buf parsed as a JSON object; a line that is not one
 * gives M_EPARSE "FILE:LINE: invalid JSON at byte N of the line". */
typedef int (*jl_line_fn)(const struct cJSON *obj, long line, void *arg);
int jl_each(const char *buf, size_t len, const char *file, jl_line_fn fn, void *arg,
	    struct merr *e);

/* Parses buf as one JSON document; a syntax error gives M_EPARSE at its byte offset. */
int json_parse_doc(const char *buf, size_t len, const char *file, struct cJSON **out,
		   struct merr *e);

/* ---- writers shared by DNS discovery and imports (obs.c) ---- */

struct inv_org;

/* What writers need to know of one organisation: its confirmed names and addresses. */
struct disc_org {
	int64_t id;
	const char *slug;    /* borrowed from the inventory document */
	struct strv domains; /* confirmed domain assets */
	struct strv hosts;   /* confirmed hostname assets */
	struct ipset addrs;  /* confirmed ipv4, ipv6 and cidr assets */
};
int disc_org_init(struct disc_org *o, const struct inv_org *io);
void disc_org_release(struct disc_org *o);
/* True when name is one of the org's domains or under one. */
bool disc_org_owns_name(const struct disc_org *o, const char *name);

enum {
	W_REC_GET,
	W_REC_INS,
	W_REC_UPD,
	W_ASSET_NAME,
	W_ASSET_ADDR,
	W_ASSET_TOUCH,
	W_ASSET_INS,
	W_HYGIENE,
	W_CT_GET,
	W_CT_INS,
	W_CT_UPD,
	W_SVC_GET,
	W_SVC_INS,
	W_SVC_UPD,
	W_SVC_FIRST,
	W_AUDIT,
	W_N
};

/* Prepared statements, made on first use and reused for every row. */
struct disc_w {
	struct store *s;
	struct merr *e;
	struct store_stmt *q[W_N];
};
void dw_init(struct disc_w *w, struct store *s, struct merr *e);
void dw_release(struct disc_w *w);
/*
 * Binds (fmt: 't' text or NULL, 'i' int64) and steps statement i once. Returns 1 with the
 * statement left on its row (*row; the caller reads it then calls stmt_reset), 0 when
 * there was no row (statement reset), or a negative code.
 */
int dw_step(struct disc_w *w, int i, struct store_stmt **row, const char *fmt, ...);
/* As dw_step, for statements whose row (if any) is not needed; *id gets column 0. */
int dw_exec(struct disc_w *w, int i, int64_t *id, const char *fmt, ...);

/*
 * Files kind/value (canonical) as a candidate asset of o from source, with reason as its
 * note, unless the org already has that asset (names: as domain or hostname), in which
 * case only its last_seen moves forward. *is_new says which. Returns 0 or a code.
 */
int dw_candidate(struct disc_w *w, const struct disc_org *o, const char *kind, const char *value,
		 const char *source, const char *reason, int64_t seen, bool *is_new);
/* Writes an audit_log row. */
int dw_audit(struct disc_w *w, int64_t now, const char *actor, const char *action,
	     const char *object, const char *detail);

#endif
