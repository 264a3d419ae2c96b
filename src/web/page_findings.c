/* page_findings.c - findings: the list (search, filters, whitelisted sort, page numbers) and one
 * finding, as pages and JSON, and the dashboard's fix-first panel. Every read goes through the
 * findings library (finding_query, finding_priority); the caller's rows are the query's rule. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include <time.h>

#include "base/ip.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "base/mtime.h"
#include "findings/findings.h"
#include "inventory/inventory.h"
#include "vuln/match.h"
#include "web/web_int.h"

/* The caller's rows as a finding_query rule. */
static int fq_rows(const struct web_req *r, struct finding_query *q)
{
	memset(q, 0, sizeof(*q));
	q->now = time_now();
	switch (r->who.role) {
	case AUTH_ROLE_ANALYST: return 0;
	case AUTH_ROLE_OPERATOR: q->org = r->who.org_slug; return 0;
	case AUTH_ROLE_BUREAU: q->sector = r->who.sector; return 0;
	default: return M_EPERM;
	}
}

static const char *qv(struct web_req *r, const char *k)
{
	const char *v = web_kv_get(&r->query, k);
	return v && v[0] ? v : NULL;
}

/* ?name=1|true|0|false; anything else M_EPARSE. */
static int flag(struct web_req *r, const char *name, bool *out)
{
	const char *v = qv(r, name);

	*out = false;
	if (!v)
		return 0;
	if (!strcmp(v, "1") || !strcmp(v, "true"))
		*out = true;
	else if (strcmp(v, "0") && strcmp(v, "false"))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, name,
			       "%s must be 1 or 0 / 1 または 0 を指定してください", name);
	return 0;
}

/* The filters, search and sort of the request (checked by the library). */
static int fq_filters(struct web_req *r, struct finding_query *q)
{
	int rc;

	q->kind = qv(r, "kind");
	q->severity = qv(r, "severity");
	q->state = qv(r, "state");
	q->org2 = qv(r, "org");
	q->cve = qv(r, "cve");
	q->host = qv(r, "host");
	q->product = qv(r, "product");
	q->search = qv(r, "q");
	q->sort = qv(r, "sort");
	if ((rc = flag(r, "kev", &q->kev_only)) || (rc = flag(r, "confirm", &q->confirm_only)) ||
	    (rc = flag(r, "overdue", &q->overdue)))
		return rc;
	return finding_query_check(q, &r->err);
}

/* ---------------------------------------------------------------- JSON */

static int json_row(void *arg, const struct finding_row *row)
{
	cJSON_AddItemToArray(arg, finding_row_json(row));
	return 0;
}

/* The list as JSON, q already holding the row rule and any org narrowing. */
static int api_list(struct web_req *r, struct finding_query *q)
{
	int64_t total;
	bool capped;
	cJSON *o, *items;
	int rc;

	if ((rc = web_paging(r, 100, 1000, &q->limit, &q->offset)) || (rc = fq_filters(r, q)))
		return rc;
	o = cJSON_CreateObject();
	items = cJSON_AddArrayToObject(o, "items");
	if ((rc = finding_query_page(r->s, q, FINDING_COUNT_CAP, &total, &capped, json_row, items,
				     &r->err))) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "total", (double)total);
	if (capped) /* a common search term: total is the cap, there are more */
		cJSON_AddTrueToObject(o, "total_capped");
	cJSON_AddNumberToObject(o, "limit", (double)q->limit);
	cJSON_AddNumberToObject(o, "offset", (double)q->offset);
	return web_json_reply(r, 200, o);
}

int web_api_findings(struct web_req *r)
{
	struct finding_query q;
	int rc = fq_rows(r, &q);

	return rc ? rc : api_list(r, &q);
}

/* The {org} parameter as a slug among the caller's rows (404 otherwise). */
static int org_slug_param(struct web_req *r, const char **slug)
{
	struct inv_doc *d = NULL;
	int rc = web_org_load(r, 0, &d);

	if (rc)
		return rc;
	*slug = web_arena_strndup(&r->arena, d->orgs[0].slug, strlen(d->orgs[0].slug));
	inv_doc_free(d);
	return *slug ? 0 : M_ENOMEM;
}

int web_api_org_findings(struct web_req *r)
{
	struct finding_query q;
	const char *slug;
	int rc;

	if ((rc = org_slug_param(r, &slug)) || (rc = fq_rows(r, &q)))
		return rc;
	if (!q.org)
		q.org = slug; /* an operator's rule is this org already (else 404 above) */
	return api_list(r, &q);
}

/* ---------------------------------------------------------------- one finding */

/* The {id} parameter within the caller's rows: M_ENOTFOUND for anything else. */
static int one_get(struct web_req *r, cJSON **out)
{
	const char *id = web_kv_get(&r->params, "id");
	struct finding_query q;
	int64_t n;
	int rc;

	if (!id || web_parse_uint(id, INT64_MAX / 10, &n) || id[0] == '0')
		return M_ENOTFOUND;
	if ((rc = fq_rows(r, &q)))
		return rc;
	rc = finding_get_json_in(r->s, n, q.org, q.sector, out, &r->err);
	if (rc == M_ENOTFOUND)
		merr_init(&r->err);
	return rc;
}

int web_api_finding(struct web_req *r)
{
	cJSON *o = NULL;
	int rc = one_get(r, &o);

	return rc ? rc : web_json_reply(r, 200, o);
}

/* ---------------------------------------------------------------- pages */

static bool may_triage(const struct web_req *r);

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

/* The deadline cell: JST date, "期限超過" when past, KEV's own date labelled. */
static void deadline_cell(struct web_req *r, const struct finding_row *f)
{
	char d[TIME_STR_MAX] = "—";

	if (f->deadline)
		time_fmt_jst_date(f->deadline, d);
	web_out(r, "<td class=\"deadline code\"><span class=\"date\">%s</span>", d);
	if (f->deadline && f->deadline < time_now() && !strcmp(f->state, "open"))
		web_out(r, " <strong class=\"warn\">%T</strong>", M_OVERDUE);
	if (f->kev_due_date)
		web_out(r, "<br><small>%T <span class=\"date\">%s</span></small>", M_KEV_DUE,
			f->kev_due_date);
	web_out(r, "</td>");
}

/* The asset as a reader sees it: declared:cpe:2.3:a:v:p:ver:... -> "申告: Product ver" (the
 * product display table), the stored key in the title. */
static void asset_cell(struct web_req *r, const struct finding_row *f)
{
	const char *a = f->asset;
	char nb[320];

	if (!strncmp(a, "declared:", 9)) {
		web_out(r, "<td class=\"asset\" title=\"%s\">%s</td>", a,
			web_asset_name(r->lang, a, nb, sizeof nb));
		return;
	}
	if (f->ip)
		web_out(r, "<td class=\"asset\"><a href=\"/hosts/%u\">%s</a></td>", f->ip, a);
	else
		web_out(r, "<td class=\"asset\">%s</td>", a);
}

static int html_row(void *arg, const struct finding_row *f)
{
	struct web_req *r = arg;
	char tb[512], on[256];

	web_out(r, "<tr>");
	if (may_triage(r))
		web_out(r,
			"<td><input type=\"checkbox\" name=\"id\" value=\"%L\" form=\"bulk\" "
			"aria-label=\"#%L\"></td>",
			f->id, f->id);
	web_out(r,
		"<td class=\"no\"><a href=\"/findings/%L\">%L</a></td><td class=\"org\"><a "
		"href=\"/orgs/%u\" title=\"%s\">%s</a></td><td class=\"%s\">%s</td><td "
		"class=\"title\">%s%R",
		f->id, f->id, f->org, f->org,
		inv_org_display_name(r->s, f->org, r->lang == WEB_LANG_EN, on, sizeof on),
		sev_class(f->severity), web_code(r->lang, f->severity),
		web_finding_title(r->lang, f->title, f->cve_id, f->kind, tb, sizeof(tb)),
		f->kev ? " <strong>KEV</strong>" : "");
	if (f->needs_confirmation)
		web_out(r, " <em class=\"confirm\">%T</em>", M_CONFIRM_TAG);
	web_out(r, "</td>");
	asset_cell(r, f);
	web_out(r, "<td class=\"code\">%s</td><td class=\"code\">%s%R%s</td>",
		web_code(r->lang, f->kind), web_code(r->lang, f->state),
		f->triage ? "<br><span class=\"triage\">" : "",
		f->triage ? web_code(r->lang, f->triage) : "");
	if (f->triage)
		web_out(r, "</span>");
	deadline_cell(r, f);
	web_out(r, "</tr>");
	return 0;
}

static void triage_select(struct web_req *r, bool unchanged)
{
	web_out(r, "<label>%T <select name=\"state\" id=\"t-state\">", M_TRIAGE);
	if (unchanged)
		web_out(r, "<option value=\"\">%T</option>", M_UNCHANGED);
	for (int i = 0; finding_triage_states[i]; i++)
		web_out(r, "<option value=\"%s\">%s</option>", finding_triage_states[i],
			strcmp(finding_triage_states[i], "none")
			    ? web_code(r->lang, finding_triage_states[i])
			    : web_msg(r->lang, M_UNTRIAGED));
	web_out(r,
		"</select></label> <label>%T <input type=\"date\" name=\"until\" "
		"id=\"t-until\"></label> <label>%T <input type=\"text\" name=\"assignee\" "
		"id=\"t-assignee\" maxlength=\"128\" size=\"10\"></label> <label>%T "
		"<textarea name=\"comment\" id=\"t-comment\" maxlength=\"2000\" rows=\"2\" "
		"cols=\"30\"></textarea></label> ",
		M_UNTIL, M_ASSIGNEE, M_COMMENT);
}

/* The bulk form: the table's checkboxes belong to it (form="bulk"). */
static void bulk_form(struct web_req *r, const char *path)
{
	if (!may_triage(r))
		return;
	web_out(r, "<form method=\"post\" action=\"/findings/triage\" id=\"bulk\" "
		   "class=\"bulk\">");
	web_csrf_field(r);
	web_out(r, "<input type=\"hidden\" name=\"back\" value=\"%s\"><span>%T</span> ", path,
		M_SELECTED);
	triage_select(r, true);
	web_out(r, "<button type=\"submit\" id=\"bulk-apply\">%T</button></form>", M_APPLY);
}

static void select_of(struct web_req *r, const char *name, enum web_msg label,
		      const char *const *values)
{
	const char *cur = web_kv_get(&r->query, name);

	web_out(r, "<label>%T <select name=\"%s\" id=\"f-%s\"><option value=\"\">%T</option>",
		label, name, name, M_ALL);
	for (; *values; values++)
		web_out(r, "<option value=\"%s\"%R>%s</option>", *values,
			cur && strcmp(cur, *values) == 0 ? " selected" : "",
			web_code(r->lang, *values));
	web_out(r, "</select></label> ");
}

static void text_of(struct web_req *r, const char *name, enum web_msg label)
{
	const char *cur = web_kv_get(&r->query, name);

	web_out(r,
		"<label>%T <input type=\"search\" name=\"%s\" id=\"f-%s\" value=\"%s\" "
		"maxlength=\"200\" size=\"12\"></label> ",
		label, name, name, cur ? cur : "");
}

static void check_of(struct web_req *r, const char *name, enum web_msg label)
{
	const char *v = web_kv_get(&r->query, name);

	web_out(
	    r, "<label><input type=\"checkbox\" name=\"%s\" id=\"f-%s\" value=\"1\"%R> %T</label> ",
	    name, name, v && !strcmp(v, "1") ? " checked" : "", label);
}

static void filter_form(struct web_req *r, const char *action, bool org_picker)
{
	const char *sort = web_kv_get(&r->query, "sort");

	web_out(r, "<form method=\"get\" action=\"%s\" class=\"filter\" id=\"findings-filter\">",
		action);
	text_of(r, "q", M_SEARCH);
	if (org_picker && r->who.role != AUTH_ROLE_OPERATOR)
		text_of(r, "org", M_ORG);
	text_of(r, "cve", M_CVE);
	text_of(r, "host", M_HOST);
	text_of(r, "product", M_PRODUCT);
	select_of(r, "kind", M_KIND, finding_kinds);
	select_of(r, "severity", M_SEVERITY, finding_severities);
	select_of(r, "state", M_STATUS, finding_states);
	check_of(r, "kev", M_KEV_ONLY);
	check_of(r, "confirm", M_TO_CONFIRM);
	check_of(r, "overdue", M_OVERDUE_ONLY);
	if (sort && sort[0])
		web_out(r, "<input type=\"hidden\" name=\"sort\" value=\"%s\">", sort);
	web_out(r, "<button type=\"submit\">%T</button></form>", M_FILTER);
}

/* The filters the pager, sort and CSV links carry. */
static const char *const filter_keys[] = {"q",	      "org",   "cve", "host",	 "product", "kind",
					  "severity", "state", "kev", "confirm", "overdue"};

/* A sortable column header: a link flipping the direction of key. */
static void sort_th(struct web_req *r, const char *path, const char *qs, const char *key,
		    enum web_msg label)
{
	const char *cur = web_kv_get(&r->query, "sort");
	bool on = cur && !strcmp(cur[0] == '-' ? cur + 1 : cur, key);
	bool desc = on && cur[0] == '-';

	web_out(r, "<th%R><a href=\"%s?%Rsort=%R%s\">%T%R</a></th>",
		on ? (desc ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : "", path,
		qs, on && !desc ? "-" : "", key, label, on ? (desc ? " ▼" : " ▲") : "");
}

static void findings_pager(struct web_req *r, const char *path, int64_t limit, int64_t offset,
			   int64_t total, bool capped)
{
	const char *qs = web_filter_qs(r, filter_keys, ARRAY_SIZE(filter_keys));
	const char *sort = web_kv_get(&r->query, "sort");
	int64_t pages = (total + limit - 1) / limit, cur = offset / limit;
	char sq[80] = "";

	if (sort && sort[0] && strlen(sort) < 40)
		snprintf(sq, sizeof(sq), "sort=%s&amp;", sort); /* whitelisted by the check */
	/* a capped count (a common search term) reads "10,000+", its page links up to the cap */
	web_out(r, "<nav class=\"pager\"><span>%L–%L / <span id=\"total\">%L%s</span> %T</span>",
		total ? offset + 1 : 0, offset + limit < total ? offset + limit : total, total,
		capped ? "+" : "", M_SHOWING);
	if (offset > 0)
		web_out(r, " <a rel=\"prev\" href=\"%s?%R%Rlimit=%L&amp;offset=%L\">%T</a>", path,
			qs, sq, limit, offset > limit ? offset - limit : 0, M_PREV);
	for (int64_t p = 0; p < pages; p++) {
		/* first, last and two around the current page */
		if (p != 0 && p != pages - 1 && (p < cur - 2 || p > cur + 2)) {
			if (p == cur - 3 || p == cur + 3)
				web_out(r, " …");
			continue;
		}
		if (p == cur)
			web_out(r, " <strong class=\"page\">%L</strong>", p + 1);
		else
			web_out(r,
				" <a class=\"page\" href=\"%s?%R%Rlimit=%L&amp;offset=%L\">%L</a>",
				path, qs, sq, limit, p * limit, p + 1);
	}
	if (offset + limit < total)
		web_out(r, " <a rel=\"next\" href=\"%s?%R%Rlimit=%L&amp;offset=%L\">%T</a>", path,
			qs, sq, limit, offset + limit, M_NEXT);
	web_out(r, "</nav>");
}

/* The filtered, sorted, paged table of q's findings (path: where the form and links point). */
static int findings_table(struct web_req *r, struct finding_query *q, const char *path,
			  bool org_picker)
{
	const char *qs;
	int64_t total;
	bool capped;
	int rc;

	if ((rc = web_paging(r, 50, 500, &q->limit, &q->offset)) || (rc = fq_filters(r, q)))
		return rc;
	qs = web_filter_qs(r, filter_keys, ARRAY_SIZE(filter_keys));
	filter_form(r, path, org_picker);
	web_out(r,
		"<p class=\"export\"><a id=\"findings-csv\" href=\"/findings.csv?%R%R\" "
		"download>%T</a></p>",
		qs, path[1] == 'o' ? "" : "", M_CSV_EXPORT);
	bulk_form(r, path);
	web_out(r, "<div class=\"scroll\"><table id=\"findings\"><thead><tr>");
	if (may_triage(r))
		web_out(r, "<th></th>");
	sort_th(r, path, qs, "id", M_NUMBER);
	sort_th(r, path, qs, "org", M_ORG);
	sort_th(r, path, qs, "severity", M_SEVERITY);
	web_out(r, "<th>%T</th>", M_TITLE);
	sort_th(r, path, qs, "asset", M_ASSET);
	sort_th(r, path, qs, "kind", M_KIND);
	web_out(r, "<th>%T</th>", M_STATUS);
	sort_th(r, path, qs, "deadline", M_DEADLINE);
	web_out(r, "</tr></thead><tbody>");
	if ((rc = finding_query_page(r->s, q, FINDING_COUNT_CAP, &total, &capped, html_row, r,
				     &r->err)))
		return rc;
	web_out(r, "</tbody></table></div>");
	if (total == 0)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_MATCH);
	findings_pager(r, path, q->limit, q->offset, total, capped);
	return 0;
}

int web_page_findings(struct web_req *r)
{
	struct finding_query q;
	int rc;
	size_t mark = r->out.len;

	if ((rc = fq_rows(r, &q)))
		return rc;
	web_page_begin(r, M_NAV_FINDINGS);
	if ((rc = findings_table(r, &q, "/findings", true))) {
		truncate_out(r, mark); /* the error page replaces the half-written one */
		return rc;
	}
	web_page_end(r);
	return 0;
}

/* ---------------------------------------------------------------- one finding, readable */

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* A JSON value as a short readable text (no braces for scalars). */
static const char *jtext(struct web_req *r, const cJSON *v)
{
	char *s;
	const char *out;

	if (!v || cJSON_IsNull(v))
		return "—";
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsBool(v))
		return web_msg(r->lang, cJSON_IsTrue(v) ? M_YES : M_NO);
	s = cJSON_PrintUnformatted(v);
	out = s ? web_arena_strndup(&r->arena, s, strlen(s)) : "?";
	cJSON_free(s);
	return out;
}

/* reasons: {name: {value, from}} as a table: the decision input, its value, where from. */
static void reasons_table(struct web_req *r, const cJSON *rs)
{
	const cJSON *x;

	if (!cJSON_IsObject(rs) || !rs->child) {
		web_out(r, "<p>—</p>");
		return;
	}
	web_out(r,
		"<table id=\"reasons\"><thead><tr><th>%T</th><th>%T</th><th>%T</th></tr>"
		"</thead><tbody>",
		M_INPUT, M_VALUE, M_SOURCE);
	cJSON_ArrayForEach(x, rs)
	{
		web_out(r, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>",
			web_code(r->lang, x->string),
			web_code(r->lang, jtext(r, cJSON_GetObjectItemCaseSensitive(x, "value"))),
			jtext(r, cJSON_GetObjectItemCaseSensitive(x, "from")));
	}
	web_out(r, "</tbody></table>");
}

/* evidence: a flat table of its fields, nested objects one level down (finding_evidence_walk,
 * as the report's annex reads it). */
static int evidence_row(void *arg, const char *prefix, const char *key, const char *value,
			const struct cJSON *item)
{
	struct web_req *r = arg;
	const char *v = cJSON_IsBool(item) ? web_msg(r->lang, cJSON_IsTrue(item) ? M_YES : M_NO)
			: value		   ? value
					   : "—";
	size_t cap = strlen(v) * 4 + 1;
	char *esc = web_arena_alloc(&r->arena, cap);

	/* binary banner bytes (a MySQL handshake) as \xNN, never U+FFFD */
	web_out(r, "<tr><td>%s%R%s</td><td><pre class=\"wrap\">%s</pre></td></tr>",
		prefix ? prefix : "", prefix ? " › " : "", key,
		esc ? utf8_escape_binary(v, esc, cap) : v);
	return 0;
}

static void evidence_table(struct web_req *r, const cJSON *ev)
{
	if (cJSON_IsString(ev)) {
		web_out(r, "<pre class=\"wrap\">%s</pre>", ev->valuestring);
		return;
	}
	if (!cJSON_IsObject(ev) || !ev->child) {
		web_out(r, "<p>—</p>");
		return;
	}
	web_out(r, "<table id=\"evidence\"><tbody>");
	finding_evidence_walk(ev, evidence_row, r);
	web_out(r, "</tbody></table>");
}

static const char *num_or_dash(struct web_req *r, const cJSON *v, int prec)
{
	char *s;

	if (!cJSON_IsNumber(v))
		return "—";
	s = web_arena_alloc(&r->arena, 32);
	if (!s)
		return "—";
	snprintf(s, 32, "%.*f", prec, v->valuedouble);
	return s;
}

/* "2026-12-01T00:00:00Z" (json_add_time) as Unix seconds; -1 when not that form. */
static int parse_utc(const char *s, int64_t *t)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, se;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* A stored UTC time text as JST. */
static const char *jst_of(struct web_req *r, const char *utc)
{
	int64_t t;

	if (!utc || parse_utc(utc, &t))
		return utc ? utc : "—";
	return web_jst(r, t);
}

/* What the CVE is, in words: NVD's (English) description and CWE class, and JVN's Japanese
 * title on Japanese pages, so a title of one language is never all a reader gets. */
static void cve_about(struct web_req *r, const char *cve)
{
	cJSON *d = NULL, *j;
	const char *desc, *cwe, *jvn = NULL;

	if (!cve || vuln_cve_describe(r->s, cve, &d, &r->err)) {
		merr_init(&r->err);
		return;
	}
	desc = cJSON_GetStringValue(cJSON_GetObjectItem(d, "description"));
	cwe = cJSON_GetStringValue(cJSON_GetObjectItem(d, "cwe"));
	cJSON_ArrayForEach(j, cJSON_GetObjectItem(d, "jvn")) if (!jvn) jvn =
	    cJSON_GetStringValue(cJSON_GetObjectItem(j, "title_ja"));
	web_out(r, "<h2>%s</h2><dl class=\"facts\" id=\"cve-about\">",
		r->lang == WEB_LANG_EN ? "About this CVE" : "この CVE について");
	if (jvn && r->lang != WEB_LANG_EN)
		web_out(r, "<dt>JVN</dt><dd id=\"cve-jvn\">%s</dd>", jvn);
	if (desc)
		web_out(r, "<dt>%s</dt><dd id=\"cve-description\" lang=\"en\">%s</dd>",
			r->lang == WEB_LANG_EN ? "Description (NVD)" : "説明 (NVD, 英語)", desc);
	if (cwe)
		web_out(r, "<dt>CWE</dt><dd id=\"cve-cwe\">%s</dd>", cwe);
	web_out(r, "</dl>");
	cJSON_Delete(d);
}

int web_page_finding(struct web_req *r)
{
	cJSON *o = NULL;
	const cJSON *ev;
	char dl[TIME_STR_MAX] = "—", tb[512], ab[320];
	int64_t t;
	int rc = one_get(r, &o);

	if (rc)
		return rc;
	if (jstr(o, "deadline") && !parse_utc(jstr(o, "deadline"), &t))
		time_fmt_jst_date(t, dl);
	struct inv_doc *names = web_org_names(r); /* the company, not its slug */
	web_page_begin(r, M_FINDING);
	web_out(
	    r,
	    "<h2 id=\"finding-title\">%s</h2><dl class=\"facts\"><dt>#</dt><dd id=\"finding-id\">"
	    "%L</dd><dt>%T</dt><dd><a href=\"/orgs/%u\">%s</a></dd><dt>%T</dt><dd>%s</dd>"
	    "<dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd>"
	    "<dt>%T</dt><dd>%s</dd>",
	    web_finding_title(r->lang, jstr(o, "title"), jstr(o, "cve"), jstr(o, "kind"), tb,
			      sizeof(tb)),
	    (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id")), M_ORG, jstr(o, "org"),
	    web_org_name(r, names, jstr(o, "org")), M_ASSET,
	    web_asset_name(r->lang, jstr(o, "asset"), ab, sizeof(ab)), M_KIND,
	    web_code(r->lang, jstr(o, "kind")), M_SEVERITY, web_code(r->lang, jstr(o, "severity")),
	    M_STATUS, web_code(r->lang, jstr(o, "state")), M_CONFIDENCE,
	    web_code(r->lang, jstr(o, "confidence") ? jstr(o, "confidence") : "—"));
	inv_doc_free(names);
	web_out(
	    r,
	    "<dt>CVE</dt><dd>%s</dd><dt>KEV</dt><dd>%T</dd><dt>CVSS</dt><dd>%s <small>%s</small>"
	    "</dd><dt>EPSS</dt><dd>%s</dd><dt>SSVC</dt><dd>%s</dd><dt>%T</dt>"
	    "<dd id=\"deadline\">%s <small>(BOD 26-04: %s)</small></dd>",
	    jstr(o, "cve") ? jstr(o, "cve") : "—",
	    cJSON_IsTrue(cJSON_GetObjectItem(o, "kev")) ? M_YES : M_NO,
	    num_or_dash(r, cJSON_GetObjectItem(o, "cvss"), 1),
	    jstr(o, "cvss_vector") ? jstr(o, "cvss_vector") : "",
	    num_or_dash(r, cJSON_GetObjectItem(o, "epss"), 4),
	    web_code(r->lang, jstr(o, "urgency") ? jstr(o, "urgency") : "—"), M_DEADLINE, dl,
	    web_code(r->lang, jstr(o, "bod_timeline") ? jstr(o, "bod_timeline") : "—"));
	if (jstr(o, "kev_due_date"))
		web_out(r, "<dt>%T</dt><dd id=\"kev-due\">%s</dd>", M_KEV_DUE,
			jstr(o, "kev_due_date"));
	web_out(r, "<dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>%s</dd>", M_FIRST_SEEN,
		jst_of(r, jstr(o, "first_seen")), M_LAST_SEEN, jst_of(r, jstr(o, "last_seen")));
	web_out(r,
		"<dt>%T</dt><dd id=\"triage\">%s%R%s</dd><dt>%T</dt><dd id=\"assignee\">%s</dd>"
		"</dl>",
		M_TRIAGE,
		jstr(o, "triage") ? web_code(r->lang, jstr(o, "triage"))
				  : web_msg(r->lang, M_UNTRIAGED),
		jstr(o, "triage_until") ? " — " : "",
		jstr(o, "triage_until") ? jst_of(r, jstr(o, "triage_until")) : "", M_ASSIGNEE,
		jstr(o, "assignee") ? jstr(o, "assignee") : "—");
	if (may_triage(r)) {
		web_out(r, "<form method=\"post\" action=\"/findings/triage\" id=\"triage-form\">");
		web_csrf_field(r);
		web_out(r,
			"<input type=\"hidden\" name=\"id\" value=\"%L\"><input type=\"hidden\" "
			"name=\"back\" value=\"/findings/%L\">",
			(int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id")),
			(int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id")));
		triage_select(r, true);
		web_out(r, "<button type=\"submit\" id=\"triage-apply\">%T</button></form>",
			M_APPLY);
	}
	cve_about(r, jstr(o, "cve"));
	/* an empty section says so in a line (a heading over nothing, or a table of headers
	 * only, read as missing data) */
	web_out(r, "<h2>%T</h2>", M_COMMENTS);
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(o, "comments")))
		web_out(r, "<p class=\"empty\" id=\"comments-none\">%T</p>", M_NONE);
	web_out(r, "<ul id=\"comments\">");
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(o, "comments"))
	{
		web_out(r, "<li><small>%s %s</small><p class=\"comment\">%s</p></li>",
			jst_of(r, jstr(ev, "at")), jstr(ev, "author"), jstr(ev, "body"));
	}
	web_out(r, "</ul><h2>%T</h2>", M_TRIAGE_LOG);
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(o, "triage_log")))
		web_out(r, "<p class=\"empty\" id=\"triage-log-none\">%T</p>", M_NONE);
	else
		web_out(r,
			"<table "
			"id=\"triage-log\"><tr><th>%T</th><th>%T</th><th>%T</th><th>%T</th></tr>",
			M_TIME, M_USERNAME, M_ACTION, M_NOTE);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(o, "triage_log"))
	{
		web_out(r, "<tr><td>%s</td><td>%s</td><td>%s: %s → %s</td><td>%s</td></tr>",
			jst_of(r, jstr(ev, "at")), jstr(ev, "actor"),
			web_code(r->lang, jstr(ev, "field")),
			jstr(ev, "old") ? web_code(r->lang, jstr(ev, "old")) : "—",
			jstr(ev, "new") ? web_code(r->lang, jstr(ev, "new")) : "—",
			jstr(ev, "note") ? jstr(ev, "note") : "");
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(o, "triage_log")))
		web_out(r, "</table>");
	web_out(r, "<h2>%T</h2>", M_REASONS);
	reasons_table(r, cJSON_GetObjectItem(o, "reasons"));
	web_out(r, "<h2>%T</h2>", M_EVIDENCE);
	evidence_table(r, cJSON_GetObjectItem(o, "evidence"));
	web_out(r, "<h2>%T</h2>", M_EVENTS);
	bool events = cJSON_GetArraySize(cJSON_GetObjectItem(o, "events")) > 0;
	if (!events)
		web_out(r, "<p class=\"empty\" id=\"events-none\">%T</p>", M_NONE);
	else
		web_out(r, "<table id=\"events\"><tr><th>%T</th><th>%T</th><th>%T</th></tr>",
			M_TIME, M_ACTION, M_NOTE);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(o, "events"))
	{
		web_out(r, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>", jst_of(r, jstr(ev, "at")),
			web_code(r->lang, jstr(ev, "event")),
			jstr(ev, "detail") ? jstr(ev, "detail") : "");
	}
	/* back to where the link leads: the findings list (M_BACK says the dashboard) */
	web_out(r, "%R<p><a href=\"/findings\" id=\"back\">%s</a></p>", events ? "</table>" : "",
		r->lang == WEB_LANG_EN ? "Back to the findings" : "指摘の一覧へ戻る");
	cJSON_Delete(o);
	web_page_end(r);
	return 0;
}

/* ---------------------------------------------------------------- dashboard, org page */

struct first_ctx {
	struct web_req *r;
	const struct inv_doc *orgs; /* the caller's organisations, by slug: their names */
};

struct inv_doc *web_org_names(struct web_req *r)
{
	struct inv_filter of;
	struct inv_doc *d = NULL;

	if (web_org_filter(r, NULL, NULL, &of) == 0) {
		of.with = 0;
		if (inv_load(r->s, &of, &d, &r->err))
			d = NULL;
	}
	merr_init(&r->err);
	return d;
}

const char *web_org_name(const struct web_req *r, const struct inv_doc *d, const char *slug)
{
	for (size_t i = 0; d && i < d->n_orgs; i++)
		if (strcmp(d->orgs[i].slug, slug) == 0) {
			const struct inv_org *o = &d->orgs[i];
			if (r->lang == WEB_LANG_EN && o->name_en && o->name_en[0])
				return o->name_en;
			return o->name_ja && o->name_ja[0] ? o->name_ja : slug;
		}
	return slug;
}

static int first_row(void *arg, const struct finding_row *f)
{
	struct first_ctx *x = arg;
	struct web_req *r = x->r;
	char tb[512];

	web_out(r,
		"<tr data-org=\"%s\"><td><a href=\"/orgs/%u\">%s</a></td><td class=\"title\">"
		"<a href=\"/findings/%L\">%s</a>",
		f->org, f->org, web_org_name(r, x->orgs, f->org), f->id,
		web_finding_title(r->lang, f->title, f->cve_id, f->kind, tb, sizeof(tb)));
	if (f->needs_confirmation)
		web_out(r, " <em class=\"confirm\">%T</em>", M_CONFIRM_TAG);
	web_out(r, "</td>");
	asset_cell(r, f);
	web_out(r, "<td class=\"%s\">%s</td>", sev_class(f->severity),
		web_code(r->lang, f->severity));
	deadline_cell(r, f);
	web_out(r, "</tr>");
	return 0;
}

/* The dashboard's fix-first panel: every visible operator's first item of the one priority
 * order (finding_priority), the same item its page, its report and its mail lead with. */
void web_panel_urgent(struct web_req *r)
{
	struct finding_query q;
	struct first_ctx x = {r, NULL};
	size_t mark;

	web_out(r, "<section class=\"panel\" id=\"urgent\"><h2>%T</h2>", M_FIX_FIRST);
	if (fq_rows(r, &q)) {
		web_out(r, "<p>%T</p></section>", M_NO_MATCH);
		return;
	}
	web_out(r,
		"<div class=\"scroll\"><table id=\"fix-first\"><thead><tr><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th><th>%T</th></tr></thead><tbody>",
		M_ORG, M_TITLE, M_ASSET, M_SEVERITY, M_DEADLINE);
	mark = r->out.len;
	x.orgs = web_org_names(r);
	if (finding_first_per_org(r->s, q.org, q.sector, first_row, &x, &r->err))
		merr_init(&r->err);
	inv_doc_free((struct inv_doc *)x.orgs);
	bool none = r->out.len == mark;
	web_out(r, "</tbody></table></div>");
	if (none)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_OPEN_FINDINGS);
	web_out(r, "<p><a href=\"/findings?state=open\">%T</a></p></section>", M_NAV_FINDINGS);
}

/* The operator page's findings: this organisation's, in the one priority order by default,
 * filtered, sorted and paged. */
void web_org_findings(struct web_req *r, const char *slug, const char *path)
{
	struct finding_query q;

	web_out(r, "<h2 id=\"org-findings\">%T</h2>", M_NAV_FINDINGS);
	if (fq_rows(r, &q)) {
		web_out(r, "<p class=\"error\">%T</p>", M_ERR_BAD_REQUEST);
		return;
	}
	if (!q.org)
		q.org = slug;
	if (findings_table(r, &q, path, false))
		web_out(r, "<p class=\"error\">%T</p>", M_ERR_BAD_REQUEST);
}

/* ---------------------------------------------------------------- triage */

/* Who may triage: analysts (all rows) and operators (their organisation); bureau users read. */
static bool may_triage(const struct web_req *r)
{
	return r->who.role == AUTH_ROLE_ANALYST || r->who.role == AUTH_ROLE_OPERATOR;
}

/* "2027-03-31" (JST end of that day) or empty. */
static int parse_until(struct web_req *r, const char *v, int64_t *out)
{
	int64_t t;

	*out = 0;
	if (!v || !v[0])
		return 0;
	if (strlen(v) != 10 || time_parse(v, &t))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "until",
			       "until must be a date like 2027-03-31 / 日付で指定してください");
	*out = t + 86400 - 9 * 3600 - 1; /* 23:59:59 JST that day */
	return 0;
}

static int run_triage(struct web_req *r, int64_t *ids, size_t n, const char *state,
		      const char *until, const char *assignee, const char *comment)
{
	struct finding_query rule;
	struct finding_triage_req q = {0};
	int rc;

	if ((rc = fq_rows(r, &rule)))
		return rc;
	q.ids = ids;
	q.n = n;
	q.state = state && state[0] ? state : NULL;
	q.assignee = assignee;
	q.comment = comment && comment[0] ? comment : NULL;
	q.actor = r->who.name;
	q.org = rule.org;
	q.sector = rule.sector;
	q.now = r->now;
	if ((rc = parse_until(r, until, &q.until)))
		return rc;
	rc = finding_triage(r->s, &q, &r->err);
	if (rc == M_ENOTFOUND)
		merr_init(&r->err); /* another operator's finding: the same 404 as a missing one */
	if (rc == M_EINVAL)
		rc = M_EPARSE; /* bad input: 400 with the field */
	return rc;
}

/* POST /findings/triage: id (repeated), state, until, assignee, comment, back. */
int web_post_findings_triage(struct web_req *r)
{
	static int64_t none[1];
	int64_t ids[FINDING_TRIAGE_BULK_MAX];
	const char *back = web_kv_get(&r->form, "back"),
		   *assignee = web_kv_get(&r->form, "assignee");
	size_t n = 0;
	int rc;

	(void)none;
	if (!may_triage(r))
		return M_EPERM;
	for (size_t i = 0; i < r->form.n; i++) {
		int64_t v;
		if (strcmp(r->form.v[i].key, "id"))
			continue;
		if (n == FINDING_TRIAGE_BULK_MAX ||
		    web_parse_uint(r->form.v[i].val, INT64_MAX / 10, &v) || v == 0)
			return M_ENOTFOUND;
		ids[n++] = v;
	}
	if (!n)
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "id",
			       "choose at least one finding / 指摘を選んでください");
	rc = run_triage(r, ids, n, web_kv_get(&r->form, "state"), web_kv_get(&r->form, "until"),
			assignee && assignee[0] ? assignee : NULL, web_kv_get(&r->form, "comment"));
	if (rc)
		return rc;
	/* back to where the form was (a console path only) */
	if (back && back[0] == '/' && back[1] != '/' && !strchr(back, '\\') &&
	    (!strncmp(back, "/findings", 9) || !strncmp(back, "/orgs/", 6) ||
	     !strncmp(back, "/hosts/", 7)))
		return web_redirect(r, back);
	char where[64];
	snprintf(where, sizeof(where), "/findings/%lld", (long long)ids[0]);
	return web_redirect(r, where);
}

/* POST /api/v1/findings/triage {"ids":[…],"state","until","assignee","comment"}. */
int web_api_findings_triage(struct web_req *r)
{
	int64_t ids[FINDING_TRIAGE_BULK_MAX];
	cJSON *o, *x;
	size_t n = 0;
	int rc;

	if (!may_triage(r))
		return M_EPERM;
	o = r->body ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "body", "a JSON object");
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "ids"))
	{
		if (!cJSON_IsNumber(x) || x->valuedouble < 1 || x->valuedouble > 9e15 ||
		    n == FINDING_TRIAGE_BULK_MAX) {
			cJSON_Delete(o);
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "ids",
				       "1 to %d finding ids", FINDING_TRIAGE_BULK_MAX);
		}
		ids[n++] = (int64_t)x->valuedouble;
	}
	if (!n) {
		cJSON_Delete(o);
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "ids", "no ids");
	}
	rc = run_triage(r, ids, n, cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")),
			cJSON_GetStringValue(cJSON_GetObjectItem(o, "until")),
			cJSON_GetStringValue(cJSON_GetObjectItem(o, "assignee")),
			cJSON_GetStringValue(cJSON_GetObjectItem(o, "comment")));
	cJSON_Delete(o);
	if (rc)
		return rc;
	cJSON *res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "updated", (double)n);
	return web_json_reply(r, 200, res);
}

/* ---------------------------------------------------------------- CSV export */

/* The export's own copy of the request (the request is gone while the rows are written). */
struct findings_csv {
	struct web_arena a;
	struct finding_query q;
	enum web_lang lang;
	struct web_stream *w;
};

static const char *csv_dup(struct web_arena *a, const char *s)
{
	return s ? web_arena_strndup(a, s, strlen(s)) : NULL;
}

static void findings_csv_free(void *p)
{
	struct findings_csv *x = p;

	web_arena_release(&x->a);
	m_free(x);
}

static int csv_row(void *arg, const struct finding_row *f)
{
	struct findings_csv *x = arg;
	char id[24], dl[TIME_STR_MAX] = "", first[TIME_STR_MAX] = "", cvss[16] = "", epss[16] = "";

	snprintf(id, sizeof(id), "%lld", (long long)f->id);
	if (f->deadline)
		time_fmt_jst_date(f->deadline, dl);
	time_fmt_jst(f->first_seen, first);
	if (f->cvss >= 0)
		snprintf(cvss, sizeof(cvss), "%.1f", f->cvss);
	if (f->epss >= 0)
		snprintf(epss, sizeof(epss), "%.4f", f->epss);
	const char *cells[] = {id,
			       f->org,
			       f->asset,
			       web_code(x->lang, f->kind),
			       web_code(x->lang, f->severity),
			       web_code(x->lang, f->state),
			       f->triage ? web_code(x->lang, f->triage) : "",
			       f->needs_confirmation ? "要確認" : "",
			       f->title,
			       f->cve_id ? f->cve_id : "",
			       f->kev ? "KEV" : "",
			       f->kev_due_date ? f->kev_due_date : "",
			       cvss,
			       epss,
			       f->urgency ? f->urgency : "",
			       dl,
			       first,
			       f->assignee ? f->assignee : ""};
	return web_csv_row(x->w, cells, ARRAY_SIZE(cells));
}

static int findings_csv_write(struct web_stream *w, struct store *s, void *ctx, struct merr *e)
{
	static const char *const head[] = {"番号 / id",
					   "事業者 / org",
					   "資産 / asset",
					   "種別 / kind",
					   "深刻度 / severity",
					   "状態 / state",
					   "判定 / triage",
					   "要確認 / to confirm",
					   "件名 / title",
					   "CVE",
					   "KEV",
					   "KEV 期日 (CISA) / KEV due",
					   "CVSS",
					   "EPSS",
					   "緊急度 / urgency",
					   "対応期限 (JST) / deadline",
					   "初検出 (JST) / first seen",
					   "担当者 / assignee"};
	struct findings_csv *x = ctx;
	int rc;

	x->w = w;
	if ((rc = web_stream_write(w, "\xEF\xBB\xBF", 3)) ||
	    (rc = web_csv_row(w, head, ARRAY_SIZE(head))))
		return rc;
	return finding_query_run(s, &x->q, csv_row, x, e);
}

/* GET /findings.csv: the list's filters, search and sort, every matching row (at most
 * CSV_MAX), UTF-8 with a BOM for spreadsheet programs; streamed (stream.c). */
#define CSV_MAX 200000
int web_get_findings_csv(struct web_req *r)
{
	struct findings_csv *x;
	struct finding_query q;
	int rc;

	if ((rc = fq_rows(r, &q)) || (rc = fq_filters(r, &q)) ||
	    (rc = finding_query_check(&q, &r->err)))
		return rc;
	if (!(x = m_calloc(1, sizeof(*x))))
		return M_ENOMEM;
	web_arena_init(&x->a, (size_t)64 << 10);
	x->lang = r->lang;
	x->q = q;
	x->q.limit = CSV_MAX;
	x->q.offset = 0;
	const char **texts[] = {&x->q.org,	&x->q.org2,  &x->q.sector,  &x->q.kind,
				&x->q.severity, &x->q.state, &x->q.triage,  &x->q.cve,
				&x->q.host,	&x->q.ip,    &x->q.product, &x->q.search,
				&x->q.sort};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		if (*texts[i] && !(*texts[i] = csv_dup(&x->a, *texts[i]))) {
			findings_csv_free(x);
			return M_ENOMEM;
		}
	web_csv_begin(r, "mamori-findings.csv");
	return web_stream(r, findings_csv_write, x, findings_csv_free);
}

/* ---------------------------------------------------------------- one host */

/* GET /hosts/{ip}: the findings of one address among the caller's rows, in the fix-first
 * order, filtered and paged like the list. */
int web_page_host(struct web_req *r)
{
	const char *ip = web_kv_get(&r->params, "ip");
	struct finding_query q;
	struct ipaddr a;
	char path[96];
	int64_t n = 0;
	size_t mark = r->out.len;
	int rc;

	if (!ip || strlen(ip) > 64 || ip_parse(ip, &a))
		return M_ENOTFOUND;
	if ((rc = fq_rows(r, &q)))
		return rc;
	q.ip = ip;
	if ((rc = finding_query_count(r->s, &q, &n, &r->err)))
		return rc;
	if (n == 0)
		return M_ENOTFOUND; /* unknown, or another operator's: the same answer */
	snprintf(path, sizeof(path), "/hosts/%s", ip);
	web_page_begin(r, M_HOST);
	web_out(r, "<h2 id=\"host\">%T: %s</h2>", M_HOST, ip);
	if ((rc = findings_table(r, &q, path, false))) {
		truncate_out(r, mark);
		return rc;
	}
	web_page_end(r);
	return 0;
}

/* ---------------------------------------------------------------- the operator's own panel */

struct mine {
	struct web_req *r;
	int n;
};

static int due_row(void *arg, const struct finding_row *f)
{
	struct mine *m = arg;
	char d[TIME_STR_MAX];

	char tb[512];

	char ab[320];

	time_fmt_jst_date(f->deadline, d);
	web_out(m->r, "<li><a href=\"/findings/%L\">%s</a> — %s <small>(%s)</small></li>", f->id,
		web_finding_title(m->r->lang, f->title, f->cve_id, f->kind, tb, sizeof(tb)), d,
		web_asset_name(m->r->lang, f->asset, ab, sizeof ab));
	m->n++;
	return 0;
}

/* An operator's own numbers: open, KEV, overdue, due within 7 days, and what is due. */
void web_panel_mine(struct web_req *r)
{
	struct finding_query q;
	int64_t open = 0, kev = 0, overdue = 0, week = 0;
	struct mine m = {r, 0};

	if (r->who.role != AUTH_ROLE_OPERATOR || fq_rows(r, &q))
		return;
	q.open_only = true;
	finding_query_count(r->s, &q, &open, &r->err);
	q.kev_only = true;
	finding_query_count(r->s, &q, &kev, &r->err);
	q.kev_only = false;
	q.open_only = false;
	q.overdue = true;
	finding_query_count(r->s, &q, &overdue, &r->err);
	q.overdue = false;
	q.due_before = r->now + 7 * 86400;
	finding_query_count(r->s, &q, &week, &r->err);
	merr_init(&r->err);
	web_out(
	    r,
	    "<section class=\"panel\" id=\"mine\"><h2>%T</h2><table><thead><tr><th class=\"num\">"
	    "%T</th><th class=\"num\">KEV</th><th class=\"num\">%T</th><th class=\"num\">%T"
	    "</th></tr></thead><tbody><tr><td class=\"num\" id=\"mine-open\"><a href=\"/findings"
	    "?state=open\">%L</a></td><td class=\"num\" id=\"mine-kev\"><a href=\"/findings?kev=1"
	    "&amp;state=open\">%L</a></td><td class=\"num\" id=\"mine-overdue\"><a href=\""
	    "/findings?overdue=1\">%L</a></td><td class=\"num\" id=\"mine-week\">%L</td></tr>"
	    "</tbody></table>",
	    M_MY_FINDINGS, M_STATE_OPEN, M_OVERDUE_HEAD, M_DUE_THIS_WEEK, open, kev, overdue, week);
	q.sort = "deadline";
	q.limit = 10;
	/* the list is this week's deadlines only: its own heading and its own empty line, so
	 * "open 1" above it never reads as a contradiction */
	web_out(r, "<h3 id=\"mine-due-title\">%T</h3><ul id=\"mine-due\">", M_DUE_LIST);
	if (finding_query_run(r->s, &q, due_row, &m, &r->err))
		merr_init(&r->err);
	web_out(r, "</ul>");
	if (!m.n)
		web_out(r, "<p class=\"empty\" id=\"mine-due-empty\">%T</p>", M_NOTHING_DUE_WEEK);
	web_out(r, "</section>");
}
