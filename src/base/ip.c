/* ip.c - address parsing and range sets. */
#include "base/compat.h"

#include <arpa/inet.h>
#include <ctype.h>

#include "base/err.h"
#include "base/ip.h"
#include "base/mem.h"

#define V4_MAPPED ((ip128)0xffff << 32)

static ip128 from_bytes(const unsigned char *b, int n)
{
	ip128 v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | b[i];
	return v;
}

void ip_from128(ip128 v, struct ipaddr *out)
{
	out->v = v;
	out->family = (v >> 32) == 0xffff ? 4 : 6;
}

int ip_parse(const char *s, struct ipaddr *out)
{
	unsigned char b[16];

	if (!s)
		return M_EPARSE;
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, b) != 1)
			return M_EPARSE;
		out->family = 6;
		out->v = from_bytes(b, 16);
		/* An IPv4-mapped IPv6 literal is the IPv4 address. */
		if ((out->v >> 32) == 0xffff)
			out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET, s, b) != 1)
		return M_EPARSE;
	out->family = 4;
	out->v = V4_MAPPED | from_bytes(b, 4);
	return 0;
}

void ip_format(const struct ipaddr *a, char *out)
{
	unsigned char b[16];
	ip128 v = a->v;

	for (int i = 15; i >= 0; i--) {
		b[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
	if (a->family == 4)
		inet_ntop(AF_INET, b + 12, out, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, b, out, INET6_ADDRSTRLEN);
}

bool ip_is_loopback(const struct ipaddr *a)
{
	if (a->family == 4)
		return ((a->v >> 24) & 0xff) == 127;
	return a->v == 1;
}

static ip128 host_mask(int bits) /* low `bits` bits set */
{
	if (bits <= 0)
		return 0;
	if (bits >= 128)
		return ~(ip128)0;
	return ((ip128)1 << bits) - 1;
}

int cidr_parse(const char *s, bool strict, struct cidr *out)
{
	char addr[IP_STR_MAX];
	const char *slash;
	int prefix, max;
	size_t alen;
	ip128 hm;

	if (!s)
		return M_EPARSE;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return M_EPARSE;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (ip_parse(addr, &out->addr))
		return M_EPARSE;
	max = out->addr.family == 4 ? 32 : 128;
	if (slash) {
		const char *p = slash + 1;
		char *end;
		long v;
		if (!isdigit((unsigned char)*p))
			return M_EPARSE;
		v = strtol(p, &end, 10);
		if (*end || v < 0 || v > max)
			return M_EPARSE;
		prefix = (int)v;
	} else {
		prefix = max;
	}
	out->prefix = prefix;
	hm = host_mask(max - prefix);
	if (out->addr.v & hm) {
		if (strict)
			return M_EPARSE;
		out->addr.v &= ~hm;
	}
	return 0;
}

void cidr_format(const struct cidr *c, char out[IP_STR_MAX])
{
	char a[IP_STR_MAX - 8]; /* INET6_ADDRSTRLEN is 46 */
	ip_format(&c->addr, a);
	snprintf(out, IP_STR_MAX, "%s/%d", a, c->prefix);
}

void cidr_bounds(const struct cidr *c, ip128 *lo, ip128 *hi)
{
	int max = c->addr.family == 4 ? 32 : 128;
	ip128 hm = host_mask(max - c->prefix);
	*lo = c->addr.v & ~hm;
	*hi = c->addr.v | hm;
}

bool cidr_contains(const struct cidr *c, const struct ipaddr *a)
{
	ip128 lo, hi;
	cidr_bounds(c, &lo, &hi);
	return a->v >= lo && a->v <= hi;
}

bool cidr_overlaps(const struct cidr *a, const struct cidr *b)
{
	ip128 alo, ahi, blo, bhi;
	cidr_bounds(a, &alo, &ahi);
	cidr_bounds(b, &blo, &bhi);
	return alo <= bhi && blo <= ahi;
}

void ipset_init(struct ipset *s)
{
	s->r = NULL;
	s->n = 0;
	s->cap = 0;
}

void ipset_release(struct ipset *s)
{
	m_free(s->r);
	ipset_init(s);
}

static int reserve(struct ipset *s, size_t n)
{
	struct iprange *r;
	size_t cap;

	if (n <= s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 8;
	while (cap < n)
		cap *= 2;
	r = m_realloc(s->r, cap * sizeof(*r));
	if (!r)
		return M_ENOMEM;
	s->r = r;
	s->cap = cap;
	return 0;
}

int ipset_add_range(struct ipset *s, ip128 lo, ip128 hi)
{
	size_t i = 0, j;

	if (lo > hi)
		return M_EINVAL;
	/* first range that ends at or after lo-1 (could merge) */
	while (i < s->n && s->r[i].hi < lo && s->r[i].hi + 1 < lo)
		i++;
	j = i;
	/* ranges [i, j) overlap or touch [lo, hi] */
	while (j < s->n && (s->r[j].lo <= hi || (hi != ~(ip128)0 && s->r[j].lo == hi + 1)))
		j++;
	if (i == j) {
		if (reserve(s, s->n + 1))
			return M_ENOMEM;
		memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof(*s->r));
		s->r[i].lo = lo;
		s->r[i].hi = hi;
		s->n++;
		return 0;
	}
	if (s->r[i].lo < lo)
		lo = s->r[i].lo;
	if (s->r[j - 1].hi > hi)
		hi = s->r[j - 1].hi;
	s->r[i].lo = lo;
	s->r[i].hi = hi;
	memmove(s->r + i + 1, s->r + j, (s->n - j) * sizeof(*s->r));
	s->n -= j - i - 1;
	return 0;
}

int ipset_add_cidr(struct ipset *s, const struct cidr *c)
{
	ip128 lo, hi;
	cidr_bounds(c, &lo, &hi);
	return ipset_add_range(s, lo, hi);
}

int ipset_subtract(struct ipset *s, const struct ipset *sub)
{
	struct ipset out;

	ipset_init(&out);
	for (size_t i = 0; i < s->n; i++) {
		ip128 lo = s->r[i].lo, hi = s->r[i].hi;
		bool done = false;
		for (size_t k = 0; k < sub->n && !done; k++) {
			const struct iprange *x = &sub->r[k];
			if (x->hi < lo || x->lo > hi)
				continue;
			if (x->lo > lo && reserve(&out, out.n + 1) == 0) {
				out.r[out.n].lo = lo;
				out.r[out.n].hi = x->lo - 1;
				out.n++;
			} else if (x->lo > lo) {
				ipset_release(&out);
				return M_ENOMEM;
			}
			if (x->hi >= hi)
				done = true;
			else
				lo = x->hi + 1;
		}
		if (!done) {
			if (reserve(&out, out.n + 1)) {
				ipset_release(&out);
				return M_ENOMEM;
			}
			out.r[out.n].lo = lo;
			out.r[out.n].hi = hi;
			out.n++;
		}
	}
	ipset_release(s);
	*s = out;
	return 0;
}

bool ipset_contains(const struct ipset *s, const struct ipaddr *a)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->v < s->r[mid].lo)
			hi = mid;
		else if (a->v > s->r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint64_t ipset_count(const struct ipset *s)
{
	ip128 total = 0;
	for (size_t i = 0; i < s->n; i++) {
		total += s->r[i].hi - s->r[i].lo + 1;
		if (total > UINT64_MAX)
			return UINT64_MAX;
	}
	return (uint64_t)total;
}
