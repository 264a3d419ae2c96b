/* test_share.c - STIX 2.1 spans, timestamps, validation, TLP ids, import, paging and TLP
 * filtering in the store (src/share). */
#include "base/compat.h"

#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "share/share.h"
#include "store/store.h"
#include "testutil.h"

static void test_share__tlp_ids_every_variant(void **state)
{
	assert_int_equal(
	    share_tlp_of_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
	    SHARE_TLP_CLEAR); /* TLP 1.0 WHITE, also OpenCTI's CLEAR */
	assert_int_equal(
	    share_tlp_of_marking_id("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
	    SHARE_TLP_CLEAR);
	assert_int_equal(
	    share_tlp_of_marking_id("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
	    SHARE_TLP_AMBER_STRICT);
	assert_int_equal(
	    share_tlp_of_marking_id("marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"),
	    SHARE_TLP_AMBER_STRICT); /* OpenCTI */
	assert_int_equal(
	    share_tlp_of_marking_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec"),
	    0); /* one digit off TLP:RED 1.0 */
	assert_int_equal(share_tlp_parse("TLP:AMBER+STRICT"), SHARE_TLP_AMBER_STRICT);
	assert_int_equal(share_tlp_parse("white"), SHARE_TLP_CLEAR);
	assert_int_equal(share_tlp_parse("purple"), 0);
	assert_string_equal(share_tlp_marking_id(SHARE_TLP_CLEAR, true),
			    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9");
	assert_string_equal(share_tlp_marking_id(SHARE_TLP_AMBER_STRICT, true),
			    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82");
	assert_string_equal(share_tlp_marking_id(SHARE_TLP_RED, false),
			    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1");
}

static void test_share__timestamps(void **state)
{
	char out[40];
	assert_int_equal(share_ts_us("2016-04-06T20:03:48.123456Z", 3), 1459973028123456LL);
	assert_int_equal(share_ts_us("2016-04-06T20:03:48.1Z", 0), 1459973028100000LL);
	assert_true(share_ts_us("2016-04-06T20:03:48Z", 3) < 0);
	assert_true(share_ts_us("2016-04-06T20:03:48.000+00:00", 3) < 0);
	assert_true(share_ts_us("2022-101-27T00:00:00.000Z", 3) < 0);
	assert_true(share_ts_us("2023-02-29T00:00:00.000Z", 3) < 0);
	share_fmt_us(1459973028000001LL, out);
	assert_string_equal(out, "2016-04-06T20:03:48.000001Z");
}

/* share_uuid4: random, version 4, RFC 4122 variant, the 8-4-4-4-12 layout */
static void test_share__uuid4(void **state)
{
	char a[40], b[40];
	share_uuid4(a);
	share_uuid4(b);
	assert_int_equal(strlen(a), 36);
	assert_string_not_equal(a, b);
	for (int i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_true(strchr("0123456789abcdef", a[i]) != NULL);
	assert_int_equal(a[14], '4');
	assert_non_null(strchr("89ab", a[19]));
}

static void test_share__spans_exact_bytes(void **state)
{
	const char *doc = "{ \"more\": false, \"objects\" : [ {\"a\": \"}\\\"]\"} ,\n{ \"b\" : [1, "
			  "{}]}\t] , \"next\": \"x\" }\n";
	struct share_span *sp;
	struct merr e;
	size_t n;

	merr_init(&e);
	assert_int_equal(share_spans(doc, strlen(doc), &sp, &n, NULL, &e), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(doc + sp[0].off, "{\"a\": \"}\\\"]\"}", sp[0].len);
	assert_memory_equal(doc + sp[1].off, "{ \"b\" : [1, {}]}", sp[1].len);
	free(sp);
	merr_init(&e);
	assert_int_equal(share_spans("{\"objects\": [{}] } x", 20, &sp, &n, NULL, &e), M_EPARSE);
	assert_non_null(strstr(e.msg, "trailing"));
	merr_init(&e);
	assert_int_equal(share_spans("{\"objects\": [{},]}", 18, &sp, &n, NULL, &e), M_EPARSE);
	assert_int_equal(e.offset, 16);
}

struct seen_spans {
	const char *doc;
	size_t n, off[4], len[4];
};

static int collect_span(const char *raw, size_t len, size_t off, void *arg)
{
	struct seen_spans *x = arg;
	assert_non_null(raw);
	assert_true(x->n < 4);
	assert_memory_equal(raw, x->doc + off, len);
	x->off[x->n] = off;
	x->len[x->n++] = len;
	return 0;
}

/* The streaming reader yields share_spans' spans, and refuses a document broken after its
 * objects (the offset in the whole document), so an import never stores from it. */
static void test_share__stream_same_spans(void **state)
{
	const char *doc = "{ \"more\": false, \"objects\" : [ {\"a\": \"}\\\"]\"} ,\n{ \"b\" : [1, "
			  "{}]}\t] , \"next\": \"x\" }\n";
	const char *bad = "{\"objects\": [{\"a\": 1}, {\"b\": 2}], \"next\": tru}";
	struct seen_spans x = {doc, 0, {0}, {0}};
	struct share_src src;
	struct merr e;
	int kind = -1;

	(void)state;
	merr_init(&e);
	share_src_mem(&src, doc, strlen(doc));
	assert_int_equal(share_stream(&src, collect_span, &x, &kind, &e), 0);
	assert_int_equal(kind, SHARE_DOC_ENVELOPE);
	assert_int_equal(x.n, 2);
	assert_memory_equal(doc + x.off[0], "{\"a\": \"}\\\"]\"}", x.len[0]);
	assert_memory_equal(doc + x.off[1], "{ \"b\" : [1, {}]}", x.len[1]);
	x.n = 0;
	x.doc = bad;
	merr_init(&e);
	share_src_mem(&src, bad, strlen(bad));
	assert_int_equal(share_stream(&src, collect_span, &x, NULL, &e), M_EPARSE);
	assert_int_equal(x.n, 2); /* seen, then the document failed: pass 1 of an import */
	assert_int_equal(e.offset, 42);
}

static void test_share__check_reasons(void **state)
{
	struct share_obj o;
	struct merr e;
	const char *ok =
	    "{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--ee20065d-"
	    "2555-424f-ad9e-0f8428623c75\",\"created\":\"2016-04-06T20:08:31.000Z\","
	    "\"modified\":\"2016-04-06T20:08:31.000Z\",\"sighting_of_ref\":\"indicator--"
	    "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"count\":3}";
	const char *no_ref =
	    "{\"type\":\"sighting\",\"spec_version\":\"2.1\",\"id\":\"sighting--"
	    "ee20065d-2555-424f-ad9e-0f8428623c75\",\"created\":\"2016-04-06T20:08:31."
	    "000Z\",\"modified\":\"2016-04-06T20:08:31.000Z\"}";
	const char *wrong_prefix =
	    "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"tool--"
	    "ee20065d-2555-424f-ad9e-0f8428623c75\",\"created\":\"2016-04-06T"
	    "20:08:31.000Z\",\"modified\":\"2016-04-06T20:08:31.000Z\",\"name\":"
	    "\"x\"}";

	merr_init(&e);
	assert_int_equal(share_stix_check(ok, strlen(ok), &o, &e), 0);
	assert_string_equal(o.version, "2016-04-06T20:08:31.000Z");
	merr_init(&e);
	assert_int_equal(share_stix_check(no_ref, strlen(no_ref), &o, &e), M_EPARSE);
	assert_string_equal(e.field, "sighting_of_ref");
	merr_init(&e);
	assert_int_equal(share_stix_check(wrong_prefix, strlen(wrong_prefix), &o, &e), M_EPARSE);
	assert_string_equal(e.field, "id");
}

struct walk {
	int seen[64];
	int64_t last_date, last_seq;
	int rows;
};

static int walk_row(const struct share_row *r, void *arg)
{
	struct walk *w = arg;
	int k = (int)strtol(strrchr(r->raw, '#') + 1, NULL, 10);
	w->seen[k]++;
	w->last_date = r->date_added;
	w->last_seq = r->seq;
	w->rows++;
	return 0;
}

/* 40 objects in two batches (each batch shares one date_added), walked 3 at a time while a
 * third batch is added half way: each object seen once. TLP: a member sees green, not red. */
static void test_share__paging_and_tlp(void **state)
{
	char path[512], doc[65536];
	struct share_collection c = {
	    .alias = "p", .title = "p", .tlp = SHARE_TLP_GREEN, .read = "role:member"};
	struct share_import_result r;
	struct share_query q = {.added_after = -1, .cursor_date = -1, .limit = 3};
	struct share_who member = {"m1", "member", NULL};
	struct walk w = {0};
	struct store *s;
	struct merr e;
	bool more = true;
	int k = 0, pages = 0;

	tu_path(path, sizeof(path), "share.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(share_collection_add(s, &c, 1, &e), 0);
	assert_int_equal(share_collection_get(s, "p", &c, &e), 0);
	for (int b = 0; b < 3; b++) {
		size_t used = (size_t)snprintf(doc, sizeof(doc), "{\"objects\":[");
		int cnt = b == 2 ? 10 : 20;
		for (int i = 0; i < cnt; i++, k++)
			used += (size_t)snprintf(
			    doc + used, sizeof(doc) - used,
			    "%s{\"type\":\"url\",\"id\":\"url--%08d-0000-4000-8000-000000000000\","
			    "\"value\":\"http://x.test/#%d\"%s}",
			    i ? "," : "", k, k,
			    k == 5
				? ",\"object_marking_refs\":[\"marking-definition--e828b379-4e03-"
				  "4974-9ac4-e53a884c97c1\"]"
				: "");
		snprintf(doc + used, sizeof(doc) - used, "]}");
		if (b == 2)
			break;
		assert_int_equal(share_import(s, &c, doc, strlen(doc), 0, &r, &e), 0);
		assert_int_equal(r.n_ok, 20);
		share_import_result_free(&r);
	}
	q.who = &member;
	while (more && pages < 100) {
		assert_int_equal(share_query_run(s, &c, &q, walk_row, &w, &more, &e), 0);
		q.cursor_date = w.last_date;
		q.cursor_seq = w.last_seq;
		if (++pages == 4) {
			assert_int_equal(share_import(s, &c, doc, strlen(doc), 0, &r, &e), 0);
			share_import_result_free(&r);
		}
	}
	for (int i = 0; i < 50; i++)
		assert_int_equal(w.seen[i], i == 5 ? 0 : 1); /* #5 is TLP:RED */
	assert_int_equal(w.rows, 49);
	store_close(s);
}

struct iocs {
	char got[16][128];
	int n;
};

static int collect(const struct share_ioc *ioc, void *arg)
{
	struct iocs *x = arg;
	if (x->n < 16)
		snprintf(x->got[x->n++], sizeof(x->got[0]), "%s=%.100s",
			 share_ioc_kind_name(ioc->kind), ioc->value);
	return 0;
}

static void test_share__pattern_grammar(void **state)
{
	static const char *const ok[] = {
	    "[ipv4-addr:value = '198.51.100.7']",
	    "[file:hashes.'SHA-256' = "
	    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'"
	    " OR file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']",
	    "[network-traffic:extensions.'http-request-ext'.request_value NOT LIKE 'x%']",
	    "([a:b = 1] AND [c:d[*].e > 2.5]) FOLLOWEDBY [x-y:z MATCHES '^a\\'b$'] WITHIN 300 "
	    "SECONDS",
	    "[user-account:x = true] REPEATS 5 TIMES START t'2016-06-01T00:00:00Z' STOP "
	    "t'2016-07-01T00:00:00Z'",
	    "[artifact:payload_bin = b'dGVzdA==' AND artifact:h = h'0a0b'] OR [EXISTS win:key]",
	    "[ipv4-addr:value IN ('198.51.100.1', '198.51.100.2') AND ipv4-addr:x != 'y']",
	    "[(domain-name:value = 'a.test' OR url:value = 'http://a.test/x')]",
	};
	static const struct {
		const char *p;
		long long offset;
	} bad[] = {
	    {"[ipv4-addr:value = '1.2.3.4'", 28},
	    {"[ipv4-addr:value '1.2.3.4']", 17},
	    {"ipv4-addr:value = '1.2.3.4'", 0},
	    {"[a:b = 'x'] WITHIN -5 SECONDS", 19},
	    {"[a:b = 'unterminated]", 7},
	    {"[a:b = 1] REPEATS 0 TIMES", 18},
	    {"[a:b = t'2016-13-01T00:00:00Z']", 7},
	    {"[a:b = 'x'] AND", 15},
	    {"[a:b-c = 1]", 3},
	};
	struct iocs x = {0};
	struct merr e;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		merr_init(&e);
		if (share_pattern_parse(ok[i], strlen(ok[i]), NULL, NULL, &e))
			fail_msg("'%s': %s", ok[i], e.msg);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		merr_init(&e);
		assert_int_equal(share_pattern_parse(bad[i].p, strlen(bad[i].p), NULL, NULL, &e),
				 M_EPARSE);
		if (e.offset != bad[i].offset)
			fail_msg("'%s': offset %lld, want %lld (%s)", bad[i].p, e.offset,
				 bad[i].offset, e.msg);
		assert_string_equal(e.field, "pattern");
	}
	/* observables: positive comparisons only, canonical hash names, CIDRs normalised */
	const char *p =
	    "[ipv4-addr:value ISSUBSET '198.51.100.9/24' OR domain-name:value = "
	    "'Evil.Example.' OR file:hashes.SHA256 = "
	    "'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F' OR "
	    "url:value NOT = 'http://no.test/' OR ipv6-addr:value IN ('2001:db8::1')] AND "
	    "[email-addr:value = 'X@evil.example']";
	merr_init(&e);
	assert_int_equal(share_pattern_parse(p, strlen(p), collect, &x, &e), 0);
	assert_int_equal(x.n, 5);
	assert_string_equal(x.got[0], "ip=198.51.100.0/24");
	assert_string_equal(x.got[1], "domain=evil.example");
	assert_string_equal(
	    x.got[2], "sha256=aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f");
	assert_string_equal(x.got[3], "ip=2001:db8::1/128");
	assert_string_equal(x.got[4], "email=x@evil.example");
}

/* The page cache (pagecache.c): the key separates audience classes, a change to the
 * collection's objects (import of a new object, delete) makes its pages stale, a re-import
 * of identical objects does not; a page outlives its eviction while a sender holds it. */
static void test_share__page_cache(void **state)
{
	char path[512], *k_member, *k_analyst, *k_member2, *body;
	struct share_collection c = {
	    .alias = "pc", .title = "pc", .tlp = SHARE_TLP_GREEN, .read = "role:member"};
	struct share_query q;
	struct share_who member = {"m1", "member", NULL}, member2 = {"m2", "member", NULL},
			 analyst = {"a1", "analyst", NULL};
	struct share_import_result r;
	struct share_page *pg, *held;
	struct share_page_stats st;
	struct store *s;
	struct merr e;
	size_t len;
	int64_t seq0, n_del = 0;
	static const char doc[] =
	    "{\"objects\":[{\"type\":\"url\",\"id\":\"url--00000001-0000-4000-8000-000000000000\","
	    "\"value\":\"http://x.test/1\"}]}";

	tu_path(path, sizeof(path), "share_pc.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(share_collection_add(s, &c, 1, &e), 0);
	assert_int_equal(share_collection_get(s, "pc", &c, &e), 0);
	seq0 = c.write_seq;
	share_query_init(&q, SHARE_V_LAST);
	q.limit = 10;
	/* a member (role grant) sees up to amber, an analyst every level: two classes */
	assert_int_equal(share_audience(&c, &member), (1u << SHARE_TLP_CLEAR) |
							  (1u << SHARE_TLP_GREEN) |
							  (1u << SHARE_TLP_AMBER));
	assert_int_equal(share_audience(&c, &member), share_audience(&c, &member2));
	assert_true(share_audience(&c, &analyst) != share_audience(&c, &member));
	q.who = &member;
	k_member = share_page_key(&c, &q, share_audience(&c, &member), 0, false);
	k_member2 = share_page_key(&c, &q, share_audience(&c, &member2), 0, false);
	q.who = &analyst;
	k_analyst = share_page_key(&c, &q, share_audience(&c, &analyst), 0, false);
	assert_non_null(k_member);
	assert_string_equal(k_member, k_member2);
	assert_string_not_equal(k_member, k_analyst);
	/* the analyst's page never answers the member's key */
	body = m_strdup("{\"objects\":[RED]}");
	pg = share_page_put(k_analyst, c.write_seq, body, strlen(body), "f", "l");
	assert_non_null(pg);
	share_page_unref(pg);
	assert_null(share_page_get(k_member, c.write_seq));
	pg = share_page_get(k_analyst, c.write_seq);
	assert_non_null(pg);
	assert_string_equal(share_page_body(pg, &len), "{\"objects\":[RED]}");
	assert_string_equal(share_page_first(pg), "f");
	share_page_unref(pg);
	/* a new object bumps the write sequence: the page is stale and dropped */
	assert_int_equal(share_import(s, &c, doc, strlen(doc), 0, &r, &e), 0);
	share_import_result_free(&r);
	assert_int_equal(share_collection_get(s, "pc", &c, &e), 0);
	assert_int_equal(c.write_seq, seq0 + 1);
	assert_null(share_page_get(k_analyst, c.write_seq));
	/* the same object again stores nothing: the sequence (and the cache) stay */
	assert_int_equal(share_import(s, &c, doc, strlen(doc), 0, &r, &e), 0);
	assert_int_equal(r.n_ok, 1);
	share_import_result_free(&r);
	assert_int_equal(share_collection_get(s, "pc", &c, &e), 0);
	assert_int_equal(c.write_seq, seq0 + 1);
	assert_int_equal(
	    share_object_delete(s, &c, "url--00000001-0000-4000-8000-000000000000", &q, &n_del, &e),
	    0);
	assert_int_equal(n_del, 1);
	assert_int_equal(share_collection_get(s, "pc", &c, &e), 0);
	assert_int_equal(c.write_seq, seq0 + 2);
	/* eviction: a small cache keeps a bounded number of bytes; a held page stays valid */
	share_page_cache_limit(4096);
	body = m_strdup("held page");
	held = share_page_put(m_strdup("held-key"), 1, body, strlen(body), "", "");
	assert_non_null(held);
	for (int i = 0; i < 50; i++) {
		char k[32];
		snprintf(k, sizeof(k), "filler-%d", i);
		body = m_malloc(600);
		memset(body, 'x', 599);
		body[599] = '\0';
		pg = share_page_put(m_strdup(k), 1, body, 599, "", "");
		assert_non_null(pg);
		share_page_unref(pg);
	}
	share_page_cache_stats(&st);
	assert_true(st.bytes <= 4096);
	assert_true(st.evicted > 0);
	assert_null(share_page_get("held-key", 1));
	assert_string_equal(share_page_body(held, &len), "held page");
	share_page_unref(held);
	share_page_cache_limit(SHARE_PAGE_CACHE_DEFAULT);
	m_free(k_member);
	m_free(k_member2);
	store_close(s);
}

/* An import's result keeps at most SHARE_STATUS_LIST_MAX successes and as many failures
 * (memory flat in the object count); the counts stay complete. */
static void test_share__import_result_capped(void **state)
{
	char path[512];
	struct share_collection c = {.alias = "cap", .title = "cap", .tlp = SHARE_TLP_GREEN};
	struct share_import_result r;
	struct buf doc;
	struct store *s;
	struct merr e;
	size_t n_ok = SHARE_STATUS_LIST_MAX + 25, n_bad = 3, failures = 0;

	tu_path(path, sizeof(path), "share_cap.db");
	merr_init(&e);
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(share_collection_add(s, &c, 1, &e), 0);
	assert_int_equal(share_collection_get(s, "cap", &c, &e), 0);
	buf_init(&doc, (size_t)16 << 20);
	buf_adds(&doc, "{\"objects\":[");
	for (size_t i = 0; i < n_ok + n_bad; i++) {
		if (i >= n_ok) /* the last ones fail: no value */
			buf_addf(&doc,
				 ",{\"type\":\"url\",\"id\":\"url--%08zx-0000-4000-8000-"
				 "000000000000\"}",
				 i);
		else
			buf_addf(&doc,
				 "%s{\"type\":\"url\",\"id\":\"url--%08zx-0000-4000-8000-"
				 "000000000000\",\"value\":\"http://x.test/%zu\"}",
				 i ? "," : "", i, i);
	}
	buf_adds(&doc, "]}");
	assert_int_equal(share_import(s, &c, doc.ptr, doc.len, 0, &r, &e), 0);
	assert_int_equal(r.n, n_ok + n_bad);
	assert_int_equal(r.n_ok, n_ok);
	assert_int_equal(r.n_failed, n_bad);
	assert_int_equal(r.n_items, SHARE_STATUS_LIST_MAX + n_bad);
	for (size_t i = 0; i < r.n_items; i++) {
		if (!r.items[i].ok) {
			assert_int_equal(r.items[i].index, n_ok + failures);
			assert_non_null(r.items[i].message);
			failures++;
		} else {
			assert_int_equal(r.items[i].index, i); /* the first successes, in order */
		}
	}
	assert_int_equal(failures, n_bad);
	share_import_result_free(&r);
	buf_release(&doc);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_share__tlp_ids_every_variant),
	    cmocka_unit_test(test_share__timestamps),
	    cmocka_unit_test(test_share__uuid4),
	    cmocka_unit_test(test_share__spans_exact_bytes),
	    cmocka_unit_test(test_share__stream_same_spans),
	    cmocka_unit_test(test_share__check_reasons),
	    cmocka_unit_test(test_share__paging_and_tlp),
	    cmocka_unit_test(test_share__pattern_grammar),
	    cmocka_unit_test(test_share__page_cache),
	    cmocka_unit_test(test_share__import_result_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
