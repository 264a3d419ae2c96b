/* fuzz_api_body.c - JSON request bodies through the API's parser and field checker
 * (the body of POST /api/v1/users). */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		if (!cJSON_IsString(n))
			__builtin_trap();
	} else if (e.code == 0) {
		__builtin_trap(); /* every refusal says why */
	}
	cJSON_Delete(o);
	return 0;
}
