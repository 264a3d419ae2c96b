/*
 * dns.c - the CHAOS TXT "version.bind" query and a bounds-checked DNS response
 * parser (RFC 1035 4.1, compression pointers 4.1.4) for the DNS version probe.
 */
#include "base/compat.h"

#include "fingerprint/banner.h"

#define DNS_HDR 12
#define DNS_TYPE_TXT 16
#define DNS_CLASS_CH 3
#define DNS_POINTERS_MAX 32 /* more jumps than this is a loop */
#define DNS_RR_MAX 64	    /* resource records looked at */

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int fp_dns_version_query(uint16_t id, bool tcp, unsigned char *out, size_t cap)
{
	/* header: id, flags 0 (standard query, no recursion wanted), QDCOUNT 1,
	 * AN/NS/AR 0; question: 7"version" 4"bind" 0, QTYPE TXT, QCLASS CH */
	static const unsigned char q[] = {
	    0,	 0,	      0,   0,	0,   1,	  0, 0,	  0,   0,   0,	 0, 7, 'v',
	    'e', 'r',	      's', 'i', 'o', 'n', 4, 'b', 'i', 'n', 'd', 0, 0, DNS_TYPE_TXT,
	    0,	 DNS_CLASS_CH};
	size_t off = tcp ? 2 : 0;

	if (cap < sizeof(q) + off)
		return M_ETOOBIG;
	if (tcp) {
		out[0] = 0;
		out[1] = (unsigned char)sizeof(q);
	}
	memcpy(out + off, q, sizeof(q));
	out[off] = (unsigned char)(id >> 8);
	out[off + 1] = (unsigned char)(id & 0xff);
	return (int)(sizeof(q) + off);
}

int fp_dns_read_name(const unsigned char *msg, size_t len, size_t off, char *out, size_t cap,
		     size_t *next)
{
	size_t o = 0, jumps = 0, pos = off;
	bool jumped = false;

	if (cap == 0)
		return M_EPARSE;
	for (;;) {
		unsigned char l;
		if (pos >= len)
			return M_EPARSE;
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) { /* pointer: 14-bit offset, strictly backwards */
			size_t to;
			if (pos + 1 >= len || ++jumps > DNS_POINTERS_MAX)
				return M_EPARSE;
			to = (size_t)(l & 0x3f) << 8 | msg[pos + 1];
			if (to >= pos)
				return M_EPARSE;
			if (!jumped)
				*next = pos + 2;
			jumped = true;
			pos = to;
			continue;
		}
		if (l & 0xc0)
			return M_EPARSE; /* 0x40/0x80 label types are obsolete */
		if (l == 0)
			break;
		if (pos + 1 + l > len)
			return M_EPARSE;
		if (o + l + 2 > cap)
			return M_EPARSE;
		if (o > 0)
			out[o++] = '.';
		for (size_t i = 0; i < l; i++) {
			unsigned char c = msg[pos + 1 + i];
			out[o++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
		}
		pos += 1 + l;
	}
	out[o] = '\0';
	if (!jumped)
		*next = pos + 1;
	return 0;
}

/* TXT RDATA: one or more <length><bytes> strings, joined. */
static void txt_strings(const unsigned char *rd, size_t rdlen, struct fp_dns_txt *out)
{
	size_t i = 0, o = 0;

	while (i < rdlen) {
		size_t l = rd[i++];
		if (l > rdlen - i)
			l = rdlen - i;
		for (size_t k = 0; k < l; k++) {
			if (o + 1 >= sizeof(out->text)) {
				out->truncated = true;
				break;
			}
			out->text[o++] = (char)rd[i + k];
		}
		i += l;
	}
	out->text[o] = '\0';
}

static int skip_questions(const unsigned char *m, size_t len, size_t qd, size_t *off)
{
	char name[256];

	for (size_t i = 0; i < qd; i++) {
		if (fp_dns_read_name(m, len, *off, name, sizeof(name), off) != 0)
			return M_EPARSE;
		if (*off + 4 > len)
			return M_EPARSE;
		*off += 4;
	}
	return 0;
}

static int parse_message(const unsigned char *m, size_t len, uint16_t id, struct fp_dns_txt *out)
{
	size_t off = DNS_HDR, qd, an;
	char name[256];

	if (len < DNS_HDR)
		return M_EPARSE;
	out->id = be16(m);
	if (out->id != id || !(m[2] & 0x80)) /* answer to our query, QR set */
		return M_EPARSE;
	out->rcode = m[3] & 0x0f;
	qd = be16(m + 4);
	an = be16(m + 6);
	if (qd > 4 || skip_questions(m, len, qd, &off) != 0)
		return M_EPARSE;
	for (size_t i = 0; i < an && i < DNS_RR_MAX; i++) {
		uint16_t type, rdlen;
		if (fp_dns_read_name(m, len, off, name, sizeof(name), &off) != 0 || off + 10 > len)
			return M_EPARSE;
		type = be16(m + off);
		rdlen = be16(m + off + 8);
		off += 10;
		if (rdlen > len - off)
			return M_EPARSE;
		if (type == DNS_TYPE_TXT && out->n_answers++ == 0)
			txt_strings(m + off, rdlen, out);
		off += rdlen;
	}
	return FP_DONE;
}

int fp_dns_parse_txt(const unsigned char *p, size_t n, bool tcp, uint16_t id,
		     struct fp_dns_txt *out)
{
	size_t len = n;

	memset(out, 0, sizeof(*out));
	if (tcp) {
		if (n < 2)
			return FP_NEED_MORE;
		len = be16(p);
		if (n < 2 + len)
			return FP_NEED_MORE;
		p += 2;
	}
	out->consumed = len + (tcp ? 2 : 0);
	return parse_message(p, len, id, out);
}
