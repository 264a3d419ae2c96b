/*
 * cve5.c - the CVE JSON 5 evaluator: the affected[] entries of a record's CNA and ADP
 * containers against a service, the fallback when a CVE has no NVD configuration.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>

#include "vuln/config.h"

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Lowercase letters and digits only: "Palo Alto Networks" = "paloaltonetworks". */
static void loose(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; s && *s && n + 1 < cap; s++)
		if (isalnum((unsigned char)*s))
			out[n++] = (char)tolower((unsigned char)*s);
	out[n] = '\0';
}

static bool loose_vp_equal(const char *vendor, const char *product, const char *vp)
{
	char a[VULN_VP_MAX], b[VULN_VP_MAX], v[VULN_VP_MAX], p[VULN_VP_MAX];
	const char *colon = strchr(vp, ':');

	if (!colon || (size_t)(colon - vp) >= sizeof(v))
		return false;
	memcpy(v, vp, (size_t)(colon - vp));
	v[colon - vp] = '\0';
	loose(vendor, a, sizeof(a));
	loose(product, b, sizeof(b));
	loose(v, v, sizeof(v));
	loose(colon + 1, p, sizeof(p));
	return a[0] && b[0] && strcmp(a, v) == 0 && strcmp(b, p) == 0;
}

static bool entry_names(const cJSON *a, const char *vp)
{
	const char *vendor = jstr(a, "vendor"), *product = jstr(a, "product");
	const cJSON *cpes = cJSON_GetObjectItemCaseSensitive(a, "cpes"), *it;
	char vn[VULN_VP_MAX], pn[VULN_VP_MAX], folded[VULN_VP_MAX];

	cJSON_ArrayForEach(it, cpes)
	{
		struct cpe c;
		bool same = false;
		if (!cJSON_IsString(it) || cpe_parse(it->valuestring, &c, NULL))
			continue;
		if (cpe_literal(&c, CPE_VENDOR) && cpe_literal(&c, CPE_PRODUCT) &&
		    vuln_fold_vp(c.a[CPE_VENDOR].s, c.a[CPE_PRODUCT].s, folded, sizeof(folded)) ==
			0)
			same = strcmp(folded, vp) == 0;
		cpe_release(&c);
		if (same)
			return true;
	}
	if (!vendor || !product)
		return false;
	/* CNA names are free text: "Palo Alto Networks" / "PAN-OS" */
	snprintf(vn, sizeof(vn), "%s", vendor);
	snprintf(pn, sizeof(pn), "%s", product);
	for (char *s = vn; *s; s++)
		*s = *s == ' ' ? '_' : *s;
	for (char *s = pn; *s; s++)
		*s = *s == ' ' ? '_' : *s;
	if (vuln_fold_vp(vn, pn, folded, sizeof(folded)) == 0 && strcmp(folded, vp) == 0)
		return true;
	return loose_vp_equal(vendor, product, vp) ||
	       loose_vp_equal(vendor, product, vuln_alias_canonical(vp));
}

/* A lower bound that means "from the first version". */
static bool open_start(const char *v)
{
	return !v || !*v || strcmp(v, "0") == 0 || strcmp(v, "*") == 0 ||
	       strcasecmp(v, "unspecified") == 0 || strcasecmp(v, "n/a") == 0;
}

static bool all_versions(const char *v)
{
	return v && (strcasecmp(v, "all") == 0 || strcmp(v, "*") == 0);
}

/* Compares the service version with a CVE 5 version: -2 when incomparable. */
static int cmp_host(const struct vuln_host *h, const char *v)
{
	struct vuln_ver bv;
	char t[VULN_VER_STR_MAX];
	int r;

	const char *prod = strchr(h->vp, ':');
	size_t pl = prod ? strlen(prod + 1) : 0;

	/* some CNAs repeat the product: "exim 4.95" */
	if (pl && strncasecmp(v, prod + 1, pl) == 0 && v[pl] == ' ')
		v += pl + 1;
	loose(v, t, 2); /* at least one letter or digit */
	if (!t[0] || !h->vfull_ok || vuln_ver_parse(v, &bv) || vuln_ver_cmp(&h->vfull, &bv, &r))
		return -2;
	return r;
}

/* The status after changes[] ({"at": v, "status": s}, in version order). */
static const char *apply_changes(const cJSON *item, const struct vuln_host *h, const char *st)
{
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(item, "changes"), *it;
	struct vuln_ver best, at;
	bool have = false;
	const char *out = st;

	cJSON_ArrayForEach(it, ch)
	{
		const char *v = jstr(it, "at"), *s = jstr(it, "status");
		int r;
		if (!v || !s || cmp_host(h, v) < 0 || vuln_ver_parse(v, &at))
			continue;
		if (have && (vuln_ver_cmp(&at, &best, &r) || r < 0))
			continue;
		best = at;
		have = true;
		out = s;
	}
	return out;
}

/* 1 when the service version falls in item, 0 when not, -1 when incomparable. */
static int item_covers(const cJSON *item, const struct vuln_host *h)
{
	const char *v = jstr(item, "version"), *lt = jstr(item, "lessThan");
	const char *le = jstr(item, "lessThanOrEqual");
	int r;

	if (!lt && !le) {
		if (all_versions(v))
			return 1;
		if (!v)
			return 0;
		if (open_start(v) && strcmp(v, "0") != 0)
			return 2; /* "n/a", "unspecified": the source names no version */
		r = cmp_host(h, v);
		return r == -2 ? -1 : r == 0;
	}
	if (!open_start(v)) {
		r = cmp_host(h, v);
		if (r == -2)
			return -1;
		if (r < 0)
			return 0;
	}
	if (lt && !all_versions(lt)) {
		r = cmp_host(h, lt);
		return r == -2 ? -1 : r < 0;
	}
	if (le && !all_versions(le)) {
		r = cmp_host(h, le);
		return r == -2 ? -1 : r <= 0;
	}
	return 1;
}

static void cve5_item_text(const char *src, const cJSON *item, char *out, size_t cap)
{
	const char *v = jstr(item, "version"), *lt = jstr(item, "lessThan");
	const char *le = jstr(item, "lessThanOrEqual"), *st = jstr(item, "status");

	snprintf(out, cap, "CVE 5 %s: %s%s%s%s%s (%s)", src, v ? v : "?", lt ? " <= v < " : "",
		 lt ? lt : "", le ? " <= v <= " : "", le ? le : "", st ? st : "?");
}

/* Evaluates one affected[] entry; returns a level and fills the evidence. */
static int cve5_entry(const cJSON *a, const char *src, const struct vuln_host *h,
		      struct vuln_eval *ev)
{
	const cJSON *versions = cJSON_GetObjectItemCaseSensitive(a, "versions"), *it;
	const char *def = jstr(a, "defaultStatus");
	const cJSON *hit_aff = NULL, *hit_un = NULL, *hit_inc = NULL, *hit_nover = NULL;

	if (!h->full[0]) {
		ev->basis = VULN_BASIS_VERSION_UNKNOWN;
		snprintf(ev->evidence, sizeof(ev->evidence), "CVE 5 %s: %s %s (version unknown)",
			 src, jstr(a, "vendor") ? jstr(a, "vendor") : "?",
			 jstr(a, "product") ? jstr(a, "product") : "?");
		return VULN_PRODUCT_ONLY;
	}
	cJSON_ArrayForEach(it, versions)
	{
		const char *st = jstr(it, "status");
		int c = item_covers(it, h);
		if (c < 0 && !hit_inc)
			hit_inc = it;
		if (c == 2 && st && strcmp(st, "affected") == 0 && !hit_nover)
			hit_nover = it;
		if (c <= 0 || c == 2 || !st)
			continue;
		st = apply_changes(it, h, st);
		if (strcmp(st, "unaffected") == 0 && !hit_un)
			hit_un = it;
		else if (strcmp(st, "affected") == 0 && !hit_aff)
			hit_aff = it;
	}
	ev->basis = VULN_BASIS_CVE5;
	if (hit_un) {
		cve5_item_text(src, hit_un, ev->evidence, sizeof(ev->evidence));
		return VULN_NOT_AFFECTED;
	}
	if (hit_aff) {
		cve5_item_text(src, hit_aff, ev->evidence, sizeof(ev->evidence));
		return VULN_AFFECTED;
	}
	if (hit_inc) {
		cve5_item_text(src, hit_inc, ev->evidence, sizeof(ev->evidence));
		return VULN_INCOMPARABLE;
	}
	if (hit_nover) { /* affected, no version given: product level only */
		ev->basis = VULN_BASIS_VERSION_UNKNOWN;
		cve5_item_text(src, hit_nover, ev->evidence, sizeof(ev->evidence));
		return VULN_PRODUCT_ONLY;
	}
	ev->basis = VULN_BASIS_CVE5_DEFAULT;
	snprintf(ev->evidence, sizeof(ev->evidence), "CVE 5 %s: defaultStatus %s", src,
		 def ? def : "(none)");
	if (def && strcmp(def, "affected") == 0)
		return VULN_AFFECTED;
	if (def && strcmp(def, "unaffected") == 0)
		return VULN_NOT_AFFECTED;
	return VULN_PRODUCT_ONLY; /* "unknown": the source does not say */
}

/* Best level over the containers of one kind (CNA, or ADPs). */
static bool cve5_pass(const cJSON *containers, bool cna, const struct vuln_host *h,
		      struct vuln_eval *out)
{
	const cJSON *c, *a;
	bool named = false;

	cJSON_ArrayForEach(c, containers)
	{
		const char *src = jstr(c, "source");
		if (!src || (strcmp(src, "cna") == 0) != cna)
			continue;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(c, "affected"))
		{
			struct vuln_eval ev = {0};
			int lvl;
			if (!entry_names(a, h->vp))
				continue;
			lvl = cve5_entry(a, src, h, &ev);
			if (!named || lvl > (int)out->state) {
				ev.state = (enum vuln_state)lvl;
				*out = ev;
			}
			named = true;
		}
	}
	return named;
}

void vuln_cve5_eval(const cJSON *containers, const struct vuln_host *h, struct vuln_eval *out)
{
	memset(out, 0, sizeof(*out));
	if (!cJSON_IsArray(containers))
		return;
	if (cve5_pass(containers, true, h, out))
		return;
	if (!cve5_pass(containers, false, h, out))
		memset(out, 0, sizeof(*out));
}

bool vuln_cve5_names(const cJSON *containers, const char *vp)
{
	const cJSON *c, *a;

	cJSON_ArrayForEach(c, containers)
	{
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(c, "affected"))
		{
			if (entry_names(a, vp))
				return true;
		}
	}
	return false;
}
