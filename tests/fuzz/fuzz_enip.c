/* fuzz_enip.c - the EtherNet/IP List Identity response parser. */
#include "base/compat.h"

#include "fingerprint/ot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_enip_identity id;

	if (fp_enip_parse_identity(data, size, &id) == FP_DONE && id.consumed > size)
		abort();
	return 0;
}
