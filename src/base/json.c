/* json.c - cJSON helpers shared by the CLI, the API and the modules' JSON output. */
#include "base/compat.h"

#include "base/json.h"
#include "base/mtime.h"

void json_add_str(cJSON *o, const char *k, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, k, s);
	else
		cJSON_AddNullToObject(o, k);
}

void json_add_time(cJSON *o, const char *k, int64_t t)
{
	char s[TIME_STR_MAX];

	if (!t) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	time_fmt_utc(t, s);
	cJSON_AddStringToObject(o, k, s);
}
