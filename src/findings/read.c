/* read.c - listing and showing stored findings (for the CLI, the web UI and reports),
 * each row with its lifecycle and urgency, one finding with its reasons and events. */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/mtime.h"
#include "findings/findings.h"

#define ROW_COLS                                                                                  \
	"id, org_slug, asset, issue_key, kind, state, severity, title, cve_id, confidence, "      \
	"urgency, ssvc_decision, bod_timeline, kev_due_date, needs_confirmation, kev, reopened, " \
	"cvss, epss, deadline, first_seen, last_seen, fixed_at"

static void fill_row(struct store_stmt *st, struct finding_row *r)
{
	r->id = stmt_int64(st, 0);
	r->org = stmt_text(st, 1);
	r->asset = stmt_text(st, 2);
	r->issue_key = stmt_text(st, 3);
	r->kind = stmt_text(st, 4);
	r->state = stmt_text(st, 5);
	r->severity = stmt_text(st, 6);
	r->title = stmt_text(st, 7);
	r->cve_id = stmt_text(st, 8);
	r->confidence = stmt_text(st, 9);
	r->urgency = stmt_text(st, 10);
	r->ssvc_decision = stmt_text(st, 11);
	r->bod_timeline = stmt_text(st, 12);
	r->kev_due_date = stmt_text(st, 13);
	r->needs_confirmation = stmt_int64(st, 14) != 0;
	r->kev = stmt_int64(st, 15) != 0;
	r->reopened = stmt_int64(st, 16) != 0;
	r->cvss = stmt_is_null(st, 17) ? -1 : stmt_double(st, 17);
	r->epss = stmt_is_null(st, 18) ? -1 : stmt_double(st, 18);
	r->deadline = stmt_is_null(st, 19) ? 0 : stmt_int64(st, 19);
	r->first_seen = stmt_int64(st, 20);
	r->last_seen = stmt_int64(st, 21);
	r->fixed_at = stmt_is_null(st, 22) ? 0 : stmt_int64(st, 22);
}

int finding_list(struct store *s, const struct finding_filter *f,
		 int (*fn)(void *arg, const struct finding_row *r), void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct finding_row r;
	int rc = store_prepare(
	    s,
	    "SELECT " ROW_COLS " FROM findings WHERE (?1 IS NULL OR org_slug = ?1) AND (?2 IS NULL "
	    "OR kind = ?2) AND (?3 = 0 OR kev = 1) AND (?4 = 0 OR state = 'open') ORDER BY "
	    "org_slug, "
	    "state DESC, kev DESC, CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN "
	    "'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, needs_confirmation, cvss DESC, id",
	    &st, e);

	if (rc)
		return rc;
	if (f->org)
		stmt_bind_text(st, 1, f->org);
	else
		stmt_bind_null(st, 1);
	if (f->kind)
		stmt_bind_text(st, 2, f->kind);
	else
		stmt_bind_null(st, 2);
	stmt_bind_int64(st, 3, f->kev_only);
	stmt_bind_int64(st, 4, f->open_only);
	while ((rc = stmt_step(st, e)) == 1) {
		fill_row(st, &r);
		if ((rc = fn(arg, &r)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : rc;
}

cJSON *finding_row_json(const struct finding_row *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "org", r->org);
	cJSON_AddStringToObject(o, "asset", r->asset);
	cJSON_AddStringToObject(o, "issue", r->issue_key);
	cJSON_AddStringToObject(o, "kind", r->kind);
	cJSON_AddStringToObject(o, "state", r->state);
	cJSON_AddStringToObject(o, "severity", r->severity);
	cJSON_AddStringToObject(o, "title", r->title);
	json_add_str(o, "cve", r->cve_id);
	json_add_str(o, "confidence", r->confidence);
	cJSON_AddBoolToObject(o, "needs_confirmation", r->needs_confirmation);
	cJSON_AddBoolToObject(o, "kev", r->kev);
	json_add_str(o, "kev_due_date", r->kev_due_date);
	json_add_str(o, "urgency", r->urgency);
	json_add_str(o, "ssvc_decision", r->ssvc_decision);
	json_add_str(o, "bod_26_04", r->bod_timeline);
	if (r->cvss >= 0)
		cJSON_AddNumberToObject(o, "cvss", r->cvss);
	if (r->epss >= 0)
		cJSON_AddNumberToObject(o, "epss", r->epss);
	json_add_time(o, "deadline", r->deadline);
	json_add_time(o, "first_seen", r->first_seen);
	json_add_time(o, "last_seen", r->last_seen);
	json_add_time(o, "fixed_at", r->fixed_at);
	cJSON_AddBoolToObject(o, "reopened", r->reopened);
	return o;
}

static int add_events(struct store *s, int64_t id, cJSON *o, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *a = cJSON_AddArrayToObject(o, "events");
	int rc = store_prepare(
	    s, "SELECT at, event, detail FROM finding_events WHERE finding_id = ? ORDER BY id", &st,
	    e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	while ((rc = stmt_step(st, e)) == 1) {
		cJSON *ev = cJSON_CreateObject();
		json_add_time(ev, "at", stmt_int64(st, 0));
		cJSON_AddStringToObject(ev, "event", stmt_text(st, 1));
		json_add_str(ev, "detail", stmt_text(st, 2));
		cJSON_AddItemToArray(a, ev);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static void add_json_text(cJSON *o, const char *k, const char *txt)
{
	cJSON *v = txt ? cJSON_Parse(txt) : NULL;
	if (v)
		cJSON_AddItemToObject(o, k, v);
	else
		json_add_str(o, k, txt);
}

int finding_get_json(struct store *s, int64_t id, cJSON **out, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct finding_row r;
	cJSON *o = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT " ROW_COLS ", reasons, evidence, cvss_vector, kev_date_added, "
			  "ip, port, proto FROM findings WHERE id = ?",
			  &st, e);

	*out = NULL;
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		fill_row(st, &r);
		o = finding_row_json(&r);
		add_json_text(o, "reasons", stmt_text(st, 23));
		add_json_text(o, "evidence", stmt_text(st, 24));
		json_add_str(o, "cvss_vector", stmt_text(st, 25));
		json_add_str(o, "kev_date_added", stmt_text(st, 26));
		rc = 0;
	} else if (rc == 0) {
		rc = merr_set(e, M_ENOTFOUND, "no finding %lld", (long long)id);
	}
	stmt_finalize(st);
	if (rc == 0)
		rc = add_events(s, id, o, e);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return 0;
}
