/*
 * store.h - the database every module keeps its rows in.
 *
 * A store is opened from a location: a file path (SQLite, the embedded
 * default, WAL mode), "sqlite:PATH", or "postgres://..." (any libpq URI) for shared
 * deployments. Modules talk SQL through the small statement API below so the
 * backend can change; SQL that differs between engines lives in the backend.
 * Placeholders are '?' (the PostgreSQL backend rewrites them to $n).
 * Use "INSERT ... RETURNING id" rather than a last-insert-id call.
 *
 * A store handle is used by one thread at a time (opened without SQLite
 * mutexes); open one per thread.
 */
#ifndef MAMORI_STORE_H
#define MAMORI_STORE_H

#include "base/compat.h"
#include "base/err.h"

struct store;
struct store_stmt;

/* Location used when neither --db nor $MAMORI_DB says otherwise. */
#define STORE_DEFAULT_PATH "./mamori.db"

/*
 * Opens (creating if needed) the store at location and applies pending
 * migrations. Returns 0 and a new handle in *out (free with store_close()),
 * or a negative code with detail in e.
 */
int store_open(const char *location, struct store **out, struct merr *e);
/* As store_open, without applying migrations (for `mamori init --check`). */
int store_open_raw(const char *location, struct store **out, struct merr *e);
/*
 * Opens an existing mamori store for every command but `init` (the CLI's and the web
 * console's opener). Refuses, writing nothing to the file: a missing path (M_ENOTFOUND), a
 * directory, a file that is not SQLite or an SQLite database that is not a mamori store
 * (M_EINVAL), a store with a migration this binary does not know (M_EUNSUPPORTED: made by a
 * newer mamori) and one lacking migrations of this binary (M_EINVAL: run `mamori init`).
 * Messages name the path and say what to do, in Japanese and English.
 */
int store_open_existing(const char *location, struct store **out, struct merr *e);
/*
 * `mamori init`: creates the store when missing, refuses a foreign or newer file as
 * store_open_existing does, runs store_check on an existing store that needs migrating,
 * then applies pending migrations (*applied, may be NULL, receives how many).
 */
int store_init(const char *location, struct store **out, int *applied, struct merr *e);
/*
 * Integrity check of the whole file (SQLite: PRAGMA quick_check, one read pass): 0, or
 * M_ESTORE with the first problem and how to recover. Run it before writing much (imports)
 * and from `mamori store check`; never write into a store that fails it.
 */
int store_check(struct store *s, struct merr *e);
/* The location the store was opened from (path without "sqlite:"). */
const char *store_location(const struct store *s);
void store_close(struct store *s);

/* Applies every migration newer than the store's schema version, each in its
 * own transaction. *applied (may be NULL) receives how many ran. */
int store_migrate(struct store *s, int *applied, struct merr *e);
/* The store's schema version (highest migration applied). */
int store_schema_version(struct store *s);
/* Where the store is, for messages: the SQLite path, or the PostgreSQL URL with its
 * password replaced by ***. */
const char *store_location(const struct store *s);
/* "sqlite" or "postgres". */
const char *store_backend_name(const struct store *s);

/*
 * Transactions. Every transaction takes the write lock at its start (SQLite BEGIN
 * IMMEDIATE): a second writer waits up to the busy timeout (30 s) instead of failing when
 * its read is upgraded to a write. store_begin nests: an inner begin is a savepoint, so a
 * module function can wrap its own multi-row change whether or not its caller
 * already opened a transaction. Every begin is paired with commit or rollback.
 * store_begin_immediate takes the write lock at once (SQLite BEGIN IMMEDIATE)
 * for read-then-write sequences.
 */
int store_begin(struct store *s, struct merr *e);
int store_begin_immediate(struct store *s, struct merr *e);
int store_commit(struct store *s, struct merr *e);
int store_rollback(struct store *s);

/* Runs one or more statements without results. */
int store_exec(struct store *s, const char *sql, struct merr *e);

/* Prepared statements. */
int store_prepare(struct store *s, const char *sql, struct store_stmt **out, struct merr *e);
void stmt_finalize(struct store_stmt *st);
int stmt_reset(struct store_stmt *st);
/* Binds are 1-based, like SQLite. Strings are copied. NULL text binds NULL. */
int stmt_bind_text(struct store_stmt *st, int i, const char *v);
int stmt_bind_textn(struct store_stmt *st, int i, const char *v, size_t len);
/* Binds without a copy: v must stay valid and unchanged until the statement's next
 * reset (import records, which outlive their INSERTs, save a malloc and memcpy per value). */
int stmt_bind_text_static(struct store_stmt *st, int i, const char *v);
int stmt_bind_int64(struct store_stmt *st, int i, int64_t v);
int stmt_bind_double(struct store_stmt *st, int i, double v);
int stmt_bind_null(struct store_stmt *st, int i);
/* Returns 1 when a row is ready, 0 when done, a negative code on error (detail in e). */
int stmt_step(struct store_stmt *st, struct merr *e);
/* Columns are 0-based. Text is borrowed until the next step/reset/finalize;
 * NULL columns give NULL text and 0 numbers. */
const char *stmt_text(struct store_stmt *st, int col);
int64_t stmt_int64(struct store_stmt *st, int col);
double stmt_double(struct store_stmt *st, int col);
bool stmt_is_null(struct store_stmt *st, int col);
int stmt_columns(struct store_stmt *st);
/* Rows changed by the last INSERT/UPDATE/DELETE on this store. */
int64_t store_changes(struct store *s);

/*
 * Tuning without SQL in the callers: what a setting means for the backend (PRAGMAs for
 * SQLite) stays in src/store. Returns 0, or M_EUNSUPPORTED when the backend has nothing to
 * tune; callers go on either way (tuning is never needed for correctness).
 */
enum store_tune {
	STORE_TUNE_READER,	   /* a read-mostly handle: mapped pages, a bigger page cache */
	STORE_TUNE_BULK_ON,	   /* a bulk load: a page cache for a batch, rarer checkpoints */
	STORE_TUNE_BULK_ON_HELPER, /* as BULK_ON, no automatic checkpoints: another handle
				    * runs STORE_TUNE_CHECKPOINT on its own thread */
	STORE_TUNE_BULK_OFF,	   /* back to the settings from before BULK_ON */
	STORE_TUNE_CHECKPOINT,	   /* copy committed pages to the main file; never waits */
	STORE_TUNE_BULK_SORT,	   /* during a bulk load, before an index is built from its
				    * rows: the usual page cache, sorts on temporary files
				    * (memory stays flat); BULK_OFF undoes it */
	STORE_TUNE_CKPT_ELSEWHERE, /* a writer whose commits must stay short: no automatic
				    * checkpoints on this handle; another handle runs
				    * STORE_TUNE_CHECKPOINT */
};
int store_tune(struct store *s, enum store_tune what, struct merr *e);
/* Where a second handle on the same data opens (worker threads, a checkpoint helper), or ""
 * when there is none (an in-memory store, a backend without one). */
void store_peer_location(struct store *s, char *out, size_t cap);
/* What a cache of read results checks before it answers (src/web/cache.c): two values, one
 * of which differs from the last call on this handle whenever the data may have changed since
 * then: another connection committed, in this process or another (SQLite: PRAGMA
 * data_version), or this handle wrote a row (its total changes). M_EUNSUPPORTED when the
 * backend cannot tell cheaply (PostgreSQL): then nothing may be cached. */
int store_data_stamp(struct store *s, int64_t stamp[2], struct merr *e);

/*
 * Wake-ups between processes sharing a store (PostgreSQL LISTEN/NOTIFY; the job queue's idle
 * workers). store_listen subscribes this handle to channel (a plain identifier); store_notify
 * sends one, delivered when the caller's transaction commits (at once outside one);
 * store_wait_notify waits up to timeout_ms for one: 1 when one came (all pending are
 * consumed), 0 on timeout, a negative code when the connection failed. On SQLite listen and
 * wait are M_EUNSUPPORTED (poll instead) and notify does nothing.
 */
int store_listen(struct store *s, const char *channel, struct merr *e);
int store_notify(struct store *s, const char *channel, struct merr *e);
int store_wait_notify(struct store *s, int timeout_ms, struct merr *e);

/*
 * Bulk load (PostgreSQL COPY ... FROM STDIN): target is "table (col, ...)", data the rows in
 * COPY's text format (tab-separated, one row a line, \N for NULL; the caller escapes). Part
 * of the caller's transaction. store_has_copy says whether the backend has it; SQLite has
 * not (M_EUNSUPPORTED): there prepared INSERTs in one transaction are as fast.
 */
bool store_has_copy(struct store *s);
int store_copy_in(struct store *s, const char *target, const char *data, size_t len,
		  struct merr *e);
/* The same in COPY's binary format (data: its header, the rows, its trailer): no escaping,
 * and the server parses no text into numbers. */
int store_copy_in_binary(struct store *s, const char *target, const char *data, size_t len,
			 struct merr *e);

/* Convenience: runs sql (with no parameters) and returns the first column of
 * the first row as an integer in *out (0 when there is no row). */
int store_query_int(struct store *s, const char *sql, int64_t *out, struct merr *e);
/*
 * A filtered list's count or page, the one way the list modules run them (findings, alerts):
 * prepares sql, binds binds[0..n) as texts, then, when limit > 0, limit and offset after them
 * (the SQL ends "LIMIT ? OFFSET ?"). With count: *count is column 0 of the row (a count(*)).
 * Otherwise row(arg, st) for each row until it returns non-zero, which is returned.
 */
int store_query_page(struct store *s, const char *sql, const char *const *binds, int n,
		     int64_t limit, int64_t offset, int64_t *count,
		     int (*row)(void *arg, struct store_stmt *st), void *arg, struct merr *e);

#endif
