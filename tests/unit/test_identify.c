/* test_identify.c - probe plans, result combination, evidence text, certificate info and
 * TLS flags (certificates made here with OpenSSL), the scope guard, and the services store. */
#include "base/compat.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/x509v3.h>

#include "base/mem.h"
#include "fingerprint/fingerprint.h"
#include "identify/identify.h"
#include "inventory/inventory.h"
#include "scan/scan.h"
#include "testutil.h"

static struct fp_db *db;

static int load_db(void **state)
{
	char dir[1024];
	struct merr e;

	merr_init(&e);
	snprintf(dir, sizeof(dir), "%s/recog", tu_data_dir());
	return fp_db_load(dir, &db, &e);
}

static int free_db(void **state)
{
	fp_db_free(db);
	return 0;
}

/* ---------------------------------------------------------------- plans */

static void test_plan__ssh_port_asks_for_the_banner_first(void **state)
{
	struct ident_plan p;

	ident_plan_for(22, false, &p);
	assert_string_equal(p.service, "ssh");
	assert_int_equal(p.probes[0], IDP_BANNER);
	assert_false(p.ot);
	assert_false(p.wait_first);
}

static void test_plan__https_ports_start_with_tls_http_ports_with_http(void **state)
{
	struct ident_plan p;

	ident_plan_for(443, false, &p);
	assert_int_equal(p.probes[0], IDP_TLS);
	ident_plan_for(8443, false, &p);
	assert_int_equal(p.probes[0], IDP_TLS);
	ident_plan_for(8080, false, &p);
	assert_int_equal(p.probes[0], IDP_HTTP);
	assert_int_equal(p.probes[1], IDP_TLS);
	ident_plan_for(25, false, &p);
	assert_string_equal(p.service, "smtp");
	ident_plan_for(3306, false, &p);
	assert_string_equal(p.service, "mysql");
}

static void test_plan__ot_ports_get_only_their_ot_probe(void **state)
{
	static const struct {
		uint16_t port;
		bool udp;
		enum ident_probe probe;
	} cases[] = {{502, false, IDP_MODBUS},
		     {102, false, IDP_S7},
		     {44818, false, IDP_ENIP},
		     {47808, true, IDP_BACNET}};
	struct ident_plan p;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ident_plan_for(cases[i].port, cases[i].udp, &p);
		assert_int_equal(p.n, 1);
		assert_int_equal(p.probes[0], cases[i].probe);
		assert_true(p.ot);
	}
}

static void test_plan__unknown_tcp_waits_then_tls_then_http(void **state)
{
	struct ident_plan p;

	ident_plan_for(12345, false, &p);
	assert_string_equal(p.service, "unknown");
	assert_int_equal(p.n, 3);
	assert_int_equal(p.probes[0], IDP_BANNER);
	assert_int_equal(p.probes[1], IDP_TLS);
	assert_int_equal(p.probes[2], IDP_HTTP);
	assert_true(p.wait_first);
	ident_plan_for(53, true, &p);
	assert_int_equal(p.probes[0], IDP_DNS_UDP);
	ident_plan_for(12345, true, &p); /* no guesses at unknown UDP ports */
	assert_int_equal(p.n, 0);
}

/* ---------------------------------------------------------------- combination */

static struct fp_result *match(const char *database, const char *text)
{
	struct fp_result *r = m_malloc(sizeof(*r));
	assert_non_null(r);
	assert_int_equal(fp_match(db, database, text, strlen(text), r), 1);
	return r;
}

static void test_combine__names_product_version_and_cpe(void **state)
{
	struct ident_service s = {0};
	struct fp_result *r = match("ssh_banners", "OpenSSH_7.2p2 Ubuntu-4ubuntu2.7");
	const struct fp_result *v[] = {r};

	ident_combine(&s, v, 1);
	assert_string_equal(s.state, "identified");
	assert_string_equal(s.product, "OpenSSH");
	assert_string_equal(s.version, "7.2p2");
	assert_string_equal(s.cpe, "cpe:2.3:a:openbsd:openssh:7.2p2:*:*:*:*:*:*:*");
	assert_non_null(strstr(s.os, "Ubuntu"));
	m_free(r);
}

static void test_combine__unknown_version_is_any_never_na(void **state)
{
	struct ident_service s = {0};
	struct fp_result *r = match("smtp_banners", "mail.x.test ESMTP Postfix (Debian/GNU)");
	const struct fp_result *v[] = {r};

	ident_combine(&s, v, 1);
	assert_string_equal(s.product, "Postfix");
	assert_string_equal(s.version, "");
	assert_null(strstr(s.cpe, ":-"));
	assert_string_equal(s.cpe, "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*");
	m_free(r);
}

static void test_combine__first_product_wins_os_from_any(void **state)
{
	struct ident_service s = {0};
	struct fp_result *title = match("html_title", "FortiGate");
	struct fp_result *server = match("http_servers", "Microsoft-IIS/8.5");
	const struct fp_result *v[] = {NULL, title, server};

	/* the title names only an OS (FortiOS); the Server header names a product */
	ident_combine(&s, v, 3);
	assert_string_equal(s.product, "IIS");
	assert_string_equal(s.version, "8.5");
	assert_non_null(strstr(s.os, "FortiOS"));
	assert_string_equal(s.device_type, "Firewall");
	m_free(title);
	m_free(server);
}

static void test_local_fp__debian12_bind_and_its_examples_pass(void **state)
{
	struct fp_selftest *t = NULL;
	struct merr e;
	struct fp_result *r;

	merr_init(&e);
	assert_int_equal(ident_db_add_local(db, &e), 0);
	assert_int_equal(ident_db_add_local(db, &e), 0); /* idempotent */
	assert_int_equal(fp_selftest_run(db, "mamori_dns_versionbind", &t), 0);
	assert_int_equal(t->dbs[0].failed, 0);
	assert_int_equal(t->dbs[0].passed, 2);
	fp_selftest_free(t);
	r = match("mamori_dns_versionbind", "9.18.49-1~deb12u3-Debian");
	assert_string_equal(r->version, "9.18.49");
	assert_string_equal(r->service_cpe23, "cpe:2.3:a:isc:bind:9.18.49:*:*:*:*:*:*:*");
	m_free(r);
}

static void test_combine__nothing_matched_leaves_state_empty(void **state)
{
	struct ident_service s = {0};

	ident_combine(&s, NULL, 0);
	assert_string_equal(s.state, "");
	assert_string_equal(s.cpe, "");
}

static void test_clean_text__replaces_bad_utf8_and_controls_and_caps(void **state)
{
	char *t = ident_clean_text("ab\xff\x01\r\n\xe6\x97\xa5", 9, 64);

	assert_string_equal(t, "ab\xef\xbf\xbd.\r\n\xe6\x97\xa5");
	m_free(t);
	/* a cap in the middle of a character cuts before it */
	t = ident_clean_text("ab\xe6\x97\xa5", 5, 4);
	assert_string_equal(t, "ab");
	m_free(t);
}

/* ---------------------------------------------------------------- certificates */

static EVP_PKEY *ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	assert_non_null(k);
	return k;
}

/* Makes a certificate for cn (SAN DNS:cn, IP:127.0.0.1) valid [now+from, now+until], signed
 * by issuer_key/issuer (NULL: self-signed). Returns its DER in *der (OPENSSL_free). */
static int make_cert(const char *cn, long from, long until, EVP_PKEY *key, EVP_PKEY *issuer_key,
		     X509 *issuer, unsigned char **der, X509 **keep)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	X509V3_CTX ctx;
	char san[300];

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"Test Org", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, nm);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), until);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	snprintf(san, sizeof(san), "DNS:%s,IP:127.0.0.1", cn);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	X509_NAME_free(nm);
	*der = NULL;
	int len = i2d_X509(x, der);
	if (keep)
		*keep = x;
	else
		X509_free(x);
	return len;
}

static void test_x509__reads_names_sans_key_and_hashes(void **state)
{
	EVP_PKEY *k = ec_key();
	unsigned char *der, md[32];
	unsigned int mdlen;
	X509 *x;
	int len = make_cert("www.example.test", 0, 86400, k, NULL, NULL, &der, &x);
	struct ident_cert c;
	char hex[65];

	assert_int_equal(ident_x509_info(der, (size_t)len, &c), 0);
	assert_string_equal(c.subject, "CN=www.example.test,O=Test Org");
	assert_string_equal(c.issuer, c.subject);
	assert_int_equal(c.n_sans, 2);
	assert_string_equal(c.sans[0], "www.example.test");
	assert_string_equal(c.sans[1], "127.0.0.1");
	assert_string_equal(c.key_type, "EC");
	assert_int_equal(c.key_bits, 256);
	assert_string_equal(c.sig_alg, "ecdsa-with-SHA256");
	assert_true(c.self_signed);
	assert_true(c.not_after - c.not_before == 86400);
	X509_digest(x, EVP_sha256(), md, &mdlen);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(c.sha256, hex);
	assert_int_equal(strlen(c.spki_sha256), 64);
	assert_string_not_equal(c.spki_sha256, c.sha256);
	X509_free(x);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

static void test_x509__garbage_is_a_parse_error(void **state)
{
	struct ident_cert c;
	static const unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x01, 0x02};

	assert_int_equal(ident_x509_info(junk, sizeof(junk), &c), M_EPARSE);
	assert_int_equal(ident_x509_info(NULL, 0, &c), M_EPARSE);
}

static void test_tls_flags__self_signed_valid_and_matching(void **state)
{
	EVP_PKEY *k = ec_key();
	unsigned char *der;
	int len = make_cert("www.example.test", -3600, 86400, k, NULL, NULL, &der, NULL);
	struct ident_tls_flags f;
	int64_t now = time(NULL);

	assert_int_equal(ident_tls_check(der, (size_t)len, now, "www.example.test", NULL, &f), 0);
	assert_true(f.self_signed);
	assert_false(f.expired);
	assert_false(f.not_yet_valid);
	assert_false(f.hostname_mismatch);
	assert_int_equal(ident_tls_check(der, (size_t)len, now, "other.test", NULL, &f), 0);
	assert_true(f.hostname_mismatch);
	/* no host name: the address is checked against the IP SAN */
	assert_int_equal(ident_tls_check(der, (size_t)len, now, NULL, "127.0.0.1", &f), 0);
	assert_false(f.hostname_mismatch);
	assert_string_equal(f.checked_name, "127.0.0.1");
	assert_int_equal(ident_tls_check(der, (size_t)len, now, "", "127.0.0.2", &f), 0);
	assert_true(f.hostname_mismatch);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

static void test_tls_flags__expired_and_not_yet_valid(void **state)
{
	EVP_PKEY *k = ec_key();
	unsigned char *der;
	int64_t now = time(NULL);
	struct ident_tls_flags f;
	int len = make_cert("old.test", -2 * 86400, -86400, k, NULL, NULL, &der, NULL);

	assert_int_equal(ident_tls_check(der, (size_t)len, now, "old.test", NULL, &f), 0);
	assert_true(f.expired);
	assert_false(f.not_yet_valid);
	OPENSSL_free(der);
	len = make_cert("new.test", 86400, 2 * 86400, k, NULL, NULL, &der, NULL);
	assert_int_equal(ident_tls_check(der, (size_t)len, now, "new.test", NULL, &f), 0);
	assert_false(f.expired);
	assert_true(f.not_yet_valid);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}

static void test_tls_flags__ca_signed_leaf_is_not_self_signed(void **state)
{
	EVP_PKEY *ca_key = ec_key(), *leaf_key = ec_key();
	unsigned char *ca_der, *der;
	X509 *ca;
	struct ident_tls_flags f;
	struct ident_cert c;

	make_cert("Test CA", -3600, 86400, ca_key, NULL, NULL, &ca_der, &ca);
	int len = make_cert("www.example.test", -3600, 86400, leaf_key, ca_key, ca, &der, NULL);
	assert_int_equal(
	    ident_tls_check(der, (size_t)len, time(NULL), "www.example.test", NULL, &f), 0);
	assert_false(f.self_signed);
	assert_int_equal(ident_x509_info(der, (size_t)len, &c), 0);
	assert_string_equal(c.issuer, "CN=Test CA,O=Test Org");
	assert_false(c.self_signed);
	X509_free(ca);
	OPENSSL_free(ca_der);
	OPENSSL_free(der);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
}

/* ---------------------------------------------------------------- engine guard */

static void test_engine__never_connects_outside_allowed(void **state)
{
	struct ident_config cfg;
	struct ident_target t = {0};
	struct ident_service s;
	struct ipset allowed;
	struct cidr c;

	ident_config_init(&cfg);
	ipset_init(&allowed);
	assert_int_equal(cidr_parse("127.0.30.0/24", true, &c), 0);
	ipset_add_cidr(&allowed, &c);
	snprintf(t.org, sizeof(t.org), "x");
	ip_parse("127.0.31.1", &t.ip);
	t.port = 22;
	t.allowed = &allowed;
	ident_probe_target(&cfg, &t, &s);
	assert_string_equal(s.state, "error");
	assert_non_null(strstr(s.note, "refused"));
	assert_true(s.elapsed < 0.5);
	assert_int_equal(s.bytes_read, 0);
	ident_service_release(&s);
	/* no scope at all: only loopback is ever touched */
	ip_parse("192.0.2.1", &t.ip);
	t.allowed = NULL;
	ident_probe_target(&cfg, &t, &s);
	assert_non_null(strstr(s.note, "refused"));
	ident_service_release(&s);
	ipset_release(&allowed);
}

static void test_engine__ot_probe_skipped_without_the_flag(void **state)
{
	struct ident_config cfg;
	struct ident_target t = {0};
	struct ident_service s;
	cJSON *j;

	ident_config_init(&cfg);
	ip_parse("127.0.0.1", &t.ip);
	t.port = 502;
	t.ot_enabled = false;
	ident_probe_target(&cfg, &t, &s);
	assert_string_equal(s.state, "unidentified");
	assert_string_equal(s.note, "OT probe not enabled");
	assert_string_equal(s.service, "modbus");
	j = ident_service_json(&s);
	assert_string_equal(cJSON_GetObjectItem(j, "state")->valuestring, "unidentified");
	assert_non_null(strstr(s.evidence, "\"skipped\""));
	cJSON_Delete(j);
	ident_service_release(&s);
}

static void test_engine__closed_port_is_an_error_quickly(void **state)
{
	struct ident_config cfg;
	struct ident_target t = {0};
	struct ident_service s[2];
	struct ident_counters k;
	struct merr e;

	ident_config_init(&cfg);
	cfg.db = db;
	ip_parse("127.0.0.1", &t.ip);
	t.port = 1; /* nothing listens on tcpmux */
	struct ident_target two[2] = {t, t};
	two[1].port = 9;
	merr_init(&e);
	assert_int_equal(ident_run(&cfg, two, 2, s, &k, &e), 0);
	assert_int_equal(k.targets, 2);
	assert_int_equal(k.error, 2);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(s[i].state, "error");
		assert_true(s[i].elapsed < 1.0);
		ident_service_release(&s[i]);
	}
}

/* A listener on 127.0.0.1 that accepts up to 4 connections and, after delay_ms, writes
 * banner on each (NULL: never writes: a mute port). */
struct mute_srv {
	int fd;
	uint16_t port;
	int delay_ms;
	const char *banner;
	pthread_t th;
};

static void *mute_srv_run(void *arg)
{
	struct mute_srv *m = arg;
	int conns[4], n = 0;

	while (n < 4) {
		struct pollfd pf = {.fd = m->fd, .events = POLLIN};
		if (poll(&pf, 1, 3000) <= 0)
			break;
		if ((conns[n] = accept(m->fd, NULL, NULL)) < 0)
			break;
		if (m->banner) {
			usleep((useconds_t)m->delay_ms * 1000);
			if (write(conns[n], m->banner, strlen(m->banner)) < 0)
				break;
		}
		n++;
	}
	usleep(200000);
	while (n > 0)
		close(conns[--n]);
	return NULL;
}

static void mute_srv_start(struct mute_srv *m)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);

	m->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(m->fd >= 0);
	assert_int_equal(bind(m->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(m->fd, 8), 0);
	assert_int_equal(getsockname(m->fd, (struct sockaddr *)&a, &al), 0);
	m->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&m->th, NULL, mute_srv_run, m), 0);
}

static void mute_srv_stop(struct mute_srv *m)
{
	pthread_join(m->th, NULL);
	close(m->fd);
}

/* The silent verdict is asked in parallel (banner, HTTP, TLS at once): a mute port is called
 * silent in about half a second, where the serial plan took 3.2 s (issue #20). */
static void test_engine__mute_port_is_silent_within_the_parallel_budget(void **state)
{
	struct mute_srv m = {.banner = NULL};
	struct ident_config cfg;
	struct ident_target t = {0};
	struct ident_service s;

	mute_srv_start(&m);
	ident_config_init(&cfg);
	cfg.db = db;
	ip_parse("127.0.0.1", &t.ip);
	t.port = m.port;
	ident_probe_target(&cfg, &t, &s);
	assert_string_equal(s.state, "silent");
	assert_true(s.elapsed < 1.6); /* budget 0.48 s; the serial plan took 3.2 s */
	assert_true(s.elapsed >= 0.4 * cfg.silent_wait);
	assert_non_null(strstr(s.evidence, "\"parallel\""));
	ident_service_release(&s);
	mute_srv_stop(&m);
	(void)state;
}

/* A banner that comes late but within the budget is still read and named. */
static void test_engine__late_banner_within_the_budget_is_not_silent(void **state)
{
	struct mute_srv m = {.delay_ms = 250,
			     .banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"};
	struct ident_config cfg;
	struct ident_target t = {0};
	struct ident_service s;

	mute_srv_start(&m);
	ident_config_init(&cfg);
	cfg.db = db;
	ip_parse("127.0.0.1", &t.ip);
	t.port = m.port;
	ident_probe_target(&cfg, &t, &s);
	assert_string_not_equal(s.state, "silent");
	assert_non_null(strstr(s.banner ? s.banner : "", "OpenSSH_9.2p1"));
	ident_service_release(&s);
	mute_srv_stop(&m);
	(void)state;
}

/* ---------------------------------------------------------------- store */

static const char inventory[] = "version: 1\n"
				"organisations:\n"
				"  - id: lab-org\n"
				"    name: { ja: 試験組織, en: Test Org }\n"
				"    sector: railways\n"
				"    ot_probes: true\n"
				"    assets:\n"
				"      - hostname: www.lab.test\n"
				"        note: 127.0.0.1\n"
				"    scope:\n"
				"      - cidr: 127.0.0.0/24\n"
				"        authorised_by: tester\n"
				"        from: 2026-01-01\n"
				"        until: 2027-12-31\n";

static void add_observation(struct store *s, int64_t scan, const char *ip, int port)
{
	struct store_stmt *st;
	struct merr e;

	merr_init(&e);
	assert_int_equal(
	    store_prepare(s,
			  "INSERT INTO observations (scan_id, org_slug, ip, port, proto, "
			  "state, first_seen, last_seen) VALUES (?, 'lab-org', ?, ?, 'tcp', "
			  "'open', 1, 1)",
			  &st, &e),
	    0);
	stmt_bind_int64(st, 1, scan);
	stmt_bind_text(st, 2, ip);
	stmt_bind_int64(st, 3, port);
	assert_int_equal(stmt_step(st, &e), 0);
	stmt_finalize(st);
}

static void test_store__runs_upsert_services_and_record_refusals(void **state)
{
	char path[1024];
	struct store *s;
	struct merr e;
	struct ident_work w;
	struct ident_config cfg;
	struct ident_counters k;
	struct ident_run_info runs[2];
	size_t n_runs;
	int64_t now = 1790000000, scan, v;
	bool added;

	merr_init(&e);
	tu_path(path, sizeof(path), "identify.db");
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(
	    inv_import_file(s, tu_write_file("inv.yaml", inventory), now, false, NULL, &e), 0);
	assert_int_equal(scan_store_create(s, "lab-org", "connect", "1,9", "{}", now, &scan, &e),
			 0);
	add_observation(s, scan, "127.0.0.1", 1);
	add_observation(s, scan, "127.0.0.1", 9);
	add_observation(s, scan, "127.0.0.77", 1);
	/* an exclusion added after the scan: that address is refused, never probed */
	assert_int_equal(
	    inv_exclusion_add(s, "127.0.0.77/32", "試験 / test", "tester", now, &added, &e), 0);
	assert_int_equal(ident_work_load(s, "lab-org", 0, now, &w, &e), 0);
	assert_int_equal(w.n_targets, 2);
	assert_int_equal(w.n_refused, 1);
	assert_string_equal(w.refused[0].ip, "127.0.0.77");
	assert_true(strlen(w.refused[0].reason) > 0);
	assert_string_equal(w.targets[0].hostname, "www.lab.test");
	assert_true(w.targets[0].ot_enabled);
	ident_config_init(&cfg);
	cfg.db = db;
	setenv("MAMORI_NOW", "2026-09-01T00:00:00Z", 1);
	assert_int_equal(ident_session_run(s, &cfg, &w, NULL, &k, runs, &n_runs, &e), 0);
	assert_int_equal(n_runs, 1);
	assert_false(runs[0].complete); /* a refused port: not the whole open-port set */
	assert_int_equal(store_query_int(s, "SELECT COUNT(*) FROM services", &v, &e), 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_query_int(s, "SELECT COUNT(*) FROM identify_refusals", &v, &e), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_query_int(s, "SELECT complete FROM identify_runs", &v, &e), 0);
	assert_int_equal(v, 0);
	ident_work_release(&w);

	/* remove the exclusion: the next run covers everything and keeps first_seen */
	assert_int_equal(inv_exclusion_remove(s, "127.0.0.77/32", &e), 0);
	setenv("MAMORI_NOW", "2026-09-02T00:00:00Z", 1);
	assert_int_equal(ident_work_load(s, "lab-org", 0, now, &w, &e), 0);
	assert_int_equal(w.n_targets, 3);
	assert_int_equal(ident_session_run(s, &cfg, &w, NULL, &k, runs, &n_runs, &e), 0);
	assert_true(runs[0].complete);
	assert_int_equal(store_query_int(s, "SELECT COUNT(*) FROM services", &v, &e), 0);
	assert_int_equal(v, 3);
	assert_int_equal(store_query_int(s,
					 "SELECT COUNT(*) FROM services WHERE first_seen < "
					 "last_seen AND identify_run = (SELECT MAX(id) FROM "
					 "identify_runs)",
					 &v, &e),
			 0);
	assert_int_equal(v, 2);
	assert_int_equal(store_query_int(s, "SELECT MAX(complete) FROM identify_runs", &v, &e), 0);
	assert_int_equal(v, 1);
	ident_work_release(&w);
	unsetenv("MAMORI_NOW");
	store_close(s);
}

/* The identify use case loads Recog once per process: two runs (and a third caller asking for
 * the shared database) make one load, and the runs record their rows. */
static void test_run_org__recog_loaded_once_per_process(void **state)
{
	char path[1024];
	struct store *s;
	struct merr e;
	struct ident_run_opts o;
	struct ident_run_result res;
	const struct fp_db *db1 = NULL, *db2 = NULL;
	int64_t now = 1790000000, scan, v;
	unsigned before = ident_recog_loads();

	(void)state;
	merr_init(&e);
	tu_path(path, sizeof(path), "run_org.db");
	assert_int_equal(store_open(path, &s, &e), 0);
	assert_int_equal(
	    inv_import_file(s, tu_write_file("inv2.yaml", inventory), now, false, NULL, &e), 0);
	assert_int_equal(scan_store_create(s, "lab-org", "connect", "9", "{}", now, &scan, &e), 0);
	add_observation(s, scan, "127.0.0.1", 9);
	setenv("MAMORI_NOW", "2026-09-01T00:00:00Z", 1);
	for (int i = 0; i < 2; i++) {
		ident_run_opts_init(&o);
		o.data_dir = tu_data_dir();
		o.org = "lab-org";
		o.max_orgs = 1;
		o.timeout = 1;
		assert_int_equal(ident_run_org(s, &o, &res, &e), 0);
		assert_int_equal(res.n_runs, 1);
		assert_int_equal(res.k.targets, 1);
		ident_run_result_release(&res);
	}
	assert_int_equal(ident_recog_loads(), before + 1);
	assert_int_equal(ident_recog_shared(tu_data_dir(), &db1, &e), 0);
	assert_int_equal(ident_recog_shared(tu_data_dir(), &db2, &e), 0);
	assert_ptr_equal(db1, db2);
	assert_int_equal(ident_recog_loads(), before + 1);
	assert_int_equal(store_query_int(s, "SELECT COUNT(*) FROM identify_runs", &v, &e), 0);
	assert_int_equal(v, 2);
	/* a folder without Recog is an error, and not counted as a load */
	assert_true(ident_recog_shared("/nonexistent-mamori", &db1, &e) < 0);
	assert_int_equal(ident_recog_loads(), before + 1);
	unsetenv("MAMORI_NOW");
	ident_recog_cache_clear();
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan__ssh_port_asks_for_the_banner_first),
	    cmocka_unit_test(test_plan__https_ports_start_with_tls_http_ports_with_http),
	    cmocka_unit_test(test_plan__ot_ports_get_only_their_ot_probe),
	    cmocka_unit_test(test_plan__unknown_tcp_waits_then_tls_then_http),
	    cmocka_unit_test(test_combine__names_product_version_and_cpe),
	    cmocka_unit_test(test_combine__unknown_version_is_any_never_na),
	    cmocka_unit_test(test_combine__first_product_wins_os_from_any),
	    cmocka_unit_test(test_combine__nothing_matched_leaves_state_empty),
	    cmocka_unit_test(test_local_fp__debian12_bind_and_its_examples_pass),
	    cmocka_unit_test(test_clean_text__replaces_bad_utf8_and_controls_and_caps),
	    cmocka_unit_test(test_x509__reads_names_sans_key_and_hashes),
	    cmocka_unit_test(test_x509__garbage_is_a_parse_error),
	    cmocka_unit_test(test_tls_flags__self_signed_valid_and_matching),
	    cmocka_unit_test(test_tls_flags__expired_and_not_yet_valid),
	    cmocka_unit_test(test_tls_flags__ca_signed_leaf_is_not_self_signed),
	    cmocka_unit_test(test_engine__never_connects_outside_allowed),
	    cmocka_unit_test(test_engine__ot_probe_skipped_without_the_flag),
	    cmocka_unit_test(test_engine__closed_port_is_an_error_quickly),
	    cmocka_unit_test(test_engine__mute_port_is_silent_within_the_parallel_budget),
	    cmocka_unit_test(test_engine__late_banner_within_the_budget_is_not_silent),
	    cmocka_unit_test(test_store__runs_upsert_services_and_record_refusals),
	    cmocka_unit_test(test_run_org__recog_loaded_once_per_process),
	};
	return cmocka_run_group_tests(tests, load_db, free_db);
}
