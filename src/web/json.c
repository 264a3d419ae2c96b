/* json.c - JSON request bodies: one object, checked field by field against a table before
 * a handler sees it (types, required, lengths, UTF-8, no unknown keys). Fuzzed. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/utf8.h"
#include "web/web_int.h"

/* Deeper nesting than any request of ours needs is refused before cJSON recurses. */
#define JSON_DEPTH_MAX 16

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
	root = cJSON_ParseWithLength(body, len);
	if (!root)
		return merr_at(e, M_EPARSE, NULL, -1, -1, NULL, "malformed JSON");
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
