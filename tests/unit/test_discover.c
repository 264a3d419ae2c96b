/* test_discover.c - SPF/DMARC parsers, crt.sh/Shodan/Censys parsers, imports into a store,
 * DNS discovery with a scripted resolver, candidates and the analyst's decision. */
#include "base/compat.h"

#include "base/err.h"
#include "base/mem.h"
#include "discover/discover.h"
#include "discover/discover_int.h"
#include "inventory/inventory.h"
#include "store/store.h"
#include "testutil.h"

#define NOW ((int64_t)1795400000)

/* ---- SPF ---- */

static void spf_one(const char *txt, struct disc_spf *out)
{
	const char *t[1] = {txt};
	size_t n[1] = {strlen(txt)};

	disc_spf_eval(t, n, 1, out);
}

static void test_spf__reads_all_qualifier_of_real_records(void **state)
{
	struct disc_spf s;

	spf_one("v=spf1 include:_spf.google.com ~all", &s);
	assert_int_equal(s.state, DISC_POL_OK);
	assert_string_equal(s.all, "~all");
	assert_int_equal(s.n_includes, 1);
	spf_one("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx include:spf.protection.outlook.com "
		"-all",
		&s);
	assert_int_equal(s.state, DISC_POL_OK);
	assert_string_equal(s.all, "-all");
	assert_int_equal(s.n_lookups, 3);
	spf_one("v=spf1 +all", &s);
	assert_string_equal(s.all, "+all");
	spf_one("v=spf1 all", &s); /* no qualifier means pass */
	assert_string_equal(s.all, "+all");
	spf_one("V=SPF1 ?ALL", &s);
	assert_string_equal(s.all, "?all");
	spf_one("v=spf1 -all", &s); /* the null SPF of a domain that sends no mail */
	assert_int_equal(s.state, DISC_POL_OK);
	assert_string_equal(s.all, "-all");
}

static void test_spf__redirect_only_counts_when_no_all(void **state)
{
	struct disc_spf s;

	spf_one("v=spf1 redirect=_spf.example.jp", &s);
	assert_int_equal(s.state, DISC_POL_OK);
	assert_string_equal(s.all, "");
	assert_string_equal(s.redirect, "_spf.example.jp");
	spf_one("v=spf1 mx redirect=_spf.example.jp -all", &s);
	assert_string_equal(s.all, "-all");
	assert_string_equal(s.redirect, ""); /* RFC 7208 6.1 */
	spf_one("v=spf1 redirect=a.example redirect=b.example", &s);
	assert_int_equal(s.state, DISC_POL_INVALID);
	assert_non_null(strstr(s.error, "twice"));
}

static void test_spf__multiple_records_are_an_error(void **state)
{
	const char *t[3] = {"google-site-verification=abc", "v=spf1 -all",
			    "v=spf1 include:x.example ~all"};
	size_t n[3] = {strlen(t[0]), strlen(t[1]), strlen(t[2])};
	struct disc_spf s;

	disc_spf_eval(t, n, 3, &s);
	assert_int_equal(s.state, DISC_POL_MULTIPLE);
	assert_string_equal(disc_pol_state_name(s.state), "multiple");
	disc_spf_eval(t, n, 1, &s); /* only the verification string: no SPF */
	assert_int_equal(s.state, DISC_POL_NONE);
	disc_spf_eval(t, n, 2, &s);
	assert_int_equal(s.state, DISC_POL_OK);
	assert_int_equal(s.record, 1);
}

static void test_spf__rejects_malformed_terms_with_offset(void **state)
{
	struct disc_spf s;
	struct merr e;
	char msg[256];

	merr_init(&e);
	assert_int_equal(disc_spf_parse("v=spf1 ip4:999.1.1.1 -all", 25, &s, &e), M_EPARSE);
	assert_int_equal(s.state, DISC_POL_INVALID);
	assert_string_equal(s.all, "");
	merr_format(&e, msg, sizeof(msg));
	assert_string_equal(msg, "offset 7: spf: 'ip4:999.1.1.1': bad address or prefix");
	spf_one("v=spf1 include -all", &s);
	assert_int_equal(s.state, DISC_POL_INVALID);
	spf_one("v=spf1 frobnicate -all", &s);
	assert_non_null(strstr(s.error, "unknown mechanism"));
	spf_one("v=spf1 ip6:192.0.2.1 -all", &s); /* an IPv4 address under ip6: */
	assert_int_equal(s.state, DISC_POL_INVALID);
	spf_one("v=spf1 - -all", &s);
	assert_int_equal(s.state, DISC_POL_INVALID);
	assert_int_equal(disc_spf_parse("v=spf10 -all", 12, &s, NULL), M_ENOTFOUND);
	assert_int_equal(disc_spf_parse("v=spf1", 6, &s, NULL), 0); /* no terms: neutral */
	assert_int_equal(
	    disc_spf_parse("v=spf1 exp=explain.example unknown-mod=x -all", 45, &s, NULL), 0);
	assert_string_equal(s.all, "-all");
}

/* ---- DMARC ---- */

static void dmarc_one(const char *txt, struct disc_dmarc *out)
{
	const char *t[1] = {txt};
	size_t n[1] = {strlen(txt)};

	disc_dmarc_eval(t, n, 1, out);
}

static void test_dmarc__reads_policy_subdomain_policy_and_pct(void **state)
{
	struct disc_dmarc d;

	dmarc_one("v=DMARC1; p=reject; rua=mailto:dmarc@kanto-rail.test", &d);
	assert_int_equal(d.state, DISC_POL_OK);
	assert_string_equal(d.p, "reject");
	assert_string_equal(d.sp, "");
	assert_int_equal(d.pct, 100);
	assert_string_equal(d.rua, "mailto:dmarc@kanto-rail.test");
	dmarc_one("v=DMARC1; p=quarantine; sp=none; pct=50; adkim=s; aspf=r", &d);
	assert_string_equal(d.p, "quarantine");
	assert_string_equal(d.sp, "none");
	assert_int_equal(d.pct, 50);
	dmarc_one("v=DMARC1 ; P = None ;", &d);
	assert_int_equal(d.state, DISC_POL_OK);
	assert_string_equal(d.p, "none");
	/* RFC 7489 6.6.3: no p= but a valid rua= is p=none */
	dmarc_one("v=DMARC1; rua=mailto:a@example.jp", &d);
	assert_string_equal(d.p, "none");
}

static void test_dmarc__rejects_bad_records(void **state)
{
	struct disc_dmarc d;
	const char *two[2] = {"v=DMARC1; p=none", "v=DMARC1; p=reject"};
	size_t n[2] = {16, 18};

	dmarc_one("v=DMARC1; p=block", &d);
	assert_int_equal(d.state, DISC_POL_INVALID);
	assert_non_null(strstr(d.error, "none, quarantine or reject"));
	dmarc_one("v=DMARC1; p=none; pct=101", &d);
	assert_int_equal(d.state, DISC_POL_INVALID);
	dmarc_one("v=DMARC1; adkim=s", &d);
	assert_int_equal(d.state, DISC_POL_INVALID);
	dmarc_one("v=DMARC1; p=none; p=reject", &d);
	assert_int_equal(d.state, DISC_POL_INVALID);
	dmarc_one("v=spf1 -all", &d);
	assert_int_equal(d.state, DISC_POL_NONE);
	disc_dmarc_eval(two, n, 2, &d);
	assert_int_equal(d.state, DISC_POL_MULTIPLE);
	assert_string_equal(d.p, "");
}

/* ---- names and CPEs ---- */

static void test_util__canonical_names_and_cpes(void **state)
{
	char out[256];
	bool wild;

	assert_true(disc_name_canon(" WWW.Kanto-Rail.test. ", 22, out, sizeof(out), &wild));
	assert_string_equal(out, "www.kanto-rail.test");
	assert_false(wild);
	assert_true(disc_name_canon("*.dev.example.jp", 16, out, sizeof(out), &wild));
	assert_true(wild);
	assert_false(disc_name_canon("admin@example.jp", 16, out, sizeof(out), NULL));
	assert_false(disc_name_canon("a..b", 4, out, sizeof(out), NULL));
	assert_true(disc_name_under("mail.kanto-rail.test", "kanto-rail.test"));
	assert_false(disc_name_under("evilkanto-rail.test", "kanto-rail.test"));
	assert_true(disc_cpe23_canon("cpe:2.3:a:f5:nginx:1.22.1", out, sizeof(out)));
	assert_string_equal(out, "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*");
	assert_true(disc_cpe23_canon("cpe:/a:openbsd:openssh:8.4p1", out, sizeof(out)));
	assert_string_equal(out, "cpe:2.3:a:openbsd:openssh:8.4p1:*:*:*:*:*:*:*");
	assert_false(disc_cpe23_canon("cpe:/a:foo%20bar:x", out, sizeof(out)));
	assert_false(disc_cpe23_canon("nginx", out, sizeof(out)));
}

/* ---- crt.sh ---- */

static const char crtsh_good[] =
    "[{\"issuer_ca_id\":16418,\"issuer_name\":\"C=US, O=Let's Encrypt, CN=R3\","
    "\"common_name\":\"www.kanto-rail.test\",\"name_value\":\"kanto-rail.test\\nwww.kanto-rail."
    "test\\n*.dev.kanto-rail.test\",\"id\":3616206571,\"entry_timestamp\":\"2026-05-07T16:46:43."
    "456\",\"not_before\":\"2026-05-07T15:46:43\",\"not_after\":\"2026-08-05T15:46:43\","
    "\"serial_number\":\"03ffeea57322e24cd6fd207682f59ead324f\"},\n"
    " {\"issuer_name\":\"C=JP, O=Example CA\",\"common_name\":null,"
    "\"name_value\":\"VPN.Kanto-Rail.test\\nsecurity@kanto-rail.test\\nwww.other.test\","
    "\"not_before\":\"2026-01-01T00:00:00\",\"not_after\":\"2027-01-01T00:00:00\","
    "\"serial_number\":\"0a1b\"}]";

struct names {
	char v[16][64];
	bool wild[16], dns[16];
	int n;
};

static int collect_name(const struct disc_cert_name *c, void *arg)
{
	struct names *n = arg;

	if (n->n < 16) {
		snprintf(n->v[n->n], 64, "%s", c->name);
		n->wild[n->n] = c->wildcard;
		n->dns[n->n++] = c->dns_name;
	}
	return 0;
}

static void test_crtsh__splits_names_and_notes_wildcards(void **state)
{
	struct names n = {0};

	assert_int_equal(
	    disc_parse_crtsh(crtsh_good, strlen(crtsh_good), "crt.json", collect_name, &n, NULL),
	    0);
	assert_int_equal(n.n, 6); /* the CN repeats a SAN: once */
	assert_string_equal(n.v[0], "*.dev.kanto-rail.test");
	assert_true(n.wild[0]);
	assert_string_equal(n.v[1], "kanto-rail.test");
	assert_string_equal(n.v[2], "www.kanto-rail.test");
	assert_string_equal(n.v[3], "security@kanto-rail.test");
	assert_false(n.dns[3]);
	assert_string_equal(n.v[4], "vpn.kanto-rail.test");
	assert_string_equal(n.v[5], "www.other.test");
}

static void expect_err(int rc, int want, const struct merr *e, const char *text)
{
	char msg[600];

	merr_format(e, msg, sizeof(msg));
	assert_int_equal(rc, want);
	if (!strstr(msg, text))
		fail_msg("error '%s' does not contain '%s'", msg, text);
}

static void test_crtsh__reports_offset_or_element_of_bad_input(void **state)
{
	struct names n = {0};
	struct merr e;
	const char *bad1 = "[{\"name_value\": \"a.test\", \"serial_number\": \"01\"},\n {\"x\": }]";
	const char *bad2 = "[{\"name_value\":\"a.test\",\"serial_number\":\"01\"},{\"name_value\":"
			   "\"b.test\"}]";
	const char *bad3 = "[{\"name_value\":\"a.test\",\"serial_number\":\"01\","
			   "\"not_after\":\"tomorrow\"}]";

	merr_init(&e);
	expect_err(disc_parse_crtsh(bad1, strlen(bad1), "c.json", collect_name, &n, &e), M_EPARSE,
		   &e, "c.json:@57: invalid JSON");
	merr_init(&e);
	expect_err(disc_parse_crtsh(bad2, strlen(bad2), "c.json", collect_name, &n, &e), M_EPARSE,
		   &e, "c.json: [1].serial_number: missing");
	merr_init(&e);
	expect_err(disc_parse_crtsh(bad3, strlen(bad3), "c.json", collect_name, &n, &e), M_EPARSE,
		   &e, "[0].not_after: bad time");
	merr_init(&e);
	expect_err(disc_parse_crtsh("{}", 2, "c.json", collect_name, &n, &e), M_EPARSE, &e,
		   "expected a JSON array");
	merr_init(&e);
	expect_err(disc_parse_crtsh("[] x", 4, "c.json", collect_name, &n, &e), M_EPARSE, &e,
		   "c.json:@3: text after");
}

/* ---- Shodan, Censys ---- */

struct svcs {
	char v[8][200];
	int n;
};

static int collect_svc(const struct disc_service *s, void *arg)
{
	struct svcs *c = arg;

	if (c->n < 8)
		snprintf(c->v[c->n++], 200, "%s %d/%s %s %s %s n=%zu h=%s t=%lld", s->ip, s->port,
			 s->proto, s->product ? s->product : "-", s->version ? s->version : "-",
			 s->cpe ? s->cpe : "-", s->n_cpes, s->n_hostnames ? s->hostnames[0] : "-",
			 (long long)s->seen_at);
	return 0;
}

static const char shodan_good[] =
    "{\"ip_str\":\"127.0.10.1\",\"ip\":2130709005,\"port\":443,\"transport\":\"tcp\","
    "\"product\":\"nginx\",\"version\":\"1.22.1\",\"cpe23\":[\"cpe:2.3:a:f5:nginx:1.22.1\"],"
    "\"cpe\":[\"cpe:/a:f5:nginx:1.22.1\"],\"hostnames\":[\"WWW.kanto-rail.test\"],"
    "\"domains\":[\"kanto-rail.test\"],\"data\":\"HTTP/1.1 200 OK\\r\\n\","
    "\"timestamp\":\"2026-11-01T10:21:35.713742\",\"_shodan\":{\"module\":\"https\"}}\n"
    "\n"
    "{\"ip_str\":\"2001:db8::10\",\"port\":22,\"transport\":\"tcp\",\"product\":\"OpenSSH\","
    "\"version\":\"8.4p1 Debian 5\",\"cpe\":[\"cpe:/o:debian:debian_linux\","
    "\"cpe:/a:openbsd:openssh:8.4p1\"],\"timestamp\":\"2026-11-02T00:00:00.000000\"}\n";

static void test_shodan__reads_banners_per_line(void **state)
{
	struct svcs c = {0};

	assert_int_equal(
	    disc_parse_shodan(shodan_good, strlen(shodan_good), "s.json", collect_svc, &c, NULL),
	    0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0], "127.0.10.1 443/tcp nginx 1.22.1 "
				    "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:* n=1 "
				    "h=www.kanto-rail.test t=1793528495");
	/* the application's CPE is preferred over the OS's */
	assert_string_equal(c.v[1], "2001:db8::10 22/tcp OpenSSH 8.4p1 Debian 5 "
				    "cpe:2.3:a:openbsd:openssh:8.4p1:*:*:*:*:*:*:* n=2 h=- "
				    "t=1793577600");
}

static void test_shodan__reports_line_and_field(void **state)
{
	struct svcs c = {0};
	struct merr e;
	const char *l3 = "{\"ip_str\":\"127.0.0.1\",\"port\":1,\"transport\":\"tcp\","
			 "\"timestamp\":\"2026-01-01T00:00:00\"}\n\n{\"ip_str\":\"127.0.0.1\","
			 "\"port\":70000,\"transport\":\"tcp\",\"timestamp\":\"2026-01-01\"}\n";
	const char *broken = "{\"ip_str\":\"127.0.0.1\",\"port\":1,\"transport\":\"tcp\","
			     "\"timestamp\":\"2026-01-01T00:00:00\"}\n{\"ip_str\": 12\n";

	merr_init(&e);
	expect_err(disc_parse_shodan(l3, strlen(l3), "s.json", collect_svc, &c, &e), M_EPARSE, &e,
		   "s.json:3: port: expected an integer in 0..65535");
	merr_init(&e);
	expect_err(disc_parse_shodan(broken, strlen(broken), "s.json", collect_svc, &c, &e),
		   M_EPARSE, &e, "s.json:2: invalid JSON");
	merr_init(&e);
	expect_err(disc_parse_shodan("{\"port\":1}\n", 11, "s.json", collect_svc, &c, &e), M_EPARSE,
		   &e, "s.json:1: ipv6: missing");
	merr_init(&e);
	expect_err(disc_parse_shodan("[1]\n", 4, "s.json", collect_svc, &c, &e), M_EPARSE, &e,
		   "s.json:1: expected a JSON object");
}

static const char censys_api[] =
    "{\n  \"code\": 200, \"status\": \"OK\",\n  \"result\": {\n    \"ip\": \"127.0.11.5\",\n"
    "    \"services\": [\n      {\"port\": 443, \"service_name\": \"HTTP\", "
    "\"transport_protocol\": \"TCP\", \"observed_at\": \"2026-11-03T01:02:03.443Z\",\n"
    "       \"software\": [{\"uniform_resource_identifier\": "
    "\"cpe:2.3:a:f5:nginx:1.18.0:*:*:*:*:*:*:*\", \"vendor\": \"F5\", \"product\": \"nginx\", "
    "\"version\": \"1.18.0\"}]},\n      {\"port\": 161, \"service_name\": \"SNMP\", "
    "\"transport_protocol\": \"UDP\"}\n    ],\n    \"dns\": {\"names\": [\"vpn.haneda-air.test\"],"
    " \"reverse_dns\": {\"names\": [\"h5.isp.example\"]}},\n"
    "    \"last_updated_at\": \"2026-11-04T00:00:00.000Z\"\n  }\n}\n";

static void test_censys__reads_api_response_and_json_lines(void **state)
{
	struct svcs c = {0};
	const char *lines = "{\"ip\":\"127.0.11.6\",\"services\":[{\"port\":22}]}\n"
			    "{\"ip\":\"127.0.11.7\",\"services\":[]}\n";

	assert_int_equal(
	    disc_parse_censys(censys_api, strlen(censys_api), "h.json", collect_svc, &c, NULL), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0], "127.0.11.5 443/tcp nginx 1.18.0 "
				    "cpe:2.3:a:f5:nginx:1.18.0:*:*:*:*:*:*:* n=1 "
				    "h=vpn.haneda-air.test t=1793667723");
	assert_string_equal(c.v[1], "127.0.11.5 161/udp - - - n=0 h=vpn.haneda-air.test "
				    "t=1793750400");
	c.n = 0;
	assert_int_equal(disc_parse_censys(lines, strlen(lines), "h.jsonl", collect_svc, &c, NULL),
			 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0], "127.0.11.6 22/tcp - - - n=0 h=- t=0");
}

static void test_censys__reports_path_of_bad_field(void **state)
{
	struct svcs c = {0};
	struct merr e;
	const char *bad = "{\"result\": {\"ip\": \"127.0.11.5\", \"services\": [{\"port\": 1},"
			  " {\"port\": \"443\"}]}}";
	const char *bad_lines = "{\"ip\":\"127.0.11.6\"}\n{\"ip\":\"nope\"}\n";

	merr_init(&e);
	expect_err(disc_parse_censys(bad, strlen(bad), "h.json", collect_svc, &c, &e), M_EPARSE, &e,
		   "h.json: result.services[1].port: expected a number");
	merr_init(&e);
	expect_err(disc_parse_censys(bad_lines, strlen(bad_lines), "h.jsonl", collect_svc, &c, &e),
		   M_EPARSE, &e, "h.jsonl:2: ip: not an IP address");
	merr_init(&e);
	expect_err(disc_parse_censys("{\"ip\": ", 7, "h.json", collect_svc, &c, &e), M_EPARSE, &e,
		   "h.json:@");
}

/* ---- with a store ---- */

static const char inventory_yaml[] = "version: 1\n"
				     "organisations:\n"
				     "  - id: kanto-rail\n"
				     "    name: { ja: 関東旅客鉄道, en: Kanto Rail }\n"
				     "    sector: railways\n"
				     "    assets:\n"
				     "      - domain: kanto-rail.test\n"
				     "      - hostname: www.kanto-rail.test\n"
				     "      - hostname: shop.kanto-rail.test\n"
				     "      - cidr: 127.0.10.0/29\n";

static struct store *open_store(const char *name)
{
	char path[512];
	struct store *s = NULL;
	struct inv_doc *d = NULL;

	tu_path(path, sizeof(path), name);
	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(
	    inv_parse_yaml(inventory_yaml, strlen(inventory_yaml), "inv.yaml", &d, NULL), 0);
	assert_int_equal(inv_import(s, d, NOW, false, NULL, NULL), 0);
	inv_doc_free(d);
	return s;
}

static int64_t count(struct store *s, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(store_query_int(s, sql, &n, NULL), 0);
	return n;
}

static void test_import__shodan_files_observations_and_candidates(void **state)
{
	struct store *s = open_store("shodan.db");
	struct disc_import_stats st;

	assert_int_equal(disc_import(s, "kanto-rail", DISC_FMT_SHODAN, shodan_good,
				     strlen(shodan_good), "s.json", NOW, &st, NULL),
			 0);
	assert_int_equal(st.items, 2);
	assert_int_equal(st.obs_new, 2);
	assert_int_equal(st.unregistered, 1); /* 2001:db8::10 is not the org's */
	assert_int_equal(st.candidates_new, 1);
	assert_int_equal(count(s, "SELECT registered FROM passive_services WHERE port = 443"), 1);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE status = 'candidate' AND "
				  "source = 'shodan' AND kind = 'ipv6' AND value = '2001:db8::10'"),
			 1);
	/* the same file again changes nothing */
	assert_int_equal(disc_import(s, "kanto-rail", DISC_FMT_SHODAN, shodan_good,
				     strlen(shodan_good), "s.json", NOW + 60, &st, NULL),
			 0);
	assert_int_equal(st.obs_new + st.obs_updated + st.candidates_new, 0);
	assert_int_equal(st.obs_unchanged, 2);
	assert_int_equal(count(s, "SELECT count(*) FROM passive_services"), 2);
	assert_int_equal(
	    count(s, "SELECT count(*) FROM audit_log WHERE action = 'discover.import'"), 2);
	store_close(s);
}

static void test_import__bad_file_stores_nothing(void **state)
{
	struct store *s = open_store("bad.db");
	struct disc_import_stats st;
	struct merr e;
	char bad[2048];

	snprintf(bad, sizeof(bad), "%s{\"ip_str\":\"127.0.10.3\",\"port\":22}\n", shodan_good);
	merr_init(&e);
	expect_err(
	    disc_import(s, "kanto-rail", DISC_FMT_SHODAN, bad, strlen(bad), "s.json", NOW, &st, &e),
	    M_EPARSE, &e, "s.json:4: transport: missing");
	assert_int_equal(st.items, 0);
	assert_int_equal(count(s, "SELECT count(*) FROM passive_services"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE status = 'candidate'"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log WHERE action LIKE 'discover%'"),
			 0);
	merr_init(&e);
	expect_err(disc_import(s, "no-such-org", DISC_FMT_CRTSH, "[]", 2, "c.json", NOW, &st, &e),
		   M_ENOTFOUND, &e, "no-such-org");
	store_close(s);
}

static void test_import__crtsh_names_under_org_domains_only(void **state)
{
	struct store *s = open_store("crt.db");
	struct disc_import_stats st;

	assert_int_equal(disc_import(s, "kanto-rail", DISC_FMT_CRTSH, crtsh_good,
				     strlen(crtsh_good), "crt.json", NOW, &st, NULL),
			 0);
	assert_int_equal(st.items, 6);
	assert_int_equal(st.ignored, 2); /* an e-mail address and www.other.test */
	assert_int_equal(st.wildcards, 1);
	assert_int_equal(st.obs_new, 4);
	assert_int_equal(st.candidates_new, 1); /* vpn: the others are registered already */
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE status = 'candidate' AND "
				  "source = 'ct' AND value = 'vpn.kanto-rail.test'"),
			 1);
	assert_int_equal(count(s, "SELECT wildcard FROM ct_names WHERE name = "
				  "'*.dev.kanto-rail.test'"),
			 1);
	assert_int_equal(disc_import(s, "kanto-rail", DISC_FMT_CRTSH, crtsh_good,
				     strlen(crtsh_good), "crt.json", NOW, &st, NULL),
			 0);
	assert_int_equal(st.obs_unchanged, 4);
	assert_int_equal(st.obs_new + st.candidates_new, 0);
	store_close(s);
}

/* A scripted resolver: answers from a table, or stays silent. */
struct fake {
	bool silent;
	int queries;
};

static const struct {
	const char *q;
	int t;
	const char *name, *value, *target;
	int rt;
} zone[] = {
    {"kanto-rail.test", DISC_A, "kanto-rail.test", "127.0.10.1", NULL, DISC_A},
    {"kanto-rail.test", DISC_MX, "kanto-rail.test", "10 mail.kanto-rail.test",
     "mail.kanto-rail.test", DISC_MX},
    {"kanto-rail.test", DISC_MX, "kanto-rail.test", "20 mx.provider.example", "mx.provider.example",
     DISC_MX},
    {"kanto-rail.test", DISC_TXT, "kanto-rail.test", "v=spf1 ip4:127.0.10.4 -all", NULL, DISC_TXT},
    {"_dmarc.kanto-rail.test", DISC_TXT, "_dmarc.kanto-rail.test", "v=DMARC1; p=reject", NULL,
     DISC_TXT},
    {"www.kanto-rail.test", DISC_A, "www.kanto-rail.test", "127.0.10.1", NULL, DISC_A},
    {"www.kanto-rail.test", DISC_AAAA, "www.kanto-rail.test", "2001:db8::1", NULL, DISC_AAAA},
    {"shop.kanto-rail.test", DISC_A, "shop.kanto-rail.test", "cdn.example.net", "cdn.example.net",
     DISC_CNAME},
    {"shop.kanto-rail.test", DISC_A, "cdn.example.net", "192.0.2.7", NULL, DISC_A},
};

static int fake_query(void *impl, const char *qname, int rtype, struct disc_answer *out,
		      struct merr *e)
{
	struct fake *f = impl;

	f->queries++;
	if (f->silent)
		return merr_set(e, M_ETIMEOUT, "resolver did not answer");
	for (size_t i = 0; i < ARRAY_SIZE(zone); i++)
		if (strcmp(zone[i].q, qname) == 0 && zone[i].t == rtype)
			assert_int_equal(disc_answer_add(out, zone[i].name, zone[i].rt,
							 zone[i].value, zone[i].target, 300),
					 0);
	out->rcode = strcmp(qname, "shop.kanto-rail.test") == 0 && rtype == DISC_TXT
			 ? DISC_RC_SERVFAIL
			 : DISC_RC_OK;
	return 0;
}

static const struct disc_resolver_ops fake_ops = {"fake", fake_query, NULL};

static int hygiene_row(const struct disc_hygiene *h, void *arg)
{
	snprintf(arg, 200, "%s %s %s %s %s %s %d", h->org, h->domain, h->spf_state,
		 h->spf_all ? h->spf_all : "-", h->dmarc_state, h->dmarc_p ? h->dmarc_p : "-",
		 h->dmarc_pct);
	return 0;
}

static void test_dns__records_candidates_and_hygiene_idempotently(void **state)
{
	struct store *s = open_store("dns.db");
	struct fake f = {0};
	struct disc_resolver r = {&fake_ops, &f, "fake"};
	struct disc_dns_stats st;
	char row[200] = "";

	assert_int_equal(disc_dns_run(s, "kanto-rail", &r, NOW, 60, NULL, NULL, &st, NULL), 0);
	assert_int_equal(st.names, 3);
	assert_int_equal(st.queries, 3 * 6 + 1);
	assert_int_equal(st.records, 9);
	assert_int_equal(st.lookup_errors, 1); /* shop TXT: SERVFAIL */
	assert_int_equal(st.external, 1);      /* mx.provider.example */
	/* 127.0.10.1 is inside 127.0.10.0/29: no candidate; 2001:db8::1, 192.0.2.7,
	 * cdn.example.net (CNAME target) and mail.kanto-rail.test (MX inside) are */
	assert_int_equal(st.candidates_new, 4);
	assert_int_equal(count(s, "SELECT count(*) FROM assets WHERE status = 'candidate' AND "
				  "source = 'dns' AND value IN ('2001:db8::1', '192.0.2.7', "
				  "'cdn.example.net', 'mail.kanto-rail.test')"),
			 4);
	assert_int_equal(disc_email_hygiene(s, NULL, hygiene_row, row, NULL), 0);
	assert_string_equal(row, "kanto-rail kanto-rail.test ok -all ok reject 100");
	/* rejected stays rejected; a re-run adds nothing */
	assert_int_equal(disc_candidate_decide(s, "kanto-rail", "CDN.example.net.", false, "tester",
					       NOW, NULL, NULL),
			 0);
	assert_int_equal(disc_dns_run(s, "kanto-rail", &r, NOW + 10, 60, NULL, NULL, &st, NULL), 0);
	assert_int_equal(st.records_new + st.candidates_new, 0);
	assert_int_equal(count(s, "SELECT count(*) FROM dns_records"), 9);
	assert_int_equal(count(s, "SELECT status = 'rejected' FROM assets WHERE value = "
				  "'cdn.example.net'"),
			 1);
	store_close(s);
}

static void test_dns__silent_resolver_writes_nothing(void **state)
{
	struct store *s = open_store("silent.db");
	struct fake f = {.silent = true};
	struct disc_resolver r = {&fake_ops, &f, "fake"};
	struct merr e;

	merr_init(&e);
	assert_int_equal(disc_dns_run(s, NULL, &r, NOW, 60, NULL, NULL, NULL, &e), M_ETIMEOUT);
	assert_int_equal(f.queries, 1); /* the first silence ends the run */
	assert_int_equal(count(s, "SELECT count(*) FROM dns_records"), 0);
	assert_int_equal(count(s, "SELECT count(*) FROM email_hygiene"), 0);
	store_close(s);
}

static void test_assets__decisions_are_audited_and_inventory_is_protected(void **state)
{
	struct store *s = open_store("decide.db");
	char kind[16];
	struct merr e;

	assert_int_equal(disc_import(s, "kanto-rail", DISC_FMT_CRTSH, crtsh_good,
				     strlen(crtsh_good), "crt.json", NOW, NULL, NULL),
			 0);
	assert_int_equal(disc_candidate_decide(s, "kanto-rail", "VPN.kanto-rail.test", true,
					       "analyst", NOW, kind, NULL),
			 0);
	assert_string_equal(kind, "hostname");
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log WHERE action = 'assets.confirm' "
				  "AND actor = 'analyst' AND object = "
				  "'kanto-rail/hostname:vpn.kanto-rail.test'"),
			 1);
	/* confirming twice writes nothing more */
	assert_int_equal(disc_candidate_decide(s, "kanto-rail", "vpn.kanto-rail.test", true,
					       "analyst", NOW, NULL, NULL),
			 0);
	assert_int_equal(count(s, "SELECT count(*) FROM audit_log WHERE action LIKE 'assets.%'"),
			 1);
	merr_init(&e);
	expect_err(disc_candidate_decide(s, "kanto-rail", "www.kanto-rail.test", false, "analyst",
					 NOW, NULL, &e),
		   M_EPERM, &e, "declared in the inventory");
	merr_init(&e);
	expect_err(disc_candidate_decide(s, "kanto-rail", "nope.kanto-rail.test", false, "analyst",
					 NOW, NULL, &e),
		   M_ENOTFOUND, &e, "no asset");
	store_close(s);
}

static void test_resolver__refuses_bad_specs(void **state)
{
	struct disc_resolver r;
	struct merr e;

	merr_init(&e);
	expect_err(disc_resolver_open("127.0.10.53:99999", 1000, 1, &r, &e), M_EINVAL, &e,
		   "resolver:");
	merr_init(&e);
	expect_err(disc_resolver_open("dns.example", 1000, 1, &r, &e), M_EINVAL, &e, "resolver:");
	assert_int_equal(disc_resolver_open("[::1]:5353", 1000, 1, &r, NULL), 0);
	assert_string_equal(r.desc, "[::1]:5353");
	disc_resolver_release(&r);
	assert_int_equal(disc_resolver_open("127.0.10.53", 50, 9, &r, NULL), 0);
	assert_string_equal(r.desc, "127.0.10.53:53");
	disc_resolver_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spf__reads_all_qualifier_of_real_records),
	    cmocka_unit_test(test_spf__redirect_only_counts_when_no_all),
	    cmocka_unit_test(test_spf__multiple_records_are_an_error),
	    cmocka_unit_test(test_spf__rejects_malformed_terms_with_offset),
	    cmocka_unit_test(test_dmarc__reads_policy_subdomain_policy_and_pct),
	    cmocka_unit_test(test_dmarc__rejects_bad_records),
	    cmocka_unit_test(test_util__canonical_names_and_cpes),
	    cmocka_unit_test(test_crtsh__splits_names_and_notes_wildcards),
	    cmocka_unit_test(test_crtsh__reports_offset_or_element_of_bad_input),
	    cmocka_unit_test(test_shodan__reads_banners_per_line),
	    cmocka_unit_test(test_shodan__reports_line_and_field),
	    cmocka_unit_test(test_censys__reads_api_response_and_json_lines),
	    cmocka_unit_test(test_censys__reports_path_of_bad_field),
	    cmocka_unit_test(test_import__shodan_files_observations_and_candidates),
	    cmocka_unit_test(test_import__bad_file_stores_nothing),
	    cmocka_unit_test(test_import__crtsh_names_under_org_domains_only),
	    cmocka_unit_test(test_dns__records_candidates_and_hygiene_idempotently),
	    cmocka_unit_test(test_dns__silent_resolver_writes_nothing),
	    cmocka_unit_test(test_assets__decisions_are_audited_and_inventory_is_protected),
	    cmocka_unit_test(test_resolver__refuses_bad_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
