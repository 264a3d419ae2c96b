/* page_alerts.c - urgent alerts and advisory notices: the list (filters, server-side paging),
 * one alert with its delivery log, acknowledgement (button, API, token link), dashboard panel. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "alert/alert.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "inventory/inventory.h"
#include "web/web_int.h"

/* Every read goes through the alert module's query (src/alert/list.c); a notice is an alert
 * whose issue key starts "notice:". */

/* Hex SHA-256 of a link token: the store keeps only this. */
static int token_hash(const char *token, char hex[65], struct merr *e)
{
	unsigned char h[32];
	unsigned hl = 0;

	if (!EVP_Digest(token, strlen(token), h, &hl, EVP_sha256(), NULL))
		return merr_set(e, M_EIO, "sha256");
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return 0;
}

/* ---------------------------------------------------------------- the query */

/* Starts q with the caller's rows: operators their org, bureau users their sector. */
static int aq_rows(const struct web_req *r, struct alert_query *q)
{
	memset(q, 0, sizeof(*q));
	switch (r->who.role) {
	case AUTH_ROLE_ANALYST: return 0;
	case AUTH_ROLE_OPERATOR: q->org = r->who.org_slug; return 0;
	case AUTH_ROLE_BUREAU: q->sector = r->who.sector; return 0;
	default: return M_EPERM;
	}
}

/* A yes/no filter: absent, "", "0" or "false" is off; "1" or "true" on; else M_EPARSE. */
static int flag_of(struct web_req *r, const char *name, bool *on)
{
	const char *v = web_kv_get(&r->query, name);

	*on = false;
	if (!v || !v[0] || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		return 0;
	if (strcmp(v, "1") && strcmp(v, "true"))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, name, "%s must be 1 or 0", name);
	*on = true;
	return 0;
}

/* The filters: org (slug, within the caller's rows), unacked=1, urgent=1, kind=alert|notice. */
static int aq_filters(struct web_req *r, struct alert_query *q)
{
	int rc;

	if ((rc = flag_of(r, "unacked", &q->unacked)) || (rc = flag_of(r, "urgent", &q->urgent)) ||
	    (rc = flag_of(r, "exercise", &q->exercise)))
		return rc;
	q->kind = web_kv_get(&r->query, "kind");
	q->org2 = web_kv_get(&r->query, "org");
	return alert_query_check(q, &r->err);
}

/* Narrows q to the {id} parameter; M_ENOTFOUND for anything not a plain number. */
static int aq_id(struct web_req *r, struct alert_query *q, int64_t *id)
{
	const char *v = web_kv_get(&r->params, "id");
	int rc;

	if (!v || web_parse_uint(v, INT64_MAX / 10, id) || v[0] == '0')
		return M_ENOTFOUND;
	if ((rc = aq_rows(r, q)))
		return rc;
	q->id = *id;
	return 0;
}

/* ---------------------------------------------------------------- JSON */

/* One alert as JSON with its recipients; full adds the body and the delivery log. */
static int alert_json(struct web_req *r, const struct alert_row *a, bool full, cJSON **out)
{
	return alert_row_json(r->s, a, full, out, &r->err);
}

struct json_list {
	struct web_req *r;
	cJSON *items;
	bool full, found;
	cJSON *one;
};

static int json_row(void *arg, const struct alert_row *a)
{
	struct json_list *l = arg;
	cJSON *o = NULL;
	int rc = alert_json(l->r, a, l->full, &o);

	if (rc)
		return rc;
	l->found = true;
	if (l->items)
		cJSON_AddItemToArray(l->items, o);
	else
		l->one = o;
	return 0;
}

int web_api_alerts(struct web_req *r)
{
	int64_t total;
	struct json_list l = {r, NULL, false, false, NULL};
	struct alert_query q;
	cJSON *o;
	int rc;

	if ((rc = aq_rows(r, &q)) || (rc = web_paging(r, 100, 1000, &q.limit, &q.offset)) ||
	    (rc = aq_filters(r, &q)) || (rc = alert_query_count(r->s, &q, &total, &r->err)))
		return rc;
	o = cJSON_CreateObject();
	l.items = cJSON_AddArrayToObject(o, "items");
	if ((rc = alert_query_run(r->s, &q, json_row, &l, &r->err))) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "limit", (double)q.limit);
	cJSON_AddNumberToObject(o, "offset", (double)q.offset);
	return web_json_reply(r, 200, o);
}

/* The {id} alert among the caller's rows as JSON; M_ENOTFOUND as if absent otherwise. */
static int one_json(struct web_req *r, cJSON **out)
{
	struct json_list l = {r, NULL, true, false, NULL};
	struct alert_query q;
	int64_t id;
	int rc;

	if ((rc = aq_id(r, &q, &id)) || (rc = alert_query_run(r->s, &q, json_row, &l, &r->err)))
		return rc;
	if (!l.found)
		return M_ENOTFOUND;
	*out = l.one;
	return 0;
}

int web_api_alert(struct web_req *r)
{
	cJSON *o = NULL;
	int rc = one_json(r, &o);

	return rc ? rc : web_json_reply(r, 200, o);
}

/* ---------------------------------------------------------------- acknowledge by id */

/* Acknowledges the {id} alert when it is among the caller's rows (404 alike otherwise). The
 * route lets only analysts (any) and operators (their own, by the row rule) get here. */
static int ack_param(struct web_req *r, int64_t *id)
{
	struct alert_query q;
	int64_t n = 0;
	int rc;

	if ((rc = aq_id(r, &q, id)) || (rc = alert_query_count(r->s, &q, &n, &r->err)))
		return rc;
	if (n != 1)
		return M_ENOTFOUND;
	return alert_ack_id(r->s, *id, r->who.name, r->now, &r->err);
}

int web_post_alert_ack(struct web_req *r)
{
	const char *from = web_kv_get(&r->form, "from");
	char where[64];
	int64_t id;
	int rc = ack_param(r, &id);

	if (rc)
		return rc;
	if (from && strcmp(from, "list") == 0)
		return web_redirect(r, "/alerts");
	snprintf(where, sizeof(where), "/alerts/%lld", (long long)id);
	return web_redirect(r, where);
}

int web_api_alert_ack(struct web_req *r)
{
	cJSON *o = NULL;
	int64_t id;
	int rc;

	if ((rc = ack_param(r, &id)) || (rc = one_json(r, &o)))
		return rc;
	return web_json_reply(r, 200, o);
}

/* ---------------------------------------------------------------- pages */

static void truncate_out(struct web_req *r, size_t mark)
{
	if (r->out.len > mark) {
		r->out.len = mark;
		r->out.ptr[mark] = '\0';
	}
}

/* Who may press the acknowledge button: analysts, and operators (rows already theirs). */
static bool may_ack(const struct web_req *r)
{
	return r->who.role == AUTH_ROLE_ANALYST || r->who.role == AUTH_ROLE_OPERATOR;
}

/* A recipient's delivery state in the reader's language (the raw state when unknown). */
static const char *state_label(struct web_req *r, const char *state)
{
	static const struct {
		const char *state;
		enum web_msg msg;
	} labels[] = {{"delivered", M_DL_DELIVERED},
		      {"pending", M_DL_PENDING},
		      {"refused", M_DL_REFUSED},
		      {"dead", M_DL_DEAD}};

	for (size_t i = 0; state && i < ARRAY_SIZE(labels); i++)
		if (strcmp(state, labels[i].state) == 0)
			return web_msg(r->lang, labels[i].msg);
	return state;
}

/* A callback's request and an extra argument. */
struct ctx {
	struct web_req *r;
	void *arg;
};

static int target_cell(void *arg, const struct alert_target_row *t)
{
	struct web_req *r = arg;

	web_out(r, "<li class=\"dl-%s\">%s <span class=\"state\">%s</span></li>", t->state,
		t->target, state_label(r, t->state));
	return 0;
}

/* The acknowledgement cell: 確認済み with the time (JST) and who, or 未確認 and a button. */
static void ack_cell(struct web_req *r, const struct alert_row *a, const char *from)
{
	if (a->acked_at) {
		/* "token": from the mail's link, not a console user */
		bool link = a->acked_by && !strcmp(a->acked_by, "token");
		web_out(r, "<span class=\"acked\" id=\"ack-state-%L\">%T %s%R%s</span>", a->id,
			M_ACKED, web_jst(r, a->acked_at), a->acked_by ? " · " : "",
			link ? web_msg(r->lang, M_ACKED_BY_LINK) : a->acked_by);
		return;
	}
	web_out(r, "<span class=\"warn\" id=\"ack-state-%L\">%T</span>", a->id, M_UNACKED);
	if (!may_ack(r))
		return;
	web_out(r, " <form method=\"post\" action=\"/alerts/%L/ack\" class=\"inline\">", a->id);
	web_csrf_field(r);
	web_out(r,
		"<input type=\"hidden\" name=\"from\" value=\"%s\"><button type=\"submit\" "
		"id=\"ack-%L\">%T</button></form>",
		from, a->id, M_ACK);
}

static enum web_msg kind_msg(const struct alert_row *a)
{
	return a->notice ? M_KIND_NOTICE : M_KIND_ALERT;
}

static int html_row(void *arg, const struct alert_row *a)
{
	struct ctx *c = arg;
	struct web_req *r = c->r;
	char sb[512]; /* the subject's half in the page's language */
	int rc;

	web_out(r,
		"<tr id=\"alert-%L\"><td class=\"code\"><a href=\"/alerts/%L\">%L</a></td><td><a "
		"href=\"/orgs/%u\">"
		"%s</a></td><td class=\"kind\">%T%R</td><td><a href=\"/alerts/%L\">%s</a></td><td "
		"class=\"date\">%s</td><td><ul "
		"class=\"targets\">",
		a->id, a->id, a->id, a->org, web_org_name(r, c->arg, a->org), kind_msg(a),
		a->urgent ? " <strong class=\"warn\">!</strong>" : "", a->id,
		web_bi(r->lang, a->subject, sb, sizeof(sb)), web_jst(r, a->created_at));
	if ((rc = alert_targets_each(r->s, a->id, target_cell, r, &r->err)))
		return rc;
	web_out(r, "</ul></td><td>");
	ack_cell(r, a, "list");
	web_out(r, "</td></tr>");
	return 0;
}

static void flag_box(struct web_req *r, const char *name, enum web_msg label)
{
	const char *v = web_kv_get(&r->query, name);

	web_out(
	    r, "<label><input type=\"checkbox\" name=\"%s\" id=\"f-%s\" value=\"1\"%R> %T</label> ",
	    name, name, v && strcmp(v, "1") == 0 ? " checked" : "", label);
}

static void filter_form(struct web_req *r)
{
	const char *kind = web_kv_get(&r->query, "kind"), *org = web_kv_get(&r->query, "org");

	web_out(r,
		"<form method=\"get\" action=\"/alerts\" class=\"filter\"><label>%T <input "
		"name=\"org\" id=\"f-org\" value=\"%s\" maxlength=\"100\"></label> <label>%T "
		"<select name=\"kind\" id=\"f-kind\"><option value=\"\">%T</option>",
		M_ORG, org ? org : "", M_KIND, M_ALL);
	web_out(r, "<option value=\"alert\"%R>%T</option><option value=\"notice\"%R>%T</option>",
		kind && strcmp(kind, "alert") == 0 ? " selected" : "", M_KIND_ALERT,
		kind && strcmp(kind, "notice") == 0 ? " selected" : "", M_KIND_NOTICE);
	web_out(r, "</select></label> ");
	flag_box(r, "unacked", M_UNACKED_ONLY);
	flag_box(r, "urgent", M_URGENT_ONLY);
	flag_box(r, "exercise", M_EXERCISE_MAILS_ONLY);
	web_out(r, "<button type=\"submit\">%T</button></form>", M_FILTER);
}

/* The filters the pager's links carry. */
static const char *const filter_keys[] = {"org", "kind", "unacked", "urgent", "exercise"};

static void pager(struct web_req *r, int64_t limit, int64_t offset, int64_t total)
{
	const char *qs = web_filter_qs(r, filter_keys, ARRAY_SIZE(filter_keys));

	web_out(r, "<nav class=\"pager\"><span>%L–%L / %L %T</span>", total ? offset + 1 : 0,
		offset + limit < total ? offset + limit : total, total, M_SHOWING);
	if (offset > 0)
		web_out(r, " <a rel=\"prev\" href=\"/alerts?%Rlimit=%L&amp;offset=%L\">%T</a>", qs,
			limit, offset > limit ? offset - limit : 0, M_PREV);
	if (offset + limit < total)
		web_out(r, " <a rel=\"next\" href=\"/alerts?%Rlimit=%L&amp;offset=%L\">%T</a>", qs,
			limit, offset + limit, M_NEXT);
	web_out(r, "</nav>");
}

static void table_head(struct web_req *r)
{
	web_out(r,
		"<div class=\"scroll\"><table id=\"alerts\"><thead><tr><th>#</th><th>%T</th>"
		"<th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th><th>%T</th></tr></thead><tbody>",
		M_ORG, M_KIND, M_ALERT_SUBJECT, M_CREATED, M_DELIVERY, M_ACK_STATE);
}

int web_page_alerts(struct web_req *r)
{
	int64_t total;
	size_t mark = r->out.len;
	struct alert_query q;
	int rc;

	if ((rc = aq_rows(r, &q)) || (rc = web_paging(r, 50, 500, &q.limit, &q.offset)) ||
	    (rc = aq_filters(r, &q)) || (rc = alert_query_count(r->s, &q, &total, &r->err)))
		return rc;
	web_page_begin(r, M_NAV_ALERTS);
	filter_form(r);
	web_out(
	    r,
	    "<p class=\"export\"><a id=\"alerts-csv\" href=\"/alerts.csv?%R\" download>%T</a></p>",
	    web_filter_qs(r, filter_keys, ARRAY_SIZE(filter_keys)), M_CSV_EXPORT);
	table_head(r);
	struct ctx hc = {r, web_org_names(r)}; /* company names, not slugs */
	rc = alert_query_run(r->s, &q, html_row, &hc, &r->err);
	inv_doc_free(hc.arg);
	if (rc) {
		truncate_out(r, mark); /* the error page replaces the half-written one */
		return rc;
	}
	web_out(r, "</tbody></table></div>");
	if (total == 0)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	pager(r, q.limit, q.offset, total);
	web_page_end(r);
	return 0;
}

static int target_row(void *arg, const struct alert_target_row *t)
{
	struct web_req *r = arg;

	web_out(r,
		"<tr><td>%s</td><td>%s</td><td class=\"dl-%s\">%s</td><td class=\"num\">%L</td>"
		"<td>%s</td></tr>",
		t->channel, t->target, t->state, state_label(r, t->state), t->attempts,
		web_jst(r, t->delivered_at));
	return 0;
}

static int delivery_row(void *arg, const struct alert_delivery_row *d)
{
	struct web_req *r = arg;

	web_out(r,
		"<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%L</td><td>%s</td>"
		"<td>%s</td></tr>",
		web_jst(r, d->at), d->channel, d->target, d->attempt, d->status, d->error);
	return 0;
}

static int detail_row(void *arg, const struct alert_row *a)
{
	struct ctx *c = arg;
	struct web_req *r = c->r;
	int rc;

	char sb[512]; /* the subject's half in the page's language */

	*(bool *)c->arg = true;
	struct inv_doc *names = web_org_names(r);
	web_page_begin(r, M_ALERT);
	web_out(r,
		"<h2 id=\"alert-subject\">%s</h2><dl class=\"facts\"><dt>#</dt><dd id=\"alert-id\">"
		"%L</dd><dt>%T</dt><dd><a href=\"/orgs/%u\">%s</a></dd><dt>%T</dt><dd>%T</dd>"
		"<dt>%T</dt><dd>%T</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>",
		web_bi(r->lang, a->subject, sb, sizeof(sb)), a->id, M_ORG, a->org,
		web_org_name(r, names, a->org), M_KIND, kind_msg(a), M_URGENT,
		a->urgent ? M_YES : M_NO, M_CREATED, web_jst(r, a->created_at), M_ACK_STATE);
	inv_doc_free(names);
	ack_cell(r, a, "detail");
	/* the mail as it was sent (both languages) */
	web_out(r, "</dd></dl><h2>%T</h2><pre id=\"alert-body\" data-stored>%s</pre>", M_BODY,
		a->body);
	web_out(r,
		"<h2>%T</h2><table id=\"targets\"><thead><tr><th>%T</th><th>%T</th><th>%T</th>"
		"<th class=\"num\">%T</th><th>%T</th></tr></thead><tbody>",
		M_DELIVERY, M_CHANNEL, M_RECIPIENT, M_STATUS, M_ATTEMPTS, M_DELIVERED_AT);
	if ((rc = alert_targets_each(r->s, a->id, target_row, r, &r->err)))
		return rc;
	web_out(r,
		"</tbody></table><h2>%T</h2><table id=\"deliveries\"><thead><tr><th>%T</th>"
		"<th>%T</th><th>%T</th><th class=\"num\">%T</th><th>%T</th><th>%T</th></tr></thead>"
		"<tbody>",
		M_DELIVERY_LOG, M_TIME, M_CHANNEL, M_RECIPIENT, M_ATTEMPTS, M_STATUS, M_ERRORS);
	if ((rc = alert_deliveries_each(r->s, a->id, delivery_row, r, &r->err)))
		return rc;
	web_out(r, "</tbody></table><p><a href=\"/alerts\">%T</a></p>", M_NAV_ALERTS);
	web_page_end(r);
	return 0;
}

int web_page_alert(struct web_req *r)
{
	bool found = false;
	struct ctx c = {r, &found};
	struct alert_query q;
	int64_t id;
	int rc;

	if ((rc = aq_id(r, &q, &id)))
		return rc;
	if ((rc = alert_query_run(r->s, &q, detail_row, &c, &r->err))) {
		truncate_out(r, 0);
		return rc;
	}
	return found ? 0 : M_ENOTFOUND;
}

/* ---------------------------------------------------------------- the token link */

/* The alert a token names: 1 found (fn called with it), 0 not, or an error. Only the token's
 * SHA-256 is stored. */
typedef int (*a_row_fn)(void *arg, const struct alert_row *a);

struct found {
	a_row_fn fn;
	void *arg;
	bool found;
};

static int found_row(void *arg, const struct alert_row *a)
{
	struct found *f = arg;

	f->found = true;
	return f->fn(f->arg, a);
}

static int token_find(struct web_req *r, const char *token, a_row_fn fn, void *arg)
{
	char hex[65];
	struct alert_query q = {0};
	struct found f = {fn, arg, false};
	int rc;

	if ((rc = token_hash(token, hex, &r->err)))
		return rc;
	q.token_sha256 = hex;
	q.limit = 1;
	if ((rc = alert_query_run(r->s, &q, found_row, &f, &r->err)))
		return rc;
	return f.found ? 1 : 0;
}

/* Refuses a throttled address; counts an unknown token against it (like failed logins).
 * 0 when the token names an alert (fn was called with it). */
static int token_gate(struct web_req *r, const char *token, a_row_fn fn, void *arg)
{
	const char *client = r->client ? r->client : "";
	int64_t wait = auth_throttle_wait(r->s, "addr", client, r->now);
	int rc;

	if (wait > 0) {
		r->retry_after = wait;
		return merr_set(
		    &r->err, M_ETIMEOUT,
		    "試行が多すぎます。%lld 秒後に再試行してください / too many attempts; "
		    "try again in %lld s",
		    (long long)wait, (long long)wait);
	}
	rc = token && alert_token_ok(token) ? token_find(r, token, fn, arg) : 0;
	if (rc < 0)
		return rc;
	if (rc == 0) {
		auth_throttle_fail(r->s, "addr", client, r->now, NULL);
		return M_ENOTFOUND;
	}
	return 0;
}

static int confirm_row(void *arg, const struct alert_row *a)
{
	struct ctx *c = arg;
	struct web_req *r = c->r;
	const char *token = c->arg;
	char csrf[AUTH_HEX_MAX], sb[512];

	web_page_begin(r, M_ACK_TITLE);
	web_out(r,
		"<dl class=\"facts\"><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd id=\"alert-subject\">%s"
		"</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>",
		M_ORG, a->org, M_ALERT_SUBJECT, web_bi(r->lang, a->subject, sb, sizeof(sb)),
		M_CREATED, web_jst(r, a->created_at), M_ACK_STATE);
	if (a->acked_at) {
		web_out(r, "<span class=\"acked\" id=\"ack-state\">%T %s</span></dd></dl>", M_ACKED,
			web_jst(r, a->acked_at));
		web_page_end(r);
		return 0;
	}
	/* The POST carries a pre-session token checked against this cookie (double submit). */
	auth_random_hex(csrf, sizeof(csrf), 32);
	web_set_cookie(r, "mamori_login", csrf, 600);
	web_out(r,
		"<span class=\"warn\" id=\"ack-state\">%T</span></dd></dl><p>%T</p>"
		"<form method=\"post\" action=\"/ack/%u\"><input type=\"hidden\" name=\"csrf\" "
		"value=\"%s\"><button type=\"submit\" id=\"ack\">%T</button></form>",
		M_UNACKED, M_ACK_CONFIRM, token, csrf, M_ACK);
	web_page_end(r);
	return 0;
}

static int nop_row(void *arg, const struct alert_row *a)
{
	(void)arg;
	(void)a;
	return 0;
}

/* GET /ack/{token}: a confirm page only. Mail scanners fetch links; a GET changes nothing. */
int web_page_ack_token(struct web_req *r)
{
	const char *token = web_kv_get(&r->params, "token");
	size_t mark = r->out.len;
	struct ctx c = {r, (void *)token};
	int rc = token_gate(r, token, confirm_row, &c);

	if (rc)
		truncate_out(r, mark);
	return rc;
}

/* POST /ack/{token}: acknowledges, audits (alert.ack) in one transaction, back to the page. */
int web_post_ack_token(struct web_req *r)
{
	const char *token = web_kv_get(&r->params, "token");
	/* acked_by: the signed-in user who followed the link, else "token" (alert.h). */
	const char *actor = r->who.name[0] ? r->who.name : "token";
	char object[64], back[200];
	int64_t id = 0;
	int rc;

	if ((rc = token_gate(r, token, nop_row, NULL)))
		return rc;
	if ((rc = store_begin_immediate(r->s, &r->err)))
		return rc;
	rc = alert_ack_token(r->s, token, actor, r->now, &id, &r->err);
	snprintf(object, sizeof(object), "/alerts/%lld", (long long)id);
	if (!rc)
		rc = auth_audit(r->s, r->who.name[0] ? r->who.name : "anonymous", "alert.ack",
				object, "link", r->now, &r->err);
	if (rc) {
		store_rollback(r->s);
		return rc;
	}
	if ((rc = store_commit(r->s, &r->err)))
		return rc;
	web_set_cookie(r, "mamori_login", "", 0);
	snprintf(back, sizeof(back), "/ack/%s", token);
	return web_redirect(r, back);
}

/* ---------------------------------------------------------------- dashboard */

static int panel_row(void *arg, const struct alert_row *a)
{
	struct web_req *r = arg;
	char sb[512]; /* the subject's half in the page's language */
	char on[256]; /* the company, not its slug (the slug in the tooltip) */

	web_out(r,
		"<tr><td class=\"code\"><a href=\"/alerts/%L\">%L</a></td><td><a "
		"href=\"/orgs/%u\" title=\"%s\">%s</a></td>"
		"<td>%T</td><td>%s</td><td>%s</td></tr>",
		a->id, a->id, a->org, a->org,
		inv_org_display_name(r->s, a->org, r->lang == WEB_LANG_EN, on, sizeof on),
		kind_msg(a), web_bi(r->lang, a->subject, sb, sizeof(sb)),
		web_jst(r, a->created_at));
	return 0;
}

/* Alerts awaiting acknowledgement: how many urgent ones are unacknowledged among the caller's
 * rows, and the newest five. */
void web_panel_alerts(struct web_req *r)
{
	struct alert_query q;
	int64_t total = 0;

	web_out(r, "<section class=\"panel\" id=\"alerts-awaiting\"><h2>%T</h2>",
		M_ALERTS_AWAITING);
	/* Count by the (urgent, acked_at, org_slug) index; the newest five walk created_at. */
	if (aq_rows(r, &q) || (q.unacked = q.urgent = true, false) ||
	    alert_query_count(r->s, &q, &total, &r->err) || total == 0) {
		merr_init(&r->err);
		web_out(r, "<p id=\"alerts-awaiting-count\" data-count=\"0\">%T</p></section>",
			M_NONE_AWAITING_ACK);
		return;
	}
	web_out(r,
		"<p><a href=\"/alerts?unacked=1&amp;urgent=1\" id=\"alerts-awaiting-count\" "
		"data-count=\"%L\">%T: %L</a></p><table><thead><tr><th>#</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th></tr></thead><tbody>",
		total, M_UNACKED, total, M_ORG, M_KIND, M_ALERT_SUBJECT, M_CREATED);
	q.limit = 5;
	if (alert_query_run(r->s, &q, panel_row, r, &r->err))
		merr_init(&r->err);
	web_out(r, "</tbody></table></section>");
}

/* ---------------------------------------------------------------- CSV export */

/* The export's own copy of the request (the request is gone while the rows are written). */
struct alerts_csv {
	struct web_arena a;
	struct alert_query q;
	enum web_lang lang;
	struct web_stream *w;
};

static void alerts_csv_free(void *p)
{
	struct alerts_csv *x = p;

	web_arena_release(&x->a);
	m_free(x);
}

static int csv_row(void *arg, const struct alert_row *a)
{
	struct alerts_csv *x = arg;
	char id[24], created[TIME_STR_MAX], acked[TIME_STR_MAX] = "";

	snprintf(id, sizeof(id), "%lld", (long long)a->id);
	time_fmt_jst(a->created_at, created);
	if (a->acked_at)
		time_fmt_jst(a->acked_at, acked);
	const char *cells[] = {id,
			       a->org,
			       web_msg(x->lang, kind_msg(a)),
			       a->urgent ? web_msg(x->lang, M_URGENT) : "",
			       a->subject,
			       created,
			       acked,
			       a->acked_by ? a->acked_by : ""};
	return web_csv_row(x->w, cells, ARRAY_SIZE(cells));
}

static int alerts_csv_write(struct web_stream *w, struct store *s, void *ctx, struct merr *e)
{
	static const char *const head[] = {"番号 / id",
					   "事業者 / org",
					   "種別 / kind",
					   "緊急 / urgent",
					   "件名 / subject",
					   "作成 (JST) / created",
					   "確認 (JST) / acknowledged",
					   "確認者 / by"};
	struct alerts_csv *x = ctx;
	int rc;

	x->w = w;
	if ((rc = web_stream_write(w, "\xEF\xBB\xBF", 3)) ||
	    (rc = web_csv_row(w, head, ARRAY_SIZE(head))))
		return rc;
	return alert_query_run(s, &x->q, csv_row, x, e);
}

/* GET /alerts.csv: the list's filters, every matching alert and notice (caller's rows),
 * streamed (stream.c). */
int web_get_alerts_csv(struct web_req *r)
{
	struct alerts_csv *x;
	struct alert_query q;
	int rc;

	if ((rc = aq_rows(r, &q)) || (rc = aq_filters(r, &q)))
		return rc;
	if (!(x = m_calloc(1, sizeof(*x))))
		return M_ENOMEM;
	web_arena_init(&x->a, (size_t)16 << 10);
	x->lang = r->lang;
	x->q = q;
	x->q.limit = 200000;
	const char **texts[] = {&x->q.org, &x->q.sector, &x->q.org2, &x->q.kind,
				&x->q.token_sha256};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		if (*texts[i] &&
		    !(*texts[i] = web_arena_strndup(&x->a, *texts[i], strlen(*texts[i])))) {
			alerts_csv_free(x);
			return M_ENOMEM;
		}
	web_csv_begin(r, "mamori-alerts.csv");
	return web_stream(r, alerts_csv_write, x, alerts_csv_free);
}
