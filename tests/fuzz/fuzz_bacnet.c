/* fuzz_bacnet.c - the BACnet/IP (BVLC, NPDU, I-Am, ReadProperty-ACK) parser. */
#include "base/compat.h"

#include "fingerprint/ot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_bacnet b;

	if (fp_bacnet_parse(data, size, &b) == FP_DONE && b.consumed > size)
		abort();
	return 0;
}
