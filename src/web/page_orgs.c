/* page_orgs.c - the dashboard (operators by sector, grades, urgent findings, rescans due;
 * honest empty panels), the operators list and one operator's page. */
#include "base/compat.h"

#include <pthread.h>
#include <time.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "findings/findings.h"
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
/* When the panels are older than the cache time, ONE request of the scope rebuilds them
 * while the others keep getting the last ones, up to DASH_STALE_TTLS cache times old; with
 * nothing to show yet they wait for that one build (at most DASH_WAIT_S seconds) instead of
 * all building it at once. Why: every worker thread rebuilding the same panels together (a
 * second or more each over 100,000 findings) held every connection of every worker, and wrk
 * counted socket errors at 500 operators (docs/PERFORMANCE.md). */
#define DASH_STALE_TTLS 12
#define DASH_WAIT_S 10

struct dash_slot {
	char key[AUTH_SLUG_MAX + AUTH_SECTOR_MAX + 16];
	int64_t at;
	char *html;
	size_t len;
	bool building; /* one request is rebuilding this key's panels */
};

static struct dash_slot dash_cache[DASH_SLOTS];
static pthread_mutex_t dash_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dash_built = PTHREAD_COND_INITIALIZER;

static void dash_key(const struct web_req *r, char *key, size_t cap)
{
	snprintf(key, cap, "%d|%s|%s|%d", (int)r->who.role, r->who.org_slug, r->who.sector,
		 (int)r->lang);
}

/* The slot of key, else a free one, else the oldest not being built (NULL: all busy).
 * Under dash_lock. */
static struct dash_slot *dash_slot_for(const char *key)
{
	struct dash_slot *d = NULL;

	for (size_t i = 0; i < DASH_SLOTS; i++)
		if ((dash_cache[i].html || dash_cache[i].building) &&
		    strcmp(dash_cache[i].key, key) == 0)
			return &dash_cache[i];
	for (size_t i = 0; i < DASH_SLOTS && !d; i++)
		if (!dash_cache[i].html && !dash_cache[i].building)
			d = &dash_cache[i];
	for (size_t i = 0; i < DASH_SLOTS && !d; i++)
		if (!dash_cache[i].building)
			d = &dash_cache[i];
	for (size_t i = 0; d && i < DASH_SLOTS; i++)
		if (!dash_cache[i].building && dash_cache[i].at < d->at && dash_cache[i].html)
			d = &dash_cache[i];
	if (d && strcmp(d->key, key) != 0) {
		m_free(d->html);
		d->html = NULL;
		d->len = 0;
		d->at = 0;
		snprintf(d->key, sizeof(d->key), "%s", key);
	}
	return d;
}

/* Appends the panels for key to r->out (their time in *at) when they may be shown: fresh,
 * or stale while they are rebuilt. *build says whether this request took the rebuild (it
 * must end it with dash_put or dash_abandon, or hand it to dash_refresh_start): with a
 * hit, stale panels were appended and the rebuild can run behind; without, this request
 * builds them itself (nothing to show yet). */
static bool dash_get(struct web_req *r, const char *key, int64_t *at, bool *build)
{
	int64_t ttl = (int64_t)r->opts->dashboard_cache;
	struct timespec until;
	bool hit = false;

	*build = false;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DASH_WAIT_S;
	pthread_mutex_lock(&dash_lock);
	for (;;) {
		struct dash_slot *d = dash_slot_for(key);
		if (!d)
			break; /* every slot being built: build without the cache */
		int64_t age = d->html ? r->now - d->at : -1;
		if (d->html && age >= 0 &&
		    (age < ttl || (d->building && age < DASH_STALE_TTLS * ttl))) {
			hit = buf_add(&r->out, d->html, d->len) == 0;
			*at = d->at;
			break;
		}
		if (!d->building) {
			d->building = true;
			*build = true;
			/* stale panels to show: they go out now, a thread of its own rebuilds */
			if (d->html && age >= 0 && age < DASH_STALE_TTLS * ttl &&
			    (hit = buf_add(&r->out, d->html, d->len) == 0))
				*at = d->at;
			break;
		}
		if (pthread_cond_timedwait(&dash_built, &dash_lock, &until))
			break; /* waited long enough: build it here too */
	}
	pthread_mutex_unlock(&dash_lock);
	return hit;
}

/* Keeps html for key (the rebuild this request took) and wakes the waiting requests. */
static void dash_put(const char *key, int64_t at, const char *html, size_t len)
{
	char *copy = m_malloc(len + 1);
	struct dash_slot *d;

	if (copy) {
		memcpy(copy, html, len);
		copy[len] = '\0';
	}
	pthread_mutex_lock(&dash_lock);
	if ((d = dash_slot_for(key))) {
		if (copy) {
			m_free(d->html);
			d->html = copy;
			d->len = len;
			d->at = at;
			copy = NULL;
		}
		d->building = false;
	}
	pthread_cond_broadcast(&dash_built);
	pthread_mutex_unlock(&dash_lock);
	m_free(copy);
}

/* The rebuild this request took failed: another request may try. */
static void dash_abandon(const char *key)
{
	struct dash_slot *d;

	pthread_mutex_lock(&dash_lock);
	if ((d = dash_slot_for(key)))
		d->building = false;
	pthread_cond_broadcast(&dash_built);
	pthread_mutex_unlock(&dash_lock);
}

void web_dashboard_cache_clear(void)
{
	pthread_mutex_lock(&dash_lock);
	for (size_t i = 0; i < DASH_SLOTS; i++) {
		m_free(dash_cache[i].html);
		dash_cache[i].html = NULL;
		dash_cache[i].at = 0;
	}
	pthread_mutex_unlock(&dash_lock);
}

/* The panels every role's dashboard shows (an analyst's after operators by sector); each
 * says so honestly when its table is empty. */
static void panels_after_sectors(struct web_req *r)
{
	web_panel_mine(r);
	web_panel_kpi(r);
	web_panel_grades(r);
	web_panel_coverage(r);
	web_panel_urgent(r);
	web_panel_rescan(r);
}

/* Operators by sector, grades, urgent findings, rescans due: the cached part. */
static int dash_panels(struct web_req *r)
{
	struct sector_names sn = {0};
	struct inv_filter f;
	bool none;
	int rc;

	/* An operator's first panel is its own findings: operators by sector would count one
	 * company, its own. */
	if (r->who.role == AUTH_ROLE_OPERATOR) {
		panels_after_sectors(r);
		return 0;
	}
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
	panels_after_sectors(r);
	return 0;
}

/* A rebuild behind the stale panels: a thread of its own with its own store handle, so no
 * worker thread (and none of its connections) waits for it. */
struct dash_job {
	char key[sizeof(dash_cache[0].key)];
	char loc[1024];
	struct auth_principal who;
	enum web_lang lang;
	const struct web_server_opts *opts;
};

static void *dash_refresh(void *arg)
{
	struct dash_job *j = arg;
	struct web_req br;
	struct store *s = NULL;
	struct merr e;
	bool ok = false;

	merr_init(&e);
	web_req_init(&br, (size_t)4 << 20);
	br.who = j->who;
	br.lang = j->lang;
	br.opts = j->opts;
	br.method = "GET";
	br.raw_path = "/";
	br.now = time_now();
	if (store_open_existing(j->loc, &s, &e) == 0) {
		br.s = s;
		if (dash_panels(&br) == 0) {
			dash_put(j->key, br.now, br.out.ptr ? br.out.ptr : "", br.out.len);
			ok = true;
		}
		store_close(s);
	}
	if (!ok)
		dash_abandon(j->key);
	web_req_release(&br);
	m_free(j);
	return NULL;
}

/* Starts the rebuild of key behind the request; false when it cannot (no second store handle,
 * no thread): the caller rebuilds. */
static bool dash_refresh_start(struct web_req *r, const char *key)
{
	struct dash_job *j = m_calloc(1, sizeof(*j));
	pthread_attr_t at;
	pthread_t th;
	bool ok;

	if (!j)
		return false;
	store_peer_location(r->s, j->loc, sizeof(j->loc));
	snprintf(j->key, sizeof(j->key), "%s", key);
	j->who = r->who;
	j->lang = r->lang;
	j->opts = r->opts;
	if (!j->loc[0]) {
		m_free(j);
		return false;
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&th, &at, dash_refresh, j) == 0;
	pthread_attr_destroy(&at);
	if (!ok)
		m_free(j);
	return ok;
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
	bool build = false;
	bool hit = ttl && dash_get(r, key, &at, &build);
	if (hit && build && !dash_refresh_start(r, key)) {
		/* stale panels already written: rebuild here instead, behind them */
		r->out.len = start;
		if (r->out.ptr)
			r->out.ptr[start] = '\0';
		hit = false;
	}
	if (!hit) {
		if ((rc = dash_panels(r))) {
			if (build)
				dash_abandon(key);
			r->out.len = 0; /* the error page replaces the half-written one */
			if (r->out.ptr)
				r->out.ptr[0] = '\0';
			return rc;
		}
		if (build)
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
		web_out(r, "<tr><td data-stored>%s</td><td>%s</td><td>%s</td></tr>",
			o->contacts[i].name, o->contacts[i].email,
			web_code(r->lang, o->contacts[i].role));
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
		web_out(r, "</td><td>%s</td><td data-stored>%s</td></tr>",
			web_code(r->lang, a->source), a->note);
	}
	web_out(r,
		"</table><h2>%T</h2><table id=\"products\"><tr><th>CPE</th><th>%T</th>"
		"<th>%T</th><th>%T</th></tr>",
		M_PRODUCTS, M_NAME, M_VERSION, M_ASSET);
	for (size_t i = 0; i < o->n_products; i++) {
		const struct inv_product *p = &o->products[i];
		char label[320];
		/* the product's display name ("Ivanti Connect Secure 22.3R1"), the CPE as a code */
		finding_product_label(p->cpe, p->product, p->version, label, sizeof label);
		web_out(r,
			"<tr><td class=\"cpe\"><code>%s</code></td><td>%s</td><td>%s</td>"
			"<td>%s</td></tr>",
			p->cpe, label, p->version, p->asset);
	}
	web_out(r,
		"</table><h2>%T</h2><table id=\"scope\"><tr><th>CIDR</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th></tr>",
		M_SCOPE, M_AUTHORISED_BY, M_VALID_FROM, M_VALID_UNTIL, M_VALIDITY);
	for (size_t i = 0; i < o->n_scopes; i++) {
		const struct inv_scope *s = &o->scopes[i];
		enum web_msg v = validity(s->valid_from, s->valid_until, r->now);
		web_out(r,
			"<tr><td>%s</td><td data-stored>%s</td><td>%s</td><td>%s</td>"
			"<td class=\"%s\">%T</td></tr>",
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
		"<dt>%s</dt><dd lang=\"%s\">%s</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd>"
		"<dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%T</dd><dt>%T</dt><dd data-stored>",
		en ? "en" : "ja", en ? o->name_en : o->name_ja, M_SLUG, o->slug,
		en ? "Japanese name" : web_msg(r->lang, M_NAME_EN), en ? "ja" : "en",
		en ? o->name_ja : o->name_en, M_SECTOR, sector_label(r, &sn, o->sector),
		M_BUSINESS_TYPE, bt.label ? bt.label : o->business_type, M_SIZE,
		inv_word(r, o->size_class), M_CRITICAL, o->critical ? M_YES : M_NO, M_ALIASES);
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
