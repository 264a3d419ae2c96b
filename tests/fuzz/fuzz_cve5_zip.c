/* fuzz_cve5_zip.c - reading a cvelistV5 zip (libarchive, nested cves.zip, member names) from
 * arbitrary bytes. */
#include "base/compat.h"

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct feeds_cve5_zip z;

	if (!sink && !(sink = fopen("/dev/null", "w")))
		return 0;
	feeds_cve5_zip_lines(data, size, NULL, sink, &z, NULL);
	if (z.members < 0 || z.bad_names < 0 || z.skipped < 0)
		abort();
	return 0;
}
