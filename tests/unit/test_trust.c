/* test_trust.c - issue 14, what mamori tells people: the bilingual halves of stored texts,
 * finding titles on English pages, report file names in both languages, the 未診断 gate on a
 * stored grade (org page, dashboard list, API) and the KPI figures. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>

#include "base/bi.h"
#include "base/mtime.h"
#include "findings/findings.h"
#include "inventory/inventory.h"
#include "rating/rating.h"
#include "report/report.h"
#include "store/store.h"
#include "web/web_int.h"
#include "testutil.h"

static void test_trust__bilingual_halves(void **state)
{
	char b[256];

	(void)state;
	assert_string_equal(bi_half("証明書の期限切れ / certificate expired", false, b, sizeof(b)),
			    "証明書の期限切れ");
	assert_string_equal(bi_half("証明書の期限切れ / certificate expired", true, b, sizeof(b)),
			    "certificate expired");
	/* the collector's note after the English: the pair's separator is the first one */
	const char *t = "CVE-2020-15778 OpenSSH 9.2p1 の脆弱性 / vulnerability in OpenSSH 9.2p1 "
			"(要確認 / needs confirmation)";
	assert_string_equal(bi_half(t, false, b, sizeof(b)),
			    "CVE-2020-15778 OpenSSH 9.2p1 の脆弱性");
	assert_string_equal(bi_half(t, true, b, sizeof(b)),
			    "vulnerability in OpenSSH 9.2p1 (needs confirmation)");
	/* a JVN title holding " / " stays whole in the Japanese half */
	t = "CVE-1 X の脆弱性（A / B の問題） / vulnerability in X";
	assert_string_equal(bi_half(t, true, b, sizeof(b)), "vulnerability in X");
	assert_string_equal(bi_half("plain", true, b, sizeof(b)), "plain");
	assert_string_equal(bi_half(NULL, true, b, sizeof(b)), "");
	assert_true(bi_has_non_ascii("A社"));
	assert_false(bi_has_non_ascii("A"));
}

/* ui14: what a page shows of a library error, a role, a STIX type and a declared asset */
static void test_trust__library_messages_one_language(void **state)
{
	char b[700];
	struct merr e;

	(void)state;
	/* library messages are English first */
	assert_string_equal(bi_msg_half("no exercise run 9 / 演習がありません", false, b, sizeof b),
			    "演習がありません");
	assert_string_equal(bi_msg_half("no exercise run 9 / 演習がありません", true, b, sizeof b),
			    "no exercise run 9");
	/* stored texts are Japanese first: as bi_half */
	assert_string_equal(
	    bi_msg_half("証明書の期限切れ / certificate expired", true, b, sizeof b),
	    "certificate expired");
	assert_string_equal(bi_msg_half("a / b", false, b, sizeof b), "a / b");
	merr_init(&e);
	merr_at(&e, M_EPARSE, NULL, -1, -1, "orgs", "too long / 長すぎます");
	assert_string_equal(web_merr_text(WEB_LANG_JA, &e, b, sizeof b), "orgs: 長すぎます");
	assert_string_equal(web_merr_text(WEB_LANG_EN, &e, b, sizeof b), "orgs: too long");
	/* English only: the Japanese words for its code first on a Japanese page */
	merr_init(&e);
	merr_set(&e, M_EPARSE, "action: draft or submit");
	assert_string_equal(web_merr_text(WEB_LANG_JA, &e, b, sizeof b),
			    "入力の形式が不正です (action: draft or submit)");
	assert_string_equal(web_merr_text(WEB_LANG_EN, &e, b, sizeof b), "action: draft or submit");
}

static void test_trust__roles_types_and_assets_named(void **state)
{
	char b[320];

	(void)state;
	assert_string_equal(web_role_name(WEB_LANG_JA, AUTH_ROLE_OPERATOR), "事業者");
	assert_string_equal(web_role_name(WEB_LANG_JA, AUTH_ROLE_ANALYST), "分析担当");
	assert_string_equal(web_role_name(WEB_LANG_JA, AUTH_ROLE_BUREAU), "所管部局");
	assert_string_equal(web_role_name(WEB_LANG_JA, AUTH_ROLE_ADMIN), "管理者");
	assert_string_equal(web_role_name(WEB_LANG_JA, AUTH_ROLE_MEMBER), "会員");
	assert_string_equal(web_role_name(WEB_LANG_EN, AUTH_ROLE_OPERATOR), "operator");
	assert_string_equal(web_stix_type(WEB_LANG_JA, "indicator"), "指標");
	assert_string_equal(web_stix_type(WEB_LANG_EN, "attack-pattern"), "attack pattern");
	assert_string_equal(web_stix_type(WEB_LANG_JA, "x-custom"), "x-custom");
	assert_string_equal(web_ioc_kind(WEB_LANG_JA, "sha256"), "SHA-256 ハッシュ値");
	assert_string_equal(web_ioc_kind(WEB_LANG_EN, "email"), "e-mail address");
	assert_string_equal(
	    web_asset_name(WEB_LANG_JA,
			   "declared:cpe:2.3:a:ivanti:connect_secure:22.3r1:*:*:*:*:*:*:*", b,
			   sizeof b),
	    "申告: Ivanti Connect Secure 22.3R1");
	assert_string_equal(web_asset_name(WEB_LANG_EN,
					   "declared:cpe:2.3:a:microsoft:exchange_server:2016:"
					   "cumulative_update_23:*:*:*:*:*:*",
					   b, sizeof b),
			    "Declared: Microsoft Exchange Server 2016 CU23");
	assert_string_equal(web_asset_name(WEB_LANG_EN, "declared:acme:web_mail:3.1", b, sizeof b),
			    "Declared: web mail 3.1");
	assert_string_equal(web_asset_name(WEB_LANG_JA, "192.0.2.10:443/tcp", b, sizeof b),
			    "192.0.2.10:443/tcp");
}

static void test_trust__finding_titles_never_japanese_in_english(void **state)
{
	char b[512];

	(void)state;
	/* a Japanese-only title: its product words, the kind and the CVE */
	assert_string_equal(web_finding_title(WEB_LANG_EN, "Apache HTTP Server パストラバーサル",
					      "CVE-2021-41773", "vulnerability", b, sizeof(b)),
			    "Apache HTTP Server: vulnerability CVE-2021-41773");
	assert_string_equal(web_finding_title(WEB_LANG_EN, "関西の秘密 telnet", NULL,
					      "risky_service", b, sizeof(b)),
			    "Telnet: risky service");
	assert_string_equal(
	    web_finding_title(WEB_LANG_EN, "証明書の期限切れ", NULL, "tls", b, sizeof(b)), "TLS");
	assert_string_equal(web_finding_title(WEB_LANG_EN, "CVE-2021-41773 Apache パストラバーサル",
					      "CVE-2021-41773", "vulnerability", b, sizeof(b)),
			    "Apache: vulnerability CVE-2021-41773");
	assert_string_equal(
	    bi_ascii_words("Apache HTTP Server パストラバーサル (要確認)", b, sizeof(b)),
	    "Apache HTTP Server");
	/* a pair: the English half, with the CVE in front */
	assert_string_equal(
	    web_finding_title(WEB_LANG_EN,
			      "CVE-2021-1000 Apache の脆弱性 / vulnerability in Apache",
			      "CVE-2021-1000", "vulnerability", b, sizeof(b)),
	    "CVE-2021-1000 vulnerability in Apache");
	/* no CVE given (a deduction row): the one the title names */
	assert_string_equal(
	    web_finding_title(WEB_LANG_EN,
			      "CVE-2021-1000 Apache の脆弱性 / vulnerability in Apache", NULL,
			      "vulnerability", b, sizeof(b)),
	    "CVE-2021-1000 vulnerability in Apache");
	assert_string_equal(
	    web_finding_title(WEB_LANG_JA,
			      "CVE-2021-1000 Apache の脆弱性 / vulnerability in Apache",
			      "CVE-2021-1000", "vulnerability", b, sizeof(b)),
	    "CVE-2021-1000 Apache の脆弱性");
	assert_string_equal(web_code(WEB_LANG_EN, "情報システム部"), "IT department");
	assert_string_equal(web_code(WEB_LANG_JA, "情報システム部"), "情報システム部");
}

static void test_trust__report_files_in_both_languages(void **state)
{
	char period[8];
	size_t f;
	bool en = true;

	(void)state;
	assert_true(report_file_parse_lang("2026Q4.pdf", period, &f, &en));
	assert_false(en);
	assert_true(report_file_parse_lang("2026Q4-en.html", period, &f, &en));
	assert_true(en);
	assert_string_equal(period, "2026Q4");
	assert_string_equal(report_formats[f].ext, "html");
	/* the plain parser (and anything else) refuses the English name and look-alikes */
	assert_false(report_file_parse("2026Q4-en.pdf", period, &f));
	for (const char *bad[] = {"2026Q4-fr.pdf", "2026Q4-en.PDF", "2026Q4-en-en.pdf",
				  "2026Q4en.pdf", "2026Q5-en.pdf", "-en.pdf", "2026Q4-e.pdf"},
			**p = bad;
	     p < bad + 7; p++)
		assert_false(report_file_parse_lang(*p, period, &f, &en));
	/* the listing keeps the two languages apart */
	char dir[512], path[600];
	struct report_files *l = calloc(1, sizeof(*l));
	tu_path(dir, sizeof(dir), "reports");
	assert_int_equal(mkdir(dir, 0755), 0);
	for (const char *n[] = {"x-2026Q4.pdf", "x-2026Q4-en.pdf", "x-2026Q3-en.html"}, **p = n;
	     p < n + 3; p++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *p);
		FILE *fp = fopen(path, "w");
		assert_non_null(fp);
		fputs("%PDF", fp);
		fclose(fp);
	}
	assert_int_equal(report_files_list(dir, "x-", l), 0);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->v[0].period, "2026Q4");
	assert_true(l->v[0].fmt[0] && l->v[0].fmt_en[0] && !l->v[0].fmt[1]);
	assert_true(!l->v[1].fmt[1] && l->v[1].fmt_en[1]);
	free(l);
}

static struct store *open_store(const char *name)
{
	char path[512];
	struct store *s = NULL;

	tu_path(path, sizeof(path), name);
	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(
	    store_exec(s,
		       "INSERT INTO orgs (slug, name_ja, sector, created_at, updated_at) VALUES "
		       "('a', 'A社', 'railways', 0, 0), ('b', 'B社', 'railways', 0, 0), "
		       "('c', 'C社', 'water', 0, 0);"
		       /* a was scanned; b never was, yet holds a stored grade */
		       "INSERT INTO scans (org_slug, mode, ports, started_at, finished_at, state, "
		       "params) VALUES ('a', 'connect', '22', 1, 2, 'done', '{}');"
		       "INSERT INTO ratings (org_slug, period, score, raw_grade, grade, method, "
		       "computed_at, explanation) VALUES ('a', '2026Q4', 72, 'C', 'C', 'm', 1, "
		       "'{\"grade\":\"C\",\"score\":72}'), ('b', '2026Q4', 100, 'A', 'A', 'm', 1, "
		       "'{\"grade\":\"A\",\"score\":100}')",
		       NULL),
	    0);
	return s;
}

static int collect(void *arg, const struct rating_latest *r)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 128 - n, "%s%s ", r->org, r->grade);
	return 0;
}

static void test_trust__stored_grade_of_a_never_assessed_org_shows_nowhere(void **state)
{
	struct store *s = open_store("gate.db");
	struct inv_rows rows = {0};
	char seen[128] = "";
	cJSON *o = NULL;

	(void)state;
	assert_int_equal(rating_latest_each(s, &rows, collect, seen, NULL), 0);
	assert_string_equal(seen, "aC ");
	assert_int_equal(rating_load_json(s, "b", NULL, &o, NULL), 0);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "assessed")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "grade")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "score")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "deductions")), 0);
	cJSON_Delete(o);
	assert_int_equal(rating_load_json(s, "a", NULL, &o, NULL), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "grade")), "C");
	cJSON_Delete(o);
	/* assessed later: the grade shows again */
	assert_int_equal(
	    store_exec(s,
		       "INSERT INTO scans (org_slug, mode, ports, started_at, "
		       "finished_at, state, params) VALUES ('b', 'connect', '22', 3, 4, "
		       "'done', '{}')",
		       NULL),
	    0);
	seen[0] = '\0';
	assert_int_equal(rating_latest_each(s, &rows, collect, seen, NULL), 0);
	assert_string_equal(seen, "bA aC ");
	store_close(s);
}

static void test_trust__kpi_figures(void **state)
{
	struct store *s = open_store("kpi.db");
	struct finding_kpi k;
	int64_t now = 1800000000, D = 86400;
	char sql[2048];

	(void)state;
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, "
	    "title, kev, deadline, first_seen, last_seen, fixed_at, triage) VALUES "
	    /* open: 2 days, 40 days (KEV, overdue), 200 days (KEV, not yet due) */
	    "('a', 'x', 'k1', 'tls', 'network', 'open', 'high', 't', 0, NULL, %lld, 0, NULL, NULL),"
	    "('a', 'x', 'k2', 'vulnerability', 'network', 'open', 'critical', 't', 1, %lld, %lld, "
	    "0, NULL, NULL),"
	    "('a', 'x', 'k3', 'vulnerability', 'network', 'open', 'critical', 't', 1, %lld, %lld, "
	    "0, NULL, NULL),"
	    /* not counted: info, a false positive, another sector's */
	    "('a', 'x', 'k4', 'tls', 'network', 'open', 'info', 't', 0, NULL, %lld, 0, NULL, NULL),"
	    "('a', 'x', 'k5', 'tls', 'network', 'open', 'high', 't', 0, NULL, %lld, 0, NULL, "
	    "'false_positive'),"
	    "('c', 'x', 'k6', 'tls', 'network', 'open', 'high', 't', 0, NULL, %lld, 0, NULL, NULL),"
	    /* fixed 3 days ago after 10 days, on time; 20 days ago after 30 days, late;
		  * 100 days ago (outside the 90 days) */
	    "('b', 'x', 'k7', 'tls', 'network', 'fixed', 'high', 't', 0, %lld, %lld, 0, %lld, "
	    "NULL),"
	    "('b', 'x', 'k8', 'tls', 'network', 'fixed', 'high', 't', 0, %lld, %lld, 0, %lld, "
	    "NULL),"
	    "('b', 'x', 'k9', 'tls', 'network', 'fixed', 'high', 't', 0, NULL, %lld, 0, %lld, "
	    "NULL)",
	    (long long)(now - 2 * D), (long long)(now - D), (long long)(now - 40 * D),
	    (long long)(now + D), (long long)(now - 200 * D), (long long)(now - D),
	    (long long)(now - D), (long long)(now - D), (long long)(now), (long long)(now - 13 * D),
	    (long long)(now - 3 * D), (long long)(now - 30 * D), (long long)(now - 50 * D),
	    (long long)(now - 20 * D), (long long)(now - 300 * D), (long long)(now - 100 * D));
	assert_int_equal(store_exec(s, sql, NULL), 0);
	assert_int_equal(finding_kpi(s, NULL, "railways", now, &k, NULL), 0);
	assert_int_equal(k.open, 3);
	assert_int_equal(k.age[0], 1); /* < 7 days */
	assert_int_equal(k.age[2], 1); /* 30-90 */
	assert_int_equal(k.age[4], 1); /* 180+ */
	assert_int_equal(k.kev_open, 2);
	assert_int_equal(k.kev_overdue, 1);
	assert_int_equal(k.fixed, 2);
	assert_int_equal(k.fixed_on_time, 1);
	assert_int_equal(k.fixed_late, 1);
	assert_int_equal(k.ttr_median_days, 20); /* (10 + 30) / 2 */
	/* weekly: the 2-day-old finding is new in the last week, k7 fixed in it */
	assert_int_equal(k.week_new[FINDING_KPI_WEEKS - 1], 1);
	assert_int_equal(k.week_fixed[FINDING_KPI_WEEKS - 1], 1);
	assert_int_equal(k.week_fixed[FINDING_KPI_WEEKS - 3], 1); /* 20 days ago */
	/* one organisation only */
	assert_int_equal(finding_kpi(s, "c", NULL, now, &k, NULL), 0);
	assert_int_equal(k.open, 1);
	assert_int_equal(k.fixed, 0);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trust__bilingual_halves),
	    cmocka_unit_test(test_trust__library_messages_one_language),
	    cmocka_unit_test(test_trust__roles_types_and_assets_named),
	    cmocka_unit_test(test_trust__finding_titles_never_japanese_in_english),
	    cmocka_unit_test(test_trust__report_files_in_both_languages),
	    cmocka_unit_test(test_trust__stored_grade_of_a_never_assessed_org_shows_nowhere),
	    cmocka_unit_test(test_trust__kpi_figures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
