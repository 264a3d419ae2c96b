/* feed_state_json.c - the one JSON shape of a feed's state (GET /api/v1/feeds and
 * `mamori feeds status --json`). */
#include "base/compat.h"

#include "base/json.h"

#include <cjson/cJSON.h>

#include "feeds/feeds.h"

cJSON *feeds_state_json(const struct feeds_state *st)
{
	cJSON *f = cJSON_CreateObject();
	cJSON *ck = st->checkpoint ? cJSON_Parse(st->checkpoint) : NULL;

	json_add_str(f, "feed", st->feed);
	json_add_str(f, "source", st->source);
	json_add_time(f, "last_import", st->last_import);
	cJSON_AddNumberToObject(f, "records", (double)st->records);
	cJSON_AddNumberToObject(f, "errors", (double)st->errors);
	cJSON_AddItemToObject(f, "checkpoint", ck ? ck : cJSON_CreateNull());
	json_add_str(f, "etag", st->etag);
	json_add_str(f, "last_modified", st->last_modified);
	return f;
}
