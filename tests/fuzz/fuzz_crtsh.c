/* fuzz_crtsh.c - libFuzzer target for the crtsh import parser (disc_parse_crtsh): any input
 * must give 0 or a negative code with an error place, never a crash or a leak. */
#include "base/compat.h"

#include "base/err.h"
#include "discover/discover.h"

static int count_cb(const struct disc_cert_name *item, void *arg)
{
	(void)item;
	++*(long *)arg;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merr e;
	long n = 0;
	int rc;

	merr_init(&e);
	rc = disc_parse_crtsh((const char *)data, size, "fuzz", count_cb, &n, &e);
	if (rc != 0 && (rc > 0 || e.code != rc))
		__builtin_trap(); /* a failure must say what was wrong */
	return 0;
}
