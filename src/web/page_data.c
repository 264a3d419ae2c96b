/* page_data.c - ratings, services and certificates, feed status and scan history, as pages,
 * dashboard panels and JSON. Organisation data is narrowed by web_org_load and the modules' row rules. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "base/bi.h"
#include "base/mtime.h"
#include "findings/findings.h"
#include "identify/identify.h"
#include "inventory/inventory.h"
#include "rating/rating.h"
#include "scan/scan.h"
#include "feeds/feeds.h"
#include "web/web_int.h"

/* ---------------------------------------------------------------- dashboard panels */

struct grades {
	struct web_req *r;
	char last;
	int n;
	struct inv_doc *names; /* the operators' names in the page's language */
};

static int grade_row(void *arg, const struct rating_latest *x)
{
	struct grades *g = arg;
	struct web_req *r = g->r;

	if (!g->n++)
		web_out(r, "<dl class=\"grades\">");
	if (x->grade && x->grade[0] != g->last) {
		web_out(r, "%R<dt class=\"grade grade-%s\">%s</dt><dd>", g->last ? "</dd>" : "",
			x->grade, x->grade);
		g->last = x->grade[0];
	}
	web_out(r, "<a href=\"/orgs/%u\" title=\"%s %s\">%s</a> (%L) ", x->org, x->org, x->period,
		web_org_name(r, g->names, x->org), (int64_t)(x->score + 0.5));
	return 0;
}

void web_panel_grades(struct web_req *r)
{
	struct grades g = {r, 0, 0, NULL};
	struct inv_rows rows;

	web_out(r, "<section class=\"panel\" id=\"grades\"><h2>%T</h2>", M_OPERATORS_BY_GRADE);
	g.names = web_org_names(r);
	if (web_rows(r, &rows) || rating_latest_each(r->s, &rows, grade_row, &g, &r->err)) {
		inv_doc_free(g.names);
		web_out(r, "<p>%T</p></section>", M_ERR_INTERNAL);
		return;
	}
	inv_doc_free(g.names);
	if (g.n)
		web_out(r, "</dd></dl>");
	/* assessed operators without a score yet: "rating pending", never "no data" beside the
	 * coverage panel's "assessed" */
	int assessed = web_assessed_count(r);
	if (assessed > g.n)
		web_out(r,
			"<p id=\"rating-pending\" data-count=\"%d\"><strong>%T</strong>: %T "
			"(%d)</p>",
			assessed - g.n, M_RATING_PENDING, M_RATING_PENDING_WHY, assessed - g.n);
	else if (!g.n)
		web_out(r, "<p>%T</p>", M_NO_DATA_YET);
	web_out(r, "</section>");
}

struct rescan {
	struct web_req *r;
	int n;
};

static int rescan_row(void *arg, const char *org, int64_t hosts)
{
	struct rescan *x = arg;

	if (!x->n++)
		web_out(x->r, "<table><tr><th>%T</th><th class=\"num\">%T</th></tr>", M_ORG,
			M_HOSTS);
	web_out(x->r, "<tr><td><a href=\"/orgs/%u\">%s</a></td><td class=\"num\">%L</td></tr>", org,
		org, hosts);
	return 0;
}

void web_panel_rescan(struct web_req *r)
{
	struct rescan x = {r, 0};
	struct inv_rows rows;

	web_out(r, "<section class=\"panel\" id=\"rescan\"><h2>%T</h2>", M_RESCAN_DUE);
	if (web_rows(r, &rows) ||
	    finding_schedule_due_by_org(r->s, &rows, r->now, 20, rescan_row, &x, &r->err)) {
		web_out(r, "<p>%T</p></section>", M_ERR_INTERNAL);
		return;
	}
	if (x.n)
		web_out(r, "</table></section>");
	else
		web_out(r, "<p>%T</p></section>", M_NO_RESCAN_DUE);
}

/* ---------------------------------------------------------------- ratings */

int web_api_org_rating(struct web_req *r)
{
	struct inv_doc *d = NULL;
	cJSON *o = NULL;
	int rc = web_org_load(r, 0, &d);

	if (rc)
		return rc;
	rc = rating_load_json(r->s, d->orgs[0].slug, web_kv_get(&r->query, "period"), &o, &r->err);
	inv_doc_free(d);
	return rc ? rc : web_json_reply(r, 200, o);
}

/* A deduction's kind in the page's language: the rating category's own words (its cap group's
 * when the row names a group), else the stored Japanese reason on Japanese pages only. */
static const char *deduction_kind(const struct web_req *r, const char *category,
				  const char *reason_ja)
{
	size_t n;
	const struct rating_category *c = rating_categories(&n);

	for (size_t i = 0; category && i < n; i++)
		if (!strcmp(c[i].id, category))
			return r->lang == WEB_LANG_EN ? c[i].why_en : c[i].why_ja;
	for (size_t i = 0; category && i < n; i++)
		if (!strcmp(c[i].cap_group, category))
			return r->lang == WEB_LANG_EN ? c[i].why_en : c[i].why_ja;
	if (r->lang == WEB_LANG_EN || !reason_ja)
		return web_code(r->lang, category ? category : "");
	return reason_ja;
}

/* The factors line ("要確認 needs confirmation x0.4; ...") without its Japanese words on
 * English pages. */
static const char *factors_text(const struct web_req *r, const char *f, char *buf, size_t cap)
{
	if (!f || r->lang != WEB_LANG_EN)
		return f ? f : "";
	return bi_ascii_words(f, buf, cap);
}

static void rating_section(struct web_req *r, const char *slug)
{
	cJSON *o = NULL, *x;

	struct finding_coverage cov = {0};
	bool none = rating_load_json(r->s, slug, NULL, &o, NULL) != 0;

	web_out(r, "<h2 id=\"org-rating\">%T</h2>", M_GRADE);
	/* assessed since the last rating (or never rated): 評価待ち, as the coverage block below
	 * says 診断済み; never 未診断 or "no rating" beside it */
	if ((none || cJSON_IsFalse(cJSON_GetObjectItem(o, "assessed"))) &&
	    !finding_coverage(r->s, slug, r->now, &cov, NULL) && cov.assessed) {
		web_out(r,
			"<p class=\"rating pending\" id=\"rating-pending\"><span class=\"grade "
			"grade-na\">%T</span> %T</p>",
			M_RATING_PENDING, M_RATING_PENDING_ORG);
		cJSON_Delete(o);
		return;
	}
	if (none) {
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_RATING);
		return;
	}
	/* 未診断: the same rule as the dashboard, the CLI and the PDF (rating_load_json) */
	if (cJSON_IsFalse(cJSON_GetObjectItem(o, "assessed"))) {
		web_out(r,
			"<p class=\"rating not-assessed\" id=\"not-assessed\"><span "
			"class=\"grade grade-na\">%T</span> %T</p>",
			M_NOT_ASSESSED, M_NOT_ASSESSED_NO_GRADE);
		cJSON_Delete(o);
		return;
	}
	char score[32];

	snprintf(score, sizeof(score), "%.1f",
		 cJSON_GetNumberValue(cJSON_GetObjectItem(o, "score")));
	web_out(r,
		"<p class=\"rating\"><span class=\"grade\" id=\"grade\">%s</span> %T %s "
		"(%T %s)</p><table id=\"deductions\"><caption>%T</caption><tr><th>#</th>"
		"<th>%T</th><th>%T</th><th>%T</th><th class=\"num\">%T</th><th>%T</th></tr>",
		cJSON_GetStringValue(cJSON_GetObjectItem(o, "grade")), M_SCORE, score, M_PERIOD,
		cJSON_GetStringValue(cJSON_GetObjectItem(o, "period")), M_DEDUCTIONS, M_KIND,
		M_TITLE, M_ASSET, M_POINTS, M_NOTE);
	/* rows that cost points first; the 0-point rows (cap reached) folded below the total */
	int zero = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			char t[64];
			snprintf(t, sizeof(t), "100 - %.1f = %.1f",
				 cJSON_GetNumberValue(cJSON_GetObjectItem(o, "points_lost")),
				 cJSON_GetNumberValue(cJSON_GetObjectItem(o, "score")));
			web_out(r,
				"<tfoot><tr><th colspan=\"4\">%T</th><td class=\"num\" "
				"id=\"sum\">%s</td>"
				"<td></td></tr></tfoot></table>",
				M_SCORE, t);
			if (!zero)
				break;
			web_out(r,
				"<details id=\"zero-deductions\"><summary>%T (%d)</summary><table>",
				M_ZERO_DEDUCTIONS, zero);
		}
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "deductions"))
		{
			char pts[32], tb[512], nb[128], fb[256], ab[320];
			double p = cJSON_GetNumberValue(cJSON_GetObjectItem(x, "points"));
			if ((p > 0) != (pass == 0))
				continue;
			snprintf(pts, sizeof(pts), "-%.1f", p);
			web_out(
			    r,
			    "<tr><td class=\"code\"><a "
			    "href=\"/findings/%L\">%L</a></td><td>%s</td><td>%s</td>"
			    "<td>%s</td><td class=\"num\">%s</td><td>%s %s</td></tr>",
			    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "finding")),
			    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "finding")),
			    deduction_kind(
				r, cJSON_GetStringValue(cJSON_GetObjectItem(x, "category")),
				cJSON_GetStringValue(cJSON_GetObjectItem(x, "reason_ja"))),
			    web_finding_title(r->lang,
					      cJSON_GetStringValue(cJSON_GetObjectItem(x, "title")),
					      NULL, "vulnerability", tb, sizeof(tb)),
			    web_asset_name(r->lang,
					   cJSON_GetStringValue(cJSON_GetObjectItem(x, "asset")),
					   ab, sizeof ab),
			    pts,
			    factors_text(r, cJSON_GetStringValue(cJSON_GetObjectItem(x, "factors")),
					 fb, sizeof(fb)),
			    web_bi(r->lang, cJSON_GetStringValue(cJSON_GetObjectItem(x, "note")),
				   nb, sizeof(nb)));
		}
		if (pass == 0) {
			cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "deductions")) zero +=
			    !(cJSON_GetNumberValue(cJSON_GetObjectItem(x, "points")) > 0);
		} else {
			web_out(r, "</table></details>");
		}
	}
	cJSON_Delete(o);
}

/* ---------------------------------------------------------------- services, certificates */

static int service_json(void *arg, const struct ident_service *sv, int64_t first_seen,
			int64_t last_seen)
{
	cJSON_AddItemToArray(arg, ident_service_row_json(sv, first_seen, last_seen));
	return 0;
}

int web_api_org_services(struct web_req *r)
{
	struct inv_doc *d = NULL;
	cJSON *o, *items;
	int rc = web_org_load(r, 0, &d);

	if (rc)
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "org", d->orgs[0].slug);
	items = cJSON_AddArrayToObject(o, "items");
	rc = ident_services_list(r->s, d->orgs[0].slug, service_json, items, &r->err);
	inv_doc_free(d);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 200, o);
}

/* One certificate row: the leaf of the stored chain and the flags. */
static void cert_row(struct web_req *r, const char *where, const char *tls_text)
{
	struct ident_cert_row c;
	char flags[96];

	if (ident_cert_from_tls(tls_text, &c))
		return;
	/* the certificate's problems in words of the page's language */
	bool en = r->lang == WEB_LANG_EN;
	snprintf(flags, sizeof(flags), "%s%s%s%s", c.expired ? (en ? "expired " : "期限切れ ") : "",
		 c.self_signed ? (en ? "self-signed " : "自己署名 ") : "",
		 c.hostname_mismatch ? (en ? "name mismatch " : "ホスト名不一致 ") : "",
		 c.not_yet_valid ? (en ? "not yet valid" : "有効期間前") : "");
	web_out(r, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td></tr>",
		where, c.subject, c.issuer, web_jst(r, c.not_after), flags[0] ? "warn" : "ok",
		flags[0] ? flags : "—");
}

struct services_out {
	struct web_req *r;
	struct buf certs;
	int n;
};

static int service_row(void *arg, const struct ident_service *sv, int64_t first_seen,
		       int64_t last_seen)
{
	struct services_out *x = arg;
	struct web_req *r = x->r;
	char where[96];

	(void)first_seen;
	(void)last_seen;
	snprintf(where, sizeof(where), "%s:%u/%s", sv->ip, sv->port, sv->proto);
	x->n++;
	/* the service by its display name, the identify module's name in the tooltip */
	web_out(r,
		"<tr><td class=\"code\">%s</td><td><span class=\"service\" title=\"%s\">%s</span> "
		"%s</td><td>%s</td><td><code>%s</code></td></tr>",
		where, sv->service, ident_service_label(sv->service, r->lang == WEB_LANG_EN),
		sv->product, sv->version, sv->cpe);
	if (sv->tls_info) {
		/* certificates go in their own table after this one */
		struct buf save = r->out;
		r->out = x->certs;
		cert_row(r, where, sv->tls_info);
		x->certs = r->out;
		r->out = save;
	}
	return 0;
}

static void services_section(struct web_req *r, const char *slug)
{
	struct services_out x = {r, {0}, 0};

	web_out(r,
		"<h2 id=\"org-services\">%T</h2><table id=\"services\"><tr><th>%s</th>"
		"<th>%T</th><th>%T</th><th>CPE</th></tr>",
		M_SERVICES, r->lang == WEB_LANG_EN ? "Address:port" : "アドレス:ポート", M_PRODUCT,
		M_VERSION);
	buf_init(&x.certs, 1 << 20);
	ident_services_list(r->s, slug, service_row, &x, &r->err);
	web_out(r, "</table>");
	if (!x.n)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	web_out(r,
		"<h2 id=\"org-certs\">%T</h2><table id=\"certificates\"><tr><th>%s</th>"
		"<th>%T</th><th>%T</th><th>%T (JST)</th><th>%T</th></tr>%R</table>",
		M_CERTIFICATES, r->lang == WEB_LANG_EN ? "Address:port" : "アドレス:ポート",
		M_SUBJECT, M_ISSUER, M_NOT_AFTER, M_FLAGS, x.certs.len ? x.certs.ptr : "");
	if (!x.certs.len)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	buf_release(&x.certs);
}

void web_org_sections(struct web_req *r, const char *slug)
{
	char path[160];

	rating_section(r, slug);
	web_org_coverage(r, slug);
	snprintf(path, sizeof(path), "/orgs/%s", slug);
	web_org_findings(r, slug, path);
	services_section(r, slug);
}

/* ---------------------------------------------------------------- feeds, scans */

static void state_json(const struct feeds_state *st, void *arg)
{
	cJSON_AddItemToArray(arg, feeds_state_json(st));
}

int web_api_feeds(struct web_req *r)
{
	cJSON *o = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(o, "items");
	int rc = feeds_status(r->s, state_json, items, &r->err);

	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 200, o);
}

static void state_row(const struct feeds_state *st, void *arg)
{
	struct web_req *r = arg;

	web_out(r,
		"<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%L</td>"
		"<td class=\"num %s\">%L</td></tr>",
		st->feed, st->source, web_jst(r, st->last_import), st->records,
		st->errors ? "warn" : "", st->errors);
}

int web_page_feeds(struct web_req *r)
{
	size_t len;
	int rc;

	web_page_begin(r, M_FEED_STATUS);
	web_out(r,
		"<table id=\"feeds\"><tr><th>%T</th><th>%T</th><th>%T</th><th class=\"num\">%T</th>"
		"<th class=\"num\">%T</th></tr>",
		M_NAME, M_SOURCE, M_LAST_IMPORT, M_RECORDS, M_ERRORS);
	len = r->out.len;
	if ((rc = feeds_status(r->s, state_row, r, &r->err)))
		return rc;
	bool none = r->out.len == len;
	web_out(r, "</table>");
	if (none)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	web_page_end(r);
	return 0;
}

struct scans_out {
	struct web_req *r;
	cJSON *items;	       /* JSON, or the page when NULL */
	struct inv_doc *names; /* the operators' names (the page) */
};

static int scan_row(void *arg, const struct scan_info *i)
{
	struct scans_out *x = arg;
	struct web_req *r = x->r;
	const char *state = web_scan_state(r, i->id, i->state);

	if (x->items) {
		cJSON_AddItemToArray(x->items, scan_info_json(i, state));
		return 0;
	}
	web_out(r,
		"<tr><td><a href=\"/scans/%L\">%L</a></td><td>%s</td><td>%s</td><td>%s</td>"
		"<td>%s</td><td>%s</td><td class=\"num\">%L</td><td class=\"num\">%L</td>"
		"</tr>",
		i->id, i->id,
		i->org_slug[0] ? web_org_name(r, x->names, i->org_slug) : web_msg(r->lang, M_ALL),
		web_code(r->lang, i->mode), i->ports, web_jst(r, i->started_at),
		web_scan_state_label(r, state), (int64_t)i->c.sent, (int64_t)i->c.received);
	return 0;
}

int web_api_scans(struct web_req *r)
{
	struct scan_query q;
	struct scans_out x = {r, NULL};
	int64_t total = 0;
	cJSON *o;
	int rc;

	if ((rc = web_paging(r, 100, 1000, &q.limit, &q.offset)))
		return rc;
	o = cJSON_CreateObject();
	x.items = cJSON_AddArrayToObject(o, "items");
	if ((rc = scan_store_page(r->s, &q, scan_row, &x, &total, &r->err))) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "total", (double)total);
	return web_json_reply(r, 200, o);
}

int web_page_scans(struct web_req *r)
{
	struct scan_query q;
	struct scans_out x = {r, NULL};
	int64_t limit, offset, total = 0;
	int rc;

	if ((rc = web_paging(r, 50, 500, &q.limit, &q.offset)))
		return rc;
	limit = q.limit;
	offset = q.offset;
	web_page_begin(r, M_SCAN_HISTORY);
	x.names = web_org_names(r);
	web_scan_form(r, x.names);
	web_out(r,
		"<table id=\"scans\"><tr><th>#</th><th>%T</th><th>%T</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th class=\"num\">%T</th><th class=\"num\">%T</th></tr>",
		M_ORG, M_MODE, M_PORTS, M_STARTED, M_STATUS, M_SENT, M_RECEIVED);
	rc = scan_store_page(r->s, &q, scan_row, &x, &total, &r->err);
	inv_doc_free(x.names);
	if (rc)
		return rc;
	web_out(r, "</table>");
	if (!total)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	web_out(r, "<nav class=\"pager\"><span>%L–%L / %L %T</span>", total ? offset + 1 : 0,
		offset + limit < total ? offset + limit : total, total, M_SHOWING);
	if (offset + limit < total)
		web_out(r, " <a rel=\"next\" href=\"/scans?limit=%L&amp;offset=%L\">%T</a>", limit,
			offset + limit, M_NEXT);
	web_out(r, "</nav>");
	web_scan_jobs_table(r);
	web_page_end(r);
	return 0;
}
