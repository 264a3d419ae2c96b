/*
 * scope.c - what a scan may touch, from the inventory: an organisation's valid
 * scope minus the global exclusions (inv_scope_set), requested targets cut down
 * to it, and every refused range reported with the inventory's reason.
 */
#include "base/compat.h"

#include "base/mem.h"
#include "inventory/inventory.h"
#include "scan/scan.h"

void scan_scope_init(struct scan_scope *sc)
{
	memset(sc, 0, sizeof(*sc));
	ipset_init(&sc->targets);
	ipset_init(&sc->allowed);
}

void scan_scope_release(struct scan_scope *sc)
{
	ipset_release(&sc->targets);
	ipset_release(&sc->allowed);
	m_free(sc->refused);
	for (size_t i = 0; i < sc->n_orgs; i++) {
		m_free(sc->slugs[i]);
		ipset_release(&sc->sets[i]);
	}
	m_free(sc->slugs);
	m_free(sc->sets);
	scan_scope_init(sc);
}

static int ipset_copy(struct ipset *dst, const struct ipset *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (ipset_add_range(dst, src->r[i].lo, src->r[i].hi))
			return M_ENOMEM;
	return 0;
}

static int add_refusal(struct scan_scope *sc, ip128 lo, ip128 hi, const char *reason)
{
	struct scan_refusal *r;
	struct ipaddr a, b;
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

	if (sc->n_refused % 16 == 0) {
		r = m_realloc(sc->refused, (sc->n_refused + 16) * sizeof(*r));
		if (!r)
			return M_ENOMEM;
		sc->refused = r;
	}
	r = &sc->refused[sc->n_refused++];
	ip_from128(lo, &a);
	ip_from128(hi, &b);
	ip_format(&a, x);
	ip_format(&b, y);
	if (lo == hi)
		snprintf(r->what, sizeof(r->what), "%s", x);
	else
		snprintf(r->what, sizeof(r->what), "%s-%s", x, y);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return 0;
}

/* Boundaries of org's declared scopes and of the global exclusions: a refused
 * range is cut there so that each piece has one reason (excluded, expired, ...). */
struct cuts {
	ip128 *v;
	size_t n;
};

static int cuts_add(struct cuts *c, const char *cidr)
{
	struct cidr x;
	ip128 lo, hi, *v;

	if (!cidr || cidr_parse(cidr, false, &x) != 0)
		return 0;
	cidr_bounds(&x, &lo, &hi);
	v = m_realloc(c->v, (c->n + 2) * sizeof(*v));
	if (!v)
		return M_ENOMEM;
	c->v = v;
	c->v[c->n++] = lo;
	c->v[c->n++] = hi + 1; /* wraps to 0 only for ::/0, which then cuts nothing */
	return 0;
}

static int cuts_load(struct store *s, const char *org, struct cuts *c, struct merr *e)
{
	struct inv_filter f = {org, NULL, -1, INV_WITH_SCOPES | INV_WITH_EXCLUSIONS};
	struct inv_doc *d = NULL;
	int rc = inv_load(s, &f, &d, e);

	for (size_t i = 0; rc == 0 && i < d->n_orgs; i++)
		for (size_t k = 0; rc == 0 && k < d->orgs[i].n_scopes; k++)
			rc = cuts_add(c, d->orgs[i].scopes[k].cidr);
	for (size_t i = 0; rc == 0 && d && i < d->n_exclusions; i++)
		rc = cuts_add(c, d->exclusions[i].cidr);
	inv_doc_free(d);
	return rc == M_ENOMEM ? merr_set(e, rc, "out of memory") : rc;
}

static int explain_piece(struct store *s, const char *org, ip128 lo, ip128 hi, int64_t now,
			 struct scan_scope *sc)
{
	struct inv_scope_verdict v;
	struct ipaddr a;

	memset(&v, 0, sizeof(v));
	ip_from128(lo, &a);
	if (org)
		inv_scope_check(s, org, &a, now, &v, NULL);
	if (!v.reason[0])
		snprintf(v.reason, sizeof(v.reason),
			 "どの組織の許可範囲にも含まれません / not in any organisation's "
			 "authorised scope");
	return add_refusal(sc, lo, hi, v.reason);
}

/* Records every range of `refused`, cut at scope and exclusion boundaries, each
 * with the inventory's reason (inv_scope_check) for its first address. */
static int explain(struct store *s, const char *org, const struct ipset *refused, int64_t now,
		   struct scan_scope *sc)
{
	struct cuts c = {NULL, 0};
	int rc = 0;

	if (org && refused->n)
		rc = cuts_load(s, org, &c, NULL);
	for (size_t i = 0; rc == 0 && i < refused->n; i++) {
		ip128 lo = refused->r[i].lo, hi = refused->r[i].hi;
		for (;;) {
			ip128 cut = hi; /* last address of the piece starting at lo */
			for (size_t k = 0; k < c.n; k++)
				if (c.v[k] > lo && c.v[k] <= hi && c.v[k] - 1 < cut)
					cut = c.v[k] - 1;
			rc = explain_piece(s, org, lo, cut, now, sc);
			if (rc || cut == hi)
				break;
			lo = cut + 1;
		}
	}
	m_free(c.v);
	return rc;
}

static int parse_requested(const char *csv, struct ipset *out, struct merr *e)
{
	const char *p = csv;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		char item[IP_STR_MAX];
		struct cidr c;
		if (n == 0 || n >= sizeof(item))
			return merr_at(e, M_EPARSE, NULL, -1, (long long)(p - csv), "targets",
				       "bad target list");
		memcpy(item, p, n);
		item[n] = '\0';
		if (cidr_parse(item, false, &c))
			return merr_at(e, M_EPARSE, NULL, -1, (long long)(p - csv), "targets",
				       "'%s' is not an address or CIDR prefix", item);
		if (ipset_add_cidr(out, &c))
			return merr_set(e, M_ENOMEM, "out of memory");
		p += n + (p[n] == ',');
	}
	return out->n ? 0 : merr_at(e, M_EPARSE, NULL, -1, -1, "targets", "empty target list");
}

static int loopback_set(struct ipset *s)
{
	struct cidr c4, c6;
	cidr_parse("127.0.0.0/8", true, &c4);
	cidr_parse("::1/128", true, &c6);
	return ipset_add_cidr(s, &c4) || ipset_add_cidr(s, &c6) ? M_ENOMEM : 0;
}

/* targets = req ∩ allowed; refused = req − allowed (explained). */
static int cut_to_allowed(struct store *s, const char *org, const struct ipset *req, int64_t now,
			  struct scan_scope *sc, struct merr *e)
{
	struct ipset refused;
	int rc;

	ipset_init(&refused);
	rc = ipset_copy(&refused, req);
	if (!rc)
		rc = ipset_subtract(&refused, &sc->allowed);
	if (!rc)
		rc = ipset_copy(&sc->targets, req);
	if (!rc)
		rc = ipset_subtract(&sc->targets, &refused);
	if (!rc)
		rc = explain(s, org, &refused, now, sc);
	ipset_release(&refused);
	return rc ? merr_set(e, rc, "out of memory") : 0;
}

/* An org's declared scopes that are not usable now (expired, excluded) are reported. */
static int explain_unusable(struct store *s, const char *org, int64_t now, struct scan_scope *sc,
			    struct merr *e)
{
	struct inv_filter f = {org, NULL, -1, INV_WITH_SCOPES};
	struct inv_doc *d = NULL;
	struct ipset declared;
	int rc = inv_load(s, &f, &d, e);

	if (rc)
		return rc;
	ipset_init(&declared);
	for (size_t i = 0; i < d->n_orgs && !rc; i++) {
		for (size_t k = 0; k < d->orgs[i].n_scopes && !rc; k++) {
			struct cidr c;
			if (cidr_parse(d->orgs[i].scopes[k].cidr, false, &c) == 0)
				rc = ipset_add_cidr(&declared, &c);
		}
	}
	if (!rc)
		rc = ipset_subtract(&declared, &sc->allowed);
	if (!rc)
		rc = explain(s, org, &declared, now, sc);
	ipset_release(&declared);
	inv_doc_free(d);
	return rc ? merr_set(e, rc, "out of memory") : 0;
}

static int add_org(struct scan_scope *sc, const char *slug, struct ipset *set)
{
	size_t n = sc->n_orgs;
	char **sl = m_realloc(sc->slugs, (n + 1) * sizeof(*sl));
	struct ipset *st;

	if (!sl)
		return M_ENOMEM;
	sc->slugs = sl;
	st = m_realloc(sc->sets, (n + 1) * sizeof(*st));
	if (!st)
		return M_ENOMEM;
	sc->sets = st;
	sc->slugs[n] = m_strdup(slug);
	if (!sc->slugs[n])
		return M_ENOMEM;
	sc->sets[n] = *set; /* takes it over */
	ipset_init(set);
	sc->n_orgs++;
	sc->map.n = sc->n_orgs;
	sc->map.slugs = (const char *const *)sc->slugs;
	sc->map.sets = sc->sets;
	return 0;
}

/* allowed = every organisation's scope set; the org map says whose each range is. */
static int all_orgs(struct store *s, int64_t now, struct scan_scope *sc, struct merr *e)
{
	struct inv_filter f = {NULL, NULL, -1, 0};
	struct inv_doc *d = NULL;
	int rc = inv_load(s, &f, &d, e);

	for (size_t i = 0; rc == 0 && d && i < d->n_orgs; i++) {
		struct ipset one;
		ipset_init(&one);
		rc = inv_scope_set(s, d->orgs[i].slug, now, &one, e);
		if (rc == 0)
			rc = ipset_copy(&sc->allowed, &one);
		if (rc == 0 && one.n)
			rc = add_org(sc, d->orgs[i].slug, &one);
		ipset_release(&one);
		if (rc == M_ENOMEM)
			merr_set(e, rc, "out of memory");
	}
	inv_doc_free(d);
	return rc;
}

int scan_scope_resolve(struct store *s, const char *org, bool all, const char *requested,
		       int64_t now, struct scan_scope *sc, struct merr *e)
{
	struct ipset req;
	int rc = 0;

	ipset_init(&req);
	if (requested)
		rc = parse_requested(requested, &req, e);
	if (rc)
		goto out;
	if (!org && !all) {
		/* Development and tests without an inventory: loopback only, never more. */
		snprintf(sc->kind, sizeof(sc->kind), "loopback");
		if (!requested || !scan_set_is_loopback(&req)) {
			rc = merr_at(e, M_ESCOPE, NULL, -1, -1, "targets",
				     "--targets without an organisation accepts only 127.0.0.0/8 "
				     "and ::1 (組織なしではループバックのみ)");
			goto out;
		}
		rc = loopback_set(&sc->allowed);
		if (!rc)
			rc = ipset_copy(&sc->targets, &req);
		if (rc)
			rc = merr_set(e, rc, "out of memory");
		goto out;
	}
	if (all) {
		snprintf(sc->kind, sizeof(sc->kind), "all");
		rc = all_orgs(s, now, sc, e);
	} else {
		snprintf(sc->kind, sizeof(sc->kind), "org");
		rc = inv_scope_set(s, org, now, &sc->allowed, e);
	}
	if (rc)
		goto out;
	if (requested)
		rc = cut_to_allowed(s, org, &req, now, sc, e);
	else if ((rc = ipset_copy(&sc->targets, &sc->allowed)) != 0)
		rc = merr_set(e, rc, "out of memory");
	else if (org)
		rc = explain_unusable(s, org, now, sc, e);
out:
	ipset_release(&req);
	return rc;
}

int scan_scope_for_resume(struct store *s, const char *kind, const char *org,
			  const struct ipset *targets, int64_t now, struct scan_scope *sc,
			  struct merr *e)
{
	int rc;

	snprintf(sc->kind, sizeof(sc->kind), "%s", kind);
	if (strcmp(kind, "loopback") == 0)
		rc = scan_set_is_loopback(targets) ? loopback_set(&sc->allowed) : M_ESCOPE;
	else if (strcmp(kind, "all") == 0)
		rc = all_orgs(s, now, sc, e);
	else if (strcmp(kind, "org") == 0 && org && *org)
		rc = inv_scope_set(s, org, now, &sc->allowed, e);
	else
		rc = M_EINVAL;
	if (rc == 0) {
		/* The walk keeps its stored space (the checkpoint is a position in it);
		 * what the scope no longer allows is refused probe by probe. */
		struct ipset refused;
		ipset_init(&refused);
		rc = ipset_copy(&sc->targets, targets);
		if (!rc)
			rc = ipset_copy(&refused, targets);
		if (!rc)
			rc = ipset_subtract(&refused, &sc->allowed);
		if (!rc)
			rc = explain(s, org && *org ? org : NULL, &refused, now, sc);
		ipset_release(&refused);
		if (rc)
			return merr_set(e, rc, "out of memory");
	}
	if (rc == M_ESCOPE || rc == M_EINVAL)
		merr_set(e, rc, "scan cannot resume: its scope kind '%s' is not usable", kind);
	return rc;
}
