/*
 * share.h - information sharing with the ISAC: STIX 2.1 objects stored verbatim in
 * collections, TLP, and the queries the TAXII 2.1 server and the CLI run.
 *
 * An object is kept as the exact bytes it arrived with (its span inside the bundle or
 * TAXII envelope), keyed by (collection, id, version). Each stored row has date_added
 * (microseconds UTC) and a sequence number; (date_added, seq) orders a collection and is
 * the paging cursor. See docs/SHARING.md.
 */
#ifndef MAMORI_SHARE_H
#define MAMORI_SHARE_H

#include "base/compat.h"

#include <sys/types.h>

#include "base/err.h"
#include "store/store.h"

/* TLP levels, least to most restrictive. SHARE_TLP_NONE: no TLP marking. */
enum share_tlp {
	SHARE_TLP_NONE = 0,
	SHARE_TLP_CLEAR,
	SHARE_TLP_GREEN,
	SHARE_TLP_AMBER,
	SHARE_TLP_AMBER_STRICT,
	SHARE_TLP_RED,
};
/* "clear", "green", "amber", "amber+strict", "red" ("" for NONE). */
const char *share_tlp_name(int tlp);
/* Parses a level name, any case, with or without "TLP:", "white" for clear; 0 if unknown. */
int share_tlp_parse(const char *s);
/* The level of a well-known marking id (TLP 1.0 OASIS, TLP 2.0 OASIS, OpenCTI variants), or 0. */
int share_tlp_of_marking_id(const char *id);
/* The OASIS TLP 2.0 marking id of a level (WHITE's TLP 1.0 id for clear when tlp1). */
const char *share_tlp_marking_id(int tlp, bool tlp1);

/* A byte range of one object inside a document. */
struct share_span {
	size_t off;
	size_t len;
};

/*
 * Finds the objects of a STIX bundle, a TAXII envelope, or one bare STIX object in
 * buf: *spans (malloc'd, free it) receives each object's exact byte range. Checks that
 * the document is well-formed JSON, UTF-8, nested at most SHARE_MAX_DEPTH deep.
 * Returns 0, M_EPARSE (offset and message in e) or M_ENOMEM.
 */
#define SHARE_MAX_DEPTH 64
enum share_doc { SHARE_DOC_ENVELOPE = 0, SHARE_DOC_BUNDLE, SHARE_DOC_OBJECT };
int share_spans(const char *buf, size_t len, struct share_span **spans, size_t *n, int *kind,
		struct merr *e);

/*
 * Streaming: the same documents read in chunks from a source, so memory holds one object at a
 * time, never the document. fn gets each object's exact bytes (raw, len; valid JSON and UTF-8)
 * and its offset in the document; raw is NULL for an object longer than SHARE_OBJECT_MAX
 * (skipped, not checked). A bare object must be at most 1 MB. A document that is not
 * well-formed fails with M_EPARSE (offset in e) — possibly after fn saw earlier objects, so
 * a caller that must not act on a bad document reads it twice (share_import does). fn's
 * non-zero return stops the walk and is returned. Accepts exactly what share_spans accepts.
 */
#define SHARE_OBJECT_MAX ((size_t)8 << 20)
struct share_src {
	ssize_t (*read)(void *arg, char *p, size_t n); /* bytes read, 0 at the end, -1 error */
	int (*rewind)(void *arg);		       /* back to the start: 0 or -1 */
	void *arg;
	const char *mem; /* share_src_mem's buffer */
	size_t mem_len, mem_pos;
};
void share_src_fd(struct share_src *src, int fd); /* a seekable file */
void share_src_mem(struct share_src *src, const char *buf, size_t len);
typedef int (*share_stream_fn)(const char *raw, size_t len, size_t off, void *arg);
int share_stream(const struct share_src *src, share_stream_fn fn, void *arg, int *kind,
		 struct merr *e);

/* What validation learns about an object. */
struct share_obj {
	char type[256];
	char id[320];
	char version[48];     /* modified, else created, else "" */
	int64_t version_us;   /* the same in microseconds, 0 when "" */
	char spec_version[8]; /* "2.1" or "2.0" */
	char marking_refs[8][320];
	int n_marking_refs;
	int marking_tlp; /* for a marking-definition: the TLP level it defines, or 0 */
};

/*
 * Parses and validates one STIX 2.1 object (common properties, per-type required
 * properties for the types docs/SHARING.md lists; unknown types and x_ properties are
 * accepted as they are). Fills o. Returns 0 or M_EPARSE with the field and reason in e.
 */
int share_stix_check(const char *raw, size_t len, struct share_obj *o, struct merr *e);

/* STIX patterning. A concrete observable of a positive comparison (=, IN, ISSUBSET for
 * addresses) on ipv4-addr/ipv6-addr (CIDR, normalised), domain-name, url, email-addr or
 * file/artifact/x509-certificate hashes (MD5, SHA-1, SHA-256; any spelling). */
enum share_ioc_kind {
	SHARE_IOC_IP = 1, /* "a.b.c.d/n" or "x::/n" */
	SHARE_IOC_DOMAIN,
	SHARE_IOC_URL,
	SHARE_IOC_EMAIL,
	SHARE_IOC_MD5,
	SHARE_IOC_SHA1,
	SHARE_IOC_SHA256,
};
struct share_ioc {
	int kind;
	char value[2048];
};
typedef int (*share_ioc_fn)(const struct share_ioc *ioc, void *arg);
/* Parses pattern[0..len) against the whole STIX 2.1 pattern grammar; fn (may be NULL) gets
 * each concrete observable. Returns 0, M_EPARSE (e: field "pattern", offset and reason) or
 * fn's non-zero return. */
int share_pattern_parse(const char *pattern, size_t len, share_ioc_fn fn, void *arg,
			struct merr *e);
const char *share_ioc_kind_name(int kind);

/* RFC 3339 UTC timestamp "YYYY-MM-DDTHH:MM:SS[.frac]Z" to microseconds; -1 when invalid.
 * min_frac: fractional digits required (3 for created/modified). */
int64_t share_ts_us(const char *s, int min_frac);
/* Microseconds to "YYYY-MM-DDTHH:MM:SS.ffffffZ" (TAXII date_added). */
void share_fmt_us(int64_t us, char out[40]);
/* A random (version 4, RFC 4122 variant) UUID, "xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx" with N
 * one of 8 9 a b: the id of a new object or status resource. */
void share_uuid4(char out[40]);
/* Now in microseconds UTC ($MAMORI_NOW pins the seconds). */
int64_t share_now_us(void);

/* Collections. */
struct share_collection {
	char id[40];
	char alias[64];
	char title[256];
	char description[1024];
	int tlp;
	int64_t created_at;
	int64_t write_seq; /* bumped by every change to its objects (the page cache's key) */
	char read[512];	   /* comma-separated 'who' entries */
	char write[512];
};
/* Adds a collection (a new UUIDv4 id). read/write: comma-separated entries
 * user:NAME, role:ROLE, org:SLUG, or *. Returns 0, M_EINVAL, M_EEXIST or M_ESTORE. */
int share_collection_add(struct store *s, const struct share_collection *c, int64_t now,
			 struct merr *e);
/* Finds a collection by id or alias. Returns 0 or M_ENOTFOUND. */
int share_collection_get(struct store *s, const char *id_or_alias, struct share_collection *out,
			 struct merr *e);
/* Calls fn for every collection, ordered by alias. */
int share_collection_each(struct store *s, int (*fn)(const struct share_collection *c, void *arg),
			  void *arg, struct merr *e);

/* The principal a read or write is checked for. */
struct share_who {
	const char *user; /* account name, or NULL for the CLI (everything allowed) */
	const char *role; /* "analyst", "member", ... */
	const char *org;  /* the account's organisation slug or NULL */
};
/* May who read (write=false) or write the collection? */
bool share_may(struct store *s, const struct share_collection *c, const struct share_who *who,
	       bool write);
/* May who see an object with this effective TLP level in the collection? */
bool share_tlp_allows(const struct share_collection *c, int tlp, const struct share_who *who);

/* Result of one object of an import. */
struct share_item {
	size_t index; /* the object's position in the document, from 0 */
	char *id;     /* never NULL ("" when the object had none) */
	char version[48];
	bool ok;
	bool existed;  /* ok: identical id and version already stored */
	char *message; /* failure reason "field: message"; NULL when ok */
};
struct share_import_result {
	/* In document order, at most SHARE_STATUS_LIST_MAX successes and as many failures
	 * (the first ones): memory flat in the number of objects. malloc'd, free with
	 * share_import_result_free. The counts below are always complete. */
	struct share_item *items;
	size_t n_items;
	size_t n; /* objects in the document */
	size_t n_ok;
	size_t n_failed;
	size_t n_indicators; /* new indicator versions (the caller may run share_match_run) */
	int64_t date_added;
};
void share_import_result_free(struct share_import_result *r);

/*
 * Imports a bundle, envelope or bare object into collection c: every valid object is
 * stored (one transaction, one date_added for the whole batch), every invalid one is
 * reported in r with its reason, and none is stored half. A document that is not
 * well-formed fails as a whole (M_EPARSE). Returns 0 when the document was read.
 */
#define SHARE_IMPORT_ENVELOPE 1u /* only a TAXII envelope (else M_EINVAL): TAXII POST */
int share_import(struct store *s, const struct share_collection *c, const char *buf, size_t len,
		 unsigned flags, struct share_import_result *r, struct merr *e);
/* The same from a rewindable source (read twice: checked and markings first, then stored),
 * with memory flat in the document's size and object count (one object at a time, and at
 * most 2 x SHARE_STATUS_LIST_MAX results). */
int share_import_src(struct store *s, const struct share_collection *c, const struct share_src *src,
		     unsigned flags, struct share_import_result *r, struct merr *e);
/* Imports a file: MISP JSON (recognised whole, at most SHARE_MISP_MAX bytes) is converted;
 * a STIX bundle, envelope or object is read from memory when small and streamed
 * (share_import_src) when larger than SHARE_OBJECT_MAX. Errors name no file (the caller's). */
#define SHARE_MISP_MAX ((size_t)256 << 20)
int share_import_file(struct store *s, const struct share_collection *c, const char *path,
		      struct share_import_result *r, struct merr *e);

/* A query on a collection's objects (TAXII objects, manifest, versions, export). */
enum share_version_sel { SHARE_V_LAST = 0, SHARE_V_FIRST, SHARE_V_ALL, SHARE_V_AT };
struct share_query {
	int64_t added_after; /* microseconds, -1: none (strictly after) */
	int64_t cursor_date; /* next cursor, -1: none: rows after (cursor_date, cursor_seq) */
	int64_t cursor_seq;
	size_t limit;		   /* 0: no limit */
	const char *ids;	   /* comma-separated match[id], or NULL */
	const char *types;	   /* comma-separated match[type], or NULL */
	const char *spec_versions; /* comma-separated match[spec_version], or NULL */
	int vsel;		   /* enum share_version_sel (several AT versions: ats) */
	int64_t ats[16];
	int n_ats;
	bool vsel_first, vsel_last;  /* combined with AT: also first/last */
	const struct share_who *who; /* TLP filter; NULL: none */
	const char *tlp_only;	     /* console: only this effective level, or NULL */
	const char *text;	     /* console: only objects whose JSON contains it, or NULL */
	size_t offset;		     /* console: rows to skip */
	bool raw_only; /* rows need seq, date_added and raw only (id ... tlp left NULL) */
};
struct share_row {
	int64_t seq;
	int64_t date_added;
	const char *id;
	const char *type;
	const char *version;
	const char *spec_version;
	const char *tlp; /* effective level name */
	const char *raw;
	size_t raw_len;
};
/*
 * Calls fn for each matching row in (date_added, seq) order, at most limit rows;
 * *more is set when another row would follow. fn's strings are valid during the call.
 */
int share_query_run(struct store *s, const struct share_collection *c, const struct share_query *q,
		    int (*fn)(const struct share_row *row, void *arg), void *arg, bool *more,
		    struct merr *e);

/* A query with no filter; vsel SHARE_V_LAST (TAXII's default) or SHARE_V_ALL. */
void share_query_init(struct share_query *q, int vsel);
/*
 * Applies one TAXII query parameter (added_after, limit, next, match[id|type|version|
 * spec_version]) to q; val must stay valid while q is used. *known is false for other
 * keys (ignored by the caller). Returns 0 or M_EINVAL with the parameter as e's field.
 * limit is clamped to SHARE_LIMIT_MAX.
 */
#define SHARE_LIMIT_MAX 1000
int share_query_param(struct share_query *q, const char *key, const char *val, bool *known,
		      struct merr *e);
/* The opaque paging token after a row, and its parser (M_EINVAL when malformed). */
void share_next_fmt(int64_t date_added, int64_t seq, char out[48]);
int share_next_parse(const char *s, int64_t *date_added, int64_t *seq);

/* Records the TAXII status resource of an import (complete, per-object successes and
 * failures, each list naming at most SHARE_STATUS_LIST_MAX objects; the counts are always
 * complete); its new id goes to id_out. Statuses older than 7 days are dropped. */
#define SHARE_STATUS_LIST_MAX 10000
int share_status_put(struct store *s, const struct share_collection *c, const char *owner,
		     int64_t request_us, const struct share_import_result *r, char id_out[40],
		     struct merr *e);
/* The status resource JSON (malloc'd in *json) of id if owner (NULL: anyone) posted it;
 * M_ENOTFOUND otherwise. */
int share_status_get(struct store *s, const char *id, const char *owner, char **json,
		     struct merr *e);

/* Deletes the versions of id matching q's version/spec_version selectors. Returns the count
 * in *deleted. */
int share_object_delete(struct store *s, const struct share_collection *c, const char *id,
			const struct share_query *q, int64_t *deleted, struct merr *e);

/* Per-consumer TLP 1.0 output (a tool that rejects TLP 2.0). */
int share_consumer_set(struct store *s, const char *user, bool tlp1, struct merr *e);
bool share_consumer_tlp1(struct store *s, const char *user);
/* Rewrites, in place, the OASIS TLP 2.0 marking ids in an object's bytes to their TLP 1.0
 * equivalents (same length). Returns the number replaced. */
int share_tlp1_rewrite(char *raw, size_t len);

/* ---- TAXII client (remote.c) ---- */

struct share_remote {
	char name[64];
	char url[1024];		/* the partner's API root */
	char collection[256];	/* the partner's collection id */
	char into[64];		/* local collection alias ("" at add: NAME, created if missing) */
	char user[128];		/* HTTP Basic user, "" for none */
	char password_env[128]; /* environment variable holding the password */
	char cacert[1024];	/* CA file to verify the partner's certificate; "" system CAs */
	char added_after[64];	/* pull cursor */
	char next[512];		/* pull cursor inside an unfinished walk */
	int64_t push_date, push_seq;
};
int share_remote_add(struct store *s, const struct share_remote *r, struct merr *e);
struct share_pull_stats {
	int64_t pages, objects, stored, refused, indicators;
};
/* Pulls every object added since the stored cursor, page by page (next followed, cursor
 * saved with each page in one transaction), into the remote's local collection. */
int share_pull(struct store *s, const char *name, struct share_pull_stats *st, struct merr *e);
/* Pushes local objects added since the last push to the partner's collection (envelopes of
 * 500), recording the cursor after each accepted envelope. */
int share_push(struct store *s, const char *name, struct share_pull_stats *st, struct merr *e);
/* Sends mamori's own sightings (those share_match stored, operator-anonymised: no
 * where_sighted_refs, no observed value, TLP:RED) in the remote's local collection, added since
 * the last send, to the partner's collection — never objects pulled from anyone. */
int share_push_sightings(struct store *s, const char *name, struct share_pull_stats *st,
			 struct merr *e);

/* ---- MISP (misp.c) ---- */

/* True when buf is MISP JSON ({"response": ...} or {"Event": ...}). */
bool share_misp_detect(const char *buf, size_t len);
/* Converts MISP event JSON (events, or a bare attribute list) into a TAXII envelope of STIX
 * objects (*envelope malloc'd): grouping per event, identity per creator org, indicator per
 * attribute of a supported type (ip-src/ip-dst, domain, hostname, url, md5, sha1, sha256,
 * email-src/email-dst, filename|md5/sha1/sha256), x-misp-attribute / x-misp-object for the
 * rest; tlp: tags become TLP 2.0 markings, galaxy clusters labels. */
int share_misp_to_stix(const char *buf, size_t len, char **envelope, struct merr *e);
/* A collection as MISP JSON (*out malloc'd): the events kept from MISP imports, and
 * attributes rebuilt from simple indicators. */
int share_misp_export(struct store *s, const struct share_collection *c, char **out,
		      struct merr *e);

/* ---- indicators against what mamori sees (match.c) ---- */

/* Adds the concrete observables of a stix indicator's pattern to the match index. */
int share_index_indicator(struct store *s, const char *coll_id, const char *raw, size_t len,
			  struct merr *e);
struct share_match_stats {
	int64_t observed;  /* addresses and names looked up */
	int64_t hits;	   /* (observed, indicator) pairs found */
	int64_t sightings; /* new sightings stored */
	int64_t alerts;	   /* new urgent alerts */
};
/*
 * Looks up every address and name mamori knows of the operators (confirmed inventory assets,
 * identified services, DNS discovery records, open scan observations, passive (Shodan/Censys)
 * services and their hostnames, SNS posts' hostnames and URLs) in the match index:
 * exact addresses, CIDR networks, domains and their subdomains, URL hosts. A new hit stores a
 * STIX sighting (TLP:RED, no operator named) in the indicator's collection and raises one
 * urgent alert per (operator, indicator) with the indicator, its source and TLP. ack_base:
 * console URL for the alert's ack link, or NULL.
 */
int share_match_run(struct store *s, int64_t now, const char *ack_base,
		    struct share_match_stats *st, struct merr *e);
/*
 * The hook the modules that store observations call after they commit (scan, identify,
 * discover, SNS import): matches only the rows stored since the last run (a row id mark per
 * table, 0865), so it costs in proportion to what is new. st may be NULL. Must be called
 * outside a transaction. share_match_run moves the marks too.
 */
int share_match_new(struct store *s, int64_t now, const char *ack_base,
		    struct share_match_stats *st, struct merr *e);

/* ---- scheduled pulls and sightings sent back (remote.c) ---- */

/* One round with a partner: pull, match new indicators, send the sightings back. */
struct share_sync_stats {
	struct share_pull_stats pulled, sent;
	struct share_match_stats matched;
};
int share_sync(struct store *s, const char *name, int64_t now, const char *ack_base,
	       struct share_sync_stats *st, struct merr *e);
/* Scheduled pulls through the job module: a remote with a pull interval (seconds) is pulled
 * once per period (floor(now / interval)) by a "share-pull" job whose idempotency key names the
 * period; each job queues the next period's (not before its start) before it pulls. */
int share_remote_set_interval(struct store *s, const char *name, int64_t interval, int64_t now,
			      struct merr *e);
/* Queues this period's pull of every remote with an interval not pulled yet (serve's start). */
int share_pull_schedule(struct store *s, int64_t now, struct merr *e);
struct job_ctx;
struct cJSON;
int share_pull_job(struct job_ctx *x, struct store *s, const struct cJSON *payload, struct merr *e);

/* ---- assembled TAXII pages kept in memory (pagecache.c) ---- */
/* The caller's audience class in c: bit t set when it may see TLP level t (every level for
 * who NULL). Two callers with the same class see exactly the same rows of any query. */
unsigned share_audience(const struct share_collection *c, const struct share_who *who);
/* The cache key of a page: c's id and default TLP, the audience, kind (the caller's page
 * kind), the TLP 1.0 rewrite and every field of q. Free with m_free; NULL: not cached. */
char *share_page_key(const struct share_collection *c, const struct share_query *q,
		     unsigned audience, int kind, bool tlp1);
/* A refcounted page: its body and X-TAXII-Date-Added-First/Last. */
struct share_page;
/* The page cached under key if it was built at c->write_seq (a reference the caller
 * releases with share_page_unref), else NULL (a stale entry is dropped). */
struct share_page *share_page_get(const char *key, int64_t write_seq);
/* Wraps body (m_malloc'd, len bytes; taken) as a page and caches it under key (taken; NULL:
 * not cached) at write_seq, the sequence read BEFORE the rows were (so a page is never
 * labelled newer than it is). Returns the caller's reference, or NULL without memory. */
struct share_page *share_page_put(char *key, int64_t write_seq, char *body, size_t len,
				  const char *first, const char *last);
const char *share_page_body(const struct share_page *p, size_t *len);
const char *share_page_first(const struct share_page *p);
const char *share_page_last(const struct share_page *p);
/* Releases a reference (void *: usable as a free callback). */
void share_page_unref(void *page);
#define SHARE_PAGE_CACHE_DEFAULT ((size_t)32 << 20)
/* The cache's size in bytes (0: off; entries larger than a quarter are never kept). */
void share_page_cache_limit(size_t bytes);
struct share_page_stats {
	size_t hits, misses, stale, evicted, entries, bytes;
};
void share_page_cache_stats(struct share_page_stats *out);

#endif
