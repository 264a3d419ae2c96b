/* page_exercise.c - tabletop exercises in the console: the scenario library and the runs
 * (analysts; operators only their org's runs), the live page of a run with the injects
 * delivered so far, the participant's response form, the facilitator's controls and the
 * score. Every value goes through the one escaper (web_out); all SQL is in src/exercise. */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "base/bi.h"
#include "base/mem.h"
#include "exercise/exercise.h"
#include "incident/incident.h"
#include "inventory/inventory.h"
#include "web/web_exercise.h"
#include "web/web_incident.h"

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN ? en : ja;
}

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int ji(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valueint : -1;
}

/* "T+mm:ss" (web_out has no widths) */
static const char *tp(char out[24], int s)
{
	snprintf(out, 24, "T+%02d:%02d", s < 0 ? 0 : s / 60, s < 0 ? 0 : s % 60);
	return out;
}

static void ctx_of(struct web_req *r, struct ex_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->s = r->s;
	c->actor = r->who.name[0] ? r->who.name : "anonymous";
	c->now = r->now;
}

/* The caller's org filter: operators their org (none: 404), analysts every run. */
static int org_of(struct web_req *r, const char **org)
{
	*org = NULL;
	if (r->who.role == AUTH_ROLE_ANALYST)
		return 0;
	if (r->who.role != AUTH_ROLE_OPERATOR || !r->who.org_slug[0])
		return M_ENOTFOUND;
	*org = r->who.org_slug;
	return 0;
}

static int run_id(struct web_req *r, int64_t *id)
{
	const char *v = web_kv_get(&r->params, "id");
	if (!v || v[0] == '0' || web_parse_uint(v, INT64_MAX / 10, id) || *id <= 0)
		return M_ENOTFOUND;
	return 0;
}

/* the run r may see (operators: runs they are invited to, 404 alike otherwise), injects due
 * delivered first */
static int open_run(struct web_req *r, struct ex_ctx *c, int64_t *id, const char **org)
{
	char porg[128], prole[32];
	int rc;
	ctx_of(r, c);
	if ((rc = run_id(r, id)) || (rc = org_of(r, org)))
		return rc;
	if (*org)
		rc = ex_participant(r->s, *id, r->who.name, porg, prole, &r->err);
	else
		rc = ex_run_visible(r->s, *id, NULL, &r->err);
	return rc ? rc : ex_tick(c, *id, NULL, &r->err);
}

/* the role r's user plays in st ("" any, NULL: not a participant) */
static const char *my_role(struct web_req *r, const cJSON *st)
{
	const cJSON *p;
	cJSON_ArrayForEach(
	    p, cJSON_GetObjectItem(st, "participants")) if (!strcmp(js(p, "user"),
								    r->who.name)) return js(p,
											    "role");
	return NULL;
}

/* A role, an action kind, a run state and a stored "ja" / "en" pair in the reader's language. */
static const char *role_l(const struct web_req *r, const char *code)
{
	const char *t = r->lang == WEB_LANG_EN ? ex_role_en(code) : ex_role_ja(code);
	return t ? t : code ? code : "";
}

static const char *action_l(const struct web_req *r, const char *code)
{
	const char *t = r->lang == WEB_LANG_EN ? ex_action_en(code) : ex_action_ja(code);
	return t ? t : code ? code : "";
}

static const char *state_l(const struct web_req *r, const char *st)
{
	if (!strcmp(st, "running"))
		return L(r, "実施中", "running");
	if (!strcmp(st, "paused"))
		return L(r, "一時停止中", "paused");
	if (!strcmp(st, "finished"))
		return L(r, "終了", "finished");
	return st;
}

static const char *pair_l(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN && en && *en ? en : ja ? ja : "";
}

static const char *const all_roles[] = {"operator_csirt", "executive", "ministry_analyst",
					"sector_bureau",  "isac",      "vendor_soc"};

static void role_select(struct web_req *r, const char *id, const char *fixed)
{
	web_out(r, "<label>%s <select name=\"role\" id=\"%s\">", L(r, "役割", "Role"), id);
	for (size_t i = 0; i < ARRAY_SIZE(all_roles); i++)
		if (!fixed || !fixed[0] || !strcmp(fixed, all_roles[i]))
			web_out(r, "<option value=\"%s\">%s</option>", all_roles[i],
				role_l(r, all_roles[i]));
	web_out(r, "</select></label>");
}

/* split "a, b,c" into v (in buf) */
static size_t split_list(const char *s, char *buf, size_t cap, const char **v, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	snprintf(buf, cap, "%s", s ? s : "");
	for (char *t = strtok_r(buf, ", ", &save); t && n < max; t = strtok_r(NULL, ", ", &save))
		v[n++] = t;
	return n;
}

int web_page_exercises(struct web_req *r)
{
	const char *org;
	cJSON *runs = NULL, *lib = NULL, *it;
	int rc;

	if ((rc = org_of(r, &org)))
		return rc;
	/* the library's English titles for the runs' list (a run stores the Japanese one) */
	if (ex_scenarios_list(ex_dir_default(), &lib, NULL))
		lib = NULL;
	if ((rc = org ? ex_runs_of_user(r->s, r->who.name, &runs, &r->err)
		      : ex_runs(r->s, NULL, &runs, &r->err)))
		return rc;
	web_page_begin(r, M_EXERCISES);
	web_out(
	    r, "<h2>%s</h2><table id=\"runs\"><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th></tr>",
	    L(r, "実施中・実施済みの演習", "Runs"), L(r, "シナリオ", "Scenario"),
	    L(r, "状態", "State"), L(r, "開始", "Started"));
	cJSON_ArrayForEach(it, runs)
	{
		const cJSON *sc;
		const char *en = "";
		cJSON_ArrayForEach(sc, lib) if (!strcmp(js(sc, "id"), js(it, "scenario"))) en =
		    js(sc, "title_en");
		web_out(
		    r,
		    "<tr><td><a href=\"/exercises/%d\">%d</a></td><td><a "
		    "href=\"/exercises/%d\">%s</a></td><td>%s</td><td>%s</td></tr>",
		    ji(it, "run"), ji(it, "run"), ji(it, "run"), pair_l(r, js(it, "title"), en),
		    state_l(r, js(it, "state")),
		    web_jst(r, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "started"))));
	}
	web_out(r, "</table>");
	cJSON_Delete(runs);
	if (r->who.role == AUTH_ROLE_ANALYST && lib) {
		web_out(r,
			"<h2>%s</h2><table id=\"scenarios\"><tr><th>ID</th><th>%s</th><th>%s</th>"
			"<th>%s</th></tr>",
			L(r, "シナリオ集", "Scenario library"), L(r, "題名", "Title"),
			L(r, "インジェクト数", "Injects"), L(r, "出典", "Sources"));
		cJSON_ArrayForEach(it, lib)
		{
			const cJSON *s;
			web_out(r, "<tr><td>%s</td><td>%s</td><td>%d</td><td>", js(it, "id"),
				pair_l(r, js(it, "title"), js(it, "title_en")), ji(it, "injects"));
			/* sources are cited as published (Japanese documents keep their titles) */
			cJSON_ArrayForEach(s, cJSON_GetObjectItem(it, "sources")) web_out(
			    r, "<div class=\"source\" data-stored>%s</div>", s->valuestring);
			web_out(r, "</td></tr>");
		}
		web_out(r,
			"</table><h2>%s</h2><form method=\"post\" action=\"/exercises\" "
			"id=\"exercise-start\">",
			L(r, "演習を開始する", "Start a run"));
		web_csrf_field(r);
		web_out(r, "<p><label>%s <select name=\"scenario\" id=\"x-scenario\">",
			L(r, "シナリオ", "Scenario"));
		cJSON_ArrayForEach(it, lib)
		    web_out(r, "<option value=\"%s\">%s</option>", js(it, "id"),
			    pair_l(r, js(it, "title"), js(it, "title_en")));
		web_out(
		    r,
		    "</select></label></p><p><label>%s <input name=\"users\" id=\"x-users\" "
		    "size=\"40\"></label></p><p><label>%s <input name=\"orgs\" id=\"x-orgs\" "
		    "size=\"40\"></label></p><p><label>%s <input name=\"speed\" id=\"x-speed\" "
		    "value=\"1\" size=\"5\"></label></p><button type=\"submit\">%s</button></form>",
		    L(r, "参加者（ユーザー名、カンマ区切り、役割は 名前:役割）",
		      "Participants (user names, comma-separated; name:role for a role)"),
		    L(r, "参加組織（参加者の組織は自動で加わります）",
		      "Orgs (participants' orgs join by themselves)"),
		    L(r, "速度（倍）", "Speed (x)"), L(r, "開始", "Start"));
	}
	cJSON_Delete(lib);
	web_page_end(r);
	return 0;
}

int web_post_exercises(struct web_req *r)
{
	const char *sc = web_kv_get(&r->form, "scenario"), *orgs_s = web_kv_get(&r->form, "orgs");
	const char *sp = web_kv_get(&r->form, "speed"), *users_s = web_kv_get(&r->form, "users");
	char path[4096], buf[1024], ubuf[1024], loc[64];
	const char *orgs[32], *users[32];
	size_t n, nu;
	int64_t speed = 1, run;
	struct ex_ctx c;
	int rc;

	if (!sc || !sc[0] || strchr(sc, '/') || strchr(sc, '.'))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "scenario",
			       "choose a scenario / シナリオを選んでください");
	if ((orgs_s && strlen(orgs_s) >= sizeof(buf)) ||
	    (users_s && strlen(users_s) >= sizeof(ubuf)))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "orgs", "too long / 長すぎます");
	n = split_list(orgs_s, buf, sizeof(buf), orgs, ARRAY_SIZE(orgs));
	nu = split_list(users_s, ubuf, sizeof(ubuf), users, ARRAY_SIZE(users));
	if (!n && !nu)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "users",
			       "name the participants or orgs taking part / 参加者または参加組織を"
			       "指定してください");
	if (sp && sp[0] && (web_parse_uint(sp, 3600, &speed) || speed < 1))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "speed", "1..3600");
	ctx_of(r, &c);
	if ((rc = ex_scenario_path(ex_dir_default(), sc, path, sizeof(path), &r->err)) ||
	    (rc = ex_start_with(&c, path, orgs, n, users, nu, (int)speed, &run, &r->err)) ||
	    (rc = ex_tick(&c, run, NULL, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/exercises/%lld", (long long)run);
	return web_redirect(r, loc);
}

static const char *result_label(struct web_req *r, const char *res)
{
	if (!strcmp(res, "on_time"))
		return L(r, "期限内", "on time");
	if (!strcmp(res, "late"))
		return L(r, "遅延", "late");
	if (!strcmp(res, "missed"))
		return L(r, "未実施", "missed");
	if (!strcmp(res, "overdue"))
		return L(r, "期限超過", "overdue");
	return L(r, "未到来", "pending");
}

static int mail_row(void *arg, const struct alert_row *a)
{
	struct web_req *r = arg;
	char half[1024];
	web_out(r, "<li><a href=\"/alerts/%L\">%s</a> %s %s</li>", a->id,
		bi_half(a->subject, r->lang == WEB_LANG_EN, half, sizeof half), a->org,
		web_jst(r, a->created_at));
	return 0;
}

/* NISC severity of an exercise incident of the participant's org (the real scale) */
static void assess_form(struct web_req *r, const cJSON *st, int64_t id, const char *mine)
{
	static const char *const axes[][3] = {{"continuity", "継続性", "Continuity"},
					      {"safety", "安全性", "Safety"},
					      {"trust", "信頼性", "Trust"}};
	const cJSON *it;
	const char *myorg = NULL;
	int n = 0;

	cJSON_ArrayForEach(
	    it, cJSON_GetObjectItem(st, "participants")) if (!strcmp(js(it, "user"), r->who.name))
	    myorg = js(it, "org");
	web_out(r,
		"<h2>%s</h2><form method=\"post\" action=\"/exercises/%L/assess\" "
		"id=\"exercise-assess\">",
		L(r, "【訓練】深刻度評価（NISC）", "[EXERCISE] Severity assessment (NISC)"), id);
	web_csrf_field(r);
	web_out(r, "<p>");
	role_select(r, "a-role", mine);
	web_out(r, " <label>%s <select name=\"incident\" id=\"a-incident\">",
		L(r, "演習インシデント", "Exercise incident"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "actions"))
	{
		const cJSON *inc = cJSON_GetObjectItem(it, "incident");
		if (!cJSON_IsNumber(inc) || strcmp(js(it, "kind"), "file_initial") || !myorg ||
		    strcmp(js(it, "org"), myorg))
			continue;
		web_out(r, "<option value=\"%d\">#%d %s</option>", inc->valueint, inc->valueint,
			js(it, "text"));
		n++;
	}
	web_out(r, "</select></label>");
	for (size_t i = 0; i < ARRAY_SIZE(axes); i++) {
		web_out(r, " <label>%s <select name=\"%s\" id=\"a-%s\">",
			r->lang == WEB_LANG_EN ? axes[i][2] : axes[i][1], axes[i][0], axes[i][0]);
		for (int lv = 0; lv <= 4; lv++)
			web_out(r, "<option value=\"%d\">%d</option>", lv, lv);
		web_out(r, "</select></label>");
	}
	web_out(r, "</p><button type=\"submit\"%R>%s</button></form>", n ? "" : " disabled",
		L(r, "評価を記録", "Record the assessment"));
}

static const cJSON *attachment_of(const cJSON *atts, const char *inject)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, atts) if (!strcmp(js(a, "inject"), inject)) return a;
	return NULL;
}

int web_page_exercise(struct web_req *r)
{
	struct ex_ctx c;
	struct alert_query q;
	const char *org, *mine = NULL, *filed = web_kv_get(&r->query, "filed");
	int64_t id;
	cJSON *st = NULL, *it, *score, *atts = NULL;
	char tb[24];
	int rc;

	if ((rc = open_run(r, &c, &id, &org)) || (rc = ex_status(&c, id, &st, &r->err)))
		return rc;
	if ((rc = ex_attachments(r->s, id, &atts, &r->err))) {
		cJSON_Delete(st);
		return rc;
	}
	if (org)
		mine = my_role(r, st);
	score = cJSON_GetObjectItem(st, "score");
	web_page_begin(r, M_EXERCISE);
	web_out(r,
		"<p class=\"warn\" id=\"training-banner\">%s%s</p><h2 id=\"run-title\">#%L "
		"%s</h2>"
		"<dl class=\"facts\"><dt>%s</dt><dd id=\"run-state\">%s</dd><dt>%s</dt>"
		"<dd id=\"run-clock\">%s (x%d)</dd><dt>%s</dt><dd id=\"run-score\">%d / %d "
		"(%d%%)</dd></dl><p>%s</p>",
		L(r, "【訓練】", "[EXERCISE] "),
		L(r, "これは演習です。実際のインシデントではありません。",
		  "This is an exercise, not a real incident."),
		id, pair_l(r, js(st, "title"), js(st, "title_en")), L(r, "状態", "State"),
		state_l(r, js(st, "state")), L(r, "演習時刻", "Scenario clock"),
		tp(tb, ji(st, "clock_s")), ji(st, "speed"), L(r, "得点", "Score"),
		ji(score, "total"), ji(score, "possible"), ji(score, "percent"),
		pair_l(r, js(st, "background"), js(st, "background_en")));
	if (filed)
		web_out(r, "<p class=\"ok\" id=\"filed\">%s #%s</p>",
			L(r, "【訓練】演習インシデント報告を受け付けました",
			  "[EXERCISE] incident report filed"),
			filed);
	/* participants: named users, their org and role, their score */
	web_out(r,
		"<h2>%s</h2><table id=\"participants\"><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>",
		L(r, "参加者", "Participants"), L(r, "氏名", "Name"), L(r, "事業者", "Operator"),
		L(r, "役割", "Role"), L(r, "対応数", "Responses"), L(r, "得点", "Points"));
	struct inv_doc *names = web_org_names(r); /* companies by name, not slug */
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "participants"))
	    web_out(r,
		    "<tr data-user=\"%s\"><td><span data-stored>%s</span> (%s)</td><td>%s</td>"
		    "<td>%s</td><td>%d</td><td>%d</td></tr>",
		    js(it, "user"), js(it, "display"), js(it, "user"),
		    js(it, "org")[0] ? web_org_name(r, names, js(it, "org")) : "",
		    js(it, "role")[0] ? role_l(r, js(it, "role")) : L(r, "（指定なし）", "(any)"),
		    ji(it, "actions"), ji(it, "score"));
	inv_doc_free(names);
	web_out(r, "</table>");
	if (r->who.role == AUTH_ROLE_ANALYST && strcmp(js(st, "state"), "finished")) {
		web_out(r,
			"<form method=\"post\" action=\"/exercises/%L/participants\" "
			"id=\"exercise-invite\">",
			id);
		web_csrf_field(r);
		web_out(r, "<p><label>%s <input name=\"user\" id=\"i-user\" size=\"20\"></label> ",
			L(r, "ユーザー名", "User name"));
		web_out(r,
			"<label>%s <select name=\"role\" id=\"i-role\"><option value=\"\">%s"
			"</option>",
			L(r, "役割", "Role"), L(r, "（指定なし）", "(any)"));
		for (size_t i = 0; i < ARRAY_SIZE(all_roles); i++)
			web_out(r, "<option value=\"%s\">%s</option>", all_roles[i],
				role_l(r, all_roles[i]));
		web_out(r, "</select></label> <button type=\"submit\">%s</button></p></form>",
			L(r, "参加者を追加", "Add participant"));
	}
	web_out(r, "<h2>%s</h2><ol id=\"injects\">", L(r, "インジェクト", "Injects"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "injects"))
	{
		const cJSON *att;
		if (strcmp(js(it, "state"), "delivered"))
			continue;
		if (!strcmp(js(it, "channel"), "phone") && r->who.role != AUTH_ROLE_ANALYST)
			continue; /* read out by the facilitator */
		web_out(r, "<li class=\"inject\" data-id=\"%s\"><b>%s %s → %s</b> [%s]<p>%s</p>",
			js(it, "id"), tp(tb, ji(it, "scen_s")), js(it, "id"),
			role_l(r, js(it, "to")), js(it, "channel"),
			pair_l(r, js(it, "content_ja"), js(it, "content_en")));
		if (js(it, "attachment")[0]) {
			att = attachment_of(atts, js(it, "id"));
			if (att)
				web_out(r,
					"<p class=\"attachment\">%s: <a href=\"/exercises/%L/"
					"attachments/%s\" download>%s</a> (%d bytes, %s, SHA-256 "
					"<code>%s</code>)</p>",
					L(r, "添付", "Attachment"), id, js(it, "id"),
					js(att, "name"), ji(att, "size"), js(att, "content_type"),
					js(att, "sha256"));
			else
				web_out(r, "<p class=\"attachment\">%s: %s (%s)</p>",
					L(r, "添付", "Attachment"), js(it, "attachment"),
					L(r, "未登録", "not provided"));
		}
		web_out(r, "</li>");
	}
	web_out(r, "</ol>");
	if (org && mine && strcmp(js(st, "state"), "finished")) {
		static const char *const acts[] = {
		    "isolate",	     "block_traffic",	 "patch",   "notify_ministry", "share_iocs",
		    "escalate_exec", "public_statement", "message", "decide"};
		web_out(
		    r,
		    "<h2>%s</h2><p><a href=\"/exercises/%L/incident\" id=\"file-incident\">%s</a>"
		    "</p><form method=\"post\" action=\"/exercises/%L/respond\" "
		    "id=\"exercise-respond\">",
		    L(r, "対応を記録する", "Record a response"), id,
		    L(r, "【訓練】演習インシデント報告（初報・続報）を提出する",
		      "File an [EXERCISE] incident report"),
		    id);
		web_csrf_field(r);
		web_out(r, "<p>");
		role_select(r, "r-role", mine);
		web_out(r, " <label>%s <select name=\"action\" id=\"r-action\">",
			L(r, "対応", "Action"));
		for (size_t i = 0; i < ARRAY_SIZE(acts); i++)
			web_out(r, "<option value=\"%s\">%s</option>", acts[i],
				action_l(r, acts[i]));
		web_out(r,
			"</select></label> <label>%s <select name=\"inject\" id=\"r-inject\">"
			"<option value=\"\">—</option>",
			L(r, "インジェクト", "Inject"));
		cJSON_ArrayForEach(
		    it,
		    cJSON_GetObjectItem(st, "injects")) if (!strcmp(js(it, "state"), "delivered"))
		    web_out(r, "<option value=\"%s\">%s</option>", js(it, "id"), js(it, "id"));
		web_out(
		    r,
		    "</select></label> <label>%s <input name=\"option\" id=\"r-option\" "
		    "size=\"16\">"
		    "</label></p><p><label>%s<br><textarea name=\"text\" id=\"r-text\" rows=\"2\" "
		    "cols=\"70\"></textarea></label></p><button type=\"submit\">%s</button></form>"
		    "<p>%s</p>",
		    L(r, "選択肢（意思決定）", "Option (decide)"), L(r, "内容", "Text"),
		    L(r, "記録", "Record"),
		    L(r, "演習データ（インシデント報告を含む）は実際の一覧・統計に出ません。",
		      "Exercise data (incident reports included) never appears in real lists or "
		      "statistics."));
		assess_form(r, st, id, mine);
	}
	if (r->who.role == AUTH_ROLE_ANALYST) {
		web_out(r,
			"<h2>%s</h2><form method=\"post\" action=\"/exercises/%L/control\" "
			"id=\"exercise-control\">",
			L(r, "進行（ファシリテーター）", "Facilitator"), id);
		web_csrf_field(r);
		web_out(r,
			"<p><select name=\"verb\" id=\"f-verb\"><option value=\"note\">%s</option>"
			"<option value=\"pause\">%s</option><option value=\"resume\">%s</option>"
			"<option value=\"skip\">%s</option><option value=\"inject-now\">%s</option>"
			"</select> <input name=\"arg\" id=\"f-arg\" size=\"40\"> <button "
			"type=\"submit\">%s</button></p></form>",
			L(r, "メモ", "note"), L(r, "一時停止", "pause"), L(r, "再開", "resume"),
			L(r, "スキップ", "skip"), L(r, "即時配信", "inject now"),
			L(r, "実行", "Go"));
	}
	web_out(r,
		"<h2>%s</h2><table id=\"score\"><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>",
		L(r, "採点", "Scoring"), L(r, "項目", "Item"), L(r, "役割", "Role"),
		L(r, "対応", "Action"), L(r, "結果", "Result"), L(r, "点", "Points"),
		L(r, "対応者", "By"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(score, "items")) web_out(
	    r,
	    "<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td class=\"%s\">%s</td>"
	    "<td>%d / %d</td><td>%s</td></tr>",
	    js(it, "id"), role_l(r, js(it, "who")), action_l(r, js(it, "action")), js(it, "result"),
	    result_label(r, js(it, "result")), ji(it, "score"), ji(it, "points"),
	    js(it, "by_display")[0] ? js(it, "by_display") : js(it, "by"));
	web_out(r, "</table><h2>%s</h2><ul id=\"actions\">", L(r, "対応の記録", "Responses"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "actions"))
	{
		/* the decision's option is the scenario's code; the text is the participant's */
		web_out(r,
			"<li data-kind=\"%s\" data-scen=\"%d\">%s %s %s %s %s <code>%s</code> "
			"<span data-stored>%s</span>",
			js(it, "kind"), ji(it, "scen_s"), tp(tb, ji(it, "scen_s")),
			js(it, "user")[0] ? js(it, "user") : js(it, "actor"), js(it, "org"),
			role_l(r, js(it, "role")), action_l(r, js(it, "kind")), js(it, "option"),
			js(it, "text"));
		if (ji(it, "incident") > 0)
			web_out(
			    r,
			    " <a class=\"exercise-incident\" href=\"/exercises/%L/incidents/%d\">"
			    "%s#%d</a>",
			    id, ji(it, "incident"), L(r, "【訓練】", "[EXERCISE] "),
			    ji(it, "incident"));
		web_out(r, "</li>");
	}
	web_out(r, "</ul>");
	/* the run's 【訓練】 mails: kept out of the live alert list, shown here */
	{
		memset(&q, 0, sizeof(q));
		q.org = org;
		q.exercise_run = id;
		q.limit = 200;
		web_out(r, "<h2>%s</h2><ul id=\"exercise-mails\">",
			L(r, "【訓練】送信されたメール", "[EXERCISE] mails sent"));
		if (alert_query_run(r->s, &q, mail_row, r, &r->err))
			merr_init(&r->err);
		web_out(r, "</ul>");
	}
	if (r->who.role == AUTH_ROLE_ANALYST) {
		web_out(r, "<h2>%s</h2><ul id=\"notes\">", L(r, "メモ", "Notes"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "notes"))
		    web_out(r, "<li>%s %s %s</li>", tp(tb, ji(it, "scen_s")), js(it, "text"),
			    js(it, "inject"));
		web_out(r, "</ul>");
	}
	cJSON_Delete(st);
	cJSON_Delete(atts);
	web_page_end(r);
	return 0;
}

int web_post_exercise_respond(struct web_req *r)
{
	struct ex_ctx c;
	struct ex_action a = {0};
	const char *org, *s;
	char loc[64];
	int64_t id;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	a.user = r->who.name; /* the participant (open_run checked the invitation) */
	a.role = web_kv_get(&r->form, "role");
	a.kind = web_kv_get(&r->form, "action");
	a.inject = (s = web_kv_get(&r->form, "inject")) && s[0] ? s : NULL;
	a.option = (s = web_kv_get(&r->form, "option")) && s[0] ? s : NULL;
	a.text = (s = web_kv_get(&r->form, "text")) && s[0] ? s : NULL;
	if (!a.kind)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "action",
			       "choose an action / 対応を選んでください");
	if ((rc = ex_act(&c, id, &a, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/exercises/%lld", (long long)id);
	return web_redirect(r, loc);
}

int web_post_exercise_control(struct web_req *r)
{
	struct ex_ctx c;
	const char *org, *verb = web_kv_get(&r->form, "verb"), *arg = web_kv_get(&r->form, "arg");
	char loc[64];
	int64_t id;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	if (!verb)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "verb", "choose a control");
	if ((rc = ex_control(&c, id, verb, arg, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/exercises/%lld", (long long)id);
	return web_redirect(r, loc);
}

int web_api_exercise(struct web_req *r)
{
	struct ex_ctx c;
	const char *org;
	int64_t id;
	cJSON *st = NULL, *it;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)) || (rc = ex_status(&c, id, &st, &r->err)))
		return rc;
	if (org) { /* participants: no facilitator notes, no phone injects */
		cJSON_DeleteItemFromObject(st, "notes");
		cJSON_ArrayForEach(
		    it, cJSON_GetObjectItem(st, "injects")) if (!strcmp(js(it, "channel"), "phone"))
		{
			cJSON_DeleteItemFromObject(it, "content_ja");
			cJSON_DeleteItemFromObject(it, "content_en");
		}
	}
	return web_json_reply(r, 200, st);
}

/* ---------------------------------------------------------------- the exercise incident form */

struct ex_form {
	const cJSON *st;
	const char *role; /* the participant's ("" any) */
};

/* the exercise's own fields inside the real incident form: role and inject answered */
static void ex_form_extra(struct web_req *r, void *arg)
{
	const struct ex_form *f = arg;
	const char *inj = web_kv_get(&r->form, "x_inject");
	const cJSON *it;

	web_out(r, "<p class=\"warn\">%s%s</p><p>", L(r, "【訓練】", "[EXERCISE] "),
		L(r, "演習用の報告です。実際のインシデント一覧・統計には出ません。",
		  "An exercise report: it never appears in real incident lists or statistics."));
	role_select(r, "x-role", f->role);
	web_out(r,
		" <label>%s <select name=\"x_inject\" id=\"x-inject\"><option value=\"\">—"
		"</option>",
		L(r, "対応するインジェクト", "Inject answered"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(f->st, "injects"))
	{
		if (strcmp(js(it, "state"), "delivered") || (!strcmp(js(it, "channel"), "phone")))
			continue;
		web_out(r, "<option value=\"%s\"%R>%s</option>", js(it, "id"),
			inj && !strcmp(inj, js(it, "id")) ? " selected" : "", js(it, "id"));
	}
	web_out(r, "</select></label></p>");
}

static int incident_page(struct web_req *r, struct ex_ctx *c, int64_t id, const char *error)
{
	struct ex_form f;
	cJSON *st = NULL;
	char action[64], tb[24];
	int rc;

	if ((rc = ex_status(c, id, &st, &r->err)))
		return rc;
	f.st = st;
	f.role = my_role(r, st);
	if (!f.role) {
		cJSON_Delete(st);
		return M_ENOTFOUND;
	}
	if (error) {
		buf_reset(&r->out);
		r->status = 400;
	}
	snprintf(action, sizeof(action), "/exercises/%lld/incident", (long long)id);
	web_page_begin(r, M_EXERCISE_INCIDENT);
	web_out(r,
		"<p class=\"warn\" id=\"training-banner\">%s%s</p><p><a href=\"/exercises/%L\">"
		"#%L %s</a> %s %s</p>",
		L(r, "【訓練】", "[EXERCISE] "),
		L(r, "これは演習です。実際のインシデントではありません。",
		  "This is an exercise, not a real incident."),
		id, id, pair_l(r, js(st, "title"), js(st, "title_en")),
		L(r, "演習時刻", "Scenario clock"), tp(tb, ji(st, "clock_s")));
	web_inc_form(r, NULL, error, action, ex_form_extra, &f);
	web_page_end(r);
	cJSON_Delete(st);
	return 0;
}

int web_page_exercise_incident(struct web_req *r)
{
	struct ex_ctx c;
	const char *org;
	int64_t id;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	return incident_page(r, &c, id, NULL);
}

int web_post_exercise_incident(struct web_req *r)
{
	struct ex_ctx c;
	struct inc_report rep;
	const char *org, *role = web_kv_get(&r->form, "role"),
			 *inj = web_kv_get(&r->form, "x_inject");
	cJSON *doc;
	char *text, loc[96];
	int64_t id, iid;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	doc = web_inc_form_report(r);
	text = doc ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	if (!text)
		return M_ENOMEM;
	rc = inc_report_parse(text, strlen(text), "form", &rep, &r->err);
	cJSON_free(text);
	if (!rc) {
		rc = ex_file_as(&c, id, r->who.name, NULL, role && role[0] ? role : NULL,
				inj && inj[0] ? inj : NULL, &rep, &iid, &r->err);
		inc_report_free(&rep);
	}
	if (rc == M_EPARSE || rc == M_EINVAL || rc == M_ETOOBIG ||
	    (rc == M_ENOTFOUND && r->err.field[0])) {
		/* shown on the form, in Japanese and English; the entries kept */
		const char *why = web_inc_form_error(r, &r->err);
		merr_init(&r->err);
		return incident_page(r, &c, id, why);
	}
	if (rc)
		return rc;
	snprintf(loc, sizeof(loc), "/exercises/%lld?filed=%lld", (long long)id, (long long)iid);
	return web_redirect(r, loc);
}

/* ---------------------------------------------------------------- participants */

int web_post_exercise_invite(struct web_req *r)
{
	struct ex_ctx c;
	const char *org, *user = web_kv_get(&r->form, "user"), *role = web_kv_get(&r->form, "role");
	char loc[64];
	int64_t id;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	if ((rc = ex_invite(&c, id, user, role, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/exercises/%lld", (long long)id);
	return web_redirect(r, loc);
}

/* ---------------------------------------------------------------- attachments */

int web_get_exercise_attachment(struct web_req *r)
{
	struct ex_ctx c;
	const char *org, *inj = web_kv_get(&r->params, "inject"), *ctype = NULL;
	char *name = NULL, ascii[96], sha[65];
	void *data = NULL;
	size_t len = 0;
	int64_t id;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	if ((rc = ex_attach_get(&c, id, inj, org ? r->who.name : NULL, &name, &ctype, &data, &len,
				sha, &r->err)))
		return rc;
	buf_reset(&r->out);
	rc = buf_add(&r->out, data, len);
	/* a download, never rendered inline; nosniff is sent server-wide */
	r->ctype = ctype;
	snprintf(ascii, sizeof(ascii), "exercise-%lld-attachment%s", (long long)id,
		 strrchr(name, '.') && strlen(strrchr(name, '.')) < 8 ? strrchr(name, '.') : "");
	web_inc_disposition(r, ascii, name);
	m_free(name);
	m_free(data);
	return rc;
}

int web_api_exercise_attach(struct web_req *r)
{
	struct ex_ctx c;
	const char *org, *inj = web_kv_get(&r->params, "inject");
	char sha[65];
	cJSON *o;
	int64_t id;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	if ((rc = ex_attach_set(&c, id, inj, r->body ? r->body : "", r->body_len, sha, &r->err)))
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "inject", inj);
	cJSON_AddNumberToObject(o, "size", (double)r->body_len);
	cJSON_AddStringToObject(o, "sha256", sha);
	return web_json_reply(r, 201, o);
}

/* ---------------------------------------------------------------- severity assessment */

int web_post_exercise_assess(struct web_req *r)
{
	static const char *const axes[] = {"continuity", "safety", "trust"};
	struct ex_ctx c;
	struct inc_assessment as = {0};
	const char *org, *role = web_kv_get(&r->form, "role"),
			 *inc = web_kv_get(&r->form, "incident");
	int *lv[] = {&as.continuity, &as.safety, &as.trust};
	char loc[64];
	int64_t id, iid, v;
	int rc, level;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	if (!inc || web_parse_uint(inc, INT64_MAX / 10, &iid) || iid <= 0)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "incident",
			       "choose an exercise incident / 演習インシデントを選んでください");
	for (size_t i = 0; i < ARRAY_SIZE(axes); i++) {
		const char *s = web_kv_get(&r->form, axes[i]);
		if (!s || web_parse_uint(s, 4, &v))
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, axes[i],
				       "a level 0..4 / レベルは 0～4");
		*lv[i] = (int)v;
	}
	if ((rc = ex_assess_as(&c, id, r->who.name, NULL, role && role[0] ? role : NULL, NULL, iid,
			       &as, &level, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/exercises/%lld", (long long)id);
	return web_redirect(r, loc);
}

/* ---------------------------------------------------------------- one exercise incident */

/* the report as filed, for the analyst (any) and the participants of its org */
int web_page_exercise_incident_view(struct web_req *r)
{
	static const char *const keys[][3] = {{"summary", "概要", "Summary"},
					      {"actions", "実施した対応", "Actions taken"},
					      {"support_note", "支援要請", "Support"},
					      {NULL, NULL, NULL}};
	struct ex_ctx c;
	const char *org, *n = web_kv_get(&r->params, "n");
	char porg[128], prole[32];
	int64_t id, iid;
	cJSON *o = NULL, *it;
	int rc;

	if ((rc = open_run(r, &c, &id, &org)))
		return rc;
	if (!n || n[0] == '0' || web_parse_uint(n, INT64_MAX / 10, &iid) || iid <= 0)
		return M_ENOTFOUND;
	if (org && (rc = ex_participant(r->s, id, r->who.name, porg, prole, &r->err)))
		return rc;
	if ((rc = ex_incident(&c, id, org ? porg : NULL, iid, &o, &r->err)))
		return rc;
	web_page_begin(r, M_EXERCISE_INCIDENT);
	web_out(r,
		"<p class=\"warn\" id=\"training-banner\">%s%s</p><p><a href=\"/exercises/%L\">"
		"← #%L</a></p><h2 id=\"incident-title\">%s#%L %s</h2><dl class=\"facts\">"
		"<dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt>"
		"<dd>%s</dd></dl>",
		L(r, "【訓練】", "[EXERCISE] "),
		L(r, "演習インシデントです。実際のインシデント一覧・統計には出ません。",
		  "An exercise incident: never in real incident lists or statistics."),
		id, id, L(r, "【訓練】", "[EXERCISE] "), iid, js(o, "title"), L(r, "組織", "Org"),
		js(o, "org_name"), L(r, "種類", "Type"),
		js(o, "type_ja")[0] ? js(o, "type_ja") : js(o, "type"), L(r, "発生", "Occurred"),
		js(o, "occurred_at"), L(r, "認知", "Aware"), js(o, "aware_at"));
	web_out(r, "<h2>%s</h2><ol id=\"versions\">", L(r, "報告の版", "Versions"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "versions"))
	{
		const cJSON *rep = cJSON_GetObjectItem(it, "report");
		web_out(r, "<li><b>%s</b> %s %s", js(it, "kind_ja"), js(it, "filed_at"),
			js(it, "filed_by"));
		for (size_t k = 0; keys[k][0]; k++)
			if (js(rep, keys[k][0])[0])
				web_out(r, "<p><b>%s</b><br>%s</p>",
					r->lang == WEB_LANG_EN ? keys[k][2] : keys[k][1],
					js(rep, keys[k][0]));
		web_out(r, "</li>");
	}
	web_out(r, "</ol>");
	if (cJSON_IsNumber(cJSON_GetObjectItem(o, "level")))
		web_out(r, "<p id=\"incident-level\">%s: %s</p>", L(r, "深刻度", "Severity"),
			inc_level_name(cJSON_GetObjectItem(o, "level")->valueint)
			    ? inc_level_name(cJSON_GetObjectItem(o, "level")->valueint)
			    : "");
	web_page_end(r);
	cJSON_Delete(o);
	return 0;
}
