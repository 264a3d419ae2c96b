/*
 * fuzz_scan_reply.c - the SYN-mode reply path: Ethernet + IPv4/IPv6 + TCP parsing
 * and SYN-cookie validation of frames read off the wire (scan_reply_parse).
 * The key is fixed so seeds captured with `mamori scan --key` validate.
 */
#include "base/compat.h"

#include "scan/scan_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_net n;
	struct scan_reply r;

	memset(&n, 0, sizeof(n));
	memcpy(n.key, "mamori-fuzz-key!", SCAN_KEY_LEN);
	ip_parse("127.0.0.1", &n.src4);
	ip_parse("::1", &n.src6);
	for (unsigned flags = 0; flags <= SCAN_PARSE_CSUM_PARTIAL; flags++) {
		enum scan_reply_kind k = scan_reply_parse(&n, data, size, flags, &r);
		if (k == SCAN_REPLY_VALID && (r.ip.family != 4 && r.ip.family != 6))
			__builtin_trap(); /* a valid reply always names a real address */
	}
	return 0;
}
