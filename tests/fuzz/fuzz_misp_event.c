/* fuzz_misp_event.c - untrusted MISP event JSON through the MISP-to-STIX converter: whatever it
 * accepts comes out as a TAXII envelope whose every object passes the STIX validator. */
#include "base/compat.h"

#include <stdlib.h>

#include "share/share.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct share_span *sp = NULL;
	struct share_obj o;
	char *env = NULL;
	struct merr e;
	size_t n = 0;

	if (size > (1 << 20))
		return 0;
	merr_init(&e);
	if (share_misp_to_stix((const char *)data, size, &env, &e) == 0) {
		merr_init(&e);
		if (share_spans(env, strlen(env), &sp, &n, NULL, &e))
			__builtin_trap();
		for (size_t i = 0; i < n; i++) {
			merr_init(&e);
			/* only objects whose MISP uuid was not a valid STIX uuid are skipped */
			if (share_stix_check(env + sp[i].off, sp[i].len, &o, &e))
				__builtin_trap();
		}
		free(sp);
	}
	free(env);
	return 0;
}
