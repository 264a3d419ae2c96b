/*
 * ip.h - IPv4/IPv6 addresses, CIDR prefixes and sets of address ranges.
 * Internally every address is 128 bits; IPv4 lives in ::ffff:0:0/96 so one
 * range set can hold both families.
 */
#ifndef MAMORI_IP_H
#define MAMORI_IP_H

#include "base/compat.h"

typedef unsigned __int128 ip128;

#define IP_STR_MAX 64 /* holds an IPv6 address with "/128" */

struct ipaddr {
	int family; /* 4 or 6 */
	ip128 v;    /* IPv4 as ::ffff:a.b.c.d */
};

struct cidr {
	struct ipaddr addr; /* network address (host bits cleared) */
	int prefix;	    /* 0..32 for IPv4, 0..128 for IPv6 */
};

/* Parses a literal IPv4 or IPv6 address. Returns 0 or M_EPARSE. */
int ip_parse(const char *s, struct ipaddr *out);
/* out holds at least INET6_ADDRSTRLEN (46) bytes. */
void ip_format(const struct ipaddr *a, char *out);
bool ip_is_loopback(const struct ipaddr *a);

/*
 * Parses "a.b.c.d/n", "x::/n", or a bare address (a /32 or /128).
 * With strict, host bits set below the prefix are an error (M_EPARSE);
 * otherwise they are cleared. Returns 0 or M_EPARSE.
 */
int cidr_parse(const char *s, bool strict, struct cidr *out);
void cidr_format(const struct cidr *c, char out[IP_STR_MAX]);
/* First and last address the prefix covers (128-bit form). */
void cidr_bounds(const struct cidr *c, ip128 *lo, ip128 *hi);
bool cidr_contains(const struct cidr *c, const struct ipaddr *a);
bool cidr_overlaps(const struct cidr *a, const struct cidr *b);

/* A set of disjoint, sorted, inclusive [lo, hi] ranges. */
struct iprange {
	ip128 lo, hi;
};

struct ipset {
	struct iprange *r;
	size_t n, cap;
};

void ipset_init(struct ipset *s);
void ipset_release(struct ipset *s);
/* Adds [lo, hi], merging neighbours. Returns 0 or M_ENOMEM. */
int ipset_add_range(struct ipset *s, ip128 lo, ip128 hi);
int ipset_add_cidr(struct ipset *s, const struct cidr *c);
/* Removes every address of `sub` from s. Returns 0 or M_ENOMEM. */
int ipset_subtract(struct ipset *s, const struct ipset *sub);
bool ipset_contains(const struct ipset *s, const struct ipaddr *a);
/* Number of addresses (saturates at UINT64_MAX). */
uint64_t ipset_count(const struct ipset *s);

/* Converts a 128-bit value back to an address (IPv4 when in ::ffff:0:0/96). */
void ip_from128(ip128 v, struct ipaddr *out);

#endif
