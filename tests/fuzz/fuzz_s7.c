/* fuzz_s7.c - the S7comm (TPKT/COTP/S7, SZL records) response parser. */
#include "base/compat.h"

#include "fingerprint/ot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_s7 s;

	if (fp_s7_parse(data, size, &s) == FP_DONE && s.consumed > size)
		abort();
	return 0;
}
