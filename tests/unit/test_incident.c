/* test_incident.c - the incident module: the report reader (fields, FILE:LINE errors, times,
 * IoCs, HTML kept verbatim), the NISC table (overall = max, wording of 表1), the NCISS-style
 * score, the regime table and clocks (NIS2 24 h, awareness moved keeps history), nothing
 * half-stored, and the hash chains of the timeline and the audit log. */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "base/chain.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "incident/incident.h"
#include "incident/incident_int.h"
#include "store/store.h"
#include "testutil.h"

#define DATA MAMORI_SOURCE_DIR "/data"

static const char good[] = "format: 1\n"
			   "report: 初報\n"
			   "title: 予約システム停止 <script>alert(1)</script>\n"
			   "type: ransomware\n"
			   "occurred_at: 2026-12-01T06:40:00+09:00\n"
			   "aware_at: 2026-12-01T09:00:00+09:00\n"
			   "impact: {users: 100, start: 2026-12-01T06:40:00+09:00, end: "
			   "2026-12-01T18:00:00+09:00, alternative: partial}\n"
			   "iocs:\n"
			   "  - {type: ip, value: 203.0.113.45}\n"
			   "  - {type: hash, value: 44d88612fea8a8f36de82e1278abb02f, tlp: red}\n"
			   "affected:\n"
			   "  - {name: 予約, asset: www.a.test, service: 127.0.10.1:443/tcp}\n"
			   "contact: {name: 山田}\n";

static int parse(const char *text, struct inc_report *r, struct merr *e)
{
	merr_init(e);
	return inc_report_parse(text, strlen(text), "r.yaml", r, e);
}

static void test_incident__report_reads_every_field(void **state)
{
	struct inc_report r;
	struct merr e;
	cJSON *iocs;

	assert_int_equal(parse(good, &r, &e), 0);
	assert_int_equal(r.kind, INC_INITIAL);
	assert_int_equal(r.incident, 0);
	assert_string_equal(r.type, "ransomware");
	/* HTML is kept verbatim; it is escaped where shown */
	assert_non_null(strstr(r.title, "<script>alert(1)</script>"));
	assert_int_equal(r.aware_at - r.occurred_at, 2 * 3600 + 20 * 60);
	assert_string_equal(cJSON_GetObjectItem(r.doc, "report")->valuestring, "initial");
	iocs = cJSON_GetObjectItem(r.doc, "iocs");
	assert_int_equal(cJSON_GetArraySize(iocs), 2);
	/* the default TLP is amber */
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(iocs, 0), "tlp")->valuestring,
			    "amber");
	assert_string_equal(cJSON_GetObjectItem(r.doc, "aware_at")->valuestring,
			    "2026-12-01T00:00:00Z");
	inc_report_free(&r);
}

struct bad {
	const char *text;
	long line;
	const char *field;
};

static void test_incident__report_errors_name_line_and_field(void **state)
{
	static const struct bad cases[] = {
	    /* awareness before occurrence */
	    {"report: initial\ntitle: t\ntype: ddos\noccurred_at: 2026-12-01T10:00:00Z\n"
	     "aware_at: 2026-12-01T09:00:00Z\ncontact: {name: a}\n",
	     5, "aware_at"},
	    /* end before start */
	    {"report: initial\ntitle: t\ntype: ddos\noccurred_at: 2026-12-01T10:00:00Z\n"
	     "aware_at: 2026-12-01T10:00:00Z\nimpact:\n  start: 2026-12-01T10:00:00Z\n"
	     "  end: 2026-12-01T09:00:00Z\ncontact: {name: a}\n",
	     8, "impact"},
	    /* unknown field */
	    {"report: initial\ntitle: t\ncolour: red\n", 3, "colour"},
	    /* bad enum */
	    {"report: initial\ntitle: t\ntype: earthquake\n", 3, "type"},
	    /* time without a zone */
	    {"report: initial\ntitle: t\ntype: ddos\noccurred_at: 2026-12-01T10:00:00\n", 4,
	     "occurred_at"},
	    /* bad IoC value */
	    {"report: initial\ntitle: t\ntype: ddos\noccurred_at: 2026-12-01T10:00:00Z\n"
	     "aware_at: 2026-12-01T10:00:00Z\ncontact: {name: a}\niocs:\n"
	     "  - type: ip\n    value: 999.1.1.1\n",
	     9, "iocs[0]"},
	    /* a follow-up without the incident id */
	    {"report: 続報\ntitle: t\ntype: ddos\noccurred_at: 2026-12-01T10:00:00Z\n"
	     "aware_at: 2026-12-01T10:00:00Z\ncontact: {name: a}\n",
	     1, "incident"},
	    /* repeated key */
	    {"report: initial\nreport: final\n", 2, "report"},
	    /* missing required contact */
	    {"report: initial\ntitle: t\ntype: ddos\noccurred_at: 2026-12-01T10:00:00Z\n"
	     "aware_at: 2026-12-01T10:00:00Z\n",
	     1, "contact"},
	    /* JSON: malformed, the line of the problem */
	    {"{\n  \"report\": \"initial\",\n  \"title\": \n}\n", 4, NULL},
	    /* JSON: unknown field on its line */
	    {"{\n  \"report\": \"initial\",\n  \"bogus\": 1\n}\n", 3, "bogus"},
	    /* a control character in free text */
	    {"report: initial\ntitle: \"a\\x01b\"\n", 2, "title"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct inc_report r;
		struct merr e;
		int rc = parse(cases[i].text, &r, &e);
		if (rc == 0 || e.line != cases[i].line ||
		    (cases[i].field && !strstr(e.field, cases[i].field))) {
			char msg[800];
			merr_format(&e, msg, sizeof(msg));
			print_error("case %zu: rc %d: %s\n", i, rc, msg);
			fail();
		}
		assert_string_equal(e.file, "r.yaml");
		assert_null(r.doc);
	}
}

/* 表1 from seed 002, as the NISC wrote it: the overall level is the highest axis. */
static void test_incident__nisc_level_is_max_of_axes(void **state)
{
	static const char *const names[] = {"レベル0（なし）", "レベル1（低）", "レベル2（中）",
					    "レベル3（高）", "レベル4（危機）"};
	static const char *const effect[] = {"影響なし", "ほぼ影響なし", "一定の影響が発生",
					     "大きな影響が発生", "著しく深刻な影響が発生"};
	for (int c = 0; c <= 4; c++)
		for (int s = 0; s <= 4; s++)
			for (int t = 0; t <= 4; t++) {
				int m = c > s ? c : s;
				m = m > t ? m : t;
				assert_int_equal(inc_level_overall(c, s, t), m);
			}
	for (int l = 0; l <= 4; l++) {
		char want[256];
		assert_string_equal(inc_level_name(l), names[l]);
		snprintf(want, sizeof(want), "サービスの持続性又はサービスに関する安全性に、%s",
			 effect[l]);
		assert_string_equal(inc_level_text(l), want);
	}
	assert_int_equal(inc_level_overall(5, 0, 0), -1);
	assert_int_equal(inc_level_overall(0, -1, 0), -1);
	assert_null(inc_level_name(5));
}

static void test_incident__nciss_score_bounds(void **state)
{
	const char *hi[] = {"functional_impact=denial_of_critical_services_or_loss_of_control",
			    "observed_activity=effect",
			    "location=l7_safety_systems",
			    "actor=apt_targeted",
			    "information_impact=destruction_of_critical_system",
			    "recoverability=not_recoverable",
			    "cross_sector=energy",
			    "potential_impact=severe"};
	const char *bad[] = {"functional_impact=nope"};
	struct merr e;
	cJSON *chosen = NULL;
	int score;

	merr_init(&e);
	assert_int_equal(inc_nciss_score(DATA "/nciss.yaml", NULL, 0, &score, NULL, &e), 0);
	assert_int_equal(score, 0);
	assert_int_equal(inc_nciss_score(DATA "/nciss.yaml", hi, 8, &score, &chosen, &e), 0);
	assert_int_equal(score, 100);
	assert_string_equal(cJSON_GetObjectItem(chosen, "actor")->valuestring, "apt_targeted");
	cJSON_Delete(chosen);
	assert_int_equal(inc_nciss_score(DATA "/nciss.yaml", bad, 1, &score, NULL, &e), M_EINVAL);
}

static void test_incident__add_months_clamps_day(void **state)
{
	int64_t t, want;

	/* 2027-01-31 12:00 JST + 1 month = 2027-02-28 12:00 JST */
	assert_int_equal(time_parse("2027-01-31T12:00:00+09:00", &t), 0);
	assert_int_equal(time_parse("2027-02-28T12:00:00+09:00", &want), 0);
	assert_int_equal(inc_add_months(t, 1), want);
	/* across a year */
	assert_int_equal(time_parse("2026-12-02T09:00:00+09:00", &t), 0);
	assert_int_equal(time_parse("2027-01-02T09:00:00+09:00", &want), 0);
	assert_int_equal(inc_add_months(t, 1), want);
}

static void test_incident__regime_table_loads_and_refuses_bad(void **state)
{
	struct inc_regimes *t = NULL;
	struct merr e;
	const char *bad;

	merr_init(&e);
	assert_int_equal(inc_regimes_load(DATA "/incident_regimes.yaml", &t, &e), 0);
	inc_regimes_free(t);
	bad = tu_write_file("bad_regimes.yaml", "format: 1\nregimes:\n  - id: x\n    name_ja: x\n"
						"    source: s\n    reports:\n      - id: r\n"
						"        name_ja: r\n        offset: 5 weeks\n"
						"        source: s\n");
	merr_init(&e);
	assert_int_equal(inc_regimes_load(bad, &t, &e), M_EPARSE);
	assert_int_equal(e.line, 9);
	assert_string_equal(e.field, "offset");
	/* a report without its source */
	bad = tu_write_file("bad_regimes2.yaml", "format: 1\nregimes:\n  - id: x\n    name_ja: x\n"
						 "    source: s\n    reports:\n      - id: r\n"
						 "        name_ja: r\n        offset: 5h\n");
	merr_init(&e);
	assert_int_equal(inc_regimes_load(bad, &t, &e), M_EPARSE);
	assert_string_equal(e.field, "source");
	/* not YAML: the file and the line libyaml stopped at, for the regimes and the NCISS
	 * weights alike (one loader, inc_yaml_load) */
	bad = tu_write_file("bad_regimes3.yaml", "format: 1\nregimes: [\n  - id: x\n    : :\n");
	merr_init(&e);
	assert_int_equal(inc_regimes_load(bad, &t, &e), M_EPARSE);
	assert_string_equal(e.file, bad);
	assert_true(e.line >= 3);
	assert_non_null(strstr(e.msg, "malformed YAML: "));
	int score = -1;
	merr_init(&e);
	assert_int_equal(inc_nciss_score(bad, NULL, 0, &score, NULL, &e), M_EPARSE);
	assert_string_equal(e.file, bad);
	assert_non_null(strstr(e.msg, "malformed YAML: "));
}

struct fx {
	struct store *s;
	struct inc_regimes *t;
	struct inc_ctx c;
};

static void fx_open(struct fx *f, const char *name)
{
	char path[512];
	struct merr e;

	memset(f, 0, sizeof(*f)); /* inc_ctx: exercise_run 0, a real incident */
	merr_init(&e);
	tu_path(path, sizeof(path), name);
	remove(path);
	assert_int_equal(store_open(path, &f->s, &e), 0);
	assert_int_equal(
	    store_exec(f->s,
		       "INSERT INTO orgs (slug, name_ja, sector, critical, created_at, "
		       "updated_at) VALUES ('a-rail', 'A鉄道', 'railways', 1, 0, 0), "
		       "('b-air', 'B航空', 'aviation', 1, 0, 0)",
		       &e),
	    0);
	assert_int_equal(inc_regimes_load(DATA "/incident_regimes.yaml", &f->t, &e), 0);
	f->c.s = f->s;
	f->c.regimes = f->t;
	f->c.actor = "test";
	assert_int_equal(time_parse("2026-12-01T09:30:00+09:00", &f->c.now), 0);
}

static void fx_close(struct fx *f)
{
	inc_regimes_free(f->t);
	store_close(f->s);
}

static int64_t q(struct store *s, const char *sql)
{
	int64_t v = -1;
	assert_int_equal(store_query_int(s, sql, &v, NULL), 0);
	return v;
}

static int64_t file_good(struct fx *f, const char *text, const char *org)
{
	struct inc_report r;
	struct merr e;
	int64_t id;
	int seq;

	assert_int_equal(parse(text, &r, &e), 0);
	assert_int_equal(inc_file(&f->c, org, &r, &id, &seq, &e), 0);
	inc_report_free(&r);
	return id;
}

static const char *clock_due(cJSON *o, const char *regime, const char *report)
{
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "clocks"))
	{
		if (!strcmp(cJSON_GetObjectItem(it, "regime")->valuestring, regime) &&
		    !strcmp(cJSON_GetObjectItem(it, "report")->valuestring, report))
			return cJSON_GetObjectItem(it, "due")->valuestring;
	}
	return "";
}

static void test_incident__nis2_clock_and_moved_awareness(void **state)
{
	struct fx f;
	struct merr e;
	const char *nis2[] = {"nis2"};
	cJSON *o;
	int64_t id, t;

	fx_open(&f, "clocks.db");
	id = file_good(&f, good, "a-rail");
	merr_init(&e);
	assert_int_equal(inc_regimes_set(&f.c, id, nis2, 1, &e), 0);
	assert_int_equal(inc_show(&f.c, id, NULL, &o, &e), 0);
	/* aware 09:00 JST: the early warning is due 09:00 JST the next day */
	assert_string_equal(clock_due(o, "nis2", "early_warning"), "2026-12-02T00:00:00Z");
	assert_string_equal(clock_due(o, "nis2", "notification"), "2026-12-04T00:00:00Z");
	/* final: one month after the notification */
	assert_string_equal(clock_due(o, "nis2", "final"), "2027-01-04T00:00:00Z");
	/* the default ministry clocks are gone (regimes set to nis2 only): dropped, not shown */
	assert_string_equal(clock_due(o, "ministry", "followup"), "");
	cJSON_Delete(o);

	/* moving the awareness time recomputes every pending clock and keeps the history */
	assert_int_equal(time_parse("2026-12-01T12:00:00+09:00", &t), 0);
	assert_int_equal(inc_set_aware(&f.c, id, t, &e), 0);
	assert_int_equal(inc_show(&f.c, id, NULL, &o, &e), 0);
	assert_string_equal(clock_due(o, "nis2", "early_warning"), "2026-12-02T03:00:00Z");
	assert_string_equal(cJSON_GetObjectItem(o, "aware_at")->valuestring,
			    "2026-12-01T03:00:00Z");
	cJSON_Delete(o);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incident_clock_history WHERE regime = "
				"'nis2' AND report = 'early_warning' AND old_due = 1796169600 AND "
				"new_due = 1796180400"),
			 1);
	/* awareness before occurrence is refused and changes nothing */
	assert_int_equal(time_parse("2026-11-30T00:00:00+09:00", &t), 0);
	assert_int_equal(inc_set_aware(&f.c, id, t, &e), M_EINVAL);
	assert_int_equal(q(f.s, "SELECT aware_at FROM incidents"), 1796094000);
	fx_close(&f);
}

static void test_incident__versions_kept_and_assessments_survive(void **state)
{
	struct fx f;
	struct merr e;
	struct inc_assessment a = {.continuity = 2, .safety = 0, .trust = 1};
	char follow[2048];
	int64_t id;
	int lv, score;
	cJSON *o, *sev;

	fx_open(&f, "versions.db");
	id = file_good(&f, good, "a-rail");
	merr_init(&e);
	assert_int_equal(inc_assess(&f.c, id, &a, &lv, &score, &e), 0);
	assert_int_equal(lv, 2);
	snprintf(follow, sizeof(follow),
		 "report: 最終報\nincident: %lld\ntitle: 復旧\ntype: ransomware\n"
		 "occurred_at: 2026-12-01T06:40:00+09:00\naware_at: 2026-12-01T09:00:00+09:00\n"
		 "contact: {name: 山田}\n",
		 (long long)id);
	f.c.now += 86400;
	file_good(&f, follow, "a-rail");
	a.final = true;
	a.continuity = 3;
	assert_int_equal(inc_assess(&f.c, id, &a, &lv, &score, &e), 0);
	assert_int_equal(lv, 3);
	/* a later predicted assessment does not replace the final level */
	a.final = false;
	a.continuity = 1;
	assert_int_equal(inc_assess(&f.c, id, &a, &lv, &score, &e), 0);
	assert_int_equal(inc_show(&f.c, id, NULL, &o, &e), 0);
	assert_int_equal(cJSON_GetObjectItem(o, "level")->valueint, 3);
	sev = cJSON_GetObjectItem(o, "severity");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sev, "assessments")), 3);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(sev, "final"), "level")->valueint,
			 3);
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(sev, "predicted"), "level")->valueint, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "versions")), 2);
	assert_string_equal(cJSON_GetObjectItem(o, "state")->valuestring, "closed");
	cJSON_Delete(o);
	/* after the 最終報 no further version; the store is unchanged */
	{
		struct inc_report r;
		int64_t x;
		int seq;
		assert_int_equal(parse(follow, &r, &e), 0);
		merr_init(&e);
		assert_int_equal(inc_file(&f.c, "a-rail", &r, &x, &seq, &e), M_EINVAL);
		inc_report_free(&r);
	}
	assert_int_equal(q(f.s, "SELECT count(*) FROM incident_versions"), 2);
	fx_close(&f);
}

static void test_incident__nothing_half_stored(void **state)
{
	struct fx f;
	struct merr e;
	struct inc_report r;
	char other[2048];
	int64_t id, x;
	int seq;

	fx_open(&f, "half.db");
	/* unknown org */
	assert_int_equal(parse(good, &r, &e), 0);
	assert_int_equal(inc_file(&f.c, "nobody", &r, &id, &seq, &e), M_ENOTFOUND);
	inc_report_free(&r);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incidents"), 0);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incident_iocs"), 0);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incident_events"), 0);
	/* a follow-up by another operator for a-rail's incident: not found, nothing stored */
	id = file_good(&f, good, "a-rail");
	snprintf(other, sizeof(other),
		 "report: followup\nincident: %lld\ntitle: x\ntype: ddos\n"
		 "occurred_at: 2026-12-01T06:40:00+09:00\naware_at: 2026-12-01T09:00:00+09:00\n"
		 "contact: {name: x}\niocs: [{type: ip, value: 192.0.2.1}]\n",
		 (long long)id);
	assert_int_equal(parse(other, &r, &e), 0);
	merr_init(&e);
	assert_int_equal(inc_file(&f.c, "b-air", &r, &x, &seq, &e), M_ENOTFOUND);
	/* an unknown regime named in the file */
	inc_report_free(&r);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incident_versions"), 1);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incident_iocs"), 2);
	assert_int_equal(parse("report: initial\ntitle: t\ntype: ddos\n"
			       "occurred_at: 2026-12-01T06:40:00+09:00\n"
			       "aware_at: 2026-12-01T09:00:00+09:00\ncontact: {name: x}\n"
			       "regimes: [nis2, mars]\n",
			       &r, &e),
			 0);
	merr_init(&e);
	assert_int_equal(inc_file(&f.c, "a-rail", &r, &x, &seq, &e), M_EINVAL);
	inc_report_free(&r);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incidents"), 1);
	/* exercise rows are left out of every list */
	assert_int_equal(store_exec(f.s, "UPDATE incidents SET exercise_run = 7", &e), 0);
	{
		struct inc_filter fl = {.level = -1};
		cJSON *arr;
		assert_int_equal(inc_list(&f.c, &fl, &arr, &e), 0);
		assert_int_equal(cJSON_GetArraySize(arr), 0);
		cJSON_Delete(arr);
		assert_int_equal(inc_stats(&f.c, NULL, &arr, &e), 0);
		assert_int_equal(cJSON_GetArraySize(arr), 0);
		cJSON_Delete(arr);
	}
	fx_close(&f);
}

static void test_incident__chains_detect_an_edit(void **state)
{
	struct fx f;
	struct merr e;
	struct chain_verify v;

	fx_open(&f, "chain.db");
	file_good(&f, good, "a-rail");
	file_good(&f, good, "a-rail");
	merr_init(&e);
	assert_int_equal(inc_events_verify(f.s, &v, &e), 0);
	assert_true(v.rows >= 2);
	assert_int_equal(v.broken_id, 0);
	assert_int_equal(auth_audit_verify(f.s, &v, &e), 0);
	assert_int_equal(v.broken_id, 0);
	assert_int_equal(v.unsealed, 0);
	assert_true(v.rows >= 2);
	/* a row written around the writer is unsealed until the next write seals it */
	assert_int_equal(store_exec(f.s,
				    "INSERT INTO audit_log (at, actor, action) VALUES (1, 'x', "
				    "'direct')",
				    &e),
			 0);
	assert_int_equal(auth_audit_verify(f.s, &v, &e), 0);
	assert_int_equal(v.unsealed, 1);
	assert_int_equal(auth_audit(f.s, "t", "test", NULL, NULL, 2, &e), 0);
	assert_int_equal(auth_audit_verify(f.s, &v, &e), 0);
	assert_int_equal(v.unsealed, 0);
	assert_int_equal(v.broken_id, 0);
	/* edits are found, at the edited row */
	assert_int_equal(store_exec(f.s, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2", &e),
			 0);
	assert_int_equal(auth_audit_verify(f.s, &v, &e), 0);
	assert_int_equal(v.broken_id, 2);
	assert_int_equal(
	    store_exec(f.s, "UPDATE incident_events SET detail = '{}' WHERE id = 2", &e), 0);
	assert_int_equal(inc_events_verify(f.s, &v, &e), 0);
	assert_int_equal(v.broken_id, 2);
	fx_close(&f);
}

static void test_incident__stix_leaves_out_stricter_iocs(void **state)
{
	struct fx f;
	struct merr e;
	cJSON *b, *it;
	int64_t id;
	int indicators = 0, incidents = 0;

	fx_open(&f, "stix.db");
	id = file_good(&f, good, "a-rail");
	merr_init(&e);
	assert_int_equal(inc_stix(&f.c, id, NULL, "amber", &b, &e), 0);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(b, "objects"))
	{
		const char *t = cJSON_GetObjectItem(it, "type")->valuestring;
		indicators += !strcmp(t, "indicator");
		incidents += !strcmp(t, "incident");
		if (!strcmp(t, "indicator"))
			assert_string_equal(cJSON_GetObjectItem(it, "pattern")->valuestring,
					    "[ipv4-addr:value = '203.0.113.45']");
	}
	assert_int_equal(incidents, 1);
	assert_int_equal(indicators, 1); /* the red hash is left out */
	cJSON_Delete(b);
	assert_int_equal(inc_stix(&f.c, id, NULL, "purple", &b, &e), M_EINVAL);
	fx_close(&f);
}

static void test_incident__attachments_checked_and_scoped(void **state)
{
	static const char elf[] = "\x7f"
				  "ELF\x02\x01\x01";
	struct inc_view op_b = {"b-air", NULL, false, 4, true},
			op_a = {"a-rail", NULL, false, 4, true};
	struct fx f;
	struct merr e;
	char sha[65], *name = NULL;
	void *data = NULL;
	size_t len = 0;
	int64_t id, aid;

	fx_open(&f, "attach.db");
	id = file_good(&f, good, "a-rail");
	merr_init(&e);
	/* any bytes, NUL included, with their SHA-256 */
	assert_int_equal(
	    inc_attach_add(&f.c, id, "a-rail", "log.txt", "a\0b<script>", 11, &aid, sha, &e), 0);
	assert_string_equal(sha,
			    "d69fa453dcd84cc98b7a5f1e15cd79eee33c4fd382a2d6e037a76af4cc8c082e");
	assert_int_equal(inc_attach_get(&f.c, id, aid, &op_a, &name, &data, &len, sha, &e), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(data, "a\0b<script>", 11);
	assert_string_equal(name, "log.txt");
	m_free(name);
	m_free(data);
	/* another operator: not found; forged ids alike */
	assert_int_equal(inc_attach_get(&f.c, id, aid, &op_b, &name, &data, &len, sha, &e),
			 M_ENOTFOUND);
	assert_int_equal(inc_attach_get(&f.c, id, aid + 1, &op_a, &name, &data, &len, sha, &e),
			 M_ENOTFOUND);
	assert_int_equal(inc_attach_add(&f.c, id, "b-air", "x.txt", "x", 1, &aid, sha, &e),
			 M_ENOTFOUND);
	/* executables, bad names, empty and oversized files: refused, nothing stored */
	assert_int_equal(
	    inc_attach_add(&f.c, id, NULL, "a.bin", elf, sizeof(elf) - 1, &aid, sha, &e), M_EINVAL);
	assert_int_equal(inc_attach_add(&f.c, id, NULL, "a.exe", "MZ\x90", 3, &aid, sha, &e),
			 M_EINVAL);
	assert_int_equal(inc_attach_add(&f.c, id, NULL, "a.sh", "#!/bin/sh\n", 10, &aid, sha, &e),
			 M_EINVAL);
	assert_int_equal(inc_attach_add(&f.c, id, NULL, "../a", "x", 1, &aid, sha, &e), M_EINVAL);
	assert_int_equal(inc_attach_add(&f.c, id, NULL, "a\"b", "x", 1, &aid, sha, &e), M_EINVAL);
	assert_int_equal(inc_attach_add(&f.c, id, NULL, "e.txt", "", 0, &aid, sha, &e), M_EINVAL);
	assert_int_equal(
	    inc_attach_add(&f.c, id, NULL, "big.bin", "x", INC_ATTACH_MAX + 1, &aid, sha, &e),
	    M_ETOOBIG);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incident_attachments"), 1);
	fx_close(&f);
}

static void test_incident__cases_states_and_visibility(void **state)
{
	struct fx f;
	struct merr e;
	struct case_open o = {.org = "a-rail",
			      .kind = "rush",
			      .title = "初動支援",
			      .message = "来てください",
			      .sla_path = DATA "/case_sla.yaml"};
	struct case_update u = {0};
	cJSON *c, *it;
	int64_t id;
	int notes = 0;

	fx_open(&f, "cases.db");
	merr_init(&e);
	assert_int_equal(case_open(&f.c, &o, &id, &e), 0);
	u.state = "in_progress";
	u.assignee = "analyst1";
	u.note = "内部メモ";
	u.message = "向かいます";
	f.c.now += 3600;
	assert_int_equal(case_update(&f.c, id, &u, &e), 0);
	/* the operator sees no internal note */
	assert_int_equal(case_show(&f.c, id, "a-rail", false, &c, &e), 0);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(c, "timeline"))
	{
		notes += !strcmp(cJSON_GetObjectItem(it, "visibility")->valuestring, "internal");
	}
	assert_int_equal(notes, 0);
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c, "sla"), "first_response")->valuestring,
	    "met");
	cJSON_Delete(c);
	/* another operator: not found; an operator may not change the state */
	assert_int_equal(case_show(&f.c, id, "b-air", false, &c, &e), M_ENOTFOUND);
	memset(&u, 0, sizeof(u));
	u.org = "b-air";
	u.message = "x";
	merr_init(&e);
	assert_int_equal(case_update(&f.c, id, &u, &e), M_ENOTFOUND);
	u.org = "a-rail";
	u.state = "closed";
	assert_int_equal(case_update(&f.c, id, &u, &e), M_EPERM);
	/* forged ids */
	memset(&u, 0, sizeof(u));
	u.message = "x";
	assert_int_equal(case_update(&f.c, 9999, &u, &e), M_ENOTFOUND);
	u.link_kind = "incident";
	u.link_ref = "12345";
	assert_int_equal(case_update(&f.c, id, &u, &e), M_ENOTFOUND);
	/* another organisation's incident cannot be linked; the case's own can */
	{
		char ref[24];
		snprintf(ref, sizeof(ref), "%lld", (long long)file_good(&f, good, "b-air"));
		u.link_ref = ref;
		merr_init(&e);
		assert_int_equal(case_update(&f.c, id, &u, &e), M_ENOTFOUND);
		snprintf(ref, sizeof(ref), "%lld", (long long)file_good(&f, good, "a-rail"));
		assert_int_equal(case_update(&f.c, id, &u, &e), 0);
	}
	fx_close(&f);
}

/* The one row helper both chains use: integers hash as their decimal text; the walk names the
 * first broken row, an unsealed row before a sealed one, and a bad link. */
static void test_incident__chain_row_helper_and_walk(void **state)
{
	const char *txt[] = {"-42", "9007199254740993", NULL, "x"};
	const struct chain_field f[] = {CHAIN_INT(-42), CHAIN_INT(9007199254740993LL),
					CHAIN_TEXT(NULL), CHAIN_TEXT("x")};
	char a[CHAIN_HEX], b[CHAIN_HEX], h1[CHAIN_HEX], h2[CHAIN_HEX];
	struct chain_verify r;
	struct chain_walk w;

	assert_int_equal(chain_hash(NULL, CHAIN_GENESIS, txt, 4, a), 0);
	assert_int_equal(chain_hash_row(NULL, CHAIN_GENESIS, f, 4, b), 0);
	assert_string_equal(a, b);
	/* a good chain of two rows, then a row whose link is wrong */
	assert_int_equal(chain_hash_row(NULL, CHAIN_GENESIS, f, 1, h1), 0);
	assert_int_equal(chain_hash_row(NULL, h1, f, 2, h2), 0);
	assert_int_equal(chain_walk_begin(&w, &r, false), 0);
	assert_int_equal(chain_walk_row(&w, 1, CHAIN_GENESIS, h1, f, 1), 1);
	assert_int_equal(chain_walk_row(&w, 2, h1, h2, f, 2), 1);
	assert_int_equal(chain_walk_row(&w, 3, h1, h2, f, 2), 0);
	assert_int_equal(r.broken_id, 3);
	assert_non_null(strstr(r.why, "prev_hash"));
	chain_walk_end(&w);
	/* edited content */
	assert_int_equal(chain_walk_begin(&w, &r, false), 0);
	assert_int_equal(chain_walk_row(&w, 1, CHAIN_GENESIS, h1, f + 1, 1), 0);
	assert_non_null(strstr(r.why, "content"));
	chain_walk_end(&w);
	/* unsealed rows may trail, not come before a sealed one */
	assert_int_equal(chain_walk_begin(&w, &r, true), 0);
	assert_int_equal(chain_walk_row(&w, 1, CHAIN_GENESIS, h1, f, 1), 1);
	assert_int_equal(chain_walk_row(&w, 2, NULL, NULL, f, 1), 1);
	assert_int_equal(r.unsealed, 1);
	assert_int_equal(chain_walk_row(&w, 3, h1, h2, f, 2), 0);
	assert_int_equal(r.broken_id, 2);
	chain_walk_end(&w);
	(void)state;
}

/* The list writer's date arithmetic agrees with the time module over leap days and centuries. */
static void test_incident__list_times_match_time_fmt(void **state)
{
	struct buf b;
	char want[TIME_STR_MAX + 8], ts[TIME_STR_MAX];
	int64_t t;

	/* one writer throughout: its dates of earlier days (4 slots) must never leak into a later
	 * day's value, whichever order the days come in (the same slot 4 days apart, back and
	 * forth, the same day again) */
	static const int64_t hop[] = {0, 86400 * 4, -86400 * 4, 86400, 3600, -86400 * 8, 86399, 0};
	struct jw w = {.b = &b};

	buf_init(&b, 4096);
	for (t = -86400LL * 366; t < 4102444800LL; t += 86400LL * 17 + 3607) {
		for (size_t h = 0; h < ARRAY_SIZE(hop); h++) {
			int64_t u = t + hop[h] ? t + hop[h] : 1;
			buf_reset(&b);
			w.n = 0;
			jw_time(&w, "t", u);
			time_fmt_utc(u, ts);
			snprintf(want, sizeof(want), "\"t\":\"%s\"", ts);
			if (strcmp(buf_str(&b), want))
				fail_msg("%lld: %s, want %s", (long long)u, buf_str(&b), want);
		}
	}
	buf_reset(&b);
	w.n = 0;
	jw_time(&w, "t", 0);
	jw_time(&w, "u", 253402300800LL); /* year 10000: null, as json_add_time */
	assert_string_equal(buf_str(&b), "\"t\":null,\"u\":null");
	buf_release(&b);
	(void)state;
}

/* The lists of issue 15's benchmark are index-backed: each filter's plan walks one of 0803's
 * indexes in id order (no temp B-tree sort of every match, no full scan), pages are keyset, and
 * the copied sector follows an org that moves. */
static void plan_uses(struct fx *f, const struct inc_filter *flt, const char *index)
{
	struct merr e;
	char *plan = NULL;

	merr_init(&e);
	assert_int_equal(inc_list_plan(&f->c, flt, &plan, &e), 0);
	if (!strstr(plan, index) || strstr(plan, "TEMP B-TREE"))
		fail_msg("plan without %s or with a sort:\n%s", index, plan);
	m_free(plan);
}

static void test_incident__lists_are_index_backed(void **state)
{
	struct fx f;
	struct merr e;
	cJSON *arr;
	char *plan = NULL;
	int64_t ids[5];

	fx_open(&f, "lists.db");
	for (int i = 0; i < 5; i++)
		ids[i] = file_good(&f, good, i % 2 ? "b-air" : "a-rail");
	plan_uses(&f, &(struct inc_filter){.state = "open", .level = 2}, "incidents_l_state_level");
	plan_uses(&f, &(struct inc_filter){.state = "open", .level = -1}, "incidents_l_state");
	plan_uses(&f, &(struct inc_filter){.level = 3}, "incidents_l_level");
	plan_uses(&f, &(struct inc_filter){.level = -1, .overdue = true}, "incidents_l_due");
	plan_uses(&f, &(struct inc_filter){.sector = "railways", .state = "open", .level = -1},
		  "incidents_l_sector");
	plan_uses(&f, &(struct inc_filter){.sector = "railways", .level = -1},
		  "incidents_l_sector_all");
	plan_uses(&f, &(struct inc_filter){.org = "a-rail", .level = -1}, "incidents_org");
	plan_uses(&f, &(struct inc_filter){.level = -1, .before = 3}, "PRIMARY KEY");
	merr_init(&e);
	assert_int_equal(
	    case_list_plan(&f.c, &(struct case_filter){.state = "received"}, &plan, &e), 0);
	assert_non_null(strstr(plan, "cases_l_state"));
	assert_null(strstr(plan, "TEMP B-TREE"));
	m_free(plan);
	assert_int_equal(case_list_plan(&f.c,
					&(struct case_filter){.org = "a-rail", .state = "received"},
					&plan, &e),
			 0);
	assert_non_null(strstr(plan, "cases_l_org_state"));
	assert_null(strstr(plan, "TEMP B-TREE"));
	m_free(plan);
	/* keyset pages: two of five, then the next two below the last id, then the last one */
	assert_int_equal(inc_list(&f.c, &(struct inc_filter){.level = -1, .limit = 2}, &arr, &e),
			 0);
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	assert_int_equal((int64_t)cJSON_GetArrayItem(arr, 1)->child->valuedouble, ids[3]);
	cJSON_Delete(arr);
	assert_int_equal(inc_list(&f.c,
				  &(struct inc_filter){.level = -1, .limit = 2, .before = ids[3]},
				  &arr, &e),
			 0);
	assert_int_equal((int64_t)cJSON_GetArrayItem(arr, 0)->child->valuedouble, ids[2]);
	cJSON_Delete(arr);
	assert_int_equal(inc_list(&f.c,
				  &(struct inc_filter){.level = -1, .limit = 2, .before = ids[1]},
				  &arr, &e),
			 0);
	assert_int_equal(cJSON_GetArraySize(arr), 1);
	cJSON_Delete(arr);
	/* the API's text rows are the same JSON as the tree inc_list builds */
	{
		struct buf b;
		int64_t n = 0, last = 0;
		cJSON *parsed;
		struct inc_filter all = {.level = -1, .limit = 10};
		buf_init(&b, 1 << 20);
		f.c.now += 86400 * 3; /* some clocks overdue */
		assert_int_equal(inc_list_text(&f.c, &all, &b, &n, &last, &e), 0);
		assert_int_equal(inc_list(&f.c, &all, &arr, &e), 0);
		assert_int_equal(n, 5);
		assert_int_equal(last, ids[0]);
		parsed = cJSON_Parse(buf_str(&b));
		assert_non_null(parsed);
		assert_true(cJSON_Compare(parsed, arr, true));
		cJSON_Delete(parsed);
		cJSON_Delete(arr);
		buf_reset(&b);
		assert_int_equal(case_open(&f.c,
					   &(struct case_open){.org = "a-rail",
							       .kind = "rush",
							       .title = "x \"<y>\"\n",
							       .sla_path = DATA "/case_sla.yaml"},
					   &last, &e),
				 M_EINVAL); /* one line only */
		assert_int_equal(case_open(&f.c,
					   &(struct case_open){.org = "a-rail",
							       .kind = "rush",
							       .title = "x \"<y>\\",
							       .sla_path = DATA "/case_sla.yaml"},
					   &last, &e),
				 0);
		assert_int_equal(case_list_text(&f.c, &(struct case_filter){0}, &b, &n, &last, &e),
				 0);
		assert_int_equal(case_list(&f.c, &(struct case_filter){0}, &arr, &e), 0);
		parsed = cJSON_Parse(buf_str(&b));
		assert_non_null(parsed);
		assert_true(cJSON_Compare(parsed, arr, true));
		cJSON_Delete(parsed);
		cJSON_Delete(arr);
		buf_release(&b);
	}
	/* the sector follows the org: a bureau of the new sector sees its incidents */
	assert_int_equal(q(f.s, "SELECT count(*) FROM incidents WHERE sector = 'railways'"), 3);
	assert_int_equal(
	    store_exec(f.s, "UPDATE orgs SET sector = 'ports' WHERE slug = 'a-rail'", &e), 0);
	assert_int_equal(
	    inc_list(&f.c, &(struct inc_filter){.sector = "ports", .level = -1}, &arr, &e), 0);
	assert_int_equal(cJSON_GetArraySize(arr), 3);
	cJSON_Delete(arr);
	assert_int_equal(
	    inc_list(&f.c, &(struct inc_filter){.sector = "railways", .level = -1}, &arr, &e), 0);
	assert_int_equal(cJSON_GetArraySize(arr), 0);
	cJSON_Delete(arr);
	/* the list reads the org's slug copied onto each incident (0804, no join): filled on
	 * insert, and it follows a renamed org */
	assert_int_equal(q(f.s, "SELECT count(*) FROM incidents i JOIN orgs o ON o.id = i.org_id"
				" WHERE i.org_slug IS NOT o.slug"),
			 0);
	assert_int_equal(q(f.s, "SELECT count(*) FROM incidents WHERE org_slug = 'a-rail'"), 3);
	assert_int_equal(
	    store_exec(f.s, "UPDATE orgs SET slug = 'a-rail2' WHERE slug = 'a-rail'", &e), 0);
	assert_int_equal(
	    inc_list(&f.c, &(struct inc_filter){.org = "a-rail2", .level = -1}, &arr, &e), 0);
	assert_int_equal(cJSON_GetArraySize(arr), 3);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "org")),
	    "a-rail2");
	cJSON_Delete(arr);
	fx_close(&f);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_incident__report_reads_every_field),
	    cmocka_unit_test(test_incident__report_errors_name_line_and_field),
	    cmocka_unit_test(test_incident__nisc_level_is_max_of_axes),
	    cmocka_unit_test(test_incident__nciss_score_bounds),
	    cmocka_unit_test(test_incident__add_months_clamps_day),
	    cmocka_unit_test(test_incident__regime_table_loads_and_refuses_bad),
	    cmocka_unit_test(test_incident__nis2_clock_and_moved_awareness),
	    cmocka_unit_test(test_incident__versions_kept_and_assessments_survive),
	    cmocka_unit_test(test_incident__nothing_half_stored),
	    cmocka_unit_test(test_incident__chains_detect_an_edit),
	    cmocka_unit_test(test_incident__stix_leaves_out_stricter_iocs),
	    cmocka_unit_test(test_incident__attachments_checked_and_scoped),
	    cmocka_unit_test(test_incident__cases_states_and_visibility),
	    cmocka_unit_test(test_incident__lists_are_index_backed),
	    cmocka_unit_test(test_incident__list_times_match_time_fmt),
	    cmocka_unit_test(test_incident__chain_row_helper_and_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
