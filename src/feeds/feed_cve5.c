/*
 * feed_cve5.c - CVE JSON 5.x records (one per line): CNA and ADP affected[] into
 * cves.cve5_affected, metrics where NVD has none, candidate products with origin 'cve5'.
 */
#include "base/compat.h"

#include "base/json.h"

#include "base/mem.h"
#include "store/store.h"
#include "cpe/cpe.h"
#include "feeds/feeds_int.h"

#define DESC_MAX (64u << 10)
#define VECTOR_MAX 512 /* CVSS 4.0 vectors with supplemental metrics run long */

/* CVE 5 metric keys, in order of preference within one container. */
static const struct {
	const char *key;
	const char *version;
	int major;
} cvss5_keys[] = {
    {"cvssV4_0", "4.0", 4},
    {"cvssV3_1", "3.1", 3},
    {"cvssV3_0", "3.0", 3},
    {"cvssV2_0", "2.0", 2},
};

static int read_cvss(const cJSON *obj, int k, const char *source, struct feeds_metric *m,
		     struct merr *e)
{
	const char *version, *vector, *sev;
	const cJSON *score = cJSON_GetObjectItemCaseSensitive(obj, "baseScore");
	int rc;

	if (!cJSON_IsObject(obj))
		return merr_at(e, M_EPARSE, NULL, -1, -1, cvss5_keys[k].key, "expected an object");
	if ((rc = fj_req_str(obj, "version", 8, &version, e)) ||
	    (rc = fj_req_str(obj, "vectorString", VECTOR_MAX, &vector, e)) ||
	    (rc = fj_opt_str(obj, "baseSeverity", 16, &sev, e)))
		return rc;
	if (strcmp(version, cvss5_keys[k].version) != 0)
		return merr_at(e, M_EPARSE, NULL, -1, -1, cvss5_keys[k].key,
			       "unknown CVSS version '%s' (expected %s)", version,
			       cvss5_keys[k].version);
	if (!cJSON_IsNumber(score) || score->valuedouble < 0 || score->valuedouble > 10)
		return merr_at(e, M_EPARSE, NULL, -1, -1, "baseScore", "expected a number 0-10");
	if (m->set)
		return 0; /* the CNA's (first) wins over ADPs' */
	m->set = true;
	m->score = score->valuedouble;
	m->vector = vector;
	m->source = source;
	m->severity = sev ? sev : feeds_severity_for(score->valuedouble, cvss5_keys[k].major);
	m->version = cvss5_keys[k].version;
	return 0;
}

static int read_container_metrics(const cJSON *cont, const char *source, struct feeds_cve *c,
				  struct feeds_metric *v31, struct feeds_metric *v30,
				  struct merr *e)
{
	const cJSON *arr, *m, *kv;
	int rc;

	if ((rc = fj_opt_arr(cont, "metrics", &arr, e)))
		return rc;
	cJSON_ArrayForEach(m, arr)
	{
		cJSON_ArrayForEach(kv, m)
		{
			int k;
			struct feeds_metric *dst;
			for (k = 0; k < (int)ARRAY_SIZE(cvss5_keys); k++)
				if (strcmp(kv->string, cvss5_keys[k].key) == 0)
					break;
			if (k == (int)ARRAY_SIZE(cvss5_keys)) {
				if (strncmp(kv->string, "cvssV", 5) == 0)
					return merr_at(e, M_EPARSE, NULL, -1, -1, "metrics",
						       "unknown CVSS version '%.40s'", kv->string);
				continue;
			}
			dst = k == 0 ? &c->v4 : k == 1 ? v31 : k == 2 ? v30 : &c->v2;
			if ((rc = read_cvss(kv, k, source, dst, e)))
				return rc;
		}
	}
	return 0;
}

static int read_container_cwes(const cJSON *cont, struct feeds_cve *c)
{
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(cont, "problemTypes"), *pt, *d;
	cJSON_ArrayForEach(pt, pts)
	{
		const cJSON *descs = cJSON_GetObjectItemCaseSensitive(pt, "descriptions");
		cJSON_ArrayForEach(d, descs)
		{
			const char *cwe = fj_str(d, "cweId");
			if (cwe)
				feeds_add_cwe(c->cwe, sizeof(c->cwe), cwe);
		}
	}
	return 0;
}

/* Candidate products from one affected[] entry: its cpes[] and its vendor/product names. */
static int read_affected_products(const cJSON *aff, struct feeds_cve *c, struct merr *e)
{
	const cJSON *a, *cpes, *cpe;
	char vp[VULN_VP_MAX];
	int rc;

	cJSON_ArrayForEach(a, aff)
	{
		const char *vendor, *product;
		if (!cJSON_IsObject(a))
			return merr_at(e, M_EPARSE, NULL, -1, -1, "affected", "expected objects");
		if ((rc = fj_opt_str(a, "vendor", 512, &vendor, e)) ||
		    (rc = fj_opt_str(a, "product", 512, &product, e)) ||
		    (rc = fj_opt_arr(a, "cpes", &cpes, e)))
			return rc;
		cJSON_ArrayForEach(cpe, cpes)
		{
			if (cJSON_IsString(cpe) && cpe_vp(cpe->valuestring, vp, sizeof(vp)) == 0 &&
			    feeds_cve_add_vp(c, vp))
				return merr_set(e, M_ENOMEM, "out of memory");
		}
		if (feeds_fold_names(vendor, product, vp, sizeof(vp)) == 0 &&
		    feeds_cve_add_vp(c, vp))
			return merr_set(e, M_ENOMEM, "out of memory");
	}
	return 0;
}

/* Appends {"source":..,"affected":[..]} to out, referencing (not copying) the array. */
static int add_affected(cJSON *out, const char *source, const cJSON *aff, struct merr *e)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "source", source) ||
	    !cJSON_AddItemToObject(o, "affected", cJSON_CreateArrayReference(aff->child)) ||
	    !cJSON_AddItemToArray(out, o)) {
		cJSON_Delete(o);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	return 0;
}

static int read_container(const cJSON *cont, const char *source, const char *provider,
			  struct feeds_cve *c, cJSON *affected_out, struct feeds_metric *v31,
			  struct feeds_metric *v30, struct merr *e)
{
	const cJSON *aff;
	int rc;

	if (!cJSON_IsObject(cont))
		return merr_at(e, M_EPARSE, NULL, -1, -1, source, "expected an object");
	if ((rc = fj_opt_arr(cont, "affected", &aff, e)))
		return rc;
	if (aff && cJSON_GetArraySize(aff) > 0) {
		if ((rc = add_affected(affected_out, source, aff, e)) ||
		    (rc = read_affected_products(aff, c, e)))
			return rc;
	}
	read_container_cwes(cont, c);
	if ((rc = feeds_read_refs(cont, "name", false, c, e)))
		return rc;
	return read_container_metrics(cont, provider, c, v31, v30, e);
}

static int read_description(const cJSON *cna, struct feeds_cve *c, struct merr *e)
{
	const cJSON *arr, *d;
	int rc;

	if ((rc = fj_opt_arr(cna, "descriptions", &arr, e)))
		return rc;
	cJSON_ArrayForEach(d, arr)
	{
		const char *lang = fj_str(d, "lang");
		if (!lang || strncmp(lang, "en", 2) != 0)
			continue;
		return fj_req_str(d, "value", DESC_MAX, &c->description, e);
	}
	return 0;
}

static int read_meta(const cJSON *meta, struct feeds_cve *c, struct merr *e)
{
	const char *id, *pub, *upd;
	int rc;

	if (!cJSON_IsObject(meta))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cveMetadata", "expected an object");
	if ((rc = fj_req_str(meta, "cveId", 31, &id, e)))
		return rc;
	if (!feeds_valid_cve_id(id))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "cveId", "not a CVE id: '%.31s'", id);
	snprintf(c->id, sizeof(c->id), "%s", id);
	if ((rc = fj_opt_str(meta, "state", 16, &c->state, e)) ||
	    (rc = fj_opt_str(meta, "datePublished", 40, &pub, e)) ||
	    (rc = fj_opt_str(meta, "dateUpdated", 40, &upd, e)))
		return rc;
	if (pub && (rc = fj_time("datePublished", pub, &c->published, e)))
		return rc;
	if (upd && (rc = fj_time("dateUpdated", upd, &c->cve5_updated, e)))
		return rc;
	if (!upd)
		c->cve5_updated = c->published;
	c->last_modified = c->cve5_updated;
	return 0;
}

int feeds_cve5_parse(const char *p, size_t len, struct feeds_cve *c, struct merr *e)
{
	const cJSON *meta, *cont, *cna, *adps, *adp;
	struct feeds_metric v31 = {0}, v30 = {0};
	cJSON *affected = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	c->arena_mark = feeds_arena_begin();
	c->arena_spills = feeds_arena_spills();
	c->arena = true;
	/* cJSON's tree in one pass, or NULL: the strings are checked and cJSON decides (what
	 * the fast reader accepts passes the check) */
	c->doc = json_parse_fast(p, len);
	if (!c->doc) {
		if ((rc = json_check_strings(p, len, -1, -1, e)))
			return rc;
		c->doc = cJSON_ParseWithLength(p, len);
	}
	if (!c->doc)
		return merr_set(e, M_EPARSE, "not valid JSON");
	meta = cJSON_GetObjectItemCaseSensitive(c->doc, "cveMetadata");
	if ((rc = read_meta(meta, c, e)))
		return rc;
	cont = cJSON_GetObjectItemCaseSensitive(c->doc, "containers");
	cna = cJSON_GetObjectItemCaseSensitive(cont, "cna");
	if (!cJSON_IsObject(cont) || !cJSON_IsObject(cna))
		return merr_at(e, M_EPARSE, NULL, -1, -1, "containers.cna", "missing");
	affected = cJSON_CreateArray();
	if (!affected)
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = read_description(cna, c, e);
	if (!rc) {
		/* metrics name their provider ("palo_alto", "CISA-ADP"); affected[] says cna/adp */
		const char *sn =
		    fj_str(cJSON_GetObjectItemCaseSensitive(cna, "providerMetadata"), "shortName");
		snprintf(c->cna_name, sizeof(c->cna_name), "%.60s", sn ? sn : "cna");
		rc = read_container(cna, "cna", c->cna_name, c, affected, &v31, &v30, e);
	}
	if (!rc)
		rc = fj_opt_arr(cont, "adp", &adps, e);
	if (rc)
		adps = NULL;
	cJSON_ArrayForEach(adp, adps)
	{
		const cJSON *pm = cJSON_GetObjectItemCaseSensitive(adp, "providerMetadata");
		const char *sn = fj_str(pm, "shortName");
		char source[96];
		snprintf(source, sizeof(source), "adp:%.80s", sn ? sn : "unknown");
		/* sn lives in c->doc, so the metric may borrow it */
		if ((rc = read_container(adp, source, sn ? sn : "adp", c, affected, &v31, &v30, e)))
			break;
	}
	c->v3 = v31.set ? v31 : v30;
	if (!rc && cJSON_GetArraySize(affected) > 0) {
		c->cve5_affected = cJSON_PrintUnformatted(affected);
		if (!c->cve5_affected)
			rc = merr_set(e, M_ENOMEM, "out of memory");
	}
	cJSON_Delete(affected);
	return rc;
}

/* Binds the fill-in statement: only columns NVD left empty take these values. */
static void bind_fill(struct store_stmt *st, const struct feeds_cve *c)
{
	const struct feeds_metric *v4 = &c->v4, *v3 = &c->v3, *v2 = &c->v2;

	stmt_bind_text(st, 1, c->cve5_affected);
	stmt_bind_int64(st, 2, c->cve5_updated);
	stmt_bind_text(st, 3, c->state);
	stmt_bind_text(st, 4, c->cwe[0] ? c->cwe : NULL);
	stmt_bind_text(st, 5, c->description);
	if (c->published)
		stmt_bind_int64(st, 6, c->published);
	if (v4->set) {
		stmt_bind_double(st, 7, v4->score);
		stmt_bind_text(st, 8, v4->vector);
		stmt_bind_text(st, 9, v4->source);
		stmt_bind_text(st, 10, v4->severity);
	}
	if (v3->set) {
		stmt_bind_text(st, 11, v3->source);
		stmt_bind_text(st, 12, v3->version);
		stmt_bind_text(st, 13, v3->severity);
		stmt_bind_text(st, 14, v3->vector);
		stmt_bind_double(st, 15, v3->score);
	}
	if (v2->set) {
		stmt_bind_text(st, 16, v2->source);
		stmt_bind_text(st, 17, v2->severity);
		stmt_bind_text(st, 18, v2->vector);
		stmt_bind_double(st, 19, v2->score);
	}
	stmt_bind_text(st, 20, c->id);
}

static int cve5_store(struct feeds_ctx *ctx, const struct feeds_cve *c, struct merr *e)
{
	struct store_stmt *st = feeds_stmt(ctx, ST_CVE_GET, e);
	bool exists = false, has_nvd = false;
	int rc;

	if (!st)
		return M_ESTORE;
	/* a record of this CVE waiting for COPY goes in first, so the lookup sees it */
	if (feeds_bulk_has(ctx, c->id) && (rc = feeds_bulk_flush(ctx, e)))
		return rc;
	stmt_bind_text(st, 1, c->id);
	rc = stmt_step(st, e);
	if (rc == 1) {
		const char *src = stmt_text(st, 1);
		exists = true;
		has_nvd = src && strncmp(src, "nvd", 3) == 0;
		rc = !stmt_is_null(st, 2) && stmt_int64(st, 2) >= c->cve5_updated ? FEEDS_UNCHANGED
										  : FEEDS_STORED;
	}
	stmt_reset(st);
	if (rc < 0 || rc == FEEDS_UNCHANGED)
		return rc;
	if (!exists && ctx->bulk) { /* PostgreSQL: by COPY at the batch's commit */
		if ((rc = feeds_bulk_cve5(ctx, c, e)) ||
		    (rc = feeds_store_products(ctx, c, "cve5", true, e)))
			return rc;
		return FEEDS_STORED;
	}
	if (exists && has_nvd) {
		st = feeds_stmt(ctx, ST_CVE5_FILL, e);
		if (!st)
			return M_ESTORE;
		bind_fill(st, c);
	} else {
		st = feeds_stmt(ctx, ST_CVE5_INSERT, e);
		if (!st)
			return M_ESTORE;
		stmt_bind_text(st, 1, c->id);
		if (c->published)
			stmt_bind_int64(st, 2, c->published);
		stmt_bind_int64(st, 3, c->last_modified);
		stmt_bind_text(st, 4, c->description);
		stmt_bind_text(st, 5, c->cwe[0] ? c->cwe : NULL);
		feeds_bind_metrics(st, 6, c);
		stmt_bind_text(st, 19, c->cve5_affected);
		stmt_bind_int64(st, 20, c->cve5_updated);
		stmt_bind_text(st, 21, c->state);
		stmt_bind_text(st, 22, feeds_best_severity(c));
	}
	if ((rc = feeds_exec(st, e)) || (has_nvd && (rc = feeds_update_severity(ctx, c->id, e))) ||
	    (rc = feeds_store_refs(ctx, c, "cve5", !exists, e)) ||
	    (rc = feeds_store_products(ctx, c, "cve5", !exists, e)))
		return rc;
	return FEEDS_STORED;
}

static int cve5_parse(const struct split_rec *rec, void **out, size_t *bytes, char *cve,
		      size_t cve_cap, struct merr *e)
{
	return feeds_cve_parse_owned(feeds_cve5_parse, rec, out, bytes, cve, cve_cap, e);
}

static int cve5_store_rec(struct feeds_ctx *ctx, void *rec, struct merr *e)
{
	return cve5_store(ctx, rec, e);
}

const struct feeds_adapter feeds_cve5_adapter = {
    .kind = FEEDS_CVE5,
    .mode = SPLIT_LINES,
    .savepoint = true,
    .json = true,
    .threads = true,
    .parse = cve5_parse,
    .store = cve5_store_rec,
    .rec_free = feeds_cve_free,
};
