/* json.h - the small cJSON helpers every JSON writer needs: NULL and "no time" become JSON null. */
#ifndef MAMORI_JSON_H
#define MAMORI_JSON_H

#include "base/compat.h"

#include <cjson/cJSON.h>

/* Adds s under k, or null when s is NULL. */
void json_add_str(cJSON *o, const char *k, const char *s);
/* Adds t as ISO 8601 UTC ("2026-11-23T03:40:47Z") under k, or null when t is 0. */
void json_add_time(cJSON *o, const char *k, int64_t t);

#endif
