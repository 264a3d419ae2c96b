/*
 * match.c - runs text through one Recog database (first fingerprint in file order
 * wins, as Recog::Nizer does), fills params, interpolates them, names the product.
 */
#include "base/compat.h"

#include "base/err.h"
#include "base/utf8.h"
#include "fingerprint/fp_int.h"

/* Copies n bytes of s into the arena; returns the copy ("" when it does not fit). */
static const char *arena_put(struct fp_result *r, const char *s, size_t n)
{
	char *p;

	if (r->arena_used + n + 1 > FP_ARENA_MAX) {
		r->values_truncated = true;
		n = r->arena_used + 1 < FP_ARENA_MAX ? FP_ARENA_MAX - r->arena_used - 1 : 0;
		if (n == 0)
			return "";
	}
	p = r->arena + r->arena_used;
	memcpy(p, s, n);
	p[n] = '\0';
	r->arena_used += n + 1;
	return p;
}

const char *fp_result_get(const struct fp_result *r, const char *name)
{
	for (size_t i = 0; r && i < r->n_params; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return r->params[i].value;
	return NULL;
}

static void set_param(struct fp_result *r, const char *name, const char *value)
{
	for (size_t i = 0; i < r->n_params; i++) {
		if (strcmp(r->params[i].name, name) == 0) {
			r->params[i].value = value;
			return;
		}
	}
	if (r->n_params < FP_PARAMS_MAX) {
		r->params[r->n_params].name = name;
		r->params[r->n_params++].value = value;
	} else {
		r->values_truncated = true;
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/*
 * Fills {other.param} placeholders in a fixed value, as Recog's Fingerprint#match:
 * a missing version in a cpe23 param becomes "-" (Recog's rule; the CPE 2.3
 * conversion turns it into ANY), any other missing value stays as written.
 */
static const char *interpolate(struct fp_result *r, const char *key, const char *tmpl)
{
	char out[1024];
	size_t o = 0;

	if (!strchr(tmpl, '{'))
		return tmpl; /* borrowed from the db: no copy needed */
	for (const char *s = tmpl; *s && o + 1 < sizeof(out);) {
		const char *end = s[0] == '{' ? strchr(s, '}') : NULL;
		char name[128];
		const char *v = NULL;
		size_t n = end ? (size_t)(end - s - 1) : 0;
		if (!end || n == 0 || n >= sizeof(name) || memchr(s + 1, ' ', n)) {
			out[o++] = *s++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)n, s + 1);
		v = fp_result_get(r, name);
		if (!v && ends_with(key, ".cpe23") && ends_with(name, ".version"))
			v = "-";
		if (!v) {
			out[o++] = *s++;
			continue;
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", v);
		if (o >= sizeof(out))
			o = sizeof(out) - 1;
		s = end + 1;
	}
	return arena_put(r, out, o);
}

static const char *first_of(const struct fp_result *r, const char *a, const char *b, const char *c)
{
	const char *v = fp_result_get(r, a);

	if (!v || !*v)
		v = fp_result_get(r, b);
	if ((!v || !*v) && c)
		v = fp_result_get(r, c);
	return v ? v : "";
}

static void join_os(struct fp_result *r)
{
	const char *parts[3] = {fp_result_get(r, "os.vendor"), fp_result_get(r, "os.product"),
				fp_result_get(r, "os.version")};
	char os[512];
	size_t o = 0;

	if (!parts[1])
		parts[1] = fp_result_get(r, "os.family");
	/* "Microsoft" + "Windows" reads well; "Canonical" + "Ubuntu" too; skip a
	 * vendor the product already starts with ("Cisco" + "Cisco IOS"). */
	if (parts[0] && parts[1] && strncmp(parts[1], parts[0], strlen(parts[0])) == 0)
		parts[0] = NULL;
	for (int i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i])
			continue;
		o += (size_t)snprintf(os + o, sizeof(os) - o, "%s%s", o ? " " : "", parts[i]);
		if (o >= sizeof(os))
			o = sizeof(os) - 1;
	}
	r->os = o ? arena_put(r, os, o) : "";
}

static void cpe_for(struct fp_result *r, const struct fp_fingerprint *fp, const char *key,
		    char *out)
{
	out[0] = '\0';
	for (size_t i = 0; i < fp->n_params; i++) {
		const struct fp_param_def *p = &fp->params[i];
		if (strcmp(p->name, key) != 0)
			continue;
		if (p->pos == 0 && p->value) {
			/* convert from the template so a captured value with ':' or '%'
			 * is escaped rather than splitting the name */
			if (fp_cpe_from_template(p->value, r, out, FP_CPE_MAX) != 0)
				out[0] = '\0';
		} else if (fp_result_get(r, key)) {
			if (fp_cpe_from_uri(fp_result_get(r, key), out, FP_CPE_MAX) != 0)
				out[0] = '\0';
		}
		return;
	}
}

static void summarise(struct fp_result *r, const struct fp_fingerprint *fp)
{
	r->vendor = first_of(r, "service.vendor", "os.vendor", "hw.vendor");
	r->product = first_of(r, "service.product", "os.product", "hw.product");
	r->version = first_of(r, "service.version", "os.version", "hw.version");
	r->family = first_of(r, "service.family", "os.family", "hw.family");
	r->device = first_of(r, "os.device", "hw.device", NULL);
	join_os(r);
	cpe_for(r, fp, "service.cpe23", r->service_cpe23);
	if (!r->service_cpe23[0] && fp_result_get(r, "service.product") &&
	    fp_cpe_build('a', fp_result_get(r, "service.vendor"),
			 fp_result_get(r, "service.product"), fp_result_get(r, "service.version"),
			 r->service_cpe23, FP_CPE_MAX) != 0)
		r->service_cpe23[0] = '\0';
	cpe_for(r, fp, "os.cpe23", r->os_cpe23);
	cpe_for(r, fp, "hw.cpe23", r->hw_cpe23);
	snprintf(r->cpe23, sizeof(r->cpe23), "%s",
		 r->service_cpe23[0] ? r->service_cpe23
		 : r->os_cpe23[0]    ? r->os_cpe23
				     : r->hw_cpe23);
}

static void reset_result(struct fp_result *r)
{
	r->n_params = 0;
	r->arena_used = 0;
	r->values_truncated = false;
	r->cpe23[0] = r->service_cpe23[0] = r->os_cpe23[0] = r->hw_cpe23[0] = '\0';
	r->vendor = r->product = r->version = r->family = r->os = r->device = "";
}

int fp_match_one(const struct fp_db *db, const struct fp_database *d,
		 const struct fp_fingerprint *fp, size_t index, const char *text, size_t len,
		 bool utf, pcre2_match_data *md, struct fp_result *r)
{
	PCRE2_SIZE *ov;
	int rc;

	if (!fp->re)
		return 0;
	rc = pcre2_match(utf && fp->re_utf ? fp->re_utf : fp->re, (PCRE2_SPTR)text, len, 0, 0, md,
			 db->mctx);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
		return M_ETIMEOUT; /* gave up: counts as no match, the self-test says why */
	if (rc < 0)
		return 0;
	ov = pcre2_get_ovector_pointer(md);
	reset_result(r);
	r->database = d->name;
	r->matches = d->matches;
	r->description = fp->description;
	r->line = fp->line;
	r->index = index;
	r->match_start = ov[0];
	r->match_end = ov[1];
	for (size_t i = 0; i < fp->n_params; i++) {
		const struct fp_param_def *p = &fp->params[i];
		uint32_t g = (uint32_t)p->pos;
		if (p->pos == 0)
			set_param(r, p->name, p->value ? p->value : "");
		else if (g < (uint32_t)rc && ov[2 * g] != PCRE2_UNSET)
			set_param(r, p->name,
				  arena_put(r, text + ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
	}
	if (d->protocol[0] && !fp_result_get(r, "service.protocol"))
		set_param(r, "service.protocol", d->protocol);
	for (size_t i = 0; i < r->n_params; i++)
		for (size_t k = 0; k < fp->n_params; k++)
			if (fp->params[k].pos == 0 && fp->params[k].name == r->params[i].name)
				r->params[i].value =
				    interpolate(r, r->params[i].name, r->params[i].value);
	r->evidence_len = len < FP_EVIDENCE_MAX ? len : FP_EVIDENCE_MAX;
	r->evidence_truncated = len > FP_EVIDENCE_MAX;
	memcpy(r->evidence, text, r->evidence_len);
	summarise(r, fp);
	return 1;
}

int fp_match(const struct fp_db *db, const char *database, const char *text, size_t len,
	     struct fp_result *out)
{
	long i = fp_db_find(db, database);
	const struct fp_database *d;
	pcre2_match_data *md;
	bool utf;
	int rc = 0;

	if (i < 0)
		return M_ENOTFOUND;
	d = &db->dbs[i];
	md = pcre2_match_data_create(db->max_pairs ? db->max_pairs : 1, NULL);
	if (!md)
		return M_ENOMEM;
	utf = utf8_valid(text, len, NULL);
	for (size_t k = 0; k < d->n_fps && rc == 0; k++)
		if ((rc = fp_match_one(db, d, &d->fps[k], k, text, len, utf, md, out)) < 0)
			rc = rc == M_ETIMEOUT ? 0 : rc;
	pcre2_match_data_free(md);
	return rc;
}
