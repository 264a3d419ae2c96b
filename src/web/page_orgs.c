/* page_orgs.c - the dashboard (operators by sector, grades, urgent findings, rescans due;
 * honest empty panels), the operators list and one operator's page. */
#include "base/compat.h"

#include <pthread.h>

#include "base/mem.h"
#include "inventory/inventory.h"
#include "web/web_int.h"

#define SECTORS_MAX 32

struct sector_names {
	size_t n;
	int64_t total, critical; /* every organisation counted, with or without a sector */
	struct {
		char code[AUTH_SECTOR_MAX], ja[96], en[96];
		int64_t orgs, critical;
	} s[SECTORS_MAX];
};

static int add_sector(const char *code, const char *ja, const char *en, void *arg)
{
	struct sector_names *sn = arg;

	if (sn->n == SECTORS_MAX)
		return 0;
	snprintf(sn->s[sn->n].code, sizeof(sn->s[0].code), "%s", code);
	snprintf(sn->s[sn->n].ja, sizeof(sn->s[0].ja), "%s", ja);
	snprintf(sn->s[sn->n].en, sizeof(sn->s[0].en), "%s", en);
	sn->s[sn->n].orgs = sn->s[sn->n].critical = 0;
	sn->n++;
	return 0;
}

static const char *sector_label(const struct web_req *r, const struct sector_names *sn,
				const char *code)
{
	for (size_t i = 0; code && i < sn->n; i++)
		if (strcmp(sn->s[i].code, code) == 0)
			return r->lang == WEB_LANG_EN ? sn->s[i].en : sn->s[i].ja;
	return code ? code : "—";
}

/* The caller's organisations narrowed by web_org_filter: *none when the request asks for
 * rows outside the caller's (an empty answer, not an error). */
static int visible_filter(struct web_req *r, const char *sector, struct inv_filter *f, bool *none)
{
	int rc = web_org_filter(r, NULL, sector, f);

	*none = rc == M_ENOTFOUND;
	return *none ? 0 : rc;
}

static int count_sector(const char *sector, int64_t orgs, int64_t critical, void *arg)
{
	struct sector_names *sn = arg;

	sn->total += orgs;
	sn->critical += critical;
	for (size_t k = 0; sector && k < sn->n; k++)
		if (strcmp(sn->s[k].code, sector) == 0) {
			sn->s[k].orgs = orgs;
			sn->s[k].critical = critical;
		}
	return 0;
}

/* The dashboard's counts and panels, rendered once per role scope (role, organisation or
 * sector, language) and reused for web_server_opts.dashboard_cache seconds. Why: they are
 * the heaviest page (every grade, the urgent findings, the rescans) and the one every user
 * lands on; a few seconds old is fine for an overview, and the page says when they were
 * computed. Lists, one operator's page and the API are always live. */
#define DASH_SLOTS 32

struct dash_slot {
	char key[AUTH_SLUG_MAX + AUTH_SECTOR_MAX + 16];
	int64_t at;
	char *html;
	size_t len;
};

static struct dash_slot dash_cache[DASH_SLOTS];
static pthread_mutex_t dash_lock = PTHREAD_MUTEX_INITIALIZER;

static void dash_key(const struct web_req *r, char *key, size_t cap)
{
	snprintf(key, cap, "%d|%s|%s|%d", (int)r->who.role, r->who.org_slug, r->who.sector,
		 (int)r->lang);
}

/* Appends the cached panels for key to r->out if fresh; their time in *at. */
static bool dash_get(struct web_req *r, const char *key, int64_t *at)
{
	bool hit = false;

	pthread_mutex_lock(&dash_lock);
	for (size_t i = 0; i < DASH_SLOTS && !hit; i++) {
		struct dash_slot *d = &dash_cache[i];
		if (d->html && strcmp(d->key, key) == 0 && r->now >= d->at &&
		    r->now - d->at < (int64_t)r->opts->dashboard_cache) {
			hit = buf_add(&r->out, d->html, d->len) == 0;
			*at = d->at;
		}
	}
	pthread_mutex_unlock(&dash_lock);
	return hit;
}

/* Keeps html for key in its slot, or the oldest one. */
static void dash_put(const char *key, int64_t at, const char *html, size_t len)
{
	char *copy = m_malloc(len + 1);
	struct dash_slot *d = NULL;

	if (!copy)
		return;
	memcpy(copy, html, len);
	copy[len] = '\0';
	pthread_mutex_lock(&dash_lock);
	for (size_t i = 0; i < DASH_SLOTS && !d; i++)
		if (!dash_cache[i].html || strcmp(dash_cache[i].key, key) == 0)
			d = &dash_cache[i];
	if (!d) {
		d = &dash_cache[0];
		for (size_t i = 1; i < DASH_SLOTS; i++)
			if (dash_cache[i].at < d->at)
				d = &dash_cache[i];
	}
	m_free(d->html);
	snprintf(d->key, sizeof(d->key), "%s", key);
	d->at = at;
	d->html = copy;
	d->len = len;
	pthread_mutex_unlock(&dash_lock);
}

void web_dashboard_cache_clear(void)
{
	pthread_mutex_lock(&dash_lock);
	for (size_t i = 0; i < DASH_SLOTS; i++) {
		m_free(dash_cache[i].html);
		dash_cache[i].html = NULL;
	}
	pthread_mutex_unlock(&dash_lock);
}

/* Operators by sector, grades, urgent findings, rescans due: the cached part. */
static int dash_panels(struct web_req *r)
{
	struct sector_names sn = {0};
	struct inv_filter f;
	bool none;
	int rc;

	/* Counted by the store (GROUP BY sector among the caller's rows), not by loading
	 * every organisation: the page costs the same with 50 or 5,000 operators. */
	if ((rc = inv_sectors(r->s, add_sector, &sn, &r->err)) ||
	    (rc = visible_filter(r, NULL, &f, &none)) ||
	    (!none && (rc = inv_sector_counts(r->s, &f, count_sector, &sn, &r->err))))
		return rc;
	web_out(r,
		"<section class=\"panel\" id=\"by-sector\"><h2>%T</h2><table><thead><tr>"
		"<th>%T</th><th class=\"num\">%T</th><th class=\"num\">%T</th></tr></thead><tbody>",
		M_OPERATORS_BY_SECTOR, M_SECTOR, M_OPERATORS, M_CRITICAL);
	for (size_t k = 0; k < sn.n; k++) {
		if (sn.s[k].orgs == 0)
			continue;
		web_out(r,
			"<tr><td><a href=\"/orgs?sector=%u\">%s</a></td><td class=\"num\">%L</td>"
			"<td class=\"num\">%L</td></tr>",
			sn.s[k].code, sector_label(r, &sn, sn.s[k].code), sn.s[k].orgs,
			sn.s[k].critical);
	}
	web_out(r,
		"</tbody><tfoot><tr><th>%T</th><td class=\"num\" id=\"total-orgs\">%L</td>"
		"<td class=\"num\">%L</td></tr></tfoot></table></section>",
		M_TOTAL, sn.total, sn.critical);
	/* Each panel says so honestly when its table is empty. */
	web_panel_mine(r);
	web_panel_kpi(r);
	web_panel_grades(r);
	web_panel_coverage(r);
	web_panel_urgent(r);
	web_panel_rescan(r);
	return 0;
}

int web_page_dashboard(struct web_req *r)
{
	unsigned ttl = r->opts ? r->opts->dashboard_cache : 0;
	char key[sizeof(dash_cache[0].key)];
	int64_t at = r->now;
	size_t start;
	int rc;

	dash_key(r, key, sizeof(key));
	web_page_begin(r, M_DASHBOARD);
	start = r->out.len;
	if (!ttl || !dash_get(r, key, &at)) {
		if ((rc = dash_panels(r))) {
			r->out.len = 0; /* the error page replaces the half-written one */
			if (r->out.ptr)
				r->out.ptr[0] = '\0';
			return rc;
		}
		if (ttl)
			dash_put(key, at, r->out.ptr + start, r->out.len - start);
	}
	if (r->lang == WEB_LANG_EN)
		web_out(r, "<p class=\"as-of\" id=\"as-of\">Counted at %s%R</p>", web_jst(r, at),
			ttl ? " (refreshed at most every few seconds)" : "");
	else
		web_out(r, "<p class=\"as-of\" id=\"as-of\">集計時刻 %s%R</p>", web_jst(r, at),
			ttl ? "（数秒ごとに更新）" : "");
	/* Live, outside the cache: an acknowledgement or a decision shows at once. */
	web_panel_alerts(r);
	web_panel_candidates(r);
	web_page_end(r);
	return 0;
}

static void sector_select(struct web_req *r, const struct sector_names *sn, const char *cur)
{
	web_out(r,
		"<form method=\"get\" action=\"/orgs\" class=\"filter\"><label>%T <select "
		"name=\"sector\" id=\"sector\"><option value=\"\">%T</option>",
		M_SECTOR, M_ALL);
	for (size_t k = 0; k < sn->n; k++)
		web_out(r, "<option value=\"%s\"%R>%s</option>", sn->s[k].code,
			cur && strcmp(cur, sn->s[k].code) == 0 ? " selected" : "",
			sector_label(r, sn, sn->s[k].code));
	web_out(r, "</select></label> <button type=\"submit\">%T</button></form>", M_FILTER);
}

static void pager(struct web_req *r, const char *sector, int64_t limit, int64_t offset,
		  int64_t total)
{
	web_out(r, "<nav class=\"pager\"><span>%L–%L / %L %T</span>", total ? offset + 1 : 0,
		offset + limit < total ? offset + limit : total, total, M_SHOWING);
	if (offset > 0)
		web_out(
		    r,
		    " <a rel=\"prev\" href=\"/orgs?sector=%u&amp;limit=%L&amp;offset=%L\">%T</a>",
		    sector ? sector : "", limit, offset > limit ? offset - limit : 0, M_PREV);
	if (offset + limit < total)
		web_out(
		    r,
		    " <a rel=\"next\" href=\"/orgs?sector=%u&amp;limit=%L&amp;offset=%L\">%T</a>",
		    sector ? sector : "", limit, offset + limit, M_NEXT);
	web_out(r, "</nav>");
}

int web_page_orgs(struct web_req *r)
{
	const char *sector = web_kv_get(&r->query, "sector");
	struct sector_names sn = {0};
	struct inv_doc *d = NULL;
	struct inv_filter f;
	int64_t limit, offset, total = 0;
	bool none;
	int rc;

	if (sector && !sector[0])
		sector = NULL;
	if ((rc = web_paging(r, 50, 500, &limit, &offset)) ||
	    (rc = inv_sectors(r->s, add_sector, &sn, &r->err)) ||
	    (rc = visible_filter(r, sector, &f, &none)) ||
	    (!none && (rc = inv_load_page(r->s, &f, limit, offset, &d, &total, &r->err))))
		return rc;
	web_page_begin(r, M_ORG_LIST);
	sector_select(r, &sn, sector);
	web_reports_link(r);
	web_out(r,
		"<table id=\"orgs\"><thead><tr><th>%T</th><th>%T</th><th>%T</th><th>%T</th>"
		"</tr></thead><tbody>",
		M_SLUG, M_NAME, M_SECTOR, M_CRITICAL);
	for (size_t i = 0; d && i < d->n_orgs; i++) {
		const struct inv_org *o = &d->orgs[i];
		web_out(r,
			"<tr><td><a href=\"/orgs/%u\">%s</a></td><td>%s</td><td>%s</td><td>%T</td>"
			"</tr>",
			o->slug, o->slug,
			r->lang == WEB_LANG_EN && o->name_en ? o->name_en : o->name_ja,
			sector_label(r, &sn, o->sector), o->critical ? M_YES : M_NO);
	}
	web_out(r, "</tbody></table>");
	pager(r, sector, limit, offset, total);
	inv_doc_free(d);
	if (sector && !none)
		web_panel_kpi_sector(r, sector);
	web_page_end(r);
	return 0;
}

static enum web_msg validity(int64_t from, int64_t until, int64_t now)
{
	if (from && now < from)
		return M_NOT_YET;
	if (until && now > until)
		return M_EXPIRED;
	return M_VALID_NOW;
}

/* Words of the inventory's own codes that share a spelling with other codes ("medium" is
 * also a severity, "candidate" a reason name): translated here, for this page only. */
static const char *inv_word(const struct web_req *r, const char *code)
{
	static const char *const words[][3] = {
	    {"small", "小規模", "small"},
	    {"medium", "中規模", "medium"},
	    {"large", "大規模", "large"},
	    {"candidate", "候補 (確認待ち)", "candidate (to confirm)"},
	    {"confirmed", "確認済み", "confirmed"},
	    {"rejected", "自組織ではない", "not ours"},
	};

	for (size_t i = 0; code && i < ARRAY_SIZE(words); i++)
		if (strcmp(code, words[i][0]) == 0)
			return words[i][r->lang == WEB_LANG_EN ? 2 : 1];
	return web_code(r->lang, code);
}

static void org_parts(struct web_req *r, const struct inv_org *o)
{
	web_out(r, "<h2>%T</h2><table id=\"contacts\"><tr><th>%T</th><th>%T</th><th>%T</th></tr>",
		M_CONTACTS, M_NAME, M_EMAIL, M_ROLE);
	for (size_t i = 0; i < o->n_contacts; i++)
		web_out(r, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>", o->contacts[i].name,
			o->contacts[i].email, web_code(r->lang, o->contacts[i].role));
	web_out(r,
		"</table><h2>%T</h2><table id=\"assets\"><tr><th>%T</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th></tr>",
		M_ASSETS, M_KIND, M_VALUE, M_STATUS, M_SOURCE, M_NOTE);
	for (size_t i = 0; i < o->n_assets; i++) {
		const struct inv_asset *a = &o->assets[i];
		web_out(
		    r, "<tr data-asset=\"%s\"><td>%s</td><td>%s</td><td class=\"asset-status\">%s",
		    a->value, web_code(r->lang, a->kind), a->value, web_code(r->lang, a->status));
		/* a discovered candidate: the operator (or an analyst) says whether it is theirs */
		if (a->status && strcmp(a->status, "candidate") == 0)
			web_candidate_buttons(r, o->slug, a->value, "/orgs/");
		web_out(r, "</td><td>%s</td><td>%s</td></tr>", web_code(r->lang, a->source),
			a->note);
	}
	web_out(r,
		"</table><h2>%T</h2><table id=\"products\"><tr><th>CPE</th><th>%T</th>"
		"<th>%T</th><th>%T</th></tr>",
		M_PRODUCTS, M_NAME, M_VERSION, M_ASSET);
	for (size_t i = 0; i < o->n_products; i++) {
		const struct inv_product *p = &o->products[i];
		web_out(r, "<tr><td>%s</td><td>%s %s</td><td>%s</td><td>%s</td></tr>", p->cpe,
			p->vendor, p->product, p->version, p->asset);
	}
	web_out(r,
		"</table><h2>%T</h2><table id=\"scope\"><tr><th>CIDR</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th></tr>",
		M_SCOPE, M_AUTHORISED_BY, M_VALID_FROM, M_VALID_UNTIL, M_VALIDITY);
	for (size_t i = 0; i < o->n_scopes; i++) {
		const struct inv_scope *s = &o->scopes[i];
		enum web_msg v = validity(s->valid_from, s->valid_until, r->now);
		web_out(r,
			"<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%T</td>"
			"</tr>",
			s->cidr, s->authorised_by, web_jst(r, s->valid_from),
			web_jst(r, s->valid_until), v == M_VALID_NOW ? "ok" : "warn", v);
	}
	web_out(r, "</table>");
}

struct btypes {
	const char *code, *label;
	const struct web_req *r;
};

static int find_btype(const char *code, const char *ja, const char *en, void *arg)
{
	struct btypes *b = arg;

	if (b->code && strcmp(code, b->code) == 0)
		b->label = web_arena_strndup(&((struct web_req *)b->r)->arena,
					     b->r->lang == WEB_LANG_EN ? en : ja,
					     strlen(b->r->lang == WEB_LANG_EN ? en : ja));
	return 0;
}

int web_page_org(struct web_req *r)
{
	struct sector_names sn = {0};
	struct btypes bt = {0};
	struct inv_doc *d = NULL;
	const struct inv_org *o;
	int rc;

	if ((rc = inv_sectors(r->s, add_sector, &sn, &r->err)) ||
	    (rc = web_org_load(r, INV_WITH_ALL & ~INV_WITH_EXCLUSIONS, &d)))
		return rc;
	o = &d->orgs[0];
	bt.code = o->business_type;
	bt.r = r;
	if (inv_business_types(r->s, find_btype, &bt, &r->err))
		merr_init(&r->err);
	web_page_begin(r, M_NAV_ORGS);
	/* the name in the page's language first, the other one as a fact below */
	bool en = r->lang == WEB_LANG_EN && o->name_en && o->name_en[0];
	web_out(r,
		"<h2 id=\"org-name\" lang=\"%s\">%s</h2><dl class=\"facts\"><dt>%T</dt><dd>%s</dd>"
		"<dt>%s</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd>"
		"<dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%T</dd><dt>%T</dt><dd>",
		en ? "en" : "ja", en ? o->name_en : o->name_ja, M_SLUG, o->slug,
		en ? "Japanese name" : web_msg(r->lang, M_NAME_EN), en ? o->name_ja : o->name_en,
		M_SECTOR, sector_label(r, &sn, o->sector), M_BUSINESS_TYPE,
		bt.label ? bt.label : o->business_type, M_SIZE, inv_word(r, o->size_class),
		M_CRITICAL, o->critical ? M_YES : M_NO, M_ALIASES);
	for (size_t i = 0; i < o->n_aliases; i++)
		web_out(r, "%R%s", i ? (r->lang == WEB_LANG_EN ? ", " : "、") : "", o->aliases[i]);
	web_out(r, "</dd></dl>");
	web_org_sections(r, o->slug);
	web_org_reports(r, o);
	if (r->who.role == AUTH_ROLE_ANALYST || r->who.role == AUTH_ROLE_OPERATOR)
		web_out(r, "<p><a id=\"org-checklist\" href=\"/orgs/%u/checklist\">%s</a></p>",
			o->slug,
			r->lang == WEB_LANG_EN ? "Self-assessment checklist"
					       : "自己点検チェックリスト");
	org_parts(r, o);
	inv_doc_free(d);
	web_page_end(r);
	return 0;
}
