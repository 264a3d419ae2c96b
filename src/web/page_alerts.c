/* page_alerts.c - urgent alerts and advisory notices: the list (filters, server-side paging),
 * one alert with its delivery log, acknowledgement (button, API, token link), dashboard panel. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "alert/alert.h"
#include "web/web_int.h"

/* ---------------------------------------------------------------- the columns */

/* Urgency, acknowledgement and the link token's hash are columns of alerts (src/alert/alert.h,
 * migration 0652); a notice is an alert whose issue key starts "notice:". */
#define A_FROM "alerts a"
/* Filters on the flags carry a unary plus so SQLite walks the created_at indexes (migration
 * 0699) newest first and stops at the page instead of sorting every unacknowledged alert. */
#define A_UNACKED "+a.acked_at IS NULL"
#define A_IS_URGENT "+a.urgent = 1"
#define A_NOTICE "(a.issue_key LIKE 'notice:%')"

#define A_COLS                                                                           \
	"a.id, a.org_slug, a.issue_key, a.subject, a.created_at, a.urgent, a.acked_at, " \
	"a.acked_by, " A_NOTICE ", a.body"

enum {
	C_ID,
	C_ORG,
	C_ISSUE,
	C_SUBJECT,
	C_CREATED,
	C_URGENT,
	C_ACKED_AT,
	C_ACKED_BY,
	C_NOTICE,
	C_BODY
};

/* ---------------------------------------------------------------- the query */

/* The alerts lists' WHERE clause: a struct web_where over A_FROM (query.c). */

static int aq_add(struct web_where *q, const char *cond, const char *val)
{
	return web_where_add(q, cond, val);
}

/* Starts q with the caller's rows: operators their org, bureau users their sector. */
static int aq_rows(const struct web_req *r, struct web_where *q)
{
	char cond[160];
	const char *val;
	int rc = web_rows_clause(r, "a", cond, sizeof(cond), &val);

	web_where_init(q);
	return rc ? rc : aq_add(q, cond, val);
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
static int aq_filters(struct web_req *r, struct web_where *q)
{
	const char *org = web_kv_get(&r->query, "org"), *kind = web_kv_get(&r->query, "kind");
	bool unacked, urgent;
	int rc;

	if ((rc = flag_of(r, "unacked", &unacked)) || (rc = flag_of(r, "urgent", &urgent)))
		return rc;
	if (kind && kind[0] && strcmp(kind, "alert") && strcmp(kind, "notice"))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "kind",
			       "kind must be alert or notice");
	if (org && org[0] && (rc = aq_add(q, "a.org_slug = ?", org)))
		return rc;
	if (unacked && (rc = aq_add(q, A_UNACKED, NULL)))
		return rc;
	if (urgent && (rc = aq_add(q, A_IS_URGENT, NULL)))
		return rc;
	if (kind && kind[0])
		rc = aq_add(q, strcmp(kind, "notice") == 0 ? A_NOTICE : "NOT " A_NOTICE, NULL);
	return rc;
}

/* Narrows q to the {id} parameter; M_ENOTFOUND for anything not a plain number. */
static int aq_id(struct web_req *r, struct web_where *q, int64_t *id)
{
	const char *v = web_kv_get(&r->params, "id");
	int rc;

	if (!v || web_parse_uint(v, INT64_MAX / 10, id) || v[0] == '0')
		return M_ENOTFOUND;
	if ((rc = aq_rows(r, q)))
		return rc;
	return aq_add(q, "a.id = ?", v);
}

typedef web_row_fn row_fn;

static int aq_run(struct web_req *r, const struct web_where *q, const char *cols, const char *tail,
		  int64_t limit, int64_t offset, row_fn fn, void *arg)
{
	return web_where_run(r, A_FROM, q, cols, tail, limit, offset, fn, arg);
}

static int aq_count(struct web_req *r, const struct web_where *q, int64_t *n)
{
	return web_where_count(r, A_FROM, q, n);
}

static const char list_tail[] = "ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?";

/* The alert module's reads of one alert's recipients and delivery log, with the request
 * passed to the row functions. cache is no longer used (the store keeps the statement). */
typedef int (*target_fn)(struct web_req *r, const struct alert_target_row *t, void *arg);
typedef int (*delivery_fn)(struct web_req *r, const struct alert_delivery_row *d, void *arg);
struct each_ctx {
	struct web_req *r;
	void *fn;
	void *arg;
};

static int target_cb(void *arg, const struct alert_target_row *t)
{
	struct each_ctx *x = arg;
	return ((target_fn)x->fn)(x->r, t, x->arg);
}

static int delivery_cb(void *arg, const struct alert_delivery_row *d)
{
	struct each_ctx *x = arg;
	return ((delivery_fn)x->fn)(x->r, d, x->arg);
}

static int targets_each(struct web_req *r, struct store_stmt **cache, int64_t id, target_fn fn,
			void *arg)
{
	struct each_ctx x = {r, (void *)fn, arg};

	(void)cache;
	return alert_targets_each(r->s, id, target_cb, &x, &r->err);
}

static int deliveries_each(struct web_req *r, int64_t id, delivery_fn fn, void *arg)
{
	struct each_ctx x = {r, (void *)fn, arg};

	return alert_deliveries_each(r->s, id, delivery_cb, &x, &r->err);
}

/* ---------------------------------------------------------------- JSON */

static int target_json(struct web_req *r, const struct alert_target_row *t, void *arg)
{
	(void)r;
	cJSON_AddItemToArray(arg, alert_target_json(t));
	return 0;
}

static int delivery_json(struct web_req *r, const struct alert_delivery_row *d, void *arg)
{
	(void)r;
	cJSON_AddItemToArray(arg, alert_delivery_json(d));
	return 0;
}

/* One alert as JSON with its recipients; full adds the body and the delivery log. */
static int alert_json(struct web_req *r, struct store_stmt *st, bool full,
		      struct store_stmt **cache, cJSON **out)
{
	cJSON *o = cJSON_CreateObject();
	int64_t id = stmt_int64(st, C_ID);
	int rc;

	cJSON_AddNumberToObject(o, "id", (double)id);
	json_add_str(o, "org", stmt_text(st, C_ORG));
	json_add_str(o, "kind", stmt_int64(st, C_NOTICE) ? "notice" : "alert");
	json_add_str(o, "issue_key", stmt_text(st, C_ISSUE));
	json_add_str(o, "subject", stmt_text(st, C_SUBJECT));
	json_add_time(o, "created_at", stmt_int64(st, C_CREATED));
	cJSON_AddBoolToObject(o, "urgent", stmt_int64(st, C_URGENT) != 0);
	cJSON_AddBoolToObject(o, "acked", !stmt_is_null(st, C_ACKED_AT));
	json_add_time(o, "acked_at", stmt_int64(st, C_ACKED_AT));
	json_add_str(o, "acked_by", stmt_text(st, C_ACKED_BY));
	if (full)
		json_add_str(o, "body", stmt_text(st, C_BODY));
	rc = targets_each(r, cache, id, target_json, cJSON_AddArrayToObject(o, "targets"));
	if (!rc && full)
		rc = deliveries_each(r, id, delivery_json, cJSON_AddArrayToObject(o, "deliveries"));
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* A JSON list being filled, with the recipients statement reused across its rows. */
struct json_list {
	cJSON *items;
	struct store_stmt *targets;
};

static int json_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	struct json_list *l = arg;
	cJSON *o = NULL;
	int rc = alert_json(r, st, false, &l->targets, &o);

	if (!rc)
		cJSON_AddItemToArray(l->items, o);
	return rc;
}

int web_api_alerts(struct web_req *r)
{
	int64_t limit, offset, total;
	struct json_list l = {0};
	struct web_where q;
	cJSON *o;
	int rc;

	if ((rc = aq_rows(r, &q)) || (rc = web_paging(r, 100, 1000, &limit, &offset)) ||
	    (rc = aq_filters(r, &q)) || (rc = aq_count(r, &q, &total)))
		return rc;
	o = cJSON_CreateObject();
	l.items = cJSON_AddArrayToObject(o, "items");
	rc = aq_run(r, &q, A_COLS, list_tail, limit, offset, json_row, &l);
	stmt_finalize(l.targets);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "limit", (double)limit);
	cJSON_AddNumberToObject(o, "offset", (double)offset);
	return web_json_reply(r, 200, o);
}

struct one {
	cJSON *json;
	bool found;
};

static int one_json_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	struct one *one = arg;

	one->found = true;
	return alert_json(r, st, true, NULL, &one->json);
}

/* The {id} alert among the caller's rows as JSON; M_ENOTFOUND as if absent otherwise. */
static int one_json(struct web_req *r, cJSON **out)
{
	struct one one = {0};
	struct web_where q;
	int64_t id;
	int rc;

	if ((rc = aq_id(r, &q, &id)) ||
	    (rc = aq_run(r, &q, A_COLS, "LIMIT 1", 0, 0, one_json_row, &one)))
		return rc;
	if (!one.found)
		return M_ENOTFOUND;
	*out = one.json;
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
	struct web_where q;
	int64_t n = 0;
	int rc;

	if ((rc = aq_id(r, &q, id)) || (rc = aq_count(r, &q, &n)))
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

static int target_cell(struct web_req *r, const struct alert_target_row *t, void *arg)
{
	(void)arg;
	web_out(r, "<li class=\"dl-%s\">%s <span class=\"state\">%s</span></li>", t->state,
		t->target, state_label(r, t->state));
	return 0;
}

/* The acknowledgement cell: 確認済み with the time (JST) and who, or 未確認 and a button. */
static void ack_cell(struct web_req *r, struct store_stmt *st, const char *from)
{
	int64_t id = stmt_int64(st, C_ID);

	if (!stmt_is_null(st, C_ACKED_AT)) {
		web_out(r, "<span class=\"acked\" id=\"ack-state-%L\">%T %s%R%s</span>", id,
			M_ACKED, web_jst(r, stmt_int64(st, C_ACKED_AT)),
			stmt_text(st, C_ACKED_BY) ? " · " : "", stmt_text(st, C_ACKED_BY));
		return;
	}
	web_out(r, "<span class=\"warn\" id=\"ack-state-%L\">%T</span>", id, M_UNACKED);
	if (!may_ack(r))
		return;
	web_out(r, " <form method=\"post\" action=\"/alerts/%L/ack\" class=\"inline\">", id);
	web_csrf_field(r);
	web_out(r,
		"<input type=\"hidden\" name=\"from\" value=\"%s\"><button type=\"submit\" "
		"id=\"ack-%L\">%T</button></form>",
		from, id, M_ACK);
}

static enum web_msg kind_msg(struct store_stmt *st)
{
	return stmt_int64(st, C_NOTICE) ? M_KIND_NOTICE : M_KIND_ALERT;
}

static int html_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	int64_t id = stmt_int64(st, C_ID);
	int rc;

	web_out(
	    r,
	    "<tr id=\"alert-%L\"><td><a href=\"/alerts/%L\">%L</a></td><td><a href=\"/orgs/%u\">"
	    "%s</a></td><td>%T%R</td><td><a href=\"/alerts/%L\">%s</a></td><td>%s</td><td><ul "
	    "class=\"targets\">",
	    id, id, id, stmt_text(st, C_ORG), stmt_text(st, C_ORG), kind_msg(st),
	    stmt_int64(st, C_URGENT) ? " <strong class=\"warn\">!</strong>" : "", id,
	    stmt_text(st, C_SUBJECT), web_jst(r, stmt_int64(st, C_CREATED)));
	/* arg: the recipients statement reused across the page's rows */
	if ((rc = targets_each(r, arg, id, target_cell, NULL)))
		return rc;
	web_out(r, "</ul></td><td>");
	ack_cell(r, st, "list");
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
	web_out(r, "<button type=\"submit\">%T</button></form>", M_FILTER);
}

/* The filters the pager's links carry. */
static const char *const filter_keys[] = {"org", "kind", "unacked", "urgent"};

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
		"<table id=\"alerts\"><thead><tr><th>#</th><th>%T</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th><th>%T</th></tr></thead><tbody>",
		M_ORG, M_KIND, M_ALERT_SUBJECT, M_CREATED, M_DELIVERY, M_ACK_STATE);
}

int web_page_alerts(struct web_req *r)
{
	int64_t limit, offset, total;
	size_t mark = r->out.len;
	struct store_stmt *targets = NULL;
	struct web_where q;
	int rc;

	if ((rc = aq_rows(r, &q)) || (rc = web_paging(r, 50, 500, &limit, &offset)) ||
	    (rc = aq_filters(r, &q)) || (rc = aq_count(r, &q, &total)))
		return rc;
	web_page_begin(r, M_NAV_ALERTS);
	filter_form(r);
	table_head(r);
	rc = aq_run(r, &q, A_COLS, list_tail, limit, offset, html_row, &targets);
	stmt_finalize(targets);
	if (rc) {
		truncate_out(r, mark); /* the error page replaces the half-written one */
		return rc;
	}
	web_out(r, "</tbody></table>");
	if (total == 0)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	pager(r, limit, offset, total);
	web_page_end(r);
	return 0;
}

static int target_row(struct web_req *r, const struct alert_target_row *t, void *arg)
{
	(void)arg;
	web_out(r,
		"<tr><td>%s</td><td>%s</td><td class=\"dl-%s\">%s</td><td class=\"num\">%L</td>"
		"<td>%s</td></tr>",
		t->channel, t->target, t->state, state_label(r, t->state), t->attempts,
		web_jst(r, t->delivered_at));
	return 0;
}

static int delivery_row(struct web_req *r, const struct alert_delivery_row *d, void *arg)
{
	(void)arg;
	web_out(r,
		"<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%L</td><td>%s</td>"
		"<td>%s</td></tr>",
		web_jst(r, d->at), d->channel, d->target, d->attempt, d->status, d->error);
	return 0;
}

static int detail_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	int64_t id = stmt_int64(st, C_ID);
	int rc;

	*(bool *)arg = true;
	web_page_begin(r, M_ALERT);
	web_out(r,
		"<h2 id=\"alert-subject\">%s</h2><dl class=\"facts\"><dt>#</dt><dd id=\"alert-id\">"
		"%L</dd><dt>%T</dt><dd><a href=\"/orgs/%u\">%s</a></dd><dt>%T</dt><dd>%T</dd>"
		"<dt>%T</dt><dd>%T</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>",
		stmt_text(st, C_SUBJECT), id, M_ORG, stmt_text(st, C_ORG), stmt_text(st, C_ORG),
		M_KIND, kind_msg(st), M_URGENT, stmt_int64(st, C_URGENT) ? M_YES : M_NO, M_CREATED,
		web_jst(r, stmt_int64(st, C_CREATED)), M_ACK_STATE);
	ack_cell(r, st, "detail");
	web_out(r, "</dd></dl><h2>%T</h2><pre id=\"alert-body\">%s</pre>", M_BODY,
		stmt_text(st, C_BODY));
	web_out(r,
		"<h2>%T</h2><table id=\"targets\"><thead><tr><th>%T</th><th>%T</th><th>%T</th>"
		"<th class=\"num\">%T</th><th>%T</th></tr></thead><tbody>",
		M_DELIVERY, M_CHANNEL, M_RECIPIENT, M_STATUS, M_ATTEMPTS, M_DELIVERED_AT);
	if ((rc = targets_each(r, NULL, id, target_row, NULL)))
		return rc;
	web_out(r,
		"</tbody></table><h2>%T</h2><table id=\"deliveries\"><thead><tr><th>%T</th>"
		"<th>%T</th><th>%T</th><th class=\"num\">%T</th><th>%T</th><th>%T</th></tr></thead>"
		"<tbody>",
		M_DELIVERY_LOG, M_TIME, M_CHANNEL, M_RECIPIENT, M_ATTEMPTS, M_STATUS, M_ERRORS);
	if ((rc = deliveries_each(r, id, delivery_row, NULL)))
		return rc;
	web_out(r, "</tbody></table><p><a href=\"/alerts\">%T</a></p>", M_NAV_ALERTS);
	web_page_end(r);
	return 0;
}

int web_page_alert(struct web_req *r)
{
	bool found = false;
	struct web_where q;
	int64_t id;
	int rc;

	if ((rc = aq_id(r, &q, &id)))
		return rc;
	if ((rc = aq_run(r, &q, A_COLS, "LIMIT 1", 0, 0, detail_row, &found))) {
		truncate_out(r, 0);
		return rc;
	}
	return found ? 0 : M_ENOTFOUND;
}

/* ---------------------------------------------------------------- the token link */

struct token_hit {
	row_fn fn;
	void *arg;
	int *found;
};

static int token_hit_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	struct token_hit *h = arg;

	*h->found = 1;
	return h->fn(r, st, h->arg);
}

/* The alert a token names (the alert module looks the token's hash up), read as the lists
 * read one alert: 1 found, 0 not, or an error. */
static int token_find(struct web_req *r, const char *token, row_fn fn, void *arg)
{
	struct web_where q;
	char ids[24];
	int64_t id;
	int rc = alert_id_by_token(r->s, token, &id, &r->err), found = 0;

	if (rc)
		return rc == M_ENOTFOUND ? 0 : rc;
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	web_where_init(&q);
	if ((rc = aq_add(&q, "a.id = ?", ids)))
		return rc;
	struct token_hit h = {fn, arg, &found};
	rc = aq_run(r, &q, A_COLS, "LIMIT 1", 0, 0, token_hit_row, &h);
	return rc ? rc : found;
}

/* Refuses a throttled address; counts an unknown token against it (like failed logins).
 * 0 when the token names an alert (fn was called with it). */
static int token_gate(struct web_req *r, const char *token, row_fn fn, void *arg)
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

static int confirm_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	const char *token = arg;
	char csrf[AUTH_HEX_MAX];

	web_page_begin(r, M_ACK_TITLE);
	web_out(r,
		"<dl class=\"facts\"><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd id=\"alert-subject\">%s"
		"</dd><dt>%T</dt><dd>%s</dd><dt>%T</dt><dd>",
		M_ORG, stmt_text(st, C_ORG), M_ALERT_SUBJECT, stmt_text(st, C_SUBJECT), M_CREATED,
		web_jst(r, stmt_int64(st, C_CREATED)), M_ACK_STATE);
	if (!stmt_is_null(st, C_ACKED_AT)) {
		web_out(r, "<span class=\"acked\" id=\"ack-state\">%T %s</span></dd></dl>", M_ACKED,
			web_jst(r, stmt_int64(st, C_ACKED_AT)));
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

static int nop_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	(void)r;
	(void)st;
	(void)arg;
	return 0;
}

/* GET /ack/{token}: a confirm page only. Mail scanners fetch links; a GET changes nothing. */
int web_page_ack_token(struct web_req *r)
{
	const char *token = web_kv_get(&r->params, "token");
	size_t mark = r->out.len;
	int rc = token_gate(r, token, confirm_row, (void *)token);

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

static int panel_row(struct web_req *r, struct store_stmt *st, void *arg)
{
	(void)arg;
	web_out(r,
		"<tr><td><a href=\"/alerts/%L\">%L</a></td><td><a href=\"/orgs/%u\">%s</a></td>"
		"<td>%T</td><td>%s</td><td>%s</td></tr>",
		stmt_int64(st, C_ID), stmt_int64(st, C_ID), stmt_text(st, C_ORG),
		stmt_text(st, C_ORG), kind_msg(st), stmt_text(st, C_SUBJECT),
		web_jst(r, stmt_int64(st, C_CREATED)));
	return 0;
}

/* Alerts awaiting acknowledgement: how many urgent ones are unacknowledged among the caller's
 * rows, and the newest five. */
void web_panel_alerts(struct web_req *r)
{
	struct web_where q, c;
	int64_t total = 0;

	web_out(r, "<section class=\"panel\" id=\"alerts-awaiting\"><h2>%T</h2>",
		M_ALERTS_AWAITING);
	/* Count by the (urgent, acked_at, org_slug) index; the newest five walk created_at. */
	if (aq_rows(r, &q) || aq_add(&q, A_UNACKED " AND " A_IS_URGENT, NULL) || aq_rows(r, &c) ||
	    aq_add(&c, "a.acked_at IS NULL AND a.urgent = 1", NULL) || aq_count(r, &c, &total) ||
	    total == 0) {
		web_out(r, "<p id=\"alerts-awaiting-count\" data-count=\"0\">%T</p></section>",
			M_NO_DATA_YET);
		return;
	}
	web_out(r,
		"<p><a href=\"/alerts?unacked=1&amp;urgent=1\" id=\"alerts-awaiting-count\" "
		"data-count=\"%L\">%L %T</a></p><table><thead><tr><th>#</th><th>%T</th><th>%T</th>"
		"<th>%T</th><th>%T</th></tr></thead><tbody>",
		total, total, M_UNACKED, M_ORG, M_KIND, M_ALERT_SUBJECT, M_CREATED);
	aq_run(r, &q, A_COLS, list_tail, 5, 0, panel_row, NULL);
	web_out(r, "</tbody></table></section>");
}
