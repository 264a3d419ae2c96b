/* test_fp_parsers.c - banner, DNS, HTTP and OT parsers over byte arrays built
 * here from the protocol layouts; request builders checked byte for byte. */
#include "base/compat.h"

#include "fingerprint/banner.h"
#include "fingerprint/fingerprint.h"
#include "fingerprint/http.h"
#include "fingerprint/ot.h"
#include "testutil.h"

#define S(x) x, sizeof(x) - 1
#define SU(x) (const unsigned char *)x, sizeof(x) - 1

static void test_banner__ssh_ident_skips_pre_lines(void **state)
{
	struct fp_banner b;
	const char in[] = "Welcome\r\nSSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u1\r\nrest";

	assert_int_equal(fp_ssh_ident(S(in), &b), FP_DONE);
	assert_string_equal(b.proto_version, "2.0");
	assert_string_equal(b.text, "OpenSSH_8.4p1 Debian-5+deb11u1");
	assert_int_equal(b.consumed, strlen(in) - 4);
	assert_int_equal(fp_ssh_ident(S("SSH-2.0-Open"), &b), FP_NEED_MORE);
	assert_int_equal(fp_ssh_ident(S("SSH-2.0\r\n"), &b), M_EPARSE);
}

static void test_banner__ftp_and_smtp_multiline(void **state)
{
	struct fp_banner b;

	assert_int_equal(fp_greeting(FP_GREET_FTP, S("220 (vsFTPd 3.0.3)\r\n"), &b), FP_DONE);
	assert_string_equal(b.text, "(vsFTPd 3.0.3)");
	assert_int_equal(b.code, 220);
	assert_int_equal(fp_greeting(FP_GREET_SMTP,
				     S("220-mx.example.jp ESMTP Postfix (Debian/GNU)\r\n"
				       "220-no UCE\r\n220 ok\r\n"),
				     &b),
			 FP_DONE);
	assert_string_equal(b.text, "mx.example.jp ESMTP Postfix (Debian/GNU)");
	assert_int_equal(b.n_lines, 3);
	/* FTP continuation lines may lack the code; the reply ends at "220 " */
	assert_int_equal(fp_greeting(FP_GREET_FTP, S("220-Hi\r\n  more text\r\n"), &b),
			 FP_NEED_MORE);
	assert_int_equal(fp_greeting(FP_GREET_FTP, S("220-Hi\r\n  more text\r\n220 end\r\n"), &b),
			 FP_DONE);
	assert_int_equal(fp_greeting(FP_GREET_SMTP, S("HTTP/1.1 400\r\n"), &b), M_EPARSE);
	assert_int_equal(fp_greeting(FP_GREET_SMTP, S("554 go away\r\n"), &b), FP_DONE);
	assert_int_equal(b.code, 554);
}

static void test_banner__pop_imap(void **state)
{
	struct fp_banner b;

	assert_int_equal(fp_greeting(FP_GREET_POP3, S("+OK Dovecot (Debian) ready.\r\n"), &b),
			 FP_DONE);
	assert_string_equal(b.text, "Dovecot (Debian) ready.");
	assert_int_equal(fp_greeting(FP_GREET_IMAP,
				     S("* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n"),
				     &b),
			 FP_DONE);
	assert_string_equal(b.text, "Dovecot ready.");
	assert_int_equal(fp_greeting(FP_GREET_IMAP, S("* BYE busy\r\n"), &b), FP_DONE);
	assert_int_equal(b.code, -1);
	assert_int_equal(fp_greeting(FP_GREET_POP3, S("* OK x\r\n"), &b), M_EPARSE);
}

static void test_banner__text_for_each_database(void **state)
{
	char out[128];

	assert_int_equal(fp_banner_text("ssh_banners", S("SSH-2.0-OpenSSH_9.2p1\r\n"), out, 128),
			 13);
	assert_string_equal(out, "OpenSSH_9.2p1");
	fp_banner_text("ftp_banners", S("220 (vsFTPd 3.0.3)"), out, sizeof(out));
	assert_string_equal(out, "(vsFTPd 3.0.3)");
	fp_banner_text("imap_banners", S("* OK [CAPABILITY IMAP4rev1] Dovecot ready."), out, 128);
	assert_string_equal(out, "Dovecot ready.");
	/* not a greeting, or a database without a parser: the text as it is */
	fp_banner_text("ftp_banners", S("hello"), out, sizeof(out));
	assert_string_equal(out, "hello");
	assert_int_equal(fp_banner_text("http_servers", S("nginx/1.22.1"), out, 6), 5);
	assert_string_equal(out, "nginx");
}

static void test_banner__ehlo_extensions(void **state)
{
	struct fp_ehlo e;

	assert_int_equal(fp_smtp_ehlo(S("250-mx.example.jp Hello\r\n250-PIPELINING\r\n"
					"250-SIZE 10240000\r\n250 STARTTLS\r\n"),
				      &e),
			 FP_DONE);
	assert_string_equal(e.host, "mx.example.jp");
	assert_int_equal(e.n_ext, 3);
	assert_string_equal(e.ext[1], "SIZE 10240000");
	assert_true(e.has_starttls);
	assert_int_equal(fp_smtp_ehlo(S("250-mx\r\n250-8BITMIME\r\n"), &e), FP_NEED_MORE);
	assert_int_equal(fp_smtp_ehlo(S("500 what\r\n"), &e), M_EPARSE);
}

static void test_banner__telnet_strips_iac(void **state)
{
	/* IAC DO ECHO, IAC WILL SGA, IAC SB TTYPE SEND IAC SE, text, IAC IAC */
	static const char in[] = "\xff\xfd\x01\xff\xfb\x03\xff\xfa\x18\x01\xff\xf0"
				 "login: \xff\xff";
	unsigned char reply[16];
	size_t rlen = 0;
	struct fp_banner b;

	assert_int_equal(fp_telnet_strip(in, sizeof(in) - 1, &b, reply, sizeof(reply), &rlen),
			 FP_DONE);
	assert_int_equal(b.text_len, 8);
	assert_memory_equal(b.text, "login: \xff", 8);
	assert_int_equal(rlen, 6);
	assert_memory_equal(reply, "\xff\xfc\x01\xff\xfe\x03", 6); /* WONT ECHO, DONT SGA */
	assert_int_equal(fp_telnet_strip("ab\xff\xfd", 4, &b, NULL, 0, NULL), FP_NEED_MORE);
}

static void test_banner__mysql_handshake_and_error(void **state)
{
	/* length 0x4a, seq 0, protocol 10, version, thread id 8, auth 8, filler,
	 * caps low 0xffff, charset 0xff, status 2, caps high 0x81ff (plugin auth),
	 * auth len 21, 10 reserved, auth part 2 (13), plugin name */
	static const unsigned char hs0[] = "\x00\x00\x00\x00\x0a"
					   "8.0.36-0ubuntu0.22.04.1\x00"
					   "\x08\x00\x00\x00"
					   "abcdefgh\x00"
					   "\xff\xff\xff\x02\x00\xff\x81\x15"
					   "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
					   "ijklmnopqrst\x00"
					   "caching_sha2_password\x00";
	static const unsigned char err[] = "\x1c\x00\x00\x00\xff\x6a\x04#HY000Host 'x' is blocked";
	struct fp_mysql m;
	unsigned char hs[sizeof(hs0)];

	memcpy(hs, hs0, sizeof(hs0));
	hs[0] = (unsigned char)(sizeof(hs) - 1 - 4); /* payload length */
	assert_int_equal(fp_mysql_greeting(hs, sizeof(hs) - 1, &m), FP_DONE);
	assert_string_equal(m.version, "8.0.36-0ubuntu0.22.04.1");
	assert_int_equal(m.thread_id, 8);
	assert_string_equal(m.auth_plugin, "caching_sha2_password");
	assert_int_equal(fp_mysql_greeting(hs, 20, &m), FP_NEED_MORE);
	assert_int_equal(fp_mysql_greeting(err, sizeof(err) - 1, &m), FP_DONE);
	assert_true(m.is_error);
	assert_int_equal(m.error_code, 1130);
	assert_string_equal(m.sql_state, "HY000");
	assert_string_equal(m.error_message, "Host 'x' is blocked");
}

static void test_dns__query_bytes_and_answer(void **state)
{
	unsigned char q[FP_DNS_QUERY_MAX], resp[128];
	struct fp_dns_txt t;
	int n = fp_dns_version_query(0x1234, false, q, sizeof(q));
	size_t k;
	static const char ver[] = "9.18.19-1~deb12u1-Debian";

	assert_int_equal(n, 30);
	assert_memory_equal(q,
			    "\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			    "\x07version\x04"
			    "bind\x00\x00\x10\x00\x03",
			    30);
	assert_int_equal(fp_dns_version_query(1, true, q, sizeof(q)), 32);
	assert_int_equal(q[1], 30);
	/* response: our question, then one TXT answer whose name is a pointer (c0 0c) */
	memcpy(resp, q + 2, 30);
	resp[0] = 0x12;
	resp[1] = 0x34;
	resp[2] = 0x84; /* QR, AA */
	resp[7] = 1;	/* ANCOUNT */
	k = 30;
	memcpy(resp + k, "\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00", 11);
	k += 11;
	resp[k++] = (unsigned char)(sizeof(ver)); /* rdlength: len byte + text */
	resp[k++] = (unsigned char)(sizeof(ver) - 1);
	memcpy(resp + k, ver, sizeof(ver) - 1);
	k += sizeof(ver) - 1;
	assert_int_equal(fp_dns_parse_txt(resp, k, false, 0x1234, &t), FP_DONE);
	assert_string_equal(t.text, ver);
	assert_int_equal(t.rcode, 0);
	assert_int_equal(fp_dns_parse_txt(resp, k, false, 0x9999, &t), M_EPARSE);
	assert_int_equal(fp_dns_parse_txt(resp, k - 3, false, 0x1234, &t), M_EPARSE);
	/* a pointer to itself is a loop */
	resp[30] = 0xc0;
	resp[31] = 30;
	assert_int_equal(fp_dns_parse_txt(resp, k, false, 0x1234, &t), M_EPARSE);
}

static void test_dns__name_compression_bounds(void **state)
{
	static const unsigned char m[] = "\x03www\x07"
					 "example\x02jp\x00\xc0\x04\xc0\x20";
	char name[64];
	size_t next = 0;

	assert_int_equal(fp_dns_read_name(m, 20, 0, name, sizeof(name), &next), 0);
	assert_string_equal(name, "www.example.jp");
	assert_int_equal(next, 16);
	assert_int_equal(fp_dns_read_name(m, 20, 16, name, sizeof(name), &next), 0);
	assert_string_equal(name, "example.jp");
	assert_int_equal(next, 18);
	/* a forward pointer (0x20) is refused */
	assert_int_equal(fp_dns_read_name(m, 20, 18, name, sizeof(name), &next), M_EPARSE);
	assert_int_equal(fp_dns_read_name(m, 10, 0, name, sizeof(name), &next), M_EPARSE);
}

static void test_http__headers_body_title_cookies(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\n"
				 "Server: Apache/2.4.57\r\n"
				 "  (Debian)\r\n"
				 "set-cookie: PHPSESSID=abc; path=/\r\n"
				 "Set-Cookie: lang=ja\r\n"
				 "Transfer-Encoding: chunked\r\n"
				 "\r\n"
				 "10\r\n<html><TITLE id=\r\n"
				 "20\r\nx>A &amp; B&#x3042; \xff\n C</title>\r\n"
				 "0\r\n\r\n";
	struct fp_http_response r;

	assert_int_equal(fp_http_parse(in, sizeof(in) - 1, NULL, &r), FP_DONE);
	assert_int_equal(r.status, 200);
	assert_string_equal(fp_http_header(&r, "SERVER"), "Apache/2.4.57 (Debian)");
	assert_int_equal(r.n_cookies, 2);
	assert_string_equal(r.cookies[0], "PHPSESSID");
	assert_string_equal(r.cookies[1], "lang");
	assert_true(r.chunked);
	assert_int_equal(r.body_len, 16 + 32);
	assert_true(r.has_title);
	assert_string_equal(r.title, "A & B\xe3\x81\x82 \xef\xbf\xbd C");
	assert_int_equal(r.consumed, sizeof(in) - 1);
	fp_http_response_release(&r);
	assert_int_equal(fp_http_parse(in, 60, NULL, &r), FP_NEED_MORE);
	fp_http_response_release(&r);
	assert_int_equal(fp_http_parse(in, sizeof(in) - 6, NULL, &r), FP_NEED_MORE);
	fp_http_response_release(&r);
}

static void test_http__lengths_redirects_limits(void **state)
{
	struct fp_http_options eof = {.eof = true};
	struct fp_http_response r;
	char many[8192];
	size_t k;

	assert_int_equal(
	    fp_http_parse(
		S("HTTP/1.0 302 Found\r\nLocation: /login\r\nContent-Length: 3\r\n\r\nabcX"), NULL,
		&r),
	    FP_DONE);
	assert_string_equal(fp_http_header(&r, "location"), "/login");
	assert_int_equal(r.body_len, 3);
	assert_int_equal(r.consumed, 62);
	fp_http_response_release(&r);
	assert_int_equal(fp_http_parse(S("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
					 "Content-Length: 4\r\n\r\nabcd"),
				       NULL, &r),
			 M_EPARSE);
	fp_http_response_release(&r);
	assert_int_equal(fp_http_parse(S("HTTP/1.1 200 OK\r\n\r\nto the end"), NULL, &r),
			 FP_NEED_MORE);
	fp_http_response_release(&r);
	assert_int_equal(fp_http_parse(S("HTTP/1.1 200 OK\r\n\r\nto the end"), &eof, &r), FP_DONE);
	assert_int_equal(r.body_len, 10);
	fp_http_response_release(&r);
	assert_int_equal(fp_http_parse(S("SSH-2.0-x\r\n\r\n"), NULL, &r), M_EPARSE);
	fp_http_response_release(&r);
	k = (size_t)snprintf(many, sizeof(many), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= FP_HTTP_HEADERS_MAX; i++)
		k += (size_t)snprintf(many + k, sizeof(many) - k, "X-%d: y\r\n", i);
	k += (size_t)snprintf(many + k, sizeof(many) - k, "\r\n");
	assert_int_equal(fp_http_parse(many, k, NULL, &r), M_ETOOBIG);
	fp_http_response_release(&r);
}

static void test_http__favicon_md5_matches_recog(void **state)
{
	char hex[33], dir[4096];
	struct fp_db *db = NULL;
	struct fp_result *res = malloc(sizeof(*res));
	struct merr e;

	fp_favicon_md5("abc", 3, hex);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
	/* favicons.xml patterns are MD5 hex strings */
	snprintf(dir, sizeof(dir), "%s/recog", tu_data_dir());
	merr_init(&e);
	assert_int_equal(fp_db_load(dir, &db, &e), 0);
	assert_int_equal(fp_match(db, "favicons", S("4297c114f263c206ed12aaff4b0c7a50"), res), 1);
	assert_string_equal(res->product, "Metabase");
	fp_db_free(db);
	free(res);
}

/* ---- OT ---- */

static void test_ot__modbus_device_id(void **state)
{
	unsigned char req[16];
	/* MBAP(7) + 2B 0E 01 conformity 01, more 00, next 00, 3 objects */
	unsigned char resp[] = "\x00\x07\x00\x00\x00\x00\x01"
			       "\x2b\x0e\x01\x01\x00\x00\x03"
			       "\x00\x09Schneider"
			       "\x01\x08"
			       "BMX P342"
			       "\x02\x05v2.70";
	struct fp_modbus_devid d;

	assert_int_equal(fp_modbus_devid_request(7, 1, req, sizeof(req)), 11);
	assert_memory_equal(req, "\x00\x07\x00\x00\x00\x05\x01\x2b\x0e\x01\x00", 11);
	resp[5] = (unsigned char)(sizeof(resp) - 1 - 6); /* MBAP length: unit id + PDU */
	assert_int_equal(fp_modbus_devid_parse(resp, sizeof(resp) - 1, 7, &d), FP_DONE);
	assert_string_equal(d.vendor, "Schneider");
	assert_string_equal(d.product, "BMX P342");
	assert_string_equal(d.revision, "v2.70");
	assert_int_equal(fp_modbus_devid_parse(resp, 20, 7, &d), FP_NEED_MORE);
	assert_int_equal(fp_modbus_devid_parse(resp, sizeof(resp) - 1, 8, &d), M_EPARSE);
	assert_int_equal(fp_modbus_devid_parse(SU("\x00\x07\x00\x00\x00\x03\x01\xab\x01"), 7, &d),
			 FP_DONE);
	assert_true(d.exception);
	assert_int_equal(d.exception_code, 1);
	/* an object longer than the frame */
	assert_int_equal(fp_modbus_devid_parse(SU("\x00\x07\x00\x00\x00\x0a\x01\x2b\x0e\x01\x01\x00"
						  "\x00\x01\x00\x09"),
					       7, &d),
			 M_EPARSE);
}

static void test_ot__s7_requests_and_szl(void **state)
{
	unsigned char b[64];
	struct fp_s7 s;
	unsigned char resp[200];
	size_t k = 0;

	assert_int_equal(fp_s7_cotp_cr(0, 2, b, sizeof(b)), 22);
	assert_memory_equal(b,
			    "\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x14\x00\xc1\x02\x01\x00"
			    "\xc2\x02\x01\x02\xc0\x01\x0a",
			    22);
	assert_int_equal(fp_s7_setup(1, b, sizeof(b)), 25);
	assert_memory_equal(b + 7,
			    "\x32\x01\x00\x00\x00\x01\x00\x08\x00\x00\xf0\x00\x00\x01\x00"
			    "\x01\x01\xe0",
			    18);
	assert_int_equal(fp_s7_read_szl(2, 0x0011, 0, b, sizeof(b)), 33);
	assert_memory_equal(b + 17,
			    "\x00\x01\x12\x04\x11\x44\x01\x00\xff\x09\x00\x04\x00\x11"
			    "\x00\x00",
			    16);
	assert_int_equal(fp_s7_parse(SU("\x03\x00\x00\x0b\x06\xd0\x00\x14\x00\x01\x00"), &s),
			 FP_DONE);
	assert_int_equal(s.kind, FP_S7_COTP_CC);
	/* SZL 0x0011 response: TPKT, COTP DT, userdata header, 12-byte params, data */
	memcpy(resp, "\x03\x00\x00\x00\x02\xf0\x80\x32\x07\x00\x00\x00\x02\x00\x0c\x00\x00", 17);
	k = 17;
	memcpy(resp + k, "\x00\x01\x12\x08\x12\x84\x01\x01\x00\x00\x00\x00", 12);
	k += 12;
	memcpy(resp + k, "\xff\x09\x00\x40\x00\x11\x00\x00\x00\x1c\x00\x02", 12);
	k += 12;
	memcpy(resp + k,
	       "\x00\x01"
	       "6ES7 315-2EH14-0AB0 "
	       "\x00\xc0\x00\x04\x00\x01",
	       28);
	k += 28;
	memcpy(resp + k,
	       "\x00\x07"
	       "                    "
	       "\x00\xc0\x56\x03\x02\x06",
	       28);
	k += 28;
	resp[3] = (unsigned char)k;
	resp[16] = (unsigned char)(k - 29); /* data length */
	assert_int_equal(fp_s7_parse(resp, k, &s), FP_DONE);
	assert_int_equal(s.kind, FP_S7_SZL);
	assert_int_equal(s.szl_id, 0x0011);
	assert_string_equal(s.order_number, "6ES7 315-2EH14-0AB0");
	assert_string_equal(s.firmware, "V3.2.6");
	assert_int_equal(fp_s7_parse(resp, k - 1, &s), FP_NEED_MORE);
	resp[16] = 0xff; /* data longer than the frame */
	assert_int_equal(fp_s7_parse(resp, k, &s), M_EPARSE);
}

static void test_ot__s7_component_identification(void **state)
{
	unsigned char resp[200];
	size_t k;
	struct fp_s7 s;
	char rec[35];

	memcpy(resp, "\x03\x00\x00\x00\x02\xf0\x80\x32\x07\x00\x00\x00\x03\x00\x0c\x00\x00", 17);
	k = 17;
	memcpy(resp + k, "\x00\x01\x12\x08\x12\x84\x01\x01\x00\x00\x00\x00", 12);
	k += 12;
	memcpy(resp + k, "\xff\x09\x00\x4c\x00\x1c\x00\x00\x00\x22\x00\x02", 12);
	k += 12;
	snprintf(rec, sizeof(rec), "%c%c%-32s", 0, 3, "Kawasaki Water Plant");
	memcpy(resp + k, rec, 34);
	k += 34;
	snprintf(rec, sizeof(rec), "%c%c%-32s", 0, 5, "S C-X4U421302009");
	memcpy(resp + k, rec, 34);
	k += 34;
	resp[3] = (unsigned char)k;
	resp[16] = (unsigned char)(k - 29);
	assert_int_equal(fp_s7_parse(resp, k, &s), FP_DONE);
	assert_string_equal(s.plant_id, "Kawasaki Water Plant");
	assert_string_equal(s.serial, "S C-X4U421302009");
}

static void test_ot__bacnet_whois_iam_readproperty(void **state)
{
	unsigned char b[32];
	struct fp_bacnet r;
	/* I-Am: device 1234, max APDU 1476, segmentation 3 (none), vendor 5 */
	static const unsigned char iam[] = "\x81\x0b\x00\x14\x01\x00\x10\x00"
					   "\xc4\x02\x00\x04\xd2\x22\x05\xc4\x91\x03\x21\x05";
	/* ReadProperty-ACK: vendor-name "Johnson Controls" (16 chars + charset) */
	static const unsigned char ack[] = "\x81\x0a\x00\x25\x01\x00\x30\x07\x0c"
					   "\x0c\x02\x00\x04\xd2\x19\x79\x3e\x75\x11\x00"
					   "Johnson Controls\x3f";

	assert_int_equal(fp_bacnet_whois(b, sizeof(b)), 8);
	assert_memory_equal(b, "\x81\x0a\x00\x08\x01\x00\x10\x08", 8);
	assert_int_equal(fp_bacnet_read_property(7, FP_BACNET_ANY_DEVICE,
						 FP_BACNET_PROP_VENDOR_NAME, b, sizeof(b)),
			 17);
	assert_memory_equal(b,
			    "\x81\x0a\x00\x11\x01\x04\x00\x05\x07\x0c\x0c\x02\x3f\xff\xff"
			    "\x19\x79",
			    17);
	assert_int_equal(iam[3], sizeof(iam) - 1);
	assert_int_equal(fp_bacnet_parse(iam, sizeof(iam) - 1, &r), FP_DONE);
	assert_int_equal(r.kind, FP_BACNET_IAM);
	assert_int_equal(r.device_instance, 1234);
	assert_int_equal(r.max_apdu, 1476);
	assert_int_equal(r.vendor_id, 5);
	assert_int_equal(ack[3], sizeof(ack) - 1);
	assert_int_equal(fp_bacnet_parse(ack, sizeof(ack) - 1, &r), FP_DONE);
	assert_int_equal(r.kind, FP_BACNET_READ_ACK);
	assert_int_equal(r.property, FP_BACNET_PROP_VENDOR_NAME);
	assert_int_equal(r.invoke_id, 7);
	assert_string_equal(r.value, "Johnson Controls");
	assert_int_equal(fp_bacnet_parse(ack, 20, &r), FP_NEED_MORE);
	assert_int_equal(fp_bacnet_parse(SU("\x81\x0a\x00\x0b\x01\x00\x50\x07\x0c\x91\x02"), &r),
			 M_EPARSE); /* error PDU cut short: class present, code missing */
	assert_int_equal(
	    fp_bacnet_parse(SU("\x81\x0a\x00\x0d\x01\x00\x50\x07\x0c\x91\x02\x91\x20"), &r),
	    FP_DONE);
	assert_int_equal(r.kind, FP_BACNET_ERROR);
	assert_int_equal(r.error_code, 32);
}

static void test_ot__enip_list_identity(void **state)
{
	unsigned char b[32], resp[128];
	struct fp_enip_identity id;
	size_t k = 0;
	static const char name[] = "1756-L61/B LOGIX5561";

	assert_int_equal(fp_enip_list_identity((const unsigned char *)"mamori01", b, sizeof(b)),
			 24);
	assert_memory_equal(b,
			    "\x63\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00mamori01"
			    "\x00\x00\x00\x00",
			    24);
	memcpy(resp, b, 24);
	k = 24;
	memcpy(resp + k, "\x01\x00\x0c\x00", 4); /* one item, type 0x0C */
	k += 4;
	k += 2; /* item length, below */
	memcpy(resp + k, "\x01\x00\x00\x02\xaf\x12\xc0\xa8\x01\x0a\x00\x00\x00\x00\x00\x00\x00\x00",
	       18);
	k += 18;
	memcpy(resp + k, "\x01\x00\x0e\x00\x36\x00\x14\x0b\x60\x31\x78\x56\x34\x12", 14);
	k += 14;
	resp[k++] = (unsigned char)(sizeof(name) - 1);
	memcpy(resp + k, name, sizeof(name) - 1);
	k += sizeof(name) - 1;
	resp[k++] = 3;
	resp[28] = (unsigned char)(k - 30);
	resp[29] = 0;
	resp[2] = (unsigned char)(k - 24);
	assert_int_equal(fp_enip_parse_identity(resp, k, &id), FP_DONE);
	assert_int_equal(id.vendor_id, 1);
	assert_int_equal(id.device_type, 14);
	assert_int_equal(id.product_code, 54);
	assert_int_equal(id.revision_major, 20);
	assert_int_equal(id.revision_minor, 11);
	assert_int_equal(id.serial, 0x12345678);
	assert_int_equal(id.port, 44818);
	assert_int_equal(id.ip, 0xc0a8010a);
	assert_string_equal(id.product_name, name);
	assert_int_equal(id.state, 3);
	assert_int_equal(fp_enip_parse_identity(resp, k - 1, &id), FP_NEED_MORE);
	resp[k - 2 - (sizeof(name) - 1)] = 200; /* name longer than the item */
	assert_int_equal(fp_enip_parse_identity(resp, k, &id), M_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_banner__ssh_ident_skips_pre_lines),
	    cmocka_unit_test(test_banner__ftp_and_smtp_multiline),
	    cmocka_unit_test(test_banner__pop_imap),
	    cmocka_unit_test(test_banner__text_for_each_database),
	    cmocka_unit_test(test_banner__ehlo_extensions),
	    cmocka_unit_test(test_banner__telnet_strips_iac),
	    cmocka_unit_test(test_banner__mysql_handshake_and_error),
	    cmocka_unit_test(test_dns__query_bytes_and_answer),
	    cmocka_unit_test(test_dns__name_compression_bounds),
	    cmocka_unit_test(test_http__headers_body_title_cookies),
	    cmocka_unit_test(test_http__lengths_redirects_limits),
	    cmocka_unit_test(test_http__favicon_md5_matches_recog),
	    cmocka_unit_test(test_ot__modbus_device_id),
	    cmocka_unit_test(test_ot__s7_requests_and_szl),
	    cmocka_unit_test(test_ot__s7_component_identification),
	    cmocka_unit_test(test_ot__bacnet_whois_iam_readproperty),
	    cmocka_unit_test(test_ot__enip_list_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
