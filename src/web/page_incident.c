/*
 * page_incident.c - the console's incident and case pages: operators file reports in a
 * Japanese form (drafts kept per user) and follow their own incidents and cases; analysts see
 * all with filters, assess and reply; bureau users read their sector's incidents without IoCs
 * above TLP:AMBER. Every read goes through the incident module with the caller's view.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/bi.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "inventory/inventory.h"
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

static int64_t jtime(const cJSON *o, const char *k)
{
	int64_t t = 0;
	const char *s = js(o, k);
	if (s[0])
		time_parse(s, &t);
	return t;
}

static int jint(const cJSON *o, const char *k, int def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valueint : def;
}

/* ---------------------------------------------------------------- context */

int web_inc_open(struct web_req *r, struct web_inc *w, bool regimes)
{
	memset(w, 0, sizeof(*w));
	w->c.s = r->s;
	w->c.actor = r->who.name[0] ? r->who.name : "anonymous";
	w->c.now = r->now;
	switch (r->who.role) {
	case AUTH_ROLE_ANALYST: w->v = INC_VIEW_ALL; break;
	case AUTH_ROLE_OPERATOR:
		w->v = (struct inc_view){r->who.org_slug, NULL, false, 4, true};
		if (!r->who.org_slug[0])
			return M_ENOTFOUND;
		break;
	case AUTH_ROLE_BUREAU:
		/* TLP:RED and AMBER+STRICT stay with the reporter and the analysts */
		w->v = (struct inc_view){NULL, r->who.sector, false, 2, false};
		if (!r->who.sector[0])
			return M_ENOTFOUND;
		break;
	default: return M_EPERM;
	}
	if (regimes) {
		int rc = inc_regimes_load(inc_regimes_default_path(), &w->t, &r->err);
		if (rc)
			return rc;
		w->c.regimes = w->t;
	}
	return 0;
}

void web_inc_close(struct web_inc *w)
{
	inc_regimes_free(w->t);
	w->t = NULL;
}

int web_inc_before(struct web_req *r, int64_t *before)
{
	const char *v = web_kv_get(&r->query, "before");

	*before = 0;
	if (v && v[0] && (web_parse_uint(v, INT64_MAX / 10, before) || *before <= 0))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "before",
			       "before must be an incident or case id / 正の整数");
	return 0;
}

int web_inc_id(struct web_req *r, const char *name, int64_t *id)
{
	const char *v = web_kv_get(&r->params, name);

	if (!v || v[0] == '0' || web_parse_uint(v, INT64_MAX / 10, id) || *id <= 0)
		return M_ENOTFOUND;
	return 0;
}

/* The library's names in r's language: the incident type, the NISC level, the report kind,
 * and a JSON pair JA / EN (JA when EN is missing). */
static const char *type_label(struct web_req *r, const char *type)
{
	const char *name = r->lang == WEB_LANG_EN ? inc_type_en(type) : inc_type_ja(type);
	return name ? name : type;
}

static const char *level_label(const struct web_req *r, int level)
{
	return r->lang == WEB_LANG_EN ? inc_level_name_en(level) : inc_level_name(level);
}

static const char *kind_label(const struct web_req *r, enum inc_kind k)
{
	return r->lang == WEB_LANG_EN ? inc_kind_en(k) : inc_kind_ja(k);
}

static const char *jl(const struct web_req *r, const cJSON *o, const char *ja, const char *en)
{
	const char *v = r->lang == WEB_LANG_EN ? js(o, en) : "";
	return v[0] ? v : js(o, ja);
}

/* ---------------------------------------------------------------- list */

struct page_rows {
	struct web_req *r;
	int64_t n, last;
};

/* One row of the incidents table, straight from the list (no JSON tree). */
static int page_row(void *arg, const struct inc_row *x)
{
	struct page_rows *p = arg;
	struct web_req *r = p->r;
	int k = inc_kind_parse(x->last_kind ? x->last_kind : "");

	char on[256]; /* the company, not its slug (the slug in the tooltip) */

	p->n++;
	p->last = x->id;
	web_out(
	    r,
	    "<tr><td><a href=\"/incidents/%L\">%L</a></td><td title=\"%s\">%s</td><td "
	    "class=\"code\">%s</td><td class=\"code\">%s</td><td class=\"code\">%s</td><td "
	    "class=\"code\">%s</td><td class=\"%s\">%s%s</td><td><a "
	    "href=\"/incidents/%L\" data-stored>%s</a></td></tr>",
	    x->id, x->id, x->org ? x->org : "",
	    inv_org_display_name(r->s, x->org ? x->org : "", r->lang == WEB_LANG_EN, on, sizeof on),
	    type_label(r, x->type ? x->type : ""),
	    x->level >= 0 ? level_label(r, x->level) : L(r, "未評価", "not assessed"),
	    x->state && !strcmp(x->state, "open") ? L(r, "対応中", "open") : L(r, "終了", "closed"),
	    k >= 0 ? kind_label(r, (enum inc_kind)k) : "", x->overdue ? "warn" : "",
	    web_jst(r, x->next_due), x->overdue ? L(r, " (超過)", " (overdue)") : "", x->id,
	    x->title ? x->title : "");
	return 0;
}

int web_page_incidents(struct web_req *r)
{
	const char *state = web_kv_get(&r->query, "state"), *lv = web_kv_get(&r->query, "level");
	const char *od = web_kv_get(&r->query, "overdue"), *org = web_kv_get(&r->query, "org");
	struct inc_filter f = {.level = -1, .limit = 200};
	struct web_inc w;
	cJSON *arr = NULL, *it;
	int64_t last = 0;
	int rc, n = 0;

	if ((rc = web_inc_open(r, &w, false)) || (rc = web_inc_before(r, &f.before)))
		return rc;
	if (state && state[0]) {
		if (strcmp(state, "open") && strcmp(state, "closed"))
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "state",
				       "state must be open or closed");
		f.state = state;
	}
	if (lv && lv[0]) {
		if (strlen(lv) != 1 || lv[0] < '0' || lv[0] > '4')
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "level", "level 0..4");
		f.level = lv[0] - '0';
	}
	f.overdue = od && !strcmp(od, "1");
	f.org = w.v.org ? w.v.org : (org && org[0] ? org : NULL);
	f.sector = w.v.sector;
	web_page_begin(r, M_INCIDENTS);
	if (r->who.role == AUTH_ROLE_OPERATOR)
		web_out(r,
			"<p><a class=\"button\" id=\"new-incident\" href=\"/incidents/new\">%s</a> "
			"<a href=\"/cases\">%s</a></p>",
			L(r, "インシデントを報告する", "Report an incident"),
			L(r, "支援・相談の案件", "Support cases"));
	else if (r->who.role == AUTH_ROLE_ANALYST)
		web_out(r, "<p><a href=\"/cases\">%s</a></p>",
			L(r, "支援・相談の案件", "Support cases"));
	web_out(r,
		"<form method=\"get\" action=\"/incidents\" class=\"filter\"><label>%s <select "
		"name=\"state\"><option value=\"\">%T</option><option value=\"open\"%R>%s</option>"
		"<option value=\"closed\"%R>%s</option></select></label> <label>%s <select "
		"name=\"level\"><option value=\"\">%T</option>",
		L(r, "状態", "State"), M_ALL,
		f.state && !strcmp(f.state, "open") ? " selected" : "", L(r, "対応中", "open"),
		f.state && !strcmp(f.state, "closed") ? " selected" : "", L(r, "終了", "closed"),
		L(r, "深刻度", "Level"), M_ALL);
	for (int i = 0; i <= 4; i++)
		web_out(r, "<option value=\"%d\"%R>%s</option>", i, f.level == i ? " selected" : "",
			level_label(r, i));
	web_out(r,
		"</select></label> <label><input type=\"checkbox\" name=\"overdue\" value=\"1\"%R> "
		"%s</label>",
		f.overdue ? " checked" : "", L(r, "期限超過のみ", "Overdue only"));
	if (r->who.role == AUTH_ROLE_ANALYST)
		web_out(r, " <label>%T <input name=\"org\" value=\"%s\" size=\"14\"></label>",
			M_ORG, org ? org : "");
	web_out(r, " <button type=\"submit\">%T</button></form>", M_FILTER);
	web_out(r,
		"<table id=\"incidents\"><thead><tr><th>ID</th><th>%T</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		M_ORG, L(r, "種類", "Type"), L(r, "深刻度", "Level"), L(r, "状態", "State"),
		L(r, "最新の報告", "Latest report"), L(r, "次の報告期限", "Next due"),
		L(r, "件名", "Title"));
	struct page_rows pr = {r, 0, 0};
	if ((rc = inc_list_each(&w.c, &f, page_row, &pr, &r->err)))
		return rc;
	n = pr.n;
	last = pr.last;
	if (!n)
		web_out(r, "<tr><td colspan=\"8\">%T</td></tr>", M_NONE);
	web_out(r, "</tbody></table>");
	if (n >= f.limit) /* keyset: the next page starts below the last id shown */
		web_out(
		    r,
		    "<p><a id=\"next-page\" href=\"/incidents?state=%s&amp;level=%s&amp;overdue=%s"
		    "&amp;org=%s&amp;before=%L\">%s</a></p>",
		    f.state ? f.state : "", lv ? lv : "", f.overdue ? "1" : "", org ? org : "",
		    last, L(r, "次のページ", "Next page"));
	cJSON_Delete(arr);
	arr = NULL;
	/* the sector and bureau view: per quarter, sector, level and type */
	if (r->who.role != AUTH_ROLE_OPERATOR && !web_kv_get(&r->query, "stats"))
		web_out(r, "<p><a href=\"/incidents?stats=1\" id=\"show-stats\">%s</a></p>",
			L(r, "四半期・分野・深刻度・種類別の集計",
			  "By quarter, sector, level and type"));
	else if (r->who.role != AUTH_ROLE_OPERATOR &&
		 inc_stats(&w.c, w.v.sector, &arr, &r->err) == 0) {
		web_out(r,
			"<h2>%s</h2><table id=\"incident-stats\"><tr><th>%s</th><th>%T</th>"
			"<th>%s</th><th>%s</th><th>%s</th></tr>",
			L(r, "四半期・分野・深刻度・種類別の件数",
			  "By quarter, sector, level and type"),
			L(r, "四半期", "Quarter"), M_SECTOR, L(r, "深刻度", "Level"),
			L(r, "種類", "Type"), L(r, "件数", "Count"));
		cJSON_ArrayForEach(it, arr)
		{
			web_out(
			    r, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>",
			    js(it, "quarter"), jl(r, it, "sector_ja", "sector_en"), js(it, "level"),
			    type_label(r, js(it, "type")), jint(it, "count", 0));
		}
		web_out(r, "</table>");
		cJSON_Delete(arr);
	}
	web_page_end(r);
	return 0;
}

/* ---------------------------------------------------------------- the report form */

/* The form's fields, in the order they are shown; a draft stores them as one JSON object. */
static const struct {
	const char *name, *ja, *en, *kind; /* kind: text, area, dt, num, sel-..., check */
} fields[] = {
    {"report", "報告の区分", "Report", "sel-report"},
    {"incident", "インシデント番号（続報・最終報）", "Incident id (follow-up, final)", "num"},
    {"title", "件名", "Title", "text"},
    {"type", "事象の種類", "Type", "sel-type"},
    {"occurred_at", "発生日時 (JST)", "Occurred (JST)", "dt"},
    {"aware_at", "認知日時 (JST)", "Became aware (JST)", "dt"},
    {"summary", "概要", "Summary", "area"},
    {"affected", "影響を受けたシステム・サービス（1行に「名称 | ホスト名 | IP:ポート」）",
     "Affected systems (one per line: name | host | IP:PORT)", "area"},
    {"impact_users", "影響利用者数", "Users affected", "num"},
    {"impact_area", "影響地域", "Area", "text"},
    {"impact_routes", "影響路線・便", "Routes / flights", "text"},
    {"impact_start", "支障開始 (JST)", "Disruption start (JST)", "dt"},
    {"impact_end", "支障終了 (JST)", "Disruption end (JST)", "dt"},
    {"impact_alternative", "代替手段", "Alternative available", "sel-alt"},
    {"impact_sites", "影響拠点数", "Sites", "num"},
    {"safety_persons", "人的被害（人数）", "Persons harmed", "num"},
    {"safety_damage_yen", "物的被害（円）", "Damage (yen)", "num"},
    {"safety_evacuation", "住民避難等", "Evacuation", "text"},
    {"safety_environment", "環境影響", "Environmental impact", "text"},
    {"iocs", "IoC（1行に「種類 値 [TLP]」: ip, domain, url, hash, email）",
     "IoCs (one per line: type value [tlp])", "area"},
    {"actions", "実施した対応", "Actions taken", "area"},
    {"support_rush", "駆けつけ支援を希望", "Request on-site support", "check"},
    {"support_consult", "相談を希望", "Request consultation", "check"},
    {"support_note", "支援要請の内容", "Support requested", "text"},
    {"contact_name", "連絡担当者", "Contact name", "text"},
    {"contact_unit", "部署", "Unit", "text"},
    {"contact_email", "メール", "E-mail", "text"},
    {"contact_phone", "電話", "Phone", "text"},
};

/* A value of the form or the draft. */
static const char *fval(struct web_req *r, const cJSON *draft, const char *name)
{
	const char *v = web_kv_get(&r->form, name);
	if (v)
		return v;
	if (draft) {
		const char *d = js(draft, name);
		if (d[0])
			return d;
	}
	return web_kv_get(&r->query, name) ? web_kv_get(&r->query, name) : "";
}

static void form_html(struct web_req *r, const cJSON *draft, const char *error)
{
	web_inc_form(r, draft, error, "/incidents", NULL, NULL);
}

void web_inc_form(struct web_req *r, const cJSON *draft, const char *error, const char *action,
		  void (*extra)(struct web_req *r, void *arg), void *arg)
{
	bool real = !strcmp(action, "/incidents");
	static const char *const alts[][3] = {{"", "—", "—"},
					      {"yes", "あり", "yes"},
					      {"partial", "一部あり", "partial"},
					      {"no", "なし", "no"},
					      {"unknown", "不明", "unknown"}};
	static const char *const types[] = {"ddos",	      "ransomware", "unauthorized_access",
					    "data_leak",      "defacement", "malware",
					    "outage_unknown", "other"};
	static const char *const reports[][3] = {{"initial", "初報", "initial"},
						 {"followup", "続報", "follow-up"},
						 {"final", "最終報", "final"}};

	if (error)
		web_out(r, "<p class=\"error\" id=\"form-error\" role=\"alert\">%s</p>", error);
	web_out(r, "<form method=\"post\" action=\"%s\" id=\"incident-form\">", action);
	web_csrf_field(r);
	if (extra)
		extra(r, arg);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const char *n = fields[i].name, *k = fields[i].kind, *v = fval(r, draft, n);
		web_out(r, "<p><label for=\"f-%s\">%s</label><br>", n,
			r->lang == WEB_LANG_EN ? fields[i].en : fields[i].ja);
		if (!strcmp(k, "area"))
			web_out(r,
				"<textarea id=\"f-%s\" name=\"%s\" rows=\"4\" "
				"cols=\"70\">%s</textarea>",
				n, n, v);
		else if (!strcmp(k, "dt"))
			web_out(
			    r,
			    "<input type=\"datetime-local\" id=\"f-%s\" name=\"%s\" value=\"%s\">",
			    n, n, v);
		else if (!strcmp(k, "check"))
			web_out(r,
				"<input type=\"checkbox\" id=\"f-%s\" name=\"%s\" value=\"1\"%R>",
				n, n, v[0] ? " checked" : "");
		else if (!strcmp(k, "sel-type")) {
			web_out(r, "<select id=\"f-%s\" name=\"%s\">", n, n);
			for (size_t t = 0; t < ARRAY_SIZE(types); t++)
				web_out(r, "<option value=\"%s\"%R>%s</option>", types[t],
					!strcmp(v, types[t]) ? " selected" : "",
					type_label(r, types[t]));
			web_out(r, "</select>");
		} else if (!strcmp(k, "sel-alt") || !strcmp(k, "sel-report")) {
			bool alt = !strcmp(k, "sel-alt");
			size_t nn = alt ? ARRAY_SIZE(alts) : ARRAY_SIZE(reports);
			web_out(r, "<select id=\"f-%s\" name=\"%s\">", n, n);
			for (size_t t = 0; t < nn; t++) {
				const char *const *o = alt ? alts[t] : reports[t];
				web_out(r, "<option value=\"%s\"%R>%s</option>", o[0],
					!strcmp(v, o[0]) ? " selected" : "",
					r->lang == WEB_LANG_EN ? o[2] : o[1]);
			}
			web_out(r, "</select>");
		} else
			web_out(r, "<input id=\"f-%s\" name=\"%s\" value=\"%s\" size=\"%d\">", n, n,
				v, !strcmp(k, "num") ? 12 : 60);
		web_out(r, "</p>");
	}
	if (!real) {
		web_out(r,
			"<p><button type=\"submit\" name=\"action\" value=\"submit\" "
			"id=\"submit-report\">%s</button></p></form>",
			L(r, "【訓練】報告する", "File the [EXERCISE] report"));
		return;
	}
	web_out(
	    r,
	    "<p><button type=\"submit\" name=\"action\" value=\"submit\" id=\"submit-report\">%s"
	    "</button> <button type=\"submit\" name=\"action\" value=\"draft\" "
	    "id=\"save-draft\">%s</button></p></form>",
	    L(r, "報告する", "File the report"), L(r, "下書き保存", "Save draft"));
}

const char *web_inc_form_error(struct web_req *r, const struct merr *e)
{
	static const struct {
		const char *en, *ja;
	} says[] = {
	    {"missing required field", "必須項目が入力されていません"},
	    {"expected a number", "数値を入力してください"},
	    {"expected a whole number", "0 以上の整数を入力してください"},
	    {"not a valid time", "日時が正しくありません"},
	    {"is not one of", "選択肢から選んでください"},
	    {"is not a valid", "形式が正しくありません"},
	    {"must be one line", "1 行で入力してください"},
	    {"control character", "制御文字は使えません"},
	    {"before", "日時の前後関係が正しくありません"},
	    {"too long", "長すぎます"},
	    {"larger than", "長すぎます"},
	};
	const char *field = e->field[0] ? e->field : "", *ja = "入力内容に誤りがあります";
	const char *lja = NULL, *len = NULL;
	char key[96], *out;
	size_t n;

	/* the form field a report field comes from: impact.users -> impact_users, iocs.x -> iocs */
	snprintf(key, sizeof(key), "%s", field);
	for (int pass = 0; pass < 3 && !lja && key[0]; pass++) {
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			if (!strcmp(fields[i].name, key)) {
				lja = fields[i].ja;
				len = fields[i].en;
			}
		if (pass == 0)
			for (char *p = key; *p; p++)
				*p = *p == '.' ? '_' : *p;
		else if (strchr(key, '_'))
			*strchr(key, '_') = '\0';
	}
	for (size_t i = 0; i < ARRAY_SIZE(says); i++)
		if (strstr(e->msg, says[i].en)) {
			ja = says[i].ja;
			break;
		}
	n = strlen(e->msg) + strlen(field) + 512;
	out = web_arena_alloc(&r->arena, n);
	if (!out)
		return e->msg;
	/* Japanese first with the library's English beside it; English pages English only (a
	 * library message "English / 日本語" without its Japanese) */
	if (r->lang == WEB_LANG_EN) {
		const char *cut = strstr(e->msg, " / ");
		while (cut && strstr(cut + 3, " / "))
			cut = strstr(cut + 3, " / ");
		snprintf(out, n, "%s (%s): %.*s", len ? len : "Input", field[0] ? field : "form",
			 cut && bi_has_non_ascii(cut) ? (int)(cut - e->msg) : (int)strlen(e->msg),
			 e->msg);
	} else {
		/* Japanese only: the phrase for the library's words, and its own Japanese half
		 * when it has one (an English-only library message is not shown) */
		char half[sizeof e->msg];
		const char *jh = bi_msg_half(e->msg, false, half, sizeof half);
		snprintf(out, n, "%s（%s）: %s%s%s%s", lja ? lja : "入力",
			 field[0] ? field : "form", ja, bi_has_non_ascii(jh) ? "（" : "",
			 bi_has_non_ascii(jh) ? jh : "", bi_has_non_ascii(jh) ? "）" : "");
	}
	return out;
}

int web_page_incident_new(struct web_req *r)
{
	struct web_inc w;
	char *dj = NULL;
	cJSON *draft = NULL;
	int rc;

	if ((rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = inc_draft_get(&w.c, r->who.name, &dj, &r->err)))
		return rc;
	draft = dj ? cJSON_Parse(dj) : NULL;
	m_free(dj);
	web_page_begin(r, M_INCIDENT_NEW);
	if (web_kv_get(&r->query, "saved"))
		web_out(r, "<p class=\"ok\" id=\"draft-saved\">%s</p>",
			L(r, "下書きを保存しました。", "Draft saved."));
	web_out(
	    r, "<p>%s</p>",
	    L(r, "報告期限は認知日時から計算されます。分かる範囲で記入し、続報で更新してください。",
	      "Reporting clocks start at the awareness time. Fill in what you know; update it "
	      "with a follow-up."));
	form_html(r, draft, NULL);
	cJSON_Delete(draft);
	web_page_end(r);
	return 0;
}

/* "2026-12-01T09:00" from a datetime-local input is JST. */
static void add_time(cJSON *o, const char *k, const char *v, struct web_arena *a)
{
	size_t n = strlen(v);
	char *s;

	if (!n)
		return;
	if ((n == 16 || n == 19) && v[10] == 'T' && !strchr(v + 10, '+') && !strchr(v + 10, 'Z')) {
		s = web_arena_alloc(a, n + 16);
		if (!s)
			return;
		snprintf(s, n + 16, "%s%s+09:00", v, n == 16 ? ":00" : "");
		cJSON_AddStringToObject(o, k, s);
	} else
		cJSON_AddStringToObject(o, k, v);
}

static void add_num(cJSON *o, const char *k, const char *v)
{
	bool digits = v[0] != '\0';

	if (!v[0])
		return;
	for (const char *p = v; *p; p++)
		digits &= *p >= '0' && *p <= '9';
	if (digits && strlen(v) <= 13)
		cJSON_AddNumberToObject(o, k, (double)strtoll(v, NULL, 10));
	else
		cJSON_AddStringToObject(o, k, v); /* the reader says "expected a number" */
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v[0])
		cJSON_AddStringToObject(o, k, v);
}

/* Splits a textarea into trimmed lines (in the arena). */
static size_t lines_of(struct web_arena *a, const char *v, char **out, size_t max)
{
	size_t n = 0;

	while (*v && n < max) {
		const char *e = strchr(v, '\n');
		size_t len = e ? (size_t)(e - v) : strlen(v);
		while (len && (v[len - 1] == '\r' || v[len - 1] == ' '))
			len--;
		while (len && *v == ' ')
			v++, len--;
		if (len && (out[n] = web_arena_strndup(a, v, len)))
			n++;
		if (!e)
			break;
		v = e + 1;
	}
	return n;
}

/* The form as a report document (the reader checks it like a file). */
static cJSON *form_report(struct web_req *r)
{
	return web_inc_form_report(r);
}

cJSON *web_inc_form_report(struct web_req *r)
{
	cJSON *d = cJSON_CreateObject(), *o;
	char *ln[INC_IOCS_MAX];
	size_t n;

	add_str(d, "report", fval(r, NULL, "report"));
	add_num(d, "incident", fval(r, NULL, "incident"));
	add_str(d, "title", fval(r, NULL, "title"));
	add_str(d, "type", fval(r, NULL, "type"));
	add_time(d, "occurred_at", fval(r, NULL, "occurred_at"), &r->arena);
	add_time(d, "aware_at", fval(r, NULL, "aware_at"), &r->arena);
	add_str(d, "summary", fval(r, NULL, "summary"));
	n = lines_of(&r->arena, fval(r, NULL, "affected"), ln, INC_AFFECTED_MAX);
	if (n) {
		cJSON *arr = cJSON_AddArrayToObject(d, "affected");
		for (size_t i = 0; i < n; i++) {
			char *parts[3] = {ln[i], NULL, NULL}, *p;
			cJSON *a = cJSON_CreateObject();
			for (int k = 1; k < 3 && parts[k - 1] && (p = strchr(parts[k - 1], '|'));
			     k++) {
				*p = '\0';
				parts[k] = p + 1;
			}
			for (int k = 0; k < 3; k++)
				while (parts[k] && *parts[k] == ' ')
					parts[k]++;
			for (int k = 0; k < 3; k++)
				for (size_t m = parts[k] ? strlen(parts[k]) : 0;
				     m && parts[k][m - 1] == ' '; m--)
					parts[k][m - 1] = '\0';
			add_str(a, "name", parts[0]);
			if (parts[1])
				add_str(a, "asset", parts[1]);
			if (parts[2])
				add_str(a, "service", parts[2]);
			cJSON_AddItemToArray(arr, a);
		}
	}
	o = cJSON_CreateObject();
	add_num(o, "users", fval(r, NULL, "impact_users"));
	add_str(o, "area", fval(r, NULL, "impact_area"));
	add_str(o, "routes", fval(r, NULL, "impact_routes"));
	add_time(o, "start", fval(r, NULL, "impact_start"), &r->arena);
	add_time(o, "end", fval(r, NULL, "impact_end"), &r->arena);
	add_str(o, "alternative", fval(r, NULL, "impact_alternative"));
	add_num(o, "sites", fval(r, NULL, "impact_sites"));
	if (o->child)
		cJSON_AddItemToObject(d, "impact", o);
	else
		cJSON_Delete(o);
	o = cJSON_CreateObject();
	add_num(o, "persons", fval(r, NULL, "safety_persons"));
	add_num(o, "damage_yen", fval(r, NULL, "safety_damage_yen"));
	add_str(o, "evacuation", fval(r, NULL, "safety_evacuation"));
	add_str(o, "environment", fval(r, NULL, "safety_environment"));
	if (o->child)
		cJSON_AddItemToObject(d, "safety", o);
	else
		cJSON_Delete(o);
	n = lines_of(&r->arena, fval(r, NULL, "iocs"), ln, INC_IOCS_MAX);
	if (n) {
		cJSON *arr = cJSON_AddArrayToObject(d, "iocs");
		for (size_t i = 0; i < n; i++) {
			char *t = ln[i], *v = strchr(t, ' '), *tlp = NULL;
			cJSON *a = cJSON_CreateObject();
			if (v) {
				*v++ = '\0';
				while (*v == ' ')
					v++;
				if ((tlp = strchr(v, ' '))) {
					*tlp++ = '\0';
					while (*tlp == ' ')
						tlp++;
				}
			}
			add_str(a, "type", t);
			add_str(a, "value", v ? v : "");
			if (tlp && *tlp)
				add_str(a, "tlp", tlp);
			cJSON_AddItemToArray(arr, a);
		}
	}
	add_str(d, "actions", fval(r, NULL, "actions"));
	if (fval(r, NULL, "support_rush")[0] || fval(r, NULL, "support_consult")[0]) {
		cJSON *arr = cJSON_AddArrayToObject(d, "support_requested");
		if (fval(r, NULL, "support_rush")[0])
			cJSON_AddItemToArray(arr, cJSON_CreateString("rush"));
		if (fval(r, NULL, "support_consult")[0])
			cJSON_AddItemToArray(arr, cJSON_CreateString("consult"));
	}
	add_str(d, "support_note", fval(r, NULL, "support_note"));
	o = cJSON_AddObjectToObject(d, "contact");
	add_str(o, "name", fval(r, NULL, "contact_name"));
	add_str(o, "unit", fval(r, NULL, "contact_unit"));
	add_str(o, "email", fval(r, NULL, "contact_email"));
	add_str(o, "phone", fval(r, NULL, "contact_phone"));
	return d;
}

static int form_error(struct web_req *r, const char *why)
{
	buf_reset(&r->out);
	r->status = 400;
	web_page_begin(r, M_INCIDENT_NEW);
	form_html(r, NULL, why);
	web_page_end(r);
	return 0;
}

int web_post_incidents(struct web_req *r)
{
	const char *action = web_kv_get(&r->form, "action");
	struct inc_report rep;
	struct web_inc w;
	cJSON *doc;
	char *text, msg[700];
	int64_t id;
	int seq, rc;

	if ((rc = web_inc_open(r, &w, true)))
		return rc;
	if (action && !strcmp(action, "draft")) {
		cJSON *d = cJSON_CreateObject();
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
			const char *v = web_kv_get(&r->form, fields[i].name);
			if (v && v[0])
				cJSON_AddStringToObject(d, fields[i].name, v);
		}
		text = cJSON_PrintUnformatted(d);
		cJSON_Delete(d);
		rc = text ? inc_draft_save(&w.c, r->who.name, r->who.org_slug, text, &r->err)
			  : M_ENOMEM;
		cJSON_free(text);
		web_inc_close(&w);
		return rc ? rc : web_redirect(r, "/incidents/new?saved=1");
	}
	doc = form_report(r);
	text = doc ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	if (!text) {
		web_inc_close(&w);
		return M_ENOMEM;
	}
	rc = inc_report_parse(text, strlen(text), "form", &rep, &r->err);
	cJSON_free(text);
	if (rc) {
		/* the field name says what to fix; a form has no lines */
		const char *why = web_inc_form_error(r, &r->err);
		snprintf(msg, sizeof(msg), "%s", why);
		merr_init(&r->err);
		web_inc_close(&w);
		return form_error(r, msg);
	}
	rc = inc_file(&w.c, r->who.org_slug, &rep, &id, &seq, &r->err);
	inc_report_free(&rep);
	if (!rc)
		rc = inc_draft_drop(&w.c, r->who.name, &r->err);
	web_inc_close(&w);
	if (rc == M_ENOTFOUND || rc == M_EINVAL) {
		snprintf(msg, sizeof(msg), "%s", r->err.msg);
		merr_init(&r->err);
		return form_error(r, msg);
	}
	if (rc)
		return rc;
	{
		char loc[64];
		snprintf(loc, sizeof(loc), "/incidents/%lld", (long long)id);
		return web_redirect(r, loc);
	}
}

/* ---------------------------------------------------------------- one incident */

static void axis_row(struct web_req *r, const cJSON *a, const char *key)
{
	const cJSON *ax = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "axes"), key);
	web_out(r, "<tr><th>%s</th><td>%d</td><td data-stored>%s</td></tr>",
		jl(r, ax, "name_ja", "name_en"), jint(ax, "level", 0), js(ax, "reason"));
}

static void severity_html(struct web_req *r, const cJSON *o)
{
	const cJSON *sev = cJSON_GetObjectItem(o, "severity");

	web_out(r, "<h2>%s</h2>", L(r, "深刻度（NISC 深刻度評価基準）", "Severity (NISC scale)"));
	for (int k = 0; k < 2; k++) {
		const cJSON *a = cJSON_GetObjectItem(sev, k ? "final" : "predicted");
		web_out(r, "<h3>%s</h3>",
			k ? L(r, "事後評価", "Final (ex post)") : L(r, "予測評価", "Predicted"));
		if (!cJSON_IsObject(a)) {
			web_out(r, "<p>%s</p>", L(r, "未評価", "Not assessed"));
			continue;
		}
		web_out(r, "<p class=\"level\" id=\"level-%s\"><strong>%s</strong> %s (%s %s)</p>",
			k ? "final" : "predicted", jl(r, a, "level_name", "level_name_en"),
			jl(r, a, "level_text", "level_text_en"), web_jst(r, jtime(a, "at")),
			js(a, "by"));
		web_out(r, "<table><tr><th>%s</th><th>%s</th><th>%s</th></tr>",
			L(r, "観点", "Axis"), L(r, "レベル", "Level"), L(r, "理由", "Rationale"));
		axis_row(r, a, "continuity");
		axis_row(r, a, "safety");
		axis_row(r, a, "trust");
		web_out(r, "</table>");
		if (cJSON_IsNumber(cJSON_GetObjectItem(a, "nciss_score")))
			web_out(r, "<p>%s: %d / 100</p>",
				L(r, "NCISS 参考スコア（深刻度の代わりではありません）",
				  "NCISS-style score (beside the level, never instead)"),
				jint(a, "nciss_score", 0));
	}
}

static void clocks_html(struct web_req *r, const cJSON *o)
{
	const cJSON *it;

	web_out(r,
		"<h2>%s</h2><table id=\"clocks\"><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>",
		L(r, "報告期限", "Reporting clocks"), L(r, "制度", "Regime"),
		L(r, "報告", "Report"), L(r, "期限", "Due"), L(r, "状態", "State"),
		L(r, "残り", "Left"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "clocks"))
	{
		const cJSON *sl = cJSON_GetObjectItem(it, "seconds_left");
		char left[64] = "";
		const char *st = js(it, "state");
		if (cJSON_IsNumber(sl)) {
			if (strcmp(st, "met")) /* a met clock has nothing left to count */
				time_fmt_left((int64_t)sl->valuedouble, r->lang == WEB_LANG_EN,
					      left, sizeof(left));
		}
		web_out(r,
			"<tr class=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			"</tr>",
			!strcmp(st, "overdue") ? "warn" : "", jl(r, it, "regime_ja", "regime_en"),
			jl(r, it, "report_ja", "report_en"), web_jst(r, jtime(it, "due")),
			!strcmp(st, "met")	 ? L(r, "報告済", "met")
			: !strcmp(st, "overdue") ? L(r, "期限超過", "overdue")
						 : L(r, "未報告", "pending"),
			left);
	}
	web_out(r, "</table>");
}

/* A timeline event's kind (incident.c's and case.c's events) in r's language. */
static const char *event_label(const struct web_req *r, const char *kind)
{
	static const char *const names[][3] = {
	    {"report", "報告", "report"},
	    {"aware", "認知", "became aware"},
	    {"assess", "深刻度評価", "assessment"},
	    {"attachment", "添付", "attachment"},
	    {"clock", "報告期限", "reporting clock"},
	    {"export", "エクスポート", "export"},
	    {"link", "関連付け", "link"},
	    {"message", "メッセージ", "message"},
	    {"overdue", "期限超過", "overdue"},
	    {"publish", "共有に公開", "published"},
	    {"regimes", "報告制度の変更", "regimes changed"},
	    {"reminder", "督促", "reminder"},
	    {"open", "受付", "opened"},
	    {"state", "状態変更", "state changed"},
	    {"assign", "担当割当", "assigned"},
	    {"note", "内部メモ", "internal note"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(kind, names[i][0]))
			return names[i][r->lang == WEB_LANG_EN ? 2 : 1];
	return kind;
}

static const char *state_label(struct web_req *r, const char *st);

static void timeline_html(struct web_req *r, const cJSON *o)
{
	const cJSON *it;

	web_out(r, "<h2>%s</h2><ol id=\"timeline\">", L(r, "経過", "Timeline"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "timeline"))
	{
		const cJSON *d = cJSON_GetObjectItem(it, "detail");
		const char *text = js(d, "text");
		const char *actor = js(it, "actor");
		/* mamori's own jobs ("job:incident.remind") in words, the id in the tooltip */
		bool job = !strncmp(actor, "job:", 4);
		web_out(r,
			"<li class=\"%s\" data-kind=\"%s\"><time>%s</time> <span %R "
			"title=\"%s\">%s</span> "
			"<b>%s</b>%s%s",
			js(it, "visibility"), js(it, "kind"), web_jst(r, jtime(it, "at")),
			job ? "class=\"actor-job\"" : "data-stored", actor,
			job ? L(r, "mamori（自動処理）", "mamori (automatic)") : actor,
			event_label(r, js(it, "kind")),
			!strcmp(js(it, "visibility"), "internal") ? L(r, "（内部）", " (internal)")
								  : "",
			text[0] ? ": " : "");
		if (text[0])
			web_out(r, "<span class=\"message\" data-stored>%s</span>", text);
		else if (!strcmp(js(it, "kind"), "state") && js(d, "from")[0] && js(d, "to")[0])
			/* a case's state change says from what to what */
			web_out(r, ": <span class=\"state-change\">%s → %s</span>",
				state_label(r, js(d, "from")), state_label(r, js(d, "to")));
		web_out(r, "</li>");
	}
	web_out(r, "</ol>");
}

int web_page_incident(struct web_req *r)
{
	struct web_inc w;
	cJSON *o = NULL, *it;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, true)))
		return rc;
	rc = inc_show(&w.c, id, &w.v, &o, &r->err);
	web_inc_close(&w);
	if (rc)
		return rc;
	web_page_begin(r, M_INCIDENT);
	web_out(r,
		"<h2 id=\"incident-title\">#%L <span data-stored>%s</span></h2><dl class=\"facts\">"
		"<dt>%T</dt><dd><span data-stored>%s</span> (%s)"
		"</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt><dd>%s</dd>"
		"<dt>%s</dt><dd id=\"incident-level\">%s</dd></dl>",
		id, js(o, "title"), M_ORG, jl(r, o, "org_name", "org_name_en"), js(o, "org"),
		L(r, "種類", "Type"), type_label(r, js(o, "type")), L(r, "発生日時", "Occurred"),
		web_jst(r, jtime(o, "occurred_at")), L(r, "認知日時", "Became aware"),
		web_jst(r, jtime(o, "aware_at")), L(r, "深刻度", "Level"),
		js(o, "level_name")[0] ? jl(r, o, "level_name", "level_name_en")
				       : L(r, "未評価", "not assessed"));
	clocks_html(r, o);
	severity_html(r, o);
	web_out(r, "<h2>%s</h2><ul id=\"versions\">", L(r, "報告（版）", "Versions"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "versions"))
	{
		const cJSON *rep = cJSON_GetObjectItem(it, "report");
		web_out(r, "<li>%d %s — %s <span data-stored>(%s) %s</span></li>",
			jint(it, "seq", 0), jl(r, it, "kind_ja", "kind_en"),
			web_jst(r, jtime(it, "filed_at")), js(it, "filed_by"), js(rep, "summary"));
	}
	web_out(r,
		"</ul><h2>IoC</h2><table id=\"iocs\"><tr><th>%s</th><th>%T</th><th>TLP</th>"
		"</tr>",
		L(r, "種類", "Type"), M_VALUE);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "iocs"))
	{
		web_out(r, "<tr><td>%s</td><td><code>%s</code></td><td>%s</td></tr>",
			web_ioc_kind(r->lang, js(it, "type")), js(it, "value"), js(it, "tlp"));
	}
	web_out(r, "</table>");
	if (cJSON_GetArraySize(cJSON_GetObjectItem(o, "attachments"))) {
		web_out(r, "<h2>%s</h2><ul id=\"attachments\">",
			L(r, "添付ファイル", "Attachments"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "attachments"))
		{
			web_out(r,
				"<li><a href=\"/incidents/%L/attachments/%d\" download "
				"data-stored>%s</a> (%d %s, SHA-256 <code>%s</code>)</li>",
				id, jint(it, "id", 0), js(it, "name"), jint(it, "size", 0),
				L(r, "バイト", "bytes"), js(it, "sha256"));
		}
		web_out(r, "</ul>");
	}
	timeline_html(r, o);
	if (r->who.role == AUTH_ROLE_ANALYST || r->who.role == AUTH_ROLE_OPERATOR) {
		web_out(r, "<form method=\"post\" action=\"/incidents/%L/messages\" id=\"reply\">",
			id);
		web_csrf_field(r);
		web_out(r,
			"<p><label for=\"msg\">%s</label><br><textarea id=\"msg\" name=\"text\" "
			"rows=\"3\" cols=\"70\"></textarea></p><button type=\"submit\">%s</button>"
			"</form>",
			L(r, "メッセージ", "Message"), L(r, "送信", "Send"));
		web_out(r,
			"<form id=\"attach-form\" data-url=\"/api/v1/incidents/%L/attachments\">"
			"<p><label>%s <input type=\"file\" id=\"attach-file\"></label> <button "
			"type=\"submit\">%s</button> <span id=\"attach-status\" "
			"role=\"status\"></span></p>",
			id,
			L(r, "ファイルを添付（実行ファイル不可、1 MiB まで）",
			  "Attach a file (no executables, up to 1 MiB)"),
			L(r, "添付", "Attach"));
		web_csrf_field(r);
		web_out(r, "</form><script src=\"/static/incident.js\" defer></script>");
		web_out(r,
			"<p><a href=\"/incidents/%L/stix?tlp=amber\" download>STIX 2.1 "
			"(TLP:AMBER)</a> <a id=\"incident-pdf\" href=\"/incidents/%L/pdf\" "
			"download>%s</a></p>",
			id, id, L(r, "報告書 (PDF)", "Report (PDF)"));
	}
	if (r->who.role == AUTH_ROLE_ANALYST) {
		const char *pub = web_kv_get(&r->query, "published");
		if (pub && pub[0])
			web_out(
			    r, "<p class=\"ok\" id=\"published\" role=\"status\">%s (%s)</p>",
			    L(r, "共有コレクションに公開しました", "Published to the collection"),
			    pub);
		web_out(
		    r,
		    "<form method=\"post\" action=\"/incidents/%L/publish\" id=\"publish-form\">"
		    "<label>%s <input name=\"collection\" required size=\"16\"></label> "
		    "<label>TLP <select name=\"tlp\"><option value=\"clear\">TLP:CLEAR</option>"
		    "<option value=\"green\">TLP:GREEN</option><option value=\"amber\" "
		    "selected>TLP:AMBER</option><option value=\"amber+strict\">TLP:AMBER+STRICT"
		    "</option><option value=\"red\">TLP:RED</option></select></label> ",
		    id, L(r, "共有コレクション", "Sharing collection"));
		web_csrf_field(r);
		web_out(r, "<button type=\"submit\">%s</button></form>",
			L(r, "STIX を共有コレクションに公開", "Publish STIX to the collection"));
	}
	if (r->who.role == AUTH_ROLE_OPERATOR && strcmp(js(o, "state"), "closed"))
		web_out(r,
			"<p><a href=\"/incidents/new?incident=%L&amp;report=followup\">%s</a></p>",
			id, L(r, "続報・最終報を提出する", "File a follow-up or final report"));
	if (r->who.role == AUTH_ROLE_ANALYST) {
		web_out(r,
			"<h2>%s</h2><form method=\"post\" action=\"/incidents/%L/assess\" "
			"id=\"assess\">",
			L(r, "深刻度を評価する", "Assess"), id);
		web_csrf_field(r);
		for (int k = 0; k < 3; k++) {
			static const char *const ax[] = {"continuity", "safety", "trust"};
			static const char *const name[][2] = {
			    {"サービスの持続性", "Service continuity"},
			    {"サービスに関する安全性", "Service safety"},
			    {"その他（信頼低下）", "Other (loss of trust)"}};
			web_out(r, "<p><label>%s <select name=\"%s\" id=\"a-%s\">",
				name[k][r->lang == WEB_LANG_EN], ax[k], ax[k]);
			for (int l = 0; l <= 4; l++)
				web_out(r, "<option value=\"%d\">%s</option>", l,
					level_label(r, l));
			web_out(
			    r,
			    "</select></label> <input name=\"reason_%s\" id=\"r-%s\" size=\"50\" "
			    "placeholder=\"%s\"></p>",
			    ax[k], ax[k], L(r, "理由", "rationale"));
		}
		web_out(
		    r,
		    "<p><label class=\"check\"><input type=\"checkbox\" name=\"final\" value=\"1\" "
		    "id=\"a-final\"> %s</label></p><button type=\"submit\">%s</button></form>",
		    L(r, "事後評価（確定）", "Final (ex post)"), L(r, "評価を記録", "Record"));
		web_out(r,
			"<h2>%s</h2><form method=\"post\" action=\"/incidents/%L/regimes\" "
			"id=\"regimes\">",
			L(r, "適用する報告制度", "Reporting regimes"), id);
		web_csrf_field(r);
		{
			struct buf cur;
			buf_init(&cur, 1024);
			cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "regimes"))
			{
				buf_addf(&cur, "%s%s", cur.len ? "," : "", it->valuestring);
			}
			web_out(r,
				"<p><input name=\"regimes\" id=\"g-regimes\" size=\"50\" "
				"value=\"%s\"> <button type=\"submit\">%s</button></p></form>",
				buf_str(&cur), L(r, "変更", "Change"));
			buf_release(&cur);
		}
		web_out(r,
			"<form method=\"post\" action=\"/incidents/%L/clocks\" id=\"clock-met\">",
			id);
		web_csrf_field(r);
		web_out(r, "<p><label>%s <select name=\"clock\" id=\"k-clock\">",
			L(r, "報告済みにする", "Mark a report made"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "clocks"))
		{
			if (strcmp(js(it, "state"), "met"))
				web_out(r, "<option value=\"%s/%s\">%s %s</option>",
					js(it, "regime"), js(it, "report"),
					jl(r, it, "regime_ja", "regime_en"),
					jl(r, it, "report_ja", "report_en"));
		}
		web_out(r, "</select></label> <button type=\"submit\">%s</button></p></form>",
			L(r, "記録", "Record"));
	}
	cJSON_Delete(o);
	web_page_end(r);
	return 0;
}

static int axis_of(struct web_req *r, const char *name, int *out)
{
	const char *v = web_kv_get(&r->form, name);
	if (!v || strlen(v) != 1 || v[0] < '0' || v[0] > '4')
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, name, "a level from 0 to 4");
	*out = v[0] - '0';
	return 0;
}

static const char *opt_text(struct web_req *r, const char *name)
{
	const char *v = web_kv_get(&r->form, name);
	return v && v[0] ? v : NULL;
}

int web_post_incident_assess(struct web_req *r)
{
	struct inc_assessment a = {0};
	struct web_inc w;
	char loc[64];
	int64_t id;
	int rc, lv, score;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = axis_of(r, "continuity", &a.continuity)) ||
	    (rc = axis_of(r, "safety", &a.safety)) || (rc = axis_of(r, "trust", &a.trust)) ||
	    (rc = web_inc_open(r, &w, false)))
		return rc;
	a.final = opt_text(r, "final") != NULL;
	a.reason_continuity = opt_text(r, "reason_continuity");
	a.reason_safety = opt_text(r, "reason_safety");
	a.reason_trust = opt_text(r, "reason_trust");
	if ((rc = inc_assess(&w.c, id, &a, &lv, &score, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/incidents/%lld", (long long)id);
	return web_redirect(r, loc);
}

int web_post_incident_regimes(struct web_req *r)
{
	const char *v = web_kv_get(&r->form, "regimes");
	const char *names[32];
	char *list, loc[64];
	struct web_inc w;
	size_t n = 0;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)))
		return rc;
	if (!v || !(list = web_arena_strndup(&r->arena, v, strlen(v))))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "regimes", "a list of regimes");
	for (char *p = list; *p && n < ARRAY_SIZE(names);) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		while (*p == ' ')
			p++;
		if (*p)
			names[n++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	if ((rc = web_inc_open(r, &w, true)))
		return rc;
	rc = inc_regimes_set(&w.c, id, names, n, &r->err);
	web_inc_close(&w);
	if (rc)
		return rc;
	snprintf(loc, sizeof(loc), "/incidents/%lld", (long long)id);
	return web_redirect(r, loc);
}

int web_post_incident_clock(struct web_req *r)
{
	const char *v = web_kv_get(&r->form, "clock"), *slash;
	char regime[64], loc[64];
	struct web_inc w;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)))
		return rc;
	if (!v || !(slash = strchr(v, '/')) || (size_t)(slash - v) >= sizeof(regime))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "clock", "REGIME/REPORT");
	memcpy(regime, v, (size_t)(slash - v));
	regime[slash - v] = '\0';
	if ((rc = web_inc_open(r, &w, true)))
		return rc;
	rc = inc_clock_met(&w.c, id, regime, slash + 1, 0, &r->err);
	web_inc_close(&w);
	if (rc)
		return rc;
	snprintf(loc, sizeof(loc), "/incidents/%lld", (long long)id);
	return web_redirect(r, loc);
}

int web_post_incident_message(struct web_req *r)
{
	struct web_inc w;
	char loc[64];
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = inc_message(&w.c, id, w.v.org, web_kv_get(&r->form, "text"), &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/incidents/%lld", (long long)id);
	return web_redirect(r, loc);
}

/* attachment; filename="ascii"; filename*=UTF-8''pct */
static void disposition(struct web_req *r, const char *ascii, const char *utf8)
{
	web_inc_disposition(r, ascii, utf8);
}

void web_inc_disposition(struct web_req *r, const char *ascii, const char *utf8)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = (size_t)snprintf(r->disposition, sizeof(r->disposition),
				    "attachment; filename=\"%s\"; filename*=UTF-8''", ascii);
	for (const unsigned char *p = (const unsigned char *)utf8;
	     *p && n + 4 < sizeof(r->disposition); p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_')
			r->disposition[n++] = (char)*p;
		else {
			r->disposition[n++] = '%';
			r->disposition[n++] = hex[*p >> 4];
			r->disposition[n++] = hex[*p & 15];
		}
	}
	r->disposition[n] = '\0';
}

int web_get_incident_stix(struct web_req *r)
{
	const char *tlp = web_kv_get(&r->query, "tlp");
	struct web_inc w;
	cJSON *b = NULL;
	char name[64];
	char *s;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = inc_stix(&w.c, id, &w.v, tlp && tlp[0] ? tlp : "amber", &b, &r->err)))
		return rc;
	s = cJSON_Print(b);
	cJSON_Delete(b);
	if (!s)
		return M_ENOMEM;
	buf_reset(&r->out);
	rc = buf_adds(&r->out, s);
	cJSON_free(s);
	r->ctype = "application/stix+json;version=2.1";
	snprintf(name, sizeof(name), "incident-%lld.stix.json", (long long)id);
	disposition(r, name, name);
	return rc;
}

int web_get_incident_attachment(struct web_req *r)
{
	struct web_inc w;
	char *name = NULL, ascii[64], sha[65];
	void *data = NULL;
	size_t len = 0;
	int64_t id, aid;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_id(r, "n", &aid)) ||
	    (rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = inc_attach_get(&w.c, id, aid, &w.v, &name, &data, &len, sha, &r->err)))
		return rc;
	buf_reset(&r->out);
	rc = buf_add(&r->out, data, len);
	/* never rendered inline: an opaque type, a download, nosniff (server-wide) */
	r->ctype = "application/octet-stream";
	snprintf(ascii, sizeof(ascii), "attachment-%lld.bin", (long long)aid);
	disposition(r, ascii, name);
	m_free(name);
	m_free(data);
	return rc;
}

/* ---------------------------------------------------------------- cases */

static const char *state_label(struct web_req *r, const char *st)
{
	const char *name = r->lang == WEB_LANG_EN ? case_state_en(st) : case_state_ja(st);
	return name ? name : st;
}

/* A case's SLA state (case.c's sla_state) in r's language. */
static const char *sla_label(const struct web_req *r, const char *st)
{
	static const char *const names[][3] = {{"met", "期限内に対応", "met in time"},
					       {"missed", "期限後に対応", "met late"},
					       {"overdue", "期限超過", "overdue"},
					       {"pending", "期限前", "pending"}};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(st, names[i][0]))
			return names[i][r->lang == WEB_LANG_EN ? 2 : 1];
	return st;
}

int web_page_cases(struct web_req *r)
{
	const char *state = web_kv_get(&r->query, "state");
	struct web_inc w;
	cJSON *arr = NULL, *it;
	int rc;

	if ((rc = web_inc_open(r, &w, false)))
		return rc;
	if (state && state[0] && !case_state_ja(state))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "state", "unknown state");
	struct case_filter cf = {w.v.org, state && state[0] ? state : NULL, 0, 200};
	if ((rc = web_inc_before(r, &cf.before)) || (rc = case_list(&w.c, &cf, &arr, &r->err)))
		return rc;
	web_page_begin(r, M_CASES);
	if (r->who.role == AUTH_ROLE_OPERATOR) {
		web_out(r, "<h2>%s</h2><form method=\"post\" action=\"/cases\" id=\"case-form\">",
			L(r, "支援・相談を依頼する", "Ask for support"));
		web_csrf_field(r);
		web_out(r,
			"<p><label>%s <select name=\"kind\" id=\"c-kind\"><option value=\"rush\">"
			"%s</option><option value=\"consult\">%s</option></select>"
			"</label></p><p><label>%s <input name=\"title\" id=\"c-title\" size=\"60\">"
			"</label></p><p><label>%s<br><textarea name=\"message\" id=\"c-message\" "
			"rows=\"4\" cols=\"70\"></textarea></label></p><button type=\"submit\">%s"
			"</button></form>",
			L(r, "種別", "Kind"), L(r, "駆けつけ支援", "On-site support"),
			L(r, "相談窓口", "Consultation"), L(r, "件名", "Title"),
			L(r, "内容", "Message"), L(r, "依頼する", "Send"));
	}
	web_out(r,
		"<table id=\"cases\"><tr><th>ID</th><th>%T</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>",
		M_ORG, L(r, "種別", "Kind"), L(r, "状態", "State"), L(r, "担当", "Assignee"),
		L(r, "初回応答期限", "First response due"), L(r, "件名", "Title"));
	cJSON_ArrayForEach(it, arr)
	{
		int64_t id = (int64_t)cJSON_GetObjectItem(it, "id")->valuedouble;
		const cJSON *sla = cJSON_GetObjectItem(it, "sla");
		web_out(r,
			"<tr><td><a href=\"/cases/%L\">%L</a></td><td>%s</td><td>%s</td><td>%s</td>"
			"<td>%s</td><td class=\"%s\">%s</td><td><a href=\"/cases/%L\" "
			"data-stored>%s</a></td>"
			"</tr>",
			id, id, js(it, "org"), jl(r, it, "kind_ja", "kind_en"),
			state_label(r, js(it, "state")), js(it, "assignee"),
			!strcmp(js(sla, "first_response"), "overdue") ? "warn" : "",
			web_jst(r, jtime(sla, "first_response_due")), id, js(it, "title"));
	}
	web_out(r, "</table>");
	cJSON_Delete(arr);
	web_page_end(r);
	return 0;
}

int web_post_cases(struct web_req *r)
{
	struct case_open o = {0};
	struct web_inc w;
	char loc[64];
	int64_t id;
	int rc;

	if ((rc = web_inc_open(r, &w, false)))
		return rc;
	o.org = r->who.org_slug;
	o.kind = web_kv_get(&r->form, "kind");
	o.title = web_kv_get(&r->form, "title");
	o.message = opt_text(r, "message");
	if ((rc = case_open(&w.c, &o, &id, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/cases/%lld", (long long)id);
	return web_redirect(r, loc);
}

int web_page_case(struct web_req *r)
{
	struct web_inc w;
	cJSON *o = NULL, *it, *sla;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = case_show(&w.c, id, w.v.org, w.v.internal, &o, &r->err)))
		return rc;
	sla = cJSON_GetObjectItem(o, "sla");
	web_page_begin(r, M_CASE);
	web_out(r,
		"<h2 id=\"case-title\">#%L %s — <span data-stored>%s</span></h2><dl "
		"class=\"facts\"><dt>%T</dt><dd>%s</dd>"
		"<dt>%s</dt><dd id=\"case-state\">%s</dd><dt>%s</dt><dd>%s</dd><dt>%s</dt>"
		"<dd>%s (%s)</dd><dt>%s</dt><dd>%s (%s)</dd></dl>",
		id, jl(r, o, "kind_ja", "kind_en"), js(o, "title"), M_ORG, js(o, "org"),
		L(r, "状態", "State"), state_label(r, js(o, "state")), L(r, "担当", "Assignee"),
		js(o, "assignee"), L(r, "初回応答期限", "First response due"),
		web_jst(r, jtime(sla, "first_response_due")),
		sla_label(r, js(sla, "first_response")), L(r, "解決期限", "Resolution due"),
		web_jst(r, jtime(sla, "resolution_due")), sla_label(r, js(sla, "resolution")));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(o, "links"))) {
		web_out(r, "<p>%s:", L(r, "関連", "Links"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "links"))
		{
			if (!strcmp(js(it, "kind"), "incident"))
				web_out(r, " <a href=\"/incidents/%u\">%s %s</a>", js(it, "ref"),
					L(r, "インシデント", "incident"), js(it, "ref"));
			else
				web_out(r, " %s %s", js(it, "kind"), js(it, "ref"));
		}
		web_out(r, "</p>");
	}
	timeline_html(r, o);
	web_out(r, "<form method=\"post\" action=\"/cases/%L/messages\" id=\"case-reply\">", id);
	web_csrf_field(r);
	web_out(r,
		"<p><label for=\"cmsg\">%s</label><br><textarea id=\"cmsg\" name=\"text\" "
		"rows=\"3\" cols=\"70\"></textarea></p><button type=\"submit\">%s</button></form>",
		L(r, "メッセージ（事業者と共有）", "Message (shared with the operator)"),
		L(r, "送信", "Send"));
	if (r->who.role == AUTH_ROLE_ANALYST) {
		web_out(r,
			"<h2>%s</h2><form method=\"post\" action=\"/cases/%L/update\" "
			"id=\"case-update\">",
			L(r, "対応（分析者のみ）", "Handling (analysts)"), id);
		web_csrf_field(r);
		web_out(r,
			"<p><label>%s <select name=\"state\" id=\"u-state\"><option value=\"\">—"
			"</option>",
			L(r, "状態", "State"));
		static const char *const sts[] = {"received", "in_progress", "answered", "closed"};
		for (size_t i = 0; i < ARRAY_SIZE(sts); i++)
			web_out(r, "<option value=\"%s\">%s</option>", sts[i],
				state_label(r, sts[i]));
		web_out(r,
			"</select></label> <label>%s <input name=\"assignee\" id=\"u-assignee\">"
			"</label></p><p><label>%s<br><textarea name=\"note\" id=\"u-note\" "
			"rows=\"2\" cols=\"70\"></textarea></label></p><p><label>%s <input "
			"name=\"link\" id=\"u-link\" placeholder=\"incident:1\"></label></p>"
			"<button type=\"submit\">%s</button></form>",
			L(r, "担当", "Assignee"),
			L(r, "内部メモ（事業者には見えません）",
			  "Internal note (never shown to the operator)"),
			L(r, "関連付け", "Link"), L(r, "更新", "Update"));
	}
	cJSON_Delete(o);
	web_page_end(r);
	return 0;
}

int web_post_case_message(struct web_req *r)
{
	struct case_update u = {0};
	struct web_inc w;
	char loc[64];
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	u.org = w.v.org;
	u.message = web_kv_get(&r->form, "text");
	if (!u.message || !u.message[0])
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "text", "empty message");
	if ((rc = case_update(&w.c, id, &u, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/cases/%lld", (long long)id);
	return web_redirect(r, loc);
}

int web_post_case_update(struct web_req *r)
{
	struct case_update u = {0};
	struct web_inc w;
	char loc[64], kind[32] = "";
	const char *link = opt_text(r, "link");
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	u.state = opt_text(r, "state");
	u.assignee = opt_text(r, "assignee");
	u.note = opt_text(r, "note");
	u.message = opt_text(r, "message");
	if (link) {
		const char *c = strchr(link, ':');
		if (!c || (size_t)(c - link) >= sizeof(kind) || !c[1])
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "link", "KIND:REF");
		memcpy(kind, link, (size_t)(c - link));
		kind[c - link] = '\0';
		u.link_kind = kind;
		u.link_ref = c + 1;
	}
	if ((rc = case_update(&w.c, id, &u, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/cases/%lld", (long long)id);
	return web_redirect(r, loc);
}
