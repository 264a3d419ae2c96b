/*
 * targets.c - the (address x port) space walked in a keyed random order with
 * constant memory, sharded, with retry passes; the position counter is the checkpoint.
 *
 * Why a Feistel network and not ZMap's cyclic group: a multiplicative group
 * modulo a prime p > N needs a prime and the factorisation of p-1 for every N
 * to pick a random primitive root; a keyed Feistel permutation over the next
 * even power of two needs only the key, has no weak generators, and walking
 * positions 0..2^2h-1 while skipping images >= N (at most 4x work, usually
 * ~2x) gives the same "every element exactly once, in random order".
 */
#include "base/compat.h"

#include <sodium.h>

#include "base/hex.h"
#include "base/mem.h"
#include "scan/scan.h"

#define FEISTEL_ROUNDS 4

int scan_perm_init(struct scan_perm *p, uint64_t n, const unsigned char key[SCAN_KEY_LEN])
{
	unsigned h = 1;

	if (n == 0 || n >= ((uint64_t)1 << 62))
		return M_EINVAL;
	while (h < 31 && ((uint64_t)1 << (2 * h)) < n)
		h++;
	p->n = n;
	p->half_bits = h;
	p->domain = (uint64_t)1 << (2 * h);
	memcpy(p->key, key, SCAN_KEY_LEN);
	return 0;
}

static uint64_t round_fn(const struct scan_perm *p, unsigned round, uint64_t half)
{
	unsigned char in[9], out[crypto_shorthash_siphash24_BYTES];
	uint64_t v = 0;

	in[0] = (unsigned char)round;
	for (int i = 0; i < 8; i++)
		in[1 + i] = (unsigned char)(half >> (8 * i));
	crypto_shorthash_siphash24(out, in, sizeof(in), p->key);
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)out[i] << (8 * i);
	return v;
}

bool scan_perm_at(const struct scan_perm *p, uint64_t i, uint64_t *out)
{
	uint64_t mask = ((uint64_t)1 << p->half_bits) - 1;
	uint64_t l = (i >> p->half_bits) & mask, r = i & mask;

	for (unsigned k = 0; k < FEISTEL_ROUNDS; k++) {
		uint64_t t = l ^ (round_fn(p, k, r) & mask);
		l = r;
		r = t;
	}
	*out = (l << p->half_bits) | r;
	return *out < p->n;
}

int scan_targets_init(struct scan_targets *t, const struct ipset *addrs,
		      const struct scan_ports *ports, const unsigned char key[SCAN_KEY_LEN],
		      unsigned shard, unsigned n_shards, unsigned passes, struct merr *e)
{
	unsigned __int128 total = 0;

	memset(t, 0, sizeof(*t));
	ipset_init(&t->addrs);
	if (n_shards == 0 || shard >= n_shards || passes == 0)
		return merr_set(e, M_EINVAL, "shard %u of %u, %u passes: invalid", shard, n_shards,
				passes);
	if (!ports || ports->n == 0)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "ports", "no ports to scan");
	if (!addrs || addrs->n == 0)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "targets", "no addresses to scan");
	for (size_t i = 0; i < addrs->n; i++) {
		total += addrs->r[i].hi - addrs->r[i].lo + 1;
		if (total >= ((unsigned __int128)1 << 62))
			break;
	}
	if (total * ports->n >= ((unsigned __int128)1 << 62))
		return merr_at(e, M_ETOOBIG, NULL, -1, -1, "targets",
			       "address x port space too large (>= 2^62 probes)");
	t->cum = m_malloc((addrs->n + 1) * sizeof(*t->cum));
	t->ports.v = m_malloc(ports->n * sizeof(*t->ports.v));
	t->addrs.r = m_malloc(addrs->n * sizeof(*t->addrs.r));
	if (!t->cum || !t->ports.v || !t->addrs.r) {
		scan_targets_release(t);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	memcpy(t->addrs.r, addrs->r, addrs->n * sizeof(*addrs->r));
	t->addrs.n = t->addrs.cap = addrs->n;
	memcpy(t->ports.v, ports->v, ports->n * sizeof(*ports->v));
	t->ports.n = ports->n;
	t->cum[0] = 0;
	for (size_t i = 0; i < addrs->n; i++)
		t->cum[i + 1] = t->cum[i] + (uint64_t)(addrs->r[i].hi - addrs->r[i].lo + 1);
	t->n_addrs = t->cum[addrs->n];
	t->shard = shard;
	t->n_shards = n_shards;
	t->passes = passes;
	scan_perm_init(&t->perm, t->n_addrs * ports->n, key);
	return 0;
}

void scan_targets_release(struct scan_targets *t)
{
	ipset_release(&t->addrs);
	m_free(t->cum);
	t->cum = NULL;
	scan_ports_release(&t->ports);
}

uint64_t scan_targets_count(const struct scan_targets *t)
{
	return t->perm.n;
}

uint64_t scan_targets_end(const struct scan_targets *t)
{
	return t->perm.domain * t->passes;
}

void scan_targets_at(const struct scan_targets *t, uint64_t idx, struct scan_target *out)
{
	uint64_t a = idx / t->ports.n;
	size_t lo = 0, hi = t->addrs.n; /* find the last i with cum[i] <= a */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->cum[mid] <= a)
			lo = mid;
		else
			hi = mid;
	}
	ip_from128(t->addrs.r[lo].lo + (a - t->cum[lo]), &out->ip);
	out->port = t->ports.v[idx % t->ports.n];
	out->index = idx;
	out->pass = 0;
}

bool scan_targets_next(const struct scan_targets *t, uint64_t *pos, struct scan_target *out)
{
	uint64_t end = scan_targets_end(t), dom = t->perm.domain, p = *pos;

	while (p < end) {
		uint64_t c = p % dom, idx, delta;
		delta = (t->shard + t->n_shards - c % t->n_shards) % t->n_shards;
		if (delta) {
			p = c + delta >= dom ? (p / dom + 1) * dom : p + delta;
			continue;
		}
		if (scan_perm_at(&t->perm, c, &idx)) {
			scan_targets_at(t, idx, out);
			out->pass = (unsigned)(p / dom);
			*pos = p + 1;
			return true;
		}
		p++;
	}
	*pos = p;
	return false;
}

bool scan_targets_index(const struct scan_targets *t, const struct ipaddr *ip, uint16_t port,
			uint64_t *idx)
{
	size_t lo = 0, hi = t->addrs.n, plo = 0, phi = t->ports.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ip->v < t->addrs.r[mid].lo)
			hi = mid;
		else if (ip->v > t->addrs.r[mid].hi)
			lo = mid + 1;
		else {
			lo = mid;
			hi = mid + 1;
			break;
		}
	}
	if (lo >= t->addrs.n || ip->v < t->addrs.r[lo].lo || ip->v > t->addrs.r[lo].hi)
		return false;
	while (plo < phi) {
		size_t mid = plo + (phi - plo) / 2;
		if (t->ports.v[mid] < port)
			plo = mid + 1;
		else
			phi = mid;
	}
	if (plo >= t->ports.n || t->ports.v[plo] != port)
		return false;
	*idx = (t->cum[lo] + (uint64_t)(ip->v - t->addrs.r[lo].lo)) * t->ports.n + plo;
	return true;
}

bool scan_set_is_loopback(const struct ipset *s)
{
	const ip128 v4lo = ((ip128)0xffff << 32) | ((ip128)127 << 24);
	const ip128 v4hi = v4lo | 0xffffff;

	for (size_t i = 0; i < s->n; i++) {
		bool in4 = s->r[i].lo >= v4lo && s->r[i].hi <= v4hi;
		bool in6 = s->r[i].lo == 1 && s->r[i].hi == 1;
		if (!in4 && !in6)
			return false;
	}
	return true;
}

void scan_key_random(unsigned char key[SCAN_KEY_LEN])
{
	if (sodium_init() < 0) {
		/* libsodium cannot fail here on Linux with getrandom(); keep a defined key */
		memset(key, 0x5a, SCAN_KEY_LEN);
		return;
	}
	randombytes_buf(key, SCAN_KEY_LEN);
}

void scan_key_to_hex(const unsigned char key[SCAN_KEY_LEN], char out[2 * SCAN_KEY_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < SCAN_KEY_LEN; i++) {
		out[2 * i] = hex[key[i] >> 4];
		out[2 * i + 1] = hex[key[i] & 15];
	}
	out[2 * SCAN_KEY_LEN] = '\0';
}

int scan_key_from_hex(const char *hex, unsigned char key[SCAN_KEY_LEN])
{
	if (!hex || strlen(hex) != 2 * SCAN_KEY_LEN)
		return M_EPARSE;
	for (int i = 0; i < SCAN_KEY_LEN; i++) {
		int a = hex_value(hex[2 * i]), b = hex_value(hex[2 * i + 1]);
		if (a < 0 || b < 0)
			return M_EPARSE;
		key[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}
