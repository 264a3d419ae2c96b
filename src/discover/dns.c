/*
 * dns.c - the resolver discovery asks: ldns against a named server (or /etc/resolv.conf),
 * with bounded timeouts and retries; answers reduced to presentation-form records.
 */
#include "base/compat.h"

#include <strings.h>

#include "discover/ldns_lazy.h"
#include "base/ip.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "discover/discover_int.h"
#include "store/store.h"

static const struct {
	const char *name;
	ldns_rr_type type;
} rtypes[DISC_RTYPE_N] = {
    [DISC_A] = {"A", LDNS_RR_TYPE_A},
    [DISC_AAAA] = {"AAAA", LDNS_RR_TYPE_AAAA},
    [DISC_CNAME] = {"CNAME", LDNS_RR_TYPE_CNAME},
    [DISC_MX] = {"MX", LDNS_RR_TYPE_MX},
    [DISC_NS] = {"NS", LDNS_RR_TYPE_NS},
    [DISC_TXT] = {"TXT", LDNS_RR_TYPE_TXT},
};

const char *disc_rtype_name(int rtype)
{
	return rtype >= 0 && rtype < DISC_RTYPE_N ? rtypes[rtype].name : "?";
}

static int rtype_of(ldns_rr_type t)
{
	for (int i = 0; i < DISC_RTYPE_N; i++)
		if (rtypes[i].type == t)
			return i;
	return -1;
}

void disc_answer_release(struct disc_answer *a)
{
	for (size_t i = 0; i < a->n_rrs; i++) {
		m_free(a->rrs[i].name);
		m_free(a->rrs[i].value);
		m_free(a->rrs[i].target);
	}
	m_free(a->rrs);
	memset(a, 0, sizeof(*a));
}

int disc_answer_add(struct disc_answer *a, const char *name, int rtype, const char *value,
		    const char *target, uint32_t ttl)
{
	struct disc_rr *r;

	if (a->n_rrs == a->cap_rrs) {
		size_t cap = a->cap_rrs ? a->cap_rrs * 2 : 8;
		struct disc_rr *v = m_realloc(a->rrs, cap * sizeof(*v));
		if (!v)
			return M_ENOMEM;
		a->rrs = v;
		a->cap_rrs = cap;
	}
	r = &a->rrs[a->n_rrs];
	r->name = m_strdup(name);
	r->value = m_strdup(value);
	r->target = target ? m_strdup(target) : NULL;
	r->rtype = rtype;
	r->ttl = ttl;
	if (!r->name || !r->value || (target && !r->target)) {
		m_free(r->name);
		m_free(r->value);
		m_free(r->target);
		return M_ENOMEM;
	}
	a->n_rrs++;
	return 0;
}

/* ---- ldns ---- */

struct ldns_impl {
	ldns_resolver *res;
	char desc[96];
	int timeout_ms, tries;
};

/* A domain name rdf as a canonical name (lowercase, no trailing dot). */
static bool dname_str(const ldns_rdf *rdf, char *out, size_t cap)
{
	char *s = rdf ? ldns_rdf2str(rdf) : NULL;
	bool ok;

	if (!s)
		return false;
	disc_name_canon(s, strlen(s), out, cap, NULL);
	ok = out[0] != '\0';
	free(s); /* ldns allocates with malloc */
	return ok;
}

/* Length of the valid UTF-8 sequence at p[0..n), 0 when there is none. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;

	return len && len <= n && utf8_valid((const char *)p, len, NULL) ? len : 0;
}

/* TXT: the character-strings joined; bytes that are not printable UTF-8 become \DDD as in
 * DNS presentation format, so the stored value is always valid UTF-8 text. */
static int txt_str(const ldns_rr *rr, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(f);
		size_t n = ldns_rdf_size(f), k = 1;
		if (n == 0 || d[0] > n - 1)
			return M_EPARSE;
		while (k <= d[0]) {
			size_t u = d[k] >= 0x80 ? utf8_seq(d + k, (size_t)d[0] + 1 - k) : 0;
			if (o + 5 >= cap)
				return M_ETOOBIG;
			if (u && o + u < cap) {
				memcpy(out + o, d + k, u);
				o += u;
				k += u;
			} else if (d[k] >= 0x20 && d[k] < 0x7f && d[k] != '\\') {
				out[o++] = (char)d[k++];
			} else {
				o += (size_t)snprintf(out + o, cap - o, "\\%03u", d[k++]);
			}
		}
	}
	out[o] = '\0';
	return 0;
}

/* One answer RR in presentation form; types discovery does not ask about are skipped. */
static int add_rr(struct disc_answer *a, const ldns_rr *rr)
{
	int t = rtype_of(ldns_rr_get_type(rr));
	char owner[256], target[256] = "", value[4096];
	struct ipaddr ip;
	char *s = NULL;
	int rc = 0;

	if (t < 0 || !dname_str(ldns_rr_owner(rr), owner, sizeof(owner)))
		return 0;
	switch (t) {
	case DISC_A:
	case DISC_AAAA:
		s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
		if (!s || ip_parse(s, &ip) != 0)
			rc = M_EPARSE;
		else
			ip_format(&ip, value);
		break;
	case DISC_CNAME:
	case DISC_NS:
		if (!dname_str(ldns_rr_rdf(rr, 0), target, sizeof(target)))
			rc = M_EPARSE;
		snprintf(value, sizeof(value), "%s", target);
		break;
	case DISC_MX:
		if (ldns_rr_rd_count(rr) < 2 ||
		    !dname_str(ldns_rr_rdf(rr, 1), target, sizeof(target)))
			rc = M_EPARSE;
		else
			snprintf(value, sizeof(value), "%u %s",
				 (unsigned)ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)), target);
		break;
	default: rc = txt_str(rr, value, sizeof(value));
	}
	free(s);
	if (rc)
		return 0; /* an odd record is skipped, not fatal */
	return disc_answer_add(a, owner, t, value, target[0] ? target : NULL, ldns_rr_ttl(rr));
}

static int map_rcode(ldns_pkt_rcode rc)
{
	switch (rc) {
	case LDNS_RCODE_NOERROR: return DISC_RC_OK;
	case LDNS_RCODE_NXDOMAIN: return DISC_RC_NXDOMAIN;
	case LDNS_RCODE_SERVFAIL: return DISC_RC_SERVFAIL;
	case LDNS_RCODE_REFUSED: return DISC_RC_REFUSED;
	default: return DISC_RC_OTHER;
	}
}

static int ldns_query(void *impl, const char *qname, int rtype, struct disc_answer *out,
		      struct merr *e)
{
	struct ldns_impl *L = impl;
	char abs[260];
	ldns_rdf *name;
	ldns_pkt *pkt = NULL;
	ldns_status st;
	ldns_rr_list *ans;
	int rc = 0;

	snprintf(abs, sizeof(abs), "%s.", qname);
	name = ldns_dname_new_frm_str(abs);
	if (!name)
		return merr_set(e, M_EINVAL, "bad DNS name '%s'", qname);
	st = ldns_resolver_query_status(&pkt, L->res, name, rtypes[rtype].type, LDNS_RR_CLASS_IN,
					LDNS_RD);
	ldns_rdf_deep_free(name);
	if (st != LDNS_STATUS_OK || !pkt) {
		ldns_pkt_free(pkt);
		return merr_set(e, M_ETIMEOUT,
				"resolver %s did not answer %s %s (%d ms x %d tries): %s / "
				"DNS サーバが応答しません",
				L->desc, qname, rtypes[rtype].name, L->timeout_ms, L->tries,
				ldns_get_errorstr_by_id(st));
	}
	out->rcode = map_rcode(ldns_pkt_get_rcode(pkt));
	ans = ldns_pkt_answer(pkt);
	for (size_t i = 0; rc == 0 && ans && i < ldns_rr_list_rr_count(ans); i++)
		rc = add_rr(out, ldns_rr_list_rr(ans, i));
	ldns_pkt_free(pkt);
	return rc ? merr_set(e, rc, "out of memory") : 0;
}

static void ldns_impl_free(void *impl)
{
	struct ldns_impl *L = impl;

	if (L)
		ldns_resolver_deep_free(L->res);
	m_free(L);
}

static const struct disc_resolver_ops ldns_ops = {
    .name = "ldns",
    .query = ldns_query,
    .free = ldns_impl_free,
};

/* "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address. */
static int parse_spec(const char *spec, struct ipaddr *ip, unsigned *port, struct merr *e)
{
	char host[80];
	const char *colon = strrchr(spec, ':'), *ps = NULL;
	size_t n;

	*port = 53;
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (!rb || (rb[1] && rb[1] != ':'))
			goto bad;
		n = (size_t)(rb - spec - 1);
		memmove(host, spec + 1, n < sizeof(host) ? n : 0);
		ps = rb[1] ? rb + 2 : NULL;
	} else if (colon && strchr(spec, ':') == colon) { /* exactly one colon: v4:port */
		n = (size_t)(colon - spec);
		memmove(host, spec, n < sizeof(host) ? n : 0);
		ps = colon + 1;
	} else {
		n = strlen(spec);
		memmove(host, spec, n < sizeof(host) ? n : 0);
	}
	if (n == 0 || n >= sizeof(host))
		goto bad;
	host[n] = '\0';
	if (ps) {
		char *end;
		unsigned long p = strtoul(ps, &end, 10);
		if (!*ps || *end || p == 0 || p > 65535)
			goto bad;
		*port = (unsigned)p;
	}
	if (ip_parse(host, ip) == 0)
		return 0;
bad:
	return merr_at(e, M_EINVAL, NULL, -1, -1, "resolver",
		       "'%.80s' is not ADDR, ADDR:PORT or [IPV6]:PORT / リゾルバの指定が不正です",
		       spec);
}

static int ldns_open_server(const char *spec, ldns_resolver **res, char *desc, size_t cap,
			    struct merr *e)
{
	struct ipaddr ip;
	unsigned port;
	char addr[64];
	ldns_rdf *ns;
	int rc = parse_spec(spec, &ip, &port, e);

	if (rc)
		return rc;
	ip_format(&ip, addr);
	ns = ldns_rdf_new_frm_str(ip.family == 4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, addr);
	*res = ldns_resolver_new();
	if (!ns || !*res || ldns_resolver_push_nameserver(*res, ns) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(ns);
		ldns_resolver_deep_free(*res);
		*res = NULL;
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	ldns_rdf_deep_free(ns); /* the resolver keeps its own copy */
	ldns_resolver_set_port(*res, (uint16_t)port);
	snprintf(desc, cap, ip.family == 6 ? "[%s]:%u" : "%s:%u", addr, port);
	return 0;
}

int disc_resolver_open(const char *spec, int timeout_ms, int tries, struct disc_resolver *r,
		       struct merr *e)
{
	struct ldns_impl *L = m_calloc(1, sizeof(*L));
	struct timeval tv;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (!L)
		return merr_set(e, M_ENOMEM, "out of memory");
	L->timeout_ms = timeout_ms < 100 ? 100 : timeout_ms > 10000 ? 10000 : timeout_ms;
	L->tries = tries < 1 ? 1 : tries > 5 ? 5 : tries;
	if (!spec || !*spec || strcmp(spec, "system") == 0) {
		if (ldns_resolver_new_frm_file(&L->res, NULL) != LDNS_STATUS_OK)
			rc = merr_set(e, M_EIO, "cannot read /etc/resolv.conf");
		snprintf(L->desc, sizeof(L->desc), "system (/etc/resolv.conf)");
	} else {
		rc = ldns_open_server(spec, &L->res, L->desc, sizeof(L->desc), e);
	}
	if (rc) {
		ldns_impl_free(L);
		return rc;
	}
	tv.tv_sec = L->timeout_ms / 1000;
	tv.tv_usec = (L->timeout_ms % 1000) * 1000;
	ldns_resolver_set_timeout(L->res, tv);
	ldns_resolver_set_retry(L->res, (uint8_t)L->tries);
	ldns_resolver_set_retrans(L->res, 1);
	ldns_resolver_set_fallback(L->res, true); /* TCP when the UDP answer is truncated */
	ldns_resolver_set_defnames(L->res, false);
	ldns_resolver_set_dnsrch(L->res, false);
	ldns_resolver_set_dnssec(L->res, false);
	r->ops = &ldns_ops;
	r->impl = L;
	snprintf(r->desc, sizeof(r->desc), "%s", L->desc);
	return 0;
}

void disc_resolver_release(struct disc_resolver *r)
{
	if (r && r->ops && r->ops->free)
		r->ops->free(r->impl);
	if (r)
		memset(r, 0, sizeof(*r));
}

/* ---- the 'dns.resolver' setting ---- */

int disc_resolver_setting(struct store *s, char *out, size_t cap, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT value FROM settings WHERE key = 'dns.resolver'", &st, e);

	out[0] = '\0';
	if (rc == 0 && (rc = stmt_step(st, e)) == 1) {
		snprintf(out, cap, "%s", stmt_text(st, 0) ? stmt_text(st, 0) : "");
		rc = 0;
	}
	stmt_finalize(st);
	return rc;
}

int disc_resolver_setting_set(struct store *s, const char *spec, int64_t now, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "INSERT INTO settings (key, value, updated_at) VALUES ('dns.resolver', "
			  "?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
			  "updated_at = excluded.updated_at",
			  &st, e);

	if (rc == 0) {
		stmt_bind_text(st, 1, spec);
		stmt_bind_int64(st, 2, now);
		rc = stmt_step(st, e);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}
