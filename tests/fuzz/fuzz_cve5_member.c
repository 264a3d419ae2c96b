/* fuzz_cve5_member.c - the cvelistV5 zip member name check on arbitrary bytes. */
#include "base/compat.h"

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	int rc = feeds_cve5_member_name(p, size);
	if (rc == 0) {
		/* An accepted name is never absolute, never climbs, and ends in ".json". */
		if (size < 5 || p[0] == '/' || memcmp(p + size - 5, ".json", 5) != 0)
			abort();
		for (size_t i = 0; i + 1 < size; i++)
			if (p[i] == '.' && p[i + 1] == '.' && (i == 0 || p[i - 1] == '/'))
				abort();
	}
	return 0;
}
