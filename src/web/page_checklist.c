/* page_checklist.c - the self-assessment checklist in the console: the operator answers per
 * section (each section's form saves the draft: a form stays under WEB_KV_MAX pairs), then
 * submits; the page shows the score, advice and 要確認 items with their findings. Bureau
 * users and analysts see the sector comparison, never another operator's answers. Every
 * value goes through the one escaper (web_out). Library calls only: src/checklist. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

#include "base/bi.h"
#include "base/mem.h"
#include "checklist/checklist.h"
#include "inventory/inventory.h"
#include "report/report.h"
#include "web/page_checklist.h"
#include "web/web_int.h"

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_JA ? ja : en;
}

/* The separator of "a ／ b" in the reader's language. */
static const char *SEP(const struct web_req *r)
{
	return L(r, "／", "/");
}

/* A "field: 日本語 / English" error in the reader's language: the English half keeps the
 * ASCII "field: ITEM: " prefix the Japanese one starts with. */
static const char *err_half(struct web_req *r, const char *msg)
{
	size_t cap = strlen(msg) + 1, pre = 0;
	char *half = web_arena_alloc(&r->arena, cap), *out;
	const char *h;

	if (!half)
		return msg;
	h = bi_half(msg, r->lang == WEB_LANG_EN, half, cap);
	if (r->lang == WEB_LANG_JA || h == msg)
		return h;
	for (size_t i = 0; msg[i] && (unsigned char)msg[i] < 0x80; i++)
		if (msg[i] == ':' && msg[i + 1] == ' ')
			pre = i + 2;
	out = web_arena_alloc(&r->arena, pre + strlen(h) + 1);
	if (!out)
		return h;
	snprintf(out, pre + strlen(h) + 1, "%.*s%s", (int)pre, msg, h);
	return out;
}

static const char *js(const cJSON *o, const char *k)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
	return v ? v : "";
}

static double jn(const cJSON *o, const char *k)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(o, k));
}

/* v with one decimal, in the request's arena (web_out has no %f). */
static const char *f1(struct web_req *r, double v)
{
	char *out = web_arena_alloc(&r->arena, 24);

	if (!out)
		return "";
	snprintf(out, 24, "%.1f", v);
	return out;
}

/* A size class and a business type in the reader's language. */
static const char *size_label(const struct web_req *r, const char *sz)
{
	if (!strcmp(sz, "large"))
		return L(r, "大規模", "large");
	if (!strcmp(sz, "medium"))
		return L(r, "中規模", "medium");
	if (!strcmp(sz, "small"))
		return L(r, "小規模", "small");
	return sz;
}

static const char *bt_label(const struct web_req *r, const char *bt)
{
	size_t n;
	const struct cl_btype *t = cl_btypes(&n);
	int i = cl_btype_index(bt);

	return i < 0 ? bt : r->lang == WEB_LANG_JA ? t[i].ja : t[i].en;
}

static const char *score_s(struct web_req *r, const cJSON *part)
{
	const cJSON *s = cJSON_GetObjectItem(part, "score");
	char *out = web_arena_alloc(&r->arena, 16);

	if (!out)
		return "—";
	if (cJSON_IsNumber(s))
		snprintf(out, 16, "%.1f", s->valuedouble);
	else
		snprintf(out, 16, "—");
	return out;
}

/* The org named by {org} among the caller's rows: slug, business type, size. */
static int org_of(struct web_req *r, char slug[128], char name[256], char bt[32], char sz[16])
{
	struct inv_doc *d = NULL;
	int rc = web_org_load(r, 0, &d);

	if (rc)
		return rc;
	snprintf(slug, 128, "%s", d->orgs[0].slug);
	snprintf(name, 256, "%s",
		 r->lang == WEB_LANG_EN && d->orgs[0].name_en && *d->orgs[0].name_en
		     ? d->orgs[0].name_en
		 : d->orgs[0].name_ja ? d->orgs[0].name_ja
				      : d->orgs[0].slug);
	snprintf(bt, 32, "%s", d->orgs[0].business_type ? d->orgs[0].business_type : "");
	snprintf(sz, 16, "%s", d->orgs[0].size_class ? d->orgs[0].size_class : "");
	inv_doc_free(d);
	return 0;
}

/* ---------------------------------------------------------------- result */

static void result_section(struct web_req *r, const char *slug, const cJSON *res)
{
	const cJSON *x;
	bool done = cJSON_IsTrue(cJSON_GetObjectItem(res, "basic_done"));

	web_out(r, "<section id=\"cl-result\"><h2>%s</h2>", L(r, "点検結果", "Result"));
	web_out(r,
		"<p id=\"cl-score\" class=\"big\">%s <b>%s</b> %s %s <b>%s</b> %s %s <b>%s</b></p>",
		L(r, "総合", "Total"), score_s(r, cJSON_GetObjectItem(res, "total")), SEP(r),
		L(r, "基本", "Basic"),
		score_s(r, cJSON_GetObjectItem(cJSON_GetObjectItem(res, "tiers"), "basic")), SEP(r),
		L(r, "発展", "Advanced"),
		score_s(r, cJSON_GetObjectItem(cJSON_GetObjectItem(res, "tiers"), "advanced")));
	int ncon = cJSON_GetArraySize(cJSON_GetObjectItem(res, "contradictions"));
	int nbasic = (int)jn(res, "basic_contradicted");

	if (ncon > 0)
		web_out(r, "<p id=\"cl-self\" class=\"warn\">%s %d %s</p>",
			L(r, "点数は回答どおりの自己申告です。観測と矛盾する回答 (要確認)",
			  "The scores follow the answers as given. Answers contradicted by "
			  "observations (needs confirmation):"),
			ncon, L(r, "件を含みます。", "included."));
	if (done)
		web_out(r, "<p id=\"cl-basic-done\" class=\"ok\">%s</p>",
			L(r, "基本項目はすべて実施済みです", "All basic items are done"));
	else if (nbasic > 0)
		web_out(r, "<p id=\"cl-basic-done\" class=\"warn\">%s %d %s</p>",
			L(r, "基本項目は完了と見なしません: 実施済みと回答された基本項目のうち",
			  "Basic items are not counted as done:"),
			nbasic,
			L(r, "件が観測と矛盾しています (要確認)。",
			  "answered done contradict what mamori observed (needs confirmation)."));
	else
		web_out(r, "<p id=\"cl-basic-done\" class=\"warn\">%s</p>",
			L(r, "未実施の基本項目があります", "Basic items remain open"));
	web_out(r,
		"<p><a id=\"cl-sheet-pdf\" href=\"/orgs/%u/checklist/sheet.pdf\">%s (PDF)</a> · "
		"<a id=\"cl-sheet-html\" href=\"/orgs/%u/checklist/sheet.html\">HTML</a></p>",
		slug, L(r, "結果票", "Result sheet"), slug);
	web_out(r,
		"<table class=\"list\" id=\"cl-sections\"><thead><tr><th>%s</th><th>%s</th>"
		"<th>%s</th></tr></thead><tbody>",
		L(r, "分野", "Section"), L(r, "点数", "Score"),
		L(r, "実施 / 項目", "Done / items"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(res, "sections"))
	    web_out(r, "<tr><td>%s</td><td>%s</td><td>%L / %L</td></tr>",
		    r->lang == WEB_LANG_JA ? js(x, "ja") : js(x, "en"), score_s(r, x),
		    (int64_t)jn(x, "done"), (int64_t)jn(x, "items"));
	web_out(r, "</tbody></table>");
	web_out(r, "<h3>%s</h3><ul id=\"cl-confirm\">",
		L(r, "要確認（観測結果と矛盾する回答）",
		  "Needs confirmation: answers contradicted by observations"));
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(res, "contradictions")))
		web_out(r, "<li class=\"muted\">%s</li>", L(r, "ありません", "none"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(res, "contradictions"))
	{
		const cJSON *f;
		web_out(r, "<li class=\"confirm\" data-item=\"%s\"><b>%s %s</b> %s<ul>",
			js(x, "item"), L(r, "要確認", "Needs confirmation:"), js(x, "item"),
			r->lang == WEB_LANG_JA ? js(x, "text_ja") : js(x, "text_en"));
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(x, "findings"))
		{
			char half[512], ab[320];
			web_out(r, "<li><a href=\"/findings/%L\">#%L</a> %s (%s)</li>",
				(int64_t)jn(f, "finding"), (int64_t)jn(f, "finding"),
				bi_half(js(f, "title"), r->lang == WEB_LANG_EN, half, sizeof half),
				web_asset_name(r->lang, js(f, "asset"), ab, sizeof ab));
		}
		web_out(r, "</ul><p class=\"guide\">%s</p></li>",
			r->lang == WEB_LANG_JA ? js(x, "guidance_ja") : js(x, "guidance_en"));
	}
	web_out(r, "</ul><h3>%s</h3><ol id=\"cl-advice\">", L(r, "改善の助言", "Advice"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(res, "advice")) web_out(
	    r, "<li data-item=\"%s\"><b>%s</b> [%s] %s — %s<p class=\"guide\">%s</p></li>",
	    js(x, "item"), js(x, "item"),
	    strcmp(js(x, "tier"), "basic") ? L(r, "発展", "advanced") : L(r, "基本", "basic"),
	    r->lang == WEB_LANG_JA ? js(x, "text_ja") : js(x, "text_en"),
	    r->lang == WEB_LANG_JA ? js(x, "answer_ja") : js(x, "answer_en"),
	    r->lang == WEB_LANG_JA ? js(x, "guidance_ja") : js(x, "guidance_en"));
	web_out(r, "</ol></section>");
}

/* ---------------------------------------------------------------- form */

static const enum cl_answer choices[] = {CL_DONE, CL_PARTIAL, CL_NOT_DONE, CL_UNKNOWN, CL_NA};

static void form_sections(struct web_req *r, const char *slug, const struct cl_catalogue *c,
			  const char *bt, const char *sz, const struct cl_answers *a)
{
	for (size_t s = 0; s < c->n_sec; s++) {
		bool any = false;
		for (size_t i = 0; i < c->n_items && !any; i++)
			any = c->items[i].section == s && cl_item_applies(&c->items[i], bt, sz);
		if (!any)
			continue;
		web_out(r,
			"<form method=\"post\" action=\"/orgs/%u/checklist\" class=\"cl-section\" "
			"data-section=\"%s\"><h3>%s</h3>",
			slug, c->sec[s].id, r->lang == WEB_LANG_JA ? c->sec[s].ja : c->sec[s].en);
		web_csrf_field(r);
		web_out(r, "<input type=\"hidden\" name=\"section\" value=\"%s\">", c->sec[s].id);
		for (size_t i = 0; i < c->n_items; i++) {
			const struct cl_item *it = &c->items[i];
			const struct cl_answer_row *ar;
			if (it->section != s || !cl_item_applies(it, bt, sz))
				continue;
			ar = a ? cl_answers_find(a, it->id) : NULL;
			web_out(r,
				"<fieldset class=\"cl-item\" data-item=\"%s\"><legend><b>%s</b> "
				"<span class=\"tier %s\">%s</span> %s</legend>",
				it->id, it->id, it->tier == CL_BASIC ? "basic" : "advanced",
				it->tier == CL_BASIC ? L(r, "基本", "basic")
						     : L(r, "発展", "advanced"),
				r->lang == WEB_LANG_JA ? it->text_ja : it->text_en);
			for (size_t k = 0; k < ARRAY_SIZE(choices); k++)
				web_out(
				    r,
				    "<label><input type=\"radio\" name=\"a_%s\" value=\"%s\"%R> "
				    "%s</label> ",
				    it->id, cl_answer_code(choices[k]),
				    ar && ar->answer == choices[k] ? " checked" : "",
				    r->lang == WEB_LANG_JA ? cl_answer_ja(choices[k])
							   : cl_answer_en(choices[k]));
			web_out(
			    r,
			    "<input type=\"text\" name=\"c_%s\" maxlength=\"%d\" value=\"%s\" "
			    "placeholder=\"%s\"><details><summary>%s</summary><p>%s</p></details>"
			    "</fieldset>",
			    it->id, CL_COMMENT_MAX / 3, ar && ar->comment ? ar->comment : "",
			    L(r, "コメント（該当しないときは理由）",
			      "comment (the reason for n/a)"),
			    L(r, "対策の手引き", "guidance"),
			    r->lang == WEB_LANG_JA ? it->guide_ja : it->guide_en);
		}
		web_out(
		    r,
		    "<button type=\"submit\" name=\"action\" value=\"draft\" class=\"save-draft\">"
		    "%s</button></form>",
		    L(r, "この分野を下書き保存", "Save this section as draft"));
	}
}

static void page(struct web_req *r, const char *slug, const char *name, const char *bt,
		 const char *sz, const char *error)
{
	const struct cl_catalogue *c = NULL;
	struct cl_set draft, sub;
	bool has_draft, has_sub;
	cJSON *res = NULL;
	struct merr e;

	merr_init(&e);
	has_draft = cl_set_load(r->s, slug, -1, &draft, &e) == 0;
	has_sub = cl_set_load(r->s, slug, 0, &sub, &e) == 0;
	web_page_begin_text(r, L(r, "自己点検チェックリスト", "Self-assessment checklist"), NULL);
	web_out(r, "<h2 id=\"cl-title\">%s — %s</h2><p class=\"muted\">%s %s %s %s %s</p>",
		L(r, "自己点検チェックリスト", "Self-assessment checklist"), name,
		L(r, "業種", "business type"), bt_label(r, bt), SEP(r), L(r, "規模", "size"),
		size_label(r, sz));
	if (error)
		web_out(r, "<p class=\"error\" id=\"cl-error\" role=\"alert\">%s</p>",
			err_half(r, error));
	if (has_sub && cl_result_json(r->s, slug, 0, r->now, &res, &e) == 0) {
		result_section(r, slug, res);
		cJSON_Delete(res);
	} else {
		web_out(r, "<p id=\"cl-none\">%s</p>",
			L(r, "まだ提出された回答はありません。", "No answers submitted yet."));
	}
	if (r->who.role == AUTH_ROLE_OPERATOR) {
		const char *ver = has_draft ? draft.version : NULL;
		if (cl_catalogue_get(NULL, ver, &c, &e) == 0) {
			web_out(r, "<section id=\"cl-form\"><h2>%s <small>%s %s</small></h2>",
				L(r, "回答する", "Answer"), L(r, "カタログ", "catalogue"),
				c->version);
			if (has_draft)
				web_out(r, "<p id=\"cl-draft\">%s #%L（%s）</p>",
					L(r, "下書きがあります", "Draft saved"), draft.id,
					web_jst(r, draft.created_at));
			form_sections(r, slug, c, bt[0] ? bt : NULL, sz[0] ? sz : NULL,
				      has_draft					    ? &draft.a
				      : has_sub && !strcmp(sub.version, c->version) ? &sub.a
										    : NULL);
			web_out(r,
				"<form method=\"post\" action=\"/orgs/%u/checklist\" "
				"id=\"cl-submit-form\">",
				slug);
			web_csrf_field(r);
			web_out(r,
				"<button type=\"submit\" name=\"action\" value=\"submit\" "
				"id=\"cl-submit\"%R>"
				"%s</button></form></section>",
				has_draft ? "" : " disabled",
				L(r, "下書きを提出する", "Submit the draft"));
		}
	}
	if (has_draft)
		cl_set_release(&draft);
	if (has_sub)
		cl_set_release(&sub);
	web_page_end(r);
}

int web_page_checklist(struct web_req *r)
{
	char slug[128], name[256], bt[32], sz[16];
	int rc = org_of(r, slug, name, bt, sz);

	if (rc)
		return rc;
	page(r, slug, name, bt, sz, NULL);
	return 0;
}

/* The draft after this section's form: the other sections' answers of the draft (or of the
 * newest submitted set of the same version), this section's as posted. */
static int merged(struct web_req *r, const char *slug, const struct cl_catalogue *c,
		  const char *section, const char *bt, const char *sz, struct cl_answers *out)
{
	struct cl_set base;
	bool have;
	struct merr e;
	size_t sec;
	int rc = 0;

	for (sec = 0; sec < c->n_sec && strcmp(c->sec[sec].id, section); sec++)
		;
	if (sec == c->n_sec)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "section", "unknown section");
	merr_init(&e);
	have = cl_set_load(r->s, slug, -1, &base, &e) == 0;
	if (!have && cl_set_load(r->s, slug, 0, &base, &e) == 0) {
		have = strcmp(base.version, c->version) == 0;
		if (!have)
			cl_set_release(&base);
	}
	cl_answers_init(out);
	if (!(out->version = m_strdup(c->version)))
		rc = M_ENOMEM;
	for (size_t i = 0; have && rc == 0 && i < base.a.n; i++) {
		const struct cl_item *it = cl_item_find(c, base.a.v[i].item);
		if (it && it->section != sec)
			rc = cl_answers_add(out, base.a.v[i].item, base.a.v[i].answer,
					    base.a.v[i].comment, 0);
	}
	if (have)
		cl_set_release(&base);
	for (size_t i = 0; rc == 0 && i < c->n_items; i++) {
		const struct cl_item *it = &c->items[i];
		char ka[48], kc[48];
		const char *v, *cm;
		enum cl_answer a;
		if (it->section != sec || !cl_item_applies(it, bt, sz))
			continue;
		snprintf(ka, sizeof(ka), "a_%s", it->id);
		snprintf(kc, sizeof(kc), "c_%s", it->id);
		v = web_kv_get(&r->form, ka);
		cm = web_kv_get(&r->form, kc);
		if (!v || !*v)
			continue; /* not answered yet: a draft may leave it open */
		if (cl_answer_parse(v, &a))
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, ka, "%s: invalid answer",
				       it->id);
		if (cm && strlen(cm) > CL_COMMENT_MAX)
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, kc,
				       "%s: コメントが長すぎます / comment too long", it->id);
		if (a == CL_NA && (!cm || !*cm))
			return merr_at(
			    &r->err, M_EPARSE, NULL, -1, -1, kc,
			    "%s: 該当しない場合は理由をコメントに書いてください / n/a needs a "
			    "reason",
			    it->id);
		rc = cl_answers_add(out, it->id, a, cm, 0);
	}
	return rc;
}

int web_post_checklist(struct web_req *r)
{
	char slug[128], name[256], bt[32], sz[16], msg[700], where[192];
	const char *action = web_kv_get(&r->form, "action"), *section;
	const struct cl_catalogue *c;
	struct cl_set draft;
	struct cl_answers a;
	int rc = org_of(r, slug, name, bt, sz);

	cl_answers_init(&a);
	if (rc)
		return rc;
	if (action && strcmp(action, "submit") == 0) {
		rc = cl_submit_draft(r->s, slug, r->who.name, r->now, NULL, &r->err);
	} else if (action && strcmp(action, "draft") == 0 &&
		   (section = web_kv_get(&r->form, "section"))) {
		bool has_draft = cl_set_load(r->s, slug, -1, &draft, NULL) == 0;
		rc = cl_catalogue_get(NULL, has_draft ? draft.version : NULL, &c, &r->err);
		if (has_draft)
			cl_set_release(&draft);
		if (rc == 0)
			rc = merged(r, slug, c, section, bt[0] ? bt : NULL, sz[0] ? sz : NULL, &a);
		if (rc == 0)
			rc = cl_save(r->s, slug, &a, false, r->who.name, r->now, NULL, &r->err);
		cl_answers_release(&a);
	} else {
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "action",
			       "action: draft or submit");
	}
	if (rc == M_EPARSE || rc == M_ENOTFOUND) {
		/* the form again with the reason; 400 rolls the request's transaction back */
		merr_format(&r->err, msg, sizeof(msg));
		buf_reset(&r->out);
		r->status = 400;
		page(r, slug, name, bt, sz, msg);
		return 0;
	}
	if (rc)
		return rc;
	cl_sector_cache_clear();
	snprintf(where, sizeof(where), "/orgs/%s/checklist", slug);
	return web_redirect(r, where);
}

/* ---------------------------------------------------------------- sheet, API */

int web_get_checklist_sheet(struct web_req *r)
{
	char slug[128], name[256], bt[32], sz[16], dir[] = "/tmp/mamori-sheet-XXXXXX", base[1024],
						   path[1100];
	const char *file = web_kv_get(&r->params, "file");
	bool pdf;
	struct merr e;
	int rc = org_of(r, slug, name, bt, sz);

	if (rc)
		return rc;
	if (!file || (strcmp(file, "sheet.pdf") && strcmp(file, "sheet.html")))
		return M_ENOTFOUND;
	pdf = strcmp(file, "sheet.pdf") == 0;
	if (!mkdtemp(dir))
		return merr_set(&r->err, M_EIO, "temporary folder");
	merr_init(&e);
	rc = cl_sheet_lang(r->s, slug, 0, dir, r->now, r->lang == WEB_LANG_EN, base, sizeof(base),
			   &r->err);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s.%s", base, pdf ? "pdf" : "html");
		buf_reset(&r->out);
		rc = buf_read_file(&r->out, path, &e);
	}
	if (rc == 0 || rc != M_ENOTFOUND) { /* remove what cl_sheet wrote */
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
				unlink(path);
			}
		if (d)
			closedir(d);
	}
	rmdir(dir);
	if (rc)
		return rc;
	r->ctype = pdf ? "application/pdf" : "text/html; charset=utf-8";
	snprintf(r->disposition, sizeof(r->disposition), "%s; filename=\"checklist-%s.%s\"",
		 pdf ? "attachment" : "inline", slug, pdf ? "pdf" : "html");
	return 0;
}

int web_api_checklist(struct web_req *r)
{
	char slug[128], name[256], bt[32], sz[16];
	cJSON *o = NULL;
	int rc = org_of(r, slug, name, bt, sz);

	if (rc)
		return rc;
	if ((rc = cl_result_json(r->s, slug, 0, r->now, &o, &r->err)))
		return rc;
	return web_json_reply(r, 200, o);
}

/* ---------------------------------------------------------------- sector comparison */

static const char *only_sector(const struct web_req *r)
{
	return r->who.role == AUTH_ROLE_BUREAU ? r->who.sector : NULL;
}

static int sector_get(struct web_req *r, const cJSON **o, struct cl_sector_ref **ref)
{
	const char *what = web_kv_get(&r->query, "what");

	if (r->who.role == AUTH_ROLE_BUREAU && !r->who.sector[0])
		return M_ENOTFOUND;
	if (what && !*what)
		what = NULL;
	/* a bureau user sees its own sector unless it names a business type within it */
	if (!what && r->who.role == AUTH_ROLE_BUREAU)
		what = r->who.sector;
	return cl_sector_get(r->s, what, only_sector(r), r->now, o, ref, &r->err);
}

int web_api_checklist_sector(struct web_req *r)
{
	const cJSON *o = NULL;
	struct cl_sector_ref *ref = NULL;
	const char *text;
	size_t len = 0;
	int rc = sector_get(r, &o, &ref);

	if (rc)
		return rc;
	text = cl_sector_text(ref, &len);
	buf_reset(&r->out);
	rc = !text ? M_ENOMEM : buf_add(&r->out, text, len) ? M_ENOMEM : buf_addc(&r->out, '\n');
	cl_sector_put(ref);
	if (rc)
		return rc;
	r->ctype = "application/json; charset=utf-8";
	return 0;
}

/* The comparison's part of the page, rendered once per (comparison and its generation,
 * language, group asked for): the bureau page is then a copy between the frame's header and
 * footer. Entries are replaced round robin; a new generation makes new keys. */
static pthread_mutex_t frag_mu = PTHREAD_MUTEX_INITIALIZER;
static struct frag {
	char key[320];
	char *html;
	size_t len;
} frags[32];
static size_t frag_next;

static bool frag_get(struct web_req *r, const char *key)
{
	bool hit = false;

	pthread_mutex_lock(&frag_mu);
	for (size_t i = 0; i < ARRAY_SIZE(frags) && !hit; i++)
		if (frags[i].html && !strcmp(frags[i].key, key))
			hit = buf_add(&r->out, frags[i].html, frags[i].len) == 0;
	pthread_mutex_unlock(&frag_mu);
	return hit;
}

static void frag_put(const char *key, const char *html, size_t len)
{
	char *c = m_malloc(len ? len : 1);
	struct frag *f;

	if (!c)
		return;
	memcpy(c, html, len);
	pthread_mutex_lock(&frag_mu);
	f = &frags[frag_next++ % ARRAY_SIZE(frags)];
	m_free(f->html);
	snprintf(f->key, sizeof(f->key), "%s", key);
	f->html = c;
	f->len = len;
	pthread_mutex_unlock(&frag_mu);
}

static void group_row(struct web_req *r, const cJSON *g, bool total)
{
	const cJSON *q;
	web_out(r, "<tr class=\"%s\" data-shown=\"%s\"><td>%s %s</td>", total ? "total" : "group",
		cJSON_IsTrue(cJSON_GetObjectItem(g, "shown")) ? "1" : "0",
		bt_label(r, js(g, "business_type")),
		total ? L(r, "（計）", "(all sizes)") : size_label(r, js(g, "size")));
	cJSON_ArrayForEach(q, cJSON_GetObjectItem(g, "quarters"))
	{
		if (cJSON_IsTrue(cJSON_GetObjectItem(q, "shown")))
			web_out(r,
				"<td class=\"num\" data-n=\"%L\">%s <small>(n=%L, %s "
				"%s%%)</small></td>",
				(int64_t)jn(q, "operators"), f1(r, jn(q, "mean_total")),
				(int64_t)jn(q, "operators"), L(r, "基本達成", "basic done"),
				f1(r, jn(q, "basic_done_rate")));
		else
			web_out(r, "<td class=\"withheld\">%s</td>",
				L(r, "非表示（5事業者未満）", "withheld (< 5)"));
	}
	web_out(r, "</tr>");
}

int web_page_checklist_sector(struct web_req *r)
{
	const char *gbt = web_kv_get(&r->query, "bt"), *gsz = web_kv_get(&r->query, "size");
	const struct cl_catalogue *cat = NULL;
	const cJSON *o = NULL, *g, *q;
	struct cl_sector_ref *ref = NULL;
	int rc = sector_get(r, &o, &ref);

	char key[320], rk[200];
	size_t mark;

	if (rc)
		return rc;
	web_page_begin(r, M_SECTOR);
	snprintf(key, sizeof(key), "%s|%d|%s|%s", cl_sector_ref_key(ref, rk, sizeof(rk)),
		 (int)r->lang, gbt ? gbt : "", gsz ? gsz : "");
	if (frag_get(r, key)) {
		cl_sector_put(ref);
		web_page_end(r);
		return 0;
	}
	mark = r->out.len;
	if (cl_catalogue_get(NULL, js(o, "catalogue"), &cat, NULL))
		cat = NULL;
	web_out(r, "<h2 id=\"cl-sector-title\">%s</h2><p class=\"muted\">%s %s %s %s %s %s %s</p>",
		L(r, "自己点検チェックリスト 業界比較", "Self-assessment: sector comparison"),
		L(r, "対象", "scope"), js(o, "what")[0] ? js(o, "what") : L(r, "全体", "all"),
		SEP(r), L(r, "カタログ", "catalogue"), js(o, "catalogue"), SEP(r),
		L(r, "5事業者未満の集団は表示しません。個別の回答は表示しません。",
		  "Groups under 5 operators are withheld; no operator's answers are shown."));
	web_out(r, "<table class=\"list\" id=\"cl-groups\"><thead><tr><th>%s</th>",
		L(r, "業種・規模", "business type, size"));
	cJSON_ArrayForEach(q, cJSON_GetObjectItem(o, "quarters"))
	    web_out(r, "<th>%s</th>", cJSON_GetStringValue(q));
	web_out(r, "</tr></thead><tbody>");
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(o, "business_types")) group_row(r, g, true);
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(o, "groups"))
	{
		group_row(r, g, false);
	}
	web_out(r, "</tbody></table><p>");
	cJSON_ArrayForEach(
	    g, cJSON_GetObjectItem(o, "groups")) if (cJSON_IsTrue(cJSON_GetObjectItem(g, "shown")))
	    web_out(r,
		    "<a class=\"cl-group-link\" href=\"/checklist/sector?bt=%u&amp;size=%u\">%s "
		    "%s</a> ",
		    js(g, "business_type"), js(g, "size"), bt_label(r, js(g, "business_type")),
		    size_label(r, js(g, "size")));
	web_out(r, "</p>");
	/* per-item 実施率 of one shown group */
	if (gbt && gsz)
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(o, "groups"))
		{
			const cJSON *it;
			if (strcmp(js(g, "business_type"), gbt) || strcmp(js(g, "size"), gsz) ||
			    !cJSON_IsTrue(cJSON_GetObjectItem(g, "shown")))
				continue;
			web_out(r,
				"<h3>%s %s %s</h3><table class=\"list\" id=\"cl-items\"><thead><tr>"
				"<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
				bt_label(r, js(g, "business_type")), size_label(r, js(g, "size")),
				L(r, "項目別 実施率", "per-item rate"), L(r, "項目", "item"),
				L(r, "実施率 %", "done %"), L(r, "前期 %", "previous %"));
			cJSON_ArrayForEach(it, cJSON_GetObjectItem(g, "items"))
			{
				const cJSON *a = cJSON_GetObjectItem(it, "rate"),
					    *p = cJSON_GetObjectItem(it, "rate_prev");
				const struct cl_item *ci =
				    cat ? cl_item_find(cat, js(it, "item")) : NULL;
				web_out(r, "<tr><td><b>%s</b> %s</td>", js(it, "item"),
					ci ? (r->lang == WEB_LANG_JA ? ci->text_ja : ci->text_en)
					   : "");
				if (cJSON_IsNumber(a))
					web_out(r, "<td class=\"num\">%s</td>",
						f1(r, a->valuedouble));
				else
					web_out(r, "<td class=\"withheld\">—</td>");
				if (cJSON_IsNumber(p))
					web_out(r, "<td class=\"num\">%s</td></tr>",
						f1(r, p->valuedouble));
				else
					web_out(r, "<td class=\"withheld\">—</td></tr>");
			}
			web_out(r, "</tbody></table>");
		}
	/* only a group the comparison has, so the URL cannot grow the cache's keys */
	if (!gbt || !gsz || strstr(buf_str(&r->out) + mark, "id=\"cl-items\""))
		frag_put(key, buf_str(&r->out) + mark, r->out.len - mark);
	cl_sector_put(ref);
	web_page_end(r);
	return 0;
}
