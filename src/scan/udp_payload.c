/*
 * udp_payload.c - identification probes for UDP services (DNS version.bind,
 * NTP mode 3, SNMP v2c GetRequest sysDescr.0 "public": read-only) and minimal,
 * bounds-checked parsers that only decide "a genuine reply to our request".
 */
#include "base/compat.h"

#include "scan/scan_int.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* --------------------------------------------------------------- DNS */

static const uint8_t dns_question[] = {7,   'v', 'e', 'r', 's', 'i', 'o', 'n', 4,
				       'b', 'i', 'n', 'd', 0,	0,   16,  0,   3}; /* TXT CH */

size_t scan_dns_build(uint16_t id, uint8_t *out, size_t cap)
{
	size_t len = 12 + sizeof(dns_question);

	if (cap < len)
		return 0;
	memset(out, 0, 12);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[5] = 1; /* one question, no recursion wanted */
	memcpy(out + 12, dns_question, sizeof(dns_question));
	return len;
}

/* Skips a (possibly compressed) name at *off; false when malformed. */
static bool dns_skip_name(const uint8_t *p, size_t len, size_t *off)
{
	size_t o = *off, total = 0;

	for (int labels = 0; labels < 128; labels++) {
		uint8_t b;
		if (o >= len)
			return false;
		b = p[o];
		if (b == 0) {
			*off = o + 1;
			return true;
		}
		if ((b & 0xc0) == 0xc0) {
			if (o + 2 > len || (size_t)((b & 0x3f) << 8 | p[o + 1]) >= len)
				return false;
			*off = o + 2;
			return true;
		}
		if (b & 0xc0)
			return false; /* 0x40/0x80: reserved label types */
		total += b + 1u;
		if (total > 255 || o + 1 + b > len)
			return false;
		o += 1 + b;
	}
	return false;
}

bool scan_dns_parse(const uint8_t *p, size_t len, uint16_t id)
{
	size_t off = 12, rrs;
	unsigned qd;

	if (len < 12 || rd16(p) != id || !(p[2] & 0x80) || ((p[2] >> 3) & 15) != 0)
		return false;
	qd = rd16(p + 4);
	rrs = (size_t)rd16(p + 6) + rd16(p + 8) + rd16(p + 10);
	if (qd > 1 || rrs > 256)
		return false;
	for (unsigned i = 0; i < qd; i++) {
		if (!dns_skip_name(p, len, &off) || off + 4 > len)
			return false;
		off += 4;
	}
	for (size_t i = 0; i < rrs; i++) {
		if (!dns_skip_name(p, len, &off) || off + 10 > len)
			return false;
		off += 10 + rd16(p + off + 8);
		if (off > len)
			return false;
	}
	return true;
}

/* --------------------------------------------------------------- NTP */

#define NTP_LEN 48

size_t scan_ntp_build(uint64_t nonce, uint8_t *out, size_t cap)
{
	if (cap < NTP_LEN)
		return 0;
	memset(out, 0, NTP_LEN);
	out[0] = (4 << 3) | 3; /* LI 0, version 4, mode 3 (client) */
	for (int i = 0; i < 8; i++)
		out[40 + i] = (uint8_t)(nonce >> (56 - 8 * i)); /* transmit timestamp */
	return NTP_LEN;
}

bool scan_ntp_parse(const uint8_t *p, size_t len, uint64_t nonce)
{
	uint64_t origin = 0;
	unsigned vn;

	if (len < NTP_LEN || (p[0] & 7) != 4)
		return false;
	vn = (p[0] >> 3) & 7;
	if (vn < 1 || vn > 4 || p[1] > 16)
		return false;
	for (int i = 0; i < 8; i++)
		origin = origin << 8 | p[24 + i]; /* a server echoes our transmit time */
	return origin == nonce;
}

/* --------------------------------------------------------------- SNMP */

/* v2c GetRequest sysDescr.0, community "public"; request-id at offset 17. */
static const uint8_t snmp_template[] = {
    0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',  'u',  'b',	'l',  'i',  'c',  0xa0, 0x1c,
    0x02, 0x04, 0,    0,    0,	  0,	0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30,
    0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00};
#define SNMP_RID_OFF 17

/* Request ids are kept in [2^24, 2^31) so four bytes are the minimal BER form. */
static uint32_t snmp_rid(uint32_t id)
{
	return (id & 0x7effffffu) | 0x01000000u;
}

size_t scan_snmp_build(uint32_t request_id, uint8_t *out, size_t cap)
{
	uint32_t rid = snmp_rid(request_id);

	if (cap < sizeof(snmp_template))
		return 0;
	memcpy(out, snmp_template, sizeof(snmp_template));
	for (int i = 0; i < 4; i++)
		out[SNMP_RID_OFF + i] = (uint8_t)(rid >> (24 - 8 * i));
	return sizeof(snmp_template);
}

/* One BER TLV at *off within [.., end): tag, content offset and length. */
static bool ber_next(const uint8_t *p, size_t end, size_t *off, uint8_t *tag, size_t *coff,
		     size_t *clen)
{
	size_t o = *off, l;

	if (o + 2 > end)
		return false;
	*tag = p[o];
	l = p[o + 1];
	o += 2;
	if (l & 0x80) {
		unsigned nb = l & 0x7f;
		if (nb == 0 || nb > 4 || o + nb > end)
			return false;
		l = 0;
		for (unsigned i = 0; i < nb; i++)
			l = l << 8 | p[o + i];
		o += nb;
	}
	if (l > end - o)
		return false;
	*coff = o;
	*clen = l;
	*off = o + l;
	return true;
}

static bool ber_uint(const uint8_t *p, size_t off, size_t len, uint32_t *v)
{
	if (len == 0 || len > 5 || (len == 5 && p[off] != 0))
		return false;
	*v = 0;
	for (size_t i = 0; i < len; i++)
		*v = *v << 8 | p[off + i];
	return true;
}

bool scan_snmp_parse(const uint8_t *p, size_t len, uint32_t request_id)
{
	size_t off = 0, c, l, end, o2;
	uint8_t tag;
	uint32_t v;

	if (!ber_next(p, len, &off, &tag, &c, &l) || tag != 0x30)
		return false;
	end = c + l;
	off = c;
	if (!ber_next(p, end, &off, &tag, &c, &l) || tag != 0x02 || !ber_uint(p, c, l, &v) || v > 1)
		return false; /* version: v1 (0) or v2c (1) */
	if (!ber_next(p, end, &off, &tag, &c, &l) || tag != 0x04)
		return false; /* community */
	if (!ber_next(p, end, &off, &tag, &c, &l) || tag != 0xa2)
		return false; /* GetResponse-PDU */
	end = c + l;
	o2 = c;
	if (!ber_next(p, end, &o2, &tag, &c, &l) || tag != 0x02 || !ber_uint(p, c, l, &v) ||
	    v != snmp_rid(request_id))
		return false;
	for (int i = 0; i < 2; i++) /* error-status, error-index */
		if (!ber_next(p, end, &o2, &tag, &c, &l) || tag != 0x02)
			return false;
	return ber_next(p, end, &o2, &tag, &c, &l) && tag == 0x30;
}

/* --------------------------------------------------------------- table */

static size_t build_dns(uint32_t id, uint8_t *out, size_t cap)
{
	return scan_dns_build((uint16_t)id, out, cap);
}
static bool parse_dns(const uint8_t *p, size_t len, uint32_t id)
{
	return scan_dns_parse(p, len, (uint16_t)id);
}
static size_t build_ntp(uint32_t id, uint8_t *out, size_t cap)
{
	return scan_ntp_build((uint64_t)id << 32 | (id ^ 0x6d616d6fu), out, cap);
}
static bool parse_ntp(const uint8_t *p, size_t len, uint32_t id)
{
	return scan_ntp_parse(p, len, (uint64_t)id << 32 | (id ^ 0x6d616d6fu));
}
static size_t build_snmp(uint32_t id, uint8_t *out, size_t cap)
{
	return scan_snmp_build(id, out, cap);
}
static bool parse_snmp(const uint8_t *p, size_t len, uint32_t id)
{
	return scan_snmp_parse(p, len, id);
}
static size_t build_empty(uint32_t id, uint8_t *out, size_t cap)
{
	return 0;
}
static bool parse_any(const uint8_t *p, size_t len, uint32_t id)
{
	return true; /* no payload we know: any datagram back means a listener */
}

static const struct scan_udp_probe udp_probes[] = {
    {53, "dns", build_dns, parse_dns},
    {123, "ntp", build_ntp, parse_ntp},
    {161, "snmp", build_snmp, parse_snmp},
};
static const struct scan_udp_probe udp_generic = {0, "generic", build_empty, parse_any};

const struct scan_udp_probe *scan_udp_probe_for(uint16_t port)
{
	for (size_t i = 0; i < ARRAY_SIZE(udp_probes); i++)
		if (udp_probes[i].port == port)
			return &udp_probes[i];
	return &udp_generic;
}
