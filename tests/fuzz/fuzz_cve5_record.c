/* fuzz_cve5_record.c - the cve5 record parser on one arbitrary record. */
#include "base/compat.h"

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feeds_cve c;
	feeds_cve5_parse((const char *)data, size, &c, NULL);
	feeds_cve_release(&c);
	return 0;
}
