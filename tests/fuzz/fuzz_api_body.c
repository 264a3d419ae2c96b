/* fuzz_api_body.c - JSON request bodies through the API's parser and field checker
 * (the body of POST /api/v1/users). An accepted body has no raw control character inside a
 * string and no escaped NUL, and nothing but white space after the object. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when the text holds \u0000 as an escape (not after an escaped backslash) or a raw
 * control byte inside a string. */
static bool has_c_string_hazard(const uint8_t *d, size_t n)
{
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		if (!in_str) {
			in_str = d[i] == '"';
			continue;
		}
		if (d[i] < 0x20)
			return true;
		if (d[i] == '"')
			in_str = false;
		else if (d[i] == '\\' && i + 1 < n) {
			if (d[i + 1] == 'u' && i + 5 < n && memcmp(d + i + 2, "0000", 4) == 0)
				return true;
			i++;
		}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *o = NULL;
	struct merr e;

	if (size > (1 << 20))
		return 0;
	merr_init(&e);
	if (web_json_parse((const char *)data, size, web_user_fields, web_user_fields_len, &o,
			   &e) == 0) {
		/* accepted means: an object whose required fields are strings */
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
		size_t end = size;
		if (!cJSON_IsString(n) || has_c_string_hazard(data, size))
			__builtin_trap();
		while (end > 0 && strchr(" \t\r\n", data[end - 1]) && data[end - 1])
			end--;
		if (end == 0 || data[end - 1] != '}')
			__builtin_trap(); /* nothing after the object */
	} else if (e.code == 0) {
		__builtin_trap(); /* every refusal says why */
	}
	cJSON_Delete(o);
	return 0;
}
