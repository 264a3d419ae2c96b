/*
 * api_incident.c - the JSON API of incidents and cases: lists and objects within the caller's
 * view (web_inc_open), filing a report as JSON (the same reader as files), attachments as raw
 * request bodies, the per-quarter statistics for sector and bureau views.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "web/web_incident.h"

/* Ends a list reply whose "{"items":[...] is in r->out: the page's limit (offset when >= 0),
 * next_before when the page is full. */
static int web_inc_list_reply(struct web_req *r, int64_t limit, int64_t offset, int64_t n,
			      int64_t last)
{
	int rc = buf_addf(&r->out, ",\"limit\":%lld", (long long)limit);
	if (!rc && offset >= 0)
		rc = buf_addf(&r->out, ",\"offset\":%lld", (long long)offset);
	if (!rc && n && n >= limit)
		rc = buf_addf(&r->out, ",\"next_before\":%lld", (long long)last);
	if (rc || buf_adds(&r->out, "}\n"))
		return M_ENOMEM;
	r->status = 200;
	r->ctype = "application/json; charset=utf-8";
	return 0;
}

int web_api_incidents(struct web_req *r)
{
	const char *state = web_kv_get(&r->query, "state"), *lv = web_kv_get(&r->query, "level");
	const char *od = web_kv_get(&r->query, "overdue"), *org = web_kv_get(&r->query, "org");
	struct inc_filter f = {.level = -1};
	struct web_inc w;
	cJSON *o;
	int64_t n, last;
	int rc;

	if ((rc = web_inc_open(r, &w, false)) ||
	    (rc = web_paging(r, 100, 1000, &f.limit, &f.offset)) ||
	    (rc = web_inc_before(r, &f.before)))
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
	if (od && od[0] && strcmp(od, "0") && strcmp(od, "1"))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "overdue",
			       "overdue must be 1 or 0");
	f.overdue = od && !strcmp(od, "1");
	if (w.v.org && org && org[0] && strcmp(org, w.v.org)) {
		/* another operator's: an empty list, as if there were none */
		o = cJSON_CreateObject();
		cJSON_AddArrayToObject(o, "items");
		return web_json_reply(r, 200, o);
	}
	f.org = w.v.org ? w.v.org : (org && org[0] ? org : NULL);
	f.sector = w.v.sector;
	/* the rows go straight into the reply (no JSON tree per row: issue 15's benchmark) */
	buf_reset(&r->out);
	if (buf_adds(&r->out, "{\"items\":"))
		return M_ENOMEM;
	if ((rc = inc_list_text(&w.c, &f, &r->out, &n, &last, &r->err)))
		return rc;
	return web_inc_list_reply(r, f.limit, f.offset, n, last);
}

int web_api_incident(struct web_req *r)
{
	struct web_inc w;
	cJSON *o = NULL;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, true)))
		return rc;
	rc = inc_show(&w.c, id, &w.v, &o, &r->err);
	web_inc_close(&w);
	return rc ? rc : web_json_reply(r, 200, o);
}

/* POST /api/v1/incidents: the body is a report in the file format (JSON); operators file for
 * their own organisation. */
int web_api_incidents_file(struct web_req *r)
{
	struct inc_report rep;
	struct web_inc w;
	cJSON *o;
	int64_t id;
	int seq, rc;

	if (!r->body || !r->body_len)
		return merr_set(&r->err, M_EPARSE, "a JSON report is required");
	if ((rc = web_inc_open(r, &w, true)))
		return rc;
	if ((rc = inc_report_parse(r->body, r->body_len, "body", &rep, &r->err))) {
		web_inc_close(&w);
		return rc;
	}
	rc = inc_file(&w.c, r->who.org_slug, &rep, &id, &seq, &r->err);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddNumberToObject(o, "version", seq);
	cJSON_AddStringToObject(o, "kind", inc_kind_name(rep.kind));
	inc_report_free(&rep);
	web_inc_close(&w);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	return web_json_reply(r, 201, o);
}

/* POST /api/v1/incidents/{id}/attachments?name=FILE: the body is the file's bytes. */
int web_api_incident_attach(struct web_req *r)
{
	const char *name = web_kv_get(&r->query, "name");
	struct web_inc w;
	char sha[65];
	cJSON *o;
	int64_t id, aid;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = inc_attach_add(&w.c, id, w.v.org, name, r->body ? r->body : "", r->body_len, &aid,
				 sha, &r->err)))
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)aid);
	cJSON_AddNumberToObject(o, "size", (double)r->body_len);
	cJSON_AddStringToObject(o, "sha256", sha);
	return web_json_reply(r, 201, o);
}

int web_api_incident_stats(struct web_req *r)
{
	struct web_inc w;
	cJSON *arr = NULL, *o;
	int rc;

	if ((rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = inc_stats(&w.c, w.v.sector, &arr, &r->err)))
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "items", arr);
	return web_json_reply(r, 200, o);
}

int web_api_cases(struct web_req *r)
{
	const char *state = web_kv_get(&r->query, "state");
	struct case_filter f = {0};
	struct web_inc w;
	int64_t off, n, last;
	int rc;

	if ((rc = web_inc_open(r, &w, false)) || (rc = web_paging(r, 200, 1000, &f.limit, &off)) ||
	    (rc = web_inc_before(r, &f.before)))
		return rc;
	if (state && state[0] && !case_state_ja(state))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "state", "unknown state");
	f.org = w.v.org;
	f.state = state && state[0] ? state : NULL;
	buf_reset(&r->out);
	if (buf_adds(&r->out, "{\"items\":"))
		return M_ENOMEM;
	if ((rc = case_list_text(&w.c, &f, &r->out, &n, &last, &r->err)))
		return rc;
	return web_inc_list_reply(r, f.limit, -1, n, last);
}

int web_api_case(struct web_req *r)
{
	struct web_inc w;
	cJSON *o = NULL;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	if ((rc = case_show(&w.c, id, w.v.org, w.v.internal, &o, &r->err)))
		return rc;
	return web_json_reply(r, 200, o);
}
