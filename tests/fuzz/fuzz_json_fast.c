/* fuzz_json_fast.c - json_parse_fast against cJSON: whatever the one-pass reader accepts,
 * cJSON must accept and build the same tree (types, keys, values, valueint, links). */
#include "base/compat.h"

#include "base/json.h"

static bool same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y, *lx = NULL, *ly = NULL;

	if (a->type != b->type || a->valueint != b->valueint ||
	    memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0 ||
	    !a->string != !b->string || (a->string && strcmp(a->string, b->string) != 0) ||
	    !a->valuestring != !b->valuestring ||
	    (a->valuestring && strcmp(a->valuestring, b->valuestring) != 0) ||
	    !a->child != !b->child)
		return false;
	for (x = a->child, y = b->child; x && y; lx = x, ly = y, x = x->next, y = y->next) {
		if (!same(x, y) || (lx && x->prev != lx) || (ly && y->prev != ly))
			return false;
	}
	/* the first child's prev is the last child in both */
	return !x && !y && (!a->child || (a->child->prev == lx && b->child->prev == ly));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *f = json_parse_fast((const char *)data, size), *c;

	if (!f)
		return 0;
	c = cJSON_ParseWithLength((const char *)data, size);
	if (!c || !same(f, c))
		abort();
	cJSON_Delete(c);
	cJSON_Delete(f);
	return 0;
}
