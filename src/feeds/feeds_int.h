/*
 * feeds_int.h - shared by the feed_*.c files only: the import context, the prepared
 * statement cache, the adapter table entry and small JSON/CPE helpers.
 */
#ifndef MAMORI_FEEDS_FEEDS_INT_H
#define MAMORI_FEEDS_FEEDS_INT_H

#include "base/compat.h"

#include <cjson/cJSON.h>
#include <pthread.h>

#include "base/buf.h"

#include "feeds/feeds.h"
#include "feeds/split.h"

/* Statements prepared once per import and reused (the SQL is in feed_common.c). */
enum feeds_st {
	ST_CVE_GET,
	ST_NVD_UPSERT,
	ST_CVE5_INSERT,
	ST_CVE5_FILL,
	ST_SEVERITY,
	ST_REFS_DEL,
	ST_REF_NVD,
	ST_REF_CVE5,
	ST_PROD_DEL,
	ST_PROD_INS,
	ST_KEV_GET,
	ST_KEV_UPSERT,
	ST_KEV_VERSION,
	ST_KEV_FIRST,
	ST_KEV_SEEN,
	ST_EPSS_UPSERT,
	ST_JVN_GET,
	ST_JVN_UPSERT,
	ST_JVN_CPES_GET,
	ST_JVN_CVES_GET,
	ST_JVN_CVES_DEL,
	ST_JVN_CVE_INS,
	ST_PROD_DEL_VP,
	ST_ERR_INS,
	ST_COUNT
};

/* Outcome of storing one record. */
enum { FEEDS_STORED = 0, FEEDS_UNCHANGED = 1, FEEDS_NOT_RECORD = 2 /* header, comment */ };

/* A batch's cve_products rows waiting for its commit (feed_prods.c). */
struct feeds_prods {
	struct buf text; /* "vp\0cve\0origin\0" a row */
	size_t *rows;	 /* offsets into text */
	size_t n, cap;
};

struct feeds_bulk;

/* Multi-row INSERTs (SQLite): the rows of a record's references, or a batch's products, go
 * in one statement of up to FEEDS_MULTI_MAX rows instead of one statement a row; SQLite's
 * per-statement work (cursor open, statement journal, halt) was ~3k of the ~7k instructions
 * of a row. PostgreSQL keeps one row a statement (an ON CONFLICT DO UPDATE there refuses a
 * key twice in one statement). */
#define FEEDS_MULTI_MAX 32
enum feeds_multi { MULTI_REF_NVD, MULTI_REF_CVE5, MULTI_PROD, MULTI_COUNT };

/* The CVE ids an NVD import into an empty cves table has stored (feed_seen.c). */
struct feeds_seen {
	uint64_t *slots; /* id hashes (| 1), 0 empty; open addressing */
	size_t n, cap;
	int64_t version; /* PRAGMA data_version after the emptiness check */
	bool on, recheck;
};

struct feeds_ctx {
	struct store *s;
	const struct feeds_opts *o;
	struct feeds_result *r;
	const char *path; /* as given */
	const char *name; /* "nvd/nvdcve-2016.json.gz": feed_state key and error file */
	struct split *sp; /* the open splitter (array and line feeds) */
	struct store_stmt *st[ST_COUNT];
	struct store_stmt *multi[MULTI_COUNT][FEEDS_MULTI_MAX]; /* [kind][rows - 1] */
	int multi_ok; /* 0 not asked yet, 1 the store takes multi-row INSERTs, -1 not */
	struct feeds_seen seen;
	long long last_offset; /* of the last record stored (checkpoint) */
	/* The adapter's own state for this file (state_size bytes, zeroed; its type is private
	 * to the adapter's file), from before begin until after the feed date is read. */
	void *state;
	/* Products wait for the batch commit (records from the parser threads, whose batch is
	 * rolled back whole on a store error); off when each record has its own savepoint. */
	bool defer_products;
	struct feeds_prods prods;
	/* PostgreSQL: NVD records gathered for COPY, stored at the batch's commit (feed_bulk.c);
	 * NULL on the row path. */
	struct feeds_bulk *bulk;
	/* cve_products_cve was dropped for a bulk load into an empty cve_products (SQLite):
	 * rebuilt before the last commit, or before a row of a stored CVE is deleted. */
	bool prod_index_off;
	/* What the last commit made durable: the counters printed are these after a rollback
	 * (a batch rolled back by a write failure stores nothing, so it counts nothing). */
	long long kept_stored, kept_unchanged, kept_errors, kept_removed;
	/* What earlier runs of this file committed before a --resume (feed_state counts the
	 * whole file). */
	long long base_records, base_errors;
	long long cleared; /* feed_errors rows clear_errors removed */
	/* First store failure while logging a record's error (feed_errors): fails the run. */
	int log_rc;
	struct merr log_e;
	/* A strict adapter's first bad record, logged after the rollback. */
	bool refused;
	struct merr refused_e;
	char refused_cve[32];
};

/* The deferred products: add a row; whether a CVE has rows waiting; insert them all in
 * (vp, cve, origin) order (before the commit); forget them (on rollback); free. */
int feeds_prods_add(struct feeds_prods *p, const char *vp, const char *cve, const char *origin);
bool feeds_prods_has_cve(const struct feeds_prods *p, const char *cve);
int feeds_prods_flush(struct feeds_ctx *c, struct merr *e);
void feeds_prods_drop(struct feeds_prods *p);
void feeds_prods_release(struct feeds_prods *p);
/* The secondary index of cve_products: off for a load into an empty table (in the caller's
 * transaction; a no-op unless the store is SQLite and the table empty), and back on. */
int feeds_prods_index_off(struct feeds_ctx *c, struct merr *e);
int feeds_prods_index_on(struct feeds_ctx *c, struct merr *e);

/* start: on when the store is SQLite and cves is empty (in the import's first transaction);
 * fresh: true when the id is surely not stored (and remembers it), false when it may be (the
 * caller looks); committed: after each commit of this import; end: frees. */
void feeds_seen_start(struct feeds_ctx *c);
bool feeds_seen_fresh(struct feeds_ctx *c, const char *id);
void feeds_seen_committed(struct feeds_ctx *c);
void feeds_seen_end(struct feeds_ctx *c);

/* NVD by COPY (feed_bulk.c): start sets c->bulk when the store has COPY (and creates the
 * staging tables in the import's transaction); nvd gathers a record (FEEDS_STORED, moved
 * to unchanged by flush when it changed nothing); flush stores the batch (before its
 * commit); drop forgets it (rollback); end frees. Into empty cve_refs and cve_products,
 * start also drops their indexes and opens a savepoint, so the file's batches commit as
 * savepoints of one transaction; end then builds the indexes and commits it (a failure
 * there rolls the file back and is returned; rc is the run's, the transaction is committed
 * either way, as the batches before a failed one were). */
int feeds_bulk_start(struct feeds_ctx *c, struct merr *e);
int feeds_bulk_nvd(struct feeds_ctx *c, const struct feeds_cve *cv, struct merr *e);
int feeds_bulk_flush(struct feeds_ctx *c, struct merr *e);
void feeds_bulk_drop(struct feeds_ctx *c);
int feeds_bulk_end(struct feeds_ctx *c, struct merr *e);
/* COPY's binary format (feed_bulk.c): start writes the header into an empty buffer; a row is
 * its field count, then its fields (text: NULL for a NULL); copy adds the trailer and sends
 * the rows to target (none: nothing sent). */
/* CVE 5 by COPY (feed_bulk.c, the bulk started for a CVE 5 file): has says whether a record
 * of the CVE waits in the batch (the caller flushes it before looking the CVE up); cve5
 * gathers a record whose CVE has no row (its row and references; products go on through
 * feeds_store_products). */
bool feeds_bulk_has(struct feeds_ctx *c, const char *id);
int feeds_bulk_cve5(struct feeds_ctx *c, const struct feeds_cve *cv, struct merr *e);
int feeds_bin_start(struct buf *o);
int feeds_bin_row(struct buf *o, int fields);
int feeds_bin_text(struct buf *o, const char *s);
int feeds_bin_copy(struct store *s, const char *target, struct buf *o, struct merr *e);

/* The columns NVD writes in cves and its ON CONFLICT clause (the row and the COPY path):
 * NVD replaces its own columns; a metric NVD lacks keeps the CVE 5 value (CASE). */
#define FEEDS_NVD_COLS_NO_SOURCE                                                   \
	"id, published, last_modified, description, cwe,"                          \
	" cvss4_score, cvss4_vector, cvss4_source, cvss4_severity,"                \
	" cvss3_score, cvss3_vector, cvss3_source, cvss3_version, cvss3_severity," \
	" cvss2_score, cvss2_vector, cvss2_source, cvss2_severity,"                \
	" configurations, vuln_status, severity"
#define FEEDS_NVD_COLS                                                             \
	"id, published, last_modified, description, cwe,"                          \
	" cvss4_score, cvss4_vector, cvss4_source, cvss4_severity,"                \
	" cvss3_score, cvss3_vector, cvss3_source, cvss3_version, cvss3_severity," \
	" cvss2_score, cvss2_vector, cvss2_source, cvss2_severity,"                \
	" configurations, vuln_status, source, severity"
/* The columns a CVE 5 record gives a row of its own (source is 'cve5'), and how it replaces
 * a CVE 5-only row (the row path, feed_common.c, and COPY, feed_bulk.c). */
#define FEEDS_CVE5_COLS                                                            \
	"id, published, last_modified, description, cwe,"                          \
	" cvss4_score, cvss4_vector, cvss4_source, cvss4_severity,"                \
	" cvss3_score, cvss3_vector, cvss3_source, cvss3_version, cvss3_severity," \
	" cvss2_score, cvss2_vector, cvss2_source, cvss2_severity,"                \
	" cve5_affected, cve5_updated, cve5_state, source, severity"
#define FEEDS_CVE5_CONFLICT                                                                  \
	" ON CONFLICT(id) DO UPDATE SET published = excluded.published,"                     \
	" last_modified = excluded.last_modified, description = excluded.description,"       \
	" cwe = excluded.cwe, cvss4_score = excluded.cvss4_score,"                           \
	" cvss4_vector = excluded.cvss4_vector, cvss4_source = excluded.cvss4_source,"       \
	" cvss4_severity = excluded.cvss4_severity, cvss3_score = excluded.cvss3_score,"     \
	" cvss3_vector = excluded.cvss3_vector, cvss3_source = excluded.cvss3_source,"       \
	" cvss3_version = excluded.cvss3_version, cvss3_severity = excluded.cvss3_severity," \
	" cvss2_score = excluded.cvss2_score, cvss2_vector = excluded.cvss2_vector,"         \
	" cvss2_source = excluded.cvss2_source, cvss2_severity = excluded.cvss2_severity,"   \
	" cve5_affected = excluded.cve5_affected, cve5_updated = excluded.cve5_updated,"     \
	" cve5_state = excluded.cve5_state, severity = excluded.severity"
#define FEEDS_NVD_CONFLICT                                                                                                                                      \
	" ON CONFLICT(id) DO UPDATE SET published = excluded.published,"                                                                                        \
	" last_modified = excluded.last_modified, description = excluded.description,"                                                                          \
	" cwe = COALESCE(excluded.cwe, cves.cwe),"                                                                                                              \
	" cvss4_score = CASE WHEN excluded.cvss4_score IS NULL AND cves.source <> 'nvd'"                                                                        \
	"  THEN cves.cvss4_score ELSE excluded.cvss4_score END,"                                                                                                \
	" cvss4_vector = CASE WHEN excluded.cvss4_score IS NULL AND cves.source <> 'nvd'"                                                                       \
	"  THEN cves.cvss4_vector ELSE excluded.cvss4_vector END,"                                                                                              \
	" cvss4_source = CASE WHEN excluded.cvss4_score IS NULL AND cves.source <> 'nvd'"                                                                       \
	"  THEN cves.cvss4_source ELSE excluded.cvss4_source END,"                                                                                              \
	" cvss4_severity = CASE WHEN excluded.cvss4_score IS NULL AND cves.source <> 'nvd'"                                                                     \
	"  THEN cves.cvss4_severity ELSE excluded.cvss4_severity END,"                                                                                          \
	" cvss3_score = CASE WHEN excluded.cvss3_score IS NULL AND cves.source <> 'nvd'"                                                                        \
	"  THEN cves.cvss3_score ELSE excluded.cvss3_score END,"                                                                                                \
	" cvss3_vector = CASE WHEN excluded.cvss3_score IS NULL AND cves.source <> 'nvd'"                                                                       \
	"  THEN cves.cvss3_vector ELSE excluded.cvss3_vector END,"                                                                                              \
	" cvss3_source = CASE WHEN excluded.cvss3_score IS NULL AND cves.source <> 'nvd'"                                                                       \
	"  THEN cves.cvss3_source ELSE excluded.cvss3_source END,"                                                                                              \
	" cvss3_version = CASE WHEN excluded.cvss3_score IS NULL AND cves.source <> 'nvd'"                                                                      \
	"  THEN cves.cvss3_version ELSE excluded.cvss3_version END,"                                                                                            \
	" cvss3_severity = CASE WHEN excluded.cvss3_score IS NULL AND cves.source <> 'nvd'"                                                                     \
	"  THEN cves.cvss3_severity ELSE excluded.cvss3_severity END,"                                                                                          \
	" cvss2_score = CASE WHEN excluded.cvss2_score IS NULL AND cves.source <> 'nvd'"                                                                        \
	"  THEN cves.cvss2_score ELSE excluded.cvss2_score END,"                                                                                                \
	" cvss2_vector = CASE WHEN excluded.cvss2_score IS NULL AND cves.source <> 'nvd'"                                                                       \
	"  THEN cves.cvss2_vector ELSE excluded.cvss2_vector END,"                                                                                              \
	" cvss2_source = CASE WHEN excluded.cvss2_score IS NULL AND cves.source <> 'nvd'"                                                                       \
	"  THEN cves.cvss2_source ELSE excluded.cvss2_source END,"                                                                                              \
	" cvss2_severity = CASE WHEN excluded.cvss2_score IS NULL AND cves.source <> 'nvd'"                                                                     \
	"  THEN cves.cvss2_severity ELSE excluded.cvss2_severity END,"                                                                                          \
	" configurations = excluded.configurations, vuln_status = excluded.vuln_status,"                                                                        \
	" source = CASE WHEN cves.source = 'nvd' THEN 'nvd' ELSE 'nvd+cve5' END," /* the best severity of the columns as they will be (SET sees the old row) */ \
	" severity = COALESCE("                                                                                                                                 \
	"  CASE WHEN excluded.cvss4_score IS NULL AND cves.source <> 'nvd'"                                                                                     \
	"  THEN cves.cvss4_severity ELSE excluded.cvss4_severity END,"                                                                                          \
	"  CASE WHEN excluded.cvss3_score IS NULL AND cves.source <> 'nvd'"                                                                                     \
	"  THEN cves.cvss3_severity ELSE excluded.cvss3_severity END,"                                                                                          \
	"  CASE WHEN excluded.cvss2_score IS NULL AND cves.source <> 'nvd'"                                                                                     \
	"  THEN cves.cvss2_severity ELSE excluded.cvss2_severity END)"

/*
 * A feed adapter: one struct per feed, in the table in feeds.c. Split feeds go through one
 * loop (feeds.c): a producer cuts the next record and parses it (parse: no store, a
 * self-contained record), the loop stores it (store) and commits in batches. The producer
 * is inline (on the importing thread) unless the adapter allows parser threads.
 */
struct feeds_adapter {
	enum feeds_kind kind;
	enum split_mode mode;
	const char *array_key;
	bool one_tx;	/* the whole file in one transaction (KEV, EPSS) */
	bool savepoint; /* a savepoint per record (inline producer) */
	bool json;	/* records are JSON: UTF-8 check at the boundary */
	bool threads;	/* parse may run on parser threads (feed_pipe.c) */
	/* All or nothing (KEV): one bad record refuses the whole file, nothing changes, as
	 * `feeds kev-diff` refuses it; finish may refuse it too (M_EPARSE). */
	bool strict;
	size_t state_size; /* of the adapter's state (c->state) */
	int (*begin)(struct feeds_ctx *c, struct merr *e);
	/* The per-record pair: parse needs no store and gives a self-contained record (*bytes:
	 * its size; the cve id in cve, also on error) that store writes (returning
	 * FEEDS_STORED, FEEDS_UNCHANGED, FEEDS_NOT_RECORD or an error) and rec_free frees. */
	int (*parse)(const struct split_rec *rec, void **out, size_t *bytes, char *cve,
		     size_t cve_cap, struct merr *e);
	int (*store)(struct feeds_ctx *c, void *rec, struct merr *e);
	void (*rec_free)(void *rec);
	int (*finish)(struct feeds_ctx *c, struct merr *e);
	/* The feed's own date (NVD timestamp, KEV dateReleased, EPSS score_date) or NULL. */
	const char *(*date)(struct feeds_ctx *c);
	/* Whole-document feeds (JVN) use this instead of the splitter. */
	int (*file)(struct feeds_ctx *c, const char *p, size_t len, struct merr *e);
};

extern const struct feeds_adapter feeds_nvd_adapter, feeds_cve5_adapter, feeds_kev_adapter,
    feeds_epss_adapter, feeds_jvn_adapter;

/* Returns the prepared statement (reset, bindings cleared), preparing it on first use. */
/* snprintf(out, cap, "%s", s) without the format machinery (~800 instructions a call, called
 * for every reference, product and id of a record). */
static inline void feeds_copy(char *out, size_t cap, const char *s)
{
	size_t n = s ? strnlen(s, cap - 1) : 0;

	memcpy(out, s ? s : "", n);
	out[n] = '\0';
}

struct store_stmt *feeds_stmt(struct feeds_ctx *c, enum feeds_st id, struct merr *e);
/* The most rows one INSERT of that kind takes on this store (1 unless SQLite), and the
 * statement for rows rows (1 <= rows <= that), reset: row k binds at k * columns + 1. */
size_t feeds_multi_max(struct feeds_ctx *c);
struct store_stmt *feeds_stmt_multi(struct feeds_ctx *c, enum feeds_multi kind, size_t rows,
				    struct merr *e);
void feeds_stmts_release(struct feeds_ctx *c);
/* Steps a statement that returns no row. */
int feeds_exec(struct store_stmt *st, struct merr *e);

/* Logs a rejected record to feed_errors and to the result's first errors. */
void feeds_log_error(struct feeds_ctx *c, const struct merr *err, const char *cve);

/* JSON helpers: typed member access with errors naming the field. */
/* cJSON_GetObjectItemCaseSensitive, inline and comparing the first byte before strcmp: the
 * parser thread looked members up so often that the calls were a tenth of its time. */
static inline const cJSON *fj_get(const cJSON *o, const char *key)
{
	const cJSON *c = o ? o->child : NULL;

	for (; c && c->string; c = c->next)
		if (c->string[0] == key[0] && strcmp(c->string, key) == 0)
			return c;
	return NULL;
}
const char *fj_str(const cJSON *o, const char *key);
/* Required string: error unless present, a string, and at most max bytes. */
int fj_req_str(const cJSON *o, const char *key, size_t max, const char **out, struct merr *e);
/* Optional string: absent/null gives NULL; any other non-string type is an error. */
int fj_opt_str(const cJSON *o, const char *key, size_t max, const char **out, struct merr *e);
/* Optional array: absent/null gives NULL; another type is an error. */
int fj_opt_arr(const cJSON *o, const char *key, const cJSON **out, struct merr *e);
int fj_time(const char *field, const char *v, int64_t *out, struct merr *e);
bool feeds_valid_cve_id(const char *s);

/* Appends o's "references" to c->refs: url (required), source_key's string (NVD "source",
 * kept; CVE 5 "name", checked only, since it names the link, not who added it) and tags. */
int feeds_read_refs(const cJSON *o, const char *source_key, bool keep_source, struct feeds_cve *c,
		    struct merr *e);
/* Adds a folded key to c->vps unless present. */
int feeds_cve_add_vp(struct feeds_cve *c, const char *vp);
/* Folds free-text vendor/product names ("Palo Alto Networks", "PAN-OS"). */
int feeds_fold_names(const char *vendor, const char *product, char *out, size_t cap);
/* Appends a distinct "CWE-n" to a comma list. */
void feeds_add_cwe(char *list, size_t cap, const char *cwe);
/* Picks the metric for the score columns from a cvssMetricVxx-style array. */
const char *feeds_severity_for(double score, int major);

/* Stores the CVE's products / references for one origin, deleting the old ones first unless
 * the CVE is fresh (its row did not exist). */
int feeds_store_products(struct feeds_ctx *c, const struct feeds_cve *cv, const char *origin,
			 bool fresh, struct merr *e);
int feeds_store_refs(struct feeds_ctx *c, const struct feeds_cve *cv, const char *origin,
		     bool fresh, struct merr *e);
/* The severity word of the best metric the record has (v4 > v3 > v2), or NULL. */
const char *feeds_best_severity(const struct feeds_cve *c);
/* Binds the 13 metric columns (v4: score vector source severity; v3: score vector source
 * version severity; v2: score vector source severity) from column i; returns the next. */
int feeds_bind_metrics(struct store_stmt *st, int i, const struct feeds_cve *c);
/* Sets cves.severity from the best CVSS present (v4 > v3 > v2). */
int feeds_update_severity(struct feeds_ctx *ctx, const char *id, struct merr *e);

/*
 * cJSON allocations between feeds_arena_begin() and feeds_arena_end(mark) come from a
 * thread-local bump arena and are all released by the end call: free the DOM (cJSON_Delete,
 * cJSON_free) before it. Calls nest. A no-op under ASan.
 */
size_t feeds_arena_begin(void);
/* Installs the arena's cJSON hooks (once per process; feeds_arena_begin calls it too): the
 * import calls it before it starts parser threads. */
void feeds_arena_init(void);
void feeds_arena_end(size_t mark);
/* The count of allocations that missed the arena so far (take it after the begin call). */
size_t feeds_arena_spills(void);
/* cJSON_Delete(doc), or nothing when no allocation has missed the arena since spills was
 * taken: the coming end call then frees the whole tree at once. */
void feeds_arena_delete(cJSON *doc, size_t spills);

/* Frees the calling thread's arena (a thread that parsed records, at its exit). */
void feeds_arena_thread_end(void);

/* The first CVE id in a record, for errors found before the parser could read it. */
void feeds_guess_cve(const char *p, size_t len, char *out, size_t cap);

/* Moves everything a parsed record borrows from its cJSON tree (strings, the printed
 * configurations / affected arrays) into one owned block and frees the tree, so the record
 * can cross to another thread. *bytes receives the record's size. */
int feeds_cve_detach(struct feeds_cve *c, size_t *bytes, struct merr *e);

/* An adapter's parse for struct feeds_cve records: a detached heap record (feeds_cve_free). */
int feeds_cve_parse_owned(int (*parse)(const char *, size_t, struct feeds_cve *, struct merr *),
			  const struct split_rec *rec, void **out, size_t *bytes, char *cve,
			  size_t cve_cap, struct merr *e);
void feeds_cve_free(void *rec);

/* ---- the parser -> store hand-off (feed_queue.c, feed_pipe.c) ---- */

/* One split record, parsed, or an error found while splitting or parsing it. */
struct feeds_item {
	void *rec;	  /* the adapter's parsed record (rc 0), owned by whoever holds the item */
	size_t bytes;	  /* its size, for the queue's byte budget */
	int rc;		  /* 0 or a negative code with detail in e */
	bool from_split;  /* the splitter's error (no record) */
	bool fatal;	  /* the stream is broken: nothing follows */
	long long offset; /* of the record in the decompressed stream */
	long line;
	char cve[32]; /* the record's CVE id when known */
	struct merr e;
};

struct feeds_queue;
/*
 * The hand-off queue, bounded by max_items and by max_bytes of waiting records (the item
 * the consumer waits for always fits). Items come out in sequence order: feeds_queue_push
 * numbers them 0, 1, 2 ... (one producer); several producers number their own with
 * feeds_queue_push_at. rec_free frees records the consumer never took.
 */
int feeds_queue_new(size_t max_items, size_t max_bytes, void (*rec_free)(void *rec),
		    struct feeds_queue **out);
/* Blocks while full. Takes it->rec (NULL afterwards). M_EINTR once cancelled (rec freed). */
int feeds_queue_push(struct feeds_queue *q, struct feeds_item *it);
int feeds_queue_push_at(struct feeds_queue *q, uint64_t seq, struct feeds_item *it);
/* Blocks until the next item in order is there. Returns 1 with it (yours), 0 after the
 * last one. */
int feeds_queue_pop(struct feeds_queue *q, struct feeds_item *it);
/* Producers: no more items (feeds_queue_finish_at: items 0 .. total-1 were pushed).
 * Consumer: stop reading (pushes fail from now on). */
void feeds_queue_finish(struct feeds_queue *q);
void feeds_queue_finish_at(struct feeds_queue *q, uint64_t total);
void feeds_queue_cancel(struct feeds_queue *q);
void feeds_queue_free(struct feeds_queue *q);

#define PIPE_THREADS_MAX 4
struct feeds_pipe {
	struct split *sp;
	const struct feeds_adapter *ad;
	struct feeds_queue *q;
	pthread_mutex_t mu; /* the splitter and the fields below */
	uint64_t next_seq;  /* of the next record split */
	bool done;	    /* the stream ended, broke, or the consumer left */
	int running;	    /* parser threads not yet finished */
	pthread_t th[PIPE_THREADS_MAX];
	int n_th;
	bool mu_init;
};
/* The producer's step, on whichever thread produces: checks UTF-8 (JSON feeds) and parses
 * rec into it (a record, or an error with its place and CVE id). */
void feeds_item_parse(const struct feeds_adapter *ad, const struct split_rec *rec,
		      struct feeds_item *it);
/* Starts threads (1..PIPE_THREADS_MAX) parser threads over sp; pop p->q until it returns
 * 0, then feeds_pipe_stop. */
int feeds_pipe_start(struct feeds_pipe *p, struct split *sp, const struct feeds_adapter *ad,
		     int threads, struct merr *e);
/* Cancels (if still running), joins the threads and frees what is left in the queue. */
void feeds_pipe_stop(struct feeds_pipe *p);

/* A helper thread with its own connection that checkpoints the WAL every 100 ms while an
 * import runs (the importing connection then sets wal_autocheckpoint 0). Start returns
 * M_EUNSUPPORTED when the store is not a SQLite file. Stop does a last pass and joins. */
struct feeds_ckpt {
	struct store *s;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, started;
};
int feeds_ckpt_start(struct store *s, struct feeds_ckpt *k);
void feeds_ckpt_stop(struct feeds_ckpt *k);

/* JVN entries (feed_jvn.c): lifecycle and builders for the XML and JSON parsers. */
int feeds_jvn_init(struct feeds_jvn *j);
void feeds_jvn_release(struct feeds_jvn *j);
int feeds_jvn_add_string(cJSON *arr, const char *s);
int feeds_jvn_add_product(struct feeds_jvn *j, const char *vendor, const char *product,
			  const char *version);
void feeds_jvn_set_severity(struct feeds_jvn *j, const char *v3_word, const char *v2_word);

#endif
