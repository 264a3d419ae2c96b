/* sqlite.c - the embedded SQLite backend (WAL, foreign keys, busy timeout). */
#include "base/compat.h"

#include <pthread.h>
#include <string.h>
#include <sqlite3.h>

#include "base/hash.h"
#include "base/mem.h"
#include "store/store_int.h"

struct sq_stmt {
	struct store_stmt base;
	sqlite3_stmt *st;
	uint64_t hash; /* of the SQL text, for the cache */
};

/* Finished statements are kept (reset, bindings cleared) and handed out again for the same
 * SQL text: preparing costs more than running most of the short queries a web request makes,
 * and every caller keeps its simple prepare … finalize shape. */
#define SQ_CACHE 32

struct sq_db {
	sqlite3 *db;
	struct sq_stmt *cache[SQ_CACHE];
	unsigned next;			     /* slot to evict when the cache is full */
	int64_t saved_cache, saved_autockpt; /* before STORE_TUNE_BULK_ON */
	bool bulk;
	bool sort_file; /* temp_store is FILE for a bulk load (BULK_ON), MEMORY again after */
	sqlite3_stmt *data_version; /* PRAGMA data_version, kept for sq_data_stamp */
};

static sqlite3 *db_of(struct store *s)
{
	return ((struct sq_db *)s->impl)->db;
}

/* What a person can do about an SQLite failure, in both languages; "" when nothing useful. */
static const char *sq_hint(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return " (another process holds the write lock and did not release it in time;"
		       " retry when it has finished / 他のプロセスが書き込み中です。終了後に再実行"
		       "してください)";
	case SQLITE_FULL:
		return " (the disk is full: free space and run the command again; nothing of the"
		       " failed transaction was stored / ディスクが一杯です)";
	case SQLITE_IOERR: return " (write failed: check the disk / 書き込みに失敗しました)";
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return " (the store is damaged: run `mamori store check`, restore a backup or"
		       " re-import into a new store / ストアが破損しています)";
	case SQLITE_READONLY: return " (the store is read-only / ストアが読み取り専用です)";
	default: return "";
	}
}

/* "PATH: message (hint)": the store's path, never an internal word such as "step". */
static int sq_err(struct store *s, struct merr *e, int rc, const char *what)
{
	const char *m = s && s->impl ? sqlite3_errmsg(db_of(s)) : sqlite3_errstr(rc);
	int code = (rc & 0xff) == SQLITE_CONSTRAINT ? M_EEXIST : M_ESTORE;
	(void)what;
	return merr_set(e, code, "%s: %s%s", s ? s->location : "store", m, sq_hint(rc));
}

/* SQLite's memory statistics take a process-wide mutex on every allocation: with one
 * connection per thread (web workers, feed import threads) that mutex is contended and the
 * statistics are never read. Must run before SQLite initialises, once per process. */
static void sq_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* How long a statement waits for another process's write lock: 30 s, or
 * $MAMORI_BUSY_TIMEOUT_MS (0 to 600,000; tests and impatient operators). */
static int busy_timeout_ms(void)
{
	const char *v = getenv("MAMORI_BUSY_TIMEOUT_MS");
	char *end = NULL;
	long n;

	if (!v || !*v)
		return 30000;
	n = strtol(v, &end, 10);
	return *end || n < 0 || n > 600000 ? 30000 : (int)n;
}

static int sq_open(struct store *s, const char *path, bool create, struct merr *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	sqlite3 *db = NULL;
	struct sq_db *h;
	int rc;

	pthread_once(&once, sq_configure);
	if (!(h = m_calloc(1, sizeof(*h))))
		return merr_set(e, M_ENOMEM, "out of memory opening the store");
	rc = sqlite3_open_v2(
	    path, &db,
	    SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		merr_set(e, M_ESTORE, "%s: cannot open: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		m_free(h);
		return M_ESTORE;
	}
	h->db = db;
	s->impl = h;
	sqlite3_busy_timeout(db, busy_timeout_ms());
	sqlite3_extended_result_codes(db, 1);
	/* Per-connection settings only: they write nothing to the file. */
	rc =
	    sqlite3_exec(db, "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		merr_set(e, M_ESTORE, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		m_free(h);
		s->impl = NULL;
		return M_ESTORE;
	}
	return 0;
}

/* Once the file is known to be a mamori store (or a new one): page_size only takes effect on
 * a new, empty file (before WAL writes the header): 16 KiB pages mean fewer pages, page
 * writes and b-tree splits per feed record (about 20 % less import CPU measured on NVD), and
 * SQLite ignores it for existing stores. WAL is persistent; synchronous is per connection. */
static int sq_setup(struct store *s, struct merr *e)
{
	int rc = sqlite3_exec(db_of(s),
			      "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
			      " PRAGMA synchronous=NORMAL;",
			      NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_err(s, e, rc, "setup");
}

/* PRAGMA quick_check: b-tree structure, page and record format, NOT NULL and CHECK
 * constraints (not UNIQUE or foreign keys), in one pass over the file. */
static int sq_check(struct store *s, struct merr *e)
{
	sqlite3_stmt *st = NULL;
	char first[300] = "";
	int rc, problems = 0;

	rc = sqlite3_prepare_v2(db_of(s), "PRAGMA quick_check(20)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_err(s, e, rc, "check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t && strcmp(t, "ok") != 0 && problems++ == 0)
			snprintf(first, sizeof(first), "%s", t);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sq_err(s, e, rc, "check");
	if (problems)
		return merr_set(e, M_ESTORE,
				"%s: the store is damaged (PRAGMA quick_check: %d problem%s, first:"
				" %s). Nothing was written. Recover: restore the last backup, or"
				" `sqlite3 %s .recover | sqlite3 NEW.db`, then `mamori --db NEW.db"
				" init` and re-import the feeds / ストアが破損しています。"
				"バックアップから復元するか、新しいストアに再取り込みしてください",
				s->location, problems, problems == 1 ? "" : "s", first,
				s->location);
	return 0;
}

static void sq_close(struct store *s)
{
	struct sq_db *h = s->impl;

	for (size_t i = 0; i < SQ_CACHE; i++)
		if (h->cache[i]) {
			sqlite3_finalize(h->cache[i]->st);
			m_free(h->cache[i]);
		}
	sqlite3_finalize(h->data_version);
	sqlite3_close_v2(h->db);
	m_free(h);
	s->impl = NULL;
}

static int sq_exec(struct store *s, const char *sql, struct merr *e)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db_of(s), sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int code = (rc & 0xff) == SQLITE_CONSTRAINT ? M_EEXIST : M_ESTORE;
		merr_set(e, code, "%s: %s%s", s->location, msg ? msg : sqlite3_errstr(rc),
			 sq_hint(rc));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

static struct sq_stmt *S(struct store_stmt *st)
{
	return (struct sq_stmt *)st;
}

/* Back into the cache (evicting the slot in turn when it is full), or really finalized. */
static void st_finalize(struct store_stmt *st)
{
	struct sq_db *h = st->store->impl;
	struct sq_stmt *old;
	size_t i;

	sqlite3_reset(S(st)->st);
	sqlite3_clear_bindings(S(st)->st);
	for (i = 0; i < SQ_CACHE && h->cache[i]; i++)
		;
	if (i == SQ_CACHE) {
		i = h->next++ % SQ_CACHE;
		old = h->cache[i];
		sqlite3_finalize(old->st);
		m_free(old);
	}
	h->cache[i] = S(st);
}

static int st_reset(struct store_stmt *st)
{
	sqlite3_reset(S(st)->st);
	sqlite3_clear_bindings(S(st)->st);
	return 0;
}

static int bind_rc(int rc)
{
	return rc == SQLITE_OK ? 0 : (rc == SQLITE_NOMEM ? M_ENOMEM : M_ESTORE);
}

static int st_bind_text(struct store_stmt *st, int i, const char *v, size_t len)
{
	return bind_rc(sqlite3_bind_text64(S(st)->st, i, v, len, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int st_bind_text_static(struct store_stmt *st, int i, const char *v, size_t len)
{
	return bind_rc(sqlite3_bind_text64(S(st)->st, i, v, len, SQLITE_STATIC, SQLITE_UTF8));
}

static int st_bind_int64(struct store_stmt *st, int i, int64_t v)
{
	return bind_rc(sqlite3_bind_int64(S(st)->st, i, v));
}

static int st_bind_double(struct store_stmt *st, int i, double v)
{
	return bind_rc(sqlite3_bind_double(S(st)->st, i, v));
}

static int st_bind_null(struct store_stmt *st, int i)
{
	return bind_rc(sqlite3_bind_null(S(st)->st, i));
}

static int st_step(struct store_stmt *st, struct merr *e)
{
	int rc = sqlite3_step(S(st)->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	rc = sq_err(st->store, e, rc, "step");
	sqlite3_reset(S(st)->st);
	return rc;
}

static const char *st_text(struct store_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(S(st)->st, col);
}

static int64_t st_int64(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(S(st)->st, col);
}

static double st_double(struct store_stmt *st, int col)
{
	return sqlite3_column_double(S(st)->st, col);
}

static bool st_is_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(S(st)->st, col) == SQLITE_NULL;
}

static int st_columns(struct store_stmt *st)
{
	return sqlite3_column_count(S(st)->st);
}

static const struct store_stmt_ops sq_stmt_ops = {
    .finalize = st_finalize,
    .reset = st_reset,
    .bind_text = st_bind_text,
    .bind_text_static = st_bind_text_static,
    .bind_int64 = st_bind_int64,
    .bind_double = st_bind_double,
    .bind_null = st_bind_null,
    .step = st_step,
    .text = st_text,
    .int64 = st_int64,
    .dbl = st_double,
    .is_null = st_is_null,
    .columns = st_columns,
};

static int sq_prepare(struct store *s, const char *sql, struct store_stmt **out, struct merr *e)
{
	struct sq_db *h = s->impl;
	uint64_t hash = hash_str(sql);
	struct sq_stmt *st;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < SQ_CACHE; i++) {
		st = h->cache[i];
		if (st && st->hash == hash && strcmp(sqlite3_sql(st->st), sql) == 0) {
			h->cache[i] = NULL;
			*out = &st->base;
			return 0;
		}
	}
	if (!(st = m_calloc(1, sizeof(*st))))
		return merr_set(e, M_ENOMEM, "out of memory preparing a statement");
	st->hash = hash;
	rc = sqlite3_prepare_v3(db_of(s), sql, -1, SQLITE_PREPARE_PERSISTENT, &st->st, NULL);
	if (rc != SQLITE_OK) {
		m_free(st);
		return sq_err(s, e, rc, "prepare");
	}
	st->base.ops = &sq_stmt_ops;
	st->base.store = s;
	*out = &st->base;
	return 0;
}

static int64_t sq_changes(struct store *s)
{
	return sqlite3_changes64(db_of(s));
}

/* PRAGMA data_version changes when another connection (of any process) committed since the
 * last time it was read on this one; this connection's own writes show in its total changes.
 * The pragma opens a read transaction, so it sees the newest commit. */
static int sq_data_stamp(struct store *s, int64_t stamp[2], struct merr *e)
{
	struct sq_db *h = s->impl;
	int rc;

	if (!h->data_version &&
	    (rc = sqlite3_prepare_v2(h->db, "PRAGMA data_version", -1, &h->data_version, NULL)))
		return sq_err(s, e, rc, "PRAGMA data_version");
	rc = sqlite3_step(h->data_version);
	stamp[0] = rc == SQLITE_ROW ? sqlite3_column_int64(h->data_version, 0) : -1;
	sqlite3_reset(h->data_version);
	if (rc != SQLITE_ROW)
		return sq_err(s, e, rc, "PRAGMA data_version");
	stamp[1] = sqlite3_total_changes64(h->db);
	return 0;
}

static int sq_query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_OK || rc == SQLITE_DONE) {
		rc = SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	return rc;
}

#define BULK_CACHE_KB "16384"  /* 16 MB page cache during a bulk load */
#define BULK_CKPT_PAGES "8192" /* checkpoint every 32 MB of WAL during a bulk load */

/*
 * READER: reads from a few hot pages spread over a large table (a filtered findings page
 * looks up ~2,000 rows to sort them): mapped pages cost no pread() copy each, and a bigger
 * cache keeps the indices. BULK_ON: a page cache that holds a batch's b-tree pages (fewer
 * re-reads), checkpoints every 32 MB of WAL or, with a helper, on the helper's thread.
 * Durability is unchanged: synchronous stays as sq_open set it, and a checkpoint is
 * SQLite's own, whoever runs it.
 */
static int sq_tune(struct store *s, enum store_tune what, struct merr *e)
{
	struct sq_db *h = s->impl;
	char sql[128];

	switch (what) {
	case STORE_TUNE_READER:
		return sq_exec(s, "PRAGMA mmap_size=268435456; PRAGMA cache_size=-16384", e);
	case STORE_TUNE_BULK_ON:
	case STORE_TUNE_BULK_ON_HELPER:
		if (h->bulk)
			return 0;
		if (sq_query_int(h->db, "PRAGMA cache_size", &h->saved_cache) ||
		    sq_query_int(h->db, "PRAGMA wal_autocheckpoint", &h->saved_autockpt))
			return sq_err(s, e, SQLITE_ERROR, "reading the settings");
		if (sq_exec(s,
			    what == STORE_TUNE_BULK_ON_HELPER
				? "PRAGMA cache_size = -" BULK_CACHE_KB
				  "; PRAGMA wal_autocheckpoint = 0"
				: "PRAGMA cache_size = -" BULK_CACHE_KB
				  "; PRAGMA wal_autocheckpoint = " BULK_CKPT_PAGES,
			    e))
			return M_ESTORE;
		h->bulk = true;
		/* an index built from the loaded rows sorts on files (STORE_TUNE_BULK_SORT) */
		if (sq_exec(s, "PRAGMA temp_store = FILE", NULL) == 0)
			h->sort_file = true;
		return 0;
	case STORE_TUNE_BULK_SORT:
		/* The sorter holds max(4 MB, page cache) at a time on files (temp_store is FILE
		 * during a bulk load, set at BULK_ON: SQLite refuses the change inside a
		 * transaction): with sq_open's temp_store=MEMORY a CREATE INDEX over 387k rows
		 * sorted all of them in memory, 29 MB. */
		if (!h->bulk)
			return 0;
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = %lld", (long long)h->saved_cache);
		return sq_exec(s, sql, e) ? M_ESTORE : 0;
	case STORE_TUNE_BULK_OFF:
		if (h->sort_file && sq_exec(s, "PRAGMA temp_store = MEMORY", e) == 0)
			h->sort_file = false;
		if (!h->bulk)
			return 0;
		h->bulk = false;
		snprintf(sql, sizeof(sql),
			 "PRAGMA cache_size = %lld; PRAGMA wal_autocheckpoint = %lld",
			 (long long)h->saved_cache, (long long)h->saved_autockpt);
		return sq_exec(s, sql, e);
	case STORE_TUNE_CKPT_ELSEWHERE: return sq_exec(s, "PRAGMA wal_autocheckpoint = 0", e);
	case STORE_TUNE_CHECKPOINT: /* PASSIVE: copies what is committed, never waits */
		return sq_exec(s, "PRAGMA wal_checkpoint(PASSIVE)", e);
	}
	return merr_set(e, M_EINVAL, "unknown store tuning %d", (int)what);
}

static void sq_peer_location(struct store *s, char *out, size_t cap)
{
	const char *f = sqlite3_db_filename(db_of(s), "main");
	snprintf(out, cap, "%s", f ? f : ""); /* "" for :memory: and temporary databases */
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .setup = sq_setup,
    .check = sq_check,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .changes = sq_changes,
    .tune = sq_tune,
    .data_stamp = sq_data_stamp,
    .peer_location = sq_peer_location,
    /* Every transaction mamori opens writes: take the write lock at BEGIN, so a second
     * writer waits in the busy handler instead of failing when its deferred read
     * transaction cannot be upgraded (SQLITE_BUSY_SNAPSHOT skips the busy handler). */
    .begin_sql = "BEGIN IMMEDIATE",
    .begin_immediate_sql = "BEGIN IMMEDIATE",
};
