/* test_scan_pg.c - scan results on PostgreSQL (issue #18, "COPY where it pays"): the
 * scanner's writer (scan_batch_*) stores a batch by COPY into a staging table and one
 * set-based upsert there; its rows equal the row-by-row upserts' (MAMORI_SCAN_COPY=0) and
 * SQLite's: a first scan, a re-scan that updates rows, keys repeated inside one batch.
 * And the cost of both paths (client and backend CPU, wall), printed for
 * docs/PERFORMANCE.md.
 *
 * Needs MAMORI_TEST_PG_URL (tests/support/with_pg.sh starts a throwaway cluster). Rows:
 * MAMORI_BENCH_SCAN_ROWS (default 10000) for the measurement. The addresses are data only:
 * nothing here opens a socket to them. */
#include "base/compat.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "scan/scan.h"
#include "store/store.h"
#include "testutil.h"

static const char *pg_url(void)
{
	const char *u = getenv("MAMORI_TEST_PG_URL");
	if (!u || !*u)
		fail_msg("MAMORI_TEST_PG_URL is not set: run through tests/support/with_pg.sh");
	return u;
}

/* A migrated PostgreSQL store in a schema of its own. */
static struct store *open_pg(const char *schema)
{
	struct store *s = NULL;
	struct merr e;
	char sql[200];
	int applied = 0;

	merr_init(&e);
	assert_int_equal(store_open_raw(pg_url(), &s, &e), 0);
	snprintf(sql, sizeof(sql),
		 "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; SET search_path TO %s",
		 schema, schema, schema);
	assert_int_equal(store_exec(s, sql, &e), 0);
	assert_int_equal(store_migrate(s, &applied, &e), 0);
	assert_true(store_has_copy(s));
	return s;
}

static struct store *open_sqlite(const char *name)
{
	struct store *s = NULL;
	struct merr e;
	char path[512];

	merr_init(&e);
	tu_path(path, sizeof(path), name);
	unlink(path);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_false(store_has_copy(s));
	return s;
}

/* Row i of a scan: key k (address and port from k), values from i and round. */
static void make_row(struct scan_result *r, size_t k, size_t i, int round)
{
	char ip[32];

	memset(r, 0, sizeof(*r));
	snprintf(ip, sizeof(ip), "10.%zu.%zu.%zu", (k / 65536) % 256, (k / 256) % 256, k % 256);
	assert_int_equal(ip_parse(ip, &r->ip), 0);
	r->port = (uint16_t)(k % 3 == 0 ? 443 : k % 3 == 1 ? 80 : 22);
	r->proto = k % 11 == 0 ? SCAN_UDP : SCAN_TCP;
	r->state = (enum scan_state)((i + (size_t)round) % 4);
	r->ttl = i % 5 == 0 ? -1 : (int)(32 + (i + (size_t)round) % 200);
	r->rtt_ms = i % 7 == 0 ? -1 : 0.1 + (double)((i * 7919 + (size_t)round) % 100000) / 997.0;
	r->time = 1800000000 + (int64_t)round * 86400 + (int64_t)i;
}

static const char *org_of(size_t k)
{
	return k % 4 == 0 ? NULL : k % 4 == 1 ? "org-a" : k % 4 == 2 ? "" : "org\tb\\c";
}

/* Row i of a scan of keys from first: every 9th row repeats an earlier key of the batch. */
static size_t key_of(size_t first, size_t i)
{
	return first + (i % 9 == 8 ? i / 3 : i);
}

/* One scan of n rows from key first by the scanner's writer: by COPY on PostgreSQL, or
 * (row_by_row) by its prepared upserts, row by row. */
static void write_scan(struct store *s, size_t first, size_t n, int round, bool row_by_row,
		       int64_t *scan_id)
{
	struct scan_batch *b = NULL;
	struct merr e;

	merr_init(&e);
	assert_int_equal(scan_store_create(s, "org-z", "connect", "22,80,443", "{}",
					   1800000000 + round, scan_id, &e),
			 0);
	if (row_by_row)
		setenv("MAMORI_SCAN_COPY", "0", 1);
	/* as src/scan/session.c: one batch for the whole scan */
	assert_int_equal(scan_batch_new(s, *scan_id, "org-z", 1u << 20, &b, &e), 0);
	unsetenv("MAMORI_SCAN_COPY");
	for (size_t i = 0; i < n; i++) {
		struct scan_result r;
		size_t k = key_of(first, i);
		make_row(&r, k, i, round);
		assert_int_equal(scan_batch_add(b, org_of(k), &r, &e), 0);
	}
	assert_int_equal(scan_batch_flush(b, &e), 0);
	scan_batch_free(b);
}

/* Both tables, sorted by key; scan ids as the scan's place (1st, 2nd). */
static char *dump(struct store *s, int64_t scan1)
{
	struct store_stmt *st = NULL;
	struct buf out;
	struct merr e;
	int rc;

	merr_init(&e);
	buf_init(&out, 0);
	assert_int_equal(
	    store_prepare(s,
			  "SELECT o.org_slug, o.ip, o.port, o.proto, o.state, o.ttl, o.rtt_ms, "
			  "o.first_seen, o.last_seen, o.scan_id - ?, so.scan_id - ?, so.state, "
			  "so.seen_at FROM observations o LEFT JOIN scan_observations so "
			  "ON so.observation_id = o.id ORDER BY o.org_slug, o.ip, o.port, o.proto, "
			  "so.scan_id",
			  &st, &e),
	    0);
	stmt_bind_int64(st, 1, scan1);
	stmt_bind_int64(st, 2, scan1);
	while ((rc = stmt_step(st, &e)) == 1) {
		assert_int_equal(
		    buf_addf(&out, "%s|%s|%lld|%s|%s|%s%lld|%s%.17g|%lld|%lld|%lld|%lld|%s|%lld\n",
			     stmt_text(st, 0), stmt_text(st, 1), (long long)stmt_int64(st, 2),
			     stmt_text(st, 3), stmt_text(st, 4), stmt_is_null(st, 5) ? "null" : "",
			     (long long)stmt_int64(st, 5), stmt_is_null(st, 6) ? "null" : "",
			     stmt_double(st, 6), (long long)stmt_int64(st, 7),
			     (long long)stmt_int64(st, 8), (long long)stmt_int64(st, 9),
			     (long long)stmt_int64(st, 10), stmt_text(st, 11),
			     (long long)stmt_int64(st, 12)),
		    0);
	}
	assert_int_equal(rc, 0);
	stmt_finalize(st);
	return buf_detach(&out, NULL);
}

/* A first scan, then a re-scan over half of it and as many new keys. */
static char *scan_twice(struct store *s, size_t n, bool row_by_row, int64_t *rows)
{
	int64_t id1, id2;
	struct merr e;
	char *d;

	merr_init(&e);
	write_scan(s, 0, n, 0, row_by_row, &id1);
	write_scan(s, n / 2, n, 1, row_by_row, &id2);
	d = dump(s, id1);
	assert_int_equal(store_query_int(s, "SELECT count(*) FROM observations", rows, &e), 0);
	return d;
}

static void test_scan_pg__rows_equal_sqlite_and_copy(void **state)
{
	struct store *copy = open_pg("t_scan_copy"), *row = open_pg("t_scan_row");
	struct store *lite = open_sqlite("scan_pg.db");
	int64_t n_copy, n_row, n_lite;
	char *d_copy, *d_row, *d_lite;

	d_row = scan_twice(row, 3000, true, &n_row);
	d_lite = scan_twice(lite, 3000, false, &n_lite);
	d_copy = scan_twice(copy, 3000, false, &n_copy);

	/* 3000 keys less the repeats, the re-scan's 1500 new ones: all stored, once. */
	assert_true(n_row > 3000);
	assert_int_equal(n_row, n_lite);
	assert_string_equal(d_row, d_lite);
	/* The re-scan moved rows: some observation was seen in scan 1, last in scan 2. */
	assert_non_null(strstr(d_row, "|1|0|"));
	/* The COPY path stores the same rows. */
	assert_int_equal(n_copy, n_row);
	assert_string_equal(d_copy, d_row);
	m_free(d_copy);
	m_free(d_row);
	m_free(d_lite);
	store_close(copy);
	store_close(row);
	store_close(lite);
}

static double now_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The backend's CPU seconds (user + system) from /proc: the server runs here too. */
static double backend_cpu(struct store *s)
{
	int64_t pid = 0;
	struct merr e;
	char path[64], line[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	merr_init(&e);
	if (!store_has_copy(s))
		return 0; /* SQLite: the client is the engine */
	assert_int_equal(store_query_int(s, "SELECT pg_backend_pid()", &pid, &e), 0);
	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	p = strrchr(line, ')');
	assert_non_null(p);
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime stime */
	assert_int_equal(
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st), 2);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

struct cost {
	double wall, client, backend;
};

static struct cost measure(struct store *s, size_t n, int round, bool row_by_row)
{
	double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	double b0 = backend_cpu(s);
	int64_t id;
	struct cost c;

	write_scan(s, 0, n, round, row_by_row, &id);
	c.backend = backend_cpu(s) - b0;
	c.client = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	c.wall = now_s(CLOCK_MONOTONIC) - w0;
	return c;
}

static void test_scan_pg__cost_of_copy_and_row_by_row(void **state)
{
	const char *env = getenv("MAMORI_BENCH_SCAN_ROWS");
	size_t n = env && *env ? strtoul(env, NULL, 10) : 10000;
	const char *names[] = {"sqlite", "pg row-by-row", "pg COPY"};
	struct cost c[3][2];
	double load[1] = {0};

	for (int k = 0; k < 3; k++) {
		struct store *s = k == 0 ? open_sqlite("scan_bench.db")
					 : open_pg(k == 1 ? "t_b_row" : "t_b_copy");
		c[k][0] = measure(s, n, 0, k == 1); /* a first scan: inserts */
		c[k][1] = measure(s, n, 1, k == 1); /* the same hosts again: updates */
		store_close(s);
	}
	getloadavg(load, 1);
	printf("scan results, %zu rows per scan, load average %.2f\n", n, load[0]);
	printf("%-14s %-7s %9s %9s %9s %9s\n", "path", "scan", "wall s", "client s", "backend s",
	       "cpu s");
	for (int k = 0; k < 3; k++)
		for (int r = 0; r < 2; r++)
			printf("%-14s %-7s %9.3f %9.3f %9.3f %9.3f\n", names[k],
			       r ? "re-scan" : "first", c[k][r].wall, c[k][r].client,
			       c[k][r].backend, c[k][r].client + c[k][r].backend);
	for (int r = 0; r < 2; r++)
		printf("%s: pg row-by-row / COPY cpu %.2fx, pg COPY / sqlite cpu %.2fx\n",
		       r ? "re-scan" : "first",
		       (c[1][r].client + c[1][r].backend) / (c[2][r].client + c[2][r].backend),
		       (c[2][r].client + c[2][r].backend) / (c[0][r].client + c[0][r].backend));
	/* Something was measured on every path. */
	for (int k = 0; k < 3; k++)
		assert_true(c[k][0].wall > 0 && c[k][0].client > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scan_pg__rows_equal_sqlite_and_copy),
	    cmocka_unit_test(test_scan_pg__cost_of_copy_and_row_by_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
