/* test_exercise.c - the exercise module: the scenario reader (every field, FILE:LINE: field
 * errors for unknown roles, times out of order, branches to missing injects or options),
 * the scaled clock with pauses, branches resolved on decisions, scoring on time / late /
 * missed by the rubric, exercise incidents kept apart from real lists, and a participant
 * outside the run refused. */
#include "base/compat.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/mtime.h"
#include "exercise/exercise.h"
#include "incident/incident.h"
#include "store/store.h"
#include "testutil.h"

static const char good[] =
    "id: t1\n"
    "title: 訓練 <script>x</script>\n"
    "background: 背景\n"
    "objectives: [目的]\n"
    "sources: [\"出典 <https://example.test/>\"]\n"
    "roles: [operator_csirt, executive]\n"
    "scoring: {pass: 50}\n"
    "injects:\n"
    "  - id: a\n"
    "    at: \"T+00:00\"\n"
    "    channel: console\n"
    "    to: operator_csirt\n"
    "    content_ja: 最初\n"
    "    options: [stop, go]\n"
    "    expect:\n"
    "      - {id: e1, who: operator_csirt, action: isolate, within: \"10:00\", points: 10, "
    "late_points: 4}\n"
    "      - {id: e2, who: executive, action: decide, option: stop, within: \"05:00\", points: 6}\n"
    "  - id: b\n"
    "    at: \"T+20:00\"\n"
    "    channel: mail\n"
    "    to: executive\n"
    "    content_ja: 停止後\n"
    "    branch: {inject: a, option: stop}\n"
    "    expect:\n"
    "      - {id: e3, who: operator_csirt, action: file_initial, within: \"30:00\", points: 20}\n"
    "  - id: c\n"
    "    at: \"T+20:00\"\n"
    "    channel: phone\n"
    "    to: executive\n"
    "    content_ja: 継続時\n"
    "    branch: {inject: a, option: go}\n"
    "    expect:\n"
    "      - {id: e4, who: executive, action: message, within: \"10:00\", points: 50}\n";

static int parse(const char *text, struct ex_scenario *sc, struct merr *e)
{
	merr_init(e);
	return ex_scenario_parse(text, strlen(text), "s.yaml", sc, e);
}

static void test_exercise__scenario_reads_every_field(void **state)
{
	struct ex_scenario sc;
	struct merr e;

	(void)state;
	assert_int_equal(parse(good, &sc, &e), 0);
	assert_string_equal(sc.id, "t1");
	assert_int_equal(sc.n_roles, 2);
	assert_int_equal(sc.n_injects, 3);
	assert_int_equal(sc.pass_percent, 50);
	assert_int_equal(sc.injects[1].at_s, 1200);
	assert_string_equal(sc.injects[1].branch_inject, "a");
	assert_int_equal(sc.injects[0].expect[0].late_points, 4);
	assert_int_equal(sc.injects[0].expect[1].late_points, 3); /* default: half */
	assert_int_equal(sc.injects[0].expect[0].within_s, 600);
	/* script is kept verbatim here; escaped where shown */
	assert_non_null(strstr(sc.title_ja, "<script>"));
	ex_scenario_free(&sc);
}

static void bad(const char *from, const char *to, const char *want)
{
	char text[sizeof(good) + 256], msg[512];
	const char *p = strstr(good, from);
	struct ex_scenario sc;
	struct merr e;

	assert_non_null(p);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
	assert_int_equal(parse(text, &sc, &e), M_EPARSE);
	merr_format(&e, msg, sizeof(msg));
	if (!strstr(msg, want))
		fail_msg("'%s' does not hold '%s'", msg, want);
	ex_scenario_free(&sc);
}

static void test_exercise__scenario_errors_name_line_and_field(void **state)
{
	(void)state;
	bad("roles: [operator_csirt, executive]", "roles: [operator_csirt, ceo]",
	    "s.yaml:6: roles: unknown role 'ceo'");
	bad("    at: \"T+20:00\"\n    channel: phone", "    at: \"T+10:00\"\n    channel: phone",
	    "s.yaml:26: injects.at: time out of order");
	bad("branch: {inject: a, option: stop}", "branch: {inject: zz, option: stop}",
	    "injects.branch.inject: no earlier inject 'zz'");
	bad("branch: {inject: a, option: stop}", "branch: {inject: a, option: pay}",
	    "injects.branch.option: 'pay' is not an option");
	bad("to: executive\n    content_ja: 停止後", "to: isac\n    content_ja: 停止後",
	    "s.yaml:21: injects.to: role 'isac' is not in the scenario's roles");
	bad("at: \"T+20:00\"\n    channel: mail", "at: \"20 min\"\n    channel: mail",
	    "injects.at: expected T+mm:ss");
	bad("action: isolate", "action: hack_back", "expect.action: unknown action 'hack_back'");
	bad("option: stop, within", "option: pay, within", "expect.option");
	bad("id: t1\n", "id: t1\nextra: 1\n", "s.yaml:2: scenario: unknown key 'extra'");
}

struct fx {
	struct store *s;
	struct ex_ctx c;
	int64_t t0;
};

static void fx_open(struct fx *f)
{
	char path[512];
	struct merr e;

	memset(f, 0, sizeof(*f)); /* ack_base and every later field NULL */
	merr_init(&e);
	tu_path(path, sizeof(path), "exercise.db");
	remove(path);
	assert_int_equal(store_open(path, &f->s, &e), 0);
	assert_int_equal(
	    store_exec(f->s,
		       "INSERT INTO orgs (slug, name_ja, sector, critical, created_at, "
		       "updated_at) VALUES ('a-rail', 'A鉄道', 'railways', 1, 0, 0), "
		       "('b-air', 'B航空', 'aviation', 1, 0, 0)",
		       &e),
	    0);
	f->c.s = f->s;
	f->c.actor = "test";
	f->t0 = 1796601600;
	f->c.now = f->t0;
}

static const char *item_result(cJSON *st, const char *id, int *score)
{
	cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(st, "score"), "items"))
	{
		if (!strcmp(cJSON_GetObjectItem(it, "id")->valuestring, id)) {
			*score = cJSON_GetObjectItem(it, "score")->valueint;
			return cJSON_GetObjectItem(it, "result")->valuestring;
		}
	}
	return "absent";
}

static void test_exercise__run_scores_by_rubric(void **state)
{
	struct fx f;
	struct merr e;
	int64_t run, scen;
	const char *orgs[] = {"a-rail"};
	struct ex_action a = {.org = "a-rail",
			      .role = "executive",
			      .kind = "decide",
			      .inject = "a",
			      .option = "stop"};
	cJSON *st;
	int sc;

	(void)state;
	fx_open(&f);
	merr_init(&e);
	assert_int_equal(ex_start(&f.c, tu_write_file("t1.yaml", good), orgs, 1, 60, &run, &e), 0);
	assert_int_equal(ex_tick(&f.c, run, NULL, &e), 0);
	/* decision at T+02:00 (real +2 s): on time */
	f.c.now = f.t0 + 2;
	assert_int_equal(ex_act(&f.c, run, &a, &e), 0);
	/* a decision on an option not offered: refused */
	a.option = "pay";
	assert_int_equal(ex_act(&f.c, run, &a, &e), M_EINVAL);
	/* pause 100 real seconds: the clock stands still */
	assert_int_equal(ex_control(&f.c, run, "pause", NULL, &e), 0);
	f.c.now = f.t0 + 102;
	assert_int_equal(ex_clock(&f.c, run, &scen, &e), 0);
	assert_int_equal(scen, 120);
	assert_int_equal(ex_control(&f.c, run, "resume", NULL, &e), 0);
	/* isolate at T+12:00: two minutes late */
	f.c.now = f.t0 + 112;
	struct ex_action iso = {.org = "a-rail", .role = "operator_csirt", .kind = "isolate"};
	assert_int_equal(ex_act(&f.c, run, &iso, &e), 0);
	/* an org outside the run: not found */
	iso.org = "b-air";
	assert_int_equal(ex_act(&f.c, run, &iso, &e), M_ENOTFOUND);
	/* T+21:00: b delivered (branch stop taken), c skipped */
	f.c.now = f.t0 + 121;
	assert_int_equal(ex_tick(&f.c, run, NULL, &e), 0);
	assert_int_equal(ex_status(&f.c, run, &st, &e), 0);
	assert_string_equal(item_result(st, "e2", &sc), "on_time");
	assert_int_equal(sc, 6);
	assert_string_equal(item_result(st, "e1", &sc), "late");
	assert_int_equal(sc, 4);
	assert_string_equal(item_result(st, "e3", &sc), "pending");
	assert_string_equal(item_result(st, "e4", &sc), "absent"); /* branch not taken */
	cJSON_Delete(st);
	/* after the last deadline and the grace: finished, e3 missed */
	f.c.now = f.t0 + 100 + (1200 + 1800 + EX_GRACE_S) / 60 + 1; /* + the pause */
	assert_int_equal(ex_tick(&f.c, run, NULL, &e), 0);
	assert_int_equal(ex_status(&f.c, run, &st, &e), 0);
	assert_string_equal(cJSON_GetObjectItem(st, "state")->valuestring, "finished");
	assert_string_equal(item_result(st, "e3", &sc), "missed");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "score"), "total")->valueint,
			 10);
	assert_int_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(st, "score"), "possible")->valueint, 36);
	cJSON_Delete(st);
	/* the mail for inject b (channel mail) went into the alert queue marked 【訓練】 */
	{
		int64_t n = -1;
		assert_int_equal(store_query_int(f.s,
						 "SELECT count(*) FROM alerts WHERE subject LIKE "
						 "'【訓練】%' AND body LIKE '【訓練】%'",
						 &n, &e),
				 0);
		assert_int_equal(n, 2); /* a (console) and b (mail); c was skipped */
	}
	store_close(f.s);
}

static void test_exercise__incidents_stay_out_of_real_lists(void **state)
{
	static const char rep[] =
	    "format: 1\nreport: 初報\ntitle: 訓練の初報\ntype: ransomware\n"
	    "occurred_at: 2026-12-01T06:40:00+09:00\n"
	    "aware_at: 2026-12-01T09:00:00+09:00\n"
	    "impact: {users: 100, start: 2026-12-01T06:40:00+09:00, alternative: "
	    "partial}\n"
	    "contact: {name: 山田}\n";
	struct fx f;
	struct merr e;
	struct inc_report r;
	struct inc_ctx ic;
	struct inc_filter flt = {.level = -1, .limit = 100};
	struct inc_assessment as = {.continuity = 2, .safety = 1, .trust = 0};
	const char *orgs[] = {"a-rail"};
	int64_t run, id;
	int level;
	cJSON *list;
	char org[64];

	(void)state;
	fx_open(&f);
	merr_init(&e);
	assert_int_equal(ex_start(&f.c, tu_write_file("t1.yaml", good), orgs, 1, 60, &run, &e), 0);
	assert_int_equal(ex_tick(&f.c, run, NULL, &e), 0);
	if (inc_report_parse(rep, strlen(rep), "r.yaml", &r, &e)) {
		char msg[512];
		merr_format(&e, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	assert_int_equal(ex_file(&f.c, run, "a-rail", "operator_csirt", "a", &r, &id, &e), 0);
	/* a participant outside the run files nothing */
	assert_int_equal(ex_file(&f.c, run, "b-air", "operator_csirt", NULL, &r, &id, &e),
			 M_ENOTFOUND);
	inc_report_free(&r);
	assert_int_equal(ex_assess(&f.c, run, "a-rail", "operator_csirt", NULL, 1, &as, &level, &e),
			 0);
	assert_int_equal(level, 2);
	memset(&ic, 0, sizeof(ic));
	ic.s = f.s;
	ic.now = f.c.now;
	ic.actor = "t";
	assert_int_equal(inc_list(&ic, &flt, &list, &e), 0);
	assert_int_equal(cJSON_GetArraySize(list), 0);
	cJSON_Delete(list);
	/* not reachable as a real incident, reachable within its run */
	assert_int_equal(inc_org_of(f.s, 1, org, sizeof(org), &e), M_ENOTFOUND);
	assert_int_equal(inc_org_of_run(f.s, 1, run, org, sizeof(org), &e), 0);
	assert_string_equal(org, "a-rail");
	store_close(f.s);
}

static void add_user(struct fx *f, const char *name, enum auth_role role, const char *org)
{
	struct auth_user_spec u = {.name = name,
				   .display = "表示 名",
				   .role = role,
				   .org_slug = org,
				   .password = "correct horse battery"};
	struct merr e;
	merr_init(&e);
	assert_int_equal(auth_user_add(f->s, &u, f->t0, NULL, &e), 0);
}

/* Filing and assessing as a named participant: the org and role are the participant's, an
 * assessment only of an incident of that org in the run, and without a user an org is needed. */
static void test_exercise__participant_files_and_assesses(void **state)
{
	static const char rep[] = "format: 1\nreport: 初報\ntitle: 訓練の初報\ntype: ransomware\n"
				  "occurred_at: 2026-12-01T06:40:00+09:00\n"
				  "aware_at: 2026-12-01T09:00:00+09:00\n"
				  "impact: {users: 100, start: 2026-12-01T06:40:00+09:00, "
				  "alternative: partial}\n"
				  "contact: {name: 山田}\n";
	const char *users[] = {"taro:operator_csirt"};
	struct inc_assessment as = {.continuity = 3, .safety = 1, .trust = 0};
	struct inc_report r;
	struct fx f;
	struct merr e;
	int64_t run, id = 0;
	int level = -1;
	char org[64];

	(void)state;
	fx_open(&f);
	add_user(&f, "taro", AUTH_ROLE_OPERATOR, "a-rail");
	add_user(&f, "jiro", AUTH_ROLE_OPERATOR, "b-air");
	merr_init(&e);
	assert_int_equal(
	    ex_start_with(&f.c, tu_write_file("t1.yaml", good), NULL, 0, users, 1, 60, &run, &e),
	    0);
	assert_int_equal(ex_invite(&f.c, run, "jiro", "executive", &e), 0);
	assert_int_equal(ex_tick(&f.c, run, NULL, &e), 0);
	assert_int_equal(inc_report_parse(rep, strlen(rep), "r.yaml", &r, &e), 0);
	/* no user, no org: refused naming the field */
	assert_int_equal(ex_file_as(&f.c, run, NULL, NULL, NULL, "a", &r, &id, &e), M_EINVAL);
	assert_string_equal(e.field, "org");
	merr_init(&e);
	/* a participant naming another org than its own */
	assert_int_equal(ex_file_as(&f.c, run, "taro", "b-air", NULL, "a", &r, &id, &e),
			 M_ENOTFOUND);
	merr_init(&e);
	assert_int_equal(ex_file_as(&f.c, run, "taro", NULL, NULL, "a", &r, &id, &e), 0);
	inc_report_free(&r);
	assert_true(id > 0);
	assert_int_equal(inc_org_of_run(f.s, id, run, org, sizeof(org), &e), 0);
	assert_string_equal(org, "a-rail");
	/* jiro (b-air) may not assess a-rail's incident; taro may */
	assert_int_equal(ex_assess_as(&f.c, run, "jiro", NULL, NULL, NULL, id, &as, &level, &e),
			 M_ENOTFOUND);
	merr_init(&e);
	assert_int_equal(ex_assess_as(&f.c, run, "taro", NULL, NULL, NULL, id, &as, &level, &e), 0);
	assert_int_equal(level, 3);
	store_close(f.s);
}

static void test_exercise__named_participants(void **state)
{
	struct fx f;
	struct merr e;
	const char *users[] = {"taro:operator_csirt"};
	int64_t run, dummy;
	char org[128], role[32];
	cJSON *st, *p;
	int sc;

	(void)state;
	fx_open(&f);
	add_user(&f, "taro", AUTH_ROLE_OPERATOR, "a-rail");
	add_user(&f, "jiro", AUTH_ROLE_OPERATOR, "b-air");
	add_user(&f, "ana", AUTH_ROLE_ANALYST, NULL);
	merr_init(&e);
	/* a bad participant starts nothing */
	{
		const char *bad[] = {"taro", "ana"};
		assert_int_equal(ex_start_with(&f.c, tu_write_file("t1.yaml", good), NULL, 0, bad,
					       2, 60, &dummy, &e),
				 M_EINVAL);
		assert_string_equal(e.field, "user");
		merr_init(&e);
		int64_t n = -1;
		assert_int_equal(store_query_int(f.s, "SELECT count(*) FROM exercise_runs", &n, &e),
				 0);
		assert_int_equal(n, 0);
	}
	assert_int_equal(
	    ex_start_with(&f.c, tu_write_file("t1.yaml", good), NULL, 0, users, 1, 60, &run, &e),
	    0);
	assert_int_equal(ex_participant(f.s, run, "taro", org, role, &e), 0);
	assert_string_equal(org, "a-rail");
	assert_string_equal(role, "operator_csirt");
	assert_int_equal(ex_participant(f.s, run, "jiro", org, role, &e), M_ENOTFOUND);
	merr_init(&e);
	assert_int_equal(ex_invite(&f.c, run, "jiro", "ceo", &e), M_EINVAL);
	merr_init(&e);
	assert_int_equal(ex_invite(&f.c, run, "jiro", "executive", &e), 0);
	assert_int_equal(ex_invite(&f.c, run, "jiro", NULL, &e), M_EEXIST);
	merr_init(&e);
	/* b-air joined the run with jiro */
	assert_int_equal(ex_run_visible(f.s, run, "b-air", &e), 0);
	assert_int_equal(ex_tick(&f.c, run, NULL, &e), 0);
	f.c.now = f.t0 + 2;
	{
		struct ex_action iso = {.user = "taro", .kind = "isolate", .inject = "a"};
		struct ex_action dec = {
		    .user = "jiro", .kind = "decide", .inject = "a", .option = "stop"};
		struct ex_action wrong = {.user = "taro", .role = "executive", .kind = "message"};
		struct ex_action stranger = {.user = "ana", .role = "executive", .kind = "message"};
		assert_int_equal(ex_act(&f.c, run, &iso, &e), 0);
		assert_int_equal(ex_act(&f.c, run, &dec, &e), 0);
		assert_int_equal(ex_act(&f.c, run, &wrong, &e), M_EINVAL);
		merr_init(&e);
		assert_int_equal(ex_act(&f.c, run, &stranger, &e), M_ENOTFOUND);
		merr_init(&e);
	}
	assert_int_equal(ex_status(&f.c, run, &st, &e), 0);
	assert_string_equal(item_result(st, "e1", &sc), "on_time");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(st, "participants"))
	{
		const char *u = cJSON_GetObjectItem(p, "user")->valuestring;
		assert_int_equal(cJSON_GetObjectItem(p, "actions")->valueint, 1);
		assert_int_equal(cJSON_GetObjectItem(p, "score")->valueint,
				 !strcmp(u, "taro") ? 10 : 6);
	}
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "participants")), 2);
	cJSON_Delete(st);
	{
		cJSON *runs;
		assert_int_equal(ex_runs_of_user(f.s, "jiro", &runs, &e), 0);
		assert_int_equal(cJSON_GetArraySize(runs), 1);
		cJSON_Delete(runs);
		assert_int_equal(ex_runs_of_user(f.s, "ana", &runs, &e), 0);
		assert_int_equal(cJSON_GetArraySize(runs), 0);
		cJSON_Delete(runs);
	}
	store_close(f.s);
}

static void test_exercise__attachment_checks(void **state)
{
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	struct merr e;
	const char *ct;
	char big[64];

	(void)state;
	merr_init(&e);
	assert_true(ex_attach_name_ok("log.txt"));
	assert_true(ex_attach_name_ok("図.PNG"));
	assert_false(ex_attach_name_ok("../x.txt"));
	assert_false(ex_attach_name_ok(".hidden.txt"));
	assert_false(ex_attach_name_ok("run.sh"));
	assert_false(ex_attach_name_ok("a\"b.txt"));
	assert_int_equal(ex_attach_check("a.txt", "訓練\n", strlen("訓練\n"), &ct, &e), 0);
	assert_string_equal(ct, "text/plain; charset=utf-8");
	assert_int_equal(ex_attach_check("a.png", png, sizeof(png) - 1, &ct, &e), 0);
	assert_string_equal(ct, "image/png");
	assert_int_equal(ex_attach_check("a.txt", "", 0, &ct, &e), M_EINVAL);
	assert_string_equal(e.field, "file");
	merr_init(&e);
	assert_int_equal(ex_attach_check("a.txt", "a\0b", 3, &ct, &e), M_EINVAL);
	merr_init(&e);
	assert_int_equal(ex_attach_check("a.txt", "\xff\xfe", 2, &ct, &e), M_EINVAL);
	merr_init(&e);
	assert_int_equal(ex_attach_check("a.pdf", "not a pdf", 9, &ct, &e), M_EINVAL);
	merr_init(&e);
	memset(big, 'a', sizeof(big));
	assert_int_equal(ex_attach_check("a.txt", big, (size_t)EX_ATTACH_MAX + 1, &ct, &e),
			 M_ETOOBIG);
	assert_null(ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exercise__scenario_reads_every_field),
	    cmocka_unit_test(test_exercise__scenario_errors_name_line_and_field),
	    cmocka_unit_test(test_exercise__run_scores_by_rubric),
	    cmocka_unit_test(test_exercise__incidents_stay_out_of_real_lists),
	    cmocka_unit_test(test_exercise__named_participants),
	    cmocka_unit_test(test_exercise__participant_files_and_assesses),
	    cmocka_unit_test(test_exercise__attachment_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
