/*
 * read.c - what front ends show of one alert besides its row: its recipients (alert_targets)
 * and its delivery log (alert_deliveries), each with its one JSON shape.
 */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "alert/alert.h"

int alert_targets_each(struct store *s, int64_t alert_id,
		       int (*fn)(void *arg, const struct alert_target_row *t), void *arg,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT channel, target, state, attempts, delivered_at FROM "
			       "alert_targets WHERE alert_id = ? ORDER BY channel, target",
			       &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, alert_id);
	while ((rc = stmt_step(st, e)) == 1) {
		struct alert_target_row t = {stmt_text(st, 0), stmt_text(st, 1), stmt_text(st, 2),
					     stmt_int64(st, 3), stmt_int64(st, 4)};
		if ((rc = fn(arg, &t)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int alert_deliveries_each(struct store *s, int64_t alert_id,
			  int (*fn)(void *arg, const struct alert_delivery_row *d), void *arg,
			  struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "SELECT at, channel, target, attempt, status, error FROM "
			       "alert_deliveries WHERE alert_id = ? ORDER BY at, id",
			       &st, e);

	if (rc)
		return rc;
	stmt_bind_int64(st, 1, alert_id);
	while ((rc = stmt_step(st, e)) == 1) {
		struct alert_delivery_row d = {stmt_int64(st, 0), stmt_text(st, 1),
					       stmt_text(st, 2),  stmt_int64(st, 3),
					       stmt_text(st, 4),  stmt_text(st, 5)};
		if ((rc = fn(arg, &d)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

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
