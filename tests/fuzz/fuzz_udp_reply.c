/*
 * fuzz_udp_reply.c - the UDP identification reply parsers (DNS, NTP, SNMP BER).
 * Input: one byte choosing the parser, four bytes of request id, then the datagram.
 */
#include "base/compat.h"

#include "scan/scan_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ports[] = {53, 123, 161, 9};
	const struct scan_udp_probe *p;
	uint32_t id;

	if (size < 5)
		return 0;
	p = scan_udp_probe_for(ports[data[0] % 4]);
	id = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
	(void)p->parse(data + 5, size - 5, id);
	(void)scan_dns_parse(data + 5, size - 5, (uint16_t)id);
	(void)scan_snmp_parse(data + 5, size - 5, id);
	(void)scan_ntp_parse(data + 5, size - 5, (uint64_t)id << 32 | id);
	return 0;
}
