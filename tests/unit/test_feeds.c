/* test_feeds.c - the streaming splitter and the feed importers on the real shared data. */
#include "base/compat.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "store/store.h"
#include "testutil.h"
#include "feeds/feeds.h"
#include "feeds/feeds_int.h"
#include "feeds/split.h"

/* ---- helpers ---- */

static void data_path(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", tu_data_dir(), rel);
}

/* Copies the first n bytes of src (all when n is 0) to a temp file; returns its path. */
static const char *copy_head(const char *src, const char *name, long n)
{
	static char path[512];
	FILE *in = fopen(src, "rb"), *out;
	char buf[65536];
	long left = n;
	size_t r;

	assert_non_null(in);
	tu_path(path, sizeof(path), name);
	out = fopen(path, "wb");
	assert_non_null(out);
	while ((r = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (n && (long)r > left)
			r = (size_t)left;
		fwrite(buf, 1, r, out);
		left -= (long)r;
		if (n && left <= 0)
			break;
	}
	fclose(in);
	fclose(out);
	return path;
}

static long file_size(const char *p)
{
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	return (long)sb.st_size;
}

static struct store *fresh_store(const char *name)
{
	char path[512];
	struct store *s = NULL;
	struct merr e;

	tu_path(path, sizeof(path), name);
	remove(path);
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	return s;
}

static int64_t q_int(struct store *s, const char *sql)
{
	int64_t v = -1;
	assert_int_equal(store_query_int(s, sql, &v, NULL), 0);
	return v;
}

/* Runs sql (one text column, first row) into out. */
static void q_text(struct store *s, const char *sql, char *out, size_t cap)
{
	struct store_stmt *st = NULL;
	out[0] = '\0';
	assert_int_equal(store_prepare(s, sql, &st, NULL), 0);
	if (stmt_step(st, NULL) == 1 && stmt_text(st, 0))
		snprintf(out, cap, "%s", stmt_text(st, 0));
	stmt_finalize(st);
}

static void import_ok(struct store *s, const char *path, enum feeds_kind k, struct feeds_result *r)
{
	struct merr e;
	merr_init(&e);
	assert_int_equal(feeds_import_file(s, path, k, NULL, r, &e), 0);
}

/* ---- splitter ---- */

static void test_split__braces_and_escapes_inside_strings(void **state)
{
	const char *doc =
	    "{\"timestamp\":\"2024-10-25T01:15:13.497\",\"n\":2,\"skip\":{\"a\":[1,\"]\"]},"
	    "\"vulnerabilities\":[{\"a\":\"}{\\\"]\"},\n {\"b\":[1,{\"c\":\"\\\\\"}]}]}";
	struct split *sp = NULL;
	struct split_rec r;

	assert_int_equal(split_open_mem(doc, strlen(doc), SPLIT_ARRAY, NULL, 0, &sp, NULL), 0);
	assert_int_equal(split_next(sp, &r, NULL), 1);
	assert_string_equal(r.p, "{\"a\":\"}{\\\"]\"}");
	assert_int_equal(r.offset, strstr(doc, "{\"a\":\"}") - doc);
	assert_int_equal(r.line, 1);
	assert_int_equal(split_next(sp, &r, NULL), 1);
	assert_string_equal(r.p, "{\"b\":[1,{\"c\":\"\\\\\"}]}");
	assert_int_equal(r.line, 2);
	assert_int_equal(split_next(sp, &r, NULL), 0);
	assert_false(split_fatal(sp));
	assert_string_equal(split_header(sp, "timestamp"), "2024-10-25T01:15:13.497");
	assert_string_equal(split_header(sp, "n"), "2");
	assert_null(split_header(sp, "skip"));
	split_free(sp);
}

/* A '}' where an array element belongs (found by fuzz_split) made an empty record that
 * consumed nothing: split_next returned it for ever, and an import never ended. */
static void test_split__stray_brace_in_array_is_an_error_not_a_loop(void **state)
{
	const char *docs[] = {"{\"vulnerabilities\": [ }\n", "[1, }, 2]", "[}"};

	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		struct split *sp = NULL;
		struct split_rec r;
		struct merr e = {0};
		int rc, n = 0;

		assert_int_equal(
		    split_open_mem(docs[i], strlen(docs[i]), SPLIT_ARRAY, NULL, 0, &sp, NULL), 0);
		while ((rc = split_next(sp, &r, &e)) == 1 && n < 10)
			n++;
		assert_true(n < 10);
		assert_int_equal(rc, M_EPARSE);
		assert_true(split_fatal(sp));
		assert_non_null(strstr(e.msg, "expected a value or ']'"));
		split_free(sp);
	}
	(void)state;
}

static void test_split__lines_mode_skips_blank_lines(void **state)
{
	const char *doc = "{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}";
	struct split *sp = NULL;
	struct split_rec r;

	assert_int_equal(split_open_mem(doc, strlen(doc), SPLIT_LINES, NULL, 0, &sp, NULL), 0);
	assert_int_equal(split_next(sp, &r, NULL), 1);
	assert_string_equal(r.p, "{\"a\":1}");
	assert_int_equal(split_next(sp, &r, NULL), 1);
	assert_string_equal(r.p, "{\"b\":2}");
	assert_int_equal(r.line, 4);
	assert_int_equal(r.offset, 13);
	/* the last line has no newline: the file was cut there (issue #19), never taken */
	assert_int_equal(split_next(sp, &r, NULL), M_EPARSE);
	assert_true(split_fatal(sp));
	assert_int_equal(split_next(sp, &r, NULL), 0);
	split_free(sp);
	doc = "{\"c\":3}\n";
	assert_int_equal(split_open_mem(doc, strlen(doc), SPLIT_LINES, NULL, 0, &sp, NULL), 0);
	assert_int_equal(split_next(sp, &r, NULL), 1);
	assert_string_equal(r.p, "{\"c\":3}");
	assert_int_equal(split_next(sp, &r, NULL), 0);
	split_free(sp);
}

static void test_split__oversized_record_is_skipped_with_its_offset(void **state)
{
	char doc[600];
	struct split *sp = NULL;
	struct split_rec r;
	struct merr e;
	char big[300];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(doc, sizeof(doc), "{\"vulnerabilities\":[{\"a\":1},{\"big\":\"%s\"},{\"c\":3}]}",
		 big);
	assert_int_equal(split_open_mem(doc, strlen(doc), SPLIT_ARRAY, NULL, 100, &sp, NULL), 0);
	assert_int_equal(split_next(sp, &r, NULL), 1);
	merr_init(&e);
	assert_int_equal(split_next(sp, &r, &e), M_ETOOBIG);
	assert_int_equal(e.offset, strstr(doc, "{\"big\"") - doc);
	assert_false(split_fatal(sp));
	assert_int_equal(split_next(sp, &r, NULL), 1);
	assert_string_equal(r.p, "{\"c\":3}");
	assert_int_equal(split_next(sp, &r, NULL), 0);
	split_free(sp);
}

static void test_split__bad_structure_is_fatal(void **state)
{
	static const char *const bad[] = {"{\"vulnerabilities\":[{\"a\":1}", "{\"x\":1}", "nope",
					  "{\"vulnerabilities\":[{\"a\":\"unterminated}]}"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct split *sp = NULL;
		struct split_rec r;
		struct merr e;
		int rc;
		merr_init(&e);
		assert_int_equal(
		    split_open_mem(bad[i], strlen(bad[i]), SPLIT_ARRAY, NULL, 0, &sp, NULL), 0);
		while ((rc = split_next(sp, &r, &e)) == 1)
			;
		assert_int_equal(rc, M_EPARSE);
		assert_true(split_fatal(sp));
		assert_int_equal(split_next(sp, &r, NULL), 0);
		split_free(sp);
	}
}

/* Counts records until the end or a fatal error; returns the last code. */
static int count_records(const char *path, enum split_mode mode, long *n, struct merr *e)
{
	struct split *sp = NULL;
	struct split_rec r;
	int rc;

	*n = 0;
	assert_int_equal(split_open_file(path, mode, NULL, 0, &sp, e), 0);
	while ((rc = split_next(sp, &r, e)) == 1)
		(*n)++;
	split_free(sp);
	return rc;
}

static void test_split__reads_gzip_and_xz_whole(void **state)
{
	char p[512];
	long n;

	data_path(p, sizeof(p), "nvd/nvdcve-2016.json.gz");
	assert_int_equal(count_records(p, SPLIT_ARRAY, &n, NULL), 0);
	assert_int_equal(n, 6517);
	data_path(p, sizeof(p), "cve5/vulnrichment-subset.jsonl.xz");
	assert_int_equal(count_records(p, SPLIT_LINES, &n, NULL), 0);
	assert_int_equal(n, 464);
}

static void test_split__truncated_gzip_keeps_earlier_records(void **state)
{
	char src[512], msg[600];
	const char *cut;
	struct merr e;
	long n;

	data_path(src, sizeof(src), "nvd/nvdcve-2016.json.gz");
	cut = copy_head(src, "cut.json.gz", file_size(src) / 2);
	merr_init(&e);
	assert_int_equal(count_records(cut, SPLIT_ARRAY, &n, &e), M_EPARSE);
	assert_true(n > 1000 && n < 6517);
	assert_true(e.offset > 0);
	merr_format(&e, msg, sizeof(msg));
	assert_non_null(strstr(msg, "truncated gzip"));
}

/* Inverts one byte of a copied file. */
static void flip(const char *path, long at)
{
	FILE *f = fopen(path, "r+b");
	int c;

	assert_non_null(f);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	c = fgetc(f);
	assert_true(c != EOF);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	assert_int_equal(fputc(c ^ 0xff, f), c ^ 0xff);
	fclose(f);
}

static void test_split__corrupt_gzip_is_fatal_with_its_place(void **state)
{
	char src[512], msg[600];
	const char *bad;
	struct merr e;
	long n, size;

	data_path(src, sizeof(src), "nvd/nvdcve-2016.json.gz");
	size = file_size(src);
	bad = copy_head(src, "bad.json.gz", 0);
	flip(bad, size - 6); /* in the trailer: the CRC-32 no longer fits */
	merr_init(&e);
	assert_int_equal(count_records(bad, SPLIT_ARRAY, &n, &e), M_EPARSE);
	merr_format(&e, msg, sizeof(msg));
	assert_non_null(strstr(msg, "corrupt gzip"));
	/* and bytes flipped in the middle of the deflate data */
	bad = copy_head(src, "bad2.json.gz", 0);
	for (long at = size / 2; at < size / 2 + 64; at++)
		flip(bad, at);
	merr_init(&e);
	assert_int_equal(count_records(bad, SPLIT_ARRAY, &n, &e), M_EPARSE);
	assert_true(n < 6517);
	merr_format(&e, msg, sizeof(msg));
	assert_true(strstr(msg, "corrupt gzip") || strstr(msg, "JSON") || strstr(msg, "expected"));
}

static void test_split__concatenated_gzip_members_read_as_one(void **state)
{
	char src[512], path[512], cmd[4096];
	long n;

	data_path(src, sizeof(src), "nvd/nvdcve-2016.json.gz");
	tu_path(path, sizeof(path), "two.json.gz");
	/* the document split in two gzip members: the records cross the member boundary */
	snprintf(cmd, sizeof(cmd),
		 "zcat '%s' > '%s.raw' && head -c 1000000 '%s.raw' | gzip -1 > '%s' &&"
		 " tail -c +1000001 '%s.raw' | gzip -1 >> '%s'",
		 src, path, path, path, path, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(count_records(path, SPLIT_ARRAY, &n, NULL), 0);
	assert_int_equal(n, 6517);
}

static void test_split__truncated_xz_keeps_earlier_records(void **state)
{
	char src[512], msg[600];
	const char *cut;
	struct merr e;
	long n;

	data_path(src, sizeof(src), "cve5/vulnrichment-subset.jsonl.xz");
	cut = copy_head(src, "cut.jsonl.xz", file_size(src) / 2);
	merr_init(&e);
	assert_int_equal(count_records(cut, SPLIT_LINES, &n, &e), M_EPARSE);
	assert_true(n > 100 && n < 464);
	merr_format(&e, msg, sizeof(msg));
	assert_non_null(strstr(msg, "truncated xz"));
}

/* ---- NVD ---- */

static void test_nvd__heartbleed_has_configurations_cvss31_and_cwe(void **state)
{
	struct store *s = fresh_store("nvd.db");
	struct feeds_result r;
	char p[512], t[256];

	data_path(p, sizeof(p), "nvd/nvdcve-2.0-subset.json.xz");
	import_ok(s, p, FEEDS_UNKNOWN, &r);
	assert_int_equal(r.kind, FEEDS_NVD);
	assert_int_equal(r.stored, 1997);
	assert_int_equal(r.errors, 0);
	assert_string_equal(r.version, "2024-10-25T01:15:13.497");
	q_text(s,
	       "SELECT cvss3_score || ' ' || cvss3_version || ' ' || cwe || ' ' || severity"
	       " FROM cves WHERE id = 'CVE-2014-0160'",
	       t, sizeof(t));
	assert_string_equal(t, "7.5 3.1 CWE-125 HIGH");
	assert_int_equal(
	    q_int(s, "SELECT COUNT(*) FROM cves WHERE id = 'CVE-2014-0160'"
		     " AND configurations LIKE '[{\"nodes\":%cpe:2.3:a:openssl:openssl:%'"),
	    1);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cve_products WHERE cve_id = 'CVE-2014-0160'"
				  " AND vp = 'openssl:openssl' AND origin = 'nvd'"),
			 1);
	/* aliases are folded: nginx:nginx is stored as f5:nginx */
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cve_products WHERE vp = 'nginx:nginx'"), 0);
	assert_true(q_int(s, "SELECT COUNT(*) FROM cve_products WHERE vp = 'f5:nginx'") >= 25);
	store_close(s);
}

static void test_nvd__reimport_changes_nothing(void **state)
{
	struct store *s = fresh_store("idem.db");
	struct feeds_result r;
	int64_t cves, refs, prods;
	char p[512];

	data_path(p, sizeof(p), "nvd/nvdcve-2.0-kev-edge-2017plus.json.xz");
	import_ok(s, p, FEEDS_NVD, &r);
	assert_int_equal(r.stored, 44);
	cves = q_int(s, "SELECT COUNT(*) FROM cves");
	refs = q_int(s, "SELECT COUNT(*) FROM cve_refs");
	prods = q_int(s, "SELECT COUNT(*) FROM cve_products");
	import_ok(s, p, FEEDS_NVD, &r);
	assert_int_equal(r.stored, 0);
	assert_int_equal(r.unchanged, 44);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cves"), cves);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cve_refs"), refs);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cve_products"), prods);
	/* the newer of two versions of a record wins, whatever the import order */
	data_path(p, sizeof(p), "nvd/nvdcve-2.0-subset.json.xz");
	import_ok(s, p, FEEDS_NVD, &r);
	assert_int_equal(r.unchanged, 2); /* CVE-2019-5591 and CVE-2024-38094 are older here */
	store_close(s);
}

static void test_nvd__bad_records_are_logged_and_good_ones_stored(void **state)
{
	static const char doc[] =
	    "{\"format\":\"NVD_CVE\",\"vulnerabilities\":["
	    "{\"cve\":{\"id\":\"CVE-2099-0001\",\"published\":\"2099-01-01T00:00:00\","
	    "\"lastModified\":\"2099-01-02T00:00:00\",\"descriptions\":[{\"lang\":\"en\","
	    "\"value\":\"bad \xff\xfe utf8\"}]}},"
	    "{\"cve\":{\"id\":\"CVE-2099-0002\",\"published\":\"2099-01-01T00:00:00\","
	    "\"lastModified\":\"2099-01-02T00:00:00\",\"metrics\":{\"cvssMetricV31\":[{\"source\":"
	    "\"nvd@nist.gov\",\"type\":\"Primary\",\"cvssData\":{\"version\":\"3.1\","
	    "\"vectorString\":"
	    "\"CVSS:3.1/AV:N\",\"baseScore\":\"high\"}}]}}},"
	    "{\"cve\":{\"id\":\"CVE-2099-0003\",\"published\":\"2099-01-01T00:00:00\","
	    "\"lastModified\":\"2099-01-02T00:00:00\",\"metrics\":{\"cvssMetricV50\":[]}}},"
	    "{\"cve\":{\"id\":\"CVE-2099-0004\",\"published\":\"2099-01-01T00:00:00\","
	    "\"lastModified\":\"2099-01-02T00:00:00\",\"descriptions\":[{\"lang\":\"en\","
	    "\"value\":\"fine\"}],\"configurations\":[{\"nodes\":[{\"operator\":\"OR\","
	    "\"cpeMatch\":"
	    "[{\"vulnerable\":true,\"criteria\":\"cpe:2.3:o:cisco:ios:12.2\\\\(33\\\\)sxi:*:*:*:*:*"
	    ":*:*\"}"
	    "]}]}]}},"
	    "{\"cve\":{\"id\":\"CVE-2099-0005\",\"published\":17,\"lastModified\":\"x\"}}"
	    "]}";
	struct store *s = fresh_store("bad.db");
	struct feeds_result r;
	FILE *f;
	char p[512], t[256];

	tu_path(p, sizeof(p), "crafted-nvd.json");
	f = fopen(p, "wb");
	assert_non_null(f);
	fwrite(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	import_ok(s, p, FEEDS_UNKNOWN, &r);
	assert_int_equal(r.stored, 1);
	assert_int_equal(r.errors, 4);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cves"), 1);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cve_products WHERE vp = 'cisco:ios'"), 1);
	q_text(s, "SELECT message FROM feed_errors WHERE cve_id = 'CVE-2099-0001'", t, sizeof(t));
	assert_non_null(strstr(t, "invalid UTF-8"));
	q_text(s, "SELECT message FROM feed_errors WHERE cve_id = 'CVE-2099-0002'", t, sizeof(t));
	assert_non_null(strstr(t, "baseScore"));
	q_text(s, "SELECT message FROM feed_errors WHERE cve_id = 'CVE-2099-0003'", t, sizeof(t));
	assert_non_null(strstr(t, "unknown CVSS version"));
	q_text(s, "SELECT message FROM feed_errors WHERE cve_id = 'CVE-2099-0005'", t, sizeof(t));
	assert_non_null(strstr(t, "published"));
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM feed_errors WHERE byte_offset > 0"), 4);
	assert_non_null(strstr(r.first_errors[0], "crafted-nvd.json:@"));
	store_close(s);
}

/* ---- the parser thread hand-off ---- */

struct pusher {
	struct feeds_queue *q;
	int n;
};

static void *push_many(void *arg)
{
	struct pusher *p = arg;
	for (int i = 0; i < p->n; i++) {
		struct feeds_item it = {0};
		int *v = m_malloc(sizeof(*v));
		if (!v)
			break;
		*v = i;
		it.rec = v;
		it.bytes = 100;
		it.offset = i;
		it.rc = i % 7 == 3 ? M_EPARSE : 0; /* errors travel in the same stream */
		if (feeds_queue_push(p->q, &it))
			break;
	}
	feeds_queue_finish(p->q);
	return NULL;
}

static void test_pipe__queue_hands_over_in_order_within_its_bounds(void **state)
{
	struct feeds_queue *q = NULL;
	struct pusher p = {.n = 2000};
	struct feeds_item it;
	pthread_t th;
	int next = 0;

	/* two slots and room for one 100-byte record: the producer waits most of the time */
	assert_int_equal(feeds_queue_new(2, 150, m_free, &q), 0);
	p.q = q;
	assert_int_equal(pthread_create(&th, NULL, push_many, &p), 0);
	while (feeds_queue_pop(q, &it) == 1) {
		assert_int_equal(*(int *)it.rec, next);
		assert_int_equal(it.offset, next);
		assert_int_equal(it.rc, next % 7 == 3 ? M_EPARSE : 0);
		m_free(it.rec);
		next++;
	}
	pthread_join(th, NULL);
	assert_int_equal(next, 2000);
	feeds_queue_free(q);

	/* a cancelled queue refuses (and frees) what is pushed; free releases what waits */
	assert_int_equal(feeds_queue_new(4, 1 << 20, m_free, &q), 0);
	it = (struct feeds_item){.rec = m_malloc(8), .bytes = 8};
	assert_int_equal(feeds_queue_push(q, &it), 0);
	assert_null(it.rec);
	feeds_queue_cancel(q);
	it = (struct feeds_item){.rec = m_malloc(8), .bytes = 8};
	assert_int_equal(feeds_queue_push(q, &it), M_EINTR);
	assert_null(it.rec);
	feeds_queue_free(q);
}

/* Several producers take sequence numbers from a shared counter and push out of order. */
struct seq_pusher {
	struct feeds_queue *q;
	pthread_mutex_t *mu;
	uint64_t *next, n;
	int *running;
	unsigned seed;
};

static void *push_numbered(void *arg)
{
	struct seq_pusher *p = arg;
	bool last;

	for (;;) {
		struct feeds_item it = {0};
		uint64_t seq;
		uint64_t *v;
		pthread_mutex_lock(p->mu);
		seq = (*p->next)++;
		pthread_mutex_unlock(p->mu);
		if (seq >= p->n)
			break;
		if (rand_r(&p->seed) % 8 == 0) /* some records take longer to parse */
			usleep(rand_r(&p->seed) % 200);
		v = m_malloc(sizeof(*v));
		if (!v)
			break;
		*v = seq;
		it.rec = v;
		it.bytes = 40 + rand_r(&p->seed) % 200;
		if (feeds_queue_push_at(p->q, seq, &it))
			break;
	}
	pthread_mutex_lock(p->mu);
	last = --*p->running == 0;
	pthread_mutex_unlock(p->mu);
	if (last)
		feeds_queue_finish_at(p->q, p->n);
	return NULL;
}

static void test_pipe__queue_orders_items_from_several_producers(void **state)
{
	/* window and byte budget both small, so producers wait on each, for every seq; the
	 * one holding the item the consumer waits for must always get through (no deadlock) */
	static const struct {
		size_t cap, bytes;
		int producers;
	} cases[] = {{4, 300, 3}, {2, 1000, 2}, {16, 250, 4}, {1, 1, 3}};
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct feeds_queue *q = NULL;
		pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
		uint64_t next = 0, want = 0;
		int running = cases[c].producers;
		struct seq_pusher p[4];
		pthread_t th[4];
		struct feeds_item it;

		assert_int_equal(feeds_queue_new(cases[c].cap, cases[c].bytes, m_free, &q), 0);
		for (int i = 0; i < cases[c].producers; i++) {
			p[i] = (struct seq_pusher){.q = q,
						   .mu = &mu,
						   .next = &next,
						   .n = 3000,
						   .running = &running,
						   .seed = (unsigned)(i + 1)};
			assert_int_equal(pthread_create(&th[i], NULL, push_numbered, &p[i]), 0);
		}
		while (feeds_queue_pop(q, &it) == 1) {
			assert_int_equal(*(uint64_t *)it.rec, want);
			m_free(it.rec);
			want++;
		}
		for (int i = 0; i < cases[c].producers; i++)
			pthread_join(th[i], NULL);
		assert_int_equal(want, 3000);
		feeds_queue_free(q);
	}
}

static void test_pipe__four_parser_threads_keep_file_order(void **state)
{
	struct feeds_pipe pp;
	struct split *sp = NULL;
	struct feeds_item it;
	char path[512];
	long long last = -1;
	long n = 0;

	data_path(path, sizeof(path), "nvd/nvdcve-2016.json.gz");
	assert_int_equal(split_open_file(path, SPLIT_ARRAY, NULL, 0, &sp, NULL), 0);
	assert_int_equal(feeds_pipe_start(&pp, sp, &feeds_nvd_adapter, 4, NULL), 0);
	assert_int_equal(pp.n_th, 4);
	while (feeds_queue_pop(pp.q, &it) == 1) {
		assert_int_equal(it.rc, 0);
		assert_true(it.offset > last); /* records come out in file order */
		last = it.offset;
		feeds_cve_free(it.rec);
		n++;
	}
	assert_int_equal(n, 6517);
	feeds_pipe_stop(&pp);
	split_free(sp);

	/* stopping early (the consumer gives up) joins every thread */
	assert_int_equal(split_open_file(path, SPLIT_ARRAY, NULL, 0, &sp, NULL), 0);
	assert_int_equal(feeds_pipe_start(&pp, sp, &feeds_nvd_adapter, 4, NULL), 0);
	assert_int_equal(feeds_queue_pop(pp.q, &it), 1);
	feeds_cve_free(it.rec);
	feeds_pipe_stop(&pp);
	split_free(sp);
}

/* Imports doc with and without the parser thread and returns each store's rows and errors. */
static void import_both(const char *doc, size_t len, size_t record_max, char *rows1, char *rows2,
			size_t cap)
{
	static const char dump[] =
	    "SELECT group_concat(x, '|') FROM (SELECT id || ':' || COALESCE(configurations, '')"
	    " || ':' || COALESCE(cvss3_score, '') AS x FROM cves ORDER BY id)";
	static const char errs[] =
	    "SELECT group_concat(x, '|') FROM (SELECT COALESCE(byte_offset, -1) || ':' ||"
	    " COALESCE(cve_id, '') || ':' || message AS x FROM feed_errors ORDER BY id)";
	static char a[1 << 17], b[1 << 15];
	char p[512], db[64];
	FILE *f;

	tu_path(p, sizeof(p), "pipe-nvd.json");
	f = fopen(p, "wb");
	assert_non_null(f);
	fwrite(doc, 1, len, f);
	fclose(f);
	for (int one = 0; one < 2; one++) {
		struct feeds_opts o = {.one_thread = one, .record_max = record_max};
		struct feeds_result r;
		struct store *s;
		snprintf(db, sizeof(db), "pipe%d.db", one);
		s = fresh_store(db);
		feeds_import_file(s, p, FEEDS_NVD, &o, &r, NULL);
		q_text(s, dump, a, sizeof(a));
		q_text(s, errs, b, sizeof(b));
		snprintf(one ? rows2 : rows1, cap, "%lld stored %lld errors %s # %s", r.stored,
			 r.errors, a, b);
		store_close(s);
	}
}

/* Products wait for the batch commit; a CVE listed twice in one batch keeps only what its
 * last record names, as it would stored record by record. */
static void test_pipe__deferred_products_follow_a_repeated_cve(void **state)
{
	static const char rec[] =
	    "{\"cve\":{\"id\":\"CVE-2099-%04d\",\"published\":\"2099-01-01T00:00:00\","
	    "\"lastModified\":\"2099-01-0%dT00:00:00\",\"configurations\":[{\"nodes\":[{"
	    "\"operator\":\"OR\",\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
	    "\"cpe:2.3:a:%s:1.0:*:*:*:*:*:*:*\"}]}]}]}}";
	char doc[4096], p[512], got[512];
	size_t len = 0;
	FILE *f;

	len += (size_t)snprintf(doc + len, sizeof(doc) - len, "{\"vulnerabilities\":[");
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, rec, 1, 2, "old:thing");
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, ",");
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, rec, 2, 2, "other:thing");
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, ",");
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, rec, 1, 3, "new:thing");
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, "]}");
	tu_path(p, sizeof(p), "repeat-nvd.json");
	f = fopen(p, "wb");
	assert_non_null(f);
	fwrite(doc, 1, len, f);
	fclose(f);
	for (int one = 0; one < 2; one++) {
		struct feeds_opts o = {.one_thread = one};
		struct feeds_result r;
		struct store *s = fresh_store(one ? "repeat1.db" : "repeat0.db");
		assert_int_equal(feeds_import_file(s, p, FEEDS_NVD, &o, &r, NULL), 0);
		q_text(s,
		       "SELECT group_concat(vp || '/' || cve_id, ' ') FROM (SELECT vp, cve_id FROM"
		       " cve_products ORDER BY cve_id, vp)",
		       got, sizeof(got));
		assert_string_equal(got, "new:thing/CVE-2099-0001 other:thing/CVE-2099-0002");
		/* the bulk load into an empty cve_products built its CVE index back (the
		 * repeated CVE's delete needed it mid-file) */
		assert_int_equal(q_int(s, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'"
					  " AND name = 'cve_products_cve'"),
				 1);
		store_close(s);
	}
}

/* Appends an NVD record with refs URLs ("url tags", tags may be empty) to doc. */
static size_t refs_record(char *doc, size_t len, size_t cap, int id, int day,
			  const char *const *urls, size_t n)
{
	len +=
	    (size_t)snprintf(doc + len, cap - len,
			     "%s{\"cve\":{\"id\":\"CVE-2099-%04d\",\"published\":"
			     "\"2099-01-01T00:00:00\",\"lastModified\":\"2099-01-%02dT00:00:00\","
			     "\"references\":[",
			     len && doc[len - 1] != '[' ? "," : "", id, day);
	for (size_t i = 0; i < n; i++) {
		const char *sp = strchr(urls[i], ' ');
		len += (size_t)snprintf(
		    doc + len, cap - len,
		    "%s{\"url\":\"%.*s\",\"source\":\"s%zu\",\"tags\":[%s%s%s]}", i ? "," : "",
		    (int)(sp ? sp - urls[i] : (long)strlen(urls[i])), urls[i], i,
		    sp && sp[1] ? "\"" : "", sp ? sp + 1 : "", sp && sp[1] ? "\"" : "");
	}
	return len + (size_t)snprintf(doc + len, cap - len, "]}}");
}

/* A record's references go in several a statement (OR IGNORE), and an import into an empty
 * cves table skips the lookup of ids it has not stored: the rows are the row path's. A URL
 * twice in a record keeps its last tags; a CVE listed again later in the file replaces its
 * references; 40 references take two statements; a URL CVE 5 stored first becomes NVD's. */
static void test_pipe__multi_row_refs_and_first_load_keep_the_row_paths_rows(void **state)
{
	static const char *const a1[] = {"https://a/1 Patch", "https://a/2 ", "https://a/1 Vendor"};
	static const char *const a2[] = {"https://a/3 Exploit"};
	static const char *const c1[] = {"https://c/x Mitigation", "https://c/y "};
	static const char dump[] =
	    "SELECT group_concat(x, ' ') FROM (SELECT cve_id || '>' || url || '>' ||"
	    " COALESCE(source, '') || '>' || COALESCE(tags, '') || '>' || origin AS x"
	    " FROM cve_refs WHERE url NOT LIKE 'https://b/%' ORDER BY cve_id, url)";
	char *b[40], doc[16384], p[512], got[1024];
	size_t len = 0;
	FILE *f;

	for (int i = 0; i < 40; i++) {
		b[i] = m_malloc(32);
		assert_non_null(b[i]);
		snprintf(b[i], 32, "https://b/%02d T%d", i, i);
	}
	len = (size_t)snprintf(doc, sizeof(doc), "{\"vulnerabilities\":[");
	len = refs_record(doc, len, sizeof(doc), 1, 2, a1, 3);
	len = refs_record(doc, len, sizeof(doc), 2, 2, (const char *const *)b, 40);
	len = refs_record(doc, len, sizeof(doc), 3, 2, c1, 2);
	len = refs_record(doc, len, sizeof(doc), 1, 3, a2, 1);
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, "]}");
	assert_true(len < sizeof(doc) - 1);
	tu_path(p, sizeof(p), "refs-nvd.json");
	f = fopen(p, "wb");
	assert_non_null(f);
	fwrite(doc, 1, len, f);
	fclose(f);
	for (int run = 0; run < 4; run++) {
		/* runs 0-1: a fresh store, parser threads and inline; runs 2-3: CVE 5 stored a
		 * reference of CVE-2099-0003 first (cves not empty: every record is looked up) */
		struct feeds_opts o = {.one_thread = run & 1};
		struct feeds_result r;
		char db[32];
		struct store *s;
		snprintf(db, sizeof(db), "refs%d.db", run);
		s = fresh_store(db);
		if (run >= 2)
			assert_int_equal(
			    store_exec(
				s,
				"INSERT INTO cves (id, source) VALUES ('CVE-2099-0003', 'cve5');"
				"INSERT INTO cve_refs (cve_id, url, source, tags, origin) VALUES"
				" ('CVE-2099-0003', 'https://c/x', 'cna', 'Old', 'cve5'),"
				" ('CVE-2099-0003', 'https://c/z', 'cna', NULL, 'cve5')",
				NULL),
			    0);
		assert_int_equal(feeds_import_file(s, p, FEEDS_NVD, &o, &r, NULL), 0);
		assert_int_equal(r.stored, 4);
		q_text(s, dump, got, sizeof(got));
		assert_string_equal(got, run < 2 ? "CVE-2099-0001>https://a/3>s0>Exploit>nvd"
						   " CVE-2099-0003>https://c/x>s0>Mitigation>nvd"
						   " CVE-2099-0003>https://c/y>s1>>nvd"
						 : "CVE-2099-0001>https://a/3>s0>Exploit>nvd"
						   " CVE-2099-0003>https://c/x>s0>Mitigation>nvd"
						   " CVE-2099-0003>https://c/y>s1>>nvd"
						   " CVE-2099-0003>https://c/z>cna>>cve5");
		assert_int_equal(q_int(s,
				       "SELECT COUNT(*) FROM cve_refs WHERE url LIKE 'https://b/%'"
				       " AND tags = 'T' || CAST(substr(url, 11) AS INTEGER)"),
				 40);
		store_close(s);
	}
	/* a URL twice in one record: its last tags (no later record of that CVE here) */
	len = (size_t)snprintf(doc, sizeof(doc), "{\"vulnerabilities\":[");
	len = refs_record(doc, len, sizeof(doc), 1, 2, a1, 3);
	len += (size_t)snprintf(doc + len, sizeof(doc) - len, "]}");
	f = fopen(p, "wb");
	assert_non_null(f);
	fwrite(doc, 1, len, f);
	fclose(f);
	{
		struct feeds_result r;
		struct store *s = fresh_store("refs-dup.db");
		assert_int_equal(feeds_import_file(s, p, FEEDS_NVD, NULL, &r, NULL), 0);
		q_text(s, dump, got, sizeof(got));
		assert_string_equal(got, "CVE-2099-0001>https://a/1>s2>Vendor>nvd"
					 " CVE-2099-0001>https://a/2>s1>>nvd");
		store_close(s);
	}
	for (int i = 0; i < 40; i++)
		m_free(b[i]);
}

/* cve_products_cve is dropped for a load into an empty table and built at its end: after a
 * whole file, after a file cut short, and (a run killed before its end) by the next import. */
static void test_pipe__products_index_is_there_after_every_import(void **state)
{
	static const char idx[] =
	    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'cve_products_cve'";
	char p[512];
	const char *cut;
	struct feeds_result r;
	struct merr e;
	struct store *s = fresh_store("prodidx.db");

	data_path(p, sizeof(p), "nvd/nvdcve-2.0-kev-edge-2017plus.json.xz");
	import_ok(s, p, FEEDS_NVD, &r);
	assert_true(q_int(s, "SELECT COUNT(*) FROM cve_products") > 0);
	assert_int_equal(q_int(s, idx), 1);
	/* a run killed between its batches leaves it dropped: the next import builds it first */
	assert_int_equal(store_exec(s, "DROP INDEX cve_products_cve", NULL), 0);
	import_ok(s, p, FEEDS_NVD, &r);
	assert_int_equal(q_int(s, idx), 1);
	store_close(s);
	/* a file cut short: the records before the cut are stored, with the index */
	data_path(p, sizeof(p), "nvd/nvdcve-2016.json.gz");
	cut = copy_head(p, "prodidx-cut.json.gz", file_size(p) / 2);
	s = fresh_store("prodidx-cut.db");
	merr_init(&e);
	feeds_import_file(s, cut, FEEDS_NVD, NULL, &r, &e);
	assert_true(r.file_failed);
	assert_true(q_int(s, "SELECT COUNT(*) FROM cves") > 1000);
	assert_int_equal(q_int(s, idx), 1);
	store_close(s);
}

static void test_pipe__threaded_import_matches_inline_import_and_error_places(void **state)
{
	static const char head[] = "{\"format\":\"NVD_CVE\",\"vulnerabilities\":[";
	static const char good[] =
	    "{\"cve\":{\"id\":\"CVE-2099-%04d\",\"published\":\"2099-01-01T00:00:00\","
	    "\"lastModified\":\"2099-01-02T00:00:00\",\"configurations\":[{\"nodes\":[{"
	    "\"operator\":\"OR\",\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":"
	    "\"cpe:2.3:a:openssl:openssl:1.0.%d:*:*:*:*:*:*:*\"}]}]}]}}";
	static const char bad_json[] = "{\"cve\":{\"id\":\"CVE-2099-%04d\",\"published\":}}";
	static const char bad_utf8[] = "{\"cve\":{\"id\":\"CVE-2099-%04d\",\"x\":\"\xff\"}}";
	static char rows1[1 << 18], rows2[1 << 18];
	char *doc = m_malloc(1 << 20);
	size_t len = 0;

	assert_non_null(doc);
	len += (size_t)snprintf(doc + len, (1 << 20) - len, "%s", head);
	for (int i = 1; i <= 300; i++) {
		len += (size_t)snprintf(doc + len, (1 << 20) - len, "%s", i > 1 ? "," : "");
		if (i % 50 == 7)
			len += (size_t)snprintf(doc + len, (1 << 20) - len, bad_json, i);
		else if (i % 50 == 19)
			len += (size_t)snprintf(doc + len, (1 << 20) - len, bad_utf8, i);
		else
			len += (size_t)snprintf(doc + len, (1 << 20) - len, good, i, i);
	}
	/* one record over record_max: a splitter error between parsed records */
	len += (size_t)snprintf(doc + len, (1 << 20) - len,
				",{\"cve\":{\"id\":\"CVE-2099-9999\","
				"\"pad\":\"%03000d\"}}",
				0);
	len += (size_t)snprintf(doc + len, (1 << 20) - len, ",");
	len += (size_t)snprintf(doc + len, (1 << 20) - len, good, 301, 301);
	len += (size_t)snprintf(doc + len, (1 << 20) - len, "]}");
	import_both(doc, len, 2048, rows1, rows2, sizeof(rows1));
	assert_string_equal(rows1, rows2);
	assert_non_null(strstr(rows1, "289 stored 13 errors"));
	assert_non_null(strstr(rows1, "CVE-2099-0301:"));
	assert_non_null(strstr(rows1, ":CVE-2099-0007:"));
	assert_non_null(strstr(rows1, "invalid UTF-8"));
	m_free(doc);
}

/* ---- CVE 5 ---- */

static void test_cve5__pan_os_has_affected_ranges_and_merges_with_nvd(void **state)
{
	struct store *s = fresh_store("cve5.db");
	struct feeds_result r;
	char p[512], t[256];

	data_path(p, sizeof(p), "nvd/nvdcve-2.0-subset.json.xz");
	import_ok(s, p, FEEDS_NVD, &r);
	data_path(p, sizeof(p), "cve5/vulnrichment-subset.jsonl.xz");
	import_ok(s, p, FEEDS_UNKNOWN, &r);
	assert_int_equal(r.kind, FEEDS_CVE5);
	assert_int_equal(r.stored, 464);
	assert_int_equal(r.errors, 0);
	q_text(s,
	       "SELECT source || ' ' || cvss3_score || ' ' || severity FROM cves"
	       " WHERE id = 'CVE-2024-3400'",
	       t, sizeof(t));
	assert_string_equal(t, "cve5 10.0 CRITICAL");
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cves WHERE id = 'CVE-2024-3400' AND"
				  " cve5_affected LIKE '[{\"source\":\"cna\",\"affected\":[%'"
				  " AND cve5_affected LIKE '%\"lessThan\":\"10.2.9-h1\"%'"
				  " AND cve5_affected LIKE '%\"source\":\"adp:CISA-ADP\"%'"),
			 1);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cve_products WHERE cve_id = 'CVE-2024-3400'"
				  " AND vp = 'paloaltonetworks:pan-os' AND origin = 'cve5'"),
			 1);
	/* records NVD also has become nvd+cve5 and keep NVD's configurations */
	assert_true(q_int(s, "SELECT COUNT(*) FROM cves WHERE source = 'nvd+cve5'"
			     " AND configurations IS NOT NULL") > 0);
	import_ok(s, p, FEEDS_CVE5, &r);
	assert_int_equal(r.stored, 0);
	assert_int_equal(r.unchanged, 464);
	store_close(s);
}

/* ---- KEV ---- */

static void test_kev__catalogs_replace_and_remember_first_catalog(void **state)
{
	struct store *s = fresh_store("kev.db");
	struct feeds_result r;
	struct feeds_kev_diff d;
	char old[512], cur[512];

	data_path(old, sizeof(old), "kev/known_exploited_vulnerabilities-2025.08.25.json");
	data_path(cur, sizeof(cur), "kev/known_exploited_vulnerabilities.json");
	import_ok(s, old, FEEDS_UNKNOWN, &r);
	assert_int_equal(r.kind, FEEDS_KEV);
	assert_int_equal(r.stored, 1404);
	assert_string_equal(r.version, "2025.08.25");
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM kev"), 1404);
	import_ok(s, cur, FEEDS_KEV, &r);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM kev"), 1674);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM kev WHERE first_catalog = '2026.08.21'"),
			 270);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM kev WHERE known_ransomware = 'Known'"),
			 352);
	assert_int_equal(q_int(s, "SELECT count FROM kev_catalogs WHERE version = '2026.08.21'"),
			 1674);
	import_ok(s, cur, FEEDS_KEV, &r);
	assert_int_equal(r.stored, 0);
	assert_int_equal(r.unchanged, 1674);
	{
		/* a catalog cut short does not replace the stored one, and says where it broke */
		const char *cut = copy_head(cur, "kev-cut.json", file_size(cur) / 2);
		struct merr e;
		char q[600];
		merr_init(&e);
		assert_int_equal(feeds_import_file(s, cut, FEEDS_KEV, NULL, &r, &e), M_EPARSE);
		assert_true(r.file_failed);
		assert_int_equal(q_int(s, "SELECT COUNT(*) FROM kev"), 1674);
		snprintf(q, sizeof(q), "SELECT COUNT(*) FROM feed_errors WHERE file = '%s'", cut);
		assert_int_equal(q_int(s, q), 1);
	}
	assert_int_equal(feeds_kev_diff(old, cur, &d, NULL), 0);
	assert_int_equal(d.n_added, 270);
	assert_int_equal(d.n_removed, 0);
	assert_int_equal(d.old_count, 1404);
	assert_string_equal(d.new_version, "2026.08.21");
	feeds_kev_diff_release(&d);
	store_close(s);
}

/* ---- EPSS ---- */

static void test_epss__loads_all_rows_and_model_version(void **state)
{
	struct store *s = fresh_store("epss.db");
	struct feeds_result r;
	char p[512], t[128];

	data_path(p, sizeof(p), "epss/epss-scores-2026-08-16-emba.csv.xz");
	import_ok(s, p, FEEDS_UNKNOWN, &r);
	assert_int_equal(r.kind, FEEDS_EPSS);
	assert_int_equal(r.stored, 360142);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM epss WHERE model_version IS NULL"), 360142);
	p[0] = '\0';
	snprintf(p, sizeof(p), "%s",
		 tu_write_file("epss.csv",
			       "#model_version:v2025.03.14,score_date:2025-03-17T00:00:00+0000\n"
			       "cve,epss,percentile\n"
			       "CVE-2024-3400,0.94269,0.99925\n"
			       "CVE-2024-3401,1.5,0.1\n"
			       "not-a-cve,0.1,0.1\n"));
	import_ok(s, p, FEEDS_UNKNOWN, &r);
	assert_int_equal(r.stored, 1);
	assert_int_equal(r.errors, 2);
	q_text(s,
	       "SELECT model_version || ' ' || score_date || ' ' || epss FROM epss"
	       " WHERE cve_id = 'CVE-2024-3400'",
	       t, sizeof(t));
	assert_string_equal(t, "v2025.03.14 2025-03-17T00:00:00+0000 0.94269");
	assert_non_null(strstr(r.first_errors[0], "epss.csv:4:"));
	store_close(s);
}

/* ---- JVN ---- */

static void test_jvn__japanese_text_and_malformed_samples(void **state)
{
	static const char *const malformed[] = {
	    "hnd/dataFeed_jvndb_rss_hnd.xml:116:", "oka/dataFeed_jvndb_detail_oka.json:1377:",
	    "oka/dataFeed_myjvn_product_oka.json:143:",
	    "oka/dataFeed_myjvn_product_version_oka.json:178:"};
	struct store *s = fresh_store("jvn.db");
	struct feeds_result r;
	char p[512], t[512];
	int found = 0;

	/* Only the JVN folder: copy nothing, point the importer at a folder with jvn/ only. */
	data_path(p, sizeof(p), "jvn/examples/hnd/getVulnDetailInfo_hnd_JVNDB-2022-000097.xml");
	import_ok(s, p, FEEDS_UNKNOWN, &r);
	assert_int_equal(r.kind, FEEDS_JVN);
	assert_int_equal(r.stored, 1);
	q_text(s,
	       "SELECT title_ja || '|' || severity_ja || '|' || cvss3_score || '|' || cvss2_score"
	       " FROM jvn WHERE id = 'JVNDB-2022-000097'",
	       t, sizeof(t));
	assert_string_equal(t, "電子入札コアシステムにおける複数の脆弱性|警告|6.1|4.3");
	assert_int_equal(
	    q_int(s, "SELECT COUNT(*) FROM jvn_cves WHERE jvn_id = 'JVNDB-2022-000097'"), 3);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM cve_products WHERE origin = 'jvn' AND"
				  " vp = 'jacic:electronic_bidding_core_system'"),
			 3);
	for (size_t i = 0; i < ARRAY_SIZE(malformed); i++) {
		char rel[256];
		struct merr e;
		snprintf(rel, sizeof(rel), "jvn/examples/%.*s",
			 (int)(strchr(malformed[i], ':') - malformed[i]), malformed[i]);
		data_path(p, sizeof(p), rel);
		merr_init(&e);
		assert_int_equal(feeds_import_file(s, p, FEEDS_JVN, NULL, &r, &e), M_EPARSE);
		assert_int_equal(r.errors, 1);
		assert_non_null(strstr(r.first_errors[0], malformed[i]));
		found++;
	}
	assert_int_equal(found, 4);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM feed_errors WHERE feed = 'jvn'"), 4);
	/* the good documents of the same kind still import */
	data_path(p, sizeof(p), "jvn/examples/oka/getVulnOverviewList_oka.json");
	import_ok(s, p, FEEDS_JVN, &r);
	assert_int_equal(r.stored, 3);
	assert_int_equal(q_int(s, "SELECT COUNT(*) FROM jvn WHERE id = 'JVNDB-2025-002953'"
				  " AND severity_ja = '緊急'"),
			 1);
	store_close(s);
}

static void test_jvn__severity_map_follows_myjvn(void **state)
{
	assert_string_equal(feeds_jvn_severity("CRITICAL", 3), "緊急");
	assert_string_equal(feeds_jvn_severity("High", 3), "重要");
	assert_string_equal(feeds_jvn_severity("MEDIUM", 2), "警告");
	assert_string_equal(feeds_jvn_severity("HIGH", 2), "重要");
	assert_string_equal(feeds_jvn_severity("LOW", 3), "注意");
	assert_string_equal(feeds_jvn_severity("NONE", 3), "");
}

/* ---- resume ---- */

static void test_resume__skips_a_completed_file_and_continues_a_checkpoint(void **state)
{
	struct store *s = fresh_store("resume.db");
	struct feeds_opts o = {.resume = true, .batch = 100};
	struct feeds_result r;
	struct merr e;
	char p[512];
	const char *cp;

	data_path(p, sizeof(p), "nvd/nvdcve-2.0-kev-edge-2017plus.json.xz");
	cp = copy_head(p, "edge.json.xz", 0);
	merr_init(&e);
	assert_int_equal(feeds_import_file(s, cp, FEEDS_NVD, &o, &r, &e), 0);
	assert_int_equal(r.stored, 44);
	assert_int_equal(feeds_import_file(s, cp, FEEDS_NVD, &o, &r, &e), 0);
	assert_true(r.resumed);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.stored + r.unchanged, 0);
	/* a checkpoint in the middle: the records before it are not read again */
	assert_int_equal(store_exec(s,
				    "UPDATE feed_state SET checkpoint = json_set(checkpoint,"
				    " '$.done', json('false'), '$.offset', 300000)",
				    NULL),
			 0);
	assert_int_equal(feeds_import_file(s, cp, FEEDS_NVD, &o, &r, &e), 0);
	assert_true(r.resumed);
	assert_true(r.unchanged > 0 && r.unchanged < 44);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split__braces_and_escapes_inside_strings),
	    cmocka_unit_test(test_split__stray_brace_in_array_is_an_error_not_a_loop),
	    cmocka_unit_test(test_split__lines_mode_skips_blank_lines),
	    cmocka_unit_test(test_split__oversized_record_is_skipped_with_its_offset),
	    cmocka_unit_test(test_split__bad_structure_is_fatal),
	    cmocka_unit_test(test_split__reads_gzip_and_xz_whole),
	    cmocka_unit_test(test_split__truncated_gzip_keeps_earlier_records),
	    cmocka_unit_test(test_split__corrupt_gzip_is_fatal_with_its_place),
	    cmocka_unit_test(test_split__concatenated_gzip_members_read_as_one),
	    cmocka_unit_test(test_split__truncated_xz_keeps_earlier_records),
	    cmocka_unit_test(test_nvd__heartbleed_has_configurations_cvss31_and_cwe),
	    cmocka_unit_test(test_nvd__reimport_changes_nothing),
	    cmocka_unit_test(test_nvd__bad_records_are_logged_and_good_ones_stored),
	    cmocka_unit_test(test_pipe__queue_hands_over_in_order_within_its_bounds),
	    cmocka_unit_test(test_pipe__queue_orders_items_from_several_producers),
	    cmocka_unit_test(test_pipe__four_parser_threads_keep_file_order),
	    cmocka_unit_test(test_pipe__deferred_products_follow_a_repeated_cve),
	    cmocka_unit_test(test_pipe__products_index_is_there_after_every_import),
	    cmocka_unit_test(test_pipe__multi_row_refs_and_first_load_keep_the_row_paths_rows),
	    cmocka_unit_test(test_pipe__threaded_import_matches_inline_import_and_error_places),
	    cmocka_unit_test(test_cve5__pan_os_has_affected_ranges_and_merges_with_nvd),
	    cmocka_unit_test(test_kev__catalogs_replace_and_remember_first_catalog),
	    cmocka_unit_test(test_epss__loads_all_rows_and_model_version),
	    cmocka_unit_test(test_jvn__japanese_text_and_malformed_samples),
	    cmocka_unit_test(test_jvn__severity_map_follows_myjvn),
	    cmocka_unit_test(test_resume__skips_a_completed_file_and_continues_a_checkpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
