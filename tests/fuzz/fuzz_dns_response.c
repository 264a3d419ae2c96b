/* fuzz_dns_response.c - the DNS message parser (compression pointers, bounds)
 * over untrusted bytes, as UDP and as TCP with a length prefix. */
#include "base/compat.h"

#include "fingerprint/banner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_dns_txt t;
	char name[256];
	size_t next;
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;

	if (fp_dns_parse_txt(data, size, false, id, &t) == FP_DONE && t.consumed > size)
		abort();
	fp_dns_parse_txt(data, size, true, size >= 4 ? (uint16_t)(data[2] << 8 | data[3]) : 0, &t);
	for (size_t off = 0; off < size && off < 64; off++)
		if (fp_dns_read_name(data, size, off, name, sizeof(name), &next) == 0 &&
		    (next > size || strlen(name) >= sizeof(name)))
			abort();
	return 0;
}
