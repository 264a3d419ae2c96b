/*
 * read.c - the JSON shapes of what front ends show of an alert: the alert itself, its
 * recipients (alert_targets) and its delivery log (alert_deliveries), one builder each.
 */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "alert/alert.h"

/* The rows themselves are read by alert_targets_each / alert_deliveries_each (list.c). */

cJSON *alert_target_json(const struct alert_target_row *t)
{
	cJSON *o = cJSON_CreateObject();

	json_add_str(o, "channel", t->channel);
	json_add_str(o, "target", t->target);
	json_add_str(o, "state", t->state);
	cJSON_AddNumberToObject(o, "attempts", (double)t->attempts);
	json_add_time(o, "delivered_at", t->delivered_at);
	return o;
}

cJSON *alert_delivery_json(const struct alert_delivery_row *d)
{
	cJSON *o = cJSON_CreateObject();

	json_add_time(o, "at", d->at);
	json_add_str(o, "channel", d->channel);
	json_add_str(o, "target", d->target);
	cJSON_AddNumberToObject(o, "attempt", (double)d->attempt);
	json_add_str(o, "status", d->status);
	json_add_str(o, "error", d->error);
	return o;
}

static int add_target(void *arg, const struct alert_target_row *t)
{
	cJSON_AddItemToArray(arg, alert_target_json(t));
	return 0;
}

static int add_delivery(void *arg, const struct alert_delivery_row *d)
{
	cJSON_AddItemToArray(arg, alert_delivery_json(d));
	return 0;
}

int alert_row_json(struct store *s, const struct alert_row *a, bool full, cJSON **out,
		   struct merr *e)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	*out = NULL;
	if (!o)
		return merr_set(e, M_ENOMEM, "out of memory");
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	json_add_str(o, "org", a->org);
	json_add_str(o, "kind", a->notice ? "notice" : "alert");
	json_add_str(o, "issue_key", a->issue_key);
	json_add_str(o, "subject", a->subject);
	json_add_time(o, "created_at", a->created_at);
	cJSON_AddBoolToObject(o, "urgent", a->urgent);
	cJSON_AddBoolToObject(o, "acked", a->acked_at != 0);
	json_add_time(o, "acked_at", a->acked_at);
	json_add_str(o, "acked_by", a->acked_by);
	if (full)
		json_add_str(o, "body", a->body);
	rc = alert_targets_each(s, a->id, add_target, cJSON_AddArrayToObject(o, "targets"), e);
	if (!rc && full)
		rc = alert_deliveries_each(s, a->id, add_delivery,
					   cJSON_AddArrayToObject(o, "deliveries"), e);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return 0;
}
