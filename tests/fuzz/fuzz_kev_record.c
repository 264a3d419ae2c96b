/* fuzz_kev_record.c - the kev record parser on one arbitrary record. */
#include "base/compat.h"

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feeds_kev k;
	feeds_kev_parse((const char *)data, size, &k, NULL);
	feeds_kev_release(&k);
	return 0;
}
