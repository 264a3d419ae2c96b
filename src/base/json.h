/* json.h - the small cJSON helpers every JSON writer needs: NULL and "no time" become JSON null. */
#ifndef MAMORI_JSON_H
#define MAMORI_JSON_H

#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/err.h"

/* Adds s under k, or null when s is NULL. */
void json_add_str(cJSON *o, const char *k, const char *s);
/* Adds t as ISO 8601 UTC ("2026-11-23T03:40:47Z") under k, or null when t is 0. */
void json_add_time(cJSON *o, const char *k, int64_t t);

/*
 * Checks the strings of a JSON text before cJSON parses it (cJSON keeps both): a raw control
 * character (U+0000-U+001F, which RFC 8259 forbids unescaped) or an escaped NUL (\u0000,
 * which would cut the C string the value becomes: "a.test\u0000.evil.test" read as
 * "a.test") is refused. 0, or M_EPARSE with e's line (1-based in p, plus line0 - 1; -1 when
 * line0 < 1), offset (in p, plus off0; -1 when off0 < 0) and field (the last object key
 * before the place) set; file is left for the caller. Does not check the rest of the syntax: cJSON does that.
 */
int json_check_strings(const char *p, size_t len, long line0, long long off0, struct merr *e);

/* json_check_strings, then cJSON_ParseWithLengthOpts (no trailing-data check). NULL on a
 * refused string (e set) or on a syntax error (e not set: the caller words that). */
cJSON *json_parse_checked(const char *p, size_t len, const char **end, struct merr *e,
			  int *refused);

/* The tree cJSON_ParseWithLength(p, len) would build, read in one pass, for strict JSON
 * without \u escapes (json_fast.c); NULL when it cannot say (malformed or unusual input, a
 * raw control byte in a string, out of memory): then ask cJSON, which decides. Whatever it
 * accepts, json_check_strings passes (no raw control byte, no \u0000): a caller checks only
 * what it refuses. Free with cJSON_Delete. */
cJSON *json_parse_fast(const char *p, size_t len);

#endif
