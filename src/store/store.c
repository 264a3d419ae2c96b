/* store.c - backend dispatch, nested transactions, migrations. */
#include "base/compat.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/migrate.h"
#include "store/store_int.h"

static const struct {
	const char *prefix;
	const struct store_backend *be;
	bool keep_prefix; /* the whole location is the backend's (a libpq URI) */
} backends[] = {
    {"postgres://", &store_postgres_backend, true},
    {"postgresql://", &store_postgres_backend, true},
    {"sqlite:", &store_sqlite_backend, false},
    {"", &store_sqlite_backend, false}, /* a bare path is an SQLite file */
};

/* Opens location with the backend it names; creates the file only when create is true. */
static int open_location(const char *location, bool create, struct store **out, struct merr *e)
{
	struct store *s;
	int rc;

	*out = NULL;
	if (!location || !*location)
		location = STORE_DEFAULT_PATH;
	s = m_calloc(1, sizeof(*s));
	if (!s)
		return merr_set(e, M_ENOMEM, "out of memory opening the store");
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		size_t n = strlen(backends[i].prefix);
		if (strncmp(location, backends[i].prefix, n) == 0) {
			s->be = backends[i].be;
			if (!backends[i].keep_prefix)
				location += n;
			break;
		}
	}
	store_redact_url(location, s->location, sizeof(s->location));
	rc = s->be->open(s, location, create, e);
	if (rc) {
		m_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int store_open_raw(const char *location, struct store **out, struct merr *e)
{
	int rc = open_location(location, true, out, e);
	if (rc == 0 && (rc = (*out)->be->setup(*out, e))) {
		store_close(*out);
		*out = NULL;
	}
	return rc;
}

/* The migrations a store has applied: whether it has a schema_migrations table at all,
 * whether it holds other tables, the first version this binary does not know, how many of
 * the binary's are pending. A file that is not a database fails here, before anything is
 * written to it. */
struct store_kind {
	bool mamori;	 /* has schema_migrations */
	int64_t tables;	 /* tables of any kind */
	int64_t unknown; /* first applied version this binary does not have, or 0 */
	int pending;	 /* migrations of this binary not applied */
};

static bool known_version(int64_t v)
{
	for (int i = 0; i < store_migrations_len; i++)
		if (store_migrations[i].version == v)
			return true;
	return false;
}

static int migration_applied(struct store *s, int version, bool *yes, struct merr *e);

static int store_inspect(struct store *s, struct store_kind *k, struct merr *e)
{
	struct store_stmt *st = NULL;
	int64_t n = 0;
	int rc;

	memset(k, 0, sizeof(*k));
	if (s->be == &store_postgres_backend) { /* the tables of the current schema */
		if ((rc = store_query_int(s,
					  "SELECT count(*) FROM information_schema.tables"
					  " WHERE table_schema = current_schema()",
					  &k->tables, e)) ||
		    (rc = store_query_int(s,
					  "SELECT count(*) FROM information_schema.tables"
					  " WHERE table_schema = current_schema()"
					  " AND table_name = 'schema_migrations'",
					  &n, e)))
			return rc;
		goto versions;
	}
	if (store_query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
			    &k->tables, NULL))
		return merr_set(
		    e, M_ESTORE,
		    "%s: not a mamori store (not an SQLite database); check --db /"
		    " mamori のストアではありません（SQLite データベースではありません）",
		    s->location);
	if ((rc = store_query_int(s,
				  "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				  " AND name = 'schema_migrations'",
				  &n, e)))
		return rc;
versions:
	k->mamori = n > 0;
	if (!k->mamori)
		return 0;
	if ((rc = store_prepare(s, "SELECT version FROM schema_migrations ORDER BY version", &st,
				e)))
		return rc;
	n = 0;
	while ((rc = stmt_step(st, e)) == 1) {
		int64_t v = stmt_int64(st, 0);
		n++;
		if (!k->unknown && !known_version(v))
			k->unknown = v;
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	for (int i = 0; i < store_migrations_len; i++) {
		bool yes = false;
		if ((rc = migration_applied(s, store_migrations[i].version, &yes, e)))
			return rc;
		k->pending += !yes;
	}
	return 0;
}

/* Refusals common to init and the other commands. */
static int refuse_foreign(struct store *s, const struct store_kind *k, struct merr *e)
{
	if (!k->mamori && k->tables > 0)
		return merr_set(e, M_EINVAL,
				"%s: not a mamori store (a database with %lld other"
				" table%s); nothing was changed. Check --db or $MAMORI_DB /"
				" mamori のストアではありません。何も変更していません。--db を確認"
				"してください",
				s->location, (long long)k->tables, k->tables == 1 ? "" : "s");
	if (k->unknown)
		return merr_set(
		    e, M_EUNSUPPORTED,
		    "%s: the store has migration %04lld, which this mamori (%s) does not"
		    " know: it was made by a newer version; use that version /"
		    " このストアは新しいバージョンの mamori で作成されています",
		    s->location, (long long)k->unknown, MAMORI_VERSION);
	return 0;
}

static bool is_plain_path(const char *location)
{
	return strcmp(location, ":memory:") != 0 && strncmp(location, "file:", 5) != 0 &&
	       strstr(location, "://") == NULL;
}

int store_open_existing(const char *location, struct store **out, struct merr *e)
{
	struct store_kind k;
	struct stat sb;
	const char *path;
	int rc;

	*out = NULL;
	if (!location || !*location)
		location = STORE_DEFAULT_PATH;
	path = strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
	if (is_plain_path(path)) {
		if (stat(path, &sb) != 0)
			return merr_set(e, M_ENOTFOUND,
					"%s: no store there (%s); create it with `mamori --db %s"
					" init`, or check --db / $MAMORI_DB / ストアがありません。"
					"`mamori init` で作成するか --db を確認してください",
					path, strerror(errno), path);
		if (!S_ISREG(sb.st_mode))
			return merr_set(e, M_EINVAL,
					"%s: not a store file (a directory or device) / ストアの"
					"ファイルではありません",
					path);
	}
	if ((rc = open_location(location, false, out, e)))
		return rc;
	rc = store_inspect(*out, &k, e);
	if (rc == 0)
		rc = refuse_foreign(*out, &k, e);
	if (rc == 0 && !k.mamori)
		rc = merr_set(e, M_EINVAL,
			      "%s: an empty file, not a mamori store: run `mamori --db %s init` /"
			      " 空のファイルです。`mamori init` で初期化してください",
			      (*out)->location, (*out)->location);
	if (rc == 0 && k.pending)
		rc = merr_set(e, M_EINVAL,
			      "%s: the store lacks %d migration%s of this mamori (%s): run `mamori"
			      " --db %s init` to upgrade it (back it up first) / ストアのスキーマが"
			      "古いため `mamori init` で更新してください",
			      (*out)->location, k.pending, k.pending == 1 ? "" : "s",
			      MAMORI_VERSION, (*out)->location);
	if (rc == 0)
		rc = (*out)->be->setup(*out, e);
	if (rc) {
		store_close(*out);
		*out = NULL;
	}
	return rc;
}

int store_init(const char *location, struct store **out, int *applied, struct merr *e)
{
	struct store_kind k;
	int rc;

	if (applied)
		*applied = 0;
	if ((rc = open_location(location, true, out, e)))
		return rc;
	rc = store_inspect(*out, &k, e);
	if (rc == 0)
		rc = refuse_foreign(*out, &k, e);
	if (rc == 0 && !(k.mamori && !k.pending))
		rc = store_check(*out, e); /* before writing into an existing file */
	if (rc == 0)
		rc = (*out)->be->setup(*out, e);
	if (rc == 0)
		rc = store_migrate(*out, applied, e);
	if (rc) {
		store_close(*out);
		*out = NULL;
	}
	return rc;
}

int store_open(const char *location, struct store **out, struct merr *e)
{
	int rc = store_open_raw(location, out, e);
	if (rc)
		return rc;
	rc = store_migrate(*out, NULL, e);
	if (rc) {
		store_close(*out);
		*out = NULL;
	}
	return rc;
}

int store_check(struct store *s, struct merr *e)
{
	return s->be->check ? s->be->check(s, e) : 0;
}

const char *store_location(const struct store *s)
{
	return s->location;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	s->be->close(s);
	m_free(s);
}

void store_redact_url(const char *url, char *out, size_t n)
{
	const char *scheme = strstr(url, "://"), *at = strchr(url, '@'), *colon;
	snprintf(out, n, "%s", url);
	if (!scheme || !at || at < scheme)
		return;
	colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
	if (colon)
		snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
}

const char *store_backend_name(const struct store *s)
{
	return s->be->name;
}

int store_tune(struct store *s, enum store_tune what, struct merr *e)
{
	if (!s->be->tune)
		return merr_set(e, M_EUNSUPPORTED, "%s: nothing to tune", s->be->name);
	return s->be->tune(s, what, e);
}

int store_data_stamp(struct store *s, int64_t stamp[2], struct merr *e)
{
	stamp[0] = stamp[1] = 0;
	if (!s->be->data_stamp)
		return merr_set(e, M_EUNSUPPORTED, "%s: no data version", s->be->name);
	return s->be->data_stamp(s, stamp, e);
}

void store_peer_location(struct store *s, char *out, size_t cap)
{
	if (cap)
		out[0] = '\0';
	if (s->be->peer_location && cap)
		s->be->peer_location(s, out, cap);
}

int store_listen(struct store *s, const char *channel, struct merr *e)
{
	if (!s->be->listen)
		return merr_set(e, M_EUNSUPPORTED, "%s has no notifications", s->be->name);
	return s->be->listen(s, channel, e);
}

int store_notify(struct store *s, const char *channel, struct merr *e)
{
	return s->be->notify ? s->be->notify(s, channel, e) : 0;
}

int store_wait_notify(struct store *s, int timeout_ms, struct merr *e)
{
	if (!s->be->wait)
		return merr_set(e, M_EUNSUPPORTED, "%s has no notifications", s->be->name);
	return s->be->wait(s, timeout_ms, e);
}

bool store_has_copy(struct store *s)
{
	return s->be->copy_in != NULL;
}

int store_copy_in(struct store *s, const char *target, const char *data, size_t len, struct merr *e)
{
	if (!s->be->copy_in)
		return merr_set(e, M_EUNSUPPORTED, "%s has no COPY", s->be->name);
	return s->be->copy_in(s, target, false, data, len, e);
}

int store_copy_in_binary(struct store *s, const char *target, const char *data, size_t len,
			 struct merr *e)
{
	if (!s->be->copy_in)
		return merr_set(e, M_EUNSUPPORTED, "%s has no COPY", s->be->name);
	return s->be->copy_in(s, target, true, data, len, e);
}

int store_exec(struct store *s, const char *sql, struct merr *e)
{
	return s->be->exec(s, sql, e);
}

int store_begin(struct store *s, struct merr *e)
{
	int rc = s->tx_depth == 0 ? s->be->exec(s, s->be->begin_sql, e)
				  : s->be->exec(s, "SAVEPOINT sp", e);
	if (rc == 0)
		s->tx_depth++;
	return rc;
}

int store_begin_immediate(struct store *s, struct merr *e)
{
	int rc;
	if (s->tx_depth > 0)
		return store_begin(s, e);
	rc = s->be->exec(s, s->be->begin_immediate_sql, e);
	if (rc == 0)
		s->tx_depth++;
	return rc;
}

int store_commit(struct store *s, struct merr *e)
{
	int rc;
	if (s->tx_depth <= 0)
		return merr_set(e, M_EINVAL, "commit without a transaction");
	rc = s->tx_depth == 1 ? s->be->exec(s, "COMMIT", e) : s->be->exec(s, "RELEASE sp", e);
	if (rc == 0)
		s->tx_depth--;
	return rc;
}

int store_rollback(struct store *s)
{
	int rc;
	if (s->tx_depth <= 0)
		return 0;
	if (s->tx_depth == 1)
		rc = s->be->exec(s, "ROLLBACK", NULL);
	else
		rc = s->be->exec(s, "ROLLBACK TO sp; RELEASE sp", NULL);
	s->tx_depth--;
	return rc;
}

int store_prepare(struct store *s, const char *sql, struct store_stmt **out, struct merr *e)
{
	return s->be->prepare(s, sql, out, e);
}

void stmt_finalize(struct store_stmt *st)
{
	if (st)
		st->ops->finalize(st);
}

int stmt_reset(struct store_stmt *st)
{
	return st->ops->reset(st);
}

int stmt_bind_textn(struct store_stmt *st, int i, const char *v, size_t len)
{
	return v ? st->ops->bind_text(st, i, v, len) : st->ops->bind_null(st, i);
}

int stmt_bind_text(struct store_stmt *st, int i, const char *v)
{
	return stmt_bind_textn(st, i, v, v ? strlen(v) : 0);
}

int stmt_bind_text_static(struct store_stmt *st, int i, const char *v)
{
	if (!v)
		return st->ops->bind_null(st, i);
	if (!st->ops->bind_text_static)
		return st->ops->bind_text(st, i, v, strlen(v));
	return st->ops->bind_text_static(st, i, v, strlen(v));
}

int stmt_bind_int64(struct store_stmt *st, int i, int64_t v)
{
	return st->ops->bind_int64(st, i, v);
}

int stmt_bind_double(struct store_stmt *st, int i, double v)
{
	return st->ops->bind_double(st, i, v);
}

int stmt_bind_null(struct store_stmt *st, int i)
{
	return st->ops->bind_null(st, i);
}

int stmt_step(struct store_stmt *st, struct merr *e)
{
	return st->ops->step(st, e);
}

const char *stmt_text(struct store_stmt *st, int col)
{
	return st->ops->text(st, col);
}

int64_t stmt_int64(struct store_stmt *st, int col)
{
	return st->ops->int64(st, col);
}

double stmt_double(struct store_stmt *st, int col)
{
	return st->ops->dbl(st, col);
}

bool stmt_is_null(struct store_stmt *st, int col)
{
	return st->ops->is_null(st, col);
}

int stmt_columns(struct store_stmt *st)
{
	return st->ops->columns(st);
}

int64_t store_changes(struct store *s)
{
	return s->be->changes(s);
}

int store_query_page(struct store *s, const char *sql, const char *const *binds, int n,
		     int64_t limit, int64_t offset, int64_t *count,
		     int (*row)(void *arg, struct store_stmt *st), void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e), i;

	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		stmt_bind_text(st, i + 1, binds[i]);
	if (limit > 0) {
		stmt_bind_int64(st, i + 1, limit);
		stmt_bind_int64(st, i + 2, offset);
	}
	while ((rc = stmt_step(st, e)) == 1) {
		if (count) {
			*count = stmt_int64(st, 0);
			continue;
		}
		if ((rc = row(arg, st)))
			break;
	}
	stmt_finalize(st);
	return rc;
}

int store_query_int(struct store *s, const char *sql, int64_t *out, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);

	*out = 0;
	if (rc)
		return rc;
	rc = stmt_step(st, e);
	if (rc == 1) {
		*out = stmt_int64(st, 0);
		rc = 0;
	}
	stmt_finalize(st);
	return rc;
}

int store_schema_version(struct store *s)
{
	int64_t v = 0;
	if (store_query_int(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", &v, NULL))
		return 0;
	return (int)v;
}

static int migration_applied(struct store *s, int version, bool *yes, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT 1 FROM schema_migrations WHERE version = ?", &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, version);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	*yes = rc == 1;
	return 0;
}

/* Names the migration in front of the message of what failed in it. */
static void migration_failed(struct merr *e, int rc, const struct store_migration *m)
{
	char msg[sizeof(e->msg)];
	if (!e || !e->code) {
		merr_set(e, rc, "migration %04d_%s failed", m->version, m->name);
		return;
	}
	snprintf(msg, sizeof(msg), "migration %04d_%s failed (rolled back): %.440s", m->version,
		 m->name, e->msg);
	memcpy(e->msg, msg, sizeof(msg));
}

/* A store migrated by a newer binary (a migration number above every one this binary
 * embeds) is refused rather than half understood. */
static int check_not_newer(struct store *s, struct merr *e)
{
	int64_t v = 0;
	int mine = store_migrations_len ? store_migrations[store_migrations_len - 1].version : 0;
	int rc =
	    store_query_int(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", &v, e);

	if (rc)
		return rc;
	if (v > mine)
		return merr_set(e, M_EUNSUPPORTED,
				"%s: the store's schema is version %" PRId64
				", newer than this mamori's %d: upgrade mamori",
				s->location, v, mine);
	return 0;
}

int store_migrate(struct store *s, int *applied, struct merr *e)
{
	int rc, n = 0;
	bool is_pg = s->be == &store_postgres_backend;

	rc = store_exec(s,
			"CREATE TABLE IF NOT EXISTS schema_migrations ("
			" version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
			" applied_at INTEGER NOT NULL)",
			e);
	if (rc)
		return rc;
	if (s->be->compat_sql && (rc = store_exec(s, s->be->compat_sql, e)))
		return rc;
	if ((rc = check_not_newer(s, e)))
		return rc;
	/* Each module owns a number range, so a migration can arrive with a lower
	 * number than one already applied: apply every one not yet recorded,
	 * in number order, rather than only those above the maximum. */
	for (int i = 0; i < store_migrations_len; i++) {
		const struct store_migration *m = &store_migrations[i];
		struct store_stmt *st = NULL;
		bool applied_already = false;
		if ((rc = migration_applied(s, m->version, &applied_already, e)))
			return rc;
		if (applied_already)
			continue;
		rc = store_begin_immediate(s, e);
		if (rc)
			return rc;
		/* PostgreSQL: BEGIN takes no write lock; one migrator at a time. */
		if (is_pg &&
		    (rc = store_exec(s, "LOCK TABLE schema_migrations IN EXCLUSIVE MODE", e))) {
			store_rollback(s);
			return rc;
		}
		/* Another process may have migrated while we waited for the lock. */
		if ((rc = migration_applied(s, m->version, &applied_already, e)) ||
		    applied_already) {
			store_rollback(s);
			if (rc)
				return rc;
			continue;
		}
		rc = store_exec(s, is_pg && m->pg_sql ? m->pg_sql : m->sql, e);
		if (rc == 0)
			rc = store_prepare(
			    s,
			    "INSERT INTO schema_migrations (version, name, applied_at)"
			    " VALUES (?, ?, strftime('%s','now'))",
			    &st, e);
		if (rc == 0) {
			stmt_bind_int64(st, 1, m->version);
			stmt_bind_text(st, 2, m->name);
			rc = stmt_step(st, e);
			rc = rc < 0 ? rc : 0;
			stmt_finalize(st);
		}
		if (rc == 0)
			rc = store_commit(s, e);
		if (rc) {
			store_rollback(s);
			migration_failed(e, rc, m);
			return rc;
		}
		log_info("store", "applied migration %04d_%s", m->version, m->name);
		n++;
	}
	if (applied)
		*applied = n;
	return 0;
}
