/* test_findings.c - SSVC decisions against the real CERT/CC CSVs, CVSS inputs, the risky
 * service table, TLS and e-mail checks, the lifecycle (open -> fixed -> reopened), schedule. */
#include "base/compat.h"

#include <strings.h>

#include <cjson/cJSON.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "findings/findings.h"
#include "findings/findings_int.h"
#include "store/store.h"
#include "testutil.h"

/* ---------------------------------------------------------------- SSVC */

static bool yes(const char *s)
{
	return !strcmp(s, "yes");
}

/* Reads the real CSV row by row in the test (independently of ssvc.c) and checks that
 * finding_ssvc_decide gives each row's outcome for each row's inputs. */
static void test_ssvc__every_bod_26_04_row_of_the_real_csv(void **state)
{
	struct finding_ssvc *t = NULL;
	char path[1024], line[512];
	FILE *f;
	int rows = 0;

	assert_int_equal(finding_ssvc_load(tu_data_dir(), &t, NULL), 0);
	snprintf(path, sizeof(path), "%s/ssvc/cisa_bod_26_04_1_0_0.csv", tu_data_dir());
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		char *c[6], *p = line;
		struct finding_ssvc_in in = {0};
		struct finding_ssvc_out out;
		for (int i = 0; i < 6; i++)
			c[i] = strsep(&p, ",");
		c[5][strcspn(c[5], "\r\n")] = '\0';
		in.in_kev = yes(c[1]);
		in.exposed = yes(c[2]);
		in.automatable = yes(c[3]);
		in.total = !strcmp(c[4], "total");
		assert_int_equal(finding_ssvc_decide(t, &in, &out, NULL), 0);
		assert_string_equal(out.timeline, c[5]);
		assert_int_equal(out.bod_row, (int)strtol(c[0], NULL, 10));
		assert_int_equal(out.forensic, strstr(c[5], "forensic") != NULL);
		if (!strcmp(c[5], "fix on system upgrade"))
			assert_int_equal(out.days, -1);
		else
			assert_int_equal(out.days, (int)strtol(c[5], NULL, 10));
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 16);
	finding_ssvc_free(t);
}

static void test_ssvc__every_coordinator_row_of_the_real_csv(void **state)
{
	static const char *const expl[] = {"none", "public poc", "active"};
	static const char *const mwi[] = {"low", "medium", "high"};
	struct finding_ssvc *t = NULL;
	char path[1024], line[512];
	FILE *f;
	int rows = 0;

	assert_int_equal(finding_ssvc_load(tu_data_dir(), &t, NULL), 0);
	snprintf(path, sizeof(path), "%s/ssvc/cisa_coordinator_2_0_3.csv", tu_data_dir());
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		char *c[6], *p = line;
		struct finding_ssvc_in in = {0};
		struct finding_ssvc_out out;
		for (int i = 0; i < 6; i++)
			c[i] = strsep(&p, ",");
		c[5][strcspn(c[5], "\r\n")] = '\0';
		for (int i = 0; i < 3; i++) {
			if (!strcmp(c[1], expl[i]))
				in.exploitation = (enum finding_exploitation)i;
			if (!strcmp(c[4], mwi[i]))
				in.mwi = (enum finding_mwi)i;
		}
		in.automatable = yes(c[2]);
		in.total = !strcmp(c[3], "total");
		assert_int_equal(finding_ssvc_decide(t, &in, &out, NULL), 0);
		assert_string_equal(out.decision, c[5]);
		assert_int_equal(out.coord_row, (int)strtol(c[0], NULL, 10));
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 36);
	finding_ssvc_free(t);
}

static void test_ssvc__missing_column_is_a_parse_error_with_file(void **state)
{
	char dir[512], sub[600];
	struct finding_ssvc *t = NULL;
	struct merr e;

	tu_path(dir, sizeof(dir), "badssvc");
	mkdir(dir, 0700);
	snprintf(sub, sizeof(sub), "%s/ssvc", dir);
	mkdir(sub, 0700);
	tu_write_file("badssvc/ssvc/cisa_bod_26_04_1_0_0.csv",
		      "row,In KEV v1,Automatable v2,Technical Impact v1,CISA BOD 26-04 x\n"
		      "0,no,no,partial,fix on system upgrade\n");
	merr_init(&e);
	assert_int_equal(finding_ssvc_load(dir, &t, &e), M_EPARSE);
	assert_null(t);
	assert_string_equal(e.field, "Publicly Exposed");
	assert_non_null(strstr(e.file, "cisa_bod_26_04_1_0_0.csv"));
	assert_int_equal(finding_ssvc_load("/nonexistent", &t, NULL), M_EIO);
}

static void test_cvss__automatable_and_total_from_vectors(void **state)
{
	static const struct {
		const char *v;
		bool automatable, total;
	} cases[] = {
	    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", true, true},
	    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", true, false},
	    {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", false, true},
	    {"CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", false, true},
	    {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", false, true},
	    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", false, false},
	    {"AV:N/AC:L/Au:N/C:C/I:C/A:C", true, true},
	    {"AV:N/AC:L/Au:S/C:P/I:P/A:P", false, false},
	    {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", true, true},
	    {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N", false, false},
	    {"", false, false},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(finding_cvss_automatable(cases[i].v), cases[i].automatable);
		assert_int_equal(finding_cvss_total(cases[i].v), cases[i].total);
	}
	assert_false(finding_cvss_automatable(NULL));
}

/* ---------------------------------------------------------------- risky services */

struct hits {
	const char *ids[8];
	const char *sev[8];
	size_t n;
};

static void on_hit(const struct finding_risky_rule *r, void *arg)
{
	struct hits *h = arg;
	if (h->n < 8) {
		h->sev[h->n] = r->severity;
		h->ids[h->n++] = r->id;
	}
}

static void test_risky__table_rules_match_ports_services_and_titles(void **state)
{
	static const struct {
		uint16_t port;
		const char *proto, *service, *text, *want, *sev;
	} cases[] = {
	    {3389, "tcp", NULL, NULL, "rdp", "high"},
	    {445, "tcp", "unknown", NULL, "smb", "critical"},
	    {23, "tcp", "telnet", NULL, "telnet", "high"},
	    {2323, "tcp", "telnet", NULL, "telnet", "high"}, /* by service, any port */
	    {21, "tcp", "http", "nginx", NULL, NULL},	     /* a web server on 21 is not FTP */
	    {21, "tcp", "ftp", "vsFTPd 3.0.3", "ftp", "medium"},
	    {502, "tcp", NULL, NULL, "modbus", "critical"},
	    {47808, "udp", "bacnet", NULL, "bacnet", "critical"},
	    {47808, "tcp", NULL, NULL, NULL, NULL}, /* BACnet/IP is UDP */
	    {44818, "tcp", NULL, NULL, "enip", "critical"},
	    {20000, "tcp", NULL, NULL, "dnp3", "critical"},
	    {102, "tcp", "s7", NULL, "s7", "critical"},
	    {443, "tcp", "https", "  FortiGate  Login", "mgmt-fortinet", "high"},
	    {443, "tcp", "https", "nginx  Welcome to nginx!", NULL, NULL},
	    {6379, "tcp", NULL, NULL, "redis", "high"},
	    {80, "tcp", "http", "Apache HTTPD", NULL, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct finding_port p = {cases[i].port, cases[i].proto, cases[i].service,
					 cases[i].text};
		struct hits h = {0};
		size_t n = finding_risky_match(&p, on_hit, &h);
		assert_int_equal(n, h.n);
		if (!cases[i].want) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, 1);
		assert_string_equal(h.ids[0], cases[i].want);
		assert_string_equal(h.sev[0], cases[i].sev);
	}
}

static void test_risky__every_rule_has_reasons_and_a_known_severity(void **state)
{
	size_t n;
	const struct finding_risky_rule *r = finding_risky_table(&n);

	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(r[i].reason_ja) > 0 && strlen(r[i].reason_en) > 0);
		assert_true(!strcmp(r[i].severity, "critical") || !strcmp(r[i].severity, "high") ||
			    !strcmp(r[i].severity, "medium") || !strcmp(r[i].severity, "low"));
		assert_true(r[i].port || r[i].service || r[i].pattern);
	}
}

/* ---------------------------------------------------------------- TLS checks */

static size_t tls_hits(const char *json, const char **keys, size_t cap)
{
	cJSON *t = cJSON_Parse(json);
	size_t n, hits = 0;
	const struct finding_check *c = finding_tls_checks(&n);

	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		if (c[i].hit(t) && hits < cap)
			keys[hits++] = c[i].key;
	cJSON_Delete(t);
	return hits;
}

static void test_tls__flags_old_versions_weak_keys_and_signatures(void **state)
{
	const char *k[8];
	size_t n = tls_hits(
	    "{\"version\":\"TLSv1.2\",\"old_versions_accepted\":[\"TLSv1.0\",\"TLSv1.1\"],"
	    "\"chain\":[{\"subject\":\"CN=a\",\"issuer\":\"CN=ca\",\"key_type\":\"RSA\",\"key_"
	    "bits\":1024,"
	    "\"sig_alg\":\"sha1WithRSAEncryption\"},{\"subject\":\"CN=ca\",\"issuer\":\"CN=ca\","
	    "\"key_type\":\"RSA\",\"key_bits\":4096,\"sig_alg\":\"sha1WithRSAEncryption\"}],"
	    "\"self_signed\":false,\"expired\":true,\"hostname_mismatch\":true,\"hostname\":\"www."
	    "x.test\"}",
	    k, 8);
	assert_int_equal(n, 6);
	assert_string_equal(k[0], "tls:expired");
	assert_string_equal(k[1], "tls:hostname-mismatch");
	assert_string_equal(k[2], "tls:tls1.0");
	assert_string_equal(k[3], "tls:tls1.1");
	assert_string_equal(k[4], "tls:weak-key");
	assert_string_equal(k[5], "tls:weak-signature");
}

static void test_tls__self_signed_counts_only_on_a_public_name(void **state)
{
	const char *k[8];
	/* a self-signed root's own SHA-1 signature is not checked by anyone: no finding */
	const char *good =
	    "{\"chain\":[{\"subject\":\"CN=a\",\"issuer\":\"CN=ca\",\"key_type\":"
	    "\"EC\",\"key_bits\":256,\"sig_alg\":\"ecdsa-with-SHA256\"},{\"subject\":"
	    "\"CN=ca\",\"issuer\":\"CN=ca\",\"sig_alg\":\"sha1WithRSAEncryption\"}],"
	    "\"self_signed\":true,\"hostname\":\"127.0.10.1\"}";
	assert_int_equal(tls_hits(good, k, 8), 0);
	assert_int_equal(
	    tls_hits("{\"self_signed\":true,\"hostname\":\"www.kanto-rail.test\"}", k, 8), 1);
	assert_string_equal(k[0], "tls:self-signed");
	assert_int_equal(tls_hits("{\"old_versions_accepted\":[\"SSLv3\"]}", k, 8), 1);
	assert_string_equal(k[0], "tls:sslv3");
}

/* ---------------------------------------------------------------- lifecycle */

static struct store *open_store(const char *name)
{
	char path[512];
	struct store *s = NULL;

	tu_path(path, sizeof(path), name);
	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(
	    store_exec(s,
		       "INSERT INTO orgs (slug, name_ja, sector, critical, created_at, "
		       "updated_at) VALUES ('op', '試験', 'railways', 1, 0, 0)",
		       NULL),
	    0);
	return s;
}

static void add_cand(struct finding_set *set, const char *asset, const char *key,
		     enum finding_source src, int64_t seen)
{
	struct finding_cand *c = finding_set_add(set);
	assert_non_null(c);
	assert_int_equal(finding_cand_set(&c->asset, asset), 0);
	assert_int_equal(finding_cand_set(&c->issue_key, key), 0);
	assert_int_equal(
	    finding_cand_set(&c->kind, src == FINDING_SRC_EMAIL ? "email" : "risky_service"), 0);
	assert_int_equal(finding_cand_set(&c->severity, "high"), 0);
	assert_int_equal(finding_cand_set(&c->title, "試験 / test"), 0);
	assert_int_equal(finding_cand_set(&c->ip, src == FINDING_SRC_EMAIL ? NULL : "127.0.0.5"),
			 0);
	c->source = src;
	c->seen_at = seen;
	c->deadline_days = 14;
}

static struct finding_cover cover_of(bool net, bool declared, bool mail)
{
	struct finding_cover c;
	memset(&c, 0, sizeof(c));
	c.covered[FINDING_SRC_NETWORK] = net;
	c.covered[FINDING_SRC_DECLARED] = declared;
	c.covered[FINDING_SRC_EMAIL] = mail;
	return c;
}

static int64_t q_int(struct store *s, const char *sql)
{
	int64_t v = -1;
	assert_int_equal(store_query_int(s, sql, &v, NULL), 0);
	return v;
}

static void test_lifecycle__open_fixed_reopened_keeps_first_seen(void **state)
{
	struct store *s = open_store("life.db");
	struct finding_set a, b;
	struct finding_cover all = cover_of(true, true, true), none = cover_of(false, false, false);
	struct finding_stats st;

	finding_set_init(&a);
	finding_set_init(&b);
	add_cand(&a, "127.0.0.5:3389/tcp", "risky:rdp", FINDING_SRC_NETWORK, 1000);
	add_cand(&a, "op.test", "mail:no-dmarc", FINDING_SRC_EMAIL, 1000);

	assert_int_equal(finding_apply(s, "op", &a, &all, 1000, &st, NULL), 0);
	assert_int_equal(st.opened, 2);
	assert_int_equal(q_int(s, "SELECT deadline FROM findings WHERE issue_key = 'risky:rdp'"),
			 1000 + 14 * 86400);

	/* the same set again: nothing new, nothing fixed, no event */
	assert_int_equal(finding_apply(s, "op", &a, &all, 2000, &st, NULL), 0);
	assert_int_equal(st.opened + st.fixed + st.reopened, 0);
	assert_int_equal(st.still_open, 2);
	assert_int_equal(q_int(s, "SELECT count(*) FROM finding_events"), 2);

	/* an uncovered source proves nothing gone */
	assert_int_equal(finding_apply(s, "op", &b, &none, 3000, &st, NULL), 0);
	assert_int_equal(st.fixed, 0);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE state = 'open'"), 2);

	/* a covering run without them: both fixed */
	assert_int_equal(finding_apply(s, "op", &b, &all, 4000, &st, NULL), 0);
	assert_int_equal(st.fixed, 2);
	assert_int_equal(q_int(s, "SELECT fixed_at FROM findings WHERE issue_key = 'risky:rdp'"),
			 4000);

	/* seen again within 90 days: reopened, first_seen and deadline kept */
	a.v[0].seen_at = 5000;
	assert_int_equal(finding_apply(s, "op", &a, &all, 5000, &st, NULL), 0);
	assert_int_equal(st.reopened, 2);
	assert_int_equal(q_int(s, "SELECT first_seen FROM findings WHERE issue_key = 'risky:rdp'"),
			 1000);
	assert_int_equal(q_int(s, "SELECT reopened FROM findings WHERE issue_key = 'risky:rdp'"),
			 1);
	assert_int_equal(
	    q_int(s, "SELECT count(*) FROM findings WHERE state = 'open' AND fixed_at IS NULL"), 2);
	assert_int_equal(q_int(s, "SELECT count(*) FROM finding_events WHERE event = 'fixed'"), 2);
	assert_int_equal(q_int(s, "SELECT count(*) FROM finding_events WHERE event = 'reopened'"),
			 2);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings"), 2); /* never duplicated */

	/* fixed, then back after more than 90 days: a new detection (CyHy reopen window) */
	assert_int_equal(finding_apply(s, "op", &b, &all, 6000, &st, NULL), 0);
	a.v[0].seen_at = 6000 + 91 * 86400;
	assert_int_equal(finding_apply(s, "op", &a, &all, 6000 + 91 * 86400, &st, NULL), 0);
	assert_int_equal(q_int(s, "SELECT first_seen FROM findings WHERE issue_key = 'risky:rdp'"),
			 6000 + 91 * 86400);

	finding_set_release(&a);
	finding_set_release(&b);
	store_close(s);
}

static void test_lifecycle__only_the_covered_source_is_swept(void **state)
{
	struct store *s = open_store("sweep.db");
	struct finding_set a, b;
	struct finding_cover net = cover_of(true, false, false), all = cover_of(true, true, true);
	struct finding_stats st;

	finding_set_init(&a);
	finding_set_init(&b);
	add_cand(&a, "127.0.0.5:23/tcp", "risky:telnet", FINDING_SRC_NETWORK, 10);
	add_cand(&a, "op.test", "mail:no-spf", FINDING_SRC_EMAIL, 10);
	assert_int_equal(finding_apply(s, "op", &a, &all, 10, &st, NULL), 0);
	assert_int_equal(finding_apply(s, "op", &b, &net, 20, &st, NULL), 0);
	assert_int_equal(st.fixed, 1);
	assert_int_equal(
	    q_int(s, "SELECT count(*) FROM findings WHERE state = 'open' AND kind = 'email'"), 1);
	finding_set_release(&a);
	finding_set_release(&b);
	store_close(s);
}

static void test_lifecycle__failed_allocation_leaves_store_unchanged(void **state)
{
	struct store *s = open_store("nomem.db");
	struct finding_set a;
	struct finding_cover all = cover_of(true, true, true);
	struct finding_stats st;
	int rc;

	finding_set_init(&a);
	add_cand(&a, "127.0.0.5:23/tcp", "risky:telnet", FINDING_SRC_NETWORK, 10);
	add_cand(&a, "127.0.0.5:21/tcp", "risky:ftp", FINDING_SRC_NETWORK, 10);
	mem_fail_after(0);
	rc = finding_apply(s, "op", &a, &all, 10, &st, NULL);
	mem_fail_reset();
	/* either all written or nothing (one transaction) */
	if (rc)
		assert_int_equal(q_int(s, "SELECT count(*) FROM findings"), 0);
	else
		assert_int_equal(q_int(s, "SELECT count(*) FROM findings"), 2);
	assert_int_equal(finding_apply(s, "op", &a, &all, 10, &st, NULL), 0);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings"), 2);
	finding_set_release(&a);
	store_close(s);
}

/* ---------------------------------------------------------------- collector */

static void test_collect__email_hygiene_and_declared_without_feeds(void **state)
{
	struct store *s = open_store("collect.db");
	struct finding_opts o;
	struct finding_stats st;
	struct merr e;

	assert_int_equal(
	    store_exec(s,
		       "INSERT INTO email_hygiene (org_id, domain, spf_state, spf_all, "
		       "dmarc_state, dmarc_p, first_seen, checked_at) SELECT id, 'op.test', "
		       "'ok', '+all', 'ok', 'none', 5, 5 FROM orgs WHERE slug = 'op';"
		       "INSERT INTO email_hygiene (org_id, domain, spf_state, dmarc_state, "
		       "first_seen, checked_at) SELECT id, 'b.test', 'none', 'none', 5, 5 "
		       "FROM orgs WHERE slug = 'op';",
		       NULL),
	    0);
	finding_opts_init(&o, tu_data_dir(), 100);
	merr_init(&e);
	assert_int_equal(finding_evaluate(s, "op", &o, &st, &e), 0);
	assert_int_equal(st.opened, 4);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE asset = 'op.test' AND "
				  "issue_key IN ('mail:spf-plus-all', 'mail:dmarc-p-none')"),
			 2);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE asset = 'b.test' AND "
				  "issue_key IN ('mail:no-spf', 'mail:no-dmarc')"),
			 2);
	/* the domain gets DMARC reject: its finding is fixed at the next evaluation */
	assert_int_equal(store_exec(s, "UPDATE email_hygiene SET dmarc_p = 'reject'", NULL), 0);
	assert_int_equal(finding_evaluate(s, "op", &o, &st, &e), 0);
	assert_int_equal(st.fixed, 1);
	assert_int_equal(finding_evaluate(s, "op", &o, &st, NULL), 0);
	assert_int_equal(st.opened + st.fixed + st.reopened, 0);
	/* unknown organisation */
	assert_int_equal(finding_evaluate(s, "nobody", &o, &st, NULL), M_ENOTFOUND);
	store_close(s);
}

/* ---------------------------------------------------------------- triage */

static void test_triage__false_positive_survives_rescans_until_evidence_changes(void **state)
{
	struct store *s = open_store("triage.db");
	struct finding_set a;
	struct finding_cover all = cover_of(true, true, true);
	struct finding_stats st;
	struct merr e;
	int64_t id, ids[1];
	struct finding_triage_req q = {.ids = ids,
				       .n = 1,
				       .state = "false_positive",
				       .comment = "lab host",
				       .actor = "analyst",
				       .now = 200};

	(void)state;
	finding_set_init(&a);
	add_cand(&a, "127.0.0.5:3389/tcp", "risky:rdp", FINDING_SRC_NETWORK, 100);
	assert_int_equal(finding_cand_set(&a.v[0].evidence, "{\"port\":3389}"), 0);
	assert_int_equal(finding_apply(s, "op", &a, &all, 100, &st, NULL), 0);
	id = q_int(s, "SELECT id FROM findings");
	ids[0] = id;
	merr_init(&e);
	/* another operator's view: not found, nothing changes */
	q.org = "other";
	assert_int_equal(finding_triage(s, &q, &e), M_ENOTFOUND);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE triage IS NOT NULL"), 0);
	q.org = "op";
	assert_int_equal(finding_triage(s, &q, &e), 0);
	/* the same evidence at every rescan: stays a false positive, out of the active set */
	for (int64_t t = 300; t < 600; t += 100) {
		assert_int_equal(finding_apply(s, "op", &a, &all, t, &st, NULL), 0);
		assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE triage = "
					  "'false_positive'"),
				 1);
	}
	assert_int_equal(
	    q_int(s, "SELECT count(*) FROM findings f WHERE " FINDING_ACTIVE_SQL("f.")), 0);
	/* the evidence changes (another service on the port): open again, logged by mamori */
	assert_int_equal(finding_cand_set(&a.v[0].evidence, "{\"port\":3389,\"v\":2}"), 0);
	assert_int_equal(finding_apply(s, "op", &a, &all, 700, &st, NULL), 0);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE triage IS NULL"), 1);
	assert_int_equal(q_int(s, "SELECT count(*) FROM finding_triage_log WHERE actor = "
				  "'mamori' AND old = 'false_positive'"),
			 1);
	/* risk acceptance needs a future expiry, and ends at it */
	q.state = "accepted";
	q.until = 50;
	q.now = 800;
	assert_int_equal(finding_triage(s, &q, &e), M_EINVAL);
	q.until = 900;
	assert_int_equal(finding_triage(s, &q, &e), 0);
	assert_int_equal(finding_apply(s, "op", &a, &all, 850, &st, NULL), 0);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE triage = 'accepted'"), 1);
	assert_int_equal(finding_apply(s, "op", &a, &all, 950, &st, NULL), 0);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings WHERE triage IS NULL"), 1);
	/* an oversized comment is refused */
	char big[FINDING_COMMENT_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	q.state = NULL;
	q.comment = big;
	assert_int_equal(finding_triage(s, &q, &e), M_EINVAL);
	assert_int_equal(q_int(s, "SELECT count(*) FROM finding_comments"), 2);
	finding_set_release(&a);
	store_close(s);
}

/* ---------------------------------------------------------------- priority and deadline */

static void test_prio__every_kev_or_critical_finding_has_one_deadline(void **state)
{
	struct finding_deadline_in kev_upgrade = {true, -1, "high", true, true};
	struct finding_deadline_in kev_3 = {true, 3, "critical", true, true};
	struct finding_deadline_in ot = {false, -1, "critical", true, false};
	struct finding_deadline_in declared = {false, -1, "critical", false, true};
	struct finding_deadline_in cert = {false, -1, "high", true, false};
	struct finding_deadline_in medium = {false, -1, "medium", true, true};
	struct finding_deadline_in bod60 = {false, 60, "high", true, true};
	const char *why = NULL;

	(void)state;
	assert_int_equal(finding_deadline_days(&kev_upgrade, &why), 14);
	assert_non_null(strstr(why, "KEV"));
	assert_int_equal(finding_deadline_days(&kev_3, NULL), 3); /* the stricter wins */
	assert_int_equal(finding_deadline_days(&ot, &why), 14);	  /* Modbus exposed */
	assert_non_null(strstr(why, "BOD 23-02"));
	assert_int_equal(finding_deadline_days(&declared, NULL), 60);
	assert_int_equal(finding_deadline_days(&cert, NULL), 30);
	assert_int_equal(finding_deadline_days(&medium, NULL), -1);
	assert_int_equal(finding_deadline_days(&bod60, NULL), 60);
}

struct ids {
	int64_t v[16];
	size_t n;
};

static int collect_ids(void *arg, const struct finding_row *r)
{
	struct ids *x = arg;
	if (x->n < 16)
		x->v[x->n++] = r->id;
	return 0;
}

static void test_prio__confirmed_exposure_before_candidates_and_declared(void **state)
{
	struct store *s = open_store("prio.db");
	struct ids x = {0};
	struct finding_query bad = {.sort = "title; DROP TABLE findings"};
	struct merr e;

	(void)state;
	/* 1 a declared KEV, 2 a 要確認 critical KEV candidate on a service, 3 a confirmed medium
	 * exposure with a far deadline, 4 a confirmed exposed KEV, 5 an expired certificate */
	assert_int_equal(
	    store_exec(s,
		       "INSERT INTO findings (id, org_slug, asset, issue_key, kind, source, state, "
		       "severity, title, needs_confirmation, kev, deadline, first_seen, last_seen, "
		       "ssvc_decision) VALUES "
		       "(1, 'op', 'declared:x', 'vuln:CVE-1', 'declared', 'declared', 'open', "
		       "'critical', 't1', 0, 1, 100, 1, 1, 'act'),"
		       "(2, 'op', '1.2.3.4:80/tcp', 'vuln:CVE-2', 'vulnerability', 'network', "
		       "'open', 'info', 't2', 1, 1, 50, 1, 1, 'act'),"
		       "(3, 'op', '1.2.3.4:80/tcp', 'vuln:CVE-3', 'vulnerability', 'network', "
		       "'open', 'medium', 't3', 0, 0, 5000, 1, 1, 'track'),"
		       "(4, 'op', '1.2.3.4:22/tcp', 'vuln:CVE-4', 'vulnerability', 'network', "
		       "'open', 'high', 't4', 0, 1, 900, 1, 1, 'attend'),"
		       "(5, 'op', '1.2.3.4:443/tcp', 'tls:expired', 'tls', 'network', 'open', "
		       "'high', 't5', 0, 0, 3000, 1, 1, NULL),"
		       "(6, 'op', '1.2.3.4:443/tcp', 'tls:tls1.0', 'tls', 'network', 'fixed', "
		       "'medium', 't6', 0, 0, NULL, 1, 1, NULL),"
		       /* 7: an e-mail record, not an exposure: below the declared KEV */
		       "(7, 'op', 'op.test', 'mail:dmarc-p-none', 'email', 'email', 'open', "
		       "'low', 't7', 0, 0, NULL, 1, 1, NULL)",
		       NULL),
	    0);
	merr_init(&e);
	assert_int_equal(finding_priority(s, "op", 0, collect_ids, &x, &e), 0);
	assert_int_equal(x.n, 6);
	int64_t want[] = {4, 5, 3, 1, 7, 2};
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(x.v[i], want[i]);
	/* the first per org is the same item */
	x.n = 0;
	assert_int_equal(finding_first_per_org(s, NULL, NULL, collect_ids, &x, &e), 0);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.v[0], 4);
	/* a sort key outside the list is refused, naming the allowed keys */
	assert_int_equal(finding_query_check(&bad, &e), M_EPARSE);
	assert_non_null(strstr(e.msg, "priority"));
	store_close(s);
}

/* ---------------------------------------------------------------- search */

static bool ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static int no_rows(void *arg, const struct finding_row *r)
{
	(void)arg;
	(void)r;
	return 0;
}
#define NULL_ROWS no_rows

struct many_ids {
	int64_t v[64];
	size_t n;
};

static int collect_many(void *arg, const struct finding_row *r)
{
	struct many_ids *x = arg;
	if (x->n < 64)
		x->v[x->n++] = r->id;
	return 0;
}

/* The free-text search through the trigram index (migration 0535) gives exactly the rows the
 * LIKE scan gave: ASCII case folded, Japanese substrings inside a title with no spaces, LIKE's
 * own metacharacters literal, queries under three characters, an updated and a deleted row. */
static void test_search__trigram_index_gives_the_scan_results(void **state)
{
	static const char *const rows[][3] = {
	    /* title, asset, issue_key */
	    {"ベンチ所見十二 / bench finding 12", "192.0.2.1:80/tcp", "risky:bench-12"},
	    {"リモートデスクトップの公開 / RDP exposed", "192.0.2.1:3389/tcp", "risky:rdp"},
	    {"Apache HTTP Server 2.4.49 のパス・トラバーサル", "192.0.2.2:80/tcp",
	     "vuln:CVE-2021-41773"},
	    {"50%_off \"quoted\" title", "op.test", "mail:dmarc-p-none"},
	    {"ÉCOLE publique", "192.0.2.3:443/tcp", "tls:expired"},
	    {"証明書の期限切れ / certificate expired", "www.op.test:443/tcp", "tls:expired-www"},
	    {"所見", "declared:cpe:2.3:a:x", "vuln:CVE-2020-1"},
	};
	static const char *const queries[] = {"所見",
					      "ベンチ所見",
					      "デスクトップ",
					      "デスクトップの公開",
					      "rdp",
					      "RdP exp",
					      "apache http",
					      "2.4.4",
					      "%_o",
					      "\"quo",
					      "école",
					      "ÉCOLE",
					      "op.test",
					      "risky:",
					      "op",
					      "トラバーサル",
					      "xyzzy",
					      "/ ",
					      "期限切れ / cert",
					      "%",
					      "_",
					      "' OR 1=1 --",
					      "\"\"\"",
					      "192.0.2.1:",
					      "パス・ト"};
	struct store *s = open_store("search.db");
	struct merr e;
	char sql[1024];

	(void)state;
	merr_init(&e);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct store_stmt *st = NULL;
		assert_int_equal(
		    store_prepare(
			s,
			"INSERT INTO findings (org_slug, asset, issue_key, kind, source, "
			"state, severity, title, first_seen, last_seen) VALUES "
			"('op', ?, ?, 'risky_service', 'network', 'open', 'high', ?, 1, 1)",
			&st, &e),
		    0);
		stmt_bind_text(st, 1, rows[i][1]);
		stmt_bind_text(st, 2, rows[i][2]);
		stmt_bind_text(st, 3, rows[i][0]);
		assert_int_equal(stmt_step(st, &e), 0);
		stmt_finalize(st);
	}
	for (int round = 0; round < 2; round++) {
		for (size_t k = 0; k < ARRAY_SIZE(queries); k++) {
			struct finding_query q = {.search = queries[k]};
			struct many_ids got = {0};
			size_t want = 0;
			assert_int_equal(finding_query_run(s, &q, collect_many, &got, &e), 0);
			for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
				int64_t id = (int64_t)i + 1;
				bool gone = round == 1 && id == 3;
				const char *title = round == 1 && id == 2
							? "リモートデスクトップ / remote desktop"
							: rows[i][0];
				bool hit = !gone && (ci_contains(title, queries[k]) ||
						     ci_contains(rows[i][1], queries[k]) ||
						     ci_contains(rows[i][2], queries[k]) ||
						     ci_contains("op", queries[k]));
				bool found = false;
				for (size_t j = 0; j < got.n; j++)
					found |= got.v[j] == id;
				if (hit != found)
					fail_msg("round %d, q '%s', row %lld: want %d, got %d",
						 round, queries[k], (long long)id, hit, found);
				want += hit;
			}
			assert_int_equal(got.n, want);
			int64_t n = -1;
			assert_int_equal(finding_query_count(s, &q, &n, &e), 0);
			assert_int_equal(n, (int64_t)want);
			/* the list page (candidates looked up once) gives the same rows and count */
			struct many_ids page = {0};
			bool capped = true;
			n = -1;
			assert_int_equal(finding_query_page(s, &q, FINDING_COUNT_CAP, &n, &capped,
							    collect_many, &page, &e),
					 0);
			assert_int_equal(n, (int64_t)want);
			assert_false(capped);
			assert_int_equal(page.n, got.n);
			for (size_t j = 0; j < got.n; j++)
				assert_int_equal(page.v[j], got.v[j]);
		}
		/* the triggers keep the index in step: a new title, a deleted row */
		assert_int_equal(store_exec(s,
					    "UPDATE findings SET title = 'リモートデスクトップ / "
					    "remote desktop', last_seen = 2 WHERE id = 2;"
					    "DELETE FROM findings WHERE id = 3",
					    &e),
				 0);
	}
	/* the index itself answers (the LIKE only confirms its candidates) and is consistent */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM findings_fts WHERE findings_fts MATCH '\"デスクトップ\"'");
	assert_int_equal(q_int(s, sql), 1);
	assert_int_equal(q_int(s, "SELECT count(*) FROM findings_fts WHERE findings_fts MATCH "
				  "'\"Apache\"'"),
			 0);
	assert_int_equal(
	    store_exec(s, "INSERT INTO findings_fts (findings_fts) VALUES ('integrity-check')", &e),
	    0);
	store_close(s);
}

/* A common term (more trigram candidates than the probe takes) walks the sort order and
 * confirms each row with the LIKE: every page is the one the index-and-LIKE query gives, in the
 * same order; the count stops at the cap (capped) or is exact below it; a term whose trigram
 * candidates the LIKE refuses (Unicode case: "école" vs "ÉCOLE") finds nothing, as the scan. */
static void test_search__common_term_walks_the_order_and_caps_the_count(void **state)
{
	struct store *s = open_store("search_common.db");
	struct merr e;
	static const char *const sorts[] = {"-deadline", "deadline", NULL, "id", "-severity"};

	(void)state;
	merr_init(&e);
	/* 1,300 "common item" rows (every 7th undated), 1,100 "ÉCOLE" rows, 3 rare ones */
	assert_int_equal(
	    store_exec(
		s,
		"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2403)"
		" INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, "
		"severity, title, deadline, first_seen, last_seen) SELECT 'op', "
		"'192.0.2.' || (x % 200) || ':80/tcp', 'risky:k' || x, 'risky_service', "
		"'network', CASE WHEN x % 3 = 0 THEN 'fixed' ELSE 'open' END, "
		"CASE x % 4 WHEN 0 THEN 'high' WHEN 1 THEN 'low' ELSE 'medium' END, "
		"CASE WHEN x <= 1300 THEN 'common item ' || x WHEN x <= 2400 THEN "
		"'ÉCOLE ' || x ELSE 'rare thing ' || x END, "
		"CASE WHEN x % 7 = 0 THEN NULL ELSE 1800000000 + (x * 7919) % 5000 END, "
		"1, 1 FROM n",
		&e),
	    0);
	for (size_t k = 0; k < ARRAY_SIZE(sorts); k++)
		for (int64_t off = 0; off <= 1250; off += 625) {
			struct finding_query q = {
			    .search = "Common Item", .sort = sorts[k], .limit = 50, .offset = off};
			struct many_ids want = {0}, got = {0};
			int64_t n = -1;
			bool capped = false;
			assert_int_equal(finding_query_run(s, &q, collect_many, &want, &e), 0);
			assert_int_equal(
			    finding_query_page(s, &q, 500, &n, &capped, collect_many, &got, &e), 0);
			assert_int_equal(got.n, want.n);
			assert_int_equal(got.n, off == 1250 ? 50 : 50);
			for (size_t j = 0; j < got.n; j++)
				if (got.v[j] != want.v[j])
					fail_msg("sort %s offset %lld row %zu: %lld, want %lld",
						 sorts[k] ? sorts[k] : "(none)", (long long)off, j,
						 (long long)got.v[j], (long long)want.v[j]);
			/* 1,300 rows: past the cap of 500, counted no further */
			assert_int_equal(n, 500);
			assert_true(capped);
			/* under a cap it does not reach: exact */
			assert_int_equal(
			    finding_query_page(s, &q, 5000, &n, &capped, collect_many, &got, &e),
			    0);
			assert_int_equal(n, 1300);
			assert_false(capped);
		}
	/* filters narrow a common term as before: open ones only (2 of 3) */
	struct finding_query open = {.search = "common", .state = "open", .limit = 10};
	int64_t n = -1, exact = -1;
	bool capped = true;
	assert_int_equal(finding_query_count(s, &open, &exact, &e), 0);
	assert_int_equal(finding_query_page(s, &open, 5000, &n, &capped, NULL_ROWS, NULL, &e), 0);
	assert_int_equal(n, exact);
	assert_int_equal(exact, 867);
	assert_false(capped);
	/* 1,100 trigram candidates, none a LIKE match (ASCII case folding only) */
	struct finding_query ecole = {.search = "école", .limit = 50};
	struct many_ids none = {0};
	assert_int_equal(finding_query_page(s, &ecole, 500, &n, &capped, collect_many, &none, &e),
			 0);
	assert_int_equal(none.n, 0);
	assert_int_equal(n, 0);
	assert_false(capped);
	/* a selective term: exact, from its few candidates */
	struct finding_query rare = {.search = "rare thing", .limit = 50};
	struct many_ids three = {0};
	assert_int_equal(finding_query_page(s, &rare, 500, &n, &capped, collect_many, &three, &e),
			 0);
	assert_int_equal(three.n, 3);
	assert_int_equal(n, 3);
	assert_false(capped);
	store_close(s);
}

/* ---------------------------------------------------------------- schedule */

static void test_schedule__urgent_at_once_decay_one_step(void **state)
{
	static const struct {
		int prev, target, want;
	} cases[] = {
	    {-1, 2, 2},					 /* first time: the target */
	    {3, 0, 0},					 /* KEV appears: at once */
	    {0, 4, 1},					 /* fixed: one step per scan */
	    {1, 4, 2},	{3, 4, 4}, {4, 4, 4}, {0, 6, 6}, /* dark: directly */
	    {5, 4, 4},					 /* new host found clean */
	    {2, 2, 2},
	};
	size_t n;
	const struct finding_sched_level *l = finding_sched_levels(&n);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(finding_sched_next(cases[i].prev, cases[i].target), cases[i].want);
	assert_int_equal(n, 7);
	assert_int_equal(l[0].interval, 12 * 3600);
	for (size_t i = 1; i < 5; i++) /* findings levels get slower as they get milder */
		assert_true(l[i].interval > l[i - 1].interval);
}

static int collect_org(void *arg, const char *org)
{
	char *out = arg;
	size_t len = strlen(out);
	snprintf(out + len, 256 - len, "%s;", org);
	return 0;
}

static void test_schedule__due_orgs_follow_next_due(void **state)
{
	struct store *s = open_store("due.db");
	char due[256] = "";

	assert_int_equal(store_exec(s,
				    "INSERT INTO assets (org_id, kind, value) SELECT id, 'ipv4', "
				    "'127.0.0.9' FROM orgs WHERE slug = 'op'",
				    NULL),
			 0);
	/* never scheduled: due */
	assert_int_equal(finding_schedule_due_orgs(s, 100, collect_org, due, NULL), 0);
	assert_string_equal(due, "op;");
	/* a new host is due within the hour */
	assert_int_equal(finding_schedule_update(s, "op", 100, NULL), 0);
	assert_int_equal(q_int(s, "SELECT next_due FROM scan_schedule WHERE ip = '127.0.0.9'"),
			 100 + 3600);
	due[0] = '\0';
	assert_int_equal(finding_schedule_due_orgs(s, 200, collect_org, due, NULL), 0);
	assert_string_equal(due, "");
	assert_int_equal(finding_schedule_due_orgs(s, 100 + 3600, collect_org, due, NULL), 0);
	assert_string_equal(due, "op;");
	store_close(s);
}

/* Titles and subjects name a declared product as people know it, never raw CPE tokens. */
static void test_label__product_display_name_from_cpe(void **state)
{
	char out[300];
	(void)state;

	finding_product_label(
	    "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_23:*:*:*:*:*:*", NULL, NULL,
	    out, sizeof out);
	assert_string_equal(out, "Microsoft Exchange Server 2016 CU23");
	finding_product_label("cpe:2.3:a:ivanti:connect_secure:22.3r1:*:*:*:*:*:*:*", NULL, NULL,
			      out, sizeof out);
	assert_string_equal(out, "Ivanti Connect Secure 22.3R1"); /* as Ivanti writes it */
	finding_product_label("cpe:2.3:a:ivanti:connect_secure:9.1:r18:*:*:*:*:*:*", NULL, NULL,
			      out, sizeof out);
	assert_string_equal(out, "Ivanti Connect Secure 9.1R18");
	finding_product_label("cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*", NULL, NULL, out,
			      sizeof out);
	assert_string_equal(out, "FortiOS 7.0.12");
	finding_product_label("cpe:2.3:a:openbsd:openssh:7.2:p1:*:*:*:*:*:*", NULL, NULL, out,
			      sizeof out);
	assert_string_equal(out, "OpenSSH 7.2p1");
	/* unknown vendor/product: underscores read as spaces */
	finding_product_label("cpe:2.3:a:acme:big_box_server:1.0:service_pack_2:*:*:*:*:*:*", NULL,
			      NULL, out, sizeof out);
	assert_string_equal(out, "big box server 1.0 service pack 2");
	finding_product_label("cpe:2.3:a:acme:tool:*:*:*:*:*:*:*:*", NULL, NULL, out, sizeof out);
	assert_string_equal(out, "tool");
	finding_product_label(NULL, "web_mail", "3.1", out, sizeof out);
	assert_string_equal(out, "web mail 3.1");
	assert_null(strchr(out, '_'));
}

/* Evidence reads as "key: value" lines (the report's annex), binary bytes as \xNN. */
static void test_label__asset_name_prefers_the_hostname(void **state)
{
	char o[128];
	bool nm = true;

	(void)state;
	assert_string_equal(
	    finding_asset_name("www.kanto-rail.test", "127.0.20.3", o, sizeof o, &nm),
	    "www.kanto-rail.test");
	assert_true(nm);
	assert_string_equal(finding_asset_name("www.a.test:443/tcp", "127.0.0.9", o, sizeof o, &nm),
			    "www.a.test");
	assert_true(nm);
	assert_string_equal(finding_asset_name("127.0.20.3:80/tcp", "127.0.20.3", o, sizeof o, &nm),
			    "127.0.20.3");
	assert_false(nm);
	assert_string_equal(finding_asset_name("127.0.20.3:80/tcp", NULL, o, sizeof o, &nm),
			    "127.0.20.3");
	assert_string_equal(finding_asset_name("::1:8443/tcp", "::1", o, sizeof o, &nm), "::1");
	assert_false(nm);
	assert_string_equal(
	    finding_asset_name("declared:cpe:2.3:a:x:y:1:*:*:*:*:*:*:*", NULL, o, sizeof o, &nm),
	    "");
	assert_false(nm);
	assert_string_equal(finding_asset_name("cafe.be", "127.0.0.1", o, sizeof o, NULL),
			    "cafe.be");
}

static void test_label__evidence_lines_not_json(void **state)
{
	char out[1024];
	(void)state;

	finding_evidence_lines("{\"matcher\":\"nvd\",\"http\":{\"title\":\"Login\"},\"tls\":true,"
			       "\"banner\":\"J\\u0001\\n5.7\xff\xfe\"}",
			       "はい", "いいえ", out, sizeof out);
	assert_null(strstr(out, "{\""));
	assert_non_null(strstr(out, "matcher: nvd"));
	assert_non_null(strstr(out, "http › title: Login"));
	assert_non_null(strstr(out, "tls: はい"));
	assert_null(strstr(out, "\xEF\xBF\xBD")); /* U+FFFD */
	assert_non_null(strstr(out, "banner: J\\x01\n5.7\\xff\\xfe"));
	/* raw binary (not JSON) is escaped too */
	finding_evidence_lines("J\x01\xff\xfe", "y", "n", out, sizeof out);
	assert_string_equal(out, "J\\x01\\xff\\xfe");
	/* bounded: a long value is cut, never overflows */
	char big[3000];
	memset(big, 'a', sizeof big);
	memcpy(big, "{\"x\":\"", 6);
	memcpy(big + sizeof big - 3, "\"}", 3);
	finding_evidence_lines(big, "y", "n", out, sizeof out);
	assert_true(strlen(out) < sizeof out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ssvc__every_bod_26_04_row_of_the_real_csv),
	    cmocka_unit_test(test_ssvc__every_coordinator_row_of_the_real_csv),
	    cmocka_unit_test(test_ssvc__missing_column_is_a_parse_error_with_file),
	    cmocka_unit_test(test_cvss__automatable_and_total_from_vectors),
	    cmocka_unit_test(test_risky__table_rules_match_ports_services_and_titles),
	    cmocka_unit_test(test_risky__every_rule_has_reasons_and_a_known_severity),
	    cmocka_unit_test(test_tls__flags_old_versions_weak_keys_and_signatures),
	    cmocka_unit_test(test_tls__self_signed_counts_only_on_a_public_name),
	    cmocka_unit_test(test_lifecycle__open_fixed_reopened_keeps_first_seen),
	    cmocka_unit_test(test_lifecycle__only_the_covered_source_is_swept),
	    cmocka_unit_test(test_lifecycle__failed_allocation_leaves_store_unchanged),
	    cmocka_unit_test(test_collect__email_hygiene_and_declared_without_feeds),
	    cmocka_unit_test(test_triage__false_positive_survives_rescans_until_evidence_changes),
	    cmocka_unit_test(test_prio__every_kev_or_critical_finding_has_one_deadline),
	    cmocka_unit_test(test_prio__confirmed_exposure_before_candidates_and_declared),
	    cmocka_unit_test(test_search__trigram_index_gives_the_scan_results),
	    cmocka_unit_test(test_search__common_term_walks_the_order_and_caps_the_count),
	    cmocka_unit_test(test_schedule__urgent_at_once_decay_one_step),
	    cmocka_unit_test(test_schedule__due_orgs_follow_next_due),
	    cmocka_unit_test(test_label__product_display_name_from_cpe),
	    cmocka_unit_test(test_label__evidence_lines_not_json),
	    cmocka_unit_test(test_label__asset_name_prefers_the_hostname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
