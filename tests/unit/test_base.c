/* test_base.c - errors, buffers, allocator faults, time, IP sets, UTF-8. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/ip.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "testutil.h"

static void test_err__formats_file_line_field(void **state)
{
	struct merr e;
	char out[256];

	merr_init(&e);
	assert_int_equal(
	    merr_at(&e, M_EPARSE, "inv.yaml", 12, -1, "sector", "unknown sector '%s'", "space"),
	    M_EPARSE);
	/* a second error does not overwrite the first */
	merr_set(&e, M_EIO, "later");
	merr_format(&e, out, sizeof(out));
	assert_string_equal(out, "inv.yaml:12: sector: unknown sector 'space'");
	assert_string_equal(mamori_errname(M_ESCOPE), "out_of_scope");
	assert_string_equal(mamori_strerror(-999), "unknown error");
}

/* The one list: every code from M_OK down to M_ERR_MIN has a row with both messages, and
 * the exit and HTTP statuses the CLI and the API have always given. */
static void test_err__one_list_keeps_every_status(void **state)
{
	static const struct {
		int code, exit_status, http;
		const char *name;
	} want[] = {
	    {M_OK, 0, 200, "ok"},
	    {M_ENOMEM, 8, 500, "no_memory"},
	    {M_EINVAL, 2, 400, "invalid"},
	    {M_EIO, 6, 500, "io"},
	    {M_EPARSE, 3, 400, "parse"},
	    {M_ENOTFOUND, 4, 404, "not_found"},
	    {M_EEXIST, 9, 409, "exists"},
	    {M_ESTORE, 7, 500, "store"},
	    {M_ESCOPE, 5, 403, "out_of_scope"},
	    {M_ETOOBIG, 10, 413, "too_big"},
	    {M_ETIMEOUT, 11, 429, "timeout"},
	    {M_EPERM, 12, 403, "forbidden"},
	    {M_ENET, 13, 502, "network"},
	    {M_EINTR, 130, 503, "interrupted"},
	    {M_EUNSUPPORTED, 14, 501, "unsupported"},
	    {M_ECONFIRM, 15, 409, "needs_confirmation"},
	};

	assert_int_equal(ARRAY_SIZE(want), 1 - M_ERR_MIN);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(want[i].code, -(int)i);
		assert_string_equal(mamori_errname(want[i].code), want[i].name);
		assert_int_equal(mamori_err_exit_status(want[i].code), want[i].exit_status);
		assert_int_equal(mamori_err_http_status(want[i].code), want[i].http);
		assert_string_not_equal(mamori_strerror(want[i].code), "unknown error");
		/* the Japanese message is Japanese: it holds a multi-byte character */
		assert_true((unsigned char)mamori_strerror_ja(want[i].code)[0] >= 0x80);
	}
	assert_string_equal(mamori_strerror(M_ENOTFOUND), "not found");
	assert_string_equal(mamori_strerror_ja(M_ENOTFOUND), "見つかりません");
	assert_string_equal(mamori_strerror_ja(1), "不明なエラー");
	assert_string_equal(mamori_errname(M_ERR_MIN - 1), "unknown");
	assert_int_equal(mamori_err_exit_status(-999), 1);
	assert_int_equal(mamori_err_http_status(-999), 500);
}

static void test_err__offset_when_no_line(void **state)
{
	struct merr e;
	char out[256];

	merr_init(&e);
	merr_at(&e, M_EPARSE, NULL, -1, 4096, "cve.id", "bad id");
	merr_set_file(&e, "feed.json");
	merr_format(&e, out, sizeof(out));
	assert_string_equal(out, "feed.json:@4096: cve.id: bad id");
}

static void test_buf__grows_and_caps(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_adds(&b, "12345"), 0);
	assert_int_equal(buf_addf(&b, "%d", 6789), 0);
	assert_string_equal(buf_str(&b), "123456789");
	assert_int_equal(buf_adds(&b, "ab"), M_ETOOBIG);
	assert_string_equal(buf_str(&b), "123456789"); /* unchanged on failure */
	assert_int_equal(buf_addc(&b, 'x'), 0);
	assert_int_equal(b.len, 10);
	buf_release(&b);
}

static void test_buf__json_str_escapes_and_reads_back(void **state)
{
	static const char *const in[] = {"",
					 "plain",
					 "cpe:2.3:a:foo:bar\\(x\\):1.0",
					 "say \"hi\"",
					 "tab\there\nline\x01\x1f",
					 "東京 \xe2\x80\x94 ok",
					 "\\"};
	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		struct buf b;
		cJSON *j;
		buf_init(&b, 0);
		assert_int_equal(buf_add_json_str(&b, in[i]), 0);
		assert_int_equal(buf_str(&b)[0], '"');
		for (size_t k = 1; k + 1 < b.len; k++)
			assert_true((unsigned char)b.ptr[k] >= 0x20); /* no raw control byte */
		j = cJSON_Parse(buf_str(&b));
		assert_non_null(j);
		assert_string_equal(cJSON_GetStringValue(j), in[i]);
		cJSON_Delete(j);
		buf_release(&b);
	}
}

/* The escaper writes 8 bytes at a time while none needs escaping: an escape at every offset of
 * strings longer than a word, each byte value, and a buffer too small for the worst case (the
 * run-at-a-time path) give the same text as the byte-at-a-time rule. */
static void want_json_str(const unsigned char *s, size_t n, struct buf *w)
{
	buf_addc(w, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_addf(w, "\\%c", s[i]);
		else if (s[i] < 0x20)
			buf_addf(w, "\\u%04x", s[i]);
		else
			buf_addc(w, (char)s[i]);
	}
	buf_addc(w, '"');
}

static void test_buf__json_str_words_match_bytes(void **state)
{
	static const unsigned char special[] = {'"',  '\\', 0x01, 0x1f, 0x20,
						0x7f, 0x80, 0xe3, 0xff};
	unsigned char s[40];
	struct buf b, w;

	buf_init(&b, 0);
	buf_init(&w, 0);
	for (size_t len = 1; len < sizeof(s); len += 3)
		for (size_t at = 0; at < len; at++)
			for (size_t k = 0; k < sizeof(special); k++) {
				for (size_t i = 0; i < len; i++)
					s[i] = (unsigned char)('a' + i % 26);
				s[at] = special[k];
				s[len] = 0;
				buf_reset(&b);
				buf_reset(&w);
				assert_int_equal(buf_add_json_str(&b, (const char *)s), 0);
				want_json_str(s, len, &w);
				assert_string_equal(buf_str(&b), buf_str(&w));
			}
	for (int c = 1; c < 256; c++) {
		memset(s, c, 17);
		s[17] = 0;
		buf_reset(&b);
		buf_reset(&w);
		assert_int_equal(buf_add_json_str(&b, (const char *)s), 0);
		want_json_str(s, 17, &w);
		assert_string_equal(buf_str(&b), buf_str(&w));
	}
	buf_release(&b);
	buf_init(&b, 12); /* 10 bytes and 2 quotes fit, the worst case (62) would not */
	assert_int_equal(buf_add_json_str(&b, "0123456789"), 0);
	assert_string_equal(buf_str(&b), "\"0123456789\"");
	assert_int_equal(buf_add_json_str(&b, "x"), M_ETOOBIG);
	buf_release(&b);
	buf_release(&w);
	(void)state;
}

static void test_buf__survives_every_allocation_failure(void **state)
{
	/* Fail each allocation in turn: every call either succeeds or reports
	 * M_ENOMEM, and the buffer stays consistent. */
	for (long n = 0; n < 8; n++) {
		struct buf b;
		int rc = 0;
		buf_init(&b, 0);
		mem_fail_after(n);
		for (int i = 0; i < 200 && rc == 0; i++)
			rc = buf_adds(&b, "0123456789");
		mem_fail_reset();
		assert_true(rc == 0 || rc == M_ENOMEM);
		assert_int_equal(strlen(buf_str(&b)), b.len);
		buf_release(&b);
	}
}

static void test_time__parses_and_shows_jst(void **state)
{
	int64_t t;
	char s[TIME_STR_MAX];

	assert_int_equal(time_parse("2026-11-23T03:40:47Z", &t), 0);
	time_fmt_utc(t, s);
	assert_string_equal(s, "2026-11-23T03:40:47Z");
	time_fmt_jst(t, s);
	assert_string_equal(s, "2026-11-23 12:40 JST");
	assert_int_equal(time_parse("2026-11-23T12:40:47+09:00", &t), 0);
	time_fmt_utc(t, s);
	assert_string_equal(s, "2026-11-23T03:40:47Z");
	/* years below 1000 are zero-padded so the string parses back */
	assert_int_equal(time_parse("0026-04-01", &t), 0);
	time_fmt_utc(t, s);
	assert_string_equal(s, "0026-04-01T00:00:00Z");
	assert_int_equal(time_parse("2026-02-30", &t), M_EPARSE);
	assert_int_equal(time_parse("2026-11-23T25:00Z", &t), M_EPARSE);
	assert_int_equal(time_parse("yesterday", &t), M_EPARSE);
}

/* The formatter computes the civil date itself for years 0-9999: it must agree with gmtime_r
 * (the general path, kept for other years) on every style, across leap days and centuries. */
static void test_time__fast_format_matches_gmtime(void **state)
{
	char s[TIME_STR_MAX], want[TIME_STR_MAX + 32];
	const int64_t lo = -62167219200LL, hi = 253402300799LL; /* 0000-01-01 .. 9999-12-31 */
	int n = 0;

	for (int64_t t = lo - 86400 * 3; t <= hi + 86400 * 3; t += 86400LL * 97 + 3671, n++) {
		for (int style = 0; style < 3; style++) {
			int64_t u = style ? t + 9 * 3600 : t;
			time_t tt = (time_t)u;
			struct tm tm;
			assert_non_null(gmtime_r(&tt, &tm));
			if (style == 0) {
				time_fmt_utc(t, s);
				snprintf(want, sizeof(want), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
					 (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec);
			} else if (style == 1) {
				time_fmt_jst(t, s);
				snprintf(want, sizeof(want), "%04lld-%02d-%02d %02d:%02d JST",
					 (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					 tm.tm_hour, tm.tm_min);
			} else {
				time_fmt_jst_date(t, s);
				snprintf(want, sizeof(want), "%04lld-%02d-%02d",
					 (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
			}
			if (strcmp(s, want))
				fail_msg("%lld style %d: %s, want %s", (long long)t, style, s,
					 want);
		}
	}
	assert_true(n > 30000);
	time_fmt_utc(951782400, s); /* 2000-02-29, a leap day of a century */
	assert_string_equal(s, "2000-02-29T00:00:00Z");
	time_fmt_utc(-1, s);
	assert_string_equal(s, "1969-12-31T23:59:59Z");
	(void)state;
}

static void test_time__quarters_follow_jst(void **state)
{
	int64_t t, a, b;
	char q[16];

	/* 2026-09-30 20:00 UTC is 2026-10-01 05:00 JST: fourth quarter */
	assert_int_equal(time_parse("2026-09-30T20:00:00Z", &t), 0);
	time_quarter(t, q);
	assert_string_equal(q, "2026Q4");
	assert_int_equal(time_quarter_bounds("2026Q3", &a, &b), 0);
	assert_int_equal(time_parse("2026-06-30T15:00:00Z", &t), 0);
	assert_int_equal(a, t);
	assert_int_equal(time_quarter_bounds("2026Q5", &a, &b), M_EPARSE);
	assert_int_equal(time_quarter_prev("2026Q1", q), 0);
	assert_string_equal(q, "2025Q4");
	assert_int_equal(time_quarter_prev("2026Q3", q), 0);
	assert_string_equal(q, "2026Q2");
	assert_int_equal(time_quarter_prev("26Q3", q), M_EPARSE);
}

static void test_ip__parses_both_families(void **state)
{
	struct ipaddr a;
	struct cidr c;
	char s[IP_STR_MAX];

	assert_int_equal(ip_parse("127.0.0.5", &a), 0);
	assert_int_equal(a.family, 4);
	ip_format(&a, s);
	assert_string_equal(s, "127.0.0.5");
	assert_true(ip_is_loopback(&a));
	assert_int_equal(ip_parse("::1", &a), 0);
	assert_int_equal(a.family, 6);
	assert_true(ip_is_loopback(&a));
	assert_int_equal(ip_parse("127.0.0.256", &a), M_EPARSE);
	assert_int_equal(cidr_parse("127.0.10.0/24", true, &c), 0);
	assert_int_equal(cidr_parse("127.0.10.1/24", true, &c), M_EPARSE);
	assert_int_equal(cidr_parse("127.0.10.1/24", false, &c), 0);
	cidr_format(&c, s);
	assert_string_equal(s, "127.0.10.0/24");
	assert_int_equal(cidr_parse("127.0.0.0/33", false, &c), M_EPARSE);
	assert_int_equal(cidr_parse("fd00::/8", true, &c), 0);
	assert_int_equal(cidr_parse("/8", true, &c), M_EPARSE);
}

static void test_ip__set_subtracts_exclusions(void **state)
{
	struct ipset s, x;
	struct cidr c;
	struct ipaddr a;

	ipset_init(&s);
	ipset_init(&x);
	cidr_parse("127.0.0.0/24", true, &c);
	ipset_add_cidr(&s, &c);
	cidr_parse("127.0.1.0/24", true, &c);
	ipset_add_cidr(&s, &c); /* touches: merges */
	assert_int_equal(s.n, 1);
	assert_int_equal(ipset_count(&s), 512);
	cidr_parse("127.0.0.128/25", true, &c);
	ipset_add_cidr(&x, &c);
	assert_int_equal(ipset_subtract(&s, &x), 0);
	assert_int_equal(ipset_count(&s), 384);
	ip_parse("127.0.0.5", &a);
	assert_true(ipset_contains(&s, &a));
	ip_parse("127.0.0.200", &a);
	assert_false(ipset_contains(&s, &a));
	ip_parse("127.0.1.200", &a);
	assert_true(ipset_contains(&s, &a));
	ip_parse("::1", &a);
	assert_false(ipset_contains(&s, &a));
	ipset_release(&s);
	ipset_release(&x);
}

static void test_utf8__rejects_bad_sequences(void **state)
{
	size_t at = 0;

	assert_true(utf8_valid("関東旅客鉄道", strlen("関東旅客鉄道"), NULL));
	assert_false(utf8_valid("ab\xff", 3, &at));
	assert_int_equal(at, 2);
	assert_false(utf8_valid("\xc0\xaf", 2, &at));	  /* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80", 3, &at)); /* surrogate */
	assert_false(utf8_valid("\xe6\x9d", 2, &at));	  /* truncated */
	/* a data file's check names the line of the first bad byte */
	static const char text[] = "a: 1\nb: 関東\nc: \xff\n";
	struct merr e;
	merr_init(&e);
	assert_int_equal(utf8_check_file(text, strlen(text), "x.yaml", &e), M_EPARSE);
	assert_string_equal(e.file, "x.yaml");
	assert_int_equal(e.line, 3);
	assert_string_equal(e.field, "encoding");
	assert_int_equal(utf8_check_file(text, 16, "x.yaml", &e), 0);
}

static void test_json__check_strings_refuses_nul_and_controls(void **state)
{
	static const char nul[] = "{\"a\": 1,\n \"name_value\": \"z.test\\u0000.evil.test\"}";
	static const char raw[] = "[{\"product\": \"ng\x01inx\"}]";
	static const char fine[] = "{\"k\": \"tab\\t, quote \\\", \\u00e9 and \\\\u0000\"}";
	struct merr e;

	merr_init(&e);
	assert_int_equal(json_check_strings(nul, strlen(nul), 1, 0, &e), M_EPARSE);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.field, "name_value");
	assert_non_null(strstr(e.msg, "NUL"));
	merr_init(&e);
	assert_int_equal(json_check_strings(raw, strlen(raw), -1, -1, &e), M_EPARSE);
	assert_int_equal(e.line, -1);
	assert_int_equal(e.offset, -1);
	assert_string_equal(e.field, "product");
	assert_non_null(strstr(e.msg, "0x01"));
	/* escaped tab, escaped quote, a real code point, and an escaped backslash before
	 * "u0000" (the text \u0000, not a NUL) are all fine */
	merr_init(&e);
	assert_int_equal(json_check_strings(fine, strlen(fine), 1, 0, &e), 0);
}

/* The reference walk json_check_strings must agree with (its SSE2 scan skips 16 bytes a
 * step): in a string, a byte below 0x20 or \u0000 is refused; an escape skips one byte. */
static bool ref_strings_clean(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '"')
			continue;
		for (i++; i < len && p[i] != '"'; i++) {
			if ((unsigned char)p[i] < 0x20)
				return false;
			if (p[i] == '\\' && i + 1 < len) {
				if (i + 5 < len && memcmp(p + i + 1, "u0000", 5) == 0)
					return false;
				i++;
			}
		}
	}
	return true;
}

static void test_json__check_strings_fast_scan_agrees(void **state)
{
	static const char alphabet[] = "\"\\u0a \n\x01\x1f\x7f\x80\xff";
	char long_raw[200], text[96];
	unsigned seed = 12345;
	struct merr e;
	int bad = 0;

	/* a control byte found past several 16-byte blocks keeps its offset and key */
	memset(long_raw, 'x', sizeof(long_raw));
	memcpy(long_raw, "{\"description\": \"", 17);
	long_raw[150] = '\x1b';
	memcpy(long_raw + 190, "\"}", 3);
	merr_init(&e);
	assert_int_equal(json_check_strings(long_raw, 192, 1, 100, &e), M_EPARSE);
	assert_int_equal(e.offset, 250);
	assert_string_equal(e.field, "description");
	long_raw[150] = 'x';
	assert_int_equal(json_check_strings(long_raw, 192, 1, 0, &e), 0);
	/* random texts over the bytes that matter, lengths 0..95 */
	for (int n = 0; n < 20000; n++) {
		size_t len = (seed = seed * 1103515245u + 12345u) >> 16 & 95;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		merr_init(&e);
		int rc = json_check_strings(text, len, 1, 0, &e);
		assert_int_equal(rc == 0, ref_strings_clean(text, len));
		bad += rc != 0;
	}
	assert_true(bad > 1000 && bad < 19000); /* both outcomes were exercised */
}

/* Same tree: types, keys, values, valueint and the child/next/prev links cJSON keeps. */
static bool same_tree(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y, *lx = NULL, *ly = NULL;

	if (a->type != b->type || a->valueint != b->valueint ||
	    memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0 ||
	    !a->string != !b->string || (a->string && strcmp(a->string, b->string) != 0) ||
	    !a->valuestring != !b->valuestring ||
	    (a->valuestring && strcmp(a->valuestring, b->valuestring) != 0) ||
	    !a->child != !b->child)
		return false;
	for (x = a->child, y = b->child; x && y; lx = x, ly = y, x = x->next, y = y->next)
		if (!same_tree(x, y) || (lx && x->prev != lx) || (ly && y->prev != ly))
			return false;
	return !x && !y && (!a->child || (a->child->prev == lx && b->child->prev == ly));
}

static void test_json__fast_parse_builds_cjsons_tree(void **state)
{
	static const char *const same[] = {
	    "{\"cve\":{\"id\":\"CVE-2016-0001\",\"n\":[1,-2.5e+3,0,-0,1e400,12345678901,-3e9,0.5],"
	    "\"t\":true,\"f\":false,\"z\":null,\"o\":{},\"a\":[],\"k\\\"q\":\"t\\/"
	    "\\b\\f\\n\\r\\t\\\\x\"}}",
	    " \r\n\t[ \"a\" , { \"b\" : [ [ ] ] } ]\n",
	    "\"just a string with a long enough tail to pass sixteen bytes\"",
	    "-0.000001E-5",
	    "{\"dup\":1,\"dup\":2}",
	};
	/* cJSON reads these differently or refuses them: the fast reader leaves them to it */
	static const char *const defer[] = {
	    "\"\\u00e9\"",
	    "01",
	    "[1.5.3]",
	    "1.",
	    "[1,]",
	    "{\"a\" 1}",
	    "\"\\x\"",
	    "[1] x",
	    "\xef\xbb\xbf[1]",
	    "\x01[1]",
	    "[tru]",
	    "\"open",
	    "",
	    "-",
	    "[1e]",
	    "{\"a\":1,}",
	    /* raw control bytes in strings: json_check_strings refuses them, cJSON would not */
	    "\"a\x01b\"",
	    "{\"k\x1f\":1}",
	    "[\"a string longer than sixteen bytes with a raw\nnewline\"]",
	    "[\"esc\\t then a raw\ttab\"]",
	};
	for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
		cJSON *f = json_parse_fast(same[i], strlen(same[i]));
		cJSON *c = cJSON_ParseWithLength(same[i], strlen(same[i]));
		assert_non_null(f);
		assert_non_null(c);
		assert_true(same_tree(f, c));
		cJSON_Delete(f);
		cJSON_Delete(c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(defer); i++)
		assert_null(json_parse_fast(defer[i], strlen(defer[i])));
	/* nesting beyond the fast reader's depth goes to cJSON */
	{
		char deep[1001];
		memset(deep, '[', 500);
		memset(deep + 500, ']', 500);
		assert_null(json_parse_fast(deep, 1000));
	}
}

/* Random edits of a record: whatever the fast reader accepts, cJSON accepts the same way. */
static void test_json__fast_parse_agrees_on_mutations(void **state)
{
	static const char base[] =
	    "{\"cve\":{\"id\":\"CVE-2016-0001\",\"metrics\":{\"v\":[{\"s\":7.5,\"t\":\"Primary\"}]}"
	    ","
	    "\"refs\":[{\"url\":\"https://a.test/x?y=1\",\"tags\":[\"Patch\",\"Vendor\"]}],"
	    "\"ok\":true,\"no\":null,\"n\":-12e-1}}";
	static const char alphabet[] = "{}[]\":,\\ 0123456789.-+eEtrufalsn\nu/x\x01\t";
	char text[sizeof(base) + 8];
	unsigned seed = 777;
	int accepted = 0;

	for (int n = 0; n < 20000; n++) {
		size_t len = sizeof(base) - 1;
		memcpy(text, base, len);
		for (int k = 0, edits = 1 + n % 3; k < edits; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			text[at] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		cJSON *f = json_parse_fast(text, len);
		if (!f)
			continue;
		accepted++;
		/* what it accepts passes the string check (callers check only what it refuses) */
		struct merr ce;
		merr_init(&ce);
		assert_int_equal(json_check_strings(text, len, -1, -1, &ce), 0);
		cJSON *c = cJSON_ParseWithLength(text, len);
		assert_non_null(c);
		assert_true(same_tree(f, c));
		cJSON_Delete(f);
		cJSON_Delete(c);
	}
	assert_true(accepted > 1000 && accepted < 20000); /* both outcomes were exercised */
}

static void test_err__escapes_invalid_bytes_and_controls(void **state)
{
	struct merr e;
	char out[256];

	merr_init(&e);
	merr_at(&e, M_EPARSE, "f.json", 3, -1, "cveID", "not a CVE id: '%s'", "\xff\x1b[31mred");
	merr_format(&e, out, sizeof(out));
	assert_string_equal(out, "f.json:3: cveID: not a CVE id: '\\xff\\x1b[31mred'");
	merr_init(&e);
	merr_set(&e, M_EPARSE, "日本語 ok");
	merr_format(&e, out, sizeof(out));
	assert_string_equal(out, "日本語 ok");
}

static void test_utf8__binary_bytes_escaped_never_replaced(void **state)
{
	/* a MySQL handshake read as text: length, protocol 10, version, a NUL, salt bytes */
	const char in[] = "J\x00\x00\x00\x0a5.5.30-1.1\x00\xff\xfe\x01 関東 \xe3\x81";
	char out[128];

	(void)state;
	utf8_escape_binary(in, out, sizeof(out)); /* stops at the first NUL, as C text does */
	assert_string_equal(out, "J");
	utf8_escape_binary("v5.5\xff\x01 関東\xe3\x81\tok", out, sizeof(out));
	assert_string_equal(out, "v5.5\\xff\\x01 関東\\xe3\\x81\tok");
	assert_true(utf8_valid(out, strlen(out), NULL));
	assert_null(strstr(out, "\xef\xbf\xbd"));   /* no U+FFFD */
	utf8_escape_binary("\xff\xff\xff", out, 6); /* bounded: whole escapes only */
	assert_string_equal(out, "\\xff");
}

static void test_time__countdown_reads_as_words(void **state)
{
	char s[64];

	(void)state;
	time_fmt_left(-(141 * 3600 + 9 * 60), false, s, sizeof s);
	assert_string_equal(s, "141時間超過");
	time_fmt_left(-(141 * 3600 + 9 * 60), true, s, sizeof s);
	assert_string_equal(s, "141 h overdue");
	time_fmt_left(-(9 * 60 + 5), false, s, sizeof s);
	assert_string_equal(s, "9分超過");
	time_fmt_left(3 * 3600 + 20 * 60, false, s, sizeof s);
	assert_string_equal(s, "残り 3時間20分");
	time_fmt_left(3 * 3600 + 20 * 60, true, s, sizeof s);
	assert_string_equal(s, "3 h 20 min left");
	time_fmt_left(23 * 3600, false, s, sizeof s);
	assert_string_equal(s, "残り 23時間");
	time_fmt_left(59, true, s, sizeof s);
	assert_string_equal(s, "0 min left");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_err__formats_file_line_field),
	    cmocka_unit_test(test_utf8__binary_bytes_escaped_never_replaced),
	    cmocka_unit_test(test_err__offset_when_no_line),
	    cmocka_unit_test(test_err__one_list_keeps_every_status),
	    cmocka_unit_test(test_buf__grows_and_caps),
	    cmocka_unit_test(test_buf__json_str_escapes_and_reads_back),
	    cmocka_unit_test(test_buf__json_str_words_match_bytes),
	    cmocka_unit_test(test_buf__survives_every_allocation_failure),
	    cmocka_unit_test(test_time__parses_and_shows_jst),
	    cmocka_unit_test(test_time__fast_format_matches_gmtime),
	    cmocka_unit_test(test_time__quarters_follow_jst),
	    cmocka_unit_test(test_ip__parses_both_families),
	    cmocka_unit_test(test_ip__set_subtracts_exclusions),
	    cmocka_unit_test(test_utf8__rejects_bad_sequences),
	    cmocka_unit_test(test_json__check_strings_refuses_nul_and_controls),
	    cmocka_unit_test(test_json__check_strings_fast_scan_agrees),
	    cmocka_unit_test(test_json__fast_parse_builds_cjsons_tree),
	    cmocka_unit_test(test_json__fast_parse_agrees_on_mutations),
	    cmocka_unit_test(test_err__escapes_invalid_bytes_and_controls),
	    cmocka_unit_test(test_time__countdown_reads_as_words),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
