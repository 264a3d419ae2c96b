/*
 * read.c - what front ends show of one alert besides its row: its recipients (alert_targets)
 * and its delivery log (alert_deliveries), each with its one JSON shape.
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
