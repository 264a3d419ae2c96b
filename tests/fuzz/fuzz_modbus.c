/* fuzz_modbus.c - the Modbus/TCP Read Device Identification response parser. */
#include "base/compat.h"

#include "fingerprint/ot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_modbus_devid d;
	uint16_t tid = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;

	if (fp_modbus_devid_parse(data, size, tid, &d) == FP_DONE &&
	    (d.consumed > size || strlen(d.vendor) >= FP_OT_TEXT_MAX))
		abort();
	return 0;
}
