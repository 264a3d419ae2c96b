/* test_alert.c - alert message building: header checks (no CR/LF), RFC 2047 subjects,
 * webhook URL checks and the HMAC-SHA256 signature. */
#include "base/compat.h"

#include <openssl/evp.h>
#include <string.h>

#include "alert/alert.h"
#include "base/buf.h"
#include "base/err.h"
#include "testutil.h"

static void test_alert__header_refuses_cr_lf(void **state)
{
	assert_true(alert_header_ok("緊急: CVE-2021-41773"));
	assert_false(alert_header_ok("a\r\nBcc: x@y"));
	assert_false(alert_header_ok("a\nb"));
	assert_false(alert_header_ok("a\rb"));
	assert_false(alert_header_ok(NULL));
}

static void test_alert__address_syntax(void **state)
{
	assert_true(alert_addr_ok("csirt@kanto-rail.test"));
	assert_false(alert_addr_ok("csirt@kanto-rail.test\r\nBcc: evil@x"));
	assert_false(alert_addr_ok("no-at-sign"));
	assert_false(alert_addr_ok("a@b@c"));
	assert_false(alert_addr_ok("<a@b>"));
	assert_false(alert_addr_ok("a b@c"));
	assert_false(alert_addr_ok("@c"));
}

static void test_alert__webhook_url_checked(void **state)
{
	struct merr e;
	merr_init(&e);
	assert_int_equal(alert_webhook_url_check("https://hooks.example.test/x?a=1", &e), 0);
	assert_int_equal(alert_webhook_url_check("http://127.0.0.1:8099/hook", &e), 0);
	assert_int_equal(alert_webhook_url_check("ftp://h/x", &e), M_EINVAL);
	assert_int_equal(alert_webhook_url_check("http://", &e), M_EINVAL);
	assert_int_equal(alert_webhook_url_check("http://h/\r\nX: y", &e), M_EINVAL);
	assert_int_equal(alert_webhook_url_check("", &e), M_EINVAL);
	assert_int_equal(alert_webhook_url_check("file:///etc/passwd", &e), M_EINVAL);
}

/* Decodes every encoded word of an RFC 2047 header back to the UTF-8 text. */
static void decode_words(const char *h, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = h;
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		const char *q = strstr(p + 10, "?=");
		unsigned char tmp[256];
		assert_non_null(q);
		int n = EVP_DecodeBlock(tmp, (const unsigned char *)p + 10, (int)(q - p - 10));
		assert_true(n >= 0);
		while (n > 0 && q[-1] == '=' && (q - 1 > p + 10) && tmp[n - 1] == 0) {
			n--;
			q--;
		}
		assert_true(o + (size_t)n < cap);
		memcpy(out + o, tmp, (size_t)n);
		o += (size_t)n;
		p = strstr(p + 10, "?=") + 2;
	}
	out[o] = 0;
}

static void test_alert__subject_encoded_word_round_trips(void **state)
{
	const char *s =
	    "[mamori] 緊急: vuln:CVE-2021-41773 / Urgent: 関東鉄道株式会社の重大な脆弱性";
	char back[512];
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(alert_mime_word(&b, s), 0);
	assert_non_null(strstr(buf_str(&b), "?=\r\n =?UTF-8?B?")); /* folded: more than one word */
	decode_words(buf_str(&b), back, sizeof back);
	assert_string_equal(back, s);
	buf_release(&b);
}

static void test_alert__mail_refuses_injected_subject(void **state)
{
	struct buf b;
	struct merr e;
	buf_init(&b, 0);
	merr_init(&e);
	assert_int_equal(alert_mail_build(&b, "m@a.test", "c@b.test", "x\r\nBcc: evil@c.test",
					  "body", 0, "id1", &e),
			 M_EINVAL);
	assert_int_equal(
	    alert_mail_build(&b, "m@a.test", "c@b.test\nBcc: e@c", "x", "body", 0, "id1", &e),
	    M_EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(alert_mail_build(&b, "m@a.test", "c@b.test", "件名", "本文", 0, "id1", &e),
			 0);
	assert_non_null(strstr(buf_str(&b), "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	assert_non_null(strstr(buf_str(&b), "Subject: =?UTF-8?B?5Lu25ZCN?=\r\n"));
	assert_non_null(strstr(buf_str(&b), "Content-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(buf_str(&b), "\r\n\r\n5pys5paH\r\n"));
	buf_release(&b);
}

static void test_alert__hmac_matches_rfc4231_case2(void **state)
{
	char hex[65];
	const char *d = "what do ya want for nothing?";
	assert_int_equal(alert_hmac_hex("Jefe", d, strlen(d), hex), 0);
	assert_string_equal(hex,
			    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alert__header_refuses_cr_lf),
	    cmocka_unit_test(test_alert__address_syntax),
	    cmocka_unit_test(test_alert__webhook_url_checked),
	    cmocka_unit_test(test_alert__subject_encoded_word_round_trips),
	    cmocka_unit_test(test_alert__mail_refuses_injected_subject),
	    cmocka_unit_test(test_alert__hmac_matches_rfc4231_case2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
