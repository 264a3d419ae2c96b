/* fuzz_stix_pattern.c - untrusted STIX patterns through the recursive-descent parser: no crash
 * or unbounded recursion, an error's offset lies inside the input, and every observable it
 * hands out is non-empty and NUL-terminated within its buffer. */
#include "base/compat.h"

#include "share/share.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int each(const struct share_ioc *ioc, void *arg)
{
	(void)arg;
	if (ioc->kind < SHARE_IOC_IP || ioc->kind > SHARE_IOC_SHA256 || !ioc->value[0] ||
	    strnlen(ioc->value, sizeof(ioc->value)) == sizeof(ioc->value))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merr e;

	if (size > 65536)
		return 0;
	merr_init(&e);
	if (share_pattern_parse((const char *)data, size, each, NULL, &e) == M_EPARSE &&
	    (e.offset < 0 || (size_t)e.offset > size))
		__builtin_trap();
	return 0;
}
