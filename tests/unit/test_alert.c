/* test_alert.c - alert message building: header checks (no CR/LF), RFC 2047 subjects,
 * webhook URL checks and the HMAC-SHA256 signature. */
#include "base/compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "store/store.h"
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

static struct store *fresh_store(const char *name)
{
	char path[512];
	struct store *s = NULL;
	tu_path(path, sizeof path, name);
	assert_int_equal(store_open(path, &s, NULL), 0);
	return s;
}

static int64_t insert_alert(struct store *s, const char *issue, bool urgent, const char *base,
			    char token[ALERT_TOKEN_LEN + 1])
{
	struct alert_msg m;
	struct merr e;
	merr_init(&e);
	memset(&m, 0, sizeof m);
	snprintf(m.org, sizeof m.org, "kanto-rail");
	snprintf(m.issue_key, sizeof m.issue_key, "%s", issue);
	m.subject = m_strdup("件名");
	m.body = m_strdup("本文\n");
	m.urgent = urgent;
	m.ack_base = base;
	assert_int_equal(alert_insert(s, &m, 1000, &e), 1);
	assert_true(alert_token_ok(m.token));
	memcpy(token, m.token, ALERT_TOKEN_LEN + 1);
	m_free(m.subject);
	m_free(m.body);
	return m.id;
}

static int64_t q_int(struct store *s, const char *sql)
{
	int64_t v = -1;
	assert_int_equal(store_query_int(s, sql, &v, NULL), 0);
	return v;
}

static void test_alert__ack_token_first_ack_wins(void **state)
{
	struct store *s = fresh_store("ack1.db");
	char tok[ALERT_TOKEN_LEN + 1], sql[256];
	int64_t id, got = 0;
	struct merr e;

	merr_init(&e);
	id = insert_alert(s, "vuln:CVE-2021-41773", true, "https://console.test/", tok);
	/* The link in the body, without a doubled slash; the token itself is not stored. */
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM alerts WHERE body LIKE '%%https://console.test/ack/%s%%'",
		 tok);
	assert_int_equal(q_int(s, sql), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM alerts WHERE ack_token_sha256 = '%s'", tok);
	assert_int_equal(q_int(s, sql), 0);
	assert_int_equal(q_int(s, "SELECT urgent FROM alerts"), 1);
	assert_int_equal(alert_ack_token(s, tok, "alice", 2000, &got, &e), 0);
	assert_int_equal(got, id);
	assert_int_equal(alert_ack_token(s, tok, "bob", 3000, &got, &e), 0); /* twice is OK */
	assert_int_equal(q_int(s, "SELECT acked_at FROM alerts"), 2000);
	assert_int_equal(q_int(s, "SELECT count(*) FROM alerts WHERE acked_by = 'alice'"), 1);
	store_close(s);
}

static void test_alert__ack_unknown_or_malformed_token_not_found(void **state)
{
	struct store *s = fresh_store("ack2.db");
	char tok[ALERT_TOKEN_LEN + 1];
	struct merr e;

	merr_init(&e);
	insert_alert(s, "vuln:CVE-2024-1", false, NULL, tok);
	assert_int_equal(q_int(s, "SELECT count(*) FROM alerts WHERE body LIKE '%/ack/%'"), 0);
	assert_int_equal(q_int(s, "SELECT urgent FROM alerts"), 0);
	assert_int_equal(
	    alert_ack_token(s, "0123456789abcdef0123456789abcdef", "alice", 1, NULL, &e),
	    M_ENOTFOUND);
	assert_int_equal(alert_ack_token(s, "../../etc", "alice", 1, NULL, &e), M_ENOTFOUND);
	assert_int_equal(alert_ack_token(s, NULL, "alice", 1, NULL, &e), M_ENOTFOUND);
	assert_int_equal(alert_ack_token(s, tok, "a\r\nb", 1, NULL, &e), M_EINVAL);
	assert_int_equal(q_int(s, "SELECT count(*) FROM alerts WHERE acked_at IS NOT NULL"), 0);
	/* The CLI path (advisory_ack) acknowledges by the same token. */
	assert_int_equal(advisory_ack(s, tok, 5, &e), 0);
	assert_int_equal(q_int(s, "SELECT count(*) FROM alerts WHERE acked_by = 'token'"), 1);
	store_close(s);
}

static void test_alert__ack_by_id(void **state)
{
	struct store *s = fresh_store("ack3.db");
	char tok[ALERT_TOKEN_LEN + 1], tok2[ALERT_TOKEN_LEN + 1];
	int64_t a, b;
	struct merr e;

	merr_init(&e);
	a = insert_alert(s, "risky:rdp", true, NULL, tok);
	b = insert_alert(s, "risky:smb", true, NULL, tok2);
	assert_string_not_equal(tok, tok2);
	assert_int_equal(alert_ack_id(s, b, "console-user", 50, &e), 0);
	assert_int_equal(alert_ack_id(s, b, "other", 60, &e), 0);
	assert_int_equal(alert_ack_id(s, b + 100, "console-user", 50, &e), M_ENOTFOUND);
	assert_int_equal(alert_ack_id(s, a, "", 50, &e), M_EINVAL);
	assert_int_equal(q_int(s, "SELECT count(*) FROM alerts WHERE acked_at IS NULL"), 1);
	assert_int_equal(q_int(s, "SELECT acked_at FROM alerts WHERE acked_by = 'console-user'"),
			 50);
	store_close(s);
}

/* ---- SMTP AUTH goes only over TLS, whatever the front end asked ---- */

struct fake_smtp {
	int fd;
	bool saw_auth, saw_ehlo;
};

/* A server that offers AUTH PLAIN and no STARTTLS: a client that sends AUTH here would send the
 * password in clear. Serves connections until none comes for a second. */
static void *fake_smtp_run(void *arg)
{
	struct fake_smtp *f = arg;
	struct pollfd p = {f->fd, POLLIN, 0};

	while (poll(&p, 1, 1000) == 1) {
		int c = accept(f->fd, NULL, NULL);
		char buf[512];
		ssize_t n;
		struct timeval tv = {2, 0};
		if (c < 0)
			break;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		(void)!write(c, "220 fake ESMTP\r\n", 16);
		while ((n = read(c, buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			if (strncasecmp(buf, "EHLO", 4) == 0) {
				f->saw_ehlo = true;
				const char *r = "250-fake\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n";
				(void)!write(c, r, strlen(r));
			} else if (strncasecmp(buf, "AUTH", 4) == 0) {
				f->saw_auth = true;
				(void)!write(c, "235 ok\r\n", 8);
			} else if (strncasecmp(buf, "QUIT", 4) == 0) {
				(void)!write(c, "221 bye\r\n", 9);
				break;
			} else {
				(void)!write(c, "250 ok\r\n", 8);
			}
		}
		close(c);
	}
	return NULL;
}

static void test_alert__smtp_auth_refused_without_tls_in_the_library(void **state)
{
	struct store *s = fresh_store("smtpauth.db");
	struct fake_smtp f = {0};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	struct alert_run_stats st = {0};
	char tok[ALERT_TOKEN_LEN + 1], url[64], sql[200];
	pthread_t th;
	struct merr e;
	int64_t id;

	(void)state;
	merr_init(&e);
	id = insert_alert(s, "vuln:CVE-2024-0001", true, NULL, tok);
	snprintf(sql, sizeof sql,
		 "INSERT INTO alert_targets (alert_id, channel, target, state) VALUES (%lld, "
		 "'email', 'ops@kanto-rail.example', 'pending')",
		 (long long)id);
	assert_int_equal(store_exec(s, sql, &e), 0);
	f.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f.fd >= 0);
	assert_int_equal(bind(f.fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(f.fd, 4), 0);
	assert_int_equal(getsockname(f.fd, (struct sockaddr *)&a, &al), 0);
	snprintf(url, sizeof url, "smtp://127.0.0.1:%u", ntohs(a.sin_port));
	assert_int_equal(pthread_create(&th, NULL, fake_smtp_run, &f), 0);
	/* the front end forgot require_tls: the library still refuses to authenticate in clear */
	struct alert_conf conf = {.smtp_url = url,
				  .from = "mamori@localhost",
				  .require_tls = false,
				  .max_attempts = 1,
				  .timeout_s = 3,
				  .smtp_user = "mamori",
				  .smtp_password = "secret-password"};
	assert_int_equal(alert_deliver(s, &conf, 2000, &st, &e), 0);
	pthread_join(th, NULL);
	close(f.fd);
	assert_true(f.saw_ehlo);  /* it did talk to the server */
	assert_false(f.saw_auth); /* but never sent the password */
	assert_int_equal(st.delivered, 0);
	assert_int_equal(q_int(s, "SELECT count(*) FROM alert_targets WHERE state = 'delivered'"),
			 0);
	store_close(s);
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
	    cmocka_unit_test(test_alert__ack_token_first_ack_wins),
	    cmocka_unit_test(test_alert__ack_unknown_or_malformed_token_not_found),
	    cmocka_unit_test(test_alert__ack_by_id),
	    cmocka_unit_test(test_alert__smtp_auth_refused_without_tls_in_the_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
