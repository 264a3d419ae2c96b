/*
 * match.c - the matcher: candidate CVEs by folded vendor:product from the
 * store, NVD configurations -> CVE 5 -> JVN, backport marking, facts, order.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>

#include "base/hash.h"
#include "base/mem.h"
#include "vuln/match.h"

/* ---- a small string-keyed hash map (open addressing, FNV-1a) ---- */

struct hmap {
	char **keys;
	void **vals;
	size_t cap, n;
};

static void *hmap_get(const struct hmap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash_str(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return NULL;
		if (strcmp(m->keys[i], k) == 0)
			return m->vals[i];
	}
}

static int hmap_grow(struct hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	char **keys = m_calloc(cap, sizeof(*keys));
	void **vals = m_calloc(cap, sizeof(*vals));

	if (!keys || !vals) {
		m_free(keys);
		m_free(vals);
		return M_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;
		if (!m->keys[i])
			continue;
		for (j = hash_str(m->keys[i]) & (cap - 1); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	m_free(m->keys);
	m_free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

/* Takes ownership of nothing: copies k. */
static int hmap_put(struct hmap *m, const char *k, void *v)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3 && hmap_grow(m))
		return M_ENOMEM;
	for (i = hash_str(k) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		;
	m->keys[i] = m_strdup(k);
	if (!m->keys[i])
		return M_ENOMEM;
	m->vals[i] = v;
	m->n++;
	return 0;
}

static void hmap_release(struct hmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		m_free(m->keys[i]);
		if (free_val)
			free_val(m->vals[i]);
	}
	m_free(m->keys);
	m_free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- cached data ---- */

enum { ORIGIN_NVD = 1, ORIGIN_CVE5 = 2, ORIGIN_JVN = 4 };

struct cve_rec {
	struct vuln_cve_facts f;
	struct vuln_configs *cfg; /* NULL when NVD has none */
	cJSON *cve5;		  /* NULL when none */
};

enum { SRC_NONE, SRC_NVD, SRC_CVE5, SRC_JVN };

struct cand {
	struct cve_rec *rec;
	unsigned origins;
	int src; /* which source decides for this vendor:product (decided once) */
	/* NVD prefilter: the tree can only matter when one of its entries for this
	 * vendor:product matches the service alone. Plain enumerated versions are
	 * looked up by key; the other entries are tried one by one. */
	const char **keys; /* sorted vuln_ver_key of the plain entries */
	size_t n_keys;
	const char **fixed; /* the same for literal version + literal update entries */
	size_t n_fixed;
	const struct vuln_cpematch **other;
	size_t n_other;
};

struct vp_list {
	struct cand *c;
	size_t n;
};

struct res_list {
	struct vuln_result *r;
	size_t n;
};

/* Beyond this many cached result lists, results are computed afresh. */
#define RESULT_CACHE_MAX 200000

struct vuln_matcher {
	struct store *s;
	struct store_stmt *cand_stmt;
	struct hmap cves;    /* id -> struct cve_rec */
	struct hmap vps;     /* folded vp -> struct vp_list */
	struct hmap results; /* product facts key -> struct res_list */
	struct hmap texts;   /* evidence strings, shared by every result that cites them */
	struct res_list scratch;
};

static void free_rec(void *p)
{
	struct cve_rec *r = p;

	vuln_configs_free(r->cfg);
	cJSON_Delete(r->cve5);
	m_free(r->f.jvn_title_ja);
	m_free(r);
}

static void free_vp(void *p)
{
	struct vp_list *l = p;

	for (size_t i = 0; i < l->n; i++) {
		m_free(l->c[i].keys);
		m_free(l->c[i].fixed);
		m_free(l->c[i].other);
	}
	m_free(l->c);
	m_free(l);
}

static void free_res(void *p)
{
	struct res_list *l = p;

	m_free(l->r);
	m_free(l);
}

void vuln_matcher_free(struct vuln_matcher *m)
{
	if (!m)
		return;
	stmt_finalize(m->cand_stmt);
	hmap_release(&m->results, free_res);
	hmap_release(&m->texts, m_free);
	hmap_release(&m->vps, free_vp);
	hmap_release(&m->cves, free_rec);
	m_free(m->scratch.r);
	m_free(m);
}

/* One row per (CVE, origin) naming vp, ordered by CVE; LEFT JOINs keep CVEs
 * that only JVN names. The primary key (vp, cve_id, origin) is the index. */
static const char cand_sql[] =
    "SELECT p.cve_id, p.origin, c.id, c.configurations, c.cve5_affected,"
    " c.cvss4_score, c.cvss4_vector, c.cvss3_score, c.cvss3_vector,"
    " c.cvss2_score, c.cvss2_vector, c.severity,"
    " k.date_added, k.due_date, k.known_ransomware, e.epss, e.percentile,"
    " (SELECT j.id FROM jvn_cves jc JOIN jvn j ON j.id = jc.jvn_id"
    "   WHERE jc.cve_id = p.cve_id ORDER BY j.id LIMIT 1),"
    " (SELECT j.title_ja FROM jvn_cves jc JOIN jvn j ON j.id = jc.jvn_id"
    "   WHERE jc.cve_id = p.cve_id ORDER BY j.id LIMIT 1)"
    " FROM cve_products p LEFT JOIN cves c ON c.id = p.cve_id"
    " LEFT JOIN kev k ON k.cve_id = p.cve_id LEFT JOIN epss e ON e.cve_id = p.cve_id"
    " WHERE p.vp = ? ORDER BY p.cve_id";

int vuln_matcher_new(struct store *s, struct vuln_matcher **out, struct merr *e)
{
	struct vuln_matcher *m = m_calloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	if (!m)
		return merr_set(e, M_ENOMEM, "out of memory");
	m->s = s;
	rc = store_prepare(s, cand_sql, &m->cand_stmt, e);
	if (rc) {
		vuln_matcher_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

static void copy_col(struct store_stmt *st, int col, char *out, size_t cap)
{
	const char *t = stmt_text(st, col);
	snprintf(out, cap, "%s", t ? t : "");
}

/* Best CVSS: v4, then v3, then v2. */
static void fill_cvss(struct store_stmt *st, struct vuln_cve_facts *f)
{
	static const struct {
		int score, vector;
		const char *name;
	} order[] = {{5, 6, "4.0"}, {7, 8, "3.x"}, {9, 10, "2.0"}};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (stmt_is_null(st, order[i].score))
			continue;
		f->cvss = stmt_double(st, order[i].score);
		snprintf(f->cvss_version, sizeof(f->cvss_version), "%s", order[i].name);
		copy_col(st, order[i].vector, f->cvss_vector, sizeof(f->cvss_vector));
		break;
	}
	copy_col(st, 11, f->severity, sizeof(f->severity));
}

static int rec_from_row(struct store_stmt *st, struct cve_rec **out, struct merr *e)
{
	struct cve_rec *r = m_calloc(1, sizeof(*r));
	const char *cfg = stmt_text(st, 3), *c5 = stmt_text(st, 4), *t;
	int rc = 0;

	if (!r)
		return merr_set(e, M_ENOMEM, "out of memory");
	copy_col(st, 0, r->f.id, sizeof(r->f.id));
	fill_cvss(st, &r->f);
	r->f.in_kev = !stmt_is_null(st, 12);
	copy_col(st, 12, r->f.kev_date_added, sizeof(r->f.kev_date_added));
	copy_col(st, 13, r->f.kev_due_date, sizeof(r->f.kev_due_date));
	t = stmt_text(st, 14);
	r->f.kev_ransomware = t && strcasecmp(t, "Known") == 0;
	r->f.has_epss = !stmt_is_null(st, 15);
	r->f.epss = stmt_double(st, 15);
	r->f.epss_percentile = stmt_double(st, 16);
	copy_col(st, 17, r->f.jvn_id, sizeof(r->f.jvn_id));
	if ((t = stmt_text(st, 18)) && !(r->f.jvn_title_ja = m_strdup(t)))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	if (rc == 0 && cfg && *cfg)
		rc = vuln_configs_parse_text(cfg, &r->cfg, e);
	if (rc == 0 && c5 && *c5 && !(r->cve5 = cJSON_Parse(c5)))
		rc = merr_at(e, M_EPARSE, NULL, -1, -1, "cves.cve5_affected", "%s: invalid JSON",
			     r->f.id);
	if (rc) {
		merr_set_file(e, r->f.id);
		free_rec(r);
		return rc;
	}
	*out = r;
	return 0;
}

static unsigned origin_bit(const char *o)
{
	if (!o)
		return 0;
	if (strcmp(o, "nvd") == 0)
		return ORIGIN_NVD;
	return strcmp(o, "cve5") == 0 ? ORIGIN_CVE5 : strcmp(o, "jvn") == 0 ? ORIGIN_JVN : 0;
}

/* The CVE record for the current row: cached, or built from the row. */
static int rec_for_row(struct vuln_matcher *m, struct store_stmt *st, struct cve_rec **out,
		       struct merr *e)
{
	const char *id = stmt_text(st, 0);
	int rc;

	*out = hmap_get(&m->cves, id ? id : "");
	if (*out)
		return 0;
	rc = rec_from_row(st, out, e);
	if (rc == 0 && hmap_put(&m->cves, (*out)->f.id, *out)) {
		free_rec(*out);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	return rc;
}

/* NVD configurations decide when they name the product; else CVE 5 affected[];
 * else a JVN product-level mention. */
static int pick_source(const struct cand *c, const char *vp)
{
	if ((c->origins & ORIGIN_NVD) && c->rec->cfg && vuln_configs_names(c->rec->cfg, vp))
		return SRC_NVD;
	if (c->rec->cve5 && vuln_cve5_names(c->rec->cve5, vp))
		return SRC_CVE5;
	return c->origins & ORIGIN_JVN ? SRC_JVN : SRC_NONE;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A literal version with a literal update and no bounds ("9.10.0:p1"): it can
 * only match a service whose base version has its key. */
static bool fixed_update(const struct vuln_cpematch *e)
{
	return e->ver_key && cpe_is_literal(&e->cpe.a[CPE_UPDATE]) && !e->start_incl &&
	       !e->start_excl && !e->end_incl && !e->end_excl;
}

/* Collects the entries of c's NVD tree that name vp, for the prefilter. */
static int index_cand(struct cand *c, const char *vp)
{
	const struct vuln_configs *t = c->rec->cfg;
	size_t total = 0;

	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < t->cfg[i].n; j++)
			total += t->cfg[i].nodes[j].n;
	c->keys = m_calloc(total + 1, sizeof(*c->keys));
	c->fixed = m_calloc(total + 1, sizeof(*c->fixed));
	c->other = m_calloc(total + 1, sizeof(*c->other));
	if (!c->keys || !c->fixed || !c->other)
		return M_ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		for (size_t j = 0; j < t->cfg[i].n; j++) {
			for (size_t k = 0; k < t->cfg[i].nodes[j].n; k++) {
				const struct vuln_cpematch *e = &t->cfg[i].nodes[j].m[k];
				if (strcmp(e->vp, vp) != 0)
					continue;
				if (vuln_cpematch_is_plain(e))
					c->keys[c->n_keys++] = e->ver_key;
				else if (fixed_update(e))
					c->fixed[c->n_fixed++] = e->ver_key;
				else
					c->other[c->n_other++] = e;
			}
		}
	}
	qsort(c->keys, c->n_keys, sizeof(*c->keys), cmp_str);
	qsort(c->fixed, c->n_fixed, sizeof(*c->fixed), cmp_str);
	return 0;
}

/* False when no entry for the service's vendor:product can match it. */
static bool may_match(const struct cand *c, const struct vuln_host *h)
{
	if (!h->full[0])
		return true; /* version unknown: every entry matches at product level */
	if (h->vfull_ok && c->n_keys &&
	    bsearch(&(const char *){h->full_key}, c->keys, c->n_keys, sizeof(*c->keys), cmp_str))
		return true;
	if (h->upd[0] && h->vbase_ok && c->n_keys &&
	    bsearch(&(const char *){h->base_key}, c->keys, c->n_keys, sizeof(*c->keys), cmp_str))
		return true;
	if (h->vbase_ok && c->n_fixed &&
	    bsearch(&(const char *){h->base_key}, c->fixed, c->n_fixed, sizeof(*c->fixed), cmp_str))
		return true;
	for (size_t i = 0; i < c->n_other; i++)
		if (vuln_cpematch_eval(c->other[i], h) > VULN_NOT_AFFECTED)
			return true;
	return false;
}

static int load_vp(struct vuln_matcher *m, const char *vp, struct vp_list **out, struct merr *e)
{
	struct vp_list *l = m_calloc(1, sizeof(*l));
	size_t cap = 0;
	int rc = 0, step;

	if (!l)
		return merr_set(e, M_ENOMEM, "out of memory");
	stmt_reset(m->cand_stmt);
	stmt_bind_text(m->cand_stmt, 1, vp);
	while (rc == 0 && (step = stmt_step(m->cand_stmt, e)) == 1) {
		const char *id = stmt_text(m->cand_stmt, 0);
		unsigned bit = origin_bit(stmt_text(m->cand_stmt, 1));
		if (l->n && strcmp(l->c[l->n - 1].rec->f.id, id ? id : "") == 0) {
			l->c[l->n - 1].origins |= bit;
			continue;
		}
		if (l->n == cap) {
			struct cand *c = m_realloc(l->c, (cap = cap ? cap * 2 : 16) * sizeof(*c));
			if (!c) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			l->c = c;
		}
		memset(&l->c[l->n], 0, sizeof(l->c[l->n]));
		rc = rec_for_row(m, m->cand_stmt, &l->c[l->n].rec, e);
		if (rc == 0)
			l->c[l->n++].origins = bit;
	}
	if (rc == 0 && step < 0)
		rc = step;
	stmt_reset(m->cand_stmt);
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		l->c[i].src = pick_source(&l->c[i], vp);
		if (l->c[i].src == SRC_NVD && index_cand(&l->c[i], vp))
			rc = merr_set(e, M_ENOMEM, "out of memory");
	}
	if (rc == 0 && hmap_put(&m->vps, vp, l))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	if (rc) {
		free_vp(l);
		return rc;
	}
	*out = l;
	return 0;
}

/* ---- distro backports ---- */

static const struct {
	const char *needle; /* case-insensitive */
	const char *label;
	bool digit_after; /* ".el7": a digit must follow */
} backport_marks[] = {
    {"ubuntu", "Ubuntu package", false},
    {"debian", "Debian package", false},
    {"+deb", "Debian package", true},
    {"~deb", "Debian package", true},
    {"~bpo", "Debian backports package", false},
    {"raspbian", "Raspbian package", false},
    {".el", "Red Hat Enterprise Linux package", true},
    {"red hat", "Red Hat package", false},
    {"centos", "CentOS package", false},
    {"rocky", "Rocky Linux package", false},
    {"almalinux", "AlmaLinux package", false},
    {".amzn", "Amazon Linux package", true},
    {"suse", "SUSE package", false},
    {".fc", "Fedora package", true},
    {"freebsd-", "FreeBSD base system", true},
};

const char *vuln_banner_backport(const char *banner)
{
	if (!banner)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(backport_marks); i++) {
		size_t n = strlen(backport_marks[i].needle);
		for (const char *p = strcasestr(banner, backport_marks[i].needle); p;
		     p = strcasestr(p + 1, backport_marks[i].needle)) {
			if (!backport_marks[i].digit_after || isdigit((unsigned char)p[n]))
				return backport_marks[i].label;
		}
	}
	return NULL;
}

/* ---- evaluating candidates ---- */

static void eval_cand(const struct cand *c, const struct vuln_host *h, struct vuln_eval *ev,
		      const char **source)
{
	static const char *const names[] = {"nvd", "nvd", "cve5", "jvn"};

	*source = names[c->src];
	switch (c->src) {
	case SRC_NVD:
		if (may_match(c, h)) {
			vuln_config_eval(c->rec->cfg, h, ev);
			return;
		}
		break;
	case SRC_CVE5: vuln_cve5_eval(c->rec->cve5, h, ev); return;
	default: break;
	}
	memset(ev, 0, sizeof(*ev));
	if (c->src == SRC_JVN) {
		ev->state = VULN_PRODUCT_ONLY;
		ev->basis = VULN_BASIS_JVN_PRODUCT;
		snprintf(ev->evidence, sizeof(ev->evidence),
			 "JVN %s names %s (JVN CPEs carry no version)",
			 c->rec->f.jvn_id[0] ? c->rec->f.jvn_id : "entry", h->vp);
	}
}

static bool version_based(enum vuln_basis b)
{
	return b == VULN_BASIS_EXACT || b == VULN_BASIS_RANGE || b == VULN_BASIS_CVE5;
}

static int cmp_double_desc(double a, double b)
{
	return (a < b) - (a > b);
}

static int cmp_results(const void *pa, const void *pb)
{
	const struct vuln_result *a = pa, *b = pb;
	int r;

	if ((a->state == VULN_NOT_AFFECTED) != (b->state == VULN_NOT_AFFECTED))
		return a->state == VULN_NOT_AFFECTED ? 1 : -1;
	if (a->cve->in_kev != b->cve->in_kev)
		return a->cve->in_kev ? -1 : 1;
	if ((r = cmp_double_desc(a->cve->cvss, b->cve->cvss)))
		return r;
	if ((r = cmp_double_desc(a->cve->epss, b->cve->epss)))
		return r;
	return strcmp(b->cve->id, a->cve->id); /* newer CVE first */
}

/* The matcher's one copy of an evidence text (results point at it). */
static const char *intern(struct vuln_matcher *m, const char *t)
{
	char *v = hmap_get(&m->texts, t);

	if (v)
		return v;
	if (!(v = m_strdup(t)))
		return NULL;
	if (hmap_put(&m->texts, t, v)) {
		m_free(v);
		return NULL;
	}
	return v;
}

static int run_match(struct vuln_matcher *m, const struct vp_list *l, const struct vuln_host *h,
		     const char *backport, unsigned flags, struct res_list *out)
{
	size_t cap = 0;

	out->r = NULL;
	out->n = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct vuln_eval ev;
		struct vuln_result *r;
		const char *source;
		eval_cand(&l->c[i], h, &ev, &source);
		if (ev.state == VULN_NOT_AFFECTED && !(flags & VULN_MATCH_ALL))
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			r = m_realloc(out->r, cap * sizeof(*r));
			if (!r)
				return M_ENOMEM;
			out->r = r;
		}
		r = &out->r[out->n++];
		memset(r, 0, sizeof(*r));
		r->cve = &l->c[i].rec->f;
		r->source = source;
		r->state = ev.state;
		r->basis = ev.basis;
		r->evidence = intern(m, ev.evidence);
		r->platform = intern(m, ev.platform);
		if (!r->evidence || !r->platform)
			return M_ENOMEM;
		if (backport && r->state == VULN_AFFECTED && version_based(r->basis)) {
			r->state = VULN_PROBABLE_BACKPORT;
			r->backport = backport;
		}
	}
	if (out->n) /* out->r is NULL when nothing matched: qsort must not see it (UBSan) */
		qsort(out->r, out->n, sizeof(*out->r), cmp_results);
	return 0;
}

/* ---- the product ---- */

static int product_cpe(const struct vuln_product *p, struct cpe *c, struct merr *e)
{
	int rc;

	if (p->cpe)
		return cpe_parse(p->cpe, c, e) ? M_EINVAL : 0;
	memset(c, 0, sizeof(*c));
	if (!p->vendor || !p->product || !*p->vendor || !*p->product)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "product", "vendor and product needed");
	rc = cpe_set(c, CPE_VENDOR, p->vendor);
	if (rc == 0)
		rc = cpe_set(c, CPE_PRODUCT, p->product);
	if (rc == 0 && p->version && *p->version)
		rc = cpe_set(c, CPE_VERSION, p->version);
	if (rc)
		cpe_release(c);
	return rc ? merr_set(e, rc, "out of memory") : 0;
}

static int host_from_product(const struct vuln_product *p, struct vuln_host *h, struct merr *e)
{
	struct cpe prod, *plats = NULL;
	size_t n = 0;
	int rc = product_cpe(p, &prod, e);

	if (rc)
		return rc;
	if (p->n_platforms && !(plats = m_calloc(p->n_platforms, sizeof(*plats))))
		rc = merr_set(e, M_ENOMEM, "out of memory");
	for (; rc == 0 && n < p->n_platforms; n++)
		if (cpe_parse(p->platforms[n], &plats[n], e))
			rc = merr_at(e, M_EINVAL, NULL, -1, -1, "platform", "bad platform CPE");
	if (rc == 0)
		rc = vuln_host_init(h, &prod, plats, p->n_platforms, e);
	for (size_t i = 0; i < n; i++)
		cpe_release(&plats[i]);
	m_free(plats);
	cpe_release(&prod);
	return rc;
}

/* Everything that decides the results, as one string, from the raw input (so a
 * repeated service costs one hash lookup). Returns false when it does not fit. */
static bool input_key(const struct vuln_product *p, const char *backport, unsigned flags, char *out,
		      size_t cap)
{
	size_t n;

	n = (size_t)snprintf(out, cap, "%u|%s|%s|%s|%s|%s", flags, backport ? backport : "",
			     p->cpe ? p->cpe : "",
			     p->cpe	 ? ""
			     : p->vendor ? p->vendor
					 : "",
			     p->cpe	  ? ""
			     : p->product ? p->product
					  : "",
			     p->cpe || !p->version ? "" : p->version);
	for (size_t i = 0; i < p->n_platforms && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "|%s", p->platforms[i]);
	return n < cap;
}

static int lookup_vp(struct vuln_matcher *m, const char *vp, struct vp_list **l, struct merr *e)
{
	*l = hmap_get(&m->vps, vp);
	return *l ? 0 : load_vp(m, vp, l, e);
}

int vuln_match_one(struct vuln_matcher *m, const struct vuln_product *p, unsigned flags,
		   const struct vuln_result **res, size_t *n_res, struct merr *e)
{
	char key[4 * CPE_STR_MAX];
	struct vuln_host h;
	struct vp_list *l;
	struct res_list *cached, fresh = {0};
	const char *backport = vuln_banner_backport(p->banner);
	bool keyed = input_key(p, backport, flags, key, sizeof(key));
	int rc;

	*res = NULL;
	*n_res = 0;
	if (keyed && (cached = hmap_get(&m->results, key))) {
		*res = cached->r;
		*n_res = cached->n;
		return 0;
	}
	rc = host_from_product(p, &h, e);
	if (rc)
		return rc;
	rc = lookup_vp(m, h.vp, &l, e);
	if (rc == 0 && (rc = run_match(m, l, &h, backport, flags, &fresh)))
		rc = merr_set(e, rc, "out of memory");
	vuln_host_release(&h);
	if (rc) {
		m_free(fresh.r);
		return rc;
	}
	if (keyed && m->results.n < RESULT_CACHE_MAX && (cached = m_malloc(sizeof(*cached)))) {
		*cached = fresh;
		if (hmap_put(&m->results, key, cached) == 0) {
			*res = cached->r;
			*n_res = cached->n;
			return 0;
		}
		m_free(cached);
	}
	m_free(m->scratch.r); /* uncached: valid until the next uncached match */
	m->scratch = fresh;
	*res = fresh.r;
	*n_res = fresh.n;
	return 0;
}

int vuln_match(struct store *s, const struct vuln_product *p, unsigned flags, vuln_result_fn fn,
	       void *arg, struct merr *e)
{
	struct vuln_matcher *m;
	const struct vuln_result *r;
	size_t n;
	int rc = vuln_matcher_new(s, &m, e);

	if (rc == 0)
		rc = vuln_match_one(m, p, flags, &r, &n, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = fn(&r[i], arg);
	vuln_matcher_free(m);
	return rc;
}
