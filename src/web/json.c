/* json.c - JSON request bodies: one object, checked field by field against a table before
 * a handler sees it (types, required, lengths, UTF-8, no unknown keys). Fuzzed. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/utf8.h"
#include "web/web_int.h"

/* Deeper nesting than any request of ours needs is refused before cJSON recurses. */
#define JSON_DEPTH_MAX 16

/*
 * Strings must be C strings without surprises: a raw control character (below 0x20) inside a
 * string is invalid JSON that cJSON would take, and an escaped NUL (\u0000) would cut the value
 * where C reads it (a password cut there would be a shorter one). Returns 0 or M_EPARSE with the
 * byte offset in e.
 */
static int strings_ok(const char *p, size_t len, struct merr *e)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (!in_str) {
			in_str = c == '"';
			continue;
		}
		if (c < 0x20)
			return merr_at(e, M_EPARSE, NULL, -1, (long long)i, NULL,
				       "raw control character 0x%02x in a string (escape it)", c);
		if (c == '"') {
			in_str = false;
		} else if (c == '\\' && i + 1 < len) {
			if (p[i + 1] == 'u' && i + 5 < len && memcmp(p + i + 2, "0000", 4) == 0)
				return merr_at(e, M_EPARSE, NULL, -1, (long long)i, NULL,
					       "\\u0000 (NUL) in a string");
			i++;
		}
	}
	return 0;
}

static bool depth_ok(const char *p, size_t len)
{
	int depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > JSON_DEPTH_MAX)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

static const struct web_json_field *find_field(const struct web_json_field *fields, size_t n,
					       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

static int check_value(const cJSON *v, const struct web_json_field *f, struct merr *e)
{
	switch (f->type) {
	case WEB_JSON_STRING:
		if (!cJSON_IsString(v) || !v->valuestring)
			return merr_at(e, M_EPARSE, NULL, -1, -1, f->name, "must be a string");
		if (strlen(v->valuestring) > f->max_len)
			return merr_at(e, M_EPARSE, NULL, -1, -1, f->name, "longer than %zu bytes",
				       f->max_len);
		if (!utf8_valid(v->valuestring, strlen(v->valuestring), NULL))
			return merr_at(e, M_EPARSE, NULL, -1, -1, f->name, "not UTF-8");
		return 0;
	case WEB_JSON_BOOL:
		return cJSON_IsBool(v)
			   ? 0
			   : merr_at(e, M_EPARSE, NULL, -1, -1, f->name, "must be true or false");
	case WEB_JSON_NUMBER:
		return cJSON_IsNumber(v)
			   ? 0
			   : merr_at(e, M_EPARSE, NULL, -1, -1, f->name, "must be a number");
	}
	return M_EINVAL;
}

int web_json_parse(const char *body, size_t len, const struct web_json_field *fields,
		   size_t n_fields, cJSON **out, struct merr *e)
{
	size_t bad = 0;
	const char *end = NULL;
	cJSON *root, *it;
	int rc = 0;

	*out = NULL;
	if (!body || len == 0)
		return merr_at(e, M_EPARSE, NULL, -1, 0, NULL,
			       "empty body; a JSON object is needed");
	if (!utf8_valid(body, len, &bad))
		return merr_at(e, M_EPARSE, NULL, -1, (long long)bad, NULL, "body is not UTF-8");
	if (memchr(body, 0, len))
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL, "NUL byte in body");
	if (!depth_ok(body, len))
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL, "nested too deeply");
	if ((rc = strings_ok(body, len, e)))
		return rc;
	root = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (!root)
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL, "malformed JSON");
	/* One value: only white space may follow it. */
	for (size_t i = end ? (size_t)(end - body) : len; i < len; i++)
		if (!strchr(" \t\r\n", body[i]) || body[i] == '\0') {
			cJSON_Delete(root);
			return merr_at(e, M_EPARSE, NULL, -1, (long long)i, NULL,
				       "data after the JSON object");
		}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL, "a JSON object is needed");
	}
	cJSON_ArrayForEach(it, root)
	{
		const struct web_json_field *f =
		    it->string ? find_field(fields, n_fields, it->string) : NULL;
		if (!f) {
			rc = merr_at(e, M_EPARSE, NULL, -1, -1, it->string ? it->string : "?",
				     "unknown field");
			break;
		}
		if (cJSON_GetObjectItemCaseSensitive(root, f->name) != it) {
			rc = merr_at(e, M_EPARSE, NULL, -1, -1, f->name, "given twice");
			break;
		}
		if ((rc = check_value(it, f, e)))
			break;
	}
	for (size_t i = 0; rc == 0 && i < n_fields; i++)
		if (fields[i].required && !cJSON_GetObjectItemCaseSensitive(root, fields[i].name))
			rc = merr_at(e, M_EPARSE, NULL, -1, -1, fields[i].name, "required");
	if (rc) {
		cJSON_Delete(root);
		return rc;
	}
	*out = root;
	return 0;
}
