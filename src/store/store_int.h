/*
 * store_int.h - the backend interface (for src/store/ only). A backend is a
 * struct of function pointers, as SQLite's VFS; store.c dispatches to it.
 */
#ifndef MAMORI_STORE_INT_H
#define MAMORI_STORE_INT_H

#include "store/store.h"

struct store_backend {
	const char *name;
	/* Opens location; creates the file only when create is true. Sets per-connection
	 * settings only: nothing is written to the file (a foreign file stays as it was). */
	int (*open)(struct store *s, const char *location, bool create, struct merr *e);
	/* File-level settings for a verified mamori store (journal mode, page size). */
	int (*setup)(struct store *s, struct merr *e);
	/* Integrity check (SQLite: PRAGMA quick_check): 0, or M_ESTORE with the first
	 * problem found in e. */
	int (*check)(struct store *s, struct merr *e);
	void (*close)(struct store *s);
	int (*exec)(struct store *s, const char *sql, struct merr *e);
	int (*prepare)(struct store *s, const char *sql, struct store_stmt **out, struct merr *e);
	int64_t (*changes)(struct store *s);
	/* Optional (NULL: M_EUNSUPPORTED, ""). */
	int (*tune)(struct store *s, enum store_tune what, struct merr *e);
	void (*peer_location)(struct store *s, char *out, size_t cap);
	/* Optional (NULL: M_EUNSUPPORTED): store_data_stamp. */
	int (*data_stamp)(struct store *s, int64_t stamp[2], struct merr *e);
	/* SQL for transaction control, since dialects differ. */
	const char *begin_sql, *begin_immediate_sql;
	/* Optional: run by store_migrate before the migrations (idempotent), e.g. functions
	 * that give PostgreSQL what SQLite has built in. */
	const char *compat_sql;
	/* Optional (NULL: M_EUNSUPPORTED): wake-ups between processes (PostgreSQL
	 * LISTEN/NOTIFY). wait returns 1 when a notification came, 0 after timeout_ms. */
	int (*listen)(struct store *s, const char *channel, struct merr *e);
	int (*notify)(struct store *s, const char *channel, struct merr *e);
	int (*wait)(struct store *s, int timeout_ms, struct merr *e);
	/* Optional: bulk rows into a table (PostgreSQL COPY FROM STDIN, text format). */
	int (*copy_in)(struct store *s, const char *target, bool binary, const char *data,
		       size_t len, struct merr *e);
};

struct store_stmt_ops {
	void (*finalize)(struct store_stmt *st);
	int (*reset)(struct store_stmt *st);
	int (*bind_text)(struct store_stmt *st, int i, const char *v, size_t len);
	/* Optional: binds without a copy (v outlives the step); bind_text when NULL. */
	int (*bind_text_static)(struct store_stmt *st, int i, const char *v, size_t len);
	int (*bind_int64)(struct store_stmt *st, int i, int64_t v);
	int (*bind_double)(struct store_stmt *st, int i, double v);
	int (*bind_null)(struct store_stmt *st, int i);
	int (*step)(struct store_stmt *st, struct merr *e);
	const char *(*text)(struct store_stmt *st, int col);
	int64_t (*int64)(struct store_stmt *st, int col);
	double (*dbl)(struct store_stmt *st, int col);
	bool (*is_null)(struct store_stmt *st, int col);
	int (*columns)(struct store_stmt *st);
};

struct store_stmt {
	const struct store_stmt_ops *ops;
	struct store *store;
};

struct store {
	const struct store_backend *be;
	void *impl;
	int tx_depth;
	char location[512];
};

extern const struct store_backend store_sqlite_backend, store_postgres_backend;

/* The PostgreSQL dialect of an SQLite-flavoured SQL text (postgres.c): '?' -> $n and the
 * rewrites listed in docs/POSTGRES.md. Returns a new string (m_free) or NULL when out of
 * memory; *nparams (may be NULL) receives the number of placeholders. */
char *store_pg_dialect(const char *sql, int *nparams);
/* url with its password (scheme://user:PASSWORD@host) replaced by ***, for messages. */
void store_redact_url(const char *url, char *out, size_t n);

#endif
