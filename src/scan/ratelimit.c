/*
 * ratelimit.c - the global token bucket (paced with a sleep/spin hybrid so
 * 100k+ pps stays accurate), per-network caps per one-second window, and the
 * reply de-duplication set.
 */
#include "base/compat.h"

#include <errno.h>
#include <time.h>

#include "base/mem.h"
#include "scan/scan_int.h"

/* Sleeping is accurate to ~60 us here; below this we spin. */
#define SPIN_BELOW 0.0002

double scan_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void scan_sleep_until(double t)
{
	double d = t - scan_now();

	if (d > SPIN_BELOW) {
		double s = d - SPIN_BELOW / 2;
		struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
		if (nanosleep(&ts, NULL) != 0 && errno == EINTR)
			return; /* a signal: return early, the caller re-checks its stop flag */
	}
	while (scan_now() < t)
		; /* spin the last stretch: nanosleep overshoots by tens of microseconds */
}

/* Debt is capped at 50 ms of traffic (at most 8192 packets) so that a stall
 * (preemption on a busy machine, a store flush) is caught up without a long
 * burst above the configured rate. */
static double burst_of(double rate)
{
	double b = rate / 20.0;
	return b < 1 ? 1 : (b > 8192 ? 8192 : b);
}

void scan_rate_init(struct scan_rate *r, double rate, double now)
{
	r->rate = rate > 0 ? rate : 1;
	r->t0 = now;
	r->issued = 0;
}

unsigned scan_rate_take(struct scan_rate *r, double now, unsigned max)
{
	double tokens = (now - r->t0) * r->rate - (double)r->issued, burst = burst_of(r->rate);
	unsigned n;

	if (tokens > burst) { /* forget debt beyond one burst */
		r->t0 += (tokens - burst) / r->rate;
		tokens = burst;
	}
	if (tokens < 1)
		return 0;
	n = tokens >= max ? max : (unsigned)tokens;
	r->issued += n;
	return n;
}

double scan_rate_wait_time(const struct scan_rate *r, double now)
{
	double next = r->t0 + (double)(r->issued + 1) / r->rate;
	return next > now ? next - now : 0;
}

/* ------------------------------------------------------------ per-network */

struct netcap_slot {
	uint64_t key;
	uint32_t count;
	uint8_t used, family;
};

struct scan_netcap {
	double limit;
	int64_t window;
	size_t cap, used;
	struct netcap_slot *slots;
};

#define NETCAP_MAX_SLOTS ((size_t)1 << 22)

struct scan_netcap *scan_netcap_new(double per_net_rate, size_t expected_nets)
{
	struct scan_netcap *c = m_calloc(1, sizeof(*c));
	size_t cap = 1024;

	if (!c)
		return NULL;
	while (cap < expected_nets * 2 && cap < NETCAP_MAX_SLOTS)
		cap *= 2;
	c->slots = m_calloc(cap, sizeof(*c->slots));
	if (!c->slots) {
		m_free(c);
		return NULL;
	}
	c->cap = cap;
	c->limit = per_net_rate;
	c->window = -1;
	return c;
}

void scan_netcap_free(struct scan_netcap *c)
{
	if (!c)
		return;
	m_free(c->slots);
	m_free(c);
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static struct netcap_slot *netcap_find(struct netcap_slot *slots, size_t cap, uint64_t key,
				       uint8_t fam)
{
	size_t i = mix64(key ^ fam) & (cap - 1);
	while (slots[i].used && (slots[i].key != key || slots[i].family != fam))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int netcap_grow(struct scan_netcap *c)
{
	size_t ncap = c->cap * 2;
	struct netcap_slot *ns;

	if (ncap > NETCAP_MAX_SLOTS)
		return -1;
	ns = m_calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].used)
			*netcap_find(ns, ncap, c->slots[i].key, c->slots[i].family) = c->slots[i];
	m_free(c->slots);
	c->slots = ns;
	c->cap = ncap;
	return 0;
}

bool scan_netcap_take(struct scan_netcap *c, const struct ipaddr *ip, double now)
{
	int64_t w = (int64_t)now;
	uint64_t key = ip->family == 4 ? (uint64_t)(ip->v >> 8) : (uint64_t)(ip->v >> 64);
	uint8_t fam = (uint8_t)ip->family;
	struct netcap_slot *s;

	if (c->limit <= 0)
		return true;
	if (w != c->window) {
		memset(c->slots, 0, c->cap * sizeof(*c->slots));
		c->used = 0;
		c->window = w;
	}
	if (c->used * 4 >= c->cap * 3 && netcap_grow(c) != 0)
		return false; /* cannot count it: refuse rather than exceed a cap */
	s = netcap_find(c->slots, c->cap, key, fam);
	if (!s->used) {
		s->used = 1;
		s->key = key;
		s->family = fam;
		s->count = 0;
		c->used++;
	}
	if ((double)s->count + 1 > c->limit)
		return false;
	s->count++;
	return true;
}

/* ------------------------------------------------------------ seen set */

struct seen_slot {
	ip128 v;
	uint16_t port;
	uint8_t used;
};

struct scan_seen {
	struct seen_slot *slots;
	size_t cap, used;
};

struct scan_seen *scan_seen_new(void)
{
	struct scan_seen *s = m_calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cap = 1024;
	s->slots = m_calloc(s->cap, sizeof(*s->slots));
	if (!s->slots) {
		m_free(s);
		return NULL;
	}
	return s;
}

void scan_seen_free(struct scan_seen *s)
{
	if (!s)
		return;
	m_free(s->slots);
	m_free(s);
}

static size_t seen_slot(const struct seen_slot *slots, size_t cap, ip128 v, uint16_t port)
{
	size_t i = mix64((uint64_t)v ^ mix64((uint64_t)(v >> 64)) ^ port) & (cap - 1);
	while (slots[i].used && (slots[i].v != v || slots[i].port != port))
		i = (i + 1) & (cap - 1);
	return i;
}

int scan_seen_add(struct scan_seen *s, const struct ipaddr *ip, uint16_t port)
{
	size_t i;

	if (s->used * 2 >= s->cap) {
		size_t ncap = s->cap * 2;
		struct seen_slot *ns = m_calloc(ncap, sizeof(*ns));
		if (!ns)
			return M_ENOMEM;
		for (size_t k = 0; k < s->cap; k++)
			if (s->slots[k].used)
				ns[seen_slot(ns, ncap, s->slots[k].v, s->slots[k].port)] =
				    s->slots[k];
		m_free(s->slots);
		s->slots = ns;
		s->cap = ncap;
	}
	i = seen_slot(s->slots, s->cap, ip->v, port);
	if (s->slots[i].used)
		return 0;
	s->slots[i].used = 1;
	s->slots[i].v = ip->v;
	s->slots[i].port = port;
	s->used++;
	return 1;
}

bool scan_seen_has(const struct scan_seen *s, const struct ipaddr *ip, uint16_t port)
{
	return s->slots[seen_slot(s->slots, s->cap, ip->v, port)].used;
}

size_t scan_seen_count(const struct scan_seen *s)
{
	return s->used;
}
