/* fuzz_stix_envelope.c - untrusted bundles / TAXII envelopes through the span scanner and the
 * per-object STIX validator: every span lies inside the input, starts with '{' and ends with
 * '}', and a valid object always has a version no longer than its buffer. */
#include "base/compat.h"

#include <stdlib.h>

#include "share/share.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct share_span *sp = NULL;
	struct share_obj o;
	struct merr e;
	size_t n = 0;

	if (size > (1 << 20))
		return 0;
	merr_init(&e);
	if (share_spans((const char *)data, size, &sp, &n, NULL, &e) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (sp[i].off + sp[i].len > size || sp[i].len < 2 ||
			    data[sp[i].off] != '{' || data[sp[i].off + sp[i].len - 1] != '}')
				__builtin_trap();
			merr_init(&e);
			if (share_stix_check((const char *)data + sp[i].off, sp[i].len, &o, &e) ==
				0 &&
			    (strlen(o.version) >= sizeof(o.version) || !o.type[0] || !o.id[0]))
				__builtin_trap();
		}
	}
	free(sp);
	/* The same bytes as one object. */
	merr_init(&e);
	(void)share_stix_check((const char *)data, size, &o, &e);
	return 0;
}
