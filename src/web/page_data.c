/* page_data.c - ratings, services and certificates, feed status and scan history, as pages,
 * dashboard panels and JSON. Organisation data is narrowed by web_rows_clause/web_org_load. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "inventory/inventory.h"
#include "rating/rating.h"
#include "web/web_int.h"

/* Prepares head, the row rule on alias, tail (binds the rule's value first). */
static int prepare_rows(struct web_req *r, const char *head, const char *alias, const char *tail,
			struct store_stmt **st, int *next_bind)
{
	char cond[160], sql[1024];
	const char *val;
	int rc = web_rows_clause(r, alias, cond, sizeof(cond), &val);

	if (rc)
		return rc;
	snprintf(sql, sizeof(sql), "%s%s%s", head, cond, tail);
	if ((rc = store_prepare(r->s, sql, st, &r->err)))
		return rc;
	*next_bind = 1;
	if (val)
		stmt_bind_text(*st, (*next_bind)++, val);
	return 0;
}

/* ---------------------------------------------------------------- ratings */

/* The newest snapshot per organisation among the caller's rows. */
static const char *const latest_head =
    "SELECT x.org_slug, x.grade, x.score, x.period FROM ratings x WHERE ";
static const char *const latest_tail =
    " AND x.id = "
    "(SELECT y.id FROM ratings y WHERE y.org_slug = x.org_slug ORDER BY y.period DESC, "
    "y.computed_at DESC, y.id DESC LIMIT 1) ORDER BY x.grade, x.org_slug";

void web_panel_grades(struct web_req *r)
{
	struct store_stmt *st = NULL;
	char last = 0;
	int b, n = 0;

	web_out(r, "<section class=\"panel\" id=\"grades\"><h2>%T</h2>", M_OPERATORS_BY_GRADE);
	if (prepare_rows(r, latest_head, "x", latest_tail, &st, &b)) {
		web_out(r, "<p>%T</p></section>", M_ERR_INTERNAL);
		return;
	}
	while (stmt_step(st, &r->err) == 1) {
		const char *g = stmt_text(st, 1);
		if (!n++)
			web_out(r, "<dl class=\"grades\">");
		if (g && g[0] != last) {
			web_out(r, "%R<dt class=\"grade grade-%s\">%s</dt><dd>",
				last ? "</dd>" : "", g, g);
			last = g[0];
		}
		web_out(r, "<a href=\"/orgs/%u\" title=\"%s\">%s</a> (%L) ", stmt_text(st, 0),
			stmt_text(st, 3), stmt_text(st, 0), (int64_t)(stmt_double(st, 2) + 0.5));
	}
	stmt_finalize(st);
	if (n)
		web_out(r, "</dd></dl></section>");
	else
		web_out(r, "<p>%T</p></section>", M_NO_DATA_YET);
}

void web_panel_rescan(struct web_req *r)
{
	struct store_stmt *st = NULL;
	int b;

	web_out(r, "<section class=\"panel\" id=\"rescan\"><h2>%T</h2>", M_RESCAN_DUE);
	if (prepare_rows(r, "SELECT s.org_slug, count(*) FROM scan_schedule s WHERE ", "s",
			 " AND s.next_due <= ? GROUP BY s.org_slug ORDER BY 2 DESC, 1 LIMIT 20",
			 &st, &b)) {
		web_out(r, "<p>%T</p></section>", M_ERR_INTERNAL);
		return;
	}
	stmt_bind_int64(st, b, r->now);
	int n = 0;
	while (stmt_step(st, &r->err) == 1) {
		if (!n++)
			web_out(r, "<table><tr><th>%T</th><th class=\"num\">%T</th></tr>", M_ORG,
				M_HOSTS);
		web_out(r, "<tr><td><a href=\"/orgs/%u\">%s</a></td><td class=\"num\">%L</td></tr>",
			stmt_text(st, 0), stmt_text(st, 0), stmt_int64(st, 1));
	}
	stmt_finalize(st);
	if (n)
		web_out(r, "</table></section>");
	else
		web_out(r, "<p>%T</p></section>", M_NO_DATA_YET);
}

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

static void rating_section(struct web_req *r, const char *slug)
{
	cJSON *o = NULL, *x;

	web_out(r, "<h2 id=\"org-rating\">%T</h2>", M_GRADE);
	if (rating_load_json(r->s, slug, NULL, &o, NULL)) {
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_RATING);
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
			char pts[32];
			double p = cJSON_GetNumberValue(cJSON_GetObjectItem(x, "points"));
			if ((p > 0) != (pass == 0))
				continue;
			snprintf(pts, sizeof(pts), "-%.1f", p);
			web_out(r,
				"<tr><td><a href=\"/findings/%L\">%L</a></td><td>%s</td><td>%s</td>"
				"<td>%s</td><td class=\"num\">%s</td><td>%s %s</td></tr>",
				(int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "finding")),
				(int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "finding")),
				cJSON_GetStringValue(cJSON_GetObjectItem(x, "reason_ja")),
				cJSON_GetStringValue(cJSON_GetObjectItem(x, "title")),
				cJSON_GetStringValue(cJSON_GetObjectItem(x, "asset")), pts,
				cJSON_GetStringValue(cJSON_GetObjectItem(x, "factors")),
				cJSON_GetStringValue(cJSON_GetObjectItem(x, "note")));
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

static const char *const services_sql =
    "SELECT ip, port, proto, service, product, version, cpe, tls_info, state, last_seen "
    "FROM services WHERE org_slug = ? ORDER BY ip, port, proto";

int web_api_org_services(struct web_req *r)
{
	struct inv_doc *d = NULL;
	struct store_stmt *st = NULL;
	cJSON *o, *items;
	int rc = web_org_load(r, 0, &d);

	if (rc)
		return rc;
	if ((rc = store_prepare(r->s, services_sql, &st, &r->err))) {
		inv_doc_free(d);
		return rc;
	}
	stmt_bind_text(st, 1, d->orgs[0].slug);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "org", d->orgs[0].slug);
	inv_doc_free(d);
	items = cJSON_AddArrayToObject(o, "items");
	while ((rc = stmt_step(st, &r->err)) == 1) {
		cJSON *x = cJSON_CreateObject(), *t;
		json_add_str(x, "ip", stmt_text(st, 0));
		cJSON_AddNumberToObject(x, "port", (double)stmt_int64(st, 1));
		json_add_str(x, "proto", stmt_text(st, 2));
		json_add_str(x, "service", stmt_text(st, 3));
		json_add_str(x, "product", stmt_text(st, 4));
		json_add_str(x, "version", stmt_text(st, 5));
		json_add_str(x, "cpe", stmt_text(st, 6));
		t = stmt_text(st, 7) ? cJSON_Parse(stmt_text(st, 7)) : NULL;
		cJSON_AddItemToObject(x, "tls", t ? t : cJSON_CreateNull());
		json_add_str(x, "state", stmt_text(st, 8));
		json_add_time(x, "last_seen", stmt_int64(st, 9));
		cJSON_AddItemToArray(items, x);
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 200, o);
}

static bool jtrue(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(o, k));
}

/* One certificate row from a tls_info JSON text: the leaf of the chain and the flags. */
static void cert_row(struct web_req *r, const char *where, const char *tls_text)
{
	cJSON *t = tls_text ? cJSON_Parse(tls_text) : NULL;
	const cJSON *leaf = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "chain"), 0);
	char flags[96];

	if (!leaf) {
		cJSON_Delete(t);
		return;
	}
	snprintf(flags, sizeof(flags), "%s%s%s%s", jtrue(t, "expired") ? "expired " : "",
		 jtrue(t, "self_signed") || jtrue(leaf, "self_signed") ? "self-signed " : "",
		 jtrue(t, "hostname_mismatch") ? "mismatch " : "",
		 jtrue(t, "not_yet_valid") ? "not-yet-valid" : "");
	web_out(r, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td></tr>",
		where, cJSON_GetStringValue(cJSON_GetObjectItem(leaf, "subject")),
		cJSON_GetStringValue(cJSON_GetObjectItem(leaf, "issuer")),
		web_jst(r, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(leaf, "not_after"))),
		flags[0] ? "warn" : "ok", flags[0] ? flags : "—");
	cJSON_Delete(t);
}

static void services_section(struct web_req *r, const char *slug)
{
	struct store_stmt *st = NULL;
	struct buf certs;
	int n = 0;

	web_out(r,
		"<h2 id=\"org-services\">%T</h2><table id=\"services\"><tr><th>ip:port</th>"
		"<th>%T</th><th>%T</th><th>CPE</th></tr>",
		M_SERVICES, M_PRODUCT, M_VERSION);
	if (store_prepare(r->s, services_sql, &st, &r->err)) {
		web_out(r, "</table>");
		return;
	}
	buf_init(&certs, 1 << 20);
	stmt_bind_text(st, 1, slug);
	while (stmt_step(st, &r->err) == 1) {
		char where[96];
		snprintf(where, sizeof(where), "%s:%lld/%s", stmt_text(st, 0),
			 (long long)stmt_int64(st, 1), stmt_text(st, 2));
		n++;
		web_out(r, "<tr><td>%s</td><td>%s %s</td><td>%s</td><td>%s</td></tr>", where,
			stmt_text(st, 3), stmt_text(st, 4), stmt_text(st, 5), stmt_text(st, 6));
		if (stmt_text(st, 7)) {
			/* certificates go in their own table after this one */
			struct buf save = r->out;
			r->out = certs;
			cert_row(r, where, stmt_text(st, 7));
			certs = r->out;
			r->out = save;
		}
	}
	stmt_finalize(st);
	web_out(r, "</table>");
	if (!n)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	web_out(r,
		"<h2 id=\"org-certs\">%T</h2><table id=\"certificates\"><tr><th>ip:port</th>"
		"<th>%T</th><th>%T</th><th>%T (JST)</th><th>%T</th></tr>%R</table>",
		M_CERTIFICATES, M_SUBJECT, M_ISSUER, M_NOT_AFTER, M_FLAGS,
		certs.len ? certs.ptr : "");
	if (!certs.len)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	buf_release(&certs);
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

static const char *const feeds_sql =
    "SELECT feed, source, last_import, records, errors FROM feed_state ORDER BY feed";

int web_api_feeds(struct web_req *r)
{
	struct store_stmt *st = NULL;
	cJSON *o, *items;
	int rc = store_prepare(r->s, feeds_sql, &st, &r->err);

	if (rc)
		return rc;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	while ((rc = stmt_step(st, &r->err)) == 1) {
		cJSON *x = cJSON_CreateObject();
		json_add_str(x, "feed", stmt_text(st, 0));
		json_add_str(x, "source", stmt_text(st, 1));
		json_add_time(x, "last_import", stmt_int64(st, 2));
		cJSON_AddNumberToObject(x, "records", (double)stmt_int64(st, 3));
		cJSON_AddNumberToObject(x, "errors", (double)stmt_int64(st, 4));
		cJSON_AddItemToArray(items, x);
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 200, o);
}

int web_page_feeds(struct web_req *r)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(r->s, feeds_sql, &st, &r->err), n = 0;

	if (rc)
		return rc;
	web_page_begin(r, M_FEED_STATUS);
	web_out(r,
		"<table id=\"feeds\"><tr><th>%T</th><th>%T</th><th>%T</th><th class=\"num\">%T</th>"
		"<th class=\"num\">%T</th></tr>",
		M_NAME, M_SOURCE, M_LAST_IMPORT, M_RECORDS, M_ERRORS);
	while (stmt_step(st, &r->err) == 1) {
		n++;
		web_out(r,
			"<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%L</td>"
			"<td class=\"num %s\">%L</td></tr>",
			stmt_text(st, 0), stmt_text(st, 1), web_jst(r, stmt_int64(st, 2)),
			stmt_int64(st, 3), stmt_int64(st, 4) ? "warn" : "", stmt_int64(st, 4));
	}
	stmt_finalize(st);
	web_out(r, "</table>");
	if (!n)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	web_page_end(r);
	return 0;
}

static const char *const scans_sql =
    "SELECT id, org_slug, mode, ports, started_at, finished_at, state, sent, received "
    "FROM scans ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?";

static int scans_query(struct web_req *r, int64_t def, int64_t max, struct store_stmt **st,
		       int64_t *limit, int64_t *offset, int64_t *total)
{
	int rc;

	if ((rc = web_paging(r, def, max, limit, offset)) ||
	    (rc = store_query_int(r->s, "SELECT count(*) FROM scans", total, &r->err)) ||
	    (rc = store_prepare(r->s, scans_sql, st, &r->err)))
		return rc;
	stmt_bind_int64(*st, 1, *limit);
	stmt_bind_int64(*st, 2, *offset);
	return 0;
}

int web_api_scans(struct web_req *r)
{
	struct store_stmt *st = NULL;
	int64_t limit, offset, total;
	cJSON *o, *items;
	int rc = scans_query(r, 100, 1000, &st, &limit, &offset, &total);

	if (rc)
		return rc;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	while ((rc = stmt_step(st, &r->err)) == 1) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "id", (double)stmt_int64(st, 0));
		json_add_str(x, "org", stmt_text(st, 1));
		json_add_str(x, "mode", stmt_text(st, 2));
		json_add_str(x, "ports", stmt_text(st, 3));
		json_add_time(x, "started_at", stmt_int64(st, 4));
		json_add_time(x, "finished_at", stmt_int64(st, 5));
		json_add_str(x, "state", web_scan_state(r, stmt_int64(st, 0), stmt_text(st, 6)));
		cJSON_AddNumberToObject(x, "sent", (double)stmt_int64(st, 7));
		cJSON_AddNumberToObject(x, "received", (double)stmt_int64(st, 8));
		cJSON_AddItemToArray(items, x);
	}
	stmt_finalize(st);
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "total", (double)total);
	return web_json_reply(r, 200, o);
}

int web_page_scans(struct web_req *r)
{
	struct store_stmt *st = NULL;
	int64_t limit, offset, total;
	int rc = scans_query(r, 50, 500, &st, &limit, &offset, &total);

	if (rc)
		return rc;
	web_page_begin(r, M_SCAN_HISTORY);
	web_scan_form(r);
	web_out(r,
		"<table id=\"scans\"><tr><th>#</th><th>%T</th><th>%T</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th class=\"num\">%T</th><th class=\"num\">%T</th></tr>",
		M_ORG, M_MODE, M_PORTS, M_STARTED, M_STATUS, M_SENT, M_RECEIVED);
	while (stmt_step(st, &r->err) == 1)
		web_out(
		    r,
		    "<tr><td><a href=\"/scans/%L\">%L</a></td><td>%s</td><td>%s</td><td>%s</td>"
		    "<td>%s</td><td>%s</td><td class=\"num\">%L</td><td class=\"num\">%L</td>"
		    "</tr>",
		    stmt_int64(st, 0), stmt_int64(st, 0),
		    stmt_text(st, 1) ? stmt_text(st, 1) : "(all)", stmt_text(st, 2),
		    stmt_text(st, 3), web_jst(r, stmt_int64(st, 4)),
		    web_scan_state_label(r, web_scan_state(r, stmt_int64(st, 0), stmt_text(st, 6))),
		    stmt_int64(st, 7), stmt_int64(st, 8));
	stmt_finalize(st);
	web_out(r, "</table>");
	if (!total)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	web_out(r, "<nav class=\"pager\"><span>%L–%L / %L %T</span>", total ? offset + 1 : 0,
		offset + limit < total ? offset + limit : total, total, M_SHOWING);
	if (offset + limit < total)
		web_out(r, " <a rel=\"next\" href=\"/scans?limit=%L&amp;offset=%L\">%T</a>", limit,
			offset + limit, M_NEXT);
	web_out(r, "</nav>");
	web_page_end(r);
	return 0;
}
