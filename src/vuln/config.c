/*
 * config.c - NVD configuration trees: parse once, evaluate exactly against a
 * service and its known platforms (the CVE JSON 5 fallback is cve5.c).
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>

#include "base/hash.h"
#include "base/mem.h"
#include "vuln/config.h"

static const struct {
	const char *name, *ja;
} state_names[] = {
    [VULN_NOT_AFFECTED] = {"not-affected", "影響なし"},
    [VULN_INCOMPARABLE] = {"incomparable", "判定不能(版数体系が異なる)"},
    [VULN_PRODUCT_ONLY] = {"product-only", "製品一致(版数未確認)"},
    [VULN_AFFECTED_IF_PLATFORM] = {"affected-if-platform", "条件付き影響(プラットフォーム次第)"},
    [VULN_AFFECTED] = {"affected", "影響あり"},
    [VULN_PROBABLE_BACKPORT] = {"probable-backport", "修正済みの可能性(ディストリビューション版)"},
};

static const char *const basis_names[] = {
    [VULN_BASIS_NONE] = "none",
    [VULN_BASIS_EXACT] = "exact-version",
    [VULN_BASIS_RANGE] = "version-range",
    [VULN_BASIS_ANY_VERSION] = "all-versions",
    [VULN_BASIS_NA_VERSION] = "version-not-applicable",
    [VULN_BASIS_VERSION_UNKNOWN] = "version-unknown",
    [VULN_BASIS_CVE5] = "cve5-versions",
    [VULN_BASIS_CVE5_DEFAULT] = "cve5-default-status",
    [VULN_BASIS_JVN_PRODUCT] = "jvn-product",
};

const char *vuln_state_name(enum vuln_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s].name : "?";
}

const char *vuln_state_label_ja(enum vuln_state s)
{
	return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s].ja : "?";
}

const char *vuln_state_label_ja_of(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(state_names); i++)
		if (state_names[i].name && !strcmp(name, state_names[i].name))
			return state_names[i].ja;
	return NULL;
}

const char *vuln_basis_name(enum vuln_basis b)
{
	return (unsigned)b < ARRAY_SIZE(basis_names) ? basis_names[b] : "?";
}

/* ---- host facts ---- */

/* Lowercase, escapes removed: how versions are compared as text. */
static int norm_copy(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '\\')
			continue; /* as version.c: backslashes never count */
		if (n + 1 >= cap)
			return M_ETOOBIG;
		out[n++] = (char)tolower((unsigned char)*s);
	}
	out[n] = '\0';
	return 0;
}

static int host_versions(struct vuln_host *h, struct merr *e)
{
	const char *ver = cpe_literal(&h->product, CPE_VERSION);
	const char *upd = cpe_literal(&h->product, CPE_UPDATE);
	int rc;

	if (!ver)
		return 0; /* unknown version: full stays "" */
	if (upd)	  /* the CPE already says which part is the update */
		rc = norm_copy(ver, h->base, sizeof(h->base)) ||
		     norm_copy(upd, h->upd, sizeof(h->upd));
	else
		rc = vuln_version_split(h->vp, ver, h->base, sizeof(h->base), h->upd,
					sizeof(h->upd));
	if (rc == 0)
		rc = vuln_version_compose(h->base, h->upd, h->full, sizeof(h->full));
	if (rc)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "version", "version too long");
	h->vfull_ok = vuln_ver_parse(h->full, &h->vfull) == 0 &&
		      vuln_ver_key(&h->vfull, h->full_key, sizeof(h->full_key)) == 0;
	h->vbase_ok = vuln_ver_parse(h->base, &h->vbase) == 0 &&
		      vuln_ver_key(&h->vbase, h->base_key, sizeof(h->base_key)) == 0;
	return 0;
}

static int host_one(struct vuln_host *h, const struct cpe *product, struct merr *e)
{
	const char *vendor = cpe_literal(product, CPE_VENDOR);
	const char *prod = cpe_literal(product, CPE_PRODUCT);

	if (!vendor || !prod)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "product",
			       "the product needs a concrete vendor and product");
	if (cpe_copy(&h->product, product))
		return merr_set(e, M_ENOMEM, "out of memory");
	if (vuln_fold_vp(vendor, prod, h->vp, sizeof(h->vp)))
		return merr_at(e, M_EINVAL, NULL, -1, -1, "product", "vendor:product too long");
	h->vp_hash = hash_str(h->vp);
	return host_versions(h, e);
}

int vuln_host_init(struct vuln_host *h, const struct cpe *product, const struct cpe *platforms,
		   size_t n_platforms, struct merr *e)
{
	int rc;

	memset(h, 0, sizeof(*h));
	rc = host_one(h, product, e);
	if (rc == 0 && n_platforms) {
		h->platforms = m_calloc(n_platforms, sizeof(*h->platforms));
		rc = h->platforms ? 0 : merr_set(e, M_ENOMEM, "out of memory");
		for (size_t i = 0; rc == 0 && i < n_platforms; i++) {
			h->n_platforms++;
			rc = host_one(&h->platforms[i], &platforms[i], e);
		}
	}
	if (rc)
		vuln_host_release(h);
	return rc;
}

void vuln_host_release(struct vuln_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_platforms; i++)
		vuln_host_release(&h->platforms[i]);
	m_free(h->platforms);
	cpe_release(&h->product);
	memset(h, 0, sizeof(*h));
}

/* ---- parsing ---- */

/* A version bound without escapes and blanks ("10.2.9-h1 " in CISA ADP data). */
static char *dup_bound(const cJSON *o, const char *key, int *rc)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char tmp[VULN_VER_STR_MAX], *out;
	size_t n = 0;

	if (!cJSON_IsString(v))
		return NULL;
	for (const char *s = v->valuestring; *s && n + 1 < sizeof(tmp); s++) {
		if (*s == '\\' || (*s == ' ' && n == 0))
			continue;
		tmp[n++] = (char)tolower((unsigned char)*s);
	}
	while (n && tmp[n - 1] == ' ')
		n--;
	tmp[n] = '\0';
	if (!n)
		return NULL;
	out = m_strdup(tmp);
	if (!out)
		*rc = M_ENOMEM;
	return out;
}

/* Parses the criteria version and the bounds once, for every later evaluation. */
static int precompute(struct vuln_cpematch *m)
{
	const char *b[4] = {m->start_incl, m->start_excl, m->end_incl, m->end_excl};
	const char *ver = cpe_literal(&m->cpe, CPE_VERSION);
	char key[VULN_VER_KEY_MAX], bb[VULN_VER_STR_MAX], bu[VULN_VER_STR_MAX];
	struct vuln_ver v;

	if (ver && vuln_ver_parse(ver, &v) == 0 && vuln_ver_key(&v, key, sizeof(key)) == 0 &&
	    !(m->ver_key = m_strdup(key)))
		return M_ENOMEM;
	for (int i = 0; i < 4; i++) {
		if (!b[i])
			continue;
		if (!(m->bound[i] = m_malloc(sizeof(*m->bound[i]))))
			return M_ENOMEM;
		if (vuln_ver_parse(b[i], m->bound[i])) {
			m_free(m->bound[i]);
			m->bound[i] = NULL;
			m->bound_bad = true;
			continue;
		}
		m->bound_upd[i] =
		    vuln_version_split(m->vp, b[i], bb, sizeof(bb), bu, sizeof(bu)) || bu[0];
	}
	return 0;
}

static int parse_match(const cJSON *o, struct vuln_cpematch *m, struct merr *e)
{
	const cJSON *crit = cJSON_GetObjectItemCaseSensitive(o, "criteria");
	const cJSON *vul = cJSON_GetObjectItemCaseSensitive(o, "vulnerable");
	char vp[VULN_VP_MAX] = "";
	int rc = 0;

	if (!cJSON_IsString(crit))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cpeMatch.criteria", "missing criteria");
	rc = cpe_parse(crit->valuestring, &m->cpe, e);
	if (rc)
		return rc;
	m->vulnerable = !cJSON_IsFalse(vul);
	if (cpe_literal(&m->cpe, CPE_VENDOR) && cpe_literal(&m->cpe, CPE_PRODUCT))
		vuln_fold_vp(m->cpe.a[CPE_VENDOR].s, m->cpe.a[CPE_PRODUCT].s, vp, sizeof(vp));
	m->criteria = m_strdup(crit->valuestring);
	m->vp = m_strdup(vp);
	if (!m->criteria || !m->vp)
		return M_ENOMEM;
	m->vp_hash = hash_str(m->vp);
	m->start_incl = dup_bound(o, "versionStartIncluding", &rc);
	m->start_excl = dup_bound(o, "versionStartExcluding", &rc);
	m->end_incl = dup_bound(o, "versionEndIncluding", &rc);
	m->end_excl = dup_bound(o, "versionEndExcluding", &rc);
	return rc ? rc : precompute(m);
}

static bool op_is_and(const cJSON *o, struct merr *e, int *rc)
{
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "operator");

	if (!op)
		return false;
	if (cJSON_IsString(op) && strcasecmp(op->valuestring, "AND") == 0)
		return true;
	if (cJSON_IsString(op) && strcasecmp(op->valuestring, "OR") == 0)
		return false;
	*rc = merr_at(e, M_EPARSE, NULL, -1, -1, "operator", "operator must be AND or OR");
	return false;
}

static char part_of(const struct vuln_cpematch *m)
{
	const char *p = cpe_literal(&m->cpe, CPE_PART);
	return p ? p[0] : '*';
}

static _Thread_local const struct vuln_node *sort_node; /* qsort has no context argument */

static int cmp_by_key(const void *a, const void *b)
{
	return strcmp(sort_node->m[*(const uint32_t *)a].ver_key,
		      sort_node->m[*(const uint32_t *)b].ver_key);
}

static struct vuln_group *group_for(struct vuln_node *n, const struct vuln_cpematch *m)
{
	for (size_t i = 0; i < n->n_groups; i++) {
		const struct vuln_cpematch *r = n->groups[i].rep;
		if (r->vp_hash == m->vp_hash && strcmp(r->vp, m->vp) == 0 &&
		    part_of(r) == part_of(m))
			return &n->groups[i];
	}
	n->groups[n->n_groups].rep = m;
	return &n->groups[n->n_groups++];
}

static int build_groups(struct vuln_node *n)
{
	n->groups = m_calloc(n->n + 1, sizeof(*n->groups));
	if (!n->groups)
		return M_ENOMEM;
	for (size_t i = 0; i < n->n; i++) {
		struct vuln_group *g = group_for(n, &n->m[i]);
		if (!g->any && (!(g->any = m_calloc(n->n, sizeof(uint32_t))) ||
				!(g->fixed = m_calloc(n->n, sizeof(uint32_t))) ||
				!(g->other = m_calloc(n->n, sizeof(uint32_t)))))
			return M_ENOMEM;
		if (vuln_cpematch_is_plain(&n->m[i]))
			g->any[g->n_any++] = (uint32_t)i;
		else if (n->m[i].ver_key && cpe_is_literal(&n->m[i].cpe.a[CPE_UPDATE]) &&
			 !n->m[i].bound[0] && !n->m[i].bound[1] && !n->m[i].bound[2] &&
			 !n->m[i].bound[3] && !n->m[i].bound_bad)
			g->fixed[g->n_fixed++] = (uint32_t)i;
		else
			g->other[g->n_other++] = (uint32_t)i;
	}
	sort_node = n;
	for (size_t i = 0; i < n->n_groups; i++) {
		qsort(n->groups[i].any, n->groups[i].n_any, sizeof(uint32_t), cmp_by_key);
		qsort(n->groups[i].fixed, n->groups[i].n_fixed, sizeof(uint32_t), cmp_by_key);
	}
	sort_node = NULL;
	return 0;
}

static void free_groups(struct vuln_node *n)
{
	for (size_t i = 0; n->groups && i < n->n_groups; i++) {
		m_free(n->groups[i].any);
		m_free(n->groups[i].fixed);
		m_free(n->groups[i].other);
	}
	m_free(n->groups);
}

static int parse_node(const cJSON *o, struct vuln_node *n, struct merr *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "cpeMatch"), *it;
	int rc = 0;

	if (!cJSON_IsObject(o))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "nodes", "node is not an object");
	n->and_op = op_is_and(o, e, &rc);
	n->negate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "negate"));
	if (rc || !arr)
		return rc;
	if (!cJSON_IsArray(arr))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cpeMatch", "cpeMatch is not an array");
	n->m = m_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*n->m));
	if (!n->m)
		return M_ENOMEM;
	cJSON_ArrayForEach(it, arr)
	{
		rc = parse_match(it, &n->m[n->n++], e);
		if (rc)
			return rc;
	}
	return n->and_op ? 0 : build_groups(n);
}

static int parse_config(const cJSON *o, struct vuln_config *c, struct merr *e)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "nodes"), *it;
	int rc = 0;

	if (!cJSON_IsObject(o))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "configurations",
			       "configuration is not an object");
	c->and_op = op_is_and(o, e, &rc);
	c->negate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "negate"));
	if (rc)
		return rc;
	if (!cJSON_IsArray(arr))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "nodes", "configuration without nodes");
	c->nodes = m_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*c->nodes));
	if (!c->nodes)
		return M_ENOMEM;
	cJSON_ArrayForEach(it, arr)
	{
		rc = parse_node(it, &c->nodes[c->n++], e);
		if (rc)
			return rc;
	}
	return 0;
}

int vuln_configs_parse(const cJSON *arr, struct vuln_configs **out, struct merr *e)
{
	struct vuln_configs *c;
	const cJSON *it;
	int rc = 0;

	*out = NULL;
	if (!cJSON_IsArray(arr))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "configurations", "not a JSON array");
	c = m_calloc(1, sizeof(*c));
	if (c)
		c->cfg = m_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*c->cfg));
	if (!c || !c->cfg) {
		m_free(c);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	cJSON_ArrayForEach(it, arr)
	{
		rc = parse_config(it, &c->cfg[c->n++], e);
		if (rc)
			break;
	}
	if (rc) {
		vuln_configs_free(c);
		return rc == M_ENOMEM ? merr_set(e, rc, "out of memory") : rc;
	}
	*out = c;
	return 0;
}

int vuln_configs_parse_text(const char *json, struct vuln_configs **out, struct merr *e)
{
	cJSON *arr = cJSON_Parse(json ? json : "");
	int rc;

	*out = NULL;
	if (!arr)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "configurations", "invalid JSON");
	rc = vuln_configs_parse(arr, out, e);
	cJSON_Delete(arr);
	return rc;
}

static void match_release(struct vuln_cpematch *m)
{
	cpe_release(&m->cpe);
	m_free(m->criteria);
	m_free(m->vp);
	m_free(m->start_incl);
	m_free(m->start_excl);
	m_free(m->end_incl);
	m_free(m->end_excl);
	m_free(m->ver_key);
	for (int i = 0; i < 4; i++)
		m_free(m->bound[i]);
}

void vuln_configs_free(struct vuln_configs *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < c->cfg[i].n; j++) {
			for (size_t k = 0; k < c->cfg[i].nodes[j].n; k++)
				match_release(&c->cfg[i].nodes[j].m[k]);
			free_groups(&c->cfg[i].nodes[j]);
			m_free(c->cfg[i].nodes[j].m);
		}
		m_free(c->cfg[i].nodes);
	}
	m_free(c->cfg);
	m_free(c);
}

bool vuln_configs_names(const struct vuln_configs *c, const char *vp)
{
	for (size_t i = 0; c && i < c->n; i++)
		for (size_t j = 0; j < c->cfg[i].n; j++)
			for (size_t k = 0; k < c->cfg[i].nodes[j].n; k++)
				if (strcmp(c->cfg[i].nodes[j].m[k].vp, vp) == 0)
					return true;
	return false;
}

/* ---- evaluating one cpeMatch against the service ---- */

static bool text_matches(const struct cpe_val *v, const char *t)
{
	struct cpe_val tv = {CPE_VALUE, false, false, 0, 0, (char *)t};
	enum cpe_rel r = cpe_compare_attr(v, &tv);

	return r == CPE_EQUAL || r == CPE_SUPERSET;
}

static bool update_ok(const struct cpe_val *cu, const struct vuln_host *h)
{
	if (cu->kind == CPE_ANY)
		return true;
	if (cu->kind == CPE_NA)
		return h->upd[0] == '\0';
	return h->upd[0] && text_matches(cu, h->upd);
}

/* The criteria names one version: with a fixed update it is the base version;
 * with update ANY it is the whole version or the base (NVD: "6.9" any update
 * covers OpenSSH 6.9p1). Literal versions compare by vuln_ver_key. */
static bool version_value_ok(const struct vuln_cpematch *m, const struct vuln_host *h, bool fixed)
{
	const struct cpe_val *cv = &m->cpe.a[CPE_VERSION];
	const char *k = m->ver_key;

	if (!cpe_is_literal(cv))
		return (!fixed && text_matches(cv, h->full)) ||
		       ((fixed || h->upd[0]) && text_matches(cv, h->base));
	if (!fixed &&
	    (k ? h->vfull_ok && strcmp(k, h->full_key) == 0 : strcmp(cv->s, h->full) == 0))
		return true;
	if (!fixed && !h->upd[0])
		return false;
	return k ? h->vbase_ok && strcmp(k, h->base_key) == 0 : strcmp(cv->s, h->base) == 0;
}

/* Ranges apply to the version attribute: with a fixed update, or a post-release
 * update ("p2", "-P1", "-h3") against a bound that has none, compare the base
 * version (NVD: 7.2p2 is version 7.2, inside versionEndIncluding 7.2). */
static const struct vuln_ver *range_side(const struct vuln_host *h, bool bound_upd, bool fixed)
{
	bool use_base = fixed;

	if (!fixed && h->upd[0] && vuln_version_update_is_post(h->upd))
		use_base = !bound_upd; /* a bound with its own update compares whole */
	if (use_base)
		return h->vbase_ok ? &h->vbase : NULL;
	return h->vfull_ok ? &h->vfull : NULL;
}

/* 1 inside, 0 outside, -1 when a bound cannot be compared (and none excludes). */
static int in_range(const struct vuln_cpematch *m, const struct vuln_host *h, bool fixed)
{
	bool incomparable = m->bound_bad;

	for (int i = 0; i < 4; i++) {
		const struct vuln_ver *hv;
		int r;
		if (!m->bound[i])
			continue;
		hv = range_side(h, m->bound_upd[i], fixed);
		if (!hv || vuln_ver_cmp(hv, m->bound[i], &r)) {
			incomparable = true;
			continue;
		}
		if ((i == 0 && r < 0) || (i == 1 && r <= 0) || (i == 2 && r > 0) ||
		    (i == 3 && r >= 0))
			return 0;
	}
	return incomparable ? -1 : 1;
}

#define SKIP_NAME \
	((1u << CPE_VENDOR) | (1u << CPE_PRODUCT) | (1u << CPE_VERSION) | (1u << CPE_UPDATE))

static int eval_product(const struct vuln_cpematch *m, const struct vuln_host *h,
			enum vuln_basis *basis)
{
	const struct cpe_val *cv = &m->cpe.a[CPE_VERSION], *cu = &m->cpe.a[CPE_UPDATE];
	bool ranged = m->start_incl || m->start_excl || m->end_incl || m->end_excl;
	unsigned skip = SKIP_NAME | (h->product.a[CPE_PART].kind == CPE_ANY ? 1u << CPE_PART : 0);
	enum cpe_rel rel = cpe_compare(&m->cpe, &h->product, skip);
	int cap = VULN_AFFECTED, r;

	if (rel == CPE_DISJOINT)
		return VULN_NOT_AFFECTED;
	if (rel != CPE_EQUAL && rel != CPE_SUPERSET)
		cap = VULN_PRODUCT_ONLY; /* the criteria is narrower than what we know */
	if (cv->kind == CPE_NA) {
		*basis = VULN_BASIS_NA_VERSION;
		return VULN_PRODUCT_ONLY;
	}
	if (!h->full[0]) {
		*basis = cv->kind == CPE_ANY && !ranged ? VULN_BASIS_ANY_VERSION
							: VULN_BASIS_VERSION_UNKNOWN;
		return *basis == VULN_BASIS_ANY_VERSION ? cap : VULN_PRODUCT_ONLY;
	}
	if (!update_ok(cu, h))
		return VULN_NOT_AFFECTED;
	if (cv->kind == CPE_VALUE && !version_value_ok(m, h, cu->kind == CPE_VALUE))
		return VULN_NOT_AFFECTED;
	*basis = cv->kind == CPE_ANY ? VULN_BASIS_ANY_VERSION : VULN_BASIS_EXACT;
	if (!ranged)
		return cap;
	*basis = VULN_BASIS_RANGE;
	r = in_range(m, h, cu->kind == CPE_VALUE);
	if (r < 0)
		return VULN_INCOMPARABLE;
	return r ? cap : VULN_NOT_AFFECTED;
}

int vuln_cpematch_eval(const struct vuln_cpematch *m, const struct vuln_host *h)
{
	enum vuln_basis b;

	if (m->vp_hash != h->vp_hash || strcmp(m->vp, h->vp) != 0)
		return VULN_NOT_AFFECTED;
	return eval_product(m, h, &b);
}

bool vuln_cpematch_is_plain(const struct vuln_cpematch *m)
{
	return m->ver_key && m->cpe.a[CPE_UPDATE].kind == CPE_ANY && !m->start_incl &&
	       !m->start_excl && !m->end_incl && !m->end_excl;
}

/* ---- evaluating the tree ---- */

struct acc {
	bool walk; /* reference mode: every entry in order, no groups */
	bool hit;  /* a vulnerable:true entry matched the service */
	int best;  /* level of ev */
	enum vuln_basis basis;
	const struct vuln_cpematch *ev;		  /* the service's deciding entry */
	const struct vuln_cpematch *plat_unknown; /* first condition on an unknown platform */
	const struct vuln_cpematch *plat_met;	  /* first condition a known platform met */
};

static bool part_known(const struct vuln_host *h, char part)
{
	const char *p = cpe_literal(&h->product, CPE_PART);

	if (p && p[0] == part)
		return true;
	for (size_t i = 0; i < h->n_platforms; i++) {
		p = cpe_literal(&h->platforms[i].product, CPE_PART);
		if (p && p[0] == part)
			return true;
	}
	return false;
}

/* A host has one OS and one hardware: a condition on another is decidable. */
static bool decidable(const struct vuln_cpematch *m, const struct vuln_host *h)
{
	const char *part = cpe_literal(&m->cpe, CPE_PART);

	return part && (part[0] == 'o' || part[0] == 'h') && part_known(h, part[0]);
}

static int eval_entry(const struct vuln_cpematch *m, const struct vuln_host *h, struct acc *a)
{
	enum vuln_basis b = VULN_BASIS_NONE;

	if (m->vp_hash == h->vp_hash && strcmp(m->vp, h->vp) == 0) {
		int lvl = eval_product(m, h, &b);
		if (m->vulnerable && lvl > VULN_NOT_AFFECTED && (!a->ev || lvl > a->best)) {
			a->hit = true;
			a->best = lvl;
			a->basis = b;
			a->ev = m;
		}
		return lvl;
	}
	for (size_t i = 0; i < h->n_platforms; i++) {
		const struct vuln_host *p = &h->platforms[i];
		if (m->vp_hash == p->vp_hash && strcmp(m->vp, p->vp) == 0 &&
		    eval_product(m, p, &b) > VULN_NOT_AFFECTED) {
			if (!a->plat_met)
				a->plat_met = m;
			return VULN_AFFECTED;
		}
	}
	if (decidable(m, h))
		return VULN_NOT_AFFECTED;
	if (!a->plat_unknown)
		a->plat_unknown = m;
	return VULN_AFFECTED_IF_PLATFORM;
}

static int negate_level(int l)
{
	if (l == VULN_NOT_AFFECTED)
		return VULN_AFFECTED;
	return l == VULN_AFFECTED ? VULN_NOT_AFFECTED : l;
}

static int combine(bool and_op, int acc, int l, bool first)
{
	if (first)
		return l;
	if (and_op)
		return l < acc ? l : acc;
	return l > acc ? l : acc;
}

static int max_level(int a, int b)
{
	return a > b ? a : b;
}

/* Evaluates the entries of idx[] whose ver_key equals key (idx sorted by key). */
static int eval_keyed(const struct vuln_node *n, const uint32_t *idx, size_t len, const char *key,
		      const struct vuln_host *h, struct acc *a)
{
	size_t lo = 0, hi = len;
	int lvl = VULN_NOT_AFFECTED;

	while (lo < hi) { /* first entry with ver_key >= key */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(n->m[idx[mid]].ver_key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < len && strcmp(n->m[idx[lo]].ver_key, key) == 0; lo++)
		lvl = max_level(lvl, eval_entry(&n->m[idx[lo]], h, a));
	return lvl;
}

static int eval_list(const struct vuln_node *n, const uint32_t *idx, size_t len,
		     const struct vuln_host *h, struct acc *a)
{
	int lvl = VULN_NOT_AFFECTED;

	for (size_t i = 0; i < len; i++)
		lvl = max_level(lvl, eval_entry(&n->m[idx[i]], h, a));
	return lvl;
}

static bool on_platform(const struct vuln_cpematch *m, const struct vuln_host *h)
{
	for (size_t i = 0; i < h->n_platforms; i++)
		if (h->platforms[i].vp_hash == m->vp_hash && strcmp(h->platforms[i].vp, m->vp) == 0)
			return true;
	return false;
}

/* One group of an OR node: the same result as evaluating each of its entries. */
static int eval_group(const struct vuln_node *n, const struct vuln_group *g,
		      const struct vuln_host *h, struct acc *a)
{
	const struct vuln_cpematch *r = g->rep;
	int lvl;

	if (r->vp_hash != h->vp_hash || strcmp(r->vp, h->vp) != 0) {
		if (on_platform(r, h))
			return max_level(eval_list(n, g->any, g->n_any, h, a),
					 max_level(eval_list(n, g->fixed, g->n_fixed, h, a),
						   eval_list(n, g->other, g->n_other, h, a)));
		return eval_entry(r, h, a); /* decidable or not: the same for the group */
	}
	lvl = eval_list(n, g->other, g->n_other, h, a);
	if (!h->full[0]) /* version unknown: every entry is a product-level match */
		return max_level(lvl, max_level(eval_list(n, g->any, g->n_any, h, a),
						eval_list(n, g->fixed, g->n_fixed, h, a)));
	if (h->vfull_ok)
		lvl = max_level(lvl, eval_keyed(n, g->any, g->n_any, h->full_key, h, a));
	if (h->vbase_ok && h->upd[0])
		lvl = max_level(lvl, eval_keyed(n, g->any, g->n_any, h->base_key, h, a));
	if (h->vbase_ok)
		lvl = max_level(lvl, eval_keyed(n, g->fixed, g->n_fixed, h->base_key, h, a));
	return lvl;
}

static int eval_node(const struct vuln_node *n, const struct vuln_host *h, struct acc *a)
{
	int lvl = n->and_op ? VULN_AFFECTED : VULN_NOT_AFFECTED;

	if (n->groups && !a->walk) {
		for (size_t i = 0; i < n->n_groups; i++)
			lvl = max_level(lvl, eval_group(n, &n->groups[i], h, a));
	} else {
		for (size_t i = 0; i < n->n; i++)
			lvl = combine(n->and_op, lvl, eval_entry(&n->m[i], h, a), i == 0);
	}
	return n->negate ? negate_level(lvl) : lvl;
}

static int eval_cfg(const struct vuln_config *c, const struct vuln_host *h, struct acc *a)
{
	int lvl = c->and_op ? VULN_AFFECTED : VULN_NOT_AFFECTED;

	for (size_t i = 0; i < c->n; i++)
		lvl = combine(c->and_op, lvl, eval_node(&c->nodes[i], h, a), i == 0);
	lvl = c->negate ? negate_level(lvl) : lvl;
	return a->hit ? lvl : VULN_NOT_AFFECTED;
}

static void bounds_text(const struct vuln_cpematch *m, char *out, size_t cap)
{
	static const char *const ops[4] = {">=", ">", "<=", "<"};
	const char *b[4] = {m->start_incl, m->start_excl, m->end_incl, m->end_excl};
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < 4; i++) {
		if (!b[i] || n >= cap)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s%s %s", n ? ", " : " [", ops[i], b[i]);
	}
	if (n && n + 2 < cap)
		snprintf(out + n, cap - n, "]");
}

static void entry_text(const struct vuln_cpematch *m, char *out, size_t cap)
{
	char b[200];

	bounds_text(m, b, sizeof(b));
	snprintf(out, cap, "%s%s", m->criteria, b);
}

static void config_eval(const struct vuln_configs *c, const struct vuln_host *h,
			struct vuln_eval *out, bool walk)
{
	struct acc best = {0};
	int best_lvl = VULN_NOT_AFFECTED;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; c && i < c->n; i++) {
		struct acc a = {.walk = walk};
		int lvl = eval_cfg(&c->cfg[i], h, &a);
		if (lvl > best_lvl || (lvl == best_lvl && !best.ev && a.ev)) {
			best_lvl = lvl;
			best = a;
		}
	}
	out->state = (enum vuln_state)best_lvl;
	if (!best.ev)
		return;
	out->basis = best.basis;
	entry_text(best.ev, out->evidence, sizeof(out->evidence));
	if (best_lvl == VULN_AFFECTED_IF_PLATFORM && best.plat_unknown)
		snprintf(out->platform, sizeof(out->platform), "requires %s",
			 best.plat_unknown->criteria);
	else if (best.plat_met)
		snprintf(out->platform, sizeof(out->platform), "platform %s",
			 best.plat_met->criteria);
	else if (best.plat_unknown && best_lvl > VULN_NOT_AFFECTED)
		snprintf(out->platform, sizeof(out->platform), "also requires %s",
			 best.plat_unknown->criteria);
}

void vuln_config_eval(const struct vuln_configs *c, const struct vuln_host *h,
		      struct vuln_eval *out)
{
	config_eval(c, h, out, false);
}

void vuln_config_eval_walk(const struct vuln_configs *c, const struct vuln_host *h,
			   struct vuln_eval *out)
{
	config_eval(c, h, out, true);
}
