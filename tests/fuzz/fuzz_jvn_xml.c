/* fuzz_jvn_xml.c - the MyJVN HND XML parser (VULDEF 3.2, JVNRSS 3.2) on arbitrary bytes. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "feeds/feeds.h"

/* Touches every field the store would read, so a dangling pointer shows under ASan. */
static int touch(struct feeds_jvn *j, void *arg)
{
	size_t *n = arg;
	*n += strlen(j->id) + (j->title ? strlen(j->title) : 0) +
	      (j->summary ? strlen(j->summary) : 0) + (j->url ? strlen(j->url) : 0) +
	      (size_t)cJSON_GetArraySize(j->cpes) + (size_t)cJSON_GetArraySize(j->cves) +
	      (size_t)cJSON_GetArraySize(j->products) + strlen(j->severity);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	long entries = 0;
	feeds_jvn_parse_xml((const char *)data, size, touch, &n, &entries, NULL);
	return 0;
}
