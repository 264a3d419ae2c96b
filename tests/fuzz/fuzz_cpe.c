/* fuzz_cpe.c - CPE 2.3 / 2.2 parsing, formatting and NISTIR 7696 matching:
 * format(parse(x)) must parse again to the same string, and a concrete name
 * must be EQUAL to itself. */
#include "base/compat.h"

#include <stdint.h>

#include "cpe/cpe.h"

static bool concrete(const struct cpe *c)
{
	for (int i = 0; i < CPE_N_ATTRS; i++)
		if (c->a[i].kind == CPE_VALUE && !cpe_is_literal(&c->a[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[2048], out[CPE_STR_MAX], again[CPE_STR_MAX];
	struct cpe a, b;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (cpe_parse(in, &a, NULL))
		return 0;
	if (cpe_format(&a, out, sizeof(out)) == 0) {
		if (cpe_parse(out, &b, NULL))
			abort(); /* our own output must read back */
		if (cpe_format(&b, again, sizeof(again)) || strcmp(out, again) != 0)
			abort();
		if (concrete(&a) && cpe_compare(&a, &b, 0) != CPE_EQUAL)
			abort();
		(void)cpe_matches(&b, &a);
		cpe_release(&b);
	}
	if (concrete(&a) && cpe_compare(&a, &a, 0) != CPE_EQUAL)
		abort();
	cpe_release(&a);
	return 0;
}
