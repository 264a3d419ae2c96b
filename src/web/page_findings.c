/* page_findings.c - findings: the list (filters, server-side paging) and one finding, as pages
 * and JSON, and the dashboard's urgent panel. The caller's rows are a clause of every query. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "base/mtime.h"
#include "inventory/inventory.h"
#include "web/web_int.h"

/* A WHERE clause over findings f (query.c), and whether one severity is filtered. */
struct fq {
	struct web_where w;
	bool one_severity; /* ?severity= given: the list order leaves the rank out */
};

static int fq_add(struct fq *q, const char *cond, const char *val)
{
	return web_where_add(&q->w, cond, val);
}

/* The row-level rule as SQL on alias.org_slug: operators their organisation, bureau users
 * their sector, analysts everything, anyone else nothing. */
int web_rows_clause(const struct web_req *r, const char *alias, char *cond, size_t cap,
		    const char **val)
{
	*val = NULL;
	switch (r->who.role) {
	case AUTH_ROLE_ANALYST: snprintf(cond, cap, "1 = 1"); return 0;
	case AUTH_ROLE_OPERATOR:
		snprintf(cond, cap, "%s.org_slug = ?", alias);
		*val = r->who.org_slug;
		return 0;
	case AUTH_ROLE_BUREAU:
		snprintf(cond, cap, "%s.org_slug IN (SELECT slug FROM orgs WHERE sector = ?)",
			 alias);
		*val = r->who.sector;
		return 0;
	default: return M_EPERM;
	}
}

static int fq_rows(const struct web_req *r, struct fq *q)
{
	char cond[160];
	const char *val;
	int rc = web_rows_clause(r, "f", cond, sizeof(cond), &val);

	web_where_init(&q->w);
	q->one_severity = false;
	return rc ? rc : fq_add(q, cond, val);
}

static bool one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return true;
	return false;
}

static const char *const kinds[] = {"vulnerability", "declared", "risky_service",
				    "tls",	     "email",	 NULL};
static const char *const severities[] = {"critical", "high", "medium", "low", "info", NULL};
static const char *const states[] = {"open", "fixed", NULL};

/* One ?name= filter: absent or empty is no filter; a value outside allowed is M_EPARSE. */
static int fq_filter(struct web_req *r, struct fq *q, const char *name, const char *const *allowed,
		     const char *cond)
{
	const char *v = web_kv_get(&r->query, name);

	if (!v || !v[0])
		return 0;
	if (!one_of(v, allowed))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, name, "unknown %s", name);
	return fq_add(q, cond, v);
}

/* The filters of the list: kind, severity, state, kev=1, org (slug; within the caller's). */
static int fq_filters(struct web_req *r, struct fq *q)
{
	static const char *const yes[] = {"1", "true", NULL};
	const char *kev = web_kv_get(&r->query, "kev"), *org = web_kv_get(&r->query, "org");
	int rc;

	if ((rc = fq_filter(r, q, "kind", kinds, "f.kind = ?")) ||
	    (rc = fq_filter(r, q, "severity", severities, "f.severity = ?")) ||
	    (rc = fq_filter(r, q, "state", states, "f.state = ?")))
		return rc;
	q->one_severity = web_kv_get(&r->query, "severity") && web_kv_get(&r->query, "severity")[0];
	if (kev && kev[0]) {
		if (!one_of(kev, yes) && strcmp(kev, "0") && strcmp(kev, "false"))
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "kev",
				       "kev must be 1 or 0");
		if (one_of(kev, yes) && (rc = fq_add(q, "f.kev = 1", NULL)))
			return rc;
	}
	if (org && org[0] && (rc = fq_add(q, "f.org_slug = ?", org)))
		return rc;
	return 0;
}

#define F_COLS                                                                                 \
	"f.id, f.org_slug, f.asset, f.kind, f.severity, f.state, f.title, f.cve_id, f.kev, "   \
	"f.epss, f.cvss, f.deadline, f.first_seen, f.last_seen, f.fixed_at, f.urgency, "       \
	"f.needs_confirmation, f.confidence, f.cvss_vector, f.kev_due_date, f.ssvc_decision, " \
	"f.bod_timeline, f.reasons, f.evidence"

enum {
	C_ID,
	C_ORG,
	C_ASSET,
	C_KIND,
	C_SEV,
	C_STATE,
	C_TITLE,
	C_CVE,
	C_KEV,
	C_EPSS,
	C_CVSS,
	C_DEADLINE,
	C_FIRST,
	C_LAST,
	C_FIXED,
	C_URGENCY,
	C_NEEDS,
	C_CONF,
	C_VECTOR,
	C_KEV_DUE,
	C_SSVC,
	C_BOD,
	C_REASONS,
	C_EVIDENCE,
};

typedef web_row_fn row_fn;

static int fq_run(struct web_req *r, const struct fq *q, const char *cols, const char *tail,
		  int64_t limit, int64_t offset, row_fn fn, void *arg)
{
	return web_where_run(r, "findings f", &q->w, cols, tail, limit, offset, fn, arg);
}

static int fq_count(struct web_req *r, const struct fq *q, int64_t *n)
{
	return web_where_count(r, "findings f", &q->w, n);
}

/* The list's order: open first ('open' > 'fixed'), KEV, severity rank, newest. The indices
 * of migration 0750 hold these same expressions after each filter column, so a page reads
 * its first rows from an index instead of sorting every matching finding. With one severity
 * asked for, its rank is the same on every row and is left out (SQLite cannot tell an
 * expression over an equality-bound column is constant); the order is unchanged. */
#define ORDER_HEAD "ORDER BY f.state DESC, f.kev DESC, "
#define ORDER_RANK                                                                        \
	"CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 " \
	"WHEN 'low' THEN 3 ELSE 4 END, "
#define ORDER_TAIL "f.first_seen DESC, f.id DESC LIMIT ? OFFSET ?"

static const char *list_tail(const struct fq *q)
{
	return q->one_severity ? ORDER_HEAD ORDER_TAIL : ORDER_HEAD ORDER_RANK ORDER_TAIL;
}

/* ---------------------------------------------------------------- JSON */

static void jnum(cJSON *o, const char *k, struct store_stmt *st, int col)
{
	if (stmt_is_null(st, col))
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, stmt_double(st, col));
}

/* A stored JSON text as JSON (null when absent or not JSON). */
static void jraw(cJSON *o, const char *k, const char *text)
{
	cJSON *v = text ? cJSON_Parse(text) : NULL;

	cJSON_AddItemToObject(o, k, v ? v : cJSON_CreateNull());
}

static cJSON *finding_json(struct store_stmt *st, bool full)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)stmt_int64(st, C_ID));
	json_add_str(o, "org", stmt_text(st, C_ORG));
	json_add_str(o, "asset", stmt_text(st, C_ASSET));
	json_add_str(o, "kind", stmt_text(st, C_KIND));
	json_add_str(o, "severity", stmt_text(st, C_SEV));
	json_add_str(o, "state", stmt_text(st, C_STATE));
	json_add_str(o, "title", stmt_text(st, C_TITLE));
	json_add_str(o, "cve", stmt_text(st, C_CVE));
	cJSON_AddBoolToObject(o, "kev", stmt_int64(st, C_KEV) != 0);
	jnum(o, "epss", st, C_EPSS);
	jnum(o, "cvss", st, C_CVSS);
	json_add_str(o, "urgency", stmt_text(st, C_URGENCY));
	cJSON_AddBoolToObject(o, "needs_confirmation", stmt_int64(st, C_NEEDS) != 0);
	json_add_time(o, "deadline", stmt_int64(st, C_DEADLINE));
	json_add_time(o, "first_seen", stmt_int64(st, C_FIRST));
	json_add_time(o, "last_seen", stmt_int64(st, C_LAST));
	json_add_time(o, "fixed_at", stmt_int64(st, C_FIXED));
	if (full) {
		json_add_str(o, "confidence", stmt_text(st, C_CONF));
		json_add_str(o, "cvss_vector", stmt_text(st, C_VECTOR));
		json_add_str(o, "kev_due_date", stmt_text(st, C_KEV_DUE));
		json_add_str(o, "ssvc_decision", stmt_text(st, C_SSVC));
		json_add_str(o, "bod_timeline", stmt_text(st, C_BOD));
		jraw(o, "reasons", stmt_text(st, C_REASONS));
		jraw(o, "evidence", stmt_text(st, C_EVIDENCE));
	}
	return o;
}

static int json_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	(void)r;
	cJSON_AddItemToArray(arg, finding_json(st, false));
	return 0;
}

/* The list as JSON, q already holding the row rule and any org narrowing. */
static int api_list(struct web_req *r, struct fq *q)
{
	int64_t limit, offset, total;
	cJSON *o, *items;
	int rc;

	if ((rc = web_paging(r, 100, 1000, &limit, &offset)) || (rc = fq_filters(r, q)) ||
	    (rc = fq_count(r, q, &total)))
		return rc;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	if ((rc = fq_run(r, q, F_COLS, list_tail(q), limit, offset, json_row, items))) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "limit", (double)limit);
	cJSON_AddNumberToObject(o, "offset", (double)offset);
	return web_json_reply(r, 200, o);
}

int web_api_findings(struct web_req *r)
{
	struct fq q;
	int rc = fq_rows(r, &q);

	return rc ? rc : api_list(r, &q);
}

int web_api_org_findings(struct web_req *r)
{
	struct inv_doc *d = NULL;
	struct fq q;
	int rc = web_org_load(r, 0, &d);

	if (rc)
		return rc;
	rc = fq_rows(r, &q);
	if (!rc) {
		const char *slug =
		    web_arena_strndup(&r->arena, d->orgs[0].slug, strlen(d->orgs[0].slug));
		rc = slug ? fq_add(&q, "f.org_slug = ?", slug) : M_ENOMEM;
	}
	inv_doc_free(d);
	return rc ? rc : api_list(r, &q);
}

/* ---------------------------------------------------------------- one finding */

struct one {
	cJSON *json; /* API: the finding */
	bool found;
};

/* Narrows q to the {id} parameter. M_ENOTFOUND for anything not a plain number. */
static int fq_id(struct web_req *r, struct fq *q)
{
	const char *id = web_kv_get(&r->params, "id");
	int64_t n;
	int rc;

	if (!id || web_parse_uint(id, INT64_MAX / 10, &n) || id[0] == '0')
		return M_ENOTFOUND;
	if ((rc = fq_rows(r, q)))
		return rc;
	return fq_add(q, "f.id = ?", id);
}

static int events_json(struct web_req *r, int64_t id, cJSON *arr)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(r->s,
			       "SELECT at, event, detail FROM finding_events WHERE finding_id = ? "
			       "ORDER BY at, id",
			       &st, &r->err);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, &r->err)) == 1) {
		cJSON *e = cJSON_CreateObject();
		json_add_time(e, "at", stmt_int64(st, 0));
		json_add_str(e, "event", stmt_text(st, 1));
		json_add_str(e, "detail", stmt_text(st, 2));
		cJSON_AddItemToArray(arr, e);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int one_json_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	struct one *one = arg;

	(void)r;
	one->found = true;
	one->json = finding_json(st, true);
	return 0;
}

int web_api_finding(struct web_req *r)
{
	struct one one = {0};
	struct fq q;
	int rc;

	if ((rc = fq_id(r, &q)) ||
	    (rc = fq_run(r, &q, F_COLS, "LIMIT 1", 0, 0, one_json_row, &one)))
		return rc;
	if (!one.found)
		return M_ENOTFOUND;
	rc = events_json(r, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(one.json, "id")),
			 cJSON_AddArrayToObject(one.json, "events"));
	if (rc) {
		cJSON_Delete(one.json);
		return rc;
	}
	return web_json_reply(r, 200, one.json);
}

/* ---------------------------------------------------------------- pages */

static void truncate_out(struct web_req *r, size_t mark)
{
	if (r->out.len > mark) {
		r->out.len = mark;
		r->out.ptr[mark] = '\0';
	}
}

static const char *sev_class(const char *sev)
{
	return sev && (strcmp(sev, "critical") == 0 || strcmp(sev, "high") == 0) ? "warn" : "";
}

static int html_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	(void)arg;
	web_out(r,
		"<tr><td><a href=\"/findings/%L\">%L</a></td><td><a href=\"/orgs/%u\">%s</a></td>"
		"<td class=\"%s\">%s</td><td>%s%R</td><td>%s</td><td>%s</td><td>%s</td>"
		"<td>%s</td></tr>",
		stmt_int64(st, C_ID), stmt_int64(st, C_ID), stmt_text(st, C_ORG),
		stmt_text(st, C_ORG), sev_class(stmt_text(st, C_SEV)), stmt_text(st, C_SEV),
		stmt_text(st, C_TITLE), stmt_int64(st, C_KEV) ? " <strong>KEV</strong>" : "",
		stmt_text(st, C_ASSET), stmt_text(st, C_KIND), stmt_text(st, C_STATE),
		web_jst(r, stmt_int64(st, C_DEADLINE)));
	return 0;
}

static void select_of(struct web_req *r, const char *name, enum web_msg label,
		      const char *const *values)
{
	const char *cur = web_kv_get(&r->query, name);

	web_out(r, "<label>%T <select name=\"%s\" id=\"f-%s\"><option value=\"\">%T</option>",
		label, name, name, M_ALL);
	for (; *values; values++)
		web_out(r, "<option value=\"%s\"%R>%s</option>", *values,
			cur && strcmp(cur, *values) == 0 ? " selected" : "", *values);
	web_out(r, "</select></label> ");
}

static void filter_form(struct web_req *r, const char *action)
{
	const char *kev = web_kv_get(&r->query, "kev");

	web_out(r, "<form method=\"get\" action=\"%s\" class=\"filter\">", action);
	select_of(r, "kind", M_KIND, kinds);
	select_of(r, "severity", M_SEVERITY, severities);
	select_of(r, "state", M_STATUS, states);
	web_out(r,
		"<label><input type=\"checkbox\" name=\"kev\" value=\"1\"%R> %T</label> "
		"<button type=\"submit\">%T</button></form>",
		kev && strcmp(kev, "1") == 0 ? " checked" : "", M_KEV_ONLY, M_FILTER);
}

/* The filters the pager's links carry. */
static const char *const filter_keys[] = {"kind", "severity", "state", "kev", "org"};

static void findings_pager(struct web_req *r, const char *path, int64_t limit, int64_t offset,
			   int64_t total)
{
	const char *qs = web_filter_qs(r, filter_keys, ARRAY_SIZE(filter_keys));

	web_out(r, "<nav class=\"pager\"><span>%L–%L / %L %T</span>", total ? offset + 1 : 0,
		offset + limit < total ? offset + limit : total, total, M_SHOWING);
	if (offset > 0)
		web_out(r, " <a rel=\"prev\" href=\"%s?%Rlimit=%L&amp;offset=%L\">%T</a>", path, qs,
			limit, offset > limit ? offset - limit : 0, M_PREV);
	if (offset + limit < total)
		web_out(r, " <a rel=\"next\" href=\"%s?%Rlimit=%L&amp;offset=%L\">%T</a>", path, qs,
			limit, offset + limit, M_NEXT);
	web_out(r, "</nav>");
}

/* The filtered, paged table of q's findings (path: where the form and pager point). */
static int findings_table(struct web_req *r, struct fq *q, const char *path)
{
	int64_t limit, offset, total;
	int rc;

	if ((rc = web_paging(r, 50, 500, &limit, &offset)) || (rc = fq_filters(r, q)) ||
	    (rc = fq_count(r, q, &total)))
		return rc;
	filter_form(r, path);
	web_out(r,
		"<table id=\"findings\"><thead><tr><th>#</th><th>%T</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th><th>%T</th><th>%T</th></tr></thead><tbody>",
		M_ORG, M_SEVERITY, M_TITLE, M_ASSET, M_KIND, M_STATUS, M_DEADLINE);
	if ((rc = fq_run(r, q, F_COLS, list_tail(q), limit, offset, html_row, NULL)))
		return rc;
	web_out(r, "</tbody></table>");
	if (total == 0)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	findings_pager(r, path, limit, offset, total);
	return 0;
}

int web_page_findings(struct web_req *r)
{
	struct fq q;
	int rc;
	size_t mark = r->out.len;

	if ((rc = fq_rows(r, &q)))
		return rc;
	web_page_begin(r, M_NAV_FINDINGS);
	if ((rc = findings_table(r, &q, "/findings"))) {
		truncate_out(r, mark); /* the error page replaces the half-written one */
		return rc;
	}
	web_page_end(r);
	return 0;
}

/* Pretty JSON of a stored text, escaped into a <pre>. */
static void pre_json(struct web_req *r, const char *text)
{
	cJSON *v = text ? cJSON_Parse(text) : NULL;
	char *s = v ? cJSON_Print(v) : NULL;

	web_out(r, "<pre>%s</pre>", s ? s : (text ? text : "—"));
	cJSON_free(s);
	cJSON_Delete(v);
}

static int detail_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	struct one *one = arg;
	char num[3][32];

	one->found = true;
	snprintf(num[0], sizeof(num[0]), "%.1f", stmt_double(st, C_CVSS));
	snprintf(num[1], sizeof(num[1]), "%.4f", stmt_double(st, C_EPSS));
	web_page_begin(r, M_FINDING);
	web_out(
	    r,
	    "<h2 id=\"finding-title\">%s</h2><dl class=\"facts\"><dt>#</dt><dd id=\"finding-id\">"
	    "%L</dd><dt>%T</dt><dd><a href=\"/orgs/%u\">%s</a></dd><dt>%T</dt><dd>%s</dd>"
	    "<dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd>"
	    "<dt>CVE</dt><dd>%s</dd><dt>KEV</dt><dd>%T %s</dd><dt>CVSS</dt><dd>%s %s</dd>"
	    "<dt>EPSS</dt><dd>%s</dd><dt>SSVC</dt><dd>%s %s</dd><dt>%T</dt><dd id=\"deadline\">"
	    "%s %s</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd></dl>",
	    stmt_text(st, C_TITLE), stmt_int64(st, C_ID), M_ORG, stmt_text(st, C_ORG),
	    stmt_text(st, C_ORG), M_ASSET, stmt_text(st, C_ASSET), M_KIND, stmt_text(st, C_KIND),
	    M_SEVERITY, stmt_text(st, C_SEV), M_STATUS, stmt_text(st, C_STATE),
	    stmt_text(st, C_CVE), stmt_int64(st, C_KEV) ? M_YES : M_NO, stmt_text(st, C_KEV_DUE),
	    stmt_is_null(st, C_CVSS) ? "—" : num[0], stmt_text(st, C_VECTOR),
	    stmt_is_null(st, C_EPSS) ? "—" : num[1], stmt_text(st, C_URGENCY),
	    stmt_text(st, C_SSVC), M_DEADLINE, web_jst(r, stmt_int64(st, C_DEADLINE)),
	    stmt_text(st, C_BOD), M_FIRST_SEEN, web_jst(r, stmt_int64(st, C_FIRST)), M_LAST_SEEN,
	    web_jst(r, stmt_int64(st, C_LAST)));
	web_out(r, "<h2>%T</h2>", M_REASONS);
	pre_json(r, stmt_text(st, C_REASONS));
	web_out(r, "<h2>%T</h2>", M_EVIDENCE);
	pre_json(r, stmt_text(st, C_EVIDENCE));
	one->json = NULL;
	return 0;
}

int web_page_finding(struct web_req *r)
{
	struct one one = {0};
	struct store_stmt *st = NULL;
	struct fq q;
	int64_t id = 0;
	int rc;

	if ((rc = fq_id(r, &q)))
		return rc;
	if ((rc = fq_run(r, &q, F_COLS, "LIMIT 1", 0, 0, detail_row, &one))) {
		truncate_out(r, 0);
		return rc;
	}
	if (!one.found)
		return M_ENOTFOUND;
	web_parse_uint(web_kv_get(&r->params, "id"), INT64_MAX / 10, &id);
	web_out(r, "<h2>%T</h2><table id=\"events\"><tr><th>%T</th><th>%T</th><th>%T</th></tr>",
		M_EVENTS, M_TIME, M_ACTION, M_NOTE);
	if ((rc = store_prepare(r->s,
				"SELECT at, event, detail FROM finding_events WHERE finding_id = ? "
				"ORDER BY at, id",
				&st, &r->err))) {
		truncate_out(r, 0);
		return rc;
	}
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, &r->err)) == 1)
		web_out(r, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>",
			web_jst(r, stmt_int64(st, 0)), stmt_text(st, 1), stmt_text(st, 2));
	stmt_finalize(st);
	if (rc < 0) {
		truncate_out(r, 0); /* the error page replaces the half-written one */
		return rc;
	}
	web_out(r, "</table><p><a href=\"/findings\">%T</a></p>", M_BACK);
	web_page_end(r);
	return 0;
}

/* ---------------------------------------------------------------- dashboard, org page */

/* Open and (KEV or critical), written as the key of the findings_urgent index (migration 0750)
 * so the count and the newest ten read that index alone; keep the two identical. */
#define URGENT_SQL "(f.state = 'open' AND (f.kev = 1 OR f.severity = 'critical')) = 1"

void web_panel_urgent(struct web_req *r)
{
	struct fq q;
	int64_t total = 0;

	web_out(r, "<section class=\"panel\" id=\"urgent\"><h2>%T</h2>", M_URGENT_FINDINGS);
	if (fq_rows(r, &q) || fq_add(&q, URGENT_SQL, NULL) || fq_count(r, &q, &total) ||
	    total == 0) {
		web_out(r, "<p>%T</p></section>", M_NO_DATA_YET);
		return;
	}
	web_out(r,
		"<table><thead><tr><th>#</th><th>%T</th><th>%T</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th><th>%T</th></tr></thead><tbody>",
		M_ORG, M_SEVERITY, M_TITLE, M_ASSET, M_KIND, M_STATUS, M_DEADLINE);
	fq_run(r, &q, F_COLS, "ORDER BY f.first_seen DESC, f.id DESC LIMIT ? OFFSET ?", 10, 0,
	       html_row, NULL);
	web_out(r, "</tbody></table><p><a href=\"/findings?state=open\">%L %T</a></p></section>",
		total, M_NAV_FINDINGS);
}

/* The operator page's findings: this organisation's, filtered and paged. */
void web_org_findings(struct web_req *r, const char *slug, const char *path)
{
	struct fq q;

	web_out(r, "<h2 id=\"org-findings\">%T</h2>", M_NAV_FINDINGS);
	if (fq_rows(r, &q) || fq_add(&q, "f.org_slug = ?", slug) || findings_table(r, &q, path))
		web_out(r, "<p class=\"error\">%T</p>", M_ERR_BAD_REQUEST);
}
