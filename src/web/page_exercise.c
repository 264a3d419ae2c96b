/* page_exercise.c - tabletop exercises in the console: the scenario library and the runs
 * (analysts; operators only their org's runs), the live page of a run with the injects
 * delivered so far, the participant's response form, the facilitator's controls and the
 * score. Every value goes through the one escaper (web_out); all SQL is in src/exercise. */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercise/exercise.h"
#include "web/web_exercise.h"

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

/* the run r may see, injects due delivered first */
static int open_run(struct web_req *r, struct ex_ctx *c, int64_t *id, const char **org)
{
	int rc;
	ctx_of(r, c);
	if ((rc = run_id(r, id)) || (rc = org_of(r, org)) ||
	    (rc = ex_run_visible(r->s, *id, *org, &r->err)))
		return rc;
	return ex_tick(c, *id, NULL, &r->err);
}

int web_page_exercises(struct web_req *r)
{
	const char *org;
	cJSON *runs = NULL, *lib = NULL, *it;
	int rc;

	if ((rc = org_of(r, &org)))
		return rc;
	if ((rc = ex_runs(r->s, org, &runs, &r->err)))
		return rc;
	web_page_begin(r, M_EXERCISES);
	web_out(
	    r, "<h2>%s</h2><table id=\"runs\"><tr><th>#</th><th>%s</th><th>%s</th><th>%s</th></tr>",
	    L(r, "実施中・実施済みの演習", "Runs"), L(r, "シナリオ", "Scenario"),
	    L(r, "状態", "State"), L(r, "開始", "Started"));
	cJSON_ArrayForEach(it, runs) web_out(
	    r,
	    "<tr><td><a href=\"/exercises/%d\">%d</a></td><td><a href=\"/exercises/%d\">%s</a>"
	    "</td><td>%s</td><td>%s</td></tr>",
	    ji(it, "run"), ji(it, "run"), ji(it, "run"), js(it, "title"), js(it, "state"),
	    js(it, "started_at"));
	web_out(r, "</table>");
	cJSON_Delete(runs);
	if (r->who.role == AUTH_ROLE_ANALYST &&
	    !ex_scenarios_list(ex_dir_default(), &lib, &r->err)) {
		web_out(r,
			"<h2>%s</h2><table id=\"scenarios\"><tr><th>ID</th><th>%s</th><th>%s</th>"
			"<th>%s</th></tr>",
			L(r, "シナリオ集", "Scenario library"), L(r, "題名", "Title"),
			L(r, "インジェクト数", "Injects"), L(r, "出典", "Sources"));
		cJSON_ArrayForEach(it, lib)
		{
			const cJSON *s;
			web_out(r, "<tr><td>%s</td><td>%s</td><td>%d</td><td>", js(it, "id"),
				js(it, "title"), ji(it, "injects"));
			cJSON_ArrayForEach(s, cJSON_GetObjectItem(it, "sources"))
			    web_out(r, "<div>%s</div>", s->valuestring);
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
		    web_out(r, "<option value=\"%s\">%s</option>", js(it, "id"), js(it, "title"));
		web_out(
		    r,
		    "</select></label></p><p><label>%s <input name=\"orgs\" id=\"x-orgs\" "
		    "size=\"40\"></label></p><p><label>%s <input name=\"speed\" id=\"x-speed\" "
		    "value=\"1\" size=\"5\"></label></p><button type=\"submit\">%s</button></form>",
		    L(r, "参加組織（カンマ区切り）", "Orgs (comma-separated)"),
		    L(r, "速度（倍）", "Speed (x)"), L(r, "開始", "Start"));
		cJSON_Delete(lib);
	}
	web_page_end(r);
	return 0;
}

int web_post_exercises(struct web_req *r)
{
	const char *sc = web_kv_get(&r->form, "scenario"), *orgs_s = web_kv_get(&r->form, "orgs");
	const char *sp = web_kv_get(&r->form, "speed");
	char path[4096], buf[1024], *save = NULL, loc[64];
	const char *orgs[32];
	size_t n = 0;
	int64_t speed = 1, run;
	struct ex_ctx c;
	int rc;

	if (!sc || !sc[0] || strchr(sc, '/') || strchr(sc, '.'))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "scenario", "choose a scenario");
	if (!orgs_s || !orgs_s[0] || strlen(orgs_s) >= sizeof(buf))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "orgs",
			       "name the orgs taking part");
	if (sp && sp[0] && (web_parse_uint(sp, 3600, &speed) || speed < 1))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "speed", "1..3600");
	snprintf(buf, sizeof(buf), "%s", orgs_s);
	for (char *t = strtok_r(buf, ", ", &save); t && n < ARRAY_SIZE(orgs);
	     t = strtok_r(NULL, ", ", &save))
		orgs[n++] = t;
	ctx_of(r, &c);
	if ((rc = ex_scenario_path(ex_dir_default(), sc, path, sizeof(path), &r->err)) ||
	    (rc = ex_start(&c, path, orgs, n, (int)speed, &run, &r->err)) ||
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

int web_page_exercise(struct web_req *r)
{
	struct ex_ctx c;
	const char *org;
	int64_t id;
	cJSON *st = NULL, *it, *score;
	char tb[24];
	int rc;

	if ((rc = open_run(r, &c, &id, &org)) || (rc = ex_status(&c, id, &st, &r->err)))
		return rc;
	score = cJSON_GetObjectItem(st, "score");
	web_page_begin(r, M_EXERCISE);
	web_out(r,
		"<p class=\"warn\" id=\"training-banner\">【訓練】%s</p><h2 id=\"run-title\">#%L "
		"%s</h2>"
		"<dl class=\"facts\"><dt>%s</dt><dd id=\"run-state\">%s</dd><dt>%s</dt>"
		"<dd id=\"run-clock\">%s (x%d)</dd><dt>%s</dt><dd id=\"run-score\">%d / %d "
		"(%d%%)</dd></dl><p>%s</p>",
		L(r, "これは演習です。実際のインシデントではありません。",
		  "This is an exercise, not a real incident."),
		id, js(st, "title"), L(r, "状態", "State"), js(st, "state"),
		L(r, "演習時刻", "Scenario clock"), tp(tb, ji(st, "clock_s")), ji(st, "speed"),
		L(r, "得点", "Score"), ji(score, "total"), ji(score, "possible"),
		ji(score, "percent"), js(st, "background"));
	web_out(r, "<h2>%s</h2><ol id=\"injects\">", L(r, "インジェクト", "Injects"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "injects"))
	{
		if (strcmp(js(it, "state"), "delivered"))
			continue;
		if (!strcmp(js(it, "channel"), "phone") && r->who.role != AUTH_ROLE_ANALYST)
			continue; /* read out by the facilitator */
		web_out(r,
			"<li class=\"inject\" data-id=\"%s\"><b>%s %s → %s</b> [%s]<p>%s</p>"
			"<p lang=\"en\">%s</p>",
			js(it, "id"), tp(tb, ji(it, "scen_s")), js(it, "id"),
			ex_role_ja(js(it, "to")) ? ex_role_ja(js(it, "to")) : "", js(it, "channel"),
			js(it, "content_ja"), js(it, "content_en"));
		if (js(it, "attachment")[0])
			web_out(r, "<p>%s: %s</p>", L(r, "添付", "Attachment"),
				js(it, "attachment"));
		web_out(r, "</li>");
	}
	web_out(r, "</ol>");
	if (r->who.role == AUTH_ROLE_OPERATOR && strcmp(js(st, "state"), "finished")) {
		static const char *const roles[] = {
		    "operator_csirt", "executive", "ministry_analyst",
		    "sector_bureau",  "isac",	   "vendor_soc"};
		static const char *const acts[] = {
		    "isolate",	     "block_traffic",	 "patch",   "notify_ministry", "share_iocs",
		    "escalate_exec", "public_statement", "message", "decide"};
		web_out(r,
			"<h2>%s</h2><form method=\"post\" action=\"/exercises/%L/respond\" "
			"id=\"exercise-respond\">",
			L(r, "対応を記録する", "Record a response"), id);
		web_csrf_field(r);
		web_out(r, "<p><label>%s <select name=\"role\" id=\"r-role\">",
			L(r, "役割", "Role"));
		for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
			web_out(r, "<option value=\"%s\">%s</option>", roles[i],
				ex_role_ja(roles[i]));
		web_out(r, "</select></label> <label>%s <select name=\"action\" id=\"r-action\">",
			L(r, "対応", "Action"));
		for (size_t i = 0; i < ARRAY_SIZE(acts); i++)
			web_out(r, "<option value=\"%s\">%s</option>", acts[i],
				ex_action_ja(acts[i]));
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
		    L(r,
		      "インシデント初報・深刻度評価は演習用の報告様式（CLI: mamori exercise file / "
		      "assess）で。演習データは実際の一覧に出ません。",
		      "Incident reports and assessments: mamori exercise file / assess; exercise "
		      "data never appears in real lists."));
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
		"<th>%s</th></tr>",
		L(r, "採点", "Scoring"), L(r, "項目", "Item"), L(r, "役割", "Role"),
		L(r, "対応", "Action"), L(r, "結果", "Result"), L(r, "点", "Points"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(score, "items")) web_out(
	    r, "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td><td>%d / %d</td></tr>",
	    js(it, "id"), js(it, "who_ja"), js(it, "action_ja"), js(it, "result"),
	    result_label(r, js(it, "result")), ji(it, "score"), ji(it, "points"));
	web_out(r, "</table><h2>%s</h2><ul id=\"actions\">", L(r, "対応の記録", "Responses"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "actions"))
	    web_out(r, "<li>%s %s %s %s %s %s</li>", tp(tb, ji(it, "scen_s")), js(it, "org"),
		    js(it, "role"), js(it, "kind_ja"), js(it, "option"), js(it, "text"));
	web_out(r, "</ul>");
	if (r->who.role == AUTH_ROLE_ANALYST) {
		web_out(r, "<h2>%s</h2><ul id=\"notes\">", L(r, "メモ", "Notes"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "notes"))
		    web_out(r, "<li>%s %s %s</li>", tp(tb, ji(it, "scen_s")), js(it, "text"),
			    js(it, "inject"));
		web_out(r, "</ul>");
	}
	cJSON_Delete(st);
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
	a.org = org;
	a.role = web_kv_get(&r->form, "role");
	a.kind = web_kv_get(&r->form, "action");
	a.inject = (s = web_kv_get(&r->form, "inject")) && s[0] ? s : NULL;
	a.option = (s = web_kv_get(&r->form, "option")) && s[0] ? s : NULL;
	a.text = (s = web_kv_get(&r->form, "text")) && s[0] ? s : NULL;
	if (!a.role || !a.kind)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "action", "role and action");
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
