/*
 * packet.c - TCP SYN frames (Ethernet + IPv4/IPv6 + TCP) and the stateless
 * validation of replies: pure functions over byte buffers, fuzzed by fuzz_scan_reply.
 */
#include "base/compat.h"

#include <sodium.h>

#include "scan/scan_int.h"

#define ETH_LEN 14
#define IP4_LEN 20
#define IP6_LEN 40
#define TCP_LEN 24 /* 20 + MSS option */
#define ETHERTYPE_IP4 0x0800
#define ETHERTYPE_IP6 0x86dd
#define PROTO_TCP 6
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define PROBE_TTL 64

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put_ip(uint8_t *p, const struct ipaddr *a, int n) /* n = 4 or 16 bytes */
{
	ip128 v = a->v;
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static void get_ip(const uint8_t *p, int n, struct ipaddr *out)
{
	ip128 v = n == 4 ? (ip128)0xffff : 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	ip_from128(v, out);
}

void scan_cookie(const unsigned char key[SCAN_KEY_LEN], const struct ipaddr *ip, uint16_t port,
		 uint16_t *sport, uint32_t *seq)
{
	uint8_t in[18], h[crypto_shorthash_siphash24_BYTES];
	uint64_t v = 0;

	put_ip(in, ip, 16);
	put16(in + 16, port);
	crypto_shorthash_siphash24(h, in, sizeof(in), key);
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)h[i] << (8 * i);
	*seq = (uint32_t)v;
	*sport = (uint16_t)(SCAN_SPORT_BASE + (v >> 32) % SCAN_SPORT_COUNT);
}

uint16_t scan_inet_csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	uint64_t s = sum;

	for (; len > 1; len -= 2, b += 2)
		s += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		s += (uint32_t)b[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Sum of the pseudo header (addresses at src/dst, n bytes each). */
static uint32_t pseudo_sum(const uint8_t *src, const uint8_t *dst, int n, size_t tcp_len)
{
	uint32_t s = 0;
	for (int i = 0; i < n; i += 2)
		s += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
	return s + PROTO_TCP + (uint32_t)tcp_len;
}

static void build_tcp(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq)
{
	memset(t, 0, TCP_LEN);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	t[12] = (TCP_LEN / 4) << 4;
	t[13] = TCP_SYN;
	put16(t + 14, 65535);
	t[20] = 2; /* MSS option: some stacks ignore SYNs without one */
	t[21] = 4;
	put16(t + 22, 1460);
}

size_t scan_syn_build(const struct scan_net *n, const struct ipaddr *dst, uint16_t dport,
		      uint8_t *frame, size_t cap)
{
	uint16_t sport;
	uint32_t seq;
	bool v4 = dst->family == 4;
	size_t ip_len = v4 ? IP4_LEN : IP6_LEN, len = ETH_LEN + ip_len + TCP_LEN;
	uint8_t *ip = frame + ETH_LEN, *tcp = ip + ip_len;

	if (cap < len)
		return 0;
	scan_cookie(n->key, dst, dport, &sport, &seq);
	memcpy(frame, n->gw_mac, 6);
	memcpy(frame + 6, n->src_mac, 6);
	put16(frame + 12, v4 ? ETHERTYPE_IP4 : ETHERTYPE_IP6);
	build_tcp(tcp, sport, dport, seq);
	if (v4) {
		memset(ip, 0, IP4_LEN);
		ip[0] = 0x45;
		put16(ip + 2, IP4_LEN + TCP_LEN);
		put16(ip + 4, (uint16_t)(seq >> 16 ^ seq)); /* varies per probe, not a counter */
		ip[8] = PROBE_TTL;
		ip[9] = PROTO_TCP;
		put_ip(ip + 12, &n->src4, 4);
		put_ip(ip + 16, dst, 4);
		put16(ip + 10, scan_inet_csum(ip, IP4_LEN, 0));
		put16(tcp + 16,
		      scan_inet_csum(tcp, TCP_LEN, pseudo_sum(ip + 12, ip + 16, 4, TCP_LEN)));
	} else {
		memset(ip, 0, IP6_LEN);
		ip[0] = 0x60;
		put16(ip + 4, TCP_LEN);
		ip[6] = PROTO_TCP;
		ip[7] = PROBE_TTL;
		put_ip(ip + 8, &n->src6, 16);
		put_ip(ip + 24, dst, 16);
		put16(tcp + 16,
		      scan_inet_csum(tcp, TCP_LEN, pseudo_sum(ip + 8, ip + 24, 16, TCP_LEN)));
	}
	return len;
}

/* The network layer of a frame, located and length-checked. */
struct l3 {
	const uint8_t *src, *dst; /* addresses */
	int alen;		  /* 4 or 16 */
	const uint8_t *tcp;
	size_t tcp_len;
	int ttl;
	bool ip_csum_ok;
};

/* Returns 0 when the frame carries an unfragmented TCP segment of >= 4 bytes. */
static int locate_tcp(const uint8_t *f, size_t len, struct l3 *o)
{
	const uint8_t *ip = f + ETH_LEN;
	size_t rest;

	if (len < ETH_LEN)
		return -1;
	rest = len - ETH_LEN;
	if (get16(f + 12) == ETHERTYPE_IP4) {
		size_t ihl, tot;
		if (rest < IP4_LEN || (ip[0] >> 4) != 4)
			return -1;
		ihl = (size_t)(ip[0] & 15) * 4;
		tot = get16(ip + 2);
		if (ihl < IP4_LEN || tot < ihl || tot > rest || ip[9] != PROTO_TCP)
			return -1;
		if (get16(ip + 6) & 0x3fff) /* MF or an offset: fragments are never ours */
			return -1;
		o->src = ip + 12;
		o->dst = ip + 16;
		o->alen = 4;
		o->tcp = ip + ihl;
		o->tcp_len = tot - ihl;
		o->ttl = ip[8];
		o->ip_csum_ok = scan_inet_csum(ip, ihl, 0) == 0;
	} else if (get16(f + 12) == ETHERTYPE_IP6) {
		size_t plen;
		if (rest < IP6_LEN || (ip[0] >> 4) != 6 || ip[6] != PROTO_TCP)
			return -1;
		plen = get16(ip + 4);
		if (plen > rest - IP6_LEN)
			return -1;
		o->src = ip + 8;
		o->dst = ip + 24;
		o->alen = 16;
		o->tcp = ip + IP6_LEN;
		o->tcp_len = plen;
		o->ttl = ip[7];
		o->ip_csum_ok = true;
	} else {
		return -1;
	}
	return o->tcp_len >= 4 ? 0 : -1;
}

enum scan_reply_kind scan_reply_parse(const struct scan_net *n, const uint8_t *frame, size_t len,
				      unsigned flags, struct scan_reply *out)
{
	struct l3 l;
	struct ipaddr me;
	uint16_t dport, sport;
	uint32_t seq;
	uint8_t tcpf;
	size_t doff;

	if (locate_tcp(frame, len, &l) != 0)
		return SCAN_REPLY_NOT_OURS;
	dport = get16(l.tcp + 2);
	if (dport < SCAN_SPORT_BASE || dport >= SCAN_SPORT_BASE + SCAN_SPORT_COUNT)
		return SCAN_REPLY_NOT_OURS;
	get_ip(l.dst, l.alen, &me);
	if (me.v != (l.alen == 4 ? n->src4.v : n->src6.v))
		return SCAN_REPLY_NOT_OURS;
	if (l.tcp_len < 20)
		return SCAN_REPLY_INVALID; /* truncated */
	tcpf = l.tcp[13];
	if (!(tcpf & TCP_ACK) || !(tcpf & (TCP_SYN | TCP_RST)))
		return SCAN_REPLY_NOT_OURS; /* our own SYNs looping back, stray ACKs */
	doff = (size_t)(l.tcp[12] >> 4) * 4;
	if (doff < 20 || doff > l.tcp_len || !l.ip_csum_ok)
		return SCAN_REPLY_INVALID;
	if (!(flags & SCAN_PARSE_CSUM_PARTIAL) &&
	    scan_inet_csum(l.tcp, l.tcp_len, pseudo_sum(l.src, l.dst, l.alen, l.tcp_len)) != 0)
		return SCAN_REPLY_INVALID;
	get_ip(l.src, l.alen, &out->ip);
	out->port = get16(l.tcp);
	scan_cookie(n->key, &out->ip, out->port, &sport, &seq);
	if (sport != dport || get32(l.tcp + 8) != seq + 1)
		return SCAN_REPLY_INVALID;
	out->ttl = l.ttl;
	out->open = (tcpf & TCP_SYN) && !(tcpf & TCP_RST);
	return SCAN_REPLY_VALID;
}
