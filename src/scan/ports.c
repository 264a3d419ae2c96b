/*
 * ports.c - port lists: "22,80,8000-8100" and named sets, parsed into a
 * sorted list of distinct ports; names and protocol/state labels.
 */
#include "base/compat.h"

#include <ctype.h>

#include "base/mem.h"
#include "scan/scan.h"

/* Named sets. Our own lists (common Internet-facing services plus ICS
 * protocols an ASM for critical infrastructure must see), not nmap's data. */
static const struct {
	const char *name;
	const char *spec;
} named_sets[] = {
    {"web", "80,443,8000,8008,8080,8081,8443,8888"},
    {"ics", "102,502,1911,2404,4840,4911,9600,20000,44818,47808"},
    {"top", "21,22,23,25,53,80,81,88,110,111,135,139,143,389,443,445,465,587,636,993,995,"
	    "1080,1433,1521,1723,1883,2049,2082,2083,2222,2375,2376,3000,3128,3306,3389,5000,"
	    "5060,5432,5601,5671,5672,5900,5985,5986,6379,6443,7001,8000,8008,8080,8081,8443,"
	    "8888,9000,9090,9200,9300,10000,11211,27017,"
	    "102,502,1911,2404,4840,4911,9600,20000,44818,47808"},
};

static int add_range(uint8_t *bits, unsigned lo, unsigned hi)
{
	for (unsigned p = lo; p <= hi; p++)
		bits[p >> 3] |= (uint8_t)(1u << (p & 7));
	return 0;
}

static int parse_num(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = v;
	return 0;
}

static int parse_item(uint8_t *bits, const char *s, size_t len, int depth);

static int parse_list(uint8_t *bits, const char *spec, int depth, size_t *bad_off, size_t *bad_len)
{
	const char *p = spec;

	if (!*spec)
		return -1;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (parse_item(bits, p, len, depth) != 0) {
			*bad_off = (size_t)(p - spec);
			*bad_len = len;
			return -1;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int parse_item(uint8_t *bits, const char *s, size_t len, int depth)
{
	const char *dash = memchr(s, '-', len);
	unsigned lo, hi;

	for (size_t i = 0; i < ARRAY_SIZE(named_sets) && depth == 0; i++) {
		if (strlen(named_sets[i].name) == len && memcmp(named_sets[i].name, s, len) == 0) {
			size_t o, l;
			return parse_list(bits, named_sets[i].spec, 1, &o, &l);
		}
	}
	if (!dash) {
		if (parse_num(s, len, &lo))
			return -1;
		return add_range(bits, lo, lo);
	}
	if (parse_num(s, (size_t)(dash - s), &lo) ||
	    parse_num(dash + 1, len - (size_t)(dash - s) - 1, &hi) || hi < lo)
		return -1;
	return add_range(bits, lo, hi);
}

int scan_ports_parse(const char *spec, struct scan_ports *out, struct merr *e)
{
	uint8_t *bits;
	size_t n = 0, bad_off = 0, bad_len = 0;

	out->v = NULL;
	out->n = 0;
	if (!spec || !*spec)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "ports", "empty port list");
	bits = m_calloc(65536 / 8, 1);
	if (!bits)
		return merr_set(e, M_ENOMEM, "out of memory");
	if (parse_list(bits, spec, 0, &bad_off, &bad_len) != 0) {
		m_free(bits);
		return merr_at(e, M_EPARSE, NULL, -1, (long long)bad_off, "ports",
			       "bad port or range '%.*s' (want 1-65535, a-b, or top/web/ics)",
			       (int)(bad_len > 64 ? 64 : bad_len), spec + bad_off);
	}
	for (unsigned p = 1; p < 65536; p++)
		n += (bits[p >> 3] >> (p & 7)) & 1;
	out->v = m_malloc(n * sizeof(*out->v));
	if (!out->v) {
		m_free(bits);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	for (unsigned p = 1; p < 65536; p++)
		if ((bits[p >> 3] >> (p & 7)) & 1)
			out->v[out->n++] = (uint16_t)p;
	m_free(bits);
	return 0;
}

void scan_ports_release(struct scan_ports *p)
{
	m_free(p->v);
	p->v = NULL;
	p->n = 0;
}

void scan_ports_format(const struct scan_ports *p, char *out, size_t cap)
{
	size_t used = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < p->n;) {
		size_t j = i;
		int w;
		while (j + 1 < p->n && p->v[j + 1] == p->v[j] + 1)
			j++;
		if (j > i)
			w = snprintf(out + used, cap - used, "%s%u-%u", used ? "," : "", p->v[i],
				     p->v[j]);
		else
			w = snprintf(out + used, cap - used, "%s%u", used ? "," : "", p->v[i]);
		if (w < 0 || (size_t)w >= cap - used) {
			out[used] = '\0';
			return;
		}
		used += (size_t)w;
		i = j + 1;
	}
}

static const char *const proto_names[] = {[SCAN_TCP] = "tcp", [SCAN_UDP] = "udp"};
static const char *const state_names[] = {
    [SCAN_OPEN] = "open",
    [SCAN_CLOSED] = "closed",
    [SCAN_FILTERED] = "filtered",
    [SCAN_OPEN_FILTERED] = "open|filtered",
};

const char *scan_proto_name(enum scan_proto p)
{
	return (unsigned)p < ARRAY_SIZE(proto_names) ? proto_names[p] : "?";
}

const char *scan_state_name(enum scan_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}
