/* test_store.c - the SQLite backend: migrations, nested transactions, statements. */
#include "base/compat.h"

#include <unistd.h>

#include "store/migrate.h"
#include "store/store.h"
#include "testutil.h"

/* store_data_stamp (the web response cache's check): unchanged while nothing is written; a
 * commit on another handle shows in the first value, a write on this handle in the second. */
static void test_store__data_stamp_sees_every_write(void **state)
{
	char path[512];
	struct store *a = NULL, *b = NULL;
	int64_t s0[2], s1[2], s2[2], s3[2];

	(void)state;
	tu_path(path, sizeof(path), "stamp.db");
	remove(path);
	assert_int_equal(store_open(path, &a, NULL), 0);
	assert_int_equal(store_open(path, &b, NULL), 0);
	assert_int_equal(store_exec(a, "CREATE TABLE t (x INTEGER)", NULL), 0);
	assert_int_equal(store_data_stamp(a, s0, NULL), 0);
	assert_int_equal(store_data_stamp(a, s1, NULL), 0);
	assert_true(s0[0] == s1[0] && s0[1] == s1[1]); /* no write: the same */
	assert_int_equal(store_exec(b, "INSERT INTO t VALUES (1)", NULL), 0);
	assert_int_equal(store_data_stamp(a, s2, NULL), 0);
	assert_true(s2[0] != s1[0]); /* another handle's commit */
	assert_int_equal(store_exec(a, "INSERT INTO t VALUES (2)", NULL), 0);
	assert_int_equal(store_data_stamp(a, s3, NULL), 0);
	assert_true(s3[1] != s2[1]); /* this handle's own write */
	/* a read on either handle changes nothing */
	int64_t n = 0;
	assert_int_equal(store_query_int(b, "SELECT count(*) FROM t", &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_data_stamp(a, s1, NULL), 0);
	assert_true(s1[0] == s3[0] && s1[1] == s3[1]);
	store_close(b);
	store_close(a);
}

static void test_store__migrates_once(void **state)
{
	char path[512];
	struct store *s = NULL;
	struct merr e;
	int applied = -1;

	tu_path(path, sizeof(path), "m.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_true(store_schema_version(s) >= 1);
	assert_int_equal(store_migrate(s, &applied, &e), 0);
	assert_int_equal(applied, 0);
	store_close(s);
}

static void test_store__applies_migrations_numbered_below_the_newest(void **state)
{
	const struct store_migration *last = NULL;
	char path[512], sql[160];
	struct store *s = NULL;
	struct merr e;
	int applied = -1;
	int64_t n = -1;

	/* Modules own number ranges, so a store can hold migration 0700 before
	 * 0650 exists. Simulate it: only the newest migration applied and
	 * recorded; migrating must then apply every lower one, not none. */
	tu_path(path, sizeof(path), "gap.db");
	merr_init(&e);
	assert_true(store_migrations_len >= 3);
	assert_int_equal(store_open_raw(path, &s, &e), 0);
	assert_int_equal(store_exec(s,
				    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
				    " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
				    &e),
			 0);
	/* the newest migration may reference tables of earlier ones: base first, then the
	 * newest one that applies on base alone (0750 indexes findings from 0500, say) */
	assert_int_equal(store_exec(s, store_migrations[0].sql, &e), 0);
	for (size_t i = store_migrations_len - 1; i > 0 && !last; i--) {
		assert_int_equal(store_begin(s, &e), 0);
		merr_init(&e);
		if (store_exec(s, store_migrations[i].sql, &e) == 0) {
			assert_int_equal(store_commit(s, &e), 0);
			last = &store_migrations[i];
		} else {
			store_rollback(s);
		}
	}
	assert_non_null(last);
	assert_true(last->version > store_migrations[1].version);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO schema_migrations VALUES (%d, 'base', 0), (%d, 'last', 0)",
		 store_migrations[0].version, last->version);
	assert_int_equal(store_exec(s, sql, &e), 0);
	assert_int_equal(store_migrate(s, &applied, &e), 0);
	assert_int_equal(applied, store_migrations_len - 2);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM schema_migrations", &n, &e), 0);
	assert_int_equal(n, store_migrations_len);
	store_close(s);
}

static void test_store__nested_rollback_keeps_outer(void **state)
{
	char path[512];
	struct store *s = NULL;
	struct merr e;
	int64_t n;

	tu_path(path, sizeof(path), "tx.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(store_exec(s, "CREATE TABLE t (x INTEGER UNIQUE)", &e), 0);
	assert_int_equal(store_begin(s, &e), 0);
	assert_int_equal(store_exec(s, "INSERT INTO t VALUES (1)", &e), 0);
	assert_int_equal(store_begin(s, &e), 0);
	assert_int_equal(store_exec(s, "INSERT INTO t VALUES (2)", &e), 0);
	store_rollback(s);
	assert_int_equal(store_commit(s, &e), 0);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM t", &n, &e), 0);
	assert_int_equal(n, 1);
	/* a constraint violation is reported as M_EEXIST */
	merr_init(&e);
	assert_int_equal(store_exec(s, "INSERT INTO t VALUES (1)", &e), M_EEXIST);
	store_close(s);
}

static void test_store__statements_bind_and_read(void **state)
{
	char path[512];
	struct store *s = NULL;
	struct store_stmt *st = NULL;
	struct merr e;

	tu_path(path, sizeof(path), "st.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(
	    store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b REAL)", &e), 0);
	assert_int_equal(
	    store_prepare(s, "INSERT INTO t (a, b) VALUES (?, ?) RETURNING id", &st, &e), 0);
	stmt_bind_text(st, 1, "鉄道");
	stmt_bind_double(st, 2, 2.5);
	assert_int_equal(stmt_step(st, &e), 1);
	assert_int_equal(stmt_int64(st, 0), 1);
	stmt_finalize(st);
	assert_int_equal(store_prepare(s, "SELECT a, b, NULL FROM t", &st, &e), 0);
	assert_int_equal(stmt_step(st, &e), 1);
	assert_string_equal(stmt_text(st, 0), "鉄道");
	assert_true(stmt_double(st, 1) == 2.5);
	assert_true(stmt_is_null(st, 2));
	assert_int_equal(stmt_step(st, &e), 0);
	stmt_finalize(st);
	assert_int_equal(store_prepare(s, "SELEC nonsense", &st, &e), M_ESTORE);
	store_close(s);
}

static void test_store__static_text_binds_value_and_null(void **state)
{
	char path[512], val[16];
	struct store *s = NULL;
	struct store_stmt *st = NULL;
	struct merr e;

	tu_path(path, sizeof(path), "static.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(store_exec(s, "CREATE TABLE t (a TEXT, b TEXT)", &e), 0);
	assert_int_equal(store_prepare(s, "INSERT INTO t (a, b) VALUES (?, ?)", &st, &e), 0);
	snprintf(val, sizeof(val), "%s", "東京");
	assert_int_equal(stmt_bind_text_static(st, 1, val), 0);
	assert_int_equal(stmt_bind_text_static(st, 2, NULL), 0);
	assert_int_equal(stmt_step(st, &e), 0);
	stmt_reset(st);
	snprintf(val, sizeof(val), "%s", "x"); /* the buffer changes after the reset */
	stmt_finalize(st);
	assert_int_equal(store_prepare(s, "SELECT a, b FROM t", &st, &e), 0);
	assert_int_equal(stmt_step(st, &e), 1);
	assert_string_equal(stmt_text(st, 0), "東京");
	assert_true(stmt_is_null(st, 1));
	stmt_finalize(st);
	store_close(s);
}

static void test_store__postgres_unreachable_is_a_clear_error(void **state)
{
	struct store *s = NULL;
	struct merr e;

	/* Port 1 on loopback: nothing listens, the connection is refused at once. */
	merr_init(&e);
	assert_int_equal(store_open("postgres://u:secret@127.0.0.1:1/x", &s, &e), M_ENET);
	assert_null(s);
	assert_non_null(strstr(e.msg, "cannot connect to PostgreSQL"));
	assert_non_null(strstr(e.msg, "127.0.0.1:1"));
	assert_null(strstr(e.msg, "secret"));
}

static void test_store__tune_bulk_restores_and_names_the_peer(void **state)
{
	char path[512], peer[600];
	struct store *s = NULL;
	int64_t cache = 0, ckpt = 0, mmap = 0;

	tu_path(path, sizeof(path), "tune.db");
	assert_int_equal(store_open(path, &s, NULL), 0);
	store_peer_location(s, peer, sizeof(peer));
	assert_non_null(strstr(peer, "tune.db"));
	assert_int_equal(store_tune(s, STORE_TUNE_BULK_ON_HELPER, NULL), 0);
	assert_int_equal(store_query_int(s, "PRAGMA cache_size", &cache, NULL), 0);
	assert_int_equal(store_query_int(s, "PRAGMA wal_autocheckpoint", &ckpt, NULL), 0);
	assert_int_equal(cache, -16384);
	assert_int_equal(ckpt, 0);
	assert_int_equal(store_tune(s, STORE_TUNE_CHECKPOINT, NULL), 0);
	assert_int_equal(store_tune(s, STORE_TUNE_BULK_OFF, NULL), 0);
	assert_int_equal(store_query_int(s, "PRAGMA cache_size", &cache, NULL), 0);
	assert_int_equal(store_query_int(s, "PRAGMA wal_autocheckpoint", &ckpt, NULL), 0);
	assert_int_equal(cache, -2000); /* SQLite's defaults, as opened */
	assert_int_equal(ckpt, 1000);
	assert_int_equal(store_tune(s, STORE_TUNE_BULK_ON, NULL), 0);
	assert_int_equal(store_query_int(s, "PRAGMA wal_autocheckpoint", &ckpt, NULL), 0);
	assert_int_equal(ckpt, 8192);
	assert_int_equal(store_tune(s, STORE_TUNE_BULK_OFF, NULL), 0);
	assert_int_equal(store_tune(s, STORE_TUNE_READER, NULL), 0);
	assert_int_equal(store_query_int(s, "PRAGMA mmap_size", &mmap, NULL), 0);
	assert_int_equal(mmap, 268435456);
	store_close(s);

	assert_int_equal(store_open(":memory:", &s, NULL), 0);
	store_peer_location(s, peer, sizeof(peer));
	assert_string_equal(peer, "");
	store_close(s);
}

/* Only init creates or migrates (issue #19): the other commands' opener refuses what is not a
 * mamori store of this binary's schema, and writes nothing to it. */
static void test_store__only_init_creates_or_migrates(void **state)
{
	char path[512], sql[128];
	struct store *s = NULL, *raw = NULL;
	struct merr e;
	int applied = -1;
	int64_t n = -1;

	tu_path(path, sizeof(path), "only-init.db");
	merr_init(&e);
	assert_int_equal(store_open_existing(path, &s, &e), M_ENOTFOUND);
	assert_null(s);
	assert_int_equal(access(path, F_OK), -1); /* not created */
	/* a foreign SQLite database: refused by both, left as it was (no WAL) */
	assert_int_equal(store_open_raw(path, &raw, &e), 0);
	assert_int_equal(
	    store_exec(raw, "PRAGMA journal_mode=DELETE; CREATE TABLE customers (id)", &e), 0);
	store_close(raw);
	merr_init(&e);
	assert_int_equal(store_open_existing(path, &s, &e), M_EINVAL);
	assert_non_null(strstr(e.msg, "not a mamori store"));
	merr_init(&e);
	assert_int_equal(store_init(path, &s, &applied, &e), M_EINVAL);
	assert_int_equal(store_open_raw(path, &raw, &e), 0); /* (raw sets WAL: inspect first) */
	store_close(raw);
	unlink(path);
	/* init creates; the opener then accepts it and the check passes */
	assert_int_equal(store_init(path, &s, &applied, &e), 0);
	assert_int_equal(applied, store_migrations_len);
	assert_int_equal(store_check(s, &e), 0);
	snprintf(sql, sizeof(sql), "DELETE FROM schema_migrations WHERE version = %d",
		 store_migrations[store_migrations_len - 1].version);
	assert_int_equal(store_exec(s, sql, &e), 0);
	store_close(s);
	/* a migration missing: the opener asks for init (its row put back: the migration's
	 * tables are there, so applying it again would fail) */
	merr_init(&e);
	assert_int_equal(store_open_existing(path, &s, &e), M_EINVAL);
	assert_non_null(strstr(e.msg, "init"));
	assert_int_equal(store_open_raw(path, &raw, &e), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations VALUES (%d, 'back', 0)",
		 store_migrations[store_migrations_len - 1].version);
	assert_int_equal(store_exec(raw, sql, &e), 0);
	store_close(raw);
	assert_int_equal(store_init(path, &s, &applied, &e), 0);
	assert_int_equal(applied, 0);
	/* a migration this binary does not know: refused by both */
	assert_int_equal(store_exec(s, "INSERT INTO schema_migrations VALUES (99999, 'x', 0)", &e),
			 0);
	store_close(s);
	merr_init(&e);
	assert_int_equal(store_open_existing(path, &s, &e), M_EUNSUPPORTED);
	merr_init(&e);
	assert_int_equal(store_init(path, &s, &applied, &e), M_EUNSUPPORTED);
	assert_int_equal(store_open_raw(path, &raw, &e), 0);
	assert_int_equal(store_query_int(raw, "SELECT count(*) FROM schema_migrations", &n, &e), 0);
	assert_int_equal(n, store_migrations_len + 1);
	store_close(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store__migrates_once),
	    cmocka_unit_test(test_store__applies_migrations_numbered_below_the_newest),
	    cmocka_unit_test(test_store__nested_rollback_keeps_outer),
	    cmocka_unit_test(test_store__statements_bind_and_read),
	    cmocka_unit_test(test_store__static_text_binds_value_and_null),
	    cmocka_unit_test(test_store__postgres_unreachable_is_a_clear_error),
	    cmocka_unit_test(test_store__tune_bulk_restores_and_names_the_peer),
	    cmocka_unit_test(test_store__only_init_creates_or_migrates),
	    cmocka_unit_test(test_store__data_stamp_sees_every_write),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
